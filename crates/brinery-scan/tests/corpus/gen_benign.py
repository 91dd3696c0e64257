#!/usr/bin/env python3
"""Generate the benign corpus of brinery-scan with the real libraries.

Every file is written by the library itself (pickle, numpy, pandas, scipy,
scikit-learn, joblib, PyTorch) into benign/<library>-<version>/ and listed
in benign.json with the versions that made it. `brine scan` must report
every one of them safe, with no finding above info (tests/corpus.rs asserts
this, and the exact number of files per directory).

Run it once per environment; each run (re)writes the directories of the
library versions it has and keeps the others, so the corpus holds several
versions of each library:

    python3 gen_benign.py                      # stdlib of this Python
    /tmp/venvs/a/bin/python gen_benign.py      # numpy 1.26, pandas 1.5, sklearn 1.2, torch 2.2
    /tmp/venvs/b/bin/python gen_benign.py      # numpy 2.2, pandas 2.2, sklearn 1.6, torch 2.x
    /tmp/venvs/c/bin/python gen_benign.py      # numpy 2.5, pandas 3.x, sklearn 1.9
    python2.7 gen_benign.py                    # Python 2 names (protocols 0-2)

(`scripts/scan-corpus-envs.sh` makes those venvs with the pinned versions and
runs this script in each.)
Files stay tiny: small arrays, few rows, shallow models.
"""
from __future__ import print_function

import collections
import datetime
import decimal
import fractions
import gzip
import io
import json
import os
import pickle
import shutil
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
BENIGN = os.path.join(HERE, "benign")
MANIFEST = os.path.join(HERE, "benign.json")
PY2 = sys.version_info[0] == 2
PYV = "python %d.%d.%d" % sys.version_info[:3]
MAXPROTO = pickle.HIGHEST_PROTOCOL

try:
    with open(MANIFEST) as f:
        manifest = dict((e["file"], e) for e in json.load(f))
except (IOError, OSError, ValueError):
    manifest = {}

cleared = set()


def group_dir(group):
    d = os.path.join(BENIGN, group)
    if group not in cleared:
        # A rerun replaces the whole directory (and its manifest entries).
        if os.path.isdir(d):
            shutil.rmtree(d)
        for k in [k for k in manifest if k.startswith(group + "/")]:
            del manifest[k]
        os.makedirs(d)
        cleared.add(group)
    return d


def add(group, name, data, made_by):
    path = os.path.join(group_dir(group), name)
    with open(path, "wb") as f:
        f.write(data)
    manifest[group + "/" + name] = {"file": group + "/" + name, "made_by": made_by}


def path_for(group, name, made_by):
    """A path the library writes itself (torch.save, joblib.dump, ...)."""
    path = os.path.join(group_dir(group), name)
    manifest[group + "/" + name] = {"file": group + "/" + name, "made_by": made_by}
    return path


def dumps_all(group, stem, obj, made_by, protos=None):
    for p in protos if protos is not None else range(0, MAXPROTO + 1):
        add(group, "%s_p%d.pkl" % (stem, p), pickle.dumps(obj, p), made_by)


# ------------------------------------------------------------- stdlib
def stdlib():
    import re

    group = "stdlib-py%d.%d" % sys.version_info[:2]

    utc = datetime.timezone.utc if not PY2 else None
    values = {
        "scalars": [0, 1, -1, 2 ** 70, -(2 ** 64), True, False, None, 0.5, float("inf"),
                    1 + 2j, "text", u"\xe9\u20ac", b"bytes", bytearray(b"ba")],
        "containers": {"list": [1, [2, [3]]], "tuple": (1, (2,)), "set": set([1, 2]),
                       "frozenset": frozenset([3]), "dict": {1: "a", "b": None}},
        "collections": [collections.OrderedDict([("a", 1)]),
                        collections.defaultdict(list, {"x": [1]}),
                        collections.deque([1, 2], maxlen=5), collections.Counter("aab")],
        "datetime": [datetime.date(2024, 1, 2), datetime.time(3, 4, 5, 6),
                     datetime.datetime(2024, 5, 1, 12, 0, 1, 5), datetime.timedelta(days=1, seconds=3)],
        "decimal": [decimal.Decimal("1.25"), decimal.Decimal("-Infinity"), decimal.Decimal("NaN")],
        "fractions": [fractions.Fraction(1, 3), fractions.Fraction(-7, 2)],
        "uuid": [uuid.UUID(int=12345), uuid.UUID("12345678-1234-5678-1234-567812345678")],
        "re": [re.compile(r"a+b", re.I), re.compile(b"x?")],
        "exceptions": [ValueError("bad", 1), KeyError("k"), RuntimeError(), ZeroDivisionError("z"),
                       OSError(2, "No such file"), StopIteration(3), AttributeError("a"),
                       IndexError(), TypeError("t"), NotImplementedError("n")],
        "builtins": [slice(1, 5, 2), complex(1, -1)] + ([] if PY2 else [Ellipsis, NotImplemented]),
    }
    if not PY2:
        import enum
        import ipaddress
        import pathlib

        values["datetime"] += [datetime.datetime(2024, 5, 1, 12, 0, tzinfo=utc),
                               datetime.timezone(datetime.timedelta(hours=-5), "EST")]
        values["builtins"] += [range(3), range(1, 10, 2)]
        values["pathlib"] = [pathlib.PurePosixPath("/a/b"), pathlib.PureWindowsPath("c:/x"),
                             pathlib.Path("rel/p")]
        values["ipaddress"] = [ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("::1"),
                               ipaddress.ip_network("10.0.0.0/8"),
                               ipaddress.ip_interface("192.168.1.2/24")]
        import http

        values["enum"] = [re.IGNORECASE, http.HTTPStatus.OK, uuid.SafeUUID.safe,
                          enum.Enum.__name__]
        values["exceptions"] += [UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid"),
                                 FileNotFoundError(2, "nf", "x"), TimeoutError()]
        import http.cookies

        c = http.cookies.SimpleCookie()
        c["a"] = "b"
        c["a"]["path"] = "/"
        values["cookies"] = [c, c["a"]]
        try:
            import zoneinfo

            values["zoneinfo"] = [zoneinfo.ZoneInfo("Europe/Paris"),
                                  datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))]
        except Exception:
            pass
        import array

        values["array"] = [array.array("i", [1, 2]), array.array("d", [0.5]), array.array("u", u"ab")]
    else:
        import array

        values["array"] = [array.array("i", [1, 2]), array.array("c", "ab")]
    for stem, obj in sorted(values.items()):
        dumps_all(group, stem, obj, PYV)
    # Out-of-band buffers (protocol 5): the pickle without its buffers.
    if MAXPROTO >= 5:
        add(group, "inband_buffer_p5.pkl", pickle.dumps(pickle.PickleBuffer(b"inband"), 5), PYV)
        bufs = []
        add(group, "oob_buffers_p5.pkl",
            pickle.dumps([pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"de"))], 5,
                         buffer_callback=bufs.append), PYV)
    add(group, "records_p%d.pkl.gz" % MAXPROTO,
        gzip.compress(pickle.dumps([{"id": i, "name": "n%d" % i, "score": i * 0.5, "tags": ["a", "b"]}
                                    for i in range(50)], MAXPROTO), mtime=0)
        if not PY2 else pickle.dumps([{"id": i} for i in range(50)], 2), PYV)


# ------------------------------------------------------------- numpy
def numpy_files():
    import numpy as np

    group = "numpy-" + np.__version__
    made = "numpy %s, %s" % (np.__version__, PYV)
    values = {
        "float": np.arange(6, dtype="f8").reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(6, dtype="i4").reshape(2, 3)),
        "ints": [np.arange(3, dtype=t) for t in ("i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8")],
        "floats": [np.arange(3, dtype=t) for t in ("f2", "f4", "f8", "g", "c8", "c16")],
        "bool": np.array([True, False]),
        "unicode": np.array(["ab", "c"]),
        "bytes": np.array([b"ab", b"c"]),
        "structured": np.zeros(2, dtype=[("a", "i4"), ("b", "f4", (2,)), ("c", "S3")]),
        "scalars": [np.float32(1.5), np.int64(-3), np.bool_(True), np.complex64(1j),
                    np.str_("s"), np.bytes_(b"b"), np.uint16(7)],
        "datetime": [np.datetime64("2024-01-01"), np.array(["2024-01-01T12"], dtype="M8[h]"),
                     np.timedelta64(3, "s"), np.array([1, 2], dtype="m8[ms]")],
        "object": np.array([1, "a", None, {"k": 2}], dtype=object),
        "masked": np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]),
        "bigendian": np.arange(4, dtype=">i4"),
        "void": np.void(b"\x01\x02"),
        "dtypes": [np.dtype("f8"), np.dtype([("x", "<i2")]), np.dtype("M8[ns]")],
        "random": {"rs": np.random.RandomState(0), "gen": np.random.default_rng(0)},
    }
    if hasattr(np, "dtypes") and hasattr(np.dtypes, "StringDType"):
        values["stringdtype"] = np.array(["a", "bc", "\u00e9"], dtype=np.dtypes.StringDType())
        values["stringdtype_na"] = np.array(["x", None],
                                            dtype=np.dtypes.StringDType(na_object=None))
    for stem, obj in sorted(values.items()):
        dumps_all(group, stem, obj, made, protos=(0, 2, 4, 5))
    buf = io.BytesIO()
    np.save(buf, np.arange(10))
    add(group, "numeric.npy", buf.getvalue(), made)
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a", {"k": 2}], dtype=object), allow_pickle=True)
    add(group, "object.npy", buf.getvalue(), made)
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(4), b=np.array(["x", None], dtype=object))
    add(group, "mixed.npz", buf.getvalue(), made)
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.arange(4.0), m=np.eye(2))
    add(group, "compressed.npz", buf.getvalue(), made)


# ------------------------------------------------------------- pandas
def pandas_files():
    import numpy as np
    import pandas as pd

    group = "pandas-" + pd.__version__
    made = "pandas %s, numpy %s, %s" % (pd.__version__, np.__version__, PYV)
    major = int(pd.__version__.split(".")[0])
    try:
        import pytz
    except ImportError:
        pytz = None
    try:
        import dateutil.tz as dtz
    except ImportError:
        dtz = None
    cols = {
        "int": pd.Series([1, 2, 3]),
        "float": pd.Series([0.5, None, 2.0]),
        "bool": pd.Series([True, False, True]),
        "object": pd.Series(["a", 1, None], dtype=object),
        "str": pd.Series(["a", "b", None]),
        "categorical": pd.Series(pd.Categorical(["x", "y", "x"], categories=["y", "x"], ordered=True)),
        "datetime": pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", None])),
        "tz_utc": pd.Series(pd.date_range("2024-01-01", periods=3, tz="UTC")),
        "timedelta": pd.Series(pd.to_timedelta([1, 2, 3], unit="s")),
        "Int64": pd.Series(pd.array([1, None, 3], dtype="Int64")),
        "UInt8": pd.Series(pd.array([1, None, 3], dtype="UInt8")),
        "Float64": pd.Series(pd.array([0.5, None, 1.0], dtype="Float64")),
        "boolean": pd.Series(pd.array([True, None, False], dtype="boolean")),
        "string_python": pd.Series(pd.array(["a", None, "c"], dtype=pd.StringDtype("python"))),
        "period": pd.Series(pd.period_range("2024-01", periods=3, freq="M")),
        "interval": pd.Series(pd.interval_range(0, 3)),
        "sparse": pd.Series(pd.arrays.SparseArray([0, 0, 1])),
    }
    if pytz is not None:
        cols["tz_pytz"] = pd.Series(pd.date_range("2024-01-01", periods=3, tz=pytz.timezone("Europe/Berlin")))
        cols["tz_pytz_utc"] = pd.Series(pd.date_range("2024-01-01", periods=2, tz=pytz.utc))
    if dtz is not None:
        cols["tz_dateutil"] = pd.Series(pd.date_range("2024-01-01", periods=3, tz=dtz.tzoffset("X", 3600)))
        cols["tz_dateutil_utc"] = pd.Series(pd.date_range("2024-01-01", periods=3, tz=dtz.tzutc()))
    try:
        import zoneinfo

        cols["tz_zoneinfo"] = pd.Series(pd.date_range("2024-01-01", periods=3, tz=zoneinfo.ZoneInfo("Asia/Tokyo")))
    except Exception:
        pass
    try:
        import pyarrow as pa  # noqa: F401

        cols["string_pyarrow"] = pd.Series(pd.array(["a", None, "c"], dtype=pd.StringDtype("pyarrow")))
        if major >= 2:
            cols["arrow_int"] = pd.Series(pd.array([1, None], dtype="int64[pyarrow]"))
    except ImportError:
        pass
    for stem, s in sorted(cols.items()):
        dumps_all(group, "series_" + stem, s, made, protos=(2, 4, 5))
    df = pd.DataFrame({k: v.reset_index(drop=True) for k, v in cols.items() if len(v) == 3})
    dumps_all(group, "frame_all", df, made, protos=(0, 1, 2, 3, 4, 5))
    idx = {
        "multiindex": pd.MultiIndex.from_tuples([(1, "a"), (2, "b")], names=["n", "l"]),
        "range": pd.RangeIndex(5),
        "datetimeindex_freq": pd.date_range("2024-01-01", periods=4, freq="B"),
        "periodindex": pd.period_range("2024Q1", periods=2, freq="Q"),
        "intervalindex": pd.IntervalIndex.from_breaks([0, 1, 2]),
        "categoricalindex": pd.CategoricalIndex(["a", "b"]),
        "timedeltaindex": pd.timedelta_range("1 day", periods=2),
    }
    for stem, obj in sorted(idx.items()):
        dumps_all(group, "index_" + stem, obj, made, protos=(2, 5))
    scal = [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-01", tz="UTC"),
            pd.Timedelta("1h"), pd.Period("2024-01", freq="M"), pd.Interval(0, 1),
            pd.NA, pd.NaT]
    dumps_all(group, "scalars", scal, made, protos=(2, 4, 5))
    offs = pd.tseries.offsets
    offsets = [offs.Day(2), offs.Hour(), offs.Minute(), offs.Second(), offs.Milli(),
               offs.BusinessDay(), offs.MonthEnd(), offs.MonthBegin(), offs.YearEnd(),
               offs.QuarterEnd(startingMonth=3), offs.Week(weekday=0), offs.DateOffset(months=1),
               offs.BusinessMonthEnd(), offs.CustomBusinessDay()]
    dumps_all(group, "offsets", offsets, made, protos=(2, 4, 5))
    big = pd.DataFrame({"a": np.arange(20), "b": np.linspace(0, 1, 20)},
                       index=pd.MultiIndex.from_product([range(4), list("abcde")]))
    dumps_all(group, "frame_multiindex", big, made, protos=(2, 5))
    for comp, ext in (("gzip", "gz"), ("bz2", "bz2"), ("xz", "xz"), ("zip", "zip"), (None, "")):
        name = "to_pickle.pkl" + ("." + ext if ext else "")
        df.to_pickle(path_for(group, name, made),
                     compression={"method": comp, "mtime": 0} if comp == "gzip" else comp)


# ------------------------------------------------------------- scipy.sparse
def scipy_files():
    import numpy as np
    import scipy
    import scipy.sparse as sp

    group = "scipy-" + scipy.__version__
    made = "scipy %s, numpy %s, %s" % (scipy.__version__, np.__version__, PYV)
    m = np.array([[0, 1.0], [2.0, 0]])
    mats = {"csr": sp.csr_matrix(m), "csc": sp.csc_matrix(m), "coo": sp.coo_matrix(m),
            "lil": sp.lil_matrix(m), "dok": sp.dok_matrix(m), "bsr": sp.bsr_matrix(m),
            "dia": sp.dia_matrix(m)}
    if hasattr(sp, "csr_array"):
        mats["csr_array"] = sp.csr_array(m)
        mats["coo_array"] = sp.coo_array(m)
    for stem, obj in sorted(mats.items()):
        dumps_all(group, stem, obj, made, protos=(2, 5))


# ------------------------------------------------------------- scikit-learn
def sklearn_files():
    import joblib
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingRegressor,
                                  IsolationForest, RandomForestClassifier)
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.model_selection import GridSearchCV
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier
    import warnings

    warnings.filterwarnings("ignore")
    group = "sklearn-" + sklearn.__version__
    made = "scikit-learn %s, joblib %s, numpy %s, %s" % (
        sklearn.__version__, joblib.__version__, np.__version__, PYV)
    rng = np.random.RandomState(0)
    X = rng.rand(30, 3)
    y = (X[:, 0] > 0.5).astype(int)
    text = ["the cat sat", "a dog ran", "the dog sat", "cats and dogs"] * 3
    ty = [0, 1, 1, 0] * 3
    cat = np.array([["a", 1], ["b", 2], ["a", 3]], dtype=object)
    models = {
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "columntransformer": ColumnTransformer([("oh", OneHotEncoder(), [0]),
                                                ("sc", StandardScaler(), [1])]).fit(cat),
        "tree": DecisionTreeClassifier(max_depth=2).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y),
        "gradientboosting": GradientBoostingClassifier(n_estimators=2, max_depth=1).fit(X, y),
        "histgradientboosting": HistGradientBoostingRegressor(max_iter=2).fit(X, X[:, 0]),
        "kmeans": KMeans(n_clusters=2, n_init=1, random_state=0).fit(X),
        "svc": SVC(probability=False).fit(X, y),
        "tfidf": TfidfVectorizer().fit(text),
        "countvectorizer": CountVectorizer().fit(text),
        "onehot": OneHotEncoder(handle_unknown="ignore").fit(cat[:, :1]),
        "gridsearch": GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(X, y),
        "linear": LinearRegression().fit(X, X[:, 0]),
        "ridge": Ridge().fit(X, X[:, 1]),
        "pca": PCA(n_components=2).fit(X),
        "minmax": MinMaxScaler().fit(X),
        "imputer": SimpleImputer().fit(X),
        "labelencoder": LabelEncoder().fit(["x", "y", "x"]),
        "knn_kdtree": KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree").fit(X, y),
        "nn_balltree": NearestNeighbors(algorithm="ball_tree").fit(X),
        "isolationforest": IsolationForest(n_estimators=2, random_state=0).fit(X),
        "naivebayes": GaussianNB().fit(X, y),
        "mlp": MLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, y),
        "text_pipeline": make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(text, ty),
    }
    for name, m in sorted(models.items()):
        add(group, name + "_p5.pkl", pickle.dumps(m, 5), made)
        add(group, name + "_p2.pkl", pickle.dumps(m, 2), made)
        joblib.dump(m, path_for(group, name + ".joblib", made))


# ------------------------------------------------------------- joblib
def joblib_files():
    import joblib
    import numpy as np

    group = "joblib-" + joblib.__version__
    made = "joblib %s, numpy %s, %s" % (joblib.__version__, np.__version__, PYV)
    obj = {"a": np.arange(100.0), "o": np.array(["x", 1], dtype=object),
           "l": [np.ones((3, 3), dtype="f4"), np.array(["u", "v"])], "s": "text"}
    comps = [None, "zlib", "gzip", "bz2", "lzma", "xz"]
    try:
        import lz4  # noqa: F401

        comps.append("lz4")
    except ImportError:
        pass
    for c in comps:
        name = "arrays_%s.joblib" % (c or "raw")
        joblib.dump(obj, path_for(group, name, made), compress=(c, 3) if c else 0)
    joblib.dump(obj, path_for(group, "arrays_p2.joblib", made), protocol=2)
    joblib.dump([np.arange(5)] * 3, path_for(group, "shared.joblib", made))


# ------------------------------------------------------------- PyTorch
def torch_files():
    import torch

    group = "torch-" + torch.__version__.split("+")[0]
    made = "torch %s, %s" % (torch.__version__, PYV)
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 2)
            self.bn = torch.nn.BatchNorm2d(2)
            self.fc = torch.nn.Linear(2, 1)

        def forward(self, x):
            x = self.bn(self.conv(x))
            return self.fc(x.mean(dim=(2, 3)))

    seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    net = Net()
    opt = torch.optim.SGD(seq.parameters(), lr=0.1, momentum=0.9)
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)
    for o, m in ((opt, seq), (adam, net)):
        o.zero_grad()
        out = m(torch.ones(1, 3) if m is seq else torch.ones(1, 1, 3, 3)).sum()
        out.backward()
        o.step()
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    dtypes = {str(t): torch.zeros(2, dtype=t) for t in (
        torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.uint8,
        torch.int16, torch.int32, torch.int64, torch.bool, torch.complex64)}
    objs = {
        "state_dict.pt": seq.state_dict(),
        "conv_state_dict.pt": net.state_dict(),
        "tensors.pt": dtypes,
        "views.pt": {"base": torch.arange(6.0), "view": torch.arange(6.0)[1:4],
                     "t": torch.arange(6.0).reshape(2, 3).t()},
        "parameter.pt": torch.nn.Parameter(torch.zeros(2)),
        "meta.pt": {"size": torch.Size([2, 3]), "device": torch.device("cpu"),
                    "dtype": torch.float32, "layout": torch.strided, "n": 3},
        "checkpoint.pt": {"model": seq.state_dict(), "optimizer": opt.state_dict(),
                          "scheduler": sched.state_dict(), "epoch": 3, "loss": 0.25},
        "adam_checkpoint.pt": {"model": net.state_dict(), "optimizer": adam.state_dict()},
        "full_model.pt": seq,
        "sparse.pt": torch.eye(2).to_sparse(),
        "scalar.pt": torch.tensor(3.5),
    }
    for name, obj in sorted(objs.items()):
        torch.save(obj, path_for(group, name, made))
    for name in ("state_dict.pt", "checkpoint.pt", "full_model.pt"):
        torch.save(objs[name], path_for(group, "legacy_" + name, made),
                   _use_new_zipfile_serialization=False)
    script = torch.jit.script(seq)
    script.save(path_for(group, "torchscript_seq.pt", made))
    traced = torch.jit.trace(net.eval(), torch.ones(1, 1, 3, 3))
    traced.save(path_for(group, "torchscript_traced.pt", made))
    try:
        script._save_for_lite_interpreter(path_for(group, "torchscript_lite.ptl", made))
    except Exception as e:  # lite interpreter not built into every wheel
        del manifest[group + "/torchscript_lite.ptl"]
        print("SKIP torchscript_lite: %s" % e)


def main():
    stdlib()
    for name, fn in (("numpy", numpy_files), ("pandas", pandas_files), ("scipy", scipy_files),
                     ("sklearn", sklearn_files), ("joblib", joblib_files), ("torch", torch_files)):
        if PY2:
            continue
        try:
            __import__(name)
        except ImportError:
            print("SKIP %s: not installed in %s" % (name, sys.executable))
            continue
        fn()
    # Drop manifest entries whose file is gone (and files no entry lists).
    for k in list(manifest):
        if not os.path.exists(os.path.join(BENIGN, k)):
            del manifest[k]
    with open(MANIFEST, "w") as f:
        json.dump(sorted(manifest.values(), key=lambda e: e["file"]), f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d benign files in the manifest" % len(manifest))


if __name__ == "__main__":
    main()
