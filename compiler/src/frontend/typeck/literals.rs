//! Literals' values at compile time, as Python computes them: number
//! literals and their negations, exact integer arithmetic on literals,
//! folding, and literals in [2**63, 2**64).

use crate::frontend::fallback;
use crate::hir::{self, ArithOp, Const, ExprKind as H, UnOp};
use crate::syntax::{self, BinOp, Expr, ExprKind, Span};
use crate::types::Ty;

use super::R;

pub(super) fn const_of(e: &Expr) -> Option<Const> {
    match &e.kind {
        ExprKind::Int(Some(v)) => i64::try_from(*v).ok().map(Const::Int),
        ExprKind::Float(f) => Some(Const::Float(*f)),
        ExprKind::Bool(b) => Some(Const::Bool(*b)),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } => match const_of(operand)? {
            Const::Int(v) => v.checked_neg().map(Const::Int),
            Const::Float(f) => Some(Const::Float(-f)),
            Const::Bool(b) => Some(Const::Int(-(b as i64))),
        },
        _ => None,
    }
}

/// Folds arithmetic on two integer literals, so `100 + 1000` stays a literal
/// that adapts to the C type next to it. Overflowing folds are left to run time.
pub(super) fn fold_literals(op: ArithOp, l: &hir::Expr, r: &hir::Expr) -> Option<hir::Expr> {
    let (Some(Const::Int(a)), Some(Const::Int(b))) = (l.as_const(), r.as_const()) else { return None };
    if l.ty != Ty::py_int() || r.ty != Ty::py_int() {
        return None;
    }
    let v = match op {
        ArithOp::Add => a.checked_add(b)?,
        ArithOp::Sub => a.checked_sub(b)?,
        ArithOp::Mul => a.checked_mul(b)?,
        ArithOp::FloorDiv if b != 0 => {
            let q = a.checked_div(b)?;
            if a % b != 0 && (a < 0) != (b < 0) { q - 1 } else { q }
        }
        ArithOp::Mod if b != 0 => {
            let m = a.checked_rem(b)?;
            if m != 0 && (m < 0) != (b < 0) { m + b } else { m }
        }
        ArithOp::BitAnd => a & b,
        ArithOp::BitOr => a | b,
        ArithOp::BitXor => a ^ b,
        ArithOp::LShift if (0..63).contains(&b) => a.checked_mul(1i64 << b)?,
        ArithOp::RShift if b >= 0 => a >> b.min(63),
        _ => return None,
    };
    Some(hir::Expr::konst(Const::Int(v), Ty::py_int()))
}

/// The exact value of an expression of integer literals, as Python computes
/// it (unbounded ints, floor division); `None` when it is not one, or
/// leaves 128 bits.
pub(super) fn exact_literal(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Int(v) => *v,
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } => exact_literal(operand)?.checked_neg(),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Pos, operand } => exact_literal(operand),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Invert, operand } => Some(!exact_literal(operand)?),
        ExprKind::BinOp { left, op, right } => {
            let (a, b) = (exact_literal(left)?, exact_literal(right)?);
            match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::FloorDiv => {
                    let (q, r) = (a.checked_div(b)?, a.checked_rem(b)?);
                    Some(if r != 0 && (r < 0) != (b < 0) { q - 1 } else { q })
                }
                BinOp::Mod => {
                    let r = a.checked_rem(b)?;
                    Some(if r != 0 && (r < 0) != (b < 0) { r + b } else { r })
                }
                BinOp::Pow if (0..128).contains(&b) => a.checked_pow(b as u32),
                BinOp::LShift if (0..127).contains(&b) => a.checked_mul(1i128 << b),
                BinOp::RShift if b >= 0 => Some(a >> b.min(127)),
                BinOp::BitAnd => Some(a & b),
                BinOp::BitOr => Some(a | b),
                BinOp::BitXor => Some(a ^ b),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `a ± L` on a Python `int` where the literal L is in [2**63, 2**64): the
/// result may fit in int64 even though L does not, so it is computed as two
/// checked steps through `i64::MIN` (each overflows exactly when Python's
/// result leaves int64). Other operations with such a literal stay Python.
/// Gives the operands back when neither applies.
#[allow(clippy::type_complexity)]
pub(super) fn wide_literal_operand(op: BinOp, l: hir::Expr, r: hir::Expr, span: &Span) -> R<Result<hir::Expr, (hir::Expr, hir::Expr)>> {
    let wide = |e: &hir::Expr| match (e.as_const(), e.ty) {
        (Some(Const::Int(v)), Ty::Int(t)) if v < 0 && !t.signed && t.bits == 64 => Some(v as u64),
        _ => None,
    };
    let py = Ty::py_int();
    let (other, literal, literal_first) = match (wide(&l), wide(&r)) {
        (None, Some(v)) if l.ty == py => (l, v, false),
        (Some(v), None) if r.ty == py => (r, v, true),
        _ => return Ok(Err((l, r))),
    };
    let k = |v: i64| hir::Expr::konst(Const::Int(v), py);
    let bin = |op, a: hir::Expr, b: hir::Expr| hir::Expr { kind: H::Binary(op, Box::new(a), Box::new(b)), ty: py };
    let excess = (literal - (1u64 << 63)) as i64;
    let plus = |a: hir::Expr| bin(ArithOp::Sub, bin(ArithOp::Add, a, k(excess)), k(i64::MIN));
    let minus = |a: hir::Expr| bin(ArithOp::Add, bin(ArithOp::Sub, a, k(excess)), k(i64::MIN));
    Ok(Ok(match (op, literal_first) {
        (BinOp::Add, _) => plus(other),
        (BinOp::Sub, false) => minus(other),
        (BinOp::Sub, true) => hir::Expr { kind: H::Unary(UnOp::Neg, Box::new(minus(other))), ty: py },
        _ => {
            return fallback(
                span,
                format!("it applies `{}` to the integer {literal}, which is outside int64", op.symbol()),
            )
        }
    }))
}
