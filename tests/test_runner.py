"""The plain-data codec between the sandbox and the grading process, and the
calls of the learner's code."""

import base64

import numpy as np
import pytest

from grader import runner


@pytest.mark.parametrize(
    "value",
    [
        None, True, 3, 2.5, float("nan"), "texte",
        np.arange(6.0).reshape(2, 3), np.float64(1.5), np.int32(7),
        np.zeros((0, 4), dtype=np.float32), np.array([True, False]),
        [1, (2.0, np.ones(2))], {"a": np.eye(2), 3: None},
    ],
)  # fmt: skip
def test_round_trip(value):
    back = runner.decode(runner.encode(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray | np.generic):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        np.testing.assert_array_equal(back, value)
    elif value == value and not isinstance(value, list | dict):
        assert back == value


def test_learner_objects_become_opaque():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    class Sneaky(np.ndarray):
        pass

    for value in [AlwaysEqual(1.0), np.ones(3).view(Sneaky), object(),
                  np.array([object()])]:  # fmt: skip
        back = runner.decode(runner.encode(value))
        assert isinstance(back, runner.Opaque)
        assert back != 1.0


@pytest.mark.parametrize(
    "data",
    [
        {"__nd__": "|O", "shape": [1], "data": ""},
        {"__nd__": "<f8", "shape": [3], "data": base64.b64encode(b"x" * 8).decode()},
        {"__nd__": "<f8", "shape": [-1], "data": ""},
        {"__nd__": "<f8", "shape": [1], "data": "!!!"},
        {"__unknown__": 1},
        [1, 2],
    ],
)
def test_decode_trusts_nothing(data):
    with pytest.raises((ValueError, TypeError)):
        runner.decode(data)


def test_call_reports_errors_mutations_and_warnings():
    def mutate(x):
        x[0] = 99.0
        np.log(np.zeros(1))
        return x

    result = runner.call(mutate, {"x": np.ones(2)})
    assert result["mutated"] == ["x"]
    assert result["warnings"]
    result = runner.call(lambda x: x + undefined, {"x": 1})  # noqa: F821
    assert result["error"][0] == "NameError"
    assert "`undefined` n'est pas défini" in result["error"][1]
    assert runner.call(lambda: (_ for _ in ()).throw(NotImplementedError), {})[
        "error"
    ] == ["NotImplementedError", ""]
