//! The class a compiled method was defined in (`mir::OpKind::DefiningClass`),
//! what zero-argument `super()` and `__class__` read: an extension type
//! from its module slot, or a plain class's `__class__` cell reached
//! through the holder cell in the method's slot (`hir::ClassRef`).

use super::super::{pyabi, FnCx, R};
use super::{flags, incref};
use crate::hir::{ClassRead, ClassRef};
use crate::mir::primitives as prim;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder};

/// A new reference to the class, or NULL with CPython's exception set.
pub(super) fn defining_class(cx: &mut FnCx, c: &ClassRef) -> R<ir::Value> {
    let p = cx.em.ptr;
    match c {
        ClassRef::Ext(name) => {
            // The module made the type before any of its code could run.
            let slot = cx.em.class_slot(name)?;
            let slot = cx.data_addr(slot);
            let cls = cx.b.ins().load(p, flags(), slot, 0);
            incref(cx, cls)?;
            Ok(cls)
        }
        ClassRef::Missing(message) => {
            let null = cx.b.ins().iconst(p, 0);
            raise(cx, "PyExc_RuntimeError", message)?;
            Ok(null)
        }
        ClassRef::Plain { qualname, read } => {
            let slot = cx.em.class_cell_slot(qualname)?;
            let slot = cx.data_addr(slot);
            let (has_holder, has_cell, not_found, empty, full, done) =
                (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            cx.b.set_cold_block(not_found);
            cx.b.set_cold_block(empty);
            cx.b.append_block_param(done, p);
            // The holder is made by the exec slot; the class body fills it
            // where it binds the method, so neither is missing when the
            // method object can be reached (kept for safety).
            let holder = cx.b.ins().load(p, flags(), slot, 0);
            let missing = cx.is_null(holder);
            cx.b.ins().brif(missing, not_found, &[], has_holder, &[]);
            cx.b.switch_to_block(has_holder);
            let cell = cx.b.ins().load(p, flags(), holder, pyabi::CELL_REF);
            let missing = cx.is_null(cell);
            cx.b.ins().brif(missing, not_found, &[], has_cell, &[]);
            cx.b.switch_to_block(has_cell);
            let cls = cx.b.ins().load(p, flags(), cell, pyabi::CELL_REF);
            let missing = cx.is_null(cls);
            cx.b.ins().brif(missing, empty, &[], full, &[]);
            cx.b.switch_to_block(not_found);
            raise(cx, "PyExc_RuntimeError", "super(): __class__ cell not found")?;
            let null = cx.b.ins().iconst(p, 0);
            cx.b.ins().jump(done, &[BlockArg::Value(null)]);
            // Empty until `type.__new__` fills it: the method was called
            // while its class body ran.
            cx.b.switch_to_block(empty);
            let name_error = match read {
                ClassRead::Name => true,
                ClassRead::Super => false,
                ClassRead::SuperAttr => cx.em.py.minor >= 12,
            };
            if name_error {
                let msg = cx.em.py.free_var_message("__class__");
                raise(cx, "PyExc_NameError", &msg)?;
            } else {
                raise(cx, "PyExc_RuntimeError", "super(): empty __class__ cell")?;
            }
            let null = cx.b.ins().iconst(p, 0);
            cx.b.ins().jump(done, &[BlockArg::Value(null)]);
            cx.b.switch_to_block(full);
            incref(cx, cls)?;
            cx.b.ins().jump(done, &[BlockArg::Value(cls)]);
            cx.b.switch_to_block(done);
            Ok(cx.b.block_params(done)[0])
        }
    }
}

fn raise(cx: &mut FnCx, exc: &str, message: &str) -> R<()> {
    let p = cx.em.ptr;
    let exc = cx.py_data(exc)?;
    let exc = cx.b.ins().load(p, flags(), exc, 0);
    let msg = cx.cstr(message)?;
    cx.call_prim(&prim::PY_ERR_SET_STRING, &[exc, msg])?;
    Ok(())
}
