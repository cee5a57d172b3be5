"""Grading on several processes, resuming after a kill, regrading a part."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from grader.engine import Report
from grader.parallel import JobLost, Pool
from tests.conftest import ROOT, run
from tests.test_grading import (
    CH02,
    CH03,
    CHAPTER,
    EXAMPLE,
    EXPECTED,
    grades_of,
    read_notes,
)

STUDENTS = ("alice_martin", "bruno_petit")
NOTEBOOKS = (CHAPTER, CH02, CH03)


def small_class(folder):
    """Two students (one right, one wrong) and the three quick notebooks."""
    for student in STUDENTS:
        (folder / student).mkdir(parents=True)
        for name in NOTEBOOKS:
            shutil.copy(EXAMPLE / student / f"{name}.ipynb", folder / student)
    return folder


def expected():
    return {s: {n: EXPECTED[s][n] for n in NOTEBOOKS} for s in STUDENTS}


def results(classe):
    return sorted((classe / "resultats").glob("*/*.json"))


def test_killed_grading_finishes_on_the_next_run(tmp_path):
    folder, classe = small_class(tmp_path / "rendus"), tmp_path / "classe"
    command = [sys.executable, "-m", "grader.cli", "corriger", str(folder)]
    command += ["--classe", str(classe)]
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # scratch folders go there
    process = subprocess.Popen(
        [*command, "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while len(results(classe)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    done = len(results(classe))
    assert 2 <= done < 6, "the grader was not killed in the middle of the class"
    orphan, alive = f"cours-rn-{process.pid}-orphelin", f"cours-rn-{os.getpid()}-vivant"
    for name in (orphan, alive):
        (tmp_path / name / "travail").mkdir(parents=True)
    again = subprocess.run(
        [*command, "--workers", "2"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    code, out = again.returncode, again.stdout
    assert code == 0, again.stderr
    left = sorted(p.name for p in tmp_path.glob("cours-rn-*"))
    assert left == [alive]  # orphans swept, a live grader's kept
    assert f"{done} cahier(s) déjà corrigé(s) et inchangé(s)" in out
    assert f"Correction de {6 - done} cahier(s)" in out
    assert grades_of(read_notes(classe)) == expected()
    with Gradebook(f"sqlite:///{classe / 'gradebook.db'}") as gb:
        for name in NOTEBOOKS:  # one submission each, none duplicated or lost
            subs = gb.find_assignment(name).submissions
            assert sorted(s.student.id for s in subs) == list(STUDENTS)
            for student in STUDENTS:
                nb = gb.find_submission_notebook(name, name, student)
                row = expected()[student][name]
                assert nb.score == sum(points for points, _ in row)


@pytest.fixture(scope="module")
def graded_small(tmp_path_factory):
    base = tmp_path_factory.mktemp("petite")
    folder, classe = small_class(base / "rendus"), base / "classe"
    code, out, _ = run("corriger", folder, "--classe", classe, "--workers", "2")
    assert code == 0 and "(2 processus)" in out
    return folder, classe


def test_unchanged_submissions_are_not_graded_again(graded_small):
    folder, classe = graded_small
    before = (classe / "notes.csv").read_text()
    code, out, _ = run("corriger", folder, "--classe", classe)
    assert code == 0
    assert "6 cahier(s) déjà corrigé(s)" in out and "Correction de 0" in out
    assert (classe / "notes.csv").read_text() == before


def test_one_student_and_one_notebook_regraded_in_one_command(graded_small):
    folder, classe = graded_small
    before = (classe / "notes.csv").read_text()
    code, out, _ = run(
        "corriger", folder, "--classe", classe,
        "--etudiant", "bruno_petit", "--cahier", "02", "--recorriger",
    )  # fmt: skip
    assert code == 0
    assert "Correction de 1 cahier(s)" in out
    assert f"[1/1] bruno_petit · {CH02} : 1/4" in out
    assert (classe / "notes.csv").read_text() == before  # the others are kept


def test_a_resubmission_is_graded_again(graded_small, tmp_path):
    folder, classe = graded_small
    copy = tmp_path / "classe"
    shutil.copytree(classe, copy)
    blank = EXAMPLE / "chloe_durand" / f"{CHAPTER}.ipynb"
    again = tmp_path / "rendus"
    shutil.copytree(folder, again)
    shutil.copy(blank, again / "alice_martin" / f"{CHAPTER}.ipynb")
    code, out, _ = run("corriger", again, "--classe", copy)
    assert code == 0
    assert "5 cahier(s) déjà corrigé(s)" in out and "Correction de 1 cahier(s)" in out
    table = grades_of(read_notes(copy))
    assert table["alice_martin"][CHAPTER] == [(0, "non traité")] * 5
    assert table["bruno_petit"] == expected()["bruno_petit"]


def crash_on_boom(job):
    """A job runner that kills its worker process for the job named "boom", and
    for the others, once, when they carry a marker file not yet there."""
    if job["key"] == "boom":
        os._exit(1)
    marker = job.get("marqueur")
    if marker and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return Report().to_dict()


def test_a_job_whose_worker_dies_is_retried_and_one_that_kills_is_given_up(
    tmp_path,
):
    jobs = [{"key": "boom"}, {"key": "calme"}]
    jobs.append({"key": "malchance", "marqueur": str(tmp_path / "une-fois")})
    with Pool(workers=2) as pool:
        found = {job["key"]: result for job, result in pool.map(jobs, crash_on_boom)}
    assert isinstance(found["calme"], Report)
    assert isinstance(found["malchance"], Report)  # retried on a fresh worker
    assert (tmp_path / "une-fois").exists()
    assert isinstance(found["boom"], JobLost) and found["boom"].final
    assert "fait tomber 3 processus de correction" in str(found["boom"])
