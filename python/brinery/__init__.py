"""brinery: Python's pickle format, safe by default.

``loads``/``load``/``Unpickler`` build builtins and a documented safe set
(datetime family, Decimal, Fraction, UUID, collections, numpy arrays...)
and raise :class:`UnsafeError` for any other global *before* importing it;
``allow=`` trusts more. ``dumps``/``dump``/``Pickler`` write the same bytes
as :mod:`pickle`. ``scan`` reports what a pickle would do; ``parse`` decodes
it into a read-only graph without importing anything.
"""

import json as _json
import pickle as _pickle

from ._brinery import (
    DEFAULT_PROTOCOL as _CORE_DEFAULT_PROTOCOL,  # noqa: F401
    HIGHEST_PROTOCOL,
    Graph,
    Pickler,
    PicklerMemoProxy,
    Unpickler,
    UnpicklerMemoProxy,
    dump,
    dumps,
    load,
    loads,
    parse,
)
from ._brinery import scan as _scan
from ._errors import UnsafeError
from ._safe import SAFE_NAMES

DEFAULT_PROTOCOL = _pickle.DEFAULT_PROTOCOL
UnpicklingError = _pickle.UnpicklingError
PicklingError = _pickle.PicklingError

__all__ = [
    "DEFAULT_PROTOCOL",
    "HIGHEST_PROTOCOL",
    "SAFE_NAMES",
    "Finding",
    "Graph",
    "Pickler",
    "PicklerMemoProxy",
    "PicklingError",
    "ScanReport",
    "Unpickler",
    "UnpicklerMemoProxy",
    "UnpicklingError",
    "UnsafeError",
    "dump",
    "dumps",
    "load",
    "loads",
    "parse",
    "scan",
]

__version__ = "0.1.0"


class Finding:
    """One thing a load would do: ``kind``, ``name``, ``offset``, ``opcode``,
    ``severity``, ``explanation`` (and ``member``, ``count``)."""

    __slots__ = ("kind", "name", "offset", "opcode", "severity", "explanation", "member", "count")

    def __init__(self, d):
        self.kind = d.get("kind")
        self.name = d.get("name")
        self.offset = d.get("offset")
        self.opcode = d.get("opcode")
        self.severity = d.get("severity")
        self.explanation = d.get("explanation")
        self.member = d.get("member", "")
        self.count = d.get("count", 1)

    def __repr__(self):
        return "Finding(%s %s %r at %s %s)" % (
            self.severity,
            self.kind,
            self.name,
            self.offset,
            self.opcode,
        )


class ScanReport:
    """The result of :func:`scan`: ``verdict`` (``"safe"``, ``"unsafe"``,
    ``"unknown"``, ``"incomplete"``, ``"not-pickle"``), ``findings``,
    ``globals`` (the imported names among the findings), ``complete``,
    ``pickles``, ``bytes``, and ``to_json()``."""

    def __init__(self, text):
        self._json = _json.loads(text)
        self.verdict = self._json.get("verdict")
        self.complete = self._json.get("complete")
        self.pickles = self._json.get("pickles")
        self.bytes = self._json.get("bytes")
        self.path = self._json.get("path")
        self.findings = [Finding(f) for f in self._json.get("findings", [])]
        self._all_globals = None

    @property
    def globals(self):
        """The globals the data names: every one (allowed ones too) for
        bytes input; for a file, those among the findings."""
        if self._all_globals is not None:
            return list(self._all_globals)
        seen = []
        for f in self.findings:
            if f.kind in ("import", "extension") and f.name not in seen:
                seen.append(f.name)
        return seen

    def to_json(self):
        return _json.dumps(self._json)

    def __repr__(self):
        return "<brinery.ScanReport verdict=%s findings=%d>" % (self.verdict, len(self.findings))


def scan(path_or_bytes):
    """Scan a file (path) or bytes without running anything."""
    report = ScanReport(_scan(path_or_bytes))
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        # For bytes, also list every global (allowed ones too).
        try:
            names = [g[0] for g in parse(path_or_bytes).globals()]
        except UnpicklingError:
            names = None  # not a plain pickle (a container): findings only
        if names is not None:
            report._all_globals = list(dict.fromkeys(names))
    return report
