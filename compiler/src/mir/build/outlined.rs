//! Helper functions of the module that native code calls on its rare slow
//! paths through Python objects, built as MIR so that every object they make
//! is released on every path (they return `(f64, error flag)`).

use super::Builder;
use crate::mir::primitives::{PY_FLOAT_AS_DOUBLE, PY_FLOAT_FROM_DOUBLE, PY_LONG_FROM_LONG_LONG, PY_LONG_FROM_UNSIGNED_LONG_LONG, PY_NUMBER_TRUE_DIVIDE};
use crate::mir::{Body, LocalTy, OpKind, Returns, Terminator};
use crate::types::{IntTy, Ty};

/// `round(x, n)` by the interpreter's own `round` (correctly rounded), the
/// module helper in slot `round`.
pub fn round_digits(round: usize) -> Body {
    let mut b = Builder::new("round_digits", Returns::ScalarAndFlag(Ty::Float(64)));
    let x = b.param(LocalTy::Scalar(Ty::Float(64)), "x");
    let n = b.param(LocalTy::Scalar(Ty::py_int()), "n");
    let ox = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_FLOAT_FROM_DOUBLE, args: vec![x] });
    let on = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_LONG_FROM_LONG_LONG, args: vec![n] });
    let r = b.value(LocalTy::Object, OpKind::CallHelper { slot: round, args: vec![ox, on] });
    let d = b.value(LocalTy::Scalar(Ty::Float(64)), OpKind::CallC { prim: &PY_FLOAT_AS_DOUBLE, args: vec![r] });
    b.terminate(Terminator::Return(d));
    b.finish()
}

/// `a / b` of two 64-bit integers by CPython's correctly rounded long
/// division (for operands beyond 2**53).
pub fn true_divide(signed: bool) -> Body {
    let name = if signed { "true_divide_i64" } else { "true_divide_u64" };
    let mut b = Builder::new(name, Returns::ScalarAndFlag(Ty::Float(64)));
    let cname = if signed { "long long" } else { "unsigned long long" };
    let t = Ty::Int(IntTy { bits: 64, signed, checked: false, cname });
    let prim = if signed { &PY_LONG_FROM_LONG_LONG } else { &PY_LONG_FROM_UNSIGNED_LONG_LONG };
    let x = b.param(LocalTy::Scalar(t), "a");
    let y = b.param(LocalTy::Scalar(t), "b");
    let ox = b.value(LocalTy::Object, OpKind::CallC { prim, args: vec![x] });
    let oy = b.value(LocalTy::Object, OpKind::CallC { prim, args: vec![y] });
    let r = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_NUMBER_TRUE_DIVIDE, args: vec![ox, oy] });
    let d = b.value(LocalTy::Scalar(Ty::Float(64)), OpKind::CallC { prim: &PY_FLOAT_AS_DOUBLE, args: vec![r] });
    b.terminate(Terminator::Return(d));
    b.finish()
}
