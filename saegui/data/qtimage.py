"""Decode image files (PNG, JPEG, BMP, TIFF, PGM/PPM, GIF, WebP...) with Qt's ``QImageReader``.

PySide6.QtGui is imported inside :func:`read_image_file` only, so that ``import saegui.data`` loads no
Qt; decoding needs no ``QApplication``. The size in the header is checked against the memory budget
before any pixel is decoded. Alpha is ignored (the colour channels are used as stored, not
composited). GIFs give their first frame. 8-bit data is scaled by 1/255, 16-bit by 1/65535.
"""
from __future__ import annotations

import os
import struct
import sys
import threading

import numpy as np

from .errors import DataError
from .imageset import finish_image
from .memory import check_memory, memory_budget

__all__ = ["read_image_file"]


def _truncated(path: str, size: int) -> str | None:
    """Why the file is cut short, or None. Qt decodes a truncated BMP, JPEG or GIF without an error
    (filling the rest), and libpng prints to stderr, so these are checked before decoding."""
    with open(path, "rb") as f:
        head = f.read(6)
        if len(head) == 6 and head[:2] == b"BM":
            declared = struct.unpack("<I", head[2:6])[0]
            return "truncated BMP file (the header announces more bytes than the file holds)" \
                if declared > size else None
        if head[:2] == b"\xff\xd8":
            f.seek(0)
            data = f.read()
            # The main image's entropy-coded data follows its last SOS (FFDA) and ends with EOI (FFD9).
            if data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
                return "truncated JPEG file (the image data ends before the end-of-image marker)"
        if head[:6] == b"\x89PNG\r\n":
            f.seek(8)
            if not _png_complete(f, size):
                return "truncated PNG file (it ends before the IEND chunk)"
        if head[:3] == b"GIF":
            f.seek(0)
            if not _gif_first_frame_complete(f.read()):
                return "truncated GIF file (the first frame's data is incomplete)"
    return None


def _png_complete(f, size: int) -> bool:
    """Walk the PNG chunks (length, type, data, CRC) to IEND without reading the data.

    Checked before decoding because libpng reports a truncated file by printing to stderr."""
    pos = 8
    while pos + 8 <= size:
        f.seek(pos)
        length, kind = struct.unpack(">I4s", f.read(8))
        pos += 12 + length
        if kind == b"IEND":
            return pos <= size
    return False


def _gif_first_frame_complete(data: bytes) -> bool:
    """Walk the GIF blocks up to the end of the first image's data; False if the file ends first."""
    n = len(data)
    if n < 13:
        return False
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)

    def skip_sub_blocks(pos):
        while pos < n and data[pos]:
            pos += data[pos] + 1
        return pos + 1 if pos < n else None

    while pos is not None and pos < n:
        kind = data[pos]
        if kind == 0x21 and pos + 1 < n:  # extension: label, sub-blocks
            pos = skip_sub_blocks(pos + 2)
        elif kind == 0x2C and pos + 10 <= n:  # image descriptor, local palette, code size, sub-blocks
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            return pos <= n and skip_sub_blocks(pos) is not None
        else:
            return False
    return False


def _pixels(img, bytes_per_pixel: int, dtype) -> np.ndarray:
    """Copy the pixel rows of a QImage (dropping the padding at the end of each line)."""
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    rows = buf[:, : w * bytes_per_pixel].copy()
    return rows.view(dtype).reshape(h, w, -1)


def _to_array(img) -> np.ndarray:
    """QImage -> float64 (H, W) or (H, W, 3) in [0, 1]."""
    from PySide6.QtGui import QImage

    F = QImage.Format
    fmt = img.format()
    if fmt == F.Format_Grayscale16:
        return _pixels(img, 2, np.uint16)[:, :, 0] / 65535.0
    deep = img.depth() > 32 or fmt in (F.Format_RGB30, F.Format_BGR30, F.Format_A2RGB30_Premultiplied,
                                       F.Format_A2BGR30_Premultiplied)
    if deep:
        rgba = _pixels(img.convertToFormat(F.Format_RGBA64), 8, np.uint16)
        return rgba[:, :, :3] / 65535.0
    if fmt == F.Format_Grayscale8 or (fmt in (F.Format_Indexed8, F.Format_Mono, F.Format_MonoLSB)
                                      and img.isGrayscale()):
        return _pixels(img.convertToFormat(F.Format_Grayscale8), 1, np.uint8)[:, :, 0] / 255.0
    rgba = _pixels(img.convertToFormat(F.Format_RGBA8888), 4, np.uint8)
    return rgba[:, :, :3] / 255.0


class _QtWarnings:
    """Collect the image plugins' warnings (libpng, libjpeg, libtiff) during a read instead of letting
    them print, so a bad file gives one line; other messages go on to the previous handler.

    libpng's *error* callback and libtiff's handlers print with fprintf(stderr), past Qt's message
    handler, so file descriptor 2 itself points into a pipe for the duration of the decode. The
    redirect is process-wide: a thread reads the pipe, keeps the libraries' lines and passes every
    other line (another thread's output) on to the real stderr at once. It reads until end of file,
    which comes only when no write to the pipe is left in progress: a line another thread was
    writing when fd 2 was restored is passed on too (with a file instead of a pipe, such a line
    was lost about once in 2000 reads while a thread wrote every 0.5 ms).
    """

    _lock = threading.Lock()   # one capture at a time: fd 2 and the Qt handler are process-wide

    def __enter__(self):
        from PySide6.QtCore import qInstallMessageHandler

        self._lock.acquire()
        self.messages = []

        def handler(mode, context, message):
            category = getattr(context, "category", "") or ""
            if category.startswith(("qt.gui.imageio", "qt.imageformats")) or message.startswith("libpng"):
                self.messages.append(message.strip().strip('"'))
            elif self.previous is not None:
                self.previous(mode, context, message)
            else:
                sys.stderr.write(message + "\n")

        self.previous = qInstallMessageHandler(handler)
        self._saved_fd = self._reader = None
        try:
            sys.stderr.flush()
            r, w = os.pipe()
        except (OSError, ValueError, AttributeError):  # no usable stderr (embedded, closed): skip it
            return self
        try:
            self._saved_fd = os.dup(2)
            os.dup2(w, 2)
        except OSError:                                # no fd 2 to capture: skip it
            if self._saved_fd is not None:
                os.close(self._saved_fd)
            self._saved_fd = None
            os.close(r)
            return self
        finally:
            os.close(w)                                # fd 2 is now the write end's only descriptor
        self._reader = threading.Thread(target=self._pump, args=(r, self._saved_fd), daemon=True,
                                        name="saegui-stderr")
        self._reader.start()
        return self

    def __exit__(self, *exc):
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(self.previous)
        if self._saved_fd is not None:
            os.dup2(self._saved_fd, 2)          # the pipe's last write descriptor goes: end of file
            # A child process started meanwhile by another thread keeps the pipe open: then stop
            # waiting; the reader passes its output on and closes the saved descriptor itself.
            self._reader.join(timeout=2.0)
        self._lock.release()

    def _pump(self, r, out_fd):
        """Read the pipe to its end: the libraries' lines into ``messages``, other lines to ``out_fd``."""
        pending = b""
        try:
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                self._route(lines, out_fd)
            if pending:
                self._route([pending], out_fd, newline=b"")
        except OSError:
            pass
        finally:
            os.close(r)
            os.close(out_fd)

    def _route(self, lines, out_fd, newline=b"\n"):
        other = []
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if line and line.startswith(_LIBRARY_PREFIXES):
                self.messages.append(line)
            elif line:
                other.append(raw + newline)
        if other:
            try:
                os.write(out_fd, b"".join(other))
            except OSError:
                pass


# What libpng, libtiff (Qt names its TIFF client "foo") and libjpeg print themselves.
_LIBRARY_PREFIXES = ("libpng", "foo:", "TIFF", "JPEG", "Corrupt JPEG", "Premature end of JPEG",
                     "Invalid JPEG", "Not a JPEG", "Bogus", "Unsupported")


def read_image_file(path, *, color: bool = False) -> np.ndarray:
    """Decode one image file into float64 (H, W) (gray, Rec. 601 luma) or (H, W, 3) (``color=True``).

    Raises :class:`DataError` naming the file for anything Qt cannot read, a truncated file, or an
    image whose decoded size would exceed the memory budget. Qt's own warnings about the file are
    not printed; the last one is quoted in the error.
    """
    path = os.fspath(path)
    error = None
    with _QtWarnings() as warnings:
        try:
            img = _read(path, color)
        except DataError as e:
            error = e
    if error is not None:    # the libraries' messages are all in once the capture has ended
        if warnings.messages and str(error).endswith("(Unable to read image data)"):
            raise DataError(str(error).replace("Unable to read image data", warnings.messages[-1])) from None
        raise error
    return finish_image(_to_array(img), color=color, where=path)


def _read(path: str, color: bool):
    from PySide6.QtGui import QImageReader

    size = os.path.getsize(path)
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if not reader.canRead():
        raise DataError(f"{path}: not an image file Qt can read ({reader.errorString()})")
    dims = reader.size()
    channels = 3 if color else 1
    if dims.isValid():
        w, h = dims.width(), dims.height()
        if w <= 0 or h <= 0:
            raise DataError(f"{path}: image header gives an invalid size {w}x{h}")
        # Qt's own buffer (up to 8 bytes/pixel) plus our float64 copy.
        check_memory(w * h * (8 + 8 * channels + 8), path, f"decoding a {w}x{h} image")
    problem = _truncated(path, size)
    if problem:
        raise DataError(f"{path}: {problem}")
    old_limit = QImageReader.allocationLimit()
    QImageReader.setAllocationLimit(max(old_limit, memory_budget() >> 20))
    try:
        img = reader.read()
    finally:
        QImageReader.setAllocationLimit(old_limit)
    if img.isNull():
        raise DataError(f"{path}: truncated or corrupt image ({reader.errorString()})")
    return img
