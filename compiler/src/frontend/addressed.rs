//! Locals whose address is taken (`cython.address(x)`), on a function's
//! syntax tree before typing: compiled locals live in registers, so such a
//! local lives in a one-element C array instead (`x: T` becomes `x: T[1]`,
//! every `x` becomes `x[0]`), and `cython.address(x)` is the address of that
//! element. A parameter is copied into an array of its own (`&x`, a name no
//! Python code can spell) on entry. Anything this cannot rewrite exactly
//! (an undeclared or non-scalar local, a loop variable, tuple targets,
//! `prange`) leaves the function to Python, where the shim runs it.

use super::structs::{walk_expr, walk_stmt_exprs};
use super::{fallback, Binding, ModuleCx, Problem};
use crate::syntax::{Expr, ExprKind, FunctionDef, Keyword, Span, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashMap;

type R<T> = Result<T, Problem>;

/// `f` with its address-taken locals in one-element C arrays, or `None`
/// when it takes no local's address (it is then compiled exactly as before).
pub(crate) fn lower_function(cx: &ModuleCx, f: &FunctionDef) -> Option<R<FunctionDef>> {
    let mut taken: Vec<(String, Span)> = vec![];
    let mut parallel = None;
    for s in &f.body {
        walk_stmt_exprs(s, &mut |e| {
            walk_expr(e, &mut |x| {
                let ExprKind::Call { func, args, .. } = &x.kind else { return };
                match (cx.binding_of(func), args.as_slice()) {
                    (Some(Binding::CythonAttr(a)), [Expr { kind: ExprKind::Name(n), .. }]) if a == "address" => {
                        if !taken.iter().any(|(t, _)| t == n) {
                            taken.push((n.clone(), x.span.clone()));
                        }
                    }
                    (Some(Binding::CythonAttr(a)), _) if a.starts_with("parallel.") => parallel = Some(x.span.clone()),
                    _ => {}
                }
            })
        });
    }
    if taken.is_empty() {
        return None;
    }
    Some(lower(cx, f, taken, parallel))
}

fn lower(cx: &ModuleCx, f: &FunctionDef, taken: Vec<(String, Span)>, parallel: Option<Span>) -> R<FunctionDef> {
    if let Some(sp) = parallel {
        return fallback(&sp, format!("it takes the address of the local `{}` in a function with `prange`/`parallel`", taken[0].0));
    }
    // Each taken local: the array it lives in, and its element type.
    let mut arrays: HashMap<String, String> = HashMap::new();
    let mut prologue = vec![];
    for (n, sp) in &taken {
        let ty_expr = match f.params.iter().find(|p| &p.name == n) {
            Some(p) => {
                let Some(a) = &p.annotation else {
                    return fallback(sp, format!("it takes the address of the untyped parameter `{n}`"));
                };
                let array = format!("&{n}");
                prologue.push(stmt(StmtKind::AnnAssign { target: name(&array, sp), annotation: one(a), value: None }, sp));
                prologue.push(stmt(StmtKind::Assign { targets: vec![element(&array, sp)], value: name(n, sp) }, sp));
                arrays.insert(n.clone(), array);
                a.clone()
            }
            None => {
                let mut decls = vec![];
                find_annotations(&f.body, n, &mut decls);
                let [a] = decls.as_slice() else {
                    let why = if decls.is_empty() { "not declared by an annotation (`x: cython.double`)" } else { "annotated more than once" };
                    return fallback(sp, format!("it takes the address of the local `{n}`, {why}"));
                };
                arrays.insert(n.clone(), n.clone());
                a.clone()
            }
        };
        match cx.resolve_type(&ty_expr)? {
            Ty::Int(_) | Ty::Float(_) => {}
            t => return fallback(sp, format!("it takes the address of `{n}`, a {t} (only of C numbers yet)")),
        }
    }
    let lw = Rewrite { arrays: &arrays };
    let mut body = f.body.clone();
    // After the docstring, which stays the function's first statement.
    let at = usize::from(matches!(body.first(), Some(Stmt { kind: StmtKind::Expr(Expr { kind: ExprKind::Str(_), .. }), .. })));
    let rest = body.split_off(at);
    body.extend(prologue);
    for s in &rest {
        body.extend(lw.stmt(s)?);
    }
    Ok(FunctionDef { body, ..f.clone() })
}

fn name(n: &str, sp: &Span) -> Expr {
    Expr { kind: ExprKind::Name(n.to_string()), span: sp.clone() }
}

fn stmt(kind: StmtKind, sp: &Span) -> Stmt {
    Stmt { kind, span: sp.clone() }
}

/// `a[0]`.
fn element(a: &str, sp: &Span) -> Expr {
    let zero = Expr { kind: ExprKind::Int(Some(0)), span: sp.clone() };
    Expr { kind: ExprKind::Subscript { value: Box::new(name(a, sp)), index: Box::new(zero) }, span: sp.clone() }
}

/// `T[1]`.
fn one(t: &Expr) -> Expr {
    let n = Expr { kind: ExprKind::Int(Some(1)), span: t.span.clone() };
    Expr { kind: ExprKind::Subscript { value: Box::new(t.clone()), index: Box::new(n) }, span: t.span.clone() }
}

/// The annotations `n: T` in a body (nested blocks too).
fn find_annotations(body: &[Stmt], n: &str, out: &mut Vec<Expr>) {
    for s in body {
        match &s.kind {
            StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(t), .. }, annotation, .. } if t == n => out.push(annotation.clone()),
            StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                find_annotations(body, n, out);
                find_annotations(orelse, n, out);
            }
            StmtKind::With { body, .. } => find_annotations(body, n, out),
            _ => {}
        }
    }
}

struct Rewrite<'a> {
    /// Taken local → the array it lives in.
    arrays: &'a HashMap<String, String>,
}

impl Rewrite<'_> {
    fn block(&self, body: &[Stmt]) -> R<Vec<Stmt>> {
        let mut out = vec![];
        for s in body {
            out.extend(self.stmt(s)?);
        }
        Ok(out)
    }

    fn taken(&self, e: &Expr) -> Option<&str> {
        match &e.kind {
            ExprKind::Name(n) => self.arrays.get(n).map(String::as_str),
            _ => None,
        }
    }

    fn stmt(&self, s: &Stmt) -> R<Vec<Stmt>> {
        let sp = &s.span;
        let kind = match &s.kind {
            StmtKind::AnnAssign { target, annotation, value } if self.taken(target).is_some() => {
                let Some(a) = self.taken(target) else { return Ok(vec![]) };
                let mut out = vec![stmt(StmtKind::AnnAssign { target: name(a, &target.span), annotation: one(annotation), value: None }, sp)];
                if let Some(v) = value {
                    out.push(stmt(StmtKind::Assign { targets: vec![element(a, &target.span)], value: self.expr(v)? }, sp));
                }
                return Ok(out);
            }
            StmtKind::For { target, .. } if self.mentions_taken(target) => {
                return fallback(&target.span, "the address of a loop variable is taken");
            }
            StmtKind::Assign { targets, .. } if targets.iter().any(|t| matches!(t.kind, ExprKind::Tuple(_) | ExprKind::List(_)) && self.mentions_taken(t)) => {
                return fallback(sp, "it unpacks into a local whose address is taken");
            }
            StmtKind::Other { what, binds, .. } if binds.iter().any(|b| self.arrays.contains_key(b)) => {
                return fallback(sp, format!("{what} binds a local whose address is taken"));
            }
            StmtKind::FunctionDef(_) | StmtKind::Global(_) => return fallback(sp, "a nested scope beside a local whose address is taken"),
            StmtKind::Return(e) => StmtKind::Return(e.as_ref().map(|e| self.expr(e)).transpose()?),
            StmtKind::Expr(e) => StmtKind::Expr(self.expr(e)?),
            StmtKind::Assign { targets, value } => StmtKind::Assign { targets: targets.iter().map(|t| self.expr(t)).collect::<R<_>>()?, value: self.expr(value)? },
            StmtKind::AugAssign { target, op, value } => StmtKind::AugAssign { target: self.expr(target)?, op: *op, value: self.expr(value)? },
            StmtKind::AnnAssign { target, annotation, value } => {
                StmtKind::AnnAssign { target: target.clone(), annotation: annotation.clone(), value: value.as_ref().map(|v| self.expr(v)).transpose()? }
            }
            StmtKind::For { target, iter, body, orelse } => {
                StmtKind::For { target: target.clone(), iter: self.expr(iter)?, body: self.block(body)?, orelse: self.block(orelse)? }
            }
            StmtKind::While { test, body, orelse } => StmtKind::While { test: self.expr(test)?, body: self.block(body)?, orelse: self.block(orelse)? },
            StmtKind::If { test, body, orelse } => StmtKind::If { test: self.expr(test)?, body: self.block(body)?, orelse: self.block(orelse)? },
            StmtKind::Raise { exc, cause } => {
                StmtKind::Raise { exc: exc.as_ref().map(|e| self.expr(e)).transpose()?, cause: cause.as_ref().map(|e| self.expr(e)).transpose()? }
            }
            StmtKind::Assert { test, msg } => StmtKind::Assert { test: self.expr(test)?, msg: msg.as_ref().map(|e| self.expr(e)).transpose()? },
            StmtKind::With { items, targets, body } => {
                StmtKind::With { items: items.iter().map(|e| self.expr(e)).collect::<R<_>>()?, targets: targets.clone(), body: self.block(body)? }
            }
            StmtKind::Other { what, binds, body } => StmtKind::Other { what, binds: binds.clone(), body: self.block(body)? },
            other => other.clone(),
        };
        Ok(vec![Stmt { kind, span: sp.clone() }])
    }

    fn mentions_taken(&self, e: &Expr) -> bool {
        let mut found = false;
        walk_expr(e, &mut |x| found |= self.taken(x).is_some());
        found
    }

    /// Every use of a taken local is its array's element.
    fn expr(&self, e: &Expr) -> R<Expr> {
        let sp = &e.span;
        let bx = |x: &Expr| -> R<Box<Expr>> { Ok(Box::new(self.expr(x)?)) };
        let all = |xs: &[Expr]| -> R<Vec<Expr>> { xs.iter().map(|x| self.expr(x)).collect() };
        let kind = match &e.kind {
            ExprKind::Name(_) => return Ok(self.taken(e).map_or_else(|| e.clone(), |a| element(a, sp))),
            ExprKind::BinOp { left, op, right } => ExprKind::BinOp { left: bx(left)?, op: *op, right: bx(right)? },
            ExprKind::UnaryOp { op, operand } => ExprKind::UnaryOp { op: *op, operand: bx(operand)? },
            ExprKind::BoolOp { op, values } => ExprKind::BoolOp { op: *op, values: all(values)? },
            ExprKind::Compare { left, ops, comparators } => ExprKind::Compare { left: bx(left)?, ops: ops.clone(), comparators: all(comparators)? },
            ExprKind::Call { func, args, keywords } => ExprKind::Call {
                func: bx(func)?,
                args: all(args)?,
                keywords: keywords.iter().map(|k| Ok(Keyword { value: self.expr(&k.value)?, ..k.clone() })).collect::<R<_>>()?,
            },
            ExprKind::IfExp { test, body, orelse } => ExprKind::IfExp { test: bx(test)?, body: bx(body)?, orelse: bx(orelse)? },
            ExprKind::Attribute { value, attr } => ExprKind::Attribute { value: bx(value)?, attr: attr.clone() },
            ExprKind::Subscript { value, index } => ExprKind::Subscript { value: bx(value)?, index: bx(index)? },
            ExprKind::Slice { lower, upper, step } => ExprKind::Slice {
                lower: lower.as_deref().map(bx).transpose()?,
                upper: upper.as_deref().map(bx).transpose()?,
                step: step.as_deref().map(bx).transpose()?,
            },
            ExprKind::Tuple(items) => ExprKind::Tuple(all(items)?),
            ExprKind::List(items) => ExprKind::List(all(items)?),
            ExprKind::Set(items) => ExprKind::Set(all(items)?),
            ExprKind::Dict(pairs) => ExprKind::Dict(pairs.iter().map(|(k, v)| Ok((self.expr(k)?, self.expr(v)?))).collect::<R<_>>()?),
            ExprKind::Starred(x) => ExprKind::Starred(bx(x)?),
            other => other.clone(),
        };
        Ok(Expr { kind, span: sp.clone() })
    }
}
