//! Calls of C functions and reads of C variables that a `.pxd` declares
//! (symbols imported by name and resolved when the module is linked), and
//! loads and stores through C pointers.

use super::op::OpCx;
use super::R;
use crate::backend::clif_type;
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};

impl OpCx<'_, '_, '_> {
    /// `symbol(args)` with the C calling convention. Arguments narrower than
    /// `int` are passed extended to 32 bits, as C compilers pass them (clang
    /// relies on it); a `bint` is C's `int`.
    pub(crate) fn c_call(&mut self, symbol: &str, params: &[Ty], ret: Ty, args: &[Value]) -> R<Value> {
        let mut ptys = vec![];
        let mut vals = vec![];
        for (&t, &v) in params.iter().zip(args) {
            let ct = clif_type(t).ok_or_else(|| format!("a parameter of type {t} reached the call of `{symbol}`"))?;
            if ct.bits() < 32 {
                let signed = matches!(t, Ty::Int(i) if i.signed);
                vals.push(if signed { self.cx.b.ins().sextend(types::I32, v) } else { self.cx.b.ins().uextend(types::I32, v) });
                ptys.push(types::I32);
            } else {
                vals.push(v);
                ptys.push(ct);
            }
        }
        let rets = match ret {
            Ty::Void => vec![],
            Ty::Bool => vec![types::I32],
            t => vec![clif_type(t).ok_or_else(|| format!("a result of type {t} reached the call of `{symbol}`"))?],
        };
        let r = self.call_c(symbol, &ptys, &rets, &vals)?;
        Ok(match (ret, r.first()) {
            (Ty::Void, _) => self.cx.b.ins().iconst(types::I8, 0),
            (Ty::Bool, Some(&v)) => self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            (_, Some(&v)) => v,
            (_, None) => return Err(format!("the call of `{symbol}` gave no result")),
        })
    }

    /// The address of `ptr[index]`.
    fn element_addr(&mut self, ptr: Value, index: Value, elem: Ty) -> R<(Value, cranelift_codegen::ir::Type)> {
        let ct = clif_type(elem).ok_or_else(|| format!("a pointer to {elem} reached the back end"))?;
        let offset = self.cx.b.ins().imul_imm_s(index, i64::from(ct.bytes()));
        Ok((self.cx.b.ins().iadd(ptr, offset), ct))
    }

    /// `ptr + index` (`ptr - index`) elements, wrapping as C's addresses do.
    pub(crate) fn ptr_offset(&mut self, ptr: Value, index: Value, elem: Ty, negate: bool) -> R<Value> {
        let ct = clif_type(elem).ok_or_else(|| format!("a pointer to {elem} reached the back end"))?;
        let bytes = self.cx.b.ins().imul_imm_s(index, i64::from(ct.bytes()));
        Ok(if negate { self.cx.b.ins().isub(ptr, bytes) } else { self.cx.b.ins().iadd(ptr, bytes) })
    }

    /// `ptr[index]`: memory the user manages, so neither aligned nor known
    /// not to trap.
    pub(crate) fn ptr_load(&mut self, ptr: Value, index: Value, elem: Ty, in_object: bool) -> R<Value> {
        let (addr, ct) = self.element_addr(ptr, index, elem)?;
        Ok(self.cx.b.ins().load(ct, access_flags(in_object), addr, 0))
    }

    /// `ptr[index] = value`; the dummy bint a statement's value is.
    pub(crate) fn ptr_store(&mut self, ptr: Value, index: Value, value: Value, elem: Ty, in_object: bool) -> R<Value> {
        let (addr, _) = self.element_addr(ptr, index, elem)?;
        self.cx.b.ins().store(access_flags(in_object), value, addr, 0);
        Ok(self.cx.b.ins().iconst(types::I8, 0))
    }

    /// The value of the C variable `symbol`.
    pub(crate) fn c_global(&mut self, symbol: &str, ty: Ty) -> R<Value> {
        let addr = self.cx.py_data(symbol)?;
        Ok(match ty {
            Ty::Bool => {
                let v = self.cx.b.ins().load(types::I32, MemFlagsData::trusted(), addr, 0);
                self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)
            }
            t => {
                let ct = clif_type(t).ok_or_else(|| format!("a C variable of type {t} reached the back end"))?;
                self.cx.b.ins().load(ct, MemFlagsData::trusted(), addr, 0)
            }
        })
    }
}

/// Memory the user manages may trap and be unaligned; an extension type
/// instance's field is neither, which lets Cranelift forward a field's
/// store to its next load.
fn access_flags(in_object: bool) -> MemFlagsData {
    if in_object {
        MemFlagsData::trusted()
    } else {
        MemFlagsData::new()
    }
}
