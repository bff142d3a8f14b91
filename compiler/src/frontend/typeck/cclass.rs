//! A cclass method's `self.x` on a C field: a load or store at the field's
//! offset in the instance (`ObjectData` addressed as a C pointer), with the
//! conversions (and TypeErrors) of an assignment to a typed variable.

use super::{Checker, R};
use crate::hir::{self, Const, ExprKind as H, Field};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::types::{Elem, Ty};

impl<'c, 'a> Checker<'c, 'a> {
    /// The field `base.attr` names when `base` is the method's `self`.
    fn self_field(&self, base: &Expr, attr: &str) -> Option<(hir::LocalId, Field)> {
        let layout = self.me.class.as_ref()?;
        let ExprKind::Name(n) = &base.kind else { return None };
        if self.me.params.first().map(|p| &p.name) != Some(n) {
            return None;
        }
        let field = layout.field(attr)?.clone();
        Some((*self.local_ids.get(n)?, field))
    }

    /// The compiled function of `self.m` when `m` is a `@cython.cfunc`
    /// method of the class: C-only, so no Python subclass overrides it and
    /// the call is direct.
    pub(super) fn cfunc_method(&self, base: &Expr, attr: &str) -> Option<hir::FuncId> {
        let layout = self.me.class.as_ref()?;
        let ExprKind::Name(n) = &base.kind else { return None };
        if self.me.params.first().map(|p| &p.name) != Some(n) || !layout.cfuncs.iter().any(|c| c == attr) {
            return None;
        }
        self.ids.get(&crate::frontend::cclass::method_function_name(&layout.name, attr)).copied()
    }

    /// `self.x` of a C field: its value, loaded in place.
    pub(super) fn field_load(&self, base: &Expr, attr: &str) -> Option<hir::Expr> {
        let (id, field) = self.self_field(base, attr)?;
        Some(load(id, &field))
    }

    /// Whether `base.attr` is an object field of `self`.
    fn object_field(&self, base: &Expr, attr: &str) -> bool {
        self.self_field(base, attr).is_some_and(|(_, f)| f.ty == Ty::Object)
    }

    /// `self.x = value` of a C field: the value converted to the field's
    /// type as an assignment converts it, then stored.
    pub(super) fn field_store(&mut self, base: &Expr, attr: &str, value: &Expr, span: &Span, line: u32) -> R<Option<hir::Stmt>> {
        let Some((id, field)) = self.self_field(base, attr) else { return Ok(None) };
        let v = self.expr(value)?;
        let v = self.coerce(v, field.ty, span, "attribute")?;
        Ok(Some(store(id, &field, v, line)))
    }

    /// `self.x op= value` of a C field (`self` is a parameter the method
    /// never rebinds, so reading it twice reads the same object).
    pub(super) fn field_aug_store(&mut self, base: &Expr, attr: &str, op: syntax::BinOp, value: &Expr, span: &Span, line: u32) -> R<Option<hir::Stmt>> {
        let Some((id, field)) = self.self_field(base, attr) else { return Ok(None) };
        let cur = load(id, &field);
        let rhs = self.operand(value)?;
        let new = if self.object_field(base, attr) { self.object_binop(op, cur, rhs, true, span)? } else { self.binop(op, cur, rhs, span)? };
        let new = self.coerce(new, field.ty, span, "attribute")?;
        Ok(Some(store(id, &field, new, line)))
    }
}

/// The instance's memory as a pointer to the field's type, and the field's
/// index in units of that type (fields are aligned to their size).
fn address(id: hir::LocalId, field: &Field) -> (hir::Expr, hir::Expr) {
    let elem = Elem::of(field.ty);
    let size = elem.map_or(1, |e| u32::from(e.size()));
    let obj = hir::Expr::local(id, Ty::Object);
    let ptr = hir::Expr { kind: H::ObjectData(Box::new(obj)), ty: Ty::Ptr(elem) };
    let index = hir::Expr::konst(Const::Int(i64::from(field.offset / size.max(1))), ssize_t());
    (ptr, index)
}

fn load(id: hir::LocalId, field: &Field) -> hir::Expr {
    if field.ty == Ty::Object {
        let obj = Box::new(hir::Expr::local(id, Ty::Object));
        return hir::Expr { kind: H::FieldLoad { obj, offset: field.offset }, ty: Ty::Object };
    }
    let (ptr, index) = address(id, field);
    hir::Expr { kind: H::PtrLoad { ptr: Box::new(ptr), index: Box::new(index) }, ty: field.ty }
}

fn store(id: hir::LocalId, field: &Field, v: hir::Expr, line: u32) -> hir::Stmt {
    if field.ty == Ty::Object {
        let obj = Box::new(hir::Expr::local(id, Ty::Object));
        let e = hir::Expr { kind: H::FieldStore { obj, offset: field.offset, value: Box::new(v) }, ty: Ty::Void };
        return hir::Stmt { kind: hir::StmtKind::Expr(e), line };
    }
    let (ptr, index) = address(id, field);
    let e = hir::Expr { kind: H::PtrStore { ptr: Box::new(ptr), index: Box::new(index), value: Box::new(v) }, ty: Ty::Void };
    hir::Stmt { kind: hir::StmtKind::Expr(e), line }
}

fn ssize_t() -> Ty {
    crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int())
}
