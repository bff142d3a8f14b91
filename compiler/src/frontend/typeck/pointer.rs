//! C pointers to scalars in function bodies: `p[i]` loads and stores
//! (unchecked, as in C), `cython.NULL`, truth values and comparisons of
//! addresses, `cython.cast` between pointer types, `cython.sizeof`, and
//! libc's `malloc`/`calloc`/`realloc`/`free`/`memset`/`memcpy` called
//! directly, and `p + n`/`p - n`/`q - p`. `cython.address` leaves the
//! function to Python.

use crate::diag::Diagnostic;
use crate::frontend::{error, fallback};
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::types::{c_spelling, Elem, ExceptSpec, ExceptValue, Ty};

use super::{Checker, R};

/// `size_t`, what `sizeof` gives and the C library takes.
fn size_t() -> Ty {
    crate::types::cython_scalar("size_t").unwrap_or(Ty::py_int())
}

fn ssize_t() -> Ty {
    crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int())
}


/// The C library functions called directly: parameters and result.
fn libc_function(name: &str) -> Option<(&'static str, Vec<Ty>, Ty)> {
    let (void_p, size) = (Ty::Ptr(None), size_t());
    let int = Ty::Int(crate::types::C_INT);
    Some(match name {
        "stdlib.malloc" => ("malloc", vec![size], void_p),
        "stdlib.calloc" => ("calloc", vec![size, size], void_p),
        "stdlib.realloc" => ("realloc", vec![void_p, size], void_p),
        "stdlib.free" => ("free", vec![void_p], Ty::Void),
        "string.memset" => ("memset", vec![void_p, int, size], void_p),
        "string.memcpy" => ("memcpy", vec![void_p, void_p, size], void_p),
        "string.memmove" => ("memmove", vec![void_p, void_p, size], void_p),
        "string.strlen" => ("strlen", vec![Ty::Ptr(crate::types::cython_scalar("char").and_then(Elem::of))], size),
        _ => return None,
    })
}

impl Checker<'_, '_> {
    /// The pointer local (or C pointer variable of a `.pxd`) `e` names, with
    /// what it points to.
    fn pointer_local(&self, e: &Expr) -> Option<Elem> {
        match &e.kind {
            ExprKind::Name(n) if self.local_names.contains(n) => match self.local_ty(n)? {
                Ty::Ptr(elem) => elem,
                _ => None,
            },
            ExprKind::Name(_) => match self.cx.binding_of(e) {
                Some(crate::frontend::Binding::CDecl(crate::frontend::pxd::Decl::Var { ty: Ty::Ptr(elem), .. })) => elem,
                _ => None,
            },
            _ => None,
        }
    }

    /// `p[i]` of a pointer local, or of pointer arithmetic or a cast to a
    /// pointer (`(p + 1)[0]`, `cython.cast(cython.p_int, q)[i]`).
    pub(super) fn ptr_subscript(&mut self, value: &Expr, index: &Expr, span: &Span) -> R<Option<hir::Expr>> {
        if matches!(value.kind, ExprKind::BinOp { .. } | ExprKind::Call { .. }) {
            // Nothing else indexes these (memoryviews are names), so typing
            // the value here is its only typing.
            let ptr = self.expr(value)?;
            // An object (`list(range(n))[::-1]`): its item, read as any
            // object's (a store to it is left to `ptr_store`'s caller).
            if ptr.ty == Ty::Object {
                return self.object_item(ptr, index).map(Some);
            }
            let Ty::Ptr(Some(elem)) = ptr.ty else {
                return fallback(span, format!("it indexes `{}`", self.cx.source_text(&value.span)));
            };
            return self.ptr_element(ptr, elem, index).map(Some);
        }
        // `self.data[i]`: a pointer field of a cclass instance.
        if let ExprKind::Attribute { value: base, attr } = &value.kind {
            if let Some(load) = self.field_load(base, attr).filter(|l| matches!(l.ty, Ty::Ptr(Some(_)))) {
                let Ty::Ptr(Some(elem)) = load.ty else { return Ok(None) };
                return self.ptr_element(load, elem, index).map(Some);
            }
        }
        let Some(elem) = self.pointer_local(value) else {
            if let ExprKind::Name(n) = &value.kind {
                if self.local_names.contains(n) && self.local_ty(n) == Some(Ty::Ptr(None)) {
                    return error(
                        Diagnostic::error(span.clone(), format!("cannot index `{n}`, a void*"))
                            .with_hint("cast it to a typed pointer first: `cython.cast(cython.p_double, p)`"),
                    );
                }
            }
            return Ok(None);
        };
        let ptr = self.expr(value)?;
        self.ptr_element(ptr, elem, index).map(Some)
    }

    fn ptr_element(&mut self, ptr: hir::Expr, elem: Elem, index: &Expr) -> R<hir::Expr> {
        let i = self.expr(index)?;
        // An object index (a comprehension's variable) converted to a
        // `Py_ssize_t` with CPython's errors, as Cython converts it.
        if !matches!(i.ty, Ty::Int(_) | Ty::Bool | Ty::Object) {
            return error(Diagnostic::error(index.span.clone(), format!("a pointer index must be an integer, not {}", i.ty)).with_label("not an integer"));
        }
        let i = self.coerce(i, ssize_t(), &index.span, "index")?;
        Ok(hir::Expr { kind: H::PtrLoad { ptr: Box::new(ptr), index: Box::new(i) }, ty: elem.ty() })
    }

    /// `p[i] = value` of a pointer local (`None`: not a pointer).
    pub(super) fn ptr_store(&mut self, target: &Expr, value: &Expr, line: u32) -> R<Option<Vec<hir::Stmt>>> {
        let ExprKind::Subscript { value: base, index } = &target.kind else { return Ok(None) };
        let Some(load) = self.ptr_subscript(base, index, &target.span)? else { return Ok(None) };
        if load.ty == Ty::Object {
            return fallback(&target.span, format!("it indexes `{}`", self.cx.source_text(&base.span)));
        }
        // A string literal stored to a pointer (`buffer.format = "d"`): a C
        // string constant, as Cython makes of an ASCII literal there.
        if let (ExprKind::Str(s), Ty::Ptr(None | Some(crate::types::Elem::VoidPtr))) = (&value.kind, load.ty) {
            if !s.is_ascii() || s.contains('\0') {
                return fallback(&value.span, "it stores a string literal with non-ASCII or NUL characters to a C pointer");
            }
            let v = hir::Expr { kind: H::CString(s.clone()), ty: load.ty };
            return Ok(Some(vec![self.store_stmt(load, v, line)]));
        }
        let v = self.expr(value)?;
        let v = self.coerce(v, load.ty, &value.span, "pointer element")?;
        Ok(Some(vec![self.store_stmt(load, v, line)]))
    }

    /// `p[i] op= value` of a pointer local, `i` a name or literal so reading
    /// it twice reads the same index.
    pub(super) fn ptr_aug_store(&mut self, base: &Expr, index: &Expr, op: syntax::BinOp, value: &Expr, span: &Span, line: u32) -> R<Option<Vec<hir::Stmt>>> {
        if self.pointer_local(base).is_none() {
            return Ok(None);
        }
        if !matches!(index.kind, ExprKind::Name(_) | ExprKind::Int(_)) {
            return fallback(&index.span, "it updates a pointer's element at a computed index in place");
        }
        let Some(load) = self.ptr_subscript(base, index, span)? else { return Ok(None) };
        let target = Expr { kind: ExprKind::Subscript { value: Box::new(base.clone()), index: Box::new(index.clone()) }, span: span.clone() };
        let sum = Expr { kind: ExprKind::BinOp { left: Box::new(target), op, right: Box::new(value.clone()) }, span: span.clone() };
        let v = self.expr(&sum)?;
        let v = self.coerce(v, load.ty, span, "pointer element")?;
        Ok(Some(vec![self.store_stmt(load, v, line)]))
    }

    fn store_stmt(&self, load: hir::Expr, v: hir::Expr, line: u32) -> hir::Stmt {
        let (ptr, index) = match load.kind {
            H::PtrLoad { ptr, index } => (ptr, index),
            _ => (Box::new(load), Box::new(hir::Expr::konst(Const::Int(0), ssize_t()))),
        };
        let store = hir::Expr { kind: H::PtrStore { ptr, index, value: Box::new(v) }, ty: Ty::Void };
        hir::Stmt { kind: hir::StmtKind::Expr(store), line }
    }

    /// Comparisons of addresses: both sides pointers (or NULL), compared as
    /// `size_t`.
    pub(super) fn pointer_operands(&self, operands: &mut [hir::Expr], span: &Span) -> R<()> {
        if !operands.iter().any(|v| v.ty.is_pointer()) {
            return Ok(());
        }
        if let Some(v) = operands.iter().find(|v| !v.ty.is_pointer()) {
            return error(
                Diagnostic::error(span.clone(), format!("cannot compare a pointer with {}", v.ty))
                    .with_hint("compare a pointer with another pointer or `cython.NULL`"),
            );
        }
        for v in operands.iter_mut() {
            let inner = std::mem::replace(v, hir::Expr::konst(Const::Int(0), size_t()));
            *v = hir::Expr { kind: H::Convert(Box::new(inner)), ty: size_t() };
        }
        Ok(())
    }

    /// A `@cfunc`'s name compared with a function pointer (`f == add`):
    /// its address, as Cython compares them.
    pub(super) fn cfunc_operands(&self, operands: &mut [hir::Expr], span: &Span) -> R<()> {
        let Some(fp) = operands.iter().find(|v| matches!(v.ty, Ty::FnPtr(_))).map(|v| v.ty) else { return Ok(()) };
        for v in operands.iter_mut() {
            if matches!(&v.kind, H::ObjOp { op: hir::ObjOp::Global(n), .. } if self.cx.top_defs.contains_key(n)) {
                let inner = std::mem::replace(v, hir::Expr::konst(Const::Int(0), size_t()));
                *v = self.coerce(inner, fp, span, "comparison")?;
            }
        }
        Ok(())
    }

    /// `p + n`, `n + p`, `p - n` of a typed pointer (one operand a pointer).
    pub(super) fn pointer_arith(&self, op: syntax::BinOp, l: hir::Expr, r: hir::Expr, span: &Span) -> R<hir::Expr> {
        let (ptr, n, negate) = match (op, l.ty, r.ty) {
            (syntax::BinOp::Sub, Ty::Ptr(Some(a)), Ty::Ptr(Some(b))) if a == b => return Ok(Self::difference(l, r, a)),
            (syntax::BinOp::Sub, Ty::Ptr(_), Ty::Ptr(_)) => {
                return error(
                    Diagnostic::error(span.clone(), format!("cannot subtract {} from {}", r.ty, l.ty))
                        .with_hint("the difference of two pointers of one element type counts elements"),
                )
            }
            (_, Ty::Ptr(_), Ty::Ptr(_)) => return error(Diagnostic::error(span.clone(), "two pointers cannot be added").with_hint("add an integer to a pointer")),
            (syntax::BinOp::Add, Ty::Ptr(_), _) => (l, r, false),
            (syntax::BinOp::Sub, Ty::Ptr(_), _) => (l, r, true),
            // `n + p`: the caller passes only operands one of which is a pointer.
            (syntax::BinOp::Add, _, _) => (r, l, false),
            _ => {
                return error(Diagnostic::error(span.clone(), format!("`{}` is not defined on pointers", op.symbol())).with_hint("pointers take `+ n` and `- n`"))
            }
        };
        if ptr.ty == Ty::Ptr(None) {
            return error(
                Diagnostic::error(span.clone(), "arithmetic on a void* (its element size is unknown)")
                    .with_hint("cast it to a typed pointer first: `cython.cast(cython.p_double, p)`"),
            );
        }
        if !matches!(n.ty, Ty::Int(_) | Ty::Bool) {
            return error(Diagnostic::error(span.clone(), format!("a pointer moves by an integer, not {}", n.ty)).with_label("not an integer"));
        }
        let ty = ptr.ty;
        let n = self.coerce(n, ssize_t(), span, "pointer offset")?;
        Ok(hir::Expr { kind: H::PtrOffset { ptr: Box::new(ptr), offset: Box::new(n), negate }, ty })
    }

    /// `q - p`: the elements between them, a Py_ssize_t, as C computes it
    /// (the byte distance divided by the element size, exact for pointers
    /// into one block).
    fn difference(q: hir::Expr, p: hir::Expr, elem: Elem) -> hir::Expr {
        let ss = ssize_t();
        let address = |v: hir::Expr| Box::new(hir::Expr { kind: H::Convert(Box::new(v)), ty: ss });
        let bytes = hir::Expr { kind: H::Binary(hir::ArithOp::Sub, address(q), address(p)), ty: ss };
        let size = hir::Expr::konst(Const::Int(i64::from(elem.size())), ss);
        hir::Expr { kind: H::Binary(hir::ArithOp::FloorDiv, Box::new(bytes), Box::new(size)), ty: ss }
    }

    /// `cython.address(view[i, j])` of a memoryview or C array element: a
    /// typed pointer to it (the index checked as an element access is).
    /// Of a local it stays Python (locals live in registers).
    fn address(&mut self, e: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let ([x], true) = (args, keywords.is_empty()) else {
            return error(Diagnostic::error(e.span.clone(), "cython.address takes one argument").with_label("wrong arguments"));
        };
        // `m[i][j]` of a 2-D C array: the element `m[i, j]`.
        let flat = self.c_array_flat(x);
        let x = flat.as_ref().unwrap_or(x);
        if let ExprKind::Subscript { value, .. } = &x.kind {
            if self.view_local(value).is_some() {
                let v = self.expr(x)?;
                return match (&v.kind, Elem::of(v.ty)) {
                    (H::Index { .. }, Some(elem)) if elem != Elem::Bool => Ok(hir::Expr { kind: H::ElemAddr(Box::new(v)), ty: Ty::Ptr(Some(elem)) }),
                    (H::Index { .. }, _) => fallback(&e.span, format!("it takes the address of a {} element (pointers to it are not compiled natively yet)", v.ty)),
                    _ => fallback(&e.span, "it takes the address of a slice"),
                };
            }
        }
        if let ExprKind::Name(n) = &x.kind {
            if self.local_names.contains(n) {
                return fallback(&e.span, format!("`cython.address` of the local `{n}` is not compiled natively yet (only of elements of memoryviews, C arrays and C memory)"));
            }
        }
        fallback(&e.span, format!("it takes the address of `{}`", self.cx.source_text(&x.span)))
    }

    /// `cython.NULL`.
    pub(super) fn null() -> hir::Expr {
        hir::Expr::konst(Const::Int(0), Ty::Ptr(None))
    }

    /// The `cython.` calls pointers bring: `sizeof`, `cast` to or from a
    /// pointer, `address`, and the C library's memory functions.
    pub(super) fn pointer_call(&mut self, e: &Expr, name: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        if let Some(f) = name.strip_prefix("cimports.libc.") {
            if f == "stdlib.qsort" {
                return self.qsort(e, args, keywords).map(Some);
            }
            let Some((symbol, params, ret)) = libc_function(f) else {
                return fallback(&e.span, format!("`libc.{f}` is not compiled natively"));
            };
            if !keywords.is_empty() || args.len() != params.len() {
                return error(
                    Diagnostic::error(e.span.clone(), format!("`{symbol}` takes {} arguments, got {}", params.len(), args.len() + keywords.len()))
                        .with_label("wrong arguments"),
                );
            }
            let mut vals = vec![];
            for (a, &t) in args.iter().zip(&params) {
                if let Some(s) = self.c_string_literal(a, t)? {
                    vals.push(s);
                    continue;
                }
                let v = self.expr(a)?;
                if let Some(c) = self.char_pointer_arg(&v, t) {
                    vals.push(c);
                    continue;
                }
                vals.push(match (v.ty, t) {
                    (a, b) if a == b => v,
                    (Ty::Ptr(_), Ty::Ptr(None)) => hir::Expr { kind: v.kind, ty: t },
                    // A C array decays to its first element's address.
                    (Ty::View(_), Ty::Ptr(_)) => self.coerce(v, t, &a.span, symbol)?,
                    (Ty::Ptr(_), _) | (_, Ty::Ptr(_)) => {
                        return error(
                            Diagnostic::error(a.span.clone(), format!("`{symbol}` expects {t} here, got {}", v.ty)).with_label("wrong type"),
                        )
                    }
                    _ => self.coerce(v, t, &a.span, symbol)?,
                });
            }
            return Ok(Some(hir::Expr { kind: H::CCall { symbol: symbol.to_string(), args: vals, except: crate::types::ExceptSpec::NoExcept, variadic: false, by_value: None }, ty: ret }));
        }
        match name {
            "sizeof" => {
                let [t] = args else {
                    return error(Diagnostic::error(e.span.clone(), "cython.sizeof takes one type").with_label("wrong arguments"));
                };
                let bytes = match self.cx.resolve_type(t)? {
                    Ty::Int(i) => i64::from(i.bits / 8),
                    Ty::Float(w) => i64::from(w / 8),
                    Ty::Bool => 4,
                    Ty::Ptr(_) | Ty::FnPtr(_) => 8,
                    other => return fallback(&t.span, format!("it takes the size of {other}")),
                };
                Ok(Some(hir::Expr::konst(Const::Int(bytes), size_t())))
            }
            "address" => self.address(e, args, keywords).map(Some),
            // `p.obj = v` of a `Py_buffer*` (`structs`): at the field's
            // address, a reference taken to `v` and the old one released.
            crate::frontend::structs::OBJECT_STORE => {
                let [addr, value] = args else { return fallback(&e.span, "a store of an object field") };
                let a = self.expr(addr)?;
                let v = self.expr(value)?;
                let v = self.coerce(v, Ty::Object, &value.span, "`obj`")?;
                Ok(Some(hir::Expr { kind: H::FieldStore { obj: Box::new(a), offset: 0, value: Box::new(v) }, ty: Ty::Void }))
            }
            "cast" if args.len() == 2 && keywords.is_empty() => {
                let to = self.cx.resolve_type(&args[0])?;
                let from_pointer = matches!(&args[1].kind, ExprKind::Name(n) if self.local_names.contains(n) && self.local_ty(n).is_some_and(Ty::is_pointer));
                if !to.is_pointer() {
                    if !from_pointer {
                        return Ok(None);
                    }
                    let v = self.expr(&args[1])?;
                    return match to {
                        Ty::Int(i) if i.bits == 64 => Ok(Some(hir::Expr { kind: H::Convert(Box::new(v)), ty: to })),
                        _ => fallback(&e.span, format!("it casts a pointer to {to}")),
                    };
                }
                let v = self.expr(&args[1])?;
                match v.ty {
                    // A `@cfunc`'s name cast to its own function pointer type.
                    Ty::Object if matches!(to, Ty::FnPtr(_)) => self.coerce(v, to, &args[1].span, "cython.cast").map(Some),
                    Ty::Ptr(_) | Ty::FnPtr(_) => Ok(Some(hir::Expr { kind: H::Convert(Box::new(v)), ty: to })),
                    other => fallback(&e.span, format!("it casts {other} to a pointer")),
                }
            }
            _ => Ok(None),
        }
    }

    /// `qsort(base, n, size, compar)`: a direct call of the C library's,
    /// `compar` a `@cfunc` passed as its C entry's address.
    fn qsort(&mut self, e: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let ([base, n, size, compar], true) = (args, keywords.is_empty()) else {
            return error(
                Diagnostic::error(e.span.clone(), format!("`qsort` takes 4 arguments, got {}", args.len() + keywords.len()))
                    .with_label("wrong arguments")
                    .with_hint("qsort(base, count, cython.sizeof(element), comparator)"),
            );
        };
        let b = self.expr(base)?;
        let b = if matches!(b.ty, Ty::View(_)) { self.coerce(b, Ty::Ptr(None), &base.span, "qsort")? } else { b };
        if !matches!(b.ty, Ty::Ptr(_)) {
            return error(Diagnostic::error(base.span.clone(), format!("`qsort` expects void* here, got {}", b.ty)).with_label("wrong type"));
        }
        let b = hir::Expr { kind: b.kind, ty: Ty::Ptr(None) };
        let n = self.expr(n).and_then(|v| self.coerce(v, size_t(), &n.span, "qsort"))?;
        let size = self.expr(size).and_then(|v| self.coerce(v, size_t(), &size.span, "qsort"))?;
        let comparator = crate::frontend::pxd::FnSig { params: vec![Ty::Ptr(None), Ty::Ptr(None)], ret: Ty::Int(crate::types::C_INT), nogil: true, except: crate::types::ExceptSpec::NoExcept };
        let f = self.function_pointer(compar, "qsort", &comparator)?;
        Ok(hir::Expr { kind: H::CCall { symbol: "qsort".into(), args: vec![b, n, size, f], except: crate::types::ExceptSpec::NoExcept, variadic: false, by_value: None }, ty: Ty::Void })
    }

    /// `a` passed where the C function `callee` takes a function pointer
    /// `ret (*)(params…) noexcept [nogil]`: the name of a `@cfunc` of that
    /// signature, declared `@cython.exceptval(check=False)` (and
    /// `@cython.nogil` for a `nogil` pointer) as Cython requires; its C
    /// entry's address.
    pub(super) fn function_pointer(&self, a: &Expr, callee: &str, sig: &crate::frontend::pxd::FnSig) -> R<hir::Expr> {
        self.cfunc_address(a, callee, sig, true)
    }

    /// The address of the `@cfunc` `a` names, for a function pointer of
    /// signature `sig` that `callee` takes (`from_c`: a C function's
    /// parameter) or that is assigned, passed or returned as `callee`.
    fn cfunc_address(&self, a: &Expr, callee: &str, sig: &crate::frontend::pxd::FnSig, from_c: bool) -> R<hir::Expr> {
        let (params, ret) = (sig.params.as_slice(), sig.ret);
        let qsort = callee == "qsort";
        let wanted = format!(
            "{} (*)({}) {}{}",
            c_spelling(ret),
            params.iter().map(|t| if *t == Ty::Ptr(None) && qsort { "const void*".to_string() } else { c_spelling(*t) }).collect::<Vec<_>>().join(", "),
            sig.except,
            if sig.nogil { " nogil" } else { "" }
        );
        let generic;
        let spelled = if qsort {
            "`@cython.cfunc`, `@cython.exceptval(check=False)`, `@cython.nogil`, and `def cmp(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int`"
        } else {
            generic = format!("`@cython.cfunc`{}{} and the signature {wanted}", except_decorator(sig.except), if sig.nogil { ", `@cython.nogil`" } else { "" });
            generic.as_str()
        };
        let ExprKind::Name(name) = &a.kind else {
            return fallback(&a.span, format!("it passes `{}` as a C function pointer (only a `@cython.cfunc`'s name is compiled)", self.cx.source_text(&a.span)));
        };
        let not_cfunc = |kind: Option<&str>, line: u32| {
            let kind = if kind == Some("ccall") { "a `@cython.ccall` function" } else { "a Python function (`def`)" };
            error(
                Diagnostic::error(a.span.clone(), format!("`{name}` (line {line}) is {kind}: `{callee}` needs a C function pointer, {wanted}"))
                    .with_label("not a cfunc")
                    .with_hint(format!("only a `@cython.cfunc` has a C function's address; declare `{name}` with {spelled}")),
            )
        };
        let id = match self.ids.get(name) {
            Some(&id) if !self.local_names.contains(name) => id,
            _ if self.local_names.contains(name) => {
                return fallback(&a.span, format!("it passes the local `{name}` as a C function pointer (only a `@cython.cfunc`'s name is compiled)"))
            }
            _ => {
                return match self.cx.top_defs.get(name) {
                    Some(&(kind, line)) if kind != Some("cfunc") => not_cfunc(kind, line),
                    _ => fallback(&a.span, format!("it passes `{name}` as a C function pointer, and `{name}` is not a compiled `@cython.cfunc`")),
                }
            }
        };
        let c = &self.set[id.0 as usize];
        let line = c.line;
        if c.exported {
            return not_cfunc(c.ccall.then_some("ccall"), line);
        }
        let got: Vec<Ty> = c.params.iter().map(|p| p.ty).collect();
        let got_ret = c.declared_ret;
        if got != params || got_ret != Some(ret) {
            let shown = c_spelling;
            let sig = format!(
                "{} ({})",
                got_ret.map(shown).unwrap_or_else(|| "an undeclared type".into()),
                got.iter().map(|t| shown(*t)).collect::<Vec<_>>().join(", ")
            );
            return error(
                Diagnostic::error(a.span.clone(), format!("`{name}` (line {line}) has the signature {sig}, but `{callee}` needs {wanted}"))
                    .with_label("wrong signature")
                    .with_hint(format!("declare `{name}` with {spelled}{}", if qsort { "; cast the pointers inside it" } else { "" })),
            );
        }
        let own = c.except_spec();
        if got_ret == Some(Ty::Void) && matches!(own, ExceptSpec::Value { .. }) {
            // Cython refuses the value at the decorator ("Cannot assign type 'long' to 'void'").
            return error(
                Diagnostic::error(a.span.clone(), format!("`{name}` (line {line}) returns void but is `{own}`: a void function has no exception value"))
                    .with_label(format!("`{callee}` needs {wanted}"))
                    .with_hint(format!("decorate `{name}` with `@cython.exceptval(check=True)` (`except *`) or `@cython.exceptval(check=False)` (`noexcept`)")),
            );
        }
        if !sig.except.accepts(own) {
            let why = if from_c {
                format!("`{callee}` calls it from C, which cannot check for an exception")
            } else {
                format!("`{callee}` is {wanted}: the exception values are incompatible (Cython's rule)")
            };
            return error(
                Diagnostic::error(a.span.clone(), format!("`{name}` (line {line}) is `{own}`, but {why}"))
                    .with_label(format!("`{callee}` needs {wanted}"))
                    .with_hint(format!("decorate `{name}` with {}", except_decorator(sig.except).trim_start_matches(", "))),
            );
        }
        if sig.nogil && !c.nogil {
            return error(
                Diagnostic::error(a.span.clone(), format!("`{name}` (line {line}) needs the GIL, but `{callee}` takes a `nogil` function pointer"))
                    .with_label(format!("`{callee}` needs {wanted}"))
                    .with_hint(format!("decorate `{name}` with `@cython.nogil`, as Cython requires")),
            );
        }
        let module = std::path::Path::new(&self.cx.src.display_path).file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
        let qualified = if module.is_empty() { name.clone() } else { format!("{module}.{name}") };
        Ok(hir::Expr { kind: H::FuncAddr { func: id, params: params.to_vec(), ret, name: qualified, except: own }, ty: Ty::Ptr(None) })
    }

    /// `v` converted to or from the C function pointer type `p` (one of
    /// `v.ty` and `to`), as Cython converts: a `@cfunc`'s name (its C
    /// entry's address, its signature checked), `cython.NULL`, a pointer of
    /// the same signature (a `nogil` one also where the GIL is held), and
    /// any function pointer to `void*`. Anything else (objects, numbers,
    /// `void*` without a cast) is Cython's compile error.
    pub(super) fn fn_pointer_value(&self, v: hir::Expr, to: Ty, p: crate::types::FnPtrTy, span: &Span, what: &str) -> R<hir::Expr> {
        let retyped = |v: hir::Expr| Ok(hir::Expr { kind: v.kind, ty: to });
        let shown = if matches!(&v.kind, H::ObjConst(hir::ObjConst::None)) { "None".to_string() } else { v.ty.to_string() };
        let refuse = |hint: &str| {
            error(
                Diagnostic::error(span.clone(), format!("cannot assign {shown} to {to} for `{what}`"))
                    .with_label(format!("{shown} here"))
                    .with_hint(hint.to_string()),
            )
        };
        match (v.ty, to) {
            (Ty::FnPtr(a), Ty::FnPtr(b)) => {
                let (a, b) = (a.sig(), b.sig());
                if a.params == b.params && a.ret == b.ret && (a.nogil || !b.nogil) && b.except.accepts(a.except) {
                    return retyped(v);
                }
                refuse("the parameter types, the result type and `nogil` must match, and the exception values be compatible (Cython's rule)")
            }
            (Ty::Ptr(None), Ty::FnPtr(_)) if v.as_const() == Some(Const::Int(0)) => retyped(v),
            (Ty::FnPtr(_), Ty::Ptr(None)) => retyped(v),
            (Ty::Object, Ty::FnPtr(_)) => {
                if let H::ObjOp { op: hir::ObjOp::Global(n), .. } = &v.kind {
                    if self.cx.top_defs.contains_key(n) {
                        let name = Expr { kind: ExprKind::Name(n.clone()), span: span.clone() };
                        let addr = self.cfunc_address(&name, what, &p.sig(), false)?;
                        return retyped(addr);
                    }
                }
                refuse("a function pointer takes a `@cython.cfunc`'s name, another function pointer of its type, or `cython.NULL`")
            }
            (Ty::FnPtr(_), Ty::Object) => error(
                Diagnostic::error(span.clone(), format!("cannot convert {} to a Python object for `{what}`", v.ty))
                    .with_label("a C function pointer")
                    .with_hint("a function pointer stays in C: call it, compare it, or pass it to a `@cython.cfunc` or a C function"),
            ),
            _ => refuse("a function pointer converts to `void*` only; `cython.cast` converts a pointer to one"),
        }
    }
}

/// The decorator giving a cfunc the exception specification `spec` asks
/// for (after a comma), for hints.
fn except_decorator(spec: ExceptSpec) -> String {
    match spec {
        ExceptSpec::NoExcept => ", `@cython.exceptval(check=False)`".into(),
        ExceptSpec::Star => String::new(),
        ExceptSpec::Value { value, check } => {
            let v = match value {
                ExceptValue::Int(v) => v.to_string(),
                ExceptValue::Float(b) => format!("{:?}", f64::from_bits(b)),
            };
            format!(", `@cython.exceptval({v}{})`", if check { "" } else { ", check=False" })
        }
    }
}
