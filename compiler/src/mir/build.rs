//! Building MIR bodies: a `Builder` that appends ops to the current block,
//! and the builders of each kind of body (`wrapper`). Builders emit no
//! reference counts and no error checks: the passes add those.

pub mod outlined;
pub mod wrapper;

use super::{BasicBlock, BlockId, Body, IndexVec, Local, LocalDecl, LocalTy, Op, OpKind, Returns, Terminator};

pub struct Builder {
    body: Body,
    current: BlockId,
}

impl Builder {
    /// An empty body with its entry block current and its error exit (which
    /// returns the error value) made.
    pub fn new(name: &str, returns: Returns) -> Self {
        let mut blocks = IndexVec::new();
        let entry = blocks.push(BasicBlock { ops: vec![], term: None, cold: false });
        let error_exit = blocks.push(BasicBlock { ops: vec![], term: Some(Terminator::ReturnError), cold: true });
        let body = Body { name: name.to_string(), returns, locals: IndexVec::new(), params: vec![], blocks, error_exit };
        Builder { body, current: entry }
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
        self.body.blocks.push(BasicBlock { ops: vec![], term: None, cold })
    }

    pub fn switch_to(&mut self, b: BlockId) {
        self.current = b;
    }

    pub fn op(&mut self, dests: Vec<Local>, kind: OpKind) {
        self.body.blocks[self.current].ops.push(Op::new(dests, kind));
    }

    /// An op with one result of type `ty`.
    pub fn value(&mut self, ty: LocalTy, kind: OpKind) -> Local {
        let l = self.local(ty, None);
        self.op(vec![l], kind);
        l
    }

    pub fn terminate(&mut self, t: Terminator) {
        self.body.blocks[self.current].term = Some(t);
    }

    pub fn finish(self) -> Body {
        self.body
    }
}
