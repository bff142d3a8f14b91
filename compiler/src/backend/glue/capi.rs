//! The exec's side of cfuncs shared between modules
//! (`frontend/capi.rs`): the module's own shared cfuncs put in its
//! `__pyx_capi__` dict (a capsule of each C entry, named by the C pointer
//! type, as Cython names its), and the cfuncs it cimports from other
//! modules read from theirs into their C variables, the capsule's name
//! checked, before any of the module's code runs.

use super::{flags, R};
use crate::backend::FnCx;
use crate::hir;
use cranelift_codegen::ir::{self, types, InstBuilder, Value};

/// `__pyx_capi__` of `mod_dict`: each export's C entry in a capsule.
pub(super) fn export(cx: &mut FnCx, m: &hir::Module, mod_dict: Value, fail: ir::Block) -> R<()> {
    if m.capi_exports.is_empty() {
        return Ok(());
    }
    let p = cx.em.ptr;
    let dict = cx.call_c("PyDict_New", &[], &[p], &[])?[0];
    leave_if_null(cx, dict, fail);
    for e in &m.capi_exports {
        let entry = *cx.em.c_entries.get(&e.func).ok_or_else(|| format!("the shared cfunc `{}` has no C entry", e.name))?;
        let r = cx.func_ref(entry);
        let addr = cx.b.ins().func_addr(p, r);
        let sig = cx.cstr(&hir::capi_signature(&e.sig))?;
        let null = cx.b.ins().iconst(p, 0);
        let capsule = cx.call_c("PyCapsule_New", &[p, p, p], &[p], &[addr, sig, null])?[0];
        leave_if_null(cx, capsule, fail);
        let key = cx.cstr(&e.name)?;
        let status = cx.call_c("PyDict_SetItemString", &[p, p, p], &[types::I32], &[dict, key, capsule])?[0];
        cx.decref(capsule)?;
        leave_if_negative(cx, status, fail);
    }
    let key = cx.cstr("__pyx_capi__")?;
    let status = cx.call_c("PyDict_SetItemString", &[p, p, p], &[types::I32], &[mod_dict, key, dict])?[0];
    cx.decref(dict)?;
    leave_if_negative(cx, status, fail);
    Ok(())
}

/// Each cimported cfunc's address, from its module's `__pyx_capi__`, into
/// its C variable: ImportError if the module does not export it (built
/// without its `.pxd`, or by a tool that does not share it), TypeError if
/// its capsule names another signature (the `.pxd` changed since).
pub(super) fn import(cx: &mut FnCx, m: &hir::Module, fail: ir::Block) -> R<()> {
    let p = cx.em.ptr;
    for c in &m.capi_imports {
        let name = cx.cstr(&c.module)?;
        let module = cx.call_c("PyImport_ImportModule", &[p], &[p], &[name])?[0];
        leave_if_null(cx, module, fail);
        let attr = cx.cstr("__pyx_capi__")?;
        let has = cx.call_c("PyObject_HasAttrString", &[p, p], &[types::I32], &[module, attr])?[0];
        let capi = {
            let (yes, no) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(has, yes, &[], no, &[]);
            cx.b.switch_to_block(no);
            cx.decref(module)?;
            raise(cx, "PyExc_ImportError", &format!("{} does not export expected C function {} (build it with its {}.pxd)", c.module, c.name, c.module.replace('.', "/")), fail)?;
            cx.b.switch_to_block(yes);
            let capi = cx.call_c("PyObject_GetAttrString", &[p, p], &[p], &[module, attr])?[0];
            cx.decref(module)?;
            leave_if_null(cx, capi, fail);
            capi
        };
        let key = cx.cstr(&c.name)?;
        // Borrowed; NULL without an exception when missing.
        let capsule = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[capi, key])?[0];
        let missing = cx.is_null(capsule);
        let (bad, found) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(missing, bad, &[], found, &[]);
        cx.b.switch_to_block(bad);
        cx.decref(capi)?;
        raise(cx, "PyExc_ImportError", &format!("{} does not export expected C function {}", c.module, c.name), fail)?;
        cx.b.switch_to_block(found);
        let sig = hir::capi_signature(&c.sig);
        let wanted = cx.cstr(&sig)?;
        let valid = cx.call_c("PyCapsule_IsValid", &[p, p], &[types::I32], &[capsule, wanted])?[0];
        let (wrong, right) = (cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(valid, right, &[], wrong, &[]);
        cx.b.switch_to_block(wrong);
        cx.decref(capi)?;
        raise(cx, "PyExc_TypeError", &format!("C function {}.{} has wrong signature (expected {sig}): rebuild the modules that cimport it", c.module, c.name), fail)?;
        cx.b.switch_to_block(right);
        let addr = cx.call_c("PyCapsule_GetPointer", &[p, p], &[p], &[capsule, wanted])?[0];
        cx.decref(capi)?;
        let slot_name = hir::capi_slot(&c.module, &c.name);
        let slot = cx.em.cvar_slot(slot_name.trim_start_matches(hir::MODULE_CVAR))?;
        let slot = cx.data_addr(slot);
        cx.b.ins().store(flags(), addr, slot, 0);
    }
    Ok(())
}

fn leave_if_null(cx: &mut FnCx, v: Value, fail: ir::Block) {
    let bad = cx.is_null(v);
    let ok = cx.b.create_block();
    cx.b.ins().brif(bad, fail, &[], ok, &[]);
    cx.b.switch_to_block(ok);
}

fn leave_if_negative(cx: &mut FnCx, v: Value, fail: ir::Block) {
    let bad = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, v, 0);
    let ok = cx.b.create_block();
    cx.b.ins().brif(bad, fail, &[], ok, &[]);
    cx.b.switch_to_block(ok);
}

/// Sets `exc(message)` and leaves through `fail` (the current block ends).
fn raise(cx: &mut FnCx, exc: &str, message: &str, fail: ir::Block) -> R<()> {
    let p = cx.em.ptr;
    let sym = cx.em.import_data(exc)?;
    let addr = cx.data_addr(sym);
    let ty = cx.b.ins().load(p, flags(), addr, 0);
    let m = cx.cstr(message)?;
    cx.call_c("PyErr_SetString", &[p, p], &[], &[ty, m])?;
    cx.b.ins().jump(fail, &[]);
    Ok(())
}
