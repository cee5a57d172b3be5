"""Checks of chapters 04 and 05: the optimizer classes SGD, Adagrad, RMSprop,
Adam, driven step by step against :mod:`solutions.optimizers` (itself tested
step for step against ``keras.optimizers``).

Each known mistake is modelled by a subclass of the reference that changes
one line of the update.
"""

import numpy as np

from grader.check import Case, FunctionExercise, Mistake
from solutions import optimizers as ref

_GRADS = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0])]


def _readable(init):
    return Case(
        f"theta0 = [1, -2], 3 pas, {', '.join(f'{k}={v}' for k, v in init.items())}",
        {"init": init, "theta0": np.array([1.0, -2.0]), "grads": _GRADS},
    )


def _random_steps(rng, init):
    shape = [(3,), (2, 2), (2, 1, 3)][int(rng.integers(3))]
    n_steps = int(rng.integers(8, 20))
    scale = float(rng.choice([0.01, 1.0, 10.0]))
    return {
        "init": init,
        "theta0": rng.normal(size=shape),
        "grads": [rng.normal(size=shape) * scale for _ in range(n_steps)],
    }


def _exercise(name, reference, readable_inits, random_init, mistakes):
    return FunctionExercise(
        name,
        reference,
        kind="class",
        readable_cases=[_readable(init) for init in readable_inits],
        random_case=lambda rng: _random_steps(rng, random_init(rng)),
        returns="path",
        path_step=("au pas", 1),
        rtol=1e-7,
        atol=1e-10,
        mistakes=[Mistake(hint, model) for hint, model in mistakes],
        forbidden=r"\bkeras\b|\btensorflow\b|\btf\.|\btorch\b|\boptax\b",
    )


# -- SGD with momentum ----------------------------------------------------------
class _SgdUphill(ref.SGD):
    def step(self, theta, grad):
        self.m = self.momentum * self._state(theta, "m") - self.learning_rate * grad
        return theta - self.m


class _SgdForgets(ref.SGD):
    def step(self, theta, grad):
        m = -self.learning_rate * grad
        if self.nesterov:
            return theta + self.momentum * m - self.learning_rate * grad
        return theta + m


class _SgdNoNesterov(ref.SGD):
    def step(self, theta, grad):
        self.m = self.momentum * self._state(theta, "m") - self.learning_rate * grad
        return theta + self.m


class _SgdTwice(ref.SGD):
    def step(self, theta, grad):
        self.m = self.momentum * self._state(theta, "m") - self.learning_rate * grad
        if self.nesterov:
            return theta + self.learning_rate * (
                self.momentum * self.m - self.learning_rate * grad
            )
        return theta + self.learning_rate * self.m


SGD = _exercise(
    "SGD",
    ref.SGD,
    [
        {"learning_rate": 0.1, "momentum": 0.5},
        {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True},
    ],
    lambda rng: {
        "learning_rate": float(rng.uniform(0.01, 0.2)),
        "momentum": float(rng.uniform(0.3, 0.95)),
        "nesterov": bool(rng.integers(2)),
    },
    [
        ("le signe de l'inertie est inversé : avec m = momentum·m − η·g, la mise "
         "à jour est θ + m (m pointe déjà vers la descente).", _SgdUphill),
        ("la vitesse m n'est pas conservée d'un pas à l'autre : gardez-la dans "
         "l'objet (self.m) et repartez de sa valeur précédente.", _SgdForgets),
        ("avec nesterov=True, la mise à jour doit être θ + momentum·m − η·g "
         "(regard en avant), pas θ + m comme l'inertie simple.", _SgdNoNesterov),
        ("le taux d'apprentissage est appliqué deux fois : il est déjà dans m.",
         _SgdTwice),
    ],
)  # fmt: skip


# -- Adagrad ----------------------------------------------------------------------
class _AdagradLinear(ref.Adagrad):
    def step(self, theta, grad):
        acc = self._state(theta, "accumulator", self.initial_accumulator_value)
        self.accumulator = acc + grad
        return theta - self.learning_rate * grad / np.sqrt(
            np.abs(self.accumulator) + self.epsilon
        )


class _AdagradFromZero(ref.Adagrad):
    def step(self, theta, grad):
        self.accumulator = self._state(theta, "accumulator", 0.0) + grad**2
        return theta - self.learning_rate * grad / np.sqrt(
            self.accumulator + self.epsilon
        )


class _AdagradEpsilonOutside(ref.Adagrad):
    def step(self, theta, grad):
        acc = self._state(theta, "accumulator", self.initial_accumulator_value)
        self.accumulator = acc + grad**2
        return theta - self.learning_rate * grad / (
            np.sqrt(self.accumulator) + self.epsilon
        )


Adagrad = _exercise(
    "Adagrad",
    ref.Adagrad,
    [{"learning_rate": 0.5, "initial_accumulator_value": 0.5, "epsilon": 0.01}],
    lambda rng: {
        "learning_rate": float(rng.uniform(0.05, 0.5)),
        "initial_accumulator_value": float(rng.uniform(0.05, 1.0)),
        "epsilon": float(rng.choice([1e-2, 1e-3])),
    },
    [
        ("l'accumulateur additionne les gradients ; il doit additionner leurs "
         "carrés (g**2).", _AdagradLinear),
        ("l'accumulateur doit partir de initial_accumulator_value, pas de 0.",
         _AdagradFromZero),
        ("epsilon est hors de la racine : Keras calcule sqrt(acc + epsilon).",
         _AdagradEpsilonOutside),
    ],
)  # fmt: skip


# -- RMSprop ----------------------------------------------------------------------
class _RmspropSwapped(ref.RMSprop):
    def step(self, theta, grad):
        v = self._state(theta, "velocity")
        self.velocity = (1 - self.rho) * v + self.rho * grad**2
        return theta - self.learning_rate * grad / np.sqrt(self.velocity + self.epsilon)


class _RmspropEpsilonOutside(ref.RMSprop):
    def step(self, theta, grad):
        v = self._state(theta, "velocity")
        self.velocity = self.rho * v + (1 - self.rho) * grad**2
        return theta - self.learning_rate * grad / (
            np.sqrt(self.velocity) + self.epsilon
        )


RMSprop = _exercise(
    "RMSprop",
    ref.RMSprop,
    [{"learning_rate": 0.1, "rho": 0.8, "epsilon": 0.01}],
    lambda rng: {
        "learning_rate": float(rng.uniform(0.01, 0.2)),
        "rho": float(rng.uniform(0.6, 0.95)),
        "epsilon": float(rng.choice([1e-2, 1e-3])),
    },
    [
        ("rho et 1 − rho sont inversés : v = rho·v + (1 − rho)·g².",
         _RmspropSwapped),
        ("epsilon est hors de la racine : Keras calcule sqrt(v + epsilon).",
         _RmspropEpsilonOutside),
    ],
)  # fmt: skip


# -- Adam -------------------------------------------------------------------------
class _AdamVariant(ref.Adam):
    """Adam with one mistake, chosen by the subclass's flags."""

    correct = True  # bias correction
    counter = "increment"  # or "frozen" (always 1), "zero" (t used before +1)
    swap = False  # m and v swapped in the update
    epsilon_inside = False
    corrupt_state = False  # the corrected moments are stored
    keras_epsilon = False  # epsilon scaled as Keras's (epsilon / sqrt(1 - beta_2^t))

    def step(self, theta, grad):
        if self.counter == "zero":
            t = self.iterations
            self.iterations += 1
        else:
            self.iterations = 1 if self.counter == "frozen" else self.iterations + 1
            t = self.iterations
        m, v = self._state(theta, "m"), self._state(theta, "v")
        self.m = self.beta_1 * m + (1 - self.beta_1) * grad
        self.v = self.beta_2 * v + (1 - self.beta_2) * grad**2
        m_hat, v_hat, epsilon = self.m, self.v, self.epsilon
        if self.correct:
            with np.errstate(all="ignore"):
                m_hat = self.m / (1 - self.beta_1**t)
                v_hat = self.v / (1 - self.beta_2**t)
                if self.keras_epsilon:
                    epsilon = self.epsilon / np.sqrt(1 - self.beta_2**t)
        if self.corrupt_state:
            self.m, self.v = m_hat, v_hat
        if self.swap:
            m_hat, v_hat = v_hat, m_hat
        with np.errstate(all="ignore"):
            if self.epsilon_inside:
                denominator = np.sqrt(v_hat + epsilon)
            else:
                denominator = np.sqrt(v_hat) + epsilon
            return theta - self.learning_rate * m_hat / denominator


def _adam(**flags):
    return type("AdamMistake", (_AdamVariant,), flags)


_ADAM_MISTAKES = [
    ("la correction du biais manque : au pas t, divisez m par 1 − beta_1^t "
     "et v par 1 − beta_2^t (ou utilisez alpha_t de Keras).", {"correct": False}),
    ("le compteur de pas n'avance pas : t doit valoir 1, 2, 3, … "
     "(self.iterations += 1 à chaque pas).", {"counter": "frozen"}),
    ("le compteur de pas part de 0 : au premier pas t = 1, sinon "
     "1 − beta^0 = 0 et la correction divise par zéro.", {"counter": "zero"}),
    ("m et v sont inversés : m (moyenne des gradients) au numérateur, "
     "sqrt(v) (moyenne des carrés) au dénominateur.", {"swap": True}),
    ("epsilon est sous la racine : Adam calcule sqrt(v) + epsilon.",
     {"epsilon_inside": True}),
    ("la correction du biais est appliquée aux moments stockés : gardez m et "
     "v sans correction d'un pas à l'autre, corrigez seulement la mise à "
     "jour.", {"corrupt_state": True}),
]  # fmt: skip

Adam = _exercise(
    "Adam",
    ref.Adam,
    [{"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 0.01}],
    lambda rng: {
        "learning_rate": float(rng.uniform(0.01, 0.2)),
        "beta_1": float(rng.uniform(0.6, 0.95)),
        "beta_2": float(rng.uniform(0.8, 0.999)),
        "epsilon": float(rng.choice([1e-2, 1e-3])),
    },
    [
        *(
            (hint, _adam(**flags, keras_epsilon=keras))
            for hint, flags in _ADAM_MISTAKES
            for keras in (True, False)
        ),
        ("epsilon est ajouté à sqrt(v̂) (forme du manuel) ; ce cours suit Keras : "
         "θ − alpha_t·m / (sqrt(v) + epsilon), avec alpha_t = η·sqrt(1 − "
         "beta_2^t) / (1 − beta_1^t).", _adam()),
    ],
)  # fmt: skip
