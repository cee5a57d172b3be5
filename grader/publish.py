"""Student notebooks generated from the instructor notebooks (``cours-rn publier``)."""

from pathlib import Path

import nbformat
from nbgrader import preprocessors as pp
from traitlets.config import Config

from grader.course import chapters
from grader.nbconfig import configure


def student_version(source_path):
    """The student notebook made from an nbgrader source notebook.

    Runs nbgrader's own release preprocessors (those of ``generate_assignment``
    but the gradebook): solutions replaced by the French stub, hidden tests
    removed, outputs cleared, cells locked, checksums computed.
    """
    nb = nbformat.read(source_path, as_version=4)
    config = configure(Config())
    resources = {}
    chain = [
        pp.LockCells,
        pp.ClearSolutions,
        pp.ClearOutput,
        pp.CheckCellMetadata,
        pp.ComputeChecksums,
        pp.ClearHiddenTests,
        pp.ClearMarkScheme,
        pp.ComputeChecksums,
        pp.CheckCellMetadata,
    ]
    for preprocessor in chain:
        nb, resources = preprocessor(config=config).preprocess(nb, resources)
    return nb


def render(nb):
    """Serialised notebook, as written to disk (stable, for the sync test)."""
    return nbformat.writes(nb) + "\n"


def publish(out_dir):
    """Write every chapter's student notebook to ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters().values():
        target = out_dir / f"{chapter.name}.ipynb"
        text = render(student_version(chapter.path))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            tmp = target.with_suffix(".ipynb.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
        written.append(target)
    return written
