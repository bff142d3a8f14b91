//! Code of the MIR ops on objects that are no single C-API call: loading a
//! constant object (an interpreter static, or a slot of the module's
//! constant table that the exec slot fills), a module global or builtin
//! looked up when the code runs, `is`, an item by a C integer (a list's or
//! tuple's in place), an exact small int's value and the arithmetic of the
//! int fast paths, and calling an object or a method with its arguments in
//! a vector on the stack.

use super::super::{pyabi, FnCx, R};
use super::flags;
use super::incref;
use crate::hir::{ObjBinOp, ObjConst};
use crate::mir::primitives as prim;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, Value};
use cranelift_module::Module;

/// The constant object `c`, borrowed (alive as long as the module).
pub(super) fn load_const(cx: &mut FnCx, c: &ObjConst) -> R<Value> {
    match c {
        ObjConst::None => cx.py_data("_Py_NoneStruct"),
        ObjConst::Bool(true) => cx.py_data("_Py_TrueStruct"),
        ObjConst::Bool(false) => cx.py_data("_Py_FalseStruct"),
        _ => {
            let (table, slot) = cx.em.constant_slot(c)?;
            let base = cx.data_addr(table);
            let p = cx.em.ptr;
            Ok(cx.b.ins().load(p, flags(), base, (8 * slot) as i32))
        }
    }
}

/// Whether `obj`'s type is the module's extension type `class` or a
/// subtype of it: that type, else one of its `tp_base` chain, else (a
/// Python class with several bases may have another `tp_base`)
/// `PyType_IsSubtype`, which reads the type's MRO; a bint.
pub(super) fn is_class_instance(cx: &mut FnCx, obj: Value, class: &str) -> R<Value> {
    let p = cx.em.ptr;
    let cls = class_type(cx, class)?;
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let (walk, base, sub, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(sub);
    cx.b.append_block_param(walk, p);
    cx.b.append_block_param(join, types::I8);
    let same = cx.b.ins().icmp(IntCC::Equal, ty, cls);
    let yes = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().brif(same, join, &[BlockArg::Value(yes)], walk, &[BlockArg::Value(ty)]);
    cx.b.switch_to_block(walk);
    let t = cx.b.block_params(walk)[0];
    let b = cx.b.ins().load(p, flags(), t, pyabi::TP_BASE);
    cx.b.ins().brif(b, base, &[], sub, &[]);
    cx.b.switch_to_block(base);
    let found = cx.b.ins().icmp(IntCC::Equal, b, cls);
    cx.b.ins().brif(found, join, &[BlockArg::Value(yes)], walk, &[BlockArg::Value(b)]);
    cx.b.switch_to_block(sub);
    let r = cx.call_prim(&crate::mir::primitives::PY_TYPE_IS_SUBTYPE, &[ty, cls])?[0];
    let is = cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
    cx.b.ins().jump(join, &[BlockArg::Value(is)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// The module's extension type `class`, from its slot. The slot is written
/// by the module's exec before any of its functions runs and not again
/// while one runs: the load may move, so a loop tests types against a
/// value loaded once.
fn class_type(cx: &mut FnCx, class: &str) -> R<Value> {
    let slot = cx.em.class_slot(class)?;
    let slot = cx.data_addr(slot);
    Ok(cx.b.ins().load(cx.em.ptr, flags().with_readonly().with_can_move(), slot, 0))
}

/// A new instance of the module's extension type `class`: its `tp_new`
/// (read from the type in the module's slot) called with no arguments, as
/// the type's own vectorcall calls it; a new reference, or NULL with the
/// exception set.
pub(super) fn new_instance(cx: &mut FnCx, class: &str, args: Option<Vec<Value>>) -> R<Value> {
    let p = cx.em.ptr;
    let cls = class_type(cx, class)?;
    let new = cx.b.ins().load(p, flags(), cls, pyabi::TP_NEW);
    let mut sig = cx.em.module.make_signature();
    for _ in 0..3 {
        sig.params.push(ir::AbiParam::new(p));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let sref = cx.b.import_signature(sig);
    let null = cx.b.ins().iconst(p, 0);
    // The arguments as a tuple on the stack (borrowed items): the type's
    // `tp_new` (`glue/cclass.rs`'s) reads only its size and items, handing
    // them to the `__cinit__`s' vector entries, and never keeps it.
    let tuple = match args {
        None => null,
        Some(vals) => {
            let bytes = pyabi::TUPLE_ITEMS as u32 + 8 * vals.len() as u32;
            let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, bytes, 3));
            let at = cx.b.ins().stack_addr(p, slot, 0);
            let refcnt = cx.b.ins().iconst(p, 1 << 30);
            cx.b.ins().store(flags(), refcnt, at, 0);
            let tuple_type = cx.py_data("PyTuple_Type")?;
            cx.b.ins().store(flags(), tuple_type, at, pyabi::OB_TYPE);
            let n = cx.b.ins().iconst(p, vals.len() as i64);
            cx.b.ins().store(flags(), n, at, pyabi::VAR_SIZE);
            for (k, v) in vals.iter().enumerate() {
                cx.b.ins().store(flags(), *v, at, pyabi::TUPLE_ITEMS as i32 + 8 * k as i32);
            }
            at
        }
    };
    let inst = cx.b.ins().call_indirect(sref, new, &[cls, tuple, null]);
    Ok(cx.b.inst_results(inst)[0])
}

/// Whether `obj`'s type is exactly the module's extension type `class`
/// (from its slot: no lookup, no reference).
pub(super) fn is_exact_class(cx: &mut FnCx, obj: Value, class: &str) -> R<Value> {
    let p = cx.em.ptr;
    let cls = class_type(cx, class)?;
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    Ok(cx.b.ins().icmp(IntCC::Equal, ty, cls))
}

/// Whether the attribute `name` found on `obj`'s type (`_PyType_Lookup`:
/// the MRO's dicts, through the type cache; borrowed, no error) is the one
/// found on the module's extension type `class`: Cython's test that a
/// Python subclass does not override a ccall.
pub(super) fn inherits_method(cx: &mut FnCx, obj: Value, class: &str, name: &str) -> R<Value> {
    let p = cx.em.ptr;
    let cls = class_type(cx, class)?;
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let key = load_const(cx, &ObjConst::Str(name.to_string()))?;
    let theirs = cx.call_c("_PyType_Lookup", &[p, p], &[p], &[ty, key])?[0];
    let ours = cx.call_c("_PyType_Lookup", &[p, p], &[p], &[cls, key])?[0];
    Ok(cx.b.ins().icmp(IntCC::Equal, theirs, ours))
}

/// `a is b`.
pub(super) fn same_object(cx: &mut FnCx, a: Value, b: Value) -> Value {
    cx.b.ins().icmp(IntCC::Equal, a, b)
}

/// `args` in a vector on the stack, and the count of the positional ones
/// (all but the last `len(kwnames)`) with the names, NULL when none.
fn arg_vector(cx: &mut FnCx, args: &[Value], kwnames: Option<(Value, usize)>) -> R<(Value, usize, Value)> {
    let p = cx.em.ptr;
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * args.len().max(1) as u32, 3));
    for (k, a) in args.iter().enumerate() {
        cx.b.ins().stack_store(p, *a, slot, (8 * k) as i32);
    }
    let argv = cx.b.ins().stack_addr(p, slot, 0);
    let (kwnames, keywords) = match kwnames {
        Some((names, k)) => (names, k),
        None => (cx.b.ins().iconst(p, 0), 0),
    };
    let positional = args.len().checked_sub(keywords).ok_or("a call with more keywords than arguments")?;
    Ok((argv, positional, kwnames))
}

/// `f(*args)` through vectorcall, the last `len(kwnames)` of `args` by
/// keyword; a new reference, NULL on error.
pub(super) fn call_object(cx: &mut FnCx, f: Value, args: &[Value], kwnames: Option<(Value, usize)>) -> R<Value> {
    let (argv, positional, kwnames) = arg_vector(cx, args, kwnames)?;
    let n = cx.b.ins().iconst(cx.em.ptr, positional as i64);
    cx.vectorcall(f, argv, n, kwnames)
}

/// `args[0].name(*args[1:])` through `PyObject_VectorcallMethod`, which
/// looks the method up without making a bound method when it is a plain
/// function or method descriptor of the type (else it calls the attribute
/// with the other arguments); a new reference, NULL on error. The count
/// carries `PY_VECTORCALL_ARGUMENTS_OFFSET`: a callable attribute called
/// without the receiver may borrow its slot.
pub(super) fn call_method(cx: &mut FnCx, name: Value, args: &[Value], kwnames: Option<(Value, usize)>) -> R<Value> {
    if args.is_empty() {
        return Err("a method call without its receiver".into());
    }
    let (argv, positional, kwnames) = arg_vector(cx, args, kwnames)?;
    let n = cx.b.ins().iconst(cx.em.ptr, positional as i64 | i64::MIN);
    Ok(cx.call_prim(&prim::PY_OBJECT_VECTORCALL_METHOD, &[name, argv, n, kwnames])?[0])
}

/// `obj.name` looked up for a call (`_PyObject_GetMethod`, what
/// `LOAD_METHOD` does): the callable, a new reference, and whether it is the
/// type's function or method descriptor that takes `obj` first (a bint);
/// a NULL callable leaves through `err`. The out-parameter starts NULL: the
/// callee asserts it and does not write it when an attribute is missing.
pub(super) fn load_method(cx: &mut FnCx, obj: Value, name: Value, err: ir::Block) -> R<(Value, Value)> {
    let p = cx.em.ptr;
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
    // The callee expects NULL there and leaves it so when the lookup fails.
    let null = cx.b.ins().iconst(p, 0);
    cx.b.ins().stack_store(p, null, slot, 0);
    let out = cx.b.ins().stack_addr(p, slot, 0);
    let found = cx.call_prim(&prim::PY_OBJECT_GET_METHOD, &[obj, name, out])?[0];
    let unbound = cx.b.ins().icmp_imm_s(IntCC::NotEqual, found, 0);
    let method = cx.b.ins().stack_load(p, p, slot, 0);
    let failed = cx.is_null(method);
    let ok = cx.b.create_block();
    cx.b.ins().brif(failed, err, &[], ok, &[]);
    cx.b.switch_to_block(ok);
    Ok((method, unbound))
}

/// `obj`'s special method `name` as the interpreter looks one up for
/// `with` (`_PyObject_LookupSpecial`): the type's attribute through its
/// MRO (never the instance's), bound by its type's `tp_descr_get` when it
/// has one, else itself; a new reference, or NULL and no exception when
/// the type has none. A method descriptor (`Py_TPFLAGS_METHOD_DESCRIPTOR`:
/// a function of the class) is returned as it is, with `unbound` set: the
/// caller passes `obj` first (`call_loaded_method`), which is what the
/// bound method would do. A failing `__get__` goes to `err`.
pub(super) fn load_special(cx: &mut FnCx, obj: Value, name: Value, err: ir::Block) -> R<(Value, Value)> {
    let p = cx.em.ptr;
    let tp = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let descr = cx.call_prim(&prim::PY_TYPE_LOOKUP, &[tp, name])?[0];
    let (found, check_get, plain, bind_b, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, p);
    cx.b.append_block_param(done, types::I8);
    let missing = cx.is_null(descr);
    let (null, no) = (cx.b.ins().iconst(p, 0), cx.b.ins().iconst(types::I8, 0));
    cx.b.ins().brif(missing, done, &[BlockArg::Value(null), BlockArg::Value(no)], found, &[]);
    cx.b.switch_to_block(found);
    let dtype = cx.b.ins().load(p, flags(), descr, pyabi::OB_TYPE);
    let fl = cx.b.ins().load(types::I64, flags(), dtype, pyabi::TP_FLAGS);
    let method = cx.b.ins().band_imm_u(fl, pyabi::TPFLAGS_METHOD_DESCRIPTOR);
    let unbound = cx.b.create_block();
    cx.b.ins().brif(method, unbound, &[], check_get, &[]);
    cx.b.switch_to_block(unbound);
    incref(cx, descr)?;
    let one = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().jump(done, &[BlockArg::Value(descr), BlockArg::Value(one)]);
    cx.b.switch_to_block(check_get);
    let get = cx.b.ins().load(p, flags(), dtype, pyabi::TP_DESCR_GET);
    let no_get = cx.is_null(get);
    cx.b.ins().brif(no_get, plain, &[], bind_b, &[]);
    cx.b.switch_to_block(plain);
    incref(cx, descr)?;
    let zero = cx.b.ins().iconst(types::I8, 0);
    cx.b.ins().jump(done, &[BlockArg::Value(descr), BlockArg::Value(zero)]);
    cx.b.switch_to_block(bind_b);
    let mut sig = cx.em.module.make_signature();
    for _ in 0..3 {
        sig.params.push(ir::AbiParam::new(p));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let sref = cx.b.import_signature(sig);
    let inst = cx.b.ins().call_indirect(sref, get, &[descr, obj, tp]);
    let bound = cx.b.inst_results(inst)[0];
    let failed = cx.is_null(bound);
    let ok = cx.b.create_block();
    cx.b.ins().brif(failed, err, &[], ok, &[]);
    cx.b.switch_to_block(ok);
    let zero = cx.b.ins().iconst(types::I8, 0);
    cx.b.ins().jump(done, &[BlockArg::Value(bound), BlockArg::Value(zero)]);
    cx.b.switch_to_block(done);
    Ok((cx.b.block_params(done)[0], cx.b.block_params(done)[1]))
}

/// Calls what `load_method` found: `args[0]` is the receiver, passed first
/// when `unbound`, else the callable gets `args[1..]` with
/// `PY_VECTORCALL_ARGUMENTS_OFFSET` (the receiver's slot before them is
/// free to borrow); a new reference, NULL on error.
pub(super) fn call_loaded_method(cx: &mut FnCx, method: Value, unbound: Value, args: &[Value], kwnames: Option<(Value, usize)>) -> R<Value> {
    if args.is_empty() {
        return Err("a method call without its receiver".into());
    }
    let p = cx.em.ptr;
    let (argv, positional, kwnames) = arg_vector(cx, args, kwnames)?;
    let rest = cx.b.ins().iadd_imm_s(argv, 8);
    let argv = cx.b.ins().select(unbound, argv, rest);
    let with_receiver = cx.b.ins().iconst(p, positional as i64);
    let without = cx.b.ins().iconst(p, (positional as i64 - 1) | i64::MIN);
    let n = cx.b.ins().select(unbound, with_receiver, without);
    cx.vectorcall(method, argv, n, kwnames)
}

/// `name` from the module's dict, else from the builtins, as a new
/// reference; NULL with NameError (CPython's message) when neither has it,
/// or with the lookup's own error.
///
/// Where the interpreter keeps dict version tags (`pyabi`), each site
/// caches what it found (Cython's `__Pyx_GetModuleGlobalName`): the module
/// dict's tag and the value there (NULL: absent), then the builtins dict's
/// tag and the value there. A tag changes with every mutation of its dict
/// and no two dicts' states share one, so while the module dict's tag is
/// the cached one the cached value is still its entry (alive, borrowed from
/// the dict), and likewise for the builtins: a rebound or deleted global or
/// a builtin shadowed later changes a tag and the site looks up again. A
/// cache entry is written only after a lookup that succeeded or missed
/// without error, with the tag read before it (a lookup whose key
/// comparison mutated the dict leaves a tag that never matches again).
pub(super) fn load_global(cx: &mut FnCx, name: &str) -> R<Value> {
    let p = cx.em.ptr;
    let slot = cx.em.module_dict_slot()?;
    let slot = cx.data_addr(slot);
    let globals = cx.b.ins().load(p, flags(), slot, 0);
    let key = load_const(cx, &ObjConst::Str(name.to_string()))?;
    let (found, in_builtins, unbound, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(found, p);
    cx.b.append_block_param(join, p);
    cx.b.set_cold_block(unbound);
    let null = cx.b.ins().iconst(p, 0);
    let cache = match cx.em.py.dict_version_tag() {
        Some(tag_at) => {
            let (table, site) = cx.em.global_cache_site()?;
            let table = cx.data_addr(table);
            Some((tag_at, cx.b.ins().iadd_imm_s(table, (site * crate::backend::GLOBAL_CACHE_BYTES) as i64)))
        }
        None => None,
    };
    // A miss with an exception set (a key whose hash or comparison raised)
    // is that error; a value found or a clean miss is cached at `at` (the
    // tag's word, the value's next) when there is a cache.
    let lookup = |cx: &mut FnCx, dict: Value, at: Option<(i32, Value, i32)>, otherwise: ir::Block| -> R<()> {
        let tag = at.map(|(tag_at, ..)| cx.b.ins().load(types::I64, flags(), dict, tag_at));
        let v = cx.call_prim(&prim::PY_DICT_GET_ITEM_WITH_ERROR, &[dict, key])?[0];
        let none = cx.is_null(v);
        let (check, hit, missed) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        cx.b.ins().brif(none, check, &[], hit, &[]);
        cx.b.switch_to_block(check);
        let raised = cx.call_prim(&prim::PY_ERR_OCCURRED, &[])?[0];
        let raised = cx.b.ins().icmp_imm_u(IntCC::NotEqual, raised, 0);
        cx.b.ins().brif(raised, join, &[BlockArg::Value(null)], missed, &[]);
        for (block, then) in [(hit, found), (missed, otherwise)] {
            cx.b.switch_to_block(block);
            if let (Some(tag), Some((_, entry, offset))) = (tag, at) {
                cx.b.ins().store(flags(), v, entry, offset + 8);
                cx.b.ins().store(flags(), tag, entry, offset);
            }
            if then == found {
                cx.b.ins().jump(found, &[BlockArg::Value(v)]);
            } else {
                cx.b.ins().jump(otherwise, &[]);
            }
        }
        Ok(())
    };
    match cache {
        None => {
            lookup(cx, globals, None, in_builtins)?;
            cx.b.switch_to_block(in_builtins);
            let builtins = cx.call_prim(&prim::PY_EVAL_GET_BUILTINS, &[])?[0];
            lookup(cx, builtins, None, unbound)?;
        }
        Some((tag_at, entry)) => {
            let (global_hit, builtins_cached, global_lookup, builtins_lookup) =
                (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            cx.b.append_block_param(builtins_lookup, p);
            cx.b.set_cold_block(global_lookup);
            cx.b.set_cold_block(builtins_lookup);
            let tag = cx.b.ins().load(types::I64, flags(), globals, tag_at);
            let cached = cx.b.ins().load(types::I64, flags(), entry, 0);
            let same = cx.b.ins().icmp(IntCC::Equal, tag, cached);
            cx.b.ins().brif(same, global_hit, &[], global_lookup, &[]);
            cx.b.switch_to_block(global_hit);
            let v = cx.b.ins().load(p, flags(), entry, 8);
            let absent = cx.is_null(v);
            cx.b.ins().brif(absent, in_builtins, &[], found, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(global_lookup);
            lookup(cx, globals, Some((tag_at, entry, 0)), in_builtins)?;
            cx.b.switch_to_block(in_builtins);
            let builtins = cx.call_prim(&prim::PY_EVAL_GET_BUILTINS, &[])?[0];
            let tag = cx.b.ins().load(types::I64, flags(), builtins, tag_at);
            let cached = cx.b.ins().load(types::I64, flags(), entry, 16);
            let same = cx.b.ins().icmp(IntCC::Equal, tag, cached);
            cx.b.ins().brif(same, builtins_cached, &[], builtins_lookup, &[BlockArg::Value(builtins)]);
            cx.b.switch_to_block(builtins_cached);
            let v = cx.b.ins().load(p, flags(), entry, 24);
            let absent = cx.is_null(v);
            cx.b.ins().brif(absent, unbound, &[], found, &[BlockArg::Value(v)]);
            cx.b.switch_to_block(builtins_lookup);
            let builtins = cx.b.block_params(builtins_lookup)[0];
            lookup(cx, builtins, Some((tag_at, entry, 16)), unbound)?;
        }
    }
    cx.b.switch_to_block(unbound);
    let exc = cx.py_data("PyExc_NameError")?;
    let exc = cx.b.ins().load(p, flags(), exc, 0);
    let msg = load_const(cx, &ObjConst::Str(format!("name '{name}' is not defined")))?;
    cx.call_prim(&prim::PY_ERR_SET_OBJECT, &[exc, msg])?;
    cx.b.ins().jump(join, &[BlockArg::Value(null)]);
    cx.b.switch_to_block(found);
    let v = cx.b.block_params(found)[0];
    incref(cx, v)?;
    cx.b.ins().jump(join, &[BlockArg::Value(v)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// `obj[index]` (`index` a `Py_ssize_t`) read in place, borrowed, and
/// whether it was: an exact list's or tuple's item when the index (wrapped
/// once if negative) is in range; else NULL and false (the builder's slow
/// path calls `PyObject_GetItem`, which raises CPython's errors).
pub(super) fn item_in_place(cx: &mut FnCx, obj: Value, index: Value) -> R<(Value, Value)> {
    let p = cx.em.ptr;
    let (list, not_list, tuple, in_place, join) =
        (cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(in_place, p);
    cx.b.append_block_param(in_place, p);
    cx.b.append_block_param(join, p);
    cx.b.append_block_param(join, types::I8);
    let null = cx.b.ins().iconst(p, 0);
    let no = cx.b.ins().iconst(types::I8, 0);
    let missed = [BlockArg::Value(null), BlockArg::Value(no)];
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let list_type = cx.py_data("PyList_Type")?;
    let is_list = cx.b.ins().icmp(IntCC::Equal, ty, list_type);
    cx.b.ins().brif(is_list, list, &[], not_list, &[]);
    // Each branch: its items' address, then the bounds test.
    let in_range = |cx: &mut FnCx, items: Value| {
        let size = cx.b.ins().load(p, flags(), obj, pyabi::VAR_SIZE);
        let negative = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, index, 0);
        let wrapped = cx.b.ins().iadd(index, size);
        let k = cx.b.ins().select(negative, wrapped, index);
        let inside = cx.b.ins().icmp(IntCC::UnsignedLessThan, k, size);
        cx.b.ins().brif(inside, in_place, &[BlockArg::Value(items), BlockArg::Value(k)], join, &missed);
    };
    cx.b.switch_to_block(list);
    let items = cx.b.ins().load(p, flags(), obj, pyabi::LIST_ITEMS);
    in_range(cx, items);
    cx.b.switch_to_block(not_list);
    let tuple_type = cx.py_data("PyTuple_Type")?;
    let is_tuple = cx.b.ins().icmp(IntCC::Equal, ty, tuple_type);
    cx.b.ins().brif(is_tuple, tuple, &[], join, &missed);
    cx.b.switch_to_block(tuple);
    let items = cx.b.ins().iadd_imm_s(obj, pyabi::TUPLE_ITEMS);
    in_range(cx, items);
    cx.b.switch_to_block(in_place);
    let (items, k) = (cx.b.block_params(in_place)[0], cx.b.block_params(in_place)[1]);
    let offset = cx.b.ins().ishl_imm_u(k, 3);
    let at = cx.b.ins().iadd(items, offset);
    let v = cx.b.ins().load(p, flags(), at, 0);
    let yes = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().jump(join, &[BlockArg::Value(v), BlockArg::Value(yes)]);
    cx.b.switch_to_block(join);
    let params = cx.b.block_params(join);
    Ok((params[0], params[1]))
}

/// `obj[index] = value` in place when `obj` is an exact list and the
/// index (wrapped once if negative) is in range: the new reference first,
/// then the old item released (which may run code that reads the list);
/// whether it was stored.
pub(super) fn store_item_in_place(cx: &mut FnCx, obj: Value, index: Value, value: Value) -> R<Value> {
    let p = cx.em.ptr;
    let (list, in_place, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(in_place, p);
    cx.b.append_block_param(join, types::I8);
    let no = cx.b.ins().iconst(types::I8, 0);
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let list_type = cx.py_data("PyList_Type")?;
    let is_list = cx.b.ins().icmp(IntCC::Equal, ty, list_type);
    cx.b.ins().brif(is_list, list, &[], join, &[BlockArg::Value(no)]);
    cx.b.switch_to_block(list);
    let size = cx.b.ins().load(p, flags(), obj, pyabi::VAR_SIZE);
    let negative = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, index, 0);
    let wrapped = cx.b.ins().iadd(index, size);
    let k = cx.b.ins().select(negative, wrapped, index);
    let inside = cx.b.ins().icmp(IntCC::UnsignedLessThan, k, size);
    cx.b.ins().brif(inside, in_place, &[BlockArg::Value(k)], join, &[BlockArg::Value(no)]);
    cx.b.switch_to_block(in_place);
    let k = cx.b.block_params(in_place)[0];
    let items = cx.b.ins().load(p, flags(), obj, pyabi::LIST_ITEMS);
    let offset = cx.b.ins().ishl_imm_u(k, 3);
    let at = cx.b.ins().iadd(items, offset);
    super::unbox::incref(cx, value)?;
    let old = cx.b.ins().load(p, flags(), at, 0);
    cx.b.ins().store(flags(), value, at, 0);
    cx.decref(old)?;
    let yes = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().jump(join, &[BlockArg::Value(yes)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// Whether `obj` is an exact `int` of at most one digit, and its value
/// (0 when not): the type, then the size or tag, read in place as
/// `pyabi::SmallInt` lays them out; never on an interpreter without a
/// known layout.
pub(super) fn small_int(cx: &mut FnCx, obj: Value) -> R<(Value, Value)> {
    let p = cx.em.ptr;
    let zero = cx.b.ins().iconst(types::I64, 0);
    let no = cx.b.ins().iconst(types::I8, 0);
    let Some(layout) = cx.em.py.small_int() else {
        return Ok((zero, no));
    };
    let (check, fast, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(join, types::I64);
    cx.b.append_block_param(join, types::I8);
    let ob_type = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let long_type = cx.py_data("PyLong_Type")?;
    let exact = cx.b.ins().icmp(IntCC::Equal, ob_type, long_type);
    cx.b.ins().brif(exact, check, &[], join, &[BlockArg::Value(zero), BlockArg::Value(no)]);
    cx.b.switch_to_block(check);
    let (multiplier, small, digits) = match layout {
        pyabi::SmallInt::SignedSize { size, digits } => {
            let size = cx.b.ins().load(types::I64, flags(), obj, size);
            let shifted = cx.b.ins().iadd_imm_s(size, 1);
            (size, cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, shifted, 2), digits)
        }
        pyabi::SmallInt::Tagged { tag, digits } => {
            let tag = cx.b.ins().load(types::I64, flags(), obj, tag);
            let small = cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, tag, 16);
            let sign_bits = cx.b.ins().band_imm_s(tag, 3);
            let one = cx.b.ins().iconst(types::I64, 1);
            (cx.b.ins().isub(one, sign_bits), small, digits)
        }
    };
    cx.b.ins().brif(small, fast, &[], join, &[BlockArg::Value(zero), BlockArg::Value(no)]);
    cx.b.switch_to_block(fast);
    let digit = cx.b.ins().load(types::I32, flags(), obj, digits);
    let digit = cx.b.ins().uextend(types::I64, digit);
    let v = cx.b.ins().imul(digit, multiplier);
    let yes = cx.b.ins().iconst(types::I8, 1);
    cx.b.ins().jump(join, &[BlockArg::Value(v), BlockArg::Value(yes)]);
    cx.b.switch_to_block(join);
    let params = cx.b.block_params(join);
    Ok((params[0], params[1]))
}

/// `a op b` with Python's semantics on operands small enough that nothing
/// overflows (`OpKind::SmallIntArith`; `b` is not 0 for `//` and `%`).
pub(super) fn small_int_arith(cx: &mut FnCx, op: ObjBinOp, a: Value, b: Value) -> R<Value> {
    // Floored: a truncated remainder of the divisor's opposite sign moves one step.
    let adjust = |cx: &mut FnCx, r: Value| {
        let nonzero = cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        let signs = cx.b.ins().bxor(r, b);
        let opposite = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, signs, 0);
        cx.b.ins().band(nonzero, opposite)
    };
    Ok(match op {
        ObjBinOp::Add => cx.b.ins().iadd(a, b),
        ObjBinOp::Sub => cx.b.ins().isub(a, b),
        ObjBinOp::Mul => cx.b.ins().imul(a, b),
        ObjBinOp::Mod => {
            let r = cx.b.ins().srem(a, b);
            let adj = adjust(cx, r);
            let moved = cx.b.ins().iadd(r, b);
            cx.b.ins().select(adj, moved, r)
        }
        ObjBinOp::FloorDiv => {
            let q = cx.b.ins().sdiv(a, b);
            let r = cx.b.ins().srem(a, b);
            let adj = adjust(cx, r);
            let adj = cx.b.ins().uextend(types::I64, adj);
            cx.b.ins().isub(q, adj)
        }
        _ => return Err(format!("{op:?} has no small-int fast path")),
    })
}

/// The iterator of `for … in obj`, a new reference; NULL (no error) for an
/// exact list or tuple, which the loop reads by index; to `err` when
/// `PyObject_GetIter` raised.
pub(super) fn iter_start(cx: &mut FnCx, obj: Value, err: ir::Block) -> R<Value> {
    let p = cx.em.ptr;
    let (not_list, get, join) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(join, p);
    let null = cx.b.ins().iconst(p, 0);
    let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
    let list_type = cx.py_data("PyList_Type")?;
    let is_list = cx.b.ins().icmp(IntCC::Equal, ty, list_type);
    cx.b.ins().brif(is_list, join, &[BlockArg::Value(null)], not_list, &[]);
    cx.b.switch_to_block(not_list);
    let tuple_type = cx.py_data("PyTuple_Type")?;
    let is_tuple = cx.b.ins().icmp(IntCC::Equal, ty, tuple_type);
    cx.b.ins().brif(is_tuple, join, &[BlockArg::Value(null)], get, &[]);
    cx.b.switch_to_block(get);
    let it = cx.call_prim(&prim::PY_OBJECT_GET_ITER, &[obj])?[0];
    let failed = cx.is_null(it);
    cx.b.ins().brif(failed, err, &[], join, &[BlockArg::Value(it)]);
    cx.b.switch_to_block(join);
    Ok(cx.b.block_params(join)[0])
}

/// Item `index` (in range) of an exact list or tuple, borrowed: a list's
/// from its item array, a tuple's from its inline items.
pub(super) fn seq_item(cx: &mut FnCx, seq: Value, index: Value, list: bool) -> R<Value> {
    let p = cx.em.ptr;
    if list {
        let items = cx.b.ins().load(p, flags(), seq, pyabi::LIST_ITEMS);
        let offset = cx.b.ins().ishl_imm_u(index, 3);
        let at = cx.b.ins().iadd(items, offset);
        return Ok(cx.b.ins().load(p, flags(), at, 0));
    }
    let ty = cx.b.ins().load(p, flags(), seq, pyabi::OB_TYPE);
    let list_type = cx.py_data("PyList_Type")?;
    let is_list = cx.b.ins().icmp(IntCC::Equal, ty, list_type);
    // A non-empty tuple's first item is where a list keeps its array pointer: both loads are valid.
    let list_items = cx.b.ins().load(p, flags(), seq, pyabi::LIST_ITEMS);
    let tuple_items = cx.b.ins().iadd_imm_s(seq, pyabi::TUPLE_ITEMS);
    let items = cx.b.ins().select(is_list, list_items, tuple_items);
    let offset = cx.b.ins().ishl_imm_u(index, 3);
    let at = cx.b.ins().iadd(items, offset);
    Ok(cx.b.ins().load(p, flags(), at, 0))
}

/// `dict[key]` of an exact dict, borrowed (NULL when it is not there),
/// and whether it is there; to `err` when the lookup raised.
pub(super) fn dict_item(cx: &mut FnCx, dict: Value, key: Value, err: ir::Block) -> R<(Value, Value)> {
    let item = cx.call_prim(&prim::PY_DICT_GET_ITEM_WITH_ERROR, &[dict, key])?[0];
    let missing = cx.is_null(item);
    let (check, join) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(missing, check, &[], join, &[]);
    cx.b.switch_to_block(check);
    let raised = cx.call_prim(&prim::PY_ERR_OCCURRED, &[])?[0];
    let raised = cx.b.ins().icmp_imm_u(IntCC::NotEqual, raised, 0);
    cx.b.ins().brif(raised, err, &[], join, &[]);
    cx.b.switch_to_block(join);
    let found = cx.b.ins().icmp_imm_u(IntCC::NotEqual, item, 0);
    Ok((item, found))
}

/// The iterator's next item (NULL at its end) and whether it ended; to
/// `err` when it raised.
pub(super) fn iter_next(cx: &mut FnCx, iter: Value, err: ir::Block) -> R<(Value, Value)> {
    let item = cx.call_prim(&prim::PY_ITER_NEXT, &[iter])?[0];
    let ended = cx.is_null(item);
    let (check, join) = (cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(check);
    cx.b.ins().brif(ended, check, &[], join, &[]);
    cx.b.switch_to_block(check);
    let raised = cx.call_prim(&prim::PY_ERR_OCCURRED, &[])?[0];
    let raised = cx.b.ins().icmp_imm_u(IntCC::NotEqual, raised, 0);
    cx.b.ins().brif(raised, err, &[], join, &[]);
    cx.b.switch_to_block(join);
    Ok((item, ended))
}

/// A C-API call with a fast path of its own (`None`: call the function):
/// an attribute read or store through the type's slot, a truth value
/// without a call for `True`, `False` and `None` (Cython's
/// `__Pyx_PyObject_IsTrue`) and by its length for an exact str.
pub(crate) fn call_c_inline(cx: &mut FnCx, p: &prim::Primitive, args: &[Value]) -> R<Option<Value>> {
    if let Some(slot) = attribute_slot(p) {
        return call_attribute_slot(cx, p, slot, args).map(Some);
    }
    if std::ptr::eq(p, &prim::PYC_INT_STR) {
        return int_str(cx, args[0]).map(Some);
    }
    if std::ptr::eq(p, &prim::PYC_DOUBLE_REPR) {
        return double_repr(cx, args[0]).map(Some);
    }
    if !std::ptr::eq(p, &prim::PY_OBJECT_IS_TRUE) {
        return Ok(None);
    }
    let obj = args[0];
    let done = cx.b.create_block();
    cx.b.append_block_param(done, types::I32);
    let one = cx.b.ins().iconst(types::I32, 1);
    let zero = cx.b.ins().iconst(types::I32, 0);
    for (name, value) in [("_Py_TrueStruct", one), ("_Py_FalseStruct", zero), ("_Py_NoneStruct", zero)] {
        let singleton = cx.py_data(name)?;
        let same = cx.b.ins().icmp(IntCC::Equal, obj, singleton);
        let next = cx.b.create_block();
        cx.b.ins().brif(same, done, &[BlockArg::Value(value)], next, &[]);
        cx.b.switch_to_block(next);
    }
    let slow = cx.b.create_block();
    if let Some(t) = super::str_fast::exact_str_truth(cx, obj, slow)? {
        cx.b.ins().jump(done, &[BlockArg::Value(t)]);
    } else {
        cx.b.ins().jump(slow, &[]);
    }
    cx.b.switch_to_block(slow);
    let r = cx.call_prim(p, args)?[0];
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(done);
    Ok(Some(cx.b.block_params(done)[0]))
}

/// `str(n)` of a 64-bit signed integer: its digits written backwards into a
/// stack buffer (division by 10 as a multiply-high), then one ASCII str.
fn int_str(cx: &mut FnCx, n: Value) -> R<Value> {
    let p = cx.em.ptr;
    // 20 digits of 2**64 and a sign.
    let buf = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 24, 3));
    let end = cx.b.ins().stack_addr(p, buf, 24);
    let negative = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
    let minus = cx.b.ins().ineg(n);
    // i64::MIN negated wraps to itself, which as unsigned is its magnitude.
    let magnitude = cx.b.ins().select(negative, minus, n);
    let (digit, sign, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(digit, p);
    cx.b.append_block_param(digit, types::I64);
    cx.b.append_block_param(sign, p);
    cx.b.append_block_param(done, p);
    cx.b.ins().jump(digit, &[BlockArg::Value(end), BlockArg::Value(magnitude)]);
    cx.b.switch_to_block(digit);
    let (at, m) = (cx.b.block_params(digit)[0], cx.b.block_params(digit)[1]);
    let magic = cx.b.ins().iconst(types::I64, 0xCCCC_CCCC_CCCC_CCCDu64 as i64);
    let high = cx.b.ins().umulhi(m, magic);
    let q = cx.b.ins().ushr_imm_u(high, 3);
    let tens = cx.b.ins().imul_imm_s(q, 10);
    let d = cx.b.ins().isub(m, tens);
    let ch = cx.b.ins().iadd_imm_s(d, b'0' as i64);
    let at = cx.b.ins().iadd_imm_s(at, -1);
    cx.b.ins().istore8(flags(), ch, at, 0);
    let more = cx.b.ins().icmp_imm_u(IntCC::NotEqual, q, 0);
    cx.b.ins().brif(more, digit, &[BlockArg::Value(at), BlockArg::Value(q)], sign, &[BlockArg::Value(at)]);
    cx.b.switch_to_block(sign);
    let at = cx.b.block_params(sign)[0];
    let (with_minus, plain) = (cx.b.create_block(), cx.b.create_block());
    cx.b.ins().brif(negative, with_minus, &[], plain, &[]);
    cx.b.switch_to_block(plain);
    cx.b.ins().jump(done, &[BlockArg::Value(at)]);
    cx.b.switch_to_block(with_minus);
    let start = cx.b.ins().iadd_imm_s(at, -1);
    let dash = cx.b.ins().iconst(types::I64, b'-' as i64);
    cx.b.ins().istore8(flags(), dash, start, 0);
    cx.b.ins().jump(done, &[BlockArg::Value(start)]);
    cx.b.switch_to_block(done);
    let start = cx.b.block_params(done)[0];
    let len = cx.b.ins().isub(end, start);
    ascii_str(cx, start, len)
}

/// A new str of the `len` ASCII bytes at `text`: `PyUnicode_New` and the
/// bytes copied in where the layout is known, else `PyUnicode_DecodeASCII`.
/// NULL with MemoryError set on failure.
fn ascii_str(cx: &mut FnCx, text: Value, len: Value) -> R<Value> {
    let p = cx.em.ptr;
    let Some(data) = cx.em.py.ascii_data_offset() else {
        let null = cx.b.ins().iconst(p, 0);
        return Ok(cx.call_c("PyUnicode_DecodeASCII", &[p, p, p], &[p], &[text, len, null])?[0]);
    };
    let max_char = cx.b.ins().iconst(types::I32, 127);
    let r = cx.call_c("PyUnicode_New", &[p, types::I32], &[p], &[len, max_char])?[0];
    let (fill, done) = (cx.b.create_block(), cx.b.create_block());
    let failed = cx.is_null(r);
    cx.b.ins().brif(failed, done, &[], fill, &[]);
    cx.b.switch_to_block(fill);
    let at = cx.b.ins().iadd_imm_s(r, data as i64);
    cx.call_c("memcpy", &[p, p, p], &[p], &[at, text, len])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(r)
}

/// `"".join(parts)` of strs without a tuple: `_PyUnicode_JoinArray` over
/// the parts stored on the stack (exported by every CPython 3.9–3.13, which
/// its `PyUnicode_Join` calls the same way).
pub(crate) fn join_str(cx: &mut FnCx, parts: &[Value]) -> R<Value> {
    let p = cx.em.ptr;
    let (general, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, p);
    if let Some(data) = cx.em.py.ascii_data_offset() {
        ascii_join(cx, parts, data, general, done)?;
    } else {
        cx.b.ins().jump(general, &[]);
    }
    cx.b.switch_to_block(general);
    let slot = cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8 * parts.len().max(1) as u32, 3));
    for (k, v) in parts.iter().enumerate() {
        cx.b.ins().stack_store(p, *v, slot, (8 * k) as i32);
    }
    let items = cx.b.ins().stack_addr(p, slot, 0);
    let n = cx.b.ins().iconst(p, parts.len() as i64);
    let empty = load_const(cx, &ObjConst::Str(String::new()))?;
    let r = cx.call_c("_PyUnicode_JoinArray", &[p, p, p], &[p], &[empty, items, n])?[0];
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// The join when every part is a compact ASCII str (f-strings of numbers
/// and ASCII text, the common case), as Cython's `__Pyx_PyUnicode_Join`:
/// one `PyUnicode_New` of the summed length and each part's bytes copied
/// in; any other part goes on to `general`. The result (NULL on
/// MemoryError) goes to `done`.
fn ascii_join(cx: &mut FnCx, parts: &[Value], data: i32, general: ir::Block, done: ir::Block) -> R<()> {
    let p = cx.em.ptr;
    let mut total = cx.b.ins().iconst(types::I64, 0);
    let mut lens = vec![];
    for part in parts {
        let state = cx.b.ins().load(types::I32, flags(), *part, pyabi::STR_STATE);
        let bits = cx.b.ins().band_imm_u(state, pyabi::STR_COMPACT_ASCII);
        let ascii = cx.b.ins().icmp_imm_u(IntCC::Equal, bits, pyabi::STR_COMPACT_ASCII);
        let next = cx.b.create_block();
        cx.b.ins().brif(ascii, next, &[], general, &[]);
        cx.b.switch_to_block(next);
        let len = cx.b.ins().load(types::I64, flags(), *part, pyabi::STR_LENGTH);
        total = cx.b.ins().iadd(total, len);
        lens.push(len);
    }
    let max_char = cx.b.ins().iconst(types::I32, 127);
    let r = cx.call_c("PyUnicode_New", &[p, types::I32], &[p], &[total, max_char])?[0];
    let (fill, failed) = (cx.b.create_block(), cx.is_null(r));
    cx.b.ins().brif(failed, done, &[BlockArg::Value(r)], fill, &[]);
    cx.b.switch_to_block(fill);
    let mut at = cx.b.ins().iadd_imm_s(r, data as i64);
    for (part, len) in parts.iter().zip(lens) {
        let from = cx.b.ins().iadd_imm_s(*part, data as i64);
        cx.call_c("memcpy", &[p, p, p], &[p], &[at, from, len])?;
        at = cx.b.ins().iadd(at, len);
    }
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    Ok(())
}

/// `repr(x)` of a double as float's repr writes it (`PyOS_double_to_string`
/// with 'r' and `Py_DTSF_ADD_DOT_0`); NULL with MemoryError set on failure.
fn double_repr(cx: &mut FnCx, x: Value) -> R<Value> {
    let p = cx.em.ptr;
    let code = cx.b.ins().iconst(types::I8, b'r' as i64);
    let zero = cx.b.ins().iconst(types::I32, 0);
    let add_dot_0 = cx.b.ins().iconst(types::I32, 2);
    let null = cx.b.ins().iconst(p, 0);
    let text = cx.call_c("PyOS_double_to_string", &[types::F64, types::I8, types::I32, types::I32, p], &[p], &[x, code, zero, add_dot_0, null])?[0];
    let (decode, done) = (cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, p);
    let failed = cx.is_null(text);
    cx.b.ins().brif(failed, done, &[BlockArg::Value(null)], decode, &[]);
    cx.b.switch_to_block(decode);
    let len = cx.call_c("strlen", &[p], &[p], &[text])?[0];
    let s = ascii_str(cx, text, len)?;
    cx.call_c("PyMem_Free", &[p], &[], &[text])?;
    cx.b.ins().jump(done, &[BlockArg::Value(s)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// The type slot `PyObject_GetAttr`/`PyObject_SetAttr` call, when `prim` is
/// one of them: compiled code calls the slot itself, as Cython's
/// `__Pyx_PyObject_GetAttrStr`/`SetAttrStr` do (the names are the module's
/// interned constants; an AttributeError then carries no `name`/`obj` for
/// the traceback's "Did you mean" suggestion, as in Cython).
fn attribute_slot(p: &prim::Primitive) -> Option<i32> {
    if std::ptr::eq(p, &prim::PY_OBJECT_GET_ATTR) {
        Some(pyabi::TP_GETATTRO)
    } else if std::ptr::eq(p, &prim::PY_OBJECT_SET_ATTR) {
        Some(pyabi::TP_SETATTRO)
    } else {
        None
    }
}

/// `Py_TYPE(o)->slot(o, name[, value])`, or the C-API function when the
/// type has no such slot; the result is the function's.
fn call_attribute_slot(cx: &mut FnCx, p: &prim::Primitive, slot: i32, args: &[Value]) -> R<Value> {
    let ptr = cx.em.ptr;
    let ret = if slot == pyabi::TP_SETATTRO { types::I32 } else { ptr };
    let tp = cx.b.ins().load(ptr, flags(), args[0], pyabi::OB_TYPE);
    let f = cx.b.ins().load(ptr, flags(), tp, slot);
    let (direct, generic, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.append_block_param(done, ret);
    let missing = cx.is_null(f);
    cx.b.ins().brif(missing, generic, &[], direct, &[]);
    cx.b.switch_to_block(direct);
    let mut sig = cx.em.module.make_signature();
    for _ in args {
        sig.params.push(ir::AbiParam::new(ptr));
    }
    sig.returns.push(ir::AbiParam::new(ret));
    let sref = cx.b.import_signature(sig);
    let inst = cx.b.ins().call_indirect(sref, f, args);
    let r = cx.b.inst_results(inst)[0];
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(generic);
    let r = cx.call_prim(p, args)?[0];
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}

/// A cell's value (`PyCellObject.ob_ref`, after the object header), a new
/// reference; NULL with UnboundLocalError set when the cell is empty.
pub(crate) fn cell_get(cx: &mut FnCx, cell: ir::Value, name: &str) -> R<ir::Value> {
    let p = cx.em.ptr;
    let v = cx.b.ins().load(p, flags(), cell, pyabi::CELL_REF);
    let (empty, full, done) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
    cx.b.set_cold_block(empty);
    cx.b.append_block_param(done, p);
    let is_null = cx.is_null(v);
    cx.b.ins().brif(is_null, empty, &[], full, &[]);
    cx.b.switch_to_block(empty);
    let (exc, msg) = match name.strip_prefix(crate::hir::FREE_VAR_PREFIX) {
        Some(free) => ("PyExc_NameError", cx.em.py.free_var_message(free)),
        None => ("PyExc_UnboundLocalError", cx.em.py.unbound_local_message(name)),
    };
    let exc = cx.py_data(exc)?;
    let exc = cx.b.ins().load(p, flags(), exc, 0);
    let msg = cx.cstr(&msg)?;
    cx.call_prim(&prim::PY_ERR_SET_STRING, &[exc, msg])?;
    cx.b.ins().jump(done, &[BlockArg::Value(v)]);
    cx.b.switch_to_block(full);
    super::incref(cx, v)?;
    cx.b.ins().jump(done, &[BlockArg::Value(v)]);
    cx.b.switch_to_block(done);
    Ok(cx.b.block_params(done)[0])
}
