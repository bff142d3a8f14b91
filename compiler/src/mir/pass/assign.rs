//! Definite assignment: where some path to a read of a variable never
//! assigned it, the read is checked and raises UnboundLocalError as CPython
//! does: an object variable is NULL until assigned, a scalar one gets a
//! bound flag, set at each assignment. Every other read becomes a plain
//! read (an object's borrowed from its variable). Builders write `ReadVar`
//! for each read of a variable and `Unassigned` for its value on entry, and
//! know nothing of flags.

use super::super::body::BodyOp;
use super::super::{cfg, BlockId, Body, IndexVec, Local, LocalDecl, LocalTy, Op, OpKind, Terminator};
use crate::hir::Const;
use crate::types::Ty;
use fixedbitset::FixedBitSet;

fn read_var(op: &Op) -> Option<Local> {
    match op.kind {
        OpKind::ReadVar { var } => Some(var),
        _ => None,
    }
}

fn is_unassigned(op: &Op) -> bool {
    matches!(op.kind, OpKind::Unassigned)
}

pub fn run(body: &mut Body) -> Result<(), String> {
    // The variables, numbered densely in the order of their locals.
    let mut number: IndexVec<Local, Option<usize>> = IndexVec::from_elem(None, body.locals.len());
    for op in body.blocks.iter().flat_map(|b| &b.ops) {
        if let Some(v) = read_var(op) {
            let slot = number.get(v).map(|_| v).ok_or_else(|| format!("`{}` reads {v}, which is not a local", body.name))?;
            number[slot] = Some(0);
        }
    }
    let vars: Vec<Local> = number.indices().filter(|l| number[*l].is_some()).collect();
    if vars.is_empty() {
        return Ok(());
    }
    for (k, v) in vars.iter().enumerate() {
        number[*v] = Some(k);
    }
    // Past a read, the variable is assigned: had it not been, the read's
    // check would have raised.
    let assign = |set: &mut FixedBitSet, op: &Op| {
        if let Some(k) = read_var(op).and_then(|v| number[v]) {
            set.insert(k);
        }
        if !is_unassigned(op) {
            for d in &op.dests {
                if let Some(Some(k)) = number.get(*d) {
                    set.insert(*k);
                }
            }
        }
    };
    // Forward must-analysis: the variables assigned on every path to each
    // block's end (an op that failed assigned nothing on its error edge).
    let preds = cfg::predecessors(body);
    let order = cfg::reverse_postorder(body);
    let mut on_entry = FixedBitSet::with_capacity(vars.len());
    for p in &body.params {
        if let Some(Some(k)) = number.get(*p) {
            on_entry.insert(*k);
        }
    }
    let mut out: IndexVec<BlockId, Option<FixedBitSet>> = IndexVec::from_elem(None, body.blocks.len());
    let assigned_in = |b: BlockId, out: &IndexVec<BlockId, Option<FixedBitSet>>| -> Option<FixedBitSet> {
        if b == Body::ENTRY {
            return Some(on_entry.clone());
        }
        let mut acc: Option<FixedBitSet> = None;
        for &p in &preds[b] {
            let Some(mut set) = out[p].clone() else { continue };
            let pb = &body.blocks[p];
            if matches!(pb.term, Some(Terminator::Try { err, ok }) if err == b && ok != b) {
                for d in pb.ops.last().map(|op| op.dests.as_slice()).unwrap_or_default() {
                    if let Some(Some(k)) = number.get(*d) {
                        set.remove(*k);
                    }
                }
            }
            match acc.as_mut() {
                None => acc = Some(set),
                Some(a) => a.intersect_with(&set),
            }
        }
        acc
    };
    loop {
        let mut changed = false;
        for &b in &order {
            let Some(mut set) = assigned_in(b, &out) else { continue };
            for op in &body.blocks[b].ops {
                assign(&mut set, op);
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
    // The reads where the variable may be unassigned, and their variables.
    let mut flagged = FixedBitSet::with_capacity(vars.len());
    let mut unsure: IndexVec<BlockId, Vec<usize>> = IndexVec::from_elem(vec![], body.blocks.len());
    for &b in &order {
        let Some(mut set) = assigned_in(b, &out) else { continue };
        for (i, op) in body.blocks[b].ops.iter().enumerate() {
            if let Some(k) = read_var(op).and_then(|v| number[v]) {
                if !set.contains(k) {
                    flagged.insert(k);
                    unsure[b].push(i);
                }
            }
            assign(&mut set, op);
        }
    }
    let mut flags: IndexVec<Local, Option<Local>> = IndexVec::from_elem(None, body.locals.len());
    let mut clear = vec![];
    let scalars: Vec<Local> = flagged.ones().map(|k| vars[k]).filter(|v| body.ty(*v) != LocalTy::Object).collect();
    for var in scalars {
        let name = format!("{} bound", body.locals[var].name.as_deref().unwrap_or("variable"));
        let flag = body.locals.push(LocalDecl { ty: LocalTy::Scalar(Ty::Bool), name: Some(name) });
        flags[var] = Some(flag);
        clear.push(Op::new(vec![flag], OpKind::Body(BodyOp::Const { c: Const::Bool(false), ty: Ty::Bool })));
    }
    let flag_of = |l: Local| flags.get(l).copied().flatten();
    for b in body.blocks.indices() {
        let ops = std::mem::take(&mut body.blocks[b].ops);
        let mut rewritten = Vec::with_capacity(ops.len());
        // Flags start cleared once the variables are: after the entry's
        // last `Unassigned`.
        let clear_after = if b == Body::ENTRY { ops.iter().rposition(is_unassigned) } else { None };
        if b == Body::ENTRY && clear_after.is_none() {
            rewritten.append(&mut clear);
        }
        for (i, op) in ops.into_iter().enumerate() {
            let line = op.line;
            let at_line = |kind: BodyOp| Op { line, ..Op::new(vec![], OpKind::Body(kind)) };
            match read_var(&op) {
                Some(var) => {
                    let unsure = unsure[b].binary_search(&i).is_ok();
                    let name = || body.locals[var].name.clone().unwrap_or_default();
                    if body.ty(var) == LocalTy::Object {
                        if unsure {
                            rewritten.push(Op { line, ..Op::new(vec![], OpKind::CheckAssigned { var, name: name() }) });
                        }
                        rewritten.push(Op { kind: OpKind::Borrow { var }, ..op });
                    } else {
                        if let Some(flag) = flag_of(var).filter(|_| unsure) {
                            rewritten.push(at_line(BodyOp::CheckBound { flag, name: name() }));
                        }
                        rewritten.push(Op { kind: OpKind::Body(BodyOp::Copy { src: var }), ..op });
                    }
                }
                None => {
                    let sets: Vec<Local> = if is_unassigned(&op) { vec![] } else { op.dests.iter().filter_map(|d| flag_of(*d)).collect() };
                    rewritten.push(op);
                    for flag in sets {
                        rewritten.push(Op { dests: vec![flag], ..at_line(BodyOp::Const { c: Const::Bool(true), ty: Ty::Bool }) });
                    }
                }
            }
            if clear_after == Some(i) {
                rewritten.append(&mut clear);
            }
        }
        body.blocks[b].ops = rewritten;
    }
    Ok(())
}
