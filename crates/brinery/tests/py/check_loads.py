#!/usr/bin/env python3
"""Load every pickle of a case file with CPython and compare it, strictly,
with the value it is supposed to encode.

Usage:
    python3 check_loads.py --seed S --count N --in FILE [--builtin-only]
                           [--max-report K]

FILE is a case file (layout in cases.py), typically written by the Rust
encoder; only the index and the pickle bytes of each record are used (repr
and flags are ignored and may be empty/zero).  Each pickle is loaded with
``pickle.loads`` (the C unpickler) and compared with
``values.gen_value(S, index, builtin_only)``; S and --builtin-only must match
what produced the values (N only bounds the valid indices).

The comparison is a graph isomorphism check done with an explicit stack (no
recursion, cycles are fine):

* exact types (bool vs int, tuple vs list, set vs frozenset, bytes vs
  bytearray, str subclasses ...);
* ints by value; floats bit for bit (so -0.0 != 0.0), except that every NaN
  equals every other NaN; str by code points (lone surrogates included);
  bytes/bytearray by content;
* lists/tuples element-wise, dicts by their (key, value) sequence, i.e. key
  order matters; sets/frozensets by membership (order ignored; elements are
  matched by a canonical key, then compared as graphs too);
* brinery_testclasses instances by type, __dict__ (keys by equality, order
  ignored) and set slots; list/dict subclasses also by their items;
* sharing: every object except None/bool/int/float, the empty tuple, '' and
  one-character latin-1 str, and b''/one-byte bytes (all of which CPython
  caches or never memoizes) must correspond one-to-one: two positions of the
  original hold the same object (``is``) exactly when the two corresponding
  positions of the loaded value do.  Keys of instance __dict__s are exempt,
  because the unpickler interns them (BUILD).

Prints ``check_loads: N records, M ok`` and exits 1 (listing the first
mismatches: index, protocol, path, what differs) if any record failed to
load or compare, 0 otherwise.
"""

import argparse
import os
import pickle
import reprlib
import struct
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import brinery_testclasses as tc  # noqa: E402

_NoneType = type(None)
_SCALAR_EQ = (_NoneType, bool, int)
_SEQ = (list, tuple)
_BYTESLIKE = (str, bytes, bytearray)

_short = reprlib.Repr()
_short.maxlevel = 3
_short.maxstring = 60
_short.maxother = 60
_short.maxlong = 60
_short.maxlist = _short.maxtuple = _short.maxdict = 6
_short.maxset = _short.maxfrozenset = 6


def _srepr(x):
    try:
        return _short.repr(x)
    except Exception as e:  # pragma: no cover - defensive
        return "<repr failed: %s>" % type(e).__name__


def _tracked(x, t):
    """Does the identity of x matter (see module docstring)?"""
    if t is tuple:
        return len(x) > 0
    if t is bytes:
        return len(x) > 1
    if t is str:
        n = len(x)
        return n > 1 or (n == 1 and ord(x) > 255)
    return True


def _float_same(a, b):
    if a != a:
        return b != b
    return struct.pack("<d", a) == struct.pack("<d", b)


def _hkey(x):
    """Canonical, comparable key of a hashable builtin value."""
    t = type(x)
    if t is float:
        if x != x:
            return ("float", "nan")
        return ("float", struct.pack("<d", x).hex())
    if t is tuple:
        return ("tuple", tuple(_hkey(e) for e in x))
    if t is frozenset:
        return ("frozenset", tuple(sorted((_hkey(e) for e in x), key=repr)))
    if t in (str, bytes, int, bool, _NoneType):
        return (t.__name__, x)
    return (t.__module__ + "." + t.__qualname__, repr(x))


def _path_str(path):
    steps = []
    while path:
        path, step = path
        steps.append(step)
    return "value" + "".join(reversed(steps))


def _is_testclass(t):
    return t.__module__ == tc.__name__


def compare(orig, loaded):
    """None if loaded is an exact copy (graph isomorphic) of orig, else a
    description of the first difference found."""
    o2l = {}
    l2o = {}
    stack = [(orig, loaded, None)]
    pop = stack.pop
    push = stack.append
    while stack:
        a, b, path = pop()
        ta = type(a)
        tb = type(b)
        if ta is not tb:
            return "%s: type %s != %s (%s vs %s)" % (
                _path_str(path), ta.__qualname__, tb.__qualname__,
                _srepr(a), _srepr(b))
        if ta in _SCALAR_EQ:
            if a != b:
                return "%s: %s != %s" % (_path_str(path), _srepr(a), _srepr(b))
            continue
        if ta is float:
            if not _float_same(a, b):
                return "%s: float %r != %r" % (_path_str(path), a, b)
            continue
        if _tracked(a, ta) and _tracked(b, tb):
            ia = id(a)
            ib = id(b)
            ma = o2l.get(ia)
            mb = l2o.get(ib)
            if ma is not None or mb is not None:
                if ma != ib or mb != ia:
                    return ("%s: sharing differs: original object %s, "
                            "loaded object %s" % (
                                _path_str(path),
                                "seen before" if ma is not None else "first seen here",
                                "seen before" if mb is not None else "first seen here"))
                continue
            o2l[ia] = ib
            l2o[ib] = ia
        if ta in _BYTESLIKE:
            if a != b:
                return "%s: %s != %s" % (_path_str(path), _srepr(a), _srepr(b))
            continue
        if ta in _SEQ:
            if len(a) != len(b):
                return "%s: %s length %d != %d" % (_path_str(path), ta.__name__,
                                                   len(a), len(b))
            for i in range(len(a) - 1, -1, -1):
                push((a[i], b[i], (path, "[%d]" % i)))
            continue
        if ta is dict:
            if not _push_dict(a, b, path, push):
                return "%s: dict length %d != %d" % (_path_str(path), len(a), len(b))
            continue
        if ta is set or ta is frozenset:
            err = _push_set(a, b, path, push)
            if err:
                return err
            continue
        if _is_testclass(ta):
            err = _push_instance(a, b, path, push)
            if err:
                return err
            continue
        # Anything else (not produced by values.py): plain equality.
        try:
            same = a == b
        except Exception as e:
            return "%s: %s comparison raised %s" % (_path_str(path),
                                                   ta.__qualname__, e)
        if not same:
            return "%s: %s != %s" % (_path_str(path), _srepr(a), _srepr(b))
    return None


def _push_dict(a, b, path, push):
    if len(a) != len(b):
        return False
    ia = list(a.items())
    ib = list(b.items())
    for i in range(len(ia) - 1, -1, -1):
        ka, va = ia[i]
        kb, vb = ib[i]
        push((va, vb, (path, "[<value #%d>]" % i)))
        push((ka, kb, (path, "[<key #%d>]" % i)))
    return True


def _push_set(a, b, path, push):
    name = type(a).__name__
    if len(a) != len(b):
        return "%s: %s size %d != %d" % (_path_str(path), name, len(a), len(b))
    try:
        ka = {}
        for e in a:
            ka.setdefault(_hkey(e), []).append(e)
        kb = {}
        for e in b:
            kb.setdefault(_hkey(e), []).append(e)
    except RecursionError:
        return "%s: %s elements nested too deeply to compare" % (_path_str(path), name)
    for k, ea in ka.items():
        eb = kb.get(k)
        if eb is None or len(eb) != len(ea):
            return "%s: %s element %s missing or duplicated in loaded value" % (
                _path_str(path), name, _srepr(ea[0]))
        if len(ea) == 1:
            push((ea[0], eb[0], (path, "{%s}" % _srepr(ea[0]))))
    if len(ka) != len(kb):
        extra = [v[0] for k, v in kb.items() if k not in ka]
        return "%s: %s has extra element(s) %s" % (_path_str(path), name,
                                                   _srepr(extra))
    return None


def _push_instance(a, b, path, push):
    t = type(a)
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %s length %d != %d" % (_path_str(path), t.__name__,
                                               len(a), len(b))
        for i in range(len(a) - 1, -1, -1):
            push((a[i], b[i], (path, "[%d]" % i)))
    if isinstance(a, dict):
        if not _push_dict(a, b, path, push):
            return "%s: %s length %d != %d" % (_path_str(path), t.__name__,
                                               len(a), len(b))
    da = getattr(a, "__dict__", None)
    db = getattr(b, "__dict__", None)
    if (da is None) != (db is None):
        return "%s: __dict__ presence differs" % _path_str(path)
    if da is not None:
        if set(da) != set(db):
            return "%s: %s attributes %s != %s" % (
                _path_str(path), t.__name__, sorted(da), sorted(db))
        for name in da:
            push((da[name], db[name], (path, "." + name)))
    sa = tc._slot_state(a)
    sb = tc._slot_state(b)
    if set(sa) != set(sb):
        return "%s: %s set slots %s != %s" % (_path_str(path), t.__name__,
                                              sorted(sa), sorted(sb))
    for name in sa:
        push((sa[name], sb[name], (path, "." + name)))
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--in", dest="infile", required=True)
    ap.add_argument("--builtin-only", action="store_true")
    ap.add_argument("--max-report", type=int, default=10,
                    help="how many mismatches to list (default 10)")
    args = ap.parse_args(argv)

    from cases import CaseFileError, iter_cases
    from values import gen_value

    t0 = time.time()
    cache_index = None
    cache_value = None
    total = 0
    ok = 0
    bad = []
    file_error = None
    try:
        for case in iter_cases(args.infile):
            total += 1
            if case.index >= args.count:
                bad.append((case.index, case.protocol,
                            "index out of range (count is %d)" % args.count))
                continue
            if case.index != cache_index:
                cache_index = case.index
                cache_value = gen_value(args.seed, case.index, args.builtin_only)
            try:
                loaded = pickle.loads(case.pickle)
            except Exception as e:
                bad.append((case.index, case.protocol,
                            "load error: %s: %s" % (type(e).__name__, e)))
                continue
            try:
                err = compare(cache_value, loaded)
            except Exception as e:  # pragma: no cover - defensive
                err = "compare raised %s: %s" % (type(e).__name__, e)
            if err is None:
                ok += 1
            else:
                bad.append((case.index, case.protocol, err))
            del loaded
    except (OSError, CaseFileError) as e:
        file_error = e
    print("check_loads: %d records, %d ok" % (total, ok))
    failed = False
    if file_error is not None:
        print("check_loads: FAILED: cannot read %s: %s" % (args.infile, file_error))
        failed = True
    elif total == 0:
        print("check_loads: FAILED: no records in %s" % args.infile)
        failed = True
    if bad:
        print("check_loads: %d FAILED; first %d:" % (len(bad), min(len(bad), args.max_report)))
        for index, proto, msg in bad[:args.max_report]:
            print("  index %d protocol %d: %s" % (index, proto, msg))
        failed = True
    if failed:
        return 1
    print("check_loads: all ok (%.2fs)" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
