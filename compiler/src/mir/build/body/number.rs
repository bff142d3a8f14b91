//! Numbers on objects in a native body: Cython's fast paths for exact
//! small ints and floats (and complex numbers) met as objects. An object
//! with a C int of at most 32 bits or a small int constant, compared or in
//! `+ - * // %`, in registers when `SmallInt` says it is an exact one-digit
//! int (`SmallIntArith`); `+ - * /` of two exact floats on their doubles
//! (`IsExactFloat`, `FloatBinary`), of a boxed C double and an exact float
//! or int with no float made for the C side; `+ - *` of exact complex numbers on
//! their doubles read in place; a tree of `+ - *` over object locals with
//! one result made (`number_tree`); `abs()` of a complex by `hypot` and
//! `abs(x)` compared with a constant in registers. Each slow path is the
//! ordinary primitive call (`object.rs`).

use super::object::{binary_prim, rich_compare_op, STATUS, WIDE};
use super::{BodyBuilder, B};
use crate::hir::{CmpOp, Const, Expr, ExprKind, ObjBinOp, ObjConst, ObjUnOp};
use crate::mir::body::{BodyOp, SSIZE};
use crate::mir::build::wrapper::boxed;
use crate::mir::primitives as p;
use crate::mir::{BlockId, Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

/// Whether `e` (an object operand) is an int of an int fast path: a C
/// integer of at most 32 bits boxed, or an int constant below 2**31 in
/// magnitude (so the fast path's arithmetic on it and a one-digit int
/// cannot overflow 64 bits).
pub(super) fn int_side(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::ObjConst(ObjConst::Int(c)) => c.unsigned_abs() <= i32::MAX as u128,
        ExprKind::Convert(x) => e.ty == Ty::Object && matches!(x.ty, Ty::Int(t) if t.bits <= 32),
        _ => false,
    }
}

/// The operators with an int fast path (Cython's `__Pyx_PyInt_AddObjC` & co.).
pub(super) fn small_int_op(op: ObjBinOp) -> bool {
    matches!(op, ObjBinOp::Add | ObjBinOp::Sub | ObjBinOp::Mul | ObjBinOp::FloorDiv | ObjBinOp::Mod)
}

/// An int side evaluated: its value as a `Py_ssize_t`, and how to box it
/// for the slow path (the C value and its type, or the constant).
pub(super) enum IntSide {
    C { wide: Local, value: Local, ty: Ty },
    Const { wide: Local, c: ObjConst },
}

impl IntSide {
    fn wide(&self) -> Local {
        match self {
            IntSide::C { wide, .. } | IntSide::Const { wide, .. } => *wide,
        }
    }
}

/// An inner node of a `number_tree`: `+ - *` of two objects.
pub(super) fn tree_node(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::ObjBinary { op: ObjBinOp::Add | ObjBinOp::Sub | ObjBinOp::Mul, a, b, .. } if a.ty == Ty::Object && b.ty == Ty::Object)
}

/// The operands of a tree of `+ - *`, left to right: the leftmost any
/// object expression but one with a fast path of its own beside an object
/// (an int side, a boxed C double), every other an object local; false for
/// another shape (or more than 16).
pub(super) fn tree_leaves<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) -> bool {
    match &e.kind {
        ExprKind::ObjBinary { a, b, .. } if tree_node(e) => tree_leaves(a, out) && tree_leaves(b, out) && out.len() <= 16,
        // Object locals only after the leftmost: evaluating them early is
        // unobservable (a constant or a boxed C value is never a complex,
        // and a C int beside an object takes the int fast path).
        ExprKind::Local(_) if e.ty == Ty::Object => {
            out.push(e);
            true
        }
        _ if out.is_empty() && e.ty == Ty::Object && !int_side(e) && boxed_double(e).is_none() => {
            out.push(e);
            true
        }
        _ => false,
    }
}

/// The operators `float_binary` computes on two exact floats' doubles.
pub(super) fn float_op(op: ObjBinOp) -> bool {
    matches!(op, ObjBinOp::Add | ObjBinOp::Sub | ObjBinOp::Mul | ObjBinOp::TrueDiv)
}

pub(super) fn float_arith(op: ObjBinOp) -> crate::hir::ArithOp {
    match op {
        ObjBinOp::Add => crate::hir::ArithOp::Add,
        ObjBinOp::Sub => crate::hir::ArithOp::Sub,
        ObjBinOp::Mul => crate::hir::ArithOp::Mul,
        _ => crate::hir::ArithOp::Div,
    }
}

/// The C double `x` when `e` is `(x as object)`: boxed only to be an
/// operand, which an exact float on the other side makes needless.
pub(super) fn boxed_double(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Convert(x) if e.ty == Ty::Object && x.ty == crate::types::F64 => Some(x),
        _ => None,
    }
}

impl BodyBuilder<'_, '_> {
    /// An int side (`int_side`), evaluated.
    pub(super) fn eval_int_side(&mut self, e: &Expr) -> B<IntSide> {
        match &e.kind {
            ExprKind::ObjConst(c @ ObjConst::Int(v)) => {
                let v = i64::try_from(*v).map_err(|_| "an int fast path's constant out of range".to_string())?;
                let wide = self.value(WIDE, BodyOp::Const { c: Const::Int(v), ty: WIDE });
                Ok(IntSide::Const { wide, c: c.clone() })
            }
            ExprKind::Convert(x) => {
                let value = self.expr(x)?;
                let wide = self.b.value(LocalTy::Scalar(WIDE), OpKind::Widen { value, to: WIDE });
                Ok(IntSide::C { wide, value, ty: x.ty })
            }
            _ => Err("an int fast path without an int side reached the body builder".into()),
        }
    }

    /// The int side as an object, for the slow path.
    pub(super) fn box_int_side(&mut self, side: &IntSide) -> B<Local> {
        match side {
            IntSide::C { value, ty, .. } => boxed(self.b, Some(*value), *ty),
            IntSide::Const { c, .. } => Ok(self.b.value(LocalTy::Object, OpKind::LoadConst(c.clone()))),
        }
    }

    /// Both operands of an int fast path (one an int side, `int_side`),
    /// evaluated in order: the int side, the object, and whether the int
    /// side is the left one.
    pub(super) fn int_and_object(&mut self, a: &Expr, b: &Expr) -> B<(IntSide, Local, bool)> {
        Ok(if int_side(a) {
            let side = self.eval_int_side(a)?;
            (side, self.expr(b)?, true)
        } else {
            let obj = self.expr(a)?;
            (self.eval_int_side(b)?, obj, false)
        })
    }

    /// The `SmallInt` test of `obj`, ending the block: to `fast` when it
    /// is an exact one-digit int (its value the local returned), else to `slow`.
    pub(super) fn small_int_test(&mut self, obj: Local, fast: BlockId, slow: BlockId) -> Local {
        let value = self.b.local(LocalTy::Scalar(WIDE), None);
        let ok = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![value, ok], OpKind::SmallInt { obj });
        self.terminate(Terminator::Branch { cond: ok, then: fast, otherwise: slow });
        value
    }

    /// In the fast block of `op`: to `slow` when the divisor `y` of `//`
    /// or `%` is 0 (the C-API call raises CPython's error), then `x op y`.
    pub(super) fn small_int_arith(&mut self, op: ObjBinOp, x: Local, y: Local, slow: BlockId) -> Local {
        if matches!(op, ObjBinOp::FloorDiv | ObjBinOp::Mod) {
            let zero = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::EqConst { value: y, imm: 0 });
            let compute = self.b.block(false);
            self.terminate(Terminator::Branch { cond: zero, then: slow, otherwise: compute });
            self.b.switch_to(compute);
            self.reachable = true;
        }
        self.b.value(LocalTy::Scalar(WIDE), OpKind::SmallIntArith { op, a: x, b: y })
    }

    /// The truth of `a op b` where one side is an int (`int_side`) and the
    /// other an object: compared in registers when the object is an exact
    /// one-digit int, else `PyObject_RichCompare` and its truth (an `__eq__`
    /// may return anything). When the object is itself an int fast path's
    /// operation (`n % i == 0`), its result is compared unboxed. `None`
    /// when it has no fast path.
    pub(super) fn small_int_compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> B<Option<Local>> {
        if int_side(a) == int_side(b) || a.ty != Ty::Object || b.ty != Ty::Object {
            return Ok(None);
        }
        let left = int_side(a);
        let other = if left { b } else { a };
        let inner = match &other.kind {
            ExprKind::ObjBinary { op, a, b, inplace } if small_int_op(*op) && int_side(a) != int_side(b) => Some((*op, &**a, &**b, *inplace)),
            _ => None,
        };
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let joined = self.b.local(LocalTy::Scalar(Ty::Bool), Some("int comparison"));
        self.b.passes(join, joined);
        // The operands in order: the comparison's int side, the object
        // (or the inner operation's two operands), in the source's order.
        let mut side = if left { Some(self.eval_int_side(a)?) } else { None };
        let (inner_side, obj, inner_left) = match inner {
            Some((_, ia, ib, _)) => {
                let (s, o, l) = self.int_and_object(ia, ib)?;
                (Some(s), o, l)
            }
            None => (None, self.expr(other)?, false),
        };
        if side.is_none() {
            side = Some(self.eval_int_side(b)?);
        }
        let side = side.ok_or("an int comparison without its int side")?;
        let value = self.small_int_test(obj, fast, slow);
        self.b.switch_to(fast);
        self.reachable = true;
        let other_value = match (&inner, &inner_side) {
            (Some((iop, ..)), Some(s)) => {
                let (x, y) = if inner_left { (s.wide(), value) } else { (value, s.wide()) };
                self.small_int_arith(*iop, x, y, slow)
            }
            _ => value,
        };
        let (x, y) = if left { (side.wide(), other_value) } else { (other_value, side.wide()) };
        let t = self.value(Ty::Bool, BodyOp::Compare { op, a: x, ta: WIDE, b: y, tb: WIDE });
        self.op(vec![joined], BodyOp::Copy { src: t });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let other_obj = match (&inner, &inner_side) {
            (Some((iop, _, _, inplace)), Some(s)) => {
                let boxed = self.box_int_side(s)?;
                let args = if inner_left { vec![boxed, obj] } else { vec![obj, boxed] };
                self.b.value(LocalTy::Object, OpKind::CallC { prim: binary_prim(*iop, *inplace), args })
            }
            _ => obj,
        };
        let boxed = self.box_int_side(&side)?;
        let (va, vb) = if left { (boxed, other_obj) } else { (other_obj, boxed) };
        Ok(Some(self.rich_compare_join(op, va, vb, joined, join)))
    }

    /// `a op b` (`+ - * /`) of two objects: on the doubles in place when
    /// both are exact floats (a new float; `/` by zero raises float's own
    /// ZeroDivisionError), else the operator's C-API call.
    pub(super) fn float_binary(&mut self, op: ObjBinOp, a: Local, b: Local, inplace: bool) -> B<Local> {
        let (second, fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("float result"));
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let fa = self.b.value(bool_ty, OpKind::IsExactFloat { obj: a });
        // Not a float: `+ - *` of two exact complex numbers on their doubles.
        let not_float = if op == ObjBinOp::TrueDiv { slow } else { self.b.block(false) };
        self.terminate(Terminator::Branch { cond: fa, then: second, otherwise: not_float });
        if not_float != slow {
            self.b.switch_to(not_float);
            self.reachable = true;
            self.complex_binary(op, a, b, result, slow, join)?;
        }
        self.b.switch_to(second);
        self.reachable = true;
        let fb = self.b.value(bool_ty, OpKind::IsExactFloat { obj: b });
        self.terminate(Terminator::Branch { cond: fb, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        let double = crate::types::F64;
        let x = self.b.value(LocalTy::Scalar(double), OpKind::Unbox { obj: a, ty: double });
        let y = self.b.value(LocalTy::Scalar(double), OpKind::Unbox { obj: b, ty: double });
        let r = self.value(double, BodyOp::FloatBinary { op: float_arith(op), a: x, b: y, ty: double, known: None });
        let boxed_r = boxed(self.b, Some(r), double)?;
        self.b.op(vec![result], OpKind::Assign { src: boxed_r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let made = self.b.value(LocalTy::Object, OpKind::CallC { prim: binary_prim(op, inplace), args: vec![a, b] });
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `a op b` (`+ - * /`) where one side is a C double `d` boxed only
    /// for the operation (`d_left`: it is `a`) and the other the object
    /// `o`: when `o` is an exact float or an exact int, on the two doubles
    /// (what float's own operator computes: an int's value as
    /// `PyLong_AsDouble` gives it, its OverflowError too, as the unboxing
    /// does) with no float made for `d`, as Cython's `__Pyx_PyFloat_AddCObj`;
    /// else `d` boxed and the operator's C-API call.
    pub(super) fn double_binary(&mut self, op: ObjBinOp, d: Local, o: Local, d_left: bool, inplace: bool) -> B<Local> {
        let blocks = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        let (float, int, int_value, fast, slow, join) = blocks;
        let double = crate::types::F64;
        let result = self.b.local(LocalTy::Object, Some("float result"));
        let y = self.b.local(LocalTy::Scalar(double), Some("other"));
        let is_float = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactFloat { obj: o });
        self.terminate(Terminator::Branch { cond: is_float, then: float, otherwise: int });
        self.b.switch_to(float);
        self.reachable = true;
        let v = self.b.value(LocalTy::Scalar(double), OpKind::Unbox { obj: o, ty: double });
        self.op(vec![y], BodyOp::Copy { src: v });
        self.terminate(Terminator::Goto(fast));
        self.b.switch_to(int);
        self.reachable = true;
        let is_int = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactInt { obj: o });
        self.terminate(Terminator::Branch { cond: is_int, then: int_value, otherwise: slow });
        self.b.switch_to(int_value);
        self.reachable = true;
        self.b.op(vec![y], OpKind::CallC { prim: &p::PY_LONG_AS_DOUBLE, args: vec![o] });
        self.terminate(Terminator::Goto(fast));
        self.b.switch_to(fast);
        self.reachable = true;
        let (l, r) = if d_left { (d, y) } else { (y, d) };
        let r = self.value(double, BodyOp::FloatBinary { op: float_arith(op), a: l, b: r, ty: double, known: None });
        let boxed_r = boxed(self.b, Some(r), double)?;
        self.b.op(vec![result], OpKind::Assign { src: boxed_r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let bd = boxed(self.b, Some(d), double)?;
        let args = if d_left { vec![bd, o] } else { vec![o, bd] };
        let made = self.b.value(LocalTy::Object, OpKind::CallC { prim: binary_prim(op, inplace), args });
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// The real and imaginary parts of an exact complex, read in place
    /// (`PyComplexObject.cval`).
    pub(super) fn complex_parts(&mut self, obj: Local) -> (Local, Local) {
        let data = self.value(Ty::Ptr(Some(crate::types::Elem::Float(64))), BodyOp::ObjectData { obj });
        let re = self.double_in_object(data, 2);
        let im = self.double_in_object(data, 3);
        (re, im)
    }

    /// The double at index `k` of an object's memory (`data`, its
    /// `ObjectData`): a float's `ob_fval` and a complex's `cval` follow the
    /// 16-byte header (`ob_refcnt`, `ob_type`) on every CPython 3.9-3.13.
    pub(super) fn double_in_object(&mut self, data: Local, k: i64) -> Local {
        let double = crate::types::F64;
        let index = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(k), ty: Ty::Int(SSIZE) });
        self.value(double, BodyOp::PtrLoad { ptr: data, index, elem: double, in_object: true })
    }

    pub(super) fn fbin(&mut self, op: crate::hir::ArithOp, a: Local, b: Local) -> Local {
        let double = crate::types::F64;
        self.value(double, BodyOp::FloatBinary { op, a, b, ty: double, known: None })
    }

    /// From the current block: when `a` and `b` are exact complex numbers,
    /// `a op b` (`+ - *`) computed as CPython's `_Py_c_sum`/`_Py_c_diff`/
    /// `_Py_c_prod` do (the same operations in the same order) into
    /// `result`, then on to `join`; else on to `slow`.
    pub(super) fn complex_binary(&mut self, op: ObjBinOp, a: Local, b: Local, result: Local, slow: BlockId, join: BlockId) -> B<()> {
        use crate::hir::ArithOp::{Add, Mul, Sub};
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let (second, fast) = (self.b.block(false), self.b.block(false));
        let ca = self.b.value(bool_ty, OpKind::IsExactComplex { obj: a });
        self.terminate(Terminator::Branch { cond: ca, then: second, otherwise: slow });
        self.b.switch_to(second);
        self.reachable = true;
        let cb = self.b.value(bool_ty, OpKind::IsExactComplex { obj: b });
        self.terminate(Terminator::Branch { cond: cb, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        let (ar, ai) = self.complex_parts(a);
        let (br, bi) = self.complex_parts(b);
        let (re, im) = match op {
            ObjBinOp::Add => (self.fbin(Add, ar, br), self.fbin(Add, ai, bi)),
            ObjBinOp::Sub => (self.fbin(Sub, ar, br), self.fbin(Sub, ai, bi)),
            _ => {
                let (rr, ii) = (self.fbin(Mul, ar, br), self.fbin(Mul, ai, bi));
                let re = self.fbin(Sub, rr, ii);
                let (ri, ir) = (self.fbin(Mul, ar, bi), self.fbin(Mul, ai, br));
                (re, self.fbin(Add, ri, ir))
            }
        };
        let made = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_COMPLEX_FROM_DOUBLES, args: vec![re, im] });
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        Ok(())
    }

    /// `z * z + c`, `dx * dx + dy * dy + dz * dz`, `v[0] -= dx * m` and
    /// any tree of `+ - *` over objects whose leftmost operand is any object
    /// expression and every other one an object local (`tree_leaves`): the
    /// leftmost is evaluated before any operator in Python's order too, and
    /// reading the locals first is unobservable but for an unbound one's
    /// error. When every operand is an exact float, the whole tree on their
    /// doubles with one float made (float's `+ - *` are the IEEE operations
    /// on the two doubles and never raise, so the intermediate floats are
    /// unobservable); when every one is an exact complex, likewise with one
    /// complex made, each node as `complex_binary` computes it; else node by
    /// node as before (`float_binary`). None for other shapes.
    pub(super) fn number_tree(&mut self, e: &Expr) -> B<Option<Local>> {
        let mut leaves = vec![];
        if !tree_leaves(e, &mut leaves) || leaves.len() < 3 {
            return Ok(None);
        }
        let mut vals = vec![];
        for l in &leaves {
            vals.push(self.expr(l)?);
        }
        let (complex, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("number result"));
        for &v in &vals {
            let next = self.b.block(false);
            let c = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactFloat { obj: v });
            self.terminate(Terminator::Branch { cond: c, then: next, otherwise: complex });
            self.b.switch_to(next);
            self.reachable = true;
        }
        let doubles: Vec<Local> = vals.iter().map(|&v| self.float_value(v)).collect();
        let r = self.float_eval(e, &doubles, &mut 0)?;
        let made = boxed(self.b, Some(r), crate::types::F64)?;
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(complex);
        self.reachable = true;
        for &v in &vals {
            let next = self.b.block(false);
            let c = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactComplex { obj: v });
            self.terminate(Terminator::Branch { cond: c, then: next, otherwise: slow });
            self.b.switch_to(next);
            self.reachable = true;
        }
        let parts: Vec<(Local, Local)> = vals.iter().map(|&v| self.complex_parts(v)).collect();
        let (re, im) = self.complex_eval(e, &parts, &mut 0)?;
        let made = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_COMPLEX_FROM_DOUBLES, args: vec![re, im] });
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let r = self.tree_slow(e, &vals, &mut 0)?;
        self.b.op(vec![result], OpKind::Assign { src: r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(Some(result))
    }

    /// An exact float's value read in place (`PyFloatObject.ob_fval`): no
    /// error to check.
    pub(super) fn float_value(&mut self, obj: Local) -> Local {
        let data = self.value(Ty::Ptr(Some(crate::types::Elem::Float(64))), BodyOp::ObjectData { obj });
        self.double_in_object(data, 2)
    }

    /// A `number_tree` on the leaves' doubles, each node the one IEEE
    /// operation float's own operator performs, in the tree's order.
    pub(super) fn float_eval(&mut self, e: &Expr, leaves: &[Local], k: &mut usize) -> B<Local> {
        match &e.kind {
            ExprKind::ObjBinary { op, a, b, .. } if tree_node(e) => {
                let x = self.float_eval(a, leaves, k)?;
                let y = self.float_eval(b, leaves, k)?;
                Ok(self.fbin(float_arith(*op), x, y))
            }
            _ => {
                *k += 1;
                leaves.get(*k - 1).copied().ok_or("a number tree without its operand".to_string())
            }
        }
    }

    pub(super) fn complex_eval(&mut self, e: &Expr, parts: &[(Local, Local)], k: &mut usize) -> B<(Local, Local)> {
        use crate::hir::ArithOp::{Add, Mul, Sub};
        let ExprKind::ObjBinary { op, a, b, .. } = &e.kind else {
            *k += 1;
            return parts.get(*k - 1).copied().ok_or("a complex tree without its operand".to_string());
        };
        if !tree_node(e) {
            *k += 1;
            return parts.get(*k - 1).copied().ok_or("a complex tree without its operand".to_string());
        }
        let (ar, ai) = self.complex_eval(a, parts, k)?;
        let (br, bi) = self.complex_eval(b, parts, k)?;
        Ok(match op {
            ObjBinOp::Add => (self.fbin(Add, ar, br), self.fbin(Add, ai, bi)),
            ObjBinOp::Sub => (self.fbin(Sub, ar, br), self.fbin(Sub, ai, bi)),
            _ => {
                let (rr, ii) = (self.fbin(Mul, ar, br), self.fbin(Mul, ai, bi));
                let re = self.fbin(Sub, rr, ii);
                let (ri, ir) = (self.fbin(Mul, ar, bi), self.fbin(Mul, ai, br));
                (re, self.fbin(Add, ri, ir))
            }
        })
    }

    pub(super) fn tree_slow(&mut self, e: &Expr, vals: &[Local], k: &mut usize) -> B<Local> {
        match &e.kind {
            ExprKind::ObjBinary { op, a, b, inplace } if tree_node(e) => {
                let va = self.tree_slow(a, vals, k)?;
                let vb = self.tree_slow(b, vals, k)?;
                self.float_binary(*op, va, vb, *inplace)
            }
            _ => {
                *k += 1;
                vals.get(*k - 1).copied().ok_or("a complex tree without its operand".to_string())
            }
        }
    }

    /// From the current block: `abs(obj)` of an exact complex as a C
    /// double (`hypot`) when it is finite, going on in the block returned
    /// with it; else (another type, an infinite or NaN part, or a
    /// magnitude too large, whose OverflowError is CPython's) on to `slow`.
    pub(super) fn complex_abs_fast(&mut self, obj: Local, slow: BlockId) -> (Local, BlockId) {
        let double = crate::types::F64;
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let (fast, done) = (self.b.block(false), self.b.block(false));
        let c = self.b.value(bool_ty, OpKind::IsExactComplex { obj });
        self.terminate(Terminator::Branch { cond: c, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        let (re, im) = self.complex_parts(obj);
        let r = self.value(double, BodyOp::CCall { symbol: "hypot".to_string(), args: vec![re, im], params: vec![double, double], ret: double, except: crate::types::ExceptSpec::NoExcept, variadic: false, by_value: None });
        let inf = self.value(double, BodyOp::Const { c: Const::Float(f64::INFINITY), ty: double });
        let finite = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Lt, a: r, ta: double, b: inf, tb: double });
        self.terminate(Terminator::Branch { cond: finite, then: done, otherwise: slow });
        self.b.switch_to(done);
        self.reachable = true;
        (r, done)
    }

    /// `abs(x)`: of an exact complex, `hypot` of its parts boxed (as
    /// CPython's `complex_abs`), else `PyNumber_Absolute`.
    pub(super) fn object_abs(&mut self, v: Local) -> B<Local> {
        let (slow, join) = (self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("abs result"));
        let (r, _) = self.complex_abs_fast(v, slow);
        let made = boxed(self.b, Some(r), crate::types::F64)?;
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let made = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_NUMBER_ABSOLUTE, args: vec![v] });
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `abs(x) < c` (any comparison) with a number constant `c` exact as a
    /// double: when `x` is an exact complex with a finite magnitude, its
    /// `hypot` compared with `c` in registers (no float object), as Python
    /// compares a float with that constant; else the comparison of the
    /// objects. None when the operands are of another shape.
    pub(super) fn abs_compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> B<Option<Local>> {
        let constant = |e: &Expr| match &e.kind {
            ExprKind::ObjConst(ObjConst::Int(c)) if c.unsigned_abs() <= 1u128 << 53 => Some(*c as f64),
            ExprKind::ObjConst(ObjConst::Float(f)) => Some(*f),
            _ => None,
        };
        let abs_of = |e: &Expr| match &e.kind {
            ExprKind::ObjUnary(ObjUnOp::Abs, x) if x.ty == Ty::Object => Some(x.as_ref().clone()),
            _ => None,
        };
        let (x, k, left) = match (abs_of(a), constant(b), constant(a), abs_of(b)) {
            (Some(x), Some(k), _, _) => (x, k, true),
            (_, _, Some(k), Some(x)) => (x, k, false),
            _ => return Ok(None),
        };
        let double = crate::types::F64;
        let (slow, join) = (self.b.block(false), self.b.block(false));
        let joined = self.b.local(LocalTy::Scalar(Ty::Bool), Some("abs comparison"));
        self.b.passes(join, joined);
        let obj = self.expr(&x)?;
        let (r, _) = self.complex_abs_fast(obj, slow);
        let kv = self.value(double, BodyOp::Const { c: Const::Float(k), ty: double });
        let (l, rr) = if left { (r, kv) } else { (kv, r) };
        let t = self.value(Ty::Bool, BodyOp::Compare { op, a: l, ta: double, b: rr, tb: double });
        self.op(vec![joined], BodyOp::Copy { src: t });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let absolute = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_NUMBER_ABSOLUTE, args: vec![obj] });
        let (ce, other) = if left { (b, absolute) } else { (a, absolute) };
        let ExprKind::ObjConst(c) = &ce.kind else { return Err("an abs comparison without its constant".to_string()) };
        let kobj = self.b.value(LocalTy::Object, OpKind::LoadConst(c.clone()));
        let (va, vb) = if left { (other, kobj) } else { (kobj, other) };
        Ok(Some(self.rich_compare_join(op, va, vb, joined, join)))
    }

    /// The slow path every comparison fast path shares: the truth of
    /// `PyObject_RichCompare(a, b, op)` (an `__eq__` may return anything)
    /// into `joined`, then the `join` block, where the joined truth is read.
    fn rich_compare_join(&mut self, op: CmpOp, a: Local, b: Local, joined: Local, join: BlockId) -> Local {
        let how = self.value(STATUS, BodyOp::Const { c: Const::Int(rich_compare_op(op)), ty: STATUS });
        let r = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_OBJECT_RICH_COMPARE, args: vec![a, b, how] });
        let t = self.truth_of_status(&p::PY_OBJECT_IS_TRUE, vec![r]);
        self.op(vec![joined], BodyOp::Copy { src: t });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        self.value(Ty::Bool, BodyOp::Copy { src: joined })
    }

    /// `a op b` (`small_int_op`) where one side is an int (`int_side`) and
    /// the other an object: computed in registers and boxed when the object
    /// is an exact one-digit int (and, for `//` and `%`, the divisor is not
    /// 0), else the operator's C-API call with the int side boxed.
    pub(super) fn small_int_binary(&mut self, op: ObjBinOp, a: &Expr, b: &Expr, inplace: bool) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("int result"));
        let (side, obj, left) = self.int_and_object(a, b)?;
        let value = self.small_int_test(obj, fast, slow);
        let (x, y) = if left { (side.wide(), value) } else { (value, side.wide()) };
        self.b.switch_to(fast);
        self.reachable = true;
        let r = self.small_int_arith(op, x, y, slow);
        self.b.op(vec![result], OpKind::CallC { prim: &p::PY_LONG_FROM_LONG_LONG, args: vec![r] });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let boxed = self.box_int_side(&side)?;
        let args = if left { vec![boxed, obj] } else { vec![obj, boxed] };
        self.b.op(vec![result], OpKind::CallC { prim: binary_prim(op, inplace), args });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }
}
