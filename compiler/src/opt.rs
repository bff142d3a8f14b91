//! HIR → HIR optimisations that Cranelift does not do for us.
//!
//! `accumulate_tail_calls`: a self-call in tail position under `+` or `*`
//! (`return rfib(n - 1) + rfib(n - 2)`, `return n * fact(n - 1)`) becomes a
//! loop carrying an accumulator, so only the other operand remains a real call.
//! Evaluation order is kept; the sum or product is formed in another order,
//! which for C integers is exact (modular arithmetic) and for Python `int` can
//! differ only in whether an intermediate result overflows 64 bits.

use crate::hir::{self, ArithOp, Const, Expr, ExprKind, FuncId, Function, Local, LocalId, Stmt, StmtKind};
use crate::types::Ty;

pub fn optimize(module: &mut hir::Module) {
    for f in &mut module.functions {
        accumulate_tail_calls(f);
    }
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
            StmtKind::ForRange { var, start, stop, step, body, orelse } => out.push(Stmt {
                kind: StmtKind::ForRange {
                    var,
                    start,
                    stop,
                    step,
                    body: rewrite(body, me, ret, op, acc, params, true),
                    orelse: rewrite(orelse, me, ret, op, acc, params, true),
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
    crate::backend::maybe_unbound(f).is_empty()
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
}
