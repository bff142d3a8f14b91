//! Structs and ctuples passed by value between compiled functions: a
//! `@cfunc`'s struct parameter is one C parameter per field, its struct
//! result is written through pointers to the caller's hidden one-element C
//! arrays (`#out.f`), and every `return` of a function returning one goes
//! through the hidden struct local `#ret`.

use super::{error, fallback, field_local, Lower, R, BY_VALUE_CALL, RET};
use crate::diag::Diagnostic;
use crate::frontend::struct_convert::At;
use crate::syntax::{self, Expr, ExprKind, Keyword, Stmt};

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
        let external = self.module.externs.contains(c);
        if external && self.fields(&key).iter().any(|(_, t)| self.aggregate(t).is_some_and(|u| self.structs[&u].union)) {
            return fallback(sp, format!("it calls `{c}`, which returns the struct `{}` holding a union", Self::shown(&key)));
        }
        for (f, t) in self.value_leaves(&key, sp)? {
            let slot = format!("{base}.{f}");
            // A pointer comes back through a `void*` slot (C has no
            // pointer to it here), read cast to its type.
            let pointer = external && matches!(self.cx.resolve_type(&t), Ok(crate::types::Ty::Ptr(_) | crate::types::Ty::FnPtr(_)));
            let slot_ty = if pointer { Self::cython_name(&m, "p_void", sp) } else { t.clone() };
            let one = at.item(slot_ty, at.int(1));
            self.temps.borrow_mut().1.push(at.declare(&slot, one));
            let elem = at.item(at.name(&slot), at.int(0));
            args.push(at.call(Self::cython_name(&m, "address", sp), vec![elem.clone()]));
            values.push(if pointer { at.call(Self::cython_name(&m, "cast", sp), vec![t, elem]) } else { elem });
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

    /// The values a struct of type `key` travels as: its C number and
    /// pointer fields (`leaves`), or a union's storage words.
    pub(super) fn value_leaves(&self, key: &str, sp: &syntax::Span) -> R<Vec<(String, Expr)>> {
        if !self.structs[key].union {
            return Ok(self.leaves(key));
        }
        let m = self.cython_module(sp)?;
        Ok((0..self.union_words(key, sp)?).map(|w| (format!("#w{w}"), Self::cython_name(&m, "longlong", sp))).collect())
    }

    /// The places of the values of a whole-struct place (`value_leaves`).
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
}
