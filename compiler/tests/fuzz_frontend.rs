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
