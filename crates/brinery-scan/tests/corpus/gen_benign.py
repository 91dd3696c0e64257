#!/usr/bin/env python3
"""Generate the benign corpus of brinery-scan with the real libraries.

Every file is written by the library itself (pickle, numpy, pandas,
scikit-learn, joblib, PyTorch) into benign/ and listed in benign.json with
the library versions. The scanner must report every one of them as safe.

Needs numpy, pandas, scikit-learn and joblib (and torch for the PyTorch
files) in the running interpreter; missing libraries are skipped loudly, and
the existing files are kept, so the corpus can be regenerated piecewise:

    /tmp/scanenv/bin/python gen_benign.py      # numpy/pandas/sklearn/joblib
    /tmp/torchenv/bin/python gen_benign.py     # + PyTorch
"""
import collections
import datetime
import decimal
import fractions
import gzip
import io
import json
import os
import pickle
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "benign")
os.makedirs(OUT, exist_ok=True)
MANIFEST = os.path.join(HERE, "benign.json")

try:
    with open(MANIFEST) as f:
        manifest = {e["file"]: e for e in json.load(f)}
except FileNotFoundError:
    manifest = {}


def add(name, data, made_by):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    manifest[name] = {"file": name, "made_by": made_by}


def added_file(name, made_by):
    manifest[name] = {"file": name, "made_by": made_by}


py = f"python {sys.version.split()[0]}"

# ------------------------------------------------------------- stdlib
value = {
    "ints": [0, 1, -1, 2**70, True, None],
    "floats": [0.5, float("inf")],
    "text": ["a", "é", b"bytes", bytearray(b"ba")],
    "sets": [{1, 2}, frozenset({3})],
    "od": collections.OrderedDict(a=1),
    "dd": collections.defaultdict(list, {"x": [1]}),
    "deque": collections.deque([1, 2]),
    "counter": collections.Counter("aab"),
    "when": [datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc),
             datetime.date(2024, 1, 2), datetime.timedelta(days=1), datetime.time(3, 4)],
    "dec": decimal.Decimal("1.25"),
    "frac": fractions.Fraction(1, 3),
    "uuid": uuid.UUID(int=12345),
    "complex": 1 + 2j,
    "slice": slice(1, 5, 2),
    "range": range(3),
}
for proto in range(0, 6):
    add(f"stdlib_p{proto}.pkl", pickle.dumps(value, proto), py)
add("records_small_p5.pkl.gz",
    gzip.compress(pickle.dumps([{"id": i, "name": f"n{i}", "score": i * 0.5, "tags": ["a", "b"]}
                                for i in range(50)], 5), mtime=0), py)

# ------------------------------------------------------------- numpy
try:
    import numpy as np

    npv = f"numpy {np.__version__}"
    arrs = {
        "f8": np.arange(6, dtype="f8").reshape(2, 3),
        "i4F": np.asfortranarray(np.arange(6, dtype="i4").reshape(2, 3)),
        "u": np.array(["ab", "c"]),
        "rec": np.zeros(2, dtype=[("a", "i4"), ("b", "f4")]),
        "scalar": np.float32(1.5),
        "dt": np.datetime64("2024-01-01"),
        "obj": np.array([1, "a", None], dtype=object),
        "masked": np.ma.masked_array([1, 2], mask=[0, 1]),
    }
    add("numpy_p2.pkl", pickle.dumps(arrs, 2), npv)
    add("numpy_p5.pkl", pickle.dumps(arrs, 5), npv)
    add("numpy_rng.pkl",
        pickle.dumps({"rs": np.random.RandomState(0), "gen": np.random.default_rng(0)}, 4), npv)
    buf = io.BytesIO()
    np.save(buf, np.arange(10))
    add("numeric.npy", buf.getvalue(), npv)
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a", {"k": 2}], dtype=object), allow_pickle=True)
    add("object.npy", buf.getvalue(), npv)
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.arange(4), b=np.array(["x", None], dtype=object))
    add("mixed.npz", buf.getvalue(), npv)
except ImportError:
    print("SKIP numpy files: numpy not installed")

# ------------------------------------------------------------- pandas
try:
    import pandas as pd

    pdv = f"pandas {pd.__version__}"
    df = pd.DataFrame({
        "i": [1, 2, 3],
        "f": [0.5, None, 2.0],
        "s": ["a", "b", None],
        "t": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
        "tz": pd.date_range("2024-01-01", periods=3, tz="UTC"),
        "c": pd.Categorical(["x", "y", "x"]),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "td": pd.to_timedelta([1, 2, 3], unit="s"),
    })
    for proto in (2, 4, 5):
        add(f"pandas_df_p{proto}.pkl", pickle.dumps(df, proto), pdv)
    add("pandas_series_idx.pkl",
        pickle.dumps({"s": pd.Series([1.0, 2.0], index=pd.Index(["a", "b"], name="k")),
                      "mi": pd.MultiIndex.from_tuples([(1, "a"), (2, "b")]),
                      "r": pd.RangeIndex(5), "ts": pd.Timestamp("2024-01-01"),
                      "p": pd.Period("2024-01", freq="M"), "na": pd.NA}, 5), pdv)
    path = os.path.join(OUT, "pandas_to_pickle.pkl.gz")
    df.to_pickle(path, compression={"method": "gzip", "mtime": 0})
    added_file("pandas_to_pickle.pkl.gz", pdv)
except ImportError:
    print("SKIP pandas files: pandas not installed")

# ------------------------------------------------------------- scikit-learn + joblib
try:
    import joblib
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    skv = f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}"
    rng = np.random.RandomState(0)
    X = rng.rand(30, 3)
    y = (X[:, 0] > 0.5).astype(int)
    models = {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y),
        "tree": DecisionTreeClassifier(max_depth=2).fit(X, y),
        "knn": KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree").fit(X, y),
        "kmeans": KMeans(n_clusters=2, n_init=1, random_state=0).fit(X),
    }
    for name, m in models.items():
        add(f"sklearn_{name}.pkl", pickle.dumps(m, 5), skv)
        path = os.path.join(OUT, f"sklearn_{name}.joblib")
        joblib.dump(m, path)
        added_file(f"sklearn_{name}.joblib", skv)
    path = os.path.join(OUT, "joblib_arrays_zlib.joblib")
    joblib.dump({"a": np.arange(100.0), "o": np.array(["x", 1], dtype=object)}, path,
                compress=("zlib", 3))
    added_file("joblib_arrays_zlib.joblib", skv)
    path = os.path.join(OUT, "joblib_arrays_gzip.joblib")
    joblib.dump([np.ones((3, 3)), np.array(["u", "v"])], path, compress=("gzip", 3))
    added_file("joblib_arrays_gzip.joblib", skv)
except ImportError:
    print("SKIP scikit-learn/joblib files: not installed")

# ------------------------------------------------------------- PyTorch
try:
    import torch

    tv = f"torch {torch.__version__}"
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    for fname, obj, kw in [
        ("torch_state_dict.pt", net.state_dict(), {}),
        ("torch_state_dict_legacy.pt", net.state_dict(), {"_use_new_zipfile_serialization": False}),
        ("torch_tensors.pt", {"f16": torch.ones(2, dtype=torch.float16),
                              "i64": torch.arange(3), "b": torch.tensor([True, False]),
                              "view": torch.arange(6.0)[1:4],
                              "param": torch.nn.Parameter(torch.zeros(2))}, {}),
        ("torch_full_model.pt", net, {}),
    ]:
        path = os.path.join(OUT, fname)
        torch.save(obj, path, **kw)
        added_file(fname, tv)
except ImportError:
    print("SKIP PyTorch files: torch not installed")

with open(MANIFEST, "w") as f:
    json.dump(sorted(manifest.values(), key=lambda e: e["file"]), f, indent=1)
    f.write("\n")
print(f"{len(manifest)} benign files")
