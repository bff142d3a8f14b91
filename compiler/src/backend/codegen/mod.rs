//! MIR → Cranelift, mechanically: one Cranelift block per MIR block, laid
//! out so that each block's preferred successor (a branch's `then`, an op's
//! success) follows it; locals are Cranelift variables (a `Py_buffer` a stack
//! slot). An op that ends its block with an error edge branches to it itself,
//! by its error kind, or by its own failure conditions (`Flag`).
//!
//! The operations' own instructions (arithmetic, conversions, math, view
//! addressing and copies, the stack guard) are emitted through `OpCx`
//! (`op.rs`), which `body.rs` uses for native bodies: an operation that
//! raises sets the exception and jumps to the error exit its caller gives.

mod arith;
pub(crate) mod body;
mod buffer;
mod c_abi;
mod copy;
mod defining_class;
mod exception;
pub(crate) mod extern_c;
mod intmath;
mod math;
mod object;
mod op;
mod pair;
mod parallel;
mod range;
mod scalar;
mod str_fast;
pub(crate) use str_fast::STR_METHOD_SLOT_BYTES;
pub(crate) mod stack;
mod unbox;
mod vector;
mod view;
mod wrapper_ops;

pub(crate) use op::{Directives, ErrorExit, OpCx};
pub(crate) use exception::set_error;
pub(crate) use unbox::{incref, incref_singleton};

/// `Py_XDECREF` inline (see `unbox::decref`).
pub(crate) fn xdecref(cx: &mut crate::backend::FnCx, obj: cranelift_codegen::ir::Value) -> Result<(), String> {
    unbox::decref(cx, obj, true)
}
pub(crate) use vector::PreludeVars;
pub(crate) use view::ViewVars;

use super::{clif_type, FnCx, R};
use crate::mir::{BlockId, Body, ErrorKind, IndexVec, Local, LocalTy, Op, Returns, Terminator};
use crate::types::{ExceptSpec, ExceptValue, Ty};
use cranelift_codegen::ir::{self, types, Block, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;
use cranelift_module::FuncId as ClifFuncId;

/// What the body's ops refer to outside it.
pub(crate) struct Env {
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
pub(super) const PY_BUFFER_BYTES: u32 = 80;

struct Gen<'c, 'a, 'b, 'm> {
    cx: &'c mut FnCx<'a, 'b>,
    body: &'m Body,
    env: &'m Env,
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
        let v = extern_c::from_c_abi(g.cx, body.ty(*l), v);
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
    crate::mir::cfg::reverse_postorder_by(body, |b| {
        if returns_null_as_error(body, b) {
            vec![]
        } else {
            body.blocks[b].term.as_ref().map(|t| t.successors()).unwrap_or_default()
        }
    })
}

/// A block whose last op fails with a NULL result that the success path
/// returns as is, and whose failure returns the error value with nothing to
/// release: returning the result covers both (as `return PyFloat_FromDouble(x)`
/// in C), with no test on the fast path.
pub(super) fn returns_null_as_error(body: &Body, b: BlockId) -> bool {
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
        let fused = edge.is_some() && returns_null_as_error(self.body, at);
        let (ok, err) = match edge {
            Some((ok, err)) if !fused => (Some(self.block(ok)?), Some(self.block(err)?)),
            _ => (None, None),
        };
        let env = self.env;
        let result = wrapper_ops::emit(self, Some(env), op, err)?;
        if fused {
            let r = result.ok_or("a fused return without a result")?;
            self.cx.b.ins().return_(&[r]);
            return Ok(());
        }
        if let (Some(d), Some(v)) = (op.dests.first().copied(), result) {
            self.def(d, v)?;
        }
        match (ok, err) {
            (Some(ok), Some(err)) => wrapper_ops::check(self, op, result, ok, err),
            _ => Ok(()),
        }
    }
}

impl<'a, 'b> wrapper_ops::Locals<'a, 'b> for Gen<'_, 'a, 'b, '_> {
    fn cx(&mut self) -> &mut FnCx<'a, 'b> {
        self.cx
    }

    fn body(&self) -> &Body {
        self.body
    }

    fn get(&mut self, l: Local) -> R<Value> {
        Gen::get(self, l)
    }

    fn def(&mut self, l: Local, v: Value) -> R<()> {
        Gen::def(self, l, v)
    }

    fn buf_slot(&self, l: Local) -> R<ir::StackSlot> {
        self.bufs[l].ok_or_else(|| format!("{l} is not a Py_buffer"))
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
        (Returns::C(Ty::Void, _), None) => {
            cx.b.ins().return_(&[]);
        }
        (Returns::C(t, _), Some(v)) if t != Ty::Void => {
            let v = extern_c::to_c_abi(cx, t, v);
            cx.b.ins().return_(&[v]);
        }
        _ => return Err("a return that does not match what the body returns".into()),
    }
    Ok(())
}

/// Returns the body's error value: NULL, or the error flag set (after a
/// meaningless zero scalar), or a C entry's 0 (nothing from a void one's).
pub(super) fn return_error(cx: &mut FnCx, returns: Returns) -> R<()> {
    match returns {
        Returns::C(Ty::Void, ExceptSpec::Value { .. }) => return Err("an exception value for a C entry returning void".into()),
        Returns::C(Ty::Void, _) => {
            cx.b.ins().return_(&[]);
        }
        Returns::C(t, spec) => {
            let ct = extern_c::c_abi_type(t)?;
            let v = match spec {
                ExceptSpec::Value { value, .. } if ct.is_float() => {
                    let v = match value {
                        ExceptValue::Int(v) => v as f64,
                        ExceptValue::Float(b) => f64::from_bits(b),
                    };
                    if ct == types::F32 { cx.b.ins().f32const(v as f32) } else { cx.b.ins().f64const(v) }
                }
                // The immediate zero-extended to the type's width, as Cranelift wants it.
                ExceptSpec::Value { value: ExceptValue::Int(v), .. } => cx.b.ins().iconst(ct, if ct.bits() < 64 { v & ((1i64 << ct.bits()) - 1) } else { v }),
                ExceptSpec::Value { value: ExceptValue::Float(_), .. } => return Err("a float exception value for an integer result".into()),
                ExceptSpec::NoExcept | ExceptSpec::Star => zero_of(cx, ct),
            };
            cx.b.ins().return_(&[v]);
        }
        Returns::Object => {
            let null = cx.b.ins().iconst(cx.em.ptr, 0);
            cx.b.ins().return_(&[null]);
        }
        Returns::ScalarAndFlag(t) => {
            let zero = zero_of(cx, clif_type(t).ok_or("a scalar return without a machine type")?);
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

/// A zero of the machine type `ct`.
fn zero_of(cx: &mut FnCx, ct: ir::Type) -> Value {
    match ct {
        types::F64 => cx.b.ins().f64const(0.0),
        types::F32 => cx.b.ins().f32const(0.0),
        types::F64X2 => {
            let z = cx.b.ins().f64const(0.0);
            cx.b.ins().splat(types::F64X2, z)
        }
        ct => cx.b.ins().iconst(ct, 0),
    }
}
