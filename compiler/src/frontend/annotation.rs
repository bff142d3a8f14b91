//! Annotations and type arguments resolved to native types: Cython's scalar
//! names and Python's builtins, memoryview types (`cython.double[:, ::1]`,
//! `Optional[...]` or `... | None` around one), and C arrays
//! (`cython.int[4][4]`). What has no native type leaves the function to
//! Python; only a malformed memoryview axis or array dimension is an error.

use super::{error, fallback, Binding, ModuleCx, Problem};
use crate::diag::Diagnostic;
use crate::syntax::{Expr, ExprKind};
use crate::types::{self, Ty};

impl ModuleCx<'_> {
    /// `cython.double[:, ::1]` and friends.
    fn view_type(&self, e: &Expr, elem_name: &str, index: &Expr) -> Result<Ty, Problem> {
        let Some(elem) = types::cython_scalar(elem_name).and_then(types::Elem::of) else {
            return fallback(&e.span, format!("memoryviews of `cython.{elem_name}` are not compiled natively"));
        };
        let axes: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        let (mut c_contig, mut f_contig) = (false, false);
        for (k, axis) in axes.iter().enumerate() {
            match &axis.kind {
                ExprKind::Slice { lower: None, upper: None, step: None } => {}
                ExprKind::Slice { lower: None, upper: None, step: Some(st) }
                    if matches!(st.kind, ExprKind::Int(Some(1))) && k + 1 == axes.len() && !f_contig =>
                {
                    c_contig = true
                }
                ExprKind::Slice { lower: None, upper: None, step: Some(st) } if matches!(st.kind, ExprKind::Int(Some(1))) && k == 0 => {
                    f_contig = true
                }
                ExprKind::Slice { .. } => {
                    return error(
                        Diagnostic::error(axis.span.clone(), "a memoryview axis is `:`, or `::1` on the first or the last axis")
                            .with_label("not a memoryview axis")
                            .with_hint("`T[:, ::1]` is C-contiguous, `T[::1, :]` Fortran-contiguous, `T[:, :]` any layout"),
                    )
                }
                _ => return fallback(&e.span, "C arrays are not compiled natively yet"),
            }
        }
        if axes.is_empty() || axes.len() > 8 {
            return fallback(&e.span, "memoryviews of more than 8 dimensions are not compiled natively");
        }
        Ok(Ty::View(types::ViewTy { elem, ndim: axes.len() as u8, c_contig, f_contig }))
    }

    /// `cython.int[1000]`, `cython.double[4][4]`: element type and shape.
    pub fn resolve_c_array(&self, e: &Expr) -> Result<Option<(types::Elem, Vec<u64>)>, Problem> {
        let mut dims = vec![];
        let mut cur = e;
        while let ExprKind::Subscript { value, index } = &cur.kind {
            match index.kind {
                ExprKind::Int(Some(n)) if n > 0 => dims.push(n as u64),
                ExprKind::Int(_) => return error(Diagnostic::error(index.span.clone(), "a C array dimension must be a positive integer")),
                _ => return Ok(None),
            }
            cur = value;
        }
        if dims.is_empty() {
            return Ok(None);
        }
        dims.reverse();
        let Some(Binding::CythonAttr(name)) = self.binding_of(cur) else { return Ok(None) };
        let Some(elem) = types::cython_scalar(&name).and_then(types::Elem::of) else {
            return fallback(&e.span, format!("C arrays of `cython.{name}` are not compiled natively"));
        };
        let bytes = dims.iter().try_fold(elem.size() as u64, |acc, d| acc.checked_mul(*d));
        if bytes.map_or(true, |b| b > 1 << 20) {
            // Python runs it (as a list); natively it would not fit on the stack.
            return fallback(&e.span, "its C array is larger than 1 MiB, too large for the stack");
        }
        Ok(Some((elem, dims)))
    }

    /// `Optional[T]` or `T | None` around a memoryview type: the inner annotation.
    pub fn optional_view<'e>(&self, e: &'e Expr) -> Option<&'e Expr> {
        let inner = match &e.kind {
            ExprKind::Subscript { value, index } => match &value.kind {
                ExprKind::Name(n) if n == "Optional" => index.as_ref(),
                ExprKind::Attribute { attr, .. } if attr == "Optional" => index.as_ref(),
                _ => return None,
            },
            ExprKind::BinOp { left, op: crate::syntax::BinOp::BitOr, right } => match (&left.kind, &right.kind) {
                (_, ExprKind::NoneLit) => left.as_ref(),
                (ExprKind::NoneLit, _) => right.as_ref(),
                _ => return None,
            },
            _ => return None,
        };
        matches!(self.resolve_type(inner), Ok(Ty::View(_))).then_some(inner)
    }

    /// `cython.p_double`, `cython.pointer(cython.int)`, `cython.pointer[T]`,
    /// `cython.p_void`: pointers to scalars (one level), and `void**`
    /// (`cython.pp_void`, `cython.pointer(cython.p_void)`).
    fn pointer_type(&self, e: &Expr) -> Result<Option<Ty>, Problem> {
        let pointee = |t: Ty| match t {
            Ty::Void => Ok(Some(Ty::Ptr(None))),
            Ty::Bool => fallback(&e.span, "pointers to bint are not compiled natively yet"),
            t => match types::Elem::of(t) {
                Some(elem) => Ok(Some(Ty::Ptr(Some(elem)))),
                None => fallback(&e.span, format!("pointers to {t} are not compiled natively yet")),
            },
        };
        let base = match &e.kind {
            ExprKind::Call { func, args, keywords } if keywords.is_empty() && args.len() == 1 => (func, &args[0]),
            ExprKind::Subscript { value, index } => (value, &**index),
            _ => {
                let Some(Binding::CythonAttr(name)) = self.binding_of(e) else { return Ok(None) };
                if name == "pp_void" {
                    return Ok(Some(Ty::Ptr(Some(types::Elem::VoidPtr))));
                }
                // `p_const_char`: C's qualifier only restricts the C code.
                let Some(scalar) = name.strip_prefix("p_const_").or_else(|| name.strip_prefix("p_")) else { return Ok(None) };
                return match types::cython_scalar(scalar) {
                    Some(t) => pointee(t),
                    None => Ok(None),
                };
            }
        };
        if self.binding_of(base.0) != Some(Binding::CythonAttr("pointer".into())) {
            return Ok(None);
        }
        // `cython.const[T]`: a pointer to const T (C's
        // qualifier only restricts the C code, so it is dropped).
        let pointee_expr = match &base.1.kind {
            ExprKind::Subscript { value, index } if self.binding_of(value) == Some(Binding::CythonAttr("const".into())) => &**index,
            _ => base.1,
        };
        if let Some(Binding::CDecl(super::pxd::Decl::Opaque)) = self.binding_of(pointee_expr) {
            // An opaque struct of a `.pxd`: its pointers are `void*`s.
            return Ok(Some(Ty::Ptr(None)));
        }
        match self.resolve_type(pointee_expr)? {
            // `void**`: what a pointer field of a struct in C memory is read through.
            Ty::Ptr(None) => Ok(Some(Ty::Ptr(Some(types::Elem::VoidPtr)))),
            Ty::Ptr(_) => fallback(&e.span, "pointers to typed pointers are not compiled natively yet (a `void**` is)"),
            t => pointee(t),
        }
    }

    /// Resolves an annotation or a type argument to a native type.
    pub fn resolve_type(&self, e: &Expr) -> Result<Ty, Problem> {
        if let Some(inner) = self.optional_view(e) {
            return self.resolve_type(inner);
        }
        if let Some(t) = self.pointer_type(e)? {
            return Ok(t);
        }
        match &e.kind {
            ExprKind::NoneLit => return Ok(Ty::Void),
            // `other: "Body"` in the class's own body (not defined yet when
            // CPython evaluates it): an instance, as a `Body` annotation.
            ExprKind::Str(n) if self.cclasses.borrow().contains_key(n) => return Ok(Ty::Object),
            ExprKind::Str(_) => return fallback(&e.span, "a string annotation is not read as a native type"),
            ExprKind::Subscript { value, index } => {
                // `cython.const[T]` of a scalar or pointer type (a
                // comparator's `cython.const[cython.p_void]`): `T`, the
                // qualifier dropped as in `pointer_type`.
                if self.binding_of(value) == Some(Binding::CythonAttr("const".into())) && !matches!(index.kind, ExprKind::Slice { .. } | ExprKind::Tuple(_)) {
                    return self.resolve_type(index);
                }
                if let Some(Binding::CythonAttr(name)) = self.binding_of(value) {
                    return self.view_type(e, &name, index);
                }
                if let ExprKind::Subscript { .. } = value.kind {
                    return fallback(&e.span, "C arrays are not compiled natively yet");
                }
                // `typing.List[int]`, `Dict[str, int]` …: objects, as PEP
                // 585's; `Optional[X]` of an object type an object.
                if let Some(t) = super::cclass::typing_object(self, value, index) {
                    return t;
                }
                // PEP 585: `list[int]` is a list (its items are not checked).
                if let ExprKind::Name(n) = &value.kind {
                    if types::builtin_object(n) && !self.module_names.contains(n) && self.binding_of(value).is_none() {
                        return Ok(Ty::Object);
                    }
                }
                return fallback(&e.span, format!("`{}` is not a native type", self.source_text(&e.span)));
            }
            _ => {}
        }
        match self.binding_of(e) {
            Some(Binding::CythonAttr(name)) => {
                if let Some(t) = types::cython_scalar(&name) {
                    return Ok(t);
                }
                if let Some(p) = name.strip_prefix(super::structs::FN_POINTER_TYPE).and_then(|k| k.parse().ok()).and_then(types::FnPtrTy::from_index) {
                    return Ok(Ty::FnPtr(p));
                }
                // Fused types, pointers, structs …: the shim gives them meaning,
                // so the function runs interpreted.
                fallback(&e.span, format!("`cython.{name}` is not compiled natively yet"))
            }
            // A `ctypedef` of a cimported `.pxd`.
            Some(Binding::CDecl(super::pxd::Decl::Type(t))) => Ok(t),
            // `ctypedef double (*binop_t)(double, double) noexcept`.
            Some(Binding::CDecl(super::pxd::Decl::FnType(sig))) => Ok(Ty::FnPtr(types::FnPtrTy::of(&sig))),
            Some(_) => fallback(&e.span, format!("`{}` is not a native type", self.source_text(&e.span))),
            None => match &e.kind {
                ExprKind::Name(n) => {
                    if self.cclasses.borrow().contains_key(n) {
                        // An extension type's instance (or None): an object
                        // the checker knows the layout of (`typeck/cclass.rs`).
                        return Ok(Ty::Object);
                    }
                    if self.module_names.contains(n) {
                        return fallback(&e.span, format!("`{n}` is not a native type"));
                    }
                    if let Some(t) = types::builtin_scalar(n) {
                        return Ok(t);
                    }
                    if types::builtin_object(n) {
                        return Ok(Ty::Object);
                    }
                    // Unevaluated (`from __future__ import annotations`) or defined
                    // by code we do not follow: CPython decides, running it.
                    fallback(&e.span, format!("`{n}` is not a native type"))
                }
                _ => fallback(&e.span, format!("`{}` is not a native type", self.source_text(&e.span))),
            },
        }
    }
}
