//! f-strings typed into HIR: each `{value!conversion:spec}` an
//! `ObjOp::Format` of the value (boxed when it is a C value) and its spec
//! (an f-string itself, evaluated after the value, as CPython 3.9–3.12
//! do), the literal parts str constants, all joined by `ObjOp::JoinStr`.
//! `"…%s…%d…" % (x, n)` of C values and constants is joined the same way
//! (Cython builds it so too), no format string parsed at run time.

use crate::frontend::fallback;
use crate::hir::{self, ExprKind as H, ObjConst, ObjOp};
use crate::syntax::{Expr, ExprKind, FPart, Span};
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

/// A piece of a `%` format string this joins itself: literal text, or a
/// conversion (`s`, `r`, `a`; `d` for `%d`/`%i`).
enum Piece {
    Lit(String),
    Conv(char),
}

/// The pieces of `fmt` when every directive is a bare `%s`, `%r`, `%a`,
/// `%d`, `%i` or `%%` (no mapping key, flag, width or precision).
fn percent_pieces(fmt: &str) -> Option<Vec<Piece>> {
    let mut pieces = vec![];
    let mut lit = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        match chars.next()? {
            '%' => lit.push('%'),
            k @ ('s' | 'r' | 'a' | 'd' | 'i') => {
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Conv(if k == 'i' { 'd' } else { k }));
            }
            _ => return None,
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Some(pieces)
}

impl<'c, 'a> Checker<'c, 'a> {
    /// `fmt % (items…)` joined as an f-string would be, when it gives the
    /// same string: as many items as directives, each a C number or a
    /// constant (nothing user-defined runs, so formatting each as it comes
    /// equals formatting them after the tuple is made), `%d` only of C
    /// integers (`str` of the int; a float or bool would print otherwise).
    /// None: the ordinary `%`.
    pub(super) fn percent_format(&mut self, fmt: &str, items: &[Expr]) -> R<Option<hir::Expr>> {
        let Some(pieces) = percent_pieces(fmt) else { return Ok(None) };
        let convs = pieces.iter().filter(|p| matches!(p, Piece::Conv(_))).count();
        let constant = |e: &Expr| matches!(e.kind, ExprKind::Str(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::NoneLit);
        if convs != items.len() || !items.iter().all(|e| constant(e) || matches!(e.kind, ExprKind::Name(_))) {
            return Ok(None);
        }
        let mut values = vec![];
        for item in items {
            let v = self.expr(item)?;
            let c_value = matches!(v.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex);
            if !(c_value || constant(item)) {
                return Ok(None);
            }
            values.push(v);
        }
        let mut operands = vec![];
        let mut values = values.into_iter();
        for piece in pieces {
            match piece {
                Piece::Lit(s) => operands.push(konst(ObjConst::Str(s))),
                Piece::Conv(k) => {
                    let Some(v) = values.next() else { return Ok(None) };
                    let conversion = match k {
                        'd' if matches!(v.ty, Ty::Int(_)) => None,
                        'd' => return Ok(None),
                        k => Some(k),
                    };
                    let v = if v.ty == Ty::Object { v } else { boxed(v) };
                    operands.push(hir::Expr { kind: H::ObjOp { op: ObjOp::Format { conversion }, operands: vec![v] }, ty: Ty::Object });
                }
            }
        }
        Ok(Some(hir::Expr { kind: H::ObjOp { op: ObjOp::JoinStr, operands }, ty: Ty::Object }))
    }
}
