//! Structs in C memory: a pointer to structs (`cython.pointer(S)`, a
//! `char*` here) and `ps[i].f`/`ps.f` as a load or store of the field's type
//! at C's offset of it (`layout`), a pointer field through a `void*` slot,
//! `cython.address` of a field or of a struct in C memory, struct pointer
//! arithmetic by whole structs, `cython.sizeof(S)`.

use super::{error, fallback, syntax, Binding, Lower, R};
use crate::diag::Diagnostic;
use crate::syntax::{Expr, ExprKind};

/// A field of a struct in C memory: its name, byte offset, type expression
/// (a pointer to structs already spelt `cython.pointer(cython.char)`) and
/// whether it is a pointer (stored as a `void*`).
pub(super) type FieldAt = (String, i64, Expr, bool);

impl Lower<'_, '_> {
    /// `cython.pointer(S)`: the struct and the `cython` module expression.
    pub(super) fn struct_pointer_type(&self, e: &Expr) -> R<Option<(String, Expr)>> {
        let ExprKind::Call { func, args, keywords } = &e.kind else { return Ok(None) };
        let ([Expr { kind: ExprKind::Name(s), .. }], true) = (args.as_slice(), keywords.is_empty()) else { return Ok(None) };
        if !self.structs.contains_key(s) || self.cx.binding_of(func) != Some(Binding::CythonAttr("pointer".into())) {
            return Ok(None);
        }
        match &func.kind {
            ExprKind::Attribute { value, .. } if self.cx.binding_of(value) == Some(Binding::Cython) => {
                self.struct_type(&args[0])?;
                Ok(Some((s.clone(), (**value).clone())))
            }
            _ => fallback(&e.span, "a pointer to a struct spelt other than `cython.pointer(S)`"),
        }
    }

    /// C's layout of struct `s`: its size and each field's offset and type
    /// expression (scalar and pointer fields, each aligned to its size).
    pub(super) fn layout(&self, s: &str, span: &syntax::Span) -> R<(i64, Vec<FieldAt>)> {
        let (mut offset, mut align, mut out) = (0i64, 1i64, vec![]);
        for (f, t) in self.fields(s) {
            if let Some(inner) = self.sub_struct(t) {
                return fallback(span, format!("the struct `{s}` holds a `{}` (its field `{f}`): structs holding structs in C memory are not compiled natively yet", inner.trim_start_matches("#pxd.")));
            }
            let (size, t, is_ptr) = if let Some((_, m)) = self.struct_pointer_type(t)? {
                (8, Self::call(Self::cython_name(&m, "pointer", &t.span), vec![Self::cython_name(&m, "char", &t.span)], &t.span), true)
            } else {
                match self.cx.resolve_type(t)? {
                    crate::types::Ty::Int(i) => (i64::from(i.bits / 8), t.clone(), false),
                    crate::types::Ty::Float(w) => (i64::from(w / 8), t.clone(), false),
                    crate::types::Ty::Ptr(_) => (8, t.clone(), true),
                    crate::types::Ty::Object if self.structs.get(s).is_some_and(|d| d.py_buffer) => (8, t.clone(), false),
                    other => return fallback(span, format!("a struct in C memory with a field of type {other} is not compiled natively yet")),
                }
            };
            offset = (offset + size - 1) / size * size;
            out.push((f.clone(), offset, t, is_ptr));
            offset += size;
            align = align.max(size);
        }
        Ok(((offset + align - 1) / align * align, out))
    }

    /// `p.f` (or `ps[i].f`) of an object field of a struct in C memory
    /// (`Py_buffer`'s `obj`).
    pub(super) fn object_field(&self, e: &Expr) -> Option<(Expr, Expr, String)> {
        let (p, index, f) = self.pointer_field(e)?;
        let (s, _) = self.pointee(&p)?;
        let (_, t) = self.fields(&s).iter().find(|(g, _)| *g == f)?;
        matches!(self.cx.resolve_type(t), Ok(crate::types::Ty::Object)).then_some((p, index, f))
    }

    /// `ps[i].f` with `ps` a pointer to structs, or `ps.f` (C's `ps->f`,
    /// `ps[0].f`): the pointer expression, the index and the field.
    pub(super) fn pointer_field(&self, e: &Expr) -> Option<(Expr, Expr, String)> {
        let ExprKind::Attribute { value, attr } = &e.kind else { return None };
        if let ExprKind::Subscript { value: base, index } = &value.kind {
            if self.pointee(base).is_some() {
                return Some(((**base).clone(), (**index).clone(), attr.clone()));
            }
        }
        self.pointee(value)?;
        Some(((**value).clone(), Expr { kind: ExprKind::Int(Some(0)), span: value.span.clone() }, attr.clone()))
    }

    /// The struct an expression points to, with the `cython` module
    /// expression its type was spelt with: a pointer local, `p + n`/`p - n`,
    /// a field of type `cython.pointer(S)`, `cython.cast(cython.pointer(S), …)`,
    /// `cython.address(ps[i])`.
    pub(super) fn pointee(&self, e: &Expr) -> Option<(String, Expr)> {
        match &e.kind {
            ExprKind::Name(n) => self.pointers.get(n).cloned(),
            ExprKind::BinOp { left, op: syntax::BinOp::Add, right } => match (self.pointee(left), self.pointee(right)) {
                (Some(p), None) | (None, Some(p)) => Some(p),
                _ => None,
            },
            // `q - p` of two pointers is a count, not a pointer.
            ExprKind::BinOp { left, op: syntax::BinOp::Sub, right } if self.pointee(right).is_none() => self.pointee(left),
            ExprKind::Attribute { .. } => {
                let (base, _, attr) = self.pointer_field(e)?;
                let (s, _) = self.pointee(&base)?;
                let (_, t) = self.fields(&s).iter().find(|(f, _)| *f == attr)?;
                self.struct_pointer_type(t).ok().flatten()
            }
            ExprKind::Call { func, args, keywords } if keywords.is_empty() => match (self.cx.binding_of(func), args.as_slice()) {
                (Some(Binding::CythonAttr(c)), [t, _]) if c == "cast" => self.struct_pointer_type(t).ok().flatten(),
                (Some(Binding::CythonAttr(c)), [Expr { kind: ExprKind::Subscript { value, .. }, .. }]) if c == "address" => self.pointee(value),
                _ => None,
            },
            _ => None,
        }
    }

    /// `ps[i].f` of a pointer to structs, read as C does: the field's type
    /// at `i * sizeof(S) + offsetof(S, f)` bytes from `ps` (a `char*` here):
    /// `cython.cast(cython.pointer(T), ps + (cython.Py_ssize_t(i) * size + offset))[0]`.
    /// A pointer field is a `void*` there (`cython.pointer(cython.p_void)`),
    /// read cast to its type; as a target (`store`) it takes any pointer.
    pub(super) fn pointer_field_access(&self, p: &Expr, index: &Expr, field: &str, store: bool, sp: &syntax::Span) -> R<Expr> {
        let (addr, fty, is_ptr, m) = self.pointer_field_address(p, index, field, sp)?;
        if matches!(self.cx.resolve_type(&fty), Ok(crate::types::Ty::Object)) {
            // Only `p.obj = v` as a statement (`object_store`) compiles.
            return fallback(sp, format!("it {} `{}` other than by `p.{field} = value`", if store { "assigns" } else { "reads" }, self.cx.source_text(sp)));
        }
        let int0 = Expr { kind: ExprKind::Int(Some(0)), span: sp.clone() };
        let (cast_to, slot_ty) = if is_ptr {
            (Some(fty), Self::call(Self::cython_name(&m, "pointer", sp), vec![Self::cython_name(&m, "p_void", sp)], sp))
        } else {
            (None, Self::call(Self::cython_name(&m, "pointer", sp), vec![fty], sp))
        };
        let slot = Self::call(Self::cython_name(&m, "cast", sp), vec![slot_ty, addr], sp);
        let load = Expr { kind: ExprKind::Subscript { value: Box::new(slot), index: Box::new(int0) }, span: sp.clone() };
        Ok(match cast_to {
            Some(t) if !store => Self::call(Self::cython_name(&m, "cast", sp), vec![t, load], sp),
            _ => load,
        })
    }

    /// `ps + (cython.Py_ssize_t(i) * size + offsetof(S, f))`, the address of
    /// `ps[i].f` as a `char*`, with the field's type expression, whether it is
    /// a pointer, and the `cython` module expression.
    pub(super) fn pointer_field_address(&self, p: &Expr, index: &Expr, field: &str, sp: &syntax::Span) -> R<(Expr, Expr, bool, Expr)> {
        let Some((s, m)) = self.pointee(p) else { return fallback(sp, "a pointer to a struct it cannot read") };
        let (s, m) = (&s, &m);
        let (size, fields) = self.layout(s, sp)?;
        let Some((_, offset, fty, is_ptr)) = fields.into_iter().find(|(f, _, _, _)| f == field) else {
            return error(
                Diagnostic::error(sp.clone(), format!("struct `{s}` has no field `{field}`"))
                    .with_label(format!("`{}` points to `{s}`s", self.cx.source_text(&p.span)))
                    .with_hint(format!("its fields are {}", self.fields(s).iter().map(|(f, _)| format!("`{f}`")).collect::<Vec<_>>().join(", "))),
            );
        };
        let int = |v: i64| Expr { kind: ExprKind::Int(Some(i128::from(v))), span: sp.clone() };
        let bin = |l: Expr, op, r: Expr| Expr { kind: ExprKind::BinOp { left: Box::new(l), op, right: Box::new(r) }, span: sp.clone() };
        let i = Self::call(Self::cython_name(m, "Py_ssize_t", sp), vec![self.expr(index)?], sp);
        let bytes = bin(bin(i, syntax::BinOp::Mul, int(size)), syntax::BinOp::Add, int(offset));
        let moved = bin(self.expr(p)?, syntax::BinOp::Add, bytes);
        Ok((moved, fty, is_ptr, m.clone()))
    }

    /// `cython.sizeof(S)` of a struct: `S`.
    pub(super) fn sized_struct(&self, func: &Expr, args: &[Expr]) -> Option<String> {
        match args {
            [Expr { kind: ExprKind::Name(s), .. }] if self.structs.contains_key(s) && self.cx.binding_of(func) == Some(Binding::CythonAttr("sizeof".into())) => {
                Some(s.clone())
            }
            _ => None,
        }
    }

    /// An assignment's target: a pointer field of a struct in C memory is
    /// its `void*` slot; anything else as an expression.
    pub(super) fn target(&self, t: &Expr) -> R<Expr> {
        match self.pointer_field(t) {
            Some((p, index, attr)) => self.pointer_field_access(&p, &index, &attr, true, &t.span),
            None => self.expr(t),
        }
    }

    /// `ps + n`, `n + ps`, `ps - n` (moving by whole structs) and `q - p`
    /// (the structs between them) of pointers to structs, on their `char*`s.
    pub(super) fn struct_pointer_arith(&self, left: &Expr, op: syntax::BinOp, right: &Expr, sp: &syntax::Span) -> R<Expr> {
        let (l, r) = (self.pointee(left), self.pointee(right));
        let int = |v: i64| Expr { kind: ExprKind::Int(Some(i128::from(v))), span: sp.clone() };
        let bin = |l: Expr, op, r: Expr| Expr { kind: ExprKind::BinOp { left: Box::new(l), op, right: Box::new(r) }, span: sp.clone() };
        match (op, l, r) {
            (syntax::BinOp::Sub, Some((a, m)), Some((b, _))) => {
                if a != b {
                    return error(
                        Diagnostic::error(sp.clone(), format!("cannot subtract a pointer to `{b}` from a pointer to `{a}`"))
                            .with_hint("the difference of two pointers to one struct type counts structs"),
                    );
                }
                let (size, _) = self.layout(&a, sp)?;
                let bytes = bin(self.expr(left)?, op, self.expr(right)?);
                let ssize = Self::call(Self::cython_name(&m, "Py_ssize_t", sp), vec![bytes], sp);
                Ok(bin(ssize, syntax::BinOp::FloorDiv, int(size)))
            }
            (syntax::BinOp::Add | syntax::BinOp::Sub, Some((s, m)), None) | (syntax::BinOp::Add, None, Some((s, m))) => {
                let (ptr, n) = if self.pointee(left).is_some() { (left, right) } else { (right, left) };
                let (size, _) = self.layout(&s, sp)?;
                let count = Self::call(Self::cython_name(&m, "Py_ssize_t", sp), vec![self.expr(n)?], sp);
                Ok(bin(self.expr(ptr)?, op, bin(count, syntax::BinOp::Mul, int(size))))
            }
            _ => error(
                Diagnostic::error(sp.clone(), format!("`{}` is not defined on pointers to structs", op.symbol()))
                    .with_hint("pointers take `+ n` and `- n`, and one pointer subtracts another"),
            ),
        }
    }

    /// `cython.address(x)`: of a field of a struct in C memory (`ps[i].f`,
    /// `ps.f`: a typed pointer to it) or of a struct in C memory (`ps[i]`).
    pub(super) fn address_of(&self, func: &Expr, x: &Expr, sp: &syntax::Span) -> R<Expr> {
        if let Some((p, index, attr)) = self.pointer_field(x) {
            let (addr, fty, is_ptr, m) = self.pointer_field_address(&p, &index, &attr, sp)?;
            let pointee = if is_ptr { Self::cython_name(&m, "p_void", sp) } else { fty };
            let ty = Self::call(Self::cython_name(&m, "pointer", sp), vec![pointee], sp);
            return Ok(Self::call(Self::cython_name(&m, "cast", sp), vec![ty, addr], sp));
        }
        if let ExprKind::Subscript { value, index } = &x.kind {
            if self.pointee(value).is_some() {
                let plus = syntax::BinOp::Add;
                return self.struct_pointer_arith(value, plus, index, sp);
            }
        }
        if let Some((p, _)) = self.struct_local(x).or_else(|| self.struct_element(x).map(|(p, l, _)| (p, l))) {
            return fallback(sp, format!("it takes the address of the struct `{p}` (its fields live in registers)"));
        }
        let kind = ExprKind::Call { func: Box::new(func.clone()), args: vec![self.expr(x)?], keywords: vec![] };
        Ok(Expr { kind, span: sp.clone() })
    }
}
