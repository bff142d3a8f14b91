//! Module-level C variables: `NAME = cython.declare(T)` or
//! `NAME = cython.declare(T, value)` of a C number type at module level.
//! Cython 3.3.1 makes such a name a C variable of the module (a `static`
//! of the C file): compiled functions read it, and write it after `global
//! NAME`, also without the GIL; module-level code reads and assigns the
//! same variable; it is not an attribute of the module.
//!
//! - Bound by nothing but its declaration, named by no function's `global`,
//!   with a literal value of its type: a constant (`declared().consts`).
//! - Otherwise, when module-level code binds it only by `NAME = v` and
//!   `NAME op= v`: a variable with storage (`declared().vars`): compiled
//!   code reads and writes it as `hir::MODULE_CVAR` symbols; the residual
//!   Python reaches it through two compiled accessors
//!   (`accessor_source`), its declaration and every module-level read and
//!   assignment rewritten into calls of them (`residual_edits`), and the
//!   reads of top-level class bodies and functions left to Python that
//!   Python resolves to the module global (`python_scope_edits`), as
//!   Cython's class bodies and functions read the C variable.
//! - Anything else stays a module global read as an object.

use super::{Binding, ModuleCx};
use crate::diag::{Diagnostic, SourceFile};
use crate::hir::Const;
use crate::syntax::{self, Expr, ExprKind, Stmt, StmtKind, UnaryOp};
use crate::types::Ty;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

#[derive(Default)]
pub(crate) struct Declared {
    pub consts: HashMap<String, (Const, Ty)>,
    pub vars: BTreeMap<String, Ty>,
    /// Where the variables' declarations start.
    pub decl_starts: HashSet<usize>,
}

/// The accessor functions' names: the residual calls them. One leading
/// underscore: a class body's `__names` would be mangled.
pub(crate) fn getter(name: &str) -> String {
    format!("_pyc_aot_get_{name}")
}

pub(crate) fn setter(name: &str) -> String {
    format!("_pyc_aot_set_{name}")
}

/// `cython.declare(T[, v])` assigned to one name: the name, the type
/// expression and the value.
fn declaration<'a>(cx: &ModuleCx, s: &'a Stmt) -> Option<(&'a str, &'a Expr, Option<&'a Expr>)> {
    let StmtKind::Assign { targets, value } = &s.kind else { return None };
    let [Expr { kind: ExprKind::Name(name), .. }] = targets.as_slice() else { return None };
    let ExprKind::Call { func, args, keywords } = &value.kind else { return None };
    if cx.binding_of(func) != Some(Binding::CythonAttr("declare".into())) || args.is_empty() || args.len() > 2 || !keywords.is_empty() {
        return None;
    }
    Some((name, &args[0], args.get(1)))
}

/// Module-level statements (nested blocks of the module's scope
/// included, functions and classes not), in source order.
fn module_level<'s>(body: &'s [Stmt], out: &mut Vec<&'s Stmt>) {
    for s in body {
        out.push(s);
        match &s.kind {
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                module_level(body, out);
                module_level(orelse, out);
            }
            StmtKind::With { body, .. } => module_level(body, out),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| module_level(b, out)),
            _ => {}
        }
    }
}

pub(crate) fn declared(cx: &ModuleCx, body: &[Stmt]) -> Result<Declared, Vec<Diagnostic>> {
    let mut out = Declared::default();
    if cx.star_import {
        return Ok(out);
    }
    let mut globals = vec![];
    syntax::global_names_anywhere(body, &mut globals);
    let mut stmts = vec![];
    module_level(body, &mut stmts);
    let mut errors = vec![];
    let mut seen: HashMap<&str, &Stmt> = HashMap::new();
    for s in body {
        let Some((name, t, value)) = declaration(cx, s) else { continue };
        if cx.bindings.contains_key(name) {
            continue;
        }
        let Ok(ty) = cx.resolve_type(t) else { continue };
        if !matches!(ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool) {
            continue;
        }
        if let Some(first) = seen.insert(name, s) {
            errors.push(
                Diagnostic::error(s.span.clone(), format!("'{name}' redeclared"))
                    .with_label(format!("declared at line {} already (Cython's error)", cx.line(&first.span))),
            );
            continue;
        }
        // How module-level code binds the name besides its declaration.
        let mut only_assigned = true;
        let mut rebound = false;
        for other in &stmts {
            if std::ptr::eq(*other, s) {
                continue;
            }
            let mut names = vec![];
            match &other.kind {
                StmtKind::Assign { targets, .. } if targets.len() == 1 && matches!(&targets[0].kind, ExprKind::Name(n) if n == name) => rebound = true,
                StmtKind::AugAssign { target, .. } if matches!(&target.kind, ExprKind::Name(n) if n == name) => rebound = true,
                StmtKind::Delete(targets) if targets.iter().any(|t| matches!(&t.kind, ExprKind::Name(n) if n == name)) => {
                    errors.push(Diagnostic::error(other.span.clone(), "Deletion of non-Python, non-C++ object").with_label(format!("`{name}` is a C variable (Cython's error)")));
                }
                _ => {
                    let shallow = Stmt { kind: shallow_kind(&other.kind), span: other.span.clone() };
                    syntax::bound_names(&shallow, &mut names);
                    if names.iter().any(|n| n == name) {
                        only_assigned = false;
                    }
                }
            }
        }
        if !only_assigned {
            continue;
        }
        let literal = value.and_then(literal).and_then(|c| fitted(c, ty));
        match literal {
            Some(c) if !rebound && !globals.iter().any(|g| g == name) => {
                out.consts.insert(name.to_string(), (c, ty));
            }
            _ => {
                out.vars.insert(name.to_string(), ty);
                out.decl_starts.insert(s.span.start);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A statement's kind without its nested blocks (those are visited as
/// statements of their own).
fn shallow_kind(k: &StmtKind) -> StmtKind {
    match k {
        StmtKind::For { target, iter, .. } => StmtKind::For { target: target.clone(), iter: iter.clone(), body: vec![], orelse: vec![] },
        StmtKind::While { test, .. } => StmtKind::While { test: test.clone(), body: vec![], orelse: vec![] },
        StmtKind::If { test, .. } => StmtKind::If { test: test.clone(), body: vec![], orelse: vec![] },
        StmtKind::With { items, targets, .. } => StmtKind::With { items: items.clone(), targets: targets.clone(), body: vec![] },
        StmtKind::Try { handlers, .. } => StmtKind::Try {
            body: vec![],
            handlers: handlers.iter().map(|h| syntax::ExceptHandler { types: h.types.clone(), name: h.name.clone(), body: vec![], span: h.span.clone() }).collect(),
            orelse: vec![],
            finalbody: vec![],
            has_finally: false,
        },
        other => other.clone(),
    }
}

/// The accessors of the variables, as Python source: the getter returns
/// the value as an object, the setter converts an object as an assignment
/// in compiled code does.
pub(crate) fn accessor_source(vars: &BTreeMap<String, Ty>) -> String {
    let mut text = String::new();
    for name in vars.keys() {
        text += &format!("def {}():\n    return {name}\n", getter(name));
        text += &format!("def {}(v):\n    global {name}\n    {name} = v\n", setter(name));
    }
    text
}

/// The residual's edits for the variables: each module-level declaration
/// and assignment a setter call, each module-level read a getter call.
/// `skip`: the source ranges compiled (blanked or replaced) already. A
/// top-level class body or a function left to Python reads a variable
/// through the getter; other statements left to Python reading one are
/// errors.
pub(crate) fn residual_edits(src: &SourceFile, body: &[Stmt], classes: &[syntax::ClassOutline], declared: &Declared, skip: &[Range<usize>]) -> Result<Vec<(Range<usize>, String)>, Diagnostic> {
    let mut edits = vec![];
    let vars = &declared.vars;
    if vars.is_empty() {
        return Ok(edits);
    }
    let mut stmts = vec![];
    module_level(body, &mut stmts);
    for s in stmts {
        if skip.iter().any(|r| r.start <= s.span.start && s.span.end <= r.end) {
            continue;
        }
        let text = |r: &Range<usize>| &src.text[r.clone()];
        match &s.kind {
            StmtKind::Assign { targets, value } if targets.len() == 1 && matches!(&targets[0].kind, ExprKind::Name(n) if vars.contains_key(n)) => {
                let ExprKind::Name(n) = &targets[0].kind else { continue };
                let inner = if declared.decl_starts.contains(&s.span.start) {
                    let ExprKind::Call { args, .. } = &value.kind else { continue };
                    match args.get(1) {
                        Some(v) => Some(reads(src, &v.span, vars)?),
                        None => None,
                    }
                } else {
                    Some(reads(src, &value.span, vars)?)
                };
                let call = match inner {
                    Some(v) => format!("{}({v})", setter(n)),
                    None => "pass".to_string(),
                };
                edits.push((s.span.clone(), padded(call, text(&s.span))));
            }
            StmtKind::AugAssign { target, op, value } if matches!(&target.kind, ExprKind::Name(n) if vars.contains_key(n)) => {
                let ExprKind::Name(n) = &target.kind else { continue };
                let v = reads(src, &value.span, vars)?;
                let call = format!("{}({}() {} ({v}))", setter(n), getter(n), op.symbol());
                edits.push((s.span.clone(), padded(call, text(&s.span))));
            }
            StmtKind::FunctionDef(_) => {
                // A function left to Python reads the variables through the getters.
                let tokens: Vec<_> = name_tokens(src, &s.span, vars).into_iter().filter(|(at, _)| !skip.iter().any(|r| r.contains(at))).collect();
                python_scope_edits(src, std::slice::from_ref(s), &[], &tokens, &mut edits)?;
            }
            StmtKind::Other { what: "a class definition", .. } if classes.iter().any(|c| c.span == s.span) => {
                // A class body (Cython compiles it, reading the C variable):
                // its reads and its methods' reads through the getters.
                let Some(class) = classes.iter().find(|c| c.span == s.span) else { continue };
                let tokens: Vec<_> = name_tokens(src, &s.span, vars).into_iter().filter(|(at, _)| !skip.iter().any(|r| r.contains(at))).collect();
                let mut binds = vec![];
                class.body.iter().for_each(|s| syntax::bound_names(s, &mut binds));
                python_scope_edits(src, &class.body, &binds, &tokens, &mut edits)?;
            }
            StmtKind::Other { what, .. } => {
                if let Some((at, n)) = name_tokens(src, &s.span, vars).into_iter().find(|(at, _)| !skip.iter().any(|r| r.contains(at))) {
                    return Err(unreachable_from_python(at, &n, &format!("this `{what}` statement stays Python")));
                }
            }
            _ => {
                // Compound statements: their own expressions only (their
                // blocks are statements of this walk).
                for e in syntax::own_exprs(s) {
                    if !name_tokens(src, &e.span, vars).is_empty() {
                        if matches!(e.kind, ExprKind::Name(_)) && !matches!(s.kind, StmtKind::Expr(_) | StmtKind::Return(_)) && is_target(s, e) {
                            return Err(Diagnostic::error(e.span.clone(), "the module-level C variable is bound here other than by `=` or `op=`")
                                .with_label("only `NAME = v` and `NAME op= v` assign it at module level"));
                        }
                        edits.push((e.span.clone(), reads(src, &e.span, vars)?));
                    }
                }
            }
        }
    }
    Ok(edits)
}

/// The getter calls for the names (`tokens`, in the source of `body`: a
/// class body, or one function) that Python resolves to the module's
/// globals: not bound in the function around them (a class body's own
/// bindings, `class_binds`, hide the variable from the reads at its level,
/// which read the class's attribute, not from its functions', which skip
/// the class scope), or declared `global` there. A function left to Python
/// assigning a variable, a lambda's parameter or comprehension's
/// variable of its name, or a read inside a nested class are errors.
fn python_scope_edits(src: &SourceFile, body: &[Stmt], class_binds: &[String], tokens: &[(usize, String)], edits: &mut Vec<(Range<usize>, String)>) -> Result<(), Diagnostic> {
    for (at, name) in tokens {
        let (at, name) = (*at, name.as_str());
        let mut chain = None;
        enclosing_defs(body, at, &mut chain).map_err(|class| unreachable_from_python(at, name, &format!("the class at line {} nested here stays Python", src.line_of(class))))?;
        let Some(chain) = chain else { continue };
        let mut global = chain.is_empty() && !class_binds.iter().any(|b| b == name);
        for f in chain.iter().rev() {
            let mut globals = vec![];
            syntax::global_names(&f.body, &mut globals);
            let mut local = vec![];
            f.body.iter().for_each(|s| syntax::bound_names(s, &mut local));
            f.params.iter().chain(&f.vararg).chain(&f.kwarg).for_each(|p| local.push(p.name.clone()));
            if globals.iter().any(|g| g == name) {
                if local.iter().any(|l| l == name) {
                    return Err(unreachable_from_python(at, name, &format!("function `{}` stays Python and assigns it", f.name)));
                }
                global = true;
                break;
            }
            if local.iter().any(|l| l == name) {
                break;
            }
            global = true;
        }
        if !global {
            continue;
        }
        let before = src.text[..at].trim_end();
        if before.ends_with("lambda") || before.ends_with("for") || before.ends_with(',') && before.rsplit('\n').next().is_some_and(|l| l.contains("lambda")) {
            return Err(Diagnostic::error(at..at + name.len(), format!("`{name}` is a module-level C variable and cannot be bound here"))
                .with_label("a lambda's parameter or a comprehension's variable of the same name"));
        }
        edits.push((at..at + name.len(), format!("{}()", getter(name))));
    }
    Ok(())
}

/// The `def`s whose bodies hold the offset `at` in `body`, outermost
/// first; `None` when `at` is a parameter's name or annotation (no read);
/// the span's start of a class nested in `body` holding it as an error.
fn enclosing_defs<'s>(body: &'s [Stmt], at: usize, chain: &mut Option<Vec<&'s syntax::FunctionDef>>) -> Result<(), usize> {
    if chain.is_none() {
        *chain = Some(vec![]);
    }
    for s in body {
        if !(s.span.start <= at && at < s.span.end) {
            continue;
        }
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                let body_start = f.body.first().map_or(s.span.end, |b| b.span.start);
                if at >= body_start {
                    chain.get_or_insert_with(Vec::new).push(f);
                    return enclosing_defs(&f.body, at, chain);
                }
                // The header: defaults are read where the `def` runs.
                let in_default = f.params.iter().filter_map(|p| p.default.as_ref()).any(|d| d.span.start <= at && at < d.span.end);
                if !in_default && !f.decorators.iter().any(|d| d.span.start <= at && at < d.span.end) {
                    *chain = None;
                }
                return Ok(());
            }
            StmtKind::Other { what: "a class definition", .. } => return Err(s.span.start),
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                enclosing_defs(body, at, chain)?;
                return enclosing_defs(orelse, at, chain);
            }
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => return enclosing_defs(body, at, chain),
            StmtKind::Try { .. } => {
                for b in s.kind.try_blocks() {
                    enclosing_defs(b, at, chain)?;
                }
                return Ok(());
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

fn is_target(s: &Stmt, e: &Expr) -> bool {
    match &s.kind {
        StmtKind::Assign { targets, .. } => targets.iter().any(|t| std::ptr::eq(t, e)),
        StmtKind::For { target, .. } | StmtKind::AnnAssign { target, .. } => std::ptr::eq(target, e),
        StmtKind::With { targets, .. } => targets.iter().flatten().any(|t| std::ptr::eq(t, e)),
        StmtKind::Delete(_) => true,
        _ => false,
    }
}

fn unreachable_from_python(at: usize, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(at..at + name.len(), format!("`{name}` is a module-level C variable, which Python code cannot reach"))
        .with_label(format!("{what} (see the build report)"))
        .with_hint("make the code compile, or pass the value as an argument")
}

/// `call` with as many newlines after it as `old` has, so lines stay put.
fn padded(call: String, old: &str) -> String {
    let lines = old.matches('\n').count().saturating_sub(call.matches('\n').count());
    if lines == 0 {
        call
    } else {
        format!("({call}{})", "\n".repeat(lines))
    }
}

/// The names of `vars` read in `range` of the source (name tokens not
/// after a `.`, not a keyword argument's name), with their offsets.
fn name_tokens(src: &SourceFile, range: &Range<usize>, vars: &BTreeMap<String, Ty>) -> Vec<(usize, String)> {
    syntax::read_names(&src.text[range.clone()]).into_iter().filter(|(_, n)| vars.contains_key(n)).map(|(at, n)| (range.start + at, n)).collect()
}

/// `code` (one expression) with each read of a variable a getter call.
pub(crate) fn with_getters(code: &str, vars: &BTreeMap<String, Ty>) -> String {
    let mut text = code.to_string();
    for (at, name) in syntax::read_names(code).into_iter().rev().filter(|(_, n)| vars.contains_key(n)) {
        text.replace_range(at..at + name.len(), &format!("{}()", getter(&name)));
    }
    text
}

/// The source of `range` with each read of a variable a getter call.
fn reads(src: &SourceFile, range: &Range<usize>, vars: &BTreeMap<String, Ty>) -> Result<String, Diagnostic> {
    let mut text = src.text[range.clone()].to_string();
    for (at, name) in name_tokens(src, range, vars).into_iter().rev() {
        let before = src.text[range.start..at].trim_end();
        if before.ends_with("lambda") || before.ends_with("for") || before.ends_with(',') && before.contains("lambda") {
            return Err(Diagnostic::error(at..at + name.len(), format!("`{name}` is a module-level C variable and cannot be bound here"))
                .with_label("a lambda's parameter or a comprehension's variable of the same name"));
        }
        let k = at - range.start;
        text.replace_range(k..k + name.len(), &format!("{}()", getter(&name)));
    }
    Ok(text)
}

fn literal(e: &Expr) -> Option<Const> {
    match &e.kind {
        ExprKind::Int(Some(v)) => i64::try_from(*v).ok().map(Const::Int),
        ExprKind::Float(f) => Some(Const::Float(*f)),
        ExprKind::Bool(b) => Some(Const::Bool(*b)),
        ExprKind::UnaryOp { op: UnaryOp::Neg, operand } => match literal(operand)? {
            Const::Int(v) => v.checked_neg().map(Const::Int),
            Const::Float(f) => Some(Const::Float(-f)),
            Const::Bool(_) => None,
        },
        _ => None,
    }
}

/// The literal as a value of `ty`, when it is one exactly.
fn fitted(c: Const, ty: Ty) -> Option<Const> {
    match (c, ty) {
        (Const::Int(v), Ty::Int(t)) => {
            let fits = match (t.bits, t.signed) {
                (64, true) => true,
                (64, false) => v >= 0,
                (b, true) => v >= -(1i64 << (b - 1)) && v < (1i64 << (b - 1)),
                (b, false) => v >= 0 && v < (1i64 << b),
            };
            fits.then_some(Const::Int(v))
        }
        (Const::Int(v), Ty::Float(f)) if v.unsigned_abs() <= 1 << 53 => Some(Const::Float(round_to(v as f64, f))),
        (Const::Float(x), Ty::Float(f)) if x.is_finite() => Some(Const::Float(round_to(x, f))),
        (Const::Bool(b), Ty::Bool) => Some(Const::Bool(b)),
        _ => None,
    }
}

fn round_to(x: f64, bits: u8) -> f64 {
    if bits == 32 {
        x as f32 as f64
    } else {
        x
    }
}
