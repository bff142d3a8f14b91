//! `pyc-aot annotate`: the source as an HTML page, each line shaded by how
//! much Python interaction its compiled code does, with that code (MIR,
//! Cranelift IR, machine code) one click away.
//!
//! The module is compiled again with `backend::Listing::Annotate`, which
//! sets source locations and keeps each function's code by line: a build
//! never pays for the report.

mod html;
mod score;

use crate::backend::{self, FunctionCode, LineCode};
use crate::{hir, link, target, BuildError, BuildOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The code of one source line, function by function.
pub(crate) struct LineEntry<'a> {
    pub function: &'a str,
    pub mir: Option<&'a str>,
    pub code: &'a LineCode,
}

/// Everything the page shows besides the source.
pub(crate) struct Facts<'a> {
    pub file: &'a str,
    pub target: &'a str,
    pub elapsed_ms: f64,
    pub native: usize,
    pub left: &'a [hir::LeftToPython],
    /// Per 1-based line: the code compiled for it.
    pub lines: BTreeMap<u32, Vec<LineEntry<'a>>>,
}

/// The report of `opts.source` compiled for `opts.target` (its first CPU
/// when it lists several), with the counts its header shows.
pub struct Annotation {
    pub html: String,
    pub native_functions: usize,
    pub left_to_python: usize,
}

/// `FILE.html` beside `FILE.py`.
pub fn default_output(source: &Path) -> PathBuf {
    source.with_extension("html")
}

/// Compiles `opts.source` for the report and writes it to `out`
/// (default: `default_output`); returns where it went.
pub fn write(opts: &BuildOptions, out: Option<&Path>) -> Result<(PathBuf, Annotation), BuildError> {
    let annotation = annotate(opts)?;
    let path = out.map_or_else(|| default_output(&opts.source), Path::to_path_buf);
    std::fs::write(&path, &annotation.html).map_err(|e| BuildError::plain(format!("cannot write the annotate report {}: {e}", path.display())))?;
    Ok((path, annotation))
}

/// The report as HTML; errors are the build's (parse errors located in the
/// source, a missing file, an unknown target).
pub fn annotate(opts: &BuildOptions) -> Result<Annotation, BuildError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::on_compiler_stack(|| annotate_here(opts)))).unwrap_or_else(|panic| {
        Err(BuildError::plain(format!(
            "internal error while annotating {}: {}\n  this is a bug in pyc-aot; please report it with the file",
            opts.source.display(),
            backend::panic_message(panic.as_ref())
        )))
    })
}

fn annotate_here(opts: &BuildOptions) -> Result<Annotation, BuildError> {
    let start = Instant::now();
    let bytes = std::fs::read(&opts.source).map_err(|e| BuildError::plain(format!("cannot read {}: {e}", opts.source.display())))?;
    let display = opts.source.display().to_string();
    let source = crate::decode(opts, &bytes).map_err(|(at, message)| crate::encoding_error(&display, &bytes, at, message))?;
    let name = crate::module_name(&opts.source).map_err(BuildError::plain)?;
    let abs = std::path::absolute(&opts.source).unwrap_or_else(|_| opts.source.clone());
    let (module, src, _) = crate::analyze_here(&source, &display, &abs.display().to_string(), &name)?;
    let targets = target::parse_list(&opts.target).map_err(BuildError::plain)?;
    let minor = link::query_python(&opts.python).map_err(BuildError::plain)?.minor;
    let out = backend::compile(&module, &targets[..1], minor, backend::Listing::Annotate).map_err(|f| crate::internal_error(&src, f))?;
    let native = module.functions.len() - module.c_library_bindings.len();
    let facts = Facts {
        file: &display,
        target: &targets[0].name,
        elapsed_ms: start.elapsed().as_secs_f64() * 1e3,
        native,
        left: &module.left_to_python,
        lines: by_line(&module, &out.code),
    };
    let html = html::page(&src.text, &facts);
    Ok(Annotation { html, native_functions: native, left_to_python: module.left_to_python.len() })
}

/// The user function a compiled function belongs to: its own name, or the
/// name a wrapper's title ends with (`wrapper of fib`).
fn owner<'m>(module: &'m hir::Module, title: &str) -> Option<&'m hir::Function> {
    let name = title.rsplit(" of ").next().unwrap_or(title);
    module.functions.iter().find(|f| f.name == name)
}

/// The functions' code regrouped by source line; code with no line of its
/// own (prologues, wrappers) belongs to its function's `def` line. Module
/// glue (init, exec slot, helpers) belongs to no user function and is left out.
fn by_line<'a>(module: &hir::Module, code: &'a [FunctionCode]) -> BTreeMap<u32, Vec<LineEntry<'a>>> {
    let mut lines: BTreeMap<u32, Vec<LineEntry<'a>>> = BTreeMap::new();
    for f in code {
        let Some(user) = owner(module, &f.title) else { continue };
        for (line, code) in &f.lines {
            let at = line.unwrap_or(user.line);
            let mir = if at == user.line { f.mir.as_deref() } else { None };
            lines.entry(at).or_default().push(LineEntry { function: &f.title, mir, code });
        }
        if f.lines.get(&None).is_none() && f.mir.is_some() {
            // A wrapper whose every instruction came from statements lowered in place.
            lines.entry(user.line).or_default().push(LineEntry { function: &f.title, mir: f.mir.as_deref(), code: &EMPTY });
        }
    }
    lines
}

static EMPTY: LineCode = LineCode { clif: Vec::new(), asm: Vec::new(), calls: Vec::new() };
