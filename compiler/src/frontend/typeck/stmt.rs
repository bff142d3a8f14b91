//! Statements typed into HIR: assignments (to names, memoryview elements and
//! slices, tuple unpacking), `return`, `for … in range(…)`, `while`, `if`,
//! `raise`, `assert` and `with cython.nogil`.

use crate::frontend::{error, fallback, Binding};
use crate::diag::Diagnostic;
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::{self, Expr, ExprKind, Span, Stmt, StmtKind};
use crate::types::Ty;

use super::{Checker, R};
use super::literals::const_of;

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn block(&mut self, body: &[Stmt]) -> R<Vec<hir::Stmt>> {
        let mut out = vec![];
        for s in body {
            match self.stmt(s) {
                Ok(mut v) => out.append(&mut v),
                Err(_) if self.infer => {}
                Err(p) => return Err(p),
            }
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &Stmt) -> R<Vec<hir::Stmt>> {
        if self.me.generator {
            if let Some(stmts) = self.yield_rewrite(s)? {
                return self.block(&stmts);
            }
        }
        let line = self.line(&s.span);
        let one = |kind| Ok(vec![hir::Stmt { kind, line }]);
        match &s.kind {
            StmtKind::Pass => one(hir::StmtKind::Pass),
            StmtKind::Break | StmtKind::Continue => {
                if self.loop_depth == 0 {
                    let w = if matches!(s.kind, StmtKind::Break) { "break" } else { "continue" };
                    return error(Diagnostic::error(s.span.clone(), format!("'{w}' outside loop")).with_label("not inside a `for` or `while`"));
                }
                one(if matches!(s.kind, StmtKind::Break) { hir::StmtKind::Break } else { hir::StmtKind::Continue })
            }
            StmtKind::Expr(e) => match &e.kind {
                ExprKind::Str(_) | ExprKind::Ellipsis | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::NoneLit => Ok(vec![]),
                ExprKind::Call { func, args, .. }
                    if args.is_empty() && self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) =>
                {
                    Ok(vec![])
                }
                ExprKind::Yield(v) if self.me.generator => {
                    let value = self.yielded(v.as_deref())?;
                    one(hir::StmtKind::Yield { value, target: None, from: self.yield_from(e) })
                }
                _ => {
                    let v = self.expr(e)?;
                    one(hir::StmtKind::Expr(v))
                }
            },
            StmtKind::Assign { targets, value } => self.assign(targets, value, line),
            StmtKind::Delete(targets) => {
                // Each target in turn, left to right (a tuple's items too).
                let mut out = vec![];
                for t in targets {
                    out.extend(self.delete(t, line)?);
                }
                Ok(out)
            }
            StmtKind::AnnAssign { target, value, .. } => match (&target.kind, value) {
                (ExprKind::Name(_), None) => Ok(vec![]),
                (ExprKind::Name(n), Some(v)) if self.is_c_array_name(n) => self.c_array_init(n, v, line),
                (ExprKind::Name(n), Some(v)) => {
                    let v = self.expr(v)?;
                    let pair = self.assign_to(n, v, &target.span)?;
                    one(hir::StmtKind::Assign(vec![pair]))
                }
                _ => fallback(&target.span, format!("it assigns to `{}`", self.cx.source_text(&target.span))),
            },
            StmtKind::AugAssign { target, op, value } if self.c_array_flat(target).is_some() => match self.c_array_flat(target) {
                Some(flat) => self.stmt(&Stmt { kind: StmtKind::AugAssign { target: flat, op: *op, value: value.clone() }, span: s.span.clone() }),
                None => fallback(&target.span, "it assigns to a C array element"),
            },
            StmtKind::AugAssign { target: target @ Expr { kind: ExprKind::Subscript { value: base, index }, span: tspan }, op, value } => {
                if let Some(stores) = self.ptr_aug_store(base, index, *op, value, tspan, line)? {
                    return Ok(stores);
                }
                let Some((id, v)) = self.view_local(base) else {
                    if let Some(stmts) = self.object_aug_store(target, *op, value, line)? {
                        return Ok(stmts);
                    }
                    return fallback(tspan, format!("it assigns to `{}`", self.cx.source_text(tspan)));
                };
                // Indices are evaluated once, into hidden locals, as Python does.
                let indices = self.view_indices(v, index, tspan)?;
                let mut pairs = vec![];
                let mut temps = vec![];
                for (k, ix) in indices.into_iter().enumerate() {
                    let tmp = self.local_id(&format!("<index {k} line {line}>"), Ty::py_int());
                    temps.push(hir::Expr::local(tmp, Ty::py_int()));
                    pairs.push((tmp, ix));
                }
                let cur = hir::Expr { kind: H::Index { view: id, indices: temps.clone(), in_bounds: vec![] }, ty: v.elem.ty() };
                let rhs = self.operand(value)?;
                let new = self.binop(*op, cur, rhs, &s.span)?;
                let new = self.coerce(new, v.elem.ty(), &s.span, "a memoryview element")?;
                let mut out = vec![];
                if !pairs.is_empty() {
                    out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
                }
                out.push(hir::Stmt { kind: hir::StmtKind::Store { view: id, indices: temps, value: new, in_bounds: vec![], checked_by_load: false }, line });
                Ok(out)
            }
            StmtKind::AugAssign { target: Expr { kind: ExprKind::Attribute { value: base, attr }, span: tspan }, op, value }
                if self.field_load(base, attr).is_some() =>
            {
                match self.field_aug_store(base, attr, *op, value, tspan, line)? {
                    Some(stmts) => Ok(stmts),
                    None => fallback(tspan, format!("it assigns to `{}`", self.cx.source_text(tspan))),
                }
            }
            StmtKind::AugAssign { target: Expr { kind: ExprKind::Attribute { value: base, attr }, span: tspan }, .. } if self.undeclared_store(base, attr, tspan).is_err() => {
                self.undeclared_store(base, attr, tspan).map(|_| vec![])
            }
            StmtKind::AugAssign { target: t @ Expr { kind: ExprKind::Attribute { value: base, attr }, span: tspan }, op, value } if self.cx.binding_of(t).is_none() => {
                // `o.a += v` on an object: `o` evaluated once (into a hidden
                // local), its attribute read, updated in place, stored back.
                let Some(o) = self.object_value(base)? else {
                    return fallback(tspan, format!("it assigns to `{}`", self.cx.source_text(tspan)));
                };
                let tmp = self.local_id(&format!("<attribute base {}>", tspan.start), Ty::Object);
                let obj = hir::Expr::local(tmp, Ty::Object);
                let cur = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::GetAttr(attr.clone()), operands: vec![obj.clone()] }, ty: Ty::Object };
                let rhs = self.operand(value)?;
                let new = self.object_binop(*op, cur, rhs, true, &s.span)?;
                let store = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::SetAttr(attr.clone()), operands: vec![new, obj] }, ty: Ty::Void };
                Ok(vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![(tmp, o)]), line }, hir::Stmt { kind: hir::StmtKind::Expr(store), line }])
            }
            StmtKind::AugAssign { target, op, value } => {
                if let Some(stmts) = self.object_aug_store(target, *op, value, line)? {
                    return Ok(stmts);
                }
                let ExprKind::Name(n) = &target.kind else {
                    return fallback(&target.span, format!("it assigns to `{}`", self.cx.source_text(&target.span)));
                };
                if self.globals.contains(n) && self.cx.c_vars.contains_key(n) {
                    let cur = self.expr(target)?;
                    let rhs = self.operand(value)?;
                    let v = self.binop(*op, cur, rhs, &s.span)?;
                    return one(self.cvar_store(n, v, &target.span)?);
                }
                if self.globals.contains(n) {
                    let cur = self.expr(target)?;
                    let rhs = self.operand(value)?;
                    let v = self.object_binop(*op, cur, rhs, true, &s.span)?;
                    return one(hir::StmtKind::Expr(super::object::set_global(n, v)));
                }
                let cur = self.expr(target)?;
                let rhs = self.operand(value)?;
                // An object variable is updated in place (`PyNumber_InPlace*`).
                let v = match cur.ty {
                    Ty::Object => self.object_binop(*op, cur, rhs, true, &s.span)?,
                    _ => self.binop(*op, cur, rhs, &s.span)?,
                };
                let pair = self.assign_to(n, v, &target.span)?;
                one(hir::StmtKind::Assign(vec![pair]))
            }
            StmtKind::If { test, body, orelse } => {
                let cond = self.cond(test)?;
                let then = self.block(body)?;
                let orelse = self.block(orelse)?;
                one(hir::StmtKind::If { cond, then, orelse })
            }
            StmtKind::While { test, body, orelse } => {
                let cond = self.cond(test)?;
                self.loop_depth += 1;
                let b = self.block(body);
                self.loop_depth -= 1;
                let body = b?;
                let orelse = self.block(orelse)?;
                one(hir::StmtKind::While { cond, body, orelse })
            }
            StmtKind::For { target, iter, body, orelse } => self.for_range(target, iter, body, orelse, line),
            StmtKind::Return(value) => self.ret(value.as_ref(), &s.span, line),
            StmtKind::Raise { exc, cause } => {
                let k = self.raise(exc.as_ref(), cause.as_ref(), &s.span)?;
                one(k)
            }
            StmtKind::Try { body, handlers, orelse, finalbody, has_finally } => {
                let k = self.try_stmt(body, handlers, orelse, has_finally.then_some(finalbody.as_slice()), &s.span)?;
                one(k)
            }
            StmtKind::Assert { test, msg } => {
                let msg = match msg.as_ref() {
                    None => None,
                    Some(Expr { kind: ExprKind::Str(m), .. }) => Some(m.clone()),
                    Some(m) => {
                        // `if not test: raise AssertionError(msg)`, the
                        // message evaluated only on failure, the builtin
                        // class whatever the module binds to its name.
                        if self.nogil {
                            return fallback(&s.span, "its `assert` message is not a string literal where the GIL is released");
                        }
                        let cond = self.cond(test)?;
                        let m = self.boxed_value(m)?;
                        let class = super::object::konst(hir::ObjConst::BuiltinType("AssertionError".into()));
                        let exc = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::Call { keywords: vec![] }, operands: vec![class, m] }, ty: Ty::Object };
                        let raise = hir::Stmt { kind: hir::StmtKind::RaiseObject { exc: Some(exc), cause: None }, line };
                        return one(hir::StmtKind::If { cond: hir::Expr { kind: H::Unary(hir::UnOp::Not, Box::new(cond)), ty: Ty::Bool }, then: vec![raise], orelse: vec![] });
                    }
                };
                let cond = self.cond(test)?;
                one(hir::StmtKind::Assert { cond, msg })
            }
            StmtKind::With { items, targets, body } => {
                let cython_item = |ck: &Self, item: &Expr| {
                    ck.parallel_call(item).is_some() || matches!(ck.cx.binding_of(item), Some(Binding::CythonAttr(n)) if n == "nogil" || n == "gil")
                };
                if !items.iter().any(|i| cython_item(self, i)) {
                    return self.with_stmt(items, targets, body, &s.span, line);
                }
                if let Some(item) = items.iter().find(|i| !cython_item(self, i)) {
                    return fallback(&item.span, format!("it mixes `with {}` with `cython.nogil`/`gil`/`parallel()` in one statement", self.cx.source_text(&item.span)));
                }
                if let Some(t) = targets.iter().flatten().next() {
                    return fallback(&t.span, "it binds `as` a name to `cython.nogil`/`gil`/`parallel()`");
                }
                // `with cython.nogil:` releases the GIL around its body,
                // `with cython.gil:` takes it back; several items nest.
                let mut releases = vec![];
                let mut nogil = self.nogil;
                let mut team = None;
                for (k, item) in items.iter().enumerate() {
                    if let Some((args, keywords)) = self.parallel_call(item) {
                        if k + 1 != items.len() {
                            return fallback(&item.span, "`cython.parallel.parallel()` is not the last item of its `with`");
                        }
                        team = Some((args, keywords, item));
                        continue;
                    }
                    match self.cx.binding_of(item) {
                        Some(Binding::CythonAttr(n)) if n == "nogil" => {
                            if nogil {
                                return error(
                                    Diagnostic::error(item.span.clone(), "trying to release the GIL while it was previously released")
                                        .with_label("this code already runs without the GIL")
                                        .with_hint("remove this `with cython.nogil:`"),
                                );
                            }
                            nogil = true;
                            releases.push(true);
                        }
                        // Holding the GIL already, it changes nothing.
                        Some(Binding::CythonAttr(n)) if n == "gil" => {
                            if nogil {
                                releases.push(false);
                            }
                            nogil = false;
                        }
                        _ => return fallback(&item.span, format!("it uses `with {}`", self.cx.source_text(&item.span))),
                    }
                }
                let outer = std::mem::replace(&mut self.nogil, nogil);
                let body = match team {
                    Some((args, keywords, item)) => self.parallel_block(args, keywords, body, &item.span, line),
                    None => self.block(body),
                };
                self.nogil = outer;
                let mut body = body?;
                for release in releases.into_iter().rev() {
                    body = vec![hir::Stmt { kind: hir::StmtKind::Gil { release, body }, line }];
                }
                Ok(body)
            }
            StmtKind::FunctionDef(f) => self.nested_def(f, &s.span, line),
            StmtKind::Nonlocal(_) if self.nested_fn().is_some() => Ok(vec![]),
            StmtKind::Nonlocal(_) => fallback(&s.span, "it declares a name `nonlocal` at its top level"),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => fallback(&s.span, "it imports inside the function"),
            StmtKind::Global(names) => {
                // Read through the module's dict already (`Checker::globals`);
                // a name the compiler binds itself cannot be rebound here.
                for n in names {
                    if self.cx.bindings.contains_key(n) || self.ids.contains_key(n) {
                        return fallback(&s.span, format!("it declares `{n}` global, which the compiler binds"));
                    }
                }
                Ok(vec![])
            }
            StmtKind::Other { what, .. } => fallback(&s.span, format!("it uses {what}")),
        }
    }

    /// `del t`: an object's item (a slice too) or attribute, its object
    /// and key evaluated first; an object local (unbound afterwards, so a
    /// later read raises UnboundLocalError, as does deleting it unbound);
    /// a tuple or list of targets, each in turn.
    fn delete(&mut self, t: &Expr, line: u32) -> R<Vec<hir::Stmt>> {
        let cannot = |ck: &Self| fallback(&t.span, format!("it deletes `{}`", ck.cx.source_text(&t.span)));
        let del = match &t.kind {
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut out = vec![];
                for x in items {
                    out.extend(self.delete(x, line)?);
                }
                return Ok(out);
            }
            ExprKind::Name(n) => {
                if self.infer {
                    return Ok(vec![]);
                }
                // Cython's compile-time error: a C variable has no unbound state.
                // (Declared ones only: an untyped local pyc-aot infers a C
                // type for is a Python object to Cython.)
                if !self.globals.contains(n) && self.local_names.contains(n) {
                    if let Some(ty) = self.declared.get(n).copied().filter(|t| *t != Ty::Object && !matches!(t, Ty::View(_))) {
                        return error(
                            Diagnostic::error(t.span.clone(), "Deletion of non-Python, non-C++ object")
                                .with_label(format!("`{n}` is a C variable (`{ty}`)"))
                                .with_hint(format!("a C variable cannot be unbound (Cython refuses this too): assign `{n}` a value instead, or leave it untyped to make it a Python object")),
                        );
                    }
                }
                // A global's `del` and a memoryview's stay Python.
                if self.globals.contains(n) || self.local_ty(n) != Some(Ty::Object) {
                    return fallback(&t.span, format!("it deletes `{n}`, which is not an object local"));
                }
                if self.deletes_super_argument(n) {
                    return fallback(&t.span, format!("it deletes `{n}`, the first argument `super()` reads (CPython's error for `super()` then differs across versions)"));
                }
                let id = self.local_id(n, Ty::Object);
                return one_stmt(hir::StmtKind::Unbind(id), line);
            }
            ExprKind::Subscript { value, index } => {
                if self.view_local(value).is_some() {
                    return cannot(self);
                }
                let Some(o) = self.object_value(value)? else { return cannot(self) };
                let k = match self.slice_key(index)? {
                    Some(slice) => slice,
                    None => self.boxed_value(index)?,
                };
                hir::Expr { kind: H::ObjOp { op: hir::ObjOp::DelItem, operands: vec![o, k] }, ty: Ty::Void }
            }
            ExprKind::Attribute { value, attr } if self.cx.binding_of(t).is_none() => {
                if self.field_load(value, attr).is_some() {
                    return cannot(self);
                }
                let Some(o) = self.object_value(value)? else { return cannot(self) };
                hir::Expr { kind: H::ObjOp { op: hir::ObjOp::DelAttr(attr.clone()), operands: vec![o] }, ty: Ty::Void }
            }
            _ => return cannot(self),
        };
        one_stmt(hir::StmtKind::Expr(del), line)
    }

    /// `s` with the `yield`s inside its expressions hoisted out
    /// (`yield_expr.rs`), its hidden names made locals; `None`: no rewrite.
    fn yield_rewrite(&mut self, s: &Stmt) -> R<Option<Vec<Stmt>>> {
        let nested = self.cx.nested_fns.borrow().get(&self.me.name).map(|n| n.freevars.clone()).unwrap_or_default();
        let keep = |e: &Expr| match &e.kind {
            ExprKind::Name(n) => {
                super::yield_expr::is_hidden(n)
                    || (self.local_names.contains(n)
                        && !self.globals.contains(n)
                        && !self.closure.captured.contains(n)
                        && !nested.contains(n)
                        && self.declared.get(n).is_some_and(|t| *t != Ty::Object))
                    || self.cx.binding_of(e).is_some()
            }
            _ => self.cx.binding_of(e).is_some(),
        };
        let out = super::yield_expr::Rewriter::new(&self.me.def.yields, &keep).stmt(s);
        match out {
            Err((at, why)) => fallback(&at, why),
            Ok(None) => Ok(None),
            Ok(Some(stmts)) => {
                let mut names = vec![];
                stmts.iter().for_each(|s| syntax::bound_names(s, &mut names));
                self.local_names.extend(names.into_iter().filter(|n| super::yield_expr::is_hidden(n)));
                Ok(Some(stmts))
            }
        }
    }

    /// Whether the `yield` expression `e` is a `yield from`.
    fn yield_from(&self, e: &Expr) -> bool {
        self.me.def.yields.iter().any(|(at, from)| *from && at.start == e.span.start)
    }

    /// The object a `yield` hands out: its value boxed, or None.
    fn yielded(&mut self, v: Option<&Expr>) -> R<hir::Expr> {
        match v {
            Some(e) => self.boxed_value(e),
            None => Ok(hir::Expr { kind: hir::ExprKind::ObjConst(hir::ObjConst::None), ty: Ty::Object }),
        }
    }

    fn assign(&mut self, targets: &[Expr], value: &Expr, line: u32) -> R<Vec<hir::Stmt>> {
        if let [t] = targets {
            if let Some(flat) = self.c_array_flat(t) {
                return self.assign(&[flat], value, line);
            }
        }
        // `x = yield v`: the sent value in a hidden object local, then
        // assigned to `x` as any object is.
        if let ([t @ Expr { kind: ExprKind::Name(n), .. }], ExprKind::Yield(v)) = (targets, &value.kind) {
            if self.me.generator && !self.globals.contains(n) {
                let from = self.yield_from(value);
                let value = self.yielded(v.as_deref())?;
                let sent = self.local_id(&format!("<yield {}>", value_start(t)), Ty::Object);
                let got = hir::Expr { kind: hir::ExprKind::Local(sent), ty: Ty::Object };
                let pair = self.assign_to(n, got, &t.span)?;
                return Ok(vec![hir::Stmt { kind: hir::StmtKind::Yield { value, target: Some(sent), from }, line }, hir::Stmt { kind: hir::StmtKind::Assign(vec![pair]), line }]);
            }
        }
        if let [Expr { kind: ExprKind::Name(n), .. }] = targets {
            if self.is_c_array_name(n) {
                if let ExprKind::Call { func, args, .. } = &value.kind {
                    if self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) {
                        return match args.get(1) {
                            Some(v) => self.c_array_init(n, v, line),
                            None => Ok(vec![]),
                        };
                    }
                }
                // `a = [x, y]` of a C array: its elements set, as Cython does.
                if matches!(value.kind, ExprKind::List(_) | ExprKind::Tuple(_)) {
                    return self.c_array_init(n, value, line);
                }
            }
        }
        // `a[:] = [x, y]` of a C array: the same.
        if let [Expr { kind: ExprKind::Subscript { value: base, index }, .. }] = targets {
            if let (ExprKind::Name(n), ExprKind::Slice { lower: None, upper: None, step: None }, ExprKind::List(_) | ExprKind::Tuple(_)) =
                (&base.kind, &index.kind, &value.kind)
            {
                if self.is_c_array_name(n) {
                    return self.c_array_init(n, value, line);
                }
            }
        }
        // `x = cython.declare(T)` only declares; `cython.declare(T, v)` also assigns v.
        if let (Some(_), ExprKind::Call { args, .. }) = (self.declare_call_type(value)?, &value.kind) {
            return match (args.get(1), targets) {
                (None, _) => Ok(vec![]),
                (Some(v), [t @ Expr { kind: ExprKind::Name(n), .. }]) => {
                    let v = self.expr(v)?;
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![self.assign_to(n, v, &t.span)?]), line }])
                }
                _ => fallback(&value.span, "`cython.declare` assigned to something other than one name"),
            };
        }
        match targets {
            [t] => match (&t.kind, &value.kind) {
                (ExprKind::Name(n), _) if self.globals.contains(n) && self.cx.c_vars.contains_key(n) => {
                    let v = self.expr(value)?;
                    one_stmt(self.cvar_store(n, v, &t.span)?, line)
                }
                (ExprKind::Name(n), _) if self.globals.contains(n) => {
                    let v = self.boxed_value(value)?;
                    one_stmt(hir::StmtKind::Expr(super::object::set_global(n, v)), line)
                }
                (ExprKind::Name(n), _) => {
                    let v = self.expr(value)?;
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![self.assign_to(n, v, &t.span)?]), line }])
                }
                (ExprKind::Subscript { value: base, index }, _) => {
                    if let Some(stores) = self.ptr_store(t, value, line)? {
                        return Ok(stores);
                    }
                    let Some((id, v)) = self.view_local(base) else {
                        if let Some(store) = self.object_store(t, value)? {
                            return one_stmt(hir::StmtKind::Expr(store), line);
                        }
                        return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                    };
                    let items: Vec<&Expr> = match &index.kind {
                        ExprKind::Tuple(items) => items.iter().collect(),
                        _ => vec![index.as_ref()],
                    };
                    let slicing = items.len() < v.ndim as usize
                        || items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis));
                    if slicing {
                        return self.fill(id, v, &items, index, value, &t.span, line);
                    }
                    let indices = self.view_indices(v, index, &t.span)?;
                    let val = self.expr(value)?;
                    let val = self.coerce(val, v.elem.ty(), &value.span, "a memoryview element")?;
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Store { view: id, indices, value: val, in_bounds: vec![], checked_by_load: false }, line }])
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs))
                    if ts.len() == vs.len() && ts.iter().any(|t| matches!(&t.kind, ExprKind::Subscript { value: base, .. } if self.view_local(base).is_some())) =>
                {
                    // `a[i], a[j] = a[j], a[i]`: all values first (into hidden locals),
                    // then each target left to right, its indices evaluated then.
                    let mut out = vec![];
                    let mut temps = vec![];
                    let mut pairs = vec![];
                    for (k, v) in vs.iter().enumerate() {
                        let x = self.expr(v)?;
                        if !x.ty.is_numeric() {
                            return fallback(&v.span, "it unpacks a non-number into a memoryview element");
                        }
                        let tmp = self.local_id(&format!("<value {k} line {line}>"), x.ty);
                        temps.push(hir::Expr::local(tmp, x.ty));
                        pairs.push((tmp, x));
                    }
                    out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
                    for (t, v) in ts.iter().zip(temps) {
                        let kind = match &t.kind {
                            ExprKind::Name(n) => hir::StmtKind::Assign(vec![self.assign_to(n, v, &t.span)?]),
                            ExprKind::Subscript { value: base, index } => {
                                let Some((id, view)) = self.view_local(base) else {
                                    return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                                };
                                let indices = self.view_indices(view, index, &t.span)?;
                                let v = self.coerce(v, view.elem.ty(), &t.span, "a memoryview element")?;
                                hir::StmtKind::Store { view: id, indices, value: v, in_bounds: vec![], checked_by_load: false }
                            }
                            _ => return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
                        };
                        out.push(hir::Stmt { kind, line });
                    }
                    Ok(out)
                }
                (ExprKind::Tuple(ts) | ExprKind::List(ts), ExprKind::Tuple(_) | ExprKind::List(_))
                    if !ts.iter().any(|t| matches!(&t.kind, ExprKind::Subscript { value: base, .. } if self.view_local(base).is_some()))
                        && !ts.iter().all(|t| matches!(t.kind, ExprKind::Name(_))) =>
                {
                    // A starred pattern, or items and attributes among the
                    // targets: the value made as the tuple it is, then unpacked.
                    let v = self.boxed_value(value)?;
                    self.unpack_target(t, v, &format!("{line}"), line)
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs)) if ts.len() == vs.len() => {
                    let mut values = vec![];
                    for v in vs {
                        values.push(self.expr(v)?);
                    }
                    let mut pairs = vec![];
                    for (t, v) in ts.iter().zip(values) {
                        let ExprKind::Name(n) = &t.kind else {
                            return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                        };
                        pairs.push(self.assign_to(n, v, &t.span)?);
                    }
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Assign(pairs), line }])
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs)) => error(
                    Diagnostic::error(value.span.clone(), format!("cannot unpack {} values into {} names", vs.len(), ts.len()))
                        .with_label("wrong number of values"),
                ),
                (ExprKind::Tuple(_) | ExprKind::List(_), _) => {
                    let v = self.boxed_value(value)?;
                    self.unpack_target(t, v, &format!("{line}"), line)
                }
                (ExprKind::Attribute { value: base, attr }, _) if self.field_load(base, attr).is_some() => {
                    match self.field_store(base, attr, value, &t.span, line)? {
                        Some(stmts) => Ok(stmts),
                        None => fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
                    }
                }
                (ExprKind::Attribute { value: base, attr }, _) if self.undeclared_store(base, attr, &t.span).is_err() => self.undeclared_store(base, attr, &t.span).map(|_| vec![]),
                (ExprKind::Attribute { .. }, _) => match self.object_store(t, value)? {
                    Some(store) => one_stmt(hir::StmtKind::Expr(store), line),
                    None => fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
                },
                _ => fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
            },
            _ => {
                // `a = b = v`: v is evaluated once and assigned left to right.
                let mut out = vec![];
                let v = self.expr(value)?;
                let mut prev: Option<hir::Expr> = None;
                for t in targets {
                    let ExprKind::Name(n) = &t.kind else {
                        return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                    };
                    let value = prev.take().unwrap_or_else(|| v.clone());
                    let (id, value) = self.assign_to(n, value, &t.span)?;
                    let ty = self.locals.get(id.0 as usize).map(|l| l.ty).unwrap_or(v.ty);
                    prev = Some(hir::Expr::local(id, ty));
                    out.push(hir::Stmt { kind: hir::StmtKind::Assign(vec![(id, value)]), line });
                }
                Ok(out)
            }
        }
    }

    /// `target := value` (PEP 572): the value boxed and bound to the
    /// object local `target` of the function (also from inside a
    /// comprehension, whose renaming leaves it alone); its value is the
    /// expression's. A local declared a C type stays Python.
    pub(super) fn named(&mut self, target: &str, value: &Expr, span: &Span) -> R<hir::Expr> {
        if self.globals.contains(target) {
            return fallback(span, format!("it binds the global `{target}` with `:=`"));
        }
        if self.nogil {
            return fallback(span, "it uses `:=` where the GIL is released");
        }
        let v = self.boxed_value(value)?;
        let (local, v) = self.assign_to(target, v, span)?;
        if self.locals.get(local.0 as usize).map(|l| l.ty) != Some(Ty::Object) {
            return fallback(span, format!("`{target} := …` binds a local that is not an object"));
        }
        Ok(hir::Expr { kind: H::AssignLocal { local, value: Box::new(v) }, ty: Ty::Object })
    }

    fn ret(&mut self, value: Option<&Expr>, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let v = match value {
            None => None,
            Some(Expr { kind: ExprKind::NoneLit, .. }) => None,
            Some(e) => Some(self.expr(e)?),
        };
        if let Some(v) = v.as_ref().filter(|v| v.ty.is_pointer()) {
            // Only a `@cfunc` declared to return a pointer returns one (no
            // Python caller could take it).
            if self.me.exported || !self.me.declared_ret.is_some_and(Ty::is_pointer) {
                return fallback(span, format!("it returns a C pointer ({})", v.ty));
            }
        }
        let seen = v.as_ref().map_or(Ty::Void, |v| v.ty);
        self.ret_seen = Some(match self.ret_seen {
            None => Some(seen),
            Some(Some(t)) => Ty::value_join(t, seen),
            Some(None) => None,
        });
        let declared = self.me.declared_ret.or_else(|| self.rets.get(&self.me.name).copied());
        let Some(ret) = declared else {
            return if self.infer { Ok(vec![]) } else { fallback(span, "its return type could not be inferred") };
        };
        let kind = match (v, ret) {
            // None returned as an object (the body builder makes it).
            (None, Ty::Void | Ty::Object) => hir::StmtKind::Return(None),
            (None, t) => {
                if self.me.declared_ret.is_none() {
                    return fallback(span, "it returns both None and a number");
                }
                return fallback(span, format!("it returns None from a function declared to return {t}"));
            }
            (Some(v), Ty::Void) => {
                if self.me.declared_ret.is_none() {
                    return fallback(span, "it returns both None and a number");
                }
                return fallback(span, format!("it returns {} from a function declared to return None", v.ty));
            }
            (Some(v), t) => {
                let v = self.coerce(v, t, span, "the return value")?;
                match super::cclass::returned_class(self.cx, self.me.def) {
                    Some(l) if t == Ty::Object => hir::StmtKind::Return(Some(self.type_test(&l, v, None))),
                    _ => hir::StmtKind::Return(Some(v)),
                }
            }
        };
        Ok(vec![hir::Stmt { kind, line }])
    }

    /// `target = value` for a name or a tuple/list pattern (nested, with
    /// one starred name at most), `value` an object for a pattern: the
    /// pattern's items read into hidden locals (`ObjOp::Unpack`, then each
    /// item by index), then stored left to right, a nested pattern
    /// unpacked where Python stores it. `path` names the hidden locals
    /// apart (the same in every round of inference).
    pub(super) fn unpack_target(&mut self, target: &Expr, value: hir::Expr, path: &str, line: u32) -> R<Vec<hir::Stmt>> {
        let cannot = |ck: &Self| fallback(&target.span, format!("it assigns to `{}`", ck.cx.source_text(&target.span)));
        let elts = match &target.kind {
            ExprKind::Name(n) if self.globals.contains(n) => return one_stmt(hir::StmtKind::Expr(super::object::set_global(n, super::object::boxed(value))), line),
            ExprKind::Name(n) => return one_stmt(hir::StmtKind::Assign(vec![self.assign_to(n, value, &target.span)?]), line),
            ExprKind::Tuple(elts) | ExprKind::List(elts) => elts,
            ExprKind::Subscript { value: base, index } => {
                if let Some((id, v)) = self.view_local(base) {
                    let indices = self.view_indices(v, index, &target.span)?;
                    let val = self.coerce(value, v.elem.ty(), &target.span, "a memoryview element")?;
                    return one_stmt(hir::StmtKind::Store { view: id, indices, value: val, in_bounds: vec![], checked_by_load: false }, line);
                }
                if value.ty != Ty::Object {
                    return cannot(self);
                }
                return match self.object_store_of(value, base, index)? {
                    Some(store) => one_stmt(hir::StmtKind::Expr(store), line),
                    None => cannot(self),
                };
            }
            ExprKind::Attribute { value: base, attr } if self.cx.binding_of(target).is_none() && self.field_load(base, attr).is_none() && value.ty == Ty::Object => {
                let Some(o) = self.object_value(base)? else { return cannot(self) };
                let store = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::SetAttr(attr.clone()), operands: vec![value, o] }, ty: Ty::Void };
                return one_stmt(hir::StmtKind::Expr(store), line);
            }
            _ => return fallback(&target.span, format!("it assigns to `{}`", self.cx.source_text(&target.span))),
        };
        let stars: Vec<usize> = elts.iter().enumerate().filter(|(_, e)| matches!(e.kind, ExprKind::Starred(_))).map(|(k, _)| k).collect();
        if elts.is_empty() || stars.len() > 1 {
            return fallback(&target.span, format!("it unpacks into `{}`", self.cx.source_text(&target.span)));
        }
        if value.ty != Ty::Object {
            return fallback(&target.span, format!("it unpacks {} (not an object)", value.ty));
        }
        let (before, star) = match stars.first() {
            Some(&k) => (k, true),
            None => (elts.len(), false),
        };
        let after = elts.len() - before - usize::from(star);
        let seq = self.local_id(&format!("<unpack {path}>"), Ty::Object);
        let unpack = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::Unpack { before, star, after }, operands: vec![value] }, ty: Ty::Object };
        let mut out = vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![(seq, unpack)]), line }];
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        let item = |k: usize| hir::Expr {
            kind: H::ObjOp { op: hir::ObjOp::GetItemInt, operands: vec![hir::Expr::local(seq, Ty::Object), hir::Expr::konst(Const::Int(k as i64), ssize)] },
            ty: Ty::Object,
        };
        if elts.iter().all(|e| matches!(&leaf(e).kind, ExprKind::Name(n) if !self.globals.contains(n))) {
            // Names only: every item read, then each stored (nothing between can fail).
            let mut pairs = vec![];
            for (k, e) in elts.iter().enumerate() {
                let ExprKind::Name(n) = &leaf(e).kind else { continue };
                pairs.push(self.assign_to(n, item(k), &e.span)?);
            }
            out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
            return Ok(out);
        }
        let mut pairs = vec![];
        let mut temps = vec![];
        for k in 0..elts.len() {
            let tmp = self.local_id(&format!("<unpack {path}.{k}>"), Ty::Object);
            pairs.push((tmp, item(k)));
            temps.push(tmp);
        }
        out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
        for (k, (e, tmp)) in elts.iter().zip(temps).enumerate() {
            out.extend(self.unpack_target(leaf(e), hir::Expr::local(tmp, Ty::Object), &format!("{path}.{k}"), line)?);
        }
        Ok(out)
    }

    fn for_range(&mut self, target: &Expr, iter: &Expr, body: &[Stmt], orelse: &[Stmt], line: u32) -> R<Vec<hir::Stmt>> {
        let ExprKind::Name(var) = &target.kind else {
            if let ExprKind::Call { func, .. } = &iter.kind {
                if self.is_prange(func) {
                    return fallback(&target.span, "its `prange` loop target is not a single name");
                }
            }
            return self.for_iter(target, iter, body, orelse, line);
        };
        let ExprKind::Call { func, args, keywords } = &iter.kind else {
            return self.for_iter(target, iter, body, orelse, line);
        };
        let prange = self.is_prange(func);
        if !prange && !matches!(&func.kind, ExprKind::Name(n) if n == "range" && !self.shadowed(n)) {
            return self.for_iter(target, iter, body, orelse, line);
        }
        let options = if prange { Some(self.prange_options(keywords)?) } else { None };
        let keywords: &[syntax::Keyword] = if prange { &[] } else { keywords };
        if !keywords.is_empty() || args.is_empty() || args.len() > 3 || args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
            // CPython raises TypeError only when the loop runs.
            return fallback(&iter.span, format!("range() with {} positional and {} keyword arguments", args.len(), keywords.len()));
        }
        let mut vals = vec![];
        for a in args {
            let v = self.expr(a)?;
            match v.ty {
                Ty::Int(_) | Ty::Bool => vals.push(v),
                Ty::Float(_) => {
                    return error(
                        Diagnostic::error(a.span.clone(), "'float' object cannot be interpreted as an integer")
                            .with_label("range() needs integers")
                            .with_hint("convert with int(...)"),
                    )
                }
                Ty::Void => return fallback(&a.span, "it passes the None result of a call to range()"),
                Ty::View(_) => return fallback(&a.span, "it passes a memoryview to range()"),
                // A C integer loop variable: the object converted once,
                // before the loop (`object_bounds` below).
                Ty::Object if self.declared.get(var.as_str()).is_some_and(|t| t.is_int()) => vals.push(v),
                // A Python range object of the objects, iterated.
                Ty::Object if !prange => return self.for_iter(target, iter, body, orelse, line),
                Ty::Object => return fallback(&a.span, "it passes an object to prange() and its loop variable is not declared a C integer"),
                Ty::Ptr(_) | Ty::FnPtr(_) => return fallback(&a.span, "it passes a C pointer to range()"),
                Ty::Complex => return fallback(&a.span, "it passes a C double complex to range()"),
            }
        }
        let mut pre = vec![];
        if vals.iter().any(|v| v.ty == Ty::Object) {
            pre = self.object_bounds(&mut vals, iter.span.start, line);
        }
        let arg_ty = vals
            .iter()
            .map(|v| if v.ty == Ty::Bool { Ty::py_int() } else { v.ty })
            .filter(|_| true)
            .reduce(|a, b| Ty::arith_join(a, b).unwrap_or(a))
            .unwrap_or(Ty::py_int());
        // Literal bounds adapt to a declared loop variable.
        let var_ty = match self.declared.get(var.as_str()) {
            Some(&t) => t,
            None if self.infer => {
                let lit_only = args.iter().all(|a| const_of(a).is_some());
                let t = match self.local_types.get(var.as_str()) {
                    Some(&old) => Ty::value_join(old, arg_ty).unwrap_or(old),
                    None if lit_only => Ty::py_int(),
                    None => arg_ty,
                };
                self.local_types.insert(var.clone(), t);
                t
            }
            None => match self.local_types.get(var.as_str()) {
                Some(&t) => t,
                None => return fallback(&target.span, format!("the type of `{var}` could not be inferred")),
            },
        };
        if !var_ty.is_int() {
            return error(
                Diagnostic::error(target.span.clone(), format!("loop variable `{var}` is {var_ty}, but range() yields integers"))
                    .with_label("not an integer type"),
            );
        }
        let one = hir::Expr::konst(Const::Int(1), var_ty);
        let zero = hir::Expr::konst(Const::Int(0), var_ty);
        // A constant bound outside a narrow variable's type is not folded into
        // it (that would wrap): the back end checks the range at run time, and
        // an all-constant range the variable cannot follow is refused here.
        let int_range = match var_ty {
            Ty::Int(t) if t.bits < 64 && t.signed => Some((-(1i64 << (t.bits - 1)), (1i64 << (t.bits - 1)) - 1)),
            Ty::Int(t) if t.bits < 64 => Some((0, (1i64 << t.bits) - 1)),
            _ => None,
        };
        if let Some((lo, hi)) = int_range {
            let consts: Vec<Option<i64>> = vals.iter().map(|v| if let Some(Const::Int(k)) = v.as_const() { Some(k) } else { None }).collect();
            if let Some(c) = consts.iter().copied().collect::<Option<Vec<i64>>>() {
                let (a, b, k) = match c[..] {
                    [b] => (0, b, 1),
                    [a, b] => (a, b, 1),
                    [a, b, k, ..] => (a, b, k),
                    _ => (0, 0, 1),
                };
                let last = if k > 0 && a < b {
                    Some(a as i128 + ((b as i128 - a as i128 - 1) / k as i128) * k as i128)
                } else if k < 0 && a > b {
                    Some(a as i128 - ((a as i128 - b as i128 - 1) / -(k as i128)) * -(k as i128))
                } else {
                    None
                };
                if let Some(last) = last {
                    let outside = |v: i128| v < lo as i128 || v > hi as i128;
                    if outside(a as i128) || outside(last) {
                        let bad = if outside(a as i128) { a as i128 } else { last };
                        return error(
                            Diagnostic::error(iter.span.clone(), format!("loop variable `{var}` is {var_ty}, which cannot hold {bad}"))
                                .with_label(format!("takes `{var}` outside {lo}..={hi}"))
                                .with_hint(format!("declare `{var}` with a wider integer type")),
                        );
                    }
                }
            }
        }
        let conv = |v: hir::Expr| -> R<hir::Expr> {
            if let (Some((lo, hi)), Some(Const::Int(k))) = (int_range, v.as_const()) {
                if k < lo || k > hi {
                    return Ok(hir::Expr { kind: H::Convert(Box::new(v)), ty: var_ty });
                }
            }
            self.coerce(v, var_ty, &iter.span, var)
        };
        let (start, stop, step) = match vals.len() {
            1 => (zero, conv(vals.remove(0))?, one),
            2 => {
                let start = conv(vals.remove(0))?;
                (start, conv(vals.remove(0))?, one)
            }
            _ => {
                let start = conv(vals.remove(0))?;
                let stop = conv(vals.remove(0))?;
                (start, stop, conv(vals.remove(0))?)
            }
        };
        let var_id = self.local_id(var, var_ty);
        self.loop_depth += 1;
        // A parallel body runs without the GIL.
        let outer_nogil = self.nogil;
        self.nogil |= options.as_ref().is_some_and(|o| o.parallel);
        // A loop nested in a parallel block's `prange` starts a team of its own.
        let in_team = std::mem::replace(&mut self.in_team, false);
        let src = body;
        let b = self.block(body);
        self.in_team = in_team;
        self.nogil = outer_nogil;
        self.loop_depth -= 1;
        let body = b?;
        let orelse = self.block(orelse)?;
        if let Some(o) = options {
            let mut out = pre;
            out.extend(self.prange(var_id, [start, stop, step], src, body, orelse, o, &iter.span, line)?);
            return Ok(out);
        }
        let mut out = pre;
        out.push(hir::Stmt { kind: hir::StmtKind::ForRange { var: var_id, start, stop, step, body, orelse, plan: Default::default() }, line });
        Ok(out)
    }

    /// `range()`'s arguments when some are objects and the loop variable is
    /// a declared C integer (Cython's C loop): every argument evaluated in
    /// order, those that are no constant or local read into hidden locals,
    /// before any is converted (the conversions, in the loop's bounds, then
    /// raise as `range()` does: TypeError, OverflowError, in argument order).
    fn object_bounds(&mut self, vals: &mut [hir::Expr], at: usize, line: u32) -> Vec<hir::Stmt> {
        let mut pairs = vec![];
        for (k, v) in vals.iter_mut().enumerate() {
            if v.as_const().is_some() || matches!(v.kind, H::Local(_)) {
                continue;
            }
            let hidden = self.local_id(&format!("<range arg {at} {k}>"), v.ty);
            let ty = v.ty;
            let value = std::mem::replace(v, hir::Expr::local(hidden, ty));
            pairs.push((hidden, value));
        }
        if pairs.is_empty() {
            return vec![];
        }
        vec![hir::Stmt { kind: hir::StmtKind::Assign(pairs), line }]
    }
}

/// A pattern's element without its star.
fn leaf(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Starred(inner) => inner.as_ref(),
        _ => e,
    }
}

impl Checker<'_, '_> {
    /// `name = v` of a module-level C variable (`global name` declared):
    /// `v` converted as an assignment converts it.
    fn cvar_store(&mut self, name: &str, v: hir::Expr, span: &Span) -> R<hir::StmtKind> {
        let ty = self.cx.c_vars[name];
        let v = self.coerce(v, ty, span, name)?;
        let store = hir::ExprKind::CGlobalStore { symbol: format!("{}{name}", hir::MODULE_CVAR), value: Box::new(v) };
        Ok(hir::StmtKind::Expr(hir::Expr { kind: store, ty: Ty::Void }))
    }
}

fn one_stmt(kind: hir::StmtKind, line: u32) -> R<Vec<hir::Stmt>> {
    Ok(vec![hir::Stmt { kind, line }])
}

/// Where a `yield`'s target starts in the source (names its hidden local).
fn value_start(t: &Expr) -> usize {
    t.span.start
}
