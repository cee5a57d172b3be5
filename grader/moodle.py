"""Moodle's assignment files: the submissions archive, grades and feedback back.

« Télécharger tous les travaux remis » gives a zip archive in which each
participant's files are named after their full name and *participant
identifier* (the number Moodle uses in the assignment, shown as
« Participant 123456 »), in one of two layouts:

- in folders (Moodle ≥ 3.1, default): ``Jeanne Dupont_123456_assignsubmission_file/
  rendu.ipynb`` (``..._file_/`` before Moodle 4.1);
- flat: ``Jeanne Dupont_123456_assignsubmission_file_rendu.ipynb``.

With anonymous submissions the name is « Participant ». Grades go back through
the assignment's grading worksheet (« Feuille d'évaluation », columns
*Identifiant*, *Note*, *Dernière modification (note)*), and feedback files
through « Déposer plusieurs fichiers de feedback dans un fichier ZIP », which
matches a file to its participant by the same ``<nom>_<identifiant>_...`` prefix.
"""

import csv
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.submissions import student_id

NAME = re.compile(
    r"^(?P<name>[^_/]+)_(?P<pid>\d+)_+(?P<plugin>assignsubmission_[a-z]+)_*(?P<rest>.*)$"
)
MAX_MEMBER = 200 * 2**20  # bytes of one extracted notebook
MAX_TOTAL = 4 * 2**30  # bytes extracted from one archive
COLUMNS = [
    "Identifiant",
    "Nom complet",
    "Note",
    "Note maximale",
    "Dernière modification (note)",
    "Commentaires de feedback",
]


@dataclass(frozen=True)
class Participant:
    """A participant of the Moodle assignment."""

    pid: str  # participant identifier, digits
    fullname: str  # as in the archive (« Participant » when anonymous)

    @property
    def student(self):
        """Identifier in the gradebook: ASCII name and participant number."""
        return f"{student_id(self.fullname)}_{self.pid}"


def is_archive(path):
    """True for a zip archive (what Moodle's download gives)."""
    return Path(path).is_file() and zipfile.is_zipfile(path)


def unpack(archive, folder):
    """Extract the notebooks of a Moodle archive as ``folder/rendus/<étudiant>/``.

    ``folder/rendus`` is emptied first (it belongs to the grader). Nothing is
    written outside it, whatever the member names; sizes are bounded.

    Returns
    -------
    participants : dict
        ``{student identifier: Participant}``, also saved in
        ``folder/participants.json``.
    notices : list of str
        One French line for each member skipped.
    """
    base = Path(folder)
    folder = base / "rendus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    participants, notices, total = {}, [], 0
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"archive illisible ({exc})") from exc
    with bundle:
        for info in bundle.infolist():
            if info.is_dir():
                continue
            path = PurePosixPath(info.filename.replace("\\", "/"))
            parts = [p for p in path.parts if p not in ("", ".")]
            if not parts or path.name.startswith(".") or "__MACOSX" in parts:
                continue
            match = NAME.match(parts[0])
            if match is None or ".." in parts:
                notices.append(
                    f"« {info.filename} » : nom de fichier qui n'est pas celui d'un "
                    "travail remis Moodle (<nom>_<identifiant>_assignsubmission_...), "
                    "ignoré."
                )
                continue
            name = parts[-1] if len(parts) > 1 else match["rest"]
            if not name.endswith(".ipynb"):
                notices.append(f"« {info.filename} » : pas un cahier (.ipynb), ignoré.")
                continue
            total += info.file_size
            if info.file_size > MAX_MEMBER or total > MAX_TOTAL:
                notices.append(
                    f"« {info.filename} » : fichier trop volumineux, ignoré."
                )
                continue
            who = Participant(match["pid"], match["name"].strip())
            participants[who.student] = who
            target = folder / who.student / Path(name).name
            target.parent.mkdir(exist_ok=True)
            with bundle.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
    record = {sid: [p.pid, p.fullname] for sid, p in participants.items()}
    (base / "participants.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return participants, notices


def grade_sheet(rows, participants, folder):
    """Write ``folder/notes_moodle.csv``, Moodle's grading worksheet: one row
    per participant, the total of their notebooks' points. ``rows`` are the
    grading rows of :mod:`grader.grading`. Returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    totals = {}
    for r in rows:
        if r["etudiant"] in participants:
            got, top, names = totals.get(r["etudiant"], (0.0, 0.0, set()))
            names.add(r["cahier"])
            totals[r["etudiant"]] = (
                got + float(r["points"]),
                top + float(r["points_max"]),
                names,
            )
    grades = folder / "notes_moodle.csv"
    tmp = grades.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for sid, (got, top, names) in sorted(totals.items()):
            who = participants[sid]
            writer.writerow(
                [
                    f"Participant {who.pid}",
                    who.fullname,
                    f"{got:g}",
                    f"{top:g}",
                    "-",
                    "Correction automatique Cours RN : "
                    + ", ".join(sorted(names))
                    + " (détail dans le fichier de retour).",
                ]
            )
    tmp.replace(grades)
    return grades


def feedback_zip(retours, participants, folder):
    """Zip the HTML feedback files for Moodle's feedback-file upload."""
    path = Path(folder) / "retours_moodle.zip"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
        for sid, who in sorted(participants.items()):
            for page in sorted((Path(retours) / sid).glob("*.html")):
                name = f"{who.fullname}_{who.pid}_assignsubmission_file_{page.name}"
                bundle.write(page, name)
    tmp.replace(path)
    return path
