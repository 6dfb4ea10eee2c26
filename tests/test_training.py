"""Tests for tcnlib.training: fit, History, checkpoints (atomic, weights_only), resume, fast path."""
import math
import os

import pytest
import torch
from torch import nn

from tcnlib import seed_everything
from tcnlib.tasks import TCNNet, adding_loss, adding_problem
from tcnlib.training import (History, evaluate, fit, load_checkpoint, make_train_step,
                             resolve_amp, resolve_compile, save_checkpoint, time_step)

CPU = torch.device("cpu")


def _batch_fn(step):
    return adding_problem(8, 24, torch.Generator().manual_seed(1000 + step))


def _val():
    return [adding_problem(16, 24, torch.Generator().manual_seed(7))]


def _model(seed=0, dropout=0.0):
    seed_everything(seed)
    return TCNNet(2, [4, 4], 1, kernel_size=3, dropout=dropout)


def _fit(model, **kw):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    kw.setdefault("epochs", 3)
    return fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=5, val=_val(), device="cpu",
               progress=False, **kw), opt


def test_fit_reduces_loss_and_records_history():
    model = _model()
    before = evaluate(model.eval(), _val(), adding_loss)["loss"]
    hist, _ = _fit(model, epochs=4, metrics={"mae": lambda p, y: (p[:, 0, -1] - y).abs().mean()})
    assert isinstance(hist, History) and len(hist) == 4
    assert hist["epoch"] == [1, 2, 3, 4] and hist["step"] == [5, 10, 15, 20]
    assert sorted(hist.metrics) == ["epoch", "epoch_time", "lr", "step", "train_loss", "val_loss", "val_mae"]
    assert hist["val_loss"][-1] < before
    assert all(math.isfinite(v) for v in hist["train_loss"])


def test_fit_accepts_iterable_and_dataloader():
    data = [_batch_fn(i) for i in range(3)]
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    hist = fit(model, data, adding_loss, opt, epochs=2, device="cpu", progress=False)
    assert hist["step"] == [3, 6] and "val_loss" not in hist
    x = torch.cat([b[0] for b in data])
    y = torch.cat([b[1] for b in data])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    hist = fit(model, loader, adding_loss, opt, epochs=1, steps_per_epoch=2, device="cpu", progress=False)
    assert hist["step"] == [2]


def test_resume_equals_straight_training(tmp_path):
    """N epochs straight == N/2 epochs, then a fresh process-like resume for the other N/2."""
    straight = _model(dropout=0.1)   # dropout: the global RNG state must be restored too
    seed_everything(5)
    h_straight, _ = _fit(straight, epochs=4)
    path = tmp_path / "run" / "ckpt.pt"
    first = _model(dropout=0.1)
    seed_everything(5)
    _fit(first, epochs=2, checkpoint=path)
    seed_everything(123)             # disturb the generators: resume must restore them
    second = _model(seed=99, dropout=0.1)
    h_resumed, _ = _fit(second, epochs=4, checkpoint=path, resume=True)
    for a, b in zip(straight.state_dict().values(), second.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for key in ("train_loss", "val_loss", "step", "epoch"):
        assert h_resumed[key] == h_straight[key]


def test_checkpoint_is_weights_only_loadable_and_atomic(tmp_path):
    model = _model()
    path = tmp_path / "c.pt"
    hist, opt = _fit(model, epochs=2, checkpoint=path)
    raw = torch.load(path, weights_only=True)
    assert sorted(raw) == ["epoch", "history", "model", "optimizer", "optimizer_class", "rng", "scheduler", "step"]
    assert raw["optimizer_class"] == "Adam"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # a normal file, not 0600
    assert raw["epoch"] == 2 and raw["history"]["val_loss"] == hist["val_loss"]
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left behind
    fresh = _model(seed=3)
    ckpt = load_checkpoint(path, fresh, torch.optim.Adam(fresh.parameters()))
    assert isinstance(ckpt["history"], History) and ckpt["step"] == 10
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        assert torch.equal(a, b)


def test_load_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load_checkpoint(bad)
    good = tmp_path / "good.pt"
    save_checkpoint(good, _model(), epoch=1)
    truncated = tmp_path / "trunc.pt"
    truncated.write_bytes(good.read_bytes()[: os.path.getsize(good) // 2])
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load_checkpoint(truncated)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match=r"lacks the keys \['model'"):
        load_checkpoint(other)
    with pytest.raises(ValueError, match="does not fit this model"):
        load_checkpoint(good, TCNNet(2, [5], 1))
    with pytest.raises(ValueError, match="holds no optimizer state"):
        m = _model()
        load_checkpoint(good, m, torch.optim.SGD(m.parameters(), lr=0.1))


def test_early_stopping_and_callbacks():
    model = _model()
    calls = []
    hist, _ = _fit(model, epochs=10, callbacks=[lambda e, h, m: calls.append(e) or e == 2])
    assert calls == [1, 2] and len(hist) == 2
    # lr 0: nothing improves after epoch 1, so patience 2 stops after epoch 3
    model = _model()
    hist = fit(model, _batch_fn, adding_loss, torch.optim.SGD(model.parameters(), lr=0.0), epochs=10,
               steps_per_epoch=2, val=_val(), device="cpu", progress=False, patience=2)
    assert hist["epoch"] == [1, 2, 3]
    assert hist.best("val_loss") == (1, hist["val_loss"][0])


def test_scheduler_grad_clip_and_progress(capsys):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, _batch_fn, adding_loss, opt, epochs=3, steps_per_epoch=2, device="cpu",
               scheduler=sched, grad_clip=0.5, progress=True)
    assert hist["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert "epoch 3/3: train_loss" in capsys.readouterr().out
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    hist = fit(model, _batch_fn, adding_loss, opt, epochs=2, steps_per_epoch=2, device="cpu",
               scheduler=sched, scheduler_interval="step", progress=False)
    assert hist["lr"] == pytest.approx([0.05, 0.025])


def test_grad_clip_bounds_the_update():
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    step = make_train_step(model, lambda out, y: ((out - y) ** 2).mean(), opt, CPU, grad_clip=0.25)
    step(torch.ones(4, 1), torch.full((4, 1), 100.0))
    assert model.weight.item() == pytest.approx(0.25)


def test_fit_bad_arguments():
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        fit(model, _batch_fn, adding_loss, opt, epochs=0, steps_per_epoch=1)
    with pytest.raises(ValueError, match="steps_per_epoch is required"):
        fit(model, _batch_fn, adding_loss, opt)
    with pytest.raises(ValueError, match="train must be an iterable"):
        fit(model, 3, adding_loss, opt)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, resume=True)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, mode="lowest")
    with pytest.raises(ValueError, match=r"monitor='val_acc' names no metric"):
        fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, val=_val(), monitor="val_acc", patience=2)
    with pytest.raises(ValueError, match="amp must be 'auto', True or False"):
        fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, amp="fp16", device="cpu")
    with pytest.raises(ValueError, match="each batch must be a pair"):
        fit(model, [(1, 2, 3)], adding_loss, opt, device="cpu", progress=False)
    with pytest.raises(ValueError, match="grad_clip must be a positive number"):
        make_train_step(model, adding_loss, opt, CPU, grad_clip=0)
    with pytest.raises(ValueError, match="val holds no batch"):
        evaluate(model, [], adding_loss)
    with pytest.raises(ValueError, match=r"device must be None, 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"):
        fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"device='cuda' but no CUDA GPU is available here; use None or 'cpu'"):
            fit(model, _batch_fn, adding_loss, opt, steps_per_epoch=1, device="cuda")


def test_auto_settings_only_switch_on_for_cuda():
    cuda = torch.device("cuda")
    assert resolve_amp("auto", cuda) and not resolve_amp("auto", CPU) and resolve_amp(True, CPU)
    assert resolve_compile("auto", cuda) and not resolve_compile("auto", CPU)
    with pytest.raises(ValueError, match="compile must be 'auto', True or False"):
        resolve_compile("yes", CPU)


def test_bf16_autocast_step_runs_on_cpu():
    model = _model()
    x, y = _batch_fn(0)
    step = make_train_step(model, adding_loss, torch.optim.Adam(model.parameters()), CPU, amp=True)
    assert step.amp and math.isfinite(step(x, y).item())


def test_history_roundtrip_and_errors():
    h = History()
    h.append({"epoch": 1, "train_loss": 2.0})
    h.append({"epoch": 2, "train_loss": 1.0, "val_loss": 3.0})
    assert math.isnan(h["val_loss"][0]) and len(h) == 2
    assert History.from_dict(h.to_dict()).to_dict()["train_loss"] == [2.0, 1.0]
    assert h.best("train_loss") == (2, 1.0) and h.best("train_loss", "max") == (1, 2.0)
    with pytest.raises(KeyError, match="history has no metric 'acc'"):
        h["acc"]
    with pytest.raises(ValueError, match="equally long lists"):
        History.from_dict({"a": [1.0], "b": []})


def test_time_step_returns_reps():
    calls = []
    times = time_step(lambda x, y: calls.append(1), None, None, reps=3, warmup=2)
    assert len(times) == 3 and len(calls) == 5 and all(t >= 0 for t in times)
    with pytest.raises(ValueError, match="reps must be >= 1"):
        time_step(lambda x, y: None, None, None, reps=0)


@pytest.mark.slow
def test_compiled_step_matches_eager_on_cpu():
    """The fast path (torch.compile) computes the same training step as eager PyTorch."""
    pytest.importorskip("torch._inductor")
    x, y = _batch_fn(0)
    results = []
    for compile_ in (False, True):
        model = _model()
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        step = make_train_step(model, adding_loss, opt, CPU, amp=False, compile=compile_)
        losses = [step(x, y).item() for _ in range(3)]
        results.append((losses, [p.detach().clone() for p in model.parameters()]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-4)
    for a, b in zip(results[0][1], results[1][1]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


# --- bad input and runs that go wrong -----------------------------------------------------------

def test_nan_sample_stops_training_and_keeps_the_good_checkpoint(tmp_path):
    path = tmp_path / "ckpt.pt"
    model = _model()
    _fit(model, epochs=1, checkpoint=path)
    good = torch.load(path, weights_only=True)["model"]

    def poisoned(step):
        x, y = _batch_fn(step)
        if step == 7:
            x = x.clone()
            x[0, 0, -1] = float("nan")   # in the scored last step
        return x, y

    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with pytest.raises(FloatingPointError, match=r"loss became nan at step 8 \(epoch 2, step 3 of the epoch\): "
                                                 r"this batch's inputs hold NaN or inf"):
        fit(model, poisoned, adding_loss, opt, epochs=3, steps_per_epoch=5, device="cpu", progress=False,
            checkpoint=path, resume=True)
    after = torch.load(path, weights_only=True)
    assert after["epoch"] == 1
    for k, v in good.items():
        assert torch.equal(after["model"][k], v)


def test_diverging_learning_rate_is_reported():
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=1e6)
    with pytest.raises(FloatingPointError, match=r"lower the learning rate \(now 1e\+06\)"):
        fit(model, _batch_fn, adding_loss, opt, epochs=5, steps_per_epoch=5, device="cpu", progress=False)


def test_save_checkpoint_refuses_nonfinite_weights(tmp_path):
    model = _model()
    path = tmp_path / "c.pt"
    save_checkpoint(path, model, epoch=1)
    before = path.read_bytes()
    with torch.no_grad():
        next(model.parameters()).fill_(float("inf"))
    with pytest.raises(ValueError, match="weights hold NaN or inf; not writing"):
        save_checkpoint(path, model, epoch=2)
    assert path.read_bytes() == before


def test_optimizer_of_another_model_is_refused():
    model, other = _model(), _model(seed=1)
    with pytest.raises(ValueError, match="optimizer holds none of this model's parameters"):
        fit(model, _batch_fn, adding_loss, torch.optim.Adam(other.parameters()), steps_per_epoch=1,
            device="cpu", progress=False)


def test_broadcasting_loss_shapes_are_refused_before_training():
    model = TCNNet(2, [4], 1, kernel_size=3)
    x = torch.randn(4, 2, 10)
    y = torch.randn(4, 10)            # (B, T) against outputs (B, 1, T)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for loss_fn in (nn.functional.mse_loss, lambda o, t: ((o - t) ** 2).mean(), nn.L1Loss()):
        with pytest.raises(ValueError, match=r"broadcasts the model's output of shape \(4, 1, 10\) against "
                                             r"targets of shape \(4, 10\) into \(4, 4, 10\)"):
            fit(model, [(x, y)], loss_fn, opt, device="cpu", progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    # matching shapes, and a class-index target (cross entropy), train as usual
    fit(model, [(x, y.unsqueeze(1))], nn.functional.mse_loss, opt, device="cpu", progress=False)
    clf = TCNNet(2, [4], 4, kernel_size=3)
    fit(clf, [(x, torch.randint(0, 4, (4, 10)))], nn.functional.cross_entropy,
        torch.optim.SGD(clf.parameters(), lr=0.1), device="cpu", progress=False)


def test_checkpoint_path_and_callbacks_are_checked_up_front(tmp_path):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    calls = []

    def batches(step):
        calls.append(step)
        return _batch_fn(step)

    with pytest.raises(ValueError, match="checkpoint must be a file path, but .* is a directory"):
        fit(model, batches, adding_loss, opt, steps_per_epoch=2, device="cpu", checkpoint=tmp_path)
    with pytest.raises(ValueError, match=r"callbacks must be a list of functions .* callbacks=\[fn\]"):
        fit(model, batches, adding_loss, opt, steps_per_epoch=2, device="cpu", callbacks=lambda e, h, m: None)
    with pytest.raises(ValueError, match="is not callable"):
        fit(model, batches, adding_loss, opt, steps_per_epoch=2, device="cpu", callbacks=[3])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        fit(model, batches, adding_loss, opt, steps_per_epoch=2, device="cpu", checkpoint=blocker / "c.pt")
    with pytest.raises(ValueError, match="resume must be True or False, got 'yes'"):
        fit(model, batches, adding_loss, opt, steps_per_epoch=2, device="cpu", resume="yes")
    assert calls == []  # nothing trained before the errors


def test_numpy_integers_are_accepted_by_fit():
    import numpy as np
    model = _model()
    hist = fit(model, _batch_fn, adding_loss, torch.optim.SGD(model.parameters(), lr=0.01), epochs=np.int64(2),
               steps_per_epoch=np.int32(2), device="cpu", progress=False, patience=np.int64(3))
    assert hist["step"] == [2, 4]


def test_sgd_state_into_adam_is_refused_before_anything_loads(tmp_path):
    path = tmp_path / "sgd.pt"
    model = _model()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, _batch_fn, adding_loss, sgd, steps_per_epoch=2, device="cpu", progress=False, checkpoint=path)
    fresh = _model(seed=4)
    before = [p.detach().clone() for p in fresh.parameters()]
    adam = torch.optim.Adam(fresh.parameters())
    with pytest.raises(ValueError, match="holds the state of a SGD optimizer, but a Adam was given"):
        load_checkpoint(path, fresh, adam)
    assert all(torch.equal(a, b) for a, b in zip(before, fresh.parameters()))
    assert adam.state_dict()["state"] == {}
    # an older file without the class name: the parameter groups tell
    raw = torch.load(path, weights_only=True)
    del raw["optimizer_class"]
    torch.save(raw, tmp_path / "old.pt")
    with pytest.raises(ValueError, match=r"another kind of optimizer .*lack \['amsgrad', 'betas'"):
        load_checkpoint(tmp_path / "old.pt", fresh, adam)
    with pytest.raises(ValueError, match="holds the state of a SGD optimizer"):
        fit(fresh, _batch_fn, adding_loss, adam, epochs=2, steps_per_epoch=2, device="cpu", progress=False,
            checkpoint=path, resume=True)
    assert all(torch.equal(a, b) for a, b in zip(before, fresh.parameters()))


def test_map_location_cuda_without_gpu_says_so(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    path = tmp_path / "c.pt"
    save_checkpoint(path, _model())
    with pytest.raises(ValueError, match="map_location='cuda' but no CUDA GPU is available here"):
        load_checkpoint(path, map_location="cuda")


def test_restore_best_loads_the_best_epoch(tmp_path):
    model = _model()
    best = {}

    def remember(epoch, history, m):
        best[epoch] = {k: v.detach().clone() for k, v in m.state_dict().items()}

    opt = torch.optim.SGD(model.parameters(), lr=0.5)   # large: the validation loss jumps around
    hist = fit(model, _batch_fn, adding_loss, opt, epochs=6, steps_per_epoch=3, val=_val(), device="cpu",
               progress=False, callbacks=[remember], restore_best=True)
    epoch, _ = hist.best("val_loss")
    for k, v in model.state_dict().items():
        assert torch.equal(v, best[epoch][k])
    # resumed: the best epoch of the first part is kept in the checkpoint
    path = tmp_path / "c.pt"
    first = _model()
    fit(first, _batch_fn, adding_loss, torch.optim.SGD(first.parameters(), lr=0.5), epochs=3, steps_per_epoch=3,
        val=_val(), device="cpu", progress=False, checkpoint=path, restore_best=True)
    assert "best_model" in torch.load(path, weights_only=True)
    with pytest.raises(ValueError, match="monitor='val_loss' needs val= data"):
        fit(first, _batch_fn, adding_loss, torch.optim.SGD(first.parameters(), lr=0.5), steps_per_epoch=1,
            device="cpu", monitor="val_loss", restore_best=True)
