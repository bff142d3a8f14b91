//! The code of one compiled function grouped by the source line it came from,
//! for the annotate report: the optimised CLIF instructions (by their source
//! location, each MIR op's line) and
//! the machine instructions (by the code ranges Cranelift records per source
//! location), each call named by the symbol it reaches.

use cranelift_codegen::ir::{self, ExternalName, InstructionData};
use cranelift_codegen::{CompiledCode, FinalizedRelocTarget};
use cranelift_module::{DataId, FuncId, Module};
use cranelift_object::ObjectModule;
use std::collections::BTreeMap;

/// One compiled function's code by source line.
#[derive(Debug, Clone)]
pub struct FunctionCode {
    /// As `--emit clif` titles it: `fib`, `wrapper of fib`, `module exec`, …
    pub title: String,
    /// Its symbol in the object (`pyc_aot_native_fib`, `pyc_aot_wrap_fib`, …).
    pub symbol: String,
    /// The wrapper's MIR after its passes (wrappers are MIR bodies).
    pub mir: Option<String>,
    /// Code without a line (prologue, epilogue, all of a wrapper) under `None`.
    pub lines: BTreeMap<Option<u32>, LineCode>,
}

/// What one line compiled to inside one function.
#[derive(Debug, Clone, Default)]
pub struct LineCode {
    pub clif: Vec<String>,
    pub asm: Vec<String>,
    /// The symbols this line's code calls, once per call instruction.
    pub calls: Vec<String>,
}

fn line_of(loc: ir::SourceLoc) -> Option<u32> {
    (!loc.is_default()).then(|| loc.bits())
}

/// The symbol an external name of `func` refers to.
fn symbol(module: &ObjectModule, func: &ir::Function, name: &ExternalName) -> String {
    match name {
        ExternalName::User(r) => {
            let user = &func.params.user_named_funcs()[*r];
            // cranelift-module's namespaces: 0 functions, 1 data objects.
            let decls = module.declarations();
            let name = match user.namespace {
                0 => decls.get_function_decl(FuncId::from_u32(user.index)).name.clone(),
                _ => decls.get_data_decl(DataId::from_u32(user.index)).name.clone(),
            };
            // Anonymous data are the module's constant strings.
            name.unwrap_or_else(|| "constant".to_string())
        }
        ExternalName::LibCall(call) => call.to_string(),
        other => other.display(None).to_string(),
    }
}

/// Groups `func` (as compiled) and its machine code by line.
pub fn collect(module: &ObjectModule, isa: &dyn cranelift_codegen::isa::TargetIsa, id: FuncId, func: &ir::Function, code: &CompiledCode, title: &str, mir: Option<String>) -> Result<FunctionCode, String> {
    let mut lines: BTreeMap<Option<u32>, LineCode> = BTreeMap::new();
    // The block each line's listing is in, to head a new one with its label.
    let mut in_block: BTreeMap<Option<u32>, ir::Block> = BTreeMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let at = line_of(func.srcloc(inst));
            let line = lines.entry(at).or_default();
            if in_block.insert(at, block) != Some(block) {
                line.clif.push(format!("{block}:"));
            }
            let mut text = func.dfg.display_inst(inst).to_string();
            if let InstructionData::Call { func_ref, .. } = func.dfg.insts[inst] {
                let name = symbol(module, func, &func.dfg.ext_funcs[func_ref].name);
                text.push_str(&format!("  ; {name}"));
                line.calls.push(name);
            }
            line.clif.push(format!("    {text}"));
        }
    }
    let bytes = code.buffer.data();
    let ranges = code.buffer.get_srclocs_sorted();
    let mut relocs: Vec<(u32, String)> = code
        .buffer
        .relocs()
        .iter()
        .filter_map(|r| match &r.target {
            FinalizedRelocTarget::ExternalName(name) => Some((r.offset, symbol(module, func, name))),
            FinalizedRelocTarget::Func(_) => None,
        })
        .collect();
    relocs.sort_by_key(|(offset, _)| *offset);
    let disasm = disassembler(isa)?;
    let insns = disasm.disasm_all(bytes, 0).map_err(|e| format!("cannot disassemble `{title}`: {e}"))?;
    // Instructions, ranges and relocations all ascend in address: one pass.
    let (mut range, mut reloc) = (0, 0);
    for insn in insns.iter() {
        let at = insn.address() as u32;
        let end = at + insn.bytes().len() as u32;
        while range < ranges.len() && ranges[range].end <= at {
            range += 1;
        }
        let loc = ranges.get(range).filter(|r| r.start <= at).map_or(ir::SourceLoc::default(), |r| r.loc);
        let mut text = format!("{at:5x}:  {} {}", insn.mnemonic().unwrap_or("?"), insn.op_str().unwrap_or(""));
        while reloc < relocs.len() && relocs[reloc].0 < at {
            reloc += 1;
        }
        while reloc < relocs.len() && relocs[reloc].0 < end {
            text.push_str(&format!("  ; {}", relocs[reloc].1));
            reloc += 1;
        }
        lines.entry(line_of(loc)).or_default().asm.push(text.trim_end().to_string());
    }
    let symbol = module.declarations().get_function_decl(id).name.clone().unwrap_or_default();
    Ok(FunctionCode { title: title.to_string(), symbol, mir, lines })
}

fn disassembler(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Result<capstone::Capstone, String> {
    use capstone::arch::{self, BuildsCapstone, BuildsCapstoneSyntax};
    use target_lexicon::Architecture;
    let cs = match isa.triple().architecture {
        Architecture::X86_64 => capstone::Capstone::new().x86().mode(arch::x86::ArchMode::Mode64).syntax(arch::x86::ArchSyntax::Att).build(),
        Architecture::Aarch64(_) => capstone::Capstone::new().arm64().mode(arch::arm64::ArchMode::Arm).build(),
        other => return Err(format!("no disassembler for {other}")),
    };
    cs.map_err(|e| format!("cannot start the disassembler: {e}"))
}
