//! Arithmetic and comparisons with Python semantics: checked and C
//! integer operations, floor division and modulo, powers, true division,
//! float operations with CPython's errors, mixed int/float comparisons.

use super::super::outlined::Outlined;
use super::op::OpCx;
use super::R;
use crate::hir::{ArithOp, CmpOp};
use crate::types::{int_join, IntTy, Ty};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, Value};

/// Python's message for `int` arithmetic leaving 64 bits.
pub(crate) const OVERFLOW_PY_INT: &str = "int result does not fit in 64 bits (pyc-aot compiles `int` as a 64-bit integer)";
/// Cython's message for C integer arithmetic overflowing under `overflowcheck`.
pub(crate) const OVERFLOW_C_INT: &str = "value too large to perform arithmetic";

impl OpCx<'_, '_, '_> {
    pub(crate) fn bool_binary(&mut self, op: ArithOp, a: Value, b: Value) -> R<Value> {
        Ok(match op {
            ArithOp::BitAnd => self.cx.b.ins().band(a, b),
            ArithOp::BitOr => self.cx.b.ins().bor(a, b),
            ArithOp::BitXor => self.cx.b.ins().bxor(a, b),
            other => return Err(format!("{other:?} on bint reached the back end")),
        })
    }

    pub(crate) fn int_binary(&mut self, op: ArithOp, a: Value, b: Value, t: IntTy) -> R<Value> {
        self.int_binary_as(op, a, b, t, false)
    }

    /// `int_binary`, where `truncating` says `opt::facts` proved C's
    /// truncating `//`/`%` serves (both operands `>= 0`, or a remainder only
    /// compared with zero): no sign fix-up and no `MIN // -1` test, only
    /// the zero test (unless the divisor is a non-zero constant).
    pub(crate) fn int_binary_as(&mut self, op: ArithOp, a: Value, b: Value, t: IntTy, truncating: bool) -> R<Value> {
        let checked = t.checked || self.directives.overflowcheck;
        let ofmsg = if t.checked { OVERFLOW_PY_INT } else { OVERFLOW_C_INT };
        let s = t.signed;
        Ok(match op {
            ArithOp::Add | ArithOp::Sub if checked && self.int_const(b).is_some() => {
                // With a constant operand the overflow test is one compare of
                // `a` against a bound, which fuses with the branch and does not
                // wait for the sum.
                let bits = self.cx.b.func.dfg.value_type(a).bits();
                let raw = self.int_const(b).unwrap_or(0) as i128;
                let c = if s { raw } else { raw & ((1i128 << bits) - 1) };
                let (lo, hi) = if s {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                // a + c stays in [lo, hi] exactly when a lies in [lo - c, hi - c].
                let c = if op == ArithOp::Add { c } else { -c };
                let r = if op == ArithOp::Add { self.cx.b.ins().iadd(a, b) } else { self.cx.b.ins().isub(a, b) };
                let (below, above) = (lo - c, hi - c);
                let (lt, gt) = if s { (IntCC::SignedLessThan, IntCC::SignedGreaterThan) } else { (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan) };
                let as_imm = |v: i128| if s { v as i64 } else { v as u64 as i64 };
                if below > lo {
                    let of = self.cx.b.ins().icmp_imm_s(lt, a, as_imm(below));
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                }
                if above < hi {
                    let of = self.cx.b.ins().icmp_imm_s(gt, a, as_imm(above));
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                }
                r
            }
            ArithOp::Add | ArithOp::Sub | ArithOp::Mul if checked => {
                let (r, of) = match (op, s) {
                    (ArithOp::Add, true) => self.cx.b.ins().sadd_overflow(a, b),
                    (ArithOp::Add, false) => self.cx.b.ins().uadd_overflow(a, b),
                    (ArithOp::Sub, true) => self.cx.b.ins().ssub_overflow(a, b),
                    (ArithOp::Sub, false) => self.cx.b.ins().usub_overflow(a, b),
                    (_, true) => self.cx.b.ins().smul_overflow(a, b),
                    (_, false) => self.cx.b.ins().umul_overflow(a, b),
                };
                self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                r
            }
            ArithOp::Add => self.cx.b.ins().iadd(a, b),
            ArithOp::Sub => self.cx.b.ins().isub(a, b),
            ArithOp::Mul => self.cx.b.ins().imul(a, b),
            ArithOp::FloorDiv | ArithOp::Mod => {
                let is_div = op == ArithOp::FloorDiv;
                let divisor = self.int_const(b);
                if divisor.is_none_or(|d| d == 0) {
                    let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                    let msg = if is_div { "integer division or modulo by zero" } else { self.cx.em.py.int_mod_zero_message() };
                    self.raise_if(zero, "PyExc_ZeroDivisionError", Some(msg))?;
                }
                if !s {
                    return Ok(if is_div { self.cx.b.ins().udiv(a, b) } else { self.cx.b.ins().urem(a, b) });
                }
                if truncating {
                    // `a >= 0` (so never MIN) or only the remainder's zero-ness is read.
                    return Ok(if is_div { self.cx.b.ins().sdiv(a, b) } else { self.cx.b.ins().srem(a, b) });
                }
                if divisor.is_some_and(|d| d > 0) {
                    // A positive constant divisor is never -1: no MIN // -1 case, and the
                    // remainder needs the divisor added exactly when it is negative.
                    let r = self.cx.b.ins().srem(a, b);
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
                    if is_div {
                        let q = self.cx.b.ins().sdiv(a, b);
                        let qt = self.cx.b.func.dfg.value_type(q);
                        let adj = if qt == types::I8 { neg } else { self.cx.b.ins().uextend(qt, neg) };
                        return Ok(self.cx.b.ins().isub(q, adj));
                    }
                    let rb = self.cx.b.ins().iadd(r, b);
                    return Ok(self.cx.b.ins().select(neg, rb, r));
                }
                // x86 traps on MIN / -1; divide by 1 instead and fix the sign afterwards.
                let neg1 = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let bt = self.cx.b.func.dfg.value_type(b);
                let one = self.cx.b.ins().iconst(bt, 1);
                let safe_b = self.cx.b.ins().select(neg1, one, b);
                if is_div {
                    // Cython (cdivision off) raises here too rather than wrap MIN // -1.
                    let ofmsg = if t.checked { ofmsg } else { "value too large to perform division" };
                    if checked || !self.directives.cdivision {
                        let ct = self.cx.b.func.dfg.value_type(a);
                        let min = if ct.bits() >= 64 { i64::MIN } else { -(1i64 << (ct.bits() - 1)) };
                        let is_min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                        let of = self.cx.b.ins().band(is_min, neg1);
                        self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                    }
                    let q = self.cx.b.ins().sdiv(a, safe_b);
                    let negq = self.cx.b.ins().ineg(a);
                    let q = self.cx.b.ins().select(neg1, negq, q);
                    if self.directives.cdivision {
                        return Ok(q);
                    }
                    let r = self.cx.b.ins().srem(a, safe_b);
                    let adj = self.floor_adjust(r, b);
                    let qt = self.cx.b.func.dfg.value_type(q);
                    let adj = if qt == types::I8 { adj } else { self.cx.b.ins().uextend(qt, adj) };
                    self.cx.b.ins().isub(q, adj)
                } else {
                    let r = self.cx.b.ins().srem(a, safe_b);
                    if self.directives.cdivision {
                        return Ok(r);
                    }
                    let adj = self.floor_adjust(r, b);
                    let rb = self.cx.b.ins().iadd(r, b);
                    self.cx.b.ins().select(adj, rb, r)
                }
            }
            ArithOp::Pow => self.int_pow(a, b, t, checked, ofmsg)?,
            ArithOp::LShift => {
                if t.checked {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
                    self.raise_if(neg, "PyExc_ValueError", Some("negative shift count"))?;
                    let big = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, b, 64);
                    let r = self.cx.b.ins().ishl(a, b);
                    let back = self.cx.b.ins().sshr(r, b);
                    let lost = self.cx.b.ins().icmp(IntCC::NotEqual, back, a);
                    let bad = self.cx.b.ins().bor(big, lost);
                    let nonzero = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, a, 0);
                    let of = self.cx.b.ins().band(bad, nonzero);
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                    let z = self.cx.b.ins().iconst(types::I64, 0);
                    self.cx.b.ins().select(nonzero, r, z)
                } else {
                    self.cx.b.ins().ishl(a, b)
                }
            }
            ArithOp::RShift => {
                if t.checked {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
                    self.raise_if(neg, "PyExc_ValueError", Some("negative shift count"))?;
                    let big = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, b, 64);
                    let sign = self.cx.b.ins().sshr_imm_s(a, 63);
                    let r = self.cx.b.ins().sshr(a, b);
                    self.cx.b.ins().select(big, sign, r)
                } else if s {
                    self.cx.b.ins().sshr(a, b)
                } else {
                    self.cx.b.ins().ushr(a, b)
                }
            }
            ArithOp::BitAnd => self.cx.b.ins().band(a, b),
            ArithOp::BitOr => self.cx.b.ins().bor(a, b),
            ArithOp::BitXor => self.cx.b.ins().bxor(a, b),
            ArithOp::Div => return Err("integer Div reached int_binary".into()),
        })
    }

    /// The value of an integer constant instruction, sign-extended from its width.
    pub(crate) fn int_const(&self, v: Value) -> Option<i64> {
        let dfg = &self.cx.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm { opcode: ir::Opcode::Iconst, imm } => {
                let bits = dfg.value_type(v).bits();
                let raw: i64 = imm.into();
                Some(if bits >= 64 { raw } else { (raw << (64 - bits)) >> (64 - bits) })
            }
            _ => None,
        }
    }

    /// The value of a float constant instruction (f64 or f32).
    pub(crate) fn float_const(&self, v: Value) -> Option<f64> {
        let dfg = &self.cx.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            ir::InstructionData::UnaryIeee64 { opcode: ir::Opcode::F64const, imm } => Some(f64::from_bits(imm.bits())),
            ir::InstructionData::UnaryIeee32 { opcode: ir::Opcode::F32const, imm } => Some(f64::from(f32::from_bits(imm.bits()))),
            _ => None,
        }
    }

    /// Floor division rounds toward minus infinity: adjust when the C
    /// remainder is non-zero and has the other sign from the divisor.
    pub(crate) fn floor_adjust(&mut self, r: Value, b: Value) -> Value {
        let nz = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        let x = self.cx.b.ins().bxor(r, b);
        let diff = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
        self.cx.b.ins().band(nz, diff)
    }

    pub(crate) fn int_pow(&mut self, a: Value, b: Value, t: IntTy, checked: bool, ofmsg: &str) -> R<Value> {
        let ct = self.cx.b.func.dfg.value_type(a);
        if t.signed {
            let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
            self.raise_if(
                neg,
                "PyExc_ValueError",
                Some("negative exponent in int ** int: compiled ints cannot produce a float here (use a float base)"),
            )?;
        }
        let (header, body, square, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [header, square] {
            self.cx.b.append_block_param(blk, ct);
            self.cx.b.append_block_param(blk, ct);
            self.cx.b.append_block_param(blk, ct);
        }
        self.cx.b.append_block_param(done, ct);
        let one = self.cx.b.ins().iconst(ct, 1);
        self.cx.b.ins().jump(header, &[BlockArg::Value(one), BlockArg::Value(a), BlockArg::Value(b)]);
        self.cx.b.switch_to_block(header); // sealed once its back edges exist
        let p = self.cx.b.block_params(header).to_vec();
        let (result, base, e) = (p[0], p[1], p[2]);
        let is_zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, e, 0);
        self.cx.b.ins().brif(is_zero, done, &[BlockArg::Value(result)], body, &[]);
        self.enter(body);
        let odd = self.cx.b.ins().band_imm_s(e, 1);
        let odd = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, odd, 0);
        let m = if checked {
            let (m, of) = if t.signed { self.cx.b.ins().smul_overflow(result, base) } else { self.cx.b.ins().umul_overflow(result, base) };
            let bad = self.cx.b.ins().band(of, odd);
            self.raise_if(bad, "PyExc_OverflowError", Some(ofmsg))?;
            m
        } else {
            self.cx.b.ins().imul(result, base)
        };
        let result2 = self.cx.b.ins().select(odd, m, result);
        let e2 = self.cx.b.ins().ushr_imm_s(e, 1);
        let last = self.cx.b.ins().icmp_imm_s(IntCC::Equal, e2, 0);
        self.cx.b.ins().brif(last, done, &[BlockArg::Value(result2)], square, &[BlockArg::Value(result2), BlockArg::Value(base), BlockArg::Value(e2)]);
        self.enter(square);
        let p = self.cx.b.block_params(square).to_vec();
        let sq = if checked {
            let (sq, of) = if t.signed { self.cx.b.ins().smul_overflow(p[1], p[1]) } else { self.cx.b.ins().umul_overflow(p[1], p[1]) };
            self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
            sq
        } else {
            self.cx.b.ins().imul(p[1], p[1])
        };
        self.cx.b.ins().jump(header, &[BlockArg::Value(p[0]), BlockArg::Value(sq), BlockArg::Value(p[2])]);
        self.cx.b.seal_block(header);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// `int / int`: exact when both fit in 53 bits, otherwise CPython's own
    /// correctly rounded long division.
    pub(crate) fn int_true_div(&mut self, a: Value, b: Value, t: IntTy) -> R<Value> {
        if !self.directives.cdivision {
            let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
            self.raise_if(zero, "PyExc_ZeroDivisionError", Some("division by zero"))?;
        }
        let conv = |lw: &mut Self, v: Value| lw.convert(v, Ty::Int(t), Ty::Float(64));
        let fa = conv(self, a)?;
        let fb = conv(self, b)?;
        if t.bits < 64 {
            return Ok(self.cx.b.ins().fdiv(fa, fb));
        }
        let limit = 1i64 << 53;
        let (wide_a, wide_b) = if t.signed {
            let aa = self.cx.b.ins().iabs(a);
            let ab = self.cx.b.ins().iabs(b);
            (
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, aa, limit),
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, ab, limit),
            )
        } else {
            (
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, a, limit),
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, b, limit),
            )
        };
        let wide = self.cx.b.ins().bor(wide_a, wide_b);
        let (slow, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(done, types::F64);
        self.cx.b.set_cold_block(slow);
        let q = self.cx.b.ins().fdiv(fa, fb);
        self.cx.b.ins().brif(wide, slow, &[], done, &[BlockArg::Value(q)]);
        self.enter(slow);
        let (d, failed) = self.call_outlined(Outlined::TrueDivide { signed: t.signed }, a, b)?;
        self.propagate_if(failed);
        self.cx.b.ins().jump(done, &[BlockArg::Value(d)]);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// `known` is the right operand's value when it is a compile-time constant.
    pub(crate) fn float_binary(&mut self, op: ArithOp, a: Value, b: Value, ty: Ty, known: Option<f64>) -> R<Value> {
        let narrow = ty == Ty::Float(32);
        let (a, b) = if narrow && !matches!(op, ArithOp::Add | ArithOp::Sub | ArithOp::Mul) {
            (self.cx.b.ins().fpromote(types::F64, a), self.cx.b.ins().fpromote(types::F64, b))
        } else {
            (a, b)
        };
        let fixed_narrow = |lw: &mut Self, v: Value| if narrow { lw.cx.b.ins().fdemote(types::F32, v) } else { v };
        let zero_check = |lw: &mut Self, b: Value, msg: &str| -> R<()> {
            // A constant divisor other than zero (or NaN) needs no test,
            // which Cranelift does not fold.
            if lw.float_const(b).is_some_and(|c| c != 0.0) {
                return Ok(());
            }
            let z = lw.cx.b.ins().f64const(0.0);
            let is_zero = lw.cx.b.ins().fcmp(FloatCC::Equal, b, z);
            lw.raise_if(is_zero, "PyExc_ZeroDivisionError", Some(msg))
        };
        // x86 takes only the right operand of an add or multiply from
        // memory: a constant on the left (`9.81 * dt`) is moved there, read
        // from the constant pool instead of built in a register. The same
        // result bit for bit: the operation is commutative, and with a
        // constant that is not NaN only the other operand can be a NaN.
        let (a, b) = match (self.float_const(a), self.float_const(b)) {
            (Some(k), None) if !k.is_nan() && matches!(op, ArithOp::Add | ArithOp::Mul) => (b, a),
            _ => (a, b),
        };
        Ok(match op {
            ArithOp::Add => self.cx.b.ins().fadd(a, b),
            ArithOp::Sub => self.cx.b.ins().fsub(a, b),
            // `2.0 * x` is exactly `x + x` (same rounding, overflow, sign of zero
            // and NaN), and an add has half a multiply's latency on recent x86
            // cores: `2.0 * zr * zi` is on Mandelbrot's loop-carried path. GCC
            // does the same at -O2 without -ffast-math.
            ArithOp::Mul if self.float_const(b) == Some(2.0) => self.cx.b.ins().fadd(a, a),
            ArithOp::Mul if self.float_const(a) == Some(2.0) => self.cx.b.ins().fadd(b, b),
            ArithOp::Mul => self.cx.b.ins().fmul(a, b),
            ArithOp::Div => {
                if !self.directives.cdivision {
                    zero_check(self, b, "float division by zero")?;
                }
                let q = self.cx.b.ins().fdiv(a, b);
                fixed_narrow(self, q)
            }
            ArithOp::FloorDiv | ArithOp::Mod => {
                if self.directives.cdivision {
                    let r = if op == ArithOp::Mod {
                        self.libm2("fmod", a, b)?
                    } else {
                        let q = self.cx.b.ins().fdiv(a, b);
                        self.cx.b.ins().floor(q)
                    };
                    return Ok(fixed_narrow(self, r));
                }
                let msg = if op == ArithOp::Mod { self.cx.em.py.float_mod_zero_message() } else { "float floor division by zero" };
                zero_check(self, b, msg)?;
                let (fd, m) = self.py_float_divmod(a, b)?;
                fixed_narrow(self, if op == ArithOp::Mod { m } else { fd })
            }
            ArithOp::Pow => {
                let r = self.py_float_pow(a, b, known)?;
                fixed_narrow(self, r)
            }
            other => return Err(format!("{other:?} on floats reached the back end")),
        })
    }

    /// CPython's float floor division and modulo (floatobject.c `_float_div_mod`).
    pub(crate) fn py_float_divmod(&mut self, v: Value, w: Value) -> R<(Value, Value)> {
        let m = self.libm2("fmod", v, w)?;
        let diff = self.cx.b.ins().fsub(v, m);
        let div = self.cx.b.ins().fdiv(diff, w);
        let zero = self.cx.b.ins().f64const(0.0);
        let one = self.cx.b.ins().f64const(1.0);
        let half = self.cx.b.ins().f64const(0.5);
        let mnz = self.cx.b.ins().fcmp(FloatCC::NotEqual, m, zero);
        let wneg = self.cx.b.ins().fcmp(FloatCC::LessThan, w, zero);
        let mneg = self.cx.b.ins().fcmp(FloatCC::LessThan, m, zero);
        let sign_diff = self.cx.b.ins().bxor(wneg, mneg);
        let adj = self.cx.b.ins().band(mnz, sign_diff);
        let m_plus = self.cx.b.ins().fadd(m, w);
        let div_minus = self.cx.b.ins().fsub(div, one);
        let m2 = self.cx.b.ins().select(adj, m_plus, m);
        let div2 = self.cx.b.ins().select(adj, div_minus, div);
        let signed_zero = self.cx.b.ins().fcopysign(zero, w);
        let m3 = self.cx.b.ins().select(mnz, m2, signed_zero);
        let dnz = self.cx.b.ins().fcmp(FloatCC::NotEqual, div2, zero);
        let fl = self.cx.b.ins().floor(div2);
        let frac = self.cx.b.ins().fsub(div2, fl);
        let round_up = self.cx.b.ins().fcmp(FloatCC::GreaterThan, frac, half);
        let fl_plus = self.cx.b.ins().fadd(fl, one);
        let fl2 = self.cx.b.ins().select(round_up, fl_plus, fl);
        let q = self.cx.b.ins().fdiv(v, w);
        let zq = self.cx.b.ins().fcopysign(zero, q);
        let fd = self.cx.b.ins().select(dnz, fl2, zq);
        Ok((fd, m3))
    }

    /// `x ** y` for floats with CPython's errors (float_pow in floatobject.c).
    /// A literal exponent (`known`) decides most of CPython's special cases at compile time.
    /// C's `pow` runs first (it has no effect but its result): a positive
    /// base with a finite result raises nothing, so that one test guards the
    /// hot path and CPython's checks run in a cold block only otherwise.
    pub(crate) fn py_float_pow(&mut self, x: Value, y: Value, known: Option<f64>) -> R<Value> {
        let zero = self.cx.b.ins().f64const(0.0);
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        if known == Some(1.0) {
            return Ok(x);
        }
        if known == Some(2.0) {
            let r = self.cx.b.ins().fmul(x, x);
            // x*x is never negative, so one compare-and-branch on `r == inf`
            // guards the hot path; whether x was finite is asked only then.
            let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, r, inf);
            let (check, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.set_cold_block(check);
            self.cx.b.ins().brif(r_inf, check, &[], cont, &[]);
            self.enter(check);
            let ax = self.cx.b.ins().fabs(x);
            let x_finite = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
            self.raise_if(x_finite, "PyExc_OverflowError", Some("(34, 'Numerical result out of range')"))?;
            self.cx.b.ins().jump(cont, &[]);
            self.enter(cont);
            return Ok(r);
        }
        // 0.0 ** -inf is inf (C99 rules apply to infinite exponents first).
        let zero_division = known.map_or(true, |k| k < 0.0 && k.is_finite());
        let fractional = known.map_or(true, |k| k.is_finite() && k.floor() != k);
        let overflow = known.map_or(true, |k| k.is_finite() && k != 0.0);
        let r = self.libm2("pow", x, y)?;
        if !(zero_division || fractional || overflow) {
            return Ok(r);
        }
        let x_pos = self.cx.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
        let ar = self.cx.b.ins().fabs(r);
        let r_finite = self.cx.b.ins().fcmp(FloatCC::LessThan, ar, inf);
        let fine = self.cx.b.ins().band(x_pos, r_finite);
        let (check, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(check);
        self.cx.b.ins().brif(fine, cont, &[], check, &[]);
        self.enter(check);
        let ax = self.cx.b.ins().fabs(x);
        let x_finite = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
        let y_finite = match known {
            Some(k) => self.cx.b.ins().iconst(types::I8, k.is_finite() as i64),
            None => {
                let ay = self.cx.b.ins().fabs(y);
                self.cx.b.ins().fcmp(FloatCC::LessThan, ay, inf)
            }
        };
        let inputs_finite = self.cx.b.ins().band(x_finite, y_finite);
        if zero_division {
            let x_is_zero = self.cx.b.ins().fcmp(FloatCC::Equal, x, zero);
            let y_neg = self.cx.b.ins().fcmp(FloatCC::LessThan, y, zero);
            let zdiv = self.cx.b.ins().band(x_is_zero, y_neg);
            let zdiv = self.cx.b.ins().band(zdiv, y_finite);
            self.raise_if(zdiv, "PyExc_ZeroDivisionError", Some("0.0 cannot be raised to a negative power"))?;
        }
        if fractional {
            let x_neg = self.cx.b.ins().fcmp(FloatCC::LessThan, x, zero);
            let fy = self.cx.b.ins().floor(y);
            let frac = self.cx.b.ins().fcmp(FloatCC::NotEqual, fy, y);
            let neg_frac = self.cx.b.ins().band(x_neg, frac);
            let complex = self.cx.b.ins().band(neg_frac, inputs_finite);
            self.raise_if(
                complex,
                "PyExc_ValueError",
                Some("negative number cannot be raised to a fractional power (the result would be complex)"),
            )?;
        }
        if overflow {
            let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
            let of = self.cx.b.ins().band(r_inf, inputs_finite);
            self.raise_if(of, "PyExc_OverflowError", Some("(34, 'Numerical result out of range')"))?;
        }
        self.cx.b.ins().jump(cont, &[]);
        self.enter(cont);
        Ok(r)
    }

    pub(crate) fn compare_pair(&mut self, op: CmpOp, a: Value, ta: Ty, b: Value, tb: Ty) -> R<Value> {
        let as_int = |t: Ty| if t == Ty::Bool { Ty::Int(IntTy { bits: 8, signed: false, checked: false, cname: "bint" }) } else { t };
        let (ta, tb) = (as_int(ta), as_int(tb));
        match (ta, tb) {
            (Ty::Int(x), Ty::Int(y)) => {
                let j = int_join(x, y);
                let a = self.convert(a, ta, Ty::Int(j))?;
                let b = self.convert(b, tb, Ty::Int(j))?;
                Ok(self.cx.b.ins().icmp(int_cc(op, j.signed), a, b))
            }
            (Ty::Float(x), Ty::Float(y)) => {
                let w = Ty::Float(x.max(y));
                let a = self.convert(a, ta, w)?;
                let b = self.convert(b, tb, w)?;
                Ok(self.cx.b.ins().fcmp(float_cc(op), a, b))
            }
            (Ty::Int(i), Ty::Float(_)) => {
                let f = self.convert(b, tb, Ty::Float(64))?;
                self.int_float_cmp(op, a, i, f)
            }
            (Ty::Float(_), Ty::Int(i)) => {
                let f = self.convert(a, ta, Ty::Float(64))?;
                self.int_float_cmp(swap(op), b, i, f)
            }
            _ => Err(format!("comparison of {ta} and {tb} reached the back end")),
        }
    }

    /// Exact int-vs-float comparison, as CPython's float_richcompare does.
    pub(crate) fn int_float_cmp(&mut self, op: CmpOp, i: Value, it: IntTy, f: Value) -> R<Value> {
        if it.bits <= 32 {
            let fi = self.convert(i, Ty::Int(it), Ty::Float(64))?;
            return Ok(self.cx.b.ins().fcmp(float_cc(op), fi, f));
        }
        let fi = self.convert(i, Ty::Int(it), Ty::Float(64))?;
        let nan = self.cx.b.ins().fcmp(FloatCC::Unordered, f, f);
        let lt = self.cx.b.ins().fcmp(FloatCC::LessThan, fi, f);
        let gt = self.cx.b.ins().fcmp(FloatCC::GreaterThan, fi, f);
        let (big, ilt, igt) = if it.signed {
            let two63 = self.cx.b.ins().f64const(9.223372036854775808e18);
            let big = self.cx.b.ins().fcmp(FloatCC::GreaterThanOrEqual, f, two63);
            let fint = self.cx.b.ins().fcvt_to_sint_sat(types::I64, f);
            (big, self.cx.b.ins().icmp(IntCC::SignedLessThan, i, fint), self.cx.b.ins().icmp(IntCC::SignedGreaterThan, i, fint))
        } else {
            let two64 = self.cx.b.ins().f64const(1.8446744073709552e19);
            let big = self.cx.b.ins().fcmp(FloatCC::GreaterThanOrEqual, f, two64);
            let fint = self.cx.b.ins().fcvt_to_uint_sat(types::I64, f);
            (big, self.cx.b.ins().icmp(IntCC::UnsignedLessThan, i, fint), self.cx.b.ins().icmp(IntCC::UnsignedGreaterThan, i, fint))
        };
        let one = self.cx.b.ins().iconst(types::I8, 1);
        let zero = self.cx.b.ins().iconst(types::I8, 0);
        let exact_lt = self.cx.b.ins().bor(big, ilt);
        let exact_gt = self.cx.b.ins().select(big, zero, igt);
        let t1 = self.cx.b.ins().select(gt, zero, exact_lt);
        let rlt = self.cx.b.ins().select(lt, one, t1);
        let t2 = self.cx.b.ins().select(lt, zero, exact_gt);
        let rgt = self.cx.b.ins().select(gt, one, t2);
        let not_nan = self.cx.b.ins().bxor_imm_s(nan, 1);
        let neither = self.cx.b.ins().bor(rlt, rgt);
        let neither = self.cx.b.ins().bxor_imm_s(neither, 1);
        let eq = self.cx.b.ins().band(neither, not_nan);
        Ok(match op {
            CmpOp::Eq => eq,
            CmpOp::Ne => self.cx.b.ins().bxor_imm_s(eq, 1),
            CmpOp::Lt => self.cx.b.ins().band(rlt, not_nan),
            CmpOp::Gt => self.cx.b.ins().band(rgt, not_nan),
            CmpOp::Le => {
                let l = self.cx.b.ins().band(rlt, not_nan);
                self.cx.b.ins().bor(l, eq)
            }
            CmpOp::Ge => {
                let g = self.cx.b.ins().band(rgt, not_nan);
                self.cx.b.ins().bor(g, eq)
            }
        })
    }
}

fn int_cc(op: CmpOp, signed: bool) -> IntCC {
    match (op, signed) {
        (CmpOp::Eq, _) => IntCC::Equal,
        (CmpOp::Ne, _) => IntCC::NotEqual,
        (CmpOp::Lt, true) => IntCC::SignedLessThan,
        (CmpOp::Le, true) => IntCC::SignedLessThanOrEqual,
        (CmpOp::Gt, true) => IntCC::SignedGreaterThan,
        (CmpOp::Ge, true) => IntCC::SignedGreaterThanOrEqual,
        (CmpOp::Lt, false) => IntCC::UnsignedLessThan,
        (CmpOp::Le, false) => IntCC::UnsignedLessThanOrEqual,
        (CmpOp::Gt, false) => IntCC::UnsignedGreaterThan,
        (CmpOp::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
    }
}

fn float_cc(op: CmpOp) -> FloatCC {
    match op {
        CmpOp::Eq => FloatCC::Equal,
        CmpOp::Ne => FloatCC::NotEqual,
        CmpOp::Lt => FloatCC::LessThan,
        CmpOp::Le => FloatCC::LessThanOrEqual,
        CmpOp::Gt => FloatCC::GreaterThan,
        CmpOp::Ge => FloatCC::GreaterThanOrEqual,
    }
}

fn swap(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
