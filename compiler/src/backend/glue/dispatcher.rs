//! A fat module's `PyInit_<name>`, which picks the variant the CPU runs best.

use super::names::{init_symbol, py_str};
use super::{declare_pyinit, finish, flags, PY_FILE_INPUT, R};
use crate::backend::{Emitter, FnCx};
use crate::hir;
use crate::mir::primitives as prim;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, Linkage, Module};

/// A fat module's `PyInit_<name>`: asks a little Python which variant the
/// CPU supports best (`PYC_AOT_DISPATCH=<target>` forces one) and returns
/// that variant's `PyModuleDef`; every call goes straight to the variant's
/// code after that, so nothing pays for dispatch.
pub(crate) fn emit_dispatcher(em: &mut Emitter, m: &hir::Module, targets: &[crate::target::Target], defs: &[DataId]) -> R<()> {
    let p = em.ptr;
    let names: Vec<String> = targets.iter().map(|t| py_str(&t.name)).collect();
    let reqs: Vec<String> = targets
        .iter()
        .map(|t| format!("[{}]", t.requires.iter().map(|r| py_str(r)).collect::<Vec<_>>().join(", ")))
        .collect();
    let chooser = format!(
        "{DISPATCH_SOURCE}__result__ = __pyc_aot_choose({}, [{}], [{}])\n",
        py_str(&m.name),
        names.join(", "),
        reqs.join(", ")
    );
    // defs[] as a table of pointers, indexed by the chooser's answer.
    let table = em.module.declare_data("pyc_aot_variants", Linkage::Local, false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; 8 * defs.len()].into_boxed_slice());
    for (k, d) in defs.iter().enumerate() {
        let gv = em.module.declare_data_in_data(*d, &mut desc);
        desc.write_data_addr((8 * k) as u32, gv, 0);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;

    let (init, mut func) = declare_pyinit(em, m, 2)?;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        let fail = cx.b.create_block();
        cx.b.set_cold_block(fail);
        cx.b.switch_to_block(entry);
        let check_null = |cx: &mut FnCx, v: Value| {
            let bad = cx.is_null(v);
            let ok = cx.b.create_block();
            cx.b.ins().brif(bad, fail, &[], ok, &[]);
            cx.b.switch_to_block(ok);
        };
        let globals = cx.call_prim(&prim::PY_DICT_NEW, &[])?[0];
        check_null(&mut cx, globals);
        let builtins = cx.call_prim(&prim::PY_EVAL_GET_BUILTINS, &[])?[0];
        let key = cx.cstr("__builtins__")?;
        cx.call_prim(&prim::PY_DICT_SET_ITEM_STRING, &[globals, key, builtins])?;
        let src = cx.cstr(&chooser)?;
        let file = cx.cstr("<pyc-aot dispatch>")?;
        let mode = cx.b.ins().iconst(types::I32, PY_FILE_INPUT);
        let code = cx.call_prim(&prim::PY_COMPILE_STRING, &[src, file, mode])?[0];
        check_null(&mut cx, code);
        let r = cx.call_prim(&prim::PY_EVAL_EVAL_CODE, &[code, globals, globals])?[0];
        cx.decref(code)?;
        check_null(&mut cx, r);
        cx.decref(r)?;
        let key = cx.cstr("__result__")?;
        let chosen = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[globals, key])?[0];
        check_null(&mut cx, chosen);
        let k = cx.call_prim(&prim::PY_LONG_AS_LONG_LONG, &[chosen])?[0];
        cx.decref(globals)?;
        let addr = cx.data_addr(table);
        let off = cx.b.ins().imul_imm_s(k, 8);
        let slot = cx.b.ins().iadd(addr, off);
        let def = cx.b.ins().load(p, flags(), slot, 0);
        let r = cx.call_prim(&prim::PY_MODULE_DEF_INIT, &[def])?[0];
        cx.b.ins().return_(&[r]);
        cx.b.switch_to_block(fail);
        let null = cx.b.ins().iconst(p, 0);
        cx.b.ins().return_(&[null]);
        finish(cx)?;
    }
    em.define(init, func, &format!("{} (dispatch)", init_symbol(&m.name)))
}

/// Picks a fat module's variant at import (`PYC_AOT_TEST_CPUINFO`: see `CPU_CHECK_SOURCE`).
const DISPATCH_SOURCE: &str = r#"
def __pyc_aot_choose(module, names, requires):
    import os
    try:
        with open(os.environ.get('PYC_AOT_TEST_CPUINFO') or '/proc/cpuinfo') as f:
            flags = set(next((line.split(':', 1)[1].split() for line in f if line.startswith('flags')), ()))
    except OSError:
        flags = None
    runs = [flags is not None and set(req) <= flags or (flags is None and not req) for req in requires]
    forced = os.environ.get('PYC_AOT_DISPATCH')
    if forced:
        if forced not in names:
            raise ImportError("%s: PYC_AOT_DISPATCH=%s names no variant; it has %s" % (module, forced, ', '.join(names)))
        i = names.index(forced)
        if not runs[i]:
            raise ImportError("%s: PYC_AOT_DISPATCH=%s, but this CPU lacks %s"
                              % (module, forced, ', '.join(r for r in requires[i] if flags is None or r not in flags)))
        return i
    usable = [i for i, ok in enumerate(runs) if ok]
    if not usable:
        raise ImportError("%s has no variant this CPU can run (variants: %s)" % (module, ', '.join(names)))
    return max(usable, key=lambda i: (len(requires[i]), -i))
"#;

