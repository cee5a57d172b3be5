"""Durée d'exécution de chaque cahier enseignant, de haut en bas, dans un noyau neuf.

Objectif du cours : moins d'une minute par cahier sur 2 cœurs. Usage :
``python benchmarks/cahiers.py`` (``make bench``). Affiche les durées ;
n'échoue jamais sur un seuil.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import chapters  # noqa: E402
from tests.conftest import execute  # noqa: E402


def main():
    print(f"{os.cpu_count()} cœurs ; objectif : < 60 s par cahier\n")
    print(f"{'cahier':<32} {'durée (s)':>10}  erreurs")
    for name, chapter in chapters().items():
        start = time.perf_counter()
        nb = execute(chapter.path)
        elapsed = time.perf_counter() - start
        errors = sum(
            out.output_type == "error"
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.outputs
        )
        print(f"{name:<32} {elapsed:>10.1f}  {errors}")


if __name__ == "__main__":
    main()
