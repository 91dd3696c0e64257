"""Random builtin values with their CPython repr, pprint output and pickles.

Usage: repr_gen_cases.py OUT_FILE [COUNT] [SEED]

Writes a binary file used by tests/repr_json.rs:

    b"BRREPR01"
    u32 number of value records, then per record:
        u8  flags: 1 = repr raised (text is the error message),
                   2 = pformat text present, 4 = value is recursive,
                   8 = value shares containers, 16 = plain JSON present
        str repr (or error message)
        u8 width, u8 indent, u8 compact   (pprint parameters)
        str pformat (empty unless flag 2)
        str plain JSON as brinery writes it (empty unless flag 16)
        6 x bytes: the pickle at protocols 0..5 (empty when CPython
                   cannot write it: protocol 0 ints over 4300 digits)
    u32 number of object records, then per record:
        str  description
        u8   protocol
        bytes pickle
        u32 number of out-of-band buffers, then that many bytes

`str` is a u32 length + UTF-8 (surrogatepass) text; `bytes` is a u32
length + data; integers are little-endian.
"""

import base64
import collections
import dataclasses
import datetime
import decimal
import fractions
import io
import json
import math
import pickle
import pprint
import random
import re
import struct
import sys

# Classes the disassembler cases pickle too: reduce with items, state
# through __getnewargs_ex__, __slots__.
from dis_cases import NewArgsEx, Reduced, Slotted

try:
    sys.set_int_max_str_digits(4300)
except AttributeError:  # Python < 3.11: no limit, the cases never hit it
    pass


class SetOrderPrinter(pprint.PrettyPrinter):
    """pprint without sorting sets (brinery's pretty keeps insertion order)."""

    _dispatch = dict(pprint.PrettyPrinter._dispatch)

    def _pprint_set(self, object, stream, indent, allowance, context, level):
        if not len(object):
            stream.write(repr(object))
            return
        typ = object.__class__
        if typ is set:
            stream.write("{")
            endchar = "}"
        else:
            stream.write(typ.__name__ + "({")
            endchar = "})"
            indent += len(typ.__name__) + 1
        self._format_items(
            list(object), stream, indent, allowance + len(endchar), context, level
        )
        stream.write(endchar)

    _dispatch[set.__repr__] = _pprint_set
    _dispatch[frozenset.__repr__] = _pprint_set


CHAR_POOLS = [
    "abcdefghijklmnopqrstuvwxyz",
    "ABCXYZ0123456789",
    "     ",
    "'\"",
    "'\"\\",
    "\n\r\t",
    "".join(map(chr, range(0, 32))) + "\x7f",
    "".join(map(chr, range(0x80, 0xA1))) + "\xad",
    "".join(map(chr, range(0xA1, 0x100))),
    "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e\u3000\u00a0\u2000\u200a\u1680",
    "\u200b\u200e\u200f\u2060\ufeff\ufff9\ufffe\uffff",
    "\u0378\u0379\u0380\u0557\u05ff\U000e0001\U000e007f",
    "\ue000\uf8ff\U000f0000\U0010fffd\U0010ffff",
    "é中文日本語한국어Ωπ€",
    "\U0001f600\U0001f4a9\U00010000\U0001d11e\U00020000",
    "\ud800\udbff\udc00\udfff\ud83d\ude00",
]


def rand_char(r):
    k = r.random()
    if k < 0.85:
        pool = r.choice(CHAR_POOLS)
        return r.choice(pool)
    if k < 0.95:
        return chr(r.randrange(0x80, 0x10000))
    return chr(r.randrange(0x10000, 0x110000))


def rand_str(r):
    k = r.random()
    if k < 0.1:
        return ""
    if k < 0.75:
        n = r.randrange(1, 12)
    elif k < 0.95:
        n = r.randrange(12, 120)
    else:
        n = r.randrange(120, 500)
    if r.random() < 0.3:
        # words and spaces, to exercise pprint's wrapping
        words = []
        while sum(map(len, words)) < n:
            w = "".join(rand_char(r) for _ in range(r.randrange(0, 9)))
            words.append(w + r.choice([" ", "  ", "\n", " \t", "\u3000", ""]))
        return "".join(words)
    return "".join(rand_char(r) for _ in range(n))


def rand_bytes(r):
    k = r.random()
    n = r.choice([0, 1, 3, 4, 5, 8, 9, r.randrange(0, 40), r.randrange(40, 300)])
    if k < 0.3:
        return bytes(r.randrange(256) for _ in range(n))
    pool = b"abc xyz'\"\\\n\r\t\x00\x7f\x80\xff  09"
    return bytes(r.choice(pool) for _ in range(n))


def rand_int(r):
    k = r.randrange(12)
    if k == 0:
        return r.randrange(-5, 300)
    if k == 1:
        return r.choice([0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1])
    if k == 2:
        return r.choice([2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**64, 2**64 - 1])
    if k == 3:
        b = r.randrange(1, 300)
        return r.choice([1, -1]) * (2**b + r.randrange(-3, 4))
    if k == 4 and r.random() < 0.3:
        # around the 4300 digit limit
        d = r.choice([4299, 4300, 4300, 4301, 4400, 9000])
        v = 10 ** (d - 1) + r.randrange(10**6)
        return v if r.random() < 0.5 else -v
    if k == 5:
        return r.randrange(-(10**40), 10**40)
    return r.randrange(-(2**40), 2**40)


def rand_float(r):
    k = r.randrange(8)
    if k == 0:
        return r.choice([float("nan"), float("inf"), float("-inf"), 0.0, -0.0])
    if k == 1:
        return r.choice([5e-324, 1e16, 1e15, 1e-5, 1e-4, 0.1, 1.7976931348623157e308, 2.5, -1.5, 123456789.125])
    if k == 2:
        return struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
    if k == 3:
        return float(r.randrange(-(10**6), 10**6))
    return r.uniform(-1, 1) * 10 ** r.randrange(-30, 30)


def rand_hashable(r, depth):
    k = r.randrange(10)
    if k < 3:
        return rand_str(r)
    if k < 5:
        return rand_int(r) if r.random() < 0.7 else r.randrange(-3, 3)
    if k == 5:
        return rand_float(r)
    if k == 6:
        return r.choice([None, True, False])
    if k == 7:
        return rand_bytes(r)
    if depth <= 0:
        return rand_str(r)
    if k == 8:
        return tuple(rand_hashable(r, depth - 1) for _ in range(r.randrange(0, 4)))
    return frozenset(rand_hashable(r, depth - 1) for _ in range(r.randrange(0, 4)))


class Gen:
    def __init__(self, r):
        self.r = r
        self.pool = []  # containers available for sharing

    def leaf(self):
        r = self.r
        k = r.randrange(9)
        if k < 2:
            return rand_str(r)
        if k < 4:
            return rand_int(r)
        if k < 5:
            return rand_float(r)
        if k < 6:
            return r.choice([None, True, False])
        if k < 7:
            return rand_bytes(r)
        if k < 8:
            return bytearray(rand_bytes(r))
        return rand_hashable(r, 2)

    def value(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.3:
            return self.leaf()
        if self.pool and r.random() < 0.05:
            return r.choice(self.pool)
        k = r.randrange(7)
        n = r.choice([0, 1, 2, 3, r.randrange(0, 8), r.randrange(0, 20)])
        if k == 0 or k == 1:
            v = [self.value(depth - 1) for _ in range(n)]
        elif k == 2:
            v = tuple([self.value(depth - 1) for _ in range(n)])
        elif k == 3 or k == 4:
            v = {}
            for _ in range(n):
                v[rand_hashable(r, 2)] = self.value(depth - 1)
        elif k == 5:
            v = set(rand_hashable(r, 2) for _ in range(n))
        else:
            v = frozenset(rand_hashable(r, 2) for _ in range(n))
        if r.random() < 0.3:
            self.pool.append(v)
        return v


def recursive_value(r, g):
    k = r.randrange(8)
    if k == 0:
        a = []
        a.append(a)
        return a
    if k == 1:
        d = {}
        d["a"] = d
        d[1] = [d, g.value(2)]
        return d
    if k == 2:
        t = ([g.value(1)],)
        t[0].append(t)
        return t
    if k == 3:
        a = [1, 2]
        b = {"x": a}
        a.append(b)
        return [a, b, a]
    if k == 4:
        a = []
        b = [a]
        a.append(b)
        a.append(g.value(2))
        return (a, b)
    if k == 5:
        d = {}
        lst = [d, d]
        d["self"] = lst
        return {"k": lst, "j": (lst,)}
    if k == 6:
        # deep-ish recursive chain
        head = []
        cur = head
        for _ in range(r.randrange(1, 30)):
            nxt = [g.value(1)]
            cur.append(nxt)
            cur = nxt
        cur.append(head)
        return head
    t = ([],)
    t[0].append(t)
    t[0].append(t)
    return [t, t[0]]


def shape(v):
    """(recursive, shares_containers) for a value, without recursion."""
    seen = set()
    on_path = set()
    recursive = False
    shared = False
    stack = [(v, False)]
    while stack:
        x, done = stack.pop()
        if done:
            on_path.discard(id(x))
            continue
        if isinstance(x, (list, dict, set, frozenset, bytearray)) or (
            isinstance(x, tuple) and x
        ):
            if id(x) in on_path:
                recursive = True
                continue
            if id(x) in seen:
                shared = True
                continue
            seen.add(id(x))
            on_path.add(id(x))
            stack.append((x, True))
            if isinstance(x, dict):
                for k, val in x.items():
                    stack.append((val, False))
                    stack.append((k, False))
            elif not isinstance(x, bytearray):
                for it in x:
                    stack.append((it, False))
    return recursive, shared


SURROGATE = re.compile("[\ud800-\udfff]")


def json_str(s):
    """A JSON string as brinery's plain form writes it: raw non-ASCII, lone
    surrogates as \\udXXX escapes."""
    t = json.dumps(s, ensure_ascii=False)
    return SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), t)


def plain_json(v):
    """brinery's plain JSON form of a builtin, non-recursive value."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return repr(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "null"
    if isinstance(v, str):
        return json_str(v)
    if isinstance(v, (bytes, bytearray)):
        return '"' + base64.b64encode(bytes(v)).decode() + '"'
    if isinstance(v, (list, tuple, set, frozenset)):
        return "[" + ",".join(plain_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{"
            + ",".join(
                json_str(k if isinstance(k, str) else repr(k)) + ":" + plain_json(x)
                for k, x in v.items()
            )
            + "}"
        )
    raise TypeError(type(v))


def w_u32(out, n):
    out.write(struct.pack("<I", n))


def w_bytes(out, b):
    w_u32(out, len(b))
    out.write(b)


def w_str(out, s):
    w_bytes(out, s.encode("utf-8", "surrogatepass"))


# ----- objects (no repr comparison: JSON round trip and pretty smoke tests)


@dataclasses.dataclass
class Point:
    x: object
    y: object


class Old:
    def __init__(self, v):
        self.v = v

    def __getinitargs__(self):  # only used by protocol 0/1 old-style paths
        return (self.v,)


def object_values(r, g):
    out = []
    p = Point(1, [2, 3])
    out.append(("dataclass", p))
    out.append(("shared dataclass", [p, p, Point(p, "x")]))
    rp = Point(None, None)
    rp.x = rp
    rp.y = [rp]
    out.append(("recursive dataclass", rp))
    out.append(("slots", Slotted(1, {"k": Slotted(2, 3)})))
    note = {"note": "state"}
    out.append(("reduce items", Reduced([1, 2, "x"], {"a": 1, 2: [3]}, note)))
    out.append(("reduce one item", Reduced([1], {"a": 1}, note)))
    out.append(("newobj_ex", NewArgsEx(1, 2, a=3, b=[4])))
    out.append(("ordereddict", collections.OrderedDict([("a", 1), ("b", [2])])))
    out.append(("defaultdict", collections.defaultdict(list, {"x": [1]})))
    out.append(("counter", collections.Counter("abracadabra")))
    out.append(("deque", collections.deque([1, 2, 3], maxlen=5)))
    out.append(("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5, 6)))
    out.append(("date", [datetime.date(2020, 2, 29), datetime.timedelta(days=3)]))
    out.append(("decimal", decimal.Decimal("3.14159")))
    out.append(("fraction", fractions.Fraction(3, 7)))
    out.append(("complex", [complex(1, -2), 1j]))
    out.append(("globals", [len, Point, collections.OrderedDict, pickle.loads]))
    out.append(("range", range(1, 10, 2)))
    out.append(("slice", slice(1, None, 2)))
    out.append(("old", Old([1, 2])))
    big = [Point(i, str(i)) for i in range(30)]
    out.append(("many objects", {"pts": big, "again": big[:5]}))
    for i in range(40):
        out.append(("random %d" % i, [Point(g.value(2), g.value(2)), g.value(3)]))
    return out


class PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Point) and obj.x == "pid":
            return obj.y
        return None


def main():
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 12345
    r = random.Random(seed)
    g = Gen(r)
    values = []
    for i in range(count):
        k = r.random()
        if k < 0.08:
            v = recursive_value(r, g)
        elif k < 0.2:
            v = g.leaf()
        else:
            v = g.value(r.randrange(1, 6))
        values.append(v)
    out = io.BytesIO()
    out.write(b"BRREPR01")
    w_u32(out, len(values))
    stats = collections.Counter()
    for v in values:
        flags = 0
        try:
            rep = repr(v)
        except ValueError as e:
            rep = str(e)
            flags |= 1
            stats["repr errors"] += 1
        recursive, shared = shape(v)
        if recursive:
            flags |= 4
            stats["recursive"] += 1
        if shared:
            flags |= 8
            stats["shared"] += 1
        width = r.choice([80, 80, 80, 40, 20, 120, 10])
        indent = r.choice([1, 1, 1, 2, 4])
        compact = r.choice([0, 0, 1])
        pf = ""
        if not recursive and not shared and not flags & 1:
            pf = SetOrderPrinter(width=width, indent=indent, compact=bool(compact), sort_dicts=False).pformat(v)
            flags |= 2
            stats["pformat"] += 1
        plain = ""
        if not recursive and not flags & 1:
            plain = plain_json(v)
            flags |= 16
            stats["plain"] += 1
        out.write(bytes([flags]))
        w_str(out, rep)
        out.write(bytes([width, indent, compact]))
        w_str(out, pf)
        w_str(out, plain)
        for proto in range(6):
            try:
                data = pickle.dumps(v, protocol=proto)
            except ValueError:
                # protocol 0 writes ints as text: over 4300 digits it fails
                data = b""
                stats["unpicklable"] += 1
            w_bytes(out, data)
    objs = object_values(r, g)
    recs = []
    for desc, v in objs:
        for proto in range(6):
            try:
                recs.append((desc, proto, pickle.dumps(v, protocol=proto), []))
            except Exception:
                pass
    # persistent ids
    for proto in range(6):
        f = io.BytesIO()
        pid = "p0" if proto == 0 else ("pid", 7, [1])
        PidPickler(f, protocol=proto).dump([Point("pid", pid), Point(1, 2), "x"])
        recs.append(("persistent id", proto, f.getvalue(), []))
    # out-of-band buffers
    bufs = []
    data = pickle.dumps(
        [pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"xyz")), b"in band"],
        protocol=5,
        buffer_callback=bufs.append,
    )
    recs.append(("oob buffers", 5, data, [bytes(b.raw()) for b in bufs]))
    data = pickle.dumps([pickle.PickleBuffer(bytearray(b"\x00\x01" * 10)), pickle.PickleBuffer(b"ro")], protocol=5)
    recs.append(("in-band buffers", 5, data, []))
    w_u32(out, len(recs))
    for desc, proto, data, bufs in recs:
        w_str(out, desc)
        out.write(bytes([proto]))
        w_bytes(out, data)
        w_u32(out, len(bufs))
        for b in bufs:
            w_bytes(out, b)
    with open(path, "wb") as f:
        f.write(out.getvalue())
    print(
        "values=%d objects=%d %s"
        % (len(values), len(recs), " ".join("%s=%d" % kv for kv in sorted(stats.items())))
    )


if __name__ == "__main__":
    main()
