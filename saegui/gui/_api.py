"""The few data-layer names the window uses, resolved lazily (package level first, then submodules).

Keeps the window's imports light at start-up and tolerant of where the data layer exports them.
"""
from __future__ import annotations

import importlib

FALLBACK_PRESETS = {
    "natural": dict(patch_size=8, num_patches=10000, hidden_size=25, lambda_=1e-4, beta=3.0, sparsity=0.01,
                    decoder="sigmoid", preprocessing="exercise", color=False, data="builtin:natural"),
    "mnist": dict(patch_size=28, num_patches=10000, hidden_size=196, lambda_=3e-3, beta=3.0, sparsity=0.1,
                  decoder="sigmoid", preprocessing="scale", color=False, data=None),
    "bars": dict(patch_size=8, num_patches=10000, hidden_size=16, lambda_=1e-4, beta=3.0, sparsity=0.05,
                 decoder="sigmoid", preprocessing="exercise", color=False, data="builtin:bars"),
    "color": dict(patch_size=8, num_patches=20000, hidden_size=100, lambda_=3e-3, beta=5.0, sparsity=0.035,
                  decoder="linear", preprocessing="zca", color=True, data="builtin:natural"),
}


def _get(name: str, *modules: str):
    import saegui.data as pkg
    if hasattr(pkg, name):
        return getattr(pkg, name)
    for m in modules:
        try:
            mod = importlib.import_module(f"saegui.data.{m}")
        except ImportError:
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
    raise ImportError(f"saegui.data has no {name}")


def load_source(spec, **kw):
    return _get("load_source", "loaders")(spec, **kw)


def sample_patches(images, patch_size, num_patches, seed=0):
    return _get("sample_patches", "patches")(images, patch_size, num_patches, seed=seed)


def make_preprocessor(name, **kw):
    return _get("make_preprocessor", "preprocess")(name, **kw)


def data_error():
    return _get("DataError", "errors")


def presets() -> dict:
    try:
        p = _get("PRESETS", "presets")
        return {k: dict(v) for k, v in p.items()}
    except ImportError:
        return {k: dict(v) for k, v in FALLBACK_PRESETS.items()}
