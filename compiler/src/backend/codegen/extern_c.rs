//! Calls of C functions and reads of C variables that a `.pxd` declares
//! (symbols imported by name and resolved when the module is linked),
//! loads and stores through C pointers, and the C-ABI entries of cfuncs
//! passed to C as function pointers (`qsort`'s comparator).

use super::op::OpCx;
use super::R;
use crate::backend::{clif_type, FnCx};
use crate::hir::FuncId;
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, AbiParam, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};

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

    /// The address of `func`'s C-ABI entry: what C code (`qsort`) calls
    /// through a function pointer.
    pub(crate) fn func_addr(&mut self, func: FuncId, params: &[Ty], ret: Ty, name: &str) -> R<Value> {
        let id = c_entry(self.cx, func, params, ret, name)?;
        let r = self.cx.func_ref(id);
        let p = self.cx.em.ptr;
        Ok(self.cx.b.ins().func_addr(p, r))
    }
}

/// The C type a value of `t` crosses a C signature as (a `bint` is C's `int`).
fn c_abi_type(t: Ty) -> R<ir::Type> {
    match t {
        Ty::Bool => Ok(types::I32),
        t => clif_type(t).ok_or_else(|| format!("a C entry with a {t} in its signature reached the back end")),
    }
}

/// `ret entry(params…)` with the C calling convention around the native
/// function `func`, defined once per variant: it calls the native function
/// with a stack limit `SOFT_BUDGET` below its own frame (as a wrapper does)
/// and returns its value. The cfunc is `noexcept` (the front end's rule), so
/// when it raised anyway, the exception is written as unraisable under
/// `name` (holding the GIL: C may call the entry without it) and the entry
/// returns 0, as Cython's `noexcept` functions do.
fn c_entry(cx: &mut FnCx, func: FuncId, params: &[Ty], ret: Ty, name: &str) -> R<ClifFuncId> {
    if let Some(id) = cx.em.c_entries.get(&func) {
        return Ok(*id);
    }
    let em = &mut *cx.em;
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for &t in params {
        sig.params.push(AbiParam::new(c_abi_type(t)?));
    }
    let ret_ty = c_abi_type(ret)?;
    sig.returns.push(AbiParam::new(ret_ty));
    let symbol = em.symbol(&format!("pyc_aot_centry_{}", func.0));
    let id = em.module.declare_function(&symbol, Linkage::Local, &sig).map_err(|e| e.to_string())?;
    em.c_entries.insert(func, id);
    let native = em.native_id(func);
    let mut f = ir::Function::with_name_signature(ir::UserFuncName::user(5, func.0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut f, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let mut args = cx.b.block_params(entry).to_vec();
        for (v, &t) in args.iter_mut().zip(params) {
            // A narrow C argument arrives extended to 32 bits; the native function takes its own width.
            if let Some(ct) = clif_type(t) {
                if ct.bits() < 32 {
                    *v = cx.b.ins().ireduce(ct, *v);
                } else if t == Ty::Bool {
                    *v = cx.b.ins().icmp_imm_s(IntCC::NotEqual, *v, 0);
                }
            }
        }
        let sp = cx.b.ins().get_stack_pointer(p);
        args.push(cx.b.ins().iadd_imm_s(sp, -super::stack::SOFT_BUDGET));
        let r = cx.func_ref(native);
        let inst = cx.b.ins().call(r, &args);
        let results = cx.b.inst_results(inst).to_vec();
        let (&value, &err) = match results.as_slice() {
            [v, e] => (v, e),
            _ => return Err(format!("the native function of `{name}` does not return a value and an error flag")),
        };
        let value = match ret {
            Ty::Bool => cx.b.ins().uextend(types::I32, value),
            _ => value,
        };
        let (fail, done) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(done, ret_ty);
        cx.b.set_cold_block(fail);
        cx.b.ins().brif(err, fail, &[], done, &[ir::BlockArg::Value(value)]);
        cx.b.switch_to_block(fail);
        let gil = cx.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0];
        let text = cx.cstr(name)?;
        let where_ = cx.call_c("PyUnicode_FromString", &[p], &[p], &[text])?[0];
        cx.call_c("PyErr_WriteUnraisable", &[p], &[], &[where_])?;
        cx.call_c("Py_DecRef", &[p], &[], &[where_])?;
        cx.call_c("PyGILState_Release", &[types::I32], &[], &[gil])?;
        let zero = cx.b.ins().iconst(ret_ty, 0);
        cx.b.ins().jump(done, &[ir::BlockArg::Value(zero)]);
        cx.b.switch_to_block(done);
        let v = cx.b.block_params(done)[0];
        cx.b.ins().return_(&[v]);
        let FnCx { em, mut b, .. } = cx;
        b.seal_all_blocks();
        b.finalize(em.module.isa().frontend_config());
    }
    cx.em.define(id, f, &symbol)?;
    Ok(id)
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
