//! A `prange` loop on GNU OpenMP's thread team (libgomp, the runtime Cython
//! uses): the trip count, an environment on the stack (the range, the trip
//! count, the chunk size, the threads' partials, the first error and its
//! exception, the outlined body's arguments), `GOMP_parallel` running this
//! loop's team function on every thread with the GIL released, then the
//! first error raised or the partials combined in thread order. A loop
//! sharing a parallel block's team calls the team function on each of the
//! block's threads instead, with its own environment.
//!
//! The team function (one per outlined body) gives its thread a Python
//! thread state for the call and asks for its stack limit
//! (`PyGILState_Ensure`, then the GIL released:
//! the body takes the GIL only to set an exception, and the exception is
//! kept until it is fetched), runs its chunks (static: blocks of
//! `chunksize`, or one block per thread, dealt round-robin; dynamic and
//! guided: `GOMP_loop_*_start/next`), each a call of the outlined body over
//! `range(lo, hi, step)`, stops at the first error of any thread, and stores
//! its partial. The first thread to fail keeps its exception for the loop to
//! raise; the others' are cleared.

use super::super::{FnCx, R};
use super::flags;
use super::op::OpCx;
use crate::hir::{ArithOp, FuncId, Schedule};
use crate::mir::body::SSIZE;
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, AbiParam, BlockArg, InstBuilder, StackSlotData, StackSlotKind, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{Linkage, Module};

/// Threads one loop runs on at most (its partials live on the stack).
const MAX_THREADS: i64 = 256;

// The environment's slots (8 bytes each).
const START: i32 = 0;
const STEP: i32 = 8;
const COUNT: i32 = 16;
const CHUNK: i32 = 24;
const PARTIALS: i32 = 32;
const FAILED: i32 = 40;
const EXC: i32 = 48;
const STOP: i32 = 72;
/// The thread that ran the range's last trip (for the lastprivate locals).
const LAST: i32 = 80;
/// The stack limit of the thread that starts the loop (the team's thread 0,
/// or with `workshare` the thread the environment belongs to).
const LIMIT: i32 = 88;
const ARGS: i32 = 96;

/// What the team function needs to know of its loop.
pub(crate) struct Team {
    pub func: FuncId,
    pub schedule: Schedule,
    /// The reductions' combining operations and types.
    pub reductions: Vec<(ArithOp, Ty)>,
    /// Per reduction, the module-level C variable its combined value is
    /// stored to (`mir::body::BodyOp::Parallel`'s `stores`).
    pub stores: Vec<Option<String>>,
    /// The lastprivate locals' types: their copies' slot arrays follow the reductions'.
    pub lasts: Vec<Ty>,
    pub var_ty: Ty,
    /// `mir::body::BodyOp::Parallel`'s `leaves` and `workshare`.
    pub leaves: Option<Option<Ty>>,
    pub workshare: bool,
}

impl Team {
    /// Whether the first reduction's partial travels by value through the
    /// outlined body (a module C variable's always lives in its slots).
    fn first_by_value(&self) -> bool {
        !self.reductions.is_empty() && self.stores.first().is_none_or(Option::is_none)
    }

    /// The partial slots' arrays (MAX_THREADS slots of 8 bytes each): one
    /// per reduction, one per lastprivate local, then, for a body that
    /// leaves the loop, how each thread left, its loop variable then, its
    /// returned value, and the stop flag (its first slot, shared).
    fn slot_arrays(&self) -> usize {
        let exits = self.leaves.map_or(0, |value| 3 + usize::from(value.is_some()));
        (self.exit_base() + exits).max(1)
    }

    /// The first exit slot array's number.
    fn exit_base(&self) -> usize {
        self.reductions.len() + self.lasts.len()
    }

    /// The element types of the exit slots' arrays, from the first.
    fn exit_slots(&self) -> Vec<Ty> {
        let Some(value) = self.leaves else { return vec![] };
        [Some(Ty::Int(SSIZE)), Some(self.var_ty)].into_iter().chain([value, Some(Ty::Int(SSIZE))]).flatten().collect()
    }
}

/// The identity of the reduction's combining operation as a value of `ty`.
fn identity(cx: &mut FnCx, op: ArithOp, ty: Ty) -> R<Value> {
    let t = super::super::clif_type(ty).ok_or("a reduction without a machine type")?;
    let one = op == ArithOp::Mul;
    Ok(match ty {
        // -0.0 + x is x for every x: a thread's partial is its trips' exact sum.
        Ty::Float(32) => cx.b.ins().f32const(if one { 1.0 } else { -0.0 }),
        Ty::Float(_) => cx.b.ins().f64const(if one { 1.0 } else { -0.0 }),
        // Every bit set, in the type's width.
        _ if op == ArithOp::BitAnd => cx.b.ins().iconst(t, if t.bits() >= 64 { -1 } else { (1i64 << t.bits()) - 1 }),
        _ => cx.b.ins().iconst(t, i64::from(one)),
    })
}

impl OpCx<'_, '_, '_> {
    /// The loop (`BodyOp::Parallel`): `a` is start, stop, step, the loop
    /// variable, the thread count and chunk size when given, the reductions'
    /// values, then the shared locals. The variable's last value, whether a
    /// trip ran, and the reductions' combined values.
    /// A loop variable narrower than 64 bits also gets the counter after the
    /// last trip (`start` when none ran), for the check of a cut range.
    pub(crate) fn parallel(&mut self, team: &Team, a: &[Value], threads: bool, chunk: bool) -> R<Vec<Value>> {
        let narrow = matches!(team.var_ty, Ty::Int(t) if t.bits < 64);
        let p = self.cx.em.ptr;
        let (&limit, a) = a.split_last().ok_or("a prange without its stack limit")?;
        let (start, stop, step, var) = (a[0], a[1], a[2], a[3]);
        let mut k = 4;
        let mut next = |given: bool| {
            let v = given.then(|| a[k]);
            k += usize::from(given);
            v
        };
        let (threads, chunk) = (next(threads), next(chunk));
        let reductions = team.reductions.len();
        let lasts = team.lasts.len();
        let inits = a.get(k..k + reductions).ok_or("a reduction without its value")?;
        let last_inits = a.get(k + reductions..k + reductions + lasts).ok_or("a lastprivate local without its value")?;
        // The body's arguments: the first reduction's value, then the shared locals.
        let args: Vec<Value> = inits.iter().take(usize::from(team.first_by_value())).chain(&a[k + reductions + lasts..]).copied().collect();
        self.check_range_step(step)?;
        let n = self.trip_count(start, stop, step);
        let (run, join) = (self.cx.b.create_block(), self.cx.b.create_block());
        let var_t = self.cx.b.func.dfg.value_type(var);
        self.cx.b.append_block_param(join, var_t);
        self.cx.b.append_block_param(join, types::I8);
        if narrow {
            self.cx.b.append_block_param(join, types::I64);
        }
        for v in inits.iter().chain(last_inits) {
            let t = self.cx.b.func.dfg.value_type(*v);
            self.cx.b.append_block_param(join, t);
        }
        let any = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, n, 0);
        let no = self.cx.b.ins().iconst(types::I8, 0);
        let mut skip: Vec<Value> = [var, no].into_iter().chain(narrow.then_some(start)).chain(inits.iter().copied()).chain(last_inits.iter().copied()).collect();
        let exit_types = match team.leaves {
            Some(value) => {
                let value_t = value.map(|ty| super::super::clif_type(ty).ok_or("a returned value without a machine type")).transpose()?;
                let types_ = [types::I8, types::I8, var_t].into_iter().chain(value_t).collect::<Vec<_>>();
                for t in &types_ {
                    self.cx.b.append_block_param(join, *t);
                }
                // Nothing left the loop: the values are not read.
                skip.extend([no, no, var]);
                skip.extend(value_t.map(|t| zero_of(self.cx, t)));
                Some(value_t)
            }
            None => None,
        };
        let skip: Vec<BlockArg> = skip.into_iter().map(BlockArg::Value).collect();
        self.cx.b.ins().brif(any, run, &[], join, &skip);
        self.enter(run);

        // The team: as many threads as asked for (OpenMP's default when not
        // positive), at most MAX_THREADS; sharing a block's team, that team.
        let size = if team.workshare { "omp_get_num_threads" } else { "omp_get_max_threads" };
        let mut t = self.call_c(size, &[], &[types::I32], &[])?[0];
        t = self.cx.b.ins().sextend(types::I64, t);
        if let (Some(asked), false) = (threads, team.workshare) {
            let asked = asked;
            let positive = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, asked, 0);
            t = self.cx.b.ins().select(positive, asked, t);
        }
        let max = self.cx.b.ins().iconst(types::I64, MAX_THREADS);
        t = self.cx.b.ins().smin(t, max);
        let one = self.cx.b.ins().iconst(types::I64, 1);
        t = self.cx.b.ins().smax(t, one);

        let env = self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, ARGS as u32 + 8 * args.len() as u32, 3));
        // Each reduction's partials: MAX_THREADS slots of 8 bytes.
        let slots = 8 * MAX_THREADS as u32 * team.slot_arrays() as u32;
        let partials = self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, slots, 3));
        let env_addr = self.cx.b.ins().stack_addr(p, env, 0);
        let partials_addr = self.cx.b.ins().stack_addr(p, partials, 0);
        let zero = self.cx.b.ins().iconst(types::I64, 0);
        let chunk = match chunk {
            Some(c) => c,
            None => zero,
        };
        for (v, at) in [(start, START), (step, STEP), (n, COUNT), (chunk, CHUNK), (partials_addr, PARTIALS), (zero, FAILED), (zero, EXC), (zero, EXC + 8), (zero, EXC + 16), (stop, STOP), (zero, LAST), (limit, LIMIT)] {
            self.cx.b.ins().store(flags(), v, env_addr, at);
        }
        for (i, v) in args.iter().enumerate() {
            self.cx.b.ins().store(flags(), *v, env_addr, ARGS + 8 * i as i32);
        }
        let slots_of = |o: &mut Self, j: usize| if j == 0 { partials_addr } else { o.cx.b.ins().iadd_imm_s(partials_addr, 8 * MAX_THREADS * j as i64) };
        for (j, (&(op, ty), &init)) in team.reductions.iter().zip(inits).enumerate() {
            // Thread 0 goes on from the value before the loop, the others
            // from the identity; a thread the team does not get adds nothing.
            let id = identity(self.cx, op, ty)?;
            let mine = slots_of(self, j);
            self.fill_partials(mine, t, id)?;
            self.cx.b.ins().store(flags(), init, mine, 0);
        }
        for (j, &init) in last_inits.iter().enumerate() {
            // Every thread's copy starts from the value before the loop (firstprivate).
            let mine = slots_of(self, reductions + j);
            self.fill_partials(mine, t, init)?;
        }
        if team.leaves.is_some() {
            // No thread has left, and the stop flag is down.
            let how = slots_of(self, team.exit_base());
            self.fill_partials(how, t, zero)?;
            let stop_flag = slots_of(self, team.exit_base() + team.exit_slots().len() - 1);
            self.cx.b.ins().store(flags(), zero, stop_flag, 0);
        }

        let team_fn = self.team_function(team, &args)?;
        let r = self.cx.func_ref(team_fn);
        let fn_addr = self.cx.b.ins().func_addr(p, r);
        // The team runs without the GIL: released here if this thread holds it.
        let held = self.call_c("PyGILState_Check", &[], &[types::I32], &[])?[0];
        let (save, call) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(call, p);
        let none = self.cx.b.ins().iconst(p, 0);
        self.cx.b.ins().brif(held, save, &[], call, &[BlockArg::Value(none)]);
        self.enter(save);
        let ts = self.call_c("PyEval_SaveThread", &[], &[p], &[])?[0];
        self.cx.b.ins().jump(call, &[BlockArg::Value(ts)]);
        self.enter(call);
        let ts = self.cx.b.block_params(call)[0];
        if team.workshare {
            // Every thread of the block's team runs its own share here.
            let r = self.cx.func_ref(team_fn);
            self.cx.b.ins().call(r, &[env_addr]);
        } else {
            let t32 = self.cx.b.ins().ireduce(types::I32, t);
            let no_flags = self.cx.b.ins().iconst(types::I32, 0);
            self.call_c("GOMP_parallel", &[p, p, types::I32, types::I32], &[], &[fn_addr, env_addr, t32, no_flags])?;
        }
        let (restore, after) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().brif(ts, restore, &[], after, &[]);
        self.enter(restore);
        self.call_c("PyEval_RestoreThread", &[p], &[], &[ts])?;
        self.cx.b.ins().jump(after, &[]);
        self.enter(after);

        // The first error, raised here.
        let failed = self.cx.b.ins().load(types::I64, flags(), env_addr, FAILED);
        let (raise, ok) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(raise);
        self.cx.b.ins().brif(failed, raise, &[], ok, &[]);
        self.enter(raise);
        // The module-level C variables reduced get the threads' partials
        // even so (OpenMP combines a reduction at the region's end).
        self.store_reductions(team, t, &slots_of)?;
        let exc: Vec<Value> = (0..3).map(|i| self.cx.b.ins().load(p, flags(), env_addr, EXC + 8 * i)).collect();
        self.holding_gil(|o| o.call_c("PyErr_Restore", &[p, p, p], &[], &exc).map(|_| ()))?;
        self.jump_to_error();
        self.enter(ok);

        let nm1 = self.cx.b.ins().iadd_imm_s(n, -1);
        let span = self.cx.b.ins().imul(nm1, step);
        let mut last = self.cx.b.ins().iadd(start, span);
        if var_t != types::I64 {
            last = self.cx.b.ins().ireduce(var_t, last);
        }
        let yes = self.cx.b.ins().iconst(types::I8, 1);
        let mut out = vec![last, yes];
        if narrow {
            let span = self.cx.b.ins().imul(n, step);
            out.push(self.cx.b.ins().iadd(start, span));
        }
        for (j, &(op, ty)) in team.reductions.iter().enumerate() {
            let mine = slots_of(self, j);
            let v = self.combine(op, ty, mine, t)?;
            if let Some(Some(symbol)) = team.stores.get(j) {
                self.c_global_store(symbol, ty, v)?;
            }
            out.push(v);
        }
        // The thread whose copies the lastprivate locals take: the one that
        // left the loop first (in thread order), else the one that ran the last trip.
        let last_thread = self.cx.b.ins().load(types::I64, flags(), env_addr, LAST);
        let mut exit_values = vec![];
        let mut from = last_thread;
        if let Some(value_t) = exit_types {
            let how = slots_of(self, team.exit_base());
            exit_values = self.first_exit(how, t, var_t, value_t)?;
            let k = exit_values.pop().ok_or("an exit without its thread")?;
            let left = exit_values[0];
            from = self.cx.b.ins().select(left, k, last_thread);
        }
        let from = self.cx.b.ins().ishl_imm_s(from, 3);
        for (j, &ty) in team.lasts.iter().enumerate() {
            let ct = super::super::clif_type(ty).ok_or("a lastprivate local without a machine type")?;
            let slots = slots_of(self, reductions + j);
            let at = self.cx.b.ins().iadd(slots, from);
            out.push(self.cx.b.ins().load(ct, flags(), at, 0));
        }
        out.extend(exit_values);
        let out_args: Vec<BlockArg> = out.into_iter().map(BlockArg::Value).collect();
        self.cx.b.ins().jump(join, &out_args);
        self.enter(join);
        Ok(self.cx.b.block_params(join).to_vec())
    }

    /// Whether a thread left the loop, whether by `return`, the loop
    /// variable then and the returned value: those of the first thread (in
    /// thread order) whose `how` slot is set; `how` is the first exit array.
    fn first_exit(&mut self, how: Value, t: Value, var_t: ir::Type, value_t: Option<ir::Type>) -> R<Vec<Value>> {
        let (header, body, found, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(header, types::I64);
        for t in [types::I8, types::I8, var_t].into_iter().chain(value_t).chain([types::I64]) {
            self.cx.b.append_block_param(done, t);
        }
        let zero_k = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.ins().jump(header, &[BlockArg::Value(zero_k)]);
        self.cx.b.switch_to_block(header);
        let k = self.cx.b.block_params(header)[0];
        let more = self.cx.b.ins().icmp(IntCC::SignedLessThan, k, t);
        let no = self.cx.b.ins().iconst(types::I8, 0);
        let mut none: Vec<Value> = vec![no, no, zero_of(self.cx, var_t)];
        none.extend(value_t.map(|t| zero_of(self.cx, t)));
        none.push(k);
        let none: Vec<BlockArg> = none.into_iter().map(BlockArg::Value).collect();
        self.cx.b.ins().brif(more, body, &[], done, &none);
        self.enter(body);
        let off = self.cx.b.ins().ishl_imm_s(k, 3);
        let at = self.cx.b.ins().iadd(how, off);
        let h = self.cx.b.ins().load(types::I64, flags(), at, 0);
        let k1 = self.cx.b.ins().iadd_imm_s(k, 1);
        self.cx.b.ins().brif(h, found, &[], header, &[BlockArg::Value(k1)]);
        self.cx.b.seal_block(header);
        self.enter(found);
        let yes = self.cx.b.ins().iconst(types::I8, 1);
        let returned = self.cx.b.ins().icmp_imm_s(IntCC::Equal, h, 2);
        let var = self.cx.b.ins().load(var_t, flags(), at, 8 * MAX_THREADS as i32);
        let mut out = vec![yes, returned, var];
        if let Some(vt) = value_t {
            out.push(self.cx.b.ins().load(vt, flags(), at, 16 * MAX_THREADS as i32));
        }
        out.push(k);
        let out: Vec<BlockArg> = out.into_iter().map(BlockArg::Value).collect();
        self.cx.b.ins().jump(done, &out);
        self.enter(done);
        Ok(self.cx.b.block_params(done).to_vec())
    }

    /// `len(range(start, stop, step))` for a step that is not zero.
    fn trip_count(&mut self, start: Value, stop: Value, step: Value) -> Value {
        let b = &mut self.cx.b;
        let up = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
        let zero = b.ins().iconst(types::I64, 0);
        // Distances as unsigned: they fit even across the whole 64-bit range.
        let d_up = b.ins().isub(stop, start);
        let d_up = b.ins().iadd_imm_s(d_up, -1);
        let n_up = b.ins().udiv(d_up, step);
        let n_up = b.ins().iadd_imm_s(n_up, 1);
        let has_up = b.ins().icmp(IntCC::SignedGreaterThan, stop, start);
        let n_up = b.ins().select(has_up, n_up, zero);
        let d_down = b.ins().isub(start, stop);
        let d_down = b.ins().iadd_imm_s(d_down, -1);
        let neg = b.ins().ineg(step);
        let n_down = b.ins().udiv(d_down, neg);
        let n_down = b.ins().iadd_imm_s(n_down, 1);
        let has_down = b.ins().icmp(IntCC::SignedGreaterThan, start, stop);
        let n_down = b.ins().select(has_down, n_down, zero);
        b.ins().select(up, n_up, n_down)
    }

    /// Every partial slot of the `t` threads set to `v`.
    fn fill_partials(&mut self, partials: Value, t: Value, v: Value) -> R<()> {
        let (header, body, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(header, types::I64);
        let zero = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.ins().jump(header, &[BlockArg::Value(zero)]);
        self.cx.b.switch_to_block(header);
        let k = self.cx.b.block_params(header)[0];
        let more = self.cx.b.ins().icmp(IntCC::SignedLessThan, k, t);
        self.cx.b.ins().brif(more, body, &[], done, &[]);
        self.enter(body);
        let off = self.cx.b.ins().ishl_imm_s(k, 3);
        let at = self.cx.b.ins().iadd(partials, off);
        self.cx.b.ins().store(flags(), v, at, 0);
        let k1 = self.cx.b.ins().iadd_imm_s(k, 1);
        self.cx.b.ins().jump(header, &[BlockArg::Value(k1)]);
        self.cx.b.seal_block(header);
        self.enter(done);
        Ok(())
    }

    /// The partials of each reduction of a module-level C variable combined
    /// and stored to it.
    fn store_reductions(&mut self, team: &Team, t: Value, slots_of: &dyn Fn(&mut Self, usize) -> Value) -> R<()> {
        for (j, &(op, ty)) in team.reductions.iter().enumerate() {
            if let Some(Some(symbol)) = team.stores.get(j) {
                let mine = slots_of(self, j);
                let v = self.combine(op, ty, mine, t)?;
                self.c_global_store(symbol, ty, v)?;
            }
        }
        Ok(())
    }

    /// The partials of the `t` threads combined in thread order, with the
    /// operation's own checks (an integer overflow raises as in the loop).
    fn combine(&mut self, op: ArithOp, ty: Ty, partials: Value, t: Value) -> R<Value> {
        let ct = super::super::clif_type(ty).ok_or("a reduction without a machine type")?;
        let first = self.cx.b.ins().load(ct, flags(), partials, 0);
        let (header, body, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(header, types::I64);
        self.cx.b.append_block_param(header, ct);
        self.cx.b.append_block_param(done, ct);
        let one = self.cx.b.ins().iconst(types::I64, 1);
        self.cx.b.ins().jump(header, &[BlockArg::Value(one), BlockArg::Value(first)]);
        self.cx.b.switch_to_block(header);
        let (k, acc) = (self.cx.b.block_params(header)[0], self.cx.b.block_params(header)[1]);
        let more = self.cx.b.ins().icmp(IntCC::SignedLessThan, k, t);
        self.cx.b.ins().brif(more, body, &[], done, &[BlockArg::Value(acc)]);
        self.enter(body);
        let off = self.cx.b.ins().ishl_imm_s(k, 3);
        let at = self.cx.b.ins().iadd(partials, off);
        let part = self.cx.b.ins().load(ct, flags(), at, 0);
        let acc = match ty {
            Ty::Int(it) => self.int_binary(op, acc, part, it)?,
            Ty::Bool => return Err("a bint reduction".into()),
            _ => self.float_binary(op, acc, part, ty, None)?,
        };
        let k1 = self.cx.b.ins().iadd_imm_s(k, 1);
        self.cx.b.ins().jump(header, &[BlockArg::Value(k1), BlockArg::Value(acc)]);
        self.cx.b.seal_block(header);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// The team function of `team`'s loop, defined on first use: the body's
    /// arguments are read back from the environment with the types of `args`.
    fn team_function(&mut self, team: &Team, args: &[Value]) -> R<cranelift_module::FuncId> {
        if let Some(id) = self.cx.em.teams.get(&team.func) {
            return Ok(*id);
        }
        let arg_types: Vec<ir::Type> = args.iter().map(|v| self.cx.b.func.dfg.value_type(*v)).collect();
        let em = &mut *self.cx.em;
        let p = em.ptr;
        let mut sig = em.module.make_signature();
        sig.params.push(AbiParam::new(p));
        let name = em.symbol(&format!("pyc_aot_team_{}", team.func.0));
        let id = em.module.declare_function(&name, Linkage::Local, &sig).map_err(|e| e.to_string())?;
        em.teams.insert(team.func, id);
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(4, team.func.0), sig);
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
            build_team(&mut cx, team, &arg_types)?;
            let FnCx { em, mut b, .. } = cx;
            b.seal_all_blocks();
            b.finalize(em.module.isa().frontend_config());
        }
        self.cx.em.define(id, func, &name)?;
        Ok(id)
    }
}

/// The team function's body (see the module's comment).
fn build_team(cx: &mut FnCx, team: &Team, arg_types: &[ir::Type]) -> R<()> {
    let p = cx.em.ptr;
    let entry = cx.b.create_block();
    cx.b.append_block_params_for_function_params(entry);
    cx.b.switch_to_block(entry);
    let env = cx.b.block_params(entry)[0];
    let tid = cx.call_c("omp_get_thread_num", &[], &[types::I32], &[])?[0];
    let tid = cx.b.ins().sextend(types::I64, tid);
    let nth = cx.call_c("omp_get_num_threads", &[], &[types::I32], &[])?[0];
    let nth = cx.b.ins().sextend(types::I64, nth);
    let gil = cx.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0];
    // This thread's stack limit. The thread that started the loop (thread 0
    // of a team started for it, every thread sharing a block's team) passed
    // its own; another asks once while it holds the GIL. (Asking on the
    // process's first thread reads /proc/self/maps, about 100 us, and the
    // module's cache of one thread's limit holds the last thread that asked:
    // the team's other threads, whose thread states are new in every loop.)
    let given = cx.b.ins().load(p, flags(), env, LIMIT);
    let limit = if team.workshare {
        given
    } else {
        let (ask, join) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(join, p);
        cx.b.ins().brif(tid, ask, &[], join, &[BlockArg::Value(given)]);
        cx.b.switch_to_block(ask);
        let sp = cx.b.ins().get_stack_pointer(p);
        let limit_fn = cx.em.stack_limit_fn;
        let r = cx.func_ref(limit_fn);
        let inst = cx.b.ins().call(r, &[sp]);
        let asked = cx.b.inst_results(inst)[0];
        cx.b.ins().jump(join, &[BlockArg::Value(asked)]);
        cx.b.switch_to_block(join);
        cx.b.block_params(join)[0]
    };
    let ts = cx.call_c("PyEval_SaveThread", &[], &[p], &[])?[0];
    let load = |cx: &mut FnCx, t: ir::Type, at: i32| cx.b.ins().load(t, flags(), env, at);
    let (start, step, n, chunk, stop, partials) =
        (load(cx, types::I64, START), load(cx, types::I64, STEP), load(cx, types::I64, COUNT), load(cx, types::I64, CHUNK), load(cx, types::I64, STOP), load(cx, p, PARTIALS));
    let args: Vec<Value> = arg_types.iter().enumerate().map(|(i, t)| load(cx, *t, ARGS + 8 * i as i32)).collect();
    let reduction = team.first_by_value();
    let acc_ty = match team.reductions.first() {
        Some(&(_, ty)) if reduction => super::super::clif_type(ty).ok_or("a reduction without a machine type")?,
        _ => types::I8,
    };
    let acc = cx.b.declare_var(acc_ty);
    let failed = cx.b.declare_var(types::I8);
    let won = cx.b.declare_var(types::I8);
    if reduction {
        let mine = cx.b.ins().ishl_imm_s(tid, 3);
        let mine = cx.b.ins().iadd(partials, mine);
        let v = cx.b.ins().load(acc_ty, flags(), mine, 0);
        cx.b.def_var(acc, v);
    }
    // The other reductions' partials and the lastprivate locals' copies:
    // one-element views of this thread's own copies of its slots, on its own
    // stack (read from the slots here, written back when its chunks are
    // done). The slots of neighbouring threads share cache lines: written
    // after every chunk (a lastprivate copy) or every update (a module C
    // variable's partial), they would go back and forth between the cores.
    let mut partial_views = vec![];
    let mut own_copies = vec![];
    let private: Vec<(usize, Ty)> = team.reductions.iter().enumerate().skip(usize::from(reduction)).map(|(j, &(_, ty))| (j, ty))
        .chain(team.lasts.iter().enumerate().map(|(l, &ty)| (team.reductions.len() + l, ty))).collect();
    if !private.is_empty() {
        let copies = cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8 * private.len() as u32, 3));
        for (c, &(j, ty)) in private.iter().enumerate() {
            let size = super::super::clif_type(ty).ok_or("a reduction or lastprivate local without a machine type")?.bytes();
            let at = cx.b.ins().iadd_imm_s(tid, MAX_THREADS * j as i64);
            let at = cx.b.ins().ishl_imm_s(at, 3);
            let slot = cx.b.ins().iadd(partials, at);
            let v = cx.b.ins().load(types::I64, flags(), slot, 0);
            cx.b.ins().stack_store(types::I64, v, copies, 8 * c as i32);
            let data = cx.b.ins().stack_addr(p, copies, 8 * c as i32);
            let (shape, stride) = (cx.b.ins().iconst(types::I64, 1), cx.b.ins().iconst(types::I64, i64::from(size)));
            partial_views.extend([data, shape, stride]);
            own_copies.push((slot, copies, 8 * c as i32));
        }
    }
    // A body that leaves the loop: its exit slots, the stop flag shared.
    let exits = team.exit_slots();
    for (e, &ty) in exits.iter().enumerate() {
        let size = super::super::clif_type(ty).ok_or("an exit slot without a machine type")?.bytes();
        let j = (team.exit_base() + e) as i64;
        let thread = if e + 1 == exits.len() { cx.b.ins().iconst(types::I64, 0) } else { tid };
        let at = cx.b.ins().iadd_imm_s(thread, MAX_THREADS * j);
        let at = cx.b.ins().ishl_imm_s(at, 3);
        let data = cx.b.ins().iadd(partials, at);
        let (shape, stride) = (cx.b.ins().iconst(types::I64, 1), cx.b.ins().iconst(types::I64, i64::from(size)));
        partial_views.extend([data, shape, stride]);
    }
    let no = cx.b.ins().iconst(types::I8, 0);
    cx.b.def_var(failed, no);
    cx.b.def_var(won, no);
    let native = cx.em.native_id(team.func);
    let body = Chunks { env, start, stop, step, n, args, partial_views, limit, native, acc, failed, won, reduction, tid, lasts: !team.lasts.is_empty() };

    let finish = cx.b.create_block();
    match team.schedule {
        Schedule::Team => {
            // One trip per thread: the thread's own number.
            let next = cx.b.ins().iadd_imm_s(tid, 1);
            body.call(cx, tid, next)?;
            cx.b.ins().jump(finish, &[]);
        }
        Schedule::Static => {
            // Blocks of `chunk` trips (one per thread when not positive), dealt round-robin.
            let whole = cx.b.ins().iadd(n, nth);
            let whole = cx.b.ins().iadd_imm_s(whole, -1);
            let whole = cx.b.ins().sdiv(whole, nth);
            let given = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, chunk, 0);
            let c = cx.b.ins().select(given, chunk, whole);
            let (header, run) = (cx.b.create_block(), cx.b.create_block());
            cx.b.append_block_param(header, types::I64);
            let first = cx.b.ins().imul(tid, c);
            cx.b.ins().jump(header, &[BlockArg::Value(first)]);
            cx.b.switch_to_block(header);
            let i = cx.b.block_params(header)[0];
            let more = cx.b.ins().icmp(IntCC::SignedLessThan, i, n);
            let others_failed = others_failed(cx, env);
            let go = cx.b.ins().band(more, others_failed);
            cx.b.ins().brif(go, run, &[], finish, &[]);
            cx.b.switch_to_block(run);
            let end = cx.b.ins().iadd(i, c);
            let end = cx.b.ins().smin(end, n);
            let ok = body.call(cx, i, end)?;
            let stride = cx.b.ins().imul(nth, c);
            let i1 = cx.b.ins().iadd(i, stride);
            cx.b.ins().brif(ok, header, &[BlockArg::Value(i1)], finish, &[]);
        }
        Schedule::Dynamic | Schedule::Guided => {
            let kind = if team.schedule == Schedule::Dynamic { "dynamic" } else { "guided" };
            let bounds = cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
            let lo_at = cx.b.ins().stack_addr(p, bounds, 0);
            let hi_at = cx.b.ins().stack_addr(p, bounds, 8);
            let one = cx.b.ins().iconst(types::I64, 1);
            let given = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, chunk, 0);
            let c = cx.b.ins().select(given, chunk, one);
            let zero = cx.b.ins().iconst(types::I64, 0);
            let i64s = [types::I64, types::I64, types::I64, types::I64, p, p];
            let got = cx.call_c(&format!("GOMP_loop_{kind}_start"), &i64s, &[types::I8], &[zero, n, one, c, lo_at, hi_at])?[0];
            let (header, run, end) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            cx.b.append_block_param(header, types::I8);
            cx.b.ins().jump(header, &[BlockArg::Value(got)]);
            cx.b.switch_to_block(header);
            let got = cx.b.block_params(header)[0];
            let others_failed = others_failed(cx, env);
            let got = cx.b.ins().icmp_imm_s(IntCC::NotEqual, got, 0);
            let go = cx.b.ins().band(got, others_failed);
            cx.b.ins().brif(go, run, &[], end, &[]);
            cx.b.switch_to_block(run);
            let lo = cx.b.ins().load(types::I64, flags(), lo_at, 0);
            let hi = cx.b.ins().load(types::I64, flags(), hi_at, 0);
            let ok = body.call(cx, lo, hi)?;
            let again = cx.b.create_block();
            cx.b.ins().brif(ok, again, &[], end, &[]);
            cx.b.switch_to_block(again);
            let got = cx.call_c(&format!("GOMP_loop_{kind}_next"), &[p, p], &[types::I8], &[lo_at, hi_at])?[0];
            cx.b.ins().jump(header, &[BlockArg::Value(got)]);
            cx.b.switch_to_block(end);
            cx.call_c("GOMP_loop_end_nowait", &[], &[], &[])?;
            cx.b.ins().jump(finish, &[]);
        }
    }

    cx.b.switch_to_block(finish);
    for &(slot, copies, at) in &own_copies {
        let v = cx.b.ins().stack_load(types::I64, p, copies, at);
        cx.b.ins().store(flags(), v, slot, 0);
    }
    if reduction {
        let mine = cx.b.ins().ishl_imm_s(tid, 3);
        let mine = cx.b.ins().iadd(partials, mine);
        let v = cx.b.use_var(acc);
        cx.b.ins().store(flags(), v, mine, 0);
    }
    cx.call_c("PyEval_RestoreThread", &[p], &[], &[ts])?;
    let f = cx.b.use_var(failed);
    let (fetch, clear, done, check) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(f, check, &[], done, &[]);
    cx.b.switch_to_block(check);
    let w = cx.b.use_var(won);
    cx.b.ins().brif(w, fetch, &[], clear, &[]);
    cx.b.switch_to_block(fetch);
    let slots: Vec<Value> = (0..3).map(|i| cx.b.ins().iadd_imm_s(env, i64::from(EXC + 8 * i))).collect();
    cx.call_c("PyErr_Fetch", &[p, p, p], &[], &slots)?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(clear);
    cx.call_c("PyErr_Clear", &[], &[], &[])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    cx.call_c("PyGILState_Release", &[types::I32], &[], &[gil])?;
    cx.b.ins().return_(&[]);
    Ok(())
}

/// A zero of the machine type `t`.
fn zero_of(cx: &mut FnCx, t: ir::Type) -> Value {
    match t {
        types::F32 => cx.b.ins().f32const(0.0),
        types::F64 => cx.b.ins().f64const(0.0),
        t => cx.b.ins().iconst(t, 0),
    }
}

/// Whether no thread has failed yet (an `i8` truth value).
fn others_failed(cx: &mut FnCx, env: Value) -> Value {
    let at = cx.b.ins().iadd_imm_s(env, i64::from(FAILED));
    let f = cx.b.ins().atomic_load(types::I64, flags(), at);
    cx.b.ins().icmp_imm_s(IntCC::Equal, f, 0)
}

/// One chunk's call of the outlined body, in the team function.
struct Chunks {
    env: Value,
    start: Value,
    stop: Value,
    step: Value,
    n: Value,
    /// The first reduction's value before the loop (when there is one), then the shared locals.
    args: Vec<Value>,
    /// The parts of the views of the other reductions' partials and of the exit slots.
    partial_views: Vec<Value>,
    limit: Value,
    native: cranelift_module::FuncId,
    acc: Variable,
    failed: Variable,
    won: Variable,
    reduction: bool,
    /// This thread's number, recorded in the environment when it runs the
    /// range's last trip and the loop has lastprivate locals (`lasts`).
    tid: Value,
    lasts: bool,
}

impl Chunks {
    /// Runs trips `[lo, hi)` of the range; whether they all finished.
    fn call(&self, cx: &mut FnCx, lo: Value, hi: Value) -> R<Value> {
        let span = cx.b.ins().imul(lo, self.step);
        let lo_v = cx.b.ins().iadd(self.start, span);
        let span = cx.b.ins().imul(hi, self.step);
        let hi_v = cx.b.ins().iadd(self.start, span);
        // The last chunk ends at `stop` itself (past it may not fit 64 bits).
        let last = cx.b.ins().icmp(IntCC::Equal, hi, self.n);
        let hi_v = cx.b.ins().select(last, self.stop, hi_v);
        if self.lasts {
            // This chunk holds the last trip: its thread's copies are the ones kept.
            let (record, go) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(last, record, &[], go, &[]);
            cx.b.switch_to_block(record);
            cx.b.ins().store(flags(), self.tid, self.env, LAST);
            cx.b.ins().jump(go, &[]);
            cx.b.switch_to_block(go);
        }
        let mut call_args = vec![lo_v, hi_v, self.step];
        let shared = if self.reduction {
            call_args.push(cx.b.use_var(self.acc));
            self.args.get(1..).ok_or("a reduction without its value")?
        } else {
            &self.args[..]
        };
        call_args.extend(self.partial_views.iter().chain(shared));
        call_args.push(self.limit);
        let r = cx.func_ref(self.native);
        let inst = cx.b.ins().call(r, &call_args);
        let results = cx.b.inst_results(inst).to_vec();
        let err = *results.last().ok_or("an outlined body without its error flag")?;
        if self.reduction {
            cx.b.def_var(self.acc, results[0]);
        }
        let (fail, ok) = (cx.b.create_block(), cx.b.create_block());
        cx.b.set_cold_block(fail);
        cx.b.ins().brif(err, fail, &[], ok, &[]);
        cx.b.switch_to_block(fail);
        let yes = cx.b.ins().iconst(types::I8, 1);
        cx.b.def_var(self.failed, yes);
        let at = cx.b.ins().iadd_imm_s(self.env, i64::from(FAILED));
        let (zero, one) = (cx.b.ins().iconst(types::I64, 0), cx.b.ins().iconst(types::I64, 1));
        let old = cx.b.ins().atomic_cas(flags(), at, zero, one);
        let first = cx.b.ins().icmp_imm_s(IntCC::Equal, old, 0);
        cx.b.def_var(self.won, first);
        let no = cx.b.ins().iconst(types::I8, 0);
        let join = cx.b.create_block();
        cx.b.append_block_param(join, types::I8);
        cx.b.ins().jump(join, &[BlockArg::Value(no)]);
        cx.b.switch_to_block(ok);
        let yes = cx.b.ins().iconst(types::I8, 1);
        cx.b.ins().jump(join, &[BlockArg::Value(yes)]);
        cx.b.switch_to_block(join);
        Ok(cx.b.block_params(join)[0])
    }
}


