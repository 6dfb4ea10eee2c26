"""Exercise checkers for the notebooks: each prints a clear PASS or FAIL with a hint.

A checker never raises on a wrong answer (a student's cell should not end in a traceback);
it prints what was expected and returns True/False, so tests can call it too.

Notebook: the "Exercises" section at the end of every notebook
"""
from __future__ import annotations

from typing import Any


class CheckResult:
    """The outcome of a checker: truthy when it passed. Shows nothing in a notebook (the checker
    already printed PASS/FAIL), so a checker call can be the last line of a cell.

    Notebook: every notebook's exercises
    """

    def __init__(self, name: str, passed: bool) -> None:
        self.name = name
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:  # printed already; display nothing more
        pass


def report(name: str, passed: bool, hint: str = "", detail: str = "") -> CheckResult:
    """Print ``PASS name`` or ``FAIL name`` with a hint, and return a truthy/falsy result.

    Notebook: every notebook's exercises
    """
    if passed:
        print(f"PASS {name}" + (f": {detail}" if detail else ""))
    else:
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        if hint:
            print(f"  hint: {hint}")
    return CheckResult(name, passed)


def _close(a: Any, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
    except (TypeError, ValueError):
        return False


# --- 01_audio_as_sequences -------------------------------------------------------------------


def check_n_samples(answer: Any, seconds: float, sr: int) -> CheckResult:
    """Exercise 01.1: how many samples does ``seconds`` of audio at ``sr`` Hz hold?

    Notebook: 01_audio_as_sequences.ipynb
    """
    expected = int(round(seconds * sr))
    return report("samples in a clip", _close(answer, expected, rtol=0, atol=0.5),
                  hint="samples = duration in seconds x sample rate in samples per second",
                  detail=f"{seconds} s at {sr} Hz = {expected:,} samples" if _close(answer, expected, 0, 0.5)
                  else f"got {answer!r}")


def check_n_frames(answer: Any, n_samples: int, sr: int, fps: float) -> CheckResult:
    """Exercise 01.2: how many spectrogram frames (centred STFT) does a signal of ``n_samples`` give?

    Notebook: 01_audio_as_sequences.ipynb
    """
    from .audio import hop_length

    hop = hop_length(sr, fps)
    expected = 1 + n_samples // hop
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("frames in a spectrogram", ok,
                  hint=f"hop = round(sr / fps) = {hop} samples; a centred STFT has 1 + n_samples // hop frames",
                  detail=f"{expected:,} frames of {hop} samples" if ok else f"got {answer!r}")


def check_frame_of_time(answer: Any, seconds: float, sr: int, fps: float) -> CheckResult:
    """Exercise 01.3: which frame index is centred closest to time ``seconds``?

    Notebook: 01_audio_as_sequences.ipynb
    """
    from .audio import hop_length

    hop = hop_length(sr, fps)
    expected = int(round(seconds * sr / hop))
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("frame index of a time", ok,
                  hint=f"frame t is centred on sample t * hop (hop = {hop}); divide the time in samples by the hop and round",
                  detail=f"t = {seconds} s -> frame {expected}" if ok else f"got {answer!r}")
