"""saegui.data: files -> images -> patches -> preprocessed rows; built-in data; presets.

numpy/scipy only at import time. Qt's image readers are imported lazily inside the image-file decoder
(:mod:`saegui.data.qtimage`), so ``import saegui.data`` loads no PySide6.
"""
from .errors import DataError, DataWarning
from .imageset import ImageSet
from .loaders import load_images, load_source

__all__ = ["DataError", "DataWarning", "ImageSet", "load_images", "load_source"]
