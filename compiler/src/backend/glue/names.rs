//! Spelling names for CPython: the `PyInit` symbol of a module name, dunder
//! names, and Python string literals of arbitrary text.

/// The init function CPython looks up for a module named `name` (PEP 489):
/// `PyInit_<name>` for ASCII names, otherwise `PyInitU_` followed by the
/// name's punycode with `-` replaced by `_`, as `importdl.c` spells it.
pub(crate) fn init_symbol(name: &str) -> String {
    if name.is_ascii() {
        format!("PyInit_{name}")
    } else {
        format!("PyInitU_{}", punycode(name).replace('-', "_"))
    }
}

/// RFC 3492 bootstring encoding, as Python's `punycode` codec does it: the
/// ASCII characters in order, a `-` if there were any, then the deltas.
fn punycode(input: &str) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn digit(d: u32) -> char {
        (if d < 26 { b'a' + d as u8 } else { b'0' + (d - 26) as u8 }) as char
    }
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta /= if first { DAMP } else { 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let chars: Vec<u32> = input.chars().map(|c| c as u32).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (0x80u32, 0u64, 72u32, basic);
    while (handled as usize) < chars.len() {
        let m = chars.iter().copied().filter(|&c| c >= n).min().unwrap_or(n);
        delta += (m - n) as u64 * (handled as u64 + 1);
        n = m;
        for &c in &chars {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta as u32;
                let mut k = BASE;
                loop {
                    let t = if k <= bias { TMIN } else if k >= bias + TMAX { TMAX } else { k - bias };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta as u32, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

/// A dunder name (`__name__`, `__getattr__` …): the module or its loader may
/// have bound it before the module's code runs.
pub(super) fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

pub(super) use crate::hir::python_str as py_str;

#[cfg(test)]
mod py_str_tests {
    use super::py_str;

    #[test]
    fn python_string_literals() {
        assert_eq!(py_str("fib"), "'fib'");
        assert_eq!(py_str("it's \\ ok"), "'it\\'s \\\\ ok'");
        assert_eq!(py_str("ge\u{301}t"), "'ge\\u0301t'");
        assert_eq!(py_str("f\u{ef}b\n"), "'f\\xefb\\x0a'");
        assert_eq!(py_str("\u{1f600}"), "'\\U0001f600'");
    }
}


#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn init_symbols_follow_importdl() {
        // Expected values from CPython: name.encode('punycode').
        for (name, puny) in [
            ("fïb", "fb-tja"),
            ("ïé", "9cal"),
            ("müller_2", "mller_2-n2a"),
            ("日本語", "wgv71a119e"),
            ("a€b€c", "abc-k50ab"),
            ("Ωmega", "mega-ukd"),
            ("xüüüüü", "x-ehaaaaa"),
            ("ß_mod", "_mod-una"),
        ] {
            assert_eq!(punycode(name), puny, "{name}");
            assert_eq!(init_symbol(name), format!("PyInitU_{}", puny.replace('-', "_")));
        }
        assert_eq!(init_symbol("fib"), "PyInit_fib");
    }
}
