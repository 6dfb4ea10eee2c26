"""Tests of tcnlib.cnn2d: the style CNN, patches, clip decisions, confusion matrix, saliency."""
import numpy as np
import pytest
import torch

from tcnlib import cnn2d


def test_style_cnn_shapes_and_errors():
    m = cnn2d.StyleCNN(n_mels=80, n_classes=8)
    assert m(torch.randn(3, 80, 400)).shape == (3, 8)
    assert m(torch.randn(1, 80, 64)).shape == (1, 8)  # any patch length long enough to pool
    with pytest.raises(ValueError, match=r"x must have shape \(B, 80, T\)"):
        m(torch.randn(3, 40, 400))
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        cnn2d.StyleCNN(n_classes=1)
    with pytest.raises(ValueError, match="channels must not be empty"):
        cnn2d.StyleCNN(channels=())
    with pytest.raises(ValueError, match="n_mels must be at least"):
        cnn2d.StyleCNN(n_mels=8)


def test_clip_patches_cut_exact_slices():
    S = np.arange(5 * 23, dtype=np.float32).reshape(5, 23)
    P = cnn2d.clip_patches(S, 10, 4).numpy()
    assert P.shape == (1 + (23 - 10) // 4, 5, 10)
    for i, p in enumerate(P):
        np.testing.assert_array_equal(p, S[:, 4 * i:4 * i + 10])
    assert cnn2d.clip_patches(S, 10).shape[0] == 1 + (23 - 10) // 5  # default hop: half a patch
    with pytest.raises(ValueError, match="T >= frames=30"):
        cnn2d.clip_patches(S, 30)
    with pytest.raises(ValueError, match="hop must be a positive"):
        cnn2d.clip_patches(S, 10, 0)


def test_random_patches_reproducible_and_labelled():
    specs = [np.full((4, 50), float(i), dtype=np.float32) for i in range(3)]
    x1, y1 = cnn2d.random_patches(specs, [0, 1, 2], 6, 20, np.random.default_rng(1), gain_db=0)
    x2, y2 = cnn2d.random_patches(specs, [0, 1, 2], 6, 20, np.random.default_rng(1), gain_db=0)
    assert x1.shape == (6, 4, 20) and y1.dtype == torch.int64
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    for x, y in zip(x1, y1):  # each patch comes from the clip its label names
        assert torch.all(x == float(y))
    with pytest.raises(ValueError, match="equally long and non-empty"):
        cnn2d.random_patches(specs, [0, 1], 2, 20, np.random.default_rng(0))
    with pytest.raises(ValueError, match="fewer than frames=60"):
        cnn2d.random_patches(specs, [0, 1, 2], 2, 60, np.random.default_rng(0))


class _Fixed(torch.nn.Module):
    """A 'classifier' whose logits are the mean of each input row: easy to reason about."""

    def forward(self, x):
        return x.mean(dim=2)


def test_predict_clip_is_mean_log_probability():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(4, 40)).astype(np.float32)
    model = _Fixed()
    p = cnn2d.predict_clip(model, S, 10, 10)
    logits = model(cnn2d.clip_patches(S, 10, 10))
    expected = torch.softmax(torch.log_softmax(logits, 1).mean(0), 0).numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    assert p.sum() == pytest.approx(1.0)


def test_confusion_matrix():
    C = cnn2d.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    assert C.sum() == 5
    with pytest.raises(ValueError, match="same length"):
        cnn2d.confusion_matrix([0, 1], [0], 3)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        cnn2d.confusion_matrix([0, 3], [0, 1], 3)


def test_saliency_is_gradient_magnitude():
    torch.manual_seed(0)
    lin = torch.nn.Linear(4 * 6, 3)
    model = torch.nn.Sequential(torch.nn.Flatten(), lin)
    x = torch.randn(4, 6)
    sal = cnn2d.saliency(model, x, target=2)
    np.testing.assert_allclose(sal, lin.weight[2].detach().abs().reshape(4, 6).numpy(), rtol=1e-6)
    default = cnn2d.saliency(model, x)  # the predicted class
    k = int(model(x[None]).argmax())
    np.testing.assert_allclose(default, lin.weight[k].detach().abs().reshape(4, 6).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"target must be a class in \[0, 3\)"):
        cnn2d.saliency(model, x, target=5)
    with pytest.raises(ValueError, match=r"x must be one patch of shape \(F, T\)"):
        cnn2d.saliency(model, x[None])


def test_style_cnn_saliency_runs_in_eval_mode():
    m = cnn2d.StyleCNN(n_mels=32, channels=(4, 8)).train()
    sal = cnn2d.saliency(m, torch.randn(32, 40))
    assert sal.shape == (32, 40) and np.all(np.isfinite(sal)) and sal.max() > 0
    assert m.training  # restored
