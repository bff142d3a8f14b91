//! Pointer induction variables (strength reduction) for `range` loops over
//! C memory. `ps[i].vy` of a `cython.pointer(S)` is `ps + (i * 32 + 24)` in
//! the HIR (`frontend/structs/memory.rs`): x86 has no scale of 32, so each
//! trip would shift the counter again. For a loop `for i in range(a, b, k)`
//! whose body never assigns `i` nor the pointer local `ps`, and uses
//! `ps + (i * K + c)` (or `ps + i * K`), a hidden pointer local `p` starts at
//! `ps + a * K` before the loop, every such address in the body becomes
//! `p + c`, and the body's last statement advances `p` by `k * K` (what
//! `i * K` grows by each trip). An unrolled loop's two copies then address
//! `p + c` and `p + (K + c)`, the constant folded into each access, and the
//! loop adds `2 * k * K` once per test.
//!
//! The rewrite is exact: the offsets are wrapping C integer arithmetic (or
//! arithmetic `opt/facts.rs` proved cannot overflow) and address arithmetic
//! wraps too, so `p` equals `ps + i * K` at the top of every trip. It runs
//! after the loop plans are decided (their sizes and shapes are the
//! source's), and not on a body that can `continue` (the step would be
//! skipped), ends in a jump, or holds a comprehension, nor on loops with a
//! vector, partial-sum or paired plan (their bodies are built from fixed
//! shapes).

use crate::hir::{self, ArithOp, Const, Expr, ExprKind, Function, Local, LocalId, Stmt, StmtKind};
use crate::types::Ty;

pub fn reduce(f: &mut Function) {
    if f.generator {
        return;
    }
    let mut body = std::mem::take(&mut f.body);
    block(&mut body, f);
    f.body = body;
}

fn block(body: &mut Vec<Stmt>, f: &mut Function) {
    let mut k = 0;
    while k < body.len() {
        for b in hir::blocks_mut(&mut body[k]) {
            block(b, f);
        }
        let pre = loop_pointers(&mut body[k], f);
        let n = pre.len();
        body.splice(k..k, pre);
        k += n + 1;
    }
}

/// A pointer local indexed by the loop variable with a scale: `(ps, K)`.
type Key = (LocalId, i64);

/// Rewrites the loop `s` (if it is one this applies to) and returns the
/// statements that start its pointers, to go before it.
fn loop_pointers(s: &mut Stmt, f: &mut Function) -> Vec<Stmt> {
    let line = s.line;
    let StmtKind::ForRange { var, start, stop, step, body, plan, .. } = &mut s.kind else { return vec![] };
    let var = *var;
    if plan.vector.is_some() || plan.sum.is_some() || plan.paired.is_some() {
        return vec![];
    }
    let Some(Const::Int(step)) = step.as_const() else { return vec![] };
    let start_ok = matches!(start.kind, ExprKind::Const(Const::Int(_)) | ExprKind::Local(_));
    if !start_ok || !matches!(start.ty, Ty::Int(_)) || !pure_read(stop) || !rewritable_body(body) || hir::assigns(body, var) {
        return vec![];
    }
    // The keys, in the order first met, with the offset type.
    let mut keys: Vec<(Key, Ty)> = vec![];
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            if let Some((key, _, ty)) = induction_address(x, var, f) {
                if !keys.iter().any(|(k, _)| *k == key) {
                    keys.push((key, ty));
                }
            }
        })
    });
    keys.retain(|&((ps, _), _)| !hir::assigns(body, ps) && ps != var);
    let mut pre = vec![];
    let mut steps = vec![];
    let mut temps: Vec<(Key, LocalId)> = vec![];
    for ((ps, scale), off_ty) in keys {
        let Some(advance) = step.checked_mul(scale) else { continue };
        let ptr_ty = f.locals[ps.0 as usize].ty;
        let id = LocalId(f.locals.len() as u32);
        f.locals.push(Local { name: format!("#ptr{}.{}", id.0, f.locals[ps.0 as usize].name), ty: ptr_ty, c_array: None });
        let first = match start.as_const() {
            Some(Const::Int(a)) => Expr::konst(Const::Int(a.wrapping_mul(scale)), off_ty),
            _ => Expr {
                kind: ExprKind::Binary(ArithOp::Mul, Box::new(widen(start.clone(), off_ty)), Box::new(Expr::konst(Const::Int(scale), off_ty))),
                ty: off_ty,
            },
        };
        let init = Expr { kind: ExprKind::PtrOffset { ptr: Box::new(Expr::local(ps, ptr_ty)), offset: Box::new(first), negate: false }, ty: ptr_ty };
        pre.push(Stmt { kind: StmtKind::Assign(vec![(id, init)]), line });
        let next = Expr {
            kind: ExprKind::PtrOffset { ptr: Box::new(Expr::local(id, ptr_ty)), offset: Box::new(Expr::konst(Const::Int(advance), off_ty)), negate: false },
            ty: ptr_ty,
        };
        steps.push(Stmt { kind: StmtKind::Assign(vec![(id, next)]), line });
        temps.push(((ps, scale), id));
    }
    if temps.is_empty() {
        return vec![];
    }
    rewrite_block(body, var, f, &temps);
    body.extend(steps);
    pre
}

/// `start` as a value of the offsets' type (a narrower loop variable's
/// start widened as C widens it).
fn widen(e: Expr, ty: Ty) -> Expr {
    if e.ty == ty {
        return e;
    }
    match e.kind {
        ExprKind::Const(c) => Expr::konst(c, ty),
        _ => Expr { kind: ExprKind::Convert(Box::new(e)), ty },
    }
}

/// Whether evaluating `e` assigns nothing (the loop's `stop` is evaluated
/// after `start`, which is read again before the loop).
fn pure_read(e: &Expr) -> bool {
    let mut ok = true;
    hir::visit_expr(e, &mut |x| ok &= matches!(x.kind, ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::Convert(_) | ExprKind::Binary(..) | ExprKind::NoOverflow(..) | ExprKind::ViewDim { .. }));
    ok
}

/// A body the per-trip step can be appended to: no `continue`, no
/// comprehension, not ending in a jump.
fn rewritable_body(body: &[Stmt]) -> bool {
    let mut ok = !matches!(body.last().map(|s| &s.kind), Some(StmtKind::Return(_) | StmtKind::Raise { .. } | StmtKind::RaiseObject { .. } | StmtKind::Break | StmtKind::Continue));
    hir::visit_stmts(body, &mut |s| ok &= !matches!(s.kind, StmtKind::Continue | StmtKind::Yield { .. } | StmtKind::Prange(_)));
    hir::visit_stmt_exprs(body, &mut |e| hir::visit_expr(e, &mut |x| ok &= !matches!(x.kind, ExprKind::Comprehension(_))));
    ok
}

/// `ps + (i * K + c)`, `ps + (c + i * K)` or `ps + i * K` (`K * i` too) of
/// a pointer local `ps` and the loop variable `i` (read as itself or
/// widened): `(ps, K)`, `c`, and the offset's type.
fn induction_address(e: &Expr, var: LocalId, f: &Function) -> Option<(Key, i64, Ty)> {
    let ExprKind::PtrOffset { ptr, offset, negate: false } = &e.kind else { return None };
    let ExprKind::Local(ps) = ptr.kind else { return None };
    if !matches!(f.locals[ps.0 as usize].ty, Ty::Ptr(_)) || f.locals[ps.0 as usize].c_array.is_some() || ptr.ty != f.locals[ps.0 as usize].ty {
        return None;
    }
    let (term, c) = match &offset.kind {
        _ if scaled(offset, var, f).is_some() => (&**offset, 0),
        ExprKind::Binary(ArithOp::Add, a, b) | ExprKind::NoOverflow(ArithOp::Add, a, b) if exact(offset, f) => match (a.as_const(), b.as_const()) {
            (_, Some(Const::Int(c))) => (&**a, c),
            (Some(Const::Int(c)), _) => (&**b, c),
            _ => return None,
        },
        _ => return None,
    };
    let scale = scaled(term, var, f)?;
    Some(((ps, scale), c, offset.ty))
}

/// `i * K` or `K * i` (64-bit, wrapping or proven exact) of the loop
/// variable: `K`.
fn scaled(e: &Expr, var: LocalId, f: &Function) -> Option<i64> {
    let (ExprKind::Binary(ArithOp::Mul, a, b) | ExprKind::NoOverflow(ArithOp::Mul, a, b)) = &e.kind else { return None };
    if !exact(e, f) {
        return None;
    }
    match (a.as_const(), b.as_const()) {
        (None, Some(Const::Int(k))) if reads_var(a, var, f) => Some(k),
        (Some(Const::Int(k)), None) if reads_var(b, var, f) => Some(k),
        _ => None,
    }
}

/// Whether `e` is 64-bit arithmetic whose value is `+`/`*` modulo 2^64:
/// wrapping C arithmetic (no `overflowcheck`), or `NoOverflow`.
fn exact(e: &Expr, f: &Function) -> bool {
    let Ty::Int(t) = e.ty else { return false };
    t.bits == 64 && (matches!(e.kind, ExprKind::NoOverflow(..)) || !t.checked && !f.overflowcheck)
}

/// The loop variable, read as itself or widened to 64 bits (a narrower
/// variable's value kept exactly; between 64-bit types, modulo 2^64).
fn reads_var(e: &Expr, var: LocalId, f: &Function) -> bool {
    match &e.kind {
        ExprKind::Local(l) => *l == var && matches!(e.ty, Ty::Int(t) if t.bits == 64),
        ExprKind::Convert(x) => {
            matches!((x.ty, e.ty), (Ty::Int(from), Ty::Int(to)) if to.bits == 64 && from.bits <= 64)
                && matches!(x.kind, ExprKind::Local(l) if l == var)
                && x.ty == f.locals[var.0 as usize].ty
        }
        _ => false,
    }
}

fn rewrite_block(body: &mut [Stmt], var: LocalId, f: &Function, temps: &[(Key, LocalId)]) {
    for s in body.iter_mut() {
        for e in hir::own_exprs_mut(s) {
            hir::visit_expr_mut(e, &mut |x| {
                let Some((key, c, off_ty)) = induction_address(x, var, f) else { return };
                let Some(&(_, id)) = temps.iter().find(|(k, _)| *k == key) else { return };
                let p = Expr::local(id, x.ty);
                *x = if c == 0 {
                    p
                } else {
                    Expr { kind: ExprKind::PtrOffset { ptr: Box::new(p), offset: Box::new(Expr::konst(Const::Int(c), off_ty)), negate: false }, ty: x.ty }
                };
            });
        }
        for b in hir::blocks_mut(s) {
            rewrite_block(b, var, f, temps);
        }
    }
}
