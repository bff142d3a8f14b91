//! `math` functions CPython implements itself rather than in libm: `ulp`,
//! `ldexp`, `isclose`, and the integer ones (`gcd`, `lcm`, `isqrt`,
//! `factorial`, `comb`, `perm`) on 64-bit Python ints, with CPython's errors.
//! An exact result beyond 64 bits raises OverflowError, as for every `int`.

use super::arith::OVERFLOW_PY_INT;
use super::op::OpCx;
use super::R;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, Value};

impl OpCx<'_, '_, '_> {
    /// CPython's `math.ulp`: the gap to the next double away from zero (for
    /// the largest finite double, the gap below it).
    pub(crate) fn ulp(&mut self, x: Value) -> R<Value> {
        let ax = self.cx.b.ins().fabs(x);
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let ninf = self.cx.b.ins().f64const(f64::NEG_INFINITY);
        let up = self.libm2("nextafter", ax, inf)?;
        let down = self.libm2("nextafter", ax, ninf)?;
        let above = self.cx.b.ins().fsub(up, ax);
        let below = self.cx.b.ins().fsub(ax, down);
        let up_inf = self.cx.b.ins().fcmp(FloatCC::Equal, up, inf);
        let r = self.cx.b.ins().select(up_inf, below, above);
        let x_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ax, inf);
        let r = self.cx.b.ins().select(x_inf, ax, r);
        let x_nan = self.cx.b.ins().fcmp(FloatCC::Unordered, x, x);
        Ok(self.cx.b.ins().select(x_nan, x, r))
    }

    /// `math.ldexp(x, i)`: exponents beyond C `int` behave like its limits
    /// (overflow to infinity, underflow to a signed zero); an infinity from a
    /// finite non-zero `x` is OverflowError('math range error').
    pub(crate) fn ldexp(&mut self, x: Value, i: Value) -> R<Value> {
        let lo = self.cx.b.ins().iconst(types::I64, i32::MIN as i64);
        let hi = self.cx.b.ins().iconst(types::I64, i32::MAX as i64);
        let clamped = self.cx.b.ins().smax(i, lo);
        let clamped = self.cx.b.ins().smin(clamped, hi);
        let e = self.cx.b.ins().ireduce(types::I32, clamped);
        let r = self.call_c("ldexp", &[types::F64, types::I32], &[types::F64], &[x, e])?[0];
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let ax = self.cx.b.ins().fabs(x);
        let finite = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
        let ar = self.cx.b.ins().fabs(r);
        let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
        let overflow = self.cx.b.ins().band(finite, r_inf);
        self.raise_if(overflow, "PyExc_OverflowError", Some("math range error"))?;
        Ok(r)
    }

    /// `math.isclose(a, b, rel_tol, abs_tol)`, CPython's algorithm.
    pub(crate) fn isclose(&mut self, v: &[Value]) -> R<Value> {
        let (a, b, rel, abs) = (v[0], v[1], v[2], v[3]);
        let zero = self.cx.b.ins().f64const(0.0);
        let neg_rel = self.cx.b.ins().fcmp(FloatCC::LessThan, rel, zero);
        let neg_abs = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, zero);
        let neg = self.cx.b.ins().bor(neg_rel, neg_abs);
        self.raise_if(neg, "PyExc_ValueError", Some("tolerances must be non-negative"))?;
        let same = self.cx.b.ins().fcmp(FloatCC::Equal, a, b);
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let (aa, ab) = (self.cx.b.ins().fabs(a), self.cx.b.ins().fabs(b));
        let a_inf = self.cx.b.ins().fcmp(FloatCC::Equal, aa, inf);
        let b_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ab, inf);
        let any_inf = self.cx.b.ins().bor(a_inf, b_inf);
        let d = self.cx.b.ins().fsub(b, a);
        let diff = self.cx.b.ins().fabs(d);
        let rb = self.cx.b.ins().fmul(rel, b);
        let rb = self.cx.b.ins().fabs(rb);
        let ra = self.cx.b.ins().fmul(rel, a);
        let ra = self.cx.b.ins().fabs(ra);
        let c1 = self.cx.b.ins().fcmp(FloatCC::LessThanOrEqual, diff, rb);
        let c2 = self.cx.b.ins().fcmp(FloatCC::LessThanOrEqual, diff, ra);
        let c3 = self.cx.b.ins().fcmp(FloatCC::LessThanOrEqual, diff, abs);
        let close = self.cx.b.ins().bor(c1, c2);
        let close = self.cx.b.ins().bor(close, c3);
        let finite = self.cx.b.ins().bxor_imm_s(any_inf, 1);
        let close = self.cx.b.ins().band(close, finite);
        Ok(self.cx.b.ins().bor(same, close))
    }

    /// |x| as an unsigned 64-bit value (|i64::MIN| = 2**63 fits).
    pub(crate) fn uabs(&mut self, x: Value) -> Value {
        let neg = self.cx.b.ins().ineg(x);
        let is_neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
        self.cx.b.ins().select(is_neg, neg, x)
    }

    /// Euclid's algorithm on unsigned values.
    pub(crate) fn gcd_u64(&mut self, a: Value, b: Value) -> Value {
        let (head, body, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [head, body] {
            self.cx.b.append_block_param(blk, types::I64);
            self.cx.b.append_block_param(blk, types::I64);
        }
        self.cx.b.append_block_param(done, types::I64);
        self.cx.b.ins().jump(head, &[BlockArg::Value(a), BlockArg::Value(b)]);
        self.cx.b.switch_to_block(head);
        let (x, y) = (self.cx.b.block_params(head)[0], self.cx.b.block_params(head)[1]);
        let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        self.cx.b.ins().brif(zero, done, &[BlockArg::Value(x)], body, &[BlockArg::Value(x), BlockArg::Value(y)]);
        self.enter(body);
        let (x, y) = (self.cx.b.block_params(body)[0], self.cx.b.block_params(body)[1]);
        let r = self.cx.b.ins().urem(x, y);
        self.cx.b.ins().jump(head, &[BlockArg::Value(y), BlockArg::Value(r)]);
        self.cx.b.seal_block(head);
        self.enter(done);
        self.cx.b.block_params(done)[0]
    }

    /// An unsigned result as a Python int: above 2**63 - 1 is OverflowError.
    pub(crate) fn fit_py_int(&mut self, u: Value) -> R<Value> {
        let big = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, u, 0);
        self.raise_if(big, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
        Ok(u)
    }

    /// `math.gcd(*args)`: folded on absolute values (at most 2**63, so the
    /// only result that does not fit is gcd(-2**63, 0 or -2**63)).
    pub(crate) fn gcd(&mut self, args: &[Value]) -> R<Value> {
        let mut g = self.uabs(args[0]);
        for &x in &args[1..] {
            let ux = self.uabs(x);
            g = self.gcd_u64(g, ux);
        }
        self.fit_py_int(g)
    }

    /// `math.lcm(*args)`: 0 if any argument is 0 (checked first, so a large
    /// intermediate cannot raise where the result is 0); otherwise folded on
    /// absolute values, never decreasing, so an overflow is the result's.
    pub(crate) fn lcm(&mut self, args: &[Value]) -> R<Value> {
        let mut any_zero = self.cx.b.ins().iconst(types::I8, 0);
        for &x in args {
            let z = self.cx.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            any_zero = self.cx.b.ins().bor(any_zero, z);
        }
        let (some, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(done, types::I64);
        let z = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.ins().brif(any_zero, done, &[BlockArg::Value(z)], some, &[]);
        self.enter(some);
        let mut l = self.uabs(args[0]);
        for &x in &args[1..] {
            let ux = self.uabs(x);
            let g = self.gcd_u64(l, ux);
            let q = self.cx.b.ins().udiv(l, g);
            let (r, of) = self.cx.b.ins().umul_overflow(q, ux);
            self.raise_if(of, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
            l = r;
        }
        let l = self.fit_py_int(l)?;
        self.cx.b.ins().jump(done, &[BlockArg::Value(l)]);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// Floor of the square root: the double estimate, corrected by one.
    pub(crate) fn isqrt(&mut self, n: Value) -> R<Value> {
        let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
        self.raise_if(neg, "PyExc_ValueError", Some("isqrt() argument must be nonnegative"))?;
        let f = self.cx.b.ins().fcvt_from_sint(types::F64, n);
        let s = self.cx.b.ins().sqrt(f);
        let r = self.cx.b.ins().fcvt_to_uint_sat(types::I64, s);
        // r < 2**32 here, so (r + 1)**2 fits in 64 unsigned bits.
        let sq = self.cx.b.ins().imul(r, r);
        let over = self.cx.b.ins().icmp(IntCC::UnsignedGreaterThan, sq, n);
        let r_dec = self.cx.b.ins().iadd_imm_s(r, -1);
        let r = self.cx.b.ins().select(over, r_dec, r);
        let r1 = self.cx.b.ins().iadd_imm_s(r, 1);
        let sq1 = self.cx.b.ins().imul(r1, r1);
        let under = self.cx.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, sq1, n);
        Ok(self.cx.b.ins().select(under, r1, r))
    }

    /// `r * x` for Python ints, OverflowError beyond 64 bits.
    fn checked_mul(&mut self, r: Value, x: Value) -> R<Value> {
        let (p, of) = self.cx.b.ins().smul_overflow(r, x);
        self.raise_if(of, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
        Ok(p)
    }

    /// `acc = init; for i in from ..= to: acc = step(acc, i)` (nothing when
    /// `from > to`), stopping at `to` itself: `to + 1` may not exist.
    fn fold_inclusive(&mut self, from: Value, to: Value, init: Value, mut step: impl FnMut(&mut Self, Value, Value) -> R<Value>) -> R<Value> {
        let (head, body, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [head, body] {
            self.cx.b.append_block_param(blk, types::I64);
            self.cx.b.append_block_param(blk, types::I64);
        }
        self.cx.b.append_block_param(done, types::I64);
        let empty = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, from, to);
        self.cx.b.ins().brif(empty, done, &[BlockArg::Value(init)], head, &[BlockArg::Value(from), BlockArg::Value(init)]);
        self.cx.b.switch_to_block(head);
        let (i, acc) = (self.cx.b.block_params(head)[0], self.cx.b.block_params(head)[1]);
        self.cx.b.ins().jump(body, &[BlockArg::Value(i), BlockArg::Value(acc)]);
        self.enter(body);
        let (i, acc) = (self.cx.b.block_params(body)[0], self.cx.b.block_params(body)[1]);
        let acc = step(self, acc, i)?;
        let last = self.cx.b.ins().icmp(IntCC::Equal, i, to);
        let next = self.cx.b.ins().iadd_imm_s(i, 1);
        self.cx.b.ins().brif(last, done, &[BlockArg::Value(acc)], head, &[BlockArg::Value(next), BlockArg::Value(acc)]);
        self.cx.b.seal_block(head);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// The product of `from ..= to` (1 when empty), checked.
    fn product(&mut self, from: Value, to: Value) -> R<Value> {
        let one = self.cx.b.ins().iconst(types::I64, 1);
        self.fold_inclusive(from, to, one, |lw, r, i| lw.checked_mul(r, i))
    }

    pub(crate) fn factorial(&mut self, n: Value) -> R<Value> {
        let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
        self.raise_if(neg, "PyExc_ValueError", Some("factorial() not defined for negative values"))?;
        let two = self.cx.b.ins().iconst(types::I64, 2);
        self.product(two, n)
    }

    /// `perm`/`comb`'s checks (n first, then k), 0 when k > n, else `count`.
    fn choose(&mut self, n: Value, k: Value, count: impl FnOnce(&mut Self, Value, Value) -> R<Value>) -> R<Value> {
        let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
        self.raise_if(neg, "PyExc_ValueError", Some("n must be a non-negative integer"))?;
        let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, k, 0);
        self.raise_if(neg, "PyExc_ValueError", Some("k must be a non-negative integer"))?;
        let (some, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(done, types::I64);
        let too_many = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, k, n);
        let z = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.ins().brif(too_many, done, &[BlockArg::Value(z)], some, &[]);
        self.enter(some);
        let r = count(self, n, k)?;
        self.cx.b.ins().jump(done, &[BlockArg::Value(r)]);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// n! / (n - k)!.
    pub(crate) fn perm(&mut self, n: Value, k: Value) -> R<Value> {
        self.choose(n, k, |lw, n, k| {
            let nk = lw.cx.b.ins().isub(n, k);
            let from = lw.cx.b.ins().iadd_imm_s(nk, 1);
            lw.product(from, n)
        })
    }

    /// C(n, k) by C(n, i) = C(n, i-1) * (n-k+i) / i, dividing first by
    /// g = gcd(C, i) so the multiplication is of the exact result's factors
    /// (its overflow check is exact).
    pub(crate) fn comb(&mut self, n: Value, k: Value) -> R<Value> {
        self.choose(n, k, |lw, n, k| {
            let nk = lw.cx.b.ins().isub(n, k);
            let k = lw.cx.b.ins().smin(k, nk);
            let nk = lw.cx.b.ins().isub(n, k);
            let one = lw.cx.b.ins().iconst(types::I64, 1);
            lw.fold_inclusive(one, k, one, |lw, c, i| {
                let g = lw.gcd_u64(c, i);
                let cg = lw.cx.b.ins().udiv(c, g);
                let ig = lw.cx.b.ins().udiv(i, g);
                let f = lw.cx.b.ins().iadd(nk, i);
                let fq = lw.cx.b.ins().udiv(f, ig);
                lw.checked_mul(cg, fq)
            })
        })
    }
}
