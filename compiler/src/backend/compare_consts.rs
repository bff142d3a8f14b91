//! Float comparisons with a constant inside loops (`if y < 0.0:`, `while
//! zr * zr + zi * zi <= 4.0:`): x86's `ucomisd` takes one operand in a
//! register, and where that is the constant Cranelift makes it again in
//! each block that uses it (`vxorpd` for a zero, `movabs` and `vmovq` for
//! any other value, before every `vucomisd`; on the other side it reads the
//! constant from memory). Such an operand is replaced by the same constant
//! made from an integer (`bitcast` of `iconst bits`), which Cranelift does
//! not rematerialise: its loop-invariant code motion makes it once before
//! the loop and the register allocator keeps it in a register across it,
//! as gcc does. Outside loops, and in loops that call (no float register
//! survives a call), nothing changes.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{types, Function, InstBuilder, InstructionData, MemFlagsData, Opcode, Value, ValueDef};

pub fn hoist_compare_consts(func: &mut Function, loops: &super::loop_exits::CallingLoops) {
    // Loops that call: SysV x86-64 keeps no float register across a call,
    // so a zero live across one would be spilled and reloaded.
    let super::loop_exits::CallingLoops { loops, calling, .. } = loops;
    let mut sites = vec![];
    for block in func.layout.blocks() {
        let Some(lp) = loops.innermost_loop(block) else { continue };
        if calling.iter().any(|&c| loops.is_child_loop(c, lp)) {
            continue;
        }
        for inst in func.layout.block_insts(block) {
            if let InstructionData::FloatCompare { opcode: Opcode::Fcmp, args, cond } = func.dfg.insts[inst] {
                let k = register_side(cond);
                if let Some((ty, bits)) = float_const(func, args[k]) {
                    sites.push((inst, k, ty, bits));
                }
            }
        }
    }
    for (inst, k, ty, bits) in sites {
        let mut pos = FuncCursor::new(func).at_inst(inst);
        let int_ty = if ty == types::F32 { types::I32 } else { types::I64 };
        let bits = pos.ins().iconst(int_ty, bits);
        let konst = pos.ins().bitcast(ty, MemFlagsData::new(), bits);
        pos.func.dfg.inst_args_mut(inst)[k] = konst;
    }
}

/// Which operand of `fcmp cond a, b` Cranelift's x64 back end compares in a
/// register (`ucomisd` reads the other from memory, a constant from the
/// constant pool: no zero to make there): `b` for the conditions it flips
/// (`a < b` is tested as `b > a`), `a` for the others.
fn register_side(cond: FloatCC) -> usize {
    match cond {
        FloatCC::LessThan | FloatCC::LessThanOrEqual | FloatCC::UnorderedOrGreaterThan | FloatCC::UnorderedOrGreaterThanOrEqual => 1,
        _ => 0,
    }
}

/// The type and bits of `v` if it is a float constant (the bits
/// zero-extended, as `iconst` takes them).
fn float_const(func: &Function, v: Value) -> Option<(types::Type, i64)> {
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else { return None };
    match func.dfg.insts[def] {
        InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm } => Some((types::F64, imm.bits() as i64)),
        InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm } => Some((types::F32, i64::from(imm.bits()))),
        _ => None,
    }
}
