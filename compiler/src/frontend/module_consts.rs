//! Module-level C variables that never change: `NAME = cython.declare(T,
//! literal)` of a C number type, the only binding of `NAME` at module level
//! and named by no function's `global`. Cython makes such a name a C
//! variable of the module, which compiled code reads (also without the GIL)
//! and which rebinding the module's attribute from Python does not change:
//! compiled functions read it as the constant of its type. Anything else
//! (another binding, a `global` that may assign it, a value that is no
//! literal or does not fit) stays a module global read as an object.

use super::{Binding, ModuleCx};
use crate::hir::Const;
use crate::syntax::{self, Expr, ExprKind, Stmt, StmtKind, UnaryOp};
use crate::types::Ty;
use std::collections::HashMap;

pub(crate) fn declared_constants(cx: &ModuleCx, body: &[Stmt]) -> HashMap<String, (Const, Ty)> {
    let mut out = HashMap::new();
    if cx.star_import {
        return out;
    }
    let mut count: HashMap<String, usize> = HashMap::new();
    for s in body {
        let mut names = vec![];
        syntax::bound_names(s, &mut names);
        for n in names {
            *count.entry(n).or_default() += 1;
        }
    }
    let mut globals = vec![];
    syntax::global_names_anywhere(body, &mut globals);
    for s in body {
        let StmtKind::Assign { targets, value } = &s.kind else { continue };
        let [Expr { kind: ExprKind::Name(name), .. }] = targets.as_slice() else { continue };
        let ExprKind::Call { func, args, keywords } = &value.kind else { continue };
        if cx.binding_of(func) != Some(Binding::CythonAttr("declare".into())) || args.len() != 2 || !keywords.is_empty() {
            continue;
        }
        if count.get(name) != Some(&1) || globals.contains(name) || cx.bindings.contains_key(name) {
            continue;
        }
        let Ok(ty) = cx.resolve_type(&args[0]) else { continue };
        if let Some(c) = literal(&args[1]).and_then(|c| fitted(c, ty)) {
            out.insert(name.clone(), (c, ty));
        }
    }
    out
}

fn literal(e: &Expr) -> Option<Const> {
    match &e.kind {
        ExprKind::Int(Some(v)) => i64::try_from(*v).ok().map(Const::Int),
        ExprKind::Float(f) => Some(Const::Float(*f)),
        ExprKind::Bool(b) => Some(Const::Bool(*b)),
        ExprKind::UnaryOp { op: UnaryOp::Neg, operand } => match literal(operand)? {
            Const::Int(v) => v.checked_neg().map(Const::Int),
            Const::Float(f) => Some(Const::Float(-f)),
            Const::Bool(_) => None,
        },
        _ => None,
    }
}

/// The literal as a value of `ty`, when it is one exactly.
fn fitted(c: Const, ty: Ty) -> Option<Const> {
    match (c, ty) {
        (Const::Int(v), Ty::Int(t)) => {
            let fits = match (t.bits, t.signed) {
                (64, true) => true,
                (64, false) => v >= 0,
                (b, true) => v >= -(1i64 << (b - 1)) && v < (1i64 << (b - 1)),
                (b, false) => v >= 0 && v < (1i64 << b),
            };
            fits.then_some(Const::Int(v))
        }
        (Const::Int(v), Ty::Float(f)) if v.unsigned_abs() <= 1 << 53 => Some(Const::Float(round_to(v as f64, f))),
        (Const::Float(x), Ty::Float(f)) if x.is_finite() => Some(Const::Float(round_to(x, f))),
        (Const::Bool(b), Ty::Bool) => Some(Const::Bool(b)),
        _ => None,
    }
}

fn round_to(x: f64, bits: u8) -> f64 {
    if bits == 32 {
        x as f32 as f64
    } else {
        x
    }
}
