//! ×2 unrolling. Cranelift neither unrolls nor rotates loops: running a small
//! body twice per trip halves the loop overhead and lets the register
//! allocator drop the moves a loop-carried permutation (`a, b = a + b, a`)
//! costs. The back end emits two trips per test at the bottom of a rotated
//! loop, with a limit computed once so the counter needs no overflow check.

use crate::hir::{self, ArithOp, Const, Expr, ExprKind, Function, LocalId, Stmt, StmtKind};
use crate::types::Ty;

/// Whether the loop `for var in range(…, step): body` runs two trips per test:
/// a constant step in `1..=2^20`, a variable that is not an unsigned 64-bit
/// integer, and a small body without `break`/`continue` or a `for` over an
/// object of its own (whose trips amortize the outer test: two copies of its
/// calls would only give the register allocator twice the code to spill
/// across; a body's `range` or `while` loop over C values still gains, as
/// `mandelbrot` and `heat` showed, 4-7% fewer instructions unrolled).
pub fn worth_it(var: LocalId, step: &Expr, body: &[Stmt], f: &Function) -> bool {
    let Ty::Int(var_ty) = f.locals[var.0 as usize].ty else { return false };
    let unsigned = !var_ty.signed && var_ty.bits >= 64;
    let const_step = matches!(step.as_const(), Some(Const::Int(k)) if (1..=1 << 20).contains(&k));
    const_step && !unsigned && small_without_jumps(body)
}

fn small_without_jumps(body: &[Stmt]) -> bool {
    let mut jumps = false;
    hir::visit_stmts(body, &mut |s| jumps |= matches!(s.kind, StmtKind::Break | StmtKind::Continue | StmtKind::ForIter { .. }));
    let (size, c_accesses, views) = measure(body);
    // A C access costs one node, as it costs one instruction; a view
    // access's stride arithmetic is not in its count, so a body that
    // indexes views keeps the smaller budget (the `nbody` array kernel ran
    // 1.4% more instructions unrolled at 64).
    let budget = if c_accesses && !views { 64 } else { 48 };
    !jumps && size <= budget
}

/// The body's size in expression nodes plus its statements, a C memory
/// access counting as one node however its address is spelt (`ps[i].vy` is
/// `(ps + (i * 32 + 24))[0]` in the HIR, nine nodes, but one load or store
/// with the address in its addressing mode); whether it makes such
/// accesses, and whether it indexes typed memoryviews.
fn measure(body: &[Stmt]) -> (usize, bool, bool) {
    let (mut size, mut c_accesses, mut views) = (body.len(), false, false);
    hir::visit_stmts(body, &mut |s| views |= matches!(s.kind, StmtKind::Store { .. }));
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            size += 1;
            match &x.kind {
                ExprKind::PtrLoad { ptr, index } | ExprKind::PtrStore { ptr, index, .. } if plain_address(ptr) && plain_address(index) => {
                    size -= nodes(ptr) + nodes(index);
                    c_accesses = true;
                }
                ExprKind::Index { .. } | ExprKind::ElemAddr(_) | ExprKind::SliceView { .. } => views = true,
                _ => {}
            }
        })
    });
    (size, c_accesses, views)
}

/// Whether `e` is address arithmetic over locals and constants (no loads,
/// calls or checks), which folds into an access's addressing.
fn plain_address(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Local(_) | ExprKind::Const(_) => true,
        ExprKind::Convert(x) => plain_address(x),
        ExprKind::PtrOffset { ptr, offset, .. } => plain_address(ptr) && plain_address(offset),
        ExprKind::Binary(ArithOp::Add | ArithOp::Sub | ArithOp::Mul, a, b) => plain_address(a) && plain_address(b),
        _ => false,
    }
}

fn nodes(e: &Expr) -> usize {
    let mut n = 0;
    hir::visit_expr(e, &mut |_| n += 1);
    n
}
