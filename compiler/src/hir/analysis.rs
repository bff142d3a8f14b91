//! Analyses of HIR functions that later stages share: the call graph's
//! cycles, definite assignment, what a block assigns, what an index reads.

use super::{Expr, ExprKind, FuncId, Function, LocalId, Module, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashSet;

/// Functions on a cycle of the call graph: only these pay for the stack check
/// on entry (calls of functions with a big frame are checked by the caller).
pub fn recursive_functions(m: &Module) -> HashSet<FuncId> {
    let callees: Vec<HashSet<FuncId>> = m
        .functions
        .iter()
        .map(|f| {
            let mut out = HashSet::new();
            super::visit_calls(&f.body, &mut |id| {
                out.insert(id);
            });
            out
        })
        .collect();
    let mut result = HashSet::new();
    for f in &m.functions {
        let mut seen = HashSet::new();
        let mut stack: Vec<FuncId> = callees[f.id.0 as usize].iter().copied().collect();
        while let Some(g) = stack.pop() {
            if g == f.id {
                result.insert(f.id);
                break;
            }
            if seen.insert(g) {
                stack.extend(callees[g.0 as usize].iter().copied());
            }
        }
    }
    result
}

/// Locals read somewhere they may not have been assigned: these carry a
/// "bound" flag and raise UnboundLocalError like CPython.
pub fn maybe_unbound(f: &Function) -> HashSet<LocalId> {
    type State = Option<HashSet<LocalId>>;
    fn reads(e: &Expr, st: &State, out: &mut HashSet<LocalId>) {
        super::visit_locals(e, &mut |id| {
            if let Some(s) = st {
                if !s.contains(&id) {
                    out.insert(id);
                }
            }
        });
    }
    fn block(body: &[Stmt], mut st: State, out: &mut HashSet<LocalId>) -> State {
        for s in body {
            st = match &s.kind {
                StmtKind::Assign(pairs) => {
                    pairs.iter().for_each(|(_, e)| reads(e, &st, out));
                    st.map(|mut s| {
                        s.extend(pairs.iter().map(|(id, _)| *id));
                        s
                    })
                }
                StmtKind::Expr(e) => {
                    reads(e, &st, out);
                    st
                }
                StmtKind::Store { indices, value, .. } => {
                    indices.iter().for_each(|e| reads(e, &st, out));
                    reads(value, &st, out);
                    st
                }
                StmtKind::CopyView { dst, src } => {
                    if let Some(s) = &st {
                        out.extend([*dst, *src].into_iter().filter(|v| !s.contains(v)));
                    }
                    st
                }
                StmtKind::Assert { cond, .. } => {
                    reads(cond, &st, out);
                    st
                }
                StmtKind::If { cond, then, orelse } => {
                    reads(cond, &st, out);
                    let a = block(then, st.clone(), out);
                    let b = block(orelse, st.clone(), out);
                    match (a, b) {
                        (None, x) | (x, None) => x,
                        (Some(a), Some(b)) => Some(a.intersection(&b).copied().collect()),
                    }
                }
                StmtKind::Gil { body, .. } => block(body, st, out),
                StmtKind::Prange(p) => {
                    for e in [&p.start, &p.stop, &p.step].into_iter().chain(p.chunksize.as_ref()).chain(p.num_threads.as_ref()) {
                        reads(e, &st, out);
                    }
                    if let Some(s) = &st {
                        let passed = p.shared.iter().chain(p.reductions.iter().map(|r| &r.0));
                        out.extend(passed.filter(|id| !s.contains(id)));
                    }
                    if let super::PrangeBody::Inline(body) = &p.body {
                        let inner = st.clone().map(|mut s| {
                            s.insert(p.var);
                            s
                        });
                        block(body, inner, out);
                    }
                    st
                }
                StmtKind::ForIter { iter, body, orelse, .. } => {
                    reads(iter, &st, out);
                    block(body, st.clone(), out);
                    block(orelse, st.clone(), out);
                    st
                }
                StmtKind::While { cond, body, orelse } => {
                    reads(cond, &st, out);
                    block(body, st.clone(), out);
                    block(orelse, st.clone(), out);
                    st
                }
                StmtKind::ForRange { var, start, stop, step, body, orelse, .. } => {
                    for e in [start, stop, step] {
                        reads(e, &st, out);
                    }
                    let inner = st.clone().map(|mut s| {
                        s.insert(*var);
                        s
                    });
                    block(body, inner, out);
                    block(orelse, st.clone(), out);
                    st
                }
                StmtKind::Return(e) => {
                    if let Some(e) = e {
                        reads(e, &st, out);
                    }
                    None
                }
                StmtKind::Break | StmtKind::Continue | StmtKind::Raise { .. } => None,
                StmtKind::RaiseObject { exc, cause } => {
                    exc.iter().chain(cause).for_each(|e| reads(e, &st, out));
                    None
                }
                // An exception may come anywhere in the body: the clauses
                // and `finally` start from what was bound before it.
                StmtKind::Try(t) => {
                    let after_body = block(&t.body, st.clone(), out);
                    let mut ends = vec![block(&t.orelse, after_body, out)];
                    for h in &t.handlers {
                        if let Some(e) = &h.types {
                            reads(e, &st, out);
                        }
                        let start = st.clone().map(|mut s| {
                            s.extend(h.name);
                            s
                        });
                        ends.push(block(&h.body, start, out));
                    }
                    let joined = ends.into_iter().flatten().reduce(|a, b| a.intersection(&b).copied().collect());
                    match &t.finalbody {
                        Some(fin) => match (block(fin, st.clone(), out), joined) {
                            (Some(f), Some(mut j)) => {
                                j.extend(f);
                                Some(j)
                            }
                            _ => None,
                        },
                        None => joined,
                    }
                }
                StmtKind::Pass => st,
                StmtKind::Yield { value, target, .. } => {
                    reads(value, &st, out);
                    st.map(|mut s| {
                        s.extend(*target);
                        s
                    })
                }
                StmtKind::Unbind(id) => st.map(|mut s| {
                    s.remove(id);
                    s
                }),
            };
        }
        st
    }
    let mut out = HashSet::new();
    // Parameters and C arrays (storage on the stack from the start) are bound.
    let c_arrays = f.locals.iter().enumerate().filter(|(_, l)| l.c_array.is_some()).map(|(i, _)| LocalId(i as u32));
    let bound: HashSet<LocalId> = f.params.iter().map(|p| p.local).chain(c_arrays).collect();
    block(&f.body, Some(bound), &mut out);
    out
}

/// The object locals (not parameters) that hold an exact list whenever
/// they are bound: every assignment to them (also `:=`) is a list display
/// or list comprehension, and no loop, `except … as` or comprehension
/// binds them (Cython infers such a variable's type as `list`). A `for`
/// over one reads it by index with no iterator or tuple to tell apart.
pub fn list_locals(f: &Function) -> HashSet<LocalId> {
    exact_locals(f, super::ObjOp::List, super::CompKind::List)
}

/// The object locals that hold an exact dict whenever bound, by
/// `list_locals`' rule with dict displays and dict comprehensions: their
/// `d[k]`, `d[k] = v` and `d.get(k)` need no type test.
pub fn dict_locals(f: &Function) -> HashSet<LocalId> {
    exact_locals(f, super::ObjOp::Dict, super::CompKind::Dict)
}

fn exact_locals(f: &Function, display: super::ObjOp, comprehension: super::CompKind) -> HashSet<LocalId> {
    let mut seen = ExactSeen { display, comprehension, good: HashSet::new(), bad: f.params.iter().map(|p| p.local).collect(), copies: vec![] };
    seen.block(&f.body);
    let ExactSeen { mut good, bad, copies, .. } = seen;
    good.extend(copies.iter().map(|c| c.0));
    good.retain(|l| !bad.contains(l) && f.locals[l.0 as usize].ty == Ty::Object);
    // A copy is exact when its source is: drop copies of anything else
    // until none is left (copies between exact locals stay).
    loop {
        let dropped: Vec<LocalId> = copies.iter().filter(|(to, from)| good.contains(to) && !good.contains(from)).map(|c| c.0).collect();
        if dropped.is_empty() {
            return good;
        }
        dropped.iter().for_each(|l| {
            good.remove(l);
        });
    }
}

/// What `exact_locals` learns: locals assigned the display or
/// comprehension it looks for, locals bound otherwise.
struct ExactSeen {
    display: super::ObjOp,
    comprehension: super::CompKind,
    good: HashSet<LocalId>,
    bad: HashSet<LocalId>,
    /// `(to, from)`: `to = from` of two locals (an augmented assignment's
    /// hidden object is such a copy).
    copies: Vec<(LocalId, LocalId)>,
}

impl ExactSeen {
    fn note(&mut self, l: LocalId, e: Option<&Expr>) {
        if let Some(Expr { kind: ExprKind::Local(from), .. }) = e {
            self.copies.push((l, *from));
            return;
        }
        let exact = e.is_some_and(|e| match &e.kind {
            ExprKind::ObjOp { op, .. } => *op == self.display,
            ExprKind::Comprehension(c) => c.kind == self.comprehension,
            _ => false,
        });
        if exact {
            self.good.insert(l);
        } else {
            self.bad.insert(l);
        }
    }

    fn block(&mut self, body: &[Stmt]) {
        let mut stmts: Vec<Stmt> = vec![];
        super::visit_stmts(body, &mut |s| match &s.kind {
            StmtKind::Assign(pairs) => pairs.iter().for_each(|(l, e)| self.note(*l, Some(e))),
            StmtKind::ForRange { var, .. } => self.note(*var, None),
            StmtKind::ForIter { item, .. } => self.note(*item, None),
            StmtKind::Prange(p) => {
                self.note(p.var, None);
                p.reductions.iter().for_each(|r| self.note(r.0, None));
            }
            StmtKind::Try(t) => t.handlers.iter().filter_map(|h| h.name).for_each(|l| self.note(l, None)),
            _ => {}
        });
        super::visit_stmt_exprs(body, &mut |e| {
            super::visit_expr(e, &mut |x| match &x.kind {
                ExprKind::AssignLocal { local, value } => self.note(*local, Some(value)),
                ExprKind::Comprehension(c) => {
                    for g in &c.generators {
                        self.note(g.target, None);
                        // Its unpacking statements assign its own hidden locals.
                        stmts.extend(g.unpack.iter().cloned());
                    }
                }
                _ => {}
            })
        });
        if !stmts.is_empty() {
            self.block(&stmts);
        }
    }
}

/// Whether the statements (nested blocks included) may assign `local`.
pub fn assigns(body: &[Stmt], local: LocalId) -> bool {
    let mut found = false;
    super::visit_stmts(body, &mut |s| {
        found |= match &s.kind {
            StmtKind::Assign(pairs) => pairs.iter().any(|(l, _)| *l == local),
            StmtKind::Unbind(l) => *l == local,
            StmtKind::Yield { target, .. } => *target == Some(local),
            StmtKind::ForRange { var, .. } => *var == local,
            StmtKind::Prange(p) => p.var == local || p.reductions.iter().any(|r| r.0 == local),
            _ => false,
        }
    });
    found || walrus(body, local)
}

/// Whether an expression of the statements assigns `local` (`:=`, also
/// inside a comprehension).
fn walrus(body: &[Stmt], local: LocalId) -> bool {
    let mut found = false;
    super::visit_stmt_exprs(body, &mut |e| {
        super::visit_expr(e, &mut |x| found |= matches!(x.kind, super::ExprKind::AssignLocal { local: l, .. } if l == local))
    });
    found
}

/// The local an index expression reads, seen through widening conversions
/// between 64-bit integers (which keep every value of `[0, shape)`).
pub fn index_local(e: &Expr) -> Option<LocalId> {
    match &e.kind {
        ExprKind::Local(l) => Some(*l),
        ExprKind::Convert(x) if matches!(x.ty, Ty::Int(t) if t.bits == 64) => index_local(x),
        _ => None,
    }
}

/// Whether `f` has `nogil`/`gil` blocks, `prange` loops or `threadid()`,
/// or is an outlined `prange` body: it keeps a frame of its own (called,
/// never inlined or taken into its wrapper, and calling its callees with
/// memoryviews rather than inlining them): inlining such bodies and into
/// them is not built yet.
pub fn keeps_own_frame(f: &Function) -> bool {
    let mut found = f.outlined_from.is_some();
    super::visit_stmts(&f.body, &mut |s| found |= matches!(s.kind, StmtKind::Gil { .. } | StmtKind::Prange(_)));
    super::visit_stmt_exprs(&f.body, &mut |e| super::visit_expr(e, &mut |x| found |= matches!(x.kind, ExprKind::ThreadId)));
    found
}

/// Whether the module runs code on OpenMP's thread team or asks it for the
/// thread's number (so it links the OpenMP runtime).
pub fn uses_openmp(m: &Module) -> bool {
    let mut found = m.functions.iter().any(|f| f.outlined_from.is_some());
    for f in &m.functions {
        super::visit_stmt_exprs(&f.body, &mut |e| super::visit_expr(e, &mut |x| found |= matches!(x.kind, ExprKind::ThreadId)));
    }
    found
}
