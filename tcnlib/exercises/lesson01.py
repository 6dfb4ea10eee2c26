"""Exercises of lesson 01, audio as sequences: counting samples and frames, and what order carries.

Concept checks use :func:`tcnlib.exercises.multiple_choice` (in ``_core``).

Notebook: 01_audio_as_sequences.ipynb
"""
from __future__ import annotations

from typing import Any

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, is_placeholder, multiple_choice, register  # noqa: F401


def _whole_number(answer: Any, what: str) -> int:
    value = as_number(answer, what)
    if value != int(value):
        raise Wrong(f"expected a whole number of {what}, got {answer!r}", "there is no fraction of a sample or frame")
    return int(value)


# --- 01.1 numbers in a stereo song ---------------------------------------------------------------

def _check_samples(answer: Any) -> Verdict:
    got = _whole_number(answer, "samples")
    expected = 4 * 60 * 48000 * 2
    if got == expected:
        return Verdict(True, f"4 min x 60 s x 48,000 samples/s x 2 channels = {expected:,} numbers")
    if got == expected // 2:
        return Verdict(False, f"got {got:,}", "stereo means two channels (left and right), each its own sequence")
    return Verdict(False, f"got {got:,}",
                   "numbers = seconds x samples per second x channels (48 kHz = 48,000 samples per second)")


register(Exercise(
    "01.1", "numbers in a stereo song", _check_samples,
    start="replace ... with the number of samples (a computation is fine, e.g. 60 * 8000)",
    solution="answer = 4 * 60 * 48000 * 2       # seconds x samples per second x channels",
    mistake="answer = 4 * 60 * 48000           # one channel only",
))


# --- 01.2 frames in a spectrogram -------------------------------------------------------------

def _check_frames(answer: Any) -> Verdict:
    from ..audio import hop_length

    got = _whole_number(answer, "frames")
    hop = hop_length(22050, 100)
    expected = 1 + (30 * 22050) // hop
    if got == expected:
        return Verdict(True, f"{expected:,} frames of {hop} samples: the true rate is {22050 / hop:.2f} frames/s")
    return Verdict(False, f"got {got:,}",
                   f"hop = round(sr / fps) = {hop} samples (a whole number); a centred STFT gives "
                   "1 + n_samples // hop frames")


register(Exercise(
    "01.2", "frames in a 30-second spectrogram", _check_frames,
    start="replace ... with the number of frames; tcnlib.hop_length(22050, 100) gives the hop",
    solution="""\
        import tcnlib
        hop = tcnlib.hop_length(22050, 100)            # 220 samples, not 220.5
        answer = 1 + (30 * 22050) // hop
        """,
    mistake="answer = 30 * 100                  # assumes exactly 100 frames per second",
))


# --- 01.3 frame of a time ---------------------------------------------------------------------

def _check_frame_of_time(answer: Any) -> Verdict:
    got = _whole_number(answer, "frames")
    expected = int(round(12.5 * 22050 / 220))
    if got == expected:
        return Verdict(True, f"t = 12.5 s -> frame {expected} (frame t is centred on sample t * 220)")
    return Verdict(False, f"got {got}",
                   "frame t is centred on sample t * hop (hop = 220): divide the time in samples by the hop "
                   "and round")


register(Exercise(
    "01.3", "frame index of a time", _check_frame_of_time,
    start="replace ... with a frame index (hint: it is not 1250)",
    solution="answer = round(12.5 * 22050 / 220)     # time in samples / hop",
    mistake="answer = int(12.5 * 100)               # 100 frames per second is only approximate",
))


# --- 01.4 concept: what shuffling destroys ----------------------------------------------------

register(Exercise(
    "01.4", "what shuffling destroys", multiple_choice(
        "c", "the same numbers in another order are noise: the sound lives in the order, i.e. in how each "
             "sample relates to its neighbours",
        {"a": "the values are the same numbers (the notebook checks np.sort(shuffled) == np.sort(y)), so their "
              "histogram cannot change",
         "b": "loudness is the size of the values, and shuffling keeps every value",
         "d": "the sample rate is how fast we play the numbers; we played the shuffled clip at the same rate"}),
    start='replace ... with one letter, e.g. answer = "a"',
    solution='answer = "c"',
    mistake='answer = "a"',
    kind="concept",
))
