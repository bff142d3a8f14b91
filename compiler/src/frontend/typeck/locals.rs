//! A function's local variables: types fixed by declarations (annotations,
//! `cython.declare`, `cython.locals`, C arrays), types inferred by joining
//! what is assigned to them (one round of the fixpoint), their ids in the
//! HIR, and whether a name is local at all (so a builtin may be shadowed).

use crate::frontend::{error, fallback, Binding};
use crate::diag::Diagnostic;
use crate::hir::{self, LocalId};
use crate::syntax::{Expr, ExprKind, Span, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::HashMap;

use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    /// Annotations and `cython.declare` fix a local's type for the whole function.
    pub(super) fn prescan_declarations(&mut self, body: &[Stmt]) -> R<()> {
        for s in body {
            match &s.kind {
                StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), span }, annotation, value } => {
                    if let Some((elem, dims)) = self.cx.resolve_c_array(annotation)? {
                        if let Some(v) = value {
                            super::c_array_init::check_initialiser(v)?;
                        }
                        let t = Ty::View(crate::types::ViewTy { elem, ndim: dims.len() as u8, c_contig: true, f_contig: false });
                        self.declare(n, t, span)?;
                        self.c_arrays.insert(n.clone(), dims);
                        continue;
                    }
                    let t = self.cx.resolve_type(annotation)?;
                    self.declare(n, t, span)?;
                }
                StmtKind::Assign { targets, value } => {
                    // `p = cython.declare(cython.int[1000])`: a C array that also works uncompiled.
                    if let (ExprKind::Call { func, args, .. }, [Expr { kind: ExprKind::Name(n), span }]) = (&value.kind, targets.as_slice()) {
                        if self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) {
                            if let Some((elem, dims)) = match args.first() { Some(t) => self.cx.resolve_c_array(t)?, None => None } {
                                if let Some(v) = args.get(1) {
                                    super::c_array_init::check_initialiser(v)?;
                                }
                                let t = Ty::View(crate::types::ViewTy { elem, ndim: dims.len() as u8, c_contig: true, f_contig: false });
                                self.declare(n, t, span)?;
                                self.c_arrays.insert(n.clone(), dims);
                                continue;
                            }
                        }
                    }
                    if let (Some(t), [Expr { kind: ExprKind::Name(n), span }]) = (self.declare_call_type(value)?, targets.as_slice()) {
                        self.declare(n, t, span)?;
                    }
                }
                StmtKind::Expr(Expr { kind: ExprKind::Call { func, args, keywords }, .. })
                    if args.is_empty() && self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) =>
                {
                    for k in keywords {
                        if let Some(n) = &k.name {
                            let t = self.cx.resolve_type(&k.value)?;
                            self.declare(n, t, &k.span)?;
                        }
                    }
                }
                StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                    self.prescan_declarations(body)?;
                    self.prescan_declarations(orelse)?;
                }
                StmtKind::With { body, .. } => self.prescan_declarations(body)?,
                StmtKind::Try { .. } => {
                    for b in s.kind.try_blocks() {
                        self.prescan_declarations(b)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A local bound only by `f = g` with `g` a module-level `@cfunc` of C
    /// types (all of one signature) is that C function pointer, as
    /// Cython's type inference makes it (`simply_type` of a function is a
    /// pointer to it): its calls are C calls, not Python calls of the
    /// function's module attribute. Only where the pointer is called and
    /// nothing else (Cython cannot make a Python object of a C function
    /// pointer, so `print(f)` would stop compiling).
    pub(super) fn infer_function_pointer_locals(&mut self, body: &[Stmt]) {
        fn cfunc_assignments<'s>(body: &'s [Stmt], out: &mut Vec<(&'s str, &'s str)>) {
            for s in body {
                match &s.kind {
                    StmtKind::Assign { targets, value } => {
                        if let ([Expr { kind: ExprKind::Name(n), .. }], ExprKind::Name(g)) = (targets.as_slice(), &value.kind) {
                            out.push((n, g));
                        }
                    }
                    StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                        cfunc_assignments(body, out);
                        cfunc_assignments(orelse, out);
                    }
                    StmtKind::With { body, .. } => cfunc_assignments(body, out),
                    StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| cfunc_assignments(b, out)),
                    _ => {}
                }
            }
        }
        let mut assignments = vec![];
        cfunc_assignments(body, &mut assignments);
        let mut bindings = vec![];
        body.iter().for_each(|s| crate::syntax::bound_names(s, &mut bindings));
        let mut sigs: HashMap<&str, Option<crate::types::FnSig>> = HashMap::new();
        for &(local, value) in &assignments {
            let sig = self.cfunc_signature(value);
            let entry = sigs.entry(local).or_insert_with(|| sig.clone());
            if *entry != sig {
                *entry = None;
            }
        }
        let mut candidates: Vec<(&str, crate::types::FnSig)> = vec![];
        for (local, sig) in sigs {
            let Some(sig) = sig else { continue };
            let only_these = bindings.iter().filter(|b| *b == local).count() == assignments.iter().filter(|(l, _)| *l == local).count();
            let free = !self.me.params.iter().any(|p| p.name == local) && !self.declared.contains_key(local) && !self.globals.contains(local) && !self.c_arrays.contains_key(local);
            if only_these && free {
                candidates.push((local, sig));
            }
        }
        if candidates.is_empty() {
            return;
        }
        let names: Vec<&str> = candidates.iter().map(|(n, _)| *n).collect();
        let pointers = crate::syntax::only_called_or_assigned(self.cx.source_text(&self.me.span), &names);
        for (local, sig) in candidates {
            if pointers.contains(&local) {
                self.declared.insert(local.to_string(), Ty::FnPtr(crate::types::FnPtrTy::of(&sig)));
            }
        }
    }

    /// The C function pointer signature of the module-level `@cfunc`
    /// `name` (not a local), if its parameters and result are C values.
    fn cfunc_signature(&self, name: &str) -> Option<crate::types::FnSig> {
        let id = *self.ids.get(name)?;
        if self.local_names.contains(name) {
            return None;
        }
        let c = &self.set[id.0 as usize];
        let c_value = |t: Ty| matches!(t, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Ptr(_) | Ty::FnPtr(_));
        let ret = c.declared_ret?;
        if c.exported || c.class.is_some() || c.generator || !(c_value(ret) || ret == Ty::Void) || !c.params.iter().all(|p| c_value(p.ty)) {
            return None;
        }
        Some(crate::types::FnSig { params: c.params.iter().map(|p| p.ty).collect(), ret, nogil: c.nogil, except: c.except_spec() })
    }

    pub(super) fn declare_call_type(&self, value: &Expr) -> R<Option<Ty>> {
        if let ExprKind::Call { func, args, .. } = &value.kind {
            if self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) {
                return match args.first() {
                    Some(t) => Ok(Some(self.cx.resolve_type(t)?)),
                    None => fallback(&value.span, "`cython.declare` without a type"),
                };
            }
        }
        Ok(None)
    }

    pub(super) fn declare(&mut self, name: &str, t: Ty, span: &Span) -> R<()> {
        if t == Ty::Void {
            return fallback(span, format!("local `{name}` is declared None"));
        }
        // A deleted local's object default yields to its declaration (then
        // `del` of it is Cython's error).
        if self.deleted_objects.remove(name) {
            self.declared.insert(name.to_string(), t);
            return Ok(());
        }
        match self.declared.get(name) {
            Some(&old) if old != t => error(
                Diagnostic::error(span.clone(), format!("`{name}` is declared as {old} and again as {t}"))
                    .with_label("conflicting declaration")
                    .with_hint("a local keeps one type for the whole function; use another name"),
            ),
            _ => {
                self.declared.insert(name.to_string(), t);
                Ok(())
            }
        }
    }

    pub(super) fn local_ty(&self, name: &str) -> Option<Ty> {
        self.declared.get(name).or_else(|| self.local_types.get(name)).copied()
    }

    pub(super) fn local_id(&mut self, name: &str, ty: Ty) -> LocalId {
        if let Some(id) = self.local_ids.get(name) {
            return *id;
        }
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(hir::Local { name: name.to_string(), ty, c_array: self.c_arrays.get(name).cloned() });
        self.local_ids.insert(name.to_string(), id);
        id
    }

    /// The local `name` an assignment of `v` writes, and `v` converted to its type.
    pub(super) fn assign_to(&mut self, name: &str, v: hir::Expr, span: &Span) -> R<(LocalId, hir::Expr)> {
        if self.globals.contains(name) {
            return fallback(span, format!("it assigns the global `{name}` here (only `{name} = …` and `{name} op= …` compile)"));
        }
        if self.c_arrays.contains_key(name) {
            return fallback(span, "it assigns to a whole C array");
        }
        if let (Some(&t @ Ty::View(_)), Ty::Object) = (self.declared.get(name), v.ty) {
            // `v: T[:] = obj`: the object's buffer is acquired (and held
            // as long as the view is: `mir::build::body::view`).
            let v = hir::Expr { kind: hir::ExprKind::Convert(Box::new(v)), ty: t };
            return Ok((self.local_id(name, t), v));
        }
        // `s: cython.p_char = b` of a bytes parameter: its buffer.
        if let Some(&t) = self.declared.get(name) {
            if let Some(c) = self.char_pointer_store(&v, t, span)? {
                return Ok((self.local_id(name, t), c));
            }
        }
        // `p: cython.p_double = a` of a C array: its first element's address.
        let v = match (self.declared.get(name), v.ty) {
            (Some(&t @ Ty::Ptr(_)), Ty::View(_)) => self.coerce(v, t, span, name)?,
            _ => v,
        };
        if let Some(existing) = self.declared.get(name).or(self.local_types.get(name)) {
            if matches!(existing, Ty::View(_)) != matches!(v.ty, Ty::View(_)) {
                return fallback(span, format!("`{name}` holds both a memoryview and a number"));
            }
        }
        if let (Ty::View(_), Some(&old)) = (v.ty, self.local_types.get(name)) {
            if old != v.ty && !self.declared.contains_key(name) {
                return fallback(span, format!("`{name}` holds memoryviews of different types"));
            }
        }
        if v.ty == Ty::Void {
            return fallback(span, format!("it assigns the None result of a call to `{name}`"));
        }
        let ty = if let Some(&t) = self.declared.get(name) {
            t
        } else if self.infer {
            let joined = match self.local_types.get(name) {
                None => v.ty,
                Some(&old) => Ty::value_join(old, v.ty).unwrap_or(old),
            };
            self.local_types.insert(name.to_string(), joined);
            joined
        } else {
            match self.local_types.get(name) {
                Some(&t) => t,
                None => return fallback(span, format!("the type of `{name}` could not be inferred")),
            }
        };
        let v = self.coerce(v, ty, span, name)?;
        let v = self.class_checked(name, v);
        let id = self.local_id(name, ty);
        Ok((id, v))
    }

    /// A name that a builtin could be shadowed by: a local or any module-level binding.
    pub(super) fn shadowed(&self, name: &str) -> bool {
        self.local_names.contains(name) || self.cx.module_names.contains(name)
    }

    /// Makes sure every declared C array has its local (and so its storage).
    pub(super) fn materialize_c_arrays(&mut self) {
        let mut names: Vec<(String, Ty)> =
            self.c_arrays.keys().filter_map(|n| self.declared.get(n).map(|t| (n.clone(), *t))).collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (n, t) in names {
            self.local_id(&n, t);
        }
    }
}
