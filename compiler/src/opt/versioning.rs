//! Loop versioning on unit strides: an innermost `range` loop that indexes
//! the last axis of views without `::1` with its variable runs in two
//! versions, one for the common case where those strides are the element
//! size (scaled addressing, as for a `::1` view), one general. The back end
//! emits the stride test and both versions.

use crate::hir::{self, assigns, index_local, Expr, ExprKind, Function, LocalId, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashSet;

/// The views to version the loop on. (Views that may be unbound are left
/// alone: reading their strides early would raise UnboundLocalError before
/// Python would.)
pub fn views(var: LocalId, body: &[Stmt], f: &Function, unbound: &HashSet<LocalId>) -> Vec<LocalId> {
    strided_last_axis_views(var, body, f).into_iter().filter(|v| !unbound.contains(v)).collect()
}

/// 1-D-or-more views without `::1` whose last axis the innermost loop
/// `body` indexes with `var` (and that the body does not reassign).
fn strided_last_axis_views(var: LocalId, body: &[Stmt], f: &Function) -> Vec<LocalId> {
    let mut has_loop = false;
    let mut found: Vec<LocalId> = vec![];
    fn scan(body: &[Stmt], has_loop: &mut bool) {
        for s in body {
            match &s.kind {
                StmtKind::While { .. } | StmtKind::ForRange { .. } => *has_loop = true,
                StmtKind::If { then, orelse, .. } => {
                    scan(then, has_loop);
                    scan(orelse, has_loop);
                }
                _ => {}
            }
        }
    }
    scan(body, &mut has_loop);
    if has_loop {
        return found;
    }
    // `a[i] += …` indexes through a hidden copy of `i`.
    let mut aliases = vec![var];
    for s in body {
        if let StmtKind::Assign(pairs) = &s.kind {
            aliases.extend(pairs.iter().filter(|(_, e)| index_local(e) == Some(var)).map(|(t, _)| *t));
        }
    }
    let mut visit = |view: LocalId, indices: &[Expr]| {
        if let (Ty::View(v), Some(last)) = (f.locals[view.0 as usize].ty, indices.last()) {
            let by_var = index_local(last).is_some_and(|l| aliases.contains(&l));
            if !v.c_contig && by_var && !found.contains(&view) && !assigns(body, view) {
                found.push(view);
            }
        }
    };
    for s in body {
        if let StmtKind::Store { view, indices, .. } = &s.kind {
            visit(*view, indices);
        }
    }
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            if let ExprKind::Index { view, indices, .. } = &x.kind {
                visit(*view, indices);
            }
        })
    });
    found
}

/// Each innermost `range` loop whose step is a C integer local (bound on
/// every path) run in two versions: `if step == 1:` the loop with the
/// constant step 1, which gets a constant step's plans (vectorised sums,
/// checks dropped for in-bounds indices), `else:` the loop as written. The
/// range is evaluated once in either, as Python evaluates it.
pub fn runtime_steps(f: &mut Function) {
    let unbound = hir::maybe_unbound(f);
    fn innermost(body: &[Stmt]) -> bool {
        let mut inner = true;
        hir::visit_stmts(body, &mut |s| inner &= !matches!(s.kind, StmtKind::While { .. } | StmtKind::ForRange { .. } | StmtKind::ForIter { .. } | StmtKind::Prange(_)));
        inner
    }
    fn walk(body: &mut Vec<Stmt>, unbound: &HashSet<LocalId>) {
        for s in body.iter_mut() {
            for b in hir::blocks_mut(s) {
                walk(b, unbound);
            }
            let StmtKind::ForRange { step, body: inner, orelse, .. } = &s.kind else { continue };
            let ExprKind::Local(id) = step.kind else { continue };
            if !matches!(step.ty, Ty::Int(_)) || unbound.contains(&id) || !innermost(inner) || !innermost(orelse) {
                continue;
            }
            let ty = step.ty;
            let mut unit = s.clone();
            if let StmtKind::ForRange { step, .. } = &mut unit.kind {
                *step = Expr::konst(hir::Const::Int(1), ty);
            }
            let cond = Expr { kind: ExprKind::Compare { operands: vec![Expr::local(id, ty), Expr::konst(hir::Const::Int(1), ty)], ops: vec![hir::CmpOp::Eq] }, ty: Ty::Bool };
            let general = std::mem::replace(s, Stmt { kind: StmtKind::Pass, line: unit.line });
            *s = Stmt { kind: StmtKind::If { cond, then: vec![unit], orelse: vec![general] }, line: s.line };
        }
    }
    walk(&mut f.body, &unbound);
}
