//! `yield` inside an expression, rewritten on the syntax tree into the
//! forms the native generator suspends at (`yield v` as a statement, `x =
//! yield v`): a statement whose expressions hold a `yield` becomes, in
//! Python's evaluation order, assignments of everything evaluated before
//! the first `yield` to hidden locals (`<hoist a-b>`, named by the
//! source span of what they hold), then `<sent a-b> = yield v`, then the
//! statement with those parts replaced by the hidden names; the result is
//! rewritten again while a `yield` is left in it. What runs only on a
//! condition (an operand of `and`/`or` after the first, a branch of a
//! conditional expression, a later link of a chained comparison) becomes
//! `if` statements assigning a hidden local, each condition tested once as
//! Python tests it. An `assert`'s message, what CPython evaluates eagerly
//! in a way a name cannot stand for (an f-string's earlier fields are
//! formatted, a `*x` or `**x` before the `yield` is unpacked, a
//! comprehension's iterable) and `yield` in an assignment target, `del`
//! or a later `with` item stay Python, with that reason. `while` whose test holds a `yield` becomes
//! `while True:` testing it at the top of each trip (its `else` behind a
//! hidden flag). `generator.rs` judges with this rewrite, `typeck/stmt.rs`
//! types its result; hidden locals are ordinary frame locals, kept across
//! the suspension as any other.

use crate::syntax::{BinOp, BoolOp, Expr, ExprKind, Span, Stmt, StmtKind, UnaryOp};

pub(crate) type Fail = (Span, &'static str);

/// A rewrite that lost an operand (a bug here): the function stays Python.
const LOST: &str = "it uses `yield` in an expression pyc-aot could not take apart (a bug in pyc-aot)";

/// The parts `seq` returns, taken in the order they were given.
struct Parts {
    parts: std::vec::IntoIter<Expr>,
    at: Span,
}

impl Parts {
    fn next(&mut self) -> Result<Expr, Fail> {
        self.parts.next().ok_or((self.at.clone(), LOST))
    }

    fn boxed(&mut self) -> Result<Box<Expr>, Fail> {
        self.next().map(Box::new)
    }
}

pub(crate) struct Rewriter<'a> {
    /// The function's own `yield`s (`FunctionDef::yields`).
    pub yields: &'a [(Span, bool)],
    /// What is left in place rather than copied to a hidden local before
    /// the `yield`: nothing can change it while the generator is suspended
    /// and reading it cannot fail (a local of a declared C type no nested
    /// scope captures, a compile-time `cython`/`math` name).
    pub keep: &'a dyn Fn(&Expr) -> bool,
    pre: Vec<Stmt>,
    /// The statement being rewritten assigns with `:=`, which may change
    /// a local between its reading and the `yield`: every name is copied.
    walrus: bool,
}

/// Whether `e` holds a `:=`.
fn has_named(e: &Expr) -> bool {
    let mut hit = false;
    crate::frontend::structs::walk_expr(e, &mut |x| match &x.kind {
        ExprKind::Named { .. } => hit = true,
        ExprKind::Yield(Some(v)) => hit |= has_named(v),
        _ => {}
    });
    hit
}

/// The expressions of `s` itself (not of its blocks).
fn own_exprs(s: &Stmt) -> Vec<&Expr> {
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => vec![e],
        StmtKind::Assign { targets, value } => targets.iter().chain([value]).collect(),
        StmtKind::AugAssign { target, value, .. } => vec![target, value],
        StmtKind::AnnAssign { target, value, .. } => std::iter::once(target).chain(value).collect(),
        StmtKind::If { test, .. } | StmtKind::While { test, .. } => vec![test],
        StmtKind::For { target, iter, .. } => vec![target, iter],
        StmtKind::Raise { exc, cause } => exc.iter().chain(cause).collect(),
        StmtKind::Assert { test, msg } => std::iter::once(test).chain(msg).collect(),
        StmtKind::With { items, targets, .. } => items.iter().chain(targets.iter().flatten()).collect(),
        StmtKind::Delete(ts) => ts.iter().collect(),
        _ => vec![],
    }
}

/// Whether a hidden name of this rewrite.
pub(crate) fn is_hidden(n: &str) -> bool {
    n.starts_with("<hoist ") || n.starts_with("<sent ") || n.starts_with("<while else ")
}

fn name(n: String, span: &Span) -> Expr {
    Expr { kind: ExprKind::Name(n), span: span.clone() }
}

fn assign(target: Expr, value: Expr, span: &Span) -> Stmt {
    Stmt { kind: StmtKind::Assign { targets: vec![target], value }, span: span.clone() }
}

fn constant(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis)
}

impl<'a> Rewriter<'a> {
    pub(crate) fn new(yields: &'a [(Span, bool)], keep: &'a dyn Fn(&Expr) -> bool) -> Self {
        Rewriter { yields, keep, pre: vec![], walrus: false }
    }

    /// Whether `e` holds one of the function's `yield`s.
    fn has(&self, e: &Expr) -> bool {
        self.find(e).is_some()
    }

    fn has_opt(&self, e: &Option<Expr>) -> bool {
        e.as_ref().is_some_and(|e| self.has(e))
    }

    /// The first `yield` inside `e`, for a located reason.
    fn first(&self, e: &Expr) -> Span {
        self.find(e).unwrap_or_else(|| e.span.clone())
    }

    /// The function's first `yield` in `e`, searched in the tree (a
    /// rewritten node keeps its source span while a `yield` of it is gone;
    /// what is never rewritten, by its span).
    fn find(&self, e: &Expr) -> Option<Span> {
        let ours = |sp: &Span| self.yields.iter().map(|(at, _)| at).find(|at| at.start >= sp.start && at.end <= sp.end).cloned();
        let all = |xs: &mut dyn Iterator<Item = &Expr>| {
            for x in xs {
                if let Some(at) = self.find(x) {
                    return Some(at);
                }
            }
            None
        };
        match &e.kind {
            ExprKind::Yield(v) => match self.yields.iter().any(|(at, _)| at.start == e.span.start && at.end == e.span.end) {
                true => Some(e.span.clone()),
                false => v.as_deref().and_then(|v| self.find(v)),
            },
            ExprKind::BinOp { left, right, .. } => all(&mut [&**left, &**right].into_iter()),
            ExprKind::UnaryOp { operand: x, .. } | ExprKind::Starred(x) | ExprKind::Attribute { value: x, .. } | ExprKind::Named { value: x, .. } => self.find(x),
            ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => all(&mut values.iter()),
            ExprKind::Dict(pairs) => all(&mut pairs.iter().flat_map(|(k, v)| [k, v])),
            ExprKind::Compare { left, comparators, .. } => all(&mut std::iter::once(&**left).chain(comparators)),
            ExprKind::Call { func, args, keywords } => all(&mut std::iter::once(&**func).chain(args).chain(keywords.iter().map(|k| &k.value))),
            ExprKind::IfExp { test, body, orelse } => all(&mut [&**test, &**body, &**orelse].into_iter()),
            ExprKind::Subscript { value, index } => all(&mut [&**value, &**index].into_iter()),
            ExprKind::Slice { lower, upper, step } => all(&mut lower.iter().chain(upper).chain(step).map(|b| &**b)),
            ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis => None,
            _ => ours(&e.span),
        }
    }

    /// `s` rewritten so that no `yield` is left inside an expression of
    /// its own (its blocks are kept as they are, and judged on their own);
    /// `None` when it needs no rewrite.
    pub(crate) fn stmt(&mut self, s: &Stmt) -> Result<Option<Vec<Stmt>>, Fail> {
        let sp = &s.span;
        self.walrus = own_exprs(s).into_iter().any(has_named);
        let bare_yield = |e: &Expr| matches!(&e.kind, ExprKind::Yield(v) if !v.as_deref().is_some_and(|v| self.has(v)));
        let kind = match &s.kind {
            StmtKind::Expr(e) if self.has(e) && !bare_yield(e) => StmtKind::Expr(self.split(e)?),
            StmtKind::Assign { targets, value } if self.has(value) || targets.iter().any(|t| self.has(t)) => {
                if let Some(t) = targets.iter().find(|t| self.has(t)) {
                    return Err((self.first(t), "it uses `yield` inside an assignment target"));
                }
                if bare_yield(value) && matches!(targets[..], [Expr { kind: ExprKind::Name(_), .. }]) {
                    return Ok(None);
                }
                StmtKind::Assign { targets: targets.clone(), value: self.split(value)? }
            }
            StmtKind::AnnAssign { target, annotation, value: Some(value) } if self.has(value) || self.has(target) => {
                if self.has(target) || self.has(annotation) {
                    return Err((self.first(target), "it uses `yield` inside an assignment target"));
                }
                StmtKind::AnnAssign { target: target.clone(), annotation: annotation.clone(), value: Some(self.split(value)?) }
            }
            StmtKind::AugAssign { target, op, value } if self.has(value) || self.has(target) => return self.aug(target, *op, value, sp).map(Some),
            StmtKind::Return(Some(v)) if self.has(v) => StmtKind::Return(Some(self.split(v)?)),
            StmtKind::If { test, body, orelse } if self.has(test) => StmtKind::If { test: self.split(test)?, body: body.clone(), orelse: orelse.clone() },
            StmtKind::While { test, body, orelse } if self.has(test) => return self.while_loop(test, body, orelse, sp).map(Some),
            StmtKind::For { target, iter, body, orelse } if self.has(iter) || self.has(target) => {
                if self.has(target) {
                    return Err((self.first(target), "it uses `yield` inside a `for` target"));
                }
                StmtKind::For { target: target.clone(), iter: self.split(iter)?, body: body.clone(), orelse: orelse.clone() }
            }
            StmtKind::Raise { exc, cause } if self.has_opt(exc) || self.has_opt(cause) => {
                let parts: Vec<&Expr> = exc.iter().chain(cause.iter()).collect();
                let mut out = self.parts(&parts, &s.span)?;
                let exc = exc.as_ref().map(|_| out.next()).transpose()?;
                let cause = cause.as_ref().map(|_| out.next()).transpose()?;
                StmtKind::Raise { exc, cause }
            }
            StmtKind::Assert { test, msg } if self.has(test) || self.has_opt(msg) => {
                if let Some(m) = msg.as_ref().filter(|m| self.has(m)) {
                    return Err((self.first(m), "it uses `yield` inside an `assert` message, which runs only when the test fails"));
                }
                StmtKind::Assert { test: self.split(test)?, msg: msg.clone() }
            }
            StmtKind::With { items, targets, body } if items.iter().any(|i| self.has(i)) || targets.iter().flatten().any(|t| self.has(t)) => {
                if let Some(t) = targets.iter().flatten().find(|t| self.has(t)) {
                    return Err((self.first(t), "it uses `yield` inside a `with` target"));
                }
                if let Some(i) = items.iter().skip(1).find(|i| self.has(i)) {
                    return Err((self.first(i), "it uses `yield` in a later item of `with` (evaluated after the first one is entered)"));
                }
                let mut items = items.clone();
                items[0] = self.split(&items[0])?;
                StmtKind::With { items, targets: targets.clone(), body: body.clone() }
            }
            StmtKind::Delete(ts) if ts.iter().any(|t| self.has(t)) => {
                let at = ts.iter().find(|t| self.has(t)).map_or_else(|| s.span.clone(), |t| self.first(t));
                return Err((at, "it uses `yield` inside `del`"));
            }
            _ => return Ok(None),
        };
        let mut out = std::mem::take(&mut self.pre);
        out.push(Stmt { kind, span: sp.clone() });
        Ok(Some(out))
    }

    /// `t op= v`: a local left in place is read by the operation itself
    /// after `v` (nothing changes it meanwhile); any other target's parts
    /// and current value are read first, as Python does, the operation done
    /// on a hidden copy and the result stored back.
    fn aug(&mut self, target: &Expr, op: BinOp, value: &Expr, sp: &Span) -> Result<Vec<Stmt>, Fail> {
        if self.has(target) {
            return Err((self.first(target), "it uses `yield` inside an assignment target"));
        }
        let store = match &target.kind {
            ExprKind::Name(_) if (self.keep)(target) && !self.walrus => None,
            ExprKind::Name(_) => Some(target.clone()),
            ExprKind::Attribute { value: base, attr } => {
                let base = self.hoist(base);
                Some(Expr { kind: ExprKind::Attribute { value: Box::new(base), attr: attr.clone() }, span: target.span.clone() })
            }
            ExprKind::Subscript { value: base, index } => {
                let base = self.hoist(base);
                let index = self.hoist(index);
                Some(Expr { kind: ExprKind::Subscript { value: Box::new(base), index: Box::new(index) }, span: target.span.clone() })
            }
            _ => return Err((self.first(value), "it uses `yield` in the value of an augmented assignment to this kind of target")),
        };
        let Some(store) = store else {
            let value = self.split(value)?;
            let mut out = std::mem::take(&mut self.pre);
            out.push(Stmt { kind: StmtKind::AugAssign { target: target.clone(), op, value }, span: sp.clone() });
            return Ok(out);
        };
        let copy = name(format!("<hoist {}-{}>", target.span.start, target.span.end), &target.span);
        self.pre.push(assign(copy.clone(), store.clone(), sp));
        let value = self.split(value)?;
        let mut out = std::mem::take(&mut self.pre);
        out.push(Stmt { kind: StmtKind::AugAssign { target: copy.clone(), op, value }, span: sp.clone() });
        out.push(assign(store, copy, sp));
        Ok(out)
    }

    /// `while test:` with a `yield` in `test`: `while True:` whose trip
    /// starts by evaluating it and leaving when false (`else` runs then:
    /// behind a hidden flag, so its `break`/`continue` keep their loop).
    fn while_loop(&mut self, test: &Expr, body: &[Stmt], orelse: &[Stmt], sp: &Span) -> Result<Vec<Stmt>, Fail> {
        let rest = self.split(test)?;
        let mut trip = std::mem::take(&mut self.pre);
        let flag = name(format!("<while else {}-{}>", sp.start, sp.end), &test.span);
        let konst = |b: bool| Expr { kind: ExprKind::Bool(b), span: test.span.clone() };
        let mut leave = vec![];
        if !orelse.is_empty() {
            leave.push(assign(flag.clone(), konst(true), sp));
        }
        leave.push(Stmt { kind: StmtKind::Break, span: sp.clone() });
        let not = Expr { kind: ExprKind::UnaryOp { op: UnaryOp::Not, operand: Box::new(rest) }, span: test.span.clone() };
        trip.push(Stmt { kind: StmtKind::If { test: not, body: leave, orelse: vec![] }, span: sp.clone() });
        trip.extend(body.iter().cloned());
        let lp = Stmt { kind: StmtKind::While { test: konst(true), body: trip, orelse: vec![] }, span: sp.clone() };
        if orelse.is_empty() {
            return Ok(vec![lp]);
        }
        Ok(vec![
            assign(flag.clone(), konst(false), sp),
            lp,
            Stmt { kind: StmtKind::If { test: flag, body: orelse.to_vec(), orelse: vec![] }, span: sp.clone() },
        ])
    }

    /// The hidden local holding the value of `e`.
    fn hidden(&self, e: &Expr) -> Expr {
        name(format!("<hoist {}-{}>", e.span.start, e.span.end), &e.span)
    }

    /// `x` evaluated now into a hidden local (or left in place).
    fn hoist(&mut self, x: &Expr) -> Expr {
        let is_name = matches!(x.kind, ExprKind::Name(_));
        if constant(x) || ((self.keep)(x) && !(is_name && self.walrus)) || matches!(&x.kind, ExprKind::Name(n) if is_hidden(n)) {
            return x.clone();
        }
        let tmp = name(format!("<hoist {}-{}>", x.span.start, x.span.end), &x.span);
        self.pre.push(assign(tmp.clone(), x.clone(), &x.span));
        tmp
    }

    /// `items` in their evaluation order: those before the first holding
    /// a `yield` hoisted, that one split, the others left as they are.
    fn seq(&mut self, items: &[&Expr]) -> Result<Vec<Expr>, Fail> {
        let Some(k) = items.iter().position(|x| self.has(x)) else { return Ok(items.iter().map(|x| (*x).clone()).collect()) };
        if items[..k].iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
            return Err((self.first(items[k]), "it uses `yield` after a `*` unpacking in the same call or display (unpacked before the `yield` runs)"));
        }
        let mut out: Vec<Expr> = items[..k].iter().map(|x| self.hoist(x)).collect();
        out.push(self.split(items[k])?);
        out.extend(items[k + 1..].iter().map(|x| (*x).clone()));
        Ok(out)
    }

    /// `seq` of `items`, to be taken apart in order (`at`: where a lost
    /// part is reported).
    fn parts(&mut self, items: &[&Expr], at: &Span) -> Result<Parts, Fail> {
        Ok(Parts { parts: self.seq(items)?.into_iter(), at: at.clone() })
    }

    /// `e` (holding a `yield`) with its first `yield` in evaluation order
    /// replaced by a hidden local assigned by `<sent> = yield v` (pushed
    /// last onto `pre`, after the hoisted parts evaluated before it).
    fn split(&mut self, e: &Expr) -> Result<Expr, Fail> {
        let sp = &e.span;
        let mk = |kind| Expr { kind, span: sp.clone() };
        Ok(match &e.kind {
            ExprKind::Yield(v) => {
                if let Some(v) = v.as_deref().filter(|v| self.has(v)) {
                    return Ok(mk(ExprKind::Yield(Some(Box::new(self.split(v)?)))));
                }
                let sent = name(format!("<sent {}-{}>", sp.start, sp.end), sp);
                self.pre.push(assign(sent.clone(), e.clone(), sp));
                sent
            }
            ExprKind::BinOp { left, op, right } => {
                let mut v = self.parts(&[left, right], sp)?;
                mk(ExprKind::BinOp { left: v.boxed()?, op: *op, right: v.boxed()? })
            }
            ExprKind::UnaryOp { op, operand } => mk(ExprKind::UnaryOp { op: *op, operand: Box::new(self.split(operand)?) }),
            // A `yield` in an operand after the first: the operands as
            // nested `if`s assigning a hidden local (each tested once, as
            // Python does), the `yield` in the statement of its operand.
            ExprKind::BoolOp { op, values } if !self.has(&values[0]) => {
                let t = self.hidden(e);
                let test = |t: &Expr| match op {
                    BoolOp::And => t.clone(),
                    BoolOp::Or => Expr { kind: ExprKind::UnaryOp { op: UnaryOp::Not, operand: Box::new(t.clone()) }, span: t.span.clone() },
                };
                let mut nest: Vec<Stmt> = vec![];
                for (k, v) in values.iter().enumerate().rev() {
                    let mut here = vec![assign(t.clone(), v.clone(), sp)];
                    if k + 1 < values.len() {
                        here.push(Stmt { kind: StmtKind::If { test: test(&t), body: nest, orelse: vec![] }, span: sp.clone() });
                    }
                    nest = here;
                }
                self.pre.extend(nest);
                t
            }
            ExprKind::BoolOp { op, values } => {
                let mut values = values.clone();
                values[0] = self.split(&values[0])?;
                mk(ExprKind::BoolOp { op: *op, values })
            }
            ExprKind::Compare { left, ops, comparators } => {
                let all: Vec<&Expr> = std::iter::once(&**left).chain(comparators.iter()).collect();
                let k = all.iter().position(|x| self.has(x)).ok_or((sp.clone(), LOST))?;
                if k >= 2 {
                    // A later link: the first link into a hidden local,
                    // the rest of the chain (from its right operand, read
                    // once) assigned to it when it holds.
                    let a = self.hoist(left);
                    let b = self.hoist(&comparators[0]);
                    let t = self.hidden(e);
                    let first = Expr { kind: ExprKind::Compare { left: Box::new(a), ops: vec![ops[0]], comparators: vec![b.clone()] }, span: sp.clone() };
                    self.pre.push(assign(t.clone(), first, sp));
                    // (Spanned from its right operand on: a hidden local of its own.)
                    let rest_span = comparators[0].span.start..sp.end;
                    let rest = Expr { kind: ExprKind::Compare { left: Box::new(b), ops: ops[1..].to_vec(), comparators: comparators[1..].to_vec() }, span: rest_span };
                    self.pre.push(Stmt { kind: StmtKind::If { test: t.clone(), body: vec![assign(t.clone(), rest, sp)], orelse: vec![] }, span: sp.clone() });
                    return Ok(t);
                }
                let mut v = self.parts(&all, sp)?;
                let left = v.boxed()?;
                mk(ExprKind::Compare { left, ops: ops.clone(), comparators: v.parts.collect() })
            }
            ExprKind::Call { func, args, keywords } => {
                if let Some(k) = keywords.iter().position(|k| self.has(&k.value)) {
                    if keywords[..k].iter().any(|k| k.name.is_none()) {
                        return Err((self.first(&keywords[k].value), "it uses `yield` after a `**` unpacking in the same call (unpacked before the `yield` runs)"));
                    }
                }
                // CPython evaluates the callee, the positional arguments,
                // then the keyword arguments, whatever their order in the source.
                let all: Vec<&Expr> = std::iter::once(&**func).chain(args.iter()).chain(keywords.iter().map(|k| &k.value)).collect();
                let mut v = self.parts(&all, sp)?;
                let func = v.boxed()?;
                let args = (0..args.len()).map(|_| v.next()).collect::<Result<_, _>>()?;
                let keywords = keywords.iter().map(|k| Ok(crate::syntax::Keyword { name: k.name.clone(), value: v.next()?, span: k.span.clone() })).collect::<Result<_, Fail>>()?;
                mk(ExprKind::Call { func, args, keywords })
            }
            ExprKind::IfExp { test, body, orelse } => {
                if !self.has(test) {
                    // A branch: an `if` assigning a hidden local.
                    let t = self.hidden(e);
                    let (then, other) = (assign(t.clone(), (**body).clone(), sp), assign(t.clone(), (**orelse).clone(), sp));
                    self.pre.push(Stmt { kind: StmtKind::If { test: (**test).clone(), body: vec![then], orelse: vec![other] }, span: sp.clone() });
                    return Ok(t);
                }
                mk(ExprKind::IfExp { test: Box::new(self.split(test)?), body: body.clone(), orelse: orelse.clone() })
            }
            ExprKind::Attribute { value, attr } => mk(ExprKind::Attribute { value: Box::new(self.split(value)?), attr: attr.clone() }),
            ExprKind::Subscript { value, index } => {
                let mut v = self.parts(&[value, index], sp)?;
                mk(ExprKind::Subscript { value: v.boxed()?, index: v.boxed()? })
            }
            ExprKind::Slice { lower, upper, step } => {
                let parts: Vec<&Expr> = [lower, upper, step].into_iter().flatten().map(|b| &**b).collect();
                let mut v = self.parts(&parts, sp)?;
                let mut next = |p: &Option<Box<Expr>>| p.as_ref().map(|_| v.boxed()).transpose();
                let (lower, upper, step) = (next(lower)?, next(upper)?, next(step)?);
                mk(ExprKind::Slice { lower, upper, step })
            }
            ExprKind::Tuple(items) | ExprKind::List(items) | ExprKind::Set(items) => {
                let v = self.seq(&items.iter().collect::<Vec<_>>())?;
                mk(match &e.kind {
                    ExprKind::Tuple(_) => ExprKind::Tuple(v),
                    ExprKind::List(_) => ExprKind::List(v),
                    _ => ExprKind::Set(v),
                })
            }
            ExprKind::Dict(pairs) => {
                let flat: Vec<&Expr> = pairs.iter().flat_map(|(k, v)| [k, v]).collect();
                let mut v = self.parts(&flat, sp)?;
                mk(ExprKind::Dict(pairs.iter().map(|_| Ok((v.next()?, v.next()?))).collect::<Result<_, Fail>>()?))
            }
            ExprKind::Starred(inner) => mk(ExprKind::Starred(Box::new(self.split(inner)?))),
            ExprKind::Named { target, value } => mk(ExprKind::Named { target: target.clone(), value: Box::new(self.split(value)?) }),
            ExprKind::FString(_) => return Err((self.first(e), "it uses `yield` inside an f-string (its earlier fields are formatted before the `yield` runs)")),
            ExprKind::Comp { .. } => return Err((self.first(e), "it uses `yield` in a comprehension's iterable")),
            _ => return Err((self.first(e), "it uses `yield` inside an expression of a kind not rewritten (only `yield v` as a statement and `x = yield v` compile there)")),
        })
    }
}
