//! A `range` loop's counter arithmetic: narrow loop variables' bounds
//! widened and cut where the variable's type ends (OverflowError before
//! the loop or on leaving it early, as Python's range would go on), the step's
//! direction, the counter's step with its overflow flag.

use super::op::OpCx;
use super::R;
use crate::types::{IntTy, Ty};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl OpCx<'_, '_, '_> {
    /// A range bound of type `t` as a 64-bit value for a narrow loop
    /// variable's counter.
    pub(crate) fn widen_bound(&mut self, v: Value, t: IntTy) -> Value {
        match (t.bits, t.signed) {
            (64, true) => v,
            // Above i64::MAX is as much out of the variable's range as i64::MAX.
            (64, false) => {
                let max = self.cx.b.ins().iconst(types::I64, i64::MAX);
                self.cx.b.ins().umin(v, max)
            }
            (_, true) => self.cx.b.ins().sextend(types::I64, v),
            (_, false) => self.cx.b.ins().uextend(types::I64, v),
        }
    }

    /// Start, stop and step (`bounds`, 64-bit) of a range loop whose variable
    /// is narrower than 64 bits, when the start or stop (`wide`) or the step
    /// (`step_wide`) was taken before a conversion that would wrap it (see
    /// `mir::build::body`'s `narrow_range_bounds`); the original stop for
    /// `range_cut_short` when the range is cut.
    pub(crate) fn cut_range(
        &mut self,
        var_ty: IntTy,
        bounds: (Value, Value, Value),
        wide: bool,
        step_wide: bool,
        const_step: Option<i64>,
    ) -> R<(Value, Value, Value, Option<Value>)> {
        let (s, e, k) = bounds;
        // A step beyond ±2**40 takes one trip at most, as the clamped one does;
        // the counter then cannot overflow.
        let k = if step_wide {
            let (min, max) = (self.cx.b.ins().iconst(types::I64, -(1 << 40)), self.cx.b.ins().iconst(types::I64, 1 << 40));
            let k = self.cx.b.ins().smax(k, min);
            self.cx.b.ins().smin(k, max)
        } else {
            k
        };
        if !wide {
            return Ok((s, e, k, None));
        }
        let (lo, hi) = if var_ty.signed {
            (-(1i64 << (var_ty.bits - 1)), (1i64 << (var_ty.bits - 1)) - 1)
        } else {
            (0, (1i64 << var_ty.bits) - 1)
        };
        // Below the type going up, or above it going down: the first value.
        let up = {
            let nonempty = self.cx.b.ins().icmp(IntCC::SignedLessThan, s, e);
            let out = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, s, lo);
            self.cx.b.ins().band(nonempty, out)
        };
        let down = {
            let nonempty = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, s, e);
            let out = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, s, hi);
            self.cx.b.ins().band(nonempty, out)
        };
        let bad = self.by_step_direction(const_step, k, false, up, down);
        self.raise_if(bad, "PyExc_OverflowError", Some(&range_overflow_message(var_ty)))?;
        // Monotonic, so an empty range stays empty and values inside the
        // type are kept; the first value past the type ends the loop.
        let (lo1, hi1) = (self.cx.b.ins().iconst(types::I64, lo - 1), self.cx.b.ins().iconst(types::I64, hi + 1));
        let clamp = |o: &mut Self, v: Value| {
            let v = o.cx.b.ins().smax(v, lo1);
            o.cx.b.ins().smin(v, hi1)
        };
        let (s, e_cut) = (clamp(self, s), clamp(self, e));
        Ok((s, e_cut, k, Some(e)))
    }

    /// `up` for a range counting up, `down` for one counting down: decided
    /// at compile time for a constant step, else by the step's sign (an
    /// unsigned step is positive, even at 2**63 and above).
    pub(crate) fn by_step_direction(&mut self, const_step: Option<i64>, step: Value, step_unsigned: bool, up: Value, down: Value) -> Value {
        match const_step {
            Some(k) if k > 0 => up,
            Some(_) => down,
            None if step_unsigned => up,
            None => {
                let positive = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
                self.cx.b.ins().select(positive, up, down)
            }
        }
    }

    /// A range loop's step that is not a constant: ValueError if it is zero.
    pub(crate) fn check_range_step(&mut self, step: Value) -> R<()> {
        let z = self.cx.b.ins().icmp_imm_s(IntCC::Equal, step, 0);
        self.raise_if(z, "PyExc_ValueError", Some("range() arg 3 must not be zero"))
    }

    /// Whether the counter `c` is still short of `stop` in the step's
    /// direction (`unsigned`: a 64-bit unsigned counter).
    pub(crate) fn range_continues(&mut self, c: Value, stop: Value, step: Value, const_step: Option<i64>, step_unsigned: bool, unsigned: bool) -> Value {
        let (lt, gt) = if unsigned {
            (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan)
        } else {
            (IntCC::SignedLessThan, IntCC::SignedGreaterThan)
        };
        let up = self.cx.b.ins().icmp(lt, c, stop);
        let down = self.cx.b.ins().icmp(gt, c, stop);
        self.by_step_direction(const_step, step, step_unsigned, up, down)
    }

    /// The counter's next value after a trip entered with `c` strictly
    /// inside the range, and whether it left the 64-bit range (`step_unsigned`:
    /// the step was unsigned before the front end converted it to the
    /// variable's type).
    pub(crate) fn range_next(&mut self, c: Value, step: Value, const_step: Option<i64>, var_ty: IntTy, unsigned: bool, step_unsigned: bool) -> (Value, Value) {
        match const_step {
            // Inside the range, a unit step cannot overflow.
            Some(1) | Some(-1) => {
                let n = self.cx.b.ins().iadd(c, step);
                (n, self.cx.b.ins().iconst(types::I8, 0))
            }
            _ if var_ty.bits < 64 => {
                let n = self.cx.b.ins().iadd(c, step);
                (n, self.cx.b.ins().iconst(types::I8, 0))
            }
            // An unsigned counter steps down by the step's magnitude: adding
            // -2's bit pattern would carry, and read as running past the end.
            Some(k) if unsigned && k < 0 => {
                let magnitude = self.cx.b.ins().iconst(types::I64, k.unsigned_abs() as i64);
                self.cx.b.ins().usub_overflow(c, magnitude)
            }
            None if unsigned && !step_unsigned => {
                let (up, up_over) = self.cx.b.ins().uadd_overflow(c, step);
                let magnitude = self.cx.b.ins().ineg(step);
                let (down, down_over) = self.cx.b.ins().usub_overflow(c, magnitude);
                let negative = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, step, 0);
                let next = self.cx.b.ins().select(negative, down, up);
                (next, self.cx.b.ins().select(negative, down_over, up_over))
            }
            _ if unsigned => self.cx.b.ins().uadd_overflow(c, step),
            _ => self.cx.b.ins().sadd_overflow(c, step),
        }
    }

    /// The limit of a loop unrolled ×2 with the constant step `k`, computed
    /// once so the counter needs no overflow check: `c < limit` means
    /// `c + k < stop` and `c + 2k` fits in 64 bits (`narrow`: a loop
    /// variable narrower than 64 bits, whose bounds are far from the limits).
    pub(crate) fn unrolled_limit(&mut self, stop: Value, k: i64, narrow: bool, stop_above_min: bool) -> Value {
        if narrow || stop_above_min {
            // `stop - k` cannot overflow here. The limit is the `smin` of it
            // and a bound it never exceeds when nothing is capped (`stop`
            // itself: a narrow variable, or a step of 1 whose cap is
            // `i64::MAX`), else the cap less `k`: an add of a constant
            // would be rematerialized by Cranelift's egraph at its use in
            // the loop (one more instruction per two trips), a `smin` is
            // computed once before it.
            let below = self.cx.b.ins().iadd_imm_s(stop, -k);
            let bound = if narrow || k == 1 { stop } else { self.cx.b.ins().iconst(types::I64, i64::MAX - 2 * k + 1) };
            return self.cx.b.ins().smin(below, bound);
        }
        // Capped so that `c + 2k` stays in 64 bits below the limit (with a
        // step of 1 the cap is `i64::MAX`, which caps nothing).
        let capped = if k == 1 {
            stop
        } else {
            let cap = self.cx.b.ins().iconst(types::I64, i64::MAX - k + 1);
            self.cx.b.ins().smin(stop, cap)
        };
        let kv = self.cx.b.ins().iconst(types::I64, k);
        let (below, under) = self.cx.b.ins().ssub_overflow(capped, kv);
        let min = self.cx.b.ins().iconst(types::I64, i64::MIN);
        self.cx.b.ins().select(under, min, below)
    }

    /// On leaving a cut range loop (see `narrow_range_bounds`) with the
    /// counter at `c`: OverflowError if Python's range had more values.
    pub(crate) fn range_cut_short(&mut self, var_ty: IntTy, c: Value, stop: Value, step: Value, const_step: Option<i64>) -> R<()> {
        let up = self.cx.b.ins().icmp(IntCC::SignedLessThan, c, stop);
        let down = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, c, stop);
        let more = self.by_step_direction(const_step, step, false, up, down);
        self.raise_if(more, "PyExc_OverflowError", Some(&range_overflow_message(var_ty)))
    }

    /// `counter + k` and whether it left the 64-bit range (never for narrower loop variables).
    pub(crate) fn step_counter(&mut self, c: Value, k: i64, var_ty: IntTy, unsigned: bool) -> (Value, Value) {
        if var_ty.bits < 64 {
            let n = self.cx.b.ins().iadd_imm_s(c, k);
            return (n, self.cx.b.ins().iconst(types::I8, 0));
        }
        let kv = self.cx.b.ins().iconst(types::I64, k);
        if unsigned {
            self.cx.b.ins().uadd_overflow(c, kv)
        } else {
            self.cx.b.ins().sadd_overflow(c, kv)
        }
    }
}

/// OverflowError text for a range loop its variable's type cannot follow.
fn range_overflow_message(var_ty: IntTy) -> String {
    format!("range() takes the loop variable past the range of its type {}", Ty::Int(var_ty))
}
