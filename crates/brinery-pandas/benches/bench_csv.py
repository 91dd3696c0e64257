"""Benchmark: a 1,000,000-row x 8-column DataFrame pickle -> CSV,
`brine export big.pkl out.csv` against `pd.read_pickle` + `df.to_csv`
in the same run; wall time and peak memory (ru_maxrss of each child).

    python crates/brinery-pandas/benches/bench_csv.py target/release/brine

Needs pandas (3.x) with pyarrow. The pickle is generated in a temp dir,
never committed. Both outputs are compared byte for byte.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

N = 1_000_000


def make(path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "i64": rng.integers(-(10**9), 10**9, N),
            "i32": rng.integers(0, 1000, N).astype("int32"),
            "f64": rng.random(N),
            "f32": rng.random(N).astype("float32"),
            "s": pd.Series(["name%d" % (i % 5000) for i in range(N)]),
            "ts": pd.date_range("2020-01-01", periods=N, freq="s", tz="Europe/Berlin"),
            "cat": pd.Categorical(rng.choice(["red", "green", "blue"], N)),
            "b": rng.random(N) > 0.5,
        }
    )
    df.to_pickle(path)


def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    if status != 0:
        sys.exit("failed: %r" % (cmd,))
    return dt, ru.ru_maxrss / 1024.0  # MiB (Linux reports KiB)


def main():
    brine = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        pkl = os.path.join(d, "big.pkl")
        make(pkl)
        size = os.path.getsize(pkl) / 2**20
        out_b = os.path.join(d, "b.csv")
        out_p = os.path.join(d, "p.csv")
        py = (
            "import pandas as pd, sys; df = pd.read_pickle(sys.argv[1]); df.to_csv(sys.argv[2])"
        )
        tb, mb = run([brine, "export", pkl, out_b])
        tp, mp = run([sys.executable, "-c", py, pkl, out_p])
        same = open(out_b, "rb").read() == open(out_p, "rb").read()
        print("pickle %.1f MiB, %d rows x 8 columns (pandas %s)" % (size, N, pd.__version__))
        print("brine export .csv:        %.2f s, peak %.0f MiB" % (tb, mb))
        print("pd.read_pickle+to_csv:    %.2f s, peak %.0f MiB" % (tp, mp))
        print("ratio: %.1fx faster, %.2fx the memory; outputs identical: %s" % (tp / tb, mb / mp, same))


if __name__ == "__main__":
    main()
