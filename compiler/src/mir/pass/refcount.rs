//! Reference counts from liveness: a new reference (or an acquired buffer)
//! is released where it stops being live, on normal and error edges alike;
//! a value borrowed from another local keeps that local alive (an argument
//! taken from the binder's tuple, a buffer's data pointer); an object given
//! away (returned, or stolen by a primitive) is not released, and gets a
//! reference of its own first when it is borrowed or still needed. An
//! object variable owns its value (an assignment takes over the value's
//! reference) and holds NULL until assigned: its releases tolerate NULL,
//! and its unassigned NULL is never released.
//!
//! A reference is moved rather than copied where that is the same: an op
//! taking over the value of `borrow v` (an assignment `p = v`) when `v`'s
//! reference would be released right after it takes `v`'s reference
//! instead (mypyc's refcount transform gets the same from its borrowed
//! registers): no increment before, no release after. A `for` loop's item
//! assigned to a typed variable costs one reference, not two. A variable
//! released right after an op that read it through a borrow is released
//! without a NULL test: the borrow shows it assigned. So is a variable
//! (or an iterator's item) released where every path to the release
//! assigned it a value that cannot be NULL (`settle_null_tests`): a
//! typed loop variable released on the edge after a call it was passed to.

use crate::mir::{cfg, BasicBlock, BlockId, Body, Idx, IndexVec, Local, LocalTy, Op, OpKind, RefKind, Terminator};
use fixedbitset::FixedBitSet;
use std::collections::{BTreeSet, HashMap};

pub type Set = BTreeSet<Local>;

/// Which locals hold what this body must release, and what each borrowed
/// value is borrowed from.
pub struct Ownership {
    pub owned: IndexVec<Local, bool>,
    pub owner: IndexVec<Local, Option<Local>>,
    /// Object variables, which hold NULL (and no reference) until assigned,
    /// an iterator's next item, NULL when the iterator is exhausted, and
    /// a loop's iterator, NULL when the loop reads a list or tuple by index,
    /// and a special method looked up, NULL when the type has none.
    pub nullable: IndexVec<Local, bool>,
}

impl Ownership {
    pub fn of(body: &Body) -> Result<Self, String> {
        let n = body.locals.len();
        let mut owned = IndexVec::from_elem(false, n);
        let mut owner = IndexVec::from_elem(None, n);
        let mut seen = IndexVec::from_elem(false, n);
        let mut nullable = IndexVec::from_elem(false, n);
        for block in body.blocks.iter() {
            for op in &block.ops {
                if matches!(op.kind, OpKind::Unassigned) {
                    for &d in &op.dests {
                        nullable[d] = body.ty(d) == LocalTy::Object;
                    }
                }
                if let (OpKind::IterNext { .. } | OpKind::IterStart { .. } | OpKind::LoadSpecial { .. } | OpKind::FrameLoad { owned: true, .. }, Some(&item)) = (&op.kind, op.dests.first()) {
                    nullable[item] = true;
                }
                for (k, &d) in op.dests.iter().enumerate() {
                    let (kind, from) = op.result(k);
                    let counted = matches!(body.ty(d), LocalTy::Object | LocalTy::PyBuffer) && kind == RefKind::New;
                    if seen[d] && (owned[d] != counted || owner[d] != from) {
                        return Err(format!("{d} is defined both as an owned and as a borrowed value"));
                    }
                    seen[d] = true;
                    owned[d] = counted;
                    owner[d] = from;
                }
            }
        }
        Ok(Ownership { owned, owner, nullable })
    }

    /// `l` and the locals it is (transitively) borrowed from.
    pub fn keep_alive(&self, l: Local) -> Vec<Local> {
        let mut chain = vec![l];
        let mut at = l;
        while let Some(o) = self.owner[at] {
            if chain.contains(&o) {
                break;
            }
            chain.push(o);
            at = o;
        }
        chain
    }

    /// The owned locals that reading `uses` needs alive.
    pub fn counted_uses(&self, uses: &[Local]) -> Set {
        uses.iter().flat_map(|&u| self.keep_alive(u)).filter(|&x| self.owned[x]).collect()
    }
}

/// Owned locals live on entry to each block.
pub fn live_in(body: &Body, own: &Ownership) -> IndexVec<BlockId, Set> {
    let mut live: IndexVec<BlockId, Set> = IndexVec::from_elem(Set::new(), body.blocks.len());
    loop {
        let mut changed = false;
        for b in body.blocks.indices().collect::<Vec<_>>().into_iter().rev() {
            let block = &body.blocks[b];
            let term = block.term.as_ref();
            let mut set: Set = term.map(|t| t.successors()).unwrap_or_default().iter().flat_map(|s| live[*s].iter().copied()).collect();
            set.extend(own.counted_uses(&term.map(|t| t.uses()).unwrap_or_default()));
            for op in block.ops.iter().rev() {
                for d in &op.dests {
                    set.remove(d);
                }
                set.extend(own.counted_uses(&op.uses()));
            }
            if set != live[b] {
                live[b] = set;
                changed = true;
            }
        }
        if !changed {
            return live;
        }
    }
}

/// For each local whose every definition is `borrow v` of one variable
/// `v` (the same object, not a part of it): `v`.
fn identity_borrows(body: &Body) -> IndexVec<Local, Option<Local>> {
    let mut of: IndexVec<Local, Option<Option<Local>>> = IndexVec::from_elem(None, body.locals.len());
    for op in body.blocks.iter().flat_map(|b| b.ops.iter()) {
        for &d in &op.dests {
            let this = match op.kind {
                OpKind::Borrow { var } => Some(var),
                _ => None,
            };
            of[d] = Some(match of[d] {
                None => this,
                Some(prev) if prev == this => this,
                Some(_) => None,
            });
        }
    }
    let mut var = IndexVec::from_elem(None, body.locals.len());
    for l in of.indices() {
        var[l] = of[l].flatten();
    }
    var
}

/// Replaces the consumed operand `from` of `op` by `to`.
fn consume_instead(op: &mut Op, from: Local, to: Local) {
    match &mut op.kind {
        OpKind::Assign { src } if *src == from => *src = to,
        OpKind::CallC { prim, args } => {
            for &k in prim.steals {
                if let Some(a) = args.get_mut(k).filter(|a| **a == from) {
                    *a = to;
                }
            }
        }
        _ => {}
    }
}

fn releases(body: &Body, own: &Ownership, set: &Set) -> Vec<Op> {
    set.iter()
        .map(|&l| match body.ty(l) {
            LocalTy::PyBuffer => Op::new(vec![], OpKind::ReleaseBuffer { buf: l }),
            _ => Op::new(vec![], OpKind::DecRef { obj: l, maybe_null: own.nullable[l] }),
        })
        .collect()
}

pub fn run(body: &mut Body) -> Result<(), String> {
    let own = Ownership::of(body)?;
    let live_in = live_in(body, &own);
    let identity = identity_borrows(body);
    let mut edges: Vec<(BlockId, usize, Set, bool)> = vec![];
    for b in body.blocks.indices() {
        let block = &body.blocks[b];
        let term = block.term.clone().ok_or_else(|| format!("{b} has no terminator"))?;
        let succs = term.successors();
        let live_out: Set = succs.iter().flat_map(|s| live_in[*s].iter().copied()).collect();
        let mut live = live_out.clone();
        let mut tail = vec![];
        match term {
            Terminator::Return(v) => {
                if !own.owned[v] && body.ty(v) == LocalTy::Object {
                    // The caller gets a reference of its own.
                    tail.push(Op::new(vec![], OpKind::IncRef { obj: v }));
                }
                let mut dying = own.counted_uses(&[v]);
                dying.remove(&v);
                tail.extend(releases(body, &own, &dying));
                live.extend(own.counted_uses(&[v]));
            }
            ref t => live.extend(own.counted_uses(&t.uses())),
        }
        let n = block.ops.len();
        let is_try = matches!(term, Terminator::Try { .. });
        let (mut before, mut after): (Vec<Vec<Op>>, Vec<Vec<Op>>) = (vec![vec![]; n], vec![vec![]; n]);
        let mut at_try = (Set::new(), Set::new(), vec![]);
        let mut moves: Vec<(usize, Local, Local)> = vec![];
        for (i, op) in block.ops.iter().enumerate().rev() {
            let uses = own.counted_uses(&op.uses());
            let consumed: Set = op.consumes().into_iter().collect();
            let mut moved = Set::new();
            for &c in &consumed {
                // `c` is `borrow o` and this op is `o`'s last use: it takes
                // `o`'s reference (not in a try block's failing op, whose
                // releases differ between its edges).
                let from = identity[c].filter(|&o| {
                    own.owned[o]
                        && !own.owned[c]
                        && !live.contains(&o)
                        && !live.contains(&c)
                        && !consumed.contains(&o)
                        && !op.dests.contains(&o)
                        && !(i + 1 == n && is_try)
                        && op.uses().iter().filter(|&&u| own.keep_alive(u).contains(&o)).count() == 1
                });
                match from {
                    Some(o) => {
                        moved.insert(o);
                        moves.push((i, c, o));
                    }
                    None if !own.owned[c] || live.contains(&c) => before[i].push(Op::new(vec![], OpKind::IncRef { obj: c })),
                    None => {}
                }
            }
            let dying: Set = uses.iter().copied().filter(|u| !live.contains(u) && !consumed.contains(u) && !moved.contains(u)).collect();
            // A variable's unassigned NULL holds nothing to release.
            let unassigned = matches!(op.kind, OpKind::Unassigned);
            let dead_dests: Set = op.dests.iter().copied().filter(|d| own.owned[*d] && !live.contains(d) && !unassigned).collect();
            if i + 1 == n && is_try {
                at_try = (dying, op.dests.iter().copied().filter(|d| own.owned[*d]).collect(), op.dests.clone());
            } else {
                let mut ops = releases(body, &own, &dying.union(&dead_dests).copied().collect());
                // A variable released right after an op reading it through a
                // borrow holds its value there (the borrow is of an assigned
                // variable): no NULL test.
                for r in &mut ops {
                    if let OpKind::DecRef { obj, maybe_null } = &mut r.kind {
                        if *maybe_null && dying.contains(obj) && !op.dests.contains(obj) && op.uses().iter().any(|&u| identity[u] == Some(*obj)) {
                            *maybe_null = false;
                        }
                    }
                }
                after[i] = ops;
            }
            for d in &op.dests {
                live.remove(d);
            }
            live.extend(uses);
        }
        // Nothing runs past an op that always fails: its success edge releases nothing.
        let always_fails = is_try && block.ops.last().is_some_and(|op| op.error_kind() == crate::mir::ErrorKind::Always);
        for (j, s) in succs.iter().enumerate() {
            let err_edge = is_try && j == 1;
            if always_fails && !err_edge {
                continue;
            }
            let mut avail = live_out.clone();
            if is_try {
                avail.extend(at_try.0.iter().copied());
                if err_edge {
                    for d in &at_try.2 {
                        avail.remove(d);
                    }
                } else {
                    avail.extend(at_try.1.iter().copied());
                }
            }
            let release: Set = avail.difference(&live_in[*s]).copied().collect();
            if !release.is_empty() {
                edges.push((b, j, release, err_edge));
            }
        }
        let mut ops = std::mem::take(&mut body.blocks[b].ops);
        for (i, c, o) in moves {
            consume_instead(&mut ops[i], c, o);
        }
        let mut out = vec![];
        for ((op, pre), post) in ops.into_iter().zip(before).zip(after) {
            out.extend(pre);
            out.push(op);
            out.extend(post);
        }
        out.extend(tail);
        body.blocks[b].ops = out;
    }
    // Edges to one target releasing the same values share one block (as
    // mypyc's refcount transform does): a function's error edges mostly
    // release what is live across whole statements, and a block per edge
    // multiplied the code Cranelift has to compile. A cold edge releasing
    // more than another cold edge to its target releases only the
    // difference and goes on through that edge's block (the largest such
    // subset): error paths then form a tree whose blocks mostly release
    // each value once.
    let mut placed: Vec<((BlockId, Set, bool), Vec<(BlockId, usize)>)> = vec![];
    let mut index: HashMap<(BlockId, Set, bool), usize> = HashMap::new();
    for (b, j, release, err_edge) in edges {
        let Some(target) = body.blocks[b].term.as_ref().and_then(|t| t.successors().get(j).copied()) else {
            return Err(format!("{b} lost successor {j}"));
        };
        let cold = err_edge || body.blocks[b].cold || body.blocks[target].cold;
        let key = (target, release, cold);
        match index.get(&key) {
            Some(&k) => placed[k].1.push((b, j)),
            None => {
                index.insert(key.clone(), placed.len());
                placed.push((key, vec![(b, j)]));
            }
        }
    }
    // Each key's block, numbered in the order of the edges first reaching it.
    let first = body.blocks.len();
    let block_of = |k: usize| BlockId::from_usize(first + k);
    for (k, ((target, release, cold), _)) in placed.iter().enumerate() {
        let via = placed
            .iter()
            .enumerate()
            .filter(|(_, ((t, set, c), _))| *cold && *c && t == target && set.len() < release.len() && set.is_subset(release))
            .max_by_key(|(_, ((_, set, _), _))| set.len());
        let (own_release, next) = match via {
            Some((v, ((_, set, _), _))) => (release.difference(set).copied().collect(), block_of(v)),
            None => (release.clone(), *target),
        };
        let ops = releases(body, &own, &own_release);
        let mut block = BasicBlock::new(ops, Some(Terminator::Goto(next)), *cold);
        if let Some(line) = body.blocks[*target].takes_line {
            // The failing op's line passes through the releases on its way.
            block.takes_line = Some(body.locals.push(body.locals[line].clone()));
        }
        if body.blocks.push(block) != block_of(k) {
            return Err("edge blocks numbered out of order".into());
        }
    }
    for (k, (_, sources)) in placed.iter().enumerate() {
        for &(b, j) in sources {
            if let Some(slot) = body.blocks[b].term.as_mut().and_then(|t| t.successors_mut().into_iter().nth(j)) {
                *slot = block_of(k);
            }
        }
    }
    settle_null_tests(body, &own);
    Ok(())
}

/// Drops the NULL test of each release of a nullable local that holds a
/// value on every path to it: assigned something that is never NULL (not
/// an unassigned NULL, not an iterator's item or a special method looked
/// up, which are NULL when there is none, not a copy of a local that may
/// be NULL), or read through a borrow (a checked read raised otherwise).
/// A release does not change the pointer, and the passes release nothing
/// twice, so the fact outlives it. The edges of a failing op assign
/// nothing to its results (`cfg::must_hold`).
fn settle_null_tests(body: &mut Body, own: &Ownership) {
    let mut number: IndexVec<Local, Option<usize>> = IndexVec::from_elem(None, body.locals.len());
    let mut width = 0;
    for l in own.nullable.indices() {
        if own.nullable[l] {
            number[l] = Some(width);
            width += 1;
        }
    }
    if width == 0 {
        return;
    }
    let holds = |set: &FixedBitSet, l: Local| number[l].map_or(true, |k| set.contains(k));
    let gen = |set: &mut FixedBitSet, op: &Op| {
        if let OpKind::Borrow { var } = op.kind {
            if let Some(k) = number[var] {
                set.insert(k);
            }
        }
        let never_null = match op.kind {
            OpKind::Unassigned | OpKind::IterNext { .. } | OpKind::IterStart { .. } | OpKind::LoadSpecial { .. } | OpKind::FrameLoad { .. } => false,
            OpKind::Assign { src } => holds(set, src),
            _ => true,
        };
        for &d in &op.dests {
            if let Some(k) = number[d] {
                set.set(k, never_null);
            }
        }
    };
    let held_in = cfg::must_hold(body, &number, width, &gen, |_, _| {});
    for b in body.blocks.indices() {
        let Some(mut set) = held_in[b].clone() else { continue };
        for op in body.blocks[b].ops.iter_mut() {
            if let OpKind::DecRef { obj, maybe_null } = &mut op.kind {
                if *maybe_null && holds(&set, *obj) {
                    *maybe_null = false;
                }
            }
            gen(&mut set, op);
        }
    }
}
