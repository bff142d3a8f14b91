//! f-strings typed into HIR: each `{value!conversion:spec}` an
//! `ObjOp::Format` of the value (boxed when it is a C value) and its spec
//! (an f-string itself, evaluated after the value, as CPython 3.9–3.12
//! do), the literal parts str constants, all joined by `ObjOp::JoinStr`.

use crate::frontend::fallback;
use crate::hir::{self, ExprKind as H, ObjConst, ObjOp};
use crate::syntax::{FPart, Span};
use crate::types::Ty;

use super::object::{boxed, konst};
use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn fstring(&mut self, parts: &[FPart], span: &Span) -> R<hir::Expr> {
        let mut operands = vec![];
        for part in parts {
            match part {
                FPart::Lit(s) if s.is_empty() => {}
                FPart::Lit(s) => operands.push(konst(ObjConst::Str(s.clone()))),
                FPart::Value { value, conversion, spec } => {
                    let v = self.expr(value)?;
                    let v = match v.ty {
                        Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => boxed(v),
                        t => return fallback(&value.span, format!("it formats {t} in an f-string")),
                    };
                    let mut args = vec![v];
                    if let Some(s) = spec {
                        let s = self.expr(s)?;
                        if s.ty != Ty::Object {
                            return fallback(span, "its f-string has a format spec that is not a string");
                        }
                        args.push(s);
                    }
                    operands.push(hir::Expr { kind: H::ObjOp { op: ObjOp::Format { conversion: *conversion }, operands: args }, ty: Ty::Object });
                }
            }
        }
        Ok(hir::Expr { kind: H::ObjOp { op: ObjOp::JoinStr, operands }, ty: Ty::Object })
    }
}
