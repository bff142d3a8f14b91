//! Each compiled function's CPython wrappers: the entry CPython calls
//! (`METH_NOARGS`, `METH_O`, or `METH_FASTCALL | METH_KEYWORDS` whose
//! unusual calls go to a binder path of their own, so the fast path keeps no
//! values across calls and saves no callee-saved registers), and the
//! vectorcall entry of a `METH_O` function that also takes its argument by
//! keyword. Wrappers are MIR bodies (`mir::build::wrapper`): the passes add
//! their error edges and releases, `codegen` emits them.

use super::{call_kind, finish, flags, CallKind, R};
use crate::backend::codegen::{self, Env};
use crate::backend::body::{frame_estimate, has_big_frame, run_passes, with_body_plan};
use crate::backend::{pyabi, worth_lowering_in_place, Emitter, FnCx, Listing};
use crate::hir::{self, FuncId, Function};
use crate::mir::build::wrapper::{self as build, Convention, Plan};
use crate::mir::print;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};
use std::collections::HashSet;

/// Which part of a FASTCALL wrapper a function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WrapperPart {
    /// The whole wrapper (NOARGS, O), or the fast path that hands anything
    /// unusual to the binder path.
    Entry(Option<ClifFuncId>),
    /// Keywords, defaults or a wrong count, sorted out by the binder.
    Binder,
}

/// What the module knows that a wrapper needs.
pub(super) struct Facts<'m> {
    pub m: &'m hir::Module,
    pub py_minor: u32,
    pub recursive: &'m HashSet<FuncId>,
    /// Memoryview parameters (function, index) written through.
    pub written: &'m HashSet<(FuncId, usize)>,
}

/// The wrapper CPython calls and, for a `METH_O` function that also takes a
/// keyword, its vectorcall entry.
pub(super) fn emit_wrapper(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize) -> R<(ClifFuncId, Option<ClifFuncId>)> {
    let kind = call_kind(f, facts.py_minor);
    let slow = if matches!(kind, CallKind::FastCall | CallKind::OKeywords) {
        Some(emit_wrapper_part(em, facts, f, binder_slot, WrapperPart::Binder)?)
    } else {
        None
    };
    let entry_slow = if kind == CallKind::FastCall { slow } else { None };
    let entry = emit_wrapper_part(em, facts, f, binder_slot, WrapperPart::Entry(entry_slow))?;
    let vectorcall = match (kind, slow) {
        (CallKind::OKeywords, Some(binder)) => Some(emit_keyword_vectorcall(em, f, entry, binder)?),
        _ => None,
    };
    Ok((entry, vectorcall))
}

/// The vectorcall entry of a `CallKind::OKeywords` function: one positional
/// argument goes to the `METH_O` wrapper, anything else to the binder path.
fn emit_keyword_vectorcall(em: &mut Emitter, f: &Function, meth_o: ClifFuncId, binder: ClifFuncId) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for t in [p, p, types::I64, p] {
        sig.params.push(ir::AbiParam::new(t));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let id = em
        .module
        .declare_function(&em.symbol(&format!("pyc_aot_vectorcall_{}", f.name)), Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(4, f.id.0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let params = cx.b.block_params(entry).to_vec();
        let (callable, args, nargsf, kwnames) = (params[0], params[1], params[2], params[3]);
        let module = cx.b.ins().load(p, flags(), callable, pyabi::CFUNCTION_SELF);
        // The top bit is PY_VECTORCALL_ARGUMENTS_OFFSET.
        let nargs = cx.b.ins().band_imm_s(nargsf, i64::MAX);
        let (positional, one, other) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        let exact = cx.b.ins().icmp_imm_s(IntCC::Equal, nargs, 1);
        cx.b.ins().brif(exact, positional, &[], other, &[]);
        cx.b.switch_to_block(positional);
        let no_kw = cx.is_null(kwnames);
        cx.b.ins().brif(no_kw, one, &[], other, &[]);
        cx.b.switch_to_block(one);
        let arg = cx.b.ins().load(p, flags(), args, 0);
        let r = cx.func_ref(meth_o);
        let inst = cx.b.ins().call(r, &[module, arg]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        cx.b.switch_to_block(other);
        let r = cx.func_ref(binder);
        let inst = cx.b.ins().call(r, &[module, args, nargs, kwnames]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        finish(cx)?;
    }
    em.define(id, func, &format!("vectorcall entry of {}", f.name))?;
    Ok(id)
}

/// A cclass method's descriptor entry (`METH_FASTCALL | METH_KEYWORDS`,
/// `self` first) and its binder path.
pub(super) fn emit_method_wrapper(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize) -> R<ClifFuncId> {
    let slow = emit_wrapper_part_as(em, facts, f, binder_slot, WrapperPart::Binder, true)?;
    emit_wrapper_part_as(em, facts, f, binder_slot, WrapperPart::Entry(Some(slow)), true)
}

/// The `METH_FASTCALL | METH_KEYWORDS` entry (`self` among the arguments)
/// and binder path of a plain class's method, whatever its parameters: its
/// function object's vectorcall entry calls it (`pyfunc`).
pub(super) fn emit_fastcall_wrapper(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize) -> R<ClifFuncId> {
    let slow = emit_wrapper_part_kind(em, facts, f, binder_slot, WrapperPart::Binder, false, CallKind::FastCall)?;
    emit_wrapper_part_kind(em, facts, f, binder_slot, WrapperPart::Entry(Some(slow)), false, CallKind::FastCall)
}

/// A native nested function's entry (a `Method`'s: the function object is
/// its hidden first parameter) and binder path (the binder takes the other
/// parameters): its function object's vectorcall entry calls it (`pyfunc`).
pub(super) fn emit_nested_wrapper(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize) -> R<ClifFuncId> {
    let slow = emit_with_convention(em, facts, f, WrapperPart::Binder, Convention::ClosureBinderPath { slot: binder_slot })?;
    emit_with_convention(em, facts, f, WrapperPart::Entry(Some(slow)), Convention::Method)
}

/// A cclass field's `PyGetSetDef` getter, `PyObject *(self, closure)`,
/// running the compiled getter `f(self)`.
pub(super) fn emit_getter(em: &mut Emitter, facts: &Facts, f: &Function) -> R<ClifFuncId> {
    emit_with_convention(em, facts, f, WrapperPart::Entry(None), Convention::Getter)
}

/// A cclass field's `PyGetSetDef` setter, `int (self, value, closure)`:
/// the compiled `set(self, value)`, or `delete(self)` for a NULL value.
pub(super) fn emit_setter(em: &mut Emitter, set: &Function, delete: &Function) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for t in [p, p, p] {
        sig.params.push(ir::AbiParam::new(t));
    }
    sig.returns.push(ir::AbiParam::new(types::I32));
    let id = em.module.declare_function(&em.symbol(&format!("pyc_aot_setter_{}", set.name)), Linkage::Local, &sig).map_err(|e| e.to_string())?;
    let frame = [set, delete].iter().filter(|f| has_big_frame(f)).map(|f| frame_estimate(f)).max();
    let mut body = build::build_setter(set, delete, frame)?;
    run_passes(em, &mut body)?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(6, id.as_u32()), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        codegen::emit(&mut cx, &body, &Env { binder_path: None })?;
        finish(cx)?;
    }
    em.define(id, func, &format!("setter of {}", set.name))?;
    Ok(id)
}

fn emit_wrapper_part(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize, part: WrapperPart) -> R<ClifFuncId> {
    emit_wrapper_part_as(em, facts, f, binder_slot, part, false)
}

fn emit_wrapper_part_as(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize, part: WrapperPart, method: bool) -> R<ClifFuncId> {
    emit_wrapper_part_kind(em, facts, f, binder_slot, part, method, call_kind(f, facts.py_minor))
}

fn emit_wrapper_part_kind(em: &mut Emitter, facts: &Facts, f: &Function, binder_slot: usize, part: WrapperPart, method: bool, kind: CallKind) -> R<ClifFuncId> {
    let convention = match (kind, part) {
        (_, WrapperPart::Binder) if method => Convention::MethodBinderPath { slot: binder_slot },
        (_, WrapperPart::Entry(_)) if method => Convention::Method,
        (_, WrapperPart::Binder) => Convention::BinderPath { slot: binder_slot },
        (CallKind::NoArgs, _) => Convention::NoArgs,
        (CallKind::O | CallKind::OKeywords, _) => Convention::O,
        (CallKind::FastCall, _) => Convention::FastCall,
    };
    emit_with_convention(em, facts, f, part, convention)
}

fn emit_with_convention(em: &mut Emitter, facts: &Facts, f: &Function, part: WrapperPart, convention: Convention) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    let nparams = if matches!(convention, Convention::FastCall | Convention::BinderPath { .. } | Convention::Method | Convention::MethodBinderPath { .. } | Convention::ClosureBinderPath { .. }) { 4 } else { 2 };
    let param_types = [p, p, types::I64, p];
    for t in &param_types[..nparams] {
        sig.params.push(ir::AbiParam::new(*t));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let binder_part = part == WrapperPart::Binder;
    let base = if binder_part { "pyc_aot_wrap_slow" } else { "pyc_aot_wrap" };
    let id = em
        .module
        .declare_function(&em.symbol(&format!("{base}_{}", f.name)), Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;

    let plan = Plan { convention, in_place: worth_lowering_in_place(f) && !hir::keeps_own_frame(f) && !f.has_objects(), big_frame: has_big_frame(f).then(|| frame_estimate(f)) };
    let built = with_body_plan(facts.m, facts.recursive, false, |body| build::build(f, plan, &|i| facts.written.contains(&(f.id, i)), body))?;
    let mut body = built.body;
    run_passes(em, &mut body)?;
    if em.listing_kind == Listing::Annotate {
        em.wrapper_mir = Some(print::body(&body));
    }

    let ns = if binder_part { 3 } else { 2 };
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(ns, f.id.0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let binder_path = match part {
            WrapperPart::Entry(b) => b,
            WrapperPart::Binder => None,
        };
        let env = Env { binder_path };
        if built.body_in_place {
            codegen::body::emit(&mut cx, &body, f, Some(&env))?;
        } else {
            codegen::emit(&mut cx, &body, &env)?;
        }
        finish(cx)?;
    }
    let title = if binder_part { "binder path of" } else { "wrapper of" };
    em.define(id, func, &format!("{title} {}", f.name))?;
    Ok(id)
}
