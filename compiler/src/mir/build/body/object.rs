//! Operations on objects in a native body: constant objects, C values boxed
//! and objects unboxed where they meet, operators, comparisons, `is`, `in`,
//! truth values, attributes, items, calls, displays, `len` and `for` over an
//! iterator, each a C-API
//! primitive (`mir::primitives`) or a MIR op of its own; the passes add
//! their reference counts and error edges.

use super::{BodyBuilder, B};
use crate::hir::{CmpOp, Const, Expr, ExprKind, LocalId, ObjBinOp, ObjConst, ObjOp, ObjUnOp, Stmt};
use crate::mir::body::{BodyOp, SSIZE};
use crate::mir::build::wrapper::boxed;
use crate::mir::primitives::{self as p, Primitive};
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::{Ty, C_INT};

/// The C-API function of a binary operator (`inplace`: augmented assignment's).
fn binary_prim(op: ObjBinOp, inplace: bool) -> &'static Primitive {
    use ObjBinOp::*;
    match (op, inplace) {
        (Add, false) => &p::PY_NUMBER_ADD,
        (Sub, false) => &p::PY_NUMBER_SUBTRACT,
        (Mul, false) => &p::PY_NUMBER_MULTIPLY,
        (TrueDiv, false) => &p::PY_NUMBER_TRUE_DIVIDE,
        (FloorDiv, false) => &p::PY_NUMBER_FLOOR_DIVIDE,
        (Mod, false) => &p::PY_NUMBER_REMAINDER,
        (Pow, false) => &p::PY_NUMBER_POWER,
        (LShift, false) => &p::PY_NUMBER_LSHIFT,
        (RShift, false) => &p::PY_NUMBER_RSHIFT,
        (And, false) => &p::PY_NUMBER_AND,
        (Or, false) => &p::PY_NUMBER_OR,
        (Xor, false) => &p::PY_NUMBER_XOR,
        (MatMul, false) => &p::PY_NUMBER_MATRIX_MULTIPLY,
        (Add, true) => &p::PY_NUMBER_IN_PLACE_ADD,
        (Sub, true) => &p::PY_NUMBER_IN_PLACE_SUBTRACT,
        (Mul, true) => &p::PY_NUMBER_IN_PLACE_MULTIPLY,
        (TrueDiv, true) => &p::PY_NUMBER_IN_PLACE_TRUE_DIVIDE,
        (FloorDiv, true) => &p::PY_NUMBER_IN_PLACE_FLOOR_DIVIDE,
        (Mod, true) => &p::PY_NUMBER_IN_PLACE_REMAINDER,
        (Pow, true) => &p::PY_NUMBER_IN_PLACE_POWER,
        (LShift, true) => &p::PY_NUMBER_IN_PLACE_LSHIFT,
        (RShift, true) => &p::PY_NUMBER_IN_PLACE_RSHIFT,
        (And, true) => &p::PY_NUMBER_IN_PLACE_AND,
        (Or, true) => &p::PY_NUMBER_IN_PLACE_OR,
        (Xor, true) => &p::PY_NUMBER_IN_PLACE_XOR,
        (MatMul, true) => &p::PY_NUMBER_IN_PLACE_MATRIX_MULTIPLY,
    }
}

/// CPython's `Py_LT` … `Py_GE`.
fn rich_compare_op(op: CmpOp) -> i64 {
    match op {
        CmpOp::Lt => 0,
        CmpOp::Le => 1,
        CmpOp::Eq => 2,
        CmpOp::Ne => 3,
        CmpOp::Gt => 4,
        CmpOp::Ge => 5,
    }
}

const STATUS: Ty = Ty::Int(C_INT);

impl BodyBuilder<'_, '_> {
    /// The value of `e` when it is an operation on objects (or a conversion
    /// between an object and a C value); `None` when it is not one.
    pub(super) fn object_expr(&mut self, e: &Expr) -> B<Option<Local>> {
        let obj = LocalTy::Object;
        Ok(Some(match &e.kind {
            ExprKind::ObjConst(c) => self.b.value(obj, OpKind::LoadConst(c.clone())),
            ExprKind::FieldLoad { obj: o, offset } => {
                let v = self.expr(o)?;
                self.b.value(obj, OpKind::LoadField { obj: v, offset: *offset as i32 })
            }
            ExprKind::TypeTest { obj: o, class, qualified, arg } => {
                let v = self.expr(o)?;
                self.type_test(v, class, qualified, arg.as_deref())
            }
            ExprKind::NoneGuard { obj: o, attr } => {
                let v = self.expr(o)?;
                let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
                let is_none = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::SameObject { a: v, b: none });
                let (raise, ok) = (self.b.block(true), self.b.block(false));
                self.b.terminate(Terminator::Branch { cond: is_none, then: raise, otherwise: ok });
                self.b.switch_to(raise);
                // `None.attr` always raises: the error edge leaves here.
                let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(attr.clone())));
                self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_GET_ATTR, args: vec![v, n] });
                self.b.terminate(Terminator::Goto(ok));
                self.b.switch_to(ok);
                v
            }
            ExprKind::Convert(x) if e.ty == Ty::Object => {
                let v = self.expr(x)?;
                boxed(self.b, Some(v), x.ty)?
            }
            ExprKind::Convert(x) if x.ty == Ty::Object => {
                let v = self.expr(x)?;
                self.b.value(LocalTy::Scalar(e.ty), OpKind::Unbox { obj: v, ty: e.ty })
            }
            ExprKind::Truthy(x) if x.ty == Ty::Object => {
                let v = self.expr(x)?;
                self.truth_of_status(&p::PY_OBJECT_IS_TRUE, vec![v])
            }
            ExprKind::ObjBinary { op, a, b, inplace } => {
                let mut args = vec![self.expr(a)?, self.expr(b)?];
                if *op == ObjBinOp::Pow {
                    args.push(self.b.value(obj, OpKind::LoadConst(ObjConst::None)));
                }
                self.b.value(obj, OpKind::CallC { prim: binary_prim(*op, *inplace), args })
            }
            ExprKind::ObjUnary(op, x) => {
                let v = self.expr(x)?;
                let prim = match op {
                    ObjUnOp::Neg => &p::PY_NUMBER_NEGATIVE,
                    ObjUnOp::Pos => &p::PY_NUMBER_POSITIVE,
                    ObjUnOp::Invert => &p::PY_NUMBER_INVERT,
                };
                self.b.value(obj, OpKind::CallC { prim, args: vec![v] })
            }
            ExprKind::ObjCompare(op, a, b) => {
                let (va, vb) = (self.expr(a)?, self.expr(b)?);
                let how = self.value(STATUS, BodyOp::Const { c: Const::Int(rich_compare_op(*op)), ty: STATUS });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_RICH_COMPARE, args: vec![va, vb, how] })
            }
            ExprKind::ObjIs(a, b) => {
                let (va, vb) = (self.expr(a)?, self.expr(b)?);
                self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::SameObject { a: va, b: vb })
            }
            ExprKind::ObjContains { item, container } => {
                let vi = self.expr(item)?;
                let vc = self.expr(container)?;
                self.truth_of_status(&p::PY_SEQUENCE_CONTAINS, vec![vc, vi])
            }
            ExprKind::ObjOp { op, operands } => {
                let mut vals = vec![];
                for x in operands {
                    vals.push(self.expr(x)?);
                }
                self.object_op(op, vals)?
            }
            _ => return Ok(None),
        }))
    }

    /// `v` checked to be an instance of the extension type bound to the
    /// global `class`, or None: its exact type first, then
    /// `PyObject_IsInstance` (subclasses), and on the cold path the module
    /// helper that raises Cython's TypeError.
    fn type_test(&mut self, v: Local, class: &str, qualified: &str, arg: Option<&str>) -> Local {
        let obj = LocalTy::Object;
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let cls = self.b.value(obj, OpKind::LoadGlobal { name: class.to_string() });
        let t = self.b.value(obj, OpKind::LoadField { obj: v, offset: 8 });
        let same = self.b.value(bool_ty, OpKind::SameObject { a: t, b: cls });
        let (ok, not_exact, not_none, fail) = (self.b.block(false), self.b.block(true), self.b.block(true), self.b.block(true));
        self.b.terminate(Terminator::Branch { cond: same, then: ok, otherwise: not_exact });
        self.b.switch_to(not_exact);
        let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
        let is_none = self.b.value(bool_ty, OpKind::SameObject { a: v, b: none });
        self.b.terminate(Terminator::Branch { cond: is_none, then: ok, otherwise: not_none });
        self.b.switch_to(not_none);
        let inst = self.truth_of_status(&p::PY_OBJECT_IS_INSTANCE, vec![v, cls]);
        self.b.terminate(Terminator::Branch { cond: inst, then: ok, otherwise: fail });
        self.b.switch_to(fail);
        let want = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(qualified.to_string())));
        let name = self.b.value(obj, OpKind::LoadConst(arg.map_or(ObjConst::None, |a| ObjConst::Str(a.to_string()))));
        // It always raises (NULL): the error edge leaves here.
        self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_TYPE_ERROR, args: vec![v, want, name] });
        self.b.terminate(Terminator::Goto(ok));
        self.b.switch_to(ok);
        v
    }

    /// `op` of its evaluated operands.
    fn object_op(&mut self, op: &ObjOp, vals: Vec<Local>) -> B<Local> {
        let obj = LocalTy::Object;
        let status = LocalTy::Scalar(STATUS);
        let call = |bb: &mut Self, ty: LocalTy, prim: &'static Primitive, args: Vec<Local>| bb.b.value(ty, OpKind::CallC { prim, args });
        Ok(match (op, &vals[..]) {
            (ObjOp::GetAttr(name), [o]) => {
                let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.clone())));
                call(self, obj, &p::PY_OBJECT_GET_ATTR, vec![*o, n])
            }
            (ObjOp::SetAttr(name), [v, o]) => {
                let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.clone())));
                call(self, status, &p::PY_OBJECT_SET_ATTR, vec![*o, n, *v])
            }
            (ObjOp::Slice, [start, stop, step]) => call(self, obj, &p::PY_SLICE_NEW, vec![*start, *stop, *step]),
            (ObjOp::GetItem, [o, k]) => call(self, obj, &p::PY_OBJECT_GET_ITEM, vec![*o, *k]),
            (ObjOp::GetItemInt, [o, i]) => self.b.value(obj, OpKind::GetItemInt { obj: *o, index: *i }),
            (ObjOp::SetItem, [v, o, k]) => call(self, status, &p::PY_OBJECT_SET_ITEM, vec![*o, *k, *v]),
            (ObjOp::Call { keywords }, [f, args @ ..]) => {
                let kwnames = match keywords.is_empty() {
                    true => None,
                    false => Some(self.b.value(obj, OpKind::LoadConst(ObjConst::Names(keywords.clone())))),
                };
                self.b.value(obj, OpKind::CallObject { func: *f, args: args.to_vec(), kwnames, keywords: keywords.len() })
            }
            (ObjOp::Global(name), []) => self.b.value(obj, OpKind::LoadGlobal { name: name.clone() }),
            (ObjOp::Len, [o]) => call(self, LocalTy::Scalar(Ty::Int(SSIZE)), &p::PY_OBJECT_SIZE, vec![*o]),
            (ObjOp::Tuple | ObjOp::List, items) => {
                let (new, set) = if *op == ObjOp::Tuple { (&p::PY_TUPLE_NEW, &p::PY_TUPLE_SET_ITEM) } else { (&p::PY_LIST_NEW, &p::PY_LIST_SET_ITEM) };
                let n = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(items.len() as i64), ty: Ty::Int(SSIZE) });
                let display = call(self, obj, new, vec![n]);
                for (k, item) in items.iter().enumerate() {
                    let at = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(k as i64), ty: Ty::Int(SSIZE) });
                    call(self, status, set, vec![display, at, *item]);
                }
                display
            }
            (ObjOp::Set, items) => {
                let empty = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) });
                let display = call(self, obj, &p::PY_SET_NEW, vec![empty]);
                for item in items {
                    call(self, status, &p::PY_SET_ADD, vec![display, *item]);
                }
                display
            }
            (ObjOp::Dict, items) => {
                let display = call(self, obj, &p::PY_DICT_NEW, vec![]);
                for pair in items.chunks(2) {
                    if let [k, v] = pair {
                        call(self, status, &p::PY_DICT_SET_ITEM, vec![display, *k, *v]);
                    }
                }
                display
            }
            (op, vals) => return Err(format!("{op:?} of {} operands reached the body builder", vals.len())),
        })
    }

    /// `for … in iter`: the iterator's items, each assigned to `item`
    /// before the body, until it ends (then the `else` block) or raises.
    pub(super) fn for_iter(&mut self, item: LocalId, iter: &Expr, body: &[Stmt], orelse: &[Stmt]) -> B<()> {
        let o = self.expr(iter)?;
        let it = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_OBJECT_GET_ITER, args: vec![o] });
        let (header, body_b, else_b, exit) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        self.terminate(Terminator::Goto(header));
        self.b.switch_to(header);
        self.reachable = true;
        let line = self.b.line();
        let next = self.b.local(LocalTy::Object, None);
        let done = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![next, done], OpKind::IterNext { iter: it });
        self.terminate(Terminator::Branch { cond: done, then: else_b, otherwise: body_b });
        self.b.switch_to(body_b);
        self.reachable = true;
        self.assign(item, next);
        self.loop_body(body, header, line, else_b, exit, orelse)
    }

    /// A primitive's 0/1 status (-1 on error) as a `bint`.
    fn truth_of_status(&mut self, prim: &'static Primitive, args: Vec<Local>) -> Local {
        let status = self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim, args });
        self.value(Ty::Bool, BodyOp::Truthy { value: status, ty: STATUS })
    }
}
