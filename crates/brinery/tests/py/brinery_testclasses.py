"""Ordinary Python classes whose instances the differential tests round-trip.

Used by values.py (which puts instances of these classes into ~10% of the
generated values) and, indirectly, by the pickles in the case files: every
pickle of such a value names this module (``brinery_testclasses``), so the
directory holding this file must be on ``sys.path``/``PYTHONPATH`` of any
Python process that loads those pickles (the scripts in this directory
arrange that for themselves).

Each class exercises a different way CPython's pickler reduces an object:

=====================  ==================================================
``Plain``              plain ``__dict__`` (copyreg.__newobj__ + BUILD with a
                       dict state; ``copyreg._reconstructor`` at protocol 0/1)
``Slotted``            ``__slots__`` only; state is ``(None, {slot: value})``
``SlottedWithDict``    ``__slots__`` plus ``__dict__``; state ``(dict, slots)``
``WithNewArgsEx``      ``__getnewargs_ex__`` with a keyword-only argument
                       (NEWOBJ_EX at protocol >= 4, ``functools.partial`` of
                       ``cls.__new__`` at protocol 2-3)
``WithNewArgs``        ``__getnewargs__`` (NEWOBJ at protocol >= 2)
``WithState``          ``__getstate__``/``__setstate__`` with a tuple state
``Reduced``            ``__reduce__`` -> ``(make_reduced, args)``
``ListWithAttrs``      list subclass; ``__reduce__`` returns a listitems
                       iterator (APPEND/APPENDS) and a dict state
``DictWithAttrs``      dict subclass; ``__reduce__`` returns a dictitems
                       iterator (SETITEM/SETITEMS) and a dict state
=====================  ==================================================

``make_recursive_plain()`` builds a ``Plain`` whose ``__dict__`` refers back
to the instance itself.

All classes define ``__eq__`` (same exact type and equal state; cycles are
handled co-inductively, i.e. a pair already being compared counts as equal)
and a deterministic ``__repr__`` (no memory addresses).  Instances are
unhashable; never use them as dict keys or set members.
"""

import reprlib
import threading

__all__ = [
    "Plain", "Slotted", "SlottedWithDict", "WithNewArgsEx", "WithNewArgs",
    "WithState", "Reduced", "make_reduced", "ListWithAttrs", "DictWithAttrs",
    "make_recursive_plain", "ALL_CLASSES",
]

# Pairs (id(a), id(b)) currently being compared by __eq__, per thread.
_eq_state = threading.local()


def _guarded_eq(a, b, compare):
    """Run compare() unless (a, b) is already being compared (then: equal)."""
    active = getattr(_eq_state, "active", None)
    if active is None:
        active = _eq_state.active = set()
    key = (id(a), id(b))
    if key in active:
        return True
    active.add(key)
    try:
        return compare()
    finally:
        active.discard(key)


def _slot_names(cls):
    """All slot names declared by cls and its bases, minus __dict__/__weakref__."""
    names = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return names


def _slot_state(obj):
    """{slot: value} for the slots of obj that are currently set."""
    state = {}
    for name in _slot_names(type(obj)):
        try:
            state[name] = getattr(obj, name)
        except AttributeError:
            pass
    return state


def _fmt_kwargs(pairs):
    return ", ".join("%s=%r" % (k, v) for k, v in pairs)


class _Base:
    """Equality by exact type + state; deterministic repr."""

    __slots__ = ()
    __hash__ = None

    def _state_for_eq(self):
        d = getattr(self, "__dict__", None)
        return (dict(d) if d is not None else None, _slot_state(self))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return _guarded_eq(self, other,
                           lambda: self._state_for_eq() == other._state_for_eq())

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    @reprlib.recursive_repr()
    def __repr__(self):
        d, s = self._state_for_eq()
        pairs = list(s.items()) + (list(d.items()) if d else [])
        return "%s(%s)" % (type(self).__name__, _fmt_kwargs(pairs))


class Plain(_Base):
    """Ordinary instance: all state lives in __dict__."""

    def __init__(self, **attrs):
        for k, v in attrs.items():
            setattr(self, k, v)


def make_recursive_plain(**attrs):
    """A Plain instance whose __dict__ refers to the instance itself."""
    p = Plain(**attrs)
    p.me = p
    p.also_me = [p, "tail"]
    return p


class Slotted(_Base):
    """__slots__ only; some slots may be left unset.

    Protocols 0 and 1 refuse slotted objects without a __getstate__, so one
    is provided; it returns the same ``(None, {slot: value})`` shape that
    object.__getstate__ produces at protocol >= 2, and there is no
    __setstate__, so the unpickler's default BUILD (setattr per slot) runs.
    """

    __slots__ = ("a", "b", "c")

    def __init__(self, **attrs):
        for k, v in attrs.items():
            setattr(self, k, v)

    def __getstate__(self):
        return (None, _slot_state(self))


class SlottedWithDict(_Base):
    """__slots__ plus a __dict__ (state is ``(dict or None, {slot: value})``)."""

    __slots__ = ("x", "y", "__dict__")

    def __init__(self, **attrs):
        for k, v in attrs.items():
            setattr(self, k, v)

    def __getstate__(self):
        return (self.__dict__ or None, _slot_state(self))


class WithNewArgsEx(_Base):
    """__new__ takes a positional and a keyword-only argument."""

    def __new__(cls, a, *, b):
        self = super().__new__(cls)
        self.a = a
        self.b = b
        return self

    def __getnewargs_ex__(self):
        return ((self.a,), {"b": self.b})


class WithNewArgs(_Base):
    """__new__ takes two positional arguments (via __getnewargs__)."""

    def __new__(cls, x, y):
        self = super().__new__(cls)
        self.x = x
        self.y = y
        return self

    def __getnewargs__(self):
        return (self.x, self.y)


class WithState(_Base):
    """Custom __getstate__/__setstate__ with a (never empty) tuple state."""

    def __init__(self, p, q, r):
        self.p = p
        self.q = q
        self.r = r

    def __getstate__(self):
        return ("WithState-v1", self.p, self.q, self.r)

    def __setstate__(self, state):
        tag, self.p, self.q, self.r = state
        if tag != "WithState-v1":
            raise ValueError("bad WithState state %r" % (tag,))


def make_reduced(a, b):
    """Module-level reconstructor used by Reduced.__reduce__."""
    return Reduced(a, b)


class Reduced(_Base):
    """__reduce__ returns (make_reduced, (a, b)); no state."""

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __reduce__(self):
        return (make_reduced, (self.a, self.b))


class _WithAttrs:
    """Shared by ListWithAttrs and DictWithAttrs: extra attributes given as
    keywords, kept in __dict__ and shown by repr."""

    __hash__ = None

    def __init__(self, items=(), **attrs):
        super().__init__(items)
        for k, v in attrs.items():
            setattr(self, k, v)

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    @reprlib.recursive_repr()
    def __repr__(self):
        return "%s(%s%s)" % (
            type(self).__name__,
            super().__repr__(),
            "".join(", %s=%r" % kv for kv in self.__dict__.items()))


class ListWithAttrs(_WithAttrs, list):
    """list subclass with extra attributes; __reduce__ yields listitems."""

    def __reduce__(self):
        return (ListWithAttrs, (), self.__dict__ or None, iter(self), None)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return _guarded_eq(self, other, lambda: (
            list.__eq__(self, other) and self.__dict__ == other.__dict__))


class DictWithAttrs(_WithAttrs, dict):
    """dict subclass with extra attributes; __reduce__ yields dictitems."""

    def __reduce__(self):
        return (DictWithAttrs, (), self.__dict__ or None, None,
                iter(self.items()))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return _guarded_eq(self, other, lambda: (
            list(self.items()) == list(other.items())
            and self.__dict__ == other.__dict__))


ALL_CLASSES = (Plain, Slotted, SlottedWithDict, WithNewArgsEx, WithNewArgs,
               WithState, Reduced, ListWithAttrs, DictWithAttrs)
