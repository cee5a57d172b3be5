"""Solution de référence du projet (chapitre 11) sur des partages tirés comme ceux
de la correction : exactitude de test, durée de l'appel, points du barème.

Usage : ``python benchmarks/projet.py [NOMBRE_DE_PARTAGES]`` (10 par défaut ;
``make bench``). Les clés sont ``banc-0``, ``banc-1``... : les partages sont les
mêmes d'une machine à l'autre. Affiche les mesures ; n'échoue jamais sur un seuil.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

from grader.exercises import project  # noqa: E402
from solutions.project import fit_and_predict  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    exercise = project.ProjectExercise()
    print(
        f"{os.cpu_count()} cœurs ; objectif : exactitude ≥ {project.TARGET}, "
        f"durée ≤ {project.TIME_BUDGET:.0f} s\n"
    )
    print(
        f"{'partage':<10} {'exactitude':>10} {'durée (s)':>10} {'époques':>8} "
        f"{'points':>7}"
    )
    accuracies, durations = [], []
    for i in range(n):
        case = exercise.case(f"banc-{i}", "banc")
        start = time.perf_counter()
        y_proba, history = fit_and_predict(**case.kwargs)
        seconds = time.perf_counter() - start
        accuracy = float(np.mean(y_proba.argmax(axis=1) == case.answer))
        points = sum(project.score(accuracy, seconds))
        accuracies.append(accuracy)
        durations.append(seconds)
        print(
            f"banc-{i:<5} {accuracy:>10.4f} {seconds:>10.1f} "
            f"{len(history['loss']):>8} {points:>7.2f}"
        )
    print(
        f"\nmoyenne : exactitude {np.mean(accuracies):.4f} "
        f"(écart type {np.std(accuracies, ddof=1) if n > 1 else 0:.4f}, "
        f"min {min(accuracies):.4f}), durée {np.mean(durations):.1f} s "
        f"(max {max(durations):.1f} s)"
    )
    print("Le premier appel compte aussi la construction du graphe de TensorFlow.")


if __name__ == "__main__":
    main()
