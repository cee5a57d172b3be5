"""nbgrader preprocessors of the project."""

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class DropStderr(NbGraderPreprocessor):
    """Remove stderr streams from the outputs of graded cells.

    nbgrader scores a test cell 0 as soon as its outputs hold a stderr stream,
    even when the check passed; TensorFlow's start-up logs and numpy warnings
    land there. Errors (``output_type == "error"``) are kept: they still fail.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and is_grade(cell):
            cell.outputs = [
                out
                for out in cell.outputs
                if not (out.output_type == "stream" and out.name == "stderr")
            ]
        return cell, resources
