#!/usr/bin/env python
"""A varied training generator for the beat tracker: performed, produced music with exact beats.

The committed example set (``assets/synth.py``) is a teaching set: eight styles, one soundfont,
drums in most clips, near-metronomic timing, a clean mix. A tracker trained only on it learns the
generator. This script renders a much wider family of clips into a cache folder (not committed),
each with its exact beat and downbeat annotation:

* **sound**: every General MIDI soundfont found on the machine (``TimGM6mb``, ``FluidR3_GM``,
  ``MuseScore_General``; missing ones are skipped) and a per-clip choice of instruments;
* **meter**: 2/4, 3/4, 4/4, 6/8 and 12/8 (the beat is the dotted quarter), 5/4 and 7/8
  (2+2+3 eighths, unequal beats); the annotation is always at the notated beat (the tactus),
  40-240 BPM;
* **timing**: a tempo curve (steady, drifting, accelerando, sudden change), smooth rubato,
  ritardandi at phrase ends and fermatas, swing, parts pushed or laid back, humanised onsets
  and velocities; the annotation follows the performed beat;
* **texture**: solo piano (arpeggios, stride, chorale, melody and chords), strings, pads and
  choir-like voices, guitar (strummed or picked), chamber ensembles, and bands with full, sparse
  or syncopated drums;
* **production**: reverb (generated impulse responses), EQ, compression, a stereo-to-mono comb,
  noise and hum, band-limiting, a lossy-codec-like spectral mask, level changes.

Everything is drawn from ``(seed, index)``, so a clip is reproducible on the same fluidsynth and
soundfonts. Usage (from the repository root; needs the ``fluidsynth`` program)::

    python assets/varied_music.py --out ~/.cache/tcn-course/varied --n 480
    python assets/varied_music.py --out /tmp/heldout --n 24 --seed 7 --split test

Each clip is written as ``NAME.flac`` and ``NAME.beats`` (``time beat-in-bar`` per line, readable
by :func:`tcnlib.load_beat_dataset`), and ``index.csv`` lists what was drawn.

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (render_midi and the General MIDI drum note numbers)
from tcnlib.data import write_beats  # noqa: E402
from tcnlib.utils import atomic_write  # noqa: E402

SAMPLE_RATE = 22050
"""Sample rate of the rendered clips in Hz."""

SOUNDFONT_CANDIDATES: Tuple[str, ...] = (
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf2/MuseScore_General.sf2",
)
"""Where the Debian packages ``timgm6mb-soundfont``, ``fluid-soundfont-gm`` and
``musescore-general-soundfont`` put their General MIDI soundfonts."""

METERS: Dict[str, Tuple[int, ...]] = {
    "2/4": (2, 2), "3/4": (2, 2, 2), "4/4": (2, 2, 2, 2), "5/4": (2, 2, 2, 2, 2),
    "6/8": (3, 3), "12/8": (3, 3, 3, 3), "7/8": (2, 2, 3),
}
"""Each meter as the eighth notes ("pulses") of each beat of a bar: the beat is the quarter in x/4,
the dotted quarter in 6/8 and 12/8; 7/8 has two short beats and a long one."""

METER_WEIGHTS = {"2/4": 0.12, "3/4": 0.2, "4/4": 0.4, "5/4": 0.04, "6/8": 0.13, "12/8": 0.06, "7/8": 0.05}

TEXTURES: Dict[str, float] = {
    "piano": 0.17, "strings": 0.08, "pad": 0.05, "guitar": 0.1, "chamber": 0.1,
    "band_sparse": 0.14, "band_syncopated": 0.12, "band_full": 0.16, "band_latin": 0.08,
}
"""The textures and how often each is drawn: 50 % without drums (the first five)."""

DRUMLESS = ("piano", "strings", "pad", "guitar", "chamber")

PROGRAMS: Dict[str, Tuple[int, ...]] = {
    "piano": (0, 1, 2, 4, 5, 6, 7),
    "keys": (0, 1, 4, 5, 16, 17, 18, 19, 11, 12, 13),
    "strings": (40, 41, 42, 48, 49, 44, 45),
    "pad": (48, 49, 50, 52, 53, 54, 88, 89, 91, 94, 95, 19),
    "guitar": (24, 25, 26, 27, 28, 29, 30, 46, 105, 106),
    "bass": (32, 33, 34, 35, 36, 38, 39, 43, 58),
    "lead": (40, 56, 57, 60, 64, 65, 66, 68, 69, 71, 73, 74, 80, 81, 22, 11, 13, 52, 85),
    "cello": (42, 43, 32, 70, 58),
}

CHORD_QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7), "dom7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11),
                   "min7": (0, 3, 7, 10), "sus4": (0, 5, 7)}
PROGRESSIONS = (
    ((0, "maj"), (5, "maj"), (7, "dom7"), (0, "maj")), ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),
    ((9, "min"), (5, "maj"), (0, "maj"), (7, "maj")), ((2, "min7"), (7, "dom7"), (0, "maj7"), (0, "maj7")),
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")), ((0, "min"), (5, "min"), (7, "dom7"), (0, "min")),
    ((0, "maj"), (7, "maj"), (9, "min"), (4, "min")), ((0, "sus4"), (0, "maj"), (10, "maj"), (5, "maj")),
)

Note = Tuple[float, float, int, int, str]
"""A note: ``(position in pulses, duration in pulses, MIDI pitch, velocity, part)``."""


@dataclass
class VariedPlan:
    """Everything random about one varied clip, drawn from ``(seed, index)`` (see :func:`plan_varied`)."""

    name: str
    seed: int
    index: int
    duration: float
    meter: str
    texture: str
    bpm: float                       # tempo of the beat at the start, beats per minute
    tempo_curve: str                 # steady, drift, accelerando, ritardando, sudden
    tempo_ratio: float               # end tempo / start tempo (sudden: after the change)
    rubato: float                    # std of the smooth log-tempo wobble
    fermata_prob: float              # probability of a held bar end
    swing: float                     # 0.5 straight, 2/3 triplet swing (simple meters only)
    part_offsets_ms: Dict[str, float] = field(default_factory=dict)   # pushed (<0) / laid back (>0)
    onset_jitter_ms: float = 10.0
    velocity_spread: float = 10.0
    programs: Dict[str, int] = field(default_factory=dict)
    soundfont: str = ""
    key: int = 0
    progression: int = 0
    production: Dict[str, float] = field(default_factory=dict)


def available_soundfonts(candidates: Sequence[str] = SOUNDFONT_CANDIDATES) -> List[Path]:
    """The General MIDI soundfonts of ``candidates`` present on this machine (missing ones skipped).

    Raises:
        FileNotFoundError: if none is present (install ``timgm6mb-soundfont``, ``fluid-soundfont-gm``
            or ``musescore-general-soundfont``).
    """
    found = [Path(c) for c in candidates if Path(c).is_file()]
    if not found:
        raise FileNotFoundError(f"no General MIDI soundfont found (looked for {list(candidates)}); install "
                                "one: apt-get install timgm6mb-soundfont fluid-soundfont-gm musescore-general-soundfont")
    return found


def _pick(rng: np.random.Generator, weights: Dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _choice(rng: np.random.Generator, items: Sequence):
    return items[int(rng.integers(len(items)))]


def plan_varied(seed: int, index: int, duration: float = 30.0, soundfonts: Optional[Sequence[Path]] = None,
                name: Optional[str] = None) -> VariedPlan:
    """Draw the random choices of clip ``index`` from ``(seed, index)`` (independent of other clips).

    ``soundfonts``: the soundfonts to choose from (default :func:`available_soundfonts`).
    """
    rng = np.random.default_rng([int(seed), int(index), 31337])
    fonts = list(soundfonts) if soundfonts is not None else available_soundfonts()
    texture = _pick(rng, TEXTURES)
    meter = _pick(rng, METER_WEIGHTS)
    if texture == "band_latin" and meter in ("6/8", "12/8", "7/8", "5/4"):
        meter = "4/4"
    # tempo of the beat (the tactus), log-normal as in annotated collections, within 40-240 BPM;
    # compound meters' dotted-quarter beat is slower
    centre, sigma, lo, hi = (95.0, 0.38, 40.0, 200.0) if texture in DRUMLESS else (110.0, 0.3, 55.0, 240.0)
    if METERS[meter][0] == 3:
        centre, sigma, lo, hi = 72.0, 0.3, 40.0, 150.0
    bpm = float(np.clip(centre * np.exp(sigma * rng.standard_normal()), lo, hi))
    expressive = texture in DRUMLESS
    curve = _pick(rng, {"steady": 0.35 if expressive else 0.6, "drift": 0.3 if expressive else 0.2,
                        "accelerando": 0.1, "ritardando": 0.15 if expressive else 0.05, "sudden": 0.1})
    ratio = 1.0
    if curve in ("drift", "accelerando", "ritardando"):
        ratio = float(np.exp(rng.uniform(0.08, 0.3 if expressive else 0.15)))
        ratio = 1 / ratio if curve == "ritardando" or (curve == "drift" and rng.random() < 0.5) else ratio
    elif curve == "sudden":
        ratio = float(_choice(rng, (0.75, 0.8, 0.88, 1.15, 1.25, 1.33)))
    rubato = float(rng.uniform(0.03, 0.12)) if expressive and rng.random() < 0.8 else float(rng.uniform(0.0, 0.03))
    fermata = float(rng.uniform(0.05, 0.2)) if expressive and rng.random() < 0.5 else 0.0
    simple = max(METERS[meter]) == 2
    swing = 0.5
    if simple and rng.random() < (0.35 if not expressive else 0.15):
        swing = float(rng.uniform(0.56, 0.7))
    parts = ("bass", "chords", "lead", "drums")
    offsets = {p: float(rng.normal(0.0, 12.0)) for p in parts}
    programs = {
        "piano": _choice(rng, PROGRAMS["piano"]), "keys": _choice(rng, PROGRAMS["keys"]),
        "strings": _choice(rng, PROGRAMS["strings"]), "pad": _choice(rng, PROGRAMS["pad"]),
        "guitar": _choice(rng, PROGRAMS["guitar"]), "bass": _choice(rng, PROGRAMS["bass"]),
        "lead": _choice(rng, PROGRAMS["lead"]), "cello": _choice(rng, PROGRAMS["cello"]),
        "lead2": _choice(rng, PROGRAMS["lead"]),
    }
    prod = {
        "reverb_rt60": float(rng.choice([0.0, rng.uniform(0.2, 0.8), rng.uniform(0.8, 2.8)], p=[0.25, 0.45, 0.3])),
        "reverb_wet": float(rng.uniform(0.1, 0.6)),
        "eq_low_db": float(rng.uniform(-10, 8)), "eq_high_db": float(rng.uniform(-14, 8)),
        "eq_peak_db": float(rng.uniform(-8, 8)), "eq_peak_hz": float(np.exp(rng.uniform(np.log(200), np.log(5000)))),
        "compress": float(rng.random() < 0.5) * float(rng.uniform(2, 8)),
        "comb_ms": float(rng.random() < 0.25) * float(rng.uniform(0.3, 3.0)),
        "noise_snr_db": float(rng.choice([np.inf, rng.uniform(8, 40)], p=[0.4, 0.6])),
        "hum": float(rng.random() < 0.15),
        "lowpass_hz": float(rng.choice([0.0, rng.uniform(2500, 9000)], p=[0.6, 0.4])),
        "highpass_hz": float(rng.choice([0.0, rng.uniform(60, 400)], p=[0.6, 0.4])),
        "codec": float(rng.random() < 0.3) * float(rng.uniform(0.5, 1.0)),
        "level_changes": float(rng.random() < 0.5),
        "distort": float(rng.random() < 0.1),
    }
    return VariedPlan(
        name=name or f"varied_{int(seed)}_{int(index):04d}", seed=int(seed), index=int(index),
        duration=float(duration), meter=meter, texture=texture, bpm=bpm, tempo_curve=curve, tempo_ratio=ratio,
        rubato=rubato, fermata_prob=fermata, swing=swing, part_offsets_ms=offsets,
        onset_jitter_ms=float(rng.uniform(3, 25 if expressive else 15)),
        velocity_spread=float(rng.uniform(4, 18)), programs=programs, soundfont=str(_choice(rng, fonts)),
        key=int(rng.integers(12)), progression=int(rng.integers(len(PROGRESSIONS))), production=prod)


# ----------------------------------------------------------------------------- performed timing


def performance_grid(plan: VariedPlan, n_bars: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """The performed time of every pulse (eighth note) of ``n_bars`` bars.

    Returns:
        ``(pulse_times, beat_pulses)``: seconds of each pulse boundary ``(P + 1,)``, first at 0;
        and the pulse index of every beat ``(n_beats,)`` (bar starts are every ``len(meter)`` beats).
    """
    beats_of_bar = METERS[plan.meter]
    beat_pulses = np.cumsum([0] + [p for _ in range(n_bars) for p in beats_of_bar])[:-1]
    n_pulses = n_bars * sum(beats_of_bar)
    nominal_beat = 60.0 / plan.bpm
    mean_pulses = sum(beats_of_bar) / len(beats_of_bar)
    x = np.arange(n_pulses) / max(n_pulses - 1, 1)          # progress through the clip, 0..1
    log_ratio = np.log(plan.tempo_ratio)
    if plan.tempo_curve == "steady":
        log_tempo = np.zeros(n_pulses)
    elif plan.tempo_curve == "sudden":
        bar = int(rng.integers(max(1, n_bars // 3), max(2, 2 * n_bars // 3)))
        log_tempo = np.where(np.arange(n_pulses) >= bar * sum(beats_of_bar), log_ratio, 0.0)
    elif plan.tempo_curve == "drift":
        log_tempo = log_ratio * (0.5 - 0.5 * np.cos(np.pi * x))
    else:  # accelerando / ritardando over the second half
        log_tempo = log_ratio * np.clip((x - 0.4) / 0.6, 0, 1) ** 1.5
    if plan.rubato > 0:                                        # smooth wobble, a few seconds long
        k = max(3, int(round(2.5 / (nominal_beat / mean_pulses))))
        noise = rng.standard_normal(n_pulses + 2 * k)
        kernel = np.hanning(2 * k + 1)
        wobble = np.convolve(noise, kernel / np.sqrt((kernel ** 2).sum()), mode="same")[k:k + n_pulses]
        log_tempo = log_tempo + plan.rubato * wobble
    dur = nominal_beat / mean_pulses * np.exp(-log_tempo)
    # equal beats inside a beat of 2 or 3 pulses; 7/8 keeps its eighths equal
    bar_pulses = sum(beats_of_bar)
    for b in range(n_bars):                                    # phrase ends: ritardando and fermata
        end = (b + 1) * bar_pulses
        if b % 4 == 3 and plan.fermata_prob > 0 and rng.random() < 0.6:
            dur[end - 3:end] *= np.array([1.1, 1.25, 1.4])
        if plan.fermata_prob > 0 and rng.random() < plan.fermata_prob and b < n_bars - 1:
            dur[end - 1] *= float(rng.uniform(1.6, 3.0))
    dur = np.clip(dur, 0.06, 1.2)
    return np.concatenate([[0.0], np.cumsum(dur)]), beat_pulses


def pulse_to_time(pos: np.ndarray, pulse_times: np.ndarray, swing: float = 0.5, pulses_per_beat: int = 2) -> np.ndarray:
    """Performed time of (fractional) pulse positions, with swung off-beat eighths in simple meters."""
    pos = np.asarray(pos, dtype=float)
    if swing != 0.5 and pulses_per_beat == 2:
        beat = np.floor(pos / 2.0)
        f = pos / 2.0 - beat
        f = np.where(f < 0.5, f / 0.5 * swing, swing + (f - 0.5) / 0.5 * (1.0 - swing))
        pos = 2.0 * (beat + f)
    i = np.clip(np.floor(pos).astype(int), 0, len(pulse_times) - 2)
    return pulse_times[i] + (pos - i) * (pulse_times[i + 1] - pulse_times[i])


# ----------------------------------------------------------------------------- composition


def _voicing(root: int, iv: Sequence[int], low: int) -> List[int]:
    notes = sorted(root + i for i in iv)
    while notes[0] < low:
        notes = [n + 12 for n in notes]
    while notes[0] >= low + 12:
        notes = [n - 12 for n in notes]
    return notes


def compose_varied(plan: VariedPlan, n_bars: int, rng: np.random.Generator) -> List[Note]:
    """The notes of every part, in pulses (eighth notes) from the first bar."""
    beats_of_bar = METERS[plan.meter]
    bar_len = sum(beats_of_bar)
    starts = np.cumsum([0] + list(beats_of_bar))[:-1]        # beat starts within a bar (pulses)
    prog = PROGRESSIONS[plan.progression]
    scale = np.array([0, 2, 4, 5, 7, 9, 11]) if prog[0][1] not in ("min", "min7") else np.array([0, 2, 3, 5, 7, 8, 10])
    mel_pitches = np.array([plan.key + 60 + o + s for o in (-12, 0, 12) for s in scale])
    mel_pitches = mel_pitches[(mel_pitches >= 60) & (mel_pitches <= 88)]
    notes: List[Note] = []
    tex = plan.texture
    half_bar = bool(rng.random() < 0.3 and len(beats_of_bar) >= 4)
    mel_k = len(mel_pitches) // 2
    kit: Dict[str, int] = {}

    def v(base: float) -> int:
        return int(np.clip(round(base + plan.velocity_spread * rng.standard_normal()), 15, 127))

    def chord_of(bar: int, beat: int = 0) -> Tuple[int, Tuple[int, ...]]:
        idx = bar * (2 if half_bar else 1) + (1 if half_bar and beat >= len(beats_of_bar) // 2 else 0)
        deg, q = prog[idx % len(prog)]
        return (plan.key + deg) % 12, CHORD_QUALITIES[q]

    def melody(bar: int, part: str, base_vel: float, density: float, low: int = 60) -> None:
        nonlocal mel_k
        if bar % 8 >= 7 and rng.random() < 0.5:
            return
        p = 0.0
        while p < bar_len:
            step = float(_choice(rng, (0.5, 1, 1, 1, 2, 2, 3, 4)) if density > 0.5 else _choice(rng, (1, 2, 2, 3, 4, 6)))
            step = min(step, bar_len - p)
            if rng.random() < 0.15:
                p += step
                continue
            on_beat = any(abs(p - s) < 1e-9 for s in starts)
            root, iv = chord_of(bar, int(np.searchsorted(starts, p, side="right") - 1))
            if on_beat:
                tones = [i for i, q in enumerate(mel_pitches) if (q - root) % 12 in iv]
                mel_k = min(tones, key=lambda i: abs(i - mel_k) + 2 * rng.random())
            else:
                mel_k = int(np.clip(mel_k + _choice(rng, (-2, -1, 1, 2)), 0, len(mel_pitches) - 1))
            accent = 8 if on_beat else 0
            notes.append((bar * bar_len + p, step * float(rng.uniform(0.6, 1.0)), int(mel_pitches[mel_k]),
                          v(base_vel + accent), part))
            p += step

    def drums(bar: int, kind: str) -> None:
        b0 = bar * bar_len
        K, S, H, R, O = synth.KICK, synth.SNARE, synth.HH_CLOSED, synth.RIDE, synth.HH_OPEN
        hat = kit.setdefault("hat", _choice(rng, (H, R, synth.SHAKER, synth.HH_PEDAL)))
        nb = len(beats_of_bar)
        if kind == "band_full":
            for k, s in enumerate(starts):
                for q in range(beats_of_bar[k]):
                    notes.append((b0 + s + q, 0.2, hat, v(70 if q == 0 else 55), "drums"))
                if k == 0 or (nb >= 4 and k == nb // 2 and rng.random() < 0.8):
                    notes.append((b0 + s, 0.2, K, v(100), "drums"))
                if nb in (2, 4) and k % 2 == 1 or nb == 3 and k > 0 and rng.random() < 0.5 or nb > 4 and k in (2, 4):
                    notes.append((b0 + s, 0.2, S, v(95), "drums"))
            if bar % 4 == 0:
                notes.append((b0, 1.0, synth.CRASH, v(85), "drums"))
        elif kind == "band_sparse":
            if rng.random() < 0.85:
                notes.append((b0, 0.2, K, v(85), "drums"))
            if nb >= 2 and rng.random() < 0.6:
                notes.append((b0 + starts[nb // 2], 0.2, _choice(rng, (synth.RIM, S, synth.CLAP)), v(70), "drums"))
            if rng.random() < 0.5:
                for s in starts:
                    notes.append((b0 + s, 0.2, hat, v(45), "drums"))
        elif kind == "band_syncopated":
            for q in range(bar_len):
                if rng.random() < 0.7:
                    notes.append((b0 + q + (0.5 if rng.random() < 0.3 else 0), 0.1, hat, v(50 + 15 * (q % 2 == 1)), "drums"))
            for p in _choice(rng, ((0, 3), (0, 2.5, 5), (0, 1.5, 4.5), (1.5, 4), (0, 3.5, 6))):
                if p < bar_len:
                    notes.append((b0 + p, 0.2, K, v(95), "drums"))
            for p in _choice(rng, ((2, 6), (3, 7), (2, 6.5), (4,), (2.5, 6))):
                if p < bar_len:
                    notes.append((b0 + p, 0.2, S, v(90), "drums"))
        elif kind == "band_latin":
            clave = (0, 1.5, 3, 5, 6) if bar % 2 == 0 else (1, 2, 4.5, 6)
            for c in clave:
                if c < bar_len:
                    notes.append((b0 + c, 0.1, _choice(rng, (synth.RIM, 75, 76)), v(85), "drums"))
            for q in range(bar_len * 2):
                notes.append((b0 + q / 2, 0.1, _choice(rng, (synth.SHAKER, synth.CABASA, 70)), v(45 + 10 * (q % 2 == 0)), "drums"))
            for c in (0, 1.5, 4, 5.5):
                if c < bar_len and rng.random() < 0.7:
                    notes.append((b0 + c, 0.2, _choice(rng, (K, 64, 63)), v(80), "drums"))

    for bar in range(n_bars):
        b0 = bar * bar_len
        root, iv = chord_of(bar)
        if tex == "piano":
            pattern = plan.index % 4        # stride, arpeggio, chorale, melody and block chords
            for k, s in enumerate(starts):
                r, ivk = chord_of(bar, k)
                bass_note = 36 + r + (12 if rng.random() < 0.3 else 0)
                chord = _voicing(r, ivk, 52)
                if pattern == 0:            # stride / oom-pah
                    if k == 0 or (len(starts) >= 4 and k == 2):
                        notes.append((b0 + s, beats_of_bar[k] * 0.9, bass_note, v(80), "chords"))
                    else:
                        for n in chord:
                            notes.append((b0 + s, beats_of_bar[k] * 0.6, n, v(62), "chords"))
                elif pattern == 1:          # broken chords in pulses or sixteenths
                    sub = 1.0 if rng.random() < 0.6 else 0.5
                    tones = [bass_note] + chord
                    for q in np.arange(0, beats_of_bar[k], sub):
                        notes.append((b0 + s + q, sub * 1.8, tones[int(q / sub) % len(tones)], v(60 + 10 * (q == 0)), "chords"))
                elif pattern == 2:          # chorale: a chord on every beat, legato
                    for n in [bass_note] + chord:
                        notes.append((b0 + s, beats_of_bar[k] * 0.97, n, v(66), "chords"))
                else:                       # block chords on some beats only
                    if k == 0 or rng.random() < 0.4:
                        for n in [bass_note] + chord:
                            notes.append((b0 + s, beats_of_bar[k] * 1.5, n, v(60), "chords"))
            melody(bar, "lead", 78, 0.7 if pattern != 2 else 0.3)
        elif tex in ("strings", "pad"):
            span = bar_len / (2 if half_bar else 1)
            for h in range(2 if half_bar else 1):
                r, ivk = chord_of(bar, 0 if h == 0 else len(starts) - 1)
                for n in [36 + r] + _voicing(r, ivk, 55):
                    notes.append((b0 + h * span, span * 1.02, n, v(70), "chords"))
            if tex == "strings" and rng.random() < 0.7:   # pizzicato or bowed bass on the beats
                for k, s in enumerate(starts):
                    if k == 0 or rng.random() < 0.5:
                        notes.append((b0 + s, beats_of_bar[k] * 0.8, 36 + root + 12, v(72), "bass"))
            melody(bar, "lead", 80, 0.4)
        elif tex == "guitar":
            picked = plan.index % 2 == 0
            for k, s in enumerate(starts):
                r, ivk = chord_of(bar, k)
                chord = [40 + r if 40 + r >= 40 else 52 + r] + _voicing(r, ivk, 52) + [_voicing(r, ivk, 52)[0] + 12]
                if picked:
                    for q in range(beats_of_bar[k]):
                        notes.append((b0 + s + q, 1.5, chord[(k * 2 + q) % len(chord)] if q else chord[0], v(66 + 8 * (q == 0)), "chords"))
                else:
                    for q, down in ((0, True), (1, False), (1.5, False)) if beats_of_bar[k] == 2 else ((0, True), (1, False), (2, True)):
                        if q > 0 and rng.random() < 0.35:
                            continue
                        order = chord if down else chord[::-1]
                        for j, n in enumerate(order):
                            notes.append((b0 + s + q + j * 0.025, 0.9, n, v(72 if q == 0 else 58), "chords"))
            if rng.random() < 0.5:
                melody(bar, "lead", 74, 0.5)
        elif tex == "chamber":
            for k, s in enumerate(starts):
                r, ivk = chord_of(bar, k)
                if k == 0 or rng.random() < 0.6:
                    notes.append((b0 + s, beats_of_bar[k] * 0.9, 36 + r, v(76), "bass"))
                chord = _voicing(r, ivk, 55)
                for q in range(beats_of_bar[k]):
                    if (q > 0 or k > 0) and rng.random() < 0.8:
                        for n in chord[1:]:
                            notes.append((b0 + s + q, 0.8, n, v(58), "chords"))
            melody(bar, "lead", 82, 0.6)
        else:                                                  # bands
            for k, s in enumerate(starts):
                r, ivk = chord_of(bar, k)
                if k == 0 or rng.random() < 0.55:
                    off = 0.0 if tex != "band_syncopated" or rng.random() < 0.6 else -0.5
                    notes.append((max(0.0, b0 + s + off), beats_of_bar[k] * 0.8, 36 + r, v(88), "bass"))
                chord = _voicing(r, ivk, 55)
                if tex == "band_syncopated" or tex == "band_latin":
                    hits = [q + 0.5 for q in range(beats_of_bar[k]) if rng.random() < 0.6] or [0]
                else:
                    hits = [0] if rng.random() < 0.5 else list(range(beats_of_bar[k]))
                for h in hits:
                    for n in chord:
                        notes.append((b0 + s + h, 0.7, n, v(64), "chords"))
            drums(bar, tex)
            if rng.random() < 0.7:
                melody(bar, "lead", 80, 0.6)
    return notes


def _program_of(plan: VariedPlan, part: str) -> int:
    tex = plan.texture
    if part == "bass":
        return plan.programs["cello"] if tex in ("strings", "chamber") else plan.programs["bass"]
    if part == "lead":
        if tex == "piano":
            return plan.programs["piano"]
        if tex == "chamber":
            return plan.programs["strings"]
        return plan.programs["lead"]
    # chords
    return {"piano": plan.programs["piano"], "strings": plan.programs["strings"], "pad": plan.programs["pad"],
            "guitar": plan.programs["guitar"], "chamber": plan.programs["strings"]}.get(tex, plan.programs["keys"])


# ----------------------------------------------------------------------------- production


def _impulse_response(rt60: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(min(rt60 * 1.2, 3.0) * sr)
    t = np.arange(n) / sr
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    from scipy.signal import butter, sosfilt

    ir = sosfilt(butter(1, min(0.95, float(rng.uniform(2000, 8000)) / (sr / 2)), output="sos"), ir)
    for _ in range(int(rng.integers(2, 7))):                   # a few early reflections
        k = int(rng.uniform(0.003, 0.05) * sr)
        if k < n:
            ir[k] += float(rng.uniform(0.2, 0.8)) * (1 if rng.random() < 0.5 else -1)
    ir[0] = 1.0
    return ir / np.sqrt(np.sum(ir ** 2))


def produce(y: np.ndarray, sr: int, prod: Dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """The production chain: reverb, EQ, compression, stereo-to-mono comb, noise, band limits, codec, levels.

    Args:
        y: mono float audio ``(N,)``.
        prod: the plan's production settings (see :func:`plan_varied`).

    Returns:
        float32 ``(N,)``, normalised to an RMS of 0.05-0.2 with its peak below 0.99.
    """
    from scipy.signal import butter, fftconvolve, sosfilt, stft, istft

    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if prod.get("reverb_rt60", 0) > 0:
        wet = fftconvolve(y, _impulse_response(prod["reverb_rt60"], sr, rng))[:n]
        w = prod["reverb_wet"]
        y = (1 - w) * y + w * wet * (np.std(y) / max(np.std(wet), 1e-9))
    if prod.get("comb_ms", 0) > 0:                             # a stereo pair summed to mono
        k = max(1, int(prod["comb_ms"] / 1000 * sr))
        y = y + 0.7 * np.concatenate([np.zeros(k), y[:-k]])
    # EQ: low and high shelves by splitting bands, and a peak
    nyq = sr / 2
    low = sosfilt(butter(2, 250 / nyq, output="sos"), y)
    high = sosfilt(butter(2, 4000 / nyq, btype="high", output="sos"), y)
    f0 = min(prod.get("eq_peak_hz", 1000), 0.8 * nyq)
    peak = sosfilt(butter(2, [f0 / 1.4 / nyq, min(0.95, f0 * 1.4 / nyq)], btype="band", output="sos"), y)
    g = lambda db: 10 ** (db / 20) - 1  # noqa: E731
    y = y + g(prod.get("eq_low_db", 0)) * low + g(prod.get("eq_high_db", 0)) * high + g(prod.get("eq_peak_db", 0)) * peak
    if prod.get("compress", 0) > 1:                            # feed-forward RMS compressor
        from scipy.signal import lfilter

        env = np.sqrt(lfilter([0.002], [1, -0.998], y ** 2) + 1e-12)
        thr = np.percentile(env, 50)
        gain = np.where(env > thr, (env / thr) ** (1 / prod["compress"] - 1), 1.0)
        y = y * gain
    if prod.get("distort", 0) > 0:
        y = np.tanh(3 * y / (np.max(np.abs(y)) + 1e-9))
    if prod.get("level_changes", 0) > 0:                       # slow swells, fades
        t = np.arange(n) / sr
        db = 6 * np.sin(2 * np.pi * t / float(rng.uniform(6, 20)) + float(rng.uniform(0, 6.3)))
        y = y * 10 ** (db / 20)
    y = y / max(np.sqrt(np.mean(y ** 2)), 1e-9)
    snr = prod.get("noise_snr_db", np.inf)
    if np.isfinite(snr):
        noise = rng.standard_normal(n)
        if rng.random() < 0.6:                                 # pink-ish
            noise = sosfilt(butter(1, 500 / nyq, output="sos"), noise) * 3 + 0.3 * noise
        noise = noise / np.std(noise) * 10 ** (-snr / 20)
        y = y + noise
    if prod.get("hum", 0) > 0:
        t = np.arange(n) / sr
        y = y + 0.03 * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t))
    if prod.get("lowpass_hz", 0) > 0:
        y = sosfilt(butter(6, min(0.95, prod["lowpass_hz"] / nyq), output="sos"), y)
    if prod.get("highpass_hz", 0) > 0:
        y = sosfilt(butter(2, prod["highpass_hz"] / nyq, btype="high", output="sos"), y)
    if prod.get("codec", 0) > 0:                               # lossy-codec-like: drop weak bins, cut the top
        f, _, Z = stft(y, sr, nperseg=1024)
        mag = np.abs(Z)
        thr = prod["codec"] * 0.1 * mag.max(axis=0, keepdims=True)
        Z = np.where(mag >= thr, Z, 0)
        Z[f > float(rng.uniform(7000, 11000))] = 0
        y = istft(Z, sr, nperseg=1024)[1][:n]
        if len(y) < n:
            y = np.concatenate([y, np.zeros(n - len(y))])
    y = y * (float(np.exp(rng.uniform(np.log(0.05), np.log(0.2)))) / max(np.sqrt(np.mean(y ** 2)), 1e-9))
    peak = float(np.max(np.abs(y)))
    if peak > 0.99:
        y = y * (0.99 / peak)
    return y.astype(np.float32)


# ----------------------------------------------------------------------------- one clip


@dataclass
class VariedClip:
    """A rendered varied clip: audio, exact beats (seconds from the clip start) and bar positions."""

    y: np.ndarray
    sr: int
    beats: np.ndarray
    beat_in_bar: np.ndarray
    plan: VariedPlan
    onsets: np.ndarray          # performed note-on times (seconds from the clip start) of every note


def _midi(plan: VariedPlan, notes: List[Note], pulse_times: np.ndarray, rng: np.random.Generator):
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(resolution=960, initial_tempo=120.0)
    ppb = max(METERS[plan.meter])
    insts: Dict[str, "pretty_midi.Instrument"] = {}
    onsets = []
    last = len(pulse_times) - 1.01
    for pos, dur, pitch, vel, part in notes:
        if pos < 0 or pos + dur >= last:
            continue
        if part not in insts:
            insts[part] = (pretty_midi.Instrument(program=0, is_drum=True, name="drums") if part == "drums"
                           else pretty_midi.Instrument(program=_program_of(plan, part), name=part))
        on, off = pulse_to_time(np.array([pos, pos + dur]), pulse_times, plan.swing, ppb)
        on += plan.part_offsets_ms.get(part if part in plan.part_offsets_ms else "chords", 0.0) / 1000
        on += plan.onset_jitter_ms / 1000 * float(np.clip(rng.standard_normal(), -2.5, 2.5))
        on = max(on, 0.0)
        off = max(off, on + 0.05)
        insts[part].notes.append(pretty_midi.Note(velocity=int(vel), pitch=int(np.clip(pitch, 0, 127)),
                                                  start=float(on), end=float(off)))
        onsets.append(on)
    for inst in insts.values():
        inst.notes.sort(key=lambda n: (n.start, n.pitch))
        pm.instruments.append(inst)
    return pm, np.array(sorted(onsets))


def annotate_varied(plan: VariedPlan) -> Tuple[object, float, np.ndarray, np.ndarray, np.ndarray]:
    """Compose and perform a clip without rendering audio.

    Returns:
        ``(pretty_midi, t0, beats, beat_in_bar, onsets)``: ``t0`` the MIDI time where the clip starts;
        beats, bar positions and note onsets relative to ``t0`` (beats inside ``[0, duration)``).
    """
    rng = np.random.default_rng([plan.seed, plan.index, 7])
    beats_of_bar = METERS[plan.meter]
    n_bars = int(np.ceil((plan.duration + 8.0) / (len(beats_of_bar) * 60.0 / plan.bpm))) + 2
    pulse_times, beat_pulses = performance_grid(plan, n_bars, rng)
    while pulse_times[-1] < plan.duration + 6.0:               # long fermatas: add bars until it fits
        n_bars += 4
        pulse_times, beat_pulses = performance_grid(plan, n_bars, rng)
    notes = compose_varied(plan, n_bars, rng)
    pm, onsets = _midi(plan, notes, pulse_times, rng)
    beat_t = pulse_to_time(beat_pulses.astype(float), pulse_times, plan.swing, max(beats_of_bar))
    bib = np.arange(len(beat_t)) % len(beats_of_bar) + 1
    t0 = float(beat_t[len(beats_of_bar)] - rng.uniform(0.0, 1.5))   # start inside the second bar or before
    t0 = max(0.0, t0)
    keep = (beat_t - t0 >= 0) & (beat_t - t0 < plan.duration)
    return pm, t0, beat_t[keep] - t0, bib[keep], onsets - t0


def render_varied(plan: VariedPlan, sr: int = SAMPLE_RATE, produce_audio: bool = True) -> VariedClip:
    """Compose, perform, render (fluidsynth with the plan's soundfont) and produce one clip.

    Raises:
        RuntimeError: if the fluidsynth program is missing or fails.
        FileNotFoundError: if the plan's soundfont is missing.
    """
    if not Path(plan.soundfont).is_file():
        raise FileNotFoundError(f"the plan's soundfont is missing: {plan.soundfont}")
    pm, t0, beats, bib, onsets = annotate_varied(plan)
    y = synth.render_midi(pm, sr, Path(plan.soundfont), dynamic_loading=True)
    s0 = int(round(t0 * sr))
    n = int(round(plan.duration * sr))
    if len(y) < s0 + n:
        y = np.concatenate([y, np.zeros(s0 + n - len(y), np.float32)])
    y = y[s0:s0 + n].astype(np.float64)
    if produce_audio:
        y = produce(y, sr, plan.production, np.random.default_rng([plan.seed, plan.index, 11]))
    else:
        y = (y * 0.1 / max(float(np.sqrt(np.mean(y ** 2))), 1e-9)).astype(np.float32)
    return VariedClip(y=y, sr=sr, beats=beats, beat_in_bar=bib, plan=plan, onsets=onsets)


INDEX_COLUMNS = ("name", "split", "texture", "meter", "bpm", "tempo_curve", "tempo_ratio", "rubato", "fermata_prob",
                 "swing", "soundfont", "reverb_rt60", "noise_snr_db", "codec", "duration")


def generate_varied_set(out_dir: Path, n: int, seed: int = 1, duration: float = 30.0, split: str = "train",
                        sr: int = SAMPLE_RATE, start: int = 0, progress: bool = True,
                        soundfonts: Optional[Sequence[Path]] = None, fmt: str = "flac") -> List[Dict[str, object]]:
    """Render clips ``start .. start + n - 1`` of ``seed`` into ``out_dir`` (audio + .beats + index.csv).

    ``fmt``: ``"flac"`` (16-bit, lossless) or ``"ogg"`` (Vorbis, small: for a committed set).

    Clips already there are kept (the folder is a cache: a second run only adds what is missing).
    """
    import soundfile as sf

    if fmt not in ("flac", "ogg"):
        raise ValueError(f"fmt must be 'flac' or 'ogg', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fonts = list(soundfonts) if soundfonts is not None else available_soundfonts()
    rows = []
    for i in range(start, start + n):
        plan = plan_varied(seed, i, duration, fonts)
        audio, bfile = out / f"{plan.name}.{fmt}", out / f"{plan.name}.beats"
        if not (audio.exists() and bfile.exists()):
            clip = render_varied(plan, sr)
            with atomic_write(audio, "wb") as f:
                if fmt == "ogg":                               # small and byte-reproducible (fixed serial)
                    f.write(synth.encode_ogg(clip.y, sr, serial=7000 + i))
                else:
                    sf.write(f, clip.y, sr, format="FLAC", subtype="PCM_16")
            write_beats(bfile, clip.beats, clip.beat_in_bar)
            if progress:
                print(f"{plan.name}: {plan.texture}, {plan.meter}, {plan.bpm:.0f} BPM, {plan.tempo_curve}, "
                      f"{Path(plan.soundfont).stem}", flush=True)
        row = {**asdict(plan), **plan.production, "split": split}
        row["soundfont"] = Path(plan.soundfont).name
        rows.append({k: (round(row[k], 3) if isinstance(row[k], float) else row[k]) for k in INDEX_COLUMNS})
    index = out / "index.csv"
    old = []
    if index.exists():
        with open(index, newline="") as f:
            old = [r for r in csv.DictReader(f) if r["name"] not in {x["name"] for x in rows}]
    with atomic_write(index, newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(INDEX_COLUMNS), lineterminator="\n")
        w.writeheader()
        for r in sorted(old + rows, key=lambda r: r["name"]):
            w.writerow(r)
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(Path.home() / ".cache" / "tcn-course" / "varied"), help="output folder (a cache)")
    ap.add_argument("--n", type=int, default=480, help="number of clips")
    ap.add_argument("--start", type=int, default=0, help="index of the first clip")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per clip")
    ap.add_argument("--split", default="train", help="label written to index.csv")
    ap.add_argument("--format", choices=("flac", "ogg"), default="flac")
    args = ap.parse_args(argv)
    fonts = available_soundfonts()
    print("soundfonts:", ", ".join(p.name for p in fonts), flush=True)
    rows = generate_varied_set(Path(args.out).expanduser(), args.n, args.seed, args.duration, args.split,
                               start=args.start, soundfonts=fonts, fmt=args.format)
    print(f"{len(rows)} clips in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
