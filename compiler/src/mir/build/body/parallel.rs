//! A `prange` loop (`hir::Prange`, its body outlined by `opt::outline`): its
//! bounds and options evaluated, the shared locals checked bound, then one
//! `Parallel` op running the outlined body on the thread team; after it,
//! the loop variable holds its last value (when a trip ran) and the
//! reduction's local the combined partials.

use super::{BodyBuilder, B};
use crate::hir::{self, PrangeBody};
use crate::mir::body::BodyOp;
use crate::mir::{LocalTy, OpKind};
use crate::types::Ty;

impl BodyBuilder<'_, '_> {
    pub(super) fn prange(&mut self, p: &hir::Prange) -> B<()> {
        let PrangeBody::Outlined(func) = p.body else {
            return Err("a prange body not outlined reached the back end".to_string());
        };
        let start = self.expr(&p.start)?;
        let stop = self.expr(&p.stop)?;
        let step = self.expr(&p.step)?;
        let chunk = match &p.chunksize {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        let threads = match &p.num_threads {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        let mut args = vec![];
        let reduction = p.reduction.map(|(id, op)| (id, op, self.fr.f.locals[id.0 as usize].ty));
        if let Some((id, ..)) = reduction {
            self.check_bound(id);
            args.push(self.fr.locals[id.0 as usize]);
        }
        for id in &p.shared {
            self.check_bound(*id);
            match self.fr.views.get(id) {
                Some(parts) => args.extend(parts.iter().copied()),
                None => args.push(self.fr.locals[id.0 as usize]),
            }
        }
        let var_ty = self.fr.f.locals[p.var.0 as usize].ty;
        let var = self.fr.locals[p.var.0 as usize];
        let last = self.b.local(LocalTy::Scalar(var_ty), None);
        let ran = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        let mut dests = vec![last, ran];
        let combined = reduction.map(|(_, _, ty)| self.b.local(LocalTy::Scalar(ty), None));
        dests.extend(combined);
        let op = BodyOp::Parallel {
            func,
            start,
            stop,
            step,
            var,
            threads,
            chunk,
            schedule: p.schedule,
            args,
            reduction: reduction.map(|(_, op, ty)| (op, ty)),
            var_ty,
        };
        self.b.op(dests, OpKind::Body(op));
        self.op(vec![var], BodyOp::Copy { src: last });
        if let Some(flag) = self.fr.flags.get(&p.var).copied() {
            // Bound only if a trip ran.
            let t = self.value(Ty::Bool, BodyOp::Const { c: hir::Const::Bool(true), ty: Ty::Bool });
            let now = self.value(Ty::Bool, BodyOp::Select { cond: ran, a: t, b: flag });
            self.b.op(vec![flag], OpKind::Body(BodyOp::Copy { src: now }));
        }
        if let (Some((id, ..)), Some(v)) = (reduction, combined) {
            self.assign(id, v);
        }
        Ok(())
    }
}

