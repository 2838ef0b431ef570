"""All the knobs of the window as frozen, validated dataclasses.

The panels render these by hand-written forms; a session is ``Session.to_dict()`` as JSON and QSettings
stores the same JSON text. Validation happens in ``__post_init__`` so an invalid value can never reach the
core from the window (the spin boxes refuse them as typed; a session file that contains one is refused
as a whole with a message that names the field).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields

ACTIVATIONS = ("sigmoid", "tanh")
DECODERS = ("sigmoid", "tanh", "linear")
OPTIMIZERS = ("lbfgs", "cg", "gd")
OPTIMIZER_LABELS = {"lbfgs": "L-BFGS", "cg": "Conjugate gradient", "gd": "Gradient descent"}
DTYPES = ("float64", "float32")
PREPROCESSINGS = ("exercise", "zca", "scale", "none")
PREPROCESSING_LABELS = {
    "exercise": "Exercise (±3σ → [0.1, 0.9])",
    "zca": "ZCA whitening",
    "scale": "Scale to [0, 1]",
    "none": "None",
}


def _check(cond: bool, name: str, msg: str) -> None:
    if not cond:
        raise ValueError(f"{name}: {msg}")


def _int_in(value, name: str, lo: int, hi: int, hi_text: str | None = None) -> None:
    _check(isinstance(value, int) and lo <= value <= hi, name,
           f"must be an integer in {lo}..{hi_text or hi}")


def _one_of(value, name: str, choices) -> None:
    _check(value in choices, name, f"must be one of {', '.join(choices)}")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class DataSettings:
    source: str = "builtin:natural"
    patch_size: int = 8
    num_patches: int = 10000
    preprocessing: str = "exercise"
    zca_epsilon: float = 0.1
    color: bool = False
    seed: int = 0

    def __post_init__(self):
        _check(isinstance(self.source, str) and self.source.strip() != "", "source", "must be a non-empty text")
        _int_in(self.patch_size, "patch_size", 2, 128)
        _int_in(self.num_patches, "num_patches", 10, 1_000_000)
        _one_of(self.preprocessing, "preprocessing", PREPROCESSINGS)
        _check(_finite(self.zca_epsilon) and self.zca_epsilon > 0, "zca_epsilon", "must be a positive number")
        _check(isinstance(self.color, bool), "color", "must be true or false")
        _int_in(self.seed, "seed", 0, 2**31 - 1, "2^31-1")


@dataclass(frozen=True)
class ModelSettings:
    hidden_size: int = 25
    activation: str = "sigmoid"
    decoder: str = "sigmoid"
    lambda_: float = 1e-4
    beta: float = 3.0
    sparsity: float = 0.01

    def __post_init__(self):
        _int_in(self.hidden_size, "hidden_size", 1, 10000)
        _one_of(self.activation, "activation", ACTIVATIONS)
        _one_of(self.decoder, "decoder", DECODERS)
        _check(_finite(self.lambda_) and self.lambda_ >= 0, "lambda_", "must be a number >= 0")
        _check(_finite(self.beta) and self.beta >= 0, "beta", "must be a number >= 0")
        _check(_finite(self.sparsity) and 0 < self.sparsity < 1, "sparsity", "must be strictly between 0 and 1")


@dataclass(frozen=True)
class TrainSettings:
    optimizer: str = "lbfgs"
    max_iter: int = 400
    learning_rate: float = 0.5
    dtype: str = "float64"

    def __post_init__(self):
        _one_of(self.optimizer, "optimizer", OPTIMIZERS)
        _int_in(self.max_iter, "max_iter", 1, 1_000_000)
        _check(_finite(self.learning_rate) and self.learning_rate > 0, "learning_rate", "must be a positive number")
        _one_of(self.dtype, "dtype", DTYPES)


@dataclass(frozen=True)
class Session:
    data: DataSettings = field(default_factory=DataSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    training: TrainSettings = field(default_factory=TrainSettings)

    FORMAT = "saegui-session"
    VERSION = 1

    def to_dict(self) -> dict:
        return {"format": self.FORMAT, "version": self.VERSION,
                "data": dataclasses.asdict(self.data),
                "model": dataclasses.asdict(self.model),
                "training": dataclasses.asdict(self.training)}

    @classmethod
    def from_dict(cls, d) -> "Session":
        """Build from a (JSON) dict; missing keys take defaults, unknown keys or bad values raise ValueError."""
        if not isinstance(d, dict):
            raise ValueError("a session must be a JSON object")
        if d.get("format", cls.FORMAT) != cls.FORMAT:
            raise ValueError(f"not a saegui session (format {d.get('format')!r})")
        parts = {}
        for key, klass in (("data", DataSettings), ("model", ModelSettings), ("training", TrainSettings)):
            sub = d.get(key, {})
            if not isinstance(sub, dict):
                raise ValueError(f"{key}: must be a JSON object")
            parts[key] = _build(klass, sub, key)
        return cls(**parts)


def _build(klass, values: dict, section: str):
    known = {f.name: f for f in fields(klass)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{section}: unknown setting(s) {', '.join(unknown)}")
    kw = {}
    for name, value in values.items():
        default = getattr(klass(), name)
        # JSON has one number type: accept 3 for 3.0, and 1e4 for an integer field only if it is whole.
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float) and value.is_integer():
            value = int(value)
        kw[name] = value
    try:
        return klass(**kw)
    except ValueError as e:
        raise ValueError(f"{section}.{e}") from None


def replace(obj, **changes):
    return dataclasses.replace(obj, **changes)
