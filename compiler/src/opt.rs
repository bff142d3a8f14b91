//! HIR → HIR optimisations that Cranelift does not do for us.
//!
//! `fold_small_arguments`: a self-recursive integer function that starts with
//! a base case `if n < c: return …` also returns constants for the next few
//! arguments (`n == c`, `c + 1`, …), evaluated at compile time. This is what
//! gcc -O3 reaches for such functions by inlining the recursion and folding
//! constants; for us it is one guard, and every inlined copy of the function
//! gets it too.
//!
//! `accumulate_tail_calls`: a self-call in tail position under `+` or `*`
//! (`return rfib(n - 1) + rfib(n - 2)`, `return n * fact(n - 1)`) becomes a
//! loop carrying an accumulator, so only the other operand remains a real call.
//! Evaluation order is kept; the sum or product is formed in another order,
//! which for C integers is exact (modular arithmetic) and for Python `int` can
//! differ only in whether an intermediate result overflows 64 bits.
//!
//! `fields::keep_in_locals`: the C fields of `self` that a loop reads and
//! writes live in locals across it (stored back after it), where nothing in
//! the loop can fail, call or store elsewhere.
//!
//! First each `prange` body is outlined into a function of its own (`outline`).
//!
//! Then the decisions the back end only carries out (`decide`): checks
//! dropped under learnt facts (`facts`), conditional expressions as `select`
//! (`select`), and each `range` loop's plan (`versioning`, `unroll`,
//! `pairing`, `vectorize`), written into the HIR so `--emit hir` shows them.
//!
//! Last, pointer induction variables for C memory indexed by a loop's
//! variable with a scale x86 cannot address (`induction`).

use crate::hir::{self, ArithOp, CmpOp, Const, Expr, ExprKind, FuncId, Function, Local, LocalId, LoopPlan, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashSet;

mod consteval;
mod facts;
mod fields;
mod outline;
mod pairing;
mod select;
mod unroll;
mod vectorize;
mod versioning;
mod guards;
mod induction;

pub fn optimize(module: &mut hir::Module) {
    outline::outline(module);
    let folds: Vec<(usize, Stmt)> =
        module.functions.iter().enumerate().filter_map(|(i, f)| small_argument_values(module, f).map(|s| (i, s))).collect();
    for (i, guard) in folds {
        module.functions[i].body.insert(1, guard);
    }
    for f in &mut module.functions {
        versioning::runtime_steps(f);
        accumulate_tail_calls(f);
        fields::keep_in_locals(f);
    }
    decide(module);
    for f in &mut module.functions {
        induction::reduce(f);
    }
}

/// The decisions the back end carries out, written into the HIR (so `--emit
/// hir` shows them), in a fixed order: facts (checks dropped), `select`s,
/// then each `range` loop's plan (versioning, unrolling, pairing,
/// vectorisation). Each is made afresh from the HIR, so running them again
/// changes nothing.
fn decide(module: &mut hir::Module) {
    let unbound: Vec<HashSet<LocalId>> = module.functions.iter().map(hir::maybe_unbound).collect();
    for (f, unbound) in module.functions.iter_mut().zip(&unbound) {
        facts::mark(f);
        select::mark(f, unbound);
    }
    // Plans read callees (expression functions evaluated in place): all are
    // made before any is written.
    let recursive = hir::recursive_functions(module);
    let lanes = hir::Lanes { m: module, recursive: &recursive };
    let plans: Vec<Vec<LoopPlan>> = module
        .functions
        .iter()
        .zip(&unbound)
        .map(|(f, unbound)| {
            let mut plans = vec![];
            plan_range_loops(&f.body, f, &lanes, unbound, &mut plans);
            plans
        })
        .collect();
    for (f, plans) in module.functions.iter_mut().zip(plans) {
        write_plans(&mut f.body, &mut plans.into_iter());
    }
}

/// The plan of every range loop in `body`, outer loops first.
fn plan_range_loops(body: &[Stmt], f: &Function, lanes: &hir::Lanes, unbound: &HashSet<LocalId>, out: &mut Vec<LoopPlan>) {
    hir::visit_stmts(body, &mut |s| {
        if let StmtKind::ForRange { var, start, stop, step, body, orelse, .. } = &s.kind {
            let (vector, sum) = vectorize::plans(*var, step, body, f, unbound);
            let unroll = unroll::worth_it(*var, step, body, f);
            out.push(LoopPlan {
                version_on_unit_stride: versioning::views(*var, body, f, unbound),
                version_in_bounds: if vector.is_some() || sum.is_some() || !orelse.is_empty() { vec![] } else { guards::plan(*var, [start, stop, step], body, f, unbound) },
                unroll,
                paired: if unroll { pairing::plan(body, f, lanes, unbound) } else { None },
                vector,
                sum,
            });
        }
    });
}

/// Stores `plans` into the range loops of `body`, in `plan_range_loops`' order.
fn write_plans(body: &mut [Stmt], plans: &mut impl Iterator<Item = LoopPlan>) {
    for s in body.iter_mut() {
        if let StmtKind::ForRange { plan, .. } = &mut s.kind {
            if let Some(p) = plans.next() {
                **plan = p;
            }
        }
        for b in hir::blocks_mut(s) {
            write_plans(b, plans);
        }
    }
}

/// How many arguments past the base case get a compile-time value: as many
/// as gcc -O3 folds for `rfib` (n = 2 … 5).
const FOLDED_ARGUMENTS: i64 = 4;
/// Evaluation steps allowed per folded argument.
const FOLD_FUEL: u32 = 4096;

/// For `f(n)` starting with `if n < c: return …` (or `n <= c - 1`) and calling
/// itself: the statement `if n < c + k: return (v0 if n == c else (v1 if …))`
/// with `vi = f(c + i)` evaluated now, for the longest run of arguments that
/// evaluate (none raise, all finish within the fuel).
fn small_argument_values(m: &hir::Module, f: &Function) -> Option<Stmt> {
    let [p] = f.params.as_slice() else { return None };
    let (Ty::Int(pt), Ty::Int(_)) = (p.ty, f.ret) else { return None };
    let mut calls_itself = false;
    hir::visit_calls(&f.body, &mut |id| calls_itself |= id == f.id);
    if !calls_itself {
        return None;
    }
    let first = f.body.first()?;
    let StmtKind::If { cond, then, orelse } = &first.kind else { return None };
    if !orelse.is_empty() || !matches!(then.as_slice(), [Stmt { kind: StmtKind::Return(Some(_)), .. }]) {
        return None;
    }
    let ExprKind::Compare { operands, ops } = &cond.kind else { return None };
    let ([l, r], [op]) = (operands.as_slice(), ops.as_slice()) else { return None };
    let (ExprKind::Local(n), Some(Const::Int(c))) = (&l.kind, r.as_const()) else { return None };
    if *n != p.local || !pt.signed {
        return None;
    }
    let lo = match op {
        CmpOp::Lt => c,
        CmpOp::Le => c.checked_add(1)?,
        _ => return None,
    };
    let mut values = vec![];
    for k in 0..FOLDED_ARGUMENTS {
        let arg = lo.checked_add(k)?;
        let Some(v) = consteval::Evaluator::new(m, FOLD_FUEL).call(f, &[arg as i128]) else { break };
        let Some(v) = consteval::to_const(v, f.ret) else { break };
        values.push((arg, v));
    }
    let (&(last_arg, last), rest) = values.split_last()?;
    let n_expr = || Expr::local(p.local, p.ty);
    let compare = |op, k: i64| Expr {
        kind: ExprKind::Compare { operands: vec![n_expr(), Expr::konst(Const::Int(k), p.ty)], ops: vec![op] },
        ty: Ty::Bool,
    };
    let mut value = Expr::konst(last, f.ret);
    for &(arg, v) in rest.iter().rev() {
        value = Expr {
            kind: ExprKind::IfExp {
                cond: Box::new(compare(CmpOp::Eq, arg)),
                then: Box::new(Expr::konst(v, f.ret)),
                orelse: Box::new(value),
                select: false,
            },
            ty: f.ret,
        };
    }
    Some(Stmt {
        kind: StmtKind::If { cond: compare(CmpOp::Lt, last_arg + 1), then: vec![Stmt { kind: StmtKind::Return(Some(value)), line: first.line }], orelse: vec![] },
        line: first.line,
    })
}

fn is_self_call(e: &Expr, me: FuncId, ret: Ty) -> bool {
    matches!(&e.kind, ExprKind::Call(id, _) if *id == me) && e.ty == ret
}

/// The operator and the operands of a tail `E op self(...)`, if any.
fn tail_shape(e: &Expr, me: FuncId, ret: Ty) -> Option<(ArithOp, &Expr, &Expr)> {
    match &e.kind {
        ExprKind::Binary(op @ (ArithOp::Add | ArithOp::Mul), l, r) if e.ty == ret && is_self_call(r, me, ret) => Some((*op, l, r)),
        _ => None,
    }
}

fn has_tail_call(body: &[Stmt], me: FuncId, ret: Ty, op: &mut Option<ArithOp>, ok: &mut bool) {
    for s in body {
        match &s.kind {
            StmtKind::Return(Some(e)) => {
                if let Some((o, _, _)) = tail_shape(e, me, ret) {
                    match op {
                        None => *op = Some(o),
                        Some(prev) if *prev != o => *ok = false,
                        _ => {}
                    }
                }
            }
            StmtKind::If { then, orelse, .. } => {
                has_tail_call(then, me, ret, op, ok);
                has_tail_call(orelse, me, ret, op, ok);
            }
            StmtKind::While { body, orelse, .. } | StmtKind::ForRange { body, orelse, .. } => {
                // A `continue` there would bind to the inner loop: leave such returns alone.
                let mut inner = None;
                has_tail_call(body, me, ret, &mut inner, ok);
                has_tail_call(orelse, me, ret, &mut inner, ok);
                if inner.is_some() && inner != *op {
                    *ok = false;
                }
            }
            _ => {}
        }
    }
}

fn accumulate_tail_calls(f: &mut Function) {
    let Ty::Int(_) = f.ret else { return };
    let (mut op, mut ok) = (None, true);
    has_tail_call(&f.body, f.id, f.ret, &mut op, &mut ok);
    let Some(op) = op.filter(|_| ok) else { return };
    // Locals must start each activation unbound; a loop would carry them over.
    let params: Vec<LocalId> = f.params.iter().map(|p| p.local).collect();
    if !all_locals_assigned_before_read(f) {
        return;
    }
    let acc = LocalId(f.locals.len() as u32);
    f.locals.push(Local { name: "<accumulator>".into(), ty: f.ret, c_array: None });
    let identity = if op == ArithOp::Add { 0 } else { 1 };
    let line = f.line;
    let mut body = rewrite(std::mem::take(&mut f.body), f.id, f.ret, op, acc, &params, false);
    body.push(Stmt {
        kind: StmtKind::Raise {
            exc: "PyExc_TypeError".into(),
            msg: Some(format!(
                "{}() reached its end without a return statement, but it is declared to return {}",
                f.name, f.ret
            )),
        },
        line,
    });
    f.body = vec![
        Stmt { kind: StmtKind::Assign(vec![(acc, Expr::konst(Const::Int(identity), f.ret))]), line },
        Stmt { kind: StmtKind::While { cond: Expr::konst(Const::Bool(true), Ty::Bool), body, orelse: vec![] }, line },
    ];
}

fn combine(op: ArithOp, acc: LocalId, ty: Ty, e: Expr) -> Expr {
    Expr { kind: ExprKind::Binary(op, Box::new(Expr::local(acc, ty)), Box::new(e)), ty }
}

fn rewrite(body: Vec<Stmt>, me: FuncId, ret: Ty, op: ArithOp, acc: LocalId, params: &[LocalId], in_loop: bool) -> Vec<Stmt> {
    let mut out = vec![];
    for s in body {
        let line = s.line;
        match s.kind {
            StmtKind::Return(Some(e)) if !in_loop && tail_shape(&e, me, ret).is_some_and(|(o, _, _)| o == op) => {
                let ExprKind::Binary(_, left, right) = e.kind else { unreachable!("checked by tail_shape") };
                let ExprKind::Call(_, args) = right.kind else { unreachable!("checked by tail_shape") };
                out.push(Stmt { kind: StmtKind::Assign(vec![(acc, combine(op, acc, ret, *left))]), line });
                out.push(Stmt { kind: StmtKind::Assign(params.iter().copied().zip(args).collect()), line });
                out.push(Stmt { kind: StmtKind::Continue, line });
            }
            StmtKind::Return(Some(e)) => {
                out.push(Stmt { kind: StmtKind::Return(Some(combine(op, acc, ret, e))), line });
            }
            StmtKind::If { cond, then, orelse } => out.push(Stmt {
                kind: StmtKind::If {
                    cond,
                    then: rewrite(then, me, ret, op, acc, params, in_loop),
                    orelse: rewrite(orelse, me, ret, op, acc, params, in_loop),
                },
                line,
            }),
            StmtKind::While { cond, body, orelse } => out.push(Stmt {
                kind: StmtKind::While {
                    cond,
                    body: rewrite(body, me, ret, op, acc, params, true),
                    orelse: rewrite(orelse, me, ret, op, acc, params, true),
                },
                line,
            }),
            StmtKind::ForRange { var, start, stop, step, body, orelse, plan } => out.push(Stmt {
                kind: StmtKind::ForRange {
                    var,
                    start,
                    stop,
                    step,
                    body: rewrite(body, me, ret, op, acc, params, true),
                    orelse: rewrite(orelse, me, ret, op, acc, params, true),
                    plan,
                },
                line,
            }),
            other => out.push(Stmt { kind: other, line }),
        }
    }
    out
}

/// True when no local can be read before it is assigned (so carrying locals
/// from one loop trip to the next cannot change what the code observes).
fn all_locals_assigned_before_read(f: &Function) -> bool {
    hir::maybe_unbound(f).is_empty()
}

#[cfg(test)]
mod tests {
    use crate::analyze;

    #[test]
    fn double_recursion_keeps_one_call_and_loops_on_the_other() {
        let src = "def rfib(n: int) -> int:\n    if n < 2:\n        return n\n    return rfib(n - 1) + rfib(n - 2)\n";
        let (mut m, _, _) = analyze(src, "m.py", "/m.py", "m").unwrap();
        super::optimize(&mut m);
        let dump = crate::hir::dump(&m);
        assert!(dump.contains("while true"), "{dump}");
        assert_eq!(dump.matches("rfib(Sub").count(), 1, "one call left: {dump}");
        assert!(dump.contains("continue"), "{dump}");
    }

    #[test]
    fn small_arguments_past_the_base_case_are_folded() {
        let src = "def rfib(n: int) -> int:\n    if n < 2:\n        return n\n    return rfib(n - 1) + rfib(n - 2)\n\n\ndef up(n: int) -> int:\n    if n < 0:\n        return 1\n    return up(n - 1) * 4000000000\n";
        let (m, _, _) = analyze(src, "m.py", "/m.py", "m").unwrap();
        let dump = crate::hir::dump(&m);
        let (rfib, up) = dump.split_once("fn up").unwrap();
        assert!(rfib.contains("(n:int Lt 6:int)") && rfib.contains("select((n:int Eq 4:int):bint, 3:int, 5:int)"), "{rfib}");
        // up(0) = 4000000000 fits, up(1) overflows 64 bits: only n = 0 is folded.
        assert!(up.contains("(n:int Lt 1:int)") && up.contains("return 4000000000:int"), "{up}");
        assert_eq!(dump.matches("Lt 6:int").count(), 1, "{dump}");
    }
}
