//! `pyc_aot._native`: the pyc-aot compiler running inside the interpreter.
//!
//! A thin layer over the compiler crate's public API (`pyc_aot::build`,
//! `pyc_aot::compile_object`): Python values in, Python values out. Every
//! compilation runs with the GIL released, on a thread with the same large
//! stack as the `pyc-aot` binary, so `build_ext -j N` compiles in parallel.
//! Errors are raised as `pyc_aot.CompileError` (defined in Python, in
//! `pyc_aot/_errors.py`).

use pyc_aot::clink::CInputs;
use pyc_aot::{BuildError, BuildOptions, BuildReport, Emit, ObjectFile};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::path::PathBuf;

/// Nesting is bounded by the front end (CPython's limits), and the compiler
/// grows its own stack when it runs short; this is the same budget as the
/// `pyc-aot` binary's compiler thread, so neither needs to.
const COMPILER_STACK: usize = 512 << 20;

/// Runs `f` on a compiler thread with the GIL released.
fn off_thread<T: Send + 'static>(py: Python<'_>, f: impl FnOnce() -> T + Send + 'static) -> PyResult<T> {
    py.detach(move || {
        std::thread::Builder::new()
            .name("pyc-aot".into())
            .stack_size(COMPILER_STACK)
            .spawn(f)
            .map_err(|e| format!("cannot start the compiler thread: {e}"))?
            .join()
            .map_err(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                format!("internal error in the compiler: {what}; this is a bug in pyc-aot, please report it with the file")
            })
    })
    .map_err(PyRuntimeError::new_err)
}

fn options(source: PathBuf, out_dir: Option<PathBuf>, target: String, python: String, strict: bool, emit: Option<&str>) -> PyResult<BuildOptions> {
    options_wrapping(source, out_dir, target, python, strict, emit, CInputs::default())
}

/// `options` with the C code the module wraps.
fn options_wrapping(source: PathBuf, out_dir: Option<PathBuf>, target: String, python: String, strict: bool, emit: Option<&str>, c: CInputs) -> PyResult<BuildOptions> {
    let emit = match emit {
        None => None,
        Some("hir") => Some(Emit::Hir),
        Some("mir") => Some(Emit::Mir),
        Some("clif") => Some(Emit::Clif),
        Some("asm") => Some(Emit::Asm),
        Some(other) => return Err(PyValueError::new_err(format!("emit must be one of 'hir', 'mir', 'clif', 'asm', not {other:?}"))),
    };
    Ok(BuildOptions { source, out_dir, target, python, strict, emit, linker: None, ext_suffix: None, codegen_threads: None, c })
}

/// `pyc_aot.CompileError(rendered, [(file, line, column, message), …])`.
fn compile_error(py: Python<'_>, err: BuildError) -> PyErr {
    let raise = || -> PyResult<PyErr> {
        let class = py.import("pyc_aot._errors")?.getattr("CompileError")?;
        let locations: Vec<(String, u32, u32, String)> =
            err.locations.iter().map(|l| (l.file.clone(), l.line, l.column, l.message.clone())).collect();
        Ok(PyErr::from_value(class.call1((err.rendered.clone(), locations))?))
    };
    raise().unwrap_or_else(|e| e)
}

fn report_dict<'py>(py: Python<'py>, r: &BuildReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("output", r.output.as_ref().map(|p| p.display().to_string()))?;
    d.set_item("compiled", PyList::new(py, &r.compiled)?)?;
    let left: Vec<(String, u32, u32, String)> =
        r.left_to_python.iter().map(|l| (l.function.clone(), l.line, l.col, l.reason.clone())).collect();
    d.set_item("left_to_python", left)?;
    d.set_item("warnings", &r.warnings)?;
    d.set_item("listing", &r.listing)?;
    d.set_item("elapsed_ms", r.elapsed_ms)?;
    d.set_item("cannot_import", r.cannot_import.as_deref())?;
    Ok(d)
}

/// Compiles `source` into an extension module in `out_dir` (or prints a
/// listing when `emit` is set), with the C sources, include and library
/// directories and libraries of the C code it wraps; returns the report as
/// a dict.
#[pyfunction]
#[pyo3(signature = (source, out_dir, target, python, strict, emit=None, c_sources=vec![], include_dirs=vec![], library_dirs=vec![], libraries=vec![]))]
#[allow(clippy::too_many_arguments)]
fn build<'py>(
    py: Python<'py>,
    source: PathBuf,
    out_dir: Option<PathBuf>,
    target: String,
    python: String,
    strict: bool,
    emit: Option<&str>,
    c_sources: Vec<PathBuf>,
    include_dirs: Vec<PathBuf>,
    library_dirs: Vec<PathBuf>,
    libraries: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let c = CInputs { sources: c_sources, include_dirs, library_dirs, libraries };
    let opts = options_wrapping(source, out_dir, target, python, strict, emit, c)?;
    match off_thread(py, move || pyc_aot::build(&opts))? {
        Ok(report) => report_dict(py, &report),
        Err(err) => Err(compile_error(py, err)),
    }
}

/// True when `inputs` (paths, directories, globs) ask for a build of many
/// modules rather than of one file.
#[pyfunction]
fn is_many(inputs: Vec<PathBuf>) -> bool {
    pyc_aot::many::is_many(&inputs)
}

/// Builds every module `inputs` name on `jobs` threads, skipping those up to
/// date (`pyc_aot::many::run`), calling `echo(stdout_text, stderr_text)` as
/// each finishes; True when none failed.
#[pyfunction]
#[pyo3(signature = (inputs, out_dir, target, python, strict, jobs, quiet, echo))]
#[allow(clippy::too_many_arguments)]
fn build_many(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    target: String,
    python: String,
    strict: bool,
    jobs: usize,
    quiet: bool,
    echo: Py<PyAny>,
) -> PyResult<bool> {
    let opts = options(inputs.first().cloned().unwrap_or_default(), out_dir, target, python, strict, None)?;
    off_thread(py, move || {
        let say = |out: &str, err: &str| {
            Python::attach(|py| {
                if let Err(e) = echo.call1(py, (out, err)) {
                    e.print(py);
                }
            })
        };
        pyc_aot::many::run(&inputs, &opts, jobs.max(1), quiet, &say)
    })
}

/// `(object bytes, module name, extension suffix, libraries, report dict)`.
type ObjectTuple<'py> = (Bound<'py, PyBytes>, String, String, Vec<String>, Bound<'py, PyDict>);

/// Compiles `source` to an unlinked object (`.pxd` files looked for beside
/// it, then in `include_dirs`); returns an [`ObjectTuple`].
#[pyfunction]
#[pyo3(signature = (source, target, python, strict, include_dirs=vec![]))]
fn compile_object<'py>(
    py: Python<'py>,
    source: PathBuf,
    target: String,
    python: String,
    strict: bool,
    include_dirs: Vec<PathBuf>,
) -> PyResult<ObjectTuple<'py>> {
    let c = CInputs { include_dirs, ..CInputs::default() };
    let opts = options_wrapping(source, None, target, python, strict, None, c)?;
    match off_thread(py, move || pyc_aot::compile_object(&opts))? {
        Ok((ObjectFile { module, bytes, ext_suffix, libraries, .. }, report)) => {
            Ok((PyBytes::new(py, &bytes), module, ext_suffix, libraries, report_dict(py, &report)?))
        }
        Err(err) => Err(compile_error(py, err)),
    }
}

/// The annotate report of `source` written to `output` (default: the source
/// with `.html`); returns `(path written, functions native, left to Python)`.
#[pyfunction]
#[pyo3(signature = (source, target, python, output=None))]
fn annotate(py: Python<'_>, source: PathBuf, target: String, python: String, output: Option<PathBuf>) -> PyResult<(String, usize, usize)> {
    let opts = options(source, None, target, python, false, None)?;
    match off_thread(py, move || pyc_aot::annotate::write(&opts, output.as_deref()))? {
        Ok((path, a)) => Ok((path.display().to_string(), a.native_functions, a.left_to_python)),
        Err(err) => Err(compile_error(py, err)),
    }
}

/// Tells the compiler the facts of interpreter `exe` (normally the running
/// one), so building for it starts no subprocess.
#[pyfunction]
fn remember_python(exe: &str, ext_suffix: String, minor: u32) {
    pyc_aot::link::remember_python(exe, pyc_aot::link::Python { ext_suffix, minor });
}

/// `[(name, [feature, …]), …]` for every CPU name `target=` accepts, `native` first.
#[pyfunction]
fn targets() -> Vec<(String, Vec<String>)> {
    let mut out = vec![("native".to_string(), vec![])];
    for (name, _) in pyc_aot::target::CPU_TABLE {
        let features = pyc_aot::target::features_of(name).unwrap_or_default();
        out.push((name.to_string(), features.iter().map(|f| f.to_string()).collect()));
    }
    out
}

/// What code for `target` (one name or a comma-separated list, a fat module)
/// will look like: per target its name, triple and the ISA flags that are on,
/// e.g. `native:x86_64-unknown-linux-gnu:has_avx,has_avx2,…`. For `native` it
/// names the host CPU's features, so a cache shared between machines never
/// mixes them up.
#[pyfunction]
fn target_id(target: &str) -> PyResult<String> {
    let targets = pyc_aot::target::parse_list(target).map_err(PyValueError::new_err)?;
    Ok(pyc_aot::target::fingerprint(&targets))
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("COMPILER_VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(compile_object, m)?)?;
    m.add_function(wrap_pyfunction!(is_many, m)?)?;
    m.add_function(wrap_pyfunction!(build_many, m)?)?;
    m.add_function(wrap_pyfunction!(remember_python, m)?)?;
    m.add_function(wrap_pyfunction!(targets, m)?)?;
    m.add_function(wrap_pyfunction!(target_id, m)?)?;
    m.add_function(wrap_pyfunction!(annotate, m)?)?;
    Ok(())
}
