//! The CPython-facing half of the module: each function's calling
//! convention, the method table, `PyModuleDef` with a `Py_mod_exec` slot
//! (PEP 489), and `PyInit_<name>`. The wrappers (`wrapper`), the exec slot
//! (`exec`) and a fat module's dispatcher (`dispatcher`) have files of their
//! own; every layout comes from `pyabi`.

mod capi;
mod cclass;
mod dispatcher;
mod exec;
pub(crate) mod generator;
mod names;
mod pyfunc;
mod slots;
mod views;
mod wrapper;

pub(crate) use dispatcher::emit_dispatcher;
pub(crate) use exec::shared_shim_source;
pub(crate) use names::init_symbol;

use super::{pyabi, Emitter, FnCx, HELPER_BINDERS};
use crate::hir::{self, FuncId, Function};
use crate::mir::primitives as prim;
use crate::hir::ParamKind;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Linkage, Module};
use std::collections::HashSet;

type R<T> = Result<T, String>;

/// A function of the module (local linkage, Cranelift namespace `ns`) with
/// parameters of `params`' types, its body built by `body` from the entry
/// block's parameters.
pub(super) fn emit_fn(
    em: &mut Emitter,
    symbol: &str,
    ns: u32,
    title: &str,
    params: &[ir::Type],
    ret: Option<ir::Type>,
    body: impl FnOnce(&mut FnCx, &[ir::Value]) -> R<()>,
) -> R<ClifFuncId> {
    let mut sig = em.module.make_signature();
    sig.params.extend(params.iter().map(|t| ir::AbiParam::new(*t)));
    sig.returns.extend(ret.map(ir::AbiParam::new));
    let id = em.module.declare_function(&em.symbol(symbol), Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(ns, id.as_u32()), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let params = cx.b.block_params(entry).to_vec();
        body(&mut cx, &params)?;
        finish(cx)?;
    }
    em.define(id, func, title)?;
    Ok(id)
}

pub(super) const METH_VARARGS_FASTCALL_KEYWORDS: i32 = 0x80 | 0x02;
const METH_O: i32 = 0x08;
const METH_NOARGS: i32 = 0x04;
const PY_FILE_INPUT: i64 = 257;
const PY_MOD_EXEC: u32 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    NoArgs,
    O,
    /// One parameter that may also be passed by keyword: registered as
    /// `METH_O`, so CPython's specialised call of a `METH_O` builtin reaches
    /// the wrapper directly, and the function object's vectorcall slot is then
    /// pointed at an entry that also accepts the keyword (see `emit_exec`).
    OKeywords,
    FastCall,
}

/// Interpreters whose `PyCFunctionObject` has a vectorcall slot (3.8+) and
/// whose `PyTypeObject` keeps `tp_vectorcall_offset` at byte 56 (GIL builds).
fn keyword_vectorcall(py_minor: u32) -> bool {
    pyabi::TargetPython::new(py_minor).cfunction_vectorcall()
}

fn call_kind(f: &Function, py_minor: u32) -> CallKind {
    match f.params.as_slice() {
        [] => CallKind::NoArgs,
        [p] if p.kind == ParamKind::PositionalOnly && p.default.is_none() && !p.stored_default() => CallKind::O,
        [p] if p.kind == ParamKind::PositionalOrKeyword && p.default.is_none() && !p.stored_default() && keyword_vectorcall(py_minor) => CallKind::OKeywords,
        _ => CallKind::FastCall,
    }
}

/// `f`'s parameters as a `def` spells them, with the `/` and `*` markers.
pub(super) fn python_parameters(f: &Function) -> Vec<String> {
    parameters(f, false)
}

/// The parameters as a binder takes them: a stored default is None until
/// the residual's line for the `def` sets the binder's defaults.
pub(super) fn binder_parameters(f: &Function) -> Vec<String> {
    parameters(f, true)
}

fn parameters(f: &Function, binder: bool) -> Vec<String> {
    let mut params = vec![];
    let mut seen_kwonly = false;
    for (i, p) in f.params.iter().enumerate() {
        if p.kind == ParamKind::KeywordOnly && !seen_kwonly {
            params.push("*".into());
            seen_kwonly = true;
        }
        if p.kind == ParamKind::VarPositional {
            // `*args` ends the positional parameters, as a bare `*` would.
            seen_kwonly = true;
        }
        params.push(match (p.kind, &p.default_src) {
            (ParamKind::VarPositional, _) => format!("*{}", p.name),
            (ParamKind::VarKeyword, _) => format!("**{}", p.name),
            (_, Some(_)) if binder && p.stored_default() => format!("{}=None", p.name),
            (_, Some(d)) => format!("{}={}", p.name, d),
            (_, None) => p.name.clone(),
        });
        if p.kind == ParamKind::PositionalOnly && f.params.get(i + 1).is_none_or(|n| n.kind != ParamKind::PositionalOnly) {
            params.push("/".into());
        }
    }
    params
}

/// `ml_doc`: CPython derives `__text_signature__` from the first line.
fn method_doc(f: &Function) -> String {
    let mut params = vec!["$module".to_string()];
    if !f.params.iter().any(|p| p.kind == ParamKind::PositionalOnly) {
        params.push("/".into());
    }
    params.extend(python_parameters(f));
    // `ml_doc` is a C string: a NUL the docstring spells out (`\x00`) is left out.
    let doc = f.doc.as_deref().unwrap_or("").replace('\0', "");
    format!("{}({})\n--\n\n{}", f.name, params.join(", "), doc)
}

/// The constant table, once every variant's code has taken its slots
/// (`Emitter::constant_slot`), the module dict's slot and the global
/// lookups' caches; each only when some code uses it.
pub(crate) fn define_constant_table(em: &mut Emitter) -> R<()> {
    if let Some(dict) = em.module_dict {
        let mut desc = DataDescription::new();
        desc.define_zeroinit(8);
        em.module.define_data(dict, &desc).map_err(|e| e.to_string())?;
    }
    if let Some(cache) = em.global_cache {
        let mut desc = DataDescription::new();
        desc.define_zeroinit(crate::backend::GLOBAL_CACHE_BYTES * em.global_cache_sites.max(1));
        em.module.define_data(cache, &desc).map_err(|e| e.to_string())?;
    }
    for (_, slot) in em.class_slots.clone().into_iter().chain(em.class_cell_slots.clone()).chain(em.cvar_slots.clone()) {
        let mut desc = DataDescription::new();
        desc.define_zeroinit(8);
        em.module.define_data(slot, &desc).map_err(|e| e.to_string())?;
    }
    for (_, slot) in em.str_method_slots.clone() {
        let mut desc = DataDescription::new();
        desc.define_zeroinit(crate::backend::codegen::STR_METHOD_SLOT_BYTES);
        em.module.define_data(slot, &desc).map_err(|e| e.to_string())?;
    }
    let Some(table) = em.constant_table else { return Ok(()) };
    let mut desc = DataDescription::new();
    desc.define_zeroinit(8 * em.constants.len());
    em.module.define_data(table, &desc).map_err(|e| e.to_string())
}

/// Emits one variant's CPython side and returns its `PyModuleDef`; with
/// `with_init` also the `PyInit_<name>` that returns it.
pub(crate) fn emit_module_glue(
    em: &mut Emitter,
    m: &hir::Module,
    py_minor: u32,
    recursive: &HashSet<FuncId>,
    target: &crate::target::Target,
    with_init: bool,
) -> R<DataId> {
    // `@cfunc`s get a wrapper too: the module's interpreted functions call
    // them by name, as they would the plain functions of CPython + the shim.
    // Outlined `prange` bodies are only called by their loops, `@cfunc`s
    // with C pointers in their signatures only by compiled code.
    // Methods of extension types are reached through their types only.
    let methods = cclass::method_functions(m);
    let all_methods = cclass::all_method_functions(m);
    let exported: Vec<&Function> = m
        .functions
        .iter()
        .filter(|f| f.outlined_from.is_none() && f.python_callable() && !all_methods.contains(&f.id) && !m.plain_methods.iter().any(|pm| pm.func == f.id))
        .collect();

    let written = views::written_views(m);
    let facts = wrapper::Facts { m, py_minor, recursive, written: &written };
    let mut wrappers = vec![];
    let mut keyword_entries = vec![];
    for (k, f) in exported.iter().enumerate() {
        let (entry, vectorcall) = wrapper::emit_wrapper(em, &facts, f, HELPER_BINDERS + k)?;
        wrappers.push((f, entry));
        keyword_entries.extend(vectorcall.map(|v| (f.name.clone(), v)));
    }

    let classes = cclass::emit_specs(em, &facts, HELPER_BINDERS + exported.len())?;
    let plain_first = HELPER_BINDERS + exported.len() + methods.len();
    let functions = pyfunc::emit(em, &facts, plain_first)?;
    let generators_first = plain_first + pyfunc::helper_slots(m);
    let generators = generator::emit(em, m, generators_first)?;

    // Names like `__name__` or `__spec__` are the module's own before its code
    // runs: such functions are bound where their `def` stands (`emit_exec`).
    let (early, late): (Vec<_>, Vec<_>) = wrappers.iter().partition(|(f, _)| !names::is_dunder(&f.name));
    let table = method_table(em, "pyc_aot_methods", &early, py_minor)?;
    let late_table = method_table(em, "pyc_aot_late_methods", &late, py_minor)?;
    let late_names: Vec<String> = late.iter().map(|(f, _)| f.name.clone()).collect();

    // One helper table for all variants: only the chosen variant's exec fills it.
    if em.variant.as_ref().is_none_or(|(k, _)| *k == 0) {
        let helpers_len = 8 * (HELPER_BINDERS + exported.len() + methods.len() + pyfunc::helper_slots(m) + generator::helper_slots(m));
        let mut desc = DataDescription::new();
        desc.define_zeroinit(helpers_len);
        em.module.define_data(em.helpers, &desc).map_err(|e| e.to_string())?;
    }

    let exec = exec::emit_exec(em, m, &exported, &keyword_entries, target, (late_table, &late_names), &classes, (functions.as_ref(), plain_first), (generators.as_ref(), generators_first))?;

    // PyModuleDef_Slot[]: {Py_mod_exec, exec}, {0, NULL}.
    let slots = em.module.declare_data(&em.symbol("pyc_aot_slots"), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    let mut bytes = vec![0u8; 2 * pyabi::MODULE_SLOT_BYTES];
    bytes[0..4].copy_from_slice(&PY_MOD_EXEC.to_le_bytes());
    desc.define(bytes.into_boxed_slice());
    let fr = em.module.declare_func_in_data(exec, &mut desc);
    desc.write_function_addr(pyabi::MODULE_SLOT_VALUE, fr);
    em.module.define_data(slots, &desc).map_err(|e| e.to_string())?;

    // PyModuleDef: m_base with refcount 1, m_size 0, the name, methods and slots.
    let def = em.module.declare_data(&em.symbol("pyc_aot_moduledef"), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    let mut bytes = vec![0u8; pyabi::MODULE_DEF_BYTES];
    bytes[0..8].copy_from_slice(&1u64.to_le_bytes());
    desc.define(bytes.into_boxed_slice());
    let name = em.cstring(&m.name)?;
    let gv_name = em.module.declare_data_in_data(name, &mut desc);
    let gv_table = em.module.declare_data_in_data(table, &mut desc);
    let gv_slots = em.module.declare_data_in_data(slots, &mut desc);
    desc.write_data_addr(pyabi::MODULE_DEF_NAME, gv_name, 0);
    desc.write_data_addr(pyabi::MODULE_DEF_METHODS, gv_table, 0);
    desc.write_data_addr(pyabi::MODULE_DEF_SLOTS, gv_slots, 0);
    em.module.define_data(def, &desc).map_err(|e| e.to_string())?;

    if !with_init {
        return Ok(def);
    }
    // PyInit_<name>: the only exported symbol.
    let (init, mut func) = declare_pyinit(em, m, 0)?;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.switch_to_block(entry);
        let d = cx.data_addr(def);
        let r = cx.call_prim(&prim::PY_MODULE_DEF_INIT, &[d])?[0];
        cx.b.ins().return_(&[r]);
        finish(cx)?;
    }
    em.define(init, func, &init_symbol(&m.name))?;
    Ok(def)
}

/// PyMethodDef[]: {name, meth, flags, doc}, 32 bytes each, zero-terminated.
fn method_table(em: &mut Emitter, symbol: &str, wrappers: &[&(&&Function, ClifFuncId)], py_minor: u32) -> R<DataId> {
    let table = em.module.declare_data(&em.symbol(symbol), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let defs = wrappers
        .iter()
        .map(|(f, wrapper)| {
            let flags = match call_kind(f, py_minor) {
                CallKind::NoArgs => METH_NOARGS,
                CallKind::O | CallKind::OKeywords => METH_O,
                CallKind::FastCall => METH_VARARGS_FASTCALL_KEYWORDS,
            };
            MethodDef { name: f.name.clone(), flags, entry: *wrapper, doc: method_doc(f) }
        })
        .collect::<Vec<_>>();
    define_method_table(em, table, &defs)?;
    Ok(table)
}

/// One entry of a `PyMethodDef[]`.
pub(super) struct MethodDef {
    pub name: String,
    pub flags: i32,
    pub entry: ClifFuncId,
    pub doc: String,
}

/// Defines `table` as the `PyMethodDef[]` of `defs` (module functions or an
/// extension type's methods), zero-terminated.
pub(super) fn define_method_table(em: &mut Emitter, table: DataId, defs: &[MethodDef]) -> R<()> {
    const SIZE: usize = pyabi::METHOD_DEF_BYTES;
    let mut bytes = vec![0u8; SIZE * (defs.len() + 1)];
    for (i, d) in defs.iter().enumerate() {
        let at = SIZE * i + pyabi::METHOD_DEF_FLAGS;
        bytes[at..at + 4].copy_from_slice(&d.flags.to_le_bytes());
    }
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    for (i, d) in defs.iter().enumerate() {
        let name = em.cstring(&d.name)?;
        let doc = em.cstring(&d.doc)?;
        let gv_name = em.module.declare_data_in_data(name, &mut desc);
        let gv_doc = em.module.declare_data_in_data(doc, &mut desc);
        let fr = em.module.declare_func_in_data(d.entry, &mut desc);
        desc.write_data_addr((SIZE * i) as u32, gv_name, 0);
        desc.write_function_addr((SIZE * i + pyabi::METHOD_DEF_METH) as u32, fr);
        desc.write_data_addr((SIZE * i + pyabi::METHOD_DEF_DOC) as u32, gv_doc, 0);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(())
}

/// Declares the module's exported `PyInit_<name>() -> PyObject*` and an
/// empty function to build it in (`index` keeps CLIF names distinct).
pub(super) fn declare_pyinit(em: &mut Emitter, m: &hir::Module, index: u32) -> R<(ClifFuncId, ir::Function)> {
    let mut sig = em.module.make_signature();
    sig.returns.push(ir::AbiParam::new(em.ptr));
    let init = em
        .module
        .declare_function(&init_symbol(&m.name), Linkage::Export, &sig)
        .map_err(|e| e.to_string())?;
    Ok((init, ir::Function::with_name_signature(ir::UserFuncName::user(1, index), sig)))
}

pub(super) fn finish(cx: FnCx) -> R<()> {
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    Ok(())
}

/// A type of the module's own (`PyType_FromModuleAndSpec`, NULL on error)
/// that Python cannot instantiate: its `tp_new` cleared, since 3.9 has no
/// `Py_TPFLAGS_DISALLOW_INSTANTIATION` (the type would inherit object's
/// `tp_new`, and `type(x)()` make an empty instance).
pub(super) fn make_uninstantiable_type(cx: &mut FnCx, spec: DataId, module: ir::Value) -> R<ir::Value> {
    let p = cx.em.ptr;
    let spec = cx.data_addr(spec);
    let null = cx.b.ins().iconst(p, 0);
    let ty = cx.call_prim(&prim::PY_TYPE_FROM_MODULE_AND_SPEC, &[module, spec, null])?[0];
    let (set, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(ty, set, &[], done, &[]);
    cx.b.switch_to_block(set);
    cx.b.ins().store(flags(), null, ty, pyabi::TP_NEW);
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(ty)
}

pub(super) fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// After a call made on an instance being constructed (`__cinit__`,
/// `__init__`): NULL releases the instance and returns NULL from the
/// slot; otherwise the call's result is released and the code goes on.
pub(super) fn release_or_abandon(cx: &mut FnCx, res: ir::Value, instance: ir::Value) -> R<()> {
    let (ok, bad) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(bad);
    let is_null = cx.is_null(res);
    cx.b.ins().brif(is_null, bad, &[], ok, &[]);
    cx.b.switch_to_block(bad);
    cx.decref(instance)?;
    let null = cx.b.ins().iconst(cx.em.ptr, 0);
    cx.b.ins().return_(&[null]);
    cx.b.switch_to_block(ok);
    cx.decref(res)
}

/// A slot that returns C's status from a call's result: -1 for NULL (the
/// exception stays set), else 0 after the result is released.
pub(super) fn return_status(cx: &mut FnCx, res: ir::Value) -> R<()> {
    let (ok, bad) = (cx.b.create_block(), cx.b.create_block());
    let is_null = cx.is_null(res);
    cx.b.ins().brif(is_null, bad, &[], ok, &[]);
    cx.b.switch_to_block(bad);
    let minus = cx.b.ins().iconst(ir::types::I32, -1);
    cx.b.ins().return_(&[minus]);
    cx.b.switch_to_block(ok);
    cx.decref(res)?;
    let zero = cx.b.ins().iconst(ir::types::I32, 0);
    cx.b.ins().return_(&[zero]);
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;
    use super::exec::binder_source;
    use crate::hir::{Function, LocalId, Param};
    use crate::types::Ty;

    fn func(params: Vec<(&str, ParamKind, Option<&str>)>) -> Function {
        Function {
            id: hir::FuncId(0),
            name: "f".into(),
            exported: true,
            doc: Some("Doc.".into()),
            params: params
                .into_iter()
                .enumerate()
                .map(|(i, (n, kind, d))| Param {
                    name: n.into(),
                    ty: Ty::py_int(),
                    local: LocalId(i as u32),
                    kind,
                    default: d.map(|_| hir::Const::Int(1)),
                    default_src: d.map(String::from),
                    accepts_none: false,
                })
                .collect(),
            ret: Ty::py_int(),
            locals: vec![],
            body: vec![],
            line: 1,
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

    #[test]
    fn signatures_follow_parameter_kinds() {
        let f = func(vec![
            ("a", ParamKind::PositionalOnly, None),
            ("b", ParamKind::PositionalOrKeyword, Some("1")),
            ("c", ParamKind::KeywordOnly, Some("-1")),
        ]);
        assert_eq!(method_doc(&f), "f($module, a, /, b=1, *, c=-1)\n--\n\nDoc.");
        assert!(binder_source(&f).contains("def __pyc_aot_bind_f(a, /, b=1, *, c=-1):\n    return (a, b, c,)"));
        let g = func(vec![("n", ParamKind::PositionalOrKeyword, None)]);
        assert_eq!(method_doc(&g), "f($module, /, n)\n--\n\nDoc.");
    }
}

