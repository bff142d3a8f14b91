//! The shape of a body's control-flow graph: predecessors, reverse
//! postorder and dominators, and the forward must-analysis over locals that
//! the verifier and definite assignment run on it.

use super::{BlockId, Body, IndexVec, Local, Op, Terminator};
use fixedbitset::FixedBitSet;

pub fn successors(body: &Body, b: BlockId) -> Vec<BlockId> {
    body.blocks[b].term.as_ref().map(|t| t.successors()).unwrap_or_default()
}

pub fn predecessors(body: &Body) -> IndexVec<BlockId, Vec<BlockId>> {
    let mut preds = IndexVec::from_elem(vec![], body.blocks.len());
    for b in body.blocks.indices() {
        for s in successors(body, b) {
            preds[s].push(b);
        }
    }
    preds
}

/// Blocks reachable from the entry, each after its predecessors except
/// along back edges: a forward analysis visiting them in this order settles
/// in as many rounds as loops nest, however the blocks are numbered.
pub fn reverse_postorder(body: &Body) -> Vec<BlockId> {
    reverse_postorder_by(body, |b| successors(body, b))
}

/// Reverse postorder of a depth-first walk from the entry over the edges
/// `succs` gives: a block's first successor is visited last, so it comes
/// right after the block.
pub fn reverse_postorder_by(body: &Body, succs: impl Fn(BlockId) -> Vec<BlockId>) -> Vec<BlockId> {
    let mut post = vec![];
    let mut seen = IndexVec::from_elem(false, body.blocks.len());
    let mut stack = vec![(Body::ENTRY, false)];
    while let Some((b, done)) = stack.pop() {
        if done {
            post.push(b);
            continue;
        }
        if seen[b] {
            continue;
        }
        seen[b] = true;
        stack.push((b, true));
        for s in succs(b) {
            if !seen[s] {
                stack.push((s, false));
            }
        }
    }
    post.reverse();
    post
}

/// The dominator tree of the reachable blocks, by Lengauer and Tarjan's
/// algorithm (with path compression): near-linear time and linear memory,
/// where the simpler iteration over reverse postorder walks the whole
/// chain at every predecessor of a block that a long chain joins (the error
/// exit of 80,000 comparisons: 44 s).
pub struct Dominators {
    /// Each reachable block's interval in a depth-first walk of the
    /// dominator tree: `a` dominates `b` when `b`'s lies within `a`'s, a
    /// constant-time question however deep the tree (a chain of 80,000
    /// blocks is 80,000 deep).
    interval: IndexVec<BlockId, Option<(usize, usize)>>,
}

impl Dominators {
    pub fn of(body: &Body, preds: &IndexVec<BlockId, Vec<BlockId>>) -> Self {
        // Depth-first preorder numbers; the spanning tree's parents.
        let mut number: IndexVec<BlockId, Option<usize>> = IndexVec::from_elem(None, body.blocks.len());
        let mut vertex = vec![];
        let mut parent = vec![];
        let mut stack = vec![(Body::ENTRY, 0)];
        while let Some((b, from)) = stack.pop() {
            if number[b].is_some() {
                continue;
            }
            number[b] = Some(vertex.len());
            parent.push(from);
            vertex.push(b);
            let me = vertex.len() - 1;
            stack.extend(successors(body, b).into_iter().rev().filter(|s| number[*s].is_none()).map(|s| (s, me)));
        }
        let n = vertex.len();
        let mut semi: Vec<usize> = (0..n).collect();
        let mut label: Vec<usize> = (0..n).collect();
        let mut ancestor: Vec<Option<usize>> = vec![None; n];
        let mut idom = vec![0; n];
        let mut bucket: Vec<Vec<usize>> = vec![vec![]; n];
        // The vertex of least semidominator on `v`'s compressed path to
        // the forest's root, compressing it on the way.
        let eval = |v: usize, ancestor: &mut Vec<Option<usize>>, label: &mut Vec<usize>, semi: &[usize]| -> usize {
            let mut path = vec![];
            let mut x = v;
            while let Some(a) = ancestor[x] {
                if ancestor[a].is_none() {
                    break;
                }
                path.push(x);
                x = a;
            }
            for &y in path.iter().rev() {
                if let Some(a) = ancestor[y] {
                    if semi[label[a]] < semi[label[y]] {
                        label[y] = label[a];
                    }
                    ancestor[y] = ancestor[a];
                }
            }
            label[v]
        };
        for w in (1..n).rev() {
            for p in preds[vertex[w]].iter().filter_map(|&p| number[p]) {
                let u = eval(p, &mut ancestor, &mut label, &semi);
                if semi[u] < semi[w] {
                    semi[w] = semi[u];
                }
            }
            bucket[semi[w]].push(w);
            let pw = parent[w];
            ancestor[w] = Some(pw);
            for v in std::mem::take(&mut bucket[pw]) {
                let u = eval(v, &mut ancestor, &mut label, &semi);
                idom[v] = if semi[u] < semi[v] { u } else { pw };
            }
        }
        for w in 1..n {
            if idom[w] != semi[w] {
                idom[w] = idom[idom[w]];
            }
        }
        let mut children = vec![vec![]; n];
        for (w, &d) in idom.iter().enumerate().skip(1) {
            children[d].push(w);
        }
        let mut interval = IndexVec::from_elem(None, body.blocks.len());
        let mut clock = 0;
        let mut enter = vec![0; n];
        let mut walk = if n == 0 { vec![] } else { vec![(0, false)] };
        while let Some((w, done)) = walk.pop() {
            if done {
                interval[vertex[w]] = Some((enter[w], clock));
                clock += 1;
                continue;
            }
            enter[w] = clock;
            clock += 1;
            walk.push((w, true));
            walk.extend(children[w].iter().map(|&c| (c, false)));
        }
        Dominators { interval }
    }

    /// Whether every path from the entry to `b` passes through `a` (a block
    /// dominates itself); false when either is unreachable.
    pub fn dominates(&self, a: BlockId, b: BlockId) -> bool {
        match (self.interval.get(a).copied().flatten(), self.interval.get(b).copied().flatten()) {
            (Some((a_in, a_out)), Some((b_in, b_out))) => a_in <= b_in && b_out <= a_out,
            _ => false,
        }
    }
}

/// Which of the locals numbered in `number` (densely, below `width`) hold
/// on entry to each reachable block (`None`: unreachable) on every path:
/// `entry` on entry to the body, what each op adds (`gen`), what a block
/// adds on entry (`at_block`). The dests of an op that failed are not
/// added on its error edge.
pub fn must_hold(
    body: &Body,
    number: &IndexVec<Local, Option<usize>>,
    width: usize,
    gen: impl Fn(&mut FixedBitSet, &Op),
    at_block: impl Fn(&mut FixedBitSet, BlockId),
) -> IndexVec<BlockId, Option<FixedBitSet>> {
    let preds = predecessors(body);
    let order = reverse_postorder(body);
    let mut out: IndexVec<BlockId, Option<FixedBitSet>> = IndexVec::from_elem(None, body.blocks.len());
    let holding_in = |b: BlockId, out: &IndexVec<BlockId, Option<FixedBitSet>>| -> Option<FixedBitSet> {
        let mut acc: Option<FixedBitSet> = None;
        if b == Body::ENTRY {
            let mut set = FixedBitSet::with_capacity(width);
            for k in body.params.iter().filter_map(|p| number.get(*p).copied().flatten()) {
                set.insert(k);
            }
            acc = Some(set);
        }
        for &p in &preds[b] {
            let Some(mut set) = out[p].clone() else { continue };
            let pb = &body.blocks[p];
            if matches!(pb.term, Some(Terminator::Try { err, ok }) if err == b && ok != b) {
                for k in pb.ops.last().map(|op| op.dests.as_slice()).unwrap_or_default().iter().filter_map(|d| number.get(*d).copied().flatten()) {
                    set.remove(k);
                }
            }
            match acc.as_mut() {
                None => acc = Some(set),
                Some(a) => a.intersect_with(&set),
            }
        }
        acc.map(|mut set| {
            at_block(&mut set, b);
            set
        })
    };
    let mut ins: IndexVec<BlockId, Option<FixedBitSet>> = IndexVec::from_elem(None, body.blocks.len());
    loop {
        let mut changed = false;
        for &b in &order {
            let Some(set) = holding_in(b, &out) else { continue };
            let mut end = set.clone();
            for op in &body.blocks[b].ops {
                gen(&mut end, op);
            }
            ins[b] = Some(set);
            if out[b].as_ref() != Some(&end) {
                out[b] = Some(end);
                changed = true;
            }
        }
        if !changed {
            return ins;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mir::{build::Builder, Idx, LocalTy, Returns, Terminator};
    use crate::types::Ty;

    #[test]
    fn a_diamond_and_a_loop() {
        let mut b = Builder::new("f", Returns::Flag);
        let c = b.param(LocalTy::Scalar(Ty::Bool), "c");
        let (left, right, join, head, out) = (b.block(false), b.block(false), b.block(false), b.block(false), b.block(false));
        b.terminate(Terminator::Branch { cond: c, then: left, otherwise: right });
        for side in [left, right] {
            b.switch_to(side);
            b.terminate(Terminator::Goto(join));
        }
        b.switch_to(join);
        b.terminate(Terminator::Goto(head));
        b.switch_to(head);
        b.terminate(Terminator::Branch { cond: c, then: head, otherwise: out });
        b.switch_to(out);
        b.terminate(Terminator::ReturnNone);
        let body = b.finish_in_entry_order().expect("a well-formed body");
        let dom = Dominators::of(&body, &predecessors(&body));
        let [entry, left, right, join, head, out] = [0, 1, 2, 3, 4, 5].map(BlockId::from_usize);
        assert!(dom.dominates(entry, out) && dom.dominates(join, out) && dom.dominates(head, out));
        assert!(!dom.dominates(left, join) && !dom.dominates(right, join));
        assert!(dom.dominates(head, head) && !dom.dominates(out, head));
    }

    /// Blocks reachable from the entry without passing through `avoid`.
    fn reachable_avoiding(body: &Body, avoid: Option<BlockId>) -> Vec<bool> {
        let mut seen = vec![false; body.blocks.len()];
        let mut stack = vec![Body::ENTRY];
        while let Some(b) = stack.pop() {
            if Some(b) == avoid || seen[b.index()] {
                continue;
            }
            seen[b.index()] = true;
            stack.extend(successors(body, b));
        }
        seen
    }

    /// Against the definition (`a` dominates `b` when `b` is unreachable
    /// once `a` is taken out) on pseudo-random graphs with loops, joins and
    /// unreachable blocks.
    #[test]
    fn dominance_matches_its_definition() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..300 {
            let n = 2 + next(12) as usize;
            let mut b = Builder::new("g", Returns::Flag);
            let c = b.param(LocalTy::Scalar(Ty::Bool), "c");
            let blocks: Vec<BlockId> = std::iter::once(Body::ENTRY).chain((1..n).map(|_| b.block(false))).collect();
            for &blk in &blocks {
                b.switch_to(blk);
                let t = match next(4) {
                    0 => Terminator::ReturnNone,
                    1 => Terminator::Goto(blocks[next(n as u64) as usize]),
                    _ => Terminator::Branch { cond: c, then: blocks[next(n as u64) as usize], otherwise: blocks[next(n as u64) as usize] },
                };
                b.terminate(t);
            }
            let body = b.finish();
            let dom = Dominators::of(&body, &predecessors(&body));
            let reachable = reachable_avoiding(&body, None);
            for &x in &blocks {
                let without = reachable_avoiding(&body, Some(x));
                for &y in &blocks {
                    let expected = reachable[x.index()] && reachable[y.index()] && (x == y || !without[y.index()]);
                    assert_eq!(dom.dominates(x, y), expected, "{x} dominates {y}?");
                }
            }
        }
    }
}
