"""tcnlib: the helper library of the tcn-course notebooks.

Small and flat: one module per concept.

* ``config``       quick mode, device, seeding
* ``utils``        small shared rules: argument checks, the causal/"same" padding amounts,
                   atomic file writes, eval mode, parameter counts
* ``audio``        loading audio, spectrograms at a frame rate, inline players
* ``plots``        waveform, spectrogram and stack figures (``ax=None``; they return what they drew)
* ``receptive``    exact receptive fields, dilation schedules, units, coverage (gridding), the
                   geometry of a stack diagram, and the receptive field measured with autograd
* ``models``       the TCN and its building blocks
* ``causality``    dependency masks measured with autograd
* ``streaming``    online (frame-by-frame) inference of causal TCNs
* ``online``       the online beat tracker: causal frames (window ending at the frame's time), a
                   streamed causal TCN, a causal peak picker, its declared latency
* ``quantize``     8-bit quantization: mu-law companding and classes, linear classes, SNR
* ``wavenet``      WaveNet, its training batches, naive and cached (Fast WaveNet) generation
* ``data``         the example music set, ``.beats`` files, your own beat data, frame targets,
                   where the course's assets are (``$TCN_COURSE_ASSETS``)
* ``features``     the beat models' input: log-mel features of a clip, their cache, augmentation
* ``beats``        beat/downbeat tracking: BeatNet (TCN or CNN), training batches, training and
                   evaluation on clips, ``track_beats``
* ``beat_decode``  from activations to beat times: peak picking, a beat-pointer HMM (Viterbi),
                   downbeats, mir_eval scores (pure NumPy)
* ``widgets``      the receptive-field explorer (ipywidgets; clamping logic in pure functions)
* ``tasks``        the adding problem and copy memory (Bai et al. 2018), TCNNet and RNNNet
* ``training``     the training loop (fit, evaluate, one training step, the GPU fast path)
* ``history``      History: the per-epoch metrics of a training run
* ``checkpoints``  atomic checkpoints, loaded with ``weights_only=True`` and checked before use
* ``fit_checks``   checks that catch a silently wrong training run (broadcasting loss, NaN)
* ``distributed``  several processes started by torchrun: rank, world size, batch shards
* ``cnn2d``        a small 2D CNN for clip-level style classification, clip decisions, saliency
* ``exercises``    the notebooks' exercises and their checkers

What is re-exported here (the export rule): the everyday names a lesson calls as ``tcnlib.X``,
listed in ``__all__`` below, module by module. Every other public name is used through its
module: ``from tcnlib.plots import plot_waveform``, ``tcnlib.beats.BeatNet``,
``tcnlib.beat_decode.pick_peaks``, ``tcnlib.utils.atomic_write``. ``tests/test_style.py`` checks
that ``__all__`` lists exactly the names bound here.

The course's files (example music, pretrained models) are read from the repository's ``assets/``
folder when tcnlib is installed from the repository with ``pip install -e .``; otherwise set
``TCN_COURSE_ASSETS`` to a copy of that folder (see :func:`tcnlib.data.assets_dir`).
"""
from .audio import (as_waveform, frame_times, hop_length, load_audio, log_compress,
                    log_mel_spectrogram, log_spectrogram, play, resample, save_audio)
from .causality import dependency_mask, future_leak
from .config import QUICK_ENV_VAR, get_device, pick, quick_mode, seed_everything
from .data import (ASSETS_ENV_VAR, EXAMPLES_ENV_VAR, SPLITS, STYLES, Clip, beat_frames, beat_targets, example_dir,
                   example_index, find_beat_files, list_example_clips, load_beat_dataset, load_example_clip,
                   load_example_set, read_beats, split_clips, write_beats)
from .features import FeatureCache, beat_features, default_cache_dir
from .models import TCN, ChannelLayerNorm, DilatedConv1d, TemporalBlock
from .receptive import (cone_offsets, coverage_holes, exponential_dilations, field_span, hole_count,
                        input_gradient, measure_field_span, measure_receptive_field, path_counts,
                        receptive_field, receptive_field_arithmetic, receptive_field_by_depth, repeat_stack,
                        stack_parameters, to_seconds)
from .streaming import TCNStream, naive_stream_step
from .utils import count_parameters
from .widgets import receptive_field_explorer
from .quantize import (MU, linear_decode, linear_encode, mu_law_compress, mu_law_decode, mu_law_encode,
                       mu_law_expand, snr_db)
from .wavenet import (WaveNet, WaveNetCache, generate_cached, generate_naive, sample_from_logits, segment_batches,
                      wavenet_loss)

from .tasks import (RNNNet, TCNNet, adding_baseline_mse, adding_loss, adding_problem, copy_accuracy,
                    copy_loss, copy_memory, copy_memory_baseline_loss)
from .history import History
from .checkpoints import load_checkpoint, save_checkpoint
from .training import evaluate, fit, make_train_step, time_step

from .beat_decode import decode_beats, decode_downbeats, evaluate_beats
from .beats import BeatNet, track_beats, track_downbeats
from .online import OnlineBeatTracker
from .cnn2d import StyleCNN

from . import exercises

__version__ = "0.1.0"

__all__ = [
    # audio
    "as_waveform", "frame_times", "hop_length", "load_audio", "log_compress", "log_mel_spectrogram",
    "log_spectrogram", "play", "resample", "save_audio",
    # causality
    "dependency_mask", "future_leak",
    # config
    "QUICK_ENV_VAR", "get_device", "pick", "quick_mode", "seed_everything",
    # data
    "ASSETS_ENV_VAR", "EXAMPLES_ENV_VAR", "SPLITS", "STYLES", "Clip", "beat_frames", "beat_targets", "example_dir",
    "example_index", "find_beat_files", "list_example_clips", "load_beat_dataset", "load_example_clip",
    "load_example_set", "read_beats", "split_clips", "write_beats",
    # features
    "FeatureCache", "beat_features", "default_cache_dir",
    # models
    "TCN", "ChannelLayerNorm", "DilatedConv1d", "TemporalBlock",
    # receptive
    "cone_offsets", "coverage_holes", "exponential_dilations", "field_span", "hole_count", "input_gradient",
    "measure_field_span", "measure_receptive_field", "path_counts", "receptive_field", "receptive_field_arithmetic",
    "receptive_field_by_depth", "repeat_stack", "stack_parameters", "to_seconds",
    # streaming
    "TCNStream", "naive_stream_step",
    # utils
    "count_parameters",
    # widgets
    "receptive_field_explorer",
    # quantize and wavenet
    "MU", "WaveNet", "WaveNetCache", "generate_cached", "generate_naive", "linear_decode", "linear_encode",
    "mu_law_compress", "mu_law_decode", "mu_law_encode", "mu_law_expand", "sample_from_logits",
    "segment_batches", "snr_db", "wavenet_loss",
    # tasks
    "RNNNet", "TCNNet", "adding_baseline_mse", "adding_loss", "adding_problem", "copy_accuracy", "copy_loss",
    "copy_memory", "copy_memory_baseline_loss",
    # training
    "History", "evaluate", "fit", "load_checkpoint", "make_train_step", "save_checkpoint", "time_step",
    # beat_decode and beats
    "decode_beats", "decode_downbeats", "evaluate_beats", "BeatNet", "track_beats", "track_downbeats",
    # online
    "OnlineBeatTracker",
    # cnn2d
    "StyleCNN",
    # the exercises package
    "exercises",
]
