//! Float comparisons with `0.0` inside loops (`if y < 0.0:`): x86 compares
//! against a register, and Cranelift rematerialises a float constant in
//! each block that uses it (`vxorpd` before every `vucomisd`). Such an
//! operand is replaced by the same zero made from an integer (`bitcast` of
//! `iconst 0`), which Cranelift does not rematerialise: its loop-invariant
//! code motion makes it once before the loop and the register allocator
//! keeps it in a register across it, as gcc does. Outside loops nothing
//! changes (one `vxorpd` is the cheapest zero there).

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{types, Function, InstBuilder, InstructionData, MemFlagsData, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::LoopAnalysis;

pub fn hoist_compare_zeros(func: &mut Function) {
    if func.layout.entry_block().is_none() {
        return;
    }
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    if loops.loops().next().is_none() {
        return;
    }
    let mut sites = vec![];
    for block in func.layout.blocks() {
        if loops.innermost_loop(block).is_none() {
            continue;
        }
        for inst in func.layout.block_insts(block) {
            if let InstructionData::FloatCompare { opcode: Opcode::Fcmp, args, .. } = func.dfg.insts[inst] {
                for (k, a) in args.iter().enumerate() {
                    if let Some(ty) = positive_zero(func, *a) {
                        sites.push((inst, k, ty));
                    }
                }
            }
        }
    }
    for (inst, k, ty) in sites {
        let mut pos = FuncCursor::new(func).at_inst(inst);
        let int_ty = if ty == types::F32 { types::I32 } else { types::I64 };
        let bits = pos.ins().iconst(int_ty, 0);
        let zero = pos.ins().bitcast(ty, MemFlagsData::new(), bits);
        pos.func.dfg.inst_args_mut(inst)[k] = zero;
    }
}

/// The type of `v` if it is the constant `+0.0`.
fn positive_zero(func: &Function, v: Value) -> Option<types::Type> {
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else { return None };
    match func.dfg.insts[def] {
        InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm } if imm.bits() == 0 => Some(types::F64),
        InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm } if imm.bits() == 0 => Some(types::F32),
        _ => None,
    }
}
