//! The Python that stays Python: the module source minus the compiled
//! functions, with `cython` imports bound to the embedded shim.
//!
//! Line numbers must stay those of the original file, so every edit replaces
//! text by text with the same number of newlines.

use super::cimports::Cimports;
use super::pxd::{self, Decl, Field};
use super::Binding;
use crate::diag::SourceFile;
use crate::hir::SHIM_GLOBAL;
use crate::types::{Elem, Ty};
use crate::syntax::{Alias, Stmt, StmtKind};
use std::collections::HashMap;
use std::ops::Range;

/// `classes`: the source of each compiled cclass (its decorators included),
/// blanked as compiled functions are.
/// `methods`: each compiled method of a plain class (its `def` with its
/// decorators, the `def` line, and the statement binding it there, indented
/// as the `def` was).
pub fn python_source(src: &SourceFile, body: &[Stmt], compiled: &HashMap<&str, bool>, classes: &[Range<usize>], methods: &[(Range<usize>, u32, String)], cimported: &Cimports, cvar_edits: Vec<(Range<usize>, String)>) -> String {
    // `cvar_edits`: module-level C variables' reads and assignments (`module_consts::residual_edits`).
    let mut edits: Vec<(Range<usize>, String)> = cvar_edits;
    for (m, def_line, binding) in methods {
        let first = src.line_of(m.start);
        let last = src.line_of(m.end.saturating_sub(1).max(m.start));
        let range = src.line_range(first).start..src.line_range(last).end;
        let line_text = &src.text[src.line_range(*def_line)];
        let indent = &line_text[..line_text.len() - line_text.trim_start().len()];
        let text = format!("{}{indent}{binding}{}", "\n".repeat((def_line - first) as usize), "\n".repeat((last - def_line) as usize));
        edits.push((range, text));
    }
    for c in classes {
        let first = src.line_of(c.start);
        let last = src.line_of(c.end.saturating_sub(1).max(c.start));
        let range = src.line_range(first).start..src.line_range(last).end;
        edits.push((range, "\n".repeat((last - first) as usize)));
    }
    for stmt in body {
        if let StmtKind::FunctionDef(f) = &stmt.kind {
            if compiled.contains_key(f.name.as_str()) {
                let start = f.decorators.first().map_or(stmt.span.start, |d| d.span.start.min(stmt.span.start));
                let first = src.line_of(start);
                let last = src.line_of(stmt.span.end.saturating_sub(1).max(start));
                let range = src.line_range(first).start..src.line_range(last).end;
                edits.push((range, "\n".repeat((last - first) as usize)));
            }
        }
    }
    rewrite_imports(src, body, compiled, cimported, &mut edits);
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = src.text.clone();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    // The text is decoded already: a PEP 263 declaration left in it would
    // make CPython decode it a second time.
    if let Some((at, _)) = crate::syntax::coding_declaration(out.as_bytes()) {
        let end = out[at..].find('\n').map_or(out.len(), |i| at + i);
        out.replace_range(at..end, "#");
    }
    out
}

fn rewrite_imports(src: &SourceFile, body: &[Stmt], compiled: &HashMap<&str, bool>, cimported: &Cimports, edits: &mut Vec<(Range<usize>, String)>) {
    for stmt in body {
        let replacement = match &stmt.kind {
            StmtKind::Import(aliases) if aliases.iter().any(|a| is_cython_module(&a.name)) => {
                let pieces: Vec<String> = aliases.iter().filter(|a| !is_pxd_module(&a.name, cimported)).map(import_piece).collect();
                Some(if pieces.is_empty() { "pass".to_string() } else { pieces.join("; ") })
            }
            StmtKind::ImportFrom { module: Some(m), names, level: 0 } if is_cython_module(m) || m == "pyc_aot" => {
                // A C library function bound natively is in the module dict already.
                let pieces: Vec<String> = names
                    .iter()
                    .filter(|a| !(m == "cython.cimports.libc.math" && compiled.contains_key(a.asname.as_ref().unwrap_or(&a.name).as_str())))
                    .filter_map(|a| pxd_piece(m, a, cimported).unwrap_or_else(|| Some(from_piece(m, a))))
                    .collect();
                Some(if pieces.is_empty() { "pass".to_string() } else { pieces.join("; ") })
            }
            StmtKind::If { body, orelse, .. } => {
                rewrite_imports(src, body, compiled, cimported, edits);
                rewrite_imports(src, orelse, compiled, cimported, edits);
                None
            }
            StmtKind::Other { body, .. } | StmtKind::With { body, .. } => {
                rewrite_imports(src, body, compiled, cimported, edits);
                None
            }
            StmtKind::Try { .. } => {
                for b in stmt.kind.try_blocks() {
                    rewrite_imports(src, b, compiled, cimported, edits);
                }
                None
            }
            _ => None,
        };
        if let Some(text) = replacement {
            let newlines = src.text[stmt.span.clone()].matches('\n').count();
            edits.push((stmt.span.clone(), text + &"\n".repeat(newlines)));
        }
    }
}

/// `import cython.cimports.cfib as c`: a `.pxd`, nothing for Python.
fn is_pxd_module(name: &str, cimported: &Cimports) -> bool {
    name.strip_prefix("cython.cimports.").is_some_and(|m| cimported.modules.iter().any(|x| x == m))
}

/// What interpreted code gets of a name imported from a `.pxd` (`None`: not
/// one): an enum member its value; a type the shim's (a struct its
/// `cython.struct(…)`, an opaque struct `cython.void`), so annotations and
/// casts naming it run as under Cython's shadow module; a C function bound
/// natively is in the module dict already; other C names nothing
/// (interpreted code cannot read C variables).
fn pxd_piece(module: &str, a: &Alias, cimported: &Cimports) -> Option<Option<String>> {
    // `from cython.cimports[.pkg] import mod`: the `.pxd` [pkg/]mod.pxd itself.
    let whole = module.strip_prefix("cython.cimports").is_some_and(|pkg| {
        let dotted = format!("{pkg}.{}", a.name);
        cimported.modules.iter().any(|x| *x == dotted[1..])
    });
    let from_pxd = module.strip_prefix("cython.cimports.").is_some_and(|m| cimported.modules.iter().any(|x| x == m));
    if !whole && !from_pxd {
        return None;
    }
    let bound = a.asname.as_ref().unwrap_or(&a.name);
    Some(cimported.bindings.iter().find(|(n, _)| n == bound).and_then(|(_, b)| match b {
        Binding::CDecl(Decl::Enum(v)) => Some(format!("{bound} = {v}")),
        Binding::CDecl(Decl::Type(t)) => Some(format!("{bound} = {}", shim_type(*t))),
        Binding::CDecl(Decl::Opaque) => Some(format!("{bound} = {SHIM_GLOBAL}.void")),
        // The shim's function pointer type: a variable of it holds the function.
        Binding::CDecl(Decl::FnType(_)) => Some(format!("{bound} = {SHIM_GLOBAL}._FunctionPointerType('{}')", a.name)),
        Binding::CDecl(Decl::Struct { fields, union, .. }) => Some(format!("{bound} = {}", shim_struct(fields, *union))),
        // Another module's cfunc: that module's attribute of its name, when
        // it has one (a Cython-built module's cfuncs are no attributes:
        // interpreted code then finds the name unbound). One line, so the
        // residual's line numbers stay the source's.
        Binding::CDecl(Decl::Var { symbol, .. }) if module.strip_prefix("cython.cimports.").is_some_and(|m| *symbol == crate::hir::capi_slot(m, &a.name)) => {
            let (from, name) = (module.trim_start_matches("cython.cimports."), &a.name);
            Some(format!("(lambda m: globals().__setitem__('{bound}', m.{name}) if hasattr(m, '{name}') else None)(__import__('{from}', fromlist=['{name}']))"))
        }
        _ => None,
    }))
}

/// A `.pxd` scalar or pointer type as the shim spells it.
fn shim_type(t: Ty) -> String {
    match t {
        Ty::Ptr(None) => format!("{SHIM_GLOBAL}.p_void"),
        Ty::Ptr(Some(Elem::VoidPtr)) => format!("{SHIM_GLOBAL}.pp_void"),
        Ty::Ptr(Some(e)) => format!("{SHIM_GLOBAL}.pointer({})", shim_type(e.ty())),
        // Interpreted, a function pointer holds the function itself.
        Ty::FnPtr(_) => format!("{SHIM_GLOBAL}.p_void"),
        t => format!("{SHIM_GLOBAL}.{}", pxd::cython_name(t)),
    }
}

/// A `.pxd` struct as the shim's `cython.struct(…)` (pointers to structs
/// as `void*`s: interpreted code only passes them on).
fn shim_struct(fields: &[(String, Field)], union: bool) -> String {
    let spelt: Vec<String> = fields
        .iter()
        .map(|(f, t)| {
            let t = match t {
                Field::Scalar(t) => shim_type(*t),
                Field::StructPtr(_) => format!("{SHIM_GLOBAL}.p_void"),
                Field::Struct { fields, union, .. } => shim_struct(fields, *union),
            };
            format!("{f}={t}")
        })
        .collect();
    format!("{SHIM_GLOBAL}.{}({})", if union { "union" } else { "struct" }, spelt.join(", "))
}

fn is_cython_module(name: &str) -> bool {
    name == "cython" || name.starts_with("cython.")
}

fn import_piece(a: &Alias) -> String {
    if is_cython_module(&a.name) {
        match &a.asname {
            // `import cython.cimports.libc.math as m` binds the submodule itself.
            Some(asname) => format!("{asname} = {SHIM_GLOBAL}{}", a.name.strip_prefix("cython").unwrap_or("")),
            None => format!("cython = {SHIM_GLOBAL}"),
        }
    } else {
        match &a.asname {
            Some(asname) => format!("import {} as {asname}", a.name),
            None => format!("import {}", a.name),
        }
    }
}

fn from_piece(module: &str, a: &Alias) -> String {
    let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
    if module == "pyc_aot" {
        return if a.name == "cython" {
            format!("{bound} = {SHIM_GLOBAL}")
        } else {
            format!("from pyc_aot import {} as {bound}", a.name)
        };
    }
    if a.name == "*" {
        return format!("globals().update({{k: v for k, v in vars({SHIM_GLOBAL}{}).items() if not k.startswith('_')}})", module.strip_prefix("cython").unwrap_or(""));
    }
    format!("{bound} = {SHIM_GLOBAL}{}.{}", module.strip_prefix("cython").unwrap_or(""), a.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_module;

    #[test]
    fn blanks_compiled_functions_and_rebinds_cython_keeping_lines() {
        let text = "import cython\nfrom cython.cimports.libc.math import sqrt as s\n\n@cython.cfunc\ndef f(x: int) -> int:\n    return x\n\ndef g():\n    print(1)\n";
        let src = SourceFile::new("m.py", text);
        let ast = parse_module(text, "m.py").unwrap();
        let compiled = HashMap::from([("f", false)]);
        let out = python_source(&src, &ast.body, &compiled, &[], &[], &Cimports::default(), vec![]);
        assert_eq!(out.lines().count(), text.lines().count());
        assert_eq!(
            out,
            "cython = __pyc_aot_cython__\ns = __pyc_aot_cython__.cimports.libc.math.sqrt\n\n\n\n\n\ndef g():\n    print(1)\n"
        );
    }
}
