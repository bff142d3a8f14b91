//! Memoryviews: their parts, slices (Python slice semantics) and element
//! addresses (wrap-around and bounds checks as the directives and the facts
//! of `opt::facts` say).

use super::*;

impl<'m> Lower<'m, '_, '_, '_> {
    pub(super) fn view_ty(&self, view: LocalId) -> R<ViewTy> {
        match self.fr.f.locals[view.0 as usize].ty {
            Ty::View(v) => Ok(v),
            other => Err(format!("indexing a {other} reached the back end")),
        }
    }

    /// The native parts of a view-typed expression: a view local or a slice of one.
    pub(super) fn view_value(&mut self, e: &Expr) -> R<Vec<Value>> {
        match &e.kind {
            ExprKind::Local(id) => self.view_parts(*id),
            ExprKind::SliceView { view, axes } => self.slice_parts(*view, axes),
            ExprKind::NoneView => {
                let Ty::View(v) = e.ty else { return Err("a None view without a view type".into()) };
                let zero = self.cx.b.ins().iconst(types::I64, 0);
                Ok(vec![zero; 1 + 2 * v.ndim as usize])
            }
            other => Err(format!("a memoryview value {other:?} reached the back end")),
        }
    }

    /// Python slice semantics per axis (`slice.indices`), no copying: the new
    /// view's data pointer, shape and strides.
    pub(super) fn slice_parts(&mut self, view: LocalId, axes: &[hir::Axis]) -> R<Vec<Value>> {
        let src = self.view_ty(view)?;
        let parts = self.view_parts(view)?;
        let nd = src.ndim as usize;
        let mut data = parts[0];
        let (mut shape, mut strides) = (vec![], vec![]);
        for (k, axis) in axes.iter().enumerate() {
            let (n, stride) = (parts[1 + k], parts[1 + nd + k]);
            match axis {
                hir::Axis::At(x) => {
                    let i = self.expr(x)?;
                    data = self.op(|o| o.slice_at(data, n, stride, i, k))?;
                }
                hir::Axis::Range(lo, hi, st) => {
                    let step = match st {
                        Some(x) => self.expr(x)?,
                        None => self.cx.b.ins().iconst(types::I64, 1),
                    };
                    self.op(|o| o.check_slice_step(step))?;
                    let lo = match lo { Some(x) => Some(self.expr(x)?), None => None };
                    let hi = match hi { Some(x) => Some(self.expr(x)?), None => None };
                    let [d, len, st] = self.op(|o| o.slice_range(data, n, stride, lo, hi, step));
                    data = d;
                    shape.push(len);
                    strides.push(st);
                }
            }
        }
        let mut out = vec![data];
        out.extend(shape);
        out.extend(strides);
        Ok(out)
    }

    /// The memoryview's parts as native values, for a call.
    pub(super) fn view_parts(&mut self, view: LocalId) -> R<Vec<Value>> {
        self.check_bound(view)?;
        let vv = self.fr.views.get(&view).ok_or("memoryview without its parts")?;
        let vars: Vec<Variable> = std::iter::once(vv.data).chain(vv.shape.iter().copied()).chain(vv.strides.iter().copied()).collect();
        Ok(vars.into_iter().map(|v| self.cx.b.use_var(v)).collect())
    }

    /// What addressing `view[indices]` takes: the view's type and parts,
    /// whether its last axis has unit stride here, the indices' values.
    pub(super) fn element(&mut self, view: LocalId, indices: &[Expr]) -> R<(ViewTy, ViewVars, bool, Vec<Value>)> {
        let v = self.view_ty(view)?;
        self.check_bound(view)?;
        let mut idx = vec![];
        for e in indices {
            idx.push(self.expr(e)?);
        }
        let vv = self.fr.views.get(&view).ok_or("memoryview without its parts")?.clone();
        Ok((v, vv, self.fr.unit_stride.contains(&view), idx))
    }
}
