//! The `value!` literal macro.

/// A [`Value`](crate::Value) from a Python-like literal: `None`, `True`,
/// `False`, `[...]` lists, `(...)` tuples (`(x,)` for one item; `(x)` is
/// just `x`), `{k: v, ...}` dicts; anything else is a Rust expression
/// converted with `Value::from`.
///
/// ```
/// use brinery::{value, Value};
/// let n = 3;
/// let v = value!({"a": [1, 2.5, "x", None], "t": (True, n + 1), (1, 2): {}});
/// assert_eq!(v.to_string(), "{'a': [1, 2.5, 'x', None], 't': (True, 4), (1, 2): {}}");
/// assert_eq!(v["t"][1], Value::Int(4));
/// ```
#[macro_export]
macro_rules! value {
    (None) => { $crate::Value::None };
    (True) => { $crate::Value::Bool(true) };
    (False) => { $crate::Value::Bool(false) };
    ([ $($tt:tt)* ]) => { $crate::Value::List($crate::value!(@seq [] [] $($tt)*)) };
    (( $($tt:tt)* )) => { $crate::value!(@tup [] [] $($tt)*) };
    ({ $($tt:tt)* }) => { $crate::value!(@dk [] [] $($tt)*) };

    // Sequences: items separated by top-level commas.
    (@seq [$($out:expr,)*] [$($cur:tt)+] , $($rest:tt)*) => {
        $crate::value!(@seq [$($out,)* $crate::value!($($cur)+),] [] $($rest)*)
    };
    (@seq [$($out:expr,)*] [$($cur:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@seq [$($out,)*] [$($cur)* $next] $($rest)*)
    };
    (@seq [$($out:expr,)*] []) => { vec![$($out,)*] };
    (@seq [$($out:expr,)*] [$($cur:tt)+]) => { vec![$($out,)* $crate::value!($($cur)+),] };

    // Tuples: like sequences, but `(x)` is `x`.
    (@tup [$($out:expr,)*] [$($cur:tt)+] , $($rest:tt)*) => {
        $crate::value!(@tup [$($out,)* $crate::value!($($cur)+),] [] $($rest)*)
    };
    (@tup [$($out:expr,)*] [$($cur:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@tup [$($out,)*] [$($cur)* $next] $($rest)*)
    };
    (@tup [] [$($cur:tt)+]) => { $crate::value!($($cur)+) };
    (@tup [$($out:expr,)*] []) => { $crate::Value::Tuple(vec![$($out,)*]) };
    (@tup [$($out:expr,)*] [$($cur:tt)+]) => {
        $crate::Value::Tuple(vec![$($out,)* $crate::value!($($cur)+),])
    };

    // Dicts: key tokens up to `:`, value tokens up to `,`.
    (@dk [$($out:expr,)*] [$($k:tt)+] : $($rest:tt)*) => {
        $crate::value!(@dv [$($out,)*] [$($k)+] [] $($rest)*)
    };
    (@dk [$($out:expr,)*] [$($k:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@dk [$($out,)*] [$($k)* $next] $($rest)*)
    };
    (@dk [$($out:expr,)*] []) => { $crate::Value::Dict(vec![$($out,)*]) };
    (@dv [$($out:expr,)*] [$($k:tt)+] [$($v:tt)+] , $($rest:tt)*) => {
        $crate::value!(@dk [$($out,)* ($crate::value!($($k)+), $crate::value!($($v)+)),] [] $($rest)*)
    };
    (@dv [$($out:expr,)*] [$($k:tt)+] [$($v:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@dv [$($out,)*] [$($k)+] [$($v)* $next] $($rest)*)
    };
    (@dv [$($out:expr,)*] [$($k:tt)+] [$($v:tt)+]) => {
        $crate::Value::Dict(vec![$($out,)* ($crate::value!($($k)+), $crate::value!($($v)+)),])
    };

    ($e:expr) => { $crate::Value::from($e) };
}
