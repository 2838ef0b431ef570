"""The real data in ../shared/data (or $SAEGUI_SHARED_DATA); skipped when the folder is absent."""
import numpy as np
import pytest

from saegui.data import load_images, load_source
from saegui.data.patches import sample_images_exercise, sample_patches


def test_images_mat(shared_data):
    path = shared_data / "IMAGES.mat"
    if not path.exists():
        pytest.skip("IMAGES.mat absent")
    s = load_images(path)
    assert len(s) == 10 and s.images[0].shape == (512, 512)
    lo, hi = s.value_range()
    assert -2.5 < lo < -1.5 and 2.5 < hi < 3.5
    assert len(load_source(f"{path}:IMAGES")) == 10
    P = sample_images_exercise(s.stack(), 8, 10000, rng=0)
    assert P.shape == (64, 10000) and abs(P.mean() - 0.5) < 0.02


def test_mnist_idx_gz(shared_data):
    path = shared_data / "mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip("MNIST absent")
    s = load_images(path)
    assert len(s) == 10000 and s.images[0].shape == (28, 28)
    assert s.value_range() == (0.0, 1.0)
    X = sample_patches(s, 28, 10000, seed=0)  # whole digits: one position per image
    assert X.shape == (10000, 784) and 0.1 < X.mean() < 0.15
