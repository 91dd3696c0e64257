"""Helper of tests/serde.rs: CPython's side of the serde mapping tests.

Commands (cases on stdin, one per line, fields separated by TAB):

``dump``   ``PROTO<TAB>EXPR``: print ``pickle.dumps(eval(EXPR), PROTO)`` in
           hex, one line per case.
``check``  ``NAME<TAB>PROTO<TAB>EXPR<TAB>HEX<TAB>EXACT``: ``pickle.loads`` the
           bytes and compare with ``eval(EXPR)`` strictly (same types all the
           way down, dict order included); with EXACT=1 the bytes must also
           equal ``pickle.dumps(eval(EXPR), PROTO)``. Prints one line per
           failure and ``checked N`` at the end; exits 1 on any failure.

Expressions may use ``collections``, ``brinery_testclasses`` (as ``tc``) and
the names below.
"""

import collections
import math
import pickle
import sys

import brinery_testclasses as tc

NAMESPACE = {"collections": collections, "tc": tc, "math": math}


def strict_eq(a, b, path="v"):
    """None if a and b are equal with the same types everywhere, else why not."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__} ({a!r} vs {b!r})"
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        return None if a == b else f"{path}: {a!r} != {b!r}"
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            r = strict_eq(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return f"{path}: keys {list(a.keys())!r} != {list(b.keys())!r}"
        for (k, x), y in zip(a.items(), b.values()):
            r = strict_eq(x, y, f"{path}[{k!r}]")
            if r:
                return r
        for k1, k2 in zip(a.keys(), b.keys()):
            r = strict_eq(k1, k2, f"{path}.key")
            if r:
                return r
        return None
    if isinstance(a, (set, frozenset)):
        if a != b:
            return f"{path}: {a!r} != {b!r}"
        for x in a:
            (y,) = [y for y in b if y == x]
            r = strict_eq(x, y, f"{path}{{{x!r}}}")
            if r:
                return r
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def main():
    cmd = sys.argv[1]
    lines = [l for l in sys.stdin.read().split("\n") if l]
    if cmd == "dump":
        for line in lines:
            proto, expr = line.split("\t", 1)
            v = eval(expr, NAMESPACE)
            print(pickle.dumps(v, int(proto)).hex())
        return 0
    failures = 0
    for line in lines:
        name, proto, expr, hexdata, exact = line.split("\t")
        data = bytes.fromhex(hexdata)
        want = eval(expr, NAMESPACE)
        try:
            got = pickle.loads(data)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {name} (protocol {proto}): pickle.loads raised {e!r}")
            failures += 1
            continue
        why = strict_eq(got, want)
        if why:
            print(f"FAIL {name} (protocol {proto}): {why}")
            failures += 1
            continue
        if exact == "1":
            ref = pickle.dumps(want, int(proto))
            if ref != data:
                print(f"FAIL {name} (protocol {proto}): bytes differ from pickle.dumps\n"
                      f"    cpython: {ref!r}\n    brinery: {data!r}")
                failures += 1
    print(f"checked {len(lines)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
