//! Float reductions `s += E(i)` in a loop unrolled ×2 whose vector part
//! divides: the back end computes both trips' operands in the scalar order,
//! then `E`'s float work once on an `f64x2`, and adds the lanes to `s` in
//! order (bit-identical; see `mir/build/body/pair.rs` and `backend/codegen/pair.rs`). Packing the lanes
//! costs more than a multiply or add saves, so only a division pays.

use crate::hir::{self, ArithOp, Expr, ExprKind, Function, Lanes, LocalId, PairedReduction, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashSet;

const F64: Ty = Ty::Float(64);

/// The pairing of an unrolled loop's `body`: `acc = acc + value` with `acc` a
/// double (surely bound: the scalar loop reads it first, raising
/// UnboundLocalError before anything else) that `value` does not read.
pub fn plan(body: &[Stmt], f: &Function, lanes: &Lanes, unbound: &HashSet<LocalId>) -> Option<PairedReduction> {
    let [Stmt { kind: StmtKind::Assign(pairs), .. }] = body else { return None };
    let [(acc, e)] = pairs.as_slice() else { return None };
    if f.locals[acc.0 as usize].ty != F64 || e.ty != F64 || unbound.contains(acc) {
        return None;
    }
    let ExprKind::Binary(ArithOp::Add, lhs, value) = &e.kind else { return None };
    if !matches!(lhs.kind, ExprKind::Local(l) if l == *acc) {
        return None;
    }
    let mut reads_acc = false;
    hir::visit_locals(value, &mut |l| reads_acc |= l == *acc);
    let no_effects = no_effects(lanes, value);
    (!reads_acc && lanes.vector_op(value, f) && divides(lanes, value, f)).then(|| PairedReduction { acc: *acc, value: (**value).clone(), no_effects })
}

/// Whether `e` calls nothing but expression functions: then no store can
/// happen between the two trips' loads.
fn no_effects(lanes: &Lanes, e: &Expr) -> bool {
    let mut ok = true;
    hir::visit_expr(e, &mut |x| {
        if let ExprKind::Call(id, _) = x.kind {
            ok &= lanes.expression_function(id).is_some_and(|(_, body)| no_effects(lanes, body));
        }
        ok &= !matches!(x.kind, ExprKind::VirtualCall { .. });
    });
    ok
}

fn divides(lanes: &Lanes, e: &Expr, f: &Function) -> bool {
    if !lanes.vector_op(e, f) {
        return false;
    }
    matches!(e.kind, ExprKind::Binary(ArithOp::Div, ..)) || lanes.operands(e, f).into_iter().any(|(x, g)| divides(lanes, x, g))
}
