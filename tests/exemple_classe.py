"""Build ``data/exemple_classe/``: an example class for chapter 01.

Each submission is the published student notebook with its solution cells
filled in as a learner would. Run ``python tests/exemple_classe.py`` after a
change of the student notebook; ``tests/test_grading.py`` fails when the files
are out of date.
"""

from pathlib import Path

import nbformat

from grader.nbconfig import CODE_STUB

ROOT = Path(__file__).resolve().parents[1]
CLASS_DIR = ROOT / "data" / "exemple_classe"
CHAPTER = "01_equation_normale"

CORRECT = {
    "add_bias": "return np.c_[np.ones((X.shape[0], 1)), X]",
    "predict": "return add_bias(X) @ theta",
    "mse": "return float(np.mean((y_pred - y_true) ** 2))",
    "rmse": "return float(np.sqrt(mse(y_true, y_pred)))",
    "normal_equation": (
        "X_b = add_bias(X)\nreturn np.linalg.inv(X_b.T @ X_b) @ X_b.T @ y"
    ),
}

# expected points are asserted exercise by exercise in tests/test_grading.py
STUDENTS = {
    # everything right
    "alice_martin": CORRECT,
    # MSE without the mean; RMSE returns the MSE
    "bruno_petit": {
        **CORRECT,
        "mse": "return float(np.sum((y_pred - y_true) ** 2))",
        "rmse": "return float(np.mean((y_pred - y_true) ** 2))",
    },
    # the untouched student notebook
    "chloe_durand": {},
    # a syntax error in mse; normal_equation raises NameError
    "david_moreau": {
        **CORRECT,
        "mse": "return float(np.mean((y_pred - y_true) ** 2)",
        "normal_equation": "X_b = add_bias(X)\nreturn np.linalg.solve(X_b.T @ X_b, Y)",
    },
    # a folder name with accents and a space; bias column appended last
    "Élodie Lefèvre": {
        **CORRECT,
        "add_bias": "return np.c_[X, np.ones((X.shape[0], 1))]",
    },
}


def fill(nb, answers):
    """Replace the stub of each answered solution cell by the answer."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            indent = " " * 4
            body = "\n".join(indent + line for line in answers[grade_id].splitlines())
            stub = "\n".join(indent + line for line in CODE_STUB.splitlines())
            assert stub in cell.source, f"stub not found in {grade_id}"
            cell.source = cell.source.replace(stub, body)
    return nb


def build(out_dir=CLASS_DIR):
    """Write every example submission into ``out_dir``; return the paths."""
    student_nb = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    paths = []
    for student, answers in STUDENTS.items():
        path = Path(out_dir) / student / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(fill(student_nb, answers)) + "\n", "utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
