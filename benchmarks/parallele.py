"""Débit de `cours-rn corriger` sur une classe synthétique, avec 1 puis 2 processus.

La classe : N étudiants × les cahiers choisis, un mélange réaliste fait à partir
de la classe d'exemple — rendus justes, faux, non traités, lents (une cellule
qui dort 2 s) et qui plantent (le processus s'arrête au milieu du cahier).
Affiche les rendus corrigés par minute, l'accélération, et le surcoût par rendu
(tout ce qui n'est pas l'exécution du code de l'étudiant) décomposé.

Usage : ``python benchmarks/parallele.py [--etudiants N] [--cahiers 01 02 ...]``
(``make bench``). Affiche des mesures ; n'échoue jamais sur un seuil.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.engine import Report  # noqa: E402
from grader.grading import Classe  # noqa: E402
from grader.parallel import run_job  # noqa: E402
from grader.submissions import collect  # noqa: E402

EXAMPLE = ROOT / "data" / "exemple_classe"
KINDS = ["juste", "faux", "non traité", "lent", "plantage"]
SOURCE = {"juste": "alice_martin", "faux": "bruno_petit", "non traité": "chloe_durand"}


def synthetic_class(folder, n_students, notebooks):
    """Write ``folder/<étudiant>/<cahier>.ipynb``; return the number written."""
    count = 0
    for i in range(n_students):
        kind = KINDS[i % len(KINDS)]
        student = folder / f"etudiant_{i:03d}_{kind.replace(' ', '_')}"
        student.mkdir(parents=True)
        for name in notebooks:
            base = SOURCE.get(kind, "alice_martin")
            nb = nbformat.read(EXAMPLE / base / f"{name}.ipynb", as_version=4)
            if kind == "lent":
                nb.cells.insert(
                    1, nbformat.v4.new_code_cell("import time\ntime.sleep(2)")
                )
            elif kind == "plantage":
                middle = len(nb.cells) // 2
                nb.cells.insert(
                    middle, nbformat.v4.new_code_cell("import os\nos._exit(3)")
                )
            nbformat.write(nb, student / f"{name}.ipynb")
            count += 1
    return count


def grade(folder, work, workers):
    classe = work / f"classe-{workers}"
    command = [Path(sys.executable).parent / "cours-rn", "corriger", folder,
               "--classe", classe, "--workers", str(workers)]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=work)
    return time.perf_counter() - start, (classe / "notes.csv").read_text()


def overhead(folder, work, samples=6):
    """Median seconds per submission: confined start, checks, recording."""
    classe = Classe(work / "classe-surcout")
    submissions, _ = collect(folder)
    blank = [s for s in submissions if "non_traite" in s.student][:samples]
    for chapter in {s.chapter.name: s.chapter for s in blank}.values():
        classe.prepare(chapter)
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    starts, records, runs = [], [], []
    for sub in blank:
        t0 = time.perf_counter()
        job = classe.job(sub)
        empty_job = {**job, "notebook": nbformat.writes(empty)}
        t1 = time.perf_counter()
        run_job(empty_job)
        t2 = time.perf_counter()
        report = Report.from_dict(run_job(job))
        t3 = time.perf_counter()
        classe.record(sub, report)
        t4 = time.perf_counter()
        starts.append(t2 - t1 + (t1 - t0))
        runs.append(t3 - t2)
        records.append(t4 - t3)
    return (
        statistics.median(starts),
        statistics.median(records),
        statistics.median(runs),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--etudiants", type=int, default=10)
    parser.add_argument("--cahiers", nargs="+", default=["01", "02", "03", "04"])
    args = parser.parse_args()
    names = sorted(
        p.stem
        for p in (EXAMPLE / "alice_martin").glob("*.ipynb")
        if any(p.stem.startswith(c) for c in args.cahiers)
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "rendus"
        n = synthetic_class(folder, args.etudiants, names)
        print(
            f"Machine : {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cœurs, Python {platform.python_version()}"
        )
        print(f"Classe synthétique : {args.etudiants} étudiants × {len(names)} "
              f"cahiers = {n} rendus ({', '.join(KINDS)})\n")  # fmt: skip
        results = {}
        for workers in (1, 2):
            seconds, notes = grade(folder, work, workers)
            results[workers] = (seconds, notes)
            print(f"{workers} processus : {seconds:7.1f} s, "
                  f"{60 * n / seconds:6.1f} rendus par minute")  # fmt: skip
        speedup = results[1][0] / results[2][0]
        same = "identiques" if results[1][1] == results[2][1] else "DIFFÉRENTES"
        print(f"Accélération avec 2 processus : {speedup:.2f} (objectif : ≥ 1,7) ; "
              f"notes {same}.")  # fmt: skip
        start, record, run = overhead(folder, work)
        print(
            f"\nSurcoût par rendu (médiane) : {start + record:.2f} s (objectif : < 1 s)"
            f"\n  démarrage confiné et vérifications d'un cahier vide : {start:.2f} s"
            f"\n  enregistrement nbgrader (carnet, retour HTML)       : {record:.2f} s"
            f"\n  pour comparaison, un cahier non traité complet       : {run:.2f} s"
        )


if __name__ == "__main__":
    main()
