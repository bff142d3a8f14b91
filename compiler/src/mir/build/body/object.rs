//! Operations on objects in a native body: constant objects, C values boxed
//! and objects unboxed where they meet, operators, comparisons, `is`, `in`,
//! truth values, attributes, items, calls, displays, `len` and `for` over an
//! iterator, each a C-API
//! primitive (`mir::primitives`) or a MIR op of its own; the passes add
//! their reference counts and error edges.
//!
//! Cython's fast paths are branches built here (those for numbers in
//! `number.rs`), each slow path the ordinary primitive call: `for` over an
//! exact list or tuple by index
//! (`IterStart`, `SeqLen`, `SeqItem`), an item by a C index in place
//! (`ItemInPlace`); a method call `o.m(args)` makes no bound method
//! (`CallMethod`); an exact dict's `get` and item assignment are
//! `PyDict_GetItemWithError` and `PyDict_SetItem` (`IsExactDict`, `DictItem`).

use super::number::{boxed_double, float_op, int_side, small_int_op};
use super::text::{is_global, number_text};
use super::{BodyBuilder, B};
use crate::hir::{CmpOp, CompKind, Comprehension, Const, Expr, ExprKind, LocalId, ObjBinOp, ObjConst, ObjOp, ObjUnOp, Stmt};
use crate::mir::body::{BodyOp, SSIZE};
use crate::mir::build::wrapper::boxed;
use crate::mir::primitives::{self as p, Primitive};
use crate::mir::{BlockId, Local, LocalTy, OpKind, Terminator};
use crate::types::{Ty, C_INT};

/// The C-API function of a binary operator (`inplace`: augmented assignment's).
pub(super) fn binary_prim(op: ObjBinOp, inplace: bool) -> &'static Primitive {
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
pub(super) fn rich_compare_op(op: CmpOp) -> i64 {
    match op {
        CmpOp::Lt => 0,
        CmpOp::Le => 1,
        CmpOp::Eq => 2,
        CmpOp::Ne => 3,
        CmpOp::Gt => 4,
        CmpOp::Ge => 5,
    }
}

pub(super) const STATUS: Ty = Ty::Int(C_INT);
pub(super) const WIDE: Ty = Ty::Int(SSIZE);

/// Whether evaluating `e` can neither run Python code nor raise (but for
/// an unassigned local's UnboundLocalError): a constant, a local, a C
/// value boxed.
pub(super) fn quiet(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::ObjConst(_) | ExprKind::Const(_) | ExprKind::Local(_) => true,
        ExprKind::Convert(x) => x.ty != Ty::Object && quiet(x),
        _ => false,
    }
}

/// `o.m(args)` whose arguments are `quiet`: the method's name and the
/// receiver `o`, for a call without a bound method object
/// (`OpKind::CallMethod`). The method is looked up after the arguments
/// are evaluated, where Python looks it up before: only arguments whose
/// evaluation nothing can observe keep the order unobservable.
fn method_call(operands: &[Expr]) -> Option<(&str, &Expr)> {
    let (f, args) = operands.split_first()?;
    match &f.kind {
        ExprKind::ObjOp { op: ObjOp::GetAttr(name), operands } if operands.len() == 1 && args.iter().all(quiet) => Some((name.as_str(), &operands[0])),
        _ => None,
    }
}

/// `o.m(args)` with any arguments: the method's name and the receiver,
/// for a call that looks the method up before the arguments are evaluated
/// without a bound method object (`OpKind::LoadMethod`), where `method_call`
/// cannot reorder the lookup.
fn loaded_method_call(operands: &[Expr]) -> Option<(&str, &Expr)> {
    match &operands.first()?.kind {
        ExprKind::ObjOp { op: ObjOp::GetAttr(name), operands } if operands.len() == 1 => Some((name.as_str(), &operands[0])),
        _ => None,
    }
}

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
            ExprKind::TypeTest { obj: o, class, qualified, arg, builtin } => {
                let v = self.expr(o)?;
                match builtin {
                    true => self.builtin_type_test(v, class),
                    false => self.type_test(v, class, qualified, arg.as_deref()),
                }
            }
            ExprKind::IsClassInstance { obj: o, class, exact, inherits } => {
                let v = self.expr(o)?;
                self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsClassInstance { obj: v, class: class.clone(), exact: *exact, inherits: inherits.clone() })
            }
            ExprKind::NoneGuard { obj: o, attr, store } => {
                let v = self.expr(o)?;
                self.none_guard(v, attr, *store)
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
                if let ExprKind::ObjCompare(op, a, b) = &x.kind {
                    if let Some(t) = self.abs_compare(*op, a, b)? {
                        return Ok(Some(t));
                    }
                    if let Some(t) = self.small_int_compare(*op, a, b)? {
                        return Ok(Some(t));
                    }
                }
                let v = self.expr(x)?;
                self.truth_of_status(&p::PY_OBJECT_IS_TRUE, vec![v])
            }
            ExprKind::ObjBinary { op, a, b, inplace } if small_int_op(*op) && (int_side(a) != int_side(b)) => {
                self.small_int_binary(*op, a, b, *inplace)?
            }
            ExprKind::ObjBinary { op, a, b, inplace } if float_op(*op) => match self.number_tree(e)? {
                Some(r) => r,
                None => match (boxed_double(a), boxed_double(b)) {
                    (Some(x), _) => {
                        let (dx, vb) = (self.expr(x)?, self.expr(b)?);
                        self.double_binary(*op, dx, vb, true, *inplace)?
                    }
                    (None, Some(y)) => {
                        let (va, dy) = (self.expr(a)?, self.expr(y)?);
                        self.double_binary(*op, dy, va, false, *inplace)?
                    }
                    (None, None) => {
                        let (va, vb) = (self.expr(a)?, self.expr(b)?);
                        self.float_binary(*op, va, vb, *inplace)?
                    }
                },
            },
            ExprKind::ObjBinary { op, a, b, inplace } => {
                let mut args = vec![self.expr(a)?, self.expr(b)?];
                if *op == ObjBinOp::Pow {
                    args.push(self.b.value(obj, OpKind::LoadConst(ObjConst::None)));
                }
                self.b.value(obj, OpKind::CallC { prim: binary_prim(*op, *inplace), args })
            }
            ExprKind::ObjUnary(ObjUnOp::Abs, x) => {
                let v = self.expr(x)?;
                self.object_abs(v)?
            }
            ExprKind::ObjUnary(op, x) => {
                let v = self.expr(x)?;
                let prim = match op {
                    ObjUnOp::Neg => &p::PY_NUMBER_NEGATIVE,
                    ObjUnOp::Pos => &p::PY_NUMBER_POSITIVE,
                    ObjUnOp::Invert => &p::PY_NUMBER_INVERT,
                    ObjUnOp::Abs => &p::PY_NUMBER_ABSOLUTE,
                };
                self.b.value(obj, OpKind::CallC { prim, args: vec![v] })
            }
            ExprKind::ObjCompare(op, a, b) => {
                let (va, vb) = (self.expr(a)?, self.expr(b)?);
                let how = self.value(STATUS, BodyOp::Const { c: Const::Int(rich_compare_op(*op)), ty: STATUS });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_RICH_COMPARE, args: vec![va, vb, how] })
            }
            ExprKind::ObjIs(a, b) => {
                // `x.field is y`: the field borrowed from `x`, no reference
                // taken, when nothing runs between its read and the
                // comparison (the other operand a local or constant, or
                // evaluated first).
                let peek = |bb: &mut Self, x: &Expr| -> B<Local> {
                    match &x.kind {
                        ExprKind::FieldLoad { obj: o, offset } => {
                            let v = bb.expr(o)?;
                            Ok(bb.b.value(LocalTy::Object, OpKind::PeekField { obj: v, offset: *offset as i32 }))
                        }
                        _ => bb.expr(x),
                    }
                };
                let quiet = matches!(b.kind, ExprKind::Local(_) | ExprKind::ObjConst(_));
                let va = if quiet { peek(self, a)? } else { self.expr(a)? };
                let vb = peek(self, b)?;
                self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::SameObject { a: va, b: vb })
            }
            ExprKind::ObjContains { item, container } => {
                let vi = self.expr(item)?;
                let vc = self.expr(container)?;
                let prim = if self.is_dict_local(container) { &p::PY_DICT_CONTAINS } else { &p::PY_SEQUENCE_CONTAINS };
                self.truth_of_status(prim, vec![vc, vi])
            }
            ExprKind::ObjOp { op: ObjOp::Len, operands } if matches!(operands.as_slice(), [Expr { kind: ExprKind::FieldLoad { .. }, .. }]) => {
                let v = self.expr(&operands[0])?;
                self.field_len(v)
            }
            ExprKind::ObjOp { op: ObjOp::Call { keywords }, operands } if keywords.is_empty() && self.list_append(operands).is_some() => {
                let Some((list, item)) = self.list_append(operands) else {
                    return Err("an append without its list".into());
                };
                let l = self.expr(list)?;
                let v = self.expr(item)?;
                self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim: &p::PY_LIST_APPEND, args: vec![l, v] });
                self.b.value(obj, OpKind::NoneRef)
            }
            ExprKind::ObjOp { op: ObjOp::Call { keywords }, operands } if method_call(operands).is_some() => {
                let Some((name, receiver)) = method_call(operands) else {
                    return Err("a method call without its receiver".into());
                };
                let mut args = vec![self.expr(receiver)?];
                for x in &operands[1..] {
                    args.push(self.expr(x)?);
                }
                if name == "get" && keywords.is_empty() && matches!(args.len(), 2 | 3) {
                    if self.is_dict_local(receiver) {
                        return Ok(Some(self.exact_dict_get(args)));
                    }
                    return Ok(Some(self.dict_get(args)?));
                }
                // `self.tags.append(x)` of a cclass field (a `list` field
                // holds a list or None).
                if name == "append" && keywords.is_empty() && args.len() == 2 && matches!(receiver.kind, ExprKind::FieldLoad { .. }) {
                    return Ok(Some(self.checked_list_append(args)?));
                }
                self.call_method(name, args, keywords)?
            }
            ExprKind::ObjOp { op: ObjOp::Call { keywords }, operands } if loaded_method_call(operands).is_some() => {
                let Some((name, receiver)) = loaded_method_call(operands) else {
                    return Err("a method call without its receiver".into());
                };
                if keywords.is_empty() && crate::mir::str_fast_method(name) {
                    if let Some(r) = self.str_method_call(name, receiver, &operands[1..])? {
                        return Ok(Some(r));
                    }
                }
                let recv = self.expr(receiver)?;
                self.loaded_method_call(recv, name, &operands[1..], keywords)?
            }
            ExprKind::ObjOp { op: ObjOp::Call { keywords }, operands } if keywords.is_empty() && matches!(operands.as_slice(), [f, _] if is_global(f, "str")) => {
                let f = self.expr(&operands[0])?;
                let x = self.expr(&operands[1])?;
                self.str_call(f, x)
            }
            ExprKind::ObjOp { op: ObjOp::Format { conversion }, operands } if matches!(conversion, None | Some('s' | 'r' | 'a')) && matches!(operands.as_slice(), [v] if number_text(v).is_some()) => {
                let Some((value, ty)) = operands.first().and_then(number_text) else {
                    return Err("a number's text without its number".into());
                };
                self.number_text(value, ty)?
            }
            ExprKind::ObjOp { op, operands } => {
                let mut vals = vec![];
                for x in operands {
                    vals.push(self.expr(x)?);
                }
                match self.exact_dict_op(op, operands, &vals)? {
                    Some(r) => r,
                    None => self.object_op(op, vals)?,
                }
            }
            ExprKind::Comprehension(c) => self.comprehension(c)?,
            ExprKind::AssignLocal { local, value } => {
                // The expression's value is a reference of its own: the
                // variable may be assigned again while it is in use
                // (`(x := a) + (x := b)`).
                let v = self.expr(value)?;
                self.assign(*local, v);
                let read = self.read_local(*local);
                self.b.value(obj, OpKind::Assign { src: read })
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) if e.ty == Ty::Object => {
                // The deciding operand's value, in a variable both paths assign.
                let is_and = matches!(e.kind, ExprKind::And(..));
                let joined = self.b.local(obj, Some(if is_and { "and value" } else { "or value" }));
                let va = self.expr(a)?;
                let t = self.truth_of_status(&p::PY_OBJECT_IS_TRUE, vec![va]);
                self.b.op(vec![joined], OpKind::Assign { src: va });
                let (eval_b, merge) = (self.b.block(false), self.b.block(false));
                let (then, otherwise) = if is_and { (eval_b, merge) } else { (merge, eval_b) };
                self.terminate(Terminator::Branch { cond: t, then, otherwise });
                self.b.switch_to(eval_b);
                self.reachable = true;
                let vb = self.expr(b)?;
                self.b.op(vec![joined], OpKind::Assign { src: vb });
                self.terminate(Terminator::Goto(merge));
                self.b.switch_to(merge);
                self.reachable = true;
                self.b.value(obj, OpKind::ReadVar { var: joined })
            }
            ExprKind::IfExp { cond, then, orelse, .. } if e.ty == Ty::Object => {
                let joined = self.b.local(obj, Some("conditional value"));
                let (tb, eb, merge) = (self.b.block(false), self.b.block(false), self.b.block(false));
                self.branch_on(cond, tb, eb)?;
                for (blk, x) in [(tb, then), (eb, orelse)] {
                    self.b.switch_to(blk);
                    self.reachable = true;
                    let v = self.expr(x)?;
                    self.b.op(vec![joined], OpKind::Assign { src: v });
                    self.terminate(Terminator::Goto(merge));
                }
                self.b.switch_to(merge);
                self.reachable = true;
                self.b.value(obj, OpKind::ReadVar { var: joined })
            }
            _ => return Ok(None),
        }))
    }

    /// `v` checked to be an instance of the module's extension type
    /// `class` (or a subtype: Cython's `__Pyx_TypeTest`, the type from the
    /// module's slot, as Cython's from its module state), or None; on the
    /// cold path the module helper that raises Cython's TypeError.
    fn type_test(&mut self, v: Local, class: &str, qualified: &str, arg: Option<&str>) -> Local {
        let obj = LocalTy::Object;
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        // The exact type first, branching straight to `ok` (no bint joined
        // then tested again), then the subtypes.
        let exact = self.b.value(bool_ty, OpKind::IsClassInstance { obj: v, class: class.to_string(), exact: true, inherits: None });
        let (ok, sub, not_inst, fail) = (self.b.block(false), self.b.block(false), self.b.block(true), self.b.block(true));
        self.b.terminate(Terminator::Branch { cond: exact, then: ok, otherwise: sub });
        self.b.switch_to(sub);
        let inst = self.b.value(bool_ty, OpKind::IsClassInstance { obj: v, class: class.to_string(), exact: false, inherits: None });
        self.b.terminate(Terminator::Branch { cond: inst, then: ok, otherwise: not_inst });
        self.b.switch_to(not_inst);
        let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
        let is_none = self.b.value(bool_ty, OpKind::SameObject { a: v, b: none });
        self.b.terminate(Terminator::Branch { cond: is_none, then: ok, otherwise: fail });
        self.b.switch_to(fail);
        let want = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(qualified.to_string())));
        let name = self.b.value(obj, OpKind::LoadConst(arg.map_or(ObjConst::None, |a| ObjConst::Str(a.to_string()))));
        // It always raises (NULL): the error edge leaves here.
        self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_TYPE_ERROR, args: vec![v, want, name] });
        self.b.terminate(Terminator::Goto(ok));
        self.b.switch_to(ok);
        v
    }

    /// `v` checked to be None or exactly of the builtin type `name` (a
    /// cclass field typed `list`, `str`, …: Cython's `__Pyx_TypeTest` of a
    /// builtin, no subclass); on the cold path the module helper raising
    /// Cython's "Expected list, got T".
    fn builtin_type_test(&mut self, v: Local, name: &str) -> Local {
        let obj = LocalTy::Object;
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        if name == "int" {
            return self.int_field_value(v);
        }
        let exact = match name {
            "list" => self.b.value(bool_ty, OpKind::IsExactList { obj: v }),
            "str" => self.b.value(bool_ty, OpKind::IsExactStr { obj: v }),
            "tuple" => self.b.value(bool_ty, OpKind::IsExactTuple { obj: v }),
            "dict" => self.b.value(bool_ty, OpKind::IsExactDict { obj: v }),
            _ => {
                let t = self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_TYPE, args: vec![v] });
                let want = self.b.value(obj, OpKind::LoadConst(ObjConst::BuiltinType(name.to_string())));
                self.b.value(bool_ty, OpKind::SameObject { a: t, b: want })
            }
        };
        let (ok, not_exact, fail) = (self.b.block(false), self.b.block(true), self.b.block(true));
        self.b.terminate(Terminator::Branch { cond: exact, then: ok, otherwise: not_exact });
        self.b.switch_to(not_exact);
        let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
        let is_none = self.b.value(bool_ty, OpKind::SameObject { a: v, b: none });
        self.b.terminate(Terminator::Branch { cond: is_none, then: ok, otherwise: fail });
        self.b.switch_to(fail);
        let want = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.to_string())));
        // `False` for the argument: the helper's "Expected T, got U".
        let how = self.b.value(obj, OpKind::LoadConst(ObjConst::Bool(false)));
        self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_TYPE_ERROR, args: vec![v, want, how] });
        self.b.terminate(Terminator::Goto(ok));
        self.b.switch_to(ok);
        v
    }

    /// `v` stored in a cclass field annotated `int`: None or an exact int
    /// as it is, else (Cython's `__Pyx_PyInt_FromNumber`) `int(v)` of a
    /// number, or "Expected int, got T", by the module's type-error helper
    /// (`True` for its argument) on the cold path.
    fn int_field_value(&mut self, v: Local) -> Local {
        let obj = LocalTy::Object;
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let joined = self.b.local(obj, Some("int field value"));
        let t = self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_TYPE, args: vec![v] });
        let want = self.b.value(obj, OpKind::LoadConst(ObjConst::BuiltinType("int".to_string())));
        let exact = self.b.value(bool_ty, OpKind::SameObject { a: t, b: want });
        let (ok, not_exact, convert, merge) = (self.b.block(false), self.b.block(true), self.b.block(true), self.b.block(false));
        self.b.terminate(Terminator::Branch { cond: exact, then: ok, otherwise: not_exact });
        self.b.switch_to(not_exact);
        let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
        let is_none = self.b.value(bool_ty, OpKind::SameObject { a: v, b: none });
        self.b.terminate(Terminator::Branch { cond: is_none, then: ok, otherwise: convert });
        self.b.switch_to(ok);
        self.b.op(vec![joined], OpKind::Assign { src: v });
        self.b.terminate(Terminator::Goto(merge));
        self.b.switch_to(convert);
        let name = self.b.value(obj, OpKind::LoadConst(ObjConst::Str("int".to_string())));
        let how = self.b.value(obj, OpKind::LoadConst(ObjConst::Bool(true)));
        let converted = self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_TYPE_ERROR, args: vec![v, name, how] });
        self.b.op(vec![joined], OpKind::Assign { src: converted });
        self.b.terminate(Terminator::Goto(merge));
        self.b.switch_to(merge);
        self.b.value(obj, OpKind::ReadVar { var: joined })
    }

    /// `op` of its evaluated operands.
    /// `v`, the receiver of `.attr` (`store`: of a store to it), raising
    /// None's AttributeError when it is None.
    pub(super) fn none_guard(&mut self, v: Local, attr: &str, store: bool) -> Local {
        let obj = LocalTy::Object;
        let none = self.b.value(obj, OpKind::LoadConst(ObjConst::None));
        let is_none = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::SameObject { a: v, b: none });
        let (raise, ok) = (self.b.block(true), self.b.block(false));
        self.b.terminate(Terminator::Branch { cond: is_none, then: raise, otherwise: ok });
        self.b.switch_to(raise);
        // `None.attr` always raises: the error edge leaves here.
        let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(attr.to_string())));
        if store {
            // Setting an attribute of None (to None: the message names no value).
            self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim: &p::PY_OBJECT_SET_ATTR, args: vec![v, n, none] });
            self.b.terminate(Terminator::Goto(ok));
        } else {
            let got = self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_GET_ATTR, args: vec![v, n] });
            if attr.starts_with("__") && attr.ends_with("__") {
                self.b.terminate(Terminator::Goto(ok));
            } else {
                // NoneType has no attribute of any other name: the
                // lookup's success edge is dead, and ending it here
                // (rather than joining `ok`) keeps the receiver one
                // value on the hot path, not a join of two.
                self.b.op(vec![], OpKind::RaiseObject { exc: got, cause: None });
                self.b.terminate(Terminator::Unreachable);
            }
        }
        self.b.switch_to(ok);
        v
    }

    pub(super) fn object_op(&mut self, op: &ObjOp, vals: Vec<Local>) -> B<Local> {
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
            (ObjOp::GetItem, [o, k]) => self.item_object(*o, *k)?,
            (ObjOp::GetItemInt, [o, i]) => self.item_int(*o, *i)?,
            (ObjOp::SetItem, [v, o, k]) => self.set_item(*o, *k, *v)?,
            (ObjOp::SetItemInt, [v, o, i]) => self.set_item_int(*o, *i, *v)?,
            (ObjOp::Call { keywords }, [f, args @ ..]) => {
                let kwnames = match keywords.is_empty() {
                    true => None,
                    false => Some(self.b.value(obj, OpKind::LoadConst(ObjConst::Names(keywords.clone())))),
                };
                self.b.value(obj, OpKind::CallObject { func: *f, args: args.to_vec(), kwnames, keywords: keywords.len() })
            }
            (ObjOp::Global(name), []) => self.b.value(obj, OpKind::LoadGlobal { name: name.clone() }),
            (ObjOp::SetGlobal(name), [v]) => {
                // PyDict_SetItem changes the dict's version tag: every
                // cached lookup of the module's globals looks again.
                let dict = self.b.value(obj, OpKind::ModuleDict);
                let key = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.clone())));
                call(self, status, &p::PY_DICT_SET_ITEM, vec![dict, key, *v])
            }
            (ObjOp::Len, [o]) => call(self, LocalTy::Scalar(Ty::Int(SSIZE)), &p::PY_OBJECT_SIZE, vec![*o]),
            (ObjOp::GetIter, [o]) => call(self, obj, &p::PY_OBJECT_GET_ITER, vec![*o]),
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
            (ObjOp::Format { conversion }, [v, spec @ ..]) if spec.len() <= 1 => {
                let converted = match conversion {
                    None => *v,
                    Some('r') => call(self, obj, &p::PY_OBJECT_REPR, vec![*v]),
                    Some('s') => call(self, obj, &p::PY_OBJECT_STR, vec![*v]),
                    Some('a') => call(self, obj, &p::PY_OBJECT_ASCII, vec![*v]),
                    Some(c) => return Err(format!("the f-string conversion !{c} reached the body builder")),
                };
                let spec = match spec {
                    [s] => *s,
                    _ => self.b.value(obj, OpKind::LoadConst(ObjConst::Str(String::new()))),
                };
                call(self, obj, &p::PY_OBJECT_FORMAT, vec![converted, spec])
            }
            (ObjOp::JoinStr, parts) => self.b.value(obj, OpKind::JoinStr { parts: parts.to_vec() }),
            (ObjOp::Unpack { before, star, after }, [v]) => self.unpack(*v, *before, *star, *after)?,
            (ObjOp::CallShaped { shape }, [f, values @ ..]) => self.shaped_call(*f, values.to_vec(), shape)?,
            (ObjOp::DelItem, [o, k]) => call(self, status, &p::PY_OBJECT_DEL_ITEM, vec![*o, *k]),
            (ObjOp::Type, [o]) => call(self, obj, &p::PY_OBJECT_TYPE, vec![*o]),
            (ObjOp::WithEnter { exit, unbound }, [o]) => self.with_enter(*o, *exit, *unbound)?,
            (ObjOp::CallExit, [f, unbound, mgr, args @ ..]) => {
                let args = std::iter::once(*mgr).chain(args.iter().copied()).collect();
                self.b.value(obj, OpKind::CallLoadedMethod { method: *f, unbound: *unbound, args, kwnames: None, keywords: 0 })
            }
            (ObjOp::DelAttr(name), [o]) => {
                let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.clone())));
                let null = self.value(WIDE, BodyOp::Const { c: Const::Int(0), ty: WIDE });
                call(self, status, &p::PY_OBJECT_DEL_ATTR, vec![*o, n, null])
            }
            (ObjOp::CellNew, []) => {
                let null = self.value(WIDE, BodyOp::Const { c: Const::Int(0), ty: WIDE });
                call(self, obj, &p::PY_CELL_NEW_EMPTY, vec![null])
            }
            (ObjOp::CellNew, [v]) => call(self, obj, &p::PY_CELL_NEW, vec![*v]),
            (ObjOp::CellGet(name), [c]) => self.b.value(obj, OpKind::CellGet { cell: *c, name: name.clone() }),
            (ObjOp::DefiningClass(c), []) => self.b.value(obj, OpKind::DefiningClass(c.clone())),
            (ObjOp::CellSet, [v, c]) => call(self, status, &p::PY_CELL_SET, vec![*c, *v]),
            (ObjOp::MakeFunction { code, qualname, closure, defaults, kwdefaults, annotations }, parts) => {
                let code = self.b.value(obj, OpKind::LoadConst(ObjConst::Code(code.clone())));
                let globals = self.b.value(obj, OpKind::ModuleDict);
                let qualname = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(qualname.clone())));
                let func = call(self, obj, &p::PY_FUNCTION_NEW_WITH_QUALNAME, vec![code, globals, qualname]);
                let setters = [(*closure, &p::PY_FUNCTION_SET_CLOSURE), (*defaults, &p::PY_FUNCTION_SET_DEFAULTS), (*kwdefaults, &p::PY_FUNCTION_SET_KW_DEFAULTS), (*annotations, &p::PY_FUNCTION_SET_ANNOTATIONS)];
                let mut parts = parts.iter();
                for (present, set) in setters {
                    if present {
                        let Some(part) = parts.next() else { return Err("a nested function's parts are missing".into()) };
                        call(self, status, set, vec![func, *part]);
                    }
                }
                func
            }
            (op, vals) => return Err(format!("{op:?} of {} operands reached the body builder", vals.len())),
        })
    }

    /// `recv.name(*args)` with the method looked up (`LoadMethod`) before
    /// the arguments are evaluated, the last `len(keywords)` by keyword.
    pub(super) fn loaded_method_call(&mut self, recv: Local, name: &str, args: &[Expr], keywords: &[String]) -> B<Local> {
        let obj = LocalTy::Object;
        let name = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.to_string())));
        let (method, unbound) = (self.b.local(obj, Some("method")), self.b.local(LocalTy::Scalar(Ty::Bool), Some("unbound")));
        self.b.op(vec![method, unbound], OpKind::LoadMethod { obj: recv, name });
        let mut vals = vec![recv];
        for x in args {
            vals.push(self.expr(x)?);
        }
        let kwnames = match keywords.is_empty() {
            true => None,
            false => Some(self.b.value(obj, OpKind::LoadConst(ObjConst::Names(keywords.to_vec())))),
        };
        Ok(self.b.value(obj, OpKind::CallLoadedMethod { method, unbound, args: vals, kwnames, keywords: keywords.len() }))
    }

    /// `args[0].name(*args[1:])`, the last `len(keywords)` by keyword,
    /// without a bound method.
    pub(super) fn call_method(&mut self, name: &str, args: Vec<Local>, keywords: &[String]) -> B<Local> {
        let obj = LocalTy::Object;
        let str_method = (keywords.is_empty() && crate::mir::str_fast_method(name)).then(|| name.to_string());
        let name = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.to_string())));
        let kwnames = match keywords.is_empty() {
            true => None,
            false => Some(self.b.value(obj, OpKind::LoadConst(ObjConst::Names(keywords.to_vec())))),
        };
        Ok(self.b.value(obj, OpKind::CallMethod { name, args, kwnames, keywords: keywords.len(), str_method }))
    }

    /// `len(o)` of a cclass field (a `list`, `tuple` or `str` field holds
    /// one or None): an exact list's or tuple's size read in place, an
    /// exact (ready) str's length (`StrLen`), else `PyObject_Size` (None's
    /// TypeError).
    fn field_len(&mut self, o: Local) -> Local {
        let bool_ty = LocalTy::Scalar(Ty::Bool);
        let size = LocalTy::Scalar(Ty::Int(SSIZE));
        let (tuple, fast, string, str_fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(size, Some("len"));
        let list = self.b.value(bool_ty, OpKind::IsExactList { obj: o });
        self.terminate(Terminator::Branch { cond: list, then: fast, otherwise: tuple });
        self.b.switch_to(tuple);
        self.reachable = true;
        let is_tuple = self.b.value(bool_ty, OpKind::IsExactTuple { obj: o });
        self.terminate(Terminator::Branch { cond: is_tuple, then: fast, otherwise: string });
        self.b.switch_to(string);
        self.reachable = true;
        let (n, ok) = (self.b.local(size, None), self.b.local(bool_ty, None));
        self.b.op(vec![n, ok], OpKind::StrLen { obj: o });
        self.terminate(Terminator::Branch { cond: ok, then: str_fast, otherwise: slow });
        self.b.switch_to(str_fast);
        self.reachable = true;
        self.op(vec![result], BodyOp::Copy { src: n });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(fast);
        self.reachable = true;
        let n = self.b.value(size, OpKind::SeqLen { seq: o });
        self.op(vec![result], BodyOp::Copy { src: n });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let n = self.b.value(size, OpKind::CallC { prim: &p::PY_OBJECT_SIZE, args: vec![o] });
        self.op(vec![result], BodyOp::Copy { src: n });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        result
    }

    /// `o.append(v)` (`args`: `o`, `v`, both evaluated): an exact list's
    /// `PyList_Append`, anything else (None too) its `append` called.
    fn checked_list_append(&mut self, args: Vec<Local>) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("appended"));
        let exact = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactList { obj: args[0] });
        self.terminate(Terminator::Branch { cond: exact, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim: &p::PY_LIST_APPEND, args: args.clone() });
        let none = self.b.value(LocalTy::Object, OpKind::NoneRef);
        self.b.op(vec![result], OpKind::Assign { src: none });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let called = self.call_method("append", args, &[])?;
        self.b.op(vec![result], OpKind::Assign { src: called });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `o[k] = v`: in place on an exact list by an exact one-digit int key,
    /// `PyDict_SetItem` on an exact dict, else `PyObject_SetItem`; the
    /// status (0, or -1 on error).
    fn set_item(&mut self, o: Local, k: Local, v: Local) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let joined = self.b.local(LocalTy::Scalar(STATUS), Some("setitem"));
        self.b.passes(join, joined);
        // An exact one-digit int key of an exact list holding an item there
        // (wrapped once if negative): the item replaced in place, as list's
        // own `ass_subscript` replaces it.
        let (small, stored, general) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let i = self.small_int_test(k, small, general);
        self.b.switch_to(small);
        self.reachable = true;
        let done = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::StoreItemInPlace { obj: o, index: i, value: v });
        self.terminate(Terminator::Branch { cond: done, then: stored, otherwise: general });
        self.b.switch_to(stored);
        self.reachable = true;
        let ok = self.value(STATUS, BodyOp::Const { c: Const::Int(0), ty: STATUS });
        self.op(vec![joined], BodyOp::Copy { src: ok });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(general);
        self.reachable = true;
        let exact = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactDict { obj: o });
        self.terminate(Terminator::Branch { cond: exact, then: fast, otherwise: slow });
        for (block, prim) in [(fast, &p::PY_DICT_SET_ITEM), (slow, &p::PY_OBJECT_SET_ITEM)] {
            self.b.switch_to(block);
            self.reachable = true;
            let status = self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim, args: vec![o, k, v] });
            self.op(vec![joined], BodyOp::Copy { src: status });
            self.terminate(Terminator::Goto(join));
        }
        self.b.switch_to(join);
        self.reachable = true;
        Ok(self.value(STATUS, BodyOp::Copy { src: joined }))
    }

    /// `o[i] = v` by a C index: an exact list's item replaced in place when
    /// the index is in range, else `set_item` with the index boxed; the
    /// status (0, or -1 on error).
    fn set_item_int(&mut self, o: Local, i: Local, v: Local) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let joined = self.b.local(LocalTy::Scalar(STATUS), Some("setitem"));
        self.b.passes(join, joined);
        let stored = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::StoreItemInPlace { obj: o, index: i, value: v });
        self.terminate(Terminator::Branch { cond: stored, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        let ok = self.value(STATUS, BodyOp::Const { c: Const::Int(0), ty: STATUS });
        self.op(vec![joined], BodyOp::Copy { src: ok });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let k = boxed(self.b, Some(i), WIDE)?;
        let status = self.set_item(o, k, v)?;
        self.op(vec![joined], BodyOp::Copy { src: status });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(self.value(STATUS, BodyOp::Copy { src: joined }))
    }

    /// `for … in iter`: its items, each assigned to `item` before the
    /// body, until they end (then the `else` block) or the iterator raises.
    /// An exact list or tuple is read by index, its length read again at
    /// each step (as its own iterator does), with no iterator object;
    /// anything else through `PyObject_GetIter` and `PyIter_Next`.
    pub(super) fn for_iter(&mut self, item: LocalId, iter: &Expr, body: &[Stmt], orelse: &[Stmt]) -> B<()> {
        // A local that holds an exact list whenever bound: by index alone.
        let list = matches!(iter.kind, ExprKind::Local(id) if self.fr.lists.contains(&id));
        let o = self.expr(iter)?;
        // A reference of the loop's own: the body may rebind the variable it came from.
        let o = self.b.value(LocalTy::Object, OpKind::Assign { src: o });
        if list {
            return self.for_list(item, o, body, orelse);
        }
        let it = self.b.value(LocalTy::Object, OpKind::IterStart { obj: o });
        let index = self.b.local(LocalTy::Scalar(WIDE), Some("for index"));
        self.op(vec![index], BodyOp::Const { c: Const::Int(0), ty: WIDE });
        let (header, by_index, take, by_iter, got, body_b, else_b, exit) = (
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
            self.b.block(false),
        );
        self.terminate(Terminator::Goto(header));
        self.b.switch_to(header);
        self.reachable = true;
        let line = self.b.line();
        let indexed = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: it });
        self.terminate(Terminator::Branch { cond: indexed, then: by_index, otherwise: by_iter });
        self.b.switch_to(by_index);
        self.reachable = true;
        let len = self.b.value(LocalTy::Scalar(WIDE), OpKind::SeqLen { seq: o });
        let more = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Lt, a: index, ta: WIDE, b: len, tb: WIDE });
        self.terminate(Terminator::Branch { cond: more, then: take, otherwise: else_b });
        self.b.switch_to(take);
        self.reachable = true;
        self.take_item(o, index, false, item, body_b);
        self.b.switch_to(by_iter);
        self.reachable = true;
        let next = self.b.local(LocalTy::Object, None);
        let done = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![next, done], OpKind::IterNext { iter: it });
        self.terminate(Terminator::Branch { cond: done, then: else_b, otherwise: got });
        self.b.switch_to(got);
        self.reachable = true;
        self.assign(item, next);
        self.terminate(Terminator::Goto(body_b));
        self.b.switch_to(body_b);
        self.reachable = true;
        self.loop_body(body, header, line, else_b, exit, orelse)
    }

    /// A `for` loop's step by index: item `index` of the list or tuple `o`
    /// (`list`: known to be a list) into `item`, `index` advanced, on to the
    /// loop's body.
    fn take_item(&mut self, o: Local, index: Local, list: bool, item: LocalId, body_b: BlockId) {
        let v = self.b.value(LocalTy::Object, OpKind::SeqItem { seq: o, index, list });
        let one = self.value(WIDE, BodyOp::Const { c: Const::Int(1), ty: WIDE });
        self.b.op(vec![index], OpKind::SmallIntArith { op: ObjBinOp::Add, a: index, b: one });
        self.assign(item, v);
        self.terminate(Terminator::Goto(body_b));
    }

    /// `for … in` an exact list (`for_iter`'s indexed way with no iterator
    /// to test for): its length read again at each step, as the list's own
    /// iterator does.
    fn for_list(&mut self, item: LocalId, o: Local, body: &[Stmt], orelse: &[Stmt]) -> B<()> {
        let index = self.b.local(LocalTy::Scalar(WIDE), Some("for index"));
        self.op(vec![index], BodyOp::Const { c: Const::Int(0), ty: WIDE });
        let (header, take, body_b, else_b, exit) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        self.terminate(Terminator::Goto(header));
        self.b.switch_to(header);
        self.reachable = true;
        let line = self.b.line();
        let len = self.b.value(LocalTy::Scalar(WIDE), OpKind::SeqLen { seq: o });
        let more = self.value(Ty::Bool, BodyOp::Compare { op: CmpOp::Lt, a: index, ta: WIDE, b: len, tb: WIDE });
        self.terminate(Terminator::Branch { cond: more, then: take, otherwise: else_b });
        self.b.switch_to(take);
        self.reachable = true;
        self.take_item(o, index, true, item, body_b);
        self.b.switch_to(body_b);
        self.reachable = true;
        self.loop_body(body, header, line, else_b, exit, orelse)
    }

    /// `o[i]` by a `Py_ssize_t`: an exact list's or tuple's item read in
    /// place when `i` is in range, else `PyObject_GetItem` with `i` boxed
    /// (which raises CPython's errors); a new reference either way.
    fn item_int(&mut self, o: Local, i: Local) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("item"));
        self.item_in_place(o, i, result, [fast, slow, join]);
        self.b.switch_to(slow);
        self.reachable = true;
        let boxed = boxed(self.b, Some(i), WIDE)?;
        self.b.op(vec![result], OpKind::CallC { prim: &p::PY_OBJECT_GET_ITEM, args: vec![o, boxed] });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// An exact list's or tuple's item `o[i]`, when it has one, read in
    /// place into `result` in `fast`, which goes on to `join`; else on to
    /// `slow`, which the caller fills.
    fn item_in_place(&mut self, o: Local, i: Local, result: Local, [fast, slow, join]: [BlockId; 3]) {
        let item = self.b.local(LocalTy::Object, None);
        let found = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![item, found], OpKind::ItemInPlace { obj: o, index: i });
        self.terminate(Terminator::Branch { cond: found, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        self.b.op(vec![result], OpKind::Assign { src: item });
        self.terminate(Terminator::Goto(join));
    }

    /// `o[k]` of two objects: when `k` is an exact one-digit int and `o` an
    /// exact list or tuple holding an item there (the index wrapped once if
    /// negative), that item read in place (what `PyObject_GetItem` returns
    /// then: list's and tuple's own subscript), else `PyObject_GetItem`.
    fn item_object(&mut self, o: Local, k: Local) -> B<Local> {
        let (small, fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("item"));
        let i = self.small_int_test(k, small, slow);
        self.b.switch_to(small);
        self.reachable = true;
        self.item_in_place(o, i, result, [fast, slow, join]);
        self.b.switch_to(slow);
        self.reachable = true;
        self.b.op(vec![result], OpKind::CallC { prim: &p::PY_OBJECT_GET_ITEM, args: vec![o, k] });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `v` unpacked into `before + after` items (with `star`, a list of
    /// the rest between them): `v` itself when it is an exact list or
    /// tuple of exactly `before + after` items (no star), else the tuple
    /// the module's unpacking helper returns (Python's own unpacking: its
    /// TypeError and ValueError messages). Either way its items are then
    /// read by index.
    fn unpack(&mut self, v: Local, before: usize, star: bool, after: usize) -> B<Local> {
        let obj = LocalTy::Object;
        let result = self.b.local(obj, Some("unpacked"));
        let n = before + after;
        let (slow, join) = (self.b.block(false), self.b.block(false));
        if !star && n > 0 {
            let (sized, fast) = (self.b.block(false), self.b.block(false));
            // An item at n - 1 read in place and none at n: exactly n items.
            let at = |bb: &mut Self, k: usize| bb.value(WIDE, BodyOp::Const { c: Const::Int(k as i64), ty: WIDE });
            let last = at(self, n - 1);
            let (item, found) = (self.b.local(obj, None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
            self.b.op(vec![item, found], OpKind::ItemInPlace { obj: v, index: last });
            self.terminate(Terminator::Branch { cond: found, then: sized, otherwise: slow });
            self.b.switch_to(sized);
            self.reachable = true;
            let past = at(self, n);
            let (extra, more) = (self.b.local(obj, None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
            self.b.op(vec![extra, more], OpKind::ItemInPlace { obj: v, index: past });
            self.terminate(Terminator::Branch { cond: more, then: slow, otherwise: fast });
            self.b.switch_to(fast);
            self.reachable = true;
            self.b.op(vec![result], OpKind::Assign { src: v });
            self.terminate(Terminator::Goto(join));
        } else {
            self.terminate(Terminator::Goto(slow));
        }
        self.b.switch_to(slow);
        self.reachable = true;
        let count = |bb: &mut Self, k: usize| bb.b.value(obj, OpKind::LoadConst(ObjConst::Int(k as i128)));
        let (b, a) = (count(self, before), count(self, after));
        let s = self.b.value(obj, OpKind::LoadConst(ObjConst::Bool(star)));
        let made = self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_UNPACK, args: vec![v, b, a, s] });
        // The helper returns the exception (its traceback cleared) rather
        // than raising it, so it is raised here, in this frame at this line,
        // as Python's own unpacking raises it: a tuple has an item 0 (there
        // is at least one target), an exception is no tuple.
        let (got, failed) = (self.b.block(false), self.b.block(true));
        let zero = self.value(WIDE, BodyOp::Const { c: Const::Int(0), ty: WIDE });
        let (first, is_tuple) = (self.b.local(obj, None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
        self.b.op(vec![first, is_tuple], OpKind::ItemInPlace { obj: made, index: zero });
        self.terminate(Terminator::Branch { cond: is_tuple, then: got, otherwise: failed });
        self.b.switch_to(failed);
        self.reachable = true;
        self.b.op(vec![], OpKind::RaiseObject { exc: made, cause: None });
        self.terminate(Terminator::Unreachable);
        self.b.switch_to(got);
        self.reachable = true;
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// A comprehension: the new container, filled by one loop per
    /// generator (each over its iterable's iterator, its conditions going
    /// on to the next item), the innermost adding each item.
    fn comprehension(&mut self, c: &Comprehension) -> B<Local> {
        let obj = LocalTy::Object;
        let display = match c.kind {
            CompKind::List => {
                let n = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_LIST_NEW, args: vec![n] })
            }
            CompKind::Set => {
                let n = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_SET_NEW, args: vec![n] })
            }
            CompKind::Dict => self.b.value(obj, OpKind::CallC { prim: &p::PY_DICT_NEW, args: vec![] }),
            CompKind::Any | CompKind::All => {
                // False (`any`) or True (`all`) unless an item decides.
                let result = self.b.local(obj, Some(if c.kind == CompKind::Any { "any" } else { "all" }));
                self.b.op(vec![result], OpKind::LoadConst(ObjConst::Bool(c.kind == CompKind::All)));
                result
            }
        };
        let done = self.b.block(false);
        self.comprehension_level(c, 0, display, done, done)?;
        self.b.switch_to(done);
        self.reachable = true;
        Ok(display)
    }

    /// Generator `level` of `c`, going on to `done` when its iterator ends
    /// (`exit`: after the whole comprehension, where `any`/`all` stop).
    fn comprehension_level(&mut self, c: &Comprehension, level: usize, display: Local, done: BlockId, exit: BlockId) -> B<()> {
        let g = &c.generators[level];
        let o = self.expr(&g.iter)?;
        let it = self.b.value(LocalTy::Object, OpKind::CallC { prim: &p::PY_OBJECT_GET_ITER, args: vec![o] });
        let (header, body_b) = (self.b.block(false), self.b.block(false));
        self.terminate(Terminator::Goto(header));
        self.b.switch_to(header);
        self.reachable = true;
        let next = self.b.local(LocalTy::Object, None);
        let ended = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![next, ended], OpKind::IterNext { iter: it });
        self.terminate(Terminator::Branch { cond: ended, then: done, otherwise: body_b });
        self.b.switch_to(body_b);
        self.reachable = true;
        self.assign(g.target, next);
        self.stmts(&g.unpack)?;
        for cond in &g.conds {
            let yes = self.b.block(false);
            self.branch_on(cond, yes, header)?;
            self.b.switch_to(yes);
            self.reachable = true;
        }
        if level + 1 < c.generators.len() {
            return self.comprehension_level(c, level + 1, display, header, exit);
        }
        let status = LocalTy::Scalar(STATUS);
        if matches!(c.kind, CompKind::Any | CompKind::All) {
            // The deciding item sets the result and leaves every loop.
            let decided = self.b.block(false);
            match c.kind {
                CompKind::Any => self.branch_on(&c.elt, decided, header)?,
                _ => self.branch_on(&c.elt, header, decided)?,
            }
            self.b.switch_to(decided);
            self.reachable = true;
            self.b.op(vec![display], OpKind::LoadConst(ObjConst::Bool(c.kind == CompKind::Any)));
            self.terminate(Terminator::Goto(exit));
            return Ok(());
        }
        let item = self.expr(&c.elt)?;
        match (c.kind, &c.value) {
            (CompKind::List, None) => self.b.value(status, OpKind::CallC { prim: &p::PY_LIST_APPEND, args: vec![display, item] }),
            (CompKind::Set, None) => self.b.value(status, OpKind::CallC { prim: &p::PY_SET_ADD, args: vec![display, item] }),
            (CompKind::Dict, Some(v)) => {
                let value = self.expr(v)?;
                self.b.value(status, OpKind::CallC { prim: &p::PY_DICT_SET_ITEM, args: vec![display, item, value] })
            }
            _ => return Err("a comprehension without its value reached the body builder".into()),
        };
        self.terminate(Terminator::Goto(header));
        Ok(())
    }

    /// `xs.append(v)` of a local that always holds an exact list
    /// (`hir::list_locals`, Cython's inferred `list`): the list and the
    /// item, for `PyList_Append` (looking `append` up on a list is
    /// unobservable, so it need not come before the item is evaluated).
    fn list_append<'e>(&self, operands: &'e [Expr]) -> Option<(&'e Expr, &'e Expr)> {
        let [f, item] = operands else { return None };
        match &f.kind {
            ExprKind::ObjOp { op: ObjOp::GetAttr(name), operands } if name == "append" => match operands.as_slice() {
                [list @ Expr { kind: ExprKind::Local(id), .. }] if self.fr.lists.contains(id) => Some((list, item)),
                _ => None,
            },
            _ => None,
        }
    }

    /// A primitive's 0/1 status (-1 on error) as a `bint`.
    pub(super) fn truth_of_status(&mut self, prim: &'static Primitive, args: Vec<Local>) -> Local {
        let status = self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim, args });
        self.value(Ty::Bool, BodyOp::Truthy { value: status, ty: STATUS })
    }
}

impl BodyBuilder<'_, '_> {
    /// A call with `*`/`**` unpacking (`ObjOp::CallShaped`). Of the shape
    /// `f(a, b, *x, **y)` (plain positionals, then at most one `*` and at
    /// most one `**`, no named keyword): when `x` is an exact tuple or list
    /// and `y` an exact dict of str keys, `PyObject_Call` with the tuple of
    /// the positionals and `x`'s items and a copy of `y` (the callee may
    /// keep it), as `CALL_FUNCTION_EX` makes it. Anything else, and every
    /// other shape, is `helper_call`'s (its TypeErrors the interpreter's).
    fn shaped_call(&mut self, f: Local, values: Vec<Local>, shape: &str) -> B<Local> {
        let roles: Vec<&str> = shape.split(',').collect();
        let plain = roles.iter().take_while(|r| **r == "@").count();
        let (star, dstar) = match &roles[plain..] {
            ["*@"] => (Some(values[plain]), None),
            ["**@"] => (None, Some(values[plain])),
            ["*@", "**@"] => (Some(values[plain]), Some(values[plain + 1])),
            _ => return self.helper_call(f, values, shape),
        };
        let obj = LocalTy::Object;
        let bint = LocalTy::Scalar(Ty::Bool);
        let (slow, join) = (self.b.block(false), self.b.block(false));
        let result = self.b.local(obj, Some("called"));
        if let Some(x) = star {
            let (checked, list) = (self.b.block(false), self.b.block(false));
            let tuple = self.b.value(bint, OpKind::IsExactTuple { obj: x });
            self.terminate(Terminator::Branch { cond: tuple, then: checked, otherwise: list });
            self.b.switch_to(list);
            self.reachable = true;
            let list = self.b.value(bint, OpKind::IsExactList { obj: x });
            self.terminate(Terminator::Branch { cond: list, then: checked, otherwise: slow });
            self.b.switch_to(checked);
            self.reachable = true;
        }
        if let Some(y) = dstar {
            let (dict, keys, clear) = (self.b.block(false), self.b.block(false), self.b.block(false));
            let exact = self.b.value(bint, OpKind::IsExactDict { obj: y });
            self.terminate(Terminator::Branch { cond: exact, then: dict, otherwise: slow });
            self.b.switch_to(dict);
            self.reachable = true;
            // Other keys raise the interpreter's own TypeError (the helper's).
            let strs = self.truth_of_status(&p::PY_ARG_VALIDATE_KEYWORD_ARGUMENTS, vec![y]);
            self.terminate(Terminator::Branch { cond: strs, then: keys, otherwise: clear });
            self.b.switch_to(clear);
            self.reachable = true;
            self.b.op(vec![], OpKind::CallC { prim: &p::PY_ERR_CLEAR, args: vec![] });
            self.terminate(Terminator::Goto(slow));
            self.b.switch_to(keys);
            self.reachable = true;
        }
        let positional = values[..plain].to_vec();
        let args = match star {
            Some(x) => {
                let items = self.b.value(obj, OpKind::CallC { prim: &p::PY_SEQUENCE_TUPLE, args: vec![x] });
                match positional.is_empty() {
                    true => items,
                    false => {
                        let first = self.object_op(&ObjOp::Tuple, positional)?;
                        self.b.value(obj, OpKind::CallC { prim: &p::PY_SEQUENCE_CONCAT, args: vec![first, items] })
                    }
                }
            }
            None => self.object_op(&ObjOp::Tuple, positional)?,
        };
        let made = match dstar {
            Some(y) => {
                let kw = self.b.value(obj, OpKind::CallC { prim: &p::PY_DICT_COPY, args: vec![y] });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_CALL, args: vec![f, args, kw] })
            }
            None => {
                let null = self.value(WIDE, BodyOp::Const { c: Const::Int(0), ty: WIDE });
                self.b.value(obj, OpKind::CallC { prim: &p::PY_OBJECT_CALL_POSITIONAL, args: vec![f, args, null] })
            }
        };
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let made = self.helper_call(f, values, shape)?;
        self.b.op(vec![result], OpKind::Assign { src: made });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `o`'s special method `name` (`OpKind::LoadSpecial`) and whether it
    /// is left unbound (a function of the class); when its
    /// type has none, the exception the module's helper makes
    /// (`mir::HELPER_WITH_ERROR`) raised here, at this line.
    fn special_method(&mut self, o: Local, name: &str) -> B<(Local, Local)> {
        let obj = LocalTy::Object;
        let n = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(name.to_string())));
        let (method, unbound) = (self.b.local(obj, None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
        self.b.op(vec![method, unbound], OpKind::LoadSpecial { obj: o, name: n });
        let missing = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: method });
        let (got, cold) = (self.b.block(false), self.b.block(true));
        self.terminate(Terminator::Branch { cond: missing, then: cold, otherwise: got });
        self.b.switch_to(cold);
        self.reachable = true;
        let exc = self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_WITH_ERROR, args: vec![o] });
        self.b.op(vec![], OpKind::RaiseObject { exc, cause: None });
        self.terminate(Terminator::Unreachable);
        self.b.switch_to(got);
        self.reachable = true;
        Ok((method, unbound))
    }

    /// `with`'s entry (`ObjOp::WithEnter`): `__enter__` looked up, then
    /// `__exit__` into the local `exit` (a function of the class left
    /// unbound, as the local `exit_unbound` says), then `__enter__` called:
    /// the interpreter's order, without bound methods.
    fn with_enter(&mut self, mgr: Local, exit: crate::hir::LocalId, exit_unbound: crate::hir::LocalId) -> B<Local> {
        let (enter, unbound) = self.special_method(mgr, "__enter__")?;
        let (x, xu) = self.special_method(mgr, "__exit__")?;
        self.assign(exit, x);
        self.assign(exit_unbound, xu);
        Ok(self.b.value(LocalTy::Object, OpKind::CallLoadedMethod { method: enter, unbound, args: vec![mgr], kwnames: None, keywords: 0 }))
    }

    /// The module's helper makes the call (`mir::HELPER_CALL`) and returns
    /// `(result,)`, or the exception, raised here (its traceback the
    /// callee's frames), as the call would raise it.
    fn helper_call(&mut self, f: Local, values: Vec<Local>, shape: &str) -> B<Local> {
        let obj = LocalTy::Object;
        let tuple = self.object_op(&ObjOp::Tuple, values)?;
        let shape = self.b.value(obj, OpKind::LoadConst(ObjConst::Str(shape.to_string())));
        let made = self.b.value(obj, OpKind::CallHelper { slot: crate::mir::HELPER_CALL, args: vec![f, tuple, shape] });
        let (got, failed) = (self.b.block(false), self.b.block(true));
        let zero = self.value(WIDE, BodyOp::Const { c: Const::Int(0), ty: WIDE });
        let (first, is_tuple) = (self.b.local(obj, None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
        self.b.op(vec![first, is_tuple], OpKind::ItemInPlace { obj: made, index: zero });
        self.terminate(Terminator::Branch { cond: is_tuple, then: got, otherwise: failed });
        self.b.switch_to(failed);
        self.reachable = true;
        self.b.op(vec![], OpKind::RaiseObject { exc: made, cause: None });
        self.terminate(Terminator::Unreachable);
        self.b.switch_to(got);
        self.reachable = true;
        let index = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) });
        self.item_int(made, index)
    }
}
