//! Calls of C functions and reads of C variables that a `.pxd` declares
//! (symbols imported by name and resolved when the module is linked),
//! loads and stores through C pointers, and what the C-ABI entries of
//! cfuncs passed to C as function pointers (`qsort`'s comparator, built by
//! `backend::c_entry`) need: their address, C's view of their parameters
//! and result, the unraisable error.

use super::op::OpCx;
use super::R;
use crate::backend::{clif_type, FnCx};
use crate::hir::FuncId;
use crate::mir::LocalTy;
use crate::types::{ExceptSpec, ExceptValue, Ty};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData, Value};

impl OpCx<'_, '_, '_> {
    /// A call through the C function pointer `ptr`, as `c_call_checked`
    /// calls a symbol (a NULL `ptr` is the caller's bug, as in C), then the test
    /// its exception specification asks for: `except v` the result is `v`,
    /// `except? v` also `PyErr_Occurred()` (in a cold block), `except *`
    /// `PyErr_Occurred()` always (with the GIL taken in `nogil` code, as
    /// Cython does).
    pub(crate) fn c_call_ptr(&mut self, ptr: Value, params: &[Ty], ret: Ty, args: &[Value], except: ExceptSpec) -> R<Value> {
        let (r, raw) = self.c_call_raw(Callee::Pointer(ptr), params, ret, args)?;
        self.except_test(raw, except)?;
        Ok(r)
    }

    /// `symbol(args)` of a `.pxd`'s C function with the C calling
    /// convention (a variadic one through `Emitter::variadic_callee`, with
    /// this call's own signature: its arguments are promoted already), then
    /// the test its exception clause asks for, as `c_call_ptr`'s.
    /// A function taking or returning structs by value (`by_value`) is
    /// called as C's ABI passes them (`c_abi.rs`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn c_call_checked(&mut self, symbol: &str, params: &[Ty], ret: Ty, args: &[Value], except: ExceptSpec, variadic: bool, by_value: Option<crate::types::StructAbiId>) -> R<Value> {
        let callee = if variadic { Callee::Variadic(symbol) } else { Callee::Symbol(symbol) };
        let (r, raw) = match by_value {
            Some(abi) => self.c_call_by_value(symbol, params, ret, args, abi)?,
            None => self.c_call_raw(callee, params, ret, args)?,
        };
        self.except_test(raw, except)?;
        Ok(r)
    }

    /// After a C call that gave `raw`: the test `except` asks for, leaving
    /// through the error exit when it says an exception is set.
    fn except_test(&mut self, raw: Option<Value>, except: ExceptSpec) -> R<()> {
        match except {
            ExceptSpec::NoExcept => {}
            ExceptSpec::Star => {
                let set = self.error_occurred()?;
                self.propagate_if(set);
            }
            ExceptSpec::Value { value, check } => {
                let raw = raw.ok_or("an exception value for a call without a result")?;
                let t = self.cx.b.func.dfg.value_type(raw);
                let is = match value {
                    _ if t.is_float() => {
                        let v = match value {
                            ExceptValue::Int(v) => v as f64,
                            ExceptValue::Float(b) => f64::from_bits(b),
                        };
                        let c = if t == types::F32 { self.cx.b.ins().f32const(v as f32) } else { self.cx.b.ins().f64const(v) };
                        self.cx.b.ins().fcmp(FloatCC::Equal, raw, c)
                    }
                    ExceptValue::Int(v) => self.cx.b.ins().icmp_imm_s(IntCC::Equal, raw, v),
                    ExceptValue::Float(_) => return Err("a float exception value for an integer result".into()),
                };
                if !check {
                    // The value alone says an exception is set; if C set
                    // none, CPython's SystemError, which the error's
                    // traceback entry needs (3.12+ reads the exception).
                    let (fail, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
                    self.cx.b.set_cold_block(fail);
                    self.cx.b.ins().brif(is, fail, &[], cont, &[]);
                    self.enter(fail);
                    self.holding_gil(|o| {
                        let occurred = o.call_c("PyErr_Occurred", &[], &[o.cx.em.ptr], &[])?[0];
                        let (set, done) = (o.cx.b.create_block(), o.cx.b.create_block());
                        let none = o.cx.is_null(occurred);
                        o.cx.b.ins().brif(none, set, &[], done, &[]);
                        o.enter(set);
                        o.set_exception("PyExc_SystemError", Some("error return without exception set"))?;
                        o.cx.b.ins().jump(done, &[]);
                        o.enter(done);
                        Ok(())
                    })?;
                    self.jump_to_error();
                    self.enter(cont);
                } else {
                    let (test, cont) = (self.cx.b.create_block(), self.cx.b.create_block());
                    self.cx.b.set_cold_block(test);
                    self.cx.b.ins().brif(is, test, &[], cont, &[]);
                    self.enter(test);
                    let set = self.error_occurred()?;
                    self.propagate_if(set);
                    self.cx.b.ins().jump(cont, &[]);
                    self.enter(cont);
                }
            }
        }
        Ok(())
    }

    /// Whether an exception is set (a bint), asked with the GIL held.
    fn error_occurred(&mut self) -> R<Value> {
        let mut set = None;
        self.holding_gil(|o| {
            let occurred = o.call_c("PyErr_Occurred", &[], &[o.cx.em.ptr], &[])?[0];
            set = Some(o.cx.b.ins().icmp_imm_u(IntCC::NotEqual, occurred, 0));
            Ok(())
        })?;
        set.ok_or_else(|| "PyErr_Occurred gave no result".to_string())
    }

    /// A call with the C calling convention, its value as compiled code
    /// holds it and as C returned it. Arguments narrower than `int` are
    /// passed extended to 32 bits, as C compilers pass them (clang relies
    /// on it); a `bint` is C's `int`.
    fn c_call_raw(&mut self, callee: Callee, params: &[Ty], ret: Ty, args: &[Value]) -> R<(Value, Option<Value>)> {
        let symbol = match callee {
            Callee::Symbol(s) | Callee::Variadic(s) => s,
            Callee::Pointer(_) => "a function pointer",
        };
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
        let r = match callee {
            Callee::Symbol(s) => self.call_c(s, &ptys, &rets, &vals)?,
            Callee::Variadic(s) => {
                // Each call its own signature: the declared parameters, then
                // the extra arguments' promoted types.
                let (id, local) = self.cx.em.variadic_callee(s)?;
                let mut sig = cranelift_module::Module::make_signature(&self.cx.em.module);
                sig.params.extend(ptys.iter().map(|t| ir::AbiParam::new(*t)));
                sig.returns.extend(rets.iter().map(|t| ir::AbiParam::new(*t)));
                let signature = self.cx.b.import_signature(sig);
                let name = self.cx.b.func.declare_imported_user_function(ir::UserExternalName { namespace: 0, index: id.as_u32() });
                let f = self.cx.b.import_function(ir::ExtFuncData { name: ir::ExternalName::user(name), signature, colocated: local, patchable: false });
                let inst = self.cx.b.ins().call(f, &vals);
                self.cx.b.inst_results(inst).to_vec()
            }
            Callee::Pointer(ptr) => {
                let mut sig = cranelift_module::Module::make_signature(&self.cx.em.module);
                sig.params.extend(ptys.iter().map(|t| ir::AbiParam::new(*t)));
                sig.returns.extend(rets.iter().map(|t| ir::AbiParam::new(*t)));
                let sig = self.cx.b.import_signature(sig);
                let inst = self.cx.b.ins().call_indirect(sig, ptr, &vals);
                self.cx.b.inst_results(inst).to_vec()
            }
        };
        let raw = r.first().copied();
        let v = match (ret, raw) {
            (Ty::Void, _) => self.cx.b.ins().iconst(types::I8, 0),
            (Ty::Bool, Some(v)) => self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            (_, Some(v)) => v,
            (_, None) => return Err(format!("the call of `{symbol}` gave no result")),
        };
        Ok((v, raw))
    }

    /// The address of `ptr[index]`, as an address and a displacement: an
    /// index `i + k` or `i - k` (`p[i - 1]`, an unrolled trip's `i + 1`) is
    /// `ptr + i * size` displaced by `k * size`, which x86 addresses in one
    /// operand (`-8(p, i, 8)`; Cranelift does not move a constant out of a
    /// scaled index itself).
    fn element_addr(&mut self, ptr: Value, index: Value, elem: Ty) -> R<(Value, cranelift_codegen::ir::Type, i32)> {
        let ct = clif_type(elem).ok_or_else(|| format!("a pointer to {elem} reached the back end"))?;
        let size = i64::from(ct.bytes());
        let (mut index, mut disp) = (index, 0i64);
        for _ in 0..4 {
            let Some((x, k)) = constant_step(&self.cx.b.func.dfg, index) else { break };
            let Some(d) = k.checked_mul(size).and_then(|d| d.checked_add(disp)).filter(|d| i32::try_from(*d).is_ok()) else { break };
            (index, disp) = (x, d);
        }
        let offset = self.cx.b.ins().imul_imm_s(index, size);
        Ok((self.cx.b.ins().iadd(ptr, offset), ct, disp as i32))
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
        let (addr, ct, disp) = self.element_addr(ptr, index, elem)?;
        Ok(self.cx.b.ins().load(ct, access_flags(in_object), addr, disp))
    }

    /// `ptr[index] = value`; the dummy bint a statement's value is.
    pub(crate) fn ptr_store(&mut self, ptr: Value, index: Value, value: Value, elem: Ty, in_object: bool) -> R<Value> {
        let (addr, _, disp) = self.element_addr(ptr, index, elem)?;
        self.cx.b.ins().store(access_flags(in_object), value, addr, disp);
        Ok(self.cx.b.ins().iconst(types::I8, 0))
    }

    /// The value of the C variable `symbol`.
    pub(crate) fn c_global(&mut self, symbol: &str, ty: Ty) -> R<Value> {
        let addr = self.c_global_addr(symbol)?;
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

    /// `symbol = value` of a module-level C variable (a bint kept as C's
    /// `int`, as `c_global` reads it); the dummy bint a statement's value is.
    pub(crate) fn c_global_store(&mut self, symbol: &str, ty: Ty, value: Value) -> R<Value> {
        let addr = self.c_global_addr(symbol)?;
        let v = if ty == Ty::Bool { self.cx.b.ins().uextend(types::I32, value) } else { value };
        self.cx.b.ins().store(MemFlagsData::trusted(), v, addr, 0);
        Ok(self.cx.b.ins().iconst(types::I8, 0))
    }

    /// The address of a C variable: a module-level one's storage
    /// (`Emitter::cvar_slot`), else the extern symbol's.
    fn c_global_addr(&mut self, symbol: &str) -> R<Value> {
        match symbol.strip_prefix(crate::hir::MODULE_CVAR) {
            Some(name) => {
                let id = self.cx.em.cvar_slot(name)?;
                Ok(self.cx.data_addr(id))
            }
            None => self.cx.py_data(symbol),
        }
    }

    /// The address of `func`'s C-ABI entry (`backend::c_entry`): what C
    /// code (`qsort`) calls through a function pointer.
    pub(crate) fn func_addr(&mut self, func: FuncId) -> R<Value> {
        let id = *self.cx.em.c_entries.get(&func).ok_or_else(|| format!("function {} has no C entry", func.0))?;
        let r = self.cx.func_ref(id);
        let p = self.cx.em.ptr;
        Ok(self.cx.b.ins().func_addr(p, r))
    }
}

/// What `c_call_raw` calls: a symbol, or the address a function pointer holds.
enum Callee<'s> {
    Symbol(&'s str),
    /// A function declared with `...`.
    Variadic(&'s str),
    Pointer(Value),
}

/// The C type a value of `t` crosses a C signature as: a `bint` is C's
/// `int`, and narrower integers travel extended to an `int` too.
pub(crate) fn c_abi_type(t: Ty) -> R<ir::Type> {
    match (t, clif_type(t)) {
        (Ty::Bool, _) => Ok(types::I32),
        (_, Some(ct)) if ct.is_int() && ct.bits() < 32 => Ok(types::I32),
        (_, Some(ct)) => Ok(ct),
        (t, None) => Err(format!("a C entry with a {t} in its signature reached the back end")),
    }
}

/// A parameter's value `v` as its local's type: a C entry's bint or narrow
/// integer arrives as C's `int` (any other parameter is as it is).
pub(crate) fn from_c_abi(cx: &mut FnCx, local: LocalTy, v: Value) -> Value {
    let LocalTy::Scalar(t) = local else { return v };
    let (Some(ct), vt) = (clif_type(t), cx.b.func.dfg.value_type(v)) else { return v };
    if ct == vt || !vt.is_int() {
        return v;
    }
    match t {
        Ty::Bool => cx.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
        _ => cx.b.ins().ireduce(ct, v),
    }
}

/// `v` of type `t` as a C function returns it (`c_abi_type`).
pub(crate) fn to_c_abi(cx: &mut FnCx, t: Ty, v: Value) -> Value {
    let vt = cx.b.func.dfg.value_type(v);
    if !vt.is_int() || vt.bits() >= 32 {
        return v;
    }
    match t {
        Ty::Int(i) if i.signed => cx.b.ins().sextend(types::I32, v),
        _ => cx.b.ins().uextend(types::I32, v),
    }
}

/// Writes the exception set as unraisable under `name` (Cython's
/// `noexcept`), which clears it; holding the GIL, which a C caller of a
/// `nogil` function need not hold.
pub(crate) fn write_unraisable(cx: &mut FnCx, name: &str) -> R<()> {
    let p = cx.em.ptr;
    let gil = cx.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0];
    let text = cx.cstr(name)?;
    let where_ = cx.call_c("PyUnicode_FromString", &[p], &[p], &[text])?[0];
    cx.call_c("PyErr_WriteUnraisable", &[p], &[], &[where_])?;
    cx.call_c("Py_DecRef", &[p], &[], &[where_])?;
    cx.call_c("PyGILState_Release", &[types::I32], &[], &[gil])?;
    Ok(())
}

/// `x + k` or `x - k` of a 64-bit `x` and a constant `k`: `(x, ±k)`.
fn constant_step(dfg: &ir::DataFlowGraph, v: Value) -> Option<(Value, i64)> {
    let constant = |v: Value| match dfg.value_def(v) {
        ir::ValueDef::Result(i, _) => match dfg.insts[i] {
            ir::InstructionData::UnaryImm { opcode: ir::Opcode::Iconst, imm } => Some(imm.bits()),
            _ => None,
        },
        _ => None,
    };
    if dfg.value_type(v) != types::I64 {
        return None;
    }
    let ir::ValueDef::Result(inst, _) = dfg.value_def(v) else { return None };
    match dfg.insts[inst] {
        ir::InstructionData::Binary { opcode: ir::Opcode::Iadd, args: [a, b] } => match (constant(a), constant(b)) {
            (_, Some(k)) => Some((a, k)),
            (Some(k), _) => Some((b, k)),
            _ => None,
        },
        ir::InstructionData::Binary { opcode: ir::Opcode::Isub, args: [a, b] } => constant(b).and_then(|k| k.checked_neg()).map(|k| (a, k)),
        _ => None,
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
