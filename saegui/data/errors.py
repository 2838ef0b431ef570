"""Errors and warnings of the data layer.

Every problem with user-supplied data (a missing file, a corrupt image, a header announcing more data
than the file holds, too little variance, too much memory...) is raised as :class:`DataError`, a
``ValueError`` whose one-line message names the file (and variable) and says what is wrong, so the
command line can print it and exit with code 2, and the GUI can show it in a message box.
"""
from __future__ import annotations

__all__ = ["DataError", "DataWarning"]


class DataError(ValueError):
    """Bad input data; the message names the file (and variable) and the problem.

    Always one line: messages quoted from other libraries (numpy's header checks, scipy, Qt's image
    plugins) sometimes span several, and the command line promises a single line."""

    def __init__(self, message="", *args):
        if isinstance(message, str) and ("\n" in message or "\r" in message):
            message = " ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(message, *args)


class DataWarning(UserWarning):
    """Something was skipped or adjusted but the data is still usable (e.g. an image smaller than the patch)."""

