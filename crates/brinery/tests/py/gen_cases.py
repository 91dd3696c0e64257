#!/usr/bin/env python3
"""Write a case file of CPython pickles of deterministic random values.

Usage:
    python3 gen_cases.py --seed S --count N --out FILE
                         [--protocols 0,1,2,3,4,5] [--builtin-only]

For every value index i in ``values.gen_values(S, N, builtin_only)`` and
every requested protocol p (in the order given) one record is written:
``pickle.dumps(value, protocol=p)`` (the C pickler), ``repr(value)`` and the
flags (bit0 = contains brinery_testclasses instances, bit1 = recursive).
The binary layout is documented in cases.py (magic ``b"BRCASES1"``).

Determinism: the values never depend on hash randomisation, but the pickle
bytes of sets/frozensets of str/bytes do (iteration order).  So that the same
arguments always produce a byte-identical file, the script re-executes
itself with PYTHONHASHSEED=0 when PYTHONHASHSEED is not set.

Pickles of values with instances name the module ``brinery_testclasses``;
loading them needs this directory on sys.path (check_loads.py does that).
"""

import argparse
import os
import pickle
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


def _ensure_hashseed():
    if os.environ.get("PYTHONHASHSEED") is None:
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable,
                  [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


def parse_protocols(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        p = int(part)
        if not 0 <= p <= pickle.HIGHEST_PROTOCOL:
            raise argparse.ArgumentTypeError("protocol %d out of range" % p)
        out.append(p)
    if not out:
        raise argparse.ArgumentTypeError("no protocols given")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--protocols", type=parse_protocols,
                    default=list(range(pickle.HIGHEST_PROTOCOL + 1)))
    ap.add_argument("--builtin-only", action="store_true",
                    help="no class instances (values.gen_values(builtin_only=True))")
    args = ap.parse_args(argv)

    from cases import CaseWriter
    from values import gen_value, value_flags

    t0 = time.time()
    nbytes = 0
    with CaseWriter(args.out) as w:
        for i in range(args.count):
            v = gen_value(args.seed, i, args.builtin_only)
            flags = value_flags(v)
            rep = repr(v)
            for p in args.protocols:
                data = pickle.dumps(v, protocol=p)
                nbytes += len(data)
                w.write(i, p, data, rep, flags)
        n = w.count
    print("gen_cases: %d values x %d protocols = %d records, %d pickle bytes, "
          "%.2fs -> %s" % (args.count, len(args.protocols), n, nbytes,
                           time.time() - t0, args.out))
    return 0


if __name__ == "__main__":
    _ensure_hashseed()
    sys.exit(main())
