//! A paired float reduction's code (`opt/pairing.rs`): both trips' adjacent
//! elements as one f64x2 load, and the value's float work on one f64x2 over
//! the two lanes' leaves, its lanes added to the sum in order (bit-identical
//! to the scalar loop's two additions).

use super::op::OpCx;
use super::{element_flags, ViewVars, R};
use crate::hir::ArithOp;
use crate::mir::body::PairTree;
use crate::types::ViewTy;
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl OpCx<'_, '_, '_> {
    /// The elements at `idx` and one further along the last axis, as one
    /// f64x2 (no check or wrap: the pairing decided there is none to apply).
    pub(crate) fn load_pair(&mut self, v: ViewTy, vv: &ViewVars, unit_stride: bool, idx: Vec<Value>, in_bounds: &[u8]) -> R<Value> {
        let addr = self.element_address(v, vv, unit_stride, idx, in_bounds, false)?;
        Ok(self.cx.b.ins().load(types::F64X2, element_flags(), addr, 0))
    }

    /// `s` plus both lanes of `tree` over the leaves `lanes` (lane 0's, lane
    /// 1's, in the order they were gathered).
    pub(crate) fn paired_sum(&mut self, tree: &PairTree, lanes: [&[Value]; 2], s: Value) -> R<Value> {
        let mut next = 0;
        let v = self.pair_value(tree, lanes, &mut next)?;
        let mut s = s;
        for lane in 0..2u8 {
            let x = self.cx.b.ins().extractlane(v, lane);
            s = self.cx.b.ins().fadd(s, x);
        }
        Ok(s)
    }

    fn pair_value(&mut self, tree: &PairTree, lanes: [&[Value]; 2], next: &mut usize) -> R<Value> {
        Ok(match tree {
            PairTree::Const(x) => {
                let s = self.cx.b.ins().f64const(*x);
                self.cx.b.ins().splat(types::F64X2, s)
            }
            PairTree::Leaf { pair } => {
                let (a, b) = (lanes[0].get(*next), lanes[1].get(*next));
                let (Some(&a), Some(&b)) = (a, b) else { return Err("paired reduction lost a lane".into()) };
                *next += 1;
                if *pair {
                    return Ok(a);
                }
                if a == b {
                    return Ok(self.cx.b.ins().splat(types::F64X2, a));
                }
                // (A splat then a lane insert is two instructions on x86-64;
                // scalar_to_vector first zeroes a register.)
                let v = self.cx.b.ins().splat(types::F64X2, a);
                self.cx.b.ins().insertlane(v, b, 1)
            }
            PairTree::Binary(op, x, y) => {
                let x = self.pair_value(x, lanes, next)?;
                let y = self.pair_value(y, lanes, next)?;
                match op {
                    ArithOp::Add => self.cx.b.ins().fadd(x, y),
                    ArithOp::Sub => self.cx.b.ins().fsub(x, y),
                    ArithOp::Mul => self.cx.b.ins().fmul(x, y),
                    _ => self.cx.b.ins().fdiv(x, y),
                }
            }
            PairTree::Neg(x) => {
                let x = self.pair_value(x, lanes, next)?;
                self.cx.b.ins().fneg(x)
            }
        })
    }
}
