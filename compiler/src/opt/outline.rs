//! Each `prange` body outlined into a function of its own
//! (`PrangeBody::Outlined`), before the decisions, so its inner `range`
//! loop gets its plan like any other: `for var in range(lo, hi, step):
//! body` over a copy of the function's locals, taking lo, hi, step, the
//! first reduction's local (its starting value; its final one returned),
//! one-element views of the other reductions' partials and of the
//! lastprivate locals' copies (read before the trips, written after them)
//! and the shared locals as parameters. The
//! thread team calls it once per chunk of the range; the function's other
//! locals are its private ones. It may run without the GIL (`nogil`), and
//! Python never sees it (`outlined_from`).

use crate::hir::{self, CmpOp, Const, Expr, ExprKind, FuncId, Function, Local, LocalId, Param, ParamKind, PrangeBody, Stmt, StmtKind};
use crate::types::{Elem, IntTy, Ty, ViewTy};

/// The type of a narrow loop variable's chunk bounds and of a partial's index.
const SSIZE: Ty = Ty::Int(IntTy { bits: 64, signed: true, checked: false, cname: "Py_ssize_t" });

pub fn outline(module: &mut hir::Module) {
    // Outlined functions are visited in turn: a nested `prange` is outlined too.
    let mut k = 0;
    while k < module.functions.len() {
        let mut body = std::mem::take(&mut module.functions[k].body);
        let mut made = vec![];
        let next = module.functions.len();
        let f = &module.functions[k];
        let copies = shape_copies(&body, f);
        for (j, s) in body.iter_mut().enumerate() {
            let known: Vec<(LocalId, Expr)> = copies.iter().filter(|c| c.0 < j).map(|c| (c.1, c.2.clone())).collect();
            outline_block(std::slice::from_mut(s), f, next, &mut made, &known);
        }
        module.functions[k].body = body;
        module.functions.extend(made);
        k += 1;
    }
}

/// `known`: locals holding a shape or stride of a view here and wherever
/// they are read (see `shape_copies`), with the `ViewDim` reading it.
fn outline_block(body: &mut [Stmt], f: &Function, next: usize, made: &mut Vec<Function>, known: &[(LocalId, Expr)]) {
    for s in body.iter_mut() {
        if let StmtKind::Prange(p) = &mut s.kind {
            if let PrangeBody::Inline(inner) = std::mem::replace(&mut p.body, PrangeBody::Outlined(FuncId(0))) {
                let inner = read_from_views(inner, p, known);
                let id = FuncId((next + made.len()) as u32);
                let g = outlined(f, p, inner, id, s.line, made.len());
                p.body = PrangeBody::Outlined(id);
                made.push(g);
            }
            continue;
        }
        for b in hir::blocks_mut(s) {
            outline_block(b, f, next, made, known);
        }
    }
}

/// The top-level statements `n = view.shape[axis]` (or `.strides`) of a
/// function assigning `n` nowhere else, `view` nowhere at all, `n` not a
/// parameter: from the statement after it on, `n` and the `ViewDim` are the
/// same value. As `(statement index, n, the ViewDim)`.
fn shape_copies(body: &[Stmt], f: &Function) -> Vec<(usize, LocalId, Expr)> {
    let assignments = |x: LocalId| {
        let mut n = 0;
        hir::visit_stmts(body, &mut |s| {
            n += match &s.kind {
                StmtKind::Assign(pairs) => pairs.iter().filter(|(l, _)| *l == x).count(),
                StmtKind::ForRange { var, .. } | StmtKind::ForIter { item: var, .. } => usize::from(*var == x),
                StmtKind::Prange(p) => usize::from(p.var == x) + p.reductions.iter().filter(|r| r.0 == x).count(),
                _ => 0,
            }
        });
        n
    };
    let mut out = vec![];
    for (k, s) in body.iter().enumerate() {
        let StmtKind::Assign(pairs) = &s.kind else { continue };
        let [(x, e)] = pairs.as_slice() else { continue };
        let ExprKind::ViewDim { view, .. } = e.kind else { continue };
        let is_view = matches!(f.locals.get(view.0 as usize).map(|l| l.ty), Some(Ty::View(_)));
        let same_ty = f.locals.get(x.0 as usize).is_some_and(|l| l.ty == e.ty);
        if is_view && same_ty && !f.params.iter().any(|q| q.local == *x) && assignments(*x) == 1 && assignments(view) == 0 {
            out.push((k, *x, e.clone()));
        }
    }
    out
}

/// A prange body reading a shared local that holds a shape or stride of a
/// shared view (`known`) reads the view's part instead, and the local is no
/// longer passed: one value fewer live through the outlined body (each one
/// is a register, or a reload in its inner loops), and `range(n)` over the
/// axis is seen as one (`opt::facts`: no bounds checks), as `range(view.shape[0])`
/// would be. Not for a body holding another `prange` (it passes its shared
/// locals on).
fn read_from_views(mut body: Vec<Stmt>, p: &mut hir::Prange, known: &[(LocalId, Expr)]) -> Vec<Stmt> {
    let mut nested = false;
    hir::visit_stmts(&body, &mut |s| nested |= matches!(s.kind, StmtKind::Prange(_)));
    let subs: Vec<&(LocalId, Expr)> = known.iter().filter(|(x, e)| p.shared.contains(x) && e.kind.view_read().is_some_and(|v| p.shared.contains(&v))).collect();
    if nested || subs.is_empty() {
        return body;
    }
    fn substitute(body: &mut [Stmt], subs: &[&(LocalId, Expr)]) {
        for s in body.iter_mut() {
            for e in hir::own_exprs_mut(s) {
                hir::visit_expr_mut(e, &mut |x| {
                    if let ExprKind::Local(id) = x.kind {
                        if let Some((_, dim)) = subs.iter().find(|(l, _)| *l == id) {
                            *x = dim.clone();
                        }
                    }
                });
            }
            for b in hir::blocks_mut(s) {
                substitute(b, subs);
            }
        }
    }
    substitute(&mut body, &subs);
    // Passed on only while something still reads it.
    let mut read = vec![];
    hir::visit_stmt_exprs(&body, &mut |e| hir::visit_locals(e, &mut |id| read.push(id)));
    p.shared.retain(|x| !subs.iter().any(|(l, _)| l == x) || read.contains(x));
    body
}

fn outlined(f: &Function, p: &hir::Prange, body: Vec<Stmt>, id: FuncId, line: u32, k: usize) -> Function {
    let chunk_in_axis = super::facts::range_over_axis(p.var, &p.start, &p.stop, &p.step, &body, f);
    // Shared C arrays arrive as views; no other needs storage here.
    let mut locals: Vec<Local> = f.locals.iter().map(|l| Local { c_array: None, ..l.clone() }).collect();
    let var_ty = f.locals[p.var.0 as usize].ty;
    // A narrower variable's chunk bounds are 64-bit: its range may end past its type.
    let bound_ty = match var_ty {
        Ty::Int(t) if t.bits < 64 => SSIZE,
        t => t,
    };
    let bound = |name: &str, locals: &mut Vec<Local>| {
        locals.push(Local { name: name.to_string(), ty: bound_ty, c_array: None });
        LocalId(locals.len() as u32 - 1)
    };
    let (lo, hi, step) = (bound("<prange lo>", &mut locals), bound("<prange hi>", &mut locals), bound("<prange step>", &mut locals));
    let param = |id: LocalId, locals: &[Local]| Param {
        name: locals[id.0 as usize].name.clone(),
        ty: locals[id.0 as usize].ty,
        local: id,
        kind: ParamKind::PositionalOnly,
        default: None,
        default_src: None,
        accepts_none: true,
    };
    // The reductions after the first keep their partials in the thread's
    // slots, read before the chunk's trips and written after them. A module
    // C variable's (`hir::Prange::stores`) is never the first, and is
    // written after each update too: when the loop raises, the variable
    // gets every update made before the error.
    let stored = |r: LocalId| p.stores.iter().any(|s| s.0 == r);
    let first = p.reductions.first().map(|r| r.0).filter(|r| !stored(*r));
    let mut partials = vec![];
    for &(r, _) in p.reductions.iter().skip(usize::from(first.is_some())) {
        let l = &f.locals[r.0 as usize];
        let elem = Elem::of(l.ty).unwrap_or(Elem::Float(64));
        locals.push(Local { name: format!("<partial {}>", l.name), ty: Ty::View(ViewTy { elem, ndim: 1, c_contig: true, f_contig: false }), c_array: None });
        partials.push((r, LocalId(locals.len() as u32 - 1), l.ty));
    }
    // Each lastprivate local lives in a slot of the thread's too, read
    // before the chunk's trips and written after them (or when a trip
    // leaves the loop): the thread's copy goes on from chunk to chunk.
    for &x in &p.lastprivate {
        let l = &f.locals[x.0 as usize];
        let elem = match l.ty {
            Ty::Ptr(_) => Elem::VoidPtr,
            ty => Elem::of(ty).unwrap_or(Elem::Float(64)),
        };
        locals.push(Local { name: format!("<last {}>", l.name), ty: Ty::View(ViewTy { elem, ndim: 1, c_contig: true, f_contig: false }), c_array: None });
        partials.push((x, LocalId(locals.len() as u32 - 1), l.ty));
    }
    // A body that leaves the loop reports how through views of its thread's slots.
    let exits = p.leaves.map(|has_return| {
        let mut slot = |name: &str, ty: Ty| {
            let elem = Elem::of(ty).unwrap_or(Elem::Float(64));
            locals.push(Local { name: name.to_string(), ty: Ty::View(ViewTy { elem, ndim: 1, c_contig: true, f_contig: false }), c_array: None });
            LocalId(locals.len() as u32 - 1)
        };
        let (how, at) = (slot("<left how>", SSIZE), slot("<left at>", var_ty));
        let value = (has_return && f.ret != Ty::Void).then(|| slot("<returned>", f.ret));
        Exits { how, at, value, stop: slot("<stop>", SSIZE) }
    });
    let exit_ids = exits.iter().flat_map(|e| [Some(e.how), Some(e.at), e.value, Some(e.stop)]).flatten();
    let ids = [lo, hi, step].into_iter().chain(first).chain(partials.iter().map(|p| p.1)).chain(exit_ids).chain(p.shared.iter().copied());
    let params = ids.map(|id| param(id, &locals)).collect();
    let at = |v: LocalId| {
        let wide = Expr::local(v, bound_ty);
        if var_ty == bound_ty {
            wide
        } else {
            Expr { kind: ExprKind::Convert(Box::new(wide)), ty: var_ty }
        }
    };
    let ret = first.map_or(Ty::Void, |r| f.locals[r.0 as usize].ty);
    let result = first.map(|r| Expr::local(r, ret));
    // A constant step stays one, so the loop gets the plans it would get serially.
    let step = if p.step.as_const().is_some() { p.step.clone() } else { at(step) };
    let mut out: Vec<Stmt> = partials.iter().map(|&(r, view, ty)| Stmt { kind: StmtKind::Assign(vec![(r, element(view, ty))]), line }).collect();
    let mut epilogue: Vec<Stmt> = partials.iter().map(|&(r, view, ty)| store(view, Expr::local(r, ty), line)).collect();
    epilogue.push(Stmt { kind: StmtKind::Return(result), line });
    let body = if p.stores.is_empty() { body } else { stored_after_updates(body, &partials, &stored) };
    let body = match &exits {
        // A parallel block's thread leaving it ends only its own run, as in
        // Cython: the others run the block to its end.
        Some(e) if p.schedule == hir::Schedule::Team => e.rewrite(body, false, p.var, var_ty, &epilogue),
        Some(e) => {
            // Once a thread has left, every later trip of every thread is skipped.
            let stopped = Expr { kind: ExprKind::Compare { operands: vec![element(e.stop, SSIZE), Expr::konst(Const::Int(0), SSIZE)], ops: vec![CmpOp::Ne] }, ty: Ty::Bool };
            let skip = Stmt { kind: StmtKind::If { cond: stopped, then: vec![Stmt { kind: StmtKind::Break, line }], orelse: vec![] }, line };
            std::iter::once(skip).chain(e.rewrite(body, false, p.var, var_ty, &epilogue)).collect()
        }
        None => body,
    };
    out.push(Stmt { kind: StmtKind::ForRange { var: p.var, start: at(lo), stop: at(hi), step, body, orelse: vec![], plan: Default::default() }, line });
    out.extend(epilogue);
    let body = out;
    Function {
        id,
        name: format!("{}.prange{k}", f.name),
        exported: false,
        doc: None,
        params,
        ret,
        locals,
        body,
        line,
        inline_hint: false,
        cdivision: f.cdivision,
        overflowcheck: f.overflowcheck,
        boundscheck: f.boundscheck,
        wraparound: f.wraparound,
        associative_math: f.associative_math,
        nogil: true,
        outlined_from: Some(f.id),
        chunk_in_axis,
        generator: false,
    }
}

/// `body` with each assignment of a stored reduction followed by the store
/// of its value to the thread's slot.
fn stored_after_updates(body: Vec<Stmt>, partials: &[(LocalId, LocalId, Ty)], stored: &dyn Fn(LocalId) -> bool) -> Vec<Stmt> {
    let mut out = vec![];
    for mut s in body {
        for b in hir::blocks_mut(&mut s) {
            *b = stored_after_updates(std::mem::take(b), partials, stored);
        }
        let after: Vec<Stmt> = match &s.kind {
            StmtKind::Assign(pairs) => partials.iter().filter(|(r, ..)| stored(*r) && pairs.iter().any(|p| p.0 == *r)).map(|&(r, view, ty)| store(view, Expr::local(r, ty), s.line)).collect(),
            _ => vec![],
        };
        out.push(s);
        out.extend(after);
    }
    out
}

fn element(view: LocalId, ty: Ty) -> Expr {
    Expr { kind: ExprKind::Index { view, indices: vec![Expr::konst(Const::Int(0), SSIZE)], in_bounds: vec![] }, ty }
}

fn store(view: LocalId, value: Expr, line: u32) -> Stmt {
    Stmt { kind: StmtKind::Store { view, indices: vec![Expr::konst(Const::Int(0), SSIZE)], value, in_bounds: vec![], checked_by_load: false }, line }
}

/// The thread's slots a body that leaves the loop writes: how it left (1:
/// `break`, 2: `return`), the loop variable's value then, the returned
/// value, and the flag every thread's trips test (shared by the team).
struct Exits {
    how: LocalId,
    at: LocalId,
    value: Option<LocalId>,
    stop: LocalId,
}

impl Exits {
    /// `body` with its `break` of the loop and every `return` reporting
    /// through the slots: a `break` then leaves the chunk's loop, a `return`
    /// the chunk (after `epilogue`'s stores, with its result).
    fn rewrite(&self, body: Vec<Stmt>, in_inner: bool, var: LocalId, var_ty: Ty, epilogue: &[Stmt]) -> Vec<Stmt> {
        let mut out = vec![];
        for s in body {
            let line = s.line;
            let report = |how: i64, value: Option<Expr>| {
                let mut r = vec![store(self.how, Expr::konst(Const::Int(how), SSIZE), line), store(self.at, Expr::local(var, var_ty), line)];
                r.extend(self.value.zip(value).map(|(slot, v)| store(slot, v, line)));
                r.push(store(self.stop, Expr::konst(Const::Int(1), SSIZE), line));
                r
            };
            let kind = match s.kind {
                StmtKind::Break if !in_inner => {
                    out.extend(report(1, None));
                    StmtKind::Break
                }
                StmtKind::Return(v) => {
                    out.extend(report(2, v));
                    out.extend(epilogue.iter().cloned());
                    continue;
                }
                StmtKind::If { cond, then, orelse } => {
                    StmtKind::If { cond, then: self.rewrite(then, in_inner, var, var_ty, epilogue), orelse: self.rewrite(orelse, in_inner, var, var_ty, epilogue) }
                }
                StmtKind::While { cond, body, orelse } => {
                    StmtKind::While { cond, body: self.rewrite(body, true, var, var_ty, epilogue), orelse: self.rewrite(orelse, in_inner, var, var_ty, epilogue) }
                }
                StmtKind::ForRange { var: v, start, stop, step, body, orelse, plan } => StmtKind::ForRange {
                    var: v,
                    start,
                    stop,
                    step,
                    body: self.rewrite(body, true, var, var_ty, epilogue),
                    orelse: self.rewrite(orelse, in_inner, var, var_ty, epilogue),
                    plan,
                },
                StmtKind::Gil { release, body } => StmtKind::Gil { release, body: self.rewrite(body, in_inner, var, var_ty, epilogue) },
                other => other,
            };
            out.push(Stmt { kind, line });
        }
        out
    }
}
