//! MIR → Cranelift, mechanically: one Cranelift block per MIR block, laid
//! out so that each block's preferred successor (a branch's `then`, an op's
//! success) follows it; locals are Cranelift variables (a `Py_buffer` a stack
//! slot). An op that ends its block with an error edge branches to it itself,
//! by its error kind, or by its own failure conditions (`Flag`).
//!
//! The operations' own instructions (arithmetic, conversions, math, view
//! addressing and copies, the stack guard) are emitted through `OpCx`
//! (`op.rs`), which `lower`'s walk of native bodies uses too: an operation
//! that raises sets the exception and jumps to the error exit its caller gives.

mod arith;
pub(crate) mod body;
mod buffer;
mod copy;
mod intmath;
mod math;
mod op;
mod pair;
mod range;
mod scalar;
pub(crate) mod stack;
mod unbox;
mod vector;
mod view;

pub(crate) use op::{Directives, ErrorExit, OpCx};
pub(crate) use unbox::{incref, incref_singleton};
pub(crate) use vector::PreludeVars;
pub(crate) use view::ViewVars;

use super::{clif_type, lower_in_place, FnCx, R};
use crate::hir::{self, FuncId};
use crate::mir::{BlockId, Body, ErrorKind, IndexVec, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, Block, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;
use cranelift_module::FuncId as ClifFuncId;
use std::collections::HashSet;

/// What the body's ops refer to outside it.
pub(crate) struct Env<'m> {
    pub m: &'m hir::Module,
    pub recursive: &'m HashSet<FuncId>,
    /// The function `CallBinderPath` calls.
    pub binder_path: Option<ClifFuncId>,
}

/// Memory the generated code owns or the interpreter guarantees (object
/// headers, C-API data, stack slots): aligned and never trapping.
pub(crate) fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Buffer elements: never trapping once bounds are checked, but a strided
/// view of packed data need not be aligned.
pub(crate) fn element_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// `Py_buffer`: 80 bytes on 64-bit builds.
const PY_BUFFER_BYTES: u32 = 80;

struct Gen<'c, 'a, 'b, 'm> {
    cx: &'c mut FnCx<'a, 'b>,
    body: &'m Body,
    env: &'m Env<'m>,
    vars: IndexVec<Local, Option<Variable>>,
    bufs: IndexVec<Local, Option<ir::StackSlot>>,
    blocks: IndexVec<BlockId, Option<Block>>,
}

/// Emits `body` into the function `cx` is building (its signature is the
/// body's parameters, returning an object).
pub(crate) fn emit(cx: &mut FnCx, body: &Body, env: &Env) -> R<()> {
    let n = body.locals.len();
    let mut g = Gen { cx, body, env, vars: IndexVec::from_elem(None, n), bufs: IndexVec::from_elem(None, n), blocks: IndexVec::from_elem(None, body.blocks.len()) };
    let p = g.cx.em.ptr;
    for (l, decl) in body.locals.iter_enumerated() {
        match decl.ty {
            LocalTy::PyBuffer => {
                g.bufs[l] = Some(g.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, PY_BUFFER_BYTES, 3)));
            }
            LocalTy::Scalar(t) => g.vars[l] = Some(g.cx.b.declare_var(clif_type(t).ok_or("a scalar local without a machine type")?)),
            LocalTy::Object | LocalTy::Ptr => g.vars[l] = Some(g.cx.b.declare_var(p)),
            LocalTy::F64x2 => g.vars[l] = Some(g.cx.b.declare_var(ir::types::F64X2)),
        }
    }
    let order = layout(body);
    for &b in &order {
        let block = g.cx.b.create_block();
        if body.blocks[b].cold {
            g.cx.b.set_cold_block(block);
        }
        g.blocks[b] = Some(block);
    }
    let entry = g.block(Body::ENTRY)?;
    g.cx.b.append_block_params_for_function_params(entry);
    g.cx.b.switch_to_block(entry);
    let params = g.cx.b.block_params(entry).to_vec();
    if params.len() != body.params.len() {
        return Err(format!("`{}` has {} parameters, its signature {}", body.name, body.params.len(), params.len()));
    }
    for (l, v) in body.params.iter().zip(params) {
        g.def(*l, v)?;
    }
    for b in order {
        if b != Body::ENTRY {
            let block = g.block(b)?;
            g.cx.b.switch_to_block(block);
        }
        g.emit_block(b)?;
    }
    Ok(())
}

/// Blocks in layout order: a depth-first walk from the entry that places each
/// block's first successor right after it (the other successors are error
/// or slow paths). Blocks only a fused return would reach are left out.
fn layout(body: &Body) -> Vec<BlockId> {
    let mut post = vec![];
    let mut seen = IndexVec::from_elem(false, body.blocks.len());
    let mut stack = vec![(Body::ENTRY, false)];
    while let Some((b, done)) = stack.pop() {
        if done {
            post.push(b);
            continue;
        }
        if seen[b] {
            continue;
        }
        seen[b] = true;
        stack.push((b, true));
        // Pushed last, visited first, placed last: the first successor is
        // visited last, so it comes first after `b` in reverse postorder.
        let succs = if returns_null_as_error(body, b) { vec![] } else { body.blocks[b].term.as_ref().map(|t| t.successors()).unwrap_or_default() };
        for s in succs {
            if !seen[s] {
                stack.push((s, false));
            }
        }
    }
    post.reverse();
    post
}

/// A block whose last op fails with a NULL result that the success path
/// returns as is, and whose failure returns the error value with nothing to
/// release: returning the result covers both (as `return PyFloat_FromDouble(x)`
/// in C), with no test on the fast path.
fn returns_null_as_error(body: &Body, b: BlockId) -> bool {
    let block = &body.blocks[b];
    let (Some(Terminator::Try { ok, err }), Some(op)) = (&block.term, block.ops.last()) else { return false };
    let (ok, err) = (&body.blocks[*ok], &body.blocks[*err]);
    body.returns == Returns::Object
        && op.error_kind() == ErrorKind::Null
        && op.dests.len() == 1
        && ok.ops.is_empty()
        && ok.term == Some(Terminator::Return(op.dests[0]))
        && err.ops.is_empty()
        && err.term == Some(Terminator::ReturnError)
}

impl Gen<'_, '_, '_, '_> {
    fn block(&self, b: BlockId) -> R<Block> {
        self.blocks[b].ok_or_else(|| format!("{b} of `{}` is not laid out", self.body.name))
    }

    fn var(&self, l: Local) -> R<Variable> {
        self.vars[l].ok_or_else(|| format!("{l} of `{}` has no variable", self.body.name))
    }

    fn get(&mut self, l: Local) -> R<Value> {
        let v = self.var(l)?;
        Ok(self.cx.b.use_var(v))
    }

    fn def(&mut self, l: Local, v: Value) -> R<()> {
        let var = self.var(l)?;
        self.cx.b.def_var(var, v);
        Ok(())
    }

    fn buf_addr(&mut self, l: Local) -> R<Value> {
        let slot = self.bufs[l].ok_or_else(|| format!("{l} is not a Py_buffer"))?;
        let p = self.cx.em.ptr;
        Ok(self.cx.b.ins().stack_addr(p, slot, 0))
    }

    fn gets(&mut self, ls: &[Local]) -> R<Vec<Value>> {
        ls.iter().map(|l| self.get(*l)).collect()
    }

    fn emit_block(&mut self, b: BlockId) -> R<()> {
        let block = &self.body.blocks[b];
        let term = block.term.as_ref().ok_or_else(|| format!("{b} is not terminated"))?;
        let n = block.ops.len();
        for (i, op) in block.ops.iter().enumerate() {
            let edge = match term {
                Terminator::Try { ok, err } if i + 1 == n => Some((*ok, *err)),
                _ => None,
            };
            self.op(b, op, edge)?;
        }
        match term {
            Terminator::Try { .. } => Ok(()),
            Terminator::Goto(t) => {
                let t = self.block(*t)?;
                self.cx.b.ins().jump(t, &[]);
                Ok(())
            }
            Terminator::Branch { cond, then, otherwise } => {
                let c = self.get(*cond)?;
                let (t, e) = (self.block(*then)?, self.block(*otherwise)?);
                self.cx.b.ins().brif(c, t, &[], e, &[]);
                Ok(())
            }
            Terminator::Return(v) => {
                let v = self.get(*v)?;
                return_value(self.cx, self.body.returns, Some(v))
            }
            Terminator::ReturnNone => return_value(self.cx, self.body.returns, None),
            Terminator::ReturnError => return_error(self.cx, self.body.returns),
            Terminator::Unreachable => Ok(()),
        }
    }

    /// One op; with `edge` (success, failure) it ends the block by branching.
    fn op(&mut self, at: BlockId, op: &Op, edge: Option<(BlockId, BlockId)>) -> R<()> {
        use OpKind::*;
        let p = self.cx.em.ptr;
        let fused = edge.is_some() && returns_null_as_error(self.body, at);
        let (ok, err) = match edge {
            Some((ok, err)) if !fused => (Some(self.block(ok)?), Some(self.block(err)?)),
            _ => (None, None),
        };
        let err_block = || err.ok_or_else(|| format!("an op that fails by its own rules has no error edge in `{}`", self.body.name));
        let dest = op.dests.first().copied();
        // The value of a NULL/-1/error-value result to test, if any.
        let mut result = None;
        match &op.kind {
            ArgItem { argv, index } => {
                let a = self.get(*argv)?;
                let v = self.cx.b.ins().load(p, flags(), a, (8 * index) as i32);
                result = Some(v);
            }
            TupleItems { tuple } => {
                let t = self.get(*tuple)?;
                result = Some(self.cx.b.ins().iadd_imm_s(t, super::pyabi::TUPLE_ITEMS));
            }
            CallBinder { slot, args, nargs, kwnames } => {
                let helpers = self.cx.em.helpers;
                let table = self.cx.data_addr(helpers);
                let binder = self.cx.b.ins().load(p, flags(), table, (8 * slot) as i32);
                let (a, n, k) = (self.get(*args)?, self.get(*nargs)?, self.get(*kwnames)?);
                result = Some(self.cx.vectorcall(binder, a, n, k)?);
            }
            CallBinderPath { args } => {
                let f = self.env.binder_path.ok_or("a wrapper without its binder path")?;
                let r = self.cx.func_ref(f);
                let args = self.gets(args)?;
                let inst = self.cx.b.ins().call(r, &args);
                result = Some(self.cx.b.inst_results(inst)[0]);
            }
            Unbox { obj, ty } => {
                let o = self.get(*obj)?;
                let v = unbox::unbox(self.cx, o, *ty, err_block()?)?;
                result = Some(v);
            }
            AcquireBuffer { obj, view, name, writable, accepts_none } => {
                let o = self.get(*obj)?;
                let slot = self.bufs[op.dests[0]].ok_or("a buffer without its slot")?;
                let spec = buffer::Spec { view: *view, name, writable: *writable, accepts_none: *accepts_none };
                let parts = buffer::acquire(self.cx, o, &spec, slot, err_block()?)?;
                for (d, v) in op.dests[1..].iter().zip(parts) {
                    self.def(*d, v)?;
                }
            }
            StackLimit { frame } => {
                let sp = self.cx.b.ins().get_stack_pointer(p);
                let mut limit = self.cx.b.ins().iadd_imm_s(sp, -stack::SOFT_BUDGET);
                if let Some(bytes) = frame {
                    let low = self.cx.b.ins().iadd_imm_s(sp, -bytes);
                    let (cont, fail) = stack::check(self.cx, low, limit)?;
                    self.cx.b.switch_to_block(fail);
                    self.cx.b.ins().jump(err_block()?, &[]);
                    self.cx.b.switch_to_block(cont);
                    limit = self.cx.b.block_params(cont)[0];
                }
                result = Some(limit);
            }
            CallNative { func, args, limit } => {
                let mut values = self.gets(args)?;
                values.push(self.get(*limit)?);
                let native = self.cx.em.native_id(*func);
                let r = self.cx.func_ref(native);
                let inst = self.cx.b.ins().call(r, &values);
                let results = self.cx.b.inst_results(inst).to_vec();
                let flag = *results.last().ok_or("native function without error flag")?;
                let (raised, next) = (self.cx.b.create_block(), self.cx.b.create_block());
                self.cx.b.set_cold_block(raised);
                self.cx.b.ins().brif(flag, raised, &[], next, &[]);
                self.leave_compiled_code(raised, err_block()?);
                self.cx.b.switch_to_block(next);
                if let Some(d) = dest {
                    self.def(d, results[0])?;
                }
            }
            InlineBody { func, args, limit } => {
                let f = self.env.m.functions.get(func.0 as usize).ok_or("inlined body of an unknown function")?;
                let values = self.gets(args)?;
                let limit = self.get(*limit)?;
                let done = lower_in_place(self.cx, self.env.m, f, &values, limit, self.env.recursive)?;
                self.leave_compiled_code(done.failed, err_block()?);
                self.cx.b.switch_to_block(done.ok);
                if let Some(d) = dest {
                    let v = self.cx.b.block_params(done.ok)[0];
                    self.def(d, v)?;
                }
            }
            CallHelper { slot, args } => {
                let helpers = self.cx.em.helpers;
                let table = self.cx.data_addr(helpers);
                let helper = self.cx.b.ins().load(p, flags(), table, (8 * slot) as i32);
                let args = self.gets(args)?;
                let argv = self.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * args.len() as u32, 3));
                for (k, a) in args.iter().enumerate() {
                    self.cx.b.ins().stack_store(p, *a, argv, (8 * k) as i32);
                }
                let argv = self.cx.b.ins().stack_addr(p, argv, 0);
                let n = self.cx.b.ins().iconst(p, args.len() as i64);
                let nokw = self.cx.b.ins().iconst(p, 0);
                result = Some(self.cx.vectorcall(helper, argv, n, nokw)?);
            }
            CallC { prim, args } => {
                let args = self.gets(args)?;
                result = self.cx.call_prim(prim, &args)?.first().copied();
            }
            Widen { value, to } => {
                let v = self.get(*value)?;
                let from = match self.body.ty(*value) {
                    LocalTy::Scalar(t) => t,
                    _ => return Err("widening a non-scalar".into()),
                };
                let to_ty = clif_type(*to).ok_or("widening to a type without a machine type")?;
                result = Some(match from {
                    Ty::Float(_) => self.cx.b.ins().fpromote(to_ty, v),
                    Ty::Int(t) if t.signed => self.cx.b.ins().sextend(to_ty, v),
                    _ => self.cx.b.ins().uextend(to_ty, v),
                });
            }
            NoneRef => {
                let none = self.cx.py_data("_Py_NoneStruct")?;
                incref_singleton(self.cx, none)?;
                result = Some(none);
            }
            BoxBool { value } => {
                let v = self.get(*value)?;
                let t = self.cx.py_data("_Py_TrueStruct")?;
                let f = self.cx.py_data("_Py_FalseStruct")?;
                let o = self.cx.b.ins().select(v, t, f);
                incref_singleton(self.cx, o)?;
                result = Some(o);
            }
            IsNull { value } => {
                let v = self.get(*value)?;
                result = Some(self.cx.is_null(v));
            }
            EqConst { value, imm } => {
                let v = self.get(*value)?;
                result = Some(self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, *imm));
            }
            IncRef { obj } => {
                let o = self.get(*obj)?;
                incref(self.cx, o)?;
            }
            Unassigned => result = Some(self.cx.b.ins().iconst(p, 0)),
            ReadVar { .. } => return Err(format!("a variable read before definite assignment in `{}`", self.body.name)),
            Assign { src: v } | Borrow { var: v } => result = Some(self.get(*v)?),
            CheckAssigned { var, name } => {
                let v = self.get(*var)?;
                let unassigned = self.cx.is_null(v);
                let msg = self.cx.em.py.unbound_local_message(name);
                let exit = ErrorExit { block: err_block()?, line: None };
                OpCx::new(self.cx, exit, Directives::default()).raise_if(unassigned, "PyExc_UnboundLocalError", Some(&msg))?;
            }
            // `Py_DecRef` is `Py_XDECREF`: a variable that may be NULL too.
            DecRef { obj, .. } => {
                let o = self.get(*obj)?;
                self.cx.call_prim(&crate::mir::primitives::PY_DECREF, &[o])?;
            }
            ReleaseBuffer { buf } => {
                let a = self.buf_addr(*buf)?;
                self.cx.call_prim(&crate::mir::primitives::PY_BUFFER_RELEASE, &[a])?;
            }
            Body(_) => return Err(format!("a native body's op in `{}`", self.body.name)),
        }
        if fused {
            let r = result.ok_or("a fused return without a result")?;
            self.cx.b.ins().return_(&[r]);
            return Ok(());
        }
        if let (Some(d), Some(v)) = (dest, result) {
            self.def(d, v)?;
        }
        let (Some(ok), Some(err)) = (ok, err) else { return Ok(()) };
        match op.error_kind() {
            ErrorKind::Never | ErrorKind::Flag | ErrorKind::Always => {
                self.cx.b.ins().jump(ok, &[]);
            }
            ErrorKind::Null => {
                let r = result.ok_or("a NULL-failing op without a result")?;
                let bad = self.cx.is_null(r);
                self.cx.b.ins().brif(bad, err, &[], ok, &[]);
            }
            ErrorKind::Negative => {
                let r = result.ok_or("a -1-failing op without a result")?;
                let bad = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
                self.cx.b.ins().brif(bad, err, &[], ok, &[]);
            }
            ErrorKind::ErrorValueAndOccurred => {
                let r = result.ok_or("an error-value op without a result")?;
                let d = dest.ok_or("an error-value op without a destination")?;
                let is_float = self.cx.b.func.dfg.value_type(r) == types::F64;
                let maybe = if is_float {
                    let minus_one = self.cx.b.ins().f64const(-1.0);
                    self.cx.b.ins().fcmp(FloatCC::Equal, r, minus_one)
                } else {
                    self.cx.b.ins().icmp_imm_s(IntCC::Equal, r, -1)
                };
                let (check, again) = (self.cx.b.create_block(), self.cx.b.create_block());
                self.cx.b.set_cold_block(check);
                self.cx.b.ins().brif(maybe, check, &[], ok, &[]);
                self.cx.b.switch_to_block(check);
                let occurred = self.cx.call_prim(&crate::mir::primitives::PY_ERR_OCCURRED, &[])?[0];
                let set = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, occurred, 0);
                self.cx.b.ins().brif(set, err, &[], again, &[]);
                self.cx.b.switch_to_block(again);
                // The error value re-made as a constant, so `r` is not kept
                // alive across PyErr_Occurred.
                let t = self.cx.b.func.dfg.value_type(r);
                let konst = if is_float { self.cx.b.ins().f64const(-1.0) } else { self.cx.b.ins().iconst(t, -1) };
                self.def(d, konst)?;
                self.cx.b.ins().jump(ok, &[]);
            }
        }
        Ok(())
    }

    /// A native body failed: its traceback entries are in, and the error
    /// leaves compiled code here, so the next error counts afresh.
    fn leave_compiled_code(&mut self, from: Block, err: Block) {
        self.cx.b.switch_to_block(from);
        stack::reset_traceback_count(self.cx);
        self.cx.b.ins().jump(err, &[]);
    }
}

/// Returns `value` (absent for a body returning None) with the error flag clear.
pub(super) fn return_value(cx: &mut FnCx, returns: Returns, value: Option<Value>) -> R<()> {
    match (returns, value) {
        (Returns::Object, Some(v)) => {
            cx.b.ins().return_(&[v]);
        }
        (Returns::ScalarAndFlag(_), Some(v)) => {
            let ok = cx.b.ins().iconst(types::I8, 0);
            cx.b.ins().return_(&[v, ok]);
        }
        (Returns::Flag, None) => {
            let ok = cx.b.ins().iconst(types::I8, 0);
            cx.b.ins().return_(&[ok]);
        }
        _ => return Err("a return that does not match what the body returns".into()),
    }
    Ok(())
}

/// Returns the body's error value: NULL, or the error flag set (after a
/// meaningless zero scalar).
pub(super) fn return_error(cx: &mut FnCx, returns: Returns) -> R<()> {
    match returns {
        Returns::Object => {
            let null = cx.b.ins().iconst(cx.em.ptr, 0);
            cx.b.ins().return_(&[null]);
        }
        Returns::ScalarAndFlag(t) => {
            let zero = match clif_type(t).ok_or("a scalar return without a machine type")? {
                types::F64 => cx.b.ins().f64const(0.0),
                types::F32 => cx.b.ins().f32const(0.0),
                ct => cx.b.ins().iconst(ct, 0),
            };
            let failed = cx.b.ins().iconst(types::I8, 1);
            cx.b.ins().return_(&[zero, failed]);
        }
        Returns::Flag => {
            let failed = cx.b.ins().iconst(types::I8, 1);
            cx.b.ins().return_(&[failed]);
        }
    }
    Ok(())
}
