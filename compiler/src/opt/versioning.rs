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
