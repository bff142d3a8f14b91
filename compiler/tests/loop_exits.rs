//! A loop that calls keeps its accumulator and counter in callee-saved
//! registers: their values leaving the loop for `rax` (the return) and
//! `rdi` (the remainder trip's call) are copied once at the exit
//! (`backend/loop_exits.rs`), not moved around every call in the loop.

use pyc_aot::{analyze, backend, target};

const SRC: &str = r#"import cython


@cython.cfunc
@cython.exceptval(check=False)
def inc(n: cython.long) -> cython.long:
    return n + 1


@cython.cfunc
@cython.exceptval(check=False)
def dec(n: cython.long) -> cython.long:
    return n - 1


def total(n: cython.long, k: cython.int) -> cython.long:
    f = inc
    if k:
        f = dec
    s: cython.long = 0
    i: cython.long
    for i in range(n):
        s += f(i)
    return s
"#;

/// The native function `total`'s listing of kind `kind` for x86-64.
fn listing(kind: backend::Listing) -> String {
    let (m, _, _) = analyze(SRC, "loops.py", "/loops.py", "loops").unwrap_or_else(|e| panic!("{}", e.rendered));
    let t = target::parse("x86-64").unwrap();
    let out = backend::compile(&m, std::slice::from_ref(&t), 11, kind).unwrap();
    let start = out.listing.find("; total\n").expect("no total in listing");
    let rest = &out.listing[start..];
    let end = rest[2..].find("\n; ").map_or(rest.len(), |i| i + 3);
    rest[..end].lines().filter(|l| !l.contains("unwind")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_calling_loops_exit_values_are_copied_once_after_it() {
    let clif = listing(backend::Listing::Clif);
    assert_eq!(clif.matches("bitcast.f64").count(), 2, "{clif}");
    let asm = listing(backend::Listing::Asm);
    // The unrolled trip: two calls through the pointer, the counter and the
    // sum updated in place (`leaq` into their own registers), no copy of
    // either into `rax`/`rdi` and back.
    let trip = asm.split("\nblock").find(|b| b.matches("call").count() == 2).expect("no unrolled trip");
    assert!(trip.lines().count() <= 14, "{trip}");
    insta::assert_snapshot!("calling_loop_x86_64", asm);
}
