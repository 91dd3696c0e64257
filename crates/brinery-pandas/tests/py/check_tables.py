"""Read back what `brine export` wrote and compare with pandas' own load.

    python check_tables.py jobs.json

jobs.json: [[fixture, out_path or null, "parquet"|"feather"], ...]. Prints
one JSON object {fixture.ext: verdict}:

- "equal": pd.read_parquet / pd.read_feather of brine's output equals
  pd.read_pickle of the fixture (pd.testing.assert_frame_equal, exact
  dtypes);
- "as-pandas": not equal to the pickle, but equal to what pandas' own
  df.to_parquet / df.to_feather reads back as (pandas 3 loses the same:
  DatetimeIndex freq, object-dtype labels of old pickles become str);
- "pandas-refuses": brine refused (out_path null) and pandas' own export
  fails too (mixed-type object columns, sparse, complex);
- "pandas-cannot-read-back": brine refused, and pandas writes the frame
  but cannot read its own file back;
- "equal-pyarrow-backend" / "as-pandas-pyarrow-backend": pandas cannot
  read back its own file with the default dtypes (ArrowDtype lists,
  structs, dictionaries: "data type 'list<item: int64>[pyarrow]' not
  understood") or cannot write it (2.x ArrowDtype pickles in pandas 3),
  and cannot read brine's; read with `dtype_backend="pyarrow"`,
  brine's file equals the pickle / pandas' own file read the same way;
- anything else: the error.
"""

import bz2
import gzip
import json
import lzma
import os
import pickle
import sys
import tempfile
import warnings

import pandas as pd

warnings.simplefilter("ignore")


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.endswith(".bz2"):
        data = bz2.decompress(data)
    elif path.endswith(".xz"):
        data = lzma.decompress(data)
    elif path.endswith(".zst"):
        import zstandard

        data = zstandard.ZstdDecompressor().decompress(data)
    return pickle.loads(data)


class CannotReadBack(Exception):
    """pandas writes the frame but cannot read its own file back."""


def read(path, kind, **kw):
    return pd.read_parquet(path, **kw) if kind == "parquet" else pd.read_feather(path, **kw)


def own_path(kind, tmp):
    return os.path.join(tmp, "own." + kind)


def own_roundtrip(df, kind, tmp):
    path = own_path(kind, tmp)
    if kind == "parquet":
        df.to_parquet(path)
    else:
        df.to_feather(path)
    try:
        return read(path, kind)
    except Exception as e:
        raise CannotReadBack("%s: %s" % (type(e).__name__, e))


def verdict_pyarrow_backend(path, want, kind, tmp):
    """Both files read with dtype_backend="pyarrow"."""
    got = read(path, kind, dtype_backend="pyarrow")
    try:
        pd.testing.assert_frame_equal(got, want)
        return "equal-pyarrow-backend"
    except Exception as e:
        err = str(e).replace("\n", " ")[:300]
    try:
        pd.testing.assert_frame_equal(got, read(own_path(kind, tmp), kind, dtype_backend="pyarrow"))
        return "as-pandas-pyarrow-backend"
    except Exception:
        pass
    # pandas 3 cannot write a 2.x ArrowDtype pickle itself; its round trip
    # of other 2.x frames turns object-dtype labels into str, so compare
    # with that change.
    try:
        want = want.copy()
        want.columns = want.columns.astype(got.columns.dtype)
        pd.testing.assert_frame_equal(got, want)
        return "as-pandas-pyarrow-backend"
    except Exception:
        return "differs: " + err


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    out = {}
    tmp = tempfile.mkdtemp()
    for fixture, path, kind in jobs:
        key = "%s.%s" % (fixture, kind)
        want = load(fixture)
        try:
            own = own_roundtrip(want, kind, tmp)
        except Exception as e:
            own = e
        if path is None:
            if isinstance(own, CannotReadBack):
                out[key] = "pandas-cannot-read-back"
            elif isinstance(own, Exception):
                out[key] = "pandas-refuses"
            else:
                out[key] = "brine refused, pandas writes it"
            continue
        try:
            got = read(path, kind)
        except Exception as e:
            if isinstance(own, Exception):
                try:
                    out[key] = verdict_pyarrow_backend(path, want, kind, tmp)
                except Exception as e2:
                    out[key] = "unreadable: %s: %s" % (type(e2).__name__, str(e2)[:200])
                continue
            out[key] = "unreadable: %s: %s" % (type(e).__name__, str(e)[:200])
            continue
        try:
            pd.testing.assert_frame_equal(got, want)
            out[key] = "equal"
            continue
        except AssertionError as e:
            err = str(e).replace("\n", " ")[:300]
        try:
            if isinstance(own, Exception):
                raise AssertionError("pandas' own export failed: %s" % own)
            pd.testing.assert_frame_equal(got, own)
            out[key] = "as-pandas"
        except AssertionError:
            out[key] = "differs: " + err
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
