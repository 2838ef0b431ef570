"""Model panel: architecture and the three weights of the cost J = rec + λ/2·ΣW² + β·ΣKL(ρ‖ρ̂)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..sci_spin import SciSpinBox
from ..settings import ACTIVATIONS, DECODERS, ModelSettings
from ..text import RHO_HAT, RHO_HAT_J
from .common import combo, group, int_spin, named, set_combo, signals_blocked

PRESET_LABELS = (
    ("", "Custom"),
    ("natural", "Natural images · 8×8 · 25 hidden"),
    ("mnist", "MNIST digits · 28×28 · 196 hidden"),
    ("bars", "Bars · 8×8"),
    ("color", "Colour features · linear decoder · ZCA"),
)

ACTIVATION_LABELS = {"sigmoid": "Sigmoid  1/(1+e⁻ᶻ)", "tanh": "tanh"}
DECODER_LABELS = {"sigmoid": "Sigmoid", "tanh": "tanh", "linear": "Linear (a₃ = z₃)"}


class ModelPanel(QWidget):
    presetRequested = Signal(str)
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        box, form = group("Model")
        self.preset_combo = named(combo(PRESET_LABELS), "presetCombo", "Preset",
                                  "Settings of the exercises: data, patch size, architecture and cost weights.")
        self.preset_combo.activated.connect(self._on_preset)
        form.addRow("Preset", self.preset_combo)

        self.hidden_spin = named(int_spin(1, 10000, 25), "hiddenSizeSpin", "Hidden units",
                                 "Number of hidden units s₂ (one filter each). The exercise: 25 for 8×8 natural "
                                 "patches, 196 for 28×28 MNIST digits.")
        self.activation_combo = named(combo([(k, ACTIVATION_LABELS[k]) for k in ACTIVATIONS]), "activationCombo",
                                      "Hidden activation",
                                      "Activation f of the hidden layer. The notes use the sigmoid; with tanh, " + RHO_HAT + " is "
                                      "measured on (a+1)/2.")
        self.decoder_combo = named(combo([(k, DECODER_LABELS[k]) for k in DECODERS]), "decoderCombo", "Decoder",
                                   "Output layer. Sigmoid needs inputs in (0, 1) (the exercise's preprocessing); "
                                   "linear suits whitened or colour data.")
        form.addRow("Hidden units", self.hidden_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Decoder", self.decoder_combo)

        self.lambda_spin = named(SciSpinBox(minimum=0.0, maximum=1e3, value=1e-4, log_step=True),
                                 "lambdaSpin", "Weight decay lambda",
                                 "<b>λ, weight decay</b>: the term (λ/2)·Σ W² of J keeps the weights small and "
                                 "prevents overfitting. Typical: 1e-4 (natural images), 3e-3 (MNIST, colour).")
        self.beta_spin = named(SciSpinBox(minimum=0.0, maximum=1e3, value=3.0, single_step=0.5),
                               "betaSpin", "Sparsity weight beta",
                               "<b>β, sparsity weight</b>: multiplies the sparsity penalty β·Σⱼ KL(ρ‖" + RHO_HAT_J + "). "
                               "Typical: 3 (natural images, MNIST, colour features).")
        self.rho_spin = named(SciSpinBox(minimum=0.0, maximum=1.0, value=0.01, open_min=True, open_max=True,
                                         log_step=True),
                              "rhoSpin", "Sparsity target rho",
                              "<b>ρ, sparsity target</b>: desired mean activation of each hidden unit, strictly "
                              "between 0 and 1; enters J through KL(ρ‖" + RHO_HAT_J + "). Typical: 0.01 (natural images), "
                              "0.1 (MNIST), 0.035 (colour features).")
        form.addRow("λ  weight decay", self.lambda_spin)
        form.addRow("β  sparsity weight", self.beta_spin)
        form.addRow("ρ  sparsity target", self.rho_spin)

        self.cost_label = QLabel("J = ½‖h(x)−x‖² + λ/2·ΣW² + β·Σ<sub>j</sub> KL(ρ‖" + RHO_HAT_J + ")")
        self.cost_label.setStyleSheet("color: #555;")
        self.cost_label.setWordWrap(True)
        form.addRow(self.cost_label)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)

        for w in (self.hidden_spin, self.lambda_spin, self.beta_spin, self.rho_spin):
            w.valueChanged.connect(self._on_edit)
        for w in (self.activation_combo, self.decoder_combo):
            w.currentIndexChanged.connect(self._on_edit)

    def settings(self) -> ModelSettings:
        for w in (self.hidden_spin, self.lambda_spin, self.beta_spin, self.rho_spin):
            w.interpretText()  # take text typed but not yet confirmed
        return ModelSettings(hidden_size=self.hidden_spin.value(), activation=self.activation_combo.currentData(),
                             decoder=self.decoder_combo.currentData(), lambda_=self.lambda_spin.value(),
                             beta=self.beta_spin.value(), sparsity=self.rho_spin.value())

    def set_settings(self, s: ModelSettings, preset: str = "") -> None:
        with signals_blocked(self.hidden_spin, self.activation_combo, self.decoder_combo, self.lambda_spin,
                             self.beta_spin, self.rho_spin):
            self.hidden_spin.setValue(s.hidden_size)
            set_combo(self.activation_combo, s.activation)
            set_combo(self.decoder_combo, s.decoder)
            self.lambda_spin.setValue(s.lambda_)
            self.beta_spin.setValue(s.beta)
            self.rho_spin.setValue(s.sparsity)
        self.set_preset_label(preset)
        self.changed.emit()

    def set_preset_label(self, name: str) -> None:
        i = self.preset_combo.findData(name)
        self.preset_combo.setCurrentIndex(max(i, 0))

    def _on_preset(self, index):
        name = self.preset_combo.itemData(index)
        if name:
            self.presetRequested.emit(name)

    def _on_edit(self):
        self.preset_combo.setCurrentIndex(0)
        self.changed.emit()
