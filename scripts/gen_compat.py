#!/usr/bin/env python3
"""Generate crates/brinery/src/compat.rs from this Python's _compat_pickle.

Usage (from the repository root):

    python3 scripts/gen_compat.py            # rewrite the file
    python3 scripts/gen_compat.py --check    # exit 1 if the file is stale

The tables are data read from the running interpreter (CPython 3.11 was
used); the lookup code around them is brinery's own.
"""

import _compat_pickle
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "brinery", "src", "compat.rs")
COMMAND = "python3 scripts/gen_compat.py"


def key(s):
    # Rust orders &str by its UTF-8 bytes.
    return s.encode("utf-8")


def lit(s):
    assert isinstance(s, str)
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append("\\u{%x}" % ord(ch))
    return '"' + "".join(out) + '"'


def pair_table(name, doc, mapping):
    rows = []
    for (m, n), v in mapping.items():
        assert isinstance(v, tuple) and len(v) == 2, (m, n, v)
        rows.append((m, n, v[0], v[1]))
    rows.sort(key=lambda r: (key(r[0]), key(r[1])))
    lines = ["/// %s" % doc, "static %s: [(&str, &str, &str, &str); %d] = [" % (name, len(rows))]
    for m, n, vm, vn in rows:
        lines.append("    (%s, %s, %s, %s)," % (lit(m), lit(n), lit(vm), lit(vn)))
    lines.append("];")
    return "\n".join(lines)


def module_table(name, doc, mapping):
    rows = sorted(mapping.items(), key=lambda r: key(r[0]))
    lines = ["/// %s" % doc, "static %s: [(&str, &str); %d] = [" % (name, len(rows))]
    for m, v in rows:
        assert isinstance(v, str), (m, v)
        lines.append("    (%s, %s)," % (lit(m), lit(v)))
    lines.append("];")
    return "\n".join(lines)


CODE = r'''
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
fn find_module(table: &'static [(&'static str, &'static str)], module: &str) -> Option<&'static str> {
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
'''

TESTS = r'''
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

    #[test]
    fn py2_to_py3_known_entries() {
        // Only IMPORT_MAPPING knows copy_reg: the name is kept.
        assert_eq!(
            py2_to_py3("copy_reg", "_reconstructor"),
            Some(("copyreg", "_reconstructor"))
        );
        assert_eq!(py2_to_py3("__builtin__", "set"), Some(("builtins", "set")));
        assert_eq!(py2_to_py3("__builtin__", "xrange"), Some(("builtins", "range")));
        assert_eq!(py2_to_py3("__builtin__", "unicode"), Some(("builtins", "str")));
        assert_eq!(
            py2_to_py3("exceptions", "StandardError"),
            Some(("builtins", "Exception"))
        );
        assert_eq!(
            py2_to_py3("exceptions", "ValueError"),
            Some(("builtins", "ValueError"))
        );
        assert_eq!(
            py2_to_py3("UserDict", "IterableUserDict"),
            Some(("collections", "UserDict"))
        );
        assert_eq!(
            py2_to_py3("UserDict", "UserDict"),
            Some(("collections", "UserDict"))
        );
        // NAME_MAPPING wins over IMPORT_MAPPING for the same module.
        assert_eq!(py2_to_py3("itertools", "izip"), Some(("builtins", "zip")));
        assert_eq!(py2_to_py3("itertools", "chain"), None);
        assert_eq!(py2_to_py3("copyreg", "_reconstructor"), None);
        assert_eq!(py2_to_py3("builtins", "set"), None);
        assert_eq!(py2_to_py3("", ""), None);
    }

    #[test]
    fn py3_to_py2_known_entries() {
        assert_eq!(
            py3_to_py2("copyreg", "_reconstructor"),
            Some(("copy_reg", "_reconstructor"))
        );
        assert_eq!(py3_to_py2("builtins", "set"), Some(("__builtin__", "set")));
        assert_eq!(py3_to_py2("builtins", "range"), Some(("__builtin__", "xrange")));
        assert_eq!(py3_to_py2("builtins", "str"), Some(("__builtin__", "unicode")));
        assert_eq!(
            py3_to_py2("builtins", "ValueError"),
            Some(("exceptions", "ValueError"))
        );
        assert_eq!(
            py3_to_py2("collections", "UserDict"),
            Some(("UserDict", "UserDict"))
        );
        assert_eq!(
            py3_to_py2("_functools", "reduce"),
            Some(("__builtin__", "reduce"))
        );
        assert_eq!(py3_to_py2("copy_reg", "_reconstructor"), None);
        assert_eq!(py3_to_py2("collections", "OrderedDict"), None);
    }
}
'''


def render():
    m = _compat_pickle
    parts = [
        "// @generated by `%s` from CPython %s's `_compat_pickle`." % (COMMAND, sys.version.split()[0]),
        "// Do not edit by hand: change the script and run it again.",
        "",
        "//! Python 2 <-> 3 global-name mapping used by pickle when fix_imports is",
        "//! on and the protocol is below 3 (the tables of `_compat_pickle`).",
        "",
        pair_table("NAME_MAPPING", "`_compat_pickle.NAME_MAPPING`: Python 2 `(module, name)` -> Python 3, sorted.", m.NAME_MAPPING),
        "",
        module_table("IMPORT_MAPPING", "`_compat_pickle.IMPORT_MAPPING`: Python 2 module -> Python 3, sorted.", m.IMPORT_MAPPING),
        "",
        pair_table("REVERSE_NAME_MAPPING", "`_compat_pickle.REVERSE_NAME_MAPPING`: Python 3 `(module, name)` -> Python 2, sorted.", m.REVERSE_NAME_MAPPING),
        "",
        module_table("REVERSE_IMPORT_MAPPING", "`_compat_pickle.REVERSE_IMPORT_MAPPING`: Python 3 module -> Python 2, sorted.", m.REVERSE_IMPORT_MAPPING),
        CODE.rstrip("\n"),
        TESTS.rstrip("\n"),
        "",
    ]
    return "\n".join(parts)


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        try:
            with open(OUT, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = None
        if old != text:
            print("%s is stale: run %s" % (os.path.normpath(OUT), COMMAND), file=sys.stderr)
            return 1
        return 0
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
