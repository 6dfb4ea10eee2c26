import numpy as np
import pytest
import soundfile as sf

import tcnlib


def test_load_wav_native_rate(tmp_path, tone):
    y, sr = tone
    path = tmp_path / "tone.wav"
    sf.write(path, y, sr, subtype="FLOAT")
    out, out_sr = tcnlib.load_audio(path, sr=None)
    assert out_sr == sr and out.dtype == np.float32 and out.shape == (sr,)
    np.testing.assert_allclose(out, y, atol=1e-7)


def test_load_stereo_to_mono_and_resample(tmp_path, tone):
    y, sr = tone
    stereo = np.stack([y, 0.5 * y], axis=1)
    path = tmp_path / "stereo.flac"
    sf.write(path, stereo, sr)
    out, out_sr = tcnlib.load_audio(path, sr=8000)
    assert out_sr == 8000 and out.ndim == 1 and out.shape == (8000,)
    # the mono mix of y and y/2 is 0.75 y: peak about 0.375
    assert abs(np.max(np.abs(out[100:-100])) - 0.375) < 0.01
    # resampling keeps the 440 Hz tone at 440 Hz
    spec = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spec) * 8000 / len(out) - 440) < 2


def test_load_offset_duration(tmp_path, tone):
    y, sr = tone
    path = tmp_path / "tone.wav"
    sf.write(path, y, sr, subtype="FLOAT")
    out, _ = tcnlib.load_audio(path, sr=None, offset=0.25, duration=0.5)
    assert out.shape == (8000,)
    np.testing.assert_allclose(out, y[4000:12000], atol=1e-7)


def test_load_ogg(tmp_path, tone):
    y, sr = tone
    path = tmp_path / "tone.ogg"
    tcnlib.save_audio(path, y, sr)
    out, out_sr = tcnlib.load_audio(path, sr=None)
    assert out_sr == sr and abs(len(out) - len(y)) < 100


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="audio file not found: .*nope.wav"):
        tcnlib.load_audio(tmp_path / "nope.wav")


def test_load_corrupt_file(tmp_path):
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEthis is not audio at all" * 10)
    with pytest.raises(ValueError, match="could not decode .*broken.wav.* as audio"):
        tcnlib.load_audio(path)


def test_load_text_file(tmp_path):
    path = tmp_path / "notes.flac"
    path.write_text("just some text")
    with pytest.raises(ValueError, match="could not decode"):
        tcnlib.load_audio(path)


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="contains no samples"):
        tcnlib.load_audio(path)


def test_load_directory_and_bad_args(tmp_path, tone):
    with pytest.raises(ValueError, match="got the directory"):
        tcnlib.load_audio(tmp_path)
    y, sr = tone
    path = tmp_path / "tone.wav"
    sf.write(path, y, sr)
    with pytest.raises(ValueError, match="sr must be a positive number, got -5"):
        tcnlib.load_audio(path, sr=-5)
    with pytest.raises(ValueError, match="sr must be a whole number"):
        tcnlib.load_audio(path, sr=8000.5)
    with pytest.raises(ValueError, match="offset must be >= 0"):
        tcnlib.load_audio(path, offset=-1)
    with pytest.raises(ValueError, match="duration must be a positive number"):
        tcnlib.load_audio(path, duration=0)


def test_save_audio_rejects_extension(tmp_path, tone):
    y, sr = tone
    with pytest.raises(ValueError, match=r"path must end in .wav, .flac or .ogg"):
        tcnlib.save_audio(tmp_path / "x.mp3", y, sr)


def test_save_audio_atomic_roundtrip(tmp_path, tone):
    y, sr = tone
    p = tcnlib.save_audio(tmp_path / "sub" / "x.flac", y, sr)
    assert p.exists() and not (tmp_path / "sub" / "x.flac.tmp").exists()
    out, _ = tcnlib.load_audio(p, sr=None)
    np.testing.assert_allclose(out, y, atol=1 / 2**15)


@pytest.mark.parametrize("bad, msg", [
    (np.zeros((2, 10)), r"1-D waveform of shape \(N,\), got shape \(2, 10\)"),
    (np.zeros(0), "is empty"),
    (np.array([0.0, np.nan]), "NaN or infinite"),
    (np.array(["a", "b"]), "must hold numbers"),
])
def test_as_waveform_rejects(bad, msg):
    with pytest.raises(ValueError, match=msg):
        tcnlib.as_waveform(bad)


def test_hop_and_frame_times():
    assert tcnlib.hop_length(22050, 100) == 220
    assert tcnlib.hop_length(16000, 100) == 160
    t = tcnlib.frame_times(3, 22050, 100)
    np.testing.assert_allclose(t, [0, 220 / 22050, 440 / 22050])
    with pytest.raises(ValueError, match="fps must be a positive number, got 0"):
        tcnlib.hop_length(22050, 0)
    with pytest.raises(ValueError, match="fps must be at most the sample rate"):
        tcnlib.hop_length(100, 1000)


def test_log_spectrogram_shape_and_peak(tone):
    y, sr = tone
    S = tcnlib.log_spectrogram(y, sr, fps=100, n_fft=1024)
    assert S.shape == (513, 1 + len(y) // 160) and S.dtype == np.float32
    peak_bin = int(np.argmax(S[:, S.shape[1] // 2]))
    assert abs(peak_bin * sr / 1024 - 440) < sr / 1024
    assert np.all(S >= 0)


def test_log_mel_spectrogram(tone):
    y, sr = tone
    M = tcnlib.log_mel_spectrogram(y, sr, fps=50, n_mels=40, n_fft=1024)
    assert M.shape == (40, 1 + len(y) // 320)
    # the 440 Hz tone lights up one band far more than the highest band
    col = M[:, M.shape[1] // 2]
    assert col.max() > 10 * col[-1] + 1e-3


def test_spectrogram_errors(tone):
    y, sr = tone
    with pytest.raises(ValueError, match="n_mels must be a positive integer, got 0"):
        tcnlib.log_mel_spectrogram(y, sr, n_mels=0)
    with pytest.raises(ValueError, match="need 0 <= fmin < fmax <= sr/2"):
        tcnlib.log_mel_spectrogram(y, sr, fmin=9000)
    with pytest.raises(ValueError, match="n_fft must be an integer >= 16"):
        tcnlib.log_spectrogram(y, sr, n_fft=8)
    with pytest.raises(ValueError, match="1-D waveform"):
        tcnlib.log_spectrogram(np.zeros((2, 100)), sr)


def test_log_compress():
    np.testing.assert_allclose(tcnlib.log_compress(np.array([0.0, np.e - 1])), [0.0, 1.0], rtol=1e-6)
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        tcnlib.log_compress(np.ones(3), gamma=0)


def test_play_embeds_flac(tone):
    import base64
    import io

    import soundfile as sf

    y, sr = tone
    player = tcnlib.play(y, sr)
    html = player._repr_html_()
    assert html.startswith("<audio") and "data:audio/flac;base64," in html
    b64 = html.split("base64,")[1].split('"')[0]
    decoded, dsr = sf.read(io.BytesIO(base64.b64decode(b64)))
    assert dsr == sr and decoded.shape == y.shape
    assert abs(np.max(np.abs(decoded)) - 0.9) < 1e-3  # normalised peak
    assert "1.00 s at 16000 Hz" in repr(player)


def test_play_errors(tone):
    y, sr = tone
    with pytest.raises(ValueError, match="between 3000 and 384000 Hz"):
        tcnlib.play(y, 100)
    with pytest.raises(ValueError, match="play at most max_seconds=0.5"):
        tcnlib.play(y, sr, max_seconds=0.5)


def test_integer_pcm_is_scaled_by_its_dtype_range(tmp_path, tone):
    """What scipy.io.wavfile.read returns (int16, int32, uint8) means the same sound as the floats."""
    y, sr = tone
    for dtype, full in ((np.int16, 32768), (np.int32, 2 ** 31)):
        pcm = np.round(y * (full - 1)).astype(dtype)
        np.testing.assert_allclose(tcnlib.as_waveform(pcm), y, atol=2.0 / full)
    u8 = np.round(y * 127 + 128).astype(np.uint8)
    np.testing.assert_allclose(tcnlib.as_waveform(u8), y, atol=1.0 / 128)
    # an int16 tone saved and read back keeps its level (it used to become a full-scale square wave)
    back, _ = tcnlib.load_audio(tcnlib.save_audio(tmp_path / "i16.wav", np.round(y * 32767).astype(np.int16), sr),
                                sr=None)
    assert abs(float(np.max(np.abs(back))) - 0.5) < 0.01
    with pytest.raises(ValueError, match="int64, which is not a PCM audio format"):
        tcnlib.as_waveform(np.arange(10))


def test_truncated_wav_warns_and_loads_what_is_there(tmp_path, tone):
    y, sr = tone
    path = tmp_path / "cut.wav"
    sf.write(path, y, sr, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[:44 + 2 * 4000])  # the header still announces 16000 samples
    with pytest.warns(UserWarning, match=r"cut\.wav.* is truncated.*25%"):
        out, _ = tcnlib.load_audio(path, sr=None)
    np.testing.assert_allclose(out, y[:4000], atol=1e-4)
    sf.write(path, y, sr, subtype="PCM_16")  # a complete file loads without a warning
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tcnlib.load_audio(path, sr=None)


def test_save_audio_warns_before_clipping(tmp_path, tone):
    y, sr = tone
    with pytest.warns(UserWarning, match=r"y exceeds \[-1, 1\] \(peak 1\.5\)"):
        tcnlib.save_audio(tmp_path / "loud.wav", 3 * y, sr)
