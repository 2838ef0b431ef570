"""How much memory the core may use: refuse an allocation before it happens, not after the swap.

The budget is the data layer's rule, read here too because the core does not import the data layer:
``$SAEGUI_MEMORY_LIMIT`` (bytes, or with a K/M/G/T suffix) if set, else half of the RAM available now.
"""
from __future__ import annotations

import os


def memory_budget():
    """Bytes one training run or one file read may allocate."""
    env = os.environ.get("SAEGUI_MEMORY_LIMIT", "").strip().upper().rstrip("B")
    if env:
        try:
            scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(env[-1], 1)
            return max(1, int(float(env[:-1] if scale > 1 else env) * scale))
        except ValueError:
            pass
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (AttributeError, ValueError, OSError):
        return 2 << 30


def format_bytes(n):
    """Human-readable size, e.g. ``'1.5 GB'``."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
