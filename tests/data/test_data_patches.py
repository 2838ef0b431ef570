"""Patch sampling: layout, borders, weighting, determinism; the exercise's sampleIMAGES."""
import numpy as np
import pytest

from saegui.data import ImageSet
from saegui.data.patches import grid_patches, sample_images_exercise, sample_patches


def coded_image(h, w, tag=0.0):
    """Pixel value encodes its position: 1000*tag + 10*row + col/100, so patches can be located."""
    r, c = np.mgrid[0:h, 0:w]
    return 1000.0 * tag + 10.0 * r + c / 100.0


def test_rows_are_c_order_and_inside_borders():
    im = coded_image(12, 15)
    X = sample_patches([im], 4, 50, seed=3)
    assert X.shape == (50, 16) and X.dtype == np.float64
    for row in X:
        patch = row.reshape(4, 4)
        r0, c0 = int(patch[0, 0] // 10), int(round(patch[0, 0] % 10 * 100))
        assert 0 <= r0 <= 8 and 0 <= c0 <= 11
        np.testing.assert_allclose(patch, im[r0:r0 + 4, c0:c0 + 4])


def test_colour_rows():
    rgb = np.stack([coded_image(10, 10, k) for k in range(3)], axis=2)
    X = sample_patches(ImageSet(images=[rgb], names=["x"], color=True), 3, 5, seed=0)
    assert X.shape == (5, 27)
    p = X[0].reshape(3, 3, 3)
    np.testing.assert_allclose(p[:, :, 2] - p[:, :, 0], 2000)


def test_deterministic_distinct_and_seed_dependent():
    ims = [coded_image(20, 20, k) for k in range(3)]
    a, b = sample_patches(ims, 5, 200, seed=7), sample_patches(ims, 5, 200, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample_patches(ims, 5, 200, seed=8))
    assert len(np.unique(a[:, 0])) == 200  # no position twice
    every = sample_patches([coded_image(6, 6)], 5, 4, seed=1)  # all 4 positions
    assert sorted(every[:, 0]) == [0.0, 0.01, 10.0, 10.01]


def test_images_weighted_by_positions():
    small, big = coded_image(9, 9, 1), coded_image(40, 40, 2)  # 16 vs 1225 positions of 6x6
    X = sample_patches([small, big], 6, 1000, seed=0)
    from_small = np.sum(X[:, 0] < 2000)
    expected = 1000 * 16 / (16 + 35 * 35)
    assert abs(from_small - expected) < 8  # about 12.9; uniform over images would give 500


def test_grid_patches_stride():
    im = coded_image(10, 12)
    G = grid_patches([im], 4, 3)
    assert G.shape == (3 * 3, 16)
    np.testing.assert_allclose(G[4].reshape(4, 4), im[3:7, 3:7])
    assert grid_patches([im], 4).shape == (2 * 3, 16)  # default stride = patch size
    assert grid_patches([im, im], 4, 1).shape == (2 * 7 * 9, 16)


def test_sample_images_exercise_layout_and_normalisation():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(30, 30, 4))
    P = sample_images_exercise(images, 8, 500, rng=np.random.default_rng(5))
    assert P.shape == (64, 500)
    assert P.min() >= 0.1 - 1e-12 and P.max() <= 0.9 + 1e-12
    # Column-major pixels: recover a raw patch and compare with MATLAB's patch(:)
    Q = sample_images_exercise(coded_image(12, 12)[:, :, None] + 0 * images[:12, :12, :1], 4, 3, rng=1)
    assert Q.shape == (16, 3)
    col = Q[:, 0].reshape(4, 4, order="F")  # back to (row, col)
    # normalised values keep the pixel ordering: along a column (down rows) values grow by 10
    assert np.all(np.diff(col, axis=0) > 0) and np.all(np.diff(col, axis=1) > 0)
    assert np.all(np.diff(col, axis=0)[:, :3] > np.diff(col, axis=1)[:3, :])
    np.testing.assert_array_equal(sample_images_exercise(images, 8, 50, rng=3),
                                  sample_images_exercise(images, 8, 50, rng=3))


@pytest.mark.parametrize("color", [False, True])
def test_many_same_size_images_fast_path_matches_loop(monkeypatch, color):
    import saegui.data.patches as patches

    rng = np.random.default_rng(0)
    ims = list(rng.random((40, 9, 7, 3) if color else (40, 9, 7)))
    fast = sample_patches(ims, 4, 300, seed=2)
    monkeypatch.setattr(patches, "_STACK_BYTES", 0)
    np.testing.assert_array_equal(fast, sample_patches(ims, 4, 300, seed=2))
    row = fast[0].reshape((4, 4, 3) if color else (4, 4))
    assert any(np.array_equal(row, im[r:r + 4, c:c + 4]) for im in ims for r in range(6) for c in range(4))
