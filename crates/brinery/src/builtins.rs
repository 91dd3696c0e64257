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
    fn functions_sorted() {
        assert!(super::FUNCTIONS.windows(2).all(|w| w[0] < w[1]));
    }
}
