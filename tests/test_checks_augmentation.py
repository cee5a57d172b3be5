"""Checks of chapter 10: the reference passes, so do other correct ways of
writing the exercises; every listed mistake, written here as a learner would,
fails with the hint that names it; the stub is "non traité"."""

import math
import time

import numpy as np
import pytest

from grader import CheckFailed, NotAttempted, verifier
from grader.exercises import EXERCISES
from grader.exercises import augmentation as checks
from solutions import augmentation as ref
from tests.conftest import fail_message as _fail

NAMES = ["shift_image", "rotate_image"]


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_and_stub_is_not_attempted(name):
    verifier(name, getattr(ref, name))
    verifier(name, getattr(ref, name), hidden=True)

    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


@pytest.mark.parametrize("name", NAMES)
def test_hidden_check_is_fast(name):
    verifier(name, getattr(ref, name), hidden=True)  # warm-up
    start = time.perf_counter()
    verifier(name, getattr(ref, name), hidden=True)
    assert time.perf_counter() - start < 0.3


def test_variants_with_default_flags_are_the_references():
    rng = np.random.default_rng(0)
    for _ in range(300):
        case = checks._random_shift(rng)
        np.testing.assert_array_equal(
            checks.shift_variant(**case), ref.shift_image(**case)
        )
        case = checks._random_rotation(rng)
        expected = ref.rotate_image(**case)
        np.testing.assert_array_equal(checks.rotate_variant(**case), expected)
        assert checks._among(expected, checks.rotation_candidates(**case))


def test_check_cases_are_not_trivial():
    """Fill values are not the default, the digits are real, right angles and
    shifts beyond the border are there."""
    for name in NAMES:
        cases = EXERCISES[name].cases(seed=1, n_random=20)
        assert all(c.kwargs["fill_value"] != 0.0 for c in cases)
        dtypes = {c.kwargs["image"].dtype for c in cases}
        assert {np.dtype(t) for t in ("uint8", "float32", "float64")} <= dtypes
        assert any(c.kwargs["image"].ndim == 3 for c in cases)
        assert any(np.subtract(*c.kwargs["image"].shape[:2]) for c in cases)
    digits = np.loadtxt(checks._DIGITS_FILE, delimiter=",", max_rows=5)
    np.testing.assert_array_equal(checks._DIGIT_3.ravel(), digits[3, :64])
    shifts = EXERCISES["shift_image"].readable_cases
    assert any(abs(c.kwargs["dx"]) >= c.kwargs["image"].shape[1] for c in shifts)
    assert any(abs(c.kwargs["dy"]) >= c.kwargs["image"].shape[0] for c in shifts)
    angles = {c.kwargs["angle"] for c in EXERCISES["rotate_image"].readable_cases}
    assert {0, 90, 180, 270, 360, -90} <= angles


# -- shift_image: correct variants ----------------------------------------------------
def shift_by_slices(image, dx, dy, fill_value=0.0):
    height, width = image.shape[:2]
    out = np.full_like(image, fill_value)
    if abs(dx) >= width or abs(dy) >= height:
        return out
    rows_out = slice(max(dy, 0), height + min(dy, 0))
    rows_in = slice(max(-dy, 0), height + min(-dy, 0))
    cols_out = slice(max(dx, 0), width + min(dx, 0))
    cols_in = slice(max(-dx, 0), width + min(-dx, 0))
    out[rows_out, cols_out] = image[rows_in, cols_in]
    return out


def shift_by_loops(image, dx, dy, fill_value=0.0):
    out = image.copy()
    height, width = image.shape[:2]
    for i in range(height):
        for j in range(width):
            if 0 <= i - dy < height and 0 <= j - dx < width:
                out[i, j] = image[i - dy, j - dx]
            else:
                out[i, j] = fill_value
    return out


@pytest.mark.parametrize("learner", [shift_by_slices, shift_by_loops])
def test_shift_written_differently_passes(learner):
    def shift_image(image, dx, dy, fill_value=0.0):
        return learner(image, dx, dy, fill_value)

    verifier("shift_image", shift_image)
    verifier("shift_image", shift_image, hidden=True)


# -- shift_image: mistakes --------------------------------------------------------
def shift_swapped(image, dx, dy, fill_value=0.0):
    out = np.full_like(image, fill_value)
    height, width = image.shape[:2]
    for i in range(height):
        for j in range(width):
            if 0 <= i - dx < height and 0 <= j - dy < width:
                out[i, j] = image[i - dx, j - dy]
    return out


def shift_wrapped(image, dx, dy, fill_value=0.0):
    return np.roll(image, (dy, dx), axis=(0, 1))


def shift_reversed(image, dx, dy, fill_value=0.0):
    return shift_by_slices(image, -dx, -dy, fill_value)


def shift_zeros(image, dx, dy, fill_value=0.0):
    return shift_by_slices(image, dx, dy, 0)


def shift_float(image, dx, dy, fill_value=0.0):
    height, width = image.shape[:2]
    out = np.full(image.shape, fill_value)
    for i in range(height):
        for j in range(width):
            if 0 <= i - dy < height and 0 <= j - dx < width:
                out[i, j] = image[i - dy, j - dx]
    return out


@pytest.mark.parametrize(
    "learner, hint",
    [
        (shift_swapped, "dx et dy sont échangés"),
        (shift_wrapped, "ce qui sort d'un côté revient de l'autre"),
        (shift_float, "le dtype a changé"),
        (shift_reversed, "dans le mauvais sens"),
        (shift_zeros, "valent 0 au lieu de fill_value"),
    ],
)
def test_shift_mistakes(learner, hint):
    def shift_image(image, dx, dy, fill_value=0.0):
        return learner(image, dx, dy, fill_value)

    assert hint in _fail("shift_image", shift_image)


def test_shift_in_place_is_reported():
    def shift_image(image, dx, dy, fill_value=0.0):
        image[:] = shift_by_slices(image, dx, dy, fill_value)
        return image

    assert "modifié en place son argument `image`" in _fail("shift_image", shift_image)


# -- rotate_image: correct variants -----------------------------------------------
def rotate_by_loops(image, angle, fill_value=0.0):
    """Pixel by pixel, with the math module and Python's round."""
    out = image.copy()
    height, width = image.shape[:2]
    cy, cx = (height - 1) / 2, (width - 1) / 2
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    for i in range(height):
        for j in range(width):
            x, y = j - cx, i - cy
            col = math.floor(round(cx + c * x - s * y, 9) + 0.5)
            row = math.floor(round(cy + s * x + c * y, 9) + 0.5)
            if 0 <= row < height and 0 <= col < width:
                out[i, j] = image[row, col]
            else:
                out[i, j] = fill_value
    return out


def rotate_by_matrix(image, angle, fill_value=0.0):
    """Vectorised with a rotation matrix applied to stacked coordinates."""
    height, width = image.shape[:2]
    theta = angle * np.pi / 180
    rotation = np.array([[np.cos(theta), -np.sin(theta)],
                         [np.sin(theta), np.cos(theta)]])  # fmt: skip
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    rows, cols = np.mgrid[0:height, 0:width]
    points = np.stack([cols.ravel(), rows.ravel()]) - centre[:, None]
    sources = rotation @ points + centre[:, None]
    col, row = np.floor(np.round(sources, 9) + 0.5).astype(int)
    valid = (row >= 0) & (row < height) & (col >= 0) & (col < width)
    flat = np.full((height * width, *image.shape[2:]), fill_value, dtype=image.dtype)
    flat[valid] = image[row[valid], col[valid]]
    return flat.reshape(image.shape)


@pytest.mark.parametrize("learner", [rotate_by_loops, rotate_by_matrix])
def test_rotation_written_differently_passes(learner):
    def rotate_image(image, angle, fill_value=0.0):
        return learner(image, angle, fill_value)

    verifier("rotate_image", rotate_image)
    for _ in range(3):
        verifier("rotate_image", rotate_image, hidden=True)


# -- rotate_image: mistakes -------------------------------------------------------
def rotation(
    direction=1, corner=False, half=False, radians=False, wrap=False,
    as_float=False, rounding="statement", forward=False,
):  # fmt: skip
    """A learner's rotate_image, pixel by pixel, with one mistake."""

    def rotate_image(image, angle, fill_value=0.0):
        height, width = image.shape[:2]
        cy, cx = (height - 1) / 2, (width - 1) / 2
        if corner:
            cy, cx = 0, 0
        if half:
            cy, cx = height / 2, width / 2
        theta = angle if radians else np.deg2rad(angle)
        c, s = np.cos(theta), direction * np.sin(theta)
        if as_float:
            out = np.full(image.shape, fill_value)
        else:
            out = np.full_like(image, fill_value)
        nearest = {
            "statement": lambda v: int(np.floor(np.round(v, 9) + 0.5)),
            "bankers": lambda v: int(np.round(v)),  # half to even, no snapping
            "away": lambda v: int(math.copysign(math.floor(abs(v) + 0.5), v)),
            "trunc": int,
        }[rounding]
        for i in range(height):
            for j in range(width):
                x, y = j - cx, i - cy
                if forward:  # where does pixel (i, j) go?
                    col = nearest(cx + c * x + s * y)
                    row = nearest(cy - s * x + c * y)
                    if 0 <= row < height and 0 <= col < width:
                        out[row, col] = image[i, j]
                    continue
                col = nearest(cx + c * x - s * y)
                row = nearest(cy + s * x + c * y)
                if wrap:
                    out[i, j] = image[row % height, col % width]
                elif 0 <= row < height and 0 <= col < width:
                    out[i, j] = image[row, col]
        return out

    return rotate_image


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"direction": -1}, "dans le mauvais sens"),
        ({"corner": True}, "autour du coin (0, 0)"),
        ({"radians": True}, "attendent des radians"),
        ({"wrap": True}, "reviennent de l'autre côté"),
        ({"as_float": True}, "le dtype a changé"),
        ({"half": True}, "le centre est pris en (H/2, W/2)"),
        ({"rounding": "trunc"}, "sont tronquées"),
        ({"forward": True}, "application directe"),
        ({"rounding": "bankers"}, "tombe pile entre deux pixels"),
    ],
)
def test_rotation_mistakes(flags, hint):
    assert hint in _fail("rotate_image", rotation(**flags))


def test_rounding_away_from_zero_as_tensorflow_is_recognised_at_ties():
    """TensorFlow rounds ties away from zero: on a 5 x 8 image at 90 degrees
    every source point is a tie, and -0.5 goes outside."""
    message = _fail("rotate_image", rotation(rounding="away"))
    assert "5 × 8" in message and "tombe pile entre deux pixels" in message


@pytest.mark.parametrize(
    "name, learner, hint",
    [
        ("shift_image", shift_swapped, "dx et dy sont échangés"),
        ("shift_image", shift_wrapped, "revient de l'autre"),
        ("shift_image", shift_float, "le dtype a changé"),
        ("shift_image", shift_zeros, "valent 0 au lieu de fill_value"),
        ("rotate_image", rotation(direction=-1), "dans le mauvais sens"),
        ("rotate_image", rotation(corner=True), "autour du coin"),
        ("rotate_image", rotation(half=True), "(H/2, W/2)"),
        ("rotate_image", rotation(wrap=True), "reviennent de l'autre côté"),
        ("rotate_image", rotation(as_float=True), "le dtype a changé"),
        ("rotate_image", rotation(rounding="bankers"), "tombe pile entre"),
        ("rotate_image", rotation(rounding="away"), "tombe pile entre"),
    ],
)  # fmt: skip
def test_mistakes_are_recognised_on_every_failing_case(name, learner, hint):
    """Hints are robust: a mistake is named on every case where it fails, random
    ones included, not only on the first. (Not so for a few mistakes that some
    cases make indistinguishable from another one: a reversed shift with
    dx = -dy is a swap; degrees read as radians can turn a small image exactly
    as the opposite angle would; truncating a half-integer is rounding a tie
    down.)"""
    check, failures = EXERCISES[name], []
    for seed in range(3):
        for case in check.cases(seed=seed, n_random=60):
            try:
                check.judge(case, check.run(learner, case))
            except CheckFailed as failure:
                failures.append(str(failure))
    assert len(failures) >= 10 and all(hint in text for text in failures)


def test_hints_survive_the_sandbox_encoding():
    """In grading, outputs cross the sandbox as plain data."""
    from grader import runner

    for name, learner, hint in [
        ("shift_image", shift_float, "le dtype a changé"),
        ("rotate_image", rotation(corner=True), "autour du coin"),
    ]:
        check = EXERCISES[name]
        messages = []
        for case in check.grading_cases():
            outcome = check.run(learner, case)
            outcome.value = runner.decode(runner.encode(outcome.value))
            try:
                check.judge(case, outcome)
            except CheckFailed as failure:
                messages.append(str(failure))
        assert messages and all(hint in m for m in messages)


def test_failing_check_is_fast():
    start = time.perf_counter()
    with pytest.raises(CheckFailed):
        verifier("rotate_image", rotation(rounding="bankers"), hidden=True)
    assert time.perf_counter() - start < 0.5


def test_solution_using_a_library_is_suspect_and_the_notebook_is_not():
    import nbformat

    from grader.course import chapters
    from grader.engine import suspicion

    exercises = {name: EXERCISES[name] for name in NAMES}
    nb = nbformat.read(chapters()["10_augmentation_donnees"].path, as_version=4)
    assert suspicion(nb, exercises) == {}
    for cell in nb.cells:
        if cell.get("id") == "sol-rotate_image":
            cell.source += "\n    scipy.ndimage.rotate(image, angle, order=0)"
        if cell.get("id") == "sol-shift_image":
            cell.source += "\n    keras.layers.RandomTranslation(0.1, 0.1)"
    assert set(suspicion(nb, exercises)) == set(NAMES)
