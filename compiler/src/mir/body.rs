//! The operations of native function bodies: what one HIR operation does to
//! C scalars, with Python's errors. Each carries the types and constants its
//! code generation needs (`backend/codegen/body.rs` hands it to `OpCx`), so a
//! constant operand stays with its op.

use super::{ErrorKind, Local};
use crate::hir::{self, ArithOp, CmpOp, Const, FuncId, MathOp, UnOp};
use crate::types::{IntTy, Ty};

/// The directives of the function an operation belongs to that change its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Directives {
    pub overflowcheck: bool,
    pub cdivision: bool,
    pub wraparound: bool,
    pub boundscheck: bool,
}

impl Directives {
    pub fn of(f: &hir::Function) -> Self {
        Directives { overflowcheck: f.overflowcheck, cdivision: f.cdivision, wraparound: f.wraparound, boundscheck: f.boundscheck }
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
    BoolBinary { op: ArithOp, a: Local, b: Local },
    /// `a - b` that `opt` proved cannot overflow.
    Sub { a: Local, b: Local },
    Compare { op: CmpOp, a: Local, ta: Ty, b: Local, tb: Ty },
    Truthy { value: Local, ty: Ty },
    /// `cond ? a : b` without a branch.
    Select { cond: Local, a: Local, b: Local },
    Math { op: MathOp, args: Vec<Local> },
    /// One step of `min`/`max`: `acc` against the next argument `v`.
    MinMax { is_max: bool, ty: Ty, v: Local, acc: Local },
    Abs { value: Local, ty: Ty },
    BitCount { value: Local, ty: Ty },
    /// `round(x)` to a Python int.
    Round { value: Local },
    RoundDigits { x: Local, n: Local },
    /// A call of a native function (its parameters, then the stack limit);
    /// the result is absent for functions returning None.
    Call { func: FuncId, args: Vec<Local>, limit: Local },
    Raise { exc: String, msg: Option<String> },
    /// AssertionError(`msg`) unless `value` (a bint) holds.
    Assert { value: Local, msg: Option<String> },
    /// UnboundLocalError for the local `name` unless its bound flag is set.
    CheckBound { flag: Local, name: String },
    /// On entry of a recursive function: the stack limit to pass on, or,
    /// when the stack has no room, RecursionError returned at once (no
    /// traceback entry: the caller's names the call).
    StackCheck { limit: Local },
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
}

impl BodyOp {
    pub fn uses(&self) -> Vec<Local> {
        use BodyOp::*;
        match self {
            Const { .. } | Raise { .. } | Propagate => vec![],
            Copy { src: v } | Convert { value: v, .. } | Unary { value: v, .. } | Truthy { value: v, .. } | Abs { value: v, .. }
            | BitCount { value: v, .. } | Round { value: v } | Assert { value: v, .. } | CheckBound { flag: v, .. } | AddTraceback { line: v, .. } | StackCheck { limit: v }
            | RoomFor { limit: v, .. } => vec![*v],
            FloatBinary { a, b, .. } | IntTrueDiv { a, b, .. } | IntBinary { a, b, .. } | BoolBinary { a, b, .. } | Sub { a, b }
            | Compare { a, b, .. } | RoundDigits { x: a, n: b } => vec![*a, *b],
            MinMax { v, acc, .. } => vec![*v, *acc],
            Select { cond, a, b } => vec![*cond, *a, *b],
            Math { args, .. } => args.clone(),
            Call { args, limit, .. } => args.iter().copied().chain([*limit]).collect(),
        }
    }

    pub fn error_kind(&self) -> ErrorKind {
        use BodyOp::*;
        match self {
            Const { .. } | Copy { .. } | Truthy { .. } | Select { .. } | MinMax { .. } | BitCount { .. } | Sub { .. } | AddTraceback { .. } | StackCheck { .. } => {
                ErrorKind::Never
            }
            Raise { .. } | Propagate => ErrorKind::Always,
            Convert { .. } | Unary { .. } | FloatBinary { .. } | IntTrueDiv { .. } | IntBinary { .. } | BoolBinary { .. } | Compare { .. }
            | Math { .. } | Abs { .. } | Round { .. } | RoundDigits { .. } | Call { .. } | CheckBound { .. } | Assert { .. } | RoomFor { .. } => ErrorKind::Flag,
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
            BoolBinary { op, a, b } => format!("{op:?}[bint] {a}, {b}"),
            Sub { a, b } => format!("{a} - {b} (no overflow)"),
            Compare { op, a, b, .. } => format!("{op:?} {a}, {b}"),
            Truthy { value, ty } => format!("truthy[{ty}] {value}"),
            Select { cond, a, b } => format!("select {cond}, {a}, {b}"),
            Math { op, args } => format!("{op:?}({})", list(args)),
            MinMax { is_max, v, acc, .. } => format!("{}({acc}, {v})", if *is_max { "max" } else { "min" }),
            Abs { value, .. } => format!("abs {value}"),
            BitCount { value, .. } => format!("bit_count {value}"),
            Round { value } => format!("round {value}"),
            RoundDigits { x, n } => format!("round({x}, {n})"),
            Call { func, args, limit } => format!("call f{}({}; limit {limit})", func.0, list(args)),
            Raise { exc, msg } => format!("raise {exc}({msg:?})"),
            Assert { value, msg } => format!("assert {value}, {msg:?}"),
            CheckBound { flag, name } => format!("check_bound '{name}' {flag}"),
            StackCheck { limit } => format!("stack_check {limit}"),
            AddTraceback { line, name, always, .. } => format!("add_traceback '{name}' line {line}{}", if *always { " always" } else { "" }),
            RoomFor { bytes, limit } => format!("room_for {bytes} bytes, limit {limit}"),
            Propagate => "propagate".to_string(),
        }
    }
}
