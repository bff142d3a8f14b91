//! Code of the MIR ops on objects that are no single C-API call: loading a
//! constant object (an interpreter static, or a slot of the module's
//! constant table that the exec slot fills), `is`, and calling an object
//! with its arguments in a vector on the stack.

use super::super::{FnCx, R};
use super::flags;
use crate::hir::ObjConst;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value};

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

/// `f(*args)` through vectorcall; a new reference, NULL on error.
pub(super) fn call_object(cx: &mut FnCx, f: Value, args: &[Value]) -> R<Value> {
    let p = cx.em.ptr;
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * args.len().max(1) as u32, 3));
    for (k, a) in args.iter().enumerate() {
        cx.b.ins().stack_store(p, *a, slot, (8 * k) as i32);
    }
    let argv = cx.b.ins().stack_addr(p, slot, 0);
    let n = cx.b.ins().iconst(p, args.len() as i64);
    let no_keywords = cx.b.ins().iconst(p, 0);
    cx.vectorcall(f, argv, n, no_keywords)
}
