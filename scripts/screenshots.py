#!/usr/bin/env python
"""Write the README screenshots: the main window after training on the built-in natural images, and the
unit inspector. Run from the repository root:

    python scripts/screenshots.py [--iterations 400] [--out resources/screenshots]

Runs offscreen unless QT_QPA_PLATFORM is set, with private settings (your QSettings are not touched).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=400, help="L-BFGS iterations (the exercise: 400)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "resources", "screenshots"))
    ap.add_argument("--unit", type=int, default=None, help="unit shown in the inspector (default: the most selective)")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="saegui-shots-"))

    import numpy as np

    from saegui.gui.app import make_app
    from saegui.gui.dialogs import RecordingDialogs
    from saegui.gui.main_window import MainWindow

    app = make_app(sys.argv[:1])
    dialogs = RecordingDialogs()
    win = MainWindow(dialogs=dialogs, restore=False)
    win.resize(1280, 800)
    win.show()

    def pump(seconds=0.0, until=None, timeout=600.0):
        end = time.monotonic() + (timeout if until else seconds)
        while time.monotonic() < end:
            app.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.01)
        return until is None

    pump(until=lambda: win.X is not None, timeout=60)
    win.training_panel.max_iter_spin.setValue(args.iterations)
    t0 = time.monotonic()
    win.training_panel.start_button.click()
    if not pump(until=lambda: win.worker is None, timeout=900):
        print("training did not finish", file=sys.stderr)
        return 1
    print(f"trained {win.model.n_iter_} iterations in {time.monotonic() - t0:.1f} s ({win.model.stop_reason_})")
    win.training_panel.grad_button.click()
    pump(until=lambda: win.grad_worker is None, timeout=300)
    if dialogs.messages:
        print("messages:", dialogs.messages, file=sys.stderr)
        return 1

    os.makedirs(args.out, exist_ok=True)
    win.tabs.setCurrentIndex(0)
    unit = args.unit
    if unit is None:  # the unit whose activation is most peaked (largest max / mean)
        A = win._activations[0]
        unit = int(np.argmax(A.max(0) / np.maximum(A.mean(0), 1e-12)))
    win.inspect_unit(unit)
    pump(0.5)
    main_png = os.path.join(args.out, "main_window.png")
    insp_png = os.path.join(args.out, "unit_inspector.png")
    win.grab().save(main_png)
    win.inspector.grab().save(insp_png)
    print("wrote", os.path.normpath(main_png), "and", os.path.normpath(insp_png))
    win.model_saved = True
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
