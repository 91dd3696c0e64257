"""Differential fuzzing of the brinery Python package (issue #17).

    python python/tests/pkgfuzz.py --ci                 # the bounded CI run
    python python/tests/pkgfuzz.py --seconds 1800 --seed 7   # a long run

Inputs: the core's fuzz seeds (fuzz/seeds), fixture pickles of the
repository (stdlib, py2, malicious, numpy), the byte constants of CPython's
``test.pickletester``, and pickles of random object trees; then mutations of
them: bit flips, interesting bytes, inserted opcodes, deletions,
truncations, splices, repeated chunks, opcode swaps, and edits of length
fields and memo indexes found with ``pickletools.genops``.

Oracles (each one can disagree: ``test_fuzz.py`` shows it does when the
code under test is wrong):

1. **allow mode**: ``brinery.loads(data, allow=PAIRS)`` against
   ``pickle.loads`` (``_pickle``) through an ``Unpickler`` whose
   ``find_class`` returns exactly the same objects for the same names and
   refuses every other name. ``PAIRS`` are builtins, the datetime family,
   Decimal, Fraction, UUID, ZoneInfo, collections, ``_codecs.encode``,
   ``copyreg._reconstructor`` (plus their Python 2 names, so both sides
   agree with or without ``fix_imports``). Callables that allocate what an
   argument asks (``bytes(n)``, ``bytearray(n)``, ``range``) are given to
   both sides as size-checked wrappers; ``getattr`` is left out (a chain of
   getattr calls reaches ``os.system``). Python classes the data may modify
   in place (BUILD/SETITEMS on a class) are restored after each side.
2. **safe mode** (no ``allow=``): ``brinery.loads(data)`` against pickle's
   pure-Python unpickler (``pickle._Unpickler``: it knows the protocol for
   Python 2 names) whose ``find_class`` gives brinery's documented safe set
   (``brinery._safe.resolve``) and refuses the rest, and which refuses the
   same in-place changes of safe-set classes and functions as brinery
   does. Also: a safe-mode load imports nothing (``sys.modules`` is the
   same before and after; the safe set's modules are imported up front).
3. **file**: ``brinery.load(BytesIO(data))`` (the general loop) has the
   same outcome as ``brinery.loads`` (the fast path) and, on success,
   stops at the same file offset as ``pickle.load``.
4. **pickler**: random object trees (shared references, cycles, recursive
   tuples, 1000-item batch boundaries, 64 KiB frame boundaries, reducer
   classes): ``brinery.dumps(obj, p) == pickle.dumps(obj, p)`` for every
   protocol (or both raise the same exception type), and both loaders
   give the tree back.

Outcome rule for loads: both return, and the values are the same graph
(exact types, floats by their bits, containers item by item in order,
other objects by their ``__reduce_ex__(4)``, and shared references and
cycles in the same places); or both raise, and brinery's exception is a
``pickle.UnpicklingError`` (``brinery.UnsafeError`` is one) or of the class
the reference raised (in safe mode: the class ``_pickle`` raises, too).
Never accepted: a brinery exception that is not an ``Exception`` (a Rust
panic), ``SystemError``, or ``MemoryError`` when the reference did not run
out of memory. Everything else is a disagreement, printed with the input.

The process runs under RLIMIT_AS (4 GiB) so that a hostile size reaching
an allowed callable fails instead of taking the machine's memory; a
``MemoryError`` raised by brinery alone is a disagreement.
"""

import argparse
import collections
import copyreg
import datetime
import decimal
import fractions
import io
import math
import os
import pickle
import pickletools
import random
import struct
import sys
import time
import types
import uuid
import zoneinfo
from pathlib import Path

import brinery
from brinery import _safe

ROOT = Path(os.environ.get("PKGFUZZ_ROOT") or Path(__file__).resolve().parents[2])

# ---------------------------------------------------------------- corpus

FIXTURE_DIRS = [
    # (directory under the repository, max files, max bytes per file)
    ("fuzz/seeds", 1000, 1 << 16),
    ("crates/brinery-scan/tests/corpus/benign/stdlib-py3.11", 1000, 1 << 15),
    ("crates/brinery-scan/tests/corpus/benign/stdlib-py2.7", 1000, 1 << 15),
    ("crates/brinery-scan/tests/corpus/malicious", 1000, 1 << 15),
    ("crates/brinery-numpy/tests/fixtures/pickles/np2", 60, 1 << 13),
    ("crates/brinery-numpy/tests/fixtures/pickles/py2", 20, 1 << 13),
]


def fixture_corpus():
    """(name, bytes) of the repository's seed and fixture pickles, sorted."""
    out = []
    for rel, cap, maxlen in FIXTURE_DIRS:
        if "numpy" in rel and os.environ.get("PKGFUZZ_NO_NUMPY"):
            continue
        d = ROOT / rel
        if not d.is_dir():
            continue
        files = sorted(p for p in d.rglob("*") if p.is_file() and p.suffix in (".pkl", ".pickle"))
        taken = 0
        for p in files:
            if taken >= cap:
                break
            data = p.read_bytes()
            if 0 < len(data) <= maxlen:
                out.append((str(p.relative_to(ROOT)), data))
                taken += 1
    return out


def cpython_corpus():
    """The byte constants of CPython's own pickle tests (DATA0...)."""
    try:
        from test import pickletester
    except ImportError:
        return []
    out = []
    for k, v in sorted(vars(pickletester).items()):
        if isinstance(v, bytes) and len(v) > 2:
            out.append(("test.pickletester." + k, v))
    return out


# ---------------------------------------------------------------- mutations

INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x04, 0x05, 0x7F, 0x80, 0xFE, 0xFF] + [
    op.code.encode("latin-1")[0] for op in pickletools.opcodes
]
INTERESTING_LENGTHS = [
    0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
    0xFFFFFFFF, 1 << 32, 1 << 62, (1 << 63) - 1, 1 << 63, (1 << 64) - 1,
]
# Opcode bytes grouped by how their argument is laid out (a swap keeps
# the argument parseable).
_BY_ARG = collections.defaultdict(list)
for _op in pickletools.opcodes:
    _BY_ARG[_op.arg.name if _op.arg else None].append(_op.code.encode("latin-1"))
SNIPPETS = [
    b"(", b"0", b"1", b"2", b"t", b"l", b"d", b"s", b"a", b"e", b"u", b"b", b"R",
    b"\x81", b"\x92", b"\x93", b"\x94", b"\x85", b"\x86", b"\x87", b"N", b")", b"]",
    b"}", b"\x8f", b"\x90", b"\x91", b"\x88", b"\x89", b"\x97", b"\x98",
    b"h\x00", b"h\x01", b"j\x00\x00\x00\x00", b"q\x00", b"r\xff\xff\xff\xff",
    b"K\x00", b"M\xff\xff", b"J\xff\xff\xff\xff", b"\x8a\x01\xff", b"\x8b\xff\xff\xff\x7f",
    b"X\xff\xff\xff\x7f", b"\x8d" + b"\xff" * 8, b"\x8e" + b"\xff" * 8, b"\x96" + b"\xff" * 8,
    b"\x95" + b"\xff" * 8, b"\x80\x05", b"\x80\x02", b"\x80\x06", b"\x8c\x08builtins\x8c\x03int\x93",
    b"cbuiltins\nint\n", b"c__builtin__\nset\n", b"ccopy_reg\n_reconstructor\n",
    b"I01\n", b"I00\n", b"I-7\n", b"L12L\n", b"F1e999\n", b"S'a'\n", b"Vx\\u0041\n",
    b"g0\n", b"p0\n", b"p-1\n", b"cos\nsystem\n", b"\x8c\x02os\x8c\x06system\x93",
    b"\x82\x01", b"\x83\x00\x01", b"\x84\x00\x00\x00\x80", b"P1\n", b"Q",
    b"\x8c\x08datetime\x8c\x04date\x93C\x04\x07\xe4\x02\x1d\x85R",
    b"cbuiltins\nbytes\nJ\xff\xff\xff\x7f\x85R", b"cbuiltins\nrange\nJ\xff\xff\xff\x7f\x85R",
]


def ops_of(data):
    """(opcode, arg, pos) of the parseable prefix of `data`."""
    out = []
    try:
        for op, arg, pos in pickletools.genops(data):
            out.append((op, arg, pos))
            if len(out) > 5000:
                break
    except Exception:
        pass
    return out


_WIDTH = {
    pickletools.TAKEN_FROM_ARGUMENT1: 1,
    pickletools.TAKEN_FROM_ARGUMENT4: 4,
    pickletools.TAKEN_FROM_ARGUMENT4U: 4,
    pickletools.TAKEN_FROM_ARGUMENT8U: 8,
}


def length_fields(ops):
    """(pos, width) of every length field (counted arguments and FRAME)."""
    out = []
    for op, _arg, pos in ops:
        if op.arg is None or pos is None:
            continue
        if op.arg.n in _WIDTH:
            out.append((pos + 1, _WIDTH[op.arg.n]))
        elif op.name == "FRAME":
            out.append((pos + 1, 8))
    return out


def index_fields(ops):
    """(pos, width) of memo indexes and small int arguments."""
    out = []
    for op, _arg, pos in ops:
        if pos is None:
            continue
        if op.name in ("BINGET", "BINPUT", "BININT1", "EXT1", "PROTO"):
            out.append((pos + 1, 1))
        elif op.name in ("LONG_BINGET", "LONG_BINPUT", "BININT", "EXT4"):
            out.append((pos + 1, 4))
        elif op.name in ("BININT2", "EXT2"):
            out.append((pos + 1, 2))
    return out


def mutate(rng, data, corpus):
    """One to three stacked mutations of `data`."""
    b = bytearray(data)
    ops = ops_of(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        k = rng.randrange(12)
        n = len(b)
        if n == 0:
            b.extend(rng.choice(SNIPPETS))
            continue
        i = rng.randrange(n)
        if k == 0:  # flip a bit
            b[i] ^= 1 << rng.randrange(8)
        elif k == 1:  # an interesting byte
            b[i] = rng.choice(INTERESTING_BYTES)
        elif k == 2:  # insert an opcode snippet
            b[i:i] = rng.choice(SNIPPETS)
        elif k == 3:  # delete a range
            del b[i : i + rng.choice((1, 1, 2, 4, 9, 64))]
        elif k == 4:  # truncate
            del b[i:]
        elif k == 5:  # splice with another corpus entry
            other = rng.choice(corpus)[1]
            j = rng.randrange(len(other) + 1)
            b[i:] = other[j:]
        elif k == 6:  # repeat a chunk
            m = rng.choice((1, 2, 5, 16, 200))
            b[i:i] = b[i : i + m] * rng.choice((2, 3, 50))
        elif k in (7, 8):  # a length field gets another value
            fields = length_fields(ops)
            if not fields:
                b[i] = rng.choice(INTERESTING_BYTES)
                continue
            pos, width = rng.choice(fields)
            if pos + width > n:
                continue
            old = int.from_bytes(b[pos : pos + width], "little")
            v = rng.choice(INTERESTING_LENGTHS + [old + 1, old - 1, old * 2, n - pos, n])
            b[pos : pos + width] = (v % (1 << (8 * width))).to_bytes(width, "little")
        elif k == 9:  # a memo index / small int argument
            fields = index_fields(ops)
            if not fields:
                continue
            pos, width = rng.choice(fields)
            if pos + width > n:
                continue
            v = rng.choice([0, 1, 2, 3, 0xFF, 0x7F, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF])
            b[pos : pos + width] = (v % (1 << (8 * width))).to_bytes(width, "little")
        elif k == 10:  # swap an opcode for one with the same argument layout
            if not ops:
                continue
            op, _arg, pos = rng.choice(ops)
            if pos is None or pos >= n:
                continue
            b[pos : pos + 1] = rng.choice(_BY_ARG[op.arg.name if op.arg else None])
        else:  # drop one whole opcode
            if not ops:
                continue
            j = rng.randrange(len(ops))
            start = ops[j][2]
            end = ops[j + 1][2] if j + 1 < len(ops) else n
            if start is not None and end is not None:
                del b[start:end]
    return bytes(b)


# ---------------------------------------------------------------- comparing


class _Untracked:
    """A reduce tuple made by the comparer (its identity means nothing)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


_ATOMS = (type(None), bool, int, str, bytes, type(Ellipsis), type(NotImplemented))
_TRACKED = (list, dict, set, bytearray, tuple, memoryview, collections.deque)


def _float_bits(x):
    return struct.pack("<d", x)


def canon(x, depth=0):
    """A sortable text key of a hashable value (floats by their bits)."""
    if depth > 50:
        return "deep"
    t = type(x)
    if t is float:
        return "f" + _float_bits(x).hex()
    if t is complex:
        return "c" + _float_bits(x.real).hex() + _float_bits(x.imag).hex()
    if t is tuple:
        return "t(" + ",".join(canon(e, depth + 1) for e in x) + ")"
    if t is frozenset:
        return "fs(" + ",".join(sorted(canon(e, depth + 1) for e in x)) + ")"
    return t.__qualname__ + ":" + repr(x)


def same(a, b):
    """None if `a` and `b` are the same value graph, else where they differ.

    Types must be exact; floats are compared by their bits; lists, tuples,
    dicts (in order) item by item; sets by their elements' canonical keys;
    other objects by ``__reduce_ex__(4)``; classes and functions by
    identity. Mutable containers, tuples and objects must be shared in the
    same places (a bijection between the two graphs). Iterative: any depth.
    """
    fwd, back, keep = {}, {}, []
    work = [(a, b, "root")]
    steps = 0
    while work:
        x, y, path = work.pop()
        steps += 1
        if steps > 2_000_000:
            return "graph too large to compare"
        if isinstance(x, _Untracked) and isinstance(y, _Untracked):
            x, y = x.v, y.v
            if len(x) != len(y):
                return f"{path}: reduce tuples of length {len(x)} != {len(y)}"
            for i in reversed(range(len(x))):
                work.append((x[i], y[i], f"{path}<{i}>"))
            continue
        tx, ty = type(x), type(y)
        if tx is not ty:
            return f"{path}: type {tx.__qualname__} != {ty.__qualname__}"
        if tx in _ATOMS:
            if x != y:
                return f"{path}: {x!r:.80} != {y!r:.80}"
            continue
        if tx is float:
            if _float_bits(x) != _float_bits(y):
                return f"{path}: float {x!r} != {y!r}"
            continue
        if tx is complex:
            if canon(x) != canon(y):
                return f"{path}: complex {x!r} != {y!r}"
            continue
        if isinstance(x, (type,) + _FUNCTION_TYPES):
            if x is not y and not (tx is not type and x == y):  # bound methods: ==
                return f"{path}: {x!r:.80} is not {y!r:.80}"
            continue
        # Identity structure.
        ix, iy = id(x), id(y)
        if ix in fwd or iy in back:
            if fwd.get(ix) != iy or back.get(iy) != ix:
                return f"{path}: shared differently"
            continue
        fwd[ix], back[iy] = iy, ix
        keep.append((x, y))
        if tx is list or tx is tuple:
            if len(x) != len(y):
                return f"{path}: {tx.__name__} of length {len(x)} != {len(y)}"
            for i in reversed(range(len(x))):
                work.append((x[i], y[i], f"{path}[{i}]"))
        elif tx is dict:
            if len(x) != len(y):
                return f"{path}: dict of {len(x)} items != {len(y)}"
            xi, yi = list(x.items()), list(y.items())
            for i in reversed(range(len(xi))):
                work.append((xi[i][1], yi[i][1], f"{path}[{canon_short(xi[i][0])}]"))
                work.append((xi[i][0], yi[i][0], f"{path}.key{i}"))
        elif tx in (set, frozenset):
            if len(x) != len(y):
                return f"{path}: {tx.__name__} of {len(x)} != {len(y)}"
            try:
                kx = sorted(canon(e) for e in x)
                ky = sorted(canon(e) for e in y)
            except RecursionError:
                return f"{path}: set too deep to compare"
            if kx != ky:
                return f"{path}: {tx.__name__} elements differ"
        elif tx is bytearray:
            if x != y:
                return f"{path}: bytearray {bytes(x)!r:.80} != {bytes(y)!r:.80}"
        elif tx is memoryview:
            if (x.readonly, x.format, x.shape, x.tobytes()) != (y.readonly, y.format, y.shape, y.tobytes()):
                return f"{path}: memoryview differs"
        elif _is_iterator(x):
            work.append((_Untracked(tuple(x)), _Untracked(tuple(y)), f"{path}.items"))
        elif tx is decimal.Decimal:
            if repr(x) != repr(y):
                return f"{path}: {x!r} != {y!r}"
        else:
            try:
                rx = x.__reduce_ex__(4)
            except Exception as e:
                rx = ("unreducible", type(e).__name__, str(e))
            try:
                ry = y.__reduce_ex__(4)
            except Exception as e:
                ry = ("unreducible", type(e).__name__, str(e))
            if isinstance(rx, str) or isinstance(ry, str):
                if rx != ry:
                    return f"{path}: reduces to {rx!r} != {ry!r}"
                continue
            work.append((_Untracked(tuple(rx)), _Untracked(tuple(ry)), f"{path}.__reduce__"))
    return None


_FUNCTION_TYPES = (
    types.BuiltinFunctionType,
    types.FunctionType,
    types.MethodType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.ClassMethodDescriptorType,
)


def _is_iterator(x):
    return hasattr(type(x), "__next__") and hasattr(type(x), "__iter__")


def canon_short(k):
    try:
        return canon(k)[:40]
    except Exception:
        return "?"


# ---------------------------------------------------------------- allow mode


class Refused(pickle.UnpicklingError):
    """The reference's find_class refusing a name (brinery: UnsafeError)."""


MAX_ALLOC = 1 << 20


def _checked_bytes(*args):
    if args and isinstance(args[0], int) and abs(args[0]) > MAX_ALLOC:
        raise ValueError("harness: bytes(%d) refused" % args[0])
    return bytes(*args)


def _checked_bytearray(*args):
    if args and isinstance(args[0], int) and abs(args[0]) > MAX_ALLOC:
        raise ValueError("harness: bytearray(%d) refused" % args[0])
    return bytearray(*args)


def _checked_range(*args):
    r = range(*args)
    if len(r) > MAX_ALLOC:
        raise ValueError("harness: range of %d refused" % len(r))
    return r


_checked_bytes.__qualname__ = "bytes"
_checked_bytearray.__qualname__ = "bytearray"
_checked_range.__qualname__ = "range"

ALLOW_PLAIN = {
    "builtins.bool": bool,
    "builtins.int": int,
    "builtins.float": float,
    "builtins.complex": complex,
    "builtins.str": str,
    "builtins.bytes": _checked_bytes,
    "builtins.bytearray": _checked_bytearray,
    "builtins.range": _checked_range,
    "builtins.list": list,
    "builtins.tuple": tuple,
    "builtins.dict": dict,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.slice": slice,
    "builtins.object": object,
    "builtins.Ellipsis": Ellipsis,
    "builtins.NotImplemented": NotImplemented,
    "datetime.date": datetime.date,
    "datetime.time": datetime.time,
    "datetime.datetime": datetime.datetime,
    "datetime.timedelta": datetime.timedelta,
    "datetime.timezone": datetime.timezone,
    "zoneinfo.ZoneInfo": zoneinfo.ZoneInfo,
    "zoneinfo.ZoneInfo._unpickle": zoneinfo.ZoneInfo._unpickle,
    "decimal.Decimal": decimal.Decimal,
    "fractions.Fraction": fractions.Fraction,
    "uuid.UUID": uuid.UUID,
    "uuid.SafeUUID": uuid.SafeUUID,
    "collections.OrderedDict": collections.OrderedDict,
    "collections.defaultdict": collections.defaultdict,
    "collections.Counter": collections.Counter,
    "collections.deque": collections.deque,
    "_codecs.encode": __import__("_codecs").encode,
    "copyreg._reconstructor": copyreg._reconstructor,
}


def _with_py2_names(table):
    """`table` plus the Python 2 names `_compat_pickle` maps onto its keys,
    so that a find_class that does not know the protocol agrees with one
    that maps names (brinery) at every protocol."""
    import _compat_pickle as cp

    out = dict(table)
    for (m2, n2), (m3, n3) in cp.NAME_MAPPING.items():
        key = m3 + "." + n3
        if key in table:
            out.setdefault(m2 + "." + n2, table[key])
    for m2, m3 in cp.IMPORT_MAPPING.items():
        for key, obj in table.items():
            mod, _, name = key.partition(".")
            if mod == m3:
                k2 = m2 + "." + name
                mapped = cp.NAME_MAPPING.get((m2, name), (m3, name))
                if mapped[0] + "." + mapped[1] == key:
                    out.setdefault(k2, obj)
    # Python 3 names map to themselves (else the trick above is wrong).
    for key in table:
        mod, _, name = key.partition(".")
        m, n = cp.NAME_MAPPING.get((mod, name), (cp.IMPORT_MAPPING.get(mod, mod), name))
        assert m + "." + n == key, key
    return out


_TABLES = {}


def allow_table():
    """Name -> object for the allow mode: brinery's safe set (its own
    wrapper objects; `allow=` adds to the safe set) with ALLOW_PLAIN on top,
    plus the Python 2 spellings."""
    if "allow" not in _TABLES:
        table = dict(safe_table())
        table.update(ALLOW_PLAIN)
        _TABLES["allow"] = _with_py2_names(table)
    return _TABLES["allow"]


def allow_pairs():
    """`allow=` for brinery: the ALLOW_PLAIN objects under every spelling."""
    if "pairs" not in _TABLES:
        plain = _with_py2_names(ALLOW_PLAIN)
        _TABLES["pairs"] = [(obj, key) for key, obj in plain.items()]
    return _TABLES["pairs"]


def strip_frames(data):
    """`data` without its FRAME opcodes (in the part genops can read).
    `pickle.loads` treats a FRAME as a hint (an opcode may run past it);
    the pure-Python unpickler enforces it: the pure-Python references read
    the stream without them, so they agree with `_pickle` on that."""
    parts, last = [], 0
    try:
        for op, _arg, pos in pickletools.genops(data):
            if op.name == "FRAME":
                parts.append(data[last:pos])
                last = pos + 9
            if op.name == "STOP":
                break
    except Exception:  # noqa: BLE001 - the rest is kept as it is
        pass
    parts.append(data[last:])
    return b"".join(parts)


def _pickle_bytearray8_bug(data):
    """True if `data` has a BYTEARRAY8 whose length runs past the data:
    `_pickle` (3.11) then prints "SystemError: deallocated bytearray object
    has exported buffers" and raises MemoryError; the pure-Python reference
    is used instead."""
    if b"\x96" not in data:
        return False
    try:
        for _op, _arg, _pos in pickletools.genops(data):
            pass
    except ValueError as e:
        return "bytearray8" in str(e)
    except Exception:  # noqa: BLE001 - other damage: not this case
        return False
    return False


class WholeReader:
    """A file whose first ``read`` returns all the data: `_pickle` then
    works on one buffer exactly as ``pickle.loads`` does (its file mode
    differs: it drops the rest of a FRAME an opcode runs past)."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, n=-1):
        r = self.data[self.pos :]
        self.pos = len(self.data)
        return r

    def readline(self):
        i = self.data.find(b"\n", self.pos)
        end = len(self.data) if i < 0 else i + 1
        r = self.data[self.pos : end]
        self.pos = end
        return r


class AllowRef(pickle.Unpickler):
    """`_pickle` with the same names, giving the same objects."""

    def find_class(self, module, name):
        key = "%s.%s" % (module, name)
        try:
            return allow_table()[key]
        except KeyError:
            raise Refused("refused " + key) from None


class ClassGuard:
    """Python classes/functions the data may change in place: restored
    after each side (so neither side sees the other's changes)."""

    def __init__(self, objs):
        heap = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class whose dict can change
        self.objs = []
        for o in objs:
            if (isinstance(o, type) and o.__flags__ & heap) or isinstance(o, types.FunctionType):
                if all(o is not p for p in self.objs):
                    self.objs.append(o)
        self.snap = [(o, dict(vars(o)), self._extra(o)) for o in self.objs]
        self.restored = 0

    @staticmethod
    def _extra(o):
        return {a: getattr(o, a) for a in ("__defaults__", "__kwdefaults__", "__code__") if hasattr(o, a)}

    def restore(self):
        for o, snap, extra in self.snap:
            cur = vars(o)
            if cur == snap and self._extra(o) == extra:
                continue
            self.restored += 1
            for k in [k for k in cur if k not in snap]:
                try:
                    delattr(o, k)
                except (AttributeError, TypeError):
                    pass
            for k, v in snap.items():
                if cur.get(k, _MISSING) is not v:
                    try:
                        setattr(o, k, v)
                    except (AttributeError, TypeError):
                        pass
            for k, v in extra.items():
                setattr(o, k, v)


_MISSING = object()
_TRACE = bool(os.environ.get("PKGFUZZ_TRACE"))


# ---------------------------------------------------------------- safe mode

_SAFE_OBJECTS = {}


def _safe_resolve(key):
    if key not in _SAFE_OBJECTS:
        _SAFE_OBJECTS[key] = _safe.resolve(key)
    return _SAFE_OBJECTS[key]


def _is_safe_object(obj):
    return any(obj is v for v in _SAFE_OBJECTS.values())


def _refuse_mutation(target):
    if (isinstance(target, type) or callable(target)) and _is_safe_object(target):
        raise pickle.UnpicklingError("reference: refusing to modify %r" % (target,))


_DTYPE_CHECK = {}
# brinery's refusals of numpy calls that `_pickle` would make (and numpy
# might crash on, or allocate for): the guarded pure-Python references
# decide those inputs.
_NUMPY_REFUSALS = (
    "refusing a numpy dtype state",
    "refusing a numpy array state",
    "refusing to call numpy.ndarray",
    "(int): it would allocate",
    "with a range of",
    "would copy",
)


def numpy_state_refused(inst, state):
    """brinery's rules for BUILD on a numpy dtype or array (numpy.dtype and
    numpy.ndarray are never in the harness's allow= pairs): the same
    checker, read from the crate. (Shared code: it keeps the references
    from running states numpy crashes or allocates on; whether the rules
    are strict enough shows as a crash or a memory disagreement.)"""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(inst, (np.dtype, np.ndarray)):
        return None
    if "ns" not in _DTYPE_CHECK:
        src = ROOT / "crates/brinery-py/src/decode/dtype_check.py"
        ns = {}
        exec(compile(src.read_text(), str(src), "exec"), ns)
        _DTYPE_CHECK["ns"] = ns
    ns = _DTYPE_CHECK["ns"]
    if isinstance(inst, np.dtype):
        return ns["check"](inst, state)
    return ns["check_array"](inst, state)


class GuardedRef(pickle._Unpickler):
    """Pickle's pure-Python unpickler (it knows the protocol, so it maps
    Python 2 names exactly as pickle does) with a table of names, and
    brinery's rule of not modifying safe-set classes or functions in place
    (APPEND(S)/SETITEM(S)/ADDITEMS/BUILD on them are refused)."""

    def table(self):
        raise NotImplementedError

    def find_class(self, module, name):
        if self.proto < 3 and self.fix_imports:
            import _compat_pickle as cp

            if (module, name) in cp.NAME_MAPPING:
                module, name = cp.NAME_MAPPING[(module, name)]
            elif module in cp.IMPORT_MAPPING:
                module = cp.IMPORT_MAPPING[module]
        key = "%s.%s" % (module, name)
        obj = self.table().get(key, _MISSING)
        if obj is _MISSING:
            raise Refused("refused " + key)
        return obj

    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self):
        if len(self.stack) >= 2:
            _refuse_mutation(self.stack[-2])
            why = numpy_state_refused(self.stack[-2], self.stack[-1])
            if why:
                raise pickle.UnpicklingError("reference: refusing a numpy state (%s)" % why)
        return pickle._Unpickler.load_build(self)

    def _guard_mark_target(self, plain):
        # The target is the top of the stack below the mark; nothing is
        # changed when no item follows the mark.
        if self.stack and self.metastack and self.metastack[-1]:
            t = self.metastack[-1][-1]
            if type(t) is not plain:
                _refuse_mutation(t)

    def load_appends(self):
        self._guard_mark_target(list)
        return pickle._Unpickler.load_appends(self)

    def load_setitems(self):
        self._guard_mark_target(dict)
        return pickle._Unpickler.load_setitems(self)

    def load_additems(self):
        self._guard_mark_target(set)
        return pickle._Unpickler.load_additems(self)

    def load_append(self):
        if len(self.stack) >= 2 and type(self.stack[-2]) is not list:
            _refuse_mutation(self.stack[-2])
        return pickle._Unpickler.load_append(self)

    def load_setitem(self):
        if len(self.stack) >= 3 and type(self.stack[-3]) is not dict:
            _refuse_mutation(self.stack[-3])
        return pickle._Unpickler.load_setitem(self)

    def _refuse_array_call(self, f, args=()):
        np = sys.modules.get("numpy")
        if np is not None and f is np.ndarray:
            raise pickle.UnpicklingError("reference: refusing to call numpy.ndarray directly")
        # brinery's rules against safe-set calls that allocate what an
        # argument claims (bytes(n), list(range(10**9)), copying one large
        # memoized object again and again); classes trusted with allow= are
        # exempt.
        if not isinstance(args, tuple) or not args or not _is_safe_object(f):
            return
        if any(f is t for t in self.trusted()):
            return
        if f in (bytes, bytearray) and isinstance(args[0], int):
            raise pickle.UnpicklingError("reference: refusing %s(int)" % f.__name__)
        n = 0
        for a in args:
            try:
                n += len(a)
            except Exception:  # noqa: BLE001 - not sized
                pass
        self._copied = getattr(self, "_copied", 0) + n
        if self._copied > 2 * self._offset() + (1 << 16):
            raise pickle.UnpicklingError("reference: the calls would copy %d items" % self._copied)
        if any(type(a) is range and len(a) > 1 << 20 for a in args) and f is not range:
            raise pickle.UnpicklingError("reference: refusing a call with a large range")

    def trusted(self):
        return ()

    def _offset(self):
        """The offset of the next byte (not of the end of a read frame)."""
        f = self._unframer.file_read.__self__
        pos = f.tell()
        cf = self._unframer.current_frame
        if cf is not None:
            pos -= len(cf.getbuffer()) - cf.tell()
        return pos

    def load_reduce(self):
        if len(self.stack) >= 2:
            self._refuse_array_call(self.stack[-2], self.stack[-1])
        return pickle._Unpickler.load_reduce(self)

    def load_newobj(self):
        if len(self.stack) >= 2:
            self._refuse_array_call(self.stack[-2], self.stack[-1])
        return pickle._Unpickler.load_newobj(self)

    def load_newobj_ex(self):
        if len(self.stack) >= 3:
            self._refuse_array_call(self.stack[-3], self.stack[-2])
        return pickle._Unpickler.load_newobj_ex(self)

    def _instantiate(self, klass, args):
        self._refuse_array_call(klass, tuple(args))
        return pickle._Unpickler._instantiate(self, klass, args)

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.APPENDS[0]] = load_appends
    dispatch[pickle.SETITEMS[0]] = load_setitems
    dispatch[pickle.ADDITEMS[0]] = load_additems
    dispatch[pickle.APPEND[0]] = load_append
    dispatch[pickle.SETITEM[0]] = load_setitem


def safe_table():
    if "safe" not in _TABLES:
        table = {}
        for key in brinery.SAFE_NAMES:
            try:
                table[key] = _safe_resolve(key)
            except ImportError:
                pass
        _TABLES["safe"] = table
    return _TABLES["safe"]


class SafeRef(GuardedRef):
    """The safe mode's reference: brinery's documented safe set (the same
    wrapper objects)."""

    def table(self):
        return safe_table()


class AllowRefPy(GuardedRef):
    """The allow mode's reference for brinery's refusals to modify a safe-set
    class in place (which `_pickle` does not refuse)."""

    def table(self):
        return allow_table()

    def trusted(self):
        return list(ALLOW_PLAIN.values())


class SafeRefC(pickle.Unpickler):
    """`_pickle` with brinery's safe set, under both spellings of Python 2
    names (it does not see the protocol). It has no guard against modifying
    safe-set classes in place; the harness restores them after it."""

    def find_class(self, module, name):
        key = "%s.%s" % (module, name)
        if "safe2" not in _TABLES:
            _TABLES["safe2"] = _with_py2_names(safe_table())
        obj = _TABLES["safe2"].get(key, _MISSING)
        if obj is _MISSING:
            raise Refused("refused " + key)
        return obj


def warm_up_safe_set():
    """Import every module the safe set and the decoder may use, so that a
    later change of sys.modules during a safe-mode load is the load's."""
    for key in sorted(brinery.SAFE_NAMES):
        try:
            _safe_resolve(key)
        except ImportError:
            pass  # numpy missing: those names raise when used, import nothing
    b"x".decode("raw-unicode-escape")
    b"x".decode("utf-8", "surrogatepass")
    b"x".decode("latin1")
    import _compat_pickle  # noqa: F401
    import codecs

    codecs.escape_decode(b"x")
    # brinery resolves (and caches) every safe name once; the references
    # use the very objects brinery resolved (some are closures made per
    # resolve).
    for key in sorted(brinery.SAFE_NAMES):
        mod, _, name = key.partition(".")
        data = b"\x80\x04\x8c" + bytes([len(mod)]) + mod.encode() + b"\x8c" + bytes([len(name)]) + name.encode()
        got = run(lambda: brinery.loads(data + b"\x93."))
        if got[0] == "ok":
            _SAFE_OBJECTS[key] = got[1]
    safe_table()
    allow_table()
    # Load a pickle of every safe-set kind once.
    for obj in gen_safe_examples():
        for p in range(pickle.HIGHEST_PROTOCOL + 1):
            brinery.loads(pickle.dumps(obj, p))


def gen_safe_examples():
    out = [
        datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
        datetime.date(2020, 1, 2),
        datetime.time(1, 2),
        datetime.timedelta(3),
        decimal.Decimal("1.5"),
        fractions.Fraction(1, 3),
        uuid.UUID(int=5),
        collections.OrderedDict(a=1),
        collections.defaultdict(list, a=[1]),
        collections.Counter("abc"),
        collections.deque([1], 3),
        range(3),
        slice(1, 2),
        complex(1, 2),
        bytearray(b"x"),
        b"x",
        {1},
        frozenset({1}),
        zoneinfo.ZoneInfo("UTC"),
    ]
    try:
        import numpy

        out += [numpy.arange(3), numpy.float64(1.5), numpy.dtype("f4")]
    except ImportError:
        pass
    return out


# ---------------------------------------------------------------- running


MEMORY_STEP = 256 << 20


def run_measured(stats, name, data, fn):
    """`run(fn)` for a call of brinery: its growth of the process's peak
    RSS must stay under MEMORY_STEP (the input is a few KiB). A peak set
    earlier by a reference (`_pickle` sizes its memo by the largest PUT
    index) hides growth below it: the RLIMIT_AS of the run still bounds it."""
    r0 = _maxrss()
    out = run(fn)
    grown = _maxrss() - r0
    if grown > MEMORY_STEP:
        stats.disagree("memory", name, data, "peak RSS grew by %d MiB in brinery" % (grown >> 20))
    return out


def run(fn):
    """('ok', value) or ('err', exception)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - every exception is an outcome
        return ("err", e)
    except BaseException as e:  # a Rust panic (pyo3 PanicException)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return ("fatal", e)


def error_accepted(mine, refs):
    """brinery's exception `mine` against the reference exceptions."""
    if isinstance(mine, (SystemError, MemoryError)):
        return any(type(r) is type(mine) for r in refs)
    if isinstance(mine, pickle.UnpicklingError):
        return True
    # `_pickle` ran out of memory (its memo is an array as long as the
    # largest PUT index; brinery's is sparse): both failed.
    if any(type(r) is MemoryError for r in refs):
        return True
    return any(type(mine) is type(r) for r in refs)


def describe(o):
    kind, v = o
    if kind == "ok":
        return "value %s" % (_short_repr(v),)
    return "%s %s: %s" % (kind, type(v).__name__, str(v)[:200])


def _short_repr(v):
    try:
        return repr(v)[:200]
    except Exception as e:  # noqa: BLE001
        return "<unrepr-able: %s>" % type(e).__name__


class Stats:
    def __init__(self):
        self.c = collections.Counter()
        self.disagreements = []
        self.error_pairs = collections.Counter()

    echo = False  # print each disagreement when found (long runs)

    def disagree(self, mode, name, data, why):
        self.c["disagreements"] += 1
        if self.echo:
            print("DISAGREEMENT [%s] %s: %s\n  input (%d bytes): %r" % (mode, name, why, len(data), data[:300]),
                  flush=True)
        if len(self.disagreements) < 50:
            self.disagreements.append((mode, name, data, why))


class Harness:
    """The loads oracles. `loads`/`load` are the functions under test (the
    tests replace them with wrong ones to show the oracles disagree)."""

    def __init__(self, loads=None, load=None, check_imports=True):
        self.loads = loads or brinery.loads
        self.load = load or brinery.load
        self.stats = Stats()
        self.guard = ClassGuard(list(allow_table().values()) + [copyreg._reconstructor])
        self.check_imports = check_imports

    # allow mode -----------------------------------------------------
    def allow_mode(self, name, data):
        s = self.stats
        mine = run_measured(s, name, data, lambda: self.loads(data, allow=allow_pairs()))
        self.guard.restore()
        if mine[0] == "err" and any(w in str(mine[1]) for w in _NUMPY_REFUSALS):
            # `_pickle` would hand the state to numpy (which may crash on it).
            ref = run(lambda: AllowRefPy(io.BytesIO(strip_frames(data))).load())
            self.stats.c["dtype-state-refusals"] += 1
        elif _pickle_bytearray8_bug(data):
            ref = run(lambda: AllowRefPy(io.BytesIO(strip_frames(data))).load())
        else:
            ref = run(lambda: AllowRef(WholeReader(data)).load())
        self.guard.restore()
        if ref[0] == "err" and isinstance(ref[1], MemoryError):
            # `_pickle`'s memo is an array as long as the largest PUT index:
            # the pure-Python unpickler (a dict memo) is the reference.
            ref = run(lambda: AllowRefPy(io.BytesIO(strip_frames(data))).load())
            self.guard.restore()
            self.stats.c["allow-ref-memoryerror"] += 1
            if ref[0] == "err" and mine[0] == "err":
                ref = ("err", MemoryError())  # the pure-Python one errs its own way
        if mine[0] == "err" and ref[0] == "ok" and "refusing to modify" in str(mine[1]):
            # brinery refuses to change a safe-set class in place; _pickle
            # does not: the guarded pure-Python reference decides.
            ref = run(lambda: AllowRefPy(io.BytesIO(strip_frames(data))).load())
            self.guard.restore()
            self.stats.c["allow-guard-refusals"] += 1
        self._compare("allow", name, data, mine, ref, None)
        # file input: the general loop, same outcome and same stop
        g = io.BytesIO(data)
        mine_file = run_measured(s, name, data, lambda: self.load(g, allow=allow_pairs()))
        self.guard.restore()
        if mine_file[0] != mine[0]:
            s.disagree("file", name, data, "loads %s, load(file) %s" % (describe(mine), describe(mine_file)))
        elif mine[0] == "ok":
            why = same(mine[1], mine_file[1])
            if why:
                s.disagree("file", name, data, "loads vs load(file): " + why)
            else:
                s.c["file-agreed"] += 1
                if ref[0] == "ok":
                    # Where `_pickle` reading the same file stops (its file
                    # mode fails on some FRAME tricks: then not compared).
                    f = io.BytesIO(data)
                    if run(lambda: AllowRef(f).load())[0] == "ok":
                        self.guard.restore()
                        if g.tell() != f.tell():
                            s.disagree("file", name, data,
                                       "load(file) stopped at %d, pickle at %d" % (g.tell(), f.tell()))
                        else:
                            s.c["file-same-stop"] += 1
        else:
            if type(mine_file[1]) is not type(mine[1]):
                s.disagree("file", name, data, "loads %s, load(file) %s" % (describe(mine), describe(mine_file)))
            else:
                s.c["file-agreed"] += 1

    # safe mode ------------------------------------------------------
    def safe_mode(self, name, data):
        before = set(sys.modules) if self.check_imports else None
        mine = run_measured(self.stats, name, data, lambda: self.loads(data))
        if before is not None:
            new = set(sys.modules) - before
            if new:
                self.stats.disagree("safe-import", name, data, "safe-mode load imported %s" % sorted(new))
                for m in new:  # so that the next case is checked on its own
                    sys.modules.pop(m, None)
        ref = run(lambda: SafeRef(io.BytesIO(strip_frames(data))).load())
        dtype_refusal = mine[0] == "err" and any(w in str(mine[1]) for w in _NUMPY_REFUSALS)
        if not self._agrees(mine, ref) and not dtype_refusal and not _pickle_bytearray8_bug(data):
            # The two CPython unpicklers differ on some inputs (the pure-Python
            # one accepts a FRAME longer than the data, raises other error
            # classes): agreeing with `_pickle` is agreeing with pickle.
            alt = run(lambda: SafeRefC(WholeReader(data)).load())
            self.guard.restore()
            if self._agrees(mine, alt):
                self.stats.c["safe-agreed-with-_pickle"] += 1
                ref = alt
        self._compare("safe", name, data, mine, ref, None)

    @staticmethod
    def _agrees(mine, ref):
        if mine[0] == "ok" and ref[0] == "ok":
            return same(mine[1], ref[1]) is None
        if mine[0] == "err" and ref[0] != "ok":
            return error_accepted(mine[1], [ref[1]])
        return False

    def _compare(self, mode, name, data, mine, ref, alt):
        s = self.stats
        s.c[mode + "-inputs"] += 1
        if mine[0] == "fatal":
            s.disagree(mode, name, data, "brinery raised %s" % describe(mine))
        elif mine[0] == "ok" and ref[0] == "ok":
            why = same(mine[1], ref[1])
            if why:
                s.disagree(mode, name, data, "values differ: " + why)
            else:
                s.c[mode + "-agreed-value"] += 1
        elif mine[0] == "err" and ref[0] != "ok":
            refs = [ref[1]] + ([alt[1]] if alt and alt[0] == "err" else [])
            if error_accepted(mine[1], refs):
                s.c[mode + "-agreed-error"] += 1
                s.error_pairs[(mode, type(mine[1]).__name__, type(ref[1]).__name__)] += 1
            else:
                s.disagree(
                    mode, name, data, "error classes: brinery %s, pickle %s" % (describe(mine), describe(ref))
                )
        else:
            s.disagree(mode, name, data, "brinery %s, pickle %s" % (describe(mine), describe(ref)))

    crash_file = None

    def _unraisable(self, u):
        self.stats.disagree("unraisable", self.current[0], self.current[1],
                            "unraisable %s: %s" % (type(u.exc_value).__name__, u.exc_value))

    def one(self, name, data):
        self.current = (name, data)
        if _TRACE:
            print("CASE %s %s" % (name, data.hex()), file=sys.stderr, flush=True)
        if sys.unraisablehook is not self._unraisable:
            sys.unraisablehook = self._unraisable
        if self.crash_file:
            # The input in hand, for a crash (the process dies with it).
            with open(self.crash_file, "wb") as f:
                f.write(data)
            with open(self.crash_file + ".name", "w") as f:
                f.write(name)
        self.allow_mode(name, data)
        self.safe_mode(name, data)


# ---------------------------------------------------------------- pickler


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b=None):
        self.a = a
        if b is not None:
            self.b = b


class Reduced:
    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (Reduced, self.args)


class WithState:
    def __init__(self, v):
        self.v = v

    def __getstate__(self):
        return {"v": self.v, "extra": 1}

    def __setstate__(self, st):
        self.v = st["v"]


class KwOnly:
    def __new__(cls, *, k):
        o = object.__new__(cls)
        o.k = k
        return o

    def __getnewargs_ex__(self):
        return ((), {"k": self.k})


class MyList(list):
    pass


class MyDict(dict):
    pass


class MyInt(int):
    pass


CLASS_NAMES = ["Point", "Slotted", "Reduced", "WithState", "KwOnly", "MyList", "MyDict", "MyInt"]


class TreeGen:
    """Random object trees: atoms at their encoding boundaries, containers
    at the 1000-item batch boundary, shared references, cycles, recursive
    tuples, stdlib values and reducer classes."""

    INTS = [0, 1, -1, 127, 128, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1,
            2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 2**256, -(2**1000)]
    FLOATS = [0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, float("inf"), float("-inf"), float("nan"), 0.1]
    SIZES = [0, 1, 2, 3, 4, 5, 7, 255, 256, 257]
    BIG = [999, 1000, 1001, 2001]

    def __init__(self, rng, classes=True):
        self.rng = rng
        self.pool = []
        self.classes = classes
        self.has_classes = False

    def text(self):
        r = self.rng
        n = r.choice(self.SIZES + [r.randrange(40), 65535, 70000] if r.random() < 0.05 else self.SIZES)
        alpha = r.choice([
            "abc", "\x00\n\r\\'\" ", "é\u00ff", "\u20ac\u4e2d", "\U0001f600", "\ud800\udfff", "\x80\x9f",
        ])
        return "".join(r.choice(alpha) for _ in range(min(n, 70000)))

    def atom(self):
        r = self.rng
        k = r.randrange(20)
        if k < 4:
            return r.choice(self.INTS) if r.random() < 0.7 else r.randrange(-(2**70), 2**70)
        if k < 6:
            return r.choice(self.FLOATS) if r.random() < 0.7 else r.uniform(-1e6, 1e6)
        if k < 9:
            return self.text()
        if k < 11:
            n = r.choice(self.SIZES + ([65536, 70000] if r.random() < 0.05 else []))
            return bytes(r.randrange(256) for _ in range(n))
        if k == 11:
            return r.choice([None, True, False, Ellipsis, NotImplemented])
        if k == 12:
            return complex(r.choice(self.FLOATS), r.choice(self.FLOATS))
        if k == 13:
            return r.choice([
                datetime.date(2020, 2, 29),
                datetime.datetime(2021, 3, 4, 5, 6, 7, 8),
                datetime.datetime(2021, 3, 4, tzinfo=datetime.timezone.utc),
                datetime.time(23, 59, 59, 999999),
                datetime.timedelta(days=-1, microseconds=5),
                datetime.timezone(datetime.timedelta(hours=-3), "X"),
            ])
        if k == 14:
            return r.choice([decimal.Decimal("1.5"), decimal.Decimal("-0"), decimal.Decimal("NaN"),
                             decimal.Decimal("1e-999"), fractions.Fraction(-7, 3)])
        if k == 15:
            return r.choice([uuid.UUID(int=r.getrandbits(128)), range(1, 10, 3), slice(1, None, -1)])
        if k == 16:
            return r.choice(["", "a", "x" * 255, "y" * 256, b"", b"\x00"])  # memoized atoms
        if k == 17 and self.classes:
            self.has_classes = True
            c = r.randrange(4)
            if c == 0:
                return MyInt(r.choice(self.INTS))
            if c == 1:
                return Slotted(r.randrange(5), r.choice([None, "b"]))
            if c == 2:
                return KwOnly(k=r.randrange(9))
            return Reduced(r.randrange(3), "r")
        return r.randrange(1000)

    def value(self, depth):
        r = self.rng
        if self.pool and r.random() < 0.12:
            return r.choice(self.pool)
        if depth <= 0 or r.random() < 0.3:
            return self.atom()
        k = r.randrange(16)
        n = r.choice(self.SIZES[:7]) if r.random() < 0.93 else r.choice(self.BIG)
        kids = lambda m=n: [self.value(depth - 1 if m < 100 else 0) for _ in range(m)]  # noqa: E731
        if k < 3:
            v = kids()
            if r.random() < 0.1:
                v.append(v)  # a cycle
        elif k < 5:
            v = tuple(kids())
            if r.random() < 0.1:  # a recursive tuple (through a list)
                inner = [1]
                v = (inner, v)
                inner.append(v)
        elif k < 8:
            v = {}
            for _ in range(n):
                v[self.key(depth - 1 if n < 100 else 0)] = self.value(depth - 1 if n < 100 else 0)
            if r.random() < 0.1:
                v["self"] = v
        elif k == 8:
            v = set(self.key(0) for _ in range(n))
        elif k == 9:
            v = frozenset(self.key(0) for _ in range(n))
        elif k == 10:
            v = bytearray(r.randrange(256) for _ in range(n))
        elif k == 11:
            v = r.choice([collections.OrderedDict, collections.Counter])((self.key(0), r.randrange(9)) for _ in range(n))
        elif k == 12:
            v = collections.defaultdict(r.choice([list, int, None]), {self.key(0): self.value(depth - 1)})
        elif k == 13:
            v = collections.deque(kids(), r.choice([None, 3, 10**6]))
        elif k == 14 and self.classes:
            self.has_classes = True
            c = r.randrange(4)
            if c == 0:
                v = Point(self.value(depth - 1), self.value(depth - 1))
            elif c == 1:
                v = MyList(kids())
                v.attr = r.randrange(3)
            elif c == 2:
                v = MyDict({self.key(0): self.value(depth - 1)})
            else:
                v = WithState(self.value(depth - 1))
        else:
            v = [self.value(depth - 1)]
        if not isinstance(v, (int, float)) and r.random() < 0.5:
            self.pool.append(v)
        return v

    def key(self, depth):
        r = self.rng
        k = r.randrange(6)
        if k == 0:
            return r.choice(self.INTS)
        if k == 1:
            return self.text()
        if k == 2:
            return bytes(r.randrange(256) for _ in range(r.choice(self.SIZES[:5])))
        if k == 3 and depth > 0:
            return tuple(self.key(depth - 1) for _ in range(r.randrange(4)))
        if k == 4:
            return r.choice([None, True, 1.5, -0.0, frozenset({1, 2}), datetime.date(2000, 1, 1)])
        return r.randrange(100)

    def tree(self):
        self.pool = []
        self.has_classes = False
        return self.value(self.rng.choice((1, 2, 3, 4, 5)))


def _same_exc(a, b):
    return type(a) is type(b)


def pickler_case(stats, obj, dumps=None, loads=None, has_classes=True):
    """Every protocol: the same bytes as pickle (or the same exception
    class), and both loaders give the tree back."""
    dumps = dumps or brinery.dumps
    loads = loads or brinery.loads
    c = stats.c
    for p in range(pickle.HIGHEST_PROTOCOL + 1):
        c["pickler-dumps"] += 1
        ref = run(lambda: pickle.dumps(obj, p))
        mine = run(lambda: dumps(obj, p))
        if mine[0] == "fatal":
            stats.disagree("pickler", "p%d" % p, b"", "brinery.dumps raised %s" % describe(mine))
            continue
        if ref[0] == "err" or mine[0] == "err":
            if ref[0] == mine[0] and _same_exc(ref[1], mine[1]):
                c["pickler-agreed-error"] += 1
            else:
                stats.disagree("pickler", "p%d" % p, b"", "pickle %s, brinery %s" % (describe(ref), describe(mine)))
            continue
        if ref[1] != mine[1]:
            i = next((i for i, (x, y) in enumerate(zip(ref[1], mine[1])) if x != y), min(len(ref[1]), len(mine[1])))
            stats.disagree(
                "pickler", "p%d" % p, mine[1],
                "dumps differ at byte %d (pickle %d bytes, brinery %d)" % (i, len(ref[1]), len(mine[1])),
            )
            continue
        c["pickler-identical"] += 1
        # Round trips: brinery's loader (trusting the harness's classes),
        # and pickle's of brinery's bytes.
        allow = True if has_classes else ()
        back = run(lambda: loads(mine[1], allow=allow))
        if back[0] != "ok":
            stats.disagree("pickler", "p%d" % p, mine[1], "brinery.loads of the dump: %s" % describe(back))
            continue
        ref_back = run(lambda: pickle.loads(mine[1]))
        if ref_back[0] != "ok":
            stats.disagree("pickler", "p%d" % p, mine[1], "pickle.loads of the dump: %s" % describe(ref_back))
            continue
        why = same(back[1], ref_back[1])
        if why:
            stats.disagree("pickler", "p%d" % p, mine[1], "round trip differs from pickle's: " + why)
        else:
            c["pickler-roundtrip"] += 1


# ---------------------------------------------------------------- driver


def set_memory_limit(gib=4):
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = gib << 30
        if hard == resource.RLIM_INFINITY or hard > want:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, ValueError, OSError):
        pass


def build_corpus(rng, trees=40):
    corpus = fixture_corpus() + cpython_corpus()
    gen = TreeGen(rng, classes=False)
    for i in range(trees):
        obj = gen.tree()
        p = i % (pickle.HIGHEST_PROTOCOL + 1)
        try:
            corpus.append(("tree%d-p%d" % (i, p), pickle.dumps(obj, p)))
        except (RecursionError, ValueError):
            pass
    return corpus


def fuzz(seed, n_mutations=None, seconds=None, n_trees=0, harness=None, progress=False, corpus=None):
    """Run the loads oracles over the corpus (each entry as it is) and then
    `n_mutations` mutants (or until `seconds` passed), and the pickler
    oracle over `n_trees` random trees. Returns the harness."""
    rng = random.Random(seed)
    h = harness or Harness()
    if corpus is None:
        corpus = build_corpus(rng)
    h.stats.c["corpus"] = len(corpus)
    for name, data in corpus:
        h.one(name, data)
    start = time.monotonic()
    i = 0
    while (n_mutations is not None and i < n_mutations) or (
        seconds is not None and time.monotonic() - start < seconds
    ):
        name, data = corpus[rng.randrange(len(corpus))]
        m = mutate(rng, data, corpus)
        h.one("%s~%d" % (name, i), m)
        h.stats.c["mutants"] += 1
        i += 1
        if i % 1000 == 0:
            if progress:
                print("  %d mutants, %d disagreements, %.0fs" % (i, h.stats.c["disagreements"], time.monotonic() - start),
                      flush=True)
    gen = TreeGen(rng)
    for _ in range(n_trees):
        obj = gen.tree()
        pickler_case(h.stats, obj, has_classes=gen.has_classes)
        h.stats.c["trees"] += 1
    return h


def _maxrss():
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except ImportError:
        return 0


def summary(h):
    c = h.stats.c
    return [
        "package fuzz: %d inputs (%d corpus + %d mutants); allow mode %d agreed-error, %d agreed-value; "
        "safe mode %d agreed-error, %d agreed-value; load(file) %d same outcome, %d same stop; "
        "pickler %d trees, %d dumps byte-identical, %d agreed-error, %d round trips; %d disagreements"
        % (c["allow-inputs"], c["corpus"], c["mutants"], c["allow-agreed-error"], c["allow-agreed-value"],
           c["safe-agreed-error"], c["safe-agreed-value"], c["file-agreed"], c["file-same-stop"], c["trees"],
           c["pickler-identical"], c["pickler-agreed-error"], c["pickler-roundtrip"], c["disagreements"]),
        "  of which: %d numpy states or calls refused, %d safe-mode outcomes matched only by _pickle, "
        "%d _pickle MemoryErrors (pure-Python reference used)"
        % (c["dtype-state-refusals"], c["safe-agreed-with-_pickle"], c["allow-ref-memoryerror"]),
    ]


def print_disagreements(h, limit=20):
    for mode, name, data, why in h.stats.disagreements[:limit]:
        print("DISAGREEMENT [%s] %s: %s\n  input (%d bytes): %r" % (mode, name, why, len(data), data[:300]))


# The CI run: fixed seed, fixed counts (scripts/test-py.sh).
CI_SEED = 17
CI_MUTANTS = 4000
CI_TREES = 120


def check_ci_counts(h, n_mutants, n_trees):
    """The figures the CI line prints, asserted."""
    c = h.stats.c
    n = c["corpus"] + n_mutants
    assert c["mutants"] == n_mutants, c
    assert c["allow-inputs"] == n and c["safe-inputs"] == n, c
    assert c["disagreements"] == 0, "disagreements: %d" % c["disagreements"]
    assert c["allow-agreed-error"] + c["allow-agreed-value"] == n, c
    assert c["safe-agreed-error"] + c["safe-agreed-value"] == n, c
    assert c["file-agreed"] == n, c
    # Not a run of errors only: values are compared in both modes (about
    # 17 % of the inputs load; the floors leave room for other Pythons).
    assert c["allow-agreed-value"] >= n // 10, c
    assert c["safe-agreed-value"] >= n // 10, c
    assert c["allow-agreed-error"] >= n // 2, c
    assert c["file-same-stop"] >= n // 10, c
    dumps = n_trees * (pickle.HIGHEST_PROTOCOL + 1)
    assert c["trees"] == n_trees and c["pickler-dumps"] == dumps, c
    assert c["pickler-identical"] + c["pickler-agreed-error"] == dumps, c
    assert c["pickler-roundtrip"] == c["pickler-identical"], c
    assert c["pickler-identical"] >= dumps * 9 // 10, c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ci", action="store_true", help="the bounded CI run (fixed seed and counts, asserted)")
    ap.add_argument("--seed", type=int, default=CI_SEED)
    ap.add_argument("--mutants", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--trees", type=int, default=0)
    ap.add_argument("--save", help="directory to write disagreeing inputs to")
    ap.add_argument("--crash-file", help="write each input here before running it (to find a crash)")
    args = ap.parse_args(argv)
    set_memory_limit()
    warm_up_safe_set()
    t0 = time.monotonic()
    h = Harness()
    h.crash_file = args.crash_file
    h.stats.echo = not args.ci
    if args.ci:
        fuzz(CI_SEED, n_mutations=CI_MUTANTS, n_trees=CI_TREES, harness=h)
    else:
        fuzz(args.seed, n_mutations=args.mutants, seconds=args.seconds, n_trees=args.trees, progress=True, harness=h)
    for line in summary(h):
        print(line)
    print("error classes (mode, brinery, pickle): " + ", ".join(
        "%s %s/%s %d" % (m, a, b, n) for (m, a, b), n in sorted(h.stats.error_pairs.items())))
    print("classes restored after in-place changes: %d; time %.1fs" % (h.guard.restored, time.monotonic() - t0))
    print_disagreements(h)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for i, (mode, name, data, why) in enumerate(h.stats.disagreements):
            Path(args.save, "d%03d-%s.pkl" % (i, mode)).write_bytes(data)
    if args.ci:
        check_ci_counts(h, CI_MUTANTS, CI_TREES)
        print("package fuzz: counts asserted")
    return 1 if h.stats.c["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
