"""fit under torchrun: two CPU processes (gloo, DistributedDataParallel, each with half of every
global batch) train the same weights as one process on the same global batches."""
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

from tcnlib import seed_everything
from tcnlib.tasks import TCNNet, adding_loss, adding_problem
from tcnlib.training import _shard, distributed_world, fit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent('''
    import os, sys, torch
    from tcnlib import seed_everything
    from tcnlib.tasks import TCNNet, adding_loss, adding_problem
    from tcnlib.training import fit

    torch.set_num_threads(1)

    def batch_fn(step):                      # the GLOBAL batch: 8 examples
        return adding_problem(8, 32, torch.Generator().manual_seed(100 + step))

    seed_everything(0)
    model = TCNNet(2, [6, 6], 1, kernel_size=3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    hist = fit(model, batch_fn, adding_loss, opt, epochs=2, steps_per_epoch=3, device="cpu",
               checkpoint=sys.argv[1], progress=True)
    out = sys.argv[2].replace("RANK", os.environ["RANK"])   # every process saves its weights
    torch.save({"state": model.state_dict(), "train_loss": hist["train_loss"]}, out)
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _single_process(tmp_path):
    seed_everything(0)
    model = TCNNet(2, [6, 6], 1, kernel_size=3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    hist = fit(model, lambda step: adding_problem(8, 32, torch.Generator().manual_seed(100 + step)), adding_loss,
               opt, epochs=2, steps_per_epoch=3, device="cpu", progress=False)
    return model.state_dict(), hist["train_loss"]


def test_torchrun_two_processes_train_like_one(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env.update(PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""), OMP_NUM_THREADS="1",
               GLOO_SOCKET_IFNAME="lo", TCN_COURSE_QUICK="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={_free_port()}", str(script),
           str(tmp_path / "ckpt.pt"), str(tmp_path / "weights-RANK.pt")]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    state, losses = _single_process(tmp_path)
    for rank in (0, 1):
        got = torch.load(tmp_path / f"weights-{rank}.pt", weights_only=True)
        for k, v in state.items():
            torch.testing.assert_close(got["state"][k], v, rtol=1e-4, atol=1e-6)
        assert got["train_loss"] == pytest.approx(losses, rel=1e-4)
    # rank 0 alone wrote the checkpoint, with the same weights
    ckpt = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    assert ckpt["epoch"] == 2 and ckpt["step"] == 6
    for k, v in state.items():
        torch.testing.assert_close(ckpt["model"][k], v, rtol=1e-4, atol=1e-6)
    assert done.stderr.count("epoch 2/2") + done.stdout.count("epoch 2/2") == 1  # only rank 0 reports


def test_one_process_is_the_default(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert distributed_world() == (0, 0, 1)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert distributed_world() == (3, 1, 4)


def test_shard_splits_every_tensor_of_a_batch():
    x, y = torch.arange(8).reshape(4, 2), torch.arange(4)
    assert torch.equal(_shard((x, y), 1, 2)[0], x[2:]) and torch.equal(_shard((x, y), 1, 2)[1], y[2:])
    assert torch.equal(_shard({"a": y}, 0, 4)["a"], y[:1])
    with pytest.raises(ValueError, match="global batch of 4 examples cannot be split evenly across 3 processes"):
        _shard(y, 0, 3)
