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

/// The C entries of void cfuncs whose addresses `cb = …` takes: they
/// return nothing, their error exits too (`except *`: the exception left
/// set, after a native call; `noexcept`: written as unraisable, the body
/// in place).
#[test]
fn mir_of_void_cfunc_c_entries() {
    let m = hir_of(
        "import cython\n\n@cython.cfunc\ndef check(x: cython.double) -> cython.void:\n    if x < 0:\n        raise ValueError('negative')\n\n\
         @cython.cfunc\n@cython.exceptval(check=False)\ndef scale(p: cython.p_double, k: cython.double) -> cython.void:\n    p[0] *= k\n\n\
         def f(x: cython.double) -> cython.double:\n    cb = check\n    cb(x)\n    s = scale\n    t: cython.double = 2.0\n    s(cython.address(t), x)\n    return t\n",
    );
    let t = target::parse("x86-64").unwrap();
    let listing = match backend::compile(&m, std::slice::from_ref(&t), 12, backend::Listing::Mir) {
        Ok(out) => out.listing,
        Err(e) => panic!("{e}"),
    };
    let entries: Vec<&str> = listing.split("\n\n").filter(|b| b.starts_with("def C entry of")).collect();
    assert_eq!(entries.len(), 2, "{listing}");
    insta::assert_snapshot!(entries.join("\n\n"));
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
fn mir_of_an_inlined_callee_that_raises() {
    // `half` is inlined into `twice`: its locals are fresh, its `return` goes
    // to a join block, and its errors go to a block of its own that adds its
    // traceback entry (at the failing line) and propagates at the call's line.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\n@cython.cfunc\ndef half(n: cython.int) -> cython.int:\n    if n < 0:\n        raise ValueError('negative')\n    return n // 2\n\ndef twice(n: cython.int, /) -> cython.int:\n    return half(n) + 1\n"
    ));
}

#[test]
fn mir_of_a_call_of_a_big_frame() {
    // `big` holds a large C array: never inlined, and the caller checks the
    // stack has room for its frame before calling it.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\n@cython.cfunc\ndef big(n: cython.int) -> cython.int:\n    a: cython.int[100000]\n    a[0] = n\n    return a[0]\n\ndef f(n: cython.int, /) -> cython.int:\n    return big(n) + 1\n"
    ));
}

#[test]
fn mir_of_a_wrapper_with_the_body_in_place() {
    // The wrapper (and its binder path) take the body's MIR in place of the
    // call: the body's `return` goes to a join block, its errors add its
    // traceback entry (always: the outermost compiled frame) and leave
    // compiled code before the wrapper's error exit.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(n: cython.int, m: cython.int) -> cython.int:\n    if n < m:\n        raise ValueError('n < m')\n    return n - m\n"
    ));
}

#[test]
fn mir_of_an_inlined_callee_with_other_directives() {
    // `cdiv` divides as C does: its error block carries its directives, which
    // code generation applies to the ops whose errors go there.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\n@cython.cfunc\n@cython.cdivision(True)\ndef cdiv(a: cython.int, b: cython.int) -> cython.int:\n    return a // b\n\n@cython.cfunc\ndef f(a: cython.int, b: cython.int) -> cython.int:\n    return cdiv(a, b) + a // b\n"
    ));
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

#[test]
fn mir_of_a_wrapper_with_a_c_array_body_in_place() {
    // The body in place holds a C array: its storage and parts are set up
    // with the frame, as in a native body, and its store is bounds-checked
    // (an error edge through the body's traceback entry).
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(n: cython.int, /) -> cython.double:\n    a: cython.double[2]\n    a[n] = 1.5\n    return a[1]\n"
    ));
}

#[test]
fn mir_of_a_nogil_block() {
    // The GIL released around the block and taken back after it; the
    // division's error goes through the block's own handler (ops setting
    // exceptions holding the GIL), which takes the GIL back and passes the
    // failing line on; `return` inside takes it back first.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(a: cython.long, b: cython.long) -> cython.long:\n    with cython.nogil:\n        if a > 100:\n            return a\n        a = a // b\n    return a\n"
    ));
}

#[test]
fn mir_of_an_inlined_callee_with_a_view_argument() {
    // `first` is inlined into `f`: its view parameter's parts are fresh
    // locals bound to the caller's parts, which its load addresses.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\n@cython.cfunc\ndef first(v: cython.double[:]) -> cython.double:\n    return v[0]\n\ndef f(a: cython.double[:], /) -> cython.double:\n    return first(a) + 1.0\n"
    ));
}

#[test]
fn mir_of_a_prange_sum() {
    // One `parallel` op over the outlined body (a function of its own,
    // taking the chunk, the sum's value and the view), then the loop
    // variable's last value and the combined sum assigned.
    insta::assert_snapshot!(mir_stages(
        "import cython\nfrom cython.parallel import prange\n\ndef f(a: cython.double[:]) -> cython.double:\n    s: cython.double = 0.0\n    i: cython.Py_ssize_t\n    for i in prange(a.shape[0], nogil=True):\n        s += a[i]\n    return s\n"
    ));
}

#[test]
fn mir_of_object_variables() {
    // An object parameter read in place, one assigned (its own reference),
    // an object variable that may be unassigned, an object result.
    insta::assert_snapshot!(mir_stages("import cython\n\ndef f(a, b, flag: cython.bint):\n    b = a\n    if flag:\n        z = b\n    return z\n"));
}

#[test]
fn mir_of_a_try_with_except_and_finally() {
    // The landing adds the traceback entry, the dispatch catches and
    // matches; the clause's errors put the handled exception back; the
    // `finally` body is built for the `return`, for falling through and
    // for an error (then raised again as it is, untraced); `e` is unbound
    // after its clause.
    insta::assert_snapshot!(mir_stages(
        "class E(Exception):\n    pass\n\ndef f(x):\n    try:\n        if x:\n            return x()\n    except E as e:\n        raise ValueError(e) from None\n    finally:\n        x = 1\n    return x\n"
    ));
}

#[test]
fn mir_of_a_with_statement() {
    // `__enter__` then `__exit__` looked up on the type (`load_special`, a
    // missing one the module helper's exception raised here), `__enter__`
    // called with the manager first when unbound, the target assigned
    // inside the protected block; `__exit__` with the exception (its truth
    // deciding whether it is raised again) or with three Nones on the way
    // out, `return` included.
    insta::assert_snapshot!(mir_stages("def f(cm, x):\n    with cm as v:\n        if x:\n            return v\n    return x\n"));
}

#[test]
fn mir_of_object_operations() {
    // Constants borrowed from the module's table, a C value boxed beside an
    // object, an augmented assignment in place, a comparison's truth value
    // in a branch, an object unboxed into a C double.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef f(a, n: cython.int) -> cython.double:\n    s = \"x\"\n    s += a * n\n    if s < 2.5:\n        return a\n    return 1.0\n"
    ));
}

#[test]
fn mir_of_a_method_call_with_a_computed_argument() {
    // `o.m(x + 1)`: the method is looked up before the argument is
    // evaluated, without a bound method (`load_method`), then called with
    // `o` passed when it is the class's function; the callable is
    // released after the call and on the argument's error edge.
    insta::assert_snapshot!(mir_stages("def f(o, x):\n    return o.m(x + 1)\n"));
}

#[test]
fn mir_of_c_double_complex_arithmetic() {
    // `complex` is a C double complex: unboxed on entry, `+` one f64x2
    // operation, `*` and `abs` on the parts, boxed on return.
    insta::assert_snapshot!(mir_stages("def f(z: complex, c: complex) -> complex:\n    if abs(z) < 2:\n        z = z * z + c\n    return z\n"));
}

#[test]
fn mir_of_a_generator_before_and_after_suspension() {
    // The resume body as built (`yield` ops before their resume blocks),
    // after the suspension pass (frame stores, state, returns; loads where
    // it resumes; the state's dispatch on entry) and after reference counts.
    insta::assert_snapshot!(mir_stages(
        "import cython\n\ndef g(n: cython.int, xs):\n    i: cython.int = 0\n    while i < n:\n        got = yield xs\n        i += 1\n    return got\n"
    ));
}

#[test]
fn mir_of_a_dict_local() {
    // `counts` only ever holds a dict display: `.get` and the item store
    // call the dict's functions with no exact-dict test and no list path.
    insta::assert_snapshot!(mir_stages(
        "def f(words):\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w, 0) + 1\n    return counts[words[0]]\n"
    ));
}
