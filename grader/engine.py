"""Grading a notebook with verdicts decided outside the learner's process.

The learner's cells run in a confined runner (:mod:`grader.sandbox`,
:mod:`grader.runner`). At each exercise's test cell, the runner reports what
the learner defined under the exercise's name; this process draws fresh inputs
(unknown to the submission), the runner calls the learner's function on them
and sends back the raw outputs as plain data, and this process compares them
with :mod:`solutions`. Nothing the submission patches in its own process
(numpy, ``grader``, ``assert``, IPython, objects equal to everything) can
change a verdict.
"""

import copy
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from functools import cache

import nbformat

from grader import runner as codec
from grader.check import CheckFailed, NotAttempted, Outcome, Score
from grader.course import grade_id, nbgrader_meta
from grader.sandbox import Closed, Limits, Runner, Timeout

# statut -> name of the error shown in the graded test cell, and back
ENAMES = {
    "échoué": "CheckFailed",
    "non traité": "NotAttempted",
    "délai dépassé": "CellTimeoutError",
    "plantage": "DeadKernelError",
    "mémoire": "MemoryError",
    "suspect": "Suspect",
}
FORBIDDEN = re.compile(
    r"(\bimport\s+solutions\b|\bfrom\s+solutions\b|['\"]solutions['\"]"
    r"|\bgrader\.(check|exercises|runner|sandbox|engine|grading)\b"
    r"|\bfrom\s+grader\.)"
)


@dataclass
class Verdict:
    """Result of one exercise: statut (French word), message, cases checked;
    for a scored exercise (the project), the fraction of its points earned and
    a figure (PNG in base64, with its French description)."""

    status: str
    message: str = ""
    cases: int = 0
    score: float | None = None
    figure: str = ""
    figure_text: str = ""

    @property
    def passed(self):
        return self.status == "réussi"


@dataclass
class Report:
    """Verdicts per exercise and what each executed cell printed or raised."""

    verdicts: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)  # index -> (error or None, text)
    fault: str = ""

    def to_dict(self):
        """Plain JSON-able data (a report crosses process and machine boundaries)."""
        return {
            "verdicts": {
                name: [v.status, v.message, v.cases, v.score, v.figure, v.figure_text]
                for name, v in self.verdicts.items()
            },
            "cells": [
                [i, list(e) if e else None, t] for i, (e, t) in self.cells.items()
            ],
            "fault": self.fault,
        }

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        return cls(
            verdicts={
                name: _verdict(*fields) for name, fields in data["verdicts"].items()
            },
            cells={int(i): (_pair(e), str(t)) for i, e, t in data["cells"]},
            fault=str(data["fault"]),
        )


def _verdict(status, message, cases, score=None, figure="", figure_text=""):
    score = None if score is None else min(1.0, max(0.0, float(score)))
    return Verdict(
        str(status), str(message), int(cases), score, str(figure), str(figure_text)
    )


def is_test_cell(cell):
    """True for a graded cell whose grade_id is ``test_<exercise>``."""
    return bool(nbgrader_meta(cell).get("grade")) and grade_id(cell).startswith("test_")


def canonical(nb, tests, solutions):
    """The notebook to grade: the learner's cells, the course's test cells.

    Every cell that claims to be a test cell (even with edited metadata or
    type) is dropped; each test cell of ``tests`` (``name -> cell``) is put
    back once, right after the solution cell of its exercise, or at the end
    when that cell is gone. nbgrader metadata of unknown cells is removed.
    """
    cells = []
    for cell in nb.cells:
        name = grade_id(cell)
        if name in tests or name.startswith("test_") or is_test_cell(cell):
            continue
        if "nbgrader" in cell.get("metadata", {}) and name not in solutions:
            cell.metadata.pop("nbgrader")
        cells.append(cell)
    for name, test in tests.items():
        exercise = name.removeprefix("test_")
        at = [i for i, c in enumerate(cells) if grade_id(c) == exercise]
        cells.insert(at[-1] + 1 if at else len(cells), copy.deepcopy(test))
    nb.cells = cells
    return nb


def notebook_key(nb):
    """Digest of a notebook's cells (types and sources): what grading depends on."""
    cells = [[c.get("cell_type"), c.get("source")] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


@cache
def course_cells(chapter):
    """Test cells (by grade_id) and solution cell ids of a chapter's source."""
    source = nbformat.read(chapter.path, as_version=4)
    tests = {grade_id(c): c for c in source.cells if is_test_cell(c)}
    solutions = {grade_id(c) for c in source.cells if nbgrader_meta(c).get("solution")}
    return tests, solutions


def suspicion(nb, exercises):
    """French reasons to suspect exercises, ``{name: reason}``.

    Any cell using the reference (:mod:`solutions`) or the checks makes every
    exercise suspect; a solution cell using what its exercise forbids (a
    library that does the work) makes that exercise suspect.
    """
    found = {}
    sources = [
        c.source for c in nb.cells if c.cell_type == "code" and not is_test_cell(c)
    ]
    for exercise in exercises.values():
        hook = getattr(exercise, "suspicious", None)
        reason = hook(sources) if hook else None
        if reason:
            found[exercise.name] = reason
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        match = FORBIDDEN.search(cell.source)
        if match:
            reason = (
                f"la cellule n° {number} fait appel au corrigé ou aux vérifications "
                f"(« {match.group(0)} ») : exercice non noté, à examiner par "
                "l'enseignant."
            )
            return dict.fromkeys(exercises, reason)
        exercise = exercises.get(grade_id(cell))
        pattern = getattr(exercise, "forbidden", None)
        match = re.search(pattern, cell.source) if pattern else None
        if match:
            found[exercise.name] = (
                f"la solution utilise « {match.group(0)} », qui fait le travail "
                "demandé : l'exercice doit être écrit sans. Non noté, à examiner "
                "par l'enseignant."
            )
    return found


def _program(nb):
    steps, seen = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test_cell(cell):
            name = grade_id(cell).removeprefix("test_")
            if name not in seen:
                seen.add(name)
                steps.append([index, {"kind": "check", "exercise": name}])
        else:
            steps.append([index, {"kind": "code", "source": cell.source}])
    return steps


def grade_notebook(nb, limits=None, key=None):
    """Run ``nb`` confined and decide each exercise outside it.

    ``nb`` must already be canonical (:func:`canonical`). ``key`` is the
    course's secret for exercises graded on secret data (the project's test
    split); without it, a fresh one is drawn. Returns a :class:`Report`.
    """
    from grader.exercises import EXERCISES

    limits = limits or Limits()
    key = key or secrets.token_hex(16)
    steps = _program(nb)
    names = [s["exercise"] for _, s in steps if s["kind"] == "check"]
    report = Report()
    suspects = suspicion(nb, {n: EXERCISES.get(n) for n in names})
    if names and set(names) <= set(suspects):
        report.verdicts = {n: Verdict("suspect", suspects[n]) for n in names}
        return report
    start = time.monotonic()
    end = start + limits.notebook_timeout
    files = {}  # data files replaced in the submission's view
    for name in names:
        exercise = EXERCISES.get(name)
        if hasattr(exercise, "sandbox_files"):
            files.update(exercise.sandbox_files(key))
    worker = Runner(limits, files)
    try:
        worker.send({"steps": steps})
        worker.receive(min(end, time.monotonic() + max(60, limits.cell_timeout)))
        for index, step in steps:
            deadline = min(end, time.monotonic() + limits.cell_timeout)
            message = worker.receive(deadline)
            if step["kind"] == "code":
                _expect(message, "cell", index)
                error = _pair(message.get("error"))
                report.cells[index] = (error, str(message.get("out", "")))
                if error and error[0] == "MemoryError":
                    report.fault = "mémoire"
                    break
                continue
            name = step["exercise"]
            _expect(message, "check", index)
            exercise = EXERCISES.get(name)
            verdict = _check(worker, exercise, name, message, end, limits, key)
            if name in suspects:
                verdict = Verdict("suspect", suspects[name])
            report.verdicts[name] = verdict
            if verdict.status == "mémoire":
                report.fault = "mémoire"
                break
        else:
            _expect(worker.receive(min(end, time.monotonic() + 10)), "done", None)
    except Timeout:
        report.fault = "délai dépassé"
    except Closed:
        report.fault = report.fault or "plantage"
    finally:
        worker.close()
    for name in names:
        if name not in report.verdicts:
            report.verdicts[name] = Verdict(
                report.fault or "plantage", _FAULTS[report.fault or "plantage"]
            )
    return report


_FAULTS = {
    "délai dépassé": "le temps limite a été dépassé avant ou pendant cet exercice "
    "(boucle infinie, attente sans fin ?).",
    "plantage": "l'exécution du cahier s'est arrêtée avant ou pendant cet exercice "
    "(sortie du programme, erreur fatale).",
    "mémoire": "la mémoire disponible a été épuisée avant ou pendant cet exercice.",
}


def _expect(message, kind, index):
    if message.get("t") != kind or (index is not None and message.get("i") != index):
        raise Closed("message inattendu")


def _pair(value):
    if isinstance(value, list) and len(value) == 2:
        return str(value[0])[:100], str(value[1])[:4000]
    return None


def _check(worker, exercise, name, message, end, limits, key):
    """Send fresh inputs, receive the raw outputs, judge them here."""
    info = message.get("obj")
    if exercise is None:
        worker.send({"cases": []})
        worker.receive(min(end, time.monotonic() + limits.cell_timeout))
        return Verdict("échoué", f"exercice « {name} » inconnu du cours.")
    if not isinstance(info, dict) or info.get("kind") not in (
        "function",
        "class",
        "missing",
        "other",
    ):
        raise Closed("message inattendu")
    try:
        exercise.check_type({"kind": info["kind"], "type": str(info.get("type"))})
    except CheckFailed as failure:
        worker.send({"cases": []})
        _expect(
            worker.receive(min(end, time.monotonic() + limits.cell_timeout)),
            "outputs",
            message["i"],
        )
        return Verdict("échoué", str(failure))
    cases = exercise.grading_cases(key)
    worker.send(
        {
            "kind": exercise.kind,
            "cases": [{k: codec.encode(v) for k, v in c.kwargs.items()} for c in cases],
        }
    )
    start = time.monotonic()  # measured here: the submission cannot change it
    wait = max(limits.cell_timeout, getattr(exercise, "time_limit", 0))
    answer = worker.receive(min(end, start + wait))
    seconds = (time.monotonic() - start) / max(1, len(cases))
    _expect(answer, "outputs", message["i"])
    results = answer.get("results")
    if not isinstance(results, list) or len(results) > len(cases):
        raise Closed("message inattendu")
    scored = None
    for case, result in zip(cases, results, strict=False):
        try:
            outcome = _outcome(result)
        except (ValueError, TypeError, KeyError) as exc:
            return Verdict("échoué", f"sortie illisible pour {case.label} ({exc}).")
        outcome.seconds = seconds
        try:
            scored = exercise.judge(case, outcome)
        except NotAttempted as failure:
            return Verdict("non traité", str(failure))
        except CheckFailed as failure:
            memory = outcome.error and outcome.error[0] == "MemoryError"
            return Verdict("mémoire" if memory else "échoué", str(failure))
    if len(results) < len(cases):
        raise Closed("réponse incomplète")
    if isinstance(scored, Score):
        status = "réussi" if scored.fraction >= 1 else "échoué"
        return Verdict(
            status,
            scored.message,
            len(cases),
            scored.fraction,
            scored.figure,
            scored.figure_text,
        )
    return Verdict("réussi", "", len(cases))


def _outcome(result):
    if not isinstance(result, dict):
        raise ValueError("résultat invalide")
    mutated = result.get("mutated") or []
    notes = result.get("warnings") or []
    if not all(isinstance(x, str) for x in [*mutated, *notes]):
        raise ValueError("résultat invalide")
    return Outcome(
        value=codec.decode(result.get("value")),
        error=_pair(result.get("error")),
        mutated=mutated[:10],
        warnings=[n[:300] for n in notes[:5]],
    )
