//! Back end: typed HIR → Cranelift IR → one relocatable object.
//!
//! `body` builds each HIR function's body as MIR and has `codegen` emit it
//! as a native function; `glue` emits the CPython-facing parts
//! (argument wrappers as MIR bodies that `codegen` emits, method table,
//! module init). All write into one `ObjectModule`
//! through `Emitter`, which owns symbol naming and the caches of imported
//! C-API symbols and string constants.

mod body;
mod c_entry;
mod cold;
mod compare_consts;
mod codegen;
mod glue;
mod linecode;
mod loop_exits;
mod outlined;
pub mod pyabi;

pub(crate) use codegen::stack;
pub(crate) use body::worth_lowering_in_place;
pub use linecode::{FunctionCode, LineCode};

use crate::hir::{self, FuncId};
use crate::mir::primitives as prim;
use pyabi::TargetPython;
use crate::target::Target;
use crate::types::Ty;
use cranelift_codegen::ir::{self, types, AbiParam, Signature};
use cranelift_codegen::Context;
use cranelift_module::{DataDescription, DataId, FuncId as ClifFuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::collections::HashMap;

/// What the caller wants to see besides the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    None,
    Clif,
    Asm,
    /// The MIR of every wrapper, after its passes.
    Mir,
    /// The MIR of every wrapper as built and after each pass (verified).
    MirStages,
    /// Each function's code by source line (`Output::code`), for the annotate report.
    Annotate,
}

pub struct Output {
    pub object: Vec<u8>,
    /// Per-function CLIF or disassembly when requested.
    pub listing: String,
    /// With `Listing::Annotate`: every function's code by line, in build order.
    pub code: Vec<FunctionCode>,
}

type R<T> = Result<T, String>;

/// Slots of the helpers table.
pub const HELPER_ROUND: usize = 0;
/// The Python function that explains a rejected buffer argument.
pub const HELPER_BUFFER_ERROR: usize = 1;
/// The Python function that raises Cython's TypeError for an object that is
/// not an instance of an extension type (the MIR builder calls it).
pub use crate::mir::HELPER_TYPE_ERROR;
/// The Python function that unpacks a value into a pattern's items.
pub use crate::mir::HELPER_UNPACK;
/// The Python function that makes a call with `*`/`**` unpacking.
pub use crate::mir::HELPER_CALL;
/// The `with` statement's error for a manager lacking `__enter__`/`__exit__`.
pub use crate::mir::HELPER_WITH_ERROR;
/// Argument binders of exported functions start here, in `functions` order.
pub const HELPER_BINDERS: usize = 6;

pub(crate) struct Emitter {
    pub module: ObjectModule,
    pub ptr: ir::Type,
    /// The interpreter the module is for: its layouts and exported symbols.
    pub py: TargetPython,
    imports: HashMap<String, ClifFuncId>,
    /// x86-64's thunks for calls of variadic C functions (`variadic_callee`).
    va_thunks: HashMap<String, ClifFuncId>,
    data_imports: HashMap<String, DataId>,
    /// Writable table of Python objects the generated code calls into (filled at import).
    pub helpers: DataId,
    /// The recursion guard's per-module state and its slow path (`codegen::stack`).
    pub stack_state: DataId,
    pub stack_limit_fn: ClifFuncId,
    /// `pyc_aot_traceback`: adds one traceback entry (`codegen/stack.rs`).
    pub traceback_fn: ClifFuncId,
    strings: HashMap<Vec<u8>, DataId>,
    pub native: Vec<ClifFuncId>,
    /// The variant's `prange` team functions, by outlined body (`codegen::parallel`).
    pub teams: HashMap<FuncId, ClifFuncId>,
    /// The variant's C-ABI entries of cfuncs used as C function pointers,
    /// by native function (`codegen::extern_c`).
    pub c_entries: HashMap<FuncId, ClifFuncId>,
    /// The variant's outlined helpers declared so far (`outlined`).
    outlined: Vec<(outlined::Outlined, ClifFuncId)>,
    pub listing_kind: Listing,
    pub listing: String,
    ctx: Context,
    /// For a fat module: the variant being emitted (symbol suffix) and its ISA,
    /// which replaces the object's baseline ISA for that variant's code.
    pub variant: Option<(usize, cranelift_codegen::isa::OwnedTargetIsa)>,
    /// The shim as marshalled code for the target interpreter, when known.
    pub shim_code: Option<Vec<u8>>,
    /// Where that code was placed in the object, once emitted.
    pub shim_data: Option<DataId>,
    /// Functions built but not yet compiled to machine code (no listing was
    /// asked for): `finish_functions` compiles them on every core.
    pending: Vec<Pending>,
    /// Threads for `finish_functions`; `None`: one per core.
    codegen_threads: Option<usize>,
    /// With `Listing::Annotate`: the functions' code by line so far, and the
    /// MIR of the wrapper about to be defined.
    pub code: Vec<FunctionCode>,
    pub wrapper_mir: Option<String>,
    /// The module's constant objects by table slot (`constant_slot`), and
    /// the table, declared on first use and filled by the exec slot.
    pub constants: Vec<crate::hir::ObjConst>,
    constant_slots: HashMap<String, usize>,
    pub constant_table: Option<DataId>,
    /// Where the exec slot keeps the module's dict for global lookups,
    /// declared on first use.
    pub module_dict: Option<DataId>,
    /// The global lookups' caches (`codegen::object::load_global`), four
    /// words a site, declared on first use; and how many sites took one.
    pub global_cache: Option<DataId>,
    pub global_cache_sites: usize,
    /// Where the exec slot keeps each extension type of the module (a
    /// reference of its own), by class name, declared on first use.
    pub class_slots: Vec<(String, DataId)>,
    /// Each plain method reading its defining class: the slot holding its
    /// holder cell (`hir::PlainMethod::class_cell`), keyed by `__qualname__`.
    pub class_cell_slots: Vec<(String, DataId)>,
    /// The storage of each module-level C variable (`hir::MODULE_CVAR`),
    /// eight zeroed bytes, by name; one for all of a fat module's variants.
    pub cvar_slots: Vec<(String, DataId)>,
    /// The caches of str's methods called directly
    /// (`codegen::str_fast`), two words each, by method name, declared on
    /// first use.
    pub str_method_slots: Vec<(String, DataId)>,
    /// Each generator function's resume function and info
    /// (`glue::generator`), by function id, set as its body is lowered.
    pub generators: HashMap<u32, (ClifFuncId, DataId)>,
}

/// The zeroed, writable slot `slots` holds under `name`, declared on first
/// use.
fn named_slot(module: &mut ObjectModule, slots: &mut Vec<(String, DataId)>, name: &str) -> Result<DataId, String> {
    if let Some((_, d)) = slots.iter().find(|(n, _)| n == name) {
        return Ok(*d);
    }
    let d = module.declare_anonymous_data(true, false).map_err(|e| e.to_string())?;
    slots.push((name.to_string(), d));
    Ok(d)
}

/// A global lookup cache's size: the module dict's version tag and the
/// value found there (NULL: not there), the builtins dict's version tag and
/// the value found there (`codegen::object::load_global`).
pub const GLOBAL_CACHE_BYTES: usize = 32;

/// Stack of each code generation thread (reserved, not committed, until used).
const CODEGEN_STACK: usize = 256 << 20;

/// A built function waiting for code generation, with the ISA of its variant.
struct Pending {
    id: ClifFuncId,
    func: ir::Function,
    title: String,
    isa: Option<cranelift_codegen::isa::OwnedTargetIsa>,
}

/// Machine code and relocations of one function, ready to place in the object.
struct Compiled {
    id: ClifFuncId,
    alignment: u64,
    bytes: Vec<u8>,
    relocs: Vec<cranelift_module::ModuleReloc>,
}

/// Code generation of one function (Cranelift's optimiser, register
/// allocation, emission): independent of every other function.
fn generate(isa: &dyn cranelift_codegen::isa::TargetIsa, job: Pending) -> Result<Compiled, String> {
    let mut ctx = Context::for_function(job.func);
    let mut ctrl = cranelift_codegen::control::ControlPlane::default();
    let alignment = ctx
        .compile(isa, &mut ctrl)
        .map_err(|e| format!("internal compiler error in `{}`: {:?}", job.title, e.inner))?
        .buffer
        .alignment as u64;
    let code = ctx.compiled_code().ok_or("no compiled code")?;
    let relocs = code.buffer.relocs().iter().map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, job.id)).collect();
    Ok(Compiled { id: job.id, alignment, bytes: code.buffer.data().to_vec(), relocs })
}

/// Compiles the module for one target, or, given several, into a fat module:
/// every variant's code in one object plus a `PyInit` that picks, at import,
/// the most capable variant this CPU runs.
pub fn compile(module: &hir::Module, targets: &[Target], py_minor: u32, listing: Listing) -> Result<Output, Failure> {
    compile_with_shim(module, targets, py_minor, listing, None, None)
}

/// The back end met HIR it cannot compile: always a bug in pyc-aot, since
/// the front end answers every user error. `function` is the user's function
/// (name, line) when the failure arose in one.
#[derive(Debug)]
pub struct Failure {
    pub function: Option<(String, u32)>,
    pub message: String,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { function: None, message }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure { function: None, message: message.to_string() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.function {
            Some((name, line)) => write!(f, "function `{name}` (line {line}): {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

/// The Python every compiled module shares (the `cython` stand-in and helpers).
pub fn shim_source() -> String {
    glue::shared_shim_source()
}

/// As `compile`, embedding the shim as `marshal` data for the target
/// interpreter (loads without compiling Python at import).
pub fn compile_with_shim(
    module: &hir::Module,
    targets: &[Target],
    py_minor: u32,
    listing: Listing,
    shim_code: Option<&[u8]>,
    codegen_threads: Option<usize>,
) -> Result<Output, Failure> {
    let first = targets.first().ok_or("no target")?;
    let base_isa = if targets.len() == 1 {
        first.isa.clone()
    } else {
        crate::target::parse("x86-64")?.isa
    };
    if targets.len() > 1 && targets.iter().any(|t| t.isa.triple().architecture != first.isa.triple().architecture) {
        return Err("a fat module's targets must share one architecture".into());
    }
    let builder = ObjectBuilder::new(base_isa, format!("{}.o", module.name), cranelift_module::default_libcall_names())
        .map_err(|e| format!("cannot create the object file: {e}"))?;
    let mut object = ObjectModule::new(builder);
    let helpers = object
        .declare_data("pyc_aot_helpers", Linkage::Local, true, false)
        .map_err(|e| e.to_string())?;
    let (stack_limit_fn, stack_state, traceback_fn) = stack::declare(&mut object)?;
    let mut em = Emitter {
        helpers,
        stack_state,
        stack_limit_fn,
        traceback_fn,
        py: TargetPython::new(py_minor),
        ptr: object.target_config().pointer_type(),
        module: object,
        imports: HashMap::new(),
        va_thunks: HashMap::new(),
        data_imports: HashMap::new(),
        strings: HashMap::new(),
        native: vec![],
        outlined: vec![],
        listing_kind: listing,
        listing: String::new(),
        codegen_threads,
        ctx: Context::new(),
        variant: None,
        shim_code: shim_code.map(<[u8]>::to_vec),
        shim_data: None,
        pending: vec![],
        code: vec![],
        wrapper_mir: None,
        teams: HashMap::new(),
        c_entries: HashMap::new(),
        constants: vec![],
        constant_slots: HashMap::new(),
        constant_table: None,
        module_dict: None,
        global_cache: None,
        global_cache_sites: 0,
        class_slots: vec![],
        cvar_slots: vec![],
        class_cell_slots: vec![],
        str_method_slots: vec![],
        generators: HashMap::new(),
    };
    let recursive = hir::recursive_functions(module);
    let fat = targets.len() > 1;
    let mut defs = vec![];
    for (k, target) in targets.iter().enumerate() {
        em.variant = fat.then(|| (k, target.isa.clone()));
        if fat {
            em.listing.push_str(&format!(";; ---- variant {k}: {}\n", target.name));
        }
        em.native.clear();
        em.teams.clear();
        em.c_entries.clear();
        for f in &module.functions {
            let sig = em.native_signature(f);
            let id = em
                .module
                .declare_function(&em.symbol(&format!("pyc_aot_native_{}", f.name)), Linkage::Local, &sig)
                .map_err(|e| e.to_string())?;
            em.native.push(id);
        }
        for (func, name, except) in c_entry::wanted(module) {
            let f = module.function(func);
            c_entry::define(&mut em, module, &recursive, f, &name, except).map_err(|message| Failure { function: Some((f.name.clone(), f.line)), message })?;
        }
        for f in &module.functions {
            let at = |message: String| Failure { function: Some((f.name.clone(), f.line)), message };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body::lower_function(&mut em, module, f, &recursive))) {
                Ok(lowered) => lowered.map_err(at)?,
                Err(panic) => return Err(at(panic_message(panic.as_ref()))),
            }
        }
        outlined::define_used(&mut em)?;
        defs.push(glue::emit_module_glue(&mut em, module, py_minor, &recursive, target, !fat)?);
    }
    em.variant = None;
    glue::define_constant_table(&mut em)?;
    stack::define(&mut em)?;
    if fat {
        glue::emit_dispatcher(&mut em, module, targets, &defs)?;
    }
    em.finish_functions().map_err(|message| {
        // Code generation runs after all lowering; its errors name the function.
        let function = module.functions.iter().find(|f| message.contains(&format!("in `{}`", f.name))).map(|f| (f.name.clone(), f.line));
        Failure { function, message }
    })?;
    let listing = std::mem::take(&mut em.listing);
    let code = std::mem::take(&mut em.code);
    let product = em.module.finish();
    let object = product.emit().map_err(|e| format!("cannot write the object file: {e}"))?;
    Ok(Output { object, listing, code })
}

pub(crate) fn clif_type(t: Ty) -> Option<ir::Type> {
    match t {
        Ty::Int(i) => Some(match i.bits {
            8 => types::I8,
            16 => types::I16,
            32 => types::I32,
            _ => types::I64,
        }),
        Ty::Float(32) => Some(types::F32),
        Ty::Float(_) => Some(types::F64),
        Ty::Bool => Some(types::I8),
        // A `PyObject*` (every supported target has 64-bit pointers).
        Ty::Object => Some(types::I64),
        Ty::Ptr(_) | Ty::FnPtr(_) => Some(types::I64),
        Ty::Complex => Some(types::F64X2),
        Ty::Void | Ty::View(_) => None,
    }
}

/// The native values one parameter of type `t` takes: a memoryview is its
/// data pointer, then its shape, then its strides.
pub(crate) fn abi_types(t: Ty) -> Vec<ir::Type> {
    match t {
        Ty::View(v) => vec![types::I64; 1 + 2 * v.ndim as usize],
        t => vec![clif_type(t).unwrap_or(types::I64)],
    }
}

impl Emitter {
    /// `(params…, stack_limit) -> (value?, error_flag)`, or `-> object` (a
    /// new reference, NULL on error) for a function returning an object, as
    /// CPython's own functions return them.
    pub fn native_signature(&self, f: &hir::Function) -> Signature {
        let mut sig = self.module.make_signature();
        for p in &f.params {
            sig.params.extend(abi_types(p.ty).into_iter().map(AbiParam::new));
        }
        sig.params.push(AbiParam::new(self.ptr));
        if f.ret == Ty::Object {
            sig.returns.push(AbiParam::new(self.ptr));
            return sig;
        }
        if let Some(t) = clif_type(f.ret) {
            sig.returns.push(AbiParam::new(t));
        }
        sig.returns.push(AbiParam::new(types::I8));
        sig
    }

    pub fn native_id(&self, id: FuncId) -> ClifFuncId {
        self.native[id.0 as usize]
    }

    /// A C function imported by name (C-API or libm), declared once.
    pub fn import(&mut self, name: &str, params: &[ir::Type], returns: &[ir::Type]) -> Result<ClifFuncId, String> {
        if let Some(id) = self.imports.get(name) {
            return Ok(*id);
        }
        let mut sig = self.module.make_signature();
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(returns.iter().map(|t| AbiParam::new(*t)));
        let id = self.module.declare_function(name, Linkage::Import, &sig).map_err(|e| e.to_string())?;
        self.imports.insert(name.to_string(), id);
        Ok(id)
    }

    /// What a call of the variadic C function `name` calls, and whether
    /// it is defined in this module. On x86-64 SysV the caller of a
    /// variadic function passes in `%al` an upper bound of the vector
    /// registers its arguments use, which Cranelift cannot set; so the call
    /// goes to a thunk of this module, `mov $8, %al; jmp name@PLT` (8 bounds
    /// every call; the arguments, in registers and on the stack, pass
    /// through untouched, `%rax` being no argument register). On AArch64
    /// (Linux's AAPCS64) variadic arguments travel as named ones do: the
    /// function itself.
    pub fn variadic_callee(&mut self, name: &str) -> Result<(ClifFuncId, bool), String> {
        let target = self.import(name, &[], &[])?;
        if self.module.isa().triple().architecture != target_lexicon::Architecture::X86_64 {
            return Ok((target, false));
        }
        if let Some(id) = self.va_thunks.get(name) {
            return Ok((*id, true));
        }
        let sig = self.module.make_signature();
        let id = self.module.declare_function(&format!("__pyc_aot_va_{name}"), Linkage::Local, &sig).map_err(|e| e.to_string())?;
        // b0 08: mov $8, %al; e9 rel32: jmp to the PLT entry of `name`.
        let bytes = [0xb0, 0x08, 0xe9, 0, 0, 0, 0];
        let reloc = cranelift_module::ModuleReloc {
            offset: 3,
            kind: cranelift_codegen::binemit::Reloc::X86CallPLTRel4,
            name: cranelift_module::ModuleRelocTarget::user(0, target.as_u32()),
            addend: -4,
        };
        self.module.define_function_bytes(id, 16, &bytes, &[reloc]).map_err(|e| format!("the thunk of `{name}`: {e}"))?;
        self.va_thunks.insert(name.to_string(), id);
        Ok((id, true))
    }

    /// A data symbol of the interpreter (`PyFloat_Type`, `PyExc_ValueError` …).
    pub fn import_data(&mut self, name: &str) -> Result<DataId, String> {
        if let Some(id) = self.data_imports.get(name) {
            return Ok(*id);
        }
        let id = self.module.declare_data(name, Linkage::Import, false, false).map_err(|e| e.to_string())?;
        self.data_imports.insert(name.to_string(), id);
        Ok(id)
    }

    /// The slot holding the module's dict (a reference of its own).
    pub fn module_dict_slot(&mut self) -> Result<DataId, String> {
        if let Some(d) = self.module_dict {
            return Ok(d);
        }
        let d = self.module.declare_data("pyc_aot_module_dict", Linkage::Local, true, false).map_err(|e| e.to_string())?;
        self.module_dict = Some(d);
        Ok(d)
    }

    /// The slot holding the module's extension type `class` (zero until
    /// the exec slot has made it).
    pub fn class_slot(&mut self, class: &str) -> Result<DataId, String> {
        named_slot(&mut self.module, &mut self.class_slots, class)
    }

    /// The storage of the module-level C variable `name`.
    pub fn cvar_slot(&mut self, name: &str) -> Result<DataId, String> {
        named_slot(&mut self.module, &mut self.cvar_slots, name)
    }

    /// The slot holding the holder cell of the plain method `qualname`
    /// (zero until the exec slot has made it).
    pub fn class_cell_slot(&mut self, qualname: &str) -> Result<DataId, String> {
        named_slot(&mut self.module, &mut self.class_cell_slots, qualname)
    }

    /// The cache of str's method `name` (`codegen::str_fast`: how to call
    /// its C function, and the function; zero until first called).
    pub fn str_method_slot(&mut self, name: &str) -> Result<DataId, String> {
        named_slot(&mut self.module, &mut self.str_method_slots, name)
    }

    /// A new global lookup cache: the table and the site's number in it
    /// (zero-initialized, which no dict's version tag is).
    pub fn global_cache_site(&mut self) -> Result<(DataId, usize), String> {
        let table = match self.global_cache {
            Some(t) => t,
            None => {
                let t = self.module.declare_data("pyc_aot_global_cache", Linkage::Local, true, false).map_err(|e| e.to_string())?;
                self.global_cache = Some(t);
                t
            }
        };
        self.global_cache_sites += 1;
        Ok((table, self.global_cache_sites - 1))
    }

    /// The constant table and `c`'s slot in it (one slot per distinct
    /// constant of the module, shared by a fat module's variants).
    pub fn constant_slot(&mut self, c: &crate::hir::ObjConst) -> Result<(DataId, usize), String> {
        let table = match self.constant_table {
            Some(t) => t,
            None => {
                let t = self.module.declare_data("pyc_aot_constants", Linkage::Local, true, false).map_err(|e| e.to_string())?;
                self.constant_table = Some(t);
                t
            }
        };
        let next = self.constants.len();
        let slot = *self.constant_slots.entry(c.python_literal()).or_insert(next);
        if slot == next {
            self.constants.push(c.clone());
        }
        Ok((table, slot))
    }

    pub fn cstring(&mut self, s: &str) -> Result<DataId, String> {
        if s.contains('\0') {
            let head: String = s.chars().take(60).collect();
            return Err(format!("internal error (a bug in pyc-aot): the text {head:?}… has a NUL byte and cannot be passed as a C string"));
        }
        self.text(s)
    }

    /// `s`'s UTF-8 bytes followed by a NUL, deduplicated; with its length,
    /// text containing NULs passes intact.
    pub fn text(&mut self, s: &str) -> Result<DataId, String> {
        let mut bytes: Vec<u8> = s.as_bytes().to_vec();
        bytes.push(0);
        if let Some(id) = self.strings.get(&bytes) {
            return Ok(*id);
        }
        let id = self.module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
        let mut desc = DataDescription::new();
        desc.define(bytes.clone().into_boxed_slice());
        self.module.define_data(id, &desc).map_err(|e| e.to_string())?;
        self.strings.insert(bytes, id);
        Ok(id)
    }

    /// Compiles the function in `func` under `id`, recording a listing if asked.
    /// A symbol name, made unique per variant in a fat module.
    pub fn symbol(&self, name: &str) -> String {
        match &self.variant {
            Some((k, _)) => format!("{name}_v{k}"),
            None => name.to_string(),
        }
    }

    pub fn define(&mut self, id: ClifFuncId, mut func: ir::Function, title: &str) -> Result<(), String> {
        cold::propagate(&mut func);
        if let Some(loops) = loop_exits::calling_loops(&func) {
            compare_consts::hoist_compare_consts(&mut func, &loops);
            loop_exits::copy_exit_values(&mut func, &loops);
        }
        if matches!(self.listing_kind, Listing::None | Listing::Mir | Listing::MirStages) {
            let isa = self.variant.as_ref().map(|(_, isa)| isa.clone());
            self.pending.push(Pending { id, func, title: title.to_string(), isa });
            return Ok(());
        }
        self.ctx.clear();
        self.ctx.func = func;
        if self.listing_kind == Listing::Clif {
            self.listing.push_str(&format!("; {title}\n{}\n", self.ctx.func.display()));
        }
        self.ctx.set_disasm(self.listing_kind == Listing::Asm);
        match &self.variant {
            None => self
                .module
                .define_function(id, &mut self.ctx)
                .map_err(|e| format!("internal compiler error in `{title}`: {e:?}"))?,
            Some((_, isa)) => {
                // Compile with the variant's ISA, then place the bytes in the shared object.
                let mut ctrl = cranelift_codegen::control::ControlPlane::default();
                let alignment = self
                    .ctx
                    .compile(&**isa, &mut ctrl)
                    .map_err(|e| format!("internal compiler error in `{title}`: {:?}", e.inner))?
                    .buffer
                    .alignment as u64;
                let code = self.ctx.compiled_code().ok_or("no compiled code")?;
                let relocs: Vec<cranelift_module::ModuleReloc> = code
                    .buffer
                    .relocs()
                    .iter()
                    .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &self.ctx.func, id))
                    .collect();
                let bytes = code.buffer.data().to_vec();
                self.module
                    .define_function_bytes(id, alignment, &bytes, &relocs)
                    .map_err(|e| format!("internal compiler error in `{title}`: {e:?}"))?;
            }
        }
        if self.listing_kind == Listing::Annotate {
            let code = self.ctx.compiled_code().ok_or("no compiled code")?;
            let isa = self.variant.as_ref().map_or(self.module.isa(), |(_, isa)| &**isa);
            let mir = self.wrapper_mir.take();
            self.code.push(linecode::collect(&self.module, isa, id, &self.ctx.func, code, title, mir)?);
        }
        if self.listing_kind == Listing::Asm {
            if let Some(code) = self.ctx.compiled_code() {
                if let Some(vcode) = &code.vcode {
                    self.listing.push_str(&format!("; {title}\n{vcode}\n"));
                }
            }
        }
        Ok(())
    }
}

impl Emitter {
    /// Generates the code of every pending function, split over the machine's
    /// cores, and places it in the object in the order the functions were built
    /// (so the object does not depend on the number of threads).
    fn finish_functions(&mut self) -> Result<(), String> {
        let jobs = std::mem::take(&mut self.pending);
        if jobs.is_empty() {
            return Ok(());
        }
        let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = self.codegen_threads.unwrap_or_else(cores).clamp(1, 8).min(jobs.len());
        let base: &dyn cranelift_codegen::isa::TargetIsa = self.module.isa();
        let mut slots: Vec<Option<Result<Compiled, String>>> = (0..jobs.len()).map(|_| None).collect();
        let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
        let results = std::sync::Mutex::new(&mut slots);
        std::thread::scope(|scope| -> Result<(), String> {
            for _ in 0..threads {
                // As much stack as the thread that built the functions may have
                // had: Cranelift recurses over very long expressions too.
                let worker = std::thread::Builder::new().stack_size(CODEGEN_STACK);
                worker.spawn_scoped(scope, || loop {
                    let next = queue.lock().map(|mut q| q.next());
                    let Ok(Some((k, job))) = next else { break };
                    let out = match job.isa.clone() {
                        Some(isa) => generate(&*isa, job),
                        None => generate(base, job),
                    };
                    if let Ok(mut r) = results.lock() {
                        r[k] = Some(out);
                    }
                })
                .map_err(|e| format!("cannot start a code generation thread: {e}"))?;
            }
            Ok(())
        })?;
        for slot in slots {
            let c = slot.ok_or("a function was not compiled")??;
            self.module
                .define_function_bytes(c.id, c.alignment, &c.bytes, &c.relocs)
                .map_err(|e| format!("internal compiler error placing a function: {e:?}"))?;
        }
        Ok(())
    }
}

/// A function under construction plus the module it lands in: the shared
/// plumbing of `codegen` and `glue` (imports, constants, C calls).
pub(crate) struct FnCx<'a, 'b> {
    pub em: &'a mut Emitter,
    pub b: cranelift_frontend::FunctionBuilder<'b>,
    func_refs: HashMap<ClifFuncId, ir::FuncRef>,
    data_refs: HashMap<DataId, ir::GlobalValue>,
}

impl<'a, 'b> FnCx<'a, 'b> {
    pub fn new(em: &'a mut Emitter, b: cranelift_frontend::FunctionBuilder<'b>) -> Self {
        FnCx { em, b, func_refs: HashMap::new(), data_refs: HashMap::new() }
    }

    pub fn func_ref(&mut self, id: ClifFuncId) -> ir::FuncRef {
        if let Some(r) = self.func_refs.get(&id) {
            return *r;
        }
        let r = self.em.module.declare_func_in_func(id, self.b.func);
        self.func_refs.insert(id, r);
        r
    }

    pub fn data_addr(&mut self, id: DataId) -> ir::Value {
        use cranelift_codegen::ir::InstBuilder;
        let gv = match self.data_refs.get(&id) {
            Some(gv) => *gv,
            None => {
                let gv = self.em.module.declare_data_in_func(id, self.b.func);
                self.data_refs.insert(id, gv);
                gv
            }
        };
        self.b.ins().symbol_value(self.em.ptr, gv)
    }

    /// Address of an interpreter data symbol such as `PyFloat_Type`.
    pub fn py_data(&mut self, name: &str) -> Result<ir::Value, String> {
        let id = self.em.import_data(name)?;
        Ok(self.data_addr(id))
    }

    pub fn cstr(&mut self, s: &str) -> Result<ir::Value, String> {
        let id = self.em.cstring(s)?;
        Ok(self.data_addr(id))
    }

    /// Address of `s`'s UTF-8 bytes, to be passed with the length `s.len()`.
    pub fn text_addr(&mut self, s: &str) -> Result<ir::Value, String> {
        let id = self.em.text(s)?;
        Ok(self.data_addr(id))
    }

    pub fn call_c(&mut self, name: &str, params: &[ir::Type], rets: &[ir::Type], args: &[ir::Value]) -> Result<Vec<ir::Value>, String> {
        use cranelift_codegen::ir::InstBuilder;
        let id = self.em.import(name, params, rets)?;
        let r = self.func_ref(id);
        let inst = self.b.ins().call(r, args);
        Ok(self.b.inst_results(inst).to_vec())
    }

    /// Calls a C-API primitive from the table (its signature declared once there).
    pub fn call_prim(&mut self, prim: &crate::mir::primitives::Primitive, args: &[ir::Value]) -> Result<Vec<ir::Value>, String> {
        use crate::mir::primitives::CTy;
        let ty = |c: CTy| match c {
            CTy::Object | CTy::Ptr => self.em.ptr,
            CTy::I32 => types::I32,
            CTy::I64 => types::I64,
            CTy::F64 => types::F64,
        };
        let params: Vec<ir::Type> = prim.args.iter().map(|c| ty(*c)).collect();
        let rets: Vec<ir::Type> = prim.ret.iter().map(|c| ty(*c)).collect();
        if args.len() != params.len() {
            return Err(format!("{} takes {} arguments, given {}", prim.name, params.len(), args.len()));
        }
        self.call_c(prim.name, &params, &rets, args)
    }

    pub fn is_null(&mut self, v: ir::Value) -> ir::Value {
        use cranelift_codegen::ir::{condcodes::IntCC, InstBuilder};
        self.b.ins().icmp_imm_s(IntCC::Equal, v, 0)
    }

    /// `PyObject_Vectorcall(callable, argv, nargsf, kwnames)`, a new reference or NULL.
    pub fn vectorcall(&mut self, callable: ir::Value, argv: ir::Value, nargsf: ir::Value, kwnames: ir::Value) -> Result<ir::Value, String> {
        use cranelift_codegen::ir::InstBuilder;
        if self.em.py.has_vectorcall_symbol() {
            return Ok(self.call_prim(&prim::PY_OBJECT_VECTORCALL, &[callable, argv, nargsf, kwnames])?[0]);
        }
        // _PyObject_MakeTpCall takes a plain count: drop PY_VECTORCALL_ARGUMENTS_OFFSET.
        let nargs = self.b.ins().band_imm_s(nargsf, i64::MAX);
        let tstate = self.call_prim(&prim::PY_THREAD_STATE_GET, &[])?[0];
        Ok(self.call_prim(&prim::PY_OBJECT_MAKE_TP_CALL, &[tstate, callable, argv, nargs, kwnames])?[0])
    }

    /// `PyObject_CallOneArg(callable, arg)`, a new reference or NULL.
    pub fn call_one_arg(&mut self, callable: ir::Value, arg: ir::Value) -> Result<ir::Value, String> {
        use cranelift_codegen::ir::InstBuilder;
        let p = self.em.ptr;
        if self.em.py.has_vectorcall_symbol() {
            return Ok(self.call_prim(&prim::PY_OBJECT_CALL_ONE_ARG, &[callable, arg])?[0]);
        }
        let slot = self.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
        self.b.ins().stack_store(p, arg, slot, 0);
        let argv = self.b.ins().stack_addr(p, slot, 0);
        let one = self.b.ins().iconst(p, 1);
        let nokw = self.b.ins().iconst(p, 0);
        self.vectorcall(callable, argv, one, nokw)
    }

    pub fn decref(&mut self, obj: ir::Value) -> Result<(), String> {
        self.call_prim(&prim::PY_DECREF, &[obj]).map(|_| ())
    }
}
