//! `dst[...] = src` between memoryviews: shapes checked per axis, then every
//! element copied by nested loops; when the two may share memory the copy
//! goes through a temporary C-contiguous buffer, as if the source were read
//! whole before anything is written (Cython's and NumPy's semantics).

use super::super::clif_type;
use super::op::OpCx;
use super::{element_flags, flags, R};
use crate::types::ViewTy;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder, Value};

/// One operand of a strided copy: base address and byte stride per axis.
struct Strided<'a> {
    base: Value,
    strides: &'a [Value],
}

impl OpCx<'_, '_, '_> {
    /// Copies the view with parts `s` into the one with parts `d` (data
    /// pointer, shape, strides), both of type `vt`.
    pub(crate) fn copy_view(&mut self, vt: ViewTy, s: &[Value], d: &[Value]) -> R<()> {
        let nd = vt.ndim as usize;
        let elem = clif_type(vt.elem.ty()).ok_or("memoryview element without a machine type")?;
        let size = vt.elem.size() as i64;
        if s.len() != 1 + 2 * nd || d.len() != 1 + 2 * nd {
            return Err("memoryview copy between views of different dimensions".into());
        }
        let (shape, d_strides, s_strides) = (&d[1..1 + nd], &d[1 + nd..], &s[1 + nd..]);
        for k in 0..nd {
            let differ = self.cx.b.ins().icmp(IntCC::NotEqual, shape[k], s[1 + k]);
            let (fail, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.set_cold_block(fail);
            self.cx.b.ins().brif(differ, fail, &[], cont, &[]);
            self.enter(fail);
            let prefix = format!("got differing extents in dimension {k} (got ");
            self.raise_formatted("PyExc_ValueError", &[Piece::Text(&prefix), Piece::Int(shape[k]), Piece::Text(" and "), Piece::Int(s[1 + k]), Piece::Text(")")])?;
            self.enter(cont);
        }
        // Nothing to do for an empty view; otherwise compare the byte ranges.
        let mut count = self.cx.b.ins().iconst(types::I64, 1);
        for n in shape {
            count = self.cx.b.ins().imul(count, *n);
        }
        let (work, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        let empty = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThanOrEqual, count, 0);
        self.cx.b.ins().brif(empty, done, &[], work, &[]);
        self.enter(work);
        let (d_lo, d_hi) = self.byte_range(d[0], shape, d_strides, size);
        let (s_lo, s_hi) = self.byte_range(s[0], shape, s_strides, size);
        let a = self.cx.b.ins().icmp(IntCC::UnsignedLessThan, d_lo, s_hi);
        let b = self.cx.b.ins().icmp(IntCC::UnsignedLessThan, s_lo, d_hi);
        let overlap = self.cx.b.ins().band(a, b);
        let (direct, staged) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(staged);
        self.cx.b.ins().brif(overlap, staged, &[], direct, &[]);

        self.enter(direct);
        self.strided_copy(elem, shape, Strided { base: s[0], strides: s_strides }, Strided { base: d[0], strides: d_strides });
        self.cx.b.ins().jump(done, &[]);

        self.enter(staged);
        let p = self.cx.em.ptr;
        let bytes = self.cx.b.ins().imul_imm_s(count, size);
        // The raw allocator needs no GIL.
        let (malloc, free) = if self.directives.nogil { ("PyMem_RawMalloc", "PyMem_RawFree") } else { ("PyMem_Malloc", "PyMem_Free") };
        let tmp = self.call_c(malloc, &[p], &[p], &[bytes])?[0];
        let (no_memory, have) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(no_memory);
        let null = self.cx.is_null(tmp);
        self.cx.b.ins().brif(null, no_memory, &[], have, &[]);
        self.enter(no_memory);
        self.holding_gil(|o| o.call_c("PyErr_NoMemory", &[], &[p], &[]).map(|_| ()))?;
        self.jump_to_error();
        self.enter(have);
        // C-contiguous strides of the temporary, last axis first.
        let mut tmp_strides = vec![self.cx.b.ins().iconst(types::I64, size); nd];
        for k in (0..nd.saturating_sub(1)).rev() {
            tmp_strides[k] = self.cx.b.ins().imul(tmp_strides[k + 1], shape[k + 1]);
        }
        self.strided_copy(elem, shape, Strided { base: s[0], strides: s_strides }, Strided { base: tmp, strides: &tmp_strides });
        self.strided_copy(elem, shape, Strided { base: tmp, strides: &tmp_strides }, Strided { base: d[0], strides: d_strides });
        self.call_c(free, &[p], &[], &[tmp])?;
        self.cx.b.ins().jump(done, &[]);
        self.enter(done);
        Ok(())
    }

    /// `[lowest byte, one past the highest byte]` a non-empty view touches.
    fn byte_range(&mut self, data: Value, shape: &[Value], strides: &[Value], size: i64) -> (Value, Value) {
        let (mut lo, mut hi) = (data, data);
        for (n, st) in shape.iter().zip(strides) {
            let last = self.cx.b.ins().iadd_imm_s(*n, -1);
            let span = self.cx.b.ins().imul(last, *st);
            let zero = self.cx.b.ins().iconst(types::I64, 0);
            let down = self.cx.b.ins().smin(span, zero);
            let up = self.cx.b.ins().smax(span, zero);
            lo = self.cx.b.ins().iadd(lo, down);
            hi = self.cx.b.ins().iadd(hi, up);
        }
        (lo, self.cx.b.ins().iadd_imm_s(hi, size))
    }

    /// Nested loops over `shape` copying each element from `from` to `to`.
    fn strided_copy(&mut self, elem: ir::Type, shape: &[Value], from: Strided<'_>, to: Strided<'_>) {
        let Some((n, inner_shape)) = shape.split_first() else {
            let v = self.cx.b.ins().load(elem, element_flags(), from.base, 0);
            self.cx.b.ins().store(element_flags(), v, to.base, 0);
            return;
        };
        let (i, fp, tp) = (self.cx.b.declare_var(types::I64), self.cx.b.declare_var(types::I64), self.cx.b.declare_var(types::I64));
        let zero = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.def_var(i, zero);
        self.cx.b.def_var(fp, from.base);
        self.cx.b.def_var(tp, to.base);
        let (header, body, exit) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().jump(header, &[]);
        self.cx.b.switch_to_block(header); // sealed once its back edge exists
        let iv = self.cx.b.use_var(i);
        let go = self.cx.b.ins().icmp(IntCC::SignedLessThan, iv, *n);
        self.cx.b.ins().brif(go, body, &[], exit, &[]);
        self.enter(body);
        let (f, t) = (self.cx.b.use_var(fp), self.cx.b.use_var(tp));
        self.strided_copy(elem, inner_shape, Strided { base: f, strides: &from.strides[1..] }, Strided { base: t, strides: &to.strides[1..] });
        let (iv, f, t) = (self.cx.b.use_var(i), self.cx.b.use_var(fp), self.cx.b.use_var(tp));
        let next = self.cx.b.ins().iadd_imm_s(iv, 1);
        let f2 = self.cx.b.ins().iadd(f, from.strides[0]);
        let t2 = self.cx.b.ins().iadd(t, to.strides[0]);
        self.cx.b.def_var(i, next);
        self.cx.b.def_var(fp, f2);
        self.cx.b.def_var(tp, t2);
        self.cx.b.ins().jump(header, &[]);
        self.cx.b.seal_block(header);
        self.enter(exit);
    }

    /// Sets `exc` with a message built from text and run-time integers, and
    /// leaves through the error path (C-API calls only: no variadic
    /// `PyErr_Format` from Cranelift).
    fn raise_formatted(&mut self, exc: &str, pieces: &[Piece<'_>]) -> R<()> {
        self.holding_gil(|o| o.set_formatted(exc, pieces))?;
        self.jump_to_error();
        Ok(())
    }

    fn set_formatted(&mut self, exc: &str, pieces: &[Piece<'_>]) -> R<()> {
        let p = self.cx.em.ptr;
        let mut msg: Option<Value> = None;
        for piece in pieces {
            let part = match piece {
                Piece::Text(t) => {
                    let c = self.cx.cstr(t)?;
                    self.call_c("PyUnicode_FromString", &[p], &[p], &[c])?[0]
                }
                Piece::Int(v) => {
                    let n = self.call_c("PyLong_FromSsize_t", &[types::I64], &[p], &[*v])?[0];
                    let text = self.call_c("PyObject_Str", &[p], &[p], &[n])?[0];
                    self.call_c("Py_DecRef", &[p], &[], &[n])?;
                    text
                }
            };
            msg = Some(match msg {
                None => part,
                Some(m) => {
                    // PyUnicode_Append steals and replaces `m`; NULL (with an
                    // exception set) if anything before failed.
                    let slot = self.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
                    self.cx.b.ins().stack_store(p, m, slot, 0);
                    let addr = self.cx.b.ins().stack_addr(p, slot, 0);
                    self.call_c("PyUnicode_Append", &[p, p], &[], &[addr, part])?;
                    self.call_c("Py_DecRef", &[p], &[], &[part])?;
                    self.cx.b.ins().stack_load(p, p, slot, 0)
                }
            });
        }
        let msg = msg.ok_or("an empty error message")?;
        let (set, failed) = (self.cx.b.create_block(), self.cx.b.create_block());
        let null = self.cx.is_null(msg);
        self.cx.b.ins().brif(null, failed, &[], set, &[]);
        self.enter(set);
        let sym = self.cx.em.import_data(exc)?;
        let addr = self.cx.data_addr(sym);
        let ty = self.cx.b.ins().load(p, flags(), addr, 0);
        self.call_c("PyErr_SetObject", &[p, p], &[], &[ty, msg])?;
        self.call_c("Py_DecRef", &[p], &[], &[msg])?;
        self.cx.b.ins().jump(failed, &[]);
        self.enter(failed);
        Ok(())
    }
}

enum Piece<'a> {
    Text(&'a str),
    Int(Value),
}
