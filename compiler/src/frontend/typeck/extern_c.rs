//! C functions and variables cimported from a `.pxd`, typed into HIR:
//! calls with each argument converted to the declared parameter type as
//! any argument is (`coerce`), enum members as constants, C variables read
//! from their symbols.

use crate::diag::Diagnostic;
use crate::frontend::pxd::{CFunc, Decl};
use crate::frontend::{error, fallback};
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::types::{FnPtrTy, Ty, C_INT};

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
            // A function pointer parameter takes a `@cfunc`'s name, a
            // function pointer of its type (or NULL).
            if let Some((_, sig)) = f.callbacks.iter().find(|(k, _)| *k == i) {
                if self.cx.binding_of(a) != Some(crate::frontend::Binding::CythonAttr("NULL".into())) {
                    if !self.is_cfunc_name(a) {
                        let v = self.expr(a)?;
                        if matches!(v.ty, Ty::FnPtr(_)) {
                            let want = Ty::FnPtr(crate::types::FnPtrTy::of(sig));
                            let v = self.coerce(v, want, &a.span, pname)?;
                            out.push(hir::Expr { kind: v.kind, ty: *pty });
                            continue;
                        }
                    }
                    out.push(self.function_pointer(a, shown, sig)?);
                    continue;
                }
            }
            let v = self.expr(a)?;
            out.push(self.coerce(v, *pty, &a.span, pname)?);
        }
        Ok(hir::Expr { kind: H::CCall { symbol: f.symbol.clone(), args: out }, ty: f.ret })
    }

    /// Whether `a` names a top-level function (not a local).
    fn is_cfunc_name(&self, a: &Expr) -> bool {
        matches!(&a.kind, ExprKind::Name(n) if !self.local_names.contains(n) && self.cx.top_defs.contains_key(n))
    }

    /// `f(args)` of a C function pointer `f` (a local, a cfunc's result):
    /// the arguments converted to its parameter types as an extern call's
    /// are, the call made with C's convention. Calling a NULL pointer is
    /// the user's bug, as in C.
    pub(super) fn call_through(&mut self, e: &Expr, f: hir::Expr, p: FnPtrTy, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let sig = p.sig();
        if !keywords.is_empty() {
            return error(
                Diagnostic::error(e.span.clone(), format!("a call through a C function pointer ({}) takes no keyword arguments", f.ty))
                    .with_label("keyword arguments")
                    .with_hint("pass the arguments by position, as C does"),
            );
        }
        if args.len() != sig.params.len() {
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function pointer takes {} argument{} ({} given)", sig.params.len(), if sig.params.len() == 1 { "" } else { "s" }, args.len()))
                    .with_label("wrong number of arguments")
                    .with_hint(format!("its type is {}", f.ty)),
            );
        }
        if self.nogil && !sig.nogil {
            return error(
                Diagnostic::error(e.span.clone(), format!("a call through {} needs the GIL, but is made without it", f.ty))
                    .with_label("inside `with cython.nogil:`")
                    .with_hint("declare the function pointer type `nogil` in its .pxd, as Cython requires"),
            );
        }
        let mut out = vec![f];
        for (k, (a, t)) in args.iter().zip(&sig.params).enumerate() {
            let v = self.expr(a)?;
            out.push(self.coerce(v, *t, &a.span, &format!("argument {}", k + 1))?);
        }
        Ok(hir::Expr { kind: H::CallPtr(out), ty: sig.ret })
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
