//! The mid-level IR: a function body as a control-flow graph of basic blocks
//! over typed locals, in the manner of mypyc's IR and rustc's MIR.
//!
//! Builders (`build`) emit no reference-count operations and no error checks:
//! each operation only declares how it can fail (`ErrorKind`) and whether the
//! object it produces is a new or a borrowed reference. The passes (`pass`)
//! then add the exception edges and the reference counts, in a fixed order;
//! `verify` checks a body between passes and `print` shows it
//! (`pyc-aot build --emit mir`). The back end's `codegen` turns a body into
//! one Cranelift function, one Cranelift block per MIR block.

pub mod body;
pub mod build;
pub mod cfg;
mod index;
pub mod pass;
pub mod primitives;
pub mod print;
pub mod verify;

pub use index::{BlockId, Idx, IndexVec, Local};

use crate::hir::FuncId;
use crate::types::{Ty, ViewTy};
use primitives::Primitive;

/// What a local holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalTy {
    /// A C scalar (int of any width, float, bint).
    Scalar(Ty),
    /// A `PyObject*`.
    Object,
    /// An owned `Py_buffer` (the struct itself, on the stack).
    PyBuffer,
    /// A pointer-sized integer: an address, a length or a stride.
    Ptr,
    /// Two doubles in one 128-bit vector (a paired reduction's two trips).
    F64x2,
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub ty: LocalTy,
    /// The source name it stands for, if any (for the printer).
    pub name: Option<String>,
}

/// The helper-table slot (`OpKind::CallHelper`) of the module's Python
/// function that raises Cython's TypeError for an object that is not an
/// instance of an extension type (`hir::ExprKind::TypeTest`).
pub const HELPER_TYPE_ERROR: usize = 2;

/// The helper-table slot of the module's Python function that unpacks a
/// value into a tuple of a pattern's items by Python's own unpacking
/// (`hir::ObjOp::Unpack` when the value is no exact list or tuple of the
/// right length): `(value, before, after, star)`.
pub const HELPER_UNPACK: usize = 3;

/// The helper-table slot of the module's Python function that makes a call
/// with `*`/`**` unpacking as Python's own call of its shape
/// (`hir::ObjOp::CallShaped`): `(callable, values, shape)`, returning
/// `(result,)` or the exception to raise.
pub const HELPER_CALL: usize = 4;

/// The helper-table slot of the module's Python function that makes the
/// exception a `with` statement raises for a context manager whose type
/// lacks `__enter__` or `__exit__` (each version's own message), returned
/// for compiled code to raise: `(manager)` (`hir::ObjOp::WithEnter`).
pub const HELPER_WITH_ERROR: usize = 5;

/// The methods of `str` a call by name (`OpKind::CallMethod`) takes
/// straight to their C functions on an exact str receiver (Cython calls
/// them through its cached unbound methods). A name some version of str
/// lacks, or whose descriptor has a calling convention the fast path does
/// not make, is looked up as any method is.
pub fn str_fast_method(name: &str) -> bool {
    matches!(
        name,
        "capitalize" | "casefold" | "center" | "count" | "encode" | "endswith" | "expandtabs" | "find" | "index" | "isalnum"
            | "isalpha" | "isascii" | "isdecimal" | "isdigit" | "isidentifier" | "islower" | "isnumeric" | "isprintable" | "isspace"
            | "istitle" | "isupper" | "join" | "ljust" | "lower" | "lstrip" | "partition" | "removeprefix" | "removesuffix"
            | "replace" | "rfind" | "rindex" | "rjust" | "rpartition" | "rsplit" | "rstrip" | "split" | "splitlines"
            | "startswith" | "strip" | "swapcase" | "title" | "translate" | "upper" | "zfill"
    )
}

/// How an operation reports failure (the exception-edge pass turns each
/// into a branch to the error path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Never,
    /// The result is NULL.
    Null,
    /// The result is -1 (an `int` status).
    Negative,
    /// The result is the error value and `PyErr_Occurred()` is set.
    ErrorValueAndOccurred,
    /// The operation's code generation knows its own failure conditions
    /// (inline fast paths with several exits, a native call's error flag).
    Flag,
    /// It always fails (`raise`): nothing after it runs.
    Always,
}

/// Ownership of an object (or resource) an operation produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    /// A new reference (or an acquired buffer): someone must release it.
    New,
    /// Borrowed: valid while its owner (if a local of this body) is alive.
    Borrowed,
}

/// The operations. Those that produce values write them to the op's `dests`.
#[derive(Clone, Debug)]
pub enum OpKind {
    /// `argv[index]`: the borrowed object at that slot of an argument vector.
    ArgItem { argv: Local, index: usize },
    /// The address of a tuple's items (borrowed from the tuple).
    TupleItems { tuple: Local },
    /// Calls the function's argument binder (`helpers[slot]`) with the
    /// vectorcall arguments; a new tuple of the bound arguments.
    /// `bound`: a method's `self`, passed first (the binder bound to it).
    CallBinder { slot: usize, args: Local, nargs: Local, kwnames: Local, bound: Option<Local> },
    /// Calls the wrapper's binder path (a function of its own) with the
    /// wrapper's arguments.
    CallBinderPath { args: Vec<Local> },
    /// An object converted to the C scalar `ty`, with CPython's errors.
    Unbox { obj: Local, ty: Ty },
    /// `PyObject_GetBuffer` checked against the memoryview type: dests are
    /// the `Py_buffer`, its data pointer, then `ndim` extents and strides.
    AcquireBuffer { obj: Local, view: ViewTy, name: String, writable: bool, accepts_none: bool },
    /// The stack limit the body runs with (`frame`: bytes of a big frame to
    /// check room for, which can raise RecursionError).
    StackLimit { frame: Option<i64> },
    /// Calls the native function; fails by its error flag.
    CallNative { func: FuncId, args: Vec<Local>, limit: Local },
    /// A body in place failed (its traceback entries added): the error
    /// leaves compiled code here, so the next one counts its entries afresh.
    LeaveCompiledCode,
    /// The exception set is written as unraisable under `name` (Cython's
    /// `noexcept`), holding the GIL, and cleared.
    WriteUnraisable { name: String },
    /// Calls the module helper `helpers[slot]` (a Python callable) with
    /// `args`; a new reference.
    CallHelper { slot: usize, args: Vec<Local> },
    /// A C-API primitive from the table.
    CallC { prim: &'static Primitive, args: Vec<Local> },
    /// A scalar widened to `to` (sign- or zero-extended, or promoted).
    Widen { value: Local, to: Ty },
    /// The real (imaginary: `imag`) part of a C double complex, a double.
    ComplexPart { value: Local, imag: bool },
    /// A new reference to `None`.
    NoneRef,
    /// A new reference to `True` or `False`.
    BoxBool { value: Local },
    /// Whether a pointer-sized value is NULL.
    IsNull { value: Local },
    /// Whether an integer equals a constant.
    EqConst { value: Local, imm: i64 },
    /// An object variable's value before its first assignment: NULL, which
    /// holds no reference.
    Unassigned,
    /// A read of an object variable: the definite-assignment pass turns it
    /// into a borrow, checked where the variable may be unassigned.
    ReadVar { var: Local },
    /// An object variable's new value: the reference passes to the variable.
    Assign { src: Local },
    /// The object in a variable, borrowed from it.
    Borrow { var: Local },
    /// UnboundLocalError for the object variable `var` (named `name`) when
    /// it is NULL (unassigned).
    CheckAssigned { var: Local, name: String },
    /// Reference counting, inserted by the refcount pass only (`maybe_null`:
    /// an object variable that may be unassigned, `Py_XDECREF`).
    IncRef { obj: Local },
    DecRef { obj: Local, maybe_null: bool },
    /// `PyBuffer_Release`, inserted by the refcount pass only.
    ReleaseBuffer { buf: Local },
    /// A `Py_buffer` holding nothing (its owner NULL: releasing it does
    /// nothing): a memoryview local's buffer before it takes one from an
    /// object (`v: T[:] = obj`).
    EmptyBuffer,
    /// No code: a use of a memoryview local's buffer where the view is
    /// read, so that the refcount pass keeps the buffer until the view's
    /// last use.
    HoldBuffer { buf: Local },
    /// An operation of a native function body (`body.rs`).
    Body(body::BodyOp),
    /// A constant object, borrowed: the interpreter's static (None, True,
    /// False) or the module's constant table's, alive as long as the module.
    LoadConst(crate::hir::ObjConst),
    /// The module's dict (its globals), borrowed: the module keeps it.
    ModuleDict,
    /// `a is b`: whether two objects are the same one (a `bint`).
    SameObject { a: Local, b: Local },
    /// Calls the object `func` with `args` (vectorcall), the last
    /// `keywords` of them by the names in the tuple `kwnames`; a new reference.
    CallObject { func: Local, args: Vec<Local>, kwnames: Option<Local>, keywords: usize },
    /// The strs `parts` joined with "" (an f-string's `BUILD_STRING`): a new
    /// str, NULL on error; the parts are borrowed.
    JoinStr { parts: Vec<Local> },
    /// `args[0].name(*args[1:])` without a bound method object
    /// (`PyObject_VectorcallMethod`), the last `keywords` arguments by the
    /// names in `kwnames`; a new reference. `name` is a constant str.
    /// With `str_method` (a name `str_fast_method` accepts, no keywords),
    /// an exact str receiver calls the C function of str's own method
    /// directly, with no lookup (`backend/codegen/str_fast.rs`).
    CallMethod { name: Local, args: Vec<Local>, kwnames: Option<Local>, keywords: usize, str_method: Option<String> },
    /// Whether `obj` is an exact dict (no subclass: its methods and items
    /// are dict's own).
    IsExactDict { obj: Local },
    /// Whether `obj` is an exact float (its value a C double in place).
    IsExactFloat { obj: Local },
    /// Whether `obj` is an exact int (float's operators take its value as
    /// `PyLong_AsDouble` gives it).
    IsExactInt { obj: Local },
    /// Whether `obj` is an exact complex (its two doubles in place).
    IsExactComplex { obj: Local },
    /// Whether `obj` is an exact tuple.
    IsExactTuple { obj: Local },
    /// Whether `obj` is an exact list.
    IsExactList { obj: Local },
    /// Whether `obj` is an exact str (its methods str's own).
    IsExactStr { obj: Local },
    /// Whether `obj` is an instance of the module's extension type `class`
    /// or of a subtype (its type that one, else `PyType_IsSubtype`), the
    /// type read from the module's slot for it: no global lookup and no
    /// reference taken (the module keeps its types). `exact`: its exact
    /// type only.
    /// `inherits`: whether the method of that name found on its type (by
    /// `_PyType_Lookup`, borrowed) is the one found on the class.
    IsClassInstance { obj: Local, class: String, exact: bool, inherits: Option<String> },
    /// A new instance of the module's extension type `class`, made by the
    /// type's `tp_new` (read from the type, which is read from the module's
    /// slot) with no arguments, or with the objects `args` (borrowed; a
    /// `__cinit__` taking arguments gets them) in a tuple laid out on the
    /// stack, which only the type's own `tp_new` reads (its size and
    /// items, for the `__cinit__`s' vector entries): a new reference.
    NewInstance { class: String, args: Option<Vec<Local>> },
    /// The class a method was defined in (`hir::ClassRef`), what
    /// `super()` and `__class__` read: a new reference, or NULL with
    /// CPython's error when there is none.
    DefiningClass(crate::hir::ClassRef),
    /// `dict[key]` of an exact dict (`PyDict_GetItemWithError`): the value,
    /// borrowed from the dict, and whether it is there (else NULL); fails
    /// when hashing or comparing the key raised.
    DictItem { dict: Local, key: Local },
    /// The module global `name`, or the builtin, when the code runs; a new
    /// reference (NameError when neither is bound).
    LoadGlobal { name: String },
    /// A cell's value (`PyCellObject.ob_ref`), a new reference;
    /// UnboundLocalError for the variable `name` when the cell is empty.
    CellGet { cell: Local, name: String },
    /// `obj[index]` by a `Py_ssize_t` read in place: an exact list's or
    /// tuple's item (borrowed from it) when the index, wrapped once if
    /// negative, is in range, and whether it was (else the item is NULL
    /// and the builder's slow path is `PyObject_GetItem` of the boxed index).
    ItemInPlace { obj: Local, index: Local },
    /// An extension type instance's object field at byte `offset`: a new
    /// reference (the field is never NULL).
    LoadField { obj: Local, offset: i32 },
    /// The same field read without a reference of its own: borrowed from
    /// `obj` (for an `is` test, which runs no code while it holds it).
    PeekField { obj: Local, offset: i32 },
    /// Stores `value` into an object field: the field takes a reference of
    /// its own (`value` stays the caller's) and releases the old one.
    /// `raw`: `obj` is an address in C memory (a `Py_buffer`'s `obj`
    /// through a pointer), whose old value may be NULL.
    StoreField { obj: Local, offset: i32, value: Local, raw: bool },
    /// `obj[index] = value` by a `Py_ssize_t` in place: when `obj` is an
    /// exact list and the index, wrapped once if negative, is in range, the
    /// item takes a reference of its own to `value` (which stays the
    /// caller's) and the old one is released; whether it was stored (else
    /// the builder's slow path is `PyObject_SetItem` of the boxed index).
    StoreItemInPlace { obj: Local, index: Local, value: Local },
    /// The iterator's next item (a new reference) and whether it is done
    /// (then the item is NULL); fails when the iterator raised.
    IterNext { iter: Local },
    /// The start of `for … in obj`: NULL (no iterator, which is no error)
    /// for an exact list or tuple, which the loop reads by index
    /// (`SeqLen`, `SeqItem`), else `PyObject_GetIter(obj)`, a new reference.
    IterStart { obj: Local },
    /// An exact list's or tuple's length, read again at each step (a list
    /// may change size while a loop runs over it).
    SeqLen { seq: Local },
    /// An exact list's or tuple's item `index` (below its length), borrowed
    /// from it.
    /// `list`: `seq` is known to be an exact list (no tuple to tell apart).
    SeqItem { seq: Local, index: Local, list: bool },
    /// Whether `obj` is an exact `int` of at most one 30-bit digit, and its
    /// value (a `Py_ssize_t`, 0 when it is not): the test before an int
    /// fast path, whose slow path is the ordinary C-API call.
    SmallInt { obj: Local },
    /// Whether `obj` is an exact str whose length can be read in place (a
    /// ready one, on an interpreter whose layout is known), and its length
    /// (0 when it is not): `PyUnicode_GET_LENGTH` before `PyObject_Size`.
    StrLen { obj: Local },
    /// `a op b` on two `Py_ssize_t` with Python's semantics (`//` and `%`
    /// floored), for operands of an int fast path: each below 2**32 in
    /// magnitude (so nothing overflows) and `b` not 0 for `//` and `%`.
    SmallIntArith { op: crate::hir::ObjBinOp, a: Local, b: Local },
    /// `raise exc` (`from cause`): a class is called without arguments,
    /// the cause (None: no cause) set on the instance, which is raised.
    RaiseObject { exc: Local, cause: Option<Local> },
    /// A bare `raise`: the exception being handled raised again as it is
    /// (RuntimeError when there is none, which `IsHandling` tests first).
    Reraise,
    /// Whether an exception is being handled (a bint).
    IsHandling,
    /// Entering an `except` clause or a `finally` run for an error: the
    /// raised exception, fetched and normalised (with its traceback), becomes
    /// the one being handled (`sys.exc_info()`); dests are it and the one
    /// handled before (None when there was none), both new references.
    CatchException,
    /// Leaving such a clause: the exception handled before it (`saved`,
    /// None for none) is the handled one again.
    SetHandled { saved: Local },
    /// A generator resumed inside an `except` clause or a `finally` run for
    /// an error: dest is its caller's handled exception (None for none, a
    /// new reference), put back when it suspends again; `exc` is handled
    /// again, and a value thrown in (`sent` NULL) gets it as its context
    /// (CPython's `_PyErr_ChainStackItem`).
    ResumeHandled { exc: Local, sent: Local },
    /// Whether the exception `exc` matches `types` (a class or a tuple of
    /// them), as an `except` clause tests it (`PyErr_GivenExceptionMatches`;
    /// TypeError when `types` is or holds no exception class).
    ExceptionMatches { exc: Local, types: Local },
    /// The caught exception `exc` raised again, its traceback as it is.
    RestoreError { exc: Local },
    /// `obj.name` looked up for a call, as `LOAD_METHOD` does
    /// (`_PyObject_GetMethod`): a function or method descriptor of the type
    /// not shadowed by the instance (then `unbound`, and the call passes
    /// `obj` first) without a bound method object, else the attribute's
    /// value. Dests: the callable (a new reference) and `unbound` (a bint).
    LoadMethod { obj: Local, name: Local },
    /// `obj`'s special method `name` as `with` looks it up (the type's
    /// attribute, bound by its `__get__`, but a function of the class left
    /// unbound, as `LoadMethod` leaves it, for `CallLoadedMethod`): dests
    /// the callable (a new reference; NULL when the type has none, which is
    /// no error) and `unbound` (a bint); fails when `__get__` raised.
    LoadSpecial { obj: Local, name: Local },
    /// Calls what `LoadMethod` found: with `args` (`args[0]` is the
    /// receiver, passed only when `unbound`), the last `keywords` by the
    /// names in `kwnames`; a new reference.
    CallLoadedMethod { method: Local, unbound: Local, args: Vec<Local>, kwnames: Option<Local>, keywords: usize },
    /// A generator's body suspends at `yield value` (the last op of its
    /// block, whose `Goto` leads to where it resumes): the suspension pass
    /// (`pass/suspend.rs`) turns it into stores of the live locals into the
    /// generator's frame, the state `state` and a return of `value`.
    Yield { value: Local, state: u32 },
    /// Where a generator resumes: the value sent in (`sent`, the resume
    /// function's parameter), borrowed from it; NULL when an exception is
    /// thrown in (it is set), which fails here, at the `yield`'s line.
    Sent { sent: Local },
    /// A generator's state (an `i32`: 0 not started, k suspended at its
    /// k-th `yield`, -1 finished), and its setting.
    GenState { gen: Local },
    SetGenState { gen: Local, state: i32 },
    /// A local kept in the generator's frame across a `yield`: loaded at
    /// byte `offset` of the generator `gen` (`owned`: an object slot, taken
    /// out, the slot left NULL, a new reference that may be NULL; else the
    /// raw bits, an object borrowed from `owner` as before the suspension).
    FrameLoad { gen: Local, offset: i32, owned: bool, owner: Option<Local> },
    /// Stores `value` at byte `offset` of the generator's frame (`object`:
    /// the slot takes a reference of its own, `value` may be NULL).
    FrameStore { gen: Local, offset: i32, value: Local, object: bool },
    /// A new generator object of the module's generator type for the
    /// compiled generator function `func` (its resume function and names
    /// from `Emitter::generators`), with `words` frame words, zeroed; a new
    /// reference.
    NewGenerator { func: FuncId, words: u32 },
}

#[derive(Clone, Debug)]
pub struct Op {
    pub dests: Vec<Local>,
    pub kind: OpKind,
    /// The source line it belongs to (0: none): its traceback entry's line
    /// when it fails, and its instructions' source location.
    pub line: u32,
    /// Where its error goes when it fails (an inlined callee's error block,
    /// which adds the callee's traceback entry); `None`: the error exit.
    pub handler: Option<BlockId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Terminator {
    Goto(BlockId),
    Branch { cond: Local, then: BlockId, otherwise: BlockId },
    /// The last op of the block can fail: on failure control goes to `err`
    /// (its dests are then undefined), else to `ok`.
    Try { ok: BlockId, err: BlockId },
    /// Returns the value (an object's ownership passes to the caller).
    Return(Local),
    /// Returns the function's error value (NULL, or the error flag set).
    ReturnError,
    /// Returns from a function returning None (`Returns::Flag`), or from a
    /// void cfunc's C entry (`Returns::C(Ty::Void, _)`).
    ReturnNone,
    /// Nothing reaches here (after an op that always fails).
    Unreachable,
}

#[derive(Clone, Debug)]
pub struct BasicBlock {
    pub ops: Vec<Op>,
    /// `None` only while a builder is filling the block.
    pub term: Option<Terminator>,
    /// Reached only on error paths: laid out away from the fast path.
    pub cold: bool,
    /// The local (an `i32`) that receives the line of the op that failed,
    /// when the block is an error edge's target that takes it.
    pub takes_line: Option<Local>,
    /// The source line of the terminator (0: none).
    pub line: u32,
    /// The local whose value each jump here passes as the block's
    /// parameter (a join block: of `and`/`or`, of a conditional expression,
    /// of a callee's result; as the walk passed it).
    pub passed: Option<Local>,
    /// On an inlined callee's error block: the directives of the ops whose
    /// errors come here (`Op::handler`), when they are not the function's.
    pub directives: Option<body::Directives>,
    /// On the block an expression function's lane goes on in after its
    /// frame: that frame's error block. When nothing raised to it, the
    /// code goes on in the Cranelift block the jump here leaves (the walk
    /// made a block of its own only to step over a used error block).
    pub resumes_after: Option<BlockId>,
    /// A `try` statement's block that errors go to (its landing, or a
    /// clause's cleanup): code generation emits it after every block that
    /// may jump to it.
    pub catches: bool,
}

impl BasicBlock {
    pub fn new(ops: Vec<Op>, term: Option<Terminator>, cold: bool) -> Self {
        BasicBlock { ops, term, cold, takes_line: None, line: 0, passed: None, directives: None, resumes_after: None, catches: false }
    }
}

/// What a body returns, and so what `Return` and `ReturnError` mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A new reference, NULL on error (CPython's convention).
    Object,
    /// A C scalar and an error flag (the native convention), the scalar
    /// meaningless when the flag is set.
    ScalarAndFlag(Ty),
    /// Only the error flag (a native function returning None).
    Flag,
    /// Only a C scalar: a cfunc's C-ABI entry. Its error exit returns the
    /// specification's exception value with the exception set (0 for
    /// `except *`); a `noexcept` entry's C caller cannot see an error, so its
    /// error exit writes the exception as unraisable (`WriteUnraisable`) and
    /// returns 0. A void cfunc's (`Ty::Void`) returns nothing (`ReturnNone`),
    /// its error exit too.
    C(Ty, crate::types::ExceptSpec),
}

#[derive(Clone, Debug)]
pub struct Body {
    pub name: String,
    pub returns: Returns,
    pub locals: IndexVec<Local, LocalDecl>,
    /// Defined on entry, in the order of the function's parameters.
    pub params: Vec<Local>,
    pub blocks: IndexVec<BlockId, BasicBlock>,
    /// Where an error goes when no handler is closer: it runs what every
    /// error path must, then returns the error value.
    pub error_exit: BlockId,
}

impl Body {
    pub const ENTRY: BlockId = BlockId::from_usize_const(0);

    pub fn ty(&self, l: Local) -> LocalTy {
        self.locals[l].ty
    }
}

impl Terminator {
    pub fn successors(&self) -> Vec<BlockId> {
        match *self {
            Terminator::Goto(b) => vec![b],
            Terminator::Branch { then, otherwise, .. } => vec![then, otherwise],
            Terminator::Try { ok, err } => vec![ok, err],
            Terminator::Return(_) | Terminator::ReturnError | Terminator::ReturnNone | Terminator::Unreachable => vec![],
        }
    }

    pub fn successors_mut(&mut self) -> Vec<&mut BlockId> {
        match self {
            Terminator::Goto(b) => vec![b],
            Terminator::Branch { then, otherwise, .. } => vec![then, otherwise],
            Terminator::Try { ok, err } => vec![ok, err],
            Terminator::Return(_) | Terminator::ReturnError | Terminator::ReturnNone | Terminator::Unreachable => vec![],
        }
    }

    pub fn uses(&self) -> Vec<Local> {
        match *self {
            Terminator::Branch { cond, .. } => vec![cond],
            Terminator::Return(v) => vec![v],
            _ => vec![],
        }
    }
}

impl Op {
    pub fn new(dests: Vec<Local>, kind: OpKind) -> Self {
        Op { dests, kind, line: 0, handler: None }
    }

    /// The locals the op reads.
    pub fn uses(&self) -> Vec<Local> {
        use OpKind::*;
        match &self.kind {
            ArgItem { argv, .. } => vec![*argv],
            TupleItems { tuple } => vec![*tuple],
            CallBinder { args, nargs, kwnames, bound, .. } => [*args, *nargs, *kwnames].into_iter().chain(*bound).collect(),
            CallBinderPath { args } | CallC { args, .. } | CallHelper { args, .. } => args.clone(),
            Unbox { obj, .. } | AcquireBuffer { obj, .. } | IncRef { obj } | DecRef { obj, .. } => vec![*obj],
            ReadVar { var: v } | Assign { src: v } | Borrow { var: v } | CheckAssigned { var: v, .. } => vec![*v],
            StackLimit { .. } | NoneRef | Unassigned | LeaveCompiledCode | WriteUnraisable { .. } => vec![],
            CallNative { args, limit, .. } => {
                let mut v = args.clone();
                v.push(*limit);
                v
            }
            Widen { value, .. } | ComplexPart { value, .. } | BoxBool { value } | IsNull { value } | EqConst { value, .. } => vec![*value],
            ReleaseBuffer { buf } | HoldBuffer { buf } => vec![*buf],
            EmptyBuffer => vec![],
            Body(op) => op.uses(),
            NewInstance { args, .. } => args.iter().flatten().copied().collect(),
            LoadConst(_) | LoadGlobal { .. } | DefiningClass(_) | ModuleDict => vec![],
            CellGet { cell, .. } => vec![*cell],
            IterNext { iter } => vec![*iter],
            SmallInt { obj } | StrLen { obj } | IterStart { obj } | IsExactDict { obj } | IsExactFloat { obj } | IsExactInt { obj } | IsExactComplex { obj } | IsExactTuple { obj } | IsExactList { obj } | IsExactStr { obj } | IsClassInstance { obj, .. } => vec![*obj],
            DictItem { dict, key } => vec![*dict, *key],
            SeqLen { seq } => vec![*seq],
            SeqItem { seq, index, .. } => vec![*seq, *index],
            SmallIntArith { a, b, .. } => vec![*a, *b],
            LoadField { obj, .. } | PeekField { obj, .. } => vec![*obj],
            StoreField { obj, value, .. } => vec![*obj, *value],
            StoreItemInPlace { obj, index, value } => vec![*obj, *index, *value],
            SameObject { a, b } | ItemInPlace { obj: a, index: b } => vec![*a, *b],
            RaiseObject { exc, cause } => std::iter::once(*exc).chain(*cause).collect(),
            Reraise | CatchException | IsHandling => vec![],
            ResumeHandled { exc, sent } => vec![*exc, *sent],
            SetHandled { saved: v } | RestoreError { exc: v } => vec![*v],
            ExceptionMatches { exc, types } => vec![*exc, *types],
            CallObject { func, args, kwnames, .. } => std::iter::once(*func).chain(args.iter().copied()).chain(*kwnames).collect(),
            JoinStr { parts } => parts.clone(),
            CallMethod { name, args, kwnames, .. } => std::iter::once(*name).chain(args.iter().copied()).chain(*kwnames).collect(),
            LoadMethod { obj, name } | LoadSpecial { obj, name, .. } => vec![*obj, *name],
            CallLoadedMethod { method, unbound, args, kwnames, .. } => [*method, *unbound].into_iter().chain(args.iter().copied()).chain(*kwnames).collect(),
            Yield { value, .. } => vec![*value],
            Sent { sent } => vec![*sent],
            GenState { gen } | SetGenState { gen, .. } | FrameLoad { gen, .. } => vec![*gen],
            FrameStore { gen, value, .. } => vec![*gen, *value],
            NewGenerator { .. } => vec![],
        }
    }

    /// Operands whose reference the op takes over (steals).
    pub fn consumes(&self) -> Vec<Local> {
        match &self.kind {
            OpKind::CallC { prim, args } => prim.steals.iter().filter_map(|&k| args.get(k).copied()).collect(),
            OpKind::DecRef { obj, .. } => vec![*obj],
            OpKind::Assign { src } => vec![*src],
            OpKind::ReleaseBuffer { buf } => vec![*buf],
            _ => vec![],
        }
    }

    pub fn error_kind(&self) -> ErrorKind {
        use OpKind::*;
        match &self.kind {
            CallBinder { .. } | CallBinderPath { .. } | CallHelper { .. } | CallObject { .. } | JoinStr { .. } | CallMethod { .. } | LoadGlobal { .. } | NewInstance { .. } | DefiningClass(_) | CellGet { .. } => ErrorKind::Null,
            CallLoadedMethod { .. } | NewGenerator { .. } | Sent { .. } => ErrorKind::Null,
            Yield { .. } | GenState { .. } | SetGenState { .. } | FrameLoad { .. } | FrameStore { .. } => ErrorKind::Never,
            LoadMethod { .. } | LoadSpecial { .. } => ErrorKind::Flag,
            LeaveCompiledCode | RaiseObject { .. } | Reraise | RestoreError { .. } => ErrorKind::Always,
            CatchException | SetHandled { .. } | ResumeHandled { .. } | IsHandling | WriteUnraisable { .. } => ErrorKind::Never,
            ExceptionMatches { .. } => ErrorKind::Flag,
            Unbox { .. } | AcquireBuffer { .. } | CallNative { .. } | CheckAssigned { .. } | IterNext { .. } | IterStart { .. } | DictItem { .. } => ErrorKind::Flag,
            StackLimit { frame } => {
                if frame.is_some() {
                    ErrorKind::Flag
                } else {
                    ErrorKind::Never
                }
            }
            CallC { prim, .. } => prim.error,
            ArgItem { .. } | TupleItems { .. } | Widen { .. } | ComplexPart { .. } | NoneRef | BoxBool { .. } | IsNull { .. } | EqConst { .. } | IncRef { .. }
            | DecRef { .. } | ReleaseBuffer { .. } | EmptyBuffer | HoldBuffer { .. } | Unassigned | ReadVar { .. } | Assign { .. } | Borrow { .. } | LoadConst(_) | ModuleDict | SameObject { .. } | SmallInt { .. } | StrLen { .. } | SmallIntArith { .. } | SeqLen { .. } | SeqItem { .. } | ItemInPlace { .. }
            | IsExactDict { .. } | IsExactFloat { .. } | IsExactInt { .. } | IsExactComplex { .. } | IsExactTuple { .. } | IsExactList { .. } | IsExactStr { .. } | IsClassInstance { .. } | LoadField { .. } | PeekField { .. } | StoreField { .. } | StoreItemInPlace { .. } => {
                ErrorKind::Never
            }
            Body(op) => op.error_kind(),
        }
    }

    /// Ownership of dest `k` (meaningful for objects and buffers), and the
    /// local it is borrowed from, which must stay alive while it is used.
    pub fn result(&self, k: usize) -> (RefKind, Option<Local>) {
        use OpKind::*;
        match &self.kind {
            ArgItem { argv, .. } => (RefKind::Borrowed, Some(*argv)),
            TupleItems { tuple } => (RefKind::Borrowed, Some(*tuple)),
            AcquireBuffer { .. } | IterNext { .. } if k == 0 => (RefKind::New, None),
            EmptyBuffer => (RefKind::New, None),
            LoadMethod { .. } | LoadSpecial { .. } | CallLoadedMethod { .. } if k == 0 => (RefKind::New, None),
            CatchException | ResumeHandled { .. } => (RefKind::New, None),
            NewGenerator { .. } => (RefKind::New, None),
            Sent { sent } => (RefKind::Borrowed, Some(*sent)),
            FrameLoad { owned: true, .. } => (RefKind::New, None),
            FrameLoad { owner, .. } => (RefKind::Borrowed, *owner),
            AcquireBuffer { .. } => (RefKind::Borrowed, self.dests.first().copied()),
            CallBinder { .. } | CallBinderPath { .. } | CallHelper { .. } | CallObject { .. } | JoinStr { .. } | CallMethod { .. } | LoadGlobal { .. } | NewInstance { .. } | DefiningClass(_) | CellGet { .. } | NoneRef | BoxBool { .. } | Unassigned | Assign { .. }
            | LoadField { .. } => {
                (RefKind::New, None)
            }
            ReadVar { var } | Borrow { var } => (RefKind::Borrowed, Some(*var)),
            IterStart { .. } => (RefKind::New, None),
            SeqItem { seq: from, .. } | ItemInPlace { obj: from, .. } | DictItem { dict: from, .. } | PeekField { obj: from, .. } => (RefKind::Borrowed, Some(*from)),
            CallC { prim, .. } => (prim.result, None),
            // A native function returning an object returns a new reference.
            CallNative { .. } | Body(body::BodyOp::Call { .. }) => (RefKind::New, None),
            // A `char*` into a bytes object's characters: the object must outlive it.
            Unbox { obj, ty: crate::types::Ty::Ptr(_) } => (RefKind::Borrowed, Some(*obj)),
            // An object's memory: the object must outlive the loads through it.
            Body(body::BodyOp::ObjectData { obj }) => (RefKind::Borrowed, Some(*obj)),
            _ => (RefKind::Borrowed, None),
        }
    }
}

#[cfg(test)]
mod tests;
