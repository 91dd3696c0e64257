"""Benchmark: a 1,000,000-row x 8-column DataFrame pickle -> Parquet (and
-> CSV): `brine export big.pkl out.parquet` against `pd.read_pickle` +
`df.to_parquet` in the same run; wall time and peak memory (ru_maxrss of
each child process).

    python crates/brinery-pandas/benches/bench.py target/release/brine [--runs N] [--formats parquet,csv]

Needs pandas (3.x) with pyarrow. The pickle is generated in a temp dir,
never committed. Each side runs N times (default 5), alternating which
goes first, on the same input file (in the page cache for both); the
figures are medians of wall time, CPU time (user + sys) and peak RSS of
each process, and the ratios are of the medians. The CSV outputs are
compared byte for byte; the Parquet output is read back with
pd.read_parquet and compared with the frame (assert_frame_equal).
"""

import os
import statistics
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
    p = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M"] + cmd, stderr=subprocess.PIPE, text=True
    )
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("failed: %r %s" % (cmd, p.stderr))
    user, sys_, kib = p.stderr.strip().splitlines()[-1].split()
    return dt, float(user) + float(sys_), int(kib) / 1024.0  # KiB -> MiB


def medians(samples):
    return tuple(statistics.median(x) for x in zip(*samples))


def main():
    brine = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    formats = (
        sys.argv[sys.argv.index("--formats") + 1].split(",")
        if "--formats" in sys.argv
        else ["parquet", "csv"]
    )
    with tempfile.TemporaryDirectory() as d:
        pkl = os.path.join(d, "big.pkl")
        # Generated in a child so this process stays small.
        subprocess.run([sys.executable, __file__, "--make", pkl], check=True)
        size = os.path.getsize(pkl) / 2**20
        print("pickle %.1f MiB, %d rows x 8 columns (pandas %s)" % (size, N, pd.__version__))
        print("%d CPUs; load average before: %s" % (os.cpu_count(), open("/proc/loadavg").read().split()[:3]))
        for ext, method in (("parquet", "to_parquet"), ("csv", "to_csv")):
            if ext not in formats:
                continue
            out_b = os.path.join(d, "b." + ext)
            out_p = os.path.join(d, "p." + ext)
            py = "import pandas as pd, sys; df = pd.read_pickle(sys.argv[1]); df.%s(sys.argv[2])" % method
            b_cmd = [brine, "export", pkl, out_b]
            p_cmd = [sys.executable, "-c", py, pkl, out_p]
            sb, sp = [], []
            for i in range(runs):
                # Alternate which side runs first.
                if i % 2 == 0:
                    sb.append(run(b_cmd))
                    sp.append(run(p_cmd))
                else:
                    sp.append(run(p_cmd))
                    sb.append(run(b_cmd))
            if ext == "csv":
                same = open(out_b, "rb").read() == open(out_p, "rb").read()
            else:
                want = pd.read_pickle(pkl)
                pd.testing.assert_frame_equal(pd.read_parquet(out_b), want)
                same = True
            (tb, cb, mb), (tp, cp, mp) = medians(sb), medians(sp)
            print("%-8s brine export:             %.2f s wall, %.2f s CPU, peak %.0f MiB" % (ext, tb, cb, mb))
            print("%-8s pd.read_pickle+%-10s %.2f s wall, %.2f s CPU, peak %.0f MiB" % (ext, method + ":", tp, cp, mp))
            print(
                "%-8s ratio (medians of %d runs): %.1fx faster (wall), %.1fx less CPU, %.2fx the peak memory; read back equal: %s"
                % (ext, runs, tp / tb, cp / cb, mb / mp, same)
            )
        print("load average after: %s" % open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    if sys.argv[1] == "--make":
        make(sys.argv[2])
    else:
        main()
