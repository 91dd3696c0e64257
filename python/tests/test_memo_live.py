"""`Pickler.memo` / `Unpickler.memo` read or changed from a hook in the
middle of a dump or load (`persistent_id`, `reducer_override`,
`__reduce_ex__`, a dispatch table entry, `buffer_callback`, the file's
`write`, `persistent_load`, `find_class`): the proxy shows the live memo,
as `_pickle`'s does, and a `clear()` there is what the rest of the dump
or load goes on with. Every check compares brinery with `_pickle`
(`pickle.Pickler`/`pickle.Unpickler` are the C classes). Run with pytest
(scripts/test-py.sh)."""

import copyreg
import io
import pickle

import pytest

import brinery

assert pickle.Pickler.__module__ == "_pickle", "the reference must be _pickle"

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def view(proxy):
    """A pickler memo copy as comparable data: sorted (index, repr(obj)),
    after checking every key is the id of its object."""
    copy = proxy.copy()
    assert all(k == id(v[1]) for k, v in copy.items())
    return sorted((v[0], repr(v[1])) for v in copy.values())


class Point:
    """A class pickled through __reduce_ex__ (reads the current pickler's
    memo when `Point.pickler` is set)."""

    pickler = None
    seen = None

    def __init__(self, x):
        self.x = x

    def __reduce_ex__(self, proto):
        if Point.pickler is not None:
            Point.seen.append(("reduce", self.x, view(Point.pickler.memo)))
        return (Point, (self.x,))

    def __repr__(self):
        return "Point(%r)" % (self.x,)


def payload():
    shared = ["shared", 1.5]
    return {
        "a": [shared, shared, "text", (1, 2)],
        "b": Point(1),
        "c": {"nested": [Point(2), shared]},
        "d": ("t", "u", ["v"]),
    }


def run_pickler(base, proto, hooks):
    """Dump payload() with a subclass of `base` carrying `hooks`; the bytes
    and what the hooks saw."""
    seen = []

    class P(base):
        pass

    for name, make in hooks.items():
        setattr(P, name, make(seen))
    f = io.BytesIO()
    p = P(f, proto)
    Point.pickler, Point.seen = (p, seen) if "reduce" in hooks else (None, None)
    try:
        p.dump(payload())
    finally:
        Point.pickler = Point.seen = None
    return f.getvalue(), seen, view(p.memo)


def both(proto, hooks):
    c = run_pickler(pickle.Pickler, proto, hooks)
    b = run_pickler(brinery.Pickler, proto, hooks)
    assert b[0] == c[0], "bytes differ"
    assert b[1] == c[1], "the hooks saw different memos"
    assert b[2] == c[2], "the memos after the dump differ"
    return c


def persistent_id_hook(seen):
    def persistent_id(self, obj):
        seen.append(("pid", repr(obj), len(self.memo.copy()), view(self.memo)))
        return None

    return persistent_id


def reducer_override_hook(seen):
    def reducer_override(self, obj):
        seen.append(("override", repr(obj), view(self.memo)))
        return NotImplemented

    return reducer_override


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_persistent_id_sees_the_live_memo(proto):
    _, seen, after = both(proto, {"persistent_id": persistent_id_hook})
    # The hook ran for every object, and saw the memo grow.
    sizes = [s[2] for s in seen if s[0] == "pid"]
    assert len(sizes) > 20 and sizes[0] == 0 and sizes[-1] > 0
    assert sizes == sorted(sizes)
    assert after != []


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_reducer_override_sees_the_live_memo(proto):
    _, seen, _ = both(proto, {"reducer_override": reducer_override_hook})
    overrides = [s for s in seen if s[0] == "override"]
    assert overrides and any(s[2] for s in overrides)


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_reduce_ex_sees_the_live_memo(proto):
    _, seen, _ = both(proto, {"reduce": lambda seen: None})
    reduces = [s for s in seen if s[0] == "reduce"]
    assert [s[1] for s in reduces] == [1, 2]
    # The second Point is saved after more of the payload was memoized.
    assert 0 < len(reduces[0][2]) < len(reduces[1][2])


@pytest.mark.parametrize("proto", [2, 4, 5])
def test_dispatch_table_entry_sees_the_live_memo(proto):
    def make_table(seen):
        def reduce_point(obj):
            seen.append(("table", obj.x, len(current[0].memo.copy())))
            return (Point, (obj.x,))

        table = copyreg.dispatch_table.copy()
        table[Point] = reduce_point
        return table

    results = []
    for base in (pickle.Pickler, brinery.Pickler):
        seen = []
        current = []

        class P(base):
            dispatch_table = make_table(seen)

        f = io.BytesIO()
        p = P(f, proto)
        current.append(p)
        p.dump(payload())
        results.append((f.getvalue(), seen))
    assert results[0] == results[1]
    assert [s[1] for s in results[1][1]] == [1, 2] and results[1][1][0][2] > 0


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_memo_cleared_by_a_hook_mid_dump(proto):
    def clearing(seen):
        def persistent_id(self, obj):
            if isinstance(obj, Point):
                seen.append(("cleared at", obj.x, len(self.memo.copy())))
                self.memo.clear()
            return None

        return persistent_id

    data, seen, _ = both(proto, {"persistent_id": clearing})
    assert [s[1] for s in seen] == [1, 2] and seen[0][2] > 0


@pytest.mark.parametrize("proto", [1, 2, 3, 4, 5])
def test_clear_memo_and_memo_assignment_mid_dump(proto):
    def resetting(seen):
        def persistent_id(self, obj):
            if isinstance(obj, Point) and obj.x == 1:
                self.clear_memo()
                seen.append(("after clear_memo", len(self.memo.copy())))
            elif isinstance(obj, Point) and obj.x == 2:
                self.memo = {id(Point): (40, Point)}
                seen.append(("assigned", view(self.memo)))
            return None

        return persistent_id

    both(proto, {"persistent_id": resetting})


@pytest.mark.parametrize("proto", [4, 5])
def test_file_write_sees_the_live_memo(proto):
    big = ["x" * 40000, "y" * 40000, ["z" * 40000]]  # several frames
    results = []
    for cls in (pickle.Pickler, brinery.Pickler):
        sizes = []
        chunks = []

        class W:
            def write(self, b):
                sizes.append(len(p.memo.copy()))
                chunks.append(bytes(b))

        p = cls(W(), proto)
        p.dump(big)
        results.append((b"".join(chunks), sizes))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1]


def test_buffer_callback_sees_the_live_memo():
    results = []
    for cls in (pickle.Pickler, brinery.Pickler):
        sizes = []

        def callback(buf):
            sizes.append(len(p.memo.copy()))
            return True

        f = io.BytesIO()
        p = cls(f, 5, buffer_callback=callback)
        p.dump(["a", ["b"], pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"de"))])
        results.append((f.getvalue(), sizes))
    assert results[0] == results[1]
    assert results[1][1][0] > 0


def test_dumps_functions_unaffected():
    # No Pickler object: nothing to lend, same bytes.
    for proto in PROTOCOLS:
        assert brinery.dumps(payload(), proto) == pickle.dumps(payload(), proto)


# ---- unpickler --------------------------------------------------------


def persistent_pickle(proto):
    """A pickle with persistent ids between memoized objects."""

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, str) and obj.startswith("pid:"):
                return obj
            return None

    f = io.BytesIO()
    shared = ["shared"]
    P(f, proto).dump([shared, "pid:one", [shared, "text"], "pid:two", (shared, "pid:three")])
    return f.getvalue()


def load_view(proxy):
    return sorted((k, repr(v)) for k, v in proxy.copy().items())


def run_unpickler(base, data, hooks, **kw):
    seen = []

    class U(base):
        pass

    for name, make in hooks.items():
        setattr(U, name, make(seen))
    u = U(io.BytesIO(data), **kw)
    try:
        result = repr(u.load())
    except pickle.UnpicklingError as e:
        result = ("error", type(e).__name__)
    return result, seen, load_view(u.memo)


def both_loads(data, hooks, **kw):
    c = run_unpickler(pickle.Unpickler, data, hooks)
    b = run_unpickler(brinery.Unpickler, data, hooks, **kw)
    assert b == c
    return c


def persistent_load_hook(seen):
    def persistent_load(self, pid):
        seen.append((pid, len(self.memo.copy()), load_view(self.memo)))
        return pid.upper()

    return persistent_load


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_persistent_load_sees_the_live_memo(proto):
    _, seen, after = both_loads(persistent_pickle(proto), {"persistent_load": persistent_load_hook})
    assert [s[0] for s in seen] == ["pid:one", "pid:two", "pid:three"]
    sizes = [s[1] for s in seen]
    assert 0 < sizes[0] < sizes[1] <= sizes[2]
    assert after


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_memo_cleared_by_persistent_load(proto):
    def clearing(seen):
        def persistent_load(self, pid):
            seen.append((pid, len(self.memo.copy())))
            self.memo.clear()
            return pid

        return persistent_load

    # The memo entries the rest of the pickle GETs are gone: both fail, at
    # the same point.
    data = persistent_pickle(proto)
    c = run_unpickler(pickle.Unpickler, data, {"persistent_load": clearing})
    b = run_unpickler(brinery.Unpickler, data, {"persistent_load": clearing})
    assert b[:2] == c[:2]
    assert c[0] == ("error", "UnpicklingError") and len(c[1]) == 1
    # What was memoized after the clear: as pickle's Python Unpickler has
    # it. _pickle's proxy clear() keeps counting MEMOIZE indices from the
    # old memo length (its memo_len is not reset), a quirk brinery does
    # not copy (it would make later GETs fail).
    p = run_unpickler(pickle._Unpickler, data, {"persistent_load": clearing})
    assert b == p


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_find_class_sees_the_live_memo(proto):
    import collections

    obj = ["s", ["shared"], collections.OrderedDict(a=1), ("x", collections.OrderedDict(b=2))]
    data = pickle.dumps(obj, proto)

    def find_class_hook(seen):
        def find_class(self, module, name):
            seen.append((module, name, load_view(self.memo)))
            return super(type(self), self).find_class(module, name)

        return find_class

    _, seen, _ = both_loads(data, {"find_class": find_class_hook})
    assert seen and all(s[1] == "OrderedDict" for s in seen)
    assert seen[0][2]  # globals come after memoized strings/lists
