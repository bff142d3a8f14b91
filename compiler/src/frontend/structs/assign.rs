//! Whole structs assigned: from another struct place, a build `S(f=…)`,
//! a by-value call's result, or an object converted as Cython does.

use super::*;

impl Lower<'_, '_> {
    /// A whole struct assigned: from another struct place of the same type
    /// (field by field) or from `S(f=…, …)` naming every field.
    pub(super) fn assign(&mut self, target: &Expr, value: &Expr, sp: &syntax::Span) -> R<Vec<Stmt>> {
        let Some(ty) = self.place_type(target) else {
            return fallback(&target.span, "it assigns a whole array of structs");
        };
        self.pure_place(target)?;
        self.pure_place(value)?;
        let fields: Vec<String> = self.fields(&ty).iter().map(|(f, _)| f.clone()).collect();
        let mut out = vec![];
        if let Some(src_ty) = self.place_type(value) {
            if src_ty != ty {
                return error(
                    Diagnostic::error(value.span.clone(), format!("cannot assign a `{src_ty}` to a `{ty}`"))
                        .with_label(format!("a `{src_ty}`"))
                        .with_hint("a struct is assigned from a struct of its own type"),
                );
            }
            if self.structs[&ty].union {
                // A union's storage copied word by word.
                let (Some(to), Some(from)) = (self.union_place_words(target, sp)?, self.union_place_words(value, sp)?) else {
                    return fallback(&value.span, "it copies a union it cannot address");
                };
                let at = At(sp);
                for (t, v) in to.into_iter().zip(from) {
                    out.push(at.assign(t, v));
                }
                return Ok(out);
            }
            for (f, t) in self.fields(&ty).to_vec() {
                let (Some(to), Some(v)) = (self.place_field(target, &f), self.place_field(value, &f)) else {
                    return fallback(&value.span, "it copies a struct it cannot address field by field");
                };
                match self.sub_struct(&t).or_else(|| self.sub_union(&t)) {
                    Some(_) => out.extend(self.assign(&to, &v, sp)?),
                    None => out.push(stmt(StmtKind::Assign { targets: vec![self.lower_leaf(&to, true)?], value: self.lower_leaf(&v, false)? }, sp)),
                }
            }
            return Ok(out);
        }
        if let Some((c, args, keywords)) = self.by_value_callee(value).filter(|(c, _, _)| self.module.results.get(*c) == Some(&ty)) {
            let (call, values) = self.result_call(c, args, keywords, sp)?;
            out.push(call);
            let Some(places) = self.value_places(target, &ty)? else { return fallback(&target.span, "a struct it cannot address field by field") };
            for (t, v) in places.into_iter().zip(values) {
                out.push(stmt(StmtKind::Assign { targets: vec![self.lower_leaf(&t, true)?], value: v }, sp));
            }
            return Ok(out);
        }
        if let (ExprKind::Tuple(items), true) = (&value.kind, self.structs[&ty].ctuple) {
            if items.len() != fields.len() {
                return error(Diagnostic::error(value.span.clone(), format!("cannot assign {} values to a `{ty}`", items.len())));
            }
            // One tuple assignment: every value evaluated before any is stored.
            let Some(places) = fields.iter().map(|f| self.place_field(target, f)).collect::<Option<Vec<_>>>() else {
                return fallback(&target.span, "a ctuple it cannot address field by field");
            };
            let values = items.iter().map(|v| self.expr(v)).collect::<R<Vec<_>>>()?;
            let at = At(sp);
            return Ok(vec![stmt(StmtKind::Assign { targets: vec![at.tuple(places)], value: at.tuple(values) }, sp)]);
        }
        let is_build = matches!(&value.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(n) if *n == ty));
        let ExprKind::Call { args, keywords, .. } = &value.kind else {
            return self.assign_object(&ty, target, value, sp);
        };
        if !is_build {
            return self.assign_object(&ty, target, value, sp);
        }
        // `S(a, b, y=c)`: positional arguments fill the fields in order, as
        // Cython's struct constructor does.
        if !args.is_empty() && (self.structs[&ty].union || args.len() > fields.len() || args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)))) {
            return fallback(&value.span, format!("it builds a `{ty}` from positional arguments"));
        }
        let positional = args.iter().zip(&fields).map(|(a, f)| Keyword { name: Some(f.clone()), value: a.clone(), span: a.span.clone() });
        let keywords: Vec<Keyword> = positional.chain(keywords.iter().cloned()).collect();
        let keywords = keywords.as_slice();
        let target_root = match &target.kind {
            ExprKind::Subscript { value, .. } => value,
            _ => target,
        };
        let mut seen: Vec<&str> = vec![];
        for Keyword { name: k, value: v, span } in keywords {
            let Some(k) = k else { return fallback(span, "it builds a struct from `**` arguments") };
            if !fields.contains(k) {
                return error(
                    Diagnostic::error(span.clone(), format!("struct `{ty}` has no field `{k}`"))
                        .with_hint(format!("its fields are {}", fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "))),
                );
            }
            if seen.contains(&k.as_str()) {
                return fallback(span, format!("it gives the field `{k}` of a `{ty}` twice"));
            }
            seen.push(k);
            // The new value may read the struct it replaces: Python evaluates
            // every field's value before any is stored.
            let mut reads_target = false;
            walk_expr(v, &mut |x| reads_target |= matches!((&x.kind, &target_root.kind), (ExprKind::Name(a), ExprKind::Name(b)) if a == b));
            if reads_target {
                return fallback(&v.span, "a struct's new value reads the struct it replaces");
            }
        }
        // Into C memory, values that may read it are all evaluated first
        // (into hidden locals), as Python builds the struct before storing it.
        let in_memory = self.mem_place(target).is_some();
        let mut early: HashMap<String, Expr> = HashMap::new();
        for Keyword { name: k, value: v, span } in keywords {
            let Some(k) = k else { continue };
            if !in_memory || !self.reads_memory(v) {
                continue;
            }
            let t = self.fields(&ty).iter().find(|(f, _)| f == k).map(|(_, t)| t.clone());
            let number = t.as_ref().is_some_and(|t| matches!(self.cx.resolve_type(t), Ok(crate::types::Ty::Int(_) | crate::types::Ty::Float(_) | crate::types::Ty::Bool)));
            let (Some(t), true) = (t, number) else {
                return fallback(span, format!("it builds a `{}` in C memory whose field `{k}` is read from C memory or a call (only C number fields are evaluated first)", Self::shown(&ty)));
            };
            let tmp = self.hidden("v");
            self.temps.borrow_mut().1.push(At(sp).declare(&tmp, t));
            out.push(At(sp).assign(At(sp).name(&tmp), self.expr(v)?));
            early.insert(k.clone(), At(sp).name(&tmp));
        }
        if self.structs[&ty].union {
            if keywords.len() != 1 {
                return fallback(&value.span, format!("it builds the union `{ty}` from {} fields (Cython takes one)", keywords.len()));
            }
        } else if let Some(missing) = fields.iter().find(|f| !seen.contains(&f.as_str())) {
            return fallback(&value.span, format!("it builds a `{ty}` without its field `{missing}`"));
        }
        for Keyword { name: k, value: v, .. } in keywords {
            if let Some(t) = k.as_ref().and_then(|k| self.place_field(target, k)) {
                let nested = self.fields(&ty).iter().find(|(f, _)| Some(f) == k.as_ref()).and_then(|(_, t)| self.sub_struct(t).or_else(|| self.sub_union(t)));
                match (nested, k.as_ref().and_then(|k| early.get(k))) {
                    (_, Some(tmp)) => out.push(stmt(StmtKind::Assign { targets: vec![self.lower_leaf(&t, true)?], value: tmp.clone() }, sp)),
                    (Some(_), None) => out.extend(self.assign(&t, v, sp)?),
                    (None, None) => out.push(stmt(StmtKind::Assign { targets: vec![self.lower_leaf(&t, true)?], value: self.expr(v)? }, sp)),
                }
            }
        }
        Ok(out)
    }

    /// A struct place assigned an object (converted as Cython does),
    /// evaluated once into a hidden local first.
    pub(super) fn assign_object(&self, ty: &str, target: &Expr, value: &Expr, sp: &syntax::Span) -> R<Vec<Stmt>> {
        let src = self.hidden("src");
        let at = At(sp);
        let mut out = vec![at.assign(at.name(&src), self.expr(value)?)];
        out.extend(self.from_object(ty, &at.name(&src), target, sp)?);
        Ok(out)
    }
}
