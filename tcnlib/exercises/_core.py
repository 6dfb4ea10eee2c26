"""The exercise registry: open exercises, checkers that answer NOT YET / PASS / FAIL, and
reference solutions one deliberate step away.

An exercise in a notebook is a placeholder and a check::

    answer = ...          # your answer
    tcnlib.exercises.check("03.2", answer)

prints ``NOT YET 03.2 ...: how to start`` until the student replaces the ``...``, then
``PASS 03.2 ...`` or ``FAIL 03.2 ...`` with a hint. A checker never raises on a wrong answer or
on a student's function that crashes: a notebook's *Run All* always reaches the last cell.

The reference solution is one deliberate step away: ``tcnlib.exercises.show_solution("03.2")``
prints its code; ``tcnlib.exercises.solution("03.2")`` runs it and returns the answer.

Writing an exercise (in ``tcnlib/exercises/lessonNN.py``)::

    def _check(answer):                      # returns a Verdict, or raises Wrong / NotYet
        ok = as_int(answer) == 31
        return Verdict(ok, "31 steps" if ok else f"got {answer!r}", "add (k - 1) * d per layer")

    register(Exercise("03.2", "receptive field of a stack", _check,
                      start="replace ... with a number",
                      solution="answer = 1 + sum((3 - 1) * d for d in [1, 2, 4, 8])",
                      mistake="answer = 3 * 4"))

``solution``, ``mistake`` and ``placeholder`` are self-contained Python sources that assign
``answer`` (with their own imports); the test suite runs all three for every exercise.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NamedTuple, Optional

NOT_YET = "not yet"
PASS = "pass"
FAIL = "fail"
KINDS = ("compute", "code", "concept", "model")


class NotYet(Exception):
    """Raised inside a checker when the student has not started (a ``...`` or a function body that
    still raises ``NotImplementedError``)."""


class Wrong(Exception):
    """Raised inside a checker for an answer that is wrong in a way worth explaining
    (wrong type, a function that crashes)."""

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint


class Verdict(NamedTuple):
    """What a checker decided: passed or not, what it saw, and a hint for a failed answer."""

    passed: bool
    detail: str = ""
    hint: str = ""


class CheckResult:
    """The outcome of a check: truthy only when it passed. It was printed already, so a notebook
    shows nothing more when a check is the last line of a cell."""

    def __init__(self, key: str, state: str, detail: str = "", hint: str = "") -> None:
        if state not in (NOT_YET, PASS, FAIL):
            raise ValueError(f"state must be one of {NOT_YET!r}, {PASS!r}, {FAIL!r}, got {state!r}")
        self.key = key
        self.state = state
        self.detail = detail
        self.hint = hint

    @property
    def passed(self) -> bool:
        return self.state == PASS

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.key!r}, state={self.state!r})"

    def _ipython_display_(self) -> None:  # printed already
        pass


def _print(name: str, state: str, detail: str, hint: str) -> None:
    label = {NOT_YET: "NOT YET", PASS: "PASS", FAIL: "FAIL"}[state]
    print(f"{label} {name}" + (f": {detail}" if detail else ""))
    if state == FAIL and hint:
        print(f"  hint: {hint}")


def report(name: str, passed: bool, hint: str = "", detail: str = "") -> CheckResult:
    """Print ``PASS name`` or ``FAIL name`` (with a hint) and return the result.

    For checkers that are not (yet) in the registry; registered exercises use :func:`check`.
    """
    state = PASS if passed else FAIL
    _print(name, state, detail, hint)
    return CheckResult(name, state, detail, hint)


def is_placeholder(answer: Any) -> bool:
    """True for an answer the student has not filled in: ``...`` (Ellipsis) or ``NotImplemented``."""
    return answer is Ellipsis or answer is NotImplemented


def call(fn: Any, *args: Any, name: str = "your function", **kwargs: Any) -> Any:
    """Call a student's function for a checker: ``NotYet`` if it is a placeholder or still raises
    ``NotImplementedError``; ``Wrong`` (with the error) if it is not callable or crashes."""
    if is_placeholder(fn):
        raise NotYet()
    if not callable(fn):
        raise Wrong(f"expected a function, got {type(fn).__name__} {fn!r}",
                    "define it with `def ...:` and pass the function itself (no parentheses)")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotYet() from None
    except Exception as err:  # a student's bug becomes a FAIL with the error, not a traceback
        shown = ", ".join([repr(a) if not hasattr(a, "shape") else f"<array {tuple(a.shape)}>" for a in args])
        raise Wrong(f"{name}({shown}) raised {type(err).__name__}: {err}",
                    "run your function on a small input in a cell of its own and read the error") from None


def as_number(answer: Any, what: str = "a number") -> float:
    """The answer as a float (a NumPy or torch scalar is fine); ``Wrong`` for anything else."""
    if is_placeholder(answer):
        raise NotYet()
    if isinstance(answer, bool):
        raise Wrong(f"expected {what}, got the boolean {answer!r}", f"write {what}")
    try:
        if hasattr(answer, "item") and getattr(answer, "size", getattr(answer, "numel", lambda: 1)) in (1,):
            answer = answer.item()
        value = float(answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected {what}, got {type(answer).__name__} {answer!r}", f"write {what}") from None
    return value


def multiple_choice(correct: str, why: str, hints: Dict[str, str]) -> Callable[[Any], Verdict]:
    """A checker for a concept check answered with one letter (``answer = "b"``).

    Args:
        correct: the right letter.
        why: what the PASS line says (the idea in one sentence).
        hints: for every wrong letter, the hint its FAIL line gives.

    Returns:
        A checker for :class:`Exercise`.
    """
    options = sorted(set(hints) | {correct})

    def checker(answer: Any) -> Verdict:
        if is_placeholder(answer):
            raise NotYet()
        if not isinstance(answer, str) or answer.strip().lower().strip("()") not in options:
            raise Wrong(f"expected one of the letters {', '.join(options)}, got {answer!r}",
                        'answer with one letter in quotes, e.g. answer = "a"')
        letter = answer.strip().lower().strip("()")
        if letter == correct:
            return Verdict(True, why)
        return Verdict(False, f"({letter}) is not it", hints[letter])

    return checker


@dataclass(frozen=True)
class Exercise:
    """One exercise: its key ``"NN.i"`` (lesson NN), a title, a checker, how to start, and three
    sources that assign ``answer``: the reference solution, a typical mistake and the placeholder
    the student starts from.

    ``kind``: ``"compute"`` (a number), ``"code"`` (a function to write), ``"concept"`` (a
    one-line or multiple-choice answer about an idea) or ``"model"`` (change a model or an
    experiment and measure the outcome).
    """

    key: str
    title: str
    checker: Callable[..., Verdict]
    start: str
    solution: str
    mistake: str
    kind: str = "compute"
    placeholder: str = "answer = ..."

    def check(self, answer: Any = ..., **kwargs: Any) -> CheckResult:
        """Check ``answer`` (extra keyword arguments go to the checker): print and return the result."""
        name = f"{self.key} {self.title}"
        try:
            if is_placeholder(answer):
                raise NotYet()
            verdict = self.checker(answer, **kwargs)
            state, detail, hint = (PASS if verdict.passed else FAIL), verdict.detail, verdict.hint
        except NotYet:
            state, detail, hint = NOT_YET, self.start, ""
        except Wrong as err:
            state, detail, hint = FAIL, err.detail, err.hint
        _print(name, state, detail, hint)
        return CheckResult(self.key, state, detail, hint)


REGISTRY: Dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (keys and titles are unique across the course)."""
    if exercise.key in REGISTRY:
        raise ValueError(f"exercise {exercise.key!r} is registered twice")
    if any(e.title == exercise.title for e in REGISTRY.values()):
        raise ValueError(f"exercise title {exercise.title!r} is used twice")
    if exercise.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {exercise.kind!r}")
    REGISTRY[exercise.key] = exercise
    return exercise


def get(key: str) -> Exercise:
    """The registered exercise ``key`` (e.g. ``"03.2"``), with a clear error for an unknown key."""
    if not isinstance(key, str) or key not in REGISTRY:
        lesson = str(key).split(".")[0]
        near = sorted(k for k in REGISTRY if k.startswith(lesson + ".")) or sorted(REGISTRY)
        raise KeyError(f"no exercise {key!r}; this lesson has {near}")
    return REGISTRY[key]


def keys(lesson: Optional[int] = None) -> List[str]:
    """Registered exercise keys in course order, optionally only those of one lesson."""
    out = sorted(REGISTRY, key=lambda k: tuple(int(p) if p.isdigit() else p for p in k.split(".")))
    return [k for k in out if lesson is None or k.split(".")[0] == f"{lesson:02d}"]


def check(key: str, answer: Any = ..., **kwargs: Any) -> CheckResult:
    """Check a student's ``answer`` to exercise ``key``: prints NOT YET / PASS / FAIL (with a hint)."""
    return get(key).check(answer, **kwargs)


def _run(source: str, label: str) -> Any:
    namespace: Dict[str, Any] = {"__name__": f"exercise_{label}"}
    exec(compile(textwrap.dedent(source), f"<{label}>", "exec"), namespace)
    if "answer" not in namespace:
        raise RuntimeError(f"the {label} source does not assign `answer`")
    return namespace["answer"]


def show_solution(key: str) -> None:
    """Print the reference solution of exercise ``key``: the deliberate step to take when stuck."""
    ex = get(key)
    print(f"# Reference solution of exercise {ex.key} ({ex.title})\n")
    print(textwrap.dedent(ex.solution).strip())


def solution(key: str) -> Any:
    """Run the reference solution of exercise ``key`` and return its ``answer``."""
    return _run(get(key).solution, f"solution {key}")


def mistake(key: str) -> Any:
    """Run the typical mistake of exercise ``key`` and return its (wrong) ``answer``."""
    return _run(get(key).mistake, f"mistake {key}")


def placeholder(key: str) -> Any:
    """Run the placeholder of exercise ``key`` (what the student starts from) and return it."""
    return _run(get(key).placeholder, f"placeholder {key}")
