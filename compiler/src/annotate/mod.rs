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
use std::collections::{BTreeMap, HashMap};
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
    let (module, src, _, _) = crate::analyze_here(&source, &display, &abs.display().to_string(), &name, &opts.c.include_dirs)?;
    let targets = target::parse_list(&opts.target).map_err(BuildError::plain)?;
    let minor = link::query_python(&opts.python).map_err(BuildError::plain)?.minor;
    let first = targets.first().ok_or_else(|| BuildError::plain("no target given"))?;
    let out = backend::compile(&module, std::slice::from_ref(first), minor, backend::Listing::Annotate).map_err(|f| crate::internal_error(&src, f))?;
    // Outlined `prange` bodies are parts of their functions.
    let native = module.functions.iter().filter(|f| f.outlined_from.is_none()).count() - module.c_library_bindings.len();
    let facts = Facts {
        file: &display,
        target: &first.name,
        elapsed_ms: start.elapsed().as_secs_f64() * 1e3,
        native,
        left: &module.left_to_python,
        lines: by_line(&module, &out.code),
    };
    let html = html::page(&src.text, &facts);
    Ok(Annotation { html, native_functions: native, left_to_python: module.left_to_python.len() })
}

/// The symbols of the code each user function compiles to (its native
/// function and wrappers, as `backend` and `glue` name them), to its `def` line.
fn owners(module: &hir::Module) -> HashMap<String, u32> {
    const PREFIXES: [&str; 4] = ["pyc_aot_native_", "pyc_aot_wrap_", "pyc_aot_wrap_slow_", "pyc_aot_vectorcall_"];
    let mut owners = HashMap::new();
    for f in &module.functions {
        for prefix in PREFIXES {
            owners.entry(format!("{prefix}{}", f.name)).or_insert(f.line);
        }
    }
    owners
}

/// The functions' code regrouped by source line; code with no line of its
/// own (prologues, wrappers) belongs to its function's `def` line. Module
/// glue (init, exec slot, helpers) belongs to no user function and is left out.
fn by_line<'a>(module: &hir::Module, code: &'a [FunctionCode]) -> BTreeMap<u32, Vec<LineEntry<'a>>> {
    let owners = owners(module);
    let mut lines: BTreeMap<u32, Vec<LineEntry<'a>>> = BTreeMap::new();
    for f in code {
        let Some(&def_line) = owners.get(&f.symbol) else { continue };
        for (line, code) in &f.lines {
            let at = line.unwrap_or(def_line);
            let mir = if at == def_line { f.mir.as_deref() } else { None };
            lines.entry(at).or_default().push(LineEntry { function: &f.title, mir, code });
        }
        if f.lines.get(&None).is_none() && f.mir.is_some() {
            // A wrapper whose every instruction came from statements lowered in place.
            lines.entry(def_line).or_default().push(LineEntry { function: &f.title, mir: f.mir.as_deref(), code: &EMPTY });
        }
    }
    lines
}

static EMPTY: LineCode = LineCode { clif: Vec::new(), asm: Vec::new(), calls: Vec::new() };
