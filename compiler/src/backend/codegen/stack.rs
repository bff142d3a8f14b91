//! The recursion guard against the thread's real C stack, and the bound on
//! traceback entries a deep error collects.
//!
//! A wrapper passes `sp - SOFT_BUDGET` as the limit: a cheap guess that costs
//! nothing on the fast path. Code about to go below the limit asks
//! `pyc_aot_stack_limit` (once per crossing, not per call) for the limit of
//! the thread it runs on: `RESERVE` bytes above the stack's low end, found with
//! `pthread_getattr_np` and cached for the current Python thread state, whose
//! id CPython never reuses (a new thread may get an old thread's stack
//! address with another size). Below that limit it raises RecursionError.
//!
//! A frame is only known to be small when it holds no large C array: a
//! function with `BIG_FRAME` bytes of arrays or more is never inlined or
//! taken into a wrapper, and its callers check its room before the call —
//! from inside such a frame even the call that would raise could fault.

use super::super::{Emitter, FnCx, R};
use super::op::OpCx;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, Linkage, Module};

/// Below the wrapper's stack pointer, bytes used before the real limit is asked for.
pub(crate) const SOFT_BUDGET: i64 = 32 << 10;
/// Bytes kept free at the stack's low end for what runs below the last check:
/// small frames without a check, raising the error, CPython's own calls.
const RESERVE: i64 = 64 << 10;
/// When the thread's stack cannot be learnt: the old rule, 1 MiB below the wrapper.
const FALLBACK: i64 = (1 << 20) - SOFT_BUDGET;
/// C arrays of this many bytes or more make a frame that callers check for.
pub(crate) const BIG_FRAME: u64 = 4 << 10;
/// Traceback entries native frames add to one exception (CPython keeps about
/// as many frames before its own RecursionError); the outermost compiled frame
/// always adds its own.
const TRACEBACK_ENTRIES: i64 = 1000;

/// Layout of the module's `pyc_aot_stack` data: cached thread state, its id,
/// the stack's low and high ends, traceback entries added to the current error.
const TSTATE: i32 = 0;
const TSTATE_ID: i32 = 8;
const LOW: i32 = 16;
const HIGH: i32 = 24;
const TB_COUNT: i32 = 32;
const STATE_BYTES: usize = 40;

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Declares the module's stack state, `pyc_aot_stack_limit(sp) -> limit`
/// and `pyc_aot_traceback(cache, name, file, line, globals)`.
pub(crate) fn declare(module: &mut cranelift_object::ObjectModule) -> R<(cranelift_module::FuncId, cranelift_module::DataId, cranelift_module::FuncId)> {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(ptr));
    let f = module.declare_function("pyc_aot_stack_limit", Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let d = module.declare_data("pyc_aot_stack", Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut sig = module.make_signature();
    sig.params.extend([ptr, ptr, ptr].map(AbiParam::new));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(ptr));
    let tb = module.declare_function("pyc_aot_traceback", Linkage::Local, &sig).map_err(|e| e.to_string())?;
    Ok((f, d, tb))
}

/// Defines what `declare` declared (once per object, whatever the variants).
pub(crate) fn define(em: &mut Emitter) -> R<()> {
    let mut desc = DataDescription::new();
    desc.define_zeroinit(STATE_BYTES);
    em.module.define_data(em.stack_state, &desc).map_err(|e| e.to_string())?;
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    sig.params.push(AbiParam::new(p));
    sig.returns.push(AbiParam::new(p));
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(3, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let sp = cx.b.block_params(entry)[0];
        let state = cx.em.stack_state;
        let st = cx.data_addr(state);
        let ts = cx.call_c("PyThreadState_Get", &[], &[p], &[])?[0];
        let id = cx.call_c("PyThreadState_GetID", &[p], &[types::I64], &[ts])?[0];
        let cached_ts = cx.b.ins().load(p, flags(), st, TSTATE);
        let cached_id = cx.b.ins().load(types::I64, flags(), st, TSTATE_ID);
        let same_ts = cx.b.ins().icmp(IntCC::Equal, ts, cached_ts);
        let same_id = cx.b.ins().icmp(IntCC::Equal, id, cached_id);
        let same = cx.b.ins().band(same_ts, same_id);
        let (cached, miss, got, store, ret, unknown) =
            (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(ret, p);
        cx.b.ins().brif(same, cached, &[], miss, &[]);

        let inside = |cx: &mut FnCx, lo: Value, hi: Value| {
            let above = cx.b.ins().icmp(IntCC::UnsignedGreaterThan, sp, lo);
            let below = cx.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, sp, hi);
            cx.b.ins().band(above, below)
        };
        cx.b.switch_to_block(cached);
        let lo = cx.b.ins().load(p, flags(), st, LOW);
        let hi = cx.b.ins().load(p, flags(), st, HIGH);
        let ok = inside(&mut cx, lo, hi);
        cx.b.ins().brif(ok, ret, &[BlockArg::Value(lo)], unknown, &[]);

        cx.b.switch_to_block(miss);
        // pthread_attr_t is 56 bytes on x86-64 and 64 on aarch64 glibc.
        let attr = cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 128, 4));
        let out = cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        let zero = cx.b.ins().iconst(p, 0);
        cx.b.ins().stack_store(p, zero, out, 0);
        cx.b.ins().stack_store(p, zero, out, 8);
        let attr_addr = cx.b.ins().stack_addr(p, attr, 0);
        let me = cx.call_c("pthread_self", &[], &[p], &[])?[0];
        let rc = cx.call_c("pthread_getattr_np", &[p, p], &[types::I32], &[me, attr_addr])?[0];
        cx.b.ins().brif(rc, unknown, &[], got, &[]);

        cx.b.switch_to_block(got);
        let addr = cx.b.ins().stack_addr(p, out, 0);
        let size = cx.b.ins().stack_addr(p, out, 8);
        cx.call_c("pthread_attr_getstack", &[p, p, p], &[types::I32], &[attr_addr, addr, size])?;
        cx.call_c("pthread_attr_destroy", &[p], &[types::I32], &[attr_addr])?;
        let lo = cx.b.ins().stack_load(p, p, out, 0);
        let size = cx.b.ins().stack_load(p, p, out, 8);
        let hi = cx.b.ins().iadd(lo, size);
        let ok = inside(&mut cx, lo, hi);
        cx.b.ins().brif(ok, store, &[], unknown, &[]);

        cx.b.switch_to_block(store);
        cx.b.ins().store(flags(), ts, st, TSTATE);
        cx.b.ins().store(flags(), id, st, TSTATE_ID);
        cx.b.ins().store(flags(), lo, st, LOW);
        cx.b.ins().store(flags(), hi, st, HIGH);
        cx.b.ins().jump(ret, &[BlockArg::Value(lo)]);

        cx.b.switch_to_block(ret);
        let lo = cx.b.block_params(ret)[0];
        let limit = cx.b.ins().iadd_imm_s(lo, RESERVE);
        cx.b.ins().return_(&[limit]);

        // On a stack pthreads does not know (a coroutine library's, say).
        cx.b.switch_to_block(unknown);
        let limit = cx.b.ins().iadd_imm_s(sp, -FALLBACK);
        cx.b.ins().return_(&[limit]);

        let FnCx { em, mut b, .. } = cx;
        b.seal_all_blocks();
        b.finalize(em.module.isa().frontend_config());
    }
    let id = em.stack_limit_fn;
    em.define(id, func, "pyc_aot_stack_limit")?;
    define_traceback(em)
}

/// Bytes of a traceback site's cache: the line last added, its code object.
const SITE_LINE: i32 = 0;
const SITE_CODE: i32 = 8;
const SITE_BYTES: usize = 16;

/// `pyc_aot_traceback(cache, name, file, line, globals)`: the traceback
/// entry `_PyTraceback_Add` would add, as Cython adds its own: a frame of an
/// empty code object whose first line is `line` (the line a fresh frame
/// reports on 3.9–3.13), the code object kept in the site's cache while the
/// site fails on the same line, so a raise caught in a loop makes no code
/// object (`_PyTraceback_Add` makes one and a globals dict every time).
/// Without the module's dict (not yet set), `_PyTraceback_Add` itself.
fn define_traceback(em: &mut Emitter) -> R<()> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    sig.params.extend([p, p, p].map(AbiParam::new));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(p));
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(3, 1), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let [cache, fname, file, line, globals] = [0, 1, 2, 3, 4].map(|i| cx.b.block_params(entry)[i]);
        let (plain, cached, miss, made, have) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(have, p);
        let no_globals = cx.is_null(globals);
        cx.b.ins().brif(no_globals, plain, &[], cached, &[]);

        cx.b.switch_to_block(plain);
        cx.call_c("_PyTraceback_Add", &[p, p, types::I32], &[], &[fname, file, line])?;
        cx.b.ins().return_(&[]);

        cx.b.switch_to_block(cached);
        let code = cx.b.ins().load(p, flags(), cache, SITE_CODE);
        let last = cx.b.ins().load(types::I32, flags(), cache, SITE_LINE);
        let has = cx.b.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
        let same = cx.b.ins().icmp(IntCC::Equal, last, line);
        let hit = cx.b.ins().band(has, same);
        cx.b.ins().brif(hit, have, &[BlockArg::Value(code)], miss, &[]);

        // The error set is put aside while the code object is made: decoding
        // the file name may run a codec written in Python.
        cx.b.switch_to_block(miss);
        let slot = cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 24, 3));
        let addrs = [0, 8, 16].map(|k| cx.b.ins().stack_addr(p, slot, k));
        cx.call_c("PyErr_Fetch", &[p, p, p], &[], &addrs)?;
        let fresh = cx.call_c("PyCode_NewEmpty", &[p, p, types::I32], &[p], &[file, fname, line])?[0];
        let [t, v, tb] = [0, 8, 16].map(|k| cx.b.ins().stack_load(p, p, slot, k));
        cx.call_c("PyErr_Restore", &[p, p, p], &[], &[t, v, tb])?;
        let failed = cx.is_null(fresh);
        let gone = cx.b.create_block();
        cx.b.ins().brif(failed, gone, &[], made, &[]);
        cx.b.switch_to_block(gone);
        cx.b.ins().return_(&[]);

        cx.b.switch_to_block(made);
        let (drop_old, stored) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().store(flags(), fresh, cache, SITE_CODE);
        cx.b.ins().store(flags(), line, cache, SITE_LINE);
        cx.b.ins().brif(has, drop_old, &[], stored, &[]);
        cx.b.switch_to_block(drop_old);
        cx.decref(code)?;
        cx.b.ins().jump(stored, &[]);
        cx.b.switch_to_block(stored);
        cx.b.ins().jump(have, &[BlockArg::Value(fresh)]);

        cx.b.switch_to_block(have);
        let code = cx.b.block_params(have)[0];
        let ts = cx.call_c("PyThreadState_Get", &[], &[p], &[])?[0];
        let null = cx.b.ins().iconst(p, 0);
        let frame = cx.call_c("PyFrame_New", &[p, p, p, p], &[p], &[ts, code, globals, null])?[0];
        let (add, done) = (cx.b.create_block(), cx.b.create_block());
        let no_frame = cx.is_null(frame);
        cx.b.ins().brif(no_frame, done, &[], add, &[]);
        cx.b.switch_to_block(add);
        if let Some(back) = cx.em.py.linked_frame_back() {
            // Unlinked as 3.11+ leaves it: the running Python frame (a
            // generator helper's, holding the generator) kept alive by the
            // error's traceback made cycles through objects 3.9's collector
            // cannot see into.
            let running = cx.b.ins().load(p, flags(), frame, back);
            let null = cx.b.ins().iconst(p, 0);
            cx.b.ins().store(flags(), null, frame, back);
            super::xdecref(&mut cx, running)?;
        }
        cx.call_c("PyTraceBack_Here", &[p], &[types::I32], &[frame])?;
        cx.decref(frame)?;
        cx.b.ins().jump(done, &[]);
        cx.b.switch_to_block(done);
        cx.b.ins().return_(&[]);

        let FnCx { em, mut b, .. } = cx;
        b.seal_all_blocks();
        b.finalize(em.module.isa().frontend_config());
    }
    let id = em.traceback_fn;
    em.define(id, func, "pyc_aot_traceback")
}

/// A call of `pyc_aot_traceback` for one site (its own cache).
fn add_entry(cx: &mut FnCx, fname: Value, file: Value, line: Value) -> R<()> {
    let p = cx.em.ptr;
    let site = cx.em.module.declare_anonymous_data(true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define_zeroinit(SITE_BYTES);
    cx.em.module.define_data(site, &desc).map_err(|e| e.to_string())?;
    let cache = cx.data_addr(site);
    let dict = cx.em.module_dict_slot()?;
    let dict = cx.data_addr(dict);
    let globals = cx.b.ins().load(p, flags(), dict, 0);
    let f = cx.em.traceback_fn;
    let r = cx.func_ref(f);
    cx.b.ins().call(r, &[cache, fname, file, line, globals]);
    Ok(())
}

/// `check_gil` in code holding the GIL.
pub(crate) fn check(cx: &mut FnCx, low: Value, limit: Value) -> R<(Block, Block)> {
    check_gil(cx, low, limit, false)
}

/// Whether `low`, the lowest stack address about to be used, keeps above the
/// limit. Returns the block reached when it does, whose parameter is the
/// limit to pass on (the real one once asked for), and the block, with
/// RecursionError set, the caller leaves through: the builder is left in it.
/// Code that may run without the GIL (`nogil`) takes it to ask for the
/// limit (it reads the thread state) and to raise.
pub(crate) fn check_gil(cx: &mut FnCx, low: Value, limit: Value, nogil: bool) -> R<(Block, Block)> {
    let p = cx.em.ptr;
    let (slow, fail, cont) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(slow);
    cx.b.set_cold_block(fail);
    cx.b.append_block_param(cont, p);
    let over = cx.b.ins().icmp(IntCC::UnsignedLessThan, low, limit);
    cx.b.ins().brif(over, slow, &[], cont, &[BlockArg::Value(limit)]);
    cx.b.switch_to_block(slow);
    let sp = cx.b.ins().get_stack_pointer(p);
    let f = cx.em.stack_limit_fn;
    let r = cx.func_ref(f);
    let gil = if nogil { Some(cx.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0]) } else { None };
    let inst = cx.b.ins().call(r, &[sp]);
    let real = cx.b.inst_results(inst)[0];
    if let Some(g) = gil {
        cx.call_c("PyGILState_Release", &[types::I32], &[], &[g])?;
    }
    let still = cx.b.ins().icmp(IntCC::UnsignedLessThan, low, real);
    cx.b.ins().brif(still, fail, &[], cont, &[BlockArg::Value(real)]);
    cx.b.switch_to_block(fail);
    let exc = cx.py_data("PyExc_RecursionError")?;
    let exc = cx.b.ins().load(p, flags(), exc, 0);
    let msg = cx.cstr("maximum recursion depth exceeded")?;
    let gil = if nogil { Some(cx.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0]) } else { None };
    cx.call_c("PyErr_SetString", &[p, p], &[], &[exc, msg])?;
    if let Some(g) = gil {
        cx.call_c("PyGILState_Release", &[types::I32], &[], &[g])?;
    }
    Ok((cont, fail))
}

/// Adds a traceback entry unless this error already has its share; the
/// wrapper that returns the error, or an `except` catching it, resets the
/// count (`reset_traceback_count`).
pub(crate) fn bounded_traceback(cx: &mut FnCx, fname: Value, file: Value, line: Value) -> R<()> {
    let state = cx.em.stack_state;
    let st = cx.data_addr(state);
    let n = cx.b.ins().load(types::I64, flags(), st, TB_COUNT);
    let next = cx.b.ins().iadd_imm_s(n, 1);
    cx.b.ins().store(flags(), next, st, TB_COUNT);
    let room = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, TRACEBACK_ENTRIES);
    let (add, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(add);
    cx.b.set_cold_block(done);
    cx.b.ins().brif(room, add, &[], done, &[]);
    cx.b.switch_to_block(add);
    add_entry(cx, fname, file, line)?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(())
}

/// A wrapper returning an error to Python, or an `except` catching one: the
/// next error starts counting afresh.
pub(crate) fn reset_traceback_count(cx: &mut FnCx) {
    let state = cx.em.stack_state;
    let st = cx.data_addr(state);
    let zero = cx.b.ins().iconst(types::I64, 0);
    cx.b.ins().store(flags(), zero, st, TB_COUNT);
}

impl OpCx<'_, '_, '_> {
    /// Before calling a function whose frame takes `bytes` (a big one):
    /// RecursionError unless the stack has room for it below `limit`; the
    /// limit to pass it.
    pub(crate) fn room_for(&mut self, bytes: i64, limit: Value) -> R<Value> {
        let sp = self.cx.b.ins().get_stack_pointer(self.cx.em.ptr);
        let low = self.cx.b.ins().iadd_imm_s(sp, -bytes);
        let (cont, fail) = check_gil(self.cx, low, limit, self.directives.nogil)?;
        self.cx.b.seal_block(fail);
        self.jump_to_error();
        self.enter(cont);
        Ok(self.cx.b.block_params(cont)[0])
    }

    /// Adds the traceback entry of function `name` in `file` at `line`:
    /// `always` for the outermost compiled frame of a wrapper, else within
    /// the bound of `bounded_traceback`.
    pub(crate) fn add_traceback(&mut self, name: &str, file: &str, line: Value, always: bool) -> R<()> {
        let fname = self.cx.cstr(name)?;
        let file = self.cx.cstr(file)?;
        self.holding_gil(|o| {
            if always {
                return add_entry(o.cx, fname, file, line);
            }
            bounded_traceback(o.cx, fname, file, line)
        })
    }
}
