"""tcnlib: the helper library of the tcn-course notebooks.

Small and flat: one module per concept, every public name re-exported here.

* ``config``     quick mode, device, seeding
* ``audio``      loading audio, spectrograms at a frame rate, inline players
* ``plots``      waveform and spectrogram figures (``ax=None``; they return what they drew)
* ``receptive``  exact receptive fields, dilation schedules, units, coverage (gridding),
                 and the receptive field measured with autograd
* ``models``     the TCN and its building blocks
* ``causality``  dependency masks measured with autograd
* ``streaming``  online (frame-by-frame) inference of causal TCNs
* ``wavenet``    mu-law quantization, WaveNet, naive and cached (Fast WaveNet) generation
* ``data``       the example music set, ``.beats`` files, frame targets, datasets, feature cache
* ``synth``      the generator of the example music (MIDI + fluidsynth; not needed at run time)
* ``widgets``    the receptive-field explorer (ipywidgets; clamping logic in pure functions)
* ``tasks``      the adding problem and copy memory (Bai et al. 2018), TCNNet and RNNNet
* ``training``   the training loop (fit, History, atomic checkpoints, the GPU fast path)
* ``cnn2d``      a small 2D CNN for clip-level style classification, clip decisions, saliency
* ``beats``      beat/downbeat tracking: features, targets, augmentation, BeatNet (TCN or CNN),
                 peak picking, a beat-pointer HMM (Viterbi), mir_eval scores, ``track_beats``
* ``exercises``  the checker functions of the notebooks' exercises
"""
from .audio import (as_waveform, frame_times, hop_length, load_audio, log_compress,
                    log_mel_spectrogram, log_spectrogram, play, resample, save_audio)
from .causality import dependency_mask, future_leak
from .config import QUICK_ENV_VAR, get_device, pick, quick_mode, seed_everything
from .data import (EXAMPLES_ENV_VAR, FEATURE_CACHE, SPLITS, STYLES, BeatDataset, Clip, ClipDataset,
                   FeatureCache, beat_frames, beat_targets, clip_targets, default_cache_dir, example_dir,
                   example_index, find_beat_files, list_example_clips, load_beat_dataset, load_example_clip,
                   load_example_set, read_beats, split_clips, write_beats)
from .models import TCN, ChannelLayerNorm, DilatedConv1d, TemporalBlock
from .receptive import (cone_offsets, coverage_holes, exponential_dilations, field_span, hole_count,
                        input_gradient, measure_field_span, measure_receptive_field, path_counts,
                        receptive_field, receptive_field_arithmetic, receptive_field_by_depth, repeat_stack,
                        stack_parameters, to_seconds)
from .streaming import TCNStream, naive_stream_step
from .widgets import receptive_field_explorer
from .wavenet import (MU, WaveNet, WaveNetCache, generate_cached, generate_naive, linear_decode,
                      linear_encode, mu_law_compress, mu_law_decode, mu_law_encode, mu_law_expand,
                      sample_from_logits, segment_batches, snr_db, wavenet_loss)

from .tasks import (RNNNet, TCNNet, adding_baseline_mse, adding_loss, adding_problem, copy_accuracy,
                    copy_loss, copy_memory, copy_memory_baseline_loss, count_parameters)
from .training import (History, evaluate, fit, load_checkpoint, make_train_step, save_checkpoint,
                       time_step)

from .beats import BeatNet, decode_beats, decode_downbeats, evaluate_beats, track_beats, track_downbeats
from .cnn2d import StyleCNN

from . import exercises

__version__ = "0.1.0"
