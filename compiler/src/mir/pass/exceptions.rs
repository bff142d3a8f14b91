//! Exception edges: every op that can fail ends its block, whose terminator
//! then goes on to the rest of the block or, on failure, to the innermost
//! handler (a body without handlers: its error exit).

use crate::mir::{BasicBlock, BlockId, Body, ErrorKind, Terminator};

pub fn run(body: &mut Body) {
    let handler = body.error_exit;
    // Blocks split off are appended, and visited in their turn.
    let mut k = 0;
    while k < body.blocks.len() {
        let b = BlockId::from_usize_const(k);
        k += 1;
        let block = &body.blocks[b];
        let already = matches!(block.term, Some(Terminator::Try { .. }));
        let last = block.ops.len().saturating_sub(1);
        let Some(at) = block.ops.iter().enumerate().position(|(i, op)| op.error_kind() != ErrorKind::Never && !(already && i == last)) else {
            continue;
        };
        let cold = block.cold;
        let block = &mut body.blocks[b];
        let rest = block.ops.split_off(at + 1);
        let term = block.term.take();
        let ok = body.blocks.push(BasicBlock { ops: rest, term, cold });
        body.blocks[b].term = Some(Terminator::Try { ok, err: handler });
    }
}
