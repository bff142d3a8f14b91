//! A `prange` loop (`hir::Prange`, its body outlined by `opt::outline`): its
//! bounds and options evaluated, the shared locals checked bound, then one
//! `Parallel` op running the outlined body on the thread team; after it,
//! the loop variable holds its last value (when a trip ran), the
//! reductions' locals the combined partials and the lastprivate locals the
//! copies of the thread that ran the last trip (or left the loop). A loop variable narrower than
//! 64 bits has its range cut where its type ends, as a serial loop's, and
//! the OverflowError of a range it cannot follow is raised after the trips
//! it can.

use super::{BodyBuilder, B};
use crate::hir::{self, PrangeBody};
use crate::mir::body::{BodyOp, SSIZE};
use crate::mir::{LocalTy, OpKind, Terminator};
use crate::types::Ty;

impl BodyBuilder<'_, '_> {
    pub(super) fn prange(&mut self, p: &hir::Prange) -> B<()> {
        let PrangeBody::Outlined(func) = p.body else {
            return Err("a prange body not outlined reached the back end".to_string());
        };
        let var_ty = self.fr.f.locals[p.var.0 as usize].ty;
        let narrow = match var_ty {
            Ty::Int(t) if t.bits < 64 => Some(t),
            _ => None,
        };
        let const_step = match p.step.as_const() {
            Some(hir::Const::Int(k)) => Some(k),
            _ => None,
        };
        // A narrow variable's range as 64-bit bounds, cut where its type ends.
        let (start, stop, step, uncut_stop) = match narrow {
            Some(t) => self.narrow_range_bounds(t, [&p.start, &p.stop, &p.step], const_step)?,
            None => (self.expr(&p.start)?, self.expr(&p.stop)?, self.expr(&p.step)?, None),
        };
        let chunk = match &p.chunksize {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        let threads = match &p.num_threads {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        let mut args = vec![];
        let reductions: Vec<_> = p.reductions.iter().map(|&(id, op)| (id, op, self.fr.f.locals[id.0 as usize].ty)).collect();
        for &(id, ..) in &reductions {
            self.check_bound(id);
            args.push(self.fr.locals[id.0 as usize]);
        }
        // A lastprivate local's value before the loop starts every thread's
        // copy (unbound, whatever its storage holds: a trip assigns it first).
        let lasts: Vec<_> = p.lastprivate.iter().map(|&id| (id, self.fr.f.locals[id.0 as usize].ty)).collect();
        args.extend(lasts.iter().map(|&(id, _)| self.fr.locals[id.0 as usize]));
        for id in &p.shared {
            self.check_bound(*id);
            match self.fr.views.get(id) {
                Some(parts) => args.extend(parts.iter().copied()),
                None => args.push(self.fr.locals[id.0 as usize]),
            }
        }
        // This thread's stack limit, last: the team's thread 0 is this thread.
        args.push(self.limit);
        let var = self.fr.locals[p.var.0 as usize];
        let last = self.b.local(LocalTy::Scalar(var_ty), None);
        let ran = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        let mut dests = vec![last, ran];
        let end = narrow.map(|_| self.b.local(LocalTy::Scalar(Ty::Int(SSIZE)), None));
        dests.extend(end);
        let combined: Vec<_> = reductions.iter().map(|&(_, _, ty)| self.b.local(LocalTy::Scalar(ty), None)).collect();
        dests.extend(combined.iter().copied());
        let last_values: Vec<_> = lasts.iter().map(|&(_, ty)| self.b.local(LocalTy::Scalar(ty), None)).collect();
        dests.extend(last_values.iter().copied());
        let ret_ty = self.fr.f.ret;
        // The returned value's type, when a `return` passes one.
        let value_ty = p.leaves.map(|has_return| (has_return && ret_ty != Ty::Void).then_some(ret_ty));
        let exit = value_ty.map(|value| {
            let mut local = |ty: Ty| self.b.local(LocalTy::Scalar(ty), None);
            let (left, returned, at) = (local(Ty::Bool), local(Ty::Bool), local(var_ty));
            (left, returned, at, value.map(local))
        });
        dests.extend(exit.iter().flat_map(|&(left, returned, at, value)| [Some(left), Some(returned), Some(at), value]).flatten());
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
            reductions: reductions.iter().map(|&(id, op, ty)| (op, ty, p.stores.iter().find(|s| s.0 == id).map(|s| s.1.clone()))).collect(),
            lasts: lasts.iter().map(|&(_, ty)| ty).collect(),
            var_ty,
            leaves: value_ty,
            workshare: p.in_team,
        };
        self.b.op(dests, OpKind::Body(op));
        let cut_check = narrow.zip(end).zip(uncut_stop).map(|((var_ty, c), uncut)| BodyOp::RangeCutShort { c, stop: uncut, step, var_ty, const_step });
        if exit.is_none() {
            // As the serial loop: OverflowError after the trips the type can follow.
            cut_check.clone().into_iter().for_each(|op| self.op(vec![], op));
        }
        self.op(vec![var], BodyOp::Copy { src: last });
        if let Some(flag) = self.fr.flags.get(&p.var).copied() {
            // Bound only if a trip ran.
            let t = self.value(Ty::Bool, BodyOp::Const { c: hir::Const::Bool(true), ty: Ty::Bool });
            let now = self.value(Ty::Bool, BodyOp::Select { cond: ran, a: t, b: flag });
            self.b.op(vec![flag], OpKind::Body(BodyOp::Copy { src: now }));
        }
        for (&(id, ..), v) in reductions.iter().zip(combined) {
            self.assign(id, v);
        }
        for (&(id, _), v) in lasts.iter().zip(last_values) {
            // Bound if a trip ran (the value is the one before the loop otherwise).
            let local = self.fr.locals[id.0 as usize];
            self.op(vec![local], BodyOp::Copy { src: v });
            if let Some(flag) = self.fr.flags.get(&id).copied() {
                let t = self.value(Ty::Bool, BodyOp::Const { c: hir::Const::Bool(true), ty: Ty::Bool });
                let now = self.value(Ty::Bool, BodyOp::Select { cond: ran, a: t, b: flag });
                self.b.op(vec![flag], OpKind::Body(BodyOp::Copy { src: now }));
            }
        }
        if let Some((left, returned, at, value)) = exit {
            // A trip left the loop: the variable holds its value, and a
            // `return` returns; a loop that ran out checks its cut range.
            let (gone, ran_out, merge) = (self.b.block(false), self.b.block(false), self.b.block(false));
            self.terminate(Terminator::Branch { cond: left, then: gone, otherwise: ran_out });
            self.b.switch_to(gone);
            self.reachable = true;
            self.op(vec![var], BodyOp::Copy { src: at });
            if p.leaves == Some(true) {
                let ret = self.b.block(false);
                self.terminate(Terminator::Branch { cond: returned, then: ret, otherwise: merge });
                self.b.switch_to(ret);
                self.reachable = true;
                self.return_(value)?;
            } else {
                self.terminate(Terminator::Goto(merge));
            }
            self.b.switch_to(ran_out);
            self.reachable = true;
            cut_check.into_iter().for_each(|op| self.op(vec![], op));
            self.terminate(Terminator::Goto(merge));
            self.b.switch_to(merge);
            self.reachable = true;
        }
        Ok(())
    }
}

