//! Code of the MIR ops on objects that are no C-API call: loading a
//! constant object (an interpreter static, or a slot of the module's
//! constant table that the exec slot fills) and `is`.

use super::super::{FnCx, R};
use super::flags;
use crate::hir::ObjConst;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value};

/// The constant object `c`, borrowed (alive as long as the module).
pub(super) fn load_const(cx: &mut FnCx, c: &ObjConst) -> R<Value> {
    match c {
        ObjConst::None => cx.py_data("_Py_NoneStruct"),
        ObjConst::Bool(true) => cx.py_data("_Py_TrueStruct"),
        ObjConst::Bool(false) => cx.py_data("_Py_FalseStruct"),
        _ => {
            let (table, slot) = cx.em.constant_slot(c)?;
            let base = cx.data_addr(table);
            let p = cx.em.ptr;
            Ok(cx.b.ins().load(p, flags(), base, (8 * slot) as i32))
        }
    }
}

/// `a is b`.
pub(super) fn same_object(cx: &mut FnCx, a: Value, b: Value) -> Value {
    cx.b.ins().icmp(IntCC::Equal, a, b)
}
