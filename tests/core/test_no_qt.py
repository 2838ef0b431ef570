"""The core never imports Qt: it must run (and be tested) on machines without a display stack."""
import subprocess
import sys


def _loaded_after(statement):
    code = (f"import sys; {statement}; "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6', 'saegui.gui'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_core_imports_no_qt():
    assert _loaded_after("import saegui.core; saegui.core.SparseAutoencoder().get_params()") == ""


def test_core_training_loads_no_qt():
    stmt = ("import numpy as np, saegui.core as c; "
            "c.SparseAutoencoder(3, max_iter=2).fit(np.random.default_rng(0).random((20, 4)))")
    assert _loaded_after(stmt) == ""
