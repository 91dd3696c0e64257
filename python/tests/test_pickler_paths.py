"""The pickler's hot paths (borrowed list items and dict entries, the
dict walk in batches, the cached list size) against `_pickle`: the same
bytes, and the same errors when saving an item runs code that changes the
container. Run with pytest (scripts/test-py.sh)."""

import io
import pickle

import pytest

import brinery

assert pickle.Pickler.__module__ == "_pickle"


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # class and message compared
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("n", [1, 2, 999, 1000, 1001, 2000])
def test_batches_byte_identical(proto, n):
    objs = [
        {i: i for i in range(n)},
        {"k%d" % i: ("v", i, 1.5, None, True) for i in range(n)},
        list(range(n)),
        ["s%d" % (i % 7) for i in range(n)] + [2**70, -(2**63), 2**63],
    ]
    for obj in objs:
        assert brinery.dumps(obj, proto) == pickle.dumps(obj, proto)


class Clears:
    """Saving it empties the container it is in (runs Python code)."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        self.target.clear()
        return (int, (7,))


class Adds:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        self.target["new"] = 1
        return (int, (8,))


def make_list_cleared():
    l = [1, "a", 2.5]
    l.append(Clears(l))
    l.extend([3, "b", 4.5])
    return l


def make_dict_grown():
    d = {"a": 1, "b": "x"}
    d["c"] = Adds(d)
    d["e"] = 2.5
    return d


@pytest.mark.parametrize("proto", [1, 2, 4, 5])
@pytest.mark.parametrize("make", [make_list_cleared, make_dict_grown])
def test_containers_changed_while_saved(proto, make):
    want = outcome(lambda: pickle.dumps(make(), proto))
    got = outcome(lambda: brinery.dumps(make(), proto))
    assert got == want


@pytest.mark.parametrize("proto", [1, 2, 4, 5])
def test_persistent_id_changing_the_list(proto):
    def run(cls):
        l = [1, "a", 2.5, 3, "b"]
        f = io.BytesIO()

        class P(cls):
            def persistent_id(self, obj):
                if obj == "a":
                    l.clear()
                return None

        P(f, proto).dump(l)
        return f.getvalue()

    assert outcome(lambda: run(brinery.Pickler)) == outcome(lambda: run(pickle.Pickler))


@pytest.mark.parametrize("proto", [1, 2, 4, 5])
def test_file_writes_with_large_strings(proto):
    obj = ["x" * 70000, "y", "é" * 40000, 1, 2.5, {"k": "z" * 66000}]
    for cls in (pickle.Pickler, brinery.Pickler):
        f = io.BytesIO()
        cls(f, proto).dump(obj)
        if cls is pickle.Pickler:
            want = f.getvalue()
    assert f.getvalue() == want
