//! The module's exec slot (PEP 489): the shared `cython` shim (from
//! `sys.modules`, or built from its embedded code), the module's own Python
//! helpers (CPU check, argument binders, buffer-error explainer) stored in
//! the helper table, the keyword entries of `METH_O` functions, and the
//! residual Python run in the module's dict.

use super::names::py_str;
use super::{finish, flags, PY_FILE_INPUT, R};
use crate::backend::{pyabi, Emitter, FnCx, HELPER_BINDERS, HELPER_BUFFER_ERROR, HELPER_ROUND, HELPER_CALL, HELPER_TYPE_ERROR, HELPER_UNPACK, HELPER_WITH_ERROR};
use crate::hir::{self, Function};
use crate::mir::primitives as prim;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Linkage, Module};
use crate::backend::pyabi::type_spec::TPFLAGS_IMMUTABLETYPE;

const SHIM_SOURCE: &str = include_str!("../../shim/cython_shim.py");

/// Python source of a function with `f`'s exact parameters that returns them
/// as a tuple: calling it reproduces CPython's own argument errors.
pub(super) fn binder_source(f: &Function) -> String {
    let params = super::binder_parameters(f);
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

fn binder_name(f: &Function) -> String {
    format!("__pyc_aot_bind_{}", f.name)
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

__pyc_aot_unpackers = {}

def __pyc_aot_unpack(value, before, after, star):
    # Python's own unpacking into the pattern, so its TypeError and
    # ValueError messages are the interpreter's; the items as a tuple, or
    # the exception (without this helper's frames) for compiled code to raise.
    key = (before, after, star)
    unpack = __pyc_aot_unpackers.get(key)
    if unpack is None:
        names = ['_%d' % k for k in range(before + after + star)]
        pattern = list(names)
        if star:
            pattern[before] = '*' + pattern[before]
        ns = {}
        exec('def unpack(value):\n    [%s] = value\n    return (%s,)\n' % (', '.join(pattern), ', '.join(names)), ns)
        unpack = __pyc_aot_unpackers[key] = ns['unpack']
    try:
        return unpack(value)
    except BaseException as e:
        return e.with_traceback(None)

__pyc_aot_callers = {}

def __pyc_aot_call(f, values, shape):
    # A call with `*`/`**` unpacking made as Python's own call of its shape
    # (`@`, `*@`, `name=@`, `**@`), so its TypeErrors are the interpreter's;
    # `(result,)`, or the exception (without this helper's frames, with the
    # callee's) for compiled code to raise.
    call = __pyc_aot_callers.get(shape)
    if call is None:
        roles = shape.split(',')
        names = ['_%d' % k for k in range(len(roles))]
        ns = {}
        exec('def call(f, %s):\n    return f(%s)\n' % (', '.join(names), ', '.join(r.replace('@', n) for r, n in zip(roles, names))), ns)
        call = __pyc_aot_callers[shape] = ns['call']
    try:
        return (call(f, *values),)
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code in (__pyc_aot_call.__code__, call.__code__):
            tb = tb.tb_next
        return e.with_traceback(tb)

def __pyc_aot_with_error(mgr):
    # The exception the interpreter's own `with` raises for a manager whose
    # type lacks `__enter__` or `__exit__` (AttributeError up to 3.10, then
    # TypeError, each with its version's message): both are looked up before
    # either is called, so nothing of the manager runs here. Returned
    # without this helper's frame, for compiled code to raise.
    try:
        with mgr:
            pass
    except BaseException as e:
        return e.with_traceback(None)
    return SystemError('the context manager gained __enter__ and __exit__ while it was looked up')

def __pyc_aot_set_defaults(binder, defaults, positional, kwnames):
    # A compiled def's defaults, evaluated where the def runs, on its binder.
    binder.__defaults__ = defaults[:positional] or None
    binder.__kwdefaults__ = dict(zip(kwnames, defaults[positional:])) or None

def __pyc_aot_set_method_defaults__(binder, f, defaults, positional, kwnames):
    # A plain class's compiled method's defaults, evaluated in the class
    # body where its def stood: on its binder, and as the function's own.
    __pyc_aot_set_defaults(binder, defaults, positional, kwnames)
    f.__defaults__ = binder.__defaults__
    f.__kwdefaults__ = binder.__kwdefaults__
    return f

def __pyc_aot_class_attrs(cls, names, values):
    # A cclass's class attributes of constants, set where its class statement runs.
    for name, value in zip(names, values):
        type.__setattr__(cls, name, value)

def __pyc_aot_dataclass_call(callable, kwds):
    # Cython's __Pyx_DataclassesCallHelper: the keywords this Python's
    # `dataclasses` function takes (a positional one missing: None).
    import inspect
    spec = inspect.getfullargspec(callable)
    new = {}
    for key in spec.args:
        if key in ('self', '_cls'):
            continue
        new[key] = kwds.get(key)
    for key in spec.kwonlyargs:
        if key in kwds:
            new[key] = kwds[key]
    return callable(**new)

def __pyc_aot_dataclass_params(kwds):
    # A cython dataclass's __dataclass_params__; also keeps the sentinel of
    # default factories its compiled __init__ compares with.
    global __pyc_aot_dataclass_factory
    import dataclasses
    __pyc_aot_dataclass_factory = dataclasses._HAS_DEFAULT_FACTORY
    return __pyc_aot_dataclass_call(dataclasses._DataclassParams, kwds)

def __pyc_aot_dataclass_fields(records):
    # A cython dataclass's __dataclass_fields__: dataclasses.Field objects
    # as Cython makes them (name, annotation text, _FIELD).
    import dataclasses
    fields = {}
    for name, type_, kwds in records:
        f = __pyc_aot_dataclass_call(dataclasses.field, kwds)
        f.name = name
        f.type = type_
        f._field_type = dataclasses._FIELD
        fields[name] = f
    return fields

def __pyc_aot_repr_guard():
    # Cython's __pyx_recursive_repr_guard of a dataclass's __repr__.
    guard = __import__('threading').local()
    guard.running = set()
    return guard

def __pyc_aot_property(cls, name, fget, fset, fdel):
    # A cclass's property of its accessors' method descriptors, named as a
    # class statement names it (3.10+: the name is in its error messages).
    p = property(fget, fset, fdel)
    if hasattr(p, '__set_name__'):
        p.__set_name__(cls, name)
    type.__setattr__(cls, name, p)

def __pyc_aot_auto_pickle(cls, module_globals, members):
    # Cython's auto_pickle where a cclass is made. `members` (the state's
    # fields, sorted; None when the class's pickling methods only raise):
    # the module function __pyx_unpickle_<Class>, which checks Cython's
    # checksum of the names and rebuilds an instance without __init__,
    # setting the state by the class's own __setstate_cython__ (native
    # stores). Then Cython's __Pyx_setup_reduce: __reduce_cython__ and
    # __setstate_cython__ are also __reduce__ and __setstate__, unless the
    # class customizes pickling (its own __getstate__ or __reduce_ex__).
    if members is not None:
        import builtins, hashlib
        name = '__pyx_unpickle_' + cls.__name__
        set_state = cls.__dict__['__setstate_cython__']
        text = ' '.join(members).encode('utf-8')
        checksums = []
        for algo in ('sha256', 'sha1', 'md5'):
            try:
                checksums.append(builtins.int(getattr(hashlib, algo)(text, usedforsecurity=False).hexdigest()[:7], 16))
            except (AttributeError, ValueError):
                continue
        checksums = (checksums + checksums[-1:] * 2)[:3]
        c1, c2, c3 = checksums
        if c2 == c1:
            expected = '(0x%x)' % c1
        elif c3 == c2:
            expected = '(0x%x, 0x%x)' % (c1, c2)
        else:
            expected = '(0x%x, 0x%x, 0x%x)' % (c1, c2, c3)
        fields = ', '.join(members)
        def unpickle(__pyx_type, __pyx_checksum, __pyx_state):
            __pyx_checksum = __pyc_aot_c_long(__pyx_checksum)
            if __pyx_state is not None and type(__pyx_state) is not tuple:
                __pyc_aot_type_error(__pyx_state, 'tuple', '__pyx_state')
            if __pyx_checksum not in checksums:
                import pickle
                raise pickle.PickleError('Incompatible checksums (0x%x vs %s = (%s))' % (__pyx_checksum, expected, fields))
            result = cls.__new__(__pyx_type)
            if __pyx_state is not None:
                set_state(result, __pyx_state)
            return result
        unpickle.__name__ = unpickle.__qualname__ = name
        unpickle.__code__ = unpickle.__code__.replace(co_name=name)
        unpickle.__module__ = cls.__module__
        module_globals[name] = unpickle
    getstate = getattr(cls, '__getstate__', None)
    if getstate is not None and getstate is not getattr(object, '__getstate__', None):
        return
    if cls.__reduce_ex__ is not object.__reduce_ex__:
        return
    reduce = cls.__reduce__
    if reduce is not object.__reduce__ and getattr(reduce, '__name__', None) != '__reduce_cython__':
        return
    reduce_cython = cls.__dict__.get('__reduce_cython__')
    if reduce_cython is None:
        if reduce is object.__reduce__:
            raise RuntimeError('Unable to initialize pickling for %s' % cls.__name__)
        return
    # Cython 3.3.1 keeps the methods under their own names too.
    type.__setattr__(cls, '__reduce__', reduce_cython)
    setstate = getattr(cls, '__setstate__', None)
    if setstate is None or getattr(setstate, '__name__', None) == '__setstate_cython__':
        setstate_cython = cls.__dict__.get('__setstate_cython__')
        if setstate_cython is not None:
            type.__setattr__(cls, '__setstate__', setstate_cython)
        elif setstate is None:
            raise RuntimeError('Unable to initialize pickling for %s' % cls.__name__)

def __pyc_aot_c_long(x):
    # A Python int as a C long, with Cython's errors (the shim's `int` is
    # Cython's type: the builtin's is named).
    # A float is truncated (its __int__), as Cython's conversion does.
    import builtins
    if not isinstance(x, builtins.int):
        if not hasattr(type(x), '__int__'):
            raise TypeError('an integer is required')
        x = builtins.int(x)
    if not -2**63 <= x < 2**63:
        raise OverflowError('Python int too large to convert to C long')
    return x

def __pyc_aot_type_error(obj, want, arg):
    t = type(obj)
    # `True`: a value stored in a cclass field annotated `int`, converted
    # as Cython's __Pyx_PyInt_FromNumber converts it (PyNumber_Check, then
    # PyNumber_Long).
    if arg is True:
        # (The shim binds `int` and `complex` to Cython's types.)
        if isinstance(obj, (0j).__class__) or hasattr(t, '__index__') or hasattr(t, '__int__') or hasattr(t, '__float__'):
            return (0).__class__(obj)
        arg = False
    # The type's C name, as Cython prints it: a class defined in Python (a
    # heap type with a dict or slots) and a builtin are named bare.
    if t.__module__ == 'builtins' or (t.__flags__ & 512 and (t.__dictoffset__ or '__slots__' in vars(t))):
        got = t.__name__
    else:
        got = t.__module__ + '.' + t.__qualname__
    if arg is False:
        raise TypeError("Expected %s, got %s" % (want, got))
    if arg is not None:
        raise TypeError("Argument '%s' has incorrect type (expected %s, got %s)" % (arg, want, got))
    raise TypeError("Cannot convert %s to %s" % (got, want))
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

/// The late dict's key of a property's accessor (`k`: getter, setter, deleter).
fn accessor_key(class: &str, prop: &str, k: usize) -> String {
    format!("{class}.{prop}.{}", ["fget", "fset", "fdel"][k.min(2)])
}

/// Each class's properties made on its (blanked) line after it is bound,
/// from the accessors' descriptors the exec slot put in the late dict.
fn properties_in_source(src: &str, classes: &[super::cclass::ClassSpec]) -> String {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    for c in classes.iter().filter(|c| !c.properties.is_empty()) {
        let Some(l) = lines.get_mut((c.line as usize).wrapping_sub(1)) else { continue };
        let body = l.trim_end_matches(['\r', '\n']).len();
        if !l.starts_with(&format!("{} = ", c.name)) {
            continue;
        }
        let mut extra = String::new();
        for (prop, defs) in &c.properties {
            let arg = |k: usize| if defs[k].is_some() { format!("{LATE_GLOBAL}.pop({})", py_str(&accessor_key(&c.name, prop, k))) } else { "None".to_string() };
            extra.push_str(&format!("; {}.__pyc_aot_property({}, {}, {}, {}, {})", hir::SHIM_GLOBAL, c.name, py_str(prop), arg(0), arg(1), arg(2)));
        }
        l.insert_str(body, &extra);
    }
    lines.concat()
}

/// Each class's pickling set up on its (blanked) line after it is bound
/// (`hir::AutoPickle`): the module function `__pyx_unpickle_<Class>` and
/// Cython's renaming of the methods, before any code of the module can
/// pickle an instance.
fn auto_pickle_in_source(src: &str, classes: &[hir::ExtClass]) -> String {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    for c in classes {
        let Some(what) = &c.auto_pickle else { continue };
        let Some(l) = lines.get_mut((c.line as usize).wrapping_sub(1)) else { continue };
        if !l.starts_with(&format!("{} = ", c.name)) {
            continue;
        }
        let members = match what {
            hir::AutoPickle::Fields(m) => format!("({})", m.iter().map(|n| py_str(n) + ",").collect::<String>()),
            hir::AutoPickle::Refused(_) => "None".to_string(),
        };
        let body = l.trim_end_matches(['\r', '\n']).len();
        l.insert_str(body, &format!("; {}.__pyc_aot_auto_pickle({}, globals(), {members})", hir::SHIM_GLOBAL, c.name));
    }
    lines.concat()
}

/// The residual's line for each `def` (blanked) whose parameters have
/// stored defaults: the defaults evaluated there, as Python evaluates them
/// when the `def` runs, into the module global `hir::defaults_global`, and
/// set on its binder (taken from the late dict) as `__defaults__` and
/// `__kwdefaults__`.
fn set_defaults_in_source(src: &str, exported: &[&Function]) -> R<String> {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    for f in exported.iter().filter(|f| has_stored_defaults(f)) {
        let defaults: Vec<&str> = f.params.iter().filter_map(|p| p.default_src.as_deref()).collect();
        let positional = f.params.iter().filter(|p| p.default_src.is_some() && p.kind != hir::ParamKind::KeywordOnly).count();
        let kwnames: Vec<String> =
            f.params.iter().filter(|p| p.default_src.is_some() && p.kind == hir::ParamKind::KeywordOnly).map(|p| py_str(&p.name) + ",").collect();
        let global = hir::defaults_global(&f.name);
        let k = (f.line as usize).wrapping_sub(1);
        match lines.get_mut(k) {
            Some(l) if l.trim().is_empty() => {
                let ending = &l[l.trim_end_matches(['\r', '\n']).len()..];
                *l = format!(
                    "{global} = ({},); {}.__pyc_aot_set_defaults({LATE_GLOBAL}.pop({}), {global}, {positional}, ({})){ending}",
                    defaults.join(", "),
                    hir::SHIM_GLOBAL,
                    py_str(&binder_name(f)),
                    kwnames.concat()
                );
            }
            _ => return Err(format!("the line of `{}` is not blank in the module's Python", f.name)),
        }
    }
    Ok(lines.concat())
}

/// Each class's constant class attributes set on its (blanked) line after
/// it is bound (`hir::ExtClass::class_attrs`).
fn class_attrs_in_source(src: &str, classes: &[hir::ExtClass]) -> R<String> {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    for c in classes.iter().filter(|c| !c.class_attrs.is_empty()) {
        let names: String = c.class_attrs.iter().map(|(n, _)| py_str(n) + ",").collect();
        let values: String = c.class_attrs.iter().map(|(_, v)| format!("{v},")).collect();
        match lines.get_mut((c.line as usize).wrapping_sub(1)) {
            Some(l) if l.starts_with(&format!("{} = ", c.name)) => {
                let body = l.trim_end_matches(['\r', '\n']).len();
                l.insert_str(body, &format!("; {}.__pyc_aot_class_attrs({}, ({names}), ({values}))", hir::SHIM_GLOBAL, c.name));
            }
            _ => return Err(format!("the line of class `{}` does not bind it in the module's Python", c.name)),
        }
    }
    Ok(lines.concat())
}

/// The methods (by their binder's slot among the classes' binders, `None`
/// for a `cfunc`, which has none) whose parameters have stored defaults.
fn methods_with_stored_defaults<'m>(m: &'m hir::Module) -> Vec<(Option<usize>, &'m Function)> {
    let function = |id: hir::FuncId| m.functions.get(id.0 as usize).filter(|f| f.id == id);
    let with_binders = super::cclass::method_functions(m).into_iter().enumerate().filter_map(|(k, id)| Some((Some(k), function(id)?)));
    let c_level = m.classes.iter().flat_map(|c| c.c_methods.iter()).filter_map(|&id| Some((None, function(id)?)));
    with_binders.chain(c_level).filter(|(_, f)| has_stored_defaults(f)).collect()
}

/// Each class's line (blanked, binding it) evaluating its methods' stored
/// defaults before the class is bound, where Python evaluates them as the
/// class body runs (in module-code order), into the module global
/// `hir::defaults_global` that compiled callers read, and setting each
/// method binder's `__defaults__`/`__kwdefaults__` from it: one tuple, so
/// a mutable default is the same object for every caller.
fn method_defaults_in_source(src: &str, m: &hir::Module) -> R<String> {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    let methods = methods_with_stored_defaults(m);
    for c in &m.classes {
        let prefix = format!("{}.", c.name);
        let mut extra = String::new();
        for (slot, f) in methods.iter().filter(|(_, f)| f.name.strip_prefix(&prefix).is_some_and(|r| !r.contains('.'))) {
            let defaults: Vec<&str> = f.params.iter().filter_map(|p| p.default_src.as_deref()).collect();
            let global = hir::defaults_global(&f.name);
            extra.push_str(&format!("{global} = ({},); ", defaults.join(", ")));
            if let Some(k) = slot {
                let positional = f.params.iter().filter(|p| p.default_src.is_some() && p.kind != hir::ParamKind::KeywordOnly).count();
                let kwnames: Vec<String> =
                    f.params.iter().filter(|p| p.default_src.is_some() && p.kind == hir::ParamKind::KeywordOnly).map(|p| py_str(&p.name) + ",").collect();
                extra.push_str(&format!(
                    "{}.__pyc_aot_set_defaults({LATE_GLOBAL}.pop({}), {global}, {positional}, ({})); ",
                    hir::SHIM_GLOBAL,
                    py_str(&super::cclass::binder_name(*k)),
                    kwnames.concat()
                ));
            }
        }
        if extra.is_empty() {
            continue;
        }
        match lines.get_mut((c.line as usize).wrapping_sub(1)) {
            Some(l) if l.starts_with(&format!("{} = ", c.name)) => l.insert_str(0, &extra),
            _ => return Err(format!("the line of class `{}` does not bind it in the module's Python", c.name)),
        }
    }
    Ok(lines.concat())
}

/// Whether a parameter of `f` has a default evaluated where its `def` runs.
fn has_stored_defaults(f: &Function) -> bool {
    f.params.iter().any(|p| p.stored_default())
}

pub(super) fn emit_exec(
    em: &mut Emitter,
    m: &hir::Module,
    exported: &[&Function],
    keyword_entries: &[(String, ClifFuncId)],
    target: &crate::target::Target,
    (late_table, late_names): (DataId, &[String]),
    classes: &[super::cclass::ClassSpec],
    (functions, functions_first_slot): (Option<&super::pyfunc::Emitted>, usize),
    (generators, generators_first_slot): (Option<&super::generator::Emitted>, usize),
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
    own.push_str(&super::cclass::binders_source(m)?);
    own.push_str(&super::pyfunc::helpers_source(m)?);
    own.push_str(&super::generator::helpers_source(m));
    if em.constants.iter().any(|c| matches!(c, hir::ObjConst::Code(_))) {
        // Nested functions' code objects are constants it makes.
        own.push_str(hir::CODE_HELPER_SOURCE);
    }
    own.push_str(&constants_source(&em.constants));
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
            let r = cx.call_prim(&prim::PY_DICT_SET_ITEM_STRING, &[dict, k, val])?[0];
            check_neg(cx, r);
            Ok(())
        };
        let run = |cx: &mut FnCx, src: &str, filename: &str, globals: Value| -> R<()> {
            let s = cx.cstr(src)?;
            let f = cx.cstr(filename)?;
            let mode = cx.b.ins().iconst(types::I32, PY_FILE_INPUT);
            let code = cx.call_prim(&prim::PY_COMPILE_STRING, &[s, f, mode])?[0];
            check_null(cx, code);
            let r = cx.call_prim(&prim::PY_EVAL_EVAL_CODE, &[code, globals, globals])?[0];
            cx.decref(code)?;
            check_null(cx, r);
            cx.decref(r)
        };

        let builtins = cx.call_prim(&prim::PY_EVAL_GET_BUILTINS, &[])?[0];
        let modules = cx.call_prim(&prim::PY_IMPORT_GET_MODULE_DICT, &[])?[0];
        let key = cx.cstr(&shim_key)?;
        let existing = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[modules, key])?[0];
        let (create, have) = (cx.b.create_block(), cx.b.create_block());
        cx.b.append_block_param(have, p);
        let missing = cx.is_null(existing);
        cx.b.ins().brif(missing, create, &[], have, &[BlockArg::Value(existing)]);
        cx.b.switch_to_block(create);
        let name = cx.cstr("cython")?;
        let fresh = cx.call_prim(&prim::PY_MODULE_NEW, &[name])?[0];
        check_null(&mut cx, fresh);
        let fresh_dict = cx.call_prim(&prim::PY_MODULE_GET_DICT, &[fresh])?[0];
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
                let packed = cx.call_prim(&prim::PY_BYTES_FROM_STRING_AND_SIZE, &[addr, len])?[0];
                check_null(&mut cx, packed);
                let zname = cx.cstr("zlib")?;
                let zlib = cx.call_prim(&prim::PY_IMPORT_IMPORT_MODULE, &[zname])?[0];
                check_null(&mut cx, zlib);
                let dname = cx.cstr("decompress")?;
                let decompress = cx.call_prim(&prim::PY_OBJECT_GET_ATTR_STRING, &[zlib, dname])?[0];
                cx.decref(zlib)?;
                check_null(&mut cx, decompress);
                let raw = cx.call_one_arg(decompress, packed)?;
                cx.decref(decompress)?;
                cx.decref(packed)?;
                check_null(&mut cx, raw);
                let raw_ptr = cx.call_prim(&prim::PY_BYTES_AS_STRING, &[raw])?[0];
                let raw_len = cx.call_prim(&prim::PY_BYTES_SIZE, &[raw])?[0];
                let code = cx.call_prim(&prim::PY_MARSHAL_READ_OBJECT_FROM_STRING, &[raw_ptr, raw_len])?[0];
                cx.decref(raw)?;
                check_null(&mut cx, code);
                let r = cx.call_prim(&prim::PY_EVAL_EVAL_CODE, &[code, fresh_dict, fresh_dict])?[0];
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
        let shim_dict = cx.call_prim(&prim::PY_MODULE_GET_DICT, &[shim_mod])?[0];
        let own_dict = cx.call_prim(&prim::PY_DICT_NEW, &[])?[0];
        check_null(&mut cx, own_dict);
        set_item(&mut cx, own_dict, "__builtins__", builtins)?;
        if !own.is_empty() {
            run(&mut cx, &own, "<pyc-aot module helpers>", own_dict)?;
        }

        let helpers = cx.em.helpers;
        let table = cx.data_addr(helpers);
        let fill = |cx: &mut FnCx, dict: Value, key: &str, slot: usize| -> R<()> {
            let k = cx.cstr(key)?;
            let obj = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[dict, k])?[0];
            let missing = cx.is_null(obj);
            let (bad, ok) = (cx.b.create_block(), cx.b.create_block());
            cx.b.ins().brif(missing, bad, &[], ok, &[]);
            cx.b.switch_to_block(bad);
            let exc = cx.py_data("PyExc_SystemError")?;
            let exc = cx.b.ins().load(p, flags(), exc, 0);
            let msg = cx.cstr(&format!("pyc-aot: the module's helper `{key}` is missing"))?;
            cx.call_prim(&prim::PY_ERR_SET_STRING, &[exc, msg])?;
            cx.b.ins().jump(fail, &[]);
            cx.b.switch_to_block(ok);
            cx.call_prim(&prim::PY_INCREF, &[obj])?;
            cx.b.ins().store(flags(), obj, table, (8 * slot) as i32);
            Ok(())
        };
        fill_constants(&mut cx, own_dict, fail)?;
        fill(&mut cx, builtins, "round", HELPER_ROUND)?;
        fill(&mut cx, shim_dict, "__pyc_aot_buffer_error", HELPER_BUFFER_ERROR)?;
        fill(&mut cx, shim_dict, "__pyc_aot_type_error", HELPER_TYPE_ERROR)?;
        fill(&mut cx, shim_dict, "__pyc_aot_unpack", HELPER_UNPACK)?;
        fill(&mut cx, shim_dict, "__pyc_aot_call", HELPER_CALL)?;
        fill(&mut cx, shim_dict, "__pyc_aot_with_error", HELPER_WITH_ERROR)?;
        for (k, f) in exported.iter().enumerate() {
            fill(&mut cx, own_dict, &binder_name(f), HELPER_BINDERS + k)?;
        }
        for k in 0..super::cclass::method_functions(m).len() {
            fill(&mut cx, own_dict, &super::cclass::binder_name(k), HELPER_BINDERS + exported.len() + k)?;
        }
        for (name, slot) in super::pyfunc::helper_entries(m, functions_first_slot) {
            fill(&mut cx, own_dict, &name, slot)?;
        }
        for (name, slot) in super::generator::helper_entries(m, generators_first_slot) {
            fill(&mut cx, own_dict, &name, slot)?;
        }
        cx.decref(own_dict)?;

        let mod_dict = cx.call_prim(&prim::PY_MODULE_GET_DICT, &[module])?[0];
        if let Some(slot) = cx.em.module_dict {
            // Compiled code reads globals from it (`codegen::object::load_global`).
            cx.call_prim(&prim::PY_INCREF, &[mod_dict])?;
            let slot = cx.data_addr(slot);
            cx.b.ins().store(flags(), mod_dict, slot, 0);
        }
        super::capi::export(&mut cx, m, mod_dict, fail)?;
        super::capi::import(&mut cx, m, fail)?;
        let mut late_positions: Vec<(String, u32)> =
            late_names.iter().filter_map(|n| exported.iter().find(|f| &f.name == n).map(|f| (n.clone(), f.line))).collect();
        // Extension types are bound where their (blanked) class statement stands.
        late_positions.extend(classes.iter().map(|c| (c.name.clone(), c.line)));
        let (source, bind_early) = bind_late_in_source(&m.python_source, &late_positions);
        let source = properties_in_source(&source, classes);
        let source = auto_pickle_in_source(&source, &m.classes);
        let source = set_defaults_in_source(&source, exported)?;
        let source = class_attrs_in_source(&source, &m.classes)?;
        let source = method_defaults_in_source(&source, m)?;
        let with_defaults: Vec<usize> = (0..exported.len()).filter(|&k| has_stored_defaults(exported[k])).collect();
        let late_dict = if late_names.is_empty() && classes.is_empty() && with_defaults.is_empty() {
            None
        } else {
            let d = cx.call_prim(&prim::PY_DICT_NEW, &[])?[0];
            check_null(&mut cx, d);
            let modname = cx.call_prim(&prim::PY_MODULE_GET_NAME_OBJECT, &[module])?[0];
            check_null(&mut cx, modname);
            let table = cx.data_addr(late_table);
            for (i, name) in late_names.iter().enumerate() {
                let ml = cx.b.ins().iadd_imm_s(table, (pyabi::METHOD_DEF_BYTES * i) as i64);
                let fobj = cx.call_prim(&prim::PY_CFUNCTION_NEW_EX, &[ml, module, modname])?[0];
                check_null(&mut cx, fobj);
                set_item(&mut cx, d, name, fobj)?;
                cx.decref(fobj)?;
            }
            cx.decref(modname)?;
            // Binders whose defaults the residual sets (borrowed from the helper table).
            for &k in &with_defaults {
                let table = cx.data_addr(cx.em.helpers);
                let binder = cx.b.ins().load(p, flags(), table, (8 * (HELPER_BINDERS + k)) as i32);
                set_item(&mut cx, d, &binder_name(exported[k]), binder)?;
            }
            // Method binders whose defaults their class's line sets.
            for (k, _) in methods_with_stored_defaults(m) {
                let Some(k) = k else { continue };
                let table = cx.data_addr(cx.em.helpers);
                let binder = cx.b.ins().load(p, flags(), table, (8 * (HELPER_BINDERS + exported.len() + k)) as i32);
                set_item(&mut cx, d, &super::cclass::binder_name(k), binder)?;
            }
            for super::cclass::ClassSpec { name, spec, base, vectorcall, properties, .. } in classes {
                let spec = cx.data_addr(*spec);
                // A base is a class of the module, made (and put in `d`) before.
                // (as a 1-tuple: 3.9 takes no single type there).
                let bases = match base {
                    Some(b) => {
                        let k = cx.cstr(b)?;
                        let t = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[d, k])?[0];
                        check_null(&mut cx, t);
                        let one = cx.b.ins().iconst(types::I64, 1);
                        let tuple = cx.call_prim(&prim::PY_TUPLE_NEW, &[one])?[0];
                        check_null(&mut cx, tuple);
                        cx.call_prim(&prim::PY_INCREF, &[t])?;
                        let zero = cx.b.ins().iconst(types::I64, 0);
                        cx.call_prim(&prim::PY_TUPLE_SET_ITEM, &[tuple, zero, t])?;
                        Some(tuple)
                    }
                    None => None,
                };
                let base_arg = match bases {
                    Some(b) => b,
                    None => cx.b.ins().iconst(p, 0),
                };
                let t = cx.call_prim(&prim::PY_TYPE_FROM_MODULE_AND_SPEC, &[module, spec, base_arg])?[0];
                if let Some(b) = bases {
                    cx.decref(b)?;
                }
                check_null(&mut cx, t);
                if let Some(v) = vectorcall {
                    // No slot id sets it before 3.14; Cython stores it so too.
                    let r = cx.func_ref(*v);
                    let f = cx.b.ins().func_addr(p, r);
                    cx.b.ins().store(flags(), f, t, super::slots::TP_VECTORCALL);
                }
                // The module's slot for the type keeps a reference of its own
                // (type tests read it there, held for the life of the process).
                let slot = cx.em.class_slot(name)?;
                let slot = cx.data_addr(slot);
                cx.call_prim(&prim::PY_INCREF, &[t])?;
                cx.b.ins().store(flags(), t, slot, 0);
                set_item(&mut cx, d, name, t)?;
                // Its properties' accessors as method descriptors of the type.
                for (prop, defs) in properties {
                    for (k, def) in defs.iter().enumerate() {
                        let Some(def) = def else { continue };
                        let ml = cx.data_addr(*def);
                        let descr = cx.call_c("PyDescr_NewMethod", &[p, p], &[p], &[t, ml])?[0];
                        check_null(&mut cx, descr);
                        set_item(&mut cx, d, &accessor_key(name, prop, k), descr)?;
                        cx.decref(descr)?;
                    }
                }
                cx.decref(t)?;
            }
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
            let obj = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[dict, k])?[0];
            let (check, patch, next) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            let missing = cx.is_null(obj);
            cx.b.ins().brif(missing, next, &[], check, &[]);
            cx.b.switch_to_block(check);
            let ty = cx.b.ins().load(p, flags(), obj, pyabi::OB_TYPE);
            let is_cfunction = cx.b.ins().icmp(IntCC::Equal, ty, cfunction_type);
            let offset = cx.b.ins().load(p, flags(), ty, pyabi::TP_VECTORCALL_OFFSET);
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
        let tobj = cx.call_prim(&prim::PY_UNICODE_FROM_STRING, &[tname])?[0];
        check_null(&mut cx, tobj);
        set_item(&mut cx, mod_dict, "__pyc_aot_target__", tobj)?;
        cx.decref(tobj)?;
        if let Some(d) = late_dict {
            for name in &bind_early {
                let k = cx.cstr(name)?;
                let obj = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[d, k])?[0];
                check_null(&mut cx, obj);
                set_item(&mut cx, mod_dict, name, obj)?;
            }
            set_item(&mut cx, mod_dict, LATE_GLOBAL, d)?;
            cx.decref(d)?;
        }
        // The generator type, before any code of the module can make one.
        if let Some(e) = generators {
            super::generator::make_type(&mut cx, e, module, generators_first_slot, fail)?;
        }
        // The compiled methods of plain classes, which the class bodies take.
        if let Some(e) = functions {
            let d = cx.call_prim(&prim::PY_DICT_NEW, &[])?[0];
            check_null(&mut cx, d);
            super::pyfunc::make_functions(&mut cx, e, module, d, fail)?;
            set_item(&mut cx, mod_dict, hir::PLAIN_METHODS_GLOBAL, d)?;
            cx.decref(d)?;
        }
        run(&mut cx, &source, &m.source_path, mod_dict)?;
        // Once the residual has bound their properties and pickling
        // methods, the extension types become immutable (3.10+), as
        // Cython's static types are: compiled callers call their static
        // and class methods directly (`typeck/cclass.rs`).
        if cx.em.py.minor >= 10 {
            for c in classes {
                let slot = cx.em.class_slot(&c.name)?;
                let slot = cx.data_addr(slot);
                let t = cx.b.ins().load(p, flags(), slot, 0);
                let f = cx.b.ins().load(types::I64, flags(), t, pyabi::TP_FLAGS);
                let f = cx.b.ins().bor_imm_u(f, TPFLAGS_IMMUTABLETYPE);
                cx.b.ins().store(flags(), f, t, pyabi::TP_FLAGS);
            }
        }
        if functions.is_some() {
            del_quietly(&mut cx, mod_dict, hir::PLAIN_METHODS_GLOBAL)?;
        }
        if late_dict.is_some() {
            del_quietly(&mut cx, mod_dict, LATE_GLOBAL)?;
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

/// Module-helper name of the tuple of the module's constant objects.
const CONSTANTS_GLOBAL: &str = "__pyc_aot_constants";

/// Python making the module's constant objects, in table order (the
/// interpreter's own parser makes each as its literal would).
fn constants_source(constants: &[hir::ObjConst]) -> String {
    if constants.is_empty() {
        return String::new();
    }
    let items: Vec<String> = constants.iter().map(hir::ObjConst::python_literal).collect();
    format!("\n{CONSTANTS_GLOBAL} = ({},)\n", items.join(", "))
}

/// The constant table filled from the helpers' tuple: each slot a
/// reference of its own, held for the life of the process.
fn fill_constants(cx: &mut FnCx, own_dict: Value, fail: ir::Block) -> R<()> {
    let Some(table) = cx.em.constant_table else { return Ok(()) };
    if cx.em.constants.is_empty() {
        return Ok(());
    }
    let p = cx.em.ptr;
    let key = cx.cstr(CONSTANTS_GLOBAL)?;
    let tuple = cx.call_prim(&prim::PY_DICT_GET_ITEM_STRING, &[own_dict, key])?[0];
    let missing = cx.is_null(tuple);
    let ok = cx.b.create_block();
    cx.b.ins().brif(missing, fail, &[], ok, &[]);
    cx.b.switch_to_block(ok);
    let base = cx.data_addr(table);
    for k in 0..cx.em.constants.len() {
        let item = cx.b.ins().load(p, flags(), tuple, (pyabi::TUPLE_ITEMS + 8 * k as i64) as i32);
        cx.call_prim(&prim::PY_INCREF, &[item])?;
        cx.b.ins().store(flags(), item, base, (8 * k) as i32);
    }
    Ok(())
}

pub(crate) fn shared_shim_source() -> String {
    format!("{SHIM_SOURCE}{BUFFER_ERROR_SOURCE}")
}

/// FNV-1a: a stable name for the shim's text across builds and compilers.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}

/// `del d[name]`, any error cleared: the module's own code may have deleted
/// the name already.
fn del_quietly(cx: &mut FnCx, d: ir::Value, name: &str) -> R<()> {
    let k = cx.cstr(name)?;
    let r = cx.call_prim(&prim::PY_DICT_DEL_ITEM_STRING, &[d, k])?[0];
    let (clear, done) = (cx.b.create_block(), cx.b.create_block());
    let failed = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
    cx.b.ins().brif(failed, clear, &[], done, &[]);
    cx.b.switch_to_block(clear);
    cx.call_prim(&prim::PY_ERR_CLEAR, &[])?;
    cx.b.ins().jump(done, &[]);
    cx.b.switch_to_block(done);
    Ok(())
}
