//! Exceptions in a native body: `raise` of objects (`raise X`, `raise
//! X(…)`, `raise X from Y`, a bare `raise`) and `try` with `except`
//! clauses (a class, a tuple of classes or bare; `as name`), `else` and
//! `finally`, in the manner of mypyc's `irbuild/statement.py` and
//! `nonlocalcontrol.py`.
//!
//! An error inside a `try` body goes to the statement's landing block,
//! which adds the function's traceback entry at the failing line (CPython
//! adds a frame's entry once, where the exception is raised in it), then
//! to its dispatch block: the exception is caught (`CatchException`: it
//! becomes the handled one, `sys.exc_info()`, and the one handled before
//! is kept), tested against each clause in turn (`ExceptionMatches`), and
//! raised again as it is when none matches (`RestoreError`). What raises
//! an exception again without a new traceback entry (a bare `raise`, an
//! unmatched exception, a `finally` run for an error) goes to the
//! *untraced* target: the enclosing `try`'s dispatch block, or the
//! function's exit that returns the error as it is.
//!
//! Leaving a clause puts the exception handled before it back
//! (`SetHandled`), on every way out: falling off its end, `return`,
//! `break`/`continue` out of it, and an error (through a cleanup block of
//! the clause's own, traced or untraced). A `finally` body is built once
//! for the way out through its end, once for an error (as a bare `except:`
//! that raises again), and again for each `return`, `break` and `continue`
//! that crosses it (`unwind`). `as name` is unbound again when its clause ends.

use super::{BodyBuilder, B, LINE};
use crate::hir::{Expr, Handler, Stmt, Try};
use crate::mir::body::BodyOp;
use crate::mir::{BlockId, Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;
use std::rc::Rc;

/// What a way out of a `try` statement must do, with the handlers that
/// were current outside it.
#[derive(Clone)]
pub(super) enum Cleanup {
    /// Run the `finally` body (a copy: the frame outlives no borrow of it).
    Finally(Rc<[Stmt]>),
    /// Put back the exception handled before an `except` clause (`exc`:
    /// the one it handles).
    Handler { exc: Local, saved: Local },
}

/// A `try` part open in a frame.
#[derive(Clone)]
pub(super) struct Open {
    cleanup: Cleanup,
    /// The handlers (traced and untraced) outside it.
    handler: Option<BlockId>,
    untraced: Option<BlockId>,
    /// How many of the frame's loops are open around it.
    loops: usize,
}

impl BodyBuilder<'_, '_> {
    /// Where an exception raised again as it is goes: the enclosing
    /// `try`'s dispatch, or the function's exit returning the error.
    fn untraced_target(&mut self) -> BlockId {
        if let Some(t) = self.untraced {
            return t;
        }
        match self.reraise_exit {
            Some(t) => t,
            None => {
                let t = self.b.block(true);
                self.reraise_exit = Some(t);
                t
            }
        }
    }

    /// The function's exit for errors raised again as they are, when
    /// anything goes there (filled last: a block of its own that returns
    /// the error value).
    pub(super) fn finish_reraise_exit(&mut self) {
        if let Some(t) = self.reraise_exit {
            self.b.switch_to(t);
            self.b.at_line(0);
            self.b.terminate(Terminator::ReturnError);
        }
    }

    /// An op whose error goes to the untraced target.
    fn untraced_op(&mut self, kind: OpKind) {
        let target = self.untraced_target();
        let h = self.b.handler();
        self.b.set_handler(Some(target));
        self.b.op(vec![], kind);
        self.b.set_handler(h);
    }

    /// `raise exc from cause`, or a bare `raise` (`exc` absent).
    pub(super) fn raise_object(&mut self, exc: Option<&Expr>, cause: Option<&Expr>) -> B<()> {
        match exc {
            Some(e) => {
                let v = self.expr(e)?;
                let c = match cause {
                    Some(c) => Some(self.expr(c)?),
                    None => None,
                };
                self.b.op(vec![], OpKind::RaiseObject { exc: v, cause: c });
            }
            None => {
                // RuntimeError, a new exception with this frame's entry, when
                // no exception is being handled.
                let handling = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsHandling);
                let (yes, no) = (self.b.block(false), self.b.block(true));
                self.terminate(Terminator::Branch { cond: handling, then: yes, otherwise: no });
                self.b.switch_to(no);
                self.raise("PyExc_RuntimeError", Some("No active exception to reraise"));
                self.b.switch_to(yes);
                self.untraced_op(OpKind::Reraise);
            }
        }
        self.terminate(Terminator::Unreachable);
        Ok(())
    }

    /// A `try` statement.
    pub(super) fn try_stmt(&mut self, t: &Try) -> B<()> {
        match &t.finalbody {
            Some(fin) => self.try_finally(t, fin),
            None => self.try_except(t),
        }
    }

    /// The landing and dispatch blocks of a `try` part, made current for
    /// the errors of what is built from here on; the handlers before.
    fn open_landing(&mut self) -> (BlockId, BlockId, Local, Option<BlockId>, Option<BlockId>) {
        let landing = self.b.block(true);
        let failing = self.b.local(LocalTy::Scalar(Ty::Int(LINE)), Some("failing line"));
        self.b.takes_line(landing, failing);
        self.b.catches(landing);
        let dispatch = self.b.block(true);
        let outer = (self.b.handler(), self.untraced);
        self.b.set_handler(Some(landing));
        self.untraced = Some(dispatch);
        (landing, dispatch, failing, outer.0, outer.1)
    }

    /// The landing block's traceback entry, then on to the dispatch.
    fn fill_landing(&mut self, landing: BlockId, dispatch: BlockId, failing: Local) {
        self.b.switch_to(landing);
        self.b.at_line(0);
        let (name, file) = (self.fr.f.frame_name().to_string(), self.plan.file.to_string());
        self.op(vec![], BodyOp::AddTraceback { line: failing, name, file, always: false });
        self.b.terminate(Terminator::Goto(dispatch));
    }

    /// Catches the exception at `dispatch`; then errors go to cleanup
    /// blocks that put the exception handled before back. Returns the
    /// exception and the one handled before.
    fn catch_at(&mut self, dispatch: BlockId, handler: Option<BlockId>, untraced: Option<BlockId>) -> (Local, Local) {
        self.b.switch_to(dispatch);
        self.reachable = true;
        let exc = self.b.local(LocalTy::Object, Some("caught exception"));
        let saved = self.b.local(LocalTy::Object, Some("exception handled before"));
        self.b.op(vec![exc, saved], OpKind::CatchException);
        // An error while the exception is handled: the one before is put
        // back, then on to the handlers outside, traced or not.
        let traced = self.b.block(true);
        let failing = self.b.local(LocalTy::Scalar(Ty::Int(LINE)), Some("failing line"));
        self.b.takes_line(traced, failing);
        self.b.catches(traced);
        let plain = self.b.block(true);
        let here = self.b.current();
        self.b.set_handler(handler);
        self.untraced = untraced;
        self.b.switch_to(traced);
        self.b.op(vec![], OpKind::SetHandled { saved });
        self.op(vec![], BodyOp::PropagateLine { line: failing });
        self.b.terminate(Terminator::Unreachable);
        self.b.switch_to(plain);
        self.b.op(vec![], OpKind::SetHandled { saved });
        let outer_plain = self.untraced_target();
        self.b.terminate(Terminator::Goto(outer_plain));
        self.b.switch_to(here);
        self.b.set_handler(Some(traced));
        self.untraced = Some(plain);
        (exc, saved)
    }

    /// A clause body run while `saved` waits to be put back (`handler`,
    /// `untraced`: outside the statement).
    fn clause_body(&mut self, body: &[Stmt], exc: Local, saved: Local, handler: Option<BlockId>, untraced: Option<BlockId>) -> B<()> {
        let loops = self.fr.loops.len();
        self.fr.unwind.push(Open { cleanup: Cleanup::Handler { exc, saved }, handler, untraced, loops });
        let built = self.stmts(body);
        self.fr.unwind.pop();
        built
    }

    fn try_except(&mut self, t: &Try) -> B<()> {
        let line = self.b.line();
        let (landing, dispatch, failing, handler, untraced) = self.open_landing();
        let built = self.stmts(&t.body);
        self.b.set_handler(handler);
        self.untraced = untraced;
        built?;
        let after = self.b.block(false);
        let mut merged = false;
        if self.reachable {
            self.stmts(&t.orelse)?;
            if self.reachable {
                self.terminate(Terminator::Goto(after));
                merged = true;
            }
        }
        self.fill_landing(landing, dispatch, failing);
        let (exc, saved) = self.catch_at(dispatch, handler, untraced);
        for h in &t.handlers {
            self.b.at_line(h.line);
            merged |= self.except_clause(h, exc, saved, after, handler, untraced)?;
            if !self.reachable {
                break;
            }
        }
        // No clause matched: raised again as it is.
        self.reraise_then_join(line, handler, untraced, saved, exc, merged, after);
        Ok(())
    }

    /// One `except` clause, tested in the current block; whether its body
    /// falls through to `after`. The block the next clause is tested in is
    /// current after it (unreachable after a bare `except:`).
    fn except_clause(&mut self, h: &Handler, exc: Local, saved: Local, after: BlockId, handler: Option<BlockId>, untraced: Option<BlockId>) -> B<bool> {
        let body_b = self.b.block(false);
        let next = self.b.block(true);
        match &h.types {
            Some(types) => {
                let ty = self.expr(types)?;
                let m = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::ExceptionMatches { exc, types: ty });
                self.terminate(Terminator::Branch { cond: m, then: body_b, otherwise: next });
            }
            None => self.terminate(Terminator::Goto(body_b)),
        }
        let (inner_h, inner_u) = (self.b.handler(), self.untraced);
        self.b.switch_to(body_b);
        self.reachable = true;
        if let Some(name) = h.name {
            self.assign(name, exc);
        }
        self.clause_body(&h.body, exc, saved, handler, untraced)?;
        let merged = self.reachable;
        if merged {
            self.b.set_handler(handler);
            self.untraced = untraced;
            self.b.op(vec![], OpKind::SetHandled { saved });
            if let Some(name) = h.name {
                let var = self.fr.locals[name.0 as usize];
                self.b.op(vec![var], OpKind::Unassigned);
            }
            self.terminate(Terminator::Goto(after));
        }
        self.b.set_handler(inner_h);
        self.untraced = inner_u;
        self.reachable = h.types.is_some();
        if self.reachable {
            self.b.switch_to(next);
        }
        Ok(merged)
    }

    fn try_finally(&mut self, t: &Try, fin: &[Stmt]) -> B<()> {
        let line = self.b.line();
        let (landing, dispatch, failing, handler, untraced) = self.open_landing();
        let loops = self.fr.loops.len();
        self.fr.unwind.push(Open { cleanup: Cleanup::Finally(fin.into()), handler, untraced, loops });
        let built = if t.handlers.is_empty() {
            self.stmts(&t.body).and_then(|_| if self.reachable { self.stmts(&t.orelse) } else { Ok(()) })
        } else {
            self.try_except(t)
        };
        self.fr.unwind.pop();
        self.b.set_handler(handler);
        self.untraced = untraced;
        built?;
        let after = self.b.block(false);
        let mut merged = false;
        if self.reachable {
            self.stmts(fin)?;
            if self.reachable {
                self.terminate(Terminator::Goto(after));
                merged = true;
            }
        }
        // For an error: the body again, the exception handled meanwhile,
        // then raised again as it is.
        self.fill_landing(landing, dispatch, failing);
        let (exc, saved) = self.catch_at(dispatch, handler, untraced);
        self.clause_body(fin, exc, saved, handler, untraced)?;
        self.reraise_then_join(line, handler, untraced, saved, exc, merged, after);
        Ok(())
    }

    /// The end of a `try`'s error path, when it is still reachable: the
    /// exception handled before (`saved`) put back and `exc` raised again as
    /// it is; then the enclosing handlers again, and the code after the
    /// statement when some path reaches it (`merged`).
    #[allow(clippy::too_many_arguments)]
    fn reraise_then_join(&mut self, line: u32, handler: Option<BlockId>, untraced: Option<BlockId>, saved: Local, exc: Local, merged: bool, after: BlockId) {
        if self.reachable {
            self.b.at_line(line);
            self.b.set_handler(handler);
            self.untraced = untraced;
            self.b.op(vec![], OpKind::SetHandled { saved });
            self.untraced_op(OpKind::RestoreError { exc });
            self.terminate(Terminator::Unreachable);
        }
        self.b.set_handler(handler);
        self.untraced = untraced;
        self.reachable = merged;
        if merged {
            self.b.switch_to(after);
        }
    }

    /// The open `except` clauses and `finally` runs for an error, outermost
    /// first: the exception each handles and the one handled before it (the
    /// outermost's is the caller's, for a generator's body: what a `yield`
    /// there puts back while it is suspended, `body.rs`).
    pub(super) fn open_handlers(&self) -> Vec<(Local, Local)> {
        self.fr.unwind.iter().filter_map(|o| match o.cleanup {
            Cleanup::Handler { exc, saved } => Some((exc, saved)),
            Cleanup::Finally(_) => None,
        }).collect()
    }

    /// Before leaving the open `try` parts for a `return` (`loops`
    /// `None`) or a `break`/`continue` of the innermost loop (the number
    /// of loops open): each part's cleanup, innermost first, each
    /// `finally` body with the handlers outside it. Whether control still
    /// goes on (a `finally` body may itself return, break or raise).
    pub(super) fn unwind(&mut self, loops: Option<usize>) -> B<bool> {
        if self.fr.unwind.is_empty() {
            return Ok(true);
        }
        let stack = self.fr.unwind.clone();
        let (h, u, line) = (self.b.handler(), self.untraced, self.b.line());
        let mut result = Ok(());
        while let Some(top) = self.fr.unwind.last().cloned() {
            if loops.is_some_and(|n| top.loops < n) {
                break;
            }
            self.fr.unwind.pop();
            self.b.set_handler(top.handler);
            self.untraced = top.untraced;
            match top.cleanup {
                Cleanup::Handler { saved, .. } => self.b.op(vec![], OpKind::SetHandled { saved }),
                Cleanup::Finally(body) => {
                    result = self.stmts(&body);
                    self.b.at_line(line);
                    if result.is_err() || !self.reachable {
                        break;
                    }
                }
            }
        }
        self.fr.unwind = stack;
        self.b.set_handler(h);
        self.untraced = u;
        result.map(|_| self.reachable)
    }
}
