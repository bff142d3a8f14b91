//! Cython 3.3.1's `@cython.dataclasses.dataclass` on a cclass (its
//! `Dataclass.py`): the decorator's options and the class's fields turned
//! into the methods Cython generates (`__init__`, `__repr__`, `__eq__`, the
//! order methods, `__hash__`), written as Python source and parsed at the
//! class statement (`pickle::parse_at`) so they compile as the class's own
//! `def`s (native field loads and stores), and the class attributes Cython
//! sets (`__dataclass_params__`, `__dataclass_fields__` of real
//! `dataclasses.Field`s, `__match_args__`, `__hash__ = None`, the repr's
//! recursion guard), set where the class statement runs (`Plan::class_attrs`;
//! the shim's `__pyc_aot_dataclass_params`/`__pyc_aot_dataclass_fields`).

use super::{Binding, ModuleCx};
use crate::syntax::{self, Expr, ExprKind, Span};

/// The decorator's options (`dataclasses.dataclass`'s defaults).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    pub init: bool,
    pub repr: bool,
    pub eq: bool,
    pub order: bool,
    pub unsafe_hash: bool,
    pub frozen: bool,
    pub kw_only: bool,
    pub match_args: bool,
}

const OPTION_NAMES: [&str; 8] = ["init", "repr", "eq", "order", "unsafe_hash", "frozen", "kw_only", "match_args"];

/// One field of a dataclass (Cython's `Dataclass.Field`), in declaration
/// order, a base dataclass's first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DcField {
    pub name: String,
    /// The default's source (evaluated once where the class statement runs).
    pub default: Option<String>,
    /// The default factory's source (a name or dotted name, called per instance).
    pub factory: Option<String>,
    pub init: bool,
    pub repr: bool,
    pub compare: bool,
    /// `field(hash=...)`: None, True or False.
    pub hash: Option<bool>,
    /// `field(metadata=...)`'s literal source, `None` by default.
    pub metadata: String,
    /// A private field (`cython.declare` without visibility, a pointer):
    /// not in `__dataclass_fields__`.
    pub private: bool,
    /// The annotation's text (the `Field`'s `type`).
    pub type_text: String,
    /// An object that may hold a reference cycle (Cython's `is_gc_simple`
    /// false): `__repr__` gets Cython's recursion guard.
    pub cyclic: bool,
}

/// Whether `d` is `@cython.dataclasses.dataclass` or a call of it (which
/// makes a class a cclass, as Cython's `converts_to_cclass`); with
/// `stdlib`, also the standard library's `dataclasses.dataclass`, which
/// Cython takes for its own on a `@cython.cclass` only.
pub(crate) fn is_decorator(cx: &ModuleCx, d: &Expr, stdlib: bool) -> bool {
    let target = match &d.kind {
        ExprKind::Call { func, .. } => func,
        _ => d,
    };
    cx.binding_of(target) == Some(Binding::CythonAttr("dataclasses.dataclass".into())) || (stdlib && stdlib_name(cx, target).as_deref() == Some("dataclass"))
}

/// `dataclasses.X` or `X` imported from `dataclasses` (`ModuleCx::dataclasses`): `X`.
fn stdlib_name(cx: &ModuleCx, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => cx.dataclasses.get(n).filter(|t| !t.is_empty()).cloned(),
        ExprKind::Attribute { value, attr } => match &value.kind {
            ExprKind::Name(m) if cx.dataclasses.get(m).is_some_and(|t| t.is_empty()) => Some(attr.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `cython.dataclasses.field`, or the standard library's `dataclasses.field`
/// (Cython's `exprnode_to_known_standard_library_name`).
fn is_field_call(cx: &ModuleCx, func: &Expr) -> bool {
    cx.binding_of(func) == Some(Binding::CythonAttr("dataclasses.field".into())) || stdlib_name(cx, func).as_deref() == Some("field")
}

/// The module's top-level imports of `dataclasses`: each bound name, and
/// the `dataclasses` name it is bound to (`""` for the module itself).
pub(crate) fn imports(body: &[syntax::Stmt]) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for s in body {
        match &s.kind {
            syntax::StmtKind::Import(aliases) => {
                for a in aliases.iter().filter(|a| a.name == "dataclasses") {
                    out.insert(a.asname.clone().unwrap_or_else(|| a.name.clone()), String::new());
                }
            }
            syntax::StmtKind::ImportFrom { module: Some(m), names, level: 0 } if m == "dataclasses" => {
                for a in names.iter().filter(|a| a.name != "*") {
                    out.insert(a.asname.clone().unwrap_or_else(|| a.name.clone()), a.name.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// The decorator's options; Cython's compile errors as fallbacks with its wording.
pub(crate) fn options(cx: &ModuleCx, d: &Expr) -> Result<Options, (Span, String)> {
    let mut o = Options { init: true, repr: true, eq: true, order: false, unsafe_hash: false, frozen: false, kw_only: false, match_args: true };
    let ExprKind::Call { args, keywords, .. } = &d.kind else { return Ok(o) };
    let refused = |msg: String| Err((d.span.clone(), format!("Cython refuses it: \"{msg}\"")));
    if !args.is_empty() {
        return refused("cython.dataclasses.dataclass takes no positional arguments".into());
    }
    for kw in keywords {
        let Some(name) = kw.name.as_deref() else {
            return Err((kw.span.clone(), format!("the decorator takes `{}`", cx.source_text(&kw.span))));
        };
        if !OPTION_NAMES.contains(&name) {
            return refused(format!("cython.dataclasses.dataclass() got an unexpected keyword argument '{name}'"));
        }
        let ExprKind::Bool(b) = kw.value.kind else {
            return refused("Arguments passed to cython.dataclasses.dataclass must be True or False".into());
        };
        match name {
            "init" => o.init = b,
            "repr" => o.repr = b,
            "eq" => o.eq = b,
            "order" => o.order = b,
            "unsafe_hash" => o.unsafe_hash = b,
            "frozen" => o.frozen = b,
            "kw_only" => o.kw_only = b,
            _ => o.match_args = b,
        }
    }
    Ok(o)
}

/// Whether a default or factory is one Cython passes around as it is
/// (a literal or a name, Cython's `is_literal or is_name`), or a dotted
/// name, which evaluates to the same object each time: what this slice
/// takes (an expression evaluated twice, for `__init__` and for the
/// `Field`, could make two objects).
fn simple(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis | ExprKind::Name(_) => true,
        ExprKind::Other(k) => *k == "a bytes literal",
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg | syntax::UnaryOp::Pos, operand } => matches!(operand.kind, ExprKind::Int(_) | ExprKind::Float(_)),
        ExprKind::Attribute { value, .. } => simple(value) && matches!(value.kind, ExprKind::Name(_) | ExprKind::Attribute { .. }),
        _ => false,
    }
}

fn literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_))
        || matches!(&e.kind, ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } if matches!(operand.kind, ExprKind::Int(_) | ExprKind::Float(_)))
}

/// A field's default and options read from its class-body value: `= v`
/// (a default) or `= cython.dataclasses.field(...)`.
pub(crate) fn field_of(cx: &ModuleCx, name: &str, value: Option<&Expr>, private: bool, type_text: String, cyclic: bool) -> Result<DcField, (Span, String)> {
    let mut f = DcField { name: name.to_string(), default: None, factory: None, init: true, repr: true, compare: true, hash: None, metadata: "None".into(), private, type_text, cyclic };
    let Some(v) = value else { return Ok(f) };
    let refused = |span: &Span, msg: String| Err((span.clone(), format!("Cython refuses it: \"{msg}\"")));
    let text = |e: &Expr| -> Result<String, (Span, String)> {
        let t = cx.source_text(&e.span);
        if !simple(e) || t.contains('\n') {
            return Err((e.span.clone(), format!("the default of dataclass field `{name}` is other than a literal or a (dotted) name")));
        }
        Ok(t.to_string())
    };
    match &v.kind {
        ExprKind::Call { func, args, keywords } if is_field_call(cx, func) => {
            if !args.is_empty() || keywords.iter().any(|k| k.name.is_none()) {
                return refused(&v.span, "Call to 'cython.dataclasses.field' must only consist of compile-time keyword arguments".into());
            }
            let has = |n: &str| keywords.iter().any(|k| k.name.as_deref() == Some(n));
            if has("default") && has("default_factory") {
                return refused(&v.span, "cannot specify both default and default_factory".into());
            }
            for kw in keywords {
                let key = kw.name.as_deref().unwrap_or("");
                let bool_of = |e: &Expr| match e.kind {
                    ExprKind::Bool(b) => Ok(b),
                    _ => Err((e.span.clone(), format!("`{key}={}` of `cython.dataclasses.field` is other than True or False", cx.source_text(&e.span)))),
                };
                match key {
                    "default" => f.default = Some(text(&kw.value)?),
                    "default_factory" => f.factory = Some(text(&kw.value)?),
                    "repr" | "hash" | "init" | "compare" | "metadata" if !literal(&kw.value) => {
                        return refused(&kw.value.span, format!("cython.dataclasses.field parameter '{key}' must be a literal value"));
                    }
                    "repr" => f.repr = bool_of(&kw.value)?,
                    "init" => f.init = bool_of(&kw.value)?,
                    "compare" => f.compare = bool_of(&kw.value)?,
                    "hash" => {
                        f.hash = match kw.value.kind {
                            ExprKind::NoneLit => None,
                            _ => Some(bool_of(&kw.value)?),
                        }
                    }
                    "metadata" => f.metadata = cx.source_text(&kw.value.span).to_string(),
                    _ => return refused(&kw.span, format!("cython.dataclasses.field() got an unexpected keyword argument '{key}'")),
                }
            }
        }
        ExprKind::List(_) | ExprKind::Dict(..) | ExprKind::Set(_) => {
            let kind = match v.kind {
                ExprKind::List(_) => "list",
                ExprKind::Dict(..) => "dict",
                _ => "set",
            };
            return refused(&v.span, format!("mutable default <class '{kind}'> for field {name} is not allowed: use default_factory"));
        }
        _ => f.default = Some(text(v)?),
    }
    Ok(f)
}

/// What the class gets: its methods' source (parsed by the caller) and
/// its class attributes (name, value source evaluated where the class
/// statement runs, after the class is bound).
pub(crate) struct Generated {
    pub source: String,
    /// For each `__init__` parameter with a default (in order): the
    /// default's source, which the residual evaluates where the class
    /// statement runs.
    pub init_defaults: Vec<String>,
    pub class_attrs: Vec<(String, String)>,
}

/// The sentinel of a field with a default factory (`dataclasses._HAS_DEFAULT_FACTORY`,
/// as Cython's), kept by the shim.
const FACTORY_SENTINEL: &str = "__import__('dataclasses')._HAS_DEFAULT_FACTORY";

/// Cython's generated methods and class attributes. `own`: the names the
/// class body itself binds (methods, class attributes): Cython generates
/// none of those; `post_init`: whether the class defines `__post_init__`.
/// `getters`: a default's source as the residual evaluates it (module C
/// variables through their getters).
pub(crate) fn generate(class: &str, o: &Options, fields: &[DcField], own: &[&str], post_init: bool, getters: &dyn Fn(&str) -> String) -> Result<Generated, String> {
    let mut src = String::new();
    let mut init_defaults = vec![];
    let mut attrs: Vec<(String, String)> = vec![];
    let defines = |n: &str| own.contains(&n);
    if o.init && !defines("__init__") {
        let selfname = if fields.iter().any(|f| f.name == "self") { "__dataclass_self__" } else { "self" };
        let mut params = vec![selfname.to_string()];
        if o.kw_only {
            params.push("*".into());
        }
        let mut body = String::new();
        let mut seen_default = false;
        for f in fields {
            let assignment = match (&f.default, &f.factory) {
                (_, Some(_)) => Some(FACTORY_SENTINEL.to_string()),
                (Some(d), None) => Some(d.clone()),
                (None, None) => None,
            };
            if assignment.is_some() && f.init {
                seen_default = true;
            } else if assignment.is_none() && seen_default && !o.kw_only && f.init {
                return Err(format!("Cython refuses it: \"non-default argument '{}' follows default argument in dataclass __init__\"", f.name));
            }
            if f.init {
                match &assignment {
                    Some(a) => {
                        params.push(format!("{}=None", f.name));
                        init_defaults.push(a.clone());
                    }
                    None => params.push(f.name.clone()),
                }
            }
            match (&f.factory, f.init) {
                (None, true) => body.push_str(&format!("    {selfname}.{n} = {n}\n", n = f.name)),
                (None, false) => {
                    if let Some(d) = &f.default {
                        body.push_str(&format!("    {selfname}.{} = {d}\n", f.name));
                    }
                }
                (Some(factory), true) => body.push_str(&format!(
                    "    {selfname}.{n} = {factory}() if {n} is __pyc_aot_cython__.__pyc_aot_dataclass_factory else {n}\n",
                    n = f.name
                )),
                (Some(factory), false) => body.push_str(&format!("    {selfname}.{} = {factory}()\n", f.name)),
            }
        }
        if post_init {
            body.push_str(&format!("    {selfname}.__post_init__()\n"));
        }
        if body.is_empty() {
            body.push_str("    pass\n");
        }
        src.push_str(&format!("def __init__({}):\n{body}", params.join(", ")));
    }
    if o.match_args && !defines("__match_args__") {
        let names: Vec<String> = if o.kw_only { vec![] } else { fields.iter().map(|f| crate::hir::python_str(&f.name)).collect() };
        let tuple = match names.len() {
            0 => "()".to_string(),
            _ => format!("({},)", names.join(", ")),
        };
        attrs.push(("__match_args__".into(), tuple));
    }
    if o.repr && !defines("__repr__") {
        let parts: Vec<String> = fields.iter().filter(|f| f.repr).map(|f| format!("{n}={{self.{n}!r}}", n = f.name)).collect();
        let ret = format!("return f'{{name}}({})'", parts.join(", "));
        let name = "name = getattr(type(self), \"__qualname__\", None) or type(self).__name__";
        if fields.iter().any(|f| f.cyclic) {
            attrs.push(("__pyx_recursive_repr_guard".into(), "__pyc_aot_cython__.__pyc_aot_repr_guard()".into()));
            src.push_str(&format!(
                "def __repr__(self):
    key = id(self)
    guard_set = type(self).__pyx_recursive_repr_guard.running
    if key in guard_set:
        return '...'
    guard_set.add(key)
    try:
        {name}
        {ret}
    finally:
        guard_set.remove(key)
"
            ));
        } else {
            src.push_str(&format!("def __repr__(self):\n    {name}\n    {ret}\n"));
        }
    }
    let compared: Vec<&str> = fields.iter().filter(|f| f.compare).map(|f| f.name.as_str()).collect();
    let mut cmp = |op: &str, method: &str| {
        if defines(method) {
            return;
        }
        src.push_str(&format!(
            "def {method}(self, other):\n    if other.__class__ is not self.__class__:\n        return NotImplemented\n    other_cast: {class} = other\n"
        ));
        let strict = op.replace('=', "");
        for n in &compared {
            if op != "==" {
                src.push_str(&format!("    if self.{n} {strict} other_cast.{n}:\n        return True\n"));
            }
            src.push_str(&format!("    if self.{n} != other_cast.{n}:\n        return False\n"));
        }
        src.push_str(&format!("    return {}\n", if op.contains('=') { "True" } else { "False" }));
    };
    if o.eq {
        cmp("==", "__eq__");
    }
    if o.order {
        for (op, m) in [("<", "__lt__"), ("<=", "__le__"), (">", "__gt__"), (">=", "__ge__")] {
            cmp(op, m);
        }
    }
    if defines("__hash__") {
        if o.unsafe_hash {
            return Err(format!("Cython refuses it: \"Cannot overwrite attribute __hash__ in class {class}\""));
        }
    } else if !o.unsafe_hash && o.eq && !o.frozen {
        attrs.push(("__hash__".into(), "None".into()));
    } else if o.unsafe_hash || (o.eq && o.frozen) {
        // Cython hashes every field but those declared `hash=False` (its
        // `field.hash.value` of a default None is a C name, true; CPython's
        // dataclasses leave out `compare=False` fields too).
        let names: Vec<String> = fields.iter().filter(|f| f.hash != Some(false)).map(|f| format!("self.{},", f.name)).collect();
        src.push_str(&format!("def __hash__(self):\n    return hash(({}))\n", names.join(" ")));
    }
    let params = OPTION_NAMES
        .iter()
        .map(|n| {
            let v = match *n {
                "init" => o.init,
                "repr" => o.repr,
                "eq" => o.eq,
                "order" => o.order,
                "unsafe_hash" => o.unsafe_hash,
                "frozen" => o.frozen,
                "kw_only" => o.kw_only,
                _ => o.match_args,
            };
            format!("{n}={}", if v { "True" } else { "False" })
        })
        .collect::<Vec<_>>()
        .join(", ");
    attrs.push(("__dataclass_params__".into(), format!("__pyc_aot_cython__.__pyc_aot_dataclass_params(dict({params}, slots=False, weakref_slot=False))")));
    let records: Vec<String> = fields
        .iter()
        .filter(|f| !f.private)
        .map(|f| {
            let b = |v: bool| if v { "True" } else { "False" };
            let mut kw = format!(
                "repr={}, hash={}, init={}, compare={}, metadata={}",
                b(f.repr),
                f.hash.map_or("None", b),
                b(f.init),
                b(f.compare),
                f.metadata
            );
            if let Some(d) = &f.default {
                kw.push_str(&format!(", default={}", getters(d)));
            }
            if let Some(d) = &f.factory {
                kw.push_str(&format!(", default_factory={}", getters(d)));
            }
            format!("({}, {}, dict({kw})),", crate::hir::python_str(&f.name), crate::hir::python_str(&f.type_text))
        })
        .collect();
    attrs.push(("__dataclass_fields__".into(), format!("__pyc_aot_cython__.__pyc_aot_dataclass_fields(({}))", records.join(" "))));
    Ok(Generated { source: src, init_defaults, class_attrs: attrs })
}

/// The generated `def`s parsed at the class statement, the `__init__`'s
/// defaults given their real source (`ModuleCx::synthetic_text`: the
/// parsed placeholder `None`s stand for them).
pub(crate) fn methods(cx: &ModuleCx, g: &Generated, at: &Span) -> Result<Vec<(String, syntax::FunctionDef, Span)>, String> {
    let mut defs = super::pickle::parse_at(&g.source, at).map_err(|why| format!("its dataclass methods do not parse ({why})"))?;
    if let Some((_, init, _)) = defs.iter_mut().find(|(n, ..)| n == "__init__") {
        let mut texts = g.init_defaults.iter();
        for p in init.params.iter_mut() {
            if let Some(d) = p.default.as_mut() {
                let text = texts.next().ok_or("its dataclass `__init__` has more defaults than fields")?;
                d.span = cx.synthetic_span(text);
                if let Ok(m) = syntax::parse_module(text, "<dataclass>") {
                    if let Some(syntax::Stmt { kind: syntax::StmtKind::Expr(e), .. }) = m.body.into_iter().next() {
                        d.kind = e.kind;
                    }
                }
            }
        }
    }
    Ok(defs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, default: Option<&str>) -> DcField {
        DcField { name: name.into(), default: default.map(str::to_string), factory: None, init: true, repr: true, compare: true, hash: None, metadata: "None".into(), private: false, type_text: "cython.int".into(), cyclic: false }
    }

    fn opts() -> Options {
        Options { init: true, repr: true, eq: true, order: false, unsafe_hash: false, frozen: false, kw_only: false, match_args: true }
    }

    fn gen(o: &Options, fields: &[DcField], own: &[&str]) -> Result<Generated, String> {
        generate("C", o, fields, own, false, &|t: &str| t.to_string())
    }

    #[test]
    fn hash_follows_the_dataclasses_table() {
        let fs = [field("a", None)];
        let attr = |g: &Generated, n: &str| g.class_attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        // eq without frozen: unhashable.
        let g = gen(&opts(), &fs, &[]).unwrap();
        assert_eq!(attr(&g, "__hash__").as_deref(), Some("None"));
        assert!(!g.source.contains("def __hash__"));
        // frozen: the fields' tuple.
        let g = gen(&Options { frozen: true, ..opts() }, &fs, &[]).unwrap();
        assert!(g.source.contains("def __hash__(self):\n    return hash((self.a,))\n"));
        // eq=False: the base's hash, untouched.
        let g = gen(&Options { eq: false, ..opts() }, &fs, &[]).unwrap();
        assert!(attr(&g, "__hash__").is_none() && !g.source.contains("__hash__"));
        // An own __hash__ with unsafe_hash: Cython's error.
        let e = gen(&Options { unsafe_hash: true, ..opts() }, &fs, &["__hash__"]).err().unwrap();
        assert!(e.contains("Cannot overwrite attribute __hash__ in class C"));
    }

    #[test]
    fn init_and_match_args() {
        let fs = [field("a", None), field("b", Some("2"))];
        let g = gen(&opts(), &fs, &[]).unwrap();
        assert!(g.source.starts_with("def __init__(self, a, b=None):\n    self.a = a\n    self.b = b\n"));
        assert_eq!(g.init_defaults, vec!["2".to_string()]);
        assert!(g.class_attrs.contains(&("__match_args__".into(), "('a', 'b',)".into())));
        let g = gen(&Options { kw_only: true, ..opts() }, &fs, &[]).unwrap();
        assert!(g.source.starts_with("def __init__(self, *, a, b=None):"));
        assert!(g.class_attrs.contains(&("__match_args__".into(), "()".into())));
        let e = gen(&opts(), &[field("a", Some("1")), field("b", None)], &[]).err().unwrap();
        assert!(e.contains("non-default argument 'b' follows default argument in dataclass __init__"));
        // An own __init__ is kept.
        assert!(!gen(&opts(), &fs, &["__init__"]).unwrap().source.contains("def __init__"));
    }
}
