"""Shifts and rotations of images, written by hand (chapitre 10).

Shapes: an image is ``(H, W)`` (grey levels) or ``(H, W, C)`` (``C``
channels, ``channels_last`` as in Keras); row 0 is the top of the picture and
column 0 its left edge. Both functions return a new image of the same shape
and dtype, the pixels coming from outside the input taking ``fill_value``
(Keras's ``fill_mode="constant"``).
"""

import numpy as np

SNAP_DECIMALS = 9
"""Source coordinates are rounded to this many decimals before the nearest
pixel is taken, so that floating-point noise (``cos(pi / 2)`` is ``6e-17``,
not 0) cannot decide a tie."""


def shift_image(image, dx, dy, fill_value=0.0):
    """Translate an image by a whole number of pixels, filling what comes in.

    The pixel at row ``i``, column ``j`` of the output is the input pixel at
    row ``i - dy``, column ``j - dx`` when that pixel exists, and
    ``fill_value`` otherwise::

        out[i, j] = image[i - dy, j - dx]   if 0 <= i - dy < H and 0 <= j - dx < W
                  = fill_value              otherwise

    A positive ``dx`` moves the content to the right (towards larger column
    indices), a positive ``dy`` moves it down (towards larger row indices). It
    is ``np.roll`` followed by the fill of the band that wrapped around; a
    shift of ``W`` columns or more (``H`` rows or more) leaves only
    ``fill_value``. Shifts by a few pixels are the augmentation Simard et al.
    (2003) and Krizhevsky et al. (2012, random 224 x 224 crops) applied.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), any numeric dtype
        Not modified.
    dx, dy : int
        Shift in columns (to the right) and in rows (down); negative values
        shift left and up.
    fill_value : scalar, default=0.0
        Value of the pixels that enter from outside, converted to the image's
        dtype as numpy's assignment does (choose a value the dtype can hold).

    Returns
    -------
    ndarray of the same shape and dtype as ``image``

    References
    ----------
    P. Y. Simard, D. Steinkraus, J. C. Platt, "Best practices for
    convolutional neural networks applied to visual document analysis", ICDAR
    2003.
    """
    image = np.asarray(image)
    height, width = image.shape[:2]
    out = np.roll(image, (dy, dx), axis=(0, 1))  # a new array
    if dy > 0:
        out[: min(dy, height)] = fill_value
    elif dy < 0:
        out[max(height + dy, 0) :] = fill_value
    if dx > 0:
        out[:, : min(dx, width)] = fill_value
    elif dx < 0:
        out[:, max(width + dx, 0) :] = fill_value
    return out


def rotation_sources(shape, angle):
    """Source pixel of each output pixel of a rotation, before the bounds test.

    For the output pixel at row ``i``, column ``j``, with ``x = j - cx`` and
    ``y = i - cy`` its position relative to the centre
    ``(cy, cx) = ((H - 1) / 2, (W - 1) / 2)`` and ``theta`` the angle in
    radians, the source point (inverse mapping) is::

        x_s = cx + cos(theta) * x - sin(theta) * y
        y_s = cy + sin(theta) * x + cos(theta) * y

    Rows grow downwards, so a positive ``theta`` turns the picture
    counter-clockwise as seen on screen, like ``np.rot90`` with ``k=1`` and
    ``keras.layers.RandomRotation`` with a positive factor (the same matrix as
    Keras's ``_compute_affine_matrix``). The nearest pixel is taken after
    rounding ``x_s`` and ``y_s`` to :data:`SNAP_DECIMALS` decimals, ties going
    up: ``floor(v + 1/2)``.

    Parameters
    ----------
    shape : tuple
        ``(H, W, ...)``; only ``H`` and ``W`` are used.
    angle : float
        In degrees, positive counter-clockwise.

    Returns
    -------
    rows, cols : ndarray of int, of shape (H, W)
        Row and column of the source pixel; may lie outside the image.
    """
    height, width = shape[:2]
    theta = np.deg2rad(angle)
    cos, sin = np.cos(theta), np.sin(theta)
    cy, cx = (height - 1) / 2, (width - 1) / 2
    i, j = np.indices((height, width), dtype=np.float64)
    x, y = j - cx, i - cy
    x_s = cx + cos * x - sin * y
    y_s = cy + sin * x + cos * y
    rows = np.floor(np.round(y_s, SNAP_DECIMALS) + 0.5).astype(np.intp)
    cols = np.floor(np.round(x_s, SNAP_DECIMALS) + 0.5).astype(np.intp)
    return rows, cols


def rotate_image(image, angle, fill_value=0.0):
    """Rotate an image about its centre, nearest neighbour, by inverse mapping.

    Each output pixel takes the value of the input pixel nearest to its
    pre-image by the rotation (:func:`rotation_sources` gives the formula,
    the centre ``((H - 1) / 2, (W - 1) / 2)`` and the rounding rule), or
    ``fill_value`` when that pixel lies outside the input. Mapping backwards,
    from output to input, gives every output pixel exactly one value; mapping
    each input pixel forwards would leave holes.

    The output keeps the input's shape, so corners are cut off and filled. For
    a square image, 90, 180 and 270 degrees give exactly ``np.rot90`` with
    ``k = 1, 2, 3``, and 0 or 360 degrees the image itself. A rotation by 180
    degrees is ``np.rot90(image, 2)`` for any shape. Keras's
    ``RandomRotation(factor=(f, f), fill_mode="constant",
    interpolation="nearest")`` computes the same mapping for ``angle = 360 f``
    in float32 and rounds ties away from zero, so a few pixels may differ
    where the source point is within float32 precision of a tie or of the
    border.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), any numeric dtype
        Not modified.
    angle : float
        In degrees; positive turns the picture counter-clockwise on screen.
    fill_value : scalar, default=0.0
        Value of the pixels whose source lies outside the input, converted to
        the image's dtype.

    Returns
    -------
    ndarray of the same shape and dtype as ``image``

    References
    ----------
    P. Y. Simard, D. Steinkraus, J. C. Platt, "Best practices for
    convolutional neural networks applied to visual document analysis", ICDAR
    2003. R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed.,
    2022, section 3.6 (inverse warping).
    """
    image = np.asarray(image)
    height, width = image.shape[:2]
    rows, cols = rotation_sources(image.shape, angle)
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    out = np.full_like(image, fill_value)
    out[inside] = image[rows[inside], cols[inside]]
    return out
