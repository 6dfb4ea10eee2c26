"""From a beat activation to beat times, and how good they are: peak picking, a beat-pointer HMM
decoded with Viterbi, the bar phase from the downbeat activation, and mir_eval's scores.

Pure NumPy (plus SciPy's peak finder and ``mir_eval``): every function takes activations
``(T,)`` in [0, 1] at ``rate`` frames per second and returns times in seconds, so it works for
any model's output, not only :class:`tcnlib.beats.BeatNet`'s.

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .audio import hop_length
from .utils import check_bool, check_int_list, check_positive_int

RATE = 22050 / hop_length(22050, 100.0)
"""Default frame rate of the activations: 22050 Hz / a 220-sample hop = 100.227 frames/s
(the frame rate of :func:`tcnlib.features.beat_features`)."""

MIN_RATE, MAX_RATE = 10.0, 1000.0
"""Accepted frame rates of an activation in frames/s (an audio sample rate is not a frame rate)."""

MIN_BPM, MAX_BPM = 10.0, 1000.0
"""Accepted tempo bounds of :func:`decode_beats` in beats per minute."""

MAX_STATES = 200_000
"""The most HMM states :func:`beat_state_space` builds (about 14 MB of work per frame above it)."""

TEMPO_PRIOR = (85.0, 0.5)
"""Default ``(bpm0, sigma)`` of :func:`decode_beats`' log-normal tempo prior (chosen on validation clips)."""

NO_BEAT_THRESHOLD = 0.2
"""Default height of the activation peaks :func:`decode_beats` takes as evidence of a beat (see there)."""

MIN_EVIDENCE_PEAKS = 3
"""Peaks at or above the threshold :func:`decode_beats` needs before it reports any beat."""


def _check_activation(activation: np.ndarray, name: str = "activation") -> np.ndarray:
    a = np.asarray(activation, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (T,), got shape {a.shape}")
    if not np.all(np.isfinite(a)) or (a.size and (a.min() < 0 or a.max() > 1)):
        raise ValueError(f"{name} must hold finite values in [0, 1] (apply a sigmoid to logits)")
    return a


def _check_rate(rate: Optional[float]) -> float:
    if rate is None:
        return RATE
    r = float(rate)
    if not MIN_RATE <= r <= MAX_RATE:
        raise ValueError(f"rate must be the activation's frame rate in frames per second, from {MIN_RATE:g} "
                         f"to {MAX_RATE:g} (e.g. 100), got {rate!r}; an audio sample rate is not a frame rate")
    return r


def _check_unit_interval(name: str, value: float, low_open: bool = False, high_open: bool = False) -> float:
    v = float(value)
    ok = (v > 0 if low_open else v >= 0) and (v < 1 if high_open else v <= 1)
    if not ok:
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


# ----------------------------------------------------------------------------- peak picking


def pick_peaks(activation: np.ndarray, threshold: float = 0.5, min_distance: float = 0.1,
               rate: Optional[float] = None) -> np.ndarray:
    """The simplest decoder: local maxima above ``threshold``, at least ``min_distance`` apart.

    Args:
        activation: ``(T,)`` values in [0, 1].
        threshold: minimum height of a peak, in [0, 1].
        min_distance: minimum time between peaks in seconds.
        rate: frames per second (default :data:`RATE`).

    Returns:
        Peak times in seconds ``(n,)`` (empty when nothing reaches ``threshold``).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    from scipy.signal import find_peaks

    a = _check_activation(activation)
    rate = _check_rate(rate)
    _check_unit_interval("threshold", threshold)
    if not min_distance > 0:
        raise ValueError(f"min_distance must be a positive number of seconds, got {min_distance!r}")
    peaks, _ = find_peaks(a, height=threshold, distance=max(1, int(round(min_distance * rate))))
    return peaks / rate


# ----------------------------------------------------------------------------- the beat-pointer HMM


def beat_state_space(min_bpm: float = 55.0, max_bpm: float = 215.0,
                     rate: Optional[float] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The states of the beat-pointer HMM: one cycle of positions per beat interval.

    A state is (interval ``tau`` in frames, position ``p`` in ``0 .. tau-1``); the pointer advances
    one position per frame and wraps to ``p = 0`` at a beat, where the interval may change.

    Returns:
        ``(intervals, interval_of_state, position_of_state)``: the intervals ``(K,)`` (frames per
        beat, from ``60 * rate / max_bpm`` to ``60 * rate / min_bpm``), and per state ``(S,)`` its
        interval index and position. States of one interval are contiguous, position 0 first.

    Raises:
        ValueError: unless ``MIN_BPM <= min_bpm < max_bpm <= MAX_BPM`` and ``rate`` is a frame rate
            in ``[MIN_RATE, MAX_RATE]``, or if the range needs more than :data:`MAX_STATES` states.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    lo_bpm, hi_bpm = float(min_bpm), float(max_bpm)
    if not MIN_BPM <= lo_bpm < hi_bpm <= MAX_BPM:
        raise ValueError(f"need {MIN_BPM:g} <= min_bpm < max_bpm <= {MAX_BPM:g} beats per minute, "
                         f"got min_bpm={min_bpm}, max_bpm={max_bpm}")
    rate = _check_rate(rate)
    lo = max(2, int(np.floor(60.0 * rate / hi_bpm)))
    hi = max(lo, int(np.ceil(60.0 * rate / lo_bpm)))
    intervals = np.arange(lo, hi + 1)
    n_states = int(intervals.sum())
    if n_states > MAX_STATES:
        raise ValueError(f"min_bpm={min_bpm} at rate={rate:g} frames/s needs {n_states} HMM states (at most "
                         f"{MAX_STATES}): raise min_bpm or give the activation at a lower frame rate")
    interval_of_state = np.repeat(np.arange(len(intervals)), intervals)
    starts = np.concatenate([[0], np.cumsum(intervals)[:-1]])
    position_of_state = np.arange(n_states) - np.repeat(starts, intervals)
    return intervals, interval_of_state, position_of_state


def decode_beats(activation: np.ndarray, min_bpm: float = 55.0, max_bpm: float = 215.0,
                 transition_lambda: float = 100.0, beat_width: int = 3, neutral: float = 0.1,
                 rate: Optional[float] = None, correct: bool = True,
                 tempo_prior: Optional[Tuple[float, float]] = TEMPO_PRIOR,
                 threshold: float = NO_BEAT_THRESHOLD, hold: float = 0.0) -> np.ndarray:
    """Beat times from a beat activation with a beat-pointer HMM and Viterbi decoding.

    The hidden state is (beat interval, position within the beat). The pointer moves one position
    per frame; at the end of a beat it wraps to position 0 and may change the interval from
    ``tau`` to ``tau'`` with probability proportional to ``exp(-lambda * |tau'/tau - 1|)`` (tempo
    is smooth). The first ``beat_width`` positions of each beat (the beat region) observe the
    activation ``a`` with likelihood ``a / neutral``, all other positions with
    ``(1 - a) / (1 - neutral)``. So every beat the path places earns
    ``log(a / (1 - a)) - log(neutral / (1 - neutral))``: positive on a peak above ``neutral``,
    negative on weaker off-beat activity (which keeps the decoder from doubling the tempo) and in
    silence (where the tempo stiffness keeps the beats going). madmom's model is the same with
    ``neutral = 1 / observation_lambda`` and a beat region of ``1 / observation_lambda`` of a beat.
    Viterbi finds the best path; beats are where the path enters position 0 (with ``correct``:
    moved to the activation's maximum within +-2 frames, since the path's integer intervals cannot
    hit every peak exactly).

    Tempo prior (metrical level): a network trained on beats also fires, more weakly or not, on
    eighth notes, and the path "two beats per beat" can then score as well as the true one. With
    ``tempo_prior = (bpm0, sigma)`` every beat also pays ``(log(bpm / bpm0) / sigma)**2 / 2`` (a
    log-normal prior on the tempo, as in many trackers, e.g. Ellis 2007, librosa), added at each
    wrap. Because it is paid per beat, a double-tempo path pays it twice as often, so between two
    octaves that the activation explains about equally well the one nearer ``bpm0`` wins, while a
    clear activation still overrides it (a waltz at 178 BPM stays at 178, and a clean 70-BPM
    activation with off-beat noise stays at 70: ``tests/test_beats.py``). The default ``(85, 0.5)``
    was chosen on the validation clips only, among the priors that keep those synthetic checks:
    ``bpm0`` 80..90 with ``sigma`` 0.4..0.7 all give the same validation scores (95 and above give
    fewer corrections). It is a tie-breaker between octaves, not a tempo estimate: the training
    clips' tempi are log-normal around 113 BPM with sigma 0.31, a prior that strong doubles a
    noisy 70-BPM activation. ``None`` switches it off.

    Held beats (``hold > 0``): performers hold a note at a phrase end (a fermata) or wait before
    going on, and the tempo afterwards is the tempo before. The tempo-change model alone can only
    follow that by changing the interval twice (to a long one and back), which costs about
    ``2 * lambda * (ratio - 1)`` (200 for a beat held twice as long at the default stiffness), so the
    decoder keeps its grid and loses the phase for the rest of the piece. A hold state per interval
    lets the pointer wait at the end of a beat: entering it costs ``log(hold)``, every frame in it
    ``log(1 - 1 / tau)`` (a wait of about one beat costs about 1), leaving it ``log(1 / tau)``; the
    interval (the tempo) is kept, and no beat is placed while holding. ``hold = 0`` (the default)
    is the plain model above.

    No beat found: the HMM always finds *some* path, so on its own it lays a steady grid over
    digital silence or noise (27 beats in 30 s of either). So the activation must show evidence:
    at least :data:`MIN_EVIDENCE_PEAKS` peaks reaching ``threshold`` (one onset, such as the start
    of a noise, is not a beat), else the result is empty ("no beat found"). Beats are then kept
    from two beat intervals before the first such peak to two after the last: drum breaks inside
    the music are still bridged, silent intros and outros get no beats. On the example set's
    validation and test clips this changes no beat of any of the three pretrained models (a
    margin of one interval, or a threshold of 0.3, would drop some true beats at the clip ends).

    The Viterbi step is vectorised over states: a shift for "advance", and a ``(K, K)`` max-plus
    product over the K intervals for "wrap" (K ~ 80), so a 30-s clip takes a fraction of a second.

    Args:
        activation: beat activation ``(T,)`` in [0, 1].
        min_bpm, max_bpm: tempo range, within ``[MIN_BPM, MAX_BPM]``.
        transition_lambda: tempo-change stiffness (larger: steadier tempo).
        beat_width: frames of the beat region (3: a peak and its two neighbours).
        neutral: the activation at which placing a beat neither gains nor costs (see above).
        rate: frames per second of the activation (default :data:`RATE`), in ``[MIN_RATE, MAX_RATE]``.
        correct: move each beat to the activation's maximum within +-2 frames.
        tempo_prior: ``(bpm0, sigma)`` of the log-normal tempo prior (see above), or None.
        threshold: height of an activation peak that counts as evidence of a beat, in [0, 1]
            (0: no gate, the HMM's grid is returned as it is).
        hold: probability of holding at the end of a beat (a fermata, see above), in [0, 1);
            0: no hold states.

    Returns:
        Beat times in seconds ``(n,)``, increasing; empty for fewer than 2 frames or when the
        activation holds no evidence of a beat (see above).

    Raises:
        ValueError: naming the argument, for an activation that is not 1-D in [0, 1], a tempo
            range or rate outside the accepted ranges, or a ``beat_width`` that does not fit the
            shortest beat interval.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    a = _check_activation(activation)
    if not transition_lambda > 0:
        raise ValueError(f"transition_lambda must be positive, got {transition_lambda!r}")
    beat_width = check_positive_int("beat_width", beat_width, unit="frames")
    _check_unit_interval("neutral", neutral, low_open=True, high_open=True)
    threshold = _check_unit_interval("threshold", threshold)
    correct = check_bool("correct", correct)
    hold = _check_unit_interval("hold", hold, high_open=True)
    prior = None
    if tempo_prior is not None:
        bpm0, sigma = (float(v) for v in tempo_prior)
        if not (bpm0 > 0 and sigma > 0):
            raise ValueError(f"tempo_prior must be (bpm0, sigma) with both positive, got {tuple(tempo_prior)!r}")
        prior = (bpm0, sigma)
    rate = _check_rate(rate)
    intervals, ios, pos = beat_state_space(min_bpm, max_bpm, rate)
    if beat_width >= intervals[0]:
        raise ValueError(f"beat_width must be shorter than the shortest beat interval ({intervals[0]} frames), "
                         f"got {beat_width}")
    T = len(a)
    if T < 2:
        return np.zeros(0)
    evidence = None
    if threshold > 0:
        from scipy.signal import find_peaks

        evidence, _ = find_peaks(a, height=threshold, distance=int(intervals[0]))
        if len(evidence) < MIN_EVIDENCE_PEAKS:
            return np.zeros(0)
    K, S = len(intervals), len(ios)
    first = np.concatenate([[0], np.cumsum(intervals)[:-1]])
    last = first + intervals - 1
    is_beat = pos < beat_width
    ratio = intervals[None, :] / intervals[:, None]           # (from, to)
    log_trans = -transition_lambda * np.abs(ratio - 1.0)
    log_trans -= np.logaddexp.reduce(log_trans, axis=1, keepdims=True)
    if prior is not None:
        bpm0, sigma = prior
        log_trans = log_trans - 0.5 * (np.log(60.0 * rate / intervals / bpm0) / sigma)[None, :] ** 2
    eps = 1e-7
    log_b = np.log(np.clip(a, eps, 1.0)) - np.log(neutral)
    log_n = np.log(np.clip(1.0 - a, eps, 1.0)) - np.log(1.0 - neutral)
    delta = np.full(S, -np.log(S)) + np.where(is_beat, log_b[0], log_n[0])
    back = np.empty((T, K), dtype=np.int16)
    cols = np.arange(K)
    new = np.empty(S)
    if hold > 0:    # one hold state per interval, after the last position (states S .. S + K - 1)
        log_go, log_enter = np.log1p(-hold), np.log(hold)
        log_stay, log_leave = np.log1p(-1.0 / intervals), -np.log(intervals)
        leave_wins, stay_wins = log_go - log_leave, log_enter - log_stay   # thresholds on held - ends
        held = np.full(K, -np.inf)
        from_held = np.zeros((T, K), dtype=bool)              # the wrap at t left the hold state
        stayed = np.zeros((T, K), dtype=bool)                 # the hold state at t was held at t - 1
    for t in range(1, T):
        ends = delta[last]
        if hold > 0:
            gap = held - ends
            np.greater(gap, leave_wins, out=from_held[t])
            np.greater(gap, stay_wins, out=stayed[t])
            held = ends + np.maximum(gap + log_stay, log_enter)   # holding explains no frame (neutral)
            ends = ends + np.maximum(gap + log_leave, log_go)
        cand = ends[:, None] + log_trans                    # (K from, K to)
        arg = cand.argmax(axis=0)
        back[t] = arg
        new[1:] = delta[:-1]
        new[first] = cand[arg, cols]
        delta = new + np.where(is_beat, log_b[t], log_n[t])
        new = np.empty(S)
    path = np.empty(T, dtype=np.int64)                      # state per frame, S + k: holding in interval k
    s = int(delta.argmax())
    if hold > 0 and held.max() > delta[s]:
        s = S + int(held.argmax())
    path[-1] = s
    for t in range(T - 1, 0, -1):
        if s >= S:                                          # holding: came from holding or from the end
            k = s - S
            s = s if stayed[t, k] else int(last[k])
        elif pos[s] == 0:                                   # a wrap: from the end of a beat or a hold
            k = int(back[t, ios[s]])
            s = S + k if hold > 0 and from_held[t, k] else int(last[k])
        else:
            s = s - 1
        path[t - 1] = s
    frames = np.flatnonzero((pos[np.minimum(path, S - 1)] == 0) & (path < S))
    if frames.size and frames[0] == 0 and a[0] < 0.5 * a.max():
        frames = frames[1:]          # the path has to start somewhere: not a beat
    if correct and frames.size:
        lo = np.clip(frames - 2, 0, T - 1)
        window = np.stack([a[np.clip(lo + d, 0, T - 1)] for d in range(5)])
        frames = np.clip(lo + window.argmax(axis=0), 0, T - 1)
    if evidence is not None and frames.size > 1:
        margin = 2 * float(np.median(np.diff(frames)))
        frames = frames[(frames >= evidence[0] - margin) & (frames <= evidence[-1] + margin)]
    return np.unique(frames) / rate


def decode_downbeats(beats: np.ndarray, downbeat_activation: np.ndarray, meters: Sequence[int] = (3, 4),
                     rate: Optional[float] = None) -> Tuple[np.ndarray, int]:
    """Choose the meter and bar phase that best explain the downbeat activation at the beats.

    For each meter ``m`` and phase ``k`` the candidate downbeats are ``beats[k::m]``; the score is
    the mean downbeat activation there minus the mean at the other beats. A constant meter per
    clip is assumed (true of the example set and most pop music).

    Args:
        beats: beat times in seconds ``(n,)``.
        downbeat_activation: ``(T,)`` in [0, 1].
        meters: candidate beats per bar (integers >= 2).
        rate: frames per second (default :data:`RATE`).

    Returns:
        ``(downbeat_times, meter)`` (no downbeats without beats).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    a = _check_activation(downbeat_activation, "downbeat_activation")
    try:
        meters = check_int_list("meters", meters, minimum=2)
    except ValueError:
        raise ValueError(f"meters must be a non-empty list of integers >= 2, got {meters!r}") from None
    rate = _check_rate(rate)
    beats = np.asarray(beats, dtype=float)
    if beats.ndim != 1 or not np.all(np.isfinite(beats)):
        raise ValueError(f"beats must be 1-D finite times in seconds, got shape {beats.shape}")
    if np.any(np.diff(beats) <= 0):
        raise ValueError("beats must be increasing times in seconds (as decode_beats returns them)")
    if beats.size == 0 or a.size == 0:
        return np.zeros(0), meters[0]
    idx = np.clip(np.round(beats * rate).astype(int), 0, len(a) - 1)
    # the largest activation within +-2 frames of each beat
    win = np.stack([a[np.clip(idx + d, 0, len(a) - 1)] for d in range(-2, 3)]).max(axis=0)
    best = (-np.inf, meters[0], 0)
    for m in meters:
        for k in range(m):
            chosen = np.zeros(len(beats), dtype=bool)
            chosen[k::m] = True
            other = win[~chosen].mean() if (~chosen).any() else 0.0
            score = win[chosen].mean() - other
            if score > best[0] + 1e-9:
                best = (score, m, k)
    _, m, k = best
    return beats[k::m], m


# ----------------------------------------------------------------------------- evaluation


def _check_times(name: str, times: Optional[np.ndarray]) -> np.ndarray:
    if times is None:
        raise ValueError(f"{name} must be an array of beat times in seconds, got None")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"{name} must be 1-D finite beat times >= 0 seconds, got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"{name} must be increasing beat times in seconds")
    return t


def evaluate_beats(reference: np.ndarray, estimate: np.ndarray, skip: float = 5.0) -> Dict[str, float]:
    """mir_eval's beat metrics: F-measure (+-70 ms), CMLt and AMLt (continuity, allowed levels).

    As is standard (and mir_eval's default), beats in the first ``skip`` = 5 seconds are ignored
    on both sides: a tracker needs a few beats to lock on. An empty estimate scores 0.

    Args:
        reference: annotated beat times in seconds (increasing).
        estimate: estimated beat times in seconds (increasing; may be empty).
        skip: seconds at the start that are not scored (``0`` scores everything, e.g. short clips).

    Returns:
        ``{"F-measure": ..., "CMLt": ..., "AMLt": ...}``, each in [0, 1].

    Raises:
        ValueError: if ``reference`` is None, empty or has no beat after ``skip`` seconds (a
            clip shorter than 5 s: pass ``skip=0``), or either array is not increasing times.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import mir_eval

    ref = _check_times("reference", reference)
    est = _check_times("estimate", estimate)
    if not float(skip) >= 0:
        raise ValueError(f"skip must be a number of seconds >= 0, got {skip!r}")
    if ref.size == 0:
        raise ValueError("reference holds no beats: there is nothing to score against")
    ref = mir_eval.beat.trim_beats(ref, min_beat_time=float(skip))
    est = mir_eval.beat.trim_beats(est, min_beat_time=float(skip))
    if ref.size == 0:
        raise ValueError(f"reference has no beat after the first {float(skip):g} s, which are not scored; "
                         "for a short clip pass skip=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mir_eval warns about an empty estimate, which scores 0
        f = mir_eval.beat.f_measure(ref, est)
        _, cmlt, _, amlt = mir_eval.beat.continuity(ref, est)
    return {"F-measure": float(f), "CMLt": float(cmlt), "AMLt": float(amlt)}


def mean_scores(scores: Sequence[Dict[str, float]]) -> Dict[str, float]:
    """Average a list of :func:`evaluate_beats` dicts key by key.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if not scores:
        raise ValueError("scores must hold at least one dict of metrics")
    keys = set(scores[0])
    if any(set(s) != keys for s in scores):
        raise ValueError(f"scores must all have the same keys (as evaluate_beats returns them), got "
                         f"{sorted({tuple(sorted(s)) for s in scores})}")
    return {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}
