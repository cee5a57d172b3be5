"""Exercise checks: type, then shape and dtype, then values, with French feedback.

A check is split in two halves so that the call to the learner's code and the
verdict can run in different processes: :meth:`FunctionExercise.run` calls the
learner's function on a :class:`Case` and returns an :class:`Outcome` made of
plain data; :meth:`FunctionExercise.judge` compares that outcome with the
reference implementation of :mod:`solutions` and raises :class:`CheckFailed`
with a French message when they differ.
"""

import secrets
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np

from grader import runner


class CheckFailed(AssertionError):
    """A learner's answer differs from the reference; the message is French."""


class NotAttempted(CheckFailed):
    """The learner's function still raises ``NotImplementedError``."""


@dataclass
class Case:
    """One call of the learner's code: a French label and keyword arguments."""

    label: str
    kwargs: dict


@dataclass
class Outcome:
    """What a call returned (``value``) or raised (``error``), as plain data."""

    value: object = None
    error: tuple | None = None  # (exception type name, message)
    mutated: list = field(default_factory=list)  # arguments changed in place
    warnings: list = field(default_factory=list)
    seconds: float | None = None  # duration of the call, measured by the grader


@dataclass
class Score:
    """A graded outcome worth part of the points (the closing project).

    ``fraction`` of the exercise's points is earned; ``message`` is the French
    report given whether or not every point is earned; ``figure`` is an
    optional PNG (base64) illustrating it, with ``figure_text`` describing it.
    """

    fraction: float
    message: str
    figure: str = ""
    figure_text: str = ""


@dataclass
class Mistake:
    """A known mistake, modelled by a wrong implementation.

    When the learner's output matches ``model``'s output on the same case (same
    shape, equal values), the failure message gives ``hint``. A mistake that no
    single output reproduces (a random mask drawn anew) is recognised instead
    by ``test(kwargs, obtained)``.
    """

    hint: str
    model: object = None
    test: object = None


def describe(value, width=70):
    """Short French description of a value, for feedback messages."""
    if isinstance(value, np.ndarray):
        text = np.array2string(
            value, precision=8, threshold=12, edgeitems=2, max_line_width=width
        )
        text = " ".join(text.split())
        return f"tableau de forme {value.shape}, dtype {value.dtype} : {text}"
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, np.floating | np.integer):
        text = repr(value.item())
        return text if value.dtype == np.float64 else f"{text} ({value.dtype})"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "None (la fonction ne renvoie rien : manque-t-il un return ?)"
    if isinstance(value, runner.Opaque):
        return f"un objet de type {value.type_name} ({value.text})"
    if isinstance(value, runner.Fn | runner.RandomSource):
        return value.describe()
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, np.ndarray) for v in value)
    ):
        return (
            f"liste de {len(value)} tableaux ; premier : {describe(value[0], 40)} ; "
            f"dernier : {describe(value[-1], 40)}"
        )
    if type(value) is dict:  # values at full width; nested (narrower): shapes only
        items = list(value.items())[:4]
        inner = " ; ".join(
            f"{k!r} : tableau de forme {v.shape}"
            if width < 70 and isinstance(v, np.ndarray)
            else f"{k!r} : {describe(v, width // 2)}"
            for k, v in items
        )
        more = " ; …" if len(value) > 4 else ""
        return f"dict de {len(value)} clé(s) : {{{inner}{more}}}"
    if isinstance(value, tuple | list):
        inner = " ; ".join(describe(v, width // 2) for v in value[:3])
        more = " ; …" if len(value) > 3 else ""
        return f"{type(value).__name__} de {len(value)} éléments : ({inner}{more})"
    text = repr(value)
    if len(text) > width:
        text = text[: width - 3] + "..."
    return f"{text} (type {type(value).__name__})"


class FunctionExercise:
    """Check of a function exercise against its reference implementation.

    Parameters
    ----------
    name : str
        Exercise identifier, equal to the function's name.
    reference : callable
        Reference implementation from :mod:`solutions`.
    readable_cases : list of Case
        Small inputs a learner can check by hand; checked first.
    random_case : callable
        ``random_case(rng)`` returns the keyword arguments of one random case.
    kind : {"function", "class"}
        A class is instantiated with the case's ``init`` keyword arguments and
        driven by its ``step`` method (:func:`runner.drive`).
    returns : {"array", "scalar"} or tuple of {"array", "scalar", "path"}
        Kind of value the function must return; a tuple for several values
        (``"path"``: a list of arrays, one per iterate).
    output_names : tuple of str, optional
        Names of the returned values when ``returns`` is a tuple.
    path_step : (str, int)
        How a path's entries are named in messages: word and first number.
    mistakes : list of Mistake
        Known mistakes, recognised and named in the feedback.
    rtol, atol : float
        Tolerances of ``np.allclose``, stated in the feedback.
    n_random : int
        Number of random cases in a visible check.
    error_hint : str, optional
        Hint given when the call raises a shape error (``ValueError``).
    forbidden : str, optional
        Regular expression of what the solution cell must not use (a library
        doing the exercise's work); a match makes the exercise ``suspect``.
    """

    def __init__(
        self,
        name,
        reference,
        readable_cases,
        random_case,
        returns="array",
        kind="function",
        output_names=(),
        path_step=("itération", 0),
        mistakes=(),
        rtol=1e-7,
        atol=1e-10,
        n_random=5,
        error_hint=None,
        forbidden=None,
    ):
        self.name = name
        self.reference = reference
        self.readable_cases = list(readable_cases)
        self.random_case = random_case
        self.returns = returns
        self.output_names = tuple(output_names)
        self.kind = kind
        self.path_step = path_step
        self.mistakes = list(mistakes)
        self.rtol = rtol
        self.atol = atol
        self.n_random = n_random
        self.error_hint = error_hint
        self.forbidden = forbidden

    # -- inputs ----------------------------------------
    def cases(self, seed=None, n_random=None):
        """Readable cases, then random ones drawn with ``seed``."""
        rng = np.random.default_rng(seed)
        n = self.n_random if n_random is None else n_random
        randoms = [
            Case(f"entrées aléatoires n° {i + 1}", self.random_case(rng))
            for i in range(n)
        ]
        return self.readable_cases + randoms

    # -- learner side ----------------------------------------
    def check_type(self, info):
        """Raise CheckFailed unless ``info`` (:func:`runner.kind_of`) is of the
        exercise's kind (a function, or a class)."""
        if info["kind"] == self.kind:
            return
        if info["kind"] == "missing":
            got = f"`{self.name}` n'est pas défini (la cellule de solution a-t-elle "
            got += "été exécutée sans erreur ?)"
        elif info["kind"] == "class":
            got = f"une classe ({info['type']})"
        elif info["kind"] == "function":
            got = "une fonction"
        else:
            got = f"un objet de type {info['type']}"
        wanted = (
            f"une fonction (def {self.name}(...))"
            if self.kind == "function"
            else f"une classe (class {self.name}: ...)"
        )
        raise CheckFailed(
            f"Exercice « {self.name} » : `{self.name}` doit être {wanted} ; "
            f"obtenu : {got}."
        )

    def run(self, obj, case):
        """Call ``obj`` on a copy of the case's inputs; nothing reaches stderr."""
        result = runner.call(obj, case.kwargs, self.kind)
        return Outcome(
            value=result["value"],
            error=tuple(result["error"]) if result["error"] else None,
            mutated=result["mutated"],
            warnings=result["warnings"],
        )

    # -- verdict ----------------------------------------
    def judge(self, case, outcome):
        """Compare an outcome with the reference; raise CheckFailed if wrong."""
        expected = self.expected(case)
        head = self._header(case)
        if outcome.error is not None:
            ename, message = outcome.error
            if ename == "NotImplementedError":
                raise NotAttempted(
                    f"Exercice « {self.name} » non traité : "
                    f"{'la classe' if self.kind == 'class' else 'la fonction'} lève "
                    "encore "
                    "NotImplementedError. Remplacez `raise NotImplementedError()` "
                    "par votre code."
                )
            text = f"{head}\nAttendu : {describe(expected)}\n"
            text += f"Obtenu : l'appel a levé {ename} : {message}"
            if self.error_hint and ename == "ValueError":
                text += f"\nIndice : {self.error_hint}"
            raise CheckFailed(text)
        if outcome.mutated:
            names = ", ".join(f"`{k}`" for k in outcome.mutated)
            raise CheckFailed(
                f"{head}\nVotre fonction a modifié en place son argument {names}. "
                "Travaillez sur une copie ou créez un nouveau tableau."
            )
        obtained = outcome.value
        problem = self.problem(case, expected, obtained)
        if problem is None:
            return
        text = f"{head}\n{problem}\n"
        if self.show_expected:
            text += f"Attendu : {describe(expected)}\n"
        text += f"Obtenu : {describe(obtained)}"
        hint = self._hint(case, obtained)
        if hint:
            text += f"\nIndice : {hint}"
        if outcome.warnings:
            text += "\nAvertissements émis : " + " ; ".join(outcome.warnings[:3])
        raise CheckFailed(text)

    def _header(self, case):
        args = ", ".join(case.kwargs)
        lines = [f"Exercice « {self.name} » : échoué ({case.label})."]
        if self.kind == "class":
            lines.append(
                f"Appel : opt = {self.name}(**init), puis theta = opt.step(theta, g) "
                "pour chaque gradient g de grads, en partant de theta0, avec"
            )
        else:
            lines.append(f"Appel : {self.name}({args}) avec")
        for key, value in case.kwargs.items():
            lines.append(f"  {key} = {describe(value)}")
        return "\n".join(lines)

    def _compare(self, expected, obtained, kind=None):
        """French reason why ``obtained`` differs from ``expected``, or None."""
        kind = self.returns if kind is None else kind
        if isinstance(kind, tuple):
            return self._compare_tuple(expected, obtained, kind)
        if kind == "path":
            return self._compare_path(expected, obtained)
        if kind == "scalar":
            return self._compare_scalar(expected, obtained)
        if kind == "int":
            if isinstance(obtained, bool | np.bool_) or not isinstance(
                obtained, int | np.integer
            ):
                return "Type : un entier (int) est attendu."
            if obtained != expected:
                return f"Valeur : {expected} attendu, {obtained} obtenu."
            return None
        if kind == "nested":
            return self._compare_nested(expected, obtained)
        if not isinstance(obtained, np.ndarray):
            return "Type : un tableau numpy (np.ndarray) est attendu."
        if obtained.shape != expected.shape:
            return f"Forme : {expected.shape} attendue, {obtained.shape} obtenue."
        if obtained.dtype != expected.dtype:
            return f"Dtype : {expected.dtype} attendu, {obtained.dtype} obtenu."
        if not np.allclose(obtained, expected, rtol=self.rtol, atol=self.atol):
            bad = ~np.isclose(obtained, expected, rtol=self.rtol, atol=self.atol)
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            return (
                f"Valeurs : {int(bad.sum())} élément(s) sur {bad.size} hors de la "
                f"tolérance {self._tol()} ; premier écart à l'indice {where} : "
                f"{obtained[where].item()!r} au lieu de {expected[where].item()!r}."
            )
        return None

    def _compare_scalar(self, expected, obtained):
        if isinstance(obtained, bool | np.bool_) or not isinstance(
            obtained, int | float | np.integer | np.floating | np.ndarray
        ):
            return "Type : un nombre (float) est attendu."
        if isinstance(obtained, np.ndarray) and obtained.ndim != 0:
            return (
                f"Forme : un nombre est attendu, pas un tableau de forme "
                f"{obtained.shape} (renvoyez float(...))."
            )
        value = float(obtained)
        if not np.isfinite(value) or not np.isclose(
            value, expected, rtol=self.rtol, atol=self.atol
        ):
            return f"Valeur : écart au-delà de la tolérance {self._tol()}."
        return None

    def _compare_tuple(self, expected, obtained, kinds):
        names = ", ".join(self.output_names)
        if not isinstance(obtained, tuple | list) or len(obtained) != len(kinds):
            return f"Type : un tuple ({names}) de {len(kinds)} éléments est attendu."
        entries = zip(self.output_names, kinds, expected, obtained, strict=True)
        # a path says at which iteration things went wrong: compare it first
        for name, kind, exp, got in sorted(entries, key=lambda e: e[1] != "path"):
            problem = self._compare(exp, got, kind)
            if problem:
                index = self.output_names.index(name)
                return f"Dans `{name}` (élément {index} du résultat) — {problem}"
        return None

    def _compare_nested(self, expected, obtained, where="résultat"):
        """Lists and tuples of arrays (``layers``), compared entry by entry, and
        dicts of arrays (``state``), compared key by key (same keys required)."""
        if isinstance(expected, dict):
            keys = ", ".join(repr(k) for k in expected)
            if not isinstance(obtained, dict):
                return f"Structure : {where} doit être un dict de clés {keys}."
            missing = [repr(k) for k in expected if k not in obtained]
            extra = [repr(k) for k in obtained if k not in expected]
            if missing or extra:
                detail = "".join([
                    f" ; clé(s) manquante(s) : {', '.join(missing)}" if missing else "",
                    f" ; clé(s) en trop : {', '.join(extra)}" if extra else "",
                ])  # fmt: skip
                return f"Structure : {where} doit avoir les clés {keys}{detail}."
            for key, exp in expected.items():
                problem = self._compare_nested(exp, obtained[key], f"{where}[{key!r}]")
                if problem:
                    return problem
            return None
        if isinstance(expected, list | tuple):
            if not isinstance(obtained, list | tuple) or len(obtained) != len(expected):
                size = len(obtained) if isinstance(obtained, list | tuple) else "?"
                return (
                    f"Structure : {where} doit être une liste de {len(expected)} "
                    f"éléments ; obtenu : {size}."
                )
            for k, (exp, got) in enumerate(zip(expected, obtained, strict=True)):
                problem = self._compare_nested(exp, got, f"{where}[{k}]")
                if problem:
                    return problem
            return None
        problem = self._compare(expected, obtained, "array")
        return f"{where} — {problem}" if problem else None

    def _compare_path(self, expected, obtained):
        if not isinstance(obtained, list | tuple):
            return "Type : une liste de tableaux est attendue (path.append(theta))."
        if len(obtained) != len(expected):
            return (
                f"Longueur : {len(expected)} tableaux attendus (le point de départ "
                f"puis chaque itéré), {len(obtained)} obtenus."
            )
        for k, (exp, got) in enumerate(zip(expected, obtained, strict=True)):
            problem = self._compare(exp, got, "array")
            if problem:
                word, start = self.path_step
                return f"{word} {k + start} : {problem}"
        return None

    show_expected = True  # property checks (random outputs) state the property

    def problem(self, case, expected, obtained):
        """French reason why ``obtained`` is wrong on ``case``, or None."""
        return self._compare(expected, obtained)

    def expected(self, case):
        """The reference's output on ``case``."""
        result = runner.call(self.reference, case.kwargs, self.kind)
        if result["error"]:
            raise RuntimeError(f"{self.name} : la référence a échoué : {result}")
        return result["value"]

    def _tol(self):
        return f"(rtol={self.rtol:g}, atol={self.atol:g})"

    def _hint(self, case, obtained):
        """Hint of the first known mistake that reproduces ``obtained``."""
        for mistake in self.mistakes:
            if mistake.test is not None:
                try:
                    if mistake.test(case.kwargs, obtained):
                        return mistake.hint
                except Exception:
                    pass
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = runner.call(mistake.model, case.kwargs, self.kind)
            except Exception:
                continue
            if result["error"]:
                continue
            wrong = result["value"]
            if _matches(wrong, obtained):
                return mistake.hint
        return None

    # -- whole check in one process ----------------------------------------
    def grading_cases(self, key=None):
        """Cases of a grading: readable ones, then random ones from a fresh seed
        (``key``, the course's secret, is for exercises graded on secret data)."""
        return self.cases(secrets.randbits(64), n_random=4 * self.n_random)

    def check(self, obj, hidden=False):
        """Check ``obj`` on every case; return the number of cases checked."""
        self.check_type(runner.kind_of(obj))
        if hidden:
            cases = self.grading_cases()
        else:
            cases = self.cases(zlib.crc32(self.name.encode()))
        for case in cases:
            self.judge(case, self.run(obj, case))
        return len(cases)


def _matches(wrong, obtained):
    """True when ``obtained`` equals a mistake model's output ``wrong``."""
    if isinstance(wrong, dict):
        return (
            isinstance(obtained, dict)
            and obtained.keys() == wrong.keys()
            and all(_matches(wrong[k], obtained[k]) for k in wrong)
        )
    if isinstance(wrong, tuple | list):
        return (
            isinstance(obtained, tuple | list)
            and len(obtained) == len(wrong)
            and all(_matches(w, o) for w, o in zip(wrong, obtained, strict=True))
        )
    try:
        wrong_arr = np.asarray(wrong, dtype=float)
        got_arr = np.asarray(obtained, dtype=float)
    except (TypeError, ValueError):
        return False
    if wrong_arr.shape != got_arr.shape:
        return False
    return bool(np.allclose(got_arr, wrong_arr, rtol=1e-6, atol=1e-9, equal_nan=True))
