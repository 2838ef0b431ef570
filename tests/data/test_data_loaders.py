"""Every supported source loads, with the right shape, scaling and names (files built in the test)."""
import gzip

import numpy as np
import pytest
import scipy.io

from datafiles import qimage_from_array, save_qimage, write_gif, write_idx
from saegui.data import DataError, ImageSet, load_images, load_source
from saegui.data.imageset import LUMA_WEIGHTS


@pytest.fixture
def gray8(rng):
    return rng.integers(0, 256, size=(13, 17), dtype=np.uint8)


@pytest.fixture
def rgb8(rng):
    return rng.integers(0, 256, size=(11, 9, 3), dtype=np.uint8)


@pytest.mark.parametrize("ext", ["png", "bmp", "tif", "pgm"])
def test_lossless_gray8_round_trip(tmp_path, gray8, ext):
    path = save_qimage(qimage_from_array(gray8, "Grayscale8"), tmp_path / f"g.{ext}")
    s = load_images(path)
    assert isinstance(s, ImageSet) and len(s) == 1 and s.names == [f"g.{ext}"] and not s.color
    np.testing.assert_allclose(s.images[0], gray8 / 255.0)
    c = load_images(path, color=True)
    assert c.images[0].shape == (13, 17, 3)
    np.testing.assert_allclose(c.images[0][:, :, 1], gray8 / 255.0)


@pytest.mark.parametrize("ext", ["png", "bmp", "tif", "ppm"])
def test_lossless_rgb8_round_trip(tmp_path, rgb8, ext):
    path = save_qimage(qimage_from_array(rgb8, "RGB888"), tmp_path / f"c.{ext}")
    np.testing.assert_allclose(load_images(path, color=True).images[0], rgb8 / 255.0)
    # Gray by Rec. 601 luma, computed from the 8-bit channels.
    np.testing.assert_allclose(load_images(path).images[0], (rgb8 / 255.0) @ LUMA_WEIGHTS)


def test_jpeg_close(tmp_path, rng):
    smooth = np.tile(np.linspace(0, 255, 32).astype(np.uint8), (24, 1))
    path = save_qimage(qimage_from_array(smooth, "Grayscale8"), tmp_path / "s.jpg", quality=95)
    im = load_images(path).images[0]
    assert im.shape == (24, 32)
    assert np.abs(im - smooth / 255.0).max() < 0.05


@pytest.mark.parametrize("ext", ["png", "tif", "pgm"])
def test_gray16_round_trip(tmp_path, rng, ext):
    a = rng.integers(0, 65536, size=(6, 7), dtype=np.uint16)
    path = save_qimage(qimage_from_array(a, "Grayscale16"), tmp_path / f"g16.{ext}")
    np.testing.assert_allclose(load_images(path).images[0], a / 65535.0)


def test_rgba16_round_trip_alpha_ignored(tmp_path, rng):
    a = rng.integers(0, 65536, size=(5, 8, 4), dtype=np.uint16)
    a[..., 3] = 65535  # opaque, so that premultiplication cannot change the colour
    path = save_qimage(qimage_from_array(a, "RGBA64"), tmp_path / "c16.png")
    np.testing.assert_allclose(load_images(path, color=True).images[0], a[..., :3] / 65535.0)


def test_alpha_is_ignored(tmp_path, rgb8):
    rgba = np.concatenate([rgb8, np.full(rgb8.shape[:2] + (1,), 128, np.uint8)], axis=2)
    path = save_qimage(qimage_from_array(rgba, "RGBA8888"), tmp_path / "a.png")
    np.testing.assert_allclose(load_images(path, color=True).images[0], rgb8 / 255.0, atol=1 / 255)


def test_palette_png_and_gif_first_frame(tmp_path):
    from PySide6.QtGui import QImage

    palette = np.zeros((256, 3), np.uint8)
    palette[:4] = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [10, 20, 30]]
    idx = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [1, 1, 2, 2]], np.uint8)
    expect = palette[idx] / 255.0
    # Indexed8 PNG
    img = QImage(4, 3, QImage.Format.Format_Indexed8)
    img.setColorTable([0xFF000000 | (int(r) << 16) | (int(g) << 8) | int(b) for r, g, b in palette])
    for y in range(3):
        for x in range(4):
            img.setPixel(x, y, int(idx[y, x]))
    path = save_qimage(img, tmp_path / "pal.png")
    np.testing.assert_allclose(load_images(path, color=True).images[0], expect)
    # GIF with two frames: the first one is used.
    gif = write_gif(tmp_path / "anim.gif", [idx, 3 - idx], palette)
    np.testing.assert_allclose(load_images(gif, color=True).images[0], expect)
    np.testing.assert_allclose(load_images(gif).images[0], expect @ LUMA_WEIGHTS)


def test_folder_sorted_skips_and_recursion(tmp_path, gray8):
    save_qimage(qimage_from_array(gray8, "Grayscale8"), tmp_path / "b.png")
    save_qimage(qimage_from_array(gray8[::-1], "Grayscale8"), tmp_path / "a.bmp")
    (tmp_path / "notes.txt").write_text("not an image")
    sub = tmp_path / "sub"
    sub.mkdir()
    save_qimage(qimage_from_array(gray8.T, "Grayscale8"), sub / "c.png")
    s = load_images(tmp_path)
    assert s.names == ["a.bmp", "b.png"]
    np.testing.assert_allclose(s.images[0], gray8[::-1] / 255.0)
    assert [name for name, _ in s.skipped] == ["notes.txt"]
    assert "1 skipped" in s.description()
    r = load_images(tmp_path, recursive=True)
    assert r.names == ["a.bmp", "b.png", "sub/c.png"] and r.images[2].shape == (17, 13)


def test_mat_3d_2d_choice_and_variable(tmp_path, rng):
    imgs = rng.normal(size=(10, 12, 3))
    path = tmp_path / "x.mat"
    scipy.io.savemat(path, {"IMAGES": imgs, "big": rng.normal(size=(30, 30, 4)), "s": "text"})
    s = load_images(path)
    assert len(s) == 3 and s.names[0] == "x.mat:IMAGES[0]"
    np.testing.assert_array_equal(s.images[1], imgs[:, :, 1])  # float data kept as is
    assert len(load_images(f"{path}:big")) == 4
    assert len(load_source(f"{path}:big")) == 4
    # without IMAGES, the largest numeric candidate
    p2 = tmp_path / "y.mat"
    scipy.io.savemat(p2, {"small": np.ones((4, 4)), "img": (rng.random((20, 21)) * 255).astype(np.uint8)})
    s2 = load_images(p2)
    assert s2.names == ["y.mat:img"] and s2.images[0].shape == (20, 21) and s2.images[0].max() <= 1


def test_mat_rgb_integer_image_and_4d(tmp_path, rgb8, rng):
    path = tmp_path / "rgb.mat"
    scipy.io.savemat(path, {"I": rgb8, "C": rng.random((6, 5, 3, 2))})
    np.testing.assert_allclose(load_images(f"{path}:I", color=True).images[0], rgb8 / 255.0)
    c = load_images(f"{path}:C", color=True)
    assert len(c) == 2 and c.images[1].shape == (6, 5, 3)
    assert load_images(f"{path}:C").images[0].shape == (6, 5)


def test_npy_layouts(tmp_path, rng):
    a = rng.random((4, 6, 7))
    np.save(tmp_path / "stack.npy", a)
    s = load_images(tmp_path / "stack.npy")
    assert len(s) == 4
    np.testing.assert_array_equal(s.images[2], a[2])
    np.save(tmp_path / "one.npy", (a[0] * 255).astype(np.uint8))
    assert load_images(tmp_path / "one.npy").images[0].max() <= 1
    rgb = rng.random((6, 7, 3))
    np.save(tmp_path / "rgb.npy", rgb)
    np.testing.assert_array_equal(load_images(tmp_path / "rgb.npy", color=True).images[0], rgb)
    np.save(tmp_path / "rgbs.npy", rng.random((2, 6, 7, 3)))
    assert load_images(tmp_path / "rgbs.npy").images[1].shape == (6, 7)


def test_npz_choice(tmp_path, rng):
    np.savez(tmp_path / "d.npz", labels=np.arange(5), images=rng.random((5, 8, 8)), other=rng.random((9, 9, 9)))
    assert len(load_images(tmp_path / "d.npz")) == 5
    assert len(load_images(f"{tmp_path / 'd.npz'}:other")) == 9


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, rng, gz):
    a = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    path = write_idx(tmp_path / ("imgs-idx3-ubyte" + (".gz" if gz else "")), a, gz=gz)
    s = load_images(path)
    assert len(s) == 3
    np.testing.assert_allclose(s.images[1], a[1] / 255.0)
    assert s.names[0].endswith("[0]")


def test_idx_float_and_gzip_detected_by_content(tmp_path, rng):
    a = rng.normal(size=(2, 5, 4)).astype(np.float32)
    path = write_idx(tmp_path / "weird_name.bin", a, gz=True, type_code=0x0D, dtype=">f4")
    np.testing.assert_allclose(load_images(path).images[1], a[1], rtol=1e-6)


def test_builtin_unknown(tmp_path):
    with pytest.raises(DataError, match="builtin:nope"):
        load_source("builtin:nope")


def test_description_and_stack(tmp_path, rng):
    np.save(tmp_path / "s.npy", rng.random((3, 4, 5)))
    s = load_images(tmp_path / "s.npy")
    assert s.description().startswith("3 gray images 5x4 from")
    assert s.stack().shape == (4, 5, 3)
