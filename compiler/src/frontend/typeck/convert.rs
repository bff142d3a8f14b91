//! Conversions: implicit ones on assignment, argument passing and return
//! (`coerce`), explicit ones folded for constants (`convert`), truth values,
//! and the type two operands are brought to.

use crate::frontend::{error, fallback};
use crate::diag::Diagnostic;
use crate::hir::{self, Const, ExprKind as H};
use crate::syntax::Span;
use crate::types::{Elem, Ty, F64};

use super::{Checker, R};

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn truthy(&self, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        match v.ty {
            Ty::Bool => Ok(v),
            Ty::Int(_) | Ty::Float(_) | Ty::Ptr(_) | Ty::FnPtr(_) | Ty::Complex => Ok(hir::Expr { kind: H::Truthy(Box::new(v)), ty: Ty::Bool }),
            Ty::Void => fallback(span, "it uses the None result of a call as a value"),
            Ty::View(_) => fallback(span, "it takes the truth value of a memoryview"),
            // `PyObject_IsTrue`.
            Ty::Object => Ok(hir::Expr { kind: H::Truthy(Box::new(v)), ty: Ty::Bool }),
        }
    }

    /// Implicit conversion on assignment, argument passing and return.
    pub(super) fn coerce(&self, v: hir::Expr, to: Ty, span: &Span, what: &str) -> R<hir::Expr> {
        match (v.ty, to) {
            (a, b) if a == b => Ok(v),
            (Ty::View(a), Ty::View(b)) if a.elem == b.elem && a.ndim == b.ndim && (a.c_contig || !b.c_contig) && (a.f_contig || !b.f_contig) => {
                Ok(hir::Expr { kind: v.kind, ty: to })
            }
            (Ty::Object, Ty::View(_)) => fallback(span, format!("it converts an object to {to} for `{what}` (only an assignment to a memoryview local takes an object's buffer)")),
            (Ty::View(a), Ty::Ptr(target)) if self.is_c_array(&v) && a.ndim == 1 && a.elem != Elem::Bool && target.map_or(true, |t| t == a.elem) => {
                Ok(self.decayed(v, a.elem, to))
            }
            (Ty::View(_), Ty::Ptr(_)) => error(
                Diagnostic::error(span.clone(), format!("`{what}` expects {to}, got {}", v.ty))
                    .with_label("not a pointer")
                    .with_hint("a one-dimensional C array of the pointer's element type passes as its first element's address; of a memoryview pass `cython.address(v[0])`"),
            ),
            (Ty::View(_), _) | (_, Ty::View(_)) => error(
                Diagnostic::error(span.clone(), format!("`{what}` expects {to}, got {}", v.ty))
                    .with_label("wrong memoryview type")
                    .with_hint("element type, number of dimensions and `::1` must match"),
            ),
            (_, Ty::FnPtr(p)) | (Ty::FnPtr(p), _) if v.ty.is_pointer() || to.is_pointer() || v.ty == Ty::Object => self.fn_pointer_value(v, to, p, span, what),
            // C: `void*` converts to and from any pointer implicitly.
            (Ty::Ptr(None), Ty::Ptr(_)) | (Ty::Ptr(_), Ty::Ptr(None)) => Ok(hir::Expr { kind: v.kind, ty: to }),
            (Ty::Ptr(_), _) | (_, Ty::Ptr(_)) => error(
                Diagnostic::error(span.clone(), format!("cannot convert {} to {to} for `{what}`", v.ty))
                    .with_label(format!("a {} here", v.ty))
                    .with_hint("pointers convert to other pointer types through `cython.cast`, never to or from numbers"),
            ),
            (Ty::Void, _) => fallback(span, "it uses the None result of a call as a value"),
            (Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex, Ty::Object) => Ok(super::object::boxed(v)),
            // `PyComplex_AsCComplex`, as Cython converts.
            (Ty::Object, Ty::Complex) => Ok(hir::Expr { kind: H::Convert(Box::new(v)), ty: to }),
            (Ty::Int(_) | Ty::Float(_) | Ty::Bool, Ty::Complex) => Ok(convert(v, to)),
            // Cython refuses these at compile time; Python keeps the complex.
            (Ty::Complex, _) => fallback(span, format!("it converts a C double complex to {to} for `{what}`")),
            // Cython's conversions: a bint is the object's truth value,
            // numbers are unboxed with CPython's errors.
            (Ty::Object, Ty::Bool) => self.truthy(v, span),
            (Ty::Object, Ty::Int(_) | Ty::Float(_)) => Ok(hir::Expr { kind: H::Convert(Box::new(v)), ty: to }),
            (_, Ty::Object) => fallback(span, format!("it converts {} to an object for `{what}`", v.ty)),
            (Ty::Object, _) => fallback(span, format!("it converts an object to {to} for `{what}`")),
            (Ty::Float(_), Ty::Int(_)) => error(
                Diagnostic::error(span.clone(), format!("cannot implicitly convert {} to {to} for `{what}`", v.ty))
                    .with_label("a float here")
                    .with_hint("convert explicitly with int(x) (truncates) or round(x)"),
            ),
            (_, Ty::Bool) => self.truthy(v, span),
            _ => Ok(convert(v, to)),
        }
    }
}

/// Cython's error for a `char*` local set from a temporary object's buffer.
pub(super) const TEMPORARY_POINTER: &str = "Storing unsafe C derivative of temporary Python reference";

/// Whether `t` is a C `char*` (`char`, `signed char`, `unsigned char`,
/// `const` or not): the pointers Cython fills from a bytes object.
pub(super) fn is_char_pointer(t: Ty) -> bool {
    matches!(t, Ty::Ptr(Some(Elem::Int(i))) if i.bits == 8)
}

impl Checker<'_, '_> {
    /// An object passed where a call takes a `char*`, `to`, as Cython
    /// passes one: an ASCII str constant (no NUL) a C string, any other
    /// object its bytes' buffer (`__Pyx_PyObject_AsString`: a bytearray's,
    /// else `PyBytes_AsString`'s, CPython's TypeError `expected bytes, T
    /// found` for other objects), borrowed for the call (MIR keeps the
    /// object alive until the pointer's last use). `None` when `to` is no
    /// `char*` or `v` no object.
    pub(super) fn char_pointer_arg(&self, v: &hir::Expr, to: Ty) -> Option<hir::Expr> {
        if !is_char_pointer(to) || v.ty != Ty::Object {
            return None;
        }
        if let H::ObjConst(hir::ObjConst::Str(s)) = &v.kind {
            if s.is_ascii() && !s.contains('\0') {
                return Some(hir::Expr { kind: H::CString(s.clone()), ty: to });
            }
        }
        Some(hir::Expr { kind: H::Convert(Box::new(v.clone())), ty: to })
    }

    /// `s = v` of a `char*` local `s` from an object `v`: Cython takes the
    /// buffer of a variable's object only (`Storing unsafe C derivative of
    /// temporary Python reference` otherwise). pyc-aot releases a variable
    /// after its last use, so only a parameter nothing assigns (the
    /// caller's reference, alive for the whole call) lends its buffer; a
    /// str constant is a C string. `None` when `to` is no `char*` or `v`
    /// no object.
    pub(super) fn char_pointer_store(&self, v: &hir::Expr, to: Ty, span: &Span) -> R<Option<hir::Expr>> {
        if !is_char_pointer(to) || v.ty != Ty::Object {
            return Ok(None);
        }
        match &v.kind {
            H::ObjConst(hir::ObjConst::Str(_)) => match self.char_pointer_arg(v, to) {
                Some(c @ hir::Expr { kind: H::CString(_), .. }) => Ok(Some(c)),
                _ => fallback(span, "it stores a str constant with non-ASCII or NUL characters to a `char*`"),
            },
            H::Local(id) => {
                let name = self.locals.get(id.0 as usize).map(|l| l.name.clone()).unwrap_or_default();
                let param = self.me.params.iter().any(|p| p.name == name);
                let mut bound = vec![];
                self.me.def.body.iter().for_each(|s| crate::syntax::bound_names(s, &mut bound));
                if !param || bound.contains(&name) || self.cells.contains_key(&name) {
                    return fallback(
                        span,
                        format!("it stores a pointer into the buffer of `{name}` to a `char*` (only a parameter nothing assigns keeps its object alive as long as the pointer)"),
                    );
                }
                Ok(self.char_pointer_arg(v, to))
            }
            _ => error(
                Diagnostic::error(span.clone(), TEMPORARY_POINTER)
                    .with_label("a temporary object, released after this statement")
                    .with_hint("assign the object to a variable first and take the pointer from the variable, as Cython requires"),
            ),
        }
    }

    fn is_c_array(&self, v: &hir::Expr) -> bool {
        matches!(v.kind, H::Local(id) if self.locals.get(id.0 as usize).is_some_and(|l| l.c_array.is_some()))
    }

    /// A C array where a pointer is wanted: its first element's address, as
    /// C's arrays decay (the index checked as an element access is).
    fn decayed(&self, v: hir::Expr, elem: Elem, to: Ty) -> hir::Expr {
        let H::Local(view) = v.kind else { return v };
        let first = hir::Expr { kind: H::Index { view, indices: vec![hir::Expr::konst(Const::Int(0), Ty::py_int())], in_bounds: vec![] }, ty: elem.ty() };
        hir::Expr { kind: H::ElemAddr(Box::new(first)), ty: to }
    }
}

impl Ty {
    pub(super) fn max_if_int(self, other: Ty) -> Ty {
        if self.is_int() {
            self
        } else {
            other
        }
    }
}

/// The type two operands are brought to; an integer literal adapts to the
/// integer type of the other side, as in Cython.
pub(super) fn literal_join(l: &hir::Expr, r: &hir::Expr) -> Ty {
    let b2i = |t: Ty| if t == Ty::Bool { Ty::py_int() } else { t };
    let (lt, rt) = (b2i(l.ty), b2i(r.ty));
    // Next to a C integer, a literal is a C `int` (or `long` when wider), as in
    // Cython's generated C; next to a Python `int` it stays a Python `int`.
    let literal = |c: Option<Const>| match c {
        Some(Const::Int(v)) if i32::try_from(v).is_ok() => Some(crate::types::C_INT),
        Some(Const::Int(_)) => crate::types::cython_scalar("long").and_then(|t| if let Ty::Int(i) = t { Some(i) } else { None }),
        _ => None,
    };
    if let (Ty::Int(a), Ty::Int(b)) = (lt, rt) {
        match (literal(l.as_const()), literal(r.as_const())) {
            (Some(lit), None) if !b.checked => return Ty::Int(crate::types::int_join(lit, b)),
            (None, Some(lit)) if !a.checked => return Ty::Int(crate::types::int_join(a, lit)),
            // Both constant: a folded C value (`cython.cast(cython.ulonglong, 1)`)
            // keeps its type, the Python literal beside it adapts.
            (Some(_), Some(lit)) if !a.checked && b.checked => return Ty::Int(crate::types::int_join(a, lit)),
            (Some(lit), Some(_)) if a.checked && !b.checked => return Ty::Int(crate::types::int_join(lit, b)),
            _ => {}
        }
    }
    Ty::arith_join(lt, rt).unwrap_or(lt)
}

pub(super) fn const_to(c: Const, t: Ty) -> Const {
    match (c, t) {
        (Const::Int(v), Ty::Float(_)) => Const::Float(v as f64),
        (Const::Bool(b), Ty::Float(_)) => Const::Float(b as i64 as f64),
        (Const::Bool(b), Ty::Int(_)) => Const::Int(b as i64),
        (Const::Int(v), Ty::Int(i)) => Const::Int(wrap(v, i)),
        (Const::Int(v), Ty::Bool) => Const::Bool(v != 0),
        (Const::Float(f), Ty::Bool) => Const::Bool(f != 0.0),
        (Const::Float(f), Ty::Float(32)) => Const::Float(f as f32 as f64),
        (c, _) => c,
    }
}

fn wrap(v: i64, t: crate::types::IntTy) -> i64 {
    if t.bits >= 64 {
        return v;
    }
    let shift = 64 - t.bits as u32;
    if t.signed {
        (v << shift) >> shift
    } else {
        ((v as u64) << shift >> shift) as i64
    }
}

/// Explicit numeric conversion, folded for constants.
pub(crate) fn convert(v: hir::Expr, to: Ty) -> hir::Expr {
    if v.ty == to {
        return v;
    }
    // A number made complex: its real part, imaginary part +0.0 (as
    // CPython's `complex_add` and co. promote the other operand).
    if to == Ty::Complex {
        let re = convert(v, F64);
        return hir::Expr { kind: H::ComplexMake(Box::new(re), Box::new(hir::Expr::konst(Const::Float(0.0), F64))), ty: to };
    }
    if let Some(c) = v.as_const() {
        let folded = match (c, to) {
            (Const::Float(f), Ty::Int(_)) => {
                let t = f.trunc();
                if t.is_finite() && t >= -9.223372036854775808e18 && t < 9.223372036854775808e18 {
                    Some(const_to(Const::Int(t as i64), to))
                } else {
                    None
                }
            }
            (Const::Int(_), Ty::Float(_)) if !matches!(v.ty, Ty::Int(i) if !i.signed) => Some(const_to(c, to)),
            (Const::Int(_), Ty::Float(_)) => None,
            (Const::Int(_), Ty::Int(_)) if matches!(v.ty, Ty::Int(i) if !i.signed && i.bits == 64) => None,
            _ => Some(const_to(c, to)),
        };
        if let Some(k) = folded {
            return hir::Expr::konst(k, to);
        }
    }
    hir::Expr { kind: H::Convert(Box::new(v)), ty: to }
}
