//! Float reductions `s += E(i)` in a range loop unrolled ×2, paired as
//! `opt::pairing` decided.
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
use crate::hir::{self, Const, Expr, ExprKind, Lanes, LocalId};
use crate::mir::body::PairTree;
use crate::types::Ty;
use cranelift_codegen::ir::Value;

const F64: Ty = Ty::Float(64);

/// A paired reduction (`hir::PairedReduction`) of the loop over `var` by `step`.
pub(super) struct Reduction<'a> {
    pub acc: LocalId,
    pub value: &'a Expr,
    /// The loop variable and step: lane 1 runs with `var + step`.
    pub var: LocalId,
    pub step: i64,
    pub no_effects: bool,
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
        let tree = self.pair_tree(red, red.value, f)?;
        let s = self.read_local(red.acc)?;
        let s = self.op(|o| o.paired_sum(&tree, [&lanes[0], &lanes[1]], s))?;
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
        let vx = Lanes { m: self.m, recursive: self.recursive };
        if float_const(e).is_some() {
            return Ok(());
        }
        if let Some((view, indices, in_bounds)) = self.adjacent_pair(red, e) {
            let v = match lane {
                0 => {
                    let (v, vv, unit_stride, idx) = self.element(view, indices)?;
                    self.op(|o| o.load_pair(v, &vv, unit_stride, idx, in_bounds))?
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

    /// The f64x2 arithmetic of `e` over its leaves (in `gather`'s order).
    fn pair_tree<'e>(&self, red: &Reduction<'_>, e: &'e Expr, f: &'e hir::Function) -> R<PairTree>
    where
        'm: 'e,
    {
        let vx = Lanes { m: self.m, recursive: self.recursive };
        if let Some(x) = float_const(e) {
            return Ok(PairTree::Const(x));
        }
        let pair = self.adjacent_pair(red, e).is_some();
        if pair || !vx.vector_op(e, f) {
            return Ok(PairTree::Leaf { pair });
        }
        let mut ops = vec![];
        for (x, g) in vx.operands(e, f) {
            ops.push(self.pair_tree(red, x, g)?);
        }
        Ok(match (&e.kind, <[PairTree; 2]>::try_from(ops)) {
            (ExprKind::Binary(op, ..), Ok([x, y])) => PairTree::Binary(*op, Box::new(x), Box::new(y)),
            (ExprKind::Unary(..), Err(mut ops)) if ops.len() == 1 => PairTree::Neg(Box::new(ops.remove(0))),
            (ExprKind::Call(..), Err(mut ops)) if ops.len() == 1 => ops.remove(0),
            _ => return Err("paired reduction: unexpected operand count".into()),
        })
    }
}
