"""``verifier``: the check a learner runs in a notebook's test cell."""

from grader.check import CheckFailed


def verifier(exercise_id, obj, hidden=False):
    """Check the learner's answer to an exercise.

    Checks, in order, the type, then the shape and dtype, then the values on
    readable inputs, then on random inputs, against the reference
    implementation in :mod:`solutions`. Prints one French success line, or
    raises :class:`CheckFailed` (an ``AssertionError``) with a French message
    saying what was called, what was expected, what was obtained and, when the
    error matches a known mistake, a hint naming it. Nothing is written to
    stderr.

    Parameters
    ----------
    exercise_id : str
        Exercise identifier, e.g. ``"mse"``.
    obj : callable or type
        The learner's function or class.
    hidden : bool, default=False
        Use more random cases, drawn from a fresh seed (hidden tests).
    """
    __tracebackhide__ = True  # IPython hides this frame in tracebacks
    from grader.exercises import EXERCISES

    if exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise CheckFailed(
            f"Exercice inconnu : « {exercise_id} ». Exercices du cours : {known}."
        )
    try:
        count = EXERCISES[exercise_id].check(obj, hidden=hidden)
    except CheckFailed as failure:
        raise failure.with_traceback(None) from None
    if not hidden:
        checked = "cas vérifiés" if count > 1 else "cas vérifié"
        print(f"✔ Exercice « {exercise_id} » réussi ({count} {checked}).")
