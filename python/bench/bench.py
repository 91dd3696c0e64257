"""brinery (Python package) against pickle / the find_class recipe / torch.

    python python/bench/bench.py [--scale 0.2] [--repeat 3]

With torch (not needed in CI): run it with a Python that has torch and
numpy and sees the brinery package, e.g. the wheel scripts/test-py.sh
built installed into that venv, or
    PYTHONPATH=<dir holding brinery/ with _brinery.abi3.so> \
        /tmp/venvs/b/bin/python python/bench/bench.py --scale 0.2 --repeat 3

Workloads: records, ints, strings and nested from scripts/bench_data.py
(the first `scale` fraction of each list), plus a state-dict-like dict of
numpy float32 arrays. For each: best-of-`repeat` wall time of
brinery.loads (default safe mode) against pickle.loads (CPU time), brinery.dumps
against pickle.dumps (bytes checked identical), the "Restricting Globals"
find_class recipe, torch.load(weights_only=True) when torch is installed,
and peak RSS growth of one load in a fresh process (brinery vs pickle).
"""

import argparse
import gc
import importlib.util
import io
import os
import pickle
import subprocess
import sys
import tempfile
import time

import brinery

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_bench_data():
    spec = importlib.util.spec_from_file_location("bench_data", os.path.join(ROOT, "scripts", "bench_data.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class RestrictedUnpickler(pickle.Unpickler):
    """The recipe from the pickle docs ("Restricting Globals")."""

    SAFE = {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "complex"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("collections", "OrderedDict"),
        ("_codecs", "encode"),  # protocol-2 pickles of bytes (numpy)
    }

    def find_class(self, module, name):
        if (module, name) in self.SAFE:
            return super().find_class(module, name)
        raise pickle.UnpicklingError("global '%s.%s' is forbidden" % (module, name))


def recipe_loads(data):
    return RestrictedUnpickler(io.BytesIO(data)).load()


def best(fn, repeat):
    """Best of `repeat` CPU times (process time: less sensitive to other
    processes on a loaded machine than wall time)."""
    t = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        t = min(t, time.process_time() - t0)
    return t


# VmHWM (peak RSS of this process image): ru_maxrss would include the
# parent's peak, which Linux carries across fork+exec.
PEAK_CHILD = r"""
import pickle, sys
import brinery
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
data = open(sys.argv[1], 'rb').read()
which = sys.argv[2]
before = hwm()
obj = (brinery.loads if which == 'brinery' else pickle.loads)(data)
print(hwm() - before)
"""


def peak_kib(data, which):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
        path = f.name
    try:
        out = subprocess.run([sys.executable, "-c", PEAK_CHILD, path, which], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())
    finally:
        os.unlink(path)


def torch_section(workloads, repeat):
    """torch.load(weights_only=True) and the find_class recipe against
    brinery.loads, on protocol-2 pickles (torch's weights-only unpickler
    reads protocols up to 2 with no FRAME; torch.save writes protocol 2)."""
    import numpy
    import torch
    import torch._weights_only_unpickler as wou

    np_globals = [numpy.ndarray, numpy.dtype, type(numpy.dtype("float32"))]
    for mod in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            np_globals.append(importlib.import_module(mod)._reconstruct)
            break
        except (ImportError, AttributeError):
            pass
    print()
    print("torch %s: protocol-2 pickles; ratio = other time / brinery.loads time" % torch.__version__)
    print("%-11s %8s | %9s | %9s %6s | %9s %6s | %9s %6s | %9s %6s" % (
        "workload", "MB", "brinery.l", "pickle.l", "ratio", "recipe.l", "ratio",
        "torch.wo", "ratio", "torch.ld", "ratio"))
    for name in ("state_dict", "records"):
        obj = workloads[name]
        data = pickle.dumps(obj, 2)
        buf = io.BytesIO()
        torch.save(obj, buf)
        saved = buf.getvalue()
        with torch.serialization.safe_globals(np_globals):
            check = wou.Unpickler(io.BytesIO(data)).load()
            assert name == "state_dict" or check == obj
            tb = best(lambda: brinery.loads(data), repeat)
            tp = best(lambda: pickle.loads(data), repeat)
            tr = best(lambda: recipe_loads(data), repeat)
            # torch's weights-only unpickler on the same bytes, and the
            # whole torch.load(weights_only=True) of torch.save(obj).
            tw = best(lambda: wou.Unpickler(io.BytesIO(data)).load(), repeat)
            tl = best(lambda: torch.load(io.BytesIO(saved), weights_only=True), repeat)
        print("%-11s %8.1f | %8.3fs | %8.3fs %6.2f | %8.3fs %6.2f | %8.3fs %6.2f | %8.3fs %6.2f" % (
            name, len(data) / 1e6, tb, tp, tp / tb, tr, tr / tb, tw, tw / tb, tl, tl / tb))
    # What torch users load: a state dict of tensors (same shapes).
    sd = {k: torch.from_numpy(a) for k, a in workloads["state_dict"].items()}
    buf = io.BytesIO()
    torch.save(sd, buf)
    raw = buf.getvalue()
    tt = best(lambda: torch.load(io.BytesIO(raw), weights_only=True), repeat)
    data = pickle.dumps(workloads["state_dict"], 2)
    tb = best(lambda: brinery.loads(data), repeat)
    print("tensor state_dict: torch.load(weights_only=True) %.3fs; brinery.loads of the numpy one %.3fs; ratio %.2f" % (
        tt, tb, tt / tb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bd = load_bench_data()
    workloads = {}
    for name in ("records", "ints", "strings", "nested"):
        obj = getattr(bd, name)()
        workloads[name] = obj[: int(len(obj) * args.scale)]
    try:
        import numpy

        rng = numpy.random.default_rng(1)
        workloads["state_dict"] = {
            "layer%d.%s" % (i, k): rng.standard_normal((256, 256) if k == "weight" else (256,)).astype("float32")
            for i in range(40)
            for k in ("weight", "bias")
        }
    except ImportError:
        print("numpy not installed: no state_dict workload")
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    v = sys.version_info
    print("CPython %d.%d.%d, scale=%s, best of %d" % (v[0], v[1], v[2], args.scale, args.repeat))
    print("%-11s %8s | %9s %9s %6s | %9s %9s %6s %4s | %9s %6s | %9s %9s" % (
        "workload", "MB", "pickle.l", "brinery.l", "ratio", "pickle.d", "brinery.d", "ratio", "same",
        "recipe.l", "ratio", "peakKiB p", "peakKiB b"))
    for name, obj in workloads.items():
        data = pickle.dumps(obj, 5)
        assert brinery.loads(data) == obj if name != "state_dict" else True
        tp = best(lambda: pickle.loads(data), args.repeat)
        tb = best(lambda: brinery.loads(data), args.repeat)
        dp = best(lambda: pickle.dumps(obj, 5), args.repeat)
        db = best(lambda: brinery.dumps(obj, 5), args.repeat)
        same = brinery.dumps(obj, 5) == data
        tr = best(lambda: recipe_loads(data), args.repeat)
        pp = peak_kib(data, "pickle")
        pb = peak_kib(data, "brinery")
        print("%-11s %8.1f | %7.1fms %7.1fms %6.2f | %7.1fms %7.1fms %6.2f %4s | %7.1fms %6.2f | %9d %9d" % (
            name, len(data) / 1e6, tp * 1e3, tb * 1e3, tp / tb, dp * 1e3, db * 1e3, dp / db, "yes" if same else "NO",
            tr * 1e3, tr / tb, pp, pb))
    if have_torch:
        torch_section(workloads, args.repeat)
    else:
        print("torch is not installed: no torch.load(weights_only=True) comparison")
    print("ratio = other time / brinery time (above 1: brinery faster)")


if __name__ == "__main__":
    main()
