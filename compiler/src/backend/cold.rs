//! Cold code past cold code: a block every predecessor of which is cold is
//! cold too, so Cranelift lays it out after the hot code. Codegen marks the
//! first block of a cold MIR block (a None receiver's attribute lookup, a
//! failed type test's raise) cold; the blocks an op's lowering creates after
//! it (a slot call and its fallback, a release) were laid out among the hot
//! blocks, and the hot path jumped over them.

use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::Function;

pub fn propagate(func: &mut Function) {
    let Some(entry) = func.layout.entry_block() else { return };
    let cfg = ControlFlowGraph::with_function(func);
    loop {
        let mut changed = false;
        let blocks: Vec<_> = func.layout.blocks().collect();
        for block in blocks {
            if block == entry || func.layout.is_cold(block) {
                continue;
            }
            let mut preds = cfg.pred_iter(block).peekable();
            if preds.peek().is_some() && preds.all(|p| func.layout.is_cold(p.block)) {
                func.layout.set_cold(block);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}
