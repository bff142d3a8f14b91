//! ×2 unrolling. Cranelift neither unrolls nor rotates loops: running a small
//! body twice per trip halves the loop overhead and lets the register
//! allocator drop the moves a loop-carried permutation (`a, b = a + b, a`)
//! costs. The back end emits two trips per test at the bottom of a rotated
//! loop, with a limit computed once so the counter needs no overflow check.

use crate::hir::{self, Const, Expr, Function, LocalId, Stmt, StmtKind};
use crate::types::Ty;

/// Whether the loop `for var in range(…, step): body` runs two trips per test:
/// a constant step in `1..=2^20`, a variable that is not an unsigned 64-bit
/// integer, and a small body without `break`/`continue` or a loop of its own
/// (whose trips amortize the outer test: two copies of the inner loop would
/// only give the register allocator twice the code to spill across).
pub fn worth_it(var: LocalId, step: &Expr, body: &[Stmt], f: &Function) -> bool {
    let Ty::Int(var_ty) = f.locals[var.0 as usize].ty else { return false };
    let unsigned = !var_ty.signed && var_ty.bits >= 64;
    let const_step = matches!(step.as_const(), Some(Const::Int(k)) if (1..=1 << 20).contains(&k));
    const_step && !unsigned && small_without_jumps(body)
}

fn small_without_jumps(body: &[Stmt]) -> bool {
    let mut jumps = false;
    hir::visit_stmts(body, &mut |s| jumps |= matches!(s.kind, StmtKind::Break | StmtKind::Continue | StmtKind::ForRange { .. } | StmtKind::ForIter { .. } | StmtKind::While { .. }));
    let mut size = 0;
    hir::visit_stmt_exprs(body, &mut |e| hir::visit_expr(e, &mut |_| size += 1));
    size += body.len();
    !jumps && size <= 48
}
