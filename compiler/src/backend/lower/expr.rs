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
                self.op(|o| o.convert(v, x.ty, e.ty))
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x)?;
                self.op(|o| o.unary(*op, v, e.ty))
            }
            ExprKind::Binary(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                match (a.ty, b.ty) {
                    (Ty::Float(_), _) | (_, Ty::Float(_)) => self.op(|o| o.float_binary(*op, va, vb, e.ty, known_exponent(b))),
                    (Ty::Int(t), _) if *op == ArithOp::Div => self.op(|o| o.int_true_div(va, vb, t)),
                    (Ty::Int(t), _) => self.op(|o| o.int_binary(*op, va, vb, t)),
                    (Ty::Bool, _) => self.op(|o| o.bool_binary(*op, va, vb)),
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
                Ok(self.op(|o| o.truthy(v, x.ty)))
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let va = self.expr(a)?;
                let t = self.op(|o| o.truthy(va, a.ty));
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
                self.op(|o| o.math(*op, &vals))
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
                self.op(|o| o.abs(v, e.ty))
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
                self.op(|o| o.float_to_int(r, PY_INT))
            }
            ExprKind::RoundDigits(x, n) => {
                let vx = self.expr(x)?;
                let vn = self.expr(n)?;
                self.op(|o| o.round_digits(vx, vn))
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

    pub(super) fn compare_chain(&mut self, operands: &[Expr], ops: &[CmpOp]) -> R<Value> {
        let mut left = self.expr(&operands[0])?;
        if ops.len() == 1 {
            let right = self.expr(&operands[1])?;
            return self.op(|o| o.compare_pair(ops[0], left, operands[0].ty, right, operands[1].ty));
        }
        let done = self.cx.b.create_block();
        self.cx.b.append_block_param(done, types::I8);
        // A failed link goes to a block shared by at most `FAIL_GROUP` links:
        // Cranelift's passes edit a block's predecessor set at a cost that grows
        // with its size, so one block reached from every link of a long chain
        // made compile time quadratic (300,000 links: 255 s).
        const FAIL_GROUP: usize = 64;
        let mut fails: Vec<Block> = vec![];
        for (i, op) in ops.iter().enumerate() {
            let right = self.expr(&operands[i + 1])?;
            let c = self.op(|o| o.compare_pair(*op, left, operands[i].ty, right, operands[i + 1].ty))?;
            if i + 1 == ops.len() {
                self.cx.b.ins().jump(done, &[BlockArg::Value(c)]);
            } else {
                if i % FAIL_GROUP == 0 {
                    fails.push(self.cx.b.create_block());
                }
                let fail = *fails.last().ok_or("comparison chain without a failure block")?;
                let next = self.cx.b.create_block();
                self.cx.b.ins().brif(c, next, &[], fail, &[]);
                self.enter(next);
            }
            left = right;
        }
        for fail in fails {
            self.enter(fail);
            let f = self.cx.b.ins().iconst(types::I8, 0);
            self.cx.b.ins().jump(done, &[BlockArg::Value(f)]);
        }
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }
}

/// A float operation's right operand when it is a literal (a power's
/// special cases are then decided at compile time).
fn known_exponent(rhs: &Expr) -> Option<f64> {
    match rhs.as_const() {
        Some(Const::Float(f)) => Some(f),
        Some(Const::Int(i)) => Some(i as f64),
        _ => None,
    }
}
