"""Check a safetensors file brinery-torch exported against expected.json.

usage: check_safetensors.py OUT.safetensors expected.json FIXTURE

Every tensor must load with Python's `safetensors` (numpy framework where
numpy has the type) with the shape and element bytes torch reported;
bfloat16/float8 (which numpy lacks) are compared as raw bytes from
`safe_open`'s slices of the header's offsets. Complex tensors come back as
float pairs with a trailing dimension of 2, except complex64 (`C64`).
Scalars are in the metadata.
"""

import hashlib
import json
import struct
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

NUMPY_OK = {"F64", "F32", "F16", "I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL"}

path, expected_path, fixture = sys.argv[1:4]
exp = json.load(open(expected_path))[fixture]
raw = open(path, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + n])
meta = header.pop("__metadata__", {})
body = raw[8 + n :]

with safe_open(path, framework="np") as f:
    keys = set(f.keys())
    got_meta = f.metadata()
assert got_meta == meta, (got_meta, meta)

complex_ = json.loads(meta.get("brinery.complex", "{}"))
rawtypes = json.loads(meta.get("brinery.dtypes", "{}"))
want = {(k if k else "tensor"): v for k, v in exp["tensors"].items()}
assert keys == set(want), (sorted(keys), sorted(want))

numpy_names = [k for k in keys if header[k]["dtype"] in NUMPY_OK]
if len(numpy_names) == len(keys):
    loaded = load_file(path)
else:
    loaded = {}
    with safe_open(path, framework="np") as f:
        for k in numpy_names:
            loaded[k] = f.get_tensor(k)

for name, w in want.items():
    info = header[name]
    shape = list(w["shape"])
    if w["dtype"] in ("complex32", "complex128"):
        shape.append(2)
        assert complex_[name] == w["dtype"], (name, complex_)
    assert info["shape"] == shape, (name, info["shape"], shape)
    a, b = info["data_offsets"]
    data = body[a:b]
    if name in loaded:
        arr = loaded[name]
        assert list(arr.shape) == shape, (name, arr.shape)
        data2 = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        assert data2 == data, name
    assert hashlib.sha256(data).hexdigest() == w["sha256"], (name, w["dtype"])
    if w["dtype"] == "complex64":
        assert info["dtype"] == "C64" and name not in complex_, (name, info)
    if w["dtype"] in ("float8_e4m3fnuz", "float8_e5m2fnuz"):
        assert rawtypes[name] == w["dtype"]

for k, v in exp["scalars"].items():
    assert json.loads(meta[k]) == json.loads(v), (k, meta[k], v)
assert meta["format"] == "pt"
print(f"{fixture}: {len(want)} tensors, {len(exp['scalars'])} scalars ok")
