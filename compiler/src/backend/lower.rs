//! One HIR function → one native Cranelift function.
//!
//! Native calling convention: `(params…, stack_limit) -> (value?, error_flag)`.
//! On error the Python exception is set, a traceback entry for this function
//! and line is added, and the flag is 1.

use super::{abi_types, clif_type, Emitter, FnCx, HELPER_ROUND};
use crate::hir::{self, Access, ArithOp, CmpOp, Const, Dim, Expr, ExprKind, FuncId, LocalId, LoopPlan, MathCheck, MathOp, Stmt, StmtKind, SumPlan, UnOp, VectorPlan};
use crate::types::{int_join, IntTy, Ty, ViewTy, PY_INT};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, types, Block, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::Module;
use std::collections::{HashMap, HashSet};

mod copy;
mod intmath;
mod reduction;
pub(crate) mod stack;

type R<T> = Result<T, String>;

const OVERFLOW_PY_INT: &str = "int result does not fit in 64 bits (pyc-aot compiles `int` as a 64-bit integer)";
const OVERFLOW_C_INT: &str = "value too large to perform arithmetic";

/// OverflowError text for a range loop its variable's type cannot follow.
fn range_overflow_message(var_ty: IntTy) -> String {
    format!("range() takes the loop variable past the range of its type {}", Ty::Int(var_ty))
}

/// Bytes of `f`'s own C arrays, on its frame.
pub(crate) fn c_array_bytes(f: &hir::Function) -> u64 {
    f.locals
        .iter()
        .filter_map(|l| match (&l.c_array, l.ty) {
            (Some(dims), Ty::View(v)) => Some(dims.iter().fold(v.elem.size() as u64, |a, d| a.saturating_mul(*d))),
            _ => None,
        })
        .fold(0, u64::saturating_add)
}

/// A frame too large to enter unchecked (see `stack`): kept a function of its own.
pub(crate) fn has_big_frame(f: &hir::Function) -> bool {
    c_array_bytes(f) >= stack::BIG_FRAME
}

/// Stack bytes a call of `f` may take: its C arrays and a page for the rest.
pub(crate) fn frame_estimate(f: &hir::Function) -> i64 {
    c_array_bytes(f).saturating_add(4096).min(i64::MAX as u64 / 2) as i64
}

struct LoopTargets {
    cont: Block,
    exit: Block,
    continued: bool,
    broke: bool,
}

/// Per-function state; an inlined callee gets a frame of its own.
/// A memoryview local: data pointer, then shape and strides per axis.
struct ViewVars {
    data: Variable,
    shape: Vec<Variable>,
    strides: Vec<Variable>,
}

struct Frame<'a> {
    f: &'a hir::Function,
    vars: Vec<Variable>,
    views: HashMap<LocalId, ViewVars>,
    flags: HashMap<LocalId, Variable>,
    /// Adds this function's traceback entry (line is the block parameter).
    err_block: Block,
    err_used: bool,
    loops: Vec<LoopTargets>,
    /// Views whose last axis is known to have unit stride here (a loop
    /// version taken after checking it): indexing scales by a constant.
    unit_stride: Vec<LocalId>,
    line: u32,
    /// For an inlined call: where `return` jumps with its value.
    ret_block: Option<Block>,
}

struct Lower<'m, 'c, 'e, 'b> {
    cx: &'c mut FnCx<'e, 'b>,
    m: &'m hir::Module,
    fr: Frame<'m>,
    /// Frames of the callers of the function being inlined, innermost last.
    outer: Vec<Frame<'m>>,
    recursive: &'m HashSet<FuncId>,
    limit: Value,
    reachable: bool,
    /// Lowered into a wrapper: its own traceback entry is always added.
    outermost: bool,
    /// HIR nodes inlined into this native function so far (`INLINE_BUDGET`).
    inlined: usize,
}

/// How many calls deep one native function inlines its callees, and how deep
/// a recursive function inlines itself (the rest are real calls).
const MAX_INLINE_DEPTH: usize = 4;
const MAX_SELF_INLINE: usize = 4;
const INLINE_SIZE: usize = 64;
/// HIR nodes one native function may take in from its callees: past it,
/// calls stay calls, so thousands of call sites cost compile time and memory
/// in proportion to the source, not to the source times the callee.
const INLINE_BUDGET: usize = 4096;

fn function_size(f: &hir::Function) -> usize {
    let mut size = 0;
    hir::visit_stmt_exprs(&f.body, &mut |e| hir::visit_expr(e, &mut |_| size += 1));
    size
}

pub fn lower_function(em: &mut Emitter, m: &hir::Module, f: &hir::Function, recursive: &HashSet<FuncId>) -> R<()> {
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, f.id.0), em.native_signature(f));
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut cx = FnCx::new(em, b);
    let mut lw = Lower {
        cx: &mut cx,
        m,
        fr: Frame::bare(f),
        outer: vec![],
        recursive,
        limit: Value::from_u32(0),
        reachable: true,
        outermost: false,
        inlined: 0,
    };
    lw.body(recursive.contains(&f.id))?;
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    let id = em.native_id(f.id);
    em.define(id, func, &f.name)
}

/// Where control goes after a function body lowered in place (see `lower_in_place`).
pub struct InPlace {
    /// Reached with the returned value (an `i8` dummy for functions returning None).
    pub ok: Block,
    /// Reached with the exception set and this function's traceback entry added.
    pub failed: Block,
}

/// Lowers `f`'s body into the function `cx` is building, with `args` as its
/// parameters, instead of calling it: the wrappers use it for small functions.
pub fn lower_in_place(
    cx: &mut FnCx,
    m: &hir::Module,
    f: &hir::Function,
    args: &[Value],
    limit: Value,
    recursive: &HashSet<FuncId>,
) -> R<InPlace> {
    let ok = cx.b.create_block();
    cx.b.append_block_param(ok, clif_type(f.ret).unwrap_or(types::I8));
    let failed = cx.b.create_block();
    cx.b.set_cold_block(failed);
    let mut lw = Lower { cx, m, fr: Frame::bare(f), outer: vec![], recursive, limit, reachable: true, outermost: false, inlined: 0 };
    lw.fr = lw.new_frame(f, args, Some(ok));
    lw.outermost = true;
    lw.stmts(&f.body)?;
    lw.fall_off_end()?;
    if lw.fr.err_used {
        let err = lw.fr.err_block;
        lw.enter(err);
        let line = lw.cx.b.block_params(err)[0];
        lw.add_traceback(line)?;
        lw.cx.b.ins().jump(failed, &[]);
    }
    Ok(InPlace { ok, failed })
}

/// Whether a wrapper should contain the body instead of calling it: small
/// functions without memoryviews. (With buffers to release after the body,
/// float values live across calls in the wrapper, and the register allocator
/// spills them inside hot loops; the native function does not suffer that.)
pub fn worth_lowering_in_place(f: &hir::Function) -> bool {
    let has_views = f.params.iter().any(|p| matches!(p.ty, Ty::View(_)));
    !has_views && !has_big_frame(f) && (f.inline_hint || function_size(f) <= INLINE_SIZE)
}

impl<'m> Frame<'m> {
    fn bare(f: &'m hir::Function) -> Self {
        Frame {
            f,
            vars: vec![],
            views: HashMap::new(),
            flags: HashMap::new(),
            err_block: Block::from_u32(0),
            err_used: false,
            loops: vec![],
            unit_stride: vec![],
            line: f.line,
            ret_block: None,
        }
    }
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Buffer elements: never trapping once bounds are checked, but a strided
/// view of packed data need not be aligned.
fn element_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl<'m> Lower<'m, '_, '_, '_> {
    fn body(&mut self, recursive: bool) -> R<()> {
        let entry = self.cx.b.create_block();
        self.cx.b.append_block_params_for_function_params(entry);
        self.enter(entry);
        let params: Vec<Value> = self.cx.b.block_params(entry).to_vec();
        let f = self.fr.f;
        let (args, limit) = params.split_at(params.len() - 1);
        self.limit = limit[0];
        // Before the frame is set up (its C arrays zeroed): on error nothing
        // of it exists, and the caller's traceback entry names the call.
        if recursive {
            let sp = self.cx.b.ins().get_stack_pointer(self.cx.em.ptr);
            let (cont, _) = stack::check(self.cx, sp, self.limit)?;
            let mut rets = vec![];
            if f.ret != Ty::Void {
                rets.push(self.zero(f.ret));
            }
            rets.push(self.cx.b.ins().iconst(types::I8, 1));
            self.cx.b.ins().return_(&rets);
            self.cx.b.switch_to_block(cont);
            self.limit = self.cx.b.block_params(cont)[0];
        }
        self.fr = self.new_frame(f, args, None);
        self.stmts(&f.body)?;
        self.fall_off_end()?;
        if self.fr.err_used {
            self.cx.b.switch_to_block(self.fr.err_block);
            let line = self.cx.b.block_params(self.fr.err_block)[0];
            self.add_traceback(line)?;
            let mut rets = vec![];
            if f.ret != Ty::Void {
                rets.push(self.zero(f.ret));
            }
            rets.push(self.cx.b.ins().iconst(types::I8, 1));
            self.cx.b.ins().return_(&rets);
        }
        Ok(())
    }

    /// Variables for `f`'s locals, parameters bound to `args`.
    fn new_frame(&mut self, f: &'m hir::Function, args: &[Value], ret_block: Option<Block>) -> Frame<'m> {
        let mut vars = vec![];
        for l in &f.locals {
            vars.push(self.cx.b.declare_var(clif_type(l.ty).unwrap_or(types::I64)));
        }
        let mut views = HashMap::new();
        let mut rest = args;
        for p in &f.params {
            let n = abi_types(p.ty).len();
            let (mine, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            if let Ty::View(v) = p.ty {
                let mut var = |val: Value| {
                    let x = self.cx.b.declare_var(types::I64);
                    self.cx.b.def_var(x, val);
                    x
                };
                let nd = v.ndim as usize;
                let data = var(mine[0]);
                let shape = mine[1..1 + nd].iter().map(|x| var(*x)).collect();
                let strides = mine[1 + nd..1 + 2 * nd].iter().map(|x| var(*x)).collect();
                views.insert(p.local, ViewVars { data, shape, strides });
            } else if let Some(v) = mine.first() {
                self.cx.b.def_var(vars[p.local.0 as usize], *v);
            }
        }
        let param_locals: HashSet<LocalId> = f.params.iter().map(|p| p.local).collect();
        for (i, l) in f.locals.iter().enumerate() {
            let id = LocalId(i as u32);
            match (&l.c_array, l.ty) {
                (Some(dims), Ty::View(v)) => {
                    views.insert(id, self.c_array_storage(v, dims));
                }
                (None, Ty::View(v)) if !param_locals.contains(&id) => {
                    let zero = self.cx.b.ins().iconst(types::I64, 0);
                    let mut var = || {
                        let x = self.cx.b.declare_var(types::I64);
                        self.cx.b.def_var(x, zero);
                        x
                    };
                    let data = var();
                    let shape = (0..v.ndim).map(|_| var()).collect();
                    let strides = (0..v.ndim).map(|_| var()).collect();
                    views.insert(id, ViewVars { data, shape, strides });
                }
                _ => {}
            }
        }
        let param_ids: HashSet<LocalId> = f.params.iter().map(|p| p.local).collect();
        for (i, l) in f.locals.iter().enumerate() {
            if !param_ids.contains(&LocalId(i as u32)) {
                let zero = match l.ty {
                    Ty::View(_) => self.cx.b.ins().iconst(types::I64, 0),
                    t => self.zero(t),
                };
                self.cx.b.def_var(vars[i], zero);
            }
        }
        let mut flags = HashMap::new();
        let mut unbound: Vec<LocalId> = hir::maybe_unbound(f).into_iter().collect();
        unbound.sort();
        for id in unbound {
            let flag = self.cx.b.declare_var(types::I8);
            let zero = self.cx.b.ins().iconst(types::I8, 0);
            self.cx.b.def_var(flag, zero);
            flags.insert(id, flag);
        }
        let err_block = self.cx.b.create_block();
        self.cx.b.append_block_param(err_block, types::I32);
        self.cx.b.set_cold_block(err_block);
        Frame { f, vars, views, flags, err_block, err_used: false, loops: vec![], unit_stride: vec![], line: f.line, ret_block }
    }

    /// A zeroed stack slot for a C array, described as a C-contiguous view.
    fn c_array_storage(&mut self, v: ViewTy, dims: &[u64]) -> ViewVars {
        let size = v.elem.size() as u64;
        let bytes = dims.iter().product::<u64>() * size;
        let slot = self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes as u32, 4));
        let p = self.cx.em.ptr;
        let addr = self.cx.b.ins().stack_addr(p, slot, 0);
        let config = self.cx.em.module.isa().frontend_config();
        self.cx.b.emit_small_memset(config, addr, 0, bytes, 1, MemFlagsData::new().with_notrap());
        let var = |lw: &mut Self, val: Value| {
            let x = lw.cx.b.declare_var(types::I64);
            lw.cx.b.def_var(x, val);
            x
        };
        let data = var(self, addr);
        let mut shape = vec![];
        let mut strides = vec![];
        let mut stride = size;
        let mut rev_strides = vec![];
        for d in dims.iter().rev() {
            rev_strides.push(stride);
            stride *= d;
        }
        rev_strides.reverse();
        for (d, st) in dims.iter().zip(rev_strides) {
            let dv = self.cx.b.ins().iconst(types::I64, *d as i64);
            shape.push(var(self, dv));
            let sv = self.cx.b.ins().iconst(types::I64, st as i64);
            strides.push(var(self, sv));
        }
        ViewVars { data, shape, strides }
    }

    /// Before calling `callee`, whose frame is big: RecursionError unless the
    /// stack has room for it; the limit to pass it.
    fn room_for(&mut self, callee: &hir::Function) -> R<Value> {
        let sp = self.cx.b.ins().get_stack_pointer(self.cx.em.ptr);
        let low = self.cx.b.ins().iadd_imm_s(sp, -frame_estimate(callee));
        let (cont, fail) = stack::check(self.cx, low, self.limit)?;
        self.cx.b.seal_block(fail);
        self.jump_to_error();
        self.enter(cont);
        Ok(self.cx.b.block_params(cont)[0])
    }

    fn add_traceback(&mut self, line: Value) -> R<()> {
        let fname = self.cstr(&self.fr.f.name)?;
        let file = self.cstr(&self.m.source_path)?;
        let p = self.cx.em.ptr;
        if self.outermost && self.outer.is_empty() {
            self.call_c("_PyTraceback_Add", &[p, p, types::I32], &[], &[fname, file, line])?;
            return Ok(());
        }
        stack::bounded_traceback(self.cx, fname, file, line)
    }

    /// Control reaching the end of a function body.
    fn fall_off_end(&mut self) -> R<()> {
        if !self.reachable {
            return Ok(());
        }
        let f = self.fr.f;
        if f.ret == Ty::Void {
            match self.fr.ret_block {
                Some(merge) => {
                    let dummy = self.cx.b.ins().iconst(types::I8, 0);
                    self.cx.b.ins().jump(merge, &[BlockArg::Value(dummy)]);
                }
                None => {
                    let ok = self.cx.b.ins().iconst(types::I8, 0);
                    self.cx.b.ins().return_(&[ok]);
                }
            }
            self.reachable = false;
            Ok(())
        } else {
            let msg = format!(
                "{}() reached its end without a return statement, but it is declared to return {}",
                f.name, f.ret
            );
            self.raise("PyExc_TypeError", Some(&msg))
        }
    }

    fn should_inline(&self, id: FuncId) -> bool {
        let callee = self.m.function(id);
        let depth = self.outer.len();
        if depth >= MAX_INLINE_DEPTH {
            return false;
        }
        if has_big_frame(callee) {
            return false;
        }
        let size = function_size(callee);
        if self.inlined + size > INLINE_BUDGET {
            return false;
        }
        if self.recursive.contains(&id) {
            let same = self.outer.iter().chain([&self.fr]).filter(|fr| fr.f.id == id).count();
            return same <= MAX_SELF_INLINE && size <= INLINE_SIZE;
        }
        callee.inline_hint || size <= INLINE_SIZE
    }

    /// The callee's body in place of a call: its `return` jumps to the merge
    /// block, and its errors add its traceback entry before the caller's.
    fn inline_call(&mut self, id: FuncId, args: &[Value]) -> R<Value> {
        let callee = self.m.function(id);
        self.inlined += function_size(callee);
        let merge = self.cx.b.create_block();
        let rt = clif_type(callee.ret).unwrap_or(types::I8);
        self.cx.b.append_block_param(merge, rt);
        self.in_callee_frame(callee, args, Some(merge), |lw| {
            lw.stmts(&callee.body)?;
            lw.fall_off_end()
        })?;
        self.enter(merge);
        self.reachable = true;
        Ok(self.cx.b.block_params(merge)[0])
    }

    /// Runs `run` with `callee`'s frame (parameters bound to `args`) in place
    /// of the current one; errors inside add the callee's traceback entry
    /// before leaving through the caller's error path.
    fn in_callee_frame<T>(
        &mut self,
        callee: &'m hir::Function,
        args: &[Value],
        ret_block: Option<Block>,
        run: impl FnOnce(&mut Self) -> R<T>,
    ) -> R<T> {
        let call_line = self.fr.line;
        let frame = self.new_frame(callee, args, ret_block);
        let caller = std::mem::replace(&mut self.fr, frame);
        self.outer.push(caller);
        let out = run(self)?;
        let reachable = self.reachable;
        let callee_err = self.fr.err_used.then_some(self.fr.err_block);
        let cont = match callee_err {
            Some(_) if reachable => {
                let cont = self.cx.b.create_block();
                self.cx.b.ins().jump(cont, &[]);
                Some(cont)
            }
            _ => None,
        };
        if let Some(err) = callee_err {
            self.enter(err);
            let line = self.cx.b.block_params(err)[0];
            self.add_traceback(line)?;
        }
        let caller = self.outer.pop().ok_or("inline frame stack underflow")?;
        self.fr = caller;
        self.fr.line = call_line;
        if callee_err.is_some() {
            self.jump_to_error();
            if let Some(cont) = cont {
                self.enter(cont);
            }
        }
        self.reachable = reachable;
        Ok(out)
    }

    // ---- small helpers -------------------------------------------------------------

    /// Starts emitting into a block whose predecessors are all known. Sealing
    /// early keeps SSA construction from threading every variable through
    /// block parameters, which would hide loop invariants from Cranelift's LICM.
    fn enter(&mut self, block: Block) {
        self.cx.b.switch_to_block(block);
        self.cx.b.seal_block(block);
    }

    fn zero(&mut self, t: Ty) -> Value {
        match clif_type(t).unwrap_or(types::I8) {
            types::F64 => self.cx.b.ins().f64const(0.0),
            types::F32 => self.cx.b.ins().f32const(0.0),
            ct => self.cx.b.ins().iconst(ct, 0),
        }
    }

    fn cstr(&mut self, s: &str) -> R<Value> {
        self.cx.cstr(s)
    }

    fn call_c(&mut self, name: &str, params: &[ir::Type], rets: &[ir::Type], args: &[Value]) -> R<Vec<Value>> {
        self.cx.call_c(name, params, rets, args)
    }

    fn libm1(&mut self, name: &str, x: Value) -> R<Value> {
        Ok(self.call_c(name, &[types::F64], &[types::F64], &[x])?[0])
    }

    fn libm2(&mut self, name: &str, x: Value, y: Value) -> R<Value> {
        Ok(self.call_c(name, &[types::F64, types::F64], &[types::F64], &[x, y])?[0])
    }

    fn line_value(&mut self) -> Value {
        self.cx.b.ins().iconst(types::I32, self.fr.line as i64)
    }

    fn jump_to_error(&mut self) {
        let line = self.line_value();
        self.fr.err_used = true;
        self.cx.b.ins().jump(self.fr.err_block, &[BlockArg::Value(line)]);
    }

    /// Sets `exc(msg)` and leaves through the error path.
    fn raise(&mut self, exc: &str, msg: Option<&str>) -> R<()> {
        let sym = self.cx.em.import_data(exc)?;
        let addr = self.cx.data_addr(sym);
        let ty = self.cx.b.ins().load(self.cx.em.ptr, flags(), addr, 0);
        match msg {
            Some(m) if !m.contains('\0') => {
                let m = self.cstr(m)?;
                self.call_c("PyErr_SetString", &[self.cx.em.ptr, self.cx.em.ptr], &[], &[ty, m])?;
            }
            Some(m) => {
                // A NUL inside the message: decoded with its length, since
                // PyErr_SetString would stop at the NUL.
                let p = self.cx.em.ptr;
                let text = self.cx.text_addr(m)?;
                let len = self.cx.b.ins().iconst(types::I64, m.len() as i64);
                let obj = self.call_c("PyUnicode_FromStringAndSize", &[p, types::I64], &[p], &[text, len])?[0];
                let (set, done) = (self.cx.b.create_block(), self.cx.b.create_block());
                let null = self.is_null(obj);
                self.cx.b.ins().brif(null, done, &[], set, &[]);
                self.enter(set);
                self.call_c("PyErr_SetObject", &[p, p], &[], &[ty, obj])?;
                self.decref(obj)?;
                self.cx.b.ins().jump(done, &[]);
                self.enter(done);
            }
            None => {
                self.call_c("PyErr_SetNone", &[self.cx.em.ptr], &[], &[ty])?;
            }
        }
        self.jump_to_error();
        self.reachable = false;
        Ok(())
    }

    fn raise_if(&mut self, cond: Value, exc: &str, msg: Option<&str>) -> R<()> {
        let fail = self.cx.b.create_block();
        let cont = self.cx.b.create_block();
        self.cx.b.set_cold_block(fail);
        self.cx.b.ins().brif(cond, fail, &[], cont, &[]);
        self.enter(fail);
        self.raise(exc, msg)?;
        self.enter(cont);
        self.reachable = true;
        Ok(())
    }

    /// After a call that may have failed: leave through the error path if so.
    fn propagate_if(&mut self, failed: Value) {
        let fail = self.cx.b.create_block();
        let cont = self.cx.b.create_block();
        self.cx.b.set_cold_block(fail);
        self.cx.b.ins().brif(failed, fail, &[], cont, &[]);
        self.enter(fail);
        self.jump_to_error();
        self.enter(cont);
    }

    /// `propagate_if`, first dropping the references the failing path owns.
    fn propagate_if_dropping(&mut self, failed: Value, owned: &[Value]) -> R<()> {
        let fail = self.cx.b.create_block();
        let cont = self.cx.b.create_block();
        self.cx.b.set_cold_block(fail);
        self.cx.b.ins().brif(failed, fail, &[], cont, &[]);
        self.enter(fail);
        for &o in owned {
            self.decref(o)?;
        }
        self.jump_to_error();
        self.enter(cont);
        Ok(())
    }

    fn is_null(&mut self, v: Value) -> Value {
        self.cx.is_null(v)
    }

    fn decref(&mut self, obj: Value) -> R<()> {
        self.cx.decref(obj)
    }

    // ---- statements ----------------------------------------------------------------

    fn stmts(&mut self, body: &[Stmt]) -> R<()> {
        for s in body {
            if !self.reachable {
                break;
            }
            self.fr.line = s.line;
            self.stmt(s)?;
        }
        Ok(())
    }

    fn assign(&mut self, id: LocalId, v: Value) {
        self.cx.b.def_var(self.fr.vars[id.0 as usize], v);
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            let one = self.cx.b.ins().iconst(types::I8, 1);
            self.cx.b.def_var(flag, one);
        }
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Pass => Ok(()),
            StmtKind::Assign(pairs) => {
                let mut vals = vec![];
                for (_, e) in pairs {
                    vals.push(match e.ty {
                        Ty::View(_) => self.view_value(e)?,
                        _ => vec![self.expr(e)?],
                    });
                }
                for ((id, _), v) in pairs.iter().zip(vals) {
                    match self.fr.views.get(id) {
                        Some(vv) => {
                            let vars: Vec<Variable> =
                                std::iter::once(vv.data).chain(vv.shape.iter().copied()).chain(vv.strides.iter().copied()).collect();
                            for (var, val) in vars.into_iter().zip(v) {
                                self.cx.b.def_var(var, val);
                            }
                            if let Some(flag) = self.fr.flags.get(id).copied() {
                                let one = self.cx.b.ins().iconst(types::I8, 1);
                                self.cx.b.def_var(flag, one);
                            }
                        }
                        None => self.assign(*id, v[0]),
                    }
                }
                Ok(())
            }
            StmtKind::Expr(e) => self.expr(e).map(|_| ()),
            StmtKind::If { cond, then, orelse } => {
                let (tb, eb) = (self.cx.b.create_block(), self.cx.b.create_block());
                self.branch_on(cond, tb, eb)?;
                self.arms([tb, eb], |lw, i| lw.stmts(if i == 0 { then } else { orelse }))
            }
            StmtKind::While { cond, body, orelse } => {
                let (header, body_b, else_b, exit) =
                    (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
                self.cx.b.ins().jump(header, &[]);
                self.cx.b.switch_to_block(header); // sealed once its back edges exist
                let line = self.fr.line;
                self.branch_on(cond, body_b, else_b)?;
                self.enter(body_b);
                self.fr.loops.push(LoopTargets { cont: header, exit, continued: false, broke: false });
                self.stmts(body)?;
                if self.reachable {
                    self.cx.b.ins().jump(header, &[]);
                }
                let targets = self.fr.loops.pop().expect("pushed above");
                self.cx.b.seal_block(header);
                self.fr.line = line;
                self.finish_loop(else_b, exit, orelse, targets.broke)
            }
            StmtKind::ForRange { var, start, stop, step, body, orelse, plan } => {
                self.for_range(*var, start, stop, step, body, orelse, plan)
            }
            StmtKind::Break | StmtKind::Continue => {
                let brk = matches!(s.kind, StmtKind::Break);
                let t = self.fr.loops.last_mut().ok_or("break outside loop reached the back end")?;
                let target = if brk {
                    t.broke = true;
                    t.exit
                } else {
                    t.continued = true;
                    t.cont
                };
                self.cx.b.ins().jump(target, &[]);
                self.reachable = false;
                Ok(())
            }
            StmtKind::Return(v) => {
                let mut rets = vec![];
                if let Some(e) = v {
                    rets.push(self.expr(e)?);
                }
                match self.fr.ret_block {
                    Some(merge) => {
                        let v = match rets.first() {
                            Some(v) => *v,
                            None => self.cx.b.ins().iconst(types::I8, 0),
                        };
                        self.cx.b.ins().jump(merge, &[BlockArg::Value(v)]);
                    }
                    None => {
                        rets.push(self.cx.b.ins().iconst(types::I8, 0));
                        self.cx.b.ins().return_(&rets);
                    }
                }
                self.reachable = false;
                Ok(())
            }
            StmtKind::Raise { exc, msg } => self.raise(exc, msg.as_deref()),
            StmtKind::CopyView { dst, src } => self.copy_view(*dst, *src),
            StmtKind::Store { view, indices, value, in_bounds, checked_by_load } => {
                let v = self.expr(value)?;
                let addr = self.element_address(*view, indices, in_bounds, !checked_by_load)?;
                self.cx.b.ins().store(element_flags(), v, addr, 0);
                Ok(())
            }
            StmtKind::Assert { cond, msg } => {
                let c = self.expr(cond)?;
                let failed = self.cx.b.ins().icmp_imm_s(IntCC::Equal, c, 0);
                self.raise_if(failed, "PyExc_AssertionError", msg.as_deref())
            }
        }
    }

    /// Branches on a condition without materialising `and`/`or`/`not` as
    /// values: each operand jumps straight to its target, which keeps the
    /// condition's blocks dominating the body (so values computed in the test,
    /// like `zr * zr` in `while … and zr * zr + zi * zi <= 4.0`, are reused).
    fn branch_on(&mut self, e: &Expr, yes: Block, no: Block) -> R<()> {
        match &e.kind {
            ExprKind::And(a, b) if e.ty == Ty::Bool => {
                let mid = self.cx.b.create_block();
                self.branch_on(a, mid, no)?;
                self.enter(mid);
                self.branch_on(b, yes, no)
            }
            ExprKind::Or(a, b) if e.ty == Ty::Bool => {
                let mid = self.cx.b.create_block();
                self.branch_on(a, yes, mid)?;
                self.enter(mid);
                self.branch_on(b, yes, no)
            }
            ExprKind::Unary(UnOp::Not, x) => self.branch_on(x, no, yes),
            _ => {
                let c = self.expr(e)?;
                self.cx.b.ins().brif(c, yes, &[], no, &[]);
                Ok(())
            }
        }
    }

    /// Lowers two alternatives, each entered from its (already branched-to)
    /// block, and joins them where either falls through.
    fn arms(&mut self, blocks: [Block; 2], mut arm: impl FnMut(&mut Self, usize) -> R<()>) -> R<()> {
        let merge = self.cx.b.create_block();
        let mut merged = false;
        for (i, blk) in blocks.into_iter().enumerate() {
            self.enter(blk);
            self.reachable = true;
            arm(self, i)?;
            if self.reachable {
                self.cx.b.ins().jump(merge, &[]);
                merged = true;
            }
        }
        self.reachable = merged;
        if merged {
            self.enter(merge);
        }
        Ok(())
    }

    fn finish_loop(&mut self, else_b: Block, exit: Block, orelse: &[Stmt], broke: bool) -> R<()> {
        self.enter(else_b);
        self.reachable = true;
        self.stmts(orelse)?;
        let mut exit_used = broke;
        if self.reachable {
            self.cx.b.ins().jump(exit, &[]);
            exit_used = true;
        }
        self.reachable = exit_used;
        if exit_used {
            self.enter(exit);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn for_range(&mut self, var: LocalId, start: &Expr, stop: &Expr, step: &Expr, body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> R<()> {
        // Versioned on unit strides (`opt::versioning`): the test, then the
        // loop twice, the first addressing those views' last axis by a constant.
        let strided = plan.version_on_unit_stride.iter().copied().filter(|v| !self.fr.unit_stride.contains(v)).collect::<Vec<_>>();
        if !strided.is_empty() {
            let mut all_unit = self.cx.b.ins().iconst(types::I8, 1);
            for v in &strided {
                let size = self.view_ty(*v)?.elem.size() as i64;
                let parts = self.view_parts(*v)?;
                let last_stride = parts[parts.len() - 1];
                let unit = self.cx.b.ins().icmp_imm_s(IntCC::Equal, last_stride, size);
                all_unit = self.cx.b.ins().band(all_unit, unit);
            }
            let (fast, slow) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.ins().brif(all_unit, fast, &[], slow, &[]);
            return self.arms([fast, slow], |lw, i| {
                let before = lw.fr.unit_stride.len();
                if i == 0 {
                    lw.fr.unit_stride.extend(strided.iter().copied());
                }
                let r = lw.for_range_inner(var, start, stop, step, body, orelse, plan);
                lw.fr.unit_stride.truncate(before);
                r
            });
        }
        self.for_range_inner(var, start, stop, step, body, orelse, plan)
    }

    #[allow(clippy::too_many_arguments)]
    fn for_range_inner(&mut self, var: LocalId, start: &Expr, stop: &Expr, step: &Expr, body: &[Stmt], orelse: &[Stmt], plan: &LoopPlan) -> R<()> {
        let var_ty = match self.fr.f.locals[var.0 as usize].ty {
            Ty::Int(t) => t,
            other => return Err(format!("range loop over a {other} variable reached the back end")),
        };
        let widen = |lw: &mut Self, v: Value| -> Value {
            if var_ty.bits >= 64 {
                v
            } else if var_ty.signed {
                lw.cx.b.ins().sextend(types::I64, v)
            } else {
                lw.cx.b.ins().uextend(types::I64, v)
            }
        };
        let const_step = match step.as_const() {
            Some(Const::Int(k)) => Some(k),
            _ => None,
        };
        let (start_v, stop_v, step_v, uncut_stop) = if var_ty.bits < 64 {
            self.narrow_range_bounds(var_ty, start, stop, step, const_step)?
        } else {
            let v0 = self.expr(start)?;
            let v1 = self.expr(stop)?;
            let v2 = self.expr(step)?;
            (widen(self, v0), widen(self, v1), widen(self, v2), None)
        };
        match const_step {
            Some(0) => return self.raise("PyExc_ValueError", Some("range() arg 3 must not be zero")),
            Some(_) => {}
            None => {
                let z = self.cx.b.ins().icmp_imm_s(IntCC::Equal, step_v, 0);
                self.raise_if(z, "PyExc_ValueError", Some("range() arg 3 must not be zero"))?;
            }
        }
        let unsigned = !var_ty.signed && var_ty.bits >= 64;
        // Whether the step was unsigned before the front end converted it to
        // the variable's type: a signed step's bits keep its sign.
        let step_unsigned = {
            let mut source = step;
            while let hir::ExprKind::Convert(inner) = &source.kind {
                source = inner;
            }
            matches!(source.ty, Ty::Int(t) if !t.signed)
        };
        let (lt, gt) = if unsigned {
            (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan)
        } else {
            (IntCC::SignedLessThan, IntCC::SignedGreaterThan)
        };
        let cur = self.cx.b.declare_var(types::I64);
        self.cx.b.def_var(cur, start_v);
        if let Some(vector) = &plan.vector {
            self.vector_prelude(vector, var, var_ty, cur, stop_v)?;
        } else if let Some(sum) = &plan.sum {
            self.sum_prelude(sum, var, var_ty, cur, stop_v)?;
        }
        let line = self.fr.line;
        let else_b = self.cx.b.create_block();
        let exit = self.cx.b.create_block();
        // Where an exhausted loop goes: through the check of a cut range first.
        let (else_b, real_else) = match uncut_stop {
            Some(_) => (self.cx.b.create_block(), else_b),
            None => (else_b, else_b),
        };
        let finish_cut = |lw: &mut Self| -> R<()> {
            if let Some(e) = uncut_stop {
                lw.enter(else_b);
                let c = lw.cx.b.use_var(cur);
                lw.range_cut_short(var_ty, c, e, step_v, const_step)?;
                lw.cx.b.ins().jump(real_else, &[]);
            }
            Ok(())
        };
        // Unrolled ×2 (`opt::unroll`; the step is a constant in `1..=2^20`).
        if let (true, Some(k)) = (plan.unroll, const_step) {
            // Two trips per test, the test at the bottom (a rotated loop), and a
            // limit computed once so the counter needs no overflow check:
            // `c < limit` means `c + k < stop` and `c + 2k` fits in 64 bits.
            let limit = if var_ty.bits < 64 {
                self.cx.b.ins().iadd_imm_s(stop_v, -k)
            } else {
                let cap = self.cx.b.ins().iconst(types::I64, i64::MAX - k + 1);
                let capped = self.cx.b.ins().smin(stop_v, cap);
                let kv = self.cx.b.ins().iconst(types::I64, k);
                let (below, under) = self.cx.b.ins().ssub_overflow(capped, kv);
                let min = self.cx.b.ins().iconst(types::I64, i64::MIN);
                self.cx.b.ins().select(under, min, below)
            };
            let (u_body, r_header, r_body) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
            let c = self.cx.b.use_var(cur);
            let done = self.cx.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, c, limit);
            // The loop body as the branch's second successor: Cranelift's LICM
            // walks the dominator tree in an order that then visits it first.
            self.cx.b.ins().brif(done, r_header, &[], u_body, &[]);
            self.cx.b.switch_to_block(u_body); // sealed once its back edge exists
            let c = self.cx.b.use_var(cur);
            self.two_trips(var, var_ty, c, k, body, plan.paired.as_ref())?;
            if self.reachable {
                let next = self.cx.b.ins().iadd_imm_s(c, 2 * k);
                self.cx.b.def_var(cur, next);
                let done = self.cx.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, next, limit);
                self.cx.b.ins().brif(done, r_header, &[], u_body, &[]);
            }
            self.cx.b.seal_block(u_body);
            // The rest (one trip, or two when `stop` is within 2k of the 64-bit limit).
            self.cx.b.switch_to_block(r_header); // sealed once its back edge exists
            let c = self.cx.b.use_var(cur);
            let go = self.cx.b.ins().icmp(lt, c, stop_v);
            self.cx.b.ins().brif(go, r_body, &[], else_b, &[]);
            self.enter(r_body);
            self.range_body_copy(var, var_ty, c, body)?;
            if self.reachable {
                let (next, of) = self.step_counter(c, k, var_ty, unsigned);
                self.cx.b.def_var(cur, next);
                self.cx.b.ins().brif(of, else_b, &[], r_header, &[]);
            }
            self.cx.b.seal_block(r_header);
            self.fr.line = line;
            finish_cut(self)?;
            return self.finish_loop(real_else, exit, orelse, false);
        }
        let (header, body_b, incr) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().jump(header, &[]);
        self.cx.b.switch_to_block(header); // sealed once its back edges exist
        let c = self.cx.b.use_var(cur);
        let up = self.cx.b.ins().icmp(lt, c, stop_v);
        let down = self.cx.b.ins().icmp(gt, c, stop_v);
        let go = self.by_step_direction(const_step, step_v, step_unsigned, up, down);
        self.cx.b.ins().brif(go, body_b, &[], else_b, &[]);
        self.enter(body_b);
        let c = self.cx.b.use_var(cur);
        self.fr.loops.push(LoopTargets { cont: incr, exit, continued: false, broke: false });
        self.range_body_copy(var, var_ty, c, body)?;
        let falls_through = self.reachable;
        if falls_through {
            self.cx.b.ins().jump(incr, &[]);
        }
        let targets = self.fr.loops.pop().expect("pushed above");
        if falls_through || targets.continued {
            self.enter(incr);
            let c = self.cx.b.use_var(cur);
            // Entered with `c` strictly inside the range: a unit step cannot overflow.
            let (next, overflow) = match const_step {
                Some(1) | Some(-1) => {
                    let n = self.cx.b.ins().iadd(c, step_v);
                    (n, self.cx.b.ins().iconst(types::I8, 0))
                }
                _ if var_ty.bits < 64 => {
                    let n = self.cx.b.ins().iadd(c, step_v);
                    (n, self.cx.b.ins().iconst(types::I8, 0))
                }
                // An unsigned counter steps down by the step's magnitude: adding
                // -2's bit pattern would carry, and read as running past the end.
                Some(k) if unsigned && k < 0 => {
                    let magnitude = self.cx.b.ins().iconst(types::I64, k.unsigned_abs() as i64);
                    self.cx.b.ins().usub_overflow(c, magnitude)
                }
                None if unsigned && !step_unsigned => {
                    let (up, up_over) = self.cx.b.ins().uadd_overflow(c, step_v);
                    let magnitude = self.cx.b.ins().ineg(step_v);
                    let (down, down_over) = self.cx.b.ins().usub_overflow(c, magnitude);
                    let negative = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, step_v, 0);
                    let next = self.cx.b.ins().select(negative, down, up);
                    (next, self.cx.b.ins().select(negative, down_over, up_over))
                }
                _ if unsigned => self.cx.b.ins().uadd_overflow(c, step_v),
                _ => self.cx.b.ins().sadd_overflow(c, step_v),
            };
            self.cx.b.def_var(cur, next);
            self.cx.b.ins().brif(overflow, else_b, &[], header, &[]);
        }
        self.cx.b.seal_block(header);
        self.fr.line = line;
        finish_cut(self)?;
        self.finish_loop(real_else, exit, orelse, targets.broke)
    }

    /// Runs as much of an element-wise loop as it can on 128-bit vectors, then
    /// leaves `cur` at the first index the scalar loop still has to do. Each
    /// lane does exactly the scalar operations, so results are bit-identical;
    /// a runtime guard keeps the scalar loop for anything that could differ
    /// (indices outside a view, negative start, overlapping arrays).
    fn vector_prelude(&mut self, plan: &VectorPlan, var: LocalId, var_ty: IntTy, cur: Variable, stop: Value) -> R<()> {
        let accesses: Vec<Access> = std::iter::once(plan.out.clone()).chain(plan.inputs.iter().cloned()).collect();
        let (mut ok, bases) = self.vector_rows(&accesses, cur, stop)?;
        let (lane_ty, vec_ty, lanes) = lanes_of(plan.elem);
        let out_base = bases[0].1;
        for (acc, base) in &bases[1..] {
            if acc.view != plan.out.view || acc.leading != plan.out.leading {
                // Reading x[i] while writing y[i]: only a y a few elements past x
                // would let a lane read a value the scalar loop had already replaced.
                let d = self.cx.b.ins().isub(out_base, *base);
                let ahead = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, d, 0);
                let close = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, d, 16);
                let bad = self.cx.b.ins().band(ahead, close);
                let fine = self.cx.b.ins().bxor_imm_s(bad, 1);
                ok = self.cx.b.ins().band(ok, fine);
            }
        }
        // Two vectors per trip, the test at the bottom (a rotated loop): one
        // taken branch per 2 × lanes elements; the scalar loop does the rest.
        let step = 2 * lanes;
        let c0 = self.cx.b.use_var(cur);
        let first = self.cx.b.ins().iadd_imm_s(c0, step);
        let room = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, first, stop);
        let go = self.cx.b.ins().band(ok, room);
        let (body, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().brif(go, body, &[], done, &[]);
        self.cx.b.switch_to_block(body); // sealed once its back edge exists
        let c = self.cx.b.use_var(cur);
        for part in 0..2 {
            let at = if part == 0 { c } else { self.cx.b.ins().iadd_imm_s(c, lanes) };
            let v = self.vector_expr(&plan.value, at, vec_ty, lane_ty, plan.elem, &bases)?;
            let addr = self.lane_address(out_base, at, plan.elem);
            self.cx.b.ins().store(element_flags(), v, addr, 0);
        }
        let more = self.vector_step(var, var_ty, cur, c, step, stop);
        self.cx.b.ins().brif(more, body, &[], done, &[]);
        self.cx.b.seal_block(body);
        self.enter(done);
        Ok(())
    }

    /// The vector loops' run-time guard (start >= 0, every access's row and
    /// `stop` inside its view; an index out of range only fails the guard, so
    /// the scalar loop raises IndexError exactly where CPython's semantics put
    /// it) and each access's row address (leading indices applied once).
    fn vector_rows(&mut self, accesses: &[Access], cur: Variable, stop: Value) -> R<(Value, Vec<(Access, Value)>)> {
        let start = self.cx.b.use_var(cur);
        let mut ok = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, start, 0);
        let mut bases: Vec<(Access, Value)> = vec![];
        for acc in accesses {
            if bases.iter().any(|(a, _)| a == acc) {
                continue;
            }
            let parts = self.view_parts(acc.view)?;
            let nd = (parts.len() - 1) / 2;
            let mut base = parts[0];
            for (k, ix) in acc.leading.iter().enumerate() {
                let i = self.cx.b.use_var(self.fr.vars[ix.0 as usize]);
                let i = if self.fr.f.wraparound {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
                    let w = self.cx.b.ins().iadd(i, parts[1 + k]);
                    self.cx.b.ins().select(neg, w, i)
                } else {
                    i
                };
                let inside = self.cx.b.ins().icmp(IntCC::UnsignedLessThan, i, parts[1 + k]);
                ok = self.cx.b.ins().band(ok, inside);
                let off = self.cx.b.ins().imul(i, parts[1 + nd + k]);
                base = self.cx.b.ins().iadd(base, off);
            }
            let fits = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, stop, parts[nd]);
            ok = self.cx.b.ins().band(ok, fits);
            bases.push((acc.clone(), base));
        }
        Ok((ok, bases))
    }

    /// `s += E(i)` under `associative_math`: two vectors of partial sums over
    /// as much of the range as fits, added into `s` lane by lane afterwards;
    /// the scalar loop adds the rest in order. The result's rounding differs
    /// from the in-order sum: the user asked for that.
    fn sum_prelude(&mut self, plan: &SumPlan, var: LocalId, var_ty: IntTy, cur: Variable, stop: Value) -> R<()> {
        let (ok, bases) = self.vector_rows(&plan.inputs, cur, stop)?;
        let (lane_ty, vec_ty, lanes) = lanes_of(plan.elem);
        let step = 2 * lanes;
        let c0 = self.cx.b.use_var(cur);
        let first = self.cx.b.ins().iadd_imm_s(c0, step);
        let room = self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, first, stop);
        let go = self.cx.b.ins().band(ok, room);
        let (body, tail, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [body, tail] {
            self.cx.b.append_block_param(blk, vec_ty);
            self.cx.b.append_block_param(blk, vec_ty);
        }
        let zero = if plan.elem == 64 { self.cx.b.ins().f64const(0.0) } else { self.cx.b.ins().f32const(0.0) };
        let z = self.cx.b.ins().splat(vec_ty, zero);
        self.cx.b.ins().brif(go, body, &[BlockArg::Value(z), BlockArg::Value(z)], done, &[]);
        self.cx.b.switch_to_block(body); // sealed once its back edge exists
        let (a0, a1) = (self.cx.b.block_params(body)[0], self.cx.b.block_params(body)[1]);
        let c = self.cx.b.use_var(cur);
        let v0 = self.vector_expr(&plan.value, c, vec_ty, lane_ty, plan.elem, &bases)?;
        let c1 = self.cx.b.ins().iadd_imm_s(c, lanes);
        let v1 = self.vector_expr(&plan.value, c1, vec_ty, lane_ty, plan.elem, &bases)?;
        let (a0, a1) = (self.cx.b.ins().fadd(a0, v0), self.cx.b.ins().fadd(a1, v1));
        let more = self.vector_step(var, var_ty, cur, c, step, stop);
        self.cx.b.ins().brif(more, body, &[BlockArg::Value(a0), BlockArg::Value(a1)], tail, &[BlockArg::Value(a0), BlockArg::Value(a1)]);
        self.cx.b.seal_block(body);
        self.enter(tail);
        let (a0, a1) = (self.cx.b.block_params(tail)[0], self.cx.b.block_params(tail)[1]);
        let sum = self.cx.b.ins().fadd(a0, a1);
        let mut s = self.read_local(plan.acc)?;
        for lane in 0..lanes as u8 {
            let x = self.cx.b.ins().extractlane(sum, lane);
            s = self.cx.b.ins().fadd(s, x);
        }
        self.assign(plan.acc, s);
        self.cx.b.ins().jump(done, &[]);
        self.enter(done);
        Ok(())
    }

    /// After a vector trip at `c`: the loop variable ends as the last index
    /// done (as the scalar loop leaves it), the counter moves on by `step`, and
    /// the result tells whether another whole trip fits before `stop`.
    fn vector_step(&mut self, var: LocalId, var_ty: IntTy, cur: Variable, c: Value, step: i64, stop: Value) -> Value {
        let last = self.cx.b.ins().iadd_imm_s(c, step - 1);
        let last_v = if var_ty.bits < 64 { self.cx.b.ins().ireduce(clif_type(Ty::Int(var_ty)).unwrap_or(types::I64), last) } else { last };
        self.assign(var, last_v);
        let next = self.cx.b.ins().iadd_imm_s(c, step);
        self.cx.b.def_var(cur, next);
        let after = self.cx.b.ins().iadd_imm_s(next, step);
        self.cx.b.ins().icmp(IntCC::SignedLessThanOrEqual, after, stop)
    }

    fn lane_address(&mut self, base: Value, index: Value, elem_bits: u8) -> Value {
        let off = self.cx.b.ins().imul_imm_s(index, (elem_bits / 8) as i64);
        self.cx.b.ins().iadd(base, off)
    }

    fn vector_expr(&mut self, e: &Expr, index: Value, vec_ty: ir::Type, lane_ty: ir::Type, elem_bits: u8, bases: &[(Access, Value)]) -> R<Value> {
        Ok(match &e.kind {
            ExprKind::Index { view, indices, .. } => {
                let (_, leading) = indices.split_last().ok_or("vector access without its row")?;
                let leading = leading.iter().map(hir::index_local).collect::<Option<Vec<_>>>().ok_or("vector access without its row")?;
                let acc = Access { view: *view, leading };
                let base = bases.iter().find(|(a, _)| *a == acc).map(|(_, b)| *b).ok_or("vector access without its row")?;
                let addr = self.lane_address(base, index, elem_bits);
                self.cx.b.ins().load(vec_ty, element_flags(), addr, 0)
            }
            ExprKind::Binary(op, a, b) => {
                let x = self.vector_expr(a, index, vec_ty, lane_ty, elem_bits, bases)?;
                let y = self.vector_expr(b, index, vec_ty, lane_ty, elem_bits, bases)?;
                match op {
                    ArithOp::Add => self.cx.b.ins().fadd(x, y),
                    ArithOp::Sub => self.cx.b.ins().fsub(x, y),
                    ArithOp::Mul => self.cx.b.ins().fmul(x, y),
                    _ => self.cx.b.ins().fdiv(x, y),
                }
            }
            ExprKind::Unary(UnOp::Neg, a) => {
                let x = self.vector_expr(a, index, vec_ty, lane_ty, elem_bits, bases)?;
                self.cx.b.ins().fneg(x)
            }
            _ => {
                // Loop-invariant scalar: computed once per vector step, then splat.
                let s = self.expr(e)?;
                if self.cx.b.func.dfg.value_type(s) != lane_ty {
                    return Err("vector lane type mismatch".into());
                }
                self.cx.b.ins().splat(vec_ty, s)
            }
        })
    }

    /// The body run for `counter` and then `counter + k`; a float reduction's
    /// two trips share their vector work (see `reduction`).
    fn two_trips(&mut self, var: LocalId, var_ty: IntTy, c: Value, k: i64, body: &[Stmt], paired: Option<&hir::PairedReduction>) -> R<()> {
        if let Some(p) = paired {
            let red = reduction::Reduction { acc: p.acc, value: &p.value, var, step: k, no_effects: p.no_effects };
            let c2 = self.cx.b.ins().iadd_imm_s(c, k);
            self.fr.line = body[0].line;
            return self.paired_reduction(&red, |lw, lane| lw.set_loop_var(var, var_ty, [c, c2][lane]));
        }
        self.range_body_copy(var, var_ty, c, body)?;
        if self.reachable {
            let c2 = self.cx.b.ins().iadd_imm_s(c, k);
            self.range_body_copy(var, var_ty, c2, body)?;
        }
        Ok(())
    }

    /// A range bound for a loop variable narrower than 64 bits, as a 64-bit
    /// value: one the front end converted to the variable's type from a type
    /// it does not fit is taken before that conversion (which would wrap),
    /// with `true`.
    fn wide_range_bound(&mut self, e: &Expr, var_ty: IntTy) -> R<(Value, bool)> {
        let fits = |t: IntTy| (t.signed == var_ty.signed && t.bits <= var_ty.bits) || (!t.signed && var_ty.signed && t.bits < var_ty.bits);
        let (inner, t) = match (&e.kind, e.ty) {
            (ExprKind::Convert(x), Ty::Int(_)) => match x.ty {
                Ty::Int(t) if !fits(t) => (&**x, t),
                _ => (e, var_ty),
            },
            _ => (e, var_ty),
        };
        let v = self.expr(inner)?;
        let wide = match (t.bits, t.signed) {
            (64, true) => v,
            // Above i64::MAX is as much out of the variable's range as i64::MAX.
            (64, false) => {
                let max = self.cx.b.ins().iconst(types::I64, i64::MAX);
                self.cx.b.ins().umin(v, max)
            }
            (_, true) => self.cx.b.ins().sextend(types::I64, v),
            (_, false) => self.cx.b.ins().uextend(types::I64, v),
        };
        Ok((wide, !std::ptr::eq(inner, e)))
    }

    /// Start, stop and step of a range loop whose variable is narrower than
    /// 64 bits (its counter is 64-bit). Bounds of a wider type are not wrapped
    /// into the variable's: the range is cut where the variable's type ends,
    /// OverflowError raised before the loop if its first value does not fit,
    /// and the original stop returned for `range_cut_short` on exhaustion. So
    /// the loop runs as in Python until the variable would have to take a
    /// value its type cannot hold, with no cost per trip.
    fn narrow_range_bounds(
        &mut self,
        var_ty: IntTy,
        start: &Expr,
        stop: &Expr,
        step: &Expr,
        const_step: Option<i64>,
    ) -> R<(Value, Value, Value, Option<Value>)> {
        let (s, s_wide) = self.wide_range_bound(start, var_ty)?;
        let (e, e_wide) = self.wide_range_bound(stop, var_ty)?;
        let (k, k_wide) = self.wide_range_bound(step, var_ty)?;
        // A step beyond ±2**40 takes one trip at most, as the clamped one does;
        // the counter then cannot overflow.
        let k = if k_wide {
            let (min, max) = (self.cx.b.ins().iconst(types::I64, -(1 << 40)), self.cx.b.ins().iconst(types::I64, 1 << 40));
            let k = self.cx.b.ins().smax(k, min);
            self.cx.b.ins().smin(k, max)
        } else {
            k
        };
        if !s_wide && !e_wide {
            return Ok((s, e, k, None));
        }
        let (lo, hi) = if var_ty.signed {
            (-(1i64 << (var_ty.bits - 1)), (1i64 << (var_ty.bits - 1)) - 1)
        } else {
            (0, (1i64 << var_ty.bits) - 1)
        };
        // Below the type going up, or above it going down: the first value.
        let up = {
            let nonempty = self.cx.b.ins().icmp(IntCC::SignedLessThan, s, e);
            let out = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, s, lo);
            self.cx.b.ins().band(nonempty, out)
        };
        let down = {
            let nonempty = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, s, e);
            let out = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, s, hi);
            self.cx.b.ins().band(nonempty, out)
        };
        let bad = self.by_step_direction(const_step, k, false, up, down);
        self.raise_if(bad, "PyExc_OverflowError", Some(&range_overflow_message(var_ty)))?;
        // Monotonic, so an empty range stays empty and values inside the
        // type are kept; the first value past the type ends the loop.
        let (lo1, hi1) = (self.cx.b.ins().iconst(types::I64, lo - 1), self.cx.b.ins().iconst(types::I64, hi + 1));
        let clamp = |lw: &mut Self, v: Value| {
            let v = lw.cx.b.ins().smax(v, lo1);
            lw.cx.b.ins().smin(v, hi1)
        };
        let (s, e_cut) = (clamp(self, s), clamp(self, e));
        Ok((s, e_cut, k, Some(e)))
    }

    /// `up` for a range counting up, `down` for one counting down: decided
    /// at compile time for a constant step, else by the step's sign (an
    /// unsigned step is positive, even at 2**63 and above).
    fn by_step_direction(&mut self, const_step: Option<i64>, step: Value, step_unsigned: bool, up: Value, down: Value) -> Value {
        match const_step {
            Some(k) if k > 0 => up,
            Some(_) => down,
            None if step_unsigned => up,
            None => {
                let positive = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
                self.cx.b.ins().select(positive, up, down)
            }
        }
    }

    /// On leaving a cut range loop (see `narrow_range_bounds`) with the
    /// counter at `c`: OverflowError if Python's range had more values.
    fn range_cut_short(&mut self, var_ty: IntTy, c: Value, stop: Value, step: Value, const_step: Option<i64>) -> R<()> {
        let up = self.cx.b.ins().icmp(IntCC::SignedLessThan, c, stop);
        let down = self.cx.b.ins().icmp(IntCC::SignedGreaterThan, c, stop);
        let more = self.by_step_direction(const_step, step, false, up, down);
        self.raise_if(more, "PyExc_OverflowError", Some(&range_overflow_message(var_ty)))
    }

    /// `counter + k` and whether it left the 64-bit range (never for narrower loop variables).
    fn step_counter(&mut self, c: Value, k: i64, var_ty: IntTy, unsigned: bool) -> (Value, Value) {
        if var_ty.bits < 64 {
            let n = self.cx.b.ins().iadd_imm_s(c, k);
            return (n, self.cx.b.ins().iconst(types::I8, 0));
        }
        let kv = self.cx.b.ins().iconst(types::I64, k);
        if unsigned {
            self.cx.b.ins().uadd_overflow(c, kv)
        } else {
            self.cx.b.ins().sadd_overflow(c, kv)
        }
    }

    /// One run of a range loop's body with the loop variable set to `counter`.
    fn range_body_copy(&mut self, var: LocalId, var_ty: IntTy, counter: Value, body: &[Stmt]) -> R<()> {
        self.set_loop_var(var, var_ty, counter);
        self.reachable = true;
        self.stmts(body)
    }

    fn set_loop_var(&mut self, var: LocalId, var_ty: IntTy, counter: Value) {
        let v = if var_ty.bits < 64 {
            self.cx.b.ins().ireduce(clif_type(Ty::Int(var_ty)).unwrap_or(types::I64), counter)
        } else {
            counter
        };
        self.assign(var, v);
    }

    // ---- expressions ---------------------------------------------------------------

    fn konst(&mut self, c: Const, ty: Ty) -> Value {
        match (c, clif_type(ty).unwrap_or(types::I8)) {
            (Const::Float(f), types::F64) => self.cx.b.ins().f64const(f),
            (Const::Float(f), types::F32) => self.cx.b.ins().f32const(f as f32),
            (Const::Int(v), types::F64) => self.cx.b.ins().f64const(v as f64),
            (Const::Int(v), types::F32) => self.cx.b.ins().f32const(v as f32),
            (Const::Bool(b), types::F64) => self.cx.b.ins().f64const(b as i64 as f64),
            (Const::Bool(b), types::F32) => self.cx.b.ins().f32const(b as i64 as f32),
            (Const::Int(v), t) => {
                let bits = t.bits();
                let v = if bits >= 64 { v } else { v & ((1i64 << bits) - 1) };
                self.cx.b.ins().iconst(t, v)
            }
            (Const::Bool(b), t) => self.cx.b.ins().iconst(t, b as i64),
            (Const::Float(f), t) => self.cx.b.ins().iconst(t, f as i64),
        }
    }

    fn read_local(&mut self, id: LocalId) -> R<Value> {
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            let f = self.cx.b.use_var(flag);
            let unbound = self.cx.b.ins().icmp_imm_s(IntCC::Equal, f, 0);
            let name = self.fr.f.locals[id.0 as usize].name.clone();
            let msg = self.cx.em.py.unbound_local_message(&name);
            self.raise_if(unbound, "PyExc_UnboundLocalError", Some(&msg))?;
        }
        Ok(self.cx.b.use_var(self.fr.vars[id.0 as usize]))
    }

    fn expr(&mut self, e: &Expr) -> R<Value> {
        match &e.kind {
            ExprKind::Const(c) => Ok(self.konst(*c, e.ty)),
            ExprKind::Local(id) => self.read_local(*id),
            ExprKind::Convert(x) => {
                let v = self.expr(x)?;
                self.convert(v, x.ty, e.ty)
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x)?;
                self.unary(*op, v, e.ty)
            }
            ExprKind::Binary(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                match (a.ty, b.ty) {
                    (Ty::Float(_), _) | (_, Ty::Float(_)) => self.float_binary(*op, va, vb, e.ty, b),
                    (Ty::Int(t), _) if *op == ArithOp::Div => self.int_true_div(va, vb, t),
                    (Ty::Int(t), _) => self.int_binary(*op, va, vb, t),
                    (Ty::Bool, _) => self.bool_binary(*op, va, vb),
                    _ => Err(format!("binary {op:?} on {} reached the back end", a.ty)),
                }
            }
            ExprKind::NoOverflow(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                match op {
                    ArithOp::Sub => Ok(self.cx.b.ins().isub(va, vb)),
                    _ => Err(format!("unchecked {op:?} reached the back end")),
                }
            }
            ExprKind::Compare { operands, ops } => self.compare_chain(operands, ops),
            ExprKind::Truthy(x) => {
                let v = self.expr(x)?;
                Ok(self.truthy(v, x.ty))
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let va = self.expr(a)?;
                let t = self.truthy(va, a.ty);
                let (eval_b, merge) = (self.cx.b.create_block(), self.cx.b.create_block());
                let ct = clif_type(e.ty).unwrap_or(types::I8);
                self.cx.b.append_block_param(merge, ct);
                if is_and {
                    self.cx.b.ins().brif(t, eval_b, &[], merge, &[BlockArg::Value(va)]);
                } else {
                    self.cx.b.ins().brif(t, merge, &[BlockArg::Value(va)], eval_b, &[]);
                }
                self.enter(eval_b);
                let vb = self.expr(b)?;
                self.cx.b.ins().jump(merge, &[BlockArg::Value(vb)]);
                self.enter(merge);
                Ok(self.cx.b.block_params(merge)[0])
            }
            ExprKind::IfExp { cond, then, orelse, select: true } => {
                // Arms that cannot raise or call: both computed, one selected (no branch).
                let c = self.expr(cond)?;
                let t = self.expr(then)?;
                let o = self.expr(orelse)?;
                Ok(self.cx.b.ins().select(c, t, o))
            }
            ExprKind::IfExp { cond, then, orelse, select: false } => {
                let c = self.expr(cond)?;
                let (tb, eb, merge) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
                let ct = clif_type(e.ty).unwrap_or(types::I8);
                self.cx.b.append_block_param(merge, ct);
                self.cx.b.ins().brif(c, tb, &[], eb, &[]);
                for (blk, x) in [(tb, then), (eb, orelse)] {
                    self.enter(blk);
                    let v = self.expr(x)?;
                    self.cx.b.ins().jump(merge, &[BlockArg::Value(v)]);
                }
                self.enter(merge);
                Ok(self.cx.b.block_params(merge)[0])
            }
            ExprKind::Call(id, args) => {
                let mut vals = vec![];
                for a in args {
                    match a.ty {
                        Ty::View(_) => vals.extend(self.view_value(a)?),
                        _ => vals.push(self.expr(a)?),
                    }
                }
                if self.should_inline(*id) {
                    return self.inline_call(*id, &vals);
                }
                let callee_f = self.m.function(*id);
                if has_big_frame(callee_f) {
                    let limit = self.room_for(callee_f)?;
                    vals.push(limit);
                } else {
                    vals.push(self.limit);
                }
                let callee = self.cx.em.native_id(*id);
                let r = self.cx.func_ref(callee);
                let inst = self.cx.b.ins().call(r, &vals);
                let results = self.cx.b.inst_results(inst).to_vec();
                let err = *results.last().ok_or("native call without error flag")?;
                self.propagate_if(err);
                Ok(if results.len() == 2 { results[0] } else { self.cx.b.ins().iconst(types::I8, 0) })
            }
            ExprKind::Math(op, args) => {
                let mut vals = vec![];
                for a in args {
                    vals.push(self.expr(a)?);
                }
                self.math(*op, &vals)
            }
            ExprKind::MinMax { is_max, args } => {
                let mut acc = self.expr(&args[0])?;
                for a in &args[1..] {
                    let v = self.expr(a)?;
                    let better = match e.ty {
                        Ty::Float(_) => self.cx.b.ins().fcmp(if *is_max { FloatCC::GreaterThan } else { FloatCC::LessThan }, v, acc),
                        Ty::Int(t) if t.signed => self.cx.b.ins().icmp(if *is_max { IntCC::SignedGreaterThan } else { IntCC::SignedLessThan }, v, acc),
                        _ => self.cx.b.ins().icmp(if *is_max { IntCC::UnsignedGreaterThan } else { IntCC::UnsignedLessThan }, v, acc),
                    };
                    acc = self.cx.b.ins().select(better, v, acc);
                }
                Ok(acc)
            }
            ExprKind::Abs(x) => {
                let v = self.expr(x)?;
                match e.ty {
                    Ty::Float(_) => Ok(self.cx.b.ins().fabs(v)),
                    Ty::Int(t) if !t.signed => Ok(v),
                    Ty::Int(t) => {
                        if t.checked {
                            let min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, i64::MIN);
                            self.raise_if(min, "PyExc_OverflowError", Some(OVERFLOW_PY_INT))?;
                        }
                        Ok(self.cx.b.ins().iabs(v))
                    }
                    _ => Ok(v),
                }
            }
            ExprKind::BitCount(x) => {
                let v = self.expr(x)?;
                let v = match x.ty {
                    Ty::Int(t) if t.signed => self.cx.b.ins().iabs(v),
                    _ => v,
                };
                let n = self.cx.b.ins().popcnt(v);
                let bits = self.cx.b.func.dfg.value_type(n).bits();
                Ok(if bits < 64 { self.cx.b.ins().uextend(types::I64, n) } else { n })
            }
            ExprKind::Round(x) => {
                let v = self.expr(x)?;
                let r = self.cx.b.ins().nearest(v);
                self.float_to_int(r, PY_INT)
            }
            ExprKind::RoundDigits(x, n) => {
                let vx = self.expr(x)?;
                let vn = self.expr(n)?;
                self.round_digits(vx, vn)
            }
            ExprKind::Index { view, indices, in_bounds } => {
                let addr = self.element_address(*view, indices, in_bounds, true)?;
                let t = clif_type(e.ty).unwrap_or(types::I64);
                Ok(self.cx.b.ins().load(t, element_flags(), addr, 0))
            }
            ExprKind::SliceView { .. } | ExprKind::NoneView => Err("a memoryview used as a number reached the back end".into()),
            ExprKind::ViewIsNone(view) => {
                let parts = self.view_parts(*view)?;
                Ok(self.cx.b.ins().icmp_imm_s(IntCC::Equal, parts[0], 0))
            }
            ExprKind::ViewDim { view, dim, axis } => {
                self.check_view_bound(*view)?;
                let vv = self.fr.views.get(view).ok_or("memoryview without its parts")?;
                let var = if *dim == Dim::Shape { vv.shape[*axis as usize] } else { vv.strides[*axis as usize] };
                Ok(self.cx.b.use_var(var))
            }
        }
    }

    fn view_ty(&self, view: LocalId) -> R<ViewTy> {
        match self.fr.f.locals[view.0 as usize].ty {
            Ty::View(v) => Ok(v),
            other => Err(format!("indexing a {other} reached the back end")),
        }
    }

    /// A memoryview local read before it surely holds a view: UnboundLocalError.
    fn check_view_bound(&mut self, view: LocalId) -> R<()> {
        if let Some(flag) = self.fr.flags.get(&view).copied() {
            let f = self.cx.b.use_var(flag);
            let unbound = self.cx.b.ins().icmp_imm_s(IntCC::Equal, f, 0);
            let name = self.fr.f.locals[view.0 as usize].name.clone();
            let msg = self.cx.em.py.unbound_local_message(&name);
            self.raise_if(unbound, "PyExc_UnboundLocalError", Some(&msg))?;
        }
        Ok(())
    }

    /// The native parts of a view-typed expression: a view local or a slice of one.
    fn view_value(&mut self, e: &Expr) -> R<Vec<Value>> {
        match &e.kind {
            ExprKind::Local(id) => self.view_parts(*id),
            ExprKind::SliceView { view, axes } => self.slice_parts(*view, axes),
            ExprKind::NoneView => {
                let Ty::View(v) = e.ty else { return Err("a None view without a view type".into()) };
                let zero = self.cx.b.ins().iconst(types::I64, 0);
                Ok(vec![zero; 1 + 2 * v.ndim as usize])
            }
            other => Err(format!("a memoryview value {other:?} reached the back end")),
        }
    }

    /// Python slice semantics per axis (`slice.indices`), no copying: the new
    /// view's data pointer, shape and strides.
    fn slice_parts(&mut self, view: LocalId, axes: &[hir::Axis]) -> R<Vec<Value>> {
        let src = self.view_ty(view)?;
        let parts = self.view_parts(view)?;
        let nd = src.ndim as usize;
        let mut data = parts[0];
        let (mut shape, mut strides) = (vec![], vec![]);
        for (k, axis) in axes.iter().enumerate() {
            let (n, stride) = (parts[1 + k], parts[1 + nd + k]);
            match axis {
                hir::Axis::At(x) => {
                    let i = self.expr(x)?;
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
                    let wrapped = self.cx.b.ins().iadd(i, n);
                    let i = self.cx.b.ins().select(neg, wrapped, i);
                    let out = self.cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, n);
                    let msg = format!("Out of bounds on buffer access (axis {k})");
                    self.raise_if(out, "PyExc_IndexError", Some(&msg))?;
                    let off = self.cx.b.ins().imul(i, stride);
                    data = self.cx.b.ins().iadd(data, off);
                }
                hir::Axis::Range(lo, hi, st) => {
                    let step = match st {
                        Some(x) => self.expr(x)?,
                        None => self.cx.b.ins().iconst(types::I64, 1),
                    };
                    let zero_step = self.cx.b.ins().icmp_imm_s(IntCC::Equal, step, 0);
                    self.raise_if(zero_step, "PyExc_ValueError", Some("slice step cannot be zero"))?;
                    let lo = match lo { Some(x) => Some(self.expr(x)?), None => None };
                    let hi = match hi { Some(x) => Some(self.expr(x)?), None => None };
                    let (start, len) = self.slice_indices(lo, hi, step, n);
                    let off = self.cx.b.ins().imul(start, stride);
                    data = self.cx.b.ins().iadd(data, off);
                    shape.push(len);
                    strides.push(self.cx.b.ins().imul(stride, step));
                }
            }
        }
        let mut out = vec![data];
        out.extend(shape);
        out.extend(strides);
        Ok(out)
    }

    /// CPython's `PySlice_AdjustIndices`: clamped start and the slice length.
    fn slice_indices(&mut self, lo: Option<Value>, hi: Option<Value>, step: Value, n: Value) -> (Value, Value) {
        let b = &mut self.cx.b;
        let zero = b.ins().iconst(types::I64, 0);
        let minus1 = b.ins().iconst(types::I64, -1);
        let n1 = b.ins().iadd_imm_s(n, -1);
        let up = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
        // Bounds for a positive step are [0, n]; for a negative one [-1, n-1].
        let low_bound = b.ins().select(up, zero, minus1);
        let high_bound = b.ins().select(up, n, n1);
        let adjust = |b: &mut FunctionBuilder, v: Value| {
            let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
            let plus = b.ins().iadd(v, n);
            let v = b.ins().select(neg, plus, v);
            let v = b.ins().smax(v, low_bound);
            b.ins().smin(v, high_bound)
        };
        let start = match lo {
            Some(v) => adjust(b, v),
            None => b.ins().select(up, zero, n1),
        };
        let stop = match hi {
            Some(v) => adjust(b, v),
            None => b.ins().select(up, n, minus1),
        };
        // len = (stop - start + step -/+ 1) / step when the range is non-empty.
        let diff = b.ins().isub(stop, start);
        let one = b.ins().iconst(types::I64, 1);
        let round = b.ins().isub(step, one);
        let round_down = b.ins().iadd(step, one);
        let bias = b.ins().select(up, round, round_down);
        let num = b.ins().iadd(diff, bias);
        let safe_step = step;
        let q = b.ins().sdiv(num, safe_step);
        let nonempty_up = b.ins().icmp(IntCC::SignedLessThan, start, stop);
        let nonempty_down = b.ins().icmp(IntCC::SignedGreaterThan, start, stop);
        let nonempty = b.ins().select(up, nonempty_up, nonempty_down);
        let len = b.ins().select(nonempty, q, zero);
        (start, len)
    }

    /// The memoryview's parts as native values, for a call.
    fn view_parts(&mut self, view: LocalId) -> R<Vec<Value>> {
        self.check_view_bound(view)?;
        let vv = self.fr.views.get(&view).ok_or("memoryview without its parts")?;
        let vars: Vec<Variable> = std::iter::once(vv.data).chain(vv.shape.iter().copied()).chain(vv.strides.iter().copied()).collect();
        Ok(vars.into_iter().map(|v| self.cx.b.use_var(v)).collect())
    }

    /// Address of `view[indices]`: negative indices wrap and indices are
    /// bounds-checked (when `check`) unless the function's directives turn
    /// that off or the axis is one of `in_bounds`.
    fn element_address(&mut self, view: LocalId, indices: &[Expr], in_bounds: &[u8], check: bool) -> R<Value> {
        let v = self.view_ty(view)?;
        self.check_view_bound(view)?;
        let mut idx = vec![];
        for e in indices {
            idx.push(self.expr(e)?);
        }
        let vv = self.fr.views.get(&view).ok_or("memoryview without its parts")?;
        let (data, shape, strides) = (vv.data, vv.shape.clone(), vv.strides.clone());
        let mut addr = self.cx.b.use_var(data);
        for (k, i) in idx.into_iter().enumerate() {
            let len = self.cx.b.use_var(shape[k]);
            let proven = in_bounds.contains(&(k as u8));
            let i = if self.fr.f.wraparound && !proven {
                let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
                let wrapped = self.cx.b.ins().iadd(i, len);
                self.cx.b.ins().select(neg, wrapped, i)
            } else {
                i
            };
            if self.fr.f.boundscheck && !proven && check {
                let out = self.cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
                let msg = format!("Out of bounds on buffer access (axis {k})");
                self.raise_if(out, "PyExc_IndexError", Some(&msg))?;
            }
            let unit = v.c_contig || self.fr.unit_stride.contains(&view);
            let offset = if (unit && k + 1 == v.ndim as usize) || (v.f_contig && k == 0) {
                self.cx.b.ins().imul_imm_s(i, v.elem.size() as i64)
            } else {
                let stride = self.cx.b.use_var(strides[k]);
                self.cx.b.ins().imul(i, stride)
            };
            addr = self.cx.b.ins().iadd(addr, offset);
        }
        Ok(addr)
    }

    fn truthy(&mut self, v: Value, ty: Ty) -> Value {
        match ty {
            Ty::Float(64) => {
                let z = self.cx.b.ins().f64const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Float(_) => {
                let z = self.cx.b.ins().f32const(0.0);
                self.cx.b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            Ty::Int(_) => self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            _ => v,
        }
    }

    fn convert(&mut self, v: Value, from: Ty, to: Ty) -> R<Value> {
        let from = if from == Ty::Bool && to != Ty::Bool {
            Ty::Int(IntTy { bits: 8, signed: false, checked: false, cname: "bint" })
        } else {
            from
        };
        Ok(match (from, to) {
            (a, b) if a == b => v,
            (_, Ty::Bool) => self.truthy(v, from),
            (Ty::Int(a), Ty::Int(b)) => {
                if b.checked && !a.signed && a.bits == 64 {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                    self.raise_if(neg, "PyExc_OverflowError", Some("Python int too large to convert to C long"))?;
                }
                let tb = clif_type(to).unwrap_or(types::I64);
                if a.bits < b.bits {
                    if a.signed {
                        self.cx.b.ins().sextend(tb, v)
                    } else {
                        self.cx.b.ins().uextend(tb, v)
                    }
                } else if a.bits > b.bits {
                    self.cx.b.ins().ireduce(tb, v)
                } else {
                    v
                }
            }
            (Ty::Int(a), Ty::Float(_)) => {
                let ft = clif_type(to).unwrap_or(types::F64);
                let (v, signed) = if a.bits < 32 {
                    let w = if a.signed { self.cx.b.ins().sextend(types::I32, v) } else { self.cx.b.ins().uextend(types::I32, v) };
                    (w, true)
                } else {
                    (v, a.signed)
                };
                if signed {
                    self.cx.b.ins().fcvt_from_sint(ft, v)
                } else {
                    self.cx.b.ins().fcvt_from_uint(ft, v)
                }
            }
            (Ty::Float(a), Ty::Float(b)) => {
                if a < b {
                    self.cx.b.ins().fpromote(types::F64, v)
                } else {
                    self.cx.b.ins().fdemote(types::F32, v)
                }
            }
            (Ty::Float(w), Ty::Int(t)) => {
                let v = if w == 32 { self.cx.b.ins().fpromote(types::F64, v) } else { v };
                let tr = self.cx.b.ins().trunc(v);
                self.float_to_int(tr, t)?
            }
            (a, b) => return Err(format!("conversion from {a} to {b} reached the back end")),
        })
    }

    /// Python's `int()` of an integral-valued double, then wrapped into `t`.
    /// One compare-and-branch on the hot path; the cold path tells NaN,
    /// infinities, the one in-range value -2**63 and overflow apart.
    fn float_to_int(&mut self, v: Value, t: IntTy) -> R<Value> {
        let abs = self.cx.b.ins().fabs(v);
        let two63 = self.cx.b.ins().f64const(9.223372036854775808e18);
        let fits = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, two63);
        let (cold, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(cold);
        self.cx.b.ins().brif(fits, cont, &[], cold, &[]);
        self.enter(cold);
        let nan = self.cx.b.ins().fcmp(FloatCC::Unordered, v, v);
        self.raise_if(nan, "PyExc_ValueError", Some("cannot convert float NaN to integer"))?;
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let is_inf = self.cx.b.ins().fcmp(FloatCC::Equal, abs, inf);
        self.raise_if(is_inf, "PyExc_OverflowError", Some("cannot convert float infinity to integer"))?;
        let min = self.cx.b.ins().f64const(-9.223372036854775808e18);
        let not_min = self.cx.b.ins().fcmp(FloatCC::NotEqual, v, min);
        self.raise_if(not_min, "PyExc_OverflowError", Some("float too large to convert to a 64-bit int"))?;
        self.cx.b.ins().jump(cont, &[]);
        self.enter(cont);
        let i = self.cx.b.ins().fcvt_to_sint_sat(types::I64, v);
        Ok(if t.bits < 64 { self.cx.b.ins().ireduce(clif_type(Ty::Int(t)).unwrap_or(types::I64), i) } else { i })
    }

    fn unary(&mut self, op: UnOp, v: Value, ty: Ty) -> R<Value> {
        match (op, ty) {
            (UnOp::Not, _) => Ok(self.cx.b.ins().bxor_imm_s(v, 1)),
            (UnOp::Neg, Ty::Float(_)) => Ok(self.cx.b.ins().fneg(v)),
            (UnOp::Neg, Ty::Int(t)) => {
                if t.checked || self.fr.f.overflowcheck && t.signed {
                    let min = if t.bits >= 64 { i64::MIN } else { -(1i64 << (t.bits - 1)) };
                    let is_min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, v, min);
                    let msg = if t.checked { OVERFLOW_PY_INT } else { OVERFLOW_C_INT };
                    self.raise_if(is_min, "PyExc_OverflowError", Some(msg))?;
                }
                Ok(self.cx.b.ins().ineg(v))
            }
            (UnOp::Invert, _) => Ok(self.cx.b.ins().bnot(v)),
            (op, ty) => Err(format!("unary {op:?} on {ty} reached the back end")),
        }
    }

    fn bool_binary(&mut self, op: ArithOp, a: Value, b: Value) -> R<Value> {
        Ok(match op {
            ArithOp::BitAnd => self.cx.b.ins().band(a, b),
            ArithOp::BitOr => self.cx.b.ins().bor(a, b),
            ArithOp::BitXor => self.cx.b.ins().bxor(a, b),
            other => return Err(format!("{other:?} on bint reached the back end")),
        })
    }

    fn int_binary(&mut self, op: ArithOp, a: Value, b: Value, t: IntTy) -> R<Value> {
        let checked = t.checked || self.fr.f.overflowcheck;
        let ofmsg = if t.checked { OVERFLOW_PY_INT } else { OVERFLOW_C_INT };
        let s = t.signed;
        Ok(match op {
            ArithOp::Add | ArithOp::Sub if checked && self.int_const(b).is_some() => {
                // With a constant operand the overflow test is one compare of
                // `a` against a bound, which fuses with the branch and does not
                // wait for the sum.
                let bits = self.cx.b.func.dfg.value_type(a).bits();
                let raw = self.int_const(b).unwrap_or(0) as i128;
                let c = if s { raw } else { raw & ((1i128 << bits) - 1) };
                let (lo, hi) = if s {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                // a + c stays in [lo, hi] exactly when a lies in [lo - c, hi - c].
                let c = if op == ArithOp::Add { c } else { -c };
                let r = if op == ArithOp::Add { self.cx.b.ins().iadd(a, b) } else { self.cx.b.ins().isub(a, b) };
                let (below, above) = (lo - c, hi - c);
                let (lt, gt) = if s { (IntCC::SignedLessThan, IntCC::SignedGreaterThan) } else { (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan) };
                let as_imm = |v: i128| if s { v as i64 } else { v as u64 as i64 };
                if below > lo {
                    let of = self.cx.b.ins().icmp_imm_s(lt, a, as_imm(below));
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                }
                if above < hi {
                    let of = self.cx.b.ins().icmp_imm_s(gt, a, as_imm(above));
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                }
                r
            }
            ArithOp::Add | ArithOp::Sub | ArithOp::Mul if checked => {
                let (r, of) = match (op, s) {
                    (ArithOp::Add, true) => self.cx.b.ins().sadd_overflow(a, b),
                    (ArithOp::Add, false) => self.cx.b.ins().uadd_overflow(a, b),
                    (ArithOp::Sub, true) => self.cx.b.ins().ssub_overflow(a, b),
                    (ArithOp::Sub, false) => self.cx.b.ins().usub_overflow(a, b),
                    (_, true) => self.cx.b.ins().smul_overflow(a, b),
                    (_, false) => self.cx.b.ins().umul_overflow(a, b),
                };
                self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                r
            }
            ArithOp::Add => self.cx.b.ins().iadd(a, b),
            ArithOp::Sub => self.cx.b.ins().isub(a, b),
            ArithOp::Mul => self.cx.b.ins().imul(a, b),
            ArithOp::FloorDiv | ArithOp::Mod => {
                let is_div = op == ArithOp::FloorDiv;
                let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                let msg = if is_div { "integer division or modulo by zero" } else { self.cx.em.py.int_mod_zero_message() };
                self.raise_if(zero, "PyExc_ZeroDivisionError", Some(msg))?;
                if !s {
                    return Ok(if is_div { self.cx.b.ins().udiv(a, b) } else { self.cx.b.ins().urem(a, b) });
                }
                // x86 traps on MIN / -1; divide by 1 instead and fix the sign afterwards.
                let neg1 = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let bt = self.cx.b.func.dfg.value_type(b);
                let one = self.cx.b.ins().iconst(bt, 1);
                let safe_b = self.cx.b.ins().select(neg1, one, b);
                if is_div {
                    // Cython (cdivision off) raises here too rather than wrap MIN // -1.
                    let ofmsg = if t.checked { ofmsg } else { "value too large to perform division" };
                    if checked || !self.fr.f.cdivision {
                        let ct = self.cx.b.func.dfg.value_type(a);
                        let min = if ct.bits() >= 64 { i64::MIN } else { -(1i64 << (ct.bits() - 1)) };
                        let is_min = self.cx.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                        let of = self.cx.b.ins().band(is_min, neg1);
                        self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                    }
                    let q = self.cx.b.ins().sdiv(a, safe_b);
                    let negq = self.cx.b.ins().ineg(a);
                    let q = self.cx.b.ins().select(neg1, negq, q);
                    if self.fr.f.cdivision {
                        return Ok(q);
                    }
                    let r = self.cx.b.ins().srem(a, safe_b);
                    let adj = self.floor_adjust(r, b);
                    let qt = self.cx.b.func.dfg.value_type(q);
                    let adj = if qt == types::I8 { adj } else { self.cx.b.ins().uextend(qt, adj) };
                    self.cx.b.ins().isub(q, adj)
                } else {
                    let r = self.cx.b.ins().srem(a, safe_b);
                    if self.fr.f.cdivision {
                        return Ok(r);
                    }
                    let adj = self.floor_adjust(r, b);
                    let rb = self.cx.b.ins().iadd(r, b);
                    self.cx.b.ins().select(adj, rb, r)
                }
            }
            ArithOp::Pow => self.int_pow(a, b, t, checked, ofmsg)?,
            ArithOp::LShift => {
                if t.checked {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
                    self.raise_if(neg, "PyExc_ValueError", Some("negative shift count"))?;
                    let big = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, b, 64);
                    let r = self.cx.b.ins().ishl(a, b);
                    let back = self.cx.b.ins().sshr(r, b);
                    let lost = self.cx.b.ins().icmp(IntCC::NotEqual, back, a);
                    let bad = self.cx.b.ins().bor(big, lost);
                    let nonzero = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, a, 0);
                    let of = self.cx.b.ins().band(bad, nonzero);
                    self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
                    let z = self.cx.b.ins().iconst(types::I64, 0);
                    self.cx.b.ins().select(nonzero, r, z)
                } else {
                    self.cx.b.ins().ishl(a, b)
                }
            }
            ArithOp::RShift => {
                if t.checked {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
                    self.raise_if(neg, "PyExc_ValueError", Some("negative shift count"))?;
                    let big = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, b, 64);
                    let sign = self.cx.b.ins().sshr_imm_s(a, 63);
                    let r = self.cx.b.ins().sshr(a, b);
                    self.cx.b.ins().select(big, sign, r)
                } else if s {
                    self.cx.b.ins().sshr(a, b)
                } else {
                    self.cx.b.ins().ushr(a, b)
                }
            }
            ArithOp::BitAnd => self.cx.b.ins().band(a, b),
            ArithOp::BitOr => self.cx.b.ins().bor(a, b),
            ArithOp::BitXor => self.cx.b.ins().bxor(a, b),
            ArithOp::Div => return Err("integer Div reached int_binary".into()),
        })
    }

    /// The value of an integer constant instruction, sign-extended from its width.
    fn int_const(&self, v: Value) -> Option<i64> {
        let dfg = &self.cx.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm { opcode: ir::Opcode::Iconst, imm } => {
                let bits = dfg.value_type(v).bits();
                let raw: i64 = imm.into();
                Some(if bits >= 64 { raw } else { (raw << (64 - bits)) >> (64 - bits) })
            }
            _ => None,
        }
    }

    /// Floor division rounds toward minus infinity: adjust when the C
    /// remainder is non-zero and has the other sign from the divisor.
    fn floor_adjust(&mut self, r: Value, b: Value) -> Value {
        let nz = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        let x = self.cx.b.ins().bxor(r, b);
        let diff = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
        self.cx.b.ins().band(nz, diff)
    }

    fn int_pow(&mut self, a: Value, b: Value, t: IntTy, checked: bool, ofmsg: &str) -> R<Value> {
        let ct = self.cx.b.func.dfg.value_type(a);
        if t.signed {
            let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, b, 0);
            self.raise_if(
                neg,
                "PyExc_ValueError",
                Some("negative exponent in int ** int: compiled ints cannot produce a float here (use a float base)"),
            )?;
        }
        let (header, body, square, done) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        for blk in [header, square] {
            self.cx.b.append_block_param(blk, ct);
            self.cx.b.append_block_param(blk, ct);
            self.cx.b.append_block_param(blk, ct);
        }
        self.cx.b.append_block_param(done, ct);
        let one = self.cx.b.ins().iconst(ct, 1);
        self.cx.b.ins().jump(header, &[BlockArg::Value(one), BlockArg::Value(a), BlockArg::Value(b)]);
        self.cx.b.switch_to_block(header); // sealed once its back edges exist
        let p = self.cx.b.block_params(header).to_vec();
        let (result, base, e) = (p[0], p[1], p[2]);
        let is_zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, e, 0);
        self.cx.b.ins().brif(is_zero, done, &[BlockArg::Value(result)], body, &[]);
        self.enter(body);
        let odd = self.cx.b.ins().band_imm_s(e, 1);
        let odd = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, odd, 0);
        let m = if checked {
            let (m, of) = if t.signed { self.cx.b.ins().smul_overflow(result, base) } else { self.cx.b.ins().umul_overflow(result, base) };
            let bad = self.cx.b.ins().band(of, odd);
            self.raise_if(bad, "PyExc_OverflowError", Some(ofmsg))?;
            m
        } else {
            self.cx.b.ins().imul(result, base)
        };
        let result2 = self.cx.b.ins().select(odd, m, result);
        let e2 = self.cx.b.ins().ushr_imm_s(e, 1);
        let last = self.cx.b.ins().icmp_imm_s(IntCC::Equal, e2, 0);
        self.cx.b.ins().brif(last, done, &[BlockArg::Value(result2)], square, &[BlockArg::Value(result2), BlockArg::Value(base), BlockArg::Value(e2)]);
        self.enter(square);
        let p = self.cx.b.block_params(square).to_vec();
        let sq = if checked {
            let (sq, of) = if t.signed { self.cx.b.ins().smul_overflow(p[1], p[1]) } else { self.cx.b.ins().umul_overflow(p[1], p[1]) };
            self.raise_if(of, "PyExc_OverflowError", Some(ofmsg))?;
            sq
        } else {
            self.cx.b.ins().imul(p[1], p[1])
        };
        self.cx.b.ins().jump(header, &[BlockArg::Value(p[0]), BlockArg::Value(sq), BlockArg::Value(p[2])]);
        self.cx.b.seal_block(header);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    /// `int / int`: exact when both fit in 53 bits, otherwise CPython's own
    /// correctly rounded long division.
    fn int_true_div(&mut self, a: Value, b: Value, t: IntTy) -> R<Value> {
        if !self.fr.f.cdivision {
            let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
            self.raise_if(zero, "PyExc_ZeroDivisionError", Some("division by zero"))?;
        }
        let conv = |lw: &mut Self, v: Value| lw.convert(v, Ty::Int(t), Ty::Float(64));
        let fa = conv(self, a)?;
        let fb = conv(self, b)?;
        if t.bits < 64 {
            return Ok(self.cx.b.ins().fdiv(fa, fb));
        }
        let limit = 1i64 << 53;
        let (wide_a, wide_b) = if t.signed {
            let aa = self.cx.b.ins().iabs(a);
            let ab = self.cx.b.ins().iabs(b);
            (
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, aa, limit),
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, ab, limit),
            )
        } else {
            (
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, a, limit),
                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, b, limit),
            )
        };
        let wide = self.cx.b.ins().bor(wide_a, wide_b);
        let (slow, done) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.append_block_param(done, types::F64);
        self.cx.b.set_cold_block(slow);
        let q = self.cx.b.ins().fdiv(fa, fb);
        self.cx.b.ins().brif(wide, slow, &[], done, &[BlockArg::Value(q)]);
        self.enter(slow);
        let ptr = self.cx.em.ptr;
        let from = if t.signed { "PyLong_FromLongLong" } else { "PyLong_FromUnsignedLongLong" };
        let oa = self.call_c(from, &[types::I64], &[ptr], &[a])?[0];
        let null = self.is_null(oa);
        self.propagate_if(null);
        let ob = self.call_c(from, &[types::I64], &[ptr], &[b])?[0];
        let null = self.is_null(ob);
        self.propagate_if_dropping(null, &[oa])?;
        let r = self.call_c("PyNumber_TrueDivide", &[ptr, ptr], &[ptr], &[oa, ob])?[0];
        self.decref(oa)?;
        self.decref(ob)?;
        let null = self.is_null(r);
        self.propagate_if(null);
        let d = self.call_c("PyFloat_AsDouble", &[ptr], &[types::F64], &[r])?[0];
        self.decref(r)?;
        self.cx.b.ins().jump(done, &[BlockArg::Value(d)]);
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    fn float_binary(&mut self, op: ArithOp, a: Value, b: Value, ty: Ty, rhs: &Expr) -> R<Value> {
        let narrow = ty == Ty::Float(32);
        let (a, b) = if narrow && !matches!(op, ArithOp::Add | ArithOp::Sub | ArithOp::Mul) {
            (self.cx.b.ins().fpromote(types::F64, a), self.cx.b.ins().fpromote(types::F64, b))
        } else {
            (a, b)
        };
        let fixed_narrow = |lw: &mut Self, v: Value| if narrow { lw.cx.b.ins().fdemote(types::F32, v) } else { v };
        let zero_check = |lw: &mut Self, b: Value, msg: &str| -> R<()> {
            let z = lw.cx.b.ins().f64const(0.0);
            let is_zero = lw.cx.b.ins().fcmp(FloatCC::Equal, b, z);
            lw.raise_if(is_zero, "PyExc_ZeroDivisionError", Some(msg))
        };
        Ok(match op {
            ArithOp::Add => self.cx.b.ins().fadd(a, b),
            ArithOp::Sub => self.cx.b.ins().fsub(a, b),
            ArithOp::Mul => self.cx.b.ins().fmul(a, b),
            ArithOp::Div => {
                if !self.fr.f.cdivision {
                    zero_check(self, b, "float division by zero")?;
                }
                let q = self.cx.b.ins().fdiv(a, b);
                fixed_narrow(self, q)
            }
            ArithOp::FloorDiv | ArithOp::Mod => {
                if self.fr.f.cdivision {
                    let r = if op == ArithOp::Mod {
                        self.libm2("fmod", a, b)?
                    } else {
                        let q = self.cx.b.ins().fdiv(a, b);
                        self.cx.b.ins().floor(q)
                    };
                    return Ok(fixed_narrow(self, r));
                }
                let msg = if op == ArithOp::Mod { self.cx.em.py.float_mod_zero_message() } else { "float floor division by zero" };
                zero_check(self, b, msg)?;
                let (fd, m) = self.py_float_divmod(a, b)?;
                fixed_narrow(self, if op == ArithOp::Mod { m } else { fd })
            }
            ArithOp::Pow => {
                let r = self.py_float_pow(a, b, rhs)?;
                fixed_narrow(self, r)
            }
            other => return Err(format!("{other:?} on floats reached the back end")),
        })
    }

    /// CPython's float floor division and modulo (floatobject.c `_float_div_mod`).
    fn py_float_divmod(&mut self, v: Value, w: Value) -> R<(Value, Value)> {
        let m = self.libm2("fmod", v, w)?;
        let diff = self.cx.b.ins().fsub(v, m);
        let div = self.cx.b.ins().fdiv(diff, w);
        let zero = self.cx.b.ins().f64const(0.0);
        let one = self.cx.b.ins().f64const(1.0);
        let half = self.cx.b.ins().f64const(0.5);
        let mnz = self.cx.b.ins().fcmp(FloatCC::NotEqual, m, zero);
        let wneg = self.cx.b.ins().fcmp(FloatCC::LessThan, w, zero);
        let mneg = self.cx.b.ins().fcmp(FloatCC::LessThan, m, zero);
        let sign_diff = self.cx.b.ins().bxor(wneg, mneg);
        let adj = self.cx.b.ins().band(mnz, sign_diff);
        let m_plus = self.cx.b.ins().fadd(m, w);
        let div_minus = self.cx.b.ins().fsub(div, one);
        let m2 = self.cx.b.ins().select(adj, m_plus, m);
        let div2 = self.cx.b.ins().select(adj, div_minus, div);
        let signed_zero = self.cx.b.ins().fcopysign(zero, w);
        let m3 = self.cx.b.ins().select(mnz, m2, signed_zero);
        let dnz = self.cx.b.ins().fcmp(FloatCC::NotEqual, div2, zero);
        let fl = self.cx.b.ins().floor(div2);
        let frac = self.cx.b.ins().fsub(div2, fl);
        let round_up = self.cx.b.ins().fcmp(FloatCC::GreaterThan, frac, half);
        let fl_plus = self.cx.b.ins().fadd(fl, one);
        let fl2 = self.cx.b.ins().select(round_up, fl_plus, fl);
        let q = self.cx.b.ins().fdiv(v, w);
        let zq = self.cx.b.ins().fcopysign(zero, q);
        let fd = self.cx.b.ins().select(dnz, fl2, zq);
        Ok((fd, m3))
    }

    /// `x ** y` for floats with CPython's errors (float_pow in floatobject.c).
    fn py_float_pow(&mut self, x: Value, y: Value, rhs: &Expr) -> R<Value> {
        // A literal exponent decides most of CPython's special cases at compile time.
        let known = match rhs.as_const() {
            Some(Const::Float(f)) => Some(f),
            Some(Const::Int(i)) => Some(i as f64),
            _ => None,
        };
        let zero = self.cx.b.ins().f64const(0.0);
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let ax = self.cx.b.ins().fabs(x);
        let x_finite = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
        let y_finite = match known {
            Some(k) => self.cx.b.ins().iconst(types::I8, k.is_finite() as i64),
            None => {
                let ay = self.cx.b.ins().fabs(y);
                self.cx.b.ins().fcmp(FloatCC::LessThan, ay, inf)
            }
        };
        // 0.0 ** -inf is inf (C99 rules apply to infinite exponents first).
        if known.map_or(true, |k| k < 0.0 && k.is_finite()) {
            let x_is_zero = self.cx.b.ins().fcmp(FloatCC::Equal, x, zero);
            let y_neg = self.cx.b.ins().fcmp(FloatCC::LessThan, y, zero);
            let zdiv = self.cx.b.ins().band(x_is_zero, y_neg);
            let zdiv = self.cx.b.ins().band(zdiv, y_finite);
            self.raise_if(zdiv, "PyExc_ZeroDivisionError", Some("0.0 cannot be raised to a negative power"))?;
        }
        let r = match known {
            Some(k) if k == 2.0 => self.cx.b.ins().fmul(x, x),
            Some(k) if k == 1.0 => x,
            _ => {
                if known.map_or(true, |k| k.is_finite() && k.floor() != k) {
                    let x_neg = self.cx.b.ins().fcmp(FloatCC::LessThan, x, zero);
                    let fy = self.cx.b.ins().floor(y);
                    let frac = self.cx.b.ins().fcmp(FloatCC::NotEqual, fy, y);
                    let both_finite = self.cx.b.ins().band(x_finite, y_finite);
                    let neg_frac = self.cx.b.ins().band(x_neg, frac);
                    let complex = self.cx.b.ins().band(neg_frac, both_finite);
                    self.raise_if(
                        complex,
                        "PyExc_ValueError",
                        Some("negative number cannot be raised to a fractional power (the result would be complex)"),
                    )?;
                }
                self.libm2("pow", x, y)?
            }
        };
        if known == Some(2.0) {
            // x*x is never negative, so one compare-and-branch on `r == inf`
            // guards the hot path; whether x was finite is asked only then.
            let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, r, inf);
            let (check, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.set_cold_block(check);
            self.cx.b.ins().brif(r_inf, check, &[], cont, &[]);
            self.enter(check);
            self.raise_if(x_finite, "PyExc_OverflowError", Some("(34, 'Numerical result out of range')"))?;
            self.cx.b.ins().jump(cont, &[]);
            self.enter(cont);
        } else if known.map_or(true, |k| k.is_finite() && k != 1.0 && k != 0.0) {
            let ar = self.cx.b.ins().fabs(r);
            let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
            let inputs_finite = self.cx.b.ins().band(x_finite, y_finite);
            let of = self.cx.b.ins().band(r_inf, inputs_finite);
            self.raise_if(of, "PyExc_OverflowError", Some("(34, 'Numerical result out of range')"))?;
        }
        Ok(r)
    }

    fn compare_chain(&mut self, operands: &[Expr], ops: &[CmpOp]) -> R<Value> {
        let mut left = self.expr(&operands[0])?;
        if ops.len() == 1 {
            let right = self.expr(&operands[1])?;
            return self.compare_pair(ops[0], left, operands[0].ty, right, operands[1].ty);
        }
        let done = self.cx.b.create_block();
        self.cx.b.append_block_param(done, types::I8);
        // A failed link goes to a block shared by at most `FAIL_GROUP` links:
        // Cranelift's passes edit a block's predecessor set at a cost that grows
        // with its size, so one block reached from every link of a long chain
        // made compile time quadratic (300,000 links: 255 s).
        const FAIL_GROUP: usize = 64;
        let mut fails: Vec<Block> = vec![];
        for (i, op) in ops.iter().enumerate() {
            let right = self.expr(&operands[i + 1])?;
            let c = self.compare_pair(*op, left, operands[i].ty, right, operands[i + 1].ty)?;
            if i + 1 == ops.len() {
                self.cx.b.ins().jump(done, &[BlockArg::Value(c)]);
            } else {
                if i % FAIL_GROUP == 0 {
                    fails.push(self.cx.b.create_block());
                }
                let fail = *fails.last().ok_or("comparison chain without a failure block")?;
                let next = self.cx.b.create_block();
                self.cx.b.ins().brif(c, next, &[], fail, &[]);
                self.enter(next);
            }
            left = right;
        }
        for fail in fails {
            self.enter(fail);
            let f = self.cx.b.ins().iconst(types::I8, 0);
            self.cx.b.ins().jump(done, &[BlockArg::Value(f)]);
        }
        self.enter(done);
        Ok(self.cx.b.block_params(done)[0])
    }

    fn compare_pair(&mut self, op: CmpOp, a: Value, ta: Ty, b: Value, tb: Ty) -> R<Value> {
        let as_int = |t: Ty| if t == Ty::Bool { Ty::Int(IntTy { bits: 8, signed: false, checked: false, cname: "bint" }) } else { t };
        let (ta, tb) = (as_int(ta), as_int(tb));
        match (ta, tb) {
            (Ty::Int(x), Ty::Int(y)) => {
                let j = int_join(x, y);
                let a = self.convert(a, ta, Ty::Int(j))?;
                let b = self.convert(b, tb, Ty::Int(j))?;
                Ok(self.cx.b.ins().icmp(int_cc(op, j.signed), a, b))
            }
            (Ty::Float(x), Ty::Float(y)) => {
                let w = Ty::Float(x.max(y));
                let a = self.convert(a, ta, w)?;
                let b = self.convert(b, tb, w)?;
                Ok(self.cx.b.ins().fcmp(float_cc(op), a, b))
            }
            (Ty::Int(i), Ty::Float(_)) => {
                let f = self.convert(b, tb, Ty::Float(64))?;
                self.int_float_cmp(op, a, i, f)
            }
            (Ty::Float(_), Ty::Int(i)) => {
                let f = self.convert(a, ta, Ty::Float(64))?;
                self.int_float_cmp(swap(op), b, i, f)
            }
            _ => Err(format!("comparison of {ta} and {tb} reached the back end")),
        }
    }

    /// Exact int-vs-float comparison, as CPython's float_richcompare does.
    fn int_float_cmp(&mut self, op: CmpOp, i: Value, it: IntTy, f: Value) -> R<Value> {
        if it.bits <= 32 {
            let fi = self.convert(i, Ty::Int(it), Ty::Float(64))?;
            return Ok(self.cx.b.ins().fcmp(float_cc(op), fi, f));
        }
        let fi = self.convert(i, Ty::Int(it), Ty::Float(64))?;
        let nan = self.cx.b.ins().fcmp(FloatCC::Unordered, f, f);
        let lt = self.cx.b.ins().fcmp(FloatCC::LessThan, fi, f);
        let gt = self.cx.b.ins().fcmp(FloatCC::GreaterThan, fi, f);
        let (big, ilt, igt) = if it.signed {
            let two63 = self.cx.b.ins().f64const(9.223372036854775808e18);
            let big = self.cx.b.ins().fcmp(FloatCC::GreaterThanOrEqual, f, two63);
            let fint = self.cx.b.ins().fcvt_to_sint_sat(types::I64, f);
            (big, self.cx.b.ins().icmp(IntCC::SignedLessThan, i, fint), self.cx.b.ins().icmp(IntCC::SignedGreaterThan, i, fint))
        } else {
            let two64 = self.cx.b.ins().f64const(1.8446744073709552e19);
            let big = self.cx.b.ins().fcmp(FloatCC::GreaterThanOrEqual, f, two64);
            let fint = self.cx.b.ins().fcvt_to_uint_sat(types::I64, f);
            (big, self.cx.b.ins().icmp(IntCC::UnsignedLessThan, i, fint), self.cx.b.ins().icmp(IntCC::UnsignedGreaterThan, i, fint))
        };
        let one = self.cx.b.ins().iconst(types::I8, 1);
        let zero = self.cx.b.ins().iconst(types::I8, 0);
        let exact_lt = self.cx.b.ins().bor(big, ilt);
        let exact_gt = self.cx.b.ins().select(big, zero, igt);
        let t1 = self.cx.b.ins().select(gt, zero, exact_lt);
        let rlt = self.cx.b.ins().select(lt, one, t1);
        let t2 = self.cx.b.ins().select(lt, zero, exact_gt);
        let rgt = self.cx.b.ins().select(gt, one, t2);
        let not_nan = self.cx.b.ins().bxor_imm_s(nan, 1);
        let neither = self.cx.b.ins().bor(rlt, rgt);
        let neither = self.cx.b.ins().bxor_imm_s(neither, 1);
        let eq = self.cx.b.ins().band(neither, not_nan);
        Ok(match op {
            CmpOp::Eq => eq,
            CmpOp::Ne => self.cx.b.ins().bxor_imm_s(eq, 1),
            CmpOp::Lt => self.cx.b.ins().band(rlt, not_nan),
            CmpOp::Gt => self.cx.b.ins().band(rgt, not_nan),
            CmpOp::Le => {
                let l = self.cx.b.ins().band(rlt, not_nan);
                self.cx.b.ins().bor(l, eq)
            }
            CmpOp::Ge => {
                let g = self.cx.b.ins().band(rgt, not_nan);
                self.cx.b.ins().bor(g, eq)
            }
        })
    }

    fn math_check(&mut self, check: MathCheck, r: Value, args: &[Value]) -> R<()> {
        if check == MathCheck::None {
            return Ok(());
        }
        let inf = self.cx.b.ins().f64const(f64::INFINITY);
        let mut any_nan = self.cx.b.ins().iconst(types::I8, 0);
        let mut all_finite = self.cx.b.ins().iconst(types::I8, 1);
        for &a in args {
            let n = self.cx.b.ins().fcmp(FloatCC::Unordered, a, a);
            any_nan = self.cx.b.ins().bor(any_nan, n);
            let abs = self.cx.b.ins().fabs(a);
            let fin = self.cx.b.ins().fcmp(FloatCC::LessThan, abs, inf);
            all_finite = self.cx.b.ins().band(all_finite, fin);
        }
        let r_nan = self.cx.b.ins().fcmp(FloatCC::Unordered, r, r);
        let no_nan_in = self.cx.b.ins().bxor_imm_s(any_nan, 1);
        let domain = self.cx.b.ins().band(r_nan, no_nan_in);
        self.raise_if(domain, "PyExc_ValueError", Some("math domain error"))?;
        let ar = self.cx.b.ins().fabs(r);
        let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
        let range = self.cx.b.ins().band(r_inf, all_finite);
        if check == MathCheck::Overflow {
            self.raise_if(range, "PyExc_OverflowError", Some("math range error"))
        } else {
            self.raise_if(range, "PyExc_ValueError", Some("math domain error"))
        }
    }

    fn math(&mut self, op: MathOp, v: &[Value]) -> R<Value> {
        Ok(match op {
            MathOp::Libm { symbol, arity, check } => {
                let r = if arity == 1 { self.libm1(symbol, v[0])? } else { self.libm2(symbol, v[0], v[1])? };
                self.math_check(check, r, v)?;
                r
            }
            MathOp::Sqrt(check) => {
                if check != MathCheck::None {
                    let z = self.cx.b.ins().f64const(0.0);
                    let neg = self.cx.b.ins().fcmp(FloatCC::LessThan, v[0], z);
                    self.raise_if(neg, "PyExc_ValueError", Some("math domain error"))?;
                }
                self.cx.b.ins().sqrt(v[0])
            }
            MathOp::Fabs => self.cx.b.ins().fabs(v[0]),
            MathOp::Floor => self.cx.b.ins().floor(v[0]),
            MathOp::Ceil => self.cx.b.ins().ceil(v[0]),
            MathOp::Trunc => self.cx.b.ins().trunc(v[0]),
            MathOp::RoundHalfAway => self.libm1("round", v[0])?,
            MathOp::Copysign => self.cx.b.ins().fcopysign(v[0], v[1]),
            MathOp::IsNan => self.cx.b.ins().fcmp(FloatCC::Unordered, v[0], v[0]),
            MathOp::IsInf | MathOp::IsFinite => {
                let abs = self.cx.b.ins().fabs(v[0]);
                let inf = self.cx.b.ins().f64const(f64::INFINITY);
                let cc = if op == MathOp::IsInf { FloatCC::Equal } else { FloatCC::LessThan };
                self.cx.b.ins().fcmp(cc, abs, inf)
            }
            MathOp::Fmin => self.libm2("fmin", v[0], v[1])?,
            MathOp::Fma => self.cx.b.ins().fma(v[0], v[1], v[2]),
            MathOp::Fmax => self.libm2("fmax", v[0], v[1])?,
            MathOp::Fmod(check) => {
                let r = self.libm2("fmod", v[0], v[1])?;
                self.math_check(check, r, v)?;
                r
            }
            MathOp::Pow(check) => {
                let r = self.libm2("pow", v[0], v[1])?;
                if check != MathCheck::None {
                    // math.pow: a NaN or an infinity from finite arguments is an error;
                    // 0 ** negative is a domain error, anything else overflowed.
                    let inf = self.cx.b.ins().f64const(f64::INFINITY);
                    let ax = self.cx.b.ins().fabs(v[0]);
                    let ay = self.cx.b.ins().fabs(v[1]);
                    let fx = self.cx.b.ins().fcmp(FloatCC::LessThan, ax, inf);
                    let fy = self.cx.b.ins().fcmp(FloatCC::LessThan, ay, inf);
                    let finite = self.cx.b.ins().band(fx, fy);
                    let r_nan = self.cx.b.ins().fcmp(FloatCC::Unordered, r, r);
                    let dom = self.cx.b.ins().band(r_nan, finite);
                    self.raise_if(dom, "PyExc_ValueError", Some("math domain error"))?;
                    let ar = self.cx.b.ins().fabs(r);
                    let r_inf = self.cx.b.ins().fcmp(FloatCC::Equal, ar, inf);
                    let bad = self.cx.b.ins().band(r_inf, finite);
                    let z = self.cx.b.ins().f64const(0.0);
                    let x_zero = self.cx.b.ins().fcmp(FloatCC::Equal, v[0], z);
                    // Up to 3.10 any infinity from a zero base was a domain error, 0 ** -inf too.
                    let zero_base_inf = if self.cx.em.py.pow_zero_to_minus_inf_raises() { r_inf } else { bad };
                    let dom0 = self.cx.b.ins().band(zero_base_inf, x_zero);
                    self.raise_if(dom0, "PyExc_ValueError", Some("math domain error"))?;
                    self.raise_if(bad, "PyExc_OverflowError", Some("math range error"))?;
                }
                r
            }
            MathOp::LogBase => {
                let num = self.libm1("log", v[0])?;
                self.math_check(MathCheck::Domain, num, &v[..1])?;
                let den = self.libm1("log", v[1])?;
                self.math_check(MathCheck::Domain, den, &v[1..])?;
                let z = self.cx.b.ins().f64const(0.0);
                let dz = self.cx.b.ins().fcmp(FloatCC::Equal, den, z);
                self.raise_if(dz, "PyExc_ZeroDivisionError", Some("float division by zero"))?;
                self.cx.b.ins().fdiv(num, den)
            }
            MathOp::Degrees => {
                let k = self.cx.b.ins().f64const(180.0 / std::f64::consts::PI);
                self.cx.b.ins().fmul(v[0], k)
            }
            MathOp::Radians => {
                let k = self.cx.b.ins().f64const(std::f64::consts::PI / 180.0);
                self.cx.b.ins().fmul(v[0], k)
            }
            MathOp::Ulp => self.ulp(v[0])?,
            MathOp::Ldexp => self.ldexp(v[0], v[1])?,
            MathOp::IsClose => self.isclose(v)?,
            MathOp::Gcd => self.gcd(v)?,
            MathOp::Lcm => self.lcm(v)?,
            MathOp::Isqrt => self.isqrt(v[0])?,
            MathOp::Factorial => self.factorial(v[0])?,
            MathOp::Comb => self.comb(v[0], v[1])?,
            MathOp::Perm => self.perm(v[0], v[1])?,
        })
    }

    /// `round(x, n)` defers to CPython's correctly rounded implementation.
    fn round_digits(&mut self, x: Value, n: Value) -> R<Value> {
        let ptr = self.cx.em.ptr;
        let ox = self.call_c("PyFloat_FromDouble", &[types::F64], &[ptr], &[x])?[0];
        let null = self.is_null(ox);
        self.propagate_if(null);
        let on = self.call_c("PyLong_FromLongLong", &[types::I64], &[ptr], &[n])?[0];
        let null = self.is_null(on);
        self.propagate_if_dropping(null, &[ox])?;
        let slot = self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        self.cx.b.ins().stack_store(ptr, ox, slot, 0);
        self.cx.b.ins().stack_store(ptr, on, slot, 8);
        let argv = self.cx.b.ins().stack_addr(ptr, slot, 0);
        let helpers = self.cx.em.helpers;
        let table = self.cx.data_addr(helpers);
        let round = self.cx.b.ins().load(ptr, flags(), table, (HELPER_ROUND * 8) as i32);
        let two = self.cx.b.ins().iconst(ptr, 2);
        let nokw = self.cx.b.ins().iconst(ptr, 0);
        let r = self.cx.vectorcall(round, argv, two, nokw)?;
        self.decref(ox)?;
        self.decref(on)?;
        let null = self.is_null(r);
        self.propagate_if(null);
        let d = self.call_c("PyFloat_AsDouble", &[ptr], &[types::F64], &[r])?[0];
        self.decref(r)?;
        Ok(d)
    }
}

/// Lane type, vector type and lane count for float elements of `elem` bits.
fn lanes_of(elem: u8) -> (ir::Type, ir::Type, i64) {
    match elem {
        64 => (types::F64, types::F64X2, 2),
        _ => (types::F32, types::F32X4, 4),
    }
}

fn int_cc(op: CmpOp, signed: bool) -> IntCC {
    match (op, signed) {
        (CmpOp::Eq, _) => IntCC::Equal,
        (CmpOp::Ne, _) => IntCC::NotEqual,
        (CmpOp::Lt, true) => IntCC::SignedLessThan,
        (CmpOp::Le, true) => IntCC::SignedLessThanOrEqual,
        (CmpOp::Gt, true) => IntCC::SignedGreaterThan,
        (CmpOp::Ge, true) => IntCC::SignedGreaterThanOrEqual,
        (CmpOp::Lt, false) => IntCC::UnsignedLessThan,
        (CmpOp::Le, false) => IntCC::UnsignedLessThanOrEqual,
        (CmpOp::Gt, false) => IntCC::UnsignedGreaterThan,
        (CmpOp::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
    }
}

fn float_cc(op: CmpOp) -> FloatCC {
    match op {
        CmpOp::Eq => FloatCC::Equal,
        CmpOp::Ne => FloatCC::NotEqual,
        CmpOp::Lt => FloatCC::LessThan,
        CmpOp::Le => FloatCC::LessThanOrEqual,
        CmpOp::Gt => FloatCC::GreaterThan,
        CmpOp::Ge => FloatCC::GreaterThanOrEqual,
    }
}

fn swap(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
