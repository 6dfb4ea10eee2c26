"""The generator of the course's example music: programmatic MIDI with exact beats, rendered offline.

Each clip is composed from a seeded random generator: a style (drum pattern, bass line, chords,
optional melody, instruments), a meter (3/4 or 4/4), a tempo curve (steady, gradual or sudden
change, 60-200 BPM), straight or swung eighths, expressive timing jitter and drum drop-outs
("breaks"). Every note is placed on a beat grid, so the beat and downbeat times are known
exactly. The MIDI is rendered with the ``fluidsynth`` program and the General MIDI soundfont
``TimGM6mb.sf2`` that ships with ``pretty_midi``.

It lives beside the files it makes, outside the ``tcnlib`` package: only the script
``assets/make_dataset.py`` and the tests in ``tests/test_synth.py`` import it; the notebooks read
the rendered files through :mod:`tcnlib.data` and never need a synthesizer. The style labels and
the ``.beats`` writer are tcnlib's own (:data:`tcnlib.data.STYLES`, :func:`tcnlib.data.write_beats`).

Conventions:

* times are in seconds; beat positions in beats from the first generated beat (floats);
* ``beat_in_bar`` counts from 1 (1 = downbeat), as in ``.beats`` files.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from tcnlib.data import STYLES, write_beats
from tcnlib.utils import atomic_write

if TYPE_CHECKING:  # only for type hints; pretty_midi is imported where it is used
    import pretty_midi

SAMPLE_RATE = 22050
"""Sample rate of the rendered example set in Hz."""

CLIP_SECONDS = 24.0
"""Length of every example clip in seconds."""

N_PER_STYLE = 18
"""Clips per style in the committed set (12 train, 3 validation, 3 test)."""

BASE_SEED = 2024
"""The base seed of the committed set."""

TICKS_PER_SECOND = 1920
"""MIDI time resolution used (960 ticks per quarter at 120 BPM): beat times are multiples of this."""

# General MIDI drum notes
KICK, RIM, SNARE, CLAP, HH_CLOSED, HH_PEDAL, HH_OPEN = 36, 37, 38, 39, 42, 44, 46
TOM_LO, TOM_MID, TOM_HI, CRASH, RIDE, RIDE_BELL, TAMB, COWBELL = 45, 47, 50, 49, 51, 53, 54, 56
CABASA, SHAKER, TRIANGLE = 69, 70, 81

CHORDS: Dict[str, Tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "5": (0, 7, 12), "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10), "dom7": (0, 4, 7, 10), "m7b5": (0, 3, 6, 10), "dom9": (0, 4, 10, 14),
}

SLOW_ATTACK_PROGRAMS = (21, 48, 49, 50, 88, 89, 90, 91, 92, 93, 94, 95)
"""GM programs (accordion, string ensembles, pads) whose soft attacks blur the beat: a clip whose
chords use one of them always has drums."""

Event = Tuple[float, float, int, int]
"""A note event: ``(position in beats, duration in beats, MIDI pitch, velocity)``."""


@dataclass
class StyleSpec:
    """How a style varies: tempo range, meters, swing, and instrument choices per role.
    """

    bpm: Tuple[float, float]
    meters: Tuple[Tuple[int, float], ...]  # (beats per bar, probability)
    swing: Tuple[float, float]  # (probability, max ratio); ratio 0.5 = straight, 2/3 = triplet
    drums_prob: float  # 1: always drums; below 1: drums in every other clip (index even)
    programs: Dict[str, Tuple[Tuple[int, str], ...]]  # role -> ((GM program, name), ...)
    progressions: Tuple[Tuple[Tuple[int, str], ...], ...]
    jitter: Tuple[float, float] = (0.0, 0.02)  # range of relative inter-beat jitter (std)
    note_jitter_ms: Tuple[float, float] = (0.0, 8.0)
    breaks_prob: float = 0.4


STYLE_SPECS: Dict[str, StyleSpec] = {
    "rock": StyleSpec(
        bpm=(90, 170), meters=((4, 0.9), (3, 0.1)), swing=(0.0, 0.5), drums_prob=1.0,
        programs={"bass": ((33, "Electric Bass (finger)"), (34, "Electric Bass (pick)")),
                  "chords": ((29, "Overdriven Guitar"), (30, "Distortion Guitar")),
                  "lead": ((30, "Distortion Guitar"), (81, "Lead 2 (sawtooth)"), (18, "Rock Organ"))},
        progressions=(((0, "5"), (7, "5"), (9, "5"), (5, "5")), ((0, "5"), (5, "5"), (7, "5"), (5, "5")),
                      ((9, "5"), (5, "5"), (0, "5"), (7, "5")), ((0, "5"), (10, "5"), (5, "5"), (0, "5")))),
    "waltz": StyleSpec(
        bpm=(84, 200), meters=((3, 1.0),), swing=(0.0, 0.5), drums_prob=0.5,
        programs={"bass": ((32, "Acoustic Bass"), (58, "Tuba"), (43, "Contrabass")),
                  "chords": ((0, "Acoustic Grand Piano"), (21, "Accordion"), (45, "Pizzicato Strings"),
                             (46, "Orchestral Harp")),
                  "lead": ((40, "Violin"), (73, "Flute"), (71, "Clarinet"), (21, "Accordion"))},
        progressions=(((0, "maj"), (5, "maj"), (7, "dom7"), (0, "maj")), ((0, "maj"), (9, "min"), (2, "min"), (7, "dom7")),
                      ((0, "maj"), (0, "maj"), (7, "dom7"), (7, "dom7")), ((0, "min"), (5, "min"), (7, "dom7"), (0, "min")))),
    "bossa_nova": StyleSpec(
        bpm=(104, 152), meters=((4, 1.0),), swing=(0.0, 0.5), drums_prob=1.0,
        programs={"bass": ((32, "Acoustic Bass"), (33, "Electric Bass (finger)")),
                  "chords": ((24, "Acoustic Guitar (nylon)"), (4, "Electric Piano 1")),
                  "lead": ((73, "Flute"), (66, "Tenor Sax"), (11, "Vibraphone"))},
        progressions=(((0, "maj7"), (2, "dom7"), (2, "min7"), (7, "dom7")), ((2, "min7"), (7, "dom7"), (0, "maj7"), (0, "maj7")),
                      ((0, "maj7"), (9, "min7"), (2, "min7"), (7, "dom7")), ((9, "min7"), (2, "dom7"), (7, "min7"), (0, "dom7")))),
    "electronic": StyleSpec(
        bpm=(118, 176), meters=((4, 1.0),), swing=(0.0, 0.5), drums_prob=1.0,
        programs={"bass": ((38, "Synth Bass 1"), (39, "Synth Bass 2")),
                  "chords": ((89, "Pad 2 (warm)"), (90, "Pad 3 (polysynth)"), (50, "Synth Strings 1")),
                  "lead": ((80, "Lead 1 (square)"), (81, "Lead 2 (sawtooth)"), (87, "Lead 8 (bass + lead)"))},
        progressions=(((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")), ((0, "min"), (0, "min"), (8, "maj"), (10, "maj")),
                      ((9, "min"), (5, "maj"), (0, "maj"), (7, "maj"))),
        jitter=(0.0, 0.0), note_jitter_ms=(0.0, 0.0)),
    "swing": StyleSpec(
        bpm=(100, 200), meters=((4, 0.8), (3, 0.2)), swing=(1.0, 0.68), drums_prob=1.0,
        programs={"bass": ((32, "Acoustic Bass"),),
                  "chords": ((0, "Acoustic Grand Piano"), (4, "Electric Piano 1"), (16, "Drawbar Organ")),
                  "lead": ((65, "Alto Sax"), (66, "Tenor Sax"), (56, "Trumpet"), (11, "Vibraphone"))},
        progressions=(((2, "min7"), (7, "dom7"), (0, "maj7"), (9, "dom7")), ((0, "dom7"), (5, "dom7"), (0, "dom7"), (7, "dom7")),
                      ((0, "maj7"), (9, "min7"), (2, "min7"), (7, "dom7")))),
    "ballad": StyleSpec(
        bpm=(60, 88), meters=((4, 0.6), (3, 0.4)), swing=(0.0, 0.5), drums_prob=0.6,
        programs={"bass": ((32, "Acoustic Bass"), (33, "Electric Bass (finger)"), (42, "Cello")),
                  "chords": ((0, "Acoustic Grand Piano"), (4, "Electric Piano 1"), (46, "Orchestral Harp")),
                  "lead": ((48, "String Ensemble 1"), (73, "Flute"), (40, "Violin"), (68, "Oboe"))},
        progressions=(((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")), ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
                      ((5, "maj7"), (7, "maj"), (4, "min7"), (9, "min")))),
    "funk": StyleSpec(
        bpm=(84, 120), meters=((4, 1.0),), swing=(0.35, 0.58), drums_prob=1.0,
        programs={"bass": ((36, "Slap Bass 1"), (37, "Slap Bass 2"), (33, "Electric Bass (finger)")),
                  "chords": ((7, "Clavinet"), (27, "Electric Guitar (clean)"), (28, "Electric Guitar (muted)")),
                  "lead": ((61, "Brass Section"), (62, "Synth Brass 1"), (16, "Drawbar Organ"))},
        progressions=(((0, "min7"), (0, "min7"), (5, "dom7"), (0, "min7")), ((0, "dom9"), (0, "dom9"), (5, "dom9"), (5, "dom9")),
                      ((0, "min7"), (3, "maj"), (5, "dom7"), (0, "min7")))),
    "reggae": StyleSpec(
        bpm=(64, 96), meters=((4, 1.0),), swing=(0.5, 0.62), drums_prob=1.0,
        programs={"bass": ((33, "Electric Bass (finger)"), (38, "Synth Bass 1")),
                  "chords": ((27, "Electric Guitar (clean)"), (17, "Percussive Organ"), (16, "Drawbar Organ")),
                  "lead": ((56, "Trumpet"), (16, "Drawbar Organ"), (11, "Vibraphone"))},
        progressions=(((0, "maj"), (5, "maj"), (7, "maj"), (5, "maj")), ((0, "min"), (10, "maj"), (0, "min"), (10, "maj")),
                      ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")))),
}


@dataclass
class ClipPlan:
    """Everything random about one clip, drawn from its seed (see :func:`plan_clip`).
    """

    name: str
    style: str
    seed: int
    meter: int
    bpm_start: float
    bpm_end: float
    tempo_curve: str  # "steady", "gradual" or "sudden"
    swing: float  # 0.5 = straight, 0.667 = triplet swing
    jitter: float  # std of the relative inter-beat jitter
    note_jitter_ms: float
    key: int  # tonic pitch class 0-11
    progression: Tuple[Tuple[int, str], ...]
    programs: Dict[str, Tuple[int, str]]
    drums: bool
    lead: bool
    break_bars: Tuple[Tuple[int, int], ...]  # [first, last) bar ranges without drums
    levels: Dict[str, float]  # role -> velocity scale
    start_beat: float  # where the clip starts on the beat grid (in beats)
    duration: float = CLIP_SECONDS


@dataclass
class Composition:
    """A composed clip: its notes per role and its beat grid.
    """

    plan: ClipPlan
    beat_times: np.ndarray  # (n_beats,) seconds from the start of the MIDI file
    events: Dict[str, List[Event]] = field(default_factory=dict)


def clip_rng(base_seed: int, index: int) -> np.random.Generator:
    """The random generator of clip ``index``: independent of every other clip's.
    """
    return np.random.default_rng([int(base_seed), int(index)])


def _choice(rng: np.random.Generator, items: Sequence):
    return items[int(rng.integers(len(items)))]


def plan_clip(name: str, style: str, seed: int, index: int,
              duration: float = CLIP_SECONDS) -> ClipPlan:
    """Draw the random choices of one clip from ``(seed, index)``.

    Raises:
        ValueError: if ``style`` is not one of :data:`STYLES`.
    """
    if style not in STYLE_SPECS:
        raise ValueError(f"style must be one of {list(STYLES)}, got {style!r}")
    spec = STYLE_SPECS[style]
    rng = clip_rng(seed, index)
    meters, probs = zip(*spec.meters)
    meter = int(rng.choice(meters, p=np.array(probs) / np.sum(probs)))
    bpm0 = float(rng.uniform(*spec.bpm))
    curve = str(rng.choice(["steady", "gradual", "sudden"], p=[0.55, 0.25, 0.2]))
    if curve == "steady":
        bpm1 = bpm0
    else:
        lo, hi = (0.8, 0.9) if curve == "gradual" else (0.75, 0.86)
        ratio = float(rng.uniform(lo, hi))
        ratio = ratio if rng.random() < 0.5 else 1.0 / ratio
        bpm1 = float(np.clip(bpm0 * ratio, 60.0, 200.0))
        if abs(bpm1 / bpm0 - 1.0) < 0.07:  # clipped into too small a change: go the other way
            bpm1 = float(np.clip(bpm0 / ratio, 60.0, 200.0))
    swing_p, swing_max = spec.swing
    swing = float(rng.uniform(0.55, swing_max)) if rng.random() < swing_p and swing_max > 0.55 else 0.5
    if style == "swing":
        swing = float(rng.uniform(0.62, 0.7))
    expressive = rng.random() < 0.35
    jitter = float(rng.uniform(*spec.jitter)) if expressive else float(min(spec.jitter[1], 0.004))
    note_jitter = float(rng.uniform(*spec.note_jitter_ms))
    progs = {role: _choice(rng, alts) for role, alts in spec.programs.items()}
    drums = bool(rng.random() < spec.drums_prob)
    if spec.drums_prob < 1.0:  # styles that are sometimes drumless: every other clip, so each split has both
        drums = index % 2 == 0
    if progs["chords"][0] in SLOW_ATTACK_PROGRAMS:  # soft attacks only: add drums to mark the beat
        drums = True
    lead = bool(rng.random() < 0.65)
    levels = {role: float(rng.uniform(0.65, 1.0)) for role in ("drums", "bass", "chords", "lead")}
    breaks: List[Tuple[int, int]] = []
    if drums and rng.random() < spec.breaks_prob:
        # bars are counted from the first generated bar; the clip starts in bar 1 or 2
        approx_bars = duration * (bpm0 + bpm1) / 2 / 60 / meter
        first = int(rng.integers(2, max(3, int(approx_bars * 0.6))))
        length = int(rng.integers(2, 5))
        breaks.append((first, first + length))
    start_beat = float(meter * int(rng.integers(1, 3)) + rng.integers(0, meter) + rng.uniform(0.0, 0.9))
    return ClipPlan(name=name, style=style, seed=int(seed), meter=meter, bpm_start=bpm0, bpm_end=bpm1,
                    tempo_curve=curve, swing=swing, jitter=jitter, note_jitter_ms=note_jitter,
                    key=int(rng.integers(12)), progression=_choice(rng, spec.progressions),
                    programs=progs, drums=drums, lead=lead, break_bars=tuple(breaks), levels=levels,
                    start_beat=start_beat, duration=float(duration))


def beat_grid(plan: ClipPlan, rng: np.random.Generator, t0: float = 0.2) -> np.ndarray:
    """Beat times in seconds (MIDI-file time, first beat at ``t0``), quantized to MIDI ticks.

    The tempo follows the plan's curve across the clip window; each inter-beat interval is
    then scaled by ``1 + jitter * N(0, 1)`` (expressive timing; the annotation follows it).
    """
    spb_end = plan.start_beat + plan.duration * max(plan.bpm_start, plan.bpm_end) / 60.0 + 8
    n = int(np.ceil(spb_end)) + plan.meter * 2
    idx = np.arange(n, dtype=float)
    # tempo per beat: changes only inside the clip window
    window_beats = plan.duration * (plan.bpm_start + plan.bpm_end) / 2 / 60.0
    if plan.tempo_curve == "steady":
        bpm = np.full(n, plan.bpm_start)
    elif plan.tempo_curve == "gradual":
        a = plan.start_beat + 0.15 * window_beats
        b = plan.start_beat + 0.85 * window_beats
        frac = np.clip((idx - a) / (b - a), 0.0, 1.0)
        bpm = plan.bpm_start + frac * (plan.bpm_end - plan.bpm_start)
    else:  # sudden, at a bar line near the middle of the window
        mid = plan.start_beat + 0.5 * window_beats
        change = plan.meter * int(round(mid / plan.meter))
        bpm = np.where(idx < change, plan.bpm_start, plan.bpm_end)
    ibi = 60.0 / bpm * (1.0 + plan.jitter * rng.standard_normal(n))
    times = t0 + np.concatenate([[0.0], np.cumsum(ibi[:-1])])
    return np.round(times * TICKS_PER_SECOND) / TICKS_PER_SECOND


def position_to_time(pos: np.ndarray, beat_times: np.ndarray, swing: float = 0.5) -> np.ndarray:
    """Map beat positions (floats, in beats) to seconds on a beat grid, with swung eighths.

    Within a beat, the first half ``[0, 0.5)`` is stretched to ``[0, swing)`` and the second
    half to ``[swing, 1)``: ``swing = 0.5`` is straight, ``2/3`` is triplet swing.
    """
    pos = np.asarray(pos, dtype=float)
    i = np.clip(np.floor(pos).astype(int), 0, len(beat_times) - 2)
    f = pos - i
    f = np.where(f < 0.5, f / 0.5 * swing, swing + (f - 0.5) / 0.5 * (1.0 - swing))
    return beat_times[i] + f * (beat_times[i + 1] - beat_times[i])


# ----------------------------------------------------------------------------- composition


class _Ctx:
    """What the part writers need: meter, bars, chords, randomness."""

    def __init__(self, plan: ClipPlan, n_bars: int, rng: np.random.Generator) -> None:
        self.plan, self.m, self.n_bars, self.rng = plan, plan.meter, n_bars, rng

    def chord(self, bar: int) -> Tuple[int, Tuple[int, ...]]:
        """(root MIDI pitch class offset from key, intervals) of a bar's chord."""
        deg, qual = self.plan.progression[bar % len(self.plan.progression)]
        return (self.plan.key + deg) % 12, CHORDS[qual]

    def vel(self, base: float, spread: float = 8) -> int:
        return int(np.clip(round(base + spread * self.rng.standard_normal()), 1, 127))


def _drums(ctx: _Ctx, style: str) -> List[Event]:
    m, rng, ev = ctx.m, ctx.rng, []
    hat = HH_CLOSED if rng.random() < 0.7 else RIDE

    def hit(bar: int, p: float, note: int, v: float, d: float = 0.1) -> None:
        ev.append((bar * m + p, d, note, ctx.vel(v)))

    for bar in range(ctx.n_bars):
        phrase_start = bar % 4 == 0
        fill = bar % 4 == 3 and rng.random() < 0.4 and style not in ("waltz", "ballad")
        if style == "rock":
            for e in np.arange(0, m, 0.5):
                hit(bar, e, hat, 80 if e % 1 == 0 else 62)
            kicks = [0, 2, 2.5] if m == 4 else [0]
            if m == 4 and rng.random() < 0.3:
                kicks.append(1.5)
            for k in kicks:
                hit(bar, k, KICK, 100)
            for s in ([1, 3] if m == 4 else [1, 2]):
                hit(bar, s, SNARE, 100)
        elif style == "waltz":
            hit(bar, 0, KICK, 75)
            for b in (1, 2):
                hit(bar, b, HH_PEDAL if rng.random() < 0.5 else RIM, 55)
        elif style == "bossa_nova":
            for e in np.arange(0, m, 0.5):
                hit(bar, e, SHAKER if hat == HH_CLOSED else HH_CLOSED, 60 if e % 1 else 72)
            for k, v in ((0, 85), (1.5, 70), (2, 85), (3.5, 70)):
                hit(bar, k, KICK, v)
            clave = (0, 1.5, 3) if bar % 2 == 0 else (1, 2.5)
            for c in clave:
                hit(bar, c, RIM, 88)
        elif style == "electronic":
            for b in range(m):
                hit(bar, b, KICK, 115, 0.2)
                hit(bar, b + 0.5, HH_OPEN, 75, 0.25)
                hit(bar, b + 0.25, HH_CLOSED, 50)
                hit(bar, b + 0.75, HH_CLOSED, 55)
            for s in (1, 3):
                hit(bar, s, CLAP, 95)
        elif style == "swing":
            for b in range(m):
                hit(bar, b, RIDE, 78 if b % 2 else 70)
                hit(bar, b, KICK, 40)
            for b in ([1.5, 3.5] if m == 4 else [1.5]):
                hit(bar, b, RIDE, 62)
            for b in ([1, 3] if m == 4 else [1, 2]):
                hit(bar, b, HH_PEDAL, 70)
            for _ in range(int(rng.integers(0, 3))):
                hit(bar, float(rng.integers(0, 2 * m)) / 2, SNARE, 50)
        elif style == "ballad":
            hit(bar, 0, KICK, 78)
            if m == 4:
                hit(bar, 2.5, KICK, 60)
            for s in ([1, 3] if m == 4 else [2]):
                hit(bar, s, RIM, 72)
            for e in np.arange(0, m, 0.5 if m == 4 else 1.0):
                hit(bar, e, HH_CLOSED if hat == HH_CLOSED else RIDE, 50)
        elif style == "funk":
            for s in np.arange(0, m, 0.25):
                hit(bar, s, HH_CLOSED, 78 if s % 0.5 == 0 else 52)
            for k in ((0, 0.75, 2.5) if rng.random() < 0.5 else (0, 1.75, 2.25, 3.5)):
                hit(bar, k, KICK, 105)
            for s in (1, 3):
                hit(bar, s, SNARE, 108)
            for g in rng.choice([1.75, 2.75, 3.25, 3.75, 0.5], size=2, replace=False):
                hit(bar, float(g), SNARE, 38)
        elif style == "reggae":
            for e in np.arange(0, m, 0.5):
                hit(bar, e, HH_CLOSED, 62 if e % 1 else 70)
            hit(bar, 2, KICK, 100)
            hit(bar, 2, RIM, 95)
        if phrase_start and style not in ("waltz", "ballad", "reggae"):
            hit(bar, 0, CRASH, 88, 1.0)
        if fill:  # replace the last beat with a snare/tom fill
            last = bar * m + m - 1
            ev[:] = [e for e in ev if not (last <= e[0] < last + 1)]
            for j, note in enumerate((SNARE, TOM_HI, TOM_MID, TOM_LO)):
                hit(bar, m - 1 + j * 0.25, note, 90)
    return ev


def _bass(ctx: _Ctx, style: str) -> List[Event]:
    m, rng, ev = ctx.m, ctx.rng, []
    base = 36 if style != "electronic" else 36
    for bar in range(ctx.n_bars):
        root, iv = ctx.chord(bar)
        r = base + root
        fifth = r + 7
        nxt_root = base + ctx.chord(bar + 1)[0]
        b0 = bar * m
        if style == "rock":
            for e in np.arange(0, m, 0.5):
                ev.append((b0 + e, 0.45, r, ctx.vel(92 if e % 1 == 0 else 80)))
        elif style == "waltz":
            ev.append((b0, 0.9, r if bar % 2 == 0 else fifth - 12, ctx.vel(90)))
        elif style == "bossa_nova":
            ev += [(b0, 1.4, r, ctx.vel(88)), (b0 + 1.5, 0.5, fifth - 12, ctx.vel(78)),
                   (b0 + 2, 1.4, fifth - 12, ctx.vel(84)), (b0 + 3.5, 0.5, r, ctx.vel(76))]
        elif style == "electronic":
            for b in range(m):
                ev.append((b0 + b + 0.5, 0.4, r + (12 if b % 2 and rng.random() < 0.3 else 0), ctx.vel(96)))
        elif style == "swing":  # walking bass
            scale = [r, r + iv[1], r + iv[2], r + (iv[3] if len(iv) > 3 else 12)]
            for b in range(m):
                if b == 0:
                    p = r
                elif b == m - 1:
                    p = nxt_root + (1 if rng.random() < 0.5 else -1)
                else:
                    p = int(rng.choice(scale))
                ev.append((b0 + b, 0.9, p, ctx.vel(88 if b == 0 else 80)))
        elif style == "ballad":
            ev.append((b0, m * 0.5 if m == 4 else m - 0.2, r, ctx.vel(80)))
            if m == 4:
                ev.append((b0 + 2, 1.9, fifth - 12 if rng.random() < 0.5 else r, ctx.vel(70)))
        elif style == "funk":
            pattern = [(0, r, 100), (0.75, r + 12, 80), (1.5, r, 85), (2.25, r + 10, 75), (2.5, r + 12, 82),
                       (3.0, fifth - 12, 80), (3.5, r, 90)]
            for p, n, v in pattern:
                ev.append((b0 + p, 0.2, n, ctx.vel(v)))
        elif style == "reggae":
            pattern = [(0.5, r, 90), (1.0, r + iv[1], 80), (1.5, fifth - 12, 80), (2.5, r, 88), (3.0, r + 12, 70)]
            for p, n, v in pattern:
                ev.append((b0 + p, 0.45, n, ctx.vel(v)))
    return ev


def _voicing(root: int, iv: Tuple[int, ...], low: int = 55) -> List[int]:
    notes = [root + i for i in iv]
    while min(notes) < low:
        notes = [n + 12 for n in notes]
    while min(notes) >= low + 12:
        notes = [n - 12 for n in notes]
    return notes


def _chords(ctx: _Ctx, style: str) -> List[Event]:
    m, rng, ev = ctx.m, ctx.rng, []
    for bar in range(ctx.n_bars):
        root, iv = ctx.chord(bar)
        b0 = bar * m

        def chord(p: float, d: float, v: float, low: int = 55) -> None:
            for n in _voicing(root, iv, low):
                ev.append((b0 + p, d, n, ctx.vel(v, 4)))

        if style == "rock":
            for e in np.arange(0, m, 0.5):
                chord(e, 0.45, 82 if e % 1 == 0 else 72, 45)
        elif style == "waltz":
            for b in (1, 2):
                chord(b, 0.7, 70)
        elif style == "bossa_nova":
            for p in ((0.0, 1.0, 2.5, 3.0) if bar % 2 == 0 else (0.5, 1.5, 2.0, 3.5)):
                chord(p, 0.4, 68)
        elif style == "electronic":
            chord(0, m - 0.05, 60)
        elif style == "swing":
            spots = sorted(rng.choice(np.arange(0, m, 0.5), size=2, replace=False))
            for p in spots:
                chord(float(p), 0.4, 66)
        elif style == "ballad":
            tones = _voicing(root, iv, 52)
            tones = tones + [tones[0] + 12]
            step = 0.5
            for k, p in enumerate(np.arange(0, m, step)):
                ev.append((b0 + p, 1.0, tones[[0, 1, 2, 3, 2, 1, 3, 2][k % 8] % len(tones)], ctx.vel(64)))
        elif style == "funk":
            for s in np.arange(0, m, 0.25):
                if rng.random() < (0.8 if s % 0.5 == 0.25 else 0.45):
                    chord(float(s), 0.12, 78 if s % 1 == 0.5 else 64, 60)
        elif style == "reggae":
            for b in range(m):
                chord(b + 0.5, 0.2, 80, 60)
    return ev


def _lead(ctx: _Ctx, style: str) -> List[Event]:
    """A simple melody: chord tones and passing notes on a style-dependent rhythm."""
    m, rng, ev = ctx.m, ctx.rng, []
    grid = {"rock": 0.5, "waltz": 1.0, "bossa_nova": 0.5, "electronic": 0.25, "swing": 0.5,
            "ballad": 1.0, "funk": 0.25, "reggae": 0.5}[style]
    scale = np.array([0, 2, 4, 5, 7, 9, 11]) if ctx.plan.progression[0][1] not in ("min", "min7") \
        else np.array([0, 2, 3, 5, 7, 8, 10])
    pitches = np.array([ctx.plan.key + 60 + o + s for o in (-12, 0, 12) for s in scale])
    pitches = pitches[(pitches >= 62) & (pitches <= 86)]
    k = len(pitches) // 2
    for bar in range(ctx.n_bars):
        if bar % 8 >= 6 and rng.random() < 0.7:  # phrase breathing
            continue
        root, iv = ctx.chord(bar)
        p = 0.0
        while p < m:
            dur = grid * int(rng.choice([1, 2, 2, 3, 4]))
            dur = min(dur, m - p)
            if rng.random() < 0.2:
                p += dur
                continue
            if p % 1 == 0:  # on beats prefer chord tones
                tones = [i for i, q in enumerate(pitches) if (q - root) % 12 in iv]
                k = min(tones, key=lambda i: abs(i - k) + rng.random())
            else:
                k = int(np.clip(k + rng.choice([-2, -1, 1, 2]), 0, len(pitches) - 1))
            ev.append((bar * m + p, dur * 0.9, int(pitches[k]), ctx.vel(84)))
            p += dur
    return ev


def compose(plan: ClipPlan) -> Composition:
    """Write the notes of every part on the plan's beat grid (deterministic in the plan's seed).
    """
    rng = np.random.default_rng([plan.seed, 7919, sum(map(ord, plan.name))])
    beats = beat_grid(plan, rng)
    n_bars = len(beats) // plan.meter - 1
    ctx = _Ctx(plan, n_bars, rng)
    events: Dict[str, List[Event]] = {"bass": _bass(ctx, plan.style), "chords": _chords(ctx, plan.style)}
    if plan.drums:
        drums = _drums(ctx, plan.style)
        for a, b in plan.break_bars:
            drums = [e for e in drums if not (a * plan.meter <= e[0] < b * plan.meter)]
        events["drums"] = drums
    if plan.lead:
        events["lead"] = _lead(ctx, plan.style)
    return Composition(plan=plan, beat_times=beats, events=events)


def to_pretty_midi(comp: Composition) -> "pretty_midi.PrettyMIDI":
    """Turn a composition into a ``pretty_midi.PrettyMIDI`` (times in seconds on the beat grid).
    """
    import pretty_midi

    plan = comp.plan
    rng = np.random.default_rng([plan.seed, 104729, sum(map(ord, plan.name))])
    pm = pretty_midi.PrettyMIDI(resolution=960, initial_tempo=120.0)
    last = len(comp.beat_times) - 1.001
    for role in ("drums", "bass", "chords", "lead"):
        if role not in comp.events:
            continue
        if role == "drums":
            inst = pretty_midi.Instrument(program=0, is_drum=True, name="drums")
        else:
            inst = pretty_midi.Instrument(program=plan.programs[role][0], name=role)
        level = plan.levels[role]
        for pos, dur, pitch, vel in comp.events[role]:
            if pos < 0 or pos + dur >= last:
                continue
            on, off = position_to_time(np.array([pos, pos + dur]), comp.beat_times, plan.swing)
            if plan.note_jitter_ms > 0 and role != "drums" or (role == "drums" and pos % 1 != 0):
                on += plan.note_jitter_ms / 1000.0 * float(np.clip(rng.standard_normal(), -2.5, 2.5))
            on = max(on, 0.0)
            off = max(off, on + 0.03)
            v = int(np.clip(round(vel * level), 1, 127))
            inst.notes.append(pretty_midi.Note(velocity=v, pitch=int(pitch), start=float(on), end=float(off)))
        inst.notes.sort(key=lambda n: (n.start, n.pitch))
        pm.instruments.append(inst)
    return pm


# ----------------------------------------------------------------------------- rendering


def soundfont_path() -> Path:
    """The General MIDI soundfont ``TimGM6mb.sf2`` shipped inside the ``pretty_midi`` package.
    """
    import pretty_midi

    p = Path(pretty_midi.__file__).resolve().parent / "TimGM6mb.sf2"
    if not p.exists():
        raise FileNotFoundError(f"pretty_midi's soundfont is missing: {p}")
    return p


def fluidsynth_path() -> Optional[str]:
    """Path of the ``fluidsynth`` program, or None when it is not installed.
    """
    return shutil.which("fluidsynth")


def render_midi(pm: "pretty_midi.PrettyMIDI", sr: int = SAMPLE_RATE, soundfont: Optional[Path] = None,
                dynamic_loading: bool = False) -> np.ndarray:
    """Render a ``PrettyMIDI`` to a mono float32 waveform ``(N,)`` with the fluidsynth program.

    Fluidsynth writes 32-bit float (no dither), so the result is deterministic. ``dynamic_loading``
    loads only the samples the MIDI uses (a compressed ``.sf3`` soundfont then loads in about a
    second instead of seven).

    Raises:
        RuntimeError: if the ``fluidsynth`` program is not installed or fails.
    """
    import soundfile as sf

    exe = fluidsynth_path()
    if exe is None:
        raise RuntimeError("the fluidsynth program is not installed (Debian/Ubuntu: apt install "
                           "fluidsynth; macOS: brew install fluid-synth); it is only needed to "
                           "render music (the example set, the varied training clips)")
    sf2 = soundfont or soundfont_path()
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = os.path.join(tmp, "clip.mid"), os.path.join(tmp, "clip.wav")
        pm.write(mid)
        options = ["-o", "synth.dynamic-sample-loading=1"] if dynamic_loading else []
        proc = subprocess.run([exe, "-ni", "-q", "-g", "0.5", "-r", str(int(sr)), "-O", "float", "-T", "wav",
                               *options, "-F", wav, str(sf2), mid], capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(wav):
            raise RuntimeError(f"fluidsynth failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
        y, file_sr = sf.read(wav, dtype="float32", always_2d=True)
    if file_sr != sr:
        raise RuntimeError(f"fluidsynth rendered at {file_sr} Hz instead of {sr} Hz")
    return y.mean(axis=1).astype(np.float32)


@dataclass
class RenderedClip:
    """A rendered clip with its exact annotation and metadata.
    """

    y: np.ndarray  # (N,) float32
    sr: int
    beats: np.ndarray  # (n,) seconds from the clip start
    beat_in_bar: np.ndarray  # (n,) int, 1 = downbeat
    info: Dict[str, object]


def annotate_clip(plan: ClipPlan, sr: int = SAMPLE_RATE
                  ) -> Tuple[Composition, int, np.ndarray, np.ndarray, Dict[str, object]]:
    """Compose a clip and compute its annotation and metadata, without rendering audio.

    Returns:
        ``(composition, s0, beats, beat_in_bar, info)``: ``s0`` the sample (at ``sr``) of the
        rendered MIDI where the clip starts; ``beats`` the beat times in seconds from the clip
        start ``(n,)``; ``beat_in_bar`` ``(n,)`` int (1 = downbeat); ``info`` the ``index.csv`` row
        (without the split).
    """
    comp = compose(plan)
    start_t = float(position_to_time(np.array([plan.start_beat]), comp.beat_times)[0])
    s0 = int(round(start_t * sr))
    beats = comp.beat_times - s0 / sr
    idx = np.nonzero((beats >= 0) & (beats < plan.duration))[0]
    pos = (idx % plan.meter) + 1
    times = comp.beat_times[idx] - s0 / sr
    # breaks in seconds relative to the clip
    breaks = []
    for a, b in plan.break_bars:
        ta = comp.beat_times[min(a * plan.meter, len(comp.beat_times) - 1)] - s0 / sr
        tb = comp.beat_times[min(b * plan.meter, len(comp.beat_times) - 1)] - s0 / sr
        ta, tb = max(ta, 0.0), min(tb, plan.duration)
        if tb > ta:
            breaks.append((round(ta, 3), round(tb, 3)))
    ibis = np.diff(times)
    info = {
        "name": plan.name, "style": plan.style, "meter": plan.meter,
        "bpm_start": round(float(60.0 / np.median(ibis[:4])), 2),
        "bpm_end": round(float(60.0 / np.median(ibis[-4:])), 2),
        "tempo_curve": plan.tempo_curve, "swing": round(plan.swing, 3),
        "jitter": round(plan.jitter, 4), "drums": int(plan.drums),
        "breaks": ";".join(f"{a:.3f}-{b:.3f}" for a, b in breaks),
        "instruments": ";".join(f"{r}={plan.programs[r][1]}" for r in ("bass", "chords", "lead")
                                if r in comp.events),
        "key": ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"][plan.key],
        "duration": plan.duration, "seed": plan.seed,
    }
    return comp, s0, times, pos.astype(int), info


def render_clip(plan: ClipPlan, sr: int = SAMPLE_RATE) -> RenderedClip:
    """Compose, render and cut one clip; the annotation is the beat grid inside the clip window.

    The audio is normalized to an RMS of 0.1 (-20 dBFS), with the peak kept below 0.99.
    """
    comp, s0, times, pos, info = annotate_clip(plan, sr)
    y = render_midi(to_pretty_midi(comp), sr)
    n = int(round(plan.duration * sr))
    if len(y) < s0 + n:
        y = np.concatenate([y, np.zeros(s0 + n - len(y), np.float32)])
    y = y[s0:s0 + n].astype(np.float64)
    rms = float(np.sqrt(np.mean(y ** 2)))
    y = y * (0.1 / max(rms, 1e-9))
    peak = float(np.max(np.abs(y)))
    if peak > 0.99:
        y = y * (0.99 / peak)
    return RenderedClip(y=y.astype(np.float32), sr=sr, beats=times, beat_in_bar=pos, info=info)


# ----------------------------------------------------------------------------- the set


def example_set_plans(n_per_style: int = N_PER_STYLE, seed: int = BASE_SEED,
                      duration: float = CLIP_SECONDS) -> List[Tuple[ClipPlan, str]]:
    """The plans and splits of the example set: per style, 2/3 train, 1/6 validation, 1/6 test.

    Returns:
        a list of ``(plan, split)`` in a fixed order; the name is ``{style}_{k:02d}``.
    """
    if n_per_style < 3:
        raise ValueError(f"n_per_style must be at least 3 (one clip per split), got {n_per_style}")
    out = []
    n_val = max(1, n_per_style // 6)
    n_test = max(1, n_per_style // 6)
    n_train = n_per_style - n_val - n_test
    for s_idx, style in enumerate(STYLES):
        for k in range(n_per_style):
            name = f"{style}_{k:02d}"
            plan = plan_clip(name, style, seed, s_idx * 1000 + k, duration)
            split = "train" if k < n_train else ("validation" if k < n_train + n_val else "test")
            out.append((plan, split))
    return out


def _ogg_crc(data: bytes) -> int:
    table = _ogg_crc.table  # type: ignore[attr-defined]
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) & 0xFF) ^ b]
    return crc


def _make_crc_table() -> List[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_ogg_crc.table = _make_crc_table()  # type: ignore[attr-defined]


def fix_ogg_serial(data: bytes, serial: int) -> bytes:
    """Set the stream serial number of every Ogg page (libsndfile draws it at random) and
    recompute the page checksums, so an encoded file is byte-for-byte reproducible.
    """
    out = bytearray(data)
    i = 0
    while i < len(out):
        if out[i:i + 4] != b"OggS":
            raise ValueError(f"not an Ogg page at byte {i}")
        nseg = out[i + 26]
        size = 27 + nseg + sum(out[i + 27:i + 27 + nseg])
        out[i + 14:i + 18] = int(serial).to_bytes(4, "little")
        out[i + 22:i + 26] = b"\0\0\0\0"
        out[i + 22:i + 26] = _ogg_crc(bytes(out[i:i + size])).to_bytes(4, "little")
        i += size
    return bytes(out)


def encode_ogg(y: np.ndarray, sr: int, serial: int, quality: float = 0.4) -> bytes:
    """Encode ``(N,)`` float audio as Ogg Vorbis bytes with a fixed stream serial number.
    """
    import io

    import soundfile as sf

    buf = io.BytesIO()
    # soundfile's compression_level 0..1 maps to Vorbis quality 1..0
    sf.write(buf, np.clip(y, -1.0, 1.0), int(sr), format="OGG", subtype="VORBIS",
             compression_level=1.0 - quality)
    return fix_ogg_serial(buf.getvalue(), serial)


INDEX_COLUMNS = ("name", "style", "split", "meter", "bpm_start", "bpm_end", "tempo_curve", "swing",
                 "jitter", "drums", "breaks", "instruments", "key", "duration", "seed")


def generate_example_set(out_dir: os.PathLike, n_per_style: int = N_PER_STYLE, seed: int = BASE_SEED,
                         duration: float = CLIP_SECONDS, sr: int = SAMPLE_RATE,
                         only: Optional[Sequence[str]] = None,
                         progress: Optional[Callable[[str], None]] = None) -> List[Dict[str, object]]:
    """Render the whole example set into ``out_dir``: ``NAME.ogg``, ``NAME.beats``, ``index.csv``.

    Args:
        out_dir: target folder (created).
        n_per_style: clips per style.
        seed: the base seed; clip ``k`` of style ``s`` uses ``(seed, 1000 * s + k)``.
        duration: clip length in seconds.
        sr: sample rate in Hz.
        only: render just these clip names (the index is then not rewritten).
        progress: called with each clip name as it is rendered.

    Returns:
        the index rows (one dict per clip).
    """
    import csv

    plans = example_set_plans(n_per_style, seed, duration)
    if only is not None:
        unknown = sorted(set(only) - {p.name for p, _ in plans})
        if unknown:
            raise ValueError(f"only must name clips of the set such as 'rock_00', got unknown {unknown}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (plan, split) in enumerate(plans):
        if only is not None and plan.name not in only:
            continue
        if progress:
            progress(plan.name)
        clip = render_clip(plan, sr)
        with atomic_write(out / f"{plan.name}.ogg", "wb") as f:
            f.write(encode_ogg(clip.y, sr, serial=1000 + n))
        write_beats(out / f"{plan.name}.beats", clip.beats, clip.beat_in_bar)
        rows.append({**clip.info, "split": split})
    if only is None:
        with atomic_write(out / "index.csv", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(INDEX_COLUMNS), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({k: r[k] for k in INDEX_COLUMNS})
    return rows
