//! The C code a module wraps: C sources compiled with the C compiler into
//! objects linked into the module, include and library directories,
//! libraries; and the check that every C symbol the module's `.pxd`
//! declarations made it use is defined once linked.

use crate::hir::{self, ExprKind, Module};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `pyc-aot build m.py cfib.c -I dir -L dir -l name` adds to a build.
#[derive(Debug, Clone, Default)]
pub struct CInputs {
    /// C sources compiled into the module.
    pub sources: Vec<PathBuf>,
    /// Where `.pxd` files (after the module's directory) and headers are found.
    pub include_dirs: Vec<PathBuf>,
    pub library_dirs: Vec<PathBuf>,
    /// Libraries to link (`-l` names).
    pub libraries: Vec<String>,
}

impl CInputs {
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.include_dirs.is_empty() && self.library_dirs.is_empty() && self.libraries.is_empty()
    }
}

/// The C symbols (functions and variables) the module's code uses, sorted.
pub fn extern_symbols(m: &Module) -> Vec<String> {
    let mut out = vec![];
    for f in &m.functions {
        hir::visit_stmt_exprs(&f.body, &mut |e| {
            hir::visit_expr(e, &mut |x| match &x.kind {
                ExprKind::CCall { symbol, .. } => out.push(symbol.clone()),
                ExprKind::CGlobal(symbol) if !symbol.starts_with(hir::MODULE_CVAR) => out.push(symbol.clone()),
                _ => {}
            })
        });
    }
    out.sort();
    out.dedup();
    out
}

/// The C compiler driver and its leading arguments (`$CC` may hold flags).
pub fn compiler(cc: &str) -> (String, Vec<String>) {
    let mut parts = cc.split_whitespace().map(str::to_string);
    let program = parts.next().unwrap_or_else(|| "cc".to_string());
    (program, parts.collect())
}

/// Compiles each C source into an object in `dir` (`-O2 -fPIC`, then
/// `$CFLAGS` as setuptools adds them, the include directories on the header
/// path); a compile error is the compiler's message, which names the file
/// and line.
pub fn compile_sources(cc: &str, c: &CInputs, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let (program, lead) = compiler(cc);
    let cflags: Vec<String> = std::env::var("CFLAGS").map(|f| f.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
    let mut objects = vec![];
    for (i, source) in c.sources.iter().enumerate() {
        if !source.is_file() {
            return Err(format!("cannot find the C source {}", source.display()));
        }
        let stem = source.file_stem().map_or_else(|| "source".into(), |s| s.to_string_lossy().into_owned());
        let obj = dir.join(format!("{i}-{stem}.o"));
        let output = Command::new(&program)
            .args(&lead)
            .args(["-O2", "-fPIC", "-c"])
            .args(&cflags)
            .arg(source)
            .arg("-o")
            .arg(&obj)
            .args(c.include_dirs.iter().map(|d| format!("-I{}", d.display())))
            .output()
            .map_err(|e| format!("cannot run the C compiler `{program}` ({e}); install a C compiler (e.g. `apt-get install gcc`) or set CC"))?;
        if !output.status.success() {
            return Err(format!("compiling {} failed:\n{}", source.display(), String::from_utf8_lossy(&output.stderr).trim()));
        }
        objects.push(obj);
    }
    Ok(objects)
}

/// Linker arguments that make an undefined symbol a warning naming it
/// (the interpreter's symbols are undefined in every extension module).
pub const REPORT_UNDEFINED: &[&str] = &["-Wl,--no-undefined", "-Wl,--warn-unresolved-symbols"];

/// The symbols of `wanted` that the linker's warnings say are undefined
/// (GNU ld: "undefined reference to `f'"; lld: "undefined symbol: f").
pub fn undefined_in(linker_output: &str, wanted: &[String]) -> Vec<String> {
    let mut missing: Vec<String> = wanted
        .iter()
        .filter(|s| {
            linker_output.lines().any(|l| {
                l.contains(&format!("undefined reference to `{s}'"))
                    || l.contains(&format!("undefined reference to '{s}'"))
                    || l.trim_end().ends_with(&format!("undefined symbol: {s}"))
            })
        })
        .cloned()
        .collect();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_symbols_from_gnu_ld_and_lld() {
        let wanted = vec!["cfib".to_string(), "other".to_string()];
        let ld = "/usr/bin/ld: module.o: in function `fib':\n(.text+0x1c): warning: undefined reference to `cfib'\n/usr/bin/ld: warning: undefined reference to `PyFloat_FromDouble'\n";
        assert_eq!(undefined_in(ld, &wanted), vec!["cfib".to_string()]);
        let lld = "ld.lld: warning: undefined symbol: other\n>>> referenced by module.o\n";
        assert_eq!(undefined_in(lld, &wanted), vec!["other".to_string()]);
        assert!(undefined_in("", &wanted).is_empty());
    }
}
