"""Temps de correction de la classe d'exemple, de trois façons, côte à côte.

1. ``nbgrader autograde`` sans les protections du projet (configuration par
   défaut de nbgrader : exécution dans un noyau Jupyter, verdicts dans le noyau) ;
2. ``cours-rn corriger`` (rendus confinés, verdicts hors du noyau) ;
3. ``jupyter nbconvert --execute`` des mêmes cahiers (exécution seule).

Usage : ``python benchmarks/correction.py [DOSSIER] [--repetitions N]``
(``make bench``). Affiche les durées ; n'échoue jamais sur un seuil.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import chapters  # noqa: E402
from grader.submissions import collect  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
PLAIN_CONFIG = """\
c.ClearSolutions.code_stub = {
    "python": "# VOTRE CODE ICI\\nraise NotImplementedError()"
}
c.Execute.timeout = 30
"""


def _run(command, cwd):
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=cwd,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start  # fmt: skip


def plain_nbgrader(submissions, work):
    course = work / "nbgrader_nu"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(PLAIN_CONFIG)
    for name in {s.chapter.name for s in submissions}:
        source = course / "source" / name
        source.mkdir(parents=True)
        shutil.copy(chapters()[name].path, source / f"{name}.ipynb")
        _run([BIN / "nbgrader", "generate_assignment", name, "--force"], course)
    for s in submissions:
        target = course / "submitted" / s.student / s.chapter.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(s.path, target / f"{s.chapter.name}.ipynb")
    names = sorted({s.chapter.name for s in submissions})
    return sum(
        _run([BIN / "nbgrader", "autograde", n, "--force"], course) for n in names
    )


def cours_rn(folder, work):
    classe = work / "classe"
    command = [BIN / "cours-rn", "corriger", folder, "--classe", classe]
    command += ["--workers", "1"]  # comparé à nbgrader, qui corrige un à un
    _run(command, work)  # mise en place
    return _run(command + ["--recorriger"], work)


def nbconvert(submissions, work):
    out = work / "nbconvert"
    command = [BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute",
               "--allow-errors", "--output-dir", out]  # fmt: skip
    return _run(command + [s.path for s in submissions], work)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dossier", nargs="?", default=ROOT / "data" / "exemple_classe")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    folder = Path(args.dossier).resolve()
    submissions, _ = collect(folder)
    n = len(submissions)
    times = {"nbgrader autograde (sans protection)": [], "cours-rn corriger": [],
             "jupyter nbconvert --execute": []}  # fmt: skip
    for _ in range(args.repetitions):
        for label, measure in zip(
            times,
            [lambda w: plain_nbgrader(submissions, w), lambda w: cours_rn(folder, w),
             lambda w: nbconvert(submissions, w)],
            strict=True,
        ):  # fmt: skip
            with tempfile.TemporaryDirectory() as work:
                times[label].append(measure(Path(work)))
    print(f"{n} rendus, {os.cpu_count()} cœurs, médiane de "
          f"{args.repetitions} mesure(s)\n")  # fmt: skip
    plain = statistics.median(times["nbgrader autograde (sans protection)"])
    print(f"{'méthode':<38} {'total (s)':>10} {'par rendu (s)':>14} {'rapport':>8}")
    for label, values in times.items():
        total = statistics.median(values)
        print(f"{label:<38} {total:>10.2f} {total / n:>14.2f} {total / plain:>8.2f}")
    protected = statistics.median(times["cours-rn corriger"])
    print(
        f"\nCoût des protections : {(protected - plain) / n:+.2f} s par rendu "
        f"(objectif : < 1 s), rapport {protected / plain:.2f} (objectif : ≤ 1,5)."
    )


if __name__ == "__main__":
    main()
