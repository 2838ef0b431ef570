"""The control panels on the left of the main window."""
from .data_panel import DataPanel
from .model_panel import ModelPanel
from .training_panel import TrainingPanel

__all__ = ["DataPanel", "ModelPanel", "TrainingPanel"]
