//! `@cython.cclass` classes read into extension type layouts: the C fields
//! declared in the class body (`x: cython.double`, or
//! `x = cython.declare(cython.int, visibility='public')`) at fixed offsets
//! after the `PyObject` header, and the methods compiled as functions named
//! `Class.method` whose first parameter (`self`) is an instance.
//!
//! A class compiles as a whole or not at all: its private fields are
//! reachable only from compiled code. Whatever this slice does not handle
//! (other bases, other typed object fields, decorated methods, special methods
//! without a slot in `hir::SLOT_METHODS`, class-level code) leaves the
//! class to Python with the reason.

use super::{Binding, ModuleCx};
use crate::hir::{AutoPickle, Field, Visibility};
use crate::syntax::{self, ClassOutline, Expr, ExprKind, ParamKind, Span, StmtKind};
use crate::types::Ty;
use std::borrow::Cow;

/// `PyObject` (refcount, type) on every GIL build of CPython 3.9–3.13.
pub(crate) const HEADER_BYTES: u32 = 16;

/// What compiled code needs of a class to type `self.x`.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub name: String,
    pub fields: Vec<Field>,
    pub basicsize: u32,
    /// Its own `@cython.cfunc` and `@cython.ccall` methods: each has a slot
    /// in the table.
    pub cfuncs: Vec<String>,
    /// Its `@cython.ccall` methods, own and inherited: in the table and
    /// visible to Python too, so a compiled call checks that the receiver
    /// is an instance of a compiled class (else Python's lookup finds an
    /// override, or the method's wrapper).
    pub ccalls: Vec<String>,
    /// The cclass of the module it extends (whose fields come first).
    pub base: Option<std::sync::Arc<Layout>>,
    /// `@cython.final`: no subclass, so its cfuncs are called directly.
    pub is_final: bool,
    /// `@cython.freelist(n)`: up to `n` freed instances kept for reuse.
    pub freelist: u32,
    /// Where instances keep their list of weak references (a
    /// `__weakref__: object` declaration, its own or its base's).
    pub weaklist: Option<u32>,
    /// Where its instances hold the pointer to their class's table of
    /// cfunc entries (Cython's `__pyx_vtab`), when it or a base has cfuncs.
    pub vtab_offset: Option<u32>,
    /// The table's slots: each cfunc (the base's first, in the base's
    /// order) and the class whose implementation the slot holds.
    pub vtable: Vec<(String, String)>,
    /// Its cfuncs (own or inherited) that a cclass subclass in the module
    /// overrides: a call on an instance goes through the table.
    pub overridden: Vec<String>,
    /// Its `def` methods, own and inherited (a subclass's cfunc may not
    /// take one of these names, as in Cython).
    pub py_methods: Vec<String>,
    /// Its own methods' keys, and among them its `@staticmethod`s (`false`)
    /// and `@classmethod`s (`true`): what `C.m(...)` and `r.m(...)` call.
    pub own_methods: Vec<String>,
    pub statics: Vec<(String, bool)>,
    /// `@cython.dataclasses.dataclass`: its fields (a base dataclass's
    /// first), which a dataclass subclass extends.
    pub dataclass: Option<Vec<super::dataclass::DcField>>,
}

impl Layout {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The cfunc `m` of the class (own or inherited): its table slot and
    /// the class that implements it for an instance of exactly this class.
    pub fn cfunc(&self, m: &str) -> Option<(u32, &str)> {
        self.vtable.iter().position(|(n, _)| n == m).map(|k| (k as u32, self.vtable[k].1.as_str()))
    }

    /// Whether a call of the cfunc `m` on an instance typed as this class
    /// must go through the table (a subclass of the module overrides it).
    pub fn dispatched(&self, m: &str) -> bool {
        !self.is_final && self.overridden.iter().any(|o| o == m)
    }

    /// The `@staticmethod` (`false`) or `@classmethod` (`true`) `m` found
    /// on this class (its own, or its nearest base's that defines `m`), and
    /// the class defining it. `None`: `m` is no such method here.
    pub fn py_static(&self, m: &str) -> Option<(&str, bool)> {
        if self.field(m).is_some() {
            return None;
        }
        if self.own_methods.iter().any(|o| o == m) {
            return self.statics.iter().find(|(s, _)| s == m).map(|(_, class)| (self.name.as_str(), *class));
        }
        self.base.as_ref()?.py_static(m)
    }

    /// Whether `other` is this class or one of its bases.
    pub fn extends(&self, other: &str) -> bool {
        self.name == other || self.base.as_ref().is_some_and(|b| b.extends(other))
    }
}

/// A `@cython.cclass` this slice can compile, if its methods type.
pub(crate) struct Plan<'a> {
    pub outline: &'a ClassOutline,
    pub layout: std::sync::Arc<Layout>,
    pub doc: Option<String>,
    /// Its `def`s: the key (the Python name; a property's setter and
    /// deleter `x.setter`, `x.deleter`), the definition and its
    /// statement's span; the pickling methods Cython adds are owned
    /// (`frontend/pickle.rs`).
    pub methods: Vec<(String, Cow<'a, syntax::FunctionDef>, Span)>,
    /// The keys of its `@staticmethod`s and `@classmethod`s (typed as
    /// functions: no `self`).
    pub static_methods: Vec<String>,
    pub class_methods: Vec<String>,
    /// Its `@property`s: the name, and whether it has a setter and a deleter.
    pub properties: Vec<(String, bool, bool)>,
    /// Whether (and how) Cython's pickling methods are among `methods`.
    pub auto_pickle: Option<AutoPickle>,
    /// Its class attributes of constants: the name, the value's source.
    pub class_attrs: Vec<(String, String)>,
}

/// What a Python decorator (`staticmethod`, `classmethod`, `property`,
/// `x.setter`, `x.deleter`, unshadowed) makes of a method of a cclass.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyDecorator {
    Static,
    Class,
    Getter,
    Setter(String),
    Deleter(String),
}

fn py_decorator(cx: &ModuleCx, d: &Expr) -> Option<PyDecorator> {
    let unshadowed = |n: &str| !cx.bindings.contains_key(n) && !cx.top_defs.contains_key(n) && !cx.cclass_names.contains(n);
    match &d.kind {
        ExprKind::Name(n) if unshadowed(n) => match n.as_str() {
            "staticmethod" => Some(PyDecorator::Static),
            "classmethod" => Some(PyDecorator::Class),
            "property" => Some(PyDecorator::Getter),
            _ => None,
        },
        ExprKind::Attribute { value, attr } => match (&value.kind, attr.as_str()) {
            (ExprKind::Name(p), "setter") => Some(PyDecorator::Setter(p.clone())),
            (ExprKind::Name(p), "deleter") => Some(PyDecorator::Deleter(p.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// The Python decorator of a method, if it has one (`method` allows one at most).
pub(crate) fn method_py_decorator(cx: &ModuleCx, f: &syntax::FunctionDef) -> Option<PyDecorator> {
    f.decorators.iter().find_map(|d| py_decorator(cx, d))
}

/// The method without its Python decorator (applied by the type's glue),
/// as the function it compiles to.
pub(crate) fn without_py_decorator(cx: &ModuleCx, f: &syntax::FunctionDef) -> syntax::FunctionDef {
    let mut g = f.clone();
    g.decorators.retain(|d| py_decorator(cx, d).is_none());
    g
}

/// The function name a method compiles under (never a Python identifier,
/// so no call by name reaches it).
pub(crate) fn method_function_name(class: &str, method: &str) -> String {
    format!("{class}.{method}")
}

/// Whether the class statement is decorated `@cython.cclass`, or
/// `@cython.dataclasses.dataclass`, which Cython makes a cclass too.
pub(crate) fn is_cclass(cx: &ModuleCx, c: &ClassOutline) -> bool {
    c.decorators.iter().any(|d| cx.binding_of(d) == Some(Binding::CythonAttr("cclass".into())) || super::dataclass::is_decorator(cx, d, false))
}

/// The layout and methods of a `@cython.cclass`, or where and why it stays Python.
/// `planned`: the cclasses planned so far (a base comes before its
/// subclasses in the source); `classes`: every class of the module.
pub(crate) fn plan<'a>(cx: &ModuleCx, c: &'a ClassOutline, planned: &[Plan], classes: &[ClassOutline]) -> Result<Plan<'a>, (Span, String)> {
    let mut is_final = false;
    let mut freelist = 0;
    let mut auto_pickle = cx.directives.auto_pickle;
    let mut dataclass: Option<super::dataclass::Options> = None;
    for (k, d) in c.decorators.iter().enumerate() {
        if super::dataclass::is_decorator(cx, d, true) {
            if dataclass.is_some() {
                return Err((d.span.clone(), "it is decorated as a dataclass twice".into()));
            }
            dataclass = Some(super::dataclass::options(cx, d)?);
            continue;
        }
        if let ExprKind::Call { func, args, keywords } = &d.kind {
            if cx.binding_of(func) == Some(Binding::CythonAttr("auto_pickle".into())) {
                // Cython takes it above `@cython.cclass` only.
                if c.decorators[..k].iter().any(|e| cx.binding_of(e) == Some(Binding::CythonAttr("cclass".into()))) {
                    return Err((d.span.clone(), "`@cython.auto_pickle` is below `@cython.cclass` (Cython: \"The auto_pickle compiler directive is not allowed in class scope\")".into()));
                }
                match (args.as_slice(), keywords.is_empty()) {
                    ([Expr { kind: ExprKind::Bool(b), .. }], true) => {
                        auto_pickle = Some(*b);
                        continue;
                    }
                    _ => return Err((d.span.clone(), "`@cython.auto_pickle` takes other than one `True` or `False`".into())),
                }
            }
            if cx.binding_of(func) == Some(Binding::CythonAttr("freelist".into())) {
                match (args.as_slice(), keywords.is_empty()) {
                    ([Expr { kind: ExprKind::Int(Some(n)), .. }], true) if (1..=1_000_000).contains(n) => {
                        freelist = *n as u32;
                        continue;
                    }
                    _ => return Err((d.span.clone(), "`@cython.freelist` takes other than one positive int literal".into())),
                }
            }
        }
        match cx.binding_of(d) {
            Some(Binding::CythonAttr(n)) if n == "cclass" => {}
            Some(Binding::CythonAttr(n)) if n == "final" => is_final = true,
            _ => return Err((d.span.clone(), format!("it is decorated with `{}`, which pyc-aot does not compile on a cclass yet", cx.source_text(&d.span)))),
        }
    }
    let base = match (c.bases, c.base_names.as_slice()) {
        (0, _) => None,
        // `class C(object):` is `class C:`.
        (1, [b]) if b == "object" && !cx.module_names.contains(b) => None,
        (1, [b]) => match planned.iter().find(|p| p.layout.name == *b) {
            Some(p) if p.layout.is_final => return Err((c.span.clone(), format!("its base `{b}` is `@cython.final`"))),
            Some(p) => Some(p.layout.clone()),
            None => return Err((c.span.clone(), format!("its base `{b}` is not a compiled `@cython.cclass` of the module (defined before it)"))),
        },
        _ => return Err((c.span.clone(), "it has more than one base, a base that is not a name, or class keywords".into())),
    };
    let mut fields: Vec<Field> = base.as_ref().map_or(vec![], |b| b.fields.clone());
    let mut methods: Vec<(String, Cow<syntax::FunctionDef>, Span)> = vec![];
    let (mut static_methods, mut class_methods, mut properties) = (vec![], vec![], vec![]);
    let mut public_objects: Vec<String> = vec![];
    let mut readonly: Vec<String> = vec![];
    let mut public_numbers: Vec<String> = vec![];
    let mut doc = None;
    let mut class_attrs: Vec<(String, String)> = vec![];
    let mut cfuncs = vec![];
    // A dataclass's fields: a base dataclass's (the nearest), then its own.
    let mut dc_fields: Vec<super::dataclass::DcField> = match &dataclass {
        Some(_) => {
            let mut b = base.as_deref();
            loop {
                match b {
                    Some(l) if l.dataclass.is_some() => break l.dataclass.clone().unwrap_or_default(),
                    Some(l) => b = l.base.as_deref(),
                    None => break vec![],
                }
            }
        }
        None => vec![],
    };
    // Each own field's default (`x: T = v`, `cython.declare(T, v)`) when a dataclass.
    let mut dc_value: Option<&Expr>;
    let mut offset = base.as_ref().map_or(HEADER_BYTES, |b| b.basicsize);
    // The table pointer: the base's, or first of this class's own memory
    // when it is the first of its line to have cfuncs.
    let own_cfunc = c.body.iter().any(|s| matches!(&s.kind, StmtKind::FunctionDef(f) if c_kind(cx, f).is_some()));
    let mut ccalls: Vec<String> = base.as_ref().map_or(vec![], |b| b.ccalls.clone());
    let mut weaklist = base.as_ref().and_then(|b| b.weaklist);
    let vtab_offset = match base.as_ref().and_then(|b| b.vtab_offset) {
        Some(o) => Some(o),
        None if own_cfunc => {
            offset += 8;
            Some(offset - 8)
        }
        None => None,
    };
    for (k, s) in c.body.iter().enumerate() {
        let (name, (ty, class, builtin), visibility, at) = match &s.kind {
            StmtKind::Expr(Expr { kind: ExprKind::Str(d), .. }) if k == 0 => {
                doc = Some(d.clone());
                continue;
            }
            StmtKind::Pass => continue,
            StmtKind::FunctionDef(f) => {
                method(cx, f, &s.span)?;
                let shadows = |n: &str| base.as_ref().is_some_and(|b| b.cfunc(n).is_some() || b.py_methods.iter().any(|m| m == n));
                if let Some(d) = method_py_decorator(cx, f) {
                    let key = match &d {
                        PyDecorator::Setter(p) | PyDecorator::Deleter(p) => {
                            let Some(k) = properties.iter().position(|(n, ..): &(String, bool, bool)| n == p).filter(|_| *p == f.name) else {
                                return Err((f.name_span.clone(), format!("`{}` is a setter or deleter of `{p}`, which is not a property defined before it under the same name", f.name)));
                            };
                            let setter = matches!(d, PyDecorator::Setter(_));
                            let slot = if setter { &mut properties[k].1 } else { &mut properties[k].2 };
                            if *slot {
                                return Err((f.name_span.clone(), format!("property `{p}` has two {}s", if setter { "setter" } else { "deleter" })));
                            }
                            *slot = true;
                            format!("{p}.{}", if setter { "setter" } else { "deleter" })
                        }
                        _ => f.name.clone(),
                    };
                    if shadows(&f.name) && !matches!(d, PyDecorator::Setter(_) | PyDecorator::Deleter(_)) {
                        return Err((f.name_span.clone(), format!("its `{}` takes the name of a method of its base", f.name)));
                    }
                    if methods.iter().any(|(m, ..)| *m == key) {
                        return Err((f.name_span.clone(), format!("`{}` is defined twice in the class body", f.name)));
                    }
                    match d {
                        PyDecorator::Static => static_methods.push(key.clone()),
                        PyDecorator::Class => class_methods.push(key.clone()),
                        PyDecorator::Getter => properties.push((key.clone(), false, false)),
                        _ => {}
                    }
                    methods.push((key, Cow::Borrowed(&**f), s.span.clone()));
                    continue;
                }
                if properties.iter().any(|(n, ..)| *n == f.name) {
                    return Err((f.name_span.clone(), format!("`{}` is defined twice in the class body", f.name)));
                }
                let inherited_c = base.as_ref().is_some_and(|b| b.cfunc(&f.name).is_some());
                let inherited_py = base.as_ref().is_some_and(|b| b.py_methods.contains(&f.name));
                let inherited_ccall = base.as_ref().is_some_and(|b| b.ccalls.contains(&f.name));
                if let Some(kind) = c_kind(cx, f) {
                    if inherited_py {
                        return Err((f.name_span.clone(), format!("its `{kind}` `{}` overrides a `def` method of its base (Cython refuses that)", f.name)));
                    }
                    // A ccall over a cfunc would make the base's C-only
                    // method visible to Python through the subclass only.
                    if inherited_c && (kind == "ccall") != inherited_ccall {
                        return Err((f.name_span.clone(), format!("its `{kind}` `{}` overrides a method of its base that is not a `{kind}`", f.name)));
                    }
                    if kind == "ccall" && !inherited_ccall {
                        ccalls.push(f.name.clone());
                    }
                    cfuncs.push(f.name.clone());
                } else if inherited_c {
                    return Err((f.name_span.clone(), format!("its `def` method `{}` overrides a `cfunc`/`ccall` of its base (Cython refuses that)", f.name)));
                }
                methods.push((f.name.clone(), Cow::Borrowed(&**f), s.span.clone()));
                continue;
            }
            StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), .. }, annotation, value: None } => {
                dc_value = None;
                let ft = field_type(cx, annotation, n, false)?;
                // Cython: a dataclass's annotated field is public (readonly
                // when frozen) if it converts to a Python object.
                let visibility = match &dataclass {
                    Some(o) if !ft.0.is_pointer() && n != "__weakref__" => if o.frozen { Visibility::Readonly } else { Visibility::Public },
                    _ => Visibility::Private,
                };
                (n.clone(), ft, visibility, &s.span)
            }
            // A dataclass field's default (Cython removes the class-level
            // assignment: no class attribute).
            StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), .. }, annotation, value: Some(v) } if dataclass.is_some() => {
                dc_value = Some(v);
                let ft = field_type(cx, annotation, n, false)?;
                let frozen = dataclass.as_ref().is_some_and(|o| o.frozen);
                let visibility = if ft.0.is_pointer() { Visibility::Private } else if frozen { Visibility::Readonly } else { Visibility::Public };
                (n.clone(), ft, visibility, &s.span)
            }
            StmtKind::Assign { targets, value: Expr { kind: ExprKind::Call { func, args, keywords }, span: vspan } }
                if cx.binding_of(func) == Some(Binding::CythonAttr("declare".into())) =>
            {
                let [Expr { kind: ExprKind::Name(n), .. }] = targets.as_slice() else {
                    return Err((s.span.clone(), "it declares attributes other than one name at a time".into()));
                };
                dc_value = None;
                let t = match args.as_slice() {
                    [t] => t,
                    [t, v] if dataclass.is_some() => {
                        dc_value = Some(v);
                        t
                    }
                    _ => return Err((vspan.clone(), format!("attribute `{n}` is declared with other than one type"))),
                };
                let mut visibility = Visibility::Private;
                for kw in keywords {
                    visibility = match (kw.name.as_deref(), &kw.value.kind) {
                        (Some("visibility"), ExprKind::Str(v)) if v == "public" => Visibility::Public,
                        (Some("visibility"), ExprKind::Str(v)) if v == "readonly" => Visibility::Readonly,
                        (Some("visibility"), ExprKind::Str(v)) if v == "private" => Visibility::Private,
                        _ => return Err((kw.span.clone(), format!("attribute `{n}` is declared with `{}`", cx.source_text(&kw.span)))),
                    };
                }
                (n.clone(), field_type(cx, t, n, true)?, visibility, &s.span)
            }
            // A class attribute of a constant (`LIMIT = 10`, `__hash__ =
            // None`, `__slots__ = ()`, which Cython keeps as a plain class
            // attribute): set on the type where the class statement runs.
            StmtKind::Assign { targets, value }
                if matches!(targets.as_slice(), [Expr { kind: ExprKind::Name(n), .. }] if !n.starts_with("__") || n == "__hash__" || n == "__slots__")
                    && constant(value)
                    && !cx.source_text(&value.span).contains('\n') =>
            {
                let [Expr { kind: ExprKind::Name(n), .. }] = targets.as_slice() else { continue };
                if class_attrs.iter().any(|(a, _): &(String, String)| a == n) {
                    return Err((s.span.clone(), format!("class attribute `{n}` is assigned twice")));
                }
                class_attrs.push((n.clone(), cx.source_text(&value.span).to_string()));
                continue;
            }
            _ => return Err((s.span.clone(), format!("its body has `{}` (only attribute declarations, constant class attributes and `def`s compile)", first_line(cx.source_text(&s.span))))),
        };
        if name == "__weakref__" {
            // Not a field: the type's weak reference list (NULL, not None).
            if ty != Ty::Object || class.is_some() || builtin.is_some() || visibility != Visibility::Private || weaklist.is_some() {
                return Err((at.clone(), "`__weakref__` is declared other than once as a private `object`".into()));
            }
            offset = offset.div_ceil(8) * 8;
            weaklist = Some(offset);
            offset += 8;
            continue;
        }
        if ty.is_pointer() && visibility != Visibility::Private {
            // Cython refuses to convert a pointer to a Python object.
            return Err((at.clone(), format!("pointer attribute `{name}` is {} (Cython cannot convert a C pointer to a Python object)", if visibility == Visibility::Public { "public" } else { "readonly" })));
        }
        let visibility = if ty == Ty::Object && visibility == Visibility::Public {
            // `del obj.x` through a PyMemberDef would leave NULL where
            // compiled code expects an object, and its store checks no
            // type: a getset entry whose compiled accessors store as
            // compiled code does, `del` storing None (as Cython's setter does).
            public_objects.push(name.clone());
            Visibility::Private
        } else if visibility == Visibility::Public {
            // A C number: Cython's setter converts as compiled code does
            // (a PyMemberDef's would truncate with a warning) and its
            // `del` raises NotImplementedError.
            public_numbers.push(name.clone());
            Visibility::Private
        } else if visibility == Visibility::Readonly {
            // Cython's getset descriptor without a setter: its store and
            // `del` raise CPython's "attribute 'x' of 'm.C' objects is not
            // writable" (a PyMemberDef's would say "readonly attribute").
            readonly.push(name.clone());
            Visibility::Private
        } else {
            visibility
        };
        if fields.iter().any(|f| f.name == name) || methods.iter().any(|(m, ..)| *m == name) {
            return Err((at.clone(), format!("`{name}` is declared twice in the class body or its base")));
        }
        if dataclass.is_some() {
            if ty.is_pointer() {
                return Err((at.clone(), format!("dataclass field `{name}` is a C pointer, which its `__init__` cannot take")));
            }
            let private = visibility == Visibility::Private && !public_objects.contains(&name) && !public_numbers.contains(&name) && !readonly.contains(&name);
            let cyclic = ty == Ty::Object && !builtin.as_deref().is_some_and(|b| matches!(b, "str" | "bytes" | "bytearray" | "int"));
            let type_text = match &s.kind {
                StmtKind::AnnAssign { annotation, .. } => cx.source_text(&annotation.span).to_string(),
                _ => builtin.clone().or(class.clone()).unwrap_or_else(|| if ty == Ty::Object { "object".into() } else { ty.to_string() }),
            };
            dc_fields.push(super::dataclass::field_of(cx, &name, dc_value, private, type_text, cyclic)?);
        }
        let size = byte_size(ty);
        offset = offset.div_ceil(size) * size;
        fields.push(Field { name, ty, offset, visibility, class, builtin });
        offset += size;
    }
    if let Some((m, _, span)) = methods.iter().find(|(m, ..)| fields.iter().any(|f| f.name == *m)) {
        return Err((span.clone(), format!("`{m}` is declared twice in the class body")));
    }
    if let Some(o) = &dataclass {
        let own: Vec<&str> = methods.iter().map(|(m, ..)| m.as_str()).chain(class_attrs.iter().map(|(n, _)| n.as_str())).collect();
        // Cython's `scope.lookup` finds the class's own `__post_init__`
        // only (a base's is not called, as Cython 3.3.1 compiles it).
        let post_init = own.contains(&"__post_init__");
        let getters = |t: &str| super::module_consts::with_getters(t, &cx.c_vars);
        let generated = super::dataclass::generate(&c.name, o, &dc_fields, &own, post_init, &getters).map_err(|why| (c.span.clone(), why))?;
        for (name, def, span) in super::dataclass::methods(cx, &generated, &c.span).map_err(|why| (c.span.clone(), why))? {
            methods.push((name, Cow::Owned(def), span));
        }
        class_attrs.extend(generated.class_attrs);
    }
    for (key, def, span) in public_accessors(&public_objects, &public_numbers, &readonly, &c.span).map_err(|why| (c.span.clone(), why))? {
        methods.push((key, Cow::Owned(def), span));
    }
    properties.extend(public_objects.iter().chain(&public_numbers).map(|n| (n.clone(), true, true)));
    properties.extend(readonly.iter().map(|n| (n.clone(), false, false)));
    let basicsize = offset.div_ceil(8) * 8;
    // Cython's pickling methods, typed as the class's own `def`s (over a
    // base's, as Cython's are).
    let own: Vec<&str> = methods.iter().map(|(m, ..)| m.as_str()).collect();
    let draft = Layout { name: c.name.clone(), fields: fields.clone(), basicsize, cfuncs: vec![], ccalls: vec![], base: base.clone(), is_final, freelist, weaklist, vtab_offset, vtable: vec![], overridden: vec![], py_methods: vec![], own_methods: vec![], statics: vec![], dataclass: None };
    let auto_pickle = super::pickle::decide(&draft, &own, auto_pickle).map_err(|why| (c.span.clone(), why))?;
    if let Some(what) = &auto_pickle {
        for (name, def, span) in super::pickle::methods(&draft, what, &c.span).map_err(|why| (c.span.clone(), why))? {
            methods.push((name, Cow::Owned(def), span));
        }
    }
    let mut vtable: Vec<(String, String)> = base.as_ref().map_or(vec![], |b| b.vtable.clone());
    for m in &cfuncs {
        match vtable.iter_mut().find(|(n, _)| n == m) {
            Some(slot) => slot.1 = c.name.clone(),
            None => vtable.push((m.clone(), c.name.clone())),
        }
    }
    let mut py_methods: Vec<String> = base.as_ref().map_or(vec![], |b| b.py_methods.clone());
    py_methods.extend(methods.iter().filter(|(m, ..)| !cfuncs.contains(m) && !m.contains('.')).map(|(m, ..)| m.clone()));
    // The cfuncs a cclass below it in the module defines again.
    let mut overridden = vec![];
    let mut below: Vec<&str> = vec![c.name.as_str()];
    while let Some(n) = below.pop() {
        for sub in classes.iter().filter(|s| s.bases == 1 && s.base_names.iter().any(|b| b == n) && is_cclass(cx, s)) {
            below.push(&sub.name);
            for (m, _) in &sub.methods {
                if vtable.iter().any(|(v, _)| v == m) && !overridden.contains(m) {
                    overridden.push(m.clone());
                }
            }
        }
    }
    let own_methods = methods.iter().map(|(m, ..)| m.clone()).collect();
    let statics = static_methods.iter().map(|m| (m.clone(), false)).chain(class_methods.iter().map(|m| (m.clone(), true))).collect();
    let dataclass = dataclass.map(|_| dc_fields);
    let layout = std::sync::Arc::new(Layout { name: c.name.clone(), fields, basicsize, cfuncs, ccalls, base, is_final, freelist, weaklist, vtab_offset, vtable, overridden, py_methods, own_methods, statics, dataclass });
    if let Some((n, _)) = class_attrs.iter().find(|(n, _)| methods.iter().any(|(m, ..)| m.split('.').next() == Some(n.as_str())) || layout.fields.iter().any(|f| f.name == *n)) {
        return Err((c.span.clone(), format!("class attribute `{n}` is also a method or an attribute declaration")));
    }
    // The attribute hooks, ordinary methods, set again on the type where
    // its class statement runs: CPython then points the type's
    // `tp_getattro`/`tp_setattro` at them (as Cython's own slots call them).
    for hook in ATTRIBUTE_HOOKS.iter().filter(|h| methods.iter().any(|(m, ..)| m == *h)) {
        class_attrs.push((hook.to_string(), format!("{}.__dict__['{hook}']", c.name)));
    }
    Ok(Plan { outline: c, layout, doc, methods, static_methods, class_methods, properties, auto_pickle, class_attrs })
}

/// The accessors of public object fields (`cython.declare(list,
/// visibility='public')`): a getter, a setter storing as compiled code
/// stores (a typed field's check, Cython's "Expected list, got T") and a
/// deleter storing None (Cython's), keyed `x`, `x.setter`, `x.deleter` as
/// a property's, written as source and parsed at the class statement.
/// Readonly fields (`readonly`) get a getter alone: the type's getset
/// entry has no setter, so CPython raises "attribute 'x' of 'm.C' objects
/// is not writable" (`backend/glue/cclass.rs`'s `getset_table`, naming the
/// type as Cython's `tp_name`). Public C number fields (`numbers`) get a
/// setter converting as compiled code converts and a deleter raising
/// Cython's `NotImplementedError`.
fn public_accessors(names: &[String], numbers: &[String], readonly: &[String], at: &Span) -> Result<Vec<(String, syntax::FunctionDef, Span)>, String> {
    if names.is_empty() && numbers.is_empty() && readonly.is_empty() {
        return Ok(vec![]);
    }
    let mut text = String::new();
    let mut keys = vec![];
    for n in names {
        text.push_str(&format!("def {n}(self):\n    return self.{n}\ndef {n}(self, value):\n    self.{n} = value\ndef {n}(self):\n    self.{n} = None\n"));
        keys.extend([n.clone(), format!("{n}.setter"), format!("{n}.deleter")]);
    }
    for n in numbers {
        text.push_str(&format!("def {n}(self):\n    return self.{n}\ndef {n}(self, value):\n    self.{n} = value\ndef {n}(self):\n    raise NotImplementedError('__del__')\n"));
        keys.extend([n.clone(), format!("{n}.setter"), format!("{n}.deleter")]);
    }
    for n in readonly {
        text.push_str(&format!("def {n}(self):\n    return self.{n}\n"));
        keys.push(n.clone());
    }
    let defs = super::pickle::parse_at(&text, at).map_err(|why| format!("its public attributes' accessors do not parse ({why})"))?;
    if defs.len() != keys.len() {
        return Err("its public attributes' accessors parse into other definitions than written".into());
    }
    Ok(keys.into_iter().zip(defs).map(|(key, (_, def, span))| (key, def, span)).collect())
}

/// A literal whose value needs no code of the module: a number (signed),
/// a string, bytes, None, True/False, `...`, or a tuple of such.
fn constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::NoneLit | ExprKind::Str(_) | ExprKind::Ellipsis => true,
        ExprKind::Other(k) => *k == "a bytes literal",
        ExprKind::UnaryOp { op: syntax::UnaryOp::Neg | syntax::UnaryOp::Pos, operand } => {
            matches!(operand.kind, ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_))
        }
        ExprKind::Tuple(items) => items.iter().all(constant),
        _ => false,
    }
}

/// The variables a function annotates (its parameters, and the names of
/// annotated assignments anywhere in its body), with their annotations.
pub(crate) fn annotated_names(def: &syntax::FunctionDef) -> Vec<(&str, &Expr)> {
    fn walk<'s>(body: &'s [syntax::Stmt], out: &mut Vec<(&'s str, &'s Expr)>) {
        for s in body {
            match &s.kind {
                StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(n), .. }, annotation, .. } => out.push((n, annotation)),
                StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                    walk(body, out);
                    walk(orelse, out);
                }
                StmtKind::With { body, .. } | StmtKind::Other { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out: Vec<(&str, &Expr)> = def.params.iter().filter_map(|p| Some((p.name.as_str(), p.annotation.as_ref()?))).collect();
    walk(&def.body, &mut out);
    out
}

/// `X` of an annotation `Optional[X]` (`typing.Optional`).
pub(crate) fn optional_inner<'e>(cx: &ModuleCx, ann: &'e Expr) -> Option<&'e Expr> {
    match &ann.kind {
        ExprKind::Subscript { value, index } if typing_name(cx, value).as_deref() == Some("Optional") => Some(index),
        _ => None,
    }
}

/// Whether a function types a variable or its result as the class `class`
/// (`C`, `'C'`, `Optional[C]`).
pub(crate) fn uses_class_type(def: &syntax::FunctionDef, class: &str) -> bool {
    let names = |e: &Expr| {
        let e = match &e.kind {
            ExprKind::Subscript { index, .. } => index,
            _ => e,
        };
        matches!(&e.kind, ExprKind::Name(n) | ExprKind::Str(n) if n == class)
    };
    annotated_names(def).iter().any(|(_, a)| names(a)) || def.returns.as_ref().is_some_and(names)
}

/// `__getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int)`
/// or `__releasebuffer__(self, buffer: cython.pointer(Py_buffer))`, with
/// `Py_buffer` cimported from `cpython` (or `cpython.buffer`), as Cython's
/// pure mode spells them; anything else leaves the class to Python.
fn buffer_signature(cx: &ModuleCx, f: &syntax::FunctionDef) -> Result<(), (Span, String)> {
    let getbuffer = f.name == "__getbuffer__";
    let want = if getbuffer {
        "`def __getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int)`"
    } else {
        "`def __releasebuffer__(self, buffer: cython.pointer(Py_buffer))`"
    };
    let wrong = |span: &Span, what: String| Err((span.clone(), format!("`{}` {what}; Cython's signature is {want}, with `Py_buffer` from `cython.cimports.cpython`", f.name)));
    let n = if getbuffer { 3 } else { 2 };
    if f.params.len() != n || f.vararg.is_some() || f.kwarg.is_some() {
        return wrong(&f.name_span, format!("takes {} parameters", f.params.len() + usize::from(f.vararg.is_some()) + usize::from(f.kwarg.is_some())));
    }
    if let Some(p) = f.params.iter().find(|p| p.default.is_some() || p.kind == ParamKind::KeywordOnly) {
        return wrong(&p.span, format!("has a default or keyword-only parameter `{}`", p.name));
    }
    let buffer = &f.params[1];
    let is_py_buffer_pointer = match &buffer.annotation {
        Some(Expr { kind: ExprKind::Call { func, args, keywords }, .. }) => {
            cx.binding_of(func) == Some(Binding::CythonAttr("pointer".into()))
                && keywords.is_empty()
                && matches!(args.as_slice(), [a] if cx.binding_of(a) == Some(Binding::CythonAttr(super::structs::PY_BUFFER.into())))
        }
        _ => false,
    };
    if !is_py_buffer_pointer {
        return wrong(&buffer.span, format!("has its parameter `{}` other than `cython.pointer(Py_buffer)`", buffer.name));
    }
    if getbuffer {
        let flags = &f.params[2];
        let ok = flags.annotation.as_ref().is_some_and(|a| matches!(cx.resolve_type(a), Ok(Ty::Int(i)) if i.bits == 32 && i.signed && !i.checked));
        if !ok {
            return wrong(&flags.span, format!("has its parameter `{}` other than `cython.int`", flags.name));
        }
    }
    if f.returns.as_ref().is_some_and(|r| !matches!(r.kind, ExprKind::NoneLit)) {
        return wrong(&f.name_span, "declares a return type".into());
    }
    Ok(())
}

/// Whether a fallback reason quotes the class's name (in a backticked
/// piece of code, as a whole identifier).
pub(crate) fn names_class(reason: &str, class: &str) -> bool {
    reason.split('`').skip(1).step_by(2).any(|code| code.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|t| t == class))
}

/// The module's top-level imports of `typing`: each bound name, and the
/// `typing` name it is bound to (`""` for the module itself).
pub(crate) fn typing_imports(body: &[syntax::Stmt]) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for s in body {
        match &s.kind {
            StmtKind::Import(aliases) => {
                for a in aliases.iter().filter(|a| a.name == "typing") {
                    out.insert(a.asname.clone().unwrap_or_else(|| a.name.clone()), String::new());
                }
            }
            StmtKind::ImportFrom { module: Some(m), names, level: 0 } if m == "typing" => {
                for a in names.iter().filter(|a| a.name != "*") {
                    out.insert(a.asname.clone().unwrap_or_else(|| a.name.clone()), a.name.clone());
                }
            }
            _ => {}
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Special methods CPython calls through `tp_getattro`/`tp_setattro`:
/// compiled as ordinary methods, the type's slots pointed at them.
const ATTRIBUTE_HOOKS: [&str; 3] = ["__getattr__", "__setattr__", "__delattr__"];

/// The builtin types a field may be typed as: an object field holding
/// None or an instance of exactly that type (Cython's exact test on store:
/// a subclass's instance is refused, as Cython refuses it).
pub(crate) const BUILTIN_FIELD_TYPES: [&str; 8] = ["str", "bytes", "bytearray", "list", "tuple", "dict", "set", "frozenset"];

/// What a field holds: its type, the cclass an object field is typed as,
/// and the builtin type it is typed as.
type FieldType = (Ty, Option<String>, Option<String>);

/// The typing module's aliases of builtin containers (`typing.List[int]`
/// is a `list` field, as in Cython).
const TYPING_CONTAINERS: [(&str, &str); 5] = [("List", "list"), ("Dict", "dict"), ("Set", "set"), ("FrozenSet", "frozenset"), ("Tuple", "tuple")];

/// What `e` names in the `typing` module (`typing.List`, or `List` from
/// `from typing import List`), if it is such a name.
fn typing_name(cx: &ModuleCx, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => cx.typing.get(n).filter(|t| t.as_str() != "").cloned(),
        ExprKind::Attribute { value, attr } => match &value.kind {
            ExprKind::Name(m) if cx.typing.get(m).is_some_and(|t| t.is_empty()) => Some(attr.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A subscripted `typing` annotation of a parameter or local, `value[index]`:
/// a container alias (`List[int]`) is an object, as `list[int]` is;
/// `Optional[X]` is an object when `X` is one. `None`: no such annotation.
pub(crate) fn typing_object(cx: &ModuleCx, value: &Expr, index: &Expr) -> Option<Result<Ty, super::Problem>> {
    let name = typing_name(cx, value)?;
    if TYPING_CONTAINERS.iter().any(|(a, _)| *a == name) {
        return Some(Ok(Ty::Object));
    }
    if name != "Optional" {
        return None;
    }
    Some(match cx.resolve_type(index) {
        Ok(Ty::Object) => Ok(Ty::Object),
        Ok(_) => super::fallback(&index.span, format!("`Optional[{}]` of a C type is not a native type", cx.source_text(&index.span))),
        Err(e) => Err(e),
    })
}

/// A builtin's name not rebound by the module.
fn unshadowed_builtin(cx: &ModuleCx, e: &Expr, names: &[&str]) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) if names.contains(&n.as_str()) && !cx.module_names.contains(n) && cx.binding_of(e).is_none() => Some(n.clone()),
        _ => None,
    }
}

/// A C number (a Cython type, or `float`), `object`, a cclass of the
/// module (`left: Node`, the class itself too; `Optional[Node]`) or a
/// builtin of `BUILTIN_FIELD_TYPES` (`tags: list`, `list[int]`,
/// `typing.List[int]`, `cython.declare(list)`): an object pointer checked
/// on store; `int` (annotated) a Python int object, converted on store as
/// Cython converts it (`cython.declare(int)` is a C `int`, as in Cython);
/// `bool` a bint. A string annotation (`'cython.int'`, `'list[int]'`)
/// makes an untyped object field, as in Cython 3.3.1, but one naming a
/// cclass of the module (`left: 'Node'`), which Cython 3.3.1 leaves
/// untyped too: pyc-aot types it (and checks its stores).
fn field_type(cx: &ModuleCx, ann: &Expr, name: &str, declared: bool) -> Result<FieldType, (Span, String)> {
    let spelled = cx.source_text(&ann.span).to_string();
    if matches!(&ann.kind, ExprKind::Name(n) if n == "object") || cx.binding_of(ann) == Some(Binding::CythonAttr("object".into())) {
        return Ok((Ty::Object, None, None));
    }
    if let ExprKind::Str(n) = &ann.kind {
        if !declared && !cx.cclass_names.contains(n) {
            return Ok((Ty::Object, None, None));
        }
    }
    if let ExprKind::Name(n) | ExprKind::Str(n) = &ann.kind {
        if cx.cclass_names.contains(n) {
            return Ok((Ty::Object, Some(n.clone()), None));
        }
    }
    if let Some(n) = unshadowed_builtin(cx, ann, &BUILTIN_FIELD_TYPES) {
        return Ok((Ty::Object, None, Some(n)));
    }
    if !declared {
        if unshadowed_builtin(cx, ann, &["int"]).is_some() {
            return Ok((Ty::Object, None, Some("int".into())));
        }
        if unshadowed_builtin(cx, ann, &["bool"]).is_some() {
            return Ok((Ty::Bool, None, None));
        }
    } else if unshadowed_builtin(cx, ann, &["int"]).is_some() {
        return Ok((Ty::Int(crate::types::C_INT), None, None));
    }
    let container = |e: &Expr| {
        unshadowed_builtin(cx, e, &BUILTIN_FIELD_TYPES)
            .or_else(|| typing_name(cx, e).and_then(|t| TYPING_CONTAINERS.iter().find(|(a, _)| *a == t).map(|(_, b)| b.to_string())))
    };
    if let Some(b) = container(ann) {
        return Ok((Ty::Object, None, Some(b)));
    }
    if let ExprKind::Subscript { value, index } = &ann.kind {
        // The element types are not checked, as Cython does not check them.
        if let Some(b) = container(value) {
            return Ok((Ty::Object, None, Some(b)));
        }
        if typing_name(cx, value).as_deref() == Some("Optional") {
            let inner = match &index.kind {
                ExprKind::Str(n) if cx.cclass_names.contains(n) => return Ok((Ty::Object, Some(n.clone()), None)),
                _ => field_type(cx, index, name, declared)?,
            };
            if inner.0 == Ty::Object {
                return Ok(inner);
            }
            return Err((ann.span.clone(), format!("attribute `{name}` is `{spelled}`, an optional C value")));
        }
    }
    let pointer = matches!(&ann.kind, ExprKind::Call { func, .. } if cx.binding_of(func) == Some(Binding::CythonAttr("pointer".into())));
    let fn_pointer = matches!(cx.binding_of(ann), Some(Binding::CDecl(super::pxd::Decl::FnType(_))));
    let c_name = pointer || fn_pointer || matches!(cx.binding_of(ann), Some(Binding::CythonAttr(_))) || matches!(&ann.kind, ExprKind::Name(n) if n == "float");
    let ty = if c_name { cx.resolve_type(ann).ok() } else { None };
    match ty {
        Some(t @ Ty::Float(_)) => Ok((t, None, None)),
        Some(t @ Ty::Int(i)) if !i.checked => Ok((t, None, None)),
        Some(Ty::Bool) => Ok((Ty::Bool, None, None)),
        // A C pointer (to memory the instance manages, as in Cython):
        // private, NULL in a new instance.
        Some(t @ (Ty::Ptr(_) | Ty::FnPtr(_))) => Ok((t, None, None)),
        _ => Err((ann.span.clone(), format!("attribute `{name}` is `{spelled}`; only C number, C pointer, C function pointer, `object`, `int`, `bool`, cclass, `Optional[…]` of these and builtin container or string (`str`, `bytes`, `bytearray`, `list`, `tuple`, `dict`, `set`, `frozenset`, subscripted or not, and `typing`'s aliases of them) attributes compile yet"))),
    }
}

fn byte_size(t: Ty) -> u32 {
    match t {
        Ty::Object | Ty::Ptr(_) | Ty::FnPtr(_) => 8,
        Ty::Int(i) => u32::from(i.bits / 8),
        Ty::Float(w) => u32::from(w / 8),
        _ => 1,
    }
}

/// The decorators a method may carry: `@cython.cfunc` and what a compiled
/// function takes (`locals`, `returns`, `exceptval`, `inline`, directives).
fn method_decorator(cx: &ModuleCx, d: &Expr) -> bool {
    let func = match &d.kind {
        ExprKind::Call { func, .. } => &**func,
        _ => d,
    };
    match cx.binding_of(func) {
        Some(Binding::CythonAttr(n)) => {
            matches!(n.as_str(), "cfunc" | "ccall" | "inline" | "locals" | "returns" | "exceptval")
                || crate::frontend::vocab::BOOL_DIRECTIVES.contains(&n.as_str())
        }
        _ => false,
    }
}

/// `Some("cfunc")` or `Some("ccall")` for a method with a slot in the table.
fn c_kind(cx: &ModuleCx, f: &syntax::FunctionDef) -> Option<&'static str> {
    f.decorators.iter().find_map(|d| match cx.binding_of(d) {
        Some(Binding::CythonAttr(n)) if n == "cfunc" => Some("cfunc"),
        Some(Binding::CythonAttr(n)) if n == "ccall" => Some("ccall"),
        _ => None,
    })
}

/// A method this slice compiles: a `def` (or `__init__`, a special method
/// that has a type slot, or a `@cython.cfunc`) whose first parameter is an unannotated `self` that
/// the body never rebinds.
fn method(cx: &ModuleCx, f: &syntax::FunctionDef, span: &Span) -> Result<(), (Span, String)> {
    if let Some(d) = f.decorators.iter().find(|d| !method_decorator(cx, d) && py_decorator(cx, d).is_none()) {
        return Err((d.span.clone(), format!("method `{}` is decorated with `{}` (only `def`, `@cython.cfunc`, `@cython.ccall`, `@staticmethod`, `@classmethod` and `@property` methods compile yet)", f.name, cx.source_text(&d.span))));
    }
    let py = f.decorators.iter().filter(|d| py_decorator(cx, d).is_some()).count();
    if py > 1 || (py == 1 && (c_kind(cx, f).is_some() || f.decorators.first().is_some_and(|d| py_decorator(cx, d).is_none()))) {
        return Err((f.name_span.clone(), format!("method `{}` combines `@staticmethod`/`@classmethod`/`@property` with other decorators", f.name)));
    }
    if py == 1 && f.name.starts_with("__") && f.name.ends_with("__") {
        return Err((f.name_span.clone(), format!("special method `{}` is decorated", f.name)));
    }
    let is_static = method_py_decorator(cx, f) == Some(PyDecorator::Static);
    if let Some(kind) = c_kind(cx, f).filter(|_| f.name.starts_with("__") && f.name.ends_with("__")) {
        return Err((f.name_span.clone(), format!("special method `{}` is a `{kind}`", f.name)));
    }
    let lifecycle = matches!(f.name.as_str(), "__init__" | "__cinit__" | "__dealloc__");
    // Pickle's protocol methods are ordinary methods (in the method table).
    let pickling = matches!(f.name.as_str(), "__reduce__" | "__reduce_ex__" | "__getstate__" | "__setstate__");
    // So are those CPython looks up on the type by name (`with`,
    // `format`, `round`, `math.floor`, `copy`, …), as Cython's are.
    let by_name = matches!(
        f.name.as_str(),
        "__enter__" | "__exit__" | "__format__" | "__reversed__" | "__round__" | "__trunc__" | "__floor__" | "__ceil__" | "__complex__"
            | "__bytes__" | "__fspath__" | "__sizeof__" | "__dir__" | "__copy__" | "__deepcopy__" | "__length_hint__"
            // A dataclass's `__init__` calls it by name.
            | "__post_init__"
    ) || ATTRIBUTE_HOOKS.contains(&f.name.as_str());
    let buffer = crate::hir::BUFFER_METHODS.contains(&f.name.as_str());
    if buffer {
        buffer_signature(cx, f)?;
    }
    if f.name.starts_with("__") && f.name.ends_with("__") && !lifecycle && !pickling && !by_name && !buffer && !crate::hir::SLOT_METHODS.contains(&f.name.as_str()) {
        return Err((f.name_span.clone(), format!("special method `{}` is not compiled yet", f.name)));
    }
    if is_static {
        return Ok(());
    }
    let Some(first) = f.params.first() else {
        return Err((f.name_span.clone(), format!("method `{}` takes no `self`", f.name)));
    };
    if first.kind == ParamKind::KeywordOnly || first.annotation.is_some() || first.default.is_some() {
        return Err((first.span.clone(), format!("method `{}` has a `self` parameter that is annotated, defaulted or keyword-only", f.name)));
    }
    if f.name == "__dealloc__" && f.params.len() != 1 {
        return Err((f.name_span.clone(), "`__dealloc__` takes parameters other than `self`".into()));
    }
    let mut bound = vec![];
    f.body.iter().for_each(|s| syntax::bound_names(s, &mut bound));
    if bound.contains(&first.name) {
        return Err((span.clone(), format!("method `{}` assigns to `{}`", f.name, first.name)));
    }
    Ok(())
}
