//! One HIR function → one native Cranelift function, through MIR: the body
//! built by `mir::build::body`, the passes, then `codegen::body`. Here are
//! the back end's decisions a body is built by (`with_body_plan`): which
//! calls are inlined (within a depth, a count of self-copies and a budget of
//! HIR nodes per native function: limits on the copies the back end emits),
//! which callees have a frame too big to enter unchecked, and which small
//! functions their wrappers take in place.
//!
//! Native calling convention: `(params…, stack_limit) -> (value?, error_flag)`.
//! On error the Python exception is set, a traceback entry for this function
//! and line is added, and the flag is 1.

use super::codegen::{self, stack};
use super::{Emitter, FnCx, Listing, R};
use crate::hir::{self, FuncId};
use crate::mir;
use crate::types::Ty;
use cranelift_codegen::ir;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::Module;
use std::collections::HashSet;

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

/// How many calls deep one native function inlines its callees, and how deep
/// a recursive function inlines itself (the rest are real calls).
const MAX_INLINE_DEPTH: usize = 4;
const MAX_SELF_INLINE: usize = 4;
const INLINE_SIZE: usize = 64;
/// The size limit for the implementation a table call finds in the
/// receiver's table (`mir::build::body`'s known entry): in place of an
/// indirect call, whose frame and spilled values cost more than a direct
/// call's.
const TABLE_INLINE_SIZE: usize = 2 * INLINE_SIZE;
/// HIR nodes one native function may take in from its callees: past it,
/// calls stay calls, so thousands of call sites cost compile time and memory
/// in proportion to the source, not to the source times the callee.
const INLINE_BUDGET: usize = 4096;

/// Whether a call of `id` is inlined `depth` calls deep, with `inlined` HIR
/// nodes taken in so far and `same` frames of `id` itself around the call
/// (`table`: the known entry of a table call, `TABLE_INLINE_SIZE`).
fn inlines(m: &hir::Module, recursive: &HashSet<FuncId>, id: FuncId, depth: usize, inlined: usize, same: usize, table: bool) -> bool {
    let callee = m.function(id);
    if depth >= MAX_INLINE_DEPTH || has_big_frame(callee) || callee.generator {
        return false;
    }
    let size = function_size(callee);
    if inlined + size > INLINE_BUDGET {
        return false;
    }
    if recursive.contains(&id) {
        return same <= MAX_SELF_INLINE && size <= INLINE_SIZE;
    }
    callee.inline_hint || size <= if table { TABLE_INLINE_SIZE } else { INLINE_SIZE }
}

/// HIR nodes of `f`'s body, a C field of a local's object (`self.x`: one
/// load or store at a constant offset) counting as one.
fn function_size(f: &hir::Function) -> usize {
    let mut size = 0i64;
    hir::visit_stmt_exprs(&f.body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            size += 1;
            if let hir::ExprKind::PtrLoad { ptr, index } | hir::ExprKind::PtrStore { ptr, index, .. } = &x.kind {
                if let (hir::ExprKind::ObjectData(obj), hir::ExprKind::Const(_)) = (&ptr.kind, &index.kind) {
                    if matches!(obj.kind, hir::ExprKind::Local(_)) {
                        // Its pointer, object and offset are counted below.
                        size -= 3;
                    }
                }
            }
        })
    });
    size.max(0) as usize
}

/// Runs `run` with the plan a body is built by (`mir::build::body`):
/// callees inlined as `inlines` decides, the stack's room checked before a
/// call of a big frame, the stack checked on entry when `stack_check` (a
/// recursive function).
pub(crate) fn with_body_plan<T>(m: &hir::Module, recursive: &HashSet<FuncId>, stack_check: bool, run: impl FnOnce(&mir::build::body::Plan) -> T) -> T {
    let inline = |id: FuncId, depth: usize, inlined: usize, same: usize, table: bool| inlines(m, recursive, id, depth, inlined, same, table).then(|| function_size(m.function(id)));
    let big_frame = |id: FuncId| {
        let callee = m.function(id);
        has_big_frame(callee).then(|| frame_estimate(callee))
    };
    run(&mir::build::body::Plan { m, inlines: &inline, big_frame: &big_frame, stack_check, file: &m.source_path, recursive })
}

pub fn lower_function(em: &mut Emitter, m: &hir::Module, f: &hir::Function, recursive: &HashSet<FuncId>) -> R<()> {
    if f.generator {
        return lower_generator(em, m, f, recursive);
    }
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, f.id.0), em.native_signature(f));
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut cx = FnCx::new(em, b);
    let mut body = with_body_plan(m, recursive, recursive.contains(&f.id), |plan| mir::build::body::build(f, plan))?;
    run_passes(cx.em, &mut body)?;
    codegen::body::emit(&mut cx, &body, f, None)?;
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    let id = em.native_id(f.id);
    em.define(id, func, &f.name)
}

/// A generator function: its body as the resume function `(generator,
/// sent, stack_limit) -> object` (built with `yield`s, then the suspension
/// pass), and as its native function the create function, which makes the
/// generator with the parameters in their frame slots
/// (`backend/glue/generator.rs`).
fn lower_generator(em: &mut Emitter, m: &hir::Module, f: &hir::Function, recursive: &HashSet<FuncId>) -> R<()> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for _ in 0..3 {
        sig.params.push(ir::AbiParam::new(p));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let symbol = em.symbol(&format!("pyc_aot_resume_{}_{}", f.id.0, f.name));
    let resume_id = em.module.declare_function(&symbol, cranelift_module::Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(15, resume_id.as_u32()), sig);
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut cx = FnCx::new(em, b);
    let mut body = with_body_plan(m, recursive, recursive.contains(&f.id), |plan| mir::build::body::build(f, plan))?;
    let layout = passes_then_listing(cx.em, &mut body, mir::pass::run_generator)?;
    codegen::body::emit(&mut cx, &body, f, None)?;
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    em.define(resume_id, func, &format!("{} (resume)", f.name))?;
    let info = super::glue::generator::define_info(em, f, &f.name, &layout)?;
    em.generators.insert(f.id.0, (resume_id, info));

    // The create function, the generator function's native function.
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, f.id.0), em.native_signature(f));
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut cx = FnCx::new(em, b);
    let mut body = mir::build::body::build_generator_create(f, &layout)?;
    mir::pass::run(&mut body, crate::target::verifier_wanted(), None)?;
    if cx.em.listing_kind == Listing::Mir {
        cx.em.listing.push_str(&format!("{}\n", mir::print::body(&body)));
    }
    codegen::body::emit(&mut cx, &body, f, None)?;
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    let id = em.native_id(f.id);
    em.define(id, func, &f.name)
}

/// Whether a wrapper should contain the body instead of calling it: small
/// functions without memoryview parameters. (With buffers to release after
/// the body, float values live across calls in the wrapper, and the register
/// allocator spills them inside hot loops; the native function does not
/// suffer that.)
pub fn worth_lowering_in_place(f: &hir::Function) -> bool {
    let has_views = f.params.iter().any(|p| matches!(p.ty, Ty::View(_)));
    !has_views && !has_big_frame(f) && !f.reraises() && !f.generator && (f.inline_hint || function_size(f) <= INLINE_SIZE)
}

/// The MIR passes over `body` (verified between them when the listing
/// or the build asks), then its listing: what every body the back end
/// builds goes through (functions, wrappers, setters, C entries).
pub(crate) fn run_passes(em: &mut Emitter, body: &mut mir::Body) -> R<()> {
    passes_then_listing(em, body, mir::pass::run)
}

/// `passes` (`mir::pass::run`, or `run_generator` for a resume function)
/// over `body`, verified between them when the listing or the build asks,
/// then the listing.
fn passes_then_listing<T>(em: &mut Emitter, body: &mut mir::Body, passes: impl FnOnce(&mut mir::Body, bool, Option<&mut mir::pass::Stages>) -> R<T>) -> R<T> {
    let mut stages = mir::pass::Stages::new();
    let all_stages = em.listing_kind == Listing::MirStages;
    let out = passes(body, all_stages || crate::target::verifier_wanted(), all_stages.then_some(&mut stages))?;
    list_mir(em, body, stages);
    Ok(out)
}

/// `--emit mir` (the body after the passes) and `--emit mir-stages` (after each).
fn list_mir(em: &mut Emitter, body: &mir::Body, stages: mir::pass::Stages) {
    match em.listing_kind {
        Listing::Mir => em.listing.push_str(&format!("{}\n", mir::print::body(body))),
        Listing::MirStages => {
            for (stage, text) in stages {
                em.listing.push_str(&format!("# {stage}\n{text}\n"));
            }
        }
        _ => {}
    }
}
