//! Calls of extern C functions that take or return structs (and unions) by
//! value, following the target's C ABI (`types::StructAbi`: each struct's
//! size, alignment, the values compiled code holds it as and the scalar
//! members C classifies). The front end passes a struct as its values and,
//! for a struct result, a pointer for each of its values; here a struct is
//! laid out in a stack slot when its words are not single values already,
//! and travels as C's ABI says:
//!
//! - x86-64 System V: up to 16 bytes, each eightbyte in a general register
//!   (an `i64`) if any member in it is an integer or a pointer, else in an
//!   SSE register (an `f64`, two floats' bits in one); when its eightbytes
//!   do not all fit the registers left (6 general, 8 SSE) or it is larger,
//!   a copy on the stack (Cranelift's `StructArgument`). Results: up to two
//!   eightbytes in `rax`/`rdx` and `xmm0`/`xmm1` by class, larger ones
//!   through a hidden pointer (`StructReturn`, `rdi`).
//! - AArch64 AAPCS64: a homogeneous float aggregate (1 to 4 members, all
//!   `float` or all `double`) in consecutive SIMD registers, other structs
//!   up to 16 bytes in one or two general registers, larger ones as a
//!   pointer to a copy the caller makes; one that does not fit the
//!   registers left goes on the stack whole, and no later argument of its
//!   kind takes a register (the registers left are filled with dummies, as
//!   the rule's NGRN/NSRN = 8). Results likewise, larger ones through `x8`
//!   (`StructReturn`).

use super::op::OpCx;
use super::R;
use crate::backend::clif_type;
use crate::types::{CStruct, StructAbiId, Ty};
use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value};

/// How one struct crosses the call.
enum Pass {
    /// In registers (or, once they are used up on AArch64, on the stack as
    /// the same words): each word's offset and type.
    Words(Vec<(u32, ir::Type)>),
    /// x86-64's MEMORY class: a copy on the stack.
    Stack,
    /// AArch64's larger structs: a pointer to a copy.
    Pointer,
}

#[derive(Clone, Copy, PartialEq)]
enum Arch {
    X64,
    Aarch64,
}

/// Registers left for arguments: general and floating-point/SIMD.
struct Regs {
    int: u32,
    float: u32,
}

/// x86-64 System V's eightbytes of a struct of at most 16 bytes.
fn sysv_words(s: &CStruct) -> Option<Vec<(u32, ir::Type)>> {
    if s.size > 16 {
        return None;
    }
    Some(
        (0..s.size.div_ceil(8))
            .map(|w| {
                let int = s.members.iter().any(|(o, t)| *o / 8 == w && !matches!(t, Ty::Float(_)));
                (w * 8, if int { types::I64 } else { types::F64 })
            })
            .collect(),
    )
}

/// AAPCS64's homogeneous float aggregate: the member type and count.
fn hfa(s: &CStruct) -> Option<(ir::Type, u32)> {
    let Some((_, Ty::Float(w))) = s.members.first() else { return None };
    let w = u32::from(*w);
    if !s.members.iter().all(|(o, t)| *t == Ty::Float(w as u8) && o % (w / 8) == 0) {
        return None;
    }
    let n = s.size / (w / 8);
    (1..=4).contains(&n).then_some((if w == 32 { types::F32 } else { types::F64 }, n))
}

/// AArch64: the words of a struct of at most 16 bytes, and whether they
/// are SIMD registers (an HFA).
fn aapcs_words(s: &CStruct) -> Option<(Vec<(u32, ir::Type)>, bool)> {
    if let Some((t, n)) = hfa(s) {
        return Some(((0..n).map(|k| (k * t.bytes(), t)).collect(), true));
    }
    (s.size <= 16).then(|| ((0..s.size.div_ceil(8)).map(|w| (w * 8, types::I64)).collect(), false))
}

/// The type a value of `t` is held as in memory (a bint as C's `int`).
fn mem_type(t: Ty) -> R<ir::Type> {
    match t {
        Ty::Bool => Ok(types::I32),
        t => clif_type(t).ok_or_else(|| format!("a struct value of type {t} reached the back end")),
    }
}

impl OpCx<'_, '_, '_> {
    fn arch(&self) -> R<Arch> {
        match cranelift_module::Module::isa(&self.cx.em.module).triple().architecture {
            target_lexicon::Architecture::X86_64 => Ok(Arch::X64),
            target_lexicon::Architecture::Aarch64(_) => Ok(Arch::Aarch64),
            a => Err(format!("structs passed by value to C on {a} reached the back end")),
        }
    }

    fn struct_slot(&mut self, s: &CStruct) -> ir::StackSlot {
        let size = s.size.div_ceil(8).max(2) * 8;
        self.cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 3))
    }

    /// A struct's `values` stored into a new stack slot at their offsets
    /// (a bint as C's `int`).
    fn store_struct(&mut self, s: &CStruct, values: &[Value]) -> R<ir::StackSlot> {
        let slot = self.struct_slot(s);
        let p = self.cx.em.ptr;
        for (&(offset, t), &v) in s.values.iter().zip(values) {
            let v = if t == Ty::Bool { self.cx.b.ins().uextend(types::I32, v) } else { v };
            self.cx.b.ins().stack_store(p, v, slot, offset as i32);
        }
        Ok(slot)
    }

    /// The word at `offset` of type `ty` of a struct whose values are
    /// `values`: a value itself when it is that word, else loaded from the
    /// struct laid out in a slot.
    fn struct_word(&mut self, s: &CStruct, values: &[Value], slot: &mut Option<ir::StackSlot>, offset: u32, ty: ir::Type) -> R<Value> {
        let within: Vec<usize> = (0..s.values.len()).filter(|&k| s.values[k].0 / 8 == offset / 8 && (ty.bytes() == 8 || s.values[k].0 == offset)).collect();
        if let [k] = within.as_slice() {
            let (o, t) = s.values[*k];
            if o == offset && mem_type(t)? == ty {
                return Ok(values[*k]);
            }
        }
        let slot = match *slot {
            Some(sl) => sl,
            None => {
                let sl = self.store_struct(s, values)?;
                *slot = Some(sl);
                sl
            }
        };
        let p = self.cx.em.ptr;
        Ok(self.cx.b.ins().stack_load(p, ty, slot, offset as i32))
    }

    /// How a struct argument passes, given the registers left (updated).
    fn classify_arg(&self, arch: Arch, s: &CStruct, regs: &mut Regs, dummies: &mut Vec<ir::Type>) -> Pass {
        match arch {
            Arch::X64 => {
                let Some(words) = sysv_words(s) else { return Pass::Stack };
                let ints = words.iter().filter(|w| w.1 == types::I64).count() as u32;
                let floats = words.len() as u32 - ints;
                if ints > regs.int || floats > regs.float {
                    return Pass::Stack;
                }
                regs.int -= ints;
                regs.float -= floats;
                Pass::Words(words)
            }
            Arch::Aarch64 => {
                let Some((words, simd)) = aapcs_words(s) else {
                    regs.int = regs.int.saturating_sub(1);
                    return Pass::Pointer;
                };
                let n = words.len() as u32;
                let left = if simd { &mut regs.float } else { &mut regs.int };
                if n <= *left {
                    *left -= n;
                    return Pass::Words(words);
                }
                // On the stack whole: the registers left are no one's.
                let dummy = if simd { types::F64 } else { types::I64 };
                dummies.extend((0..*left).map(|_| dummy));
                *left = 0;
                if simd {
                    // As its bytes, in 8-byte stack slots as C copies it.
                    return Pass::Words((0..s.size.div_ceil(8)).map(|w| (w * 8, types::F64)).collect());
                }
                Pass::Words(words)
            }
        }
    }

    /// The call of `symbol` with the structs `abi` describes passed by value
    /// (`args` holding each struct's values, then for a struct result the
    /// address of memory, a whole number of words, it is written to in C's
    /// layout): its value (a dummy for a struct result) and C's raw result.
    pub(super) fn c_call_by_value(&mut self, symbol: &str, params: &[Ty], ret: Ty, args: &[Value], abi: StructAbiId) -> R<(Value, Option<Value>)> {
        let abi = abi.get();
        let arch = self.arch()?;
        let ptr = self.cx.em.ptr;
        let mut sig = cranelift_module::Module::make_signature(&self.cx.em.module);
        let mut vals = vec![];
        let mut regs = Regs { int: if arch == Arch::X64 { 6 } else { 8 }, float: 8 };
        // A large result: the pointer to write it to goes first (`rdi`; `x8` on AArch64).
        let out = match abi.ret {
            Some(_) => Some(*args.last().ok_or("a C call returning a struct without where to write it")?),
            None => None,
        };
        let ret_words = match &abi.ret {
            None => None,
            Some(r) => {
                let words = match arch {
                    Arch::X64 => sysv_words(r),
                    Arch::Aarch64 => aapcs_words(r).map(|w| w.0),
                };
                if let (None, Some(out)) = (&words, out) {
                    sig.params.push(AbiParam::special(ptr, ArgumentPurpose::StructReturn));
                    vals.push(out);
                    if arch == Arch::X64 {
                        regs.int -= 1;
                    }
                }
                words
            }
        };
        let mut at = 0;
        for (i, p) in abi.params.iter().enumerate() {
            let Some(s) = p else {
                let (t, v) = (*params.get(at).ok_or("a C call with too few arguments")?, *args.get(at).ok_or("a C call with too few arguments")?);
                at += 1;
                let ct = clif_type(t).ok_or_else(|| format!("a parameter of type {t} reached a C call"))?;
                let left = if ct.is_float() { &mut regs.float } else { &mut regs.int };
                *left = left.saturating_sub(1);
                if ct.bits() < 32 {
                    let signed = matches!(t, Ty::Int(i) if i.signed);
                    vals.push(if signed { self.cx.b.ins().sextend(types::I32, v) } else { self.cx.b.ins().uextend(types::I32, v) });
                    sig.params.push(AbiParam::new(types::I32));
                } else {
                    vals.push(v);
                    sig.params.push(AbiParam::new(ct));
                }
                continue;
            };
            let n = s.values.len();
            let values = args.get(at..at + n).ok_or_else(|| format!("a C call with too few values of struct parameter {i}"))?.to_vec();
            at += n;
            let mut dummies = vec![];
            let pass = self.classify_arg(arch, s, &mut regs, &mut dummies);
            for d in dummies {
                let z = if d == types::F64 { self.cx.b.ins().f64const(0.0) } else { self.cx.b.ins().iconst(types::I64, 0) };
                vals.push(z);
                sig.params.push(AbiParam::new(d));
            }
            match pass {
                Pass::Words(words) => {
                    let mut slot = None;
                    for (offset, ty) in words {
                        let w = self.struct_word(s, &values, &mut slot, offset, ty)?;
                        vals.push(w);
                        sig.params.push(AbiParam::new(ty));
                    }
                }
                Pass::Stack => {
                    let slot = self.store_struct(s, &values)?;
                    vals.push(self.cx.b.ins().stack_addr(ptr, slot, 0));
                    sig.params.push(AbiParam::special(ptr, ArgumentPurpose::StructArgument(s.size.div_ceil(8) * 8)));
                }
                Pass::Pointer => {
                    let slot = self.store_struct(s, &values)?;
                    vals.push(self.cx.b.ins().stack_addr(ptr, slot, 0));
                    sig.params.push(AbiParam::new(ptr));
                }
            }
        }
        let rets: Vec<ir::Type> = match (&abi.ret, &ret_words) {
            (None, _) => match ret {
                Ty::Void => vec![],
                Ty::Bool => vec![types::I32],
                t => vec![clif_type(t).ok_or_else(|| format!("a result of type {t} reached a C call"))?],
            },
            (Some(_), Some(words)) => words.iter().map(|w| w.1).collect(),
            (Some(_), None) => vec![],
        };
        sig.returns.extend(rets.iter().map(|t| AbiParam::new(*t)));
        // This call's own signature for the symbol (as `variadic_callee`'s calls).
        let id = self.cx.em.import(symbol, &[], &[])?;
        let signature = self.cx.b.import_signature(sig);
        let name = self.cx.b.func.declare_imported_user_function(ir::UserExternalName { namespace: 0, index: id.as_u32() });
        let f = self.cx.b.import_function(ir::ExtFuncData { name: ir::ExternalName::user(name), signature, colocated: false, patchable: false });
        let inst = self.cx.b.ins().call(f, &vals);
        let results = self.cx.b.inst_results(inst).to_vec();
        if abi.ret.is_none() {
            let raw = results.first().copied();
            let v = match (ret, raw) {
                (Ty::Void, _) => self.cx.b.ins().iconst(types::I8, 0),
                (Ty::Bool, Some(v)) => self.cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::NotEqual, v, 0),
                (_, Some(v)) => v,
                (_, None) => return Err("a C call gave no result".into()),
            };
            return Ok((v, raw));
        }
        // Words in registers stored where the struct goes (whole words:
        // the memory is a whole number of them).
        if let (Some(words), Some(out)) = (&ret_words, out) {
            for ((offset, _), v) in words.iter().zip(&results) {
                self.cx.b.ins().store(MemFlagsData::trusted(), *v, out, *offset as i32);
            }
        }
        Ok((self.cx.b.ins().iconst(types::I8, 0), None))
    }
}
