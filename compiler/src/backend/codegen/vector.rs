//! The 128-bit vector preludes of element-wise loops and of float sums
//! under `associative_math` (`hir::VectorPlan`, `hir::SumPlan`), behind a
//! run-time guard that leaves anything that could differ to the scalar
//! loop. Each is one loop of its own that raises nothing (only a leaf local
//! read before it is surely assigned can, as the scalar loop would); it
//! reads and advances the loop's variables through `PreludeVars`.

use super::op::OpCx;
use super::{element_flags, ViewVars, R};
use crate::hir::{self, Access, ArithOp, ExprKind, LocalId, SumPlan, UnOp, VectorPlan};
use crate::types::{IntTy, Ty};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, Value};
use cranelift_frontend::Variable;

/// The variables of what a prelude reads and advances: the range counter,
/// and the HIR locals (scalars, bound flags with the local's name, views'
/// parts) of the function being built.
pub(crate) struct PreludeVars<'a> {
    pub counter: Variable,
    /// The loop variable and its type.
    pub var: LocalId,
    pub var_ty: IntTy,
    pub local: &'a dyn Fn(LocalId) -> R<Variable>,
    pub flag: &'a dyn Fn(LocalId) -> Option<(Variable, String)>,
    pub view: &'a dyn Fn(LocalId) -> R<ViewVars>,
}

impl PreludeVars<'_> {
    fn assign(&self, o: &mut OpCx, id: LocalId, v: Value) -> R<()> {
        let var = (self.local)(id)?;
        o.cx.b.def_var(var, v);
        if let Some((flag, _)) = (self.flag)(id) {
            let one = o.cx.b.ins().iconst(types::I8, 1);
            o.cx.b.def_var(flag, one);
        }
        Ok(())
    }

    fn read(&self, o: &mut OpCx, id: LocalId) -> R<Value> {
        if let Some((flag, name)) = (self.flag)(id) {
            o.check_bound(flag, &name)?;
        }
        let var = (self.local)(id)?;
        Ok(o.cx.b.use_var(var))
    }
}

impl OpCx<'_, '_, '_> {
    /// Runs as much of an element-wise loop as it can on 128-bit vectors, then
    /// leaves the counter at the first index the scalar loop still has to do. Each
    /// lane does exactly the scalar operations, so results are bit-identical;
    /// a runtime guard keeps the scalar loop for anything that could differ
    /// (indices outside a view, negative start, overlapping arrays).
    pub(crate) fn vector_prelude(&mut self, plan: &VectorPlan, pv: &PreludeVars, stop: Value) -> R<()> {
        let accesses: Vec<Access> = std::iter::once(plan.out.clone()).chain(plan.inputs.iter().cloned()).collect();
        let (mut ok, bases) = self.vector_rows(&accesses, pv, stop)?;
        let (lane_ty, vec_ty, lanes) = lanes_of(plan.elem);
        let out_base = bases[0].1;
        for (acc, base) in &bases[1..] {
            if acc.view != plan.out.view || acc.leading != plan.out.leading {
                // Reading x[i] while writing y[i]: only a y a few elements past x
                // would let a lane read a value the scalar loop had already replaced.
                let d = self.cx.b.ins().isub(out_base, *base);
                let ahead = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, d, 0);
                let close = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, d, 16);
                let bad = self.cx.b.ins().band(ahead, close);
                let fine = self.cx.b.ins().bxor_imm_s(bad, 1);
                ok = self.cx.b.ins().band(ok, fine);
            }
        }
        // Two vectors per trip, the test at the bottom (a rotated loop): one
        // taken branch per 2 × lanes elements; the scalar loop does the rest.
        let step = 2 * lanes;
        let c0 = self.cx.b.use_var(pv.counter);
        let first = self.cx.b.ins().iadd_imm_s(c0, step);
        let room = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, first, stop);
        let go = self.cx.b.ins().band(ok, room);
        let (body, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().brif(go, body, &[], done, &[]);
        self.cx.b.switch_to_block(body); // sealed once its back edge exists
        let c = self.cx.b.use_var(pv.counter);
        for part in 0..2 {
            let at = if part == 0 { c } else { self.cx.b.ins().iadd_imm_s(c, lanes) };
            let v = self.vector_expr(&plan.value, at, vec_ty, lane_ty, plan.elem, &bases, pv)?;
            let addr = self.lane_address(out_base, at, plan.elem);
            self.cx.b.ins().store(element_flags(), v, addr, 0);
        }
        let more = self.vector_step(pv, c, step, stop)?;
        self.cx.b.ins().brif(more, body, &[], done, &[]);
        self.cx.b.seal_block(body);
        self.enter(done);
        Ok(())
    }

    /// The vector loops' run-time guard (start >= 0, every access's row and
    /// `stop` inside its view; an index out of range only fails the guard, so
    /// the scalar loop raises IndexError exactly where CPython's semantics put
    /// it) and each access's row address (leading indices applied once).
    fn vector_rows(&mut self, accesses: &[Access], pv: &PreludeVars, stop: Value) -> R<(Value, Vec<(Access, Value)>)> {
        let start = self.cx.b.use_var(pv.counter);
        let mut ok = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, start, 0);
        let mut bases: Vec<(Access, Value)> = vec![];
        for acc in accesses {
            if bases.iter().any(|(a, _)| a == acc) {
                continue;
            }
            if let Some((flag, name)) = (pv.flag)(acc.view) {
                self.check_bound(flag, &name)?;
            }
            let vv = (pv.view)(acc.view)?;
            let parts: Vec<Value> = std::iter::once(vv.data).chain(vv.shape).chain(vv.strides).map(|v| self.cx.b.use_var(v)).collect();
            let nd = (parts.len() - 1) / 2;
            let mut base = parts[0];
            for (k, ix) in acc.leading.iter().enumerate() {
                let i = self.cx.b.use_var((pv.local)(*ix)?);
                let i = if self.directives.wraparound {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
                    let w = self.cx.b.ins().iadd(i, parts[1 + k]);
                    self.cx.b.ins().select(neg, w, i)
                } else {
                    i
                };
                let inside = self.cx.b.ins().icmp(IntCC::UnsignedLessThan, i, parts[1 + k]);
                ok = self.cx.b.ins().band(ok, inside);
                let off = self.cx.b.ins().imul(i, parts[1 + nd + k]);
                base = self.cx.b.ins().iadd(base, off);
            }
            let fits = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, stop, parts[nd]);
            ok = self.cx.b.ins().band(ok, fits);
            bases.push((acc.clone(), base));
        }
        Ok((ok, bases))
    }

    /// `s += E(i)` under `associative_math`: two vectors of partial sums over
    /// as much of the range as fits, added into `s` lane by lane afterwards;
    /// the scalar loop adds the rest in order. The result's rounding differs
    /// from the in-order sum: the user asked for that.
    pub(crate) fn sum_prelude(&mut self, plan: &SumPlan, pv: &PreludeVars, stop: Value) -> R<()> {
        let (ok, bases) = self.vector_rows(&plan.inputs, pv, stop)?;
        let (lane_ty, vec_ty, lanes) = lanes_of(plan.elem);
        let step = 2 * lanes;
        let c0 = self.cx.b.use_var(pv.counter);
        let first = self.cx.b.ins().iadd_imm_s(c0, step);
        let room = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, first, stop);
        let go = self.cx.b.ins().band(ok, room);
        let (body, tail, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [body, tail] {
            self.cx.b.append_block_param(blk, vec_ty);
            self.cx.b.append_block_param(blk, vec_ty);
        }
        let zero = if plan.elem == 64 { self.cx.b.ins().f64const(0.0) } else { self.cx.b.ins().f32const(0.0) };
        let z = self.cx.b.ins().splat(vec_ty, zero);
        self.cx.b.ins().brif(go, body, &[BlockArg::Value(z), BlockArg::Value(z)], done, &[]);
        self.cx.b.switch_to_block(body); // sealed once its back edge exists
        let (a0, a1) = (self.cx.b.block_params(body)[0], self.cx.b.block_params(body)[1]);
        let c = self.cx.b.use_var(pv.counter);
        let v0 = self.vector_expr(&plan.value, c, vec_ty, lane_ty, plan.elem, &bases, pv)?;
        let c1 = self.cx.b.ins().iadd_imm_s(c, lanes);
        let v1 = self.vector_expr(&plan.value, c1, vec_ty, lane_ty, plan.elem, &bases, pv)?;
        let (a0, a1) = (self.cx.b.ins().fadd(a0, v0), self.cx.b.ins().fadd(a1, v1));
        let more = self.vector_step(pv, c, step, stop)?;
        self.cx.b.ins().brif(more, body, &[BlockArg::Value(a0), BlockArg::Value(a1)], tail, &[BlockArg::Value(a0), BlockArg::Value(a1)]);
        self.cx.b.seal_block(body);
        self.enter(tail);
        let (a0, a1) = (self.cx.b.block_params(tail)[0], self.cx.b.block_params(tail)[1]);
        let sum = self.cx.b.ins().fadd(a0, a1);
        let mut s = pv.read(self, plan.acc)?;
        for lane in 0..lanes as u8 {
            let x = self.cx.b.ins().extractlane(sum, lane);
            s = self.cx.b.ins().fadd(s, x);
        }
        pv.assign(self, plan.acc, s)?;
        self.cx.b.ins().jump(done, &[]);
        self.enter(done);
        Ok(())
    }

    /// After a vector trip at `c`: the loop variable ends as the last index
    /// done (as the scalar loop leaves it), the counter moves on by `step`, and
    /// the result tells whether another whole trip fits before `stop`.
    fn vector_step(&mut self, pv: &PreludeVars, c: Value, step: i64, stop: Value) -> R<Value> {
        let last = self.cx.b.ins().iadd_imm_s(c, step - 1);
        let last_v = if pv.var_ty.bits < 64 {
            self.cx.b.ins().ireduce(super::super::clif_type(Ty::Int(pv.var_ty)).unwrap_or(types::I64), last)
        } else {
            last
        };
        pv.assign(self, pv.var, last_v)?;
        let next = self.cx.b.ins().iadd_imm_s(c, step);
        self.cx.b.def_var(pv.counter, next);
        let after = self.cx.b.ins().iadd_imm_s(next, step);
        Ok(self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, after, stop))
    }

    fn lane_address(&mut self, base: Value, index: Value, elem_bits: u8) -> Value {
        let off = self.cx.b.ins().imul_imm_s(index, (elem_bits / 8) as i64);
        self.cx.b.ins().iadd(base, off)
    }

    #[allow(clippy::too_many_arguments)]
    fn vector_expr(
        &mut self,
        e: &hir::Expr,
        index: Value,
        vec_ty: ir::Type,
        lane_ty: ir::Type,
        elem_bits: u8,
        bases: &[(Access, Value)],
        pv: &PreludeVars,
    ) -> R<Value> {
        Ok(match &e.kind {
            ExprKind::Index { view, indices, .. } => {
                let (_, leading) = indices.split_last().ok_or("vector access without its row")?;
                let leading = leading.iter().map(hir::index_local).collect::<Option<Vec<_>>>().ok_or("vector access without its row")?;
                let acc = Access { view: *view, leading };
                let base = bases.iter().find(|(a, _)| *a == acc).map(|(_, b)| *b).ok_or("vector access without its row")?;
                let addr = self.lane_address(base, index, elem_bits);
                self.cx.b.ins().load(vec_ty, element_flags(), addr, 0)
            }
            ExprKind::Binary(op, a, b) => {
                let x = self.vector_expr(a, index, vec_ty, lane_ty, elem_bits, bases, pv)?;
                let y = self.vector_expr(b, index, vec_ty, lane_ty, elem_bits, bases, pv)?;
                match op {
                    ArithOp::Add => self.cx.b.ins().fadd(x, y),
                    ArithOp::Sub => self.cx.b.ins().fsub(x, y),
                    ArithOp::Mul => self.cx.b.ins().fmul(x, y),
                    _ => self.cx.b.ins().fdiv(x, y),
                }
            }
            ExprKind::Unary(UnOp::Neg, a) => {
                let x = self.vector_expr(a, index, vec_ty, lane_ty, elem_bits, bases, pv)?;
                self.cx.b.ins().fneg(x)
            }
            // Loop-invariant scalars (constants and locals the loop does not
            // assign, `opt::vectorize`): computed once per vector step, then splat.
            ExprKind::Const(c) => {
                let s = self.konst(*c, e.ty);
                self.splat_lane(s, vec_ty, lane_ty)?
            }
            ExprKind::Local(id) => {
                let s = pv.read(self, *id)?;
                self.splat_lane(s, vec_ty, lane_ty)?
            }
            other => return Err(format!("a vector prelude's value reading {other:?}")),
        })
    }

    fn splat_lane(&mut self, s: Value, vec_ty: ir::Type, lane_ty: ir::Type) -> R<Value> {
        if self.cx.b.func.dfg.value_type(s) != lane_ty {
            return Err("vector lane type mismatch".into());
        }
        Ok(self.cx.b.ins().splat(vec_ty, s))
    }
}

/// Lane type, vector type and lane count for float elements of `elem` bits.
fn lanes_of(elem: u8) -> (ir::Type, ir::Type, i64) {
    match elem {
        64 => (types::F64, types::F64X2, 2),
        _ => (types::F32, types::F32X4, 4),
    }
}
