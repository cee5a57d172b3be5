"""Checks for the datasets shipped in ``data/``.

Each file is checked twice: its SHA-256 must match the value recorded in
``data/README.md``, and its content must match an independent loader
(scikit-learn's ``load_digits``, ``load_iris`` and ``load_sample_images``),
plus facts documented by the original sources (UCI class counts, Fisher's
values).
"""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits, load_iris, load_sample_images

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
README = DATA_DIR / "README.md"
FILES = ["digits.csv.gz", "iris.csv", "china.jpg", "flower.jpg"]
PHOTOS = ["china.jpg", "flower.jpg"]

# Test-set class counts for digits 0..9, from UCI's optdigits.names.
UCI_DIGITS_TEST_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def readme_sha256(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    pattern = rf"^\|\s*`{re.escape(name)}`\s*\|.*`([0-9a-f]{{64}})`"
    matches = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(matches) == 1, f"expected one sha256 row for {name} in README.md"
    return matches[0]


@pytest.fixture(scope="module")
def digits_table() -> np.ndarray:
    return np.loadtxt(DATA_DIR / "digits.csv.gz", delimiter=",", dtype=np.int64)


@pytest.fixture(scope="module")
def sample_images() -> dict[str, np.ndarray]:
    bunch = load_sample_images()
    return {
        Path(f).name: img for f, img in zip(bunch.filenames, bunch.images, strict=True)
    }


@pytest.mark.parametrize("name", FILES)
def test_sha256_matches_readme(name: str) -> None:
    assert sha256(DATA_DIR / name) == readme_sha256(name)


def test_digits_shape_and_values(digits_table: np.ndarray) -> None:
    assert digits_table.shape == (1797, 65)
    pixels, labels = digits_table[:, :64], digits_table[:, 64]
    assert pixels.min() == 0
    assert pixels.max() == 16
    assert np.bincount(labels).tolist() == UCI_DIGITS_TEST_COUNTS


def test_digits_equal_sklearn_loader(digits_table: np.ndarray) -> None:
    reference = load_digits()
    np.testing.assert_array_equal(digits_table[:, :64], reference.data)
    np.testing.assert_array_equal(digits_table[:, 64], reference.target)
    np.testing.assert_array_equal(
        digits_table[:, :64].reshape(-1, 8, 8), reference.images
    )


def test_iris_header_and_values() -> None:
    path = DATA_DIR / "iris.csv"
    header = path.read_text(encoding="ascii").splitlines()[0]
    assert header == "150,4,setosa,versicolor,virginica"
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    assert table.shape == (150, 5)
    features, labels = table[:, :4], table[:, 4].astype(np.int64)
    assert np.bincount(labels).tolist() == [50, 50, 50]
    np.testing.assert_array_equal(features.min(axis=0), [4.3, 2.0, 1.0, 0.1])
    np.testing.assert_array_equal(features.max(axis=0), [7.9, 4.4, 6.9, 2.5])
    # Samples 35 and 38 follow Fisher's paper, not the UCI file.
    np.testing.assert_array_equal(features[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(features[37], [4.9, 3.6, 1.4, 0.1])


def test_iris_equal_sklearn_loader() -> None:
    path = DATA_DIR / "iris.csv"
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    reference = load_iris()
    np.testing.assert_array_equal(table[:, :4], reference.data)
    np.testing.assert_array_equal(table[:, 4].astype(np.int64), reference.target)
    header = path.read_text(encoding="ascii").splitlines()[0].split(",")
    assert header[2:] == list(reference.target_names)


@pytest.mark.parametrize("name", PHOTOS)
def test_photo_opens_with_expected_size(name: str) -> None:
    with Image.open(DATA_DIR / name) as img:
        assert img.format == "JPEG"
        assert img.mode == "RGB"
        assert img.size == (640, 427)


@pytest.mark.parametrize("name", PHOTOS)
def test_photo_equals_sklearn_pixels(
    name: str, sample_images: dict[str, np.ndarray]
) -> None:
    with Image.open(DATA_DIR / name) as img:
        pixels = np.asarray(img.convert("RGB"))
    assert pixels.shape == (427, 640, 3)
    assert pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, sample_images[name])
