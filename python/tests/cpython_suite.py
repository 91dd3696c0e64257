"""CPython's own pickle tests (``test.pickletester``) wired to brinery the
way ``Lib/test/test_pickle.py`` wires ``_pickle``.

The mode comes from the environment variable ``BRINERY_SUITE_MODE``:

``allow``  (default) ``allow=`` trusts the test module's classes and the
           standard-library modules the tests pickle (see ``ALLOW``).
``safe``   the default safe mode (no ``allow=``): tests that load a class of
           the test module must be refused with ``brinery.UnsafeError``.

Run it with ``python python/tests/run_cpython_suite.py`` (per-class counts).
"""

import collections
import io
import os
import pickle
import unittest

from test import pickletester as pt

import brinery

MODE = os.environ.get("BRINERY_SUITE_MODE", "allow")
if MODE not in ("allow", "safe"):
    raise SystemExit("BRINERY_SUITE_MODE must be 'allow' or 'safe', not %r" % MODE)

#: What the allow mode trusts: the test module (and ``__main__``), plus the
#: standard-library names the tests pickle on purpose (exceptions, getattr of
#: methods, functools.partial, copyreg's helpers, collections, io...).
ALLOW = [
    "test.pickletester.*",
    "__main__.*",
    "builtins.*",
    "copyreg.*",
    "collections.*",
    "functools.*",
    "_codecs.*",
    "codecs.*",
    "io.*",
    "_io.*",
    "operator.*",
    "pickle.*",
    "_pickle.*",
    "types.*",
    "datetime.*",
    "decimal.*",
    "fractions.*",
    "uuid.*",
    "weakref.*",
    "unittest.*",
    "exceptions.*",
    "array.*",
    "email.*",
    "sys.*",
    # test_compat_pickle/test_compat_unpickle, test_unpickle_from_2x,
    # test_builtin_types, test_structseq pickle these on purpose:
    "dbm.*",
    "http.*",
    "_frozen_importlib.*",
    "time.*",
    "os.*",
    "posix.*",
    "nt.*",
    "_compat_pickle.*",
    "math.*",  # test_load_global, test_find_class (3.13)
    "mödule.*",  # test_load_global (3.13): a fake module
    "__builtin__.*",  # test_find_class (3.13): fix_imports=False must fail to import it
]

if MODE == "allow":
    _ALLOW = ALLOW
else:
    _ALLOW = None


class BUnpickler(brinery.Unpickler):
    """brinery.Unpickler with the suite's ``allow=``."""

    def __init__(self, file, **kwargs):
        kwargs.setdefault("allow", _ALLOW)
        super().__init__(file, **kwargs)


def _loads(data, **kwargs):
    kwargs.setdefault("allow", _ALLOW)
    return brinery.loads(data, **kwargs)


def _load(file, **kwargs):
    kwargs.setdefault("allow", _ALLOW)
    return brinery.load(file, **kwargs)


class BPickleTests(pt.AbstractPickleModuleTests, unittest.TestCase):
    dump = staticmethod(brinery.dump)
    dumps = staticmethod(brinery.dumps)
    load = staticmethod(_load)
    loads = staticmethod(_loads)
    Pickler = brinery.Pickler
    Unpickler = BUnpickler


class BUnpicklerTests(pt.AbstractUnpickleTests, unittest.TestCase):
    unpickler = BUnpickler
    bad_stack_errors = (pickle.UnpicklingError,)
    truncated_errors = (pickle.UnpicklingError,)

    def loads(self, buf, **kwds):
        return self.unpickler(io.BytesIO(buf), **kwds).load()


class BPicklerTests(pt.AbstractPickleTests, unittest.TestCase):
    pickler = brinery.Pickler
    unpickler = BUnpickler

    def dumps(self, arg, proto=None, **kwargs):
        f = io.BytesIO()
        self.pickler(f, proto, **kwargs).dump(arg)
        return f.getvalue()

    def loads(self, buf, **kwds):
        return self.unpickler(io.BytesIO(buf), **kwds).load()


class _PersistentMixin:
    """Pickler/Unpickler subclasses that forward to the test's
    persistent_id/persistent_load (as test_pickle.py does for _pickle)."""

    def dumps(self, arg, proto=None):
        test = self

        class PersPickler(self.pickler):
            def persistent_id(self, obj):
                return test.persistent_id(obj)

        f = io.BytesIO()
        PersPickler(f, proto).dump(arg)
        return f.getvalue()

    def loads(self, buf, **kwds):
        test = self

        class PersUnpickler(self.unpickler):
            def persistent_load(self, pid):
                return test.persistent_load(pid)

        return PersUnpickler(io.BytesIO(buf), **kwds).load()


class BPersPicklerTests(
    pt.AbstractPersistentPicklerTests, _PersistentMixin, unittest.TestCase
):
    pickler = brinery.Pickler
    unpickler = BUnpickler


class BIdPersPicklerTests(
    pt.AbstractIdentityPersistentPicklerTests, _PersistentMixin, unittest.TestCase
):
    pickler = brinery.Pickler
    unpickler = BUnpickler


class BPicklerUnpicklerObjectTests(
    pt.AbstractPicklerUnpicklerObjectTests, unittest.TestCase
):
    pickler_class = brinery.Pickler
    unpickler_class = BUnpickler


class BDispatchTableTests(pt.AbstractDispatchTableTests, unittest.TestCase):
    pickler_class = brinery.Pickler

    def get_dispatch_table(self):
        return pickle.dispatch_table.copy()


class BChainDispatchTableTests(pt.AbstractDispatchTableTests, unittest.TestCase):
    pickler_class = brinery.Pickler

    def get_dispatch_table(self):
        return collections.ChainMap({}, pickle.dispatch_table)


class BPicklerHookTests(pt.AbstractHookTests, unittest.TestCase):
    class CustomBPicklerClass(brinery.Pickler, pt.AbstractCustomPicklerClass):
        pass

    pickler_class = CustomBPicklerClass


SUITE_CLASSES = [
    BPickleTests,
    BUnpicklerTests,
    BPicklerTests,
    BPersPicklerTests,
    BIdPersPicklerTests,
    BPicklerUnpicklerObjectTests,
    BDispatchTableTests,
    BChainDispatchTableTests,
    BPicklerHookTests,
]
