//! `from cython.cimports.<mod> import name`: finding `<mod>.pxd` beside the
//! module (then on the include path), reading it, and what each imported
//! name is bound to. Cython's own `.pxd` packages (`libc`, `cpython`, …)
//! are not looked for: `libc.math` is the vocabulary's.

use super::pxd::{self, Decl, Pxd};
use super::Binding;
use crate::diag::{Diagnostic, SourceFile};
use crate::hir;
use crate::types::Ty;
use crate::syntax::{Alias, Stmt, StmtKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Packages Cython ships `.pxd` files for.
const CYTHON_PACKAGES: &[&str] = &["libc", "libcpp", "cpython", "posix", "openmp", "numpy", "cython"];

/// The part of Cython's `libc/stdio.pxd` pyc-aot declares itself: the
/// formatted output functions (variadic) and the standard streams.
const LIBC_STDIO: &str = "cdef extern from \"<stdio.h>\" nogil:
    ctypedef struct FILE
    FILE *stdin
    FILE *stdout
    FILE *stderr
    int printf(const char *format, ...)
    int fprintf(FILE *stream, const char *format, ...)
    int sprintf(char *str, const char *format, ...)
    int snprintf(char *str, size_t size, const char *format, ...)
    int puts(const char *s)
    int fputs(const char *s, FILE *stream)
    int putchar(int c)
    int fflush(FILE *stream)
";

/// The `.pxd` files a module cimports from, read.
#[derive(Debug, Default)]
pub struct Cimports {
    /// Module-level names bound to declarations or to a whole `.pxd`.
    pub(crate) bindings: Vec<(String, Binding)>,
    /// Each `.pxd` read.
    pub files: Vec<PathBuf>,
    /// The dotted names of the `.pxd` modules (the residual drops their imports).
    pub(crate) modules: Vec<String>,
    /// Another module's cfuncs cimported through its `.pxd`'s `cdef`
    /// declarations: each is read at exec from that module's
    /// `__pyx_capi__` into a C variable of its pointer type (`hir::capi_slot`).
    pub(crate) capi: Vec<crate::hir::CapiImport>,
    /// The module's own cfuncs its own `.pxd` declares (`own_shared`).
    pub(crate) shared: Vec<(String, crate::types::FnSig, u32)>,
}

/// Where a cimport went wrong: in the module's source, or in a `.pxd` (its file).
pub enum CimportError {
    InSource(Vec<Diagnostic>),
    InPxd(Box<(SourceFile, Diagnostic)>),
}

/// The cimports of a module's top level, `dir` being the module's directory.
pub fn resolve(body: &[Stmt], dir: &Path, include_dirs: &[PathBuf]) -> Result<Cimports, CimportError> {
    let mut out = Cimports::default();
    let mut errors = vec![];
    let mut read: Vec<(String, Arc<Pxd>)> = vec![];
    for stmt in body {
        let (module, names): (String, Vec<(&Alias, bool)>) = match &stmt.kind {
            // `from cython.cimports.cfib import cfib`: names of the `.pxd`.
            StmtKind::ImportFrom { module: Some(m), names, level: 0 } if m.starts_with("cython.cimports.") => {
                (m["cython.cimports.".len()..].to_string(), names.iter().map(|a| (a, false)).collect())
            }
            // `from cython.cimports import cfib`: the `.pxd` itself.
            StmtKind::ImportFrom { module: Some(m), names, level: 0 } if m == "cython.cimports" => (String::new(), names.iter().map(|a| (a, true)).collect()),
            // `import cython.cimports.cfib as c`.
            StmtKind::Import(aliases) => {
                for a in aliases.iter().filter(|a| a.asname.is_some()) {
                    if let Some(m) = a.name.strip_prefix("cython.cimports.") {
                        if let Some(p) = load(m, &a.span, dir, include_dirs, &mut read, &mut out, &mut errors)? {
                            out.bindings.push((a.asname.clone().unwrap_or_default(), Binding::CModule(p)));
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        for (a, whole) in names {
            if a.name == "*" {
                continue;
            }
            let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
            if whole {
                if let Some(p) = load(&a.name, &a.span, dir, include_dirs, &mut read, &mut out, &mut errors)? {
                    out.bindings.push((bound, Binding::CModule(p)));
                }
                continue;
            }
            // `from cython.cimports.pkg import ops`: the `.pxd` pkg/ops.pxd itself.
            let submodule = format!("{module}.{}", a.name);
            if find(&submodule, dir, include_dirs).is_some() {
                if let Some(p) = load(&submodule, &a.span, dir, include_dirs, &mut read, &mut out, &mut errors)? {
                    out.bindings.push((bound, Binding::CModule(p)));
                }
                continue;
            }
            let Some(p) = load(&module, &stmt.span, dir, include_dirs, &mut read, &mut out, &mut errors)? else { break };
            match p.names.get(&a.name) {
                Some((Decl::ModuleFunc(sig), _)) => {
                    // Called through a C variable of the module the exec fills.
                    let ty = crate::types::Ty::FnPtr(crate::types::FnPtrTy::of(sig));
                    out.bindings.push((bound, Binding::CDecl(Decl::Var { symbol: crate::hir::capi_slot(&module, &a.name), ty })));
                    if !out.capi.iter().any(|c| c.module == module && c.name == a.name) {
                        out.capi.push(crate::hir::CapiImport { module: module.clone(), name: a.name.clone(), sig: sig.clone() });
                    }
                }
                Some((decl, _)) => match declared(decl) {
                    Ok(()) => out.bindings.push((bound, Binding::CDecl(decl.clone()))),
                    Err(message) => errors.push(Diagnostic::error(a.span.clone(), message).with_label("cimported here")),
                },
                None => errors.push(
                    Diagnostic::error(a.span.clone(), format!("`{}` is not declared in {module}.pxd", a.name))
                        .with_label("not in the .pxd")
                        .with_hint(format!("declare it in a `cdef extern from` block of {}", pxd_path(&module).display())),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(CimportError::InSource(errors))
    }
}

/// The cfuncs the module's own `.pxd` (`dir/module.pxd`) shares with other
/// modules (its `cdef` function declarations), with their signatures and
/// lines, and the file, if there is one. A `.pxd` this reader refuses
/// shares nothing (the module builds as before; an importer's exec says
/// the function is not exported).
pub fn own_shared(module: &str, dir: &Path) -> (Vec<(String, crate::types::FnSig, u32)>, Option<PathBuf>) {
    let path = dir.join(format!("{module}.pxd"));
    let Ok(text) = std::fs::read_to_string(&path) else { return (vec![], None) };
    let text = crate::syntax::normalize_newlines(&text);
    let Ok(parsed) = pxd::parse(&text) else { return (vec![], Some(path)) };
    let mut shared: Vec<(String, crate::types::FnSig, u32)> = parsed
        .names
        .iter()
        .filter_map(|(n, (d, at))| match d {
            Decl::ModuleFunc(sig) => Some((n.clone(), sig.clone(), text.get(..*at).map_or(0, |t| t.matches('\n').count()) as u32 + 1)),
            _ => None,
        })
        .collect();
    shared.sort_by(|a, b| a.0.cmp(&b.0));
    (shared, Some(path))
}

/// What a cimported name may be, as far as calls and reads go.
fn declared(decl: &Decl) -> Result<(), String> {
    match decl {
        Decl::Func(_) | Decl::Var { .. } | Decl::Enum(_) | Decl::Type(_) | Decl::Struct { .. } | Decl::Opaque | Decl::FnType(_) | Decl::ModuleFunc(_) => Ok(()),
    }
}

fn pxd_path(module: &str) -> PathBuf {
    PathBuf::from(format!("{}.pxd", module.replace('.', "/")))
}

/// Where `module.pxd` is: beside the module, else in the first include directory holding it.
fn find(module: &str, dir: &Path, include_dirs: &[PathBuf]) -> Option<PathBuf> {
    let rel = pxd_path(module);
    std::iter::once(dir).chain(include_dirs.iter().map(PathBuf::as_path)).map(|d| d.join(&rel)).find(|p| p.is_file())
}

/// `module.pxd` read and parsed once; `None` for Cython's own packages, or
/// when it is missing (an error about `span` is noted).
#[allow(clippy::too_many_arguments)]
fn load(
    module: &str,
    span: &std::ops::Range<usize>,
    dir: &Path,
    include_dirs: &[PathBuf],
    read: &mut Vec<(String, Arc<Pxd>)>,
    out: &mut Cimports,
    errors: &mut Vec<Diagnostic>,
) -> Result<Option<Arc<Pxd>>, CimportError> {
    if let Some((_, p)) = read.iter().find(|(m, _)| m == module) {
        return Ok(Some(p.clone()));
    }
    if module == "libc.stdio" {
        let parsed = pxd::parse(LIBC_STDIO).map_err(|d| CimportError::InPxd(Box::new((SourceFile::new("<libc/stdio.pxd>", LIBC_STDIO), d))))?;
        let p = Arc::new(parsed);
        read.push((module.to_string(), p.clone()));
        out.modules.push(module.to_string());
        return Ok(Some(p));
    }
    if CYTHON_PACKAGES.contains(&module.split('.').next().unwrap_or("")) || module.is_empty() {
        return Ok(None);
    }
    let rel = pxd_path(module);
    let Some(path) = find(module, dir, include_dirs) else {
        let looked: Vec<String> = std::iter::once(dir).chain(include_dirs.iter().map(PathBuf::as_path)).map(|d| d.display().to_string()).collect();
        errors.push(
            Diagnostic::error(span.clone(), format!("cannot find {} for `cython.cimports.{module}`", rel.display()))
                .with_label("cimported here")
                .with_hint(format!("looked in {}; pass its directory with `-I`", looked.join(", "))),
        );
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CimportError::InSource(vec![Diagnostic::error(span.clone(), format!("cannot read {}: {e}", path.display())).with_label("cimported here")])
    })?;
    let text = crate::syntax::normalize_newlines(&text);
    // Shown as the user named the module's directory, when it is found there.
    let shown = path.strip_prefix(std::env::current_dir().unwrap_or_default()).unwrap_or(&path).display().to_string();
    let parsed = pxd::parse(&text).map_err(|d| CimportError::InPxd(Box::new((SourceFile::new(shown, text.clone()), d))))?;
    let p = Arc::new(parsed);
    read.push((module.to_string(), p.clone()));
    out.files.push(path);
    out.modules.push(module.to_string());
    Ok(Some(p))
}

/// `from cython.cimports.cfib import cfib` at module level: `cfib` also
/// becomes a native function of the module calling the C function, so
/// interpreted code of the module can call it (at a builtin's cost), as
/// `libc.math` names are bound. Only names nothing else at module level binds.
pub(crate) fn bind_natively(src: &SourceFile, body: &[Stmt], cimported: &Cimports, functions: &mut Vec<hir::Function>, bound: &mut Vec<String>) {
    for stmt in body {
        let StmtKind::ImportFrom { module: Some(m), names, level: 0 } = &stmt.kind else { continue };
        if !m.starts_with("cython.cimports.") {
            continue;
        }
        for a in names {
            let name = a.asname.clone().unwrap_or_else(|| a.name.clone());
            let Some((_, Binding::CDecl(Decl::Func(f)))) = cimported.bindings.iter().find(|(n, _)| *n == name) else { continue };
            if f.variadic || f.by_value.is_some() {
                // Python code cannot say which C types its extra arguments
                // take; a struct by value passes from compiled code only.
                continue;
            }
            if !super::bound_once(body, &name) || functions.iter().any(|g| g.name == name) || bound.contains(&name) {
                continue;
            }
            let doc = format!("The C function `{}` declared in {m}.pxd.", f.symbol, m = &m["cython.cimports.".len()..]);
            let line = src.line_of(stmt.span.start);
            let (symbol, ret, except) = (f.symbol.clone(), f.ret, f.except);
            functions.push(super::c_binding(hir::FuncId(functions.len() as u32), name.clone(), doc, &f.params, ret, line, |args| {
                let call = hir::Expr { kind: hir::ExprKind::CCall { symbol, args, except, variadic: false, by_value: None }, ty: ret };
                if ret == Ty::Void {
                    vec![hir::Stmt { kind: hir::StmtKind::Expr(call), line }, hir::Stmt { kind: hir::StmtKind::Return(None), line }]
                } else {
                    vec![hir::Stmt { kind: hir::StmtKind::Return(Some(call)), line }]
                }
            }));
            bound.push(name);
        }
    }
}
