//! The module's binding function type, for the compiled methods of plain
//! Python classes (`hir::PlainMethod`): a heap type made at exec from a
//! `PyType_Spec`, one instance per method, bound in the class body by the
//! residual Python. Like a Python function it binds as a descriptor
//! (`tp_descr_get`: itself on the class, `PyMethod_New` on an instance) and
//! is a method descriptor (`Py_TPFLAGS_METHOD_DESCRIPTOR`), so
//! `obj.m(...)` — the interpreter's method call and `PyObject_VectorcallMethod`
//! — calls it with `self` prepended and no bound method made. Its
//! vectorcall entry (one per method) calls the method's
//! `METH_FASTCALL | METH_KEYWORDS` wrapper, whose binder path names the
//! function by its `__qualname__` in argument errors. `__name__`,
//! `__qualname__`, `__module__`, `__doc__` are writable members, `__dict__`
//! the generic one, and its repr is a function's (`<function C.m at 0x…>`).
//! Module-level functions are not of this type (they stay builtin
//! functions, which CPython's calls specialise).
//!
//! Native nested functions (`PlainMethod::nested`) are of this type too: a
//! template per function made at exec (names, doc, vectorcall entry), and
//! its maker, a builtin function bound to the template (the module's
//! constant `ObjConst::NativeFunction`), which the enclosing function calls
//! each time the `def` or `lambda` runs: a new object copying the template,
//! with its code object (read-only `__code__`, the interpreted function's:
//! `inspect.signature` reads it as a function-like object's), its closure
//! (read-only `__closure__`), defaults and keyword-only
//! defaults (writable `__defaults__`/`__kwdefaults__`). Its entry passes the
//! function object as the body's hidden first parameter; before an unusual
//! call goes to the binder path, the binder takes the object's defaults.

use super::cclass::{slot_table, Slot};
use super::names::py_str;
use super::wrapper::{self, Facts};
use super::{flags, R};
use crate::backend::{pyabi, Emitter, FnCx};
use crate::hir::{self, Function};
use crate::mir::primitives as prim;
use cranelift_codegen::ir::{self, types, InstBuilder};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Module};
use crate::backend::pyabi::type_spec::{GETSET_DEF_BYTES, MEMBER_DEF_BYTES, PY_TP_CALL, PY_TP_CLEAR, PY_TP_DEALLOC, PY_TP_DESCR_GET, PY_TP_FREE, PY_TP_GETSET, PY_TP_MEMBERS, PY_TP_METHODS, PY_TP_REPR, PY_TP_TRAVERSE, READONLY, TPFLAGS_DEFAULT, TPFLAGS_DISALLOW_INSTANTIATION, TPFLAGS_HAVE_GC, TPFLAGS_HAVE_VECTORCALL, TPFLAGS_METHOD_DESCRIPTOR, T_OBJECT, T_OBJECT_EX, T_PYSSIZET};

// The instance: the object header, then these pointers.
const VECTORCALL: i32 = 16;
const DICT: i32 = 24;
const NAME: i32 = 32;
const QUALNAME: i32 = 40;
const MODULE: i32 = 48;
const DOC: i32 = 56;
/// A nested function's closure (a tuple of cells; NULL for a method).
const CLOSURE: i32 = crate::hir::FUNCTION_CLOSURE_OFFSET as i32;
const DEFAULTS: i32 = 72;
const KWDEFAULTS: i32 = 80;
/// A nested function's interpreted code object (`__code__`: its names,
/// file, lines and free variables, what `inspect` reads of a function).
const CODE: i32 = 88;
/// `__annotations__` (a dict made when first read, as a function's).
const ANNOTATIONS: i32 = 96;
/// A method's binder (NULL for a nested function), whose signature is the
/// method's (`__signature__`).
const BINDER: i32 = 104;
const BASICSIZE: i32 = 112;
/// The fields holding objects (tp_traverse, tp_clear, tp_dealloc).
const OBJECT_FIELDS: [i32; 11] = [DICT, NAME, QUALNAME, MODULE, DOC, CLOSURE, DEFAULTS, KWDEFAULTS, CODE, ANNOTATIONS, BINDER];



const METH_FASTCALL: i32 = 0x80;

/// Helper-module name of the repr function (`tp_repr` calls it).
const REPR_HELPER: &str = "__pyc_aot_function_repr";
/// Helper-module name of the function giving a method's signature from its
/// binder (`__signature__` calls it).
const SIGNATURE_HELPER: &str = "__pyc_aot_function_signature";

/// What the exec slot needs to make the functions.
pub(super) struct Emitted<'m> {
    pub spec: DataId,
    /// The nested functions' maker (`PyMethodDef`), when there are any.
    pub maker: Option<DataId>,
    /// Each method's function, vectorcall entry and binder's helper slot.
    pub methods: Vec<(&'m hir::PlainMethod, &'m Function, ClifFuncId, usize)>,
}

/// The compiled methods of plain classes, in helper-slot order.
fn functions(m: &hir::Module) -> R<Vec<(&hir::PlainMethod, &Function)>> {
    m.plain_methods
        .iter()
        .map(|pm| {
            let f = m.functions.get(pm.func.0 as usize).filter(|f| f.id == pm.func).ok_or_else(|| format!("method f{} is not among the functions", pm.func.0))?;
            Ok((pm, f))
        })
        .collect()
}

/// How many helper slots the type takes: one binder per method, then the
/// repr and signature helpers.
pub(super) fn helper_slots(m: &hir::Module) -> usize {
    if m.plain_methods.is_empty() {
        0
    } else {
        m.plain_methods.len() + 2
    }
}

pub(super) fn binder_name(k: usize) -> String {
    format!("__pyc_aot_bind_function_{k}")
}

/// Python for the module's helpers: each method's binder (its parameters,
/// `self` included, named as the method), and the repr.
pub(super) fn helpers_source(m: &hir::Module) -> R<String> {
    let mut out = String::new();
    for (k, (pm, f)) in functions(m)?.into_iter().enumerate() {
        // A nested function's binder takes all but the hidden function
        // object; its defaults are `None` there, and the object's own apply.
        let own;
        let f = if pm.nested {
            own = Function { params: f.params[1..].to_vec(), body: vec![], locals: vec![], ..f.clone() };
            &own
        } else {
            f
        };
        let names: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
        let tuple = if names.is_empty() { "()".to_string() } else { format!("({},)", names.join(", ")) };
        let bind = binder_name(k);
        // A method's defaults are set by the residual's line for it.
        let params = super::binder_parameters(f);
        out.push_str(&format!(
            "\ndef {bind}({}):\n    return {tuple}\n{bind}.__name__ = {name}\n{bind}.__qualname__ = {qual}\n\
             {bind}.__code__ = {bind}.__code__.replace(co_name={name})\n",
            params.join(", "),
            name = py_str(short_name(pm)),
            qual = py_str(&pm.qualname),
        ));
    }
    if !m.plain_methods.is_empty() {
        out.push_str(&format!("\ndef {REPR_HELPER}(f):\n    return '<function %s at %#x>' % (f.__qualname__, id(f))\n"));
        out.push_str(&format!("\ndef {SIGNATURE_HELPER}(binder):\n    import inspect\n    return inspect.signature(binder)\n"));
    }
    Ok(out)
}

fn short_name(pm: &hir::PlainMethod) -> &str {
    pm.qualname.rsplit('.').next().unwrap_or(&pm.qualname)
}

/// The helper-table entries to fill: (helper name, slot).
pub(super) fn helper_entries(m: &hir::Module, first_slot: usize) -> Vec<(String, usize)> {
    let n = m.plain_methods.len();
    let mut v: Vec<(String, usize)> = (0..n).map(|k| (binder_name(k), first_slot + k)).collect();
    if n > 0 {
        v.push((REPR_HELPER.to_string(), first_slot + n));
        v.push((SIGNATURE_HELPER.to_string(), first_slot + n + 1));
    }
    v
}

/// Each method's wrapper and vectorcall entry, and the type's spec.
/// `first_slot`: the helper slot of the first binder.
pub(super) fn emit<'m>(em: &mut Emitter, facts: &Facts<'m>, first_slot: usize) -> R<Option<Emitted<'m>>> {
    let m = facts.m;
    if m.plain_methods.is_empty() {
        return Ok(None);
    }
    let mut methods = vec![];
    for (k, (pm, f)) in functions(m)?.into_iter().enumerate() {
        let entry = if pm.nested {
            let wrapper = wrapper::emit_nested_wrapper(em, facts, f, first_slot + k)?;
            emit_nested_vectorcall(em, f, wrapper, first_slot + k)?
        } else {
            let wrapper = wrapper::emit_fastcall_wrapper(em, facts, f, first_slot + k)?;
            emit_vectorcall(em, f, wrapper)?
        };
        methods.push((pm, f, entry, first_slot + k));
    }
    let repr_slot = first_slot + methods.len();
    let spec = spec(em, m, repr_slot, repr_slot + 1)?;
    let maker = if m.plain_methods.iter().any(|pm| pm.nested) { Some(maker_def(em)?) } else { None };
    Ok(Some(Emitted { spec, maker, methods }))
}

/// A function of the module for the function type (namespace 12), built by `body`.
fn emit_fn(em: &mut Emitter, symbol: &str, title: &str, params: &[ir::Type], ret: Option<ir::Type>, body: impl FnOnce(&mut FnCx, &[ir::Value]) -> R<()>) -> R<ClifFuncId> {
    super::emit_fn(em, symbol, 12, title, params, ret, body)
}

/// `vectorcallfunc` of one method: the count without
/// `PY_VECTORCALL_ARGUMENTS_OFFSET`, then the wrapper (which reads the
/// arguments in place; the function object is its unused first argument).
fn emit_vectorcall(em: &mut Emitter, f: &Function, wrapper: ClifFuncId) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, &format!("pyc_aot_function_{}", f.name), &format!("vectorcall entry of {}", f.name), &[p, p, types::I64, p], Some(p), |cx, a| {
        let nargs = cx.b.ins().band_imm_s(a[2], i64::MAX);
        let r = cx.func_ref(wrapper);
        let inst = cx.b.ins().call(r, &[a[0], a[1], nargs, a[3]]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        Ok(())
    })
}

/// `vectorcallfunc` of a native nested function: the wrapper (the
/// function object its hidden first parameter); a call the binder path
/// takes (keywords, another count) first gives the binder the object's
/// defaults and keyword-only defaults (None when it has none).
fn emit_nested_vectorcall(em: &mut Emitter, f: &Function, wrapper: ClifFuncId, binder_slot: usize) -> R<ClifFuncId> {
    let p = em.ptr;
    let has_defaults = f.params.iter().any(|q| q.default_src.is_some() || q.default.is_some());
    let always_binder = f.params.iter().any(|q| q.kind.bound_by_binder());
    let expected = f.params.len() as i64 - 1;
    emit_fn(em, &format!("pyc_aot_function_{}", f.name), &format!("vectorcall entry of {}", f.name), &[p, p, types::I64, p], Some(p), |cx, a| {
        let nargs = cx.b.ins().band_imm_s(a[2], i64::MAX);
        if has_defaults {
            let (set, call) = (cx.b.create_block(), cx.b.create_block());
            if always_binder {
                cx.b.ins().jump(set, &[]);
            } else {
                let other = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::NotEqual, nargs, expected);
                let kw = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::NotEqual, a[3], 0);
                let slow = cx.b.ins().bor(other, kw);
                let fill = cx.b.create_block();
                cx.b.ins().brif(slow, fill, &[], call, &[]);
                cx.b.switch_to_block(fill);
                if (1..=MAX_FILLED).contains(&expected) {
                    fill_defaults(cx, a[0], a[1], nargs, a[3], expected, wrapper, set)?;
                } else {
                    cx.b.ins().jump(set, &[]);
                }
            }
            cx.b.switch_to_block(set);
            let table = cx.data_addr(cx.em.helpers);
            let binder = cx.b.ins().load(p, flags(), table, (8 * binder_slot) as i32);
            let none = cx.py_data("_Py_NoneStruct")?;
            for (off, setter) in [(DEFAULTS, &prim::PY_FUNCTION_SET_DEFAULTS), (KWDEFAULTS, &prim::PY_FUNCTION_SET_KW_DEFAULTS)] {
                let v = cx.b.ins().load(p, flags(), a[0], off);
                let is_null = cx.is_null(v);
                let v = cx.b.ins().select(is_null, none, v);
                let r = cx.call_prim(setter, &[binder, v])?[0];
                let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
                let failed = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, r, 0);
                cx.b.ins().brif(failed, bad, &[], ok, &[]);
                cx.b.switch_to_block(bad);
                let null = cx.b.ins().iconst(p, 0);
                cx.b.ins().return_(&[null]);
                cx.b.switch_to_block(ok);
            }
            cx.b.ins().jump(call, &[]);
            cx.b.switch_to_block(call);
        }
        let r = cx.func_ref(wrapper);
        let inst = cx.b.ins().call(r, &[a[0], a[1], nargs, a[3]]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        Ok(())
    })
}

/// The most positional parameters a call missing some is completed for
/// from the defaults without the binder.
const MAX_FILLED: i64 = 8;

/// A positional call without keywords that leaves out trailing parameters
/// the object's defaults cover: the arguments, then the defaults' last
/// items, in a vector on the stack, the wrapper called with all of them
/// (the defaults tuple held across the call: the body may replace
/// `__defaults__`). Anything else jumps to `slow`.
#[allow(clippy::too_many_arguments)]
fn fill_defaults(cx: &mut FnCx, func: ir::Value, args: ir::Value, nargs: ir::Value, kwnames: ir::Value, expected: i64, wrapper: ClifFuncId, slow: ir::Block) -> R<()> {
    use ir::condcodes::IntCC;
    let p = cx.em.ptr;
    let next = |cx: &mut FnCx, cond: ir::Value| {
        let ok = cx.b.create_block();
        cx.b.ins().brif(cond, ok, &[], slow, &[]);
        cx.b.switch_to_block(ok);
    };
    let no_kw = cx.is_null(kwnames);
    next(cx, no_kw);
    let fewer = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, nargs, expected);
    next(cx, fewer);
    let d = cx.b.ins().load(p, flags(), func, DEFAULTS);
    let present = cx.b.ins().icmp_imm_s(IntCC::NotEqual, d, 0);
    next(cx, present);
    let tuple_type = cx.py_data("PyTuple_Type")?;
    let ty = cx.b.ins().load(p, flags(), d, pyabi::OB_TYPE);
    let exact = cx.b.ins().icmp(IntCC::Equal, ty, tuple_type);
    next(cx, exact);
    // Enough defaults: nargs >= expected - len(defaults).
    let nd = cx.b.ins().load(types::I64, flags(), d, pyabi::VAR_SIZE);
    let need = cx.b.ins().iconst(types::I64, expected);
    let first = cx.b.ins().isub(need, nd);
    let enough = cx.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, nargs, first);
    next(cx, enough);
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * expected as u32, 3));
    // Item `j` of the defaults' last `expected - first` is at items + 8 * (nd - expected + j).
    let items = cx.b.ins().iadd_imm_s(d, pyabi::TUPLE_ITEMS);
    let shift = cx.b.ins().isub(nd, need);
    let shift = cx.b.ins().ishl_imm_s(shift, 3);
    let base = cx.b.ins().iadd(items, shift);
    for j in 0..expected {
        let (given, default, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(done, p);
        let passed = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, nargs, j);
        cx.b.ins().brif(passed, given, &[], default, &[]);
        cx.b.switch_to_block(given);
        let v = cx.b.ins().load(p, flags(), args, (8 * j) as i32);
        cx.b.ins().jump(done, &[ir::BlockArg::Value(v)]);
        cx.b.switch_to_block(default);
        let v = cx.b.ins().load(p, flags(), base, (8 * j) as i32);
        cx.b.ins().jump(done, &[ir::BlockArg::Value(v)]);
        cx.b.switch_to_block(done);
        let v = cx.b.block_params(done)[0];
        cx.b.ins().stack_store(p, v, slot, (8 * j) as i32);
    }
    crate::backend::codegen::incref(cx, d)?;
    let vector = cx.b.ins().stack_addr(p, slot, 0);
    let count = cx.b.ins().iconst(types::I64, expected);
    let null = cx.b.ins().iconst(p, 0);
    let r = cx.func_ref(wrapper);
    let inst = cx.b.ins().call(r, &[func, vector, count, null]);
    let res = cx.b.inst_results(inst)[0];
    cx.decref(d)?;
    cx.b.ins().return_(&[res]);
    Ok(())
}

/// The makers' `PyMethodDef` (`METH_FASTCALL`, bound to a template):
/// `(code, closure, defaults, kwdefaults)` → a new function object copying the
/// template's entry, names, module and doc, with those parts (None: none).
fn maker_def(em: &mut Emitter) -> R<DataId> {
    let p = em.ptr;
    let make = emit_fn(em, "pyc_aot_function_make", "maker of nested functions", &[p, p, types::I64], Some(p), |cx, a| {
        let (template, args) = (a[0], a[1]);
        let tp = cx.b.ins().load(p, flags(), template, pyabi::OB_TYPE);
        let zero = cx.b.ins().iconst(p, 0);
        let obj = cx.call_prim(&prim::PY_TYPE_GENERIC_ALLOC, &[tp, zero])?[0];
        let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
        let is_null = cx.is_null(obj);
        cx.b.ins().brif(is_null, bad, &[], ok, &[]);
        cx.b.switch_to_block(bad);
        cx.b.ins().return_(&[obj]);
        cx.b.switch_to_block(ok);
        let entry = cx.b.ins().load(p, flags(), template, VECTORCALL);
        cx.b.ins().store(flags(), entry, obj, VECTORCALL);
        for off in [NAME, QUALNAME, MODULE, DOC] {
            let v = cx.b.ins().load(p, flags(), template, off);
            cx.call_prim(&prim::PY_INCREF, &[v])?;
            cx.b.ins().store(flags(), v, obj, off);
        }
        let none = cx.py_data("_Py_NoneStruct")?;
        for (k, off) in [CODE, CLOSURE, DEFAULTS, KWDEFAULTS].into_iter().enumerate() {
            let v = cx.b.ins().load(p, flags(), args, (8 * k) as i32);
            let (set, next) = (cx.b.create_block(), cx.b.create_block());
            let is_none = cx.b.ins().icmp(ir::condcodes::IntCC::Equal, v, none);
            cx.b.ins().brif(is_none, next, &[], set, &[]);
            cx.b.switch_to_block(set);
            crate::backend::codegen::incref(cx, v)?;
            cx.b.ins().store(flags(), v, obj, off);
            cx.b.ins().jump(next, &[]);
            cx.b.switch_to_block(next);
        }
        cx.b.ins().return_(&[obj]);
        Ok(())
    })?;
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let defs = [super::MethodDef { name: "make".into(), flags: METH_FASTCALL, entry: make, doc: String::new() }];
    super::define_method_table(em, table, &defs)?;
    Ok(table)
}

/// `tp_descr_get(self, obj, type)`: itself when read from the class (`obj`
/// NULL or None, as a Python function), a bound method on an instance.
fn emit_descr_get(em: &mut Emitter) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_descr_get", "tp_descr_get of the function type", &[p, p, p], Some(p), |cx, a| {
        let (func, obj) = (a[0], a[1]);
        let none = cx.py_data("_Py_NoneStruct")?;
        let is_none = cx.b.ins().icmp(ir::condcodes::IntCC::Equal, obj, none);
        let is_null = cx.is_null(obj);
        let unbound = cx.b.ins().bor(is_none, is_null);
        let (itself, bound) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(unbound, itself, &[], bound, &[]);
        cx.b.switch_to_block(itself);
        crate::backend::codegen::incref(cx, func)?;
        cx.b.ins().return_(&[func]);
        cx.b.switch_to_block(bound);
        let m = cx.call_prim(&prim::PY_METHOD_NEW, &[func, obj])?[0];
        cx.b.ins().return_(&[m]);
        Ok(())
    })
}

/// `tp_repr`: the module's repr helper called with the function.
fn emit_repr(em: &mut Emitter, slot: usize) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_repr", "tp_repr of the function type", &[p], Some(p), |cx, a| {
        let table = cx.data_addr(cx.em.helpers);
        let helper = cx.b.ins().load(p, flags(), table, (8 * slot) as i32);
        let r = cx.call_one_arg(helper, a[0])?;
        cx.b.ins().return_(&[r]);
        Ok(())
    })
}

/// `tp_traverse(self, visit, arg)`: the object fields, then the type.
fn emit_traverse(em: &mut Emitter) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_traverse", "tp_traverse of the function type", &[p, p, p], Some(types::I32), |cx, a| {
        super::cclass::visit_fields(cx, a, &OBJECT_FIELDS)
    })
}

/// Each object field NULL, its old value released (`Py_DecRef` is `Py_XDECREF`).
fn clear_fields(cx: &mut FnCx, obj: ir::Value) -> R<()> {
    let p = cx.em.ptr;
    for off in OBJECT_FIELDS {
        let old = cx.b.ins().load(p, flags(), obj, off);
        let null = cx.b.ins().iconst(p, 0);
        cx.b.ins().store(flags(), null, obj, off);
        cx.decref(old)?;
    }
    Ok(())
}

fn emit_clear(em: &mut Emitter) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_clear", "tp_clear of the function type", &[p], Some(types::I32), |cx, a| {
        clear_fields(cx, a[0])?;
        let zero = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[zero]);
        Ok(())
    })
}

/// `tp_dealloc`: untracked, fields released, `tp_free`, then the type's reference.
fn emit_dealloc(em: &mut Emitter) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_dealloc", "tp_dealloc of the function type", &[p], None, |cx, a| {
        let obj = a[0];
        cx.call_prim(&prim::PY_OBJECT_GC_UNTRACK, &[obj])?;
        clear_fields(cx, obj)?;
        let tp = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
        let which = cx.b.ins().iconst(types::I32, i64::from(PY_TP_FREE));
        let free = cx.call_prim(&prim::PY_TYPE_GET_SLOT, &[tp, which])?[0];
        let mut fsig = cx.em.module.make_signature();
        fsig.params.push(ir::AbiParam::new(p));
        let sref = cx.b.import_signature(fsig);
        cx.b.ins().call_indirect(sref, free, &[obj]);
        cx.decref(tp)?;
        cx.b.ins().return_(&[]);
        Ok(())
    })
}

/// `PyMemberDef`s: the vectorcall and dict offsets (how CPython finds
/// them in a type made from a spec), and the writable names and doc.
fn member_table(em: &mut Emitter) -> R<DataId> {
    let members: [(&str, i32, i32, i32); 10] = [
        ("__vectorcalloffset__", T_PYSSIZET, VECTORCALL, READONLY),
        ("__dictoffset__", T_PYSSIZET, DICT, READONLY),
        ("__name__", T_OBJECT_EX, NAME, 0),
        ("__qualname__", T_OBJECT_EX, QUALNAME, 0),
        ("__module__", T_OBJECT, MODULE, 0),
        ("__doc__", T_OBJECT, DOC, 0),
        ("__closure__", T_OBJECT, CLOSURE, READONLY),
        ("__defaults__", T_OBJECT, DEFAULTS, 0),
        ("__kwdefaults__", T_OBJECT, KWDEFAULTS, 0),
        ("__code__", T_OBJECT, CODE, READONLY),
    ];
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; MEMBER_DEF_BYTES * (members.len() + 1)];
    for (i, (_, ty, off, fl)) in members.iter().enumerate() {
        let at = MEMBER_DEF_BYTES * i;
        bytes[at + 8..at + 12].copy_from_slice(&ty.to_le_bytes());
        bytes[at + 16..at + 24].copy_from_slice(&i64::from(*off).to_le_bytes());
        bytes[at + 24..at + 28].copy_from_slice(&fl.to_le_bytes());
    }
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    for (i, (name, ..)) in members.iter().enumerate() {
        let name = em.cstring(name)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr((MEMBER_DEF_BYTES * i) as u32, gv, 0);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

/// `__reduce__`: the function's `__qualname__`, so pickle saves it as a
/// global of its module by that dotted name, as it saves a Python function.
fn method_table(em: &mut Emitter) -> R<DataId> {
    let p = em.ptr;
    let reduce = emit_fn(em, "pyc_aot_function_reduce", "__reduce__ of the function type", &[p, p], Some(p), |cx, a| {
        let name = cx.cstr("__qualname__")?;
        let r = cx.call_prim(&prim::PY_OBJECT_GET_ATTR_STRING, &[a[0], name])?[0];
        cx.b.ins().return_(&[r]);
        Ok(())
    })?;
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let defs = [super::MethodDef { name: "__reduce__".into(), flags: super::METH_NOARGS, entry: reduce, doc: String::new() }];
    super::define_method_table(em, table, &defs)?;
    Ok(table)
}

/// `PyGetSetDef`s: `__dict__` through CPython's generic getter and setter,
/// `__annotations__` (what `inspect` needs of a function-like object).
fn getset_table(em: &mut Emitter, signature_slot: usize) -> R<DataId> {
    let p = em.ptr;
    let get = em.import("PyObject_GenericGetDict", &[p, p], &[p])?;
    let set = em.import("PyObject_GenericSetDict", &[p, p, p], &[types::I32])?;
    let (ann_get, ann_set) = annotations_accessors(em)?;
    let sig_get = signature_getter(em, signature_slot)?;
    let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; 4 * GETSET_DEF_BYTES].into_boxed_slice());
    let entries = [("__dict__", get, Some(set)), ("__annotations__", ann_get, Some(ann_set)), ("__signature__", sig_get, None)];
    for (k, (name, get, set)) in entries.into_iter().enumerate() {
        let at = (k * GETSET_DEF_BYTES) as u32;
        let name = em.cstring(name)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr(at, gv, 0);
        let fget = em.module.declare_func_in_data(get, &mut desc);
        desc.write_function_addr(at + 8, fget);
        if let Some(set) = set {
            let fset = em.module.declare_func_in_data(set, &mut desc);
            desc.write_function_addr(at + 16, fset);
        }
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

/// `__signature__`'s getter: a method's is its binder's (`inspect.signature`
/// of the Python function with the method's parameters and defaults, which
/// `inspect` takes from this attribute before anything else); a nested
/// function's None, so `inspect` reads its code object as a function's.
fn signature_getter(em: &mut Emitter, slot: usize) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_function_get_signature", "__signature__ getter of the function type", &[p, p], Some(p), |cx, a| {
        let binder = cx.b.ins().load(p, flags(), a[0], BINDER);
        let (none, call) = (cx.b.create_block(), cx.b.create_block());
        let missing = cx.is_null(binder);
        cx.b.ins().brif(missing, none, &[], call, &[]);
        cx.b.switch_to_block(none);
        let v = cx.py_data("_Py_NoneStruct")?;
        crate::backend::codegen::incref(cx, v)?;
        cx.b.ins().return_(&[v]);
        cx.b.switch_to_block(call);
        let table = cx.data_addr(cx.em.helpers);
        let helper = cx.b.ins().load(p, flags(), table, (8 * slot) as i32);
        let r = cx.call_one_arg(helper, binder)?;
        cx.b.ins().return_(&[r]);
        Ok(())
    })
}

/// `__annotations__`' getter (an empty dict made and kept when none is
/// set, as CPython's functions do) and setter (any value; `del` clears it).
fn annotations_accessors(em: &mut Emitter) -> R<(ClifFuncId, ClifFuncId)> {
    let p = em.ptr;
    let get = emit_fn(em, "pyc_aot_function_get_annotations", "__annotations__ getter of the function type", &[p, p], Some(p), |cx, a| {
        let v = cx.b.ins().load(p, flags(), a[0], ANNOTATIONS);
        let (make, have) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(have, p);
        let missing = cx.is_null(v);
        cx.b.ins().brif(missing, make, &[], have, &[ir::BlockArg::Value(v)]);
        cx.b.switch_to_block(make);
        let d = cx.call_prim(&prim::PY_DICT_NEW, &[])?[0];
        let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
        let failed = cx.is_null(d);
        cx.b.ins().brif(failed, bad, &[], ok, &[]);
        cx.b.switch_to_block(bad);
        cx.b.ins().return_(&[d]);
        cx.b.switch_to_block(ok);
        cx.b.ins().store(flags(), d, a[0], ANNOTATIONS);
        cx.b.ins().jump(have, &[ir::BlockArg::Value(d)]);
        cx.b.switch_to_block(have);
        let v = cx.b.block_params(have)[0];
        crate::backend::codegen::incref(cx, v)?;
        cx.b.ins().return_(&[v]);
        Ok(())
    })?;
    let set = emit_fn(em, "pyc_aot_function_set_annotations", "__annotations__ setter of the function type", &[p, p, p], Some(types::I32), |cx, a| {
        let old = cx.b.ins().load(p, flags(), a[0], ANNOTATIONS);
        cx.call_prim(&prim::PY_INCREF, &[a[1]])?;
        cx.b.ins().store(flags(), a[1], a[0], ANNOTATIONS);
        cx.decref(old)?;
        let zero = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[zero]);
        Ok(())
    })?;
    Ok((get, set))
}


/// The type's `PyType_Spec` and its slots.
fn spec(em: &mut Emitter, m: &hir::Module, repr_slot: usize, signature_slot: usize) -> R<DataId> {
    let p = em.ptr;
    let call = em.import("PyVectorcall_Call", &[p, p, p], &[p])?;
    let slots = vec![
        (PY_TP_DEALLOC, Slot::Func(emit_dealloc(em)?)),
        (PY_TP_TRAVERSE, Slot::Func(emit_traverse(em)?)),
        (PY_TP_CLEAR, Slot::Func(emit_clear(em)?)),
        (PY_TP_DESCR_GET, Slot::Func(emit_descr_get(em)?)),
        (PY_TP_CALL, Slot::Func(call)),
        (PY_TP_REPR, Slot::Func(emit_repr(em, repr_slot)?)),
        (PY_TP_METHODS, Slot::Data(method_table(em)?)),
        (PY_TP_MEMBERS, Slot::Data(member_table(em)?)),
        (PY_TP_GETSET, Slot::Data(getset_table(em, signature_slot)?)),
    ];
    let table = slot_table(em, &slots)?;

    // PyType_Spec: name, basicsize, itemsize, flags, slots.
    let spec = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 32];
    bytes[8..12].copy_from_slice(&BASICSIZE.to_le_bytes());
    let fl = TPFLAGS_DEFAULT | TPFLAGS_HAVE_GC | TPFLAGS_HAVE_VECTORCALL | TPFLAGS_METHOD_DESCRIPTOR | TPFLAGS_DISALLOW_INSTANTIATION;
    bytes[16..20].copy_from_slice(&fl.to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    let name = em.cstring(&format!("{}.pyc_aot_function", m.name))?;
    let gv_name = em.module.declare_data_in_data(name, &mut desc);
    let gv_slots = em.module.declare_data_in_data(table, &mut desc);
    desc.write_data_addr(0, gv_name, 0);
    desc.write_data_addr(24, gv_slots, 0);
    em.module.define_data(spec, &desc).map_err(|e| e.to_string())?;
    Ok(spec)
}

/// In the exec slot: the type made, one function object per method, each
/// stored in `dict` under its qualified name. Leaves through `fail` on error.
pub(super) fn make_functions(cx: &mut FnCx, e: &Emitted, module: ir::Value, dict: ir::Value, fail: ir::Block) -> R<()> {
    let p = cx.em.ptr;
    let check_null = |cx: &mut FnCx, v: ir::Value| {
        let bad = cx.is_null(v);
        let ok = cx.b.create_block();
        cx.b.ins().brif(bad, fail, &[], ok, &[]);
        cx.b.switch_to_block(ok);
    };
    let ty = super::make_uninstantiable_type(cx, e.spec, module)?;
    check_null(cx, ty);
    let modname = cx.call_prim(&prim::PY_MODULE_GET_NAME_OBJECT, &[module])?[0];
    check_null(cx, modname);
    let none = cx.py_data("_Py_NoneStruct")?;
    for (pm, f, entry, binder_slot) in &e.methods {
        let zero = cx.b.ins().iconst(p, 0);
        let obj = cx.call_prim(&prim::PY_TYPE_GENERIC_ALLOC, &[ty, zero])?[0];
        check_null(cx, obj);
        let r = cx.func_ref(*entry);
        let addr = cx.b.ins().func_addr(p, r);
        cx.b.ins().store(flags(), addr, obj, VECTORCALL);
        // Each field set as soon as made: an error leaves a function that
        // its dealloc releases.
        for (off, text) in [(NAME, Some(short_name(pm))), (QUALNAME, Some(pm.qualname.as_str())), (DOC, f.doc.as_deref())] {
            let value = match text {
                Some(t) => {
                    let s = cx.cstr(&t.replace('\0', ""))?;
                    let v = cx.call_prim(&prim::PY_UNICODE_FROM_STRING, &[s])?[0];
                    let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
                    let is_null = cx.is_null(v);
                    cx.b.ins().brif(is_null, bad, &[], ok, &[]);
                    cx.b.switch_to_block(bad);
                    cx.decref(obj)?;
                    cx.b.ins().jump(fail, &[]);
                    cx.b.switch_to_block(ok);
                    v
                }
                None => {
                    crate::backend::codegen::incref(cx, none)?;
                    none
                }
            };
            cx.b.ins().store(flags(), value, obj, off);
        }
        crate::backend::codegen::incref(cx, modname)?;
        cx.b.ins().store(flags(), modname, obj, MODULE);
        if !pm.nested {
            let table = cx.data_addr(cx.em.helpers);
            let binder = cx.b.ins().load(p, flags(), table, (8 * binder_slot) as i32);
            crate::backend::codegen::incref(cx, binder)?;
            cx.b.ins().store(flags(), binder, obj, BINDER);
        }
        if pm.nested {
            // Its maker, bound to it, overwrites its marker in the
            // constant table (no slot: no compiled code makes it).
            let (Some(maker), Some(table)) = (e.maker, cx.em.constant_table) else {
                cx.decref(obj)?;
                continue;
            };
            let konst = hir::ObjConst::NativeFunction(f.id.0);
            let Some(k) = cx.em.constants.iter().position(|c| *c == konst) else {
                cx.decref(obj)?;
                continue;
            };
            let ml = cx.data_addr(maker);
            let null = cx.b.ins().iconst(p, 0);
            let made = cx.call_prim(&prim::PY_CFUNCTION_NEW_EX, &[ml, obj, null])?[0];
            cx.decref(obj)?;
            check_null(cx, made);
            let base = cx.data_addr(table);
            let old = cx.b.ins().load(p, flags(), base, (8 * k) as i32);
            cx.b.ins().store(flags(), made, base, (8 * k) as i32);
            cx.decref(old)?;
            continue;
        }
        let key = cx.cstr(&pm.qualname)?;
        let r = cx.call_prim(&prim::PY_DICT_SET_ITEM_STRING, &[dict, key, obj])?[0];
        cx.decref(obj)?;
        let bad = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, r, 0);
        let ok = cx.b.create_block();
        cx.b.ins().brif(bad, fail, &[], ok, &[]);
        cx.b.switch_to_block(ok);
        // Its binder, for the residual's line to set its defaults on.
        let table = cx.data_addr(cx.em.helpers);
        let binder = cx.b.ins().load(p, flags(), table, (8 * binder_slot) as i32);
        let key = cx.cstr(&hir::binder_key(&pm.qualname))?;
        let r = cx.call_prim(&prim::PY_DICT_SET_ITEM_STRING, &[dict, key, binder])?[0];
        let bad = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, r, 0);
        let ok = cx.b.create_block();
        cx.b.ins().brif(bad, fail, &[], ok, &[]);
        cx.b.switch_to_block(ok);
        if pm.class_cell {
            // An empty holder the class body fills with its `__class__`
            // cell; the method's slot keeps a reference for the life of
            // the process, as the types' slots do.
            let null = cx.b.ins().iconst(p, 0);
            let holder = cx.call_prim(&prim::PY_CELL_NEW_EMPTY, &[null])?[0];
            check_null(cx, holder);
            let slot = cx.em.class_cell_slot(&pm.qualname)?;
            let slot = cx.data_addr(slot);
            cx.b.ins().store(flags(), holder, slot, 0);
            let key = cx.cstr(&hir::class_cell_key(&pm.qualname))?;
            let r = cx.call_prim(&prim::PY_DICT_SET_ITEM_STRING, &[dict, key, holder])?[0];
            let bad = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, r, 0);
            let ok = cx.b.create_block();
            cx.b.ins().brif(bad, fail, &[], ok, &[]);
            cx.b.switch_to_block(ok);
        }
    }
    cx.decref(modname)?;
    // The functions keep their type alive.
    cx.decref(ty)?;
    Ok(())
}
