#!/usr/bin/env python3
"""Write fuzz/seeds/: a small corpus of pickles made by CPython (protocols
0-5) plus hand-assembled ones for the opcodes Python 3 never writes, so that
together they use every opcode of pickletools' table. Deterministic: run it
again and the files are the same. Usage: python3 fuzz/gen_seeds.py [DIR]"""

import collections
import copyreg
import datetime
import decimal
import fractions
import hashlib
import io
import os
import pickle
import pickletools
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


class Plain:
    def __init__(self):
        self.a = 1
        self.b = [1, 2]


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 1
        self.y = "y"


class WithArgs:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __getnewargs__(self):
        return (self.a, self.b)


class WithKw:
    def __new__(cls, a, *, k=0):
        self = object.__new__(cls)
        self.a, self.k = a, k
        return self

    def __getnewargs_ex__(self):
        return ((self.a,), {"k": self.k})


class Outer:
    class Inner:
        pass


class PList(list):
    pass


class PDict(dict):
    pass


for c in (Plain, Slotted, WithArgs, WithKw, Outer, PList, PDict):
    c.__module__ = "seedmod"
Outer.Inner.__module__ = "seedmod"
Outer.Inner.__qualname__ = "Outer.Inner"
sys.modules["seedmod"] = sys.modules[__name__]


class Persist(pickle.Pickler):
    def __init__(self, f, proto):
        super().__init__(f, proto)
        self.proto = proto

    def persistent_id(self, obj):
        if isinstance(obj, str) and obj.startswith("pid:"):
            return obj[4:] if self.proto == 0 else ("pid", obj[4:])
        return None


def values():
    rec = []
    rec.append(rec)
    d = {}
    d["self"] = d
    shared = ["shared"]
    yield "scalars", [None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31,
                      2**63, -2**64, 2**200, 1.5, -0.0, float("inf"), float("nan"), 1e300]
    yield "strings", ["", "a", "caf\u00e9", "\U0001f600", "\ud800", "x" * 300, "line\nbreak\\"]
    yield "bytes", [b"", b"\x00\xff", b"y" * 300, bytearray(b"ba"), bytearray()]
    yield "containers", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1], list(range(1500)),
                         {}, {"k": "v"}, {i: str(i) for i in range(1100)}, set(), {1, 2},
                         frozenset(), frozenset({3}), set(range(1200))]
    yield "shared", [shared, shared, (shared,), {"a": shared}]
    yield "recursive", [rec, d]
    yield "objects", [Plain(), Slotted(), WithArgs(1, "b"), WithKw(2, k=3), Outer.Inner(), PList([1, 2]),
                      PDict(a=1)]
    yield "stdlib", [datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
                     decimal.Decimal("1.5"), fractions.Fraction(1, 3), collections.OrderedDict(a=1),
                     collections.deque([1]), complex(1, 2), range(3), slice(1, 2), Ellipsis,
                     NotImplemented, type(None), len]


def dumps(obj, proto, **kw):
    return pickle.dumps(obj, protocol=proto, **kw)


def picklable(vals, proto):
    """The elements of vals that CPython can pickle at proto."""
    ok = []
    for v in vals:
        try:
            pickle.dumps(v, proto)
        except (TypeError, ValueError, pickle.PicklingError):
            continue
        ok.append(v)
    return ok


def made_by_cpython():
    out = {}
    for name, vals in values():
        for proto in range(6):
            pv = picklable(vals, proto)
            out[f"{name}-p{proto}"] = dumps(pv, proto)
            out[f"{name}-fast-p{proto}"] = None  # placeholder removed below
            try:
                pk = io.BytesIO()
                p = pickle.Pickler(pk, proto)
                p.fast = True
                p.dump(pv)
                out[f"{name}-fast-p{proto}"] = pk.getvalue()
            except ValueError:
                del out[f"{name}-fast-p{proto}"]
    for proto in range(6):
        out[f"optimized-p{proto}"] = pickletools.optimize(dumps([[1, 2], "s", {"a": (1,)}], proto))
        f = io.BytesIO()
        Persist(f, proto).dump(["pid:one", "two", {"pid:three": 3}])
        out[f"persistent-p{proto}"] = f.getvalue()
    # Extension codes (EXT1, EXT2, EXT4).
    for code, cls in ((1, Plain), (0x1234, Slotted), (0x12345678, WithArgs)):
        copyreg.add_extension("seedmod", cls.__name__, code)
    for proto in (2, 4):
        out[f"extensions-p{proto}"] = dumps([Plain, Slotted, WithArgs], proto)
    for code, cls in ((1, Plain), (0x1234, Slotted), (0x12345678, WithArgs)):
        copyreg.remove_extension("seedmod", cls.__name__, code)
    # Out-of-band and in-band buffers (protocol 5).
    bufs = [pickle.PickleBuffer(b"oob"), pickle.PickleBuffer(bytearray(b"rw")),
            pickle.PickleBuffer(memoryview(b"ro"))]
    out["buffers-inband-p5"] = dumps(bufs, 5)
    out["buffers-oob-p5"] = dumps(bufs, 5, buffer_callback=lambda b: False)
    # Several pickles in one stream.
    out["stream-p2"] = dumps(1, 2) + dumps([2], 2) + dumps("three", 2)
    return {k: v for k, v in out.items() if v is not None}


def hand_made():
    """Opcodes Python 3 does not write (and a few it writes only for huge
    data), assembled by hand; main() checks that pickletools parses them."""
    def u8(n):
        return struct.pack("<Q", n)
    return {
        "py2-string": b"(S'abc'\np0\nS'a\\x00\\n\\'\"'\np1\nU\x03xyzT\x04\x00\x00\x00wxyzl.",
        "py2-inst": b"(I1\nI2\nicopyreg\n_reconstructor\np0\n(dp1\nS'a'\nI01\nsb.",
        "py2-obj": b"\x80\x01(cbuiltins\nobject\nq\x00o}q\x01X\x01\x00\x00\x00aK\x01sb.",
        "py2-long": b"(L123L\nL-99999999999999999999999999L\nI0\nI01\nI00\nF1.5\nF-inf\nl.",
        "text-memo": b"(lp0\nI1\naVcaf\\u00e9\\U0001f600\np1\nag0\nag1\na.",
        "pop-dup": b"\x80\x02(K\x01K\x020K\x032\x85\x86N1]q\x00h\x00\x86.",
        "long4": b"\x80\x02\x8b\x01\x00\x00\x00\xff\x8b\x09\x00\x00\x00" + b"\x01" * 9 + b"\x86.",
        "eight-byte-lengths": b"\x80\x04\x8e" + u8(2) + b"ab\x8d" + u8(3) + b"xyz\x86.",
        "bytearray8": b"\x80\x05\x96" + u8(3) + b"abc\x94\x98.",
        "frozenset-additems": b"\x80\x04(K\x01K\x02\x91\x8f(K\x03K\x04\x90\x86.",
        "newobj-ex": b"\x80\x04\x8c\x08builtins\x8c\x06object\x93)}\x92.",
        "readonly-inband": b"\x80\x05\x96" + u8(2) + b"hi\x98.",
        "frame": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01K\x02\x86.",
        "binpersid": b"\x80\x02X\x03\x00\x00\x00pidQ.",
        "persid": b"Pkey\n.",
        "next-buffer": b"\x80\x05\x97\x97\x98\x86.",
        "ext": b"\x80\x02\x82\x01\x83\x34\x12\x84\xff\xff\xff\x7f\x87.",
    }


def opcodes_of(data):
    names = set()
    for op, arg, pos in pickletools.genops(data):
        names.add(op.name)
        if op.name == "STOP":
            break
    return names


def main():
    seeds = made_by_cpython()
    for name, data in hand_made().items():
        seeds["hand-" + name] = data
    used = set()
    for name, data in seeds.items():
        used |= opcodes_of(data)
    missing = {op.name for op in pickletools.opcodes} - used
    if missing:
        sys.exit(f"opcodes not covered by the seeds: {sorted(missing)}")
    os.makedirs(OUT, exist_ok=True)
    # The JSON seeds and the fuzzers' regression inputs (regress-*) are
    # not made here: they stay.
    for old in os.listdir(OUT):
        if old.endswith(".pkl") and not old.startswith("regress-"):
            os.remove(os.path.join(OUT, old))
    total = 0
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name + ".pkl"), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{len(seeds)} seeds, {total} bytes, all {len(pickletools.opcodes)} opcodes covered, in {OUT}")


if __name__ == "__main__":
    main()
