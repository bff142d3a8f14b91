//! Snapshots of what each stage produces for small programs: the typed HIR,
//! the Cranelift IR, and the rendered diagnostics.

use pyc_aot::{analyze, backend, hir, target};

const FIB: &str = r#"import cython


def fib(n: cython.int) -> cython.double:
    """Return the n-th Fibonacci number as a float."""
    i: cython.int
    a: cython.double = 0.0
    b: cython.double = 1.0
    for i in range(n):
        a, b = a + b, a
    return a
"#;

const MIXED: &str = r#"import math
import cython


@cython.cfunc
@cython.cdivision(True)
def half(x: cython.int) -> cython.int:
    return x // 2


def area(r: float, k: int = 3) -> float:
    total = 0.0
    for j in range(k, 0, -1):
        total += math.pi * r ** 2 / j + half(j)
    return total if total > 0 else -total


def uses_list(n: int) -> int:
    for i in range(3):
        yield i + n
"#;

/// A float reduction whose terms divide: both unrolled trips' divisions run
/// as one `fdiv.f64x2`, the lanes are added to `s` in order.
const REDUCTION: &str = r#"import cython


@cython.cfunc
@cython.inline
@cython.cdivision(True)
def weight(i: cython.Py_ssize_t, j: cython.Py_ssize_t) -> cython.double:
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


@cython.boundscheck(False)
@cython.wraparound(False)
def row(u: cython.double[::1], i: cython.Py_ssize_t) -> cython.double:
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(u.shape[0]):
        s += weight(i, j) * u[j]
    return s
"#;

/// The loop decisions of `opt`, as `--emit hir` shows them.
const SCALE_STRIDED: &str = r#"import cython


def scale(a: cython.double[:], b: cython.double[:], k: cython.double) -> None:
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        b[i] = a[i] * k
    for i in range(b.shape[0]):
        b[i] *= k
"#;

const SAXPY: &str = r#"import cython


def saxpy(y: cython.double[::1], a: cython.double, x: cython.double[::1]) -> None:
    i: cython.Py_ssize_t
    for i in range(y.shape[0]):
        y[i] = a * x[i] + y[i]
"#;

const DOT_ASSOCIATIVE: &str = r#"# pyc-aot: associative_math=True
import cython


def dot(a: cython.double[::1], b: cython.double[::1]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s
"#;

const FACTS_AND_SELECT: &str = r#"def down(n: int) -> int:
    if n < 1:
        return 0
    m = n - 1
    n = m * 2
    return n - 1


def pick(a: int, b: int) -> int:
    return 10 if a < b else (20 if a == b else 30)


def sum_while(n: int) -> int:
    s = 0
    while n > 0:
        s += n
        n -= 1
    return s
"#;

fn hir_of(src: &str) -> hir::Module {
    match analyze(src, "m.py", "/abs/m.py", "m") {
        Ok((m, _, _)) => m,
        Err(e) => panic!("expected success, got:\n{}", e.rendered),
    }
}

fn errors_of(src: &str) -> String {
    match analyze(src, "m.py", "/abs/m.py", "m") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.rendered,
    }
}

#[test]
fn hir_of_fib() {
    insta::assert_snapshot!(hir::dump(&hir_of(FIB)));
}

/// `a[i]` proven inside the axis the loop runs over (no wrap, no check; `b[i]`
/// is checked), a store checked by its own load, loops versioned on the
/// views' unit stride and unrolled ×2.
#[test]
fn hir_of_range_loop_over_a_strided_view_axis() {
    insta::assert_snapshot!(hir::dump(&hir_of(SCALE_STRIDED)));
}

/// The plan `clif_of_paired_float_reduction` carries out.
#[test]
fn hir_of_paired_float_reduction() {
    let m = hir_of(REDUCTION);
    let dump = hir::dump(&m);
    assert!(dump.contains("trips paired on f64x2"), "{dump}");
    insta::assert_snapshot!(dump);
}

#[test]
fn hir_of_vectorised_loop() {
    insta::assert_snapshot!(hir::dump(&hir_of(SAXPY)));
}

#[test]
fn hir_of_sum_into_partial_sums_under_associative_math() {
    insta::assert_snapshot!(hir::dump(&hir_of(DOT_ASSOCIATIVE)));
}

/// `n - 1` after `if n < 1: return` needs no overflow check until `n` is
/// reassigned; conditional expressions of constants become `select`s; a
/// `while` loop gets no plan.
#[test]
fn hir_of_learnt_lower_bounds_and_selects() {
    insta::assert_snapshot!(hir::dump(&hir_of(FACTS_AND_SELECT)));
}

#[test]
fn hir_of_mixed_module_and_what_stays_python() {
    let m = hir_of(MIXED);
    let left: Vec<String> = m.left_to_python.iter().map(|l| format!("{}:{}: {}", l.function, l.line, l.reason)).collect();
    insta::assert_snapshot!(format!("{}\nleft to Python:\n{}\n", hir::dump(&m), left.join("\n")));
}

#[test]
fn residual_python_keeps_line_numbers() {
    let m = hir_of(MIXED);
    assert_eq!(m.python_source.lines().count(), MIXED.lines().count());
    insta::assert_snapshot!(m.python_source);
}

#[test]
fn clif_of_fib_for_baseline_x86_64() {
    let m = hir_of(FIB);
    let t = target::parse("x86-64").unwrap();
    let out = backend::compile(&m, std::slice::from_ref(&t), 11, backend::Listing::Clif).unwrap();
    let native = out.listing.split("\n; ").next().unwrap_or_default().to_string();
    insta::assert_snapshot!(native);
}

#[test]
fn diagnostic_for_syntax_error() {
    insta::assert_snapshot!(errors_of("def f(x: int) -> int:\n    return x +\n"));
}

#[test]
fn diagnostic_for_adding_a_double_to_a_str() {
    insta::assert_snapshot!(errors_of("import cython\n\ndef f(x: cython.double) -> cython.double:\n    return x + \"a\"\n"));
}

#[test]
fn diagnostic_for_unknown_name() {
    insta::assert_snapshot!(errors_of("def f(x: int) -> int:\n    return x + y\n"));
}

#[test]
fn diagnostic_for_bad_directive_argument() {
    insta::assert_snapshot!(errors_of("import cython\n\n@cython.cdivision(3)\ndef f(x: int) -> int:\n    return x // 2\n"));
}

#[test]
fn diagnostic_for_a_private_read_before_the_trip_assigns_it() {
    let src = "import cython\nfrom cython.parallel import prange\n\ndef f(n: cython.long) -> cython.long:\n    total: cython.long = 0\n    i: cython.long\n    for i in prange(n, nogil=True):\n        total = total + i\n    return total\n";
    insta::assert_snapshot!(errors_of(src));
}

#[test]
fn diagnostic_for_implicit_float_to_int() {
    insta::assert_snapshot!(errors_of("def f(x: float) -> int:\n    n: int = x\n    return n\n"));
}

#[test]
fn clif_of_paired_float_reduction() {
    let m = hir_of(REDUCTION);
    let t = target::parse("x86-64").unwrap();
    let out = backend::compile(&m, std::slice::from_ref(&t), 11, backend::Listing::Clif).unwrap();
    let row = out.listing.trim_start_matches("; ").split("\n; ").find(|f| f.starts_with("row\n")).unwrap_or_default().to_string();
    assert!(row.contains("load.f64x2") && row.contains("extractlane"), "no paired lanes in:\n{row}");
    insta::assert_snapshot!(row);
}

/// Code generation runs on several threads; the object must not depend on
/// their timing: functions are placed in the order they were built.
#[test]
fn objects_are_reproducible_with_parallel_code_generation() {
    let mut src = String::from("import cython\n");
    for i in 0..40 {
        src.push_str(&format!(
            "\n\ndef f{i}(n: cython.int, x: cython.double) -> cython.double:\n    s: cython.double = 0.0\n    for k in range(n):\n        s += x * k - {i}\n    return s\n"
        ));
    }
    let m = hir_of(&src);
    let t = target::parse("x86-64").unwrap();
    let first = backend::compile(&m, std::slice::from_ref(&t), 11, backend::Listing::None).unwrap().object;
    for _ in 0..3 {
        let again = backend::compile(&m, std::slice::from_ref(&t), 11, backend::Listing::None).unwrap().object;
        assert!(again == first, "object bytes differ between two builds");
    }
}
