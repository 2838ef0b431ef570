"""Builders for every file type the data tests need (no binary fixtures are committed).

Imported by the tests as ``datafiles`` (tests/data is on sys.path under pytest's default import mode)."""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np


def shared_data_dir() -> Path:
    """../shared/data next to the repository, or $SAEGUI_SHARED_DATA."""
    env = os.environ.get("SAEGUI_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def qimage_from_array(a: np.ndarray, fmt_name: str):
    """numpy array -> QImage of the named format (Grayscale8/16, RGB888, RGBA8888, RGBA64)."""
    from PySide6.QtGui import QImage

    fmt = getattr(QImage.Format, "Format_" + fmt_name)
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    bpl = a.strides[0]
    img = QImage(a.tobytes(), w, h, bpl, fmt)
    return img.copy()


def save_qimage(img, path: Path, quality: int = -1) -> Path:
    assert img.save(str(path), None, quality), f"Qt could not write {path}"
    return path


def gif_bytes(frames: list, palette: np.ndarray) -> bytes:
    """A GIF89a with a 256-colour global palette; each frame (h, w) uint8 palette indices.

    LZW is written the lazy way: 9-bit literal codes only, with a clear code every 200 pixels so the
    code table never grows past 9 bits.
    """
    h, w = frames[0].shape
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + palette.astype(np.uint8).tobytes())
    for idx in frames:
        out += b"," + struct.pack("<HHHHB", 0, 0, w, h, 0) + bytes([8])
        codes = []
        for i, px in enumerate(idx.ravel()):
            if i % 200 == 0:
                codes.append(256)
            codes.append(int(px))
        codes.append(257)
        bits = nbits = 0
        data = bytearray()
        for c in codes:
            bits |= c << nbits
            nbits += 9
            while nbits >= 8:
                data.append(bits & 255)
                bits >>= 8
                nbits -= 8
        if nbits:
            data.append(bits & 255)
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            out += bytes([len(chunk)]) + chunk
        out += b"\0"
    out += b";"
    return bytes(out)


def write_gif(path: Path, frames: list, palette: np.ndarray) -> Path:
    path.write_bytes(gif_bytes(frames, palette))
    return path


def idx_bytes(arr: np.ndarray, type_code: int = 0x08, dtype=">u1") -> bytes:
    """IDX file content: magic (0, 0, type, ndim), big-endian dims, big-endian data."""
    arr = np.asarray(arr)
    head = bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(dtype).tobytes()


def write_idx(path: Path, arr: np.ndarray, gz: bool = False, **kw) -> Path:
    data = idx_bytes(arr, **kw)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def png_with_size(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR announces width x height (with a valid CRC) but holds one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0"))
                     + chunk(b"IEND", b""))
    return path
