//! A native function's MIR body → Cranelift, with the code the HIR walk
//! (`backend/lower/`, deleted once every body was MIR) made, so machine
//! code stayed identical ("as the walk …" below names a choice kept for
//! that): an op that can fail is emitted by `OpCx` with the error edge's
//! block (taking the op's line) as its exit, and the rest of its block goes
//! on in the Cranelift block the op ends in (an op's success edge has one
//! predecessor and adds no jump); the error exit, and an inlined callee's
//! error block, is emitted only when something jumped to it, each frame's
//! error block made once the frame is set up; the block an expression
//! function's lane goes on in after its frame is no block of its own when
//! nothing raised to that frame's error block (`resumes_after`). Blocks are laid out in MIR
//! order (the builder's entry order), the error exit last, those the passes
//! added after the block leading to them; each is sealed once all its
//! predecessors are emitted (a loop header after its back edge, which keeps
//! loop invariants visible to Cranelift's LICM). Each op's instructions
//! carry its line as their source location.
//!
//! A wrapper with its function's body in place as MIR comes here too: its
//! own ops through `wrapper_ops` (each going on in a block of its own, its
//! locals as variables, as in a wrapper without the body in place), the
//! body's as a native body's.

use super::super::{clif_type, FnCx, R};
use super::{return_error, return_value, returns_null_as_error, wrapper_ops, Directives, Env, ErrorExit, OpCx, PreludeVars, ViewVars};
use crate::hir::{self, ArithOp};
use crate::mir::body::{BodyOp, Prelude};
use crate::mir::{BlockId, Body, ErrorKind, IndexVec, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::PY_INT;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, Block, BlockArg, InstBuilder, Value};
use cranelift_frontend::Variable;
use std::collections::HashMap;

struct Gen<'c, 'a, 'b, 'm> {
    cx: &'c mut FnCx<'a, 'b>,
    body: &'m Body,
    directives: Directives,
    vars: IndexVec<Local, Option<Variable>>,
    blocks: IndexVec<BlockId, Option<Block>>,
    /// Predecessor edges of each block not yet emitted.
    pending: IndexVec<BlockId, usize>,
    entered: IndexVec<BlockId, bool>,
    /// Whether anything jumped to the block (an error exit: emitted only then).
    raised_to: IndexVec<BlockId, bool>,
    /// The values of the unnamed locals (an expression's parts), which
    /// their ops take as they are, as the walk passed values: each is defined
    /// once, where it dominates its uses (the verifier's definitions check).
    /// They get no Cranelift variable: a variable read in a block not sealed
    /// yet adds a block parameter Cranelift removes again (an alias), and the
    /// SSA builder's tables grow as variables times blocks.
    temps: HashMap<Local, Value>,
    /// The values of the pointer-sized locals (the stack limit, as passed,
    /// as checked on entry or before a call of a big frame): each defined
    /// once, where it dominates every use, and passed as it is, as the walk
    /// passed its limit.
    pinned: HashMap<Local, Value>,
    /// The parameters' values on entry.
    params: Vec<(Local, Value)>,
    /// What a wrapper's ops refer to (a wrapper with the body in place).
    env: Option<&'m Env>,
    /// Error edges' targets added by the passes, emitted after the rest.
    deferred: Vec<BlockId>,
    /// Blocks of `try` statements errors go to (`BasicBlock::catches`), and
    /// blocks only error edges lead to that nothing raised to yet, emitted
    /// after every block that may jump to them (if any did).
    late: Vec<BlockId>,
    /// The stack slots of the `Py_buffer` locals (memoryview locals taken
    /// from objects).
    bufs: IndexVec<Local, Option<ir::StackSlot>>,
}

/// Emits `body` (built by `mir::build::body` for `f`, or a wrapper of `f`
/// with its body in place, whose ops refer to `env`) into the function `cx`
/// is building.
pub(crate) fn emit<'m>(cx: &mut FnCx, body: &'m Body, f: &hir::Function, env: Option<&'m Env>) -> R<()> {
    let n = body.blocks.len();
    let mut g = Gen {
        cx,
        body,
        directives: Directives::of(f),
        vars: IndexVec::from_elem(None, body.locals.len()),
        blocks: IndexVec::from_elem(None, n),
        pending: IndexVec::from_elem(0, n),
        entered: IndexVec::from_elem(false, n),
        raised_to: IndexVec::from_elem(false, n),
        temps: HashMap::new(),
        pinned: HashMap::new(),
        params: vec![],
        env,
        deferred: vec![],
        late: vec![],
        bufs: IndexVec::from_elem(None, body.locals.len()),
    };
    let p = g.cx.em.ptr;
    // A wrapper's own locals are variables, as in a wrapper without the body
    // in place; the stack limit it runs the body with is a value, as the
    // walk's was.
    let mut wrapper_vars = IndexVec::from_elem(false, body.locals.len());
    // A pointer-sized local a generator keeps across a `yield` is defined
    // again where it resumes: a variable, not a value pinned on entry.
    let mut frame_loaded = IndexVec::from_elem(false, body.locals.len());
    for op in body.blocks.iter().flat_map(|b| b.ops.iter()) {
        if let OpKind::FrameLoad { .. } = op.kind {
            for d in &op.dests {
                frame_loaded[*d] = true;
            }
        }
    }
    if env.is_some() {
        for p in &body.params {
            wrapper_vars[*p] = true;
        }
        for block in body.blocks.iter() {
            for op in &block.ops {
                if !matches!(op.kind, OpKind::Body(_) | OpKind::StackLimit { .. }) {
                    for d in &op.dests {
                        wrapper_vars[*d] = true;
                    }
                }
            }
        }
    }
    for (l, decl) in body.locals.iter_enumerated() {
        if decl.ty == LocalTy::PyBuffer {
            let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, super::PY_BUFFER_BYTES, 3);
            g.bufs[l] = Some(g.cx.b.create_sized_stack_slot(data));
            continue;
        }
        if !wrapper_vars[l] && (decl.name.is_none() || (decl.ty == LocalTy::Ptr && !frame_loaded[l])) {
            continue;
        }
        let t = match decl.ty {
            LocalTy::Scalar(t) => clif_type(t).ok_or("a scalar local without a machine type")?,
            LocalTy::Ptr | LocalTy::Object => p,
            LocalTy::F64x2 => types::F64X2,
            LocalTy::PyBuffer => continue,
        };
        g.vars[l] = Some(g.cx.b.declare_var(t));
    }
    for block in body.blocks.iter() {
        for s in block.term.as_ref().map(|t| t.successors()).unwrap_or_default() {
            g.pending[s] += 1;
        }
    }
    let entry = g.cx.b.create_block();
    g.cx.b.append_block_params_for_function_params(entry);
    g.cx.b.switch_to_block(entry);
    g.cx.b.seal_block(entry);
    g.blocks[Body::ENTRY] = Some(entry);
    g.entered[Body::ENTRY] = true;
    let params = g.cx.b.block_params(entry).to_vec();
    if params.len() != body.params.len() {
        return Err(format!("`{}` has {} parameters, its signature {}", body.name, body.params.len(), params.len()));
    }
    for (l, v) in body.params.iter().zip(params) {
        let v = super::extern_c::from_c_abi(g.cx, body.ty(*l), v);
        g.def(*l, v)?;
        g.params.push((*l, v));
    }
    // A block reached only as the success edge of the op ending another is
    // emitted with it.
    let mut merged = IndexVec::from_elem(false, n);
    // Blocks reached by error edges only: emitted in order when something
    // already raised to them, else after the rest, only if something did (a
    // C entry whose body cannot fail then calls nothing: no frame).
    let mut jumped_to = IndexVec::from_elem(false, n);
    let mut error_target = IndexVec::from_elem(false, n);
    for block in body.blocks.iter() {
        if let Some(Terminator::Try { ok, err }) = block.term {
            merged[ok] = true;
            jumped_to[ok] = true;
            error_target[err] = true;
        } else {
            for s in block.term.as_ref().map(|t| t.successors()).unwrap_or_default() {
                jumped_to[s] = true;
            }
        }
    }
    let error_only = |b: BlockId| error_target[b] && !jumped_to[b] && body.blocks[b].takes_line.is_none() && !body.blocks[b].catches;
    // Blocks past the error exit were added by the passes (the builder
    // numbers the error exit last): each is emitted after the block that
    // leads to it (a release on an edge), an error edge's after every block
    // the builder made, before the error exit (`emit_tail`). A
    // wrapper's error exit comes after its fast path, before its cold
    // blocks past it (its binder path), where a wrapper without the body in
    // place has it.
    let builder_blocks = || body.blocks.indices().filter(|b| !merged[*b] && *b < body.error_exit);
    let last_hot = builder_blocks().filter(|b| !body.blocks[*b].cold).last();
    let tail_at = if env.is_some() { builder_blocks().find(|b| Some(*b) > last_hot) } else { None };
    for b in builder_blocks() {
        if Some(b) == tail_at {
            g.emit_tail()?;
        }
        if b != Body::ENTRY && g.entered[b] {
            // Emitted where the jump to it was (`BasicBlock::resumes_after`).
            continue;
        }
        if body.blocks[b].catches || (error_only(b) && !g.raised_to[b]) {
            g.late.push(b);
            continue;
        }
        g.emit_block(b)?;
    }
    if tail_at.is_none() {
        g.emit_tail()?;
    }
    if g.late.iter().any(|b| g.raised_to[*b] && !g.entered[*b]) {
        return Err(format!("`{}` raises to a block laid out after its error exit", body.name));
    }
    Ok(())
}

impl Gen<'_, '_, '_, '_> {
    /// The error edges' targets the passes added (the last reached first,
    /// as a wrapper without the body in place lays them out), then the
    /// error exit.
    fn emit_tail(&mut self) -> R<()> {
        loop {
            for b in std::mem::take(&mut self.deferred).into_iter().rev() {
                if !self.entered[b] {
                    self.emit_block(b)?;
                }
            }
            // The first `try` block something jumped to (its own code may
            // jump to a later one, or add releases on the way there).
            // An inlined callee's error block first reached through
            // releases the passes added on its edges (a caller's buffer or
            // object live across the call), emitted only now.
            let exit = self.body.error_exit;
            let callee_err = self.body.blocks.indices().find(|&b| {
                b != exit && self.body.blocks[b].takes_line.is_some() && !self.body.blocks[b].catches && self.raised_to[b] && !self.entered[b]
            });
            if let Some(b) = callee_err {
                self.emit_block(b)?;
                continue;
            }
            let Some(k) = self.late.iter().position(|b| self.raised_to[*b] && !self.entered[*b]) else { break };
            let b = self.late.remove(k);
            self.emit_block(b)?;
        }
        let exit = self.body.error_exit;
        if self.raised_to[exit] {
            self.cx.b.set_srcloc(ir::SourceLoc::default());
            let block = self.block(exit);
            self.cx.b.switch_to_block(block);
            if let Some(line) = self.body.blocks[exit].takes_line {
                let v = self.cx.b.block_params(block)[0];
                self.def(line, v)?;
            }
            self.emit_from(exit)?;
        }
        Ok(())
    }

    fn block(&mut self, b: BlockId) -> Block {
        match self.blocks[b] {
            Some(block) => block,
            None => {
                let block = self.cx.b.create_block();
                if self.body.blocks[b].cold {
                    self.cx.b.set_cold_block(block);
                }
                if self.body.blocks[b].takes_line.is_some() {
                    self.cx.b.append_block_param(block, types::I32);
                }
                if let Some(l) = self.body.blocks[b].passed {
                    if let LocalTy::Scalar(t) = self.body.ty(l) {
                        if let Some(ct) = clif_type(t) {
                            self.cx.b.append_block_param(block, ct);
                        }
                    }
                }
                self.blocks[b] = Some(block);
                block
            }
        }
    }

    /// The error blocks of the frame whose errors go to `handler` and of
    /// the frames around it, outermost first (an inlined callee's error
    /// block's own ops run in its caller's frame).
    fn frame_set_up(&mut self, handler: Option<BlockId>) {
        match handler {
            Some(h) if self.blocks[h].is_none() => {
                let outer = self.body.blocks[h].ops.first().and_then(|op| op.handler);
                self.frame_set_up(outer);
                self.block(h);
            }
            Some(_) => {}
            None => {
                self.block(self.body.error_exit);
            }
        }
    }

    fn var(&self, l: Local) -> R<Variable> {
        self.vars[l].ok_or_else(|| format!("{l} of `{}` has no variable", self.body.name))
    }

    fn get(&mut self, l: Local) -> R<Value> {
        if let Some(v) = self.vars[l] {
            return Ok(self.cx.b.use_var(v));
        }
        if self.body.ty(l) == LocalTy::Ptr {
            return self.pinned.get(&l).copied().ok_or_else(|| format!("{l} of `{}` is used before its definition on entry", self.body.name));
        }
        self.temps.get(&l).copied().ok_or_else(|| format!("{l} of `{}` is used before its definition is emitted", self.body.name))
    }

    fn def(&mut self, l: Local, v: Value) -> R<()> {
        if let Some(var) = self.vars[l] {
            self.cx.b.def_var(var, v);
        } else if self.body.ty(l) == LocalTy::Ptr {
            self.pinned.insert(l, v);
        } else {
            self.temps.insert(l, v);
        }
        Ok(())
    }

    /// The variables of a view's parts (named locals), for code that reads
    /// them as it needs them.
    fn view_vars(&self, parts: &[Local], nd: usize) -> R<ViewVars> {
        let var = |l: &Local| self.var(*l);
        let data = var(&parts[0])?;
        let shape = parts[1..1 + nd].iter().map(var).collect::<R<_>>()?;
        let strides = parts[1 + nd..1 + 2 * nd].iter().map(var).collect::<R<_>>()?;
        Ok(ViewVars { data, shape, strides })
    }

    fn at_line(&mut self, line: u32) {
        let loc = if line == 0 { ir::SourceLoc::default() } else { ir::SourceLoc::new(line) };
        self.cx.b.set_srcloc(loc);
    }

    fn enter(&mut self, b: BlockId) -> R<()> {
        let block = self.block(b);
        self.cx.b.switch_to_block(block);
        self.entered[b] = true;
        if self.pending[b] == 0 {
            self.cx.b.seal_block(block);
        }
        Ok(())
    }

    /// After the edges `to` are emitted: seals each that had its last
    /// predecessor emitted and already has its code (a loop header).
    fn edges_emitted(&mut self, to: &[BlockId]) {
        for &b in to {
            self.pending[b] = self.pending[b].saturating_sub(1);
        }
        for &b in to {
            if let (0, true, Some(block)) = (self.pending[b], self.entered[b], self.blocks[b]) {
                self.cx.b.seal_block(block);
            }
        }
    }

    /// The value a jump to `b` passes (`BasicBlock::passed`), if any.
    fn passed_to(&mut self, b: BlockId) -> R<Vec<BlockArg>> {
        Ok(match self.body.blocks[b].passed {
            Some(l) => vec![BlockArg::Value(self.get(l)?)],
            None => vec![],
        })
    }

    /// Emits `b` and the blocks its ops' success edges lead to, unless it is
    /// an error block nothing jumped to.
    fn emit_block(&mut self, b: BlockId) -> R<()> {
        let takes_line = self.body.blocks[b].takes_line;
        if takes_line.is_some() && !self.raised_to[b] {
            // An inlined callee's error block nothing jumped to.
            return Ok(());
        }
        if takes_line.is_some() && !self.body.blocks[b].catches {
            // Every jump here is emitted (the callee's body came first); the
            // edges that raised nothing add none. Only releases on the way
            // here (an error edge releasing more goes on through this
            // block) may still come.
            let body = self.body;
            let entered = &self.entered;
            self.pending[b] = body
                .blocks
                .indices()
                .filter(|&p| !entered[p] && body.blocks[p].takes_line.is_some() && matches!(body.blocks[p].term, Some(Terminator::Goto(t)) if t == b))
                .count() as _;
        }
        if b != Body::ENTRY {
            self.enter(b)?;
        }
        if let Some(l) = takes_line.or(self.body.blocks[b].passed) {
            let block = self.block(b);
            let v = *self.cx.b.block_params(block).first().ok_or("a block passed a value without its parameter")?;
            self.def(l, v)?;
        }
        self.emit_from(b)
    }

    /// After a chain of blocks ending in `term`: the blocks the passes added
    /// that it leads to.
    fn added_successors(&mut self, term: &Terminator) -> R<()> {
        for s in term.successors() {
            if s > self.body.error_exit && !self.entered[s] {
                self.emit_block(s)?;
            }
        }
        Ok(())
    }

    /// Emits `b` and the blocks its ops' success edges lead to.
    fn emit_from(&mut self, mut b: BlockId) -> R<()> {
        loop {
            let block = &self.body.blocks[b];
            let term = block.term.as_ref().ok_or_else(|| format!("{b} is not terminated"))?;
            let edge = match term {
                Terminator::Try { ok, err } => Some((*ok, *err)),
                _ => None,
            };
            let n = block.ops.len();
            // Its last op's result returned as is, NULL or not (`returns_null_as_error`).
            let fused = returns_null_as_error(self.body, b);
            for (i, op) in block.ops.iter().enumerate() {
                let err = if i + 1 == n { edge.map(|(_, err)| err) } else { None };
                if fused && i + 1 == n {
                    let r = wrapper_ops::emit(self, self.env, op, None)?.ok_or("a fused return without a result")?;
                    self.cx.b.ins().return_(&[r]);
                    return Ok(());
                }
                self.op(op, err)?;
            }
            self.at_line(block.line);
            match term {
                Terminator::Try { ok, err } => {
                    if *err > self.body.error_exit {
                        self.deferred.push(*err);
                    }
                    self.pending[*ok] = self.pending[*ok].saturating_sub(1);
                    self.entered[*ok] = true;
                    b = *ok;
                    continue;
                }
                Terminator::Goto(t) if self.body.blocks[*t].resumes_after.is_some_and(|e| !self.raised_to[e]) => {
                    // Goes on here: no error block to step over.
                    self.pending[*t] = self.pending[*t].saturating_sub(1);
                    self.entered[*t] = true;
                    b = *t;
                    continue;
                }
                Terminator::Goto(t) => {
                    let block = self.block(*t);
                    let mut args = self.passed_to(*t)?;
                    if let (Some(_), Some(line)) = (self.body.blocks[*t].takes_line, self.body.blocks[b].takes_line) {
                        // Releases on an error edge pass on the failing line.
                        args.push(BlockArg::Value(self.get(line)?));
                        self.raised_to[*t] = true;
                    }
                    self.cx.b.ins().jump(block, &args);
                    self.edges_emitted(&[*t]);
                }
                Terminator::Branch { cond, then, otherwise } => {
                    let c = self.get(*cond)?;
                    let (t, e) = (self.block(*then), self.block(*otherwise));
                    let (targs, eargs) = (self.passed_to(*then)?, self.passed_to(*otherwise)?);
                    self.cx.b.ins().brif(c, t, &targs, e, &eargs);
                    self.edges_emitted(&[*then, *otherwise]);
                }
                Terminator::Return(v) => {
                    let v = self.get(*v)?;
                    return_value(self.cx, self.body.returns, Some(v))?;
                }
                Terminator::ReturnNone => return_value(self.cx, self.body.returns, None)?,
                Terminator::ReturnError => return_error(self.cx, self.body.returns)?,
                Terminator::Unreachable => {}
            }
            return self.added_successors(term);
        }
    }

    /// A wrapper's op; `err` is its error edge's target when it ends its
    /// block.
    fn wrapper_op(&mut self, op: &Op, err: Option<BlockId>) -> R<()> {
        self.at_line(op.line);
        // An error target that takes the failing line (a native body's
        // error exit, or releases on the way to it) is reached through a
        // block of its own that passes the op's line.
        let with_line = match err {
            Some(e) if self.body.blocks[e].takes_line.is_some() => Some((self.block(e), self.cx.b.create_block())),
            _ => None,
        };
        let exit = match with_line {
            Some((_, via)) => Some(via),
            None => err.map(|e| self.block(e)),
        };
        let result = wrapper_ops::emit(self, self.env, op, exit)?;
        if let (Some(d), Some(v)) = (op.dests.first().copied(), result) {
            self.def(d, v)?;
        }
        let (Some(e), Some(exit)) = (err, exit) else { return Ok(()) };
        self.pending[e] = self.pending[e].saturating_sub(1);
        self.raised_to[e] = true;
        let mut next = None;
        if op.error_kind() != ErrorKind::Always {
            // The rest of the block goes on in a Cranelift block of its own,
            // as in a wrapper without the body in place.
            let block = self.cx.b.create_block();
            wrapper_ops::check(self, op, result, block, exit)?;
            self.cx.b.switch_to_block(block);
            self.cx.b.seal_block(block);
            next = Some(block);
        }
        if let Some((target, via)) = with_line {
            self.cx.b.switch_to_block(via);
            self.cx.b.set_cold_block(via);
            let line = self.cx.b.ins().iconst(types::I32, i64::from(op.line));
            self.cx.b.ins().jump(target, &[BlockArg::Value(line)]);
            self.cx.b.seal_block(via);
            if let Some(block) = next {
                self.cx.b.switch_to_block(block);
            }
        }
        Ok(())
    }

    /// One op; `err` is its error edge's target when it ends its block.
    fn op(&mut self, op: &Op, err: Option<BlockId>) -> R<()> {
        let OpKind::Body(kind) = &op.kind else {
            return self.wrapper_op(op, err);
        };
        if op.line != 0 {
            // The frame is set up (its locals zeroed, the ops without a
            // line): its error block comes next, as the walk made it.
            self.frame_set_up(op.handler);
        }
        self.at_line(op.line);
        let exit = match err {
            Some(e) => {
                let line = self.body.blocks[e].takes_line.map(|_| op.line);
                ErrorExit { block: self.block(e), line }
            }
            // An op that cannot fail: its exit is never taken.
            None if op.error_kind() == ErrorKind::Never => ErrorExit { block: Block::from_u32(0), line: None },
            None => return Err(format!("an op that can fail without an error edge in `{}`", self.body.name)),
        };
        let view = match kind.addressed_view() {
            Some((parts, ty)) => Some(self.view_vars(parts, ty.ndim as usize)?),
            None => None,
        };
        let mut args = vec![];
        for u in kind.values() {
            args.push(self.get(u)?);
        }
        let vars = matches!(kind, BodyOp::VectorPrelude { .. }).then(|| self.vars.clone());
        let directives = op.handler.and_then(|h| self.body.blocks[h].directives).unwrap_or(self.directives);
        let mut o = OpCx::new(self.cx, exit, directives);
        let r = match emit_loop_or_view(&mut o, kind, &args, view.as_ref(), vars.as_ref())? {
            Some(vs) => vs,
            None => emit_op(&mut o, kind, &args, self.body.returns)?.into_iter().collect(),
        };
        let raised = o.raised;
        if let (Some(e), true) = (err, raised) {
            self.pending[e] = self.pending[e].saturating_sub(1);
            self.raised_to[e] = true;
        }
        for (d, v) in op.dests.iter().zip(r) {
            self.def(*d, v)?;
        }
        if matches!(kind, BodyOp::StackCheck { .. }) {
            // The frame is set up past the check: the parameters are bound
            // in the block it continues in, as the walk bound them.
            for (l, v) in self.params.clone() {
                self.def(l, v)?;
            }
        }
        Ok(())
    }
}

/// What `OpCx` emits for a loop op with several results or a view op
/// (`None` for the others); `view`: the variables of the view it addresses;
/// `vars`: every local's variable, for a vector prelude.
fn emit_loop_or_view(o: &mut OpCx, op: &BodyOp, a: &[Value], view: Option<&ViewVars>, vars: Option<&IndexVec<Local, Option<Variable>>>) -> R<Option<Vec<Value>>> {
    use BodyOp::*;
    let addressed = || view.ok_or_else(|| "an element access without its view".to_string());
    Ok(Some(match op {
        Parallel { func, schedule, reductions, lasts, threads, chunk, var_ty, leaves, workshare, .. } => {
            let stores = reductions.iter().map(|r| r.2.clone()).collect();
            let reductions = reductions.iter().map(|r| (r.0, r.1)).collect();
            let team = super::parallel::Team { func: *func, schedule: *schedule, reductions, stores, lasts: lasts.clone(), var_ty: *var_ty, leaves: *leaves, workshare: *workshare };
            o.parallel(&team, a, threads.is_some(), chunk.is_some())?
        }
        CutRange { var_ty, wide, step_wide, const_step, .. } => {
            let (s, e, k, _) = o.cut_range(*var_ty, (a[0], a[1], a[2]), *wide, *step_wide, *const_step)?;
            vec![s, e, k]
        }
        RangeNext { const_step, var_ty, unsigned, step_unsigned, .. } => {
            let (next, over) = o.range_next(a[0], a[1], *const_step, *var_ty, *unsigned, *step_unsigned);
            vec![next, over]
        }
        StepCounter { k, var_ty, unsigned, .. } => {
            let (next, over) = o.step_counter(a[0], *k, *var_ty, *unsigned);
            vec![next, over]
        }
        CArray { ty, dims } => o.c_array(*ty, dims),
        LoadPair { ty, in_bounds, unit_stride, .. } => vec![o.load_pair(*ty, addressed()?, *unit_stride, a.to_vec(), in_bounds)?],
        PairedSum { lanes, tree, .. } => {
            let n = lanes[0].len();
            vec![o.paired_sum(tree, [&a[1..1 + n], &a[1 + n..]], a[0])?]
        }
        VectorPrelude { plan, counter, var_ty, locals, flags, views, .. } => {
            let vars = vars.ok_or("a vector prelude without the variables")?;
            let var = |l: Local| vars[l].ok_or_else(|| format!("{l} has no variable"));
            let local = |id: hir::LocalId| locals.iter().find(|x| x.0 == id).map_or(Err(format!("a vector prelude without local {}", id.0)), |x| var(x.1));
            let flag = |id: hir::LocalId| flags.iter().find(|x| x.0 == id).and_then(|x| Some((vars[x.1]?, x.2.clone())));
            let view = |id: hir::LocalId| {
                let (_, parts) = views.iter().find(|x| x.0 == id).ok_or("a vector prelude without its view")?;
                let nd = (parts.len() - 1) / 2;
                Ok(ViewVars { data: var(parts[0])?, shape: parts[1..1 + nd].iter().map(|p| var(*p)).collect::<R<_>>()?, strides: parts[1 + nd..].iter().map(|p| var(*p)).collect::<R<_>>()? })
            };
            let counter = var(*counter)?;
            match &**plan {
                Prelude::Vector { var: v, plan } => {
                    let pv = PreludeVars { counter, var: *v, var_ty: *var_ty, local: &local, flag: &flag, view: &view };
                    o.vector_prelude(plan, &pv, a[0])?
                }
                Prelude::Sum { var: v, plan } => {
                    let pv = PreludeVars { counter, var: *v, var_ty: *var_ty, local: &local, flag: &flag, view: &view };
                    o.sum_prelude(plan, &pv, a[0])?
                }
            }
            vec![]
        }
        Load { ty, indices, in_bounds, unit_stride, address: true, .. } => {
            vec![o.element_address(*ty, addressed()?, *unit_stride, a[..indices.len()].to_vec(), in_bounds, true)?]
        }
        Load { ty, indices, in_bounds, unit_stride, elem, .. } => {
            let t = clif_type(*elem).ok_or("an element without a machine type")?;
            vec![o.load_element(*ty, addressed()?, *unit_stride, a[..indices.len()].to_vec(), in_bounds, t)?]
        }
        Store { ty, indices, in_bounds, unit_stride, check, .. } => {
            let n = indices.len();
            o.store_element(*ty, addressed()?, *unit_stride, a[..n].to_vec(), in_bounds, *check, a[n])?;
            vec![]
        }
        ViewIsNone { .. } => vec![o.cx.b.ins().icmp_imm_s(IntCC::Equal, a[0], 0)],
        CopyView { ty, src, .. } => {
            o.copy_view(*ty, &a[..src.len()], &a[src.len()..])?;
            vec![]
        }
        UnitStrides { strides } => {
            let mut all_unit = o.cx.b.ins().iconst(types::I8, 1);
            for (v, (_, size)) in a.iter().zip(strides) {
                let unit = o.cx.b.ins().icmp_imm_s(IntCC::Equal, *v, *size);
                all_unit = o.cx.b.ins().band(all_unit, unit);
            }
            vec![all_unit]
        }
        SliceAt { axis, .. } => vec![o.slice_at(a[0], a[1], a[2], a[3], *axis)?],
        CheckSliceStep { .. } => {
            o.check_slice_step(a[0])?;
            vec![]
        }
        SliceRange { lo, hi, .. } => {
            let mut rest = a[3..].iter().copied();
            let lo = lo.and_then(|_| rest.next());
            let hi = hi.and_then(|_| rest.next());
            let step = rest.next().ok_or("a slice without its step")?;
            o.slice_range(a[0], a[1], a[2], lo, hi, step).to_vec()
        }
        _ => return Ok(None),
    }))
}

/// What `OpCx` emits for `op`, whose operands' values are `a` (in `uses` order).
fn emit_op(o: &mut OpCx, op: &BodyOp, a: &[Value], returns: Returns) -> R<Option<Value>> {
    use BodyOp::*;
    Ok(Some(match op {
        Const { c, ty } => o.konst(*c, *ty),
        Copy { .. } => a[0],
        Convert { from, to, .. } => o.convert(a[0], *from, *to)?,
        Unary { op, ty, .. } => o.unary(*op, a[0], *ty)?,
        FloatBinary { op, ty, known, .. } => o.float_binary(*op, a[0], a[1], *ty, *known)?,
        IntTrueDiv { t, .. } => o.int_true_div(a[0], a[1], *t)?,
        IntBinary { op, t, .. } => o.int_binary(*op, a[0], a[1], *t)?,
        TruncDiv { op, t, .. } => o.int_binary_as(*op, a[0], a[1], *t, true)?,
        BoolBinary { op, .. } => o.bool_binary(*op, a[0], a[1])?,
        NoOverflow { op: ArithOp::Add, .. } => o.cx.b.ins().iadd(a[0], a[1]),
        NoOverflow { op: ArithOp::Sub, .. } => o.cx.b.ins().isub(a[0], a[1]),
        NoOverflow { op: ArithOp::Mul, .. } => o.cx.b.ins().imul(a[0], a[1]),
        NoOverflow { op, .. } => return Err(format!("unchecked {op:?} reached code generation")),
        Compare { op, ta, tb, .. } => o.compare_pair(*op, a[0], *ta, a[1], *tb)?,
        Truthy { ty, .. } => o.truthy(a[0], *ty),
        Select { .. } => o.cx.b.ins().select(a[0], a[1], a[2]),
        Math { op, .. } => o.math(*op, a)?,
        CCall { symbol, params, ret, except, variadic, by_value, .. } => o.c_call_checked(symbol, params, *ret, a, *except, *variadic, *by_value)?,
        CallPtr { params, ret, except, .. } => o.c_call_ptr(a[0], params, *ret, &a[1..], *except)?,
        CGlobal { symbol, ty } => o.c_global(symbol, *ty)?,
        CGlobalStore { symbol, ty, .. } => o.c_global_store(symbol, *ty, a[0])?,
        FuncAddr { func, .. } => o.func_addr(*func)?,
        CString { text } => o.cx.cstr(text)?,
        PtrLoad { elem, in_object, .. } => o.ptr_load(a[0], a[1], *elem, *in_object)?,
        PtrStore { elem, in_object, .. } => o.ptr_store(a[0], a[1], a[2], *elem, *in_object)?,
        PtrOffset { elem, negate, .. } => o.ptr_offset(a[0], a[1], *elem, *negate)?,
        // The object's address is its memory's: fields are loads at offsets.
        ObjectData { .. } => a[0],
        MinMax { is_max, ty, .. } => o.min_max(*is_max, *ty, a[0], a[1]),
        Abs { ty, .. } => o.abs(a[0], *ty)?,
        ComplexMake { .. } => super::unbox::complex_pack(o.cx, a[0], a[1]),
        BitCount { ty, .. } => o.bit_count(a[0], *ty),
        Round { .. } => {
            let r = o.cx.b.ins().nearest(a[0]);
            o.float_to_int(r, PY_INT)?
        }
        RoundDigits { .. } => o.round_digits(a[0], a[1])?,
        Call { func, virt: None, .. } => o.call_native(*func, a)?,
        Call { func, virt: Some((at, slot)), .. } => o.call_virtual(*func, *at, *slot, a)?,
        Raise { exc, msg } => {
            o.raise(exc, msg.as_deref())?;
            return Ok(None);
        }
        Assert { msg, .. } => {
            let failed = o.cx.b.ins().icmp_imm_s(IntCC::Equal, a[0], 0);
            o.raise_if(failed, "PyExc_AssertionError", msg.as_deref())?;
            return Ok(None);
        }
        CheckBound { name, .. } => {
            let unbound = o.cx.b.ins().icmp_imm_s(IntCC::Equal, a[0], 0);
            let msg = o.cx.em.py.unbound_local_message(name);
            o.raise_if(unbound, "PyExc_UnboundLocalError", Some(&msg))?;
            return Ok(None);
        }
        StackCheck { .. } => {
            let sp = o.cx.b.ins().get_stack_pointer(o.cx.em.ptr);
            let (cont, _) = super::stack::check_gil(o.cx, sp, a[0], o.directives.nogil)?;
            return_error(o.cx, returns)?;
            // Left unsealed, as the walk left it (sealed with the rest at the end).
            o.cx.b.switch_to_block(cont);
            o.cx.b.block_params(cont)[0]
        }
        CheckRangeStep { .. } => {
            o.check_range_step(a[0])?;
            return Ok(None);
        }
        WidenBound { t, .. } => o.widen_bound(a[0], *t),
        RangeContinues { const_step, step_unsigned, unsigned, .. } => o.range_continues(a[0], a[1], a[2], *const_step, *step_unsigned, *unsigned),
        RangeCutShort { var_ty, const_step, .. } => {
            o.range_cut_short(*var_ty, a[0], a[1], a[2], *const_step)?;
            return Ok(None);
        }
        UnrolledLimit { k, narrow, stop_above_min, .. } => o.unrolled_limit(a[0], *k, *narrow, *stop_above_min),
        AddImm { imm, .. } => o.cx.b.ins().iadd_imm_s(a[0], *imm),
        CounterCmp { op, unsigned, .. } => {
            let cc = counter_cc(*op, *unsigned)?;
            o.cx.b.ins().icmp(cc, a[0], a[1])
        }
        CutRange { .. } | RangeNext { .. } | StepCounter { .. } | CArray { .. } | Load { .. } | Store { .. } | ViewIsNone { .. } | CopyView { .. }
        | UnitStrides { .. } | SliceAt { .. } | CheckSliceStep { .. } | SliceRange { .. } | VectorPrelude { .. } | LoadPair { .. } | PairedSum { .. } | Parallel { .. } => return Err("a loop or view op reached the scalar path".into()),
        AddTraceback { name, file, always, .. } => {
            o.add_traceback(name, file, a[0], *always)?;
            return Ok(None);
        }
        RoomFor { bytes, .. } => o.room_for(*bytes, a[0])?,
        Propagate => {
            o.jump_to_error();
            return Ok(None);
        }
        PropagateLine { .. } => {
            o.jump_to_error_at(a[0]);
            return Ok(None);
        }
        SaveThread => o.call_c("PyEval_SaveThread", &[], &[o.cx.em.ptr], &[])?[0],
        RestoreThread { .. } => {
            let p = o.cx.em.ptr;
            o.call_c("PyEval_RestoreThread", &[p], &[], &[a[0]])?;
            return Ok(None);
        }
        GilEnsure => o.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0],
        ThreadId => o.call_c("omp_get_thread_num", &[], &[types::I32], &[])?[0],
        GilRelease { .. } => {
            o.call_c("PyGILState_Release", &[types::I32], &[], &[a[0]])?;
            return Ok(None);
        }
    }))
}

/// The condition code comparing two range counters.
fn counter_cc(op: hir::CmpOp, unsigned: bool) -> R<IntCC> {
    use hir::CmpOp::*;
    Ok(match (op, unsigned) {
        (Lt, false) => IntCC::SignedLessThan,
        (Lt, true) => IntCC::UnsignedLessThan,
        (Ge, false) => IntCC::SignedGreaterThanOrEqual,
        (Ge, true) => IntCC::UnsignedGreaterThanOrEqual,
        _ => return Err(format!("a counter comparison {op:?}")),
    })
}

impl<'a, 'b> wrapper_ops::Locals<'a, 'b> for Gen<'_, 'a, 'b, '_> {
    fn cx(&mut self) -> &mut FnCx<'a, 'b> {
        self.cx
    }

    fn body(&self) -> &Body {
        self.body
    }

    fn get(&mut self, l: Local) -> R<Value> {
        Gen::get(self, l)
    }

    fn def(&mut self, l: Local, v: Value) -> R<()> {
        Gen::def(self, l, v)
    }

    fn buf_slot(&self, l: Local) -> R<ir::StackSlot> {
        self.bufs[l].ok_or_else(|| format!("{l} is not a Py_buffer"))
    }
}
