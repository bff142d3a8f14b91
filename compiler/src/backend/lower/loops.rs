//! `range` loops as their plan says: versioned on unit strides, unrolled ×2
//! into rotated loops, counters that need no overflow check, narrow loop
//! variables, and the vector or paired-reduction preludes they start with.

use super::*;

impl<'m> Lower<'m, '_, '_, '_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_range(&mut self, var: LocalId, start: &Expr, stop: &Expr, step: &Expr, body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> R<()> {
        // Versioned on unit strides (`opt::versioning`): the test, then the
        // loop twice, the first addressing those views' last axis by a constant.
        let strided = plan.version_on_unit_stride.iter().copied().filter(|v| !self.fr.unit_stride.contains(v)).collect::<Vec<_>>();
        if !strided.is_empty() {
            let mut all_unit = self.cx.b.ins().iconst(types::I8, 1);
            for v in &strided {
                let size = self.view_ty(*v)?.elem.size() as i64;
                let parts = self.view_parts(*v)?;
                let last_stride = parts[parts.len() - 1];
                let unit = self.cx.b.ins().icmp_imm_s(IntCC::Equal, last_stride, size);
                all_unit = self.cx.b.ins().band(all_unit, unit);
            }
            let (fast, slow) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.ins().brif(all_unit, fast, &[], slow, &[]);
            return self.arms([fast, slow], |lw, i| {
                let before = lw.fr.unit_stride.len();
                if i == 0 {
                    lw.fr.unit_stride.extend(strided.iter().copied());
                }
                let r = lw.for_range_inner(var, start, stop, step, body, orelse, plan);
                lw.fr.unit_stride.truncate(before);
                r
            });
        }
        self.for_range_inner(var, start, stop, step, body, orelse, plan)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_range_inner(&mut self, var: LocalId, start: &Expr, stop: &Expr, step: &Expr, body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> R<()> {
        let var_ty = match self.fr.f.locals[var.0 as usize].ty {
            Ty::Int(t) => t,
            other => return Err(format!("range loop over a {other} variable reached the back end")),
        };
        let widen = |lw: &mut Self, v: Value| -> Value {
            if var_ty.bits >= 64 {
                v
            } else if var_ty.signed {
                lw.cx.b.ins().sextend(types::I64, v)
            } else {
                lw.cx.b.ins().uextend(types::I64, v)
            }
        };
        let const_step = match step.as_const() {
            Some(Const::Int(k)) => Some(k),
            _ => None,
        };
        let (start_v, stop_v, step_v, uncut_stop) = if var_ty.bits < 64 {
            self.narrow_range_bounds(var_ty, start, stop, step, const_step)?
        } else {
            let v0 = self.expr(start)?;
            let v1 = self.expr(stop)?;
            let v2 = self.expr(step)?;
            (widen(self, v0), widen(self, v1), widen(self, v2), None)
        };
        match const_step {
            Some(0) => return self.raise("PyExc_ValueError", Some("range() arg 3 must not be zero")),
            Some(_) => {}
            None => self.op(|o| o.check_range_step(step_v))?,
        }
        let unsigned = !var_ty.signed && var_ty.bits >= 64;
        // Whether the step was unsigned before the front end converted it to
        // the variable's type: a signed step's bits keep its sign.
        let step_unsigned = {
            let mut source = step;
            while let hir::ExprKind::Convert(inner) = &source.kind {
                source = inner;
            }
            matches!(source.ty, Ty::Int(t) if !t.signed)
        };
        let cur = self.cx.b.declare_var(types::I64);
        self.cx.b.def_var(cur, start_v);
        if plan.vector.is_some() || plan.sum.is_some() {
            let (f, vars, flags, views) = (self.fr.f, self.fr.vars.clone(), self.fr.flags.clone(), self.fr.views.clone());
            let local = |id: LocalId| vars.get(id.0 as usize).copied().ok_or_else(|| "a prelude's local without its variable".to_string());
            let flag = |id: LocalId| flags.get(&id).map(|v| (*v, f.locals[id.0 as usize].name.clone()));
            let view = |id: LocalId| views.get(&id).cloned().ok_or_else(|| "memoryview without its parts".to_string());
            let pv = PreludeVars { counter: cur, var, var_ty, local: &local, flag: &flag, view: &view };
            match (&plan.vector, &plan.sum) {
                (Some(vector), _) => self.op(|o| o.vector_prelude(vector, &pv, stop_v))?,
                (None, Some(sum)) => self.op(|o| o.sum_prelude(sum, &pv, stop_v))?,
                (None, None) => {}
            }
        }
        let line = self.fr.line;
        let else_b = self.cx.b.create_block();
        let exit = self.cx.b.create_block();
        // Where an exhausted loop goes: through the check of a cut range first.
        let (else_b, real_else) = match uncut_stop {
            Some(_) => (self.cx.b.create_block(), else_b),
            None => (else_b, else_b),
        };
        let finish_cut = |lw: &mut Self| -> R<()> {
            if let Some(e) = uncut_stop {
                lw.enter(else_b);
                let c = lw.cx.b.use_var(cur);
                lw.op(|o| o.range_cut_short(var_ty, c, e, step_v, const_step))?;
                lw.cx.b.ins().jump(real_else, &[]);
            }
            Ok(())
        };
        // Unrolled ×2 (`opt::unroll`; the step is a constant in `1..=2^20`).
        if let (true, Some(k)) = (plan.unroll, const_step) {
            // Two trips per test, the test at the bottom (a rotated loop), and a
            // limit computed once so the counter needs no overflow check:
            // `c < limit` means `c + k < stop` and `c + 2k` fits in 64 bits.
            let limit = self.op(|o| o.unrolled_limit(stop_v, k, var_ty.bits < 64));
            let (u_body, r_header, r_body) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
            let c = self.cx.b.use_var(cur);
            let done = self.cx.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, c, limit);
            // The loop body as the branch's second successor: Cranelift's LICM
            // walks the dominator tree in an order that then visits it first.
            self.cx.b.ins().brif(done, r_header, &[], u_body, &[]);
            self.cx.b.switch_to_block(u_body); // sealed once its back edge exists
            let c = self.cx.b.use_var(cur);
            self.two_trips(var, var_ty, c, k, body, plan.paired.as_ref())?;
            if self.reachable {
                let next = self.cx.b.ins().iadd_imm_s(c, 2 * k);
                self.cx.b.def_var(cur, next);
                let done = self.cx.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, next, limit);
                self.cx.b.ins().brif(done, r_header, &[], u_body, &[]);
            }
            self.cx.b.seal_block(u_body);
            // The rest (one trip, or two when `stop` is within 2k of the 64-bit limit).
            self.cx.b.switch_to_block(r_header); // sealed once its back edge exists
            let c = self.cx.b.use_var(cur);
            let lt = if unsigned { IntCC::UnsignedLessThan } else { IntCC::SignedLessThan };
            let go = self.cx.b.ins().icmp(lt, c, stop_v);
            self.cx.b.ins().brif(go, r_body, &[], else_b, &[]);
            self.enter(r_body);
            self.range_body_copy(var, var_ty, c, body)?;
            if self.reachable {
                let (next, of) = self.op(|o| o.step_counter(c, k, var_ty, unsigned));
                self.cx.b.def_var(cur, next);
                self.cx.b.ins().brif(of, else_b, &[], r_header, &[]);
            }
            self.cx.b.seal_block(r_header);
            self.at_line(line);
            finish_cut(self)?;
            return self.finish_loop(real_else, exit, orelse, false);
        }
        let (header, body_b, incr) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().jump(header, &[]);
        self.cx.b.switch_to_block(header); // sealed once its back edges exist
        let c = self.cx.b.use_var(cur);
        let go = self.op(|o| o.range_continues(c, stop_v, step_v, const_step, step_unsigned, unsigned));
        self.cx.b.ins().brif(go, body_b, &[], else_b, &[]);
        self.enter(body_b);
        let c = self.cx.b.use_var(cur);
        let mut falls_through = false;
        let targets = self.in_loop(incr, exit, |lw| {
            lw.range_body_copy(var, var_ty, c, body)?;
            falls_through = lw.reachable;
            if falls_through {
                lw.cx.b.ins().jump(incr, &[]);
            }
            Ok(())
        })?;
        if falls_through || targets.continued {
            self.enter(incr);
            let c = self.cx.b.use_var(cur);
            let (next, overflow) = self.op(|o| o.range_next(c, step_v, const_step, var_ty, unsigned, step_unsigned));
            self.cx.b.def_var(cur, next);
            self.cx.b.ins().brif(overflow, else_b, &[], header, &[]);
        }
        self.cx.b.seal_block(header);
        self.at_line(line);
        finish_cut(self)?;
        self.finish_loop(real_else, exit, orelse, targets.broke)
    }

    /// The body run for `counter` and then `counter + k`; a float reduction's
    /// two trips share their vector work (see `reduction`).
    pub(super) fn two_trips(&mut self, var: LocalId, var_ty: IntTy, c: Value, k: i64, body: &[Stmt], paired: Option<&hir::PairedReduction>) -> R<()> {
        if let Some(p) = paired {
            let red = reduction::Reduction { acc: p.acc, value: &p.value, var, step: k, no_effects: p.no_effects };
            let c2 = self.cx.b.ins().iadd_imm_s(c, k);
            self.at_line(body[0].line);
            return self.paired_reduction(&red, |lw, lane| lw.set_loop_var(var, var_ty, [c, c2][lane]));
        }
        self.range_body_copy(var, var_ty, c, body)?;
        if self.reachable {
            let c2 = self.cx.b.ins().iadd_imm_s(c, k);
            self.range_body_copy(var, var_ty, c2, body)?;
        }
        Ok(())
    }

    /// A range bound for a loop variable narrower than 64 bits, as a 64-bit
    /// value: one the front end converted to the variable's type from a type
    /// it does not fit is taken before that conversion (which would wrap),
    /// with `true`.
    pub(super) fn wide_range_bound(&mut self, e: &Expr, var_ty: IntTy) -> R<(Value, bool)> {
        let fits = |t: IntTy| (t.signed == var_ty.signed && t.bits <= var_ty.bits) || (!t.signed && var_ty.signed && t.bits < var_ty.bits);
        let (inner, t) = match (&e.kind, e.ty) {
            (ExprKind::Convert(x), Ty::Int(_)) => match x.ty {
                Ty::Int(t) if !fits(t) => (&**x, t),
                _ => (e, var_ty),
            },
            _ => (e, var_ty),
        };
        let v = self.expr(inner)?;
        let wide = self.op(|o| o.widen_bound(v, t));
        Ok((wide, !std::ptr::eq(inner, e)))
    }

    /// Start, stop and step of a range loop whose variable is narrower than
    /// 64 bits (its counter is 64-bit). Bounds of a wider type are not wrapped
    /// into the variable's: the range is cut where the variable's type ends,
    /// OverflowError raised before the loop if its first value does not fit,
    /// and the original stop returned for `range_cut_short` on exhaustion. So
    /// the loop runs as in Python until the variable would have to take a
    /// value its type cannot hold, with no cost per trip.
    pub(super) fn narrow_range_bounds(
        &mut self,
        var_ty: IntTy,
        start: &Expr,
        stop: &Expr,
        step: &Expr,
        const_step: Option<i64>,
    ) -> R<(Value, Value, Value, Option<Value>)> {
        let (s, s_wide) = self.wide_range_bound(start, var_ty)?;
        let (e, e_wide) = self.wide_range_bound(stop, var_ty)?;
        let (k, k_wide) = self.wide_range_bound(step, var_ty)?;
        self.op(|o| o.cut_range(var_ty, (s, e, k), s_wide || e_wide, k_wide, const_step))
    }

    /// One run of a range loop's body with the loop variable set to `counter`.
    pub(super) fn range_body_copy(&mut self, var: LocalId, var_ty: IntTy, counter: Value, body: &[Stmt]) -> R<()> {
        self.set_loop_var(var, var_ty, counter);
        self.reachable = true;
        self.stmts(body)
    }

    pub(super) fn set_loop_var(&mut self, var: LocalId, var_ty: IntTy, counter: Value) {
        let v = if var_ty.bits < 64 {
            self.cx.b.ins().ireduce(clif_type(Ty::Int(var_ty)).unwrap_or(types::I64), counter)
        } else {
            counter
        };
        self.assign(var, v);
    }
}
