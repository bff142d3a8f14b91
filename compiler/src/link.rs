//! The last stage: object bytes → `.so`, linked by the system C compiler, and
//! the facts about the target interpreter the build needs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the build needs to know about the interpreter that will import the module.
#[derive(Debug, Clone)]
pub struct Python {
    pub ext_suffix: String,
    pub minor: u32,
}

pub fn query_python(exe: &str) -> Result<Python, String> {
    let script = "import sys, sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX')); print(sys.version_info[0], sys.version_info[1])";
    let out = Command::new(exe).args(["-c", script]).output().map_err(|e| {
        format!("cannot run the Python interpreter `{exe}` ({e}); install Python 3 or pass `--python /path/to/python3`")
    })?;
    if !out.status.success() {
        return Err(format!(
            "`{exe}` failed to report its extension suffix: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let ext_suffix = lines.next().unwrap_or("").trim().to_string();
    let version: Vec<u32> = lines.next().unwrap_or("").split_whitespace().filter_map(|v| v.parse().ok()).collect();
    if ext_suffix.is_empty() || ext_suffix == "None" || version.len() != 2 {
        return Err(format!("`{exe}` did not report an extension suffix; is it CPython 3?"));
    }
    if version[0] != 3 || version[1] < 9 {
        return Err(format!("`{exe}` is Python {}.{}; pyc-aot builds modules for CPython 3.9 and newer", version[0], version[1]));
    }
    Ok(Python { ext_suffix, minor: version[1] })
}

/// Links `object` into a shared library at `out`, atomically: either the
/// finished file appears or nothing does.
pub fn link(object: &[u8], out: &Path) -> Result<(), String> {
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let scratch = tempfile::Builder::new()
        .prefix(".pyc-aot-")
        .tempdir_in(dir)
        .map_err(|e| format!("cannot create a temporary directory in {}: {e}", dir.display()))?;
    let obj_path = scratch.path().join("module.o");
    std::fs::write(&obj_path, object).map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
    let so_path: PathBuf = scratch.path().join("module.so");
    let cc = std::env::var("CC").ok().filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "cc".to_string());
    let mut parts = cc.split_whitespace();
    let program = parts.next().unwrap_or("cc");
    let output = Command::new(program)
        .args(parts)
        .arg("-shared")
        .arg("-o")
        .arg(&so_path)
        .arg(&obj_path)
        .arg("-lm")
        .arg("-s")
        .output()
        .map_err(|e| {
            format!("cannot run the linker `{program}` ({e}); install a C compiler (e.g. `apt-get install gcc`) or set CC")
        })?;
    if !output.status.success() {
        return Err(format!("linking with `{cc}` failed:\n{}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    std::fs::rename(&so_path, out).map_err(|e| format!("cannot move the module to {}: {e}", out.display()))
}
