"""The default safe set of globals (see docs/PYTHON.md).

``brinery.loads`` consults :data:`SAFE_NAMES` *before* anything is imported:
a global that is neither in this set nor allowed by ``allow=`` raises
``brinery.UnsafeError``. A name in the set is resolved by :func:`resolve`,
which imports only standard-library modules (or numpy, for the numpy
entries) and returns either the real class (when every call a pickle can
make on it only builds data) or a checking wrapper written here (when the
real callable could be steered into something else).

Objects built from this set never run code chosen by the pickle: the
wrappers check the types of what they receive and call the constructor
brinery chooses.
"""

import copyreg as _copyreg

# Classes whose constructor, ``__new__`` and ``__setstate__`` only build data.
_PLAIN = {
    # builtins (type objects and constants)
    "builtins.bool": ("builtins", "bool"),
    "builtins.int": ("builtins", "int"),
    "builtins.float": ("builtins", "float"),
    "builtins.complex": ("builtins", "complex"),
    "builtins.str": ("builtins", "str"),
    "builtins.bytes": ("builtins", "bytes"),
    "builtins.bytearray": ("builtins", "bytearray"),
    "builtins.list": ("builtins", "list"),
    "builtins.tuple": ("builtins", "tuple"),
    "builtins.dict": ("builtins", "dict"),
    "builtins.set": ("builtins", "set"),
    "builtins.frozenset": ("builtins", "frozenset"),
    "builtins.range": ("builtins", "range"),
    "builtins.slice": ("builtins", "slice"),
    "builtins.object": ("builtins", "object"),
    "builtins.Ellipsis": ("builtins", "Ellipsis"),
    "builtins.NotImplemented": ("builtins", "NotImplemented"),
    # datetime family
    "datetime.date": ("datetime", "date"),
    "datetime.time": ("datetime", "time"),
    "datetime.datetime": ("datetime", "datetime"),
    "datetime.timedelta": ("datetime", "timedelta"),
    "datetime.timezone": ("datetime", "timezone"),
    "zoneinfo.ZoneInfo": ("zoneinfo", "ZoneInfo"),
    # numbers and identifiers
    "decimal.Decimal": ("decimal", "Decimal"),
    "fractions.Fraction": ("fractions", "Fraction"),
    "uuid.UUID": ("uuid", "UUID"),
    "uuid.SafeUUID": ("uuid", "SafeUUID"),
    # collections
    "collections.OrderedDict": ("collections", "OrderedDict"),
    "collections.defaultdict": ("collections", "defaultdict"),
    "collections.Counter": ("collections", "Counter"),
    "collections.deque": ("collections", "deque"),
}

# numpy's reconstructors, under both package names pickles use: numpy 1.x
# writes `numpy.core`, numpy 2.x `numpy._core`.
_NUMPY_RECONSTRUCTORS = ("multiarray._reconstruct", "multiarray.scalar", "numeric._frombuffer")
_NUMPY = {"numpy.ndarray", "numpy.dtype"} | {
    "%s.%s" % (package, name) for package in ("numpy.core", "numpy._core") for name in _NUMPY_RECONSTRUCTORS
}

_WRAPPED = {
    "_codecs.encode",
    "copyreg._reconstructor",
    "builtins.getattr",
    "zoneinfo.ZoneInfo._unpickle",
}

#: Every global the default safe mode accepts (``"module.qualname"``).
SAFE_NAMES = frozenset(_PLAIN) | frozenset(_NUMPY) | frozenset(_WRAPPED)

_LATIN1 = ("latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1")


def _safe_encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as pickle uses it for bytes: str to latin-1 bytes."""
    if type(obj) is not str or type(encoding) is not str or encoding.lower() not in _LATIN1:
        raise _unsafe_call("_codecs.encode", "only _codecs.encode(str, 'latin1') is safe")
    if errors != "strict":
        raise _unsafe_call("_codecs.encode", "only the 'strict' error handler is safe")
    return obj.encode("latin-1")


_BASES = ("object", "int", "float", "complex", "str", "bytes", "tuple", "list", "dict", "set", "frozenset")


def _safe_reconstructor(cls, base, state):
    """``copyreg._reconstructor`` (protocols 0 and 1) over a builtin base.

    ``cls`` is an object the loader already let through (a safe-set class
    or one the caller allowed); ``base`` must be a builtin type.
    """
    import builtins

    if not isinstance(cls, type) or not any(base is getattr(builtins, b) for b in _BASES):
        raise _unsafe_call(
            "copyreg._reconstructor",
            "only classes over a builtin base are safe, not %r over %r" % (cls, base),
        )
    return _copyreg._reconstructor(cls, base, state)


def _safe_getattr(obj, name, *default):
    """``getattr`` only for the nested names of the safe set."""
    if default or type(name) is not str:
        raise _unsafe_call("builtins.getattr", "only getattr(cls, name) is safe")
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    key = "%s.%s.%s" % (mod, qual, name)
    if not isinstance(obj, type) or key not in SAFE_NAMES:
        raise _unsafe_call("builtins.getattr", "getattr -> %r is not in the safe set" % key)
    return resolve(key)


def _zoneinfo_unpickle(key, from_cache):
    import zoneinfo

    if type(key) is not str:
        raise _unsafe_call("zoneinfo.ZoneInfo._unpickle", "the key must be a str")
    return zoneinfo.ZoneInfo._unpickle(key, from_cache)


def _np_reconstruct(real):
    import numpy

    def _reconstruct(subtype, shape, dtype):
        if subtype is not numpy.ndarray:
            raise _unsafe_call(
                "numpy.core.multiarray._reconstruct",
                "only numpy.ndarray (not %r) is in the safe set" % (subtype,),
            )
        # numpy writes an empty shape here (the data comes with BUILD,
        # which checks its length): any other would allocate what the
        # pickle claims, not what it holds.
        if shape not in ((0,), 0):
            raise _unsafe_call(
                "numpy.core.multiarray._reconstruct",
                "only the empty shape numpy writes, not %r" % (shape,),
            )
        return real(subtype, shape, dtype)

    return _reconstruct


def _np_frombuffer():
    import numpy

    def _frombuffer(buf, dtype, shape, order):
        # brinery's own construction: a contiguous array over the buffer,
        # then the recorded shape and order (what numpy's helper does).
        if not isinstance(dtype, numpy.dtype) or dtype.hasobject:
            raise _unsafe_call("numpy._core.numeric._frombuffer", "object dtypes are not safe here")
        if type(order) is not str or order not in ("C", "F"):
            raise _unsafe_call("numpy._core.numeric._frombuffer", "order must be 'C' or 'F'")
        if isinstance(buf, memoryview) and not buf.contiguous:
            buf = buf.tobytes()
        return numpy.frombuffer(buf, dtype=dtype).reshape(shape, order=order)

    return _frombuffer


def _unsafe_call(name, why):
    from ._errors import UnsafeError

    return UnsafeError("%s: %s" % (name, why), name, None, None)


def _import(mod, name):
    import importlib

    obj = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def resolve(key):
    """The object brinery uses for the safe global ``key`` (a member of
    :data:`SAFE_NAMES`)."""
    if key in _PLAIN:
        return _import(*_PLAIN[key])
    if key == "_codecs.encode":
        return _safe_encode
    if key == "copyreg._reconstructor":
        return _safe_reconstructor
    if key == "builtins.getattr":
        return _safe_getattr
    if key == "zoneinfo.ZoneInfo._unpickle":
        return _zoneinfo_unpickle
    if key in _NUMPY:
        mod, _, name = key.rpartition(".")
        real = _import(mod, name)
        if name == "_reconstruct":
            return _np_reconstruct(real)
        if name == "_frombuffer":
            return _np_frombuffer()
        return real
    raise KeyError(key)
