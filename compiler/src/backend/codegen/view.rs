//! Memoryview addressing: a view's parts as variables, C arrays' storage, element addresses
//! (wrap-around and bounds checks as the directives and `in_bounds` say;
//! constant scaling for `::1` views and unit-stride loop versions) and
//! Python's slice arithmetic.

use super::op::OpCx;
use super::R;
use crate::types::ViewTy;
use cranelift_codegen::ir::condcodes::IntCC;
use super::element_flags;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::Module;

/// A memoryview's parts: data pointer, then shape and strides per axis.
#[derive(Clone)]
pub(crate) struct ViewVars {
    pub data: Variable,
    pub shape: Vec<Variable>,
    pub strides: Vec<Variable>,
}

impl OpCx<'_, '_, '_> {
    /// A zeroed stack slot for a C array, described as a C-contiguous view:
    /// its data pointer, then shape and strides per axis.
    pub(crate) fn c_array(&mut self, v: ViewTy, dims: &[u64]) -> Vec<Value> {
        let size = v.elem.size() as u64;
        let bytes = dims.iter().product::<u64>() * size;
        let slot = self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes as u32, 4));
        let p = self.cx.em.ptr;
        let addr = self.cx.b.ins().stack_addr(p, slot, 0);
        let config = self.cx.em.module.isa().frontend_config();
        self.cx.b.emit_small_memset(config, addr, 0, bytes, 1, MemFlagsData::new().with_notrap());
        let mut shape = vec![];
        let mut strides = vec![];
        let mut stride = size;
        let mut rev_strides = vec![];
        for d in dims.iter().rev() {
            rev_strides.push(stride);
            stride *= d;
        }
        rev_strides.reverse();
        for (d, st) in dims.iter().zip(rev_strides) {
            shape.push(self.cx.b.ins().iconst(types::I64, *d as i64));
            strides.push(self.cx.b.ins().iconst(types::I64, st as i64));
        }
        std::iter::once(addr).chain(shape).chain(strides).collect()
    }

    /// The element of type `t` at `idx` (see `element_address`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn load_element(&mut self, v: ViewTy, vv: &ViewVars, unit_stride: bool, idx: Vec<Value>, in_bounds: &[u8], t: Type) -> R<Value> {
        let addr = self.element_address(v, vv, unit_stride, idx, in_bounds, true)?;
        Ok(self.cx.b.ins().load(t, element_flags(), addr, 0))
    }

    /// Stores `value` at `idx` (see `element_address`; `check`: unless a
    /// load of this very element checked the index).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store_element(&mut self, v: ViewTy, vv: &ViewVars, unit_stride: bool, idx: Vec<Value>, in_bounds: &[u8], check: bool, value: Value) -> R<()> {
        let addr = self.element_address(v, vv, unit_stride, idx, in_bounds, check)?;
        self.cx.b.ins().store(element_flags(), value, addr, 0);
        Ok(())
    }

    /// `view[i]` on an axis of extent `n` and stride `stride` in a slice:
    /// the data pointer moved to index `i` (wrapped, IndexError outside the
    /// axis; `axis` for the message).
    pub(crate) fn slice_at(&mut self, data: Value, n: Value, stride: Value, i: Value, axis: usize) -> R<Value> {
        let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
        let wrapped = self.cx.b.ins().iadd(i, n);
        let i = self.cx.b.ins().select(neg, wrapped, i);
        let out = self.cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, n);
        let msg = format!("Out of bounds on buffer access (axis {axis})");
        self.raise_if(out, "PyExc_IndexError", Some(&msg))?;
        let off = self.cx.b.ins().imul(i, stride);
        Ok(self.cx.b.ins().iadd(data, off))
    }

    /// A slice's step: ValueError if it is zero.
    pub(crate) fn check_slice_step(&mut self, step: Value) -> R<()> {
        let zero_step = self.cx.b.ins().icmp_imm_s(IntCC::Equal, step, 0);
        self.raise_if(zero_step, "PyExc_ValueError", Some("slice step cannot be zero"))
    }

    /// `lo:hi:step` on an axis of extent `n` and stride `stride`: the data
    /// pointer moved to the slice's start, its length and stride.
    pub(crate) fn slice_range(&mut self, data: Value, n: Value, stride: Value, lo: Option<Value>, hi: Option<Value>, step: Value) -> [Value; 3] {
        let (start, len) = self.slice_indices(lo, hi, step, n);
        let off = self.cx.b.ins().imul(start, stride);
        let data = self.cx.b.ins().iadd(data, off);
        [data, len, self.cx.b.ins().imul(stride, step)]
    }

    /// Address of the element of a view (of type `v`, parts in `vv`) at
    /// `idx`: negative indices wrap and indices are bounds-checked (when
    /// `check`) unless the function's directives turn that off or the axis is
    /// one of `in_bounds` (an `axis | NONNEG` entry: no wrap, still checked); the last axis scales by a constant when the view is
    /// C-contiguous or known to have unit stride there (`unit_stride`).
    pub(crate) fn element_address(&mut self, v: ViewTy, vv: &ViewVars, unit_stride: bool, idx: Vec<Value>, in_bounds: &[u8], check: bool) -> R<Value> {
        let mut addr = self.cx.b.use_var(vv.data);
        for (k, i) in idx.into_iter().enumerate() {
            let len = self.cx.b.use_var(vv.shape[k]);
            let proven = in_bounds.contains(&(k as u8));
            let nonneg = in_bounds.contains(&(k as u8 | crate::hir::NONNEG));
            let i = if self.directives.wraparound && !proven && !nonneg {
                let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
                let wrapped = self.cx.b.ins().iadd(i, len);
                self.cx.b.ins().select(neg, wrapped, i)
            } else {
                i
            };
            if self.directives.boundscheck && !proven && check {
                let out = self.cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
                let msg = format!("Out of bounds on buffer access (axis {k})");
                self.raise_if(out, "PyExc_IndexError", Some(&msg))?;
            }
            let unit = v.c_contig || unit_stride;
            let offset = if (unit && k + 1 == v.ndim as usize) || (v.f_contig && k == 0) {
                self.cx.b.ins().imul_imm_s(i, v.elem.size() as i64)
            } else {
                let stride = self.cx.b.use_var(vv.strides[k]);
                self.cx.b.ins().imul(i, stride)
            };
            addr = self.cx.b.ins().iadd(addr, offset);
        }
        Ok(addr)
    }

    /// CPython's `PySlice_AdjustIndices`: clamped start and the slice length.
    pub(crate) fn slice_indices(&mut self, lo: Option<Value>, hi: Option<Value>, step: Value, n: Value) -> (Value, Value) {
        let b = &mut self.cx.b;
        let zero = b.ins().iconst(types::I64, 0);
        let minus1 = b.ins().iconst(types::I64, -1);
        let n1 = b.ins().iadd_imm_s(n, -1);
        let up = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
        // Bounds for a positive step are [0, n]; for a negative one [-1, n-1].
        let low_bound = b.ins().select(up, zero, minus1);
        let high_bound = b.ins().select(up, n, n1);
        let adjust = |b: &mut FunctionBuilder, v: Value| {
            let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
            let plus = b.ins().iadd(v, n);
            let v = b.ins().select(neg, plus, v);
            let v = b.ins().smax(v, low_bound);
            b.ins().smin(v, high_bound)
        };
        let start = match lo {
            Some(v) => adjust(b, v),
            None => b.ins().select(up, zero, n1),
        };
        let stop = match hi {
            Some(v) => adjust(b, v),
            None => b.ins().select(up, n, minus1),
        };
        // len = (stop - start + step -/+ 1) / step when the range is non-empty.
        let diff = b.ins().isub(stop, start);
        let one = b.ins().iconst(types::I64, 1);
        let round = b.ins().isub(step, one);
        let round_down = b.ins().iadd(step, one);
        let bias = b.ins().select(up, round, round_down);
        let num = b.ins().iadd(diff, bias);
        let safe_step = step;
        let q = b.ins().sdiv(num, safe_step);
        let nonempty_up = b.ins().icmp(IntCC::SignedLessThan, start, stop);
        let nonempty_down = b.ins().icmp(IntCC::SignedGreaterThan, start, stop);
        let nonempty = b.ins().select(up, nonempty_up, nonempty_down);
        let len = b.ins().select(nonempty, q, zero);
        (start, len)
    }
}
