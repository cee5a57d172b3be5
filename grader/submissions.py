"""Reading a class's submissions folder: ``DOSSIER/<étudiant>/*.ipynb``."""

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.course import identify

IGNORED = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db"}


@dataclass
class Submission:
    """One notebook of one student, recognised as a chapter of the course."""

    student: str  # identifier used in the gradebook (ASCII, safe in paths)
    folder: str  # the folder's name as found
    chapter: object  # grader.course.Chapter
    path: Path
    nb: object = None  # parsed notebook, None when unreadable
    problem: str = ""  # French reason when the notebook could not be read


def student_id(name):
    """ASCII identifier for a folder name: accents dropped, others replaced by _."""
    text = unicodedata.normalize("NFKD", name)
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")
    return text or "etudiant"


def _read(path):
    """Parse a notebook; return (nb, None) or (None, French reason)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"illisible ({exc.strerror})"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "illisible : ce n'est pas un fichier texte UTF-8"
    except json.JSONDecodeError as exc:
        return None, f"JSON corrompu (ligne {exc.lineno}, colonne {exc.colno})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "ce n'est pas un cahier Jupyter (pas de liste « cells »)"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4, capture_validation_error={})
    except Exception as exc:  # nbformat raises many kinds on malformed input
        return None, f"structure de cahier invalide ({type(exc).__name__})"
    return nb, None


def collect(folder, exclude=None):
    """Submissions found in ``folder`` and French notices about the rest.

    Returns
    -------
    submissions : list of Submission
        One per (student, chapter), sorted; unreadable notebooks are included
        with ``nb=None`` and ``problem`` set.
    notices : list of str
        One French line for each thing skipped or renamed.

    ``exclude`` (the course directory, when it lies inside ``folder``) is skipped.
    """
    folder = Path(folder)
    skip = Path(exclude).resolve() if exclude is not None else None
    notices, submissions, taken = [], [], {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name in IGNORED or entry.name.startswith("."):
            continue
        if skip is not None and entry.resolve() == skip:
            continue
        if not entry.is_dir():
            notices.append(
                f"« {entry.name} » : fichier hors d'un dossier d'étudiant, ignoré "
                "(attendu : DOSSIER/<étudiant>/<cahier>.ipynb)."
            )
            continue
        sid = student_id(entry.name)
        if sid in taken:
            n = 2
            while f"{sid}-{n}" in taken:
                n += 1
            sid = f"{sid}-{n}"
        taken[sid] = entry.name
        if sid != entry.name:
            notices.append(
                f"Dossier « {entry.name} » : caractères spéciaux, corrigé sous "
                f"l'identifiant « {sid} »."
            )
        submissions += _student(entry, sid, notices)
    return submissions, notices


def _student(directory, sid, notices):
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and not (IGNORED & set(p.relative_to(directory).parts))
        and not p.name.startswith(".")
    )
    by_chapter = {}
    for path in files:
        where = f"{directory.name}/{path.relative_to(directory)}"
        if path.suffix != ".ipynb":
            notices.append(f"« {where} » : pas un cahier (.ipynb), ignoré.")
            continue
        nb, problem = _read(path)
        chapter = identify(nb or {}, path.name)
        if chapter is None:
            if problem:
                notices.append(f"« {where} » : {problem} ; cahier ignoré.")
            else:
                notices.append(f"« {where} » : cahier inconnu du cours, ignoré.")
            continue
        if problem:
            notices.append(f"« {where} » : {problem} ; aucun exercice n'est noté.")
        by_chapter.setdefault(chapter.name, []).append(
            Submission(sid, directory.name, chapter, path, nb, problem or "")
        )
    if not files:
        notices.append(f"Dossier « {directory.name} » : aucun cahier remis.")
    chosen = []
    for name, candidates in sorted(by_chapter.items()):
        # prefer a readable notebook with the chapter's own file name
        candidates.sort(key=lambda s: (s.nb is None, s.path.stem != name, s.path))
        keep = candidates[0]
        for other in candidates[1:]:
            notices.append(
                f"« {directory.name}/{other.path.relative_to(directory)} » : deuxième "
                f"cahier pour {name} ; seul « {keep.path.relative_to(directory)} » "
                "est corrigé."
            )
        chosen.append(keep)
    return chosen
