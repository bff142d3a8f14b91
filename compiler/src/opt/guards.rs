//! Loop versioning on invariant indices in bounds: an innermost `range`
//! loop that indexes an axis of a view with a local it does not assign (the
//! row `i` of `points[i, j]` in a loop over `j`) would check that index on
//! every trip. It runs in two versions instead: the back end tests
//! `0 <= index < view.shape[axis]` once before the loop and takes the
//! version where those axes are neither wrapped nor checked, or else the
//! general one, which raises the same IndexError at the same trip as the
//! loop as written (what gcc's loop-invariant code motion gets Cython).
//! The loop's own variable is guarded the same way when it indexes an axis
//! it is not proven inside (`for j in range(d): … a[i, j]`): with a constant
//! start `>= 0` and a positive constant step it stays in `[0, stop)`, so
//! `stop <= a.shape[1]`, tested once (the stop read again, which only a
//! bound read without effect allows), leaves that axis unchecked too.

use crate::hir::{self, assigns, index_local, ExprKind, Function, InBoundsGuard, LocalId, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashSet;

/// The guards to version the loop over `var` with body `body` on.
pub fn plan(var: LocalId, bounds: [&hir::Expr; 3], body: &[Stmt], f: &Function, unbound: &HashSet<LocalId>) -> Vec<InBoundsGuard> {
    let mut has_loop = false;
    hir::visit_stmts(body, &mut |s| {
        has_loop |= matches!(s.kind, StmtKind::While { .. } | StmtKind::ForRange { .. } | StmtKind::ForIter { .. } | StmtKind::Prange(_));
    });
    let mut guards: Vec<InBoundsGuard> = vec![];
    if has_loop || !f.boundscheck {
        return guards;
    }
    // A signed 64-bit local, surely bound, that the loop does not assign: its value at entry is its value on every trip.
    let invariant = |l: LocalId| {
        l != var && matches!(f.locals[l.0 as usize].ty, Ty::Int(t) if t.bits == 64 && t.signed) && !assigns(body, l) && !unbound.contains(&l)
    };
    // The loop variable stays in `[0, stop)`: tested against the shape, its stop read again before the loop.
    let [start, stop, step] = bounds;
    let by_stop = matches!(f.locals[var.0 as usize].ty, Ty::Int(t) if t.bits == 64 && t.signed)
        && matches!(start.as_const(), Some(hir::Const::Int(v)) if v >= 0)
        && matches!(step.as_const(), Some(hir::Const::Int(v)) if v > 0)
        && !assigns(body, var)
        && rereadable(stop, unbound);
    let view_ok = |v: LocalId| matches!(f.locals[v.0 as usize].ty, Ty::View(_)) && !assigns(body, v) && !unbound.contains(&v);
    // Hidden index locals (`v[c, j] += x` reads `v[t0, t1]` after `t0, t1 = c, j`)
    // assigned an invariant local by one top-level statement, valid in the statements after it.
    let mut aliases: Vec<(LocalId, LocalId)> = vec![];
    for (n, s) in body.iter().enumerate() {
        let mut add = |view: LocalId, indices: &[hir::Expr], in_bounds: &[u8]| {
            if !view_ok(view) {
                return;
            }
            for (k, e) in indices.iter().enumerate() {
                if in_bounds.contains(&(k as u8)) {
                    continue;
                }
                let Some(read) = index_local(e) else { continue };
                let index = if invariant(read) || (by_stop && read == var) {
                    read
                } else if let Some(&(_, l)) = aliases.iter().find(|(t, _)| *t == read) {
                    l
                } else {
                    continue;
                };
                let axis = k as u8;
                let on_stop = index == var;
                match guards.iter_mut().find(|g| g.index == index && g.view == view && g.axis == axis) {
                    Some(g) => {
                        if read != index && !g.aliases.contains(&read) {
                            g.aliases.push(read);
                        }
                    }
                    None => guards.push(InBoundsGuard { index, view, axis, aliases: if read != index { vec![read] } else { vec![] }, by_stop: on_stop }),
                }
            }
        };
        let one = std::slice::from_ref(s);
        hir::visit_stmts(one, &mut |st| {
            if let StmtKind::Store { view, indices, in_bounds, .. } = &st.kind {
                add(*view, indices, in_bounds);
            }
        });
        hir::visit_stmt_exprs(one, &mut |e| {
            hir::visit_expr(e, &mut |x| {
                if let ExprKind::Index { view, indices, in_bounds } = &x.kind {
                    add(*view, indices, in_bounds);
                }
            })
        });
        if let StmtKind::Assign(pairs) = &s.kind {
            for (t, e) in pairs {
                let elsewhere = assigns(&body[..n], *t) || assigns(&body[n + 1..], *t) || pairs.iter().filter(|(u, _)| u == t).count() > 1;
                let source = index_local(e).filter(|&l| invariant(l) || (by_stop && l == var));
                let t_ok = matches!(f.locals[t.0 as usize].ty, Ty::Int(ty) if ty.bits == 64);
                if let (Some(l), false, true) = (source, elsewhere, t_ok) {
                    aliases.push((*t, l));
                }
            }
        }
    }
    guards
}

/// A range bound read again before the loop with the same value and no
/// effect: a constant, a surely bound integer local, a surely bound view's
/// shape, through integer conversions to 64 bits that cannot fail.
fn rereadable(e: &hir::Expr, unbound: &HashSet<LocalId>) -> bool {
    match &e.kind {
        ExprKind::Const(hir::Const::Int(_)) => true,
        ExprKind::Local(l) => matches!(e.ty, Ty::Int(_)) && !unbound.contains(l),
        ExprKind::ViewDim { view, dim: hir::Dim::Shape, .. } => !unbound.contains(view),
        ExprKind::Convert(x) => match (x.ty, e.ty) {
            (Ty::Int(from), Ty::Int(to)) => to.bits == 64 && to.signed && !to.checked && (from.signed || from.bits < 64) && rereadable(x, unbound),
            _ => false,
        },
        _ => false,
    }
}
