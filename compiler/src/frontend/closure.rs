//! Closures: which variables of a compiled function its nested `def`s and
//! `lambda`s capture (Python's scoping rules on our syntax tree), and each
//! nested function's code object as the interpreter compiles it.
//!
//! The compiled function keeps each captured variable in a cell (CPython's
//! `PyCell`), so a nested function sees its value when it runs (late
//! binding) and its `nonlocal` writes reach the function. A nested function
//! is a real Python function made where its `def` runs
//! (`ObjOp::MakeFunction`): its code object is compiled once, when the
//! module runs, from its own source wrapped in headers that rebuild its
//! enclosing scopes on the lines before it (`class C:`, then
//! `def outer(<captured names>):`), so its name, `__qualname__`, line
//! numbers, free variables and every error are CPython's own; its defaults,
//! keyword-only defaults, annotations and decorators are evaluated by the
//! compiled code, in CPython's order, each time the `def` runs.
//!
//! A nested function whose body is in the native subset gets a native
//! body instead (`native_nested`): a candidate of its own (`NestedFn`),
//! typed with a hidden first parameter, its function object, whose closure
//! holds its free variables' cells; the enclosing function makes it through
//! its maker (`hir::ObjConst::NativeFunction`). One that is decorated or
//! holds nested scopes of its own, or that does not type, keeps the
//! interpreted code object.
//!
//! The analysis must see every name a nested scope uses: where our syntax
//! tree keeps only a description (`Other`), the function stays Python.

use super::ModuleCx;
use crate::hir::NestedCode;
use crate::syntax::{Expr, ExprKind, FPart, FunctionDef, Stmt, StmtKind};
use crate::syntax::Span;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What nested functions a compiled function holds, and what they capture.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The function's variables that nested scopes capture (cells).
    pub captured: BTreeSet<String>,
    /// The captured parameters nothing assigns (neither the function nor a
    /// nested `nonlocal`): their cells are made once and never change, so
    /// the function reads the parameter itself (of any type: the cell
    /// holds it boxed).
    pub fixed_params: BTreeSet<String>,
    /// Each nested `def` (by its statement's span start) or `lambda` (by
    /// the expression's) directly in the function.
    pub nested: HashMap<usize, Nested>,
}

#[derive(Debug)]
pub(crate) struct Nested {
    /// Its free variables, in `co_freevars` order (sorted, as CPython's
    /// compiler orders them): the closure's cells.
    pub freevars: Vec<String>,
    pub code: NestedCode,
    pub qualname: String,
}

/// Whether the module starts with `from __future__ import annotations`.
pub(crate) fn future_annotations(body: &[Stmt]) -> bool {
    body.iter().any(|s| matches!(&s.kind, StmtKind::ImportFrom { module: Some(m), names, .. } if m == "__future__" && names.iter().any(|a| a.name == "annotations")))
}

/// Descriptions of `Other` expressions that hold no names.
const NAMELESS: &[&str] = &["a bytes literal", "a complex number", "a tuple constant"];

type Why = (Span, String);

/// One scope's names (a `def`, `lambda` or comprehension).
#[derive(Default)]
struct Scope {
    bound: HashSet<String>,
    used: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    /// Free variables of the scopes nested in it.
    inner_free: HashSet<String>,
    /// `:=` targets, which bind in the nearest enclosing `def` or `lambda`
    /// even from inside a comprehension (PEP 572).
    named: HashSet<String>,
}

impl Scope {
    /// The names it takes from enclosing scopes.
    fn free(&self) -> HashSet<String> {
        let mut f: HashSet<String> = self.used.iter().chain(&self.inner_free).filter(|n| !self.bound.contains(*n) || self.nonlocals.contains(*n)).cloned().collect();
        f.extend(self.nonlocals.iter().cloned());
        f.retain(|n| !self.globals.contains(n));
        f
    }
}

/// The walk of one nested scope: every name it uses and binds.
struct Walk {
    scope: Scope,
}

impl Walk {
    fn lossy(what: &str, span: &Span) -> Result<(), Why> {
        Err((span.clone(), format!("a nested function uses {what}, whose names the closure analysis does not see")))
    }

    fn target(&mut self, e: &Expr) -> Result<(), Why> {
        match &e.kind {
            ExprKind::Name(n) => {
                self.scope.bound.insert(n.clone());
                self.scope.used.insert(n.clone());
                Ok(())
            }
            ExprKind::Tuple(es) | ExprKind::List(es) => es.iter().try_for_each(|e| self.target(e)),
            ExprKind::Starred(e) => self.target(e),
            _ => self.expr(e),
        }
    }

    fn stmts(&mut self, body: &[Stmt]) -> Result<(), Why> {
        body.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), Why> {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                self.scope.bound.insert(f.name.clone());
                self.def_outside(f)?;
                let inner = def_scope(f)?;
                self.scope.inner_free.extend(inner.free());
                Ok(())
            }
            StmtKind::Return(v) => v.iter().try_for_each(|e| self.expr(e)),
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                targets.iter().try_for_each(|t| self.target(t))
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(value)?;
                self.target(target)
            }
            StmtKind::AnnAssign { target, annotation, value } => {
                self.expr(annotation)?;
                value.iter().try_for_each(|e| self.expr(e))?;
                self.target(target)
            }
            StmtKind::For { target, iter, body, orelse } => {
                self.expr(iter)?;
                self.target(target)?;
                self.stmts(body)?;
                self.stmts(orelse)
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.expr(test)?;
                self.stmts(body)?;
                self.stmts(orelse)
            }
            StmtKind::Raise { exc, cause } => exc.iter().chain(cause).try_for_each(|e| self.expr(e)),
            StmtKind::Assert { test, msg } => std::iter::once(test).chain(msg).try_for_each(|e| self.expr(e)),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
                let mut names = vec![];
                crate::syntax::bound_names(s, &mut names);
                for n in names.into_iter().filter(|n| n != "*") {
                    self.scope.bound.insert(n);
                }
                Ok(())
            }
            StmtKind::Global(names) => {
                self.scope.globals.extend(names.iter().cloned());
                Ok(())
            }
            StmtKind::Nonlocal(names) => {
                self.scope.nonlocals.extend(names.iter().cloned());
                Ok(())
            }
            StmtKind::Delete(targets) => targets.iter().try_for_each(|e| self.target(e)),
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => Ok(()),
            StmtKind::With { items, targets, body } => {
                for (item, target) in items.iter().zip(targets) {
                    self.expr(item)?;
                    target.iter().try_for_each(|t| self.target(t))?;
                }
                self.stmts(body)
            }
            StmtKind::Try { body, handlers, orelse, finalbody, .. } => {
                self.stmts(body)?;
                for h in handlers {
                    h.types.iter().try_for_each(|e| self.expr(e))?;
                    if let Some(n) = &h.name {
                        self.scope.bound.insert(n.clone());
                        self.scope.used.insert(n.clone());
                    }
                    self.stmts(&h.body)?;
                }
                self.stmts(orelse)?;
                self.stmts(finalbody)
            }
            StmtKind::Other { what, .. } => Self::lossy(what, &s.span),
        }
    }

    /// What a `def` or `lambda` evaluates in the scope around it:
    /// decorators, defaults, annotations.
    fn def_outside(&mut self, f: &FunctionDef) -> Result<(), Why> {
        f.decorators.iter().try_for_each(|d| self.expr(d))?;
        for p in f.params.iter().chain(&f.vararg).chain(&f.kwarg) {
            p.default.iter().chain(&p.annotation).try_for_each(|e| self.expr(e))?;
        }
        f.returns.iter().try_for_each(|e| self.expr(e))
    }

    fn expr(&mut self, e: &Expr) -> Result<(), Why> {
        match &e.kind {
            ExprKind::Name(n) => {
                self.scope.used.insert(n.clone());
                Ok(())
            }
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis => Ok(()),
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left)?;
                self.expr(right)
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => values.iter().try_for_each(|e| self.expr(e)),
            ExprKind::Compare { left, comparators, .. } => {
                self.expr(left)?;
                comparators.iter().try_for_each(|e| self.expr(e))
            }
            ExprKind::Call { func, args, keywords } => {
                self.expr(func)?;
                args.iter().try_for_each(|e| self.expr(e))?;
                keywords.iter().try_for_each(|k| self.expr(&k.value))
            }
            ExprKind::IfExp { test, body, orelse } => [test, body, orelse].into_iter().try_for_each(|e| self.expr(e)),
            ExprKind::Attribute { value, .. } | ExprKind::Starred(value) => self.expr(value),
            ExprKind::Yield(value) => value.iter().try_for_each(|e| self.expr(e)),
            ExprKind::Named { target, value } => {
                self.expr(value)?;
                self.scope.used.insert(target.clone());
                self.scope.named.insert(target.clone());
                Ok(())
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)
            }
            ExprKind::Slice { lower, upper, step } => lower.iter().chain(upper).chain(step).try_for_each(|e| self.expr(e)),
            ExprKind::Other(what) if NAMELESS.contains(what) => Ok(()),
            ExprKind::Other(what) => Self::lossy(what, &e.span),
            ExprKind::FString(parts) => {
                for p in parts {
                    if let FPart::Value { value, spec, .. } = p {
                        self.expr(value)?;
                        spec.iter().try_for_each(|s| self.expr(s))?;
                    }
                }
                Ok(())
            }
            ExprKind::Comp { elt, value, generators, .. } => {
                // The first iterable is evaluated outside; the rest in the
                // comprehension's own scope.
                let Some(first) = generators.first() else { return Ok(()) };
                self.expr(&first.iter)?;
                let mut inner = Walk { scope: Scope::default() };
                for (k, g) in generators.iter().enumerate() {
                    if k > 0 {
                        inner.expr(&g.iter)?;
                    }
                    inner.target(&g.target)?;
                    g.ifs.iter().try_for_each(|e| inner.expr(e))?;
                }
                inner.expr(elt)?;
                value.iter().try_for_each(|v| inner.expr(v))?;
                for n in &inner.scope.named {
                    self.scope.used.insert(n.clone());
                    self.scope.named.insert(n.clone());
                }
                self.scope.inner_free.extend(inner.scope.free());
                Ok(())
            }
            ExprKind::Dict(items) => items.iter().try_for_each(|(k, v)| {
                self.expr(k)?;
                self.expr(v)
            }),
            ExprKind::Lambda(f) => {
                self.def_outside(f)?;
                let inner = def_scope(f)?;
                self.scope.inner_free.extend(inner.free());
                Ok(())
            }
        }
    }
}

/// The scope of a nested `def` or `lambda` body.
fn def_scope(f: &FunctionDef) -> Result<Scope, Why> {
    let mut w = Walk { scope: Scope::default() };
    for p in f.params.iter().chain(&f.vararg).chain(&f.kwarg) {
        w.scope.bound.insert(p.name.clone());
    }
    w.stmts(&f.body)?;
    let named = std::mem::take(&mut w.scope.named);
    w.scope.bound.extend(named);
    for n in &w.scope.nonlocals {
        if w.scope.globals.contains(n) {
            return Err((f.name_span.clone(), format!("`{n}` is declared both global and nonlocal")));
        }
    }
    Ok(w.scope)
}

/// The nested scopes directly in a compiled function's body, in the order
/// their `def`s and `lambda`s run, with their free names; `in_comp`: inside
/// a comprehension of the function (each of whose runs has fresh
/// variables of its own, which a lambda there may not use: the compiled
/// comprehension's are hidden locals of the function).
struct Outer<'f> {
    nested: Vec<(Span, &'f FunctionDef, HashSet<String>)>,
    /// Walking a nested function's own body (where `nonlocal` is fine).
    in_nested: bool,
    in_comp: u32,
    /// The targets of the comprehensions around the walk.
    comp_targets: Vec<String>,
    /// Names bound by what the compiled function cannot keep in a cell.
    uncellable: Vec<(String, &'static str, Span)>,
}

impl<'f> Outer<'f> {
    fn stmts(&mut self, body: &'f [Stmt]) -> Result<(), Why> {
        body.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, s: &'f Stmt) -> Result<(), Why> {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                self.def_outside(f)?;
                let scope = def_scope(f)?;
                self.nested.push((s.span.clone(), f, scope.free()));
                Ok(())
            }
            StmtKind::Return(v) => v.iter().try_for_each(|e| self.expr(e)),
            StmtKind::Assign { targets, value } => std::iter::once(value).chain(targets).try_for_each(|e| self.expr(e)),
            StmtKind::AugAssign { target, value, .. } => [value, target].into_iter().try_for_each(|e| self.expr(e)),
            StmtKind::AnnAssign { target, annotation, value } => {
                if let ExprKind::Name(n) = &target.kind {
                    self.uncellable.push((n.clone(), "an annotation (a declared type)", target.span.clone()));
                }
                self.expr(annotation)?;
                value.iter().try_for_each(|e| self.expr(e))
            }
            StmtKind::For { target, iter, body, orelse } => {
                self.expr(iter)?;
                self.expr(target)?;
                self.stmts(body)?;
                self.stmts(orelse)
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.expr(test)?;
                self.stmts(body)?;
                self.stmts(orelse)
            }
            StmtKind::Raise { exc, cause } => exc.iter().chain(cause).try_for_each(|e| self.expr(e)),
            StmtKind::Assert { test, msg } => std::iter::once(test).chain(msg).try_for_each(|e| self.expr(e)),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
                let mut names = vec![];
                crate::syntax::bound_names(s, &mut names);
                self.uncellable.extend(names.into_iter().map(|n| (n, "`import`", s.span.clone())));
                Ok(())
            }
            StmtKind::Nonlocal(_) if self.in_nested => Ok(()),
            StmtKind::Nonlocal(_) => Err((s.span.clone(), "`nonlocal` at the top level of a module-level function (a SyntaxError)".into())),
            StmtKind::Global(_) | StmtKind::Pass | StmtKind::Break | StmtKind::Continue => Ok(()),
            StmtKind::Delete(targets) => {
                for t in targets {
                    if let ExprKind::Name(n) = &t.kind {
                        self.uncellable.push((n.clone(), "`del`", t.span.clone()));
                    }
                    self.expr(t)?;
                }
                Ok(())
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::With { items, targets, body } => {
                for (item, target) in items.iter().zip(targets) {
                    self.expr(item)?;
                    if let Some(t) = target {
                        let mut names = Walk { scope: Scope::default() };
                        names.target(t)?;
                        self.uncellable.extend(names.scope.bound.into_iter().map(|n| (n, "`with … as`", t.span.clone())));
                        self.expr(t)?;
                    }
                }
                self.stmts(body)
            }
            StmtKind::Try { body, handlers, orelse, finalbody, .. } => {
                self.stmts(body)?;
                for h in handlers {
                    h.types.iter().try_for_each(|e| self.expr(e))?;
                    if let Some(n) = &h.name {
                        self.uncellable.push((n.clone(), "`except … as`", h.span.clone()));
                    }
                    self.stmts(&h.body)?;
                }
                self.stmts(orelse)?;
                self.stmts(finalbody)
            }
            // The function stays Python for it anyway (typing says why);
            // what it binds cannot be a cell.
            StmtKind::Other { what, binds, body } => {
                self.uncellable.extend(binds.iter().map(|n| (n.clone(), *what, s.span.clone())));
                self.stmts(body)
            }
        }
    }

    fn def_outside(&mut self, f: &'f FunctionDef) -> Result<(), Why> {
        f.decorators.iter().try_for_each(|d| self.expr(d))?;
        for p in f.params.iter().chain(&f.vararg).chain(&f.kwarg) {
            p.default.iter().chain(&p.annotation).try_for_each(|e| self.expr(e))?;
        }
        f.returns.iter().try_for_each(|e| self.expr(e))
    }

    fn expr(&mut self, e: &'f Expr) -> Result<(), Why> {
        match &e.kind {
            ExprKind::Lambda(f) => {
                self.def_outside(f)?;
                let scope = def_scope(f)?;
                if self.in_comp > 0 {
                    // Fine unless it captures, or its defaults read, a
                    // comprehension's own variable (fresh per run there).
                    let mut outside = Walk { scope: Scope::default() };
                    outside.def_outside(f)?;
                    let reads = outside.scope.used.iter().chain(&outside.scope.inner_free).chain(scope.free().iter()).cloned().collect::<Vec<_>>();
                    if let Some(n) = reads.iter().find(|n| self.comp_targets.contains(n)) {
                        return Err((e.span.clone(), format!("it makes a lambda using the comprehension's variable `{n}` (a fresh variable per run of the comprehension)")));
                    }
                }
                self.nested.push((e.span.clone(), f, scope.free()));
                Ok(())
            }
            ExprKind::Comp { elt, value, generators, .. } => {
                self.in_comp += 1;
                let depth = self.comp_targets.len();
                for g in generators {
                    let mut t = Walk { scope: Scope::default() };
                    t.target(&g.target)?;
                    self.comp_targets.extend(t.scope.bound);
                }
                let r = (|| {
                    for g in generators {
                        self.expr(&g.iter)?;
                        g.ifs.iter().try_for_each(|e| self.expr(e))?;
                    }
                    self.expr(elt)?;
                    value.iter().try_for_each(|v| self.expr(v))
                })();
                self.in_comp -= 1;
                self.comp_targets.truncate(depth);
                r
            }
            ExprKind::BinOp { left, right, .. } => [left, right].into_iter().try_for_each(|e| self.expr(e)),
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => values.iter().try_for_each(|e| self.expr(e)),
            ExprKind::Compare { left, comparators, .. } => std::iter::once(&**left).chain(comparators).try_for_each(|e| self.expr(e)),
            ExprKind::Call { func, args, keywords } => {
                self.expr(func)?;
                args.iter().try_for_each(|e| self.expr(e))?;
                keywords.iter().try_for_each(|k| self.expr(&k.value))
            }
            ExprKind::IfExp { test, body, orelse } => [test, body, orelse].into_iter().try_for_each(|e| self.expr(e)),
            ExprKind::Attribute { value, .. } | ExprKind::Starred(value) => self.expr(value),
            ExprKind::Yield(value) => value.iter().try_for_each(|e| self.expr(e)),
            ExprKind::Named { target, value } => {
                self.uncellable.push((target.clone(), "`:=`", e.span.clone()));
                self.expr(value)
            }
            ExprKind::Subscript { value, index } => [value, index].into_iter().try_for_each(|e| self.expr(e)),
            ExprKind::Slice { lower, upper, step } => lower.iter().chain(upper).chain(step).try_for_each(|e| self.expr(e)),
            ExprKind::FString(parts) => {
                for p in parts {
                    if let FPart::Value { value, spec, .. } = p {
                        self.expr(value)?;
                        spec.iter().try_for_each(|s| self.expr(s))?;
                    }
                }
                Ok(())
            }
            ExprKind::Dict(items) => items.iter().try_for_each(|(k, v)| [k, v].into_iter().try_for_each(|e| self.expr(e))),
            ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis | ExprKind::Other(_) => Ok(()),
        }
    }
}

/// The closure plan of the compiled function `qualname` (`C.m` for a
/// method), or why it stays Python.
pub(crate) fn plan(cx: &ModuleCx, qualname: &str, def: &FunctionDef) -> Result<Plan, Why> {
    let mut outer = Outer { nested: vec![], in_nested: false, in_comp: 0, comp_targets: vec![], uncellable: vec![] };
    outer.stmts(&def.body)?;
    if outer.nested.is_empty() {
        return Ok(Plan::default());
    }
    let mut locals: HashSet<String> = def.params.iter().chain(&def.vararg).chain(&def.kwarg).map(|p| p.name.clone()).collect();
    let mut names = vec![];
    def.body.iter().for_each(|s| crate::syntax::bound_names(s, &mut names));
    locals.extend(names);
    let mut globals = vec![];
    crate::syntax::global_names(&def.body, &mut globals);
    for g in &globals {
        locals.remove(g);
    }
    let mut plan = Plan::default();
    for (span, f, free) in &outer.nested {
        let start = &span.start;
        let mut freevars: Vec<String> = free.iter().filter(|n| locals.contains(*n)).cloned().collect();
        freevars.sort();
        for n in free.iter().filter(|n| !locals.contains(*n)) {
            // `nonlocal x` with no `x` in the function: a SyntaxError the
            // interpreter reports when the module is compiled.
            if nonlocal_anywhere(f, n) {
                return Err((f.name_span.clone(), format!("a nested function declares `{n}` nonlocal, but no enclosing function binds it")));
            }
        }
        plan.captured.extend(freevars.iter().cloned());
        let code = code_source(cx, qualname, f, *start, &freevars)?;
        let name = f.name.clone();
        plan.nested.insert(*start, Nested { freevars, code, qualname: format!("{qualname}.<locals>.{name}") });
    }
    let mut assigned = vec![];
    def.body.iter().for_each(|s| crate::syntax::bound_names(s, &mut assigned));
    for p in def.params.iter().chain(&def.vararg).chain(&def.kwarg) {
        let rebound = assigned.contains(&p.name) || outer.nested.iter().any(|(_, f, _)| nonlocal_anywhere(f, &p.name));
        if plan.captured.contains(&p.name) && !rebound {
            plan.fixed_params.insert(p.name.clone());
        }
    }
    if let Some((n, what, span)) = outer.uncellable.iter().find(|(n, ..)| plan.captured.contains(n)) {
        return Err((span.clone(), format!("a nested function captures `{n}`, which is bound by {what} here (captured variables are compiled for plain assignments and loops)")));
    }
    Ok(plan)
}

fn nonlocal_anywhere(f: &FunctionDef, name: &str) -> bool {
    fn stmts(body: &[Stmt], name: &str) -> bool {
        body.iter().any(|s| match &s.kind {
            StmtKind::Nonlocal(ns) => ns.iter().any(|n| n == name),
            StmtKind::FunctionDef(f) => stmts(&f.body, name),
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => stmts(body, name) || stmts(orelse, name),
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => stmts(body, name),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().any(|b| stmts(b, name)),
            _ => false,
        })
    }
    stmts(&f.body, name)
}

/// The source the interpreter compiles a nested function's code object
/// from: the lines before it hold the headers of its enclosing scopes (the
/// classes of `qualname`, then the compiled function with the captured
/// names as parameters, so they are cells there), blank lines above them;
/// a `def` keeps its own lines from its first decorator's, a `lambda` is
/// returned from the function on its own line, at its own column when the
/// line has room.
fn code_source(cx: &ModuleCx, qualname: &str, f: &FunctionDef, start: usize, freevars: &[String]) -> Result<NestedCode, Why> {
    let text = &cx.src.text;
    let parts: Vec<&str> = qualname.split('.').collect();
    let (classes, fname) = parts.split_at(parts.len() - 1);
    // A generator expression's function (`syntax::genexpr_function`) is
    // compiled from its own text as a lambda is: its code the `<genexpr>` one.
    let is_lambda = f.name == "<lambda>" || f.name == crate::syntax::GENEXPR_NAME;
    let first = if is_lambda { start } else { f.decorators.iter().map(|d| d.span.start).chain([start]).min().unwrap_or(start) };
    let line_start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    let line0 = text[..first].matches('\n').count();
    let header = format!("{}def {}({}):", " ".repeat(classes.len()), fname[0], freevars.join(", "));
    let mut lines: Vec<String> = classes.iter().enumerate().map(|(k, c)| format!("{}class {c}:", " ".repeat(k))).collect();
    let end = f.name_span.end.min(text.len());
    let body = if is_lambda {
        let col = first - line_start;
        let ret = format!("{}return (", " ".repeat(classes.len() + 1));
        let own_line = line0 > lines.len();
        let lead = if own_line {
            lines.push(header.clone());
            ret
        } else {
            format!("{header} return (")
        };
        let pad = " ".repeat(col.saturating_sub(lead.len()));
        format!("{lead}{pad}{})\n", &text[first..end])
    } else {
        lines.push(header);
        format!("{}\n", &text[line_start..end])
    };
    if line0 < lines.len() {
        return Err((f.name_span.clone(), "a nested function starts too close to the top of the file to rebuild its scopes".into()));
    }
    let blank = line0 - lines.len();
    let mut source = "\n".repeat(blank);
    for l in &lines {
        source.push_str(l);
        source.push('\n');
    }
    source.push_str(&body);
    Ok(NestedCode { source, path: cx.source_path.clone(), future_annotations: cx.future_annotations, freevars: freevars.to_vec(), depth: classes.len() + 2 })
}

/// A nested function typed as a candidate of its own (by its candidate's
/// name in `ModuleCx::nested_fns`).
#[derive(Debug, Clone)]
pub(crate) struct NestedFn {
    /// The enclosing compiled function's candidate name.
    pub outer: String,
    /// Its `def` statement's or `lambda` expression's span start (the key
    /// of `Plan::nested`).
    pub start: usize,
    /// Its free variables in `co_freevars` order: item `k` of its closure.
    pub freevars: Vec<String>,
    pub qualname: String,
}

/// The hidden first parameter of a native nested function: its function object.
pub(crate) const FUNCTION_PARAM: &str = "<function>";

/// What becomes of each nested function of the compiled function `outer`
/// (`qualname` its candidate name): `Ok` with its candidate's name, def,
/// span and facts when it may get a native body, `Err` with its qualified
/// name and why it keeps its interpreted code object. Nothing when the
/// function's closures do not compile at all.
#[allow(clippy::type_complexity)]
pub(crate) fn native_nested<'f>(cx: &ModuleCx, qualname: &str, def: &'f FunctionDef) -> Vec<Result<(String, &'f FunctionDef, Span, NestedFn), (String, Span, String)>> {
    let Ok(plan) = plan(cx, qualname, def) else { return vec![] };
    let mut outer = Outer { nested: vec![], in_nested: false, in_comp: 0, comp_targets: vec![], uncellable: vec![] };
    if outer.stmts(&def.body).is_err() {
        return vec![];
    }
    let mut out = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (span, f, _) in &outer.nested {
        let Some(n) = plan.nested.get(&span.start) else { continue };
        let count = seen.entry(n.qualname.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 { n.qualname.clone() } else { format!("{}#{}", n.qualname, count) };
        if let Some(d) = f.decorators.first() {
            out.push(Err((name, d.span.clone(), "it is decorated (the decorators apply to its interpreted function)".into())));
            continue;
        }
        let mut own = Outer { nested: vec![], in_nested: true, in_comp: 0, comp_targets: vec![], uncellable: vec![] };
        match own.stmts(&f.body) {
            Err((at, why)) => {
                out.push(Err((name, at, why)));
                continue;
            }
            Ok(()) if !own.nested.is_empty() => {
                out.push(Err((name, own.nested[0].0.clone(), "it holds a nested function or lambda of its own".into())));
                continue;
            }
            Ok(()) => {}
        }
        let info = NestedFn { outer: qualname.to_string(), start: span.start, freevars: n.freevars.clone(), qualname: n.qualname.clone() };
        out.push(Ok((name, *f, span.clone(), info)));
    }
    out
}

/// The candidates of the nested functions of `outers` that may get native
/// bodies (recorded in `cx.nested_fns`); the others reported with why they
/// keep their interpreted code objects.
pub(crate) fn nested_candidates<'a>(cx: &ModuleCx, outers: &[super::typeck::Candidate<'a>], left: &mut Vec<crate::hir::LeftToPython>) -> Vec<super::typeck::Candidate<'a>> {
    let mut out = vec![];
    for c in outers {
        for r in native_nested(cx, &c.name, c.def) {
            let (name, span, reason) = match r {
                Ok((name, f, span, info)) => match super::typeck::nested_candidate(cx, f, &span, &name) {
                    Ok(n) => {
                        cx.nested_fns.borrow_mut().insert(name, info);
                        out.push(n);
                        continue;
                    }
                    Err(super::Problem::Fallback { span, reason }) => (name, span, reason),
                    Err(super::Problem::Error(d)) => (name, d.span.clone(), d.message.clone()),
                    Err(super::Problem::Pending) => (name, span, "its signature could not be typed".into()),
                },
                Err(e) => e,
            };
            let (line, col) = cx.src.line_col(span.start);
            left.push(crate::hir::LeftToPython { kind: NESTED_KIND, function: name, line, col, reason });
        }
    }
    out
}

/// How the build report names a nested function.
pub(crate) const NESTED_KIND: &str = "nested function";

/// The compiled nested functions, as functions of the module's function type.
pub(crate) fn nested_methods(cx: &ModuleCx, functions: &[crate::hir::Function], left: &mut [crate::hir::LeftToPython]) -> Vec<crate::hir::PlainMethod> {
    let fns = cx.nested_fns.borrow();
    for l in left.iter_mut().filter(|l| fns.contains_key(&l.function)) {
        l.kind = NESTED_KIND;
    }
    functions
        .iter()
        .filter_map(|f| fns.get(&f.name).map(|n| crate::hir::PlainMethod { func: f.id, qualname: n.qualname.clone(), class_cell: false, nested: true }))
        .collect()
}
