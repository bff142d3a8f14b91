//! Code of the MIR ops of exceptions (`raise` of objects, a bare `raise`,
//! and what `try`/`except`/`finally` do to the exception being handled),
//! with the C-API calls CPython's own `RAISE_VARARGS`, `PUSH_EXC_INFO`,
//! `POP_EXCEPT`, `CHECK_EXC_MATCH` and `RERAISE` make. The handled
//! exception (`sys.exc_info()`) is read and set through
//! `PyErr_GetExcInfo`/`PyErr_SetExcInfo`, which mean the same on 3.9–3.13
//! (from 3.11 only the value is kept; the type and traceback are its own).
//! Every path here is an error path or an `except` clause's entry and
//! exit, so plain C-API calls (`Py_IncRef`) are used throughout.

use super::super::{pyabi, FnCx, R};
use super::flags;
use crate::mir::primitives as prim;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, Block, BlockArg, InstBuilder, Value};

/// `Py_TPFLAGS_TYPE_SUBCLASS` and `Py_TPFLAGS_BASE_EXC_SUBCLASS`, the same
/// on every supported CPython.
const TYPE_SUBCLASS: i64 = 1 << 31;
const BASE_EXC_SUBCLASS: i64 = 1 << 30;
/// `Py_TPFLAGS_TUPLE_SUBCLASS`.
const TUPLE_SUBCLASS: i64 = 1 << 26;

fn type_of(cx: &mut FnCx, obj: Value) -> Value {
    let p = cx.em.ptr;
    cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE)
}

/// Whether the type `ty` has the flag `flag` (a bint).
fn has_flag(cx: &mut FnCx, ty: Value, flag: i64) -> R<Value> {
    let f = cx.call_prim(&prim::PY_TYPE_GET_FLAGS, &[ty])?[0];
    let m = cx.b.ins().band_imm_u(f, flag);
    Ok(cx.b.ins().icmp_imm_u(IntCC::NotEqual, m, 0))
}

fn none(cx: &mut FnCx) -> R<Value> {
    cx.py_data("_Py_NoneStruct")
}

/// Sets `exc(msg)` (`exc` a `PyExc_*` name).
pub(crate) fn set_error(cx: &mut FnCx, exc: &str, msg: &str) -> R<()> {
    let p = cx.em.ptr;
    let t = cx.py_data(exc)?;
    let t = cx.b.ins().load(p, flags(), t, 0);
    let m = cx.cstr(msg)?;
    cx.call_prim(&prim::PY_ERR_SET_STRING, &[t, m])?;
    Ok(())
}

/// The instance `raise obj` raises (a new reference): `obj` itself when it
/// is an exception, the result of calling it when it is an exception
/// class; otherwise TypeError (`what` must derive from BaseException) and
/// on to `err`, as when the call fails.
fn instance(cx: &mut FnCx, obj: Value, what: &str, err: Block) -> R<Value> {
    let p = cx.em.ptr;
    let b = |cx: &mut FnCx| cx.b.create_block();
    let (inst, not_inst, class, call, check, wrong, bad, done) = (b(cx), b(cx), b(cx), b(cx), b(cx), b(cx), b(cx), b(cx));
    cx.b.append_block_param(done, p);
    cx.b.append_block_param(check, p);
    for blk in [not_inst, class, call, check, wrong, bad] {
        cx.b.set_cold_block(blk);
    }
    let ty = type_of(cx, obj);
    let is_inst = has_flag(cx, ty, BASE_EXC_SUBCLASS)?;
    cx.b.ins().brif(is_inst, inst, &[], not_inst, &[]);
    cx.b.switch_to_block(inst);
    cx.call_prim(&prim::PY_INCREF, &[obj])?;
    cx.b.ins().jump(done, &[BlockArg::Value(obj)]);
    cx.b.switch_to_block(not_inst);
    let is_type = has_flag(cx, ty, TYPE_SUBCLASS)?;
    cx.b.ins().brif(is_type, class, &[], bad, &[]);
    cx.b.switch_to_block(class);
    let is_exc_class = has_flag(cx, obj, BASE_EXC_SUBCLASS)?;
    cx.b.ins().brif(is_exc_class, call, &[], bad, &[]);
    cx.b.switch_to_block(call);
    let v = cx.call_prim(&prim::PY_OBJECT_CALL_NO_ARGS, &[obj])?[0];
    let failed = cx.is_null(v);
    cx.b.ins().brif(failed, err, &[], check, &[BlockArg::Value(v)]);
    cx.b.switch_to_block(check);
    let v = cx.b.block_params(check)[0];
    let vt = type_of(cx, v);
    let ok = has_flag(cx, vt, BASE_EXC_SUBCLASS)?;
    cx.b.ins().brif(ok, done, &[BlockArg::Value(v)], wrong, &[]);
    cx.b.switch_to_block(wrong);
    cx.decref(v)?;
    set_error(cx, "PyExc_TypeError", "calling the exception class should have returned an instance of BaseException")?;
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(bad);
    set_error(cx, "PyExc_TypeError", &format!("{what} must derive from BaseException"))?;
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// `raise exc` (`from cause`, None meaning no cause): the exception set,
/// then on to `err`.
pub(super) fn raise_object(cx: &mut FnCx, exc: Value, cause: Option<Value>, err: Block) -> R<()> {
    let v = instance(cx, exc, "exceptions", err)?;
    if let Some(c) = cause {
        let (given, set, drop_v) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(set, cx.em.ptr);
        cx.b.set_cold_block(drop_v);
        let none = none(cx)?;
        let is_none = cx.b.ins().icmp(IntCC::Equal, c, none);
        let null = cx.b.ins().iconst(cx.em.ptr, 0);
        cx.b.ins().brif(is_none, set, &[BlockArg::Value(null)], given, &[]);
        cx.b.switch_to_block(given);
        let cv = instance(cx, c, "exception causes", drop_v)?;
        cx.b.ins().jump(set, &[BlockArg::Value(cv)]);
        cx.b.switch_to_block(drop_v);
        cx.decref(v)?;
        cx.b.ins().jump(err, &[]);
        cx.b.switch_to_block(set);
        let cv = cx.b.block_params(set)[0];
        cx.call_prim(&prim::PY_EXCEPTION_SET_CAUSE, &[v, cv])?;
    }
    let t = type_of(cx, v);
    cx.call_prim(&prim::PY_ERR_SET_OBJECT, &[t, v])?;
    cx.decref(v)?;
    cx.b.ins().jump(err, &[]);
    Ok(())
}

/// Three `PyObject*` slots on the stack and their addresses.
fn triple(cx: &mut FnCx) -> (ir::StackSlot, [Value; 3]) {
    let p = cx.em.ptr;
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
    let addrs = [0, 8, 16].map(|k| cx.b.ins().stack_addr(p, slot, k));
    (slot, addrs)
}

fn load_triple(cx: &mut FnCx, slot: ir::StackSlot) -> [Value; 3] {
    let p = cx.em.ptr;
    [0, 8, 16].map(|k| cx.b.ins().stack_load(p, p, slot, k))
}

/// A bare `raise`: the exception being handled raised again (RuntimeError
/// when there is none), then on to `err`.
pub(super) fn reraise(cx: &mut FnCx, err: Block) -> R<()> {
    let (slot, a) = triple(cx);
    cx.call_prim(&prim::PY_ERR_GET_EXC_INFO, &a)?;
    let [t, v, tb] = load_triple(cx, slot);
    let none = none(cx)?;
    let is_null = cx.is_null(v);
    let is_none = cx.b.ins().icmp(IntCC::Equal, v, none);
    let missing = cx.b.ins().bor(is_null, is_none);
    let (nothing, restore) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(nothing);
    cx.b.ins().brif(missing, nothing, &[], restore, &[]);
    cx.b.switch_to_block(restore);
    cx.call_prim(&prim::PY_ERR_RESTORE, &[t, v, tb])?;
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(nothing);
    // `Py_DecRef` accepts NULL.
    for o in [t, v, tb] {
        cx.decref(o)?;
    }
    set_error(cx, "PyExc_RuntimeError", "No active exception to reraise")?;
    cx.b.ins().jump(err, &[]);
    Ok(())
}

/// Whether an exception is being handled (a bint).
pub(super) fn is_handling(cx: &mut FnCx) -> R<Value> {
    let (slot, a) = triple(cx);
    cx.call_prim(&prim::PY_ERR_GET_EXC_INFO, &a)?;
    let [t, v, tb] = load_triple(cx, slot);
    for o in [t, tb] {
        cx.decref(o)?;
    }
    let none = none(cx)?;
    let is_null = cx.is_null(v);
    let is_none = cx.b.ins().icmp(IntCC::Equal, v, none);
    let missing = cx.b.ins().bor(is_null, is_none);
    cx.decref(v)?;
    Ok(cx.b.ins().bxor_imm_u(missing, 1))
}

/// The raised exception fetched, normalised, given its traceback and made
/// the one being handled; returns it and the one handled before (None for
/// none), both new references.
pub(super) fn catch(cx: &mut FnCx) -> R<(Value, Value)> {
    // An error caught here has ended; the bound on entries is per error.
    super::stack::reset_traceback_count(cx);
    let [t, v, tb] = fetch_normalized(cx)?;
    let saved = get_handled(cx)?;
    if cx.em.py.handled_exception_api() {
        let p = cx.em.ptr;
        cx.call_c("PyErr_SetHandledException", &[p], &[], &[v])?;
        cx.decref(t)?;
        super::xdecref(cx, tb)?;
    } else {
        cx.call_prim(&prim::PY_INCREF, &[v])?;
        cx.call_prim(&prim::PY_ERR_SET_EXC_INFO, &[t, v, tb])?;
    }
    Ok((v, saved))
}

/// The raised exception fetched and normalised, its traceback set on it:
/// the type, value and traceback (NULL for none), new references.
fn fetch_normalized(cx: &mut FnCx) -> R<[Value; 3]> {
    let (slot, a) = triple(cx);
    cx.call_prim(&prim::PY_ERR_FETCH, &a)?;
    cx.call_prim(&prim::PY_ERR_NORMALIZE_EXCEPTION, &a)?;
    let [t, v, tb] = load_triple(cx, slot);
    let (with_tb, done) = (cx.b.create_block(), cx.b.create_block());
    let no_tb = cx.is_null(tb);
    cx.b.ins().brif(no_tb, done, &[], with_tb, &[]);
    cx.b.switch_to_block(with_tb);
    cx.call_prim(&prim::PY_EXCEPTION_SET_TRACEBACK, &[v, tb])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok([t, v, tb])
}

/// A generator resumed inside `except` clauses: the caller's handled
/// exception returned (a new reference), `exc` handled again, and a value
/// thrown in (`sent` NULL: an exception set) raised again by
/// `PyErr_SetObject`, which gives it `exc` as its context (breaking a
/// cycle as CPython does), its traceback kept.
pub(super) fn resume_handled(cx: &mut FnCx, exc: Value, sent: Value) -> R<Value> {
    let caller = get_handled(cx)?;
    set_handled(cx, exc)?;
    let (thrown, done) = (cx.b.create_block(), cx.b.create_block());
    let was_thrown = cx.is_null(sent);
    cx.b.ins().brif(was_thrown, thrown, &[], done, &[]);
    cx.b.switch_to_block(thrown);
    let [t, v, tb] = fetch_normalized(cx)?;
    cx.call_prim(&prim::PY_ERR_SET_OBJECT, &[t, v])?;
    for o in [t, v, tb] {
        cx.decref(o)?;
    }
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(caller)
}

/// The exception being handled (None for none), a new reference.
fn get_handled(cx: &mut FnCx) -> R<Value> {
    let p = cx.em.ptr;
    let v = if cx.em.py.handled_exception_api() {
        cx.call_c("PyErr_GetHandledException", &[], &[p], &[])?[0]
    } else {
        let (slot, a) = triple(cx);
        cx.call_prim(&prim::PY_ERR_GET_EXC_INFO, &a)?;
        let [t, v, tb] = load_triple(cx, slot);
        cx.decref(t)?;
        cx.decref(tb)?;
        v
    };
    let (was_none, join) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(join, p);
    let nothing = cx.is_null(v);
    cx.b.ins().brif(nothing, was_none, &[], join, &[BlockArg::Value(v)]);
    cx.b.switch_to_block(was_none);
    let none = none(cx)?;
    cx.call_prim(&prim::PY_INCREF, &[none])?;
    cx.b.ins().jump(join, &[BlockArg::Value(none)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// `saved` (None: no exception) is the exception being handled again.
pub(super) fn set_handled(cx: &mut FnCx, saved: Value) -> R<()> {
    let p = cx.em.ptr;
    if cx.em.py.handled_exception_api() {
        // None is no exception being handled, as NULL is.
        let none = none(cx)?;
        let is_none = cx.b.ins().icmp(IntCC::Equal, saved, none);
        let null = cx.b.ins().iconst(p, 0);
        let exc = cx.b.ins().select(is_none, null, saved);
        cx.call_c("PyErr_SetHandledException", &[p], &[], &[exc])?;
        return Ok(());
    }
    let (clear, set, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    let none = none(cx)?;
    let is_none = cx.b.ins().icmp(IntCC::Equal, saved, none);
    cx.b.ins().brif(is_none, clear, &[], set, &[]);
    cx.b.switch_to_block(clear);
    let null = cx.b.ins().iconst(p, 0);
    cx.call_prim(&prim::PY_ERR_SET_EXC_INFO, &[null, null, null])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(set);
    let t = type_of(cx, saved);
    cx.call_prim(&prim::PY_INCREF, &[t])?;
    cx.call_prim(&prim::PY_INCREF, &[saved])?;
    let tb = cx.call_prim(&prim::PY_EXCEPTION_GET_TRACEBACK, &[saved])?[0];
    cx.call_prim(&prim::PY_ERR_SET_EXC_INFO, &[t, saved, tb])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(())
}

/// The caught exception `exc` raised again with its traceback, then on to `err`.
pub(super) fn restore_error(cx: &mut FnCx, exc: Value, err: Block) -> R<()> {
    let t = type_of(cx, exc);
    cx.call_prim(&prim::PY_INCREF, &[t])?;
    cx.call_prim(&prim::PY_INCREF, &[exc])?;
    let tb = cx.call_prim(&prim::PY_EXCEPTION_GET_TRACEBACK, &[exc])?[0];
    cx.call_prim(&prim::PY_ERR_RESTORE, &[t, exc, tb])?;
    cx.b.ins().jump(err, &[]);
    Ok(())
}

/// Whether `obj` is an exception class (a bint).
fn exception_class(cx: &mut FnCx, obj: Value) -> R<Value> {
    let (class, join) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(join, ir::types::I8);
    let ty = type_of(cx, obj);
    let is_type = has_flag(cx, ty, TYPE_SUBCLASS)?;
    let no = cx.b.ins().iconst(ir::types::I8, 0);
    cx.b.ins().brif(is_type, class, &[], join, &[BlockArg::Value(no)]);
    cx.b.switch_to_block(class);
    let is_exc = has_flag(cx, obj, BASE_EXC_SUBCLASS)?;
    cx.b.ins().jump(join, &[BlockArg::Value(is_exc)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// Whether `exc` matches the class or tuple of classes `types` (a bint);
/// CPython's TypeError, and on to `err`, when `types` is (or holds)
/// something that is no exception class.
pub(super) fn matches(cx: &mut FnCx, exc: Value, types: Value, err: Block) -> R<Value> {
    let p = cx.em.ptr;
    let b = |cx: &mut FnCx| cx.b.create_block();
    let (tuple, single, head, item, bad, ok) = (b(cx), b(cx), b(cx), b(cx), b(cx), b(cx));
    let (general, done) = (b(cx), b(cx));
    cx.b.set_cold_block(bad);
    cx.b.append_block_param(head, p);
    cx.b.append_block_param(done, ir::types::I8);
    // The exception's own class (`except E` of a raised `E`, the common
    // case) matches with no call, as Cython's `__Pyx_PyErr_GivenExceptionMatches`.
    let own = type_of(cx, exc);
    let same = cx.b.ins().icmp(IntCC::Equal, own, types);
    let yes = cx.b.ins().iconst(ir::types::I8, 1);
    cx.b.ins().brif(same, done, &[BlockArg::Value(yes)], general, &[]);
    cx.b.switch_to_block(general);
    let ty = type_of(cx, types);
    let is_tuple = has_flag(cx, ty, TUPLE_SUBCLASS)?;
    cx.b.ins().brif(is_tuple, tuple, &[], single, &[]);
    cx.b.switch_to_block(single);
    let valid = exception_class(cx, types)?;
    cx.b.ins().brif(valid, ok, &[], bad, &[]);
    cx.b.switch_to_block(tuple);
    let zero = cx.b.ins().iconst(p, 0);
    cx.b.ins().jump(head, &[BlockArg::Value(zero)]);
    cx.b.switch_to_block(head);
    let k = cx.b.block_params(head)[0];
    let size = cx.b.ins().load(p, flags(), types, pyabi::VAR_SIZE);
    let more = cx.b.ins().icmp(IntCC::SignedLessThan, k, size);
    cx.b.ins().brif(more, item, &[], ok, &[]);
    cx.b.switch_to_block(item);
    let offset = cx.b.ins().ishl_imm_u(k, 3);
    let at = cx.b.ins().iadd(types, offset);
    let x = cx.b.ins().load(p, flags(), at, pyabi::TUPLE_ITEMS as i32);
    let valid = exception_class(cx, x)?;
    let next = cx.b.ins().iadd_imm_s(k, 1);
    cx.b.ins().brif(valid, head, &[BlockArg::Value(next)], bad, &[]);
    cx.b.switch_to_block(bad);
    set_error(cx, "PyExc_TypeError", "catching classes that do not inherit from BaseException is not allowed")?;
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(ok);
    let r = cx.call_prim(&prim::PY_ERR_GIVEN_EXCEPTION_MATCHES, &[exc, types])?[0];
    let matched = cx.b.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
    cx.b.ins().jump(done, &[BlockArg::Value(matched)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}
