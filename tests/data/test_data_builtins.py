"""Built-in data: deterministic, fast, with the statistics the app relies on; bars score; presets."""
import time

import numpy as np
import pytest

from saegui.data import (DataError, PRESETS, bars_images, bars_score, bars_templates, get_preset,
                         load_source, make_preprocessor, natural_images)


def test_natural_deterministic_and_seeded():
    a = natural_images(seed=3, n_images=2, size=128)
    b = load_source("builtin:natural", seed=3)
    np.testing.assert_array_equal(a.images[0], natural_images(seed=3, n_images=2, size=128).images[0])
    assert not np.array_equal(a.images[0], natural_images(seed=4, n_images=1, size=128).images[0])
    assert len(b) == 10 and b.images[0].shape == (512, 512) and b.source == "builtin:natural"


def test_natural_fast_and_scaled_like_images_mat():
    t = time.perf_counter()
    s = natural_images(seed=0)
    elapsed = time.perf_counter() - t
    assert elapsed < 2.0 * 2  # < 2 s is the goal; leave room for a busy CI machine
    for im in s.images:
        assert abs(im.mean()) < 1e-9 and abs(im.var() - 0.1) < 1e-9
    lo, hi = s.value_range()
    assert -4 < lo < -1 and 1 < hi < 4  # IMAGES.mat: about -2 to 3


def test_natural_is_whitened():
    """The whitened spectrum is roughly flat in the middle band (a raw image falls as 1/f^2)."""
    def band_power(img, lo, hi):
        F = np.abs(np.fft.fft2(img)) ** 2
        f = np.hypot(*np.meshgrid(np.fft.fftfreq(img.shape[0]), np.fft.fftfreq(img.shape[1]), indexing="ij"))
        return F[(f >= lo) & (f < hi)].mean()

    raw = natural_images(seed=1, n_images=1, size=256, whitened=False).images[0]
    white = natural_images(seed=1, n_images=1, size=256).images[0]
    assert band_power(raw, 0.02, 0.04) / band_power(raw, 0.16, 0.32) > 20
    assert 0.1 < band_power(white, 0.02, 0.04) / band_power(white, 0.16, 0.32) < 3


def test_leaves_are_the_unwhitened_images():
    s = load_source("builtin:leaves", seed=2)
    assert s.source == "builtin:leaves" and len(s) == 10
    lo, hi = s.value_range()
    assert 0 <= lo and hi <= 1
    np.testing.assert_array_equal(s.images[0], natural_images(seed=2, n_images=1, whitened=False).images[0])


def test_natural_colour():
    s = natural_images(seed=0, n_images=1, size=256, color=True)
    assert s.color and s.images[0].shape == (256, 256, 3)
    im = s.images[0]
    r = np.corrcoef(im[..., 0].ravel(), im[..., 2].ravel())[0, 1]
    assert 0.3 < r < 0.99  # correlated channels, but not gray


def test_bars_deterministic_and_binary():
    a, b = bars_images(seed=5, n_images=200), bars_images(seed=5, n_images=200)
    assert all(np.array_equal(x, y) for x, y in zip(a.images, b.images))
    stack = np.array(a.images)
    assert stack.shape == (200, 8, 8) and set(np.unique(stack)) <= {0.0, 1.0}
    # each image is a union of whole bars: every row is all-on or has the vertical bars' pattern
    for im in stack:
        cols = im.min(axis=0) == 1
        rows = im.min(axis=1) == 1
        np.testing.assert_array_equal(im, np.maximum(rows[:, None], cols[None, :]).astype(float))
    assert abs(stack.sum(axis=(1, 2)).mean() - 16 * (1 / 8) * 8 * (1 - 1 / 16)) < 3
    assert len(load_source("builtin:bars")) == 10000


def test_bars_score():
    T = bars_templates(8)
    assert bars_score(T, 8) == (16, 16)
    rng = np.random.default_rng(0)
    noisy = T[:10] + rng.normal(0, 0.1, (10, 64))
    assert bars_score(noisy, 8) == (10, 16)
    assert bars_score(np.vstack([T[:3], T[:3]]), 8) == (3, 16)  # duplicates count once
    assert bars_score(T[0:1] + T[9:10], 8) == (0, 16)  # a cross is not a bar
    assert bars_score(rng.normal(size=(30, 64)), 8)[0] <= 2
    with pytest.raises(DataError):
        bars_score(T, 7)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_complete(name):
    p = get_preset(name)
    for key in ("patch_size", "num_patches", "hidden_size", "lambda_", "beta", "sparsity", "decoder",
                "preprocessing", "color", "data"):
        assert key in p
    make_preprocessor(p["preprocessing"], **p["preprocessing_kw"])
    p["hidden_size"] = -1
    assert PRESETS[name]["hidden_size"] > 0  # get_preset returns a copy


def test_preset_values_from_the_issue():
    n, m, c = PRESETS["natural"], PRESETS["mnist"], PRESETS["color"]
    assert (n["patch_size"], n["hidden_size"], n["lambda_"], n["beta"], n["sparsity"]) == (8, 25, 1e-4, 3, 0.01)
    assert (m["patch_size"], m["hidden_size"], m["lambda_"], m["beta"], m["sparsity"]) == (28, 196, 3e-3, 3, 0.1)
    assert m["preprocessing"] == "none"
    assert (c["color"], c["hidden_size"], c["decoder"], c["preprocessing"], c["preprocessing_kw"]["epsilon"],
            c["lambda_"], c["beta"], c["sparsity"]) == (True, 400, "linear", "zca", 0.1, 3e-3, 5, 0.035)
    with pytest.raises(DataError):
        get_preset("nope")
