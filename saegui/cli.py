"""The ``saegui`` command: the window (no arguments), ``train`` and ``gradcheck``.

Bad input never shows a traceback: it prints one line ``saegui: error: ...`` naming the file or
option and exits with code 2.  Ctrl+C during training stops it and keeps (and saves) the model.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time

DESCRIPTION = """A workbench for sparse autoencoders (the "Sparse autoencoder" lecture notes).
Without a command, opens the window on the built-in natural images."""

EPILOG = """examples:
  saegui                                   open the window
  saegui train                             train on builtin:natural, write filters.png
  saegui train --data IMAGES.mat --out model.npz --png filters.png
  saegui train --data t10k-images-idx3-ubyte.gz --preset mnist
  saegui train --patches rows.npy --chunk-size 65536   a (m, n) matrix larger than RAM
  saegui gradcheck --hidden-size 5 --num-patches 100 --mode full
data: a file (image, .mat, .mat:VARIABLE, .npy, .npz, MNIST IDX[.gz]), a folder of images,
      or builtin:natural / builtin:leaves / builtin:bars."""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _float(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _add_model_options(p):
    d = p.add_argument_group("data")
    d.add_argument("--data", default=None, metavar="PATH",
                   help="images to train on (default: the preset's, else builtin:natural)")
    d.add_argument("--patches", default=None, metavar="ROWS.npy",
                   help="train on a ready matrix of rows (examples, inputs) instead of --data: "
                        "memory-mapped, so it may be larger than RAM; used without preprocessing")
    d.add_argument("--preset", choices=("natural", "mnist", "bars", "color"), default=None,
                   help="the exercise settings for that data; explicit options override it")
    d.add_argument("--patch-size", type=_positive_int, help="patch side in pixels (default 8)")
    d.add_argument("--num-patches", type=_positive_int, help="patches to sample (default 10000)")
    d.add_argument("--sampling", choices=("random", "grid"),
                   help="random positions, or every non-overlapping patch (default random)")
    d.add_argument("--preprocessing", choices=("exercise", "zca", "pca", "scale", "none"),
                   help="default exercise: patch mean removed, clip 3 std, map to [0.1, 0.9]")
    d.add_argument("--zca-epsilon", type=_float, help="ZCA regulariser (default 0.1)")
    d.add_argument("--pca-components", type=_positive_int, help="PCA dimensions kept")
    d.add_argument("--color", action="store_true", default=None, help="colour patches (p x p x 3)")
    m = p.add_argument_group("model")
    m.add_argument("--hidden-size", type=_positive_int, help="hidden units (default 25)")
    m.add_argument("--lambda", dest="lambda_", type=_float, metavar="LAMBDA",
                   help="weight decay (default 1e-4)")
    m.add_argument("--beta", type=_float, help="sparsity weight (default 3)")
    m.add_argument("--rho", dest="sparsity", type=_float, metavar="RHO",
                   help="target activation (default 0.01)")
    m.add_argument("--activation", choices=("sigmoid", "tanh"), help="hidden units (default sigmoid)")
    m.add_argument("--decoder", choices=("sigmoid", "tanh", "linear"), help="output units (default sigmoid)")
    m.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="precision of training (float32 is about twice as fast)")
    m.add_argument("--seed", type=int, default=0, help="data sampling and initialisation seed")


DEFAULTS = dict(data="builtin:natural", patch_size=8, num_patches=10000, sampling="random",
                preprocessing="exercise", zca_epsilon=0.1, pca_components=None, color=False,
                hidden_size=25, lambda_=1e-4, beta=3.0, sparsity=0.01, activation="sigmoid",
                decoder="sigmoid")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows '(default: X)' only where there is a default the help does not already give."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return text
        return super()._get_help_string(action)


def build_parser():
    parser = argparse.ArgumentParser(prog="saegui", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("gui", help="open the window (the default)")
    t = sub.add_parser("train", help="train a model and write it and its filters",
                       formatter_class=_HelpFormatter)
    _add_model_options(t)
    o = t.add_argument_group("training")
    o.add_argument("--optimizer", choices=("lbfgs", "cg", "gd"), default="lbfgs",
                   help="L-BFGS, nonlinear conjugate gradient, or the notes' gradient descent")
    o.add_argument("--max-iter", type=int, default=400, help="iterations")
    o.add_argument("--learning-rate", type=_float, default=0.5, help="alpha of gradient descent")
    o.add_argument("--lbfgs-memory", type=_positive_int, default=None,
                   help="L-BFGS corrections kept (default: the model's, 20)")
    o.add_argument("--chunk-size", type=_positive_int, default=None,
                   help="examples per chunk, to bound memory on huge data (default: automatic)")
    o.add_argument("--out", default=None, metavar="MODEL.npz", help="write the trained model")
    o.add_argument("--png", default="filters.png", help="write the filter mosaic ('' to skip)")
    o.add_argument("--png-scale", type=_positive_int, default=8, help="pixels per weight in the PNG")
    o.add_argument("--quiet", action="store_true", help="no progress line")
    g = sub.add_parser("gradcheck", help="check backpropagation against numerical gradients",
                       formatter_class=_HelpFormatter)
    _add_model_options(g)
    g.add_argument("--mode", choices=("fast", "full"), default="fast",
                   help="fast: a subset of examples and coordinates; full: every parameter")
    return parser


def _settings(args):
    """Defaults, then the preset, then what the user typed."""
    values = dict(DEFAULTS)
    if args.preset:
        from .data.presets import PRESETS
        values.update({k: v for k, v in PRESETS[args.preset].items() if k in DEFAULTS})
    for key in DEFAULTS:
        typed = getattr(args, key, None)
        if typed is not None:
            values[key] = typed
    if not values["data"] and not getattr(args, "patches", None):
        raise ValueError(f"the {args.preset} preset needs your data: add --data PATH")
    return values


def _prepare(values, seed, args):
    from .pipeline import load_patch_rows, prepare
    if args.patches:
        return load_patch_rows(args.patches)
    return prepare(values["data"], values["patch_size"], values["num_patches"],
                   values["preprocessing"], values["color"], seed, values["zca_epsilon"],
                   values["pca_components"], values["sampling"])


def _model(values, args, **extra):
    import numpy as np

    from .core import SparseAutoencoder
    return SparseAutoencoder(values["hidden_size"], values["lambda_"], values["beta"],
                             values["sparsity"], values["activation"], values["decoder"],
                             dtype=np.dtype(args.dtype), random_state=args.seed, **extra)


class _ProgressLine:
    """``iter 120/400  cost 0.51234  41.2 it/s  ETA 7 s`` on stderr: redrawn in place at most 10
    times a second on a terminal, a new line every 2 s otherwise (logs, pipes)."""

    def __init__(self, quiet):
        self.quiet, self.tty, self.last = quiet, sys.stderr.isatty(), 0.0

    def __call__(self, p):
        now = time.perf_counter()
        final = p.iteration == p.max_iter
        if self.quiet or (now - self.last < (0.1 if self.tty else 2.0) and not final):
            return
        self.last = now
        rate = p.iteration / p.elapsed if p.elapsed > 0 else 0.0
        eta = (p.max_iter - p.iteration) / rate if rate > 0 else 0.0
        line = (f"iter {p.iteration}/{p.max_iter}  cost {p.cost:.5f}  "
                f"{rate:.1f} it/s  ETA {eta:.0f} s")
        sys.stderr.write(f"\r{line}   " if self.tty else line + "\n")
        sys.stderr.flush()


def _check_output(path, option):
    """Refuse an output path that cannot be written before training, not after it."""
    if not path:
        return
    if os.path.isdir(path):
        raise ValueError(f"{option} {path}: is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: cannot write in {folder} (permission denied)")


def _train(args):
    values = _settings(args)
    if args.max_iter < 0:
        raise ValueError(f"--max-iter must be >= 0, got {args.max_iter}")
    _check_output(args.out, "--out")
    _check_output(args.png, "--png")
    extra = dict(optimizer=args.optimizer, max_iter=args.max_iter,
                 learning_rate=args.learning_rate, chunk_size=args.chunk_size)
    if args.lbfgs_memory:
        extra["lbfgs_memory"] = args.lbfgs_memory
    model = _model(values, args, **extra)           # validates the hyperparameters first
    t0 = time.perf_counter()
    prepared = _prepare(values, args.seed, args)
    print(f"data: {args.patches or values['data']}: {prepared.summary()} ({time.perf_counter() - t0:.1f} s)")
    model.input_shape = prepared.input_shape
    model.preprocessing = prepared.preprocessor.state()

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *a: stop.set())
    try:
        model.fit(prepared.X, callback=_ProgressLine(args.quiet), interrupt=stop.is_set)
    finally:
        signal.signal(signal.SIGINT, previous)
    if not args.quiet and sys.stderr.isatty():
        sys.stderr.write("\n")
    h = model.history_
    took = h["elapsed"][-1] if len(h["elapsed"]) else 0.0
    if model.n_iter_:
        print(f"trained {model.n_iter_} iterations in {took:.1f} s ({model.stop_reason_}): "
              f"cost {h['cost'][-1]:.6g} = reconstruction {h['reconstruction'][-1]:.6g} + "
              f"weight decay {h['weight_decay'][-1]:.6g} + sparsity {h['sparsity'][-1]:.6g}")
    else:
        print(f"no iterations run ({model.message_})")
    if model.stop_reason_ == "diverged":
        print(f"warning: {model.message_}", file=sys.stderr)
    rho = model.rho_hat(prepared.X)
    print(f"mean activation rho_hat: {rho.mean():.4f} (target {values['sparsity']}); "
          f"dead units: {int((rho < 1e-6).sum())} of {len(rho)}")
    if values["data"] == "builtin:bars":
        from .data.synthetic import bars_score
        matched, total = bars_score(prepared.preprocessor.effective_filters(model.W1),
                                    values["patch_size"])
        print(f"bars recovered: {matched} of {total}")
    if args.out:
        model.save(args.out)
        print(f"model written to {args.out}")
    if args.png:
        from .core import filter_mosaic
        from .core.io import write_png
        filters = prepared.preprocessor.effective_filters(model.W1)
        write_png(args.png, filter_mosaic(filters, prepared.input_shape), args.png_scale)
        print(f"filters written to {args.png}")
    return 0


def _gradcheck(args):
    values = _settings(args)
    model = _model(values, args)
    prepared = _prepare(values, args.seed, args)
    t0 = time.perf_counter()
    from .core import Interrupted
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *a: stop.set())
    try:
        result = model.check_gradient(prepared.X, mode=args.mode, interrupt=stop.is_set)
    except Interrupted:
        print(f"saegui: gradient check interrupted after {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, previous)
    print(f"{result.summary()} ({time.perf_counter() - t0:.1f} s)")
    return 0 if result.passed else 1


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "gui"):
        if sys.platform.startswith("linux") and not any(
                os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
            # Qt would abort the process (SIGABRT) with a page about platform plugins.
            print("saegui: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
                  "not set); use 'saegui train' on the command line, or set QT_QPA_PLATFORM=offscreen",
                  file=sys.stderr)
            return 2
        from .gui import run_app
        return run_app(sys.argv[:1])
    try:
        return _train(args) if args.command == "train" else _gradcheck(args)
    except KeyboardInterrupt:  # Ctrl+C while data is read (training itself stops and saves)
        print("saegui: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:   # DataError is a ValueError
        print(f"saegui: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("saegui: error: not enough memory; use fewer patches or a smaller model",
              file=sys.stderr)
        return 2
    except Exception as exc:   # a bug, not bad input: still one line (SAEGUI_DEBUG=1: traceback)
        if os.environ.get("SAEGUI_DEBUG"):
            raise
        print(f"saegui: error: unexpected {type(exc).__name__}: {exc} (a bug in saegui; "
              "SAEGUI_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
