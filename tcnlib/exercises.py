"""Exercise checkers for the notebooks: each prints a clear PASS or FAIL with a hint.

A checker never raises on a wrong answer (a student's cell should not end in a traceback);
it prints what was expected and returns True/False, so tests can call it too.

Notebook: the "Exercises" section at the end of every notebook
"""
from __future__ import annotations

from typing import Any


def report(name: str, passed: bool, hint: str = "", detail: str = "") -> bool:
    """Print ``PASS name`` or ``FAIL name`` with a hint, and return ``passed``.

    Notebook: every notebook's exercises
    """
    if passed:
        print(f"PASS {name}" + (f": {detail}" if detail else ""))
    else:
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        if hint:
            print(f"  hint: {hint}")
    return bool(passed)


def _close(a: Any, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
    except (TypeError, ValueError):
        return False


# --- 01_audio_as_sequences -------------------------------------------------------------------
