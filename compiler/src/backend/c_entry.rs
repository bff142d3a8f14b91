//! The C-ABI entries of the cfuncs a module takes as function pointers
//! (`hir::ExprKind::FuncAddr`: `qsort`'s comparator, a `binop_t` local
//! compiled code calls through), defined once
//! per variant before any body takes their address. Each is a MIR body
//! (`mir::build::c_entry`) run through the passes: the cfunc's body in
//! place when a wrapper would take it in place (a comparator is then one C
//! function, with no native call, stack limit or error flag between C and
//! its code, as Cython's is), else a call of its native function.

use super::body::{frame_estimate, has_big_frame, run_passes, with_body_plan};
use super::codegen::{self, extern_c::c_abi_type, Env};
use super::{worth_lowering_in_place, Emitter, FnCx, R};
use crate::hir::{self, FuncId};
use crate::mir::build::c_entry::{self as build, Run};
use crate::types::ExceptSpec;
use cranelift_codegen::ir::{self, AbiParam};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{Linkage, Module};
use std::collections::{BTreeMap, HashSet};

/// The cfuncs whose address a function of `m` takes, each with the name a
/// `noexcept` one's errors are written under (from the first address
/// taken) and its exception specification.
pub(crate) fn wanted(m: &hir::Module) -> Vec<(FuncId, String, ExceptSpec)> {
    let mut wanted: BTreeMap<u32, (String, ExceptSpec)> = BTreeMap::new();
    for f in &m.functions {
        hir::visit_stmt_exprs(&f.body, &mut |e| {
            hir::visit_expr(e, &mut |x| {
                if let hir::ExprKind::FuncAddr { func, name, except, .. } = &x.kind {
                    wanted.entry(func.0).or_insert_with(|| (name.clone(), *except));
                }
            })
        });
    }
    for e in &m.capi_exports {
        wanted.entry(e.func.0).or_insert_with(|| (format!("{}.{}", m.name, e.name), e.sig.except));
    }
    wanted.into_iter().map(|(func, (name, except))| (FuncId(func), name, except)).collect()
}

/// Defines `f`'s entry (`Emitter::c_entries`), signalling errors as `except` says.
pub(crate) fn define(em: &mut Emitter, m: &hir::Module, recursive: &HashSet<FuncId>, f: &hir::Function, name: &str, except: ExceptSpec) -> R<()> {
    let mut sig = em.module.make_signature();
    for p in &f.params {
        sig.params.push(AbiParam::new(c_abi_type(p.ty)?));
    }
    // A void cfunc's entry returns nothing.
    if f.ret != crate::types::Ty::Void {
        sig.returns.push(AbiParam::new(c_abi_type(f.ret)?));
    }
    let symbol = em.symbol(&format!("pyc_aot_centry_{}", f.id.0));
    let id = em.module.declare_function(&symbol, Linkage::Local, &sig).map_err(|e| e.to_string())?;
    em.c_entries.insert(f.id, id);

    // What a wrapper takes in place (`glue::wrapper`), for the same reasons.
    let in_place = worth_lowering_in_place(f) && !hir::keeps_own_frame(f) && !f.has_objects();
    let mut body = with_body_plan(m, recursive, false, |plan| {
        let run = if in_place { Run::InPlace(plan) } else { Run::Call { big_frame: has_big_frame(f).then(|| frame_estimate(f)) } };
        build::build(f, name, except, run)
    })?;
    run_passes(em, &mut body)?;

    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(5, f.id.0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let env = Env { binder_path: None };
        if in_place {
            codegen::body::emit(&mut cx, &body, f, Some(&env))?;
        } else {
            codegen::emit(&mut cx, &body, &env)?;
        }
        let FnCx { em, mut b, .. } = cx;
        b.seal_all_blocks();
        b.finalize(em.module.isa().frontend_config());
    }
    em.define(id, func, &format!("C entry of {}", f.name))
}
