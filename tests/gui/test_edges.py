"""Extreme but valid settings: the views cope."""
import pytest

from saegui.gui.settings import DataSettings, ModelSettings, Session, TrainSettings


@pytest.mark.parametrize("data, model, training", [
    (dict(patch_size=2, num_patches=10), dict(hidden_size=1), dict(max_iter=1, optimizer="gd")),
    (dict(patch_size=5, num_patches=30), dict(hidden_size=3, activation="tanh", decoder="tanh", lambda_=0.0,
                                              beta=0.0), dict(max_iter=3, optimizer="cg", dtype="float32")),
    (dict(patch_size=8, num_patches=200, preprocessing="none"), dict(hidden_size=2, decoder="linear",
                                                                      sparsity=0.999), dict(max_iter=2)),
])
def test_extreme_settings_train_and_inspect(qtbot, window, dialogs, wait_data, data, model, training):
    w = window
    src = w.data_settings.source
    w.apply_session(Session(DataSettings(source=src, **data), ModelSettings(**model), TrainSettings(**training)))
    w.ensure_data()
    assert wait_data(w) and w.ensure_data(), dialogs.messages
    assert w.start_training()
    qtbot.waitUntil(lambda: w.worker is None, timeout=20000)
    assert w.model is not None and w.filter_view.image() is not None
    w.inspect_unit(0)
    assert w.inspector.index == 0
    w.filter_view.set_normalization("tile")
    assert not [m for m in dialogs.messages if m[0] == "error"], dialogs.messages
