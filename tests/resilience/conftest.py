"""Fixtures of the resilience tests: the bad-input corpus (built on the fly), valid files, and the
window's private settings (offscreen, no modal dialogs)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import resilience_corpus as rc  # noqa: E402


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    cases = rc.write_corpus(folder)
    return folder, {c.id: c for c in cases}


@pytest.fixture(scope="session")
def corpus(corpus_dir):
    """{case id: Case} for every bad input."""
    return corpus_dir[1]


@pytest.fixture(scope="session")
def valid(tmp_path_factory):
    """{kind: path} of one small valid file of every supported type."""
    return rc.valid_files(tmp_path_factory.mktemp("valid"))


@pytest.fixture(scope="session")
def _private_qsettings(tmp_path_factory):
    from PySide6.QtCore import QSettings
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("qsettings")))
