"""Deterministic random Python values for brinery's differential tests.

    from values import gen_values, value_flags
    vals = gen_values(seed, count)                 # ~10% contain class instances
    vals = gen_values(seed, count, builtin_only=True)

Value ``i`` is generated from its own ``random.Random("brinery:<seed>:<i>")``,
so ``gen_values(S, N)[i]`` is the same for every ``N > i`` and on every run
or machine (no dependence on hash randomisation: sets are only ever built,
never iterated, during generation).  ``builtin_only`` changes only the ~10%
of indices that would hold class instances (they get a builtin value
instead); all other indices are identical in both modes.  Whoever checks a
case file must therefore pass the same seed and the same ``builtin_only``.

What is generated (nested, mixed):

* None, bools, ints of every size and sign (0, +-1, small, around 2**7,
  2**8, 2**15, 2**16, 2**31, 2**32, 2**63, 2**64, the LONG1/LONG4 boundary
  at 255 bytes, random up to ~2**2000);
* floats: +-0.0, NaNs (incl. negative and payload NaNs), +-inf, subnormals,
  min normal, max, repr edge cases (1e16, 1e-5, ...), random bit patterns;
* str with quotes, backslashes (also literal "\\u1234" text), \\n, \\r,
  \\x00, \\x1a, control chars, latin-1, BMP, non-BMP, lone surrogates and
  surrogate pairs as two separate code points, empty, 255/256-byte UTF-8
  boundaries, longer strings and (rarely) > 65536 chars;
* bytes and bytearray (empty, all 256 byte values, 255/256 boundaries ...);
* tuples (sizes 0..5 and larger), lists, dicts (keys: str, int, float,
  tuple, frozenset, None, bool, bytes), sets, frozensets;
* shared sub-objects (the same object at several positions), recursive
  lists/dicts/tuples, rarely containers of exactly 1000/1001/2000 elements
  (batch boundaries) and deeply nested (up to 300 levels) structures;
* unless builtin_only: instances of the classes in brinery_testclasses,
  including a self-referencing instance.

``value_flags(v)`` returns bit0 = contains class instances, bit1 = the
object graph has a cycle.  Both are computed without recursion.
"""

import os
import random
import struct
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import brinery_testclasses as tc  # noqa: E402

__all__ = ["gen_values", "gen_value", "value_flags", "FLAG_INSTANCES",
           "FLAG_RECURSIVE"]

FLAG_INSTANCES = 1
FLAG_RECURSIVE = 2


def _f(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _int_specials():
    out = [0, 1, -1, 2, -2, 100, -100, 127, 128, -128, -129]
    for k in (7, 8, 15, 16, 31, 32, 53, 63, 64, 65):
        for d in (-1, 0, 1):
            out.append(2 ** k + d)
            out.append(-(2 ** k) + d)
    # LONG1 holds at most 255 bytes of two's complement: 2**2039 needs 256.
    for k in (2039, 2040):
        for d in (-1, 0, 1):
            out.append(2 ** k + d)
            out.append(-(2 ** k) + d)
    out += [10 ** 18, -(10 ** 18), 10 ** 19, 10 ** 100, -(10 ** 100),
            2 ** 2000, -(2 ** 2000) + 12345]
    return out


INT_SPECIALS = _int_specials()

FLOAT_SPECIALS = [
    0.0, -0.0, 1.0, -1.0, 0.5, 0.1, -0.1, 1 / 3, 2.0 / 3, 1.5, 100.0,
    float("nan"), -float("nan"), _f(0x7FF8000000000001), _f(0xFFF0000000000123),
    float("inf"), -float("inf"),
    5e-324, -5e-324,                         # smallest subnormal
    _f(0x000FFFFFFFFFFFFF),                  # largest subnormal
    _f(0x0000000012345678),                  # a subnormal
    2.2250738585072014e-308,                 # smallest normal
    1.7976931348623157e308, -1.7976931348623157e308,
    1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.0001234, 1e22, 1e23,
    2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63, 2.0 ** 64, -2.0 ** 31, 123456789.0,
    1e300, 1e-300, 3.141592653589793, 2.718281828459045, 1e100,
]

# Building blocks for strings.
_STR_PIECES = [
    "a", "b", "hello", "world", "x y", " ", "  ", "abc123", "Z",
    "'", '"', "''", '"\'"', "\\", "\\\\", "\\'", "\\n", "\\u1234",
    "\\U0001f600", "\\x00", "\\", "\n", "\r", "\r\n", "\t", "\x00", "\x1a",
    "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f",
    "\x80", "\x9f", "\xa0", "\xe9", "\xff", "\xad",
    "\u0100", "\u03c0", "\u20ac", "\u2028", "\u2029", "\ufeff", "\ufffd",
    "\uffff", "\u4e2d\u6587", "\U0001F600", "\U0001D11E", "\U00010000",
    "\U0010FFFF", "\ud800", "\udfff", "\udbff", "\udc00",
    "\ud83d\ude00",  # a surrogate pair written as two code points
    "\ud800\udc00", "\udc00\ud800",
    "V", "L", "(", ")", ".", "\n.", "p0\n", "S'", "I01",
]

_BYTES_PIECES = [
    b"", b"a", b"abc", b"\x00", b"\n", b"\r\n", b"\\", b"'", b'"', b"\x1a",
    b"\x7f", b"\x80", b"\xff", b"\xc3\xa9", b"\xed\xa0\x80", b"\\u1234",
    b"hello world", bytes(range(256)),
]

def _pick(r, table):
    """Call, with `r`, the function of the first row of `table` whose
    cut-off is above one `r.random()` draw (the last cut-off is 1.0)."""
    x = r.random()
    return next(f for cut, f in table if x < cut)(r)


def _random_bits(lo, hi):
    """An int of `lo` to `hi` random bits, either sign."""
    def f(r):
        v = r.getrandbits(r.randint(lo, hi))
        return -v if r.random() < 0.5 else v
    return f


# Ints: the specials, small ones, then ever wider random ones up to and
# around LONG1's limit of 255 bytes.
_INTS = (
    (0.35, lambda r: r.choice(INT_SPECIALS)),
    (0.65, lambda r: r.randint(-300, 300)),
    (0.90, _random_bits(1, 64)),
    (0.96, _random_bits(65, 160)),
    (0.985, _random_bits(161, 2000)),
    (1.0, _random_bits(2030, 2050)),
)

# Container sizes: mostly small, sometimes up to 12, rarely up to 40.
_SIZES = (
    (0.75, lambda r: r.randint(0, 5)),
    (0.95, lambda r: r.randint(6, 12)),
    (1.0, lambda r: r.randint(13, 40)),
)

# Sizes that sit on opcode boundaries of the pickle format (1-byte vs 4-byte
# lengths, and the 1000-item batches used by APPENDS/SETITEMS/ADDITEMS).
_LEN_BOUNDARIES = [255, 256, 257, 1000, 1001]


class _Gen:
    """Generator for one top-level value."""

    def __init__(self, rng, allow_instances):
        self.r = rng
        self.allow_inst = allow_instances
        self.pool = []            # finished shareable objects (may be reused)
        self.hpool = []           # finished hashable shareable objects
        self.budget = 80          # rough cap on the number of nodes

    # ---------------------------------------------------------------- pools
    def _remember(self, obj):
        t = type(obj)
        if t in (str, bytes) and len(obj) < 2:
            return obj
        if t is tuple and not obj:
            return obj
        if self.r.random() < 0.35:
            self.pool.append(obj)
            if t in (str, bytes, frozenset) or (t is tuple and _hashable(obj)):
                self.hpool.append(obj)
        return obj

    # -------------------------------------------------------------- scalars
    def int_(self):
        return _pick(self.r, _INTS)

    def float_(self):
        r = self.r
        x = r.random()
        if x < 0.4:
            return r.choice(FLOAT_SPECIALS)
        if x < 0.6:
            return _f(r.getrandbits(64))
        if x < 0.7:
            # subnormal (exponent bits zero), random sign
            return _f(r.getrandbits(52) | (r.getrandbits(1) << 63))
        if x < 0.85:
            return r.uniform(-1000.0, 1000.0)
        if x < 0.95:
            return float(r.randint(-10 ** 6, 10 ** 6))
        return r.uniform(-1, 1) * 10.0 ** r.randint(-320, 308)

    def str_(self):
        r = self.r
        x = r.random()
        if x < 0.06:
            return ""
        if x < 0.14:
            return r.choice(_STR_PIECES)[:1] or "q"
        if x < 0.155:
            # UTF-8 length right at / around the SHORT_BINUNICODE limit
            n = r.choice(_LEN_BOUNDARIES[:3])
            fill = r.choice(["a", "\xe9", "\u20ac"])
            s = fill * (n // len(fill.encode("utf-8", "surrogatepass")))
            return s + "b" * r.randint(0, 2)
        if x < 0.165:
            n = r.randint(258, 1000)
            return "".join(r.choice(_STR_PIECES) for _ in range(n // 4))[:n]
        if x < 0.25:
            return "".join(chr(r.randint(0, 0x10FFFF)) for _ in range(r.randint(1, 12)))
        return "".join(r.choice(_STR_PIECES) for _ in range(r.randint(1, 8)))

    def bytes_(self):
        r = self.r
        x = r.random()
        if x < 0.08:
            return b""
        if x < 0.12:
            return bytes([r.randint(0, 255)])
        if x < 0.14:
            return bytes(r.getrandbits(8) for _ in range(r.choice(_LEN_BOUNDARIES[:3])))
        if x < 0.15:
            return bytes(range(256)) * r.randint(1, 2)
        if x < 0.5:
            return bytes(r.getrandbits(8) for _ in range(r.randint(1, 40)))
        return b"".join(r.choice(_BYTES_PIECES[:-1]) for _ in range(r.randint(1, 6)))

    def bytearray_(self):
        r = self.r
        if r.random() < 0.15:
            return bytearray()
        return bytearray(self.bytes_())

    def scalar(self):
        r = self.r
        x = r.random()
        if x < 0.05:
            return None
        if x < 0.10:
            return r.random() < 0.5
        if x < 0.36:
            return self.int_()
        if x < 0.56:
            return self.float_()
        if x < 0.84:
            return self._remember(self.str_())
        if x < 0.95:
            return self._remember(self.bytes_())
        return self._remember(self.bytearray_())

    # ------------------------------------------------------------ hashables
    def hashable(self, depth, in_set=False):
        """A hashable value (dict key / set element).

        Inside a set or frozenset (in_set) None and NaN are avoided, also in
        nested tuples: in CPython 3.11 their hashes depend on the object's
        address, which would make set iteration order -- and so the pickle
        bytes -- differ from run to run.
        """
        r = self.r
        self.budget -= 1
        if self.hpool and r.random() < 0.08:
            x = r.choice(self.hpool)
            if not in_set or _set_safe(x):
                return x
        x = r.random()
        if depth <= 0 or self.budget <= 0:
            x = x * 0.8
        if x < 0.05:
            return None if not in_set else self.int_()
        if x < 0.10:
            return r.random() < 0.5
        if x < 0.35:
            return self.int_()
        if x < 0.47:
            f = self.float_()
            return 0.25 if in_set and f != f else f
        if x < 0.70:
            return self._remember(self.str_() if r.random() < 0.9 else r.choice(_STR_PIECES))
        if x < 0.80:
            return self._remember(self.bytes_())
        if x < 0.92:
            n = self._size()
            return self._remember(tuple(self.hashable(depth - 1, in_set) for _ in range(n)))
        n = self._size()
        return self._remember(frozenset(self.hashable(depth - 1, True) for _ in range(n)))

    # ----------------------------------------------------------- containers
    def _size(self):
        return _pick(self.r, _SIZES)

    def value(self, depth):
        r = self.r
        self.budget -= 1
        if depth <= 0 or self.budget <= 0:
            if self.pool and r.random() < 0.1:
                return r.choice(self.pool)
            return self.scalar()
        x = r.random()
        if x < 0.40:
            return self.scalar()
        if x < 0.46 and self.pool:
            return r.choice(self.pool)
        if x < 0.56:
            return self._remember([self.value(depth - 1) for _ in range(self._size())])
        if x < 0.66:
            return self._remember(tuple(self.value(depth - 1) for _ in range(self._size())))
        if x < 0.78:
            return self._remember(self.dict_(depth))
        if x < 0.82:
            return self._remember(set(self.hashable(depth - 1, True) for _ in range(self._size())))
        if x < 0.85:
            return self._remember(frozenset(self.hashable(depth - 1, True) for _ in range(self._size())))
        if x < 0.90:
            return self._remember(self.shared(depth))
        if x < 0.93:
            return self._remember(self.recursive(depth))
        if self.allow_inst and x < 0.99:
            return self.instance(depth)
        return self.scalar()

    def dict_(self, depth):
        d = {}
        for _ in range(self._size()):
            d[self.hashable(min(depth - 1, 2))] = self.value(depth - 1)
        return d

    def shared(self, depth):
        """A structure in which one object appears at several positions."""
        r = self.r
        kind = r.randrange(7)
        if kind == 0:
            x = [self.value(depth - 1) for _ in range(r.randint(0, 3))]
        elif kind == 1:
            x = self.dict_(depth - 1)
        elif kind == 2:
            x = self.str_() or "shared"
            if len(x) < 2:
                x = x + "shared"
        elif kind == 3:
            x = tuple(self.value(depth - 1) for _ in range(r.randint(1, 3)))
        elif kind == 4:
            x = self.bytes_() + b"sh"
        elif kind == 5:
            x = bytearray(self.bytes_())
        else:
            x = set(self.hashable(1, True) for _ in range(r.randint(0, 3)))
        self._remember(x)
        shape = r.randrange(5)
        if shape == 0:
            return [x, x]
        if shape == 1:
            return (x, self.value(depth - 1), x)
        if shape == 2:
            return {"first": x, "second": [x, None], 3: (x,)}
        if shape == 3:
            return [x, [x, [x]]]
        out = [self.value(depth - 1) for _ in range(r.randint(0, 3))]
        for _ in range(r.randint(2, 4)):
            out.insert(r.randint(0, len(out)), x)
        return out

    def recursive(self, depth):
        """A structure containing a reference cycle."""
        r = self.r
        kind = r.randrange(7)
        if kind == 0:                       # list containing itself
            l = [self.value(depth - 1) for _ in range(r.randint(0, 3))]
            l.insert(r.randint(0, len(l)), l)
            return l
        if kind == 1:                       # dict whose value is itself
            d = self.dict_(depth - 1)
            d[self.hashable(0)] = d
            d["self"] = d
            return d
        if kind == 2:                       # list -> dict -> list
            l = [self.value(depth - 1)]
            d = {"l": l, "v": self.value(depth - 1)}
            l.append(d)
            return l if r.random() < 0.5 else d
        if kind == 3:                       # tuple -> list -> tuple
            inner = [self.value(depth - 1)]
            t = (inner, self.value(depth - 1))
            inner.append(t)
            return t
        if kind == 4:                       # mutual lists
            a = [1]
            b = [a, 2]
            a.append(b)
            return [a, b] if r.random() < 0.5 else a
        if kind == 5:                       # dict -> list -> dict, nested
            d = {}
            d["x"] = [d, 1, {"y": d}]
            return d
        l = []                              # list containing itself twice
        l.append(l)
        l.append((l, l))
        return l

    # ------------------------------------------------------------ instances
    def instance(self, depth):
        r = self.r
        sub = max(0, min(depth - 1, 2))
        kind = r.randrange(11)
        if kind == 0:
            attrs = {n: self.value(sub) for n in r.sample(["a", "b", "name", "data", "z"], r.randint(0, 4))}
            return tc.Plain(**attrs)
        if kind == 1:
            attrs = {n: self.value(sub) for n in r.sample(["a", "b", "c"], r.randint(0, 3))}
            return tc.Slotted(**attrs)
        if kind == 2:
            names = r.sample(["x", "y", "extra", "more"], r.randint(0, 4))
            return tc.SlottedWithDict(**{n: self.value(sub) for n in names})
        if kind == 3:
            return tc.WithNewArgsEx(self.value(sub), b=self.value(sub))
        if kind == 4:
            return tc.WithNewArgs(self.value(sub), self.value(sub))
        if kind == 5:
            return tc.WithState(self.value(sub), self.value(sub), self.value(sub))
        if kind == 6:
            return tc.Reduced(self.value(sub), self.value(sub))
        if kind == 7:
            items = [self.value(sub) for _ in range(self._size())]
            if r.random() < 0.3:
                obj = tc.ListWithAttrs(items)
                obj.append(obj)              # recursive via listitems
                obj.me = obj
                return obj
            return tc.ListWithAttrs(items, **({"tag": self.value(sub)} if r.random() < 0.7 else {}))
        if kind == 8:
            items = [(self.hashable(1), self.value(sub)) for _ in range(self._size())]
            if r.random() < 0.3:
                obj = tc.DictWithAttrs(items)
                obj["self"] = obj            # recursive via dictitems
                obj.me = obj
                return obj
            return tc.DictWithAttrs(items, **({"tag": self.value(sub)} if r.random() < 0.7 else {}))
        if kind == 9:
            return tc.make_recursive_plain(k=self.value(sub))
        # an instance shared twice inside a container
        inst = tc.Plain(v=self.value(sub))
        return [inst, (inst, self.value(sub)), {"i": inst}]

    # ------------------------------------------------------------ top level
    def big(self):
        """Containers at the 1000-item batch boundaries (rare)."""
        r = self.r
        n = r.choice([1000, 1001, 2000, 999])
        kind = r.randrange(7)
        if kind == 0:
            return list(range(n))
        if kind == 6:
            # > 256 memoized strings referenced again (LONG_BINGET)
            strs = ["s%d" % i for i in range(r.randint(250, 400))]
            return strs + strs[::-1]
        if kind == 1:
            return [r.choice(["s", "t", 1, None, 2.5]) for _ in range(n)]
        if kind == 2:
            return {i: i * 2 for i in range(n)}
        if kind == 3:
            return set(range(n))
        if kind == 4:
            return frozenset(str(i) for i in range(n))
        return tuple(range(n))

    def deep(self):
        """A deeply nested structure (rare)."""
        r = self.r
        depth = r.randint(50, 300)
        v = self.scalar()
        kind = r.randrange(3)
        for i in range(depth):
            if kind == 0:
                v = [v]
            elif kind == 1:
                v = (v, i)
            else:
                v = {i: v}
        return v

    def huge(self):
        """A str or bytes of more than 65535 elements (rare; mostly ASCII)."""
        r = self.r
        n = r.choice([65536, 65537])
        if r.random() < 0.5:
            return ("\u20ac" + "abcdefghij" * (n // 10 + 1))[:n - 5] + "\n\U0001f600\ud800'\\"
        return (b"\x00" + b"abcdefghij" * (n // 10 + 1))[:n - 4] + b"\xff\n'\\"

    def top(self):
        r = self.r
        x = r.random()
        if x < 0.005:
            return self.big()
        if x < 0.008:
            return self.deep()
        if x < 0.0085:
            return self.huge()
        if x < 0.25:
            return self.scalar()
        return self.value(r.randint(1, 4))

    def top_instance(self):
        v = self.instance(3)
        if self.r.random() < 0.5:
            v = [v, self.value(2)]
        return v


def gen_value(seed, index, builtin_only=False):
    """The value with the given index of gen_values(seed, ...)."""
    rng = random.Random("brinery:%d:%d" % (seed, index))
    if rng.random() < 0.10 and not builtin_only:
        return _Gen(rng, True).top_instance()
    return _Gen(rng, False).top()


def gen_values(seed, count, builtin_only=False):
    """count deterministic random values for seed (see module docstring)."""
    return [gen_value(seed, i, builtin_only) for i in range(count)]


def _set_safe(obj):
    """True if obj (hashable) contains no None and no NaN (see hashable())."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if x is None or (type(x) is float and x != x):
            return False
        if type(x) in (tuple, frozenset):
            stack.extend(x)
    return True


def _hashable(obj):
    try:
        hash(obj)
    except TypeError:
        return False
    return True


_ATOMS = (type(None), bool, int, float, complex, str, bytes, bytearray)


def _children(obj):
    t = type(obj)
    if t in (list, tuple, set, frozenset):
        return list(obj)
    if t is dict:
        out = []
        for k, v in obj.items():
            out.append(k)
            out.append(v)
        return out
    if t.__module__ == tc.__name__:
        out = []
        if isinstance(obj, list):
            out.extend(obj)
        if isinstance(obj, dict):
            for k, v in obj.items():
                out.append(k)
                out.append(v)
        d = getattr(obj, "__dict__", None)
        if d:
            out.extend(d.values())
        out.extend(tc._slot_state(obj).values())
        return out
    return []


def value_flags(value):
    """bit0: contains brinery_testclasses instances; bit1: has a cycle."""
    flags = 0
    WHITE, GRAY, BLACK = 0, 1, 2
    color = {}
    keep = []
    stack = [(value, None)]
    while stack:
        obj, it = stack[-1]
        if it is None:
            t = type(obj)
            if t in _ATOMS:
                stack.pop()
                continue
            if t.__module__ == tc.__name__:
                flags |= FLAG_INSTANCES
            c = color.get(id(obj), WHITE)
            if c == GRAY:
                flags |= FLAG_RECURSIVE
                stack.pop()
                continue
            if c == BLACK:
                stack.pop()
                continue
            color[id(obj)] = GRAY
            keep.append(obj)
            it = iter(_children(obj))
            stack[-1] = (obj, it)
        child = next(it, _END)
        if child is _END:
            color[id(obj)] = BLACK
            stack.pop()
        else:
            stack.append((child, None))
    return flags


_END = object()
