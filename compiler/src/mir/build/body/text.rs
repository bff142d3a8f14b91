//! Text on objects' hot paths, built from what the value is known to be:
//! a C number's `str`/`repr` from the C value (`f"{n}"`, `%d`, `%r` of a
//! double: no int or float object made; the back end writes the digits,
//! `codegen/object.rs`), and `str(x)` as `PyObject_Str` while the name
//! holds the builtin type.

use super::{BodyBuilder, B};
use crate::hir::{Expr, ExprKind, ObjConst, ObjOp};
use super::object::WIDE;
use crate::mir::primitives as p;
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

impl BodyBuilder<'_, '_> {
    /// `str(x)` where `str` is the builtin type when the call runs:
    /// `PyObject_Str` (what `str.__new__` calls with one argument), without
    /// the type call's argument tuple (Cython's `__Pyx_PyObject_Unicode`);
    /// any other callable the name holds by then is called.
    pub(super) fn str_call(&mut self, f: Local, x: Local) -> Local {
        let obj = LocalTy::Object;
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(obj, Some("str result"));
        let str_type = self.b.value(obj, OpKind::LoadConst(ObjConst::BuiltinType("str".into())));
        let same = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::SameObject { a: f, b: str_type });
        self.terminate(Terminator::Branch { cond: same, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        self.b.op(vec![result], OpKind::CallC { prim: &p::PY_OBJECT_STR, args: vec![x] });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        self.b.op(vec![result], OpKind::CallObject { func: f, args: vec![x], kwnames: None, keywords: 0 });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        result
    }

    /// The text of a C number boxed only to be formatted (`f"{n}"`, `%d`,
    /// `%r` of a double): written from the C value, as Cython's
    /// `__Pyx_PyUnicode_From_int` and float's repr do, without the object.
    pub(super) fn number_text(&mut self, value: &Expr, ty: Ty) -> B<Local> {
        let v = self.expr(value)?;
        let (prim, wide) = match ty {
            Ty::Float(_) => (&p::PYC_DOUBLE_REPR, Ty::Float(64)),
            _ => (&p::PYC_INT_STR, WIDE),
        };
        let narrow = match ty {
            Ty::Int(t) => t.bits < 64,
            Ty::Float(bits) => bits < 64,
            _ => false,
        };
        let v = if narrow { self.b.value(LocalTy::Scalar(wide), OpKind::Widen { value: v, to: wide }) } else { v };
        Ok(self.b.value(LocalTy::Object, OpKind::CallC { prim, args: vec![v] }))
    }
}

/// `x` boxed from a C number whose text `PYC_INT_STR`/`PYC_DOUBLE_REPR`
/// writes (a signed integer, an unsigned one narrower than 64 bits, a
/// float or double): the C value and its type.
pub(super) fn number_text(e: &Expr) -> Option<(&Expr, Ty)> {
    let ExprKind::Convert(x) = &e.kind else { return None };
    if e.ty != Ty::Object {
        return None;
    }
    match x.ty {
        Ty::Int(t) if t.signed || t.bits < 64 => Some((x, x.ty)),
        Ty::Float(_) => Some((x, x.ty)),
        _ => None,
    }
}

/// Whether `e` reads the module global or builtin `name`.
pub(super) fn is_global(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::ObjOp { op: ObjOp::Global(n), operands } if n == name && operands.is_empty())
}
