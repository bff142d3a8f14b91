//! C functions and variables cimported from a `.pxd`, typed into HIR:
//! calls with each argument converted to the declared parameter type as
//! any argument is (`coerce`), enum members as constants, C variables read
//! from their symbols.

use crate::diag::Diagnostic;
use crate::frontend::pxd::{CFunc, Decl};
use crate::frontend::{error, fallback};
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::types::{FnPtrTy, Ty, C_INT};

use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn c_call(&mut self, e: &Expr, shown: &str, f: &CFunc, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if let Some(abi) = f.by_value {
            return self.by_value_c_call(e, shown, f, abi, args, keywords);
        }
        if !keywords.is_empty() {
            return fallback(&e.span, format!("it calls the C function `{shown}` with keyword arguments"));
        }
        if args.len() != f.params.len() && !(f.variadic && args.len() > f.params.len()) {
            let at_least = if f.variadic { "at least " } else { "" };
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function `{shown}` takes {at_least}{} argument{} ({} given)", f.params.len(), if f.params.len() == 1 { "" } else { "s" }, args.len()))
                    .with_label("wrong number of arguments")
                    .with_hint(format!("its .pxd declares {}({})", f.symbol, f.params.iter().map(|(n, t)| format!("{t} {n}")).collect::<Vec<_>>().join(", "))),
            );
        }
        if self.nogil && !f.nogil {
            // Cython's rule: only functions declared `nogil` run without the GIL.
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function `{shown}` needs the GIL, but is called without it"))
                    .with_label("inside `with cython.nogil:`")
                    .with_hint(format!("declare it `nogil` in its .pxd (`{} {}(…) nogil`, or `cdef extern from \"….h\" nogil:`)", f.ret, f.symbol)),
            );
        }
        let mut out = vec![];
        for (i, (a, (pname, pty))) in args.iter().zip(&f.params).enumerate() {
            // A function pointer parameter takes a `@cfunc`'s name, a
            // function pointer of its type (or NULL).
            if let Some((_, sig)) = f.callbacks.iter().find(|(k, _)| *k == i) {
                if self.cx.binding_of(a) != Some(crate::frontend::Binding::CythonAttr("NULL".into())) {
                    if !self.is_cfunc_name(a) {
                        let v = self.expr(a)?;
                        if matches!(v.ty, Ty::FnPtr(_)) {
                            let want = Ty::FnPtr(crate::types::FnPtrTy::of(sig));
                            let v = self.coerce(v, want, &a.span, pname)?;
                            out.push(hir::Expr { kind: v.kind, ty: *pty });
                            continue;
                        }
                    }
                    out.push(self.function_pointer(a, shown, sig)?);
                    continue;
                }
            }
            if let Some(s) = self.c_string_literal(a, *pty)? {
                out.push(s);
                continue;
            }
            let v = self.expr(a)?;
            if let Some(c) = self.char_pointer_arg(&v, *pty) {
                out.push(c);
                continue;
            }
            out.push(self.coerce(v, *pty, &a.span, pname)?);
        }
        for (k, a) in args.iter().enumerate().skip(f.params.len()) {
            out.push(self.vararg(a, k, shown)?);
        }
        Ok(hir::Expr { kind: H::CCall { symbol: f.symbol.clone(), args: out, except: f.except, variadic: f.variadic, by_value: None }, ty: f.ret })
    }

    /// A call of an extern function passing structs by value, once
    /// `frontend/structs` has made each struct its values (`StructAbi`'s
    /// `values`) and appended, for a struct result, the `char*` address of
    /// the memory it is written into (in C's layout).
    fn by_value_c_call(&mut self, e: &Expr, shown: &str, f: &CFunc, abi: crate::types::StructAbiId, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let marked = matches!(keywords, [k] if k.name.as_deref() == Some(crate::frontend::structs::BY_VALUE_CALL));
        // Its name as bound (the call made by `frontend/structs` spans the statement).
        let shown = match &e.kind {
            ExprKind::Call { func, .. } if marked => match &func.kind {
                ExprKind::Name(n) => n.as_str(),
                _ => shown,
            },
            _ => shown,
        };
        if !marked {
            return fallback(&e.span, format!("it calls the C function `{shown}` (passing structs by value) other than by the name it is cimported as, with one argument per parameter"));
        }
        if self.nogil && !f.nogil {
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function `{shown}` needs the GIL, but is called without it"))
                    .with_label("inside `with cython.nogil:`")
                    .with_hint(format!("declare it `nogil` in its .pxd (`… {}(…) nogil`, or `cdef extern from \"….h\" nogil:`)", f.symbol)),
            );
        }
        let layout = abi.get();
        let mut want: Vec<(Ty, String)> = vec![];
        for (i, (pname, pty)) in f.params.iter().enumerate() {
            match layout.params.get(i).and_then(|p| p.as_ref()) {
                Some(s) => want.extend(s.values.iter().map(|(_, t)| (*t, pname.clone()))),
                None => want.push((*pty, pname.clone())),
            }
        }
        if layout.ret.is_some() {
            want.push((crate::frontend::pxd::STRUCT_POINTER, "its result".to_string()));
        }
        if args.len() != want.len() || !f.callbacks.is_empty() {
            return fallback(&e.span, format!("it calls the C function `{shown}` (passing structs by value) with arguments pyc-aot does not pass by value yet"));
        }
        let mut out = vec![];
        for (a, (t, pname)) in args.iter().zip(&want) {
            if let Some(s) = self.c_string_literal(a, *t)? {
                out.push(s);
                continue;
            }
            let v = self.expr(a)?;
            let v = match self.char_pointer_arg(&v, *t) {
                Some(c) => c,
                None => self.coerce(v, *t, &a.span, pname)?,
            };
            out.push(hir::Expr { kind: v.kind, ty: *t });
        }
        Ok(hir::Expr { kind: H::CCall { symbol: f.symbol.clone(), args: out, except: f.except, variadic: false, by_value: Some(abi) }, ty: f.ret })
    }

    /// Argument `k` (from 0) of a variadic C function beyond its declared
    /// parameters: a C number or pointer with C's default argument
    /// promotions (a `float` becomes a `double`, a `bint` or an integer
    /// narrower than `int` an `int`); a string literal a C string; a Python
    /// object refused, as Cython refuses it.
    fn vararg(&mut self, a: &Expr, k: usize, shown: &str) -> R<hir::Expr> {
        if let Some(s) = self.c_string_literal(a, crate::frontend::pxd::STRUCT_POINTER)? {
            return Ok(s);
        }
        let v = self.expr(a)?;
        let to = match v.ty {
            Ty::Float(_) => Ty::Float(64),
            Ty::Bool => Ty::Int(C_INT),
            Ty::Int(i) if i.bits < 32 => Ty::Int(C_INT),
            Ty::Int(i) if i.checked => Ty::Int(crate::types::IntTy { checked: false, ..i }),
            Ty::Int(_) | Ty::Ptr(_) | Ty::FnPtr(_) => v.ty,
            t => {
                let what = if t == Ty::Object { "a Python object".to_string() } else { format!("a {t}") };
                return error(
                    Diagnostic::error(a.span.clone(), format!("argument {} of the variadic C function `{shown}` is {what}, which C's `...` cannot take", k + 1))
                        .with_label("Python object cannot be passed as a varargs parameter")
                        .with_hint("pass a C value: a typed number, a pointer, or a string literal (a C string)"),
                );
            }
        };
        let what = format!("argument {}", k + 1);
        let v = self.coerce(v, to, &a.span, &what)?;
        Ok(hir::Expr { kind: v.kind, ty: to })
    }

    /// `a` as a C string constant when it is a string or bytes literal of
    /// ASCII characters (no NUL) passed where C takes a `char*`, `to`, as
    /// Cython passes one; `None` otherwise.
    pub(super) fn c_string_literal(&self, a: &Expr, to: Ty) -> R<Option<hir::Expr>> {
        let char_ptr = matches!(to, Ty::Ptr(Some(crate::types::Elem::Int(i))) if i.bits == 8);
        if !char_ptr {
            return Ok(None);
        }
        let text = match &a.kind {
            ExprKind::Str(s) => s.clone(),
            ExprKind::Other("a bytes literal") => match bytes_literal(self.cx.source_text(&a.span)) {
                Some(s) => s,
                None => return fallback(&a.span, "it passes a bytes literal pyc-aot does not read as a C string (escapes other than \n, \t, \r, \\, \' and \", or implicit concatenation)"),
            },
            _ => return Ok(None),
        };
        if !text.is_ascii() || text.contains('\0') {
            return fallback(&a.span, "it passes a string literal with non-ASCII or NUL characters as a C string");
        }
        Ok(Some(hir::Expr { kind: H::CString(text), ty: to }))
    }

    /// Whether `a` names a top-level function (not a local).
    fn is_cfunc_name(&self, a: &Expr) -> bool {
        matches!(&a.kind, ExprKind::Name(n) if !self.local_names.contains(n) && self.cx.top_defs.contains_key(n))
    }

    /// `f(args)` of a C function pointer `f` (a local, a cfunc's result):
    /// the arguments converted to its parameter types as an extern call's
    /// are, the call made with C's convention. Calling a NULL pointer is
    /// the user's bug, as in C.
    pub(super) fn call_through(&mut self, e: &Expr, f: hir::Expr, p: FnPtrTy, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let sig = p.sig();
        if !keywords.is_empty() {
            return error(
                Diagnostic::error(e.span.clone(), format!("a call through a C function pointer ({}) takes no keyword arguments", f.ty))
                    .with_label("keyword arguments")
                    .with_hint("pass the arguments by position, as C does"),
            );
        }
        if args.len() != sig.params.len() {
            return error(
                Diagnostic::error(e.span.clone(), format!("the C function pointer takes {} argument{} ({} given)", sig.params.len(), if sig.params.len() == 1 { "" } else { "s" }, args.len()))
                    .with_label("wrong number of arguments")
                    .with_hint(format!("its type is {}", f.ty)),
            );
        }
        if self.nogil && !sig.nogil {
            return error(
                Diagnostic::error(e.span.clone(), format!("a call through {} needs the GIL, but is made without it", f.ty))
                    .with_label("inside `with cython.nogil:`")
                    .with_hint("declare the function pointer type `nogil` in its .pxd, as Cython requires"),
            );
        }
        let mut out = vec![f];
        for (k, (a, t)) in args.iter().zip(&sig.params).enumerate() {
            if let Some(s) = self.c_string_literal(a, *t)? {
                out.push(s);
                continue;
            }
            let v = self.expr(a)?;
            if let Some(c) = self.char_pointer_arg(&v, *t) {
                out.push(c);
                continue;
            }
            out.push(self.coerce(v, *t, &a.span, &format!("argument {}", k + 1))?);
        }
        Ok(hir::Expr { kind: H::CallPtr(out), ty: sig.ret })
    }

    /// A cimported name read as a value.
    pub(super) fn c_value(&mut self, decl: &Decl, shown: &str, span: &Span) -> R<hir::Expr> {
        match decl {
            Decl::Enum(v) => Ok(hir::Expr::konst(Const::Int(*v), Ty::Int(C_INT))),
            Decl::Var { symbol, ty } => Ok(hir::Expr { kind: H::CGlobal(symbol.clone()), ty: *ty }),
            _ => fallback(span, format!("it uses the C function `{shown}` as a value")),
        }
    }
}

/// The text of a one-piece bytes literal's source (`b"%d\\n"`), the
/// escapes C strings commonly hold decoded; `None` for anything else.
fn bytes_literal(src: &str) -> Option<String> {
    let body = src.strip_prefix('b').or_else(|| src.strip_prefix('B'))?;
    let q = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = body.strip_prefix(q)?.strip_suffix(q)?;
    if inner.starts_with(q) {
        return None;
    }
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                '\'' => '\'',
                '"' => '"',
                _ => return None,
            }),
            c if c == q || c == '\n' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}
