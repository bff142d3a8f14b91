//! The MIR of wrappers as built and after each pass (exception edges, then
//! reference counts), in the manner of mypyc's `test-data/refcount.test`;
//! the verifier checks each stage.

use pyc_aot::{analyze, backend, hir, target};

fn hir_of(src: &str) -> hir::Module {
    match analyze(src, "m.py", "/abs/m.py", "m") {
        Ok((m, _, _)) => m,
        Err(e) => panic!("expected success, got:\n{}", e.rendered),
    }
}

/// Every wrapper's MIR at every stage, for CPython 3.12.
fn mir_stages(src: &str) -> String {
    let m = hir_of(src);
    let t = target::parse("x86-64").unwrap();
    match backend::compile(&m, std::slice::from_ref(&t), 12, backend::Listing::MirStages) {
        Ok(out) => out.listing,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn mir_of_an_int_argument() {
    insta::assert_snapshot!(mir_stages("import cython\n\ndef f(n: cython.int, /) -> cython.long:\n    return n * 2\n"));
}

#[test]
fn mir_of_a_float_argument() {
    insta::assert_snapshot!(mir_stages("def f(x: float, /) -> float:\n    return x * 0.5\n"));
}

#[test]
fn mir_of_two_arguments_fastcall() {
    insta::assert_snapshot!(mir_stages("def f(a: int, b: float) -> float:\n    return a + b\n"));
}

#[test]
fn mir_of_memoryview_arguments() {
    // Two buffers: a failure acquiring the second releases the first; both
    // are released after the native call, on success and on failure.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(a: cython.double[:], b: cython.double[::1], /) -> cython.double:\n    b[0] = a[0]\n    return a[0]\n"
    ));
}

#[test]
fn mir_of_a_void_return() {
    insta::assert_snapshot!(mir_stages("def f() -> None:\n    pass\n"));
}

#[test]
fn mir_of_a_bint_return() {
    insta::assert_snapshot!(mir_stages("import cython\n\ndef f(x: cython.bint, /) -> cython.bint:\n    return not x\n"));
}

#[test]
fn mir_of_a_body_with_a_loop_break_and_continue() {
    insta::assert_snapshot!(mir_stages(
        "def f(n: int) -> int:\n    s = 0\n    i = 0\n    while i < n:\n        i += 1\n        if i % 3 == 0:\n            continue\n        if s > 100:\n            break\n        s += i\n    else:\n        s = -s\n    return s\n"
    ));
}

#[test]
fn mir_of_a_body_that_raises() {
    insta::assert_snapshot!(mir_stages("def f(x: int) -> int:\n    if x < 0:\n        raise ValueError('negative')\n    return x // 2\n"));
}

#[test]
fn mir_of_a_body_with_an_unbound_local() {
    // `y` may be read before it is assigned: a bound flag, checked on read.
    insta::assert_snapshot!(mir_stages("def f(x: int) -> int:\n    if x > 0:\n        y = x\n    return y\n"));
}

#[test]
fn mir_of_a_view_loop_with_a_checked_load() {
    // `a[i]` is not proven in bounds (the range is not over `a`'s extent):
    // its load is checked, with an error edge; the `break` keeps the loop
    // plain (header, body, increment), and `::1` needs no versioning.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(a: cython.double[::1], n: cython.Py_ssize_t) -> cython.double:\n    s: cython.double = 0.0\n    for i in range(n):\n        s += a[i]\n        if s > 10.0:\n            break\n    return s\n"
    ));
}

#[test]
fn mir_of_a_versioned_unrolled_loop() {
    // The loop runs in two versions (unit stride of `y` checked at run
    // time, then constant scaling) and each two trips per test.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(y: cython.double[:], c: cython.double) -> None:\n    for i in range(y.shape[0]):\n        y[i] = c\n"
    ));
}

#[test]
fn mir_of_a_paired_reduction() {
    // Unrolled ×2, both trips' leaves evaluated in the scalar order, then
    // the division on one f64x2 and both lanes added to `s` in order.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\n@cython.cdivision(True)\ndef f(n: cython.long, k: cython.double) -> cython.double:\n    s: cython.double = 0.0\n    for i in range(n):\n        s += k / (i + 0.5)\n    return s\n"
    ));
}
