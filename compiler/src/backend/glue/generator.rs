//! The module's generator type, for generator functions compiled natively
//! (`hir::Function::generator`): a heap type made at exec from a
//! `PyType_Spec`, variable-size (its frame's words after the header, the
//! layout `mir::pass::suspend` gives: the resume function, the function's
//! names and frame description (`info`), the state, the running flag, then
//! the object slots and the raw slots). Each generator function's native
//! function (its create body, `backend/body.rs`) makes one with the
//! parameters in their slots; `tp_iternext`, `send` and `_pyc_aot_throw`
//! call its resume function through `step`, which keeps the running flag
//! (`ValueError: generator already executing`), turns a `return v` into
//! `StopIteration(v)` and a StopIteration escaping the body into
//! RuntimeError (PEP 479). A generator suspended at a `yield` inside a
//! `try` (its info's table of states) is closed by `tp_finalize` before it
//! is freed (PEP 442), so its `finally` blocks and `__exit__`s run; any
//! other is freed by releasing its frame's slots. `close`, `throw` (its
//! arguments as CPython reads them), the repr and the registration with
//! `collections.abc.Generator` are Python helpers the exec slot runs on
//! the type.

use super::cclass::{slot_table, Slot};
use super::{flags, R};
use crate::backend::{codegen, pyabi, Emitter, FnCx};
use crate::hir::{self, FuncId};
use crate::mir::pass::suspend::{Layout, GEN_DELEGATE, GEN_FRAME, GEN_INFO, GEN_RESUME, GEN_RUNNING, GEN_STATE};
use crate::mir::primitives as prim;
use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Module};
use crate::backend::pyabi::type_spec::{PY_TP_CLEAR, PY_TP_DEALLOC, PY_TP_FINALIZE, PY_TP_FREE, PY_TP_GETSET, PY_TP_ITER, PY_TP_ITERNEXT, PY_TP_MEMBERS, PY_TP_METHODS, PY_TP_TRAVERSE, READONLY, TPFLAGS_DEFAULT, TPFLAGS_DISALLOW_INSTANTIATION, TPFLAGS_HAVE_GC, T_BOOL, T_OBJECT};

/// `PyTypeObject.tp_name` and `tp_iternext` (3.9–3.13).
const TP_NAME: i32 = 24;
const TP_ITERNEXT: i32 = 224;

/// The class slot (`Emitter::class_slot`) the exec slot keeps the type in.
pub(crate) const TYPE_SLOT: &str = "<generator>";


/// The info of one generator function (what `GEN_INFO` points at): its
/// `__name__` and `__qualname__` as C strings, its object slots' count,
/// then its table of states needing close (a byte per state, nonzero for a
/// `yield` inside a `try`: `suspend::Layout::closes`), NULL when none does.
const INFO_NAME: i32 = 0;
const INFO_QUALNAME: i32 = 8;
const INFO_OBJECT_WORDS: i32 = 16;
const INFO_CLOSES: i32 = 24;

/// Helper-table entries: the setup run on the type, the PEP 479
/// RuntimeError made from a StopIteration, a return value's StopIteration,
/// the type's `close`.
const SETUP: &str = "__pyc_aot_generator_setup";
const STOP: &str = "__pyc_aot_generator_stop";
const RETURN: &str = "__pyc_aot_generator_return";
const CLOSE: &str = "__pyc_aot_generator_close";
/// Not in the helper table: `throw`'s and `close`'s forwarding to a `yield
/// from`'s delegate (CPython's `_gen_throw`), in the helpers' namespace.
const DELIVER: &str = "__pyc_aot_generator_deliver";

pub(super) fn used(m: &hir::Module) -> bool {
    m.functions.iter().any(|f| f.generator)
}

pub(super) fn helper_slots(m: &hir::Module) -> usize {
    if used(m) {
        4
    } else {
        0
    }
}

pub(super) fn helper_entries(m: &hir::Module, first: usize) -> Vec<(String, usize)> {
    if !used(m) {
        return vec![];
    }
    vec![(SETUP.into(), first), (STOP.into(), first + 1), (RETURN.into(), first + 2), (CLOSE.into(), first + 3)]
}

pub(super) fn helpers_source(m: &hir::Module) -> String {
    if !used(m) {
        return String::new();
    }
    format!(
        r#"
def {SETUP}(t):
    import collections.abc
    def throw(self, typ, val=None, tb=None):
        if isinstance(typ, BaseException):
            if val is not None:
                raise TypeError('instance exception may not have a separate value')
            exc = typ
        elif isinstance(typ, type) and issubclass(typ, BaseException):
            if isinstance(val, typ):
                exc = val
            elif val is None:
                exc = typ()
            elif isinstance(val, tuple):
                exc = typ(*val)
            else:
                exc = typ(val)
        else:
            raise TypeError('exceptions must be classes or instances deriving from BaseException, not %s' % type(typ).__name__)
        if tb is not None:
            exc = exc.with_traceback(tb)
        return {DELIVER}(self, exc)
    def __repr__(self):
        return '<generator object %s at %#x>' % (self.__qualname__, id(self))
    t.throw = throw
    t.close = {CLOSE}
    t.__repr__ = __repr__
    collections.abc.Generator.register(t)
    return None

def {DELIVER}(self, exc):
    d = self.gi_yieldfrom
    if d is None:
        return self._pyc_aot_throw(exc)
    if isinstance(exc, GeneratorExit):
        try:
            c = getattr(d, 'close', None)
            if c is not None:
                c()
        except BaseException as e:
            return self._pyc_aot_throw(e)
        return self._pyc_aot_throw(exc)
    t = getattr(d, 'throw', None)
    if t is None:
        return self._pyc_aot_throw(exc)
    try:
        return t(exc)
    except StopIteration as e:
        return self._pyc_aot_resume(e.value)
    except BaseException as e:
        return self._pyc_aot_throw(e)

def {CLOSE}(self):
    try:
        {DELIVER}(self, GeneratorExit())
    except GeneratorExit:
        return None
    except StopIteration as e:
        return e.value if __import__('sys').version_info >= (3, 13) else None
    raise RuntimeError('generator ignored GeneratorExit')

def {STOP}(e):
    r = RuntimeError('generator raised StopIteration')
    r.__cause__ = e
    r.__context__ = e
    return r

def {RETURN}(v):
    return StopIteration(v)
"#
    )
}

/// The static info of the generator function `f` (`INFO_*`).
pub(crate) fn define_info(em: &mut Emitter, f: &hir::Function, qualname: &str, layout: &Layout) -> R<DataId> {
    let info = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 32];
    bytes[16..24].copy_from_slice(&u64::from(layout.object_words).to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    if !layout.closes.is_empty() {
        let table = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
        let states: Vec<u8> = layout.closes.iter().map(|&c| u8::from(c)).collect();
        let mut tdesc = DataDescription::new();
        tdesc.define(states.into_boxed_slice());
        em.module.define_data(table, &tdesc).map_err(|e| e.to_string())?;
        let gv = em.module.declare_data_in_data(table, &mut desc);
        desc.write_data_addr(INFO_CLOSES as u32, gv, 0);
    }
    let short = f.name.rsplit('.').next().unwrap_or(&f.name).replace('\0', "");
    let name = em.cstring(&short)?;
    let qual = em.cstring(&qualname.replace('\0', ""))?;
    let gv = em.module.declare_data_in_data(name, &mut desc);
    desc.write_data_addr(INFO_NAME as u32, gv, 0);
    let gv = em.module.declare_data_in_data(qual, &mut desc);
    desc.write_data_addr(INFO_QUALNAME as u32, gv, 0);
    em.module.define_data(info, &desc).map_err(|e| e.to_string())?;
    Ok(info)
}

/// `MirOp::NewGenerator`: a zeroed generator of `words` frame words with
/// `func`'s resume function and info; NULL when allocation failed.
pub(crate) fn new_generator(cx: &mut FnCx, func: FuncId, words: u32) -> R<ir::Value> {
    let p = cx.em.ptr;
    let (resume, info) = *cx.em.generators.get(&func.0).ok_or("a generator made before its resume function")?;
    let slot = cx.em.class_slot(TYPE_SLOT)?;
    let slot = cx.data_addr(slot);
    let ty = cx.b.ins().load(p, flags(), slot, 0);
    let n = cx.b.ins().iconst(p, i64::from(words));
    let obj = cx.call_prim(&prim::PY_TYPE_GENERIC_ALLOC, &[ty, n])?[0];
    let (fill, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, p);
    let null = cx.is_null(obj);
    cx.b.ins().brif(null, done, &[ir::BlockArg::Value(obj)], fill, &[]);
    cx.b.switch_to_block(fill);
    let r = cx.func_ref(resume);
    let addr = cx.b.ins().func_addr(p, r);
    cx.b.ins().store(flags(), addr, obj, GEN_RESUME);
    let info = cx.data_addr(info);
    cx.b.ins().store(flags(), info, obj, GEN_INFO);
    cx.b.ins().jump(done, &[ir::BlockArg::Value(obj)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// What the exec slot needs to make the type.
pub(super) struct Emitted {
    spec: DataId,
}

fn emit_fn(em: &mut Emitter, symbol: &str, title: &str, params: &[ir::Type], ret: Option<ir::Type>, body: impl FnOnce(&mut FnCx, &[ir::Value]) -> R<()>) -> R<ClifFuncId> {
    super::emit_fn(em, symbol, 14, title, params, ret, body)
}

fn load_exc(cx: &mut FnCx, name: &str) -> R<ir::Value> {
    let p = cx.em.ptr;
    let sym = cx.em.import_data(name)?;
    let addr = cx.data_addr(sym);
    Ok(cx.b.ins().load(p, flags(), addr, 0))
}

fn set_string(cx: &mut FnCx, exc: &str, msg: &str) -> R<()> {
    let p = cx.em.ptr;
    let ty = load_exc(cx, exc)?;
    let m = cx.cstr(msg)?;
    cx.call_c("PyErr_SetString", &[p, p], &[], &[ty, m])?;
    Ok(())
}

/// CPython's `ValueError: generator already executing` returned (NULL)
/// when `gen` is running; the code goes on where it is not.
fn refuse_if_running(cx: &mut FnCx, gen: ir::Value) -> R<()> {
    let running = cx.b.ins().load(types::I8, flags(), gen, GEN_RUNNING);
    let (busy, free) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(busy);
    cx.b.ins().brif(running, busy, &[], free, &[]);
    cx.b.switch_to_block(busy);
    set_string(cx, "PyExc_ValueError", "generator already executing")?;
    return_null(cx);
    cx.b.switch_to_block(free);
    Ok(())
}

fn return_null(cx: &mut FnCx) {
    let null = cx.b.ins().iconst(cx.em.ptr, 0);
    cx.b.ins().return_(&[null]);
}

/// Calls helper `slot` with `arg`; the result (NULL on error).
fn call_helper(cx: &mut FnCx, slot: usize, arg: ir::Value) -> R<ir::Value> {
    let p = cx.em.ptr;
    let table = cx.data_addr(cx.em.helpers);
    let helper = cx.b.ins().load(p, flags(), table, (8 * slot) as i32);
    cx.call_one_arg(helper, arg)
}

/// The loop over a generator's object slots (their count from its info),
/// emitted up to its body, where it leaves the builder: the slot's address
/// (the slot itself `GEN_FRAME` on), the next index to jump to `head` with,
/// and the block after the loop.
struct SlotLoop {
    addr: ir::Value,
    next: ir::Value,
    head: ir::Block,
    done: ir::Block,
}

fn object_slots_loop(cx: &mut FnCx, gen: ir::Value) -> SlotLoop {
    let p = cx.em.ptr;
    let info = cx.b.ins().load(p, flags(), gen, GEN_INFO);
    let n = cx.b.ins().load(p, flags(), info, INFO_OBJECT_WORDS);
    let (head, body, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(head, p);
    let zero = cx.b.ins().iconst(p, 0);
    cx.b.ins().jump(head, &[ir::BlockArg::Value(zero)]);
    cx.b.switch_to_block(head);
    let i = cx.b.block_params(head)[0];
    let more = cx.b.ins().icmp(IntCC::SignedLessThan, i, n);
    cx.b.ins().brif(more, body, &[], done, &[]);
    cx.b.switch_to_block(body);
    let off = cx.b.ins().imul_imm_s(i, 8);
    let addr = cx.b.ins().iadd(gen, off);
    let next = cx.b.ins().iadd_imm_s(i, 1);
    SlotLoop { addr, next, head, done }
}

/// Each object slot of the frame released and NULL (the count from the
/// info), and the delegate.
fn emit_clear_frame(em: &mut Emitter) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_generator_clear_frame", "the frame release of the generator type", &[p], None, |cx, a| {
        let gen = a[0];
        let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
        let null = cx.b.ins().iconst(p, 0);
        cx.b.ins().store(flags(), null, gen, GEN_DELEGATE);
        cx.call_c("Py_DecRef", &[p], &[], &[d])?;
        let SlotLoop { addr, next, head, done } = object_slots_loop(cx, gen);
        let old = cx.b.ins().load(p, flags(), addr, GEN_FRAME);
        let null = cx.b.ins().iconst(p, 0);
        cx.b.ins().store(flags(), null, addr, GEN_FRAME);
        cx.decref(old)?;
        cx.b.ins().jump(head, &[ir::BlockArg::Value(next)]);
        cx.b.switch_to_block(done);
        cx.b.ins().return_(&[]);
        Ok(())
    })
}

/// `step(gen, sent)`: runs the generator to its next `yield` (the value),
/// or its end (NULL; StopIteration(v) set for a `return v` of a value other
/// than None, nothing for None); `sent` NULL: an exception is set, thrown in.
/// While a `yield from`'s delegate is set (`GEN_DELEGATE`), the value sent
/// goes to it (`tp_iternext` for None, else its `send`) and what it yields
/// is yielded; when it ends, it is dropped and the body resumes with its
/// return value (StopIteration's `value`) as the value sent, or with its
/// exception raised at the `yield from`. An exception thrown in with a
/// delegate set drops it (the `throw` helper has already forwarded it) and
/// raises in the body.
fn emit_step(em: &mut Emitter, first_slot: usize) -> R<ClifFuncId> {
    let p = em.ptr;
    emit_fn(em, "pyc_aot_generator_step", "the step of the generator type", &[p, p], Some(p), |cx, a| {
        let (gen, sent) = (a[0], a[1]);
        refuse_if_running(cx, gen)?;
        let state = cx.b.ins().load(types::I32, flags(), gen, GEN_STATE);
        let finished = cx.b.ins().icmp_imm_s(IntCC::Equal, state, -1);
        let (ended, run) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(finished, ended, &[], run, &[]);
        cx.b.switch_to_block(ended);
        return_null(cx);
        cx.b.switch_to_block(run);
        let zero_held = cx.b.ins().iconst(p, 0);
        // top(sent, held): `held` a reference to release after `sent` is used.
        let top = cx.b.create_block();
        cx.b.append_block_param(top, p);
        cx.b.append_block_param(top, p);
        cx.b.ins().jump(top, &[ir::BlockArg::Value(sent), ir::BlockArg::Value(zero_held)]);
        cx.b.switch_to_block(top);
        let (sent, held) = (cx.b.block_params(top)[0], cx.b.block_params(top)[1]);
        let one = cx.b.ins().iconst(types::I8, 1);
        cx.b.ins().store(flags(), one, gen, GEN_RUNNING);
        let call = cx.b.create_block();
        cx.b.append_block_param(call, p);
        cx.b.append_block_param(call, p);
        let forward = cx.b.create_block();
        let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
        cx.b.ins().brif(d, forward, &[], call, &[ir::BlockArg::Value(sent), ir::BlockArg::Value(held)]);
        emit_forward(cx, forward, gen, d, sent, held, top, call)?;
        cx.b.switch_to_block(call);
        let (sent, held) = (cx.b.block_params(call)[0], cx.b.block_params(call)[1]);
        let resume = cx.b.ins().load(p, flags(), gen, GEN_RESUME);
        let sp = cx.b.ins().get_stack_pointer(p);
        let limit = cx.b.ins().iadd_imm_s(sp, -codegen::stack::SOFT_BUDGET);
        let mut sig = cx.em.module.make_signature();
        for _ in 0..3 {
            sig.params.push(ir::AbiParam::new(p));
        }
        sig.returns.push(ir::AbiParam::new(p));
        let sref = cx.b.import_signature(sig);
        let inst = cx.b.ins().call_indirect(sref, resume, &[gen, sent, limit]);
        let r = cx.b.inst_results(inst)[0];
        cx.call_c("Py_DecRef", &[p], &[], &[held])?;
        let zero = cx.b.ins().iconst(types::I8, 0);
        cx.b.ins().store(flags(), zero, gen, GEN_RUNNING);
        let (got, failed) = (cx.b.create_block(), cx.b.create_block());
        let null = cx.is_null(r);
        cx.b.ins().brif(null, failed, &[], got, &[]);

        cx.b.switch_to_block(got);
        let state = cx.b.ins().load(types::I32, flags(), gen, GEN_STATE);
        let returned = cx.b.ins().icmp_imm_s(IntCC::Equal, state, -1);
        let (yielded, ret, own, delegated) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(returned, ret, &[], yielded, &[]);
        // A `yield from` just set its delegate: the None yielded stands
        // for it; the delegate is asked for its first item.
        cx.b.switch_to_block(yielded);
        let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
        cx.b.ins().brif(d, delegated, &[], own, &[]);
        cx.b.switch_to_block(delegated);
        cx.decref(r)?;
        let none = cx.py_data("_Py_NoneStruct")?;
        let no_held = cx.b.ins().iconst(p, 0);
        cx.b.ins().jump(top, &[ir::BlockArg::Value(none), ir::BlockArg::Value(no_held)]);
        cx.b.switch_to_block(own);
        cx.b.ins().return_(&[r]);
        cx.b.switch_to_block(ret);
        let none = cx.py_data("_Py_NoneStruct")?;
        let is_none = cx.b.ins().icmp(IntCC::Equal, r, none);
        let (plain, value) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(is_none, plain, &[], value, &[]);
        cx.b.switch_to_block(plain);
        cx.decref(r)?;
        return_null(cx);
        cx.b.switch_to_block(value);
        let e = call_helper(cx, first_slot + 2, r)?;
        cx.decref(r)?;
        let (set, out) = (cx.b.create_block(), cx.b.create_block());
        let bad = cx.is_null(e);
        cx.b.ins().brif(bad, out, &[], set, &[]);
        cx.b.switch_to_block(set);
        let stop = load_exc(cx, "PyExc_StopIteration")?;
        cx.call_c("PyErr_SetObject", &[p, p], &[], &[stop, e])?;
        cx.decref(e)?;
        cx.b.ins().jump(out, &[]);
        cx.b.switch_to_block(out);
        return_null(cx);

        // An error ends the generator; a StopIteration becomes RuntimeError.
        cx.b.switch_to_block(failed);
        let minus = cx.b.ins().iconst(types::I32, -1);
        cx.b.ins().store(flags(), minus, gen, GEN_STATE);
        let stop = load_exc(cx, "PyExc_StopIteration")?;
        let is_stop = cx.call_c("PyErr_ExceptionMatches", &[p], &[types::I32], &[stop])?[0];
        let (convert, out) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(is_stop, convert, &[], out, &[]);
        cx.b.switch_to_block(out);
        return_null(cx);
        cx.b.switch_to_block(convert);
        let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
        let addrs: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_addr(p, slot, (8 * k) as i32)).collect();
        cx.call_c("PyErr_Fetch", &[p, p, p], &[], &addrs)?;
        cx.call_c("PyErr_NormalizeException", &[p, p, p], &[], &addrs)?;
        let parts: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_load(p, p, slot, (8 * k) as i32)).collect();
        let (with_tb, then) = (cx.b.create_block(), cx.b.create_block());
        let has_tb = cx.b.ins().icmp_imm_s(IntCC::NotEqual, parts[2], 0);
        cx.b.ins().brif(has_tb, with_tb, &[], then, &[]);
        cx.b.switch_to_block(with_tb);
        cx.call_c("PyException_SetTraceback", &[p, p], &[types::I32], &[parts[1], parts[2]])?;
        cx.b.ins().jump(then, &[]);
        cx.b.switch_to_block(then);
        let e = call_helper(cx, first_slot + 1, parts[1])?;
        for v in &parts {
            cx.decref(*v)?;
        }
        let (set, out) = (cx.b.create_block(), cx.b.create_block());
        let bad = cx.is_null(e);
        cx.b.ins().brif(bad, out, &[], set, &[]);
        cx.b.switch_to_block(set);
        let rt = load_exc(cx, "PyExc_RuntimeError")?;
        cx.call_c("PyErr_SetObject", &[p, p], &[], &[rt, e])?;
        cx.decref(e)?;
        cx.b.ins().jump(out, &[]);
        cx.b.switch_to_block(out);
        return_null(cx);
        Ok(())
    })
}

/// The step's forwarding to the delegate `d` (current block `forward`):
/// the value sent (None: `tp_iternext`; else its `send`) or, thrown in
/// (`sent` NULL), the delegate dropped and the exception raised in the
/// body (`call`); a value it yields returned; its end drops it and goes
/// back to `top` with its return value (owned: `held`) or its exception.
#[allow(clippy::too_many_arguments)]
fn emit_forward(cx: &mut FnCx, forward: ir::Block, gen: ir::Value, d: ir::Value, sent: ir::Value, held: ir::Value, top: ir::Block, call: ir::Block) -> R<()> {
    let p = cx.em.ptr;
    cx.b.switch_to_block(forward);
    let (value, thrown) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(sent, value, &[], thrown, &[]);
    cx.b.switch_to_block(thrown);
    let null = cx.b.ins().iconst(p, 0);
    cx.b.ins().store(flags(), null, gen, GEN_DELEGATE);
    cx.decref(d)?;
    cx.b.ins().jump(call, &[ir::BlockArg::Value(sent), ir::BlockArg::Value(held)]);

    cx.b.switch_to_block(value);
    let none = cx.py_data("_Py_NoneStruct")?;
    let is_none = cx.b.ins().icmp(IntCC::Equal, sent, none);
    let (next, send, got) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(got, p);
    cx.b.ins().brif(is_none, next, &[], send, &[]);
    cx.b.switch_to_block(next);
    let tp = cx.b.ins().load(p, flags(), d, pyabi::OB_TYPE);
    let iternext = cx.b.ins().load(p, flags(), tp, TP_ITERNEXT);
    let mut sig = cx.em.module.make_signature();
    sig.params.push(ir::AbiParam::new(p));
    sig.returns.push(ir::AbiParam::new(p));
    let sref = cx.b.import_signature(sig);
    let inst = cx.b.ins().call_indirect(sref, iternext, &[d]);
    let r = cx.b.inst_results(inst)[0];
    cx.b.ins().jump(got, &[ir::BlockArg::Value(r)]);
    cx.b.switch_to_block(send);
    let name = cx.cstr("send")?;
    let m = cx.call_c("PyObject_GetAttrString", &[p, p], &[p], &[d, name])?[0];
    let (call_send, no_method) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(m, call_send, &[], no_method, &[]);
    cx.b.switch_to_block(no_method);
    let null = cx.b.ins().iconst(p, 0);
    cx.b.ins().jump(got, &[ir::BlockArg::Value(null)]);
    cx.b.switch_to_block(call_send);
    let r = cx.call_one_arg(m, sent)?;
    cx.decref(m)?;
    cx.b.ins().jump(got, &[ir::BlockArg::Value(r)]);

    cx.b.switch_to_block(got);
    let r = cx.b.block_params(got)[0];
    cx.call_c("Py_DecRef", &[p], &[], &[held])?;
    let (yielded, ended) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(r, yielded, &[], ended, &[]);
    cx.b.switch_to_block(yielded);
    let zero = cx.b.ins().iconst(types::I8, 0);
    cx.b.ins().store(flags(), zero, gen, GEN_RUNNING);
    cx.b.ins().return_(&[r]);

    // Ended: dropped; its return value, or its exception, to the body.
    cx.b.switch_to_block(ended);
    let null = cx.b.ins().iconst(p, 0);
    cx.b.ins().store(flags(), null, gen, GEN_DELEGATE);
    cx.decref(d)?;
    let occurred = cx.call_c("PyErr_Occurred", &[], &[p], &[])?[0];
    let (check, plain) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(occurred, check, &[], plain, &[]);
    cx.b.switch_to_block(plain);
    let none = cx.py_data("_Py_NoneStruct")?;
    let no_held = cx.b.ins().iconst(p, 0);
    cx.b.ins().jump(top, &[ir::BlockArg::Value(none), ir::BlockArg::Value(no_held)]);
    cx.b.switch_to_block(check);
    let stop = load_exc(cx, "PyExc_StopIteration")?;
    let is_stop = cx.call_c("PyErr_ExceptionMatches", &[p], &[types::I32], &[stop])?[0];
    let (take, raise) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(is_stop, take, &[], raise, &[]);
    cx.b.switch_to_block(raise);
    let null = cx.b.ins().iconst(p, 0);
    cx.b.ins().jump(top, &[ir::BlockArg::Value(null), ir::BlockArg::Value(null)]);
    cx.b.switch_to_block(take);
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
    let addrs: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_addr(p, slot, (8 * k) as i32)).collect();
    cx.call_c("PyErr_Fetch", &[p, p, p], &[], &addrs)?;
    cx.call_c("PyErr_NormalizeException", &[p, p, p], &[], &addrs)?;
    let parts: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_load(p, p, slot, (8 * k) as i32)).collect();
    let name = cx.cstr("value")?;
    let v = cx.call_c("PyObject_GetAttrString", &[p, p], &[p], &[parts[1], name])?[0];
    for part in &parts {
        cx.call_c("Py_DecRef", &[p], &[], &[*part])?;
    }
    // `v` NULL (no `value`): its error raised in the body.
    cx.b.ins().jump(top, &[ir::BlockArg::Value(v), ir::BlockArg::Value(v)]);
    Ok(())
}

/// A NULL from `step` with no exception set becomes StopIteration (for
/// `send` and `throw`, which raise it where `__next__` returns nothing).
fn stop_if_ended(cx: &mut FnCx, r: ir::Value) -> R<()> {
    let p = cx.em.ptr;
    let (null, out) = (cx.b.create_block(), cx.b.create_block());
    let is_null = cx.is_null(r);
    cx.b.ins().brif(is_null, null, &[], out, &[]);
    cx.b.switch_to_block(null);
    let occurred = cx.call_c("PyErr_Occurred", &[], &[p], &[])?[0];
    let (set, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(occurred, done, &[], set, &[]);
    cx.b.switch_to_block(set);
    let stop = load_exc(cx, "PyExc_StopIteration")?;
    cx.call_c("PyErr_SetNone", &[p], &[], &[stop])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    return_null(cx);
    cx.b.switch_to_block(out);
    cx.b.ins().return_(&[r]);
    Ok(())
}

/// Whether `gen` is suspended at a `yield` inside a `try` (its info's
/// table says so for its state) or in a `yield from` (its delegate is
/// closed first, as CPython's), an `i8`.
fn needs_close(cx: &mut FnCx, gen: ir::Value) -> ir::Value {
    let p = cx.em.ptr;
    let (check, look, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, types::I8);
    let no = cx.b.ins().iconst(types::I8, 0);
    let yes = cx.b.ins().iconst(types::I8, 1);
    let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
    let first = cx.b.create_block();
    cx.b.ins().brif(d, done, &[ir::BlockArg::Value(yes)], first, &[]);
    cx.b.switch_to_block(first);
    let state = cx.b.ins().load(types::I32, flags(), gen, GEN_STATE);
    let suspended = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, state, 0);
    cx.b.ins().brif(suspended, check, &[], done, &[ir::BlockArg::Value(no)]);
    cx.b.switch_to_block(check);
    let info = cx.b.ins().load(p, flags(), gen, GEN_INFO);
    let table = cx.b.ins().load(p, flags(), info, INFO_CLOSES);
    cx.b.ins().brif(table, look, &[], done, &[ir::BlockArg::Value(no)]);
    cx.b.switch_to_block(look);
    let k = cx.b.ins().uextend(p, state);
    let at = cx.b.ins().iadd(table, k);
    let v = cx.b.ins().load(types::I8, flags(), at, 0);
    cx.b.ins().jump(done, &[ir::BlockArg::Value(v)]);
    cx.b.switch_to_block(done);
    cx.b.block_params(done)[0]
}

/// The type's spec, its slots and method and member tables.
pub(super) fn emit(em: &mut Emitter, m: &hir::Module, first_slot: usize) -> R<Option<Emitted>> {
    if !used(m) {
        return Ok(None);
    }
    let p = em.ptr;
    let step = emit_step(em, first_slot)?;
    let clear_frame = emit_clear_frame(em)?;
    let iternext = emit_fn(em, "pyc_aot_generator_iternext", "tp_iternext of the generator type", &[p], Some(p), |cx, a| {
        let none = cx.py_data("_Py_NoneStruct")?;
        let r = cx.func_ref(step);
        let inst = cx.b.ins().call(r, &[a[0], none]);
        let v = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[v]);
        Ok(())
    })?;
    let send = emit_fn(em, "pyc_aot_generator_send", "send of the generator type", &[p, p], Some(p), |cx, a| {
        let (gen, v) = (a[0], a[1]);
        let none = cx.py_data("_Py_NoneStruct")?;
        let running = cx.b.ins().load(types::I8, flags(), gen, GEN_RUNNING);
        let state = cx.b.ins().load(types::I32, flags(), gen, GEN_STATE);
        let fresh = cx.b.ins().icmp_imm_s(IntCC::Equal, state, 0);
        let idle = cx.b.ins().icmp_imm_s(IntCC::Equal, running, 0);
        let not_none = cx.b.ins().icmp(IntCC::NotEqual, v, none);
        let bad = cx.b.ins().band(fresh, idle);
        let bad = cx.b.ins().band(bad, not_none);
        let (refuse, go) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(bad, refuse, &[], go, &[]);
        cx.b.switch_to_block(refuse);
        set_string(cx, "PyExc_TypeError", "can't send non-None value to a just-started generator")?;
        return_null(cx);
        cx.b.switch_to_block(go);
        let r = cx.func_ref(step);
        let inst = cx.b.ins().call(r, &[gen, v]);
        let res = cx.b.inst_results(inst)[0];
        stop_if_ended(cx, res)
    })?;
    let throw = emit_fn(em, "pyc_aot_generator_throw", "_pyc_aot_throw of the generator type", &[p, p], Some(p), |cx, a| {
        let (gen, exc) = (a[0], a[1]);
        refuse_if_running(cx, gen)?;
        // The exception set as it is, with its traceback.
        let ty = cx.b.ins().load(p, flags(), exc, pyabi::OB_TYPE);
        codegen::incref(cx, ty)?;
        codegen::incref(cx, exc)?;
        let tb = cx.call_c("PyException_GetTraceback", &[p], &[p], &[exc])?[0];
        cx.call_c("PyErr_Restore", &[p, p, p], &[], &[ty, exc, tb])?;
        let state = cx.b.ins().load(types::I32, flags(), gen, GEN_STATE);
        let fresh = cx.b.ins().icmp_imm_s(IntCC::Equal, state, 0);
        let (start, resume) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(fresh, start, &[], resume, &[]);
        // Not started: it finishes at once, its frame released.
        cx.b.switch_to_block(start);
        let minus = cx.b.ins().iconst(types::I32, -1);
        cx.b.ins().store(flags(), minus, gen, GEN_STATE);
        let r = cx.func_ref(clear_frame);
        cx.b.ins().call(r, &[gen]);
        return_null(cx);
        cx.b.switch_to_block(resume);
        let null = cx.b.ins().iconst(p, 0);
        let r = cx.func_ref(step);
        let inst = cx.b.ins().call(r, &[gen, null]);
        let res = cx.b.inst_results(inst)[0];
        stop_if_ended(cx, res)
    })?;
    // tp_finalize (PEP 442): a generator suspended inside a `try` is
    // closed, so its `finally` blocks and `__exit__`s run; an error is
    // written as unraisable, the one being raised kept.
    let finalize = emit_fn(em, "pyc_aot_generator_finalize", "tp_finalize of the generator type", &[p], None, |cx, a| {
        let gen = a[0];
        let need = needs_close(cx, gen);
        let (run, out) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(need, run, &[], out, &[]);
        cx.b.switch_to_block(run);
        let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
        let addrs: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_addr(p, slot, (8 * k) as i32)).collect();
        cx.call_c("PyErr_Fetch", &[p, p, p], &[], &addrs)?;
        let r = call_helper(cx, first_slot + 3, gen)?;
        let (failed, ok, restore) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        let null = cx.is_null(r);
        cx.b.ins().brif(null, failed, &[], ok, &[]);
        cx.b.switch_to_block(failed);
        cx.call_c("PyErr_WriteUnraisable", &[p], &[], &[gen])?;
        cx.b.ins().jump(restore, &[]);
        cx.b.switch_to_block(ok);
        cx.decref(r)?;
        cx.b.ins().jump(restore, &[]);
        cx.b.switch_to_block(restore);
        let parts: Vec<ir::Value> = (0..3).map(|k| cx.b.ins().stack_load(p, p, slot, (8 * k) as i32)).collect();
        cx.call_c("PyErr_Restore", &[p, p, p], &[], &parts)?;
        cx.b.ins().jump(out, &[]);
        cx.b.switch_to_block(out);
        cx.b.ins().return_(&[]);
        Ok(())
    })?;
    // `_pyc_aot_resume(v)`: the delegate dropped (it returned `v` to a
    // forwarded `throw`), the body resumed with `v`.
    let resume_with = emit_fn(em, "pyc_aot_generator_resume_with", "_pyc_aot_resume of the generator type", &[p, p], Some(p), |cx, a| {
        let (gen, v) = (a[0], a[1]);
        refuse_if_running(cx, gen)?;
        let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
        let null = cx.b.ins().iconst(p, 0);
        cx.b.ins().store(flags(), null, gen, GEN_DELEGATE);
        cx.call_c("Py_DecRef", &[p], &[], &[d])?;
        let r = cx.func_ref(step);
        let inst = cx.b.ins().call(r, &[gen, v]);
        let res = cx.b.inst_results(inst)[0];
        stop_if_ended(cx, res)
    })?;
    let dealloc = emit_fn(em, "pyc_aot_generator_dealloc", "tp_dealloc of the generator type", &[p], None, |cx, a| {
        let obj = a[0];
        // Only a generator suspended inside a `try` has a finalizer to run
        // (which may resurrect it).
        let need = needs_close(cx, obj);
        let (fin, go, back) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.set_cold_block(fin);
        cx.b.ins().brif(need, fin, &[], go, &[]);
        cx.b.switch_to_block(fin);
        let r = cx.call_c("PyObject_CallFinalizerFromDealloc", &[p], &[types::I32], &[obj])?[0];
        cx.b.ins().brif(r, back, &[], go, &[]);
        cx.b.switch_to_block(back);
        cx.b.ins().return_(&[]);
        cx.b.switch_to_block(go);
        cx.call_prim(&prim::PY_OBJECT_GC_UNTRACK, &[obj])?;
        let r = cx.func_ref(clear_frame);
        cx.b.ins().call(r, &[obj]);
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
    })?;
    let clear = emit_fn(em, "pyc_aot_generator_clear", "tp_clear of the generator type", &[p], Some(types::I32), |cx, a| {
        let minus = cx.b.ins().iconst(types::I32, -1);
        cx.b.ins().store(flags(), minus, a[0], GEN_STATE);
        let r = cx.func_ref(clear_frame);
        cx.b.ins().call(r, &[a[0]]);
        let zero = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[zero]);
        Ok(())
    })?;
    let traverse = emit_fn(em, "pyc_aot_generator_traverse", "tp_traverse of the generator type", &[p, p, p], Some(types::I32), |cx, a| {
        let (gen, visit, arg) = (a[0], a[1], a[2]);
        let mut vsig = cx.em.module.make_signature();
        vsig.params.push(ir::AbiParam::new(p));
        vsig.params.push(ir::AbiParam::new(p));
        vsig.returns.push(ir::AbiParam::new(types::I32));
        let sref = cx.b.import_signature(vsig);
        let stop = cx.b.create_block();
        cx.b.append_block_param(stop, types::I32);
        let SlotLoop { addr, next, head, done } = object_slots_loop(cx, gen);
        let v = cx.b.ins().load(p, flags(), addr, GEN_FRAME);
        let call = cx.b.create_block();
        cx.b.ins().brif(v, call, &[], head, &[ir::BlockArg::Value(next)]);
        cx.b.switch_to_block(call);
        let inst = cx.b.ins().call_indirect(sref, visit, &[v, arg]);
        let r = cx.b.inst_results(inst)[0];
        cx.b.ins().brif(r, stop, &[ir::BlockArg::Value(r)], head, &[ir::BlockArg::Value(next)]);
        cx.b.switch_to_block(done);
        let d = cx.b.ins().load(p, flags(), gen, GEN_DELEGATE);
        let (visit_d, after) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(d, visit_d, &[], after, &[]);
        cx.b.switch_to_block(visit_d);
        let inst = cx.b.ins().call_indirect(sref, visit, &[d, arg]);
        let r = cx.b.inst_results(inst)[0];
        cx.b.ins().brif(r, stop, &[ir::BlockArg::Value(r)], after, &[]);
        cx.b.switch_to_block(after);
        let tp = cx.b.ins().load(p, flags(), gen, pyabi::OB_TYPE);
        let inst = cx.b.ins().call_indirect(sref, visit, &[tp, arg]);
        let r = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[r]);
        cx.b.switch_to_block(stop);
        let r = cx.b.block_params(stop)[0];
        cx.b.ins().return_(&[r]);
        Ok(())
    })?;
    let name_getter = |em: &mut Emitter, which: i32, sym: &str| {
        emit_fn(em, sym, "a name getter of the generator type", &[p, p], Some(p), move |cx, a| {
            let info = cx.b.ins().load(p, flags(), a[0], GEN_INFO);
            let s = cx.b.ins().load(p, flags(), info, which);
            let v = cx.call_prim(&prim::PY_UNICODE_FROM_STRING, &[s])?[0];
            cx.b.ins().return_(&[v]);
            Ok(())
        })
    };
    let get_name = name_getter(em, INFO_NAME, "pyc_aot_generator_name")?;
    let get_qualname = name_getter(em, INFO_QUALNAME, "pyc_aot_generator_qualname")?;
    let self_iter = em.import("PyObject_SelfIter", &[p], &[p])?;

    let methods = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let defs = [
        super::MethodDef { name: "send".into(), flags: super::METH_O, entry: send, doc: String::new() },
        super::MethodDef { name: "_pyc_aot_throw".into(), flags: super::METH_O, entry: throw, doc: String::new() },
        super::MethodDef { name: "_pyc_aot_resume".into(), flags: super::METH_O, entry: resume_with, doc: String::new() },
    ];
    super::define_method_table(em, methods, &defs)?;

    // PyMemberDef: gi_running, gi_yieldfrom (None when NULL).
    let members = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 120];
    for (k, (ty, off)) in [(T_BOOL, GEN_RUNNING), (T_OBJECT, GEN_DELEGATE)].into_iter().enumerate() {
        bytes[40 * k + 8..40 * k + 12].copy_from_slice(&ty.to_le_bytes());
        bytes[40 * k + 16..40 * k + 24].copy_from_slice(&i64::from(off).to_le_bytes());
        bytes[40 * k + 24..40 * k + 28].copy_from_slice(&READONLY.to_le_bytes());
    }
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    for (k, n) in ["gi_running", "gi_yieldfrom"].into_iter().enumerate() {
        let name = em.cstring(n)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr((40 * k) as u32, gv, 0);
    }
    em.module.define_data(members, &desc).map_err(|e| e.to_string())?;

    // PyGetSetDef: __name__, __qualname__ (read-only).
    let getset = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; 120].into_boxed_slice());
    for (k, (n, getter)) in [("__name__", get_name), ("__qualname__", get_qualname)].into_iter().enumerate() {
        let name = em.cstring(n)?;
        let gv = em.module.declare_data_in_data(name, &mut desc);
        desc.write_data_addr((40 * k) as u32, gv, 0);
        let fr = em.module.declare_func_in_data(getter, &mut desc);
        desc.write_function_addr((40 * k + 8) as u32, fr);
    }
    em.module.define_data(getset, &desc).map_err(|e| e.to_string())?;

    let slots = vec![
        (PY_TP_DEALLOC, Slot::Func(dealloc)),
        (PY_TP_FINALIZE, Slot::Func(finalize)),
        (PY_TP_TRAVERSE, Slot::Func(traverse)),
        (PY_TP_CLEAR, Slot::Func(clear)),
        (PY_TP_ITER, Slot::Func(self_iter)),
        (PY_TP_ITERNEXT, Slot::Func(iternext)),
        (PY_TP_METHODS, Slot::Data(methods)),
        (PY_TP_MEMBERS, Slot::Data(members)),
        (PY_TP_GETSET, Slot::Data(getset)),
    ];
    let table = slot_table(em, &slots)?;
    // PyType_Spec: name, basicsize, itemsize, flags, slots.
    let spec = em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
    let mut bytes = vec![0u8; 32];
    bytes[8..12].copy_from_slice(&GEN_FRAME.to_le_bytes());
    bytes[12..16].copy_from_slice(&8i32.to_le_bytes());
    let fl = TPFLAGS_DEFAULT | TPFLAGS_HAVE_GC | TPFLAGS_DISALLOW_INSTANTIATION;
    bytes[16..20].copy_from_slice(&fl.to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    // `builtins.generator`: `__module__` and `__name__` as CPython's (a
    // name without a dot would warn); `tp_name` is made `generator` after
    // (`make_type`), so messages naming the type are the interpreter's.
    let name = em.cstring("builtins.generator")?;
    let gv_name = em.module.declare_data_in_data(name, &mut desc);
    let gv_slots = em.module.declare_data_in_data(table, &mut desc);
    desc.write_data_addr(0, gv_name, 0);
    desc.write_data_addr(24, gv_slots, 0);
    em.module.define_data(spec, &desc).map_err(|e| e.to_string())?;
    Ok(Some(Emitted { spec }))
}

/// In the exec slot (after the helper table is filled): the type made,
/// kept in its slot, and set up by the Python helper. Leaves through
/// `fail` on error.
pub(super) fn make_type(cx: &mut FnCx, e: &Emitted, module: ir::Value, first_slot: usize, fail: ir::Block) -> R<()> {
    let check_null = |cx: &mut FnCx, v: ir::Value| {
        let bad = cx.is_null(v);
        let ok = cx.b.create_block();
        cx.b.ins().brif(bad, fail, &[], ok, &[]);
        cx.b.switch_to_block(ok);
    };
    let ty = super::make_uninstantiable_type(cx, e.spec, module)?;
    check_null(cx, ty);
    // `tp_name` (3.9–3.13: after the variable-size header) without the
    // module, as CPython's generator type's: `object of type 'generator'
    // has no len()`. The string is static data of the module, which lives
    // as long as the type.
    let short = cx.cstr("generator")?;
    cx.b.ins().store(flags(), short, ty, TP_NAME);
    // The slot keeps the type's reference for the life of the process.
    let slot = cx.em.class_slot(TYPE_SLOT)?;
    let slot = cx.data_addr(slot);
    cx.b.ins().store(flags(), ty, slot, 0);
    let r = call_helper(cx, first_slot, ty)?;
    check_null(cx, r);
    cx.decref(r)?;
    Ok(())
}
