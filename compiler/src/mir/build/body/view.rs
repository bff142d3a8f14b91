//! Memoryviews and C arrays in a body: each is its parts as locals (data
//! pointer, then shape and strides per axis; a C array's are its zeroed
//! stack storage's), read as a whole where the walk passed them as values
//! (assignments, calls, slices, copies) and addressed element by element
//! by `Load`/`Store`, which carry `opt`'s decisions (`in_bounds`,
//! `checked_by_load`) and the loop version's unit strides.

use super::{BodyBuilder, B};
use crate::hir::{Axis, Const, Dim, Expr, ExprKind, LocalId};
use crate::mir::body::{BodyOp, SSIZE};
use crate::mir::{Local, LocalTy, OpKind};
use crate::types::{Ty, ViewTy};

/// The names of a view's parts, for the printer.
pub(super) fn part_names(view: &str, ndim: u8) -> Vec<String> {
    let mut names = vec![format!("{view}.data")];
    names.extend((0..ndim).map(|k| format!("{view}.shape[{k}]")));
    names.extend((0..ndim).map(|k| format!("{view}.strides[{k}]")));
    names
}

/// What addressing one element takes (see `BodyBuilder::element`).
pub(super) struct Element {
    pub ty: ViewTy,
    pub view: Vec<Local>,
    pub indices: Vec<Local>,
    pub unit_stride: bool,
    pub checked: bool,
}

impl BodyBuilder<'_, '_> {
    pub(super) fn view_ty(&self, view: LocalId) -> B<ViewTy> {
        match self.fr.f.locals[view.0 as usize].ty {
            Ty::View(v) => Ok(v),
            other => Err(format!("indexing a {other} reached the back end")),
        }
    }

    /// The view's parts, as a use of its buffer when it took one from an
    /// object (which keeps the buffer until the view's last use).
    pub(super) fn parts(&mut self, view: LocalId) -> B<Vec<Local>> {
        self.hold_buffer(view);
        self.fr.views.get(&view).cloned().ok_or("memoryview without its parts".to_string())
    }

    /// A use of the view's buffer (when it holds one) here: after an op
    /// addressing its elements through the data pointer, whose copies
    /// do not keep the buffer alive by themselves.
    pub(super) fn hold_buffer(&mut self, view: LocalId) {
        if let Some(&buf) = self.fr.bufs.get(&view) {
            self.b.op(vec![], OpKind::HoldBuffer { buf });
        }
    }

    /// `v: T[:] = obj`: the object's buffer acquired into the local's own
    /// `Py_buffer` (Cython's rules: writable, None allowed), its parts the
    /// view's new value. The refcount pass releases the buffer it held
    /// before (it is dead once reassigned) and this one after the view's
    /// last use, on every path.
    pub(super) fn take_buffer(&mut self, id: LocalId, e: &Expr, view: ViewTy) -> B<Vec<Local>> {
        let ExprKind::Convert(x) = &e.kind else { return Err("a buffer taken from no conversion".to_string()) };
        let obj = self.expr(x)?;
        let buf = *self.fr.bufs.get(&id).ok_or("a memoryview local taking a buffer has none")?;
        let mut dests = vec![buf];
        for _ in 0..1 + 2 * view.ndim as usize {
            dests.push(self.b.local(LocalTy::Ptr, None));
        }
        let name = self.fr.f.locals[id.0 as usize].name.clone();
        self.b.op(dests.clone(), OpKind::AcquireBuffer { obj, view, name, writable: true, accepts_none: true });
        Ok(dests[1..].to_vec())
    }

    /// The view's parts as they are now (UnboundLocalError if it may not be assigned).
    pub(super) fn read_view(&mut self, view: LocalId) -> B<Vec<Local>> {
        self.check_bound(view);
        let parts = self.parts(view)?;
        Ok(parts.into_iter().map(|p| self.value(Ty::Int(SSIZE), BodyOp::Copy { src: p })).collect())
    }

    /// The `Py_buffer` a view-typed expression reads: that of the view
    /// local it is or slices, when that local holds one.
    pub(super) fn view_buffer(&self, e: &Expr) -> Option<Local> {
        match &e.kind {
            ExprKind::Local(id) | ExprKind::SliceView { view: id, .. } => self.fr.bufs.get(id).copied(),
            _ => None,
        }
    }

    /// The parts of a view-typed expression: a view local, a slice of one, None.
    pub(super) fn view_value(&mut self, e: &Expr) -> B<Vec<Local>> {
        match &e.kind {
            ExprKind::Local(id) => self.read_view(*id),
            ExprKind::SliceView { view, axes } => self.slice(*view, axes),
            ExprKind::NoneView => {
                let Ty::View(v) = e.ty else { return Err("a None view without a view type".to_string()) };
                let zero = self.value(Ty::Int(SSIZE), BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) });
                Ok(vec![zero; 1 + 2 * v.ndim as usize])
            }
            other => Err(format!("a memoryview value {other:?} reached the back end")),
        }
    }

    /// Python slice semantics per axis (`slice.indices`), no copying: the
    /// new view's data pointer, shape and strides.
    fn slice(&mut self, view: LocalId, axes: &[Axis]) -> B<Vec<Local>> {
        let nd = self.view_ty(view)?.ndim as usize;
        let parts = self.read_view(view)?;
        let ssize = Ty::Int(SSIZE);
        let mut data = parts[0];
        let (mut shape, mut strides) = (vec![], vec![]);
        for (k, axis) in axes.iter().enumerate() {
            let (len, stride) = (parts[1 + k], parts[1 + nd + k]);
            match axis {
                Axis::At(x) => {
                    let index = self.expr(x)?;
                    data = self.value(ssize, BodyOp::SliceAt { data, len, stride, index, axis: k });
                }
                Axis::Range(lo, hi, st) => {
                    let step = match st {
                        Some(x) => self.expr(x)?,
                        None => self.value(ssize, BodyOp::Const { c: Const::Int(1), ty: ssize }),
                    };
                    self.op(vec![], BodyOp::CheckSliceStep { step });
                    let lo = match lo {
                        Some(x) => Some(self.expr(x)?),
                        None => None,
                    };
                    let hi = match hi {
                        Some(x) => Some(self.expr(x)?),
                        None => None,
                    };
                    let out: Vec<Local> = (0..3).map(|_| self.b.local(LocalTy::Scalar(ssize), None)).collect();
                    self.op(out.clone(), BodyOp::SliceRange { data, len, stride, lo, hi, step });
                    data = out[0];
                    shape.push(out[1]);
                    strides.push(out[2]);
                }
            }
        }
        Ok(std::iter::once(data).chain(shape).chain(strides).collect())
    }

    /// The view local `id` takes the parts `vals`.
    pub(super) fn assign_view(&mut self, id: LocalId, vals: Vec<Local>) -> B<()> {
        for (part, v) in self.parts(id)?.into_iter().zip(vals) {
            self.op(vec![part], BodyOp::Copy { src: v });
        }
        self.mark_bound(id);
        Ok(())
    }

    /// What addressing `view[indices]` takes: its type, parts, indices,
    /// whether its last axis has unit stride here, and whether some axis is
    /// bounds-checked (`check`: unless a load of this element checked it).
    pub(super) fn element(&mut self, view: LocalId, indices: &[Expr], in_bounds: &[u8], check: bool) -> B<Element> {
        let in_bounds = &self.in_bounds_here(view, indices, in_bounds);
        let ty = self.view_ty(view)?;
        self.check_bound(view);
        let mut idx = vec![];
        for e in indices {
            idx.push(self.expr(e)?);
        }
        let checked = self.fr.f.boundscheck && check && (0..indices.len()).any(|k| !in_bounds.contains(&(k as u8)));
        Ok(Element { ty, view: self.parts(view)?, indices: idx, unit_stride: self.fr.unit_stride.contains(&view), checked })
    }

    /// `opt`'s `in_bounds` decisions for `view[indices]`, with the axes a
    /// loop version tested before the loop added (neither wrapped nor checked).
    pub(super) fn in_bounds_here(&self, view: LocalId, indices: &[Expr], in_bounds: &[u8]) -> Vec<u8> {
        let mut out = in_bounds.to_vec();
        for (k, e) in indices.iter().enumerate() {
            let axis = k as u8;
            let tested = crate::hir::index_local(e).is_some_and(|l| self.fr.in_bounds_here.contains(&(l, view, axis)));
            if tested && !out.contains(&axis) {
                out.retain(|&a| a != axis | crate::hir::NONNEG);
                out.push(axis);
            }
        }
        out
    }

    /// The element at `indices`, or (`address`, `elem` a pointer type) its address.
    pub(super) fn load(&mut self, view: LocalId, indices: &[Expr], in_bounds: &[u8], elem: Ty, address: bool) -> B<Local> {
        let id = view;
        let in_bounds = self.in_bounds_here(view, indices, in_bounds);
        let Element { ty, view, indices, unit_stride, checked } = self.element(view, indices, &in_bounds, true)?;
        let v = self.value(elem, BodyOp::Load { view, ty, indices, in_bounds, unit_stride, checked, elem, address });
        self.hold_buffer(id);
        Ok(v)
    }

    pub(super) fn store(&mut self, view: LocalId, indices: &[Expr], value: &Expr, in_bounds: &[u8], checked_by_load: bool) -> B<()> {
        let value = self.expr(value)?;
        let check = !checked_by_load;
        let in_bounds = self.in_bounds_here(view, indices, in_bounds);
        let Element { ty, view: parts, indices, unit_stride, checked } = self.element(view, indices, &in_bounds, check)?;
        self.op(vec![], BodyOp::Store { view: parts, ty, indices, value, in_bounds, unit_stride, check, checked });
        self.hold_buffer(view);
        Ok(())
    }

    pub(super) fn copy_view(&mut self, dst: LocalId, src: LocalId) -> B<()> {
        let ty = self.view_ty(dst)?;
        let src = self.read_view(src)?;
        let dst = self.read_view(dst)?;
        self.op(vec![], BodyOp::CopyView { ty, src, dst });
        Ok(())
    }

    /// `view.shape[axis]` or `view.strides[axis]`.
    pub(super) fn view_dim(&mut self, view: LocalId, dim: Dim, axis: u8, ty: Ty) -> B<Local> {
        let nd = self.view_ty(view)?.ndim as usize;
        self.check_bound(view);
        let parts = self.parts(view)?;
        let part = if dim == Dim::Shape { parts[1 + axis as usize] } else { parts[1 + nd + axis as usize] };
        Ok(self.value(ty, BodyOp::Copy { src: part }))
    }

    pub(super) fn view_is_none(&mut self, view: LocalId) -> B<Local> {
        let parts = self.read_view(view)?;
        Ok(self.value(Ty::Bool, BodyOp::ViewIsNone { data: parts[0] }))
    }
}

/// Whether `e` takes a memoryview from an object (`v: T[:] = obj`).
pub(super) fn takes_buffer(e: &Expr) -> bool {
    matches!((&e.kind, e.ty), (ExprKind::Convert(x), Ty::View(_)) if x.ty == Ty::Object)
}

/// The view locals assigned an object in `body` (`v: T[:] = obj`), each
/// taking a buffer into a `Py_buffer` of its own.
pub(super) fn buffer_takers(body: &[crate::hir::Stmt]) -> Vec<LocalId> {
    let mut out: Vec<LocalId> = vec![];
    crate::hir::visit_stmts(body, &mut |s| {
        if let crate::hir::StmtKind::Assign(pairs) = &s.kind {
            for (id, e) in pairs {
                if takes_buffer(e) && !out.contains(id) {
                    out.push(*id);
                }
            }
        }
    });
    out
}

/// The buffer each memoryview local holds: the locals that take a buffer
/// from an object somewhere in the body own one, in order; a local a view
/// is copied or sliced into from one of those holds its buffer too (the
/// front end made sure that buffer is taken once, outside loops); so do
/// the `seeds`, an inlined callee's view parameters bound to a buffer of
/// its caller, and the views copied or sliced from them.
pub(super) fn buffer_owners(body: &[crate::hir::Stmt], seeds: &[LocalId]) -> Vec<(LocalId, Option<LocalId>)> {
    let mut out: Vec<(LocalId, Option<LocalId>)> = buffer_takers(body).into_iter().map(|id| (id, None)).collect();
    for &id in seeds {
        if !out.iter().any(|o| o.0 == id) {
            out.push((id, None));
        }
    }
    loop {
        let before = out.len();
        crate::hir::visit_stmts(body, &mut |s| {
            let crate::hir::StmtKind::Assign(pairs) = &s.kind else { return };
            for (dst, e) in pairs {
                let src = match &e.kind {
                    ExprKind::Local(v) if matches!(e.ty, Ty::View(_)) => *v,
                    ExprKind::SliceView { view, .. } => *view,
                    _ => continue,
                };
                let Some(&(_, via)) = out.iter().find(|o| o.0 == src) else { continue };
                if !out.iter().any(|o| o.0 == *dst) {
                    out.push((*dst, Some(via.unwrap_or(src))));
                }
            }
        });
        if out.len() == before {
            return out;
        }
    }
}
