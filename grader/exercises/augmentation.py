"""Checks of chapter 10 (augmentation des données): shift_image, rotate_image.

Both references are deterministic, so outputs are compared exactly
(``rtol = atol = 0``): same shape, same dtype, same pixels. The rounding rule
of the rotation (source coordinates rounded to 9 decimals, then
``floor(v + 1/2)``) is part of the exercise statement.

Cases: readable ones first (a numbered array, three of the shipped 8 x 8
digits, a colour image, non-square images, uint8 and float dtypes, fill
values that are not the default, shifts beyond the border, right angles that
must give ``np.rot90``, 0 and 360 degrees), then random ones.

Mistakes are modelled by :func:`shift_variant` and :func:`rotate_variant`,
which with their default flags are the references
(``tests/test_checks_augmentation.py`` checks that they agree); a changed
dtype and ties broken another way are recognised by a test on the output.
"""

from pathlib import Path

import numpy as np

from grader.check import Case, FunctionExercise, Mistake, _matches
from solutions import augmentation as ref

FORBIDDEN = (
    r"\bkeras\b|\btensorflow\b|\btf\.|\btorch\b|\bjax\b|\bscipy\b|\bndimage\b"
    r"|\bskimage\b|\bcv2\b|\bPIL\b"
)
_DIGITS_FILE = Path(__file__).resolve().parents[2] / "data" / "digits.csv.gz"


def _digits():
    """Digits 2, 3 and 4 of ``data/digits.csv.gz`` (8 x 8, values 0 to 16),
    read in a few milliseconds; asymmetric drawings if the file is missing."""
    try:
        rows = np.loadtxt(_DIGITS_FILE, delimiter=",", max_rows=5)[2:5, :64]
        return rows.reshape(-1, 8, 8)
    except OSError:
        rng = np.random.default_rng(10)
        return rng.integers(0, 17, size=(3, 8, 8)).astype(float)


_DIGIT_2, _DIGIT_3, _DIGIT_4 = _digits()


def _colour(height, width, dtype=np.uint8):
    """A small colour image: a gradient per channel, so that every pixel differs."""
    i, j = np.indices((height, width))
    image = np.stack([17 * i + 3 * j, 5 * i + 29 * j, 11 * (i + j) % 97], axis=-1)
    return (image % 256).astype(dtype)


def _same_values(kwargs, obtained, reference):
    """True when ``obtained`` has the reference's values but another dtype."""
    expected = reference(**kwargs)
    return (
        isinstance(obtained, np.ndarray)
        and obtained.shape == expected.shape
        and obtained.dtype != expected.dtype
        and np.allclose(obtained, expected, rtol=1e-6, atol=0)
    )


def _random_image(rng):
    """A random 2-D or 3-D image and a fill value its dtype can hold."""
    height, width = (int(n) for n in rng.integers(3, 13, size=2))
    shape = (height, width)
    if rng.random() < 0.3:
        shape += (int(rng.integers(1, 4)),)
    dtype = np.dtype(str(rng.choice(["uint8", "int64", "float32", "float64"])))
    if dtype == np.uint8:
        image = rng.integers(0, 256, size=shape).astype(dtype)
        fill = float(rng.integers(1, 256))
    elif dtype.kind == "i":
        image = rng.integers(-100, 100, size=shape).astype(dtype)
        fill = float(rng.integers(-100, 100) or 7)
    else:
        image = rng.normal(size=shape).astype(dtype)
        fill = float(rng.integers(-8, 9) / 4 or 0.5)  # exact in float32
    return image, fill


# -- shift_image ------------------------------------------------------------------
def shift_variant(
    image, dx, dy, fill_value=0.0, swap=False, wrap=False, sign=1, use_fill=True
):
    """``shift_image`` with a known mistake: ``swap`` (dx moves rows and dy
    columns), ``wrap`` (``np.roll`` alone: what leaves on one side comes back on
    the other), ``sign=-1`` (content moved left for dx > 0 and up for dy > 0),
    ``use_fill=False`` (entering pixels set to 0)."""
    if swap:
        dx, dy = dy, dx
    dx, dy = sign * dx, sign * dy
    if wrap:
        return np.roll(image, (dy, dx), axis=(0, 1))
    return ref.shift_image(image, dx, dy, fill_value if use_fill else 0)


def _shift_mistake(hint, **flags):
    """A mistake recognised when the learner's image is the mistaken shift and
    that shift is not the right one on this case (everything filled, say)."""

    def test(kwargs, obtained):
        wrong = shift_variant(**kwargs, **flags)
        right = ref.shift_image(**kwargs)
        return not np.array_equal(wrong, right) and _matches(wrong, obtained)

    return Mistake(hint, test=test)


def _shift_case(label, image, dx, dy, fill_value):
    return Case(label, {"image": image, "dx": dx, "dy": dy, "fill_value": fill_value})


_GRID = np.arange(20, dtype=np.float64).reshape(4, 5)


def _random_shift(rng):
    image, fill = _random_image(rng)
    height, width = image.shape[:2]
    dx = int(rng.integers(-width - 1, width + 2))
    dy = int(rng.integers(-height - 1, height + 2))
    return {"image": image, "dx": dx, "dy": dy, "fill_value": fill}


shift_image = FunctionExercise(
    "shift_image",
    ref.shift_image,
    readable_cases=[
        _shift_case("tableau 4 × 5 numéroté, dx = 2, dy = 1", _GRID, 2, 1, -1.0),
        _shift_case(
            "le décalage inverse du précédent, dx = −2, dy = −1", _GRID, -2, -1, -1.0
        ),
        _shift_case(
            "chiffre 2 (8 × 8, uint8), dx = −3, dy = 2",
            _DIGIT_2.astype(np.uint8),
            -3,
            2,
            9.0,
        ),
        _shift_case(
            "image couleur 5 × 6 × 3 (float32), dx = 1, dy = −2",
            _colour(5, 6, np.float32) / 255,
            1,
            -2,
            0.5,
        ),
        _shift_case(
            "chiffre 3 (8 × 8, float64), dx = 0, dy = −4", _DIGIT_3, 0, -4, 16.0
        ),
        _shift_case(
            "décalage plus grand que l'image (4 × 5), dx = 7, dy = −1",
            _GRID,
            7,
            -1,
            3.0,
        ),
        _shift_case(
            "décalage plus grand que l'image (6 × 4 × 3, uint8), dx = 1, dy = −9",
            _colour(6, 4),
            1,
            -9,
            255.0,
        ),
        _shift_case("décalage nul (4 × 5)", _GRID, 0, 0, -1.0),
    ],  # fmt: skip
    random_case=_random_shift,
    mistakes=[
        Mistake(
            "les valeurs sont justes mais le dtype a changé : l'image renvoyée doit "
            "garder le dtype de l'entrée (np.full_like(image, fill_value) ou "
            "image.copy() le conservent ; np.full(forme, fill_value) ou "
            "np.zeros(forme) donnent du float64).",
            test=lambda kw, out: _same_values(kw, out, ref.shift_image),
        ),
        _shift_mistake(
            "dx et dy sont échangés : dx décale les colonnes (axe 1, vers la "
            "droite), dy décale les lignes (axe 0, vers le bas).",
            swap=True,
        ),
        _shift_mistake(
            "ce qui sort d'un côté revient de l'autre (np.roll seul) : les pixels "
            "qui entrent dans l'image doivent valoir fill_value.",
            wrap=True,
        ),
        _shift_mistake(
            "le décalage est dans le mauvais sens : dx > 0 déplace le contenu vers "
            "la DROITE, out[i, j] = image[i − dy, j − dx].",
            sign=-1,
        ),
        _shift_mistake(
            "les pixels qui entrent valent 0 au lieu de fill_value.", use_fill=False
        ),
    ],
    rtol=0.0,
    atol=0.0,
    n_random=5,
    forbidden=FORBIDDEN,
)


# -- rotate_image -----------------------------------------------------------------
def _sources(shape, angle, direction=1, centre="middle", radians=False, forward=False):
    """Source point (x_s, y_s) of each output pixel, unrounded, for the
    reference's formula or a mistaken one (see :func:`rotate_variant`)."""
    height, width = shape[:2]
    theta = direction * (angle if radians else np.deg2rad(angle))
    cos, sin = np.cos(theta), np.sin(theta)
    if forward:
        sin = -sin  # the image of (i, j), not its pre-image
    cy, cx = {
        "middle": ((height - 1) / 2, (width - 1) / 2),
        "corner": (0.0, 0.0),
        "half": (height / 2, width / 2),
    }[centre]
    i, j = np.indices((height, width), dtype=np.float64)
    x, y = j - cx, i - cy
    return cx + cos * x - sin * y, cy + sin * x + cos * y


def _to_index(v, rounding):
    if rounding == "trunc":
        return v.astype(np.intp)  # towards zero, as int() and astype(int) do
    return np.floor(v + 0.5).astype(np.intp)


def _sample(image, rows, cols, fill_value, outside):
    height, width = image.shape[:2]
    if outside == "wrap":
        return image[rows % height, cols % width]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    out = np.full_like(image, fill_value)
    out[inside] = image[rows[inside], cols[inside]]
    return out


def rotate_variant(
    image, angle, fill_value=0.0, direction=1, centre="middle", radians=False,
    outside="fill", rounding="half_up", forward=False,
):  # fmt: skip
    """``rotate_image`` with a known mistake: ``direction=-1`` (clockwise),
    ``centre="corner"`` (about pixel (0, 0)) or ``"half"`` (about (H/2, W/2)),
    ``radians`` (the angle in degrees given to cos and sin as radians),
    ``outside="wrap"`` (indices taken modulo the size instead of the fill),
    ``rounding="trunc"`` (``astype(int)`` instead of the nearest pixel),
    ``forward`` (each input pixel sent to its rounded image: holes)."""
    x_s, y_s = _sources(image.shape, angle, direction, centre, radians, forward)
    rows = _to_index(np.round(y_s, ref.SNAP_DECIMALS), rounding)
    cols = _to_index(np.round(x_s, ref.SNAP_DECIMALS), rounding)
    if not forward:
        return _sample(image, rows, cols, fill_value, outside)
    height, width = image.shape[:2]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    out = np.full_like(image, fill_value)
    out[rows[inside], cols[inside]] = image[inside]
    return out


def rotation_candidates(
    image, angle, fill_value=0.0, direction=1, centre="middle", radians=False,
    outside="fill", rounding="half_up", margin=1e-6,
):  # fmt: skip
    """The values each output pixel may take when its source coordinates are
    rounded after a perturbation of at most ``margin``: a learner's arithmetic
    or tie rule may pick either neighbour of a tie (or, when truncating, of an
    integer). Returns the (up to) four images obtained by choosing, for rows
    and columns, the lower or upper option."""
    x_s, y_s = _sources(image.shape, angle, direction, centre, radians)
    options = [
        [_to_index(v - margin, rounding), _to_index(v + margin, rounding)]
        for v in (y_s, x_s)
    ]
    return [
        _sample(image, rows, cols, fill_value, outside)
        for rows in options[0]
        for cols in options[1]
    ]


def _among(obtained, candidates):
    """True when every pixel of ``obtained`` equals that of some candidate."""
    expected = candidates[0]
    if not isinstance(obtained, np.ndarray) or obtained.shape != expected.shape:
        return False
    ok = np.zeros(expected.shape[:2], dtype=bool)
    for candidate in candidates:
        same = obtained == candidate
        ok |= same.all(axis=-1) if same.ndim == 3 else same
    return bool(ok.all())


def _rotation_mistake(hint, **flags):
    """A mistake recognised when the learner's image is the mistaken rotation,
    up to the neighbour picked at ties, and is not the right rotation up to
    ties (180 degrees clockwise is 180 degrees counter-clockwise). Without
    flags: the right rotation, but for the neighbour picked at some ties."""

    def test(kwargs, obtained):
        if np.array_equal(obtained, ref.rotate_image(**kwargs)):
            return False
        right = _among(obtained, rotation_candidates(**kwargs))
        if not flags:
            return right
        return not right and _among(obtained, rotation_candidates(**kwargs, **flags))

    return Mistake(hint, test=test)


def _rotate_case(label, image, angle, fill_value):
    return Case(label, {"image": image, "angle": angle, "fill_value": fill_value})


_SQUARE = np.arange(25, dtype=np.float64).reshape(5, 5)
_WIDE = np.arange(42, dtype=np.float32).reshape(6, 7) / 4


def _random_rotation(rng):
    image, fill = _random_image(rng)
    if rng.random() < 0.25:
        angle = float(90 * rng.integers(-4, 5))
    else:
        angle = float(np.round(rng.uniform(-180, 180), 1))
    return {"image": image, "angle": angle, "fill_value": fill}


rotate_image = FunctionExercise(
    "rotate_image",
    ref.rotate_image,
    readable_cases=[
        _rotate_case("tableau 5 × 5 numéroté, 90° (= np.rot90)", _SQUARE, 90, -1.0),
        _rotate_case(
            "chiffre 4 (8 × 8, uint8), 30°", _DIGIT_4.astype(np.uint8), 30, 9.0
        ),
        _rotate_case("tableau 6 × 7 (float32), −20°", _WIDE, -20, 0.5),
        _rotate_case(
            "tableau 5 × 8 numéroté, 90° (non carré : chaque point source tombe "
            "entre deux pixels)",
            np.arange(40, dtype=np.float64).reshape(5, 8),
            90,
            -1.0,
        ),
        _rotate_case("tableau 5 × 5 numéroté, 180°", _SQUARE, 180, -1.0),
        _rotate_case("chiffre 2 (8 × 8), 270° (= np.rot90, k = 3)", _DIGIT_2, 270, 5.0),
        _rotate_case(
            "image couleur 7 × 9 × 3 (uint8), 135°", _colour(7, 9), 135, 255.0
        ),
        _rotate_case("tableau 5 × 5 numéroté, 360° (identité)", _SQUARE, 360, -1.0),
        _rotate_case("tableau 6 × 7, 0° (identité)", _WIDE, 0, 0.5),
        _rotate_case(
            "chiffre 3 (8 × 8), −90° (non carré : 8 × 6)", _DIGIT_3[:, 1:7], -90, -2.0
        ),
    ],  # fmt: skip
    random_case=_random_rotation,
    mistakes=[
        Mistake(
            "les valeurs sont justes mais le dtype a changé : l'image renvoyée doit "
            "garder le dtype de l'entrée (np.full_like(image, fill_value) le "
            "conserve ; np.full(forme, fill_value) ou np.zeros(forme) donnent du "
            "float64).",
            test=lambda kw, out: _same_values(kw, out, ref.rotate_image),
        ),
        _rotation_mistake(
            "la rotation est dans le mauvais sens : un angle positif tourne l'image "
            "dans le sens inverse des aiguilles d'une montre à l'écran (comme "
            "np.rot90). Avec l'application inverse, le point source vaut "
            "x_s = cx + cos θ·x − sin θ·y et y_s = cy + sin θ·x + cos θ·y.",
            direction=-1,
        ),
        _rotation_mistake(
            "la rotation se fait autour du coin (0, 0) : elle doit se faire autour "
            "du centre ((H − 1)/2, (W − 1)/2) ; retranchez le centre avant de "
            "tourner et rajoutez-le après.",
            centre="corner",
        ),
        _rotation_mistake(
            "le centre est pris en (H/2, W/2) : le centre d'une image de W pixels "
            "(indices 0 à W − 1) est en (W − 1)/2.",
            centre="half",
        ),
        _rotation_mistake(
            "l'angle, donné en degrés, est passé tel quel à np.cos et np.sin, qui "
            "attendent des radians : convertissez avec np.deg2rad(angle).",
            radians=True,
        ),
        _rotation_mistake(
            "les indices sortant de l'image reviennent de l'autre côté (modulo) : "
            "un pixel dont la source est hors de l'image doit valoir fill_value.",
            outside="wrap",
        ),
        _rotation_mistake(
            "les coordonnées sources sont tronquées (astype(int)) au lieu d'être "
            "arrondies au pixel le plus proche : np.floor(np.round(v, 9) + 0.5).",
            rounding="trunc",
        ),
        Mistake(
            "chaque pixel d'entrée est envoyé vers son image (application directe), "
            "ce qui laisse des trous : parcourez plutôt les pixels de SORTIE et "
            "allez chercher leur antécédent (application inverse).",
            lambda image, angle, fill_value: rotate_variant(
                image, angle, fill_value, forward=True
            ),
        ),
        _rotation_mistake(
            "vos pixels ne diffèrent que là où le point source tombe pile entre "
            "deux pixels (un demi-entier) : arrondissez d'abord les coordonnées à "
            "9 décimales avec np.round(v, 9), puis prenez np.floor(v + 0.5), qui "
            "arrondit les demis vers le haut (np.round(v) et round(v) les "
            "arrondissent au pair le plus proche)."
        ),
    ],
    rtol=0.0,
    atol=0.0,
    n_random=5,
    forbidden=FORBIDDEN,
)
