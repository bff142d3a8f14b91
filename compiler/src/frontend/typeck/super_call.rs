//! Zero-argument `super()` and `__class__` in compiled functions, as
//! CPython gives them to a method: the class it was defined in
//! (`hir::ObjOp::DefiningClass`, from `Candidate::owner`) and the current
//! value of its first positional parameter, passed to the builtin `super`
//! type as `super(cls, first)`; CPython's RuntimeErrors where there is no
//! parameter or no class.

use super::object::konst;
use super::{Checker, R};
use crate::hir::{self, ClassRead, ClassRef, ExprKind as H, ObjConst, ObjOp};
use crate::syntax::{self, Expr, ExprKind, ParamKind};
use crate::types::Ty;

fn op(op: ObjOp, operands: Vec<hir::Expr>) -> hir::Expr {
    hir::Expr { kind: H::ObjOp { op, operands }, ty: Ty::Object }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// `super()` calling the builtin (the name not bound by the function or
    /// the module: then it is an ordinary call, as in CPython).
    pub(super) fn is_zero_arg_super(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Call { func, args, keywords }
            if args.is_empty() && keywords.is_empty() && matches!(&func.kind, ExprKind::Name(n) if n == "super") && !self.shadowed("super"))
    }

    /// The first positional parameter, what CPython's `super()` reads
    /// (`co_argcount` 0: none).
    fn first_positional(&self) -> Option<&'a syntax::Param> {
        self.me.def.params.iter().find(|p| matches!(p.kind, ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword))
    }

    /// `super()` (`e`, an `is_zero_arg_super` call): `super(cls, first)`.
    pub(super) fn zero_arg_super(&mut self, e: &Expr) -> R<hir::Expr> {
        let Some(first) = self.first_positional() else {
            return Ok(op(ObjOp::DefiningClass(ClassRef::Missing("super(): no arguments".into())), vec![]));
        };
        let owner = match self.me.owner.clone() {
            None => return Ok(op(ObjOp::DefiningClass(ClassRef::Missing("super(): __class__ cell not found".into())), vec![])),
            Some(ClassRef::Plain { qualname, .. }) => {
                // Python 3.12+ reads the cell first for `super().attr` (`LOAD_SUPER_ATTR`).
                let read = if self.super_attr_base == Some(e.span.start) { ClassRead::SuperAttr } else { ClassRead::Super };
                ClassRef::Plain { qualname, read }
            }
            Some(owner) => owner,
        };
        let cls = op(ObjOp::DefiningClass(owner), vec![]);
        // Its current value, as CPython reads the frame's first local
        // (reassigned: that value; boxed when it is a C number).
        let obj = self.boxed_value(&Expr { kind: ExprKind::Name(first.name.clone()), span: e.span.clone() })?;
        Ok(op(ObjOp::Call { keywords: vec![] }, vec![konst(ObjConst::BuiltinType("super".into())), cls, obj]))
    }

    /// `__class__` read in a method the module compiles (`None`: elsewhere,
    /// where it is an ordinary global name).
    pub(super) fn class_name_read(&self) -> Option<hir::Expr> {
        let owner = match self.me.owner.clone()? {
            ClassRef::Plain { qualname, .. } => ClassRef::Plain { qualname, read: ClassRead::Name },
            owner => owner,
        };
        Some(op(ObjOp::DefiningClass(owner), vec![]))
    }

    /// `del name` of the first parameter in a function using `super`:
    /// CPython's error for `super()` then differs across versions (a
    /// RuntimeError, or 3.12+'s UnboundLocalError for `super().attr`).
    pub(super) fn deletes_super_argument(&self, name: &str) -> bool {
        self.uses_super && self.first_positional().is_some_and(|p| p.name == name)
    }
}
