//! Statements: assignment, `if`, `while`, `break`/`continue`, `return`,
//! `raise`, `assert`, stores into views; branching on conditions without
//! materialising `and`/`or`/`not`.

use super::*;

impl<'m> Lower<'m, '_, '_, '_> {
    pub(super) fn stmts(&mut self, body: &[Stmt]) -> R<()> {
        for s in body {
            if !self.reachable {
                break;
            }
            self.at_line(s.line);
            self.stmt(s)?;
        }
        Ok(())
    }

    pub(super) fn assign(&mut self, id: LocalId, v: Value) {
        self.cx.b.def_var(self.fr.vars[id.0 as usize], v);
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            let one = self.cx.b.ins().iconst(types::I8, 1);
            self.cx.b.def_var(flag, one);
        }
    }

    pub(super) fn stmt(&mut self, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Pass => Ok(()),
            StmtKind::Gil { .. } | StmtKind::Prange(_) => Err("a `with cython.nogil`/`gil` block or a `prange` reached the walk (MIR builds them)".into()),
            StmtKind::Assign(pairs) => {
                let mut vals = vec![];
                for (_, e) in pairs {
                    vals.push(match e.ty {
                        Ty::View(_) => self.view_value(e)?,
                        _ => vec![self.expr(e)?],
                    });
                }
                for ((id, _), v) in pairs.iter().zip(vals) {
                    match self.fr.views.get(id) {
                        Some(vv) => {
                            let vars: Vec<Variable> =
                                std::iter::once(vv.data).chain(vv.shape.iter().copied()).chain(vv.strides.iter().copied()).collect();
                            for (var, val) in vars.into_iter().zip(v) {
                                self.cx.b.def_var(var, val);
                            }
                            if let Some(flag) = self.fr.flags.get(id).copied() {
                                let one = self.cx.b.ins().iconst(types::I8, 1);
                                self.cx.b.def_var(flag, one);
                            }
                        }
                        None => self.assign(*id, v[0]),
                    }
                }
                Ok(())
            }
            StmtKind::Expr(e) => self.expr(e).map(|_| ()),
            StmtKind::If { cond, then, orelse } => {
                let (tb, eb) = (self.cx.b.create_block(), self.cx.b.create_block());
                self.branch_on(cond, tb, eb)?;
                self.arms([tb, eb], |lw, i| lw.stmts(if i == 0 { then } else { orelse }))
            }
            StmtKind::While { cond, body, orelse } => {
                let (header, body_b, else_b, exit) =
                    (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
                self.cx.b.ins().jump(header, &[]);
                self.cx.b.switch_to_block(header); // sealed once its back edges exist
                let line = self.fr.line;
                self.branch_on(cond, body_b, else_b)?;
                self.enter(body_b);
                let targets = self.in_loop(header, exit, |lw| {
                    lw.stmts(body)?;
                    if lw.reachable {
                        lw.cx.b.ins().jump(header, &[]);
                    }
                    Ok(())
                })?;
                self.cx.b.seal_block(header);
                self.at_line(line);
                self.finish_loop(else_b, exit, orelse, targets.broke)
            }
            StmtKind::ForRange { var, start, stop, step, body, orelse, plan } => {
                self.for_range(*var, start, stop, step, body, orelse, plan)
            }
            StmtKind::Break => self.break_or_continue(true),
            StmtKind::Continue => self.break_or_continue(false),
            StmtKind::Return(v) => {
                let value = match v {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                self.return_(value)
            }
            StmtKind::Raise { exc, msg } => self.raise(exc, msg.as_deref()),
            StmtKind::CopyView { dst, src } => {
                let vt = self.view_ty(*dst)?;
                let s = self.view_parts(*src)?;
                let d = self.view_parts(*dst)?;
                self.op(|o| o.copy_view(vt, &s, &d))
            }
            StmtKind::Store { view, indices, value, in_bounds, checked_by_load } => {
                let value = self.expr(value)?;
                let (v, vv, unit_stride, idx) = self.element(*view, indices)?;
                self.op(|o| o.store_element(v, &vv, unit_stride, idx, in_bounds, !checked_by_load, value))
            }
            StmtKind::Assert { cond, msg } => {
                let c = self.expr(cond)?;
                let failed = self.cx.b.ins().icmp_imm_s(IntCC::Equal, c, 0);
                self.raise_if(failed, "PyExc_AssertionError", msg.as_deref())
            }
        }
    }

    /// Branches on a condition without materialising `and`/`or`/`not` as
    /// values: each operand jumps straight to its target, which keeps the
    /// condition's blocks dominating the body (so values computed in the test,
    /// like `zr * zr` in `while … and zr * zr + zi * zi <= 4.0`, are reused).
    pub(super) fn branch_on(&mut self, e: &Expr, yes: Block, no: Block) -> R<()> {
        match &e.kind {
            ExprKind::And(a, b) if e.ty == Ty::Bool => {
                let mid = self.cx.b.create_block();
                self.branch_on(a, mid, no)?;
                self.enter(mid);
                self.branch_on(b, yes, no)
            }
            ExprKind::Or(a, b) if e.ty == Ty::Bool => {
                let mid = self.cx.b.create_block();
                self.branch_on(a, yes, mid)?;
                self.enter(mid);
                self.branch_on(b, yes, no)
            }
            ExprKind::Unary(UnOp::Not, x) => self.branch_on(x, no, yes),
            _ => {
                let c = self.expr(e)?;
                self.cx.b.ins().brif(c, yes, &[], no, &[]);
                Ok(())
            }
        }
    }

    /// Lowers two alternatives, each entered from its (already branched-to)
    /// block, and joins them where either falls through.
    pub(super) fn arms(&mut self, blocks: [Block; 2], mut arm: impl FnMut(&mut Self, usize) -> R<()>) -> R<()> {
        let merge = self.cx.b.create_block();
        let mut merged = false;
        for (i, blk) in blocks.into_iter().enumerate() {
            self.enter(blk);
            self.reachable = true;
            arm(self, i)?;
            if self.reachable {
                self.cx.b.ins().jump(merge, &[]);
                merged = true;
            }
        }
        self.reachable = merged;
        if merged {
            self.enter(merge);
        }
        Ok(())
    }

    pub(super) fn finish_loop(&mut self, else_b: Block, exit: Block, orelse: &[Stmt], broke: bool) -> R<()> {
        self.enter(else_b);
        self.reachable = true;
        self.stmts(orelse)?;
        let mut exit_used = broke;
        if self.reachable {
            self.cx.b.ins().jump(exit, &[]);
            exit_used = true;
        }
        self.reachable = exit_used;
        if exit_used {
            self.enter(exit);
        }
        Ok(())
    }
}
