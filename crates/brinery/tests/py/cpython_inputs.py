#!/usr/bin/env python3
"""Collect every pickle that CPython's own pickle tests feed to the
unpickler, and record what CPython's C unpickler makes of each one.

Usage:
    python3 cpython_inputs.py --out FILE [--quiet]

How the inputs are collected
----------------------------
The test mix-ins of ``test.pickletester`` (shipped with this Python:
AbstractUnpickleTests, AbstractPickleTests, AbstractPickleModuleTests, the
persistent-id, pickler/unpickler-object, hook and dispatch-table tests) are
run through the concrete test classes of ``test.test_pickle`` and
``test.test_pickletools``, subclassed so that every ``loads``/``load``/
``Unpickler.load`` -- and ``pickle.loads``/``pickle.load``, which some tests
call directly -- first records the bytes and the keyword arguments
(encoding, errors, fix_imports, buffers) and then delegates to the C
unpickler (``_pickle``).  Test failures are ignored; tests that are skipped
only because this is not a 32-bit build are run anyway (they only feed
pickles to loads).  The global RNG is reseeded before each test and the
script re-executes itself with PYTHONHASHSEED=0, so the output is stable.

Added to that: every module-level bytes constant of test.pickletester
(DATA0..DATA4, DATA_SET, DATA_XRANGE, DATA_COOKIE, DATA_SET2, DATA_UEERR,
exception_pickle) and every proper prefix of each of them (truncations).

Identical (data, kwargs) pairs are kept once, with the first source.

How each input is judged
------------------------
1. ``_pickle.loads(data, **kwargs)``: ``accept`` or ``reject`` (exception
   class name and message).
2. For rejected inputs, the load is repeated with a subclass of the C
   Unpickler whose ``find_class`` returns a permissive stub (a class -- so
   NEWOBJ/NEWOBJ_EX work -- that can be called with any arguments, returns
   new stubs, and accepts BUILD/append/extend/add/item assignment, also on
   the class itself), whose ``persistent_load`` returns a stub (and, if
   that fails and the data has PERSID/BINPERSID, once more returning the
   persistent id itself), and with any extension code the data uses
   temporarily registered.  If such a load succeeds, the failure came from
   executing the pickle's references (importing a module, looking up a
   name, calling a callable the data names, a missing persistent_load or
   extension registration): ``cause = "exec"``.  Otherwise the bytes are bad
   for CPython whatever the globals resolve to: ``cause = "format"``.
   Limitation: globals are modelled as permissive classes, so data that
   would need a global to *be* some other kind of value (say a tuple used
   as REDUCE arguments) is classified "format"; the CPython tests contain
   no such input.
   Out-of-band data without a ``buffers`` argument, stack/mark/memo errors,
   truncation, bad protocol numbers, bad quoting etc. are all "format".

Output: JSON lines, one object per distinct input::

    {"data_hex": "...",            the pickle bytes
     "kwargs": {...},              keyword arguments of the load: encoding,
                                   errors, fix_imports as given; "buffers":
                                   null, a list of hex strings, or
                                   "<non-iterable object>"; "persistent_load":
                                   "identity" when the test's unpickler had a
                                   persistent_load -- the load is then done
                                   (here too) with one that returns the
                                   persistent id itself
     "buffers_readonly": [bool],   only with a buffers list: which buffers
                                   are read-only (bytes) vs writable
                                   (bytearray)
     "outcome": "accept" | "reject",
     "cause": "format" | "exec" | null,
     "exc": "UnpicklingError" | ... | null,   exception class (real load)
     "msg": "..." | null,                     its message
     "stub_exc"/"stub_msg": ...,   only for "format" rejections where the
                                   stubbed load failed differently
     "needs_persistent_load": bool,  the data uses PERSID/BINPERSID
     "needs_buffers": bool,        the data uses out-of-band buffers
     "imports": ["module.name"],   only for "exec" rejections: the globals
                                   the stubbed load looked up (fix_imports
                                   mapping applied)
     "result_kind": "data" | "builtins" | "opaque",  see _kind()
     "result_repr": "...",         repr of the loaded value when accepted
                                   and short (<= 400 chars; addresses masked),
                                   else ""
     "source": "pickletester.AbstractUnpickleTests.test_bad_stack" | "pickletester.DATA0[:17]" | ...}

A summary (inputs from tests / from constants, counts by outcome and cause)
is printed at the end.  Runtime: about 10 s; the output is ~64 MB, mostly a
few multi-megabyte framing-test inputs (see --max-size).
"""

import argparse
import contextlib
import copyreg
import io
import json
import os
import pickle
import pickletools
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest
import warnings

import _pickle


def _ensure_hashseed():
    if os.environ.get("PYTHONHASHSEED") is None:
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable,
                  [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


# ----------------------------------------------------------------- recording

_C_LOADS = _pickle.loads
_C_UNPICKLER = _pickle.Unpickler

_records = {}          # (data, kwargs-json) -> entry
_order = []
_lock = threading.Lock()
_current_source = ["<setup>"]        # test (or constant) being processed


def _buffer_entry(b):
    with memoryview(b) as m:
        return {"hex": m.tobytes().hex(), "readonly": bool(m.readonly)}


def _prepare_kwargs(kwargs):
    """(json-able kwargs, kwargs to pass on to the real unpickler)."""
    jkw = {}
    passkw = dict(kwargs)
    for k, v in kwargs.items():
        if k == "buffers":
            if v is None:
                jkw[k] = None
                continue
            try:
                items = list(v)
            except TypeError:
                jkw[k] = "<non-iterable object>"
                continue
            passkw[k] = items
            try:
                jkw[k] = [_buffer_entry(b) for b in items]
            except TypeError:
                jkw[k] = "<non-buffer items>"
        elif isinstance(v, (str, bool, int, float)) or v is None:
            jkw[k] = v
        else:
            jkw[k] = "<%s>" % type(v).__name__
    return jkw, passkw


def _record(data, jkw):
    try:
        data = bytes(data)
    except TypeError:
        return
    key = (data, json.dumps(jkw, sort_keys=True))
    with _lock:
        entry = _records.get(key)
        if entry is None:
            _records[key] = {"data": data, "kwargs": jkw,
                             "source": _current_source[0]}
            _order.append(key)


def rec_loads(data, /, **kwargs):
    """Recording stand-in for pickle.loads (delegates to _pickle.loads)."""
    jkw, passkw = _prepare_kwargs(kwargs)
    _record(data, jkw)
    return _C_LOADS(data, **passkw)


class RecUnpickler(_C_UNPICKLER):
    """C Unpickler that records the bytes each load() consumes."""

    def __init__(self, file, **kwargs):
        jkw, passkw = _prepare_kwargs(kwargs)
        self._rec_file = file
        self._rec_kw = jkw
        super().__init__(file, **passkw)

    def _rec_kwargs(self):
        """The recorded kwargs, plus persistent_load if the test gave one."""
        kw = getattr(self, "_rec_kw", {})
        has = "persistent_load" in getattr(self, "__dict__", {})
        for klass in type(self).__mro__:
            if klass is RecUnpickler:
                break
            if "persistent_load" in klass.__dict__:
                has = True
        if has:
            kw = dict(kw, persistent_load="identity")
        return kw

    def load(self):
        f = getattr(self, "_rec_file", None)
        start = None
        if f is not None:
            try:
                start = f.tell()
            except Exception:
                start = None
        ok = False
        try:
            result = super().load()
            ok = True
            return result
        finally:
            if start is not None:
                try:
                    end = f.tell()
                    f.seek(start)
                    data = f.read(end - start) if ok else f.read()
                    f.seek(end)
                    _record(data, self._rec_kwargs())
                except Exception:
                    pass


def rec_load(file, **kwargs):
    """Recording stand-in for pickle.load."""
    return RecUnpickler(file, **kwargs).load()


# ------------------------------------------------------------ running tests

class _QuietResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n_failed = 0

    def startTest(self, test):
        super().startTest(test)
        _current_source[0] = _test_source(test)
        random.seed(0)
        if getattr(test, "_testMethodName", "") == "test_structseq":
            _freeze_structseq_sources(test)

    def addFailure(self, test, err):
        self.n_failed += 1

    def addError(self, test, err):
        self.n_failed += 1

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self.n_failed += 1


def _fixed_like(structseq):
    """A copy of a stat/statvfs/struct_time result with fixed field values."""
    cls, (seq, extra) = structseq.__reduce__()

    def fix(i, v):
        if isinstance(v, float):
            return 946684800.5 + i
        if isinstance(v, int):
            return 4096 + i
        return v
    seq = tuple(fix(i, v) for i, v in enumerate(seq))
    extra = {k: fix(i, v) for i, (k, v) in enumerate(sorted(extra.items()))}
    return cls(seq, extra)


def _freeze_structseq_sources(test):
    """test_structseq pickles time.localtime(), os.stat() and os.statvfs();
    make them return fixed values so the recorded pickles are stable."""
    saved = {}
    fixed_time = time.gmtime(946684800)

    def patch(mod, name, value):
        if hasattr(mod, name):
            saved[(mod, name)] = getattr(mod, name)
            setattr(mod, name, value)
    fixed_stat = _fixed_like(os.stat(os.curdir))
    patch(time, "localtime", lambda *a: fixed_time)
    patch(os, "stat", lambda *a, **k: fixed_stat)
    if hasattr(os, "statvfs"):
        fixed_vfs = _fixed_like(os.statvfs(os.curdir))
        patch(os, "statvfs", lambda *a, **k: fixed_vfs)

    def restore():
        for (mod, name), value in saved.items():
            setattr(mod, name, value)
    test.addCleanup(restore)


def _test_source(test):
    """'<module>.<Class>.<method>' of the test function actually run."""
    name = getattr(test, "_testMethodName", None)
    if name is None:
        return str(test)
    fn = getattr(type(test), name, None)
    mod = getattr(fn, "__module__", None)
    qual = getattr(fn, "__qualname__", None)
    if mod and qual:
        return "%s.%s" % (mod.rsplit(".", 1)[-1], qual)
    return "%s.%s" % (type(test).__qualname__, name)


def _unskip_32bit_only(cls):
    """Run tests skipped only because this is not a 32-bit build."""
    for name in dir(cls):
        if not name.startswith("test"):
            continue
        fn = getattr(cls, name, None)
        why = getattr(fn, "__unittest_skip_why__", "") or ""
        if getattr(fn, "__unittest_skip__", False) and "32-bit" in why \
                and hasattr(fn, "__wrapped__"):
            setattr(cls, name, fn.__wrapped__)
    return cls


def _build_test_classes():
    from test import test_pickle as tp
    from test import test_pickletools as tpt

    rl = staticmethod(rec_loads)
    classes = []

    def add(name, base, **attrs):
        cls = type(name, (base,), attrs)
        cls.__module__ = __name__
        classes.append(_unskip_32bit_only(cls))

    # Hand-written unpickler inputs first, so they get the most specific source.
    add("R_CUnpicklerTests", tp.CUnpicklerTests, unpickler=RecUnpickler)
    add("R_InMemoryPickleTests", tp.InMemoryPickleTests, loads=rl)
    add("R_CPicklerTests", tp.CPicklerTests, unpickler=RecUnpickler)
    add("R_PyPicklerTests", tp.PyPicklerTests, unpickler=RecUnpickler)
    add("R_DumpPickle_CLoadPickle", tp.DumpPickle_CLoadPickle,
        unpickler=RecUnpickler)
    add("R_OptimizedPickleTests", tpt.OptimizedPickleTests, loads=rl)
    add("R_CPickleTests", tp.CPickleTests, loads=rl,
        load=staticmethod(rec_load), Unpickler=RecUnpickler)
    add("R_CPersPicklerTests", tp.CPersPicklerTests, unpickler=RecUnpickler)
    add("R_PyPersPicklerTests", tp.PyPersPicklerTests, unpickler=RecUnpickler)
    add("R_CIdPersPicklerTests", tp.CIdPersPicklerTests, unpickler=RecUnpickler)
    add("R_PyIdPersPicklerTests", tp.PyIdPersPicklerTests,
        unpickler=RecUnpickler)
    add("R_CPicklerUnpicklerObjectTests", tp.CPicklerUnpicklerObjectTests,
        unpickler_class=RecUnpickler)
    add("R_PyPicklerUnpicklerObjectTests", tp.PyPicklerUnpicklerObjectTests,
        unpickler_class=RecUnpickler)
    # These call pickle.loads directly (patched while the tests run).
    add("R_CPicklerHookTests", tp.CPicklerHookTests)
    add("R_PyPicklerHookTests", tp.PyPicklerHookTests)
    add("R_CDispatchTableTests", tp.CDispatchTableTests)
    add("R_PyDispatchTableTests", tp.PyDispatchTableTests)
    add("R_CChainDispatchTableTests", tp.CChainDispatchTableTests)
    return classes


def run_cpython_tests(verbose=False):
    classes = _build_test_classes()
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for cls in classes:
        suite.addTests(loader.loadTestsFromTestCase(cls))
    result = _QuietResult()
    saved = (pickle.loads, pickle.load)
    cwd = os.getcwd()
    tmp = tempfile.mkdtemp(prefix="brinery_cpython_inputs_")
    devnull = open(os.devnull, "w")
    try:
        os.chdir(tmp)           # tests create files named after TESTFN
        pickle.loads = rec_loads
        pickle.load = rec_load
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if verbose:
                suite.run(result)
            else:
                with contextlib.redirect_stdout(devnull), \
                        contextlib.redirect_stderr(devnull):
                    suite.run(result)
    finally:
        pickle.loads, pickle.load = saved
        os.chdir(cwd)
        shutil.rmtree(tmp, ignore_errors=True)
        devnull.close()
        _current_source[0] = "<after tests>"
    return result


def add_module_constants():
    from test import pickletester as pt
    for name in sorted(vars(pt)):
        value = getattr(pt, name)
        if not isinstance(value, bytes) or name.startswith("_"):
            continue
        _current_source[0] = "pickletester.%s" % name
        _record(value, {})
        for k in range(len(value)):
            _current_source[0] = "pickletester.%s[:%d]" % (name, k)
            _record(value[:k], {})


# ----------------------------------------------------------------- judging

def _stub_any(*args, **kwargs):
    return None


def _stub_extend(*args, **kwargs):
    for a in args[-1:]:
        for _ in a:
            pass


def _stub_call(*args, **kwargs):
    return _new_stub()


class _StubMeta(type):
    """Metaclass: a stub class behaves like a permissive object, too."""
    __call__ = _stub_call
    __setstate__ = _stub_any
    __setitem__ = _stub_any
    append = _stub_any
    add = _stub_any
    extend = _stub_extend

    def __repr__(cls):
        return "<stub>"


def _stub_init(self, *args, **kwargs):
    pass


def _stub_instance_repr(self):
    return "<stub instance>"


_STUB_DICT = {
    "__init__": _stub_init,
    "__call__": _stub_call,
    "__setstate__": _stub_any,
    "__setitem__": _stub_any,
    "append": _stub_any,
    "add": _stub_any,
    "extend": _stub_extend,
    "__repr__": _stub_instance_repr,
}


def _new_stub():
    return _StubMeta("Stub", (), dict(_STUB_DICT))


class IdentityPersUnpickler(_C_UNPICKLER):
    """The real unpickler, with persistent_load returning the id itself."""

    def persistent_load(self, pid):
        return pid


def _real_load(data, jkw):
    if "persistent_load" in jkw:
        return IdentityPersUnpickler(io.BytesIO(data), **_replay_kwargs(jkw)).load()
    return _C_LOADS(data, **_replay_kwargs(jkw))


class StubUnpickler(_C_UNPICKLER):
    """find_class -> a fresh stub; persistent_load -> a stub."""

    def find_class(self, module, name):
        _IMPORTS.add(_fixed_name(module, name))
        return _new_stub()

    def persistent_load(self, pid):
        return _new_stub()


_IMPORTS = set()   # "module.name" of every global a stubbed load looked up


def _fixed_name(module, name):
    """module.name as pickle's find_class maps Python 2 names (fix_imports)."""
    import _compat_pickle
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return module + "." + name


class StubIdentityUnpickler(StubUnpickler):
    """Same, but persistent_load returns the persistent id itself."""

    def persistent_load(self, pid):
        return pid


_EXT_RE = re.compile(r"unregistered extension code (-?\d+)")


def _replay_kwargs(jkw):
    """Keyword arguments for the C Unpickler (persistent_load is not one)."""
    kw = {}
    for k, v in jkw.items():
        if k == "persistent_load":
            continue
        if k == "buffers":
            if isinstance(v, list):
                kw[k] = [bytes.fromhex(b["hex"]) if b["readonly"]
                         else bytearray.fromhex(b["hex"]) for b in v]
            elif v is None:
                kw[k] = None
            else:
                kw[k] = object()
        else:
            kw[k] = v
    return kw


def _stub_load(data, jkw, uses_persid=False):
    """Load with stubbed globals; returns None or the exception.

    When the data uses persistent ids, persistent_load returning a stub and
    persistent_load returning the id itself are both tried (a real
    persistent_load may return anything); success with either counts.
    """
    err = _stub_load_with(StubUnpickler, data, jkw)
    if err is not None and uses_persid:
        if _stub_load_with(StubIdentityUnpickler, data, jkw) is None:
            return None
    return err


def _stub_load_with(unpickler_class, data, jkw):
    added = []
    try:
        for _ in range(16):
            try:
                unpickler_class(io.BytesIO(data), **_replay_kwargs(jkw)).load()
                return None
            except ValueError as e:
                m = _EXT_RE.search(str(e))
                if not m:
                    return e
                code = int(m.group(1))
                if code in copyreg._inverted_registry:
                    return e
                copyreg._inverted_registry[code] = ("brinery_stub", "stub%d" % code)
                added.append(code)
            except Exception as e:
                return e
        return ValueError("too many extension codes")
    finally:
        for code in added:
            copyreg._inverted_registry.pop(code, None)
            copyreg._extension_cache.pop(code, None)


def _opcodes_used(data):
    """Names of the opcodes pickletools can parse in data (up to an error)."""
    names = set()
    try:
        for op, _arg, _pos in pickletools.genops(data):
            names.add(op.name)
    except Exception:
        pass
    return names


_ADDR_RE = re.compile(r"0x[0-9a-fA-F]{6,}")


import builtins as _builtins
import collections as _collections
import datetime as _datetime
import decimal as _decimal
import fractions as _fractions
import uuid as _uuid

# Types whose repr brinery reproduces from the data alone: the builtin data
# types and the standard-library values brinery has typed views for.
_DATA_TYPES = {
    type(None), bool, int, float, complex, str, bytes, bytearray, list,
    tuple, dict, set, frozenset, range, slice, type(Ellipsis),
    type(NotImplemented),
    _datetime.date, _datetime.time, _datetime.datetime, _datetime.timedelta,
    _datetime.timezone, _decimal.Decimal, _fractions.Fraction, _uuid.UUID,
    _collections.OrderedDict, _collections.Counter, _collections.deque,
}


def _kind(obj):
    """How brinery can print the loaded value: "data" (only builtin data
    types and typed stdlib values), "builtins" (also objects of the builtins
    module: classes, functions, exception instances -- known without
    importing), or "opaque" (objects of classes Python had to import;
    brinery shows those as their reductions)."""
    kind = "data"
    stack, seen = [obj], set()
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        t = type(o)
        if t in _DATA_TYPES:
            if t in (list, tuple, set, frozenset, _collections.deque):
                stack.extend(o)
            elif t in (dict, _collections.OrderedDict, _collections.Counter):
                stack.extend(o.keys())
                stack.extend(o.values())
            elif t is slice:
                stack.extend((o.start, o.stop, o.step))
            elif t in (_datetime.datetime, _datetime.time) and o.tzinfo is not None:
                stack.append(o.tzinfo)
            continue
        if isinstance(o, type) and getattr(o, "__module__", None) == "builtins" \
                and getattr(_builtins, o.__name__, None) is o:
            kind = "builtins"
            continue
        if t.__module__ == "builtins" and getattr(_builtins, t.__name__, None) is t \
                and isinstance(o, BaseException):
            kind = "builtins"
            stack.extend(o.args)
            continue
        if t.__name__ == "builtin_function_or_method" \
                and getattr(o, "__self__", None) is _builtins:
            kind = "builtins"
            continue
        return "opaque"
    return kind


def _cheap_repr(obj, data_len):
    if data_len > 20000:
        return ""
    try:
        r = repr(obj)
    except Exception:
        return ""
    if len(r) > 400:
        return ""
    return _ADDR_RE.sub("0x?", r)


def _msg(e):
    try:
        return str(e)
    except Exception:
        return "<unprintable>"


def judge(entry):
    data = entry["data"]
    jkw = entry["kwargs"]
    okw = dict(jkw)
    if isinstance(okw.get("buffers"), list):
        okw["buffers"] = [b["hex"] for b in jkw["buffers"]]
    out = {
        "data_hex": data.hex(),
        "kwargs": okw,
        "outcome": None,
        "cause": None,
        "exc": None,
        "msg": None,
        "needs_persistent_load": False,
        "needs_buffers": False,
        "result_repr": "",
        "source": entry["source"],
    }
    ops = _opcodes_used(data)
    try:
        obj = _real_load(data, jkw)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        out["outcome"] = "reject"
        out["exc"] = type(e).__name__
        out["msg"] = _msg(e)
        _IMPORTS.clear()
        stub_err = _stub_load(data, jkw, bool(ops & {"PERSID", "BINPERSID"}))
        if stub_err is None:
            out["cause"] = "exec"
            out["imports"] = sorted(_IMPORTS)
        else:
            out["cause"] = "format"
            if (type(stub_err).__name__ != out["exc"]
                    or _msg(stub_err) != out["msg"]):
                out["stub_exc"] = type(stub_err).__name__
                out["stub_msg"] = _msg(stub_err)
    else:
        out["outcome"] = "accept"
        out["result_repr"] = _cheap_repr(obj, len(data))
        out["result_kind"] = _kind(obj)
        del obj
    out["needs_persistent_load"] = bool(ops & {"PERSID", "BINPERSID"})
    out["needs_buffers"] = "NEXT_BUFFER" in ops
    if isinstance(jkw.get("buffers"), list):
        out["buffers_readonly"] = [b["readonly"] for b in jkw["buffers"]]
    return out


# -------------------------------------------------------------------- main

def _limit_memory(mb):
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or soft > want:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--verbose", action="store_true",
                    help="let the CPython tests print to stdout/stderr")
    ap.add_argument("--max-size", type=int, default=0, metavar="BYTES",
                    help="leave out inputs longer than BYTES (default 0: keep "
                         "all; the framing tests feed a few inputs of 1-3 MB)")
    ap.add_argument("--mem-limit-mb", type=int, default=16384,
                    help="address-space limit for this process (default 16384; "
                         "0: none), so that LONG_BINPUT 0xffffffff (the C "
                         "unpickler grows its memo to 2**33 entries and "
                         "zero-fills them) fails with MemoryError instead of "
                         "eating the machine.  Keep it above ~5 GiB: the C "
                         "unpickler allocates the declared length of "
                         "BINBYTES/BINBYTES8/BYTEARRAY8 (up to 2**32+4 in the "
                         "tests) before it notices the data is truncated.")
    args = ap.parse_args(argv)
    if args.mem_limit_mb:
        _limit_memory(args.mem_limit_mb)

    t0 = time.time()
    result = run_cpython_tests(args.verbose)
    t1 = time.time()
    n_from_tests = len(_order)
    add_module_constants()
    n_total = len(_order)

    counts = {}
    n_big = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for key in _order:
            if args.max_size and len(key[0]) > args.max_size:
                n_big += 1
                continue
            rec = judge(_records[key])
            f.write(json.dumps(rec, ensure_ascii=True, sort_keys=False))
            f.write("\n")
            k = (rec["outcome"], rec["cause"])
            counts[k] = counts.get(k, 0) + 1
    t2 = time.time()

    print("cpython_inputs: ran %d CPython test methods (%d failures/errors "
          "ignored) in %.1fs" % (result.testsRun, result.n_failed, t1 - t0))
    print("cpython_inputs: %d distinct inputs (%d from tests, %d more from "
          "module constants and their truncations)"
          % (n_total, n_from_tests, n_total - n_from_tests))
    for (outcome, cause), n in sorted(counts.items(), key=lambda x: (x[0][0], str(x[0][1]))):
        print("  %-7s %-7s %6d" % (outcome, cause or "-", n))
    if n_big:
        print("cpython_inputs: left out %d inputs longer than %d bytes"
              % (n_big, args.max_size))
    print("cpython_inputs: %d records written in %.1fs -> %s"
          % (sum(counts.values()), t2 - t1, args.out))
    return 0


if __name__ == "__main__":
    _ensure_hashseed()
    sys.exit(main())
