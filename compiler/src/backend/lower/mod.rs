//! One HIR function → one native Cranelift function, by a walk of its body:
//! frames, statements, expressions in evaluation order, inlining, loop plans.
//! Every operation's instructions come from `codegen`'s `OpCx`, given this
//! frame's error block and the current statement's line.
//!
//! Native calling convention: `(params…, stack_limit) -> (value?, error_flag)`.
//! On error the Python exception is set, a traceback entry for this function
//! and line is added, and the flag is 1.

use nonlocal::Nonlocal;
use super::codegen::{stack, Directives, ErrorExit, OpCx, PreludeVars, ViewVars};
use super::{abi_types, clif_type, codegen, Emitter, FnCx, Listing};
use crate::mir;
use crate::hir::{self, ArithOp, CmpOp, Const, Dim, Expr, ExprKind, FuncId, LocalId, LoopPlan, Stmt, StmtKind, UnOp};
use crate::types::{IntTy, Ty, ViewTy, PY_INT};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, Block, BlockArg, InstBuilder, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::Module;
use std::collections::{HashMap, HashSet};

mod expr;
mod loops;
mod nonlocal;
mod reduction;
mod stmt;
mod view;

type R<T> = Result<T, String>;

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

/// Per-function state; an inlined callee gets a frame of its own.
struct Frame<'a> {
    f: &'a hir::Function,
    vars: Vec<Variable>,
    views: HashMap<LocalId, ViewVars>,
    flags: HashMap<LocalId, Variable>,
    /// Adds this function's traceback entry (line is the block parameter).
    err_block: Block,
    err_used: bool,
    /// What `break`, `continue` and `return` do here, innermost last.
    control: Vec<Nonlocal>,
    /// Views whose last axis is known to have unit stride here (a loop
    /// version taken after checking it): indexing scales by a constant.
    unit_stride: Vec<LocalId>,
    line: u32,
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

/// Whether a call of `id` is inlined `depth` calls deep, with `inlined` HIR
/// nodes taken in so far and `same` frames of `id` itself around the call.
fn inlines(m: &hir::Module, recursive: &HashSet<FuncId>, id: FuncId, depth: usize, inlined: usize, same: usize) -> bool {
    let callee = m.function(id);
    if depth >= MAX_INLINE_DEPTH || has_big_frame(callee) {
        return false;
    }
    let size = function_size(callee);
    if inlined + size > INLINE_BUDGET {
        return false;
    }
    if recursive.contains(&id) {
        return same <= MAX_SELF_INLINE && size <= INLINE_SIZE;
    }
    callee.inline_hint || size <= INLINE_SIZE
}

fn function_size(f: &hir::Function) -> usize {
    let mut size = 0;
    hir::visit_stmt_exprs(&f.body, &mut |e| hir::visit_expr(e, &mut |_| size += 1));
    size
}

/// Runs `run` with the plan a body is built by (`mir::build::body`):
/// callees inlined as the walk inlines them, the stack's room checked
/// before a call of a big frame, the stack checked on entry when
/// `stack_check` (a recursive function).
pub(crate) fn with_body_plan<T>(m: &hir::Module, recursive: &HashSet<FuncId>, stack_check: bool, run: impl FnOnce(&mir::build::body::Plan) -> T) -> T {
    let inline = |id: FuncId, depth: usize, inlined: usize, same: usize| inlines(m, recursive, id, depth, inlined, same).then(|| function_size(m.function(id)));
    let big_frame = |id: FuncId| {
        let callee = m.function(id);
        has_big_frame(callee).then(|| frame_estimate(callee))
    };
    run(&mir::build::body::Plan { m, inlines: &inline, big_frame: &big_frame, stack_check, file: &m.source_path, recursive })
}

pub fn lower_function(em: &mut Emitter, m: &hir::Module, f: &hir::Function, recursive: &HashSet<FuncId>) -> R<()> {
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, f.id.0), em.native_signature(f));
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut cx = FnCx::new(em, b);
    let is_recursive = recursive.contains(&f.id);
    if let Some(mut body) = with_body_plan(m, recursive, is_recursive, |plan| mir::build::body::build(f, plan))? {
        let mut stages = mir::pass::Stages::new();
        let all_stages = cx.em.listing_kind == Listing::MirStages;
        mir::pass::run(&mut body, all_stages || crate::target::verifier_wanted(), all_stages.then_some(&mut stages))?;
        match cx.em.listing_kind {
            Listing::Mir => cx.em.listing.push_str(&format!("{}\n", mir::print::body(&body))),
            Listing::MirStages => {
                for (stage, text) in stages {
                    cx.em.listing.push_str(&format!("# {stage}\n{text}\n"));
                }
            }
            _ => {}
        }
        codegen::body::emit(&mut cx, &body, f, None)?;
        let FnCx { em, mut b, .. } = cx;
        b.seal_all_blocks();
        b.finalize(em.module.isa().frontend_config());
        let id = em.native_id(f.id);
        return em.define(id, func, &f.name);
    }
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
    // The wrapper's own code after the body belongs to no statement.
    lw.cx.b.set_srcloc(ir::SourceLoc::default());
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
            control: vec![Nonlocal::Function],
            unit_stride: vec![],
            line: f.line,
        }
    }
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
            self.cx.b.set_srcloc(ir::SourceLoc::default());
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
                views.insert(p.local, self.view_vars(mine, v.ndim as usize));
            } else if let Some(v) = mine.first() {
                self.cx.b.def_var(vars[p.local.0 as usize], *v);
            }
        }
        let param_locals: HashSet<LocalId> = f.params.iter().map(|p| p.local).collect();
        for (i, l) in f.locals.iter().enumerate() {
            let id = LocalId(i as u32);
            match (&l.c_array, l.ty) {
                (Some(dims), Ty::View(v)) => {
                    let parts = self.op(|o| o.c_array(v, dims));
                    views.insert(id, self.view_vars(&parts, v.ndim as usize));
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
        Frame { f, vars, views, flags, err_block, err_used: false, control: vec![Nonlocal::for_call(ret_block)], unit_stride: vec![], line: f.line }
    }

    /// Variables holding a view's parts (data pointer, `nd` extents, `nd` strides).
    fn view_vars(&mut self, parts: &[Value], nd: usize) -> ViewVars {
        let mut var = |val: Value| {
            let x = self.cx.b.declare_var(types::I64);
            self.cx.b.def_var(x, val);
            x
        };
        let data = var(parts[0]);
        let shape = parts[1..1 + nd].iter().map(|x| var(*x)).collect();
        let strides = parts[1 + nd..1 + 2 * nd].iter().map(|x| var(*x)).collect();
        ViewVars { data, shape, strides }
    }

    /// Before calling `callee`, whose frame is big: RecursionError unless the
    /// stack has room for it; the limit to pass it.
    fn room_for(&mut self, callee: &hir::Function) -> R<Value> {
        let limit = self.limit;
        self.op(|o| o.room_for(frame_estimate(callee), limit))
    }

    fn add_traceback(&mut self, line: Value) -> R<()> {
        let (f, m) = (self.fr.f, self.m);
        let always = self.outermost && self.outer.is_empty();
        self.op(|o| o.add_traceback(&f.name, &m.source_path, line, always))
    }

    /// Control reaching the end of a function body.
    fn fall_off_end(&mut self) -> R<()> {
        if !self.reachable {
            return Ok(());
        }
        let f = self.fr.f;
        if f.ret == Ty::Void {
            self.return_(None)
        } else {
            let msg = format!(
                "{}() reached its end without a return statement, but it is declared to return {}",
                f.name, f.ret
            );
            self.raise("PyExc_TypeError", Some(&msg))
        }
    }

    fn should_inline(&self, id: FuncId) -> bool {
        let same = self.outer.iter().chain([&self.fr]).filter(|fr| fr.f.id == id).count();
        inlines(self.m, self.recursive, id, self.outer.len(), self.inlined, same)
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
            self.cx.b.set_srcloc(ir::SourceLoc::default());
            self.enter(err);
            let line = self.cx.b.block_params(err)[0];
            self.add_traceback(line)?;
        }
        let caller = self.outer.pop().ok_or("inline frame stack underflow")?;
        self.fr = caller;
        self.at_line(call_line);
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

    /// Code from here on belongs to the statement at `line`: its errors'
    /// traceback entries name it, and its instructions carry it as their
    /// source location (for reports that map machine code back to lines).
    fn at_line(&mut self, line: u32) {
        self.fr.line = line;
        self.cx.b.set_srcloc(ir::SourceLoc::new(line));
    }

    fn zero(&mut self, t: Ty) -> Value {
        match clif_type(t).unwrap_or(types::I8) {
            types::F64 => self.cx.b.ins().f64const(0.0),
            types::F32 => self.cx.b.ins().f32const(0.0),
            ct => self.cx.b.ins().iconst(ct, 0),
        }
    }

    /// Runs `emit` (an operation's code generation) with this frame's
    /// traceback block, at the current line, as its error exit.
    fn op<T>(&mut self, emit: impl FnOnce(&mut OpCx) -> T) -> T {
        let exit = ErrorExit { block: self.fr.err_block, line: Some(self.fr.line) };
        let mut o = OpCx::new(self.cx, exit, Directives::of(self.fr.f));
        let out = emit(&mut o);
        self.fr.err_used |= o.raised;
        out
    }

    fn jump_to_error(&mut self) {
        self.op(|o| o.jump_to_error());
    }

    /// Sets `exc(msg)` and leaves through the error path.
    fn raise(&mut self, exc: &str, msg: Option<&str>) -> R<()> {
        self.op(|o| o.raise(exc, msg))?;
        self.reachable = false;
        Ok(())
    }

    fn raise_if(&mut self, cond: Value, exc: &str, msg: Option<&str>) -> R<()> {
        self.op(|o| o.raise_if(cond, exc, msg))?;
        self.reachable = true;
        Ok(())
    }
}

