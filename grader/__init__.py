"""Checks, French feedback and grading of the course ``Cours RN``.

Learners call :func:`verifier` in the notebooks; instructors use the
``cours-rn`` command (:mod:`grader.cli`).
"""

from grader.check import CheckFailed, NotAttempted
from grader.verify import verifier

__all__ = ["CheckFailed", "NotAttempted", "verifier"]
