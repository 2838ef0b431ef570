"""Fixtures of the data tests (file builders live in datafiles.py)."""
import numpy as np
import pytest

from datafiles import shared_data_dir


@pytest.fixture
def shared_data():
    d = shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data folder {d} not present")
    return d


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
