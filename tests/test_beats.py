"""Tests of the beat path: tcnlib.beats (batches, models, training, the pretrained tracker) and
tcnlib.beat_decode (decoders, evaluation). The features have their own tests (test_features.py)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tcnlib
from tcnlib import beats

RATE = beats.frame_rate()


def targets(times, n_frames, widen=0.5):
    """Frame targets at the beat models' rate (one frame of widening at ``widen``), beats past the end dropped."""
    return tcnlib.beat_targets(np.asarray(times), n_frames, beats.SR, beats.FPS, widen=1 if widen else 0,
                               widen_value=widen or 0.5, outside="drop")


def click_track(bpm: float, seconds: float, sr: int = 22050, offset: float = 0.5) -> tuple:
    """A metronome: short decaying noise bursts at every beat, louder on every 4th."""
    rng = np.random.default_rng(0)
    y = 0.001 * rng.normal(size=int(seconds * sr)).astype(np.float32)
    times = np.arange(offset, seconds - 0.2, 60.0 / bpm)
    burst = (rng.normal(size=int(0.03 * sr)) * np.exp(-np.linspace(0, 8, int(0.03 * sr)))).astype(np.float32)
    for i, t in enumerate(times):
        s = int(t * sr)
        y[s:s + len(burst)] += (0.8 if i % 4 == 0 else 0.4) * burst[: len(y) - s]
    return y, times


# ----------------------------------------------------------------------------- training batches


def test_make_beat_batch_shapes_targets_and_reproducibility():
    names = tcnlib.list_example_clips("validation")[:2]
    x, y = beats.make_beat_batch(names, seed=3, batch_size=2, frames=300)
    x2, y2 = beats.make_beat_batch(names, seed=3, batch_size=2, frames=300)
    assert x.shape == (2, beats.N_MELS, 300) and y.shape == (2, 2, 300)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    # downbeats are beats: every downbeat frame is a beat frame
    assert torch.all(y[:, 0][y[:, 1] == 1] == 1)
    assert (y[:, 0] == 1).sum() > 0
    # without augmentation, the first crop's targets are those of the clip at its offset
    xa, ya = beats.make_beat_batch(names[:1], seed=0, batch_size=1, frames=300, augment=False)
    S, b, _, _ = beats.example_features(names[0])
    full = targets(b, S.shape[1])
    start = next(s for s in range(S.shape[1] - 299) if np.array_equal(S[:, s:s + 300], xa[0].numpy()))
    np.testing.assert_array_equal(ya[0, 0].numpy(), full[start:start + 300])
    with pytest.raises(ValueError, match="names must list at least one"):
        beats.make_beat_batch([], 0)
    with pytest.raises(ValueError, match=r"widen must be in \[0, 1\]"):
        beats.make_beat_batch(names, 0, widen=2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        beats.make_beat_batch(names, 0, batch_size=0)


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize("kind, kwargs, field", [
    ("tcn", {}, 1 + 2 * 4 * 2047 + 4),
    ("cnn", dict(channels=32, kernel_size=3, n_blocks=4), 1 + 2 * 2 * 4 + 4),
])
def test_beatnet_shapes_and_receptive_field(kind, kwargs, field):
    m = beats.BeatNet(kind, **kwargs).eval()
    assert m(torch.randn(2, beats.N_MELS, 37)).shape == (2, 2, 37)
    assert m.receptive_field == field


def test_beatnet_causal_does_not_see_the_future():
    torch.manual_seed(0)
    m = beats.BeatNet("tcn", n_blocks=4, causal=True).eval()
    x = torch.randn(1, beats.N_MELS, 60)
    x2 = x.clone()
    x2[..., 40:] = torch.randn(1, beats.N_MELS, 20)
    with torch.no_grad():
        a, b = m(x), m(x2)
    torch.testing.assert_close(a[..., :40], b[..., :40])
    assert not torch.allclose(a[..., 40:], b[..., 40:])
    nc = beats.BeatNet("tcn", n_blocks=4, causal=False).eval()
    with torch.no_grad():
        assert not torch.allclose(nc(x)[..., :40], nc(x2)[..., :40])


def test_beatnet_errors():
    with pytest.raises(ValueError, match=r"kind must be one of \['tcn', 'cnn'\]"):
        beats.BeatNet("rnn")
    with pytest.raises(ValueError, match=r"x must have shape \(B, 80, T\)"):
        beats.BeatNet()(torch.randn(1, 40, 10))
    with pytest.raises(ValueError, match="n_mels must be at least 26"):
        beats.BeatNet(n_mels=20)


def test_save_and_load_beat_model(tmp_path):
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2)
    p = beats.save_beat_model(tmp_path / "m.pt", m, {"note": "test", "score": 0.5})
    ckpt = torch.load(p, weights_only=True)  # plain tensors and containers only
    assert ckpt["config"]["kind"] == "cnn"
    m2 = beats.load_beat_model(p)
    assert not m2.training and m2.info == {"note": "test", "score": 0.5}
    x = torch.randn(1, beats.N_MELS, 30)
    with torch.no_grad():
        torch.testing.assert_close(m.eval()(x), m2(x))
    with pytest.raises(FileNotFoundError, match="no beat-model checkpoint"):
        beats.load_beat_model(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="is not a beat-model checkpoint"):
        beats.load_beat_model(tmp_path / "junk.pt")


@pytest.mark.parametrize("decoder, match", [
    ({"min_bpm": -5}, r"min_bpm"),
    ({"min_bpm": 200, "max_bpm": 100}, r"min_bpm < max_bpm"),
    ({"threshold": 2.0}, r"threshold"),
    ({"transition_lambda": 0}, r"transition_lambda"),
    ({"tempo_prior": [85]}, r"tempo_prior.*\(bpm0, sigma\)"),
    ({"tempo_prior": [85, -1]}, r"tempo_prior"),
    ({"max_bpm": "fast"}, r"max_bpm"),
    ({"min_tempo": 40}, r"unknown settings \['min_tempo'\]; accepted: \['min_bpm'"),
    ("40-240", r"must be a dict"),
])
def test_a_checkpoint_with_bad_decoder_settings_is_refused_at_load(tmp_path, decoder, match):
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2)
    p = beats.save_beat_model(tmp_path / "m.pt", m, {"decoder": decoder})
    with pytest.raises(ValueError, match=match) as err:
        beats.load_beat_model(p)
    assert "m.pt" in str(err.value) and "info['decoder']" in str(err.value)
    with pytest.raises(ValueError, match=match):
        tcnlib.track_beats(np.zeros(22050), 22050, checkpoint=p)
    m.info = {"decoder": decoder}  # a model built in memory: the same check when it is used
    with pytest.raises(ValueError, match=match):
        beats.decoder_settings(m)


def test_good_decoder_settings_are_returned_as_decode_beats_arguments(tmp_path):
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2)
    dec = {"min_bpm": 40.0, "max_bpm": 240.0, "tempo_prior": [100, 0.5], "threshold": 0.35}
    p = beats.save_beat_model(tmp_path / "m.pt", m, {"decoder": dec})
    assert beats.decoder_settings(beats.load_beat_model(p)) == {**dec, "tempo_prior": (100, 0.5)}
    assert beats.decoder_settings(beats.load_beat_model(beats.save_beat_model(tmp_path / "n.pt", m))) == {}


def test_save_beat_model_stores_plain_info_and_writes_atomically(tmp_path):
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2)
    info = {"f": np.float32(0.5), "n": np.int64(3), "ok": np.bool_(True), "path": tmp_path / "x",
            "nested": {"scores": [np.float64(0.25), 1]}}
    p = beats.save_beat_model(tmp_path / "m.pt", m, info)
    got = beats.load_beat_model(p).info  # weights_only=True reads it back
    assert got == {"f": 0.5, "n": 3, "ok": True, "path": str(tmp_path / "x"), "nested": {"scores": [0.25, 1]}}
    assert type(got["n"]) is int and type(got["f"]) is float
    before = p.read_bytes()
    with pytest.raises(ValueError, match=r"info must hold plain values .* got ndarray at info\['arr'\]"):
        beats.save_beat_model(p, m, {"arr": np.zeros(3)})
    assert p.read_bytes() == before and sorted(f.name for f in tmp_path.iterdir()) == ["m.pt"]


def test_beat_activations_range_and_errors():
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2).train()
    a = beats.beat_activations(m, np.zeros((beats.N_MELS, 25), dtype=np.float32))
    assert a.shape == (2, 25) and np.all((a >= 0) & (a <= 1))
    assert m.training  # restored
    with pytest.raises(ValueError, match=r"S must be a spectrogram of shape \(n_mels, T\)"):
        beats.beat_activations(m, np.zeros(10))


def test_count_parameters():
    assert beats.count_parameters(torch.nn.Linear(3, 2)) == 8


# ----------------------------------------------------------------------------- decoding


def test_pick_peaks():
    a = np.zeros(300)
    a[[20, 25, 100, 200]] = [0.9, 0.6, 0.4, 0.8]
    np.testing.assert_allclose(beats.pick_peaks(a, 0.5, 0.1), np.array([20, 200]) / RATE)
    np.testing.assert_allclose(beats.pick_peaks(a, 0.3, 0.01), np.array([20, 25, 100, 200]) / RATE)
    with pytest.raises(ValueError, match=r"activation must hold finite values in \[0, 1\]"):
        beats.pick_peaks(a * 3)
    with pytest.raises(ValueError, match="activation must be 1-D"):
        beats.pick_peaks(a[None])
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        beats.pick_peaks(a, threshold=2)
    with pytest.raises(ValueError, match="min_distance must be a positive"):
        beats.pick_peaks(a, min_distance=0)


def test_beat_state_space():
    intervals, ios, pos = beats.beat_state_space(60, 120, rate=100)
    assert intervals[0] == 50 and intervals[-1] == 100
    assert len(ios) == len(pos) == intervals.sum()
    starts = np.flatnonzero(pos == 0)
    np.testing.assert_array_equal(ios[starts], np.arange(len(intervals)))
    np.testing.assert_array_equal(np.diff(np.append(starts, len(pos))), intervals)
    with pytest.raises(ValueError, match="need 10 <= min_bpm < max_bpm <= 1000 beats per minute"):
        beats.beat_state_space(120, 60)


def _activation(times, n, rng=None, noise=0.0):
    a = 0.9 * targets(np.asarray(times), n, widen=0.5) + 0.02
    if rng is not None:
        a = np.clip(a + noise * rng.uniform(size=n), 0, 1)
    return a


@settings(max_examples=8, deadline=None)
@given(bpm=st.floats(70, 190), offset=st.floats(0.0, 0.6), seed=st.integers(0, 100))
def test_decode_beats_recovers_a_steady_tempo(bpm, offset, seed):
    rng = np.random.default_rng(seed)
    times = np.arange(offset, 20.0, 60.0 / bpm)
    est = beats.decode_beats(_activation(times, int(20.5 * RATE), rng=rng, noise=0.15))
    assert beats.evaluate_beats(times, est)["F-measure"] >= 0.95


def test_decode_beats_bridges_missing_beats_and_follows_tempo_change():
    times = np.concatenate([np.arange(0.5, 10, 0.5), 10 + np.arange(0, 10, 0.45)])
    act = _activation(times, 2100)
    gap = (np.arange(2100) > 600) & (np.arange(2100) < 850)
    act[gap] = 0.02  # 2.5 s without any evidence: the HMM keeps the tempo going
    est = beats.decode_beats(act)
    assert beats.evaluate_beats(times, est)["F-measure"] >= 0.95
    peaks = beats.pick_peaks(act)
    assert beats.evaluate_beats(times, peaks)["F-measure"] < beats.evaluate_beats(times, est)["F-measure"]


def test_decode_beats_hold_keeps_the_tempo_and_the_phase_after_a_fermata():
    """A beat held 1.5 times as long at 90 BPM, then the same tempo on a new phase: the plain
    model keeps its grid (off-beat afterwards), hold states follow; with hold=0 nothing changes."""
    period = 60 / 90
    first = np.arange(0.5, 10, period)
    times = np.concatenate([first, first[-1] + 1.5 * period + np.arange(0, 9, period)])   # one beat held 1.5x
    act = _activation(times, 2100)
    plain, held = beats.decode_beats(act), beats.decode_beats(act, hold=1e-3)
    def missed(est):
        return int(sum(np.min(np.abs(est - t)) > 0.05 for t in times))

    def inside_hold(est):
        return int(np.sum((est > first[-1] + 0.1) & (est < first[-1] + 1.5 * period - 0.1)))

    assert missed(held) == 0 and inside_hold(held) == 0
    assert missed(plain) >= 1 and inside_hold(plain) >= 1             # plain: a beat in the hold, then catches up
    gaps = np.diff(held[held < times[-1] + 0.1])
    assert np.allclose(gaps[gaps < 1.2 * period], period, atol=0.02)   # the tempo is kept around the hold
    steady = np.arange(0.5, 20, period)
    np.testing.assert_array_equal(beats.decode_beats(_activation(steady, 2100), hold=1e-3),
                                  beats.decode_beats(_activation(steady, 2100)))
    np.testing.assert_array_equal(beats.decode_beats(act, hold=0.0), plain)


def test_decode_beats_edge_cases_and_errors():
    assert beats.decode_beats(np.array([0.5])).size == 0
    assert beats.decode_beats(np.zeros(0)).size == 0
    with pytest.raises(ValueError, match="transition_lambda must be positive"):
        beats.decode_beats(np.zeros(10), transition_lambda=0)
    with pytest.raises(ValueError, match="beat_width must be a positive integer"):
        beats.decode_beats(np.zeros(10), beat_width=0)
    with pytest.raises(ValueError, match="beat_width must be shorter than the shortest beat interval"):
        beats.decode_beats(np.zeros(10), beat_width=40)
    with pytest.raises(ValueError, match=r"activation must hold finite values in \[0, 1\]"):
        beats.decode_beats(np.array([0.1, np.nan]))
    with pytest.raises(ValueError, match="tempo_prior must be"):
        beats.decode_beats(np.zeros(10), tempo_prior=(0.0, 0.5))


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_bpm=1), r"need 10 <= min_bpm < max_bpm <= 1000 beats per minute, got min_bpm=1"),
    (dict(max_bpm=float("inf")), r"need 10 <= min_bpm < max_bpm <= 1000 beats per minute, .*max_bpm=inf"),
    (dict(min_bpm=float("nan")), r"need 10 <= min_bpm < max_bpm"),
    (dict(rate=22050), r"rate must be the activation's frame rate in frames per second, from 10 to 1000 "
                       r"\(e.g. 100\), got 22050; an audio sample rate is not a frame rate"),
    (dict(rate=0), r"rate must be the activation's frame rate"),
    (dict(rate=1000, min_bpm=10), r"min_bpm=10 at rate=1000 frames/s needs \d+ HMM states \(at most 200000\)"),
    (dict(neutral=1.0), r"neutral must be in \(0, 1\), got 1.0"),
    (dict(threshold=1.5), r"threshold must be in \[0, 1\], got 1.5"),
    (dict(hold=1.0), r"hold must be in \[0, 1\), got 1.0"),
    (dict(hold=-0.1), r"hold must be in \[0, 1\), got -0.1"),
    (dict(beat_width=True), r"beat_width must be a positive integer number of frames, got True"),
])
def test_decode_beats_rejects_out_of_range_settings_naming_them(kwargs, match):
    """Settings that would take hours or gigabytes, or blame the wrong argument, are refused at once."""
    with pytest.raises(ValueError, match=match):
        beats.decode_beats(np.full(500, 0.5), **kwargs)


def test_decode_beats_finds_no_beat_without_evidence():
    assert beats.decode_beats(np.zeros(3000)).size == 0                  # silence: no grid
    rng = np.random.default_rng(0)
    noise = np.clip(0.02 + 0.02 * rng.uniform(size=3000), 0, 1)
    noise[0] = 0.55                                                      # the onset of a noise
    assert beats.decode_beats(noise).size == 0
    assert beats.decode_beats(noise, threshold=0).size > 20             # without the gate: a made-up grid
    # silent intro and outro: beats only where the music is (and at most two intervals beside it)
    times = np.arange(10.0, 20.0, 0.7)
    a = _activation(times, int(30 * RATE))
    est = beats.decode_beats(a)
    assert est.min() >= 10.0 - 2 * 0.7 - 0.05 and est.max() <= times[-1] + 2 * 0.7 + 0.05
    assert beats.evaluate_beats(times, est, skip=0)["F-measure"] >= 0.9
    assert len(beats.decode_beats(a, threshold=0)) > len(est) + 10     # the HMM alone fills 20 s of silence


def test_tempo_prior_breaks_octave_ties_but_not_clear_evidence():
    # strong peaks at 70 BPM with weak ones (0.2) half-way between: the "eighth notes" of a ballad
    strong = np.arange(0.5, 20, 60 / 70)
    weak = strong + 30 / 70
    a = np.clip(0.9 * targets(strong, 2100, widen=0.5)
                + 0.2 * targets(weak, 2100, widen=0.5) + 0.01, 0, 1)
    bpm = lambda est: 60 / np.median(np.diff(est))  # noqa: E731
    assert abs(bpm(beats.decode_beats(a, tempo_prior=None)) - 140) < 3   # every peak is worth a beat
    assert abs(bpm(beats.decode_beats(a)) - 70) < 2                       # the prior prefers 70 BPM
    # equally strong peaks at 140 BPM stay at 140 BPM: the prior only breaks near-ties
    even = np.clip(0.9 * targets(np.sort(np.concatenate([strong, weak])), 2100, widen=0.5) + 0.01, 0, 1)
    assert abs(bpm(beats.decode_beats(even)) - 140) < 3


@pytest.mark.parametrize("meter, phase", [(4, 0), (4, 2), (3, 1)])
def test_decode_downbeats_finds_meter_and_phase(meter, phase):
    b = np.arange(0.5, 20, 0.5)
    down = b[phase::meter]
    act = 0.8 * targets(down, 2100, widen=0.5) + 0.05
    got, m = beats.decode_downbeats(b, act)
    assert m == meter
    np.testing.assert_allclose(got, down)
    assert beats.decode_downbeats(np.zeros(0), act)[0].size == 0
    with pytest.raises(ValueError, match="meters must be a non-empty list of integers >= 2"):
        beats.decode_downbeats(b, act, meters=[1])


# ----------------------------------------------------------------------------- evaluation


def test_evaluate_beats_perfect_shifted_and_double():
    ref = np.arange(0.5, 30, 0.5)
    perfect = beats.evaluate_beats(ref, ref)
    assert perfect == {"F-measure": 1.0, "CMLt": 1.0, "AMLt": 1.0}
    off = beats.evaluate_beats(ref, ref + 0.25)  # off-beat: wrong at every beat, but AMLt allows it
    assert off["F-measure"] == 0.0 and off["CMLt"] == 0.0 and off["AMLt"] > 0.95
    double = beats.evaluate_beats(ref, np.arange(0.5, 30, 0.25))
    assert double["F-measure"] == pytest.approx(2 / 3, rel=0.05)  # precision 1/2, recall 1
    assert double["AMLt"] > 0.95 and double["CMLt"] == 0.0
    assert beats.evaluate_beats(ref, np.zeros(0))["F-measure"] == 0.0


def test_evaluate_beats_short_clips_and_missing_references():
    short = np.arange(0.5, 4.5, 0.5)  # a 4.5-s clip: all beats in the first 5 s, which are not scored
    with pytest.raises(ValueError, match=r"reference has no beat after the first 5 s, .* pass skip=0"):
        beats.evaluate_beats(short, short)
    assert beats.evaluate_beats(short, short, skip=0) == {"F-measure": 1.0, "CMLt": 1.0, "AMLt": 1.0}
    with pytest.raises(ValueError, match="reference must be an array of beat times in seconds, got None"):
        beats.evaluate_beats(None, short)
    with pytest.raises(ValueError, match="reference holds no beats"):
        beats.evaluate_beats([], short)
    with pytest.raises(ValueError, match="estimate must be increasing beat times"):
        beats.evaluate_beats(short, short[::-1], skip=0)
    with pytest.raises(ValueError, match="skip must be a number of seconds >= 0"):
        beats.evaluate_beats(short, short, skip=-1)


def test_mean_scores():
    assert beats.mean_scores([{"a": 1.0, "b": 0.0}, {"a": 0.5, "b": 1.0}]) == {"a": 0.75, "b": 0.5}
    with pytest.raises(ValueError, match="at least one"):
        beats.mean_scores([])


def test_librosa_beats_on_a_click_track():
    y, times = click_track(120, 12)
    est = beats.librosa_beats(y, 22050)
    assert beats.evaluate_beats(times, est)["AMLt"] > 0.8
    with pytest.raises(ValueError, match="y is empty"):
        beats.librosa_beats(np.zeros(0), 22050)


def test_beat_f_metric_matches_evaluate():
    names = tcnlib.list_example_clips("test")[:1]
    x, y = beats.clip_arrays(names[0])
    logits = torch.where(y > 0.99, 4.0, -4.0)  # a "perfect" model
    assert beats.beat_f_metric(logits, y) == 1.0
    assert beats.beat_f_metric(torch.full_like(y, -6.0), y) < 0.5  # no evidence: beats at random


def test_train_beat_model_runs_and_evaluates():
    names = tcnlib.list_example_clips("train")[:2]
    val = tcnlib.list_example_clips("validation")[:1]
    model, history = beats.train_beat_model("cnn", epochs=1, steps_per_epoch=2, batch_size=2, frames=200,
                                            train_names=names, val_names=val, progress=False,
                                            channels=8, kernel_size=3, n_blocks=2)
    assert len(history) == 1 and "val_beat_f" in history
    assert not model.training
    rows = beats.evaluate_beat_model(model, val)
    assert set(rows[0]) == {"F-measure", "CMLt", "AMLt", "F-measure (peaks)", "downbeat F-measure"}


def test_train_and_evaluate_on_your_own_beats_folder(tmp_path):
    """A folder of audio + .beats files goes through the same calls as the example set."""
    for n in tcnlib.list_example_clips("validation", "rock")[:2]:
        c = tcnlib.load_example_clip(n)
        tcnlib.save_audio(tmp_path / f"{n}.wav", c.y, c.sr)
        tcnlib.write_beats(tmp_path / f"{n}.beats", c.beats, c.beat_in_bar)
    clips = tcnlib.load_beat_dataset(tmp_path)
    model, history = beats.train_beat_model("cnn", epochs=1, steps_per_epoch=2, batch_size=2, frames=200,
                                            train_clips=clips[:1], val_clips=clips[1:], progress=False,
                                            channels=8, kernel_size=3, n_blocks=2)
    assert len(history) == 1
    rows = beats.evaluate_beat_model(model, clips)
    assert len(rows) == 2 and all(0 <= r["F-measure"] <= 1 for r in rows)
    x, y = beats.make_beat_batch(clips, seed=0, batch_size=1, frames=300, augment=False)
    assert x.shape == (1, beats.N_MELS, 300) and (y[0, 0] == 1).sum() > 0
    with pytest.raises(ValueError, match="give val_clips or its older name val_names, not both"):
        beats.train_beat_model("cnn", val_clips=clips, val_names=clips)
    with pytest.raises(ValueError, match="clips must be a list of clips"):
        beats.evaluate_beat_model(model, "rock_00")


def test_train_beat_model_device_is_automatic_and_checked():
    names = tcnlib.list_example_clips("train")[:2]
    val = tcnlib.list_example_clips("validation")[:1]
    kw = dict(epochs=1, steps_per_epoch=2, batch_size=2, frames=200, train_names=names, val_names=val,
              progress=False, channels=8, kernel_size=3, n_blocks=2)
    auto, _ = beats.train_beat_model("cnn", **kw)       # None: the GPU when present, else the CPU
    cpu, _ = beats.train_beat_model("cnn", device="cpu", **kw)
    assert next(auto.parameters()).device.type == "cpu"   # returned on the CPU either way
    if not torch.cuda.is_available():
        for a, b in zip(auto.state_dict().values(), cpu.state_dict().values()):
            assert torch.equal(a, b)
    with pytest.raises(ValueError, match=r"device must be None, 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"):
        beats.train_beat_model("cnn", device="tpu", **kw)


# ----------------------------------------------------------------------------- the pretrained tracker


pretrained = pytest.mark.skipif(not beats.PRETRAINED.exists(), reason="no committed checkpoint yet")


@pretrained
def test_pretrained_checkpoint_is_small_and_weights_only():
    assert beats.PRETRAINED.stat().st_size < 1_000_000
    ckpt = torch.load(beats.PRETRAINED, weights_only=True)
    assert ckpt["config"]["kind"] == "tcn" and not ckpt["config"]["causal"]
    assert "test" in ckpt["info"]


@pretrained
def test_track_beats_on_a_test_clip_and_any_rate():
    clip = tcnlib.load_example_clip(tcnlib.list_example_clips("test", "rock")[0])
    est = tcnlib.track_beats(clip.y, clip.sr)
    assert est.ndim == 1 and np.all(np.diff(est) > 0)
    assert beats.evaluate_beats(clip.beats, est)["F-measure"] >= 0.8
    y16 = tcnlib.resample(clip.y, clip.sr, 16000)
    est16 = tcnlib.track_beats(y16, 16000)
    assert beats.evaluate_beats(clip.beats, est16)["F-measure"] >= 0.8
    down = tcnlib.track_downbeats(clip.y, clip.sr)
    assert len(down) >= 1 and np.all(np.isin(np.round(down, 6), np.round(est, 6)))


@pretrained
def test_shipped_tracker_keeps_the_example_set_and_beats_the_narrow_one_on_varied_clips():
    """The shipped checkpoint (trained on the varied generator too) still tracks the example set's
    held-out clips, and does better than the example-set-only one on the committed varied held-out clips."""
    shipped = beats.load_beat_model(beats.PRETRAINED)
    narrow = beats.load_beat_model(beats.PRETRAINED.parent / "beat_tcn_narrow.pt")
    assert beats.count_parameters(shipped) == beats.count_parameters(narrow)
    example = beats.mean_scores(beats.evaluate_beat_model(shipped, tcnlib.list_example_clips("test")))
    assert example["F-measure"] >= 0.95
    held = tcnlib.load_beat_dataset(tcnlib.data.assets_dir() / "varied_heldout")
    assert len(held) == 16
    f = {name: beats.mean_scores(beats.evaluate_beat_model(m, held))["F-measure"]
         for name, m in (("shipped", shipped), ("narrow", narrow))}
    assert f["shipped"] >= f["narrow"] + 0.1, f
    assert shipped.info["varied_test"]["F-measure"] == pytest.approx(f["shipped"], abs=0.02)


def test_training_script_takes_several_varied_folders_and_an_example_weight(tmp_path, capsys):
    """The recipe of the shipped tracker in miniature: two varied folders, an example weight, the
    stored command and data description; a weight below 1 is refused."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "train_beat_tracker", tcnlib.data.assets_dir() / "pretrained" / "train_beat_tracker.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    folders = []
    for k, n in enumerate(tcnlib.list_example_clips("validation", "rock")[:2]):
        d = tmp_path / f"varied{k}"
        d.mkdir()
        c = tcnlib.load_example_clip(n)
        tcnlib.save_audio(d / f"{n}.wav", c.y, c.sr)
        tcnlib.write_beats(d / f"{n}.beats", c.beats, c.beat_in_bar)
        folders.append(str(d))
    out = tmp_path / "m.pt"
    args = ["--kind", "cnn", "--epochs", "1", "--steps", "2", "--batch", "2", "--frames", "200",
            "--val-clips", "per-style", "--varied", *folders, "--varied-val", folders[0],
            "--example-weight", "3", "--no-progress", "--out", str(out)]
    assert script.main(args) == 0
    info = beats.load_beat_model(out).info
    assert "96 clips, weight 3" in info["trained_on"] and "+ 2 varied clips" in info["trained_on"]
    assert "8 example + 1 varied validation clips" in info["trained_on"]
    assert info["command"].endswith(" ".join(args))
    with pytest.raises(SystemExit):
        script.main([("0" if a == "3" and args[i - 1] == "--example-weight" else a) for i, a in enumerate(args)])
    assert "--example-weight must be a positive integer, got 0" in capsys.readouterr().err


def test_choose_decoder_stores_the_best_validation_setting(tmp_path, monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "choose_decoder", tcnlib.data.assets_dir() / "pretrained" / "choose_decoder.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "GRID", {"transition_lambda": (100.0,), "hold": (0.0, 1e-3),
                                         "tempo_prior": ((85.0, 0.5),), "tempo_range": ((55.0, 215.0),)})
    n = tcnlib.list_example_clips("validation", "rock")[0]
    c = tcnlib.load_example_clip(n)
    tcnlib.save_audio(tmp_path / f"{n}.wav", c.y, c.sr)
    tcnlib.write_beats(tmp_path / f"{n}.beats", c.beats, c.beat_in_bar)
    ck = beats.save_beat_model(tmp_path / "m.pt", beats.load_beat_model(beats.PRETRAINED.parent / "beat_tcn_narrow.pt"))
    assert script.main([str(ck), "--varied-val", str(tmp_path), "--example-floor", "0", "--write"]) == 0
    info = beats.load_beat_model(ck).info
    assert info["decoder"]["hold"] in (0.0, 1e-3) and info["decoder"]["threshold"] == 0.35
    assert info["test"]["F-measure"] >= 0.95
    assert "chosen:" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no setting keeps the example validation F at 1.01"):
        script.main([str(ck), "--varied-val", str(tmp_path), "--example-floor", "1.01"])


def test_stronger_augmentation_shifts_bands_and_limits_the_band():
    rng = np.random.default_rng(0)
    S = np.log1p(np.tile(np.linspace(1.0, 2.0, 80)[:, None], (1, 50))).astype(np.float32)
    plain = tcnlib.features.augment_features(S, np.random.default_rng(1), 0, 0, 0)
    np.testing.assert_allclose(plain, S, rtol=1e-5)
    shifted = [tcnlib.features.augment_features(S, np.random.default_rng(k), 0, 0, 0, shift_bands=2) for k in range(20)]
    assert any(not np.allclose(x, S) for x in shifted)
    for x in shifted:  # each is the spectrogram moved by at most 2 bands
        assert any(np.allclose(x[10:70], S[10 + d:70 + d]) for d in range(-2, 3))
    limited = tcnlib.features.augment_features(S, rng, 0, 0, 0, band_limit=1.0)
    assert limited[-1].mean() < 0.5 * S[-1].mean() and np.allclose(limited[:40], S[:40], rtol=1e-5)
    with pytest.raises(ValueError, match="band_limit"):
        tcnlib.features.augment_features(S, rng, band_limit=2)
    x, y = beats.make_beat_batch(tcnlib.list_example_clips("train")[:2], seed=0, batch_size=2, frames=100,
                                 augment_kwargs={"shift_bands": 2, "band_limit": 0.5})
    assert x.shape == (2, 80, 100) and y.shape == (2, 2, 100)


@pretrained
def test_track_beats_short_and_silent_audio():
    assert tcnlib.track_beats(np.zeros(100, dtype=np.float32), 22050).size == 0
    assert tcnlib.track_beats(np.zeros(22050 * 3, dtype=np.float32), 22050).ndim == 1


@pretrained
def test_track_beats_says_no_beat_in_silence_and_noise():
    """30 s of digital silence or white noise: no beat (it used to report a steady 27-beat grid)."""
    rng = np.random.default_rng(0)
    silence = np.zeros(22050 * 30, dtype=np.float32)
    noise = (0.1 * rng.normal(size=22050 * 30)).astype(np.float32)
    for y in (silence, noise):
        assert tcnlib.track_beats(y, 22050).size == 0
        assert tcnlib.track_downbeats(y, 22050).size == 0
    # music with 8 s of silence before and after: no beats deep inside the silence
    clip = tcnlib.load_example_clip(tcnlib.list_example_clips("test", "rock")[0])
    pad = np.zeros(8 * clip.sr, dtype=np.float32)
    est = tcnlib.track_beats(np.concatenate([pad, clip.y, pad]), clip.sr)
    assert est.min() > 8 - 2.5 and est.max() < 8 + clip.duration + 2.5
    # (the long silences pull the HMM to half this clip's tempo, with or without the gate: AMLt, which
    # accepts half tempo, stays high; F-measure does not)
    assert beats.evaluate_beats(clip.beats + 8, est)["AMLt"] >= 0.8


def test_track_beats_notices_a_replaced_checkpoint(tmp_path):
    y = click_track(120, 3)[0]
    p = tmp_path / "m.pt"
    torch.manual_seed(0)
    beats.save_beat_model(p, beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2), {"v": 1})
    first = beats._model_for(p)
    assert beats._model_for(p) is first                               # loaded once
    torch.manual_seed(1)
    beats.save_beat_model(p, beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2), {"v": 2})
    second = beats._model_for(p)
    assert second is not first and second.info == {"v": 2}          # the new file is used
    tcnlib.track_beats(y, 22050, checkpoint=p)
    with pytest.raises(FileNotFoundError, match="no beat-model checkpoint"):
        tcnlib.track_beats(y, 22050, checkpoint=tmp_path / "missing.pt")


def test_track_beats_refuses_a_frame_rate_as_sample_rate():
    with pytest.raises(ValueError, match=r"sr must be a positive integer sample rate in Hz, from 4000 to 384000, "
                                         r"got 100; a frame rate"):
        tcnlib.track_beats(np.zeros(500, dtype=np.float32), 100)


@pytest.mark.parametrize("fn", [tcnlib.track_beats, tcnlib.track_downbeats] if hasattr(tcnlib, "track_beats") else [])
def test_track_beats_errors(fn):
    with pytest.raises(ValueError, match="y is empty"):
        fn(np.zeros(0), 22050)
    with pytest.raises(ValueError, match="y contains NaN or infinite"):
        fn(np.array([0.0, np.nan] * 100), 22050)
    with pytest.raises(ValueError, match="sr must be a positive integer"):
        fn(np.zeros(1000), -1)


@pytest.mark.parametrize("call, match", [
    (lambda: beats.make_beat_batch(["rock_00"], 0, stretch=(1.25, 0.8)), r"stretch must be \(low, high\) factors with 0 < low <= high"),
    (lambda: beats.beat_loss(torch.zeros(4, 1, 50), torch.zeros(4, 50)), r"targets must have the shape of logits"),
    (lambda: beats.BeatNet(n_blocks=0), r"n_blocks must be a positive integer, got 0"),
    (lambda: beats.BeatNet(dropout=1.0), r"dropout must be in \[0, 1\)"),
    (lambda: beats.BeatNet(causal="no"), r"causal must be True or False, got 'no'"),
    (lambda: beats.beat_activations(beats.BeatNet("cnn", n_blocks=1), np.zeros((40, 10), np.float32)),
     r"S must have shape \(80, T\) for this model"),
    (lambda: beats.beat_activations("model", np.zeros((80, 10), np.float32)), r"model must be a torch.nn.Module"),
    (lambda: beats.save_beat_model("/tmp/never.pt", None), r"model must be a BeatNet \(a torch.nn.Module\), got NoneType"),
    (lambda: beats.load_beat_model(beats.PRETRAINED, "gpu"), r"device must be 'cpu', 'cuda', 'cuda:N' or 'mps'"),
    (lambda: beats.mean_scores([{"F-measure": 1.0}, {"CMLt": 0.5}]), r"scores must all have the same keys"),
    (lambda: beats.beat_f_metric(torch.zeros(1, 2, 80), torch.zeros(1, 2, 70)), r"targets must have the shape of logits"),
    (lambda: beats.decode_beats(np.full(300, 0.5), correct="no"), r"correct must be True or False, got 'no'"),
    (lambda: beats.decode_downbeats(np.array([2.0, 1.0]), np.zeros(1000)), r"beats must be increasing times"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_save_beat_model_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match=r"path .* is a folder \(directory\), not a file"):
        beats.save_beat_model(tmp_path, beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2))
    assert list(tmp_path.iterdir()) == []
