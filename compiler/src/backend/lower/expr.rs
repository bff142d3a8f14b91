//! Expressions: constants, locals (UnboundLocalError), calls (inlined or
//! real), conversions with Python's errors, unary operators, truth values.

use super::*;

impl<'m> Lower<'m, '_, '_, '_> {
    pub(super) fn konst(&mut self, c: Const, ty: Ty) -> Value {
        match (c, clif_type(ty).unwrap_or(types::I8)) {
            (Const::Float(f), types::F64) => self.cx.b.ins().f64const(f),
            (Const::Float(f), types::F32) => self.cx.b.ins().f32const(f as f32),
            (Const::Int(v), types::F64) => self.cx.b.ins().f64const(v as f64),
            (Const::Int(v), types::F32) => self.cx.b.ins().f32const(v as f32),
            (Const::Bool(b), types::F64) => self.cx.b.ins().f64const(b as i64 as f64),
            (Const::Bool(b), types::F32) => self.cx.b.ins().f32const(b as i64 as f32),
            (Const::Int(v), t) => {
                let bits = t.bits();
                let v = if bits >= 64 { v } else { v & ((1i64 << bits) - 1) };
                self.cx.b.ins().iconst(t, v)
            }
            (Const::Bool(b), t) => self.cx.b.ins().iconst(t, b as i64),
            (Const::Float(f), t) => self.cx.b.ins().iconst(t, f as i64),
        }
    }

    pub(super) fn read_local(&mut self, id: LocalId) -> R<Value> {
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            let f = self.cx.b.use_var(flag);
            let unbound = self.cx.b.ins().icmp_imm_s(IntCC::Equal, f, 0);
            let name = self.fr.f.locals[id.0 as usize].name.clone();
            let msg = self.cx.em.py.unbound_local_message(&name);
            self.raise_if(unbound, "PyExc_UnboundLocalError", Some(&msg))?;
        }
        Ok(self.cx.b.use_var(self.fr.vars[id.0 as usize]))
    }

    pub(super) fn expr(&mut self, e: &Expr) -> R<Value> {
        match &e.kind {
            ExprKind::Const(c) => Ok(self.konst(*c, e.ty)),
            ExprKind::Local(id) => self.read_local(*id),
            ExprKind::Convert(x) => {
                let v = self.expr(x)?;
                self.convert(v, x.ty, e.ty)
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x)?;
                self.unary(*op, v, e.ty)
            }
            ExprKind::Binary(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                match (a.ty, b.ty) {
                    (Ty::Float(_), _) | (_, Ty::Float(_)) => self.float_binary(*op, va, vb, e.ty, b),
                    (Ty::Int(t), _) if *op == ArithOp::Div => self.int_true_div(va, vb, t),
                    (Ty::Int(t), _) => self.int_binary(*op, va, vb, t),
                    (Ty::Bool, _) => self.bool_binary(*op, va, vb),
                    _ => Err(format!("binary {op:?} on {} reached the back end", a.ty)),
                }
            }
            ExprKind::NoOverflow(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                match op {
                    ArithOp::Sub => Ok(self.cx.b.ins().isub(va, vb)),
                    _ => Err(format!("unchecked {op:?} reached the back end")),
                }
            }
            ExprKind::Compare { operands, ops } => self.compare_chain(operands, ops),
            ExprKind::Truthy(x) => {
                let v = self.expr(x)?;
                Ok(self.truthy(v, x.ty))
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let va = self.expr(a)?;
                let t = self.truthy(va, a.ty);
                let (eval_b, merge) = (self.cx.b.create_block(), self.cx.b.create_block());
                let ct = clif_type(e.ty).unwrap_or(types::I8);
                self.cx.b.append_block_param(merge, ct);
                if is_and {
                    self.cx.b.ins().brif(t, eval_b, &[], merge, &[BlockArg::Value(va)]);
                } else {
                    self.cx.b.ins().brif(t, merge, &[BlockArg::Value(va)], eval_b, &[]);
                }
                self.enter(eval_b);
                let vb = self.expr(b)?;
                self.cx.b.ins().jump(merge, &[BlockArg::Value(vb)]);
                self.enter(merge);
                Ok(self.cx.b.block_params(merge)[0])
            }
            ExprKind::IfExp { cond, then, orelse, select: true } => {
                // Arms that cannot raise or call: both computed, one selected (no branch).
                let c = self.expr(cond)?;
                let t = self.expr(then)?;
                let o = self.expr(orelse)?;
                Ok(self.cx.b.ins().select(c, t, o))
            }
            ExprKind::IfExp { cond, then, orelse, select: false } => {
                let c = self.expr(cond)?;
                let (tb, eb, merge) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
                let ct = clif_type(e.ty).unwrap_or(types::I8);
                self.cx.b.append_block_param(merge, ct);
                self.cx.b.ins().brif(c, tb, &[], eb, &[]);
                for (blk, x) in [(tb, then), (eb, orelse)] {
                    self.enter(blk);
                    let v = self.expr(x)?;
                    self.cx.b.ins().jump(merge, &[BlockArg::Value(v)]);
                }
                self.enter(merge);
                Ok(self.cx.b.block_params(merge)[0])
            }
            ExprKind::Call(id, args) => {
                let mut vals = vec![];
                for a in args {
                    match a.ty {
                        Ty::View(_) => vals.extend(self.view_value(a)?),
                        _ => vals.push(self.expr(a)?),
                    }
                }
                if self.should_inline(*id) {
                    return self.inline_call(*id, &vals);
                }
                let callee_f = self.m.function(*id);
                if has_big_frame(callee_f) {
                    let limit = self.room_for(callee_f)?;
                    vals.push(limit);
                } else {
                    vals.push(self.limit);
                }
                let callee = self.cx.em.native_id(*id);
                let r = self.cx.func_ref(callee);
                let inst = self.cx.b.ins().call(r, &vals);
                let results = self.cx.b.inst_results(inst).to_vec();
                let err = *results.last().ok_or("native call without error flag")?;
                self.propagate_if(err);
                Ok(if results.len() == 2 { results[0] } else { self.cx.b.ins().iconst(types::I8, 0) })
            }
            ExprKind::Math(op, args) => {
                let mut vals = vec![];
                for a in args {
                    vals.push(self.expr(a)?);
                }
                self.math(*op, &vals)
            }
            ExprKind::MinMax { is_max, args } => {
                let mut acc = self.expr(&args[0])?;
                for a in &args[1..] {
                    let v = self.expr(a)?;
                    let better = match e.ty {
                        Ty::Float(_) => self.cx.b.ins().fcmp(if *is_max { FloatCC::GreaterThan } else { FloatCC::LessThan }, v, acc),
                        Ty::Int(t) if t.signed => self.cx.b.ins().icmp(if *is_max { IntCC::SignedGreaterThan } else { IntCC::SignedLessThan }, v, acc),
                        _ => self.cx.b.ins().icmp(if *is_max { IntCC::UnsignedGreaterThan } else { IntCC::UnsignedLessThan }, v, acc),
                    };
                    acc = self.cx.b.ins().select(better, v, acc);
                }
                Ok(acc)
            }
            ExprKind::Abs(x) => {
                let v = self.expr(x)?;
                match e.ty {
                    Ty::Float(_) => Ok(self.cx.b.ins().fabs(v)),
                    Ty::Int(t) if !t.signed => Ok(v),
                    Ty::Int(t) => {
                        if t.checked {
                            let min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, i64::MIN);
                            self.raise_if(min, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
                        }
                        Ok(self.cx.b.ins().iabs(v))
                    }
                    _ => Ok(v),
                }
            }
            ExprKind::BitCount(x) => {
                let v = self.expr(x)?;
                let v = match x.ty {
                    Ty::Int(t) if t.signed => self.cx.b.ins().iabs(v),
                    _ => v,
                };
                let n = self.cx.b.ins().popcnt(v);
                let bits = self.cx.b.func.dfg.value_type(n).bits();
                Ok(if bits < 64 { self.cx.b.ins().uextend(types::I64, n) } else { n })
            }
            ExprKind::Round(x) => {
                let v = self.expr(x)?;
                let r = self.cx.b.ins().nearest(v);
                self.float_to_int(r, PY_INT)
            }
            ExprKind::RoundDigits(x, n) => {
                let vx = self.expr(x)?;
                let vn = self.expr(n)?;
                self.round_digits(vx, vn)
            }
            ExprKind::Index { view, indices, in_bounds } => {
                let addr = self.element_address(*view, indices, in_bounds, true)?;
                let t = clif_type(e.ty).unwrap_or(types::I64);
                Ok(self.cx.b.ins().load(t, element_flags(), addr, 0))
            }
            ExprKind::SliceView { .. } | ExprKind::NoneView => Err("a memoryview used as a number reached the back end".into()),
            ExprKind::ViewIsNone(view) => {
                let parts = self.view_parts(*view)?;
                Ok(self.cx.b.ins().icmp_imm_s(IntCC::Equal, parts[0], 0))
            }
            ExprKind::ViewDim { view, dim, axis } => {
                self.check_view_bound(*view)?;
                let vv = self.fr.views.get(view).ok_or("memoryview without its parts")?;
                let var = if *dim == Dim::Shape { vv.shape[*axis as usize] } else { vv.strides[*axis as usize] };
                Ok(self.cx.b.use_var(var))
            }
        }
    }

    pub(super) fn truthy(&mut self, v: Value, ty: Ty) -> Value {
        match ty {
            Ty::Float(64) => {
                let z = self.cx.b.ins().f64const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Float(_) => {
                let z = self.cx.b.ins().f32const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Int(_) => self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            _ => v,
        }
    }

    pub(super) fn convert(&mut self, v: Value, from: Ty, to: Ty) -> R<Value> {
        let from = if from == Ty::Bool && to != Ty::Bool {
            Ty::Int(IntTy { bits: 8, signed: false, checked: false, cname: "bint" })
        } else {
            from
        };
        Ok(match (from, to) {
            (a, b) if a == b => v,
            (_, Ty::Bool) => self.truthy(v, from),
            (Ty::Int(a), Ty::Int(b)) => {
                if b.checked && !a.signed && a.bits == 64 {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                    self.raise_if(neg, "PyExc_OverflowError", Some("Python int too large to convert to C long"))?;
                }
                let tb = clif_type(to).unwrap_or(types::I64);
                if a.bits < b.bits {
                    if a.signed {
                        self.cx.b.ins().sextend(tb, v)
                    } else {
                        self.cx.b.ins().uextend(tb, v)
                    }
                } else if a.bits > b.bits {
                    self.cx.b.ins().ireduce(tb, v)
                } else {
                    v
                }
            }
            (Ty::Int(a), Ty::Float(_)) => {
                let ft = clif_type(to).unwrap_or(types::F64);
                let (v, signed) = if a.bits < 32 {
                    let w = if a.signed { self.cx.b.ins().sextend(types::I32, v) } else { self.cx.b.ins().uextend(types::I32, v) };
                    (w, true)
                } else {
                    (v, a.signed)
                };
                if signed {
                    self.cx.b.ins().fcvt_from_sint(ft, v)
                } else {
                    self.cx.b.ins().fcvt_from_uint(ft, v)
                }
            }
            (Ty::Float(a), Ty::Float(b)) => {
                if a < b {
                    self.cx.b.ins().fpromote(types::F64, v)
                } else {
                    self.cx.b.ins().fdemote(types::F32, v)
                }
            }
            (Ty::Float(w), Ty::Int(t)) => {
                let v = if w == 32 { self.cx.b.ins().fpromote(types::F64, v) } else { v };
                let tr = self.cx.b.ins().trunc(v);
                self.float_to_int(tr, t)?
            }
            (a, b) => return Err(format!("conversion from {a} to {b} reached the back end")),
        })
    }

    /// Python's `int()` of an integral-valued double, then wrapped into `t`.
    /// One compare-and-branch on the hot path; the cold path tells NaN,
    /// infinities, the one in-range value -2**63 and overflow apart.
    pub(super) fn float_to_int(&mut self, v: Value, t: IntTy) -> R<Value> {
        let abs = self.cx.b.ins().fabs(v);
        let two63 = self.cx.b.ins().f64const(9.223372036854775808e18);
        let fits = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, two63);
        let (cold, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(cold);
        self.cx.b.ins().brif(fits, cont, &[], cold, &[]);
        self.enter(cold);
        let nan = self.cx.b.ins().fcmp(FloatCC::Unordered, v, v);
        self.raise_if(nan, "PyExc_ValueError", Some("cannot convert float NaN to integer"))?;
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let is_inf = self.cx.b.ins().fcmp(FloatCC::Equal, abs, inf);
        self.raise_if(is_inf, "PyExc_OverflowError", Some("cannot convert float infinity to integer"))?;
        let min = self.cx.b.ins().f64const(-9.223372036854775808e18);
        let not_min = self.cx.b.ins().fcmp(FloatCC::NotEqual, v, min);
        self.raise_if(not_min, "PyExc_OverflowError", Some("float too large to convert to a 64-bit int"))?;
        self.cx.b.ins().jump(cont, &[]);
        self.enter(cont);
        let i = self.cx.b.ins().fcvt_to_sint_sat(types::I64, v);
        Ok(if t.bits < 64 { self.cx.b.ins().ireduce(clif_type(Ty::Int(t)).unwrap_or(types::I64), i) } else { i })
    }

    pub(super) fn unary(&mut self, op: UnOp, v: Value, ty: Ty) -> R<Value> {
        match (op, ty) {
            (UnOp::Not, _) => Ok(self.cx.b.ins().bxor_imm_s(v, 1)),
            (UnOp::Neg, Ty::Float(_)) => Ok(self.cx.b.ins().fneg(v)),
            (UnOp::Neg, Ty::Int(t)) => {
                if t.checked || self.fr.f.overflowcheck && t.signed {
                    let min = if t.bits >= 64 { i64::MIN } else { -(1i64 << (t.bits - 1)) };
                    let is_min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, min);
                    let msg = if t.checked { OVERFLOW_PY_INT } else { OVERFLOW_C_INT };
                    self.raise_if(is_min, "PyExc_OverflowError", Some(msg))?;
                }
                Ok(self.cx.b.ins().ineg(v))
            }
            (UnOp::Invert, _) => Ok(self.cx.b.ins().bnot(v)),
            (op, ty) => Err(format!("unary {op:?} on {ty} reached the back end")),
        }
    }
}
