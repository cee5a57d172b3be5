"""The project's nbgrader configuration, shared by ``cours-rn`` and by plain
``nbgrader`` commands run in a course directory (its ``nbgrader_config.py``
calls :func:`configure`)."""

CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
TEXT_STUB = "VOTRE RÉPONSE ICI"
CELL_TIMEOUT = 30  # seconds, per cell
KERNEL_ARGUMENTS = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.log_level=ERROR",  # no start-up warnings on the grader's stderr
]


def configure(c):
    """Fill an nbgrader traitlets config ``c``."""
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "grader.nbgrader_ext.CanonicalCells",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        "grader.nbgrader_ext.SandboxedGrading",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.SandboxedGrading.cell_timeout = CELL_TIMEOUT
    return c
