"""`PickleBuffer` data written by `brinery.dumps`/`Pickler` (read in place
through the buffer protocol, as `_pickle` reads its view): bytes and errors
against `pickle.dumps`, for C- and Fortran-ordered, transposed,
non-contiguous, released, read-only and writable buffers, in band and out
of band. Run with pytest (scripts/test-py.sh)."""

import io
import pickle

import pytest

import brinery

np = pytest.importorskip("numpy")


def arrays():
    a = np.arange(24, dtype="f4").reshape(4, 6)
    ro = a.copy()
    ro.flags.writeable = False
    return {
        "c": a,
        "fortran": np.asfortranarray(a),
        "transposed": a.T,
        "readonly": ro,
        "rows": a[1:3],
        "empty": np.zeros((0, 3), "i8"),
        "strided": a[:, ::2],
        "every_other_row": a[::2],
    }


NON_CONTIGUOUS = {"strided", "every_other_row"}


def outcome(fn):
    try:
        return fn()
    except Exception as e:  # compared as (type, message)
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("name", sorted(arrays()))
def test_picklebuffer_like_pickle(name):
    x = arrays()[name]
    for obj in (pickle.PickleBuffer(x), [pickle.PickleBuffer(x), x]):
        want = outcome(lambda: pickle.dumps(obj, 5))
        got = outcome(lambda: brinery.dumps(obj, 5))
        assert got == want
        if name in NON_CONTIGUOUS and isinstance(obj, pickle.PickleBuffer):
            assert want[0] == "PicklingError" and "non-contiguous" in want[1]
    # The arrays themselves (numpy's reducer makes the PickleBuffer).
    assert brinery.dumps(x, 5) == pickle.dumps(x, 5)


@pytest.mark.parametrize("name", sorted(arrays()))
def test_picklebuffer_out_of_band_like_pickle(name):
    x = arrays()[name]
    results = []
    for mod in (pickle, brinery):
        seen = []

        def callback(buf):
            seen.append(bytes(buf.raw()) if name not in NON_CONTIGUOUS else None)
            return False

        results.append((outcome(lambda: mod.dumps([pickle.PickleBuffer(x)], 5, buffer_callback=callback)), seen))
    assert results[0] == results[1]


def test_released_and_bytes_buffers_like_pickle():
    released = pickle.PickleBuffer(b"abc")
    released.release()
    assert outcome(lambda: brinery.dumps(released, 5)) == outcome(lambda: pickle.dumps(released, 5))
    for data in (b"", b"abc", bytearray(b"xyz"), memoryview(b"mv")):
        obj = pickle.PickleBuffer(data)
        assert brinery.dumps(obj, 5) == pickle.dumps(obj, 5)
        f1, f2 = io.BytesIO(), io.BytesIO()
        pickle.Pickler(f1, 5).dump([obj, obj])
        brinery.Pickler(f2, 5).dump([obj, obj])
        assert f1.getvalue() == f2.getvalue()
    for proto in range(5):
        assert outcome(lambda: brinery.dumps(pickle.PickleBuffer(b"a"), proto)) == outcome(
            lambda: pickle.dumps(pickle.PickleBuffer(b"a"), proto)
        )
