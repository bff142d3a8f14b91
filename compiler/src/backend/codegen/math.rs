//! `math`/`libc.math` functions with CPython's error rules, and `round(x, n)`.

use super::super::outlined::Outlined;
use super::op::OpCx;
use super::R;
use crate::hir::{MathCheck, MathOp};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl OpCx<'_, '_, '_> {
    pub(crate) fn math_check(&mut self, check: MathCheck, r: Value, args: &[Value]) -> R<()> {
        if check == MathCheck::None {
            return Ok(());
        }
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let mut any_nan = self.cx.b.ins().iconst(types::I8, 0);
        let mut all_finite = self.cx.b.ins().iconst(types::I8, 1);
        for &a in args {
            let n = self.cx.b.ins().fcmp(FloatCC::Unordered, a, a);
            any_nan = self.cx.b.ins().bor(any_nan, n);
            let abs = self.cx.b.ins().fabs(a);
            let fin = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, inf);
            all_finite = self.cx.b.ins().band(all_finite, fin);
        }
        let r_nan = self.cx.b.ins().fcmp(FloatCC::Unordered, r, r);
        let no_nan_in = self.cx.b.ins().bxor_imm_s(any_nan, 1);
        let domain = self.cx.b.ins().band(r_nan, no_nan_in);
        self.raise_if(domain, "PyExc_ValueError", Some("math domain error"))?;
        let ar = self.cx.b.ins().fabs(r);
        let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
        let range = self.cx.b.ins().band(r_inf, all_finite);
        if check == MathCheck::Overflow {
            self.raise_if(range, "PyExc_OverflowError", Some("math range error"))
        } else {
            self.raise_if(range, "PyExc_ValueError", Some("math domain error"))
        }
    }

    pub(crate) fn math(&mut self, op: MathOp, v: &[Value]) -> R<Value> {
        Ok(match op {
            MathOp::Libm { symbol, arity, check } => {
                let r = if arity == 1 { self.libm1(symbol, v[0])? } else { self.libm2(symbol, v[0], v[1])? };
                self.math_check(check, r, v)?;
                r
            }
            MathOp::Sqrt(check) => {
                if check != MathCheck::None {
                    let z = self.cx.b.ins().f64const(0.0);
                    let neg = self.cx.b.ins().fcmp(FloatCC::LessThan, v[0], z);
                    self.raise_if(neg, "PyExc_ValueError", Some("math domain error"))?;
                }
                self.cx.b.ins().sqrt(v[0])
            }
            MathOp::Fabs => self.cx.b.ins().fabs(v[0]),
            MathOp::Floor => self.cx.b.ins().floor(v[0]),
            MathOp::Ceil => self.cx.b.ins().ceil(v[0]),
            MathOp::Trunc => self.cx.b.ins().trunc(v[0]),
            MathOp::RoundHalfAway => self.libm1("round", v[0])?,
            MathOp::Copysign => self.cx.b.ins().fcopysign(v[0], v[1]),
            MathOp::IsNan => self.cx.b.ins().fcmp(FloatCC::Unordered, v[0], v[0]),
            MathOp::IsInf | MathOp::IsFinite => {
                let abs = self.cx.b.ins().fabs(v[0]);
                let inf = self.cx.b.ins().f64const(f64::INFINITY);
                let cc = if op == MathOp::IsInf { FloatCC::Equal } else { FloatCC::LessThan };
                self.cx.b.ins().fcmp(cc, abs, inf)
            }
            MathOp::Fmin => self.libm2("fmin", v[0], v[1])?,
            MathOp::Fma => self.cx.b.ins().fma(v[0], v[1], v[2]),
            MathOp::Fmax => self.libm2("fmax", v[0], v[1])?,
            MathOp::Fmod(check) => {
                let r = self.libm2("fmod", v[0], v[1])?;
                self.math_check(check, r, v)?;
                r
            }
            MathOp::Pow(check) => {
                let r = self.libm2("pow", v[0], v[1])?;
                if check != MathCheck::None {
                    // math.pow: a NaN or an infinity from finite arguments is an error;
                    // 0 ** negative is a domain error, anything else overflowed.
                    let inf = self.cx.b.ins().f64const(f64::INFINITY);
                    let ax = self.cx.b.ins().fabs(v[0]);
                    let ay = self.cx.b.ins().fabs(v[1]);
                    let fx = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
                    let fy = self.cx.b.ins().fcmp(FloatCC::LessThan, ay, inf);
                    let finite = self.cx.b.ins().band(fx, fy);
                    let r_nan = self.cx.b.ins().fcmp(FloatCC::Unordered, r, r);
                    let dom = self.cx.b.ins().band(r_nan, finite);
                    self.raise_if(dom, "PyExc_ValueError", Some("math domain error"))?;
                    let ar = self.cx.b.ins().fabs(r);
                    let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
                    let bad = self.cx.b.ins().band(r_inf, finite);
                    let z = self.cx.b.ins().f64const(0.0);
                    let x_zero = self.cx.b.ins().fcmp(FloatCC::Equal, v[0], z);
                    // Up to 3.10 any infinity from a zero base was a domain error, 0 ** -inf too.
                    let zero_base_inf = if self.cx.em.py.pow_zero_to_minus_inf_raises() { r_inf } else { bad };
                    let dom0 = self.cx.b.ins().band(zero_base_inf, x_zero);
                    self.raise_if(dom0, "PyExc_ValueError", Some("math domain error"))?;
                    self.raise_if(bad, "PyExc_OverflowError", Some("math range error"))?;
                }
                r
            }
            MathOp::LogBase => {
                let num = self.libm1("log", v[0])?;
                self.math_check(MathCheck::Domain, num, &v[..1])?;
                let den = self.libm1("log", v[1])?;
                self.math_check(MathCheck::Domain, den, &v[1..])?;
                let z = self.cx.b.ins().f64const(0.0);
                let dz = self.cx.b.ins().fcmp(FloatCC::Equal, den, z);
                self.raise_if(dz, "PyExc_ZeroDivisionError", Some("float division by zero"))?;
                self.cx.b.ins().fdiv(num, den)
            }
            MathOp::Degrees => {
                let k = self.cx.b.ins().f64const(180.0 / std::f64::consts::PI);
                self.cx.b.ins().fmul(v[0], k)
            }
            MathOp::Radians => {
                let k = self.cx.b.ins().f64const(std::f64::consts::PI / 180.0);
                self.cx.b.ins().fmul(v[0], k)
            }
            MathOp::Ulp => self.ulp(v[0])?,
            MathOp::Ldexp => self.ldexp(v[0], v[1])?,
            MathOp::IsClose => self.isclose(v)?,
            MathOp::Gcd => self.gcd(v)?,
            MathOp::Lcm => self.lcm(v)?,
            MathOp::Isqrt => self.isqrt(v[0])?,
            MathOp::Factorial => self.factorial(v[0])?,
            MathOp::Comb => self.comb(v[0], v[1])?,
            MathOp::Perm => self.perm(v[0], v[1])?,
        })
    }

    /// `round(x, n)` defers to CPython's correctly rounded implementation.
    pub(crate) fn round_digits(&mut self, x: Value, n: Value) -> R<Value> {
        let (d, failed) = self.call_outlined(Outlined::RoundDigits, x, n)?;
        self.propagate_if(failed);
        Ok(d)
    }
}
