//! Structs and ctuples passed by value between compiled functions: a
//! `@cfunc`'s struct parameter is one C parameter per field, its struct
//! result is written through pointers to the caller's hidden one-element C
//! arrays (`#out.f`), and every `return` of a function returning one goes
//! through the hidden struct local `#ret`.

use super::{error, fallback, field_local, Lower, R, BY_VALUE_CALL, RET};
use crate::diag::Diagnostic;
use crate::frontend::struct_convert::At;
use crate::syntax::{self, Expr, ExprKind, Keyword, Stmt, StmtKind};

impl Lower<'_, '_> {
    /// The `@cfunc` a call calls, when it passes a struct or ctuple by value.
    pub(super) fn by_value_callee<'e>(&self, e: &'e Expr) -> Option<(&'e str, &'e [Expr], &'e [Keyword])> {
        let ExprKind::Call { func, args, keywords } = &e.kind else { return None };
        let ExprKind::Name(c) = &func.kind else { return None };
        (self.module.results.contains_key(c) || self.module.params.contains_key(c)).then_some((c.as_str(), args.as_slice(), keywords.as_slice()))
    }

    /// A call's arguments, each struct or ctuple passed by value as its fields.
    pub(super) fn call_args(&self, c: &str, args: &[Expr], keywords: &[Keyword], sp: &syntax::Span) -> R<Vec<Expr>> {
        let Some(kinds) = self.module.params.get(c) else {
            if !keywords.is_empty() {
                return fallback(sp, format!("it calls `{c}` (a `@cfunc` returning a struct) with keywords"));
            }
            return args.iter().map(|a| self.expr(a)).collect();
        };
        let external = self.module.externs.contains(c);
        if external && keywords.is_empty() && args.len() != kinds.len() && !args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
            let n = kinds.len();
            return error(Diagnostic::error(sp.clone(), format!("the C function `{c}` takes {n} argument{} ({} given)", if n == 1 { "" } else { "s" }, args.len())).with_label("wrong number of arguments"));
        }
        if !keywords.is_empty() || args.len() != kinds.len() || args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
            let what = if external { "a C function taking a struct by value" } else { "a `@cfunc` taking a struct" };
            return fallback(sp, format!("it calls `{c}` ({what}) other than with one positional argument per parameter"));
        }
        let mut out = vec![];
        for (a, k) in args.iter().zip(kinds) {
            let Some(k) = k else {
                out.push(self.expr(a)?);
                continue;
            };
            let names: Vec<String> = self.fields(k).iter().map(|(f, _)| f.clone()).collect();
            if external && self.structs[k].union {
                // A union passes as its storage words (C's bytes of it).
                let words = match self.place_type(a).as_ref() == Some(k) {
                    true => self.union_place_words(a, &a.span)?,
                    false => None,
                };
                let Some(words) = words else {
                    return fallback(&a.span, format!("it passes `{}` to `{c}` as the union `{}` (a union passes from a union local)", self.cx.source_text(&a.span), Self::shown(k)));
                };
                out.extend(words);
                continue;
            }
            if external && self.fields(k).iter().any(|(_, t)| self.aggregate(t).is_some_and(|u| self.structs[&u].union)) {
                return fallback(&a.span, format!("it passes the struct `{}`, which holds a union, by value", Self::shown(k)));
            }
            if self.place_type(a).as_ref() == Some(k) {
                self.pure_place(a)?;
                let Some(vs) = self.leaf_places(a, k) else { return fallback(&a.span, "a struct it cannot address field by field") };
                for v in vs {
                    out.push(self.lower_leaf(&v, false)?);
                }
                continue;
            }
            if self.leaves(k).len() != names.len() {
                return fallback(&a.span, format!("it passes `{}` to `{c}` as a `{k}` (a struct holding structs passes from a struct local)", self.cx.source_text(&a.span)));
            }
            match &a.kind {
                ExprKind::Tuple(items) if self.structs[k].ctuple && items.len() == names.len() => {
                    for i in items {
                        out.push(self.expr(i)?);
                    }
                }
                ExprKind::Call { func, args: none, keywords } if none.is_empty() && matches!(&func.kind, ExprKind::Name(n) if n == k) => {
                    for f in &names {
                        let Some(v) = keywords.iter().find(|kw| kw.name.as_deref() == Some(f.as_str())) else {
                            return fallback(&a.span, format!("it builds a `{k}` without its field `{f}`"));
                        };
                        out.push(self.expr(&v.value)?);
                    }
                    if keywords.len() != names.len() {
                        return fallback(&a.span, format!("it builds a `{k}` with a name that is no field"));
                    }
                }
                _ => return fallback(&a.span, format!("it passes `{}` to `{c}` as a `{k}`", self.cx.source_text(&a.span))),
            }
        }
        Ok(out)
    }

    /// A call of a `@cfunc` returning struct or ctuple `key` by value: the
    /// call (passing the addresses of hidden one-element C arrays, declared
    /// before the body) and each field's value read back.
    pub(super) fn result_call(&self, c: &str, args: &[Expr], keywords: &[Keyword], sp: &syntax::Span) -> R<(Stmt, Vec<Expr>)> {
        let key = self.module.results[c].clone();
        let mut args = self.call_args(c, args, keywords, sp)?;
        let m = self.cython_module(sp)?;
        let base = self.hidden("r");
        let at = At(sp);
        let mut values = vec![];
        if self.module.externs.contains(c) {
            return self.extern_result_call(c, &key, args, sp);
        }
        for (f, t) in self.leaves(&key) {
            let slot = format!("{base}.{f}");
            let one = at.item(t, at.int(1));
            self.temps.borrow_mut().1.push(at.declare(&slot, one));
            let elem = at.item(at.name(&slot), at.int(0));
            args.push(at.call(Self::cython_name(&m, "address", sp), vec![elem.clone()]));
            values.push(elem);
        }
        Ok((at.expr_stmt(self.by_value_call(c, args, sp)), values))
    }

    /// A call of extern C function `c` returning struct or union `key` by
    /// value: the call, passing the address of a hidden C array of `long
    /// long`s (declared before the body) the struct is written into in C's
    /// layout, and each of its values read from there (a union's storage
    /// words).
    fn extern_result_call(&self, c: &str, key: &str, mut args: Vec<Expr>, sp: &syntax::Span) -> R<(Stmt, Vec<Expr>)> {
        if self.fields(key).iter().any(|(_, t)| self.aggregate(t).is_some_and(|u| self.structs[&u].union)) {
            return fallback(sp, format!("it calls `{c}`, which returns the struct `{}` holding a union", Self::shown(key)));
        }
        let m = self.cython_module(sp)?;
        let at = At(sp);
        let name = |a: &str| Self::cython_name(&m, a, sp);
        let pointer = |t: Expr| at.call(name("pointer"), vec![t]);
        let (size, leaves) = match self.structs[key].union {
            true => {
                let words = self.union_words(key, sp)?;
                (words * 8, (0..words).map(|w| (String::new(), w * 8, name("longlong"), false)).collect())
            }
            false => self.layout(key, sp)?,
        };
        let buf = self.hidden("r");
        self.temps.borrow_mut().1.push(at.declare(&buf, at.item(name("longlong"), at.int((size + 7) / 8))));
        let addr = at.call(name("cast"), vec![pointer(name("char")), at.call(name("address"), vec![at.item(at.name(&buf), at.int(0))])]);
        args.push(addr.clone());
        let mut values = vec![];
        for (_, offset, t, is_ptr) in leaves {
            let moved = Expr { kind: ExprKind::BinOp { left: Box::new(addr.clone()), op: syntax::BinOp::Add, right: Box::new(at.int(offset)) }, span: sp.clone() };
            // A pointer is read as a `void*` and cast to its type.
            let slot = pointer(if is_ptr { name("p_void") } else { t.clone() });
            let load = at.item(at.call(name("cast"), vec![slot, moved]), at.int(0));
            values.push(if is_ptr { at.call(name("cast"), vec![t, load]) } else { load });
        }
        Ok((at.expr_stmt(self.by_value_call(c, args, sp)), values))
    }

    /// The call of `c` with its structs passed as their values (`args`),
    /// an extern function's marked for typing (`BY_VALUE_CALL`).
    pub(super) fn by_value_call(&self, c: &str, args: Vec<Expr>, sp: &syntax::Span) -> Expr {
        let at = At(sp);
        let keywords = match self.module.externs.contains(c) {
            true => vec![Keyword { name: Some(BY_VALUE_CALL.to_string()), value: at.int(0), span: sp.clone() }],
            false => vec![],
        };
        Expr { kind: ExprKind::Call { func: Box::new(at.name(c)), args, keywords }, span: sp.clone() }
    }

    /// The places of the values a whole-struct place travels as: its C
    /// number and pointer fields (`leaf_places`), or a union's storage words.
    pub(super) fn value_places(&self, e: &Expr, key: &str) -> R<Option<Vec<Expr>>> {
        if self.structs[key].union {
            return self.union_place_words(e, &e.span);
        }
        Ok(self.leaf_places(e, key))
    }

    /// `return e` in a function returning a struct or ctuple by value.
    pub(super) fn return_struct(&mut self, key: &str, e: &Expr, sp: &syntax::Span) -> R<Vec<Stmt>> {
        let at = At(sp);
        if !self.cfunc && self.place_type(e).as_deref() == Some(key) {
            return Ok(vec![at.ret(Some(self.to_object(key, e, sp)?))]);
        }
        // A `def` returns an object as it is (Cython does not convert it
        // to the declared struct and back); a build, a display or a
        // `@cfunc`'s result is made a struct first.
        let made = matches!(&e.kind, ExprKind::Tuple(_)) || self.place_type(e).is_some() || self.by_value_callee(e).is_some_and(|(c, _, _)| self.module.results.contains_key(c))
            || matches!(&e.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(n) if n == key));
        if !self.cfunc && !made {
            return Ok(vec![at.ret(Some(self.expr(e)?))]);
        }
        let ret = at.name(RET);
        let mut out = self.assign(&ret, e, sp)?;
        if self.cfunc {
            for (f, _) in self.leaves(key) {
                out.push(at.assign(at.item(at.name(&format!("#out.{f}")), at.int(0)), at.name(&field_local(RET, &f))));
            }
            out.push(at.ret(None));
        } else {
            out.push(at.ret(Some(self.to_object(key, &ret, sp)?)));
        }
        Ok(out)
    }

    /// A call returning a struct by value inside a statement's expression
    /// (`vdot(vadd(a, b), c)`, `vadd(a, b).x`), made into a hidden struct
    /// local first, when Python evaluates only names, constants and struct
    /// fields before it (so nothing moves across it); `None` when there is
    /// none such.
    pub(super) fn hoist_struct_result(&mut self, s: &Stmt) -> R<Option<Vec<Stmt>>> {
        let mut rewritten = s.clone();
        let value = match &mut rewritten.kind {
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => e,
            StmtKind::Assign { value, .. } | StmtKind::AnnAssign { value: Some(value), .. } => value,
            StmtKind::AugAssign { target, value, .. } if matches!(target.kind, ExprKind::Name(_)) => value,
            _ => return Ok(None),
        };
        // The name `hidden` makes next (asked for only once one is found).
        let tmp = format!("#hv{}", self.temps.borrow().0 + 1);
        let mut pure = true;
        let Some((call, key)) = self.take_struct_call(value, true, &mut pure, &tmp) else { return Ok(None) };
        let tmp = self.hidden("hv");
        self.register(&tmp, &key);
        let decls = self.declare_place(&tmp, &key, &s.span)?;
        self.temps.borrow_mut().1.extend(decls);
        let at = At(&s.span);
        let mut out = self.stmt(&at.assign(at.name(&tmp), call))?;
        out.extend(self.stmt(&rewritten)?);
        Ok(Some(out))
    }

    /// The first call returning a struct by value in `e` (not `e` itself
    /// when `top`), replaced by the name `tmp`, with its struct type, if
    /// only pure expressions are evaluated before it (`pure`).
    fn take_struct_call(&self, e: &mut Expr, top: bool, pure: &mut bool, tmp: &str) -> Option<(Expr, String)> {
        if !*pure {
            return None;
        }
        if !top {
            if let Some(key) = self.by_value_callee(e).and_then(|(c, _, _)| self.module.results.get(c)).cloned() {
                let call = std::mem::replace(e, Expr { kind: ExprKind::Name(tmp.to_string()), span: e.span.clone() });
                return Some((call, key));
            }
        }
        let field = self.struct_local(e).is_some() || matches!(&e.kind, ExprKind::Attribute { value, .. } if self.struct_local(value).is_some());
        match &mut e.kind {
            ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) => return None,
            ExprKind::Call { func, args, keywords } => {
                for x in std::iter::once(&mut **func).chain(args.iter_mut()).chain(keywords.iter_mut().map(|k| &mut k.value)) {
                    if let Some(found) = self.take_struct_call(x, false, pure, tmp) {
                        return Some(found);
                    }
                }
            }
            ExprKind::BinOp { left, right, .. } => {
                for x in [&mut **left, &mut **right] {
                    if let Some(found) = self.take_struct_call(x, false, pure, tmp) {
                        return Some(found);
                    }
                }
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for x in items.iter_mut() {
                    if let Some(found) = self.take_struct_call(x, false, pure, tmp) {
                        return Some(found);
                    }
                }
                return None;
            }
            ExprKind::UnaryOp { operand: x, .. } | ExprKind::Attribute { value: x, .. } => {
                if let Some(found) = self.take_struct_call(x, false, pure, tmp) {
                    return Some(found);
                }
            }
            ExprKind::Compare { left: x, .. } | ExprKind::Subscript { value: x, .. } | ExprKind::IfExp { test: x, .. } => {
                // Only the first operand runs before anything else (the
                // rest may run on a condition, or after an item lookup).
                if let Some(found) = self.take_struct_call(x, false, pure, tmp) {
                    return Some(found);
                }
            }
            ExprKind::BoolOp { values, .. } => {
                if let Some(found) = values.first_mut().and_then(|x| self.take_struct_call(x, false, pure, tmp)) {
                    return Some(found);
                }
            }
            _ => {}
        }
        // The operation itself may run code (an object's method), but a
        // struct local's field read does not.
        *pure &= field;
        None
    }
}
