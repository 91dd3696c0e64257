"""The decoder's fast path (`loads` on bytes) against the general loop
(`load` from a file runs only the general loop) and `_pickle`: the same
objects, and the same error class and message for every truncation and
for corrupted bytes. Run with pytest (scripts/test-py.sh)."""

import io
import pickle

import pytest

import brinery

OBJECTS = [
    [1, 255, 256, 65535, 65536, -1, 2**31 - 1, -(2**31), 1.5, None, True, False],
    ["a", "é", "\U0001f600", "x" * 300, "lone \ud800"],
    [{"id": i, "name": "n%d" % i, "tags": ["a", "b"], "t": (i,), "u": (i, i), "v": (i, i, i)} for i in range(300)],
    {"k%d" % i: [i] * (i % 3) for i in range(1200)},
    [[]] * 3 + [()] * 2 + [{}],
    list(range(2500)),
]


def outcome(fn):
    try:
        return ("ok", repr(fn()))
    except Exception as e:  # class and message compared
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("i", range(len(OBJECTS)))
def test_fast_path_same_objects(proto, i):
    data = pickle.dumps(OBJECTS[i], proto)
    want = repr(pickle.loads(data))
    assert repr(brinery.loads(data)) == want
    assert repr(brinery.load(io.BytesIO(data))) == want


@pytest.mark.parametrize("proto", [2, 4, 5])
def test_fast_path_truncations_and_corruptions(proto):
    data = pickle.dumps(OBJECTS[2][:20], proto)
    cases = [data[:n] for n in range(len(data))]
    # Flip single bytes (opcodes and arguments) at a stride.
    for n in range(0, len(data), 7):
        for v in (0x00, 0x28, 0x4B, 0x68, 0x94, 0xFF):
            cases.append(data[:n] + bytes([v]) + data[n + 1 :])
    compared = 0
    for case in cases:
        fast = outcome(lambda: brinery.loads(case))
        general = outcome(lambda: brinery.load(io.BytesIO(case)))
        assert fast == general, case
        ref = outcome(lambda: pickle.loads(case))
        if ref[0] == "ok":
            assert fast == ref
        compared += 1
    assert compared == len(cases) > 100
