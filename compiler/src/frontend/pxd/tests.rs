//! Unit tests of the `.pxd` reader.

use super::*;
use crate::types::{cython_scalar, F64};

fn decl(p: &Pxd, name: &str) -> Decl {
    p.names.get(name).unwrap_or_else(|| panic!("{name} in {p:?}")).0.clone()
}

#[test]
fn reads_extern_blocks() {
    let text = "# the book's wrapper\ncdef extern from \"cfib.h\" nogil:\n    double cfib(int n)\n    unsigned long long big(long long a,\n                           unsigned b, const char c)  # joined\n    void reset()\n    const double Y\n    int X, Z\n    ctypedef unsigned short u16\n    u16 half(u16 x) noexcept\n    enum: RED = 1, GREEN = 4\n    cdef enum Mode:\n        FAST = 0\n        SLOW = FAST\n\ncdef extern from *:\n    pass\n\ncdef enum Color:\n    A\n    B, C\ncdef double helper(double x)\n";
    let p = parse(text).unwrap();
    let int = cython_scalar("int").unwrap();
    assert_eq!(decl(&p, "cfib"), Decl::Func(CFunc { symbol: "cfib".into(), params: vec![("n".into(), int)], ret: F64, nogil: true, callbacks: vec![], except: ExceptSpec::NoExcept, variadic: false, struct_params: vec![], struct_ret: None, by_value: None }));
    let Decl::Func(big) = decl(&p, "big") else { panic!() };
    assert_eq!(big.params.iter().map(|p| p.1).collect::<Vec<_>>(), vec![cython_scalar("longlong").unwrap(), cython_scalar("uint").unwrap(), cython_scalar("char").unwrap()]);
    assert_eq!(big.ret, cython_scalar("ulonglong").unwrap());
    let Decl::Func(reset) = decl(&p, "reset") else { panic!() };
    assert_eq!((reset.ret, reset.params.len()), (Ty::Void, 0));
    assert_eq!(decl(&p, "Y"), Decl::Var { symbol: "Y".into(), ty: F64 });
    assert_eq!(decl(&p, "Z"), Decl::Var { symbol: "Z".into(), ty: int });
    let Decl::Func(half) = decl(&p, "half") else { panic!() };
    assert_eq!(half.params[0].1, cython_scalar("ushort").unwrap());
    assert_eq!((decl(&p, "RED"), decl(&p, "GREEN"), decl(&p, "SLOW")), (Decl::Enum(1), Decl::Enum(4), Decl::Enum(0)));
    assert_eq!((decl(&p, "A"), decl(&p, "B"), decl(&p, "C")), (Decl::Enum(0), Decl::Enum(1), Decl::Enum(2)));
    assert!(matches!(decl(&p, "helper"), Decl::ModuleFunc(_)));
}

#[test]
fn reads_pointers_structs_unions_and_opaque_structs() {
    let text = "cdef extern from \"h.h\":\n    ctypedef struct Node:\n        int value\n        Node *next\n        const char *name\n    ctypedef union W:\n        long long i\n        double d\n    ctypedef struct H\n    cdef struct Pair:\n        Node a, b\n    Node *head(H *h, void *data, void **out, double *xs)\n    double *table\n";
    let p = parse(text).unwrap();
    let int = cython_scalar("int").unwrap();
    let char_p = Ty::Ptr(crate::types::Elem::of(cython_scalar("char").unwrap()));
    let node_fields = vec![("value".to_string(), Field::Scalar(int)), ("next".to_string(), Field::StructPtr("Node".into())), ("name".to_string(), Field::Scalar(char_p))];
    assert_eq!(decl(&p, "Node"), Decl::Struct { name: "Node".into(), fields: node_fields.clone(), union: false });
    let Decl::Struct { union: true, fields, .. } = decl(&p, "W") else { panic!() };
    assert_eq!(fields[1], ("d".to_string(), Field::Scalar(F64)));
    assert_eq!(decl(&p, "H"), Decl::Opaque);
    let Decl::Struct { fields, .. } = decl(&p, "Pair") else { panic!() };
    let held = Field::Struct { name: "Node".into(), fields: node_fields, union: false };
    assert_eq!(fields, vec![("a".to_string(), held.clone()), ("b".to_string(), held)]);
    let Decl::Func(head) = decl(&p, "head") else { panic!() };
    let tys: Vec<Ty> = head.params.iter().map(|p| p.1).collect();
    assert_eq!(tys, vec![Ty::Ptr(None), Ty::Ptr(None), Ty::Ptr(Some(crate::types::Elem::VoidPtr)), Ty::Ptr(crate::types::Elem::of(F64))]);
    assert_eq!(head.ret, STRUCT_POINTER);
    assert_eq!(decl(&p, "table"), Decl::Var { symbol: "table".into(), ty: Ty::Ptr(crate::types::Elem::of(F64)) });
}

#[test]
fn reads_function_pointer_types_variables_and_results() {
    let p = parse("ctypedef double (*binop_t)(double, double) noexcept\ncdef extern from \"h.h\" nogil:\n    binop_t current\n    double (*hook)(int n) noexcept nogil\n    binop_t pick(int which)\n    double fold(binop_t f, double x)\n").unwrap();
    let binop = FnSig { params: vec![F64, F64], ret: F64, nogil: false, except: ExceptSpec::NoExcept };
    let fp = Ty::FnPtr(crate::types::FnPtrTy::of(&binop));
    assert_eq!(decl(&p, "binop_t"), Decl::FnType(binop.clone()));
    assert_eq!(decl(&p, "current"), Decl::Var { symbol: "current".into(), ty: fp });
    let int = cython_scalar("int").unwrap();
    let hook = Ty::FnPtr(crate::types::FnPtrTy::of(&FnSig { params: vec![int], ret: F64, nogil: true, except: ExceptSpec::NoExcept }));
    assert_eq!(decl(&p, "hook"), Decl::Var { symbol: "hook".into(), ty: hook });
    assert_eq!(hook.to_string(), "double (*)(int) noexcept nogil");
    let Decl::Func(pick) = decl(&p, "pick") else { panic!("pick") };
    assert_eq!((pick.params, pick.ret), (vec![("which".to_string(), int)], fp));
    // A parameter of the type is a function pointer parameter (a `@cfunc`'s name or a pointer passes).
    let Decl::Func(fold) = decl(&p, "fold") else { panic!("fold") };
    assert_eq!(fold.callbacks, vec![(0, binop)]);
}

#[test]
fn reads_exception_clauses_of_function_pointer_types() {
    let p = parse("ctypedef int (*a_t)(int) except? -1\nctypedef int (*b_t)(int) except 0\nctypedef double (*c_t)(double) except? -1.0\nctypedef double (*d_t)(double) except -1\nctypedef int (*e_t)(int) except *\nctypedef int (*f_t)(int)\nctypedef int (*g_t)(int) noexcept nogil\ncdef extern from \"h.h\":\n    ctypedef int (*h_t)(int)\n    void run(int (*cb)(int))\n").unwrap();
    let spec = |name: &str| match decl(&p, name) {
        Decl::FnType(sig) => sig.except.to_string(),
        d => panic!("{name}: {d:?}"),
    };
    let got: Vec<String> = ["a_t", "b_t", "c_t", "d_t", "e_t", "f_t", "g_t", "h_t"].iter().map(|n| spec(n)).collect();
    // No clause: `except *` in a .pxd's own declarations, `noexcept` in an extern block.
    assert_eq!(got, ["except? -1", "except 0", "except? -1.0", "except -1", "except *", "except *", "noexcept", "noexcept"]);
    let Decl::Func(run) = decl(&p, "run") else { panic!("run") };
    assert_eq!(run.callbacks[0].1.except, ExceptSpec::NoExcept);
}

#[test]
fn reads_structs_by_value_in_extern_functions() {
    let text = "cdef extern from \"h.h\":\n    ctypedef struct V:\n        double x, y\n    ctypedef union U:\n        int i\n        float f\n    cdef struct B:\n        V pos\n        char *name\n        int id\n    V add(V a, V b)\n    double dot(V a, V b) nogil\n    B step(B b, double dt) except *\n    long bits(U u, int k)\n";
    let p = parse(text).unwrap();
    let Decl::Func(add) = decl(&p, "add") else { panic!() };
    assert_eq!(add.ret, Ty::Void);
    assert_eq!(add.struct_params.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 1]);
    assert!(matches!(&add.struct_ret, Some(Field::Struct { name, .. }) if name == "V"));
    let abi = add.by_value.unwrap().get();
    let v = abi.ret.clone().unwrap();
    assert_eq!((v.size, v.align, v.values.len()), (16, 8, 2));
    assert_eq!(abi.params, vec![Some(v.clone()), Some(v)]);
    let Decl::Func(dot) = decl(&p, "dot") else { panic!() };
    assert_eq!((dot.ret, dot.nogil, dot.struct_ret.is_none()), (F64, true, true));
    // Nested structs flattened at C's offsets; a pointer field 8 bytes.
    let Decl::Func(step) = decl(&p, "step") else { panic!() };
    let b = step.by_value.unwrap().get().ret.unwrap();
    let offsets: Vec<u32> = b.values.iter().map(|(o, _)| *o).collect();
    assert_eq!((b.size, offsets), (32, vec![0, 8, 16, 24]));
    assert_eq!(step.except, ExceptSpec::Star);
    // A union travels as its storage words; C classifies its members.
    let Decl::Func(bits) = decl(&p, "bits") else { panic!() };
    let u = bits.by_value.unwrap().get().params[0].clone().unwrap();
    assert_eq!((u.size, u.values.len(), u.members.len()), (4, 1, 2));
    assert_eq!(bits.by_value.unwrap().get().params[1], None);
}

#[test]
fn structs_by_value_elsewhere_are_located_errors() {
    let head = "cdef extern from \"h.h\":\n    ctypedef struct S:\n        int a\n";
    let cases = [
        ("    S f(S a) except -1\n", "a function returning a struct cannot have an exception value"),
        ("    S v\n", "the struct `S` by value is not supported here yet"),
        ("    void f(void (*cb)(S s))\n", "the struct `S` by value is not supported here yet"),
        ("    ctypedef S (*op_t)(int a) noexcept\n", "the struct `S` by value is not supported here yet"),
        ("    S f(S a, ...)\n", "variadic functions passing structs by value in a .pxd are not supported yet"),
    ];
    for (decl, message) in cases {
        let text = format!("{head}{decl}");
        assert_eq!(error_at(&text), ("4".to_string(), message.to_string()), "{text}");
    }
    let own = "cdef struct S:\n    int a\ncdef double f(S s)\n";
    assert_eq!(error_at(own), ("3".to_string(), "the struct `S` by value is not supported here yet".to_string()));
}

fn error_at(text: &str) -> (String, String) {
    let d = parse(text).unwrap_err();
    let line = text[..d.span.start].matches('\n').count() + 1;
    (format!("{line}"), d.message)
}

#[test]
fn reads_exception_clauses_and_varargs_of_functions() {
    let p = parse("cdef extern from \"h.h\":\n    int a(int n) except -1\n    int b(int n) except? 0\n    double c(double x) except? -1.0\n    void d() except *\n    int e(int n)\n    int f(int n) noexcept nogil\n    int printf(const char *fmt, ...)\ncdef double helper(double x)\n").unwrap();
    let got: Vec<String> = ["a", "b", "c", "d", "e", "f", "printf"]
        .iter()
        .map(|n| match decl(&p, n) {
            Decl::Func(f) => format!("{}{}", f.except, if f.variadic { " ..." } else { "" }),
            d => panic!("{d:?}"),
        })
        .collect();
    assert_eq!(got, ["except -1", "except? 0", "except? -1.0", "except *", "noexcept", "noexcept", "noexcept ..."]);
    let Decl::Func(printf) = decl(&p, "printf") else { panic!() };
    assert_eq!(printf.params.len(), 1);
    assert!(matches!(decl(&p, "helper"), Decl::ModuleFunc(_)));
}

#[test]
fn what_it_does_not_read_is_a_located_error() {
    let cases = [
        ("cdef extern from \"h.h\":\n    double f(double **x)\n", "2", "pointers to pointers (other than `void**`) in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    ctypedef struct P:\n        int x[2]\n", "3", "array fields in a .pxd are not supported yet"),
        ("cdef struct P:\n    int x\nP f()\n", "3", "expected a `cdef extern from` block, a `cdef` or `ctypedef` declaration"),
        ("cdef packed struct P:\n    int x\n", "1", "packed structs in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    quad f(int n)\n", "2", "unknown type `quad`"),
        ("cdef extern from \"h.h\":\n    int f(int n) except +\n", "2", "C++ exception clauses (`except +`) in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    void f(int n) except? 0\n", "2", "an exception value for a function returning void"),
        ("cdef extern from \"h.h\":\n    int f(int n) except? -1 noexcept\n", "2", "a second exception clause"),
        ("cdef extern from \"h.h\":\n    int printf(...)\n", "2", "`...` without a parameter before it"),
        ("cdef extern from \"h.h\":\n    int printf(char *f, ..., int n)\n", "2", "expected `)`"),
        ("ctypedef int (*op_t)(int, ...) noexcept\n", "1", "variadic function pointer types (`...`) in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    enum: A\n", "2", "the value of `A` is in the C header, which pyc-aot does not read"),
        ("cdef extern from \"h.h\"\n    int f()\n", "1", "expected `:`"),
        ("cdef extern from \"h.h\":\n    void (*get(int n))(int)\n", "2", "function pointer results and `cdef` function pointer variables (declare a `ctypedef` of the pointer type) in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    void (*)(int)\n", "2", "function pointer results and `cdef` function pointer variables (declare a `ctypedef` of the pointer type) in a .pxd are not supported yet"),
        ("cdef struct S:\n    int (*cb)(int) noexcept, x\n", "2", "unexpected text after the declaration"),
        ("ctypedef int (*op_t)(int) noexcept\ncdef extern from \"h.h\":\n    op_t *table\n", "3", "pointers to int (*)(int) noexcept in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    void f(int (*cb)(int) except +)\n", "2", "C++ exception clauses (`except +`) in a .pxd are not supported yet"),
        ("ctypedef int (*op_t)(int) except? -1.5\n", "1", "an exception value pyc-aot does not read"),
        ("ctypedef double (*op_t)(double) except? x\n", "1", "an exception value pyc-aot does not read"),
        ("ctypedef int (*op_t)(int) noexcept except -1\n", "1", "a second exception clause"),
        ("cdef extern from \"h.h\":\n    void f(int (**cb)(int))\n", "2", "pointers to function pointers in a .pxd are not supported yet"),
        ("cdef struct S:\n    int (*)(int)\n", "2", "a function pointer field needs a name"),
        ("cdef struct S:\n    int x\n    int (*x)(int)\n", "3", "`S` has two fields named `x`"),
        ("from libc.stdlib cimport malloc\n", "1", "cimports in a .pxd are not supported yet"),
        ("cdef extern from \"h.h\":\n    int f()\n    int f()\n", "3", "`f` is declared twice"),
    ];
    for (text, line, message) in cases {
        assert_eq!(error_at(text), (line.to_string(), message.to_string()), "{text}");
    }
}

/// Whatever a `.pxd` holds is read or refused, never a panic: every
/// prefix of a file using each construct, and its bytes shuffled.
#[test]
fn never_panics_on_cut_or_mangled_files() {
    let text = "# c\ncdef extern from \"h.h\" nogil:\n    const unsigned long long f(int a, \\\n        signed char b) noexcept\n    enum E:\n        A = -0x10, B\n    ctypedef short s\n    s g(s x, ...)\n\u{e9}t\u{e9} \"str\n'x' [*] (\n";
    for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
        let _ = parse(&text[..end]);
    }
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    for step in 1..40 {
        chars.rotate_left(step % n);
        chars.swap(step, (step * 7) % n);
        let _ = parse(&chars.iter().collect::<String>());
    }
}
