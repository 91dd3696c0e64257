//! Python 2 <-> 3 global-name mapping used by pickle when fix_imports is
//! on and the protocol is below 3 (the tables of `_compat_pickle`, generated
//! into `compat/tables.rs` by `scripts/gen_compat.py`).

mod tables;

use tables::{IMPORT_MAPPING, NAME_MAPPING, REVERSE_IMPORT_MAPPING, REVERSE_NAME_MAPPING};

/// `(module, name)` in a sorted four-column table.
fn find_pair(
    table: &'static [(&'static str, &'static str, &'static str, &'static str)],
    module: &str,
    name: &str,
) -> Option<(&'static str, &'static str)> {
    table
        .binary_search_by(|&(m, n, _, _)| (m, n).cmp(&(module, name)))
        .ok()
        .map(|i| (table[i].2, table[i].3))
}

/// `module` in a sorted two-column table.
fn find_module(
    table: &'static [(&'static str, &'static str)],
    module: &str,
) -> Option<&'static str> {
    table
        .binary_search_by(|&(m, _)| m.cmp(module))
        .ok()
        .map(|i| table[i].1)
}

/// The renaming the unpickler applies to a `GLOBAL`/`STACK_GLOBAL`
/// `(module, name)` when the pickle's protocol is below 3 and fix_imports
/// is on, exactly as CPython's `Unpickler.find_class` (pickle.py and
/// `_pickle.c` alike): first `NAME_MAPPING[(module, name)]`, which replaces
/// both; only if that has no entry, `IMPORT_MAPPING[module]`, which
/// replaces the module and keeps the name. `None` when neither applies (the
/// pair is used as it is).
///
/// The mapped module always comes from the table (`'static`); the name is
/// either from the table or the caller's own `name`, hence `&'a str`.
pub(crate) fn py2_to_py3<'a>(module: &str, name: &'a str) -> Option<(&'static str, &'a str)> {
    if let Some(pair) = find_pair(&NAME_MAPPING, module, name) {
        return Some(pair);
    }
    find_module(&IMPORT_MAPPING, module).map(|m| (m, name))
}

/// The renaming the pickler applies to a global written with `GLOBAL` at
/// protocol 0-2 when fix_imports is on, exactly as CPython's
/// `Pickler.save_global` (pickle.py) and `fix_imports` (`_pickle.c`): first
/// `REVERSE_NAME_MAPPING[(module, name)]`, which replaces both; only if
/// that has no entry, `REVERSE_IMPORT_MAPPING[module]`, which replaces the
/// module and keeps the name. `None` when neither applies.
///
/// CPython applies this after resolving dotted qualnames (which protocols
/// below 4 write as `getattr(parent, last)`), so `name` here is the plain
/// name written on the `GLOBAL` line.
pub(crate) fn py3_to_py2<'a>(module: &str, name: &'a str) -> Option<(&'static str, &'a str)> {
    if let Some(pair) = find_pair(&REVERSE_NAME_MAPPING, module, name) {
        return Some(pair);
    }
    find_module(&REVERSE_IMPORT_MAPPING, module).map(|m| (m, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_pairs(t: &[(&str, &str, &str, &str)]) -> bool {
        t.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
    }

    fn sorted_modules(t: &[(&str, &str)]) -> bool {
        t.windows(2).all(|w| w[0].0 < w[1].0)
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(sorted_pairs(&NAME_MAPPING));
        assert!(sorted_pairs(&REVERSE_NAME_MAPPING));
        assert!(sorted_modules(&IMPORT_MAPPING));
        assert!(sorted_modules(&REVERSE_IMPORT_MAPPING));
    }

    #[test]
    fn every_entry_is_found() {
        for &(m, n, vm, vn) in NAME_MAPPING.iter() {
            assert_eq!(py2_to_py3(m, n), Some((vm, vn)));
        }
        for &(m, n, vm, vn) in REVERSE_NAME_MAPPING.iter() {
            assert_eq!(py3_to_py2(m, n), Some((vm, vn)));
        }
    }

    /// `(direction, module, name, expected)`: `true` for Python 2 -> 3.
    type Case = (
        bool,
        &'static str,
        &'static str,
        Option<(&'static str, &'static str)>,
    );

    #[rustfmt::skip]
    const KNOWN: &[Case] = &[
        // Only IMPORT_MAPPING knows copy_reg: the name is kept.
        (true, "copy_reg", "_reconstructor", Some(("copyreg", "_reconstructor"))),
        (true, "__builtin__", "set", Some(("builtins", "set"))),
        (true, "__builtin__", "xrange", Some(("builtins", "range"))),
        (true, "__builtin__", "unicode", Some(("builtins", "str"))),
        (true, "exceptions", "StandardError", Some(("builtins", "Exception"))),
        (true, "exceptions", "ValueError", Some(("builtins", "ValueError"))),
        (true, "UserDict", "IterableUserDict", Some(("collections", "UserDict"))),
        (true, "UserDict", "UserDict", Some(("collections", "UserDict"))),
        // NAME_MAPPING wins over IMPORT_MAPPING for the same module.
        (true, "itertools", "izip", Some(("builtins", "zip"))),
        (true, "itertools", "chain", None),
        (true, "copyreg", "_reconstructor", None),
        (true, "builtins", "set", None),
        (true, "", "", None),
        (false, "copyreg", "_reconstructor", Some(("copy_reg", "_reconstructor"))),
        (false, "builtins", "set", Some(("__builtin__", "set"))),
        (false, "builtins", "range", Some(("__builtin__", "xrange"))),
        (false, "builtins", "str", Some(("__builtin__", "unicode"))),
        (false, "builtins", "ValueError", Some(("exceptions", "ValueError"))),
        (false, "collections", "UserDict", Some(("UserDict", "IterableUserDict"))),
        (false, "_functools", "reduce", Some(("__builtin__", "reduce"))),
        (false, "copy_reg", "_reconstructor", None),
        (false, "collections", "OrderedDict", None),
    ];

    #[test]
    fn known_entries() {
        for &(to3, m, n, want) in KNOWN {
            let got = if to3 {
                py2_to_py3(m, n)
            } else {
                py3_to_py2(m, n)
            };
            assert_eq!(got, want, "{m}.{n}");
        }
    }
}
