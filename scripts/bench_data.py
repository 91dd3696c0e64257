#!/usr/bin/env python3
"""Generate the benchmark workloads of issue 6 (pickles written by CPython).

    python3 scripts/bench_data.py [OUT_DIR] [--only NAME ...] [--force]

OUT_DIR defaults to target/bench-data (not committed). Every file is
`pickle.dumps(obj, protocol=5)` of a deterministic (seeded) object:

    records.pkl   1M dicts {'id': i, 'name': f'name{i}', 'score': float,
                  'tags': ['a', 'b']}                              ~46.8 MB
    ints.pkl      list(range(10**7))                               ~49.9 MB
    strings.pkl   2M random 32-char ASCII str                      ~70.0 MB
    blob.pkl      one 200 MiB bytes object                        ~209.7 MB
    nested.pkl    200k rows of four shapes (dicts, tuples, lists,
                  nested dicts) all sharing one `meta` dict        ~22.3 MB
    small_dict.pkl   a pyperformance-style 30-key dict (latency)
    small_tuple.pkl  a 20-int tuple (latency)

A manifest.json lists name, size and sha256 of each file. Existing files
are kept unless --force (a file is regenerated when the manifest says it
was made by a different version of this script).
"""

import hashlib
import json
import os
import pickle
import random
import string
import sys
import time

# Bump when a workload changes so stale files are regenerated.
VERSION = 2
SEED = 20261123


def records():
    rng = random.Random(SEED + 1)
    return [
        {"id": i, "name": f"name{i}", "score": rng.random() * 100.0, "tags": ["a", "b"]}
        for i in range(1_000_000)
    ]


def ints():
    return list(range(10**7))


def strings():
    rng = random.Random(SEED + 2)
    alphabet = string.ascii_letters + string.digits
    return ["".join(rng.choices(alphabet, k=32)) for _ in range(2_000_000)]


def blob():
    rng = random.Random(SEED + 3)
    return rng.randbytes(200 * 1024 * 1024)


def nested():
    """200k rows of mixed shapes; every row holds the same `meta` dict.

    `meta` itself holds memoized strings and a list, so every later
    reference to it is a memo GET of a container with memoized children
    (serde-pickle 1.x rejects that as "recursive structure found").
    """
    rng = random.Random(SEED + 4)
    meta = {
        "source": "sensor-array-7",
        "unit": "celsius",
        "calibration": [1.0, 0.5, -0.25],
        "active": True,
    }
    rows = []
    for i in range(200_000):
        # A short history list in every row: (int, float) pairs and ints.
        hist = [(i, rng.random()), (i + 1, rng.random()), None, i % 251, -i]
        k = i % 4
        if k == 0:
            row = {
                "id": i,
                "meta": meta,
                "values": [rng.random(), rng.random(), rng.random()],
                "label": f"r{i}",
                "pos": (i, i + 1),
                "hist": hist,
            }
        elif k == 1:
            row = (i, meta, f"row-{i}", None, rng.random() < 0.5,
                   [i, f"{i:x}", -1.5], {"n": i, "tag": "t"}, hist)
        elif k == 2:
            row = [i, [i + 1, [i + 2, (i + 3, -i)]], meta,
                   {"deep": [{"x": i, "y": rng.random()}]}, hist]
        else:
            row = {
                "id": i,
                "child": {"meta": meta, "xy": (rng.random(), i), "ok": False,
                          "items": [i, 2 * i, 3 * i]},
                "name": f"c{i}",
                "hist": hist,
            }
        rows.append(row)
    return rows


def small_dict():
    # The shape of pyperformance's bm_pickle DICT: a 30-key user record.
    return {
        "ads_flags": 0,
        "age": 18,
        "bulletin_count": 0,
        "comment_count": 0,
        "country": "BR",
        "encrypted_id": "G9urXXAJwjE",
        "favorite_artists_count": 0,
        "favorite_category_count": 0,
        "favorite_tracks_count": 0,
        "first_name": "Eduardo",
        "followers_count": 1,
        "following_count": 4,
        "friend_count": 0,
        "gender": "m",
        "has_friends": False,
        "id": 266436,
        "is_artist": False,
        "is_subscriber": False,
        "last_name": "Saverin",
        "location": "Rio de Janeiro",
        "notification_count": 0,
        "photo_count": 3,
        "picture": "http://example.com/pictures/266436.jpg",
        "playlists_count": 2,
        "post_count": 7,
        "rating": 4.5,
        "reviews_count": 0,
        "status": "active",
        "username": "eduardo",
        "verified": True,
    }


def small_tuple():
    rng = random.Random(SEED + 5)
    return tuple(rng.randrange(40_000_000, 270_000_000) for _ in range(20))


WORKLOADS = {
    "records": records,
    "ints": ints,
    "strings": strings,
    "blob": blob,
    "nested": nested,
    "small_dict": small_dict,
    "small_tuple": small_tuple,
}


def main(argv):
    out = "target/bench-data"
    only = []
    force = False
    args = iter(argv)
    for a in args:
        if a == "--force":
            force = True
        elif a == "--only":
            only.append(next(args))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            out = a
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("version") != VERSION:
        manifest = {"version": VERSION, "files": {}}
    for name, make in WORKLOADS.items():
        if only and name not in only:
            continue
        path = os.path.join(out, name + ".pkl")
        if not force and os.path.exists(path) and name in manifest["files"]:
            if os.path.getsize(path) == manifest["files"][name]["size"]:
                print(f"{name:12} kept      {path}")
                continue
        t = time.perf_counter()
        data = pickle.dumps(make(), protocol=5)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        manifest["files"][name] = {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        print(
            f"{name:12} {len(data) / 1e6:9.1f} MB {path} "
            f"({time.perf_counter() - t:.1f} s)"
        )
        del data
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
