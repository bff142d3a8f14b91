//! Exception edges: every op that can fail ends its block, whose terminator
//! then goes on to the rest of the block or, on failure, to the innermost
//! handler: the op's own (an inlined callee's error block), else the error
//! exit.

use crate::mir::{BasicBlock, BlockId, Body, ErrorKind, Op, Terminator};
use std::collections::{HashMap, VecDeque};

pub fn run(body: &mut Body) {
    // Each block is cut after its fallible ops at once (cutting the rest off
    // one op at a time would copy it again for every op: quadratic in a long
    // block); the pieces after the first become blocks appended in turn.
    let mut later: HashMap<BlockId, (VecDeque<Vec<Op>>, Option<Terminator>)> = HashMap::new();
    let mut k = 0;
    while k < body.blocks.len() {
        let b = BlockId::from_usize_const(k);
        k += 1;
        let (mut pieces, term) = match later.remove(&b) {
            Some(p) => p,
            None => {
                let block = &mut body.blocks[b];
                let already = matches!(block.term, Some(Terminator::Try { .. }));
                let ops = std::mem::take(&mut block.ops);
                let n = ops.len();
                let mut pieces = VecDeque::from([vec![]]);
                for (i, op) in ops.into_iter().enumerate() {
                    let cut = op.error_kind() != ErrorKind::Never && !(already && i + 1 == n);
                    if let Some(p) = pieces.back_mut() {
                        p.push(op);
                    }
                    if cut {
                        pieces.push_back(vec![]);
                    }
                }
                (pieces, block.term.take())
            }
        };
        let block = &mut body.blocks[b];
        block.ops = pieces.pop_front().unwrap_or_default();
        if pieces.is_empty() {
            block.term = term;
            continue;
        }
        let (cold, line) = (block.cold, block.line);
        let handler = block.ops.last().and_then(|op| op.handler).unwrap_or(body.error_exit);
        let ok = body.blocks.push(BasicBlock { line, ..BasicBlock::new(vec![], None, cold) });
        body.blocks[b].term = Some(Terminator::Try { ok, err: handler });
        later.insert(ok, (pieces, term));
    }
}
