"""Build ``data/exemple_classe/``: an example class for the course's chapters.

Each submission is the published student notebook with its solution cells
filled in as a learner would. Run ``python tests/exemple_classe.py`` after a
change of the student notebook; ``tests/test_grading.py`` fails when the files
are out of date.
"""

import re
from pathlib import Path

import nbformat

from grader.nbconfig import CODE_STUB

ROOT = Path(__file__).resolve().parents[1]
CLASS_DIR = ROOT / "data" / "exemple_classe"
CHAPTER = "01_equation_normale"

CORRECT = {
    "add_bias": "return np.c_[np.ones((X.shape[0], 1)), X]",
    "predict": "return add_bias(X) @ theta",
    "mse": "return float(np.mean((y_pred - y_true) ** 2))",
    "rmse": "return float(np.sqrt(mse(y_true, y_pred)))",
    "normal_equation": (
        "X_b = add_bias(X)\nreturn np.linalg.inv(X_b.T @ X_b) @ X_b.T @ y"
    ),
}
CORRECT_02 = {
    "mse_gradient": (
        "X_b = np.c_[np.ones((len(X), 1)), X]\n"
        "return 2 / len(X) * X_b.T @ (X_b @ theta - y)"
    ),
    "numerical_gradient": (
        "theta = np.asarray(theta, dtype=float)\n"
        "grad = np.zeros_like(theta)\n"
        "for i in np.ndindex(theta.shape):\n"
        "    e = np.zeros_like(theta)\n"
        "    e[i] = epsilon\n"
        "    grad[i] = (f(theta + e) - f(theta - e)) / (2 * epsilon)\n"
        "return grad"
    ),
    "batch_gradient_descent": (
        "theta = theta0.copy()\n"
        "path = [theta]\n"
        "for _ in range(n_iterations):\n"
        "    theta = theta - learning_rate * mse_gradient(X, y, theta)\n"
        "    path.append(theta)\n"
        "return theta, path"
    ),
}
SGD_BODY = (
    "X_b = np.c_[np.ones((len(X), 1)), X]\n"
    "m = len(X_b)\n"
    "theta = theta0.copy()\n"
    "path = [theta]\n"
    "for epoch in range(n_epochs):\n"
    "    for i in range(m):\n"
    "        k = rng.randint(m)\n"
    "        xi, yi = X_b[k:k + 1], y[k:k + 1]\n"
    "        eta = learning_schedule(STEP, t0, t1)\n"
    "        theta = theta - eta * 2 * xi.T @ (xi @ theta - yi)\n"
    "        path.append(theta)\n"
    "return theta, path"
)
MINIBATCH_BODY = (
    "X_b = np.c_[np.ones((len(X), 1)), X]\n"
    "m = len(X_b)\n"
    "theta, path, t = theta0.copy(), [theta0.copy()], 0\n"
    "for epoch in range(n_epochs):\n"
    "    order = rng.permutation(m)\n"
    "    for start in range(0, STOP, batch_size):\n"
    "        b = order[start:start + batch_size]\n"
    "        g = 2 / len(b) * X_b[b].T @ (X_b[b] @ theta - y[b])\n"
    "        theta = theta - learning_schedule(t, t0, t1) * g\n"
    "        path.append(theta)\n"
    "        t += 1\n"
    "return theta, path"
)
CORRECT_03 = {
    "learning_schedule": "return t0 / (t + t1)",
    "stochastic_gradient_descent": SGD_BODY.replace("STEP", "epoch * m + i"),
    "minibatch_gradient_descent": MINIBATCH_BODY.replace("STOP", "m"),
}
CH02, CH03 = "02_descente_de_gradient", "03_sgd_mini_lots"
CH04, CH05 = "04_inertie_nesterov", "05_optimiseurs_adaptatifs"
SGD_STEP = (
    "if self.m is None:\n"
    "    self.m = np.zeros_like(theta)\n"
    "self.m = self.momentum * self.m - self.learning_rate * grad\n"
    "if self.nesterov:\n"
    "    return theta + (self.momentum * self.m - self.learning_rate * grad)\n"
    "return theta + self.m"
)
CORRECT_04 = {"SGD": ["self.m = None", SGD_STEP]}
ADAGRAD_STEP = (
    "if self.acc is None:\n"
    "    self.acc = np.full_like(theta, self.initial_accumulator_value)\n"
    "self.acc = self.acc + grad ** 2\n"
    "return theta - self.learning_rate * grad / np.sqrt(self.acc + self.epsilon)"
)
ADAM_STEP = (
    "if self.m is None:\n"
    "    self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)\n"
    "self.t += 1\n"
    "self.m = self.beta_1 * self.m + (1 - self.beta_1) * grad\n"
    "self.v = self.beta_2 * self.v + (1 - self.beta_2) * grad ** 2\n"
    "alpha = self.learning_rate * (1 - self.beta_2 ** self.t) ** 0.5 / (\n"
    "    1 - self.beta_1 ** self.t)\n"
    "return theta - alpha * self.m / (np.sqrt(self.v) + self.epsilon)"
)
CORRECT_05 = {
    "Adagrad": ["self.acc = None", ADAGRAD_STEP],
    "RMSprop": [
        "self.v = None",
        "if self.v is None:\n"
        "    self.v = np.zeros_like(theta)\n"
        "self.v = self.rho * self.v + (1 - self.rho) * grad ** 2\n"
        "return theta - self.learning_rate * grad / np.sqrt(self.v + self.epsilon)",
    ],
    "Adam": ["self.m = self.v = None\nself.t = 0", ADAM_STEP],
}

CH06, CH07 = "06_regularisation", "07_dropout"
STOPPING = (
    "best, best_epoch, wait = None, 0, 0\n"
    "for epoch, value in enumerate(val_losses):\n"
    "    wait += 1\n"
    "    if mode == 'min':\n"
    "        better = best is None or value + abs(min_delta) < best\n"
    "    else:\n"
    "        better = best is None or value - abs(min_delta) > best\n"
    "    if better:\n"
    "        best, best_epoch, wait = value, epoch, 0\n"
    "    elif wait >= patience and epoch > 0:\n"
    "        return epoch, best_epoch\n"
    "return len(val_losses) - 1, best_epoch"
)
CORRECT_06 = {
    "early_stopping_epoch": STOPPING,
    "l1_penalty": "return float(l1 * sum(np.abs(W).sum() for W, b in layers))",
    "l2_penalty": "return float(l2 * sum((W ** 2).sum() for W, b in layers))",
    "l1_gradient": "return [(l1 * np.sign(W), np.zeros_like(b)) for W, b in layers]",
    "l2_gradient": "return [(2 * l2 * W, np.zeros_like(b)) for W, b in layers]",
}
CORRECT_07 = {
    "dropout_forward": (
        "if not training or rate == 0:\n"
        "    return x.copy(), np.ones(x.shape, dtype=bool)\n"
        "mask = rng.random(x.shape) >= rate\n"
        "return np.where(mask, x / (1 - rate), 0.0).astype(x.dtype), mask"
    ),
    "dropout_backward": "return grad_out * mask / (1 - rate)",
}

CH08, CH09 = "08_gradients_instables", "09_normalisation_par_lots"
TRUNCATED = (
    "std = np.sqrt(VAR) / 0.87962566103423978\n"
    "w = rng.normal(0.0, std, size=(fan_in, fan_out))\n"
    "outside = np.abs(w) > 2 * std\n"
    "while outside.any():  # redraw what lies beyond 2 standard deviations\n"
    "    w[outside] = rng.normal(0.0, std, size=outside.sum())\n"
    "    outside = np.abs(w) > 2 * std\n"
    "return w"
)
CORRECT_08 = {
    "sigmoid": (
        "z = np.exp(-np.abs(x))\n"
        "return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype)"
    ),
    "sigmoid_derivative": "s = sigmoid(x)\nreturn s * (1 - s)",
    "tanh": (
        "u = np.expm1(-2 * np.abs(x))\n"
        "return (-np.sign(x) * u / (2 + u)).astype(x.dtype)"
    ),
    "tanh_derivative": "return 1 - tanh(x) ** 2",
    "relu": "return np.maximum(x, 0).astype(x.dtype)",
    "relu_derivative": "return (x > 0).astype(x.dtype)",
    "glorot_uniform": (
        "limit = np.sqrt(6 / (fan_in + fan_out))\n"
        "return rng.uniform(-limit, limit, size=(fan_in, fan_out))"
    ),
    "glorot_normal": TRUNCATED.replace("VAR", "2 / (fan_in + fan_out)"),
    "he_uniform": (
        "limit = np.sqrt(6 / fan_in)\n"
        "return rng.uniform(-limit, limit, size=(fan_in, fan_out))"
    ),
    "he_normal": TRUNCATED.replace("VAR", "2 / fan_in"),
}
BN_FORWARD = (
    "if training:\n"
    "    mean, var = x.mean(axis=0), x.var(axis=0)\n"
    "    new_state = {\n"
    "        'moving_mean': momentum * state['moving_mean'] + (1 - momentum) * mean,\n"
    "        'moving_variance': momentum * state['moving_variance']\n"
    "        + (1 - momentum) * var,\n"
    "    }\n"
    "else:\n"
    "    mean, var = state['moving_mean'], state['moving_variance']\n"
    "    new_state = {key: value.copy() for key, value in state.items()}\n"
    "inv_std = 1 / np.sqrt(var + epsilon)\n"
    "x_hat = (x - mean) * inv_std\n"
    "cache = {'x_hat': x_hat, 'inv_std': inv_std, 'gamma': gamma}\n"
    "return gamma * x_hat + beta, new_state, cache"
)
BN_BACKWARD = (
    "x_hat, inv_std, gamma = cache['x_hat'], cache['inv_std'], cache['gamma']\n"
    "m = len(grad_out)\n"
    "grad_beta = grad_out.sum(axis=0)\n"
    "grad_gamma = (grad_out * x_hat).sum(axis=0)\n"
    "grad_x = gamma * inv_std / m * (m * grad_out - grad_beta - x_hat * grad_gamma)\n"
    "return grad_x, grad_gamma, grad_beta"
)
CORRECT_09 = {"batchnorm_forward": BN_FORWARD, "batchnorm_backward": BN_BACKWARD}

CH10 = "10_augmentation_donnees"
SHIFT = (
    "height, width = image.shape[:2]\n"
    "out = np.full_like(image, fill_value)\n"
    "rows = slice(max(dy, 0), min(height + dy, height))\n"
    "cols = slice(max(dx, 0), min(width + dx, width))\n"
    "source_rows = slice(max(-dy, 0), min(height - dy, height))\n"
    "source_cols = slice(max(-dx, 0), min(width - dx, width))\n"
    "if rows.start < rows.stop and cols.start < cols.stop:\n"
    "    out[rows, cols] = image[source_rows, source_cols]\n"
    "return out"
)
ROTATE = (
    "height, width = image.shape[:2]\n"
    "theta = np.deg2rad(angle)\n"
    "cy, cx = (height - 1) / 2, (width - 1) / 2\n"
    "y, x = np.indices((height, width)) - np.array([cy, cx])[:, None, None]\n"
    "src_x = cx + np.cos(theta) * x - np.sin(theta) * y\n"
    "src_y = cy + np.sin(theta) * x + np.cos(theta) * y\n"
    "r = np.floor(np.round(src_y, 9) + 0.5).astype(int)\n"
    "c = np.floor(np.round(src_x, 9) + 0.5).astype(int)\n"
    "ok = (r >= 0) & (r < height) & (c >= 0) & (c < width)\n"
    "out = np.full_like(image, fill_value)\n"
    "out[ok] = image[r[ok], c[ok]]\n"
    "return out"
)
CORRECT_10 = {"shift_image": SHIFT, "rotate_image": ROTATE}

CH11 = "11_projet_synthese"
PROJECT = (
    "keras.utils.set_random_seed(0)\n"
    "layers = keras.layers\n"
    "model = keras.Sequential([\n"
    "    keras.Input((8, 8, 1)),\n"
    "    layers.RandomTranslation(1 / 16, 1 / 16, fill_mode='constant',\n"
    "                             interpolation='bilinear'),\n"
    "    layers.Flatten(),\n"
    "    layers.Dense(128, kernel_initializer='he_normal', use_bias=False),\n"
    "    layers.BatchNormalization(),\n"
    "    layers.Activation('relu'),\n"
    "    layers.Dropout(0.2),\n"
    "    layers.Dense(64, kernel_initializer='he_normal', use_bias=False),\n"
    "    layers.BatchNormalization(),\n"
    "    layers.Activation('relu'),\n"
    "    layers.Dropout(0.2),\n"
    "    layers.Dense(10, activation='softmax'),\n"
    "])\n"
    "model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),\n"
    "              loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=10,\n"
    "                                     restore_best_weights=True)\n"
    "shape = (-1, 8, 8, 1)\n"
    "fitted = model.fit(X_train.reshape(shape) / 16, y_train,\n"
    "                   validation_data=(X_valid.reshape(shape) / 16, y_valid),\n"
    "                   epochs=60, batch_size=64, callbacks=[stop], verbose=0)\n"
    "y_proba = model.predict(X_test.reshape(shape) / 16, verbose=0)\n"
    "return y_proba, fitted.history"
)

# per student, per chapter, the solution bodies; expected points are asserted
# exercise by exercise in tests/test_grading.py
STUDENTS = {
    # everything right
    "alice_martin": {
        CHAPTER: CORRECT,
        CH02: CORRECT_02,
        CH03: CORRECT_03,
        CH04: CORRECT_04,
        CH05: CORRECT_05,
        CH06: CORRECT_06,
        CH07: CORRECT_07,
        CH08: CORRECT_08,
        CH09: CORRECT_09,
        CH10: CORRECT_10,
        CH11: {"fit_and_predict": PROJECT},
    },
    # MSE without the mean, RMSE returns the MSE; gradient without its factor 2;
    # SGD step counter restarting at each epoch
    "bruno_petit": {
        CHAPTER: {
            **CORRECT,
            "mse": "return float(np.sum((y_pred - y_true) ** 2))",
            "rmse": "return float(np.mean((y_pred - y_true) ** 2))",
        },
        CH02: {
            **CORRECT_02,
            "mse_gradient": CORRECT_02["mse_gradient"].replace(
                "2 / len(X)", "1 / len(X)"
            ),
        },
        CH03: {
            **CORRECT_03,
            "stochastic_gradient_descent": SGD_BODY.replace("STEP", "i"),
        },
        # Nesterov written as plain momentum; Adam without bias correction
        CH04: {"SGD": ["self.m = None", SGD_STEP.replace("if self.nesterov", "if 0")]},
        CH05: {
            **CORRECT_05,
            "Adam": [
                "self.m = self.v = None\nself.t = 0",
                ADAM_STEP.replace(
                    "(1 - self.beta_2 ** self.t) ** 0.5 / (", "1 / ("
                ).replace("1 - self.beta_1 ** self.t)", "1)"),
            ],
        },
        # L2 with the textbook 1/2; patience never reset; no dropout rescaling
        CH06: {
            **CORRECT_06,
            "l2_penalty": CORRECT_06["l2_penalty"].replace("l2 *", "0.5 * l2 *"),
            "early_stopping_epoch": STOPPING.replace(
                "best, best_epoch, wait = value, epoch, 0",
                "best, best_epoch = value, epoch",
            ),
        },
        CH07: {
            **CORRECT_07,
            "dropout_forward": CORRECT_07["dropout_forward"].replace(
                "x / (1 - rate)", "x"
            ),
        },
        # the textbook sigmoid (overflows); He normal truncated but not corrected;
        # unbiased batch variance; backward without the terms through mean and var
        CH08: {
            **CORRECT_08,
            "sigmoid": "return 1 / (1 + np.exp(-x))",
            "he_normal": CORRECT_08["he_normal"].replace(" / 0.87962566103423978", ""),
        },
        CH09: {
            "batchnorm_forward": BN_FORWARD.replace(
                "x.var(axis=0)", "x.var(axis=0, ddof=1)"
            ),
            "batchnorm_backward": BN_BACKWARD.replace(
                "(m * grad_out - grad_beta - x_hat * grad_gamma)", "m * grad_out"
            ),
        },
        # the predicted classes returned instead of the probabilities
        CH11: {
            "fit_and_predict": PROJECT.replace(
                "return y_proba,", "return y_proba.argmax(axis=1),"
            )
        },
        # np.roll alone (wrap-around); the rotation in the wrong direction
        CH10: {
            "shift_image": "return np.roll(image, (dy, dx), axis=(0, 1))",
            "rotate_image": ROTATE.replace(
                "theta = np.deg2rad(angle)", "theta = np.deg2rad(-angle)"
            ),
        },
    },
    # the untouched student notebooks
    # (chapters 05-07 train Keras models: left out to keep the suite short)
    "chloe_durand": {CHAPTER: {}, CH02: {}, CH03: {}, CH04: {}},
    # a syntax error in mse; normal_equation raises NameError; a one-sided
    # numerical gradient; no chapter 03 handed in; AdaGrad's epsilon outside
    "david_moreau": {
        CHAPTER: {
            **CORRECT,
            "mse": "return float(np.mean((y_pred - y_true) ** 2)",
            "normal_equation": "X_b = add_bias(X)\n"
            "return np.linalg.solve(X_b.T @ X_b, Y)",
        },
        CH02: {
            **CORRECT_02,
            "numerical_gradient": CORRECT_02["numerical_gradient"].replace(
                "f(theta - e)) / (2 * epsilon)", "f(theta)) / epsilon"
            ),
        },
        # AdaGrad with epsilon outside the root
        CH05: {
            **CORRECT_05,
            "Adagrad": [
                "self.acc = None",
                ADAGRAD_STEP.replace(
                    "np.sqrt(self.acc + self.epsilon)",
                    "(np.sqrt(self.acc) + self.epsilon)",
                ),
            ],
        },
    },
    # a folder name with accents and a space; bias column appended last;
    # the last incomplete mini-batch dropped
    "Élodie Lefèvre": {
        CHAPTER: {**CORRECT, "add_bias": "return np.c_[X, np.ones((X.shape[0], 1))]"},
        CH03: {
            **CORRECT_03,
            "minibatch_gradient_descent": MINIBATCH_BODY.replace(
                "STOP", "m - m % batch_size"
            ),
        },
    },
}


def fill(nb, answers):
    """Replace the stubs of each answered solution cell by the answer.

    An answer is a body, or a list of bodies for a cell with several stubs (a
    class: ``__init__`` then ``step``), each indented like the stub it replaces.
    """
    nb = nbformat.from_dict(nb)
    stub = re.compile(
        r"^( *)" + re.escape(CODE_STUB.splitlines()[0]) + r"\n\1"
        + re.escape(CODE_STUB.splitlines()[1]) + r"$", re.MULTILINE,
    )  # fmt: skip
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        bodies = answers[grade_id]
        bodies = [bodies] if isinstance(bodies, str) else list(bodies)
        found = stub.findall(cell.source)
        assert len(found) == len(bodies), f"{grade_id}: {len(found)} stubs"
        for body in bodies:
            cell.source = stub.sub(
                lambda match, body=body: "\n".join(
                    match.group(1) + line for line in body.splitlines()
                ),
                cell.source,
                count=1,
            )
    return nb


def build(out_dir=CLASS_DIR):
    """Write every example submission into ``out_dir``; return the paths."""
    paths = []
    for student, chapters in STUDENTS.items():
        for chapter, answers in chapters.items():
            source = ROOT / "notebooks" / f"{chapter}.ipynb"
            if not source.exists():
                continue
            student_nb = nbformat.read(source, as_version=4)
            path = Path(out_dir) / student / f"{chapter}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(nbformat.writes(fill(student_nb, answers)) + "\n", "utf-8")
            paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
