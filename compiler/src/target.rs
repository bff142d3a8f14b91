//! `--target` names → a Cranelift ISA with the right feature flags.
//!
//! Cranelift's own presets leave `has_avx` off for several CPUs (and then
//! emit no VEX/AVX2/FMA code at all), so every name here lists its features
//! explicitly instead of trusting the preset.

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use std::str::FromStr;
use target_lexicon::Triple;

const V2: &[&str] = &["has_sse3", "has_ssse3", "has_sse41", "has_sse42", "has_popcnt", "has_cmpxchg16b"];
const V3: &[&str] = &["has_avx", "has_avx2", "has_bmi1", "has_bmi2", "has_fma", "has_lzcnt"];
const V4: &[&str] = &["has_avx512f", "has_avx512vl", "has_avx512dq"];
const ICELAKE: &[&str] = &["has_avx512vbmi", "has_avx512bitalg", "has_avx512vnni"];

/// Every CPU name `--target` accepts, with the feature groups it enables.
pub const CPU_TABLE: &[(&str, &[&[&str]])] = &[
    ("x86-64", &[]),
    ("x86-64-v2", &[V2]),
    ("x86-64-v3", &[V2, V3]),
    ("x86-64-v4", &[V2, V3, V4]),
    ("nehalem", &[V2]),
    ("westmere", &[V2]),
    ("sandybridge", &[V2, &["has_avx"]]),
    ("ivybridge", &[V2, &["has_avx"]]),
    ("haswell", &[V2, V3]),
    ("broadwell", &[V2, V3]),
    ("skylake", &[V2, V3]),
    ("alderlake", &[V2, V3, &["has_avx_vnni"]]),
    ("skylake-avx512", &[V2, V3, V4]),
    ("cascadelake", &[V2, V3, V4, &["has_avx512vnni"]]),
    ("cannonlake", &[V2, V3, V4, &["has_avx512vbmi"]]),
    ("icelake-client", &[V2, V3, V4, ICELAKE]),
    ("icelake-server", &[V2, V3, V4, ICELAKE]),
    ("tigerlake", &[V2, V3, V4, ICELAKE]),
    ("sapphirerapids", &[V2, V3, V4, ICELAKE, &["has_avx_vnni"]]),
    ("znver1", &[V2, V3]),
    ("znver2", &[V2, V3]),
    ("znver3", &[V2, V3]),
    ("znver4", &[V2, V3, V4, ICELAKE]),
];

pub struct Target {
    /// The name as the user wrote it (`native` for the build machine).
    pub name: String,
    pub isa: OwnedTargetIsa,
    /// CPU features the code may use, as Linux's /proc/cpuinfo names them;
    /// the module checks them at import instead of dying on SIGILL later.
    pub requires: Vec<&'static str>,
}

/// Cranelift's x86 flags, the names users write after `+`, and /proc/cpuinfo's names.
const FEATURES: &[(&str, &str, &str)] = &[
    ("has_sse3", "sse3", "pni"),
    ("has_ssse3", "ssse3", "ssse3"),
    ("has_sse41", "sse4.1", "sse4_1"),
    ("has_sse42", "sse4.2", "sse4_2"),
    ("has_popcnt", "popcnt", "popcnt"),
    ("has_cmpxchg16b", "cx16", "cx16"),
    ("has_avx", "avx", "avx"),
    ("has_avx2", "avx2", "avx2"),
    ("has_bmi1", "bmi1", "bmi1"),
    ("has_bmi2", "bmi2", "bmi2"),
    ("has_fma", "fma", "fma"),
    ("has_lzcnt", "lzcnt", "abm"),
    ("has_avx512f", "avx512f", "avx512f"),
    ("has_avx512vl", "avx512vl", "avx512vl"),
    ("has_avx512dq", "avx512dq", "avx512dq"),
    ("has_avx512vbmi", "avx512vbmi", "avx512vbmi"),
    ("has_avx512bitalg", "avx512bitalg", "avx512_bitalg"),
    ("has_avx512vnni", "avx512vnni", "avx512_vnni"),
    ("has_avx_vnni", "avxvnni", "avx_vnni"),
];

fn cpuinfo_requirements(isa: &OwnedTargetIsa) -> Vec<&'static str> {
    let enabled: Vec<String> =
        isa.isa_flags().iter().filter(|f| f.as_bool() == Some(true)).map(|f| f.name.to_string()).collect();
    FEATURES.iter().filter(|(flag, _, _)| enabled.iter().any(|e| e == flag)).map(|(_, _, cpuinfo)| *cpuinfo).collect()
}

/// `PYC_AOT_VERIFY=1` runs Cranelift's IR verifier on every function in a
/// release build too (the test suite sets it; debug builds always verify).
pub(crate) fn verifier_wanted() -> bool {
    cfg!(debug_assertions) || verify_requested(std::env::var("PYC_AOT_VERIFY").ok().as_deref())
}

fn verify_requested(var: Option<&str>) -> bool {
    var.is_some_and(|v| !v.is_empty() && v != "0")
}

fn shared_flags() -> settings::Flags {
    let mut b = settings::builder();
    // Infallible for these well-known settings; a failure would be a Cranelift API change.
    let _ = b.set("opt_level", "speed");
    let _ = b.set("is_pic", "true");
    let _ = b.set("enable_verifier", if verifier_wanted() { "true" } else { "false" });
    settings::Flags::new(b)
}

/// This machine's CPU features as /proc/cpuinfo names them, or `None` when
/// it cannot tell. `PYC_AOT_TEST_CPUINFO=<file>` stands in for /proc/cpuinfo
/// (the test suite's way to act as another CPU; tests/cpuinfo/README.md).
fn host_cpu_flags() -> Option<Vec<String>> {
    let path = std::env::var("PYC_AOT_TEST_CPUINFO").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "/proc/cpuinfo".into());
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.split(':').next().is_some_and(|k| k.trim() == "flags"))?;
    Some(line.split_once(':')?.1.split_whitespace().map(str::to_string).collect())
}

/// Why this machine cannot import a module built for `targets` (one line),
/// or `None` when it can (some variant runs here) or cannot tell.
pub fn why_host_cannot_run(targets: &[Target]) -> Option<String> {
    let host = target_lexicon::HOST.architecture;
    let mut reasons = vec![];
    let mut flags = None;
    for t in targets {
        let arch = t.isa.triple().architecture;
        if arch != host {
            reasons.push(format!("{} is for {arch}, this machine is {host}", t.name));
            continue;
        }
        // Code for no extra feature, or for this very CPU, runs here: no
        // need to read /proc/cpuinfo (milliseconds on some kernels) per build.
        if t.requires.is_empty() || (t.name == "native" && std::env::var_os("PYC_AOT_TEST_CPUINFO").is_none()) {
            return None;
        }
        let have = flags.get_or_insert_with(host_cpu_flags).as_ref()?;
        let missing: Vec<&str> = t.requires.iter().copied().filter(|r| !have.iter().any(|h| h == r)).collect();
        if missing.is_empty() {
            return None;
        }
        reasons.push(format!("{} needs {}, which this CPU lacks", t.name, missing.join(", ")));
    }
    (!reasons.is_empty()).then(|| format!("note: this machine cannot import the result: {}", reasons.join("; ")))
}

pub fn features_of(name: &str) -> Option<Vec<&'static str>> {
    CPU_TABLE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, groups)| groups.iter().flat_map(|g| g.iter().copied()).collect())
}

/// A comma-separated list of targets (a fat module when there are several).
pub fn parse_list(spec: &str) -> Result<Vec<Target>, String> {
    if let Some(i) = spec.split(',').position(|s| s.trim().is_empty()) {
        return Err(if spec.trim().is_empty() {
            "`--target` is empty: name a CPU (`native`, `x86-64`, `skylake`, …), `base+feature`, or a triple".into()
        } else {
            format!("`--target {spec}`: target number {} of the comma-separated list is empty", i + 1)
        });
    }
    let targets: Vec<Target> = spec.split(',').map(|s| parse(s.trim())).collect::<Result<_, _>>()?;
    if targets.is_empty() {
        return Err("no target given".into());
    }
    let arch = targets[0].isa.triple().architecture;
    if let Some(other) = targets.iter().find(|t| t.isa.triple().architecture != arch) {
        return Err(format!(
            "`--target {spec}`: a fat module's variants must share one architecture, but `{}` is for {arch} and `{}` for {}",
            targets[0].name,
            other.name,
            other.isa.triple().architecture
        ));
    }
    Ok(targets)
}

/// What code for `targets` will look like: per target its name, triple and
/// the ISA flags that are on, e.g. `native:x86_64-unknown-linux-gnu:has_avx,…`.
/// For `native` it names the host CPU's features, so caches and build stamps
/// shared between machines never mix them up.
pub fn fingerprint(targets: &[Target]) -> String {
    let ids: Vec<String> = targets
        .iter()
        .map(|t| {
            let on: Vec<String> = t.isa.isa_flags().iter().filter(|f| f.as_bool() == Some(true)).map(|f| f.name.to_string()).collect();
            format!("{}:{}:{}", t.name, t.isa.triple(), on.join(","))
        })
        .collect();
    ids.join(";")
}

/// `native`, a CPU name, `base+feature+…`, or `triple[:cpu]`.
pub fn parse(spec: &str) -> Result<Target, String> {
    if spec.trim().is_empty() {
        return Err("the target is empty: name a CPU (`native`, `x86-64`, `skylake`, …), `base+feature`, or a triple".into());
    }
    if spec == "native" {
        let builder = cranelift_native::builder().map_err(|e| format!("cannot detect the host CPU: {e}"))?;
        let isa = builder.finish(shared_flags()).map_err(|e| e.to_string())?;
        let requires = cpuinfo_requirements(&isa);
        return Ok(Target { name: spec.to_string(), isa, requires });
    }
    let (triple_text, cpu) = match spec.split_once(':') {
        Some((t, c)) => (Some(t), c),
        None if spec.contains("-unknown-") || spec.contains("-linux") || spec.starts_with("aarch64") => (Some(spec), ""),
        None => (None, spec),
    };
    let triple = Triple::from_str(triple_text.unwrap_or("x86_64-unknown-linux-gnu"))
        .map_err(|e| format!("`{}` is not a target triple: {e}", triple_text.unwrap_or("")))?;
    let mut builder = isa::lookup(triple.clone()).map_err(|e| format!("Cranelift cannot generate code for `{triple}`: {e}"))?;
    let is_x86 = matches!(triple.architecture, target_lexicon::Architecture::X86_64);
    let mut parts = cpu.split('+');
    let base = parts.next().unwrap_or("");
    if is_x86 {
        let base = if base.is_empty() { "x86-64" } else { base };
        let Some(features) = features_of(base) else {
            return Err(unknown(base));
        };
        for f in features {
            builder.enable(f).map_err(|e| format!("Cranelift does not know CPU feature `{f}`: {e}"))?;
        }
    } else if !base.is_empty() {
        return Err(format!("no CPU names for `{triple}`; write `{triple}` or `{triple}:+feature` (e.g. `+lse`)"));
    }
    for feat in parts {
        let flag = if is_x86 {
            match FEATURES.iter().find(|(_, user, _)| *user == feat) {
                Some((flag, _, _)) => flag.to_string(),
                None => {
                    let known: Vec<&str> = FEATURES.iter().map(|(_, u, _)| *u).collect();
                    return Err(format!("unknown CPU feature `{feat}`; known: {}", known.join(", ")));
                }
            }
        } else {
            format!("has_{feat}")
        };
        builder.enable(&flag).map_err(|e| format!("unknown CPU feature `{feat}` for `{triple}`: {e}"))?;
    }
    let isa = builder.finish(shared_flags()).map_err(|e| e.to_string())?;
    let requires = if is_x86 { cpuinfo_requirements(&isa) } else { vec![] };
    Ok(Target { name: spec.to_string(), isa, requires })
}

fn unknown(name: &str) -> String {
    let mut near: Vec<&str> = CPU_TABLE.iter().map(|(n, _)| *n).filter(|n| similar(n, name)).collect();
    if near.is_empty() {
        near = CPU_TABLE.iter().map(|(n, _)| *n).collect();
    }
    format!("unknown target `{name}`; did you mean one of: native, {}?", near.join(", "))
}

fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.contains(&b) || b.contains(&a) || a.get(..3) == b.get(..3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fat_module_of_two_architectures_is_a_user_error() {
        let e = parse_list("skylake,aarch64-unknown-linux-gnu").err().unwrap();
        assert!(e.contains("must share one architecture") && e.contains("aarch64"), "{e}");
    }

    #[test]
    fn empty_targets_are_errors() {
        for spec in ["", " ", ",", "x86-64,", ",skylake", "x86-64,,skylake"] {
            let err = parse_list(spec).err().unwrap_or_else(|| panic!("`{spec}` must be refused"));
            assert!(err.contains("empty"), "{spec:?}: {err}");
        }
        assert!(parse("").is_err());
        assert_eq!(parse_list("x86-64, skylake").unwrap().len(), 2);
    }

    #[test]
    fn avx_targets_really_enable_avx() {
        for name in ["x86-64-v3", "x86-64-v4", "haswell", "skylake-avx512", "znver3", "alderlake"] {
            let t = parse(name).unwrap();
            let flags = t.isa.isa_flags();
            let avx = flags.iter().find(|f| f.name == "has_avx").and_then(|f| f.as_bool());
            assert_eq!(avx, Some(true), "{name} must enable has_avx");
        }
        let base = parse("x86-64").unwrap();
        let avx = base.isa.isa_flags().iter().find(|f| f.name == "has_avx").and_then(|f| f.as_bool());
        assert_eq!(avx, Some(false));
    }

    #[test]
    fn feature_edits_and_triples() {
        let t = parse("x86-64-v2+avx2+fma+bmi2").unwrap();
        assert!(t.requires.contains(&"avx2") && t.requires.contains(&"fma") && t.requires.contains(&"sse4_2"));
        assert!(!t.requires.contains(&"avx512f"));
        let t = parse("x86_64-unknown-linux-gnu:skylake-avx512").unwrap();
        assert!(t.requires.contains(&"avx512f"));
        let a = parse("aarch64-unknown-linux-gnu").unwrap();
        assert_eq!(a.isa.triple().architecture.to_string(), "aarch64");
        assert!(parse("x86-64+avx9").err().unwrap_or_default().contains("unknown CPU feature `avx9`"));
    }

    #[test]
    fn verifier_switch() {
        assert!(verify_requested(Some("1")) && verify_requested(Some("yes")));
        assert!(!verify_requested(None) && !verify_requested(Some("")) && !verify_requested(Some("0")));
        let mut b = settings::builder();
        b.set("enable_verifier", "true").unwrap();
        assert!(settings::Flags::new(b).enable_verifier());
    }

    #[test]
    fn unknown_target_lists_near_matches() {
        let err = parse("skylake-avx").err().unwrap();
        assert!(err.contains("skylake-avx512"), "{err}");
    }
}
