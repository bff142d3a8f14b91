//! The suspension pass of a generator's resume function (after definite
//! assignment and exception edges, before reference counts, so that pass
//! keeps every reference right): each `Yield` becomes stores of the locals
//! live where it resumes into the generator's frame, its state, and a
//! return of the yielded value; its resume block begins by loading them
//! back. A new entry reads the state and goes to the function's start
//! (which loads the parameters, stored by the create function) or to the
//! resume block of that `yield`; every other return first marks the
//! generator finished.
//!
//! Each kept local has one frame slot: an object the body owns (the
//! parameters included) an object slot, which the generator releases if it
//! is dropped suspended (a store takes a reference of its own, NULL
//! allowed; a load takes the reference out and leaves NULL, so while the
//! body runs every object slot is empty); anything else (C numbers,
//! pointers, objects borrowed from an owned one kept too, or from the
//! module) a raw slot after the object slots.
//!
//! A `yield` whose `Sent` fails to a `try`'s landing block (`catches`) is
//! listed in `Layout::closes`: a generator dropped while suspended there is
//! closed first (`backend/glue/generator.rs`, its `tp_finalize`).

use super::refcount::Ownership;
use crate::mir::{BasicBlock, BlockId, Body, Local, LocalTy, Op, OpKind, Terminator};
use crate::types::{IntTy, Ty};
use std::collections::{BTreeSet, HashMap};

/// The generator object's layout (`backend/glue/generator.rs`): the
/// variable-size object header, the resume function, the names, the
/// state, the running flag, the delegate of a `yield from` (an owned
/// reference, NULL when none), then the frame's words.
pub const GEN_RESUME: i32 = 24;
pub const GEN_INFO: i32 = 32;
pub const GEN_STATE: i32 = 40;
pub const GEN_RUNNING: i32 = 44;
pub const GEN_DELEGATE: i32 = 48;
pub const GEN_FRAME: i32 = 56;

/// A generator's state: 0 not started, k suspended at its k-th `yield`, -1 finished.
pub const STATE: IntTy = IntTy { bits: 32, signed: true, checked: false, cname: "int" };

/// Where the create function puts what the body needs.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Frame words in all, and how many object slots come first.
    pub words: u32,
    pub object_words: u32,
    /// Each parameter's byte offset in the generator and whether it is an object slot.
    pub params: Vec<(i32, bool)>,
    /// By state, whether its `yield` is inside a `try` (a `with` among
    /// them), where a generator dropped suspended is closed first (PEP 442):
    /// a value thrown in there reaches a handler. Empty when none is; else
    /// one entry for each state.
    pub closes: Vec<bool>,
}

/// The built resume body's parameters: the generator, the value sent, then
/// the function's own, then the stack limit.
pub fn run(body: &mut Body) -> Result<Layout, String> {
    if body.params.len() < 3 {
        return Err(format!("the resume function of {} lacks its parameters", body.name));
    }
    let (gen, sent) = (body.params[0], body.params[1]);
    let limit = *body.params.last().ok_or("no stack limit")?;
    let user: Vec<Local> = body.params[2..body.params.len() - 1].to_vec();
    let own = Ownership::of(body)?;
    // The failing line an error edge hands its target is no local to keep.
    let lines: BTreeSet<Local> = body.blocks.iter().filter_map(|b| b.takes_line).collect();
    let owned_objects: crate::mir::IndexVec<Local, bool> = {
        let mut v = crate::mir::IndexVec::from_elem(false, body.locals.len());
        for l in body.locals.indices() {
            v[l] = body.ty(l) == LocalTy::Object && (own.owned[l] || user.contains(&l));
        }
        v
    };
    let owned_object = |l: Local| owned_objects[l];
    let live = live_in(body, &own);

    // The yields, by state.
    let mut yields = vec![];
    let mut closes = vec![];
    for b in body.blocks.indices() {
        let block = &body.blocks[b];
        if let Some(Op { kind: OpKind::Yield { value, state }, .. }) = block.ops.last() {
            let Some(Terminator::Goto(resume)) = block.term else {
                return Err(format!("{b}: a yield not followed by its resume block"));
            };
            let keep: Vec<Local> = live[resume].iter().copied().filter(|l| ![gen, sent, limit].contains(l) && !lines.contains(l)).collect();
            if let Some(l) = keep.iter().find(|l| body.ty(**l) == LocalTy::PyBuffer) {
                return Err(format!("{l}, a buffer, is live across a yield"));
            }
            // The `Sent` op where it resumes fails to a `try`'s landing.
            let in_try = body.blocks[resume].ops.iter().find(|o| matches!(o.kind, OpKind::Sent { .. })).and_then(|o| o.handler).is_some_and(|h| body.blocks[h].catches);
            if in_try {
                closes.push(*state);
            }
            yields.push((b, *value, *state, resume, keep));
        }
    }

    // The slots: object slots first, then the raw ones.
    let mut kept: BTreeSet<Local> = user.iter().copied().collect();
    for (.., keep) in &yields {
        kept.extend(keep.iter().copied());
    }
    let mut offset: HashMap<Local, i32> = HashMap::new();
    let big: BTreeSet<Local> = kept.iter().copied().filter(|&l| matches!(body.ty(l), LocalTy::F64x2 | LocalTy::Scalar(Ty::Complex))).collect();
    let mut at = GEN_FRAME;
    for &l in kept.iter().filter(|l| owned_object(**l)) {
        offset.insert(l, at);
        at += 8;
    }
    let object_words = ((at - GEN_FRAME) / 8) as u32;
    for &l in kept.iter().filter(|l| !owned_object(**l)) {
        offset.insert(l, at);
        at += if big.contains(&l) { 16 } else { 8 };
    }
    let words = ((at - GEN_FRAME) / 8) as u32;
    let load = |l: Local| {
        let owned = owned_object(l);
        let owner = if owned { None } else { own.owner[l] };
        Op::new(vec![l], OpKind::FrameLoad { gen, offset: offset[&l], owned, owner })
    };

    // Every return (not a yield's) finishes the generator.
    for block in body.blocks.iter_mut() {
        if matches!(block.term, Some(Terminator::Return(_))) {
            let line = block.line;
            let mut op = Op::new(vec![], OpKind::SetGenState { gen, state: -1 });
            op.line = line;
            block.ops.push(op);
        }
    }
    for (b, value, state, resume, keep) in &yields {
        let block = &mut body.blocks[*b];
        let line = block.ops.last().map_or(0, |o| o.line);
        block.ops.pop();
        for &l in keep {
            let mut op = Op::new(vec![], OpKind::FrameStore { gen, offset: offset[&l], value: l, object: owned_object(l) });
            op.line = line;
            block.ops.push(op);
        }
        let mut op = Op::new(vec![], OpKind::SetGenState { gen, state: *state as i32 });
        op.line = line;
        block.ops.push(op);
        block.term = Some(Terminator::Return(*value));
        let loads: Vec<Op> = keep.iter().map(|&l| load(l)).collect();
        body.blocks[*resume].ops.splice(0..0, loads);
    }

    // The start moves out of the entry, which becomes the dispatch.
    let entry = std::mem::replace(&mut body.blocks[Body::ENTRY], BasicBlock::new(vec![], None, false));
    let start = body.blocks.push(entry);
    for block in body.blocks.iter_mut() {
        if let Some(t) = block.term.as_mut() {
            for s in t.successors_mut() {
                if *s == Body::ENTRY {
                    *s = start;
                }
            }
        }
        if block.resumes_after == Some(Body::ENTRY) {
            block.resumes_after = Some(start);
        }
        for op in &mut block.ops {
            if op.handler == Some(Body::ENTRY) {
                op.handler = Some(start);
            }
        }
    }
    let loads: Vec<Op> = user.iter().map(|&l| load(l)).collect();
    body.blocks[start].ops.splice(0..0, loads);
    let state = body.locals.push(crate::mir::LocalDecl { ty: LocalTy::Scalar(Ty::Int(STATE)), name: Some("state".into()) });
    let mut targets = vec![(0i64, start)];
    targets.extend(yields.iter().map(|(_, _, state, resume, _)| (i64::from(*state), *resume)));
    let mut ops = vec![Op::new(vec![state], OpKind::GenState { gen })];
    let mut at_block = Body::ENTRY;
    for (k, &(s, target)) in targets.iter().enumerate() {
        if k + 1 == targets.len() {
            body.blocks[at_block].ops.append(&mut ops);
            body.blocks[at_block].term = Some(Terminator::Goto(target));
            break;
        }
        let cond = body.locals.push(crate::mir::LocalDecl { ty: LocalTy::Scalar(Ty::Bool), name: None });
        ops.push(Op::new(vec![cond], OpKind::EqConst { value: state, imm: s }));
        let next = body.blocks.push(BasicBlock::new(vec![], None, false));
        body.blocks[at_block].ops.append(&mut ops);
        body.blocks[at_block].term = Some(Terminator::Branch { cond, then: target, otherwise: next });
        at_block = next;
    }
    body.params = vec![gen, sent, limit];
    // A kept local is a variable of its own in code generation (defined
    // again where the body resumes).
    for &l in &kept {
        if body.locals[l].name.is_none() {
            body.locals[l].name = Some(format!("kept {l}"));
        }
    }
    let params = user.iter().map(|&l| (offset[&l], owned_object(l))).collect();
    let closes = match yields.iter().map(|y| y.2).max() {
        Some(last) if !closes.is_empty() => (0..=last).map(|s| closes.contains(&s)).collect(),
        _ => vec![],
    };
    Ok(Layout { words, object_words, params, closes })
}

/// Every local live on entry to each block (C values too), with what the
/// borrowed ones are borrowed from.
fn live_in(body: &Body, own: &Ownership) -> crate::mir::IndexVec<BlockId, BTreeSet<Local>> {
    let mut live: crate::mir::IndexVec<BlockId, BTreeSet<Local>> = crate::mir::IndexVec::from_elem(BTreeSet::new(), body.blocks.len());
    let uses = |ls: Vec<Local>| -> Vec<Local> { ls.into_iter().flat_map(|u| own.keep_alive(u)).collect() };
    loop {
        let mut changed = false;
        for b in body.blocks.indices().collect::<Vec<_>>().into_iter().rev() {
            let block = &body.blocks[b];
            let term = block.term.as_ref();
            let mut set: BTreeSet<Local> = term.map(|t| t.successors()).unwrap_or_default().iter().flat_map(|s| live[*s].iter().copied()).collect();
            set.extend(uses(term.map(|t| t.uses()).unwrap_or_default()));
            if let Some(p) = block.passed {
                set.insert(p);
            }
            for op in block.ops.iter().rev() {
                for d in &op.dests {
                    set.remove(d);
                }
                set.extend(uses(op.uses()));
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
