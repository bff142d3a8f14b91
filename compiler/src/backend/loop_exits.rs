//! Values leaving a loop that calls, on their way to a register the ABI
//! fixes (a `return`'s value, a later call's argument): each copied once
//! where the loop exits, through a float register (`bitcast` there and
//! back, two `movq`s), so the register allocator keeps the loop's own
//! values in callee-saved registers.
//!
//! regalloc2 merges a block parameter's live range with the values passed
//! to it, whatever the registers they need. A loop's accumulator or counter,
//! merged with the loop's exit parameter and so with the `return` or call
//! argument after the loop, must be in `rax`/`rdi` there, a register each
//! call inside the loop clobbers; the allocator then splits the range at
//! the calls and copies the value between `rax` and a callee-saved
//! register around every call, two or three `mov`s a trip (`s += f(i)`:
//! 10 instructions a trip instead of 7.5, unrolled). A copy made by an
//! instruction (Cranelift has no plain copy: `iadd x, 0` and the like are
//! simplified away, `bitcast` to the float of the same width is not) gives
//! the fixed register to the copy alone. Only integer parameters of blocks
//! outside every loop (run once per exit, not per trip), reached from a
//! loop with a call, whose values flow (through block parameters and
//! `ireduce`, which the back end emits as nothing) into such an argument.

use std::collections::HashSet;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{types, Block, Function, InstBuilder, MemFlagsData, Opcode, Value};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

/// A function's loops, and the innermost loop of each call in one: what
/// this pass and `compare_consts` decide by.
pub(super) struct CallingLoops {
    pub cfg: ControlFlowGraph,
    pub loops: LoopAnalysis,
    pub calling: Vec<Loop>,
}

/// `None` when the function has no loop.
pub(super) fn calling_loops(func: &Function) -> Option<CallingLoops> {
    func.layout.entry_block()?;
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    loops.loops().next()?;
    let mut calling = vec![];
    for block in func.layout.blocks() {
        let calls = func.layout.block_insts(block).any(|i| func.dfg.insts[i].opcode().is_call());
        if let (true, Some(lp)) = (calls, loops.innermost_loop(block)) {
            calling.push(lp);
        }
    }
    Some(CallingLoops { cfg, loops, calling })
}

/// `loops` is `calling_loops(func)`: neither this pass nor
/// `compare_consts` changes the function's blocks, so one analysis serves both.
pub fn copy_exit_values(func: &mut Function, loops: &CallingLoops) {
    // Loops with a call in them or in a loop they hold.
    let CallingLoops { cfg, loops, calling } = loops;
    if calling.is_empty() {
        return;
    }
    let exits: Vec<Block> = func
        .layout
        .blocks()
        .filter(|&b| loops.innermost_loop(b).is_none())
        .filter(|&b| {
            cfg.pred_iter(b).any(|p| {
                loops.innermost_loop(p.block).is_some_and(|lp| calling.iter().any(|&c| loops.is_child_loop(c, lp) || loops.is_child_loop(lp, c)))
            })
        })
        .collect();
    if exits.is_empty() {
        return;
    }
    let fixed = fixed_register_values(func);
    let mut sites = vec![];
    for b in exits {
        for &p in func.dfg.block_params(b) {
            let ty = func.dfg.value_type(p);
            if (ty == types::I64 || ty == types::I32) && fixed.contains(&p) {
                sites.push((b, p, ty));
            }
        }
    }
    for (b, p, ty) in sites {
        let fresh = func.dfg.replace_block_param(p, ty);
        let float = if ty == types::I64 { types::F64 } else { types::F32 };
        let mut pos = FuncCursor::new(func).at_first_insertion_point(b);
        let f = pos.ins().bitcast(float, MemFlagsData::new(), fresh);
        let copy = pos.ins().bitcast(ty, MemFlagsData::new(), f);
        pos.func.dfg.change_to_alias(p, copy);
    }
}

/// Values that end in a register the ABI fixes: arguments of calls and
/// returns, and what flows into them through `ireduce` and block parameters.
fn fixed_register_values(func: &Function) -> HashSet<Value> {
    let dfg = &func.dfg;
    let mut fixed = HashSet::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let op = dfg.insts[inst].opcode();
            if op.is_call() || op.is_return() {
                fixed.extend(dfg.inst_args(inst).iter().map(|&v| dfg.resolve_aliases(v)));
            }
        }
    }
    loop {
        let before = fixed.len();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let data = &dfg.insts[inst];
                if data.opcode() == Opcode::Ireduce && dfg.inst_results(inst).iter().any(|r| fixed.contains(r)) {
                    fixed.insert(dfg.resolve_aliases(dfg.inst_args(inst)[0]));
                }
                for dest in data.branch_destination(&dfg.jump_tables, &dfg.exception_tables) {
                    let params = dfg.block_params(dest.block(&dfg.value_lists));
                    for (k, arg) in dest.args(&dfg.value_lists).enumerate() {
                        if let (Some(v), Some(p)) = (arg.as_value(), params.get(k)) {
                            if fixed.contains(p) {
                                fixed.insert(dfg.resolve_aliases(v));
                            }
                        }
                    }
                }
            }
        }
        if fixed.len() == before {
            return fixed;
        }
    }
}
