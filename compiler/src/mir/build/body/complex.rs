//! C `double complex` values in a native body: each one a 128-bit local
//! (`ComplexMake`/`ComplexPart` put together and take apart its two
//! doubles), and its operations on the parts, each exactly as CPython's
//! `complexobject.c` computes it (same operations, same order, so results
//! match plain Python bit for bit): `_Py_c_sum`, `_Py_c_diff`, `_Py_c_prod`,
//! `_Py_c_quot` (ZeroDivisionError "complex division by zero"), `_Py_c_neg`,
//! `complex_abs` (`hypot`, OverflowError "absolute value too large"),
//! `complex_richcompare`'s `==`/`!=` and `complex_bool`; `abs(z)` compared
//! with a constant decided by the squared magnitude away from the constant.

use super::{BodyBuilder, B};
use crate::hir::{ArithOp, CmpOp, Const, Expr, ExprKind, UnOp};
use crate::mir::body::BodyOp;
use crate::mir::{BlockId, Local, LocalTy, OpKind, Terminator};
use crate::types::{Ty, F64};

impl BodyBuilder<'_, '_> {
    /// `e` when it is an operation on C double complex values (None for
    /// any other expression, which the caller builds).
    pub(super) fn complex_expr(&mut self, e: &Expr) -> B<Option<Local>> {
        Ok(Some(match &e.kind {
            ExprKind::ComplexMake(re, im) => {
                let re = self.expr(re)?;
                let im = self.expr(im)?;
                self.cmake(re, im)
            }
            ExprKind::ComplexPart(z, imag) => {
                let z = self.expr(z)?;
                self.b.value(LocalTy::Scalar(F64), OpKind::ComplexPart { value: z, imag: *imag })
            }
            ExprKind::Unary(UnOp::Neg, z) if e.ty == Ty::Complex => {
                let z = self.expr(z)?;
                let (re, im) = self.cparts(z);
                let re = self.value(F64, BodyOp::Unary { op: UnOp::Neg, value: re, ty: F64 });
                let im = self.value(F64, BodyOp::Unary { op: UnOp::Neg, value: im, ty: F64 });
                self.cmake(re, im)
            }
            ExprKind::Binary(op, a, b) if e.ty == Ty::Complex => {
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                // `+`/`-` are the same operation on each part: one 128-bit
                // operation on both (bit for bit the two scalar ones).
                if matches!(op, ArithOp::Add | ArithOp::Sub) {
                    return Ok(Some(self.value(Ty::Complex, BodyOp::FloatBinary { op: *op, a, b, ty: Ty::Complex, known: None })));
                }
                let (a, b) = (self.cparts(a), self.cparts(b));
                match op {
                    ArithOp::Mul => {
                        let (rr, ii) = (self.cf(ArithOp::Mul, a.0, b.0), self.cf(ArithOp::Mul, a.1, b.1));
                        let re = self.cf(ArithOp::Sub, rr, ii);
                        let (ri, ir) = (self.cf(ArithOp::Mul, a.0, b.1), self.cf(ArithOp::Mul, a.1, b.0));
                        let im = self.cf(ArithOp::Add, ri, ir);
                        self.cmake(re, im)
                    }
                    ArithOp::Div => self.cquot(a, b)?,
                    _ => return Err(format!("{op:?} of C double complex values reached the back end")),
                }
            }
            ExprKind::Compare { operands, ops } if operands.iter().any(|x| x.ty == Ty::Complex) => {
                let ([a, b], [op @ (CmpOp::Eq | CmpOp::Ne)]) = (operands.as_slice(), ops.as_slice()) else {
                    return Err("a C double complex comparison other than `==`/`!=` reached the back end".into());
                };
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                let (a, b) = (self.cparts(a), self.cparts(b));
                let cmp = |bb: &mut Self, x: Local, y: Local| bb.value(Ty::Bool, BodyOp::Compare { op: *op, a: x, ta: F64, b: y, tb: F64 });
                let (re, im) = (cmp(self, a.0, b.0), cmp(self, a.1, b.1));
                // `!=` is `not ==`: with a NaN part, unequal.
                let join = if *op == CmpOp::Eq { ArithOp::BitAnd } else { ArithOp::BitOr };
                self.value(Ty::Bool, BodyOp::BoolBinary { op: join, a: re, b: im })
            }
            ExprKind::Truthy(z) if z.ty == Ty::Complex => {
                let z = self.expr(z)?;
                let (re, im) = self.cparts(z);
                let re = self.value(Ty::Bool, BodyOp::Truthy { value: re, ty: F64 });
                let im = self.value(Ty::Bool, BodyOp::Truthy { value: im, ty: F64 });
                self.value(Ty::Bool, BodyOp::BoolBinary { op: ArithOp::BitOr, a: re, b: im })
            }
            ExprKind::Abs(z) if z.ty == Ty::Complex => {
                let z = self.expr(z)?;
                self.cabs(z)
            }
            _ => return Ok(None),
        }))
    }

    fn cmake(&mut self, re: Local, im: Local) -> Local {
        self.value(Ty::Complex, BodyOp::ComplexMake { re, im })
    }

    fn cparts(&mut self, z: Local) -> (Local, Local) {
        let re = self.b.value(LocalTy::Scalar(F64), OpKind::ComplexPart { value: z, imag: false });
        let im = self.b.value(LocalTy::Scalar(F64), OpKind::ComplexPart { value: z, imag: true });
        (re, im)
    }

    fn cf(&mut self, op: ArithOp, a: Local, b: Local) -> Local {
        self.value(F64, BodyOp::FloatBinary { op, a, b, ty: F64, known: None })
    }

    fn cconst(&mut self, v: f64) -> Local {
        self.value(F64, BodyOp::Const { c: Const::Float(v), ty: F64 })
    }

    /// `a / b` as `_Py_c_quot` (Smith's method, the larger part of `b`
    /// divided by), ZeroDivisionError when `b` is zero, NaNs when a part of
    /// `b` is NaN.
    fn cquot(&mut self, a: (Local, Local), b: (Local, Local)) -> B<Local> {
        let abs_re = self.value(F64, BodyOp::Abs { value: b.0, ty: F64 });
        let abs_im = self.value(F64, BodyOp::Abs { value: b.1, ty: F64 });
        let result = self.b.local(LocalTy::Scalar(Ty::Complex), Some("complex quotient"));
        let (real_wider, not_real, zero, by_real) = (self.b.block(false), self.b.block(false), self.b.block(true), self.b.block(false));
        let (by_imag, nan, merge) = (self.b.block(false), self.b.block(true), self.b.block(false));
        self.b.passes(merge, result);
        let ge = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Ge, a: abs_re, ta: F64, b: abs_im, tb: F64 });
        self.terminate(Terminator::Branch { cond: ge, then: real_wider, otherwise: not_real });
        self.cswitch(real_wider);
        let zero_c = self.cconst(0.0);
        let is_zero = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Eq, a: abs_re, ta: F64, b: zero_c, tb: F64 });
        self.terminate(Terminator::Branch { cond: is_zero, then: zero, otherwise: by_real });
        self.cswitch(zero);
        self.raise("PyExc_ZeroDivisionError", Some("complex division by zero"));
        self.cswitch(by_real);
        let ratio = self.cf(ArithOp::Div, b.1, b.0);
        let t = self.cf(ArithOp::Mul, b.1, ratio);
        let denom = self.cf(ArithOp::Add, b.0, t);
        let t = self.cf(ArithOp::Mul, a.1, ratio);
        let n = self.cf(ArithOp::Add, a.0, t);
        let re = self.cf(ArithOp::Div, n, denom);
        let t = self.cf(ArithOp::Mul, a.0, ratio);
        let n = self.cf(ArithOp::Sub, a.1, t);
        let im = self.cf(ArithOp::Div, n, denom);
        let z = self.cmake(re, im);
        self.op(vec![result], BodyOp::Copy { src: z });
        self.terminate(Terminator::Goto(merge));
        self.cswitch(not_real);
        let ge = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Ge, a: abs_im, ta: F64, b: abs_re, tb: F64 });
        self.terminate(Terminator::Branch { cond: ge, then: by_imag, otherwise: nan });
        self.cswitch(by_imag);
        let ratio = self.cf(ArithOp::Div, b.0, b.1);
        let t = self.cf(ArithOp::Mul, b.0, ratio);
        let denom = self.cf(ArithOp::Add, t, b.1);
        let t = self.cf(ArithOp::Mul, a.0, ratio);
        let n = self.cf(ArithOp::Add, t, a.1);
        let re = self.cf(ArithOp::Div, n, denom);
        let t = self.cf(ArithOp::Mul, a.1, ratio);
        let n = self.cf(ArithOp::Sub, t, a.0);
        let im = self.cf(ArithOp::Div, n, denom);
        let z = self.cmake(re, im);
        self.op(vec![result], BodyOp::Copy { src: z });
        self.terminate(Terminator::Goto(merge));
        // A part of `b` is a NaN.
        self.cswitch(nan);
        let n = self.cconst(f64::NAN);
        let z = self.cmake(n, n);
        self.op(vec![result], BodyOp::Copy { src: z });
        self.terminate(Terminator::Goto(merge));
        self.cswitch(merge);
        Ok(self.value(Ty::Complex, BodyOp::Copy { src: result }))
    }

    /// `abs(z)` as `complex_abs`: `hypot` of the parts (infinite when a part
    /// is, NaN when a part is NaN and none infinite, as C99's `hypot` and
    /// `_Py_c_abs` agree), OverflowError when finite parts overflow it.
    fn cabs(&mut self, z: Local) -> Local {
        let (re, im) = self.cparts(z);
        let r = self.value(F64, BodyOp::CCall { symbol: "hypot".to_string(), args: vec![re, im], params: vec![F64, F64], ret: F64, except: crate::types::ExceptSpec::NoExcept, variadic: false, by_value: None });
        let inf = self.cconst(f64::INFINITY);
        let (check, overflow, done) = (self.b.block(true), self.b.block(true), self.b.block(false));
        let is_inf = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Eq, a: r, ta: F64, b: inf, tb: F64 });
        self.terminate(Terminator::Branch { cond: is_inf, then: check, otherwise: done });
        self.cswitch(check);
        let are = self.value(F64, BodyOp::Abs { value: re, ty: F64 });
        let aim = self.value(F64, BodyOp::Abs { value: im, ty: F64 });
        let re_inf = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Eq, a: are, ta: F64, b: inf, tb: F64 });
        let im_inf = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Eq, a: aim, ta: F64, b: inf, tb: F64 });
        let part_inf = self.value(Ty::Bool, BodyOp::BoolBinary { op: ArithOp::BitOr, a: re_inf, b: im_inf });
        self.terminate(Terminator::Branch { cond: part_inf, then: done, otherwise: overflow });
        self.cswitch(overflow);
        self.raise("PyExc_OverflowError", Some("absolute value too large"));
        self.cswitch(done);
        r
    }

    /// `abs(z) OP k` (or `k OP abs(z)`) for a C double complex `z` and a
    /// double constant `k` of moderate magnitude: decided by `s = re*re +
    /// im*im` when `s` is clearly below `k*k` or clearly (and finitely)
    /// above it, else by `hypot` as `cabs` computes it. The margin (2^-20
    /// relative) is far above the rounding of `s` (3 units in the last
    /// place) and of `hypot` (1), so the filter never decides differently
    /// from `hypot(re, im) OP k`; a NaN part, an infinite or overflowing
    /// `s` (where `abs` may raise OverflowError) and values near `k` take
    /// the `hypot` path. None when the operands are of another shape.
    pub(super) fn cabs_compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> B<Option<Local>> {
        let abs_of = |e: &Expr| match &e.kind {
            ExprKind::Abs(z) if z.ty == Ty::Complex && e.ty == F64 => Some(z.as_ref().clone()),
            _ => None,
        };
        let constant = |e: &Expr| match (&e.kind, e.ty) {
            (ExprKind::Const(Const::Float(k)), F64) => Some(*k),
            _ => None,
        };
        let (z, k, left) = match (abs_of(a), constant(b), constant(a), abs_of(b)) {
            (Some(z), Some(k), _, _) => (z, k, true),
            (_, _, Some(k), Some(z)) => (z, k, false),
            _ => return Ok(None),
        };
        // `k*k` and its margins stay normal doubles far from overflow.
        if !(k.is_finite() && k > 2f64.powi(-300) && k < 2f64.powi(300)) {
            return Ok(None);
        }
        // What `abs(z) OP k` is when `abs(z)` is below `k`, and above it.
        let op_abs_left = if left { op } else { flip(op) };
        let (below, above) = match op_abs_left {
            CmpOp::Lt | CmpOp::Le => (true, false),
            CmpOp::Gt | CmpOp::Ge => (false, true),
            CmpOp::Eq => (false, false),
            CmpOp::Ne => (true, true),
        };
        let margin = 2f64.powi(-20);
        let (lo, hi) = (k * k * (1.0 - margin), k * k * (1.0 + margin));
        let z = self.expr(&z)?;
        let (re, im) = self.cparts(z);
        let (rr, ii) = (self.cf(ArithOp::Mul, re, re), self.cf(ArithOp::Mul, im, im));
        let sq = self.cf(ArithOp::Add, rr, ii);
        let joined = self.b.local(LocalTy::Scalar(Ty::Bool), Some("abs comparison"));
        let (is_below, not_below, is_above, slow, join) =
            (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        self.b.passes(join, joined);
        let lo_v = self.cconst(lo);
        let t = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Lt, a: sq, ta: F64, b: lo_v, tb: F64 });
        self.terminate(Terminator::Branch { cond: t, then: is_below, otherwise: not_below });
        self.cswitch(is_below);
        self.op(vec![joined], BodyOp::Const { c: Const::Bool(below), ty: Ty::Bool });
        self.terminate(Terminator::Goto(join));
        self.cswitch(not_below);
        let (hi_v, inf) = (self.cconst(hi), self.cconst(f64::INFINITY));
        let over = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Gt, a: sq, ta: F64, b: hi_v, tb: F64 });
        let finite = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Lt, a: sq, ta: F64, b: inf, tb: F64 });
        let t = self.value(Ty::Bool, BodyOp::BoolBinary { op: ArithOp::BitAnd, a: over, b: finite });
        self.terminate(Terminator::Branch { cond: t, then: is_above, otherwise: slow });
        self.cswitch(is_above);
        self.op(vec![joined], BodyOp::Const { c: Const::Bool(above), ty: Ty::Bool });
        self.terminate(Terminator::Goto(join));
        self.cswitch(slow);
        let r = self.cabs(z);
        let kv = self.cconst(k);
        let (x, y) = if left { (r, kv) } else { (kv, r) };
        let t = self.value(Ty::Bool, BodyOp::Compare { op, a: x, ta: F64, b: y, tb: F64 });
        self.op(vec![joined], BodyOp::Copy { src: t });
        self.terminate(Terminator::Goto(join));
        self.cswitch(join);
        Ok(Some(self.value(Ty::Bool, BodyOp::Copy { src: joined })))
    }

    fn cswitch(&mut self, b: BlockId) {
        self.b.switch_to(b);
        self.reachable = true;
    }
}

/// `b OP a` as `a OP' b`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}
