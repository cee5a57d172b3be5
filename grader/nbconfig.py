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
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.kernel_name = "python3"
    c.Execute.extra_arguments = KERNEL_ARGUMENTS
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.autograde_preprocessors = [
        "grader.nbgrader_ext.QuietExecute",
        "grader.nbgrader_ext.DropStderr",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    return c
