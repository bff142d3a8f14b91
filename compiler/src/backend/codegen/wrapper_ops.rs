//! The wrapper ops' own instructions (arguments, the binder, unboxing,
//! buffers, the stack limit, native calls and bodies in place, C-API calls,
//! boxing, reference counts), for both generators: `mod.rs`'s (wrappers and
//! outlined helpers) and `body.rs`'s (a wrapper with its function's body in
//! place as MIR).

use super::super::{clif_type, FnCx, R};
use super::{buffer, flags, incref, incref_singleton, stack, unbox, Directives, Env, ErrorExit, OpCx};
use crate::mir::{Body, ErrorKind, Local, LocalTy, Op, OpKind};
use crate::types::Ty;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, Block, InstBuilder, Value};

/// What a generator gives a wrapper op: the function being built, the
/// values of locals and the `Py_buffer` slots.
pub(super) trait Locals<'a, 'b> {
    fn cx(&mut self) -> &mut FnCx<'a, 'b>;
    fn body(&self) -> &Body;
    fn get(&mut self, l: Local) -> R<Value>;
    fn def(&mut self, l: Local, v: Value) -> R<()>;
    fn buf_slot(&self, l: Local) -> R<ir::StackSlot>;
}

fn gets<'a, 'b>(g: &mut impl Locals<'a, 'b>, ls: &[Local]) -> R<Vec<Value>> {
    ls.iter().map(|l| g.get(*l)).collect()
}

fn buf_addr<'a, 'b>(g: &mut impl Locals<'a, 'b>, l: Local) -> R<Value> {
    let slot = g.buf_slot(l)?;
    let p = g.cx().em.ptr;
    Ok(g.cx().b.ins().stack_addr(p, slot, 0))
}

/// Emits a wrapper op (`err`: its error edge's block, when it ends its
/// block); the value of a NULL/-1/error-value result to test, if any.
pub(super) fn emit<'a, 'b>(g: &mut impl Locals<'a, 'b>, env: Option<&Env>, op: &Op, err: Option<Block>) -> R<Option<Value>> {
    use OpKind::*;
    let p = g.cx().em.ptr;
    let err_block = || err.ok_or("a wrapper op that fails by its own rules has no error edge");
    let env = || env.ok_or("a wrapper's op in a native body");
    let dest = op.dests.first().copied();
    let mut result = None;
    match &op.kind {
        ArgItem { argv, index } => {
            let a = g.get(*argv)?;
            let v = g.cx().b.ins().load(p, flags(), a, (8 * index) as i32);
            result = Some(v);
        }
        TupleItems { tuple } => {
            let t = g.get(*tuple)?;
            result = Some(g.cx().b.ins().iadd_imm_s(t, super::super::pyabi::TUPLE_ITEMS));
        }
        CallBinder { slot, args, nargs, kwnames, bound } => {
            let helpers = g.cx().em.helpers;
            let table = g.cx().data_addr(helpers);
            let binder = g.cx().b.ins().load(p, flags(), table, (8 * slot) as i32);
            let (a, n, k) = (g.get(*args)?, g.get(*nargs)?, g.get(*kwnames)?);
            match bound {
                None => result = Some(g.cx().vectorcall(binder, a, n, k)?),
                Some(s) => {
                    // A method's binder takes `self` first: called as a
                    // bound method (NULL when that cannot be made).
                    let s = g.get(*s)?;
                    let method = g.cx().call_prim(&crate::mir::primitives::PY_METHOD_NEW, &[binder, s])?[0];
                    let (call, done) = (g.cx().b.create_block(), g.cx().b.create_block());
                    g.cx().b.append_block_param(done, p);
                    let failed = g.cx().is_null(method);
                    g.cx().b.ins().brif(failed, done, &[ir::BlockArg::Value(method)], call, &[]);
                    g.cx().b.switch_to_block(call);
                    let r = g.cx().vectorcall(method, a, n, k)?;
                    g.cx().decref(method)?;
                    g.cx().b.ins().jump(done, &[ir::BlockArg::Value(r)]);
                    g.cx().b.switch_to_block(done);
                    result = Some(g.cx().b.block_params(done)[0]);
                }
            }
        }
        CallBinderPath { args } => {
            let f = env()?.binder_path.ok_or("a wrapper without its binder path")?;
            let r = g.cx().func_ref(f);
            let args = gets(g, args)?;
            let inst = g.cx().b.ins().call(r, &args);
            result = Some(g.cx().b.inst_results(inst)[0]);
        }
        Unbox { obj, ty } => {
            let o = g.get(*obj)?;
            let v = unbox::unbox(g.cx(), o, *ty, err_block()?)?;
            result = Some(v);
        }
        AcquireBuffer { obj, view, name, writable, accepts_none } => {
            let o = g.get(*obj)?;
            let slot = g.buf_slot(op.dests[0])?;
            let spec = buffer::Spec { view: *view, name, writable: *writable, accepts_none: *accepts_none };
            let parts = buffer::acquire(g.cx(), o, &spec, slot, err_block()?)?;
            for (d, v) in op.dests[1..].iter().zip(parts) {
                g.def(*d, v)?;
            }
        }
        StackLimit { frame } => {
            let sp = g.cx().b.ins().get_stack_pointer(p);
            let mut limit = g.cx().b.ins().iadd_imm_s(sp, -stack::SOFT_BUDGET);
            if let Some(bytes) = frame {
                let low = g.cx().b.ins().iadd_imm_s(sp, -bytes);
                let (cont, fail) = stack::check(g.cx(), low, limit)?;
                g.cx().b.switch_to_block(fail);
                g.cx().b.ins().jump(err_block()?, &[]);
                g.cx().b.switch_to_block(cont);
                limit = g.cx().b.block_params(cont)[0];
            }
            result = Some(limit);
        }
        CallNative { func, args, limit } => {
            let mut values = gets(g, args)?;
            values.push(g.get(*limit)?);
            let native = g.cx().em.native_id(*func);
            let r = g.cx().func_ref(native);
            let inst = g.cx().b.ins().call(r, &values);
            let results = g.cx().b.inst_results(inst).to_vec();
            let returns_object = matches!(op.dests.first(), Some(d) if g.body().ty(*d) == LocalTy::Object);
            let flag = match results.last() {
                // A function returning an object returns NULL on error.
                Some(&obj) if returns_object => g.cx().b.ins().icmp_imm_u(IntCC::Equal, obj, 0),
                Some(&flag) => flag,
                None => return Err("native function without error flag".into()),
            };
            let (raised, next) = (g.cx().b.create_block(), g.cx().b.create_block());
            g.cx().b.set_cold_block(raised);
            g.cx().b.ins().brif(flag, raised, &[], next, &[]);
            leave_compiled_code(g.cx(), raised, err_block()?);
            g.cx().b.switch_to_block(next);
            if let Some(d) = dest {
                g.def(d, results[0])?;
            }
        }
        CallHelper { slot, args } => {
            let helpers = g.cx().em.helpers;
            let table = g.cx().data_addr(helpers);
            let helper = g.cx().b.ins().load(p, flags(), table, (8 * slot) as i32);
            let args = gets(g, args)?;
            let argv = g.cx().b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * args.len() as u32, 3));
            for (k, a) in args.iter().enumerate() {
                g.cx().b.ins().stack_store(p, *a, argv, (8 * k) as i32);
            }
            let argv = g.cx().b.ins().stack_addr(p, argv, 0);
            let n = g.cx().b.ins().iconst(p, args.len() as i64);
            let nokw = g.cx().b.ins().iconst(p, 0);
            result = Some(g.cx().vectorcall(helper, argv, n, nokw)?);
        }
        CallC { prim, args } => {
            let args = gets(g, args)?;
            result = match super::object::call_c_inline(g.cx(), prim, &args)? {
                Some(v) => Some(v),
                None => g.cx().call_prim(prim, &args)?.first().copied(),
            };
        }
        Widen { value, to } => {
            let v = g.get(*value)?;
            let from = match g.body().ty(*value) {
                LocalTy::Scalar(t) => t,
                _ => return Err("widening a non-scalar".into()),
            };
            let to_ty = clif_type(*to).ok_or("widening to a type without a machine type")?;
            result = Some(match from {
                Ty::Float(_) => g.cx().b.ins().fpromote(to_ty, v),
                Ty::Int(t) if t.signed => g.cx().b.ins().sextend(to_ty, v),
                _ => g.cx().b.ins().uextend(to_ty, v),
            });
        }
        ComplexPart { value, imag } => {
            let v = g.get(*value)?;
            result = Some(g.cx().b.ins().extractlane(v, u8::from(*imag)));
        }
        NoneRef => {
            let none = g.cx().py_data("_Py_NoneStruct")?;
            incref_singleton(g.cx(), none)?;
            result = Some(none);
        }
        BoxBool { value } => {
            let v = g.get(*value)?;
            let t = g.cx().py_data("_Py_TrueStruct")?;
            let f = g.cx().py_data("_Py_FalseStruct")?;
            let o = g.cx().b.ins().select(v, t, f);
            incref_singleton(g.cx(), o)?;
            result = Some(o);
        }
        IsNull { value } => {
            let v = g.get(*value)?;
            result = Some(g.cx().is_null(v));
        }
        EqConst { value, imm } => {
            let v = g.get(*value)?;
            result = Some(g.cx().b.ins().icmp_imm_s(IntCC::Equal, v, *imm));
        }
        IncRef { obj } => {
            let o = g.get(*obj)?;
            incref(g.cx(), o)?;
        }
        Unassigned => result = Some(g.cx().b.ins().iconst(p, 0)),
        ReadVar { .. } => return Err("a variable read before definite assignment".into()),
        Assign { src: v } | Borrow { var: v } => result = Some(g.get(*v)?),
        CheckAssigned { var, name } => {
            let v = g.get(*var)?;
            let unassigned = g.cx().is_null(v);
            let msg = g.cx().em.py.unbound_local_message(name);
            let exit = ErrorExit { block: err_block()?, line: None };
            OpCx::new(g.cx(), exit, Directives::default()).raise_if(unassigned, "PyExc_UnboundLocalError", Some(&msg))?;
        }
        // `Py_DecRef` is `Py_XDECREF`: a variable that may be NULL too.
        DecRef { obj, maybe_null } => {
            let o = g.get(*obj)?;
            super::unbox::decref(g.cx(), o, *maybe_null)?;
        }
        ReleaseBuffer { buf } => {
            let a = buf_addr(g, *buf)?;
            g.cx().call_prim(&crate::mir::primitives::PY_BUFFER_RELEASE, &[a])?;
        }
        EmptyBuffer => {
            let slot = g.buf_slot(op.dests[0])?;
            let zero = g.cx().b.ins().iconst(p, 0);
            g.cx().b.ins().stack_store(p, zero, slot, super::super::pyabi::BUFFER_OBJ);
        }
        HoldBuffer { .. } => {}
        LeaveCompiledCode => {
            stack::reset_traceback_count(g.cx());
            g.cx().b.ins().jump(err_block()?, &[]);
        }
        WriteUnraisable { name } => super::extern_c::write_unraisable(g.cx(), name)?,
        LoadConst(c) => result = Some(super::object::load_const(g.cx(), c)?),
        ModuleDict => {
            let slot = g.cx().em.module_dict_slot()?;
            let slot = g.cx().data_addr(slot);
            result = Some(g.cx().b.ins().load(p, flags(), slot, 0));
        }
        JoinStr { parts } => {
            let parts = gets(g, parts)?;
            result = Some(super::object::join_str(g.cx(), &parts)?);
        }
        CallObject { func, args, kwnames, keywords } => {
            let f = g.get(*func)?;
            let args = gets(g, args)?;
            let kwnames = match kwnames {
                Some(k) => Some((g.get(*k)?, *keywords)),
                None => None,
            };
            result = Some(super::object::call_object(g.cx(), f, &args, kwnames)?);
        }
        CallMethod { name, args, kwnames: None, str_method: Some(method), .. } => {
            let n = g.get(*name)?;
            let args = gets(g, args)?;
            result = Some(super::str_fast::call_str_method(g.cx(), n, method, &args)?);
        }
        CallMethod { name, args, kwnames, keywords, .. } => {
            let n = g.get(*name)?;
            let args = gets(g, args)?;
            let kwnames = match kwnames {
                Some(k) => Some((g.get(*k)?, *keywords)),
                None => None,
            };
            result = Some(super::object::call_method(g.cx(), n, &args, kwnames)?);
        }
        LoadGlobal { name } => result = Some(super::object::load_global(g.cx(), name)?),
        NewInstance { class, args } => {
            let args = match args {
                Some(xs) => Some(gets(g, xs)?),
                None => None,
            };
            result = Some(super::object::new_instance(g.cx(), class, args)?);
        }
        DefiningClass(c) => result = Some(super::defining_class::defining_class(g.cx(), c)?),
        CellGet { cell, name } => {
            let c = g.get(*cell)?;
            result = Some(super::object::cell_get(g.cx(), c, name)?);
        }
        LoadMethod { obj, name } => {
            let (o, n) = (g.get(*obj)?, g.get(*name)?);
            let (method, unbound) = super::object::load_method(g.cx(), o, n, err_block()?)?;
            g.def(op.dests[0], method)?;
            g.def(op.dests[1], unbound)?;
        }
        LoadSpecial { obj, name } => {
            let (o, n) = (g.get(*obj)?, g.get(*name)?);
            let (method, unbound) = super::object::load_special(g.cx(), o, n, err_block()?)?;
            g.def(op.dests[0], method)?;
            g.def(op.dests[1], unbound)?;
        }
        CallLoadedMethod { method, unbound, args, kwnames, keywords } => {
            let (m, u) = (g.get(*method)?, g.get(*unbound)?);
            let args = gets(g, args)?;
            let kwnames = match kwnames {
                Some(k) => Some((g.get(*k)?, *keywords)),
                None => None,
            };
            result = Some(super::object::call_loaded_method(g.cx(), m, u, &args, kwnames)?);
        }
        PeekField { obj, offset } => {
            let o = g.get(*obj)?;
            result = Some(g.cx().b.ins().load(p, flags(), o, *offset));
        }
        LoadField { obj, offset } => {
            let o = g.get(*obj)?;
            let v = g.cx().b.ins().load(p, flags(), o, *offset);
            incref(g.cx(), v)?;
            result = Some(v);
        }
        StoreField { obj, offset, value, raw } => {
            // The new value's reference first: releasing the old one may
            // run code that reads the field.
            let (o, v) = (g.get(*obj)?, g.get(*value)?);
            incref(g.cx(), v)?;
            let old = g.cx().b.ins().load(p, flags(), o, *offset);
            g.cx().b.ins().store(flags(), v, o, *offset);
            if *raw {
                super::unbox::decref(g.cx(), old, true)?;
            } else {
                g.cx().decref(old)?;
            }
        }
        IterNext { iter } => {
            let it = g.get(*iter)?;
            let (item, done) = super::object::iter_next(g.cx(), it, err_block()?)?;
            g.def(op.dests[0], item)?;
            g.def(op.dests[1], done)?;
        }
        IsExactDict { obj } | IsExactFloat { obj } | IsExactInt { obj } | IsExactComplex { obj } | IsExactTuple { obj } | IsExactList { obj } | IsExactStr { obj } => {
            let o = g.get(*obj)?;
            let ty = g.cx().b.ins().load(p, flags(), o, crate::backend::pyabi::OB_TYPE);
            let name = match op.kind {
                IsExactDict { .. } => "PyDict_Type",
                IsExactFloat { .. } => "PyFloat_Type",
                IsExactInt { .. } => "PyLong_Type",
                IsExactComplex { .. } => "PyComplex_Type",
                IsExactTuple { .. } => "PyTuple_Type",
                IsExactStr { .. } => "PyUnicode_Type",
                _ => "PyList_Type",
            };
            let exact_type = g.cx().py_data(name)?;
            result = Some(g.cx().b.ins().icmp(IntCC::Equal, ty, exact_type));
        }
        IsClassInstance { obj, class, exact, inherits } => {
            let o = g.get(*obj)?;
            result = Some(match inherits {
                Some(m) => super::object::inherits_method(g.cx(), o, class, m)?,
                None if *exact => super::object::is_exact_class(g.cx(), o, class)?,
                None => super::object::is_class_instance(g.cx(), o, class)?,
            });
        }
        DictItem { dict, key } => {
            let (d, k) = (g.get(*dict)?, g.get(*key)?);
            let (item, found) = super::object::dict_item(g.cx(), d, k, err_block()?)?;
            g.def(op.dests[0], item)?;
            g.def(op.dests[1], found)?;
        }
        StoreItemInPlace { obj, index, value } => {
            let (o, i, v) = (g.get(*obj)?, g.get(*index)?, g.get(*value)?);
            result = Some(super::object::store_item_in_place(g.cx(), o, i, v)?);
        }
        ItemInPlace { obj, index } => {
            let (o, i) = (g.get(*obj)?, g.get(*index)?);
            let (item, found) = super::object::item_in_place(g.cx(), o, i)?;
            g.def(op.dests[0], item)?;
            g.def(op.dests[1], found)?;
        }
        IterStart { obj } => {
            let o = g.get(*obj)?;
            result = Some(super::object::iter_start(g.cx(), o, err_block()?)?);
        }
        SeqLen { seq } => {
            let o = g.get(*seq)?;
            result = Some(g.cx().b.ins().load(p, flags(), o, crate::backend::pyabi::VAR_SIZE));
        }
        SeqItem { seq, index, list } => {
            let (o, i) = (g.get(*seq)?, g.get(*index)?);
            result = Some(super::object::seq_item(g.cx(), o, i, *list)?);
        }
        StrLen { obj } => {
            let o = g.get(*obj)?;
            let (len, ok) = super::str_fast::exact_str_len(g.cx(), o)?;
            g.def(op.dests[0], len)?;
            g.def(op.dests[1], ok)?;
        }
        SmallInt { obj } => {
            let o = g.get(*obj)?;
            let (value, ok) = super::object::small_int(g.cx(), o)?;
            g.def(op.dests[0], value)?;
            g.def(op.dests[1], ok)?;
        }
        SmallIntArith { op: how, a, b } => {
            let (a, b) = (g.get(*a)?, g.get(*b)?);
            result = Some(super::object::small_int_arith(g.cx(), *how, a, b)?);
        }
        SameObject { a, b } => {
            let (a, b) = (g.get(*a)?, g.get(*b)?);
            result = Some(super::object::same_object(g.cx(), a, b));
        }
        RaiseObject { exc, cause } => {
            let e = g.get(*exc)?;
            let c = match cause {
                Some(c) => Some(g.get(*c)?),
                None => None,
            };
            super::exception::raise_object(g.cx(), e, c, err_block()?)?;
        }
        Reraise => super::exception::reraise(g.cx(), err_block()?)?,
        IsHandling => result = Some(super::exception::is_handling(g.cx())?),
        CatchException => {
            let (exc, saved) = super::exception::catch(g.cx())?;
            g.def(op.dests[0], exc)?;
            g.def(op.dests[1], saved)?;
        }
        ResumeHandled { exc, sent } => {
            let (e, s) = (g.get(*exc)?, g.get(*sent)?);
            result = Some(super::exception::resume_handled(g.cx(), e, s)?);
        }
        SetHandled { saved } => {
            let s = g.get(*saved)?;
            super::exception::set_handled(g.cx(), s)?;
        }
        ExceptionMatches { exc, types } => {
            let (e, t) = (g.get(*exc)?, g.get(*types)?);
            result = Some(super::exception::matches(g.cx(), e, t, err_block()?)?);
        }
        RestoreError { exc } => {
            let e = g.get(*exc)?;
            super::exception::restore_error(g.cx(), e, err_block()?)?;
        }
        // An integer constant: a getset setter's status (`build_setter`).
        Body(crate::mir::body::BodyOp::Const { c: crate::hir::Const::Int(v), ty: t @ Ty::Int(_) }) => {
            let ct = clif_type(*t).ok_or_else(|| format!("no machine type for {t}"))?;
            result = Some(g.cx().b.ins().iconst(ct, *v));
        }
        Body(_) => return Err("a native body's op taken for a wrapper's".into()),
        Yield { .. } => return Err("a `yield` left for code generation (the suspension pass did not run)".into()),
        Sent { sent } => result = Some(g.get(*sent)?),
        GenState { gen } => {
            let o = g.get(*gen)?;
            result = Some(g.cx().b.ins().load(types::I32, flags(), o, crate::mir::pass::suspend::GEN_STATE));
        }
        SetGenState { gen, state } => {
            let o = g.get(*gen)?;
            let s = g.cx().b.ins().iconst(types::I32, i64::from(*state));
            g.cx().b.ins().store(flags(), s, o, crate::mir::pass::suspend::GEN_STATE);
        }
        FrameLoad { gen, offset, owned, .. } => {
            let o = g.get(*gen)?;
            let d = dest.ok_or("a frame load without a result")?;
            let t = frame_type(g.body().ty(d), p)?;
            let v = g.cx().b.ins().load(t, flags(), o, *offset);
            if *owned {
                let null = g.cx().b.ins().iconst(p, 0);
                g.cx().b.ins().store(flags(), null, o, *offset);
            }
            result = Some(v);
        }
        FrameStore { gen, offset, value, object } => {
            let (o, v) = (g.get(*gen)?, g.get(*value)?);
            if *object {
                let (inc, done) = (g.cx().b.create_block(), g.cx().b.create_block());
                g.cx().b.ins().brif(v, inc, &[], done, &[]);
                g.cx().b.switch_to_block(inc);
                incref(g.cx(), v)?;
                g.cx().b.ins().jump(done, &[]);
                g.cx().b.switch_to_block(done);
            }
            g.cx().b.ins().store(flags(), v, o, *offset);
        }
        NewGenerator { func, words } => {
            result = Some(crate::backend::glue::generator::new_generator(g.cx(), *func, *words)?);
        }
    }
    Ok(result)
}

/// The machine type a local of type `ty` is kept in a generator's frame as.
fn frame_type(ty: LocalTy, p: ir::Type) -> R<ir::Type> {
    Ok(match ty {
        LocalTy::Scalar(t) => clif_type(t).ok_or("a scalar local without a machine type")?,
        LocalTy::Ptr | LocalTy::Object => p,
        LocalTy::F64x2 => types::F64X2,
        LocalTy::PyBuffer => return Err("a buffer kept across a `yield`".into()),
    })
}

/// After `op` (which ends its block) made `result`: on to `ok`, or to `err`
/// as its error kind says.
pub(super) fn check<'a, 'b>(g: &mut impl Locals<'a, 'b>, op: &Op, result: Option<Value>, ok: Block, err: Block) -> R<()> {
    let dest = op.dests.first().copied();
    match op.error_kind() {
        ErrorKind::Never | ErrorKind::Flag => {
            g.cx().b.ins().jump(ok, &[]);
        }
        // The op left through `err` itself.
        ErrorKind::Always => {}
        ErrorKind::Null => {
            let r = result.ok_or("a NULL-failing op without a result")?;
            let bad = g.cx().is_null(r);
            g.cx().b.ins().brif(bad, err, &[], ok, &[]);
        }
        ErrorKind::Negative => {
            let r = result.ok_or("a -1-failing op without a result")?;
            let bad = g.cx().b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
            g.cx().b.ins().brif(bad, err, &[], ok, &[]);
        }
        ErrorKind::ErrorValueAndOccurred => {
            let r = result.ok_or("an error-value op without a result")?;
            let d = dest.ok_or("an error-value op without a destination")?;
            let is_float = g.cx().b.func.dfg.value_type(r) == types::F64;
            let maybe = if is_float {
                let minus_one = g.cx().b.ins().f64const(-1.0);
                g.cx().b.ins().fcmp(FloatCC::Equal, r, minus_one)
            } else {
                g.cx().b.ins().icmp_imm_s(IntCC::Equal, r, -1)
            };
            let (check, again) = (g.cx().b.create_block(), g.cx().b.create_block());
            g.cx().b.set_cold_block(check);
            g.cx().b.ins().brif(maybe, check, &[], ok, &[]);
            g.cx().b.switch_to_block(check);
            let occurred = g.cx().call_prim(&crate::mir::primitives::PY_ERR_OCCURRED, &[])?[0];
            let set = g.cx().b.ins().icmp_imm_s(IntCC::NotEqual, occurred, 0);
            g.cx().b.ins().brif(set, err, &[], again, &[]);
            g.cx().b.switch_to_block(again);
            // The error value re-made as a constant, so `r` is not kept
            // alive across PyErr_Occurred.
            let t = g.cx().b.func.dfg.value_type(r);
            let konst = if is_float { g.cx().b.ins().f64const(-1.0) } else { g.cx().b.ins().iconst(t, -1) };
            g.def(d, konst)?;
            g.cx().b.ins().jump(ok, &[]);
        }
    }
    Ok(())
}

/// A native body failed: its traceback entries are in, and the error
/// leaves compiled code here, so the next error counts afresh.
fn leave_compiled_code(cx: &mut FnCx, from: Block, err: Block) {
    cx.b.switch_to_block(from);
    stack::reset_traceback_count(cx);
    cx.b.ins().jump(err, &[]);
}
