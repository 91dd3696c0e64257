#!/usr/bin/env bash
# Loading a ~1 GB PyTorch checkpoint, warm in the page cache, in one run:
#   (a) read(2) of the file, touching every byte
#   (b) brinery-torch: open (memory-mapped) + every tensor's bytes, touching every byte
#   (c) torch.load(weights_only=True) + touching every tensor
# Needs a python with torch (BRINERY_PYTHON=..., default /tmp/torchenv/bin/python).
# usage: crates/brinery-torch/benches/bench_torch.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/../../.."
PYTHON=${BRINERY_PYTHON:-/tmp/torchenv/bin/python}
FILE=${1:-/tmp/brinery_bench_1g.pt}
if [ ! -f "$FILE" ]; then
  "$PYTHON" - "$FILE" <<'PY'
import sys, torch
torch.manual_seed(0)
# ~1 GB: 500 tensors of 2 MB (float32/bfloat16/int64 mixed), like a model.
sd = {}
for i in range(500):
    kind = i % 3
    if kind == 0:
        sd[f"layers.{i}.weight"] = torch.randn(512, 1024)            # 2 MiB f32
    elif kind == 1:
        sd[f"layers.{i}.weight"] = torch.randn(1024, 1024).bfloat16() # 2 MiB bf16
    else:
        sd[f"layers.{i}.index"] = torch.arange(262144, dtype=torch.int64)  # 2 MiB
torch.save(sd, sys.argv[1])
PY
fi
cat "$FILE" > /dev/null; cat "$FILE" > /dev/null
cargo build --release -q -p brinery-torch --example bench_load
echo "== $(nproc) CPUs, $(uname -r)"
./target/release/examples/bench_load "$FILE" 5
"$PYTHON" - "$FILE" <<'PY'
import os, sys, time
import numpy as np
import torch
path = sys.argv[1]
size = os.path.getsize(path)
best = best_load = 1e9
for _ in range(5):
    t = time.perf_counter()
    sd = torch.load(path, weights_only=True)
    t_load = time.perf_counter() - t
    acc = 0
    # The same touch as (a) and (b): xor of every 64-bit word.
    for v in sd.values():
        acc ^= int(np.bitwise_xor.reduce(v.reshape(-1).view(torch.uint8).numpy().view(np.uint64)))
    best = min(best, time.perf_counter() - t)
    best_load = min(best_load, t_load)
    del sd
print(f"(c) torch.load(weights_only=True) + touch: {best:.3f} s  {size/best/1e9:.2f} GB/s"
      f"  (torch.load alone {best_load:.3f} s; torch {torch.__version__})")
PY
