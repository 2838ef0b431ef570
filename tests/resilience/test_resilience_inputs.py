"""Issue 6, item 1: every bad input gives one clear DataError naming the file -- through the data
layer, the command line (in process and as a real process), with bounded memory and time."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import resilience_corpus as rc
from saegui.cli import main
from saegui.data import DataError, load_images, load_source

IDS = [case[0] for case in rc.bad_inputs()]
PYTHON = sys.executable


def assert_names_file(exc, path):
    msg = str(exc)
    assert isinstance(exc, DataError), f"{type(exc).__name__}: {msg}"
    assert path in msg, f"message does not name {path!r}: {msg}"
    assert "\n" not in msg and "Traceback" not in msg, msg
    return msg


@pytest.mark.parametrize("case_id", IDS)
def test_corpus_through_load_source(corpus, case_id):
    case = corpus[case_id]
    with pytest.raises(Exception) as info:
        load_source(case.spec)
    assert_names_file(info.value, case.path)
    with pytest.raises(DataError):
        load_images(case.spec, color=True)


@pytest.mark.parametrize("kind", rc.ALL_TYPES)
def test_every_type_loads_when_valid(valid, kind):
    """The corpus is derived from these: they must load (else the bad cases test nothing)."""
    s = load_source(str(valid[kind]))
    assert len(s.images) >= 1 and all(np.isfinite(im).all() for im in s.images)


@pytest.mark.parametrize("case_id", IDS)
def test_corpus_through_cli_in_process(corpus, case_id, capsys):
    case = corpus[case_id]
    code = main(["train", "--data", case.spec, "--max-iter", "1", "--png", "", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("saegui: error: "), err
    assert case.path in lines[0], err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("case_id", ["zero/npy", "corrupt/png", "huge/idx", "nan/mat"
                                     if "nan/mat" in IDS else "inf/mat", "mat-text/only-text"])
def test_corpus_through_cli_gradcheck(corpus, case_id, capsys):
    assert main(["gradcheck", "--data", corpus[case_id].spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and corpus[case_id].path in err, err


# A representative subset as real processes: the whole program, one line, exit code 2.  Run in
# parallel; LC_ALL=C checks that non-ASCII paths print without UnicodeEncodeError.
SUBPROCESS_IDS = ["zero/png", "truncated-half/jpg", "corrupt/tif", "huge/png", "huge/idx.gz",
                  "corrupt-deflate/idx.gz",
                  "truncated-half/mat", "corrupt/npz", "nan/npy", "mat-struct/only-struct",
                  "wrongext/text.png", "unicode-path/png"]

# Lines that Qt's image plugins write to stderr themselves (noise, filtered by the data layer
# when it installs its Qt message handler; tolerated here only if that handler is absent).
QT_NOISE = ("libpng ", "qt.gui.imageio", "qt.imageformats", "QImageIOHandler", "Corrupt JPEG")


def test_corpus_through_cli_subprocess(corpus):
    procs = {}
    for i, case_id in enumerate(SUBPROCESS_IDS):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        if case_id.startswith("unicode"):
            env.update(LC_ALL="C", LANG="C")
        procs[case_id] = subprocess.Popen(
            [PYTHON, "-m", "saegui", "train", "--data", corpus[case_id].spec, "--max-iter", "1",
             "--png", "", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if i % 4 == 3:   # at most four at a time on a small machine
            procs[case_id].wait(120)
    for case_id, p in procs.items():
        out, err = p.communicate(timeout=120)
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        assert p.returncode == 2, (case_id, out, err)
        assert "Traceback" not in err, (case_id, err)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, (case_id, err)
        assert lines[0].startswith("saegui: error: ") and corpus[case_id].path in lines[0], err


def test_undecodable_file_name_through_cli(tmp_path):
    """A file name that is not valid UTF-8 (possible on Linux) still gives one line, exit 2."""
    raw = os.fsencode(str(tmp_path)) + b"/bad\xff\xfename.png"
    with open(raw, "wb") as f:
        f.write(b"not an image")
    p = subprocess.run([PYTHON, "-m", "saegui", "train", "--data", raw, "--max-iter", "1",
                        "--png", "", "--quiet"], capture_output=True, timeout=120,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


# -- huge headers: refused before any large allocation ------------------------------------------------
PEAK_SCRIPT = r"""
import resource, sys, tracemalloc
sys.path.insert(0, {here!r})
import resilience_corpus as rc
from saegui.data import DataError, load_source
import PySide6.QtGui  # loaded before the baseline
from saegui.data import qtimage  # noqa
paths = sys.argv[1:]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
for p in paths:
    try:
        load_source(p)
        print("LOADED", p)
    except DataError as e:
        pass
    peak_py = tracemalloc.get_traced_memory()[1]
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    print(f"{{peak_py}} {{peak_rss * 1024}} {{p}}")
"""


def test_huge_headers_refused_with_small_peak_memory(corpus):
    """IDX claiming 1e9 images (raw, gzip), images claiming 100000x100000 pixels (PNG, PGM, BMP,
    TIFF, JPEG, GIF), a .npy claiming 8 TB: each is refused, and neither Python (tracemalloc) nor
    the process as a whole (peak RSS, which also sees Qt's C++ buffers) grows by more than 64 MB."""
    huge = [c for k, c in corpus.items() if k.startswith("huge/")]
    assert len(huge) >= 9
    script = PEAK_SCRIPT.format(here=os.path.dirname(__file__))
    p = subprocess.run([PYTHON, "-c", script] + [c.spec for c in huge], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert p.returncode == 0, p.stderr
    rows = [ln.split(" ", 2) for ln in p.stdout.splitlines()]
    assert not [r for r in rows if r[0] == "LOADED"], p.stdout
    assert len(rows) == len(huge), p.stdout
    for peak_py, peak_rss, path in rows:
        assert int(peak_py) < 64 << 20, (path, peak_py)
        assert int(peak_rss) < 64 << 20, (path, peak_rss)


def test_huge_header_message_says_memory(corpus):
    for kind in ("png", "tif", "gif", "idx.gz"):
        with pytest.raises(DataError, match="memory") as info:
            load_source(corpus[f"huge/{kind}"].spec)
        assert_names_file(info.value, corpus[f"huge/{kind}"].path)
    for kind in ("idx", "npy"):   # the raw file is too short for its header: said before reading
        with pytest.raises(DataError, match="truncated"):
            load_source(corpus[f"huge/{kind}"].spec)


# -- other inputs of the corpus ----------------------------------------------------------------------
def test_constant_images_refused_by_preprocessing(tmp_path, capsys):
    from saegui.pipeline import prepare
    path = tmp_path / "flat.npy"
    np.save(path, np.full((2, 32, 32), 0.5))
    assert len(load_source(str(path)).images) == 2          # loading a constant image is fine
    for pre in ("exercise", "zca", "pca", "scale"):
        with pytest.raises(DataError) as info:
            prepare(str(path), 8, 100, pre)
        assert str(path) in str(info.value) or "flat.npy" in str(info.value), str(info.value)
    assert main(["train", "--data", str(path), "--max-iter", "1", "--png", "", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "flat.npy" in err, err


def test_valid_files_under_odd_paths(tmp_path):
    """Spaces and non-ASCII characters in folder and file names do not matter to a valid file."""
    folder = tmp_path / "mes données" / "日本 語"
    folder.mkdir(parents=True)
    for kind in rc.ALL_TYPES:
        p = folder / f"é {rc.FILE_NAMES[kind]}"
        p.write_bytes(rc.valid_bytes(kind))
        assert len(load_source(str(p)).images) >= 1, kind
    s = load_images(folder)
    assert len(s.images) == 6 + 5 * 3 and not s.skipped


def test_wrong_extension_but_valid_content_loads(tmp_path):
    """The kind is decided by content where a magic number exists: a .npy named .png, a .mat named
    .dat, a PNG named .jpg all load."""
    pairs = {"npy": "a.png", "mat": "b.dat", "png": "c.jpg", "idx.gz": "d.bin", "idx": "e.bin"}
    for kind, name in pairs.items():
        p = tmp_path / name
        p.write_bytes(rc.valid_bytes(kind))
        assert len(load_source(str(p)).images) >= 1, (kind, name)


def test_folder_of_3000_non_image_files(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    for i in range(3000):
        (folder / f"doc_{i:04d}.txt").write_text(f"line {i}\n")
    t0 = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_images(folder)
    took = time.perf_counter() - t0
    msg = assert_names_file(info.value, str(folder))
    assert "no images" in msg and "3000" in msg
    assert took < 20, f"scanning 3000 files took {took:.1f} s"
    # One image among them: it loads, and the 3000 others are listed as skipped.
    (folder / "zz.png").write_bytes(rc.valid_bytes("png"))
    s = load_images(folder)
    assert len(s.images) == 1 and len(s.skipped) == 3000
    assert main(["train", "--data", str(folder), "--patch-size", "4", "--num-patches", "50",
                 "--hidden-size", "4", "--max-iter", "2", "--png", "", "--quiet"]) == 0


def test_folder_of_only_bad_files_through_cli(corpus_dir, capsys):
    folder = corpus_dir[0] / "corrupt"
    assert main(["train", "--data", str(folder), "--max-iter", "1", "--png", "", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no images" in err and str(folder) in err, err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading "
                           "(test_unreadable_file_simulated covers the message)")
def test_unreadable_file_chmod(tmp_path, capsys):
    p = tmp_path / "locked.png"
    p.write_bytes(rc.valid_bytes("png"))
    p.chmod(0)
    try:
        with pytest.raises(DataError, match="permission denied") as info:
            load_source(str(p))
        assert_names_file(info.value, str(p))
        assert main(["train", "--data", str(p), "--png", "", "--quiet"]) == 2
        assert "permission denied" in capsys.readouterr().err
    finally:
        p.chmod(0o644)


def test_unreadable_file_simulated(tmp_path, monkeypatch, capsys):
    """As root, simulate EACCES at the OS level (every open of that path in Python fails)."""
    import builtins
    import io
    p = tmp_path / "locked é.mat"
    p.write_bytes(rc.valid_bytes("mat"))
    real_open, real_io_open = builtins.open, io.open

    def guarded(opener):
        def fake(file, *a, **kw):
            if isinstance(file, (str, bytes, os.PathLike)) and os.fsdecode(file) == str(p):
                raise PermissionError(13, "Permission denied", str(p))
            return opener(file, *a, **kw)
        return fake

    monkeypatch.setattr(builtins, "open", guarded(real_open))
    monkeypatch.setattr(io, "open", guarded(real_io_open))
    with pytest.raises(DataError, match="permission denied") as info:
        load_source(str(p))
    assert_names_file(info.value, str(p))
    assert main(["train", "--data", str(p), "--png", "", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "permission denied" in err


def test_missing_and_folder_specs(tmp_path, capsys):
    for spec in (str(tmp_path / "nope.png"), str(tmp_path / "nope.mat") + ":IMAGES",
                 str(tmp_path) + ":IMAGES", "builtin:nothing", ""):
        assert main(["train", "--data", spec, "--png", "", "--quiet"]) == 2, spec
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("saegui: error: "), (spec, err)


def test_cli_turns_an_unexpected_exception_into_one_line(monkeypatch, capsys):
    """A bug (not bad input) below the command line: one line, exit code 1, no traceback --
    SAEGUI_DEBUG=1 re-raises for developers."""
    import saegui.pipeline

    def broken(*a, **k):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(saegui.pipeline, "prepare", broken)
    monkeypatch.delenv("SAEGUI_DEBUG", raising=False)
    assert main(["train", "--png", "", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: something nobody expected" in err, err
    monkeypatch.setenv("SAEGUI_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["train", "--png", "", "--quiet"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_named_pipe_and_devices_do_not_hang(tmp_path):
    """A FIFO (given directly, or lying in a folder of images) must not block the loader forever
    waiting for a writer; devices are refused.  Run as processes with a timeout, so a hang fails
    the test instead of the suite."""
    folder = tmp_path / "with pipe"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "a.png").write_bytes(rc.valid_bytes("png"))
    code = ("import sys\nfrom saegui.data import DataError, load_source\n"
            "try:\n    s = load_source(sys.argv[1]); print('LOADED', len(s.images), len(s.skipped))\n"
            "except DataError as e:\n    print('DataError', e)\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    procs = {spec: subprocess.Popen([PYTHON, "-c", code, spec], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env)
             for spec in (str(folder / "pipe"), str(folder), "/dev/zero", "/dev/urandom")}
    results, deadline = {}, time.monotonic() + 20
    for spec, p in procs.items():
        try:
            out, err = p.communicate(timeout=max(0.1, deadline - time.monotonic()))
            results[spec] = out.strip() or err.strip()
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            results[spec] = "HANG"
    assert results[str(folder / "pipe")].startswith("DataError"), results
    assert results[str(folder)].startswith("LOADED 1 1"), results   # the pipe skipped, listed
    assert all(r.startswith("DataError") for k, r in results.items() if k.startswith("/dev")), results


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland display variables")
def test_no_display_is_a_message_not_an_abort():
    """`saegui` on a machine without a display: one line, exit 2 -- not Qt's SIGABRT."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    p = subprocess.run([PYTHON, "-m", "saegui"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 2, (p.returncode, p.stderr[-500:])
    assert p.stderr.count("\n") == 1 and "no display" in p.stderr and "saegui train" in p.stderr


def test_npy_with_an_oversized_header_is_one_line(tmp_path, capsys):
    """numpy refuses headers over 10000 bytes with a three-line message: still one line for us.
    (Found by the thorough hypothesis run: a bit flip in a .npy header's length field.)"""
    data = bytearray(rc.valid_bytes("npy"))
    data[8:10] = (10107).to_bytes(2, "little")
    path = tmp_path / "img.npy"
    path.write_bytes(bytes(data) + b" " * 10200)
    with pytest.raises(DataError) as info:
        load_source(str(path))
    assert_names_file(info.value, str(path))
    assert main(["train", "--data", str(path), "--png", "", "--quiet"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_image_library_noise_is_caught_but_other_output_is_not_lost(tmp_path):
    """While an image decodes, file descriptor 2 is captured (libpng and libtiff print there
    themselves): their lines are quoted in the DataError, and what another thread prints meanwhile
    still reaches stderr."""
    data = bytearray(rc.valid_bytes("png"))
    data[60] ^= 0xFF                                  # a broken chunk: libpng complains
    (tmp_path / "b.png").write_bytes(bytes(data))
    (tmp_path / "c.tif").write_bytes(rc._corrupt("tif", rc.valid_bytes("tif")))
    code = f"""
import os, sys, threading, time
from saegui.data import DataError, load_source
stop = threading.Event()
def chatter():
    n = 0
    while not stop.is_set():
        os.write(2, b"HELLO-%d\\n" % n); n += 1; time.sleep(0.0005)
    print("SENT", n)
t = threading.Thread(target=chatter); t.start()
msgs = set()
for i in range(200):
    for name in ("b.png", "c.tif"):
        try:
            load_source(os.path.join({str(tmp_path)!r}, name))
        except DataError as e:
            msgs.add(str(e).split(": ", 1)[1])
stop.set(); t.join()
print("MSGS", sorted(msgs))
"""
    p = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert p.returncode == 0, p.stderr[-2000:]
    sent = int(next(ln for ln in p.stdout.splitlines() if ln.startswith("SENT")).split()[1])
    hellos = [ln for ln in p.stderr.splitlines() if ln.startswith("HELLO-")]
    others = [ln for ln in p.stderr.splitlines() if ln.strip() and not ln.startswith("HELLO-")]
    assert len(hellos) == sent, (len(hellos), sent)   # nothing the other thread wrote is lost
    assert not others, others[:5]                     # and no libpng/libtiff line got through
    assert "libpng" in p.stdout, p.stdout             # it is quoted in the message instead
