//! Which parts of a double expression run lane by lane on an `f64x2`: the
//! float operations that can neither raise nor call, seen through calls of
//! expression functions (evaluated in place). `opt::pairing` decides with it
//! whether an unrolled reduction pairs its trips; the back end walks the
//! same parts when it emits the pair.

use super::{ExprKind, Expr, FuncId, Function, Module, Stmt, StmtKind, UnOp};
use crate::types::Ty;
use std::collections::HashSet;

const F64: Ty = Ty::Float(64);

pub struct Lanes<'m, 'r> {
    pub m: &'m Module,
    /// The functions on a call-graph cycle (never evaluated in place).
    pub recursive: &'r HashSet<FuncId>,
}

impl<'m> Lanes<'m, '_> {
    /// Whether `e` (in function `f`) lowers to a single float operation that
    /// can neither raise nor call: only those move into the vector.
    pub fn vector_op(&self, e: &Expr, f: &Function) -> bool {
        match &e.kind {
            ExprKind::Call(id, _) => e.ty == F64 && self.expression_function(*id).is_some(),
            _ => lane_arith(e, f),
        }
    }

    /// A function whose body is `return <double expression>` over scalar
    /// parameters: its expression is evaluated in place, lane by lane.
    pub fn expression_function(&self, id: FuncId) -> Option<(&'m Function, &'m Expr)> {
        let callee = self.m.function(id);
        if self.recursive.contains(&id) || callee.ret != F64 || callee.params.iter().any(|p| matches!(p.ty, Ty::View(_))) {
            return None;
        }
        match callee.body.as_slice() {
            [Stmt { kind: StmtKind::Return(Some(e)), .. }] => Some((callee, e)),
            _ => None,
        }
    }

    /// The expressions `e` of `f` stands for, and the function each is evaluated in.
    pub fn operands<'e>(&self, e: &'e Expr, f: &'e Function) -> Vec<(&'e Expr, &'e Function)>
    where
        'm: 'e,
    {
        match &e.kind {
            ExprKind::Binary(_, a, b) => vec![(a, f), (b, f)],
            ExprKind::Unary(_, a) => vec![(a, f)],
            ExprKind::Call(id, _) => match self.expression_function(*id) {
                Some((callee, body)) => vec![(body, callee)],
                None => vec![],
            },
            _ => vec![],
        }
    }
}

/// Whether `e` (in function `f`, not a call) is a single float operation
/// that can neither raise nor call (see `Lanes::vector_op`).
pub fn lane_arith(e: &Expr, f: &Function) -> bool {
    if e.ty != F64 {
        return false;
    }
    match &e.kind {
        ExprKind::Binary(op, a, b) if a.ty == F64 && b.ty == F64 => op.exact_in_lanes(f.cdivision),
        ExprKind::Unary(UnOp::Neg, _) => true,
        _ => false,
    }
}
