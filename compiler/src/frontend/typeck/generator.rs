//! Which generator functions compile natively: each `yield` (and `yield
//! from`) must be an expression statement (`yield v`, `yield`) or the
//! whole value of an assignment to one name (`x = yield v`), once
//! `yield_expr.rs` has hoisted those inside expressions out of them, outside
//! `with cython.nogil`/`gil`/`parallel()` and `prange`, and a `yield from`
//! outside `except` clauses and `finally` blocks. There the native
//! generator suspends with its locals to keep (`mir/pass/suspend.rs`), the
//! exception an `except` clause handles among them (put back on resumption,
//! `mir/build/body.rs`); anything else leaves the function to Python with
//! the rule it broke.

use crate::syntax::{Expr, ExprKind, FunctionDef, Span, Stmt, StmtKind};

/// `Err`: the first `yield` that breaks a rule, and the reason.
pub(super) fn check(def: &FunctionDef) -> Result<(), (Span, &'static str)> {
    let mut allowed = vec![];
    walk(&def.body, &def.yields, &mut allowed)?;
    match def.yields.iter().find(|(at, _)| !allowed.contains(&at.start)) {
        Some((at, _)) => Err((at.clone(), "it uses `yield` inside an expression not rewritten (a default or decorator of a nested `def`, a `lambda`'s default)")),
        None => Ok(()),
    }
}

/// The first `yield` inside `span`.
fn inside(yields: &[(Span, bool)], span: &Span) -> Option<Span> {
    yields.iter().map(|(at, _)| at).find(|at| at.start >= span.start && at.end <= span.end).cloned()
}

fn is_prange(iter: &Expr) -> bool {
    match &iter.kind {
        ExprKind::Call { func, .. } => match &func.kind {
            ExprKind::Name(n) => n == "prange",
            ExprKind::Attribute { attr, .. } => attr == "prange",
            _ => false,
        },
        _ => false,
    }
}

/// `cython.nogil`, `cython.gil`, `parallel(…)` and the like as a `with` item.
fn gil_item(item: &Expr) -> bool {
    let last = |e: &Expr| match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Attribute { attr, .. } => Some(attr.clone()),
        _ => None,
    };
    let name = match &item.kind {
        ExprKind::Call { func, .. } => last(func),
        _ => last(item),
    };
    matches!(name.as_deref(), Some("nogil" | "gil" | "parallel"))
}

fn walk(body: &[Stmt], yields: &[(Span, bool)], allowed: &mut Vec<usize>) -> Result<(), (Span, &'static str)> {
    for s in body {
        // A `yield` inside an expression: judged as `yield_expr.rs`
        // rewrites it (what it leaves in place does not change whether it can).
        if let Some(new) = super::yield_expr::Rewriter::new(yields, &|_| false).stmt(s)? {
            walk(&new, yields, allowed)?;
            continue;
        }
        match &s.kind {
            StmtKind::Expr(Expr { kind: ExprKind::Yield(_), span }) => allowed.push(span.start),
            StmtKind::Assign { targets, value: Expr { kind: ExprKind::Yield(_), span } } if matches!(targets[..], [Expr { kind: ExprKind::Name(_), .. }]) => {
                allowed.push(span.start)
            }
            StmtKind::Try { body, handlers, orelse, finalbody, .. } => {
                // An `except` clause (and a `finally` run for an error)
                // keeps its handled exception across a `yield` (`mir/build/
                // body.rs`); a delegate of `yield from` would run without it.
                for block in handlers.iter().map(|h| &h.body[..]).chain([&finalbody[..]]) {
                    let span = match (block.first(), block.last()) {
                        (Some(a), Some(b)) => a.span.start..b.span.end,
                        _ => continue,
                    };
                    if let Some((at, _)) = yields.iter().find(|(at, from)| *from && at.start >= span.start && at.end <= span.end) {
                        return Err((at.clone(), "it uses `yield from` inside an `except` clause or `finally`, which is not compiled yet"));
                    }
                    walk(block, yields, allowed)?;
                }
                walk(body, yields, allowed)?;
                walk(orelse, yields, allowed)?;
            }
            StmtKind::With { items, body, .. } => {
                if items.iter().any(gil_item) {
                    if let Some(at) = inside(yields, &s.span) {
                        return Err((at, "it uses `yield` inside `with cython.nogil`/`gil`/`parallel()`"));
                    }
                }
                walk(body, yields, allowed)?;
            }
            StmtKind::For { iter, body, orelse, .. } => {
                if is_prange(iter) {
                    if let Some(at) = inside(yields, &s.span) {
                        return Err((at, "it uses `yield` inside `prange`, which is not compiled yet"));
                    }
                }
                walk(body, yields, allowed)?;
                walk(orelse, yields, allowed)?;
            }
            StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                walk(body, yields, allowed)?;
                walk(orelse, yields, allowed)?;
            }
            _ => {}
        }
    }
    Ok(())
}
