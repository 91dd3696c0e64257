import os
from typing import IO, Any, Callable, Iterable, Literal, Mapping, Optional, Sequence, Tuple, Union

from typing_extensions import TypedDict, Unpack

from pickle import PicklingError as PicklingError
from pickle import UnpicklingError as UnpicklingError

_Allow = Union[bool, str, Iterable[Union[str, object, Tuple[object, str]]], None]
_Buffer = Union[bytes, bytearray, memoryview]

HIGHEST_PROTOCOL: int
DEFAULT_PROTOCOL: int
SAFE_NAMES: frozenset[str]
__version__: str

class UnsafeError(UnpicklingError):
    global_name: Optional[str]
    offset: Optional[int]
    opcode: Optional[str]
    def __init__(
        self,
        message: str,
        global_name: Optional[str] = ...,
        offset: Optional[int] = ...,
        opcode: Optional[str] = ...,
    ) -> None: ...

class _LoadOptions(TypedDict, total=False):
    """The keyword arguments of `loads` and `load` (all optional; defaults:
    allow=(), encoding="ASCII", errors="strict", fix_imports=True,
    buffers=None, persistent_load=None, limits=None)."""

    allow: _Allow
    encoding: str
    errors: str
    fix_imports: bool
    buffers: Optional[Iterable[Any]]
    persistent_load: Optional[Callable[[Any], Any]]
    limits: Optional[Mapping[str, int]]

def loads(data: _Buffer, /, **options: Unpack[_LoadOptions]) -> Any: ...
def load(file: IO[bytes], /, **options: Unpack[_LoadOptions]) -> Any: ...
def dumps(
    obj: Any,
    protocol: Optional[int] = None,
    *,
    fix_imports: bool = True,
    buffer_callback: Optional[Callable[[Any], Any]] = None,
) -> bytes: ...
def dump(
    obj: Any,
    file: IO[bytes],
    protocol: Optional[int] = None,
    *,
    fix_imports: bool = True,
    buffer_callback: Optional[Callable[[Any], Any]] = None,
) -> None: ...

class PicklerMemoProxy:
    """A live view of a pickler's memo (as `_pickle`'s)."""
    def copy(self) -> dict[int, Tuple[int, Any]]: ...
    def clear(self) -> None: ...
    def __reduce__(self) -> Tuple[type, Tuple[dict[int, Tuple[int, Any]]]]: ...

class UnpicklerMemoProxy:
    """A live view of an unpickler's memo (as `_pickle`'s)."""
    def copy(self) -> dict[int, Any]: ...
    def clear(self) -> None: ...
    def __reduce__(self) -> Tuple[type, Tuple[dict[int, Any]]]: ...

class Pickler:
    fast: int
    bin: int
    @property
    def memo(self) -> PicklerMemoProxy: ...
    @memo.setter
    def memo(self, value: Union[PicklerMemoProxy, Mapping[Any, Tuple[int, Any]]]) -> None: ...
    dispatch_table: Mapping[type, Callable[[Any], Any]]
    def __init__(
        self,
        file: IO[bytes],
        protocol: Optional[int] = None,
        fix_imports: bool = True,
        *,
        buffer_callback: Optional[Callable[[Any], Any]] = None,
    ) -> None: ...
    def dump(self, obj: Any, /) -> None: ...
    def clear_memo(self) -> None: ...
    def persistent_id(self, obj: Any, /) -> Any: ...
    def reducer_override(self, obj: Any, /) -> Any: ...

class Unpickler:
    @property
    def memo(self) -> UnpicklerMemoProxy: ...
    @memo.setter
    def memo(self, value: Union[UnpicklerMemoProxy, Mapping[int, Any]]) -> None: ...
    def __init__(
        self,
        file: IO[bytes],
        *,
        fix_imports: bool = True,
        encoding: str = "ASCII",
        errors: str = "strict",
        buffers: Optional[Iterable[Any]] = None,
        allow: _Allow = ...,
        limits: Optional[Mapping[str, int]] = None,
    ) -> None: ...
    def load(self) -> Any: ...
    def find_class(self, module: str, name: str, /) -> Any: ...
    def persistent_load(self, pid: Any, /) -> Any: ...

class Finding:
    kind: str
    name: str
    offset: Optional[int]
    opcode: Optional[str]
    severity: Literal["info", "warning", "unknown", "unsafe"]
    explanation: str
    member: str
    count: int

class ScanReport:
    verdict: str
    complete: bool
    pickles: int
    bytes: int
    path: Optional[str]
    findings: list[Finding]
    @property
    def globals(self) -> list[str]: ...
    def to_json(self) -> str: ...

def scan(path_or_bytes: Union[str, os.PathLike[str], _Buffer]) -> ScanReport: ...

class Graph:
    @property
    def root(self) -> Any: ...
    def globals(self) -> list[Tuple[str, int, str]]: ...
    def to_python(self, *, allow: _Allow = ...) -> Any: ...
    def dumps(self, protocol: Optional[int] = None) -> bytes: ...
    def repr(self) -> str: ...
    def to_json(self) -> str: ...

def parse(data: _Buffer) -> Graph: ...
