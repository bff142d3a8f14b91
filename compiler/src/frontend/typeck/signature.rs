//! A `def`'s signature read into a `Candidate`: its decorators (`cfunc`,
//! `locals`, `returns`, directive switches, …), its parameters with their
//! types and literal defaults, and its declared return type.

use crate::frontend::vocab;
use crate::frontend::{error, fallback, Binding, Directives, ModuleCx};
use crate::diag::Diagnostic;
use crate::hir::Const;
use crate::syntax::{self, Expr, ExprKind, ParamKind, Span, Stmt, StmtKind};
use crate::types::{ExceptSpec, ExceptValue, Ty};
use std::collections::HashMap;

use super::R;
use super::literals::const_of;

#[derive(Clone)]
pub(crate) struct SigParam {
    pub name: String,
    pub ty: Ty,
    pub kind: ParamKind,
    pub default: Option<Const>,
    pub default_src: Option<String>,
    /// A memoryview parameter declared `= None`: None is accepted.
    pub accepts_none: bool,
}

impl SigParam {
    /// An object parameter's default: any expression, evaluated once where
    /// the `def` runs and kept in the module global `hir::defaults_global`.
    pub fn stored_default(&self) -> bool {
        self.default.is_none() && self.default_src.is_some() && !self.accepts_none
    }
}

/// A top-level function (or a cclass method) the front end is trying to compile.
#[derive(Clone)]
pub(crate) struct Candidate<'a> {
    pub def: &'a syntax::FunctionDef,
    pub name: String,
    pub exported: bool,
    pub inline_hint: bool,
    /// `@cython.nogil`: callable inside `with cython.nogil:`.
    pub nogil: bool,
    /// `@cython.exceptval(…)` as written: its value and its `check=`
    /// (`except_spec` reads them as Cython does).
    pub exceptval: Option<(Option<ExceptValue>, Option<bool>)>,
    /// `@cython.ccall`: visible to Python and C (a `def` is visible to Python only).
    pub ccall: bool,
    pub directives: Directives,
    pub params: Vec<SigParam>,
    pub declared_ret: Option<Ty>,
    pub declared_locals: HashMap<String, Ty>,
    pub doc: Option<String>,
    pub line: u32,
    pub span: Span,
    /// A method of a `@cython.cclass`: its first parameter is an instance,
    /// whose fields it reads and writes in place (`typeck/cclass.rs`).
    pub class: Option<std::sync::Arc<crate::frontend::cclass::Layout>>,
    /// A method compiled by the module (a plain class's or a cclass's,
    /// static and class methods too): where `super()` and `__class__`
    /// find the class it was defined in (`read` set where it is read).
    pub owner: Option<crate::hir::ClassRef>,
    /// A generator function compiled natively (`hir::Function::generator`):
    /// it returns its generator object, whatever its annotation says.
    pub generator: bool,
}

impl Candidate<'_> {
    /// How its C entry signals an exception to a C caller, as Cython reads
    /// the decorators: `exceptval(check=False)` is `noexcept`; a value is
    /// `except? v` (`except v` with `check=False`); no value (or no
    /// decorator) is `except? -1` for a number result, `except *` otherwise.
    pub fn except_spec(&self) -> ExceptSpec {
        match self.exceptval.unwrap_or((None, None)) {
            (None, Some(false)) => ExceptSpec::NoExcept,
            (Some(value), check) => ExceptSpec::Value { value, check: check.unwrap_or(true) },
            (None, _) => match self.declared_ret {
                Some(Ty::Int(_) | Ty::Float(_) | Ty::Bool) => ExceptSpec::Value { value: ExceptValue::Int(-1), check: true },
                _ => ExceptSpec::Star,
            },
        }
    }
}

fn bool_arg(cx: &ModuleCx, call: &Expr, name: &str, args: &[Expr], kw: &[syntax::Keyword]) -> R<bool> {
    match (args, kw) {
        ([Expr { kind: ExprKind::Bool(b), .. }], []) => Ok(*b),
        // A flag computed at run time: the function runs interpreted, as written.
        ([Expr { kind: ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Call { .. }, .. }], []) => {
            fallback(&call.span, format!("`cython.{name}` with an argument other than True or False"))
        }
        _ => error(
            Diagnostic::error(call.span.clone(), format!("`cython.{name}` takes one argument, True or False"))
                .with_label(format!("got `{}`", cx.source_text(&call.span)))
                .with_hint(format!("write `@cython.{name}(True)` or `@cython.{name}(False)`")),
        ),
    }
}

impl<'a> Candidate<'a> {
    pub fn new(cx: &ModuleCx, def: &'a syntax::FunctionDef, span: &Span) -> R<Candidate<'a>> {
        Self::with_export(cx, def, span, true)
    }

    /// `exported` false: a C-level entry Python never calls (a cclass's
    /// buffer slot methods, `hir::BUFFER_METHODS`), whose signature may
    /// take C pointers as a `@cfunc`'s does.
    pub fn with_export(cx: &ModuleCx, def: &'a syntax::FunctionDef, span: &Span, exported: bool) -> R<Candidate<'a>> {
        if def.is_async {
            return fallback(span, "it is an `async def`");
        }
        // Judged before its body is typed: a generator's callers see a
        // function returning an object (its generator), not the None its
        // body seems to return; one whose `yield`s sit where the native
        // generator cannot suspend stays Python (`generator.rs`).
        let generator = def.first_yield.is_some();
        if generator {
            if let Err((at, why)) = super::generator::check(def) {
                return fallback(&at, why);
            }
        }
        let mut c = Candidate {
            def,
            name: def.name.clone(),
            exported,
            inline_hint: false,
            nogil: false,
            exceptval: None,
            ccall: false,
            directives: cx.directives,
            params: vec![],
            declared_ret: None,
            declared_locals: HashMap::new(),
            doc: None,
            line: cx.line(span),
            span: span.clone(),
            class: None,
            owner: None,
            generator,
        };
        for d in &def.decorators {
            c.decorator(cx, d)?;
        }
        for v in def.vararg.iter().chain(&def.kwarg) {
            if !c.exported || c.ccall {
                // Cython refuses it too: a C function has a fixed signature.
                return fallback(&v.span, format!("it is a `cfunc`/`ccall` taking `{}{}`", if v.kind == ParamKind::VarKeyword { "**" } else { "*" }, v.name));
            }
            if v.annotation.is_some() {
                return fallback(&v.span, format!("its `{}` parameter is annotated", v.name));
            }
            if c.declared_locals.contains_key(&v.name) {
                return fallback(&v.span, format!("`cython.locals` gives `{}` a type", v.name));
            }
        }
        // In a `def`'s order: `*args` after the positional parameters,
        // `**kwargs` last; both are objects (a tuple and a dict).
        let first_kwonly = def.params.iter().position(|p| p.kind == ParamKind::KeywordOnly).unwrap_or(def.params.len());
        let mut all: Vec<&syntax::Param> = def.params.iter().collect();
        if let Some(v) = &def.vararg {
            all.insert(first_kwonly, v);
        }
        all.extend(&def.kwarg);
        for p in all {
            if matches!(p.kind, ParamKind::VarPositional | ParamKind::VarKeyword) {
                c.params.push(SigParam { name: p.name.clone(), ty: Ty::Object, kind: p.kind, default: None, default_src: None, accepts_none: false });
                continue;
            }
            let ty = match (&p.annotation, c.declared_locals.get(&p.name)) {
                (_, Some(t)) => *t,
                (Some(a), None) => cx.resolve_type(a)?,
                // Cython's rule: an untyped parameter is an object.
                (None, None) => Ty::Object,
            };
            if ty == Ty::Void {
                return fallback(&p.span, format!("parameter `{}` is annotated None", p.name));
            }
            let optional = p.annotation.as_ref().is_some_and(|a| cx.optional_view(a).is_some());
            let accepts_none =
                matches!(ty, Ty::View(_)) && (optional || matches!(p.default.as_ref().map(|d| &d.kind), Some(ExprKind::NoneLit)));
            let (default, default_src) = match &p.default {
                None => (None, None),
                // Evaluated once where the `def` runs, as Python does, and
                // stored (`SigParam::stored_default`).
                Some(d) if ty == Ty::Object => {
                    let text = cx.default_source(&d.span);
                    let text = text.as_str();
                    if text.contains('\n') {
                        return fallback(&d.span, format!("the default of `{}` spans lines", p.name));
                    }
                    // The residual evaluates it: module C variables through their getters.
                    (None, Some(crate::frontend::module_consts::with_getters(text, &cx.c_vars)))
                }
                Some(_) if accepts_none => (None, Some("None".to_string())),
                Some(d) => match const_of(d) {
                    // Cython refuses it at compile time; compiled, every call
                    // relying on the default would raise TypeError.
                    Some(Const::Float(_)) if matches!(ty, Ty::Int(_)) => {
                        return error(
                            Diagnostic::error(d.span.clone(), format!("the default of `{}` is a float, but the parameter is {ty}", p.name))
                                .with_label("not an integer")
                                .with_hint(format!("give an integer default, or annotate `{}` as a float type", p.name)),
                        )
                    }
                    Some(k) => (Some(k), Some(cx.source_text(&d.span).to_string())),
                    None => return fallback(&d.span, format!("the default of `{}` is not a number literal", p.name)),
                },
            };
            c.params.push(SigParam { name: p.name.clone(), ty, kind: p.kind, default, default_src, accepts_none });
        }
        if c.generator {
            if !c.exported || c.ccall {
                return fallback(span, "it is a `cfunc`/`ccall` generator, which stays Python");
            }
            if c.params.iter().any(|p| matches!(p.ty, Ty::View(_))) {
                return fallback(span, "it uses `yield` with a memoryview parameter, which is not compiled yet");
            }
            c.declared_ret = Some(Ty::Object);
        }
        if c.declared_ret.is_none() {
            if let Some(r) = &def.returns {
                c.declared_ret = Some(cx.resolve_type(r)?);
            }
        }
        if c.declared_ret.is_none() && !returns_a_value(&def.body) {
            c.declared_ret = Some(Ty::Void);
        }
        if matches!(c.declared_ret, Some(Ty::View(_))) {
            return fallback(span, "it returns a memoryview (only parameters are compiled)");
        }
        if c.exported && (c.declared_ret.is_some_and(Ty::is_pointer) || c.params.iter().any(|p| p.ty.is_pointer())) {
            return fallback(span, "it takes or returns a C pointer, which Python cannot pass (only a `@cython.cfunc` can, called from compiled code)");
        }
        if let Some(Stmt { kind: StmtKind::Expr(Expr { kind: ExprKind::Str(doc), .. }), .. }) = def.body.first() {
            c.doc = Some(doc.clone());
        }
        Ok(c)
    }

    fn decorator(&mut self, cx: &ModuleCx, d: &Expr) -> R<()> {
        let (func, args, kw) = match &d.kind {
            ExprKind::Call { func, args, keywords } => (func.as_ref(), args.as_slice(), keywords.as_slice()),
            _ => (d, &[][..], &[][..]),
        };
        let called = matches!(d.kind, ExprKind::Call { .. });
        let name = match cx.binding_of(func) {
            Some(Binding::CythonAttr(n)) => n,
            _ => return fallback(&d.span, format!("it is decorated with `{}`", cx.source_text(&d.span))),
        };
        // The shim (like Cython's shadow module) has more decorators than we
        // compile; the function then stays Python, where the shim applies it.
        let unknown = || fallback(&d.span, format!("it is decorated with `cython.{name}`, which pyc-aot does not compile"));
        match name.as_str() {
            n if vocab::TEST_DECORATORS.contains(&n) && called => Ok(()),
            "nogil" if called && matches!((args, kw), ([Expr { kind: ExprKind::Bool(_), .. }], [])) => {
                self.nogil = matches!(args, [Expr { kind: ExprKind::Bool(true), .. }]);
                Ok(())
            }
            "cfunc" | "ccall" | "inline" | "nogil" | "with_gil" | "final" if !called => {
                match name.as_str() {
                    "cfunc" => self.exported = false,
                    "ccall" => {
                        self.exported = true;
                        self.ccall = true;
                    }
                    "inline" => self.inline_hint = true,
                    "nogil" => self.nogil = true,
                    _ => {}
                }
                Ok(())
            }
            n if vocab::BOOL_DIRECTIVES.contains(&n) => {
                let v = bool_arg(cx, d, n, args, kw)?;
                if !called {
                    return bool_arg(cx, d, n, &[], &[]).map(|_| ());
                }
                self.directives.set(n, v);
                Ok(())
            }
            "locals" if called => {
                if let Some(a) = args.first() {
                    return error(Diagnostic::error(a.span.clone(), "`cython.locals` takes only keyword arguments").with_hint("write `@cython.locals(i=cython.int, x=cython.double)`"));
                }
                for k in kw {
                    let Some(n) = &k.name else {
                        return error(Diagnostic::error(k.span.clone(), "`cython.locals` takes only `name=type` arguments"));
                    };
                    let t = cx.resolve_type(&k.value)?;
                    self.declared_locals.insert(n.clone(), t);
                }
                Ok(())
            }
            "returns" if called => match (args, kw) {
                ([t], []) => {
                    self.declared_ret = Some(cx.resolve_type(t)?);
                    Ok(())
                }
                _ => error(Diagnostic::error(d.span.clone(), "`cython.returns` takes exactly one type").with_hint("write `@cython.returns(cython.double)`")),
            },
            "exceptval" if called => {
                let value_ok = match args {
                    [] => true,
                    [v] => const_of(v).is_some(),
                    _ => false,
                };
                let kw_ok = kw.iter().all(|k| k.name.as_deref() == Some("check") && matches!(k.value.kind, ExprKind::Bool(_)));
                let value = match args.first().and_then(const_of) {
                    Some(Const::Int(v)) => Some(ExceptValue::Int(v)),
                    Some(Const::Float(v)) => Some(ExceptValue::Float(v.to_bits())),
                    _ => None,
                };
                if value_ok && kw_ok && (args.is_empty() || value.is_some()) {
                    let check = kw.iter().find_map(|k| match k.value.kind {
                        ExprKind::Bool(b) => Some(b),
                        _ => None,
                    });
                    self.exceptval = Some((value, check));
                    Ok(())
                } else {
                    fallback(&d.span, "`cython.exceptval` with arguments other than a number literal and `check=True|False`")
                }
            }
            "cfunc" | "ccall" | "inline" | "locals" | "returns" | "exceptval" | "nogil" | "with_gil" | "final" => error(
                Diagnostic::error(d.span.clone(), format!("`cython.{name}` used the wrong way as a decorator"))
                    .with_hint(if called {
                        format!("`@cython.{name}` takes no arguments")
                    } else {
                        format!("`@cython.{name}(...)` needs arguments")
                    }),
            ),
            _ => unknown(),
        }
    }
}

/// Whether any `return` in the body (outside nested functions) has a value.
fn returns_a_value(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Return(Some(Expr { kind: ExprKind::NoneLit, .. })) | StmtKind::Return(None) => false,
        StmtKind::Return(Some(_)) => true,
        StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
            returns_a_value(body) || returns_a_value(orelse)
        }
        StmtKind::Other { body, .. } | StmtKind::With { body, .. } => returns_a_value(body),
        StmtKind::Try { .. } => s.kind.try_blocks().into_iter().any(|b| returns_a_value(b)),
        _ => false,
    })
}
