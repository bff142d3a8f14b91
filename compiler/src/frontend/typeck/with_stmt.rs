//! `with` statements on any context manager (not `cython.nogil`/`gil`/
//! `parallel()`, which `stmt.rs` types) lowered into HIR as PEP 343 spells
//! them, so the MIR's `try` machinery carries the reference counts and the
//! exception edges:
//!
//! ```text
//! mgr = EXPR
//! value = mgr.__enter__()             # `ObjOp::WithEnter`: __enter__ and then
//!                                     # __exit__ looked up on the type (a missing
//!                                     # one: the interpreter's error), `exit` the
//!                                     # __exit__ (unbound: a function of the class,
//!                                     # called with mgr first, `ObjOp::CallExit`),
//!                                     # then __enter__ called
//! ok = True
//! try:
//!     try:
//!         TARGET = value
//!         BODY
//!     except:                          # any exception, as a bare `except`
//!         ok = False
//!         if not exit(type(e), e, e.__traceback__):
//!             raise
//! finally:                             # also on return/break/continue
//!     if ok:
//!         exit(None, None, None)
//! ```
//!
//! Several items nest, the first outermost. The manager and `__exit__`
//! are dropped after the statement, as the interpreter drops the bound
//! `__exit__` (which holds the manager).

use crate::frontend::fallback;
use crate::hir::{self, ExprKind as H, ObjConst, ObjOp};
use crate::syntax::{Expr, Span, Stmt};
use crate::types::Ty;

use super::object::konst;
use super::{Checker, R};

fn op(op: ObjOp, operands: Vec<hir::Expr>, ty: Ty) -> hir::Expr {
    hir::Expr { kind: H::ObjOp { op, operands }, ty }
}

fn stmt(kind: hir::StmtKind, line: u32) -> hir::Stmt {
    hir::Stmt { kind, line }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// `with items[0] as targets[0], …: body`.
    pub(super) fn with_stmt(&mut self, items: &[Expr], targets: &[Option<Expr>], body: &[Stmt], span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        if self.nogil {
            return fallback(span, "it uses `with` on a context manager where the GIL is released");
        }
        self.with_item(items, targets, 0, body, line)
    }

    fn with_item(&mut self, items: &[Expr], targets: &[Option<Expr>], k: usize, body: &[Stmt], line: u32) -> R<Vec<hir::Stmt>> {
        let Some(item) = items.get(k) else { return self.block(body) };
        // Hidden names no Python identifier can be, the same in every round of inference.
        let tag = format!("line {line} at {}", item.span.start);
        let hidden = |ck: &mut Self, what: &str, ty: Ty| ck.local_id(&format!("<with {what} {tag}>"), ty);
        let local = |id, ty| hir::Expr::local(id, ty);
        let obj = Ty::Object;
        let mgr_value = self.boxed_value(item)?;
        let (mgr, exit, ok) = (hidden(self, "manager", obj), hidden(self, "exit", obj), hidden(self, "ok", Ty::Bool));
        let unbound = hidden(self, "exit unbound", Ty::Bool);
        // `unbound` starts false so the HIR's definite assignment, which
        // does not see `WithEnter` assign it, gives it no bound flag.
        let f = hir::Expr::konst(hir::Const::Bool(false), Ty::Bool);
        let mut out = vec![stmt(hir::StmtKind::Assign(vec![(mgr, mgr_value), (unbound, f)]), line)];
        let entered = op(ObjOp::WithEnter { exit, unbound }, vec![local(mgr, obj)], obj);
        let mut inner = vec![];
        match targets.get(k).and_then(Option::as_ref) {
            Some(t) => {
                let value = hidden(self, "value", obj);
                out.push(stmt(hir::StmtKind::Assign(vec![(value, entered)]), line));
                inner.extend(self.unpack_target(t, local(value, obj), &format!("with {tag}"), line)?);
            }
            None => out.push(stmt(hir::StmtKind::Expr(entered), line)),
        }
        out.push(stmt(hir::StmtKind::Assign(vec![(ok, hir::Expr::konst(hir::Const::Bool(true), Ty::Bool))]), line));
        inner.extend(self.with_item(items, targets, k + 1, body, line)?);
        // The exception as a bare `except` catches it, in a local the
        // clause unbinds when it ends.
        let exc = hidden(self, "exception", obj);
        let e = || local(exc, obj);
        let callee = || vec![local(exit, obj), local(unbound, Ty::Bool), local(mgr, obj)];
        let info = [op(ObjOp::Type, vec![e()], obj), e(), op(ObjOp::GetAttr("__traceback__".into()), vec![e()], obj)];
        let verdict = op(ObjOp::CallExit, callee().into_iter().chain(info).collect(), obj);
        let suppressed = self.truthy(verdict, &item.span)?;
        let not_suppressed = hir::Expr { kind: H::Unary(hir::UnOp::Not, Box::new(suppressed)), ty: Ty::Bool };
        let reraise = stmt(hir::StmtKind::RaiseObject { exc: None, cause: None }, line);
        let handler = hir::Handler {
            types: None,
            name: Some(exc),
            body: vec![
                stmt(hir::StmtKind::Assign(vec![(ok, hir::Expr::konst(hir::Const::Bool(false), Ty::Bool))]), line),
                stmt(hir::StmtKind::If { cond: not_suppressed, then: vec![reraise], orelse: vec![] }, line),
            ],
            line,
        };
        let caught = hir::Try { body: inner, handlers: vec![handler], orelse: vec![], finalbody: None };
        let none = || konst(ObjConst::None);
        let leave = op(ObjOp::CallExit, callee().into_iter().chain([none(), none(), none()]).collect(), obj);
        let finalbody = vec![stmt(hir::StmtKind::If { cond: local(ok, Ty::Bool), then: vec![stmt(hir::StmtKind::Expr(leave), line)], orelse: vec![] }, line)];
        let outer = hir::Try { body: vec![stmt(hir::StmtKind::Try(Box::new(caught)), line)], handlers: vec![], orelse: vec![], finalbody: Some(finalbody) };
        out.push(stmt(hir::StmtKind::Try(Box::new(outer)), line));
        out.push(stmt(hir::StmtKind::Unbind(exit), line));
        out.push(stmt(hir::StmtKind::Unbind(mgr), line));
        Ok(out)
    }
}
