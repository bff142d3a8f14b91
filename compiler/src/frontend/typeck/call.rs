//! Calls typed into HIR: calls of other compiled functions (arguments bound
//! to parameters as CPython binds them; the callee's declared or inferred
//! return type), builtins, `math` and `libc.math` functions, `cython` casts.

use crate::frontend::vocab::{self, MathItem};
use crate::frontend::{error, fallback, Binding, Problem};
use crate::diag::Diagnostic;
use crate::hir::{self, Const, ExprKind as H, FuncId, MathOp};
use crate::syntax::{self, BinOp, Expr, ExprKind, ParamKind};
use crate::types::{Ty, F64};

use super::{Checker, R};
use super::convert::{convert, const_to};

/// Builtin types `isinstance` reads from the constant table when the
/// module does not bind their name.
const BUILTIN_TYPES: &[&str] = &["int", "float", "complex", "bool", "str", "bytes", "bytearray", "list", "tuple", "dict", "set", "frozenset"];

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn call(&mut self, e: &Expr, func: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if self.is_zero_arg_super(e) {
            return self.zero_arg_super(e);
        }
        if let Some(name) = self.frame_reading_builtin(func, args, keywords) {
            let without = if matches!(name, "eval" | "exec") { " without a globals dict" } else { "" };
            return fallback(&e.span, format!("it calls `{name}()`{without}, which reads the namespaces of the Python frame running it (compiled code has none)"));
        }
        if let ExprKind::Attribute { value, .. } = &func.kind {
            self.super_attr_base = Some(value.span.start);
        }
        if let ExprKind::Attribute { value, attr } = &func.kind {
            if attr == "bit_count" && args.is_empty() && keywords.is_empty() && self.cx.binding_of(func).is_none() {
                let v = self.expr(value)?;
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                return match v.ty {
                    Ty::Int(_) => Ok(hir::Expr { kind: H::BitCount(Box::new(v)), ty: Ty::py_int() }),
                    _ => fallback(&e.span, "it calls `.bit_count()` on a non-integer"),
                };
            }
        }
        if args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) || keywords.iter().any(|k| k.name.is_none()) {
            return self.shaped_call(e, func, args, keywords);
        }
        if let ExprKind::Attribute { value, attr } = &func.kind {
            // `self.op(a, b)`: a cclass's function pointer field called through.
            if let Some(load) = self.field_load(value, attr) {
                if let Ty::FnPtr(p) = load.ty {
                    return self.call_through(e, load, p, args, keywords);
                }
            }
            if let Some(call) = self.cfunc_call(e, value, attr, args, keywords)? {
                return Ok(call);
            }
        }
        if let (ExprKind::Name(n), [a]) = (&func.kind, args) {
            // A generator expression's first iterator (`syntax::genexpr_function`).
            if n == syntax::GENEXPR_ITER {
                let o = self.boxed_value(a)?;
                return Ok(hir::Expr { kind: H::ObjOp { op: hir::ObjOp::GetIter, operands: vec![o] }, ty: Ty::Object });
            }
        }
        if let ExprKind::Name(n) = &func.kind {
            if self.local_names.contains(n) {
                let f = self.name(n, &func.span)?;
                if f.ty == Ty::Object {
                    return self.object_call(f, args, keywords);
                }
                if let Ty::FnPtr(p) = f.ty {
                    return self.call_through(e, f, p, args, keywords);
                }
                return fallback(&e.span, format!("it calls the local `{n}`"));
            }
            if let Some(&id) = self.ids.get(n) {
                return self.native_call(e, id, args, keywords);
            }
        }
        match self.cx.binding_of(func) {
            Some(Binding::MathAttr(name)) => {
                return match vocab::python_math(&name) {
                    Some(item) => self.math_call(e, &format!("math.{name}"), item, args, keywords),
                    None if vocab::is_python_math_name(&name) => match &func.kind {
                        ExprKind::Attribute { value, attr } => match self.method_call(value, attr, args, keywords)? {
                            Some(call) => Ok(call),
                            None => fallback(&e.span, format!("`math.{name}` is not compiled natively")),
                        },
                        _ => fallback(&e.span, format!("`math.{name}` is not compiled natively")),
                    },
                    None => fallback(&func.span, format!("`math.{name}` is not a name of `math`")),
                };
            }
            Some(Binding::LibcMathAttr(name)) => {
                return match vocab::libc_math(&name) {
                    Some(item) => self.math_call(e, &name, item, args, keywords),
                    None => fallback(&func.span, format!("`{name}` from libc.math is not compiled natively")),
                };
            }
            Some(Binding::CythonAttr(name)) => return self.cython_call(e, &name, args, keywords),
            Some(Binding::CDecl(crate::frontend::pxd::Decl::Func(f))) => {
                return self.c_call(e, self.cx.source_text(&func.span), &f, args, keywords);
            }
            // A C variable holding a function pointer, called through.
            Some(Binding::CDecl(crate::frontend::pxd::Decl::Var { ty: Ty::FnPtr(p), .. })) => {
                let f = self.expr(func)?;
                return self.call_through(e, f, p, args, keywords);
            }
            Some(_) => return fallback(&e.span, format!("it calls `{}`", self.cx.source_text(&func.span))),
            None => {}
        }
        let ExprKind::Name(n) = &func.kind else {
            if let ExprKind::Attribute { value, attr } = &func.kind {
                if let Some(call) = self.method_call(value, attr, args, keywords)? {
                    return Ok(call);
                }
            } else {
                match self.expr(func) {
                    Ok(f) if f.ty == Ty::Object => return self.object_call(f, args, keywords),
                    // `pick(x)(a, b)`: a cfunc's function pointer result called.
                    Ok(hir::Expr { ty: Ty::FnPtr(p), kind }) => return self.call_through(e, hir::Expr { kind, ty: Ty::FnPtr(p) }, p, args, keywords),
                    Err(Problem::Pending) => return Err(Problem::Pending),
                    _ => {}
                }
            }
            return fallback(&e.span, format!("it calls `{}`", self.cx.source_text(&func.span)));
        };
        if let Some(made) = self.new_instance(e, func, n, args, keywords)? {
            return Ok(made);
        }
        if self.cx.module_names.contains(n) {
            return self.object_call(super::object::global(n), args, keywords);
        }
        if !vocab::is_python_builtin(n) {
            return self.name(n, &func.span);
        }
        if !keywords.is_empty() {
            // The builtin itself, which reads its keywords as CPython does.
            return self.object_call(super::object::global(n), args, keywords);
        }
        if n == "isinstance" {
            if let Some(t) = self.isinstance_exact_first(e, args)? {
                return Ok(t);
            }
        }
        if n == "len" {
            if let [a] = args {
                if let Some((id, _)) = self.view_local(a) {
                    let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                    return Ok(hir::Expr { kind: H::ViewDim { view: id, dim: hir::Dim::Shape, axis: 0 }, ty: ssize });
                }
                if let Some(len) = self.object_len(a)? {
                    return Ok(len);
                }
            }
        }
        let mut vals = vec![];
        for a in args {
            vals.push(self.expr(a)?);
        }
        // Python's builtins convert objects their own way (`int("3")`), not
        // as C unboxing does.
        let on_object = vals.iter().any(|v| v.ty == Ty::Object);
        if !on_object && vals.iter().any(|v| v.ty == Ty::Complex) && !matches!((n.as_str(), vals.len()), ("abs", 1) | ("complex", 1)) {
            // The builtin itself on the boxed value (`float(z)` raises as in Python).
            return self.object_call(super::object::global(n), args, keywords);
        }
        for v in &vals {
            self.numeric(v, &e.span)?;
        }
        let arity_error = |want: &str| {
            error(Diagnostic::error(e.span.clone(), format!("{n}() takes {want} ({} given)", args.len())).with_label("wrong number of arguments"))
        };
        match (n.as_str(), vals.len()) {
            ("abs", 1) if on_object => Ok(hir::Expr { kind: H::ObjUnary(hir::ObjUnOp::Abs, Box::new(vals.remove(0))), ty: Ty::Object }),
            _ if on_object => fallback(&e.span, format!("it calls the builtin `{n}` on an object")),
            ("abs", 1) if vals[0].ty == Ty::Complex => Ok(hir::Expr { kind: H::Abs(Box::new(vals.remove(0))), ty: F64 }),
            // `complex(x)`, `complex(re, im)` of C numbers: CPython's
            // `complex_new` takes a real number's value as a part unchanged.
            ("complex", 1) => Ok(convert(vals.remove(0), Ty::Complex)),
            ("complex", 2) if vals.iter().all(|v| v.ty != Ty::Complex) => {
                let im = convert(vals.remove(1), F64);
                let re = convert(vals.remove(0), F64);
                Ok(hir::Expr { kind: H::ComplexMake(Box::new(re), Box::new(im)), ty: Ty::Complex })
            }
            ("abs", 1) => {
                let v = vals.remove(0);
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                let ty = v.ty;
                Ok(hir::Expr { kind: H::Abs(Box::new(v)), ty })
            }
            ("abs", _) => arity_error("exactly one argument"),
            ("min" | "max", k) if k >= 2 => {
                let ty = self.join_all(&vals, &e.span)?;
                let ty = if ty == Ty::Bool { Ty::Bool } else { ty };
                let lit_ty = vals.iter().map(|v| v.ty).find(|t| t.is_int() && vals.iter().all(|v| v.ty == *t || v.as_const().is_some()));
                let ty = lit_ty.unwrap_or(ty);
                let args = vals.into_iter().map(|v| convert(v, ty)).collect();
                Ok(hir::Expr { kind: H::MinMax { is_max: n == "max", args }, ty })
            }
            ("min" | "max", _) => fallback(&e.span, format!("it calls `{n}` on an iterable")),
            ("int", 0) => Ok(hir::Expr::konst(Const::Int(0), Ty::py_int())),
            ("int", 1) => Ok(convert(vals.remove(0), Ty::py_int())),
            ("float", 0) => Ok(hir::Expr::konst(Const::Float(0.0), F64)),
            ("float", 1) => Ok(convert(vals.remove(0), F64)),
            ("bool", 0) => Ok(hir::Expr::konst(Const::Bool(false), Ty::Bool)),
            ("bool", 1) => self.truthy(vals.remove(0), &e.span),
            ("round", 1) => {
                let v = vals.remove(0);
                match v.ty {
                    Ty::Float(_) => Ok(hir::Expr { kind: H::Round(Box::new(convert(v, F64))), ty: Ty::py_int() }),
                    _ => Ok(convert(v, Ty::py_int())),
                }
            }
            ("round", 2) => {
                let nd = vals.remove(1);
                let v = vals.remove(0);
                if !v.ty.is_float() || !nd.ty.is_int() {
                    return fallback(&e.span, "it calls round(x, n) on integers");
                }
                Ok(hir::Expr { kind: H::RoundDigits(Box::new(convert(v, F64)), Box::new(convert(nd, Ty::py_int()))), ty: F64 })
            }
            ("pow", 2) => {
                let r = vals.remove(1);
                let l = vals.remove(0);
                self.binop(BinOp::Pow, l, r, &e.span)
            }
            _ => fallback(&e.span, format!("it calls the builtin `{n}`")),
        }
        .or_else(|p| match (p, n.as_str(), args) {
            (Problem::Fallback { .. }, "float", [Expr { kind: ExprKind::Str(s), .. }]) => match parse_py_float(s) {
                Some(f) => Ok(hir::Expr::konst(Const::Float(f), F64)),
                None => fallback(&e.span, "it calls float() on a string that is not a number"),
            },
            // Any other builtin, or one called on objects: the builtin itself.
            (Problem::Fallback { .. }, ..) => self.object_call(super::object::global(n), args, keywords),
            (p, ..) => Err(p),
        })
    }

    /// `isinstance(x, C)` or `isinstance(x, (A, B))` of a local and names:
    /// `type(x) is A or type(x) is B`, and only when neither is exactly
    /// its type the builtin itself (subclasses, `__instancecheck__`), as
    /// Cython tests its types and builtin types first. A builtin type's
    /// name (not bound in the module) is the type itself, from the constant
    /// table; the module's extension type is tested whole (exact type or a
    /// subtype, as Cython's `__Pyx_TypeCheck`), with no call when every
    /// class is one.
    fn isinstance_exact_first(&mut self, e: &Expr, args: &[Expr]) -> R<Option<hir::Expr>> {
        let [x, classes] = args else { return Ok(None) };
        if !matches!(x.kind, ExprKind::Name(_)) {
            return Ok(None);
        }
        let names: Vec<&Expr> = match &classes.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![classes],
        };
        if names.is_empty() || !names.iter().all(|c| matches!(c.kind, ExprKind::Name(_))) {
            return Ok(None);
        }
        let obj = self.expr(x)?;
        if obj.ty != Ty::Object {
            return Ok(None);
        }
        let mut exact: Option<hir::Expr> = None;
        let mut all_cclasses = true;
        for c in names {
            let ExprKind::Name(n) = &c.kind else { return Ok(None) };
            // A name no local, import, function or module-level assignment binds.
            let unshadowed = !self.local_names.contains(n) && !self.cx.bindings.contains_key(n) && !self.ids.contains_key(n) && !self.cx.star_import;
            let is = if unshadowed && self.cx.cclasses.borrow().contains_key(n) {
                // The module's extension type: exact type or a subtype, the
                // whole test (Cython's `__Pyx_TypeCheck`).
                hir::Expr { kind: H::IsClassInstance { obj: Box::new(obj.clone()), class: n.clone(), exact: false, inherits: None }, ty: Ty::Bool }
            } else {
                all_cclasses = false;
                let cls = match unshadowed && BUILTIN_TYPES.contains(&n.as_str()) && !self.cx.module_names.contains(n) {
                    // The builtin type itself, from the constant table (no lookup).
                    true => hir::Expr { kind: H::ObjConst(hir::ObjConst::BuiltinType(n.clone())), ty: Ty::Object },
                    false => self.expr(c)?,
                };
                if cls.ty != Ty::Object {
                    return Ok(None);
                }
                // `ob_type`, a new reference to the type.
                let type_of = hir::Expr { kind: H::FieldLoad { obj: Box::new(obj.clone()), offset: 8 }, ty: Ty::Object };
                hir::Expr { kind: H::ObjIs(Box::new(type_of), Box::new(cls)), ty: Ty::Bool }
            };
            exact = Some(match exact {
                None => is,
                Some(t) => hir::Expr { kind: H::Or(Box::new(t), Box::new(is)), ty: Ty::Bool },
            });
        }
        let Some(exact) = exact else { return Ok(None) };
        if all_cclasses {
            return Ok(Some(exact));
        }
        let generic = self.object_call(super::object::global("isinstance"), args, &[])?;
        let generic = self.truthy(generic, &e.span)?;
        Ok(Some(hir::Expr { kind: H::Or(Box::new(exact), Box::new(generic)), ty: Ty::Bool }))
    }

    /// A call with `*` or `**` unpacking: the callable and the values
    /// evaluated here, in Python's order (positional ones, then keywords),
    /// the call itself made as Python makes one of that shape
    /// (`hir::ObjOp::CallShaped`): its TypeErrors (`f() argument after *
    /// must be an iterable, not int`, repeated keywords, …) are the
    /// interpreter's, whatever its version.
    fn shaped_call(&mut self, e: &Expr, func: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let cannot = |what: &str| fallback(&e.span, format!("it calls {what} with `*` or `**` unpacking"));
        let shown = self.cx.source_text(&func.span).to_string();
        let callee = match &func.kind {
            ExprKind::Name(n) if self.local_names.contains(n) => match self.name(n, &func.span)? {
                f if f.ty == Ty::Object => f,
                _ => return cannot(&format!("the C-typed local `{n}`")),
            },
            ExprKind::Name(n) if self.ids.contains_key(n) => {
                let id = self.ids[n];
                let callee = &self.set[id.0 as usize];
                if callee.class.is_some() || !callee.exported {
                    return cannot(&format!("the `cfunc` `{n}`"));
                }
                super::object::global(n)
            }
            _ if self.cx.binding_of(func).is_some() => return cannot(&format!("`{shown}`")),
            ExprKind::Name(n) if self.cx.module_names.contains(n) || vocab::is_python_builtin(n) => super::object::global(n),
            ExprKind::Name(_) => return cannot(&format!("`{shown}`")),
            _ => match self.object_value(func)? {
                Some(f) => f,
                None => return cannot(&format!("`{shown}`")),
            },
        };
        if self.nogil {
            return cannot("without the GIL");
        }
        // The helper unpacks after every value is evaluated, where Python
        // unpacks each as it comes: what follows the first unpacked value
        // must be unable to tell (a name or a literal).
        let simple = |x: &Expr| {
            let x = match &x.kind {
                ExprKind::Starred(v) => v.as_ref(),
                _ => x,
            };
            matches!(x.kind, ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::NoneLit)
        };
        let mut roles = vec![];
        let mut values = vec![callee];
        let mut unpacked = false;
        let items = args.iter().map(|a| (None, a)).chain(keywords.iter().map(|k| (Some(k.name.as_deref()), &k.value)));
        for (kw, x) in items {
            if unpacked && !simple(x) {
                return fallback(&x.span, format!("it calls `{shown}` with `*` or `**` unpacking followed by `{}`, evaluated before the unpacking is done", self.cx.source_text(&x.span)));
            }
            let (role, value) = match (kw, &x.kind) {
                (None, ExprKind::Starred(v)) => ("*@".to_string(), v.as_ref()),
                (None, _) => ("@".to_string(), x),
                (Some(Some(name)), _) => (format!("{name}=@"), x),
                (Some(None), _) => ("**@".to_string(), x),
            };
            unpacked |= role.starts_with('*');
            roles.push(role);
            values.push(self.boxed_value(value)?);
        }
        Ok(hir::Expr { kind: H::ObjOp { op: hir::ObjOp::CallShaped { shape: roles.join(",") }, operands: values }, ty: Ty::Object })
    }

    pub(super) fn native_call(&mut self, e: &Expr, id: FuncId, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let callee = &self.set[id.0 as usize];
        let name = callee.name.clone();
        if self.nogil && !callee.nogil {
            // Its errors would be set without the GIL (Cython's rule).
            return error(
                Diagnostic::error(e.span.clone(), format!("`{name}` needs the GIL, but is called without it"))
                    .with_label(format!("`{}` runs inside `with cython.nogil:`", self.cx.source_text(&e.span)))
                    .with_hint(format!("decorate `{name}` with `@cython.nogil`, or call it inside `with cython.gil:`")),
            );
        }
        if callee.params.iter().any(|p| matches!(p.kind, ParamKind::VarPositional | ParamKind::VarKeyword)) {
            // Its binder builds the tuple and dict: called as the module's
            // function object, through vectorcall.
            if callee.class.is_some() || !callee.exported || self.nogil {
                return fallback(&e.span, format!("it calls `{name}`, which takes `*args` or `**kwargs`, directly"));
            }
            return self.object_call(super::object::global(&name), args, keywords);
        }
        self.calls_object_function |= super::holds_objects(callee) || self.rets.get(&name) == Some(&Ty::Object);
        let positional: Vec<usize> =
            callee.params.iter().enumerate().filter(|(_, p)| p.kind != ParamKind::KeywordOnly).map(|(i, _)| i).collect();
        if args.len() > positional.len() {
            return error(
                Diagnostic::error(e.span.clone(), format!("{name}() takes {} positional argument{} but {} were given", positional.len(), if positional.len() == 1 { "" } else { "s" }, args.len()))
                    .with_label("too many arguments"),
            );
        }
        let mut slots: Vec<Option<hir::Expr>> = vec![None; callee.params.len()];
        for (a, &i) in args.iter().zip(&positional) {
            slots[i] = Some(match self.c_string_literal(a, callee.params[i].ty)? {
                Some(s) => s,
                None => self.expr(a)?,
            });
        }
        for k in keywords {
            let kname = k.name.as_deref().unwrap_or("");
            let Some(i) = callee.params.iter().position(|p| p.name == kname && p.kind != ParamKind::PositionalOnly) else {
                return error(Diagnostic::error(k.span.clone(), format!("{name}() got an unexpected keyword argument '{kname}'")).with_label("no such parameter"));
            };
            if slots[i].is_some() {
                return error(Diagnostic::error(k.span.clone(), format!("{name}() got multiple values for argument '{kname}'")));
            }
            slots[i] = Some(match self.c_string_literal(&k.value, callee.params[i].ty)? {
                Some(s) => s,
                None => self.expr(&k.value)?,
            });
        }
        let mut out = vec![];
        for (slot, p) in slots.into_iter().zip(&callee.params) {
            let singleton = p.default_src.as_deref().and_then(singleton_default);
            let v = match (slot, p.default) {
                (Some(v), _) => match self.char_pointer_arg(&v, p.ty) {
                    Some(c) => c,
                    None => self.coerce(v, p.ty, &e.span, &p.name)?,
                },
                (None, Some(d)) => hir::Expr::konst(const_to(d, p.ty), p.ty),
                (None, None) if p.accepts_none => hir::Expr { kind: H::NoneView, ty: p.ty },
                // None, True and False are the same object wherever made.
                (None, None) if p.stored_default() && matches!(p.default_src.as_deref(), Some("None" | "True" | "False")) => {
                    let k = match p.default_src.as_deref() {
                        Some("True") => hir::ObjConst::Bool(true),
                        Some("False") => hir::ObjConst::Bool(false),
                        _ => hir::ObjConst::None,
                    };
                    self.coerce(hir::Expr { kind: H::ObjConst(k), ty: Ty::Object }, p.ty, &e.span, &p.name)?
                }
                // The empty tuple and the small ints are CPython's singletons
                // (3.9-3.13), the stored default's very object: a constant,
                // as Cython passes its own.
                (None, None) if p.stored_default() && singleton.is_some() => {
                    let k = singleton.unwrap_or(hir::ObjConst::None);
                    self.coerce(hir::Expr { kind: H::ObjConst(k), ty: Ty::Object }, p.ty, &e.span, &p.name)?
                }
                (None, None) if p.stored_default() => {
                    // The function's stored default (the same object every call).
                    let k = callee.params.iter().take_while(|q| q.name != p.name).filter(|q| q.default_src.is_some()).count();
                    let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                    let tuple = super::object::global(&hir::defaults_global(&name));
                    let item = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::GetItemInt, operands: vec![tuple, hir::Expr::konst(Const::Int(k as i64), ssize)] }, ty: Ty::Object };
                    self.coerce(item, p.ty, &e.span, &p.name)?
                }
                (None, None) => {
                    return error(
                        Diagnostic::error(e.span.clone(), format!("{name}() missing 1 required positional argument: '{}'", p.name))
                            .with_label("missing argument"),
                    )
                }
            };
            out.push(v);
        }
        let ret = match callee.declared_ret.or_else(|| self.rets.get(&name).copied()) {
            Some(t) => t,
            None if self.infer => return Err(Problem::Pending),
            None => return fallback(&e.span, format!("the return type of `{name}` could not be inferred")),
        };
        Ok(hir::Expr { kind: H::Call(id, out), ty: ret })
    }

    fn math_call(&mut self, e: &Expr, shown: &str, item: MathItem, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if matches!(item, MathItem::IsClose) {
            return self.isclose(e, shown, args, keywords);
        }
        if !keywords.is_empty() {
            return fallback(&e.span, format!("it calls `{shown}` with keyword arguments"));
        }
        let mut vals = vec![];
        for a in args {
            let v = self.expr(a)?;
            self.numeric(&v, &a.span)?;
            if v.ty == Ty::Object {
                // `math.floor(2**70)` is exact in Python: no C double in between.
                return fallback(&e.span, format!("it calls `{shown}` on an object"));
            }
            vals.push(v);
        }
        let want = |n: usize| -> R<()> {
            if vals.len() == n {
                Ok(())
            } else {
                error(
                    Diagnostic::error(e.span.clone(), format!("{shown}() takes exactly {n} argument{} ({} given)", if n == 1 { "" } else { "s" }, vals.len()))
                        .with_label("wrong number of arguments"),
                )
            }
        };
        match item {
            MathItem::Const(_) => fallback(&e.span, format!("it calls the constant `{shown}`")),
            MathItem::Func { op, arity } => {
                want(arity as usize)?;
                let ty = if matches!(op, MathOp::IsNan | MathOp::IsInf | MathOp::IsFinite) { Ty::Bool } else { F64 };
                let args = vals.into_iter().map(|v| convert(v, F64)).collect();
                Ok(hir::Expr { kind: H::Math(op, args), ty })
            }
            MathItem::ToInt(op) => {
                want(1)?;
                let v = vals.remove(0);
                if !v.ty.is_float() {
                    return Ok(convert(v, Ty::py_int()));
                }
                let rounded = hir::Expr { kind: H::Math(op, vec![convert(v, F64)]), ty: F64 };
                Ok(convert(rounded, Ty::py_int()))
            }
            MathItem::IntFold(_) | MathItem::IntFunc { .. } | MathItem::Perm => {
                let mut ints = vec![];
                for (v, a) in vals.into_iter().zip(args) {
                    if !matches!(v.ty, Ty::Int(_) | Ty::Bool) {
                        return fallback(&a.span, format!("it passes a {} to `{shown}`, which takes integers", v.ty));
                    }
                    ints.push(convert(v, Ty::py_int()));
                }
                let int = Ty::py_int();
                let call = |op, args| hir::Expr { kind: H::Math(op, args), ty: int };
                match item {
                    MathItem::IntFold(op) => {
                        // gcd() is 0 and lcm() is 1; the back end folds any number.
                        let unit = if op == MathOp::Gcd { 0 } else { 1 };
                        if ints.is_empty() {
                            return Ok(hir::Expr::konst(Const::Int(unit), int));
                        }
                        Ok(call(op, ints))
                    }
                    MathItem::IntFunc { op, arity } => {
                        if ints.len() != arity as usize {
                            let n = arity as usize;
                            return error(
                                Diagnostic::error(e.span.clone(), format!("{shown}() takes exactly {n} argument{} ({} given)", if n == 1 { "" } else { "s" }, ints.len()))
                                    .with_label("wrong number of arguments"),
                            );
                        }
                        Ok(call(op, ints))
                    }
                    _ => match ints.len() {
                        1 => Ok(call(MathOp::Factorial, ints)),
                        2 => Ok(call(MathOp::Perm, ints)),
                        n => error(Diagnostic::error(e.span.clone(), format!("perm expected 1 or 2 arguments, got {n}")).with_label("wrong number of arguments")),
                    },
                }
            }
            MathItem::Ldexp => {
                want(2)?;
                let i = vals.remove(1);
                if !matches!(i.ty, Ty::Int(_) | Ty::Bool) {
                    return fallback(&args[1].span, format!("it passes a {} as the exponent of `{shown}`", i.ty));
                }
                let x = convert(vals.remove(0), F64);
                Ok(hir::Expr { kind: H::Math(MathOp::Ldexp, vec![x, convert(i, Ty::py_int())]), ty: F64 })
            }
            MathItem::IsClose => self.isclose(e, shown, args, keywords),
            MathItem::Log => match vals.len() {
                1 => Ok(hir::Expr {
                    kind: H::Math(MathOp::Libm { symbol: "log", arity: 1, check: hir::MathCheck::Domain }, vec![convert(vals.remove(0), F64)]),
                    ty: F64,
                }),
                2 => {
                    let args = vals.into_iter().map(|v| convert(v, F64)).collect();
                    Ok(hir::Expr { kind: H::Math(MathOp::LogBase, args), ty: F64 })
                }
                _ => error(Diagnostic::error(e.span.clone(), format!("log expected 1 or 2 arguments, got {}", vals.len()))),
            },
        }
    }

    /// `math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`.
    fn isclose(&mut self, e: &Expr, shown: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if args.len() != 2 {
            return error(
                Diagnostic::error(e.span.clone(), format!("{shown}() takes exactly 2 positional arguments ({} given)", args.len()))
                    .with_label("wrong number of arguments"),
            );
        }
        let mut vals = vec![];
        for a in args {
            let v = self.expr(a)?;
            self.numeric(&v, &a.span)?;
            vals.push(convert(v, F64));
        }
        let mut rel = hir::Expr::konst(Const::Float(1e-9), F64);
        let mut abs = hir::Expr::konst(Const::Float(0.0), F64);
        for k in keywords {
            let slot = match k.name.as_deref() {
                Some("rel_tol") => &mut rel,
                Some("abs_tol") => &mut abs,
                _ => return fallback(&k.value.span, format!("it calls `{shown}` with a keyword other than rel_tol and abs_tol")),
            };
            let v = self.expr(&k.value)?;
            self.numeric(&v, &k.value.span)?;
            *slot = convert(v, F64);
        }
        vals.extend([rel, abs]);
        Ok(hir::Expr { kind: H::Math(MathOp::IsClose, vals), ty: Ty::Bool })
    }

    fn cython_call(&mut self, e: &Expr, name: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        if let Some(x) = self.pointer_call(e, name, args, keywords)? {
            return Ok(x);
        }
        if name == "parallel.threadid" && args.is_empty() && keywords.is_empty() {
            return Ok(hir::Expr { kind: H::ThreadId, ty: Ty::Int(crate::types::C_INT) });
        }
        let target = if name == "cast" {
            match args.first() {
                Some(t) => Some(self.cx.resolve_type(t)?),
                None => return error(Diagnostic::error(e.span.clone(), "cython.cast(type, value) needs two arguments")),
            }
        } else {
            crate::types::cython_scalar(name)
        };
        let Some(t) = target else {
            return fallback(&e.span, format!("it calls `cython.{name}`"));
        };
        let value_args = if name == "cast" { &args[1..] } else { args };
        if value_args.len() != 1 || !keywords.is_empty() {
            return error(Diagnostic::error(e.span.clone(), format!("cython.{name}() takes one value to convert")).with_label("wrong arguments"));
        }
        let v = self.expr(&value_args[0])?;
        if let Ty::View(_) = t {
            if let Ty::View(_) = v.ty {
                return fallback(&e.span, "it casts a memoryview to another memoryview type");
            }
            return error(
                Diagnostic::error(e.span.clone(), format!("cannot cast {} to the memoryview type {t}", v.ty))
                    .with_label("not a buffer")
                    .with_hint("a memoryview views an array or buffer: take one as a parameter (`a: cython.double[:]`)"),
            );
        }
        self.numeric(&v, &e.span)?;
        if t == Ty::Bool {
            return self.truthy(v, &e.span);
        }
        if t == Ty::Void {
            return fallback(&e.span, "it casts to void");
        }
        Ok(convert(v, t))
    }
}

/// Python's `float(str)` for the strings people write as constants.
fn parse_py_float(s: &str) -> Option<f64> {
    let t = s.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    let (sign, body) = match lower.strip_prefix('-') {
        Some(b) => (-1.0, b.to_string()),
        None => (1.0, lower.strip_prefix('+').unwrap_or(&lower).to_string()),
    };
    match body.as_str() {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" => Some(f64::NAN.copysign(sign)),
        _ => t.parse::<f64>().ok(),
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// The builtin (not shadowed) called here that reads the namespaces of
    /// the Python frame it runs in when none is passed: compiled code has no
    /// frame of its own, so it would read its caller's (`globals()`,
    /// `locals()`, `vars()`, `dir()`, `eval`/`exec` without globals).
    fn frame_reading_builtin(&self, func: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> Option<&'static str> {
        let ExprKind::Name(n) = &func.kind else { return None };
        let name = ["globals", "locals", "vars", "dir", "eval", "exec"].into_iter().find(|b| b == n)?;
        if self.shadowed(name) {
            return None;
        }
        let given = args.len() + keywords.iter().filter(|k| k.name.as_deref() == Some("globals")).count();
        let reads_frame = match name {
            "eval" | "exec" => given < 2,
            _ => args.is_empty() && keywords.is_empty(),
        };
        reads_frame.then_some(name)
    }
}

/// A stored default's source that makes one of CPython's singletons: `()`
/// (the empty tuple: `ObjConst::Names` of no names) or an int literal in
/// the small int cache (-5 to 256).
fn singleton_default(src: &str) -> Option<hir::ObjConst> {
    let src = src.trim();
    if src == "()" {
        return Some(hir::ObjConst::Names(vec![]));
    }
    let digits = src.strip_prefix('-').unwrap_or(src);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    let v: i64 = src.parse().ok()?;
    (-5..=256).contains(&v).then_some(hir::ObjConst::Int(i128::from(v)))
}
