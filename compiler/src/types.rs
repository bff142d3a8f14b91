//! The native value types the compiler knows, and how Cython/PEP 484 names map to them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntTy {
    pub bits: u8,
    pub signed: bool,
    /// Python `int` semantics: a result outside the 64-bit range raises
    /// `OverflowError` instead of wrapping.
    pub checked: bool,
    /// The C spelling, for messages and error texts (`int`, `long`, `Py_ssize_t` …).
    pub cname: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    Int(IntTy),
    /// 32 or 64 bits.
    Float(u8),
    Bool,
    Void,
    /// A typed memoryview `T[:, ::1]`: a buffer acquired from any object that
    /// exports one, passed natively as data pointer, shape and strides.
    View(ViewTy),
    /// A Python object (`PyObject*`): untyped parameters and `object`, as in
    /// Cython.
    Object,
    /// A C pointer to a scalar (`cython.p_double`, `cython.pointer(cython.int)`),
    /// or `void*` (`None`).
    Ptr(Option<Elem>),
    /// Cython's C `double complex` (`complex`, `cython.doublecomplex`
    /// annotations): a pair of doubles, one 128-bit value (real part in lane
    /// 0, imaginary part in lane 1) from MIR on.
    Complex,
    /// A C function pointer (a `.pxd`'s `ctypedef double (*f)(double)
    /// noexcept`): the address of a C function of that signature, called
    /// with C's convention; its signature interned (`FnPtrTy::sig`).
    FnPtr(FnPtrTy),
}

/// A C function pointer's signature, `ret (*)(params) <except> [nogil]`:
/// what a function it points to must be (`nogil` if the type says so) and
/// how its caller learns of an exception.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnSig {
    pub params: Vec<Ty>,
    pub ret: Ty,
    pub nogil: bool,
    pub except: ExceptSpec,
}

/// How a C-level function signals an exception to its C caller, Cython's
/// exception specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExceptSpec {
    /// `noexcept`: it never does (its exceptions are written as unraisable).
    NoExcept,
    /// `except v` (`check` false: returning `v` means an exception) or
    /// `except? v` (`check`: `v` and `PyErr_Occurred()`).
    Value { value: ExceptValue, check: bool },
    /// `except *`: the caller tests `PyErr_Occurred()` after every call.
    Star,
}

/// An exception value as the declaration writes it: Cython compares two
/// specifications by their text, so `-1` and `-1.0` differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExceptValue {
    Int(i64),
    /// An `f64`'s bits.
    Float(u64),
}

impl ExceptSpec {
    /// Whether a function of specification `f` may be called through a
    /// pointer of specification `self` (Cython's rule: `except *` takes any;
    /// `except? v` takes `noexcept`, `except v` and `except? v`; `except v`
    /// and `noexcept` only themselves).
    pub fn accepts(self, f: ExceptSpec) -> bool {
        match (self, f) {
            (ExceptSpec::Star, _) => true,
            (ExceptSpec::Value { value, check: true }, ExceptSpec::Value { value: v, .. }) => value == v,
            (ExceptSpec::Value { check: true, .. }, ExceptSpec::NoExcept) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for ExceptSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExceptSpec::NoExcept => write!(f, "noexcept"),
            ExceptSpec::Star => write!(f, "except *"),
            ExceptSpec::Value { value, check } => {
                write!(f, "except{} ", if *check { "?" } else { "" })?;
                match value {
                    ExceptValue::Int(v) => write!(f, "{v}"),
                    ExceptValue::Float(b) => write!(f, "{:?}", f64::from_bits(*b)),
                }
            }
        }
    }
}

/// An interned `FnSig`: `Ty` stays `Copy`. The table only grows, and is
/// shared by the builds of one process (ids are never written out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FnPtrTy(u32);

static FN_SIGS: std::sync::Mutex<Vec<FnSig>> = std::sync::Mutex::new(Vec::new());

impl FnPtrTy {
    pub fn of(sig: &FnSig) -> FnPtrTy {
        let mut sigs = FN_SIGS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = sigs.iter().position(|s| s == sig) {
            return FnPtrTy(k as u32);
        }
        sigs.push(sig.clone());
        FnPtrTy(sigs.len() as u32 - 1)
    }

    /// Its place in the table, to spell the type where only a name can
    /// (`frontend::structs::FN_POINTER_TYPE`).
    pub fn index(self) -> u32 {
        self.0
    }

    /// The type at `index` of the table, if there is one.
    pub fn from_index(index: u32) -> Option<FnPtrTy> {
        ((index as usize) < FN_SIGS.lock().unwrap_or_else(|e| e.into_inner()).len()).then_some(FnPtrTy(index))
    }

    pub fn sig(self) -> FnSig {
        FN_SIGS.lock().unwrap_or_else(|e| e.into_inner())[self.0 as usize].clone()
    }
}

/// A C struct or union as C lays it out, passed by value to or from a C
/// function (`frontend::pxd`): its size and alignment, the values a struct
/// of it travels as in compiled code (its C number and pointer fields in
/// order, nested structs' flattened; a union's storage words, `long long`s),
/// each at its offset, and every scalar member at its offset (a union's
/// overlapping), which the C ABI classifies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CStruct {
    pub size: u32,
    pub align: u32,
    pub values: Vec<(u32, Ty)>,
    pub members: Vec<(u32, Ty)>,
}

/// The structs an extern C function takes (per parameter) and returns by
/// value; interned (`StructAbiId`) so HIR and MIR ops stay small.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StructAbi {
    pub params: Vec<Option<CStruct>>,
    pub ret: Option<CStruct>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructAbiId(u32);

static STRUCT_ABIS: std::sync::Mutex<Vec<StructAbi>> = std::sync::Mutex::new(Vec::new());

impl StructAbiId {
    pub fn of(abi: &StructAbi) -> StructAbiId {
        let mut all = STRUCT_ABIS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = all.iter().position(|s| s == abi) {
            return StructAbiId(k as u32);
        }
        all.push(abi.clone());
        StructAbiId(all.len() as u32 - 1)
    }

    pub fn get(self) -> StructAbi {
        STRUCT_ABIS.lock().unwrap_or_else(|e| e.into_inner())[self.0 as usize].clone()
    }
}

/// How C spells a type in a signature (`double`, `int`, `void*`).
pub fn c_spelling(t: Ty) -> String {
    match t {
        Ty::Int(i) if !i.checked => i.cname.to_string(),
        Ty::Float(64) => "double".into(),
        Ty::Float(_) => "float".into(),
        Ty::Void => "void".into(),
        t => t.to_string(),
    }
}

/// A C type as Cython's generated C code declares it: its base type and
/// the declarator's pointer stars (`double *` is `("double", "*")`), the
/// spelling of `long long` its `PY_LONG_LONG` macro, `bint` an `int`.
fn cython_declarator(t: Ty) -> (String, String) {
    match t {
        Ty::Int(i) => (i.cname.replace("long long", "PY_LONG_LONG"), String::new()),
        Ty::Float(64) => ("double".into(), String::new()),
        Ty::Float(_) => ("float".into(), String::new()),
        Ty::Bool => ("int".into(), String::new()),
        Ty::Void => ("void".into(), String::new()),
        Ty::Complex => ("__pyx_t_double_complex".into(), String::new()),
        Ty::Object | Ty::View(_) => ("PyObject".into(), "*".into()),
        Ty::Ptr(None) => ("void".into(), "*".into()),
        Ty::Ptr(Some(Elem::VoidPtr)) => ("void".into(), "**".into()),
        Ty::Ptr(Some(Elem::Bool)) => ("int".into(), "*".into()),
        Ty::Ptr(Some(e)) => (cython_declarator(e.ty()).0, "*".into()),
        Ty::FnPtr(p) => {
            let sig = p.sig();
            let (base, stars) = cython_declarator(sig.ret);
            (base, format!("{stars}(*)({})", cython_params(&sig.params)))
        }
    }
}

fn cython_params(params: &[Ty]) -> String {
    if params.is_empty() {
        return "void".into();
    }
    let spelt: Vec<String> = params
        .iter()
        .map(|t| match cython_declarator(*t) {
            (base, stars) if stars.is_empty() => base,
            (base, stars) => format!("{base} {stars}"),
        })
        .collect();
    spelt.join(", ")
}

/// A C function's type as Cython spells it in the capsules of a module's
/// `__pyx_capi__` (`double (double)`, `double *(double *, int)`, `int
/// (void)`): return type and parameters, no exception clause, no `nogil`.
pub fn cython_function_type(sig: &FnSig) -> String {
    let (base, stars) = cython_declarator(sig.ret);
    format!("{base} {stars}({})", cython_params(&sig.params))
}

impl fmt::Display for FnSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self.params.iter().map(|t| c_spelling(*t)).collect();
        write!(f, "{} (*)({}) {}{}", c_spelling(self.ret), params.join(", "), self.except, if self.nogil { " nogil" } else { "" })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewTy {
    /// Int, Float or Bool: the element type.
    pub elem: Elem,
    pub ndim: u8,
    /// `::1` on the last axis: elements of a row are adjacent.
    pub c_contig: bool,
    /// `::1` on the first axis of a view of two or more dimensions (Fortran
    /// order): elements of a column are adjacent.
    pub f_contig: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Elem {
    Int(IntTy),
    Float(u8),
    Bool,
    /// A `void*` (the elements of a `void**`: pointer fields of structs in C
    /// memory, `cython.pointer(cython.p_void)`); never a memoryview's element.
    VoidPtr,
}

impl Elem {
    pub fn ty(self) -> Ty {
        match self {
            Elem::Int(i) => Ty::Int(i),
            Elem::Float(w) => Ty::Float(w),
            Elem::Bool => Ty::Bool,
            Elem::VoidPtr => Ty::Ptr(None),
        }
    }

    pub fn of(t: Ty) -> Option<Elem> {
        match t {
            Ty::Int(i) => Some(Elem::Int(i)),
            Ty::Float(w) => Some(Elem::Float(w)),
            Ty::Bool => Some(Elem::Bool),
            _ => None,
        }
    }

    pub fn size(self) -> u8 {
        match self {
            Elem::Int(i) => i.bits / 8,
            Elem::Float(w) => w / 8,
            Elem::Bool => 1,
            Elem::VoidPtr => 8,
        }
    }

    /// The name Cython uses in "Buffer dtype mismatch" messages.
    pub fn c_name(self) -> &'static str {
        match self {
            Elem::Int(i) => i.cname,
            Elem::Float(64) => "double",
            Elem::Float(_) => "float",
            Elem::Bool => "bint",
            Elem::VoidPtr => "void*",
        }
    }

    /// Buffer-protocol format characters (struct module codes) accepted for it.
    pub fn formats(self) -> &'static [u8] {
        match self {
            Elem::Int(i) => match (i.bits, i.signed) {
                // As in Cython: one-byte integers do not care about sign.
                (8, _) => b"bBc",
                (16, true) => b"h",
                (16, false) => b"H",
                (32, true) => b"i",
                (32, false) => b"I",
                (64, true) => b"lqn",
                _ => b"LQN",
            },
            Elem::Float(32) => b"f",
            Elem::Float(_) => b"d",
            Elem::Bool => b"?",
            Elem::VoidPtr => b"P",
        }
    }
}

pub const PY_INT: IntTy = IntTy { bits: 64, signed: true, checked: true, cname: "long long" };
pub const C_INT: IntTy = IntTy { bits: 32, signed: true, checked: false, cname: "int" };
pub const F64: Ty = Ty::Float(64);

impl Ty {
    pub fn py_int() -> Ty {
        Ty::Int(PY_INT)
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Ty::Int(_) | Ty::Float(_) | Ty::Bool)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Ty::Float(_))
    }

    pub fn is_int(self) -> bool {
        matches!(self, Ty::Int(_))
    }

    /// A C pointer: to data (`Ptr`) or to a function (`FnPtr`).
    pub fn is_pointer(self) -> bool {
        matches!(self, Ty::Ptr(_) | Ty::FnPtr(_))
    }

    /// The type Python/C arithmetic promotes a pair of operands to.
    pub fn arith_join(a: Ty, b: Ty) -> Option<Ty> {
        let a = if a == Ty::Bool { Ty::py_int() } else { a };
        let b = if b == Ty::Bool { Ty::py_int() } else { b };
        Some(match (a, b) {
            (Ty::Float(x), Ty::Float(y)) => Ty::Float(x.max(y)),
            (Ty::Float(x), Ty::Int(_)) | (Ty::Int(_), Ty::Float(x)) => Ty::Float(x),
            (Ty::Int(x), Ty::Int(y)) => Ty::Int(int_join(x, y)),
            // Cython: a C number beside a `double complex` is promoted to it.
            (Ty::Complex, Ty::Complex | Ty::Int(_) | Ty::Float(_)) | (Ty::Int(_) | Ty::Float(_), Ty::Complex) => Ty::Complex,
            _ => return None,
        })
    }

    /// The type of a variable or expression that may hold either value (Python's
    /// dynamic typing narrowed to one native type).
    pub fn value_join(a: Ty, b: Ty) -> Option<Ty> {
        if a == b {
            return Some(a);
        }
        // None is an object, and so is a value that is an object or a C
        // number (the number boxed) or None, as in Cython.
        let object_or_none = |t: Ty| matches!(t, Ty::Object | Ty::Void);
        let boxes = |t: Ty| object_or_none(t) || matches!(t, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex);
        if (object_or_none(a) || object_or_none(b)) && boxes(a) && boxes(b) {
            return Some(Ty::Object);
        }
        Ty::arith_join(a, b)
    }
}

/// C's usual arithmetic conversions, except that Python `int` wins over C ints.
pub fn int_join(x: IntTy, y: IntTy) -> IntTy {
    if x.checked {
        return x;
    }
    if y.checked {
        return y;
    }
    // Integer promotion: C arithmetic never happens below `int`.
    let promote = |t: IntTy| if t.bits < 32 { C_INT } else { t };
    let (x, y) = (promote(x), promote(y));
    if x == y {
        return x;
    }
    if x.signed == y.signed {
        return if x.bits >= y.bits { x } else { y };
    }
    let (s, u) = if x.signed { (x, y) } else { (y, x) };
    if u.bits >= s.bits {
        u
    } else {
        s
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Int(t) if t.checked => write!(f, "int"),
            Ty::Int(t) => write!(f, "cython.{}", t.cname.replace(' ', "")),
            Ty::Float(64) => write!(f, "double"),
            Ty::Float(_) => write!(f, "cython.float"),
            Ty::Bool => write!(f, "bint"),
            Ty::Void => write!(f, "None"),
            Ty::Object => write!(f, "object"),
            Ty::Ptr(Some(e)) => write!(f, "{}*", e.c_name()),
            Ty::Ptr(None) => write!(f, "void*"),
            Ty::Complex => write!(f, "double complex"),
            Ty::FnPtr(p) => write!(f, "{}", p.sig()),
            Ty::View(v) => {
                let axes: Vec<&str> =
                    (0..v.ndim).map(|k| if (v.c_contig && k + 1 == v.ndim) || (v.f_contig && k == 0) { "::1" } else { ":" }).collect();
                write!(f, "{}[{}]", Elem::ty(v.elem), axes.join(", "))
            }
        }
    }
}

const fn c(bits: u8, signed: bool, cname: &'static str) -> Ty {
    Ty::Int(IntTy { bits, signed, checked: false, cname })
}

/// `cython.<name>` scalar types.
pub fn cython_scalar(name: &str) -> Option<Ty> {
    Some(match name {
        "char" | "schar" | "int8_t" => c(8, true, "char"),
        "uchar" | "uint8_t" => c(8, false, "unsigned char"),
        "short" | "sshort" | "int16_t" => c(16, true, "short"),
        "ushort" | "uint16_t" => c(16, false, "unsigned short"),
        "int" | "sint" | "int32_t" => c(32, true, "int"),
        "uint" | "uint32_t" => c(32, false, "unsigned int"),
        "long" | "slong" => c(64, true, "long"),
        "ulong" => c(64, false, "unsigned long"),
        "longlong" | "slonglong" | "int64_t" => c(64, true, "long long"),
        "ulonglong" | "uint64_t" => c(64, false, "unsigned long long"),
        "Py_ssize_t" | "ssize_t" | "Py_hash_t" | "ptrdiff_t" => c(64, true, "Py_ssize_t"),
        "size_t" | "Py_UCS4" => c(64, false, "size_t"),
        "float" => Ty::Float(32),
        "double" | "longdouble" => Ty::Float(64),
        "complex" | "doublecomplex" => Ty::Complex,
        "bint" => Ty::Bool,
        "void" => Ty::Void,
        _ => return None,
    })
}

/// PEP 484 builtins used as annotations.
pub fn builtin_scalar(name: &str) -> Option<Ty> {
    Some(match name {
        "int" => Ty::py_int(),
        "float" => F64,
        "complex" => Ty::Complex,
        "bool" => Ty::Bool,
        "None" => Ty::Void,
        "object" => Ty::Object,
        _ => return None,
    })
}

/// Python's builtin types other than the numbers: an annotation naming one
/// (`zs: list`, `text: str`, `-> dict`, PEP 585's `list[int]`) types an
/// object, as an untyped variable (not checked: any object passes, as under
/// CPython). Not `complex`: as in Cython, that annotation is the C
/// `double complex` (`builtin_scalar`).
pub fn builtin_object(name: &str) -> bool {
    matches!(name, "list" | "tuple" | "dict" | "set" | "frozenset" | "str" | "bytes" | "bytearray")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(name: &str) -> IntTy {
        match cython_scalar(name) {
            Some(Ty::Int(t)) => t,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn usual_arithmetic_conversions() {
        assert_eq!(int_join(int("char"), int("short")), C_INT);
        assert_eq!(int_join(int("int"), int("uint")).signed, false);
        assert_eq!(int_join(int("uint"), int("long")), int("long"));
        assert_eq!(int_join(int("int"), PY_INT), PY_INT);
        assert_eq!(Ty::arith_join(Ty::Float(32), cython_scalar("int").unwrap()), Some(Ty::Float(32)));
        assert_eq!(Ty::arith_join(Ty::Bool, Ty::Bool), Some(Ty::py_int()));
    }

    /// The spellings Cython 3.3.1 gives its capsules (read from a module it built).
    #[test]
    fn capsule_names_as_cython_spells_them() {
        let sig = |params: Vec<Ty>, ret: Ty| FnSig { params, ret, nogil: false, except: ExceptSpec::Star };
        let s = |n: &str| cython_scalar(n).unwrap();
        assert_eq!(cython_function_type(&sig(vec![F64], F64)), "double (double)");
        assert_eq!(cython_function_type(&sig(vec![], F64)), "double (void)");
        assert_eq!(cython_function_type(&sig(vec![Ty::Ptr(Some(Elem::Float(64))), s("int")], Ty::Ptr(Some(Elem::Float(64))))), "double *(double *, int)");
        assert_eq!(cython_function_type(&sig(vec![s("uint"), Ty::Ptr(Some(Elem::Int(int("char"))))], s("longlong"))), "PY_LONG_LONG (unsigned int, char *)");
        assert_eq!(cython_function_type(&sig(vec![s("ulonglong")], s("ulonglong"))), "unsigned PY_LONG_LONG (unsigned PY_LONG_LONG)");
        assert_eq!(cython_function_type(&sig(vec![Ty::Ptr(None), Ty::Ptr(Some(Elem::VoidPtr))], Ty::Bool)), "int (void *, void **)");
        assert_eq!(cython_function_type(&sig(vec![F64], Ty::Void)), "void (double)");
        assert_eq!(cython_function_type(&sig(vec![Ty::Complex], Ty::Complex)), "__pyx_t_double_complex (__pyx_t_double_complex)");
    }
}
