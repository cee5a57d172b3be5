"""Run a learner's notebook in a separate, confined process.

This module is executed as a script inside the sandbox (``python -I runner.py``)
and must import nothing but the standard library and numpy: neither
:mod:`grader` nor :mod:`solutions` is visible there. The grading process
imports it too, for :func:`call`, :func:`encode` and :func:`decode`, so that
the learner's code is called the same way in a notebook (``verifier``) and in
the sandbox.

Protocol: JSON lines. The grading process writes the program (the cells) on
the runner's stdin; the runner answers on its stdout, one message per cell
(``{"t": "cell"}``), and at each exercise check asks for the inputs
(``{"t": "check"}``), receives them, and sends back the raw outputs
(``{"t": "outputs"}``). The learner's own prints never reach that channel.
"""

import base64
import contextlib
import io
import json
import os
import sys
import types
import warnings

import numpy as np

MAX_TEXT = 4000  # characters kept of what a cell prints
MAX_BYTES = 64 * 2**20  # largest array sent back
_DTYPE_KINDS = "biufc"


# -- calling the learner's code --------------------------------------------
def explain(exc):
    """Python's message of an exception, with a French gloss for common ones."""
    try:
        text = str(exc)
    except Exception:  # a learner's exception class with a broken __str__
        text = "(message illisible)"
    if isinstance(exc, NameError) and getattr(exc, "name", None):
        text += f" (le nom `{exc.name}` n'est pas défini à cet endroit)"
    return text[:MAX_TEXT]


def kind_of(obj):
    """What the learner defined under an exercise's name, as plain data."""
    if obj is _MISSING:
        return {"kind": "missing", "type": ""}
    if isinstance(obj, type):
        return {"kind": "class", "type": obj.__name__}
    if callable(obj):
        return {"kind": "function", "type": type(obj).__name__}
    return {"kind": "other", "type": type(obj).__name__}


_MISSING = object()


class Fn:
    """A test function given as data: ``f(t) = sum(a t^3) + t^T A t / 2 + b^T t``.

    ``t`` is the flattened argument. Its gradient is ``3 a t^2 + A t + b``
    (``A`` symmetric). Being plain data, it crosses the sandbox boundary.
    """

    def __init__(self, a, A, b):
        self.a, self.A, self.b = (np.asarray(v, dtype=float) for v in (a, A, b))

    def __call__(self, theta):
        t = np.asarray(theta, dtype=float).ravel()
        return float(np.sum(self.a * t**3) + 0.5 * t @ self.A @ t + self.b @ t)

    def gradient(self, theta):
        t = np.asarray(theta, dtype=float)
        flat = t.ravel()
        return (3 * self.a * flat**2 + self.A @ flat + self.b).reshape(t.shape)

    def describe(self):
        return (
            f"fonction f(θ) = Σ aᵢ θᵢ³ + θᵀAθ/2 + bᵀθ de {self.b.size} variable(s), "
            f"a = {np.round(self.a, 3).tolist()}, b = {np.round(self.b, 3).tolist()}"
        )


class RandomSource:
    """A seed for a fresh random source, created at each call: a legacy
    ``np.random.RandomState``, or a ``np.random.Generator`` (``generator``)."""

    def __init__(self, seed, generator=False):
        self.seed = int(seed)
        self.generator = bool(generator)

    def make(self):
        if self.generator:
            return np.random.default_rng(self.seed)
        return np.random.RandomState(self.seed)

    def describe(self):
        if self.generator:
            return f"np.random.default_rng({self.seed})"
        return f"np.random.RandomState({self.seed})"


def _fresh(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, RandomSource):
        return value.make()
    if type(value) in (list, tuple):
        return type(value)(_fresh(v) for v in value)
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value


def copy_inputs(kwargs):
    """Fresh copies of the inputs (arrays inside lists, tuples and dicts too),
    so that the originals stay untouched."""
    return {key: _fresh(value) for key, value in kwargs.items()}


def _same(a, b):
    if type(a) in (list, tuple, dict):
        if type(b) is not type(a) or len(a) != len(b):
            return False
        if type(a) is dict:
            return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    if not isinstance(a, np.ndarray):
        return True
    return (
        isinstance(b, np.ndarray)
        and a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a, b, equal_nan=True)
    )


def drive(cls, init, theta0, grads):
    """Instantiate an optimizer class and apply ``step`` to each gradient.

    Returns the parameters after each step (copies).
    """
    optimizer = cls(**init)
    theta, thetas = theta0, []
    for grad in grads:
        theta = optimizer.step(theta, grad.copy())
        thetas.append(theta.copy() if isinstance(theta, np.ndarray) else theta)
    return thetas


def call(obj, kwargs, kind="function"):
    """Call ``obj(**kwargs)`` on copies of the inputs; nothing reaches stderr.

    For a class (``kind="class"``), ``kwargs`` are those of :func:`drive`.

    Returns
    -------
    dict
        ``value`` (what was returned), ``error`` (``[type name, message]`` or
        None), ``mutated`` (names of array arguments changed in place) and
        ``warnings`` (their messages).
    """
    given = copy_inputs(kwargs)
    value, error = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stderr(io.StringIO()), np.errstate(all="warn"):
            try:
                value = drive(obj, **given) if kind == "class" else obj(**given)
            except NotImplementedError:
                error = ["NotImplementedError", ""]
            except MemoryError:
                error = ["MemoryError", "mémoire épuisée"]
            except Exception as exc:  # the learner's bug, reported in French
                error = [type(exc).__name__, explain(exc)]
    mutated = [  # an optimizer may update its parameters in place, as Keras does
        k
        for k, v in kwargs.items()
        if kind == "function"
        and isinstance(v, np.ndarray | list | tuple | dict)
        and not _same(v, given[k])
    ]
    return {
        "value": value,
        "error": error,
        "mutated": mutated,
        "warnings": [explain(w.message) for w in caught][:5],
    }


# -- plain data across the process boundary --------------------------------------------
class Opaque:
    """A value that is not plain data (an object of the learner's), described."""

    def __init__(self, type_name, text):
        self.type_name = str(type_name)[:200]
        self.text = str(text)[:200]

    def __repr__(self):
        return f"<objet {self.type_name} : {self.text}>"


def encode(value, depth=0):
    """Encode a value as JSON-able plain data; anything else becomes opaque."""
    if type(value) in (type(None), bool, int, float, str):  # subclasses: opaque
        return value[:MAX_TEXT] if type(value) is str else value
    if type(value) is np.ndarray or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.kind not in _DTYPE_KINDS or arr.nbytes > MAX_BYTES:
            return _opaque(value)
        return {
            "__nd__": arr.dtype.str,
            "shape": list(arr.shape),
            "scalar": isinstance(value, np.generic),
            "data": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode(),
        }
    if isinstance(value, Fn):
        return {"__fn__": [encode(value.a), encode(value.A), encode(value.b)]}
    if isinstance(value, RandomSource):
        return {"__rng__": value.seed, "generator": value.generator}
    if type(value) in (list, tuple) and depth < 4 and len(value) <= 100_000:
        return {
            "__seq__": type(value).__name__,
            "items": [encode(v, depth + 1) for v in value],
        }
    if type(value) is dict and depth < 4 and len(value) <= 1000:
        return {
            "__map__": [
                [encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()
            ]
        }
    return _opaque(value)


def _opaque(value):
    try:
        text = repr(value)
    except Exception:
        text = "?"
    return {"__opaque__": type(value).__name__, "repr": str(text)[:200]}


def decode(data, depth=0):
    """Decode :func:`encode`'s output, trusting nothing in it."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if depth > 5 or type(data) is not dict:
        raise ValueError("donnée invalide")
    if "__nd__" in data:
        dtype = np.dtype(str(data["__nd__"]))
        if dtype.kind not in _DTYPE_KINDS or dtype.itemsize > 16:
            raise ValueError("dtype refusé")
        shape = tuple(int(n) for n in data["shape"])
        if len(shape) > 32 or any(n < 0 for n in shape):
            raise ValueError("forme invalide")
        raw = base64.b64decode(str(data["data"]), validate=True)
        if len(raw) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise ValueError("taille incohérente")
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return arr[()] if data.get("scalar") and arr.ndim == 0 else arr
    if "__seq__" in data:
        items = [decode(v, depth + 1) for v in data["items"]]
        return tuple(items) if data["__seq__"] == "tuple" else items
    if "__map__" in data:
        return {
            _hashable(decode(k, depth + 1)): decode(v, depth + 1)
            for k, v in data["__map__"]
        }
    if "__fn__" in data:
        return Fn(*(decode(v, depth + 1) for v in data["__fn__"][:3]))
    if "__rng__" in data:
        return RandomSource(int(data["__rng__"]), bool(data.get("generator")))
    if "__opaque__" in data:
        return Opaque(data["__opaque__"], data.get("repr", ""))
    raise ValueError("donnée invalide")


def _hashable(key):
    return key if isinstance(key, str | int | float | bool | type(None)) else repr(key)


# -- the sandboxed process --------------------------------------------
class _Capture(io.TextIOBase):
    """Keeps the first MAX_TEXT characters a cell prints, counts the rest."""

    def __init__(self):
        self.parts, self.size = [], 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        if self.size < MAX_TEXT:
            self.parts.append(text[: MAX_TEXT - self.size])
        self.size += len(text)
        return len(text)

    def take(self):
        text = "".join(self.parts)
        if self.size > MAX_TEXT:
            text += f"\n[… {self.size - MAX_TEXT} caractères de sortie omis]"
        self.parts, self.size = [], 0
        return text


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # no event loop here: %matplotlib works
            pass

        @contextlib.contextmanager
        def _tee(self, channel):  # IPython would keep every printed line in memory
            yield

    return Shell.instance(colors="nocolor")


def _stub_grader():
    """The notebooks import ``grader.verifier``; here it checks nothing."""
    stub = types.ModuleType("grader")
    stub.verifier = lambda *args, **kwargs: None
    sys.modules["grader"] = stub


def main():
    channel_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    channel_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the learner's code never reaches the channel
        os.dup2(null, fd)
    capture = _Capture()
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (input() fails)
    sys.stdout = sys.stderr = capture

    def send(message):
        channel_out.write(json.dumps(message) + "\n")
        channel_out.flush()

    program = json.loads(channel_in.readline())
    _stub_grader()
    shell = _shell()
    send({"t": "ready"})
    for index, step in program["steps"]:
        if step["kind"] == "code":
            result = shell.run_cell(step["source"], store_history=False)
            exc = result.error_before_exec or result.error_in_exec
            error = [type(exc).__name__, explain(exc)] if exc is not None else None
            send({"t": "cell", "i": index, "error": error, "out": capture.take()})
            continue
        name = step["exercise"]
        obj = shell.user_ns.get(name, _MISSING)
        send({"t": "check", "i": index, "ex": name, "obj": kind_of(obj)})
        request = json.loads(channel_in.readline())
        results = []
        for kwargs in request["cases"]:
            given = {k: decode(v) for k, v in kwargs.items()}
            outcome = call(obj, given, request.get("kind", "function"))
            outcome["value"] = encode(outcome["value"])
            results.append(outcome)
            if outcome["error"] and outcome["error"][0] == "MemoryError":
                break
        capture.take()
        send({"t": "outputs", "i": index, "ex": name, "results": results})
    send({"t": "done"})


if __name__ == "__main__":
    main()
