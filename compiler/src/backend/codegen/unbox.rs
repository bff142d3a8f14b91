//! The inline conversions between Python objects and C scalars: unboxing
//! with CPython's fast paths (exact float, small int by the interpreter's
//! layout, the bool singletons) and its errors, and adding references
//! inline by the interpreter's rules.

use super::super::{clif_type, pyabi, FnCx, R};
use super::flags;
use crate::mir::primitives::{
    PY_BYTEARRAY_AS_STRING, PY_BYTES_AS_STRING, PY_ERR_OCCURRED, PY_ERR_SET_STRING, PY_FLOAT_AS_DOUBLE, PY_INCREF, PY_LONG_AS_LONG_LONG, PY_LONG_AS_UNSIGNED_LONG_LONG, PY_NUMBER_INDEX,
    PY_OBJECT_IS_TRUE, PY_TYPE_IS_SUBTYPE,
};
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, Block, BlockArg, InstBuilder, Value};

/// `obj` as the C scalar `ty`; on failure (exception set) control goes to `err`.
pub(super) fn unbox(cx: &mut FnCx, obj: Value, ty: Ty, err: Block) -> R<Value> {
    let p = cx.em.ptr;
    match ty {
        Ty::Float(bits) => {
            let join = cx.b.create_block();
            cx.b.append_block_param(join, types::F64);
            let slow = cx.b.create_block();
            let ob_type = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
            let float_type = cx.py_data("PyFloat_Type")?;
            let exact = cx.b.ins().icmp(IntCC::Equal, ob_type, float_type);
            let fast = cx.b.create_block();
            cx.b.ins().brif(exact, fast, &[], slow, &[]);
            cx.b.switch_to_block(fast);
            let v = cx.b.ins().load(types::F64, flags(), obj, pyabi::FLOAT_VALUE);
            cx.b.ins().jump(join, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(slow);
            let r = cx.call_prim(&PY_FLOAT_AS_DOUBLE, &[obj])?[0];
            let minus_one = cx.b.ins().f64const(-1.0);
            let maybe = cx.b.ins().fcmp(FloatCC::Equal, r, minus_one);
            join_unless_error(cx, r, maybe, join, err)?;
            cx.b.switch_to_block(join);
            let v = cx.b.block_params(join)[0];
            Ok(if bits == 32 { cx.b.ins().fdemote(types::F32, v) } else { v })
        }
        Ty::Complex => {
            // An exact complex read in place (`cval` after the 16-byte
            // header), else `PyComplex_AsCComplex` (`__complex__`,
            // `__float__`, `__index__`, its TypeError), as Cython converts.
            let join = cx.b.create_block();
            cx.b.append_block_param(join, types::F64X2);
            let (fast, slow) = (cx.b.create_block(), cx.b.create_block());
            let ob_type = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
            let complex_type = cx.py_data("PyComplex_Type")?;
            let exact = cx.b.ins().icmp(IntCC::Equal, ob_type, complex_type);
            cx.b.ins().brif(exact, fast, &[], slow, &[]);
            cx.b.switch_to_block(fast);
            let re = cx.b.ins().load(types::F64, flags(), obj, 16);
            let im = cx.b.ins().load(types::F64, flags(), obj, 24);
            let v = complex_pack(cx, re, im);
            cx.b.ins().jump(join, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(slow);
            // `Py_complex` (two doubles) comes back in two float registers,
            // as Cranelift returns two F64 results.
            let r = cx.call_c("PyComplex_AsCComplex", &[p], &[types::F64, types::F64], &[obj])?;
            let v = complex_pack(cx, r[0], r[1]);
            let minus_one = cx.b.ins().f64const(-1.0);
            let maybe = cx.b.ins().fcmp(FloatCC::Equal, r[0], minus_one);
            join_unless_error(cx, v, maybe, join, err)?;
            cx.b.switch_to_block(join);
            Ok(cx.b.block_params(join)[0])
        }
        Ty::Bool => {
            let t = cx.py_data("_Py_TrueStruct")?;
            let f = cx.py_data("_Py_FalseStruct")?;
            let join = cx.b.create_block();
            cx.b.append_block_param(join, types::I8);
            let (not_true, slow) = (cx.b.create_block(), cx.b.create_block());
            let one = cx.b.ins().iconst(types::I8, 1);
            let zero = cx.b.ins().iconst(types::I8, 0);
            let is_t = cx.b.ins().icmp(IntCC::Equal, obj, t);
            cx.b.ins().brif(is_t, join, &[BlockArg::Value(one)], not_true, &[]);
            cx.b.switch_to_block(not_true);
            let is_f = cx.b.ins().icmp(IntCC::Equal, obj, f);
            cx.b.ins().brif(is_f, join, &[BlockArg::Value(zero)], slow, &[]);
            cx.b.switch_to_block(slow);
            let r = cx.call_prim(&PY_OBJECT_IS_TRUE, &[obj])?[0];
            let neg = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
            fail_if(cx, neg, err);
            let v = cx.b.ins().ireduce(types::I8, r);
            cx.b.ins().jump(join, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(join);
            Ok(cx.b.block_params(join)[0])
        }
        Ty::Int(t) => {
            let join = cx.b.create_block();
            cx.b.append_block_param(join, types::I64);
            let slow = cx.b.create_block();
            if let Some(layout) = cx.em.py.small_int() {
                let ob_type = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
                let long_type = cx.py_data("PyLong_Type")?;
                let exact = cx.b.ins().icmp(IntCC::Equal, ob_type, long_type);
                let (check_size, fast) = (cx.b.create_block(), cx.b.create_block());
                cx.b.ins().brif(exact, check_size, &[], slow, &[]);
                cx.b.switch_to_block(check_size);
                // An unsigned target takes only non-negative values inline, so a
                // negative one gets PyLong_AsUnsigned*'s own error.
                let (multiplier, small, digits) = match layout {
                    pyabi::SmallInt::SignedSize { size, digits } => {
                        let size = cx.b.ins().load(types::I64, flags(), obj, size);
                        let shifted = cx.b.ins().iadd_imm_s(size, 1);
                        let small = if t.signed {
                            cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, shifted, 2)
                        } else {
                            cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, size, 1)
                        };
                        (size, small, digits)
                    }
                    pyabi::SmallInt::Tagged { tag, digits } => {
                        let tag = cx.b.ins().load(types::I64, flags(), obj, tag);
                        let small = if t.signed {
                            cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, tag, 16)
                        } else {
                            // Compact and sign 0 or 1: tags 0, 1, 8 and 9.
                            let rest = cx.b.ins().band_imm_s(tag, !9);
                            cx.b.ins().icmp_imm_s(IntCC::Equal, rest, 0)
                        };
                        let sign_bits = cx.b.ins().band_imm_s(tag, 3);
                        let one = cx.b.ins().iconst(types::I64, 1);
                        let sign = cx.b.ins().isub(one, sign_bits);
                        (sign, small, digits)
                    }
                };
                cx.b.ins().brif(small, fast, &[], slow, &[]);
                cx.b.switch_to_block(fast);
                let digit = cx.b.ins().load(types::I32, flags(), obj, digits);
                let digit = cx.b.ins().uextend(types::I64, digit);
                let v = cx.b.ins().imul(digit, multiplier);
                cx.b.ins().jump(join, &[BlockArg::Value(v)]);
            } else {
                cx.b.ins().jump(slow, &[]);
            }
            cx.b.switch_to_block(slow);
            let conv = if !t.signed && t.bits == 64 { &PY_LONG_AS_UNSIGNED_LONG_LONG } else { &PY_LONG_AS_LONG_LONG };
            let r = if cx.em.py.as_long_accepts_int_method() {
                // Only integers (`__index__`), as later versions: no float truncated.
                let index = cx.call_prim(&PY_NUMBER_INDEX, &[obj])?[0];
                let bad = cx.is_null(index);
                fail_if(cx, bad, err);
                let r = cx.call_prim(conv, &[index])?[0];
                cx.decref(index)?;
                r
            } else {
                cx.call_prim(conv, &[obj])?[0]
            };
            let maybe = cx.b.ins().icmp_imm_s(IntCC::Equal, r, -1);
            join_unless_error(cx, r, maybe, join, err)?;
            cx.b.switch_to_block(join);
            let v = cx.b.block_params(join)[0];
            if t.bits >= 64 {
                return Ok(v);
            }
            if !t.signed {
                let neg = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                raise_if(cx, neg, "PyExc_OverflowError", &format!("can't convert negative value to {}", t.cname), err)?;
            }
            // In range exactly when extending the low bits gives v back.
            let narrow = cx.b.ins().ireduce(clif_type(ty).unwrap_or(types::I32), v);
            let back = if t.signed { cx.b.ins().sextend(types::I64, narrow) } else { cx.b.ins().uextend(types::I64, narrow) };
            let out = cx.b.ins().icmp(IntCC::NotEqual, back, v);
            raise_if(cx, out, "PyExc_OverflowError", &format!("value too large to convert to {}", t.cname), err)?;
            Ok(narrow)
        }
        Ty::Void | Ty::View(_) | Ty::Object => Err("a None, memoryview or object parameter reached scalar unboxing".into()),
        Ty::Ptr(Some(crate::types::Elem::Int(i))) if i.bits == 8 => {
            // A `char*` borrowing the object's characters, as Cython's
            // `__Pyx_PyObject_AsString`: an exact bytes object's in place,
            // a bytearray's (or a subclass's) by `PyByteArray_AsString`,
            // anything else by `PyBytes_AsString` (bytes subclasses; its
            // TypeError `expected bytes, T found` for other types).
            let join = cx.b.create_block();
            cx.b.append_block_param(join, p);
            let (fast, slow) = (cx.b.create_block(), cx.b.create_block());
            let ob_type = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
            let bytes_type = cx.py_data("PyBytes_Type")?;
            let exact = cx.b.ins().icmp(IntCC::Equal, ob_type, bytes_type);
            cx.b.ins().brif(exact, fast, &[], slow, &[]);
            cx.b.switch_to_block(fast);
            let v = cx.b.ins().iadd_imm_s(obj, pyabi::BYTES_SVAL);
            cx.b.ins().jump(join, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(slow);
            cx.b.set_cold_block(slow);
            let bytearray_type = cx.py_data("PyByteArray_Type")?;
            let is_bytearray = cx.call_prim(&PY_TYPE_IS_SUBTYPE, &[ob_type, bytearray_type])?[0];
            let (array, other) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(is_bytearray, array, &[], other, &[]);
            cx.b.switch_to_block(array);
            cx.b.set_cold_block(array);
            let r = cx.call_prim(&PY_BYTEARRAY_AS_STRING, &[obj])?[0];
            cx.b.ins().jump(join, &[BlockArg::Value(r)]);
            cx.b.switch_to_block(other);
            cx.b.set_cold_block(other);
            let r = cx.call_prim(&PY_BYTES_AS_STRING, &[obj])?[0];
            let null = cx.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
            cx.b.ins().brif(null, err, &[], join, &[BlockArg::Value(r)]);
            cx.b.switch_to_block(join);
            Ok(cx.b.block_params(join)[0])
        }
        Ty::Ptr(_) | Ty::FnPtr(_) => Err("a C pointer reached scalar unboxing".into()),
    }
}

fn fail_if(cx: &mut FnCx, cond: Value, err: Block) {
    let ok = cx.b.create_block();
    cx.b.ins().brif(cond, err, &[], ok, &[]);
    cx.b.switch_to_block(ok);
}

/// Raises `exc(msg)` and leaves through `err` when `cond` holds.
pub(super) fn raise_if(cx: &mut FnCx, cond: Value, exc: &str, msg: &str, err: Block) -> R<()> {
    let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(bad);
    cx.b.ins().brif(cond, bad, &[], ok, &[]);
    cx.b.switch_to_block(bad);
    let p = cx.em.ptr;
    let e = cx.py_data(exc)?;
    let e = cx.b.ins().load(p, flags(), e, 0);
    let m = cx.cstr(msg)?;
    cx.call_prim(&PY_ERR_SET_STRING, &[e, m])?;
    cx.b.ins().jump(err, &[]);
    cx.b.switch_to_block(ok);
    Ok(())
}

/// After a C-API conversion returned `r`: on its error value, leave through
/// `err` if an exception is set, else continue to `join` with the error value
/// re-made as a constant (so `r` is not kept alive across the PyErr_Occurred
/// call, and the fast path saves no registers).
fn join_unless_error(cx: &mut FnCx, r: Value, is_error_value: Value, join: Block, err: Block) -> R<()> {
    let check = cx.b.create_block();
    cx.b.set_cold_block(check);
    cx.b.ins().brif(is_error_value, check, &[], join, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(check);
    let occurred = cx.call_prim(&PY_ERR_OCCURRED, &[])?[0];
    let set = cx.b.ins().icmp_imm_s(IntCC::NotEqual, occurred, 0);
    let again = cx.b.create_block();
    cx.b.ins().brif(set, err, &[], again, &[]);
    cx.b.switch_to_block(again);
    let v = cx.b.func.dfg.value_type(r);
    let konst = match v {
        types::F64 => cx.b.ins().f64const(-1.0),
        // A complex's real part is -1.0 here; the value is the one to keep.
        types::F64X2 => r,
        _ => cx.b.ins().iconst(v, -1),
    };
    cx.b.ins().jump(join, &[BlockArg::Value(konst)]);
    Ok(())
}

/// Adds a reference to `obj`, inline where the interpreter's layout is known.
pub(crate) fn incref(cx: &mut FnCx, obj: Value) -> R<()> {
    match cx.em.py.incref() {
        Some(pyabi::Incref::Plain) => {
            let rc = cx.b.ins().load(types::I64, flags(), obj, pyabi::OB_REFCNT);
            let rc = cx.b.ins().iadd_imm_s(rc, 1);
            cx.b.ins().store(flags(), rc, obj, pyabi::OB_REFCNT);
        }
        Some(pyabi::Incref::Immortal32) => {
            let rc = cx.b.ins().load(types::I32, flags(), obj, pyabi::OB_REFCNT);
            let rc = cx.b.ins().iadd_imm_s(rc, 1);
            let (store, done) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(rc, store, &[], done, &[]);
            cx.b.switch_to_block(store);
            cx.b.ins().store(flags(), rc, obj, pyabi::OB_REFCNT);
            cx.b.ins().jump(done, &[]);
            cx.b.switch_to_block(done);
        }
        None => {
            cx.call_prim(&PY_INCREF, &[obj])?;
        }
    }
    Ok(())
}

/// A reference released (`maybe_null`: `Py_XDECREF`): inline where
/// `incref` is (the count decremented, `_Py_Dealloc` at zero; 3.12+ leave
/// immortal objects alone, as `Py_DECREF` does), else `Py_DecRef`.
/// In a cold block (error edges, which release most of a function's
/// values) it is always the call: one instruction instead of three blocks
/// keeps the code, and Cranelift's time on it, small where speed does not
/// matter.
pub(crate) fn decref(cx: &mut FnCx, obj: Value, maybe_null: bool) -> R<()> {
    let cold = cx.b.current_block().is_some_and(|b| cx.b.func.layout.is_cold(b));
    let Some(kind) = cx.em.py.incref().filter(|_| !cold) else {
        cx.call_prim(&crate::mir::primitives::PY_DECREF, &[obj])?;
        return Ok(());
    };
    let (dec, dealloc, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(dealloc);
    if maybe_null {
        cx.b.ins().brif(obj, dec, &[], done, &[]);
    } else {
        cx.b.ins().jump(dec, &[]);
    }
    cx.b.switch_to_block(dec);
    if kind == pyabi::Incref::Immortal32 {
        // `_Py_IsImmortal`: the low 32 bits negative.
        let low = cx.b.ins().load(types::I32, flags(), obj, pyabi::OB_REFCNT);
        let immortal = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, low, 0);
        let live = cx.b.create_block();
        cx.b.ins().brif(immortal, done, &[], live, &[]);
        cx.b.switch_to_block(live);
    }
    let rc = cx.b.ins().load(types::I64, flags(), obj, pyabi::OB_REFCNT);
    let rc = cx.b.ins().iadd_imm_s(rc, -1);
    cx.b.ins().store(flags(), rc, obj, pyabi::OB_REFCNT);
    cx.b.ins().brif(rc, done, &[], dealloc, &[]);
    cx.b.switch_to_block(dealloc);
    cx.call_prim(&crate::mir::primitives::PY_DEALLOC, &[obj])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(())
}

/// A new reference to `None`, `True` or `False`.
pub(crate) fn incref_singleton(cx: &mut FnCx, obj: Value) -> R<()> {
    if cx.em.py.singletons_immortal() {
        return Ok(());
    }
    incref(cx, obj)
}

/// A C double complex (an F64X2: real part in lane 0) from its parts.
pub(crate) fn complex_pack(cx: &mut FnCx, re: Value, im: Value) -> Value {
    // A splat (one `movddup`) whose lane 1 the insert replaces: shorter
    // than `scalar_to_vector`'s zeroed register.
    let v = cx.b.ins().splat(types::F64X2, re);
    cx.b.ins().insertlane(v, im, 1)
}
