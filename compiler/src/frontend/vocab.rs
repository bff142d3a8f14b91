//! The names the front end understands: Cython directives and decorators,
//! `math` and `libc.math` functions and constants, builtin exceptions.

use crate::hir::{MathCheck, MathOp};

/// Boolean directives accepted as decorators and as `# cython:` comments.
pub const BOOL_DIRECTIVES: &[&str] = &[
    "cdivision",
    "boundscheck",
    "wraparound",
    "overflowcheck",
    "initializedcheck",
    "nonecheck",
    "infer_types",
    "profile",
    "linetrace",
    "cpow",
    "embedsignature",
    "binding",
    "always_allow_keywords",
    "c_api_binop_methods",
    "cdivision_warnings",
    "emit_code_comments",
    "annotation_typing",
    "auto_pickle",
];

/// Module directives that take a value other than a boolean; accepted and ignored.
pub const VALUE_DIRECTIVES: &[&str] = &["language_level", "c_string_type", "c_string_encoding", "optimize.use_switch", "freethreading_compatible", "subinterpreters_compatible"];

/// Decorators that only mark a function; they change nothing in how we compile it.
pub const MARKER_DECORATORS: &[&str] = &["nogil", "with_gil", "final", "returns", "locals", "inline", "cfunc", "ccall", "exceptval"];

/// Cython's test-suite assertions about its parse tree; no effect on the code.
pub const TEST_DECORATORS: &[&str] = &["test_assert_path_exists", "test_fail_if_path_exists"];

pub fn known_decorator_names() -> String {
    let mut names: Vec<&str> = BOOL_DIRECTIVES.iter().chain(MARKER_DECORATORS).copied().collect();
    names.sort_unstable();
    names.join(", ")
}

pub enum MathItem {
    /// A function of doubles returning a double (or bint for the `is*` tests).
    Func { op: MathOp, arity: u8 },
    /// `math.floor`/`ceil`/`trunc`: a double rounded, then converted to Python int.
    ToInt(MathOp),
    /// `math.log`, which takes an optional base.
    Log,
    Const(f64),
    /// `math.gcd`/`math.lcm`: any number of ints, folded pairwise.
    IntFold(MathOp),
    /// Integer functions of exactly `arity` ints.
    IntFunc { op: MathOp, arity: u8 },
    /// `math.perm(n)` or `math.perm(n, k)`.
    Perm,
    Ldexp,
    /// `math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`.
    IsClose,
}

/// `math.<name>` with CPython's error behaviour.
pub fn python_math(name: &str) -> Option<MathItem> {
    use MathCheck::*;
    let libm = |symbol: &'static str, arity: u8, check| MathItem::Func { op: MathOp::Libm { symbol, arity, check }, arity };
    Some(match name {
        "sqrt" => MathItem::Func { op: MathOp::Sqrt(Domain), arity: 1 },
        "exp" => libm("exp", 1, Overflow),
        "exp2" => libm("exp2", 1, Overflow),
        "expm1" => libm("expm1", 1, Overflow),
        "sinh" => libm("sinh", 1, Overflow),
        "cosh" => libm("cosh", 1, Overflow),
        "log" => MathItem::Log,
        "log2" => libm("log2", 1, Domain),
        "log10" => libm("log10", 1, Domain),
        "log1p" => libm("log1p", 1, Domain),
        "sin" => libm("sin", 1, Domain),
        "cos" => libm("cos", 1, Domain),
        "tan" => libm("tan", 1, Domain),
        "asin" => libm("asin", 1, Domain),
        "acos" => libm("acos", 1, Domain),
        "atan" => libm("atan", 1, Domain),
        "tanh" => libm("tanh", 1, Domain),
        "asinh" => libm("asinh", 1, Domain),
        "acosh" => libm("acosh", 1, Domain),
        "atanh" => libm("atanh", 1, Domain),
        "erf" => libm("erf", 1, Domain),
        "erfc" => libm("erfc", 1, Domain),
        "cbrt" => libm("cbrt", 1, Domain),
        "atan2" => libm("atan2", 2, None),
        "hypot" => libm("hypot", 2, None),
        "pow" => MathItem::Func { op: MathOp::Pow(Domain), arity: 2 },
        // IEEE remainder and nextafter are exact: libm gives CPython's results.
        "remainder" => libm("remainder", 2, Domain),
        "nextafter" => libm("nextafter", 2, None),
        "ulp" => MathItem::Func { op: MathOp::Ulp, arity: 1 },
        "ldexp" => MathItem::Ldexp,
        "isclose" => MathItem::IsClose,
        "gcd" => MathItem::IntFold(MathOp::Gcd),
        "lcm" => MathItem::IntFold(MathOp::Lcm),
        "isqrt" => MathItem::IntFunc { op: MathOp::Isqrt, arity: 1 },
        "factorial" => MathItem::IntFunc { op: MathOp::Factorial, arity: 1 },
        "comb" => MathItem::IntFunc { op: MathOp::Comb, arity: 2 },
        "perm" => MathItem::Perm,
        "fmod" => MathItem::Func { op: MathOp::Fmod(Domain), arity: 2 },
        "fabs" => MathItem::Func { op: MathOp::Fabs, arity: 1 },
        "copysign" => MathItem::Func { op: MathOp::Copysign, arity: 2 },
        "isnan" => MathItem::Func { op: MathOp::IsNan, arity: 1 },
        "isinf" => MathItem::Func { op: MathOp::IsInf, arity: 1 },
        "isfinite" => MathItem::Func { op: MathOp::IsFinite, arity: 1 },
        "degrees" => MathItem::Func { op: MathOp::Degrees, arity: 1 },
        "radians" => MathItem::Func { op: MathOp::Radians, arity: 1 },
        "floor" => MathItem::ToInt(MathOp::Floor),
        "ceil" => MathItem::ToInt(MathOp::Ceil),
        "trunc" => MathItem::ToInt(MathOp::Trunc),
        "pi" => MathItem::Const(std::f64::consts::PI),
        "e" => MathItem::Const(std::f64::consts::E),
        "tau" => MathItem::Const(std::f64::consts::TAU),
        "inf" => MathItem::Const(f64::INFINITY),
        "nan" => MathItem::Const(f64::NAN),
        _ => return Option::None,
    })
}

/// Every name Python 3.11's `math` module has, so a function using one we do
/// not compile stays Python instead of being reported as a typo.
pub fn is_python_math_name(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "comb", "copysign", "cos", "cosh",
        "degrees", "dist", "e", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "factorial", "floor", "fmod", "frexp",
        "fsum", "gamma", "gcd", "hypot", "inf", "isclose", "isfinite", "isinf", "isnan", "isqrt", "lcm", "ldexp",
        "lgamma", "log", "log10", "log1p", "log2", "modf", "nan", "nextafter", "perm", "pi", "pow", "prod", "radians",
        "remainder", "sin", "sinh", "sqrt", "tan", "tanh", "tau", "trunc", "ulp",
    ];
    NAMES.contains(&name)
}

/// `cython.cimports.libc.math.<name>`: C semantics, never raises.
pub fn libc_math(name: &str) -> Option<MathItem> {
    use std::f64::consts;
    let libm = |symbol: &'static str, arity: u8| MathItem::Func {
        op: MathOp::Libm { symbol, arity, check: MathCheck::None },
        arity,
    };
    let f = |op, arity| MathItem::Func { op, arity };
    Some(match name {
        "sqrt" => f(MathOp::Sqrt(MathCheck::None), 1),
        "fabs" => f(MathOp::Fabs, 1),
        "floor" => f(MathOp::Floor, 1),
        "ceil" => f(MathOp::Ceil, 1),
        "trunc" => f(MathOp::Trunc, 1),
        "round" => f(MathOp::RoundHalfAway, 1),
        "copysign" => f(MathOp::Copysign, 2),
        "isnan" => f(MathOp::IsNan, 1),
        "isinf" => f(MathOp::IsInf, 1),
        "isfinite" => f(MathOp::IsFinite, 1),
        "fmin" => f(MathOp::Fmin, 2),
        "fma" => f(MathOp::Fma, 3),
        "fmax" => f(MathOp::Fmax, 2),
        "pow" => f(MathOp::Pow(MathCheck::None), 2),
        "fmod" => f(MathOp::Fmod(MathCheck::None), 2),
        "exp" | "exp2" | "expm1" | "log" | "log2" | "log10" | "log1p" | "sin" | "cos" | "tan" | "asin" | "acos"
        | "atan" | "sinh" | "cosh" | "tanh" | "asinh" | "acosh" | "atanh" | "erf" | "erfc" | "cbrt" | "tgamma"
        | "lgamma" => libm(static_name(name)?, 1),
        "atan2" | "hypot" => libm(static_name(name)?, 2),
        "M_PI" => MathItem::Const(consts::PI),
        "M_PI_2" => MathItem::Const(consts::FRAC_PI_2),
        "M_PI_4" => MathItem::Const(consts::FRAC_PI_4),
        "M_1_PI" => MathItem::Const(consts::FRAC_1_PI),
        "M_2_PI" => MathItem::Const(consts::FRAC_2_PI),
        "M_E" => MathItem::Const(consts::E),
        "M_LN2" => MathItem::Const(consts::LN_2),
        "M_LN10" => MathItem::Const(consts::LN_10),
        "M_LOG2E" => MathItem::Const(consts::LOG2_E),
        "M_LOG10E" => MathItem::Const(consts::LOG10_E),
        "M_SQRT2" => MathItem::Const(consts::SQRT_2),
        "M_SQRT1_2" => MathItem::Const(consts::FRAC_1_SQRT_2),
        "INFINITY" | "HUGE_VAL" => MathItem::Const(f64::INFINITY),
        "NAN" => MathItem::Const(f64::NAN),
        _ => return None,
    })
}

fn static_name(name: &str) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
        "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "cbrt", "tgamma", "lgamma", "atan2", "hypot",
    ];
    NAMES.iter().find(|n| **n == name).copied()
}

/// Builtin exception classes a compiled `raise` may name, with their C-API symbol.
pub fn builtin_exception(name: &str) -> Option<String> {
    const NAMES: &[&str] = &[
        "ArithmeticError",
        "AssertionError",
        "Exception",
        "FloatingPointError",
        "IndexError",
        "KeyError",
        "LookupError",
        "NotImplementedError",
        "OverflowError",
        "RecursionError",
        "RuntimeError",
        "StopIteration",
        "SystemError",
        "TypeError",
        "ValueError",
        "ZeroDivisionError",
        "ArithmeticError",
        "MemoryError",
        "UnboundLocalError",
        "NameError",
        "AttributeError",
        "BufferError",
        "EOFError",
        "OSError",
        "KeyboardInterrupt",
    ];
    NAMES.contains(&name).then(|| format!("PyExc_{name}"))
}

/// Every name in Python 3.11's `builtins`, so an unknown name can be told from a builtin.
pub fn is_python_builtin(name: &str) -> bool {
    const BUILTINS: &[&str] = &[
        "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
        "chr", "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
        "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
        "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list",
        "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print",
        "property", "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted",
        "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip", "__import__", "__name__", "__file__",
        "__doc__", "__builtins__", "__spec__", "__loader__", "__package__", "NotImplemented", "Ellipsis",
        "BaseException", "BaseExceptionGroup", "ExceptionGroup", "GeneratorExit", "SystemExit", "Warning",
        "UserWarning", "DeprecationWarning", "PendingDeprecationWarning", "SyntaxWarning", "RuntimeWarning",
        "FutureWarning", "ImportWarning", "UnicodeWarning", "BytesWarning", "ResourceWarning", "EncodingWarning",
        "ImportError", "ModuleNotFoundError", "FileNotFoundError", "FileExistsError", "PermissionError",
        "TimeoutError", "ConnectionError", "BrokenPipeError", "ChildProcessError", "InterruptedError",
        "IsADirectoryError", "NotADirectoryError", "ProcessLookupError", "BlockingIOError", "ConnectionAbortedError",
        "ConnectionRefusedError", "ConnectionResetError", "IOError", "EnvironmentError", "SyntaxError",
        "IndentationError", "TabError", "UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError",
        "UnicodeTranslateError", "ReferenceError", "StopAsyncIteration", "SystemError",
    ];
    BUILTINS.contains(&name) || builtin_exception(name).is_some()
}

/// The `Binding::CythonAttr` prefix of a cimported `PyBUF_*` flag.
pub const BUFFER_FLAG: &str = "cimports.cpython.buffer.";

/// CPython's `PyBUF_*` request flags (`Include/pybuffer.h`, the same on
/// 3.9–3.13), cimported from `cpython` or `cpython.buffer`: C `int`s.
pub fn buffer_flag(binding: &str) -> Option<i64> {
    let name = binding.strip_prefix(BUFFER_FLAG)?;
    const ND: i64 = 0x0008;
    const STRIDES: i64 = 0x0010 | ND;
    const INDIRECT: i64 = 0x0100 | STRIDES;
    Some(match name {
        "PyBUF_SIMPLE" => 0,
        "PyBUF_WRITABLE" | "PyBUF_WRITEABLE" => 0x0001,
        "PyBUF_FORMAT" => 0x0004,
        "PyBUF_ND" => ND,
        "PyBUF_STRIDES" => STRIDES,
        "PyBUF_C_CONTIGUOUS" => 0x0020 | STRIDES,
        "PyBUF_F_CONTIGUOUS" => 0x0040 | STRIDES,
        "PyBUF_ANY_CONTIGUOUS" => 0x0080 | STRIDES,
        "PyBUF_INDIRECT" => INDIRECT,
        "PyBUF_CONTIG" => ND | 0x0001,
        "PyBUF_CONTIG_RO" => ND,
        "PyBUF_STRIDED" => STRIDES | 0x0001,
        "PyBUF_STRIDED_RO" => STRIDES,
        "PyBUF_RECORDS" => STRIDES | 0x0001 | 0x0004,
        "PyBUF_RECORDS_RO" => STRIDES | 0x0004,
        "PyBUF_FULL" => INDIRECT | 0x0001 | 0x0004,
        "PyBUF_FULL_RO" => INDIRECT | 0x0004,
        "PyBUF_READ" => 0x100,
        "PyBUF_WRITE" => 0x200,
        _ => return None,
    })
}
