"""Check `brine json --plain` of the torch fixtures against the bytes torch
wrote: each tensor's nested arrays, made back into a numpy array of its
dtype, must have the sha256 recorded in expected.json (by gen.py, from
torch). Prints `MATCHED N MISMATCHED M` and any mismatch."""
import hashlib
import json
import subprocess
import sys

import numpy as np

expected = json.load(open(sys.argv[1]))
brine, fixtures = sys.argv[2], sys.argv[3]
NUMPY = {
    "float32": "<f4", "float64": "<f8", "float16": "<f2", "int64": "<i8",
    "int32": "<i4", "int16": "<i2", "int8": "i1", "uint8": "u1", "bool": "?",
    "complex64": "<c8", "complex128": "<c16", "uint16": "<u2", "uint32": "<u4",
    "uint64": "<u8",
}
matched = mismatched = 0
for name, e in sorted(expected.items()):
    if "tensors" not in e:
        continue
    out = subprocess.run([brine, "json", "--plain", f"{fixtures}/{name}"], capture_output=True)
    if out.returncode:
        continue
    doc = json.loads(out.stdout)
    for tname, t in e["tensors"].items():
        if t["dtype"] not in NUMPY or tname not in doc:
            continue
        v = doc[tname]
        dt = NUMPY[t["dtype"]]
        if t["dtype"].startswith("complex"):
            arr = np.array(v, dtype=float).reshape(t["shape"] + [2])
            a = (arr[..., 0] + 1j * arr[..., 1]).astype(dt)
        else:
            a = np.array(v, dtype=dt).reshape(t["shape"])
        if hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() == t["sha256"]:
            matched += 1
        else:
            mismatched += 1
            print("MISMATCH", name, tname, t["dtype"])
print("MATCHED", matched, "MISMATCHED", mismatched)
