//! Typing function bodies into HIR: the `Checker` that types one body, and
//! the module-wide fixpoint (`check_all`) that infers locals' and return
//! types across functions and drops the functions that must stay Python
//! (and, in turn, their callers).

mod c_array_init;
mod call;
mod cclass;
mod closure;
mod convert;
mod expr;
mod extern_c;
mod literals;
mod locals;
mod object;
mod parallel;
mod pointer;
mod signature;
mod stmt;
mod super_call;
mod view;
mod comprehension;
mod fstring;
mod generator;
mod yield_expr;
mod try_stmt;
mod with_stmt;

use super::{fallback, ModuleCx, Problem};
use crate::diag::Diagnostic;
use crate::hir::{self, FuncId, LocalId};
use crate::syntax::{self, ExprKind, Span, Stmt, StmtKind};
use crate::types::Ty;
use std::collections::{HashMap, HashSet};

use convert::const_to;
pub(crate) use closure::nested_candidate;
pub(crate) use signature::Candidate;

type R<T> = Result<T, Problem>;

/// Whether control can reach the end of `body`, where Python returns None.
/// Conservative: `true` unless every path returns, raises or loops forever.
fn may_fall_off(body: &[Stmt]) -> bool {
    let Some(last) = body.last() else { return true };
    match &last.kind {
        StmtKind::Return(_) | StmtKind::Raise { .. } => false,
        StmtKind::If { body, orelse, .. } => may_fall_off(body) || may_fall_off(orelse),
        // A context manager's `__exit__` may suppress what the body raises.
        StmtKind::With { body, targets, items } => {
            may_fall_off(body) || targets.iter().any(Option::is_some) || !items.iter().all(|i| matches!(&i.kind, ExprKind::Attribute { attr, .. } if attr == "nogil" || attr == "gil"))
        }
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
        StmtKind::Try { .. } => s.kind.try_blocks().into_iter().any(|b| breaks_out(b)),
        _ => false,
    })
}

/// Types every candidate; returns the compiled functions. Functions outside the
/// native subset, and those calling them, are moved to `left`; the compiled
/// functions' warnings go to `notes`.
pub(crate) fn check_all(
    cx: &ModuleCx,
    mut set: Vec<Candidate>,
    left: &mut Vec<hir::LeftToPython>,
    notes: &mut Vec<Diagnostic>,
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
        let mut round_notes = vec![];
        for (i, c) in set.iter().enumerate() {
            let mut ck = Checker::new(cx, &set, &ids, &rets, c, &local_types[i], false);
            match ck.finish(FuncId(i as u32)) {
                Ok(f) => {
                    functions.push(f);
                    round_notes.append(&mut ck.notes);
                }
                // Until every operation on objects compiles, what the checker
                // refuses in a function holding objects is a gap of ours, not
                // the user's error: the function stays Python, as it did
                // before objects compiled at all.
                Err(Problem::Error(d)) if !CYTHON_OBJECT_ERRORS.contains(&d.message.as_str()) && (holds_objects(c) || ck.touches_objects()) || cx.nested_fns.borrow().contains_key(&c.name) => dropped.push((i, c.span.clone(), format!("it uses objects in a way not compiled yet ({})", d.message))),
                Err(Problem::Error(d)) => errors.push(d),
                Err(Problem::Fallback { span, reason }) => dropped.push((i, span, reason)),
                Err(Problem::Pending) => dropped.push((i, c.span.clone(), "its types could not be inferred".into())),
            }
        }
        // A caller's error may come from a callee that stays Python (a
        // generator typed as returning None): drop first, then judge again.
        if dropped.is_empty() {
            notes.extend(round_notes);
            return if errors.is_empty() { Ok(functions) } else { Err(errors) };
        }
        // A native nested function goes with the function it is made in.
        let gone: HashSet<&str> = dropped.iter().map(|(i, ..)| set[*i].name.as_str()).collect();
        let mut with_outer = vec![];
        for (i, c) in set.iter().enumerate() {
            if let Some(n) = cx.nested_fns.borrow().get(&c.name) {
                if gone.contains(n.outer.as_str()) && !gone.contains(c.name.as_str()) {
                    with_outer.push((i, c.span.clone(), format!("the function it is nested in, `{}`, stays Python", n.outer)));
                }
            }
        }
        // (not reported: the function around it is, and the nested
        // function keeps its interpreted code, as before it compiled)
        let mut quiet: HashSet<usize> = with_outer.iter().map(|d| d.0).collect();
        for (i, ..) in &dropped {
            if cx.nested_fns.borrow().get(&set[*i].name).is_some_and(|n| gone.contains(n.outer.as_str())) {
                quiet.insert(*i);
            }
        }
        dropped.extend(with_outer);
        dropped.sort_by_key(|d| d.0);
        for (i, span, reason) in dropped.iter().rev() {
            if quiet.contains(i) {
                set.remove(*i);
                continue;
            }
            let (line, col) = cx.src.line_col(span.start);
            left.push(hir::LeftToPython { kind: "function", function: set[*i].name.clone(), line, col, reason: reason.clone() });
            set.remove(*i);
        }
    }
}

/// The first operation on objects in `body` beyond what compiles today:
/// objects are read, assigned, returned, passed to and from compiled
/// functions, made from constants and C values, and operated on through the
/// C-API (`object.rs`); anything else done to them is named here.
fn object_operation(body: &[hir::Stmt]) -> Option<String> {
    // One walk: every object must be made by an operation the body builder
    // builds, and be used whole by a statement or as an operand of one.
    let (mut objects, mut used_whole, mut found) = (0usize, 0usize, None);
    hir::visit_stmt_exprs(body, &mut |e| {
        used_whole += usize::from(e.ty == Ty::Object);
        hir::visit_expr(e, &mut |x| {
            used_whole += object_operands(&x.kind).iter().filter(|a| a.ty == Ty::Object).count();
            if x.ty == Ty::Object {
                objects += 1;
                if found.is_none() && !makes_object(&x.kind) {
                    found = Some(describe(&x.kind).to_string());
                }
            }
        })
    });
    found.or_else(|| (objects != used_whole).then(|| "a conversion, comparison or truth value of an object".to_string()))
}

/// The operands an expression takes as objects (the others it does not).
fn object_operands(k: &hir::ExprKind) -> Vec<&hir::Expr> {
    use hir::ExprKind as H;
    match k {
        H::Call(_, args) | H::VirtualCall { args, .. } | H::NewInstance { args, .. } => args.iter().collect(),
        H::Convert(x) | H::Truthy(x) | H::ObjUnary(_, x) | H::ObjectData(x) | H::FieldLoad { obj: x, .. } | H::TypeTest { obj: x, .. } | H::IsClassInstance { obj: x, .. } | H::NoneGuard { obj: x, .. } => vec![&**x],
        H::FieldStore { obj, value, .. } => vec![&**obj, &**value],
        H::ObjBinary { a, b, .. } | H::ObjCompare(_, a, b) | H::ObjIs(a, b) | H::ObjContains { item: a, container: b } => vec![&**a, &**b],
        H::ObjOp { operands, .. } => operands.iter().collect(),
        H::Comprehension(c) => c.exprs().into_iter().filter(|x| x.ty == Ty::Object).collect(),
        H::AssignLocal { value, .. } => vec![&**value],
        // Object values of `and`/`or`/`x if c else y` (operands of the joined type).
        H::And(a, b) | H::Or(a, b) | H::IfExp { then: a, orelse: b, .. } if a.ty == Ty::Object => vec![&**a, &**b],
        _ => vec![],
    }
}

/// Whether the body builder makes an object of this kind of expression.
fn makes_object(k: &hir::ExprKind) -> bool {
    use hir::ExprKind as H;
    let joins_objects = match k {
        H::And(a, _) | H::Or(a, _) | H::IfExp { then: a, .. } => a.ty == Ty::Object,
        _ => false,
    };
    joins_objects || matches!(k, H::Local(_) | H::Call(..) | H::VirtualCall { .. } | H::NewInstance { .. } | H::ObjConst(_) | H::Convert(_) | H::ObjBinary { .. } | H::ObjUnary(..) | H::ObjCompare(..) | H::ObjOp { .. } | H::Comprehension(_) | H::AssignLocal { .. } | H::FieldLoad { .. } | H::TypeTest { .. } | H::NoneGuard { .. })
}

fn describe(k: &hir::ExprKind) -> &'static str {
    use hir::ExprKind as H;
    match k {
        H::Unary(..) | H::Binary(..) | H::NoOverflow(..) => "arithmetic",
        H::Compare { .. } => "a comparison",
        H::Truthy(_) | H::And(..) | H::Or(..) | H::IfExp { .. } => "a truth value",
        _ => "an operation",
    }
}

/// Whether a candidate's signature or `cython.locals` hold objects.
/// Cython's compile errors about objects: errors of the user's code even
/// in a function holding objects (whose other refusals leave it to Python).
const CYTHON_OBJECT_ERRORS: &[&str] = &[convert::TEMPORARY_POINTER];

pub(super) fn holds_objects(c: &Candidate) -> bool {
    c.params.iter().any(|p| p.ty == Ty::Object) || c.declared_ret == Some(Ty::Object) || c.declared_locals.values().any(|t| *t == Ty::Object)
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
    /// Names a `global` statement of the function declares: module globals
    /// read and written in the module's dict, never locals.
    globals: HashSet<String>,
    declared: HashMap<String, Ty>,
    /// Locals declared as fixed-size C arrays, with their shapes.
    c_arrays: HashMap<String, Vec<u64>>,
    local_types: HashMap<String, Ty>,
    locals: Vec<hir::Local>,
    local_ids: HashMap<String, LocalId>,
    loop_depth: u32,
    /// Typing code that runs without the GIL (`with cython.nogil:`, or a
    /// `@cython.nogil` function outside `with cython.gil:`).
    nogil: bool,
    /// Join of the returned types seen (`Some(None)` once they fail to join).
    ret_seen: Option<Option<Ty>>,
    /// It calls a compiled function that takes or returns objects.
    calls_object_function: bool,
    /// Warnings for the build report (the final typing only): a `prange`
    /// that runs serially, and why.
    notes: Vec<Diagnostic>,
    /// Typing the body of a `with cython.parallel.parallel():` block (not
    /// inside a `prange` of it): a `prange` here shares the block's team.
    in_team: bool,
    /// Parameters and locals annotated as a cclass (`typeck/cclass.rs`).
    classes: HashMap<String, std::sync::Arc<crate::frontend::cclass::Layout>>,
    /// An annotation naming a cclass that stays Python.
    class_refused: Option<(Span, String)>,
    /// Its nested functions and the variables they capture
    /// (`frontend/closure.rs`), or why they do not compile.
    closure: crate::frontend::closure::Plan,
    closure_refused: Option<(Span, String)>,
    /// Each captured variable's hidden local holding its cell.
    cells: HashMap<String, LocalId>,
    /// The captured variables read and written through their cells (the
    /// others: parameters nothing assigns, read in place).
    cell_reads: HashSet<String>,
    /// Locals `del` unbinds, objects by default (`declare` replaces that).
    deleted_objects: HashSet<String>,
    /// Its source names `super` (`typeck/super_call.rs`).
    uses_super: bool,
    /// Where the value of the attribute being typed starts: a `super()`
    /// there is `super().attr` (`hir::ClassRead::SuperAttr`).
    super_attr_base: Option<usize>,
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
        let mut declared_global = vec![];
        syntax::global_names(&me.def.body, &mut declared_global);
        let globals: HashSet<String> = declared_global.into_iter().collect();
        local_names.retain(|n| !globals.contains(n));
        let mut ck = Checker {
            cx,
            set,
            ids,
            rets,
            me,
            infer,
            local_names,
            globals,
            declared: me.declared_locals.clone(),
            c_arrays: HashMap::new(),
            local_types: inferred.clone(),
            locals: vec![],
            local_ids: HashMap::new(),
            loop_depth: 0,
            nogil: me.nogil,
            ret_seen: None,
            calls_object_function: false,
            notes: vec![],
            in_team: false,
            classes: HashMap::new(),
            class_refused: None,
            closure: Default::default(),
            closure_refused: None,
            cells: HashMap::new(),
            cell_reads: HashSet::new(),
            uses_super: crate::frontend::pyclass::names_super(cx.source_text(&me.span)),
            super_attr_base: None,
            deleted_objects: HashSet::new(),
        };
        let nested = cx.nested_fns.borrow().get(&me.name).cloned();
        match crate::frontend::closure::plan(cx, &me.name, me.def) {
            // A native nested function holds no nested scope; its free
            // variables it assigns (`nonlocal`) are objects, kept in cells.
            _ if nested.is_some() => {
                // Names of its scope (read through their cells first), so
                // no global or builtin of the name is taken for one.
                for n in nested.iter().flat_map(|n| &n.freevars) {
                    ck.declared.insert(n.clone(), Ty::Object);
                    ck.local_names.insert(n.clone());
                }
            }
            // Nested functions run interpreted, where a cclass's private
            // fields cannot be read (compiled Cython code reads them).
            Ok(plan) if !plan.nested.is_empty() && me.name.split_once('.').is_some_and(|(c, _)| cx.cclass_names.contains(c)) => {
                ck.closure_refused = Some((me.span.clone(), "it holds a nested function, which would run interpreted and could not read the class's private fields".into()));
            }
            // The nested function's code is compiled on its own, where its
            // `super`/`__class__` would find no `__class__` cell.
            Ok(plan) if !plan.nested.is_empty() && me.owner.is_some() && crate::frontend::pyclass::reads_class(cx.source_text(&me.span)) => {
                ck.closure_refused = Some((me.span.clone(), "it holds a nested function and uses `super` or `__class__` (the nested function's code is compiled on its own, without the class's `__class__` cell)".into()));
            }
            Ok(plan) => {
                // Captured variables are objects (what a cell holds).
                for n in &plan.captured {
                    if !me.params.iter().any(|p| &p.name == n) {
                        ck.declared.entry(n.clone()).or_insert(Ty::Object);
                    }
                }
                ck.closure = plan;
            }
            Err(why) => ck.closure_refused = Some(why),
        }
        // A local `del` unbinds is an object (Python's unbound state; as in
        // Cython, whose safe inference leaves such a local an object), unless declared.
        let mut deleted = vec![];
        syntax::deleted_names(&me.def.body, &mut deleted);
        for n in deleted {
            if ck.local_names.contains(&n) && !me.params.iter().any(|p| p.name == n) && !ck.declared.contains_key(&n) {
                ck.declared.insert(n.clone(), Ty::Object);
                ck.deleted_objects.insert(n);
            }
        }
        match cclass::typed_variables(cx, me.def) {
            Ok(c) => ck.classes = c,
            Err(e) => ck.class_refused = Some(e),
        }
        for p in &me.params {
            ck.declared.insert(p.name.clone(), p.ty);
            ck.local_id(&p.name, p.ty);
        }
        ck
    }

    fn finish(&mut self, id: FuncId) -> R<hir::Function> {
        if let Some((span, reason)) = self.class_refused.clone() {
            return fallback(&span, reason);
        }
        let mut body = self.function_body()?;
        if self.me.generator {
            if self.me.class.is_some() {
                return fallback(&self.me.span, "it is a generator method of a cclass, which stays Python");
            }
            if let Some(l) = self.locals.iter().find(|l| matches!(l.ty, Ty::View(_))) {
                return fallback(&self.me.span, format!("it uses `yield` with the memoryview local `{}`, which is not compiled yet", l.name));
            }
        }
        if let Some(what) = object_operation(&body) {
            return fallback(&self.me.span, format!("it operates on objects ({what}), which is not compiled yet"));
        }
        if let Some(line) = object::objects_without_gil(&mut body, self.me.nogil) {
            return fallback(&self.me.span, format!("it uses objects where the GIL is released (line {line}), which needs the GIL"));
        }
        if let Some((line, what)) = view::object_view_problem(&body) {
            let at = if line == 0 { String::new() } else { format!(" (line {line})") };
            return fallback(&self.me.span, format!("it has {what}{at}, which is not compiled yet"));
        }
        if let Some(line) = try_stmt::handling_in_gil_region(&body, self.me.nogil) {
            return fallback(&self.me.span, format!("it uses `try` or a bare `raise` in a function that releases the GIL (line {line}), which is not compiled yet"));
        }
        let ret = match (self.me.declared_ret, self.rets.get(&self.me.name)) {
            (Some(t), _) | (None, Some(&t)) => t,
            (None, None) => return fallback(&self.me.span, "its return type could not be inferred"),
        };
        if self.me.declared_ret.is_none() && !matches!(ret, Ty::Void | Ty::Object) && may_fall_off(&self.me.def.body) {
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
                kind: match p.kind {
                    syntax::ParamKind::PositionalOnly => hir::ParamKind::PositionalOnly,
                    syntax::ParamKind::PositionalOrKeyword => hir::ParamKind::PositionalOrKeyword,
                    syntax::ParamKind::KeywordOnly => hir::ParamKind::KeywordOnly,
                    syntax::ParamKind::VarPositional => hir::ParamKind::VarPositional,
                    syntax::ParamKind::VarKeyword => hir::ParamKind::VarKeyword,
                },
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
            nogil: self.me.nogil,
            outlined_from: None,
            chunk_in_axis: None,
            generator: self.me.generator,
        })
    }

    fn function_body(&mut self) -> R<Vec<hir::Stmt>> {
        self.prescan_declarations(&self.me.def.body)?;
        self.infer_function_pointer_locals(&self.me.def.body);
        self.materialize_c_arrays();
        let body = &self.me.def.body;
        let skip_doc = usize::from(self.me.doc.is_some());
        let mut out = self.parameter_checks();
        self.cells.clear();
        self.cell_reads.clear();
        out.extend(self.make_cells()?);
        out.extend(self.block(&body[skip_doc..])?);
        self.sync_cells(&mut out);
        Ok(out)
    }

    /// Whether objects reached what it typed: declared, inferred or
    /// passed to or from a compiled function.
    fn touches_objects(&self) -> bool {
        self.calls_object_function || self.declared.values().chain(self.local_types.values()).any(|t| *t == Ty::Object)
    }

    fn line(&self, span: &Span) -> u32 {
        self.cx.line(span)
    }
}
