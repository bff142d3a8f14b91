//! Many modules in one build (`pyc-aot build src/ 'lib/**/*.py' -j N`): the
//! sources that paths, directories and globs name (`collect`), each built by
//! `crate::build` on a fixed number of threads pulling from one queue
//! (`build_all`), and skipped when its stamp says that the module written
//! last time is what building it again would give.

use crate::{BuildError, BuildOptions, BuildReport};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// One module to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub source: PathBuf,
    /// The directory the module is written to.
    pub out_dir: PathBuf,
}

/// What the inputs name: the jobs in the order given (a directory's files
/// sorted), each source once; the inputs that name nothing to build; and the
/// files a directory or glob found that cannot be modules.
#[derive(Debug, Default)]
pub struct Sources {
    pub jobs: Vec<Job>,
    pub errors: Vec<String>,
    pub skipped: Vec<String>,
}

/// Files a directory or glob finds that stay Python unless named explicitly:
/// a package's `__init__.py` (the package's namespace is usually plain
/// glue, and a compiled one hides the package's source from tools), and
/// `__main__.py` (`python -m pkg` runs it through runpy, which needs its
/// code object, and an extension module has none).
const KEPT_PYTHON: &[&str] = &["__init__.py", "__main__.py"];

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The pattern when `input` is a glob rather than a path (a file whose name
/// has `*`, `?` or `[` in it is taken as the file).
fn as_glob(input: &Path) -> Option<&str> {
    input.to_str().filter(|s| has_wildcard(s) && !input.exists())
}

/// True when `inputs` ask for a many-module build rather than one file's.
pub fn is_many(inputs: &[PathBuf]) -> bool {
    match inputs {
        [one] => as_glob(one).is_some() || one.is_dir(),
        _ => true,
    }
}

/// The modules `inputs` name. With `out_dir`, each module goes to `out_dir`
/// joined with its source's directory relative to the input that found it
/// (the directory, or a glob's fixed leading part), so a package keeps its
/// layout; without, next to its source.
pub fn collect(inputs: &[PathBuf], out_dir: Option<&Path>) -> Sources {
    let mut c = Collector { out_dir, sources: Sources::default(), seen: HashMap::new() };
    for path in inputs {
        if let Some(pattern) = as_glob(path) {
            c.glob(pattern);
        } else if path.is_dir() {
            c.walk(path, path);
        } else if path.exists() {
            c.add(path, path.parent().unwrap_or(Path::new("")), true);
        } else {
            c.sources.errors.push(format!("{}: no such file or directory", path.display()));
        }
    }
    c.sources
}

struct Collector<'a> {
    out_dir: Option<&'a Path>,
    sources: Sources,
    /// Output directory and module file stem → the source that writes it.
    seen: HashMap<(PathBuf, String), PathBuf>,
}

impl Collector<'_> {
    fn glob(&mut self, pattern: &str) {
        // The fixed directories before the first wildcard: what `-o` keeps the layout below.
        let base: PathBuf = Path::new(pattern).components().take_while(|c| !has_wildcard(&c.as_os_str().to_string_lossy())).collect();
        let options = glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };
        let paths = match glob::glob_with(pattern, options) {
            Ok(paths) => paths,
            Err(e) => {
                self.sources.errors.push(format!("{pattern}: not a valid glob pattern: {e}"));
                return;
            }
        };
        let before = self.sources.jobs.len() + self.sources.skipped.len();
        for entry in paths {
            match entry {
                // As a directory walk: `**` does not look into bytecode caches.
                Ok(path) if path.components().any(|c| c.as_os_str() == "__pycache__") => {}
                Ok(path) if path.is_dir() => self.walk(&path, &base),
                Ok(path) if path.extension().is_some_and(|e| e == "py") => self.add(&path, &base, false),
                Ok(_) => {}
                Err(e) => self.sources.errors.push(format!("{}: {}", e.path().display(), e.error())),
            }
        }
        if self.sources.jobs.len() + self.sources.skipped.len() == before {
            self.sources.errors.push(format!("{pattern}: matches no .py file"));
        }
    }

    /// Every `.py` file under `dir`, sorted, not looking into hidden
    /// directories, `__pycache__` or symbolic links to directories (which could loop).
    fn walk(&mut self, dir: &Path, base: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(Result::ok).collect::<Vec<_>>(),
            Err(e) => {
                self.sources.errors.push(format!("{}: {e}", dir.display()));
                return;
            }
        };
        let mut entries: Vec<(String, PathBuf, bool)> = entries
            .into_iter()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .filter(|(name, _, _)| !name.starts_with('.') && name != "__pycache__")
            .collect();
        entries.sort();
        for (name, path, is_dir) in entries {
            if is_dir {
                self.walk(&path, base);
            } else if name.ends_with(".py") && path.is_file() {
                self.add(&path, base, false);
            }
        }
    }

    fn add(&mut self, source: &Path, base: &Path, explicit: bool) {
        let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !explicit && KEPT_PYTHON.contains(&name.as_str()) {
            return;
        }
        match crate::module_name(source) {
            Err(why) if !explicit => return self.sources.skipped.push(why),
            // Named explicitly, it fails as a single-file build would.
            _ => {}
        }
        let stem = name.trim_end_matches(".py").to_string();
        let dir = source.parent().unwrap_or(Path::new(""));
        let out_dir = match self.out_dir {
            Some(out) => out.join(dir.strip_prefix(base).unwrap_or(Path::new(""))),
            None => dir.to_path_buf(),
        };
        let real = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        let key = (std::path::absolute(&out_dir).unwrap_or_else(|_| out_dir.clone()), stem);
        match self.seen.get(&key) {
            Some(first) if std::fs::canonicalize(first).unwrap_or_else(|_| first.clone()) == real => {}
            Some(first) => self.sources.errors.push(format!(
                "{}: its module would overwrite that of {} in {}; build them into different directories",
                source.display(),
                first.display(),
                if out_dir.as_os_str().is_empty() { "." } else { out_dir.to_str().unwrap_or("the output directory") }
            )),
            None => {
                self.seen.insert(key, source.to_path_buf());
                self.sources.jobs.push(Job { source: source.to_path_buf(), out_dir });
            }
        }
    }
}

/// How one module's build ended.
#[derive(Debug)]
pub enum Outcome {
    Built(BuildReport),
    /// The stamp matched: the counts are those of the build that wrote it.
    UpToDate { native: usize, left_to_python: usize },
    Failed(BuildError),
}

/// One finished module, as `build_all` reports it: `done` of `total` so far.
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub job: &'a Job,
    pub outcome: &'a Outcome,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub built: usize,
    pub up_to_date: usize,
    pub failed: usize,
    /// Functions native and left to Python over every module, built or up to date.
    pub native: usize,
    pub left_to_python: usize,
    pub elapsed_ms: f64,
}

/// Builds `jobs` with `base`'s options (its `source` and `out_dir` are each
/// job's) on `threads` threads, skipping up-to-date modules; `on_done` is
/// called for each module as it finishes, one call at a time. One module's
/// failure stops no other. `Err` is for what would fail every module alike
/// (an unknown target, no interpreter), found before building any.
pub fn build_all(jobs: &[Job], base: &BuildOptions, threads: usize, on_done: &(dyn Fn(Progress) + Sync)) -> Result<Summary, BuildError> {
    let start = Instant::now();
    let context = Context::new(base)?;
    let next = AtomicUsize::new(0);
    let summary = Mutex::new(Summary::default());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else { break };
        let outcome = context.build_one(job, base);
        let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
        match &outcome {
            Outcome::Built(r) => {
                s.built += 1;
                s.native += r.native_functions;
                s.left_to_python += r.left_to_python.len();
            }
            Outcome::UpToDate { native, left_to_python, .. } => {
                s.up_to_date += 1;
                s.native += native;
                s.left_to_python += left_to_python;
            }
            Outcome::Failed(_) => s.failed += 1,
        }
        let done = s.built + s.up_to_date + s.failed;
        on_done(Progress { done, total: jobs.len(), job, outcome: &outcome });
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.clamp(1, jobs.len().max(1)) {
            if std::thread::Builder::new().name("pyc-aot-build".into()).spawn_scoped(scope, worker).is_err() {
                break; // fewer threads then: this one builds the rest
            }
        }
        worker();
    });
    let mut s = summary.into_inner().unwrap_or_else(|e| e.into_inner());
    s.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(s)
}

/// The many-module build as the command line does it: `collect`, then
/// `build_all`, telling `echo(stdout text, stderr text)` one line per module
/// as it finishes (its warnings or its error on stderr), then the summary.
/// `quiet` leaves out all but failures. True when every module built or was
/// up to date.
pub fn run(inputs: &[PathBuf], opts: &BuildOptions, threads: usize, quiet: bool, echo: &(dyn Fn(&str, &str) + Sync)) -> bool {
    let sources = collect(inputs, opts.out_dir.as_deref());
    for e in &sources.errors {
        echo("", &format!("error: {e}\n"));
    }
    if !quiet {
        for s in &sources.skipped {
            echo("", &format!("skipped: {s}\n"));
        }
    }
    let width = sources.jobs.len().to_string().len();
    let on_done = |p: Progress| {
        let (out, err) = progress_text(&p, width, quiet);
        echo(&out, &err);
    };
    let summary = match build_all(&sources.jobs, opts, threads, &on_done) {
        Ok(s) => s,
        Err(e) => {
            echo("", &e.rendered);
            return false;
        }
    };
    let ok = summary.failed == 0 && sources.errors.is_empty();
    if !quiet || !ok {
        let (m, n) = (sources.jobs.len(), summary.native);
        echo(
            &format!(
                "{m} module{}: {} built, {} up to date, {} failed; {n} function{} native, {} left to Python; {:.2} s\n",
                plural(m),
                summary.built,
                summary.up_to_date,
                summary.failed,
                plural(n),
                summary.left_to_python,
                summary.elapsed_ms / 1e3
            ),
            "",
        );
    }
    ok
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `[ 3/20] built src/m.py -> src/m….so: 2 functions native, 1 left to Python, 80 ms`,
/// `[ 4/20] up to date src/n.py` or `[ 5/20] FAILED src/bad.py: src/bad.py:4:12: cause`.
fn progress_text(p: &Progress, width: usize, quiet: bool) -> (String, String) {
    let source = p.job.source.display();
    let head = format!("[{:>width$}/{}]", p.done, p.total);
    match p.outcome {
        Outcome::Built(_) | Outcome::UpToDate { .. } if quiet => (String::new(), String::new()),
        Outcome::Built(r) => {
            let n = r.native_functions;
            let written = r.output.as_ref().map_or(String::new(), |o| format!(" -> {}", o.display()));
            let warnings = if r.warnings.is_empty() { String::new() } else { format!("{}\n", r.warnings) };
            let line = format!("{head} built {source}{written}: {n} function{} native, {} left to Python, {:.0} ms\n", plural(n), r.left_to_python.len(), r.elapsed_ms);
            (line, warnings)
        }
        Outcome::UpToDate { .. } => (format!("{head} up to date {source}\n"), String::new()),
        Outcome::Failed(e) => {
            let cause = e.locations.first().map_or_else(
                || e.rendered.lines().next().unwrap_or("").trim_start_matches("error: ").to_string(),
                |l| format!("{}:{}:{}: {}", l.file, l.line, l.column, l.message),
            );
            (format!("{head} FAILED {source}: {cause}\n"), e.rendered.clone())
        }
    }
}

/// What every module's build depends on besides its source, found once.
struct Context {
    /// The stamp's lines after the source's hash.
    record: String,
}

const STAMP_HEADER: &str = "pyc-aot build stamp v1";

impl Context {
    fn new(base: &BuildOptions) -> Result<Self, BuildError> {
        let targets = crate::target::parse_list(&base.target).map_err(BuildError::plain)?;
        // Asked once here rather than by every thread.
        let python = crate::link::query_python(&base.python).map_err(BuildError::plain)?;
        crate::link::remember_python(&base.python, python.clone());
        let linker = match crate::linker_for(base)? {
            Some(l) => l,
            None => std::env::var("CC").ok().filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "cc".into()),
        };
        let record = format!(
            "compiler {}\ntarget {}\npython {} {} 3.{}\noptions strict={} ext_suffix={:?} linker={linker}\n",
            compiler_identity(),
            crate::target::fingerprint(&targets),
            base.python,
            python.ext_suffix,
            python.minor,
            base.strict,
            base.ext_suffix,
        );
        Ok(Context { record })
    }

    fn build_one(&self, job: &Job, base: &BuildOptions) -> Outcome {
        // One thread per module: `-j` is the build's parallelism (more would only
        // contend for the cores, and `-j 1` would not be serial).
        let opts = BuildOptions { source: job.source.clone(), out_dir: Some(job.out_dir.clone()), codegen_threads: Some(1), ..base.clone() };
        let source = match std::fs::read(&opts.source) {
            Ok(bytes) => bytes,
            Err(e) => return Outcome::Failed(BuildError::plain(format!("cannot read {}: {e}", opts.source.display()))),
        };
        let module = match crate::output_path(&opts) {
            Ok(path) => path,
            Err(e) => return Outcome::Failed(e),
        };
        let inputs = format!("{STAMP_HEADER}\nsource {}\n{}", hex_sha256(&source), self.record);
        let stamp = stamp_path(&module);
        if let Some((native, left_to_python)) = up_to_date(&stamp, &inputs, &module) {
            return Outcome::UpToDate { native, left_to_python };
        }
        match crate::build(&opts) {
            Ok(report) => {
                // Best effort: a stamp that cannot be written costs a rebuild next time.
                if let Ok(bytes) = std::fs::read(&module) {
                    let mut text = format!("{inputs}module {}\nfunctions {} {}\n", hex_sha256(&bytes), report.native_functions, report.left_to_python.len());
                    for pxd in &report.pxd_files {
                        text += &format!("pxd {} {}\n", std::fs::read(pxd).map_or_else(|_| "missing".into(), |b| hex_sha256(&b)), pxd.display());
                    }
                    write_atomic(&stamp, text.as_bytes());
                }
                Outcome::Built(report)
            }
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// `<module's directory>/__pycache__/<module file>.pyc-aot-stamp`.
pub fn stamp_path(module: &Path) -> PathBuf {
    let name = module.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    module.parent().unwrap_or(Path::new("")).join("__pycache__").join(format!("{name}.pyc-aot-stamp"))
}

/// The counts the stamp recorded, when it records these very inputs and the
/// module on disk is the one it wrote (not replaced, truncated or deleted).
fn up_to_date(stamp: &Path, inputs: &str, module: &Path) -> Option<(usize, usize)> {
    let text = std::fs::read_to_string(stamp).ok()?;
    let rest = text.strip_prefix(inputs)?;
    let mut lines = rest.lines();
    let recorded = lines.next()?.strip_prefix("module ")?;
    let counts: Vec<usize> = lines.next()?.strip_prefix("functions ")?.split(' ').filter_map(|n| n.parse().ok()).collect();
    let [native, left] = counts.as_slice() else { return None };
    // The `.pxd` files it cimported from, as they were.
    for line in lines {
        let (hash, path) = line.strip_prefix("pxd ")?.split_once(' ')?;
        if std::fs::read(path).ok().map(|b| hex_sha256(&b)).as_deref() != Some(hash) {
            return None;
        }
    }
    (hex_sha256(&std::fs::read(module).ok()?) == recorded).then_some((*native, *left))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn write_atomic(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(mut tmp) = tempfile::Builder::new().prefix(".stamp-").tempfile_in(dir) {
        use std::io::Write;
        if tmp.write_all(bytes).is_ok() {
            let _ = tmp.persist(path);
        }
    }
}

/// The compiler's version and the file its code was loaded from (the
/// `pyc-aot` binary, or the Python package's extension), with that file's
/// size and modification time: a rebuilt compiler rebuilds every module even
/// when its version number did not change.
fn compiler_identity() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let Some(path) = code_file() else { return version.to_string() };
    let meta = std::fs::metadata(&path).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime = meta.and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    format!("{version} {} {size} {mtime}", path.display())
}

/// The shared object or executable this function's code is in.
#[cfg(unix)]
fn code_file() -> Option<PathBuf> {
    let mut info = libc::Dl_info { dli_fname: std::ptr::null(), dli_fbase: std::ptr::null_mut(), dli_sname: std::ptr::null(), dli_saddr: std::ptr::null_mut() };
    // SAFETY: dladdr only reads the address and fills `info`; `dli_fname`
    // points to a NUL-terminated string owned by the loader.
    let found = unsafe { libc::dladdr(code_file as *const libc::c_void, &mut info) } != 0;
    if found && !info.dli_fname.is_null() {
        let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
        let path = PathBuf::from(name.to_string_lossy().into_owned());
        // The main program's name may be as it was typed (relative, or a bare name).
        if path.is_absolute() {
            return Some(path);
        }
    }
    std::env::current_exe().ok()
}

#[cfg(not(unix))]
fn code_file() -> Option<PathBuf> {
    std::env::current_exe().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&path, "x = 1\n").expect("write");
        }
        dir
    }

    macro_rules! paths {
        ($($p:expr),* $(,)?) => { [$(PathBuf::from($p)),*] };
    }

    fn sources(dir: &Path, jobs: &[Job]) -> Vec<String> {
        jobs.iter().map(|j| j.source.strip_prefix(dir).expect("under the tree").display().to_string()).collect()
    }

    #[test]
    fn directories_and_globs_keep_init_and_main_python_unless_named() {
        let t = tree(&["pkg/__init__.py", "pkg/a.py", "pkg/sub/b.py", "pkg/__main__.py", "pkg/.hidden/c.py", "pkg/__pycache__/d.py", "pkg/e.txt", "pkg/bad-name.py"]);
        let root = t.path().display().to_string();
        let s = collect(&paths![format!("{root}/pkg")], None);
        assert_eq!(sources(t.path(), &s.jobs), ["pkg/a.py", "pkg/sub/b.py"]);
        assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
        let s = collect(&paths![format!("{root}/pkg/**/*.py"), format!("{root}/pkg/__init__.py")], None);
        assert_eq!(sources(t.path(), &s.jobs), ["pkg/a.py", "pkg/sub/b.py", "pkg/__init__.py"]);
        let s = collect(&paths![format!("{root}/nothing/*.py"), format!("{root}/missing.py")], None);
        assert!(s.jobs.is_empty());
        assert_eq!(s.errors.len(), 2, "{:?}", s.errors);
    }

    #[test]
    fn an_output_directory_keeps_the_package_layout() {
        let t = tree(&["src/pkg/a.py", "src/pkg/sub/b.py"]);
        let out = t.path().join("out");
        let root = t.path().display().to_string();
        for input in [format!("{root}/src"), format!("{root}/src/**/*.py")] {
            let s = collect(&paths![input], Some(&out));
            let dirs: Vec<PathBuf> = s.jobs.iter().map(|j| j.out_dir.clone()).collect();
            assert_eq!(dirs, [out.join("pkg"), out.join("pkg/sub")]);
        }
        // Named twice: built once. Two sources for one module file: an error.
        let s = collect(&paths![format!("{root}/src/pkg/a.py"), format!("{root}/src")], None);
        assert_eq!(s.jobs.len(), 2);
        let s = collect(&paths![format!("{root}/src/pkg/a.py"), format!("{root}/src/pkg/sub/b.py"), format!("{root}/src/pkg/a.py")], Some(&out));
        assert_eq!(s.jobs.len(), 2);
        std::fs::write(t.path().join("src/pkg/sub/a.py"), "").expect("write");
        let s = collect(&paths![format!("{root}/src/pkg/a.py"), format!("{root}/src/pkg/sub/a.py")], Some(&out));
        assert_eq!((s.jobs.len(), s.errors.len()), (1, 1), "{:?}", s.errors);
    }
}
