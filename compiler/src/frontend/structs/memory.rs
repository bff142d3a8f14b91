//! Structs in C memory: a pointer to structs (`cython.pointer(S)`, a
//! `char*` here) and `ps[i].f`/`ps.f` as a load or store of the field's type
//! at C's offset of it (`layout`), a pointer field through a `void*` slot,
//! `cython.address` of a field or of a struct in C memory, struct pointer
//! arithmetic by whole structs, `cython.sizeof(S)`.

use super::{error, fallback, syntax, Binding, Lower, R};
use crate::diag::Diagnostic;
use crate::syntax::{Expr, ExprKind, Stmt, StmtKind};

/// A field of a struct in C memory: its name, byte offset, type expression
/// (a pointer to structs already spelt `cython.pointer(cython.char)`) and
/// whether it is a pointer (stored as a `void*`).
pub(super) type FieldAt = (String, i64, Expr, bool);

/// A struct's (or union's) layout in C memory.
pub(super) struct Layout {
    pub(super) size: i64,
    pub(super) align: i64,
    /// Its C number and pointer fields, nested structs' flattened (`pos.x`).
    pub(super) leaves: Vec<FieldAt>,
    /// The structs and unions it holds: each one's path, offset and type.
    pub(super) inner: Vec<(String, i64, String)>,
}

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

    /// C's layout of struct `s`: its size and each C number or pointer
    /// field's offset and type expression, a nested struct's or union's
    /// fields flattened under their paths (`pos.x`).
    pub(super) fn layout(&self, s: &str, span: &syntax::Span) -> R<(i64, Vec<FieldAt>)> {
        let l = self.layout_of(s, span)?;
        Ok((l.size, l.leaves))
    }

    /// C's layout of struct or union `s` (the x86-64 and aarch64 ABIs agree:
    /// a C number or pointer aligned to its size, a struct or union to its
    /// widest member, its size a multiple of that), with the offsets of the
    /// structs and unions it holds (`inner`).
    pub(super) fn layout_of(&self, s: &str, span: &syntax::Span) -> R<Layout> {
        let mut l = Layout { size: 0, align: 1, leaves: vec![], inner: vec![] };
        let py_buffer = self.structs.get(s).is_some_and(|d| d.py_buffer);
        self.lay_out(s, "", 0, py_buffer, &mut l, 0, span)?;
        Ok(l)
    }

    /// Lays `s`'s fields out from `base` (fields named `prefix` + name),
    /// returning its size and alignment.
    #[allow(clippy::too_many_arguments)]
    fn lay_out(&self, s: &str, prefix: &str, base: i64, py_buffer: bool, l: &mut Layout, depth: u32, span: &syntax::Span) -> R<(i64, i64)> {
        if depth > 16 {
            return fallback(span, format!("the struct `{}` nests structs more than 16 deep", Self::shown(s)));
        }
        let union = self.structs.get(s).is_some_and(|d| d.union);
        let (mut offset, mut align, mut size) = (0i64, 1i64, 0i64);
        for (f, t) in self.fields(s) {
            let path = format!("{prefix}{f}");
            if let Some(inner) = self.aggregate(t) {
                // Laid out at 0 to learn its size and alignment, then moved.
                let mut sub = Layout { size: 0, align: 1, leaves: vec![], inner: vec![] };
                let (n, a) = self.lay_out(&inner, &format!("{path}."), 0, false, &mut sub, depth + 1, span)?;
                let at = if union { 0 } else { (offset + a - 1) / a * a };
                l.inner.push((path, base + at, inner));
                l.inner.extend(sub.inner.into_iter().map(|(p, o, k)| (p, base + at + o, k)));
                l.leaves.extend(sub.leaves.into_iter().map(|(p, o, t, is_ptr)| (p, base + at + o, t, is_ptr)));
                offset = at + n;
                size = size.max(offset);
                align = align.max(a);
                continue;
            }
            let (n, t, is_ptr) = if let Some((_, m)) = self.struct_pointer_type(t)? {
                (8, Self::call(Self::cython_name(&m, "pointer", &t.span), vec![Self::cython_name(&m, "char", &t.span)], &t.span), true)
            } else {
                match self.cx.resolve_type(t)? {
                    crate::types::Ty::Int(i) => (i64::from(i.bits / 8), t.clone(), false),
                    crate::types::Ty::Float(w) => (i64::from(w / 8), t.clone(), false),
                    crate::types::Ty::Ptr(_) | crate::types::Ty::FnPtr(_) => (8, t.clone(), true),
                    crate::types::Ty::Object if py_buffer => (8, t.clone(), false),
                    other => return fallback(span, format!("a struct in C memory with a field of type {other} is not compiled natively yet")),
                }
            };
            let at = if union { 0 } else { (offset + n - 1) / n * n };
            l.leaves.push((path, base + at, t, is_ptr));
            offset = at + n;
            size = size.max(offset);
            align = align.max(n);
        }
        let size = (size + align - 1) / align * align;
        if prefix.is_empty() {
            l.size = size;
            l.align = align;
        }
        Ok((size, align))
    }

    /// A field's struct or union type when it holds one by value.
    pub(super) fn aggregate(&self, t: &Expr) -> Option<String> {
        match &t.kind {
            ExprKind::Name(n) if self.structs.get(n).is_some_and(|d| !d.ctuple && !d.py_buffer) => Some(n.clone()),
            _ => None,
        }
    }

    /// A struct's name as the source spells it (a `.pxd` struct the module
    /// does not bind has a hidden key).
    pub(super) fn shown(s: &str) -> &str {
        s.trim_start_matches("#pxd.")
    }

    /// The type expression of the member at `path` (`pos.x`) of struct `s`.
    pub(super) fn member_type(&self, s: &str, path: &str) -> Option<Expr> {
        let mut ty = s.to_string();
        let mut parts = path.split('.').peekable();
        while let Some(f) = parts.next() {
            let (_, t) = self.fields(&ty).iter().find(|(g, _)| g == f)?;
            if parts.peek().is_none() {
                return Some(t.clone());
            }
            ty = self.aggregate(t)?;
        }
        None
    }

    /// A struct or union held whole in C memory: `ps[i]`, `ps[i].pos`,
    /// `ps.pos` (`ps[0].pos`), `ps[i].pos.a`: the pointer expression, the
    /// index, the member's path (empty for `ps[i]`) and its type.
    pub(super) fn mem_place(&self, e: &Expr) -> Option<(Expr, Expr, String, String)> {
        match &e.kind {
            ExprKind::Subscript { value, index } => {
                let (s, _) = self.pointee(value)?;
                Some(((**value).clone(), (**index).clone(), String::new(), s))
            }
            ExprKind::Attribute { value, attr } => {
                let (p, index, path, ty) = match self.mem_place(value) {
                    Some(place) => place,
                    None => {
                        let (s, _) = self.pointee(value)?;
                        ((**value).clone(), Expr { kind: ExprKind::Int(Some(0)), span: value.span.clone() }, String::new(), s)
                    }
                };
                let inner = self.aggregate(&self.member_type(&ty, attr)?)?;
                Some((p, index, Self::join(&path, attr), inner))
            }
            _ => None,
        }
    }

    fn join(path: &str, f: &str) -> String {
        if path.is_empty() { f.to_string() } else { format!("{path}.{f}") }
    }

    /// Whether evaluating `e` again gives the same value and does nothing
    /// else (names, constants and arithmetic of them): a struct in C memory
    /// at such a pointer and index may be read or written field by field.
    pub(super) fn pure(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) => true,
            ExprKind::BinOp { left, right, .. } => Self::pure(left) && Self::pure(right),
            ExprKind::UnaryOp { operand, .. } => Self::pure(operand),
            _ => false,
        }
    }

    /// That a struct in C memory used whole is at a pure pointer and index.
    pub(super) fn pure_place(&self, e: &Expr) -> R<()> {
        match self.mem_place(e) {
            Some((p, i, _, _)) if !(Self::pure(&p) && Self::pure(&i)) => {
                fallback(&e.span, format!("it uses the struct `{}` in C memory whole at a pointer or index with calls or memory reads in it", self.cx.source_text(&e.span)))
            }
            _ => Ok(()),
        }
    }

    /// The address of a struct held whole in C memory as a `char*`, with its
    /// type and the `cython` module expression.
    pub(super) fn place_address(&self, p: &Expr, index: &Expr, path: &str, sp: &syntax::Span) -> R<(Expr, String, Expr)> {
        let Some((s, m)) = self.pointee(p) else { return fallback(sp, "a pointer to a struct it cannot read") };
        let l = self.layout_of(&s, sp)?;
        let (offset, ty) = if path.is_empty() {
            (0, s.clone())
        } else {
            match l.inner.iter().find(|(q, _, _)| q == path) {
                Some((_, o, k)) => (*o, k.clone()),
                None => return self.no_member(&s, path, p, sp),
            }
        };
        let int = |v: i64| Expr { kind: ExprKind::Int(Some(i128::from(v))), span: sp.clone() };
        let bin = |l: Expr, op, r: Expr| Expr { kind: ExprKind::BinOp { left: Box::new(l), op, right: Box::new(r) }, span: sp.clone() };
        let i = Self::call(Self::cython_name(&m, "Py_ssize_t", sp), vec![self.expr(index)?], sp);
        let bytes = bin(bin(i, syntax::BinOp::Mul, int(l.size)), syntax::BinOp::Add, int(offset));
        Ok((bin(self.expr(p)?, syntax::BinOp::Add, bytes), ty, m))
    }

    /// The error for `ps[i].path` naming no member: the struct whose field
    /// is missing, and its fields.
    fn no_member<T>(&self, s: &str, path: &str, p: &Expr, sp: &syntax::Span) -> R<T> {
        let mut ty = s.to_string();
        let mut missing = None;
        for f in path.split('.') {
            match self.fields(&ty).iter().find(|(g, _)| g == f).and_then(|(_, t)| self.aggregate(t)) {
                Some(inner) => ty = inner,
                None => {
                    missing = Some(f.to_string());
                    break;
                }
            }
        }
        let Some(missing) = missing else {
            return fallback(sp, format!("it uses the struct `{}` in C memory whole here", self.cx.source_text(sp)));
        };
        let label = if ty == s { format!("`{}` points to `{}`s", self.cx.source_text(&p.span), Self::shown(s)) } else { format!("a `{}` in a `{}`", Self::shown(&ty), Self::shown(s)) };
        error(
            Diagnostic::error(sp.clone(), format!("struct `{}` has no field `{missing}`", Self::shown(&ty)))
                .with_label(label)
                .with_hint(format!("its fields are {}", self.fields(&ty).iter().map(|(f, _)| format!("`{f}`")).collect::<Vec<_>>().join(", "))),
        )
    }

    /// `p.f` (or `ps[i].f`) of an object field of a struct in C memory
    /// (`Py_buffer`'s `obj`).
    pub(super) fn object_field(&self, e: &Expr) -> Option<(Expr, Expr, String)> {
        let (p, index, f) = self.pointer_field(e)?;
        let (s, _) = self.pointee(&p)?;
        let t = self.member_type(&s, &f)?;
        matches!(self.cx.resolve_type(&t), Ok(crate::types::Ty::Object)).then_some((p, index, f))
    }

    /// `ps[i].f` with `ps` a pointer to structs, or `ps.f` (C's `ps->f`,
    /// `ps[0].f`), or a field of a struct they hold (`ps[i].pos.x`): the
    /// pointer expression, the index and the field's path.
    pub(super) fn pointer_field(&self, e: &Expr) -> Option<(Expr, Expr, String)> {
        let ExprKind::Attribute { value, attr } = &e.kind else { return None };
        if let Some((p, index, path, _)) = self.mem_place(value) {
            return Some((p, index, Self::join(&path, attr)));
        }
        self.pointee(value)?;
        Some(((**value).clone(), Expr { kind: ExprKind::Int(Some(0)), span: value.span.clone() }, attr.clone()))
    }

    /// The struct an expression points to, with the `cython` module
    /// expression its type was spelt with: a pointer local, `p + n`/`p - n`,
    /// a field of type `cython.pointer(S)`, `cython.cast(cython.pointer(S), …)`,
    /// `cython.address(ps[i])`, a `@cfunc` returning `cython.pointer(S)`.
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
                self.struct_pointer_type(&self.member_type(&s, &attr)?).ok().flatten()
            }
            // A `@cfunc` returning `cython.pointer(S)`.
            ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(c) if self.module.pointer_results.contains_key(c)) => {
                let ExprKind::Name(c) = &func.kind else { return None };
                self.module.pointer_results.get(c).cloned()
            }
            ExprKind::Call { func, args, keywords } if keywords.is_empty() => match (self.cx.binding_of(func), args.as_slice()) {
                (Some(Binding::CythonAttr(c)), [t, _]) if c == "cast" => self.struct_pointer_type(t).ok().flatten(),
                (Some(Binding::CythonAttr(c)), [x]) if c == "address" => self.mem_place(x).and_then(|(p, _, _, ty)| Some((ty, self.pointee(&p)?.1))),
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
            return self.no_member(s, field, p, sp);
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

    /// `ps[i].f = v` of a function pointer field `f`: `v` assigned to a
    /// hidden local of the field's type first (so a cfunc's name becomes
    /// its address and another signature is refused as for any local),
    /// then stored into the field's `void*` slot.
    pub(super) fn fn_pointer_field_store(&self, t: &Expr, value: &Expr, sp: &syntax::Span) -> R<Option<Vec<Stmt>>> {
        let Some((p, index, attr)) = self.pointer_field(t) else { return Ok(None) };
        let (_, fty, _, m) = self.pointer_field_address(&p, &index, &attr, sp)?;
        if !matches!(self.cx.resolve_type(&fty), Ok(crate::types::Ty::FnPtr(_))) {
            return Ok(None);
        }
        let at = crate::frontend::struct_convert::At(sp);
        let hidden = self.cx.source_text(&t.span).to_string();
        let typed = Stmt { kind: StmtKind::AnnAssign { target: at.name(&hidden), annotation: fty, value: Some(self.expr(value)?) }, span: sp.clone() };
        let as_void = Self::call(Self::cython_name(&m, "cast", sp), vec![Self::cython_name(&m, "p_void", sp), at.name(&hidden)], sp);
        Ok(Some(vec![typed, at.assign(self.target(t)?, as_void)]))
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
    /// `ps.f`: a typed pointer to it) or of a struct in C memory (`ps[i]`,
    /// `ps[i].pos`: a `char*`, as pointers to structs are).
    pub(super) fn address_of(&self, func: &Expr, x: &Expr, sp: &syntax::Span) -> R<Expr> {
        if let Some((p, index, path, _)) = self.mem_place(x) {
            return Ok(self.place_address(&p, &index, &path, sp)?.0);
        }
        if let Some((p, index, attr)) = self.pointer_field(x) {
            let (addr, fty, is_ptr, m) = self.pointer_field_address(&p, &index, &attr, sp)?;
            let pointee = if is_ptr { Self::cython_name(&m, "p_void", sp) } else { fty };
            let ty = Self::call(Self::cython_name(&m, "pointer", sp), vec![pointee], sp);
            return Ok(Self::call(Self::cython_name(&m, "cast", sp), vec![ty, addr], sp));
        }
        if let Some((p, _)) = self.struct_local(x).or_else(|| self.struct_element(x).map(|(p, l, _)| (p, l))) {
            return fallback(sp, format!("it takes the address of the struct `{p}` (its fields live in registers)"));
        }
        let kind = ExprKind::Call { func: Box::new(func.clone()), args: vec![self.expr(x)?], keywords: vec![] };
        Ok(Expr { kind, span: sp.clone() })
    }
}
