#!/usr/bin/env python3
"""Generate test cases for brinery's dis/optimize against CPython's pickletools.

Writes a binary case file (format below) holding many pickles -- random
values pickled at every protocol, hand-built opcode streams covering every
opcode (Python 2 ones included), CPython's test-suite pickles, and broken
variants of all of these -- together with what `pickletools.dis` prints for
several option sets, the exception it ends with, and what
`pickletools.optimize` returns (or raises).

Usage: dis_cases.py OUTPUT [--seed N] [--scale F]

File format (all integers little-endian):
    magic   b"BRDISCASES1\\n"
    records, each: tag (1 byte) then fields
      b"M" meta:      str key, str value
      b"T" opcode:    str name, u8 code, str argname, u8 proto,
                      str before (names joined by ","), str after
      b"D" dis case:  str label, u32 ninputs, ninputs * (str name, bytes data),
                      u32 annotate, u32 indentlevel, u8 memo, str preamble,
                      bytes expected_output, str error ("" if none),
                      u8 version_sensitive
      b"O" optimize:  str label, bytes data, u8 ok, bytes result (ok) or
                      str error (not ok), u8 version_sensitive

brinery follows the Python that src/dis_docs.rs was generated from (see its
header). Run with another Python, a few error messages differ between
CPython versions (3.12 adds a note line to raw-unicode-escape errors and
checks the int digit limit after the syntax, 3.10 words that limit
differently); such cases are flagged version_sensitive and the Rust test
skips them.
      b"E" end
    str   = u32 length + UTF-8 bytes
    bytes = u64 length + bytes
"""

import argparse
import collections
import copyreg
import datetime
import decimal
import enum
import fractions
import io
import os
import pickle
import pickletools
import random
import re
import struct
import sys
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dis_gen_docs  # noqa: E402

DOCS_PATH = dis_gen_docs.DEFAULT_PATH


# ---------------------------------------------------------------------------
# Output

class Writer:
    def __init__(self, f):
        self.f = f
        self.counts = collections.Counter()
        f.write(b"BRDISCASES1\n")

    def str(self, s):
        b = s.encode('utf-8')
        self.f.write(struct.pack('<I', len(b)) + b)

    def bytes(self, b):
        self.f.write(struct.pack('<Q', len(b)))
        self.f.write(b)

    def u32(self, n):
        self.f.write(struct.pack('<I', n))

    def u8(self, n):
        self.f.write(struct.pack('<B', n))

    def tag(self, t):
        self.f.write(t)
        self.counts[t] += 1


REFERENCE_VERSION = None  # (major, minor) of the Python dis_docs.rs came from


def version_sensitive(err, datas):
    """Whether an expected error is one whose text depends on the CPython
    version, when this Python is not the reference one."""
    if REFERENCE_VERSION is None or sys.version_info[:2] == REFERENCE_VERSION:
        return False
    if 'codec failed' in err or 'Exceeds the limit' in err:
        return True
    if 'invalid literal for int()' in err:
        return any(re.search(rb'[0-9_]{4301}', d) for d in datas)
    return False


def last_line(e):
    return traceback.format_exception_only(type(e), e)[-1].rstrip('\n')


def run_dis(inputs, annotate, indent, memo_flag, preamble):
    """What `python -m pickletools [-a] [-l N] [-m] [-p P] FILE...` prints."""
    out = io.StringIO()
    err = ''
    memo = {} if memo_flag else None
    try:
        for name, data in inputs:
            if len(inputs) > 1:
                out.write(preamble.format(name=name) + '\n')
            pickletools.dis(io.BytesIO(data), out, memo, indent, annotate)
    except Exception as e:  # noqa: BLE001 - any exception is an expectation
        err = last_line(e)
    return out.getvalue().encode('utf-8'), err


DEFAULT_PREAMBLE = "==> {name} <=="


class Cases:
    def __init__(self, w, annotate_ok):
        self.w = w
        self.annotate_ok = annotate_ok
        self.seen = set()
        self.n_pickles = 0
        self.n_annotate_left_out = 0

    def dis_case(self, label, inputs, annotate, indent, memo, preamble=DEFAULT_PREAMBLE):
        if annotate and not self.annotate_ok:
            self.n_annotate_left_out += 1
            return
        out, err = run_dis(inputs, annotate, indent, memo, preamble)
        w = self.w
        w.tag(b'D')
        w.str(label)
        w.u32(len(inputs))
        for name, data in inputs:
            w.str(name)
            w.bytes(data)
        w.u32(annotate)
        w.u32(indent)
        w.u8(1 if memo else 0)
        w.str(preamble)
        w.bytes(out)
        w.str(err)
        w.u8(version_sensitive(err, [d for _, d in inputs]))

    def opt_case(self, label, data):
        w = self.w
        try:
            res = pickletools.optimize(data)
            ok = True
        except Exception as e:  # noqa: BLE001
            res = last_line(e)
            ok = False
        w.tag(b'O')
        w.str(label)
        w.bytes(data)
        w.u8(1 if ok else 0)
        if ok:
            w.bytes(res)
        else:
            w.str(res)
        w.u8(0 if ok else version_sensitive(res, [data]))

    def single(self, label, data, options=('plain', 'a', 'l2')):
        """All checks for one pickle (deduplicated)."""
        if data in self.seen:
            return
        self.seen.add(data)
        self.n_pickles += 1
        inputs = [('x.pickle', data)]
        for o in options:
            if o == 'plain':
                self.dis_case(label, inputs, 0, 4, False)
            elif o == 'a':
                self.dis_case(label + ' -a', inputs, 30, 4, False)
            elif o == 'l2':
                self.dis_case(label + ' -l 2', inputs, 0, 2, False)
            elif o == 'al0':
                self.dis_case(label + ' -a -l 0', inputs, 30, 0, False)
        self.opt_case(label, data)

    def group(self, label, inputs, preamble=DEFAULT_PREAMBLE):
        """Several files on one command line: with and without -m."""
        self.dis_case(label, inputs, 0, 4, False, preamble)
        self.dis_case(label + ' -m', inputs, 0, 4, True, preamble)
        self.dis_case(label + ' -a -m', inputs, 30, 4, True, preamble)
        self.dis_case(label + ' -l 2 -m', inputs, 0, 2, True, preamble)


# ---------------------------------------------------------------------------
# Things to pickle

class Plain:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Slotted:
    __slots__ = ('a', 'b')

    def __init__(self, a, b):
        self.a = a
        self.b = b


class WithState:
    def __init__(self, v):
        self.v = v

    def __getstate__(self):
        return ('state', self.v)

    def __setstate__(self, st):
        self.v = st[1]


class NewArgsEx:
    def __new__(cls, *args, **kw):
        self = object.__new__(cls)
        self.args = args
        self.kw = kw
        return self

    def __getnewargs_ex__(self):
        return self.args, self.kw


class Reduced:
    def __init__(self, items, mapping, state):
        self.items = items
        self.mapping = mapping
        self.state = state

    def __reduce__(self):
        return (Reduced, ((), {}, None), self.state, iter(self.items),
                iter(self.mapping.items()))

    def __setitem__(self, k, v):
        pass

    def append(self, x):
        pass

    def extend(self, xs):
        pass


class ListSub(list):
    pass


class DictSub(dict):
    pass


class SetSub(set):
    pass


class Ext1Class:
    pass


class Ext2Class:
    pass


class Ext4Class:
    pass


class Color(enum.Enum):
    RED = 1
    GREEN = 'green'


copyreg.add_extension(__name__, 'Ext1Class', 7)
copyreg.add_extension(__name__, 'Ext2Class', 300)
copyreg.add_extension(__name__, 'Ext4Class', 70000)


class Persistent:
    def __init__(self, pid):
        self.pid = pid


class PersPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Persistent):
            return obj.pid
        return None


class PyPersPickler(pickle._Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Persistent):
            return obj.pid
        return None


# Code point pools for random text.
POOLS = [
    (0x20, 0x7e), (0x20, 0x7e), (0x20, 0x7e), (0x00, 0x1f), (0x7f, 0xff),
    (0x100, 0x2ff), (0x370, 0x3ff), (0x400, 0x4ff), (0x600, 0x6ff),
    (0x2000, 0x206f), (0x3000, 0x30ff), (0x4e00, 0x4fff), (0xd800, 0xdfff),
    (0xe000, 0xf8ff), (0xfff0, 0xffff), (0x10000, 0x1ffff), (0x1f300, 0x1faff),
    (0x20000, 0x2ffff), (0xe0000, 0xe01ff), (0x0, 0x10ffff), (0x0, 0x10ffff),
]


class Rand:
    def __init__(self, seed, printable_ok):
        self.r = random.Random(seed)
        self.printable_ok = printable_ok  # code point -> bool (our table agrees)

    def char(self):
        r = self.r
        if r.random() < 0.05:
            return r.choice('\'"\\\n\r\t\x00 ')
        while True:
            lo, hi = r.choice(POOLS)
            cp = r.randint(lo, hi)
            if self.printable_ok(cp):
                return chr(cp)

    def text(self, maxlen=40):
        r = self.r
        n = r.choice([0, 1, 2, 3, 5, 8, 13, r.randint(0, maxlen)])
        if r.random() < 0.3:
            return ''.join(r.choice('abcxyz_ 0') for _ in range(n))
        return ''.join(self.char() for _ in range(n))

    def bytes_(self, maxlen=40):
        r = self.r
        n = r.choice([0, 1, 2, 5, r.randint(0, maxlen)])
        if r.random() < 0.3:
            return bytes(r.choice(b"abc'\"\\\n\t ") for _ in range(n))
        return bytes(r.getrandbits(8) for _ in range(n))

    def int_(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return r.randint(0, 255)
        if k < 0.45:
            return r.randint(-300, 70000)
        if k < 0.6:
            return r.choice([0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31,
                             2**31, -2**31 - 1, 2**63 - 1, -2**63, 2**63, 2**64,
                             -2**64, 2**64 - 1])
        if k < 0.85:
            return r.randint(-2**70, 2**70)
        bits = r.choice([100, 500, 2040, 2048, 3000, 8000])
        return r.getrandbits(bits) * r.choice([1, -1])

    def float_(self):
        r = self.r
        k = r.random()
        if k < 0.2:
            return r.choice([0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e15, 1e-4, 1e-5,
                             1e300, 5e-324, float('inf'), float('-inf'),
                             float('nan'), 123456789012345678.0, 2.5e-7, 1e22])
        if k < 0.5:
            return struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0]
        if k < 0.75:
            return r.uniform(-1000, 1000)
        return r.random() * 10 ** r.randint(-30, 30)

    def atom(self):
        r = self.r
        k = r.randint(0, 30)
        if k == 0:
            return None
        if k == 1:
            return r.random() < 0.5
        if k <= 6:
            return self.int_()
        if k <= 9:
            return self.float_()
        if k <= 15:
            return self.text()
        if k <= 18:
            return self.bytes_()
        if k == 19:
            return bytearray(self.bytes_())
        if k == 20:
            return complex(self.float_(), self.float_())
        if k == 21:
            return r.choice([Plain, Slotted, WithState, Ext1Class, Ext2Class,
                             Ext4Class, len, int, collections.OrderedDict,
                             Color.RED, Color.GREEN, Ellipsis, NotImplemented,
                             type(None), range(r.randint(0, 10))])
        if k == 22:
            return datetime.datetime(2000 + r.randint(0, 50), r.randint(1, 12),
                                     r.randint(1, 28), r.randint(0, 23))
        if k == 23:
            return decimal.Decimal(r.choice(['1.5', '-0', 'NaN', '1e100', '3.14159']))
        if k == 24:
            return fractions.Fraction(r.randint(-100, 100), r.randint(1, 100))
        if k == 25:
            return uuid.UUID(int=r.getrandbits(128))
        if k == 26:
            return Persistent(r.choice(['pid1', 'x', 'abc_123', '']))
        if k == 27:
            return pickle.PickleBuffer(self.bytes_())
        if k == 28:
            return pickle.PickleBuffer(bytearray(self.bytes_()))
        if k == 29:
            return frozenset(self.hashable() for _ in range(r.randint(0, 3)))
        return self.text(300)

    def hashable(self, depth=0):
        r = self.r
        k = r.randint(0, 6)
        if k == 0:
            return self.int_()
        if k == 1:
            return self.text(10)
        if k == 2:
            return self.bytes_(10)
        if k == 3 and depth < 2:
            return tuple(self.hashable(depth + 1) for _ in range(r.randint(0, 3)))
        if k == 4:
            return None
        if k == 5:
            return self.float_()
        return r.random() < 0.5

    def value(self, depth=0, pool=None):
        r = self.r
        if pool is None:
            pool = []
        if depth > 3 or r.random() < 0.35:
            v = self.atom()
            pool.append(v)
            return v
        if pool and r.random() < 0.15:
            return r.choice(pool)
        n = r.choice([0, 1, 2, 3, 4, r.randint(0, 8)])
        k = r.randint(0, 12)
        if k <= 2:
            v = [self.value(depth + 1, pool) for _ in range(n)]
            if r.random() < 0.1:
                v.append(v)
        elif k <= 4:
            v = tuple(self.value(depth + 1, pool) for _ in range(n))
        elif k <= 6:
            v = {self.hashable(): self.value(depth + 1, pool) for _ in range(n)}
            if r.random() < 0.1:
                v['self'] = v
        elif k == 7:
            v = {self.hashable() for _ in range(n)}
        elif k == 8:
            v = Plain(a=self.value(depth + 1, pool), b=self.value(depth + 1, pool))
            if r.random() < 0.2:
                v.me = v
        elif k == 9:
            v = r.choice([
                lambda: Slotted(self.value(depth + 1, pool), self.atom()),
                lambda: WithState(self.value(depth + 1, pool)),
                lambda: NewArgsEx(self.atom(), k=self.atom()),
                lambda: Reduced([self.atom()], {'k': self.atom()}, self.atom()),
            ])()
        elif k == 10:
            v = r.choice([ListSub, SetSub])(self.hashable() for _ in range(n))
            if isinstance(v, ListSub):
                v.attr = self.atom()
        elif k == 11:
            v = DictSub({self.hashable(): self.value(depth + 1, pool) for _ in range(n)})
        else:
            v = collections.OrderedDict((self.text(5), self.atom()) for _ in range(n))
        pool.append(v)
        return v


def dumps_variants(rnd, value):
    """(label, pickle) pairs for one value at every protocol."""
    r = rnd.r
    out = []
    for proto in range(0, 6):
        variant = r.randint(0, 4)
        try:
            f = io.BytesIO()
            if variant == 0:
                p = pickle.Pickler(f, proto)
                label = 'C'
            elif variant == 1:
                p = pickle._Pickler(f, proto)
                label = 'py'
            elif variant == 2:
                p = PersPickler(f, proto)
                label = 'C-pers'
            elif variant == 3:
                p = PyPersPickler(f, proto)
                label = 'py-pers'
            else:
                kw = {}
                if proto >= 5:
                    kw['buffer_callback'] = lambda b: r.random() < 0.5
                p = pickle.Pickler(f, proto, **kw)
                label = 'C-oob'
            p.dump(value)
            data = f.getvalue()
        except Exception:  # noqa: BLE001 - unpicklable at this protocol
            continue
        out.append(('%s-p%d' % (label, proto), data))
        if r.random() < 0.15:
            out.append(('%s-p%d-optimized' % (label, proto), pickletools.optimize(data)))
    return out


# ---------------------------------------------------------------------------
# Hand-built opcode streams (every opcode, Python 2 ones included)

OPS = {op.name: op for op in pickletools.opcodes}


def op(name):
    return OPS[name].code.encode('latin-1')


def py2_repr_bytes(b, rnd):
    """A Python 2 style repr of a byte string, as protocol 0 STRING wrote it."""
    r = rnd.r
    q = "'" if (b"'" not in b or b'"' in b) else '"'
    parts = [q]
    for c in b:
        ch = chr(c)
        if ch == q or ch == '\\':
            parts.append('\\' + ch)
        elif ch == '\n':
            parts.append('\\n')
        elif ch == '\t':
            parts.append(r.choice(['\\t', '\\011']))
        elif ch == '\r':
            parts.append('\\r')
        elif 0x20 <= c < 0x7f:
            parts.append(ch if r.random() < 0.9 else '\\x%02x' % c)
        else:
            parts.append(r.choice(['\\x%02x' % c, '\\x%02X' % c, '\\%o' % c]))
    parts.append(q)
    return ''.join(parts).encode('ascii')


def arg_bytes(rnd, argname, valid=True):
    """Random argument bytes for a pickletools argument descriptor."""
    r = rnd.r
    bad = not valid
    if argname == 'uint1':
        return bytes([r.getrandbits(8)])
    if argname == 'uint2':
        return struct.pack('<H', r.getrandbits(16))
    if argname == 'int4':
        return struct.pack('<i', r.randint(-2**31, 2**31 - 1))
    if argname == 'uint4':
        return struct.pack('<I', r.getrandbits(32))
    if argname == 'uint8':
        return struct.pack('<Q', r.getrandbits(64))
    if argname == 'float8':
        return struct.pack('>d', rnd.float_())
    if argname == 'decimalnl_short':
        if bad:
            return r.choice([b'abc', b'1L', b'', b'1__0', b'0x10', b'1 2', b'\xff',
                             b'1' * 4400, b'_1', b'1_']) + b'\n'
        return r.choice([b'00', b'01', str(r.randint(-1000, 100000)).encode(),
                         b' 42 ', b'+7', b'1_000', b'-0', b'007',
                         str(rnd.int_()).encode()]) + b'\n'
    if argname == 'decimalnl_long':
        if bad:
            return r.choice([b'xL', b'L', b'1LL', b'1.5L', b'9' * 5000 + b'L']) + b'\n'
        return str(rnd.int_()).encode() + r.choice([b'L', b'L', b'']) + b'\n'
    if argname == 'floatnl':
        if bad:
            return r.choice([b'1e', b'abc', b'', b'1_', b'inff', b'0x1p3', b'1\x00',
                             b'_1.0', b'1._5']) + b'\n'
        return r.choice([repr(rnd.float_()).encode(), b'inf', b'-Infinity', b'nan',
                         b' 1.5 ', b'1_000.5', b'.5', b'5.', b'1E5', b'1e-400',
                         b'1e400', b'%.17g' % rnd.float_()]) + b'\n'
    if argname == 'stringnl':
        if bad:
            return r.choice([b"'abc", b'abc', b"'a\\xzz'", b"'\xe9'", b"'a\\'",
                             b'"abc\'', b"", b"'\\x4'", b"'\\'"]) + b'\n'
        return py2_repr_bytes(bytes(c & 0x7f for c in rnd.bytes_()), rnd) + b'\n'
    if argname == 'stringnl_noescape':
        if bad:
            return r.choice([b'a\\', b'\xc3\xa9', b'\\x4g']) + b'\n'
        return r.choice([b'pid', b'', b'a b', b'x\\ty', b'42', b'\\101']) + b'\n'
    if argname == 'stringnl_noescape_pair':
        if bad:
            return r.choice([b'mod\n\xff\n', b'mod\n', b'mo\\d\n', b'mod\\x\nx\n'])
        return r.choice([b'copy_reg\n_reconstructor\n', b'__builtin__\nobject\n',
                         b'builtins\nlist\n', b'a.b\nc.d\n', b'\n\n',
                         b'mod\\x41\nname\n'])
    if argname == 'unicodestringnl':
        if bad:
            return r.choice([b'\\u12', b'ab\\U00110000', b'\\U1', b'x\\u']) + b'\n'
        s = rnd.text()
        s = s.replace('\\', '\\u005c').replace('\n', '\\u000a')
        enc = s.encode('raw-unicode-escape')
        if r.random() < 0.2:
            enc += r.choice([b'\\x', b'\\', b'\\\\u0041', b'\\N', b'\\u00e9'])
        return enc + b'\n'
    if argname in ('long1', 'long4'):
        n = rnd.int_()
        nb = (n.bit_length() + 8) // 8 if n else r.choice([0, 1])
        data = n.to_bytes(nb, 'little', signed=True)
        if argname == 'long1':
            data = data[:255]
            return bytes([len(data)]) + data
        if bad:
            return struct.pack('<i', -r.randint(1, 100)) + data
        return struct.pack('<i', len(data)) + data
    if argname in ('string1', 'bytes1'):
        b = rnd.bytes_()[:255]
        return bytes([len(b)]) + b
    if argname == 'string4':
        b = rnd.bytes_()
        if bad:
            return struct.pack('<i', -r.randint(1, 5)) + b
        return struct.pack('<i', len(b)) + b
    if argname == 'bytes4':
        b = rnd.bytes_()
        return struct.pack('<I', len(b)) + b
    if argname in ('bytes8', 'bytearray8', 'unicodestring8'):
        if bad:
            return struct.pack('<Q', r.choice([2**63, 2**64 - 1, 2**40]))
        b = rnd.bytes_() if argname != 'unicodestring8' else \
            rnd.text().encode('utf-8', 'surrogatepass')
        return struct.pack('<Q', len(b)) + b
    if argname in ('unicodestring1', 'unicodestring4'):
        if bad:
            b = r.choice([b'\xff', b'a\xc3', b'\xe0\x80\x80', b'\xed\xa0', b'\xf4\x90\x80\x80',
                          b'ab\xe1\x80', b'\xc0\xaf', b'x\xf0\x90\x80'])
        else:
            b = rnd.text(300 if argname.endswith('4') else 80).encode('utf-8', 'surrogatepass')
        if argname == 'unicodestring1':
            b = b[:255]
            if not bad:
                b = b.decode('utf-8', 'ignore').encode('utf-8')  # don't cut a char
            return bytes([len(b)]) + b
        return struct.pack('<I', len(b)) + b
    raise AssertionError(argname)


PUSH_OPS = ['INT', 'BININT', 'BININT1', 'BININT2', 'LONG', 'LONG1', 'LONG4', 'STRING',
            'BINSTRING', 'SHORT_BINSTRING', 'BINBYTES', 'SHORT_BINBYTES', 'BINBYTES8',
            'BYTEARRAY8', 'NEXT_BUFFER', 'NONE', 'NEWTRUE', 'NEWFALSE', 'UNICODE',
            'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'FLOAT', 'BINFLOAT',
            'EMPTY_LIST', 'EMPTY_TUPLE', 'EMPTY_DICT', 'EMPTY_SET', 'EXT1', 'EXT2',
            'EXT4', 'GLOBAL', 'PERSID']


def program(rnd, bad_rate=0.0):
    """A random opcode stream that keeps pickletools' stack checks happy
    (unless bad_rate makes it emit invalid arguments or ops)."""
    r = rnd.r
    out = []
    stack = []       # 'm' for a mark, 'o' for an object
    memo = []        # keys stored (for GET)
    next_memo = [0]  # MEMOIZE index

    def emit(name, valid=True):
        o = OPS[name]
        out.append(op(name))
        if o.arg is not None:
            if name in ('PUT', 'GET'):
                key = (r.choice(memo) if (name == 'GET' and memo and valid)
                       else r.randint(0, 300))
                out.append(r.choice([str(key).encode(), b'0%d' % key])
                           if key > 1 or r.random() < 0.5 else str(key).encode())
                out.append(b'\n')
            elif name in ('BINPUT', 'BINGET'):
                key = r.choice(memo) if (name == 'BINGET' and memo and valid) else r.randint(0, 255)
                out.append(bytes([key % 256]))
            elif name in ('LONG_BINPUT', 'LONG_BINGET'):
                key = r.choice(memo) if (name == 'LONG_BINGET' and memo and valid) else r.randint(0, 2**20)
                out.append(struct.pack('<I', key % 2**32))
            elif name == 'PROTO':
                out.append(bytes([r.choice([0, 1, 2, 3, 4, 5, 5, 5]) if valid else r.randint(6, 255)]))
            elif name == 'FRAME':
                out.append(struct.pack('<Q', r.randint(0, 100000)))
            else:
                out.append(arg_bytes(rnd, o.arg.name, valid))
        return name

    def objs_on_top():
        n = 0
        for x in reversed(stack):
            if x == 'm':
                break
            n += 1
        return n

    if r.random() < 0.7:
        emit('PROTO', r.random() > bad_rate)
    steps = r.randint(1, 40)
    for _ in range(steps):
        if r.random() < bad_rate:
            # Something probably invalid: a random opcode or argument.
            name = r.choice(list(OPS))
            if name == 'STOP':
                continue
            emit(name, r.random() < 0.5)
            for _ in OPS[name].stack_before:
                if stack:
                    stack.pop()
            stack.extend('o' if a is not pickletools.markobject else 'm'
                         for a in OPS[name].stack_after)
            continue
        top = objs_on_top()
        has_mark = 'm' in stack
        choices = ['push'] * 6 + ['mark']
        if has_mark:
            choices += ['close'] * 3
        if top >= 1:
            choices += ['one'] * 3
        if top >= 2:
            choices += ['two'] * 2
        if top >= 3:
            choices.append('three')
        if stack and stack[-1] == 'm':
            choices.append('popmark')
        if memo:
            choices.append('get')
        if r.random() < 0.03:
            choices.append('frame')
        kind = r.choice(choices)
        if kind == 'push':
            emit(r.choice(PUSH_OPS))
            stack.append('o')
        elif kind == 'get':
            emit(r.choice(['GET', 'BINGET', 'LONG_BINGET']))
            stack.append('o')
        elif kind == 'mark':
            emit('MARK')
            stack.append('m')
        elif kind == 'popmark':
            emit('POP')
            stack.pop()
        elif kind == 'frame':
            emit('FRAME')
        elif kind == 'close':
            below = len(stack) - 1 - stack[::-1].index('m')
            above = len(stack) - below - 1
            opts = ['TUPLE', 'LIST', 'DICT', 'FROZENSET', 'POP_MARK', 'INST']
            if above >= 1:
                opts.append('OBJ')
            if below >= 1 and stack[below - 1] == 'o':
                opts += ['APPENDS', 'SETITEMS', 'ADDITEMS']
            name = r.choice(opts)
            emit(name)
            del stack[below:]
            if name in ('APPENDS', 'SETITEMS', 'ADDITEMS', 'POP_MARK'):
                pass
            else:
                stack.append('o')
        elif kind == 'one':
            name = r.choice(['POP', 'DUP', 'TUPLE1', 'PUT', 'BINPUT', 'LONG_BINPUT',
                             'MEMOIZE', 'BINPERSID', 'READONLY_BUFFER'])
            if name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                # Store under a fresh key so pickletools accepts it.
                key = max(memo + [next_memo[0] - 1, -1]) + r.randint(1, 3)
                if name == 'PUT':
                    out.append(op('PUT') + (str(key).encode() if key != 1 or r.random() < 0.5
                                            else b'01') + b'\n')
                elif name == 'BINPUT' and key < 256:
                    out.append(op('BINPUT') + bytes([key]))
                else:
                    out.append(op('LONG_BINPUT') + struct.pack('<I', key))
                memo.append(key)
                continue
            if name == 'MEMOIZE':
                key = len(set(memo))
                if key in memo:
                    continue
                memo.append(key)
            emit(name)
            if name == 'POP':
                stack.pop()
            elif name == 'DUP':
                stack.append('o')
        elif kind == 'two':
            name = r.choice(['APPEND', 'BUILD', 'REDUCE', 'NEWOBJ', 'TUPLE2', 'STACK_GLOBAL'])
            emit(name)
            stack.pop()
        elif kind == 'three':
            name = r.choice(['SETITEM', 'TUPLE3', 'NEWOBJ_EX'])
            emit(name)
            stack.pop()
            stack.pop()
    if r.random() > bad_rate * 2:
        while 'm' in stack:
            emit('TUPLE')
            below = len(stack) - 1 - stack[::-1].index('m')
            del stack[below:]
            stack.append('o')
        while len(stack) > 1:
            emit('TUPLE2')
            stack.pop()
        if not stack:
            emit('NONE')
    emit('STOP')
    return b''.join(out)


# ---------------------------------------------------------------------------
# Broken variants

def mutations(rnd, data, n):
    r = rnd.r
    out = []
    for _ in range(n):
        k = r.randint(0, 5)
        if len(data) < 2:
            break
        if k <= 1:
            out.append(('truncated', data[:r.randint(0, len(data) - 1)]))
        elif k == 2:
            i = r.randrange(len(data))
            out.append(('flipped', data[:i] + bytes([r.getrandbits(8)]) + data[i + 1:]))
        elif k == 3:
            i = r.randrange(len(data))
            out.append(('inserted', data[:i] + bytes([r.getrandbits(8)]) + data[i:]))
        elif k == 4:
            i = r.randrange(len(data))
            out.append(('deleted', data[:i] + data[i + 1:]))
        else:
            out.append(('trailing', data + rnd.bytes_()))
    return out


# ---------------------------------------------------------------------------

def table_records(w):
    for o in pickletools.opcodes:
        w.tag(b'T')
        w.str(o.name)
        w.u8(ord(o.code))
        w.str(o.arg.name if o.arg is not None else 'none')
        w.u8(o.proto)
        w.str(','.join(x.name for x in o.stack_before))
        w.str(','.join(x.name for x in o.stack_after))


def our_tables():
    """What crates/brinery/src/dis_docs.rs holds, if readable."""
    try:
        with open(DOCS_PATH, encoding='utf-8') as f:
            text = f.read()
    except OSError:
        return None, None
    # The printable code points: the complement of printable.rs's
    # NOT_PRINTABLE (code points >= 0x80), plus ASCII 0x20-0x7e.
    try:
        with open(os.path.join(os.path.dirname(DOCS_PATH), 'printable.rs'),
                  encoding='utf-8') as f:
            table = f.read().split('SPACE', 1)[0]
    except OSError:
        return text, None
    ranges, lo = [(0x20, 0x7e)], 0x80
    for a, b in re.findall(r'\(0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+)\)', table):
        a, b = int(a, 16), int(b, 16)
        if a > lo:
            ranges.append((lo, a - 1))
        lo = b + 1
    if lo <= 0x10FFFF:
        ranges.append((lo, 0x10FFFF))
    return text, ranges


def main():
    global REFERENCE_VERSION
    ap = argparse.ArgumentParser()
    ap.add_argument('output')
    ap.add_argument('--seed', type=int, default=20240607)
    ap.add_argument('--scale', type=float, default=1.0)
    args = ap.parse_args()

    text, ranges = our_tables()
    m = re.search(r'from Python (\d+)\.(\d+)', text or '')
    if m:
        REFERENCE_VERSION = (int(m.group(1)), int(m.group(2)))
    expected_text = dis_gen_docs.generate()
    strip = lambda t: '\n'.join(t.splitlines()[2:]) if t else None  # noqa: E731
    docs_match = text is not None and strip(text) == strip(expected_text)
    annos = {}
    if text is not None:
        for code, doc in re.findall(r'\(0x([0-9a-f]{2}), "((?:[^"\\]|\\.)*)"\)', text):
            annos[int(code, 16)] = doc
    annotate_ok = text is not None and all(
        annos.get(ord(o.code)) == dis_gen_docs.rust_str(o.doc.split('\n', 1)[0])[1:-1]
        for o in pickletools.opcodes)
    if ranges and REFERENCE_VERSION != sys.version_info[:2]:
        # Another Unicode database than the one src/dis_docs.rs has: random
        # strs avoid the characters whose printability differs.
        import bisect
        los = [a for a, _ in ranges]

        def ours(cp):
            i = bisect.bisect_right(los, cp) - 1
            return i >= 0 and cp <= ranges[i][1]

        def printable_ok(cp):
            return ours(cp) == chr(cp).isprintable()
    else:
        def printable_ok(cp):
            return True

    with open(args.output, 'wb') as f:
        w = Writer(f)
        w.tag(b'M')
        w.str('python')
        w.str(sys.version.split()[0])
        w.tag(b'M')
        w.str('docs_match')
        w.str(str(docs_match))
        w.tag(b'M')
        w.str('annotate_ok')
        w.str(str(annotate_ok))
        w.tag(b'M')
        w.str('reference_python')
        w.str('%d.%d' % REFERENCE_VERSION if REFERENCE_VERSION else '?')
        table_records(w)
        cases = Cases(w, annotate_ok)
        rnd = Rand(args.seed, printable_ok)
        r = rnd.r
        scale = args.scale

        # CPython's own test pickles.
        try:
            from test import pickletester
        except ImportError:
            pickletester = None
        valid = []
        if pickletester is not None:
            for name in sorted(dir(pickletester)):
                v = getattr(pickletester, name)
                if re.match(r'DATA', name) and isinstance(v, bytes):
                    cases.single('pickletester.' + name, v, ('plain', 'a', 'l2', 'al0'))
                    valid.append(v)

        # A few fixed edge cases.
        fixed = [
            b'', b'.', b'N', b'(.', b'0.', b'1.', b'NN.', b'\x80\x06N.', b'\xff',
            b'\x80\x02}q\x00h\x00\x85q\x01.', b'I00\n.', b'I01\n.', b'p0\n.',
            b'Np0\np0\n.', b'Np01\nN.', b'Np1\nh\x01.', b'N\x94\x94.', b'(\x94.',
            b'(2t.', b'(N2a.', b'N(N(l0.', b'(0.', b'(1.', b'(((0t0.',
            b'L' + b'1' * 5000 + b'L\n.', b'\x80\x02\x8b\x00\x08\x00\x00' + b'\x01' * 2048 + b'.',
            b'\x80\x02\x8a\x00.', b'\x80\x02\x8a\x01\xff.',
            b'S"\'"\n.', b"S'\n.", b'S"\n.', b'V\\ud800\\udc00\n.',
            b'c__main__\nPlain\n)\x81}b.', b'I1\nI2\n\x86p0\ng0\n.',
            b'\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N\x94h\x00\x86.',
            b'\x80\x03N\x80\x04h\x00.', b'\x80\x05\x96\x03\x00\x00\x00\x00\x00\x00\x00abc.',
            b'\x80\x05\x97\x98.', b'N\x80\x07.', b'NN(g1\n.',
            b'\x80\x02K\x01\x85q\x00h\x00h\x00h\x00\x87q\x01.',
            b'F1_0.5\n.', b'F 1e5 \n.', b'F-nan\n.', b'L-0L\n.', b'I 12 \n.',
            b'I' + b'x' * 300 + b'\n.', b'I' + b'\xff' * 100 + b'\n.',
            b'I' + b'1' * 4301 + b'x\n.', b'I' + b'1' * 4300 + b'\n.',
            b'L' + b'1' * 4301 + b'L\n.', b'F1_0\x00\n.', b'F\x001_0\n.',
            b'F1\x00_0\n.', b'I1\x00\n.', b'I\x0b1\x0c\n.', b'F\x0b1\x0c\n.',
            b'F1e999999999999999999999\n.', b'F-1e-999999999999999999\n.',
            b'F0x10\n.', b'F+-1\n.', b'F1e+\n.', b'FInFiNiTy\n.', b'F-iNf\n.',
            b'F+nan\n.', b'Finfinit\n.', b'F1.5e3_0\n.', b'F1_e3\n.',
            b"S'\\777\\8\\q\\\n'\n.", b"S'\\x4'\n.", b"S'abc\\'\n.",
            b'V\\u12\n.', b'V\\\\u0041\n.', b'V\\U0010ffff\\U00110000\n.',
            b'Vab\\\n.', b'V\\N{DASH}\n.', b'V\xff\xe9\n.',
            b'\x8c\x03\xed\xa0\x80.', b'\x8c\x06\xed\xa0\x80\xed\xb0\x80.',
            b'\x8c\x02\xed\xa0.', b'\x8c\x01\xed.', b'\x8c\x03\xe0\x80\x80.',
            b'\x8c\x04\xf0\x90\x80\x41.', b'\x8c\x02\xc2\x85.',
            b'cmod\\x41\nna\\tme\n.', b'cmod\n\\\n.', b'P\xe9\n.', b'Pa\\b\n.',
            b'\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00N\x94.',
            b'(I1\nI2\nI3\n2l.', b'(((N2tt.', b'N(\x94.', b'N\x94\x94h\x00h\x01h\x02.',
            b'\x80\x01]q\x01h\x01a.', b'\x80\x00Np0\ng0\n.', b'Np0\ng00\ng01\n.',
            b'Np01\ng1\n.', b'Np-5\ng-5\n.', b'Np99999999999999999999999\ng99999999999999999999999\n.',
        ]
        for d in fixed:
            cases.single('fixed', d, ('plain', 'a', 'l2', 'al0'))
            valid.append(d)

        # Big pickles (several frames, frameless large bytes, big ints).
        big_values = [
            list(range(20000)),
            ['x%d' % i for i in range(12000)],
            [b'a' * 70000, 'b' * 70000, [1, 2]],
            {'k%d' % i: i for i in range(5000)},
            10 ** 5000,
            [bytearray(b'q' * 66000)],
        ]
        for v in big_values:
            for proto in (0, 2, 4, 5):
                try:
                    d = pickle.dumps(v, proto)
                except Exception:  # noqa: BLE001
                    continue
                cases.single('big-p%d' % proto, d, ('plain',))

        # Random values at every protocol.
        n_values = int(500 * scale)
        for i in range(n_values):
            v = rnd.value()
            for label, d in dumps_variants(rnd, v):
                cases.single('value%d-%s' % (i, label), d)
                valid.append(d)

        # Hand-built opcode streams, mostly valid, some not.
        for i in range(int(900 * scale)):
            bad = r.choice([0.0, 0.0, 0.0, 0.05, 0.2, 0.5])
            d = program(rnd, bad)
            cases.single('program%d-bad%s' % (i, bad), d)
            valid.append(d)

        # Broken variants.
        for i in range(int(1200 * scale)):
            d = r.choice(valid)
            for label, m in mutations(rnd, d, 1):
                cases.single('broken%d-%s' % (i, label), m)

        # Pure noise.
        for i in range(int(100 * scale)):
            cases.single('noise%d' % i, rnd.bytes_(60))

        # Several files on one command line: pickles written by one pickler
        # (so later ones use the memo of earlier ones), and unrelated ones.
        preambles = [DEFAULT_PREAMBLE, '--- {name} ---', '{name!r}:',
                     '{{literal}} {name}', 'no name at all', '']
        for i in range(int(150 * scale)):
            proto = r.randint(0, 5)
            f = io.BytesIO()
            p = r.choice([pickle.Pickler, pickle._Pickler])(f, proto)
            shared = rnd.value()
            inputs = []
            for j in range(r.randint(1, 3)):
                start = f.tell()
                try:
                    p.dump([shared, rnd.value()] if r.random() < 0.7 else shared)
                except Exception:  # noqa: BLE001
                    break
                inputs.append(('f%d.pickle' % j, f.getvalue()[start:]))
            if r.random() < 0.2:
                inputs.append(('noise', rnd.bytes_(20)))
            if r.random() < 0.2 and inputs:
                inputs.append((r.choice(['sp ace', 'ünï', '<stdin>']), r.choice(valid)))
            if not inputs:
                continue
            cases.group('group%d-p%d' % (i, proto), inputs, r.choice(preambles))

        w.tag(b'M')
        w.str('pickles')
        w.str(str(cases.n_pickles))
        w.tag(b'M')
        w.str('annotate_left_out')
        w.str(str(cases.n_annotate_left_out))
        w.tag(b'E')
    print('wrote %d dis cases, %d optimize cases, %d pickles to %s' % (
        w.counts[b'D'], w.counts[b'O'], cases.n_pickles, args.output))


if __name__ == '__main__':
    main()
