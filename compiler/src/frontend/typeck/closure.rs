//! Closures typed into HIR (the analysis is `frontend/closure.rs`): each
//! captured variable's cell made on entry (holding the parameter's value
//! for a parameter), its reads through the cell (`ObjOp::CellGet`, which
//! raises UnboundLocalError for an empty one), every assignment to it
//! followed by the cell's update (`sync_cells`) — except a parameter that
//! nothing assigns, read in place (its cell holds it boxed, so a typed one
//! may be captured too); a nested `def` (decorators
//! evaluated first, then the defaults, keyword-only defaults and
//! annotations, the function made, the decorators applied innermost first)
//! and a `lambda` as `ObjOp::MakeFunction`, or, for one with a native
//! body (`frontend::closure::native_nested`), as the call of its maker
//! (`ObjConst::NativeFunction`) with its closure, defaults and keyword-only
//! defaults, its annotations set on the new function after.
//!
//! A native nested function itself (`Checker::nested_fn`) takes its cells
//! from its hidden first parameter's closure on entry (`FieldLoad` at
//! `hir::FUNCTION_CLOSURE_OFFSET`, then item `k`), reads its free
//! variables through them (an empty one: CPython's NameError for a free
//! variable, `hir::FREE_VAR_PREFIX`) and updates them after each
//! assignment to a `nonlocal` name.

use super::signature::SigParam;
use super::{Candidate, Checker, R};
use crate::frontend::closure::{NestedFn, FUNCTION_PARAM};
use crate::frontend::{fallback, ModuleCx};
use crate::hir::{self, Const, LocalId, ObjConst, ObjOp};
use crate::syntax::{FunctionDef, ParamKind, Span};
use crate::types::Ty;
use std::collections::HashMap;

fn op(op: ObjOp, operands: Vec<hir::Expr>, ty: Ty) -> hir::Expr {
    hir::Expr { kind: hir::ExprKind::ObjOp { op, operands }, ty }
}

/// A nested function's candidate, named `name`: its hidden first
/// parameter (the function object, `FUNCTION_PARAM`), then its own.
pub(crate) fn nested_candidate<'a>(cx: &ModuleCx, def: &'a FunctionDef, span: &Span, name: &str) -> R<Candidate<'a>> {
    let mut c = Candidate::new(cx, def, span)?;
    c.name = name.to_string();
    c.params.insert(0, SigParam { name: FUNCTION_PARAM.into(), ty: Ty::Object, kind: ParamKind::PositionalOnly, default: None, default_src: None, accepts_none: false });
    Ok(c)
}

impl<'c, 'a> Checker<'c, 'a> {
    /// The nested function being typed, when it is one with a native body.
    pub(super) fn nested_fn(&self) -> Option<NestedFn> {
        self.cx.nested_fns.borrow().get(&self.me.name).cloned()
    }

    /// A native nested function's cells, from its closure.
    fn free_cells(&mut self, n: &NestedFn) -> Vec<hir::Stmt> {
        let line = self.me.line;
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        let me = self.local_id(FUNCTION_PARAM, Ty::Object);
        let mut out = vec![];
        for (k, name) in n.freevars.iter().enumerate() {
            let closure = hir::Expr { kind: hir::ExprKind::FieldLoad { obj: Box::new(hir::Expr::local(me, Ty::Object)), offset: hir::FUNCTION_CLOSURE_OFFSET }, ty: Ty::Object };
            let item = op(ObjOp::GetItemInt, vec![closure, hir::Expr::konst(Const::Int(k as i64), ssize)], Ty::Object);
            let cell = self.local_id(&format!("<cell {name}>"), Ty::Object);
            self.cells.insert(name.clone(), cell);
            self.cell_reads.insert(name.clone());
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(cell, item)]), line });
        }
        out
    }

    /// Why the function's closures do not compile, if they do not; else
    /// the statements making the cells of its captured variables.
    pub(super) fn make_cells(&mut self) -> R<Vec<hir::Stmt>> {
        if let Some((span, reason)) = self.closure_refused.clone() {
            return fallback(&span, reason);
        }
        if let Some(n) = self.nested_fn() {
            return Ok(self.free_cells(&n));
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
        // A native nested function's cells are all its free variables'.
        let shown = if self.nested_fn().is_some() { format!("{}{name}", hir::FREE_VAR_PREFIX) } else { name.to_string() };
        op(ObjOp::CellGet(shown), vec![hir::Expr::local(cell, Ty::Object)], Ty::Object)
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
        if let Some(ann) = self.native_annotations(f, span)? {
            // The native function made, then its annotations set (what
            // `PyFunction_SetAnnotations` does for an interpreted one).
            let id = self.local_id(&format!("<function {} at {}>", f.name, span.start), Ty::Object);
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(id, value)]), line });
            let set = op(ObjOp::SetAttr("__annotations__".into()), vec![ann, hir::Expr::local(id, Ty::Object)], Ty::Void);
            out.push(hir::Stmt { kind: hir::StmtKind::Expr(set), line });
            value = hir::Expr::local(id, Ty::Object);
        }
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
        if let Some(id) = self.native_nested_id(span) {
            return self.make_native(f, id, code, &freevars, span);
        }
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
            ann.push(self.annotation_value(a)?);
        }
        let has_ann = !ann.is_empty();
        if has_ann {
            operands.push(op(ObjOp::Dict, ann, Ty::Object));
        }
        let make = ObjOp::MakeFunction { code, qualname, closure, defaults: has_defaults, kwdefaults: has_kw, annotations: has_ann };
        Ok(op(make, operands, Ty::Object))
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// The function id of the nested function at `span` when it has a
    /// native body (it typed, in this round of `check_all`).
    fn native_nested_id(&self, span: &Span) -> Option<hir::FuncId> {
        let fns = self.cx.nested_fns.borrow();
        let (name, _) = fns.iter().find(|(_, n)| n.outer == self.me.name && n.start == span.start)?;
        self.ids.get(name).copied()
    }

    /// A native nested function made: its maker called with its code
    /// object (its `__code__`), the closure
    /// (a tuple of cells), the defaults (a tuple) and the keyword-only
    /// defaults (a dict), each None when it has none.
    fn make_native(&mut self, f: &FunctionDef, id: hir::FuncId, code: hir::NestedCode, freevars: &[String], span: &Span) -> R<hir::Expr> {
        let none = || super::object::konst(ObjConst::None);
        let closure = if freevars.is_empty() {
            none()
        } else {
            let mut cells = vec![];
            for n in freevars {
                let Some(&c) = self.cells.get(n) else { return fallback(span, format!("the captured variable `{n}` has no cell")) };
                cells.push(hir::Expr::local(c, Ty::Object));
            }
            op(ObjOp::Tuple, cells, Ty::Object)
        };
        let mut defaults = vec![];
        for p in f.params.iter().filter(|p| p.kind != ParamKind::KeywordOnly) {
            if let Some(d) = &p.default {
                defaults.push(self.boxed_value(d)?);
            }
        }
        let defaults = if defaults.is_empty() { none() } else { op(ObjOp::Tuple, defaults, Ty::Object) };
        let mut kw = vec![];
        for p in f.params.iter().filter(|p| p.kind == ParamKind::KeywordOnly) {
            if let Some(d) = &p.default {
                kw.push(super::object::konst(ObjConst::Str(p.name.clone())));
                kw.push(self.boxed_value(d)?);
            }
        }
        let kw = if kw.is_empty() { none() } else { op(ObjOp::Dict, kw, Ty::Object) };
        let maker = super::object::konst(ObjConst::NativeFunction(id.0));
        let code = super::object::konst(ObjConst::Code(code));
        Ok(op(ObjOp::Call { keywords: vec![] }, vec![maker, code, closure, defaults, kw], Ty::Object))
    }

    /// An annotation's value: a `cython` type (`cython.double`) the shim's
    /// object of that name, what the interpreted `def` evaluates it to.
    fn annotation_value(&mut self, a: &crate::syntax::Expr) -> R<hir::Expr> {
        if let Some(crate::frontend::Binding::CythonAttr(n)) = self.cx.binding_of(a) {
            let shim = super::object::global(hir::SHIM_GLOBAL);
            return Ok(op(ObjOp::GetAttr(n), vec![shim], Ty::Object));
        }
        self.boxed_value(a)
    }

    /// A native nested `def`'s annotations (a dict, in CPython's order),
    /// if it has any; an interpreted one's are the maker's operands.
    fn native_annotations(&mut self, f: &FunctionDef, span: &Span) -> R<Option<hir::Expr>> {
        if self.native_nested_id(span).is_none() {
            return Ok(None);
        }
        let ordered = f.params.iter().filter(|p| p.kind != ParamKind::KeywordOnly).chain(&f.vararg).chain(f.params.iter().filter(|p| p.kind == ParamKind::KeywordOnly)).chain(&f.kwarg);
        let mut annotated: Vec<(String, &crate::syntax::Expr)> = ordered.filter_map(|p| p.annotation.as_ref().map(|a| (p.name.clone(), a))).collect();
        if let Some(r) = &f.returns {
            annotated.push(("return".to_string(), r));
        }
        if annotated.is_empty() {
            return Ok(None);
        }
        if self.cx.future_annotations {
            return fallback(span, format!("the nested function `{}` has annotations under `from __future__ import annotations` (kept as their source's text)", f.name));
        }
        let mut ann = vec![];
        for (name, a) in annotated.iter() {
            ann.push(super::object::konst(ObjConst::Str(name.clone())));
            ann.push(self.annotation_value(a)?);
        }
        Ok(Some(op(ObjOp::Dict, ann, Ty::Object)))
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
