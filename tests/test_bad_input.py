"""The bad-input audit: every public function of tcnlib, fed the mistakes students make.

One row per bad input: the call, the exception it must raise and words its message must contain
(regular expressions, case-insensitive): the argument's name (or the file's) and what is accepted.
A few rows are bad inputs whose right answer is a *result*, not an error (integer PCM audio is
scaled, a file saved on Windows with a byte-order mark is read): they carry a ``check`` of the
result instead.

Each row ends in one of four outcomes:

* ``clear``: the expected exception with every expected word (or, for a ``check`` row, the
  right result);
* ``unclear``: another exception, or one whose message lacks the words (a traceback from deep
  inside NumPy, torch or pathlib, or tcnlib's own unchecked code);
* ``silent``: no error and no right result: a silently wrong answer;
* ``hang``: only in the audit script below, which stops a row after a time limit.

A row whose function is no longer in tcnlib (a redesign removed or renamed it), or that needs a
machine without a GPU, is skipped and not counted.

Run as a script, ``python tests/test_bad_input.py``, it prints the counts of the four outcomes
and every row that is not clear (it limits each row's time and memory, so even the code a row
was written against cannot hang or exhaust the machine). As a test, every row must be clear.
No row can hang: those whose old behaviour was a hang or a huge allocation are caught by
argument checks before any work starts.
"""
from __future__ import annotations

import contextlib
import errno
import importlib
import os
import pkgutil
import re
import sys
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np
import pytest
import torch

import tcnlib as T

ExcSpec = Union[type, Tuple[type, ...], None]


class Gone(Exception):
    """The row does not apply: the function it calls is no longer part of tcnlib (removed or renamed
    in a redesign), or the machine lacks what the row needs (it is then skipped, not counted)."""


def F(name: str) -> Any:
    """A public name of tcnlib, looked up when the row runs (top level first, then every module)."""
    if hasattr(T, name):
        return getattr(T, name)
    for info in pkgutil.iter_modules(T.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"tcnlib.{info.name}")
        if hasattr(mod, name):
            return getattr(mod, name)
    raise Gone(f"tcnlib has no public name {name!r}")


@dataclass
class Row:
    id: str
    call: Callable[["Ctx"], Any]
    exc: ExcSpec = ValueError
    words: Tuple[str, ...] = ()
    check: Optional[Callable[[Any], bool]] = None
    owner: str = "audio, WaveNet, streaming"
    costly: bool = False  # the unchecked behaviour is a hang or a huge allocation: never run it unguarded


ROWS: List[Row] = []
_OWNER = ["audio, WaveNet, streaming"]


def owner(name: str) -> None:
    _OWNER[0] = name


def R(id: str, call: Callable[["Ctx"], Any], exc: ExcSpec = ValueError, *words: str,
      check: Optional[Callable[[Any], bool]] = None, costly: bool = False) -> None:
    assert all(r.id != id for r in ROWS), f"duplicate row id {id}"
    ROWS.append(Row(id, call, None if check is not None else exc, words, check, _OWNER[0], costly))


def C(id: str, call: Callable[["Ctx"], Any], check: Callable[[Any], bool]) -> None:
    """A row whose right answer is a result: ``check(result)`` must hold."""
    R(id, call, None, check=check)


# ----------------------------------------------------------------------------- shared inputs


class Ctx:
    """Inputs the rows share, made on first use in a temporary folder."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sr = 16000

    @cached_property
    def tone(self) -> np.ndarray:
        t = np.arange(self.sr) / self.sr
        return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

    @cached_property
    def int16(self) -> np.ndarray:
        return np.round(self.tone * 32767).astype(np.int16)

    @cached_property
    def wav(self) -> Path:
        import soundfile as sf
        p = self.tmp / "tone.wav"
        sf.write(p, self.tone, self.sr, subtype="PCM_16")
        return p

    @cached_property
    def truncated_wav(self) -> Path:
        data = self.wav.read_bytes()
        p = self.tmp / "truncated.wav"
        p.write_bytes(data[: 44 + (len(data) - 44) // 2])
        return p

    @cached_property
    def corrupt_wav(self) -> Path:
        p = self.tmp / "corrupt.wav"
        p.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" + bytes(range(256)) * 4)
        return p

    @cached_property
    def text_flac(self) -> Path:
        p = self.tmp / "notes.flac"
        p.write_text("this is not audio\n")
        return p

    @cached_property
    def folder(self) -> Path:
        p = self.tmp / "a_folder"
        p.mkdir(exist_ok=True)
        return p

    def file(self, name: str, text: Union[str, bytes]) -> Path:
        p = self.tmp / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p

    @cached_property
    def tcn(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return T.TCN(2, [4, 4], kernel_size=3).eval()

    @cached_property
    def tcn_same(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return T.TCN(2, [4, 4], kernel_size=3, causal=False).eval()

    @cached_property
    def wn(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return T.WaveNet(n_classes=16, residual_channels=4, dilation_channels=4, skip_channels=4,
                         layers_per_stack=3, n_stacks=1).eval()

    @cached_property
    def cnn(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return F("StyleCNN")(n_mels=16, n_classes=3, channels=(4, 4), time_pool=1).eval()

    @cached_property
    def beatnet(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return F("BeatNet")(channels=4, n_blocks=2).eval()

    @cached_property
    def beatnet_file(self) -> Path:
        return Path(F("save_beat_model")(self.tmp / "small_beatnet.pt", self.beatnet))

    @cached_property
    def ckpt(self) -> Path:
        model = T.TCN(2, [4, 4], kernel_size=3)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(torch.randn(1, 2, 8)).sum().backward()
        opt.step()
        return Path(T.save_checkpoint(self.tmp / "sgd.ckpt", model, opt, epoch=1, step=1))

    @cached_property
    def clip_name(self) -> str:
        return T.list_example_clips()[0]

    @cached_property
    def y22(self) -> np.ndarray:
        """Four seconds of clicks at 120 BPM, 22050 Hz."""
        y = np.zeros(4 * 22050, dtype=np.float32)
        for t in np.arange(0.25, 4.0, 0.5):
            i = int(t * 22050)
            y[i:i + 200] = np.hanning(200) * 0.8
        return y

    @cached_property
    def music(self) -> np.ndarray:
        """The first 8 s of an example clip at 22050 Hz."""
        clip = T.load_example_clip(self.clip_name, sr=22050)
        return clip.y[: 8 * 22050]

    @cached_property
    def act(self) -> np.ndarray:
        """Ten seconds of a beat activation at 100 fps: peaks every 50 frames (120 BPM)."""
        a = np.full(1000, 0.01)
        a[25::50] = 0.9
        return a


# ----------------------------------------------------------------------------- the rows

NUM = r"number"
POSINT = r"positive integer|integer >= ?1"
BOOL = r"True or False"

# ---- audio -------------------------------------------------------------------------
owner("audio, WaveNet, streaming")
R("as_waveform 2-D", lambda c: T.as_waveform(np.zeros((2, 100))), ValueError, r"\by\b", r"\(N,\)")
R("as_waveform empty", lambda c: T.as_waveform(np.zeros(0)), ValueError, r"\by\b", "empty|at least one")
R("as_waveform strings", lambda c: T.as_waveform(np.array(["a", "b"])), ValueError, r"\by\b", "number")
R("as_waveform NaN", lambda c: T.as_waveform(np.array([0.0, np.nan])), ValueError, r"\by\b", "NaN")
R("as_waveform inf", lambda c: T.as_waveform(np.array([0.0, np.inf])), ValueError, r"\by\b", "inf")
R("as_waveform complex", lambda c: T.as_waveform(np.ones(4, dtype=complex)), ValueError, r"\by\b", "real")
R("as_waveform bool", lambda c: T.as_waveform(np.ones(4, dtype=bool)), ValueError, r"\by\b", "number|real")
R("as_waveform None", lambda c: T.as_waveform(None), ValueError, r"\by\b", r"\(N,\)|waveform")
R("as_waveform object", lambda c: T.as_waveform([0.1, "x"]), ValueError, r"\by\b", "number")
C("as_waveform int16 scaled", lambda c: T.as_waveform(np.array([-32768, 0, 16384], dtype=np.int16)),
  lambda r: np.allclose(r, [-1.0, 0.0, 0.5]))
C("as_waveform int32 scaled", lambda c: T.as_waveform(np.array([-2**31, 2**30], dtype=np.int32)),
  lambda r: np.allclose(r, [-1.0, 0.5]))
C("as_waveform uint8 centred", lambda c: T.as_waveform(np.array([0, 128, 192], dtype=np.uint8)),
  lambda r: np.allclose(r, [-1.0, 0.0, 0.5]))
C("as_waveform int64 is not PCM", lambda c: _raises(lambda: T.as_waveform(np.array([1, 2, 3])), r"\by\b", "int64"),
  lambda r: r)

R("load_audio missing", lambda c: T.load_audio(c.tmp / "nope.wav"), FileNotFoundError, "nope.wav")
R("load_audio folder", lambda c: T.load_audio(c.folder), ValueError, "a_folder", "audio file|directory")
R("load_audio corrupt", lambda c: T.load_audio(c.corrupt_wav), ValueError, "corrupt.wav", "decode|audio")
R("load_audio text", lambda c: T.load_audio(c.text_flac), ValueError, "notes.flac", "decode|audio")
R("load_audio truncated", lambda c: T.load_audio(c.truncated_wav, sr=None), UserWarning, "truncated.wav",
  "truncated")
R("load_audio sr=-5", lambda c: T.load_audio(c.wav, sr=-5), ValueError, r"\bsr\b", "positive")
R("load_audio sr=0", lambda c: T.load_audio(c.wav, sr=0), ValueError, r"\bsr\b", "positive")
R("load_audio sr str", lambda c: T.load_audio(c.wav, sr="22050"), ValueError, r"\bsr\b", "number|integer")
R("load_audio sr float", lambda c: T.load_audio(c.wav, sr=22050.5), ValueError, r"\bsr\b", "whole|integer")
R("load_audio sr bool", lambda c: T.load_audio(c.wav, sr=True), ValueError, r"\bsr\b", "number|integer")
C("load_audio sr numpy int", lambda c: T.load_audio(c.wav, sr=np.int64(8000))[1], lambda r: r == 8000)
R("load_audio offset<0", lambda c: T.load_audio(c.wav, offset=-1), ValueError, "offset", ">= ?0")
R("load_audio offset str", lambda c: T.load_audio(c.wav, offset="1"), ValueError, "offset", "seconds|number")
R("load_audio offset nan", lambda c: T.load_audio(c.wav, offset=float("nan")), ValueError, "offset", "finite|number")
R("load_audio duration 0", lambda c: T.load_audio(c.wav, duration=0), ValueError, "duration", "positive")
R("load_audio duration str", lambda c: T.load_audio(c.wav, duration="2"), ValueError, "duration", "seconds|number")
R("load_audio duration nan", lambda c: T.load_audio(c.wav, duration=float("nan")), ValueError, "duration",
  "positive|finite")
R("load_audio offset past end", lambda c: T.load_audio(c.wav, offset=5.0), ValueError, "tone.wav", "no samples")
R("load_audio path None", lambda c: T.load_audio(None), ValueError, "path", "file")
R("load_audio path int", lambda c: T.load_audio(123), ValueError, "path", "file")

R("save_audio mp3", lambda c: T.save_audio(c.tmp / "out.mp3", c.tone, c.sr), ValueError, "path", r"\.wav")
R("save_audio 2-D", lambda c: T.save_audio(c.tmp / "o.wav", np.zeros((2, 10)), c.sr), ValueError, r"\by\b",
  r"\(N,\)")
R("save_audio NaN", lambda c: T.save_audio(c.tmp / "o.wav", np.array([0.0, np.nan]), c.sr), ValueError,
  r"\by\b", "NaN")
R("save_audio empty", lambda c: T.save_audio(c.tmp / "o.wav", np.zeros(0), c.sr), ValueError, r"\by\b", "empty")
R("save_audio sr=0", lambda c: T.save_audio(c.tmp / "o.wav", c.tone, 0), ValueError, r"\bsr\b", "positive")
R("save_audio sr str", lambda c: T.save_audio(c.tmp / "o.wav", c.tone, "16000"), ValueError, r"\bsr\b",
  "integer|number")
R("save_audio sr float", lambda c: T.save_audio(c.tmp / "o.wav", c.tone, 16000.5), ValueError, r"\bsr\b",
  "whole|integer")
R("save_audio path None", lambda c: T.save_audio(None, c.tone, c.sr), ValueError, "path", r"\.wav")
R("save_audio path folder", lambda c: T.save_audio(c.folder, c.tone, c.sr), ValueError, "path|a_folder",
  r"\.wav|directory")
R("save_audio clipping", lambda c: T.save_audio(c.tmp / "loud.wav", 3 * c.tone, c.sr), UserWarning, r"\by\b",
  "clip")
C("save_audio int16 scaled", lambda c: T.load_audio(T.save_audio(c.tmp / "i16.wav", c.int16, c.sr), sr=None)[0],
  lambda y: abs(float(np.max(np.abs(y))) - 0.5) < 0.01)

R("resample orig_sr=0", lambda c: T.resample(c.tone, 0, 8000), ValueError, "orig_sr", "positive")
R("resample target_sr<0", lambda c: T.resample(c.tone, c.sr, -1), ValueError, "target_sr", "positive")
R("resample target_sr str", lambda c: T.resample(c.tone, c.sr, "8000"), ValueError, "target_sr", "number|integer")
R("resample target_sr float", lambda c: T.resample(c.tone, c.sr, 8000.5), ValueError, "target_sr",
  "whole|integer")
R("resample 2-D", lambda c: T.resample(np.zeros((2, 100)), c.sr, 8000), ValueError, r"\by\b", r"\(N,\)")
C("resample numpy ints", lambda c: T.resample(c.tone, np.int64(16000), np.int32(8000)), lambda r: r.shape == (8000,))
C("resample int16 scaled", lambda c: T.resample(c.int16, c.sr, 8000),
  lambda r: abs(float(np.max(np.abs(r))) - 0.5) < 0.02)

R("hop_length fps=0", lambda c: T.hop_length(22050, 0), ValueError, "fps", "positive")
R("hop_length fps<0", lambda c: T.hop_length(22050, -100), ValueError, "fps", "positive")
R("hop_length fps>sr", lambda c: T.hop_length(100, 22050), ValueError, "fps", "at most|sample rate")
R("hop_length sr str", lambda c: T.hop_length("22050", 100), ValueError, r"\bsr\b", "number")
R("hop_length fps nan", lambda c: T.hop_length(22050, float("nan")), ValueError, "fps", "positive")
R("hop_length sr bool", lambda c: T.hop_length(True, 100), ValueError, r"\bsr\b", "number")
R("frame_times n<0", lambda c: T.frame_times(-1, 22050, 100), ValueError, "n_frames", ">= ?0")
R("frame_times n float", lambda c: T.frame_times(2.5, 22050, 100), ValueError, "n_frames", "integer")
R("frame_times n str", lambda c: T.frame_times("3", 22050, 100), ValueError, "n_frames", "integer")
C("frame_times numpy int", lambda c: T.frame_times(np.int64(3), 22050, 100), lambda r: len(r) == 3)
R("log_compress gamma=0", lambda c: T.log_compress(np.ones((2, 2)), 0), ValueError, "gamma", "positive")
R("log_compress gamma<0", lambda c: T.log_compress(np.ones((2, 2)), -1), ValueError, "gamma", "positive")
R("log_compress NaN", lambda c: T.log_compress(np.array([[1.0, np.nan]])), ValueError, r"\bS\b", "NaN")
R("log_compress negative", lambda c: T.log_compress(np.array([[1.0, -3.0]])), ValueError, r"\bS\b",
  ">= ?0|non-negative|magnitude")
R("log_compress strings", lambda c: T.log_compress(np.array([["a"]])), ValueError, r"\bS\b", "number")
R("log_spectrogram n_fft small", lambda c: T.log_spectrogram(c.tone, c.sr, n_fft=8), ValueError, "n_fft", "16")
R("log_spectrogram n_fft float", lambda c: T.log_spectrogram(c.tone, c.sr, n_fft=2048.0), ValueError, "n_fft",
  "integer")
R("log_spectrogram 2-D", lambda c: T.log_spectrogram(np.zeros((2, 500)), c.sr), ValueError, r"\by\b", r"\(N,\)")
R("log_spectrogram NaN", lambda c: T.log_spectrogram(np.array([0.0, np.nan] * 100), c.sr), ValueError, r"\by\b",
  "NaN")
R("log_spectrogram sr=0", lambda c: T.log_spectrogram(c.tone, 0), ValueError, r"\bsr\b", "positive")
R("log_spectrogram fps=0", lambda c: T.log_spectrogram(c.tone, c.sr, fps=0), ValueError, "fps", "positive")
R("log_spectrogram gamma<0", lambda c: T.log_spectrogram(c.tone, c.sr, gamma=-1), ValueError, "gamma", "positive")
C("log_spectrogram numpy n_fft", lambda c: T.log_spectrogram(c.tone, c.sr, n_fft=np.int64(512)),
  lambda r: r.shape[0] == 257)
C("log_spectrogram int16 scaled", lambda c: (T.log_spectrogram(c.int16, c.sr), T.log_spectrogram(c.tone, c.sr)),
  lambda r: np.allclose(r[0], r[1], atol=1e-2))  # 16-bit quantization noise: ~1e-3 in the quietest bins
R("log_mel n_mels=0", lambda c: T.log_mel_spectrogram(c.tone, c.sr, n_mels=0), ValueError, "n_mels", "positive")
R("log_mel n_mels float", lambda c: T.log_mel_spectrogram(c.tone, c.sr, n_mels=80.0), ValueError, "n_mels",
  "integer")
R("log_mel fmin<0", lambda c: T.log_mel_spectrogram(c.tone, c.sr, fmin=-1), ValueError, "fmin", "0 <=|>= ?0")
R("log_mel fmax>nyquist", lambda c: T.log_mel_spectrogram(c.tone, c.sr, fmax=20000), ValueError, "fmax", "sr ?/ ?2")
R("log_mel fmin>fmax", lambda c: T.log_mel_spectrogram(c.tone, c.sr, fmin=5000, fmax=1000), ValueError, "fmin",
  "fmax")
R("log_mel fmax str", lambda c: T.log_mel_spectrogram(c.tone, c.sr, fmax="8000"), ValueError, "fmax", "number")
R("log_mel sr=0", lambda c: T.log_mel_spectrogram(c.tone, 0), ValueError, r"\bsr\b", "positive")
R("log_mel sr str", lambda c: T.log_mel_spectrogram(c.tone, "16000"), ValueError, r"\bsr\b", "number")
C("log_mel numpy n_mels", lambda c: T.log_mel_spectrogram(c.tone, c.sr, n_mels=np.int64(40)),
  lambda r: r.shape[0] == 40)
C("log_mel int16 scaled", lambda c: (T.log_mel_spectrogram(c.int16, c.sr), T.log_mel_spectrogram(c.tone, c.sr)),
  lambda r: np.allclose(r[0], r[1], atol=1e-3))
R("play sr too low", lambda c: T.play(c.tone, 1000), ValueError, r"\bsr\b", "3000")
R("play too long", lambda c: T.play(np.zeros(16000 * 61, dtype=np.float32), 16000), ValueError, "max_seconds",
  "slice")
R("play 2-D", lambda c: T.play(np.zeros((2, 100)), c.sr), ValueError, r"\by\b", r"\(N,\)")
R("play NaN", lambda c: T.play(np.array([0.0, np.nan]), c.sr), ValueError, r"\by\b", "NaN")
R("play sr str", lambda c: T.play(c.tone, "16000"), ValueError, r"\bsr\b", "number")
R("play normalize str", lambda c: T.play(c.tone, c.sr, normalize="no"), ValueError, "normalize", BOOL)
R("play max_seconds<0", lambda c: T.play(c.tone, c.sr, max_seconds=-1), ValueError, "max_seconds", "positive")
C("play int16 scaled", lambda c: T.play(c.int16, c.sr, normalize=False),
  lambda r: abs(float(np.max(np.abs(_decode_player(r)))) - 0.5) < 0.01)

# ---- wavenet -------------------------------------------------------------------------
R("mu_law_encode x>1", lambda c: T.mu_law_encode(np.array([0.5, 1.5])), ValueError, r"\bx\b", r"\[-1, 1\]")
R("mu_law_encode NaN", lambda c: T.mu_law_encode(np.array([0.0, np.nan])), ValueError, r"\bx\b", "NaN")
R("mu_law_encode strings", lambda c: T.mu_law_encode(np.array(["a"])), ValueError, r"\bx\b", "number|float")
R("mu_law_encode ints", lambda c: T.mu_law_encode(np.array([0, 1, 0])), ValueError, r"\bx\b", "float")
R("mu_law_encode int tensor", lambda c: T.mu_law_encode(torch.tensor([0, 1])), ValueError, r"\bx\b", "float")
R("mu_law_encode mu=0", lambda c: T.mu_law_encode(np.zeros(3), mu=0), ValueError, r"\bmu\b", "positive")
R("mu_law_encode mu float", lambda c: T.mu_law_encode(np.zeros(3), mu=255.0), ValueError, r"\bmu\b", "integer")
R("mu_law_encode mu bool", lambda c: T.mu_law_encode(np.zeros(3), mu=True), ValueError, r"\bmu\b", "integer")
R("mu_law_encode None", lambda c: T.mu_law_encode(None), ValueError, r"\bx\b", "number|float")
C("mu_law_encode numpy mu", lambda c: T.mu_law_encode(np.array([-1.0, 0.0, 1.0]), mu=np.int64(255)),
  lambda r: list(r) == [0, 128, 255])
R("mu_law_decode floats", lambda c: T.mu_law_decode(np.array([0.1, -0.3])), ValueError, r"\bq\b", "integer")
R("mu_law_decode float tensor", lambda c: T.mu_law_decode(torch.rand(4)), ValueError, r"\bq\b", "integer")
R("mu_law_decode >mu", lambda c: T.mu_law_decode(np.array([0, 256])), ValueError, r"\bq\b", r"\[0, 255\]")
R("mu_law_decode <0", lambda c: T.mu_law_decode(np.array([-1, 3])), ValueError, r"\bq\b", r"\[0, 255\]")
R("mu_law_decode bool", lambda c: T.mu_law_decode(np.array([True, False])), ValueError, r"\bq\b", "integer")
R("mu_law_decode mu=-1", lambda c: T.mu_law_decode(np.array([0]), mu=-1), ValueError, r"\bmu\b", "positive")
R("mu_law_compress x>1", lambda c: T.mu_law_compress(np.array([2.0])), ValueError, r"\bx\b", r"\[-1, 1\]")
R("mu_law_compress ints", lambda c: T.mu_law_compress(np.array([1, 0])), ValueError, r"\bx\b", "float")
R("mu_law_compress mu=0", lambda c: T.mu_law_compress(np.zeros(2), mu=0), ValueError, r"\bmu\b", "positive")
R("mu_law_expand y>1", lambda c: T.mu_law_expand(np.array([1.5])), ValueError, r"\by\b", r"\[-1, 1\]")
R("mu_law_expand NaN", lambda c: T.mu_law_expand(np.array([np.nan])), ValueError, r"\by\b", "NaN")
R("linear_encode n_classes=1", lambda c: T.linear_encode(np.zeros(2), n_classes=1), ValueError, "n_classes", ">= ?2")
R("linear_encode n_classes float", lambda c: T.linear_encode(np.zeros(2), n_classes=2.5), ValueError, "n_classes",
  "integer")
R("linear_encode x>1", lambda c: T.linear_encode(np.array([3.0])), ValueError, r"\bx\b", r"\[-1, 1\]")
R("linear_encode ints", lambda c: T.linear_encode(np.array([0, 1])), ValueError, r"\bx\b", "float")
R("linear_decode floats", lambda c: T.linear_decode(np.array([0.5])), ValueError, r"\bq\b", "integer")
R("linear_decode out of range", lambda c: T.linear_decode(np.array([300])), ValueError, r"\bq\b", r"\[0, 255\]")
R("snr_db shapes", lambda c: T.snr_db(np.ones(3), np.ones(4)), ValueError, "shape", "reference")
R("snr_db silent", lambda c: T.snr_db(np.zeros(3), np.ones(3)), ValueError, "reference", "silent")
R("snr_db NaN", lambda c: T.snr_db(np.array([1.0, np.nan]), np.ones(2)), ValueError, "reference", "NaN")
R("snr_db estimate inf", lambda c: T.snr_db(np.ones(2), np.array([1.0, np.inf])), ValueError, "estimate", "inf")
R("snr_db strings", lambda c: T.snr_db(np.array(["a"]), np.array(["b"])), ValueError, "reference", "number")
R("WaveNet kernel_size=1", lambda c: T.WaveNet(kernel_size=1), ValueError, "kernel_size", ">= ?2")
R("WaveNet n_classes=1", lambda c: T.WaveNet(n_classes=1), ValueError, "n_classes", ">= ?2")
R("WaveNet residual_channels=0", lambda c: T.WaveNet(residual_channels=0), ValueError, "residual_channels",
  ">= ?1|positive")
R("WaveNet layers float", lambda c: T.WaveNet(layers_per_stack=2.0), ValueError, "layers_per_stack", "integer")
R("WaveNet n_stacks bool", lambda c: T.WaveNet(n_stacks=True), ValueError, "n_stacks", "integer")
C("WaveNet numpy ints", lambda c: T.WaveNet(n_classes=np.int64(16), layers_per_stack=np.int32(2), n_stacks=1),
  lambda m: m.receptive_field == 5)
R("WaveNet.forward float", lambda c: c.wn(torch.rand(1, 8)), ValueError, r"\bx\b", "int64|class")
R("WaveNet.forward 1-D", lambda c: c.wn(torch.zeros(8, dtype=torch.long)), ValueError, r"\bx\b", r"\(B, T\)")
R("WaveNet.forward range", lambda c: c.wn(torch.full((1, 8), 16)), ValueError, r"\bx\b", r"\[0, 15\]")
R("WaveNet.forward numpy", lambda c: c.wn(np.zeros((1, 8), dtype=np.int64)), ValueError, r"\bx\b", "Tensor")
R("GatedResidualLayer dilation=0", lambda c: F("GatedResidualLayer")(4, 4, 4, 2, 0), ValueError, "dilation",
  POSINT)
R("GatedResidualLayer kernel=0", lambda c: F("GatedResidualLayer")(4, 4, 4, 0, 1), ValueError, "kernel_size",
  POSINT)
R("GatedResidualLayer channels=0", lambda c: F("GatedResidualLayer")(4, 0, 4, 2, 1), ValueError,
  "dilation_channels", POSINT)
R("wavenet_loss skip<0", lambda c: T.wavenet_loss(c.wn, torch.zeros(1, 8, dtype=torch.long), skip=-1), ValueError,
  "skip", "non-negative|>= ?0")
R("wavenet_loss short", lambda c: T.wavenet_loss(c.wn, torch.zeros(1, 1, dtype=torch.long)), ValueError, r"\bx\b",
  "T >= ")
R("wavenet_loss float", lambda c: T.wavenet_loss(c.wn, torch.rand(1, 8)), ValueError, r"\bx\b", "int64|class")
R("wavenet_loss model", lambda c: T.wavenet_loss(c.tcn, torch.zeros(1, 8, dtype=torch.long)), ValueError,
  "model", "WaveNet")
R("random_segments float waveform", lambda c: F("random_segments")(torch.rand(100) * 2 - 1, 8, 2), ValueError,
  r"\bq\b", "integer|class")
R("random_segments 2-D", lambda c: F("random_segments")(torch.zeros(2, 100, dtype=torch.long), 8, 2), ValueError,
  r"\bq\b", r"\(N,\)")
R("random_segments length=0", lambda c: F("random_segments")(torch.zeros(100, dtype=torch.long), 0, 2), ValueError,
  "length", "positive")
R("random_segments too long", lambda c: F("random_segments")(torch.zeros(10, dtype=torch.long), 20, 2), ValueError,
  "length", "longer")
R("random_segments batch=0", lambda c: F("random_segments")(torch.zeros(100, dtype=torch.long), 8, 0), ValueError,
  "batch_size", "positive")
C("random_segments numpy ints", lambda c: F("random_segments")(torch.zeros(100, dtype=torch.long), np.int64(8),
                                                               np.int64(2)), lambda r: tuple(r.shape) == (2, 8))
R("random_segments numpy q", lambda c: F("random_segments")(np.zeros(100, dtype=np.int64), 8, 2), ValueError,
  r"\bq\b", "tensor")
R("segment_batches float", lambda c: T.segment_batches(torch.rand(100), 8, 2), ValueError, r"\bq\b",
  "integer|class")
R("segment_batches batch=0", lambda c: T.segment_batches(torch.zeros(100, dtype=torch.long), 8, 0), ValueError,
  "batch_size", "positive")
R("segment_batches length=0", lambda c: T.segment_batches(torch.zeros(100, dtype=torch.long), 0, 2), ValueError,
  "length", "positive")
C("segment_batches numpy ints", lambda c: T.segment_batches(torch.zeros(100, dtype=torch.long), np.int64(8),
                                                            np.int64(2))(0)[0], lambda r: tuple(r.shape) == (2, 8))
R("sample_from_logits temperature=0", lambda c: T.sample_from_logits(torch.zeros(1, 4), torch.zeros(1), 0),
  ValueError, "temperature", "positive")
R("sample_from_logits 1-D", lambda c: T.sample_from_logits(torch.zeros(4), torch.zeros(1)), ValueError, "logits",
  r"\(B, n_classes\)")
R("sample_from_logits u shape", lambda c: T.sample_from_logits(torch.zeros(2, 4), torch.zeros(3)), ValueError,
  r"\bu\b", r"\(B,\)")
R("sample_from_logits u>1", lambda c: T.sample_from_logits(torch.zeros(1, 4), torch.tensor([2.0])), ValueError,
  r"\bu\b", r"\[0, 1\)")
R("sample_from_logits NaN", lambda c: T.sample_from_logits(torch.tensor([[0.0, float("nan")]]), torch.zeros(1)),
  ValueError, "logits", "NaN")
R("sample_from_logits numpy", lambda c: T.sample_from_logits(np.zeros((1, 4)), np.zeros(1)), ValueError, "logits",
  "Tensor")
C("sample_from_logits numpy temperature", lambda c: T.sample_from_logits(torch.zeros(1, 4), torch.zeros(1),
                                                                         np.float32(0.5)), lambda r: r.shape == (1,))
R("generate_naive n=0", lambda c: T.generate_naive(c.wn, 0), ValueError, "n_samples", "positive")
R("generate_naive batch=0", lambda c: T.generate_naive(c.wn, 3, batch_size=0), ValueError, "batch_size", "positive")
R("generate_naive temperature=0", lambda c: T.generate_naive(c.wn, 3, temperature=0), ValueError, "temperature",
  "positive")
R("generate_naive prime range", lambda c: T.generate_naive(c.wn, 3, prime=torch.full((1, 4), 99)), ValueError,
  "prime", r"\[0, 15\]")
R("generate_naive prime float", lambda c: T.generate_naive(c.wn, 3, prime=torch.rand(1, 4)), ValueError, "prime",
  "int64|class")
R("generate_naive uniforms shape", lambda c: T.generate_naive(c.wn, 3, uniforms=torch.rand(1, 5)), ValueError,
  "uniforms", r"\(B, n_samples\)")
R("generate_naive model", lambda c: T.generate_naive(c.tcn, 3), ValueError, "model", "WaveNet")
R("generate_naive return_logits str", lambda c: T.generate_naive(c.wn, 3, return_logits="no"), ValueError,
  "return_logits", BOOL)
R("generate_cached return_logits str", lambda c: T.generate_cached(c.wn, 3, return_logits="no"), ValueError,
  "return_logits", BOOL)
R("generate_naive generator int", lambda c: T.generate_naive(c.wn, 3, generator=0), ValueError, "generator",
  "torch.Generator")
R("WaveNet.generate cached str", lambda c: c.wn.generate(3, cached="no"), ValueError, "cached", BOOL)
C("generate_naive numpy n", lambda c: T.generate_naive(c.wn, np.int64(3)), lambda r: tuple(r.shape) == (1, 3))
R("generate_cached n=0", lambda c: T.generate_cached(c.wn, 0), ValueError, "n_samples", "positive")
R("generate_cached n float", lambda c: T.generate_cached(c.wn, 3.0), ValueError, "n_samples", "integer")
R("generate_cached model", lambda c: T.generate_cached(c.tcn, 3), ValueError, "model", "WaveNet")
R("generate_cached prime 3-D", lambda c: T.generate_cached(c.wn, 3, prime=torch.zeros(1, 1, 4, dtype=torch.long)),
  ValueError, "prime", r"\(B, T\)")
R("WaveNetCache backend", lambda c: T.WaveNetCache(c.wn, backend="gpu"), ValueError, "backend", "numpy")
R("WaveNetCache batch=0", lambda c: T.WaveNetCache(c.wn, batch_size=0), ValueError, "batch_size", "positive")
R("WaveNetCache model", lambda c: T.WaveNetCache(c.tcn), ValueError, "model", "WaveNet")
R("WaveNetCache.step shape", lambda c: T.WaveNetCache(c.wn, batch_size=2).step(torch.zeros(3, dtype=torch.long)),
  ValueError, r"\bx\b", r"\(B,\)|\(2,\)")
R("WaveNetCache.step range", lambda c: T.WaveNetCache(c.wn).step(torch.tensor([40])), ValueError, r"\bx\b",
  r"\[0, 15\]")
R("WaveNetCache.prime twice", lambda c: _prime_twice(c), ValueError, "prime", "before|new")

# ---- streaming ---------------------------------------------------------------------
R("TCNStream model", lambda c: T.TCNStream(torch.nn.Conv1d(2, 2, 3)), ValueError, "model", "TCN")
R("TCNStream non-causal", lambda c: T.TCNStream(c.tcn_same), ValueError, "causal", "future")
R("TCNStream batch=0", lambda c: T.TCNStream(c.tcn, 0), ValueError, "batch_size", "positive")
R("TCNStream batch float", lambda c: T.TCNStream(c.tcn, 2.0), ValueError, "batch_size", "integer")
R("TCNStream batch bool", lambda c: T.TCNStream(c.tcn, True), ValueError, "batch_size", "integer")
C("TCNStream numpy batch", lambda c: T.TCNStream(c.tcn, np.int64(2)).batch_size, lambda r: r == 2)
R("stream.step channels", lambda c: c.tcn.stream(batch_size=1).step(torch.zeros(1, 3)), ValueError, "x_t",
  r"\(1, 2\)|in_channels")
R("stream.step 1-D", lambda c: c.tcn.stream(batch_size=1).step(torch.zeros(2)), ValueError, "x_t",
  r"\(batch_size, in_channels\)")
R("stream.step list", lambda c: c.tcn.stream(batch_size=1).step([[0.0, 0.0]]), ValueError, "x_t", "Tensor|ndarray")
R("stream.step NaN", lambda c: c.tcn.stream(batch_size=1).step(torch.tensor([[0.0, float("nan")]])), ValueError,
  "x_t", "NaN")
R("stream.step strings", lambda c: c.tcn.stream(batch_size=1).step(np.array([["a", "b"]])), ValueError, "x_t",
  "number")
R("stream() empty chunk", lambda c: c.tcn.stream(batch_size=1)(torch.zeros(1, 2, 0)), ValueError, "x_chunk",
  "at least one")
R("stream() wrong batch", lambda c: c.tcn.stream(batch_size=2)(torch.zeros(1, 2, 5)), ValueError, "x_chunk",
  "batch_size")
R("stream() 2-D", lambda c: c.tcn.stream(batch_size=1)(torch.zeros(2, 5)), ValueError, "x_chunk", r"time\)")
R("stream() inf", lambda c: c.tcn.stream(batch_size=1)(torch.full((1, 2, 3), float("inf"))), ValueError, "x_chunk",
  "inf")
R("naive_stream_step rf=0", lambda c: T.naive_stream_step(c.tcn, torch.zeros(1, 2, 0), torch.zeros(1, 2), 0),
  ValueError, "receptive_field", "positive")
R("naive_stream_step x_t shape", lambda c: T.naive_stream_step(c.tcn, torch.zeros(1, 2, 0), torch.zeros(1, 3), 5),
  ValueError, "x_t", r"\(B, C\)|channels")
R("naive_stream_step history", lambda c: T.naive_stream_step(c.tcn, torch.zeros(1, 3, 2), torch.zeros(1, 2), 5),
  ValueError, "history", r"\(B, C|channels")
R("naive_stream_step numpy", lambda c: T.naive_stream_step(c.tcn, np.zeros((1, 2, 0)), np.zeros((1, 2)), 5),
  ValueError, "history", "Tensor")

# ---- causality ---------------------------------------------------------------------
R("dependency_mask model", lambda c: T.dependency_mask("tcn", 2, 8), ValueError, "model", "Module")
R("dependency_mask in_channels=0", lambda c: T.dependency_mask(c.tcn, 0, 8), ValueError, "in_channels", "positive")
R("dependency_mask length=0", lambda c: T.dependency_mask(c.tcn, 2, 0), ValueError, "length", "positive")
R("dependency_mask trials=0", lambda c: T.dependency_mask(c.tcn, 2, 8, trials=0), ValueError, "trials", "positive")
R("dependency_mask in_channels float", lambda c: T.dependency_mask(c.tcn, 2.0, 8), ValueError, "in_channels",
  "integer")
R("dependency_mask wrong channels", lambda c: T.dependency_mask(c.tcn, 3, 8), ValueError, "in_channels",
  r"\(1, 3, 8\)")
R("dependency_mask seed str", lambda c: T.dependency_mask(c.tcn, 2, 8, seed="a"), ValueError, "seed", "integer")
R("dependency_mask seed<0", lambda c: T.dependency_mask(c.tcn, 2, 8, seed=-1), ValueError, "seed", ">= ?0")
C("dependency_mask numpy ints", lambda c: T.dependency_mask(c.tcn, np.int64(2), np.int64(8), trials=np.int32(2)),
  lambda m: tuple(m.shape) == (8, 8) and not bool(m.triu(1).any()))
R("future_leak numpy", lambda c: T.future_leak(np.eye(3, dtype=bool)), ValueError, "mask", "tensor")
R("future_leak 1-D", lambda c: T.future_leak(torch.ones(3, dtype=torch.bool)), ValueError, "mask", r"\(T_out, T_in\)")
R("future_leak float", lambda c: T.future_leak(torch.rand(3, 3)), ValueError, "mask", "bool")

# ---- cnn2d -------------------------------------------------------------------------
R("StyleCNN n_classes=1", lambda c: F("StyleCNN")(n_classes=1), ValueError, "n_classes", ">= ?2")
R("StyleCNN channels empty", lambda c: F("StyleCNN")(channels=()), ValueError, "channels", "empty")
R("StyleCNN channels 0", lambda c: F("StyleCNN")(channels=(16, 0)), ValueError, "channels", "positive")
R("StyleCNN channels str", lambda c: F("StyleCNN")(channels="16"), ValueError, "channels", "list")
R("StyleCNN n_mels small", lambda c: F("StyleCNN")(n_mels=8), ValueError, "n_mels", "16")
R("StyleCNN n_mels str", lambda c: F("StyleCNN")(n_mels="80"), ValueError, "n_mels", "integer")
R("StyleCNN time_pool=0", lambda c: F("StyleCNN")(time_pool=0), ValueError, "time_pool", "positive")
R("StyleCNN dropout>1", lambda c: F("StyleCNN")(dropout=1.5), ValueError, "dropout", r"\[0, 1\)|between")
C("StyleCNN numpy ints", lambda c: F("StyleCNN")(n_mels=np.int64(32), n_classes=np.int64(3), channels=(4, 4)),
  lambda m: m.classifier.out_features == 3)
R("StyleCNN.forward n_mels", lambda c: c.cnn(torch.zeros(1, 20, 40)), ValueError, r"\bx\b", r"\(B, 16, T\)")
R("StyleCNN.forward numpy", lambda c: c.cnn(np.zeros((1, 16, 40))), ValueError, r"\bx\b", "Tensor")
R("random_patches empty", lambda c: F("random_patches")([], [], 2, 10, np.random.default_rng(0)), ValueError,
  "specs", "empty")
R("random_patches lengths", lambda c: F("random_patches")([np.zeros((16, 50))], [0, 1], 2, 10,
                                                          np.random.default_rng(0)), ValueError, "labels", "equally")
R("random_patches frames>T", lambda c: F("random_patches")([np.zeros((16, 50))], [0], 2, 80,
                                                           np.random.default_rng(0)), ValueError, "frames", "50")
R("random_patches n=0", lambda c: F("random_patches")([np.zeros((16, 50))], [0], 0, 10, np.random.default_rng(0)),
  ValueError, r"\bn\b", "positive")
R("random_patches frames=0", lambda c: F("random_patches")([np.zeros((16, 50))], [0], 2, 0,
                                                           np.random.default_rng(0)), ValueError, "frames", "positive")
R("random_patches rng None", lambda c: F("random_patches")([np.zeros((16, 50))], [0], 2, 10, None), ValueError,
  "rng", "Generator")
R("random_patches gain<0", lambda c: F("random_patches")([np.zeros((16, 50))], [0], 2, 10, np.random.default_rng(0),
                                                         gain_db=-1), ValueError, "gain_db", ">= ?0")
R("random_patches 1-D spec", lambda c: F("random_patches")([np.zeros(50)], [0], 2, 10, np.random.default_rng(0)),
  ValueError, "specs", r"\(F, T\)")
R("clip_patches 1-D", lambda c: F("clip_patches")(np.zeros(50), 10), ValueError, r"\bS\b", r"\(F, T\)")
R("clip_patches frames>T", lambda c: F("clip_patches")(np.zeros((16, 5)), 10), ValueError, "frames", "T >=")
R("clip_patches hop=0", lambda c: F("clip_patches")(np.zeros((16, 50)), 10, hop=0), ValueError, "hop", "positive")
R("clip_patches frames=0", lambda c: F("clip_patches")(np.zeros((16, 50)), 0), ValueError, "frames", "positive")
R("clip_patches frames float", lambda c: F("clip_patches")(np.zeros((16, 50)), 2.5), ValueError, "frames", "integer")
R("clip_patches NaN", lambda c: F("clip_patches")(np.full((16, 50), np.nan), 10), ValueError, r"\bS\b", "NaN")
R("clip_patches hop float", lambda c: F("clip_patches")(np.zeros((16, 50)), 10, hop=2.5), ValueError, "hop",
  "integer")
R("predict_clip model", lambda c: F("predict_clip")("cnn", np.zeros((16, 50)), 10), ValueError, "model", "Module")
R("predict_clip n_mels", lambda c: F("predict_clip")(c.cnn, np.zeros((20, 50)), 10), ValueError, r"\(B, 16, T\)|S",
  "16")
R("confusion_matrix n_classes=0", lambda c: F("confusion_matrix")([0], [0], 0), ValueError, "n_classes", "positive")
R("confusion_matrix lengths", lambda c: F("confusion_matrix")([0, 1], [0], 2), ValueError, "true", "pred")
R("confusion_matrix range", lambda c: F("confusion_matrix")([0, 5], [0, 1], 2), ValueError, "labels|true", r"\[0, 2\)")
R("confusion_matrix floats", lambda c: F("confusion_matrix")([0.7, 1.2], [0, 1], 2), ValueError, "true", "integer")
R("confusion_matrix n float", lambda c: F("confusion_matrix")([0], [0], 2.5), ValueError, "n_classes", "integer")
R("saliency 3-D", lambda c: F("saliency")(c.cnn, torch.zeros(1, 16, 40)), ValueError, r"\bx\b", r"\(F, T\)")
R("saliency target range", lambda c: F("saliency")(c.cnn, torch.zeros(16, 40), target=10), ValueError, "target",
  r"\[0, 3\)")
R("saliency target float", lambda c: F("saliency")(c.cnn, torch.zeros(16, 40), target=1.5), ValueError, "target",
  "integer|class")
R("saliency target<0", lambda c: F("saliency")(c.cnn, torch.zeros(16, 40), target=-1), ValueError, "target",
  r"\[0, 3\)")
R("saliency model", lambda c: F("saliency")(None, torch.zeros(16, 40)), ValueError, "model", "Module")

# ---- config ------------------------------------------------------------------------
R("get_device gpu", lambda c: T.get_device("gpu"), ValueError, "prefer", "cpu")
R("get_device tpu", lambda c: T.get_device("tpu"), ValueError, "prefer", "cpu")
R("get_device float", lambda c: T.get_device(1.5), ValueError, "prefer", "cpu")
R("seed_everything -1", lambda c: T.seed_everything(-1), ValueError, "seed", r"\[0, 2\*\*32\)")
R("seed_everything float", lambda c: T.seed_everything(1.5), ValueError, "seed", "integer")
R("seed_everything str", lambda c: T.seed_everything("1"), ValueError, "seed", "integer")
R("seed_everything big", lambda c: T.seed_everything(2 ** 32), ValueError, "seed", r"2\*\*32")
C("seed_everything numpy", lambda c: T.seed_everything(np.int64(3)), lambda g: g.initial_seed() == 3)
R("quick_mode bad env", lambda c: _with_env(T.QUICK_ENV_VAR, "maybe", T.quick_mode), ValueError, T.QUICK_ENV_VAR,
  "true")
R("pick bad env", lambda c: _with_env(T.QUICK_ENV_VAR, "2", lambda: T.pick(1, 2)), ValueError, T.QUICK_ENV_VAR, "0")

# ---- widgets -----------------------------------------------------------------------
C("explorer_settings causal str", lambda c: F("explorer_settings")(causal="no"),
  lambda s: any("causal" in m for m in s.messages))
C("explorer_settings kernel 100", lambda c: F("explorer_settings")(kernel_size=100),
  lambda s: s.kernel_size == 9 and any("kernel size 100" in m for m in s.messages))
C("explorer_settings rate str", lambda c: F("explorer_settings")(rate="fast"),
  lambda s: s.rate == 100.0 and any("rate" in m for m in s.messages))
C("explorer_settings schedule", lambda c: F("explorer_settings")(schedule="exp"),
  lambda s: any("schedule" in m for m in s.messages))
C("explorer_settings custom None", lambda c: F("explorer_settings")(schedule="custom", custom=None),
  lambda s: s.dilations == [1] and s.messages)
C("explorer_settings layers inf", lambda c: F("explorer_settings")(n_layers=float("inf")),
  lambda s: any("layers" in m for m in s.messages))
C("explorer_settings numpy ints", lambda c: F("explorer_settings")(kernel_size=np.int64(5), n_layers=np.int32(3)),
  lambda s: s.kernel_size == 5 and len(s.dilations) == 3 and not s.messages)
C("parse_dilations None", lambda c: F("parse_dilations")(None), lambda r: r[0] == [1] and r[1])
C("parse_dilations huge", lambda c: F("parse_dilations")("1, 99999999999999999999"),
  lambda r: r[0] == [1, 4096] and r[1])
R("explorer_readouts None", lambda c: F("explorer_readouts")(None), ValueError, r"\bs\b", "ExplorerSettings")
R("readout_html dict", lambda c: F("readout_html")({"kernel_size": 3}), ValueError, r"\bs\b", "ExplorerSettings")
R("message_html None", lambda c: F("message_html")(None), ValueError, r"\bs\b", "ExplorerSettings")
R("render_stack_png dpi=0", lambda c: F("render_stack_png")(F("explorer_settings")(), dpi=0), ValueError, "dpi",
  "positive")
R("render_stack_png s", lambda c: F("render_stack_png")("3, [1, 2]"), ValueError, r"\bs\b", "ExplorerSettings")
C("explorer kernel 100 explained", lambda c: T.receptive_field_explorer(kernel_size=100),
  lambda w: w.settings.kernel_size == 9 and "kernel size 100" in w.message.value)
C("explorer causal str explained", lambda c: T.receptive_field_explorer(causal="no"),
  lambda w: "causal" in w.message.value)
C("explorer rate str explained", lambda c: T.receptive_field_explorer(rate="fast"),
  lambda w: w.settings.rate == 100.0 and "rate" in w.message.value)
C("explorer rate<0 explained", lambda c: T.receptive_field_explorer(rate=-5),
  lambda w: w.settings.rate == 100.0 and "rate" in w.message.value)
C("explorer layers str explained", lambda c: T.receptive_field_explorer(n_layers="many"),
  lambda w: "layers" in w.message.value)

# ---- tasks -------------------------------------------------------------------------
R("adding_problem n=0", lambda c: T.adding_problem(0, 10), ValueError, r"\bn\b", "positive|>= ?1")
R("adding_problem T=1", lambda c: T.adding_problem(2, 1), ValueError, r"\bT\b", ">= ?2")
R("adding_problem n float", lambda c: T.adding_problem(2.5, 10), ValueError, r"\bn\b", "integer")
R("adding_problem T str", lambda c: T.adding_problem(2, "10"), ValueError, r"\bT\b", "integer")
R("adding_problem generator", lambda c: T.adding_problem(2, 10, generator=0), ValueError, "generator",
  "torch.Generator")
C("adding_problem numpy", lambda c: T.adding_problem(np.int64(2), np.int32(10))[0], lambda x: tuple(x.shape) == (2, 2, 10))
R("adding_loss 2-D", lambda c: T.adding_loss(torch.zeros(2, 10), torch.zeros(2)), ValueError, "pred",
  r"\(B, 1, T\)")
R("adding_loss y (B,1)", lambda c: T.adding_loss(torch.zeros(2, 1, 10), torch.zeros(2, 1)), ValueError, r"\by\b",
  r"\(B,\)")
R("adding_loss channels", lambda c: T.adding_loss(torch.zeros(2, 2, 10), torch.zeros(2)), ValueError, "pred",
  r"\(B, 1, T\)")
R("adding_loss numpy", lambda c: T.adding_loss(np.zeros((2, 1, 10)), np.zeros(2)), ValueError, "pred", "Tensor")
R("copy_memory n=0", lambda c: T.copy_memory(0, 10), ValueError, r"\bn\b", "positive|>= ?1")
R("copy_memory T=0", lambda c: T.copy_memory(2, 0), ValueError, r"\bT\b", "positive|>= ?1")
R("copy_memory memory=0", lambda c: T.copy_memory(2, 10, memory=0), ValueError, "memory", "positive|>= ?1")
R("copy_memory memory float", lambda c: T.copy_memory(2, 10, memory=2.5), ValueError, "memory", "integer")
R("copy_memory generator", lambda c: T.copy_memory(2, 10, generator="seed"), ValueError, "generator",
  "torch.Generator")
C("copy_memory numpy", lambda c: T.copy_memory(np.int64(2), np.int64(10))[0], lambda x: tuple(x.shape) == (2, 1, 30))
R("copy_memory_baseline_loss T=0", lambda c: T.copy_memory_baseline_loss(0), ValueError, r"\bT\b", "positive|>= ?1")
R("copy_memory_baseline_loss memory<0", lambda c: T.copy_memory_baseline_loss(10, memory=-1), ValueError, "memory",
  "positive|>= ?1")
R("copy_loss classes", lambda c: T.copy_loss(torch.zeros(2, 8, 30), torch.zeros(2, 30, dtype=torch.long)),
  ValueError, "pred", r"\(B, 10, L\)")
R("copy_loss y int32", lambda c: T.copy_loss(torch.zeros(2, 10, 30), torch.zeros(2, 30, dtype=torch.int32)),
  ValueError, r"\by\b", "int64|class")
R("copy_loss y float", lambda c: T.copy_loss(torch.zeros(2, 10, 30), torch.zeros(2, 30)), ValueError, r"\by\b",
  "int64|class")
R("copy_loss y range", lambda c: T.copy_loss(torch.zeros(2, 10, 30), torch.full((2, 30), 12)), ValueError, r"\by\b",
  r"0\.\.9|\[0, 9\]|\[0, 10\)")
R("copy_accuracy memory=0", lambda c: T.copy_accuracy(torch.zeros(2, 10, 30), torch.zeros(2, 30, dtype=torch.long),
                                                      memory=0), ValueError, "memory", "positive|>= ?1")
R("copy_accuracy 2-D", lambda c: T.copy_accuracy(torch.zeros(2, 30), torch.zeros(2, 30, dtype=torch.long)),
  ValueError, "pred", r"\(B, 10, L\)")
R("copy_accuracy broadcast", lambda c: T.copy_accuracy(torch.zeros(4, 10, 30), torch.zeros(1, 30, dtype=torch.long)),
  ValueError, r"\by\b", r"\(B, L\)")
R("copy_accuracy memory>L", lambda c: T.copy_accuracy(torch.zeros(2, 10, 30), torch.zeros(2, 30, dtype=torch.long),
                                                      memory=40), ValueError, "memory", "30")
R("TCNNet out_channels=0", lambda c: T.TCNNet(2, [4], 0), ValueError, "out_channels", "positive|>= ?1")
R("TCNNet in_channels=0", lambda c: T.TCNNet(0, [4], 1), ValueError, "in_channels", "positive|>= ?1")
R("TCNNet channels empty", lambda c: T.TCNNet(2, [], 1), ValueError, "channels", "empty")
C("TCNNet numpy ints", lambda c: T.TCNNet(np.int64(2), [4], np.int64(3)), lambda m: m.out_channels == 3)
R("RNNNet cell case", lambda c: T.RNNNet(2, 8, 1, cell="LSTM"), ValueError, "cell", "lstm")
R("RNNNet hidden=0", lambda c: T.RNNNet(2, 0, 1), ValueError, "hidden", "positive|>= ?1")
R("RNNNet layers=0", lambda c: T.RNNNet(2, 8, 1, layers=0), ValueError, "layers", "positive|>= ?1")
R("RNNNet in float", lambda c: T.RNNNet(2.5, 8, 1), ValueError, "in_channels", "integer")
C("RNNNet numpy ints", lambda c: T.RNNNet(np.int64(2), np.int64(8), np.int64(1)), lambda m: m.out_channels == 1)
R("RNNNet.forward channels", lambda c: T.RNNNet(2, 8, 1)(torch.zeros(1, 3, 5)), ValueError, r"\bx\b", "in_channels")

# ---- models ------------------------------------------------------------------------
owner("models and training")
R("TCN in_channels=0", lambda c: F("TCN")(0, [4]), ValueError, "in_channels", POSINT)
R("TCN channels empty", lambda c: F("TCN")(2, []), ValueError, "channels", "empty")
R("TCN channels 0", lambda c: F("TCN")(2, [4, 0]), ValueError, "channels", "positive")
R("TCN channels str", lambda c: F("TCN")(2, "44"), ValueError, "channels", "list")
R("TCN kernel_size=0", lambda c: F("TCN")(2, [4], kernel_size=0), ValueError, "kernel_size", POSINT)
R("TCN kernel_size float", lambda c: F("TCN")(2, [4], kernel_size=2.5), ValueError, "kernel_size", "integer")
R("TCN dilations 0", lambda c: F("TCN")(2, [4, 4], dilations=[1, 0]), ValueError, "dilations", "positive")
R("TCN dilations length", lambda c: F("TCN")(2, [4, 4], dilations=[1, 2, 4]), ValueError, "dilations", "channels")
R("TCN causal str", lambda c: F("TCN")(2, [4], causal="no"), ValueError, "causal", BOOL)
R("TCN dropout>1", lambda c: F("TCN")(2, [4], dropout=1.5), ValueError, "dropout", r"\[0, 1\)|between")
R("TCN dropout<0", lambda c: F("TCN")(2, [4], dropout=-0.1), ValueError, "dropout", r"\[0, 1\)|between")
R("TCN norm typo", lambda c: F("TCN")(2, [4], norm="batchnorm"), ValueError, "norm", "batch")
R("TCN activation", lambda c: F("TCN")(2, [4], activation="relu6"), ValueError, "activation", "relu")
R("TCN convs_per_block=0", lambda c: F("TCN")(2, [4], convs_per_block=0), ValueError, "convs_per_block", POSINT)
C("TCN numpy ints", lambda c: F("TCN")(np.int64(2), [np.int64(4)], kernel_size=np.int64(3)),
  lambda m: m.receptive_field == 5)
R("TCN.forward channels", lambda c: c.tcn(torch.zeros(1, 3, 8)), ValueError, r"\bx\b", "in_channels")
R("TCN.forward 2-D", lambda c: c.tcn(torch.zeros(2, 8)), ValueError, r"\bx\b", r"\(B, C, T\)")
R("TCN.forward numpy", lambda c: c.tcn(np.zeros((1, 2, 8))), ValueError, r"\bx\b", "Tensor")
R("TemporalBlock norm typo", lambda c: F("TemporalBlock")(2, 4, 3, 1, norm="batchnorm"), ValueError, "norm", "batch")
R("TemporalBlock dilation=0", lambda c: F("TemporalBlock")(2, 4, 3, 0), ValueError, "dilation", POSINT)
R("TemporalBlock causal str", lambda c: F("TemporalBlock")(2, 4, 3, 1, causal="yes"), ValueError, "causal", BOOL)
R("TemporalBlock convs=0", lambda c: F("TemporalBlock")(2, 4, 3, 1, convs=0), ValueError, "convs", POSINT)
R("DilatedConv1d kernel=0", lambda c: T.DilatedConv1d(2, 4, 0), ValueError, "kernel_size", POSINT)
R("DilatedConv1d causal str", lambda c: T.DilatedConv1d(2, 4, 3, causal="no"), ValueError, "causal", BOOL)
R("DilatedConv1d out=0", lambda c: T.DilatedConv1d(2, 0, 3), ValueError, "out_channels", POSINT)
C("DilatedConv1d numpy dilation", lambda c: T.DilatedConv1d(2, 4, 3, dilation=np.int64(2)),
  lambda m: m.dilation == 2)
R("ChannelLayerNorm 0", lambda c: F("ChannelLayerNorm")(0), ValueError, "channels", POSINT)
R("check_input numpy", lambda c: F("check_input")(np.zeros((1, 2, 3)), 2), ValueError, r"\bx\b", "Tensor")

# ---- training ----------------------------------------------------------------------
R("fit foreign optimizer", lambda c: _fit(c, optimizer=torch.optim.SGD(F("TCN")(2, [4]).parameters(), lr=0.1)),
  ValueError, "optimizer", "model")
R("fit epochs=0", lambda c: _fit(c, epochs=0), ValueError, "epochs", POSINT)
R("fit epochs float", lambda c: _fit(c, epochs=1.5), ValueError, "epochs", "integer")
C("fit numpy epochs", lambda c: _fit(c, epochs=np.int64(1)), lambda h: len(h["epoch"]) == 1)
R("fit checkpoint folder", lambda c: _fit(c, checkpoint=c.folder), ValueError, "checkpoint", "a_folder|folder|directory")
R("fit callbacks fn", lambda c: _fit(c, callbacks=lambda *a: None), ValueError, "callbacks", "list|sequence")
R("fit NaN loss", lambda c: _fit(c, loss_fn=lambda out, tgt: out.sum() * float("nan")),
  (ValueError, FloatingPointError), "loss", "NaN|finite")
R("fit target broadcast", lambda c: _fit(c, targets=torch.zeros(4, 8)), ValueError, "shape", "target")
R("fit device gpu", lambda c: _fit(c, device="gpu"), ValueError, "device", "cpu")
R("fit mode", lambda c: _fit(c, mode="minimum"), ValueError, "mode", "min")
R("fit scheduler_interval", lambda c: _fit(c, scheduler_interval="batch"), ValueError, "scheduler_interval", "step")
R("fit patience<0", lambda c: _fit(c, patience=-1), ValueError, "patience", ">= ?0|positive")
R("fit monitor without val", lambda c: _fit(c, monitor="val_loss"), ValueError, "monitor", "val")
R("fit grad_clip<0", lambda c: _fit(c, grad_clip=-1.0), ValueError, "grad_clip", "positive")
R("fit amp str", lambda c: _fit(c, amp="yes"), ValueError, "amp", "auto")
R("fit train None", lambda c: _fit(c, train=None), ValueError, "train", "batch|iterable")
R("fit optimizer None", lambda c: _fit(c, optimizer=None), ValueError, "optimizer", "Optimizer")
R("fit loss_fn None", lambda c: _fit(c, loss_fn=None), ValueError, "loss_fn", "callable|function")
R("fit resume str", lambda c: _fit(c, resume="no"), ValueError, "resume", BOOL)
R("fit progress str", lambda c: _fit(c, progress="no"), ValueError, "progress", BOOL)
R("save_checkpoint folder", lambda c: F("save_checkpoint")(c.folder, c.tcn), ValueError, "path", "folder|directory")
R("save_checkpoint model None", lambda c: F("save_checkpoint")(c.tmp / "x.ckpt", None), ValueError, "model", "Module")
R("save_checkpoint epoch<0", lambda c: F("save_checkpoint")(c.tmp / "x.ckpt", c.tcn, epoch=-1), ValueError, "epoch",
  ">= ?0")
C("save_checkpoint file mode", lambda c: _mode_of(F("save_checkpoint")(c.tmp / "m.ckpt", c.tcn)),
  lambda mode: mode == 0o666 & ~_umask())
R("load_checkpoint missing", lambda c: F("load_checkpoint")(c.tmp / "none.ckpt"), FileNotFoundError, "none.ckpt")
R("load_checkpoint corrupt", lambda c: F("load_checkpoint")(c.file("bad.ckpt", b"PK\x03\x04 garbage" * 10)), ValueError,
  "bad.ckpt", "checkpoint")
R("load_checkpoint text", lambda c: F("load_checkpoint")(c.file("text.ckpt", "hello")), ValueError, "text.ckpt",
  "checkpoint")
R("load_checkpoint SGD into Adam", lambda c: F("load_checkpoint")(
    c.ckpt, F("TCN")(2, [4, 4], kernel_size=3), torch.optim.Adam(F("TCN")(2, [4, 4], kernel_size=3).parameters())),
  ValueError, "optimizer", "SGD")
R("load_checkpoint cuda", lambda c: _no_cuda(lambda: F("load_checkpoint")(c.ckpt, map_location="cuda")), ValueError,
  "map_location", "CUDA|GPU")
R("load_checkpoint map gpu", lambda c: F("load_checkpoint")(c.ckpt, map_location="gpu"), ValueError, "map_location",
  "cpu")
R("load_checkpoint architecture", lambda c: F("load_checkpoint")(c.ckpt, F("TCN")(2, [8, 8])), ValueError, "model",
  "match|shape")
R("load_checkpoint folder", lambda c: F("load_checkpoint")(c.folder), ValueError, "a_folder", "file|directory")
R("make_train_step amp", lambda c: F("make_train_step")(c.tcn, torch.nn.functional.mse_loss,
                                                     torch.optim.SGD(c.tcn.parameters(), lr=0.1), amp="yes"),
  ValueError, "amp", "auto")
R("make_train_step grad_clip=0", lambda c: F("make_train_step")(c.tcn, torch.nn.functional.mse_loss,
                                                             torch.optim.SGD(c.tcn.parameters(), lr=0.1),
                                                             grad_clip=0), ValueError, "grad_clip", "positive")
R("make_train_step model None", lambda c: F("make_train_step")(None, torch.nn.functional.mse_loss,
                                                            torch.optim.SGD(c.tcn.parameters(), lr=0.1)),
  ValueError, "model", "Module")
R("time_step reps=0", lambda c: F("time_step")(lambda x, y: None, 0, 0, reps=0), ValueError, "reps", POSINT + "|>= ?1")
R("time_step warmup<0", lambda c: F("time_step")(lambda x, y: None, 0, 0, warmup=-1), ValueError, "warmup", ">= ?0")
R("evaluate data None", lambda c: F("evaluate")(c.tcn, None, torch.nn.functional.mse_loss), ValueError, "data",
  "iterable|batch")
R("evaluate metrics str", lambda c: F("evaluate")(c.tcn, [(torch.zeros(1, 2, 8), torch.zeros(1, 4, 8))],
                                               torch.nn.functional.mse_loss, metrics="acc"), ValueError, "metrics",
  "dict")
R("evaluate empty data", lambda c: F("evaluate")(c.tcn, [], torch.nn.functional.mse_loss), ValueError, "data", "empty|no batch")
R("fast_model None", lambda c: F("fast_model")(None, torch.device("cpu")), ValueError, "model", "Module")
R("fast_model device str", lambda c: F("fast_model")(c.tcn, "gpu"), ValueError, "device", "cpu|torch.device")
R("distributed_world WORLD_SIZE", lambda c: _with_env("WORLD_SIZE", "two", F("distributed_world")), ValueError,
  "WORLD_SIZE", "integer")
R("resolve_amp str", lambda c: F("resolve_amp")("maybe", torch.device("cpu")), ValueError, "amp", "auto")
R("resolve_compile str", lambda c: F("resolve_compile")("maybe", torch.device("cpu")), ValueError, "compile", "auto")

# ---- receptive ---------------------------------------------------------------------
owner("beat path and plots")
R("receptive_field k=0", lambda c: F("receptive_field")(0, [1, 2]), ValueError, "kernel_size", "positive")
R("receptive_field dilation 0", lambda c: F("receptive_field")(3, [1, 0]), ValueError, "dilations", "positive")
R("receptive_field empty", lambda c: F("receptive_field")(3, []), ValueError, "dilations", "empty")
R("receptive_field float dilation", lambda c: F("receptive_field")(3, [1, 2.5]), ValueError, "dilations", "integer")
R("receptive_field str", lambda c: F("receptive_field")(3, "124"), ValueError, "dilations", "list|integers")
R("receptive_field convs_per_block=0", lambda c: F("receptive_field")(3, [1, 2], 0), ValueError, "convs_per_block",
  "positive")
R("receptive_field kernel list length", lambda c: F("receptive_field")([3, 3], [1, 2, 4]), ValueError, "kernel_size",
  "dilations|one per")
C("receptive_field numpy ints", lambda c: F("receptive_field")(np.int64(3), [np.int64(1), np.int32(2)]),
  lambda r: r == 7)
R("exponential_dilations 0", lambda c: F("exponential_dilations")(0), ValueError, "n_layers", "positive")
R("exponential_dilations base=0", lambda c: F("exponential_dilations")(3, 0), ValueError, "base", "positive")
R("exponential_dilations float", lambda c: F("exponential_dilations")(2.5), ValueError, "n_layers", "integer")
C("exponential_dilations numpy", lambda c: F("exponential_dilations")(np.int64(3)), lambda r: r == [1, 2, 4])
R("repeat_stack 0", lambda c: F("repeat_stack")([1, 2], 0), ValueError, "n_stacks", "positive")
R("repeat_stack empty", lambda c: F("repeat_stack")([], 2), ValueError, "dilations", "empty")
R("to_seconds rate=0", lambda c: F("to_seconds")(5, 0), ValueError, "rate", "positive")
R("to_seconds rate<0", lambda c: F("to_seconds")(5, -1), ValueError, "rate", "positive")
R("to_seconds n<0", lambda c: F("to_seconds")(-1, 100), ValueError, "n_steps", ">= ?0|non-negative")
R("to_seconds str", lambda c: F("to_seconds")("5", 100), ValueError, "n_steps", "number")
R("field_span causal str", lambda c: F("field_span")(3, [1, 2], causal="no"), ValueError, "causal", BOOL)
R("cone_offsets causal str", lambda c: F("cone_offsets")(3, [1, 2], causal="no"), ValueError, "causal", BOOL)
R("path_counts causal str", lambda c: F("path_counts")(3, [1, 2], causal="no"), ValueError, "causal", BOOL)
R("hole_count k=0", lambda c: F("hole_count")(0, [1]), ValueError, "kernel_size", "positive")
R("coverage_holes dilation 0", lambda c: F("coverage_holes")(3, [0]), ValueError, "dilations", "positive")
R("receptive_field_by_depth 0", lambda c: F("receptive_field_by_depth")(3, [0]), ValueError, "dilations", "positive")
R("receptive_field_arithmetic empty", lambda c: F("receptive_field_arithmetic")(3, []), ValueError, "dilations", "empty")
R("stack_parameters n_layers=0", lambda c: F("stack_parameters")(3, 0, 32), ValueError, "n_layers", "positive")
R("stack_parameters channels=0", lambda c: F("stack_parameters")(3, 4, 0), ValueError, "channels", "positive")
R("stack_parameters bias str", lambda c: F("stack_parameters")(3, 4, 8, bias="no"), ValueError, "bias", BOOL)
R("input_gradient in_channels=0", lambda c: F("input_gradient")(c.tcn, 0, 16), ValueError, "in_channels", "positive")
R("input_gradient position", lambda c: F("input_gradient")(c.tcn, 2, 16, position=100), ValueError, "position", "16")
R("input_gradient model", lambda c: F("input_gradient")("tcn", 2, 16), ValueError, "model", "Module")
R("measure_receptive_field model", lambda c: F("measure_receptive_field")(None, 2), ValueError, "model", "Module")
R("measure_receptive_field channels", lambda c: F("measure_receptive_field")(c.tcn, 3), ValueError, "in_channels",
  "3|channels")
R("measure_field_span length=0", lambda c: F("measure_field_span")(c.tcn, 2, length=0), ValueError, "length",
  "positive")
R("measure_receptive_field n_inputs=0", lambda c: F("measure_receptive_field")(c.tcn, 2, n_inputs=0), ValueError,
  "n_inputs", "positive")
R("measure_receptive_field linearize str", lambda c: F("measure_receptive_field")(c.tcn, 2, linearize="no"), ValueError,
  "linearize", BOOL)

R("count_parameters None", lambda c: F("count_parameters")(None), ValueError, "model", "Module")
R("count_parameters list", lambda c: F("count_parameters")([torch.zeros(3)]), ValueError, "model", "Module")

# ---- plots -------------------------------------------------------------------------
R("plot_waveform 2-D", lambda c: _plot("plot_waveform", np.zeros((2, 100)), 100), ValueError, r"\by\b", r"\(N,\)")
R("plot_waveform sr=0", lambda c: _plot("plot_waveform", c.tone, 0), ValueError, r"\bsr\b", "positive")
R("plot_waveform start>end", lambda c: _plot("plot_waveform", c.tone, c.sr, start=0.5, end=0.2), ValueError,
  "start", "end")
R("plot_waveform NaN", lambda c: _plot("plot_waveform", np.array([0.0, np.nan]), 100), ValueError, r"\by\b", "NaN")
R("plot_waveform samples str", lambda c: _plot("plot_waveform", c.tone, c.sr, samples="no"), ValueError, "samples",
  BOOL)
R("plot_spectrogram 1-D", lambda c: _plot("plot_spectrogram", np.zeros(10)), ValueError, r"\bS\b", r"\(F, T\)")
R("plot_spectrogram fps=0", lambda c: _plot("plot_spectrogram", np.zeros((4, 10)), sr=100, fps=0), ValueError, "fps",
  "positive")
R("plot_dilated_stack k=0", lambda c: _plot("plot_dilated_stack", 0, [1]), ValueError, "kernel_size", "positive")
R("plot_dilated_stack max_inputs=0", lambda c: _plot("plot_dilated_stack", 3, [1], max_inputs=0), ValueError,
  "max_inputs", "integer")
R("plot_dilated_stack causal str", lambda c: _plot("plot_dilated_stack", 3, [1, 2], causal="no"), ValueError,
  "causal", BOOL)
R("plot_coverage dilation 0", lambda c: _plot("plot_coverage", 3, [0]), ValueError, "dilations", "positive")
R("plot_dependency_mask 1-D", lambda c: _plot("plot_dependency_mask", np.zeros(5)), ValueError, "mask", r"\(T_out, T_in\)")
R("plot_tcn_architecture str", lambda c: _plot("plot_tcn_architecture", "tcn"), ValueError, "model", "TCN")
R("plot_learning_curves None", lambda c: _plot("plot_learning_curves", None), ValueError, "history", "History")
R("plot_learning_curves keys", lambda c: _plot("plot_learning_curves", {"train_loss": [1.0], "step": [1]},
                                               keys=["nope"]), ValueError, "keys|nope", "train_loss")
R("plot_learning_curves x", lambda c: _plot("plot_learning_curves", {"train_loss": [1.0], "step": [1]}, x="epochx"),
  ValueError, r"\bx\b", "step")
R("plot_beats 1-D", lambda c: _plot("plot_beats", np.zeros(10), 22050, 100, [0.1]), ValueError, r"\bS\b", r"\(F, T\)")
R("plot_beats fps=0", lambda c: _plot("plot_beats", np.zeros((4, 10)), 22050, 0, [0.1]), ValueError, "fps", "positive")
R("plot_beats NaN beats", lambda c: _plot("plot_beats", np.zeros((4, 10)), 22050, 100, [np.nan]), ValueError, "beats",
  "finite|NaN")
R("plot_receptive_field_vs_depth max_layers=0", lambda c: _plot("plot_receptive_field_vs_depth", max_layers=0),
  ValueError, "max_layers", "positive")
R("plot_receptive_field_vs_depth rates", lambda c: _plot("plot_receptive_field_vs_depth", rates=[0]), ValueError,
  "rate", "positive")

# ---- data --------------------------------------------------------------------------
R("read_beats missing", lambda c: F("read_beats")(c.tmp / "none.beats"), FileNotFoundError, "none.beats")
C("read_beats BOM", lambda c: F("read_beats")(c.file("bom.beats", "\ufeff0.5 1\n1.0 2\n"))[0],
  lambda t: list(t) == [0.5, 1.0])
C("read_beats CRLF", lambda c: F("read_beats")(c.file("crlf.beats", b"0.5\t1\r\n1.0\t2\r\n"))[1],
  lambda b: list(b) == [1, 2])
C("read_beats UTF-16 (Notepad)", lambda c: F("read_beats")(c.file("u16.beats", "0.5 1\r\n1.0 2\r\n".encode("utf-16")))[0],
  lambda t: list(t) == [0.5, 1.0])
R("read_beats empty", lambda c: F("read_beats")(c.file("empty.beats", "")), ValueError, "empty.beats", "no beats")
R("read_beats garbage", lambda c: F("read_beats")(c.file("garbage.beats", "hello world\n")), ValueError,
  "garbage.beats", "line 1")
R("read_beats binary", lambda c: F("read_beats")(c.file("bin.beats", bytes(range(256)))), ValueError, "bin.beats",
  "text")
R("read_beats duration<0", lambda c: F("read_beats")(c.file("ok.beats", "0.5\n"), duration=-1), ValueError, "duration",
  "positive")
R("read_beats folder", lambda c: F("read_beats")(c.folder), ValueError, "a_folder", "file|directory")
R("read_beats decreasing", lambda c: F("read_beats")(c.file("dec.beats", "1.0\n0.5\n")), ValueError, "dec.beats",
  "increase")
C("write_beats empty round trip", lambda c: _write_empty_beats(c), lambda ok: ok)
R("write_beats decreasing", lambda c: F("write_beats")(c.tmp / "w.beats", [1.0, 0.5]), ValueError, "times",
  "increasing")
R("write_beats NaN", lambda c: F("write_beats")(c.tmp / "w.beats", [0.5, np.nan]), ValueError, "times", "finite")
R("write_beats bib length", lambda c: F("write_beats")(c.tmp / "w.beats", [0.5, 1.0], [1]), ValueError, "beat_in_bar",
  "one entry per beat")
R("write_beats bib 0", lambda c: F("write_beats")(c.tmp / "w.beats", [0.5, 1.0], [0, 1]), ValueError, "beat_in_bar",
  "positive")
R("write_beats 2-D", lambda c: F("write_beats")(c.tmp / "w.beats", [[0.5, 1.0]]), ValueError, "times", "1-D")
R("write_beats folder", lambda c: F("write_beats")(c.folder, [0.5]), ValueError, "path|a_folder", "folder|directory")
R("write_beats strings", lambda c: F("write_beats")(c.tmp / "w.beats", ["a", "b"]), ValueError, "times", "seconds|number")
R("list_example_clips split", lambda c: F("list_example_clips")(split="trian"), ValueError, "split", "train")
R("list_example_clips style", lambda c: F("list_example_clips")(style="jazz"), ValueError, "style", "rock")
R("load_example_clip name", lambda c: F("load_example_clip")("nope"), ValueError, "nope", "list_example_clips|name")
R("load_example_clip sr=0", lambda c: F("load_example_clip")(c.clip_name, sr=0), ValueError, r"\bsr\b", "positive")
R("load_example_set split", lambda c: F("load_example_set")(split="x"), ValueError, "split", "train")
R("find_beat_files missing", lambda c: F("find_beat_files")(c.tmp / "no_folder"), FileNotFoundError, "no_folder")
R("find_beat_files file", lambda c: F("find_beat_files")(c.wav), ValueError, "tone.wav", "folder|directory")
R("load_beat_dataset empty", lambda c: F("load_beat_dataset")(c.folder), ValueError, "a_folder", r"\.beats")
R("load_beat_dataset styles str", lambda c: F("load_beat_dataset")(c.folder, styles="rock"), ValueError, "styles",
  "dict")
R("split_clips empty", lambda c: F("split_clips")([]), ValueError, "clips", "empty")
R("split_clips fractions", lambda c: F("split_clips")([object()] * 4, fractions=(0.5, 0.5, 0.5)), ValueError,
  "fractions", "sum")
R("split_clips fractions<0", lambda c: F("split_clips")([object()] * 4, fractions=(1.2, -0.1, -0.1)), ValueError,
  "fractions", ">= ?0|non-negative")
R("beat_frames NaN", lambda c: F("beat_frames")([0.5, np.nan], 22050, 100), ValueError, "times", "finite")
R("beat_frames sr=0", lambda c: F("beat_frames")([0.5], 0, 100), ValueError, r"\bsr\b", "positive")
R("beat_frames fps=0", lambda c: F("beat_frames")([0.5], 22050, 0), ValueError, "fps", "positive")
R("beat_targets n_frames<0", lambda c: F("beat_targets")([0.5], -1, 22050, 100), ValueError, "n_frames", ">= ?0|positive")
R("beat_targets n_frames float", lambda c: F("beat_targets")([0.5], 2.5, 22050, 100), ValueError, "n_frames", "integer")
R("beat_targets widen<0", lambda c: F("beat_targets")([0.5], 100, 22050, 100, widen=-1), ValueError, "widen", ">= ?0")
R("beat_targets widen_value", lambda c: F("beat_targets")([0.5], 100, 22050, 100, widen=1, widen_value=2.0), ValueError,
  "widen_value", r"[\[(]0, 1\]")
R("beat_targets negative time", lambda c: F("beat_targets")([-0.5], 100, 22050, 100), ValueError, "times", ">= ?0")
C("beat_targets numpy n_frames", lambda c: F("beat_targets")([0.5], np.int64(100), 22050, 100),
  lambda t: t.shape == (100,) and t.sum() == 1)
R("clip_targets clip None", lambda c: F("clip_targets")(None, 100, 100), ValueError, "clip", "Clip")
R("FeatureCache dir is file", lambda c: F("FeatureCache")(c.wav).features(c.tone, c.sr), ValueError, "tone.wav",
  "folder|directory")
C("FeatureCache wrong-shape npy", lambda c: _poisoned_cache(c, np.zeros((3, 3), dtype=np.float32)),
  lambda r: r[0].shape == r[1].shape and np.allclose(r[0], r[1]))
C("FeatureCache NaN npy", lambda c: _poisoned_cache(c, None),
  lambda r: r[0].shape == r[1].shape and np.allclose(r[0], r[1]))
R("FeatureCache.features NaN", lambda c: F("FeatureCache")().features(np.array([0.0, np.nan] * 500), c.sr), ValueError,
  r"\by\b", "NaN")
R("FeatureCache.features sr=0", lambda c: F("FeatureCache")().features(c.tone, 0), ValueError, r"\bsr\b", "positive")
R("BeatDataset empty", lambda c: F("BeatDataset")([]), ValueError, "clip", "empty|at least one")
R("BeatDataset fps=0", lambda c: F("BeatDataset")([F("load_example_clip")(c.clip_name)], fps=0), ValueError, "fps",
  "positive")
R("BeatDataset segment=0", lambda c: F("BeatDataset")([F("load_example_clip")(c.clip_name)], segment=0), ValueError,
  "segment", "positive")
R("BeatDataset not clips", lambda c: F("BeatDataset")(["song.wav"]), ValueError, "clip", "Clip")
R("ClipDataset styles empty", lambda c: F("ClipDataset")([F("load_example_clip")(c.clip_name)], styles=[]), ValueError,
  "styles", "empty")
R("ClipDataset unknown style", lambda c: F("ClipDataset")([_clip(style="jazz")]), ValueError, "jazz", "rock")
R("Clip 2-D y", lambda c: _clip(y=np.zeros((2, 100), dtype=np.float32)), ValueError, r"\by\b", r"\(N,\)")
R("Clip sr=0", lambda c: _clip(sr=0), ValueError, r"\bsr\b", "positive")
R("Clip beats decreasing", lambda c: _clip(beats=np.array([1.0, 0.5])), ValueError, "beats", "increasing")

# ---- beats -------------------------------------------------------------------------
R("beat_features NaN", lambda c: F("beat_features")(np.array([0.0, np.nan] * 100), 22050), ValueError, r"\by\b", "NaN")
R("beat_features sr=0", lambda c: F("beat_features")(c.y22, 0), ValueError, r"\bsr\b", "positive")
R("beat_features n_mels=0", lambda c: F("beat_features")(c.y22, 22050, n_mels=0), ValueError, "n_mels", "positive")
R("beat_features stereo", lambda c: F("beat_features")(np.zeros((1000, 2)), 22050), ValueError, r"\by\b", r"\(N,\)")
R("frame_rate sr=0", lambda c: F("frame_rate")(0), ValueError, r"\bsr\b", "positive")
R("frame_rate fps=0", lambda c: F("frame_rate")(22050, 0), ValueError, "fps", "positive")
R("augment_features 1-D", lambda c: F("augment_features")(np.zeros(10), np.random.default_rng(0)), ValueError,
  r"\bS\b", r"\(F, T\)")
R("augment_features rng", lambda c: F("augment_features")(np.zeros((4, 10)), None), ValueError, "rng", "Generator")
R("augment_features gain<0", lambda c: F("augment_features")(np.zeros((4, 10)), np.random.default_rng(0),
                                                             gain_db=-1), ValueError, "gain_db", ">= ?0")
R("stretch_features factor=0", lambda c: F("stretch_features")(np.zeros((4, 10)), 0), ValueError, "factor", "positive")
R("stretch_features nan", lambda c: F("stretch_features")(np.zeros((4, 10)), float("nan")), ValueError, "factor",
  "positive")
R("make_beat_batch empty", lambda c: F("make_beat_batch")([], 0), ValueError, "names", "empty|at least one")
R("make_beat_batch unknown", lambda c: F("make_beat_batch")(["nope"], 0), ValueError, "nope", "clip")
R("make_beat_batch batch=0", lambda c: F("make_beat_batch")([c.clip_name], 0, batch_size=0), ValueError,
  "batch_size", "positive")
R("make_beat_batch frames=0", lambda c: F("make_beat_batch")([c.clip_name], 0, frames=0), ValueError, "frames",
  "positive")
R("make_beat_batch stretch", lambda c: F("make_beat_batch")([c.clip_name], 0, stretch=(1.25, 0.8)), ValueError,
  "stretch", "low|<=")
R("beat_loss broadcast", lambda c: F("beat_loss")(torch.zeros(4, 1, 50), torch.zeros(4, 50)), ValueError, "targets",
  "shape")
R("SpectralFrontEnd n_mels=0", lambda c: F("SpectralFrontEnd")(n_mels=0), ValueError, "n_mels", "positive|at least")
R("BeatNet kind", lambda c: F("BeatNet")(kind="lstm"), ValueError, "kind", "tcn")
R("BeatNet causal str", lambda c: F("BeatNet")(causal="no"), ValueError, "causal", BOOL)
R("BeatNet n_blocks=0", lambda c: F("BeatNet")(n_blocks=0), ValueError, "n_blocks", "positive")
R("beat_activations n_mels", lambda c: F("beat_activations")(c.beatnet, np.zeros((40, 100), dtype=np.float32)),
  ValueError, r"\bS\b", "80")
R("beat_activations 1-D", lambda c: F("beat_activations")(c.beatnet, np.zeros(100)), ValueError, r"\bS\b",
  r"\(80, T\)|\(n_mels, T\)")
R("save_beat_model folder", lambda c: F("save_beat_model")(c.folder, c.beatnet), ValueError, "path|a_folder",
  "folder|directory")
R("save_beat_model model None", lambda c: F("save_beat_model")(c.tmp / "m.pt", None), ValueError, "model", "BeatNet")
C("save_beat_model numpy info", lambda c: _beat_model_info(c, {"val": np.float32(0.5), "n": np.int64(3)}),
  lambda info: info["val"] == 0.5 and info["n"] == 3)
R("save_beat_model info object", lambda c: F("save_beat_model")(c.tmp / "o.pt", c.beatnet, {"f": object()}),
  ValueError, "info", "number|str")
R("load_beat_model missing", lambda c: F("load_beat_model")(c.tmp / "none.pt"), FileNotFoundError, "none.pt")
R("load_beat_model corrupt", lambda c: F("load_beat_model")(c.file("bad.pt", b"PK\x03\x04garbage" * 10)), ValueError,
  "bad.pt", "checkpoint|model")
R("load_beat_model text", lambda c: F("load_beat_model")(c.file("text.pt", "hello")), ValueError, "text.pt",
  "checkpoint|model")
R("load_beat_model cuda", lambda c: _no_cuda(lambda: F("load_beat_model")(c.beatnet_file, "cuda")), ValueError,
  "device", "CUDA|GPU")
R("load_beat_model device str", lambda c: F("load_beat_model")(c.beatnet_file, "gpu"), ValueError, "device", "cpu")
R("load_beat_model plain checkpoint", lambda c: F("load_beat_model")(c.ckpt), ValueError, "sgd.ckpt",
  "save_beat_model|beat model")
R("pick_peaks threshold nan", lambda c: F("pick_peaks")(c.act, threshold=float("nan")), ValueError, "threshold",
  r"\[0, 1\]|between")
R("pick_peaks 2-D", lambda c: F("pick_peaks")(np.zeros((2, 10))), ValueError, "activation", r"\(T,\)")
R("pick_peaks rate=0", lambda c: F("pick_peaks")(c.act, rate=0), ValueError, "rate", "positive|frames per second")
R("pick_peaks min_distance<0", lambda c: F("pick_peaks")(c.act, min_distance=-1), ValueError, "min_distance",
  ">= ?0|positive")
R("pick_peaks NaN", lambda c: F("pick_peaks")(np.array([0.1, np.nan, 0.2])), ValueError, "activation", "NaN|finite")
R("beat_state_space min_bpm=0", lambda c: F("beat_state_space")(min_bpm=0), ValueError, "min_bpm", "positive|0 <")
R("beat_state_space min>max", lambda c: F("beat_state_space")(min_bpm=200, max_bpm=100), ValueError, "min_bpm",
  "max_bpm")
R("beat_state_space rate=0", lambda c: F("beat_state_space")(rate=0), ValueError, "rate",
  "positive|frames per second")
R("decode_beats min_bpm=1", lambda c: F("decode_beats")(c.act, min_bpm=1), ValueError, "min_bpm", r"\d", costly=True)
R("decode_beats rate=22050", lambda c: F("decode_beats")(c.act, rate=22050), ValueError, r"\brate\b", "frames",
  costly=True)
R("decode_beats rate=0", lambda c: F("decode_beats")(c.act, rate=0), ValueError, r"\brate\b",
  "positive|frames per second")
R("decode_beats max_bpm inf", lambda c: F("decode_beats")(c.act, max_bpm=float("inf")), ValueError, "max_bpm",
  "finite|<=")
R("decode_beats NaN", lambda c: F("decode_beats")(np.array([0.1, np.nan] * 50)), ValueError, "activation", "NaN|finite")
C("decode_beats all zero", lambda c: F("decode_beats")(np.zeros(1000)), lambda b: len(b) == 0)
R("decode_beats beat_width=0", lambda c: F("decode_beats")(c.act, beat_width=0), ValueError, "beat_width", "positive")
R("decode_beats lambda<0", lambda c: F("decode_beats")(c.act, transition_lambda=-1), ValueError, "transition_lambda",
  "positive")
R("decode_beats tempo_prior", lambda c: F("decode_beats")(c.act, tempo_prior=(0, 0.5)), ValueError, "tempo_prior",
  "positive")
R("decode_beats activation>1", lambda c: F("decode_beats")(c.act * 5), ValueError, "activation", r"\[0, 1\]")
R("decode_beats correct str", lambda c: F("decode_beats")(c.act, correct="no"), ValueError, "correct", BOOL)
R("decode_downbeats meters empty", lambda c: F("decode_downbeats")(np.arange(0.5, 8, 0.5), np.zeros(1000), meters=[]),
  ValueError, "meters", "empty")
R("decode_downbeats meters 1", lambda c: F("decode_downbeats")(np.arange(0.5, 8, 0.5), np.zeros(1000), meters=[1]),
  ValueError, "meters", ">= ?2")
R("decode_downbeats unsorted", lambda c: F("decode_downbeats")(np.array([2.0, 1.0]), np.zeros(1000)), ValueError,
  "beats", "increasing")
R("decode_downbeats 2-D act", lambda c: F("decode_downbeats")(np.arange(0.5, 8, 0.5), np.zeros((2, 1000))),
  ValueError, "downbeat_activation", r"\(T,\)")
R("evaluate_beats reference None", lambda c: F("evaluate_beats")(None, np.array([1.0])), ValueError, "reference",
  "beat times|seconds")
C("evaluate_beats perfect short", lambda c: _perfect_short_clip(), lambda ok: ok)
R("evaluate_beats NaN", lambda c: F("evaluate_beats")(np.arange(6.0, 10.0, 0.5), np.array([6.0, np.nan])), ValueError,
  "estimate", "finite|NaN")
R("evaluate_beats unsorted", lambda c: F("evaluate_beats")(np.array([8.0, 7.0, 6.0]), np.array([6.0])), ValueError,
  "reference", "increasing")
R("mean_scores empty", lambda c: F("mean_scores")([]), ValueError, "scores", "empty|at least one")
R("mean_scores keys", lambda c: F("mean_scores")([{"F-measure": 1.0}, {"CMLt": 0.5}]), ValueError, "scores", "keys")
R("librosa_beats NaN", lambda c: F("librosa_beats")(np.array([0.0, np.nan] * 100), 22050), ValueError, r"\by\b", "NaN")
R("librosa_beats sr=0", lambda c: F("librosa_beats")(c.y22, 0), ValueError, r"\bsr\b", "positive")
R("track_beats frame rate as sr", lambda c: F("track_beats")(c.y22[:400], 100), ValueError, r"\bsr\b", "Hz")
R("track_beats NaN", lambda c: F("track_beats")(np.array([0.0, np.nan] * 1000), 22050), ValueError, r"\by\b", "NaN")
R("track_beats stereo", lambda c: F("track_beats")(np.zeros((22050, 2)), 22050), ValueError, r"\by\b", r"\(N,\)")
R("track_beats sr str", lambda c: F("track_beats")(c.y22, "22050"), ValueError, r"\bsr\b", "integer")
R("track_beats checkpoint missing", lambda c: F("track_beats")(c.y22, 22050, checkpoint=c.tmp / "none.pt"),
  FileNotFoundError, "none.pt")
C("track_beats silence", lambda c: F("track_beats")(np.zeros(5 * 22050, dtype=np.float32), 22050), lambda b: len(b) == 0)
C("track_beats noise", lambda c: F("track_beats")(np.random.default_rng(0).normal(0, 0.1, 8 * 22050).astype(np.float32),
                                                22050), lambda b: len(b) == 0)
C("track_beats checkpoint replaced", lambda c: _checkpoint_replaced(c), lambda same: not same)
C("track_beats numpy sr", lambda c: F("track_beats")(c.music, np.int64(22050)), lambda b: len(b) >= 8)
R("track_downbeats sr=0", lambda c: F("track_downbeats")(c.y22, 0), ValueError, r"\bsr\b", "positive")
R("clip_arrays name", lambda c: F("clip_arrays")("nope"), ValueError, "nope", "clip")
R("clip_arrays widen", lambda c: F("clip_arrays")(c.clip_name, widen=2.0), ValueError, "widen", r"\[0, 1\]")
R("beat_f_metric shapes", lambda c: F("beat_f_metric")(torch.zeros(1, 2, 800), _beat_targets(700)), ValueError,
  "targets", "shape")
R("train_beat_model kind", lambda c: F("train_beat_model")(kind="lstm", epochs=1, steps_per_epoch=1, progress=False),
  ValueError, "kind", "tcn", costly=True)
R("train_beat_model epochs=0", lambda c: F("train_beat_model")(epochs=0, progress=False), ValueError, "epochs",
  "positive", costly=True)
R("train_beat_model checkpoint folder", lambda c: F("train_beat_model")(epochs=1, steps_per_epoch=1, progress=False,
                                                                        checkpoint=c.folder),
  ValueError, "checkpoint", "folder|directory", costly=True)
R("train_beat_model monitor", lambda c: F("train_beat_model")(epochs=1, steps_per_epoch=1, progress=False,
                                                              monitor="accuracy"), ValueError, "monitor", "val_",
  costly=True)
# features, online tracking, stack geometry and the shared checks (added to tcnlib during the redesign)
R("check_audio NaN", lambda c: F("check_audio")(np.array([0.0, np.nan] * 100), 22050), ValueError, r"\by\b", "NaN")
R("check_audio sr=0", lambda c: F("check_audio")(c.y22, 0), ValueError, r"\bsr\b", "positive")
R("check_audio stereo", lambda c: F("check_audio")(np.zeros((100, 2)), 22050), ValueError, r"\by\b", r"\(N,\)")
C("check_audio int16 scaled", lambda c: F("check_audio")(np.array([16384, -16384], dtype=np.int16), 22050),
  lambda r: np.allclose(r, [0.5, -0.5]))
R("clip_features None", lambda c: F("clip_features")(None), ValueError, "clip", "Clip|name")
R("clip_features unknown", lambda c: F("clip_features")("nope"), ValueError, "nope", "clip")
R("example_features unknown", lambda c: F("example_features")("nope"), ValueError, "nope", "clip")
R("example_features int", lambda c: F("example_features")(3), ValueError, "name", "str|clip")
R("CausalFeatureStream n_mels=0", lambda c: F("CausalFeatureStream")(n_mels=0), ValueError, "n_mels",
  "positive|at least")
R("CausalFeatureStream.process 2-D", lambda c: F("CausalFeatureStream")().process(np.zeros((2, 256))), ValueError,
  "block", r"\(n,\)|\(N,\)|1-D")
R("CausalFeatureStream.process NaN", lambda c: F("CausalFeatureStream")().process(np.full(256, np.nan)), ValueError,
  "block", "NaN|finite")
R("causal_beat_features NaN", lambda c: F("causal_beat_features")(np.array([0.0, np.nan] * 100), 22050), ValueError,
  r"\by\b", "NaN")
R("causal_beat_features sr=0", lambda c: F("causal_beat_features")(c.y22, 0), ValueError, r"\bsr\b", "positive")
R("online_targets n_frames<0", lambda c: F("online_targets")([0.5], -1, 0), ValueError, "n_frames", ">= ?0|positive")
R("online_targets lookahead<0", lambda c: F("online_targets")([0.5], 100, -1), ValueError, "lookahead", ">= ?0")
R("online_targets widen>1", lambda c: F("online_targets")([0.5], 100, 0, widen=2.0), ValueError, "widen",
  r"[\[(]0, 1\]")
R("OnlineBeatModel lookahead<0", lambda c: F("OnlineBeatModel")(lookahead=-1), ValueError, "lookahead", ">= ?0")
R("OnlineBeatModel n_blocks=0", lambda c: F("OnlineBeatModel")(n_blocks=0), ValueError, "n_blocks", "positive")
R("OnlineBeatModel.forward n_mels", lambda c: F("OnlineBeatModel")(channels=4, n_blocks=2)(torch.zeros(1, 40, 50)),
  ValueError, r"\bx\b", "80")
R("save_online_model folder", lambda c: F("save_online_model")(c.folder, F("OnlineBeatModel")(channels=4, n_blocks=2)),
  ValueError, "path|a_folder", "folder|directory")
R("save_online_model model None", lambda c: F("save_online_model")(c.tmp / "on.pt", None), ValueError, "model",
  "OnlineBeatModel")
R("load_online_model missing", lambda c: F("load_online_model")(c.tmp / "none_online.pt"), FileNotFoundError,
  "none_online.pt")
R("load_online_model corrupt", lambda c: F("load_online_model")(c.file("bad_online.pt", b"PK\x03\x04garbage" * 10)),
  ValueError, "bad_online.pt", "checkpoint|model")
R("CausalPeakPicker threshold nan", lambda c: F("CausalPeakPicker")(threshold=float("nan")), ValueError, "threshold",
  r"[\[(]0, 1\]|between")
R("CausalPeakPicker refractory<0", lambda c: F("CausalPeakPicker")(refractory=-1), ValueError, "refractory",
  ">= ?0|positive")
R("CausalPeakPicker.step NaN", lambda c: F("CausalPeakPicker")().step(float("nan")), ValueError, r"\ba\b|activation",
  "NaN|finite")
R("decode_online 2-D", lambda c: F("decode_online")(np.zeros((2, 100))), ValueError, "activation", r"\(T,\)")
R("decode_online NaN", lambda c: F("decode_online")(np.array([0.1, np.nan, 0.2])), ValueError, "activation",
  "NaN|finite")
R("decode_online lookahead<0", lambda c: F("decode_online")(c.act, lookahead=-1), ValueError, "lookahead", ">= ?0")
R("decode_online refractory<0", lambda c: F("decode_online")(c.act, refractory=-1), ValueError, "refractory",
  ">= ?0|positive")
R("OnlineBeatTracker sr=0", lambda c: F("OnlineBeatTracker")(sr=0, model=_online_model()), ValueError, r"\bsr\b",
  "positive|22050")
R("OnlineBeatTracker threshold>1", lambda c: F("OnlineBeatTracker")(model=_online_model(), threshold=2.0), ValueError,
  "threshold", r"[\[(]0, 1\]|between")
R("OnlineBeatTracker model str", lambda c: F("OnlineBeatTracker")(model="tcn"), ValueError, "model",
  "OnlineBeatModel|Module")
R("OnlineBeatTracker.run NaN", lambda c: F("OnlineBeatTracker")(model=_online_model()).run(
    np.array([0.0, np.nan] * 2000)), ValueError, r"\by\b", "NaN")
R("OnlineBeatTracker.run block=0", lambda c: F("OnlineBeatTracker")(model=_online_model()).run(c.y22, block=0),
  ValueError, "block", "positive")
R("OnlineBeatTracker.process 2-D", lambda c: F("OnlineBeatTracker")(model=_online_model()).process(
    np.zeros((2, 512))), ValueError, "block", r"\(n,\)|\(N,\)|1-D")
R("stack_diagram k=0", lambda c: F("stack_diagram")(0, [1]), ValueError, "kernel_size", "positive")
R("stack_diagram max_inputs=0", lambda c: F("stack_diagram")(3, [1], max_inputs=0), ValueError, "max_inputs",
  "integer")
R("stack_diagram causal str", lambda c: F("stack_diagram")(3, [1, 2], causal="no"), ValueError, "causal", BOOL)
R("atomic_write mode", lambda c: _atomic(c.tmp / "aw.txt", mode="a"), ValueError, "mode", "'w'")
R("atomic_write folder", lambda c: _atomic(c.folder), ValueError, "path|a_folder", "folder|directory")
R("eval_mode None", lambda c: _eval_mode(None), ValueError, "model", "Module")
R("padding_amounts k=0", lambda c: F("padding_amounts")(0), ValueError, "kernel_size", "positive")
R("padding_amounts causal str", lambda c: F("padding_amounts")(3, 1, "no"), ValueError, "causal", BOOL)
R("check_module None", lambda c: F("check_module")("model", None), ValueError, "model", "Module")
R("evaluate_beat_model names empty", lambda c: F("evaluate_beat_model")(c.beatnet, []), ValueError, "names|clips",
  "empty|at least one")
R("evaluate_beat_model unknown", lambda c: F("evaluate_beat_model")(c.beatnet, ["nope"]), ValueError, "nope", "clip")


# ----------------------------------------------------------------------------- row helpers


def _raises(fn: Callable[[], Any], *words: str) -> bool:
    try:
        fn()
    except ValueError as err:
        return all(re.search(w, str(err), re.I) for w in words)
    return False


def _perfect_short_clip() -> bool:
    """A perfect estimate of a clip shorter than 5 s must score 1.0, or be refused with a clear reason."""
    beats = np.arange(0.5, 4.0, 0.5)
    try:
        scores = F("evaluate_beats")(beats, beats)
    except ValueError as err:
        return "5 s" in str(err) and "reference" in str(err)
    return scores["F-measure"] == 1.0


def _beat_targets(n: int) -> torch.Tensor:
    t = torch.zeros(1, 2, n)
    t[0, 0, 5::25] = 1.0
    t[0, 1, 5::100] = 1.0
    return t


def _online_model() -> Any:
    torch.manual_seed(0)
    return F("OnlineBeatModel")(channels=4, n_blocks=2).eval()


def _atomic(path: Path, **kwargs: Any) -> None:
    with F("atomic_write")(path, **kwargs) as f:
        f.write("x")


def _eval_mode(model: Any) -> None:
    with F("eval_mode")(model):
        pass


def _decode_player(player: Any) -> np.ndarray:
    import io

    import soundfile as sf
    return sf.read(io.BytesIO(player.data), dtype="float32")[0]


def _prime_twice(c: Ctx) -> None:
    cache = T.WaveNetCache(c.wn)
    cache.prime(torch.zeros(1, 4, dtype=torch.long))
    cache.prime(torch.zeros(1, 4, dtype=torch.long))


def _with_env(name: str, value: str, fn: Callable[[], Any]) -> Any:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        return fn()
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def _no_cuda(fn: Callable[[], Any]) -> Any:
    if torch.cuda.is_available():
        raise Gone("this row is about a machine without a CUDA GPU; this one has one")
    return fn()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode_of(path: Any) -> int:
    return os.stat(path).st_mode & 0o777


def _fit(c: Ctx, targets: Optional[torch.Tensor] = None, train: Any = "default", **kwargs: Any) -> Dict[str, list]:
    torch.manual_seed(0)
    model = kwargs.pop("model", T.TCN(2, [4], kernel_size=3))
    x = torch.randn(4, 2, 8)
    y = torch.randn(4, 4, 8) if targets is None else targets
    if train == "default":
        train = [(x, y)]
    args = dict(loss_fn=torch.nn.functional.mse_loss, epochs=1, progress=False, device="cpu")
    args.update(kwargs)
    if "optimizer" not in args:
        args["optimizer"] = torch.optim.SGD(model.parameters(), lr=0.01)
    history = T.fit(model, train, **args)
    return history.metrics if hasattr(history, "metrics") else history


def _plot(name: str, *args: Any, **kwargs: Any) -> Any:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    try:
        return F(name)(*args, **kwargs)
    finally:
        plt.close("all")


def _write_empty_beats(c: Ctx) -> bool:
    """``write_beats(p, [])`` must either refuse clearly or write a file ``read_beats`` reads back."""
    p = c.tmp / "empty_written.beats"
    try:
        T.write_beats(p, [])
    except ValueError as err:
        return "times" in str(err)
    try:
        times, _ = T.read_beats(p)
    except ValueError:
        return False
    return len(times) == 0


def _poisoned_cache(c: Ctx, bad: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Features from a cache folder whose .npy file was replaced by ``bad`` (None: the right shape, NaN)."""
    folder = c.tmp / f"cache_{'nan' if bad is None else 'shape'}"
    y = c.tone[:4000]
    good = T.FeatureCache(folder).features(y, c.sr)
    files = list(folder.glob("*.npy"))
    assert len(files) == 1, files
    np.save(files[0], np.full_like(good, np.nan) if bad is None else bad)
    return T.FeatureCache(folder).features(y, c.sr), good


def _clip(**kwargs: Any) -> Any:
    args = dict(name="c", y=np.zeros(22050, dtype=np.float32), sr=22050, beats=np.array([0.5]), style="rock")
    args.update(kwargs)
    return T.Clip(**args)


def _beat_model_info(c: Ctx, info: Dict[str, Any]) -> Dict[str, Any]:
    p = F("save_beat_model")(c.tmp / "info.pt", c.beatnet, info)
    ckpt = torch.load(p, map_location="cpu", weights_only=True)
    return ckpt.get("info", ckpt)


def _checkpoint_replaced(c: Ctx) -> bool:
    """track_beats(checkpoint=p), then another model saved at p: the second call must use the new one."""
    p = c.tmp / "replaced.pt"
    torch.manual_seed(1)
    F("save_beat_model")(p, F("BeatNet")(channels=4, n_blocks=2))
    first = F("track_beats")(c.y22, 22050, checkpoint=p)
    act_first = F("beat_activations")(F("load_beat_model")(p), F("beat_features")(c.y22, 22050))
    torch.manual_seed(2)
    F("save_beat_model")(p, F("BeatNet")(channels=4, n_blocks=2))
    act_second = F("beat_activations")(F("load_beat_model")(p), F("beat_features")(c.y22, 22050))
    second = F("track_beats")(c.y22, 22050, checkpoint=p)
    expected = F("decode_beats")(act_second[0])
    assert not np.allclose(act_first, act_second)
    return not (len(second) == len(expected) and np.allclose(second, expected)) and first is not None


# ----------------------------------------------------------------------------- running a row


def outcome(row: Row, ctx: Ctx) -> Tuple[str, str]:
    """``(category, detail)`` of one row: clear, unclear or silent (see the module docstring)."""
    warn = isinstance(row.exc, type) and issubclass(row.exc, Warning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if warn:
            warnings.simplefilter("error", row.exc)
        try:
            result = row.call(ctx)
        except Gone as err:
            return "gone", str(err)
        except Exception as err:  # noqa: BLE001 - classifying every exception is the point
            msg = f"{type(err).__name__}: {err}"
            if row.exc is not None and isinstance(err, row.exc):
                missing = [w for w in row.words if not re.search(w, str(err), re.I)]
                if not missing:
                    return "clear", msg
                return "unclear", f"{msg}  [message lacks {missing}]"
            return "unclear", msg
    if row.check is not None:
        try:
            ok = bool(row.check(result))
        except Exception as err:  # noqa: BLE001
            return "silent", f"result could not be checked: {type(err).__name__}: {err}"
        return ("clear", "right result") if ok else ("silent", f"wrong result: {_short(result)}")
    return "silent", f"no error; returned {_short(result)}"


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as err:  # noqa: BLE001 - a broken object's repr is part of the finding
        text = f"<{type(value).__name__} whose repr raises {type(err).__name__}>"
    return text if len(text) < 160 else text[:157] + "..."


# ----------------------------------------------------------------------------- the test

XFAIL: Dict[str, str] = {
}
"""Rows whose answer is not clear yet (an unclear message or a silent result): id -> the part of tcnlib."""


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Ctx:
    return Ctx(tmp_path_factory.mktemp("bad_input"))


def _params() -> List[Any]:
    out = []
    for row in ROWS:
        marks = []
        if row.id in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, run=not row.costly,
                                           reason=f"owner: {XFAIL[row.id]}"))
        out.append(pytest.param(row, id=row.id, marks=marks))
    return out


def test_table_is_large_and_unique() -> None:
    assert len(ROWS) >= 250
    assert len({r.id for r in ROWS}) == len(ROWS)


class RowHangs(BaseException):
    """Raised by :func:`_hang_guard` (a BaseException, so ``outcome`` does not take it for an answer)."""


@contextlib.contextmanager
def _hang_guard(seconds: int) -> Iterator[None]:
    """A watchdog, not a speed test: stop a row that runs for ``seconds`` (POSIX main thread only)."""
    import signal
    import threading

    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise RowHangs(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("row", _params())
def test_bad_input(row: Row, ctx: Ctx) -> None:
    """Every row is answered clearly. Rows whose old behaviour was a hang run under a watchdog of
    five minutes (the checks that fixed them answer at once), so a regression fails instead of hanging CI."""
    try:
        with _hang_guard(300) if row.costly else contextlib.nullcontext():
            category, detail = outcome(row, ctx)
    except RowHangs as err:
        pytest.fail(f"{row.id} ({row.owner}): hang: {err}")
    if category == "gone":
        pytest.skip(detail)
    assert category == "clear", f"{row.id} ({row.owner}): {category}: {detail}"


# ----------------------------------------------------------------------------- faults while writing


class _FailingFile:
    """A file opened for writing whose first ``write`` stores half its data, then fails with ``error``."""

    def __init__(self, f: Any, error: BaseException) -> None:
        self._f, self._error = f, error

    def write(self, data: Any) -> int:
        self._f.write(data[: len(data) // 2])
        self._f.flush()
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> "_FailingFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._f.close()

    def __iter__(self) -> Any:
        return iter(self._f)


@contextlib.contextmanager
def _write_fails(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> Iterator[None]:
    """Every file opened for writing (``open``, ``io.open``, ``os.fdopen``) fails on its first write."""
    import builtins
    import io

    def wrap(opener: Callable[..., Any]) -> Callable[..., Any]:
        def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            f = opener(file, mode, *args, **kwargs)
            return _FailingFile(f, error) if any(ch in mode for ch in "wax+") else f
        return opened

    with monkeypatch.context() as m:
        m.setattr(builtins, "open", wrap(builtins.open))
        m.setattr(io, "open", wrap(io.open))
        m.setattr(os, "fdopen", wrap(os.fdopen))
        yield


def _writer_cases() -> List[Tuple[str, str, Callable[[Path], Any]]]:
    """(name, owner, write(path)) of every tcnlib function that writes a file."""
    def audio(p: Path) -> Any:
        return T.save_audio(p, np.zeros(1600, dtype=np.float32), 16000)

    def beats(p: Path) -> Any:
        return T.write_beats(p, [0.5, 1.0, 1.5], [1, 2, 3])

    def checkpoint(p: Path) -> Any:
        return T.save_checkpoint(p, T.TCN(2, [4]), epoch=1)

    def beat_model(p: Path) -> Any:
        return F("save_beat_model")(p, F("BeatNet")(channels=4, n_blocks=2))

    return [("save_audio", "audio, WaveNet, streaming", audio), ("write_beats", "beat path and plots", beats), ("save_checkpoint", "models and training", checkpoint),
            ("save_beat_model", "beat path and plots", beat_model)]


WRITER_XFAIL: Dict[str, str] = {
}
"""Writers of other owners that are not atomic yet: name -> owner."""


def _writer_params() -> List[Any]:
    out = []
    for name, who, write in _writer_cases():
        marks = [pytest.mark.xfail(strict=True, reason=f"owner: {who}")] if name in WRITER_XFAIL else []
        out.append(pytest.param(name, write, id=name, marks=marks))
    return out


SUFFIX = {"save_audio": ".wav", "write_beats": ".beats", "save_checkpoint": ".ckpt", "save_beat_model": ".pt"}


@pytest.mark.parametrize("name, write", _writer_params())
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "killed"])
def test_writer_is_atomic(name: str, write: Callable[[Path], Any], error: BaseException, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure in the middle of a write leaves the old file as it was and no temporary file behind."""
    path = tmp_path / f"out{SUFFIX[name]}"
    write(path)  # a complete old version
    before = path.read_bytes()
    with _write_fails(monkeypatch, error):
        with pytest.raises(type(error)) as info:
            write(path)
    assert path.read_bytes() == before, f"{name} changed the existing file although the write failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], f"{name} left a temporary file behind"
    if isinstance(error, OSError):
        message = str(info.value)
        assert re.search("no space left", message, re.I) and path.name in message, message


def test_save_audio_temporary_names_are_unique(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers of one file never share a temporary file (each gets its own unique name)."""
    sources: List[str] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        sources.append(os.fspath(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    y = np.zeros(160, dtype=np.float32)
    T.save_audio(tmp_path / "a.wav", y, 16000)
    T.save_audio(tmp_path / "a.wav", y, 16000)
    assert len(sources) == 2 and sources[0] != sources[1]
    assert all(Path(s).parent == tmp_path and Path(s).name != "a.wav.tmp" for s in sources)


# ----------------------------------------------------------------------------- the audit script


def audit(limit_s: int = 60, memory_gb: float = 6.0, only: Optional[str] = None) -> Dict[str, List[Tuple[Row, str]]]:
    """Run every row with a time and memory limit; return rows by outcome (clear/unclear/silent/hang)."""
    import resource
    import tempfile

    limit = int(memory_gb * 2 ** 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    ctx = Ctx(Path(tempfile.mkdtemp(prefix="bad_input_")))
    by: Dict[str, List[Tuple[Row, str]]] = {"clear": [], "unclear": [], "silent": [], "hang": [], "gone": []}
    for row in ROWS:
        if only and only not in row.owner:
            continue
        try:
            with _hang_guard(limit_s):
                category, detail = outcome(row, ctx)
        except RowHangs as err:
            category, detail = "hang", str(err)
        by[category].append((row, detail))
    return by


def main(argv: List[str]) -> int:
    import argparse
    parser = argparse.ArgumentParser(description="Run the bad-input audit table and print the counts.")
    parser.add_argument("--limit", type=int, default=60, help="seconds per row before it counts as a hang")
    parser.add_argument("--owner", default=None, help="only rows of this part of tcnlib")
    parser.add_argument("--verbose", action="store_true", help="list every row that is not clear")
    parser.add_argument("--csv", default=None, help="also write owner, outcome and id of every row to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    by = audit(args.limit, only=args.owner)
    if args.csv:
        import csv
        with open(args.csv, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["owner", "outcome", "row"])
            for category, rows in by.items():
                out.writerows([row.owner, category, row.id] for row, _ in rows)
    gone = by.pop("gone")
    total = sum(len(v) for v in by.values())
    print(f"tcnlib from {Path(T.__file__).parent}")
    print(f"{total} rows: " + ", ".join(f"{k} {len(v)} ({100 * len(v) / max(total, 1):.0f}%)" for k, v in by.items())
          + (f"; {len(gone)} more rows skipped: {sorted({d for _, d in gone})}" if gone else ""))
    for who in sorted({r.owner for v in by.values() for r, _ in v}):
        counts = {k: sum(1 for r, _ in v if r.owner == who) for k, v in by.items()}
        print(f"  {who}: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    if args.verbose:
        for k in ("unclear", "silent", "hang"):
            for row, detail in by[k]:
                print(f"[{k}] {row.owner} {row.id}: {detail[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
