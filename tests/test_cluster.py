"""Grading through a real Dask cluster into a real PostgreSQL gradebook.

The set-up starts, as separate processes on this machine, a PostgreSQL server
(Debian's ``postgresql`` package, installed by ``make test``) and a Dask
scheduler with two workers; the class graded through them must get exactly the
grades of a single process writing to SQLite.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tests.conftest import ROOT, run
from tests.test_grading import grades_of, read_notes
from tests.test_parallel import NOTEBOOKS, STUDENTS, expected, small_class

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} n'a pas démarré à temps")


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own on a free port; yields its URL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL absent (paquet Debian « postgresql », make test)")
    bindir = Path(found[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="pg-test-"))
    prefix = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        [*prefix, bindir / "initdb", "-D", base / "data", "-U", "postgres",
         "--auth=trust", "--no-sync"],
        check=True, **quiet,
    )  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, bindir / "pg_ctl", "-D", base / "data", "-o", options,
         "-l", base / "journal.log", "-w", "start"],
        check=True, **quiet,
    )  # fmt: skip
    try:
        subprocess.run(
            [*prefix, bindir / "createdb", "-h", "127.0.0.1", "-p", str(port),
             "-U", "postgres", "cours_rn"],
            check=True, **quiet,
        )  # fmt: skip
        yield f"postgresql://postgres@127.0.0.1:{port}/cours_rn"
    finally:
        subprocess.run(
            [*prefix, bindir / "pg_ctl", "-D", base / "data", "-m", "immediate",
             "stop"], **quiet,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A Dask scheduler and two workers, each its own process; yields the address."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    commands = [
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"],
        *[
            [BIN / "dask", "worker", address, "--nworkers", "1", "--nthreads", "1",
             "--memory-limit", "0", "--no-dashboard", "--name", f"poste-{i}"]
            for i in (1, 2)
        ],
    ]  # fmt: skip
    processes = []
    try:
        for i, command in enumerate(commands):
            log = open(logs / f"{i}.log", "wb")  # noqa: SIM115
            processes.append(
                subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
            )
            if i == 0:
                wait_for(lambda: _listening(port), "l'ordonnanceur Dask")
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_cluster_and_postgresql_give_the_single_process_grades(
    postgres, scheduler, tmp_path
):
    folder = small_class(tmp_path / "rendus")
    alone = tmp_path / "seul"
    code, _, _ = run("corriger", folder, "--classe", alone, "--workers", "1")
    assert code == 0
    cluster = tmp_path / "grappe"
    code, out, err = run(
        "corriger", folder, "--classe", cluster, "--scheduler", scheduler,
        "--db", postgres,
    )  # fmt: skip
    assert code == 0 and err == "", out + err
    assert f"sur {scheduler}" in out, out
    assert "[6/6]" in out, out
    assert not (cluster / "gradebook.db").exists()
    assert (cluster / "notes.csv").read_text() == (alone / "notes.csv").read_text()
    assert grades_of(read_notes(cluster)) == expected()
    with Gradebook(postgres) as gb:
        for name in NOTEBOOKS:
            for student in STUDENTS:
                nb = gb.find_submission_notebook(name, name, student)
                assert nb.score == sum(p for p, _ in expected()[student][name])
    config = (cluster / "nbgrader_config.py").read_text()
    assert postgres in config  # plain `nbgrader` commands there use it too
