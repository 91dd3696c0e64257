//! `brinery.Unpickler`, `brinery.loads` and `brinery.load`.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyTuple};
use pyo3::{intern, PyTypeInfo};

use crate::decode::{Allow, Ctx, Decoder, Globals, Memo};
use crate::errors;
use crate::input::{FileSrc, Input};
use crate::memo::{self, MemoTable, UnpicklerMemoProxy};

/// Options common to `loads`, `load` and `Unpickler`.
struct Opts {
    encoding: String,
    errors: String,
    fix_imports: bool,
    allow: Allow,
    max_memo_entries: Option<usize>,
    max_bytes: Option<usize>,
}

fn parse_limits(limits: Option<&Bound<'_, PyAny>>) -> PyResult<(Option<usize>, Option<usize>)> {
    let Some(limits) = limits else {
        return Ok((None, None));
    };
    if limits.is_none() {
        return Ok((None, None));
    }
    let d = limits
        .cast::<PyDict>()
        .map_err(|_| errors::type_error("limits must be a dict or None"))?;
    let (mut memo, mut bytes) = (None, None);
    for (k, v) in d.iter() {
        let k: String = k.extract()?;
        match k.as_str() {
            "max_memo_entries" => memo = Some(v.extract()?),
            "max_bytes" => bytes = Some(v.extract()?),
            _ => {
                return Err(errors::value_error(format!(
                    "unknown limit {k:?} (known: max_memo_entries, max_bytes)"
                )))
            }
        }
    }
    Ok((memo, bytes))
}

#[allow(clippy::too_many_arguments)]
fn run_proto<'py>(
    py: Python<'py>,
    input: Input<'_, 'py>,
    memo: &mut Memo,
    opts: &Opts,
    find_class: Option<Bound<'py, PyAny>>,
    persistent_load: Option<Bound<'py, PyAny>>,
    buffers: Option<Bound<'py, PyAny>>,
    owner: Option<Bound<'py, Unpickler>>,
) -> (PyResult<Bound<'py, PyAny>>, u8) {
    let ctx = Ctx {
        globals: Globals {
            allow: &opts.allow,
            find_class,
            fix_imports: opts.fix_imports,
        },
        encoding: &opts.encoding,
        errors: &opts.errors,
        persistent_load,
        buffers,
        max_memo_entries: opts.max_memo_entries,
        owner,
    };
    let mut dec = Decoder::new(py, input, memo, ctx);
    let r = dec.load();
    (r, dec.proto)
}

fn iter_buffers<'py>(buffers: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match buffers {
        Some(b) if !b.is_none() => Ok(Some(b.try_iter()?.into_any())),
        _ => Ok(None),
    }
}

fn file_src<'py>(file: &Bound<'py, PyAny>) -> PyResult<FileSrc<'py>> {
    let py = file.py();
    let read = file.getattr_opt(intern!(py, "read"))?;
    let readline = file.getattr_opt(intern!(py, "readline"))?;
    match (read, readline) {
        (Some(read), Some(readline)) => Ok(FileSrc { read, readline }),
        _ => Err(errors::type_error(
            "file must have 'read' and 'readline' attributes",
        )),
    }
}

/// Bytes of a bytes-like argument (`bytes` borrowed, others copied).
fn with_bytes<R>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> PyResult<R>) -> PyResult<R> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return f(b.as_bytes());
    }
    if data.is_instance_of::<PyString>() {
        return Err(errors::type_error(format!(
            "a bytes-like object is required, not '{}'",
            data.get_type().name()?
        )));
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        let v = b.to_vec();
        return f(&v);
    }
    let b = PyBytes::type_object(data.py()).call1((data,))?;
    let b = b.cast_into::<PyBytes>().map_err(PyErr::from)?;
    f(b.as_bytes())
}

#[allow(clippy::too_many_arguments)]
fn make_opts(
    allow: Option<&Bound<'_, PyAny>>,
    encoding: &str,
    errors: &str,
    fix_imports: bool,
    limits: Option<&Bound<'_, PyAny>>,
) -> PyResult<Opts> {
    let allow = match allow {
        Some(a) => Allow::from_py(a)?,
        None => Allow::default(),
    };
    let (max_memo_entries, max_bytes) = parse_limits(limits)?;
    Ok(Opts {
        encoding: encoding.to_string(),
        errors: errors.to_string(),
        fix_imports,
        allow,
        max_memo_entries,
        max_bytes,
    })
}

/// One load with a fresh memo (`loads`/`load`); the memo is emptied with
/// direct decrefs afterwards.
fn one_shot<'py>(
    py: Python<'py>,
    input: Input<'_, 'py>,
    opts: &Opts,
    buffers: Option<&Bound<'py, PyAny>>,
    persistent_load: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let buffers = iter_buffers(buffers)?;
    let pl = persistent_load.filter(|p| !p.is_none()).cloned();
    let mut memo = Memo::default();
    let (r, _) = run_proto(py, input, &mut memo, opts, None, pl, buffers, None);
    memo.clear_with(py);
    r
}

/// `loads` from bytes (`max_bytes` checked before decoding) or `load`
/// from a file (read exactly up to STOP).
fn load_from<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    from_file: bool,
    opts: &Opts,
    buffers: Option<&Bound<'py, PyAny>>,
    persistent_load: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    if from_file {
        let input = Input::from_file(file_src(source)?);
        return one_shot(py, input, opts, buffers, persistent_load);
    }
    with_bytes(source, |bytes| {
        if let Some(max) = opts.max_bytes {
            if bytes.len() > max {
                return Err(errors::unpickling(
                    py,
                    format!("input of {} bytes exceeds max_bytes={max}", bytes.len()),
                ));
            }
        }
        let input = Input::from_slice(bytes);
        one_shot(py, input, opts, buffers, persistent_load)
    })
}

/// `loads` and `load` share their keyword arguments: one signature.
macro_rules! loader {
    ($(#[$doc:meta])* $name:ident, $source:ident, $from_file:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = ($source, /, *, allow=None, encoding="ASCII", errors="strict", fix_imports=true, buffers=None, persistent_load=None, limits=None))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name<'py>(
            py: Python<'py>,
            $source: &Bound<'py, PyAny>,
            allow: Option<&Bound<'py, PyAny>>,
            encoding: &str,
            errors: &str,
            fix_imports: bool,
            buffers: Option<&Bound<'py, PyAny>>,
            persistent_load: Option<&Bound<'py, PyAny>>,
            limits: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let opts = make_opts(allow, encoding, errors, fix_imports, limits)?;
            load_from(py, $source, $from_file, &opts, buffers, persistent_load)
        }
    };
}

loader!(
    /// `loads(data, /, *, allow=(), encoding="ASCII", errors="strict",
    /// fix_imports=True, buffers=None, persistent_load=None, limits=None)`
    loads,
    data,
    false
);

loader!(
    /// `load(file, /, *, ...)`: reads exactly one pickle (up to STOP).
    load,
    file,
    true
);

/// A drop-in for `pickle.Unpickler` that is safe by default.
#[pyclass(subclass, dict, weakref, module = "brinery")]
pub struct Unpickler {
    file: Option<Py<PyAny>>,
    opts: Option<Opts>,
    buffers: Option<Py<PyAny>>,
    pub(crate) memo: Memo,
    proto: u8,
}

/// The unpickler's memo as its proxy shows it: `{index: obj}`.
impl MemoTable for Memo {
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        self.items()
            .map(|(k, v)| Ok((k.into_pyobject(py)?.into_any(), v.bind(py).clone())))
            .collect()
    }

    fn put_entry(&mut self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let k: i64 = key
            .extract()
            .map_err(|_| errors::type_error("memo key must be integers"))?;
        if k < 0 {
            return Err(errors::value_error("memo key must be positive integers."));
        }
        self.put(k as u64, value.clone().unbind());
        Ok(())
    }
}

#[pymethods]
impl Unpickler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Unpickler {
            file: None,
            opts: None,
            buffers: None,
            memo: Memo::default(),
            proto: 0,
        }
    }

    #[pyo3(signature = (file, *, fix_imports=true, encoding="ASCII", errors="strict", buffers=None, allow=None, limits=None))]
    #[allow(clippy::too_many_arguments)]
    fn __init__(
        &mut self,
        file: &Bound<'_, PyAny>,
        fix_imports: bool,
        encoding: &str,
        errors: &str,
        buffers: Option<&Bound<'_, PyAny>>,
        allow: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        file_src(file)?;
        self.opts = Some(make_opts(allow, encoding, errors, fix_imports, limits)?);
        self.buffers = iter_buffers(buffers)?.map(|b| b.unbind());
        self.file = Some(file.clone().unbind());
        self.memo.clear();
        Ok(())
    }

    /// Read one pickle from the file (exactly up to its STOP).
    fn load<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let (file, opts, buffers, mut memo) = {
            let mut this = slf.borrow_mut();
            let Some(file) = this.file.as_ref().map(|f| f.clone_ref(py)) else {
                return Err(errors::unpickling(
                    py,
                    "Unpickler.__init__() was not called by Unpickler.__init__()",
                ));
            };
            let opts = this.opts.take();
            let buffers = this.buffers.as_ref().map(|b| b.clone_ref(py));
            (file, opts, buffers, std::mem::take(&mut this.memo))
        };
        let opts = opts.expect("set with file");
        let find_class = {
            let base = Unpickler::type_object(py).getattr(intern!(py, "find_class"))?;
            let mine = slf.get_type().getattr(intern!(py, "find_class"))?;
            let in_instance = match slf.getattr_opt(intern!(py, "__dict__"))? {
                Some(d) => d.contains(intern!(py, "find_class"))?,
                None => false,
            };
            if mine.is(&base) && !in_instance {
                None
            } else {
                Some(slf.getattr(intern!(py, "find_class"))?)
            }
        };
        let pl = slf.getattr_opt(intern!(py, "persistent_load"))?;
        let (result, proto) = match file_src(file.bind(py)) {
            Ok(src) => run_proto(
                py,
                Input::from_file(src),
                &mut memo,
                &opts,
                find_class,
                pl,
                buffers.map(|b| b.into_bound(py)),
                Some(slf.clone()),
            ),
            Err(e) => (Err(e), 0),
        };
        let mut this = slf.borrow_mut();
        this.proto = proto;
        this.opts = Some(opts);
        this.memo = memo;
        result
    }

    /// Resolve a global as `load` does: the safe set and `allow=` are
    /// checked before anything is imported.
    fn find_class<'py>(
        slf: &Bound<'py, Self>,
        module: &str,
        name: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.borrow();
        let default = Allow::default();
        let (allow, fix) = match &this.opts {
            Some(o) => (&o.allow, o.fix_imports),
            None => (&default, true),
        };
        let g = Globals {
            allow,
            find_class: None,
            fix_imports: fix,
        };
        // The protocol of the last load decides whether dotted names are
        // walked (as with `_pickle`).
        g.check_and_import(py, module, name, this.proto, None)
    }

    /// The memo, live: an `UnpicklerMemoProxy` as with `_pickle`
    /// (`copy()` gives `{index: object}`, `clear()` empties it).
    #[getter]
    fn get_memo(slf: &Bound<'_, Self>) -> UnpicklerMemoProxy {
        memo::proxy(slf)
    }

    /// Replace the memo with a copy of an `UnpicklerMemoProxy`'s memo or
    /// of a dict `{index: object}`.
    #[setter]
    fn set_memo(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        memo::assign(slf, value)
    }
}
