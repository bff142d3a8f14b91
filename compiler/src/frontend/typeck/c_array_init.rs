//! C arrays set from a list or tuple display, as Cython compiles them:
//! `a: cython.double[3] = [x, 2.0, 3.0]`, `m: cython.int[2][2] = [[1, 2], [3, 4]]`,
//! `a = cython.declare(cython.double[3], [..])`, and, for an existing C
//! array, `a = [..]` and `a[:] = [..]`. Every element is evaluated and
//! converted to the element type first, left to right, into hidden locals
//! (so an error in a later one leaves the array as it was, as Cython's
//! temporary array then `memcpy` does), then stored. A display of another
//! length is Cython's compile error ("Assignment to slice of wrong length");
//! any other value (a list object Cython iterates at run time, a starred
//! item, a bytes literal) leaves the function to Python.

use crate::diag::Diagnostic;
use crate::frontend::{error, fallback};
use crate::hir::{self, Const};
use crate::syntax::{Expr, ExprKind};
use crate::types::Ty;

use super::{Checker, R};

const NOT_A_DISPLAY: &str = "it initialises a C array from a value that is not a list or tuple display (Cython iterates such a value at run time)";

/// A C array's initial value, checked before typing: a display, or the
/// function stays Python.
pub(super) fn check_initialiser(v: &Expr) -> R<()> {
    match v.kind {
        ExprKind::List(_) | ExprKind::Tuple(_) => Ok(()),
        _ => fallback(&v.span, NOT_A_DISPLAY),
    }
}

/// The leaves of a nested display of shape `dims`, in C order.
fn leaves<'e>(v: &'e Expr, dims: &[u64], out: &mut Vec<&'e Expr>) -> R<()> {
    let (ExprKind::List(items) | ExprKind::Tuple(items)) = &v.kind else {
        return fallback(&v.span, NOT_A_DISPLAY);
    };
    if let Some(s) = items.iter().find(|i| matches!(i.kind, ExprKind::Starred(_))) {
        return fallback(&s.span, "it initialises a C array from a display with a starred item");
    }
    if items.len() as u64 != dims[0] {
        return error(
            Diagnostic::error(v.span.clone(), format!("Assignment to slice of wrong length, expected {}, got {}", dims[0], items.len()))
                .with_label(format!("{} item(s) for {} element(s)", items.len(), dims[0])),
        );
    }
    for item in items {
        if dims.len() > 1 {
            leaves(item, &dims[1..], out)?;
        } else {
            out.push(item);
        }
    }
    Ok(())
}

impl<'c, 'a> Checker<'c, 'a> {
    /// Whether `name` is a C array local (not a global of that name).
    pub(super) fn is_c_array_name(&self, name: &str) -> bool {
        self.c_arrays.contains_key(name) && !self.globals.contains(name)
    }

    /// `m[i][j]` of a C array `m` with one index per axis, as Cython writes
    /// it: the same element as `m[i, j]`, which is returned (None for
    /// anything else, `m[i]` of a 2-D array a row view as before).
    pub(super) fn c_array_flat(&self, e: &Expr) -> Option<Expr> {
        let mut items = vec![];
        let mut cur = e;
        while let ExprKind::Subscript { value, index } = &cur.kind {
            if matches!(index.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis | ExprKind::Tuple(_)) {
                return None;
            }
            items.push((**index).clone());
            cur = value;
        }
        let ExprKind::Name(n) = &cur.kind else { return None };
        if items.len() < 2 || !self.is_c_array_name(n) || self.c_arrays.get(n)?.len() != items.len() {
            return None;
        }
        items.reverse();
        let span = items[0].span.start..items[items.len() - 1].span.end;
        let index = Expr { kind: ExprKind::Tuple(items), span };
        Some(Expr { kind: ExprKind::Subscript { value: Box::new(cur.clone()), index: Box::new(index) }, span: e.span.clone() })
    }

    /// The statements setting the C array `name` from the display `value`.
    pub(super) fn c_array_init(&mut self, name: &str, value: &Expr, line: u32) -> R<Vec<hir::Stmt>> {
        let (Some(dims), Some(&t @ Ty::View(v))) = (self.c_arrays.get(name).cloned(), self.declared.get(name)) else {
            return fallback(&value.span, format!("`{name}` is not a C array"));
        };
        let mut items = vec![];
        leaves(value, &dims, &mut items)?;
        let elem = v.elem.ty();
        let mut pairs = vec![];
        for (k, item) in items.iter().enumerate() {
            let x = self.expr(item)?;
            let x = self.coerce(x, elem, &item.span, "a C array element")?;
            let tmp = self.local_id(&format!("<array item {} {k}>", value.span.start), elem);
            pairs.push((tmp, x));
        }
        let id = self.local_id(name, t);
        let ix = |k: u64| hir::Expr::konst(Const::Int(k as i64), Ty::py_int());
        let temps: Vec<hir::LocalId> = pairs.iter().map(|(tmp, _)| *tmp).collect();
        let mut out = vec![];
        if !pairs.is_empty() {
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
        }
        for (k, tmp) in temps.into_iter().enumerate() {
            // Element k's index along each axis, the last varying fastest.
            let mut rest = k as u64;
            let mut indices = vec![];
            for d in dims.iter().rev() {
                indices.push(ix(rest % d));
                rest /= d;
            }
            indices.reverse();
            let in_bounds = (0..indices.len() as u8).collect();
            out.push(hir::Stmt { kind: hir::StmtKind::Store { view: id, indices, value: hir::Expr::local(tmp, elem), in_bounds, checked_by_load: false }, line });
        }
        Ok(out)
    }
}
