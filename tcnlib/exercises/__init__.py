"""The course's exercises: open questions with checkers (NOT YET / PASS / FAIL with a hint) and
reference solutions one deliberate step away.

In a notebook::

    answer = ...                                   # your answer
    tcnlib.exercises.check("03.2", answer)         # NOT YET / PASS / FAIL, never a traceback
    tcnlib.exercises.show_solution("03.2")         # only when you are stuck: prints the solution

Each lesson's exercises live in ``lessonNN.py`` beside this file and are registered on import.
"""
from __future__ import annotations

import importlib
import pkgutil

from ._core import (FAIL, NOT_YET, PASS, REGISTRY, CheckResult, Exercise, NotYet, Verdict, Wrong, as_number,
                    call, check, get, is_placeholder, keys, mistake, multiple_choice, placeholder, register, report,
                    show_solution, solution)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("lesson"):
        importlib.import_module(f"{__name__}.{_info.name}")
