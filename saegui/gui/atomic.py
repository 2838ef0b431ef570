"""Files the window writes (sessions, cost CSV, PNG) go to a temporary file beside the target and are
renamed over it only when complete: a full disk or a crash never leaves a half-written file behind."""
from __future__ import annotations

import os
import tempfile


def atomic_write(path, write, binary: bool = False) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``path`` (text mode, UTF-8, unless ``binary``),
    then rename it over ``path``. On any error the temporary is removed and the error re-raised."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".saegui-", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        kw = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, "wb" if binary else "w", **kw) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_save_qimage(qimage, path, fmt="PNG") -> bool:
    """QImage.save through a temporary file; False if Qt could not write it."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".saegui-", suffix=".png", dir=folder)
    os.close(fd)
    try:
        if not qimage.save(tmp, fmt):
            return False
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
