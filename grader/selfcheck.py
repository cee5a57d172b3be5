"""``cours-rn verifier``: a learner's self-check of a whole notebook, with the
same verdicts as the grading (:mod:`grader.engine`)."""

from grader.course import identify
from grader.engine import canonical, course_cells, grade_notebook
from grader.submissions import _read


def check_notebook(path, out=print, limits=None):
    """Run ``path`` confined and print each exercise's verdict.

    The file is not modified. Returns 0 when every exercise passes, 1
    otherwise, 2 when the file is not a notebook of the course.
    """
    nb, problem = _read(path)
    if nb is None:
        out(f"cours-rn : erreur : {path} : {problem}")
        return 2
    chapter = identify(nb, path.name)
    if chapter is None:
        out(f"cours-rn : erreur : {path} n'est pas un cahier du cours.")
        return 2
    out(f"Exécution de {path.name} ({chapter.name})…")
    report = grade_notebook(canonical(nb, *course_cells(chapter)), limits)
    passed = 0
    for ex in chapter.exercises:
        verdict = report.verdicts[ex.name]
        passed += verdict.passed
        out(f"{'✔' if verdict.passed else '✘'} {ex.name} : {verdict.status}")
        if verdict.message:
            out("    " + verdict.message.replace("\n", "\n    "))
    out(f"{passed}/{len(chapter.exercises)} exercice(s) réussi(s).")
    return 0 if passed == len(chapter.exercises) else 1
