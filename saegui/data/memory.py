"""Memory estimates: refuse a load or an allocation before it happens, not after the machine swaps.

``memory_budget()`` is a share (default half) of the RAM currently available, read from
``/proc/meminfo`` (MemAvailable) or ``os.sysconf`` and falling back to 4 GiB when neither is known.
The environment variable ``SAEGUI_MEMORY_LIMIT`` (bytes, or with a K/M/G suffix) overrides it, which is
how tests and users on shared machines can set a hard cap.
"""
from __future__ import annotations

import os

from .errors import DataError

__all__ = ["available_memory", "memory_budget", "check_memory", "format_bytes"]

BUDGET_SHARE = 0.5
_FALLBACK = 4 << 30


def available_memory() -> int:
    """Bytes of RAM available now (MemAvailable), or a conservative guess when it cannot be read."""
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return _FALLBACK


def _parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    return int(float(number) * scale)


def memory_budget() -> int:
    """Largest number of bytes the data layer will allocate for one load or one patch matrix."""
    env = os.environ.get("SAEGUI_MEMORY_LIMIT")
    if env:
        try:
            return max(1, _parse_size(env))
        except ValueError:
            pass
    return int(available_memory() * BUDGET_SHARE)


def format_bytes(n: float) -> str:
    """Human-readable size, e.g. ``'1.5 GB'``."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def check_memory(nbytes: float, where: str, what: str) -> None:
    """Raise :class:`DataError` if ``nbytes`` exceeds :func:`memory_budget`.

    ``where`` names the file (or source) and ``what`` the thing to be allocated, e.g. ``"10 images 512x512"``.
    """
    budget = memory_budget()
    if nbytes > budget:
        raise DataError(
            f"{where}: {what} would need {format_bytes(nbytes)} of memory, more than the "
            f"{format_bytes(budget)} allowed (half of the available RAM; set SAEGUI_MEMORY_LIMIT to change)"
        )
