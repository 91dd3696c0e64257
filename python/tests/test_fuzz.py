"""The package's differential fuzz harness (pkgfuzz.py): its oracles can
disagree (wrong loaders and picklers are caught), the bugs it found stay
fixed, and hostile length claims cost no memory. The bounded fuzz run
itself is a separate step of scripts/test-py.sh (`pkgfuzz.py --ci`)."""

import io
import json
import os
import pickle
import struct
import subprocess
import sys

import pytest

import brinery

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkgfuzz  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def warm():
    pkgfuzz.warm_up_safe_set()


def run_child(code, cases, *argv):
    """Run `code` in a child Python with `cases` ({name: bytes}) as JSON on
    stdin (a crash kills the child, not pytest); its JSON output."""
    r = subprocess.run(
        [sys.executable, "-c", code, *argv],
        input=json.dumps({k: v.hex() for k, v in cases.items()}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def outcome(fn):
    try:
        return ("ok", repr(fn()))
    except Exception as e:  # class and message compared
        return (type(e).__name__, str(e))


# ---------------------------------------------------------------- oracles

SMALL_CORPUS = [
    ("list", pickle.dumps([1, 2.5, "x", b"y", (1,), {"a": [None]}], 2)),
    ("shared", pickle.dumps([[1]] * 3, 4)),
    ("cycle", pickle.dumps((lambda l: (l.append(l), l)[1])([0]), 5)),
    ("float", pickle.dumps([-0.0, float("nan"), 1e300], 0)),
    ("set", pickle.dumps({frozenset({1}), 2}, 4)),
    ("unsafe", b"cos\nsystem\n(S'true'\ntR."),
    ("truncated", pickle.dumps(list(range(10)), 3)[:-3]),
]


def run_harness(**kw):
    h = pkgfuzz.Harness(**kw)
    for name, data in SMALL_CORPUS:
        h.one(name, data)
    return h


def test_harness_agrees_with_itself_on_brinery():
    h = run_harness()
    c = h.stats.c
    assert c["disagreements"] == 0, h.stats.disagreements
    assert c["allow-inputs"] == c["safe-inputs"] == len(SMALL_CORPUS)
    assert c["allow-agreed-value"] == 5 and c["allow-agreed-error"] == 2
    assert c["safe-agreed-value"] == 5 and c["safe-agreed-error"] == 2


def _wrong_float(data, **kw):
    v = brinery.loads(data, **kw)
    if isinstance(v, list) and v and isinstance(v[0], float):
        v[0] = -v[0]  # -0.0 becomes 0.0: equal by ==, not by bits
    return v


def _copying(data, **kw):
    v = brinery.loads(data, **kw)
    if isinstance(v, list) and len(v) == 3 and v[0] is v[1]:
        return [list(x) for x in v]  # same values, sharing lost
    return v


def _raises(data, **kw):
    raise ValueError("wrong")


def _too_lenient(data, **kw):
    try:
        return brinery.loads(data, **kw)
    except pickle.UnpicklingError:
        return None  # a value where pickle raises


def _importing(data, **kw):
    if "allow" not in kw:  # safe mode: as if it imported a module
        sys.modules["pkgfuzz_spy_%d" % len(data)] = sys
    return brinery.loads(data, **kw)


def _hungry(data, **kw):
    if "allow" in kw and len(data) == len(SMALL_CORPUS[0][1]):
        junk = b"x" * (pkgfuzz.MEMORY_STEP + (64 << 20))  # touched pages
        del junk
    return brinery.loads(data, **kw)


def _panicking(data, **kw):
    class Panic(BaseException):
        pass

    raise Panic("a Rust panic")


@pytest.mark.parametrize(
    "wrong, mode, expected",
    [
        (_wrong_float, "allow", "values differ: root[0]: float 0.0 != -0.0"),
        (_copying, "safe", "values differ: root[1]: shared differently"),
        (_raises, "allow", "brinery err ValueError: wrong, pickle value"),
        (_too_lenient, "safe", "brinery value None, pickle err"),
        (_importing, "safe-import", "safe-mode load imported ['pkgfuzz_spy_"),
        (_panicking, "allow", "brinery raised fatal Panic: a Rust panic"),
        (_hungry, "memory", "peak RSS grew by"),
    ],
)
def test_oracles_catch_a_wrong_loader(wrong, mode, expected):
    h = run_harness(loads=wrong)
    try:
        found = [why for m, _n, _d, why in h.stats.disagreements if m == mode]
        assert any(why.startswith(expected) for why in found), h.stats.disagreements
    finally:
        for k in [k for k in sys.modules if k.startswith("pkgfuzz_spy_")]:
            del sys.modules[k]


def test_file_oracle_catches_a_wrong_load():
    def wrong_load(f, **kw):
        v = brinery.load(f, **kw)
        f.read(1)  # reads past STOP
        return v

    h = pkgfuzz.Harness(load=wrong_load)
    h.one("trailing", pickle.dumps([1, 2], 2) + b"more")
    assert [why for m, _n, _d, why in h.stats.disagreements if m == "file"] == [
        "load(file) stopped at 13, pickle at 12"
    ]


def test_same_compares_bits_types_order_and_sharing():
    a = [1]
    assert pkgfuzz.same([a, a], [[1], [1]]) == "root[1]: shared differently"
    assert pkgfuzz.same([1.0], [1]) == "root[0]: type float != int"
    assert pkgfuzz.same(float("nan"), float("nan")) is None
    assert pkgfuzz.same(0.0, -0.0) == "root: float 0.0 != -0.0"
    assert pkgfuzz.same({"a": 1, "b": 2}, {"b": 2, "a": 1}).endswith("'a' != 'b'")
    x = []
    x.append(x)
    y = []
    y.append(y)
    assert pkgfuzz.same(x, y) is None
    assert pkgfuzz.same(x, [[]]) is not None
    import collections
    import decimal

    assert pkgfuzz.same(collections.deque([1], 2), collections.deque([1], 3)) is not None
    assert pkgfuzz.same(decimal.Decimal("NaN"), decimal.Decimal("NaN")) is None
    assert pkgfuzz.same(decimal.Decimal("1.0"), decimal.Decimal("1.00")) is not None


def test_pickler_oracle_catches_a_wrong_dumps():
    def wrong_dumps(obj, p):
        b = pickle.dumps(obj, p)
        return b[:-1] + b"N0."  # pushes and pops one more object

    stats = pkgfuzz.Stats()
    pkgfuzz.pickler_case(stats, {"a": [1, 2]}, dumps=wrong_dumps, has_classes=False)
    assert stats.c["disagreements"] == pickle.HIGHEST_PROTOCOL + 1
    assert all(why.startswith("dumps differ at byte") for _m, _n, _d, why in stats.disagreements)


def test_ci_count_check_fails_on_a_disagreement():
    h = pkgfuzz.fuzz(3, n_mutations=30, n_trees=2, corpus=SMALL_CORPUS)
    h.stats.c["disagreements"] += 1
    with pytest.raises(AssertionError, match="disagreements: 1"):
        pkgfuzz.check_ci_counts(h, 30, 2)


# ---------------------------------------------------------------- regressions


TEXT_ARGS = [
    b"1", b" 1", b"1 ", b"01", b"00", b"010", b"0x10", b"0o7", b"0b1", b"1_0", b"+1", b"-0",
    b"1\x001", b"\xff", b"1L", b"12345678901234567890", b"99999999999999999999999",
    b"\xd9\xa1", b"1e3", b"nan", b"inf", b"-inf", b"1.5", b" 1.5 ", b"1_0.5", b"0x1p3",
    b"infinity", b"\t2\t", b"", b"\x00", b"0x", b"08", b"\x0b1", b"1LL", b"L", b" ", b"1e",
    b"1e+", b"infx", b"1e999", b"-1e999", b"1e999\xff", b"1" * 5000, b"0_", b"_0", b"0__0",
    b"-nan", b"0x_1", b"0b_", b"0_0", b"-", b"+", b".", b"-.5e-3", b"\xff" * 300,
    b"1" * 300 + b"x",
]


def test_text_number_arguments_like_pickle():
    """INT, LONG, FLOAT, GET and PUT arguments: C-string semantics
    (strtol, PyLong_FromString, PyOS_string_to_double), the same values,
    exception classes and messages as `_pickle` (found by pkgfuzz: brinery
    refused `p01`, `p 1`, `g1_0`, read `I010` as an error, `F1_0` as 10.0,
    `F 1` as 1.0, `F1e999` as inf, `I01` as 1 instead of True)."""
    compared = 0
    for op in (b"I", b"L", b"F", b"g", b"p"):
        for arg in TEXT_ARGS:
            if op in (b"g", b"p"):
                cases = [b"(l" + (b"p0\n" if op == b"g" else b"") + op + arg + b"\n.", op + arg + b"\n."]
            else:
                cases = [op + arg + b"\n."]
            for data in cases:
                want = outcome(lambda: pickle.loads(data))
                assert outcome(lambda: brinery.loads(data)) == want, data
                assert outcome(lambda: brinery.load(io.BytesIO(data))) == want, data
                compared += 1
    assert compared == 392
    assert struct.pack(">d", brinery.loads(b"F-nan\n.")).hex() == "fff8000000000000"


def test_empty_additems_appends_setitems_touch_nothing():
    """`_pickle` does nothing for ADDITEMS/APPENDS/SETITEMS with no items
    (found by pkgfuzz: brinery looked up `add` on a list, and refused to
    modify a safe-set class it would not have modified)."""
    cases = [
        b"\x80\x04](\x90.",  # ADDITEMS on a list, no items
        b"\x80\x04\x8c\x0bcollections\x8c\x07Counter\x93(e.",  # APPENDS on a class
        b"\x80\x04\x8c\x0bcollections\x8c\x07Counter\x93(u.",  # SETITEMS on a class
        b"\x80\x04\x8c\x0bcollections\x8c\x07Counter\x93(\x90.",
    ]
    for data in cases:
        want = outcome(lambda: pickle.loads(data))
        assert want[0] == "ok"
        assert outcome(lambda: brinery.loads(data)) == want, data
    # With items, a safe-set class is still not modified.
    with pytest.raises(pickle.UnpicklingError, match="refusing to modify"):
        brinery.loads(b"\x80\x04\x8c\x0bcollections\x8c\x07Counter\x93(K\x01e.")


def test_global_and_inst_lines_are_decoded_strictly():
    """GLOBAL's lines are strict UTF-8 and INST's strict ASCII, each decoded
    as it is read (found by pkgfuzz: brinery decoded a lone surrogate with
    "surrogatepass" and failed later with a UnicodeEncodeError)."""
    cases = [
        b"cos\nsys\xed\xa0\x80tem\n.",
        b"cos\xed\xa0\x80\nsystem\n.",
        b"cos\xed\xa0\x80\n",  # the module line's error comes first
        b"cbuiltins\nl\xc3\xa9n\n.",
        b"(ibuiltins\nl\xc3\xa9n\n.",
        b"(ibuilt\xffins\n",
        b"(ibuiltins\nobject\n.",
    ]
    compared = 0
    for data in cases:
        want = outcome(lambda: pickle.loads(data))  # fails before importing
        if want[0] in ("ok", "AttributeError"):
            continue  # decoded: pickle looked the name up (brinery refuses it)
        assert outcome(lambda: brinery.loads(data)) == want, data
        compared += 1
    assert compared == 5


def test_safe_calls_that_would_allocate_what_an_argument_claims_are_refused():
    """Found by the long pkgfuzz run: a 20-byte pickle made the default
    safe mode allocate 2 GiB with builtins.bytes(2**31-1); list(range(...))
    and friends the same. Trusting the class with allow= gives pickle's
    behaviour (small sizes here)."""
    big = b"\x80\x02cbuiltins\nbytes\nJ\xff\xff\xff\x7f\x85R."
    cases = [
        big,
        b"\x80\x02cbuiltins\nbytearray\nJ\xff\xff\xff\x7f\x85R.",
        b"\x80\x02cbuiltins\nlist\ncbuiltins\nrange\nJ\xff\xff\xff\x7f\x85R\x85R.",
        b"\x80\x02cbuiltins\nfrozenset\ncbuiltins\nrange\nJ\xff\xff\xff\x7f\x85R\x85R.",
        b"\x80\x02cbuiltins\nbytes\ncbuiltins\nrange\nJ\xff\xff\xff\x7f\x85R\x85\x81.",
    ]
    for data in cases:
        with pytest.raises(pickle.UnpicklingError, match="it would allocate what the pickle claims"):
            brinery.loads(data)
    small = b"\x80\x02cbuiltins\nbytes\nK\x05\x85R."
    with pytest.raises(pickle.UnpicklingError):
        brinery.loads(small)
    assert brinery.loads(small, allow=["builtins.bytes"]) == bytes(5) == pickle.loads(small)
    assert brinery.loads(b"\x80\x02cbuiltins\nrange\nJ\xff\xff\xff\x7f\x85R.") == range(2**31 - 1)
    assert brinery.loads(pickle.dumps([bytearray(b"ab"), b"", range(5)], 2)) == [bytearray(b"ab"), b"", range(5)]


def test_safe_calls_copy_at_most_twice_the_input():
    """Copying one large memoized object again and again (a 1 MiB bytes
    object given to bytearray() 100 times by 600 bytes of pickle: 100 MiB)
    is refused in safe mode; each argument of a pickle's own reductions was
    built from its bytes, so the budget (twice the input read, plus 64 KiB)
    never refuses them."""
    big = b"x" * (1 << 20)
    head = b"\x80\x04\x8e" + len(big).to_bytes(8, "little") + big + b"\x940"
    head += b"\x8c\x08builtins\x8c\x09bytearray\x93\x940]("
    rep = b"h\x01h\x00\x85R"
    assert len(brinery.loads(head + rep + b"e.")) == 1
    with pytest.raises(pickle.UnpicklingError, match="would copy"):
        brinery.loads(head + rep * 100 + b"e.")
    assert len(brinery.loads(head + rep * 100 + b"e.", allow=["builtins.bytearray"])) == 100
    objs = [[bytearray(b"x" * 70000)] * 3, {frozenset(range(5000))}, [set(range(3000))] * 2]
    for obj in objs:
        for p in range(pickle.HIGHEST_PROTOCOL + 1):
            assert brinery.loads(pickle.dumps(obj, p)) == obj


def test_long_binput_index_is_unsigned():
    """`_pickle` reads LONG_BINPUT's index unsigned (found by pkgfuzz:
    brinery called 2^31 and above negative). brinery keeps such an index in
    its sparse memo; `_pickle` would size its memo array by it, so the
    reference here is the pure-Python unpickler."""
    data = b"\x80\x02]r\xff\xff\xff\xff0j\xff\xff\xff\xff."
    assert brinery.loads(data) == pickle._loads(data) == []
    assert brinery.load(io.BytesIO(data)) == []


def test_bytearray_reduce_argument_is_a_new_bytes_object():
    """Protocols 0-4 write bytearray(bytes): `_pickle` makes a new bytes
    object, never CPython's cached 1-byte one that the pickle may memoize
    elsewhere (found by pkgfuzz: brinery wrote a memo GET there)."""
    for obj in ([bytearray(b"\xbd"), b"\xbd"], [b"\xbd", bytearray(b"\xbd")], [bytearray(b""), b""]):
        for p in range(pickle.HIGHEST_PROTOCOL + 1):
            assert brinery.dumps(obj, p) == pickle.dumps(obj, p), (obj, p)


# Found by pkgfuzz: numpy's dtype.__setstate__ trusts its state, and both
# numpy.dtype and numpy's array helpers are in the default safe set.
NUMPY_CASES = {
    # A mutant of a numpy fixture: the fields slot of the state is an int;
    # `pickle.loads` and brinery's safe mode crashed the interpreter.
    "fields slot -1 (segfault)": b'\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01K\x00\x85q\x02U\x01bq\x03\x87q\x04Rq\x05(K\x01K\x05\x85q\x06cnumpy\ndtype\nq\x07U\x02i4q\x08K\x00K\x01\x87q\tRq\n(K\x03U\x01>qNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x0cb\x89U\x14\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x7f\x00\x00\x00\x03q\rtq\x0eb.',
    # dtype('O') with its flags set to 0 looks like plain data: _frombuffer
    # then made an object array of the pointer 0x4141414141414141 (reading
    # it crashed; any address could be given).
    "object dtype with flags 0": b'\x80\x04\x8c\x13numpy._core.numeric\x8c\x0b_frombuffer\x93(C\x08AAAAAAAA\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02O8\x89\x88\x87R(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbK\x01\x85\x8c\x01CtR.',
    # A 60-byte pickle asked for 8 GiB (_reconstruct's shape) and 64 GiB
    # (numpy.ndarray called directly) in the default safe mode.
    "_reconstruct shape 2^33": b"\x80\x04\x8c\x16numpy._core.multiarray\x8c\x0c_reconstruct\x93"
    b"\x8c\x05numpy\x8c\x07ndarray\x93\x8a\x05\x00\x00\x00\x00\x02\x85C\x01b\x87R.",
    "ndarray((2^33,))": b"\x80\x04\x8c\x05numpy\x8c\x07ndarray\x93\x8a\x05\x00\x00\x00\x00\x02\x85\x85R.",
    # An object array's state claiming 2^33 items with a list of one: numpy
    # allocated the 64 GiB before it compared the list's length.
    "object array state of 2^33 items": b"\x80\x04\x8c\x16numpy._core.multiarray\x8c\x0c_reconstruct\x93"
    b"\x8c\x05numpy\x8c\x07ndarray\x93K\x00\x85C\x01b\x87R(K\x01\x8a\x05\x00\x00\x00\x00\x02\x85"
    b"\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02O8\x89\x88\x87R\x89]K\x01atb.",
    "NEWOBJ ndarray((2^33,))": b"\x80\x04\x8c\x05numpy\x8c\x07ndarray\x93\x8a\x05\x00\x00\x00\x00\x02\x85\x85\x81.",
}

_NUMPY_CHILD = r"""
import json, pickle, sys
import numpy, brinery
out = {}
for name, hexdata in json.loads(sys.stdin.read()).items():
    try:
        v = brinery.loads(bytes.fromhex(hexdata))
        out[name] = ["value", repr(v)]
    except (pickle.UnpicklingError, MemoryError) as e:
        out[name] = [type(e).__name__, str(e)]
# The dtype states numpy writes still load, as pickle loads them.
arrays = [
    numpy.arange(6, dtype=">i4").reshape(2, 3),
    numpy.array([("x", 1)], dtype=[("n", "U1"), ("v", "<i8")]),
    numpy.zeros(2, dtype=numpy.dtype([("a", "<i4"), ("b", "<f8")], align=True)),
    numpy.zeros(2, dtype=numpy.dtype({"names": ["x"], "formats": ["<i2"], "titles": ["T"]})),
    numpy.zeros(3, dtype=("<i4", (2,))),
    numpy.array(["2020-01-01"], dtype="M8[ns]"),
    numpy.array([b"ab"], dtype="S3"),
    numpy.array([1, "x", None], dtype=object),
]
same = 0
for a in arrays:
    for p in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(a, p)
        b, c = brinery.loads(data), pickle.loads(data)
        assert b.dtype == c.dtype and b.dtype.str == c.dtype.str and b.shape == c.shape, (a, p)
        assert b.tobytes() == c.tobytes() if not c.dtype.hasobject else b.tolist() == c.tolist(), (a, p)
        same += 1
out["numpy round trips"] = same
# No numpy fixture of the repository is refused by these rules.
import glob, os, warnings
warnings.simplefilter("ignore")
refused, n = [], 0
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*", "*.pkl"))):
    n += 1
    try:
        brinery.loads(open(f, "rb").read(), encoding="latin1" if "/py2/" in f else "ASCII")
    except Exception as e:
        if "refusing a numpy" in str(e) or "numpy.ndarray" in str(e) or "empty shape" in str(e):
            refused.append((f, str(e)))
out["fixtures"] = [n, refused]
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.environ.get("CI") and __import__("importlib").util.find_spec("numpy") is None,
                    reason="SKIP: numpy not installed")
def test_numpy_dtype_states_numpy_would_crash_on_are_refused():
    """Run in a child process (a regression would crash it, not pytest)."""
    out = run_child(_NUMPY_CHILD, NUMPY_CASES, str(pkgfuzz.ROOT / "crates/brinery-numpy/tests/fixtures/pickles"))
    why = {
        "fields slot -1 (segfault)": "refusing a numpy dtype state",
        "object dtype with flags 0": "refusing a numpy dtype state",
        "_reconstruct shape 2^33": "only the empty shape numpy writes",
        "ndarray((2^33,))": "refusing to call numpy.ndarray directly",
        "NEWOBJ ndarray((2^33,))": "refusing to call numpy.ndarray directly",
        "object array state of 2^33 items": "refusing a numpy array state",
    }
    for name in NUMPY_CASES:
        kind, msg = out[name]
        assert kind in ("UnpicklingError", "UnsafeError") and why[name] in msg, (name, out[name])
    assert out["numpy round trips"] == 8 * (pickle.HIGHEST_PROTOCOL + 1)
    n, refused = out["fixtures"]
    assert n == 525 and refused == [], refused


# ---------------------------------------------------------------- memory

HOSTILE = {
    "BINBYTES8 2^62": b"\x80\x04\x8e" + struct.pack("<Q", 1 << 62) + b"abc",
    "BINBYTES8 2^64-1": b"\x80\x04\x8e" + b"\xff" * 8 + b"abc",
    "BINUNICODE8 2^62": b"\x80\x04\x8d" + struct.pack("<Q", 1 << 62) + b"abc",
    "BYTEARRAY8 2^62": b"\x80\x05\x96" + struct.pack("<Q", 1 << 62) + b"abc",
    "FRAME 2^62": b"\x80\x04\x95" + struct.pack("<Q", 1 << 62) + b"K\x01.",
    "BINUNICODE 2^32-1": b"\x80\x03X\xff\xff\xff\xffabc",
    "BINBYTES 2^32-1": b"\x80\x03B\xff\xff\xff\xffabc",
    "BINSTRING 2^31-1": b"T\xff\xff\xff\x7fabc",
    "LONG4 2^31-1": b"\x80\x02\x8b\xff\xff\xff\x7fabc",
    "PUT 10^18": b"(lp1000000000000000000\n.",
    "LONG_BINPUT 2^31-1": b"\x80\x02]r\xff\xff\xff\x7f.",
    "BINPUT 2^31-1 then MEMOIZE": b"\x80\x04]r\xff\xff\xff\x7f\x94\x94.",
    "GET 10^18": b"(lg1000000000000000000\n.",
    "LONG 5000 digits": b"L" + b"9" * 5000 + b"\n.",
}

_MEMORY_CHILD = r"""
import io, json, pickle, resource, sys, tracemalloc
import brinery
cases = json.loads(sys.stdin.read())
# The address space from here on: 256 MiB more than now. A reservation of
# what a length field claims would fail (and a Rust allocation failure
# aborts the process, which the parent sees).
vm = int([l for l in open("/proc/self/status") if l.startswith("VmSize:")][0].split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + (256 << 20), resource.RLIM_INFINITY))
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
tracemalloc.start()
for name, hexdata in cases.items():
    data = bytes.fromhex(hexdata)
    for how, fn in (("loads", lambda: brinery.loads(data)), ("load", lambda: brinery.load(io.BytesIO(data)))):
        tracemalloc.reset_peak()
        try:
            fn()
            got = "value"
        except Exception as e:
            got = type(e).__name__
        out[name + " " + how] = [got, tracemalloc.get_traced_memory()[1]]
tracemalloc.stop()
out["rss growth KiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
print(json.dumps(out))
"""


def test_hostile_length_claims_cost_no_memory():
    """Length fields and memo indexes that claim up to 2^64 bytes: an error
    (or a value for a sparse memo index), with at most 64 KiB traced by
    tracemalloc per load, peak RSS growing by under 16 MiB, and the process
    alive under an address-space limit 256 MiB above its size."""
    out = run_child(_MEMORY_CHILD, HOSTILE)
    assert len(out) == 2 * len(HOSTILE) + 1
    values = {"PUT 10^18", "LONG_BINPUT 2^31-1", "BINPUT 2^31-1 then MEMOIZE"}
    for name in HOSTILE:
        for how in ("loads", "load"):
            got, peak = out[name + " " + how]
            if name in values:
                assert got == "value", (name, how, got)
            else:
                assert got in ("UnpicklingError", "ValueError", "OverflowError", "EOFError"), (name, how, got)
            assert peak < 64 * 1024, (name, how, peak)
    assert out["rss growth KiB"] < 16 * 1024, out["rss growth KiB"]
