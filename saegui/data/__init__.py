"""saegui.data: files -> images -> patches -> preprocessed rows; built-in data; presets.

numpy/scipy only at import time. Qt's image readers are imported lazily inside the image-file decoder
(:mod:`saegui.data.qtimage`), so ``import saegui.data`` loads no PySide6.
"""
from .errors import DataError, DataWarning
from .imageset import ImageSet
from .loaders import load_images, load_source
from .patches import grid_patches, sample_images_exercise, sample_patches
from .preprocess import make_preprocessor, preprocessor_from_state
from .presets import DEFAULT_PRESET, PRESETS, get_preset
from .synthetic import bars_images, bars_score, bars_templates, leaves_images, natural_images

BUILTINS = {"natural": natural_images, "leaves": leaves_images, "bars": bars_images}

__all__ = [
    "DataError", "DataWarning", "ImageSet", "load_images", "load_source",
    "sample_patches", "grid_patches", "sample_images_exercise",
    "make_preprocessor", "preprocessor_from_state",
    "natural_images", "leaves_images", "bars_images", "bars_templates", "bars_score", "BUILTINS",
    "PRESETS", "DEFAULT_PRESET", "get_preset",
]
