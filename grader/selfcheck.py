"""``cours-rn verifier``: a learner's self-check of a whole notebook."""

from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.course import identify
from grader.grading import test_cell_outcomes
from grader.nbconfig import CELL_TIMEOUT, KERNEL_ARGUMENTS
from grader.nbgrader_ext import QuietNotebookClient
from grader.submissions import _read


def check_notebook(path, out=print):
    """Run ``path`` in a fresh kernel and print each exercise's verdict.

    The file is not modified. Returns 0 when every exercise passes, 1 otherwise.
    """
    nb, problem = _read(path)
    if nb is None:
        out(f"cours-rn : erreur : {path} : {problem}")
        return 2
    chapter = identify(nb, path.name)
    if chapter is None:
        out(f"cours-rn : erreur : {path} n'est pas un cahier du cours.")
        return 2
    out(f"Exécution de {path.name} ({chapter.name}) dans un noyau neuf…")
    client = QuietNotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    crash = None
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as exc:
        crash = type(exc).__name__
    outcomes = test_cell_outcomes(nb)
    passed = 0
    for ex in chapter.exercises:
        status, message = outcomes.get(
            ex.name,
            (
                "échoué",
                "la cellule de vérification n'a pas été exécutée"
                + (f" ({crash})." if crash else "."),
            ),
        )
        passed += status == "réussi"
        mark = "✔" if status == "réussi" else "✘"
        out(f"{mark} {ex.name} : {status}")
        if message:
            out("    " + message.replace("\n", "\n    "))
    out(f"{passed}/{len(chapter.exercises)} exercice(s) réussi(s).")
    return 0 if passed == len(chapter.exercises) else 1
