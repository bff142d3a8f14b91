//! Acquiring a memoryview argument's buffer: `PyObject_GetBuffer` with
//! strides and format, checked against the declared memoryview type (ndim,
//! item size and format, writability, contiguity). A rejected buffer is
//! released and explained by the module's Python helper (Cython's messages);
//! the op then fails, holding no buffer.

use super::super::{pyabi, FnCx, HELPER_BUFFER_ERROR, R};
use super::flags;
use crate::mir::primitives::{PY_BUFFER_RELEASE, PY_DECREF, PY_OBJECT_GET_BUFFER, PY_UNICODE_FROM_STRING};
use crate::types::ViewTy;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, Block, BlockArg, InstBuilder, Value};

pub(super) struct Spec<'s> {
    pub view: ViewTy,
    pub name: &'s str,
    pub writable: bool,
    pub accepts_none: bool,
}

/// Fills the `Py_buffer` in `slot` from `obj` and returns the data pointer,
/// shape and strides; on failure control goes to `err` with nothing held.
pub(super) fn acquire(cx: &mut FnCx, obj: Value, spec: &Spec, slot: ir::StackSlot, err: Block) -> R<Vec<Value>> {
    let p = cx.em.ptr;
    if !spec.accepts_none {
        return acquire_buffer(cx, obj, spec, slot, err);
    }
    // `= None`: None becomes a view with a null data pointer and empty
    // shape; its Py_buffer has no owner, so releasing it is a no-op.
    let none = cx.py_data("_Py_NoneStruct")?;
    let is_none = cx.b.ins().icmp(IntCC::Equal, obj, none);
    let (none_b, some_b, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    let n = 1 + 2 * spec.view.ndim as usize;
    for _ in 0..n {
        cx.b.append_block_param(join, types::I64);
    }
    cx.b.ins().brif(is_none, none_b, &[], some_b, &[]);
    cx.b.switch_to_block(none_b);
    let zero = cx.b.ins().iconst(types::I64, 0);
    cx.b.ins().stack_store(p, zero, slot, pyabi::BUFFER_OBJ);
    let zeros = vec![BlockArg::Value(zero); n];
    cx.b.ins().jump(join, &zeros);
    cx.b.switch_to_block(some_b);
    let parts = acquire_buffer(cx, obj, spec, slot, err)?;
    let args: Vec<BlockArg> = parts.into_iter().map(BlockArg::Value).collect();
    cx.b.ins().jump(join, &args);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join).to_vec())
}

/// Leaves through `err` when `cond` holds, releasing this buffer first if it
/// was acquired and explaining `check` (empty: the exception is set already).
#[allow(clippy::too_many_arguments)]
fn reject_if(cx: &mut FnCx, obj: Value, spec: &Spec, slot: ir::StackSlot, err: Block, cond: Value, check: &str, release_this: bool) -> R<()> {
    let p = cx.em.ptr;
    let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(bad);
    cx.b.ins().brif(cond, bad, &[], ok, &[]);
    cx.b.switch_to_block(bad);
    if release_this {
        let addr = cx.b.ins().stack_addr(p, slot, 0);
        cx.call_prim(&PY_BUFFER_RELEASE, &[addr])?;
    }
    if !check.is_empty() {
        let v = spec.view;
        let info = cx.cstr(&format!("{}|{}|{}|{check}", spec.name, v.elem.c_name(), v.ndim))?;
        let info = cx.call_prim(&PY_UNICODE_FROM_STRING, &[info])?[0];
        let helpers = cx.em.helpers;
        let table = cx.data_addr(helpers);
        let explain = cx.b.ins().load(p, flags(), table, (8 * HELPER_BUFFER_ERROR) as i32);
        let args = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 16, 3));
        cx.b.ins().stack_store(p, obj, args, 0);
        cx.b.ins().stack_store(p, info, args, 8);
        let argv = cx.b.ins().stack_addr(p, args, 0);
        let two = cx.b.ins().iconst(p, 2);
        let nokw = cx.b.ins().iconst(p, 0);
        let r = cx.vectorcall(explain, argv, two, nokw)?;
        cx.call_prim(&PY_DECREF, &[info])?;
        // The helper always raises; should it ever return, drop the result.
        let (drop_it, go) = (cx.b.create_block(), cx.b.create_block());
        let some = cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        cx.b.ins().brif(some, drop_it, &[], go, &[]);
        cx.b.switch_to_block(drop_it);
        cx.call_prim(&PY_DECREF, &[r])?;
        cx.b.ins().jump(go, &[]);
        cx.b.switch_to_block(go);
    }
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(ok);
    Ok(())
}

fn acquire_buffer(cx: &mut FnCx, obj: Value, spec: &Spec, slot: ir::StackSlot, err: Block) -> R<Vec<Value>> {
    const PYBUF_RECORDS_RO: i64 = 0x0018 | 0x0004;
    let p = cx.em.ptr;
    let v = spec.view;
    let reject = |cx: &mut FnCx, cond: Value, check: &str, release_this: bool| reject_if(cx, obj, spec, slot, err, cond, check, release_this);
    if !spec.accepts_none {
        let none = cx.py_data("_Py_NoneStruct")?;
        let is_none = cx.b.ins().icmp(IntCC::Equal, obj, none);
        reject(cx, is_none, "none", false)?;
    }
    let addr = cx.b.ins().stack_addr(p, slot, 0);
    let flags_v = cx.b.ins().iconst(types::I32, PYBUF_RECORDS_RO);
    let r = cx.call_prim(&PY_OBJECT_GET_BUFFER, &[obj, addr, flags_v])?[0];
    let failed = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
    reject(cx, failed, "", false)?;
    let ld = |cx: &mut FnCx, t: ir::Type, off: i32| cx.b.ins().stack_load(p, t, slot, off);
    let ndim = ld(cx, types::I32, pyabi::BUFFER_NDIM);
    let bad_ndim = cx.b.ins().icmp_imm_s(IntCC::NotEqual, ndim, v.ndim as i64);
    reject(cx, bad_ndim, "ndim", true)?;
    // Format: NULL means 'B'; skip a native/little-endian prefix; one code, then NUL.
    let itemsize = ld(cx, types::I64, pyabi::BUFFER_ITEMSIZE);
    let bad_size = cx.b.ins().icmp_imm_s(IntCC::NotEqual, itemsize, v.elem.size() as i64);
    reject(cx, bad_size, "dtype", true)?;
    let fmt = ld(cx, p, pyabi::BUFFER_FORMAT);
    let fmt_null = cx.is_null(fmt);
    let code = {
        let (have, join) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(join, p);
        let b_code = cx.b.ins().iconst(p, b'B' as i64);
        cx.b.ins().brif(fmt_null, join, &[BlockArg::Value(b_code)], have, &[]);
        cx.b.switch_to_block(have);
        let c0 = cx.b.ins().uload8(types::I64, flags(), fmt, 0);
        let c1 = cx.b.ins().uload8(types::I64, flags(), fmt, 1);
        let c2 = cx.b.ins().uload8(types::I64, flags(), fmt, 2);
        let mut prefixed = cx.b.ins().iconst(types::I8, 0);
        for pre in [b'@', b'=', b'<'] {
            let is = cx.b.ins().icmp_imm_s(IntCC::Equal, c0, pre as i64);
            prefixed = cx.b.ins().bor(prefixed, is);
        }
        let ch = cx.b.ins().select(prefixed, c1, c0);
        let after = cx.b.ins().select(prefixed, c2, c1);
        // A second code character (e.g. "2d" or "dd") is not a scalar buffer.
        let trailing = cx.b.ins().icmp_imm_s(IntCC::NotEqual, after, 0);
        let zero = cx.b.ins().iconst(p, 0);
        let ch = cx.b.ins().select(trailing, zero, ch);
        cx.b.ins().jump(join, &[BlockArg::Value(ch)]);
        cx.b.switch_to_block(join);
        cx.b.block_params(join)[0]
    };
    let mut ok_fmt = cx.b.ins().iconst(types::I8, 0);
    for c in v.elem.formats() {
        let is = cx.b.ins().icmp_imm_s(IntCC::Equal, code, *c as i64);
        ok_fmt = cx.b.ins().bor(ok_fmt, is);
    }
    let bad_fmt = cx.b.ins().icmp_imm_s(IntCC::Equal, ok_fmt, 0);
    reject(cx, bad_fmt, "dtype", true)?;
    if spec.writable {
        let ro = ld(cx, types::I32, pyabi::BUFFER_READONLY);
        let is_ro = cx.b.ins().icmp_imm_s(IntCC::NotEqual, ro, 0);
        reject(cx, is_ro, "readonly", true)?;
    }
    let data = ld(cx, p, pyabi::BUFFER_BUF);
    let shape_ptr = ld(cx, p, pyabi::BUFFER_SHAPE);
    let strides_ptr = ld(cx, p, pyabi::BUFFER_STRIDES);
    let mut shape = vec![];
    let mut strides = vec![];
    for k in 0..v.ndim as i32 {
        shape.push(cx.b.ins().load(types::I64, flags(), shape_ptr, 8 * k));
        strides.push(cx.b.ins().load(types::I64, flags(), strides_ptr, 8 * k));
    }
    // `T[:, ::1]` / `T[::1, :]` are Cython's C- / Fortran-contiguous arrays:
    // every axis of length above one has the stride of a packed layout.
    let nd = v.ndim as usize;
    let layouts: [(bool, Vec<usize>, &str); 2] = [(v.c_contig, (0..nd).rev().collect(), "contig"), (v.f_contig, (0..nd).collect(), "fcontig")];
    for (wanted, order, check) in layouts {
        if wanted {
            let bad = not_packed(cx, &shape, &strides, &order, v.elem.size() as i64);
            reject(cx, bad, check, true)?;
        }
    }
    let mut out = vec![data];
    out.extend(shape);
    out.extend(strides);
    Ok(out)
}

/// Whether a non-empty buffer's strides differ from those of a packed
/// layout whose axes, fastest first, are `order` (an empty buffer, with a
/// zero-length axis, fits every layout, as NumPy says).
fn not_packed(cx: &mut FnCx, shape: &[Value], strides: &[Value], order: &[usize], size: i64) -> Value {
    let mut expected = cx.b.ins().iconst(types::I64, size);
    let mut bad = cx.b.ins().iconst(types::I8, 0);
    for &k in order {
        let off = cx.b.ins().icmp(IntCC::NotEqual, strides[k], expected);
        let long = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, shape[k], 1);
        let wrong = cx.b.ins().band(off, long);
        bad = cx.b.ins().bor(bad, wrong);
        expected = cx.b.ins().imul(expected, shape[k]);
    }
    let mut empty = cx.b.ins().iconst(types::I8, 0);
    for n in shape {
        let zero = cx.b.ins().icmp_imm_s(IntCC::Equal, *n, 0);
        empty = cx.b.ins().bor(empty, zero);
    }
    let nonempty = cx.b.ins().bxor_imm_s(empty, 1);
    cx.b.ins().band(bad, nonempty)
}
