//! Vectorisation of element-wise loops and, under `# pyc-aot:
//! associative_math=True`, of float sums into partial sums.
//!
//! The back end runs as much of such a loop as it can on 128-bit vectors
//! (`f64x2`, `f32x4`) behind a run-time guard, then the scalar loop does the
//! rest. 128-bit float vectors exist on every target pyc-aot supports
//! (SSE2 is part of x86-64, NEON of aarch64), so the decision needs no
//! target facts.

use crate::hir::{self, assigns, index_local, Access, ArithOp, Const, Expr, ExprKind, Function, LocalId, Stmt, StmtKind, SumPlan, UnOp, VectorPlan};
use crate::types::Ty;
use std::collections::HashSet;

/// The vector plans of `for var in range(start, stop, step): body`: only for
/// a step of 1, a variable that is not an unsigned 64-bit integer, and views
/// (and accumulator) surely bound (the scalar loop raises UnboundLocalError
/// first otherwise). An element-wise loop is never also a sum.
pub fn plans(var: LocalId, step: &Expr, body: &[Stmt], f: &Function, unbound: &HashSet<LocalId>) -> (Option<VectorPlan>, Option<SumPlan>) {
    let Ty::Int(var_ty) = f.locals[var.0 as usize].ty else { return (None, None) };
    let unsigned = !var_ty.signed && var_ty.bits >= 64;
    if step.as_const() != Some(Const::Int(1)) || unsigned {
        return (None, None);
    }
    if let Some(plan) = vector_plan(var, body, f) {
        let bound = std::iter::once(&plan.out).chain(&plan.inputs).all(|a| !unbound.contains(&a.view));
        return (bound.then_some(plan), None);
    }
    let sum = sum_plan(var, body, f).filter(|plan| !unbound.contains(&plan.acc) && plan.inputs.iter().all(|a| !unbound.contains(&a.view)));
    (None, sum)
}

/// Recognises `for i in range(…): y[…, i] = <float expression of x[…, i], invariants>`
/// on C-contiguous float views whose leading indices are loop-invariant locals
/// (also as `y[…, i] += …`).
fn vector_plan(var: LocalId, body: &[Stmt], f: &Function) -> Option<VectorPlan> {
    let (store, alias) = match body {
        [s] => (s, None),
        // `y[i] += …` becomes `tmp = i; y[tmp] = y[tmp] + …` (and `tmp0 = k` for leading axes).
        [Stmt { kind: StmtKind::Assign(pairs), .. }, s] if pairs.iter().any(|(_, e)| index_local(e) == Some(var)) => {
            (s, Some(pairs.clone()))
        }
        _ => return None,
    };
    let StmtKind::Store { view: out, indices, value, .. } = &store.kind else { return None };
    // Hidden index temporaries stand for what they were assigned from.
    let resolve = |e: &Expr| -> Option<LocalId> {
        let l = index_local(e)?;
        match &alias {
            Some(pairs) => match pairs.iter().find(|(t, _)| *t == l) {
                Some((_, src)) => index_local(src),
                None => Some(l),
            },
            None => Some(l),
        }
    };
    let is_i = |e: &Expr| resolve(e) == Some(var);
    let invariant = |e: &Expr| resolve(e).is_some_and(|l| l != var && !assigns(body, l) && f.locals[l.0 as usize].ty.is_int());
    let access = |view: LocalId, ix: &[Expr]| -> Option<Access> {
        let (last, leading) = ix.split_last()?;
        if !is_i(last) || !leading.iter().all(&invariant) {
            return None;
        }
        Some(Access { view, leading: leading.iter().map(&resolve).collect::<Option<Vec<_>>>()? })
    };
    let float_view = |v: LocalId, n: usize| float_view(f, v, n);
    let elem = float_view(*out, indices.len())?;
    let out_acc = access(*out, indices)?;
    let mut inputs = vec![];
    if !vector_value_ok(value, &access, &float_view, elem, &mut inputs, body, f.cdivision) {
        return None;
    }
    // The index temporaries are assigned in the body: rewrite the value to read
    // through the original locals, which the prelude's rows use.
    let value = match &alias {
        Some(pairs) => substitute_indices(value, pairs),
        None => value.clone(),
    };
    Some(VectorPlan { out: out_acc, inputs, value, elem })
}

/// The element width of a C-contiguous float view of `n` dimensions.
fn float_view(f: &Function, v: LocalId, n: usize) -> Option<u8> {
    match f.locals[v.0 as usize].ty {
        Ty::View(t) if t.ndim as usize == n && t.c_contig => match t.elem {
            crate::types::Elem::Float(w) => Some(w),
            _ => None,
        },
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
/// Whether `e` is a float expression of the loop's view elements (through
/// `access`), invariants and operations that vectorise exactly; collects the
/// accesses it reads.
fn vector_value_ok(
    e: &Expr,
    access: &dyn Fn(LocalId, &[Expr]) -> Option<Access>,
    fv: &dyn Fn(LocalId, usize) -> Option<u8>,
    elem: u8,
    inputs: &mut Vec<Access>,
    body: &[Stmt],
    cdiv: bool,
) -> bool {
    if e.ty != Ty::Float(elem) {
        return false;
    }
    match &e.kind {
        ExprKind::Index { view, indices, .. } => match (access(*view, indices), fv(*view, indices.len())) {
            (Some(a), Some(w)) if w == elem => {
                if !inputs.contains(&a) {
                    inputs.push(a);
                }
                true
            }
            _ => false,
        },
        ExprKind::Binary(op, a, b) => {
            op.exact_in_lanes(cdiv) && vector_value_ok(a, access, fv, elem, inputs, body, cdiv) && vector_value_ok(b, access, fv, elem, inputs, body, cdiv)
        }
        ExprKind::Unary(UnOp::Neg, a) => vector_value_ok(a, access, fv, elem, inputs, body, cdiv),
        ExprKind::Const(_) => true,
        ExprKind::Local(l) => !assigns(body, *l),
        _ => false,
    }
}

/// `for i in range(…): s += <float expression of x[…, i], invariants>` in a
/// function compiled with `associative_math` (C-contiguous float views whose
/// leading indices are loop-invariant locals, `s` a float of their width).
fn sum_plan(var: LocalId, body: &[Stmt], f: &Function) -> Option<SumPlan> {
    if !f.associative_math {
        return None;
    }
    let [Stmt { kind: StmtKind::Assign(pairs), .. }] = body else { return None };
    let [(acc, e)] = pairs.as_slice() else { return None };
    let Ty::Float(elem) = f.locals[acc.0 as usize].ty else { return None };
    let ExprKind::Binary(ArithOp::Add, lhs, value) = &e.kind else { return None };
    if e.ty != Ty::Float(elem) || !matches!(lhs.kind, ExprKind::Local(l) if l == *acc) {
        return None;
    }
    let mut reads_acc = false;
    hir::visit_locals(value, &mut |l| reads_acc |= l == *acc);
    if reads_acc {
        return None;
    }
    let invariant = |e: &Expr| index_local(e).is_some_and(|l| l != var && !assigns(body, l) && f.locals[l.0 as usize].ty.is_int());
    let access = |view: LocalId, ix: &[Expr]| -> Option<Access> {
        let (last, leading) = ix.split_last()?;
        if index_local(last) != Some(var) || !leading.iter().all(invariant) {
            return None;
        }
        Some(Access { view, leading: leading.iter().map(index_local).collect::<Option<Vec<_>>>()? })
    };
    let float_view = |v: LocalId, n: usize| float_view(f, v, n);
    let mut inputs = vec![];
    if !vector_value_ok(value, &access, &float_view, elem, &mut inputs, body, f.cdivision) || inputs.is_empty() {
        return None;
    }
    Some(SumPlan { acc: *acc, inputs, value: (**value).clone(), elem })
}

/// `value` with index temporaries replaced by the locals they copy.
fn substitute_indices(e: &Expr, pairs: &[(LocalId, Expr)]) -> Expr {
    let mut out = e.clone();
    fn walk(e: &mut Expr, pairs: &[(LocalId, Expr)]) {
        if let ExprKind::Index { indices, .. } = &mut e.kind {
            for ix in indices.iter_mut() {
                if let Some(l) = index_local(ix) {
                    if let Some((_, src)) = pairs.iter().find(|(t, _)| *t == l) {
                        *ix = src.clone();
                    }
                }
            }
        }
        match &mut e.kind {
            ExprKind::Binary(_, a, b) => {
                walk(a, pairs);
                walk(b, pairs);
            }
            ExprKind::Unary(_, a) | ExprKind::Convert(a) => walk(a, pairs),
            _ => {}
        }
    }
    walk(&mut out, pairs);
    out
}
