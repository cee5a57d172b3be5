"""Chapter 11 (projet de synthèse): the split, the barème, the report, the
suspicion of embedded data, all without training a network (fast)."""

import gzip

import nbformat
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, confusion_matrix

from grader import CheckFailed, NotAttempted
from grader.check import Outcome
from grader.course import chapters
from grader.exercises import EXERCISES
from grader.exercises import project as pj

EX = EXERCISES["fit_and_predict"]


@pytest.fixture(scope="module")
def case():
    return EX.case("une-clé", "essai")


def judge(case, value, seconds=5.0, error=None):
    return EX.judge(case, Outcome(value=value, error=error, seconds=seconds))


def one_hot(labels):
    return np.eye(10)[labels]


def with_accuracy(case, accuracy):
    """One-hot probabilities right on the first ``accuracy`` share of the test."""
    labels = case.answer.copy()
    wrong = len(labels) - round(accuracy * len(labels))
    labels[:wrong] = (labels[:wrong] + 1) % 10
    return one_hot(labels)


def test_digits_are_scikit_learn_s():
    X, y = pj.digits()
    reference = load_digits()
    assert np.array_equal(X, reference.data) and np.array_equal(y, reference.target)


def test_split_is_a_partition_fixed_by_the_key():
    train, valid, test = pj.split("k")
    everything = np.concatenate([train, valid, test])
    assert sorted(everything) == list(range(1797))
    assert (len(train), len(valid), len(test)) == (1150, 287, pj.N_TEST)
    again = pj.split("k")
    for a, b in zip(again, (train, valid, test), strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(pj.split("autre")[2], test)
    assert len(set(pj.split("autre")[2]) & set(test)) < 150  # about 72 expected


def test_the_submission_s_digits_file_lacks_the_test_rows():
    ((name, content),) = EX.sandbox_files("k").items()
    assert name == "digits.csv.gz"
    rows = gzip.decompress(content).decode().splitlines()
    with gzip.open(pj.DIGITS_FILE, "rt") as handle:
        original = handle.read().splitlines()
    test = set(pj.split("k")[2].tolist())
    assert rows == [r for i, r in enumerate(original) if i not in test]
    assert len(rows) == 1797 - pj.N_TEST


def test_cases_send_no_answer(case):
    assert set(case.kwargs) == {"X_train", "y_train", "X_valid", "y_valid", "X_test"}
    X, y = pj.digits()
    test = pj.split("une-clé")[2]
    assert np.array_equal(case.kwargs["X_test"], X[test])
    assert np.array_equal(case.answer, y[test])
    assert EX.grading_cases()[0].kwargs["X_test"].shape == (pj.N_TEST, 64)


@pytest.mark.parametrize(
    ("accuracy", "seconds", "expected"),
    [  # the barème of the notebook, written out: 8 points from 0.85 to 0.95, 2 for time
        (1.0, 1.0, (8, 2)),
        (0.95, 30.0, (8, 2)),
        (0.90, 10.0, (4, 2)),
        (0.85, 10.0, (0, 2)),
        (0.84, 10.0, (0, 0)),
        (0.97, 30.5, (8, 0)),
        (0.9, 1e9, (4, 0)),
    ],
)
def test_bareme(accuracy, seconds, expected):
    assert pj.score(accuracy, seconds) == pytest.approx(expected)


def test_confusion_matrix_and_accuracy_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    matrix = pj.confusion(y_true, y_pred)
    assert np.array_equal(matrix, confusion_matrix(y_true, y_pred, labels=range(10)))
    assert np.trace(matrix) / 500 == accuracy_score(y_true, y_pred)


def test_perfect_probabilities_earn_every_point(case):
    score = judge(case, (one_hot(case.answer), {"loss": [1.0, 0.5]}))
    assert score.fraction == 1
    assert "chiffres de test : 1,0000 (360 / 360)" in score.message
    assert "total 10 / 10" in score.message
    assert score.figure and "matrice de confusion" in score.figure_text


@pytest.mark.parametrize("accuracy", [0.9, 0.93, 0.88])
def test_partial_accuracy_earns_part_of_the_points(case, accuracy):
    score = judge(case, (with_accuracy(case, accuracy), {}), seconds=12.0)
    got = round(accuracy * 360) / 360
    assert score.fraction == pytest.approx((8 * (got - 0.85) / 0.10 + 2) / 10, abs=1e-3)


def test_slow_and_poor_answers(case):
    slow = judge(case, (one_hot(case.answer), {}), seconds=31.0)
    assert slow.fraction == pytest.approx(0.8)
    assert "Budget de temps dépassé" in slow.message
    poor = judge(case, (with_accuracy(case, 0.5), {}), seconds=1.0)
    assert poor.fraction == 0 and "Sous le plancher" in poor.message


def test_report_reads_the_learning_curves(case):
    history = {
        "loss": [1.0, 0.4, 0.2, 0.1, 0.05, 0.02],
        "val_loss": [1.1, 0.5, 0.3, 0.4, 0.5, 0.6],
        "accuracy": [0.6, 0.9, 0.95, 0.98, 0.99, 1.0],
        "val_accuracy": [0.55, 0.85, 0.9, 0.89, 0.88, 0.87],
    }
    message = judge(case, (one_hot(case.answer), history)).message
    assert "Perte de validation minimale 0,3000 à l'époque 3" in message
    assert "remontée de 0,3000" in message and "surajustement" in message
    assert "Écart de 5,0 points" in message
    history["loss"] = [1.0, 0.4, 0.2, 0.3, 0.4, 0.5]  # both losses rise: no overfit
    rising = judge(case, (one_hot(case.answer), history)).message
    assert "début de surajustement" not in rising and "Arrêt 3 époque(s)" in rising
    lacking = judge(case, (one_hot(case.answer), "pas un dict")).message
    assert "Pas de courbes d'apprentissage" in lacking


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("labels", "pas les classes prédites"),
        ("array", "Renvoyez le couple (y_proba, history)"),
        ("shape", "Forme de y_proba : (360, 10) attendue"),
        ("nan", "non finies"),
        ("triple", "le couple (y_proba, history) est attendu"),
    ],
)
def test_answers_that_cannot_be_scored_fail_with_a_hint(case, value, words):
    proba = one_hot(case.answer)
    nan = proba.copy()
    nan[0, 0] = np.nan
    given = {
        "labels": (case.answer, {}),
        "array": proba,
        "shape": (proba[:, :9], {}),
        "nan": (nan, {}),
        "triple": (proba, {}, 1),
    }[value]
    with pytest.raises(CheckFailed) as info:
        judge(case, given)
    assert words in str(info.value)


def test_errors_and_the_stub(case):
    with pytest.raises(NotAttempted):
        judge(case, None, error=("NotImplementedError", ""))
    with pytest.raises(CheckFailed) as info:
        judge(case, None, error=("ValueError", "formes incompatibles"))
    assert "L'appel a levé ValueError : formes incompatibles" in str(info.value)


def test_notebook_check_fails_below_the_target():
    def chance(X_train, y_train, X_valid, y_valid, X_test):
        return np.full((len(X_test), 10), 0.1), {}

    with pytest.raises(CheckFailed) as info:
        EX.check(chance)
    assert "objectif non atteint" in str(info.value)


def test_the_course_notebook_is_not_suspect():
    nb = nbformat.read(chapters()["11_projet_synthese"].path, as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert EX.suspicious(sources) is None


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("TABLE = [" + ", ".join(str(i % 10) for i in range(1797)) + "]", "en dur"),
        ("TABLE = '" + "0123456789abcdef" * 800 + "'", "en dur"),
        ("N = 0x" + "7" * 13_000, "en dur"),
        ("import base64\nbase64.b64decode('AAAA')", "« base64 »"),
        ("from zlib import decompress", "« zlib »"),
        ("exec('x = 1')", "« exec »"),
        ("f = eval\n", "« eval »"),
        ("%time exec('x = 1')", "« exec »"),
        ("%%time\nx = [\n" + "1,\n" * 1200 + "]", "en dur"),
        ("!echo QUJD | base64 -d > x.py", "« system »"),
        ("%%bash\necho 1", "« bash »"),
        ("%run autre.py", "« run »"),
        ("lines = !cat ../data/digits.csv", "« getoutput »"),
        ("import os\nos.system('ls')", "« system »"),
        ("import subprocess", "« subprocess »"),
        ("from subprocess import run", "« subprocess »"),
    ],
)
def test_embedded_data_and_hidden_code_are_suspect(source, words):
    reason = EX.suspicious(["import numpy as np", source])
    assert reason is not None and words in reason


def test_ordinary_code_is_not_suspect():
    sources = [
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
        "%matplotlib inline\nimport numpy as np\nx = [1, 2, 3]",
        "def f(:\n",  # a syntax error is not a reason
        "def run(load, sh):\n    script = system = 1\n    return load",
        "X = np.load('images.npy')\nrunner.run(X)\nmodel.load_weights('w.h5')",
        "%time fitted = model.fit(X, y, verbose=0)",
    ]
    assert EX.suspicious(sources) is None


def test_the_course_secret_is_made_once_and_private(tmp_path):
    from grader.grading import SECRET_FILE, course_secret

    key = course_secret(tmp_path)
    assert len(key) == 64 and course_secret(tmp_path) == key
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    (tmp_path / SECRET_FILE).write_text("trop court\n")
    assert course_secret(tmp_path) not in (key, "trop court")


def test_the_notebook_s_barème_is_the_grader_s():
    nb = nbformat.read(chapters()["11_projet_synthese"].path, as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == "bareme"]
    space = {"np": np}
    exec(cell.source.split("\n\n\nfor ")[0], space)  # the function, not its examples
    for accuracy in (0.5, 0.85, 0.8501, 0.9, 0.95, 0.99):
        for seconds in (1.0, 30.0, 30.5, 89.0):
            graded = sum(pj.score(accuracy, seconds))
            assert space["project_points"](accuracy, seconds) == pytest.approx(
                graded, abs=0.01
            ), (accuracy, seconds)
    assert space["project_points"](0.99, pj.TIME_LIMIT + 1) == 0
