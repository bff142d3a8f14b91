//! The special methods of a cclass in its type's slots (`PyType_Spec`
//! slot ids), each slot a small adapter that calls the method's compiled
//! descriptor entry (`METH_FASTCALL | METH_KEYWORDS`, `self` first) and
//! converts its result to the slot's C result. Cython 3's semantics:
//! `__add__(self, other)` is called with the instance first; `__radd__`
//! when the instance is the right operand; a missing method is
//! NotImplemented. `__ne__` without its own method is `not __eq__`; a
//! class with `__eq__` and no `__hash__` is unhashable (CPython's
//! `PyType_Ready` does it when `tp_richcompare` is set and `tp_hash` not).

use super::cclass::emit_fn;
use super::{flags, release_or_abandon, return_status, R};
use crate::backend::{pyabi, Emitter, FnCx};
use crate::hir::ExtClass;
use crate::mir::primitives as prim;
use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};
use cranelift_module::{FuncId as ClifFuncId, Module};
use std::collections::HashMap;
use crate::backend::pyabi::type_spec::{PY_TP_CALL, PY_TP_HASH, PY_TP_ITER, PY_TP_ITERNEXT, PY_TP_REPR, PY_TP_RICHCOMPARE, PY_TP_STR, TPFLAGS_LONG_SUBCLASS};

/// `PyTypeObject.tp_as_number` and `tp_flags` (3.9–3.13).
const TP_AS_NUMBER: i32 = 96;
const TP_FLAGS: i32 = 168;
const TP_HASH: i32 = 120;

const PY_MP_ASS_SUBSCRIPT: i32 = 3;
const PY_MP_LENGTH: i32 = 4;
const PY_MP_SUBSCRIPT: i32 = 5;
const PY_NB_BOOL: i32 = 9;
const PY_SQ_CONTAINS: i32 = 41;
const PY_SQ_LENGTH: i32 = 45;

/// Binary operators: method, reflected method, slot id, offset of the slot
/// in `PyNumberMethods`.
const BINARY: &[(&str, &str, i32, i32)] = &[
    ("__add__", "__radd__", 7, 0),
    ("__sub__", "__rsub__", 36, 8),
    ("__mul__", "__rmul__", 29, 16),
    ("__mod__", "__rmod__", 34, 24),
    ("__divmod__", "__rdivmod__", 10, 32),
    ("__lshift__", "__rlshift__", 28, 88),
    ("__rshift__", "__rrshift__", 35, 96),
    ("__and__", "__rand__", 8, 104),
    ("__xor__", "__rxor__", 38, 112),
    ("__or__", "__ror__", 31, 120),
    ("__floordiv__", "__rfloordiv__", 12, 232),
    ("__truediv__", "__rtruediv__", 37, 240),
    ("__matmul__", "__rmatmul__", 75, 272),
];

/// Methods of one operand whose object result is the slot's.
const UNARY: &[(&str, i32)] = &[
    ("__neg__", 30),
    ("__pos__", 32),
    ("__abs__", 6),
    ("__invert__", 27),
    ("__int__", 26),
    ("__float__", 11),
    ("__index__", 13),
    ("__repr__", PY_TP_REPR),
    ("__str__", PY_TP_STR),
    ("__iter__", PY_TP_ITER),
    ("__next__", PY_TP_ITERNEXT),
];

/// In-place operators: `self` is always the left operand.
const IN_PLACE: &[(&str, i32)] = &[
    ("__iadd__", 14),
    ("__isub__", 23),
    ("__imul__", 18),
    ("__imod__", 21),
    ("__ilshift__", 17),
    ("__irshift__", 22),
    ("__iand__", 15),
    ("__ixor__", 25),
    ("__ior__", 19),
    ("__ifloordiv__", 16),
    ("__itruediv__", 24),
    ("__imatmul__", 76),
];

/// Rich comparisons in `Py_LT`..`Py_GE` order.
const COMPARE: [&str; 6] = ["__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"];

/// The slots of the class's special methods, given each method's entry.
pub(super) fn special_slots(em: &mut Emitter, c: &ExtClass, entries: &HashMap<String, ClifFuncId>) -> R<Vec<(i32, ClifFuncId)>> {
    let mut out = vec![];
    let name = &c.name;
    for (m, r, slot, offset) in BINARY {
        let (fwd, rev) = (entries.get(*m).copied(), entries.get(*r).copied());
        if fwd.is_none() && rev.is_none() {
            continue;
        }
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_{m}"), 11, &format!("{m} slot of {name}"), 2, Some(em.ptr), |cx, a| {
            binary(cx, a[0], a[1], fwd, rev, *offset)
        })?;
        out.push((*slot, f));
    }
    for (m, slot) in UNARY {
        if let Some(e) = entries.get(*m).copied() {
            let f = emit_fn(em, &format!("pyc_aot_slot_{name}_{m}"), 11, &format!("{m} slot of {name}"), 1, Some(em.ptr), |cx, a| {
                let r = call_entry(cx, e, a[0], &[])?;
                cx.b.ins().return_(&[r]);
                Ok(())
            })?;
            out.push((*slot, f));
        }
    }
    for (m, slot) in IN_PLACE {
        if let Some(e) = entries.get(*m).copied() {
            let f = emit_fn(em, &format!("pyc_aot_slot_{name}_{m}"), 11, &format!("{m} slot of {name}"), 2, Some(em.ptr), |cx, a| {
                let r = call_entry(cx, e, a[0], &[a[1]])?;
                cx.b.ins().return_(&[r]);
                Ok(())
            })?;
            out.push((*slot, f));
        }
    }
    let compare: Vec<Option<ClifFuncId>> = COMPARE.iter().map(|m| entries.get(*m).copied()).collect();
    if compare.iter().any(Option::is_some) {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_richcompare"), 11, &format!("tp_richcompare of {name}"), 3, Some(em.ptr), |cx, a| {
            richcompare(cx, a[0], a[1], a[2], &compare)
        })?;
        out.push((PY_TP_RICHCOMPARE, f));
    }
    if let Some(e) = entries.get("__hash__").copied() {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_hash"), 11, &format!("tp_hash of {name}"), 1, Some(types::I64), |cx, a| hash(cx, e, a[0]))?;
        out.push((PY_TP_HASH, f));
    } else if compare.iter().any(Option::is_some) && compare[2].is_none() {
        // Ordering without `__eq__` keeps object's hash (Python does); a
        // `tp_richcompare` alone would make the type unhashable.
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_hash"), 11, &format!("tp_hash of {name}"), 1, Some(types::I64), |cx, a| {
            let p = cx.em.ptr;
            let base = cx.py_data("PyBaseObject_Type")?;
            let h = cx.b.ins().load(p, flags(), base, TP_HASH);
            let mut sig = cx.em.module.make_signature();
            sig.params.push(ir::AbiParam::new(p));
            sig.returns.push(ir::AbiParam::new(types::I64));
            let sref = cx.b.import_signature(sig);
            let inst = cx.b.ins().call_indirect(sref, h, &[a[0]]);
            let r = cx.b.inst_results(inst)[0];
            cx.b.ins().return_(&[r]);
            Ok(())
        })?;
        out.push((PY_TP_HASH, f));
    }
    if let Some(e) = entries.get("__len__").copied() {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_len"), 11, &format!("__len__ slot of {name}"), 1, Some(types::I64), |cx, a| length(cx, e, a[0]))?;
        out.push((PY_MP_LENGTH, f));
        out.push((PY_SQ_LENGTH, f));
    }
    if let Some(e) = entries.get("__getitem__").copied() {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_getitem"), 11, &format!("__getitem__ slot of {name}"), 2, Some(em.ptr), |cx, a| {
            let r = call_entry(cx, e, a[0], &[a[1]])?;
            cx.b.ins().return_(&[r]);
            Ok(())
        })?;
        out.push((PY_MP_SUBSCRIPT, f));
    }
    let (set, del) = (entries.get("__setitem__").copied(), entries.get("__delitem__").copied());
    if set.is_some() || del.is_some() {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_setitem"), 11, &format!("__setitem__ slot of {name}"), 3, Some(types::I32), |cx, a| {
            ass_subscript(cx, a[0], a[1], a[2], set, del)
        })?;
        out.push((PY_MP_ASS_SUBSCRIPT, f));
    }
    for (m, slot) in [("__contains__", PY_SQ_CONTAINS), ("__bool__", PY_NB_BOOL)] {
        if let Some(e) = entries.get(m).copied() {
            let n = if m == "__bool__" { 1 } else { 2 };
            let f = emit_fn(em, &format!("pyc_aot_slot_{name}_{m}"), 11, &format!("{m} slot of {name}"), n, Some(types::I32), |cx, a| {
                let r = call_entry(cx, e, a[0], &a[1..])?;
                truth(cx, r)
            })?;
            out.push((slot, f));
        }
    }
    if let Some(e) = entries.get("__call__").copied() {
        let f = emit_fn(em, &format!("pyc_aot_slot_{name}_call"), 11, &format!("tp_call of {name}"), 3, Some(em.ptr), |cx, a| call(cx, e, a[0], a[1], a[2]))?;
        out.push((PY_TP_CALL, f));
    }
    Ok(out)
}

/// `entry(self, argv, n, NULL)`: the method called with `args`, a new
/// reference or NULL.
fn call_entry(cx: &mut FnCx, entry: ClifFuncId, this: ir::Value, args: &[ir::Value]) -> R<ir::Value> {
    let p = cx.em.ptr;
    let argv = if args.is_empty() {
        cx.b.ins().iconst(p, 0)
    } else {
        let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * args.len() as u32, 3));
        for (i, a) in args.iter().enumerate() {
            cx.b.ins().stack_store(p, *a, slot, 8 * i as i32);
        }
        cx.b.ins().stack_addr(p, slot, 0)
    };
    let n = cx.b.ins().iconst(types::I64, args.len() as i64);
    let null = cx.b.ins().iconst(p, 0);
    let r = cx.func_ref(entry);
    let inst = cx.b.ins().call(r, &[this, argv, n, null]);
    Ok(cx.b.inst_results(inst)[0])
}

fn not_implemented(cx: &mut FnCx) -> R<ir::Value> {
    let ni = cx.py_data("_Py_NotImplementedStruct")?;
    crate::backend::codegen::incref(cx, ni)?;
    Ok(ni)
}

/// Whether `v` may be an instance of the class: the same type as the
/// other operand, or a type whose number slot at `offset` is this one.
fn has_this_slot(cx: &mut FnCx, v: ir::Value, other: ir::Value, offset: i32) -> R<ir::Value> {
    let p = cx.em.ptr;
    let (check, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, types::I8);
    let tv = cx.b.ins().load(p, flags(), v, pyabi::OB_TYPE);
    let to = cx.b.ins().load(p, flags(), other, pyabi::OB_TYPE);
    let same = cx.b.ins().icmp(IntCC::Equal, tv, to);
    cx.b.ins().brif(same, done, &[ir::BlockArg::Value(same)], check, &[]);
    cx.b.switch_to_block(check);
    let nb = cx.b.ins().load(p, flags(), tv, TP_AS_NUMBER);
    let (load, no) = (cx.b.create_block(), cx.b.create_block());
    let null = cx.is_null(nb);
    cx.b.ins().brif(null, no, &[], load, &[]);
    cx.b.switch_to_block(no);
    let f = cx.b.ins().iconst(types::I8, 0);
    cx.b.ins().jump(done, &[ir::BlockArg::Value(f)]);
    cx.b.switch_to_block(load);
    let slot = cx.b.ins().load(p, flags(), nb, offset);
    let me = cx.b.func.name.clone();
    let ir::UserFuncName::User(u) = me else { return Err("a slot adapter has no name".into()) };
    let this = ClifFuncId::from_u32(u.index);
    let r = cx.func_ref(this);
    let addr = cx.b.ins().func_addr(p, r);
    let eq = cx.b.ins().icmp(IntCC::Equal, slot, addr);
    cx.b.ins().jump(done, &[ir::BlockArg::Value(eq)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// `nb_add(left, right)` and the like: `__add__(left, right)` when `left`
/// is an instance; if that is NotImplemented (or `left` is not one),
/// `__radd__(right, left)` when `right` is one; NotImplemented otherwise.
fn binary(cx: &mut FnCx, left: ir::Value, right: ir::Value, fwd: Option<ClifFuncId>, rev: Option<ClifFuncId>, offset: i32) -> R<()> {
    let reflected = cx.b.create_block();
    if let Some(fwd) = fwd {
        let (call, got) = (cx.b.create_block(), cx.b.create_block());
        let mine = has_this_slot(cx, left, right, offset)?;
        cx.b.ins().brif(mine, call, &[], reflected, &[]);
        cx.b.switch_to_block(call);
        let r = call_entry(cx, fwd, left, &[right])?;
        let ni = cx.py_data("_Py_NotImplementedStruct")?;
        let is_ni = cx.b.ins().icmp(IntCC::Equal, r, ni);
        let ret = cx.b.create_block();
        cx.b.ins().brif(is_ni, got, &[], ret, &[]);
        cx.b.switch_to_block(ret);
        cx.b.ins().return_(&[r]);
        cx.b.switch_to_block(got);
        if rev.is_none() {
            cx.b.ins().return_(&[r]);
        } else {
            cx.decref(r)?;
            cx.b.ins().jump(reflected, &[]);
        }
    } else {
        cx.b.ins().jump(reflected, &[]);
    }
    cx.b.switch_to_block(reflected);
    let give_up = cx.b.create_block();
    if let Some(rev) = rev {
        let call = cx.b.create_block();
        let mine = has_this_slot(cx, right, left, offset)?;
        cx.b.ins().brif(mine, call, &[], give_up, &[]);
        cx.b.switch_to_block(call);
        let r = call_entry(cx, rev, right, &[left])?;
        cx.b.ins().return_(&[r]);
    } else {
        cx.b.ins().jump(give_up, &[]);
    }
    cx.b.switch_to_block(give_up);
    let ni = not_implemented(cx)?;
    cx.b.ins().return_(&[ni]);
    Ok(())
}

/// `tp_richcompare(self, other, op)`: the method of `op`; `!=` without
/// `__ne__` is the negation of `__eq__` (unless NotImplemented); no method:
/// NotImplemented.
fn richcompare(cx: &mut FnCx, this: ir::Value, other: ir::Value, op: ir::Value, methods: &[Option<ClifFuncId>]) -> R<()> {
    let op = if cx.b.func.dfg.value_type(op) == types::I32 { op } else { cx.b.ins().ireduce(types::I32, op) };
    let give_up = cx.b.create_block();
    for (k, m) in methods.iter().enumerate() {
        let negate_eq = k == 3 && m.is_none() && methods[2].is_some();
        if m.is_none() && !negate_eq {
            continue;
        }
        let (this_op, next) = (cx.b.create_block(), cx.b.create_block());
        let is = cx.b.ins().icmp_imm_s(IntCC::Equal, op, k as i64);
        cx.b.ins().brif(is, this_op, &[], next, &[]);
        cx.b.switch_to_block(this_op);
        if let Some(e) = m {
            let r = call_entry(cx, *e, this, &[other])?;
            cx.b.ins().return_(&[r]);
        } else if let Some(eq) = methods[2] {
            let r = call_entry(cx, eq, this, &[other])?;
            let (fail, got, pass) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            let null = cx.is_null(r);
            cx.b.ins().brif(null, fail, &[], got, &[]);
            cx.b.switch_to_block(fail);
            cx.b.ins().return_(&[r]);
            cx.b.switch_to_block(got);
            let ni = cx.py_data("_Py_NotImplementedStruct")?;
            let is_ni = cx.b.ins().icmp(IntCC::Equal, r, ni);
            cx.b.ins().brif(is_ni, fail, &[], pass, &[]);
            cx.b.switch_to_block(pass);
            let t = cx.call_prim(&prim::PY_OBJECT_IS_TRUE, &[r])?[0];
            cx.decref(r)?;
            let (err, ok) = (cx.b.create_block(), cx.b.create_block());
            let neg = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, t, 0);
            cx.b.ins().brif(neg, err, &[], ok, &[]);
            cx.b.switch_to_block(err);
            let null = cx.b.ins().iconst(cx.em.ptr, 0);
            cx.b.ins().return_(&[null]);
            cx.b.switch_to_block(ok);
            let not = cx.b.ins().icmp_imm_s(IntCC::Equal, t, 0);
            let not = cx.b.ins().uextend(types::I64, not);
            let b = cx.call_c("PyBool_FromLong", &[types::I64], &[cx.em.ptr], &[not])?[0];
            cx.b.ins().return_(&[b]);
        }
        cx.b.switch_to_block(next);
    }
    cx.b.ins().jump(give_up, &[]);
    cx.b.switch_to_block(give_up);
    let ni = not_implemented(cx)?;
    cx.b.ins().return_(&[ni]);
    Ok(())
}

/// The method's result as a C truth value (`-1` on error), released.
fn truth(cx: &mut FnCx, r: ir::Value) -> R<()> {
    let (fail, ok) = (cx.b.create_block(), cx.b.create_block());
    let null = cx.is_null(r);
    cx.b.ins().brif(null, fail, &[], ok, &[]);
    cx.b.switch_to_block(fail);
    let minus = cx.b.ins().iconst(types::I32, -1);
    cx.b.ins().return_(&[minus]);
    cx.b.switch_to_block(ok);
    let t = cx.call_prim(&prim::PY_OBJECT_IS_TRUE, &[r])?[0];
    cx.decref(r)?;
    cx.b.ins().return_(&[t]);
    Ok(())
}

/// Sets `exc` with `msg` and returns `-1` of type `ty`.
fn raise(cx: &mut FnCx, exc: &str, msg: &str, ty: ir::Type) -> R<()> {
    crate::backend::codegen::set_error(cx, exc, msg)?;
    let minus = cx.b.ins().iconst(ty, -1);
    cx.b.ins().return_(&[minus]);
    Ok(())
}

/// `tp_hash`: an int result (CPython's TypeError otherwise) as a C hash,
/// the int's own hash when it does not fit; `-1` becomes `-2`.
fn hash(cx: &mut FnCx, entry: ClifFuncId, this: ir::Value) -> R<()> {
    let p = cx.em.ptr;
    let r = call_entry(cx, entry, this, &[])?;
    let (fail, got, not_int, is_int) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    let null = cx.is_null(r);
    cx.b.ins().brif(null, fail, &[], got, &[]);
    cx.b.switch_to_block(fail);
    let minus = cx.b.ins().iconst(types::I64, -1);
    cx.b.ins().return_(&[minus]);
    cx.b.switch_to_block(got);
    let t = cx.b.ins().load(p, flags(), r, pyabi::OB_TYPE);
    let fl = cx.b.ins().load(types::I64, flags(), t, TP_FLAGS);
    let long = cx.b.ins().band_imm_s(fl, TPFLAGS_LONG_SUBCLASS);
    cx.b.ins().brif(long, is_int, &[], not_int, &[]);
    cx.b.switch_to_block(not_int);
    cx.decref(r)?;
    raise(cx, "PyExc_TypeError", "__hash__ method should return an integer", types::I64)?;
    cx.b.switch_to_block(is_int);
    // As CPython's `slot_tp_hash`: `PyLong_AsSsize_t` (a 64-bit hash of
    // several digits read in place; `PyLong_AsLongLong` goes through
    // `_PyLong_AsByteArray`, ~250 instructions more).
    let h = cx.call_c("PyLong_AsSsize_t", &[p], &[types::I64], &[r])?[0];
    let (maybe, big, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, types::I64);
    let is_m1 = cx.b.ins().icmp_imm_s(IntCC::Equal, h, -1);
    cx.b.ins().brif(is_m1, maybe, &[], done, &[ir::BlockArg::Value(h)]);
    cx.b.switch_to_block(maybe);
    let err = cx.call_prim(&prim::PY_ERR_OCCURRED, &[])?[0];
    let err_null = cx.is_null(err);
    let m2 = cx.b.ins().iconst(types::I64, -2);
    cx.b.ins().brif(err_null, done, &[ir::BlockArg::Value(m2)], big, &[]);
    cx.b.switch_to_block(big);
    cx.call_prim(&prim::PY_ERR_CLEAR, &[])?;
    let h2 = cx.call_c("PyObject_Hash", &[p], &[types::I64], &[r])?[0];
    cx.b.ins().jump(done, &[ir::BlockArg::Value(h2)]);
    cx.b.switch_to_block(done);
    let h = cx.b.block_params(done)[0];
    cx.decref(r)?;
    cx.b.ins().return_(&[h]);
    Ok(())
}

/// `sq_length`/`mp_length`: the result as an index (CPython's
/// OverflowError when it does not fit), ValueError when negative.
fn length(cx: &mut FnCx, entry: ClifFuncId, this: ir::Value) -> R<()> {
    let p = cx.em.ptr;
    let r = call_entry(cx, entry, this, &[])?;
    let (fail, got) = (cx.b.create_block(), cx.b.create_block());
    let null = cx.is_null(r);
    cx.b.ins().brif(null, fail, &[], got, &[]);
    cx.b.switch_to_block(fail);
    let minus = cx.b.ins().iconst(types::I64, -1);
    cx.b.ins().return_(&[minus]);
    cx.b.switch_to_block(got);
    let exc = cx.py_data("PyExc_OverflowError")?;
    let exc = cx.b.ins().load(p, flags(), exc, 0);
    let n = cx.call_c("PyNumber_AsSsize_t", &[p, p], &[types::I64], &[r, exc])?[0];
    cx.decref(r)?;
    let (neg, ok) = (cx.b.create_block(), cx.b.create_block());
    let is_neg = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
    cx.b.ins().brif(is_neg, neg, &[], ok, &[]);
    cx.b.switch_to_block(ok);
    cx.b.ins().return_(&[n]);
    cx.b.switch_to_block(neg);
    let (occurred, negative) = (cx.b.create_block(), cx.b.create_block());
    let err = cx.call_prim(&prim::PY_ERR_OCCURRED, &[])?[0];
    let none = cx.is_null(err);
    cx.b.ins().brif(none, negative, &[], occurred, &[]);
    cx.b.switch_to_block(occurred);
    cx.b.ins().return_(&[n]);
    cx.b.switch_to_block(negative);
    raise(cx, "PyExc_ValueError", "__len__() should return >= 0", types::I64)
}

/// `mp_ass_subscript(self, key, value)`: `__setitem__(key, value)`, or
/// `__delitem__(key)` when `value` is NULL; the AttributeError of a
/// Python class's slot for the missing one (Cython raises
/// NotImplementedError there).
fn ass_subscript(cx: &mut FnCx, this: ir::Value, key: ir::Value, value: ir::Value, set: Option<ClifFuncId>, del: Option<ClifFuncId>) -> R<()> {
    let (deleting, setting) = (cx.b.create_block(), cx.b.create_block());
    let null = cx.is_null(value);
    cx.b.ins().brif(null, deleting, &[], setting, &[]);
    for (block, m, what) in [(deleting, del, "__delitem__"), (setting, set, "__setitem__")] {
        cx.b.switch_to_block(block);
        match m {
            Some(e) => {
                let args: Vec<ir::Value> = if block == deleting { vec![key] } else { vec![key, value] };
                let r = call_entry(cx, e, this, &args)?;
                return_status(cx, r)?;
            }
            // A Python class's slot looks the method up and fails so.
            None => raise(cx, "PyExc_AttributeError", what, types::I32)?,
        }
    }
    Ok(())
}

/// `tp_call(self, args, kwargs)`: the method with the tuple's items when
/// no keywords are given; otherwise the tuple's items and the keywords'
/// values with their names (the vectorcall layout the entry takes).
fn call(cx: &mut FnCx, entry: ClifFuncId, this: ir::Value, args: ir::Value, kwargs: ir::Value) -> R<()> {
    let p = cx.em.ptr;
    let (positional, keywords) = (cx.b.create_block(), cx.b.create_block());
    let no_kw = cx.is_null(kwargs);
    cx.b.ins().brif(no_kw, positional, &[], keywords, &[]);
    cx.b.switch_to_block(positional);
    let items = cx.b.ins().iadd_imm_s(args, pyabi::TUPLE_ITEMS);
    let n = cx.b.ins().load(types::I64, flags(), args, pyabi::VAR_SIZE);
    let null = cx.b.ins().iconst(p, 0);
    let r = cx.func_ref(entry);
    let inst = cx.b.ins().call(r, &[this, items, n, null]);
    let res = cx.b.inst_results(inst)[0];
    cx.b.ins().return_(&[res]);
    // With keywords: a bound method object of the entry called with the
    // tuple and dict (CPython turns them into the vectorcall layout).
    cx.b.switch_to_block(keywords);
    let def = cx.em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    {
        let mut bytes = vec![0u8; pyabi::METHOD_DEF_BYTES];
        bytes[pyabi::METHOD_DEF_FLAGS..pyabi::METHOD_DEF_FLAGS + 4].copy_from_slice(&super::METH_VARARGS_FASTCALL_KEYWORDS.to_le_bytes());
        let mut desc = cranelift_module::DataDescription::new();
        desc.define(bytes.into_boxed_slice());
        let name = cx.em.cstring("__call__")?;
        let gv = cx.em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr(0, gv, 0);
        let fr = cx.em.module.declare_func_in_data(entry, &mut desc);
        desc.write_function_addr(pyabi::METHOD_DEF_METH as u32, fr);
        cx.em.module.define_data(def, &desc).map_err(|e| e.to_string())?;
    }
    let d = cx.data_addr(def);
    let null = cx.b.ins().iconst(p, 0);
    let bound = cx.call_prim(&prim::PY_CFUNCTION_NEW_EX, &[d, this, null])?[0];
    let (go, failed) = (cx.b.create_block(), cx.b.create_block());
    let is_null = cx.is_null(bound);
    cx.b.ins().brif(is_null, failed, &[], go, &[]);
    cx.b.switch_to_block(failed);
    cx.b.ins().return_(&[bound]);
    cx.b.switch_to_block(go);
    let res = cx.call_prim(&prim::PY_OBJECT_CALL, &[bound, args, kwargs])?[0];
    cx.decref(bound)?;
    cx.b.ins().return_(&[res]);
    Ok(())
}

/// `PyTypeObject.tp_init`, `tp_vectorcall` (3.9–3.13).
const TP_INIT: i32 = 296;
pub(super) const TP_VECTORCALL: i32 = 400;

/// The type's `tp_vectorcall` (set after the type is made, as Cython
/// does): `Class(a, b)` runs `tp_new` and the `__init__` entry on the
/// caller's argument array, without the tuple `type.__call__` builds. A
/// type whose `tp_new` or `tp_init` is not this class's (a subclass
/// overriding them) goes through `type.__call__`.
pub(super) fn emit_type_vectorcall(em: &mut Emitter, c: &ExtClass, new: ClifFuncId, init: ClifFuncId, init_entry: ClifFuncId) -> R<ClifFuncId> {
    let name = &c.name;
    emit_fn(em, &format!("pyc_aot_vectorcall_{name}"), 12, &format!("tp_vectorcall of {name}"), 4, Some(em.ptr), |cx, a| {
        let p = cx.em.ptr;
        let (tp, args, nargsf, kwnames) = (a[0], a[1], a[2], a[3]);
        let nargs = cx.b.ins().band_imm_s(nargsf, i64::MAX);
        let (check_new, fast, slow) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.set_cold_block(slow);
        let their_init = cx.b.ins().load(p, flags(), tp, TP_INIT);
        let r = cx.func_ref(init);
        let our_init = cx.b.ins().func_addr(p, r);
        let same = cx.b.ins().icmp(IntCC::Equal, their_init, our_init);
        cx.b.ins().brif(same, check_new, &[], slow, &[]);
        cx.b.switch_to_block(check_new);
        let their_new = cx.b.ins().load(p, flags(), tp, pyabi::TP_NEW);
        let r = cx.func_ref(new);
        let our_new = cx.b.ins().func_addr(p, r);
        let same = cx.b.ins().icmp(IntCC::Equal, their_new, our_new);
        cx.b.ins().brif(same, fast, &[], slow, &[]);

        cx.b.switch_to_block(slow);
        let tstate = cx.call_prim(&prim::PY_THREAD_STATE_GET, &[])?[0];
        let res = cx.call_prim(&prim::PY_OBJECT_MAKE_TP_CALL, &[tstate, tp, args, nargs, kwnames])?[0];
        cx.b.ins().return_(&[res]);

        cx.b.switch_to_block(fast);
        let null = cx.b.ins().iconst(p, 0);
        let r = cx.func_ref(new);
        let inst = cx.b.ins().call(r, &[tp, null, null]);
        let obj = cx.b.inst_results(inst)[0];
        let (made, failed) = (cx.b.create_block(), cx.b.create_block());
        let is_null = cx.is_null(obj);
        cx.b.ins().brif(is_null, failed, &[], made, &[]);
        cx.b.switch_to_block(failed);
        cx.b.ins().return_(&[obj]);
        cx.b.switch_to_block(made);
        let r = cx.func_ref(init_entry);
        let inst = cx.b.ins().call(r, &[obj, args, nargs, kwnames]);
        let res = cx.b.inst_results(inst)[0];
        release_or_abandon(cx, res, obj)?;
        cx.b.ins().return_(&[obj]);
        Ok(())
    })
}

/// `Py_bf_getbuffer`, `Py_bf_releasebuffer` slot ids (settable through a
/// spec on 3.9–3.13 outside the limited API, which pyc-aot does not use).
const PY_BF_GETBUFFER: i32 = 1;
const PY_BF_RELEASEBUFFER: i32 = 2;

/// The native function's call with the exporter, the view (and flags) and
/// a stack limit `SOFT_BUDGET` below this frame, as a wrapper passes; its
/// error flag.
fn call_native(cx: &mut FnCx, native: ClifFuncId, args: &[ir::Value]) -> R<ir::Value> {
    let p = cx.em.ptr;
    let mut args = args.to_vec();
    let sp = cx.b.ins().get_stack_pointer(p);
    args.push(cx.b.ins().iadd_imm_s(sp, -crate::backend::codegen::stack::SOFT_BUDGET));
    let r = cx.func_ref(native);
    let inst = cx.b.ins().call(r, &args);
    // A method returning nothing returns its error flag alone.
    match cx.b.inst_results(inst) {
        [err] | [_, err] => Ok(*err),
        _ => Err("a buffer method's native function does not return a value and an error flag".into()),
    }
}

/// The type's buffer slots (Cython's `tp_as_buffer`): `bf_getbuffer` sets
/// `view->obj` to None (a reference) before `__getbuffer__` runs, as Cython
/// does, so `buffer.obj = self` releases a valid object; on an error the
/// reference `view->obj` holds is released and NULL left there, -1
/// returned; on success an `obj` still None becomes NULL (Cython's rule: a
/// method that sets no owner exports no owner). `bf_releasebuffer` calls
/// `__releasebuffer__`; the slot returns nothing, so an error is written
/// as unraisable (as Cython's `__releasebuffer__` does).
pub(super) fn buffer_slots(em: &mut Emitter, module: &str, c: &ExtClass) -> R<Vec<(i32, ClifFuncId)>> {
    let mut out = vec![];
    let name = &c.name;
    if let Some(get) = c.getbuffer {
        let native = em.native_id(get);
        let params = [em.ptr, em.ptr, types::I32];
        let f = super::emit_fn(em, &format!("pyc_aot_slot_{name}_getbuffer"), 11, &format!("bf_getbuffer of {name}"), &params, Some(types::I32), |cx, a| {
            let p = cx.em.ptr;
            let (this, view, fl) = (a[0], a[1], a[2]);
            let (obsolete, go) = (cx.b.create_block(), cx.b.create_block());
            cx.b.set_cold_block(obsolete);
            let null = cx.is_null(view);
            cx.b.ins().brif(null, obsolete, &[], go, &[]);
            cx.b.switch_to_block(obsolete);
            raise(cx, "PyExc_BufferError", "PyObject_GetBuffer: view==NULL argument is obsolete", types::I32)?;
            cx.b.switch_to_block(go);
            let none = cx.py_data("_Py_NoneStruct")?;
            crate::backend::codegen::incref(cx, none)?;
            cx.b.ins().store(flags(), none, view, pyabi::BUFFER_OBJ);
            let err = call_native(cx, native, &[this, view, fl])?;
            let (failed, done) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(err, failed, &[], done, &[]);
            cx.b.switch_to_block(failed);
            cx.b.set_cold_block(failed);
            let obj = cx.b.ins().load(p, flags(), view, pyabi::BUFFER_OBJ);
            let zero = cx.b.ins().iconst(p, 0);
            cx.b.ins().store(flags(), zero, view, pyabi::BUFFER_OBJ);
            crate::backend::codegen::xdecref(cx, obj)?;
            let minus = cx.b.ins().iconst(types::I32, -1);
            cx.b.ins().return_(&[minus]);
            cx.b.switch_to_block(done);
            let obj = cx.b.ins().load(p, flags(), view, pyabi::BUFFER_OBJ);
            let (unowned, ok) = (cx.b.create_block(), cx.b.create_block());
            let is_none = cx.b.ins().icmp(IntCC::Equal, obj, none);
            cx.b.ins().brif(is_none, unowned, &[], ok, &[]);
            cx.b.switch_to_block(unowned);
            let zero = cx.b.ins().iconst(p, 0);
            cx.b.ins().store(flags(), zero, view, pyabi::BUFFER_OBJ);
            cx.decref(none)?;
            cx.b.ins().jump(ok, &[]);
            cx.b.switch_to_block(ok);
            let zero = cx.b.ins().iconst(types::I32, 0);
            cx.b.ins().return_(&[zero]);
            Ok(())
        })?;
        out.push((PY_BF_GETBUFFER, f));
    }
    if let Some(release) = c.releasebuffer {
        let native = em.native_id(release);
        let qualified = format!("{module}.{name}.__releasebuffer__");
        let params = [em.ptr, em.ptr];
        let f = super::emit_fn(em, &format!("pyc_aot_slot_{name}_releasebuffer"), 11, &format!("bf_releasebuffer of {name}"), &params, None, |cx, a| {
            let p = cx.em.ptr;
            let err = call_native(cx, native, &[a[0], a[1]])?;
            let (failed, done) = (cx.b.create_block(), cx.b.create_block());
            cx.b.set_cold_block(failed);
            cx.b.ins().brif(err, failed, &[], done, &[]);
            cx.b.switch_to_block(failed);
            let text = cx.cstr(&qualified)?;
            let where_ = cx.call_c("PyUnicode_FromString", &[p], &[p], &[text])?[0];
            cx.call_c("PyErr_WriteUnraisable", &[p], &[], &[where_])?;
            cx.call_c("Py_DecRef", &[p], &[], &[where_])?;
            cx.b.ins().jump(done, &[]);
            cx.b.switch_to_block(done);
            cx.b.ins().return_(&[]);
            Ok(())
        })?;
        out.push((PY_BF_RELEASEBUFFER, f));
    }
    Ok(out)
}
