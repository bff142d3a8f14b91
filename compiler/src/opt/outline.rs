//! Each `prange` body outlined into a function of its own
//! (`PrangeBody::Outlined`), before the decisions, so its inner `range`
//! loop gets its plan like any other: `for var in range(lo, hi, step):
//! body` over a copy of the function's locals, taking lo, hi, step, the
//! first reduction's local (its starting value; its final one returned),
//! one-element views of the other reductions' partials (read before the
//! trips, written after them) and the shared locals as parameters. The
//! thread team calls it once per chunk of the range; the function's other
//! locals are its private ones. It may run without the GIL (`nogil`), and
//! Python never sees it (`outlined_from`).

use crate::hir::{self, Const, Expr, ExprKind, FuncId, Function, Local, LocalId, Param, ParamKind, PrangeBody, Stmt, StmtKind};
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
        outline_block(&mut body, &module.functions[k], next, &mut made);
        module.functions[k].body = body;
        module.functions.extend(made);
        k += 1;
    }
}

fn outline_block(body: &mut [Stmt], f: &Function, next: usize, made: &mut Vec<Function>) {
    for s in body.iter_mut() {
        if let StmtKind::Prange(p) = &mut s.kind {
            if let PrangeBody::Inline(inner) = std::mem::replace(&mut p.body, PrangeBody::Outlined(FuncId(0))) {
                let id = FuncId((next + made.len()) as u32);
                let g = outlined(f, p, inner, id, s.line, made.len());
                p.body = PrangeBody::Outlined(id);
                made.push(g);
            }
            continue;
        }
        for b in hir::blocks_mut(s) {
            outline_block(b, f, next, made);
        }
    }
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
    // slots, read before the chunk's trips and written after them.
    let mut partials = vec![];
    for &(r, _) in p.reductions.iter().skip(1) {
        let l = &f.locals[r.0 as usize];
        let elem = Elem::of(l.ty).unwrap_or(Elem::Float(64));
        locals.push(Local { name: format!("<partial {}>", l.name), ty: Ty::View(ViewTy { elem, ndim: 1, c_contig: true, f_contig: false }), c_array: None });
        partials.push((r, LocalId(locals.len() as u32 - 1), l.ty));
    }
    let first = p.reductions.first().map(|r| r.0);
    let ids = [lo, hi, step].into_iter().chain(first).chain(partials.iter().map(|p| p.1)).chain(p.shared.iter().copied());
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
    let element = |view: LocalId, ty: Ty| Expr { kind: ExprKind::Index { view, indices: vec![Expr::konst(Const::Int(0), SSIZE)], in_bounds: vec![] }, ty };
    // A constant step stays one, so the loop gets the plans it would get serially.
    let step = if p.step.as_const().is_some() { p.step.clone() } else { at(step) };
    let mut out: Vec<Stmt> = partials.iter().map(|&(r, view, ty)| Stmt { kind: StmtKind::Assign(vec![(r, element(view, ty))]), line }).collect();
    out.push(Stmt { kind: StmtKind::ForRange { var: p.var, start: at(lo), stop: at(hi), step, body, orelse: vec![], plan: Default::default() }, line });
    for &(r, view, ty) in &partials {
        let value = Expr::local(r, ty);
        out.push(Stmt { kind: StmtKind::Store { view, indices: vec![Expr::konst(Const::Int(0), SSIZE)], value, in_bounds: vec![], checked_by_load: false }, line });
    }
    out.push(Stmt { kind: StmtKind::Return(result), line });
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
    }
}
