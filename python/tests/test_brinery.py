"""Package tests: safe mode, allow=, byte-identical dumps, files, scan, parse,
threads, leaks. Run with pytest (scripts/test-py.sh)."""

import collections
import datetime
import decimal
import fractions
import gc
import io
import pickle
import sys
import threading
import uuid

import pytest

import brinery

try:
    import numpy
except ImportError:  # numpy tests skip loudly (and fail under CI)
    numpy = None

if numpy is not None:

    class Sub(numpy.ndarray):
        pass

SAFE_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    255,
    65535,
    2**31 - 1,
    -(2**31),
    2**31,
    2**63,
    -(2**63) - 1,
    2**1000,
    -(2**1000),
    1.5,
    float("inf"),
    -0.0,
    "",
    "abc",
    "é\u20ac\U0001f600",
    "a\\b\nc\r\x00\x1a",
    "lone \ud800 surrogate",
    b"",
    b"xyz" * 100,
    bytearray(b"abc"),
    bytearray(),
    [],
    [1, [2, [3]]],
    list(range(2500)),
    (),
    (1,),
    (1, 2),
    (1, 2, 3),
    (1, 2, 3, 4),
    {},
    {"a": 1},
    {i: str(i) for i in range(2100)},
    set(),
    {1, 2, 3},
    frozenset(),
    frozenset({"x", 1}),
    set(range(1200)),
    complex(1, -2),
    range(1, 10, 3),
    slice(1, None, 2),
    Ellipsis,
    NotImplemented,
    datetime.date(2020, 2, 29),
    datetime.time(1, 2, 3, 4),
    datetime.datetime(2021, 3, 4, 5, 6, 7, 8),
    datetime.datetime(2021, 3, 4, tzinfo=datetime.timezone.utc),
    datetime.datetime(2021, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=-5), "EST")),
    datetime.timedelta(days=-1, seconds=5),
    decimal.Decimal("-1.25E+3"),
    decimal.Decimal("NaN"),
    fractions.Fraction(-7, 3),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.defaultdict(list, {"k": [1]}),
    collections.Counter("abracadabra"),
    collections.deque([1, 2, 3], maxlen=5),
]


def _eq(a, b):
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, decimal.Decimal) and a.is_nan():
        return type(b) is decimal.Decimal and str(a) == str(b)
    if isinstance(a, collections.defaultdict):
        return type(b) is collections.defaultdict and a.default_factory is b.default_factory and a == b
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("proto", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_safe_values_roundtrip_and_identical_bytes(proto):
    n = 0
    for v in SAFE_VALUES:
        data = pickle.dumps(v, proto)
        assert brinery.dumps(v, proto) == data, (proto, v)
        got = brinery.loads(data)
        assert _eq(v, got) or v is got, (proto, v, got)
        n += 1
    assert n == len(SAFE_VALUES)


def test_zoneinfo_safe():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        tz = zoneinfo.ZoneInfo("Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database")
    d = datetime.datetime(2020, 6, 1, 12, tzinfo=tz)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert brinery.loads(pickle.dumps(d, proto)) == d


def test_shared_and_recursive_structures():
    shared = [1, 2]
    obj = {"a": shared, "b": shared}
    lst = []
    lst.append(lst)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        got = brinery.loads(pickle.dumps(obj, proto))
        assert got["a"] is got["b"]
        r = brinery.loads(pickle.dumps(lst, proto))
        assert r[0] is r
        assert brinery.dumps(lst, proto) == pickle.dumps(lst, proto)


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


def test_unsafe_global_refused_before_import():
    # A module that does not exist: refusal must come before any import.
    data = b"\x80\x04\x8c\x0ebrinery_nosuch\x94\x8c\x03fun\x94\x93\x94)R\x94."
    assert "brinery_nosuch" not in sys.modules
    with pytest.raises(brinery.UnsafeError) as ei:
        brinery.loads(data)
    e = ei.value
    assert isinstance(e, pickle.UnpicklingError)
    assert e.global_name == "brinery_nosuch.fun"
    assert e.offset == 25
    assert e.opcode == "STACK_GLOBAL"
    assert "brinery_nosuch.fun" in str(e) and "25" in str(e)
    assert "brinery_nosuch" not in sys.modules


def test_os_system_refused_all_protocols():
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(Evil(), proto)
        with pytest.raises(brinery.UnsafeError) as ei:
            brinery.loads(data)
        assert ei.value.global_name in ("posix.system", "nt.system", "os.system")


@pytest.mark.parametrize(
    "payload, name",
    [
        (b"cbuiltins\neval\n(S'1'\ntR.", "builtins.eval"),
        (b"c__builtin__\neval\n(S'1'\ntR.", "builtins.eval"),
        (b"cbuiltins\ngetattr\n(cbuiltins\nstr\nS'upper'\ntR.", None),
        (b"csubprocess\nPopen\n.", "subprocess.Popen"),
        (b"\x80\x02copyreg\n_reconstructor\n(cos\n_wrap_close\ncbuiltins\nobject\nNtR.", None),
    ],
)
def test_dangerous_payloads(payload, name):
    with pytest.raises(brinery.UnsafeError) as ei:
        brinery.loads(payload)
    if name:
        assert ei.value.global_name == name


def test_safe_class_cannot_be_modified():
    # BUILD on fractions.Fraction (a safe-set class) would patch it globally.
    data = b"cfractions\nFraction\n(N}S'__repr__'\nNstb."
    with pytest.raises(pickle.UnpicklingError, match="refusing to modify"):
        brinery.loads(data)
    assert fractions.Fraction.__repr__ is not None


def test_allow_forms():
    p = Point(1, 2)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(p, proto)
        with pytest.raises(brinery.UnsafeError):
            brinery.loads(data)
        key = "%s.Point" % __name__
        assert brinery.loads(data, allow=[key]) == p
        assert brinery.loads(data, allow=[Point]) == p
        assert brinery.loads(data, allow=[(Point, key)]) == p
        assert brinery.loads(data, allow=["%s.*" % __name__]) == p


def test_allow_pair_object_is_used_without_import():
    data = b"cnot_a_module\nThing\n."
    sentinel = object()
    assert brinery.loads(data, allow=[(sentinel, "not_a_module.Thing")]) is sentinel


def test_load_reads_exactly_to_stop():
    f = io.BytesIO()
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        pickle.dump({"p": proto}, f, proto)
    f.write(b"TRAILER")
    f.seek(0)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert brinery.load(f) == {"p": proto}
    assert f.read() == b"TRAILER"


def test_dump_to_file_identical():
    obj = {"x": [1.5, "s" * 70000, b"b" * 70000, (1, 2)]}
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        a, b = io.BytesIO(), io.BytesIO()
        pickle.dump(obj, a, proto)
        brinery.dump(obj, b, proto)
        assert a.getvalue() == b.getvalue()


def test_out_of_band_buffers():
    buf = pickle.PickleBuffer(bytearray(b"abcdef"))
    seen = []
    data = brinery.dumps(buf, 5, buffer_callback=seen.append)
    assert data == pickle.dumps(buf, 5, buffer_callback=lambda b: None)
    assert len(seen) == 1
    got = brinery.loads(data, buffers=seen)
    assert bytes(got) == b"abcdef"
    with pytest.raises(pickle.UnpicklingError):
        brinery.loads(data)


def test_persistent_load_kwarg():
    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return "ext" if obj == "secret" else None

    f = io.BytesIO()
    P(f, 2).dump(["a", "secret"])
    assert brinery.loads(f.getvalue(), persistent_load=lambda pid: pid.upper()) == ["a", "EXT"]


def test_errors_name_offset_and_opcode():
    with pytest.raises(pickle.UnpicklingError) as ei:
        brinery.loads(b"\x80\x02]q\x00(K\x01h\x05e.")
    assert ei.value.offset == 8 and ei.value.opcode == "BINGET"
    with pytest.raises(EOFError):
        brinery.loads(b"")


def test_hostile_lengths_and_memo_indices():
    # Far memo indices go to a sparse map; huge length fields fail as
    # truncated without allocating.
    assert brinery.loads(b"\x80\x02Nr\xff\xff\xff\x7f0j\xff\xff\xff\x7f.") is None
    for payload in (
        b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x0f",  # BINBYTES8
        b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x0f",  # BINUNICODE8
        b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x0f",  # FRAME
        b"B\xff\xff\xff\xff",  # BINBYTES
    ):
        with pytest.raises(pickle.UnpicklingError):
            brinery.loads(payload)
        with pytest.raises(pickle.UnpicklingError):
            brinery.load(io.BytesIO(payload))


def test_limits():
    data = pickle.dumps(list(range(100)), 1)
    with pytest.raises(pickle.UnpicklingError, match="max_memo_entries"):
        brinery.loads(pickle.dumps([[i] for i in range(10)], 2), limits={"max_memo_entries": 3})
    with pytest.raises(pickle.UnpicklingError, match="max_bytes"):
        brinery.loads(data, limits={"max_bytes": 10})
    with pytest.raises(ValueError):
        brinery.loads(data, limits={"nonsense": 1})


def test_unpickler_and_pickler_subclasses():
    class U(brinery.Unpickler):
        def persistent_load(self, pid):
            return ("loaded", pid)

    class Pk(brinery.Pickler):
        def persistent_id(self, obj):
            return obj if isinstance(obj, str) and obj.startswith("@") else None

    f = io.BytesIO()
    Pk(f, 3).dump(["@x", "y"])
    assert U(io.BytesIO(f.getvalue())).load() == [("loaded", "@x"), "y"]


@pytest.mark.skipif(numpy is None and not __import__("os").environ.get("CI"), reason="SKIP: numpy not installed")
def test_numpy_safe():
    assert numpy is not None, "numpy is required under CI"
    arrays = [
        numpy.arange(12, dtype="<i4").reshape(3, 4),
        numpy.asfortranarray(numpy.ones((2, 3))),
        numpy.array(["a", "bc"]),
        numpy.array([1 + 2j]),
        numpy.zeros((0,)),
        numpy.array([("x", 1)], dtype=[("n", "U1"), ("v", "<i8")]),
    ]
    for a in arrays:
        for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
            got = brinery.loads(pickle.dumps(a, proto))
            assert got.dtype == a.dtype and got.shape == a.shape
            assert numpy.array_equal(got, a)
            assert brinery.dumps(a, proto) == pickle.dumps(a, proto)
    s = numpy.float32(1.5)
    assert brinery.loads(pickle.dumps(s, 4)) == s
    obj = numpy.array([1, "x", None], dtype=object)
    assert list(brinery.loads(pickle.dumps(obj, 4))) == [1, "x", None]
    # An ndarray subclass is not in the safe set.
    with pytest.raises(brinery.UnsafeError):
        brinery.loads(pickle.dumps(numpy.zeros(2).view(Sub), 2))


def test_scan_report():
    bad = b"cos\nsystem\n(S'id'\ntR."
    r = brinery.scan(bad)
    assert r.verdict == "unsafe"
    f = r.findings[0]
    assert (f.name, f.offset, f.opcode, f.severity) == ("os.system", 0, "GLOBAL", "unsafe")
    assert "os.system" in r.globals
    ok = brinery.scan(pickle.dumps({"a": [1, 2]}, 2))
    assert ok.verdict == "safe" and ok.findings == []


def test_scan_globals_lists_allowed_names_too():
    r = brinery.scan(pickle.dumps([datetime.date(2020, 1, 1), decimal.Decimal("1")], 4))
    assert r.verdict == "safe"
    assert r.globals == ["datetime.date", "decimal.Decimal"]


def test_typing_files_installed():
    import os

    pkg = os.path.dirname(brinery.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    assert os.path.exists(os.path.join(pkg, "__init__.pyi"))


def test_scan_path(tmp_path):
    p = tmp_path / "x.pkl"
    p.write_bytes(b"cos\nsystem\n(S'id'\ntR.")
    assert brinery.scan(str(p)).verdict == "unsafe"
    assert brinery.scan(p).verdict == "unsafe"


def test_parse_graph():
    obj = {"a": [1, 2.5, "x"], "d": datetime.date(2020, 1, 2)}
    data = pickle.dumps(obj, 4)
    g = brinery.parse(data)
    assert g.repr() == repr(obj)
    assert [x[0] for x in g.globals()] == ["datetime.date"]
    assert g.globals()[0][2] == "STACK_GLOBAL"
    assert g.to_python() == obj
    assert g.root == obj
    assert brinery.loads(g.dumps(2)) == obj
    assert '"a"' in g.to_json()
    evil = brinery.parse(b"cos\nsystem\n(S'id'\ntR.")
    assert evil.globals()[0][0] == "os.system"
    with pytest.raises(brinery.UnsafeError):
        evil.to_python()


def test_parse_from_threads():
    data = pickle.dumps([{"k": i} for i in range(2000)], 5)
    out = []

    def work():
        g = brinery.parse(data)
        out.append(g.repr())

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out == [repr([{"k": i} for i in range(2000)])] * 4


def _rss_objects(fn, n):
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(n):
        fn()
    gc.collect()
    return len(gc.get_objects()) - before


def test_no_leak_loads_dumps():
    data = pickle.dumps([{"a": (1, 2.5, "x" * 10)}, [b"b", {1, 2}], datetime.date(2020, 1, 1)], 4)
    obj = pickle.loads(data)
    brinery.loads(data)
    brinery.dumps(obj)
    growth = _rss_objects(lambda: (brinery.loads(data), brinery.dumps(obj, 2), brinery.dumps(obj, 5)), 2000)
    assert growth < 200, growth
    if hasattr(sys, "gettotalrefcount"):
        pass


def test_no_leak_on_errors():
    def bad():
        for payload in (b"cos\nsystem\n.", b"\x80\x02]q\x00(K\x01h\x05e.", b"(((("):
            try:
                brinery.loads(payload)
            except (pickle.UnpicklingError, EOFError):
                pass

    bad()
    assert _rss_objects(bad, 2000) < 200
