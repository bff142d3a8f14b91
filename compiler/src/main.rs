use clap::{Parser, Subcommand, ValueEnum};
use pyc_aot::many::{Outcome, Progress};
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
        Command::Build { files, out_dir, jobs, target, python, strict, emit, quiet, linker, ext_suffix } => {
            let opts = BuildOptions {
                source: files[0].clone(),
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
            };
            if pyc_aot::many::is_many(&files) {
                if emit.is_some() {
                    eprintln!("error: `--emit` prints the code of one module: name one file");
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

/// `pyc-aot build src/ 'lib/**/*.py' …`: one line per module as it finishes
/// (errors and warnings below it, on stderr), then the summary.
fn build_many(inputs: &[PathBuf], opts: &BuildOptions, threads: usize, quiet: bool) -> ExitCode {
    let sources = pyc_aot::many::collect(inputs, opts.out_dir.as_deref());
    for e in &sources.errors {
        eprintln!("error: {e}");
    }
    if !quiet {
        for s in &sources.skipped {
            eprintln!("skipped: {s}");
        }
    }
    let width = sources.jobs.len().to_string().len();
    let on_done = |p: Progress| {
        let source = p.job.source.display();
        let head = format!("[{:>width$}/{}]", p.done, p.total);
        match p.outcome {
            Outcome::Built(r) => {
                if !quiet {
                    let n = r.native_functions;
                    let s = if n == 1 { "" } else { "s" };
                    let written = r.output.as_ref().map_or(String::new(), |o| format!(" -> {}", o.display()));
                    println!("{head} built {source}{written}: {n} function{s} native, {} left to Python, {:.0} ms", r.left_to_python.len(), r.elapsed_ms);
                    if !r.warnings.is_empty() {
                        eprintln!("{}", r.warnings);
                    }
                }
            }
            Outcome::UpToDate { .. } => {
                if !quiet {
                    println!("{head} up to date {source}");
                }
            }
            Outcome::Failed(e) => {
                let cause = e.locations.first().map_or_else(
                    || e.rendered.lines().next().unwrap_or("").trim_start_matches("error: ").to_string(),
                    |l| format!("{}:{}:{}: {}", l.file, l.line, l.column, l.message),
                );
                println!("{head} FAILED {source}: {cause}");
                eprint!("{}", e.rendered);
            }
        }
    };
    let summary = match pyc_aot::many::build_all(&sources.jobs, opts, threads, &on_done) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{}", e.rendered);
            return ExitCode::from(1);
        }
    };
    if !quiet || summary.failed > 0 || !sources.errors.is_empty() {
        let m = sources.jobs.len();
        println!(
            "{m} module{}: {} built, {} up to date, {} failed; {} function{} native, {} left to Python; {:.2} s",
            if m == 1 { "" } else { "s" },
            summary.built,
            summary.up_to_date,
            summary.failed,
            summary.native,
            if summary.native == 1 { "" } else { "s" },
            summary.left_to_python,
            summary.elapsed_ms / 1e3
        );
    }
    if summary.failed > 0 || !sources.errors.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
