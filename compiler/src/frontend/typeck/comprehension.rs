//! List, set and dict comprehensions typed into HIR
//! (`hir::ExprKind::Comprehension`), and a generator expression passed
//! alone to a builtin that makes a list of its argument before anything
//! else (`list`, `tuple`, `sorted`, `"sep".join`), or that consumes it
//! whole (`sum`, with its start; `min`/`max`, with `key=`/`default=`),
//! typed as a list comprehension: the same calls, results and errors; to `set`,
//! `frozenset` and `dict` (items `(k, v)`), as a set or dict comprehension
//! (items added as they come, as those builtins add them); to `any` and
//! `all`, as loops that stop at the deciding item.
//!
//! Python's scoping: a comprehension's targets are its own variables, so
//! each is renamed (in the syntax of the parts that see it) to a hidden
//! local that cannot clash with the function's; the first iterable is
//! evaluated where the comprehension is, the rest inside it. Targets other
//! than one name, and generator expressions anywhere else, stay Python.

use crate::frontend::fallback;
use crate::hir::{self, CompFor, CompKind as H, Comprehension};
use crate::syntax::{self, CompKind, Expr, ExprKind, FPart, Span};
use crate::types::Ty;

use super::object::{boxed, konst};
use super::{Checker, R};

/// `e` with the free names in `map` renamed (the last pair for a name wins).
fn rename(e: &Expr, map: &[(String, String)]) -> Expr {
    let r = |x: &Expr| rename(x, map);
    let b = |x: &Expr| Box::new(rename(x, map));
    let kind = match &e.kind {
        ExprKind::Name(n) => match map.iter().rev().find(|(from, _)| from == n) {
            Some((_, to)) => ExprKind::Name(to.clone()),
            None => ExprKind::Name(n.clone()),
        },
        ExprKind::BinOp { left, op, right } => ExprKind::BinOp { left: b(left), op: *op, right: b(right) },
        ExprKind::UnaryOp { op, operand } => ExprKind::UnaryOp { op: *op, operand: b(operand) },
        ExprKind::BoolOp { op, values } => ExprKind::BoolOp { op: *op, values: values.iter().map(r).collect() },
        ExprKind::Compare { left, ops, comparators } => ExprKind::Compare { left: b(left), ops: ops.clone(), comparators: comparators.iter().map(r).collect() },
        ExprKind::Call { func, args, keywords } => ExprKind::Call {
            func: b(func),
            args: args.iter().map(r).collect(),
            keywords: keywords.iter().map(|k| syntax::Keyword { value: r(&k.value), ..k.clone() }).collect(),
        },
        ExprKind::IfExp { test, body, orelse } => ExprKind::IfExp { test: b(test), body: b(body), orelse: b(orelse) },
        ExprKind::Attribute { value, attr } => ExprKind::Attribute { value: b(value), attr: attr.clone() },
        ExprKind::Subscript { value, index } => ExprKind::Subscript { value: b(value), index: b(index) },
        ExprKind::Slice { lower, upper, step } => {
            ExprKind::Slice { lower: lower.as_deref().map(b), upper: upper.as_deref().map(b), step: step.as_deref().map(b) }
        }
        ExprKind::Tuple(xs) => ExprKind::Tuple(xs.iter().map(r).collect()),
        ExprKind::List(xs) => ExprKind::List(xs.iter().map(r).collect()),
        ExprKind::Set(xs) => ExprKind::Set(xs.iter().map(r).collect()),
        ExprKind::Dict(kvs) => ExprKind::Dict(kvs.iter().map(|(k, v)| (r(k), r(v))).collect()),
        ExprKind::Starred(x) => ExprKind::Starred(b(x)),
        // The target binds in the enclosing function (PEP 572): not renamed.
        ExprKind::Named { target, value } => ExprKind::Named { target: target.clone(), value: b(value) },
        ExprKind::FString(parts) => ExprKind::FString(
            parts
                .iter()
                .map(|p| match p {
                    FPart::Lit(s) => FPart::Lit(s.clone()),
                    FPart::Value { value, conversion, spec } => FPart::Value { value: b(value), conversion: *conversion, spec: spec.as_deref().map(b) },
                })
                .collect(),
        ),
        ExprKind::Comp { kind, elt, value, generators } => {
            // The first iterable is outside the inner comprehension; the
            // rest see its own targets, which hide the outer names.
            let mut inner: Vec<(String, String)> = map.to_vec();
            let mut gens = vec![];
            for (i, g) in generators.iter().enumerate() {
                let iter = rename(&g.iter, if i == 0 { map } else { &inner });
                let mut bound = vec![];
                target_names(&g.target, &mut bound);
                inner.retain(|(from, _)| !bound.contains(from));
                gens.push(syntax::CompFor { target: g.target.clone(), iter, ifs: g.ifs.iter().map(|c| rename(c, &inner)).collect() });
            }
            ExprKind::Comp { kind: *kind, elt: Box::new(rename(elt, &inner)), value: value.as_deref().map(|v| Box::new(rename(v, &inner))), generators: gens }
        }
        other => other.clone(),
    };
    Expr { kind, span: e.span.clone() }
}

/// The names a comprehension's target binds (a pattern's, nested and starred).
fn target_names(t: &Expr, out: &mut Vec<String>) {
    match &t.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Tuple(xs) | ExprKind::List(xs) => xs.iter().for_each(|x| target_names(x, out)),
        ExprKind::Starred(x) => target_names(x, out),
        _ => {}
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// A comprehension (`CompKind::Gen` only as a list, where a call takes it so).
    pub(super) fn comprehension(&mut self, kind: CompKind, elt: &Expr, value: Option<&Expr>, generators: &[syntax::CompFor], span: &Span) -> R<hir::Expr> {
        let kind = match kind {
            CompKind::List => H::List,
            CompKind::Set => H::Set,
            CompKind::Dict => H::Dict,
            CompKind::Gen => return fallback(span, "it uses a generator expression (compiled only as the one argument of `list`, `tuple`, `set`, `frozenset`, `sorted`, `any`, `all`, `\"…\".join`, or of `dict` with `(key, value)` items)"),
        };
        self.comprehension_of(kind, elt, value, generators, span)
    }

    /// `any(x for …)` or `all(…)` of the builtins (not shadowed), no
    /// keywords: which of the two it is (`None`: not such a call).
    pub(super) fn any_all_kind(&self, e: &Expr) -> Option<H> {
        let ExprKind::Call { func, args, keywords } = &e.kind else { return None };
        let [Expr { kind: ExprKind::Comp { kind: CompKind::Gen, value: None, .. }, .. }] = args.as_slice() else { return None };
        match &func.kind {
            ExprKind::Name(n) if keywords.is_empty() && !self.shadowed(n) && n == "any" => Some(H::Any),
            ExprKind::Name(n) if keywords.is_empty() && !self.shadowed(n) && n == "all" => Some(H::All),
            _ => None,
        }
    }

    /// An `any_all_kind` call: loops that stop at the deciding item.
    pub(super) fn any_all_call(&mut self, e: &Expr, kind: H) -> R<hir::Expr> {
        let ExprKind::Call { args, .. } = &e.kind else { return fallback(&e.span, "`any`/`all` without its argument") };
        let [Expr { kind: ExprKind::Comp { elt, generators, .. }, span }] = args.as_slice() else {
            return fallback(&e.span, "`any`/`all` without its generator expression");
        };
        self.comprehension_of(kind, elt, None, generators, span)
    }

    fn comprehension_of(&mut self, kind: H, elt: &Expr, value: Option<&Expr>, generators: &[syntax::CompFor], span: &Span) -> R<hir::Expr> {
        if self.uses_super && !self.shadowed("super") && crate::frontend::pyclass::names_super(self.cx.source_text(span)) {
            return fallback(span, "it uses `super` inside a comprehension (before Python 3.12 a function of its own, whose first argument is the iterator)");
        }
        let mut map: Vec<(String, String)> = vec![];
        let mut gens = vec![];
        for (i, g) in generators.iter().enumerate() {
            let iter = if i == 0 { g.iter.clone() } else { rename(&g.iter, &map) };
            let iter = self.object_expr_of(&iter)?;
            // Each name the target binds renamed to one no Python
            // identifier can be: the comprehension's own.
            let mut names = vec![];
            target_names(&g.target, &mut names);
            for n in &names {
                let hidden = format!("{n}<comprehension {}>", span.start);
                map.push((n.clone(), hidden.clone()));
                self.local_names.insert(hidden.clone());
                self.assign_to(&hidden, konst(hir::ObjConst::None), &g.target.span)?;
            }
            let (target, unpack) = match &g.target.kind {
                ExprKind::Name(n) => (self.assign_to(&format!("{n}<comprehension {}>", span.start), konst(hir::ObjConst::None), &g.target.span)?.0, vec![]),
                ExprKind::Tuple(_) | ExprKind::List(_) => {
                    // A pattern: each item into a hidden local, then
                    // unpacked into the renamed names before the conditions.
                    let item = format!("<comprehension {} item {i}>", span.start);
                    self.local_names.insert(item.clone());
                    let (id, _) = self.assign_to(&item, konst(hir::ObjConst::None), &g.target.span)?;
                    let line = self.line(&g.target.span);
                    let pattern = rename(&g.target, &map);
                    let stmts = self.unpack_target(&pattern, hir::Expr::local(id, Ty::Object), &format!("comprehension {} {i}", span.start), line)?;
                    (id, stmts)
                }
                _ => return fallback(&g.target.span, "a comprehension's target is not a name or a tuple of names"),
            };
            let mut conds = vec![];
            for c in &g.ifs {
                conds.push(self.cond(&rename(c, &map))?);
            }
            gens.push(CompFor { target, unpack, iter, conds });
        }
        let elt = match kind {
            H::Any | H::All => self.cond(&rename(elt, &map))?,
            _ => self.object_expr_of(&rename(elt, &map))?,
        };
        let value = match value {
            Some(v) => Some(self.object_expr_of(&rename(v, &map))?),
            None => None,
        };
        Ok(hir::Expr { kind: hir::ExprKind::Comprehension(Box::new(Comprehension { kind, generators: gens, elt, value })), ty: Ty::Object })
    }

    /// `e` typed as an object (a C value boxed).
    fn object_expr_of(&mut self, e: &Expr) -> R<hir::Expr> {
        let v = self.expr(e)?;
        match v.ty {
            Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => Ok(boxed(v)),
            t => fallback(&e.span, format!("a comprehension holds {t}, which is not an object")),
        }
    }

    /// `list(x for …)`, `tuple(…)`, `sorted(…, key=…)` or `"sep".join(…)`
    /// of the builtin (not shadowed): the call with a list comprehension in
    /// place of the generator expression (each of them makes a list of its
    /// argument first), else `None`.
    pub(super) fn genexpr_call(&self, e: &Expr) -> Option<Expr> {
        let ExprKind::Call { func, args, keywords } = &e.kind else { return None };
        // `sum(x for …, start)`: the list in place of the generator, the
        // start after it.
        if let [first @ Expr { kind: ExprKind::Comp { kind: CompKind::Gen, elt, value, generators }, .. }, start] = args.as_slice() {
            if matches!(&func.kind, ExprKind::Name(n) if n == "sum" && !self.shadowed(n)) && !matches!(start.kind, ExprKind::Starred(_)) {
                let list = Expr { kind: ExprKind::Comp { kind: CompKind::List, elt: elt.clone(), value: value.clone(), generators: generators.clone() }, span: first.span.clone() };
                return Some(Expr { kind: ExprKind::Call { func: func.clone(), args: vec![list, start.clone()], keywords: keywords.clone() }, span: e.span.clone() });
            }
            return None;
        }
        let [arg @ Expr { kind: ExprKind::Comp { kind: CompKind::Gen, elt, value, generators }, .. }] = args.as_slice() else { return None };
        let own = |kind: CompKind, elt: Box<Expr>, value: Option<Box<Expr>>| Expr { kind: ExprKind::Comp { kind, elt, value, generators: generators.clone() }, span: arg.span.clone() };
        if let ExprKind::Name(n) = &func.kind {
            // The set or dict the generator's items go into one by one, as
            // the comprehension of that kind adds them (`frozenset` then
            // copies the set, hashes kept); a dict's items only `(k, v)`
            // displays, each a key then its value.
            let called = |arg: Expr| Some(Expr { kind: ExprKind::Call { func: func.clone(), args: vec![arg], keywords: vec![] }, span: e.span.clone() });
            match n.as_str() {
                _ if self.shadowed(n) || !keywords.is_empty() => {}
                "set" => return Some(own(CompKind::Set, elt.clone(), None)),
                "frozenset" => return called(own(CompKind::Set, elt.clone(), None)),
                "dict" => {
                    if let ExprKind::Tuple(kv) = &elt.kind {
                        if let [k, v] = kv.as_slice() {
                            return Some(own(CompKind::Dict, Box::new(k.clone()), Some(Box::new(v.clone()))));
                        }
                    }
                }
                _ => {}
            }
        }
        let takes_a_list = match &func.kind {
            ExprKind::Name(n) if !self.shadowed(n) => match n.as_str() {
                "list" | "tuple" => keywords.is_empty(),
                "sorted" => true,
                // They consume the whole iterable before returning (a list
                // of the items made first: the same result and messages,
                // 3.12's compensated float `sum` included; only the order
                // of the items' side effects against the additions or
                // comparisons differs).
                "sum" | "min" | "max" => keywords.iter().all(|k| k.name.is_some()),
                _ => false,
            },
            ExprKind::Attribute { value, attr } => attr == "join" && matches!(value.kind, ExprKind::Str(_)) && keywords.is_empty(),
            _ => false,
        };
        if !takes_a_list {
            return None;
        }
        let list = Expr { kind: ExprKind::Comp { kind: CompKind::List, elt: elt.clone(), value: value.clone(), generators: generators.clone() }, span: arg.span.clone() };
        Some(Expr { kind: ExprKind::Call { func: func.clone(), args: vec![list], keywords: keywords.clone() }, span: e.span.clone() })
    }
}
