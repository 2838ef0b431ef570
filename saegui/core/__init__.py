"""The numeric core of saegui: numpy and scipy only, never Qt.

Native API: ``SparseAutoencoder`` (examples as rows), ``Objective`` (cost and gradient),
``minimize`` (optimisers with progress/stop hooks), ``filter_mosaic``.  Starter-code API (the
exercise's names and column layouts): ``initialize_parameters``, ``sparse_autoencoder_cost``,
``compute_numerical_gradient``, ``sample_images``, ``display_network``.
"""
from .estimator import SparseAutoencoder
from .gradcheck import GradCheckResult, Interrupted, compute_numerical_gradient
from .model import Objective, initialize_theta, unpack
from .mosaic import display_network, filter_mosaic, unit_norm_rows
from .train import Progress, TrainResult, minimize
from .ufldl import initialize_parameters, sample_images, sparse_autoencoder_cost

__all__ = [
    "SparseAutoencoder", "Objective", "Progress", "TrainResult", "GradCheckResult", "Interrupted",
    "minimize", "initialize_theta", "unpack", "filter_mosaic", "unit_norm_rows",
    "initialize_parameters", "sparse_autoencoder_cost", "compute_numerical_gradient",
    "sample_images", "display_network",
]
