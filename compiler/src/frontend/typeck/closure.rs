//! Closures typed into HIR (the analysis is `frontend/closure.rs`): each
//! captured variable's cell made on entry (holding the parameter's value
//! for a parameter), its reads through the cell (`ObjOp::CellGet`, which
//! raises UnboundLocalError for an empty one), every assignment to it
//! followed by the cell's update (`sync_cells`) — except a parameter that
//! nothing assigns, read in place (its cell holds it boxed, so a typed one
//! may be captured too); a nested `def` (decorators
//! evaluated first, then the defaults, keyword-only defaults and
//! annotations, the function made, the decorators applied innermost first)
//! and a `lambda` as `ObjOp::MakeFunction`.

use super::{Checker, R};
use crate::frontend::fallback;
use crate::hir::{self, LocalId, ObjConst, ObjOp};
use crate::syntax::{FunctionDef, ParamKind, Span};
use crate::types::Ty;
use std::collections::HashMap;

fn op(op: ObjOp, operands: Vec<hir::Expr>, ty: Ty) -> hir::Expr {
    hir::Expr { kind: hir::ExprKind::ObjOp { op, operands }, ty }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// Why the function's closures do not compile, if they do not; else
    /// the statements making the cells of its captured variables.
    pub(super) fn make_cells(&mut self) -> R<Vec<hir::Stmt>> {
        if let Some((span, reason)) = self.closure_refused.clone() {
            return fallback(&span, reason);
        }
        let line = self.me.line;
        let mut out = vec![];
        for name in self.closure.captured.clone() {
            if self.closure.fixed_params.contains(&name) {
                // Read in place by the function; the cell holds its value boxed.
                let p = self.me.params.iter().find(|p| p.name == name).map(|p| p.ty).unwrap_or(Ty::Object);
                let id = self.local_id(&name, p);
                let v = self.coerce(hir::Expr::local(id, p), Ty::Object, &self.me.span, &name)?;
                let cell = self.local_id(&format!("<cell {name}>"), Ty::Object);
                self.cells.insert(name, cell);
                out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(cell, op(ObjOp::CellNew, vec![v], Ty::Object))]), line });
                continue;
            }
            if let Some(t) = self.declared.get(&name).copied().filter(|t| *t != Ty::Object) {
                return fallback(&self.me.span, format!("a nested function captures `{name}`, which is declared {t} (captured variables are objects)"));
            }
            self.cell_reads.insert(name.clone());
            let value = match self.me.params.iter().position(|p| p.name == name) {
                Some(_) => {
                    let id = self.local_id(&name, Ty::Object);
                    vec![hir::Expr::local(id, Ty::Object)]
                }
                None => vec![],
            };
            let cell = self.local_id(&format!("<cell {name}>"), Ty::Object);
            self.cells.insert(name, cell);
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(cell, op(ObjOp::CellNew, value, Ty::Object))]), line });
        }
        Ok(out)
    }

    /// A captured variable's value, read from its cell.
    pub(super) fn cell_get(&self, name: &str, cell: LocalId) -> hir::Expr {
        op(ObjOp::CellGet(name.to_string()), vec![hir::Expr::local(cell, Ty::Object)], Ty::Object)
    }

    /// The body's assignments to captured variables each followed by the
    /// cell's update, and loops over one updating it at each trip.
    pub(super) fn sync_cells(&self, body: &mut Vec<hir::Stmt>) {
        let map: HashMap<LocalId, LocalId> = self.cells.iter().filter(|(n, _)| self.cell_reads.contains(*n)).filter_map(|(n, c)| self.local_ids.get(n).map(|id| (*id, *c))).collect();
        if !map.is_empty() {
            sync(body, &map);
        }
    }

    /// A nested `def` statement: the function made and bound to its name.
    pub(super) fn nested_def(&mut self, f: &FunctionDef, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let mut out = vec![];
        let mut decorators = vec![];
        for (k, d) in f.decorators.iter().enumerate() {
            let v = self.boxed_value(d)?;
            let id = self.local_id(&format!("<decorator {k} of {} at {}>", f.name, span.start), Ty::Object);
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(id, v)]), line });
            decorators.push(id);
        }
        let mut value = self.make_function(f, span)?;
        for id in decorators.into_iter().rev() {
            value = op(ObjOp::Call { keywords: vec![] }, vec![hir::Expr::local(id, Ty::Object), value], Ty::Object);
        }
        if self.globals.contains(&f.name) {
            out.push(hir::Stmt { kind: hir::StmtKind::Expr(super::object::set_global(&f.name, value)), line });
        } else {
            let pair = self.assign_to(&f.name, value, span)?;
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![pair]), line });
        }
        Ok(out)
    }

    /// A `def`'s or `lambda`'s function object (`span`: its statement's or
    /// expression's).
    pub(super) fn make_function(&mut self, f: &FunctionDef, span: &Span) -> R<hir::Expr> {
        let Some(nested) = self.closure.nested.get(&span.start) else {
            return fallback(span, format!("the nested function `{}` was not found by the closure analysis", f.name));
        };
        let (code, qualname, freevars) = (nested.code.clone(), nested.qualname.clone(), nested.freevars.clone());
        let mut operands = vec![];
        let closure = !freevars.is_empty();
        if closure {
            let mut cells = vec![];
            for n in &freevars {
                let Some(&c) = self.cells.get(n) else { return fallback(span, format!("the captured variable `{n}` has no cell")) };
                cells.push(hir::Expr::local(c, Ty::Object));
            }
            operands.push(op(ObjOp::Tuple, cells, Ty::Object));
        }
        let mut defaults = vec![];
        for p in f.params.iter().filter(|p| p.kind != ParamKind::KeywordOnly) {
            if let Some(d) = &p.default {
                defaults.push(self.boxed_value(d)?);
            }
        }
        let has_defaults = !defaults.is_empty();
        if has_defaults {
            operands.push(op(ObjOp::Tuple, defaults, Ty::Object));
        }
        let mut kw = vec![];
        for p in f.params.iter().filter(|p| p.kind == ParamKind::KeywordOnly) {
            if let Some(d) = &p.default {
                kw.push(super::object::konst(ObjConst::Str(p.name.clone())));
                kw.push(self.boxed_value(d)?);
            }
        }
        let has_kw = !kw.is_empty();
        if has_kw {
            operands.push(op(ObjOp::Dict, kw, Ty::Object));
        }
        // CPython's order: positional parameters, `*args`, keyword-only
        // ones, `**kwargs`, the return.
        let mut ann = vec![];
        let ordered = f.params.iter().filter(|p| p.kind != ParamKind::KeywordOnly).chain(&f.vararg).chain(f.params.iter().filter(|p| p.kind == ParamKind::KeywordOnly)).chain(&f.kwarg);
        let mut annotated: Vec<(String, &crate::syntax::Expr)> = ordered.filter_map(|p| p.annotation.as_ref().map(|a| (p.name.clone(), a))).collect();
        if let Some(r) = &f.returns {
            annotated.push(("return".to_string(), r));
        }
        if !annotated.is_empty() && self.cx.future_annotations {
            return fallback(span, format!("the nested function `{}` has annotations under `from __future__ import annotations` (kept as their source's text)", f.name));
        }
        for (name, a) in annotated.iter() {
            ann.push(super::object::konst(ObjConst::Str(name.clone())));
            ann.push(self.boxed_value(a)?);
        }
        let has_ann = !ann.is_empty();
        if has_ann {
            operands.push(op(ObjOp::Dict, ann, Ty::Object));
        }
        let make = ObjOp::MakeFunction { code, qualname, closure, defaults: has_defaults, kwdefaults: has_kw, annotations: has_ann };
        Ok(op(make, operands, Ty::Object))
    }
}

/// The cell update after each assignment to a captured variable's local.
fn sync(body: &mut Vec<hir::Stmt>, map: &HashMap<LocalId, LocalId>) {
    let set = |var: LocalId, cell: LocalId, line: u32| hir::Stmt {
        kind: hir::StmtKind::Expr(op(ObjOp::CellSet, vec![hir::Expr::local(var, Ty::Object), hir::Expr::local(cell, Ty::Object)], Ty::Void)),
        line,
    };
    let mut out = Vec::with_capacity(body.len());
    for mut s in std::mem::take(body) {
        let line = s.line;
        let mut after = vec![];
        match &mut s.kind {
            hir::StmtKind::Assign(pairs) => {
                for (id, _) in pairs.iter() {
                    if let Some(&c) = map.get(id) {
                        after.push(set(*id, c, line));
                    }
                }
            }
            hir::StmtKind::If { then, orelse, .. } => {
                sync(then, map);
                sync(orelse, map);
            }
            hir::StmtKind::While { body, orelse, .. } => {
                sync(body, map);
                sync(orelse, map);
            }
            hir::StmtKind::ForRange { var: v, body, orelse, .. } | hir::StmtKind::ForIter { item: v, body, orelse, .. } => {
                sync(body, map);
                sync(orelse, map);
                if let Some(&c) = map.get(v) {
                    body.insert(0, set(*v, c, line));
                }
            }
            hir::StmtKind::Try(t) => t.blocks_mut().into_iter().for_each(|b| sync(b, map)),
            hir::StmtKind::Gil { body, .. } => sync(body, map),
            _ => {}
        }
        out.push(s);
        out.extend(after);
    }
    *body = out;
}
