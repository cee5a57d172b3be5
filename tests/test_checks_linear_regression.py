"""The checks of chapter 01 pass on the reference and fail, with a named hint,
on the common mistakes, written here as a learner would write them."""

import numpy as np
import pytest

import solutions as ref
from grader import CheckFailed, NotAttempted, verifier
from tests.conftest import fail_message as _fail

EXERCISES = ["add_bias", "predict", "mse", "rmse", "normal_equation"]


@pytest.mark.parametrize("name", EXERCISES)
def test_reference_passes_quietly(name, capsys):
    verifier(name, getattr(ref, name))
    verifier(name, getattr(ref, name), hidden=True)
    out = capsys.readouterr()
    assert out.out.startswith(f"✔ Exercice « {name} » réussi")
    assert out.err == ""


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_is_not_attempted(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttempted, match="non traité"):
        verifier(name, stub)


@pytest.mark.parametrize("name", EXERCISES)
def test_not_a_function_fails(name):
    message = _fail(name, None)
    assert "doit être une fonction" in message


def test_unknown_exercise_is_named():
    with pytest.raises(CheckFailed, match="Exercice inconnu"):
        verifier("nope", ref.mse)


def test_failure_message_says_call_expected_obtained():
    def mse(y_true, y_pred):
        return float(np.sum((y_pred - y_true) ** 2))

    message = _fail("mse", mse)
    for part in ["Appel : mse(y_true, y_pred)", "Attendu : ", "Obtenu : ", "Indice"]:
        assert part in message


# -- add_bias -------------------------------------------------------------------


def test_add_bias_column_last():
    def add_bias(X):
        return np.c_[X, np.ones(len(X))]

    assert "ajoutée en dernier" in _fail("add_bias", add_bias)


def test_add_bias_forgotten():
    def add_bias(X):
        return X

    assert "sans la colonne de biais" in _fail("add_bias", add_bias)


def test_add_bias_zeros():
    def add_bias(X):
        return np.hstack([np.zeros((X.shape[0], 1)), X])

    assert "colonne de zéros" in _fail("add_bias", add_bias)


def test_add_bias_row_instead_of_column():
    def add_bias(X):
        return np.concatenate([np.ones((1, X.shape[1])), X], axis=0)

    assert "ligne de uns" in _fail("add_bias", add_bias)


def test_add_bias_in_place_mutation_is_reported():
    def add_bias(X):
        X_b = np.c_[np.ones(len(X)), X]
        X[:] = 0.0
        return X_b

    assert "modifié en place" in _fail("add_bias", add_bias)


def test_add_bias_integer_dtype():
    def add_bias(X):
        return np.c_[np.ones(len(X), dtype=int), X.astype(int)]

    assert "Dtype : float64 attendu" in _fail("add_bias", add_bias)


# -- predict ----------------------------------------------------------------------


def test_predict_bias_forgotten():
    def predict(X, theta):
        return X @ theta[1:]

    assert "θ₀ est oublié" in _fail("predict", predict)


def test_predict_transposed():
    def predict(X, theta):
        X_b = np.c_[np.ones(len(X)), X]
        return theta.T @ X_b.T

    assert "transposé" in _fail("predict", predict)


def test_predict_elementwise_product():
    def predict(X, theta):
        X_b = np.c_[np.ones(len(X)), X]
        return X_b * theta.T

    assert "terme à terme" in _fail("predict", predict)


def test_predict_bias_last():
    def predict(X, theta):
        return np.c_[X, np.ones(len(X))] @ theta

    assert "placée en dernier" in _fail("predict", predict)


def test_predict_shape_error_gets_a_hint():
    def predict(X, theta):
        return X @ theta

    message = _fail("predict", predict)
    assert "ValueError" in message and "vérifiez les formes" in message


# -- mse ----------------------------------------------------------------------------


def test_mse_without_mean():
    def mse(y_true, y_pred):
        return ((y_pred - y_true) ** 2).sum()

    assert "somme des carrés" in _fail("mse", mse)


def test_mse_with_half():
    def mse(y_true, y_pred):
        return 0.5 * np.mean((y_true - y_pred) ** 2)

    assert "facteur 1/2" in _fail("mse", mse)


def test_mse_returns_rmse():
    def mse(y_true, y_pred):
        return np.sqrt(np.mean((y_true - y_pred) ** 2))

    assert "c'est la RMSE" in _fail("mse", mse)


def test_mse_absolute_error():
    def mse(y_true, y_pred):
        return np.mean(np.abs(y_true - y_pred))

    assert "MAE" in _fail("mse", mse)


def test_mse_square_of_mean():
    def mse(y_true, y_pred):
        return np.mean(y_pred - y_true) ** 2

    assert "carré de l'erreur moyenne" in _fail("mse", mse)


def test_mse_array_instead_of_number():
    def mse(y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2, axis=0, keepdims=True)

    assert "un nombre est attendu" in _fail("mse", mse)


# -- rmse ---------------------------------------------------------------------------


def test_rmse_returns_mse():
    def rmse(y_true, y_pred):
        return np.mean((y_pred - y_true) ** 2)

    assert "vous renvoyez la MSE" in _fail("rmse", rmse)


def test_rmse_root_of_sum():
    def rmse(y_true, y_pred):
        return np.sqrt(np.sum((y_pred - y_true) ** 2))

    assert "racine de la somme" in _fail("rmse", rmse)


def test_rmse_mean_of_roots():
    def rmse(y_true, y_pred):
        return np.mean(np.sqrt((y_pred - y_true) ** 2))

    assert "après la moyenne" in _fail("rmse", rmse)


# -- normal_equation -------------------------------------------------------------------


def test_normal_equation_on_X_instead_of_X_b():
    def normal_equation(X, y):
        return np.linalg.inv(X.T @ X) @ X.T @ y

    assert "appliquée à X au lieu de X_b" in _fail("normal_equation", normal_equation)


def test_normal_equation_bias_last():
    def normal_equation(X, y):
        X_b = np.hstack([X, np.ones((len(X), 1))])
        return np.linalg.pinv(X_b) @ y

    message = _fail("normal_equation", normal_equation)
    assert "biais est en dernier" in message


def test_normal_equation_transposition_error():
    def normal_equation(X, y):
        X_b = np.c_[np.ones(len(X)), X]
        return np.linalg.inv(X_b.T @ X_b) @ X_b @ y

    assert "vérifiez les transpositions" in _fail("normal_equation", normal_equation)


def test_normal_equation_flat_theta():
    def normal_equation(X, y):
        X_b = np.c_[np.ones(len(X)), X]
        return np.linalg.lstsq(X_b, y.ravel(), rcond=None)[0]

    assert "une dimension" in _fail("normal_equation", normal_equation)


def test_normal_equation_with_inv_or_lstsq_passes():
    def normal_equation(X, y):
        X_b = np.c_[np.ones(len(X)), X]
        return np.linalg.inv(X_b.T @ X_b) @ X_b.T @ y

    verifier("normal_equation", normal_equation, hidden=True)


# -- stderr ---------------------------------------------------------------


def test_warnings_and_stderr_of_a_correct_answer_stay_silent(capfd):
    import sys
    import warnings

    def mse(y_true, y_pred):
        print("journal sur stderr", file=sys.stderr)
        warnings.warn("avertissement sans conséquence", stacklevel=1)
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero
        return float(np.mean((y_pred - y_true) ** 2))

    verifier("mse", mse)
    captured = capfd.readouterr()
    assert captured.err == ""
    assert "réussi" in captured.out
