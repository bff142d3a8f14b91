//! Building MIR bodies: a `Builder` that appends ops to the current block,
//! and the builders of each kind of body (`wrapper`). Builders emit no
//! reference counts and no error checks: the passes add those.

pub mod body;
pub mod c_entry;
pub mod outlined;
pub mod wrapper;

use super::{BasicBlock, BlockId, Body, IndexVec, Local, LocalDecl, LocalTy, Op, OpKind, Returns, Terminator};

pub struct Builder {
    body: Body,
    current: BlockId,
    /// The source line of the ops and terminators added from here on.
    line: u32,
    /// Where the errors of the ops added from here on go (`Op::handler`).
    handler: Option<BlockId>,

    /// Blocks in the order they were first made current.
    entered: Vec<BlockId>,
    was_entered: IndexVec<BlockId, bool>,
}

impl Builder {
    /// An empty body with its entry block current and its error exit (which
    /// returns the error value) made.
    pub fn new(name: &str, returns: Returns) -> Self {
        let mut blocks = IndexVec::new();
        let entry = blocks.push(BasicBlock::new(vec![], None, false));
        let error_exit = blocks.push(BasicBlock::new(vec![], Some(Terminator::ReturnError), true));
        let body = Body { name: name.to_string(), returns, locals: IndexVec::new(), params: vec![], blocks, error_exit };
        let mut was_entered = IndexVec::from_elem(false, 2);
        was_entered[entry] = true;
        Builder { body, current: entry, line: 0, handler: None, entered: vec![entry], was_entered }
    }

    pub fn local(&mut self, ty: LocalTy, name: Option<&str>) -> Local {
        self.body.locals.push(LocalDecl { ty, name: name.map(str::to_string) })
    }

    pub fn param(&mut self, ty: LocalTy, name: &str) -> Local {
        let l = self.local(ty, Some(name));
        self.body.params.push(l);
        l
    }

    pub fn block(&mut self, cold: bool) -> BlockId {
        self.was_entered.push(false);
        self.body.blocks.push(BasicBlock::new(vec![], None, cold))
    }

    pub fn switch_to(&mut self, b: BlockId) {
        if !self.was_entered[b] {
            self.was_entered[b] = true;
            self.entered.push(b);
        }
        self.current = b;
    }

    /// The block ops are added to.
    pub fn current(&self) -> BlockId {
        self.current
    }

    /// Ops and terminators from here on belong to `line`.
    pub fn at_line(&mut self, line: u32) {
        self.line = line;
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// The errors of the ops added from here on go to `handler` (`None`:
    /// the error exit).
    pub fn set_handler(&mut self, handler: Option<BlockId>) {
        self.handler = handler;
    }

    pub fn handler(&self) -> Option<BlockId> {
        self.handler
    }

    /// `b` is an error edge's target that receives the failing line in `line`.
    pub fn takes_line(&mut self, b: BlockId, line: Local) {
        self.body.blocks[b].takes_line = Some(line);
    }

    /// The jumps to `b` pass the value of `l` (`BasicBlock::passed`).
    pub fn passes(&mut self, b: BlockId, l: Local) {
        self.body.blocks[b].passed = Some(l);
    }

    /// The ops whose errors go to `b` have directives `d` (`BasicBlock::directives`).
    pub fn frame_directives(&mut self, b: BlockId, d: super::body::Directives) {
        self.body.blocks[b].directives = Some(d);
    }

    /// `b` is a `try` statement's block that errors go to (`BasicBlock::catches`).
    pub fn catches(&mut self, b: BlockId) {
        self.body.blocks[b].catches = true;
    }

    /// `b` goes on after the error block `err` (`BasicBlock::resumes_after`).
    pub fn resumes_after(&mut self, b: BlockId, err: BlockId) {
        self.body.blocks[b].resumes_after = Some(err);
    }

    pub fn error_exit(&self) -> BlockId {
        self.body.error_exit
    }

    /// The error exit's block, to fill with what every error path runs.
    pub fn error_exit_mut(&mut self) -> &mut BasicBlock {
        let e = self.body.error_exit;
        &mut self.body.blocks[e]
    }

    pub fn op(&mut self, dests: Vec<Local>, kind: OpKind) {
        let op = Op { line: self.line, handler: self.handler, ..Op::new(dests, kind) };
        self.body.blocks[self.current].ops.push(op);
    }

    /// An op with one result of type `ty`.
    pub fn value(&mut self, ty: LocalTy, kind: OpKind) -> Local {
        let l = self.local(ty, None);
        self.op(vec![l], kind);
        l
    }

    pub fn terminate(&mut self, t: Terminator) {
        let block = &mut self.body.blocks[self.current];
        block.term = Some(t);
        block.line = self.line;
    }

    /// The body with its blocks numbered in the order they were first made
    /// current (the error exit last), which is the order code generation
    /// lays them out in; blocks never made current are dropped.
    pub fn finish_in_entry_order(self) -> Result<Body, String> {
        let mut body = self.body;
        let mut order = self.entered;
        order.retain(|b| *b != body.error_exit);
        order.push(body.error_exit);
        let mut new_id: IndexVec<BlockId, Option<BlockId>> = IndexVec::from_elem(None, body.blocks.len());
        for (k, b) in order.iter().enumerate() {
            new_id[*b] = Some(BlockId::from_usize_const(k));
        }
        let mut old = std::mem::take(&mut body.blocks).into_options();
        for b in order {
            let mut block = old[b].take().ok_or("a block entered twice")?;
            let lost = || format!("`{}` branches to a block it never filled", body.name);
            if let Some(t) = block.term.as_mut() {
                for s in t.successors_mut() {
                    *s = new_id[*s].ok_or_else(lost)?;
                }
            }
            if let Some(e) = block.resumes_after.as_mut() {
                *e = new_id[*e].ok_or_else(lost)?;
            }
            for op in &mut block.ops {
                if let Some(h) = op.handler.as_mut() {
                    *h = new_id[*h].ok_or_else(lost)?;
                }
            }
            body.blocks.push(block);
        }
        body.error_exit = new_id[body.error_exit].ok_or("the error exit was lost")?;
        Ok(body)
    }

    pub fn finish(self) -> Body {
        self.body
    }
}
