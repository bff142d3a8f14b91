//! C structs (`Point = cython.struct(x=cython.double, y=cython.double)` at
//! module level), unions and ctuples (`tuple[cython.int, cython.double]`,
//! anonymous structs with fields `0`, `1`, …) in compiled functions, by
//! scalar replacement on the syntax tree before typing: a struct local `p`
//! becomes one local per field, named `p.x` (no Python code can spell that
//! name, so nothing clashes; a nested struct's field `p.a.x`), a C array of
//! structs one C array per field, and `p.x`, `ps[i].x`, `t[0]`, whole-struct
//! copies and `Point(x=…, y=…)` their per-field forms. Where a struct meets
//! Python objects it is converted (`struct_convert.rs`); passed by value
//! between compiled functions it is its fields (`by_value.rs`); a union is
//! one storage slot (`union.rs`). A pointer to structs in C memory
//! (`cython.pointer(Point)`) becomes a `char*`, and `ps[i].x` a load or store
//! of the field's type at C's offset of it (kept in a local through a loop
//! body: `cache.rs`). An array of structs used whole and the address of a
//! struct local leave the function to Python, where the shim runs it.

mod assign;
mod by_value;
mod cache;
mod discover;
mod infer;
mod memory;
mod pxd;
mod union;

use super::struct_convert::At;
use super::{error, fallback, struct_convert, Binding, ModuleCx, Problem};
use crate::diag::Diagnostic;
use crate::syntax::{self, Expr, ExprKind, FPart, FunctionDef, Keyword, Stmt, StmtKind};
use std::collections::HashMap;

pub(crate) use discover::{module_structs, PY_BUFFER};
pub(crate) use infer::plain_bindings;
use discover::ctuple_type;

type R<T> = Result<T, Problem>;

/// A struct type bound once at module level, or a ctuple type
/// (`tuple[cython.int, cython.double]`: an anonymous struct whose fields
/// are named `0`, `1`, …).
#[derive(Clone)]
pub(crate) struct StructDef {
    /// Each field's name and the type expression it was declared with.
    fields: Vec<(String, Expr)>,
    union: bool,
    ctuple: bool,
    /// CPython's `Py_buffer` (cimported from `cpython`/`cpython.buffer`):
    /// used through pointers only, its `obj` field an owned reference.
    py_buffer: bool,
}

/// The module's struct and ctuple types, and the `@cfunc`s that pass them
/// by value: a result is written through pointers the caller passes (one per
/// field, the function itself returns nothing), a parameter is one
/// parameter per field.
#[derive(Default)]
pub(crate) struct Structs {
    defs: HashMap<String, StructDef>,
    /// `@cfunc`s returning a struct or ctuple: the type's key.
    results: HashMap<String, String>,
    /// `@cfunc`s taking one: for each parameter, its type's key.
    params: HashMap<String, Vec<Option<String>>>,
    /// Those of `results` and `params` that are extern C functions
    /// (cimported from a `.pxd`): a union passes as its storage words, and
    /// the call is marked (`BY_VALUE_CALL`) for typing.
    externs: std::collections::HashSet<String>,
    /// `@cfunc`s returning `cython.pointer(S)`: `S`, and the expression
    /// naming the `cython` module the type was spelt with.
    pointer_results: HashMap<String, (String, Expr)>,
}

/// The keyword a call of an extern C function passing structs by value is
/// marked with once its structs are passed as their values (no Python
/// source can spell it): `typeck/extern_c.rs` types only such calls.
pub(crate) const BY_VALUE_CALL: &str = "#by-value";

/// The prefix of the attribute of the `cython` module a `.pxd` struct's
/// function pointer field is spelt with for typing, its `FnPtrTy` index
/// after it (no Python source can spell it).
pub(crate) const FN_POINTER_TYPE: &str = "pyc-aot function pointer ";

/// The attribute of the `cython` module a store of an object through a
/// `Py_buffer*` is spelt with for typing (no Python source can spell it).
pub(crate) const OBJECT_STORE: &str = "pyc-aot object store";

/// What a struct-typed local is.
#[derive(Clone)]
struct Local {
    ty: String,
    /// The C array's dimensions (`ps: Point[10][4]`); empty for one struct.
    dims: Vec<Expr>,
}

/// Whether a `def` is a `@cython.cfunc` (C callers only).
pub(crate) fn is_cfunc(cx: &ModuleCx, f: &FunctionDef) -> bool {
    f.decorators.iter().any(|d| cx.binding_of(d) == Some(Binding::CythonAttr("cfunc".into())))
}

/// Whether an expression names a struct or ctuple type, or a `@cfunc`
/// passing one by value (whose calls are rewritten).
fn names_type(cx: &ModuleCx, structs: &Structs, x: &Expr) -> bool {
    match &x.kind {
        ExprKind::Name(n) => {
            structs.defs.contains_key(n) || structs.results.contains_key(n) || structs.params.contains_key(n) || structs.pointer_results.contains_key(n)
        }
        _ => ctuple_type(cx, x).is_some(),
    }
}

/// `f` with its struct locals replaced by their fields, or `None` when it
/// names no struct type (it is then compiled exactly as before).
pub(crate) fn lower_function(cx: &ModuleCx, structs: &Structs, f: &FunctionDef) -> Option<R<FunctionDef>> {
    lower(cx, structs, f, false)
}

/// A cclass method (`self` first), lowered as a function is; a `@cfunc`
/// method passes no struct by value (the module's tables name functions).
pub(crate) fn lower_method(cx: &ModuleCx, structs: &Structs, f: &FunctionDef) -> Option<R<FunctionDef>> {
    lower(cx, structs, f, true)
}

fn lower(cx: &ModuleCx, structs: &Structs, f: &FunctionDef, method: bool) -> Option<R<FunctionDef>> {
    let mut in_signature = false;
    for a in f.params.iter().filter_map(|p| p.annotation.as_ref()).chain(&f.returns) {
        walk_expr(a, &mut |x| in_signature |= names_type(cx, structs, x));
    }
    if !(in_signature || f.body.iter().any(|s| mentions(cx, s, structs))) {
        return None;
    }
    let cfunc = is_cfunc(cx, f);
    let mut lw = Lower {
        cx,
        structs: &structs.defs,
        module: structs,
        locals: HashMap::new(),
        pointers: HashMap::new(),
        ret: None,
        cfunc,
        temps: std::cell::RefCell::new((0, vec![])),
        free_builtins: struct_convert::uses_builtins_freely(&cx.module_names, f),
        cached: HashMap::new(),
    };
    Some((|| {
        let mut params = vec![];
        // Field declarations and conversions of parameters, before the body.
        let mut entry = vec![];
        for p in &f.params {
            let Some(a) = &p.annotation else {
                params.push(p.clone());
                continue;
            };
            // Parameters that point to structs (`@cfunc`s only: Python
            // cannot pass a pointer) are `char*`s like pointer locals.
            if let Some(pointee) = lw.struct_pointer_type(a)? {
                lw.pointers.insert(p.name.clone(), pointee);
                params.push(syntax::Param { annotation: Some(lw.expr(a)?), ..p.clone() });
                continue;
            }
            let Some(key) = lw.by_value_type(a)? else {
                params.push(p.clone());
                continue;
            };
            lw.register(&p.name, &key);
            if cfunc {
                // A `@cfunc` takes a struct as one parameter per field.
                if method {
                    return fallback(&p.span, "a `@cfunc` method taking a struct by value (only module-level `@cfunc`s pass structs by value yet; a `def` or `@ccall` method takes one as a mapping)");
                }
                if structs.params.get(&f.name).is_none() {
                    return fallback(&p.span, "a `@cfunc` taking a struct by value with defaults, keywords or `*args`");
                }
                lw.scalar_fields(&key, &p.span)?;
                for (field, t) in lw.leaves(&key) {
                    params.push(syntax::Param { name: field_local(&p.name, &field), annotation: Some(t), default: None, ..p.clone() });
                }
            } else {
                // Python passes an object: converted on entry, as Cython does.
                params.push(syntax::Param { annotation: None, ..p.clone() });
                entry.extend(lw.declare_place(&p.name, &key, &p.span)?);
                let src = name(p.name.clone(), &p.span);
                entry.extend(lw.from_object(&key, &src, &name(p.name.clone(), &p.span), &p.span)?);
            }
        }
        let mut returns = f.returns.clone();
        if let Some(r) = &f.returns {
            if lw.struct_pointer_type(r)?.is_some() {
                returns = Some(lw.expr(r)?);
            } else if let Some(key) = lw.by_value_type(r)? {
                // Every `return e` goes through `#ret` (so `e` is converted
                // to the type as Cython does): a `def`/`ccall` returns it as
                // a dict or tuple, a `@cfunc` writes its fields through
                // pointers its caller passes (`#out.f`) and returns nothing.
                lw.ret = Some(key.clone());
                returns = None;
                lw.register(RET, &key);
                entry.extend(lw.declare_place(RET, &key, &r.span)?);
                if cfunc {
                    if method {
                        return fallback(&r.span, "a `@cfunc` method returning a struct by value (only module-level `@cfunc`s pass structs by value yet; a `def` or `@ccall` method returns one as a dict)");
                    }
                    if structs.results.get(&f.name).is_none() || f.params.iter().any(|p| p.default.is_some() || p.kind != syntax::ParamKind::PositionalOrKeyword) {
                        return fallback(&r.span, "a `@cfunc` returning a struct by value with defaults, keywords or `*args`");
                    }
                    lw.scalar_fields(&key, &r.span)?;
                    let m = lw.cython_module(&r.span)?;
                    for (field, t) in lw.leaves(&key) {
                        let ty = Lower::call(Lower::cython_name(&m, "pointer", &r.span), vec![t], &r.span);
                        let out = syntax::Param { name: format!("#out.{field}"), kind: syntax::ParamKind::PositionalOrKeyword, annotation: Some(ty), default: None, span: r.span.clone() };
                        params.push(out);
                    }
                }
            }
        }
        lw.find_locals(&f.body)?;
        let inferred = lw.infer_locals(f)?;
        let body = lw.block(&f.body)?;
        let (_, mut all) = lw.temps.take();
        all.extend(entry);
        all.extend(inferred);
        all.extend(body);
        Ok(FunctionDef { body: all, params, returns, ..f.clone() })
    })())
}

/// The hidden struct local every `return` of a struct-returning function
/// goes through.
const RET: &str = "#ret";

/// Whether a statement names one of the struct types anywhere.
fn mentions(cx: &ModuleCx, s: &Stmt, structs: &Structs) -> bool {
    let mut found = false;
    let mut see = |e: &Expr| walk_expr(e, &mut |x| found |= names_type(cx, structs, x));
    walk_stmt_exprs(s, &mut see);
    found
}

/// Every expression of a statement (nested blocks too), outermost first.
pub(super) fn walk_stmt_exprs(s: &Stmt, f: &mut dyn FnMut(&Expr)) {
    match &s.kind {
        StmtKind::Return(Some(e)) | StmtKind::Expr(e) => f(e),
        StmtKind::Assign { targets, value } => targets.iter().chain([value]).for_each(f),
        StmtKind::Delete(targets) => targets.iter().for_each(f),
        StmtKind::AugAssign { target, value, .. } => [target, value].into_iter().for_each(f),
        StmtKind::AnnAssign { target, annotation, value } => [target, annotation].into_iter().chain(value).for_each(f),
        StmtKind::For { target, iter, body, orelse } => {
            f(target);
            f(iter);
            body.iter().chain(orelse).for_each(|s| walk_stmt_exprs(s, f));
        }
        StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
            f(test);
            body.iter().chain(orelse).for_each(|s| walk_stmt_exprs(s, f));
        }
        StmtKind::Raise { exc, cause } => exc.iter().chain(cause).for_each(f),
        StmtKind::Assert { test, msg } => std::iter::once(test).chain(msg).for_each(f),
        StmtKind::With { items, targets, body } => {
            items.iter().chain(targets.iter().flatten()).for_each(&mut *f);
            body.iter().for_each(|s| walk_stmt_exprs(s, f));
        }
        StmtKind::Other { body, .. } => body.iter().for_each(|s| walk_stmt_exprs(s, f)),
        StmtKind::Try { handlers, .. } => {
            handlers.iter().filter_map(|h| h.types.as_ref()).for_each(&mut *f);
            s.kind.try_blocks().into_iter().flatten().for_each(|s| walk_stmt_exprs(s, f));
        }
        _ => {}
    }
}

/// Pre-order walk over an expression's syntax tree.
pub(crate) fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::BinOp { left, right, .. } => [left, right].into_iter().for_each(|x| walk_expr(x, f)),
        ExprKind::UnaryOp { operand, .. } | ExprKind::Starred(operand) => walk_expr(operand, f),
        ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => {
            values.iter().for_each(|x| walk_expr(x, f))
        }
        ExprKind::Dict(pairs) => pairs.iter().for_each(|(k, v)| [k, v].into_iter().for_each(|x| walk_expr(x, f))),
        ExprKind::Compare { left, comparators, .. } => std::iter::once(&**left).chain(comparators).for_each(|x| walk_expr(x, f)),
        ExprKind::Call { func, args, keywords } => {
            walk_expr(func, f);
            args.iter().chain(keywords.iter().map(|k| &k.value)).for_each(|x| walk_expr(x, f));
        }
        ExprKind::IfExp { test, body, orelse } => [test, body, orelse].into_iter().for_each(|x| walk_expr(x, f)),
        ExprKind::Attribute { value, .. } | ExprKind::Named { value, .. } => walk_expr(value, f),
        ExprKind::Subscript { value, index } => [value, index].into_iter().for_each(|x| walk_expr(x, f)),
        ExprKind::Slice { lower, upper, step } => lower.iter().chain(upper).chain(step).for_each(|x| walk_expr(x, f)),
        ExprKind::Comp { elt, value, generators, .. } => {
            walk_expr(elt, f);
            value.iter().for_each(|x| walk_expr(x, f));
            for g in generators {
                std::iter::once(&g.target).chain([&g.iter]).chain(&g.ifs).for_each(|x| walk_expr(x, f));
            }
        }
        ExprKind::FString(parts) => {
            for part in parts {
                if let FPart::Value { value, spec, .. } = part {
                    walk_expr(value, f);
                    spec.iter().for_each(|x| walk_expr(x, f));
                }
            }
        }
        _ => {}
    }
}

/// The local a field of struct local `p` lives in.
fn field_local(p: &str, field: &str) -> String {
    format!("{p}.{field}")
}

fn name(n: String, span: &syntax::Span) -> Expr {
    Expr { kind: ExprKind::Name(n), span: span.clone() }
}

fn stmt(kind: StmtKind, span: &syntax::Span) -> Stmt {
    Stmt { kind, span: span.clone() }
}

struct Lower<'l, 'a> {
    cx: &'l ModuleCx<'a>,
    structs: &'l HashMap<String, StructDef>,
    module: &'l Structs,
    /// The struct or ctuple type the function returns by value.
    ret: Option<String>,
    cfunc: bool,
    /// Hidden locals made so far: a counter, and the declarations of the
    /// C arrays a `@cfunc`'s struct result is written into (one set per
    /// type, put before the body).
    temps: std::cell::RefCell<(u32, Vec<Stmt>)>,
    /// Whether the conversions may name builtins (nothing rebinds them).
    free_builtins: bool,
    /// In a loop body `loop_body` caches: `ps[i].f` (keyed `ps`, `i`, `f`)
    /// read from the hidden local named.
    cached: HashMap<(String, String, String), String>,
    locals: HashMap<String, Local>,
    /// Pointers to structs (`ps: cython.pointer(S)`): the struct, and the
    /// expression naming the `cython` module the pointer type was spelt with.
    pointers: HashMap<String, (String, Expr)>,
}

impl Lower<'_, '_> {
    /// `S` or `S[n]…[m]`: the struct type named and the dimensions.
    fn struct_type(&self, e: &Expr) -> R<Option<(String, Vec<Expr>)>> {
        if let Some((k, _)) = ctuple_type(self.cx, e) {
            if !self.structs.contains_key(&k) {
                return fallback(&e.span, "a ctuple type outside the module's functions is not compiled natively yet");
            }
            return Ok(Some((k, vec![])));
        }
        let mut dims = vec![];
        let mut cur = e;
        while let ExprKind::Subscript { value, index } = &cur.kind {
            dims.push((**index).clone());
            cur = value;
        }
        let ExprKind::Name(n) = &cur.kind else { return Ok(None) };
        if !self.structs.contains_key(n) {
            return Ok(None);
        }
        dims.reverse();
        Ok(Some((n.clone(), dims)))
    }

    /// A parameter's or result's struct or ctuple type (one, not an array).
    fn by_value_type(&self, e: &Expr) -> R<Option<String>> {
        match self.struct_type(e)? {
            Some((k, _)) if self.structs[&k].py_buffer => fallback(&e.span, format!("a `{k}` passed by value (only pointers to one compile)")),
            Some((k, dims)) if dims.is_empty() => Ok(Some(k)),
            Some(_) => fallback(&e.span, "an array of structs as a parameter or result"),
            None => Ok(None),
        }
    }

    /// That every field of `key` is a C number (what converts to and from
    /// Python objects and passes as one C value).
    fn scalar_fields(&self, key: &str, sp: &syntax::Span) -> R<()> {
        for (f, t) in self.leaves(key) {
            match self.cx.resolve_type(&t) {
                Ok(crate::types::Ty::Int(_) | crate::types::Ty::Float(_) | crate::types::Ty::Bool) => {}
                _ => return fallback(sp, format!("the field `{f}` of `{key}` is no C number (only those convert to Python objects or pass by value yet)")),
            }
        }
        Ok(())
    }

    /// `p.f: T_f` for each field of `p`, of type `key`.
    fn declare_place(&self, p: &str, key: &str, sp: &syntax::Span) -> R<Vec<Stmt>> {
        if self.structs[key].union {
            return Ok(vec![self.declare_union(p, key, sp)?]);
        }
        let mut out = vec![];
        for (f, t) in self.leaves(key) {
            match self.sub_union(&t) {
                // A union field's storage.
                Some(u) => out.push(self.declare_union(&field_local(p, &f), &u, sp)?),
                None => out.push(At(sp).declare(&field_local(p, &f), t)),
            }
        }
        Ok(out)
    }

    /// A fresh hidden name.
    fn hidden(&self, what: &str) -> String {
        let mut t = self.temps.borrow_mut();
        t.0 += 1;
        format!("#{what}{}", t.0)
    }

    /// Object `src` (a name) converted into the struct place `target` of
    /// type `key`: a mapping for a struct, a sequence for a ctuple.
    fn from_object(&self, key: &str, src: &Expr, target: &Expr, sp: &syntax::Span) -> R<Vec<Stmt>> {
        if !self.free_builtins {
            return fallback(sp, "it converts an object to a struct, and the module or function rebinds a builtin the conversion uses");
        }
        self.scalar_fields(key, sp)?;
        let names: Vec<String> = self.fields(key).iter().map(|(f, _)| f.clone()).collect();
        let Some(places) = names.iter().map(|f| self.place_field(target, f)).collect::<Option<Vec<_>>>() else {
            return fallback(sp, "it converts an object into a struct it cannot address field by field");
        };
        if self.structs[key].ctuple {
            let places = places.iter().map(|p| self.lower_leaf(p, true)).collect::<R<Vec<_>>>()?;
            return Ok(At(sp).from_sequence(src, places));
        }
        if self.structs[key].union {
            let places = places.iter().map(|p| self.lower_leaf(p, true)).collect::<R<Vec<_>>>()?;
            return Ok(At(sp).from_union_mapping(src, &names, places, &self.hidden("u")));
        }
        let (mut out, values) = At(sp).from_mapping(src, &names, &self.hidden("m"));
        // Each value converted in field order, a nested struct's from its own mapping.
        for ((place, value), (_, t)) in places.into_iter().zip(values).zip(self.fields(key).to_vec()) {
            match self.sub_struct(&t) {
                Some(sub) => out.extend(self.from_object(&sub, &value, &place, sp)?),
                None => out.push(At(sp).assign(self.lower_leaf(&place, true)?, value)),
            }
        }
        Ok(out)
    }

    /// The struct place `place` of type `key` as an object: a dict, or a
    /// tuple for a ctuple.
    fn to_object(&self, key: &str, place: &Expr, sp: &syntax::Span) -> R<Expr> {
        self.scalar_fields(key, sp)?;
        let names: Vec<String> = self.fields(key).iter().map(|(f, _)| f.clone()).collect();
        let Some(places) = names.iter().map(|f| self.place_field(place, f)).collect::<Option<Vec<_>>>() else {
            return fallback(sp, "it converts a struct it cannot address field by field to an object");
        };
        let mut values = vec![];
        for (v, (_, t)) in places.into_iter().zip(self.fields(key).to_vec()) {
            values.push(match self.sub_struct(&t) {
                Some(sub) => self.to_object(&sub, &v, sp)?,
                None => self.lower_leaf(&v, false)?,
            });
        }
        Ok(if self.structs[key].ctuple { At(sp).tuple(values) } else { At(sp).dict(&names, values) })
    }

    /// An expression naming the `cython` module (to spell C types with).
    fn cython_module(&self, sp: &syntax::Span) -> R<Expr> {
        let mut names: Vec<&String> = self.cx.bindings.iter().filter(|(_, b)| **b == Binding::Cython).map(|(n, _)| n).collect();
        names.sort();
        match names.first() {
            Some(n) => Ok(name((*n).clone(), sp)),
            None => fallback(sp, "a struct passed by value in a module that binds no name to `cython`"),
        }
    }

    fn is_declare(&self, func: &Expr) -> bool {
        self.cx.binding_of(func) == Some(Binding::CythonAttr("declare".into()))
    }

    /// The declarations of struct locals: `p: S`, `ps: S[n]`,
    /// `p = cython.declare(S)`, `cython.declare(p=S)`.
    fn find_locals(&mut self, body: &[Stmt]) -> R<()> {
        for s in body {
            let mut found: Vec<(&String, &Expr, &syntax::Span)> = vec![];
            match &s.kind {
                StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(p), span }, annotation, .. } => found.push((p, annotation, span)),
                StmtKind::Assign { targets, value: Expr { kind: ExprKind::Call { func, args, .. }, .. } } if self.is_declare(func) => {
                    if let ([Expr { kind: ExprKind::Name(p), span }], Some(t)) = (targets.as_slice(), args.first()) {
                        found.push((p, t, span));
                    }
                }
                StmtKind::Expr(Expr { kind: ExprKind::Call { func, args, keywords }, .. }) if args.is_empty() && self.is_declare(func) => {
                    found.extend(keywords.iter().filter_map(|k| Some((k.name.as_ref()?, &k.value, &k.span))));
                }
                StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                    self.find_locals(body)?;
                    self.find_locals(orelse)?;
                }
                StmtKind::With { body, .. } => self.find_locals(body)?,
                _ => {}
            }
            for (p, t, span) in found {
                if let Some(pointee) = self.struct_pointer_type(t)? {
                    self.pointers.insert(p.clone(), pointee);
                    continue;
                }
                let Some((ty, dims)) = self.struct_type(t)? else { continue };
                if self.structs[&ty].py_buffer {
                    return fallback(span, format!("`{p}` is a `{ty}` itself (only pointers to one compile)"));
                }
                if let Some(old) = self.locals.get(p) {
                    if old.ty != ty || old.dims.len() != dims.len() {
                        return error(
                            Diagnostic::error(span.clone(), format!("`{p}` is declared twice with different struct types"))
                                .with_hint("a local keeps one type for the whole function; use another name"),
                        );
                    }
                }
                if dims.is_empty() {
                    self.register(p, &ty);
                } else {
                    if self.fields(&ty).iter().any(|(_, t)| self.sub_struct(t).is_some()) {
                        return fallback(span, format!("an array of `{ty}`, a struct holding structs"));
                    }
                    self.locals.insert(p.clone(), Local { ty, dims });
                }
            }
        }
        Ok(())
    }

    fn fields(&self, ty: &str) -> &[(String, Expr)] {
        self.structs.get(ty).map_or(&[], |d| d.fields.as_slice())
    }

    fn has_field(&self, p: &str, field: &str, span: &syntax::Span) -> R<()> {
        let ty = self.locals.get(p).map_or("", |l| l.ty.as_str());
        if self.fields(ty).iter().any(|(f, _)| f == field) {
            return Ok(());
        }
        error(
            Diagnostic::error(span.clone(), format!("struct `{ty}` has no field `{field}`"))
                .with_label(format!("`{p}` is a `{ty}`"))
                .with_hint(format!(
                    "its fields are {}",
                    self.fields(ty).iter().map(|(f, _)| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                )),
        )
    }

    fn block(&mut self, body: &[Stmt]) -> R<Vec<Stmt>> {
        let mut out = vec![];
        for s in body {
            out.extend(self.stmt(s)?);
        }
        Ok(out)
    }

    /// The struct local a plain name is, with its struct type.
    fn struct_local(&self, e: &Expr) -> Option<(String, Local)> {
        match &e.kind {
            ExprKind::Name(n) => self.locals.get(n).map(|l| (n.clone(), l.clone())),
            // `s.a` of a struct field of a struct local: a struct local `s.a`.
            ExprKind::Attribute { value, attr } => {
                let (p, _) = self.struct_local(value)?;
                let n = field_local(&p, attr);
                self.locals.get(&n).map(|l| (n, l.clone()))
            }
            _ => None,
        }
    }

    /// A field's struct type when it is a struct (nested in another).
    fn sub_struct(&self, t: &Expr) -> Option<String> {
        match &t.kind {
            ExprKind::Name(n) if self.structs.get(n).is_some_and(|d| !d.union && !d.ctuple) => Some(n.clone()),
            _ => None,
        }
    }

    /// `p` a struct local of type `key`, and each nested struct field of it
    /// (`p.a`) one too, so `p.a.x` is the local `p.a.x`.
    fn register(&mut self, p: &str, key: &str) {
        self.locals.insert(p.to_string(), Local { ty: key.to_string(), dims: vec![] });
        if self.structs[key].union {
            return;
        }
        for (f, t) in self.fields(key).to_vec() {
            if let Some(sub) = self.sub_struct(&t).or_else(|| self.sub_union(&t)) {
                self.register(&field_local(p, &f), &sub);
            }
        }
    }

    /// A field's union type when it holds a union (in a struct): a union
    /// local of its own, `p.u`.
    fn sub_union(&self, t: &Expr) -> Option<String> {
        match &t.kind {
            ExprKind::Name(n) if self.structs.get(n).is_some_and(|d| d.union && !d.py_buffer) => Some(n.clone()),
            _ => None,
        }
    }

    /// The C number fields of struct `key`, nested structs' flattened:
    /// each one's path (`a.x`) and type.
    fn leaves(&self, key: &str) -> Vec<(String, Expr)> {
        let mut out = vec![];
        for (f, t) in self.fields(key) {
            match self.sub_struct(t) {
                Some(sub) if sub != key => out.extend(self.leaves(&sub).into_iter().map(|(g, u)| (field_local(f, &g), u))),
                _ => out.push((f.clone(), t.clone())),
            }
        }
        out
    }

    /// `ps[i]` with `ps` a 1-d array of structs and `i` a name or literal (so
    /// reading it once per field reads the same element).
    fn struct_element<'e>(&self, e: &'e Expr) -> Option<(String, Local, &'e Expr)> {
        let ExprKind::Subscript { value, index } = &e.kind else { return None };
        let (p, l) = self.struct_local(value)?;
        (l.dims.len() == 1 && matches!(index.kind, ExprKind::Name(_) | ExprKind::Int(_))).then_some((p, l, &**index))
    }

    /// Field `f` of a whole-struct place: a struct local or an element of an array of them.
    /// A struct in C memory's field is its syntax (`ps[i].pos.x`), lowered
    /// where it is read or written (`lower_leaf`).
    fn place_field(&self, e: &Expr, f: &str) -> Option<Expr> {
        if self.mem_place(e).is_some() {
            return Some(Expr { kind: ExprKind::Attribute { value: Box::new(e.clone()), attr: f.to_string() }, span: e.span.clone() });
        }
        if let Some((p, l)) = self.struct_local(e).filter(|(_, l)| self.structs[&l.ty].union) {
            return self.union_field(&p, &l.ty, f, &e.span);
        }
        if let Some((p, l)) = self.struct_local(e) {
            return l.dims.is_empty().then(|| name(field_local(&p, f), &e.span));
        }
        let (p, l, index) = self.struct_element(e)?;
        if self.structs[&l.ty].union {
            return self.union_element_field(&p, &l.ty, &[index.clone()], f, &e.span);
        }
        Some(Expr { kind: ExprKind::Subscript { value: Box::new(name(field_local(&p, f), &e.span)), index: Box::new(index.clone()) }, span: e.span.clone() })
    }

    /// Every C number field of a whole-struct place, nested structs' flattened.
    fn leaf_places(&self, e: &Expr, key: &str) -> Option<Vec<Expr>> {
        if self.mem_place(e).is_some() {
            return Some(self.leaves(key).iter().filter_map(|(f, _)| self.place_field(e, f)).collect());
        }
        if let Some((p, l)) = self.struct_local(e) {
            return l.dims.is_empty().then(|| self.leaves(key).iter().map(|(f, _)| name(field_local(&p, f), &e.span)).collect());
        }
        self.fields(key).iter().map(|(f, _)| self.place_field(e, f)).collect()
    }

    /// `M.attr`: a name of the `cython` module `m`.
    fn cython_name(m: &Expr, attr: &str, span: &syntax::Span) -> Expr {
        Expr { kind: ExprKind::Attribute { value: Box::new(m.clone()), attr: attr.to_string() }, span: span.clone() }
    }

    fn call(func: Expr, args: Vec<Expr>, span: &syntax::Span) -> Expr {
        Expr { kind: ExprKind::Call { func: Box::new(func), args, keywords: vec![] }, span: span.clone() }
    }

    /// The struct type of a whole-struct place.
    fn place_type(&self, e: &Expr) -> Option<String> {
        self.struct_local(e)
            .filter(|(_, l)| l.dims.is_empty())
            .map(|(_, l)| l.ty)
            .or_else(|| self.struct_element(e).map(|(_, l, _)| l.ty))
            .or_else(|| self.mem_place(e).map(|(_, _, _, ty)| ty))
    }

    /// A field of a whole-struct place, as read (`store` false) or written:
    /// one in C memory lowered to its load or store, others as they are.
    pub(super) fn lower_leaf(&self, e: &Expr, store: bool) -> R<Expr> {
        match self.pointer_field(e) {
            Some(_) if store => self.target(e),
            Some(_) => self.expr(e),
            None => Ok(e.clone()),
        }
    }

    /// Whether evaluating `e` may read C memory (or call what may).
    fn reads_memory(&self, e: &Expr) -> bool {
        let mut reads = false;
        walk_expr(e, &mut |x| {
            reads |= match &x.kind {
                ExprKind::Attribute { .. } => self.pointer_field(x).is_some(),
                // Any pointer, view or C array element may alias the block.
                ExprKind::Subscript { .. } => true,
                ExprKind::Call { .. } => true,
                _ => false,
            }
        });
        reads
    }

    fn stmt(&mut self, s: &Stmt) -> R<Vec<Stmt>> {
        let sp = &s.span;
        if let Some(out) = self.hoist_struct_result(s)? {
            return Ok(out);
        }
        match &s.kind {
            StmtKind::AnnAssign { target: Expr { kind: ExprKind::Name(p), .. }, annotation, value } if self.locals.contains_key(p) => {
                if self.struct_type(annotation)?.is_none() {
                    return fallback(&annotation.span, format!("`{p}` is declared a struct and something else"));
                }
                let l = self.locals[p].clone();
                let mut out: Vec<Stmt> = if l.dims.is_empty() {
                    self.declare_place(p, &l.ty, sp)?
                } else if self.structs[&l.ty].union {
                    vec![self.declare_union_array(p, &l.ty, &l.dims, sp)?]
                } else { self
                    .leaves(&l.ty)
                    .iter()
                    .map(|(f, t)| {
                        let annotation = l.dims.iter().fold(t.clone(), |acc, d| Expr {
                            span: d.span.clone(),
                            kind: ExprKind::Subscript { value: Box::new(acc), index: Box::new(d.clone()) },
                        });
                        stmt(StmtKind::AnnAssign { target: name(field_local(p, f), sp), annotation, value: None }, sp)
                    })
                    .collect() };
                if let Some(v) = value {
                    out.extend(self.assign(&name(p.clone(), sp), v, sp)?);
                }
                Ok(out)
            }
            StmtKind::Assign { targets, value: Expr { kind: ExprKind::Call { func, args, .. }, span: vspan } }
                if self.is_declare(func) && matches!(targets.as_slice(), [t] if self.struct_local(t).is_some()) =>
            {
                let Some((p, l)) = targets.first().and_then(|t| self.struct_local(t)) else { return Ok(vec![]) };
                if args.len() != 1 {
                    return fallback(vspan, format!("it initialises the struct `{p}` in `cython.declare`"));
                }
                self.declare_fields(&p, &l, func, sp)
            }
            StmtKind::Expr(Expr { kind: ExprKind::Call { func, args, keywords }, span: cspan }) if args.is_empty() && self.is_declare(func) => {
                let mut out = vec![];
                let mut rest = vec![];
                for k in keywords {
                    match k.name.as_ref().and_then(|n| self.locals.get(n).map(|l| (n.clone(), l.clone()))) {
                        Some((p, l)) => out.extend(self.declare_fields(&p, &l, func, &k.span)?),
                        None => rest.push(k.clone()),
                    }
                }
                if !rest.is_empty() {
                    let call = ExprKind::Call { func: func.clone(), args: vec![], keywords: rest };
                    out.push(stmt(StmtKind::Expr(Expr { kind: call, span: cspan.clone() }), sp));
                }
                Ok(out)
            }
            StmtKind::Assign { targets, value } if targets.len() == 1 && self.place_type(&targets[0]).is_some() => self.assign(&targets[0], value, sp),
            StmtKind::Return(Some(e)) if self.ret.is_some() => {
                let key = self.ret.clone().unwrap_or_default();
                self.return_struct(&key, e, sp)
            }
            // `a, b = f()`, `o = f()`, `f()` of a `@cfunc` returning a struct or ctuple.
            StmtKind::Assign { value, .. } | StmtKind::AnnAssign { value: Some(value), .. }
                if self.by_value_callee(value).is_some_and(|(c, _, _)| self.module.results.contains_key(c)) && self.single_target(s).is_some() =>
            {
                let Some((c, args, keywords)) = self.by_value_callee(value) else { return Ok(vec![]) };
                let Some(target) = self.single_target(s) else { return Ok(vec![]) };
                let key = self.module.results[c].clone();
                let (call, values) = self.result_call(c, args, keywords, sp)?;
                let at = At(sp);
                let mut out = vec![];
                if let StmtKind::AnnAssign { annotation, .. } = &s.kind {
                    out.extend(self.rewrite_stmt(&stmt(StmtKind::AnnAssign { target: target.clone(), annotation: annotation.clone(), value: None }, sp))?);
                }
                out.push(call);
                match &target.kind {
                    ExprKind::Tuple(items) | ExprKind::List(items) if items.len() == values.len() && !items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) => {
                        for (t, v) in items.iter().zip(values) {
                            out.push(at.assign(self.target(t)?, v));
                        }
                    }
                    ExprKind::Tuple(_) | ExprKind::List(_) => return fallback(&target.span, format!("it unpacks the {} items of a `{key}` into other targets", values.len())),
                    _ => {
                        // Into a hidden struct local, then converted as a whole.
                        let tmp = self.hidden("rv");
                        self.register(&tmp, &key);
                        let decls = self.declare_place(&tmp, &key, sp)?;
                        self.temps.borrow_mut().1.extend(decls);
                        let Some(places) = self.value_places(&at.name(&tmp), &key)? else { return fallback(sp, "a struct it cannot address field by field") };
                        for (p, v) in places.into_iter().zip(values) {
                            out.push(at.assign(p, v));
                        }
                        let obj = self.to_object(&key, &at.name(&tmp), sp)?;
                        out.push(at.assign(self.target(target)?, obj));
                    }
                }
                Ok(out)
            }
            StmtKind::Expr(value) if self.by_value_callee(value).is_some_and(|(c, _, _)| self.module.results.contains_key(c)) => {
                let Some((c, args, keywords)) = self.by_value_callee(value) else { return Ok(vec![]) };
                Ok(vec![self.result_call(c, args, keywords, sp)?.0])
            }
            StmtKind::Assign { targets, value } if targets.len() == 1 && self.object_field(&targets[0]).is_some() => {
                // `buffer.obj = v`: the field takes a reference to `v` and
                // releases the one it held (Cython's assignment to an
                // object field of a struct).
                let Some((p, index, f)) = self.object_field(&targets[0]) else { return Ok(vec![]) };
                let (addr, _, _, m) = self.pointer_field_address(&p, &index, &f, &targets[0].span)?;
                let call = Self::call(Self::cython_name(&m, OBJECT_STORE, sp), vec![addr, self.expr(value)?], sp);
                Ok(vec![stmt(StmtKind::Expr(call), sp)])
            }
            StmtKind::AugAssign { target, op, value } if self.pointer_field(target).is_some() => {
                // `ps[i].f op= v` as `ps[i].f = ps[i].f op v`: the same
                // element, as `i` is a name or a literal.
                let Some((base, index, _)) = self.pointer_field(target) else { return Ok(vec![]) };
                if !Self::pure(&index) || !Self::pure(&base) {
                    return fallback(&index.span, "it updates a field of a struct in C memory at a computed index in place");
                }
                let sum = Expr { kind: ExprKind::BinOp { left: Box::new(target.clone()), op: *op, right: Box::new(value.clone()) }, span: sp.clone() };
                self.rewrite_stmt(&stmt(StmtKind::Assign { targets: vec![target.clone()], value: sum }, sp))
            }
            _ => self.rewrite_stmt(s),
        }
    }

    /// The one target of an assignment (not a struct place, which `assign` takes).
    fn single_target<'s>(&self, s: &'s Stmt) -> Option<&'s Expr> {
        match &s.kind {
            StmtKind::Assign { targets, .. } if targets.len() == 1 => Some(&targets[0]),
            StmtKind::AnnAssign { target, .. } => Some(target),
            _ => None,
        }
    }

    /// `p.f = cython.declare(T_f)` (or `T_f[dims]`) for each field.
    fn declare_fields(&self, p: &str, l: &Local, declare: &Expr, sp: &syntax::Span) -> R<Vec<Stmt>> {
        if self.structs[&l.ty].union {
            return Ok(vec![self.declare_union_array(p, &l.ty, &l.dims, sp)?]);
        }
        Ok(self.leaves(&l.ty)
            .iter()
            .map(|(f, t)| {
                let ty = l.dims.iter().fold(t.clone(), |acc, d| Expr {
                    span: d.span.clone(),
                    kind: ExprKind::Subscript { value: Box::new(acc), index: Box::new(d.clone()) },
                });
                let call = Expr { kind: ExprKind::Call { func: Box::new(declare.clone()), args: vec![ty], keywords: vec![] }, span: sp.clone() };
                stmt(StmtKind::Assign { targets: vec![name(field_local(p, f), sp)], value: call }, sp)
            })
            .collect())
    }

    /// Any other statement: its expressions rewritten, its blocks lowered.
    fn rewrite_stmt(&mut self, s: &Stmt) -> R<Vec<Stmt>> {
        if let StmtKind::Assign { targets, value } = &s.kind {
            // A store to a cached field writes through: the hidden local,
            // then the memory from it.
            let cache = match targets.as_slice() {
                [t] => self.pointer_field(t).and_then(|(p, i, f)| Self::cache_key(&p, &i, &f)).and_then(|k| self.cached.get(&k)).cloned(),
                _ => None,
            };
            if let [t] = targets.as_slice() {
                if let Some(stmts) = self.fn_pointer_field_store(t, value, &s.span)? {
                    return Ok(stmts);
                }
            }
            if let (Some(c), [t]) = (cache, targets.as_slice()) {
                let at = At(&s.span);
                return Ok(vec![at.assign(at.name(&c), self.expr(value)?), at.assign(self.target(t)?, at.name(&c))]);
            }
        }
        let kind = match &s.kind {
            StmtKind::Return(e) => StmtKind::Return(e.as_ref().map(|e| self.expr(e)).transpose()?),
            StmtKind::Expr(e) => StmtKind::Expr(self.expr(e)?),
            StmtKind::Delete(targets) => StmtKind::Delete(targets.iter().map(|t| self.expr(t)).collect::<R<_>>()?),
            StmtKind::Assign { targets, value } => StmtKind::Assign {
                targets: targets.iter().map(|t| self.target(t)).collect::<R<_>>()?,
                value: self.expr(value)?,
            },
            StmtKind::AugAssign { target, op, value } => StmtKind::AugAssign { target: self.expr(target)?, op: *op, value: self.expr(value)? },
            StmtKind::AnnAssign { target, annotation, value } => StmtKind::AnnAssign {
                target: self.expr(target)?,
                annotation: self.expr(annotation)?,
                value: value.as_ref().map(|v| self.expr(v)).transpose()?,
            },
            StmtKind::For { target, iter, body, orelse } => StmtKind::For {
                target: self.expr(target)?,
                iter: self.expr(iter)?,
                body: self.loop_body(target, body)?,
                orelse: self.block(orelse)?,
            },
            StmtKind::While { test, body, orelse } => StmtKind::While { test: self.expr(test)?, body: self.block(body)?, orelse: self.block(orelse)? },
            StmtKind::If { test, body, orelse } => StmtKind::If { test: self.expr(test)?, body: self.block(body)?, orelse: self.block(orelse)? },
            StmtKind::Raise { exc, cause } => StmtKind::Raise {
                exc: exc.as_ref().map(|e| self.expr(e)).transpose()?,
                cause: cause.as_ref().map(|e| self.expr(e)).transpose()?,
            },
            StmtKind::Assert { test, msg } => StmtKind::Assert { test: self.expr(test)?, msg: msg.as_ref().map(|e| self.expr(e)).transpose()? },
            StmtKind::With { items, targets, body } => StmtKind::With {
                items: items.iter().map(|e| self.expr(e)).collect::<R<_>>()?,
                targets: targets.iter().map(|t| t.as_ref().map(|t| self.target(t)).transpose()).collect::<R<_>>()?,
                body: self.block(body)?,
            },
            StmtKind::Other { what, binds, body } => {
                if let Some(p) = binds.iter().find(|b| self.locals.contains_key(*b)) {
                    return fallback(&s.span, format!("{what} binds the struct `{p}`"));
                }
                StmtKind::Other { what, binds: binds.clone(), body: self.block(body)? }
            }
            StmtKind::Try { body, handlers, orelse, finalbody, has_finally } => {
                if let Some(p) = handlers.iter().filter_map(|h| h.name.as_ref()).find(|n| self.locals.contains_key(*n)) {
                    return fallback(&s.span, format!("an `except` clause binds the struct `{p}`"));
                }
                let mut hs = vec![];
                for h in handlers {
                    let types = h.types.as_ref().map(|e| self.expr(e)).transpose()?;
                    hs.push(crate::syntax::ExceptHandler { types, name: h.name.clone(), body: self.block(&h.body)?, span: h.span.clone() });
                }
                StmtKind::Try { body: self.block(body)?, handlers: hs, orelse: self.block(orelse)?, finalbody: self.block(finalbody)?, has_finally: *has_finally }
            }
            other => other.clone(),
        };
        Ok(vec![Stmt { kind, span: s.span.clone() }])
    }

    /// Whether a comprehension reads pointers to structs and no struct
    /// local, and its targets bind neither (nor does a `:=` in it).
    fn comprehension_reads_pointers_only(&self, e: &Expr) -> bool {
        let ExprKind::Comp { generators, .. } = &e.kind else { return false };
        let mut pointers = false;
        let mut other = false;
        walk_expr(e, &mut |x| match &x.kind {
            ExprKind::Name(n) => {
                pointers |= self.pointers.contains_key(n);
                other |= self.locals.contains_key(n);
            }
            ExprKind::Named { .. } | ExprKind::Lambda(_) => other = true,
            _ => {}
        });
        let mut bound = vec![];
        for g in generators {
            walk_expr(&g.target, &mut |x| {
                if let ExprKind::Name(n) = &x.kind {
                    bound.push(n.clone());
                }
            });
        }
        pointers && !other && !bound.iter().any(|n| self.pointers.contains_key(n) || self.locals.contains_key(n))
    }

    /// Field accesses become their locals; a struct used whole is a fallback.
    fn expr(&self, e: &Expr) -> R<Expr> {
        let sp = &e.span;
        let bx = |x: &Expr| -> R<Box<Expr>> { Ok(Box::new(self.expr(x)?)) };
        let kind = match &e.kind {
            ExprKind::Name(_) | ExprKind::Attribute { .. } if self.struct_local(e).is_some() => {
                // Where a struct meets objects it is a dict (a ctuple a tuple).
                let Some((n, l)) = self.struct_local(e) else { return fallback(sp, "a struct") };
                if !l.dims.is_empty() {
                    return fallback(sp, format!("it uses the array of structs `{n}` whole"));
                }
                return self.to_object(&l.ty, e, sp);
            }
            // `t[0]`, `t[-1]` of a ctuple: its field.
            ExprKind::Subscript { value, index } if self.struct_local(value).is_some_and(|(_, l)| l.dims.is_empty() && self.structs[&l.ty].ctuple) => {
                let Some((t, l)) = self.struct_local(value) else { return fallback(sp, "a ctuple") };
                let n = self.fields(&l.ty).len() as i128;
                let i = match &index.kind {
                    ExprKind::Int(Some(i)) => *i,
                    ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } => match operand.kind {
                        ExprKind::Int(Some(i)) => -i,
                        _ => return fallback(sp, format!("it indexes the ctuple `{t}` by a value known only at run time")),
                    },
                    _ => return fallback(sp, format!("it indexes the ctuple `{t}` by a value known only at run time")),
                };
                let i = if i < 0 { i + n } else { i };
                if !(0..n).contains(&i) {
                    return error(Diagnostic::error(index.span.clone(), format!("index out of range: the ctuple `{t}` has {n} items")));
                }
                return Ok(name(field_local(&t, &i.to_string()), sp));
            }
            ExprKind::Call { args, keywords, .. } if self.by_value_callee(e).is_some() => {
                let Some((c, _, _)) = self.by_value_callee(e) else { return fallback(sp, "a call") };
                if self.module.results.contains_key(c) {
                    let what = if self.module.externs.contains(c) { "a C function returning a struct" } else { "a `@cfunc` returning a struct or ctuple" };
                    return fallback(sp, format!("it calls `{c}` ({what}) inside an expression where it cannot run first (a statement's whole value, or where only names, constants and struct fields are evaluated before it)"));
                }
                return Ok(self.by_value_call(c, self.call_args(c, args, keywords, sp)?, sp));
            }
            // A struct in C memory used whole meets objects: a dict.
            ExprKind::Subscript { .. } | ExprKind::Attribute { .. } if self.mem_place(e).is_some() => {
                let Some((_, _, _, ty)) = self.mem_place(e) else { return fallback(sp, "a struct in C memory") };
                if self.structs[&ty].union {
                    return fallback(sp, format!("it uses the union `{}` in C memory whole", self.cx.source_text(sp)));
                }
                self.pure_place(e)?;
                return self.to_object(&ty, e, sp);
            }
            ExprKind::Attribute { .. } if self.pointer_field(e).is_some() => {
                let Some((p, index, attr)) = self.pointer_field(e) else { return fallback(sp, "a field of a struct in C memory it cannot address") };
                if let Some(c) = Self::cache_key(&p, &index, &attr).and_then(|k| self.cached.get(&k)) {
                    return Ok(name(c.clone(), sp));
                }
                return self.pointer_field_access(&p, &index, &attr, false, sp);
            }
            ExprKind::Call { func, args, keywords }
                if keywords.is_empty() && self.cx.binding_of(func) == Some(Binding::CythonAttr("address".into())) && args.len() == 1 =>
            {
                return self.address_of(func, &args[0], sp);
            }
            ExprKind::BinOp { left, op, right } if [left, right].iter().any(|x| self.pointee(x).is_some()) => {
                return self.struct_pointer_arith(left, *op, right, sp);
            }
            ExprKind::Call { func, args, keywords } if keywords.is_empty() && self.sized_struct(func, args).is_some() => {
                let Some(s) = self.sized_struct(func, args) else { return fallback(sp, "a struct's size") };
                let (size, _) = self.layout(&s, sp)?;
                ExprKind::Int(Some(i128::from(size)))
            }
            ExprKind::Call { .. } if self.struct_pointer_type(e)?.is_some() => {
                let Some((_, m)) = self.struct_pointer_type(e)? else { return fallback(sp, "a pointer to a struct") };
                let ExprKind::Call { func, .. } = &e.kind else { return fallback(sp, "a pointer to a struct") };
                ExprKind::Call { func: func.clone(), args: vec![Self::cython_name(&m, "char", sp)], keywords: vec![] }
            }
            ExprKind::Attribute { value, attr } => {
                if let Some((p, l)) = self.struct_local(value) {
                    if !l.dims.is_empty() {
                        return fallback(sp, format!("it reads the attribute `{attr}` of the array `{p}`"));
                    }
                    self.has_field(&p, attr, sp)?;
                    if self.structs[&l.ty].union {
                        let Some(v) = self.union_field(&p, &l.ty, attr, sp) else { return fallback(sp, "a field of a union") };
                        return Ok(v);
                    }
                    return Ok(name(field_local(&p, attr), sp));
                }
                // `ps[i].x`, `ps[i][j].x`: the field's C array at `[i]`, `[i, j]`.
                let mut subs = vec![];
                let mut cur = &**value;
                while let ExprKind::Subscript { value: v, index } = &cur.kind {
                    subs.push(self.expr(index)?);
                    cur = v;
                }
                if let (Some((p, l)), false) = (self.struct_local(cur), subs.is_empty()) {
                    if subs.len() != l.dims.len() {
                        return fallback(sp, format!("it indexes the array of structs `{p}` with {} subscripts", subs.len()));
                    }
                    self.has_field(&p, attr, sp)?;
                    subs.reverse();
                    if self.structs[&l.ty].union {
                        let Some(v) = self.union_element_field(&p, &l.ty, &subs, attr, sp) else { return fallback(sp, "a field of a union") };
                        return Ok(v);
                    }
                    let index = match subs.len() {
                        1 => subs.remove(0),
                        _ => Expr { span: value.span.clone(), kind: ExprKind::Tuple(subs) },
                    };
                    let array = Box::new(name(field_local(&p, attr), &cur.span));
                    return Ok(Expr { kind: ExprKind::Subscript { value: array, index: Box::new(index) }, span: sp.clone() });
                }
                ExprKind::Attribute { value: bx(value)?, attr: attr.clone() }
            }
            ExprKind::BinOp { left, op, right } => ExprKind::BinOp { left: bx(left)?, op: *op, right: bx(right)? },
            ExprKind::UnaryOp { op, operand } => ExprKind::UnaryOp { op: *op, operand: bx(operand)? },
            ExprKind::BoolOp { op, values } => ExprKind::BoolOp { op: *op, values: values.iter().map(|v| self.expr(v)).collect::<R<_>>()? },
            ExprKind::Compare { left, ops, comparators } => ExprKind::Compare {
                left: bx(left)?,
                ops: ops.clone(),
                comparators: comparators.iter().map(|v| self.expr(v)).collect::<R<_>>()?,
            },
            ExprKind::Call { func, args, keywords } => ExprKind::Call {
                func: bx(func)?,
                args: args.iter().map(|v| self.expr(v)).collect::<R<_>>()?,
                keywords: keywords.iter().map(|k| Ok(Keyword { value: self.expr(&k.value)?, ..k.clone() })).collect::<R<_>>()?,
            },
            ExprKind::IfExp { test, body, orelse } => ExprKind::IfExp { test: bx(test)?, body: bx(body)?, orelse: bx(orelse)? },
            ExprKind::Subscript { value, index } => ExprKind::Subscript { value: bx(value)?, index: bx(index)? },
            ExprKind::Slice { lower, upper, step } => ExprKind::Slice {
                lower: lower.as_deref().map(bx).transpose()?,
                upper: upper.as_deref().map(bx).transpose()?,
                step: step.as_deref().map(bx).transpose()?,
            },
            ExprKind::Tuple(items) => ExprKind::Tuple(items.iter().map(|v| self.expr(v)).collect::<R<_>>()?),
            ExprKind::List(items) => ExprKind::List(items.iter().map(|v| self.expr(v)).collect::<R<_>>()?),
            ExprKind::Set(items) => ExprKind::Set(items.iter().map(|v| self.expr(v)).collect::<R<_>>()?),
            ExprKind::Dict(items) => ExprKind::Dict(items.iter().map(|(k, v)| Ok((self.expr(k)?, self.expr(v)?))).collect::<R<_>>()?),
            ExprKind::Yield(v) => ExprKind::Yield(v.as_deref().map(bx).transpose()?),
            ExprKind::Starred(x) => ExprKind::Starred(bx(x)?),
            ExprKind::Named { target, .. } if self.locals.contains_key(target) || self.pointers.contains_key(target) => {
                return fallback(sp, format!("it assigns the struct `{target}` with `:=`"));
            }
            ExprKind::Named { target, value } => ExprKind::Named { target: target.clone(), value: bx(value)? },
            // A comprehension runs in the function: its pointers to structs
            // are the function's (unless a target rebinds one).
            ExprKind::Comp { kind, elt, value, generators } if self.comprehension_reads_pointers_only(e) => ExprKind::Comp {
                kind: *kind,
                elt: bx(elt)?,
                value: value.as_deref().map(bx).transpose()?,
                generators: generators
                    .iter()
                    .map(|g| {
                        Ok(syntax::CompFor {
                            iter: self.expr(&g.iter)?,
                            ifs: g.ifs.iter().map(|c| self.expr(c)).collect::<R<_>>()?,
                            ..g.clone()
                        })
                    })
                    .collect::<R<_>>()?,
            },
            ExprKind::Comp { .. } | ExprKind::Lambda(_) => {
                let mut uses = false;
                walk_expr(e, &mut |x| {
                    if let ExprKind::Name(n) = &x.kind {
                        uses |= self.locals.contains_key(n) || self.pointers.contains_key(n);
                    }
                });
                if uses {
                    return fallback(sp, format!("a {} uses a struct", if matches!(e.kind, ExprKind::Lambda(_)) { "lambda" } else { "comprehension" }));
                }
                e.kind.clone()
            }
            ExprKind::FString(parts) => {
                let mut out = vec![];
                for part in parts {
                    out.push(match part {
                        FPart::Lit(s) => FPart::Lit(s.clone()),
                        FPart::Value { value, conversion, spec } => {
                            FPart::Value { value: bx(value)?, conversion: *conversion, spec: spec.as_deref().map(bx).transpose()? }
                        }
                    });
                }
                ExprKind::FString(out)
            }
            other => other.clone(),
        };
        Ok(Expr { kind, span: sp.clone() })
    }
}
