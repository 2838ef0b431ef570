"""Settings dataclasses, the scientific spin box, and the panels' form <-> dataclass round trips."""
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator

from saegui.gui.panels import DataPanel, ModelPanel, TrainingPanel
from saegui.gui.sci_spin import SciSpinBox, format_sci
from saegui.gui.settings import DataSettings, ModelSettings, Session, TrainSettings


def test_defaults_are_the_exercise():
    s = Session()
    assert (s.data.source, s.data.patch_size, s.data.num_patches) == ("builtin:natural", 8, 10000)
    assert (s.model.hidden_size, s.model.lambda_, s.model.beta, s.model.sparsity) == (25, 1e-4, 3.0, 0.01)
    assert (s.training.optimizer, s.training.max_iter) == ("lbfgs", 400)


@pytest.mark.parametrize("bad", [dict(sparsity=0.0), dict(sparsity=1.0), dict(sparsity=float("nan")),
                                 dict(lambda_=-1e-4), dict(hidden_size=0), dict(activation="relu")])
def test_model_settings_validate(bad):
    with pytest.raises(ValueError):
        ModelSettings(**bad)


def test_session_json_round_trip():
    s = Session(DataSettings(patch_size=12, preprocessing="zca", zca_epsilon=1e-3, color=True, seed=7),
                ModelSettings(hidden_size=49, lambda_=3e-7, beta=0.1234567, sparsity=0.035, decoder="linear"),
                TrainSettings(optimizer="gd", learning_rate=2.5e-3, max_iter=33, dtype="float32"))
    assert Session.from_dict(json.loads(json.dumps(s.to_dict()))) == s


@pytest.mark.parametrize("d, word", [({"model": {"sparsity": 2}}, "sparsity"), ({"model": {"foo": 1}}, "foo"),
                                     ({"format": "other"}, "format"), ([], "object")])
def test_session_rejects_bad_input(d, word):
    with pytest.raises(ValueError, match=word):
        Session.from_dict(d)


def test_format_sci_keeps_small_values():
    assert format_sci(1e-4) == "0.0001"
    assert format_sci(3e-7) == "3e-07"
    assert float(format_sci(0.1234567)) == pytest.approx(0.1234567, rel=1e-6)


def test_sci_spin_never_rounds(qtbot):
    s = SciSpinBox(minimum=0.0, maximum=10.0)
    qtbot.addWidget(s)
    for v in (1e-4, 3e-7, 1e-12, 0.1234567, 9.999):
        s.setValue(v)
        assert s.value() == v


def test_sci_spin_typing(qtbot):
    s = SciSpinBox(minimum=0.0, maximum=1.0, value=0.5, open_min=True, open_max=True)
    qtbot.addWidget(s)
    s.show()
    s.lineEdit().selectAll()
    qtbot.keyClicks(s, "1e-4")
    qtbot.keyClick(s, Qt.Key.Key_Return)
    assert s.value() == 1e-4
    state = lambda t: s.validate(t, len(t))[0]  # noqa: E731
    assert state("0") == QValidator.State.Intermediate  # rho strictly inside (0, 1)
    assert state("1") == QValidator.State.Intermediate
    assert state("1.5") == QValidator.State.Intermediate
    assert state("abc") == QValidator.State.Invalid
    assert state("0.035") == QValidator.State.Acceptable
    assert state("3.5e-2") == QValidator.State.Acceptable
    s.setValue(0.0)
    assert 0.0 < s.value() < 1.0


def test_sci_spin_log_steps(qtbot):
    s = SciSpinBox(minimum=0.0, maximum=1.0, value=1e-4, log_step=True)
    qtbot.addWidget(s)
    s.stepBy(1)
    assert s.value() == 3e-4
    s.stepBy(1)
    assert s.value() == 1e-3
    s.stepBy(-2)
    assert s.value() == 1e-4


def test_model_panel_round_trip(qtbot):
    p = ModelPanel()
    qtbot.addWidget(p)
    for s in (ModelSettings(), ModelSettings(hidden_size=196, lambda_=3e-3, beta=3.0, sparsity=0.1),
              ModelSettings(hidden_size=7, activation="tanh", decoder="linear", lambda_=1e-4, beta=0.1234567,
                            sparsity=0.035), ModelSettings(lambda_=3e-9, sparsity=1e-5, beta=0.0)):
        p.set_settings(s)
        assert p.settings() == s


def test_lambda_1e4_survives_typing_and_round_trip(qtbot):
    p = ModelPanel()
    qtbot.addWidget(p)
    p.show()
    p.lambda_spin.setValue(0.5)
    p.lambda_spin.lineEdit().selectAll()
    qtbot.keyClicks(p.lambda_spin, "1e-4")
    qtbot.keyClick(p.lambda_spin, Qt.Key.Key_Return)
    assert p.settings().lambda_ == 1e-4
    assert p.lambda_spin.text() == "0.0001"
    again = ModelPanel()
    qtbot.addWidget(again)
    again.set_settings(Session.from_dict(json.loads(json.dumps(Session(model=p.settings()).to_dict()))).model)
    assert again.settings().lambda_ == 1e-4


def test_data_and_training_panel_round_trip(qtbot):
    d, t = DataPanel(), TrainingPanel()
    qtbot.addWidget(d)
    qtbot.addWidget(t)
    for s in (DataSettings(), DataSettings(source="/some/where.mat:IMAGES", patch_size=28, num_patches=1234,
                                           preprocessing="zca", zca_epsilon=1e-5, color=True, seed=99)):
        d.set_settings(s)
        assert d.settings() == s
    for s in (TrainSettings(), TrainSettings(optimizer="gd", max_iter=17, learning_rate=1e-3, dtype="float32")):
        t.set_settings(s)
        assert t.settings() == s


def test_object_and_accessible_names(qtbot):
    from saegui.gui.main_window import MainWindow
    w = MainWindow(restore=False, initial_source=None)
    qtbot.addWidget(w)
    from PySide6.QtWidgets import QWidget
    for name in ("startButton", "pauseButton", "stopButton", "gradCheckButton", "gradCheckResult", "hiddenSizeSpin",
                 "lambdaSpin", "betaSpin", "rhoSpin", "patchSizeSpin", "numPatchesSpin", "maxIterSpin", "progressBar",
                 "filterView", "costPlot"):
        found = w.findChild(QWidget, name)
        assert found is not None, name
        assert found.accessibleName(), name
    w.close()


def test_hidden_activations_match_the_core():
    import numpy as np

    from saegui.core import SparseAutoencoder
    from saegui.gui.train_actions import hidden_activations
    rng = np.random.default_rng(0)
    X = rng.random((50, 16))
    for act in ("sigmoid", "tanh"):
        m = SparseAutoencoder(hidden_size=5, activation=act, max_iter=2, random_state=0).fit(X)
        A = hidden_activations(act, X, m.W1, m.b1)
        np.testing.assert_allclose(A.mean(0), m.rho_hat(X), rtol=1e-10)
