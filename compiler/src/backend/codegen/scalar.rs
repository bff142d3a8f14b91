//! Scalar operations other than arithmetic: constants, conversions between
//! C scalars with Python's errors (`int()` of a float, an unsigned 64-bit
//! value into a Python `int`), truth values, unary operators, `abs`,
//! `min`/`max` steps and `int.bit_count`.

use super::super::clif_type;
use super::arith::{OVERFLOW_C_INT, OVERFLOW_PY_INT};
use super::op::OpCx;
use super::R;
use crate::hir::{Const, UnOp};
use crate::types::{IntTy, Ty};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl OpCx<'_, '_, '_> {
    pub(crate) fn konst(&mut self, c: Const, ty: Ty) -> Value {
        match (c, clif_type(ty).unwrap_or(types::I8)) {
            (Const::Float(f), types::F64) => self.cx.b.ins().f64const(f),
            // A C double complex: only its zero (a local's first value).
            (c, types::F64X2) => {
                let re = self.konst(c, crate::types::F64);
                let im = self.cx.b.ins().f64const(0.0);
                super::unbox::complex_pack(self.cx, re, im)
            }
            (Const::Float(f), types::F32) => self.cx.b.ins().f32const(f as f32),
            (Const::Int(v), types::F64) => self.cx.b.ins().f64const(v as f64),
            (Const::Int(v), types::F32) => self.cx.b.ins().f32const(v as f32),
            (Const::Bool(b), types::F64) => self.cx.b.ins().f64const(b as i64 as f64),
            (Const::Bool(b), types::F32) => self.cx.b.ins().f32const(b as i64 as f32),
            (Const::Int(v), t) => {
                let bits = t.bits();
                let v = if bits >= 64 { v } else { v & ((1i64 << bits) - 1) };
                self.cx.b.ins().iconst(t, v)
            }
            (Const::Bool(b), t) => self.cx.b.ins().iconst(t, b as i64),
            (Const::Float(f), t) => self.cx.b.ins().iconst(t, f as i64),
        }
    }

    pub(crate) fn truthy(&mut self, v: Value, ty: Ty) -> Value {
        match ty {
            Ty::Float(64) => {
                let z = self.cx.b.ins().f64const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Float(_) => {
                let z = self.cx.b.ins().f32const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Int(_) | Ty::Ptr(_) | Ty::FnPtr(_) => self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            _ => v,
        }
    }

    pub(crate) fn convert(&mut self, v: Value, from: Ty, to: Ty) -> R<Value> {
        let from = if from == Ty::Bool && to != Ty::Bool {
            Ty::Int(IntTy { bits: 8, signed: false, checked: false, cname: "bint" })
        } else {
            from
        };
        Ok(match (from, to) {
            (a, b) if a == b => v,
            // An address is 64 bits whatever it points to.
            (Ty::Ptr(_) | Ty::FnPtr(_), Ty::Ptr(_) | Ty::FnPtr(_)) | (Ty::Ptr(_) | Ty::FnPtr(_), Ty::Int(IntTy { bits: 64, .. })) => v,
            (_, Ty::Bool) => self.truthy(v, from),
            (Ty::Int(a), Ty::Int(b)) => {
                if b.checked && !a.signed && a.bits == 64 {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                    self.raise_if(neg, "PyExc_OverflowError", Some("Python int too large to convert to C long"))?;
                }
                let tb = clif_type(to).unwrap_or(types::I64);
                if a.bits < b.bits {
                    if a.signed {
                        self.cx.b.ins().sextend(tb, v)
                    } else {
                        self.cx.b.ins().uextend(tb, v)
                    }
                } else if a.bits > b.bits {
                    self.cx.b.ins().ireduce(tb, v)
                } else {
                    v
                }
            }
            (Ty::Int(a), Ty::Float(_)) => {
                let ft = clif_type(to).unwrap_or(types::F64);
                let (v, signed) = if a.bits < 32 {
                    let w = if a.signed { self.cx.b.ins().sextend(types::I32, v) } else { self.cx.b.ins().uextend(types::I32, v) };
                    (w, true)
                } else {
                    (v, a.signed)
                };
                if signed {
                    self.cx.b.ins().fcvt_from_sint(ft, v)
                } else {
                    self.cx.b.ins().fcvt_from_uint(ft, v)
                }
            }
            (Ty::Float(a), Ty::Float(b)) => {
                if a < b {
                    self.cx.b.ins().fpromote(types::F64, v)
                } else {
                    self.cx.b.ins().fdemote(types::F32, v)
                }
            }
            (Ty::Float(w), Ty::Int(t)) => {
                let v = if w == 32 { self.cx.b.ins().fpromote(types::F64, v) } else { v };
                let tr = self.cx.b.ins().trunc(v);
                self.float_to_int(tr, t)?
            }
            (a, b) => return Err(format!("conversion from {a} to {b} reached the back end")),
        })
    }

    /// Python's `int()` of an integral-valued double, then wrapped into `t`.
    /// One compare-and-branch on the hot path; the cold path tells NaN,
    /// infinities, the one in-range value -2**63 and overflow apart.
    pub(crate) fn float_to_int(&mut self, v: Value, t: IntTy) -> R<Value> {
        let abs = self.cx.b.ins().fabs(v);
        let two63 = self.cx.b.ins().f64const(9.223372036854775808e18);
        let fits = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, two63);
        let (cold, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(cold);
        self.cx.b.ins().brif(fits, cont, &[], cold, &[]);
        self.enter(cold);
        let nan = self.cx.b.ins().fcmp(FloatCC::Unordered, v, v);
        self.raise_if(nan, "PyExc_ValueError", Some("cannot convert float NaN to integer"))?;
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let is_inf = self.cx.b.ins().fcmp(FloatCC::Equal, abs, inf);
        self.raise_if(is_inf, "PyExc_OverflowError", Some("cannot convert float infinity to integer"))?;
        let min = self.cx.b.ins().f64const(-9.223372036854775808e18);
        let not_min = self.cx.b.ins().fcmp(FloatCC::NotEqual, v, min);
        self.raise_if(not_min, "PyExc_OverflowError", Some("float too large to convert to a 64-bit int"))?;
        self.cx.b.ins().jump(cont, &[]);
        self.enter(cont);
        let i = self.cx.b.ins().fcvt_to_sint_sat(types::I64, v);
        Ok(if t.bits < 64 { self.cx.b.ins().ireduce(clif_type(Ty::Int(t)).unwrap_or(types::I64), i) } else { i })
    }

    pub(crate) fn unary(&mut self, op: UnOp, v: Value, ty: Ty) -> R<Value> {
        match (op, ty) {
            (UnOp::Not, _) => Ok(self.cx.b.ins().bxor_imm_s(v, 1)),
            (UnOp::Neg, Ty::Float(_)) => Ok(self.cx.b.ins().fneg(v)),
            (UnOp::Neg, Ty::Int(t)) => {
                if t.checked || self.directives.overflowcheck && t.signed {
                    let min = if t.bits >= 64 { i64::MIN } else { -(1i64 << (t.bits - 1)) };
                    let is_min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, min);
                    let msg = if t.checked { OVERFLOW_PY_INT } else { OVERFLOW_C_INT };
                    self.raise_if(is_min, "PyExc_OverflowError", Some(msg))?;
                }
                Ok(self.cx.b.ins().ineg(v))
            }
            (UnOp::Invert, _) => Ok(self.cx.b.ins().bnot(v)),
            (op, ty) => Err(format!("unary {op:?} on {ty} reached the back end")),
        }
    }

    /// `abs(v)`; a Python `int`'s has no 64-bit result for -2**63.
    pub(crate) fn abs(&mut self, v: Value, ty: Ty) -> R<Value> {
        match ty {
            Ty::Float(_) => Ok(self.cx.b.ins().fabs(v)),
            Ty::Int(t) if !t.signed => Ok(v),
            Ty::Int(t) => {
                if t.checked {
                    let min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, i64::MIN);
                    self.raise_if(min, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
                }
                Ok(self.cx.b.ins().iabs(v))
            }
            _ => Ok(v),
        }
    }

    /// One step of `min`/`max` over `ty`: `v` if it beats `acc` (the first
    /// of equals stays, as in Python).
    pub(crate) fn min_max(&mut self, is_max: bool, ty: Ty, v: Value, acc: Value) -> Value {
        let better = match ty {
            Ty::Float(_) => self.cx.b.ins().fcmp(if is_max { FloatCC::GreaterThan } else { FloatCC::LessThan }, v, acc),
            Ty::Int(t) if t.signed => self.cx.b.ins().icmp(if is_max { IntCC::SignedGreaterThan } else { IntCC::SignedLessThan }, v, acc),
            _ => self.cx.b.ins().icmp(if is_max { IntCC::UnsignedGreaterThan } else { IntCC::UnsignedLessThan }, v, acc),
        };
        self.cx.b.ins().select(better, v, acc)
    }

    /// `int.bit_count()` of a value of type `ty`, as a 64-bit int.
    pub(crate) fn bit_count(&mut self, v: Value, ty: Ty) -> Value {
        let v = match ty {
            Ty::Int(t) if t.signed => self.cx.b.ins().iabs(v),
            _ => v,
        };
        let n = self.cx.b.ins().popcnt(v);
        let bits = self.cx.b.func.dfg.value_type(n).bits();
        if bits < 64 {
            self.cx.b.ins().uextend(types::I64, n)
        } else {
            n
        }
    }
}
