//! Memoryviews and C arrays: element indexing, `.shape`/`.strides`,
//! slicing into new views, slice fills (`a[:] = x`) and copies between views.

use crate::frontend::{error, fallback};
use crate::diag::Diagnostic;
use crate::hir::{self, Const, ExprKind as H, LocalId};
use crate::syntax::{Expr, ExprKind, Span};
use crate::types::Ty;
use std::collections::HashMap;

use super::{Checker, R};
use super::convert::convert;

impl<'c, 'a> Checker<'c, 'a> {
    /// `Name` of a local memoryview: its id and type.
    pub(super) fn view_local(&self, e: &Expr) -> Option<(LocalId, crate::types::ViewTy)> {
        let ExprKind::Name(n) = &e.kind else { return None };
        if !self.local_names.contains(n) {
            return None;
        }
        match self.local_ty(n)? {
            Ty::View(v) => Some((*self.local_ids.get(n)?, v)),
            _ => None,
        }
    }

    pub(super) fn subscript(&mut self, e: &Expr, value: &Expr, index: &Expr) -> R<hir::Expr> {
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        if let ExprKind::Attribute { value: base, attr } = &value.kind {
            if let Some((id, v)) = self.view_local(base) {
                let dim = match attr.as_str() {
                    "shape" => hir::Dim::Shape,
                    "strides" => hir::Dim::Stride,
                    _ => return fallback(&e.span, format!("it indexes the memoryview attribute `{attr}`")),
                };
                let axis = match index.kind {
                    ExprKind::Int(Some(k)) => k,
                    _ => return fallback(&index.span, format!("it indexes `.{attr}` with a non-constant")),
                };
                if axis < 0 || axis >= v.ndim as i128 {
                    return error(
                        Diagnostic::error(index.span.clone(), format!("{attr} index {axis} out of range for a {}-dimensional memoryview", v.ndim))
                            .with_label("no such axis"),
                    );
                }
                return Ok(hir::Expr { kind: H::ViewDim { view: id, dim, axis: axis as u8 }, ty: ssize });
            }
        }
        let Some((id, v)) = self.view_local(value) else {
            if let Some(item) = self.object_subscript(value, index)? {
                return Ok(item);
            }
            return fallback(&e.span, format!("it indexes `{}`, which is not a typed memoryview", self.cx.source_text(&value.span)));
        };
        let items: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        if items.len() == v.ndim as usize && !items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis)) {
            let indices = self.view_indices(v, index, &e.span)?;
            return Ok(hir::Expr { kind: H::Index { view: id, indices, in_bounds: vec![] }, ty: v.elem.ty() });
        }
        self.slice_view(id, v, &items, &index.span)
    }

    /// `a[:] = x`, `m[i, :] = x`, `a[...] = x`: every element of the slice set
    /// to one scalar (evaluated once), as nested range loops over a view of it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fill(&mut self, id: LocalId, v: crate::types::ViewTy, items: &[&Expr], index: &Expr, value: &Expr, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let items: Vec<&Expr> = match items {
            [Expr { kind: ExprKind::Ellipsis, .. }] => vec![],
            _ => items.to_vec(),
        };
        let val = self.expr(value)?;
        if let Ty::View(sv) = val.ty {
            return self.copy_into(id, v, &items, index, val, sv, value, span, line);
        }
        if !val.ty.is_numeric() {
            return fallback(&value.span, "it assigns something other than a number or a memoryview to a slice");
        }
        let val = self.coerce(val, v.elem.ty(), &value.span, "a memoryview element")?;
        let target = if items.is_empty() {
            hir::Expr::local(id, Ty::View(v))
        } else {
            self.slice_view(id, v, &items, &index.span)?
        };
        let Ty::View(tv) = target.ty else { return fallback(span, "it assigns to a single element through a slice") };
        let view_local = self.local_id(&format!("<fill view line {line}>"), target.ty);
        let value_local = self.local_id(&format!("<fill value line {line}>"), val.ty);
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        let vars: Vec<LocalId> = (0..tv.ndim).map(|k| self.local_id(&format!("<fill {k} line {line}>"), ssize)).collect();
        let indices: Vec<hir::Expr> = vars.iter().map(|l| convert(hir::Expr::local(*l, ssize), Ty::py_int())).collect();
        let mut body = vec![hir::Stmt {
            kind: hir::StmtKind::Store { view: view_local, indices, value: hir::Expr::local(value_local, val.ty), in_bounds: vec![], checked_by_load: false },
            line,
        }];
        for (k, var) in vars.iter().enumerate().rev() {
            let stop = hir::Expr { kind: H::ViewDim { view: view_local, dim: hir::Dim::Shape, axis: k as u8 }, ty: ssize };
            body = vec![hir::Stmt {
                kind: hir::StmtKind::ForRange {
                    var: *var,
                    start: hir::Expr::konst(Const::Int(0), ssize),
                    stop,
                    step: hir::Expr::konst(Const::Int(1), ssize),
                    body,
                    orelse: vec![],
                    plan: Default::default(),
                },
                line,
            }];
        }
        let mut out = vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![(view_local, target), (value_local, val)]), line }];
        out.extend(body);
        Ok(out)
    }

    /// `dst[...] = src` with `src` a memoryview: an element-wise copy.
    #[allow(clippy::too_many_arguments)]
    fn copy_into(
        &mut self,
        id: LocalId,
        v: crate::types::ViewTy,
        items: &[&Expr],
        index: &Expr,
        val: hir::Expr,
        sv: crate::types::ViewTy,
        value: &Expr,
        span: &Span,
        line: u32,
    ) -> R<Vec<hir::Stmt>> {
        let target = if items.is_empty() { hir::Expr::local(id, Ty::View(v)) } else { self.slice_view(id, v, items, &index.span)? };
        let Ty::View(tv) = target.ty else {
            return error(
                Diagnostic::error(value.span.clone(), "cannot assign a memoryview to a single element")
                    .with_label("a memoryview")
                    .with_hint("select a slice of the target (`a[i, :] = row`) to copy the elements"),
            );
        };
        if tv.elem != sv.elem {
            return error(
                Diagnostic::error(value.span.clone(), format!("cannot copy a memoryview of {} into one of {}", sv.elem.c_name(), tv.elem.c_name()))
                    .with_label(format!("elements of type {}", sv.elem.c_name()))
                    .with_hint("both memoryviews need the same element type; convert element by element in a loop"),
            );
        }
        if tv.ndim != sv.ndim {
            return error(
                Diagnostic::error(
                    span.clone(),
                    format!("cannot copy a {}-dimensional memoryview into a {}-dimensional slice", sv.ndim, tv.ndim),
                )
                .with_label("dimension counts differ")
                .with_hint("index or slice the target so both sides have the same number of dimensions"),
            );
        }
        let src_local = self.local_id(&format!("<copy source line {line}>"), val.ty);
        let dst_local = self.local_id(&format!("<copy target line {line}>"), target.ty);
        Ok(vec![
            // The value first, as Python evaluates it before the target's subscript.
            hir::Stmt { kind: hir::StmtKind::Assign(vec![(src_local, val), (dst_local, target)]), line },
            hir::Stmt { kind: hir::StmtKind::CopyView { dst: dst_local, src: src_local }, line },
        ])
    }

    /// `a[1:-1]`, `m[i]`, `m[:, j]`: a new view; the element type stays.
    fn slice_view(&mut self, id: LocalId, v: crate::types::ViewTy, items: &[&Expr], span: &Span) -> R<hir::Expr> {
        if items.len() > v.ndim as usize {
            return error(
                Diagnostic::error(span.clone(), format!("too many indices: the memoryview has {} dimension(s), got {}", v.ndim, items.len()))
                    .with_label("too many indices"),
            );
        }
        let mut axes = vec![];
        let mut kept: Vec<(usize, bool)> = vec![];
        let int_of = |ck: &mut Self, x: &Expr| -> R<Box<hir::Expr>> {
            let t = ck.expr(x)?;
            match t.ty {
                Ty::Int(_) | Ty::Bool => Ok(Box::new(convert(t, Ty::py_int()))),
                _ => error(Diagnostic::error(x.span.clone(), "slice indices must be integers").with_label("not an integer")),
            }
        };
        for (k, item) in items.iter().enumerate() {
            match &item.kind {
                ExprKind::Ellipsis => return fallback(&item.span, "it slices a memoryview with `...`"),
                ExprKind::Slice { lower, upper, step } => {
                    if let Some(st) = step {
                        if matches!(st.kind, ExprKind::Int(Some(0))) {
                            return error(Diagnostic::error(st.span.clone(), "slice step cannot be zero").with_label("zero step"));
                        }
                    }
                    let unit_step = step.as_ref().map_or(true, |st| matches!(st.kind, ExprKind::Int(Some(1))));
                    let lo = match lower { Some(x) => Some(int_of(self, x)?), None => None };
                    let hi = match upper { Some(x) => Some(int_of(self, x)?), None => None };
                    let st = match step { Some(x) => Some(int_of(self, x)?), None => None };
                    axes.push(hir::Axis::Range(lo, hi, st));
                    kept.push((k, unit_step));
                }
                _ => {
                    let x = self.expr(item)?;
                    match x.ty {
                        Ty::Int(_) | Ty::Bool => axes.push(hir::Axis::At(convert(x, Ty::py_int()))),
                        _ => return error(Diagnostic::error(item.span.clone(), "memoryview indices must be integers").with_label("not an integer")),
                    }
                }
            }
        }
        for k in items.len()..v.ndim as usize {
            axes.push(hir::Axis::Range(None, None, None));
            kept.push((k, true));
        }
        if kept.is_empty() {
            return fallback(span, "it indexes a memoryview into a scalar through a slice expression");
        }
        let last = v.ndim as usize - 1;
        // A row of a C-contiguous view, or a column of a Fortran one, is contiguous.
        let row = v.c_contig && kept.last().is_some_and(|(k, unit)| *k == last && *unit);
        let column = v.f_contig && kept.len() == 1 && kept[0] == (0, true);
        let ty = Ty::View(crate::types::ViewTy { elem: v.elem, ndim: kept.len() as u8, c_contig: row || column, f_contig: false });
        Ok(hir::Expr { kind: H::SliceView { view: id, axes }, ty })
    }

    /// One integer index per axis; anything else (slices, fewer indices) is slicing.
    pub(super) fn view_indices(&mut self, v: crate::types::ViewTy, index: &Expr, span: &Span) -> R<Vec<hir::Expr>> {
        let items: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        if items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis)) || items.len() < v.ndim as usize {
            return fallback(span, "it slices a memoryview (views of views are not compiled yet)");
        }
        if items.len() > v.ndim as usize {
            return error(
                Diagnostic::error(index.span.clone(), format!("too many indices: the memoryview has {} dimension(s), got {}", v.ndim, items.len()))
                    .with_label("too many indices"),
            );
        }
        let mut out = vec![];
        for item in items {
            let x = self.expr(item)?;
            match x.ty {
                Ty::Int(_) | Ty::Bool => out.push(convert(x, Ty::py_int())),
                Ty::Float(_) => {
                    return error(
                        Diagnostic::error(item.span.clone(), "memoryview indices must be integers, not float")
                            .with_label("a float index")
                            .with_hint("convert with int(...)"),
                    )
                }
                // An object index (a comprehension's variable) converted
                // with CPython's errors, as Cython converts it.
                Ty::Object => out.push(self.coerce(x, Ty::py_int(), &item.span, "index")?),
                _ => return fallback(&item.span, "it indexes a memoryview with a non-number"),
            }
        }
        Ok(out)
    }
}

/// Whether `e` takes a memoryview from an object (`v: T[:] = obj`).
pub(crate) fn takes_buffer(e: &hir::Expr) -> bool {
    matches!((&e.kind, e.ty), (hir::ExprKind::Convert(x), Ty::View(_)) if x.ty == Ty::Object)
}

/// What keeps a function whose memoryview locals are taken from objects
/// from holding each buffer exactly as long as its views (each such local
/// owns the buffer it acquired, released when the view is last used or
/// reassigned; a view copied or sliced from it holds the same buffer): a
/// copy of a view whose local may take another buffer later (it takes one
/// in a loop or in two places), or of a view into a local that takes one
/// itself, a `prange` (whose threads read the views), or the conversion
/// anywhere but a plain assignment. The line and the reason.
pub(super) fn object_view_problem(body: &[hir::Stmt]) -> Option<(u32, &'static str)> {
    // Each owner: how many assignments take a buffer, and whether one is in a loop.
    let mut owners: HashMap<LocalId, (usize, bool)> = HashMap::new();
    fn walk(body: &[hir::Stmt], in_loop: bool, owners: &mut HashMap<LocalId, (usize, bool)>) {
        for s in body {
            match &s.kind {
                hir::StmtKind::Assign(pairs) => {
                    for (id, e) in pairs {
                        if takes_buffer(e) {
                            let o = owners.entry(*id).or_insert((0, false));
                            o.0 += 1;
                            o.1 |= in_loop;
                        }
                    }
                }
                hir::StmtKind::While { body: a, orelse: b, .. } | hir::StmtKind::ForRange { body: a, orelse: b, .. } | hir::StmtKind::ForIter { body: a, orelse: b, .. } => {
                    walk(a, true, owners);
                    walk(b, in_loop, owners);
                }
                hir::StmtKind::If { then: a, orelse: b, .. } => {
                    walk(a, in_loop, owners);
                    walk(b, in_loop, owners);
                }
                hir::StmtKind::Gil { body, .. } => walk(body, in_loop, owners),
                hir::StmtKind::Try(t) => t.blocks().into_iter().for_each(|b| walk(b, in_loop, owners)),
                _ => {}
            }
        }
    }
    walk(body, false, &mut owners);
    let converts: usize = owners.values().map(|o| o.0).sum();
    let mut seen = 0usize;
    hir::visit_stmt_exprs(body, &mut |e| hir::visit_expr(e, &mut |x| seen += usize::from(takes_buffer(x))));
    if converts == 0 && seen == 0 {
        return None;
    }
    let mut problem = None;
    hir::visit_stmts(body, &mut |s| {
        if problem.is_some() {
            return;
        }
        match &s.kind {
            hir::StmtKind::Prange(_) => problem = Some((s.line, "a `prange` in a function with a memoryview taken from an object")),
            hir::StmtKind::Assign(pairs) => {
                for (dst, e) in pairs {
                    let src = match &e.kind {
                        hir::ExprKind::Local(v) if matches!(e.ty, Ty::View(_)) => Some(*v),
                        hir::ExprKind::SliceView { view, .. } => Some(*view),
                        _ => None,
                    };
                    let Some(&(n, in_loop)) = src.filter(|v| v != dst).and_then(|v| owners.get(&v)) else { continue };
                    if n > 1 || in_loop || owners.contains_key(dst) {
                        problem = Some((s.line, "a memoryview taken from an object (in a loop, or in two places) copied to another memoryview local"));
                    }
                }
            }
            _ => {}
        }
    });
    if problem.is_none() && seen != converts {
        problem = Some((0, "a memoryview taken from an object other than by assigning it to a local"));
    }
    problem
}
