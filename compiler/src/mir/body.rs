//! The operations of native function bodies: what one HIR operation does to
//! C scalars, with Python's errors. Each carries the types and constants its
//! code generation needs (`backend/codegen/body.rs` hands it to `OpCx`), so a
//! constant operand stays with its op.

use super::{ErrorKind, Local};
use crate::hir::{self, ArithOp, CmpOp, Const, FuncId, LocalId, MathOp, SumPlan, UnOp, VectorPlan};
use crate::types::{IntTy, Ty, ViewTy};

/// The f64x2 arithmetic of a paired reduction's value
/// (`hir::PairedReduction`) over its leaves: each lane's values of the
/// operands outside the vector part, gathered in the scalar order.
#[derive(Clone, Debug)]
pub enum PairTree {
    Const(f64),
    /// The next leaf (`pair`: both lanes' elements loaded as one vector).
    Leaf { pair: bool },
    Binary(ArithOp, Box<PairTree>, Box<PairTree>),
    Neg(Box<PairTree>),
}

/// What a vector prelude runs, with the loop variable it advances.
#[derive(Clone, Debug)]
pub enum Prelude {
    /// An element-wise loop.
    Vector { var: LocalId, plan: VectorPlan },
    /// A float sum under `associative_math`, into partial sums.
    Sum { var: LocalId, plan: SumPlan },
}

/// Range counters and a memoryview's parts (Py_ssize_t).
pub const SSIZE: IntTy = IntTy { bits: 64, signed: true, checked: false, cname: "Py_ssize_t" };

/// The directives of the function an operation belongs to that change its
/// code, and whether it may run without the GIL (`nogil`: setting an
/// exception takes the GIL first).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Directives {
    pub overflowcheck: bool,
    pub cdivision: bool,
    pub wraparound: bool,
    pub boundscheck: bool,
    pub nogil: bool,
}

impl Directives {
    pub fn of(f: &hir::Function) -> Self {
        Directives { overflowcheck: f.overflowcheck, cdivision: f.cdivision, wraparound: f.wraparound, boundscheck: f.boundscheck, nogil: f.nogil }
    }
}

/// Cython's defaults, for ops of a body that is no user function's.
impl Default for Directives {
    fn default() -> Self {
        Directives { overflowcheck: false, cdivision: false, wraparound: true, boundscheck: true, nogil: false }
    }
}

/// As the MIR printer shows them (`nogil` only when set).
impl std::fmt::Debug for Directives {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Directives { overflowcheck, cdivision, wraparound, boundscheck, nogil } = self;
        write!(f, "Directives {{ overflowcheck: {overflowcheck}, cdivision: {cdivision}, wraparound: {wraparound}, boundscheck: {boundscheck}")?;
        if *nogil {
            write!(f, ", nogil: true")?;
        }
        write!(f, " }}")
    }
}

#[derive(Clone, Debug)]
pub enum BodyOp {
    Const { c: Const, ty: Ty },
    /// The value of another local (no code: a snapshot of it for later reads).
    Copy { src: Local },
    Convert { value: Local, from: Ty, to: Ty },
    Unary { op: UnOp, value: Local, ty: Ty },
    /// A float operation (`known`: the right operand when it is a literal).
    FloatBinary { op: ArithOp, a: Local, b: Local, ty: Ty, known: Option<f64> },
    IntTrueDiv { a: Local, b: Local, t: IntTy },
    IntBinary { op: ArithOp, a: Local, b: Local, t: IntTy },
    /// A signed `//` or `%` where C's truncating division serves
    /// (`hir::ExprKind::NoOverflow`): only the zero test.
    TruncDiv { op: ArithOp, a: Local, b: Local, t: IntTy },
    BoolBinary { op: ArithOp, a: Local, b: Local },
    /// `a + b`, `a - b` or `a * b` of checked integers that `opt` proved
    /// cannot overflow.
    NoOverflow { op: ArithOp, a: Local, b: Local },
    Compare { op: CmpOp, a: Local, ta: Ty, b: Local, tb: Ty },
    Truthy { value: Local, ty: Ty },
    /// `cond ? a : b` without a branch.
    Select { cond: Local, a: Local, b: Local },
    Math { op: MathOp, args: Vec<Local> },
    /// A call of a C function declared in a `.pxd` (`params`: its
    /// arguments' types; a `void` one gives a dummy bint); `except` as
    /// `CallPtr`'s; `variadic`: the callee is declared with `...`.
    CCall { symbol: String, args: Vec<Local>, params: Vec<Ty>, ret: Ty, except: crate::types::ExceptSpec, variadic: bool, by_value: Option<crate::types::StructAbiId> },
    /// A call through a C function pointer (`hir::ExprKind::CallPtr`):
    /// `args[0]` the address, then the arguments of `params`' types;
    /// `except` says how the callee signals an exception (checked after
    /// the call unless `noexcept`).
    CallPtr { args: Vec<Local>, params: Vec<Ty>, ret: Ty, except: crate::types::ExceptSpec },
    /// A C variable's value, read from its symbol.
    CGlobal { symbol: String, ty: Ty },
    /// `symbol = value` of a module-level C variable (gives a dummy bint).
    CGlobalStore { symbol: String, value: Local, ty: Ty },
    /// The address of the C-ABI entry of the native function `func` (see
    /// `hir::ExprKind::FuncAddr`).
    FuncAddr { func: FuncId, params: Vec<Ty>, ret: Ty, name: String },
    /// The address of a NUL-terminated constant (`hir::ExprKind::CString`).
    CString { text: String },
    /// `ptr[index]` of a C pointer to `elem` (unchecked, as in C).
    /// `in_object`: the pointer is an extension type instance's memory
    /// (`ObjectData`): valid and aligned, so the access cannot trap.
    PtrLoad { ptr: Local, index: Local, elem: Ty, in_object: bool },
    /// `ptr[index] = value` (gives a dummy bint, as a `void` C call).
    PtrStore { ptr: Local, index: Local, value: Local, elem: Ty, in_object: bool },
    /// The address of an extension type instance's memory (`obj`, borrowed
    /// for as long as the address is used: a method's `self`).
    ObjectData { obj: Local },
    /// `ptr + index` elements of `elem` (`ptr - index`: `negate`).
    PtrOffset { ptr: Local, index: Local, elem: Ty, negate: bool },
    /// One step of `min`/`max`: `acc` against the next argument `v`.
    MinMax { is_max: bool, ty: Ty, v: Local, acc: Local },
    Abs { value: Local, ty: Ty },
    /// A C double complex from its real and imaginary parts.
    ComplexMake { re: Local, im: Local },
    BitCount { value: Local, ty: Ty },
    /// `round(x)` to a Python int.
    Round { value: Local },
    RoundDigits { x: Local, n: Local },
    /// A call of a native function (its parameters, then the stack limit);
    /// the result is absent for functions returning None.
    /// `virt`: a call through the table of the receiver `args[0]` (the
    /// table pointer's byte offset in it, the entry's index), of an entry
    /// with `func`'s signature.
    Call { func: FuncId, args: Vec<Local>, limit: Local, virt: Option<(u32, u32)> },
    Raise { exc: String, msg: Option<String> },
    /// AssertionError(`msg`) unless `value` (a bint) holds.
    Assert { value: Local, msg: Option<String> },
    /// UnboundLocalError for the local `name` unless its bound flag is set.
    CheckBound { flag: Local, name: String },
    /// On entry of a recursive function: the stack limit to pass on, or,
    /// when the stack has no room, RecursionError returned at once (no
    /// traceback entry: the caller's names the call).
    StackCheck { limit: Local },
    /// A range loop's step that is not a constant: ValueError if it is zero.
    CheckRangeStep { step: Local },
    /// A bound of a loop variable narrower than 64 bits, of type `t`, as a
    /// 64-bit value for its counter.
    WidenBound { value: Local, t: IntTy },
    /// The 64-bit start, stop and step of a narrow loop variable's range,
    /// the range cut where its type ends when a bound was taken before a
    /// conversion that would wrap it (`wide`; OverflowError if the first
    /// value does not fit), the step clamped when it was (`step_wide`).
    CutRange { start: Local, stop: Local, step: Local, var_ty: IntTy, wide: bool, step_wide: bool, const_step: Option<i64> },
    /// Whether the counter `c` is still short of `stop` in the step's direction.
    RangeContinues { c: Local, stop: Local, step: Local, const_step: Option<i64>, step_unsigned: bool, unsigned: bool },
    /// The counter after a trip, and whether it left the 64-bit range.
    RangeNext { c: Local, step: Local, const_step: Option<i64>, var_ty: IntTy, unsigned: bool, step_unsigned: bool },
    /// Leaving a cut range loop with the counter at `c`: OverflowError if
    /// Python's range (to the uncut `stop`) had more values.
    RangeCutShort { c: Local, stop: Local, step: Local, var_ty: IntTy, const_step: Option<i64> },
    /// The counter limit of a loop unrolled ×2 with the step `k`, below
    /// which two trips run without an overflow check.
    UnrolledLimit { stop: Local, k: i64, narrow: bool, stop_above_min: bool },
    /// `value + imm` of a counter that cannot overflow.
    AddImm { value: Local, imm: i64 },
    /// The counter after one trip of an unrolled loop's rest (step `k`),
    /// and whether it left the 64-bit range.
    StepCounter { c: Local, k: i64, var_ty: IntTy, unsigned: bool },
    /// `a op b` of two counters, signed unless `unsigned`.
    CounterCmp { op: CmpOp, a: Local, b: Local, unsigned: bool },
    /// A C array's zeroed storage on the stack, as a C-contiguous view: dests
    /// are its data pointer, then shape and strides per axis.
    CArray { ty: ViewTy, dims: Vec<u64> },
    /// The element of type `elem` at `indices` of the view whose parts
    /// (data pointer, shape, strides) are the locals `view`: negative
    /// indices wrap and indices are bounds-checked as the directives and
    /// `in_bounds` say (`checked`: some axis is); the last axis scales by a
    /// constant when the view is C-contiguous or `unit_stride`. `address`:
    /// the element's address (`cython.address(view[i])`, `elem` a pointer
    /// type), not its value.
    Load { view: Vec<Local>, ty: ViewTy, indices: Vec<Local>, in_bounds: Vec<u8>, unit_stride: bool, checked: bool, elem: Ty, address: bool },
    /// Stores `value` at `indices` (as `Load`; `check`: unless a load of
    /// this very element checked the indices).
    Store { view: Vec<Local>, ty: ViewTy, indices: Vec<Local>, value: Local, in_bounds: Vec<u8>, unit_stride: bool, check: bool, checked: bool },
    /// `view is None`: whether its data pointer is null.
    ViewIsNone { data: Local },
    /// `dst[...] = src`, parts as in `Load` (extents checked, through a
    /// temporary when the memory overlaps).
    CopyView { ty: ViewTy, src: Vec<Local>, dst: Vec<Local> },
    /// Whether each of the strides (a view's last, with its element size)
    /// is the element size: a loop versioned on unit strides takes its fast version.
    UnitStrides { strides: Vec<(Local, i64)> },
    /// `[index]` on an axis of a slice: the data pointer moved there
    /// (IndexError outside the axis's extent `len`).
    SliceAt { data: Local, len: Local, stride: Local, index: Local, axis: usize },
    /// A slice's step: ValueError if it is zero.
    CheckSliceStep { step: Local },
    /// `[lo:hi:step]` on an axis of a slice: dests are the data pointer moved
    /// to its start, its length and its stride.
    SliceRange { data: Local, len: Local, stride: Local, lo: Option<Local>, hi: Option<Local>, step: Local },
    /// The 128-bit vector prelude of a `range` loop (`Prelude`): as much of
    /// the range as fits, behind a run-time guard, in a loop of its own
    /// that raises nothing but UnboundLocalError for a leaf local that may
    /// be unassigned (`flags`, with the local's name); it reads and advances the counter, the loop
    /// variable (and the sum) through their variables. `locals` and `views`
    /// map the HIR locals the plan names to this body's (a view to its parts).
    VectorPrelude { plan: Box<Prelude>, counter: Local, stop: Local, var_ty: IntTy, locals: Vec<(LocalId, Local)>, flags: Vec<(LocalId, Local, String)>, views: Vec<(LocalId, Vec<Local>)> },
    /// `view[..., i]` and `view[..., i + 1]` of a double view as one f64x2
    /// (no check or wrap to apply, the last axis of unit stride).
    LoadPair { view: Vec<Local>, ty: ViewTy, indices: Vec<Local>, in_bounds: Vec<u8>, unit_stride: bool },
    /// `acc` plus both lanes of the paired reduction's value (`tree` over
    /// the leaves `lanes`), lane 0 first: the scalar loop's two additions.
    PairedSum { acc: Local, tree: PairTree, lanes: [Vec<Local>; 2] },
    /// The function's traceback entry at `line` (`always`: the outermost
    /// compiled frame, never bounded).
    AddTraceback { line: Local, name: String, file: String, always: bool },
    /// Before calling a function with a big frame: the stack limit to pass
    /// it, or RecursionError unless the stack has room for `bytes`.
    RoomFor { bytes: i64, limit: Local },
    /// Leaves through the error edge with the exception already set: an
    /// inlined callee's error, its traceback entry added, goes on to its
    /// caller's handler at the call's line.
    Propagate,
    /// As `Propagate`, at the failing op's line `line` (an error leaving a
    /// `with cython.nogil:`/`gil:` block, the GIL put back as it was).
    PropagateLine { line: Local },
    /// `PyEval_SaveThread()`: the GIL released, the thread state to restore.
    SaveThread,
    /// `PyEval_RestoreThread(state)`: the GIL taken back.
    RestoreThread { state: Local },
    /// `PyGILState_Ensure()`: the GIL taken (whoever held it), the state to release.
    GilEnsure,
    /// `PyGILState_Release(state)`.
    GilRelease { state: Local },
    /// `omp_get_thread_num()`: the thread's number in its team.
    ThreadId,
    /// A `prange` on a thread team: the outlined body `func` called per
    /// chunk of `range(start, stop, step)`; `args` are the reductions'
    /// values before the loop, the lastprivate locals', then the shared
    /// locals (a view as its parts) and this thread's stack limit; `threads` (absent or not positive:
    /// OpenMP's default) and `chunk` as `hir::Prange` says. Dests: the loop
    /// variable's last value (`var` when the range is empty), whether any
    /// trip ran, for a variable narrower than 64 bits the counter after the
    /// last trip (`start` when none ran), then the reductions' combined
    /// values, the lastprivate locals' values (their values before the loop
    /// when no trip ran), then the exits (`leaves`).
    Parallel {
        func: FuncId,
        start: Local,
        stop: Local,
        step: Local,
        var: Local,
        threads: Option<Local>,
        chunk: Option<Local>,
        schedule: hir::Schedule,
        args: Vec<Local>,
        /// Each reduction's operation, type and module-level C variable
        /// (`hir::Prange::stores`), one vector so that the op stays no
        /// bigger than it was (every `BodyOp` is that big: deep expressions
        /// build many).
        /// its combined value is stored to after the loop, also when the
        /// loop raises.
        reductions: Vec<(ArithOp, Ty, Option<String>)>,
        /// The lastprivate locals' types (`hir::Prange::lastprivate`): their
        /// values before the loop follow the reductions' in `args`, their
        /// values after it the reductions' combined values in the dests.
        lasts: Vec<Ty>,
        var_ty: Ty,
        /// `Some` when the body may leave the loop (`hir::Prange::leaves`),
        /// with the type of the value a `return` passes: then also the dests
        /// whether a trip left, whether by `return`, the loop variable's
        /// value then and the returned value.
        leaves: Option<Option<Ty>>,
        /// `hir::Prange::in_team`: the team function called on this thread
        /// (every thread of the block's team calls it) instead of a team
        /// started for the loop.
        workshare: bool,
    },
}

impl BodyOp {
    /// How many results it writes (its dests).
    pub fn results(&self) -> usize {
        use BodyOp::*;
        match self {
            CutRange { .. } | SliceRange { .. } => 3,
            CArray { ty, .. } => 1 + 2 * ty.ndim as usize,
            // The counter, the loop variable and the sum, and their flags.
            VectorPrelude { .. } => 5,
            Parallel { reductions, lasts, var_ty, leaves, .. } => {
                let exits = leaves.map_or(0, |value| 3 + usize::from(value.is_some()));
                2 + usize::from(matches!(var_ty, Ty::Int(t) if t.bits < 64)) + reductions.len() + lasts.len() + exits
            }
            RangeNext { .. } | StepCounter { .. } => 2,
            _ => 1,
        }
    }

    pub fn uses(&self) -> Vec<Local> {
        use BodyOp::*;
        match self {
            Const { .. } | Raise { .. } | Propagate | SaveThread | GilEnsure | ThreadId => vec![],
            PropagateLine { line: v } | RestoreThread { state: v } | GilRelease { state: v } => vec![*v],
            Parallel { start, stop, step, var, threads, chunk, args, .. } => {
                [*start, *stop, *step, *var].into_iter().chain(*threads).chain(*chunk).chain(args.iter().copied()).collect()
            }
            CheckRangeStep { step: v } | WidenBound { value: v, .. } | UnrolledLimit { stop: v, .. } | AddImm { value: v, .. } | StepCounter { c: v, .. } => vec![*v],
            CutRange { start, stop, step, .. } => vec![*start, *stop, *step],
            CArray { .. } => vec![],
            LoadPair { view, indices, .. } => view.iter().chain(indices).copied().collect(),
            PairedSum { acc, lanes, .. } => std::iter::once(acc).chain(&lanes[0]).chain(&lanes[1]).copied().collect(),
            VectorPrelude { counter, stop, locals, flags, views, .. } => {
                [*stop, *counter].into_iter().chain(locals.iter().map(|l| l.1)).chain(flags.iter().map(|l| l.1)).chain(views.iter().flat_map(|v| v.1.iter().copied())).collect()
            }
            Load { view, indices, .. } => view.iter().chain(indices).copied().collect(),
            Store { view, indices, value, .. } => view.iter().chain(indices).chain([value]).copied().collect(),
            ViewIsNone { data: v } | CheckSliceStep { step: v } => vec![*v],
            CopyView { src, dst, .. } => src.iter().chain(dst).copied().collect(),
            UnitStrides { strides } => strides.iter().map(|s| s.0).collect(),
            SliceAt { data, len, stride, index, .. } => vec![*data, *len, *stride, *index],
            SliceRange { data, len, stride, lo, hi, step } => [*data, *len, *stride].into_iter().chain(*lo).chain(*hi).chain([*step]).collect(),
            RangeContinues { c, stop, step, .. } | RangeCutShort { c, stop, step, .. } => vec![*c, *stop, *step],
            RangeNext { c, step, .. } | CounterCmp { a: c, b: step, .. } => vec![*c, *step],
            Copy { src: v } | Convert { value: v, .. } | Unary { value: v, .. } | Truthy { value: v, .. } | Abs { value: v, .. }
            | BitCount { value: v, .. } | Round { value: v } | Assert { value: v, .. } | CheckBound { flag: v, .. } | AddTraceback { line: v, .. } | StackCheck { limit: v }
            | RoomFor { limit: v, .. } | ObjectData { obj: v } => vec![*v],
            ComplexMake { re, im } => vec![*re, *im],
            FloatBinary { a, b, .. } | IntTrueDiv { a, b, .. } | IntBinary { a, b, .. } | TruncDiv { a, b, .. } | BoolBinary { a, b, .. } | NoOverflow { a, b, .. }
            | Compare { a, b, .. } | RoundDigits { x: a, n: b } => vec![*a, *b],
            MinMax { v, acc, .. } => vec![*v, *acc],
            Select { cond, a, b } => vec![*cond, *a, *b],
            Math { args, .. } => args.clone(),
            CCall { args, .. } | CallPtr { args, .. } => args.clone(),
            CGlobal { .. } | FuncAddr { .. } | CString { .. } => vec![],
            PtrLoad { ptr, index, .. } | PtrOffset { ptr, index, .. } => vec![*ptr, *index],
            PtrStore { ptr, index, value, .. } => vec![*ptr, *index, *value],
            CGlobalStore { value, .. } => vec![*value],
            Call { args, limit, .. } => args.iter().copied().chain([*limit]).collect(),
        }
    }

    pub fn error_kind(&self) -> ErrorKind {
        use BodyOp::*;
        match self {
            CutRange { wide, .. } => {
                if *wide {
                    ErrorKind::Flag
                } else {
                    ErrorKind::Never
                }
            }
            WidenBound { .. } | RangeContinues { .. } | RangeNext { .. } | UnrolledLimit { .. } | AddImm { .. } | StepCounter { .. } | CounterCmp { .. } => {
                ErrorKind::Never
            }
            CheckRangeStep { .. } | RangeCutShort { .. } | CopyView { .. } | SliceAt { .. } | CheckSliceStep { .. } => ErrorKind::Flag,
            Load { checked, .. } | Store { checked, .. } => {
                if *checked {
                    ErrorKind::Flag
                } else {
                    ErrorKind::Never
                }
            }
            CArray { .. } | ViewIsNone { .. } | UnitStrides { .. } | SliceRange { .. } | LoadPair { .. } | PairedSum { .. } => ErrorKind::Never,
            VectorPrelude { plan, flags, .. } => {
                let (Prelude::Vector { var, .. } | Prelude::Sum { var, .. }) = &**plan;
                // The loop variable's flag is only set; any other is checked.
                if flags.iter().any(|(id, ..)| id != var) {
                    ErrorKind::Flag
                } else {
                    ErrorKind::Never
                }
            }
            Const { .. } | Copy { .. } | Truthy { .. } | Select { .. } | MinMax { .. } | BitCount { .. } | NoOverflow { .. } | AddTraceback { .. } | StackCheck { .. }
            | ComplexMake { .. } => {
                ErrorKind::Never
            }
            Raise { .. } | Propagate | PropagateLine { .. } => ErrorKind::Always,
            CallPtr { except, .. } | CCall { except, .. } if *except != crate::types::ExceptSpec::NoExcept => ErrorKind::Flag,
            CCall { .. } | CallPtr { .. } | CGlobal { .. } | CGlobalStore { .. } | FuncAddr { .. } | CString { .. } | PtrLoad { .. } | PtrStore { .. } | PtrOffset { .. } | ObjectData { .. } => ErrorKind::Never,
            Parallel { .. } => ErrorKind::Flag,
            SaveThread | RestoreThread { .. } | GilEnsure | GilRelease { .. } | ThreadId => ErrorKind::Never,
            Convert { .. } | Unary { .. } | FloatBinary { .. } | IntTrueDiv { .. } | IntBinary { .. } | TruncDiv { .. } | BoolBinary { .. } | Compare { .. }
            | Math { .. } | Abs { .. } | Round { .. } | RoundDigits { .. } | Call { .. } | CheckBound { .. } | Assert { .. } | RoomFor { .. } => ErrorKind::Flag,
        }
    }

    /// The view whose parts the op's code generation reads itself, as it
    /// addresses the element (first in `uses`).
    pub fn addressed_view(&self) -> Option<(&[Local], ViewTy)> {
        match self {
            BodyOp::Load { view, ty, .. } | BodyOp::Store { view, ty, .. } | BodyOp::LoadPair { view, ty, .. } => Some((view, *ty)),
            _ => None,
        }
    }

    /// The operands code generation takes as values (the rest it reads
    /// through their variables, as it needs them).
    pub fn values(&self) -> Vec<Local> {
        match self {
            BodyOp::Load { indices, .. } | BodyOp::LoadPair { indices, .. } => indices.clone(),
            BodyOp::Store { indices, value, .. } => indices.iter().chain([value]).copied().collect(),
            BodyOp::VectorPrelude { stop, .. } => vec![*stop],
            _ => self.uses(),
        }
    }

    /// How the printer shows it.
    pub fn show(&self) -> String {
        use BodyOp::*;
        let list = |ls: &[Local]| ls.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ");
        match self {
            Const { c, ty } => format!("const[{ty}] {c:?}"),
            Copy { src } => format!("{src}"),
            Convert { value, from, to } => format!("convert[{from} -> {to}] {value}"),
            Unary { op, value, ty } => format!("{op:?}[{ty}] {value}"),
            FloatBinary { op, a, b, ty, .. } => format!("{op:?}[{ty}] {a}, {b}"),
            IntTrueDiv { a, b, t } => format!("true_div[{}] {a}, {b}", Ty::Int(*t)),
            IntBinary { op, a, b, t } => format!("{op:?}[{}] {a}, {b}", Ty::Int(*t)),
            TruncDiv { op, a, b, t } => format!("{op:?}[{}] {a}, {b} (truncating)", Ty::Int(*t)),
            BoolBinary { op, a, b } => format!("{op:?}[bint] {a}, {b}"),
            NoOverflow { op, a, b } => {
                let sign = match op {
                    ArithOp::Add => "+",
                    ArithOp::Sub => "-",
                    _ => "*",
                };
                format!("{a} {sign} {b} (no overflow)")
            }
            Compare { op, a, b, .. } => format!("{op:?} {a}, {b}"),
            Truthy { value, ty } => format!("truthy[{ty}] {value}"),
            Select { cond, a, b } => format!("select {cond}, {a}, {b}"),
            Math { op, args } => format!("{op:?}({})", list(args)),
            CCall { symbol, args, .. } => format!("extern {symbol}({})", list(args)),
            CallPtr { args, .. } => format!("(*{})({})", list(&args[..1.min(args.len())]), list(&args[1.min(args.len())..])),
            CGlobal { symbol, .. } => format!("extern {symbol}"),
            CGlobalStore { symbol, value, .. } => format!("extern {symbol} = {value}"),
            FuncAddr { func, name, .. } => format!("centry f{}({name})", func.0),
            CString { text } => format!("cstring {text:?}"),
            PtrLoad { ptr, index, in_object, .. } => format!("load {ptr}[{index}] ({})", if *in_object { "field" } else { "pointer" }),
            PtrStore { ptr, index, value, in_object, .. } => format!("store {ptr}[{index}] = {value} ({})", if *in_object { "field" } else { "pointer" }),
            PtrOffset { ptr, index, negate, .. } => format!("{ptr} {} {index} (pointer)", if *negate { "-" } else { "+" }),
            ObjectData { obj } => format!("data {obj} (object)"),
            MinMax { is_max, v, acc, .. } => format!("{}({acc}, {v})", if *is_max { "max" } else { "min" }),
            Abs { value, .. } => format!("abs {value}"),
            ComplexMake { re, im } => format!("complex({re}, {im})"),
            BitCount { value, .. } => format!("bit_count {value}"),
            Round { value } => format!("round {value}"),
            RoundDigits { x, n } => format!("round({x}, {n})"),
            Call { func, args, limit, virt: None } => format!("call f{}({}; limit {limit})", func.0, list(args)),
            Call { func, args, limit, virt: Some((_, slot)) } => format!("call vtable[{slot}] f{}({}; limit {limit})", func.0, list(args)),
            Raise { exc, msg } => format!("raise {exc}({msg:?})"),
            Assert { value, msg } => format!("assert {value}, {msg:?}"),
            CheckBound { flag, name } => format!("check_bound '{name}' {flag}"),
            StackCheck { limit } => format!("stack_check {limit}"),
            CheckRangeStep { step } => format!("check_range_step {step}"),
            WidenBound { value, t } => format!("widen_bound[{}] {value}", Ty::Int(*t)),
            CutRange { start, stop, step, var_ty, wide, step_wide, .. } => {
                format!("cut_range[{}{}{}] {start}, {stop}, {step}", Ty::Int(*var_ty), if *wide { ", wide" } else { "" }, if *step_wide { ", wide step" } else { "" })
            }
            RangeContinues { c, stop, step, const_step, unsigned, .. } => {
                format!("range_continues{} {c}, {stop}, step {}", if *unsigned { "[unsigned]" } else { "" }, const_step.map_or(step.to_string(), |k| k.to_string()))
            }
            RangeNext { c, step, const_step, .. } => format!("range_next {c}, step {}", const_step.map_or(step.to_string(), |k| k.to_string())),
            RangeCutShort { c, stop, step, .. } => format!("range_cut_short {c}, {stop}, {step}"),
            UnrolledLimit { stop, k, .. } => format!("unrolled_limit {stop}, step {k}"),
            AddImm { value, imm } => format!("{value} + {imm}"),
            StepCounter { c, k, .. } => format!("step_counter {c}, {k}"),
            CounterCmp { op, a, b, unsigned } => format!("{op:?}{} {a}, {b}", if *unsigned { "[unsigned]" } else { "" }),
            CArray { ty, dims } => format!("c_array[{}] {dims:?}", Ty::View(*ty)),
            Load { view, indices, in_bounds, unit_stride, checked, address, .. } => {
                format!("{} {}[{}]{}", if *address { "address of" } else { "load" }, view[0], list(indices), access_notes(in_bounds, *unit_stride, *checked))
            }
            Store { view, indices, value, in_bounds, unit_stride, checked, .. } => {
                format!("store {}[{}] = {value}{}", view[0], list(indices), access_notes(in_bounds, *unit_stride, *checked))
            }
            ViewIsNone { data } => format!("view_is_none {data}"),
            CopyView { src, dst, .. } => format!("copy_view {}[...] = {}[...]", dst[0], src[0]),
            UnitStrides { strides } => format!("unit_strides {}", strides.iter().map(|(l, size)| format!("{l} == {size}")).collect::<Vec<_>>().join(", ")),
            SliceAt { data, len, stride, index, .. } => format!("slice_at {data}, len {len}, stride {stride}, [{index}]"),
            CheckSliceStep { step } => format!("check_slice_step {step}"),
            SliceRange { data, len, stride, lo, hi, step } => {
                let opt = |l: &Option<Local>| l.map_or(String::new(), |l| l.to_string());
                format!("slice_range {data}, len {len}, stride {stride}, [{}:{}:{step}]", opt(lo), opt(hi))
            }
            LoadPair { view, indices, .. } => format!("load_pair[f64x2] {}[{}]", view[0], list(indices)),
            PairedSum { acc, tree, lanes } => format!("paired_sum {acc} + {} with [{}], [{}]", show_tree(tree), list(&lanes[0]), list(&lanes[1])),
            VectorPrelude { plan, counter, stop, .. } => match &**plan {
                Prelude::Vector { plan, .. } => format!("vector_prelude[f{}] counter {counter}, stop {stop}", plan.elem),
                Prelude::Sum { plan, .. } => format!("sum_prelude[f{}] counter {counter}, stop {stop}", plan.elem),
            },
            AddTraceback { line, name, always, .. } => format!("add_traceback '{name}' line {line}{}", if *always { " always" } else { "" }),
            RoomFor { bytes, limit } => format!("room_for {bytes} bytes, limit {limit}"),
            Propagate => "propagate".to_string(),
            PropagateLine { line } => format!("propagate line {line}"),
            SaveThread => "save_thread".to_string(),
            RestoreThread { state } => format!("restore_thread {state}"),
            GilEnsure => "gil_ensure".to_string(),
            ThreadId => "thread_id".to_string(),
            GilRelease { state } => format!("gil_release {state}"),
            Parallel { func, start, stop, step, threads, chunk, schedule, args, reductions, lasts, leaves, workshare, .. } => {
                let opt = |l: &Option<Local>| l.map_or("-".to_string(), |l| l.to_string());
                let into = |s: &Option<String>| s.as_ref().map_or(String::new(), |s| format!(" into extern {s}"));
                let mut red: String = reductions.iter().map(|(op, ty, s)| format!(", reduction {op:?}[{ty}]{}", into(s))).collect();
                red += &lasts.iter().map(|ty| format!(", lastprivate[{ty}]")).collect::<String>();
                red += if *workshare { ", workshare" } else { "" };
                red += &match leaves {
                    Some(Some(ty)) => format!(", leaves returning {ty}"),
                    Some(None) => ", leaves".to_string(),
                    None => String::new(),
                };
                format!("parallel f{}({}) over {start}, {stop}, {step}, {schedule:?}, chunk {}, threads {}{red}", func.0, list(args), opt(chunk), opt(threads))
            }
        }
    }
}

/// How the printer shows an element access's decisions.
fn access_notes(in_bounds: &[u8], unit_stride: bool, checked: bool) -> String {
    let mut notes = String::new();
    let (nonneg, proven): (Vec<u8>, Vec<u8>) = in_bounds.iter().partition(|&&k| k & crate::hir::NONNEG != 0);
    if !proven.is_empty() {
        notes.push_str(&format!(" in_bounds {proven:?}"));
    }
    if !nonneg.is_empty() {
        let axes: Vec<u8> = nonneg.iter().map(|k| k & !crate::hir::NONNEG).collect();
        notes.push_str(&format!(" nonneg {axes:?}"));
    }
    if unit_stride {
        notes.push_str(" unit_stride");
    }
    if checked {
        notes.push_str(" checked");
    }
    notes
}

/// How the printer shows a paired reduction's f64x2 arithmetic.
fn show_tree(t: &PairTree) -> String {
    match t {
        PairTree::Const(x) => format!("{x:?}"),
        PairTree::Leaf { pair: true } => "pair".into(),
        PairTree::Leaf { pair: false } => "leaf".into(),
        PairTree::Binary(op, a, b) => format!("{op:?}({}, {})", show_tree(a), show_tree(b)),
        PairTree::Neg(a) => format!("Neg({})", show_tree(a)),
    }
}
