"""Random DataFrames and Series for brine's differential test
(crates/brine/tests/pandas.rs, `random_frames_like_pandas`).

    python random_frames.py OUT_DIR SEED COUNT

Writes OUT_DIR/<seed>_<i>.pkl for COUNT objects made from SEED and
prints a JSON object {key: {"repr": repr(obj), "csv": obj.to_csv()}}.
Columns are drawn from 23 kinds (numpy ints/floats/bools, str, object,
datetimes with and without tz (beyond 2037 too), timedeltas,
categoricals, nullable Int64/Float64/boolean/string, periods, complex,
intervals, long and multi-line text, CJK text), 0 to 200 rows (across
the 60-row truncation), 1 to 25 columns (across the 20-column one),
five kinds of index and sometimes MultiIndex columns; a Series is the
first column of a frame. Display options are the ones the fixtures are
recorded with.
"""

import json
import sys

import numpy as np
import pandas as pd

pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 80)

out_dir, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)


def column(n, kind):
    if kind == "int":
        return rng.integers(-(10 ** rng.integers(1, 12)), 10 ** rng.integers(1, 12), n)
    if kind == "i8":
        return rng.integers(-100, 100, n).astype("int8")
    if kind == "u32":
        return rng.integers(0, 10**9, n).astype("uint32")
    if kind == "float":
        x = rng.normal(0, 10.0 ** rng.integers(-8, 9), n)
        if rng.random() < 0.5:
            x[rng.random(n) < 0.2] = np.nan
        return x
    if kind == "f32":
        return rng.normal(0, 100, n).astype("float32")
    if kind == "bool":
        return rng.random(n) > 0.5
    if kind == "str":
        words = ["a", "bb", "hello world", "x" * int(rng.integers(1, 70)), "ünï", "tab\there", "日本"]
        return pd.array([words[i] for i in rng.integers(0, len(words), n)], dtype="str")
    if kind == "obj":
        return pd.Series([rng.choice([1, "s", 2.5, None, True]) for _ in range(n)], dtype=object).values
    if kind == "dt":
        unit = "s" if rng.random() < 0.5 else "D"
        s = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit=unit))
        if rng.random() < 0.3:
            s = s.dt.tz_localize("Europe/Berlin", ambiguous="NaT", nonexistent="NaT")
        if rng.random() < 0.3 and n:
            s.iloc[0] = pd.NaT
        return s.values if s.dt.tz is None else s.array
    if kind == "td":
        return pd.to_timedelta(rng.integers(-(10**6), 10**9, n), unit="ms")
    if kind == "cat":
        return pd.Categorical(rng.choice(["red", "green", "blue", None], n))
    if kind == "Int64":
        a = pd.array(rng.integers(-1000, 1000, n), dtype="Int64")
        a[rng.random(n) < 0.2] = pd.NA
        return a
    if kind == "boolean":
        a = pd.array(rng.random(n) > 0.5, dtype="boolean")
        a[rng.random(n) < 0.2] = pd.NA
        return a
    if kind == "period":
        return pd.period_range("2020-01", periods=n, freq=rng.choice(["M", "D", "Q"]))
    if kind == "complex":
        return rng.normal(size=n) + 1j * rng.normal(size=n)
    if kind == "longstr":
        return pd.array(["y" * int(rng.integers(40, 90)) + "\n" * int(rng.integers(0, 2)) for _ in range(n)], dtype=object)
    if kind == "Float64":
        a = pd.array(rng.normal(0, 1000, n), dtype="Float64")
        a[rng.random(n) < 0.2] = pd.NA
        return a
    if kind == "strpy":
        a = pd.array(rng.choice(["p", "qq", "r r"], n), dtype="string[python]")
        a[rng.random(n) < 0.2] = pd.NA
        return a
    if kind == "interval":
        return pd.arrays.IntervalArray.from_breaks(np.arange(n + 1) * rng.choice([1, 0.5]))
    if kind == "bigfloat":
        return rng.normal(0, 1, n) * 10.0 ** rng.integers(-20, 20, n)
    if kind == "intnan":
        x = rng.integers(0, 100, n).astype(float)
        x[rng.random(n) < 0.3] = np.nan
        return x
    if kind == "dtns":
        return pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**12, n), unit="ns")).values
    if kind == "cjk":
        return pd.array(rng.choice(["日本語", "中文字", "abc", "한국어"], n), dtype=object)
    raise ValueError(kind)


KINDS = ["int", "i8", "u32", "float", "f32", "bool", "str", "obj", "dt", "td", "cat", "Int64",
         "boolean", "period", "complex", "longstr", "Float64", "strpy", "interval", "bigfloat",
         "intnan", "dtns", "cjk"]

want = {}
for case in range(count):
    n = int(rng.choice([0, 1, 3, 10, 59, 60, 61, 65, 200]))
    ncols = int(rng.choice([1, 2, 5, 19, 20, 21, 25]))
    cols = {}
    for c in range(ncols):
        k = KINDS[rng.integers(0, len(KINDS))]
        name = rng.choice([f"c{c}", f"column number {c}", c, f"{k}_{c}"])
        cols[name if name not in cols else f"dup{c}"] = column(n, k)
    df = pd.DataFrame(cols)
    idx = rng.integers(0, 5)
    if idx == 1:
        df.index = pd.date_range("2021-03-01", periods=n, freq="h")
    elif idx == 2:
        df.index = [f"row{i}" for i in range(n)]
    elif idx == 3 and n:
        df.index = pd.MultiIndex.from_arrays(
            [rng.choice(["x", "yy"], n), rng.integers(0, 100, n)], names=["k", None]
        )
    elif idx == 4:
        df.index = rng.normal(size=n).round(3)
    if rng.random() < 0.15 and ncols >= 2:
        df.columns = pd.MultiIndex.from_arrays(
            [["g%d" % (i % 3) for i in range(ncols)], [str(c) for c in df.columns]]
        )
    obj = df if rng.random() < 0.6 else df.iloc[:, 0]
    key = f"{seed}_{case}"
    obj.to_pickle(f"{out_dir}/{key}.pkl")
    want[key] = {"repr": repr(obj), "csv": obj.to_csv()}
print(json.dumps(want))
