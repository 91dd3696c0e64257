"""Standard-library values for tests/stdlib.rs: pickles at every protocol,
Python's repr() of each value, and the fields the typed views must read.

Prints one JSON document: {"cases": [...], "pytz": bool}. Each case:
  name, protocol, pickle (hex), repr, encoding (for Python 2 pickles),
  registry (needs the test's registered enum/namedtuple/dataclass classes),
  check (type-specific fields, see check()).
"""
import collections
import copyreg
import dataclasses
import datetime as dt
import enum
import fractions
import io
import json
import pathlib
import pickle
import pprint
import sys
import typing
import uuid
import zoneinfo
from decimal import Decimal

try:
    import pytz
except ImportError:  # optional: the Rust test reports it
    pytz = None

UTC = dt.timezone.utc
TD = dt.timedelta


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Shade(enum.Enum):
    DARK = "dark"
    LIGHT = "light"


class Perm(enum.IntEnum):
    R = 4
    W = 2


Point = collections.namedtuple("Point", ["x", "y"])


class Pair(typing.NamedTuple):
    a: int
    b: str


@dataclasses.dataclass
class DC:
    x: int
    y: str = "a"
    z: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class SlotDC:
    x: int
    y: float


# Make the classes pickle as __main__ names even when imported.
for _c in (Color, Shade, Perm, Point, Pair, DC, SlotDC):
    _c.__module__ = "__main__"
    setattr(sys.modules["__main__"], _c.__name__, _c)


def values():
    v = []
    add = lambda name, x, reg=False: v.append((name, x, reg))
    # datetime.date
    add("date", dt.date(2024, 1, 1))
    add("date-min", dt.date.min)
    add("date-max", dt.date.max)
    # datetime.time
    add("time-0", dt.time(0, 0))
    add("time-s", dt.time(12, 30, 15))
    add("time-us", dt.time(23, 59, 59, 999999))
    add("time-us-only", dt.time(1, 2, 0, 5))
    add("time-utc", dt.time(1, 2, 3, 4, tzinfo=UTC))
    add("time-fold", dt.time(1, 30, fold=1))
    add("time-tzname-fold", dt.time(5, tzinfo=dt.timezone(TD(hours=-5), "EST"), fold=1))
    # datetime.datetime
    add("datetime-utc", dt.datetime(2024, 1, 1, 12, 0, tzinfo=UTC))
    add("datetime-naive", dt.datetime(2024, 1, 1))
    add("datetime-us", dt.datetime(1, 1, 1, 0, 0, 0, 1))
    add("datetime-max", dt.datetime.max)
    add("datetime-fold", dt.datetime(2021, 11, 7, 1, 30, fold=1))
    add("datetime-fold-tz", dt.datetime(2021, 11, 7, 1, 30, 5, fold=1, tzinfo=UTC))
    add("datetime-tzname", dt.datetime(2000, 2, 29, 23, 59, 59, tzinfo=dt.timezone(TD(hours=5, minutes=30), "IST")))
    add("datetime-tz-us", dt.datetime(1999, 12, 31, 23, 0, tzinfo=dt.timezone(TD(hours=-3, minutes=-30, microseconds=-7))))
    add("datetime-tz-utc-named", dt.datetime(1970, 1, 1, tzinfo=dt.timezone(TD(0), "UTC")))
    try:  # needs the system time-zone database (or the tzdata package)
        add("datetime-zoneinfo", dt.datetime(2024, 7, 1, 8, 15, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")))
        add("zoneinfo", zoneinfo.ZoneInfo("America/New_York"))
        add("zoneinfo-nocache", zoneinfo.ZoneInfo.no_cache("UTC"))
    except zoneinfo.ZoneInfoNotFoundError:
        print("NOTE: no time-zone database; zoneinfo cases skipped", file=sys.stderr)
    if pytz is not None:
        paris = pytz.timezone("Europe/Paris")
        ny = pytz.timezone("America/New_York")
        add("pytz-datetime-dst", paris.localize(dt.datetime(2024, 7, 1, 12)))
        add("pytz-datetime-std", paris.localize(dt.datetime(2024, 1, 1, 12)))
        add("pytz-datetime-neg", ny.localize(dt.datetime(2024, 1, 1, 12)))
        add("pytz-zone", paris)
        add("pytz-kolkata", pytz.timezone("Asia/Kolkata"))
        add("pytz-utc", pytz.utc)
        add("pytz-datetime-utc", dt.datetime(2024, 1, 1, tzinfo=pytz.utc))
        add("pytz-static", pytz.timezone("Etc/GMT+5"))
        add("pytz-datetime-static", dt.datetime(2024, 1, 1, tzinfo=pytz.timezone("Etc/GMT-3")))
    # timedelta
    for name, td in [
        ("td-0", TD(0)),
        ("td-neg-day", TD(days=-1)),
        ("td-neg-s", TD(seconds=-1)),
        ("td-us", TD(microseconds=1)),
        ("td-neg-us", TD(microseconds=-1)),
        ("td-mix", TD(days=3, seconds=5, microseconds=7)),
        ("td-min", TD.min),
        ("td-max", TD.max),
        ("td-hours", TD(hours=25)),
    ]:
        add(name, td)
    # timezone
    add("tz-utc", UTC)
    add("tz-utc-named", dt.timezone(TD(0), "UTC"))
    add("tz-1h", dt.timezone(TD(hours=1)))
    add("tz-nst", dt.timezone(-TD(hours=3, minutes=30), "NST"))
    add("tz-min", dt.timezone.min)
    add("tz-max", dt.timezone.max)
    add("tz-quote", dt.timezone(TD(hours=2), "it's \"x\""))
    # Decimal
    for s in ["1.10", "-0", "0", "NaN", "-NaN", "sNaN", "-sNaN123", "NaN0012", "Infinity",
              "-Infinity", "1E+5", "1e-7", "123.456e10", "0.000001", "0.0000001", "-1.5e-10",
              "12345678901234567890.123", "0E-10", "0E+3", "1e999999", "-0.00", "100",
              "1_000.5", "  7.25  ", "1e-999999"]:
        add("decimal " + s.strip(), Decimal(s))
    add("decimal-pow", Decimal(10) ** 30)
    add("decimal-div", Decimal(1) / Decimal(7))
    # Fraction
    for f in [fractions.Fraction(1, 3), fractions.Fraction(-5, 7), fractions.Fraction(0),
              fractions.Fraction(10**30, 7), fractions.Fraction(3), fractions.Fraction("1.25")]:
        add("fraction %s" % f, f)
    # UUID
    add("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678"))
    add("uuid-0", uuid.UUID(int=0))
    add("uuid-max", uuid.UUID(int=2**128 - 1))
    add("uuid-safe", uuid.UUID(int=5, is_safe=uuid.SafeUUID.safe))
    add("uuid-unsafe", uuid.UUID(int=2**127 + 3, is_safe=uuid.SafeUUID.unsafe))
    # complex
    inf, nan = float("inf"), float("nan")
    for c in [1 + 2j, 0j, complex(-0.0, 0.0), 1j, -1j, complex(0, -0.0), complex(1.5, -2.5),
              complex(inf, nan), complex(1e16, 1e-5), complex(-0.0, -0.0), complex(1e300, -1e300),
              complex(0.1, 0.2), complex(-inf, -inf), complex(100.0, 0)]:
        add("complex %r" % c, c)
    # OrderedDict
    OD = collections.OrderedDict
    add("od-empty", OD())
    add("od", OD([("a", 1), ("b", [1, 2])]))
    add("od-nested", OD([(1, OD([("x", None)])), ((1, 2), "t")]))
    # defaultdict
    DD = collections.defaultdict
    add("dd-list", DD(list, {"a": [1], "b": []}))
    add("dd-int", DD(int, {1: 2}))
    add("dd-set-empty", DD(set))
    add("dd-dict", DD(dict, {"k": {"n": 1}}))
    add("dd-none", DD(None, {"z": 0}))
    add("dd-counter", DD(collections.Counter))
    add("dd-len", DD(len))
    # Counter
    C = collections.Counter
    add("counter-empty", C())
    add("counter-abra", C("abracadabra"))
    add("counter-ties", C({"a": 1, "b": 3, "c": 3, "d": 2, "e": 3}))
    add("counter-float-neg", C({"x": 1.5, "y": -2, "z": 2, "w": 1.5, "v": True}))
    add("counter-str-values", C({"x": "b", "y": "a", "z": "c"}))
    add("counter-mixed", C({"x": "b", "y": 1}))
    add("counter-big", C({"p": 2**70, "q": 2**70 + 1, "r": 1e30}))
    # deque
    Q = collections.deque
    add("deque-empty", Q())
    add("deque", Q([1, 2, 3]))
    add("deque-maxlen", Q([1, 2, 3, 4], maxlen=3))
    add("deque-maxlen0", Q(maxlen=0))
    add("deque-nested", Q([Q([1]), [2], {"a": Q()}]))
    # self-references
    od = OD(); od["self"] = od; od["n"] = 1
    add("od-recursive", od)
    q = Q([0]); q.append(q); q.append([q])
    add("deque-recursive", q)
    dd = DD(list); dd["self"] = dd; dd["l"] = [dd]
    add("dd-recursive", dd)
    # range / slice
    for r in [range(10), range(0, 10, 2), range(10, 0, -3), range(-5, 5), range(2**70, 2**71, 3), range(0)]:
        add("range %r" % (r,), r)
    for s in [slice(1, 2), slice(None), slice(1, None, -1), slice("a", [1], (2,)), slice(1.5, Decimal("2"), None)]:
        add("slice %r" % (s,), s)
    # pathlib
    for p in [pathlib.PurePosixPath("/tmp"), pathlib.PosixPath("/tmp/x.txt"), pathlib.PurePosixPath("rel/a"),
              pathlib.PurePosixPath("."), pathlib.PurePosixPath("//x/y"), pathlib.PureWindowsPath("C:/Users/x"),
              pathlib.PureWindowsPath("C:x"), pathlib.PureWindowsPath("//server/share/x"),
              pathlib.PureWindowsPath("x\\y"), pathlib.PurePosixPath("/it's/\"q\""),
              pathlib.PureWindowsPath("D:\\"), pathlib.PurePosixPath("/")]:
        add("path %r" % (p,), p)
    # registered classes
    add("enum-int", Color.RED, True)
    add("enum-str", Shade.LIGHT, True)
    add("enum-intenum", Perm.W, True)
    add("namedtuple", Point(1, 2), True)
    add("namedtuple-typing", Pair(3, "x"), True)
    add("dataclass", DC(1, "q", [Point(0, 0)]), True)
    add("dataclass-slots", SlotDC(1, 2.5), True)
    add("enum-list", [Color.GREEN, Shade.DARK, Perm.R], True)
    # nested
    add("nested", [dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), Decimal("1.1"), OD(a=dt.date(2020, 2, 2)),
                   {dt.date(2001, 1, 1): (1 + 1j, range(3))}, C("aab"), Q([TD(days=1)], maxlen=2)])
    shared = dt.datetime(2024, 1, 1, tzinfo=UTC)
    add("nested-shared", [shared, shared, (shared, UTC)])
    add("nested-dict-keys", {uuid.UUID(int=1): fractions.Fraction(1, 2), Decimal("2"): pathlib.PurePosixPath("a")})
    return v


def tz_fixed_offset(tz):
    if tz is None:
        return None
    if isinstance(tz, dt.timezone):
        return tz.utcoffset(None).total_seconds()
    if pytz is not None and isinstance(tz, pytz.tzinfo.BaseTzInfo):
        if tz is pytz.utc:
            return 0.0
        off = getattr(tz, "_utcoffset", None)
        return off.total_seconds() if off is not None and hasattr(tz, "_dst") else None
    return None


def check(x):
    if isinstance(x, dt.datetime):
        return {"type": "datetime", "year": x.year, "month": x.month, "day": x.day, "hour": x.hour,
                "minute": x.minute, "second": x.second, "microsecond": x.microsecond, "fold": x.fold,
                "utcoffset": tz_fixed_offset(x.tzinfo), "tz": x.tzinfo is not None}
    if isinstance(x, dt.date):
        return {"type": "date", "year": x.year, "month": x.month, "day": x.day}
    if isinstance(x, dt.time):
        return {"type": "time", "hour": x.hour, "minute": x.minute, "second": x.second,
                "microsecond": x.microsecond, "fold": x.fold, "utcoffset": tz_fixed_offset(x.tzinfo),
                "tz": x.tzinfo is not None}
    if isinstance(x, dt.timedelta):
        return {"type": "timedelta", "days": x.days, "seconds": x.seconds, "microseconds": x.microseconds}
    if isinstance(x, Decimal):
        return {"type": "decimal", "str": str(x)}
    if isinstance(x, fractions.Fraction):
        return {"type": "fraction", "num": str(x.numerator), "den": str(x.denominator)}
    if isinstance(x, uuid.UUID):
        return {"type": "uuid", "int": str(x.int), "str": str(x)}
    if isinstance(x, complex):
        return {"type": "complex", "re": repr(x.real), "im": repr(x.imag)}
    if isinstance(x, collections.Counter):
        return {"type": "counter", "len": len(x)}
    if isinstance(x, collections.OrderedDict):
        return {"type": "ordereddict", "len": len(x)}
    if isinstance(x, collections.defaultdict):
        return {"type": "defaultdict", "len": len(x)}
    if isinstance(x, collections.deque):
        return {"type": "deque", "len": len(x), "maxlen": x.maxlen}
    if isinstance(x, range):
        n = max(0, (x.stop - x.start + x.step - (1 if x.step > 0 else -1)) // x.step)
        return {"type": "range", "start": str(x.start), "stop": str(x.stop), "step": str(x.step), "len": str(n)}
    if isinstance(x, pathlib.PurePath):
        return {"type": "path", "class": type(x).__name__, "posix": x.as_posix(), "str": str(x)}
    if isinstance(x, dt.tzinfo):
        return {"type": "tzinfo", "utcoffset": tz_fixed_offset(x)}
    return None


class Py2Pickler(pickle.Pickler):
    """Pickles date/datetime/time with a latin-1 str state and OrderedDict
    as OrderedDict([[k, v], ...]), as Python 2 did."""

    dispatch_table = copyreg.dispatch_table.copy()

    @staticmethod
    def _latin(x):
        cls, args = x.__reduce__()[:2]
        return cls, (args[0].decode("latin1"),) + tuple(args[1:])

    dispatch_table[dt.datetime] = _latin.__func__
    dispatch_table[dt.date] = _latin.__func__
    dispatch_table[dt.time] = _latin.__func__
    dispatch_table[collections.OrderedDict] = lambda od: (collections.OrderedDict, ([[k, v] for k, v in od.items()],))


def main():
    out = []
    for name, x, reg in values():
        for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
            try:
                data = pickle.dumps(x, proto)
            except TypeError:  # slots dataclasses need protocol 2+
                continue
            # What the pickle holds (fold is dropped below protocol 4).
            y = pickle.loads(data)
            case = {"name": name, "protocol": proto, "pickle": data.hex(), "repr": repr(y),
                    "registry": reg, "check": check(y)}
            if not reg and "recursive" not in name:
                # pprint's layouts (OrderedDict, defaultdict, Counter, deque
                # have their own) at a few widths.
                try:
                    case["pformat"] = {str(w): pprint.pformat(y, width=w, sort_dicts=False)
                                       for w in (1, 12, 30, 50)}
                except TypeError:  # pprint's Counter layout on unorderable counts
                    pass
            out.append(case)
    py2 = [("py2-datetime", dt.datetime(2024, 1, 1, 12, 30, 0, 5, tzinfo=UTC)),
           ("py2-date", dt.date(1999, 12, 31)), ("py2-time", dt.time(23, 59, 1)),
           ("py2-datetime-high", dt.datetime(2255, 255 % 12 + 1, 28, 23, 59, 59, 255)),
           ("py2-od", collections.OrderedDict([("a", 1), ("b", 2)]))]
    for name, x in py2:
        for proto in (0, 1, 2):
            buf = io.BytesIO()
            Py2Pickler(buf, proto).dump(x)
            data = buf.getvalue()
            assert repr(pickle.loads(data)) == repr(x), name
            out.append({"name": name, "protocol": proto, "pickle": data.hex(), "repr": repr(x),
                        "registry": False, "check": check(x)})
    # A literal Python 2 pickle (STRING state), read with encoding='latin1'.
    data = b"cdatetime\ndatetime\np0\n(S'\\x07\\xe8\\x01\\x01\\x0c\\x00\\x00\\x00\\x00\\x00'\np1\ntp2\nRp3\n."
    x = pickle.loads(data, encoding="latin1")
    out.append({"name": "py2-literal", "protocol": 0, "pickle": data.hex(), "repr": repr(x),
                "registry": False, "check": check(x), "encoding": "latin1"})
    json.dump({"cases": out, "pytz": pytz is not None}, sys.stdout)


if __name__ == "__main__":
    main()
