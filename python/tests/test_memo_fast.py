"""`Pickler.fast` (no memo, cycle detection) and the live memo proxies,
checked against `_pickle`'s behaviour (`pickle.Pickler`/`pickle.Unpickler`
are the C classes). Run with pytest (scripts/test-py.sh)."""

import io
import pickle
import re

import pytest

import brinery

assert pickle.Pickler.__module__ == "_pickle", "the reference must be _pickle"

PICKLERS = [pickle.Pickler, brinery.Pickler]
UNPICKLERS = [pickle.Unpickler, brinery.Unpickler]


def cyclic_list():
    l = []
    l.append(l)
    return l


def cyclic_dict():
    d = {}
    d["me"] = d
    return d


def deep_cycle():
    # The cycle closes 70 levels down, beyond the fast-nesting limit (50).
    top = []
    cur = top
    for _ in range(70):
        nxt = [1, {"k": []}]
        cur.append(nxt)
        cur = nxt
    cur.append(top)
    return top


def outcome(cls, obj, proto, fast):
    f = io.BytesIO()
    p = cls(f, proto)
    p.fast = fast
    try:
        p.dump(obj)
    except Exception as e:  # the class and message are compared
        # The address differs between objects; compare the rest.
        return type(e), re.sub(r"0x[0-9a-f]+", "ADDR", str(e))
    return f.getvalue()


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize(
    "make",
    [
        cyclic_list,
        cyclic_dict,
        deep_cycle,
        lambda: [[i, {"a": [i]}] for i in range(5)],
        lambda: {"x": ("a", "a", "a"), "y": [b"b", b"b"]},
        lambda: [1, 2.5, "s", None, True, (1, 2)] * 3,
    ],
)
@pytest.mark.parametrize("fast", [0, 1, True])
def test_fast_mode_like_pickle(make, proto, fast):
    obj = make()
    want = outcome(pickle.Pickler, obj, proto, fast)
    got = outcome(brinery.Pickler, obj, proto, fast)
    assert got == want


def test_fast_mode_cycle_message():
    l = cyclic_list()
    p = brinery.Pickler(io.BytesIO(), 2)
    p.fast = 1
    with pytest.raises(ValueError) as e:
        p.dump(l)
    msg = str(e.value)
    assert msg == "fast mode: can't pickle cyclic objects including object type list at 0x%x" % id(l)
    d = cyclic_dict()
    with pytest.raises(ValueError, match="including object type dict at 0x%x$" % id(d)):
        p.dump(d)


def test_fast_mode_writes_no_memo_and_keeps_none():
    obj = ["shared"] * 3
    for cls in PICKLERS:
        f = io.BytesIO()
        p = cls(f, 4)
        p.fast = 1
        p.dump(obj)
        assert p.memo.copy() == {}
    f1, f2 = io.BytesIO(), io.BytesIO()
    for cls, f in ((pickle.Pickler, f1), (brinery.Pickler, f2)):
        p = cls(f, 4)
        p.fast = 1
        p.dump(obj)
    assert f1.getvalue() == f2.getvalue()
    assert b"\x94" not in f2.getvalue()  # no MEMOIZE


def test_fast_and_bin_are_ints():
    for cls in PICKLERS:
        p = cls(io.BytesIO(), 2)
        assert (p.fast, p.bin) == (0, 1)
        p.fast = True
        assert p.fast == 1
        with pytest.raises(TypeError):
            p.fast = "x"


def memo_view(cls, proto=2):
    f = io.BytesIO()
    p = cls(f, proto)
    shared = [1]
    obj = [shared, shared, "s"]
    p.dump(obj)
    return p, obj, f


def normalised(copy):
    """{id: (index, obj)} -> sorted [(index, obj)] (ids are the same objects)."""
    assert all(k == id(v[1]) for k, v in copy.items())
    return sorted((v[0], repr(v[1])) for v in copy.values())


def test_pickler_memo_proxy_like_pickle():
    views = [memo_view(cls) for cls in PICKLERS]
    (cp, _, _), (bp, _, _) = views
    assert type(bp.memo).__name__ == "PicklerMemoProxy"
    assert normalised(bp.memo.copy()) == normalised(cp.memo.copy())
    assert len(bp.memo.copy()) == 3
    # Live: the same proxy sees later dumps.
    proxy = bp.memo
    bp.dump(["x"])
    cp.dump(["x"])
    assert normalised(proxy.copy()) == normalised(cp.memo.copy())
    # __reduce__: (dict, (copy,))
    r = proxy.__reduce__()
    assert r[0] is dict and len(r[1]) == 1 and r[1][0] == proxy.copy()
    assert pickle.loads(pickle.dumps(proxy)) == proxy.copy()
    proxy.clear()
    cp.memo.clear()
    assert bp.memo.copy() == {} == cp.memo.copy()


def test_pickler_memo_assignment_like_pickle():
    for cls in PICKLERS:
        p, obj, _ = memo_view(cls)
        # A proxy (of another pickler): copied, so the next dump refers to it.
        q_out = io.BytesIO()
        q = cls(q_out, 2)
        q.memo = p.memo
        q.dump(obj)
        assert q_out.getvalue() == b"\x80\x02h\x00."
        # A dict: values are (index, obj); keys ignored.
        r_out = io.BytesIO()
        r = cls(r_out, 2)
        r.memo = {"ignored": (7, obj)}
        r.dump(obj)
        assert r_out.getvalue() == b"\x80\x02h\x07."
        q.memo.clear()
        assert p.memo.copy() != {}  # a copy, not shared
    for value, exc, msg in [
        (object, TypeError, "'memo' attribute must be a PicklerMemoProxy object or dict, not type"),
        ({1: 2}, TypeError, "'memo' values must be 2-item tuples"),
        ({1: (2,)}, TypeError, "'memo' values must be 2-item tuples"),
        ({1: ("a", 3)}, TypeError, None),
    ]:
        errors = []
        for cls in PICKLERS:
            p = cls(io.BytesIO(), 2)
            with pytest.raises(exc) as e:
                p.memo = value
            errors.append(str(e.value))
        if msg is not None:
            assert errors == [msg, msg]


def test_unpickler_memo_proxy_like_pickle():
    data = pickle.dumps([[1], "s", ("t",)], 2)
    results = []
    for cls in UNPICKLERS:
        u = cls(io.BytesIO(data + data))
        proxy = u.memo
        assert proxy.copy() == {}
        obj = u.load()
        copy = proxy.copy()
        assert sorted(copy) == list(range(len(copy)))
        assert pickle.loads(pickle.dumps(proxy)) == copy
        r = proxy.__reduce__()
        assert r[0] is dict and r[1] == (copy,)
        results.append((type(proxy).__name__, repr(sorted(copy.items()))))
        # Clearing through the proxy: the next load still works (it
        # redefines every index it uses).
        proxy.clear()
        assert u.memo.copy() == {}
        assert u.load() == obj
    assert results[0][1] == results[1][1]
    assert [r[0] for r in results] == ["UnpicklerMemoProxy", "UnpicklerMemoProxy"]


def test_unpickler_memo_assignment_like_pickle():
    primed = pickle.dumps("primed", 2)  # PUTs index 0
    for cls in UNPICKLERS:
        # Priming from a proxy: a pickle that GETs index 0 without PUTting it.
        u = cls(io.BytesIO(primed))
        u.load()
        v = cls(io.BytesIO(b"\x80\x02h\x00."))
        v.memo = u.memo  # a proxy: copied
        u.memo.clear()
        assert v.memo.copy() == {0: "primed"}
        assert v.load() == "primed"
    # From a dict: brinery keeps the entries, like pickle's Python
    # Unpickler (`pickle._Unpickler`). _pickle (3.9-3.13) stores them in
    # the memo it then replaces, so its memo ends up empty: a CPython bug
    # brinery does not copy.
    for cls in (pickle._Unpickler, brinery.Unpickler):
        u = cls(io.BytesIO(b"\x80\x02h\x00."))
        u.memo = {0: "primed"}
        assert u.load() == "primed"
    c = pickle.Unpickler(io.BytesIO(b"\x80\x02h\x00."))
    c.memo = {0: "primed"}
    assert c.memo.copy() == {}  # the _pickle bug, still there
    for value, exc, msg in [
        (object, TypeError, "'memo' attribute must be an UnpicklerMemoProxy object or dict, not type"),
        ({-1: None}, ValueError, "memo key must be positive integers."),
        ({"a": 3}, TypeError, "memo key must be integers"),
    ]:
        errors = []
        for cls in UNPICKLERS:
            u = cls(io.BytesIO())
            with pytest.raises(exc) as e:
                u.memo = value
            errors.append(str(e.value))
        assert errors == [msg, msg]
