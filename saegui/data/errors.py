"""Errors and warnings of the data layer.

Every problem with user-supplied data (a missing file, a corrupt image, a header announcing more data
than the file holds, too little variance, too much memory...) is raised as :class:`DataError`, a
``ValueError`` whose one-line message names the file (and variable) and says what is wrong, so the
command line can print it and exit with code 2, and the GUI can show it in a message box.
"""
from __future__ import annotations

__all__ = ["DataError", "DataWarning"]


class DataError(ValueError):
    """Bad input data; the message names the file (and variable) and the problem."""


class DataWarning(UserWarning):
    """Something was skipped or adjusted but the data is still usable (e.g. an image smaller than the patch)."""

