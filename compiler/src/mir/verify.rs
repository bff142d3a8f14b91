//! The MIR verifier: operand types, every block terminated and branching to
//! blocks that exist, no local read before it is defined on every path to
//! the read; after the exception-edge pass every fallible op ends its block;
//! after the refcount pass no reference or buffer is leaked, released twice
//! or used after its release (or its owner's) on any path.

use super::pass::refcount::Ownership;
use super::primitives::CTy;
use super::{cfg, BlockId, Body, ErrorKind, IndexVec, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::Ty;
use fixedbitset::FixedBitSet;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Built,
    Assigned,
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
            if stage >= Stage::Assigned && matches!(op.kind, OpKind::ReadVar { .. }) {
                return Err(format!("{b}, op {i} reads a variable that definite assignment did not resolve"));
            }
            let last = i + 1 == block.ops.len();
            if stage >= Stage::Edges && op.error_kind() != ErrorKind::Never && !(last && matches!(term, Terminator::Try { .. })) {
                return Err(format!("{b}, op {i} can fail but has no error edge"));
            }
        }
        match term {
            Terminator::Try { .. } if block.ops.last().is_none_or(|op| op.error_kind() == ErrorKind::Never) => {
                return Err(format!("{b} has an error edge but its last op cannot fail"));
            }
            Terminator::ReturnNone if !matches!(body.returns, Returns::Flag | Returns::C(Ty::Void, _)) => return Err(format!("{b} returns None from a body returning a value")),
            Terminator::Branch { cond, .. } => want(body, *cond, |t| t == LocalTy::Scalar(Ty::Bool), "a bint condition")?,
            Terminator::Return(v) => {
                let returns = match body.returns {
                    Returns::Object => LocalTy::Object,
                    Returns::ScalarAndFlag(t) | Returns::C(t, _) if t != Ty::Void => LocalTy::Scalar(t),
                    _ => return Err(format!("{b} returns a value from a body returning None")),
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
        CallBinder { args, nargs, kwnames, bound, .. } => {
            dests(1)?;
            bound.map_or(Ok(()), obj)?;
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
        CallNative { args, limit, .. } => {
            ptr(*limit)?;
            // Objects are passed borrowed, and an object result is a new reference.
            args.iter().try_for_each(|a| want(body, *a, |t| matches!(t, LocalTy::Scalar(_) | LocalTy::Ptr | LocalTy::Object), "a native argument"))?;
            op.dests.iter().try_for_each(|d| want(body, *d, |t| matches!(t, LocalTy::Scalar(_) | LocalTy::Object), "a native result"))
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
        ComplexPart { value, .. } => {
            dests(1)?;
            want(body, *value, |t| t == LocalTy::Scalar(Ty::Complex), "a C double complex")?;
            dest_is(0, &|t| t == LocalTy::Scalar(crate::types::F64), "a double")
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
        IncRef { obj: o } | DecRef { obj: o, .. } | CheckAssigned { var: o, .. } => {
            dests(0)?;
            obj(*o)
        }
        Unassigned => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object variable")
        }
        ReadVar { var } => {
            dests(1)?;
            let t = body.locals.get(*var).ok_or_else(|| format!("{var} is not a local"))?.ty;
            dest_is(0, &|d| d == t, "the variable's type")
        }
        Assign { src: o } | Borrow { var: o } => {
            dests(1)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        EmptyBuffer => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::PyBuffer, "a Py_buffer")
        }
        ReleaseBuffer { buf } | HoldBuffer { buf } => {
            dests(0)?;
            want(body, *buf, |t| t == LocalTy::PyBuffer, "a Py_buffer")
        }
        LeaveCompiledCode | WriteUnraisable { .. } => dests(0),
        LoadConst(_) | LoadGlobal { .. } | NewInstance { .. } | DefiningClass(_) | ModuleDict => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        CellGet { cell, .. } => {
            dests(1)?;
            obj(*cell)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        IterNext { iter } => {
            dests(2)?;
            obj(*iter)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            dest_is(1, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        IsExactDict { obj: o } | IsExactFloat { obj: o } | IsExactInt { obj: o } | IsExactComplex { obj: o } | IsExactTuple { obj: o } | IsExactList { obj: o } | IsExactStr { obj: o } | IsClassInstance { obj: o, .. } => {
            dests(1)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        DictItem { dict, key } => {
            dests(2)?;
            obj(*dict)?;
            obj(*key)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            dest_is(1, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        SmallInt { obj: o } | StrLen { obj: o } => {
            dests(2)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Int(crate::mir::body::SSIZE)), "a Py_ssize_t")?;
            dest_is(1, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        IterStart { obj: o } => {
            dests(1)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        SeqLen { seq } => {
            dests(1)?;
            obj(*seq)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Int(crate::mir::body::SSIZE)), "a Py_ssize_t")
        }
        SeqItem { seq, index, .. } => {
            dests(1)?;
            obj(*seq)?;
            want(body, *index, |t| t == LocalTy::Scalar(Ty::Int(crate::mir::body::SSIZE)), "a Py_ssize_t")?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        SmallIntArith { a, b, .. } => {
            dests(1)?;
            let ssize = |t| t == LocalTy::Scalar(Ty::Int(crate::mir::body::SSIZE));
            want(body, *a, ssize, "a Py_ssize_t")?;
            want(body, *b, ssize, "a Py_ssize_t")?;
            dest_is(0, &ssize, "a Py_ssize_t")
        }
        ItemInPlace { obj: o, index } => {
            dests(2)?;
            obj(*o)?;
            want(body, *index, |t| t == LocalTy::Scalar(Ty::Int(crate::mir::body::SSIZE)), "a Py_ssize_t")?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            dest_is(1, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        JoinStr { parts } => {
            dests(1)?;
            parts.iter().try_for_each(|a| obj(*a))?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        CallObject { func: first, args, kwnames, .. } | CallMethod { name: first, args, kwnames, .. } => {
            dests(1)?;
            obj(*first)?;
            kwnames.map_or(Ok(()), obj)?;
            args.iter().try_for_each(|a| obj(*a))?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        LoadMethod { obj: o, name } | LoadSpecial { obj: o, name, .. } => {
            dests(2)?;
            obj(*o)?;
            obj(*name)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            dest_is(1, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        CallLoadedMethod { method, unbound, args, kwnames, .. } => {
            dests(1)?;
            obj(*method)?;
            want(body, *unbound, |t| t == LocalTy::Scalar(Ty::Bool), "a bint")?;
            kwnames.map_or(Ok(()), obj)?;
            if args.is_empty() {
                return Err("a method call without its receiver".into());
            }
            args.iter().try_for_each(|a| obj(*a))?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        Yield { value, .. } => {
            dests(0)?;
            obj(*value)
        }
        Sent { sent } => {
            dests(1)?;
            obj(*sent)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        GenState { gen } => {
            dests(1)?;
            obj(*gen)?;
            dest_is(0, &|t| matches!(t, LocalTy::Scalar(Ty::Int(i)) if i.bits == 32), "an i32")
        }
        SetGenState { gen, .. } => {
            dests(0)?;
            obj(*gen)
        }
        FrameLoad { gen, owned, .. } => {
            dests(1)?;
            obj(*gen)?;
            if *owned {
                dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            }
            dest_is(0, &|t| t != LocalTy::PyBuffer, "no buffer")
        }
        FrameStore { gen, value, object, .. } => {
            dests(0)?;
            obj(*gen)?;
            if *object {
                obj(*value)?;
            }
            want(body, *value, |t| t != LocalTy::PyBuffer, "no buffer")
        }
        NewGenerator { .. } => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        LoadField { obj: o, .. } | PeekField { obj: o, .. } => {
            dests(1)?;
            obj(*o)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        StoreField { obj: o, value, raw: false, .. } => {
            dests(0)?;
            obj(*o)?;
            obj(*value)
        }
        StoreField { obj: o, value, raw: true, .. } => {
            dests(0)?;
            want(body, *o, |t| matches!(t, LocalTy::Scalar(Ty::Ptr(_)) | LocalTy::Ptr), "an address")?;
            obj(*value)
        }
        StoreItemInPlace { obj: o, value, .. } => {
            dests(1)?;
            obj(*o)?;
            obj(*value)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        RaiseObject { exc, cause } => {
            dests(0)?;
            obj(*exc)?;
            cause.map_or(Ok(()), obj)
        }
        Reraise => dests(0),
        IsHandling => {
            dests(1)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        ResumeHandled { exc, sent } => {
            dests(1)?;
            obj(*exc)?;
            obj(*sent)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")
        }
        CatchException => {
            dests(2)?;
            dest_is(0, &|t| t == LocalTy::Object, "an object")?;
            dest_is(1, &|t| t == LocalTy::Object, "an object")
        }
        SetHandled { saved: o } | RestoreError { exc: o } => {
            dests(0)?;
            obj(*o)
        }
        ExceptionMatches { exc, types } => {
            dests(1)?;
            obj(*exc)?;
            obj(*types)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        SameObject { a, b } => {
            dests(1)?;
            obj(*a)?;
            obj(*b)?;
            dest_is(0, &|t| t == LocalTy::Scalar(Ty::Bool), "a bint")
        }
        Body(b) => {
            if op.dests.len() > b.results() {
                return Err(format!("{} results, at most {} expected", op.dests.len(), b.results()));
            }
            // A native call's arguments and result may be objects, and an
            // extension type instance is addressed through its object.
            let objects = matches!(b, super::body::BodyOp::Call { .. } | super::body::BodyOp::ObjectData { .. });
            b.uses().into_iter().chain(op.dests.iter().copied()).try_for_each(|l| {
                want(body, l, |t| matches!(t, LocalTy::Scalar(_) | LocalTy::Ptr | LocalTy::F64x2) || (objects && t == LocalTy::Object), "a scalar")
            })
        }
    }
}

/// Where a local gets its value: a block and the op index in it (`None`:
/// on entry to the block, as parameters and a block's failing line do).
#[derive(Clone, Copy)]
struct Def {
    block: BlockId,
    at: Option<usize>,
}

/// A read needs a definition on every path to it. A local defined once is
/// checked by dominance (its definition's block dominates the read's); only
/// locals assigned in several places (variables, values joining paths) go
/// through a forward must-analysis over sets of them, so checking stays
/// linear in a long chain of single-use temporaries. The dests of an op
/// that failed are not defined on its error edge: defined by an op that
/// ends a block on an error edge, a local counts as defined on entry to
/// the success block (if that block has no other predecessor).
fn definitions(body: &Body) -> Result<(), String> {
    let n = body.locals.len();
    let preds = cfg::predecessors(body);
    let order = cfg::reverse_postorder(body);
    let dom = cfg::Dominators::of(body, &preds);
    let mut defs: IndexVec<Local, Vec<Def>> = IndexVec::from_elem(vec![], n);
    for p in &body.params {
        defs[*p].push(Def { block: Body::ENTRY, at: None });
    }
    for (b, block) in body.blocks.iter_enumerated() {
        if let Some(l) = block.takes_line {
            if let Some(d) = defs.get(l).map(|_| Def { block: b, at: None }) {
                defs[l].push(d);
            }
        }
        for (i, op) in block.ops.iter().enumerate() {
            let ends_on_edge = i + 1 == block.ops.len() && matches!(block.term, Some(Terminator::Try { .. }));
            for d in &op.dests {
                let def = match block.term {
                    Some(Terminator::Try { ok, err }) if ends_on_edge && ok != err && preds[ok].len() == 1 => Def { block: ok, at: None },
                    _ if ends_on_edge => Def { block: b, at: Some(usize::MAX) },
                    _ => Def { block: b, at: Some(i) },
                };
                if let Some(ds) = defs.get(*d).map(|_| def) {
                    defs[*d].push(ds);
                }
            }
        }
    }
    // Locals the must-analysis tracks, numbered densely.
    let mut tracked: IndexVec<Local, Option<usize>> = IndexVec::from_elem(None, n);
    let mut count = 0;
    for (l, ds) in defs.iter_enumerated() {
        if ds.len() > 1 || ds.first().is_some_and(|d| d.at == Some(usize::MAX)) {
            tracked[l] = Some(count);
            count += 1;
        }
    }
    let defined_in = if count > 0 {
        let gen = |set: &mut FixedBitSet, op: &Op| op.dests.iter().for_each(|d| add(set, tracked[*d]));
        let takes_line = |set: &mut FixedBitSet, b: BlockId| add(set, body.blocks[b].takes_line.and_then(|l| tracked.get(l).copied().flatten()));
        cfg::must_hold(body, &tracked, count, gen, takes_line)
    } else {
        IndexVec::from_elem(None, body.blocks.len())
    };
    // A once-defined local read at op `i` of `b` (the terminator: `ops.len()`).
    let dominated = |u: Local, b: BlockId, i: usize| -> bool {
        defs[u].first().is_some_and(|d| if d.block == b { d.at.is_none_or(|at| at < i) } else { dom.dominates(d.block, b) })
    };
    for &b in &order {
        let mut set = defined_in[b].clone();
        let block = &body.blocks[b];
        let defined = |set: &Option<FixedBitSet>, u: Local, i: usize| match tracked.get(u) {
            None => false,
            Some(Some(k)) => set.as_ref().is_some_and(|s| s.contains(*k)),
            Some(None) => dominated(u, b, i),
        };
        for (i, op) in block.ops.iter().enumerate() {
            if let Some(u) = op.uses().into_iter().find(|u| !defined(&set, *u, i)) {
                return Err(format!("{b}, op {i} reads {u} before it is defined on every path"));
            }
            if let Some(s) = set.as_mut() {
                for d in &op.dests {
                    add(s, tracked[*d]);
                }
            }
        }
        let end = block.ops.len();
        if let Some(u) = block.term.as_ref().map(|t| t.uses()).unwrap_or_default().into_iter().find(|u| !defined(&set, *u, end)) {
            return Err(format!("{b}'s terminator reads {u} before it is defined on every path"));
        }
    }
    Ok(())
}

/// Adds a tracked local's number to a set (an untracked local: no change).
fn add(set: &mut FixedBitSet, k: Option<usize>) {
    if let Some(k) = k {
        set.insert(k);
    }
}

/// What a path holds of an owned local: a number of references, or, for an
/// object variable that one path assigned and another did not, one
/// reference or NULL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Held {
    Refs(i64),
    OneOrNull,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::Refs(n) => write!(f, "{n}"),
            Held::OneOrNull => write!(f, "1 or NULL"),
        }
    }
}

type Holds = BTreeMap<Local, Held>;

/// References held per owned local (or counted borrowed one) on each path:
/// they must agree where paths join (an unassigned variable may meet an
/// assigned one: then it holds one or none, which only a check that it is
/// assigned or a NULL-tolerant release settles), and be zero wherever the
/// body returns.
fn references(body: &Body) -> Result<(), String> {
    let own = Ownership::of(body)?;
    let mut state: IndexVec<BlockId, Option<Holds>> = IndexVec::from_elem(None, body.blocks.len());
    state[Body::ENTRY] = Some(Holds::new());
    let mut work = vec![Body::ENTRY];
    let count = |c: &Holds, l: Local| c.get(&l).copied().unwrap_or(Held::Refs(0));
    let alive = |c: &Holds, l: Local| -> Result<(), String> {
        for x in own.keep_alive(l) {
            match count(c, x) {
                // A borrowed value given a reference of its own no longer
                // needs what it was borrowed from.
                Held::Refs(n) if n >= 1 && !own.owned[x] => return Ok(()),
                Held::Refs(0) if own.nullable[x] => return Err(format!("{x} is used where it may be unassigned")),
                Held::Refs(n) if own.owned[x] && n < 1 => {
                    return Err(if x == l { format!("{l} is used after its release") } else { format!("{l} is used after {x}, which it borrows from, was released") });
                }
                Held::OneOrNull => return Err(format!("{x} is used where it may be unassigned")),
                _ => {}
            }
        }
        Ok(())
    };
    let show = |c: &Holds| c.iter().map(|(l, h)| format!("{l}: {h}")).collect::<Vec<_>>().join(", ");
    let merge = |state: &mut IndexVec<BlockId, Option<Holds>>, work: &mut Vec<BlockId>, to: BlockId, c: Holds, from: BlockId| -> Result<(), String> {
        let c: Holds = c.into_iter().filter(|(_, h)| *h != Held::Refs(0)).collect();
        let Some(have) = &state[to] else {
            state[to] = Some(c);
            work.push(to);
            return Ok(());
        };
        if *have == c {
            return Ok(());
        }
        let mut joined = have.clone();
        for l in have.keys().chain(c.keys()).copied().collect::<BTreeSet<_>>() {
            let (a, b) = (count(have, l), count(&c, l));
            if a == b {
                continue;
            }
            let one_or_none = |h: Held| matches!(h, Held::Refs(0) | Held::Refs(1) | Held::OneOrNull);
            if !(own.nullable[l] && one_or_none(a) && one_or_none(b)) {
                return Err(format!(
                    "references held on entry to {to} differ between paths ({{{}}}, but {{{}}} from {from}): a leak or a double release",
                    show(have),
                    show(&c)
                ));
            }
            joined.insert(l, Held::OneOrNull);
        }
        if joined != *have {
            state[to] = Some(joined);
            work.push(to);
        }
        Ok(())
    };
    while let Some(b) = work.pop() {
        let Some(mut c) = state[b].clone() else { continue };
        let block = &body.blocks[b];
        let mut before_last = c.clone();
        for (i, op) in block.ops.iter().enumerate() {
            let consumed = op.consumes();
            // Testing a variable for NULL needs no reference held.
            // Nor does a generator's frame store, which takes NULL as it is.
            let tests_null = matches!(op.kind, OpKind::CheckAssigned { .. } | OpKind::FrameStore { object: true, .. });
            for u in op.uses().into_iter().filter(|u| !consumed.contains(u) && !tests_null) {
                alive(&c, u).map_err(|e| format!("{b}, op {i}: {e}"))?;
            }
            match &op.kind {
                OpKind::IncRef { obj } => match count(&c, *obj) {
                    Held::Refs(n) => {
                        c.insert(*obj, Held::Refs(n + 1));
                    }
                    Held::OneOrNull => return Err(format!("{b}, op {i}: {obj} gets a reference where it may be unassigned")),
                },
                OpKind::DecRef { obj, maybe_null: true } => {
                    if !own.nullable[*obj] {
                        return Err(format!("{b}, op {i}: {obj} is released as if it could be NULL, but it never is"));
                    }
                    match count(&c, *obj) {
                        Held::Refs(n) if n > 1 => return Err(format!("{b}, op {i}: {obj} holds {n} references where one or none is released")),
                        _ => {
                            c.insert(*obj, Held::Refs(0));
                        }
                    }
                }
                _ => {
                    for x in op.consumes() {
                        match count(&c, x) {
                            Held::Refs(n) if n >= 1 => {
                                c.insert(x, Held::Refs(n - 1));
                            }
                            Held::Refs(_) if !own.nullable[x] => return Err(format!("{b}, op {i}: {x} is released (or given away) without a reference held")),
                            Held::Refs(_) | Held::OneOrNull => return Err(format!("{b}, op {i}: {x} is released (or given away) where it may be unassigned")),
                        }
                    }
                }
            }
            before_last = c.clone();
            for d in &op.dests {
                if own.owned[*d] {
                    if count(&c, *d) != Held::Refs(0) {
                        return Err(format!("{b}, op {i}: {d} is overwritten while it holds a reference (leaked)"));
                    }
                    // A variable's unassigned NULL holds nothing.
                    let held = if matches!(op.kind, OpKind::Unassigned) { 0 } else { 1 };
                    c.insert(*d, Held::Refs(held));
                }
            }
        }
        let leaked = |c: &Holds| c.iter().find(|(_, h)| **h != Held::Refs(0)).map(|(l, h)| format!("{b}: {l} holds {h} reference(s) when the body returns"));
        match block.term.as_ref().ok_or_else(|| format!("{b} is not terminated"))? {
            Terminator::Return(v) if body.ty(*v) != LocalTy::Object => {
                if let Some(e) = leaked(&c) {
                    return Err(e);
                }
            }
            Terminator::Return(v) => {
                alive(&c, *v).map_err(|e| format!("{b}: {e}"))?;
                match count(&c, *v) {
                    Held::Refs(n) if n >= 1 => {
                        c.insert(*v, Held::Refs(n - 1));
                    }
                    _ => return Err(format!("{b} returns {v} without holding a reference to it")),
                }
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
                // Past a successful check, the variable is assigned.
                if let Some(OpKind::CheckAssigned { var, .. }) = block.ops.last().map(|op| &op.kind) {
                    c.insert(*var, Held::Refs(1));
                }
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
