//! Front end: AST → typed HIR.
//!
//! Decides which top-level functions compile natively, types them, and
//! produces the Python source that stays interpreted. Reads only `syntax`
//! (our AST) and produces only `hir`.

mod addressed;
mod capi;
mod annotation;
mod closure;
pub(crate) mod cclass;
pub mod cimports;
mod pxd;
pub(crate) mod module_consts;
mod pickle;
mod dataclass;
mod pyclass;
mod residual;
mod struct_convert;
pub(crate) mod structs;
mod typeck;
pub mod vocab;

use crate::diag::{Diagnostic, SourceFile};
use crate::hir;
use crate::syntax::{self, Expr, ExprKind, Span, Stmt, StmtKind};
use crate::types::{self, Ty};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a module-level name refers to, as far as the compiler understands it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Binding {
    /// The `cython` module (`import cython`, `from pyc_aot import cython`).
    Cython,
    /// `from cython import double`.
    CythonAttr(String),
    /// The `math` module.
    Math,
    MathAttr(String),
    /// `cython.cimports.libc.math`.
    LibcMath,
    LibcMathAttr(String),
    /// A declaration of a `.pxd` (`from cython.cimports.cfib import cfib`).
    CDecl(pxd::Decl),
    /// A whole `.pxd` (`from cython.cimports import cfib`).
    CModule(std::sync::Arc<pxd::Pxd>),
}

/// Switches that change code generation, from `# cython:` comments and decorators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directives {
    pub cdivision: bool,
    pub overflowcheck: bool,
    pub boundscheck: bool,
    pub wraparound: bool,
    /// `# pyc-aot: associative_math=True`: float sums may be reassociated.
    pub associative_math: bool,
    /// `# cython: auto_pickle=...`: `None` is Cython's default (pickle
    /// what it can).
    pub auto_pickle: Option<bool>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives { cdivision: false, overflowcheck: false, boundscheck: true, wraparound: true, associative_math: false, auto_pickle: None }
    }
}

impl Directives {
    fn set(&mut self, name: &str, value: bool) {
        match name {
            "cdivision" => self.cdivision = value,
            "overflowcheck" => self.overflowcheck = value,
            "boundscheck" => self.boundscheck = value,
            "wraparound" => self.wraparound = value,
            "associative_math" => self.associative_math = value,
            "auto_pickle" => self.auto_pickle = Some(value),
            _ => {}
        }
    }
}

/// The outcome of the front end: the HIR, and warnings to show even on success.
pub struct Output {
    pub module: hir::Module,
    pub warnings: Vec<Diagnostic>,
}

/// Module-wide facts every function's type checking needs.
pub(crate) struct ModuleCx<'a> {
    pub src: &'a SourceFile,
    pub bindings: HashMap<String, Binding>,
    /// Every name bound at module level by anything (a function's `global`
    /// declaration included).
    pub module_names: HashSet<String>,
    pub star_import: bool,
    pub directives: Directives,
    /// Top-level `def`s by name (the last one's), with what their
    /// decorators make them: `Some("cfunc")`/`Some("ccall")`, `None` for a
    /// plain `def` (so a function that stays Python can still be named in
    /// an error: passed as a C function pointer).
    pub top_defs: HashMap<String, (Option<&'static str>, u32)>,
    /// The module's name (extension types are `module.Class`).
    pub module_name: String,
    /// Every `@cython.cclass` of the module, and the layouts of those that
    /// compile (so far): a variable annotated as one holds an instance.
    pub cclass_names: HashSet<String>,
    pub cclasses: std::cell::RefCell<HashMap<String, std::sync::Arc<cclass::Layout>>>,
    /// Source text of generated code that has no place in the file (a
    /// dataclass `__init__`'s defaults), reached by spans past its end:
    /// `synthetic_span`, `default_source`.
    pub synthetic: std::cell::RefCell<Vec<String>>,
    /// The module's path (nested functions' code objects are compiled with it).
    pub source_path: String,
    /// `from __future__ import annotations`: nested functions' annotations
    /// are strings (such a function stays Python: `closure.rs`).
    pub future_annotations: bool,
    /// Module-level `cython.declare`d C constants (`module_consts.rs`).
    pub c_consts: HashMap<String, (hir::Const, Ty)>,
    /// Module-level C variables with storage, by name (`module_consts.rs`).
    pub c_vars: std::collections::BTreeMap<String, Ty>,
    /// The nested functions typed as candidates of their own, by candidate
    /// name (`closure::native_nested`).
    pub nested_fns: std::cell::RefCell<HashMap<String, closure::NestedFn>>,
    /// Names the module's top-level imports bind to `typing` or its
    /// members (`cclass::typing_imports`), for cclass field annotations.
    pub typing: HashMap<String, String>,
    /// The module's top-level imports of `dataclasses` (`dataclass::imports`):
    /// Cython takes its `dataclass` and `field` on a cclass for its own.
    pub dataclasses: HashMap<String, String>,
}

/// A problem found while typing a function.
#[derive(Debug, Clone)]
pub(crate) enum Problem {
    /// A type depends on an inference not finished yet.
    Pending,
    /// Outside the native subset: the function stays Python.
    Fallback { span: Span, reason: String },
    /// A definite bug in the user's code.
    Error(Diagnostic),
}

pub(crate) fn fallback<T>(span: &Span, reason: impl Into<String>) -> Result<T, Problem> {
    Err(Problem::Fallback { span: span.clone(), reason: reason.into() })
}

pub(crate) fn error<T>(d: Diagnostic) -> Result<T, Problem> {
    Err(Problem::Error(d))
}

pub fn lower(src: &SourceFile, ast: &syntax::Module, module_name: &str, abs_path: &str, cimported: &cimports::Cimports) -> Result<Output, Vec<Diagnostic>> {
    let mut warnings = vec![];
    let mut errors = vec![];
    let directives = comment_directives(src, &mut warnings);

    let mut bindings = HashMap::new();
    let mut star_import = false;
    collect_imports(&ast.body, &mut bindings, &mut star_import);
    bindings.extend(cimported.bindings.iter().cloned());
    let mut names = vec![];
    ast.body.iter().for_each(|s| syntax::bound_names(s, &mut names));
    // A function's `global x` may bind `x` at module level when it runs.
    syntax::global_names_anywhere(&ast.body, &mut names);
    // The module function a compiled class's `__reduce_cython__` names,
    // which the shim binds with the class (`frontend/pickle.rs`).
    names.extend(ast.classes.iter().map(|c| pickle::unpickle_name(&c.name)));
    let module_names: HashSet<String> = names.into_iter().collect();

    let mut cx = ModuleCx {
        src,
        bindings,
        module_names,
        star_import,
        directives,
        module_name: module_name.to_string(),
        cclass_names: HashSet::new(),
        cclasses: Default::default(),
        synthetic: Default::default(),
        top_defs: HashMap::new(),
        source_path: abs_path.to_string(),
        future_annotations: closure::future_annotations(&ast.body),
        c_consts: HashMap::new(),
        c_vars: Default::default(),
        nested_fns: Default::default(),
        typing: cclass::typing_imports(&ast.body),
        dataclasses: dataclass::imports(&ast.body),
    };
    let declared = module_consts::declared(&cx, &ast.body)?;
    cx.c_consts = declared.consts.clone();
    cx.c_vars = declared.vars.clone();
    // The variables' accessors, which the residual calls: parsed as if
    // they stood at the first declaration.
    let accessor_at = ast.body.iter().find(|s| declared.decl_starts.contains(&s.span.start)).map_or(0..0, |s| s.span.clone());
    let accessors: Vec<(syntax::FunctionDef, Span)> = if declared.vars.is_empty() {
        vec![]
    } else {
        let pad = match accessor_at.start {
            0 => String::new(),
            1 => "\n".to_string(),
            k => format!("#{}\n", " ".repeat(k - 2)),
        };
        let text = pad + &module_consts::accessor_source(&declared.vars);
        let parsed = syntax::parse_module(&text, "<accessors>").map_err(|d| vec![d])?;
        parsed.body.into_iter().filter_map(|s| match s.kind {
            StmtKind::FunctionDef(f) => Some((*f, accessor_at.clone())),
            _ => None,
        }).collect()
    };
    cx.cclass_names = ast.classes.iter().filter(|c| cclass::is_cclass(&cx, c)).map(|c| c.name.clone()).collect();
    // The cclasses are planned before the functions are typed: a function
    // may type a variable as one.
    let mut plans = vec![];
    let mut cclass_left: Vec<hir::LeftToPython> = vec![];
    for c in ast.classes.iter().filter(|c| cclass::is_cclass(&cx, c)) {
        let planned = if !bound_once(&ast.body, &c.name) {
            Err((c.span.clone(), format!("the name `{}` is also bound elsewhere at module level", c.name)))
        } else {
            cclass::plan(&cx, c, &plans, &ast.classes)
        };
        match planned {
            Ok(p) => plans.push(p),
            Err((span, reason)) => {
                class_stays_python(&cx, c, &span, &reason, &mut cclass_left);
                // Its compiled bases would not see its overrides.
                if let Some(k) = plans.iter().position(|p| c.base_names.contains(&p.layout.name)) {
                    let why = format!("its subclass `{}` stays Python", c.name);
                    leave_family(&cx, &mut plans, k, &c.span, &why, &mut cclass_left);
                }
            }
        }
    }
    while let Some((k, span, reason)) = plans.iter().enumerate().find_map(|(k, p)| cfunc_read_at_module_level(src, &ast.body, &ast.classes, &p.layout).map(|(s, r)| (k, s, r))) {
        leave_family(&cx, &mut plans, k, &span, &reason, &mut cclass_left);
    }
    *cx.cclasses.borrow_mut() = plans.iter().map(|p| (p.layout.name.clone(), p.layout.clone())).collect();
    for stmt in &ast.body {
        if let StmtKind::FunctionDef(f) = &stmt.kind {
            let kind = f.decorators.iter().find_map(|d| match cx.binding_of(d) {
                Some(Binding::CythonAttr(n)) if n == "cfunc" => Some("cfunc"),
                Some(Binding::CythonAttr(n)) if n == "ccall" => Some("ccall"),
                _ => None,
            });
            let line = cx.line(&stmt.span);
            cx.top_defs.insert(f.name.clone(), (kind, line));
        }
    }

    // Top-level defs are the candidates; a name defined twice keeps Python's last-one-wins.
    let mut defs: BTreeMap<String, Vec<(&syntax::FunctionDef, &Span)>> = BTreeMap::new();
    for stmt in &ast.body {
        if let StmtKind::FunctionDef(f) = &stmt.kind {
            defs.entry(f.name.clone()).or_default().push((f, &stmt.span));
        }
    }
    for (f, span) in &accessors {
        defs.entry(f.name.clone()).or_default().push((f, span));
    }
    let structs = structs::module_structs(&cx, &ast.body);
    let lowered: HashMap<&str, Result<syntax::FunctionDef, Problem>> = defs
        .iter()
        .filter_map(|(name, list)| {
            let f = list.last()?.0;
            // Structs first (their fields become locals), then the locals
            // whose address is taken.
            let lowered = match structs::lower_function(&cx, &structs, f) {
                Some(Ok(g)) => addressed::lower_function(&cx, &g).unwrap_or(Ok(g)),
                Some(Err(p)) => Err(p),
                None => addressed::lower_function(&cx, f)?,
            };
            Some((name.as_str(), lowered))
        })
        .collect();
    let bound_elsewhere = names_bound_outside_defs(&ast.body);
    let mut left: Vec<hir::LeftToPython> = vec![];
    let mut candidates: Vec<typeck::Candidate> = vec![];
    let left_note = |f: &syntax::FunctionDef, span: &Span, reason: String, left: &mut Vec<hir::LeftToPython>| {
        let (line, col) = src.line_col(span.start);
        left.push(hir::LeftToPython { kind: "function", function: f.name.clone(), line, col, reason });
    };
    for (name, list) in &defs {
        let Some(&(f, span)) = list.last() else { continue };
        if list.len() > 1 {
            left_note(f, span, format!("`{name}` is defined more than once in the module"), &mut left);
            continue;
        }
        if bound_elsewhere.contains(name.as_str()) {
            left_note(f, span, format!("the name `{name}` is also assigned elsewhere at module level"), &mut left);
            continue;
        }
        let f = match lowered.get(name.as_str()) {
            Some(Ok(g)) => g,
            Some(Err(p)) => {
                match p.clone() {
                    Problem::Error(d) => errors.push(d),
                    Problem::Fallback { span, reason } => {
                        let (line, col) = src.line_col(span.start);
                        left.push(hir::LeftToPython { kind: "function", function: name.clone(), line, col, reason })
                    }
                    Problem::Pending => left_note(f, span, "its structs could not be typed".into(), &mut left),
                }
                continue;
            }
            None => f,
        };
        match typeck::Candidate::new(&cx, f, span) {
            Ok(c) => candidates.push(c),
            Err(Problem::Error(d)) => errors.push(d),
            Err(Problem::Fallback { span, reason }) => {
                let (line, col) = src.line_col(span.start);
                left.push(hir::LeftToPython { kind: "function", function: name.clone(), line, col, reason })
            }
            Err(Problem::Pending) => left_note(f, span, "its signature could not be typed".into(), &mut left),
        }
    }
    // Methods of plain classes: candidates like module functions, named
    // `Class.method`.
    let plain = pyclass::plan(&cx, &ast.body, &ast.classes, &mut left);
    for m in &plain {
        let qual = m.qualname();
        match typeck::Candidate::new(&cx, &m.def, &m.span) {
            Ok(mut c) => {
                c.owner = Some(hir::ClassRef::Plain { qualname: qual.clone(), read: hir::ClassRead::Super });
                c.name = qual;
                candidates.push(c)
            }
            Err(Problem::Error(d)) => errors.push(d),
            Err(Problem::Fallback { span, reason }) => {
                let (line, col) = src.line_col(span.start);
                left.push(hir::LeftToPython { kind: "method", function: qual, line, col, reason })
            }
            Err(Problem::Pending) => {
                let (line, col) = src.line_col(m.span.start);
                left.push(hir::LeftToPython { kind: "method", function: qual, line, col, reason: "its signature could not be typed".into() })
            }
        }
    }
    // Nested functions with native bodies: candidates of their own.
    let nested = closure::nested_candidates(&cx, &candidates, &mut left);
    candidates.extend(nested);
    if !errors.is_empty() {
        return Err(errors);
    }

    // `@cython.cclass` classes compile as a whole: typed with the module's
    // functions, and left to Python (with the reason) if any method is not.
    let (base_left, base_warnings) = (left.len(), warnings.len());
    // `staticmethod`/`classmethod`/`property`: the type's glue applies them,
    // the function is the method without them.
    let stripped: HashMap<(String, String), syntax::FunctionDef> = plans
        .iter()
        .flat_map(|p| p.methods.iter().map(move |(m, def, _)| (p, m, def)))
        .filter(|(_, _, def)| cclass::method_py_decorator(&cx, def).is_some())
        .map(|(p, m, def)| ((p.layout.name.clone(), m.clone()), cclass::without_py_decorator(&cx, def)))
        .collect();
    // Methods naming struct types (`Py_buffer` of the buffer methods):
    // their structs lowered as a module function's are.
    let lowered_methods: HashMap<(String, String), Result<syntax::FunctionDef, Problem>> = plans
        .iter()
        .flat_map(|p| p.methods.iter().map(move |(m, def, _)| (p, m, def)))
        .filter_map(|(p, m, def)| {
            let key = (p.layout.name.clone(), m.clone());
            let base = stripped.get(&key).unwrap_or(&**def);
            Some((key, structs::lower_method(&cx, &structs, base)?))
        })
        .collect();
    let functions = loop {
        *cx.cclasses.borrow_mut() = plans.iter().map(|p| (p.layout.name.clone(), p.layout.clone())).collect();
        left.truncate(base_left);
        warnings.truncate(base_warnings);
        let mut set = candidates.clone();
        let mut refused = None;
        for (k, p) in plans.iter().enumerate() {
            for (m, def, span) in &p.methods {
                let key = (p.layout.name.clone(), m.clone());
                let def = match lowered_methods.get(&key) {
                    Some(Ok(g)) => g,
                    Some(Err(Problem::Fallback { span, reason })) => {
                        refused = refused.or(Some((k, span.clone(), format!("method `{m}`: {reason}"))));
                        continue;
                    }
                    Some(Err(Problem::Error(d))) => {
                        refused = refused.or(Some((k, d.span.clone(), format!("method `{m}`: {}", d.message))));
                        continue;
                    }
                    Some(Err(Problem::Pending)) => {
                        refused = refused.or(Some((k, span.clone(), format!("method `{m}`: its structs could not be typed"))));
                        continue;
                    }
                    None => stripped.get(&key).unwrap_or(&**def),
                };
                let c_level = crate::hir::BUFFER_METHODS.contains(&m.as_str());
                match typeck::Candidate::with_export(&cx, def, span, !c_level) {
                    // CPython's TypeError for that is the interpreter's to raise.
                    Ok(c) if matches!(m.as_str(), "__init__" | "__cinit__" | "__dealloc__") && c.declared_ret != Some(Ty::Void) => {
                        refused = refused.or(Some((k, span.clone(), format!("`{m}` returns a value or declares a return type"))))
                    }
                    // A stored default is evaluated on the class's line
                    // (`exec.rs`), in the module's scope: one naming what the
                    // class body binds (a method, a declared field) would
                    // see the class namespace in Python.
                    Ok(c) if c.params.iter().any(|q| q.stored_default() && names_class_body(p, c.def, &q.name)) => {
                        let q = c.params.iter().find(|q| q.stored_default() && names_class_body(p, c.def, &q.name));
                        let q = q.map_or("", |q| q.name.as_str());
                        refused = refused.or(Some((k, span.clone(), format!("method `{m}`: the default of `{q}` names something the class body binds"))))
                    }
                    Ok(mut c) => {
                        c.name = cclass::method_function_name(&p.layout.name, m);
                        c.owner = Some(hir::ClassRef::Ext(p.layout.name.clone()));
                        // A static method has no `self`; a class method's first is the class.
                        if !p.static_methods.contains(m) && !p.class_methods.contains(m) {
                            c.class = Some(p.layout.clone());
                        }
                        set.push(c);
                    }
                    Err(Problem::Fallback { span, reason }) => refused = refused.or(Some((k, span, format!("method `{m}`: {reason}")))),
                    Err(Problem::Error(d)) => refused = refused.or(Some((k, d.span.clone(), format!("method `{m}`: {}", d.message)))),
                    Err(Problem::Pending) => refused = refused.or(Some((k, span.clone(), format!("method `{m}`: its signature could not be typed")))),
                }
            }
        }
        if let Some((k, span, reason)) = refused {
            leave_family(&cx, &mut plans, k, &span, &reason, &mut cclass_left);
            continue;
        }
        let functions = match typeck::check_all(&cx, set, &mut left, &mut warnings) {
            Ok(functions) => functions,
            Err(errors) => return Err(errors),
        };
        let missing = plans.iter().enumerate().find_map(|(k, p)| {
            p.methods.iter().find_map(|(m, _, span)| {
                let name = cclass::method_function_name(&p.layout.name, m);
                if functions.iter().any(|f| f.name == name) {
                    return None;
                }
                let why = left.iter().find(|l| l.function == name).map_or("it does not compile".to_string(), |l| l.reason.clone());
                Some((k, span.clone(), format!("method `{m}` stays Python ({why})")))
            })
        });
        // A function that stays Python and types a variable as the class
        // would read private fields Cython reads natively: the class stays
        // Python too (its fields are then plain attributes).
        let missing = missing.or_else(|| {
            plans.iter().enumerate().find_map(|(k, p)| {
                let class = &p.layout.name;
                let l = left.iter().find(|l| {
                    l.kind == "function"
                        && (cclass::names_class(&l.reason, class) || defs.get(&l.function).and_then(|v| v.last()).is_some_and(|(f, _)| cclass::uses_class_type(f, class)))
                })?;
                let at = cx.src.line_range(l.line).start + l.col as usize - 1;
                let reason = format!("`{class}` is used as a type by `{}` (line {}), which stays Python ({})", l.function, l.line, l.reason);
                Some((k, at..at + 1, reason))
            })
        });
        // An override called through the table takes and returns what the
        // base's method does (Cython refuses other signatures).
        let missing = missing.or_else(|| {
            plans.iter().enumerate().find_map(|(k, p)| {
                let base = p.layout.base.as_ref()?;
                p.layout.cfuncs.iter().find_map(|m| {
                    let (_, owner) = base.cfunc(m)?;
                    let f = functions.iter().find(|f| f.name == cclass::method_function_name(&p.layout.name, m))?;
                    let g = functions.iter().find(|f| f.name == cclass::method_function_name(owner, m))?;
                    let types = |f: &hir::Function| (f.params.iter().skip(1).map(|p| p.ty).collect::<Vec<_>>(), f.ret);
                    let span = p.methods.iter().find(|(n, ..)| n == m).map_or(p.outline.span.clone(), |(_, _, s)| s.clone());
                    if types(f) != types(g) || f.params.iter().chain(&g.params).any(|p| matches!(p.ty, Ty::View(_))) {
                        return Some((k, span, format!("its `cfunc` `{m}` does not take and return the types `{owner}.{m}` does (or takes a memoryview)")));
                    }
                    // A call through the table fills an omitted argument
                    // from the static class's method, where Cython's callee
                    // fills its own: the same value, or the same object.
                    let singleton = |d: Option<&str>| matches!(d, Some("None" | "True" | "False" | "..."));
                    let same_default = |a: &hir::Param, b: &hir::Param| {
                        a.default == b.default
                            && a.stored_default() == b.stored_default()
                            && (!a.stored_default() || (singleton(a.default_src.as_deref()) && a.default_src == b.default_src))
                    };
                    let differs = f.params.iter().zip(&g.params).skip(1).find(|(a, b)| !same_default(a, b))?;
                    Some((k, span, format!("its `cfunc` `{m}` gives `{}` another default than `{owner}.{m}` does (only None, True, False or the same number)", differs.0.name)))
                })
            })
        });
        match missing {
            None => break functions,
            Some((k, span, reason)) => leave_family(&cx, &mut plans, k, &span, &reason, &mut cclass_left),
        }
    };
    let classes: Vec<hir::ExtClass> = plans.iter().map(|p| ext_class(&cx, p, &functions)).collect();
    // A plain class's method that did not compile is reported as a method.
    let plain: Vec<&pyclass::Method> = plain
        .iter()
        .filter(|m| {
            let qual = m.qualname();
            left.iter_mut().filter(|l| l.function == qual).for_each(|l| l.kind = "method");
            functions.iter().any(|f| f.name == qual)
        })
        .collect();
    let plain_methods: Vec<hir::PlainMethod> = plain
        .iter()
        .filter_map(|m| {
            let qualname = m.qualname();
            functions.iter().find(|f| f.name == qualname).map(|f| hir::PlainMethod { func: f.id, qualname, class_cell: m.class_cell, nested: false })
        })
        .collect();
    let mut plain_methods = plain_methods;
    plain_methods.extend(closure::nested_methods(&cx, &functions, &mut left));
    // A default reading a module C variable the class body does not bind
    // reads it through the getter.
    let defaults_of = |m: &pyclass::Method| {
        let mut binds = vec![];
        if let Some(c) = ast.classes.iter().find(|c| c.span.start <= m.range.start && m.range.end <= c.span.end) {
            c.body.iter().for_each(|s| syntax::bound_names(s, &mut binds));
        }
        declared.vars.iter().filter(|(n, _)| !binds.contains(n)).map(|(n, t)| (n.clone(), *t)).collect::<std::collections::BTreeMap<_, _>>()
    };
    let method_lines: Vec<(std::ops::Range<usize>, u32, String)> = plain
        .iter()
        .map(|m| {
            let vars = defaults_of(m);
            (m.range.clone(), src.line_of(m.def.name_span.start), pyclass::binding_line(m, &src.text, &|t| module_consts::with_getters(t, &vars)))
        })
        .collect();
    left.extend(cclass_left);
    left.sort_by_key(|l| l.line);

    let mut functions = functions;
    let mut c_library_bindings = bind_c_library_natively(src, &ast.body, &mut functions);
    cimports::bind_natively(src, &ast.body, cimported, &mut functions, &mut c_library_bindings);
    // A `@cfunc` taking or returning a C pointer has no wrapper: its `def`
    // stays for the module's interpreted callers (which pass the shim's pointers).
    let compiled: HashMap<&str, bool> = functions.iter().filter(|f| f.python_callable()).map(|f| (f.name.as_str(), f.exported)).collect();
    let class_ranges: Vec<std::ops::Range<usize>> = plans.iter().map(|p| class_range(p.outline)).collect();
    // What the residual leaves out (compiled `def`s with their decorators,
    // classes and methods): the C variables' edits skip them.
    let compiled_ranges: Vec<std::ops::Range<usize>> = ast
        .body
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::FunctionDef(f) if compiled.contains_key(f.name.as_str()) => Some(f.decorators.first().map_or(s.span.start, |d| d.span.start.min(s.span.start))..s.span.end),
            _ => None,
        })
        .chain(class_ranges.iter().cloned())
        .chain(method_lines.iter().map(|(r, ..)| r.clone()))
        .collect();
    let cvar_edits = module_consts::residual_edits(src, &ast.body, &ast.classes, &declared, &compiled_ranges).map_err(|d| vec![d])?;
    if let Some(missing) = declared.vars.keys().flat_map(|n| [module_consts::getter(n), module_consts::setter(n)]).find(|a| !compiled.contains_key(a.as_str())) {
        let why = left.iter().find(|l| l.function == missing).map_or("it does not compile".to_string(), |l| l.reason.clone());
        return Err(vec![Diagnostic::error(accessor_at.clone(), format!("the module-level C variable's accessor `{missing}` does not compile: {why}"))]);
    }
    let python_source = residual::python_source(src, &ast.body, &compiled, &class_ranges, &method_lines, cimported, cvar_edits);
    let own_pxd = format!("{}.pxd", module_name.rsplit('.').next().unwrap_or(module_name));
    let capi_exports = capi::exports(&cx, &mut warnings, &ast.body, &own_pxd, &cimported.shared, &candidates, &functions, &left)?;
    for l in &left {
        let at = src.line_range(l.line).start + l.col as usize - 1;
        warnings.push(
            Diagnostic::warning(at..at + 1, format!("{} `{}` left to Python: {}", l.kind, l.function, l.reason))
                .with_hint("it still works, interpreted; `--strict` makes this an error"),
        );
    }
    Ok(Output {
        module: hir::Module {
            name: module_name.to_string(),
            source_path: abs_path.to_string(),
            functions,
            python_source,
            left_to_python: left,
            c_library_bindings,
            classes,
            plain_methods,
            capi_imports: cimported.capi.clone(),
            capi_exports,
        },
        warnings,
    })
}

/// A native function of the module that passes its parameters to C (a
/// `libc.math` function, a `.pxd`-declared one) in the body `body` makes of
/// them: interpreted code of the module calls C at a builtin's cost.
pub(crate) fn c_binding(
    id: hir::FuncId,
    name: String,
    doc: String,
    params: &[(String, Ty)],
    ret: Ty,
    line: u32,
    body: impl FnOnce(Vec<hir::Expr>) -> Vec<hir::Stmt>,
) -> hir::Function {
    let params: Vec<hir::Param> = params
        .iter()
        .enumerate()
        .map(|(i, (pname, ty))| hir::Param {
            name: pname.clone(),
            ty: *ty,
            local: hir::LocalId(i as u32),
            kind: hir::ParamKind::PositionalOrKeyword,
            default: None,
            accepts_none: false,
            default_src: None,
        })
        .collect();
    let locals = params.iter().map(|p| hir::Local { name: p.name.clone(), ty: p.ty, c_array: None }).collect();
    let body = body(params.iter().map(|p| hir::Expr::local(p.local, p.ty)).collect());
    hir::Function {
        id,
        name,
        exported: true,
        doc: Some(doc),
        params,
        ret,
        locals,
        body,
        line,
        inline_hint: false,
        cdivision: false,
        overflowcheck: false,
        boundscheck: true,
        wraparound: true,
        associative_math: false,
        nogil: false,
        outlined_from: None,
        chunk_in_axis: None,
        generator: false,
    }
}

/// `from cython.cimports.libc.math import sqrt` at module level: `sqrt`
/// becomes a native function with C semantics, so the module's interpreted
/// code calls it at the cost of a builtin like `math.sqrt` (the shim's
/// Python-level C emulation is ~3x slower per call). Only names nothing else
/// at module level binds, and only functions of doubles.
fn bind_c_library_natively(src: &SourceFile, body: &[Stmt], functions: &mut Vec<hir::Function>) -> Vec<String> {
    let mut bound = vec![];
    for stmt in body {
        let StmtKind::ImportFrom { module: Some(m), names, level: 0 } = &stmt.kind else { continue };
        if m != "cython.cimports.libc.math" {
            continue;
        }
        for a in names {
            let name = a.asname.clone().unwrap_or_else(|| a.name.clone());
            let Some(vocab::MathItem::Func { op, arity }) = vocab::libc_math(&a.name) else { continue };
            if !bound_once(body, &name) || functions.iter().any(|f| f.name == name) || bound.contains(&name) {
                continue;
            }
            let ret = if matches!(op, hir::MathOp::IsNan | hir::MathOp::IsInf | hir::MathOp::IsFinite) { Ty::Bool } else { types::F64 };
            // The shim's parameter names, so keyword calls agree.
            let pnames: &[&str] = if a.name == "atan2" { &["y", "x"] } else { &["x", "y", "z"] };
            let params: Vec<(String, Ty)> = pnames[..arity as usize].iter().map(|n| (n.to_string(), types::F64)).collect();
            let doc = format!("C's `{}` from <math.h> (C semantics: nan or inf, never an exception).", a.name);
            let line = src.line_of(stmt.span.start);
            let f = c_binding(hir::FuncId(functions.len() as u32), name.clone(), doc, &params, ret, line, |args| {
                vec![hir::Stmt { kind: hir::StmtKind::Return(Some(hir::Expr { kind: hir::ExprKind::Math(op, args), ty: ret })), line }]
            });
            functions.push(f);
            bound.push(name);
        }
    }
    bound
}

/// Whether one module-level statement alone binds `name` (its import), so
/// a native function may take the name.
fn bound_once(body: &[Stmt], name: &str) -> bool {
    let binders = body
        .iter()
        .filter(|s| {
            let mut ns = vec![];
            syntax::bound_names(s, &mut ns);
            ns.iter().any(|n| n == name)
                || matches!(&s.kind, StmtKind::ImportFrom { names, .. } | StmtKind::Import(names) if names.iter().any(|x| x.asname.as_ref().unwrap_or(&x.name) == name || x.name == "*"))
        })
        .count();
    binders == 1
}

/// Where module-level code reads one of the class's cfuncs as an attribute
/// (`p2.describe()` in Cython's pets.py): Cython compiles module-level code
/// and calls the cfunc there (on a receiver `cython.declare`d as the
/// class); pyc-aot leaves that code to Python, where a cfunc is not
/// visible, so the class stays Python (where the method is a plain one).
/// Inside functions the rule is Cython's: a compiled function calls the
/// cfunc natively on a typed receiver; on an untyped one (and in a function
/// left to Python) it is an AttributeError, as Cython's.
fn cfunc_read_at_module_level(src: &SourceFile, body: &[Stmt], classes: &[syntax::ClassOutline], l: &cclass::Layout) -> Option<(Span, String)> {
    let in_class = |at: usize| classes.iter().any(|c| class_range(c).contains(&at));
    for stmt in body.iter().filter(|s| !matches!(s.kind, StmtKind::FunctionDef(_)) && !in_class(s.span.start)) {
        for (at, name) in syntax::attribute_names(&src.text[stmt.span.clone()]) {
            // A ccall is visible to Python: its wrapper serves that code.
            if l.vtable.iter().any(|(m, _)| *m == name) && !l.ccalls.contains(&name) {
                let start = stmt.span.start + at;
                let reason = format!(
                    "its `cfunc` `{name}` is read at module level (code left to Python, where a cfunc is not visible; Cython compiles that code and calls it natively)"
                );
                return Some((start..start + name.len(), reason));
            }
        }
    }
    None
}

/// The cclass `plans[k]` left to Python with the reason, and with it the
/// cclasses of its line in the module (its bases and subclasses): a
/// subclass needs its base's layout, and a base's compiled calls would not
/// see a Python subclass's overrides of its cfuncs.
fn leave_family(cx: &ModuleCx, plans: &mut Vec<cclass::Plan>, k: usize, at: &Span, reason: &str, left: &mut Vec<hir::LeftToPython>) {
    let p = plans.remove(k);
    let name = p.layout.name.clone();
    class_stays_python(cx, p.outline, at, reason, left);
    let root = |l: &cclass::Layout| {
        let mut r = l;
        while let Some(b) = &r.base {
            r = b;
        }
        r.name.clone()
    };
    let family = root(&p.layout);
    while let Some(j) = plans.iter().position(|q| root(&q.layout) == family) {
        let q = plans.remove(j);
        let why = format!("`{name}`, of its line of cclasses (a base or subclass), stays Python");
        class_stays_python(cx, q.outline, &q.outline.span, &why, left);
    }
}

/// The source a compiled cclass takes: its decorators to its last line.
fn class_range(c: &syntax::ClassOutline) -> std::ops::Range<usize> {
    let start = c.decorators.iter().map(|d| d.span.start).chain([c.span.start]).min().unwrap_or(c.span.start);
    start..c.span.end
}

/// The extension type of a cclass whose methods all compiled.
fn ext_class(cx: &ModuleCx, p: &cclass::Plan, functions: &[hir::Function]) -> hir::ExtClass {
    let id = |m: &str| {
        let name = cclass::method_function_name(&p.layout.name, m);
        functions.iter().find(|f| f.name == name).map(|f| f.id)
    };
    // A ccall is in both: the method table (its wrapper) and the table of cfuncs.
    let is_c = |m: &String| p.layout.cfuncs.contains(m) && !p.layout.ccalls.contains(m);
    let methods = p
        .methods
        .iter()
        .filter(|(m, ..)| !matches!(m.as_str(), "__init__" | "__cinit__" | "__dealloc__") && !is_c(m) && !hir::BUFFER_METHODS.contains(&m.as_str()))
        .filter_map(|(m, ..)| Some((m.clone(), id(m)?)))
        .collect();
    let ids = |keys: &[String]| keys.iter().filter_map(|m| id(m)).collect();
    let properties = p
        .properties
        .iter()
        .filter_map(|(name, set, del)| {
            Some(hir::Property {
                name: name.clone(),
                get: id(name)?,
                set: if *set { Some(id(&format!("{name}.setter"))?) } else { None },
                del: if *del { Some(id(&format!("{name}.deleter"))?) } else { None },
            })
        })
        .collect();
    // The buffer slot methods are C-level too: no wrapper, called by the
    // type's `bf_getbuffer`/`bf_releasebuffer`.
    let c_methods = p.methods.iter().filter(|(m, ..)| is_c(m) || hir::BUFFER_METHODS.contains(&m.as_str())).filter_map(|(m, ..)| id(m)).collect();
    let slot = |(m, owner): &(String, String)| functions.iter().find(|f| f.name == cclass::method_function_name(owner, m)).map(|f| f.id);
    hir::ExtClass {
        base: p.layout.base.as_ref().map(|b| b.name.clone()),
        is_final: p.layout.is_final,
        freelist: p.layout.freelist,
        weaklist: p.layout.weaklist,
        vtab_offset: p.layout.vtab_offset,
        vtable: p.layout.vtable.iter().filter_map(slot).collect(),
        name: p.layout.name.clone(),
        doc: p.doc.clone(),
        class_attrs: p.class_attrs.clone(),
        line: cx.src.line_of(class_range(p.outline).start),
        fields: p.layout.fields.clone(),
        basicsize: p.layout.basicsize,
        methods,
        init: id("__init__"),
        cinit: id("__cinit__"),
        dealloc: id("__dealloc__"),
        getbuffer: id("__getbuffer__"),
        releasebuffer: id("__releasebuffer__"),
        c_methods,
        static_methods: ids(&p.static_methods),
        class_methods: ids(&p.class_methods),
        properties,
        auto_pickle: p.auto_pickle.clone(),
    }
}

/// A `@cython.cclass` left to Python as a whole (the shim makes it a plain
/// class), with the located reason; its methods say so too.
fn class_stays_python(cx: &ModuleCx, c: &syntax::ClassOutline, at: &Span, reason: &str, left: &mut Vec<hir::LeftToPython>) {
    // Reported at the class statement, naming the line of the cause.
    let (line, col) = cx.src.line_col(c.span.start);
    let cause = cx.src.line_of(at.start);
    let reason = if cause == line || reason.contains(&format!("(line {cause})")) { reason.to_string() } else { format!("{reason} (line {cause})") };
    left.push(hir::LeftToPython { kind: "class", function: c.name.clone(), line, col, reason: format!("`@cython.cclass` stays a Python class: {reason}") });
    methods_left(cx, c, &format!("its class `{}` stays Python", c.name), left);
}

/// One entry per method of a class left to Python, each at its `def`.
fn methods_left(cx: &ModuleCx, c: &syntax::ClassOutline, reason: &str, left: &mut Vec<hir::LeftToPython>) {
    for (name, span) in &c.methods {
        let (line, col) = cx.src.line_col(span.start);
        left.push(hir::LeftToPython { kind: "method", function: format!("{}.{name}", c.name), line, col, reason: reason.into() });
    }
}

/// Names that module-level statements other than `def`s bind: computed once,
/// since asking per function was quadratic in the number of functions.
fn names_bound_outside_defs(body: &[Stmt]) -> HashSet<String> {
    let mut names = vec![];
    for s in body.iter().filter(|s| !matches!(s.kind, StmtKind::FunctionDef(_))) {
        syntax::bound_names(s, &mut names);
    }
    names.into_iter().collect()
}

/// Directives of our own, in `# pyc-aot: key=value` comments.
const PYC_AOT_DIRECTIVES: &[&str] = &["associative_math"];

/// `# cython: key=value, …` (and `# pyc-aot: …`) comments before the first statement.
fn comment_directives(src: &SourceFile, warnings: &mut Vec<Diagnostic>) -> Directives {
    let mut d = Directives::default();
    let mut offset = 0;
    for line in src.text.split_inclusive('\n') {
        let trimmed = line.trim();
        let line_start = offset;
        offset += line.len();
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.starts_with('#') {
            break;
        }
        let body = trimmed.trim_start_matches('#').trim_start();
        // `# cython:` comments are Cython's; `# pyc-aot:` ones only ours (Cython ignores them).
        let Some((prefix, rest)) = ["cython:", "pyc-aot:"].iter().find_map(|p| body.strip_prefix(p).map(|r| (*p, r))) else { continue };
        let known: &[&str] = if prefix == "cython:" { vocab::BOOL_DIRECTIVES } else { PYC_AOT_DIRECTIVES };
        let rest_at = line_start + line.find(prefix).map_or(0, |i| i + prefix.len());
        for item in rest.split(',') {
            let item_at = rest_at + rest.find(item).unwrap_or(0);
            let span = item_at..item_at + item.len();
            // A comment CPython ignores must not fail the build: warn, keep the default.
            let Some((key, value)) = item.split_once('=') else {
                warnings.push(
                    Diagnostic::warning(span, format!("malformed {} directive `{}` is ignored", prefix.trim_end_matches(':'), item.trim()))
                        .with_label("expected `name=value`")
                        .with_hint("write e.g. `# cython: cdivision=True, boundscheck=False`"),
                );
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            if known.contains(&key) {
                match value {
                    "True" | "true" => d.set(key, true),
                    "False" | "false" => d.set(key, false),
                    _ => warnings.push(
                        Diagnostic::warning(span, format!("directive `{key}` takes True or False, not `{value}`; it is ignored"))
                            .with_label("not a boolean")
                            .with_hint(format!("write `{key}=True` or `{key}=False`")),
                    ),
                }
            } else if prefix == "pyc-aot:" || !vocab::VALUE_DIRECTIVES.contains(&key) {
                warnings.push(
                    Diagnostic::warning(span, format!("unknown {} directive `{key}` is ignored", prefix.trim_end_matches(':')))
                        .with_hint(format!("known directives: {}", known.join(", "))),
                );
            }
        }
    }
    d
}

fn collect_imports(body: &[Stmt], out: &mut HashMap<String, Binding>, star: &mut bool) {
    for s in body {
        match &s.kind {
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let binding = match a.name.as_str() {
                        "cython" => Some(Binding::Cython),
                        "math" => Some(Binding::Math),
                        "cython.cimports.libc.math" if a.asname.is_some() => Some(Binding::LibcMath),
                        n if n.starts_with("cython.") && a.asname.is_none() => Some(Binding::Cython),
                        _ => None,
                    };
                    let bound = a.asname.clone().unwrap_or_else(|| a.name.split('.').next().unwrap_or("").to_string());
                    if let Some(b) = binding {
                        out.insert(bound, b);
                    }
                }
            }
            StmtKind::ImportFrom { module: Some(m), names, level: 0 } => {
                for a in names {
                    if a.name == "*" {
                        *star = true;
                        continue;
                    }
                    let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
                    let binding = match (m.as_str(), a.name.as_str()) {
                        ("cython", attr) => Some(Binding::CythonAttr(attr.to_string())),
                        ("pyc_aot", "cython") => Some(Binding::Cython),
                        ("math", attr) => Some(Binding::MathAttr(attr.to_string())),
                        ("cython.cimports.libc.math", attr) => Some(Binding::LibcMathAttr(attr.to_string())),
                        ("cython.cimports.libc", "math") => Some(Binding::LibcMath),
                        ("cython.parallel", attr) => Some(Binding::CythonAttr(format!("parallel.{attr}"))),
                        ("cython.cimports.libc.stdlib", attr) => Some(Binding::CythonAttr(format!("cimports.libc.stdlib.{attr}"))),
                        ("cython.cimports.libc.string", attr) => Some(Binding::CythonAttr(format!("cimports.libc.string.{attr}"))),
                        ("cython.cimports.cpython" | "cython.cimports.cpython.buffer", "Py_buffer") => Some(Binding::CythonAttr(structs::PY_BUFFER.into())),
                        ("cython.cimports.cpython" | "cython.cimports.cpython.buffer", attr) if vocab::buffer_flag(&format!("{}{attr}", vocab::BUFFER_FLAG)).is_some() => {
                            Some(Binding::CythonAttr(format!("{}{attr}", vocab::BUFFER_FLAG)))
                        }
                        _ => None,
                    };
                    if let Some(b) = binding {
                        out.insert(bound, b);
                    }
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                *star |= names.iter().any(|a| a.name == "*");
            }
            StmtKind::If { body, orelse, .. } => {
                collect_imports(body, out, star);
                collect_imports(orelse, out, star);
            }
            StmtKind::Other { body, .. } | StmtKind::With { body, .. } => collect_imports(body, out, star),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| collect_imports(b, out, star)),
            _ => {}
        }
    }
}

impl ModuleCx<'_> {
    pub fn line(&self, span: &Span) -> u32 {
        self.src.line_of(span.start)
    }

    pub fn source_text(&self, span: &Span) -> &str {
        self.src.text.get(span.clone()).unwrap_or("")
    }

    /// A span past the end of the file standing for `text` (generated code).
    pub fn synthetic_span(&self, text: &str) -> Span {
        let mut texts = self.synthetic.borrow_mut();
        texts.push(text.to_string());
        let at = self.src.text.len() + texts.len();
        at..at + 1
    }

    /// The source of a default: the file's text, or the generated text a
    /// `synthetic_span` stands for.
    pub fn default_source(&self, span: &Span) -> String {
        match span.start.checked_sub(self.src.text.len() + 1) {
            Some(k) if span.end == span.start + 1 => self.synthetic.borrow().get(k).cloned().unwrap_or_default(),
            _ => self.source_text(span).to_string(),
        }
    }

    /// Which module-level binding a `Name` or `cython.x`-style attribute chain means.
    pub fn binding_of(&self, e: &Expr) -> Option<Binding> {
        match &e.kind {
            ExprKind::Name(n) => self.bindings.get(n).cloned(),
            ExprKind::Attribute { value, attr } => match self.binding_of(value)? {
                Binding::Cython => Some(Binding::CythonAttr(attr.clone())),
                Binding::Math => Some(Binding::MathAttr(attr.clone())),
                Binding::LibcMath => Some(Binding::LibcMathAttr(attr.clone())),
                Binding::CModule(p) => p.names.get(attr).map(|(d, _)| Binding::CDecl(d.clone())),
                Binding::CythonAttr(path) => {
                    let path = format!("{path}.{attr}");
                    if path == "cimports.libc.math" {
                        Some(Binding::LibcMath)
                    } else if let Some(name) = path.strip_prefix("cimports.libc.math.") {
                        Some(Binding::LibcMathAttr(name.to_string()))
                    } else {
                        Some(Binding::CythonAttr(path))
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// Whether the default of parameter `param` of `def` reads a name the
/// class body of `p` binds (a method, a property, a declared field), which
/// Python finds in the class namespace.
fn names_class_body(p: &cclass::Plan, def: &syntax::FunctionDef, param: &str) -> bool {
    let bound = |w: &str| p.methods.iter().any(|(m, ..)| m.split('.').next() == Some(w)) || p.layout.fields.iter().any(|f| f.name == w);
    let Some(d) = def.params.iter().find(|q| q.name == param).and_then(|q| q.default.as_ref()) else { return false };
    let mut hit = false;
    structs::walk_expr(d, &mut |e| hit |= matches!(&e.kind, ExprKind::Name(n) if bound(n)));
    hit
}
