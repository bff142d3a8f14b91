//! Fast paths on exact `str` objects, as Cython takes them on values it
//! knows are `str`: a call of one of str's methods by name
//! (`OpKind::CallMethod` with `str_method`) goes straight to the method's C
//! function, and a truth value reads the length.
//!
//! A method call tests the receiver's type: an exact str (no subclass, so
//! no override and no instance dict) calls the C function of str's own
//! method descriptor with the calling convention its `PyMethodDef` states,
//! which is what the descriptor's vectorcall does after checking the
//! receiver's type (so argument errors are the method's own, word for
//! word). The descriptor is looked up on the first call and cached in a
//! slot of the module per method name: the convention and the function
//! (str is a static type; neither changes while the interpreter lives).
//! Anything else (a subclass, another type, a method missing from this
//! version of str, a convention this path does not make, such as
//! `METH_VARARGS`, or `METH_NOARGS`/`METH_O` called with another number of
//! arguments, whose error the descriptor raises) goes through
//! `PyObject_VectorcallMethod` as any method call does.

use super::super::{pyabi, FnCx, R};
use super::flags;
use crate::mir::primitives as prim;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, Value};
use cranelift_module::Module;

/// A method's cache: the kind of call (`KIND_*`, 0 until looked up) and the
/// C function.
pub(crate) const STR_METHOD_SLOT_BYTES: usize = 16;
const KIND_NOARGS: i64 = 1;
const KIND_O: i64 = 2;
const KIND_FASTCALL: i64 = 3;
const KIND_FASTCALL_KEYWORDS: i64 = 4;
/// Missing, not a method descriptor, or another convention.
const KIND_OTHER: i64 = 5;

/// `args[0].method(*args[1:])`, `name` the method's name as a str
/// constant; a new reference, NULL on error.
pub(super) fn call_str_method(cx: &mut FnCx, name: Value, method: &str, args: &[Value]) -> R<Value> {
    let p = cx.em.ptr;
    let Some((&recv, rest)) = args.split_first() else {
        return Err("a method call without its receiver".into());
    };
    let n = rest.len();
    let (exact_b, lookup_b, dispatch_b, slow_b, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(dispatch_b, types::I64);
    cx.b.append_block_param(done, p);
    cx.b.set_cold_block(lookup_b);
    let unicode = cx.py_data("PyUnicode_Type")?;
    let ty = cx.b.ins().load(p, flags(), recv, pyabi::OB_TYPE);
    let exact = cx.b.ins().icmp(IntCC::Equal, ty, unicode);
    cx.b.ins().brif(exact, exact_b, &[], slow_b, &[]);

    cx.b.switch_to_block(exact_b);
    let slot_id = cx.em.str_method_slot(method)?;
    let slot = cx.data_addr(slot_id);
    let kind = cx.b.ins().load(types::I64, flags(), slot, 0);
    let unknown = cx.b.ins().icmp_imm_s(IntCC::Equal, kind, 0);
    cx.b.ins().brif(unknown, lookup_b, &[], dispatch_b, &[BlockArg::Value(kind)]);

    // First call: str's own attribute through its MRO (a borrowed
    // reference, no error when missing), its PyMethodDef read once.
    cx.b.switch_to_block(lookup_b);
    let descr = cx.call_prim(&prim::PY_TYPE_LOOKUP, &[unicode, name])?[0];
    let (found_b, read_b, other_b) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    let missing = cx.is_null(descr);
    cx.b.ins().brif(missing, other_b, &[], found_b, &[]);
    cx.b.switch_to_block(found_b);
    let dtype = cx.b.ins().load(p, flags(), descr, pyabi::OB_TYPE);
    let method_descr = cx.py_data("PyMethodDescr_Type")?;
    let is_method = cx.b.ins().icmp(IntCC::Equal, dtype, method_descr);
    cx.b.ins().brif(is_method, read_b, &[], other_b, &[]);
    cx.b.switch_to_block(read_b);
    let def = cx.b.ins().load(p, flags(), descr, pyabi::METHOD_DESCR_METHOD);
    let func = cx.b.ins().load(p, flags(), def, pyabi::METHOD_DEF_METH as i32);
    let fl = cx.b.ins().load(types::I32, flags(), def, pyabi::METHOD_DEF_FLAGS as i32);
    let fl = cx.b.ins().uextend(types::I64, fl);
    let fl = cx.b.ins().band_imm_s(fl, !pyabi::METH_COEXIST);
    let mut found = cx.b.ins().iconst(types::I64, KIND_OTHER);
    for (flag, k) in [
        (pyabi::METH_NOARGS, KIND_NOARGS),
        (pyabi::METH_O, KIND_O),
        (pyabi::METH_FASTCALL, KIND_FASTCALL),
        (pyabi::METH_FASTCALL | pyabi::METH_KEYWORDS, KIND_FASTCALL_KEYWORDS),
    ] {
        let is = cx.b.ins().icmp_imm_s(IntCC::Equal, fl, flag);
        let kv = cx.b.ins().iconst(types::I64, k);
        found = cx.b.ins().select(is, kv, found);
    }
    cx.b.ins().store(flags(), func, slot, 8);
    cx.b.ins().store(flags(), found, slot, 0);
    cx.b.ins().jump(dispatch_b, &[BlockArg::Value(found)]);
    cx.b.switch_to_block(other_b);
    let other = cx.b.ins().iconst(types::I64, KIND_OTHER);
    cx.b.ins().store(flags(), other, slot, 0);
    cx.b.ins().jump(dispatch_b, &[BlockArg::Value(other)]);

    // The conventions a call with `n` arguments can take directly, each an
    // indirect call of the cached function.
    cx.b.switch_to_block(dispatch_b);
    let kind = cx.b.block_params(dispatch_b)[0];
    let func = cx.b.ins().load(p, flags(), slot, 8);
    let argv = match n {
        0 => cx.b.ins().iconst(p, 0),
        _ => {
            let vec = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * n as u32, 3));
            for (k, a) in rest.iter().enumerate() {
                cx.b.ins().stack_store(p, *a, vec, (8 * k) as i32);
            }
            cx.b.ins().stack_addr(p, vec, 0)
        }
    };
    let null = cx.b.ins().iconst(p, 0);
    let count = cx.b.ins().iconst(p, n as i64);
    let mut calls: Vec<(i64, Vec<Value>)> = vec![];
    match rest {
        [] => calls.push((KIND_NOARGS, vec![recv, null])),
        [a] => calls.push((KIND_O, vec![recv, *a])),
        _ => {}
    }
    calls.push((KIND_FASTCALL, vec![recv, argv, count]));
    calls.push((KIND_FASTCALL_KEYWORDS, vec![recv, argv, count, null]));
    for (k, call_args) in calls {
        let (call_b, next) = (cx.b.create_block(), cx.b.create_block());
        let is = cx.b.ins().icmp_imm_s(IntCC::Equal, kind, k);
        cx.b.ins().brif(is, call_b, &[], next, &[]);
        cx.b.switch_to_block(call_b);
        let mut sig = cx.em.module.make_signature();
        sig.params.extend(call_args.iter().map(|_| ir::AbiParam::new(p)));
        sig.returns.push(ir::AbiParam::new(p));
        let sref = cx.b.import_signature(sig);
        let inst = cx.b.ins().call_indirect(sref, func, &call_args);
        let r = cx.b.inst_results(inst)[0];
        cx.b.ins().jump(done, &[BlockArg::Value(r)]);
        cx.b.switch_to_block(next);
    }
    cx.b.ins().jump(slow_b, &[]);

    cx.b.switch_to_block(slow_b);
    let r = super::object::call_method(cx, name, args, None)?;
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// `obj`'s length and 1 when it is an exact str whose length can be read
/// in place (a ready one, `PyUnicode_GET_LENGTH`), else 0 and 0 (also
/// where this interpreter's layout is not known).
pub(super) fn exact_str_len(cx: &mut FnCx, obj: Value) -> R<(Value, Value)> {
    let zero = cx.b.ins().iconst(types::I64, 0);
    let no = cx.b.ins().iconst(types::I8, 0);
    if !cx.em.py.str_length_inline() {
        return Ok((zero, no));
    }
    let p = cx.em.ptr;
    let (read, join) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(join, types::I64);
    cx.b.append_block_param(join, types::I8);
    let unicode = cx.py_data("PyUnicode_Type")?;
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let is_str = cx.b.ins().icmp(IntCC::Equal, ty, unicode);
    cx.b.ins().brif(is_str, read, &[], join, &[BlockArg::Value(zero), BlockArg::Value(no)]);
    cx.b.switch_to_block(read);
    if let Some(bit) = cx.em.py.str_ready_bit() {
        // Only a str's memory holds a state word: read under the type test.
        let state = cx.b.ins().load(types::I32, flags(), obj, pyabi::STR_STATE);
        let ready = cx.b.ins().band_imm_u(state, bit);
        let ready_b = cx.b.create_block();
        cx.b.ins().brif(ready, ready_b, &[], join, &[BlockArg::Value(zero), BlockArg::Value(no)]);
        cx.b.switch_to_block(ready_b);
    }
    let len = cx.b.ins().load(types::I64, flags(), obj, pyabi::STR_LENGTH);
    let yes = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().jump(join, &[BlockArg::Value(len), BlockArg::Value(yes)]);
    cx.b.switch_to_block(join);
    let params = cx.b.block_params(join);
    Ok((params[0], params[1]))
}

/// The truth value of `obj` as a C int 0/1 when it is an exact str whose
/// length can be read in place (a ready one); else the code goes on to
/// `otherwise`. `None`, and no code, where this interpreter's layout is
/// not known.
pub(super) fn exact_str_truth(cx: &mut FnCx, obj: Value, otherwise: ir::Block) -> R<Option<Value>> {
    if !cx.em.py.str_length_inline() {
        return Ok(None);
    }
    let p = cx.em.ptr;
    let unicode = cx.py_data("PyUnicode_Type")?;
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let is_str = cx.b.ins().icmp(IntCC::Equal, ty, unicode);
    let read = cx.b.create_block();
    cx.b.ins().brif(is_str, read, &[], otherwise, &[]);
    cx.b.switch_to_block(read);
    if let Some(bit) = cx.em.py.str_ready_bit() {
        // Only a str's memory holds a state word: read under the type test.
        let state = cx.b.ins().load(types::I32, flags(), obj, pyabi::STR_STATE);
        let ready = cx.b.ins().band_imm_u(state, bit);
        let ready_b = cx.b.create_block();
        cx.b.ins().brif(ready, ready_b, &[], otherwise, &[]);
        cx.b.switch_to_block(ready_b);
    }
    let len = cx.b.ins().load(types::I64, flags(), obj, pyabi::STR_LENGTH);
    let nonempty = cx.b.ins().icmp_imm_s(IntCC::NotEqual, len, 0);
    Ok(Some(cx.b.ins().uextend(types::I32, nonempty)))
}
