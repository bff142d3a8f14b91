//! C functions and variables cimported from a `.pxd`, typed into HIR:
//! calls with each argument converted to the declared parameter type as
//! any argument is (`coerce`), enum members as constants, C variables read
//! from their symbols.

use crate::diag::Diagnostic;
use crate::frontend::pxd::{CFunc, Decl};
use crate::frontend::{error, fallback};
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::{self, Expr, Span};
use crate::types::{Ty, C_INT};

use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn c_call(&mut self, e: &Expr, shown: &str, f: &CFunc, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if !keywords.is_empty() {
            return fallback(&e.span, format!("it calls the C function `{shown}` with keyword arguments"));
        }
        if args.len() != f.params.len() {
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function `{shown}` takes {} argument{} ({} given)", f.params.len(), if f.params.len() == 1 { "" } else { "s" }, args.len()))
                    .with_label("wrong number of arguments")
                    .with_hint(format!("its .pxd declares {}({})", f.symbol, f.params.iter().map(|(n, t)| format!("{t} {n}")).collect::<Vec<_>>().join(", "))),
            );
        }
        if self.nogil && !f.nogil {
            // Cython's rule: only functions declared `nogil` run without the GIL.
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function `{shown}` needs the GIL, but is called without it"))
                    .with_label("inside `with cython.nogil:`")
                    .with_hint(format!("declare it `nogil` in its .pxd (`{} {}(…) nogil`, or `cdef extern from \"….h\" nogil:`)", f.ret, f.symbol)),
            );
        }
        let mut out = vec![];
        for (i, (a, (pname, pty))) in args.iter().zip(&f.params).enumerate() {
            // A function pointer parameter takes a `@cfunc`'s name (or NULL).
            if let Some((_, sig)) = f.callbacks.iter().find(|(k, _)| *k == i) {
                if self.cx.binding_of(a) != Some(crate::frontend::Binding::CythonAttr("NULL".into())) {
                    out.push(self.function_pointer(a, shown, sig)?);
                    continue;
                }
            }
            let v = self.expr(a)?;
            out.push(self.coerce(v, *pty, &a.span, pname)?);
        }
        Ok(hir::Expr { kind: H::CCall { symbol: f.symbol.clone(), args: out }, ty: f.ret })
    }

    /// A cimported name read as a value.
    pub(super) fn c_value(&mut self, decl: &Decl, shown: &str, span: &Span) -> R<hir::Expr> {
        match decl {
            Decl::Enum(v) => Ok(hir::Expr::konst(Const::Int(*v), Ty::Int(C_INT))),
            Decl::Var { symbol, ty } => Ok(hir::Expr { kind: H::CGlobal(symbol.clone()), ty: *ty }),
            _ => fallback(span, format!("it uses the C function `{shown}` as a value")),
        }
    }
}
