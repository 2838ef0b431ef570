"""``import saegui.data`` (and patches/preprocessing) must not load PySide6: Qt is only imported by the
image-file decoder, when an image file is actually read."""
import subprocess
import sys


def test_import_loads_no_qt(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "import saegui.data, saegui.data.patches, saegui.data.preprocess, saegui.data.presets\n"
        "s = saegui.data.load_source('builtin:bars')\n"
        f"np.save(r'{tmp_path}/a.npy', np.zeros((4, 4)) + np.arange(4))\n"
        f"saegui.data.load_images(r'{tmp_path}/a.npy')\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
