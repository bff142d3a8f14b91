//! Instruction selection follows the target: FMA, SSE4.1 rounding, POPCNT and
//! VEX encodings appear exactly on the CPUs that have them.

use pyc_aot::{analyze, backend, target};

const SRC: &str = r#"import math
from cython.cimports.libc.math import fma


def f_fma(a: float, b: float, c: float) -> float:
    return fma(a, b, c)


def f_floor(x: float) -> float:
    return math.floor(x) * 1.0


def f_pop(n: int) -> int:
    return n.bit_count()


def f_add(a: float, b: float) -> float:
    return a + b
"#;

/// The native function `name`'s disassembly for `target`.
fn asm(target_name: &str, name: &str) -> String {
    let (m, _, _) = analyze(SRC, "isel.py", "/isel.py", "isel").unwrap_or_else(|e| panic!("{}", e.rendered));
    let t = target::parse(target_name).unwrap();
    let out = backend::compile(&m, std::slice::from_ref(&t), 11, backend::Listing::Asm).unwrap();
    let start = out.listing.find(&format!("; {name}\n")).unwrap_or_else(|| panic!("no {name} in listing"));
    let rest = &out.listing[start..];
    let end = rest[2..].find("\n; ").map_or(rest.len(), |i| i + 3);
    rest[..end].lines().filter(|l| !l.contains("unwind")).collect::<Vec<_>>().join("\n")
}

#[test]
fn fma_is_an_instruction_only_with_fma() {
    let haswell = asm("haswell", "f_fma");
    assert!(haswell.contains("vfmadd"), "{haswell}");
    let base = asm("x86-64", "f_fma");
    assert!(!base.contains("vfmadd") && base.contains("call"), "{base}");
    insta::assert_snapshot!("fma_haswell", haswell);
    insta::assert_snapshot!("fma_x86_64", base);
}

#[test]
fn floor_is_roundsd_with_sse41_and_a_libm_call_without() {
    let v2 = asm("x86-64-v2", "f_floor");
    assert!(v2.contains("roundsd"), "{v2}");
    let base = asm("x86-64", "f_floor");
    assert!(!base.contains("roundsd") && base.contains("call"), "{base}");
    insta::assert_snapshot!("floor_x86_64_v2", v2);
}

#[test]
fn bit_count_is_popcnt_where_available() {
    assert!(asm("x86-64-v2", "f_pop").contains("popcnt"));
    assert!(!asm("x86-64", "f_pop").contains("popcnt"));
}

#[test]
fn avx_targets_use_vex_encodings() {
    let haswell = asm("haswell", "f_add");
    assert!(haswell.contains("vaddsd"), "{haswell}");
    let base = asm("x86-64", "f_add");
    assert!(base.contains("addsd") && !base.contains("vaddsd"), "{base}");
    insta::assert_snapshot!("add_haswell", haswell);
}
