//! A native function's MIR body → Cranelift, with the code `lower`'s walk
//! made: an op that can fail is emitted by `OpCx` with the error edge's
//! block (taking the op's line) as its exit, and the rest of its block goes
//! on in the Cranelift block the op ends in (an op's success edge has one
//! predecessor and adds no jump); the error exit is emitted only when
//! something jumped to it. Blocks are laid out in MIR order (the builder's
//! entry order), the error exit last, each sealed once all its predecessors
//! are emitted (a loop header after its back edge, which keeps loop
//! invariants visible to Cranelift's LICM). Each op's instructions carry its
//! line as their source location.

use super::super::{clif_type, FnCx, R};
use super::{return_error, return_value, Directives, ErrorExit, OpCx};
use crate::hir;
use crate::mir::body::BodyOp;
use crate::mir::{BlockId, Body, ErrorKind, IndexVec, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::PY_INT;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, Block, InstBuilder, Value};
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
}

/// Emits `body` (built by `mir::build::body` for `f`) into the native
/// function `cx` is building.
pub(crate) fn emit(cx: &mut FnCx, body: &Body, f: &hir::Function) -> R<()> {
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
    };
    let p = g.cx.em.ptr;
    for (l, decl) in body.locals.iter_enumerated() {
        if decl.name.is_none() || decl.ty == LocalTy::Ptr {
            continue;
        }
        let t = match decl.ty {
            LocalTy::Scalar(t) => clif_type(t).ok_or("a scalar local without a machine type")?,
            LocalTy::Ptr => p,
            LocalTy::Object | LocalTy::PyBuffer => return Err(format!("`{}`: a native body holding an object", body.name)),
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
        g.def(*l, v)?;
        g.params.push((*l, v));
    }
    // A block reached only as the success edge of the op ending another is
    // emitted with it.
    let mut merged = IndexVec::from_elem(false, n);
    for block in body.blocks.iter() {
        if let Some(Terminator::Try { ok, .. }) = block.term {
            merged[ok] = true;
        }
    }
    for b in body.blocks.indices() {
        if merged[b] || b == body.error_exit {
            continue;
        }
        let takes_line = body.blocks[b].takes_line;
        if takes_line.is_some() && !g.raised_to[b] {
            // An inlined callee's error block nothing jumped to.
            continue;
        }
        if takes_line.is_some() {
            // Every jump here is emitted (the callee's body came first); the
            // edges that raised nothing add none.
            g.pending[b] = 0;
        }
        if b != Body::ENTRY {
            g.enter(b)?;
        }
        if let Some(line) = takes_line {
            let block = g.block(b);
            let v = g.cx.b.block_params(block)[0];
            g.def(line, v)?;
        }
        g.emit_from(b)?;
    }
    if g.raised_to[body.error_exit] {
        g.cx.b.set_srcloc(ir::SourceLoc::default());
        let exit = g.block(body.error_exit);
        g.cx.b.switch_to_block(exit);
        if let Some(line) = body.blocks[body.error_exit].takes_line {
            let v = g.cx.b.block_params(exit)[0];
            g.def(line, v)?;
        }
        g.emit_from(body.error_exit)?;
    }
    Ok(())
}

impl Gen<'_, '_, '_, '_> {
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
        if self.body.ty(l) == LocalTy::Ptr {
            return self.pinned.get(&l).copied().ok_or_else(|| format!("{l} of `{}` is used before its definition on entry", self.body.name));
        }
        if self.body.locals[l].name.is_none() {
            return self.temps.get(&l).copied().ok_or_else(|| format!("{l} of `{}` is used before its definition is emitted", self.body.name));
        }
        let v = self.var(l)?;
        Ok(self.cx.b.use_var(v))
    }

    fn def(&mut self, l: Local, v: Value) -> R<()> {
        if self.body.ty(l) == LocalTy::Ptr {
            self.pinned.insert(l, v);
            return Ok(());
        }
        if self.body.locals[l].name.is_none() {
            self.temps.insert(l, v);
            return Ok(());
        }
        let var = self.var(l)?;
        self.cx.b.def_var(var, v);
        Ok(())
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
            for (i, op) in block.ops.iter().enumerate() {
                let err = if i + 1 == n { edge.map(|(_, err)| err) } else { None };
                self.op(op, err)?;
            }
            self.at_line(block.line);
            match term {
                Terminator::Try { ok, .. } => {
                    self.pending[*ok] = self.pending[*ok].saturating_sub(1);
                    self.entered[*ok] = true;
                    b = *ok;
                    continue;
                }
                Terminator::Goto(t) => {
                    let block = self.block(*t);
                    self.cx.b.ins().jump(block, &[]);
                    self.edges_emitted(&[*t]);
                }
                Terminator::Branch { cond, then, otherwise } => {
                    let c = self.get(*cond)?;
                    let (t, e) = (self.block(*then), self.block(*otherwise));
                    self.cx.b.ins().brif(c, t, &[], e, &[]);
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
            return Ok(());
        }
    }

    /// One op; `err` is its error edge's target when it ends its block.
    fn op(&mut self, op: &Op, err: Option<BlockId>) -> R<()> {
        let OpKind::Body(kind) = &op.kind else {
            return Err(format!("a wrapper's op in the native body `{}`", self.body.name));
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
        let mut args = vec![];
        for u in kind.uses() {
            args.push(self.get(u)?);
        }
        let mut o = OpCx::new(self.cx, exit, self.directives);
        let r = emit_op(&mut o, kind, &args, self.body.returns)?;
        let raised = o.raised;
        if let (Some(e), true) = (err, raised) {
            self.pending[e] = self.pending[e].saturating_sub(1);
            self.raised_to[e] = true;
        }
        if let (Some(d), Some(v)) = (op.dests.first(), r) {
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
        BoolBinary { op, .. } => o.bool_binary(*op, a[0], a[1])?,
        Sub { .. } => o.cx.b.ins().isub(a[0], a[1]),
        Compare { op, ta, tb, .. } => o.compare_pair(*op, a[0], *ta, a[1], *tb)?,
        Truthy { ty, .. } => o.truthy(a[0], *ty),
        Select { .. } => o.cx.b.ins().select(a[0], a[1], a[2]),
        Math { op, .. } => o.math(*op, a)?,
        MinMax { is_max, ty, .. } => o.min_max(*is_max, *ty, a[0], a[1]),
        Abs { ty, .. } => o.abs(a[0], *ty)?,
        BitCount { ty, .. } => o.bit_count(a[0], *ty),
        Round { .. } => {
            let r = o.cx.b.ins().nearest(a[0]);
            o.float_to_int(r, PY_INT)?
        }
        RoundDigits { .. } => o.round_digits(a[0], a[1])?,
        Call { func, .. } => o.call_native(*func, a)?,
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
            let (cont, _) = super::stack::check(o.cx, sp, a[0])?;
            return_error(o.cx, returns)?;
            // Left unsealed, as the walk left it (sealed with the rest at the end).
            o.cx.b.switch_to_block(cont);
            o.cx.b.block_params(cont)[0]
        }
        AddTraceback { name, file, always, .. } => {
            o.add_traceback(name, file, a[0], *always)?;
            return Ok(None);
        }
        RoomFor { bytes, .. } => o.room_for(*bytes, a[0])?,
        Propagate => {
            o.jump_to_error();
            return Ok(None);
        }
    }))
}
