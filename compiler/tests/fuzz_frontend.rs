//! The front end must never panic, whatever text it is given: mutate real
//! programs byte by byte and run the whole analysis on each mutant.

use pyc_aot::analyze;

/// xorshift64*: deterministic, so a failure is reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    include_str!("../../examples/fib.py"),
    include_str!("../../examples/rfib.py"),
    include_str!("../../examples/integrate.py"),
    include_str!("../../examples/mandelbrot.py"),
    include_str!("../../examples/primes.py"),
    include_str!("../../examples/pi.py"),
];

const TOKENS: &[&str] = &[
    "cython.int", "cython.double", "(", ")", ":", "\n    ", "**", "//", "%", "-", "1e308", "0", "return", "for ", " in range(",
    "while ", "if ", "else:", "@cython.cfunc\n", "@cython.cdivision(", "True", "None", "\"s\"", "[", "]", ",", "=", "+=",
    "lambda", "yield", "def g(", "import cython\n", "from cython.cimports.libc.math import sqrt\n", "math.", "é", "\t",
    "#", "\\", "'''", "-9223372036854775809", "and ", "or ", "not ", "<", "<=", "==", "break\n", "continue\n",
];

#[test]
fn mutated_programs_never_panic() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let mut outcomes = [0usize; 2];
    for round in 0..3000 {
        let seed = SEEDS[round % SEEDS.len()];
        let mut text: Vec<char> = seed.chars().collect();
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(text.len() + 1);
            match rng.below(3) {
                0 if !text.is_empty() => {
                    let end = (at + rng.below(12)).min(text.len());
                    text.drain(at.min(end)..end);
                }
                1 => {
                    let tok: Vec<char> = TOKENS[rng.below(TOKENS.len())].chars().collect();
                    text.splice(at..at, tok);
                }
                _ => {
                    let c = char::from_u32(rng.below(0x250) as u32).unwrap_or('x');
                    text.insert(at.min(text.len()), c);
                }
            }
        }
        let source: String = text.into_iter().collect();
        let result = std::panic::catch_unwind(|| analyze(&source, "fuzz.py", "/fuzz.py", "fuzz").is_ok());
        match result {
            Ok(ok) => outcomes[ok as usize] += 1,
            Err(_) => panic!("the front end panicked on round {round}:\n{source}"),
        }
    }
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "mutations should both break and keep programs: {outcomes:?}");
}

/// Cases for `line_endings_and_nesting_never_panic`; `PYC_AOT_FUZZ_CASES`
/// (and `PYC_AOT_FUZZ_SEED`) for a long run by hand.
fn fuzz_cases(default: usize) -> usize {
    std::env::var("PYC_AOT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Every line ending of `text` replaced by `\n`, `\r\n` or `\r`, chosen per line.
fn mixed_line_endings(rng: &mut Rng, text: &str) -> String {
    let style = rng.below(4);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for piece in text.split_inclusive('\n') {
        match piece.strip_suffix('\n') {
            Some(line) => {
                out.push_str(line);
                let mut pick = if style == 3 { rng.below(3) } else { style };
                // `\r` then an empty line ended by `\n` reads as one `\r\n`.
                if pick == 0 && line.is_empty() && out.ends_with('\r') {
                    pick = 2;
                }
                out.push_str(["\n", "\r\n", "\r"][pick]);
            }
            None => out.push_str(piece),
        }
    }
    out
}

/// Depths around the limits that matter: CPython's 200 brackets, our
/// `MAX_NESTING`, and the inliner's and select's budgets.
fn depth(rng: &mut Rng) -> usize {
    const EDGES: &[usize] = &[1, 2, 15, 16, 17, 63, 64, 65, 199, 200, 201, 2998, 2999, 3000, 3001];
    match rng.below(4) {
        0 => EDGES[rng.below(EDGES.len())],
        1 => rng.below(4000),
        _ => rng.below(300),
    }
}

/// A function whose return expression nests `n` levels of one construct.
fn nested(rng: &mut Rng, n: usize) -> String {
    let head = "import cython\n\n\ndef g(n: int) -> int:\n    return n * 2 + 1 if n > 3 else n - 1\n\n\ndef f(n: int) -> int:\n";
    let body = match rng.below(9) {
        0 => format!("    return {}n\n", "-".repeat(n)),
        1 => format!("    return {}n{}\n", "(".repeat(n), ")".repeat(n)),
        2 => format!("    return {}n{}\n", "g(".repeat(n), ")".repeat(n)),
        3 => format!("    return {} else -1\n", (0..n).map(|i| format!("{i} if n == {i}")).collect::<Vec<_>>().join(" else ")),
        4 => format!("    return {}\n", vec!["n"; n.max(1)].join(" ** ")),
        5 => format!("    return {}\n", vec!["n"; n.max(1)].join(" + ")),
        6 => format!("    return int({}n)\n", "not ".repeat(n)),
        7 => "    n = g(n)\n".repeat(n) + "    return n\n",
        _ => {
            // Statements: CPython allows 100 levels of indentation.
            let levels = n.min(120);
            let mut s = String::new();
            for i in 0..levels {
                s.push_str(&format!("{}if n > {i}:\n", "    ".repeat(i + 1)));
            }
            s.push_str(&format!("{}return n\n    return 0\n", "    ".repeat(levels + 1)));
            s
        }
    };
    format!("{head}{body}")
}

/// Issue 10, items 1, 2, 7 and 8: line endings and nesting depth. Whatever
/// the line endings, the front end must see the same program (HIR and the
/// residual Python identical to the `\n` version); whatever the depth, the
/// whole compiler (front end, optimiser, back end) answers with code or an
/// error, never a panic or a stack overflow, on the caller's small stack.
#[test]
fn line_endings_and_nesting_never_panic() {
    let cases = fuzz_cases(120);
    let seed = std::env::var("PYC_AOT_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0xD1B54A32D192ED03u64);
    let mut rng = Rng(seed | 1);
    let target = pyc_aot::target::parse("x86-64").unwrap();
    let mut deep_errors = 0;
    for case in 0..cases {
        let lf = if case % 2 == 0 { SEEDS[case / 2 % SEEDS.len()].to_string() } else {
            let n = depth(&mut rng);
            nested(&mut rng, n)
        };
        let mixed = mixed_line_endings(&mut rng, &lf);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let a = analyze(&lf, "fuzz.py", "/fuzz.py", "fuzz");
            let b = analyze(&mixed, "fuzz.py", "/fuzz.py", "fuzz");
            match (&a, &b) {
                (Ok((ma, _, _)), Ok((mb, _, _))) => {
                    assert_eq!(pyc_aot::hir::dump(ma), pyc_aot::hir::dump(mb), "line endings changed the HIR");
                    assert_eq!(ma.python_source, mb.python_source, "line endings changed the residual Python");
                    assert!(!ma.python_source.contains('\r'));
                    pyc_aot::backend::compile(ma, std::slice::from_ref(&target), 11, pyc_aot::backend::Listing::None)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
                (Err(ea), Err(eb)) => {
                    assert_eq!(ea.locations.iter().map(|l| (l.line, l.column)).collect::<Vec<_>>(),
                               eb.locations.iter().map(|l| (l.line, l.column)).collect::<Vec<_>>(),
                               "line endings moved the error");
                    Err(ea.rendered.clone())
                }
                _ => panic!("line endings changed whether the program compiles"),
            }
        }));
        match outcome {
            Ok(Err(message)) => {
                assert!(!message.contains("internal error"), "case {case}: {message}");
                deep_errors += 1;
            }
            Ok(Ok(())) => {}
            Err(_) => panic!("case {case} panicked:\n{}", &lf[..lf.len().min(2000)]),
        }
    }
    assert!(deep_errors > 0 && deep_errors < cases, "{deep_errors} of {cases} cases were errors");
    eprintln!("{cases} cases, {deep_errors} refused, 0 panics");
}

/// A flat `and` chain is one level in the syntax but was typed into a chain
/// nested once per operand, which every later pass recursed through: 50,000
/// operands overflowed an 8 MiB stack in the back end (CPython compiles
/// 365,000). Balanced, the depth is log2 of the operands.
#[test]
fn long_boolean_chains_stay_shallow() {
    let worker = std::thread::Builder::new().stack_size(8 << 20).spawn(|| {
        let text = format!("def f(n: int) -> int:\n    return {}\n", vec!["n"; 50_000].join(" and "));
        let (m, _, _) = analyze(&text, "chain.py", "/chain.py", "chain").unwrap_or_else(|e| panic!("{}", e.rendered));
        assert_eq!(m.functions.len(), 1);
        let target = pyc_aot::target::parse("x86-64").unwrap();
        pyc_aot::backend::compile(&m, std::slice::from_ref(&target), 11, pyc_aot::backend::Listing::None).map(|_| ()).map_err(|e| e.to_string())
    });
    worker.unwrap().join().expect("no panic").unwrap();
}
