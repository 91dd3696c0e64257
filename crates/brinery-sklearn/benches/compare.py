"""brinery-sklearn against scikit-learn, in the same run: batch prediction
of 100,000 rows and single-row latency for LogisticRegression,
RandomForestClassifier (100 trees) and HistGradientBoostingClassifier.

    python crates/brinery-sklearn/benches/compare.py   (from the repo root,
    with scikit-learn installed: scripts/requirements-sklearn.txt)

Fits the models on generated data, saves them with joblib, times
scikit-learn, then runs the Rust side (examples/bench.rs, release build)
on the same files and checks that its outputs equal scikit-learn's.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import joblib
import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

ROWS = 100_000
root = os.path.dirname(os.path.abspath(__file__))
d = tempfile.mkdtemp(prefix="brinery-sk-bench-")
X, y = make_classification(n_samples=20_000, n_features=20, n_informative=10,
                           n_classes=3, random_state=0)
rng = np.random.RandomState(1)
Xt = rng.normal(size=(ROWS, 20)) * X.std(axis=0) + X.mean(axis=0)
np.save(os.path.join(d, "X.npy"), Xt)
models = {
    "logreg": (LogisticRegression(max_iter=500), "predict_proba"),
    "rf100": (RandomForestClassifier(n_estimators=100, random_state=0), "predict_proba"),
    "hgb": (HistGradientBoostingClassifier(random_state=0), "predict_proba"),
}
py = {}
for name, (est, method) in models.items():
    est.fit(X, y)
    joblib.dump(est, os.path.join(d, name + ".joblib"))
    with open(os.path.join(d, name + ".method"), "w") as f:
        f.write(method)
    f = getattr(est, method)
    best = best_cpu = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        c = time.process_time()
        out = f(Xt)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    np.save(os.path.join(d, name + ".py.npy"), out)
    row = Xt[:1]
    n = 200
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f(row)
        ts.append(time.perf_counter() - t)
    ts.sort()
    py[name] = {"batch_s": best, "batch_cpu_s": best_cpu, "single_s": ts[n // 2]}
py_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

manifest = os.path.abspath(os.path.join(root, "..", "Cargo.toml"))
subprocess.run(["cargo", "build", "--release", "-q", "--manifest-path", manifest,
                "--example", "bench"], check=True)
target = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps",
                                    "--manifest-path", manifest], check=True,
                                   capture_output=True, text=True).stdout)["target_directory"]
proc = subprocess.Popen([os.path.join(target, "release", "examples", "bench"), d],
                        stdout=subprocess.PIPE, text=True)
stdout = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
if status != 0:
    sys.exit("bench failed")
rs = {}
for line in stdout.splitlines():
    r = json.loads(line)
    rs[r["name"]] = r
rust_rss = rs["_peak"]["vmhwm_mb"]

print("scikit-learn %s, numpy %s, %d rows x 20 features, %d cores" %
      (sklearn.__version__, np.__version__, ROWS, os.cpu_count()))
print("load average at start: %.1f" % os.getloadavg()[0])
print("%-7s %11s %11s %7s %11s %11s %7s %11s %13s %6s %8s" % (
    "model", "sk wall", "brinery", "ratio", "sk CPU", "brinery", "ratio",
    "sk 1 row", "brinery 1 row", "ratio", "max rel"))
ok = True
for name in models:
    a = np.load(os.path.join(d, name + ".py.npy"))
    b = np.load(os.path.join(d, name + ".rust.npy"))
    rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1.0)))
    ok = ok and rel <= 1e-12
    p, r = py[name], rs[name]
    # /proc CPU times tick at 10 ms: below that the ratio is not measurable
    cr = p["batch_cpu_s"] / r["batch_cpu_s"] if r["batch_cpu_s"] >= 0.05 else float("nan")
    print("%-7s %9.0fms %9.0fms %6.2fx %9.0fms %9.0fms %6.2fx %9.1fus %11.2fus %5.0fx %8.1e" % (
        name, p["batch_s"] * 1e3, r["batch_s"] * 1e3, p["batch_s"] / r["batch_s"],
        p["batch_cpu_s"] * 1e3, r["batch_cpu_s"] * 1e3, cr,
        p["single_s"] * 1e6, r["single_s"] * 1e6, p["single_s"] / r["single_s"], rel))
print("peak RSS: python+scikit-learn %.0f MB (all three models), brinery bench %.0f MB (VmHWM)" % (py_rss, rust_rss))
print("ratios are scikit-learn time / brinery time (higher is better for brinery);")
print("batch: best of 3 by wall clock and by process CPU time (all threads);")
print("1 row: median wall time of 200 (scikit-learn) / 2000 (brinery) calls")
shutil.rmtree(d)
if not ok:
    sys.exit("outputs differ by more than 1e-12 relative")
