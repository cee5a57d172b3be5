"""Confined execution of the runner (:mod:`grader.runner`).

On Linux with bubblewrap (``bwrap``, Debian package ``bubblewrap``) the runner
sees a read-only system, Python and its libraries, a scratch working folder
that is thrown away, a private ``/tmp``, no network, no other process, and
nothing of the course: neither the repository (instructor notebooks,
``solutions``), nor the course directory (gradebook, hidden tests, other
students' submissions). Without bubblewrap, only resource limits apply; the
grader says so once.

Always: a memory limit (address space), a CPU-time backstop, a file-size
limit, and no process outliving the grading (each runner is a session of its
own, killed as a group, and any process still carrying its token is killed).
"""

import importlib.util
import json
import os
import re
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RUNNER = Path(__file__).resolve().with_name("runner.py")
DATA = Path(__file__).resolve().parents[1] / "data"  # the course's public datasets
TOKEN_VAR = "COURS_RN_JETON"


@dataclass
class Limits:
    """Limits of one notebook's execution (seconds, bytes)."""

    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    memory: int = 4 * 2**30
    file_size: int = 100 * 2**20


class Timeout(Exception):
    """The runner did not answer in time."""


class Closed(Exception):
    """The runner stopped (exit, crash, kill) or spoke out of protocol."""


@cache
def bwrap():
    """Path of a working ``bwrap``, or None."""
    path = shutil.which("bwrap")
    if path is None or not sys.platform.startswith("linux"):
        return None
    probe = subprocess.run(
        [path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
        capture_output=True,
        timeout=30,
    )
    return path if probe.returncode == 0 else None


def _hidden_packages():
    """Folders of ``solutions`` and ``grader`` (to hide when they are installed)."""
    found = []
    for name in ("solutions", "grader"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            found += [str(Path(p).resolve()) for p in spec.submodule_search_locations]
    return found


def data_files():
    """The course's dataset files (``data/*``, not its sub-folders, which hold
    the example class): visible read-only to every submission, in ``./data``."""
    if not DATA.is_dir():
        return []
    return sorted(p for p in DATA.iterdir() if p.is_file() and p.suffix != ".md")


SYSTEM_PREFIX = Path("/usr")  # visible to submissions, read-only


def _shadows(name):
    """Other copies of a course data file on the system that a submission could
    read: scikit-learn ships the digits file ``load_digits`` reads, in the
    grader's environment and perhaps in the system's Pythons under /usr."""
    spec = importlib.util.find_spec("sklearn")
    folders = [Path(f) for f in (spec.submodule_search_locations or [])] if spec else []
    for pattern in (
        "lib/python3*/*-packages/sklearn",
        "local/lib/python3*/*-packages/sklearn",
    ):
        folders += SYSTEM_PREFIX.glob(pattern)
    found = {(f / "datasets" / "data" / name).resolve() for f in folders}
    return sorted(path for path in found if path.is_file())


def _bwrap_command(scratch, replaced):
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    command = [
        bwrap(), "--die-with-parent", "--new-session", "--unshare-all",
        "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev",
        "--tmpfs", "/tmp", "--ro-bind", "/etc", "/etc",
    ]  # fmt: skip
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/", top)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            command += ["--ro-bind", str(path), str(path)]
    for prefix in sorted(prefixes):
        if not str(prefix).startswith("/usr/"):
            command += ["--ro-bind", str(prefix), str(prefix)]
    for hidden in _hidden_packages():
        if any(Path(hidden).is_relative_to(p) for p in prefixes):
            command += ["--tmpfs", hidden]
    command += [
        "--ro-bind", str(RUNNER), "/opt/cours-rn/runner.py",
        "--bind", str(scratch), "/home/etudiant", "--chdir", "/home/etudiant",
    ]  # fmt: skip
    for path in data_files():
        source = replaced.get(path.name, path)
        command += ["--ro-bind", str(source), f"/home/etudiant/data/{path.name}"]
    for name, source in replaced.items():
        for shadow in _shadows(name):
            command += ["--ro-bind", str(source), str(shadow)]
    return command + [sys.executable, "-I", "/opt/cours-rn/runner.py"]


def _environment(scratch, token):
    keep = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = {k: v for k, v in os.environ.items() if k in keep}
    home = "/home/etudiant" if bwrap() else str(scratch)
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": home,
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{home}/.matplotlib",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            TOKEN_VAR: token,
        }
    )
    return env


class Runner:
    """One runner process: start, exchange JSON lines with deadlines, kill.

    ``files`` (``{name: bytes}``) replace course data files of the same name in
    the submission's view, and the copies of them found elsewhere on the
    system (:func:`_shadows`; only with bubblewrap).
    """

    def __init__(self, limits, files=None):
        self.limits = limits
        self.token = uuid.uuid4().hex
        _sweep_orphans()
        # the owner's pid in the name, out of the runner's sight: a grader killed
        # at any moment leaves a folder the next one knows it may remove
        self.base = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-"))
        self.scratch = self.base / "travail"
        self.scratch.mkdir()
        replaced = {}
        for name, content in (files or {}).items():
            replaced[name] = self.base / "donnees" / name  # out of the runner's sight
            replaced[name].parent.mkdir(exist_ok=True)
            replaced[name].write_bytes(content)
        if data_files():
            (self.scratch / "data").mkdir()
            if not bwrap():  # without bubblewrap, links to the same files
                for path in data_files():
                    source = replaced.get(path.name, path)
                    (self.scratch / "data" / path.name).symlink_to(source)
        command = (
            _bwrap_command(self.scratch, replaced)
            if bwrap()
            else [sys.executable, "-I", str(RUNNER)]
        )

        def confine():  # in the child, before exec
            for what, value in (
                (resource.RLIMIT_AS, limits.memory),
                (resource.RLIMIT_CPU, int(limits.notebook_timeout) + 5),
                (resource.RLIMIT_FSIZE, limits.file_size),
                (resource.RLIMIT_CORE, 0),
            ):
                try:
                    resource.setrlimit(what, (value, value))
                except (ValueError, OSError):  # not supported on this system
                    pass

        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.scratch,
            env=_environment(self.scratch, self.token),
            start_new_session=True,
            preexec_fn=confine,
        )
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    def send(self, message):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise Closed("le processus ne lit plus ses entrées") from exc

    def receive(self, deadline, limit=256 * 2**20):
        """Next message, waiting until ``deadline`` (``time.monotonic``)."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Timeout()
            if not self._selector.select(remaining):
                raise Timeout()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise Closed("le processus s'est arrêté")
            self._buffer += chunk
            if len(self._buffer) > limit:
                raise Closed("message trop long")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise Closed("message illisible") from exc
        if not isinstance(message, dict):
            raise Closed("message illisible")
        return message

    def returncode(self, wait=1.0):
        try:
            return self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        """Kill the runner and anything it started; remove the scratch folder."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        _kill_token(self.token)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._selector.close()
        for _ in range(5):  # a process killed a moment ago may still write there
            shutil.rmtree(self.base, ignore_errors=True)
            if not self.base.exists():
                break
            time.sleep(0.05)


SCRATCH = "cours-rn-"  # scratch folders: cours-rn-<pid of their grader>-<random>


@cache
def _sweep_orphans():
    """Remove scratch folders whose grading process is gone (killed, ``kill -9``),
    once per process. A folder is only removed when the pid in its name
    (:data:`SCRATCH`) no longer exists."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH}*"):
        owner = re.fullmatch(rf"{SCRATCH}(\d+)-\w+", folder.name)
        if owner is None:
            continue
        try:
            os.kill(int(owner[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another user's process
            continue


def _kill_token(token):
    """Kill every process whose environment carries ``token`` (Linux)."""
    needle = f"{TOKEN_VAR}={token}".encode()
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue
