"""Built-in data, so the app runs on a machine with no data at all (``builtin:natural``, ``builtin:bars``).

``natural_images``: a dead-leaves model -- opaque ellipses with power-law sizes (density ~ r^-3 on
[4 px, size/4], which makes the image statistics scale-invariant with a ~1/f^2 power spectrum like
natural images), random orientations, aspect ratios and intensities, the nearer ones occluding the
farther ones, each carrying one of 8 oriented 1/f textures (bark, grain, grass) at a heavy-tailed
random amplitude, seen through a camera-like S-shaped response into [0, 1] -- followed by the
whitening Olshausen & Field applied to the exercise's ``IMAGES``: the 1/f-compensating filter
f * exp(-(f/f0)^4) in the frequency domain, then each image scaled to variance 0.1. f0 is 0.35
cycles/pixel rather than the notes' 0.4: ``IMAGES.mat``'s whitened spectrum falls off faster than the
filter alone (its camera's blur), and 0.35 matches it. The result looks (and trains) like
``IMAGES.mat``: values roughly -2 to 2 (IMAGES.mat -2 to 3), a flat spectrum up to the cut-off, and
with the exercise defaults 1-1.5 cycle Gabor-like edge detectors of the same size, frequency and
orientation selectivity (:mod:`saegui.data.edges` measures it). Without the textures and with shapes
down to 2 px (the first version) the filters were smaller single-edge Gaussian derivatives.
Deterministic for a seed; 10 images of 512x512 take about 1 s.

``leaves_images`` (``builtin:leaves``): the same dead-leaves images unwhitened, in [0, 1].

``bars_images``: Foldiak's bars problem. Each p x p image is the union (OR) of horizontal and vertical
bars, each of the 2p bars present independently with probability ``prob`` (default 1/p). The ground
truth is known, so :func:`bars_score` counts how many bars some learned filter matches.
"""
from __future__ import annotations

import numpy as np

from .errors import DataError
from .imageset import ImageSet

__all__ = ["natural_images", "leaves_images", "bars_images", "bars_templates", "bars_score", "dead_leaves",
           "oriented_textures", "whiten"]


def oriented_textures(rng: np.random.Generator, size: int, n: int = 8, bandwidth: float = 0.25) -> np.ndarray:
    """(n, size, size) periodic Gaussian textures, each oriented (bark, grain, grass): a 1/f amplitude
    spectrum times a Gaussian of the angle to the texture's orientation (``bandwidth`` radians);
    orientations spread over [0, pi) with a random jitter. Unit standard deviation."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    f = np.maximum(np.hypot(fx, fy), 1.0 / size)
    angle = np.arctan2(fy, fx)
    out = np.empty((n, size, size))
    for i in range(n):
        theta = np.pi * (i + rng.random()) / n
        d = (angle - theta + np.pi / 2) % np.pi - np.pi / 2  # angle difference folded to [-pi/2, pi/2)
        amplitude = np.exp(-0.5 * (d / bandwidth) ** 2) / f
        spec = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) * amplitude
        t = np.fft.irfft2(spec, s=(size, size))
        out[i] = t / max(t.std(), 1e-12)
    return out


def dead_leaves(rng: np.random.Generator, size: int, *, color: bool = False, r_min: float = 4.0,
                r_max: float | None = None, cover: float = 4.0, texture: float = 3.0,
                textures: np.ndarray | None = None) -> np.ndarray:
    """One (size, size) (or (size, size, 3)) dead-leaves image with values in [0, 1].

    ``cover`` is the expected number of shapes over each pixel (e^-cover of the image is left as
    background); radii follow p(r) ~ r^-3 on [r_min, r_max] (default size / 4). Each shape (and the
    background) carries one of ``textures`` (default: 8 new :func:`oriented_textures`), cyclically
    shifted for this image, with an amplitude ``texture * u^3``, u uniform in [0, 1] (in units of the
    texture's standard deviation, against intensities uniform in [0, 1]): most shapes faintly textured,
    a few strongly, which keeps the whitened images heavy-tailed (kurtosis about 2.6 for 3.0, IMAGES.mat
    about 4; uniform amplitudes gave 0.7, flat shapes 3.5). With a texture the image is then
    mapped back into [0, 1] by ``0.5 + 0.5 tanh(z / 1.5)`` (z: the image standardised), a camera-like
    response with about the contrast of flat shapes. ``texture=0`` gives flat shapes.
    """
    r_max = float(r_max if r_max is not None else size / 4)
    mean_r2 = 2 * np.log(r_max / r_min) / (r_min ** -2 - r_max ** -2)
    n = int(np.ceil(cover * size * size / (np.pi * mean_r2)))
    u = rng.random(n)
    r = (r_min ** -2 - u * (r_min ** -2 - r_max ** -2)) ** -0.5
    aspect = rng.uniform(1.0, 3.0, n)
    a, b = r * np.sqrt(aspect), r / np.sqrt(aspect)  # semi-axes, area pi r^2
    theta = rng.uniform(0, np.pi, n)
    cy, cx = rng.uniform(-r_min, size + r_min, (2, n))
    if color:  # correlated channels: a gray level plus a moderate colour cast
        values = np.clip(rng.random((n, 1)) + rng.normal(0, 0.15, (n, 3)), 0, 1)
    else:
        values = rng.random(n)
    depth = np.full(size * size, -1, dtype=np.int64)  # index of the nearest shape over each pixel
    half = np.ceil(a).astype(np.int64)
    cos, sin = np.cos(theta), np.sin(theta)
    for R in np.unique(half):
        ids = np.flatnonzero(half == R)
        off = np.arange(-R, R + 1)
        ys = np.floor(cy[ids])[:, None, None].astype(np.int64) + off[None, :, None]  # (k, B, 1)
        xs = np.floor(cx[ids])[:, None, None].astype(np.int64) + off[None, None, :]  # (k, 1, B)
        dy, dx = ys - cy[ids, None, None], xs - cx[ids, None, None]
        c, s = cos[ids, None, None], sin[ids, None, None]
        inside = ((dx * c + dy * s) / a[ids, None, None]) ** 2 + ((dy * c - dx * s) / b[ids, None, None]) ** 2 <= 1
        inside &= (ys >= 0) & (ys < size) & (xs >= 0) & (xs < size)
        k, yy, xx = np.nonzero(inside)
        flat = ys[k, yy, 0] * size + xs[k, 0, xx]
        np.maximum.at(depth, flat, ids[k])
    background = rng.random(3 if color else 1) if color else rng.random()
    table = np.concatenate([values, np.broadcast_to(background, (1,) + values.shape[1:])])
    img = table[depth]  # depth -1 picks the background (last row)
    if texture > 0:
        if textures is None:
            textures = oriented_textures(rng, size)
        if textures.shape[1:] != (size, size):
            raise DataError(f"dead_leaves: textures must be (n, {size}, {size}), got {textures.shape}")
        which = rng.integers(0, len(textures), n + 1)  # per shape, the last one for the background
        amp = texture * rng.random(n + 1) ** 3
        dy, dx = rng.integers(0, size, (2, len(textures)))  # cyclic shift of each texture in this image
        w = which[depth]
        ys, xs = np.divmod(np.arange(size * size), size)
        tex = amp[depth] * textures.reshape(len(textures), -1)[w, (ys + dy[w]) % size * size + (xs + dx[w]) % size]
        img = img + (tex[:, None] if color else tex)
        # back into [0, 1] through a camera-like S-shaped response: contrast as flat shapes have
        # (std about 0.27; a plain min-max rescale would leave a quarter of it, and the colour preset's
        # ZCA epsilon would then blur its filters), extremes compressed instead of clipped
        img = 0.5 + 0.5 * np.tanh((img - img.mean()) / (1.5 * max(img.std(), 1e-12)))
    return img.reshape((size, size, 3) if color else (size, size))


def whiten(img: np.ndarray, f0: float = 0.4) -> np.ndarray:
    """Olshausen & Field's whitening: multiply the spectrum by f * exp(-(f/f0)^4), f in cycles/pixel."""
    h, w = img.shape[:2]
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    filt = f * np.exp(-((f / f0) ** 4))
    if img.ndim == 3:
        filt = filt[:, :, None]
    return np.fft.irfft2(np.fft.rfft2(img, axes=(0, 1)) * filt, s=(h, w), axes=(0, 1))


def natural_images(seed: int = 0, n_images: int = 10, size: int = 512, *, color: bool = False,
                   whitened: bool = True, variance: float = 0.1, f0: float = 0.35, texture: float = 3.0) -> ImageSet:
    """``builtin:natural``: ``n_images`` whitened dead-leaves images (size, size) (see module docstring).

    ``whitened=False`` gives the raw dead-leaves images in [0, 1]. Each whitened image is scaled to the
    given ``variance`` (0.1 as Olshausen's ``IMAGES``). ``f0`` is the whitening filter's cut-off
    (cycles/pixel), ``texture`` the shapes' maximum texture amplitude (0: flat shapes, see
    :func:`dead_leaves`); the 8 textures are drawn once and shifted differently in each image.
    """
    if int(n_images) < 1 or int(size) < 8:
        raise DataError(f"builtin:natural: need at least 1 image of at least 8x8, got {n_images} of {size}")
    rng = np.random.default_rng(seed)
    pad = 16  # generate larger and crop, so the periodic FFT adds no edges at the borders
    textures = oriented_textures(rng, int(size) + 2 * pad)  # shared, shifted differently in each image
    images = []
    for _ in range(int(n_images)):
        raw = dead_leaves(rng, int(size) + 2 * pad, color=color, texture=texture, textures=textures)
        if whitened:
            img = whiten(raw - raw.mean(axis=(0, 1)), f0)[pad:-pad, pad:-pad]
            img = img - img.mean()
            img *= np.sqrt(variance) / max(img.std(), 1e-12)
        else:
            img = raw[pad:-pad, pad:-pad]
        images.append(np.ascontiguousarray(img))
    names = [f"natural[{i}]" for i in range(len(images))]
    return ImageSet(images=images, names=names, source="builtin:natural", color=color)


def leaves_images(seed: int = 0, n_images: int = 10, size: int = 512, *, color: bool = False) -> ImageSet:
    """``builtin:leaves``: the dead-leaves images of ``builtin:natural`` before whitening, values in [0, 1]
    (raw pixels, as the colour exercise's patches, which are ZCA-whitened afterwards)."""
    s = natural_images(seed, n_images, size, color=color, whitened=False)
    s.source = "builtin:leaves"
    s.names = [f"leaves[{i}]" for i in range(len(s.images))]
    return s


def bars_templates(p: int = 8) -> np.ndarray:
    """(2p, p*p) ground truth: rows 0..p-1 horizontal bars (image rows), p..2p-1 vertical bars."""
    t = np.zeros((2 * p, p, p))
    for i in range(p):
        t[i, i, :] = 1
        t[p + i, :, i] = 1
    return t.reshape(2 * p, p * p)


def bars_images(seed: int = 0, n_images: int = 10000, p: int = 8, prob: float | None = None, *,
                color: bool = False) -> ImageSet:
    """``builtin:bars``: ``n_images`` binary p x p images of random bars (Foldiak 1990)."""
    p = int(p)
    prob = 1.0 / p if prob is None else float(prob)
    if p < 2 or int(n_images) < 1 or not 0 < prob < 1:
        raise DataError(f"builtin:bars: need p >= 2, n_images >= 1 and 0 < prob < 1 (got {p}, {n_images}, {prob})")
    rng = np.random.default_rng(seed)
    on = rng.random((int(n_images), 2 * p)) < prob
    imgs = (on.astype(np.float64) @ bars_templates(p) > 0).astype(np.float64).reshape(-1, p, p)
    if color:
        imgs = np.repeat(imgs[..., None], 3, axis=-1)
    return ImageSet(images=list(imgs), names=[f"bars[{i}]" for i in range(len(imgs))],
                    source="builtin:bars", color=color)


def bars_score(W1, p: int = 8, threshold: float = 0.75) -> tuple[int, int]:
    """How many of the 2p bars are matched by some filter: ``(matched, 2p)``.

    A filter (row of ``W1``, p*p weights in C order) matches the bar it correlates best with, when
    that (zero-mean, Pearson) correlation is at least ``threshold``. A filter covering two bars (a
    cross) correlates about 0.7 with each and does not count.
    """
    W = np.asarray(W1, dtype=np.float64)
    if W.ndim != 2 or W.shape[1] != p * p:
        raise DataError(f"bars_score: W1 must be (hidden, {p * p}) for {p}x{p} bars, got {W.shape}")
    T = bars_templates(p)
    Wc = W - W.mean(axis=1, keepdims=True)
    Tc = T - T.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(Wc, axis=1, keepdims=True) * np.linalg.norm(Tc, axis=1)[None, :]
    corr = (Wc @ Tc.T) / np.where(norms > 0, norms, np.inf)  # (hidden, 2p)
    best = corr.argmax(axis=1)
    good = corr[np.arange(len(W)), best] >= threshold
    return int(len(np.unique(best[good]))), 2 * p
