"""BUILD of a numpy dtype in safe mode: only a state numpy itself writes.

numpy's ``dtype.__setstate__`` trusts its argument: a state whose fields
slot is an int crashes the interpreter, and a tampered flags word makes an
``object`` dtype look like plain data (then ``frombuffer`` reads pointers
from the pickle). brinery's decoder calls :func:`check` before a BUILD on a
dtype when ``numpy.dtype`` was not trusted with ``allow=``: the state must be
exactly the one numpy's ``__reduce__`` gives for a dtype built from the same
parts with numpy's public constructor, and numpy's shared builtin dtypes are
never changed. Found by the package's differential fuzzing
(python/tests/pkgfuzz.py).
"""

import numpy

ALIGNED_STRUCT = 0x80
# numpy keeps the flags in a char: numpy 1.x wrote -112 for 0x90.


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - a comparison that fails is a difference
        return False


def _canonical(dt, sub, names, fields, elsize):
    """The dtypes numpy's public constructor makes from the parts (packed
    and aligned: numpy 1.x wrote aligned structs without the aligned flag),
    or why there are none."""
    if dt.kind != "V":
        return [], "a structured state for %r" % (dt,)
    if sub is not None:
        if names is not None or fields is not None:
            return [], "both a subarray and fields"
        if type(sub) is not tuple or len(sub) != 2 or not isinstance(sub[0], numpy.dtype) or type(sub[1]) is not tuple:
            return [], "the subarray must be (dtype, shape)"
        return [numpy.dtype((sub[0], sub[1]))], None
    if type(names) is not tuple or type(fields) is not dict:
        return [], "names must be a tuple and fields a dict"
    formats, offsets, titles = [], [], []
    for n in names:
        v = fields.get(n) if type(n) is str else None
        if type(v) is not tuple or len(v) not in (2, 3) or not isinstance(v[0], numpy.dtype) or type(v[1]) is not int:
            return [], "field %r" % (n,)
        formats.append(v[0])
        offsets.append(v[1])
        titles.append(v[2] if len(v) == 3 else None)
    spec = {"names": list(names), "formats": formats, "offsets": offsets, "titles": titles, "itemsize": elsize}
    out, errors = [], []
    for align in (False, True):
        try:
            out.append(numpy.dtype(spec, align=align))
        except Exception as e:  # noqa: BLE001 - numpy refusing the parts
            errors.append(str(e))
    return out, (None if out else "numpy refuses the parts: %s" % errors[0])


def check(dt, state):
    """None when BUILD may give `state` to `dt.__setstate__`, else why not."""
    if type(state) is not tuple or len(state) not in (8, 9):
        return "the state must be a tuple of 8 or 9 items"
    version, endian, sub, names, fields, elsize, align, flags = state[:8]
    if type(version) is not int or version not in (3, 4):
        return "version %r" % (version,)
    if type(endian) is not str or endian not in ("<", ">", "|", "="):
        return "byte order %r" % (endian,)
    if not all(type(v) is int for v in (elsize, align, flags)):
        return "elsize, alignment and flags must be ints"
    own = dt.__reduce__()[2]
    if (dt is numpy.dtype(dt.str) or dt is numpy.dtype(dt.char)) and not _same(state, own):
        return "it would change numpy's shared %r" % (dt,)
    if len(state) == 9:
        md = state[8]
        ok = (
            dt.kind in "mM"
            and type(md) is tuple
            and len(md) == 2
            and (md[0] is None or type(md[0]) is dict)
            and type(md[1]) is tuple
            and len(md[1]) == 4
            and type(md[1][0]) in (str, bytes)
            and all(type(v) is int for v in md[1][1:])
        )
        if not ok:
            return "metadata %r" % (md,)
    if sub is None and names is None:
        if fields is not None:
            return "fields without names"
        if own[2] is not None or own[3] is not None or (elsize, align, flags & 0xFF) != (own[5], own[6], own[7] & 0xFF):
            return "size, alignment or flags other than numpy's for %r" % (dt,)
        return None
    try:
        canons, why = _canonical(dt, sub, names, fields, elsize)
    except Exception as e:  # noqa: BLE001 - numpy refusing the parts
        return "numpy refuses the parts: %s" % (e,)
    if why is not None:
        return why
    for canon in canons:
        cs = canon.__reduce__()[2]
        if (
            _same(cs[2], sub)
            and _same(cs[3], names)
            and _same(cs[4], fields)
            and cs[5] == elsize
            and align in (c.alignment for c in canons)
            and cs[7] & 0xFF & ~ALIGNED_STRUCT == flags & 0xFF & ~ALIGNED_STRUCT
        ):
            return None
    return "not the state numpy writes for %r" % (canons[0],)


def check_array(arr, state):
    """None when BUILD may give `state` to `arr.__setstate__` (an array
    numpy's ``_reconstruct`` made), else why not: the data must be exactly
    as long as the shape says. numpy checks that for bytes only after it
    allocated an object array of the claimed shape (a 1-item list claiming
    2**33 items asked for 64 GiB)."""
    if type(state) is not tuple or len(state) not in (4, 5):
        return "the state must be a tuple of 4 or 5 items"
    if len(state) == 5 and type(state[0]) is not int:
        return "version %r" % (state[0],)
    shape, dt, _fortran, data = state[-4:]
    if type(shape) is not tuple or not all(type(n) is int and n >= 0 for n in shape):
        return "shape %r" % (shape,)
    if not isinstance(dt, numpy.dtype):
        return "the dtype must be a numpy dtype"
    size = 1
    for n in shape:
        size *= n
    if dt.hasobject:
        if type(data) is not list or len(data) != size:
            return "an object array of %d items needs a list of as many" % size
        return None
    try:
        n = len(data) if type(data) is str else memoryview(data).nbytes
    except TypeError:
        return "the data must be bytes, not %s" % type(data).__name__
    if n != size * dt.itemsize:
        return "%d bytes of data for %d items of %d bytes" % (n, size, dt.itemsize)
    return None
