//! Float reductions `s += E(i)` in a range loop unrolled ×2.
//!
//! The scalar loop adds `E(i)` to `s` before it starts on `E(i + 1)`, so the
//! two trips' divisions run one after the other. Here both trips' operands are
//! computed first (in the scalar loop's order: every operation that can raise,
//! load or call happens exactly as before), then `E`'s float arithmetic runs
//! once on a 2-lane vector, and the two lanes are added to `s` in order. Each
//! lane performs the scalar operations bit for bit and the additions are not
//! reassociated, so the result is identical; only the pure, non-raising vector
//! work moved, and a local's value is not observable before the loop ends.

use super::{Lower, R};
use crate::hir::{self, ArithOp, Const, Expr, ExprKind, LocalId, Stmt, StmtKind, UnOp};
use crate::types::Ty;
use cranelift_codegen::ir::{types, InstBuilder, Value};

const F64: Ty = Ty::Float(64);

/// `acc = acc + value` with `acc` a double that `value` does not read.
pub(super) struct Reduction<'a> {
    pub acc: LocalId,
    pub value: &'a Expr,
    /// The loop variable and step: lane 1 runs with `var + step`.
    pub var: LocalId,
    pub step: i64,
    /// Whether `value` calls nothing but expression functions: then no
    /// store can happen between the two trips' loads.
    pub no_effects: bool,
}

/// The loop body as a reduction worth pairing: its vector part must contain a
/// division (packing the lanes costs more than a multiply or add saves).
pub(super) fn reduction_shape<'a>(var: LocalId, step: i64, body: &'a [Stmt], f: &hir::Function, m: &hir::Module, recursive: &std::collections::HashSet<hir::FuncId>) -> Option<Reduction<'a>> {
    let [Stmt { kind: StmtKind::Assign(pairs), .. }] = body else { return None };
    let [(acc, e)] = pairs.as_slice() else { return None };
    if f.locals[acc.0 as usize].ty != F64 || e.ty != F64 {
        return None;
    }
    let ExprKind::Binary(ArithOp::Add, lhs, value) = &e.kind else { return None };
    if !matches!(lhs.kind, ExprKind::Local(l) if l == *acc) {
        return None;
    }
    let mut reads_acc = false;
    hir::visit_locals(value, &mut |l| reads_acc |= l == *acc);
    let cx = Vectoriser { m, recursive };
    let no_effects = cx.no_effects(value);
    (!reads_acc && cx.vector_op(value, f) && cx.divides(value, f)).then_some(Reduction { acc: *acc, value, var, step, no_effects })
}

struct Vectoriser<'m, 'r> {
    m: &'m hir::Module,
    recursive: &'r std::collections::HashSet<hir::FuncId>,
}

impl<'m> Vectoriser<'m, '_> {
    /// Whether `e` (in function `f`) lowers to a single float operation that
    /// can neither raise nor call: only those move into the vector.
    fn vector_op(&self, e: &Expr, f: &hir::Function) -> bool {
        if e.ty != F64 {
            return false;
        }
        match &e.kind {
            ExprKind::Binary(op, a, b) if a.ty == F64 && b.ty == F64 => op.exact_in_lanes(f.cdivision),
            ExprKind::Unary(UnOp::Neg, _) => true,
            ExprKind::Call(id, _) => self.expression_function(*id).is_some(),
            _ => false,
        }
    }

    /// A function whose body is `return <double expression>` over scalar
    /// parameters: its expression is evaluated in place, lane by lane.
    fn expression_function(&self, id: hir::FuncId) -> Option<(&'m hir::Function, &'m Expr)> {
        let callee = self.m.function(id);
        if self.recursive.contains(&id) || callee.ret != F64 || callee.params.iter().any(|p| matches!(p.ty, Ty::View(_))) {
            return None;
        }
        match callee.body.as_slice() {
            [Stmt { kind: StmtKind::Return(Some(e)), .. }] => Some((callee, e)),
            _ => None,
        }
    }

    /// The expression `e` of `f` stands for, and the function it is evaluated in.
    fn operands<'e>(&self, e: &'e Expr, f: &'e hir::Function) -> Vec<(&'e Expr, &'e hir::Function)>
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

    fn no_effects(&self, e: &Expr) -> bool {
        let mut ok = true;
        hir::visit_expr(e, &mut |x| {
            if let ExprKind::Call(id, _) = x.kind {
                ok &= self.expression_function(id).is_some_and(|(_, body)| self.no_effects(body));
            }
        });
        ok
    }

    fn divides(&self, e: &Expr, f: &hir::Function) -> bool {
        if !self.vector_op(e, f) {
            return false;
        }
        matches!(e.kind, ExprKind::Binary(ArithOp::Div, ..)) || self.operands(e, f).into_iter().any(|(x, g)| self.divides(x, g))
    }
}

fn float_const(e: &Expr) -> Option<f64> {
    match (&e.kind, e.ty) {
        (ExprKind::Const(Const::Float(x)), F64) => Some(*x),
        _ => None,
    }
}

impl<'m> Lower<'m, '_, '_, '_> {
    /// Lowers two trips of `red`'s loop (the loop variable set by `set_var`
    /// to each trip's counter in turn), pairing their float work.
    pub(super) fn paired_reduction(&mut self, red: &Reduction<'_>, mut set_var: impl FnMut(&mut Self, usize)) -> R<()> {
        let mut lanes: [Vec<Value>; 2] = [vec![], vec![]];
        for lane in 0..2 {
            set_var(self, lane);
            let f = self.fr.f;
            self.gather(red, red.value, f, lane, &mut lanes)?;
            if !self.reachable {
                return Ok(());
            }
        }
        let f = self.fr.f;
        let mut next = 0;
        let v = self.build(red, red.value, f, &lanes, &mut next)?;
        let mut s = self.read_local(red.acc)?;
        for lane in 0..2u8 {
            let x = self.cx.b.ins().extractlane(v, lane);
            s = self.cx.b.ins().fadd(s, x);
        }
        self.assign(red.acc, s);
        Ok(())
    }

    /// `view[..., var]` of a double view whose last axis has unit stride, with
    /// no check or wrap to apply: both lanes' elements are one 16-byte load.
    fn adjacent_pair<'e>(&self, red: &Reduction<'_>, e: &'e Expr) -> Option<(LocalId, &'e [Expr], &'e [u8])> {
        let ExprKind::Index { view, indices, in_bounds } = &e.kind else { return None };
        let (last, leading) = indices.split_last()?;
        let axis = (indices.len() - 1) as u8;
        let vt = match self.fr.f.locals.get(view.0 as usize)?.ty {
            Ty::View(vt) => vt,
            _ => return None,
        };
        let proven = in_bounds.contains(&axis);
        let plain = (proven || !self.fr.f.boundscheck && !self.fr.f.wraparound) && !self.fr.flags.contains_key(view);
        let simple = |x: &Expr| matches!(x.kind, ExprKind::Const(_)) || hir::index_local(x).is_some_and(|l| l != red.var);
        let unit = vt.c_contig || self.fr.unit_stride.contains(view);
        (e.ty == F64 && red.step == 1 && red.no_effects && plain && unit && hir::index_local(last) == Some(red.var) && leading.iter().all(simple))
            .then_some((*view, indices.as_slice(), in_bounds.as_slice()))
    }

    /// Evaluates, in the scalar order, every operand of `e`'s vector part
    /// (the leaves) for `lane`.
    fn gather<'e>(&mut self, red: &Reduction<'_>, e: &'e Expr, f: &'e hir::Function, lane: usize, leaves: &mut [Vec<Value>; 2]) -> R<()>
    where
        'm: 'e,
    {
        let vx = Vectoriser { m: self.m, recursive: self.recursive };
        if float_const(e).is_some() {
            return Ok(());
        }
        if let Some((view, indices, in_bounds)) = self.adjacent_pair(red, e) {
            let v = match lane {
                0 => {
                    let addr = self.element_address(view, indices, in_bounds, false)?;
                    self.cx.b.ins().load(types::F64X2, super::element_flags(), addr, 0)
                }
                _ => *leaves[0].get(leaves[1].len()).ok_or("paired reduction lost a lane")?,
            };
            leaves[lane].push(v);
            return Ok(());
        }
        if !vx.vector_op(e, f) {
            let v = self.expr(e)?;
            leaves[lane].push(v);
            return Ok(());
        }
        if let ExprKind::Call(id, args) = &e.kind {
            let (callee, body) = vx.expression_function(*id).ok_or("paired call is not an expression function")?;
            let mut vals = vec![];
            for a in args {
                vals.push(self.expr(a)?);
            }
            return self.in_callee_frame(callee, &vals, None, |lw: &mut Self| lw.gather(red, body, callee, lane, leaves));
        }
        for (x, g) in vx.operands(e, f) {
            self.gather(red, x, g, lane, leaves)?;
        }
        Ok(())
    }

    /// The vector value of `e`, taking its leaves' lanes in `gather`'s order.
    fn build<'e>(&mut self, red: &Reduction<'_>, e: &'e Expr, f: &'e hir::Function, lanes: &[Vec<Value>; 2], next: &mut usize) -> R<Value>
    where
        'm: 'e,
    {
        let vx = Vectoriser { m: self.m, recursive: self.recursive };
        if let Some(x) = float_const(e) {
            let s = self.cx.b.ins().f64const(x);
            return Ok(self.cx.b.ins().splat(types::F64X2, s));
        }
        let pair = self.adjacent_pair(red, e).is_some();
        if pair || !vx.vector_op(e, f) {
            let (a, b) = (lanes[0].get(*next), lanes[1].get(*next));
            let (Some(&a), Some(&b)) = (a, b) else { return Err("paired reduction lost a lane".into()) };
            *next += 1;
            if pair {
                return Ok(a);
            }
            if a == b {
                return Ok(self.cx.b.ins().splat(types::F64X2, a));
            }
            // (A splat then a lane insert is two instructions on x86-64;
            // scalar_to_vector first zeroes a register.)
            let v = self.cx.b.ins().splat(types::F64X2, a);
            return Ok(self.cx.b.ins().insertlane(v, b, 1));
        }
        let ops = vx.operands(e, f);
        let mut vals = vec![];
        for (x, g) in ops {
            vals.push(self.build(red, x, g, lanes, next)?);
        }
        Ok(match (&e.kind, vals.as_slice()) {
            (ExprKind::Binary(op, ..), [x, y]) => match op {
                ArithOp::Add => self.cx.b.ins().fadd(*x, *y),
                ArithOp::Sub => self.cx.b.ins().fsub(*x, *y),
                ArithOp::Mul => self.cx.b.ins().fmul(*x, *y),
                _ => self.cx.b.ins().fdiv(*x, *y),
            },
            (ExprKind::Unary(_, _), [x]) => self.cx.b.ins().fneg(*x),
            (ExprKind::Call(..), [x]) => *x,
            _ => return Err("paired reduction: unexpected operand count".into()),
        })
    }
}
