//! Methods of plain (not `@cython.cclass`) Python classes: each `def`
//! directly in a top-level class body is a candidate named `Class.method`,
//! typed like a module function (untyped parameters, `self` included, are
//! objects). The class body itself stays Python: the residual binds each
//! compiled method on its blanked `def` line to the module's function
//! object (`hir::PlainMethod`), wrapped in `staticmethod`/`classmethod`/
//! `property` as its decorators were. A method reading its defining class
//! (`super()`, `__class__`) gets it as a Python method does, from the
//! `__class__` cell of the class body: the binding line stores that cell
//! (taken from a lambda reading `__class__`, which makes the class body
//! create it) in the holder the module keeps for the method. What a
//! compiled function object cannot be (private name mangling, the methods
//! `type` wraps only when they are Python functions) leaves the method to
//! Python, with the reason.

use super::{Binding, ModuleCx};
use crate::hir;
use crate::syntax::{self, ClassOutline, Expr, ExprKind, Span, Stmt, StmtKind};
use std::ops::Range;

/// Decorators the residual applies around a compiled method.
const WRAPPERS: &[&str] = &["staticmethod", "classmethod", "property"];

/// Methods `type.__new__` turns into static or class methods only when they
/// are Python functions.
const IMPLICIT: &[&str] = &["__new__", "__init_subclass__", "__class_getitem__"];

/// A method planned to compile.
pub(crate) struct Method {
    pub class: String,
    /// The `def` without the decorators the residual applies.
    pub def: syntax::FunctionDef,
    pub span: Span,
    /// The source of those decorators, outermost first.
    pub wrappers: Vec<String>,
    /// The `def`'s source, its decorators included.
    pub range: Range<usize>,
    /// It names `super` or `__class__`: its class body gives it its
    /// `__class__` cell (`hir::PlainMethod::class_cell`).
    pub class_cell: bool,
}

impl Method {
    pub fn qualname(&self) -> String {
        format!("{}.{}", self.class, self.def.name)
    }
}

/// The methods of the module's plain classes that may compile; those that
/// cannot are reported in `left`, each at its `def` with the reason.
pub(crate) fn plan(cx: &ModuleCx, module_body: &[Stmt], classes: &[ClassOutline], left: &mut Vec<hir::LeftToPython>) -> Vec<Method> {
    let mut out = vec![];
    for c in classes.iter().filter(|c| !super::cclass::is_cclass(cx, c)) {
        let class_reason = if !c.decorators.is_empty() {
            Some(format!("its class `{}` is decorated (a class decorator may read its methods as Python functions)", c.name))
        } else if !super::bound_once(module_body, &c.name) {
            Some(format!("the name of its class `{}` is also bound elsewhere at module level", c.name))
        } else {
            None
        };
        for (class, method, span) in &c.nested_methods {
            let (line, col) = cx.src.line_col(span.start);
            let reason = format!("it is a method of the nested class `{class}` (only the methods of top-level classes compile; the nested class runs as Python)");
            left.push(hir::LeftToPython { kind: "method", function: format!("{class}.{method}"), line, col, reason });
        }
        let mut names = vec![];
        c.body.iter().for_each(|s| syntax::bound_names(s, &mut names));
        for stmt in &c.body {
            let StmtKind::FunctionDef(f) = &stmt.kind else { continue };
            let reason = class_reason.clone().or_else(|| method_reason(cx, c, f, stmt, &names));
            let range = def_range(f, stmt);
            if let Some(reason) = reason {
                let (line, col) = cx.src.line_col(f.name_span.start);
                left.push(hir::LeftToPython { kind: "method", function: format!("{}.{}", c.name, f.name), line, col, reason });
                continue;
            }
            let mut def = (**f).clone();
            let (wrap, rest): (Vec<Expr>, Vec<Expr>) = def.decorators.drain(..).partition(|d| wrapper_name(cx, d).is_some());
            def.decorators = rest;
            let wrappers = wrap.iter().map(|d| cx.source_text(&d.span).to_string()).collect();
            let class_cell = reads_class(cx.source_text(&stmt.span));
            out.push(Method { class: c.name.clone(), def, span: stmt.span.clone(), wrappers, range, class_cell });
        }
    }
    out
}

/// The `def` with its decorators.
fn def_range(f: &syntax::FunctionDef, stmt: &Stmt) -> Range<usize> {
    let start = f.decorators.iter().map(|d| d.span.start).chain([stmt.span.start]).min().unwrap_or(stmt.span.start);
    start..stmt.span.end
}

/// `staticmethod`, `classmethod`, `property` (not rebound by the module).
fn wrapper_name(cx: &ModuleCx, d: &Expr) -> Option<&'static str> {
    match &d.kind {
        ExprKind::Name(n) if !cx.module_names.contains(n) => WRAPPERS.iter().copied().find(|w| w == n),
        _ => None,
    }
}

/// Why one method stays Python, if it must.
fn method_reason(cx: &ModuleCx, c: &ClassOutline, f: &syntax::FunctionDef, stmt: &Stmt, names: &[String]) -> Option<String> {
    if names.iter().filter(|n| **n == f.name).count() > 1 {
        return Some(format!("`{}` is bound more than once in the class body", f.name));
    }
    if IMPLICIT.contains(&f.name.as_str()) {
        return Some(format!("`{}` is made a static or class method by `type` only when it is a Python function", f.name));
    }
    for d in &f.decorators {
        let known = wrapper_name(cx, d).is_some()
            || matches!(cx.binding_of(match &d.kind {
                ExprKind::Call { func, .. } => func,
                _ => d,
            }), Some(Binding::CythonAttr(n)) if n != "cfunc" && n != "ccall");
        if !known {
            return Some(format!("it is decorated with `{}` (only `staticmethod`, `classmethod` and `property` are applied to compiled methods)", cx.source_text(&d.span)));
        }
    }
    if f.decorators.iter().filter(|d| wrapper_name(cx, d).is_some()).count() > 1 {
        return Some("it has more than one of `staticmethod`, `classmethod`, `property`".into());
    }
    let text = cx.source_text(&stmt.span);
    for ident in identifiers(text) {
        if ident.starts_with("__") && !ident.ends_with("__") {
            return Some(format!("it names `{ident}`, which Python mangles to `_{}{ident}` inside a class", c.name.trim_start_matches('_')));
        }
    }
    None
}

/// Whether a function's source names `super` or `__class__` (a false
/// match only costs the method a holder cell).
pub(crate) fn reads_class(text: &str) -> bool {
    identifiers(text).any(|w| w == "super" || w == "__class__")
}

/// Whether a function's source names `super`.
pub(crate) fn names_super(text: &str) -> bool {
    identifiers(text).any(|w| w == "super")
}

/// The identifiers of a piece of source (strings and comments included:
/// a false match only leaves a method to Python).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|ch: char| !(ch == '_' || ch.is_alphanumeric())).filter(|w| w.chars().next().is_some_and(|ch| ch == '_' || ch.is_alphabetic()))
}

/// The residual's line binding a compiled method where its `def` stood:
/// `name = wrapper(__pyc_aot_methods__.pop('Class.name'))`. A method with
/// defaults gets them there, evaluated in the class body as a `def`
/// evaluates them (after its decorators, before they apply), on its binder
/// (which takes every default as None until then) and as the function's
/// `__defaults__`/`__kwdefaults__`.
/// `defaults` rewrites a default's source (module C variables read
/// through their getters, `module_consts::with_getters`).
pub(crate) fn binding_line(m: &Method, src: &str, defaults: &dyn Fn(&str) -> String) -> String {
    let qualname = m.qualname();
    let mut value = format!("{}.pop({})", hir::PLAIN_METHODS_GLOBAL, python_str(&qualname));
    let with_defaults: Vec<&syntax::Param> = m.def.params.iter().filter(|p| p.default.is_some()).collect();
    if !with_defaults.is_empty() {
        // A default on several lines (a C parameter's constant in
        // brackets) goes on the one line in brackets of its own.
        let text = |p: &syntax::Param| {
            let t = p.default.as_ref().and_then(|d| src.get(d.span.clone())).unwrap_or("None");
            let t = defaults(t);
            if t.contains('\n') {
                format!("({})", t.replace("\\\n", " ").replace(['\r', '\n'], " "))
            } else {
                t.to_string()
            }
        };
        let positional: Vec<String> = with_defaults.iter().filter(|p| p.kind != syntax::ParamKind::KeywordOnly).map(|p| text(p)).collect();
        let keyword: Vec<&&syntax::Param> = with_defaults.iter().filter(|p| p.kind == syntax::ParamKind::KeywordOnly).collect();
        let kwnames: String = keyword.iter().map(|p| python_str(&p.name) + ",").collect();
        let values: Vec<String> = positional.iter().cloned().chain(keyword.iter().map(|p| text(p))).collect();
        value = format!(
            "{}.{}({}.pop({}), {value}, ({},), {}, ({kwnames}))",
            hir::SHIM_GLOBAL,
            hir::SET_METHOD_DEFAULTS,
            hir::PLAIN_METHODS_GLOBAL,
            python_str(&hir::binder_key(&qualname)),
            values.join(", "),
            positional.len()
        );
    }
    for w in m.wrappers.iter().rev() {
        value = format!("{w}({value})");
    }
    if !m.class_cell {
        return format!("{} = {value}", m.def.name);
    }
    // The lambda's one free variable is the class body's `__class__` cell,
    // which `type.__new__` fills with the class (`__classcell__`).
    format!(
        "{} = {value}; {}.pop({}).cell_contents = (lambda: __class__).__closure__[0]",
        m.def.name,
        hir::PLAIN_METHODS_GLOBAL,
        python_str(&hir::class_cell_key(&m.qualname()))
    )
}

fn python_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::identifiers;

    #[test]
    fn identifiers_of_source() {
        let words: Vec<&str> = identifiers("def m(self): return super().x + self.__y + 1e3").collect();
        assert_eq!(words, ["def", "m", "self", "return", "super", "x", "self", "__y"]);
    }
}
