//! `for … in range` loops as their `LoopPlan` says: the bounds (narrow loop variables' widened and cut), the
//! step's zero check, a 64-bit counter local, then either the plain loop
//! (header testing the counter, body, increment with its overflow flag) or
//! the loop unrolled ×2 (a rotated loop of two trips per test below a limit
//! computed once, then the rest: one trip when the limit leaves at most one, else one trip at a time), the cut range's check
//! on exhaustion, and the `else` block.

use super::{BodyBuilder, LoopTargets, B};
use crate::hir::{self, Access, CmpOp, Const, Expr, ExprKind, InBoundsGuard, LocalId, LoopPlan, PairedReduction, Stmt};
use crate::mir::body::{BodyOp, Prelude, SSIZE};
use std::collections::HashSet;
use crate::mir::{BlockId, Local, LocalTy, Terminator};
use crate::types::{IntTy, Ty};

/// What the trips of one range loop share.
pub(super) struct Range {
    pub var: LocalId,
    var_ty: IntTy,
    counter: Local,
    stop: Local,
    step: Local,
    const_step: Option<i64>,
    /// A 64-bit unsigned counter.
    unsigned: bool,
    /// `stop - k` cannot go below `i64::MIN` (`far_above_min`).
    stop_above_min: bool,
}

impl BodyBuilder<'_, '_> {
    pub(super) fn for_range(&mut self, var: LocalId, bounds: [&Expr; 3], body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> B<()> {
        // Versioned (`opt::versioning`, `opt::guards`): the tests, then the
        // loop twice, the first addressing those views' last axis by a
        // constant and leaving the tested indices unchecked.
        let strided: Vec<LocalId> = plan.version_on_unit_stride.iter().copied().filter(|v| !self.fr.unit_stride.contains(v)).collect();
        let guards: Vec<&InBoundsGuard> =
            plan.version_in_bounds.iter().filter(|g| !self.fr.in_bounds_here.contains(&(g.index, g.view, g.axis))).collect();
        if strided.is_empty() && guards.is_empty() {
            return self.for_range_inner(var, bounds, body, orelse, plan);
        }
        let mut tests = vec![];
        if !strided.is_empty() {
            let mut strides = vec![];
            for v in &strided {
                let size = self.view_ty(*v)?.elem.size() as i64;
                let parts = self.read_view(*v)?;
                strides.push((parts[parts.len() - 1], size));
            }
            tests.push(self.value(Ty::Bool, BodyOp::UnitStrides { strides }));
        }
        for g in &guards {
            let shape = self.read_view(g.view)?[1 + g.axis as usize];
            if g.by_stop {
                // The range's stop read again (`opt::guards::rereadable`): every value lies in `[0, stop)`.
                let stop = self.expr(bounds[1])?;
                tests.push(self.value(Ty::Bool, BodyOp::CounterCmp { op: CmpOp::Ge, a: shape, b: stop, unsigned: false }));
                continue;
            }
            let index = self.value(Ty::Int(SSIZE), BodyOp::Copy { src: self.fr.locals[g.index.0 as usize] });
            // Unsigned: a negative index fails it too (the general version wraps it).
            tests.push(self.value(Ty::Bool, BodyOp::CounterCmp { op: CmpOp::Lt, a: index, b: shape, unsigned: true }));
        }
        let (fast, slow, merge) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let last = tests.len() - 1;
        for (n, t) in tests.iter().enumerate() {
            let then = if n == last { fast } else { self.b.block(false) };
            self.terminate(Terminator::Branch { cond: *t, then, otherwise: slow });
            if n != last {
                self.b.switch_to(then);
            }
        }
        let facts: Vec<(LocalId, LocalId, u8)> =
            guards.iter().flat_map(|g| std::iter::once(g.index).chain(g.aliases.iter().copied()).map(|l| (l, g.view, g.axis))).collect();
        self.arms_then_merge([fast, slow], merge, |bb, i| {
            let (before, before_ib) = (bb.fr.unit_stride.len(), bb.fr.in_bounds_here.len());
            if i == 0 {
                bb.fr.unit_stride.extend(strided.iter().copied());
                bb.fr.in_bounds_here.extend(facts.iter().copied());
            }
            let r = bb.for_range_inner(var, bounds, body, orelse, plan);
            bb.fr.unit_stride.truncate(before);
            bb.fr.in_bounds_here.truncate(before_ib);
            r
        })
    }

    fn for_range_inner(&mut self, var: LocalId, bounds: [&Expr; 3], body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> B<()> {
        let [start, stop, step] = bounds;
        let var_ty = match self.fr.f.locals[var.0 as usize].ty {
            Ty::Int(t) => t,
            other => return Err(format!("range loop over a {other} variable reached the back end")),
        };
        let const_step = match step.as_const() {
            Some(Const::Int(k)) => Some(k),
            _ => None,
        };
        let (start_v, stop_v, step_v, uncut_stop) = if var_ty.bits < 64 {
            self.narrow_range_bounds(var_ty, [start, stop, step], const_step)?
        } else {
            (self.expr(start)?, self.expr(stop)?, self.expr(step)?, None)
        };
        match const_step {
            Some(0) => {
                self.raise("PyExc_ValueError", Some("range() arg 3 must not be zero"));
                return Ok(());
            }
            Some(_) => {}
            None => self.op(vec![], BodyOp::CheckRangeStep { step: step_v }),
        }
        // Whether the step was unsigned before the front end converted it to
        // the variable's type: a signed step's bits keep its sign.
        let step_unsigned = {
            let mut source = step;
            while let ExprKind::Convert(inner) = &source.kind {
                source = inner;
            }
            matches!(source.ty, Ty::Int(t) if !t.signed)
        };
        let counter = self.b.local(LocalTy::Scalar(Ty::Int(SSIZE)), Some("range counter"));
        self.op(vec![counter], BodyOp::Copy { src: start_v });
        self.vector_prelude(plan, var, var_ty, counter, stop_v);
        let r = Range { var, var_ty, counter, stop: stop_v, step: step_v, const_step, unsigned: !var_ty.signed && var_ty.bits >= 64, stop_above_min: far_above_min(stop) };
        let line = self.b.line();
        let (else_b, exit) = (self.b.block(false), self.b.block(false));
        // Where an exhausted loop goes: through the check of a cut range first.
        let (else_b, real_else) = match uncut_stop {
            Some(_) => (self.b.block(false), else_b),
            None => (else_b, else_b),
        };
        let broke = match (plan.unroll, const_step) {
            (true, Some(k)) => {
                self.unrolled(&r, k, body, else_b, plan.paired.as_ref())?;
                false
            }
            _ => self.plain_loop(&r, body, else_b, exit, step_unsigned)?,
        };
        self.b.at_line(line);
        if let Some(uncut) = uncut_stop {
            self.b.switch_to(else_b);
            let c = self.value(Ty::Int(SSIZE), BodyOp::Copy { src: counter });
            self.op(vec![], BodyOp::RangeCutShort { c, stop: uncut, step: step_v, var_ty, const_step });
            self.terminate(Terminator::Goto(real_else));
        }
        self.finish_loop(real_else, exit, orelse, broke)
    }

    /// Header, body, increment; whether anything broke out.
    fn plain_loop(&mut self, r: &Range, body: &[Stmt], else_b: BlockId, exit: BlockId, step_unsigned: bool) -> B<bool> {
        let (header, body_b, incr) = (self.b.block(false), self.b.block(false), self.b.block(false));
        self.terminate(Terminator::Goto(header));
        self.b.switch_to(header);
        self.reachable = true;
        let c = self.read_counter(r);
        let (const_step, unsigned) = (r.const_step, r.unsigned);
        let go = self.value(Ty::Bool, BodyOp::RangeContinues { c, stop: r.stop, step: r.step, const_step, step_unsigned, unsigned });
        self.terminate(Terminator::Branch { cond: go, then: body_b, otherwise: else_b });
        self.b.switch_to(body_b);
        let c = self.read_counter(r);
        self.fr.loops.push(LoopTargets { cont: incr, exit, continued: false, broke: false });
        self.trip(r, c, body)?;
        let falls_through = self.reachable;
        if falls_through {
            self.terminate(Terminator::Goto(incr));
        }
        let targets = self.fr.loops.pop().ok_or("the loop stack lost its loop".to_string())?;
        if falls_through || targets.continued {
            self.b.switch_to(incr);
            let c = self.read_counter(r);
            let (next, over) = (self.b.local(LocalTy::Scalar(Ty::Int(SSIZE)), None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
            let var_ty = r.var_ty;
            self.op(vec![next, over], BodyOp::RangeNext { c, step: r.step, const_step, var_ty, unsigned, step_unsigned });
            self.op(vec![r.counter], BodyOp::Copy { src: next });
            self.terminate(Terminator::Branch { cond: over, then: else_b, otherwise: header });
        }
        Ok(targets.broke)
    }

    /// Two trips per test at the bottom of a rotated loop while the counter
    /// is below a limit computed once (so it needs no overflow check), then
    /// the rest one trip at a time (`opt::unroll`: no `break`/`continue`).
    fn unrolled(&mut self, r: &Range, k: i64, body: &[Stmt], else_b: BlockId, paired: Option<&PairedReduction>) -> B<()> {
        let ssize = Ty::Int(SSIZE);
        let limit = self.value(ssize, BodyOp::UnrolledLimit { stop: r.stop, k, narrow: r.var_ty.bits < 64, stop_above_min: r.stop_above_min });
        let (u_body, r_header, r_body) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let c = self.read_counter(r);
        let done = self.value(Ty::Bool, BodyOp::CounterCmp { op: CmpOp::Ge, a: c, b: limit, unsigned: false });
        // The loop body as the branch's second successor: Cranelift's LICM
        // walks the dominator tree in an order that then visits it first.
        self.terminate(Terminator::Branch { cond: done, then: r_header, otherwise: u_body });
        self.b.switch_to(u_body);
        self.reachable = true;
        let c = self.read_counter(r);
        match paired {
            Some(p) => self.paired_trips(p, r, c, k, body)?,
            None => {
                self.trip(r, c, body)?;
                if self.reachable {
                    let c2 = self.value(ssize, BodyOp::AddImm { value: c, imm: k });
                    self.trip(r, c2, body)?;
                }
            }
        }
        if self.reachable {
            let next = self.value(ssize, BodyOp::AddImm { value: c, imm: 2 * k });
            self.op(vec![r.counter], BodyOp::Copy { src: next });
            let done = self.value(Ty::Bool, BodyOp::CounterCmp { op: CmpOp::Ge, a: next, b: limit, unsigned: false });
            self.terminate(Terminator::Branch { cond: done, then: r_header, otherwise: u_body });
        }
        // The rest (one trip, or two when `stop` is within 2k of the 64-bit limit).
        self.b.switch_to(r_header);
        self.reachable = true;
        let c = self.read_counter(r);
        let go = self.value(Ty::Bool, BodyOp::CounterCmp { op: CmpOp::Lt, a: c, b: r.stop, unsigned: r.unsigned });
        self.terminate(Terminator::Branch { cond: go, then: r_body, otherwise: else_b });
        self.b.switch_to(r_body);
        self.trip(r, c, body)?;
        // With a step of 1 (the limit is then `stop - 1`: `stop` never
        // exceeds the cap) or a narrow variable (the limit is `stop - k`), the
        // unrolled loop leaves at most one trip: no test again, and the
        // counter (read by a cut range's check) steps with no overflow
        // (`c < stop`, so `c + k` fits in 64 bits).
        let one_rest = (k == 1 || r.var_ty.bits < 64) && !r.unsigned;
        if self.reachable && one_rest {
            let next = self.value(ssize, BodyOp::AddImm { value: c, imm: k });
            self.op(vec![r.counter], BodyOp::Copy { src: next });
            self.terminate(Terminator::Goto(else_b));
        } else if self.reachable {
            let (next, over) = (self.b.local(LocalTy::Scalar(ssize), None), self.b.local(LocalTy::Scalar(Ty::Bool), None));
            self.op(vec![next, over], BodyOp::StepCounter { c, k, var_ty: r.var_ty, unsigned: r.unsigned });
            self.op(vec![r.counter], BodyOp::Copy { src: next });
            self.terminate(Terminator::Branch { cond: over, then: else_b, otherwise: r_header });
        }
        Ok(())
    }

    /// The loop's vector or partial-sum prelude, if its plan has one: it
    /// names the HIR locals it reads or advances, mapped to this body's.
    fn vector_prelude(&mut self, plan: &LoopPlan, var: LocalId, var_ty: IntTy, counter: Local, stop: Local) {
        let (prelude, value, acc) = match (&plan.vector, &plan.sum) {
            (Some(v), _) => (Prelude::Vector { var, plan: v.clone() }, &v.value, None),
            (None, Some(s)) => (Prelude::Sum { var, plan: s.clone() }, &s.value, Some(s.acc)),
            (None, None) => return,
        };
        let accesses: Vec<&Access> = match (&plan.vector, &plan.sum) {
            (Some(v), _) => std::iter::once(&v.out).chain(&v.inputs).collect(),
            (None, Some(s)) => s.inputs.iter().collect(),
            (None, None) => vec![],
        };
        let mut ids: Vec<LocalId> = std::iter::once(var).chain(acc).collect();
        for a in accesses {
            ids.push(a.view);
            ids.extend(a.leading.iter().copied());
        }
        hir::visit_expr(value, &mut |x| match &x.kind {
            ExprKind::Local(l) => ids.push(*l),
            k => ids.extend(k.view_read()),
        });
        let (mut locals, mut flags, mut views) = (vec![], vec![], vec![]);
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                continue;
            }
            if let Some(&buf) = self.fr.bufs.get(&id) {
                self.b.op(vec![], crate::mir::OpKind::HoldBuffer { buf });
            }
            match self.fr.views.get(&id) {
                Some(parts) => views.push((id, parts.clone())),
                None => locals.push((id, self.fr.locals[id.0 as usize])),
            }
            if let Some(flag) = self.fr.flags.get(&id) {
                flags.push((id, *flag, self.fr.f.locals[id.0 as usize].name.clone()));
            }
        }
        // What it writes: the counter, the loop variable and the sum, and their flags.
        let mut dests = vec![counter];
        for id in std::iter::once(var).chain(acc) {
            dests.push(self.fr.locals[id.0 as usize]);
            dests.extend(self.fr.flags.get(&id).copied());
        }
        self.op(dests, BodyOp::VectorPrelude { plan: Box::new(prelude), counter, stop, var_ty, locals, flags, views });
    }

    fn read_counter(&mut self, r: &Range) -> Local {
        self.value(Ty::Int(SSIZE), BodyOp::Copy { src: r.counter })
    }

    /// One run of the body with the loop variable set to the counter `c`.
    fn trip(&mut self, r: &Range, c: Local, body: &[Stmt]) -> B<()> {
        self.set_loop_var(r, c);
        self.reachable = true;
        // The counter stays in the variable's type for every trip (a range
        // past the type's end is cut, `Range`), so while the body leaves
        // the variable alone its widening reads the counter.
        let wide = r.var_ty.bits < 64 && !hir::assigns(body, r.var);
        if wide {
            self.fr.wide_loop_vars.push((r.var, c));
        }
        let built = self.stmts(body);
        if wide {
            self.fr.wide_loop_vars.pop();
        }
        built
    }

    /// The loop variable set to the counter `c`.
    pub(super) fn set_loop_var(&mut self, r: &Range, c: Local) {
        let v = if r.var_ty.bits < 64 {
            self.value(Ty::Int(r.var_ty), BodyOp::Convert { value: c, from: Ty::Int(SSIZE), to: Ty::Int(r.var_ty) })
        } else {
            c
        };
        self.assign(r.var, v);
    }

    /// A range bound for a loop variable narrower than 64 bits, as a 64-bit
    /// value: one the front end converted to the variable's type from a type
    /// it does not fit is taken before that conversion (which would wrap),
    /// with `true`.
    fn wide_range_bound(&mut self, e: &Expr, var_ty: IntTy) -> B<(Local, bool)> {
        let fits = |t: IntTy| (t.signed == var_ty.signed && t.bits <= var_ty.bits) || (!t.signed && var_ty.signed && t.bits < var_ty.bits);
        let (inner, t) = match (&e.kind, e.ty) {
            (ExprKind::Convert(x), Ty::Int(_)) => match x.ty {
                Ty::Int(t) if !fits(t) => (&**x, t),
                _ => (e, var_ty),
            },
            _ => (e, var_ty),
        };
        let v = self.expr(inner)?;
        let wide = self.value(Ty::Int(SSIZE), BodyOp::WidenBound { value: v, t });
        Ok((wide, !std::ptr::eq(inner, e)))
    }

    /// Start, stop and step of a range loop whose variable is narrower than
    /// 64 bits (its counter is 64-bit), and the uncut stop when the range is
    /// cut where the variable's type ends (see `BodyOp::CutRange`).
    pub(super) fn narrow_range_bounds(&mut self, var_ty: IntTy, bounds: [&hir::Expr; 3], const_step: Option<i64>) -> B<(Local, Local, Local, Option<Local>)> {
        let (s, s_wide) = self.wide_range_bound(bounds[0], var_ty)?;
        let (e, e_wide) = self.wide_range_bound(bounds[1], var_ty)?;
        let (k, step_wide) = self.wide_range_bound(bounds[2], var_ty)?;
        let wide = s_wide || e_wide;
        let cut: Vec<Local> = (0..3).map(|_| self.b.local(LocalTy::Scalar(Ty::Int(SSIZE)), None)).collect();
        self.op(cut.clone(), BodyOp::CutRange { start: s, stop: e, step: k, var_ty, wide, step_wide, const_step });
        Ok((cut[0], cut[1], cut[2], wide.then_some(e)))
    }
}

/// Whether a range bound lies far enough above `i64::MIN` that `stop - k`
/// (`k <= 2^20`, `opt::unroll`) cannot overflow: a view's shape, a constant,
/// a value converted from an integer type of at most 32 bits, through
/// conversions to 64 bits.
fn far_above_min(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Const(Const::Int(v)) => *v >= i64::MIN / 2,
        ExprKind::ViewDim { dim: hir::Dim::Shape, .. } => true,
        ExprKind::Convert(x) => match (x.ty, e.ty) {
            (Ty::Int(from), Ty::Int(to)) if to.bits == 64 => from.bits <= 32 || (from.signed && far_above_min(x)),
            _ => false,
        },
        _ => false,
    }
}
