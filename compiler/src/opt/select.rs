//! Conditional expressions of constants and bound integer locals on integer
//! comparisons become a `select`: evaluating every part costs less than a
//! branch, up to `SELECT_BUDGET` parts (a long chain is not cheaper without
//! branches, and checking each link's whole tail was quadratic).

use crate::hir::{self, Expr, ExprKind, Function, LocalId};
use crate::types::Ty;
use std::collections::HashSet;

const SELECT_BUDGET: u32 = 16;

pub fn mark(f: &mut Function, unbound: &HashSet<LocalId>) {
    let mut body = std::mem::take(&mut f.body);
    for s in body.iter_mut() {
        mark_stmt(s, unbound);
    }
    f.body = body;
}

fn mark_stmt(s: &mut hir::Stmt, unbound: &HashSet<LocalId>) {
    for e in hir::own_exprs_mut(s) {
        hir::visit_expr_mut(e, &mut |x| {
            let mut budget = SELECT_BUDGET;
            let yes = matches!(x.kind, ExprKind::IfExp { .. }) && selectable_within(x, &mut budget, unbound);
            if let ExprKind::IfExp { select, .. } = &mut x.kind {
                *select = yes;
            }
        });
    }
    for b in hir::blocks_mut(s) {
        for s in b.iter_mut() {
            mark_stmt(s, unbound);
        }
    }
}

fn selectable_within(e: &Expr, budget: &mut u32, unbound: &HashSet<LocalId>) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let plain = |x: &Expr| match x.kind {
        ExprKind::Const(_) => matches!(x.ty, Ty::Int(_) | Ty::Bool),
        ExprKind::Local(id) => matches!(x.ty, Ty::Int(_) | Ty::Bool) && !unbound.contains(&id),
        _ => false,
    };
    match &e.kind {
        ExprKind::IfExp { cond, then, orelse, .. } => {
            let simple_cond = matches!(&cond.kind, ExprKind::Compare { operands, .. } if operands.iter().all(plain));
            simple_cond && selectable_within(then, budget, unbound) && selectable_within(orelse, budget, unbound)
        }
        _ => plain(e),
    }
}
