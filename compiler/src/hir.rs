//! The typed HIR: the contract between the front end and the back end.
//!
//! Every expression carries its native type and every implicit conversion is an
//! explicit `Convert` node, so the back end never re-derives typing rules.

use crate::types::Ty;

mod analysis;
mod dump;
mod lanes;
mod object;
pub use dump::dump;
pub use analysis::{assigns, dict_locals, index_local, list_locals, maybe_unbound, keeps_own_frame, recursive_functions, uses_openmp};
pub use lanes::{lane_arith, Lanes};
pub use object::{python_str, NestedCode, CODE_HELPER_SOURCE, FREE_VAR_PREFIX, FUNCTION_CLOSURE_OFFSET, ClassRead, ClassRef, CompFor, CompKind, Comprehension, Handler, ObjBinOp, ObjConst, ObjOp, ObjUnOp, Try};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// One compiled module: native functions plus the Python that stays Python.
#[derive(Debug, Clone)]
pub struct Module {
    /// The module's import name (last component), as in `PyInit_<name>`.
    pub name: String,
    /// Absolute path of the `.py` file, shown in tracebacks.
    pub source_path: String,
    pub functions: Vec<Function>,
    /// The module source with compiled functions blanked out and `cython`
    /// imports rebound to the shim; line numbers are those of the original.
    pub python_source: String,
    pub left_to_python: Vec<LeftToPython>,
    /// Names bound at module level to C library functions
    /// (`from cython.cimports.libc.math import sqrt`): each is also a native
    /// function of that name in `functions`, so interpreted code calls C
    /// semantics at the cost of a builtin. Not counted as compiled functions.
    pub c_library_bindings: Vec<String>,
    /// `@cython.cclass` classes compiled into extension types
    /// (`frontend/cclass.rs`); their methods are functions of `functions`.
    pub classes: Vec<ExtClass>,
    /// Compiled methods of plain Python classes (`frontend/pyclass.rs`):
    /// function objects of the module's binding type, which the residual
    /// binds in the class body from `PLAIN_METHODS_GLOBAL`.
    pub plain_methods: Vec<PlainMethod>,
    /// Other modules' cfuncs it calls (read at exec).
    pub capi_imports: Vec<CapiImport>,
    /// Its own cfuncs its `.pxd` shares (exported at exec).
    pub capi_exports: Vec<CapiExport>,
}

/// A compiled method of a plain class: its function (named by its
/// `__qualname__`, `Class.method`).
#[derive(Debug, Clone)]
pub struct PlainMethod {
    pub func: FuncId,
    pub qualname: String,
    /// It reads its defining class (`super()`, `__class__`): the exec slot
    /// makes it a holder cell, `PLAIN_METHODS_GLOBAL[class_cell_key(qualname)]`,
    /// which the class body fills with its `__class__` cell.
    pub class_cell: bool,
    /// A nested `def` or `lambda` of a compiled function with a native
    /// body (`qualname` is `outer.<locals>.inner`): its function's first
    /// parameter is the hidden function object (its closure read from
    /// it), one object made each time the `def` runs by its maker
    /// (`ObjConst::NativeFunction`), with the defaults that run evaluated.
    pub nested: bool,
}

/// The key of a plain method's holder cell in `PLAIN_METHODS_GLOBAL`.
pub fn class_cell_key(qualname: &str) -> String {
    format!("{qualname}.__class__")
}

/// The key of a plain method's binder in `PLAIN_METHODS_GLOBAL`: the
/// residual's binding line sets its defaults, evaluated where the `def`
/// stood.
pub fn binder_key(qualname: &str) -> String {
    format!("{qualname}.__binder__")
}

/// The module-dict name of the dict (qualified name → function object) the
/// residual's class bodies take their compiled methods from while the
/// module's code runs.
pub const PLAIN_METHODS_GLOBAL: &str = "__pyc_aot_methods__";

/// An extension type: a `PyTypeObject` made at module exec from a spec,
/// its instances a `PyObject` header followed by C fields.
#[derive(Debug, Clone)]
pub struct ExtClass {
    pub name: String,
    pub doc: Option<String>,
    /// Line of the `class` statement, where the residual Python binds it.
    pub line: u32,
    pub fields: Vec<Field>,
    /// `tp_basicsize`: the header and the fields, 8-byte aligned.
    pub basicsize: u32,
    /// Compiled `def` methods other than `__init__`: their Python names and functions.
    pub methods: Vec<(String, FuncId)>,
    /// `__init__`, the type's `tp_init`.
    pub init: Option<FuncId>,
    /// `__cinit__`, run by `tp_new` with its arguments (the bases' first),
    /// and `__dealloc__`, run by `tp_dealloc` before the fields are
    /// released (then the bases'); neither in the method table.
    pub cinit: Option<FuncId>,
    pub dealloc: Option<FuncId>,
    /// `__getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int)`
    /// and `__releasebuffer__(self, buffer)`: C-level methods (in
    /// `c_methods`) the type's `bf_getbuffer`/`bf_releasebuffer` call.
    pub getbuffer: Option<FuncId>,
    pub releasebuffer: Option<FuncId>,
    /// `@cython.cfunc` methods: C only, called directly, invisible to Python.
    pub c_methods: Vec<FuncId>,
    /// The cclass of the module it extends (created first, its `tp_base`).
    pub base: Option<String>,
    /// `@cython.final`: not `Py_TPFLAGS_BASETYPE`.
    pub is_final: bool,
    /// `@cython.freelist(n)`: `tp_dealloc` keeps up to `n` instances of
    /// exactly this type, which `tp_new` reuses (as Cython's).
    pub freelist: u32,
    /// `tp_weaklistoffset` (a `__weakref__: object` declaration, its own or
    /// its base's): `tp_dealloc` clears the weak references first.
    pub weaklist: Option<u32>,
    /// Where `tp_new` stores the pointer to `vtable` in each instance.
    pub vtab_offset: Option<u32>,
    /// The cfunc entries of its table (Cython's `__pyx_vtab`), the base's
    /// slots first: what `VirtualCall`s of an instance of the class call.
    pub vtable: Vec<FuncId>,
    /// `@staticmethod`s and `@classmethod`s among `methods` (`METH_STATIC`
    /// and `METH_CLASS` entries of the method table).
    pub static_methods: Vec<FuncId>,
    pub class_methods: Vec<FuncId>,
    /// `@property`s, their accessors among `methods` but not in the method
    /// table: the exec slot makes a `property` of their method descriptors.
    pub properties: Vec<Property>,
    /// Class attributes of constants (`LIMIT = 10`): the name and the
    /// value's source, set on the type where the class statement runs.
    pub class_attrs: Vec<(String, String)>,
    /// Cython's `auto_pickle` (its methods `__reduce_cython__` and
    /// `__setstate_cython__` among `methods`): what the shim's
    /// `__pyc_aot_auto_pickle` does where the type is bound.
    pub auto_pickle: Option<AutoPickle>,
}

/// What a cclass's pickling methods do (`frontend/pickle.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum AutoPickle {
    /// The state is these fields (own and inherited, sorted by name, as
    /// Cython orders them), then the instance's `__dict__` if not empty:
    /// the module gets `__pyx_unpickle_<Class>`.
    Fields(Vec<String>),
    /// Both methods raise `TypeError` with this message (Cython's, for a
    /// class it cannot pickle).
    Refused(String),
}

/// A `@property` of an extension type: its getter, setter and deleter.
#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub get: FuncId,
    pub set: Option<FuncId>,
    pub del: Option<FuncId>,
}

/// The special methods of a cclass that compile into its type's slots
/// (the rest leave the class to Python).
/// The buffer protocol's special methods of a cclass (pure mode, as in
/// Cython): C-level, in the type's `tp_as_buffer`.
pub const BUFFER_METHODS: &[&str] = &["__getbuffer__", "__releasebuffer__"];

pub const SLOT_METHODS: &[&str] = &[
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__mod__", "__rmod__", "__divmod__", "__rdivmod__",
    "__lshift__", "__rlshift__", "__rshift__", "__rrshift__", "__and__", "__rand__", "__xor__", "__rxor__", "__or__", "__ror__",
    "__floordiv__", "__rfloordiv__", "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__",
    "__iadd__", "__isub__", "__imul__", "__imod__", "__ilshift__", "__irshift__", "__iand__", "__ixor__", "__ior__",
    "__ifloordiv__", "__itruediv__", "__imatmul__",
    "__neg__", "__pos__", "__abs__", "__invert__", "__int__", "__float__", "__index__",
    "__repr__", "__str__", "__iter__", "__next__",
    "__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__", "__hash__",
    "__len__", "__getitem__", "__setitem__", "__delitem__", "__contains__", "__bool__", "__call__",
];

/// A C field of an extension type's instances.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// A C scalar (`Int`, `Float`, `Bool`: one byte) or `Object`.
    pub ty: Ty,
    /// Byte offset from the start of the object.
    pub offset: u32,
    pub visibility: Visibility,
    /// The cclass an object field is typed as (`left: Node`): None or an
    /// instance, checked on store.
    pub class: Option<String>,
    /// The builtin type an object field is typed as (`tags: list`, one of
    /// `frontend::cclass::BUILTIN_FIELD_TYPES`): None or an instance of
    /// exactly that type, checked on store as Cython checks it.
    pub builtin: Option<String>,
}

/// `cython.declare(..., visibility=...)`: what Python code sees of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only compiled code reads and writes it (AttributeError from Python).
    Private,
    Readonly,
    Public,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeftToPython {
    /// "function", "class" or "method".
    pub kind: &'static str,
    /// The name; `Class.method` for a method.
    pub function: String,
    pub line: u32,
    pub col: u32,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub id: FuncId,
    pub name: String,
    /// Visible to Python (`def`, `@ccall`); `@cfunc` functions are native only.
    pub exported: bool,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    pub ret: Ty,
    pub locals: Vec<Local>,
    pub body: Vec<Stmt>,
    /// Line of the `def`.
    pub line: u32,
    /// `@cython.inline`: the inliner may inline it regardless of size.
    pub inline_hint: bool,
    /// `cdivision`: C truncating `//` and `%`, no zero check on float `/`.
    pub cdivision: bool,
    /// `overflowcheck`: C integer arithmetic raises OverflowError instead of wrapping.
    pub overflowcheck: bool,
    /// `boundscheck`: memoryview indices are checked (IndexError).
    pub boundscheck: bool,
    /// `wraparound`: negative memoryview indices count from the end.
    pub wraparound: bool,
    /// `# pyc-aot: associative_math=True`: float sums over views may be
    /// split into partial sums (vector lanes), changing the rounding.
    pub associative_math: bool,
    /// `@cython.nogil`: it may run without the GIL (called inside `with
    /// cython.nogil:`), so raising takes the GIL to set the exception.
    pub nogil: bool,
    /// A `prange` body outlined from this function (`opt::outline`): run by
    /// the loop's thread team, never seen by Python.
    pub outlined_from: Option<FuncId>,
    /// An outlined `prange` body whose loop's range was
    /// `range(view.shape[axis])` (`opt::facts`' rule): `(var, view, axis)`,
    /// the fact its chunk of that range keeps.
    pub chunk_in_axis: Option<(LocalId, LocalId, u8)>,
    /// A generator function (its body holds `StmtKind::Yield`): its native
    /// function makes the generator object, whose resume function runs
    /// the body (`backend/glue/generator.rs`); never inlined.
    pub generator: bool,
}

impl Function {
    /// The name its traceback entries show: a native nested function's own
    /// (`inner` of `outer.<locals>.inner`, CPython's `co_name`).
    pub fn frame_name(&self) -> &str {
        match self.name.rsplit_once(".<locals>.") {
            Some((_, own)) => own.split('#').next().unwrap_or(own),
            None => &self.name,
        }
    }

    /// Whether Python code can call it: a C pointer in its signature (only
    /// `@cfunc`s have one), or a struct passed by value (its fields are
    /// parameters named `p.x` by `frontend/structs/by_value.rs`, which no Python
    /// signature can spell), makes it callable from compiled code only, as
    /// in Cython; such a function has no wrapper and its `def` stays in the
    /// residual Python for interpreted callers.
    pub fn python_callable(&self) -> bool {
        !(self.ret.is_pointer() || self.params.iter().any(|p| p.ty.is_pointer() || p.name.contains('.')))
    }
}

/// The module-dict name under which the module's `cython` shim is bound:
/// `Module::python_source` reads the shim through it, and the module's exec
/// function binds it before running that source.
pub const SHIM_GLOBAL: &str = "__pyc_aot_cython__";

/// The shim helper the residual's binding line of a plain method with
/// defaults calls (`frontend/pyclass.rs`, `backend/glue/exec.rs`); its
/// name ends in `__` so a class body does not mangle it.
pub const SET_METHOD_DEFAULTS: &str = "__pyc_aot_set_method_defaults__";

/// How a parameter may be passed, as in a Python signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    PositionalOnly,
    PositionalOrKeyword,
    KeywordOnly,
    /// `*args` (a tuple object) and `**kwargs` (a dict object).
    VarPositional,
    VarKeyword,
}

impl ParamKind {
    /// Parameters only the binder can fill: a call goes through it.
    pub fn bound_by_binder(self) -> bool {
        matches!(self, ParamKind::KeywordOnly | ParamKind::VarPositional | ParamKind::VarKeyword)
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    pub local: LocalId,
    pub kind: ParamKind,
    pub default: Option<Const>,
    /// The default as written in the source, for the text signature.
    pub default_src: Option<String>,
    /// A memoryview parameter declared `= None`: None arrives as a view
    /// with a null data pointer and empty shape.
    pub accepts_none: bool,
}

impl Param {
    /// An object parameter's default: any expression, evaluated once where
    /// the `def` runs (the residual's line for it) into the tuple of the
    /// function's defaults, the module global `defaults_global`.
    pub fn stored_default(&self) -> bool {
        self.default.is_none() && self.default_src.is_some() && !self.accepts_none
    }
}

/// The module global holding the defaults of function `name` (every
/// parameter with a default, in order), when one is stored: the binder's
/// `__defaults__`/`__kwdefaults__` and direct calls read them from there.
pub fn defaults_global(name: &str) -> String {
    // A method (`Class.method`) spelled as an identifier: the residual assigns it.
    format!("__pyc_aot_defaults_{}__", name.replace('.', "__dot__"))
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    /// A fixed-size C array (`p: cython.int[1000]`): its shape. It lives on
    /// the stack, zero-initialised, and is used through its memoryview `ty`.
    pub c_array: Option<Vec<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Const {
    Int(i64),
    /// An unsigned 64-bit value above `i64::MAX` is stored as its bit pattern.
    Float(f64),
    Bool(bool),
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    /// 1-based source line, for tracebacks.
    pub line: u32,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    /// Evaluate every value, then store them all (tuple assignment and swaps).
    Assign(Vec<(LocalId, Expr)>),
    Expr(Expr),
    If { cond: Expr, then: Vec<Stmt>, orelse: Vec<Stmt> },
    While { cond: Expr, body: Vec<Stmt>, orelse: Vec<Stmt> },
    /// `for var in range(start, stop, step)`; bounds have the variable's type.
    /// `plan` is how the back end runs it, decided by `opt::loops`.
    ForRange { var: LocalId, start: Expr, stop: Expr, step: Expr, body: Vec<Stmt>, orelse: Vec<Stmt>, plan: Box<LoopPlan> },
    /// `for … in iter` over an object's iterator: each item is assigned to
    /// the object local `item` before `body` (whose first statement assigns
    /// it to the loop's target).
    ForIter { item: LocalId, iter: Expr, body: Vec<Stmt>, orelse: Vec<Stmt> },
    Break,
    Continue,
    /// The value has the function's return type.
    Return(Option<Expr>),
    /// `raise Exc("message")`; `exc` is the C-API name, e.g. `PyExc_ValueError`.
    Raise { exc: String, msg: Option<String> },
    /// `raise exc` / `raise exc from cause` of objects (a class is called
    /// without arguments, as Python does); `exc` absent: a bare `raise`,
    /// which raises again the exception being handled.
    RaiseObject { exc: Option<Expr>, cause: Option<Expr> },
    /// `try`/`except`/`else`/`finally` (`hir/object.rs`).
    Try(Box<Try>),
    Assert { cond: Expr, msg: Option<String> },
    /// `view[i, j] = value`; indices are Python ints, the value has the element type.
    /// `in_bounds` as for `ExprKind::Index`; `checked_by_load`: `value` loads
    /// this very element (`a[i] += x`), so its check stands for this one's.
    Store { view: LocalId, indices: Vec<Expr>, value: Expr, in_bounds: Vec<u8>, checked_by_load: bool },
    /// `dst[...] = src` for two views of one element type and dimension
    /// count: every element copied, as if through a temporary (they may overlap).
    CopyView { dst: LocalId, src: LocalId },
    /// `with cython.nogil:` (`release`) or `with cython.gil:` around `body`.
    Gil { release: bool, body: Vec<Stmt> },
    /// `for var in cython.parallel.prange(...)` on a thread team, without the GIL.
    Prange(Box<Prange>),
    Pass,
    /// `del name` of an object local: unbound again (UnboundLocalError
    /// when it is already unbound, or read later).
    Unbind(LocalId),
    /// `yield value` in a generator function (`Function::generator`):
    /// the object is handed to the caller and the function suspends; when
    /// resumed, the sent value is assigned to the object local `target`
    /// (`x = yield v`; the front end converts it into `x` after). With
    /// `from`, `yield from value` (PEP 380): `iter(value)` becomes the
    /// generator's delegate, which the generator type drives while it is
    /// set (`backend/glue/generator.rs`); resumed, the body gets the
    /// delegate's return value as the value sent, or its exception.
    Yield { value: Expr, target: Option<LocalId>, from: bool },
}

/// A `prange` loop: Cython's variable rules applied by the front end, its
/// body outlined into a function of the module by `opt::outline`.
#[derive(Debug, Clone)]
pub struct Prange {
    /// Lastprivate: after the loop, its last value (when the range is not empty).
    pub var: LocalId,
    pub start: Expr,
    pub stop: Expr,
    pub step: Expr,
    pub body: PrangeBody,
    /// Locals the body reads and never assigns: passed to the outlined body.
    pub shared: Vec<LocalId>,
    /// The locals only updated in place (`s += …`, `-=`, `*=`, `&=`, `|=`,
    /// `^=`) and the operations combining their partials (`Add` for `+=`
    /// and `-=`): each thread's partials, the first thread's starting from
    /// the locals' values, the others' from the operations' identities,
    /// combined in thread order after the loop.
    pub reductions: Vec<(LocalId, ArithOp)>,
    /// Reductions of module-level C variables (`g += …` after `global g`,
    /// Cython's reduction on the C global): the reduction's hidden local and
    /// the variable's symbol, to which the combined value is stored after
    /// the loop, also when the loop raises.
    pub stores: Vec<(LocalId, String)>,
    /// Lastprivate locals (Cython's rule for a C number the body assigns
    /// with `=`): each thread's copy starts from the value before the loop
    /// (OpenMP's firstprivate) and after the loop the local holds the copy
    /// of the thread that ran the range's last trip (after a `break`, of the
    /// thread that left); unchanged when the range is empty.
    pub lastprivate: Vec<LocalId>,
    /// `Some` when the body may leave the loop (`break`, `return`): the
    /// first thread to leave stops every thread's later trips, and after the
    /// loop the variable holds the trip that left; `true` when it holds a
    /// `return` (passing a value unless the function returns None).
    pub leaves: Option<bool>,
    /// Directly inside a `with cython.parallel.parallel():` block: the loop
    /// shares out its trips among the block's team (each thread runs its
    /// share as part of the block, its reductions into its private values)
    /// instead of starting a team of its own.
    pub in_team: bool,
    pub schedule: Schedule,
    /// `chunksize=` (a positive integer), `num_threads=` (0 or absent: OpenMP's default).
    pub chunksize: Option<Expr>,
    pub num_threads: Option<Expr>,
}

#[derive(Debug, Clone)]
pub enum PrangeBody {
    /// As the front end typed it, over the function's locals.
    Inline(Vec<Stmt>),
    /// The function running `for var in range(lo, hi, step)` over the body:
    /// parameters lo, hi, step, the first reduction's local (its partial
    /// in, its result out), one-element views of the other reductions'
    /// partials, of the lastprivate locals' copies and of the exit slots,
    /// then the shared locals.
    Outlined(FuncId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Static,
    Dynamic,
    Guided,
    /// `with cython.parallel.parallel():`: each thread of the team runs the
    /// body once, with the loop variable its thread number.
    Team,
}

/// How the back end runs a `range` loop: the loop decisions of `opt::loops`.
#[derive(Debug, Clone, Default)]
pub struct LoopPlan {
    /// Views whose last axis the (innermost) loop indexes with its variable
    /// and whose stride is not known to be the element size: the loop runs
    /// in two versions, one for unit strides (constant scaling), one general.
    pub version_on_unit_stride: Vec<LocalId>,
    /// Indices the loop does not change, of axes it checks on every trip:
    /// the loop runs in two versions, one taken when each lies in
    /// `[0, view.shape[axis])` at entry (those axes unchecked, unwrapped), one general.
    pub version_in_bounds: Vec<InBoundsGuard>,
    /// Two trips per test, in a rotated loop whose counter needs no overflow check.
    pub unroll: bool,
    /// Unrolled only: a double reduction whose two trips share their float
    /// work on one `f64x2`.
    pub paired: Option<PairedReduction>,
    /// An element-wise loop whose run (as much as fits) goes on 128-bit vectors first.
    pub vector: Option<VectorPlan>,
    /// A float sum under `associative_math`, run into partial sums on vectors first.
    pub sum: Option<SumPlan>,
}

/// `view.shape[axis] > index >= 0` tested before a loop (`opt::guards`), or `by_stop`:
/// `index` is a signed 64-bit local the loop does not assign; the loop's
/// accesses read it as itself or as one of `aliases` (hidden index locals
/// the body assigns it to before reading them).
#[derive(Debug, Clone, PartialEq)]
pub struct InBoundsGuard {
    pub index: LocalId,
    pub view: LocalId,
    pub axis: u8,
    pub aliases: Vec<LocalId>,
    /// `index` is the loop's variable (a constant start `>= 0`, a positive
    /// constant step, a stop read without effects): the test is `stop <= view.shape[axis]`.
    pub by_stop: bool,
}

/// One memoryview access of a vectorised loop: the view and the
/// loop-invariant locals indexing its leading axes (the last is the loop's).
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub view: LocalId,
    pub leading: Vec<LocalId>,
}

/// `for i in range(…): out[…, i] = value` on C-contiguous float views.
#[derive(Debug, Clone)]
pub struct VectorPlan {
    pub out: Access,
    /// Every access read at index `i` (the output included when it is read).
    pub inputs: Vec<Access>,
    /// The stored value, reading the original locals (not index temporaries).
    pub value: Expr,
    /// Element width in bits.
    pub elem: u8,
}

/// `acc = acc + value` of doubles, `value` not reading `acc` and dividing
/// somewhere in the part that runs lane by lane (`Lanes`).
#[derive(Debug, Clone)]
pub struct PairedReduction {
    pub acc: LocalId,
    pub value: Expr,
    /// `value` calls nothing but expression functions: no store can happen
    /// between the two trips' loads, so adjacent elements load as one vector.
    pub no_effects: bool,
}

/// `for i in range(…): acc += value` of C-contiguous float views.
#[derive(Debug, Clone)]
pub struct SumPlan {
    pub acc: LocalId,
    pub inputs: Vec<Access>,
    pub value: Expr,
    pub elem: u8,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Invert,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    /// True division; operands are floats.
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
}

impl ArithOp {
    /// Whether a float operation gives each vector lane what the scalar code
    /// gives: Python's `/` raises on a zero divisor, so only C division does.
    pub fn exact_in_lanes(self, cdivision: bool) -> bool {
        matches!(self, ArithOp::Add | ArithOp::Sub | ArithOp::Mul) || (self == ArithOp::Div && cdivision)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// How a math function reports errors, mirroring CPython's `math` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathCheck {
    /// C semantics (libc.math): never raises.
    None,
    /// NaN from a non-NaN argument, or an infinity from finite ones: ValueError.
    Domain,
    /// Like `Domain`, but an infinity from finite arguments is an OverflowError.
    Overflow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathOp {
    /// A libm function of doubles (`sin`, `atan2`, …).
    Libm { symbol: &'static str, arity: u8, check: MathCheck },
    Sqrt(MathCheck),
    Fabs,
    /// `floor`/`ceil`/`trunc`/C `round` of a double, giving a double.
    Floor,
    Ceil,
    Trunc,
    RoundHalfAway,
    Copysign,
    IsNan,
    IsInf,
    IsFinite,
    /// C `fmin`/`fmax`: a NaN operand is ignored.
    Fmin,
    Fmax,
    /// C `fma(x, y, z)`: one rounding; an FMA instruction where the CPU has one.
    Fma,
    /// `math.fmod`: ValueError for a zero divisor or infinite dividend.
    Fmod(MathCheck),
    /// `math.pow`: CPython's error rules for C `pow`.
    Pow(MathCheck),
    /// `math.log(x, base)`.
    LogBase,
    Degrees,
    Radians,
    /// `math.ulp(x)`.
    Ulp,
    /// `math.ldexp(x, i)`: a double and a Python int.
    Ldexp,
    /// `math.isclose(a, b, rel_tol, abs_tol)`, giving a bint.
    IsClose,
    /// Integer functions of Python ints, giving a Python int (an exact
    /// result beyond 64 bits raises OverflowError, like every `int`).
    Gcd,
    Lcm,
    Isqrt,
    Factorial,
    Comb,
    Perm,
}

/// The prefix of a `CGlobal` symbol naming a module-level C variable (no
/// C identifier starts so).
pub const MODULE_CVAR: &str = "@cvar.";

/// The module-level C variable holding another module's cfunc `name`,
/// cimported from `module`'s `.pxd` (filled at exec from that module's
/// `__pyx_capi__`).
pub fn capi_slot(module: &str, name: &str) -> String {
    format!("{MODULE_CVAR}capi {module}.{name}")
}

/// A cfunc of another module this one calls (`frontend::cimports`).
#[derive(Debug, Clone, PartialEq)]
pub struct CapiImport {
    pub module: String,
    pub name: String,
    pub sig: crate::types::FnSig,
}

/// A cfunc of this module its own `.pxd` declares: exported in
/// `__pyx_capi__` as a capsule of its C entry named by its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct CapiExport {
    pub name: String,
    pub func: FuncId,
    pub sig: crate::types::FnSig,
}

/// The capsule name both sides agree on: the function's C type as Cython
/// spells it, so pyc-aot and Cython modules share cfuncs with each other.
/// Like Cython's, it leaves out the exception clause: both sides read it
/// from the same `.pxd`.
pub fn capi_signature(sig: &crate::types::FnSig) -> String {
    crate::types::cython_function_type(sig)
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Const(Const),
    Local(LocalId),
    /// Numeric conversion to `Expr::ty`. Float to int is Python's `int()`:
    /// NaN raises ValueError, infinities and out-of-range values OverflowError.
    /// Int to int wraps, except into Python `int` from an unsigned 64-bit value.
    Convert(Box<Expr>),
    /// Operand has the result type, except `Not` (a `bint` operand).
    Unary(UnOp, Box<Expr>),
    /// Operands have the result type, except `Div` (float operands) and `Pow`
    /// of a float base by an int exponent.
    Binary(ArithOp, Box<Expr>, Box<Expr>),
    /// A `Binary` on a checked integer type that `opt::facts` proved cannot
    /// overflow: computed without the check. A signed integer `//` or `%`
    /// where it proved C's truncating division serves (both operands `>= 0`,
    /// or a remainder only compared with zero): no sign fix-up, no
    /// `MIN // -1` test; the zero test stays.
    NoOverflow(ArithOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c …`: each operand evaluated at most once, short-circuit.
    /// Adjacent operands are either of one type or one int and one float
    /// (compared exactly, as Python does).
    Compare { operands: Vec<Expr>, ops: Vec<CmpOp> },
    /// Python truth value, as `bint`.
    Truthy(Box<Expr>),
    /// Python's `and`/`or`: the deciding operand's value (operands have the result type).
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `select`: both arms computed and one selected, without a branch
    /// (decided by `opt::select`).
    IfExp { cond: Box<Expr>, then: Box<Expr>, orelse: Box<Expr>, select: bool },
    /// Direct native call; arguments have the parameter types.
    Call(FuncId, Vec<Expr>),
    /// A `cfunc` method called through the receiver's table (Cython's
    /// `__pyx_vtab`): `args[0]` is the receiver, an instance of the class
    /// (never None), whose pointer at byte `vtab_offset` leads to the table;
    /// its entry `slot` is one of `impls` (the first: the static class's,
    /// whose parameter and result types every one shares).
    VirtualCall { impls: Vec<FuncId>, slot: u32, vtab_offset: u32, args: Vec<Expr> },
    Math(MathOp, Vec<Expr>),
    /// A call of a C function a `.pxd` declares: the symbol resolved at
    /// link time, arguments of its parameter types (a variadic function's
    /// extra ones promoted as C promotes them); `except` its declared
    /// exception clause (`noexcept` unless declared, as in Cython 3).
    CCall { symbol: String, args: Vec<Expr>, except: crate::types::ExceptSpec, variadic: bool, by_value: Option<crate::types::StructAbiId> },
    /// A call through a C function pointer (`Ty::FnPtr`): the pointer
    /// first, then the arguments, of its signature's parameter types; with
    /// C's convention, never raising (the pointer types are `noexcept`). A
    /// NULL pointer is the user's bug, as in C.
    CallPtr(Vec<Expr>),
    /// A C variable a `.pxd` declares, read from its symbol; or, named
    /// `MODULE_CVAR` + name, a module-level `cython.declare`d C variable
    /// (`frontend/module_consts.rs`), kept in the module's own data.
    CGlobal(String),
    /// `symbol = value` of a module-level C variable (`CGlobal`'s
    /// `MODULE_CVAR` symbols), `value` of its type.
    CGlobalStore { symbol: String, value: Box<Expr> },
    /// The address of a C-ABI entry of the `@cfunc` `func` (a C function
    /// pointer, typed `void*`): C code calls it as `ret (*)(params…)`. An
    /// exception it raises is signalled by its own specification `except`:
    /// `noexcept` writes it as unraisable under `name` (`module.func`) and
    /// returns 0; otherwise the exception stays set and the entry returns
    /// the exception value (0 for `except *`).
    FuncAddr { func: FuncId, params: Vec<Ty>, ret: Ty, name: String, except: crate::types::ExceptSpec },
    /// The address of a NUL-terminated constant (a `char*`): a string
    /// literal stored to a C pointer (`buffer.format = "d"`), as Cython
    /// makes a C string literal of it. No NUL inside (the front end checks).
    CString(String),
    /// `min`/`max` of two or more operands of the result type.
    MinMax { is_max: bool, args: Vec<Expr> },
    /// `abs(x)`; of a `double complex` (type double), CPython's
    /// `complex_abs` (`hypot`, OverflowError when it overflows).
    Abs(Box<Expr>),
    /// A `double complex` from its real and imaginary parts (doubles).
    ComplexMake(Box<Expr>, Box<Expr>),
    /// `z.real` (`imag`: `z.imag`) of a `double complex` (a double).
    ComplexPart(Box<Expr>, bool),
    /// `round(x)` of a float: nearest int, ties to even.
    Round(Box<Expr>),
    /// `round(x, ndigits)` of a float, correctly rounded as CPython does.
    RoundDigits(Box<Expr>, Box<Expr>),
    /// `x.bit_count()` of an int: the number of one bits in `abs(x)`.
    BitCount(Box<Expr>),
    /// `cython.parallel.threadid()`: the thread's number in its `prange`
    /// team (0 outside one).
    ThreadId,
    /// `view[i, j]`: one element; indices are Python ints. `in_bounds`: the
    /// axes whose index `opt::facts` proved to lie in `[0, shape)` (no
    /// wrap-around, no check), and as `axis | NONNEG` those whose index it
    /// proved `>= 0` only (no wrap-around, still checked against the shape).
    Index { view: LocalId, indices: Vec<Expr>, in_bounds: Vec<u8> },
    /// `cython.address(view[i, j])`: the element's address (type
    /// `Ty::Ptr(elem)`), the index checked as the `Index` inside (always an
    /// `Index`) says.
    ElemAddr(Box<Expr>),
    /// `view.shape[axis]` or `view.strides[axis]` (Py_ssize_t).
    ViewDim { view: LocalId, dim: Dim, axis: u8 },
    /// `view[1:-1, j]`: a new view of the same memory (type `Ty::View`), one
    /// selection per axis of the source.
    SliceView { view: LocalId, axes: Vec<Axis> },
    /// `view is None` (a null data pointer).
    ViewIsNone(LocalId),
    /// The None memoryview, for an omitted `= None` argument.
    NoneView,
    /// A constant object (type `Object`), borrowed from the module.
    ObjConst(ObjConst),
    /// `a op b` on objects (C operands boxed first); `inplace`: an augmented
    /// assignment's (`PyNumber_InPlace*`).
    ObjBinary { op: ObjBinOp, a: Box<Expr>, b: Box<Expr>, inplace: bool },
    ObjUnary(ObjUnOp, Box<Expr>),
    /// `a op b` on objects: the object the comparison returns.
    ObjCompare(CmpOp, Box<Expr>, Box<Expr>),
    /// `a is b` on objects (`bint`).
    ObjIs(Box<Expr>, Box<Expr>),
    /// `item in container` on objects (`bint`).
    ObjContains { item: Box<Expr>, container: Box<Expr> },
    /// Attributes, items, calls, displays and `len` of objects.
    ObjOp { op: ObjOp, operands: Vec<Expr> },
    /// A list, set or dict comprehension (an object).
    Comprehension(Box<Comprehension>),
    /// `local := value` of an object local: `value` assigned to it, and
    /// its value (a new reference of the expression's own).
    AssignLocal { local: LocalId, value: Box<Expr> },
    /// `p[i]` of a C pointer to a scalar (type: the pointee); `index` is a
    /// Py_ssize_t. Unchecked, as in C.
    PtrLoad { ptr: Box<Expr>, index: Box<Expr> },
    /// `p[i] = value` (type: None, evaluated as a statement): `ptr`, then
    /// `index`, then `value`, as Cython evaluates it.
    PtrStore { ptr: Box<Expr>, index: Box<Expr>, value: Box<Expr> },
    /// `p + n` (`p - n`: `negate`) of a C pointer to a scalar: `n` (a
    /// Py_ssize_t) elements further (back), as C computes it.
    PtrOffset { ptr: Box<Expr>, offset: Box<Expr>, negate: bool },
    /// The address of an extension type instance's memory (type: a C
    /// pointer): its C fields are `PtrLoad`/`PtrStore`s at their offsets.
    /// The object must be an instance of the class (a method's `self`).
    ObjectData(Box<Expr>),
    /// An object field of an extension type instance (`obj`, a method's
    /// `self`) at byte `offset`: a new reference to its value (never NULL:
    /// fields start as None and are cleared to None).
    FieldLoad { obj: Box<Expr>, offset: u32 },
    /// `obj.field = value` of an object field (type: None, a statement): the
    /// field takes a reference of its own and releases the old value.
    FieldStore { obj: Box<Expr>, offset: u32, value: Box<Expr> },
    /// `obj` (type `Object`, the same object) once it is checked to be an
    /// instance of the extension type bound to the module global `class`
    /// (`tp_name` `qualified`), or None: a TypeError otherwise, Cython's
    /// message for an argument `arg` or for an assignment. With `builtin`,
    /// `class` names a builtin type (`list`, `str`, …) and the object must
    /// be exactly of it, or None (Cython's "Expected list, got T").
    TypeTest { obj: Box<Expr>, class: String, qualified: String, arg: Option<String>, builtin: bool },
    /// `isinstance(obj, class)` (a bint) of the module's extension type
    /// bound to `class`: its exact type or a subtype, as Cython tests it;
    /// with `exact`, its exact type only (a ccall's receiver is an instance
    /// of that compiled class, no Python subclass's); with `inherits`, the
    /// method of that name found on its type is the class's own (a Python
    /// subclass that does not override a ccall).
    IsClassInstance { obj: Box<Expr>, class: String, exact: bool, inherits: Option<String> },
    /// `Class(args)` of the module's extension type bound to `class` (a
    /// module-level cclass name, constant as Cython takes it): `args` (the
    /// `__init__` parameters after `self`, converted) evaluated, then a new
    /// instance made by the type's own `tp_new` (the type from the module's
    /// slot: no global lookup, no generic call), then the native `init`
    /// (the class's `__init__`, own or inherited, returning `ret`) called
    /// on it with the arguments unboxed; the instance (type `Object`).
    /// With `cinit_args: Some(n)`, a `__cinit__` of its line takes
    /// arguments: `tp_new` gets the first `n` arguments (those the call
    /// gives, positionally) boxed in a tuple (each an object or a C value
    /// of its own type, so boxed as the generic call passes it) and runs
    /// the `__cinit__`s with it.
    NewInstance { class: String, init: FuncId, args: Vec<Expr>, ret: Ty, cinit_args: Option<u32> },
    /// `obj` (type `Object`, the same object) once it is known not to be
    /// None: None raises Python's AttributeError for `attr` (the receiver
    /// of a field access on a variable typed as an extension type; a
    /// `store`'s is the one for setting it).
    NoneGuard { obj: Box<Expr>, attr: String, store: bool },
}

#[derive(Debug, Clone)]
pub enum Axis {
    /// An integer index: the axis disappears.
    At(Expr),
    /// `start:stop:step`, each optional (Python slice semantics).
    Range(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
}

impl ExprKind {
    /// The memoryview local an element access, shape query or slice reads.
    pub fn view_read(&self) -> Option<LocalId> {
        match self {
            ExprKind::Index { view, .. } | ExprKind::ViewDim { view, .. } | ExprKind::SliceView { view, .. } | ExprKind::ViewIsNone(view) => Some(*view),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Shape,
    Stride,
}

impl Expr {
    pub fn konst(c: Const, ty: Ty) -> Expr {
        Expr { kind: ExprKind::Const(c), ty }
    }

    pub fn local(id: LocalId, ty: Ty) -> Expr {
        Expr { kind: ExprKind::Local(id), ty }
    }

    pub fn as_const(&self) -> Option<Const> {
        match self.kind {
            ExprKind::Const(c) => Some(c),
            _ => None,
        }
    }
}

/// An `in_bounds` entry `axis | NONNEG`: that axis's index is proven `>= 0`
/// (no wrap-around needed) but not below the shape (still bounds-checked).
/// Views have at most 8 axes, so the bit never meets an axis number.
pub const NONNEG: u8 = 0x80;

/// Calls `f` with the callee of every direct call in `body`.
pub fn visit_calls(body: &[Stmt], f: &mut impl FnMut(FuncId)) {
    visit_stmt_exprs(body, &mut |e| visit_expr(e, &mut |x| {
        if let ExprKind::Call(id, _) = x.kind {
            f(id)
        }
        if let ExprKind::VirtualCall { impls, .. } = &x.kind {
            impls.iter().for_each(|id| f(*id))
        }
        if let ExprKind::NewInstance { init, .. } = x.kind {
            f(init)
        }
    }));
}

/// Calls `f` with every local an expression reads (memoryviews included).
pub fn visit_locals(e: &Expr, f: &mut impl FnMut(LocalId)) {
    visit_expr(e, &mut |x| {
        if let ExprKind::Local(id) = x.kind {
            f(id)
        }
        if let Some(id) = x.kind.view_read() {
            f(id)
        }
    });
}

/// Pre-order walk over every statement, nested blocks included.
pub fn visit_stmts(body: &[Stmt], f: &mut impl FnMut(&Stmt)) {
    for s in body {
        f(s);
        match &s.kind {
            StmtKind::If { then: a, orelse: b, .. }
            | StmtKind::While { body: a, orelse: b, .. }
            | StmtKind::ForRange { body: a, orelse: b, .. }
            | StmtKind::ForIter { body: a, orelse: b, .. } => {
                visit_stmts(a, f);
                visit_stmts(b, f);
            }
            StmtKind::Gil { body, .. } => visit_stmts(body, f),
            StmtKind::Prange(p) => {
                if let PrangeBody::Inline(body) = &p.body {
                    visit_stmts(body, f);
                }
            }
            StmtKind::Try(t) => t.blocks().into_iter().for_each(|b| visit_stmts(b, f)),
            _ => {}
        }
    }
}

/// Every expression directly held by the statements (recursing into nested blocks).
pub fn visit_stmt_exprs(body: &[Stmt], f: &mut impl FnMut(&Expr)) {
    visit_stmts(body, &mut |s| match &s.kind {
        StmtKind::Assign(pairs) => pairs.iter().for_each(|(_, e)| f(e)),
        StmtKind::Expr(e) | StmtKind::Assert { cond: e, .. } | StmtKind::If { cond: e, .. } | StmtKind::While { cond: e, .. } | StmtKind::ForIter { iter: e, .. } => f(e),
        StmtKind::Store { indices, value, .. } => {
            indices.iter().for_each(|e| f(e));
            f(value);
        }
        StmtKind::Return(e) => e.iter().for_each(|e| f(e)),
        StmtKind::Yield { value, .. } => f(value),
        StmtKind::ForRange { start, stop, step, .. } => {
            f(start);
            f(stop);
            f(step);
        }
        StmtKind::Prange(p) => [&p.start, &p.stop, &p.step].into_iter().chain(p.chunksize.as_ref()).chain(p.num_threads.as_ref()).for_each(|e| f(e)),
        StmtKind::RaiseObject { exc, cause } => exc.iter().chain(cause).for_each(|e| f(e)),
        StmtKind::Try(t) => t.handlers.iter().filter_map(|h| h.types.as_ref()).for_each(|e| f(e)),
        StmtKind::Break | StmtKind::Continue | StmtKind::Raise { .. } | StmtKind::Pass | StmtKind::Unbind(_) | StmtKind::CopyView { .. } | StmtKind::Gil { .. } => {}
    })
}

/// Pre-order walk over an expression tree.
pub fn visit_expr(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::ViewDim { .. } | ExprKind::ViewIsNone(_) | ExprKind::NoneView | ExprKind::ThreadId| ExprKind::ObjConst(_) => {}
        ExprKind::Index { indices, .. } => indices.iter().for_each(|x| visit_expr(x, f)),
        ExprKind::ElemAddr(x) => visit_expr(x, f),
        ExprKind::SliceView { axes, .. } => {
            for a in axes {
                match a {
                    Axis::At(x) => visit_expr(x, f),
                    Axis::Range(a, b, c) => [a, b, c].into_iter().flatten().for_each(|x| visit_expr(x, f)),
                }
            }
        }
        ExprKind::Convert(x) | ExprKind::Unary(_, x) | ExprKind::Truthy(x) | ExprKind::Abs(x) | ExprKind::Round(x) | ExprKind::BitCount(x) | ExprKind::ObjUnary(_, x) | ExprKind::ComplexPart(x, _) => {
            visit_expr(x, f)
        }
        ExprKind::Binary(_, a, b) | ExprKind::NoOverflow(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::RoundDigits(a, b) | ExprKind::ComplexMake(a, b)
        | ExprKind::ObjBinary { a, b, .. } | ExprKind::ObjCompare(_, a, b) | ExprKind::ObjIs(a, b) | ExprKind::ObjContains { item: a, container: b } => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        ExprKind::IfExp { cond, then, orelse, .. } => {
            visit_expr(cond, f);
            visit_expr(then, f);
            visit_expr(orelse, f);
        }
        ExprKind::Compare { operands: xs, .. } | ExprKind::Call(_, xs) | ExprKind::VirtualCall { args: xs, .. } | ExprKind::NewInstance { args: xs, .. } | ExprKind::Math(_, xs) | ExprKind::CallPtr(xs) | ExprKind::MinMax { args: xs, .. } | ExprKind::ObjOp { operands: xs, .. } => {
            xs.iter().for_each(|x| visit_expr(x, f))
        }
        ExprKind::CCall { args, .. } => args.iter().for_each(|x| visit_expr(x, f)),
        ExprKind::Comprehension(c) => c.exprs().into_iter().for_each(|x| visit_expr(x, f)),
        ExprKind::AssignLocal { value, .. } | ExprKind::CGlobalStore { value, .. } => visit_expr(value, f),
        ExprKind::CGlobal(_) | ExprKind::FuncAddr { .. } | ExprKind::CString(_) => {}
        ExprKind::PtrLoad { ptr, index } => [ptr, index].into_iter().for_each(|x| visit_expr(x, f)),
        ExprKind::PtrStore { ptr, index, value } => [ptr, index, value].into_iter().for_each(|x| visit_expr(x, f)),
        ExprKind::PtrOffset { ptr, offset, .. } => [ptr, offset].into_iter().for_each(|x| visit_expr(x, f)),
        ExprKind::ObjectData(x) | ExprKind::FieldLoad { obj: x, .. } | ExprKind::TypeTest { obj: x, .. } | ExprKind::IsClassInstance { obj: x, .. } | ExprKind::NoneGuard { obj: x, .. } => visit_expr(x, f),
        ExprKind::FieldStore { obj, value, .. } => [obj, value].into_iter().for_each(|x| visit_expr(x, f)),
    }
}

/// Pre-order walk over an expression tree that may change each node.
pub fn visit_expr_mut(e: &mut Expr, f: &mut impl FnMut(&mut Expr)) {
    f(e);
    match &mut e.kind {
        ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::ViewDim { .. } | ExprKind::ViewIsNone(_) | ExprKind::NoneView | ExprKind::ThreadId| ExprKind::ObjConst(_) => {}
        ExprKind::Index { indices, .. } => indices.iter_mut().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::ElemAddr(x) => visit_expr_mut(x, f),
        ExprKind::SliceView { axes, .. } => {
            for a in axes {
                match a {
                    Axis::At(x) => visit_expr_mut(x, f),
                    Axis::Range(a, b, c) => [a, b, c].into_iter().flatten().for_each(|x| visit_expr_mut(x, f)),
                }
            }
        }
        ExprKind::Convert(x) | ExprKind::Unary(_, x) | ExprKind::Truthy(x) | ExprKind::Abs(x) | ExprKind::Round(x) | ExprKind::BitCount(x) | ExprKind::ObjUnary(_, x) | ExprKind::ComplexPart(x, _) => {
            visit_expr_mut(x, f)
        }
        ExprKind::Binary(_, a, b) | ExprKind::NoOverflow(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::RoundDigits(a, b) | ExprKind::ComplexMake(a, b)
        | ExprKind::ObjBinary { a, b, .. } | ExprKind::ObjCompare(_, a, b) | ExprKind::ObjIs(a, b) | ExprKind::ObjContains { item: a, container: b } => {
            visit_expr_mut(a, f);
            visit_expr_mut(b, f);
        }
        ExprKind::IfExp { cond, then, orelse, .. } => {
            visit_expr_mut(cond, f);
            visit_expr_mut(then, f);
            visit_expr_mut(orelse, f);
        }
        ExprKind::Compare { operands: xs, .. } | ExprKind::Call(_, xs) | ExprKind::VirtualCall { args: xs, .. } | ExprKind::NewInstance { args: xs, .. } | ExprKind::Math(_, xs) | ExprKind::CallPtr(xs) | ExprKind::MinMax { args: xs, .. } | ExprKind::ObjOp { operands: xs, .. } => {
            xs.iter_mut().for_each(|x| visit_expr_mut(x, f))
        }
        ExprKind::CCall { args, .. } => args.iter_mut().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::Comprehension(c) => c.exprs_mut().into_iter().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::AssignLocal { value, .. } | ExprKind::CGlobalStore { value, .. } => visit_expr_mut(value, f),
        ExprKind::CGlobal(_) | ExprKind::FuncAddr { .. } | ExprKind::CString(_) => {}
        ExprKind::PtrLoad { ptr, index } => [ptr, index].into_iter().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::PtrStore { ptr, index, value } => [ptr, index, value].into_iter().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::PtrOffset { ptr, offset, .. } => [ptr, offset].into_iter().for_each(|x| visit_expr_mut(x, f)),
        ExprKind::ObjectData(x) | ExprKind::FieldLoad { obj: x, .. } | ExprKind::TypeTest { obj: x, .. } | ExprKind::IsClassInstance { obj: x, .. } | ExprKind::NoneGuard { obj: x, .. } => visit_expr_mut(x, f),
        ExprKind::FieldStore { obj, value, .. } => [obj, value].into_iter().for_each(|x| visit_expr_mut(x, f)),
    }
}

/// The expressions a statement holds itself (not those of its nested blocks),
/// in the order they are evaluated.
pub fn own_exprs_mut(s: &mut Stmt) -> Vec<&mut Expr> {
    match &mut s.kind {
        StmtKind::Assign(pairs) => pairs.iter_mut().map(|(_, e)| e).collect(),
        StmtKind::Expr(e) | StmtKind::Assert { cond: e, .. } | StmtKind::If { cond: e, .. } | StmtKind::While { cond: e, .. } | StmtKind::ForIter { iter: e, .. } => vec![e],
        StmtKind::Store { indices, value, .. } => std::iter::once(value).chain(indices.iter_mut()).collect(),
        StmtKind::Return(e) => e.iter_mut().collect(),
        StmtKind::Yield { value, .. } => vec![value],
        StmtKind::ForRange { start, stop, step, .. } => vec![start, stop, step],
        StmtKind::Prange(p) => {
            let p = &mut **p;
            [&mut p.start, &mut p.stop, &mut p.step].into_iter().chain(p.chunksize.as_mut()).chain(p.num_threads.as_mut()).collect()
        }
        StmtKind::RaiseObject { exc, cause } => exc.iter_mut().chain(cause.iter_mut()).collect(),
        StmtKind::Try(t) => t.handlers.iter_mut().filter_map(|h| h.types.as_mut()).collect(),
        StmtKind::Break | StmtKind::Continue | StmtKind::Raise { .. } | StmtKind::Pass | StmtKind::Unbind(_) | StmtKind::CopyView { .. } | StmtKind::Gil { .. } => vec![],
    }
}

/// Every block nested directly in a statement, in the order they run.
pub fn blocks_mut(s: &mut Stmt) -> Vec<&mut Vec<Stmt>> {
    match &mut s.kind {
        StmtKind::If { then: a, orelse: b, .. }
        | StmtKind::While { body: a, orelse: b, .. }
        | StmtKind::ForRange { body: a, orelse: b, .. }
        | StmtKind::ForIter { body: a, orelse: b, .. } => vec![a, b],
        StmtKind::Gil { body, .. } => vec![body],
        StmtKind::Prange(p) => match &mut p.body {
            PrangeBody::Inline(body) => vec![body],
            PrangeBody::Outlined(_) => vec![],
        },
        StmtKind::Try(t) => t.blocks_mut(),
        _ => vec![],
    }
}

impl Module {
    pub fn function(&self, id: FuncId) -> &Function {
        &self.functions[id.0 as usize]
    }
}

impl Function {
    /// Whether it has a `try` statement or a bare `raise`: errors raised
    /// again as they are leave it through an exit of its own, so it is
    /// built as a function (never in a wrapper's place).
    pub fn reraises(&self) -> bool {
        let mut found = false;
        visit_stmts(&self.body, &mut |s| found |= matches!(s.kind, StmtKind::Try(_) | StmtKind::RaiseObject { exc: None, .. }));
        found
    }

    /// Whether it holds Python objects (parameters, locals, its result or
    /// a temporary): such a body is always called, never inlined or put in
    /// its wrapper.
    pub fn has_objects(&self) -> bool {
        if self.ret == Ty::Object || self.locals.iter().any(|l| l.ty == Ty::Object) {
            return true;
        }
        let mut found = false;
        visit_stmt_exprs(&self.body, &mut |e| visit_expr(e, &mut |x| found |= x.ty == Ty::Object));
        found
    }
}
