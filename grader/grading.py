"""Grading a class with nbgrader (``cours-rn corriger``)."""

import contextlib
import copy
import csv
import dataclasses
import hashlib
import html
import json
import logging
import os
import secrets
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from grader.course import chapters, grade_id
from grader.engine import (
    ENAMES,
    Report,
    canonical,
    course_cells,
    is_test_cell,
    notebook_key,
)
from grader.nbconfig import configure
from grader.nbgrader_ext import SandboxedGrading
from grader.parallel import JobLost, Pool, payload, run_job
from grader.sandbox import Limits, bwrap

warnings.filterwarnings("ignore", category=SAWarning)  # raised inside nbgrader

COURSE_ID = "cours_rn"
COLUMNS = ["etudiant", "cahier", "exercice", "points", "points_max", "statut"]
CONFIG_FILE = """\
# Configuration nbgrader de Cours RN : partagée par `cours-rn corriger` et par les
# commandes `nbgrader` lancées dans ce dossier. Ne pas modifier à la main.
from grader.course import grade_id
from grader.engine import ENAMES, canonical, course_cells, is_test_cell
from grader.nbconfig import configure
from grader.sandbox import Limits, bwrap

configure(c)  # noqa: F821
"""


class Classe:
    """An nbgrader course directory: gradebook, submissions, results, feedback."""

    def __init__(self, root, limits=None, db_url=None):
        self.limits = limits or Limits()
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        text = CONFIG_FILE
        if db_url:  # plain `nbgrader` commands here use the same gradebook
            text += f"c.CourseDirectory.db_url = {db_url!r}  # noqa: F821\n"
            text += f"c.CourseDirectory.course_id = {COURSE_ID!r}  # noqa: F821\n"
        _write_atomic(self.root / "nbgrader_config.py", text)
        config = configure(Config())
        config.CourseDirectory.root = str(self.root)
        if db_url:  # a server enforces the gradebook's foreign key to the course
            config.CourseDirectory.db_url = db_url
            config.CourseDirectory.course_id = COURSE_ID
        config.SandboxedGrading.cell_timeout = self.limits.cell_timeout
        config.SandboxedGrading.notebook_timeout = self.limits.notebook_timeout
        config.SandboxedGrading.memory = self.limits.memory
        self.secret = course_secret(self.root)
        self.coursedir = CourseDirectory(config=config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=config)
        self.api.log.setLevel(logging.CRITICAL)  # nbgrader's English logs stay quiet

    @property
    def db_url(self):
        return self.coursedir.db_url

    def prepare(self, chapter):
        """Put the chapter's source in the course and its cells in the gradebook.

        Done again only when the instructor notebook changed. Returns a French
        error message, or None.
        """
        source = self.root / "source" / chapter.name / f"{chapter.name}.ipynb"
        stamp = self.root / "source" / chapter.name / ".empreinte"
        digest = hashlib.sha256(chapter.path.read_bytes()).hexdigest()
        digest += f" {self.db_url}"
        if stamp.exists() and stamp.read_text() == digest:
            return None
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(chapter.path, source)
        result = self.api.generate_assignment(chapter.name, force=True, create=True)
        if not result["success"]:
            return (
                f"{chapter.name} : le cahier source n'a pas pu être enregistré dans "
                "le carnet de notes (nbgrader generate_assignment a échoué)."
            )
        stamp.write_text(digest)
        return None

    def fingerprint(self, submission):
        """Digest of what a grade depends on: the submission, the chapter's
        source notebook and the limits. An unchanged fingerprint is not regraded."""
        nb = canonical(copy.deepcopy(submission.nb), *course_cells(submission.chapter))
        parts = [
            notebook_key(nb),
            hashlib.sha256(submission.chapter.path.read_bytes()).hexdigest(),
            json.dumps(dataclasses.asdict(self.limits), sort_keys=True),
        ]
        if uses_secret(submission.chapter):  # a new key draws a new test split
            parts.append(hashlib.sha256(self.secret.encode()).hexdigest())
        return hashlib.sha256("/".join(parts).encode()).hexdigest()

    def recorded(self, submission, fingerprint):
        """Rows recorded earlier for this very submission, or None."""
        try:
            data = json.loads(self._result_path(submission).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("empreinte") != fingerprint:
            return None
        return data.get("exercices")

    def job(self, submission):
        """The submission's grading job (:mod:`grader.parallel`), as plain data."""
        nb = canonical(copy.deepcopy(submission.nb), *course_cells(submission.chapter))
        key = f"{submission.student}/{submission.chapter.name}"
        timed = uses_secret(submission.chapter)  # the project: its duration counts
        return payload(key, nb, self.limits, self.secret, alone=timed)

    def grade(self, submission):
        """Autograde one submission here; return its rows (one per exercise)."""
        if submission.nb is None:
            return self.unreadable(submission)
        job = self.job(submission)
        return self.record(submission, Report.from_dict(run_job(job)))

    def unreadable(self, submission):
        """Rows of a submission that could not be read: an unreadable file
        never erases a grade recorded earlier."""
        previous = self._load(submission)
        if previous is not None:
            return previous
        return self._rows(submission, problem=submission.problem)

    def record(self, submission, report):
        """Record a submission's grades from its report (or :class:`JobLost`):
        nbgrader's gradebook (this process is its only writer), results,
        feedback. Returns its rows."""
        chapter = submission.chapter
        fingerprint = self.fingerprint(submission)
        if isinstance(report, JobLost):  # given up: kept, unless the cluster failed
            final = fingerprint if report.final else None
            return self._rows(submission, str(report), "plantage", final)
        target = self.root / "submitted" / submission.student / chapter.name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        nb = canonical(copy.deepcopy(submission.nb), *course_cells(chapter))
        nbformat.write(nb, target / f"{chapter.name}.ipynb")
        key = (submission.student, chapter.name, notebook_key(nb))
        SandboxedGrading.precomputed[key] = report
        try:
            result = self.api.autograde(chapter.name, submission.student, force=True)
        finally:
            SandboxedGrading.precomputed.pop(key, None)
        log = self.root / "journaux" / submission.student / f"{chapter.name}.log"
        _write_atomic(log, result.get("log", "") + result.get("error", ""))
        if not result["success"]:
            problem = f"nbgrader n'a pas pu corriger ce cahier (journal : {log})"
            return self._rows(submission, problem, "plantage", fingerprint)
        return self._rows(submission, fingerprint=fingerprint, report=report)

    def _rows(
        self, submission, problem="", statut="non traité", fingerprint=None, report=None
    ):
        chapter = submission.chapter
        outcomes = {} if problem else self._outcomes(submission)
        figures = {}
        for name, verdict in report.verdicts.items() if report else ():
            if verdict.score is not None:  # a scored exercise: its report
                outcomes[name] = (verdict.status, verdict.message)
                figures[name] = (verdict.figure, verdict.figure_text)
        scores = {} if problem else self._scores(submission)
        rows = []
        for ex in chapter.exercises:
            score = scores.get(ex.name, 0.0)
            if problem:
                status, message = statut, problem
            else:
                status, message = outcomes.get(ex.name, ("échoué", ""))
                if score >= ex.points and status == "échoué":
                    status = "réussi"
            rows.append(
                {
                    "etudiant": submission.student,
                    "cahier": chapter.name,
                    "exercice": ex.name,
                    "points": _fmt(score),
                    "points_max": _fmt(ex.points),
                    "statut": status,
                    "message": message,
                }
            )
            if not problem and figures.get(ex.name, ("",))[0]:
                rows[-1]["figure"], rows[-1]["figure_alt"] = figures[ex.name]
        self._save(submission, rows, fingerprint)
        return rows

    def _scores(self, submission):
        name = submission.chapter.name
        with Gradebook(self.db_url) as gb:
            try:
                nb = gb.find_submission_notebook(name, name, submission.student)
            except MissingEntry:
                return {}
            return {
                g.name.removeprefix("test_"): float(g.score or 0.0) for g in nb.grades
            }

    def _outcomes(self, submission):
        name = submission.chapter.name
        path = self.root / "autograded" / submission.student / name / f"{name}.ipynb"
        if not path.exists():
            return {}
        return test_cell_outcomes(nbformat.read(path, as_version=4))

    def _result_path(self, submission):
        name = submission.chapter.name
        return self.root / "resultats" / submission.student / f"{name}.json"

    def _load(self, submission):
        """Rows recorded earlier for this submission, or None."""
        try:
            text = self._result_path(submission).read_text(encoding="utf-8")
            return json.loads(text)["exercices"]
        except (OSError, ValueError, KeyError):
            return None

    def _save(self, submission, rows, fingerprint=None):
        data = {
            "etudiant": submission.student,
            "dossier": submission.folder,
            "cahier": submission.chapter.name,
            "empreinte": fingerprint,
            "exercices": rows,
        }
        _write_atomic(
            self.root / "retours" / submission.student / f"{data['cahier']}.html",
            feedback_html(data),
        )  # the result comes last: once it is there, the submission is done
        path = self._result_path(submission)
        _write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))

    def all_rows(self):
        """Every result recorded in this course directory, sorted."""
        rows = []
        for path in sorted((self.root / "resultats").glob("*/*.json")):
            try:
                rows += json.loads(path.read_text(encoding="utf-8"))["exercices"]
            except (OSError, ValueError, KeyError):
                print(f"Résultat illisible ignoré : {path}", file=sys.stderr)
        order = {
            (ch.name, ex.name): i
            for ch in chapters().values()
            for i, ex in enumerate(ch.exercises)
        }
        rows.sort(
            key=lambda r: (
                r["etudiant"].casefold(),
                r["etudiant"],
                r["cahier"],
                order.get((r["cahier"], r["exercice"]), 99),
            )
        )
        return rows

    def write_csv(self):
        """Write ``notes.csv`` from every recorded result; return its path."""
        path = self.root / "notes.csv"
        tmp = path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.all_rows())
        tmp.replace(path)
        return path


SECRET_FILE = "cle_secrete.txt"


def course_secret(root):
    """The course directory's secret key (created once, readable by its owner
    only): it draws the project's test split, the same for every student and
    every run. Never inside the submissions' view."""
    path = Path(root) / SECRET_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 32:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    os.replace(path.with_suffix(".tmp"), path)
    return path.read_text(encoding="ascii").strip()


def uses_secret(chapter):
    """True when a chapter has an exercise graded on secret data."""
    from grader.exercises import EXERCISES

    return any(
        hasattr(EXERCISES.get(ex.name), "sandbox_files") for ex in chapter.exercises
    )


def test_cell_outcomes(nb):
    """(statut, French message) per exercise, read from an executed notebook."""
    found = {}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        name = grade_id(cell).removeprefix("test_")
        if errors:
            found[name] = _status(errors[0].ename, errors[0].evalue)
        elif cell.get("outputs") or cell.get("execution_count"):
            found[name] = ("réussi", "")
    return found


_STATUSES = {ename: status for status, ename in ENAMES.items()}


def _status(ename, evalue):
    """(statut, French message) of a failed test cell."""
    if ename in _STATUSES:
        return _STATUSES[ename], evalue
    return "échoué", f"la vérification a levé {ename} : {evalue}"


def _fmt(x):
    return f"{x:g}"


def _write_atomic(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def feedback_html(data):
    """French HTML feedback of one student's notebook."""
    rows = data["exercices"]
    total = sum(float(r["points"]) for r in rows)
    total_max = sum(float(r["points_max"]) for r in rows)
    esc = html.escape
    lines = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>Retour — {esc(data['cahier'])} — {esc(data['etudiant'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em}"
        "pre{white-space:pre-wrap;background:#f4f4f4;padding:.5em}"
        ".réussi{color:#1a6b1a}.échoué,.plantage,.mémoire{color:#a01010}</style>",
        "</head><body>",
        f"<h1>Cahier {esc(data['cahier'])}</h1>",
        f"<p>Étudiant : <strong>{esc(data['dossier'])}</strong> "
        f"(identifiant {esc(data['etudiant'])})</p>",
        f"<p>Note : <strong>{_fmt(total)} / {_fmt(total_max)}</strong></p>",
        "<table><tr><th>Exercice</th><th>Points</th><th>Statut</th></tr>",
    ]
    for r in rows:
        lines.append(
            f"<tr><td><code>{esc(r['exercice'])}</code></td>"
            f"<td>{r['points']} / {r['points_max']}</td>"
            f'<td class="{esc(r["statut"])}">{esc(r["statut"])}</td></tr>'
        )
    lines.append("</table>")
    for r in rows:
        if r.get("message"):
            lines.append(f"<h2><code>{esc(r['exercice'])}</code></h2>")
            lines.append(f"<pre>{esc(r['message'])}</pre>")
        if r.get("figure"):
            lines.append(
                f'<p><img alt="{esc(r.get("figure_alt", ""))}" style="max-width:100%" '
                f'src="data:image/png;base64,{esc(r["figure"])}"></p>'
            )
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


NO_SANDBOX = (
    "⚠ bubblewrap (bwrap) est introuvable : les rendus s'exécutent avec des limites "
    "de temps et de mémoire, mais sans isolation du réseau ni des fichiers. "
    "Installez le paquet « bubblewrap » pour un confinement complet."
)
NO_HIDDEN_TEST = (
    "⚠ Sans bubblewrap, le jeu de test réservé du projet n'est pas caché aux rendus "
    "(ils peuvent lire les fichiers du cours et la copie de scikit-learn) : ses notes "
    "ne protègent pas contre la lecture des étiquettes de test."
)


def sandbox_warnings(submissions):
    """French warnings to print before grading ``submissions`` when the
    submissions cannot be confined (no bubblewrap)."""
    if bwrap() is not None:
        return []
    secret = any(uses_secret(sub.chapter) for sub in submissions)
    return [NO_SANDBOX] + ([NO_HIDDEN_TEST] if secret else [])


def grade_folder(
    folder,
    classe_dir,
    out=print,
    limits=None,
    workers=1,
    scheduler=None,
    students=(),
    notebooks=(),
    regrade=False,
    db_url=None,
):
    """Grade every submission of ``folder``; print progress and a summary.

    Submissions already graded with the same fingerprint (same notebook, same
    course, same limits) are kept as they are unless ``regrade``: a run that was
    interrupted, even killed, is finished by running it again. ``students`` and
    ``notebooks`` restrict the run (identifiers, chapter names or prefixes).
    The jobs run on ``workers`` local processes or on the Dask ``scheduler``
    (:mod:`grader.parallel`); grades are recorded here, one at a time.

    Returns the exit code: 0 when grading ran (whatever the grades).
    """
    from grader import moodle
    from grader.submissions import collect

    participants, notices = {}, []
    if moodle.is_archive(folder):
        try:
            participants, notices = moodle.unpack(folder, Path(classe_dir) / "moodle")
        except ValueError as exc:
            out(f"Archive Moodle {folder} : {exc}.")
            return 2
        out(
            f"Archive Moodle : {len(participants)} participant(s) ayant remis "
            "un cahier."
        )
        folder = Path(classe_dir) / "moodle" / "rendus"
    found, more = collect(folder, exclude=Path(classe_dir))
    submissions, notices = found, notices + more
    for line in notices:
        out(f"⚠ {line}")
    submissions = [
        s
        for s in submissions
        if (not students or s.student in students or s.folder in students)
        and (not notebooks or any(s.chapter.name.startswith(n) for n in notebooks))
    ]
    if not submissions:
        out(f"Aucun cahier du cours trouvé dans {folder}.")
        return 0
    for warning in sandbox_warnings(submissions):
        out(warning)
    classe = Classe(classe_dir, limits, db_url)
    ready = {}
    for sub in submissions:
        name = sub.chapter.name
        if name not in ready:
            error = classe.prepare(sub.chapter)
            ready[name] = error is None
            if error:
                out(f"⚠ {error}")
    todo, kept = [], 0
    for sub in submissions:
        if not ready[sub.chapter.name]:
            continue
        if sub.nb is None:
            classe.unreadable(sub)
        elif not regrade and classe.recorded(sub, classe.fingerprint(sub)):
            kept += 1
        else:
            todo.append(sub)
    if kept:
        out(f"{kept} cahier(s) déjà corrigé(s) et inchangé(s) : notes conservées.")
    workers = max(1, min(workers, len(todo)))  # a process per submission at most
    where = f"sur {scheduler}" if scheduler else f"{workers} processus"
    out(f"Correction de {len(todo)} cahier(s) dans {classe.root} ({where})")
    width = len(str(len(todo)))
    by_key = {f"{s.student}/{s.chapter.name}": s for s in todo}
    with Pool(workers, scheduler) if todo else contextlib.nullcontext() as pool:
        jobs = (classe.job(s) for s in todo)
        for i, (job, report) in enumerate(pool.map(jobs) if todo else (), 1):
            sub = by_key[job["key"]]
            rows = classe.record(sub, report)
            got = sum(float(r["points"]) for r in rows)
            top = sum(float(r["points_max"]) for r in rows)
            out(
                f"[{i:>{width}}/{len(todo)}] {sub.student} · {sub.chapter.name} : "
                f"{_fmt(got)}/{_fmt(top)}"
            )
    csv_path = classe.write_csv()
    out("")
    out(summary_table(classe.all_rows()))
    out("")
    out(f"Notes : {csv_path}")
    out(f"Retours HTML : {classe.root / 'retours'}")
    if participants:
        place = classe.root / "moodle"
        sheet = moodle.grade_sheet(classe.all_rows(), participants, place)
        bundle = moodle.feedback_zip(classe.root / "retours", participants, place)
        out(f"Pour Moodle : feuille d'évaluation {sheet}")
        out(f"             fichiers de feedback {bundle}")
    return 0


_MARK = {
    "réussi": "✔",
    "échoué": "✘",
    "non traité": "·",
    "délai dépassé": "⏱",
    "plantage": "☠",
    "mémoire": "M",
    "suspect": "?",
}


def summary_table(rows):
    """Plain-text table: one block per notebook, one line per student."""
    blocks = []
    for chapter in sorted({r["cahier"] for r in rows}):
        mine = [r for r in rows if r["cahier"] == chapter]
        exercises = list(dict.fromkeys(r["exercice"] for r in mine))
        students = list(dict.fromkeys(r["etudiant"] for r in mine))
        header = ["étudiant", *exercises, "total"]
        table = [header]
        for student in students:
            cells = {r["exercice"]: r for r in mine if r["etudiant"] == student}
            line = [student]
            for ex in exercises:
                r = cells.get(ex)
                line.append(f"{_MARK.get(r['statut'], '?')} {r['points']}" if r else "")
            got = sum(float(r["points"]) for r in cells.values())
            top = sum(float(r["points_max"]) for r in cells.values())
            line.append(f"{_fmt(got)}/{_fmt(top)}")
            table.append(line)
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        text = [f"Cahier {chapter}"]
        for j, row in enumerate(table):
            cells = (c.ljust(w) for c, w in zip(row, widths, strict=True))
            text.append("  ".join(cells).rstrip())
            if j == 0:
                text.append("  ".join("-" * w for w in widths))
        blocks.append("\n".join(text))
    legend = "Légende : " + ", ".join(f"{m} {s}" for s, m in _MARK.items())
    return "\n\n".join(blocks + [legend])
