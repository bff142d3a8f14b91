//! Compile-time evaluation of integer HIR functions, for constant folding.
//!
//! Only what it can evaluate exactly as the compiled code would is supported:
//! integer and `bint` arithmetic with the width, signedness, overflow and
//! division rules of each type and directive, comparisons, `and`/`or`/`not`,
//! conditional expressions, calls, `if`, `while`, `for … in range`. Anything
//! else (floats, memoryviews, stores, shifts, powers) and anything that would
//! raise gives `None`, as does running out of fuel.

use crate::hir::{self, ArithOp, CmpOp, Const, Expr, ExprKind, Function, LocalId, Stmt, StmtKind, UnOp};
use crate::types::{IntTy, Ty};

pub struct Evaluator<'m> {
    m: &'m hir::Module,
    fuel: u32,
    depth: u32,
}

/// Calls nested deeper than this are not evaluated (the evaluator recurses
/// on the compiler's own stack).
const MAX_DEPTH: u32 = 200;

enum Flow {
    Normal,
    Break,
    Continue,
    Return(i128),
}

struct Activation<'f> {
    f: &'f Function,
    locals: Vec<Option<i128>>,
}

fn bounds(t: IntTy) -> (i128, i128) {
    let bits = t.bits as u32;
    if t.signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

fn wrap(v: i128, t: IntTy) -> i128 {
    let bits = t.bits as u32;
    let m = v.rem_euclid(1i128 << bits);
    if t.signed && m >= 1i128 << (bits - 1) {
        m - (1i128 << bits)
    } else {
        m
    }
}

/// The value of a constant of type `ty`, as the back end materialises it.
fn constant(c: Const, ty: Ty) -> Option<i128> {
    match (c, ty) {
        (Const::Int(v), Ty::Int(t)) => Some(wrap(v as i128, t)),
        (Const::Bool(b), Ty::Int(_) | Ty::Bool) => Some(b as i128),
        (Const::Int(v), Ty::Bool) => Some((v != 0) as i128),
        _ => None,
    }
}

/// `v` as a constant of type `ty` (an unsigned 64-bit value above `i64::MAX`
/// is stored as its bit pattern).
pub fn to_const(v: i128, ty: Ty) -> Option<Const> {
    match ty {
        Ty::Bool => Some(Const::Bool(v != 0)),
        Ty::Int(t) => {
            let (lo, hi) = bounds(t);
            (lo..=hi).contains(&v).then_some(Const::Int(v as u64 as i64))
        }
        _ => None,
    }
}

impl<'m> Evaluator<'m> {
    pub fn new(m: &'m hir::Module, fuel: u32) -> Self {
        Evaluator { m, fuel, depth: 0 }
    }

    /// `f(args)`, or `None` if it cannot be evaluated here exactly.
    pub fn call(&mut self, f: &'m Function, args: &[i128]) -> Option<i128> {
        if args.len() != f.params.len() || !matches!(f.ret, Ty::Int(_) | Ty::Bool) {
            return None;
        }
        let mut act = Activation { f, locals: vec![None; f.locals.len()] };
        for (p, a) in f.params.iter().zip(args) {
            if !matches!(p.ty, Ty::Int(_) | Ty::Bool) {
                return None;
            }
            act.locals[p.local.0 as usize] = Some(*a);
        }
        match self.block(&f.body, &mut act)? {
            Flow::Return(v) => Some(v),
            // Falling off the end of a function returning int raises TypeError.
            _ => None,
        }
    }

    fn tick(&mut self) -> Option<()> {
        self.fuel = self.fuel.checked_sub(1)?;
        Some(())
    }

    fn block(&mut self, body: &'m [Stmt], act: &mut Activation<'m>) -> Option<Flow> {
        for s in body {
            self.tick()?;
            match &s.kind {
                StmtKind::Pass => {}
                // Threads and objects are not run at compile time.
                StmtKind::Prange(_) | StmtKind::ForIter { .. } | StmtKind::RaiseObject { .. } | StmtKind::Try(_) | StmtKind::Unbind(_) | StmtKind::Yield { .. } => return None,
                // Run at compile time, the GIL changes nothing.
                StmtKind::Gil { body, .. } => {
                    let flow = self.block(body, act)?;
                    if !matches!(flow, Flow::Normal) {
                        return Some(flow);
                    }
                }
                StmtKind::Expr(e) => {
                    self.expr(e, act)?;
                }
                StmtKind::Assign(pairs) => {
                    let mut vals = vec![];
                    for (_, e) in pairs {
                        vals.push(self.expr(e, act)?);
                    }
                    for ((id, _), v) in pairs.iter().zip(vals) {
                        self.set(act, *id, v)?;
                    }
                }
                StmtKind::If { cond, then, orelse } => {
                    let c = self.expr(cond, act)?;
                    let flow = self.block(if c != 0 { then } else { orelse }, act)?;
                    if !matches!(flow, Flow::Normal) {
                        return Some(flow);
                    }
                }
                StmtKind::While { cond, body, orelse } => {
                    let mut broke = false;
                    while self.expr(cond, act)? != 0 {
                        match self.block(body, act)? {
                            Flow::Break => {
                                broke = true;
                                break;
                            }
                            Flow::Return(v) => return Some(Flow::Return(v)),
                            Flow::Normal | Flow::Continue => {}
                        }
                    }
                    if !broke {
                        let flow = self.block(orelse, act)?;
                        if !matches!(flow, Flow::Normal) {
                            return Some(flow);
                        }
                    }
                }
                StmtKind::ForRange { var, start, stop, step, body, orelse, .. } => {
                    let (a, b, k) = (self.expr(start, act)?, self.expr(stop, act)?, self.expr(step, act)?);
                    if k == 0 {
                        return None;
                    }
                    let mut i = a;
                    let mut broke = false;
                    while (k > 0 && i < b) || (k < 0 && i > b) {
                        self.tick()?;
                        self.set(act, *var, i)?;
                        match self.block(body, act)? {
                            Flow::Break => {
                                broke = true;
                                break;
                            }
                            Flow::Return(v) => return Some(Flow::Return(v)),
                            Flow::Normal | Flow::Continue => {}
                        }
                        i += k;
                    }
                    if !broke {
                        let flow = self.block(orelse, act)?;
                        if !matches!(flow, Flow::Normal) {
                            return Some(flow);
                        }
                    }
                }
                StmtKind::Break => return Some(Flow::Break),
                StmtKind::Continue => return Some(Flow::Continue),
                StmtKind::Return(Some(e)) => return Some(Flow::Return(self.expr(e, act)?)),
                StmtKind::Return(None) | StmtKind::Raise { .. } | StmtKind::Assert { .. } | StmtKind::Store { .. } | StmtKind::CopyView { .. } => {
                    return None
                }
            }
        }
        Some(Flow::Normal)
    }

    fn set(&mut self, act: &mut Activation<'m>, id: LocalId, v: i128) -> Option<()> {
        let slot = act.locals.get_mut(id.0 as usize)?;
        *slot = Some(v);
        Some(())
    }

    fn expr(&mut self, e: &'m Expr, act: &mut Activation<'m>) -> Option<i128> {
        self.tick()?;
        match &e.kind {
            ExprKind::Const(c) => constant(*c, e.ty),
            ExprKind::Local(id) => {
                if !matches!(act.f.locals.get(id.0 as usize)?.ty, Ty::Int(_) | Ty::Bool) {
                    return None;
                }
                *act.locals.get(id.0 as usize)?
            }
            ExprKind::Convert(x) => {
                let v = self.expr(x, act)?;
                match (x.ty, e.ty) {
                    (Ty::Int(_) | Ty::Bool, Ty::Int(t)) => {
                        let from_u64 = matches!(x.ty, Ty::Int(s) if !s.signed && s.bits == 64);
                        if t.checked && from_u64 && v > i64::MAX as i128 {
                            return None;
                        }
                        Some(wrap(v, t))
                    }
                    _ => None,
                }
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x, act)?;
                match (op, e.ty) {
                    (UnOp::Not, _) => Some((v == 0) as i128),
                    (UnOp::Neg, Ty::Int(t)) => self.arith(-v, t, act.f),
                    (UnOp::Invert, Ty::Int(t)) => Some(wrap(!v, t)),
                    _ => None,
                }
            }
            // (`NoOverflow` was proven not to overflow: checking it changes nothing.)
            ExprKind::Binary(op, a, b) | ExprKind::NoOverflow(op, a, b) => {
                let (x, y) = (self.expr(a, act)?, self.expr(b, act)?);
                match e.ty {
                    Ty::Int(t) => self.int_binary(*op, x, y, t, act.f),
                    Ty::Bool => match op {
                        ArithOp::BitAnd => Some(x & y),
                        ArithOp::BitOr => Some(x | y),
                        ArithOp::BitXor => Some(x ^ y),
                        _ => None,
                    },
                    _ => None,
                }
            }
            ExprKind::Compare { operands, ops } => {
                if operands.iter().any(|o| !matches!(o.ty, Ty::Int(_) | Ty::Bool)) {
                    return None;
                }
                let mut left = self.expr(operands.first()?, act)?;
                for (op, right) in ops.iter().zip(&operands[1..]) {
                    let r = self.expr(right, act)?;
                    let holds = match op {
                        CmpOp::Eq => left == r,
                        CmpOp::Ne => left != r,
                        CmpOp::Lt => left < r,
                        CmpOp::Le => left <= r,
                        CmpOp::Gt => left > r,
                        CmpOp::Ge => left >= r,
                    };
                    if !holds {
                        return Some(0);
                    }
                    left = r;
                }
                Some(1)
            }
            ExprKind::Truthy(x) if matches!(x.ty, Ty::Int(_) | Ty::Bool) => Some((self.expr(x, act)? != 0) as i128),
            ExprKind::And(a, b) => {
                let x = self.expr(a, act)?;
                if x == 0 {
                    Some(x)
                } else {
                    self.expr(b, act)
                }
            }
            ExprKind::Or(a, b) => {
                let x = self.expr(a, act)?;
                if x != 0 {
                    Some(x)
                } else {
                    self.expr(b, act)
                }
            }
            ExprKind::IfExp { cond, then, orelse, .. } => {
                if self.expr(cond, act)? != 0 {
                    self.expr(then, act)
                } else {
                    self.expr(orelse, act)
                }
            }
            ExprKind::Call(id, args) => {
                let mut vals = vec![];
                for a in args {
                    vals.push(self.expr(a, act)?);
                }
                let m = self.m;
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                let r = self.call(m.function(*id), &vals);
                self.depth -= 1;
                r
            }
            _ => None,
        }
    }

    /// The result of `+ - *` (exact in `v`) in type `t`: wrapped, or `None`
    /// where the compiled code raises OverflowError.
    fn arith(&self, v: i128, t: IntTy, f: &Function) -> Option<i128> {
        let (lo, hi) = bounds(t);
        if t.checked || f.overflowcheck {
            (lo..=hi).contains(&v).then_some(v)
        } else {
            Some(wrap(v, t))
        }
    }

    fn int_binary(&self, op: ArithOp, a: i128, b: i128, t: IntTy, f: &Function) -> Option<i128> {
        match op {
            ArithOp::Add => self.arith(a + b, t, f),
            ArithOp::Sub => self.arith(a - b, t, f),
            ArithOp::Mul => self.arith(a.checked_mul(b)?, t, f),
            ArithOp::BitAnd => Some(a & b),
            ArithOp::BitOr => Some(a | b),
            ArithOp::BitXor => Some(a ^ b),
            ArithOp::FloorDiv | ArithOp::Mod => {
                if b == 0 {
                    return None;
                }
                let is_div = op == ArithOp::FloorDiv;
                if is_div && t.signed && a == bounds(t).0 && b == -1 {
                    // Raises unless C division may wrap.
                    return (!(t.checked || f.overflowcheck) && f.cdivision).then_some(a);
                }
                let (q, r) = (a / b, a % b);
                if f.cdivision || !t.signed {
                    return Some(if is_div { q } else { r });
                }
                let adjust = r != 0 && (r < 0) != (b < 0);
                Some(match (is_div, adjust) {
                    (true, true) => q - 1,
                    (true, false) => q,
                    (false, true) => r + b,
                    (false, false) => r,
                })
            }
            ArithOp::Div | ArithOp::Pow | ArithOp::LShift | ArithOp::RShift => None,
        }
    }
}
