//! `raise` of objects and `try` statements typed into HIR
//! (`hir::StmtKind::RaiseObject`, `hir::StmtKind::Try`). `raise` of a
//! builtin exception with a literal message (or none) stays the
//! `hir::StmtKind::Raise` typed code raises, also without the GIL; any
//! other `raise` (a class or instance from a global, a call with any
//! arguments, `from`, a bare `raise`) and every `try` need the GIL, so
//! where it is released they leave the function to Python.

use crate::frontend::{fallback, vocab};
use crate::hir::{self, ObjConst};
use crate::syntax::{ExceptHandler, Expr, ExprKind, Span, Stmt};
use crate::types::Ty;

use super::object::{boxed, konst};
use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    /// `raise exc from cause` (`exc` absent: a bare `raise`).
    pub(super) fn raise(&mut self, exc: Option<&Expr>, cause: Option<&Expr>, span: &Span) -> R<hir::StmtKind> {
        if let (Some(e), None) = (exc, cause) {
            if let Some(k) = self.builtin_raise(e) {
                return Ok(k);
            }
        }
        if self.nogil {
            return fallback(span, "it raises an exception object (only a builtin exception with a literal message is raised without the GIL)");
        }
        let exc = match exc {
            Some(e) => Some(self.object_operand(e)?),
            None => None,
        };
        let cause = match cause {
            Some(c) => Some(self.object_operand(c)?),
            None => None,
        };
        Ok(hir::StmtKind::RaiseObject { exc, cause })
    }

    /// `raise Exc` / `raise Exc("literal")` of a builtin exception, as typed
    /// code raises it (no object made until it is raised).
    fn builtin_raise(&self, exc: &Expr) -> Option<hir::StmtKind> {
        let (name_expr, msg) = match &exc.kind {
            ExprKind::Call { func, args, keywords } if keywords.is_empty() => match args.as_slice() {
                [] => (func.as_ref(), None),
                [Expr { kind: ExprKind::Str(m), .. }] => (func.as_ref(), Some(m.clone())),
                _ => return None,
            },
            _ => (exc, None),
        };
        match &name_expr.kind {
            ExprKind::Name(n) if !self.shadowed(n) => vocab::builtin_exception(n).map(|exc| hir::StmtKind::Raise { exc, msg }),
            _ => None,
        }
    }

    /// `e` typed as an object (a C value boxed).
    fn object_operand(&mut self, e: &Expr) -> R<hir::Expr> {
        let v = self.expr(e)?;
        match v.ty {
            Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => Ok(boxed(v)),
            t => fallback(&e.span, format!("it raises or catches {t}, which is not an object")),
        }
    }

    /// A `try` statement.
    pub(super) fn try_stmt(&mut self, body: &[Stmt], handlers: &[ExceptHandler], orelse: &[Stmt], finalbody: Option<&[Stmt]>, span: &Span) -> R<hir::StmtKind> {
        if self.nogil {
            return fallback(span, "it uses `try` where the GIL is released");
        }
        let body = self.block(body)?;
        let mut hs = vec![];
        for h in handlers {
            let types = match &h.types {
                Some(t) => Some(self.object_operand(t)?),
                None => None,
            };
            let name = match &h.name {
                Some(n) => {
                    if self.local_ty(n).is_some_and(|t| t != Ty::Object) {
                        return fallback(&h.span, format!("`except … as {n}` binds a local that is not an object"));
                    }
                    let (id, _) = self.assign_to(n, konst(ObjConst::None), &h.span)?;
                    Some(id)
                }
                None => None,
            };
            let line = self.line(&h.span);
            hs.push(hir::Handler { types, name, body: self.block(&h.body)?, line });
        }
        let orelse = self.block(orelse)?;
        let finalbody = match finalbody {
            Some(f) => Some(self.block(f)?),
            None => None,
        };
        let t = hir::Try { body, handlers: hs, orelse, finalbody };
        let mut gil = false;
        for b in t.blocks() {
            hir::visit_stmts(b, &mut |s| gil |= matches!(s.kind, hir::StmtKind::Gil { .. } | hir::StmtKind::Prange(_)));
        }
        if gil {
            return fallback(span, "it releases the GIL inside `try` (not compiled yet)");
        }
        Ok(hir::StmtKind::Try(Box::new(t)))
    }
}

/// The line of a `try` or a bare `raise` in a `nogil` function or inside a
/// `with cython.nogil:`/`gil:` block: an exception raised again as it is
/// leaves the function without putting the GIL back as it was.
pub(super) fn handling_in_gil_region(body: &[hir::Stmt], nogil: bool) -> Option<u32> {
    let mut found = None;
    hir::visit_stmts(body, &mut |s| {
        if found.is_some() {
            return;
        }
        match &s.kind {
            hir::StmtKind::Try(_) | hir::StmtKind::RaiseObject { exc: None, .. } if nogil => found = Some(s.line),
            hir::StmtKind::Gil { body, .. } => {
                hir::visit_stmts(body, &mut |t| {
                    if found.is_none() && matches!(t.kind, hir::StmtKind::Try(_) | hir::StmtKind::RaiseObject { exc: None, .. }) {
                        found = Some(t.line);
                    }
                })
            }
            _ => {}
        }
    });
    found
}
