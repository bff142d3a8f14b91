//! Extension types of `@cython.cclass` classes: each a `PyType_Spec` the
//! exec slot turns into a heap type (`PyType_FromModuleAndSpec`, 3.9+),
//! with the instance size of its C fields, `tp_new` (`PyType_GenericNew`:
//! fields start zeroed, as Cython's C numbers do), a `tp_dealloc`, a
//! `tp_init` that runs the compiled `__init__`, its compiled methods as
//! `METH_FASTCALL | METH_KEYWORDS` descriptors, and `PyGetSetDef`s for its
//! public and readonly fields.

use crate::hir::ParamKind;
use super::names::py_str;
use super::wrapper::{self, Facts};
use super::{finish, flags, python_parameters, release_or_abandon, return_status, R};
use crate::backend::{pyabi, Emitter, FnCx};
use crate::hir::{self, ExtClass, FuncId, Function, Visibility};
use crate::mir::primitives as prim;
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Linkage, Module};
use crate::backend::pyabi::type_spec::{MEMBER_DEF_BYTES, PY_TP_CLEAR, PY_TP_DEALLOC, PY_TP_DOC, PY_TP_FREE, PY_TP_GETSET, PY_TP_INIT, PY_TP_MEMBERS, PY_TP_METHODS, PY_TP_NEW, PY_TP_TRAVERSE, READONLY, TPFLAGS_BASETYPE, TPFLAGS_DEFAULT, TPFLAGS_HAVE_GC, T_OBJECT_EX, T_PYSSIZET};


/// The compiled functions of the module's classes, in helper-slot order:
/// each class's `__init__`, then its other methods.
pub(super) fn method_functions(m: &hir::Module) -> Vec<FuncId> {
    m.classes.iter().flat_map(own_method_functions).collect()
}

/// A class's compiled functions with Python binders, in helper-slot order
/// (its fields' accessors have none: CPython calls them through the
/// type's getset table).
fn own_method_functions(c: &ExtClass) -> Vec<FuncId> {
    let accessors = field_accessors(c);
    c.init.into_iter().chain(c.cinit).chain(c.dealloc).chain(c.methods.iter().map(|(_, id)| *id)).filter(|id| !accessors.contains(id)).collect()
}

/// The properties of a class's public and readonly fields (their
/// accessors written by `frontend/cclass.rs`'s `public_accessors`; no
/// other property takes a field's name): `PyGetSetDef`s, as Cython's.
fn field_properties(c: &ExtClass) -> impl Iterator<Item = &hir::Property> {
    c.properties.iter().filter(|p| c.fields.iter().any(|f| f.name == p.name))
}

fn field_accessors(c: &ExtClass) -> Vec<FuncId> {
    field_properties(c).flat_map(|p| [Some(p.get), p.set, p.del]).flatten().collect()
}

/// Every function that is a method (`cfunc`s and fields' accessors too):
/// none is a module function.
pub(super) fn all_method_functions(m: &hir::Module) -> Vec<FuncId> {
    method_functions(m).into_iter().chain(m.classes.iter().flat_map(|c| c.c_methods.iter().copied().chain(field_accessors(c)))).collect()
}

fn function(m: &hir::Module, id: FuncId) -> R<&Function> {
    m.functions.get(id.0 as usize).filter(|f| f.id == id).ok_or_else(|| format!("method f{} is not among the functions", id.0))
}

/// The Python name of a compiled method function (`Class.method`).
fn method_name(f: &Function) -> &str {
    f.name.rsplit('.').next().unwrap_or(&f.name)
}

/// Python binders of the methods (with `self` first), named by slot order;
/// a stored default is None until the class's line sets the binder's
/// defaults (`exec.rs`).
pub(super) fn binders_source(m: &hir::Module) -> R<String> {
    let mut out = String::new();
    if m.classes.iter().any(|c| c.cinit.is_some()) {
        out.push_str(CINIT_ARGS_SOURCE);
    }
    for (k, id) in method_functions(m).into_iter().enumerate() {
        let f = function(m, id)?;
        let names: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
        let bind = binder_name(k);
        out.push_str(&format!(
            "\ndef {bind}({}):\n    return ({},)\n{bind}.__name__ = {name}\n{bind}.__qualname__ = {qual}\n\
             {bind}.__code__ = {bind}.__code__.replace(co_name={name})\n",
            super::binder_parameters(f).join(", "),
            names.join(", "),
            name = py_str(method_name(f)),
            qual = py_str(&f.name),
        ));
        if method_name(f) == "__cinit__" {
            out.push_str(&cinit_checks(f, &bind));
        }
    }
    Ok(out)
}

/// Cython's argument checks of a `__cinit__`, in the module's own
/// namespace when a class has one.
const CINIT_ARGS_SOURCE: &str = r#"
def __pyc_aot_cinit_error(n, kwargs, pos, required, kwonly, kwreq, star, star_star):
    # Cython's argument checks of a `__cinit__` given `n` positional
    # arguments and the keywords `kwargs` (its messages name the method
    # alone): the TypeError, or None.
    def invalid(given):
        if required == len(pos) and not star:
            how, num = 'exactly', required
        elif given < required:
            how, num = 'at least', required
        else:
            how, num = 'at most', len(pos)
        return TypeError('__cinit__() takes %s %d positional argument%s (%d given)' % (how, num, '' if num == 1 else 's', given))
    if n > len(pos) and not star:
        return invalid(n)
    if not kwargs:
        if n < required:
            return invalid(n)
        if kwreq:
            return TypeError("__cinit__() needs keyword-only argument %s" % kwreq[0])
        return None
    for k in kwargs:
        if k in pos[:n]:
            return TypeError("__cinit__() got multiple values for keyword argument '%s'" % k)
        if k not in pos and k not in kwonly and not star_star:
            return TypeError("__cinit__() got an unexpected keyword argument '%s'" % k)
    for i in range(n, required):
        if pos[i] not in kwargs:
            return invalid(i)
    for k in kwreq:
        if k not in kwargs:
            return TypeError("__cinit__() needs keyword-only argument %s" % k)
    return None
"#;

/// A `__cinit__`'s binder wrapped in Cython's own argument checks, so a
/// constructor called with the wrong arguments raises Cython's TypeErrors
/// ("__cinit__() takes exactly 2 positional arguments (1 given)") rather
/// than the interpreter's.
fn cinit_checks(f: &Function, bind: &str) -> String {
    let params = &f.params[1..];
    let positional: Vec<&str> = params.iter().filter(|p| matches!(p.kind, ParamKind::PositionalOrKeyword | ParamKind::PositionalOnly)).map(|p| p.name.as_str()).collect();
    let required = params.iter().filter(|p| matches!(p.kind, ParamKind::PositionalOrKeyword | ParamKind::PositionalOnly) && p.default_src.is_none()).count();
    let kwonly: Vec<&str> = params.iter().filter(|p| p.kind == ParamKind::KeywordOnly).map(|p| p.name.as_str()).collect();
    let kwonly_required: Vec<&str> = params.iter().filter(|p| p.kind == ParamKind::KeywordOnly && p.default_src.is_none()).map(|p| p.name.as_str()).collect();
    let star = params.iter().any(|p| p.kind == ParamKind::VarPositional);
    let star_star = params.iter().any(|p| p.kind == ParamKind::VarKeyword);
    let list = |v: &[&str]| format!("({})", v.iter().map(|n| format!("{},", py_str(n))).collect::<String>());
    format!(
        "{bind}_exact = {bind}\n\
         def {bind}(*args, **kwargs):\n    e = __pyc_aot_cinit_error(len(args) - 1, tuple(kwargs), {pos}, {required}, {kwonly}, {kwreq}, {star}, {star_star})\n    \
         if e is not None:\n        del args, kwargs\n        raise e\n    return {bind}_exact(*args, **kwargs)\n",
        pos = list(&positional),
        kwonly = list(&kwonly),
        kwreq = list(&kwonly_required),
        star = if star { "True" } else { "False" },
        star_star = if star_star { "True" } else { "False" },
    )
}

pub(super) fn binder_name(k: usize) -> String {
    format!("__pyc_aot_bind_method_{k}")
}

/// Each class's spec (its name as the exec slot binds it), after emitting
/// its methods' wrappers, `tp_init` and `tp_dealloc`. `first_slot`: the
/// helper slot of the first method's binder.
/// Each entry also names the class's base (a class of the module made
/// before it), passed to `PyType_FromModuleAndSpec`, and its
/// `tp_vectorcall` when it has an `__init__`.
pub(super) fn emit_specs(em: &mut Emitter, facts: &Facts, first_slot: usize) -> R<Vec<ClassSpec>> {
    let m = facts.m;
    let mut slot = first_slot;
    let mut specs = vec![];
    // Each class's `__cinit__` (its entry, whether it takes arguments, a
    // `PyMethodDef` of it) and `__dealloc__` entry, for its subclasses.
    let mut cinits: std::collections::HashMap<&str, (ClifFuncId, bool, DataId)> = Default::default();
    let mut deallocs: std::collections::HashMap<&str, ClifFuncId> = Default::default();
    for c in &m.classes {
        let mut entries = vec![];
        let mut init_entry = None;
        // Special methods go into slots, not the method table.
        let mut specials = std::collections::HashMap::new();
        let mut accessors = std::collections::HashMap::new();
        let accessor = |id: FuncId| c.properties.iter().any(|p| p.get == id || p.set == Some(id) || p.del == Some(id));
        for id in own_method_functions(c) {
            let f = function(m, id)?;
            // A static method takes no `self`: the function's convention
            // (CPython passes the type as `self` of a `METH_STATIC` entry, unused).
            let is_static = c.static_methods.contains(&id);
            let entry = if is_static { wrapper::emit_fastcall_wrapper(em, facts, f, slot)? } else { wrapper::emit_method_wrapper(em, facts, f, slot)? };
            slot += 1;
            if Some(id) == c.init {
                init_entry = Some((entry, f));
            } else if Some(id) == c.cinit {
                // One taking only `self`: `tp_new` calls its native function.
                let takes = f.params.len() > 1;
                let callee = if takes { entry } else { em.native_id(id) };
                cinits.insert(&c.name, (callee, takes, method_def(em, entry, "__cinit__")?));
            } else if Some(id) == c.dealloc {
                deallocs.insert(&c.name, entry);
            } else if accessor(id) {
                accessors.insert(id, (entry, f));
            } else if hir::SLOT_METHODS.contains(&method_name(f)) {
                specials.insert(method_name(f).to_string(), entry);
            } else {
                let how = if is_static { Binding::Static } else if c.class_methods.contains(&id) { Binding::Class } else { Binding::Instance };
                entries.push((entry, f, how));
            }
        }
        // Each accessor a one-entry method table: the exec slot makes its
        // method descriptor, and the residual a `property` of them.
        let mut properties = vec![];
        for p in c.properties.iter().filter(|p| !c.fields.iter().any(|f| f.name == p.name)) {
            let mut defs = [None, None, None];
            for (k, id) in [Some(p.get), p.set, p.del].into_iter().enumerate() {
                let Some((entry, f)) = id.and_then(|id| accessors.get(&id)) else { continue };
                defs[k] = Some(method_table(em, &[(*entry, *f, Binding::Instance)], &p.name)?);
            }
            properties.push((p.name.clone(), defs));
        }
        let mut special_slots = super::slots::special_slots(em, c, &specials)?;
        special_slots.extend(super::slots::buffer_slots(em, &m.name, c)?);
        // The line of classes from this one up: deallocs run from it up,
        // cinits from the root down.
        let mut line = vec![c];
        while let Some(b) = line.last().and_then(|k| k.base.as_ref()).and_then(|b| m.classes.iter().find(|k| k.name == *b)) {
            line.push(b);
        }
        let own_deallocs: Vec<(ClifFuncId, String)> = line.iter().filter_map(|k| Some((*deallocs.get(k.name.as_str())?, format!("{}.{}.__dealloc__", m.name, k.name)))).collect();
        let own_cinits: Vec<(ClifFuncId, bool, DataId)> = line.iter().rev().filter_map(|k| cinits.get(k.name.as_str()).copied()).collect();
        let freelist = if c.freelist > 0 { Some(freelist_storage(em, c.freelist)?) } else { None };
        let dealloc = emit_dealloc(em, c, &own_deallocs, freelist)?;
        let init = match init_entry {
            Some((entry, f)) => Some((emit_init(em, c, entry, f)?, entry)),
            None => None,
        };
        let methods = method_table(em, &entries, "")?;
        let members = member_table(em, c)?;
        let getset = getset_table(em, facts, c)?;
        let (spec, vectorcall) = spec(em, m, c, dealloc, init, methods, members, getset, special_slots, &own_cinits, freelist)?;
        specs.push(ClassSpec { name: c.name.clone(), line: c.line, spec, base: c.base.clone(), vectorcall, properties });
    }
    Ok(specs)
}

/// What the exec slot needs of a class to make its type: its name and
/// line (where the residual binds it), the spec, its base of the module,
/// its `tp_vectorcall`, and its properties (each accessor's one-entry
/// method table: getter, setter, deleter).
pub(super) struct ClassSpec {
    pub name: String,
    pub line: u32,
    pub spec: DataId,
    pub base: Option<String>,
    pub vectorcall: Option<ClifFuncId>,
    pub properties: Vec<(String, [Option<DataId>; 3])>,
}

/// How a method-table entry binds: to the instance, the class
/// (`METH_CLASS`), or not at all (`METH_STATIC`).
#[derive(Clone, Copy, PartialEq)]
enum Binding {
    Instance,
    Class,
    Static,
}

const METH_CLASS: i32 = 0x10;
const METH_STATIC: i32 = 0x20;

/// The `PyMethodDef[]` of `entries`; `name` (when not empty) replaces
/// their Python names (a property's accessors are all called by its name).
fn method_table(em: &mut Emitter, entries: &[(ClifFuncId, &Function, Binding)], name: &str) -> R<DataId> {
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let defs = entries
        .iter()
        .map(|(entry, f, how)| {
            // `__text_signature__` from the first line, as for module functions:
            // `$self`/`$cls` is the bound parameter (a static method has none).
            let mut params = match how {
                Binding::Instance => vec!["$self".to_string()],
                Binding::Class => vec!["$cls".to_string()],
                Binding::Static => vec![],
            };
            if *how != Binding::Static && !f.params.iter().any(|p| p.kind == hir::ParamKind::PositionalOnly) {
                params.push("/".into());
            }
            params.extend(python_parameters(f).into_iter().skip(if *how == Binding::Static { 0 } else { 1 }));
            let py_name = if name.is_empty() { method_name(f) } else { name };
            let doc = format!("{}({})\n--\n\n{}", py_name, params.join(", "), f.doc.as_deref().unwrap_or("").replace('\0', ""));
            let flags = super::METH_VARARGS_FASTCALL_KEYWORDS
                | match how {
                    Binding::Instance => 0,
                    Binding::Class => METH_CLASS,
                    Binding::Static => METH_STATIC,
                };
            super::MethodDef { name: py_name.to_string(), flags, entry: *entry, doc }
        })
        .collect::<Vec<_>>();
    super::define_method_table(em, table, &defs)?;
    Ok(table)
}

/// The `PyGetSetDef[]` of the public and readonly fields (None without
/// any): each getter the compiled getter's entry taking `(self,
/// closure)`, each public field's setter its compiled setter and deleter
/// behind one `int (self, value, closure)` entry; a readonly field has no
/// setter, so CPython raises "attribute 'x' of 'm.C' objects is not
/// writable" for a store or `del`, as for Cython's.
fn getset_table(em: &mut Emitter, facts: &Facts, c: &ExtClass) -> R<Option<DataId>> {
    let m = facts.m;
    let mut entries = vec![];
    for p in field_properties(c) {
        let field = c.fields.iter().find(|f| f.name == p.name).ok_or_else(|| format!("no field `{}` in {}", p.name, c.name))?;
        let get = match emit_field_getter(em, c, field)? {
            Some(get) => get,
            None => wrapper::emit_getter(em, facts, function(m, p.get)?)?,
        };
        let set = match (p.set, p.del) {
            (Some(s), Some(d)) => {
                let set = wrapper::emit_setter(em, function(m, s)?, function(m, d)?)?;
                Some(emit_float_setter(em, c, field, set)?.unwrap_or(set))
            }
            (None, None) => None,
            _ => return Err(format!("field `{}` of {} has a setter or a deleter alone", p.name, c.name)),
        };
        entries.push((p.name.as_str(), get, set));
    }
    if entries.is_empty() {
        return Ok(None);
    }
    // name, get, set, doc, closure.
    const GETSET_DEF_BYTES: usize = 40;
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; GETSET_DEF_BYTES * (entries.len() + 1)].into_boxed_slice());
    for (k, (name, get, set)) in entries.into_iter().enumerate() {
        let at = (GETSET_DEF_BYTES * k) as u32;
        let name = em.cstring(name)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr(at, gv, 0);
        let fr = em.module.declare_func_in_data(get, &mut desc);
        desc.write_function_addr(at + 8, fr);
        if let Some(set) = set {
            let fr = em.module.declare_func_in_data(set, &mut desc);
            desc.write_function_addr(at + 16, fr);
        }
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(Some(table))
}

/// A field's getter loading it at its offset: a C number boxed (as
/// compiled code boxes it), `True`/`False` for a `bint`, an object (never
/// NULL: `tp_new` and `tp_clear` put None there) with a new reference;
/// None for another type (its compiled getter is the entry).
fn emit_field_getter(em: &mut Emitter, c: &ExtClass, field: &hir::Field) -> R<Option<ClifFuncId>> {
    let (ty, at) = (field.ty, field.offset as i32);
    if !matches!(ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Object) {
        return Ok(None);
    }
    let Some(ct) = crate::backend::clif_type(ty) else { return Ok(None) };
    let title = format!("getter of {}.{}", c.name, field.name);
    let id = emit_fn(em, &format!("pyc_aot_get_{}_{}", c.name, field.name), 6, &title, 2, Some(em.ptr), |cx, a| {
        let v = cx.b.ins().load(ct, flags(), a[0], at);
        let obj = match ty {
            Ty::Float(bits) => {
                let v = if bits == 32 { cx.b.ins().fpromote(types::F64, v) } else { v };
                cx.call_prim(&prim::PY_FLOAT_FROM_DOUBLE, &[v])?[0]
            }
            Ty::Int(i) => {
                let v = match i.bits {
                    64 => v,
                    _ if i.signed => cx.b.ins().sextend(types::I64, v),
                    _ => cx.b.ins().uextend(types::I64, v),
                };
                let box_ = if i.signed { &prim::PY_LONG_FROM_LONG_LONG } else { &prim::PY_LONG_FROM_UNSIGNED_LONG_LONG };
                cx.call_prim(box_, &[v])?[0]
            }
            Ty::Bool => {
                let t = cx.py_data("_Py_TrueStruct")?;
                let f = cx.py_data("_Py_FalseStruct")?;
                let o = cx.b.ins().select(v, t, f);
                crate::backend::codegen::incref_singleton(cx, o)?;
                o
            }
            _ => {
                crate::backend::codegen::incref(cx, v)?;
                v
            }
        };
        cx.b.ins().return_(&[obj]);
        Ok(())
    })?;
    Ok(Some(id))
}

/// A C float field's setter storing an exact float's value in place (what
/// the compiled setter computes for one), anything else (`del` too) handed
/// to the compiled setter's entry `set`; None for another type.
fn emit_float_setter(em: &mut Emitter, c: &ExtClass, field: &hir::Field, set: ClifFuncId) -> R<Option<ClifFuncId>> {
    let Ty::Float(bits) = field.ty else { return Ok(None) };
    let at = field.offset as i32;
    let p = em.ptr;
    let title = format!("float setter of {}.{}", c.name, field.name);
    let id = super::emit_fn(em, &format!("pyc_aot_set_{}_{}", c.name, field.name), 6, &title, &[p, p, p], Some(types::I32), |cx, a| {
        let (other, fast, slow) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.set_cold_block(slow);
        cx.b.ins().brif(a[1], other, &[], slow, &[]);
        cx.b.switch_to_block(other);
        let ty = cx.b.ins().load(p, flags(), a[1], pyabi::OB_TYPE);
        let float_type = cx.py_data("PyFloat_Type")?;
        let exact = cx.b.ins().icmp(IntCC::Equal, ty, float_type);
        cx.b.ins().brif(exact, fast, &[], slow, &[]);
        cx.b.switch_to_block(fast);
        let v = cx.b.ins().load(types::F64, flags(), a[1], pyabi::FLOAT_VALUE);
        let v = if bits == 32 { cx.b.ins().fdemote(types::F32, v) } else { v };
        cx.b.ins().store(flags(), v, a[0], at);
        let zero = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[zero]);
        cx.b.switch_to_block(slow);
        let r = cx.func_ref(set);
        let inst = cx.b.ins().call(r, &[a[0], a[1], a[2]]);
        let status = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[status]);
        Ok(())
    })?;
    Ok(Some(id))
}

/// `structmember.h`'s type code of a field.
fn member_type(t: Ty) -> R<i32> {
    Ok(match t {
        Ty::Int(i) => match (i.bits, i.signed) {
            (8, true) => 8,
            (8, false) => 9,
            (16, true) => 0,
            (16, false) => 10,
            (32, true) => 1,
            (32, false) => 11,
            (64, true) => 17,
            (64, false) => 18,
            _ => return Err(format!("a field of {t}")),
        },
        Ty::Float(32) => 3,
        Ty::Float(_) => 4,
        Ty::Bool => 14,
        Ty::Object => T_OBJECT_EX,
        _ => return Err(format!("a field of {t}")),
    })
}

/// `PyMemberDef`s of the public and readonly fields (private ones are
/// reachable from compiled code only).
fn member_table(em: &mut Emitter, c: &ExtClass) -> R<DataId> {
    // (name, type code, offset, flags); `__weaklistoffset__` is how a
    // spec sets `tp_weaklistoffset` (3.9+).
    let mut exposed: Vec<(String, i32, u32, i32)> = vec![];
    for f in c.fields.iter().filter(|f| f.visibility != Visibility::Private) {
        exposed.push((f.name.clone(), member_type(f.ty)?, f.offset, if f.visibility == Visibility::Readonly { READONLY } else { 0 }));
    }
    if let Some(at) = c.weaklist {
        exposed.push(("__weaklistoffset__".into(), T_PYSSIZET, at, READONLY));
    }
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; MEMBER_DEF_BYTES * (exposed.len() + 1)];
    for (i, (_, ty, offset, fl)) in exposed.iter().enumerate() {
        let at = MEMBER_DEF_BYTES * i;
        bytes[at + 8..at + 12].copy_from_slice(&ty.to_le_bytes());
        bytes[at + 16..at + 24].copy_from_slice(&i64::from(*offset).to_le_bytes());
        bytes[at + 24..at + 28].copy_from_slice(&fl.to_le_bytes());
    }
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    for (i, (f_name, ..)) in exposed.iter().enumerate() {
        let name = em.cstring(f_name)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr((MEMBER_DEF_BYTES * i) as u32, gv, 0);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

/// `PyType_Spec` with its slots, and the type's `tp_vectorcall` when it
/// has an `__init__`.
#[allow(clippy::too_many_arguments)]
fn spec(em: &mut Emitter, m: &hir::Module, c: &ExtClass, dealloc: ClifFuncId, init: Option<(ClifFuncId, ClifFuncId)>, methods: DataId, members: DataId, getset: Option<DataId>, special: Vec<(i32, ClifFuncId)>, cinits: &[(ClifFuncId, bool, DataId)], freelist: Option<DataId>) -> R<(DataId, Option<ClifFuncId>)> {
    let p = em.ptr;
    let gc = has_objects(c);
    let vtab = match c.vtab_offset {
        Some(at) => Some((at, vtable(em, c)?)),
        None => None,
    };
    let new = if gc || vtab.is_some() || !cinits.is_empty() || freelist.is_some() { emit_new(em, c, vtab, cinits, freelist)? } else { em.import("PyType_GenericNew", &[p, p, p], &[p])? };
    let mut slots: Vec<(i32, Slot)> = vec![(PY_TP_NEW, Slot::Func(new)), (PY_TP_DEALLOC, Slot::Func(dealloc))];
    if gc {
        slots.push((PY_TP_TRAVERSE, Slot::Func(emit_traverse(em, c)?)));
        slots.push((PY_TP_CLEAR, Slot::Func(emit_clear(em, c)?)));
    }
    let mut vectorcall = None;
    if let Some((init, entry)) = init {
        slots.push((PY_TP_INIT, Slot::Func(init)));
        // A `__cinit__` taking arguments needs `tp_new` to get them.
        if !cinits.iter().any(|(_, takes, _)| *takes) {
            vectorcall = Some(super::slots::emit_type_vectorcall(em, c, new, init, entry)?);
        }
    }
    slots.extend(special.into_iter().map(|(id, f)| (id, Slot::Func(f))));
    slots.push((PY_TP_METHODS, Slot::Data(methods)));
    slots.push((PY_TP_MEMBERS, Slot::Data(members)));
    if let Some(getset) = getset {
        slots.push((PY_TP_GETSET, Slot::Data(getset)));
    }
    if let Some(doc) = &c.doc {
        let d = em.cstring(&doc.replace('\0', ""))?;
        slots.push((PY_TP_DOC, Slot::Data(d)));
    }
    let table = slot_table(em, &slots)?;

    // PyType_Spec: name, basicsize, itemsize, flags, slots.
    let spec = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 32];
    bytes[8..12].copy_from_slice(&c.basicsize.to_le_bytes());
    // Python classes may subclass it, as Cython's types (without `@final`).
    let flags = TPFLAGS_DEFAULT | if c.is_final { 0 } else { TPFLAGS_BASETYPE } | if gc { TPFLAGS_HAVE_GC } else { 0 };
    bytes[16..20].copy_from_slice(&flags.to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    // `module.Class`: CPython sets `__module__` and `__qualname__` from it.
    let name = em.cstring(&format!("{}.{}", m.name, c.name))?;
    let gv_name = em.module.declare_data_in_data(name, &mut desc);
    let gv_slots = em.module.declare_data_in_data(table, &mut desc);
    desc.write_data_addr(0, gv_name, 0);
    desc.write_data_addr(24, gv_slots, 0);
    em.module.define_data(spec, &desc).map_err(|e| e.to_string())?;
    Ok((spec, vectorcall))
}

pub(super) enum Slot {
    Func(ClifFuncId),
    Data(DataId),
}

/// A `PyType_Slot[]` array (id, pointer; a zero entry ends it).
pub(super) fn slot_table(em: &mut Emitter, slots: &[(i32, Slot)]) -> R<DataId> {
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 16 * (slots.len() + 1)];
    for (i, (id, _)) in slots.iter().enumerate() {
        bytes[16 * i..16 * i + 4].copy_from_slice(&id.to_le_bytes());
    }
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    for (i, (_, s)) in slots.iter().enumerate() {
        let at = (16 * i + 8) as u32;
        match s {
            Slot::Func(f) => {
                let fr = em.module.declare_func_in_data(*f, &mut desc);
                desc.write_function_addr(at, fr);
            }
            Slot::Data(d) => {
                let gv = em.module.declare_data_in_data(*d, &mut desc);
                desc.write_data_addr(at, gv, 0);
            }
        }
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

fn has_objects(c: &ExtClass) -> bool {
    c.fields.iter().any(|f| f.ty == Ty::Object)
}

fn object_offsets(c: &ExtClass) -> Vec<i32> {
    c.fields.iter().filter(|f| f.ty == Ty::Object).map(|f| f.offset as i32).collect()
}

/// A function of the module with `n` pointer parameters (and an `i32`
/// result when `ret`), built by `body` from its entry block's parameters.
pub(super) fn emit_fn(em: &mut Emitter, symbol: &str, ns: u32, title: &str, n: usize, ret: Option<ir::Type>, body: impl FnOnce(&mut FnCx, &[ir::Value]) -> R<()>) -> R<ClifFuncId> {
    let params = vec![em.ptr; n];
    super::emit_fn(em, symbol, ns, title, &params, ret, body)
}

/// The class's table of cfunc entries (Cython's `__pyx_vtable`): the
/// native entry of each slot's implementation.
fn vtable(em: &mut Emitter, c: &ExtClass) -> R<DataId> {
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; 8 * c.vtable.len().max(1)].into_boxed_slice());
    for (k, f) in c.vtable.iter().enumerate() {
        let fr = em.module.declare_func_in_data(em.native_id(*f), &mut desc);
        desc.write_function_addr((8 * k) as u32, fr);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

/// `tp_new` of a type with object fields or a table of cfuncs:
/// `PyType_GenericNew` (zeroed, and tracked by the GC), then each object
/// field None, as Cython's are, and the table's pointer stored (a Python
/// subclass inherits this `tp_new`, so its instances get this table).
fn emit_new(em: &mut Emitter, c: &ExtClass, vtab: Option<(u32, DataId)>, cinits: &[(ClifFuncId, bool, DataId)], freelist: Option<DataId>) -> R<ClifFuncId> {
    let offsets = object_offsets(c);
    let gc = has_objects(c);
    emit_fn(em, &format!("pyc_aot_new_{}", c.name), 8, &format!("tp_new of {}", c.name), 3, Some(em.ptr), |cx, a| {
        let p = cx.em.ptr;
        let alloc = cx.b.create_block();
        cx.b.append_block_param(alloc, p);
        if let Some(list) = freelist {
            // An instance of exactly this type from the freelist (Cython's):
            // zeroed, its header made anew (a reference to the type), tracked.
            let (pop, generic) = (cx.b.create_block(), cx.b.create_block());
            let list = cx.data_addr(list);
            let count = cx.b.ins().load(types::I64, flags(), list, 0);
            let slot = cx.em.class_slot(&c.name)?;
            let slot = cx.data_addr(slot);
            let cls = cx.b.ins().load(p, flags(), slot, 0);
            let exact = cx.b.ins().icmp(IntCC::Equal, a[0], cls);
            let some = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, count, 0);
            let take = cx.b.ins().band(exact, some);
            cx.b.ins().brif(take, pop, &[], generic, &[]);
            cx.b.switch_to_block(pop);
            let left = cx.b.ins().iadd_imm_s(count, -1);
            cx.b.ins().store(flags(), left, list, 0);
            let at = cx.b.ins().ishl_imm_u(left, 3);
            let at = cx.b.ins().iadd(list, at);
            let obj = cx.b.ins().load(p, flags(), at, 8);
            let zero = cx.b.ins().iconst(types::I64, 0);
            for off in (0..c.basicsize).step_by(8) {
                cx.b.ins().store(flags(), zero, obj, off as i32);
            }
            cx.call_c("PyObject_Init", &[p, p], &[p], &[obj, a[0]])?;
            if gc {
                cx.call_c("PyObject_GC_Track", &[p], &[], &[obj])?;
            }
            cx.b.ins().jump(alloc, &[ir::BlockArg::Value(obj)]);
            cx.b.switch_to_block(generic);
        }
        let obj = cx.call_c("PyType_GenericNew", &[p, p, p], &[p], a)?[0];
        cx.b.ins().jump(alloc, &[ir::BlockArg::Value(obj)]);
        cx.b.switch_to_block(alloc);
        let obj = cx.b.block_params(alloc)[0];
        let (fill, done) = (cx.b.create_block(), cx.b.create_block());
        let failed = cx.is_null(obj);
        cx.b.ins().brif(failed, done, &[], fill, &[]);
        cx.b.switch_to_block(fill);
        let none = cx.py_data("_Py_NoneStruct")?;
        for off in &offsets {
            crate::backend::codegen::incref(cx, none)?;
            cx.b.ins().store(flags(), none, obj, *off);
        }
        if let Some((at, table)) = vtab {
            let t = cx.data_addr(table);
            cx.b.ins().store(flags(), t, obj, at as i32);
        }
        // `__cinit__`s, the root's first, each with the constructor's
        // arguments (none to one that takes only `self`, as Cython); a
        // failure releases the instance (its `__dealloc__` runs, as Cython's).
        for (entry, takes, def) in cinits {
            let res = if *takes {
                call_entry(cx, obj, a[1], a[2], *entry, *def)?
            } else {
                // The native function (`self`, the stack limit a wrapper
                // passes) -> its error flag.
                let sp = cx.b.ins().get_stack_pointer(p);
                let limit = cx.b.ins().iadd_imm_s(sp, -crate::backend::codegen::stack::SOFT_BUDGET);
                let r = cx.func_ref(*entry);
                let inst = cx.b.ins().call(r, &[obj, limit]);
                let Some(&err) = cx.b.inst_results(inst).last() else { return Err("a `__cinit__`'s native function returns no error flag".into()) };
                let (ok, bad) = (cx.b.create_block(), cx.b.create_block());
                cx.b.set_cold_block(bad);
                cx.b.ins().brif(err, bad, &[], ok, &[]);
                cx.b.switch_to_block(bad);
                cx.decref(obj)?;
                let null = cx.b.ins().iconst(p, 0);
                cx.b.ins().return_(&[null]);
                cx.b.switch_to_block(ok);
                continue;
            };
            release_or_abandon(cx, res, obj)?;
        }
        cx.b.ins().jump(done, &[]);
        cx.b.switch_to_block(done);
        cx.b.ins().return_(&[obj]);
        Ok(())
    })
}

/// `tp_traverse(self, visit, arg)`: each object field, then the type (a
/// heap type's instances own a reference to it).
fn emit_traverse(em: &mut Emitter, c: &ExtClass) -> R<ClifFuncId> {
    let offsets = object_offsets(c);
    emit_fn(em, &format!("pyc_aot_traverse_{}", c.name), 9, &format!("tp_traverse of {}", c.name), 3, Some(types::I32), |cx, a| {
        visit_fields(cx, a, &offsets)
    })
}

/// A `tp_traverse` body over `(obj, visit, arg)`: `visit` called on each
/// non-NULL pointer at `offsets` in `obj`, then on its type (a heap type's
/// instances own a reference to it); the first nonzero result returned.
pub(super) fn visit_fields(cx: &mut FnCx, a: &[ir::Value], offsets: &[i32]) -> R<()> {
    let p = cx.em.ptr;
    let (obj, visit, arg) = (a[0], a[1], a[2]);
    let mut vsig = cx.em.module.make_signature();
    vsig.params.push(ir::AbiParam::new(p));
    vsig.params.push(ir::AbiParam::new(p));
    vsig.returns.push(ir::AbiParam::new(types::I32));
    let sref = cx.b.import_signature(vsig);
    let stop = cx.b.create_block();
    cx.b.append_block_param(stop, types::I32);
    let tp = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let values: Vec<ir::Value> = offsets.iter().map(|off| cx.b.ins().load(p, flags(), obj, *off)).collect();
    for v in values.into_iter().chain([tp]) {
        let (call, next) = (cx.b.create_block(), cx.b.create_block());
        let null = cx.is_null(v);
        cx.b.ins().brif(null, next, &[], call, &[]);
        cx.b.switch_to_block(call);
        let inst = cx.b.ins().call_indirect(sref, visit, &[v, arg]);
        let r = cx.b.inst_results(inst)[0];
        cx.b.ins().brif(r, stop, &[ir::BlockArg::Value(r)], next, &[]);
        cx.b.switch_to_block(next);
    }
    let zero = cx.b.ins().iconst(types::I32, 0);
    cx.b.ins().return_(&[zero]);
    cx.b.switch_to_block(stop);
    let r = cx.b.block_params(stop)[0];
    cx.b.ins().return_(&[r]);
    Ok(())
}

/// Each object field set to None and its old value released (Cython's
/// `tp_clear`: compiled code never finds NULL there).
fn clear_fields(cx: &mut FnCx, obj: ir::Value, offsets: &[i32], to_none: bool) -> R<()> {
    let p = cx.em.ptr;
    for off in offsets {
        let old = cx.b.ins().load(p, flags(), obj, *off);
        if to_none {
            let none = cx.py_data("_Py_NoneStruct")?;
            crate::backend::codegen::incref(cx, none)?;
            cx.b.ins().store(flags(), none, obj, *off);
        } else {
            let null = cx.b.ins().iconst(p, 0);
            cx.b.ins().store(flags(), null, obj, *off);
        }
        // `Py_DecRef` is `Py_XDECREF`.
        cx.decref(old)?;
    }
    Ok(())
}

fn emit_clear(em: &mut Emitter, c: &ExtClass) -> R<ClifFuncId> {
    let offsets = object_offsets(c);
    emit_fn(em, &format!("pyc_aot_clear_{}", c.name), 10, &format!("tp_clear of {}", c.name), 1, Some(types::I32), |cx, a| {
        clear_fields(cx, a[0], &offsets, true)?;
        let zero = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[zero]);
        Ok(())
    })
}

/// `tp_dealloc`: untracked from the GC and its object fields released
/// (when it has any), the type's `tp_free`, then the reference every
/// instance of a heap type holds to its type.
fn emit_dealloc(em: &mut Emitter, c: &ExtClass, deallocs: &[(ClifFuncId, String)], freelist: Option<DataId>) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    sig.params.push(ir::AbiParam::new(p));
    let id = em.module.declare_function(&em.symbol(&format!("pyc_aot_dealloc_{}", c.name)), Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(6, id.as_u32()), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let obj = cx.b.block_params(entry)[0];
        if has_objects(c) {
            cx.call_prim(&prim::PY_OBJECT_GC_UNTRACK, &[obj])?;
        }
        if let Some(at) = c.weaklist {
            // Weak references die first (their callbacks see it gone), as Cython's.
            let (clear, next) = (cx.b.create_block(), cx.b.create_block());
            let list = cx.b.ins().load(p, flags(), obj, at as i32);
            cx.b.ins().brif(list, clear, &[], next, &[]);
            cx.b.switch_to_block(clear);
            cx.call_c("PyObject_ClearWeakRefs", &[p], &[], &[obj])?;
            cx.b.ins().jump(next, &[]);
            cx.b.switch_to_block(next);
        }
        if !deallocs.is_empty() {
            run_deallocs(&mut cx, obj, deallocs)?;
        }
        if has_objects(c) {
            clear_fields(&mut cx, obj, &object_offsets(c), false)?;
        }
        let tp = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
        let after = cx.b.create_block();
        if let Some(list) = freelist {
            // Kept for reuse when it is exactly this type and there is room.
            let (push, free) = (cx.b.create_block(), cx.b.create_block());
            let list = cx.data_addr(list);
            let count = cx.b.ins().load(types::I64, flags(), list, 0);
            let slot = cx.em.class_slot(&c.name)?;
            let slot = cx.data_addr(slot);
            let cls = cx.b.ins().load(p, flags(), slot, 0);
            let exact = cx.b.ins().icmp(IntCC::Equal, tp, cls);
            let room = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, count, i64::from(c.freelist));
            let keep = cx.b.ins().band(exact, room);
            cx.b.ins().brif(keep, push, &[], free, &[]);
            cx.b.switch_to_block(push);
            let at = cx.b.ins().ishl_imm_u(count, 3);
            let at = cx.b.ins().iadd(list, at);
            cx.b.ins().store(flags(), obj, at, 8);
            let more = cx.b.ins().iadd_imm_s(count, 1);
            cx.b.ins().store(flags(), more, list, 0);
            cx.b.ins().jump(after, &[]);
            cx.b.switch_to_block(free);
        }
        let which = cx.b.ins().iconst(types::I32, i64::from(PY_TP_FREE));
        let free = cx.call_prim(&prim::PY_TYPE_GET_SLOT, &[tp, which])?[0];
        let mut fsig = cx.em.module.make_signature();
        fsig.params.push(ir::AbiParam::new(p));
        let sref = cx.b.import_signature(fsig);
        cx.b.ins().call_indirect(sref, free, &[obj]);
        cx.b.ins().jump(after, &[]);
        cx.b.switch_to_block(after);
        cx.decref(tp)?;
        cx.b.ins().return_(&[]);
        finish(cx)?;
    }
    em.define(id, func, &format!("tp_dealloc of {}", c.name))?;
    Ok(id)
}

/// `tp_init(self, args, kwargs)`: the compiled `__init__`'s method entry
/// with the tuple's items when no keywords are given; otherwise the entry
/// bound to `self` called with the tuple and dict.
fn emit_init(em: &mut Emitter, c: &ExtClass, entry: ClifFuncId, f: &Function) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for _ in 0..3 {
        sig.params.push(ir::AbiParam::new(p));
    }
    sig.returns.push(ir::AbiParam::new(types::I32));
    let id = em.module.declare_function(&em.symbol(&format!("pyc_aot_init_{}", c.name)), Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let def = method_def(em, entry, method_name(f))?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(7, id.as_u32()), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry_block = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry_block);
        cx.b.switch_to_block(entry_block);
        let params = cx.b.block_params(entry_block).to_vec();
        let (obj, args, kwargs) = (params[0], params[1], params[2]);
        let res = call_entry(&mut cx, obj, args, kwargs, entry, def)?;
        return_status(&mut cx, res)?;
        finish(cx)?;
    }
    em.define(id, func, &format!("tp_init of {}", c.name))?;
    Ok(id)
}

/// A one-method `PyMethodDef` of a `METH_FASTCALL | METH_KEYWORDS` method
/// entry, for a call bound to an instance with keywords.
fn method_def(em: &mut Emitter, entry: ClifFuncId, name: &str) -> R<DataId> {
    let def = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; pyabi::METHOD_DEF_BYTES];
    bytes[pyabi::METHOD_DEF_FLAGS..pyabi::METHOD_DEF_FLAGS + 4].copy_from_slice(&super::METH_VARARGS_FASTCALL_KEYWORDS.to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    let name = em.cstring(name)?;
    let gv = em.module.declare_data_in_data(name, &mut desc);
    desc.write_data_addr(0, gv, 0);
    let fr = em.module.declare_func_in_data(entry, &mut desc);
    desc.write_function_addr(pyabi::METHOD_DEF_METH as u32, fr);
    em.module.define_data(def, &desc).map_err(|e| e.to_string())?;
    Ok(def)
}

/// A method entry called on `obj` with a call's argument tuple and keyword
/// dict (`tp_new`'s, `tp_init`'s): the tuple's items when there are no
/// keywords, else the entry bound to `obj` (`def`) called with both. The
/// result: a new reference, or NULL with the exception set.
fn call_entry(cx: &mut FnCx, obj: ir::Value, args: ir::Value, kwargs: ir::Value, entry: ClifFuncId, def: DataId) -> R<ir::Value> {
    let p = cx.em.ptr;
    let (positional, keywords, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, p);
    let no_kw = cx.is_null(kwargs);
    cx.b.ins().brif(no_kw, positional, &[], keywords, &[]);

    cx.b.switch_to_block(positional);
    let items = cx.b.ins().iadd_imm_s(args, pyabi::TUPLE_ITEMS);
    let n = cx.b.ins().load(p, flags(), args, pyabi::VAR_SIZE);
    let null = cx.b.ins().iconst(p, 0);
    let r = cx.func_ref(entry);
    let inst = cx.b.ins().call(r, &[obj, items, n, null]);
    let res = cx.b.inst_results(inst)[0];
    cx.b.ins().jump(done, &[ir::BlockArg::Value(res)]);

    cx.b.switch_to_block(keywords);
    let d = cx.data_addr(def);
    let null = cx.b.ins().iconst(p, 0);
    let bound = cx.call_prim(&prim::PY_CFUNCTION_NEW_EX, &[d, obj, null])?[0];
    let (call, failed) = (cx.b.create_block(), cx.b.create_block());
    let is_null = cx.is_null(bound);
    cx.b.ins().brif(is_null, failed, &[], call, &[]);
    cx.b.switch_to_block(failed);
    cx.b.ins().jump(done, &[ir::BlockArg::Value(bound)]);
    cx.b.switch_to_block(call);
    let res = cx.call_prim(&prim::PY_OBJECT_CALL, &[bound, args, kwargs])?[0];
    cx.decref(bound)?;
    cx.b.ins().jump(done, &[ir::BlockArg::Value(res)]);

    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// The `__dealloc__`s of an instance's line of classes (its own first), as
/// Cython runs them: the exception being handled kept aside, the instance
/// given a reference for the call (so it is not freed again), and an
/// exception raised there written as unraisable, naming the method.
fn run_deallocs(cx: &mut FnCx, obj: ir::Value, deallocs: &[(ClifFuncId, String)]) -> R<()> {
    let p = cx.em.ptr;
    let saved = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
    let addrs: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_addr(p, saved, 8 * k)).collect();
    cx.call_c("PyErr_Fetch", &[p, p, p], &[], &addrs)?;
    let rc = cx.b.ins().load(types::I64, flags(), obj, 0);
    let up = cx.b.ins().iadd_imm_s(rc, 1);
    cx.b.ins().store(flags(), up, obj, 0);
    for (entry, name) in deallocs {
        let (null, zero) = (cx.b.ins().iconst(p, 0), cx.b.ins().iconst(types::I64, 0));
        let r = cx.func_ref(*entry);
        let inst = cx.b.ins().call(r, &[obj, null, zero, null]);
        let res = cx.b.inst_results(inst)[0];
        let (ok, bad, next) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.set_cold_block(bad);
        let is_null = cx.is_null(res);
        cx.b.ins().brif(is_null, bad, &[], ok, &[]);
        cx.b.switch_to_block(bad);
        let cname = cx.cstr(name)?;
        let ctx = cx.call_c("PyUnicode_FromString", &[p], &[p], &[cname])?[0];
        cx.call_c("PyErr_WriteUnraisable", &[p], &[], &[ctx])?;
        cx.decref(ctx)?;
        cx.b.ins().jump(next, &[]);
        cx.b.switch_to_block(ok);
        cx.decref(res)?;
        cx.b.ins().jump(next, &[]);
        cx.b.switch_to_block(next);
    }
    let rc = cx.b.ins().load(types::I64, flags(), obj, 0);
    let down = cx.b.ins().iadd_imm_s(rc, -1);
    cx.b.ins().store(flags(), down, obj, 0);
    let saved_values: Vec<ir::Value> = addrs.iter().map(|a| cx.b.ins().load(p, flags(), *a, 0)).collect();
    cx.call_c("PyErr_Restore", &[p, p, p], &[], &saved_values)?;
    Ok(())
}

/// A freelist's storage: the count of instances kept, then `n` pointers.
fn freelist_storage(em: &mut Emitter, n: u32) -> R<DataId> {
    let list = em.module.declare_anonymous_data(true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; 8 * (n as usize + 1)].into_boxed_slice());
    em.module.define_data(list, &desc).map_err(|e| e.to_string())?;
    Ok(list)
}
