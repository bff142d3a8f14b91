//! pyc-aot: an ahead-of-time compiler from typed Python to CPython extension modules.
//!
//! The pipeline, one data type between each stage:
//! source ─`syntax`─▶ AST ─`frontend`─▶ typed `hir` ─`opt`─▶ `hir` ─`backend`─▶ object ─`link`─▶ `.so`.

pub mod annotate;
pub mod backend;
pub mod clink;
pub mod diag;
pub mod frontend;
pub mod hir;
pub mod link;
pub mod many;
pub mod mir;
pub mod opt;
pub mod syntax;
pub mod target;
pub mod types;

use diag::{Diagnostic, SourceFile};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    Hir,
    /// The MIR of the wrappers, after the passes.
    Mir,
    Clif,
    Asm,
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: PathBuf,
    /// Directory for the `.so`; the source's directory when `None`.
    pub out_dir: Option<PathBuf>,
    pub target: String,
    /// The interpreter whose extension suffix and ABI to build for.
    pub python: String,
    /// A function left to Python is an error.
    pub strict: bool,
    /// Print a listing instead of writing a module.
    pub emit: Option<Emit>,
    /// The linker (a C compiler driver) for the `.so`; `$CC` or `cc`, or
    /// `<arch>-linux-gnu-gcc` when cross-compiling.
    pub linker: Option<String>,
    /// The extension suffix to write; by default the interpreter's, or for a
    /// cross target `.cpython-3X-<arch>-linux-gnu.so` with the host's 3.X.
    pub ext_suffix: Option<String>,
    /// Threads generating one module's functions; `None`: one per core (at
    /// most 8). A many-module build runs one per module, its parallelism
    /// being across modules.
    pub codegen_threads: Option<usize>,
    /// C sources, include and library directories and libraries of the C
    /// code the module wraps (`.pxd` files are looked for on the include path).
    pub c: clink::CInputs,
}

#[derive(Debug)]
pub struct BuildReport {
    pub output: Option<PathBuf>,
    pub native_functions: usize,
    /// Names of the functions compiled natively (exported and `@cfunc`).
    pub compiled: Vec<String>,
    pub left_to_python: Vec<hir::LeftToPython>,
    /// Rendered warnings (functions left to Python, ignored directives).
    pub warnings: String,
    pub listing: String,
    pub elapsed_ms: f64,
    /// One line when this machine cannot import the module written (a CPU
    /// or architecture it lacks); the build still succeeds.
    pub cannot_import: Option<String>,
    /// The `.pxd` files the module cimports from (build stamps hash them).
    pub pxd_files: Vec<PathBuf>,
}

/// A failed build: the rendered report and where each problem is.
#[derive(Debug)]
pub struct BuildError {
    pub rendered: String,
    pub locations: Vec<ErrorLocation>,
}

#[derive(Debug, Clone)]
pub struct ErrorLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl BuildError {
    fn plain(message: impl Into<String>) -> Self {
        let message = message.into();
        BuildError { rendered: format!("error: {message}\n"), locations: vec![] }
    }

    fn from_diagnostics(src: &SourceFile, diags: &[Diagnostic]) -> Self {
        let rendered = diags.iter().map(|d| src.render(d)).collect::<Vec<_>>().join("\n");
        let locations = diags
            .iter()
            .map(|d| {
                let (line, column) = src.line_col(d.span.start);
                ErrorLocation { file: src.display_path.clone(), line, column, message: d.message.clone() }
            })
            .collect();
        BuildError { rendered, locations }
    }
}

/// The module name a source file compiles to: its stem, or for a package's
/// `__init__.py` the package's (CPython loads `pkg/__init__<EXT_SUFFIX>`
/// through `PyInit_pkg`).
pub fn module_name(path: &Path) -> Result<String, String> {
    let mut stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    if stem == "__init__" {
        let package = std::path::absolute(path).ok().and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_string));
        stem = package.unwrap_or_default();
    }
    let valid = stem.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && stem.chars().all(|c| c.is_alphanumeric() || c == '_');
    if valid {
        Ok(stem)
    } else {
        Err(format!("`{}` cannot be a module: its name must be a Python identifier", path.display()))
    }
}

/// Source → typed HIR, with warnings; errors are rendered against the source.
pub fn analyze(source: &str, display_path: &str, abs_path: &str, module: &str) -> Result<(hir::Module, SourceFile, Vec<Diagnostic>), BuildError> {
    on_compiler_stack(|| analyze_here(source, display_path, abs_path, module, &[]).map(|(m, src, w, _)| (m, src, w)))
}

/// The stack every stage may use: nesting is bounded by `syntax::MAX_NESTING`,
/// and each recursive pass spends at most a few KiB per level, whatever
/// thread (a test's 2 MiB, an embedding interpreter's) the caller is on.
const COMPILER_STACK: usize = 256 << 20;

fn on_compiler_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(COMPILER_STACK / 2, COMPILER_STACK, f)
}

/// Source → typed HIR, with warnings and the `.pxd` files read (looked for
/// beside the module, then in `include_dirs`).
fn analyze_here(source: &str, display_path: &str, abs_path: &str, module: &str, include_dirs: &[PathBuf]) -> Result<(hir::Module, SourceFile, Vec<Diagnostic>, Vec<PathBuf>), BuildError> {
    let source = syntax::normalize_newlines(source);
    let source = source.as_str();
    let src = SourceFile::new(display_path, source);
    // CPython refuses such a file; the residual Python could not be embedded either.
    if let Some(at) = source.find('\0') {
        let d = Diagnostic::error(at..at + 1, "source code cannot contain null bytes")
            .with_label("a NUL byte")
            .with_hint("write `\\x00` inside a string literal instead");
        return Err(BuildError::from_diagnostics(&src, &[d]));
    }
    let ast = syntax::parse_module(source, display_path).map_err(|d| BuildError::from_diagnostics(&src, &[d]))?;
    let module_dir = Path::new(abs_path).parent().unwrap_or(Path::new("."));
    let mut cimported = frontend::cimports::resolve(&ast.body, module_dir, include_dirs).map_err(|e| match e {
        frontend::cimports::CimportError::InSource(ds) => BuildError::from_diagnostics(&src, &ds),
        frontend::cimports::CimportError::InPxd(at) => BuildError::from_diagnostics(&at.0, std::slice::from_ref(&at.1)),
    })?;
    let (shared, own_pxd) = frontend::cimports::own_shared(module.rsplit('.').next().unwrap_or(module), module_dir);
    cimported.shared = shared;
    cimported.files.extend(own_pxd);
    let mut out = frontend::lower(&src, &ast, module, abs_path, &cimported).map_err(|ds| BuildError::from_diagnostics(&src, &ds))?;
    opt::optimize(&mut out.module);
    Ok((out.module, src, out.warnings, cimported.files))
}

/// A compiled module before linking, for callers that link it themselves
/// (e.g. the setuptools hook, which links with setuptools' compiler object).
#[derive(Debug)]
pub struct ObjectFile {
    /// The module name: the object exports `PyInit_<module>`.
    pub module: String,
    /// A relocatable, position-independent ELF/Mach-O object.
    pub bytes: Vec<u8>,
    /// The extension suffix of the target interpreter, e.g. `.cpython-311-x86_64-linux-gnu.so`.
    pub ext_suffix: String,
    /// Libraries to link with (`-l` names).
    pub libraries: Vec<String>,
    /// The C symbols its `.pxd` declarations made it use: the C sources and
    /// libraries linked with it must define them.
    pub extern_symbols: Vec<String>,
}

/// Source → `.so` (or a listing when `opts.emit` is set).
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let (object, mut report) = match compile(opts, start)? {
        Compiled::Listing(report) => return Ok(report),
        Compiled::Object(object, report) => (object, report),
    };
    let dir = out_dir_of(opts);
    if !dir.as_os_str().is_empty() && !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| BuildError::plain(format!("cannot create {}: {e}", dir.display())))?;
    }
    let path = dir.join(format!("{}{}", file_stem(opts), object.ext_suffix));
    let linker = linker_for(opts)?;
    link::link_wrapping(&object.bytes, &path, linker.as_deref(), &object.libraries, &opts.c, &object.extern_symbols).map_err(BuildError::plain)?;
    report.output = Some(path);
    report.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(report)
}

/// The target's architecture when it is not this machine's.
fn cross_arch(opts: &BuildOptions) -> Result<Option<target_lexicon::Architecture>, BuildError> {
    let targets = target::parse_list(&opts.target).map_err(BuildError::plain)?;
    let arch = targets[0].isa.triple().architecture;
    Ok((arch != target_lexicon::HOST.architecture).then_some(arch))
}

/// The interpreter the module is for, with the extension suffix to write.
fn target_python(opts: &BuildOptions, cross: Option<target_lexicon::Architecture>) -> Result<link::Python, BuildError> {
    let mut py = link::query_python(&opts.python).map_err(BuildError::plain)?;
    if let Some(arch) = cross {
        py.ext_suffix = format!(".cpython-3{}-{arch}-linux-gnu.so", py.minor);
    }
    if let Some(suffix) = &opts.ext_suffix {
        py.ext_suffix = suffix.clone();
    }
    Ok(py)
}

/// The file `build(opts)` writes, known before building it.
pub fn output_path(opts: &BuildOptions) -> Result<PathBuf, BuildError> {
    module_name(&opts.source).map_err(BuildError::plain)?;
    let python = target_python(opts, cross_arch(opts)?)?;
    Ok(out_dir_of(opts).join(format!("{}{}", file_stem(opts), python.ext_suffix)))
}

/// The module file's name before its suffix: the source's (`__init__` for a package).
fn file_stem(opts: &BuildOptions) -> String {
    opts.source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn out_dir_of(opts: &BuildOptions) -> PathBuf {
    match &opts.out_dir {
        Some(d) => d.clone(),
        None => opts.source.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

/// `--linker`, else `$CC`/`cc` natively, else the Debian-style cross driver.
pub(crate) fn linker_for(opts: &BuildOptions) -> Result<Option<String>, BuildError> {
    if opts.linker.is_some() {
        return Ok(opts.linker.clone());
    }
    let Some(arch) = cross_arch(opts)? else { return Ok(None) };
    let driver = format!("{arch}-linux-gnu-gcc");
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(&driver).is_file()))
        .unwrap_or(false);
    if !found {
        return Err(BuildError::plain(format!(
            "linking for {arch} needs a cross linker: install `gcc-{arch}-linux-gnu` (Debian/Ubuntu) or pass `--linker`"
        )));
    }
    Ok(Some(driver))
}

/// Source → object bytes, without linking; `opts.out_dir` is ignored and
/// `opts.emit` must be `None`.
pub fn compile_object(opts: &BuildOptions) -> Result<(ObjectFile, BuildReport), BuildError> {
    if opts.emit.is_some() {
        return Err(BuildError::plain("compile_object produces an object, not a listing: leave `emit` unset"));
    }
    match compile(opts, Instant::now())? {
        Compiled::Object(object, report) => Ok((object, report)),
        Compiled::Listing(_) => Err(BuildError::plain("internal error: a listing was produced without `emit`")),
    }
}

enum Compiled {
    Listing(BuildReport),
    Object(ObjectFile, BuildReport),
}

fn compile(opts: &BuildOptions, start: Instant) -> Result<Compiled, BuildError> {
    // A panic is a bug of ours; it must not take an embedding interpreter
    // (the import hook, `pyc_aot.compile`) down with it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| on_compiler_stack(|| compile_here(opts, start)))).unwrap_or_else(|panic| {
        Err(BuildError::plain(format!(
            "internal error while compiling {}: {}\n  this is a bug in pyc-aot; please report it with the file",
            opts.source.display(),
            backend::panic_message(panic.as_ref())
        )))
    })
}

/// A back-end failure, at the user's function when it arose in one.
fn internal_error(src: &SourceFile, failure: backend::Failure) -> BuildError {
    const HINT: &str = "this is a bug in pyc-aot; please report it with this file. Until it is fixed, \
                        remove the function's type annotations to leave it to Python";
    match &failure.function {
        Some((name, line)) => {
            let start = src.line_range(*line).start;
            let text = &src.text[start..src.line_range(*line).end];
            let indent = text.len() - text.trim_start().len();
            let d = Diagnostic::error(start + indent..start + text.trim_end().len().max(indent), format!("internal error while compiling `{name}`: {}", failure.message))
                .with_label("in this function")
                .with_hint(HINT);
            BuildError::from_diagnostics(src, &[d])
        }
        None => BuildError::plain(format!("internal error: {}\n  = hint: {HINT}", failure.message)),
    }
}

/// The source's text as CPython reads it: through `syntax::decode_source`,
/// or, for a codec only Python's registry knows, through the target
/// interpreter. Errors are a byte offset in `bytes` and CPython's message.
fn decode(opts: &BuildOptions, bytes: &[u8]) -> Result<String, (usize, String)> {
    match syntax::decode_source(bytes)? {
        syntax::Decoded::Text(text) => Ok(text),
        syntax::Decoded::Interpreter { codec, body, declared_at } => match link::decode_with(&opts.python, &codec, &bytes[body..]) {
            Ok(Ok(text)) => Ok(text),
            Ok(Err((at, message))) => Err((at.map_or(declared_at, |t| body + syntax::raw_offset(&bytes[body..], t)), message)),
            Err(cannot) => Err((declared_at, cannot)),
        },
    }
}

/// An error at byte `at` of a file that could not be decoded, shown on the
/// file read as UTF-8 (BOM dropped, newlines translated).
fn encoding_error(display: &str, bytes: &[u8], at: usize, message: String) -> BuildError {
    let bom = if bytes.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
    let shown = &bytes[bom..];
    let text = syntax::normalize_newlines(&String::from_utf8_lossy(shown));
    let mut offset = syntax::normalize_newlines(&String::from_utf8_lossy(&shown[..at.saturating_sub(bom).min(shown.len())])).len().min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let src = SourceFile::new(display, text);
    let diag = Diagnostic::error(offset..offset, message).with_hint("declare the file's encoding on line 1 or 2 (`# -*- coding: latin-1 -*-`, PEP 263) or save it as UTF-8");
    BuildError::from_diagnostics(&src, &[diag])
}

fn compile_here(opts: &BuildOptions, start: Instant) -> Result<Compiled, BuildError> {
    let bytes = std::fs::read(&opts.source).map_err(|e| BuildError::plain(format!("cannot read {}: {e}", opts.source.display())))?;
    let display = opts.source.display().to_string();
    let source = decode(opts, &bytes).map_err(|(at, message)| encoding_error(&display, &bytes, at, message))?;
    let name = module_name(&opts.source).map_err(BuildError::plain)?;
    let abs = std::path::absolute(&opts.source).unwrap_or_else(|_| opts.source.clone());
    let (module, src, warnings, pxd_files) = analyze_here(&source, &display, &abs.display().to_string(), &name, &opts.c.include_dirs)?;

    if opts.strict && !module.left_to_python.is_empty() {
        let errors: Vec<Diagnostic> = warnings
            .iter()
            .filter(|w| ["function `", "class `", "method `"].iter().any(|k| w.message.starts_with(k)))
            .map(|w| Diagnostic { severity: diag::Severity::Error, hint: Some("remove `--strict` to leave it interpreted".into()), ..w.clone() })
            .collect();
        return Err(BuildError::from_diagnostics(&src, &errors));
    }
    let warnings_text = warnings.iter().map(|w| src.render(w)).collect::<Vec<_>>().join("\n");
    let report = |output, listing| BuildReport {
        output,
        // Outlined `prange` bodies are parts of their functions.
        native_functions: module.functions.iter().filter(|f| f.outlined_from.is_none()).count() - module.c_library_bindings.len(),
        compiled: module.functions.iter().filter(|f| !module.c_library_bindings.contains(&f.name) && f.outlined_from.is_none()).map(|f| f.name.clone()).collect(),
        left_to_python: module.left_to_python.clone(),
        warnings: warnings_text.clone(),
        listing,
        elapsed_ms: start.elapsed().as_secs_f64() * 1e3,
        cannot_import: None,
        pxd_files: pxd_files.clone(),
    };
    if opts.emit == Some(Emit::Hir) {
        return Ok(Compiled::Listing(report(None, hir::dump(&module))));
    }

    let targets = target::parse_list(&opts.target).map_err(BuildError::plain)?;
    let cross = cross_arch(opts)?;
    let python = if opts.emit.is_some() { None } else { Some(target_python(opts, cross)?) };
    let listing = match opts.emit {
        Some(Emit::Clif) => backend::Listing::Clif,
        Some(Emit::Asm) => backend::Listing::Asm,
        Some(Emit::Mir) => backend::Listing::Mir,
        _ => backend::Listing::None,
    };
    let minor = python.as_ref().map_or(11, |p| p.minor);
    // Native builds embed the shim pre-compiled for the interpreter (cached per
    // shim text and interpreter version); cross builds embed its source.
    let shim_code = match (&python, cross) {
        (Some(py), None) => link::marshalled(&opts.python, py, &backend::shim_source(), "<pyc-aot cython shim>"),
        _ => None,
    };
    let out = backend::compile_with_shim(&module, &targets, minor, listing, shim_code.as_deref(), opts.codegen_threads).map_err(|f| internal_error(&src, f))?;
    let Some(python) = python else {
        return Ok(Compiled::Listing(report(None, out.listing)));
    };
    let object = ObjectFile {
        module: name,
        bytes: out.object,
        ext_suffix: python.ext_suffix,
        libraries: link::LIBRARIES.iter().map(|l| l.to_string()).chain(hir::uses_openmp(&module).then(|| link::OPENMP.to_string())).collect(),
        extern_symbols: clink::extern_symbols(&module),
    };
    let report = BuildReport { cannot_import: target::why_host_cannot_run(&targets), ..report(None, String::new()) };
    Ok(Compiled::Object(object, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, item 16: an internal error used to reach the user as
    /// `error: a memoryview value Convert(…) reached the back end`, with no
    /// line and no hint that the fault is ours.
    #[test]
    fn back_end_failures_name_the_users_function_and_line() {
        let text = "import cython\n\n\ndef f(n: cython.int) -> cython.int:\n    return n\n";
        let (mut m, src, _) = analyze(text, "m.py", "/m.py", "m").unwrap();
        // HIR the front end never produces: an int converted to a memoryview.
        let view = types::Ty::View(types::ViewTy { elem: types::Elem::Float(64), ndim: 1, c_contig: false, f_contig: false });
        let n = hir::Expr::local(m.functions[0].params[0].local, m.functions[0].params[0].ty);
        let bad = hir::Expr { kind: hir::ExprKind::Convert(Box::new(n)), ty: view };
        m.functions[0].body.insert(0, hir::Stmt { kind: hir::StmtKind::Expr(bad), line: 5 });
        let target = target::parse("x86-64").unwrap();
        let failure = backend::compile(&m, std::slice::from_ref(&target), 11, backend::Listing::None).err().unwrap();
        assert_eq!(failure.function, Some(("f".to_string(), 4)));
        let err = internal_error(&src, failure);
        assert!(err.rendered.contains("internal error while compiling `f`"), "{}", err.rendered);
        assert!(err.rendered.contains("this is a bug in pyc-aot"), "{}", err.rendered);
        assert_eq!((err.locations[0].line, err.locations[0].column), (4, 1));
    }
}
