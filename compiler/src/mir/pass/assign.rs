//! Definite assignment of object variables: where some path to a read of
//! one never assigned it, the read checks that it is not NULL (its value
//! until assigned) and raises UnboundLocalError as CPython does; every read
//! becomes a borrow from the variable. Builders write `Unassigned` for a
//! variable's value on entry and `ReadVar` for each read. (A scalar
//! variable's bound flag is the body builder's, from `hir::maybe_unbound`:
//! loop preludes and memoryviews check it inside composite ops.)

use super::super::{cfg, BlockId, Body, IndexVec, Local, LocalTy, Op, OpKind};
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

/// Whether the body had variables to resolve.
pub fn run(body: &mut Body) -> Result<bool, String> {
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
        return Ok(false);
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
        // `Unassigned` unbinds the variable again (`except … as name`
        // at the clause's end).
        let bound = !is_unassigned(op);
        for d in &op.dests {
            if let Some(Some(k)) = number.get(*d) {
                set.set(*k, bound);
            }
        }
    };
    // The variables assigned on every path to each block (an op that
    // failed assigned nothing on its error edge).
    let assigned_in = cfg::must_hold(body, &number, vars.len(), assign, |_, _| {});
    // The reads where the variable may be unassigned.
    let mut unsure: IndexVec<BlockId, Vec<usize>> = IndexVec::from_elem(vec![], body.blocks.len());
    for b in body.blocks.indices() {
        let Some(mut set) = assigned_in[b].clone() else { continue };
        for (i, op) in body.blocks[b].ops.iter().enumerate() {
            if let Some(k) = read_var(op).and_then(|v| number[v]) {
                if !set.contains(k) {
                    unsure[b].push(i);
                }
            }
            assign(&mut set, op);
        }
    }
    for b in body.blocks.indices() {
        let ops = std::mem::take(&mut body.blocks[b].ops);
        let mut rewritten = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            let Some(var) = read_var(&op) else {
                rewritten.push(op);
                continue;
            };
            if body.ty(var) != LocalTy::Object {
                return Err(format!("`{}` reads {var}, a variable that is not an object, through definite assignment", body.name));
            }
            if unsure[b].binary_search(&i).is_ok() {
                let name = body.locals[var].name.clone().unwrap_or_default();
                rewritten.push(Op { line: op.line, handler: op.handler, ..Op::new(vec![], OpKind::CheckAssigned { var, name }) });
            }
            rewritten.push(Op { kind: OpKind::Borrow { var }, ..op });
        }
        body.blocks[b].ops = rewritten;
    }
    Ok(true)
}
