//! The stage boundaries of DESIGN.md ("The pipeline"), checked against the
//! source: the HIR depends on no stage, the front end emits no code, the MIR
//! reads only the HIR and knows no Cranelift, the back end reads only the HIR and
//! the MIR, HIR passes know no Cranelift, and only `syntax`
//! names the parser. Every path in `compiler/src` that starts at `crate::`,
//! `super::` or `self::`, or names an external crate, is resolved to the
//! top-level module it reaches; a forbidden one fails unless it is a known
//! exception below, listed with the reason it is still there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What each top-level module must not name. `cranelift` stands for every
/// `cranelift_*` crate, `rustpython` for the parser crate. The driver
/// (`lib.rs`, `main.rs`) and `link.rs` sit outside the stages.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("hir", &["syntax", "frontend", "opt", "backend", "link", "target", "cranelift", "rustpython"]),
    ("frontend", &["backend", "opt", "link", "target", "cranelift", "rustpython"]),
    ("opt", &["syntax", "frontend", "backend", "link", "target", "cranelift", "rustpython"]),
    ("mir", &["syntax", "frontend", "opt", "backend", "link", "target", "cranelift", "rustpython"]),
    ("backend", &["syntax", "frontend", "opt", "link", "rustpython"]),
    ("syntax", &["frontend", "hir", "types", "opt", "backend", "link", "target", "cranelift"]),
    ("types", &["syntax", "frontend", "hir", "opt", "backend", "link", "target", "cranelift", "rustpython"]),
    ("diag", &["syntax", "frontend", "hir", "types", "opt", "backend", "link", "target", "cranelift", "rustpython"]),
    // The annotate report drives the stages as `lib.rs` does, and reads the
    // code by line only through `backend`'s `FunctionCode`.
    ("annotate", &["syntax", "frontend", "opt", "mir", "cranelift", "rustpython"]),
];

/// Crossings that still exist: (file under `compiler/src`, module it names, why).
/// An entry that no longer occurs fails the test too, so the list stays true.
const KNOWN: &[(&str, &str, &str)] = &[];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("read src dir").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `frontend/typeck/call.rs` → [frontend, typeck, call].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The code with comments, string and character literals blanked out.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r' && (at(i + 1) == '"' || at(i + 1) == '#') && !at(i.wrapping_sub(1)).is_alphanumeric() {
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|h| at(j + 1 + h) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A char literal (a lifetime has no closing quote right after it).
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Hash,
    Semi,
    Other,
}

fn tokens(code: &str) -> Vec<Tok> {
    let c: Vec<char> = code.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
            continue;
        }
        out.push(match ch {
            ':' if c.get(i + 1) == Some(&':') => {
                i += 1;
                Tok::Path
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            ',' => Tok::Comma,
            '#' => Tok::Hash,
            ';' => Tok::Semi,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            _ => Tok::Other,
        });
        i += 1;
    }
    out
}

/// Drops `#[cfg(test)]` items: tests may use the driver to build their input.
fn without_tests(t: Vec<Tok>) -> Vec<Tok> {
    let ident = |s: &str| Tok::Ident(s.to_string());
    let mut out = vec![];
    let mut i = 0;
    while i < t.len() {
        let attr = [Tok::Hash, Tok::Other, ident("cfg"), Tok::Other, ident("test"), Tok::Other, Tok::Other];
        if t[i..].starts_with(&attr) {
            i += attr.len();
            let mut depth = 0;
            while i < t.len() {
                match t[i] {
                    Tok::Open => depth += 1,
                    Tok::Close => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    Tok::Semi if depth == 0 => {
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            continue;
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

/// The top-level modules (and external crates of interest) a file names.
fn named_modules(me: &[String], t: &[Tok]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for i in 0..t.len() {
        let Tok::Ident(first) = &t[i] else { continue };
        let starts_path = i == 0 || t[i - 1] != Tok::Path;
        if !starts_path || t.get(i + 1) != Some(&Tok::Path) {
            continue;
        }
        if first.starts_with("cranelift") {
            found.insert("cranelift".to_string());
            continue;
        }
        if first == "rustpython_parser" {
            found.insert("rustpython".to_string());
            continue;
        }
        let mut base: Vec<String> = match first.as_str() {
            "crate" => vec![],
            "self" => me.to_vec(),
            "super" => me[..me.len().saturating_sub(1)].to_vec(),
            _ => continue,
        };
        let mut j = i + 2;
        while t.get(j) == Some(&Tok::Ident("super".into())) && t.get(j + 1) == Some(&Tok::Path) {
            base.pop();
            j += 2;
        }
        if let Some(top) = base.first() {
            found.insert(top.clone());
            continue;
        }
        match t.get(j) {
            Some(Tok::Ident(name)) => {
                found.insert(name.clone());
            }
            Some(Tok::Open) => {
                // `use crate::{hir, syntax::Span}`: the first name of each item.
                let mut depth = 0;
                let mut item_start = false;
                for tok in &t[j..] {
                    match tok {
                        Tok::Open => {
                            depth += 1;
                            item_start = depth == 1;
                            continue;
                        }
                        Tok::Close => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Tok::Comma if depth == 1 => {
                            item_start = true;
                            continue;
                        }
                        Tok::Ident(name) if depth == 1 && item_start => {
                            found.insert(name.clone());
                        }
                        _ => {}
                    }
                    item_start = false;
                }
            }
            _ => {}
        }
    }
    found
}

#[test]
fn stages_name_only_what_they_may() {
    let src = src_dir();
    let mut files = vec![];
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {} source files under {}", files.len(), src.display());
    let mut crossings = vec![];
    let mut known_seen = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        let me = module_path(rel);
        let Some(top) = me.first() else { continue };
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(m, _)| m == top) else { continue };
        let text = std::fs::read_to_string(f).expect("read source file");
        assert!(
            !text.contains("#[path"),
            "{}: a #[path] attribute; teach tests/stages.rs where it points",
            rel.display()
        );
        let toks = without_tests(tokens(&strip(&text)));
        for name in named_modules(&me, &toks) {
            if name == *top || !forbidden.contains(&name.as_str()) {
                continue;
            }
            let rel_s = rel.to_string_lossy().replace('\\', "/");
            if KNOWN.iter().any(|(file, m, _)| *file == rel_s && *m == name) {
                known_seen.insert((rel_s, name));
            } else {
                crossings.push(format!("{rel_s} names `{name}`, which `{top}` must not depend on"));
            }
        }
    }
    for (file, m, why) in KNOWN {
        if !known_seen.contains(&(file.to_string(), m.to_string())) {
            crossings.push(format!("{file} no longer names `{m}`: remove it from KNOWN in tests/stages.rs (it was there because {why})"));
        }
    }
    assert!(crossings.is_empty(), "stage boundaries crossed (DESIGN.md, \"The pipeline\"):\n{}", crossings.join("\n"));
}

#[test]
fn resolver_sees_each_kind_of_path() {
    let me: Vec<String> = ["frontend", "typeck", "call"].iter().map(|s| s.to_string()).collect();
    let code = r#"
        use super::super::vocab;            // frontend itself
        use crate::{hir::Expr, types};
        use super::super::super::backend::glue;
        fn f() { crate::opt::run(); let s = "crate::link::x"; }
        use cranelift_codegen::ir;
        #[cfg(test)]
        mod tests { use crate::syntax; }
    "#;
    let got = named_modules(&me, &without_tests(tokens(&strip(code))));
    let want: BTreeSet<String> = ["frontend", "hir", "types", "backend", "opt", "cranelift"].iter().map(|s| s.to_string()).collect();
    assert_eq!(got, want);
}
