use clap::{Parser, Subcommand, ValueEnum};
use pyc_aot::{build, BuildOptions, Emit};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pyc-aot", version, about = "Compile typed Python to a CPython extension module")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum EmitArg {
    Hir,
    Mir,
    Clif,
    Asm,
}

#[derive(Subcommand)]
enum Command {
    /// Compile FILE.py into FILE<EXT_SUFFIX> (e.g. fib.cpython-311-x86_64-linux-gnu.so).
    ///
    /// Given directories, globs (`'src/**/*.py'`) or several files, build every
    /// module they name, in parallel, skipping those that are up to date; a
    /// package's `__init__.py` found in a directory or glob stays Python.
    Build {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Directory to write the module to (default: next to FILE); for many
        /// modules, the root of their package layout.
        #[arg(short = 'o', long = "out-dir")]
        out_dir: Option<PathBuf>,
        /// Modules to build at once when building many (default: one per core).
        #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// CPU to generate code for: `native`, `x86-64`, `x86-64-v3`, `skylake-avx512`, … (see `pyc-aot targets`).
        #[arg(long, default_value = "native")]
        target: String,
        /// Python interpreter the module is for (its extension suffix and ABI).
        #[arg(long, default_value = "python3")]
        python: String,
        /// Treat a function left to Python as an error.
        #[arg(long)]
        strict: bool,
        /// Print the typed HIR, the wrappers' MIR, Cranelift IR or machine code instead of writing a module.
        #[arg(long, value_enum)]
        emit: Option<EmitArg>,
        /// Print nothing on success.
        #[arg(short, long)]
        quiet: bool,
        /// Linker to produce the .so with (default: $CC or cc; `<arch>-linux-gnu-gcc` for a cross target).
        #[arg(long)]
        linker: Option<String>,
        /// Extension suffix of the module file (default: the interpreter's; derived for cross targets).
        #[arg(long)]
        ext_suffix: Option<String>,
        /// Also write the annotate report FILE.html (see `pyc-aot annotate`).
        #[arg(long)]
        annotate: bool,
        /// Directory where `.pxd` files (after the module's own) and C headers are found.
        #[arg(short = 'I', value_name = "DIR")]
        include_dirs: Vec<PathBuf>,
        /// Directory where libraries given with `-l` are found.
        #[arg(short = 'L', value_name = "DIR")]
        library_dirs: Vec<PathBuf>,
        /// Library to link the module with (C code its `.pxd` declares).
        #[arg(short = 'l', value_name = "NAME")]
        libraries: Vec<String>,
    },
    /// Write FILE.html: the source shaded by the Python interaction of each line's compiled code; click a line for its MIR, Cranelift IR and machine code.
    Annotate {
        file: PathBuf,
        /// Where to write the report (default: FILE.html next to FILE).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// CPU to generate code for (the first one of a list).
        #[arg(long, default_value = "native")]
        target: String,
        /// Python interpreter the code is for.
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// List the CPU names `--target` accepts and the features each enables.
    Targets,
}

/// Deeply nested source (a sum of 10 000 terms) recurses deeply in the parser
/// and the front end; give the compiler a stack that such input cannot exhaust.
const COMPILER_STACK: usize = 512 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match std::thread::Builder::new().stack_size(COMPILER_STACK).spawn(move || run(cli)) {
        Ok(handle) => handle.join().unwrap_or(ExitCode::from(101)),
        Err(e) => {
            eprintln!("error: cannot start the compiler thread: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Targets => {
            println!("native                 the CPU of this machine");
            for (name, _) in pyc_aot::target::CPU_TABLE {
                let features = pyc_aot::target::features_of(name).unwrap_or_default();
                let shown: Vec<&str> = features.iter().map(|f| f.trim_start_matches("has_")).collect();
                println!("{name:<22} {}", if shown.is_empty() { "baseline (SSE2)".to_string() } else { shown.join(" ") });
            }
            ExitCode::SUCCESS
        }
        Command::Annotate { file, output, target, python } => {
            let opts = BuildOptions { source: file, out_dir: None, target, python, strict: false, emit: None, linker: None, ext_suffix: None, codegen_threads: None, c: Default::default() };
            write_annotation(&opts, output.as_deref(), false)
        }
        Command::Build { files, out_dir, jobs, target, python, strict, emit, quiet, linker, ext_suffix, annotate, include_dirs, library_dirs, libraries } => {
            // `pyc-aot build wrap_fib.py cfib.c`: C sources go into the module.
            let (sources, files): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|f| f.extension().is_some_and(|e| e == "c"));
            let c = pyc_aot::clink::CInputs { sources, include_dirs, library_dirs, libraries };
            let Some(first) = files.first().cloned() else {
                eprintln!("error: name the Python module to build (the C sources go into it)");
                return ExitCode::from(2);
            };
            if pyc_aot::many::is_many(&files) && !c.is_empty() {
                eprintln!("error: C sources, `-I`, `-L` and `-l` go with one module: name one Python file");
                return ExitCode::from(2);
            }
            let opts = BuildOptions {
                c,
                source: first,
                out_dir,
                target,
                python,
                strict,
                linker,
                ext_suffix,
                emit: emit.map(|e| match e {
                    EmitArg::Hir => Emit::Hir,
                    EmitArg::Mir => Emit::Mir,
                    EmitArg::Clif => Emit::Clif,
                    EmitArg::Asm => Emit::Asm,
                }),
                codegen_threads: None,
            };
            if pyc_aot::many::is_many(&files) {
                if emit.is_some() {
                    eprintln!("error: `--emit` prints the code of one module: name one file");
                    return ExitCode::from(2);
                }
                if annotate {
                    eprintln!("error: `--annotate` writes the report of one module: name one file (or run `pyc-aot annotate` on each)");
                    return ExitCode::from(2);
                }
                let threads = jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
                return build_many(&files, &opts, threads, quiet);
            }
            match build(&opts) {
                Ok(report) => {
                    if !report.warnings.is_empty() && !quiet {
                        eprintln!("{}", report.warnings);
                    }
                    if !report.listing.is_empty() {
                        print!("{}", report.listing);
                    }
                    if let Some(path) = report.output {
                        if !quiet {
                            let n = report.native_functions;
                            println!(
                                "wrote {} ({n} function{} native, {} left to Python) in {:.0} ms",
                                path.display(),
                                if n == 1 { "" } else { "s" },
                                report.left_to_python.len(),
                                report.elapsed_ms
                            );
                            if let Some(note) = &report.cannot_import {
                                eprintln!("{note}");
                            }
                        }
                    }
                    if annotate && opts.emit.is_none() {
                        return write_annotation(&opts, None, quiet);
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprint!("{}", err.rendered);
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `pyc-aot annotate` and `build --annotate`: the report, or the error as the build renders it.
fn write_annotation(opts: &BuildOptions, output: Option<&std::path::Path>, quiet: bool) -> ExitCode {
    match pyc_aot::annotate::write(opts, output) {
        Ok((path, a)) => {
            if !quiet {
                println!("wrote {} ({} native, {} left to Python)", path.display(), plural(a.native_functions, "function"), a.left_to_python);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprint!("{}", err.rendered);
            ExitCode::from(1)
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `pyc-aot build src/ 'lib/**/*.py' …`: progress as `many::run` words it.
fn build_many(inputs: &[PathBuf], opts: &BuildOptions, threads: usize, quiet: bool) -> ExitCode {
    use std::io::Write;
    // Written as is: a closed pipe (`| head`) must not stop the build.
    let echo = |out: &str, err: &str| {
        let _ = std::io::stdout().lock().write_all(out.as_bytes()).and_then(|_| std::io::stdout().flush());
        let _ = std::io::stderr().lock().write_all(err.as_bytes());
    };
    if pyc_aot::many::run(inputs, opts, threads, quiet, &echo) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
