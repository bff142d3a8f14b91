//! The last stage: object bytes → `.so`, linked by the system C compiler, and
//! the facts about the target interpreter the build needs.

use crate::clink::{self, CInputs};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the build needs to know about the interpreter that will import the module.
#[derive(Debug, Clone)]
pub struct Python {
    pub ext_suffix: String,
    pub minor: u32,
}

/// Libraries every module links with (`-l` names): libm.
pub const LIBRARIES: &[&str] = &["m"];

/// The library a module with `prange` loops links with too: GNU OpenMP's
/// runtime (it ships with gcc, the cross gcc included).
pub const OPENMP: &str = "gomp";

/// Facts given by the process itself, e.g. by the `pyc_aot` Python package,
/// which runs inside the interpreter it builds for.
static KNOWN: std::sync::Mutex<Vec<(String, Python)>> = std::sync::Mutex::new(Vec::new());

/// Tells the compiler the facts of interpreter `exe` so that `query_python(exe)`
/// needs no subprocess.
pub fn remember_python(exe: &str, facts: Python) {
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    known.retain(|(e, _)| e != exe);
    known.push((exe.to_string(), facts));
}

/// Asks the interpreter once and remembers the answer: launchers such as
/// pyenv's shims take ~100 ms to start, more than a whole build.
pub fn query_python(exe: &str) -> Result<Python, String> {
    let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|(e, _)| e == exe).map(|(_, p)| p.clone());
    if let Some(facts) = known {
        return Ok(facts);
    }
    let key = cache_key(exe);
    if let Some(hit) = key.as_deref().and_then(read_cache) {
        return Ok(hit);
    }
    let (python, real_exe) = ask_python(exe)?;
    if let Some(key) = key {
        write_cache(&key, &python, &real_exe);
    }
    Ok(python)
}

fn cache_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("pyc-aot").join("interpreters-v1.txt"))
}

/// Everything that decides which interpreter `exe` runs.
fn cache_key(exe: &str) -> Option<String> {
    let vars = ["PATH", "PYENV_VERSION", "VIRTUAL_ENV", "CONDA_PREFIX"].map(|v| std::env::var(v).unwrap_or_default());
    let cwd = std::env::current_dir().ok()?;
    Some(format!("{exe}\x1f{}\x1f{}", vars.join("\x1f"), cwd.display()).replace(['\t', '\n'], " "))
}

fn mtime(path: &str) -> Option<u64> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(m.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs())
}

fn read_cache(key: &str) -> Option<Python> {
    let text = std::fs::read_to_string(cache_file()?).ok()?;
    let line = text.lines().rev().find(|l| l.split('\t').next() == Some(key))?;
    let f: Vec<&str> = line.split('\t').collect();
    let [_, suffix, minor, real, stamp] = f.as_slice() else { return None };
    let minor = minor.parse().ok()?;
    (mtime(real)?.to_string() == *stamp).then(|| Python { ext_suffix: suffix.to_string(), minor })
}

fn write_cache(key: &str, p: &Python, real_exe: &str) {
    let (Some(file), Some(stamp)) = (cache_file(), mtime(real_exe)) else { return };
    if let Some(dir) = file.parent() {
        let _ = create_private_dir(dir);
    }
    let line = format!("{key}\t{}\t{}\t{real_exe}\t{stamp}\n", p.ext_suffix, p.minor);
    let _ = std::fs::OpenOptions::new().create(true).append(true).open(&file).and_then(|mut f| {
        use std::io::Write;
        f.write_all(line.as_bytes())
    });
}

fn ask_python(exe: &str) -> Result<(Python, String), String> {
    let script = "import importlib.machinery as m, sys; print(m.EXTENSION_SUFFIXES[0]); print(sys.version_info[0], sys.version_info[1]); print(sys.executable)";
    let out = Command::new(exe).args(["-S", "-c", script]).output().map_err(|e| {
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
    let real_exe = lines.next().unwrap_or("").trim().to_string();
    Ok((Python { ext_suffix, minor: version[1] }, real_exe))
}

/// `zlib.compress(marshal.dumps(compile(source)))` for this interpreter (smaller
/// than the source, and no compiling at import), cached on disk by the
/// source's hash and the interpreter's extension suffix (which names its
/// version), so a module can load its embedded Python without compiling it.
/// `None` when the interpreter cannot be asked: modules then embed the source.
pub fn marshalled(exe: &str, py: &Python, source: &str, filename: &str) -> Option<Vec<u8>> {
    let dir = cache_file().and_then(|f| f.parent().map(Path::to_path_buf));
    marshalled_in(dir.as_deref(), exe, py, source, filename)
}

/// Cache entries start with this, then the payload's length (u64 LE) and
/// CRC-32 (u32 LE): the bytes are embedded in every module built afterwards
/// and run at its import, so a truncated or overwritten entry must never be
/// taken for code (entries written before the header existed fail the check
/// and are re-created).
const MARSHAL_MAGIC: &[u8; 16] = b"pyc-aot-marshal\x01";

fn seal_marshal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 28);
    out.extend_from_slice(MARSHAL_MAGIC);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a cache entry, or `None` when the entry is not one we wrote whole.
fn unseal_marshal(entry: &[u8]) -> Option<&[u8]> {
    let rest = entry.strip_prefix(MARSHAL_MAGIC.as_slice())?;
    let (len, rest) = rest.split_first_chunk::<8>()?;
    let (crc, payload) = rest.split_first_chunk::<4>()?;
    let ok = u64::from_le_bytes(*len) == payload.len() as u64
        && u32::from_le_bytes(*crc) == crc32fast::hash(payload)
        && !payload.is_empty();
    ok.then_some(payload)
}

/// Whether a file or directory in the cache could only have been written by
/// us (or root): another local user able to write there could plant code
/// that every later build embeds.
#[cfg(unix)]
fn private(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    ours(meta) && meta.mode() & 0o022 == 0
}

/// Owned by us or root.
#[cfg(unix)]
fn ours(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.uid() == me || meta.uid() == 0
}

#[cfg(not(unix))]
fn private(_meta: &std::fs::Metadata) -> bool {
    true
}

#[cfg(not(unix))]
fn ours(_meta: &std::fs::Metadata) -> bool {
    true
}

/// Whether the cache directory `d` is private (see [`private`]), looking at
/// `d` itself first: a symlink counts only if it is ours or root's (in a
/// sticky directory, only its owner can replace or re-point it), and then
/// its target must be a private directory too.
fn private_dir(d: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(d) else { return false };
    if meta.file_type().is_symlink() {
        ours(&meta) && std::fs::metadata(d).is_ok_and(|m| m.is_dir() && private(&m))
    } else {
        meta.is_dir() && private(&meta)
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn marshalled_in(dir: Option<&Path>, exe: &str, py: &Python, source: &str, filename: &str) -> Option<Vec<u8>> {
    let hash = source.bytes().chain(filename.bytes()).fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    // "sealed": a name of its own, so compilers from before the header and
    // CRC never read these entries as bare zlib data, nor we theirs.
    let file = dir.map(|d| d.join(format!("code-{hash:016x}{}.sealed.marshal.z", py.ext_suffix.trim_end_matches(".so"))));
    let trusted_dir = file.as_deref().and_then(Path::parent).and_then(|d| {
        if !d.exists() {
            create_private_dir(d).ok()?;
        }
        private_dir(d).then_some(d)
    });
    if let (Some(_), Some(file)) = (trusted_dir, &file) {
        let meta = std::fs::symlink_metadata(file).ok().filter(|m| m.is_file() && private(m));
        if let Some(payload) = meta.and_then(|_| std::fs::read(file).ok()).and_then(|b| unseal_marshal(&b).map(<[u8]>::to_vec)) {
            return Some(payload);
        }
    }
    let script = format!(
        "import marshal, sys, zlib; sys.stdout.buffer.write(zlib.compress(marshal.dumps(compile(sys.stdin.read(), {filename:?}, 'exec')), 9))"
    );
    let mut child = Command::new(exe)
        .args(["-S", "-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() || out.stdout.is_empty() {
        return None;
    }
    // Written only into a directory no one else can write to, and renamed
    // into place so that a concurrent build reads the old entry or the whole new one.
    if let (Some(dir), Some(file)) = (trusted_dir, &file) {
        if let Ok(mut tmp) = tempfile::Builder::new().prefix(".code-").tempfile_in(dir) {
            use std::io::Write;
            if tmp.write_all(&seal_marshal(&out.stdout)).is_ok() {
                let _ = tmp.persist(file);
            }
        }
    }
    Some(out.stdout)
}

/// How interpreter `exe` decodes a source file's bytes declared as `codec`,
/// as its import (`compile(bytes)`) does: newlines translated first (`\r\n`
/// and `\r` become `\n`, a last line gets its `\n`), then
/// `bytes.decode(codec)` and the text's UTF-8. `Ok(Err((at, message)))` is
/// CPython's refusal (`str()` of the exception, which `compile` gives as its
/// SyntaxError message), with the offending byte's offset in the translated
/// bytes when the codec names one; `Err` when the interpreter cannot be run.
pub fn decode_with(exe: &str, codec: &str, bytes: &[u8]) -> Result<Result<String, (Option<usize>, String)>, String> {
    const SCRIPT: &str = "import sys\n\
        out = sys.stdout.buffer\n\
        data = sys.stdin.buffer.read().replace(b'\\r\\n', b'\\n').replace(b'\\r', b'\\n')\n\
        if data and not data.endswith(b'\\n'):\n    data += b'\\n'\n\
        try:\n    text = data.decode(sys.argv[1]).encode('utf-8')\n\
        except Exception as e:\n    \
            at = e.start if isinstance(e, UnicodeDecodeError) else -1\n    \
            out.write(b'error %d\\n' % at + str(e).encode('utf-8', 'backslashreplace'))\n\
        else:\n    out.write(b'ok\\n' + text)\n";
    let mut child = Command::new(exe)
        .args(["-S", "-c", SCRIPT, codec])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the Python interpreter `{exe}` ({e}) to decode the source, declared as `{codec}`; pass `--python /path/to/python3`"))?;
    let writer = {
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let bytes = bytes.to_vec();
        // A thread, so a large file cannot deadlock against a full stdout pipe.
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&bytes);
        })
    };
    let out = child.wait_with_output().map_err(|e| format!("`{exe}` failed to decode the source: {e}"))?;
    let _ = writer.join();
    let failed = || format!("`{exe}` failed to decode the source, declared as `{codec}`: {}", String::from_utf8_lossy(&out.stderr).trim());
    if !out.status.success() {
        return Err(failed());
    }
    let split = out.stdout.iter().position(|&b| b == b'\n').ok_or_else(failed)?;
    let (head, payload) = (&out.stdout[..split], &out.stdout[split + 1..]);
    let payload = String::from_utf8(payload.to_vec()).map_err(|_| failed())?;
    match std::str::from_utf8(head).unwrap_or("").split_once(' ') {
        None if head == b"ok" => Ok(Ok(payload)),
        Some(("error", at)) => Ok(Err((at.parse().ok(), payload))),
        _ => Err(failed()),
    }
}

/// Links `object` into a shared library at `out`, atomically: either the
/// finished file appears or nothing does.
pub fn link(object: &[u8], out: &Path, linker: Option<&str>, libraries: &[String]) -> Result<(), String> {
    link_wrapping(object, out, linker, libraries, &CInputs::default(), &[])
}

/// `link` with the C code the module wraps: its sources compiled (with the
/// header path of `c` and the output's directory) and linked in, with its
/// library directories and libraries. Each of `symbols` (the C symbols the
/// module's `.pxd` declarations made it use) must be defined by them: one
/// that is not fails the build, named.
pub fn link_wrapping(object: &[u8], out: &Path, linker: Option<&str>, libraries: &[String], c: &CInputs, symbols: &[String]) -> Result<(), String> {
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let scratch = tempfile::Builder::new()
        .prefix(".pyc-aot-")
        .tempdir_in(dir)
        .map_err(|e| format!("cannot create a temporary directory in {}: {e}", dir.display()))?;
    let obj_path = scratch.path().join("module.o");
    std::fs::write(&obj_path, object).map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
    let so_path: PathBuf = scratch.path().join("module.so");
    let cc = match linker {
        Some(l) => l.to_string(),
        None => std::env::var("CC").ok().filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "cc".to_string()),
    };
    let c_objects = clink::compile_sources(&cc, c, scratch.path())?;
    let (program, lead) = clink::compiler(&cc);
    let output = Command::new(&program)
        .args(&lead)
        .arg("-shared")
        .arg("-o")
        .arg(&so_path)
        .arg(&obj_path)
        .args(&c_objects)
        .args(c.library_dirs.iter().map(|d| format!("-L{}", d.display())))
        .args(c.libraries.iter().map(|l| format!("-l{l}")))
        .args(libraries.iter().map(|l| format!("-l{l}")))
        .args(if symbols.is_empty() { &[][..] } else { clink::REPORT_UNDEFINED })
        .arg("-s")
        .output()
        .map_err(|e| {
            format!("cannot run the linker `{program}` ({e}); install a C compiler (e.g. `apt-get install gcc`) or set CC")
        })?;
    if !output.status.success() {
        return Err(format!("linking with `{cc}` failed:\n{}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let missing = clink::undefined_in(&String::from_utf8_lossy(&output.stderr), symbols);
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|s| format!("`{s}`")).collect();
        return Err(format!(
            "the C symbol{} {} declared in a .pxd {} not defined by the C sources or libraries linked\n  = hint: link the C file that defines it (`pyc-aot build m.py lib.c`, `# distutils: sources = lib.c` for the import hook) or its library (`-l name`, `# distutils: libraries = name`)",
            if missing.len() == 1 { "" } else { "s" },
            names.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        ));
    }
    std::fs::rename(&so_path, out).map_err(|e| format!("cannot move the module to {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn python() -> Option<(String, Python)> {
        let exe = "python3".to_string();
        let (py, _) = ask_python(&exe).ok()?;
        Some((exe, py))
    }

    const SOURCE: &str = "x = 6 * 7\n";

    /// Python's codecs, not WHATWG's labels (issue 13), and CPython's messages.
    #[test]
    fn the_interpreter_decodes_declared_codecs() {
        let Some((exe, _)) = python() else { return };
        assert_eq!(decode_with(&exe, "iso-8859-9", b"x = '\x80\x9f'\r\n").unwrap(), Ok("x = '\u{80}\u{9f}'\n".into()));
        assert_eq!(decode_with(&exe, "utf-7", b"+AOk-").unwrap(), Ok("\u{e9}\n".into()));
        assert_eq!(decode_with(&exe, "x-user-defined", b"x").unwrap(), Err((None, "unknown encoding: x-user-defined".into())));
        let (at, msg) = decode_with(&exe, "ascii", b"a\r\nb\xe9").unwrap().unwrap_err();
        assert_eq!(at, Some(3));
        assert!(msg.starts_with("'ascii' codec can't decode byte 0xe9 in position 3"), "{msg}");
        assert!(decode_with("/nonexistent/python", "utf-7", b"").unwrap_err().contains("cannot run"));
    }

    #[test]
    fn a_truncated_or_foreign_marshal_entry_is_re_created() {
        let Some((exe, py)) = python() else { return };
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("pyc-aot");
        let fresh = marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").expect("the interpreter answers");
        let entries: Vec<PathBuf> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
        let [entry] = &entries[..] else { panic!("one cache entry, not {entries:?}") };
        assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o700);
        let whole = std::fs::read(entry).unwrap();
        assert_eq!(unseal_marshal(&whole), Some(&fresh[..]));

        let damaged: Vec<Vec<u8>> = vec![
            whole[..whole.len() / 2].to_vec(),
            Vec::new(),
            b"garbage".to_vec(),
            fresh.clone(), // an entry from before the header existed
            { let mut w = whole.clone(); *w.last_mut().unwrap() ^= 1; w },
        ];
        for bad in damaged {
            std::fs::write(entry, &bad).unwrap();
            let again = marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").unwrap();
            assert_eq!(again, fresh);
            assert_eq!(std::fs::read(entry).unwrap(), whole, "the entry is re-created");
        }
    }

    #[test]
    fn a_marshal_entry_others_can_write_is_not_used() {
        let Some((exe, py)) = python() else { return };
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("pyc-aot");
        let fresh = marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").unwrap();
        let entry = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
        // A planted entry, well-formed, that others may have written.
        let planted = seal_marshal(b"not the code");
        std::fs::write(&entry, &planted).unwrap();
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").unwrap(), fresh);
        // A shared directory: not read, not written.
        std::fs::remove_file(&entry).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let planted_path = entry.clone();
        std::fs::write(&planted_path, &planted).unwrap();
        std::fs::set_permissions(&planted_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").unwrap(), fresh);
        assert_eq!(std::fs::read(&planted_path).unwrap(), planted, "nothing is written into a shared directory");
        // Owned by another user (needs root to arrange).
        if unsafe { libc::geteuid() } == 0 {
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
            std::os::unix::fs::chown(&planted_path, Some(65534), Some(65534)).unwrap();
            assert_eq!(marshalled_in(Some(&cache), &exe, &py, SOURCE, "<t>").unwrap(), fresh);
        }
    }

    #[test]
    fn a_symlinked_cache_directory_is_used_only_if_the_link_is_ours() {
        let Some((exe, py)) = python() else { return };
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        create_private_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        // Our own link to our own private directory: written and read through it.
        let fresh = marshalled_in(Some(&link), &exe, &py, SOURCE, "<t>").unwrap();
        let entries: Vec<PathBuf> = std::fs::read_dir(&real).unwrap().map(|e| e.unwrap().path()).collect();
        let [entry] = &entries[..] else { panic!("one cache entry, not {entries:?}") };
        assert_eq!(unseal_marshal(&std::fs::read(entry).unwrap()), Some(&fresh[..]));
        let planted = seal_marshal(b"not the code");
        std::fs::write(entry, &planted).unwrap();
        assert_eq!(marshalled_in(Some(&link), &exe, &py, SOURCE, "<t>").unwrap(), b"not the code", "read through our link");
        // Someone else's link (needs root to arrange) to the same private
        // directory: neither read nor written.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).unwrap();
            assert_eq!(marshalled_in(Some(&link), &exe, &py, SOURCE, "<t>").unwrap(), fresh);
            assert_eq!(std::fs::read(entry).unwrap(), planted, "nothing is written through it");
        }
    }
}
