//! The module's struct, union and ctuple types, found before any function is
//! lowered: `Name = cython.struct(…)`/`cython.union(…)` bound once at module
//! level, the ctuple types the module's functions spell, a cimported
//! `Py_buffer`, the structs of cimported `.pxd` files, and the `@cfunc`s
//! that pass a struct or ctuple by value.

use super::{name, pxd, walk_expr, walk_stmt_exprs, StructDef, Structs};
use crate::frontend::{Binding, ModuleCx};
use crate::syntax::{self, Expr, ExprKind, FunctionDef, Stmt, StmtKind};
use std::collections::HashMap;

/// `tuple[T, …]` of C scalar types (`cython.int`, …): its key (the types'
/// names, as `tuple[int, double]`) and element types.
pub(super) fn ctuple_type(cx: &ModuleCx, e: &Expr) -> Option<(String, Vec<Expr>)> {
    let ExprKind::Subscript { value, index } = &e.kind else { return None };
    if !matches!(&value.kind, ExprKind::Name(n) if n == "tuple" && !cx.module_names.contains(n)) {
        return None;
    }
    let items: Vec<Expr> = match &index.kind {
        ExprKind::Tuple(items) => items.clone(),
        _ => vec![(**index).clone()],
    };
    let mut names = vec![];
    for t in &items {
        match cx.binding_of(t) {
            Some(Binding::CythonAttr(a)) if matches!(crate::types::cython_scalar(&a), Some(crate::types::Ty::Int(_) | crate::types::Ty::Float(_) | crate::types::Ty::Bool)) => names.push(a),
            _ => return None,
        }
    }
    Some((format!("tuple[{}]", names.join(", ")), items))
}

/// The type key a type expression names: a struct's name or a ctuple's key.
fn type_key(cx: &ModuleCx, defs: &HashMap<String, StructDef>, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) if defs.contains_key(n) => Some(n.clone()),
        _ => ctuple_type(cx, e).map(|(k, _)| k),
    }
}

/// `cython.pointer(S)` of a struct type: `S` and the `cython` module's expression.
fn struct_pointer(cx: &ModuleCx, defs: &HashMap<String, StructDef>, e: &Expr) -> Option<(String, Expr)> {
    let ExprKind::Call { func, args, keywords } = &e.kind else { return None };
    let ([Expr { kind: ExprKind::Name(s), .. }], true) = (args.as_slice(), keywords.is_empty()) else { return None };
    let ExprKind::Attribute { value, .. } = &func.kind else { return None };
    let pointer = cx.binding_of(func) == Some(Binding::CythonAttr("pointer".into())) && cx.binding_of(value) == Some(Binding::Cython);
    (pointer && defs.contains_key(s)).then(|| (s.clone(), (**value).clone()))
}

/// The module's struct types: `Name = cython.struct(…)` (or `union`) with
/// field types given by keyword, the name bound nowhere else in the module;
/// the ctuple types its functions spell; the `@cfunc`s passing either.
pub(crate) fn module_structs(cx: &ModuleCx, body: &[Stmt]) -> Structs {
    let mut names = vec![];
    body.iter().for_each(|s| syntax::bound_names(s, &mut names));
    let mut out = HashMap::new();
    for s in body {
        let StmtKind::Assign { targets, value } = &s.kind else { continue };
        let ([Expr { kind: ExprKind::Name(n), .. }], ExprKind::Call { func, args, keywords }) = (targets.as_slice(), &value.kind) else {
            continue;
        };
        let union = match cx.binding_of(func) {
            Some(Binding::CythonAttr(a)) if a == "struct" => false,
            Some(Binding::CythonAttr(a)) if a == "union" => true,
            _ => continue,
        };
        if !args.is_empty() || keywords.is_empty() || names.iter().filter(|m| *m == n).count() != 1 {
            continue;
        }
        let Some(fields) = keywords.iter().map(|k| Some((k.name.clone()?, k.value.clone()))).collect::<Option<Vec<_>>>() else {
            continue;
        };
        out.insert(n.clone(), StructDef { fields, union, ctuple: false, py_buffer: false });
    }
    let defs_of = |f: &FunctionDef| -> Vec<Expr> {
        let mut es: Vec<Expr> = f.params.iter().filter_map(|p| p.annotation.clone()).chain(f.returns.clone()).collect();
        f.body.iter().for_each(|s| walk_stmt_exprs(s, &mut |e| es.push(e.clone())));
        es
    };
    let functions: Vec<&FunctionDef> = body.iter().filter_map(|s| if let StmtKind::FunctionDef(f) = &s.kind { Some(&**f) } else { None }).collect();
    for f in &functions {
        for e in defs_of(f) {
            walk_expr(&e, &mut |x| {
                if let Some((key, items)) = ctuple_type(cx, x) {
                    let fields = items.into_iter().enumerate().map(|(i, t)| (i.to_string(), t)).collect();
                    out.entry(key).or_insert(StructDef { fields, union: false, ctuple: true, py_buffer: false });
                }
            });
        }
    }
    if let Some((n, def)) = py_buffer_def(cx, &names) {
        out.insert(n, def);
    }
    let (pxd_defs, externs) = pxd::pxd_structs_and_externs(cx, &names);
    out.extend(pxd_defs);
    let mut structs = Structs { defs: out, ..Default::default() };
    // Extern C functions passing structs by value: called as `@cfunc`s
    // passing them are (`by_value.rs`), the back end following C's ABI.
    for (n, params, ret) in externs {
        if let Some(k) = ret {
            structs.results.insert(n.clone(), k);
        }
        if params.iter().any(Option::is_some) {
            structs.params.insert(n.clone(), params);
        }
        structs.externs.insert(n);
    }
    for f in functions {
        if !matches!(cx.top_defs.get(&f.name), Some((Some("cfunc"), _))) || f.vararg.is_some() || f.kwarg.is_some() {
            continue;
        }
        let by_value = |e: &Expr| type_key(cx, &structs.defs, e).filter(|k| !structs.defs[k].union);
        if let Some(k) = f.returns.as_ref().and_then(by_value) {
            structs.results.insert(f.name.clone(), k);
        }
        if let Some(p) = f.returns.as_ref().and_then(|r| struct_pointer(cx, &structs.defs, r)) {
            structs.pointer_results.insert(f.name.clone(), p);
        }
        let params: Vec<Option<String>> = f.params.iter().map(|p| p.annotation.as_ref().and_then(by_value)).collect();
        if params.iter().any(Option::is_some) {
            structs.params.insert(f.name.clone(), params);
        }
    }
    structs
}

/// The `Py_buffer` struct when the module cimports it (`from
/// cython.cimports.cpython import Py_buffer`, or from `cpython.buffer`),
/// under the name it binds, with CPython's fields in their C order (the
/// layout `layout` computes is `Py_buffer`'s on 64-bit builds: 80 bytes).
/// `obj` is an object: `p.obj = v` takes a reference and releases the old
/// value, as Cython does.
fn py_buffer_def(cx: &ModuleCx, names: &[String]) -> Option<(String, StructDef)> {
    let mut bound: Vec<&String> = cx.bindings.iter().filter(|(_, b)| **b == Binding::CythonAttr(PY_BUFFER.into())).map(|(n, _)| n).collect();
    bound.sort();
    let n = bound.first()?;
    if names.iter().filter(|m| m == n).count() > 1 {
        return None;
    }
    let mut ms: Vec<&String> = cx.bindings.iter().filter(|(_, b)| **b == Binding::Cython).map(|(n, _)| n).collect();
    ms.sort();
    let span = syntax::Span::default();
    let m = name((*ms.first()?).clone(), &span);
    let t = |attr: &str| Expr { kind: ExprKind::Attribute { value: Box::new(m.clone()), attr: attr.to_string() }, span: span.clone() };
    let ptr = |attr: &str| Expr { kind: ExprKind::Call { func: Box::new(t("pointer")), args: vec![t(attr)], keywords: vec![] }, span: span.clone() };
    let fields = vec![
        ("buf".to_string(), t("p_void")),
        ("obj".to_string(), name("object".to_string(), &span)),
        ("len".to_string(), t("Py_ssize_t")),
        ("itemsize".to_string(), t("Py_ssize_t")),
        ("readonly".to_string(), t("int")),
        ("ndim".to_string(), t("int")),
        ("format".to_string(), ptr("char")),
        ("shape".to_string(), ptr("Py_ssize_t")),
        ("strides".to_string(), ptr("Py_ssize_t")),
        ("suboffsets".to_string(), ptr("Py_ssize_t")),
        ("internal".to_string(), t("p_void")),
    ];
    Some(((*n).clone(), StructDef { fields, union: false, ctuple: false, py_buffer: true }))
}

/// What `Binding::CythonAttr` a cimported `Py_buffer` is.
pub(crate) const PY_BUFFER: &str = "cimports.cpython.Py_buffer";
