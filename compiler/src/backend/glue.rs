//! The CPython-facing half of the module: argument wrappers, the method table,
//! `PyModuleDef` with a `Py_mod_exec` slot (PEP 489), and `PyInit_<name>`.
//!
//! Layouts are those of 64-bit GIL builds (see DESIGN.md); the inline fast
//! paths that depend on the interpreter's version (int unboxing, incref) take
//! their layout from `pyabi::TargetPython`.

use super::{pyabi, clif_type, lower_in_place, worth_lowering_in_place, Emitter, FnCx, HELPER_BINDERS, HELPER_BUFFER_ERROR, HELPER_ROUND};
use super::lower::{frame_estimate, has_big_frame};
use super::stack;
use crate::hir::{self, FuncId, Function};
use std::collections::HashSet;
use crate::hir::ParamKind;
use crate::types::{Ty, ViewTy};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, Block, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Linkage, Module};

type R<T> = Result<T, String>;

const SHIM_SOURCE: &str = include_str!("../shim/cython_shim.py");
const METH_VARARGS_FASTCALL_KEYWORDS: i32 = 0x80 | 0x02;
const METH_O: i32 = 0x08;
const METH_NOARGS: i32 = 0x04;
const PY_FILE_INPUT: i64 = 257;
const PY_MOD_EXEC: u32 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    NoArgs,
    O,
    /// One parameter that may also be passed by keyword: registered as
    /// `METH_O`, so CPython's specialised call of a `METH_O` builtin reaches
    /// the wrapper directly, and the function object's vectorcall slot is then
    /// pointed at an entry that also accepts the keyword (see `emit_exec`).
    OKeywords,
    FastCall,
}

/// Interpreters whose `PyCFunctionObject` has a vectorcall slot (3.8+) and
/// whose `PyTypeObject` keeps `tp_vectorcall_offset` at byte 56 (GIL builds).
fn keyword_vectorcall(py_minor: u32) -> bool {
    pyabi::TargetPython::new(py_minor).cfunction_vectorcall()
}

fn call_kind(f: &Function, py_minor: u32) -> CallKind {
    match f.params.as_slice() {
        [] => CallKind::NoArgs,
        [p] if p.kind == ParamKind::PositionalOnly && p.default.is_none() => CallKind::O,
        [p] if p.kind == ParamKind::PositionalOrKeyword && p.default.is_none() && keyword_vectorcall(py_minor) => CallKind::OKeywords,
        _ => CallKind::FastCall,
    }
}

/// `PyCFunctionObject.m_self` (after the object header and `m_ml`).
const CFUNCTION_SELF: i32 = 24;
/// `PyTypeObject.tp_vectorcall_offset`.
const TP_VECTORCALL_OFFSET: i32 = 56;

/// Python source of a function with `f`'s exact parameters that returns them
/// as a tuple: calling it reproduces CPython's own argument errors.
fn binder_source(f: &Function) -> String {
    let mut params = vec![];
    let mut seen_kwonly = false;
    for (i, p) in f.params.iter().enumerate() {
        if p.kind == ParamKind::KeywordOnly && !seen_kwonly {
            params.push("*".to_string());
            seen_kwonly = true;
        }
        params.push(match &p.default_src {
            Some(d) => format!("{}={}", p.name, d),
            None => p.name.clone(),
        });
        let next_not_posonly = f.params.get(i + 1).map_or(true, |n| n.kind != ParamKind::PositionalOnly);
        if p.kind == ParamKind::PositionalOnly && next_not_posonly {
            params.push("/".to_string());
        }
    }
    let names: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    let bind = binder_name(f);
    let tuple = if names.is_empty() { "()".to_string() } else { format!("({},)", names.join(", ")) };
    // CPython up to 3.9 names the function in argument errors by its code's
    // co_name, later ones by __qualname__: set both.
    format!(
        "\ndef {bind}({}):\n    return {tuple}\n{bind}.__name__ = {bind}.__qualname__ = {name}\n\
         {bind}.__code__ = {bind}.__code__.replace(co_name={name})\n",
        params.join(", "),
        name = py_str(&f.name)
    )
}

/// Python that turns a rejected buffer into Cython's error messages; native
/// code only knows *which* check failed and calls it on that cold path.
const BUFFER_ERROR_SOURCE: &str = r#"
_PYC_AOT_FORMAT_NAMES = {'b': 'signed char', 'c': 'char', 'B': 'unsigned char', 'h': 'short', 'H': 'unsigned short',
    'i': 'int', 'I': 'unsigned int', 'l': 'long', 'L': 'unsigned long', 'q': 'long long', 'Q': 'unsigned long long',
    'n': 'Py_ssize_t', 'N': 'size_t', 'f': 'float', 'd': 'double', 'g': 'long double', '?': 'bint', 'e': 'half float'}

def __pyc_aot_buffer_error(obj, info):
    name, want, ndim, check = info.split('|')
    if obj is None:
        raise TypeError("Argument '%s' must not be None" % name)
    m = memoryview(obj)
    if check == 'ndim':
        raise ValueError("Buffer has wrong number of dimensions (expected %s, got %d)" % (ndim, m.ndim))
    if check == 'dtype':
        if m.format[:1] in ('>', '!'):
            raise ValueError("Big-endian buffer not supported on little-endian compiler")
        fmt = m.format.lstrip('@=<')
        raise ValueError("Buffer dtype mismatch, expected '%s' but got '%s'" % (want, _PYC_AOT_FORMAT_NAMES.get(fmt, fmt)))
    if check == 'contig':
        raise ValueError("ndarray is not C-contiguous")
    if check == 'fcontig':
        raise ValueError("ndarray is not Fortran contiguous")
    if check == 'readonly':
        raise ValueError("buffer source array is read-only")
    raise ValueError("buffer for argument '%s' does not match %s" % (name, want))
"#;

/// Refuses to import on a CPU without the features the code was compiled
/// for (Linux reports them, including OS support for AVX state, in
/// /proc/cpuinfo). Code that needs features must not run when they cannot be
/// read: an illegal instruction kills the interpreter.
const CPU_CHECK_SOURCE: &str = r#"
def __pyc_aot_check_cpu(module, target, required):
    if not required:
        return
    import os
    try:
        with open(os.environ.get('PYC_AOT_TEST_CPUINFO') or '/proc/cpuinfo') as f:
            flags = next((line.split(':', 1)[1].split() for line in f if line.startswith('flags')), None)
    except OSError as e:
        flags, why = None, "cannot read /proc/cpuinfo (%s)" % e
    else:
        why = "/proc/cpuinfo lists no CPU flags"
    if flags is None:
        raise ImportError("%s was compiled for %s (needs %s), but %s; build it for a baseline target (`--target x86-64`) to run here"
                          % (module, target, ', '.join(required), why))
    missing = [r for r in required if r not in flags]
    if missing:
        raise ImportError("%s was compiled for %s (needs %s); this CPU lacks %s"
                          % (module, target, ', '.join(required), ', '.join(missing)))
"#;

/// Parameters (function, index) whose memoryview the code writes to, directly
/// or by passing it on to a function that does: those need a writable buffer.
fn written_views(m: &hir::Module) -> HashSet<(FuncId, usize)> {
    let mut written = HashSet::new();
    loop {
        let before = written.len();
        for f in &m.functions {
            for (i, p) in f.params.iter().enumerate() {
                if !matches!(p.ty, Ty::View(_)) || written.contains(&(f.id, i)) {
                    continue;
                }
                let roots = view_roots(f);
                let root = |v: hir::LocalId| roots.get(&v).copied().unwrap_or(v);
                let mut writes = false;
                visit_stores_and_calls(&f.body, &mut |kind| match kind {
                    ViewUse::Store(v) => writes |= root(v) == p.local,
                    ViewUse::Pass(callee, k, v) => writes |= root(v) == p.local && written.contains(&(callee, k)),
                });
                if writes {
                    written.insert((f.id, i));
                }
            }
        }
        if written.len() == before {
            return written;
        }
    }
}

/// For each memoryview local, the local it was (transitively) sliced or
/// copied from, so a store through `row = m[i]` counts as a store to `m`.
fn view_roots(f: &Function) -> std::collections::HashMap<hir::LocalId, hir::LocalId> {
    let mut roots = std::collections::HashMap::new();
    // A view may be re-pointed in a loop before being written: iterate to a fixpoint.
    for _ in 0..4 {
        hir::visit_stmts(&f.body, &mut |s| {
            let hir::StmtKind::Assign(pairs) = &s.kind else { return };
            for (dst, e) in pairs {
                let src = match &e.kind {
                    hir::ExprKind::Local(v) if matches!(e.ty, Ty::View(_)) => Some(*v),
                    hir::ExprKind::SliceView { view, .. } => Some(*view),
                    _ => None,
                };
                if let Some(src) = src {
                    let r = roots.get(&src).copied().unwrap_or(src);
                    roots.insert(*dst, r);
                }
            }
        });
    }
    roots
}

enum ViewUse {
    Store(hir::LocalId),
    Pass(FuncId, usize, hir::LocalId),
}

fn visit_stores_and_calls(body: &[hir::Stmt], f: &mut impl FnMut(ViewUse)) {
    hir::visit_stmts(body, &mut |s| {
        if let hir::StmtKind::Store { view, .. } | hir::StmtKind::CopyView { dst: view, .. } = &s.kind {
            f(ViewUse::Store(*view))
        }
    });
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            if let hir::ExprKind::Call(callee, args) = &x.kind {
                for (k, a) in args.iter().enumerate() {
                    match (&a.kind, a.ty) {
                        (hir::ExprKind::Local(v), Ty::View(_)) => f(ViewUse::Pass(*callee, k, *v)),
                        (hir::ExprKind::SliceView { view, .. }, _) => f(ViewUse::Pass(*callee, k, *view)),
                        _ => {}
                    }
                }
            }
        })
    });
}

fn binder_name(f: &Function) -> String {
    format!("__pyc_aot_bind_{}", f.name)
}

/// `ml_doc`: CPython derives `__text_signature__` from the first line.
fn method_doc(f: &Function) -> String {
    let mut params = vec!["$module".to_string()];
    let has_posonly = f.params.iter().any(|p| p.kind == ParamKind::PositionalOnly);
    if !has_posonly {
        params.push("/".into());
    }
    let mut seen_kwonly = false;
    for (i, p) in f.params.iter().enumerate() {
        if p.kind == ParamKind::KeywordOnly && !seen_kwonly {
            params.push("*".into());
            seen_kwonly = true;
        }
        params.push(match &p.default_src {
            Some(d) => format!("{}={}", p.name, d),
            None => p.name.clone(),
        });
        if p.kind == ParamKind::PositionalOnly && f.params.get(i + 1).map_or(true, |n| n.kind != ParamKind::PositionalOnly) {
            params.push("/".into());
        }
    }
    // `ml_doc` is a C string: a NUL the docstring spells out (`\x00`) is left out.
    let doc = f.doc.as_deref().unwrap_or("").replace('\0', "");
    format!("{}({})\n--\n\n{}", f.name, params.join(", "), doc)
}

/// Emits one variant's CPython side and returns its `PyModuleDef`; with
/// `with_init` also the `PyInit_<name>` that returns it.
pub(crate) fn emit_module_glue(
    em: &mut Emitter,
    m: &hir::Module,
    py_minor: u32,
    recursive: &HashSet<FuncId>,
    target: &crate::target::Target,
    with_init: bool,
) -> R<DataId> {
    // `@cfunc`s get a wrapper too: the module's interpreted functions call
    // them by name, as they would the plain functions of CPython + the shim.
    let exported: Vec<&Function> = m.functions.iter().collect();

    let written = written_views(m);
    let mut wrappers = vec![];
    let mut keyword_entries = vec![];
    for (k, f) in exported.iter().enumerate() {
        let (entry, vectorcall) = emit_wrapper(em, m, f, HELPER_BINDERS + k, py_minor, recursive, &written)?;
        wrappers.push((f, entry));
        keyword_entries.extend(vectorcall.map(|v| (f.name.clone(), v)));
    }

    // Names like `__name__` or `__spec__` are the module's own before its code
    // runs: such functions are bound where their `def` stands (`emit_exec`).
    let (early, late): (Vec<_>, Vec<_>) = wrappers.iter().partition(|(f, _)| !is_dunder(&f.name));
    let table = method_table(em, "pyc_aot_methods", &early, py_minor)?;
    let late_table = method_table(em, "pyc_aot_late_methods", &late, py_minor)?;
    let late_names: Vec<String> = late.iter().map(|(f, _)| f.name.clone()).collect();

    // One helper table for all variants: only the chosen variant's exec fills it.
    if em.variant.as_ref().is_none_or(|(k, _)| *k == 0) {
        let helpers_len = 8 * (HELPER_BINDERS + exported.len());
        let mut desc = DataDescription::new();
        desc.define_zeroinit(helpers_len);
        em.module.define_data(em.helpers, &desc).map_err(|e| e.to_string())?;
    }

    let exec = emit_exec(em, m, &exported, &keyword_entries, target, (late_table, &late_names))?;

    // PyModuleDef_Slot[]: {Py_mod_exec, exec}, {0, NULL}.
    let slots = em.module.declare_data(&em.symbol("pyc_aot_slots"), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    let mut bytes = vec![0u8; 32];
    bytes[0..4].copy_from_slice(&PY_MOD_EXEC.to_le_bytes());
    desc.define(bytes.into_boxed_slice());
    let fr = em.module.declare_func_in_data(exec, &mut desc);
    desc.write_function_addr(8, fr);
    em.module.define_data(slots, &desc).map_err(|e| e.to_string())?;

    // PyModuleDef: m_base (refcount 1), m_name @40, m_size @56 = 0, m_methods @64, m_slots @72.
    let def = em.module.declare_data(&em.symbol("pyc_aot_moduledef"), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    let mut bytes = vec![0u8; 104];
    bytes[0..8].copy_from_slice(&1u64.to_le_bytes());
    desc.define(bytes.into_boxed_slice());
    let name = em.cstring(&m.name)?;
    let gv_name = em.module.declare_data_in_data(name, &mut desc);
    let gv_table = em.module.declare_data_in_data(table, &mut desc);
    let gv_slots = em.module.declare_data_in_data(slots, &mut desc);
    desc.write_data_addr(40, gv_name, 0);
    desc.write_data_addr(64, gv_table, 0);
    desc.write_data_addr(72, gv_slots, 0);
    em.module.define_data(def, &desc).map_err(|e| e.to_string())?;

    if !with_init {
        return Ok(def);
    }
    // PyInit_<name>: the only exported symbol.
    let (init, mut func) = declare_pyinit(em, m, 0)?;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.switch_to_block(entry);
        let d = cx.data_addr(def);
        let p = cx.em.ptr;
        let r = cx.call_c("PyModuleDef_Init", &[p], &[p], &[d])?[0];
        cx.b.ins().return_(&[r]);
        finish(cx)?;
    }
    em.define(init, func, &init_symbol(&m.name))?;
    Ok(def)
}

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
        let globals = cx.call_c("PyDict_New", &[], &[p], &[])?[0];
        check_null(&mut cx, globals);
        let builtins = cx.call_c("PyEval_GetBuiltins", &[], &[p], &[])?[0];
        let key = cx.cstr("__builtins__")?;
        cx.call_c("PyDict_SetItemString", &[p, p, p], &[types::I32], &[globals, key, builtins])?;
        let src = cx.cstr(&chooser)?;
        let file = cx.cstr("<pyc-aot dispatch>")?;
        let mode = cx.b.ins().iconst(types::I32, PY_FILE_INPUT);
        let code = cx.call_c("Py_CompileString", &[p, p, types::I32], &[p], &[src, file, mode])?[0];
        check_null(&mut cx, code);
        let r = cx.call_c("PyEval_EvalCode", &[p, p, p], &[p], &[code, globals, globals])?[0];
        cx.decref(code)?;
        check_null(&mut cx, r);
        cx.decref(r)?;
        let key = cx.cstr("__result__")?;
        let chosen = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[globals, key])?[0];
        check_null(&mut cx, chosen);
        let k = cx.call_c("PyLong_AsLongLong", &[p], &[types::I64], &[chosen])?[0];
        cx.decref(globals)?;
        let addr = cx.data_addr(table);
        let off = cx.b.ins().imul_imm_s(k, 8);
        let slot = cx.b.ins().iadd(addr, off);
        let def = cx.b.ins().load(p, flags(), slot, 0);
        let r = cx.call_c("PyModuleDef_Init", &[p], &[p], &[def])?[0];
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

/// The init function CPython looks up for a module named `name` (PEP 489):
/// `PyInit_<name>` for ASCII names, otherwise `PyInitU_` followed by the
/// name's punycode with `-` replaced by `_`, as `importdl.c` spells it.
pub(crate) fn init_symbol(name: &str) -> String {
    if name.is_ascii() {
        format!("PyInit_{name}")
    } else {
        format!("PyInitU_{}", punycode(name).replace('-', "_"))
    }
}

/// RFC 3492 bootstring encoding, as Python's `punycode` codec does it: the
/// ASCII characters in order, a `-` if there were any, then the deltas.
fn punycode(input: &str) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn digit(d: u32) -> char {
        (if d < 26 { b'a' + d as u8 } else { b'0' + (d - 26) as u8 }) as char
    }
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta /= if first { DAMP } else { 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let chars: Vec<u32> = input.chars().map(|c| c as u32).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (0x80u32, 0u64, 72u32, basic);
    while (handled as usize) < chars.len() {
        let m = chars.iter().copied().filter(|&c| c >= n).min().unwrap_or(n);
        delta += (m - n) as u64 * (handled as u64 + 1);
        n = m;
        for &c in &chars {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta as u32;
                let mut k = BASE;
                loop {
                    let t = if k <= bias { TMIN } else if k >= bias + TMAX { TMAX } else { k - bias };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta as u32, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

/// A dunder name (`__name__`, `__getattr__` …): the module or its loader may
/// have bound it before the module's code runs.
fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// PyMethodDef[]: {name, meth, flags, doc}, 32 bytes each, zero-terminated.
fn method_table(em: &mut Emitter, symbol: &str, wrappers: &[&(&&Function, ClifFuncId)], py_minor: u32) -> R<DataId> {
    let table = em.module.declare_data(&em.symbol(symbol), Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    let mut bytes = vec![0u8; 32 * (wrappers.len() + 1)];
    for (i, (f, _)) in wrappers.iter().enumerate() {
        let flags = match call_kind(f, py_minor) {
            CallKind::NoArgs => METH_NOARGS,
            CallKind::O | CallKind::OKeywords => METH_O,
            CallKind::FastCall => METH_VARARGS_FASTCALL_KEYWORDS,
        };
        bytes[32 * i + 16..32 * i + 20].copy_from_slice(&flags.to_le_bytes());
    }
    desc.define(bytes.into_boxed_slice());
    for (i, (f, wrapper)) in wrappers.iter().enumerate() {
        let name = em.cstring(&f.name)?;
        let doc = em.cstring(&method_doc(f))?;
        let gv_name = em.module.declare_data_in_data(name, &mut desc);
        let gv_doc = em.module.declare_data_in_data(doc, &mut desc);
        let fr = em.module.declare_func_in_data(*wrapper, &mut desc);
        desc.write_data_addr((32 * i) as u32, gv_name, 0);
        desc.write_function_addr((32 * i + 8) as u32, fr);
        desc.write_data_addr((32 * i + 24) as u32, gv_doc, 0);
    }
    em.module.define_data(table, &desc).map_err(|e| e.to_string())?;
    Ok(table)
}

/// Module-dict name of the late-bound functions while the module's code runs.
const LATE_GLOBAL: &str = "__pyc_aot_late__";

/// The residual source with each late function bound on its (blanked) `def`
/// line, as the `def` would bind it; those whose line is not blank (none
/// should be) are returned to be bound before the code runs.
fn bind_late_in_source(src: &str, late: &[(String, u32)]) -> (String, Vec<String>) {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    let mut early = vec![];
    for (name, line) in late {
        let k = (*line as usize).wrapping_sub(1);
        match lines.get_mut(k) {
            Some(l) if l.trim().is_empty() => {
                let ending = &l[l.trim_end_matches(['\r', '\n']).len()..];
                *l = format!("{name} = {LATE_GLOBAL}.pop({}){ending}", py_str(name));
            }
            _ => early.push(name.clone()),
        }
    }
    (lines.concat(), early)
}

/// Declares the module's exported `PyInit_<name>() -> PyObject*` and an
/// empty function to build it in (`index` keeps CLIF names distinct).
fn declare_pyinit(em: &mut Emitter, m: &hir::Module, index: u32) -> R<(ClifFuncId, ir::Function)> {
    let mut sig = em.module.make_signature();
    sig.returns.push(ir::AbiParam::new(em.ptr));
    let init = em
        .module
        .declare_function(&init_symbol(&m.name), Linkage::Export, &sig)
        .map_err(|e| e.to_string())?;
    Ok((init, ir::Function::with_name_signature(ir::UserFuncName::user(1, index), sig)))
}

fn finish(cx: FnCx) -> R<()> {
    let FnCx { em, mut b, .. } = cx;
    b.seal_all_blocks();
    b.finalize(em.module.isa().frontend_config());
    Ok(())
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn emit_exec(
    em: &mut Emitter,
    m: &hir::Module,
    exported: &[&Function],
    keyword_entries: &[(String, ClifFuncId)],
    target: &crate::target::Target,
    (late_table, late_names): (DataId, &[String]),
) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    sig.params.push(ir::AbiParam::new(p));
    sig.returns.push(ir::AbiParam::new(types::I32));
    let id = em.module.declare_function(&em.symbol("pyc_aot_exec"), Linkage::Local, &sig).map_err(|e| e.to_string())?;
    // The shim is the same text in every module: it is compiled once per
    // process and shared through sys.modules under a key naming its content.
    let shim = shared_shim_source();
    let shim_key = format!("_pyc_aot_shim_{:016x}", fnv1a(shim.as_bytes()));
    // What is particular to this module (and variant) runs in a namespace of its own.
    let mut own = String::new();
    if !target.requires.is_empty() {
        let list: Vec<String> = target.requires.iter().map(|r| py_str(r)).collect();
        own.push_str(&format!("{CPU_CHECK_SOURCE}__pyc_aot_check_cpu({}, {}, [{}])\n", py_str(&m.name), py_str(&target.name), list.join(", ")));
    }
    for f in exported {
        own.push_str(&binder_source(f));
    }
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(1, 1), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        let fail = cx.b.create_block();
        cx.b.set_cold_block(fail);
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let module = cx.b.block_params(entry)[0];

        // Leaves through `fail` when `v` is NULL (or negative, for int results).
        let check_null = |cx: &mut FnCx, v: Value| {
            let bad = cx.is_null(v);
            let ok = cx.b.create_block();
            cx.b.ins().brif(bad, fail, &[], ok, &[]);
            cx.b.switch_to_block(ok);
        };
        let check_neg = |cx: &mut FnCx, v: Value| {
            let bad = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
            let ok = cx.b.create_block();
            cx.b.ins().brif(bad, fail, &[], ok, &[]);
            cx.b.switch_to_block(ok);
        };
        let set_item = |cx: &mut FnCx, dict: Value, key: &str, val: Value| -> R<()> {
            let k = cx.cstr(key)?;
            let r = cx.call_c("PyDict_SetItemString", &[p, p, p], &[types::I32], &[dict, k, val])?[0];
            check_neg(cx, r);
            Ok(())
        };
        let run = |cx: &mut FnCx, src: &str, filename: &str, globals: Value| -> R<()> {
            let s = cx.cstr(src)?;
            let f = cx.cstr(filename)?;
            let mode = cx.b.ins().iconst(types::I32, PY_FILE_INPUT);
            let code = cx.call_c("Py_CompileString", &[p, p, types::I32], &[p], &[s, f, mode])?[0];
            check_null(cx, code);
            let r = cx.call_c("PyEval_EvalCode", &[p, p, p], &[p], &[code, globals, globals])?[0];
            cx.decref(code)?;
            check_null(cx, r);
            cx.decref(r)
        };

        let builtins = cx.call_c("PyEval_GetBuiltins", &[], &[p], &[])?[0];
        let modules = cx.call_c("PyImport_GetModuleDict", &[], &[p], &[])?[0];
        let key = cx.cstr(&shim_key)?;
        let existing = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[modules, key])?[0];
        let (create, have) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(have, p);
        let missing = cx.is_null(existing);
        cx.b.ins().brif(missing, create, &[], have, &[BlockArg::Value(existing)]);
        cx.b.switch_to_block(create);
        let name = cx.cstr("cython")?;
        let fresh = cx.call_c("PyModule_New", &[p], &[p], &[name])?[0];
        check_null(&mut cx, fresh);
        let fresh_dict = cx.call_c("PyModule_GetDict", &[p], &[p], &[fresh])?[0];
        set_item(&mut cx, fresh_dict, "__builtins__", builtins)?;
        let true_obj = cx.py_data("_Py_TrueStruct")?;
        set_item(&mut cx, fresh_dict, "__pyc_aot_compiled__", true_obj)?;
        match cx.em.shim_code.clone() {
            Some(bytes) => {
                // One copy per object, shared by a fat module's variants.
                let data = match cx.em.shim_data {
                    Some(d) => d,
                    None => {
                        let d = cx.em.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
                        let mut desc = DataDescription::new();
                        desc.define(bytes.clone().into_boxed_slice());
                        cx.em.module.define_data(d, &desc).map_err(|e| e.to_string())?;
                        cx.em.shim_data = Some(d);
                        d
                    }
                };
                // zlib.decompress(bytes) then marshal: the interpreter's own zlib.
                let addr = cx.data_addr(data);
                let len = cx.b.ins().iconst(p, bytes.len() as i64);
                let packed = cx.call_c("PyBytes_FromStringAndSize", &[p, p], &[p], &[addr, len])?[0];
                check_null(&mut cx, packed);
                let zname = cx.cstr("zlib")?;
                let zlib = cx.call_c("PyImport_ImportModule", &[p], &[p], &[zname])?[0];
                check_null(&mut cx, zlib);
                let dname = cx.cstr("decompress")?;
                let decompress = cx.call_c("PyObject_GetAttrString", &[p, p], &[p], &[zlib, dname])?[0];
                cx.decref(zlib)?;
                check_null(&mut cx, decompress);
                let raw = cx.call_one_arg(decompress, packed)?;
                cx.decref(decompress)?;
                cx.decref(packed)?;
                check_null(&mut cx, raw);
                let raw_ptr = cx.call_c("PyBytes_AsString", &[p], &[p], &[raw])?[0];
                let raw_len = cx.call_c("PyBytes_Size", &[p], &[p], &[raw])?[0];
                let code = cx.call_c("PyMarshal_ReadObjectFromString", &[p, p], &[p], &[raw_ptr, raw_len])?[0];
                cx.decref(raw)?;
                check_null(&mut cx, code);
                let r = cx.call_c("PyEval_EvalCode", &[p, p, p], &[p], &[code, fresh_dict, fresh_dict])?[0];
                cx.decref(code)?;
                check_null(&mut cx, r);
                cx.decref(r)?;
            }
            None => run(&mut cx, &shim, "<pyc-aot cython shim>", fresh_dict)?,
        }
        set_item(&mut cx, modules, &shim_key, fresh)?;
        cx.decref(fresh)?;
        cx.b.ins().jump(have, &[BlockArg::Value(fresh)]);
        cx.b.switch_to_block(have);
        // Borrowed: sys.modules keeps the shared shim alive.
        let shim_mod = cx.b.block_params(have)[0];
        let shim_dict = cx.call_c("PyModule_GetDict", &[p], &[p], &[shim_mod])?[0];
        let own_dict = cx.call_c("PyDict_New", &[], &[p], &[])?[0];
        check_null(&mut cx, own_dict);
        set_item(&mut cx, own_dict, "__builtins__", builtins)?;
        if !own.is_empty() {
            run(&mut cx, &own, "<pyc-aot module helpers>", own_dict)?;
        }

        let helpers = cx.em.helpers;
        let table = cx.data_addr(helpers);
        let fill = |cx: &mut FnCx, dict: Value, key: &str, slot: usize| -> R<()> {
            let k = cx.cstr(key)?;
            let obj = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[dict, k])?[0];
            let missing = cx.is_null(obj);
            let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(missing, bad, &[], ok, &[]);
            cx.b.switch_to_block(bad);
            let exc = cx.py_data("PyExc_SystemError")?;
            let exc = cx.b.ins().load(p, flags(), exc, 0);
            let msg = cx.cstr(&format!("pyc-aot: the module's helper `{key}` is missing"))?;
            cx.call_c("PyErr_SetString", &[p, p], &[], &[exc, msg])?;
            cx.b.ins().jump(fail, &[]);
            cx.b.switch_to_block(ok);
            cx.call_c("Py_IncRef", &[p], &[], &[obj])?;
            cx.b.ins().store(flags(), obj, table, (8 * slot) as i32);
            Ok(())
        };
        fill(&mut cx, builtins, "round", HELPER_ROUND)?;
        fill(&mut cx, shim_dict, "__pyc_aot_buffer_error", HELPER_BUFFER_ERROR)?;
        for (k, f) in exported.iter().enumerate() {
            fill(&mut cx, own_dict, &binder_name(f), HELPER_BINDERS + k)?;
        }
        cx.decref(own_dict)?;

        let mod_dict = cx.call_c("PyModule_GetDict", &[p], &[p], &[module])?[0];
        let late_positions: Vec<(String, u32)> =
            late_names.iter().filter_map(|n| exported.iter().find(|f| &f.name == n).map(|f| (n.clone(), f.line))).collect();
        let (source, bind_early) = bind_late_in_source(&m.python_source, &late_positions);
        let late_dict = if late_names.is_empty() {
            None
        } else {
            let d = cx.call_c("PyDict_New", &[], &[p], &[])?[0];
            check_null(&mut cx, d);
            let modname = cx.call_c("PyModule_GetNameObject", &[p], &[p], &[module])?[0];
            check_null(&mut cx, modname);
            let table = cx.data_addr(late_table);
            for (i, name) in late_names.iter().enumerate() {
                let ml = cx.b.ins().iadd_imm_s(table, 32 * i as i64);
                let fobj = cx.call_c("PyCFunction_NewEx", &[p, p, p], &[p], &[ml, module, modname])?[0];
                check_null(&mut cx, fobj);
                set_item(&mut cx, d, name, fobj)?;
                cx.decref(fobj)?;
            }
            cx.decref(modname)?;
            Some(d)
        };
        // METH_O functions that take their argument by keyword too: their
        // vectorcall slot (used for every call CPython does not specialise,
        // e.g. with keywords) gets an entry that handles keywords.
        let cfunction_type = if keyword_entries.is_empty() { None } else { Some(cx.py_data("PyCFunction_Type")?) };
        for (name, entry) in keyword_entries {
            let Some(cfunction_type) = cfunction_type else { break };
            let k = cx.cstr(name)?;
            let dict = match late_dict {
                Some(d) if late_names.contains(name) => d,
                _ => mod_dict,
            };
            let obj = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[dict, k])?[0];
            let (check, patch, next) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            let missing = cx.is_null(obj);
            cx.b.ins().brif(missing, next, &[], check, &[]);
            cx.b.switch_to_block(check);
            let ty = cx.b.ins().load(p, flags(), obj, 8);
            let is_cfunction = cx.b.ins().icmp(IntCC::Equal, ty, cfunction_type);
            let offset = cx.b.ins().load(p, flags(), ty, TP_VECTORCALL_OFFSET);
            let has_slot = cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, offset, 0);
            let ok = cx.b.ins().band(is_cfunction, has_slot);
            cx.b.ins().brif(ok, patch, &[], next, &[]);
            cx.b.switch_to_block(patch);
            let r = cx.func_ref(*entry);
            let addr = cx.b.ins().func_addr(p, r);
            let slot = cx.b.ins().iadd(obj, offset);
            cx.b.ins().store(flags(), addr, slot, 0);
            cx.b.ins().jump(next, &[]);
            cx.b.switch_to_block(next);
        }
        set_item(&mut cx, mod_dict, hir::SHIM_GLOBAL, shim_mod)?;
        set_item(&mut cx, mod_dict, "__builtins__", builtins)?;
        let tname = cx.cstr(&target.name)?;
        let tobj = cx.call_c("PyUnicode_FromString", &[p], &[p], &[tname])?[0];
        check_null(&mut cx, tobj);
        set_item(&mut cx, mod_dict, "__pyc_aot_target__", tobj)?;
        cx.decref(tobj)?;
        if let Some(d) = late_dict {
            for name in &bind_early {
                let k = cx.cstr(name)?;
                let obj = cx.call_c("PyDict_GetItemString", &[p, p], &[p], &[d, k])?[0];
                check_null(&mut cx, obj);
                set_item(&mut cx, mod_dict, name, obj)?;
            }
            set_item(&mut cx, mod_dict, LATE_GLOBAL, d)?;
            cx.decref(d)?;
        }
        run(&mut cx, &source, &m.source_path, mod_dict)?;
        if late_dict.is_some() {
            let k = cx.cstr(LATE_GLOBAL)?;
            let r = cx.call_c("PyDict_DelItemString", &[p, p], &[types::I32], &[mod_dict, k])?[0];
            let (clear, done) = (cx.b.create_block(), cx.b.create_block());
            let failed = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
            cx.b.ins().brif(failed, clear, &[], done, &[]);
            cx.b.switch_to_block(clear);
            // The module's code may have deleted it itself.
            cx.call_c("PyErr_Clear", &[], &[], &[])?;
            cx.b.ins().jump(done, &[]);
            cx.b.switch_to_block(done);
        }
        let ok = cx.b.ins().iconst(types::I32, 0);
        cx.b.ins().return_(&[ok]);

        cx.b.switch_to_block(fail);
        let err = cx.b.ins().iconst(types::I32, -1);
        cx.b.ins().return_(&[err]);
        finish(cx)?;
    }
    em.define(id, func, "module exec")?;
    Ok(id)
}

pub(crate) fn shared_shim_source() -> String {
    format!("{SHIM_SOURCE}{BUFFER_ERROR_SOURCE}")
}

/// FNV-1a: a stable name for the shim's text across builds and compilers.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}

/// State of one wrapper being built: where failures go and what to release.
struct Wrapper<'a, 'b> {
    cx: FnCx<'a, 'b>,
    /// `Py_buffer`s acquired so far on the current path, released on every exit.
    buffers: Vec<ir::StackSlot>,
    written: HashSet<(FuncId, usize)>,
    /// Returns NULL after releasing the bound-arguments tuple (block param, may be NULL).
    fail: Block,
    owned: Value,
}

/// Which part of a FASTCALL wrapper a function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WrapperPart {
    /// The whole wrapper (NOARGS, O), or the fast path that hands anything
    /// unusual to the binder path (a separate function, so the fast path keeps
    /// no values across calls and saves no callee-saved registers).
    Entry(Option<ClifFuncId>),
    /// Keywords, defaults or a wrong count, sorted out by the binder.
    Binder,
}

fn emit_wrapper(
    em: &mut Emitter,
    m: &hir::Module,
    f: &Function,
    binder_slot: usize,
    py_minor: u32,
    recursive: &HashSet<FuncId>,
    written: &HashSet<(FuncId, usize)>,
) -> R<(ClifFuncId, Option<ClifFuncId>)> {
    let kind = call_kind(f, py_minor);
    let slow = if matches!(kind, CallKind::FastCall | CallKind::OKeywords) {
        Some(emit_wrapper_part(em, m, f, binder_slot, py_minor, recursive, written, WrapperPart::Binder)?)
    } else {
        None
    };
    let entry_slow = if kind == CallKind::FastCall { slow } else { None };
    let entry = emit_wrapper_part(em, m, f, binder_slot, py_minor, recursive, written, WrapperPart::Entry(entry_slow))?;
    let vectorcall = match (kind, slow) {
        (CallKind::OKeywords, Some(binder)) => Some(emit_keyword_vectorcall(em, f, entry, binder)?),
        _ => None,
    };
    Ok((entry, vectorcall))
}

/// The vectorcall entry of a `CallKind::OKeywords` function: one positional
/// argument goes to the `METH_O` wrapper, anything else to the binder path.
fn emit_keyword_vectorcall(em: &mut Emitter, f: &Function, meth_o: ClifFuncId, binder: ClifFuncId) -> R<ClifFuncId> {
    let p = em.ptr;
    let mut sig = em.module.make_signature();
    for t in [p, p, types::I64, p] {
        sig.params.push(ir::AbiParam::new(t));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let id = em
        .module
        .declare_function(&em.symbol(&format!("pyc_aot_vectorcall_{}", f.name)), Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(4, f.id.0), sig);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        cx.b.switch_to_block(entry);
        let params = cx.b.block_params(entry).to_vec();
        let (callable, args, nargsf, kwnames) = (params[0], params[1], params[2], params[3]);
        let module = cx.b.ins().load(p, flags(), callable, CFUNCTION_SELF);
        // The top bit is PY_VECTORCALL_ARGUMENTS_OFFSET.
        let nargs = cx.b.ins().band_imm_s(nargsf, i64::MAX);
        let (positional, one, other) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
        let exact = cx.b.ins().icmp_imm_s(IntCC::Equal, nargs, 1);
        cx.b.ins().brif(exact, positional, &[], other, &[]);
        cx.b.switch_to_block(positional);
        let no_kw = cx.is_null(kwnames);
        cx.b.ins().brif(no_kw, one, &[], other, &[]);
        cx.b.switch_to_block(one);
        let arg = cx.b.ins().load(p, flags(), args, 0);
        let r = cx.func_ref(meth_o);
        let inst = cx.b.ins().call(r, &[module, arg]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        cx.b.switch_to_block(other);
        let r = cx.func_ref(binder);
        let inst = cx.b.ins().call(r, &[module, args, nargs, kwnames]);
        let res = cx.b.inst_results(inst)[0];
        cx.b.ins().return_(&[res]);
        finish(cx)?;
    }
    em.define(id, func, &format!("vectorcall entry of {}", f.name))?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
fn emit_wrapper_part(
    em: &mut Emitter,
    m: &hir::Module,
    f: &Function,
    binder_slot: usize,
    py_minor: u32,
    recursive: &HashSet<FuncId>,
    written: &HashSet<(FuncId, usize)>,
    part: WrapperPart,
) -> R<ClifFuncId> {
    let p = em.ptr;
    let kind = call_kind(f, py_minor);
    let mut sig = em.module.make_signature();
    let nparams = if kind == CallKind::FastCall || part == WrapperPart::Binder { 4 } else { 2 };
    let param_types = [p, p, types::I64, p];
    for t in &param_types[..nparams] {
        sig.params.push(ir::AbiParam::new(*t));
    }
    sig.returns.push(ir::AbiParam::new(p));
    let base = if part == WrapperPart::Binder { "pyc_aot_wrap_slow" } else { "pyc_aot_wrap" };
    let id = em
        .module
        .declare_function(&em.symbol(&format!("{base}_{}", f.name)), Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    let ns = if part == WrapperPart::Binder { 3 } else { 2 };
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(ns, f.id.0), sig.clone());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
        let entry = cx.b.create_block();
        cx.b.append_block_params_for_function_params(entry);
        let fail = cx.b.create_block();
        cx.b.append_block_param(fail, p);
        cx.b.set_cold_block(fail);
        cx.b.switch_to_block(entry);
        let params = cx.b.block_params(entry).to_vec();
        let null = cx.b.ins().iconst(p, 0);
        let mut w = Wrapper { cx, fail, owned: null, buffers: vec![], written: written.clone() };
        match kind {
            CallKind::NoArgs => w.call_path(m, f, null, None, recursive)?,
            CallKind::O | CallKind::OKeywords if part != WrapperPart::Binder => {
                // METH_O passes the object itself; give it a one-slot argv.
                let slot = w.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
                w.cx.b.ins().stack_store(p, params[1], slot, 0);
                let argv = w.cx.b.ins().stack_addr(p, slot, 0);
                w.call_path(m, f, argv, None, recursive)?;
            }
            CallKind::FastCall if part != WrapperPart::Binder => {
                let (args, nargs, kwnames) = (params[1], params[2], params[3]);
                let (fast, slow) = (w.cx.b.create_block(), w.cx.b.create_block());
                w.cx.b.set_cold_block(slow);
                let has_kwonly = f.params.iter().any(|q| q.kind == ParamKind::KeywordOnly);
                if has_kwonly {
                    w.cx.b.ins().jump(slow, &[]);
                } else {
                    // Two compare-and-branch pairs: cheaper than combining the flags.
                    let exact = w.cx.b.ins().icmp_imm_s(IntCC::Equal, nargs, f.params.len() as i64);
                    let positional = w.cx.b.create_block();
                    w.cx.b.ins().brif(exact, positional, &[], slow, &[]);
                    w.cx.b.switch_to_block(positional);
                    let no_kw = w.cx.is_null(kwnames);
                    w.cx.b.ins().brif(no_kw, fast, &[], slow, &[]);
                    w.cx.b.switch_to_block(fast);
                    w.call_path(m, f, args, None, recursive)?;
                }
                w.cx.b.switch_to_block(slow);
                let WrapperPart::Entry(Some(binder_part)) = part else { return Err("a FASTCALL wrapper without its binder part".into()) };
                let r = w.cx.func_ref(binder_part);
                let inst = w.cx.b.ins().call(r, &params);
                let res = w.cx.b.inst_results(inst)[0];
                w.cx.b.ins().return_(&[res]);
            }
            CallKind::O | CallKind::OKeywords | CallKind::FastCall => {
                let (args, nargs, kwnames) = (params[1], params[2], params[3]);
                // Keywords, defaults or a wrong count: the binder sorts them out
                // (or raises CPython's own TypeError) and returns a tuple.
                let helpers = w.cx.em.helpers;
                let table = w.cx.data_addr(helpers);
                let binder = w.cx.b.ins().load(p, flags(), table, (8 * binder_slot) as i32);
                let tuple = w.cx.vectorcall(binder, args, nargs, kwnames)?;
                let bad = w.cx.is_null(tuple);
                let ok = w.cx.b.create_block();
                w.cx.b.ins().brif(bad, fail, &[BlockArg::Value(null)], ok, &[]);
                w.cx.b.switch_to_block(ok);
                let items = w.cx.b.ins().iadd_imm_s(tuple, pyabi::TUPLE_ITEMS);
                w.call_path(m, f, items, Some(tuple), recursive)?;
            }
        }

        w.cx.b.switch_to_block(fail);
        let owned_on_fail = w.cx.b.block_params(fail)[0];
        let (release, out) = (w.cx.b.create_block(), w.cx.b.create_block());
        let has = w.cx.b.ins().icmp_imm_s(IntCC::NotEqual, owned_on_fail, 0);
        w.cx.b.ins().brif(has, release, &[], out, &[]);
        w.cx.b.switch_to_block(release);
        w.cx.decref(owned_on_fail)?;
        w.cx.b.ins().jump(out, &[]);
        w.cx.b.switch_to_block(out);
        let null = w.cx.b.ins().iconst(p, 0);
        w.cx.b.ins().return_(&[null]);
        finish(w.cx)?;
    }
    let title = if part == WrapperPart::Binder { "binder path of" } else { "wrapper of" };
    em.define(id, func, &format!("{title} {}", f.name))?;
    Ok(id)
}

impl Wrapper<'_, '_> {
    /// Unbox the arguments at `argv`, run the function (its body in place when
    /// small, a native call otherwise) and return its boxed result. `owned` is
    /// the binder's tuple holding the arguments, released once they are unboxed.
    fn call_path(&mut self, m: &hir::Module, f: &Function, argv: Value, owned: Option<Value>, recursive: &HashSet<FuncId>) -> R<()> {
        let p = self.cx.em.ptr;
        self.owned = match owned {
            Some(t) => t,
            None => self.cx.b.ins().iconst(p, 0),
        };
        self.buffers.clear();
        // Scalars first: a failure there has no buffer to release yet.
        let mut scalars = vec![];
        for (i, param) in f.params.iter().enumerate() {
            if !matches!(param.ty, Ty::View(_)) {
                let obj = self.cx.b.ins().load(p, flags(), argv, (8 * i) as i32);
                scalars.push(Some(self.unbox(obj, param.ty)?));
            } else {
                scalars.push(None);
            }
        }
        let mut values = vec![];
        for (i, param) in f.params.iter().enumerate() {
            match (param.ty, scalars[i]) {
                (Ty::View(v), _) => {
                    let obj = self.cx.b.ins().load(p, flags(), argv, (8 * i) as i32);
                    let writable = self.written.contains(&(f.id, i));
                    values.extend(self.acquire_view(obj, v, &param.name, writable, param.accepts_none)?);
                }
                (_, Some(x)) => values.push(x),
                _ => return Err("parameter without a value".into()),
            }
        }
        if let Some(t) = owned {
            self.cx.decref(t)?;
        }
        let sp = self.cx.b.ins().get_stack_pointer(p);
        let mut limit = self.cx.b.ins().iadd_imm_s(sp, -stack::SOFT_BUDGET);
        let null = self.cx.b.ins().iconst(p, 0);
        if has_big_frame(f) {
            let low = self.cx.b.ins().iadd_imm_s(sp, -frame_estimate(f));
            let (cont, _) = stack::check(&mut self.cx, low, limit)?;
            self.release_buffers(self.buffers.len())?;
            self.cx.b.ins().return_(&[null]);
            self.cx.b.switch_to_block(cont);
            limit = self.cx.b.block_params(cont)[0];
        }
        if worth_lowering_in_place(f) {
            let done = lower_in_place(&mut self.cx, m, f, &values, limit, recursive)?;
            self.cx.b.switch_to_block(done.failed);
            stack::reset_traceback_count(&mut self.cx);
            self.release_buffers(self.buffers.len())?;
            self.cx.b.ins().return_(&[null]);
            self.cx.b.switch_to_block(done.ok);
            let v = self.cx.b.block_params(done.ok)[0];
            self.release_buffers(self.buffers.len())?;
            let boxed = self.boxed(Some(v).filter(|_| f.ret != Ty::Void), f.ret)?;
            self.cx.b.ins().return_(&[boxed]);
            return Ok(());
        }
        values.push(limit);
        let native = self.cx.em.native_id(f.id);
        let r = self.cx.func_ref(native);
        let inst = self.cx.b.ins().call(r, &values);
        let results = self.cx.b.inst_results(inst).to_vec();
        self.release_buffers(self.buffers.len())?;
        let err = *results.last().ok_or("native function without error flag")?;
        let (raised, ok) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.ins().brif(err, raised, &[], ok, &[]);
        self.cx.b.switch_to_block(raised);
        stack::reset_traceback_count(&mut self.cx);
        self.cx.b.ins().return_(&[null]);
        self.cx.b.switch_to_block(ok);
        let boxed = self.boxed(results.first().copied().filter(|_| results.len() == 2), f.ret)?;
        self.cx.b.ins().return_(&[boxed]);
        Ok(())
    }

    fn release_buffers(&mut self, count: usize) -> R<()> {
        let p = self.cx.em.ptr;
        for slot in self.buffers[..count].to_vec() {
            let addr = self.cx.b.ins().stack_addr(p, slot, 0);
            self.cx.call_c("PyBuffer_Release", &[p], &[], &[addr])?;
        }
        Ok(())
    }

    /// `PyObject_GetBuffer` with strides and format, checked against the
    /// declared memoryview type; returns data pointer, shape and strides.
    fn acquire_view(&mut self, obj: Value, v: ViewTy, name: &str, writable: bool, accepts_none: bool) -> R<Vec<Value>> {
        let p = self.cx.em.ptr;
        if !accepts_none {
            return self.acquire_buffer(obj, v, name, writable, None);
        }
        // `= None`: None becomes a view with a null data pointer and empty
        // shape; its Py_buffer has no owner, so releasing it is a no-op.
        let slot = self.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 80, 3));
        let none = self.cx.py_data("_Py_NoneStruct")?;
        let is_none = self.cx.b.ins().icmp(IntCC::Equal, obj, none);
        let (none_b, some_b, join) = (self.cx.b.create_block(), self.cx.b.create_block(), self.cx.b.create_block());
        let n = 1 + 2 * v.ndim as usize;
        for _ in 0..n {
            self.cx.b.append_block_param(join, types::I64);
        }
        self.cx.b.ins().brif(is_none, none_b, &[], some_b, &[]);
        self.cx.b.switch_to_block(none_b);
        let zero = self.cx.b.ins().iconst(types::I64, 0);
        self.cx.b.ins().stack_store(p, zero, slot, 8);
        let zeros = vec![BlockArg::Value(zero); n];
        self.cx.b.ins().jump(join, &zeros);
        self.cx.b.switch_to_block(some_b);
        let parts = self.acquire_buffer(obj, v, name, writable, Some(slot))?;
        self.buffers.pop();
        let args: Vec<BlockArg> = parts.into_iter().map(BlockArg::Value).collect();
        self.cx.b.ins().jump(join, &args);
        self.cx.b.switch_to_block(join);
        self.buffers.push(slot);
        Ok(self.cx.b.block_params(join).to_vec())
    }

    fn acquire_buffer(&mut self, obj: Value, v: ViewTy, name: &str, writable: bool, slot: Option<ir::StackSlot>) -> R<Vec<Value>> {
        const PYBUF_RECORDS_RO: i64 = 0x0018 | 0x0004;
        let p = self.cx.em.ptr;
        let none_ok = slot.is_some();
        let slot = match slot {
            Some(s) => s,
            None => self.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 80, 3)),
        };
        let held = self.buffers.len();
        // Leaves through `fail` after releasing the buffers acquired before this one.
        let reject = |w: &mut Self, cond: Value, check: &str, release_this: bool| -> R<()> {
            let (bad, ok) = (w.cx.b.create_block(), w.cx.b.create_block());
            w.cx.b.set_cold_block(bad);
            w.cx.b.ins().brif(cond, bad, &[], ok, &[]);
            w.cx.b.switch_to_block(bad);
            if release_this {
                let addr = w.cx.b.ins().stack_addr(p, slot, 0);
                w.cx.call_c("PyBuffer_Release", &[p], &[], &[addr])?;
            }
            if !check.is_empty() {
                let info = w.cx.cstr(&format!("{name}|{}|{}|{check}", v.elem.c_name(), v.ndim))?;
                let info = w.cx.call_c("PyUnicode_FromString", &[p], &[p], &[info])?[0];
                let helpers = w.cx.em.helpers;
                let table = w.cx.data_addr(helpers);
                let explain = w.cx.b.ins().load(p, flags(), table, (8 * HELPER_BUFFER_ERROR) as i32);
                let args = w.cx.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 16, 3));
                w.cx.b.ins().stack_store(p, obj, args, 0);
                w.cx.b.ins().stack_store(p, info, args, 8);
                let argv = w.cx.b.ins().stack_addr(p, args, 0);
                let two = w.cx.b.ins().iconst(p, 2);
                let nokw = w.cx.b.ins().iconst(p, 0);
                let r = w.cx.vectorcall(explain, argv, two, nokw)?;
                w.cx.call_c("Py_DecRef", &[p], &[], &[info])?;
                // The helper always raises; should it ever return, drop the result.
                let (drop_it, go) = (w.cx.b.create_block(), w.cx.b.create_block());
                let some = w.cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                w.cx.b.ins().brif(some, drop_it, &[], go, &[]);
                w.cx.b.switch_to_block(drop_it);
                w.cx.call_c("Py_DecRef", &[p], &[], &[r])?;
                w.cx.b.ins().jump(go, &[]);
                w.cx.b.switch_to_block(go);
            }
            w.release_buffers(held)?;
            w.cx.b.ins().jump(w.fail, &[BlockArg::Value(w.owned)]);
            w.cx.b.switch_to_block(ok);
            Ok(())
        };
        if !none_ok {
            let none = self.cx.py_data("_Py_NoneStruct")?;
            let is_none = self.cx.b.ins().icmp(IntCC::Equal, obj, none);
            reject(self, is_none, "none", false)?;
        }
        let addr = self.cx.b.ins().stack_addr(p, slot, 0);
        let flags_v = self.cx.b.ins().iconst(types::I32, PYBUF_RECORDS_RO);
        let r = self.cx.call_c("PyObject_GetBuffer", &[p, p, types::I32], &[types::I32], &[obj, addr, flags_v])?[0];
        let failed = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
        reject(self, failed, "", false)?;
        let ld = |w: &mut Self, t: ir::Type, off: i32| w.cx.b.ins().stack_load(p, t, slot, off);
        let ndim = ld(self, types::I32, 36);
        let bad_ndim = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, ndim, v.ndim as i64);
        reject(self, bad_ndim, "ndim", true)?;
        // Format: NULL means 'B'; skip a native/little-endian prefix; one code, then NUL.
        let itemsize = ld(self, types::I64, 24);
        let bad_size = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, itemsize, v.elem.size() as i64);
        reject(self, bad_size, "dtype", true)?;
        let fmt = ld(self, p, 40);
        let fmt_null = self.cx.is_null(fmt);
        let code = {
            let (have, join) = (self.cx.b.create_block(), self.cx.b.create_block());
            self.cx.b.append_block_param(join, p);
            let b_code = self.cx.b.ins().iconst(p, b'B' as i64);
            self.cx.b.ins().brif(fmt_null, join, &[BlockArg::Value(b_code)], have, &[]);
            self.cx.b.switch_to_block(have);
            let c0 = self.cx.b.ins().uload8(types::I64, flags(), fmt, 0);
            let c1 = self.cx.b.ins().uload8(types::I64, flags(), fmt, 1);
            let c2 = self.cx.b.ins().uload8(types::I64, flags(), fmt, 2);
            let mut prefixed = self.cx.b.ins().iconst(types::I8, 0);
            for pre in [b'@', b'=', b'<'] {
                let is = self.cx.b.ins().icmp_imm_s(IntCC::Equal, c0, pre as i64);
                prefixed = self.cx.b.ins().bor(prefixed, is);
            }
            let ch = self.cx.b.ins().select(prefixed, c1, c0);
            let after = self.cx.b.ins().select(prefixed, c2, c1);
            // A second code character (e.g. "2d" or "dd") is not a scalar buffer.
            let trailing = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, after, 0);
            let zero = self.cx.b.ins().iconst(p, 0);
            let ch = self.cx.b.ins().select(trailing, zero, ch);
            self.cx.b.ins().jump(join, &[BlockArg::Value(ch)]);
            self.cx.b.switch_to_block(join);
            self.cx.b.block_params(join)[0]
        };
        let mut ok_fmt = self.cx.b.ins().iconst(types::I8, 0);
        for c in v.elem.formats() {
            let is = self.cx.b.ins().icmp_imm_s(IntCC::Equal, code, *c as i64);
            ok_fmt = self.cx.b.ins().bor(ok_fmt, is);
        }
        let bad_fmt = self.cx.b.ins().icmp_imm_s(IntCC::Equal, ok_fmt, 0);
        reject(self, bad_fmt, "dtype", true)?;
        if writable {
            let ro = ld(self, types::I32, 32);
            let is_ro = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, ro, 0);
            reject(self, is_ro, "readonly", true)?;
        }
        let data = ld(self, p, 0);
        let shape_ptr = ld(self, p, 48);
        let strides_ptr = ld(self, p, 56);
        let mut shape = vec![];
        let mut strides = vec![];
        for k in 0..v.ndim as i32 {
            shape.push(self.cx.b.ins().load(types::I64, flags(), shape_ptr, 8 * k));
            strides.push(self.cx.b.ins().load(types::I64, flags(), strides_ptr, 8 * k));
        }
        // `T[:, ::1]` / `T[::1, :]` are Cython's C- / Fortran-contiguous arrays:
        // every axis of length above one has the stride of a packed layout.
        let nd = v.ndim as usize;
        let layouts: [(bool, Vec<usize>, &str); 2] =
            [(v.c_contig, (0..nd).rev().collect(), "contig"), (v.f_contig, (0..nd).collect(), "fcontig")];
        for (wanted, order, check) in layouts {
            if wanted {
                let bad = self.not_packed(&shape, &strides, &order, v.elem.size() as i64);
                reject(self, bad, check, true)?;
            }
        }
        self.buffers.push(slot);
        let mut out = vec![data];
        out.extend(shape);
        out.extend(strides);
        Ok(out)
    }

    /// Whether a non-empty buffer's strides differ from those of a packed
    /// layout whose axes, fastest first, are `order` (an empty buffer, with a
    /// zero-length axis, fits every layout, as NumPy says).
    fn not_packed(&mut self, shape: &[Value], strides: &[Value], order: &[usize], size: i64) -> Value {
        let mut expected = self.cx.b.ins().iconst(types::I64, size);
        let mut bad = self.cx.b.ins().iconst(types::I8, 0);
        for &k in order {
            let off = self.cx.b.ins().icmp(IntCC::NotEqual, strides[k], expected);
            let long = self.cx.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, shape[k], 1);
            let wrong = self.cx.b.ins().band(off, long);
            bad = self.cx.b.ins().bor(bad, wrong);
            expected = self.cx.b.ins().imul(expected, shape[k]);
        }
        let mut empty = self.cx.b.ins().iconst(types::I8, 0);
        for n in shape {
            let zero = self.cx.b.ins().icmp_imm_s(IntCC::Equal, *n, 0);
            empty = self.cx.b.ins().bor(empty, zero);
        }
        let nonempty = self.cx.b.ins().bxor_imm_s(empty, 1);
        self.cx.b.ins().band(bad, nonempty)
    }

    fn fail_if(&mut self, cond: Value) {
        let ok = self.cx.b.create_block();
        self.cx.b.ins().brif(cond, self.fail, &[BlockArg::Value(self.owned)], ok, &[]);
        self.cx.b.switch_to_block(ok);
    }

    fn raise_if(&mut self, cond: Value, exc: &str, msg: &str) -> R<()> {
        let (bad, ok) = (self.cx.b.create_block(), self.cx.b.create_block());
        self.cx.b.set_cold_block(bad);
        self.cx.b.ins().brif(cond, bad, &[], ok, &[]);
        self.cx.b.switch_to_block(bad);
        let p = self.cx.em.ptr;
        let e = self.cx.py_data(exc)?;
        let e = self.cx.b.ins().load(p, flags(), e, 0);
        let m = self.cx.cstr(msg)?;
        self.cx.call_c("PyErr_SetString", &[p, p], &[], &[e, m])?;
        self.cx.b.ins().jump(self.fail, &[BlockArg::Value(self.owned)]);
        self.cx.b.switch_to_block(ok);
        Ok(())
    }

    /// Leaves through `fail` when a C-API conversion returned its error
    /// value and an exception is set.
    /// After a C-API conversion returned `r`: on its error value, leave
    /// through `fail` if an exception is set, else continue to `join` with
    /// the error value re-made as a constant (so `r` is not kept alive across
    /// the PyErr_Occurred call, and the fast path saves no registers).
    fn join_unless_error(&mut self, r: Value, is_error_value: Value, join: Block, error_value: Value) -> R<()> {
        let check = self.cx.b.create_block();
        self.cx.b.set_cold_block(check);
        self.cx.b.ins().brif(is_error_value, check, &[], join, &[BlockArg::Value(r)]);
        self.cx.b.switch_to_block(check);
        let p = self.cx.em.ptr;
        let occurred = self.cx.call_c("PyErr_Occurred", &[], &[p], &[])?[0];
        let set = self.cx.b.ins().icmp_imm_s(IntCC::NotEqual, occurred, 0);
        let again = self.cx.b.create_block();
        self.cx.b.ins().brif(set, self.fail, &[BlockArg::Value(self.owned)], again, &[]);
        self.cx.b.switch_to_block(again);
        let v = self.cx.b.func.dfg.value_type(error_value);
        let konst = if v == types::F64 { self.cx.b.ins().f64const(-1.0) } else { self.cx.b.ins().iconst(v, -1) };
        self.cx.b.ins().jump(join, &[BlockArg::Value(konst)]);
        Ok(())
    }

    fn unbox(&mut self, obj: Value, ty: Ty) -> R<Value> {
        let p = self.cx.em.ptr;
        match ty {
            Ty::Float(bits) => {
                let join = self.cx.b.create_block();
                self.cx.b.append_block_param(join, types::F64);
                let slow = self.cx.b.create_block();
                let ob_type = self.cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
                let float_type = self.cx.py_data("PyFloat_Type")?;
                let exact = self.cx.b.ins().icmp(IntCC::Equal, ob_type, float_type);
                let fast = self.cx.b.create_block();
                self.cx.b.ins().brif(exact, fast, &[], slow, &[]);
                self.cx.b.switch_to_block(fast);
                let v = self.cx.b.ins().load(types::F64, flags(), obj, pyabi::FLOAT_VALUE);
                self.cx.b.ins().jump(join, &[BlockArg::Value(v)]);
                self.cx.b.switch_to_block(slow);
                let r = self.cx.call_c("PyFloat_AsDouble", &[p], &[types::F64], &[obj])?[0];
                let minus_one = self.cx.b.ins().f64const(-1.0);
                let maybe = self.cx.b.ins().fcmp(FloatCC::Equal, r, minus_one);
                self.join_unless_error(r, maybe, join, r)?;
                self.cx.b.switch_to_block(join);
                let v = self.cx.b.block_params(join)[0];
                Ok(if bits == 32 { self.cx.b.ins().fdemote(types::F32, v) } else { v })
            }
            Ty::Bool => {
                let t = self.cx.py_data("_Py_TrueStruct")?;
                let f = self.cx.py_data("_Py_FalseStruct")?;
                let join = self.cx.b.create_block();
                self.cx.b.append_block_param(join, types::I8);
                let (not_true, slow) = (self.cx.b.create_block(), self.cx.b.create_block());
                let one = self.cx.b.ins().iconst(types::I8, 1);
                let zero = self.cx.b.ins().iconst(types::I8, 0);
                let is_t = self.cx.b.ins().icmp(IntCC::Equal, obj, t);
                self.cx.b.ins().brif(is_t, join, &[BlockArg::Value(one)], not_true, &[]);
                self.cx.b.switch_to_block(not_true);
                let is_f = self.cx.b.ins().icmp(IntCC::Equal, obj, f);
                self.cx.b.ins().brif(is_f, join, &[BlockArg::Value(zero)], slow, &[]);
                self.cx.b.switch_to_block(slow);
                let r = self.cx.call_c("PyObject_IsTrue", &[p], &[types::I32], &[obj])?[0];
                let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
                self.fail_if(neg);
                let v = self.cx.b.ins().ireduce(types::I8, r);
                self.cx.b.ins().jump(join, &[BlockArg::Value(v)]);
                self.cx.b.switch_to_block(join);
                Ok(self.cx.b.block_params(join)[0])
            }
            Ty::Int(t) => {
                let join = self.cx.b.create_block();
                self.cx.b.append_block_param(join, types::I64);
                let slow = self.cx.b.create_block();
                if let Some(layout) = self.cx.em.py.small_int() {
                    let ob_type = self.cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
                    let long_type = self.cx.py_data("PyLong_Type")?;
                    let exact = self.cx.b.ins().icmp(IntCC::Equal, ob_type, long_type);
                    let (check_size, fast) = (self.cx.b.create_block(), self.cx.b.create_block());
                    self.cx.b.ins().brif(exact, check_size, &[], slow, &[]);
                    self.cx.b.switch_to_block(check_size);
                    // An unsigned target takes only non-negative values inline, so a
                    // negative one gets PyLong_AsUnsigned*'s own error.
                    let (multiplier, small, digits) = match layout {
                        pyabi::SmallInt::SignedSize { size, digits } => {
                            let size = self.cx.b.ins().load(types::I64, flags(), obj, size);
                            let shifted = self.cx.b.ins().iadd_imm_s(size, 1);
                            let small = if t.signed {
                                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, shifted, 2)
                            } else {
                                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, size, 1)
                            };
                            (size, small, digits)
                        }
                        pyabi::SmallInt::Tagged { tag, digits } => {
                            let tag = self.cx.b.ins().load(types::I64, flags(), obj, tag);
                            let small = if t.signed {
                                self.cx.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, tag, 16)
                            } else {
                                // Compact and sign 0 or 1: tags 0, 1, 8 and 9.
                                let rest = self.cx.b.ins().band_imm_s(tag, !9);
                                self.cx.b.ins().icmp_imm_s(IntCC::Equal, rest, 0)
                            };
                            let sign_bits = self.cx.b.ins().band_imm_s(tag, 3);
                            let one = self.cx.b.ins().iconst(types::I64, 1);
                            let sign = self.cx.b.ins().isub(one, sign_bits);
                            (sign, small, digits)
                        }
                    };
                    self.cx.b.ins().brif(small, fast, &[], slow, &[]);
                    self.cx.b.switch_to_block(fast);
                    let digit = self.cx.b.ins().load(types::I32, flags(), obj, digits);
                    let digit = self.cx.b.ins().uextend(types::I64, digit);
                    let v = self.cx.b.ins().imul(digit, multiplier);
                    self.cx.b.ins().jump(join, &[BlockArg::Value(v)]);
                } else {
                    self.cx.b.ins().jump(slow, &[]);
                }
                self.cx.b.switch_to_block(slow);
                let conv = if !t.signed && t.bits == 64 { "PyLong_AsUnsignedLongLong" } else { "PyLong_AsLongLong" };
                let r = if self.cx.em.py.as_long_accepts_int_method() {
                    // Only integers (`__index__`), as later versions: no float truncated.
                    let index = self.cx.call_c("PyNumber_Index", &[p], &[p], &[obj])?[0];
                    let bad = self.cx.is_null(index);
                    self.fail_if(bad);
                    let r = self.cx.call_c(conv, &[p], &[types::I64], &[index])?[0];
                    self.cx.decref(index)?;
                    r
                } else {
                    self.cx.call_c(conv, &[p], &[types::I64], &[obj])?[0]
                };
                let maybe = self.cx.b.ins().icmp_imm_s(IntCC::Equal, r, -1);
                self.join_unless_error(r, maybe, join, r)?;
                self.cx.b.switch_to_block(join);
                let v = self.cx.b.block_params(join)[0];
                if t.bits >= 64 {
                    return Ok(v);
                }
                if !t.signed {
                    let neg = self.cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                    self.raise_if(neg, "PyExc_OverflowError", &format!("can't convert negative value to {}", t.cname))?;
                }
                // In range exactly when extending the low bits gives v back.
                let narrow = self.cx.b.ins().ireduce(clif_type(ty).unwrap_or(types::I32), v);
                let back = if t.signed { self.cx.b.ins().sextend(types::I64, narrow) } else { self.cx.b.ins().uextend(types::I64, narrow) };
                let out = self.cx.b.ins().icmp(IntCC::NotEqual, back, v);
                self.raise_if(out, "PyExc_OverflowError", &format!("value too large to convert to {}", t.cname))?;
                Ok(narrow)
            }
            Ty::Void | Ty::View(_) => Err("a None or memoryview parameter reached scalar unboxing".into()),
        }
    }

    fn incref(&mut self, obj: Value) -> R<()> {
        match self.cx.em.py.incref() {
            Some(pyabi::Incref::Plain) => {
                let rc = self.cx.b.ins().load(types::I64, flags(), obj, 0);
                let rc = self.cx.b.ins().iadd_imm_s(rc, 1);
                self.cx.b.ins().store(flags(), rc, obj, 0);
            }
            Some(pyabi::Incref::Immortal32) => {
                let rc = self.cx.b.ins().load(types::I32, flags(), obj, 0);
                let rc = self.cx.b.ins().iadd_imm_s(rc, 1);
                let (store, done) = (self.cx.b.create_block(), self.cx.b.create_block());
                self.cx.b.ins().brif(rc, store, &[], done, &[]);
                self.cx.b.switch_to_block(store);
                self.cx.b.ins().store(flags(), rc, obj, 0);
                self.cx.b.ins().jump(done, &[]);
                self.cx.b.switch_to_block(done);
            }
            None => {
                let p = self.cx.em.ptr;
                self.cx.call_c("Py_IncRef", &[p], &[], &[obj])?;
            }
        }
        Ok(())
    }

    /// A new reference to `None`, `True` or `False`.
    fn incref_singleton(&mut self, obj: Value) -> R<()> {
        if self.cx.em.py.singletons_immortal() {
            return Ok(());
        }
        self.incref(obj)
    }

    fn boxed(&mut self, v: Option<Value>, ty: Ty) -> R<Value> {
        let p = self.cx.em.ptr;
        match (ty, v) {
            (Ty::Void, _) => {
                let none = self.cx.py_data("_Py_NoneStruct")?;
                self.incref_singleton(none)?;
                Ok(none)
            }
            (Ty::Float(bits), Some(v)) => {
                let v = if bits == 32 { self.cx.b.ins().fpromote(types::F64, v) } else { v };
                Ok(self.cx.call_c("PyFloat_FromDouble", &[types::F64], &[p], &[v])?[0])
            }
            (Ty::Bool, Some(v)) => {
                let t = self.cx.py_data("_Py_TrueStruct")?;
                let f = self.cx.py_data("_Py_FalseStruct")?;
                let o = self.cx.b.ins().select(v, t, f);
                self.incref_singleton(o)?;
                Ok(o)
            }
            (Ty::Int(t), Some(v)) => {
                let v = match (t.bits, t.signed) {
                    (64, _) => v,
                    (_, true) => self.cx.b.ins().sextend(types::I64, v),
                    (_, false) => self.cx.b.ins().uextend(types::I64, v),
                };
                let conv = if t.signed { "PyLong_FromLongLong" } else { "PyLong_FromUnsignedLongLong" };
                Ok(self.cx.call_c(conv, &[types::I64], &[p], &[v])?[0])
            }
            _ => Err("missing return value in wrapper".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::{Function, LocalId, Param};

    #[test]
    fn init_symbols_follow_importdl() {
        // Expected values from CPython: name.encode('punycode').
        for (name, puny) in [
            ("fïb", "fb-tja"),
            ("ïé", "9cal"),
            ("müller_2", "mller_2-n2a"),
            ("日本語", "wgv71a119e"),
            ("a€b€c", "abc-k50ab"),
            ("Ωmega", "mega-ukd"),
            ("xüüüüü", "x-ehaaaaa"),
            ("ß_mod", "_mod-una"),
        ] {
            assert_eq!(punycode(name), puny, "{name}");
            assert_eq!(init_symbol(name), format!("PyInitU_{}", puny.replace('-', "_")));
        }
        assert_eq!(init_symbol("fib"), "PyInit_fib");
    }

    fn func(params: Vec<(&str, ParamKind, Option<&str>)>) -> Function {
        Function {
            id: hir::FuncId(0),
            name: "f".into(),
            exported: true,
            doc: Some("Doc.".into()),
            params: params
                .into_iter()
                .enumerate()
                .map(|(i, (n, kind, d))| Param {
                    name: n.into(),
                    ty: Ty::py_int(),
                    local: LocalId(i as u32),
                    kind,
                    default: d.map(|_| hir::Const::Int(1)),
                    default_src: d.map(String::from),
                    accepts_none: false,
                })
                .collect(),
            ret: Ty::py_int(),
            locals: vec![],
            body: vec![],
            line: 1,
            inline_hint: false,
            cdivision: false,
            overflowcheck: false,
            boundscheck: true,
            wraparound: true,
            associative_math: false,
        }
    }

    #[test]
    fn signatures_follow_parameter_kinds() {
        let f = func(vec![
            ("a", ParamKind::PositionalOnly, None),
            ("b", ParamKind::PositionalOrKeyword, Some("1")),
            ("c", ParamKind::KeywordOnly, Some("-1")),
        ]);
        assert_eq!(method_doc(&f), "f($module, a, /, b=1, *, c=-1)\n--\n\nDoc.");
        assert!(binder_source(&f).contains("def __pyc_aot_bind_f(a, /, b=1, *, c=-1):\n    return (a, b, c,)"));
        let g = func(vec![("n", ParamKind::PositionalOrKeyword, None)]);
        assert_eq!(method_doc(&g), "f($module, /, n)\n--\n\nDoc.");
    }
}

/// `text` as a Python string literal. Rust's `{:?}` is not one: it writes
/// `\u{301}`, a SyntaxError in Python.
fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod py_str_tests {
    use super::py_str;

    #[test]
    fn python_string_literals() {
        assert_eq!(py_str("fib"), "'fib'");
        assert_eq!(py_str("it's \\ ok"), "'it\\'s \\\\ ok'");
        assert_eq!(py_str("ge\u{301}t"), "'ge\\u0301t'");
        assert_eq!(py_str("f\u{ef}b\n"), "'f\\xefb\\x0a'");
        assert_eq!(py_str("\u{1f600}"), "'\\U0001f600'");
    }
}
