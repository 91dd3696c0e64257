"""Benchmark: a 1,000,000-row x 8-column DataFrame pickle -> Parquet (and
-> CSV): `brine export big.pkl out.parquet` against `pd.read_pickle` +
`df.to_parquet` in the same run; wall time and peak memory (ru_maxrss of
each child process).

    python crates/brinery-pandas/benches/bench.py target/release/brine

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
    # Peak RSS by /usr/bin/time (a forked child's ru_maxrss would start from
    # this process's own high-water mark).
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("failed: %r %s" % (cmd, p.stderr))
    return dt, int(p.stderr.strip().splitlines()[-1]) / 1024.0  # KiB -> MiB


def main():
    brine = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        pkl = os.path.join(d, "big.pkl")
        # Generated in a child so this process stays small.
        subprocess.run([sys.executable, __file__, "--make", pkl], check=True)
        size = os.path.getsize(pkl) / 2**20
        print("pickle %.1f MiB, %d rows x 8 columns (pandas %s)" % (size, N, pd.__version__))
        for ext, method in (("parquet", "to_parquet"), ("csv", "to_csv")):
            out_b = os.path.join(d, "b." + ext)
            out_p = os.path.join(d, "p." + ext)
            py = "import pandas as pd, sys; df = pd.read_pickle(sys.argv[1]); df.%s(sys.argv[2])" % method
            tb, mb = run([brine, "export", pkl, out_b])
            tp, mp = run([sys.executable, "-c", py, pkl, out_p])
            if ext == "csv":
                same = open(out_b, "rb").read() == open(out_p, "rb").read()
            else:
                want = pd.read_pickle(pkl)
                pd.testing.assert_frame_equal(pd.read_parquet(out_b), want)
                same = True
            print("%-8s brine export:             %.2f s, peak %.0f MiB" % (ext, tb, mb))
            print("%-8s pd.read_pickle+%-10s %.2f s, peak %.0f MiB" % (ext, method + ":", tp, mp))
            print("%-8s ratio: %.1fx faster, %.2fx the peak memory; read back equal: %s" % (ext, tp / tb, mb / mp, same))


if __name__ == "__main__":
    if sys.argv[1] == "--make":
        make(sys.argv[2])
    else:
        main()
