//! The two trips of a paired float reduction `s += E` (`opt/pairing.rs`)
//! in a loop unrolled ×2: each trip's leaves (the operands outside `E`'s
//! vector part) evaluated in the scalar order, adjacent elements of a
//! unit-stride view loaded once as an f64x2, then `E`'s float work on one
//! f64x2 and both lanes added to `s` in order (`PairedSum`).

use super::range::Range;
use super::view::Element;
use super::{bind_params, error_block, set_up_frame, BodyBuilder, B};
use crate::hir::{self, Const, Expr, ExprKind, LocalId, PairedReduction, Stmt};
use crate::mir::body::{BodyOp, Directives, PairTree, SSIZE};
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

const F64: Ty = Ty::Float(64);

impl<'p> BodyBuilder<'p, '_> {
    /// The trips at counter `c` and `c + k`, paired.
    pub(super) fn paired_trips(&mut self, p: &PairedReduction, r: &Range, c: Local, k: i64, body: &[Stmt]) -> B<()> {
        let c2 = self.value(Ty::Int(SSIZE), BodyOp::AddImm { value: c, imm: k });
        if let Some(s) = body.first() {
            self.b.at_line(s.line);
        }
        let mut lanes: [Vec<Local>; 2] = [vec![], vec![]];
        let mut tree = None;
        for (lane, at) in [c, c2].into_iter().enumerate() {
            self.set_loop_var(r, at);
            let t = self.gather(p, r.var, k, &p.value, lane, &mut lanes)?;
            tree.get_or_insert(t);
            if !self.reachable {
                return Ok(());
            }
        }
        let tree = tree.ok_or("a paired reduction without its lanes".to_string())?;
        let acc = self.read_local(p.acc);
        let s = self.value(F64, BodyOp::PairedSum { acc, tree, lanes });
        self.assign(p.acc, s);
        Ok(())
    }

    /// Evaluates, in the scalar order, every leaf of `e`'s vector part for
    /// `lane`; the f64x2 arithmetic over them.
    fn gather(&mut self, p: &PairedReduction, var: LocalId, step: i64, e: &Expr, lane: usize, lanes: &mut [Vec<Local>; 2]) -> B<PairTree> {
        if let (ExprKind::Const(Const::Float(x)), F64) = (&e.kind, e.ty) {
            return Ok(PairTree::Const(*x));
        }
        if let Some((view, indices, in_bounds)) = self.adjacent_pair(var, step, p.no_effects, e) {
            let v = match lane {
                0 => {
                    let id = view;
                    let in_bounds = self.in_bounds_here(view, indices, in_bounds);
                    let Element { ty, view, indices, unit_stride, .. } = self.element(view, indices, &in_bounds, false)?;
                    let op = BodyOp::LoadPair { view, ty, indices, in_bounds, unit_stride };
                    let v = self.b.value(LocalTy::F64x2, OpKind::Body(op));
                    self.hold_buffer(id);
                    v
                }
                _ => *lanes[0].get(lanes[1].len()).ok_or("paired reduction lost a lane".to_string())?,
            };
            lanes[lane].push(v);
            return Ok(PairTree::Leaf { pair: true });
        }
        let lanes_of = hir::Lanes { m: self.plan.m, recursive: self.plan.recursive };
        if let ExprKind::Call(id, args) = &e.kind {
            if let (F64, Some((callee, value))) = (e.ty, lanes_of.expression_function(*id)) {
                return self.gather_in_callee(p, var, step, callee, value, args, lane, lanes);
            }
        }
        if !hir::lane_arith(e, self.fr.f) {
            let v = self.expr(e)?;
            lanes[lane].push(v);
            return Ok(PairTree::Leaf { pair: false });
        }
        Ok(match &e.kind {
            ExprKind::Binary(op, a, b) => {
                let x = self.gather(p, var, step, a, lane, lanes)?;
                let y = self.gather(p, var, step, b, lane, lanes)?;
                PairTree::Binary(*op, Box::new(x), Box::new(y))
            }
            ExprKind::Unary(_, a) => PairTree::Neg(Box::new(self.gather(p, var, step, a, lane, lanes)?)),
            other => return Err(format!("a paired reduction's vector part {other:?}")),
        })
    }

    /// An expression function's value (`hir::Lanes`) gathered in place, in
    /// a frame of its own (its parameters bound to `args`, evaluated here):
    /// its errors add its traceback entry, then go on to the caller's
    /// handler at the call's line.
    #[allow(clippy::too_many_arguments)]
    fn gather_in_callee(&mut self, p: &PairedReduction, var: LocalId, step: i64, callee: &'p hir::Function, value: &'p Expr, args: &[Expr], lane: usize, lanes: &mut [Vec<Local>; 2]) -> B<PairTree> {
        let mut vals = vec![];
        for a in args {
            vals.push(self.expr(a)?);
        }
        let (call_line, caller_handler) = (self.b.line(), self.b.handler());
        let err = self.b.block(true);
        self.b.set_handler(Some(err));
        self.b.at_line(0);
        let (params, views) = bind_params(self.b, callee, vals, &[]);
        let frame = set_up_frame(self.b, callee, params, views, Some(&callee.name), None, Default::default());
        let root = self.outer.first().unwrap_or(&self.fr).f;
        if Directives::of(callee) != Directives::of(root) {
            self.b.frame_directives(err, Directives::of(callee));
        }
        let caller = std::mem::replace(&mut self.fr, frame);
        self.outer.push(caller);
        // Its errors name the `def` line, as the walk's did.
        self.b.at_line(callee.line);
        let tree = self.gather(p, var, step, value, lane, lanes);
        self.fr = self.outer.pop().ok_or("the inlined frames lost their caller".to_string())?;
        let tree = tree?;
        // The trip goes on after the error block, as the walk laid it out.
        let cont = self.reachable.then(|| self.b.block(false));
        if let Some(cont) = cont {
            self.b.terminate(Terminator::Goto(cont));
            self.b.resumes_after(cont, err);
        }
        self.b.set_handler(caller_handler);
        error_block(self.b, err, callee, self.plan.file, false, call_line);
        if let Some(cont) = cont {
            self.b.switch_to(cont);
        }
        self.b.at_line(call_line);
        Ok(tree)
    }

    /// `view[..., var]` of a double view whose last axis has unit stride, with
    /// no check or wrap to apply: both lanes' elements are one 16-byte load.
    fn adjacent_pair<'e>(&self, var: LocalId, step: i64, no_effects: bool, e: &'e Expr) -> Option<(LocalId, &'e [Expr], &'e [u8])> {
        let ExprKind::Index { view, indices, in_bounds } = &e.kind else { return None };
        let (last, leading) = indices.split_last()?;
        let axis = (indices.len() - 1) as u8;
        let vt = match self.fr.f.locals.get(view.0 as usize)?.ty {
            Ty::View(vt) => vt,
            _ => return None,
        };
        let proven = in_bounds.contains(&axis);
        let plain = (proven || !self.fr.f.boundscheck && !self.fr.f.wraparound) && !self.fr.flags.contains_key(view);
        let simple = |x: &Expr| matches!(x.kind, ExprKind::Const(_)) || hir::index_local(x).is_some_and(|l| l != var);
        let unit = vt.c_contig || self.fr.unit_stride.contains(view);
        (e.ty == F64 && step == 1 && no_effects && plain && unit && hir::index_local(last) == Some(var) && leading.iter().all(simple))
            .then_some((*view, indices.as_slice(), in_bounds.as_slice()))
    }
}
