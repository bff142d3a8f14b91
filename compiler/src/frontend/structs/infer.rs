//! Locals never declared whose every binding is a struct, or a pointer to
//! structs, of one type: struct locals and struct pointer locals as if
//! declared, as Cython's type inference makes them (its safe mode infers
//! structs and pointers; a ctuple or a union is inferred as an object there,
//! so neither is here). A binding is a plain `n = value` and the value one
//! of: a `@cfunc` returning the struct by value, a build `S(f=…)`, another
//! struct place of the type (a struct local, `arr[i]`, `ps[i]` in C memory);
//! for a pointer, anything `pointee` knows points to the struct (a cast, a
//! pointer local, `p + n`, a `@cfunc` returning `cython.pointer(S)`; with
//! `cython.NULL` among them Cython infers `void*`). A name bound any other
//! way, declared, read by a nested function, read by a comprehension or
//! subscripted (a struct) or read at an attribute that is no field keeps
//! its type from the checker, as before.

use super::{walk_expr, walk_stmt_exprs, Lower, R};
use crate::frontend::{Binding, ModuleCx};
use crate::syntax::{self, Expr, ExprKind, FunctionDef, Stmt, StmtKind};
use std::collections::{HashMap, HashSet};

/// What a value makes a local.
#[derive(Clone, PartialEq)]
enum Kind {
    Struct(String),
    Pointer(String),
}

impl Lower<'_, '_> {
    /// Infers the function's undeclared struct and struct pointer locals
    /// (registered as declared ones are) and returns their declarations,
    /// to put before the body.
    pub(super) fn infer_locals(&mut self, f: &FunctionDef) -> R<Vec<Stmt>> {
        let plain = plain_bindings(self.cx, f);
        let in_comprehension: HashSet<String> = plain.iter().filter(|(_, _, c)| *c).map(|(n, _, _)| n.clone()).collect();
        let mut values: HashMap<String, Vec<Expr>> = plain.into_iter().map(|(n, vs, _)| (n, vs)).collect();
        values.retain(|n, _| !self.locals.contains_key(n) && !self.pointers.contains_key(n));
        let mut candidates: Vec<String> = values.keys().cloned().collect();
        candidates.sort();
        if candidates.is_empty() {
            return Ok(vec![]);
        }
        // Optimistic first (a local bound from itself, `p = p + 1`, takes
        // the type of its other bindings), then every binding checked.
        let mut typed: HashMap<String, Kind> = HashMap::new();
        loop {
            let mut changed = false;
            for n in &candidates {
                if typed.contains_key(n) {
                    continue;
                }
                if let Some((k, v)) = values[n].iter().find_map(|v| Some((self.kind_of(v)?, v))) {
                    let v = v.clone();
                    self.assume(n, &k, &v);
                    typed.insert(n.clone(), k);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let uses = self.uses(&f.body);
        loop {
            let mut wrong = None;
            for (n, k) in &typed {
                let fits = values[n].iter().all(|v| self.kind_of(v).as_ref() == Some(k));
                // A comprehension reads a struct pointer local, not a struct local.
                let used = match k {
                    Kind::Struct(_) if in_comprehension.contains(n) => false,
                    Kind::Struct(s) => uses.get(n).is_none_or(|u| u.iter().all(|a| a.as_ref().is_some_and(|a| self.fields(s).iter().any(|(f, _)| f == a)))),
                    _ => true,
                };
                if !fits || !used {
                    wrong = Some(n.clone());
                    break;
                }
            }
            let Some(n) = wrong else { break };
            typed.remove(&n);
            self.locals.retain(|l, _| l != &n && !l.starts_with(&format!("{n}.")));
            self.pointers.remove(&n);
        }
        let mut typed: Vec<(String, Kind)> = typed.into_iter().collect();
        typed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = vec![];
        for (n, k) in typed {
            let sp = &values[&n][0].span;
            match k {
                Kind::Struct(s) => out.extend(self.declare_place(&n, &s, sp)?),
                Kind::Pointer(_) => {
                    let Some((_, m)) = self.pointers.get(&n).cloned() else { continue };
                    let char_ptr = Self::call(Self::cython_name(&m, "pointer", sp), vec![Self::cython_name(&m, "char", sp)], sp);
                    out.push(Stmt { kind: StmtKind::AnnAssign { target: super::name(n.clone(), sp), annotation: char_ptr, value: None }, span: sp.clone() });
                }
            }
        }
        Ok(out)
    }

    /// `n` taken as a local of kind `k`, which value `v` makes (until
    /// `infer_locals` drops it).
    fn assume(&mut self, n: &str, k: &Kind, v: &Expr) {
        match (k, self.pointee(v)) {
            (Kind::Struct(s), _) => self.register(n, s),
            (Kind::Pointer(s), Some((_, m))) => {
                self.pointers.insert(n.to_string(), (s.clone(), m));
            }
            _ => {}
        }
    }

    /// What local a value makes, when it is a struct or a pointer to one.
    fn kind_of(&self, v: &Expr) -> Option<Kind> {
        let by_value = |s: &String| self.structs.get(s).is_some_and(|d| !d.union && !d.ctuple && !d.py_buffer);
        if let Some(s) = self.place_type(v).filter(by_value) {
            return Some(Kind::Struct(s));
        }
        if let Some((c, _, _)) = self.by_value_callee(v) {
            return self.module.results.get(c).filter(|s| by_value(s)).map(|s| Kind::Struct(s.clone()));
        }
        if let ExprKind::Call { func, .. } = &v.kind {
            if let ExprKind::Name(s) = &func.kind {
                if by_value(s) {
                    return Some(Kind::Struct(s.clone()));
                }
            }
        }
        self.pointee(v).map(|(s, _)| Kind::Pointer(s))
    }

    /// How each name is read: the attribute read (`n.a`), or `None` for
    /// `n[…]` (what a struct local cannot be).
    fn uses(&self, body: &[Stmt]) -> HashMap<String, Vec<Option<String>>> {
        let mut out: HashMap<String, Vec<Option<String>>> = HashMap::new();
        for s in body {
            walk_stmt_exprs(s, &mut |e| {
                walk_expr(e, &mut |x| match &x.kind {
                    ExprKind::Attribute { value, attr } => {
                        if let ExprKind::Name(n) = &value.kind {
                            out.entry(n.clone()).or_default().push(Some(attr.clone()));
                        }
                    }
                    ExprKind::Subscript { value, .. } => {
                        if let ExprKind::Name(n) = &value.kind {
                            out.entry(n.clone()).or_default().push(None);
                        }
                    }
                    _ => {}
                })
            });
        }
        out
    }
}

/// The locals of `f` bound only by plain assignments `n = v` (blocks nested
/// in statements too), each with the values assigned, in name order: not a
/// parameter, not declared (an annotation, `cython.declare`,
/// `@cython.locals`), not `global`/`nonlocal`, read by no nested function
/// (a comprehension, which runs in the function, may: the flag says so).
pub(crate) fn plain_bindings(cx: &ModuleCx, f: &FunctionDef) -> Vec<(String, Vec<Expr>, bool)> {
    let mut excluded: HashSet<String> = HashSet::new();
    excluded.extend(f.params.iter().chain(&f.vararg).chain(&f.kwarg).map(|p| p.name.clone()));
    for d in &f.decorators {
        if let ExprKind::Call { func, keywords, .. } = &d.kind {
            if cx.binding_of(func) == Some(Binding::CythonAttr("locals".into())) {
                excluded.extend(keywords.iter().filter_map(|k| k.name.clone()));
            }
        }
    }
    let mut bound = vec![];
    f.body.iter().for_each(|s| syntax::bound_names(s, &mut bound));
    let mut bindings: HashMap<String, usize> = HashMap::new();
    for n in bound {
        *bindings.entry(n).or_default() += 1;
    }
    let mut values: HashMap<String, Vec<Expr>> = HashMap::new();
    let mut comprehensions = HashSet::new();
    scan(cx, &f.body, &mut values, &mut excluded, &mut comprehensions);
    let mut out: Vec<(String, Vec<Expr>, bool)> = values
        .into_iter()
        .filter(|(n, vs)| !excluded.contains(n) && bindings.get(n) == Some(&vs.len()))
        .map(|(n, vs)| {
            let c = comprehensions.contains(&n);
            (n, vs, c)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn scan(cx: &ModuleCx, body: &[Stmt], values: &mut HashMap<String, Vec<Expr>>, excluded: &mut HashSet<String>, comprehensions: &mut HashSet<String>) {
    let is_declare = |func: &Expr| cx.binding_of(func) == Some(Binding::CythonAttr("declare".into()));
    for s in body {
        match &s.kind {
            StmtKind::FunctionDef(g) => {
                names_in_function(g, excluded);
                continue;
            }
            StmtKind::Global(ns) | StmtKind::Nonlocal(ns) => excluded.extend(ns.iter().cloned()),
            StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), .. }, .. } => {
                excluded.insert(n.clone());
            }
            StmtKind::Assign { targets, value: Expr { kind: ExprKind::Call { func, .. }, .. } } if is_declare(func) => {
                for t in targets {
                    if let ExprKind::Name(n) = &t.kind {
                        excluded.insert(n.clone());
                    }
                }
            }
            StmtKind::Expr(Expr { kind: ExprKind::Call { func, keywords, .. }, .. }) if is_declare(func) => {
                excluded.extend(keywords.iter().filter_map(|k| k.name.clone()));
            }
            StmtKind::Assign { targets, value } => {
                if let [Expr { kind: ExprKind::Name(n), .. }] = targets.as_slice() {
                    values.entry(n.clone()).or_default().push(value.clone());
                }
            }
            _ => {}
        }
        for e in syntax::own_exprs(s) {
            walk_expr(e, &mut |x| {
                match x.kind {
                    ExprKind::Lambda(_) => names_in_expr(x, excluded),
                    ExprKind::Comp { .. } => names_in_expr(x, comprehensions),
                    _ => {}
                }
            });
        }
        match &s.kind {
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                scan(cx, body, values, excluded, comprehensions);
                scan(cx, orelse, values, excluded, comprehensions);
            }
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => scan(cx, body, values, excluded, comprehensions),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| scan(cx, b, values, excluded, comprehensions)),
            _ => {}
        }
    }
}

/// Every name a nested function reads or binds (its defaults, decorators
/// and body, nested scopes in it too).
fn names_in_function(g: &FunctionDef, out: &mut HashSet<String>) {
    for e in g.params.iter().chain(&g.vararg).chain(&g.kwarg).filter_map(|p| p.default.as_ref()).chain(&g.decorators) {
        names_in_expr(e, out);
    }
    names_in_body(&g.body, out);
}

fn names_in_body(body: &[Stmt], out: &mut HashSet<String>) {
    for s in body {
        if let StmtKind::FunctionDef(g) = &s.kind {
            names_in_function(g, out);
        }
        syntax::own_exprs(s).into_iter().for_each(|e| names_in_expr(e, out));
        match &s.kind {
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                names_in_body(body, out);
                names_in_body(orelse, out);
            }
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => names_in_body(body, out),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| names_in_body(b, out)),
            _ => {}
        }
    }
}

fn names_in_expr(e: &Expr, out: &mut HashSet<String>) {
    walk_expr(e, &mut |x| match &x.kind {
        ExprKind::Name(n) => {
            out.insert(n.clone());
        }
        ExprKind::Lambda(g) => names_in_function(g, out),
        _ => {}
    });
}
