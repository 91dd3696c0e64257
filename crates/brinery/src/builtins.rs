//! The `builtins` module's own names, known without importing anything, so
//! that NEWOBJ and REDUCE of them behave as in CPython's `_pickle` (3.11):
//! `NEWOBJ` of a builtin function or constant is refused with CPython's
//! message, and `int()`, `str()`, `list()`, ... made by `NEWOBJ` or
//! `REDUCE` with no arguments are the empty values they make in Python.

use crate::value::{Buf, Node};

/// Functions of `builtins` (`builtin_function_or_method`), sorted.
const FUNCTIONS: &[&str] = &[
    "__build_class__",
    "__import__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "breakpoint",
    "callable",
    "chr",
    "compile",
    "delattr",
    "dir",
    "divmod",
    "eval",
    "exec",
    "format",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "locals",
    "max",
    "min",
    "next",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "repr",
    "round",
    "setattr",
    "sorted",
    "sum",
    "vars",
];

/// The classes of `builtins` (CPython 3.11): name, `__name__` (the
/// aliases `IOError` and `EnvironmentError` are `OSError`), and whether it
/// is an exception class. Sorted by name.
const TYPES: &[(&str, &str, bool)] = &[
    ("ArithmeticError", "ArithmeticError", true),
    ("AssertionError", "AssertionError", true),
    ("AttributeError", "AttributeError", true),
    ("BaseException", "BaseException", true),
    ("BaseExceptionGroup", "BaseExceptionGroup", true),
    ("BlockingIOError", "BlockingIOError", true),
    ("BrokenPipeError", "BrokenPipeError", true),
    ("BufferError", "BufferError", true),
    ("BytesWarning", "BytesWarning", true),
    ("ChildProcessError", "ChildProcessError", true),
    ("ConnectionAbortedError", "ConnectionAbortedError", true),
    ("ConnectionError", "ConnectionError", true),
    ("ConnectionRefusedError", "ConnectionRefusedError", true),
    ("ConnectionResetError", "ConnectionResetError", true),
    ("DeprecationWarning", "DeprecationWarning", true),
    ("EOFError", "EOFError", true),
    ("EncodingWarning", "EncodingWarning", true),
    ("EnvironmentError", "OSError", true),
    ("Exception", "Exception", true),
    ("ExceptionGroup", "ExceptionGroup", true),
    ("FileExistsError", "FileExistsError", true),
    ("FileNotFoundError", "FileNotFoundError", true),
    ("FloatingPointError", "FloatingPointError", true),
    ("FutureWarning", "FutureWarning", true),
    ("GeneratorExit", "GeneratorExit", true),
    ("IOError", "OSError", true),
    ("ImportError", "ImportError", true),
    ("ImportWarning", "ImportWarning", true),
    ("IndentationError", "IndentationError", true),
    ("IndexError", "IndexError", true),
    ("InterruptedError", "InterruptedError", true),
    ("IsADirectoryError", "IsADirectoryError", true),
    ("KeyError", "KeyError", true),
    ("KeyboardInterrupt", "KeyboardInterrupt", true),
    ("LookupError", "LookupError", true),
    ("MemoryError", "MemoryError", true),
    ("ModuleNotFoundError", "ModuleNotFoundError", true),
    ("NameError", "NameError", true),
    ("NotADirectoryError", "NotADirectoryError", true),
    ("NotImplementedError", "NotImplementedError", true),
    ("OSError", "OSError", true),
    ("OverflowError", "OverflowError", true),
    (
        "PendingDeprecationWarning",
        "PendingDeprecationWarning",
        true,
    ),
    ("PermissionError", "PermissionError", true),
    ("ProcessLookupError", "ProcessLookupError", true),
    ("RecursionError", "RecursionError", true),
    ("ReferenceError", "ReferenceError", true),
    ("ResourceWarning", "ResourceWarning", true),
    ("RuntimeError", "RuntimeError", true),
    ("RuntimeWarning", "RuntimeWarning", true),
    ("StopAsyncIteration", "StopAsyncIteration", true),
    ("StopIteration", "StopIteration", true),
    ("SyntaxError", "SyntaxError", true),
    ("SyntaxWarning", "SyntaxWarning", true),
    ("SystemError", "SystemError", true),
    ("SystemExit", "SystemExit", true),
    ("TabError", "TabError", true),
    ("TimeoutError", "TimeoutError", true),
    ("TypeError", "TypeError", true),
    ("UnboundLocalError", "UnboundLocalError", true),
    ("UnicodeDecodeError", "UnicodeDecodeError", true),
    ("UnicodeEncodeError", "UnicodeEncodeError", true),
    ("UnicodeError", "UnicodeError", true),
    ("UnicodeTranslateError", "UnicodeTranslateError", true),
    ("UnicodeWarning", "UnicodeWarning", true),
    ("UserWarning", "UserWarning", true),
    ("ValueError", "ValueError", true),
    ("Warning", "Warning", true),
    ("ZeroDivisionError", "ZeroDivisionError", true),
    ("bool", "bool", false),
    ("bytearray", "bytearray", false),
    ("bytes", "bytes", false),
    ("classmethod", "classmethod", false),
    ("complex", "complex", false),
    ("dict", "dict", false),
    ("enumerate", "enumerate", false),
    ("filter", "filter", false),
    ("float", "float", false),
    ("frozenset", "frozenset", false),
    ("int", "int", false),
    ("list", "list", false),
    ("map", "map", false),
    ("memoryview", "memoryview", false),
    ("object", "object", false),
    ("property", "property", false),
    ("range", "range", false),
    ("reversed", "reversed", false),
    ("set", "set", false),
    ("slice", "slice", false),
    ("staticmethod", "staticmethod", false),
    ("str", "str", false),
    ("super", "super", false),
    ("tuple", "tuple", false),
    ("type", "type", false),
    ("zip", "zip", false),
];

fn type_entry(name: &str) -> Option<&'static (&'static str, &'static str, bool)> {
    TYPES
        .binary_search_by(|t| t.0.cmp(name))
        .ok()
        .map(|i| &TYPES[i])
}

/// How CPython's `repr` shows the object `builtins.<name>` stands for:
/// `<class 'int'>`, `<built-in function len>`, `None`, `Ellipsis`.
pub(crate) fn global_repr(name: &str) -> Option<String> {
    if let Some((_, canon, _)) = type_entry(name) {
        return Some(format!("<class '{canon}'>"));
    }
    if FUNCTIONS.binary_search(&name).is_ok() {
        return Some(format!("<built-in function {name}>"));
    }
    match name {
        "None" | "True" | "False" | "Ellipsis" | "NotImplemented" => Some(name.to_string()),
        _ => None,
    }
}

/// The `__name__` of `builtins.<name>` when it is an exception class.
pub(crate) fn exception_name(name: &str) -> Option<&'static str> {
    type_entry(name).filter(|t| t.2).map(|t| t.1)
}

/// The Python type of `builtins.<name>` when it is not a type (a function
/// or a constant of the module itself; the names `site` adds, such as
/// `exit` or `help`, are not known here).
pub(crate) fn non_type(name: &str) -> Option<&'static str> {
    if FUNCTIONS.binary_search(&name).is_ok() {
        return Some("builtin_function_or_method");
    }
    Some(match name {
        "None" => "NoneType",
        "True" | "False" | "__debug__" => "bool",
        "Ellipsis" => "ellipsis",
        "NotImplemented" => "NotImplementedType",
        "__doc__" | "__name__" | "__package__" => "str",
        _ => return None,
    })
}

/// What `builtins.<name>()` makes, for the value types the graph holds
/// natively (`bool`, `int`, `float`, `str`, `bytes`, `bytearray`, `list`,
/// `tuple`, `dict`, `set`, `frozenset`).
pub(crate) fn empty_value(name: &str) -> Option<Node<'static>> {
    Some(match name {
        "bool" => Node::Bool(false),
        "int" => Node::Int(0),
        "float" => Node::Float(0.0),
        "str" => Node::Str(Default::default()),
        "bytes" => Node::Bytes(Buf::Owned(Box::new([]))),
        "bytearray" => Node::ByteArray(Buf::Owned(Box::new([]))),
        "list" => Node::List(Vec::new()),
        "tuple" => Node::Tuple(Vec::new()),
        "dict" => Node::Dict(Default::default()),
        "set" => Node::Set(Default::default()),
        "frozenset" => Node::FrozenSet(Default::default()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_sorted() {
        assert!(super::FUNCTIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            super::global_repr("IOError").as_deref(),
            Some("<class 'OSError'>")
        );
        assert_eq!(
            super::global_repr("len").as_deref(),
            Some("<built-in function len>")
        );
    }
}
