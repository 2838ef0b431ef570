"""Data panel: where patches come from and how they are prepared."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..sci_spin import SciSpinBox
from ..settings import PREPROCESSING_LABELS, PREPROCESSINGS, DataSettings
from .common import combo, group, int_spin, named, set_combo, signals_blocked

BUILTIN_LABELS = {"builtin:natural": "Natural images (built-in)",
                  "builtin:leaves": "Leaves, raw pixels (built-in)",
                  "builtin:bars": "Bars (built-in)"}
BUILTIN_TIPS = {
    "builtin:natural": "Whitened dead-leaves images, like the exercise's IMAGES.mat (for the exercise's "
                       "preprocessing and the sigmoid decoder).",
    "builtin:leaves": "The same dead-leaves images before whitening, pixels in [0, 1] (gray or colour): for "
                      "preprocessing that whitens itself, e.g. ZCA in the colour preset.",
    "builtin:bars": "Földiák's bars: small images of random horizontal and vertical bars.",
}


def source_label(spec: str) -> str:
    if spec in BUILTIN_LABELS:
        return BUILTIN_LABELS[spec]
    path, _, var = spec.partition(".mat:") if ".mat:" in spec else (spec, "", "")
    name = os.path.basename(path.rstrip("/\\")) or path
    if var:
        return f"{name}.mat : {var}"
    return name + ("/" if os.path.isdir(spec) else "")


class DataPanel(QWidget):
    sourceRequested = Signal(str)      # the user picked another source in the combo
    openFileRequested = Signal()
    openFolderRequested = Signal()
    changed = Signal()                 # sampling / preprocessing settings changed

    def __init__(self, parent=None):
        super().__init__(parent)
        box, form = group("Data")
        self.source_combo = named(combo([(k, v) for k, v in BUILTIN_LABELS.items()]), "sourceCombo", "Data source",
                                  "Where the training patches come from: a built-in image set, an image file, "
                                  "a folder of images, a .mat or an IDX (MNIST) file. You can also drop files "
                                  "or folders onto the window.")
        for i, spec in enumerate(BUILTIN_LABELS):
            self.source_combo.setItemData(i, BUILTIN_TIPS[spec], Qt.ItemDataRole.ToolTipRole)
        self.source_combo.activated.connect(self._on_source_activated)
        self.open_file_button = named(QPushButton("Open file…"), "openFileButton", "Open data file",
                                      "Open an image, .mat, .npy or IDX file (Ctrl+O)")
        self.open_folder_button = named(QPushButton("Open folder…"), "openFolderButton", "Open image folder",
                                        "Use every image in a folder")
        self.open_file_button.clicked.connect(self.openFileRequested)
        self.open_folder_button.clicked.connect(self.openFolderRequested)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.open_file_button)
        buttons.addWidget(self.open_folder_button)
        form.addRow("Source", self.source_combo)
        form.addRow("", _wrap(buttons))

        self.patch_size_spin = named(int_spin(2, 128, 8), "patchSizeSpin", "Patch size",
                                     "Side p of the square patches (p×p pixels; ×3 for colour). "
                                     "The exercise uses 8 (64 inputs); MNIST uses 28.")
        self.patch_size_spin.setSuffix(" px")
        self.num_patches_spin = named(int_spin(10, 1_000_000, 10000, 1000), "numPatchesSpin", "Number of patches",
                                      "How many random patches m to sample. The exercise uses 10000.")
        self.preprocessing_combo = named(combo([(k, PREPROCESSING_LABELS[k]) for k in PREPROCESSINGS]),
                                         "preprocessingCombo", "Preprocessing",
                                         "<b>Exercise</b>: remove each patch's mean, clip to ±3σ and squash into "
                                         "[0.1, 0.9] (for the sigmoid decoder).<br><b>ZCA</b>: whiten (for the "
                                         "linear decoder and colour features).<br><b>Scale</b>: divide into [0, 1].")
        self.epsilon_spin = named(SciSpinBox(minimum=1e-12, maximum=1e6, value=0.1, log_step=True, open_min=False),
                                  "zcaEpsilonSpin", "ZCA epsilon",
                                  "ε added to the eigenvalues before whitening; larger ε = less noise amplification "
                                  "(typical 0.01–0.1).")
        self.color_check = named(QCheckBox("Colour (RGB patches)"), "colorCheck", "Colour patches",
                                 "Keep the three colour channels: each patch has 3·p·p inputs.")
        self.seed_spin = named(int_spin(0, 2**31 - 1, 0), "seedSpin", "Random seed",
                               "Seed for patch sampling and weight initialisation (same seed, same run).")
        form.addRow("Patch size", self.patch_size_spin)
        form.addRow("Patches", self.num_patches_spin)
        form.addRow("Preprocess", self.preprocessing_combo)
        form.addRow("ZCA ε", self.epsilon_spin)
        form.addRow("", self.color_check)
        form.addRow("Seed", self.seed_spin)

        self.summary = QLabel("No data loaded")
        self.summary.setObjectName("dataSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #444;")
        form.addRow(self.summary)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)

        self._source = "builtin:natural"
        for w in (self.patch_size_spin, self.num_patches_spin, self.seed_spin):
            w.valueChanged.connect(self.changed)
        self.epsilon_spin.valueChanged.connect(self.changed)
        self.color_check.toggled.connect(self.changed)
        self.preprocessing_combo.currentIndexChanged.connect(self._update_enabled)
        self.preprocessing_combo.currentIndexChanged.connect(self.changed)
        self._update_enabled()

    # -- settings round trip ---------------------------------------------------------------------
    def settings(self) -> DataSettings:
        for w in (self.patch_size_spin, self.num_patches_spin, self.epsilon_spin, self.seed_spin):
            w.interpretText()  # take text typed but not yet confirmed
        return DataSettings(source=self._source, patch_size=self.patch_size_spin.value(),
                            num_patches=self.num_patches_spin.value(),
                            preprocessing=self.preprocessing_combo.currentData(),
                            zca_epsilon=self.epsilon_spin.value(), color=self.color_check.isChecked(),
                            seed=self.seed_spin.value())

    def set_settings(self, s: DataSettings) -> None:
        with signals_blocked(self.patch_size_spin, self.num_patches_spin, self.preprocessing_combo,
                             self.epsilon_spin, self.color_check, self.seed_spin):
            self.set_source(s.source)
            self.patch_size_spin.setValue(s.patch_size)
            self.num_patches_spin.setValue(s.num_patches)
            set_combo(self.preprocessing_combo, s.preprocessing)
            self.epsilon_spin.setValue(s.zca_epsilon)
            self.color_check.setChecked(s.color)
            self.seed_spin.setValue(s.seed)
        self._update_enabled()
        self.changed.emit()

    @property
    def source(self) -> str:
        return self._source

    def set_source(self, spec: str) -> None:
        """Show ``spec`` as the current source (adding it to the list if new)."""
        self._source = spec
        i = self.source_combo.findData(spec)
        if i < 0:
            self.source_combo.addItem(source_label(spec), spec)
            i = self.source_combo.count() - 1
            self.source_combo.setItemData(i, spec, Qt.ItemDataRole.ToolTipRole)
        self.source_combo.setCurrentIndex(i)

    def forget_source(self, spec: str) -> None:
        """Drop a file or folder that failed to load from the list (built-ins stay)."""
        i = self.source_combo.findData(spec)
        if i >= 0 and spec not in BUILTIN_LABELS and spec != self._source:
            self.source_combo.removeItem(i)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def _on_source_activated(self, index):
        spec = self.source_combo.itemData(index)
        # show the old source until the window has loaded the new one
        self.set_source(self._source)
        if spec != self._source:
            self.sourceRequested.emit(spec)

    def _update_enabled(self):
        self.epsilon_spin.setEnabled(self.preprocessing_combo.currentData() == "zca")


def _wrap(layout) -> QWidget:
    w = QWidget()
    w.setLayout(layout)
    return w
