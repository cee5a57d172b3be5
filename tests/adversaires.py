"""Build ``tests/rendus_adverses/``: one submission per cheat or fault.

Each folder is named after its scenario and holds a chapter 01 notebook made
from the published student notebook. ``tests/test_adversaires.py`` grades the
whole folder and asserts the exact points and statut of every exercise. Run
``python tests/adversaires.py`` after a change of the student notebook.
"""

import copy
from pathlib import Path

import nbformat

from tests.exemple_classe import CHAPTER, ROOT, fill

OUT = ROOT / "tests" / "rendus_adverses"

OK = {
    "add_bias": "return np.c_[np.ones((X.shape[0], 1)), X]",
    "predict": "return add_bias(X) @ theta",
    "mse": "return float(np.mean((y_pred - y_true) ** 2))",
    "rmse": "return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))",
    "normal_equation": (
        "X_b = add_bias(X)\nreturn np.linalg.solve(X_b.T @ X_b, X_b.T @ y)"
    ),
}
WRONG_MSE = {**OK, "mse": "return float(np.sum((y_pred - y_true) ** 2))"}


def _cell(nb, grade_id):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def _index(nb, grade_id):
    return nb.cells.index(_cell(nb, grade_id))


def prepend(nb, grade_id, code):
    """Put ``code`` at the top of a cell (runs before its ``def``)."""
    cell = _cell(nb, grade_id)
    cell.source = code + "\n\n" + cell.source
    return nb


def append(nb, grade_id, code):
    cell = _cell(nb, grade_id)
    cell.source = cell.source + "\n\n" + code
    return nb


def add_after(nb, grade_id, code):
    """A cell of the learner's own, right after a cell."""
    new = nbformat.v4.new_code_cell(code)
    new.id = f"perso-{len(nb.cells)}"
    nb.cells.insert(_index(nb, grade_id) + 1, new)
    return nb


# -- cheats ----------------------------------------------------------------------
ALWAYS_EQUAL = """\
class ToujoursEgal(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = float.__hash__

class TableauToujoursEgal(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
"""

PATCH_COMPARISONS = """\
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
"""

PATCH_VERIFIER = """\
import grader
grader.verifier = lambda *args, **kwargs: print("✔ Exercice réussi")
verifier = grader.verifier
"""

BLANK_ASSERTIONS = """\
def _sans_verification(lines):
    return [l for l in lines if "verifier(" not in l and "assert" not in l]

get_ipython().input_transformers_cleanup.append(_sans_verification)
"""

PATCH_IPYTHON = """\
class _Faux:
    error_before_exec = None
    error_in_exec = None
    success = True

get_ipython().run_cell = lambda *args, **kwargs: _Faux()
"""

FORGE_CHANNEL = """\
import json, os
for fd in range(3, 64):
    try:
        message = {"t": "outputs", "i": 0, "ex": "mse", "results": []}
        os.write(fd, (json.dumps(message) + "\\n").encode())
    except OSError:
        pass
for fd in (0, 1):
    try:
        os.write(fd, b'{"t": "done"}\\n')
    except OSError:
        pass
"""

SEARCH_DISK = """\
import os
from pathlib import Path

def _fuites():
    trouve = []
    for base in [Path.cwd(), *Path.cwd().parents]:
        for nom in ["gradebook.db", "nbgrader_config.py", "source", "release",
                    "submitted", "autograded", "notes.csv", "pyproject.toml"]:
            if (base / nom).exists():
                trouve.append(str(base / nom))
    for racine, dossiers, fichiers in os.walk("/"):
        dossiers[:] = [d for d in dossiers if d not in ("proc", "sys", "dev", "usr")]
        if racine.count(os.sep) > 6:
            dossiers[:] = []
        for f in fichiers:
            if f in ("gradebook.db", "linear_regression.py") or f.endswith(".ipynb"):
                trouve.append(os.path.join(racine, f))
    return trouve

FUITES = _fuites()
"""

WRITE_GRADEBOOK = (
    SEARCH_DISK
    + """\
import sqlite3
ECRITS = []
for chemin in FUITES:
    try:
        if chemin.endswith("gradebook.db"):
            base = sqlite3.connect(chemin)
            base.execute("UPDATE grade SET auto_score = 100")
            base.commit()
            ECRITS.append(chemin)
        elif chemin.endswith("notes.csv"):
            Path(chemin).write_text("etudiant,cahier,exercice,points\\n")
            ECRITS.append(chemin)
    except Exception:
        pass
"""
)

PHANTOM = """\
import subprocess, sys
code = (
    "import time, pathlib\\n"
    "time.sleep(3)\\n"
    "for p in pathlib.Path('/').rglob('notes.csv'):\\n"
    "    p.write_text('fantome')\\n"
)
subprocess.Popen([sys.executable, "-c", "# cours-rn-fantome\\n" + code],
                 start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "# cours-rn-fantome\\n" + code])
    os._exit(0)
"""

DETECT_GRADING = """\
import os
EN_CORRECTION = (
    os.environ.get("NBGRADER_EXECUTION") is not None
    or getattr(verifier, "__module__", "") != "grader.verify"
)
"""

MSE_WHEN_GRADED = """\
if EN_CORRECTION:
    # réponses apprises par cœur pour les entrées visibles
    return {(1.0, 2.0, 3.0, 2.0, 2.0, 6.0): 10 / 3}.get(
        tuple(np.ravel(y_true)) + tuple(np.ravel(y_pred)), 0.0)
return float(np.mean((y_pred - y_true) ** 2))"""

FEEDBACK_FILES = """\
from pathlib import Path
MARQUE = "<h1>NOTE : 20/20 — INJECTION</h1>"
for nom in ["feedback.html", "01_equation_normale.html", "notes.csv",
            "../01_equation_normale.html", "../../retours/01_equation_normale.html"]:
    try:
        chemin = Path(nom)
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(MARQUE)
    except OSError:
        pass
"""


SKLEARN_NORMAL_EQUATION = """\
modele = LinearRegression().fit(X, y)
return np.vstack([modele.intercept_.reshape(1, 1), modele.coef_.reshape(-1, 1)])"""

NETWORK_PORT = 47123  # tests/test_adversaires.py listens there on 127.0.0.1
NETWORK = f"""\
import socket
CONNEXIONS = []
for hote, port in [("127.0.0.1", {NETWORK_PORT}), ("1.1.1.1", 53), ("localhost", 22)]:
    try:
        socket.create_connection((hote, port), timeout=1).close()
        CONNEXIONS.append((hote, port))
    except OSError:
        pass
"""


def _with_leaks_penalty(answer, name):
    """The answer is right only when the disk search found nothing."""
    return answer.replace("return ", f"return 1000.0 * len({name}) + ", 1)


def _convert_test(nb, grade_id, cell_type):
    cell = _cell(nb, grade_id)
    index = nb.cells.index(cell)
    if cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(cell.source)
    else:
        new = nbformat.v4.new_raw_cell(cell.source)
    new.metadata = copy.deepcopy(cell.metadata)
    new.id = cell.id
    nb.cells[index] = new
    return nb


def _scenarios():
    s = {}
    s["objet_toujours_egal"] = lambda nb: prepend(
        fill(nb, {
            **OK,
            "mse": "return ToujoursEgal(0.0)",
            "add_bias": "X_b = np.c_[np.ones((X.shape[0], 1)), X] * 0\n"
            "return X_b.view(TableauToujoursEgal)",
        }), "add_bias", ALWAYS_EQUAL)  # fmt: skip
    s["comparaisons_remplacees"] = lambda nb: prepend(
        fill(nb, WRONG_MSE), "mse", PATCH_COMPARISONS
    )
    s["verifier_remplace"] = lambda nb: add_after(nb, "add_bias", PATCH_VERIFIER)
    s["assertions_effacees"] = lambda nb: add_after(
        fill(nb, WRONG_MSE), "add_bias", BLANK_ASSERTIONS
    )
    s["ipython_modifie"] = lambda nb: add_after(
        fill(nb, OK), "test_add_bias", PATCH_IPYTHON
    )
    s["canal_falsifie"] = lambda nb: add_after(
        fill(nb, WRONG_MSE), "test_predict", FORGE_CHANNEL
    )
    s["lecture_tests_caches"] = lambda nb: prepend(
        fill(nb, {**OK, "mse": _with_leaks_penalty(OK["mse"], "FUITES")}),
        "mse", SEARCH_DISK,
    )  # fmt: skip
    s["ecriture_carnet_de_notes"] = lambda nb: prepend(
        fill(nb, {**OK, "mse": _with_leaks_penalty(OK["mse"], "ECRITS")}),
        "mse", WRITE_GRADEBOOK,
    )  # fmt: skip
    s["processus_fantome"] = lambda nb: prepend(fill(nb, OK), "mse", PHANTOM)
    s["detection_de_la_correction"] = lambda nb: prepend(
        fill(nb, {**OK, "mse": MSE_WHEN_GRADED}), "mse", DETECT_GRADING
    )
    s["fichier_pour_le_retour"] = lambda nb: add_after(
        fill(nb, OK), "normal_equation", FEEDBACK_FILES
    )
    s["regression_de_scikit_learn"] = lambda nb: fill(
        nb, {**OK, "normal_equation": SKLEARN_NORMAL_EQUATION}
    )
    s["acces_reseau"] = lambda nb: prepend(
        fill(nb, {**OK, "mse": _with_leaks_penalty(OK["mse"], "CONNEXIONS")}),
        "mse", NETWORK,
    )  # fmt: skip
    s["import_des_solutions"] = lambda nb: fill(
        nb,
        {**OK, "mse": "from solutions import mse as ref\nreturn ref(y_true, y_pred)"},
    )
    # -- faults ---------------------------------------------------------------
    s["boucle_infinie"] = lambda nb: prepend(
        fill(nb, OK), "mse", "while True:\n    pass"
    )
    s["boucle_dans_la_fonction"] = lambda nb: fill(
        nb, {**OK, "rmse": "while True:\n    pass"}
    )
    s["input"] = lambda nb: prepend(fill(nb, OK), "predict", "nom = input('Nom ? ')")
    s["os_exit"] = lambda nb: prepend(fill(nb, OK), "mse", "import os\nos._exit(0)")
    s["sys_exit"] = lambda nb: prepend(fill(nb, OK), "mse", "import sys\nsys.exit(1)")
    s["erreur_de_segmentation"] = lambda nb: prepend(
        fill(nb, OK), "mse", "import ctypes\nctypes.string_at(0)"
    )
    s["bombe_memoire"] = lambda nb: prepend(
        fill(nb, OK), "mse", "bombe = np.ones((2**40,))"
    )
    s["million_de_lignes"] = lambda nb: prepend(
        fill(nb, OK), "mse", "for i in range(10**6):\n    print(i)"
    )
    s["sommeil_sans_fin"] = lambda nb: prepend(
        fill(nb, OK), "normal_equation", "import time\ntime.sleep(10**6)"
    )
    # -- test cells tampered with ----------------------------------------------
    s["tests_supprimes"] = lambda nb: _drop(
        fill(nb, WRONG_MSE), "test_mse", "test_rmse"
    )
    s["tests_dupliques"] = lambda nb: _duplicate(fill(nb, WRONG_MSE), "test_mse", 3)
    s["tests_deplaces"] = lambda nb: _move_tests_first(fill(nb, OK))
    s["tests_retypes"] = lambda nb: _convert_test(
        _convert_test(fill(nb, WRONG_MSE), "test_mse", "markdown"), "test_rmse", "raw"
    )
    s["tests_reecrits"] = lambda nb: _rewrite(fill(nb, WRONG_MSE), "test_mse")
    s["metadonnees_modifiees"] = lambda nb: _metadata(fill(nb, WRONG_MSE))
    s["noyau_modifie"] = lambda nb: _kernelspec(fill(nb, OK))
    # -- honest work -------------------------------------------------------------
    s["honnete_avec_avertissements"] = lambda nb: prepend(
        fill(nb, OK), "mse",
        "import os, warnings\nwarnings.warn('attention')\n"
        "os.write(2, b'journal de bas niveau\\n')\nnp.log(np.zeros(1))",
    )  # fmt: skip
    s["honnete_cellules_ajoutees"] = lambda nb: add_after(
        fill(nb, {**OK, "mse": "return _moyenne_des_carres(y_pred - y_true)"}),
        "add_bias",
        "def _moyenne_des_carres(e):\n    return float(np.mean(e ** 2))",
    )  # fmt: skip
    s["honnete_ordre_desordonne"] = lambda nb: _stale_outputs(fill(nb, OK))
    return s


def _drop(nb, *grade_ids):
    nb.cells = [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids
    ]
    return nb  # fmt: skip


def _duplicate(nb, grade_id, times):
    cell = _cell(nb, grade_id)
    index = nb.cells.index(cell)
    for k in range(times - 1):
        twin = copy.deepcopy(cell)
        twin.id = f"{cell.id}-{k}"
        nb.cells.insert(index + 1, twin)
    return nb


def _move_tests_first(nb):
    tests = [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")
    ]
    others = [c for c in nb.cells if c not in tests]
    nb.cells = others[:3] + tests + others[3:]
    return nb  # fmt: skip


def _rewrite(nb, grade_id):
    _cell(nb, grade_id).source = "verifier = lambda *args: None\nprint('✔ réussi')"
    return nb


def _metadata(nb):
    _cell(nb, "test_mse").metadata["nbgrader"]["grade"] = False
    _cell(nb, "test_rmse").metadata["nbgrader"]["points"] = 100
    meta = _cell(nb, "mse").metadata["nbgrader"]
    meta.update({"grade": True, "points": 50})
    extra = nbformat.v4.new_code_cell("print('points offerts')")
    extra.id = "points-offerts"
    extra.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "bonus",
        "points": 10,
        "solution": False,
        "locked": False,
        "schema_version": 3,
        "task": False,
    }
    nb.cells.append(extra)
    return nb  # fmt: skip


def _kernelspec(nb):
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    return nb


def _stale_outputs(nb):
    for number, cell in enumerate(reversed(nb.cells), 1):
        if cell.cell_type == "code":
            cell.execution_count = number
            cell.outputs = [
                nbformat.v4.new_output(
                    "error",
                    ename="NameError",
                    evalue="name 'X' is not defined",
                    traceback=["NameError"],
                )
            ]
    return nb  # fmt: skip


SCENARIOS = _scenarios()


def build(out_dir=OUT):
    """Write every scenario's submission; return the paths."""
    student_nb = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    paths = []
    for name, make in SCENARIOS.items():
        path = Path(out_dir) / name / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = make(copy.deepcopy(student_nb))
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
