"""Chapter 11 graded in the sandbox: the test rows are out of the submission's
sight (the course's file and scikit-learn's copy), the duration is measured
by the grader, the secret key decides the split. Fast learners (numpy), no
network trained."""

import textwrap

import nbformat
import pytest

from grader.engine import grade_notebook
from grader.exercises import EXERCISES
from grader.exercises import project as pj
from grader.sandbox import Limits, bwrap

pytestmark = pytest.mark.skipif(bwrap() is None, reason="bubblewrap absent")

SPY = """
import numpy as np
from sklearn.datasets import load_digits
rows = np.loadtxt("data/digits.csv.gz", delimiter=",")
print(len(rows), len(load_digits().target))
"""
NEAREST = """
import time
import numpy as np

def fit_and_predict(X_train, y_train, X_valid, y_valid, X_test):
    time.sleep(PAUSE)
    X = np.vstack([X_train, X_valid])
    y = np.concatenate([y_train, y_valid])
    d = ((X_test[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    return np.eye(10)[y[d.argmin(axis=1)]], {"loss": [1.0, 0.5]}
"""
LOOKUP = """
import numpy as np
from sklearn.datasets import load_digits

def fit_and_predict(X_train, y_train, X_valid, y_valid, X_test):
    known = {}
    for X, y in [(np.loadtxt("data/digits.csv.gz", delimiter=",")[:, :64],
                  np.loadtxt("data/digits.csv.gz", delimiter=",")[:, 64]),
                 (load_digits().data, load_digits().target)]:
        known.update({row.tobytes(): int(label) for row, label in zip(X, y)})
    for X, y in [(X_train, y_train), (X_valid, y_valid)]:
        for row in X:
            known.pop(row.tobytes(), None)  # only what the test rows would give
    labels = [known.get(row.tobytes(), 0) for row in X_test]
    return np.eye(10)[labels], {}
"""


def notebook(*sources):
    cells = [nbformat.v4.new_code_cell(textwrap.dedent(s)) for s in sources]
    cells[-1].metadata["nbgrader"] = {
        "grade": False,
        "grade_id": "fit_and_predict",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    test = nbformat.v4.new_code_cell('verifier("fit_and_predict", fit_and_predict)')
    test.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_fit_and_predict",
        "locked": True,
        "points": 10,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    nb = nbformat.v4.new_notebook()
    nb.cells = [*cells, test]
    return nb


def test_the_test_rows_are_hidden_and_nearest_neighbours_score():
    report = grade_notebook(notebook(SPY, "PAUSE = 0", NEAREST), key="k")
    assert report.cells[0] == (None, f"{1797 - pj.N_TEST} {1797 - pj.N_TEST}\n")
    verdict = report.verdicts["fit_and_predict"]
    assert verdict.status == "réussi" and verdict.score == 1, verdict.message
    assert "Pas de perte de validation" in verdict.message and verdict.figure


def test_looking_up_the_test_labels_finds_nothing():
    verdict = grade_notebook(notebook(LOOKUP), key="k").verdicts["fit_and_predict"]
    assert verdict.status == "échoué" and verdict.score == 0, verdict.message
    accuracy = float(verdict.message.split(" : ")[1].split()[0].replace(",", "."))
    assert accuracy < 0.15  # the label 0 by default: about one digit in ten


def test_the_key_decides_the_split():
    reports = [
        grade_notebook(notebook("PAUSE = 0", NEAREST), key=k).verdicts[
            "fit_and_predict"
        ]
        for k in ("k", "k", "autre")
    ]
    results = [  # the duration aside
        [line for line in r.message.splitlines() if not line.startswith("Durée")]
        for r in reports
    ]
    assert results[0] == results[1] != results[2]


def test_duration_is_measured_by_the_grader(monkeypatch):
    monkeypatch.setattr(pj, "TIME_BUDGET", 1.0)
    faster_clock = "import time\ntime.perf_counter = time.monotonic = lambda: 0.0"
    nb = notebook("PAUSE = 1.5", faster_clock + "\n" + NEAREST)
    verdict = grade_notebook(nb, key="k").verdicts["fit_and_predict"]
    assert verdict.score == pytest.approx(0.8), verdict.message
    assert "Budget de temps dépassé" in verdict.message


def test_the_project_may_run_longer_than_a_cell(monkeypatch):
    monkeypatch.setattr(EXERCISES["fit_and_predict"], "time_limit", 6.0)
    nb = notebook("PAUSE = 2.5", NEAREST)
    limits = Limits(cell_timeout=1.5)
    verdict = grade_notebook(nb, limits, key="k").verdicts["fit_and_predict"]
    assert verdict.status == "réussi", verdict.message
    nb = notebook("PAUSE = 9", NEAREST)
    verdict = grade_notebook(nb, limits, key="k").verdicts["fit_and_predict"]
    assert verdict.status == "délai dépassé"


def test_a_notebook_with_embedded_labels_is_not_run():
    labels = ", ".join(str(i % 10) for i in range(1797))
    nb = notebook(f"LABELS = [{labels}]", "PAUSE = 0", NEAREST)
    report = grade_notebook(nb, key="k")
    assert report.verdicts["fit_and_predict"].status == "suspect"
    assert report.cells == {}


def test_without_bubblewrap_the_project_is_said_unprotected(monkeypatch):
    from types import SimpleNamespace

    from grader import grading
    from grader.course import chapters

    monkeypatch.setattr(grading, "bwrap", lambda: None)
    of = {name: SimpleNamespace(chapter=c) for name, c in chapters().items()}
    warnings = grading.sandbox_warnings([of["01_equation_normale"]])
    assert warnings == [grading.NO_SANDBOX]
    both = [of["01_equation_normale"], of["11_projet_synthese"]]
    warnings = grading.sandbox_warnings(both)
    assert warnings == [grading.NO_SANDBOX, grading.NO_HIDDEN_TEST]
    monkeypatch.setattr(grading, "bwrap", lambda: "/usr/bin/bwrap")
    assert grading.sandbox_warnings([of["11_projet_synthese"]]) == []


def test_system_copies_of_the_digits_are_found(monkeypatch, tmp_path):
    from grader import sandbox

    system = tmp_path / "lib" / "python3" / "dist-packages" / "sklearn"
    (system / "datasets" / "data").mkdir(parents=True)
    (system / "datasets" / "data" / "digits.csv.gz").write_bytes(b"")
    monkeypatch.setattr(sandbox, "SYSTEM_PREFIX", tmp_path)
    found = sandbox._shadows("digits.csv.gz")
    assert system / "datasets" / "data" / "digits.csv.gz" in found
    assert any("site-packages" in str(path) for path in found)  # the grader's own
