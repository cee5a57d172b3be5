"""Check of chapter 11 (projet de synthèse): ``fit_and_predict``.

The learner's ``fit_and_predict(X_train, y_train, X_valid, y_valid, X_test)``
trains a network and returns ``(y_proba, history)``: class probabilities of
the test digits and Keras's ``History.history``. It is graded on a test split
the submission never sees: ``N_TEST`` digits drawn from the course's secret
key (:func:`split`); while the submission runs, the digits file (and
scikit-learn's copy of it) holds only the other rows (:meth:`sandbox_files`).

Barème (10 points): ``ACCURACY_POINTS`` for the test accuracy, nothing below
``FLOOR``, linear up to ``TARGET``; ``TIME_POINTS`` when the call (training
and prediction), timed by the grading process, lasts at most ``TIME_BUDGET``
seconds and the accuracy reaches the floor. The call is stopped after
``TIME_LIMIT`` seconds. The feedback is a French report: accuracy, duration,
confusion matrix, least recognised classes, what the learning curves say,
and a figure (curves and confusion matrix).

A notebook that embeds data (long literals, many numbers) or decodes hidden
code (``exec``, ``eval``, ``pickle``, ``base64``, ...) is suspect
(:meth:`ProjectExercise.suspicious`): a table of the digits' labels would
otherwise score without learning anything.
"""

import ast
import base64
import gzip
import hashlib
import io
import secrets
import time
from functools import cache
from pathlib import Path

import numpy as np

from grader import runner
from grader.check import Case, CheckFailed, FunctionExercise, NotAttempted, Score

DIGITS_FILE = Path(__file__).resolve().parents[2] / "data" / "digits.csv.gz"
N_TEST = 360
VALID_FRACTION = 0.2  # of the rows left for the learner
TARGET, FLOOR = 0.95, 0.85
ACCURACY_POINTS, TIME_POINTS = 8, 2
TIME_BUDGET, TIME_LIMIT = 30.0, 90.0
PUBLIC_KEY = "cahier"  # the split of a check run in the notebook, not the grade's

LITERAL_CHARS = 12_000  # characters of literals in the notebook's code
NUMBERS = 1_000  # numeric literals in the notebook's code
DECODERS = {"pickle", "marshal", "base64", "zlib", "lzma", "bz2", "codecs", "dill"}
MODULES = DECODERS | {"subprocess"}  # modules a notebook may not import
EVALUATORS = {"exec", "eval", "compile", "__import__"}
SHELLS = {"system", "getoutput", "popen"}  # !commande, os.system, os.popen
SHELL_MAGICS = {"bash", "sh", "script", "system", "sx", "run", "load", "writefile"}
MAGICS = {"run_line_magic", "run_cell_magic"}


@cache
def _lines():
    """The digits file's rows, as text (the file is the course's, byte for byte)."""
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii") as handle:
        return tuple(line for line in handle if line.strip())


@cache
def digits():
    """All the digits: pixels ``(1797, 64)`` float64 (0 to 16), labels int64."""
    data = np.loadtxt(_lines(), delimiter=",")
    return data[:, :64], data[:, 64].astype(np.int64)


def split(key):
    """Row indices ``(train, valid, test)`` drawn from ``key`` (a string).

    The test split has ``N_TEST`` rows; ``VALID_FRACTION`` of the others
    validate. The same key always gives the same split.
    """
    seed = int.from_bytes(hashlib.sha256(f"projet/{key}".encode()).digest()[:8])
    order = np.random.default_rng(seed).permutation(len(_lines()))
    test, rest = order[:N_TEST], order[N_TEST:]
    n_valid = round(VALID_FRACTION * len(rest))
    return rest[n_valid:], rest[:n_valid], test


def score(accuracy, seconds):
    """Points ``(for the accuracy, for the time)`` of the barème."""
    share = np.clip((accuracy - FLOOR) / (TARGET - FLOOR), 0.0, 1.0)
    on_time = accuracy >= FLOOR and seconds <= TIME_BUDGET
    return round(float(ACCURACY_POINTS * share), 2), float(TIME_POINTS * on_time)


def confusion(y_true, y_pred, n_classes=10):
    """Confusion matrix: ``C[i, j]`` counts the digits ``i`` predicted ``j``."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


class ProjectCase(Case):
    """A case whose answer (the test labels) never leaves the grading process."""

    def __init__(self, label, kwargs, answer):
        super().__init__(label, kwargs)
        self.answer = answer


class ProjectExercise(FunctionExercise):
    """The closing project: trained and graded on a split of the digits."""

    time_limit = TIME_LIMIT

    def __init__(self):
        from solutions import project

        super().__init__("fit_and_predict", project.fit_and_predict, [], None)

    # -- inputs ----------------------------------------
    def case(self, key, label):
        """The case of ``key``'s split."""
        X, y = digits()
        train, valid, test = split(key)
        kwargs = {
            "X_train": X[train],
            "y_train": y[train],
            "X_valid": X[valid],
            "y_valid": y[valid],
            "X_test": X[test],
        }
        return ProjectCase(label, kwargs, y[test])

    def cases(self, seed=None, n_random=None):
        return [self.case(PUBLIC_KEY, "partage public du cahier")]

    def grading_cases(self, key=None):
        key = key or secrets.token_hex(16)
        return [self.case(key, f"{N_TEST} chiffres réservés")]

    def sandbox_files(self, key):
        """Data files the submission sees instead of the course's: the digits
        file without the test rows of ``key``'s split."""
        test = set(split(key)[2].tolist())
        rows = "".join(line for i, line in enumerate(_lines()) if i not in test)
        return {DIGITS_FILE.name: gzip.compress(rows.encode("ascii"), mtime=0)}

    def suspicious(self, sources):
        """French reason to suspect a notebook (its code cells' ``sources``)
        of embedding data or hidden code, or None. The code given to magics
        (``%time ...``) is read too; shell escapes are refused."""
        chars = numbers = 0
        todo = list(sources)
        while todo:
            tree = _parse(todo.pop())
            for node in ast.walk(tree) if tree else ():
                used = _used_name(node)
                used = used if used in MODULES | EVALUATORS else _shell(node)
                if used:
                    return (
                        f"le cahier utilise « {used} », qui sert à cacher des données "
                        "ou du code : projet non noté, à examiner par l'enseignant."
                    )
                if isinstance(node, ast.Call) and _magic(node) in MAGICS:
                    todo += [a.value for a in node.args[1:] if _is_str(a)]
                elif isinstance(node, ast.Constant) and not isinstance(
                    node.value, bool | type(None)
                ):
                    chars += _size(node.value)
                    numbers += isinstance(node.value, int | float | complex)
        if chars > LITERAL_CHARS or numbers > NUMBERS:
            return (
                f"le cahier contient beaucoup de données écrites en dur ({chars} "
                f"caractères de littéraux, {numbers} nombres ; au plus "
                f"{LITERAL_CHARS} et {NUMBERS}) : projet non noté, à examiner par "
                "l'enseignant."
            )
        return None

    # -- verdict ----------------------------------------
    def judge(self, case, outcome):
        """Score an outcome; raise CheckFailed when it cannot be scored."""
        head = (
            f"Exercice « {self.name} » ({case.label}).\nAppel : "
            "fit_and_predict(X_train, y_train, X_valid, y_valid, X_test) avec "
            f"{len(case.kwargs['X_train'])} chiffres d'entraînement, "
            f"{len(case.kwargs['X_valid'])} de validation et {len(case.answer)} de "
            "test (pixels de 0 à 16, forme (n, 64))."
        )
        if outcome.error is not None:
            ename, message = outcome.error
            if ename == "NotImplementedError":
                raise NotAttempted(
                    f"Exercice « {self.name} » non traité : la fonction lève encore "
                    "NotImplementedError. Remplacez `raise NotImplementedError()` par "
                    "votre code."
                )
            raise CheckFailed(f"{head}\nL'appel a levé {ename} : {message}")
        y_proba, history = self._unpack(head, outcome.value, len(case.answer))
        y_pred = np.argmax(y_proba, axis=1)
        accuracy = float(np.mean(y_pred == case.answer))
        seconds = float(outcome.seconds or 0.0)
        matrix = confusion(case.answer, y_pred)
        points = score(accuracy, seconds)
        message = report(accuracy, seconds, points, matrix, history)
        figure, text = report_figure(matrix, history)
        fraction = sum(points) / (ACCURACY_POINTS + TIME_POINTS)
        return Score(fraction, message, figure, text)

    def _unpack(self, head, value, n_test):
        if isinstance(value, np.ndarray):
            raise CheckFailed(
                f"{head}\nObtenu : un seul tableau. Renvoyez le couple "
                "(y_proba, history) : return model.predict(X_test), "
                "historique.history."
            )
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise CheckFailed(
                f"{head}\nType : le couple (y_proba, history) est attendu."
            )
        y_proba, history = value
        shape = (n_test, 10)
        if not isinstance(y_proba, np.ndarray) or y_proba.dtype.kind not in "fiu":
            raise CheckFailed(f"{head}\ny_proba doit être un tableau numpy de nombres.")
        if y_proba.shape == (n_test,):
            raise CheckFailed(
                f"{head}\nForme de y_proba : {shape} attendue, {y_proba.shape} "
                "obtenue.\nIndice : renvoyez les probabilités des dix classes "
                "(model.predict(X_test)), pas les classes prédites."
            )
        if y_proba.shape != shape:
            raise CheckFailed(
                f"{head}\nForme de y_proba : {shape} attendue (une ligne par image "
                f"de test, une colonne par chiffre), {y_proba.shape} obtenue."
            )
        if not np.all(np.isfinite(y_proba)):
            raise CheckFailed(
                f"{head}\ny_proba contient des valeurs non finies (nan ou inf) : "
                "l'entraînement a sans doute divergé (taux d'apprentissage trop "
                "grand ?)."
            )
        return y_proba, _curves(history)

    # -- whole check in one process ----------------------------------------
    def check(self, obj, hidden=False):
        """The notebook's check: train on the public split, print the report;
        raise CheckFailed unless every point would be earned."""
        self.check_type(runner.kind_of(obj))
        case = self.grading_cases() if hidden else self.cases()
        start = time.perf_counter()
        outcome = self.run(obj, case[0])
        outcome.seconds = time.perf_counter() - start
        result = self.judge(case[0], outcome)
        text = (
            f"{result.message}\n(Estimation sur le partage public du cahier : la "
            f"note vient de {N_TEST} chiffres réservés que votre cahier ne voit pas.)"
        )
        if result.fraction < 1:
            head = f"Exercice « {self.name} » : objectif non atteint."
            raise CheckFailed(f"{head}\n{text}")
        print(text)
        return 1


def _parse(source):
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # IPython absent or the cell is not valid IPython
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _size(value):
    """Characters a literal takes (a huge integer is counted by its bits: its
    decimal repr is refused beyond 4300 digits)."""
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    return len(repr(value))


def _is_str(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _magic(node):
    """``"run_line_magic"`` or ``"run_cell_magic"`` for IPython's calls of a
    magic, or None."""
    name = getattr(node.func, "attr", None)
    return name if name in MAGICS else None


def _shell(node):
    """The shell escape or code-loading magic a node calls (``!commande``,
    ``%%bash``, ``%run``, ``%load``...), or None."""
    if not isinstance(node, ast.Call):
        return None
    if getattr(node.func, "attr", None) in SHELLS:
        return node.func.attr
    if _magic(node) and node.args and _is_str(node.args[0]):
        return node.args[0].value if node.args[0].value in SHELL_MAGICS else None
    return None


def _used_name(node):
    """The module a node imports, or the name it reads (``model.compile`` is
    an attribute, not the builtin ``compile``), or None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Import):
        return next((a.name.split(".")[0] for a in node.names
                     if a.name.split(".")[0] in MODULES),
                    None)  # fmt: skip
    if isinstance(node, ast.ImportFrom) and node.module:
        return node.module.split(".")[0]
    return None


def _curves(history):
    """The learner's history as ``{name: float array}``, or {} if unreadable."""
    if not isinstance(history, dict):
        return {}
    curves = {}
    for name, values in history.items():
        try:
            array = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            continue
        if isinstance(name, str) and array.size and np.all(np.isfinite(array)):
            curves[name] = array
    return curves


def _fr(x, digits=4):
    return f"{x:.{digits}f}".replace(".", ",")


def _pts(x):
    return f"{round(x, 2):g}".replace(".", ",")


def report(accuracy, seconds, points, matrix, curves):
    """The French report of a project's result."""
    n = int(matrix.sum())
    got, on_time = points
    lines = [
        f"Exactitude sur les {n} chiffres de test : {_fr(accuracy)} "
        f"({int(np.trace(matrix))} / {n}) ; objectif {_fr(TARGET, 2)}, plancher "
        f"{_fr(FLOOR, 2)}.",
        f"Durée de l'appel (entraînement et prédiction) : {_fr(seconds, 1)} s ; budget "
        f"{TIME_BUDGET:g} s.",
        f"Points : exactitude {_pts(got)} / {ACCURACY_POINTS}, durée "
        f"{_pts(on_time)} / {TIME_POINTS} ; total {_pts(got + on_time)} / "
        f"{ACCURACY_POINTS + TIME_POINTS}.",
    ]
    if accuracy < FLOOR:
        lines.append(
            "Sous le plancher, la durée ne rapporte rien : un réseau rapide qui ne "
            "reconnaît pas les chiffres ne vaut pas de points."
        )
    elif seconds > TIME_BUDGET:
        lines.append(
            "Budget de temps dépassé : moins d'époques, une patience plus courte, des "
            "mini-lots plus grands ou un réseau plus petit."
        )
    lines.append("Matrice de confusion (lignes : vraie classe ; colonnes : prédite) :")
    lines.append("      " + "".join(f"{j:>4}" for j in range(10)))
    for i, row in enumerate(matrix):
        lines.append(f"  {i:>3} " + "".join(f"{v:>4}" for v in row))
    totals = matrix.sum(axis=1)
    recall = np.divide(np.diag(matrix), totals, out=np.ones(10), where=totals > 0)
    worst = [int(i) for i in np.argsort(recall, kind="stable")[:3] if recall[i] < 1]
    if worst:
        text = ", ".join(f"{i} ({_fr(recall[i], 2)})" for i in worst)
        lines.append(f"Chiffres les moins bien reconnus (part reconnue) : {text}.")
    lines += _reading(curves)
    return "\n".join(lines)


def _reading(curves):
    """What the learning curves say, in French sentences."""
    if "loss" not in curves:
        return [
            "Pas de courbes d'apprentissage : history doit être le dict "
            "historique.history renvoyé par model.fit (clés « loss », « val_loss », "
            "« accuracy », « val_accuracy »)."
        ]
    epochs = len(curves["loss"])
    lines = [f"Courbes d'apprentissage : {epochs} époque(s)."]
    val = curves.get("val_loss")
    if val is None or len(val) != epochs:
        lines.append(
            "Pas de perte de validation : passez validation_data=(X_valid, y_valid) "
            "à model.fit pour suivre le surajustement et arrêter tôt."
        )
        return lines
    best = int(np.argmin(val))
    lines.append(
        f"Perte de validation minimale {_fr(val[best])} à l'époque {best + 1}."
    )
    rise = val[-1] - val[best]
    if best >= epochs - 2:
        lines.append(
            "La perte de validation baissait encore à la fin : quelques époques de "
            "plus (ou un taux d'apprentissage un peu plus grand) auraient pu aider, "
            "si le budget de temps le permet."
        )
    elif rise > 0.1 * val[best] and curves["loss"][-1] < curves["loss"][best]:
        lines.append(
            f"L'entraînement a continué {epochs - 1 - best} époque(s) après ce "
            f"minimum et la perte de validation est remontée de {_fr(rise)} pendant "
            "que celle d'entraînement baissait encore : début de surajustement (sur "
            "quelques centaines d'images de validation, une petite remontée peut "
            "aussi n'être que du bruit) ; EarlyStopping(restore_best_weights=True) "
            "garde les poids du minimum (ceux qui ont servi au test si vous l'avez "
            "utilisé)."
        )
    else:
        lines.append(
            f"Arrêt {epochs - 1 - best} époque(s) après ce minimum : la patience de "
            "l'arrêt précoce, si vous en utilisez un."
        )
    train_acc, val_acc = curves.get("accuracy"), curves.get("val_accuracy")
    if train_acc is None or val_acc is None or len(val_acc) != epochs:
        return lines
    gap = 100 * (train_acc[best] - val_acc[best])
    lines.append(
        f"À l'époque {best + 1}, exactitude {_fr(train_acc[best], 3)} en "
        f"entraînement et {_fr(val_acc[best], 3)} en validation."
    )
    if val_acc[best] < 0.95 and train_acc[best] < 0.95:
        lines.append(
            "Les deux exactitudes sont basses : sous-ajustement (réseau trop petit, "
            "trop peu d'époques, taux d'apprentissage mal réglé, gradients qui "
            "disparaissent ?)."
        )
    elif gap > 3:
        lines.append(
            f"Écart de {_fr(gap, 1)} points entre entraînement et validation : "
            "surajustement ; renforcez la régularisation (dropout, L2) ou "
            "l'augmentation des données."
        )
    elif gap < -3:
        lines.append(
            "L'exactitude d'entraînement est plus basse qu'en validation : normal "
            "avec du dropout ou de l'augmentation, actifs pendant l'entraînement "
            "seulement (Keras mesure l'exactitude d'entraînement sur les exemples "
            "transformés, avec des neurones éteints)."
        )
    return lines


def report_figure(matrix, curves):
    """PNG (base64) of the learning curves and the confusion matrix, and its
    French description (for the ``alt`` text)."""
    from matplotlib import style
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    matrix_only = "loss" not in curves
    with style.context("tableau-colorblind10"):
        fig = Figure(figsize=(10, 3.6) if not matrix_only else (4.5, 3.6))
        axes = fig.subplots(1, 1 if matrix_only else 3, squeeze=False)[0]
        if not matrix_only:
            for ax, metric, name in (
                (axes[0], "loss", "perte"),
                (axes[1], "accuracy", "exactitude"),
            ):
                for key, label, style in (
                    (metric, "entraînement", "-"),
                    (f"val_{metric}", "validation", "--"),
                ):
                    if key in curves:
                        epochs = np.arange(1, len(curves[key]) + 1)
                        ax.plot(epochs, curves[key], style, label=label)
                title = f"{name.capitalize()} par époque"
                ax.set(title=title, xlabel="époque", ylabel=name)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                if ax.lines:
                    ax.legend()
        ax = axes[-1]
        image = ax.imshow(matrix, cmap="cividis")
        fig.colorbar(image, ax=ax, label="nombre d'images")
        ax.set(
            title="Matrice de confusion (test)",
            xlabel="classe prédite",
            ylabel="vraie classe",
            xticks=range(10),
            yticks=range(10),
        )
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=72)
    text = (
        "Matrice de confusion des chiffres de test"
        if matrix_only
        else "Courbes de perte et d'exactitude (entraînement et validation) par "
        "époque, et matrice de confusion des chiffres de test"
    )
    return base64.b64encode(buffer.getvalue()).decode("ascii"), text


fit_and_predict = ProjectExercise()
