//! Cfuncs shared between modules, as Cython shares them: a module's own
//! `.pxd` declaring `cdef double helper(double x)` exports its cfunc
//! `helper` (its C entry, in a capsule named by the signature, in the
//! module's `__pyx_capi__`); another module cimporting `helper` from that
//! `.pxd` calls it through a C variable its exec fills from there
//! (`cimports.rs`, `backend/glue/capi.rs`). Here: which of the module's
//! cfuncs its `.pxd` exports, each checked against its declaration.

use super::structs::is_cfunc;
use super::typeck::Candidate;
use super::ModuleCx;
use crate::diag::Diagnostic;
use crate::hir::{self, CapiExport};
use crate::syntax::{self, StmtKind};
use crate::types::{c_spelling, FnSig};

/// The exports of `shared` (name, declared signature, `.pxd` line): each a
/// module-level `@cython.cfunc` that compiled, of the declared signature.
/// A declared name the module defines as a plain `def` is not exported,
/// with a warning in `warnings`: Cython would make it that cfunc (an
/// augmenting `.pxd`), which pyc-aot does not do.
pub(crate) fn exports(cx: &ModuleCx, warnings: &mut Vec<Diagnostic>, body: &[syntax::Stmt], pxd: &str, shared: &[(String, FnSig, u32)], candidates: &[Candidate], functions: &[hir::Function], left: &[hir::LeftToPython]) -> Result<Vec<CapiExport>, Vec<Diagnostic>> {
    let mut out = vec![];
    let mut errors = vec![];
    for (name, sig, line) in shared {
        let def_at = body.iter().find_map(|s| match &s.kind {
            StmtKind::FunctionDef(f) if f.name == *name => Some(f.name_span.clone()),
            _ => None,
        });
        let declared = format!("`{name}` is declared `{}` in {pxd} (line {line})", spelt(name, sig));
        let Some(at) = def_at else {
            errors.push(Diagnostic::error(0..0, format!("{declared}, but the module defines no function `{name}`")).with_label("here").with_hint(format!("define `@cython.cfunc def {name}(…)`, or remove its declaration")));
            continue;
        };
        let fail = |why: String| Diagnostic::error(at.clone(), format!("{declared}, but {why}")).with_label("the definition");
        let is_cfunc = body.iter().any(|s| match &s.kind {
            StmtKind::FunctionDef(f) if f.name == *name => is_cfunc(cx, f),
            _ => false,
        });
        if !is_cfunc {
            warnings.push(
                Diagnostic::warning(at.clone(), format!("{declared}, but it is not a `@cython.cfunc`: not shared with other modules"))
                    .with_label("the definition")
                    .with_hint("decorate it with `@cython.cfunc` and the declared types (pyc-aot does not apply a `.pxd`'s types to a `def`)"),
            );
            continue;
        }
        let Some(c) = candidates.iter().find(|c| c.name == *name && c.class.is_none()) else {
            let why = left.iter().find(|l| l.function == *name).map_or("it does not compile".to_string(), |l| format!("it stays Python: {}", l.reason));
            errors.push(fail(why).with_hint("other modules call it from C: it must compile natively"));
            continue;
        };
        let params: Vec<_> = c.params.iter().map(|p| p.ty).collect();
        let own = FnSig { params, ret: c.declared_ret.unwrap_or(crate::types::Ty::Object), nogil: c.nogil, except: c.except_spec() };
        let same = own.params == sig.params && own.ret == sig.ret && own.except == sig.except && (own.nogil || !sig.nogil);
        if !same {
            errors.push(fail(format!("it is defined `{}`", spelt(name, &own))).with_hint("make the declaration and the definition agree (types, exception value, `nogil`)"));
            continue;
        }
        match functions.iter().find(|f| f.name == *name) {
            Some(f) => out.push(CapiExport { name: name.clone(), func: f.id, sig: sig.clone() }),
            None => errors.push(fail("it does not compile".into())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `double helper(double) except? -1` as a `.pxd` spells it.
fn spelt(name: &str, sig: &FnSig) -> String {
    let params: Vec<String> = sig.params.iter().map(|t| c_spelling(*t)).collect();
    format!("{} {name}({}) {}{}", c_spelling(sig.ret), params.join(", "), sig.except, if sig.nogil { " nogil" } else { "" })
}
