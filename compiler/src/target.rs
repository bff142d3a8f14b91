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
}

fn shared_flags() -> settings::Flags {
    let mut b = settings::builder();
    // Infallible for these well-known settings; a failure would be a Cranelift API change.
    let _ = b.set("opt_level", "speed");
    let _ = b.set("is_pic", "true");
    let _ = b.set("enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" });
    settings::Flags::new(b)
}

pub fn features_of(name: &str) -> Option<Vec<&'static str>> {
    CPU_TABLE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, groups)| groups.iter().flat_map(|g| g.iter().copied()).collect())
}

pub fn parse(spec: &str) -> Result<Target, String> {
    if spec == "native" {
        let builder = cranelift_native::builder().map_err(|e| format!("cannot detect the host CPU: {e}"))?;
        let isa = builder.finish(shared_flags()).map_err(|e| e.to_string())?;
        return Ok(Target { name: spec.to_string(), isa });
    }
    let Some(features) = features_of(spec) else {
        let mut near: Vec<&str> = CPU_TABLE.iter().map(|(n, _)| *n).filter(|n| similar(n, spec)).collect();
        if near.is_empty() {
            near = CPU_TABLE.iter().map(|(n, _)| *n).collect();
        }
        return Err(format!("unknown target `{spec}`; did you mean one of: native, {}?", near.join(", ")));
    };
    let triple = Triple::from_str("x86_64-unknown-linux-gnu").map_err(|e| e.to_string())?;
    let mut builder = isa::lookup(triple).map_err(|e| format!("Cranelift cannot target x86-64: {e}"))?;
    for f in features {
        builder.enable(f).map_err(|e| format!("Cranelift does not know CPU feature `{f}`: {e}"))?;
    }
    let isa = builder.finish(shared_flags()).map_err(|e| e.to_string())?;
    Ok(Target { name: spec.to_string(), isa })
}

fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.contains(&b) || b.contains(&a) || a.get(..3) == b.get(..3)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn unknown_target_lists_near_matches() {
        let err = parse("skylake-avx").err().unwrap();
        assert!(err.contains("skylake-avx512"), "{err}");
    }
}
