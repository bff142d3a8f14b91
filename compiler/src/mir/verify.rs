//! The MIR verifier: operand types, every block terminated and branching to
//! blocks that exist, no local read before it is defined on every path to
//! the read; after the exception-edge pass every fallible op ends its block;
//! after the refcount pass no reference or buffer is leaked, released twice
//! or used after its release (or its owner's) on any path.

use super::pass::refcount::Ownership;
use super::primitives::CTy;
use super::{BlockId, Body, ErrorKind, Idx, IndexVec, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::Ty;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Built,
    Edges,
    Counted,
}

pub fn check(body: &Body, stage: Stage) -> Result<(), String> {
    let checked = structure(body, stage).and_then(|_| definitions(body));
    let checked = if stage == Stage::Counted { checked.and_then(|_| references(body)) } else { checked };
    checked.map_err(|e| format!("MIR of `{}` ({stage:?}): {e}", body.name))
}

fn structure(body: &Body, stage: Stage) -> Result<(), String> {
    if body.blocks.get(body.error_exit).is_none() {
        return Err("the error exit is not a block".into());
    }
    for (b, block) in body.blocks.iter_enumerated() {
        let term = block.term.as_ref().ok_or_else(|| format!("{b} is not terminated"))?;
        for s in term.successors() {
            if body.blocks.get(s).is_none() {
                return Err(format!("{b} branches to {s}, which does not exist"));
            }
        }
        for (i, op) in block.ops.iter().enumerate() {
            op_types(body, op).map_err(|e| format!("{b}, op {i}: {e}"))?;
            let last = i + 1 == block.ops.len();
            if stage >= Stage::Edges && op.error_kind() != ErrorKind::Never && !(last && matches!(term, Terminator::Try { .. })) {
                return Err(format!("{b}, op {i} can fail but has no error edge"));
            }
        }
        match term {
            Terminator::Try { .. } if block.ops.last().is_none_or(|op| op.error_kind() == ErrorKind::Never) => {
                return Err(format!("{b} has an error edge but its last op cannot fail"));
            }
            Terminator::ReturnNone if body.returns != Returns::Flag => return Err(format!("{b} returns None from a body returning a value")),
            Terminator::Branch { cond, .. } => want(body, *cond, |t| t == LocalTy::Scalar(Ty::Bool), "a bint condition")?,
            Terminator::Return(v) => {
                let returns = match body.returns {
                    Returns::Object => LocalTy::Object,
                    Returns::ScalarAndFlag(t) => LocalTy::Scalar(t),
                    Returns::Flag => return Err(format!("{b} returns a value from a body returning None")),
                };
                want(body, *v, |t| t == returns, "the type the body returns")?
            }
            _ => {}
        }
    }
    Ok(())
}

fn want(body: &Body, l: Local, ok: impl Fn(LocalTy) -> bool, what: &str) -> Result<(), String> {
    let t = body.locals.get(l).ok_or_else(|| format!("{l} is not a local"))?.ty;
    if ok(t) {
        Ok(())
    } else {
        Err(format!("{l} is {t:?}, not {what}"))
    }
}

fn prim_fits(c: CTy, t: LocalTy) -> bool {
    match c {
        CTy::Object => t == LocalTy::Object,
        CTy::Ptr => t == LocalTy::Ptr,
        CTy::I32 | CTy::I64 => matches!(t, LocalTy::Scalar(Ty::Int(_))),
        CTy::F64 => t == LocalTy::Scalar(Ty::Float(64)),
    }
}

fn op_types(body: &Body, op: &Op) -> Result<(), String> {
    use OpKind::*;
    let obj = |l: Local| want(body, l, |t| t == LocalTy::Object, "an object");
    let ptr = |l: Local| want(body, l, |t| t == LocalTy::Ptr, "a pointer-sized value");
    let scalar = |l: Local| want(body, l, |t| matches!(t, LocalTy::Scalar(_)), "a scalar");
    let dests = |n: usize| if op.dests.len() == n { Ok(()) } else { Err(format!("{} results, {n} expected", op.dests.len())) };
    let dest_is = |k: usize, ok: &dyn Fn(LocalTy) -> bool, what: &str| want(body, op.dests[k], ok, what);
    match &op.kind {
        ArgItem { argv, .. } => {
            dests(1)?;
            ptr(*argv)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        TupleItems { tuple } => {
            dests(1)?;
            obj(*tuple)?;
            dest_is(0, &|t| t == LocalTy::Ptr, "a pointer")
        }
        CallBinder { args, nargs, kwnames, .. } => {
            dests(1)?;
            ptr(*args)?;
            ptr(*nargs)?;
            obj(*kwnames)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        CallBinderPath { args } => {
            dests(1)?;
            args.first().map_or(Ok(()), |m| obj(*m))
        }
        CallHelper { args, .. } => {
            dests(1)?;
            args.iter().try_for_each(|a| obj(*a))?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        Unbox { obj: o, ty } => {
            dests(1)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Scalar(*ty), "the unboxed type")
        }
        AcquireBuffer { obj: o, view, .. } => {
            obj(*o)?;
            dests(2 + 2 * view.ndim as usize)?;
            dest_is(0, &|t| t == LocalTy::PyBuffer, "a Py_buffer")?;
            op.dests[1..].iter().try_for_each(|d| ptr(*d))
        }
        StackLimit { .. } => {
            dests(1)?;
            ptr(op.dests[0])
        }
        CallNative { args, limit, .. } | InlineBody { args, limit, .. } => {
            ptr(*limit)?;
            args.iter().try_for_each(|a| want(body, *a, |t| matches!(t, LocalTy::Scalar(_) | LocalTy::Ptr), "a native argument"))?;
            op.dests.iter().try_for_each(|d| scalar(*d))
        }
        CallC { prim, args } => {
            if args.len() != prim.args.len() {
                return Err(format!("{} takes {} arguments, given {}", prim.name, prim.args.len(), args.len()));
            }
            for (a, c) in args.iter().zip(prim.args) {
                want(body, *a, |t| prim_fits(*c, t), &format!("a {c:?} argument of {}", prim.name))?;
            }
            match prim.ret {
                Some(c) => {
                    dests(1)?;
                    dest_is(0, &|t| prim_fits(c, t), "the primitive's result type")
                }
                None => dests(0),
            }
        }
        Widen { value, to } => {
            dests(1)?;
            scalar(*value)?;
            dest_is(0, &|t| t == LocalTy::Scalar(*to), "the widened type")
        }
        NoneRef => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        BoxBool { value } => {
            dests(1)?;
            want(body, *value, |t| t == LocalTy::Scalar(Ty::Bool), "a bint")?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        IsNull { value } | EqConst { value, .. } => {
            dests(1)?;
            want(body, *value, |t| matches!(t, LocalTy::Ptr | LocalTy::Object | LocalTy::Scalar(Ty::Int(_))), "an integer or pointer")?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        IncRef { obj: o } | DecRef { obj: o } => {
            dests(0)?;
            obj(*o)
        }
        ReleaseBuffer { buf } => {
            dests(0)?;
            want(body, *buf, |t| t == LocalTy::PyBuffer, "a Py_buffer")
        }
        LeaveCompiledCode => dests(0),
        Body(b) => {
            if op.dests.len() > 1 {
                return Err(format!("{} results, at most 1 expected", op.dests.len()));
            }
            b.uses().into_iter().chain(op.dests.iter().copied()).try_for_each(|l| want(body, l, |t| matches!(t, LocalTy::Scalar(_) | LocalTy::Ptr), "a scalar"))
        }
    }
}

/// Blocks reachable from the entry, each after its predecessors except
/// along back edges: a forward analysis visiting them in this order settles
/// in as many rounds as loops nest, however the blocks are numbered.
fn reverse_postorder(body: &Body) -> Vec<BlockId> {
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
        for s in body.blocks[b].term.as_ref().map(|t| t.successors()).unwrap_or_default() {
            if !seen[s] {
                stack.push((s, false));
            }
        }
    }
    post.reverse();
    post
}

fn predecessors(body: &Body) -> IndexVec<BlockId, Vec<BlockId>> {
    let mut preds = IndexVec::from_elem(vec![], body.blocks.len());
    for (b, block) in body.blocks.iter_enumerated() {
        for s in block.term.as_ref().map(|t| t.successors()).unwrap_or_default() {
            preds[s].push(b);
        }
    }
    preds
}

/// Forward must-analysis: a read needs a definition on every path to it.
/// The dests of an op that failed are not defined on its error edge.
fn definitions(body: &Body) -> Result<(), String> {
    let n = body.locals.len();
    let mut out: IndexVec<BlockId, Option<Bits>> = IndexVec::from_elem(None, body.blocks.len());
    let preds = predecessors(body);
    let mut entry_in = Bits::new(n);
    for p in &body.params {
        entry_in.insert(*p);
    }
    let defined_in = |b: BlockId, out: &IndexVec<BlockId, Option<Bits>>| -> Option<Bits> {
        if b == Body::ENTRY {
            return Some(entry_in.clone());
        }
        let mut acc: Option<Bits> = None;
        for &p in &preds[b] {
            let Some(mut set) = out[p].clone() else { continue };
            let pb = &body.blocks[p];
            if matches!(pb.term, Some(Terminator::Try { err, ok }) if err == b && ok != b) {
                for d in pb.ops.last().map(|op| op.dests.as_slice()).unwrap_or_default() {
                    set.remove(*d);
                }
            }
            match acc.as_mut() {
                None => acc = Some(set),
                Some(a) => a.intersect(&set),
            }
        }
        acc.map(|mut set| {
            if let Some(l) = body.blocks[b].takes_line {
                set.insert(l);
            }
            set
        })
    };
    let order = reverse_postorder(body);
    loop {
        let mut changed = false;
        for &b in &order {
            let Some(mut set) = defined_in(b, &out) else { continue };
            for op in &body.blocks[b].ops {
                for d in &op.dests {
                    set.insert(*d);
                }
            }
            if out[b].as_ref() != Some(&set) {
                out[b] = Some(set);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for b in body.blocks.indices() {
        let Some(mut set) = defined_in(b, &out) else { continue };
        let block = &body.blocks[b];
        for (i, op) in block.ops.iter().enumerate() {
            if let Some(u) = op.uses().into_iter().find(|u| u.index() >= n || !set.contains(*u)) {
                return Err(format!("{b}, op {i} reads {u} before it is defined on every path"));
            }
            for d in &op.dests {
                set.insert(*d);
            }
        }
        if let Some(u) = block.term.as_ref().map(|t| t.uses()).unwrap_or_default().into_iter().find(|u| u.index() >= n || !set.contains(*u)) {
            return Err(format!("{b}'s terminator reads {u} before it is defined on every path"));
        }
    }
    Ok(())
}

/// A set of locals as bits: the definitions analysis holds one per block,
/// so big bodies (thousands of blocks and locals) stay cheap to check.
#[derive(Clone, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn insert(&mut self, l: Local) {
        if let Some(w) = self.0.get_mut(l.index() / 64) {
            *w |= 1 << (l.index() % 64);
        }
    }

    fn remove(&mut self, l: Local) {
        if let Some(w) = self.0.get_mut(l.index() / 64) {
            *w &= !(1 << (l.index() % 64));
        }
    }

    fn contains(&self, l: Local) -> bool {
        self.0.get(l.index() / 64).is_some_and(|w| w & (1 << (l.index() % 64)) != 0)
    }

    fn intersect(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }
}

/// References held per owned local (or counted borrowed one) on each path:
/// they must agree where paths join, and be zero wherever the body returns.
fn references(body: &Body) -> Result<(), String> {
    type Counts = BTreeMap<Local, i64>;
    let own = Ownership::of(body)?;
    let mut state: IndexVec<BlockId, Option<Counts>> = IndexVec::from_elem(None, body.blocks.len());
    state[Body::ENTRY] = Some(Counts::new());
    let mut work = vec![Body::ENTRY];
    let count = |c: &Counts, l: Local| c.get(&l).copied().unwrap_or(0);
    let alive = |c: &Counts, l: Local| -> Result<(), String> {
        for x in own.keep_alive(l) {
            if own.owned[x] && count(c, x) < 1 {
                return Err(if x == l { format!("{l} is used after its release") } else { format!("{l} is used after {x}, which it borrows from, was released") });
            }
        }
        Ok(())
    };
    let merge = |state: &mut IndexVec<BlockId, Option<Counts>>, work: &mut Vec<BlockId>, to: BlockId, c: Counts, from: BlockId| -> Result<(), String> {
        let c: Counts = c.into_iter().filter(|(_, n)| *n != 0).collect();
        match &state[to] {
            None => {
                state[to] = Some(c);
                work.push(to);
                Ok(())
            }
            Some(have) if *have == c => Ok(()),
            Some(have) => {
                let show = |c: &Counts| c.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", ");
                Err(format!("references held on entry to {to} differ between paths ({{{}}}, but {{{}}} from {from}): a leak or a double release", show(have), show(&c)))
            }
        }
    };
    while let Some(b) = work.pop() {
        let Some(mut c) = state[b].clone() else { continue };
        let block = &body.blocks[b];
        let mut before_last = c.clone();
        for (i, op) in block.ops.iter().enumerate() {
            let consumed = op.consumes();
            for u in op.uses().into_iter().filter(|u| !consumed.contains(u)) {
                alive(&c, u).map_err(|e| format!("{b}, op {i}: {e}"))?;
            }
            match &op.kind {
                OpKind::IncRef { obj } => *c.entry(*obj).or_default() += 1,
                _ => {
                    for x in op.consumes() {
                        let n = c.entry(x).or_default();
                        if *n < 1 {
                            return Err(format!("{b}, op {i}: {x} is released (or given away) without a reference held"));
                        }
                        *n -= 1;
                    }
                }
            }
            before_last = c.clone();
            for d in &op.dests {
                if own.owned[*d] {
                    if count(&c, *d) != 0 {
                        return Err(format!("{b}, op {i}: {d} is overwritten while it holds a reference (leaked)"));
                    }
                    c.insert(*d, 1);
                }
            }
        }
        let leaked = |c: &Counts| c.iter().find(|(_, n)| **n != 0).map(|(l, n)| format!("{b}: {l} holds {n} reference(s) when the body returns"));
        match block.term.as_ref().ok_or_else(|| format!("{b} is not terminated"))? {
            Terminator::Return(v) if body.ty(*v) != LocalTy::Object => {
                if let Some(e) = leaked(&c) {
                    return Err(e);
                }
            }
            Terminator::Return(v) => {
                alive(&c, *v).map_err(|e| format!("{b}: {e}"))?;
                let n = c.entry(*v).or_default();
                if *n < 1 {
                    return Err(format!("{b} returns {v} without holding a reference to it"));
                }
                *n -= 1;
                if let Some(e) = leaked(&c) {
                    return Err(e);
                }
            }
            Terminator::ReturnError | Terminator::ReturnNone => {
                if let Some(e) = leaked(&c) {
                    return Err(e);
                }
            }
            Terminator::Try { ok, err } => {
                merge(&mut state, &mut work, *ok, c, b)?;
                merge(&mut state, &mut work, *err, before_last, b)?;
            }
            t => {
                for u in t.uses() {
                    alive(&c, u).map_err(|e| format!("{b}: {e}"))?;
                }
                for s in t.successors() {
                    merge(&mut state, &mut work, s, c.clone(), b)?;
                }
            }
        }
    }
    Ok(())
}
