//! Typing one function body into HIR, and the module-wide fixpoint that
//! infers return types and drops functions that must stay Python.

use super::vocab::{self, MathItem};
use super::{error, fallback, Binding, Directives, ModuleCx, Problem};
use crate::diag::Diagnostic;
use crate::hir::{self, ArithOp, CmpOp, Const, ExprKind as H, FuncId, LocalId, MathOp, UnOp};
use crate::syntax::{self, BinOp, Expr, ExprKind, ParamKind, Span, Stmt, StmtKind};
use crate::types::{Ty, F64};
use std::collections::{HashMap, HashSet};

type R<T> = Result<T, Problem>;

pub(crate) struct SigParam {
    pub name: String,
    pub ty: Ty,
    pub kind: ParamKind,
    pub default: Option<Const>,
    pub default_src: Option<String>,
    /// A memoryview parameter declared `= None`: None is accepted.
    pub accepts_none: bool,
}

/// A top-level function the front end is trying to compile.
pub(crate) struct Candidate<'a> {
    pub def: &'a syntax::FunctionDef,
    pub name: String,
    pub exported: bool,
    pub inline_hint: bool,
    pub directives: Directives,
    pub params: Vec<SigParam>,
    pub declared_ret: Option<Ty>,
    pub declared_locals: HashMap<String, Ty>,
    pub doc: Option<String>,
    pub line: u32,
    pub span: Span,
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

fn const_of(e: &Expr) -> Option<Const> {
    match &e.kind {
        ExprKind::Int(Some(v)) => i64::try_from(*v).ok().map(Const::Int),
        ExprKind::Float(f) => Some(Const::Float(*f)),
        ExprKind::Bool(b) => Some(Const::Bool(*b)),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } => match const_of(operand)? {
            Const::Int(v) => v.checked_neg().map(Const::Int),
            Const::Float(f) => Some(Const::Float(-f)),
            Const::Bool(b) => Some(Const::Int(-(b as i64))),
        },
        _ => None,
    }
}

impl<'a> Candidate<'a> {
    pub fn new(cx: &ModuleCx, def: &'a syntax::FunctionDef, span: &Span) -> R<Candidate<'a>> {
        if def.is_async {
            return fallback(span, "it is an `async def`");
        }
        let mut c = Candidate {
            def,
            name: def.name.clone(),
            exported: true,
            inline_hint: false,
            directives: cx.directives,
            params: vec![],
            declared_ret: None,
            declared_locals: HashMap::new(),
            doc: None,
            line: cx.line(span),
            span: span.clone(),
        };
        for d in &def.decorators {
            c.decorator(cx, d)?;
        }
        if let Some(s) = def.vararg.as_ref().or(def.kwarg.as_ref()) {
            return fallback(s, "it takes `*args` or `**kwargs`");
        }
        for p in &def.params {
            let ty = match (&p.annotation, c.declared_locals.get(&p.name)) {
                (_, Some(t)) => *t,
                (Some(a), None) => cx.resolve_type(a)?,
                (None, None) => return fallback(&p.span, format!("parameter `{}` has no type annotation", p.name)),
            };
            if ty == Ty::Void {
                return fallback(&p.span, format!("parameter `{}` is annotated None", p.name));
            }
            let optional = p.annotation.as_ref().is_some_and(|a| cx.optional_view(a).is_some());
            let accepts_none =
                matches!(ty, Ty::View(_)) && (optional || matches!(p.default.as_ref().map(|d| &d.kind), Some(ExprKind::NoneLit)));
            let (default, default_src) = match &p.default {
                None => (None, None),
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
            "nogil" if called && matches!((args, kw), ([Expr { kind: ExprKind::Bool(_), .. }], [])) => Ok(()),
            "cfunc" | "ccall" | "inline" | "nogil" | "with_gil" | "final" if !called => {
                match name.as_str() {
                    "cfunc" => self.exported = false,
                    "ccall" => self.exported = true,
                    "inline" => self.inline_hint = true,
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
                if value_ok && kw_ok {
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
        _ => false,
    })
}

/// Whether control can reach the end of `body`, where Python returns None.
/// Conservative: `true` unless every path returns, raises or loops forever.
fn may_fall_off(body: &[Stmt]) -> bool {
    let Some(last) = body.last() else { return true };
    match &last.kind {
        StmtKind::Return(_) | StmtKind::Raise { .. } => false,
        StmtKind::If { body, orelse, .. } => may_fall_off(body) || may_fall_off(orelse),
        StmtKind::With { body, .. } => may_fall_off(body),
        StmtKind::While { test, body, orelse } => {
            let forever = match test.kind {
                ExprKind::Bool(b) => b,
                ExprKind::Int(Some(n)) => n != 0,
                _ => false,
            };
            breaks_out(body) || (!forever && may_fall_off(orelse))
        }
        StmtKind::For { body, orelse, .. } => breaks_out(body) || may_fall_off(orelse),
        _ => true,
    }
}

/// Whether a `break` of this loop (not of a nested one) occurs in `body`.
fn breaks_out(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::If { body, orelse, .. } => breaks_out(body) || breaks_out(orelse),
        StmtKind::With { body, .. } | StmtKind::Other { body, .. } => breaks_out(body),
        _ => false,
    })
}

/// Types every candidate; returns the compiled functions. Functions outside the
/// native subset, and those calling them, are moved to `left`.
pub(crate) fn check_all(
    cx: &ModuleCx,
    mut set: Vec<Candidate>,
    left: &mut Vec<hir::LeftToPython>,
) -> Result<Vec<hir::Function>, Vec<Diagnostic>> {
    loop {
        let ids: HashMap<String, FuncId> =
            set.iter().enumerate().map(|(i, c)| (c.name.clone(), FuncId(i as u32))).collect();
        let mut rets: HashMap<String, Ty> =
            set.iter().filter_map(|c| c.declared_ret.map(|t| (c.name.clone(), t))).collect();
        let mut local_types: Vec<HashMap<String, Ty>> = set.iter().map(|_| HashMap::new()).collect();
        for _round in 0..12 {
            let mut changed = false;
            for (i, c) in set.iter().enumerate() {
                let mut ck = Checker::new(cx, &set, &ids, &rets, c, &local_types[i], true);
                let _ = ck.function_body();
                if ck.local_types != local_types[i] {
                    local_types[i] = ck.local_types.clone();
                    changed = true;
                }
                if c.declared_ret.is_none() {
                    if let Some(Some(t)) = ck.ret_seen {
                        if rets.get(&c.name) != Some(&t) {
                            rets.insert(c.name.clone(), t);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut functions = vec![];
        let mut errors = vec![];
        let mut dropped = vec![];
        for (i, c) in set.iter().enumerate() {
            let mut ck = Checker::new(cx, &set, &ids, &rets, c, &local_types[i], false);
            match ck.finish(FuncId(i as u32)) {
                Ok(f) => functions.push(f),
                Err(Problem::Error(d)) => errors.push(d),
                Err(Problem::Fallback { span, reason }) => dropped.push((i, span, reason)),
                Err(Problem::Pending) => dropped.push((i, c.span.clone(), "its types could not be inferred".into())),
            }
        }
        // A caller's error may come from a callee that stays Python (a
        // generator typed as returning None): drop first, then judge again.
        if dropped.is_empty() {
            return if errors.is_empty() { Ok(functions) } else { Err(errors) };
        }
        for (i, span, reason) in dropped.iter().rev() {
            let (line, col) = cx.src.line_col(span.start);
            left.push(hir::LeftToPython { kind: "function", function: set[*i].name.clone(), line, col, reason: reason.clone() });
            set.remove(*i);
        }
    }
}

struct Checker<'c, 'a> {
    cx: &'c ModuleCx<'a>,
    set: &'c [Candidate<'a>],
    ids: &'c HashMap<String, FuncId>,
    rets: &'c HashMap<String, Ty>,
    me: &'c Candidate<'a>,
    infer: bool,
    /// Names that are local to the function (Python's scoping rule).
    local_names: HashSet<String>,
    declared: HashMap<String, Ty>,
    /// Locals declared as fixed-size C arrays, with their shapes.
    c_arrays: HashMap<String, Vec<u64>>,
    local_types: HashMap<String, Ty>,
    locals: Vec<hir::Local>,
    local_ids: HashMap<String, LocalId>,
    loop_depth: u32,
    /// Join of the returned types seen (`Some(None)` once they fail to join).
    ret_seen: Option<Option<Ty>>,
}

impl<'c, 'a> Checker<'c, 'a> {
    fn new(
        cx: &'c ModuleCx<'a>,
        set: &'c [Candidate<'a>],
        ids: &'c HashMap<String, FuncId>,
        rets: &'c HashMap<String, Ty>,
        me: &'c Candidate<'a>,
        inferred: &HashMap<String, Ty>,
        infer: bool,
    ) -> Self {
        let mut local_names: HashSet<String> = me.params.iter().map(|p| p.name.clone()).collect();
        let mut names = vec![];
        me.def.body.iter().for_each(|s| syntax::bound_names(s, &mut names));
        local_names.extend(names);
        let mut ck = Checker {
            cx,
            set,
            ids,
            rets,
            me,
            infer,
            local_names,
            declared: me.declared_locals.clone(),
            c_arrays: HashMap::new(),
            local_types: inferred.clone(),
            locals: vec![],
            local_ids: HashMap::new(),
            loop_depth: 0,
            ret_seen: None,
        };
        for p in &me.params {
            ck.declared.insert(p.name.clone(), p.ty);
            ck.local_id(&p.name, p.ty);
        }
        ck
    }

    fn finish(&mut self, id: FuncId) -> R<hir::Function> {
        let body = self.function_body()?;
        let ret = match (self.me.declared_ret, self.rets.get(&self.me.name)) {
            (Some(t), _) | (None, Some(&t)) => t,
            (None, None) => return fallback(&self.me.span, "its return type could not be inferred"),
        };
        if self.me.declared_ret.is_none() && ret != Ty::Void && may_fall_off(&self.me.def.body) {
            return fallback(
                &self.me.span,
                format!("it returns {ret} on some paths and None (by reaching its end) on others"),
            );
        }
        if let Ty::View(_) = ret {
            return fallback(&self.me.span, "it returns a memoryview (only parameters are compiled)");
        }
        let params = self
            .me
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| hir::Param {
                name: p.name.clone(),
                ty: p.ty,
                local: LocalId(i as u32),
                kind: p.kind,
                default: p.default.map(|d| const_to(d, p.ty)),
                accepts_none: p.accepts_none,
                default_src: p.default_src.clone(),
            })
            .collect();
        Ok(hir::Function {
            id,
            name: self.me.name.clone(),
            exported: self.me.exported,
            doc: self.me.doc.clone(),
            params,
            ret,
            locals: std::mem::take(&mut self.locals),
            body,
            line: self.me.line,
            inline_hint: self.me.inline_hint,
            cdivision: self.me.directives.cdivision,
            overflowcheck: self.me.directives.overflowcheck,
            boundscheck: self.me.directives.boundscheck,
            wraparound: self.me.directives.wraparound,
            associative_math: self.me.directives.associative_math,
        })
    }

    fn function_body(&mut self) -> R<Vec<hir::Stmt>> {
        self.prescan_declarations(&self.me.def.body)?;
        self.materialize_c_arrays();
        let body = &self.me.def.body;
        let skip_doc = usize::from(self.me.doc.is_some());
        self.block(&body[skip_doc..])
    }

    /// Annotations and `cython.declare` fix a local's type for the whole function.
    fn prescan_declarations(&mut self, body: &[Stmt]) -> R<()> {
        for s in body {
            match &s.kind {
                StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), span }, annotation, value } => {
                    if let Some((elem, dims)) = self.cx.resolve_c_array(annotation)? {
                        if value.is_some() {
                            return fallback(span, "it initialises a C array from a value (only zero-initialised C arrays are compiled)");
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
                                if args.len() > 1 {
                                    return fallback(span, "it initialises a C array from a value (only zero-initialised C arrays are compiled)");
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
                _ => {}
            }
        }
        Ok(())
    }

    fn declare_call_type(&self, value: &Expr) -> R<Option<Ty>> {
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

    fn declare(&mut self, name: &str, t: Ty, span: &Span) -> R<()> {
        if t == Ty::Void {
            return fallback(span, format!("local `{name}` is declared None"));
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

    fn local_ty(&self, name: &str) -> Option<Ty> {
        self.declared.get(name).or_else(|| self.local_types.get(name)).copied()
    }

    fn local_id(&mut self, name: &str, ty: Ty) -> LocalId {
        if let Some(id) = self.local_ids.get(name) {
            return *id;
        }
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(hir::Local { name: name.to_string(), ty, c_array: self.c_arrays.get(name).cloned() });
        self.local_ids.insert(name.to_string(), id);
        id
    }

    fn line(&self, span: &Span) -> u32 {
        self.cx.line(span)
    }

    fn block(&mut self, body: &[Stmt]) -> R<Vec<hir::Stmt>> {
        let mut out = vec![];
        for s in body {
            match self.stmt(s) {
                Ok(mut v) => out.append(&mut v),
                Err(_) if self.infer => {}
                Err(p) => return Err(p),
            }
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &Stmt) -> R<Vec<hir::Stmt>> {
        let line = self.line(&s.span);
        let one = |kind| Ok(vec![hir::Stmt { kind, line }]);
        match &s.kind {
            StmtKind::Pass => one(hir::StmtKind::Pass),
            StmtKind::Break | StmtKind::Continue => {
                if self.loop_depth == 0 {
                    let w = if matches!(s.kind, StmtKind::Break) { "break" } else { "continue" };
                    return error(Diagnostic::error(s.span.clone(), format!("'{w}' outside loop")).with_label("not inside a `for` or `while`"));
                }
                one(if matches!(s.kind, StmtKind::Break) { hir::StmtKind::Break } else { hir::StmtKind::Continue })
            }
            StmtKind::Expr(e) => match &e.kind {
                ExprKind::Str(_) | ExprKind::Ellipsis | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::NoneLit => Ok(vec![]),
                ExprKind::Call { func, args, .. }
                    if args.is_empty() && self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) =>
                {
                    Ok(vec![])
                }
                _ => {
                    let v = self.expr(e)?;
                    one(hir::StmtKind::Expr(v))
                }
            },
            StmtKind::Assign { targets, value } => self.assign(targets, value, line),
            StmtKind::AnnAssign { target, value, .. } => match (&target.kind, value) {
                (ExprKind::Name(_), None) => Ok(vec![]),
                (ExprKind::Name(n), Some(v)) => {
                    let v = self.expr(v)?;
                    let st = self.assign_to(n, v, &target.span)?;
                    one(st)
                }
                _ => fallback(&target.span, format!("it assigns to `{}`", self.cx.source_text(&target.span))),
            },
            StmtKind::AugAssign { target: Expr { kind: ExprKind::Subscript { value: base, index }, span: tspan }, op, value } => {
                let Some((id, v)) = self.view_local(base) else {
                    return fallback(tspan, format!("it assigns to `{}`", self.cx.source_text(tspan)));
                };
                // Indices are evaluated once, into hidden locals, as Python does.
                let indices = self.view_indices(v, index, tspan)?;
                let mut pairs = vec![];
                let mut temps = vec![];
                for (k, ix) in indices.into_iter().enumerate() {
                    let tmp = self.local_id(&format!("<index {k} line {line}>"), Ty::py_int());
                    temps.push(hir::Expr::local(tmp, Ty::py_int()));
                    pairs.push((tmp, ix));
                }
                let cur = hir::Expr { kind: H::Index { view: id, indices: temps.clone(), in_bounds: vec![] }, ty: v.elem.ty() };
                let rhs = self.operand(value)?;
                let new = self.binop(*op, cur, rhs, &s.span)?;
                let new = self.coerce(new, v.elem.ty(), &s.span, "a memoryview element")?;
                let mut out = vec![];
                if !pairs.is_empty() {
                    out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
                }
                out.push(hir::Stmt { kind: hir::StmtKind::Store { view: id, indices: temps, value: new, in_bounds: vec![], checked_by_load: false }, line });
                Ok(out)
            }
            StmtKind::AugAssign { target, op, value } => {
                let ExprKind::Name(n) = &target.kind else {
                    return fallback(&target.span, format!("it assigns to `{}`", self.cx.source_text(&target.span)));
                };
                let cur = self.expr(target)?;
                let rhs = self.operand(value)?;
                let v = self.binop(*op, cur, rhs, &s.span)?;
                let st = self.assign_to(n, v, &target.span)?;
                one(st)
            }
            StmtKind::If { test, body, orelse } => {
                let cond = self.cond(test)?;
                let then = self.block(body)?;
                let orelse = self.block(orelse)?;
                one(hir::StmtKind::If { cond, then, orelse })
            }
            StmtKind::While { test, body, orelse } => {
                let cond = self.cond(test)?;
                self.loop_depth += 1;
                let b = self.block(body);
                self.loop_depth -= 1;
                let body = b?;
                let orelse = self.block(orelse)?;
                one(hir::StmtKind::While { cond, body, orelse })
            }
            StmtKind::For { target, iter, body, orelse } => self.for_range(target, iter, body, orelse, line),
            StmtKind::Return(value) => self.ret(value.as_ref(), &s.span, line),
            StmtKind::Raise { exc, cause } => {
                if cause.is_some() {
                    return fallback(&s.span, "it uses `raise … from …`");
                }
                let Some(exc) = exc else { return fallback(&s.span, "it uses a bare `raise`") };
                let (name_expr, msg) = match &exc.kind {
                    ExprKind::Call { func, args, keywords } if keywords.is_empty() => match args.as_slice() {
                        [] => (func.as_ref(), None),
                        [Expr { kind: ExprKind::Str(m), .. }] => (func.as_ref(), Some(m.clone())),
                        _ => return fallback(&exc.span, "it raises an exception whose message is not a string literal"),
                    },
                    _ => (exc, None),
                };
                match &name_expr.kind {
                    ExprKind::Name(n) if !self.shadowed(n) => match vocab::builtin_exception(n) {
                        Some(sym) => one(hir::StmtKind::Raise { exc: sym, msg }),
                        None => fallback(&exc.span, format!("it raises `{n}`, which is not a builtin exception compiled code can raise")),
                    },
                    _ => fallback(&exc.span, format!("it raises `{}`", self.cx.source_text(&exc.span))),
                }
            }
            StmtKind::Assert { test, msg } => {
                let msg = match msg.as_ref().map(|m| &m.kind) {
                    None => None,
                    Some(ExprKind::Str(m)) => Some(m.clone()),
                    Some(_) => return fallback(&s.span, "its `assert` message is not a string literal"),
                };
                let cond = self.cond(test)?;
                one(hir::StmtKind::Assert { cond, msg })
            }
            StmtKind::With { items, body } => {
                // Compiled code never holds the GIL's release points: `with
                // cython.nogil:` / `with cython.gil:` change nothing here.
                for item in items {
                    match self.cx.binding_of(item) {
                        Some(Binding::CythonAttr(n)) if n == "nogil" || n == "gil" => {}
                        _ => return fallback(&item.span, format!("it uses `with {}`", self.cx.source_text(&item.span))),
                    }
                }
                self.block(body)
            }
            StmtKind::FunctionDef(f) => fallback(&s.span, format!("it defines the nested function `{}`", f.name)),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => fallback(&s.span, "it imports inside the function"),
            StmtKind::Global(_) => fallback(&s.span, "it uses `global`"),
            StmtKind::Other { what, .. } => fallback(&s.span, format!("it uses {what}")),
        }
    }

    fn cond(&mut self, e: &Expr) -> R<hir::Expr> {
        let v = self.expr(e)?;
        self.truthy(v, &e.span)
    }

    fn truthy(&self, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        match v.ty {
            Ty::Bool => Ok(v),
            Ty::Int(_) | Ty::Float(_) => Ok(hir::Expr { kind: H::Truthy(Box::new(v)), ty: Ty::Bool }),
            Ty::Void => fallback(span, "it uses the None result of a call as a value"),
            Ty::View(_) => fallback(span, "it takes the truth value of a memoryview"),
        }
    }

    fn assign(&mut self, targets: &[Expr], value: &Expr, line: u32) -> R<Vec<hir::Stmt>> {
        if let [Expr { kind: ExprKind::Name(n), .. }] = targets {
            if self.c_arrays.contains_key(n) {
                if let ExprKind::Call { func, .. } = &value.kind {
                    if self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) {
                        return Ok(vec![]);
                    }
                }
            }
        }
        if let Some(_t) = self.declare_call_type(value)? {
            // `x = cython.declare(T)` only declares; `cython.declare(T, v)` also assigns v.
            let ExprKind::Call { args, .. } = &value.kind else { unreachable!("checked by declare_call_type") };
            return match (args.get(1), targets) {
                (None, _) => Ok(vec![]),
                (Some(v), [t @ Expr { kind: ExprKind::Name(n), .. }]) => {
                    let v = self.expr(v)?;
                    Ok(vec![hir::Stmt { kind: self.assign_to(n, v, &t.span)?, line }])
                }
                _ => fallback(&value.span, "`cython.declare` assigned to something other than one name"),
            };
        }
        match targets {
            [t] => match (&t.kind, &value.kind) {
                (ExprKind::Name(n), _) => {
                    let v = self.expr(value)?;
                    Ok(vec![hir::Stmt { kind: self.assign_to(n, v, &t.span)?, line }])
                }
                (ExprKind::Subscript { value: base, index }, _) => {
                    let Some((id, v)) = self.view_local(base) else {
                        return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                    };
                    let items: Vec<&Expr> = match &index.kind {
                        ExprKind::Tuple(items) => items.iter().collect(),
                        _ => vec![index.as_ref()],
                    };
                    let slicing = items.len() < v.ndim as usize
                        || items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis));
                    if slicing {
                        return self.fill(id, v, &items, index, value, &t.span, line);
                    }
                    let indices = self.view_indices(v, index, &t.span)?;
                    let val = self.expr(value)?;
                    let val = self.coerce(val, v.elem.ty(), &value.span, "a memoryview element")?;
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Store { view: id, indices, value: val, in_bounds: vec![], checked_by_load: false }, line }])
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs))
                    if ts.len() == vs.len() && ts.iter().any(|t| matches!(t.kind, ExprKind::Subscript { .. })) =>
                {
                    // `a[i], a[j] = a[j], a[i]`: all values first (into hidden locals),
                    // then each target left to right, its indices evaluated then.
                    let mut out = vec![];
                    let mut temps = vec![];
                    let mut pairs = vec![];
                    for (k, v) in vs.iter().enumerate() {
                        let x = self.expr(v)?;
                        if !x.ty.is_numeric() {
                            return fallback(&v.span, "it unpacks a non-number into a memoryview element");
                        }
                        let tmp = self.local_id(&format!("<value {k} line {line}>"), x.ty);
                        temps.push(hir::Expr::local(tmp, x.ty));
                        pairs.push((tmp, x));
                    }
                    out.push(hir::Stmt { kind: hir::StmtKind::Assign(pairs), line });
                    for (t, v) in ts.iter().zip(temps) {
                        let kind = match &t.kind {
                            ExprKind::Name(n) => self.assign_to(n, v, &t.span)?,
                            ExprKind::Subscript { value: base, index } => {
                                let Some((id, view)) = self.view_local(base) else {
                                    return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                                };
                                let indices = self.view_indices(view, index, &t.span)?;
                                let v = self.coerce(v, view.elem.ty(), &t.span, "a memoryview element")?;
                                hir::StmtKind::Store { view: id, indices, value: v, in_bounds: vec![], checked_by_load: false }
                            }
                            _ => return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
                        };
                        out.push(hir::Stmt { kind, line });
                    }
                    Ok(out)
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs)) if ts.len() == vs.len() => {
                    let mut values = vec![];
                    for v in vs {
                        values.push(self.expr(v)?);
                    }
                    let mut pairs = vec![];
                    for (t, v) in ts.iter().zip(values) {
                        let ExprKind::Name(n) = &t.kind else {
                            return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                        };
                        match self.assign_to(n, v, &t.span)? {
                            hir::StmtKind::Assign(mut p) => pairs.append(&mut p),
                            _ => unreachable!("assign_to yields Assign"),
                        }
                    }
                    Ok(vec![hir::Stmt { kind: hir::StmtKind::Assign(pairs), line }])
                }
                (ExprKind::Tuple(ts), ExprKind::Tuple(vs)) => error(
                    Diagnostic::error(value.span.clone(), format!("cannot unpack {} values into {} names", vs.len(), ts.len()))
                        .with_label("wrong number of values"),
                ),
                (ExprKind::Tuple(_), _) => fallback(&value.span, "it unpacks a value that is not a tuple literal"),
                _ => fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span))),
            },
            _ => {
                // `a = b = v`: v is evaluated once and assigned left to right.
                let mut out = vec![];
                let v = self.expr(value)?;
                let mut prev: Option<hir::Expr> = None;
                for t in targets {
                    let ExprKind::Name(n) = &t.kind else {
                        return fallback(&t.span, format!("it assigns to `{}`", self.cx.source_text(&t.span)));
                    };
                    let value = prev.take().unwrap_or_else(|| v.clone());
                    let st = self.assign_to(n, value, &t.span)?;
                    if let hir::StmtKind::Assign(p) = &st {
                        let (id, _) = &p[0];
                        let ty = self.locals.get(id.0 as usize).map(|l| l.ty).unwrap_or(v.ty);
                        prev = Some(hir::Expr::local(*id, ty));
                    }
                    out.push(hir::Stmt { kind: st, line });
                }
                Ok(out)
            }
        }
    }

    fn assign_to(&mut self, name: &str, v: hir::Expr, span: &Span) -> R<hir::StmtKind> {
        if self.c_arrays.contains_key(name) {
            return fallback(span, "it assigns to a whole C array");
        }
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
        let id = self.local_id(name, ty);
        Ok(hir::StmtKind::Assign(vec![(id, v)]))
    }

    fn ret(&mut self, value: Option<&Expr>, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let v = match value {
            None => None,
            Some(Expr { kind: ExprKind::NoneLit, .. }) => None,
            Some(e) => Some(self.expr(e)?),
        };
        let seen = v.as_ref().map_or(Ty::Void, |v| v.ty);
        self.ret_seen = Some(match self.ret_seen {
            None => Some(seen),
            Some(Some(t)) => Ty::value_join(t, seen),
            Some(None) => None,
        });
        let declared = self.me.declared_ret.or_else(|| self.rets.get(&self.me.name).copied());
        let Some(ret) = declared else {
            return if self.infer { Ok(vec![]) } else { fallback(span, "its return type could not be inferred") };
        };
        let kind = match (v, ret) {
            (None, Ty::Void) => hir::StmtKind::Return(None),
            (None, t) => {
                if self.me.declared_ret.is_none() {
                    return fallback(span, "it returns both None and a number");
                }
                return fallback(span, format!("it returns None from a function declared to return {t}"));
            }
            (Some(v), Ty::Void) => {
                if self.me.declared_ret.is_none() {
                    return fallback(span, "it returns both None and a number");
                }
                return fallback(span, format!("it returns {} from a function declared to return None", v.ty));
            }
            (Some(v), t) => hir::StmtKind::Return(Some(self.coerce(v, t, span, "the return value")?)),
        };
        Ok(vec![hir::Stmt { kind, line }])
    }

    fn for_range(&mut self, target: &Expr, iter: &Expr, body: &[Stmt], orelse: &[Stmt], line: u32) -> R<Vec<hir::Stmt>> {
        let ExprKind::Name(var) = &target.kind else {
            return fallback(&target.span, "its `for` loop target is not a single name");
        };
        let ExprKind::Call { func, args, keywords } = &iter.kind else {
            return fallback(&iter.span, format!("it iterates over `{}`, not `range(...)`", self.cx.source_text(&iter.span)));
        };
        // `cython.parallel.prange` runs as a serial range (its nogil/schedule/
        // num_threads/chunksize options are accepted and change nothing).
        let prange = self.cx.binding_of(func) == Some(Binding::CythonAttr("parallel.prange".into()));
        if !prange && !matches!(&func.kind, ExprKind::Name(n) if n == "range" && !self.shadowed(n)) {
            return fallback(&iter.span, format!("it iterates over `{}`, not `range(...)`", self.cx.source_text(&iter.span)));
        }
        if prange {
            if let Some(k) = keywords.iter().find(|k| !matches!(k.name.as_deref(), Some("nogil" | "schedule" | "num_threads" | "chunksize"))) {
                return fallback(&k.span, format!("prange() with the keyword argument `{}`", k.name.as_deref().unwrap_or("**")));
            }
        }
        let keywords: &[syntax::Keyword] = if prange { &[] } else { keywords };
        if !keywords.is_empty() || args.is_empty() || args.len() > 3 || args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
            // CPython raises TypeError only when the loop runs.
            return fallback(&iter.span, format!("range() with {} positional and {} keyword arguments", args.len(), keywords.len()));
        }
        let mut vals = vec![];
        for a in args {
            let v = self.expr(a)?;
            match v.ty {
                Ty::Int(_) | Ty::Bool => vals.push(v),
                Ty::Float(_) => {
                    return error(
                        Diagnostic::error(a.span.clone(), "'float' object cannot be interpreted as an integer")
                            .with_label("range() needs integers")
                            .with_hint("convert with int(...)"),
                    )
                }
                Ty::Void => return fallback(&a.span, "it passes the None result of a call to range()"),
                Ty::View(_) => return fallback(&a.span, "it passes a memoryview to range()"),
            }
        }
        let arg_ty = vals
            .iter()
            .map(|v| if v.ty == Ty::Bool { Ty::py_int() } else { v.ty })
            .filter(|_| true)
            .reduce(|a, b| Ty::arith_join(a, b).unwrap_or(a))
            .unwrap_or(Ty::py_int());
        // Literal bounds adapt to a declared loop variable.
        let var_ty = match self.declared.get(var.as_str()) {
            Some(&t) => t,
            None if self.infer => {
                let lit_only = args.iter().all(|a| const_of(a).is_some());
                let t = match self.local_types.get(var.as_str()) {
                    Some(&old) => Ty::value_join(old, arg_ty).unwrap_or(old),
                    None if lit_only => Ty::py_int(),
                    None => arg_ty,
                };
                self.local_types.insert(var.clone(), t);
                t
            }
            None => match self.local_types.get(var.as_str()) {
                Some(&t) => t,
                None => return fallback(&target.span, format!("the type of `{var}` could not be inferred")),
            },
        };
        if !var_ty.is_int() {
            return error(
                Diagnostic::error(target.span.clone(), format!("loop variable `{var}` is {var_ty}, but range() yields integers"))
                    .with_label("not an integer type"),
            );
        }
        let one = hir::Expr::konst(Const::Int(1), var_ty);
        let zero = hir::Expr::konst(Const::Int(0), var_ty);
        // A constant bound outside a narrow variable's type is not folded into
        // it (that would wrap): the back end checks the range at run time, and
        // an all-constant range the variable cannot follow is refused here.
        let int_range = match var_ty {
            Ty::Int(t) if t.bits < 64 && t.signed => Some((-(1i64 << (t.bits - 1)), (1i64 << (t.bits - 1)) - 1)),
            Ty::Int(t) if t.bits < 64 => Some((0, (1i64 << t.bits) - 1)),
            _ => None,
        };
        if let Some((lo, hi)) = int_range {
            let consts: Vec<Option<i64>> = vals.iter().map(|v| if let Some(Const::Int(k)) = v.as_const() { Some(k) } else { None }).collect();
            if let Some(c) = consts.iter().copied().collect::<Option<Vec<i64>>>() {
                let (a, b, k) = match c[..] {
                    [b] => (0, b, 1),
                    [a, b] => (a, b, 1),
                    [a, b, k, ..] => (a, b, k),
                    _ => (0, 0, 1),
                };
                let last = if k > 0 && a < b {
                    Some(a as i128 + ((b as i128 - a as i128 - 1) / k as i128) * k as i128)
                } else if k < 0 && a > b {
                    Some(a as i128 - ((a as i128 - b as i128 - 1) / -(k as i128)) * -(k as i128))
                } else {
                    None
                };
                if let Some(last) = last {
                    let outside = |v: i128| v < lo as i128 || v > hi as i128;
                    if outside(a as i128) || outside(last) {
                        let bad = if outside(a as i128) { a as i128 } else { last };
                        return error(
                            Diagnostic::error(iter.span.clone(), format!("loop variable `{var}` is {var_ty}, which cannot hold {bad}"))
                                .with_label(format!("takes `{var}` outside {lo}..={hi}"))
                                .with_hint(format!("declare `{var}` with a wider integer type")),
                        );
                    }
                }
            }
        }
        let conv = |v: hir::Expr| -> R<hir::Expr> {
            if let (Some((lo, hi)), Some(Const::Int(k))) = (int_range, v.as_const()) {
                if k < lo || k > hi {
                    return Ok(hir::Expr { kind: H::Convert(Box::new(v)), ty: var_ty });
                }
            }
            self.coerce(v, var_ty, &iter.span, var)
        };
        let (start, stop, step) = match vals.len() {
            1 => (zero, conv(vals.remove(0))?, one),
            2 => {
                let start = conv(vals.remove(0))?;
                (start, conv(vals.remove(0))?, one)
            }
            _ => {
                let start = conv(vals.remove(0))?;
                let stop = conv(vals.remove(0))?;
                (start, stop, conv(vals.remove(0))?)
            }
        };
        let var_id = self.local_id(var, var_ty);
        self.loop_depth += 1;
        let b = self.block(body);
        self.loop_depth -= 1;
        let body = b?;
        let orelse = self.block(orelse)?;
        Ok(vec![hir::Stmt { kind: hir::StmtKind::ForRange { var: var_id, start, stop, step, body, orelse, plan: Default::default() }, line }])
    }

    /// A name that a builtin could be shadowed by: a local or any module-level binding.
    fn shadowed(&self, name: &str) -> bool {
        self.local_names.contains(name) || self.cx.module_names.contains(name)
    }

    /// Types an operand, turning a string or None literal into a clear type error later.
    fn operand(&mut self, e: &Expr) -> R<hir::Expr> {
        self.expr(e)
    }

    fn expr(&mut self, e: &Expr) -> R<hir::Expr> {
        match &e.kind {
            ExprKind::Name(n) => self.name(n, &e.span),
            ExprKind::Int(Some(v)) => {
                if let Ok(v) = i64::try_from(*v) {
                    Ok(hir::Expr::konst(Const::Int(v), Ty::py_int()))
                } else if let Ok(v) = u64::try_from(*v) {
                    let t = crate::types::cython_scalar("ulonglong").unwrap_or(Ty::py_int());
                    Ok(hir::Expr::konst(Const::Int(v as i64), t))
                } else {
                    fallback(&e.span, "it uses an integer literal wider than 64 bits")
                }
            }
            ExprKind::Int(None) => fallback(&e.span, "it uses an integer literal wider than 64 bits"),
            ExprKind::Float(f) => Ok(hir::Expr::konst(Const::Float(*f), F64)),
            ExprKind::Bool(b) => Ok(hir::Expr::konst(Const::Bool(*b), Ty::Bool)),
            ExprKind::NoneLit => fallback(&e.span, "it uses None as a value"),
            ExprKind::Str(_) => fallback(&e.span, "it uses a string"),
            ExprKind::Ellipsis => fallback(&e.span, "it uses `...` as a value"),
            ExprKind::BinOp { left, op, right } => {
                self.check_str_operands(left, *op, right, &e.span)?;
                // Outside int64 the operations themselves raise OverflowError,
                // as a compiled `int` does for a result outside int64.
                if let Some(v) = exact_literal(e).filter(|v| i64::try_from(*v).is_ok()) {
                    return Ok(hir::Expr::konst(Const::Int(v as i64), Ty::py_int()));
                }
                // An operand of literals in [2**63, 2**64) is typed as that
                // literal written out would be, for `wide_literal_operand`.
                let mut operand = |x: &Expr| match exact_literal(x).and_then(|v| u64::try_from(v).ok()).filter(|v| *v > i64::MAX as u64) {
                    Some(_) if matches!(x.kind, ExprKind::Int(_)) => self.expr(x),
                    Some(v) => self.expr(&Expr { kind: ExprKind::Int(Some(v as i128)), span: x.span.clone() }),
                    None => self.expr(x),
                };
                let l = operand(left)?;
                let r = operand(right)?;
                match wide_literal_operand(*op, l, r, &e.span)? {
                    Ok(rewritten) => Ok(rewritten),
                    Err((l, r)) => self.binop(*op, l, r, &e.span),
                }
            }
            ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } if matches!(operand.kind, ExprKind::Int(Some(_))) => {
                // `-9223372036854775808` is one literal to a reader, not the negation of an overflowing one.
                match (&operand.kind, const_of(e)) {
                    (_, Some(Const::Int(v))) => Ok(hir::Expr::konst(Const::Int(v), Ty::py_int())),
                    (ExprKind::Int(Some(v)), _) if -*v == i64::MIN as i128 => Ok(hir::Expr::konst(Const::Int(i64::MIN), Ty::py_int())),
                    _ => fallback(&e.span, "it uses an integer literal wider than 64 bits"),
                }
            }
            ExprKind::UnaryOp { op, operand } => {
                if let Some(v) = exact_literal(e).filter(|v| i64::try_from(*v).is_ok()) {
                    return Ok(hir::Expr::konst(Const::Int(v as i64), Ty::py_int()));
                }
                let v = self.expr(operand)?;
                self.unary(*op, v, &e.span)
            }
            ExprKind::BoolOp { op, values } => {
                let mut vs = vec![];
                for v in values {
                    vs.push(self.expr(v)?);
                }
                let ty = self.join_all(&vs, &e.span)?;
                let mut vs: Vec<hir::Expr> =
                    vs.into_iter().zip(values).map(|(v, s)| self.coerce(v, ty, &s.span, "operand")).collect::<R<_>>()?;
                let join = |a: hir::Expr, b: hir::Expr| {
                    let kind = match op {
                        syntax::BoolOp::And => H::And(Box::new(a), Box::new(b)),
                        syntax::BoolOp::Or => H::Or(Box::new(a), Box::new(b)),
                    };
                    hir::Expr { kind, ty }
                };
                // `and`/`or` are associative (value and evaluation order), so
                // a long chain becomes a balanced tree: every later pass
                // recurses log2(n) deep instead of n (365,000 operands are
                // valid Python). Short chains keep the usual right nesting.
                const BALANCE_FROM: usize = 64;
                while vs.len() > BALANCE_FROM {
                    let mut paired = Vec::with_capacity(vs.len() / 2 + 1);
                    let mut it = vs.into_iter();
                    while let Some(a) = it.next() {
                        paired.push(match it.next() {
                            Some(b) => join(a, b),
                            None => a,
                        });
                    }
                    vs = paired;
                }
                let Some(mut acc) = vs.pop() else {
                    return fallback(&e.span, "it has an `and`/`or` without operands");
                };
                while let Some(v) = vs.pop() {
                    acc = join(v, acc);
                }
                Ok(acc)
            }
            ExprKind::Compare { left, ops, comparators } => {
                // Python compares exactly with an int outside int64; natively
                // that literal cannot even be loaded, so such a test stays Python.
                let wide = std::iter::once(&**left).chain(comparators).find_map(|x| {
                    let v = exact_literal(x).or(match x.kind { ExprKind::Int(None) => Some(i128::MAX), _ => None })?;
                    i64::try_from(v).is_err().then_some(x)
                });
                if let Some(x) = wide {
                    return fallback(&x.span, "it compares with an integer literal outside int64");
                }
                self.compare(left, ops, comparators, &e.span)
            }
            ExprKind::Call { func, args, keywords } => self.call(e, func, args, keywords),
            ExprKind::IfExp { test, body, orelse } => {
                let cond = self.cond(test)?;
                let a = self.expr(body)?;
                let b = self.expr(orelse)?;
                // Types only: cloning the arms made conditional chains quadratic.
                let ty = self.join_tys(&[a.ty, b.ty], &e.span)?;
                let a = self.coerce(a, ty, &body.span, "operand")?;
                let b = self.coerce(b, ty, &orelse.span, "operand")?;
                Ok(hir::Expr { kind: H::IfExp { cond: Box::new(cond), then: Box::new(a), orelse: Box::new(b), select: false }, ty })
            }
            ExprKind::Attribute { value, attr } if self.view_local(value).is_some() => {
                let (_, v) = self.view_local(value).expect("checked by the guard");
                match attr.as_str() {
                    "ndim" => Ok(hir::Expr::konst(Const::Int(v.ndim as i64), Ty::py_int())),
                    _ => fallback(&e.span, format!("it uses the memoryview attribute `{attr}` as a value")),
                }
            }
            ExprKind::Attribute { .. } => match self.cx.binding_of(e) {
                Some(Binding::CythonAttr(a)) if a == "compiled" => Ok(hir::Expr::konst(Const::Bool(true), Ty::Bool)),
                Some(Binding::MathAttr(a)) => match vocab::python_math(&a) {
                    Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                    Some(_) => fallback(&e.span, format!("it uses `math.{a}` as a value")),
                    None if vocab::is_python_math_name(&a) => fallback(&e.span, format!("it uses `math.{a}` as a value")),
                    // CPython raises AttributeError only when this runs.
                    None => fallback(&e.span, format!("`math.{a}` is not a name of `math`")),
                },
                Some(Binding::LibcMathAttr(a)) => match vocab::libc_math(&a) {
                    Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                    _ => fallback(&e.span, format!("it uses `{a}` from libc.math as a value")),
                },
                _ => fallback(&e.span, format!("it reads the attribute `{}`", self.cx.source_text(&e.span))),
            },
            ExprKind::Subscript { value, index } => self.subscript(e, value, index),
            ExprKind::Slice { .. } => fallback(&e.span, "it uses a slice"),
            ExprKind::Tuple(_) => fallback(&e.span, "it uses a tuple value"),
            ExprKind::Starred(_) => fallback(&e.span, "it uses `*` unpacking"),
            ExprKind::Other(what) => fallback(&e.span, format!("it uses {what}")),
        }
    }

    /// `Name` of a local memoryview: its id and type.
    fn view_local(&self, e: &Expr) -> Option<(LocalId, crate::types::ViewTy)> {
        let ExprKind::Name(n) = &e.kind else { return None };
        if !self.local_names.contains(n) {
            return None;
        }
        match self.local_ty(n)? {
            Ty::View(v) => Some((*self.local_ids.get(n)?, v)),
            _ => None,
        }
    }

    /// Makes sure every declared C array has its local (and so its storage).
    fn materialize_c_arrays(&mut self) {
        let mut names: Vec<(String, Ty)> =
            self.c_arrays.keys().filter_map(|n| self.declared.get(n).map(|t| (n.clone(), *t))).collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (n, t) in names {
            self.local_id(&n, t);
        }
    }

    fn subscript(&mut self, e: &Expr, value: &Expr, index: &Expr) -> R<hir::Expr> {
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        if let ExprKind::Attribute { value: base, attr } = &value.kind {
            if let Some((id, v)) = self.view_local(base) {
                let dim = match attr.as_str() {
                    "shape" => hir::Dim::Shape,
                    "strides" => hir::Dim::Stride,
                    _ => return fallback(&e.span, format!("it indexes the memoryview attribute `{attr}`")),
                };
                let axis = match index.kind {
                    ExprKind::Int(Some(k)) => k,
                    _ => return fallback(&index.span, format!("it indexes `.{attr}` with a non-constant")),
                };
                if axis < 0 || axis >= v.ndim as i128 {
                    return error(
                        Diagnostic::error(index.span.clone(), format!("{attr} index {axis} out of range for a {}-dimensional memoryview", v.ndim))
                            .with_label("no such axis"),
                    );
                }
                return Ok(hir::Expr { kind: H::ViewDim { view: id, dim, axis: axis as u8 }, ty: ssize });
            }
        }
        let Some((id, v)) = self.view_local(value) else {
            return fallback(&e.span, format!("it indexes `{}`, which is not a typed memoryview", self.cx.source_text(&value.span)));
        };
        let items: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        if items.len() == v.ndim as usize && !items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis)) {
            let indices = self.view_indices(v, index, &e.span)?;
            return Ok(hir::Expr { kind: H::Index { view: id, indices, in_bounds: vec![] }, ty: v.elem.ty() });
        }
        self.slice_view(id, v, &items, &index.span)
    }

    /// `a[:] = x`, `m[i, :] = x`, `a[...] = x`: every element of the slice set
    /// to one scalar (evaluated once), as nested range loops over a view of it.
    #[allow(clippy::too_many_arguments)]
    fn fill(&mut self, id: LocalId, v: crate::types::ViewTy, items: &[&Expr], index: &Expr, value: &Expr, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let items: Vec<&Expr> = match items {
            [Expr { kind: ExprKind::Ellipsis, .. }] => vec![],
            _ => items.to_vec(),
        };
        let val = self.expr(value)?;
        if let Ty::View(sv) = val.ty {
            return self.copy_into(id, v, &items, index, val, sv, value, span, line);
        }
        if !val.ty.is_numeric() {
            return fallback(&value.span, "it assigns something other than a number or a memoryview to a slice");
        }
        let val = self.coerce(val, v.elem.ty(), &value.span, "a memoryview element")?;
        let target = if items.is_empty() {
            hir::Expr::local(id, Ty::View(v))
        } else {
            self.slice_view(id, v, &items, &index.span)?
        };
        let Ty::View(tv) = target.ty else { return fallback(span, "it assigns to a single element through a slice") };
        let view_local = self.local_id(&format!("<fill view line {line}>"), target.ty);
        let value_local = self.local_id(&format!("<fill value line {line}>"), val.ty);
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        let vars: Vec<LocalId> = (0..tv.ndim).map(|k| self.local_id(&format!("<fill {k} line {line}>"), ssize)).collect();
        let indices: Vec<hir::Expr> = vars.iter().map(|l| convert(hir::Expr::local(*l, ssize), Ty::py_int())).collect();
        let mut body = vec![hir::Stmt {
            kind: hir::StmtKind::Store { view: view_local, indices, value: hir::Expr::local(value_local, val.ty), in_bounds: vec![], checked_by_load: false },
            line,
        }];
        for (k, var) in vars.iter().enumerate().rev() {
            let stop = hir::Expr { kind: H::ViewDim { view: view_local, dim: hir::Dim::Shape, axis: k as u8 }, ty: ssize };
            body = vec![hir::Stmt {
                kind: hir::StmtKind::ForRange {
                    var: *var,
                    start: hir::Expr::konst(Const::Int(0), ssize),
                    stop,
                    step: hir::Expr::konst(Const::Int(1), ssize),
                    body,
                    orelse: vec![],
                    plan: Default::default(),
                },
                line,
            }];
        }
        let mut out = vec![hir::Stmt { kind: hir::StmtKind::Assign(vec![(view_local, target), (value_local, val)]), line }];
        out.extend(body);
        Ok(out)
    }

    /// `dst[...] = src` with `src` a memoryview: an element-wise copy.
    #[allow(clippy::too_many_arguments)]
    fn copy_into(
        &mut self,
        id: LocalId,
        v: crate::types::ViewTy,
        items: &[&Expr],
        index: &Expr,
        val: hir::Expr,
        sv: crate::types::ViewTy,
        value: &Expr,
        span: &Span,
        line: u32,
    ) -> R<Vec<hir::Stmt>> {
        let target = if items.is_empty() { hir::Expr::local(id, Ty::View(v)) } else { self.slice_view(id, v, items, &index.span)? };
        let Ty::View(tv) = target.ty else {
            return error(
                Diagnostic::error(value.span.clone(), "cannot assign a memoryview to a single element")
                    .with_label("a memoryview")
                    .with_hint("select a slice of the target (`a[i, :] = row`) to copy the elements"),
            );
        };
        if tv.elem != sv.elem {
            return error(
                Diagnostic::error(value.span.clone(), format!("cannot copy a memoryview of {} into one of {}", sv.elem.c_name(), tv.elem.c_name()))
                    .with_label(format!("elements of type {}", sv.elem.c_name()))
                    .with_hint("both memoryviews need the same element type; convert element by element in a loop"),
            );
        }
        if tv.ndim != sv.ndim {
            return error(
                Diagnostic::error(
                    span.clone(),
                    format!("cannot copy a {}-dimensional memoryview into a {}-dimensional slice", sv.ndim, tv.ndim),
                )
                .with_label("dimension counts differ")
                .with_hint("index or slice the target so both sides have the same number of dimensions"),
            );
        }
        let src_local = self.local_id(&format!("<copy source line {line}>"), val.ty);
        let dst_local = self.local_id(&format!("<copy target line {line}>"), target.ty);
        Ok(vec![
            // The value first, as Python evaluates it before the target's subscript.
            hir::Stmt { kind: hir::StmtKind::Assign(vec![(src_local, val), (dst_local, target)]), line },
            hir::Stmt { kind: hir::StmtKind::CopyView { dst: dst_local, src: src_local }, line },
        ])
    }

    /// `a[1:-1]`, `m[i]`, `m[:, j]`: a new view; the element type stays.
    fn slice_view(&mut self, id: LocalId, v: crate::types::ViewTy, items: &[&Expr], span: &Span) -> R<hir::Expr> {
        if items.len() > v.ndim as usize {
            return error(
                Diagnostic::error(span.clone(), format!("too many indices: the memoryview has {} dimension(s), got {}", v.ndim, items.len()))
                    .with_label("too many indices"),
            );
        }
        let mut axes = vec![];
        let mut kept: Vec<(usize, bool)> = vec![];
        let int_of = |ck: &mut Self, x: &Expr| -> R<Box<hir::Expr>> {
            let t = ck.expr(x)?;
            match t.ty {
                Ty::Int(_) | Ty::Bool => Ok(Box::new(convert(t, Ty::py_int()))),
                _ => error(Diagnostic::error(x.span.clone(), "slice indices must be integers").with_label("not an integer")),
            }
        };
        for (k, item) in items.iter().enumerate() {
            match &item.kind {
                ExprKind::Ellipsis => return fallback(&item.span, "it slices a memoryview with `...`"),
                ExprKind::Slice { lower, upper, step } => {
                    if let Some(st) = step {
                        if matches!(st.kind, ExprKind::Int(Some(0))) {
                            return error(Diagnostic::error(st.span.clone(), "slice step cannot be zero").with_label("zero step"));
                        }
                    }
                    let unit_step = step.as_ref().map_or(true, |st| matches!(st.kind, ExprKind::Int(Some(1))));
                    let lo = match lower { Some(x) => Some(int_of(self, x)?), None => None };
                    let hi = match upper { Some(x) => Some(int_of(self, x)?), None => None };
                    let st = match step { Some(x) => Some(int_of(self, x)?), None => None };
                    axes.push(hir::Axis::Range(lo, hi, st));
                    kept.push((k, unit_step));
                }
                _ => {
                    let x = self.expr(item)?;
                    match x.ty {
                        Ty::Int(_) | Ty::Bool => axes.push(hir::Axis::At(convert(x, Ty::py_int()))),
                        _ => return error(Diagnostic::error(item.span.clone(), "memoryview indices must be integers").with_label("not an integer")),
                    }
                }
            }
        }
        for k in items.len()..v.ndim as usize {
            axes.push(hir::Axis::Range(None, None, None));
            kept.push((k, true));
        }
        if kept.is_empty() {
            return fallback(span, "it indexes a memoryview into a scalar through a slice expression");
        }
        let last = v.ndim as usize - 1;
        // A row of a C-contiguous view, or a column of a Fortran one, is contiguous.
        let row = v.c_contig && kept.last().is_some_and(|(k, unit)| *k == last && *unit);
        let column = v.f_contig && kept.len() == 1 && kept[0] == (0, true);
        let ty = Ty::View(crate::types::ViewTy { elem: v.elem, ndim: kept.len() as u8, c_contig: row || column, f_contig: false });
        Ok(hir::Expr { kind: H::SliceView { view: id, axes }, ty })
    }

    /// One integer index per axis; anything else (slices, fewer indices) is slicing.
    fn view_indices(&mut self, v: crate::types::ViewTy, index: &Expr, span: &Span) -> R<Vec<hir::Expr>> {
        let items: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        if items.iter().any(|i| matches!(i.kind, ExprKind::Slice { .. } | ExprKind::Ellipsis)) || items.len() < v.ndim as usize {
            return fallback(span, "it slices a memoryview (views of views are not compiled yet)");
        }
        if items.len() > v.ndim as usize {
            return error(
                Diagnostic::error(index.span.clone(), format!("too many indices: the memoryview has {} dimension(s), got {}", v.ndim, items.len()))
                    .with_label("too many indices"),
            );
        }
        let mut out = vec![];
        for item in items {
            let x = self.expr(item)?;
            match x.ty {
                Ty::Int(_) | Ty::Bool => out.push(convert(x, Ty::py_int())),
                Ty::Float(_) => {
                    return error(
                        Diagnostic::error(item.span.clone(), "memoryview indices must be integers, not float")
                            .with_label("a float index")
                            .with_hint("convert with int(...)"),
                    )
                }
                _ => return fallback(&item.span, "it indexes a memoryview with a non-number"),
            }
        }
        Ok(out)
    }

    fn name(&mut self, n: &str, span: &Span) -> R<hir::Expr> {
        if self.local_names.contains(n) {
            return match self.local_ty(n) {
                Some(t) => {
                    let id = self.local_id(n, t);
                    Ok(hir::Expr::local(id, t))
                }
                None if self.infer => Err(Problem::Pending),
                None => fallback(span, format!("the type of `{n}` could not be inferred")),
            };
        }
        if let Some(b) = self.cx.bindings.get(n) {
            return match b {
                Binding::MathAttr(a) | Binding::LibcMathAttr(a) => {
                    let item = if matches!(b, Binding::MathAttr(_)) { vocab::python_math(a) } else { vocab::libc_math(a) };
                    match item {
                        Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                        _ => fallback(span, format!("it uses `{n}` as a value")),
                    }
                }
                _ => fallback(span, format!("it uses the module `{n}` as a value")),
            };
        }
        if self.ids.contains_key(n) {
            return fallback(span, format!("it uses the function `{n}` as a value"));
        }
        if self.cx.module_names.contains(n) {
            return fallback(span, format!("it reads the module-level global `{n}`"));
        }
        if vocab::is_python_builtin(n) || self.cx.star_import {
            return fallback(span, format!("it uses the builtin `{n}` as a value"));
        }
        error(
            Diagnostic::error(span.clone(), format!("name `{n}` is not defined"))
                .with_label("not a local, a module-level name or a builtin")
                .with_hint("check the spelling, or assign it before use"),
        )
    }

    /// `1.0 + "a"` is a TypeError in Python too: report it instead of compiling it.
    fn check_str_operands(&mut self, left: &Expr, op: BinOp, right: &Expr, span: &Span) -> R<()> {
        let is_nonnum = |e: &Expr| matches!(e.kind, ExprKind::Str(_) | ExprKind::NoneLit);
        if !is_nonnum(left) && !is_nonnum(right) {
            return Ok(());
        }
        let other = if is_nonnum(left) { right } else { left };
        let ty = match self.expr(other) {
            Ok(v) if v.ty.is_numeric() => v.ty,
            _ => return Ok(()),
        };
        let pyname = |e: &Expr, t: Ty| match e.kind {
            ExprKind::Str(_) => "str",
            ExprKind::NoneLit => "NoneType",
            _ => match t {
                Ty::Int(_) => "int",
                Ty::Float(_) => "float",
                Ty::Bool => "bool",
                Ty::Void => "NoneType",
                Ty::View(_) => "memoryview",
            },
        };
        let str_repeat = op == BinOp::Mul && ty.is_int() && matches!(left.kind, ExprKind::Str(_)) != matches!(right.kind, ExprKind::Str(_));
        let str_format = op == BinOp::Mod && matches!(left.kind, ExprKind::Str(_));
        if str_repeat || str_format {
            return fallback(span, "it uses string operations");
        }
        error(
            Diagnostic::error(
                span.clone(),
                format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), pyname(left, ty), pyname(right, ty)),
            )
            .with_label("this raises TypeError in Python too")
            .with_hint("convert one side explicitly, e.g. str(x) or float(s)"),
        )
    }

    fn join_all(&self, vs: &[hir::Expr], span: &Span) -> R<Ty> {
        self.join_tys(&vs.iter().map(|v| v.ty).collect::<Vec<_>>(), span)
    }

    fn join_tys(&self, tys: &[Ty], span: &Span) -> R<Ty> {
        let mut ty = tys[0];
        for &t in &tys[1..] {
            ty = match Ty::value_join(ty, t) {
                Some(j) => j,
                None => return fallback(span, format!("it mixes {ty} and {t} in one expression")),
            };
        }
        if ty == Ty::Void {
            return fallback(span, "it uses the None result of a call as a value");
        }
        Ok(ty)
    }

    fn numeric(&self, v: &hir::Expr, span: &Span) -> R<()> {
        match v.ty {
            Ty::Void => fallback(span, "it uses the None result of a call as a value"),
            Ty::View(_) => fallback(span, "it computes with a whole memoryview (only its elements are compiled)"),
            _ => Ok(()),
        }
    }

    fn binop(&mut self, op: BinOp, l: hir::Expr, r: hir::Expr, span: &Span) -> R<hir::Expr> {
        self.numeric(&l, span)?;
        self.numeric(&r, span)?;
        let bool_to_int = |v: hir::Expr| if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
        // Takes the operands by value: cloning them here made long sums quadratic.
        fn arith(op: ArithOp, l: hir::Expr, r: hir::Expr) -> R<hir::Expr> {
            if let Some(folded) = fold_literals(op, &l, &r) {
                return Ok(folded);
            }
            let t = literal_join(&l, &r);
            Ok(hir::Expr { kind: H::Binary(op, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
        }
        match op {
            BinOp::Add => arith(ArithOp::Add, l, r),
            BinOp::Sub => arith(ArithOp::Sub, l, r),
            BinOp::Mul => arith(ArithOp::Mul, l, r),
            BinOp::FloorDiv => arith(ArithOp::FloorDiv, l, r),
            BinOp::Mod => arith(ArithOp::Mod, l, r),
            BinOp::Div => {
                let t = literal_join(&l, &r);
                let result = if let Ty::Float(w) = t { Ty::Float(w) } else { F64 };
                Ok(hir::Expr { kind: H::Binary(ArithOp::Div, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: result })
            }
            BinOp::Pow => {
                let (l, r) = (bool_to_int(l), bool_to_int(r));
                match (l.ty, r.ty) {
                    (Ty::Int(_), Ty::Int(_)) => {
                        if matches!(r.as_const(), Some(Const::Int(v)) if v < 0) {
                            let kind = H::Binary(ArithOp::Pow, Box::new(convert(l, F64)), Box::new(convert(r, F64)));
                            return Ok(hir::Expr { kind, ty: F64 });
                        }
                        let t = literal_join(&l, &r);
                        Ok(hir::Expr { kind: H::Binary(ArithOp::Pow, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
                    }
                    _ => {
                        let t = literal_join(&l, &r);
                        Ok(hir::Expr { kind: H::Binary(ArithOp::Pow, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
                    }
                }
            }
            BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
                if l.ty.is_float() || r.ty.is_float() {
                    let name = |t: Ty| if t.is_float() { "float" } else { "int" };
                    return error(
                        Diagnostic::error(span.clone(), format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), name(l.ty), name(r.ty)))
                            .with_label("bit operations need integers")
                            .with_hint("convert with int(...)"),
                    );
                }
                let aop = match op {
                    BinOp::LShift => ArithOp::LShift,
                    BinOp::RShift => ArithOp::RShift,
                    BinOp::BitAnd => ArithOp::BitAnd,
                    BinOp::BitOr => ArithOp::BitOr,
                    _ => ArithOp::BitXor,
                };
                if let Some(folded) = fold_literals(aop, &l, &r) {
                    return Ok(folded);
                }
                if l.ty == Ty::Bool && r.ty == Ty::Bool && !matches!(op, BinOp::LShift | BinOp::RShift) {
                    return Ok(hir::Expr { kind: H::Binary(aop, Box::new(l), Box::new(r)), ty: Ty::Bool });
                }
                let (l, r) = (bool_to_int(l), bool_to_int(r));
                let t = if matches!(op, BinOp::LShift | BinOp::RShift) {
                    match l.ty {
                        Ty::Int(i) if !i.checked && i.bits < 32 => Ty::Int(crate::types::C_INT),
                        t if l.as_const().is_some() && r.ty.is_int() => literal_join(&l, &r).max_if_int(t),
                        t => t,
                    }
                } else {
                    literal_join(&l, &r)
                };
                Ok(hir::Expr { kind: H::Binary(aop, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
            }
            BinOp::MatMul => fallback(span, "it uses the `@` operator"),
        }
    }

    fn unary(&mut self, op: syntax::UnaryOp, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        self.numeric(&v, span)?;
        // C integer promotion: `-c` of a char is an int.
        let v = match v.ty {
            Ty::Int(t) if !t.checked && t.bits < 32 && op != syntax::UnaryOp::Not => convert(v, Ty::Int(crate::types::C_INT)),
            _ => v,
        };
        match op {
            syntax::UnaryOp::Not => {
                let b = self.truthy(v, span)?;
                Ok(hir::Expr { kind: H::Unary(UnOp::Not, Box::new(b)), ty: Ty::Bool })
            }
            syntax::UnaryOp::Pos => Ok(if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v }),
            syntax::UnaryOp::Neg => {
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                match v.as_const() {
                    Some(Const::Int(i)) if v.ty == Ty::py_int() && i != i64::MIN => Ok(hir::Expr::konst(Const::Int(-i), v.ty)),
                    Some(Const::Float(f)) => Ok(hir::Expr::konst(Const::Float(-f), v.ty)),
                    _ => {
                        let ty = v.ty;
                        Ok(hir::Expr { kind: H::Unary(UnOp::Neg, Box::new(v)), ty })
                    }
                }
            }
            syntax::UnaryOp::Invert => {
                if v.ty.is_float() {
                    return error(Diagnostic::error(span.clone(), "bad operand type for unary ~: 'float'").with_label("needs an integer"));
                }
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                if let (Some(Const::Int(i)), true) = (v.as_const(), v.ty == Ty::py_int()) {
                    return Ok(hir::Expr::konst(Const::Int(!i), v.ty));
                }
                let ty = v.ty;
                Ok(hir::Expr { kind: H::Unary(UnOp::Invert, Box::new(v)), ty })
            }
        }
    }

    fn compare(&mut self, left: &Expr, ops: &[syntax::CmpOp], comparators: &[Expr], span: &Span) -> R<hir::Expr> {
        // `a is None` / `a is not None` on a memoryview that may be None.
        if let ([op @ (syntax::CmpOp::Is | syntax::CmpOp::IsNot)], [right]) = (ops, comparators) {
            let (view_side, none_side) = if matches!(right.kind, ExprKind::NoneLit) { (left, right) } else { (right, left) };
            if matches!(none_side.kind, ExprKind::NoneLit) {
                if let Some((id, _)) = self.view_local(view_side) {
                    let is_none = hir::Expr { kind: H::ViewIsNone(id), ty: Ty::Bool };
                    return Ok(if *op == syntax::CmpOp::Is {
                        is_none
                    } else {
                        hir::Expr { kind: H::Unary(UnOp::Not, Box::new(is_none)), ty: Ty::Bool }
                    });
                }
            }
        }
        let mut operands = vec![self.expr(left)?];
        for c in comparators {
            operands.push(self.expr(c)?);
        }
        let mut hops = vec![];
        for op in ops {
            hops.push(match op {
                syntax::CmpOp::Eq => CmpOp::Eq,
                syntax::CmpOp::NotEq => CmpOp::Ne,
                syntax::CmpOp::Lt => CmpOp::Lt,
                syntax::CmpOp::LtE => CmpOp::Le,
                syntax::CmpOp::Gt => CmpOp::Gt,
                syntax::CmpOp::GtE => CmpOp::Ge,
                other => return fallback(span, format!("it uses the `{}` operator", other.symbol())),
            });
        }
        for v in &operands {
            self.numeric(v, span)?;
        }
        // An integer literal takes the type of the integer it is compared with.
        if operands.len() == 2 {
            let t = literal_join(&operands[0], &operands[1]);
            if t.is_int() {
                for v in operands.iter_mut() {
                    if v.as_const().is_some() && v.ty.is_int() {
                        *v = convert(v.clone(), t);
                    }
                }
            }
        }
        Ok(hir::Expr { kind: H::Compare { operands, ops: hops }, ty: Ty::Bool })
    }

    fn call(&mut self, e: &Expr, func: &Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
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
            return fallback(&e.span, "it calls with `*` or `**` unpacking");
        }
        if let ExprKind::Name(n) = &func.kind {
            if self.local_names.contains(n) {
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
                    None if vocab::is_python_math_name(&name) => fallback(&e.span, format!("`math.{name}` is not compiled natively")),
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
            Some(_) => return fallback(&e.span, format!("it calls `{}`", self.cx.source_text(&func.span))),
            None => {}
        }
        let ExprKind::Name(n) = &func.kind else {
            return fallback(&e.span, format!("it calls `{}`", self.cx.source_text(&func.span)));
        };
        if self.cx.module_names.contains(n) {
            return fallback(&e.span, format!("it calls `{n}`, which is not compiled"));
        }
        if !vocab::is_python_builtin(n) {
            return self.name(n, &func.span);
        }
        if !keywords.is_empty() {
            return fallback(&e.span, format!("it calls `{n}` with keyword arguments"));
        }
        if n == "len" {
            if let [a] = args {
                if let Some((id, _)) = self.view_local(a) {
                    let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                    return Ok(hir::Expr { kind: H::ViewDim { view: id, dim: hir::Dim::Shape, axis: 0 }, ty: ssize });
                }
            }
        }
        let mut vals = vec![];
        for a in args {
            vals.push(self.expr(a)?);
        }
        for v in &vals {
            self.numeric(v, &e.span)?;
        }
        let arity_error = |want: &str| {
            error(Diagnostic::error(e.span.clone(), format!("{n}() takes {want} ({} given)", args.len())).with_label("wrong number of arguments"))
        };
        match (n.as_str(), vals.len()) {
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
            (p, ..) => Err(p),
        })
    }

    fn native_call(&mut self, e: &Expr, id: FuncId, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let callee = &self.set[id.0 as usize];
        let name = callee.name.clone();
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
            slots[i] = Some(self.expr(a)?);
        }
        for k in keywords {
            let kname = k.name.as_deref().unwrap_or("");
            let Some(i) = callee.params.iter().position(|p| p.name == kname && p.kind != ParamKind::PositionalOnly) else {
                return error(Diagnostic::error(k.span.clone(), format!("{name}() got an unexpected keyword argument '{kname}'")).with_label("no such parameter"));
            };
            if slots[i].is_some() {
                return error(Diagnostic::error(k.span.clone(), format!("{name}() got multiple values for argument '{kname}'")));
            }
            slots[i] = Some(self.expr(&k.value)?);
        }
        let mut out = vec![];
        for (slot, p) in slots.into_iter().zip(&callee.params) {
            let v = match (slot, p.default) {
                (Some(v), _) => self.coerce(v, p.ty, &e.span, &p.name)?,
                (None, Some(d)) => hir::Expr::konst(const_to(d, p.ty), p.ty),
                (None, None) if p.accepts_none => hir::Expr { kind: H::NoneView, ty: p.ty },
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

    /// Implicit conversion on assignment, argument passing and return.
    fn coerce(&self, v: hir::Expr, to: Ty, span: &Span, what: &str) -> R<hir::Expr> {
        match (v.ty, to) {
            (a, b) if a == b => Ok(v),
            (Ty::View(a), Ty::View(b)) if a.elem == b.elem && a.ndim == b.ndim && (a.c_contig || !b.c_contig) && (a.f_contig || !b.f_contig) => {
                Ok(hir::Expr { kind: v.kind, ty: to })
            }
            (Ty::View(_), _) | (_, Ty::View(_)) => error(
                Diagnostic::error(span.clone(), format!("`{what}` expects {to}, got {}", v.ty))
                    .with_label("wrong memoryview type")
                    .with_hint("element type, number of dimensions and `::1` must match"),
            ),
            (Ty::Void, _) => fallback(span, "it uses the None result of a call as a value"),
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

impl Ty {
    fn max_if_int(self, other: Ty) -> Ty {
        if self.is_int() {
            self
        } else {
            other
        }
    }
}

/// The type two operands are brought to; an integer literal adapts to the
/// integer type of the other side, as in Cython.
fn literal_join(l: &hir::Expr, r: &hir::Expr) -> Ty {
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
            _ => {}
        }
    }
    Ty::arith_join(lt, rt).unwrap_or(lt)
}

/// Folds arithmetic on two integer literals, so `100 + 1000` stays a literal
/// that adapts to the C type next to it. Overflowing folds are left to run time.
fn fold_literals(op: ArithOp, l: &hir::Expr, r: &hir::Expr) -> Option<hir::Expr> {
    let (Some(Const::Int(a)), Some(Const::Int(b))) = (l.as_const(), r.as_const()) else { return None };
    if l.ty != Ty::py_int() || r.ty != Ty::py_int() {
        return None;
    }
    let v = match op {
        ArithOp::Add => a.checked_add(b)?,
        ArithOp::Sub => a.checked_sub(b)?,
        ArithOp::Mul => a.checked_mul(b)?,
        ArithOp::FloorDiv if b != 0 => {
            let q = a.checked_div(b)?;
            if a % b != 0 && (a < 0) != (b < 0) { q - 1 } else { q }
        }
        ArithOp::Mod if b != 0 => {
            let m = a.checked_rem(b)?;
            if m != 0 && (m < 0) != (b < 0) { m + b } else { m }
        }
        ArithOp::BitAnd => a & b,
        ArithOp::BitOr => a | b,
        ArithOp::BitXor => a ^ b,
        ArithOp::LShift if (0..63).contains(&b) => a.checked_mul(1i64 << b)?,
        ArithOp::RShift if b >= 0 => a >> b.min(63),
        _ => return None,
    };
    Some(hir::Expr::konst(Const::Int(v), Ty::py_int()))
}

/// The exact value of an expression of integer literals, as Python computes
/// it (unbounded ints, floor division); `None` when it is not one, or
/// leaves 128 bits.
fn exact_literal(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Int(v) => *v,
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } => exact_literal(operand)?.checked_neg(),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Pos, operand } => exact_literal(operand),
        ExprKind::UnaryOp { op: syntax::UnaryOp::Invert, operand } => Some(!exact_literal(operand)?),
        ExprKind::BinOp { left, op, right } => {
            let (a, b) = (exact_literal(left)?, exact_literal(right)?);
            match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::FloorDiv => {
                    let (q, r) = (a.checked_div(b)?, a.checked_rem(b)?);
                    Some(if r != 0 && (r < 0) != (b < 0) { q - 1 } else { q })
                }
                BinOp::Mod => {
                    let r = a.checked_rem(b)?;
                    Some(if r != 0 && (r < 0) != (b < 0) { r + b } else { r })
                }
                BinOp::Pow if (0..128).contains(&b) => a.checked_pow(b as u32),
                BinOp::LShift if (0..127).contains(&b) => a.checked_mul(1i128 << b),
                BinOp::RShift if b >= 0 => Some(a >> b.min(127)),
                BinOp::BitAnd => Some(a & b),
                BinOp::BitOr => Some(a | b),
                BinOp::BitXor => Some(a ^ b),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `a ± L` on a Python `int` where the literal L is in [2**63, 2**64): the
/// result may fit in int64 even though L does not, so it is computed as two
/// checked steps through `i64::MIN` (each overflows exactly when Python's
/// result leaves int64). Other operations with such a literal stay Python.
/// Gives the operands back when neither applies.
#[allow(clippy::type_complexity)]
fn wide_literal_operand(op: BinOp, l: hir::Expr, r: hir::Expr, span: &Span) -> R<Result<hir::Expr, (hir::Expr, hir::Expr)>> {
    let wide = |e: &hir::Expr| match (e.as_const(), e.ty) {
        (Some(Const::Int(v)), Ty::Int(t)) if v < 0 && !t.signed && t.bits == 64 => Some(v as u64),
        _ => None,
    };
    let py = Ty::py_int();
    let (other, literal, literal_first) = match (wide(&l), wide(&r)) {
        (None, Some(v)) if l.ty == py => (l, v, false),
        (Some(v), None) if r.ty == py => (r, v, true),
        _ => return Ok(Err((l, r))),
    };
    let k = |v: i64| hir::Expr::konst(Const::Int(v), py);
    let bin = |op, a: hir::Expr, b: hir::Expr| hir::Expr { kind: H::Binary(op, Box::new(a), Box::new(b)), ty: py };
    let excess = (literal - (1u64 << 63)) as i64;
    let plus = |a: hir::Expr| bin(ArithOp::Sub, bin(ArithOp::Add, a, k(excess)), k(i64::MIN));
    let minus = |a: hir::Expr| bin(ArithOp::Add, bin(ArithOp::Sub, a, k(excess)), k(i64::MIN));
    Ok(Ok(match (op, literal_first) {
        (BinOp::Add, _) => plus(other),
        (BinOp::Sub, false) => minus(other),
        (BinOp::Sub, true) => hir::Expr { kind: H::Unary(UnOp::Neg, Box::new(minus(other))), ty: py },
        _ => {
            return fallback(
                span,
                format!("it applies `{}` to the integer {literal}, which is outside int64", op.symbol()),
            )
        }
    }))
}

fn const_to(c: Const, t: Ty) -> Const {
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
