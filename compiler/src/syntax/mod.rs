//! Our own AST: the part of Python the compiler reasons about, with byte spans.
//!
//! rustpython-parser is unmaintained upstream, so nothing outside this file
//! may name its types. Constructs the compiler never compiles natively are kept
//! as `Other` with a description, so a function using them can be left to Python
//! with a precise reason. The bytes are made text first, in `decode`.

mod decode;
pub use decode::{coding_declaration, decode_source, normalize_newlines, raw_offset, Decoded};

use crate::diag::Diagnostic;
use rustpython_parser::ast::{self, Ranged};
use std::ops::Range;

pub type Span = Range<usize>;

#[derive(Debug, Clone)]
pub struct Module {
    pub body: Vec<Stmt>,
    /// The module's top-level classes, which stay Python: kept so the front
    /// end can report them and their methods.
    pub classes: Vec<ClassOutline>,
}

#[derive(Debug, Clone)]
pub struct ClassOutline {
    pub name: String,
    /// The `class` statement, decorators excluded.
    pub span: Span,
    pub decorators: Vec<Expr>,
    /// Names and spans of the `def`s directly in the class body.
    pub methods: Vec<(String, Span)>,
    /// How many base classes and keywords (`metaclass=`) the statement has.
    pub bases: usize,
    /// The bases that are plain names.
    pub base_names: Vec<String>,
    /// The class body, for `@cython.cclass` layouts (`frontend/cclass.rs`).
    pub body: Vec<Stmt>,
    /// The `def`s of classes defined inside this one (at any depth): the
    /// nested class's dotted name (`Outer.Inner`), the method's name and
    /// its `def` statement. Their bodies run as Python.
    pub nested_methods: Vec<(String, String, Span)>,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    FunctionDef(Box<FunctionDef>),
    Return(Option<Expr>),
    Assign { targets: Vec<Expr>, value: Expr },
    AugAssign { target: Expr, op: BinOp, value: Expr },
    AnnAssign { target: Expr, annotation: Expr, value: Option<Expr> },
    For { target: Expr, iter: Expr, body: Vec<Stmt>, orelse: Vec<Stmt> },
    While { test: Expr, body: Vec<Stmt>, orelse: Vec<Stmt> },
    If { test: Expr, body: Vec<Stmt>, orelse: Vec<Stmt> },
    Raise { exc: Option<Expr>, cause: Option<Expr> },
    Assert { test: Expr, msg: Option<Expr> },
    Import(Vec<Alias>),
    ImportFrom { module: Option<String>, names: Vec<Alias>, level: u32 },
    Global(Vec<String>),
    /// `nonlocal a, b`.
    Nonlocal(Vec<String>),
    /// `del a[k], o.attr, name, (a, b)`.
    Delete(Vec<Expr>),
    Expr(Expr),
    Pass,
    Break,
    Continue,
    /// `with a as x, b: body`: each item's context expression, and its
    /// `as` target (`targets[k]`, `None` without one).
    With { items: Vec<Expr>, targets: Vec<Option<Expr>>, body: Vec<Stmt> },
    /// `try` with its `except` clauses, `else` and `finally` (empty when absent:
    /// `has_finally` tells an empty one, which Python cannot write, apart).
    Try { body: Vec<Stmt>, handlers: Vec<ExceptHandler>, orelse: Vec<Stmt>, finalbody: Vec<Stmt>, has_finally: bool },
    /// A statement outside what the compiler models; `names` are the names it binds.
    Other { what: &'static str, binds: Vec<String>, body: Vec<Stmt> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

/// `for target in iter if cond…` of a comprehension.
#[derive(Debug, Clone)]
pub struct CompFor {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

/// A part of an f-string.
#[derive(Debug, Clone)]
pub enum FPart {
    Lit(String),
    /// `{value!conversion:spec}` (`spec` an f-string itself).
    Value { value: Box<Expr>, conversion: Option<char>, spec: Option<Box<Expr>> },
}

/// `except types as name: body` (`types` absent: a bare `except:`).
#[derive(Debug, Clone)]
pub struct ExceptHandler {
    pub types: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

impl StmtKind {
    /// The blocks of a `try` statement, in the order they appear.
    pub fn try_blocks(&self) -> Vec<&Vec<Stmt>> {
        match self {
            StmtKind::Try { body, handlers, orelse, finalbody, .. } => {
                std::iter::once(body).chain(handlers.iter().map(|h| &h.body)).chain([orelse, finalbody]).collect()
            }
            _ => vec![],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    PositionalOnly,
    PositionalOrKeyword,
    KeywordOnly,
    /// `*args`: the surplus positional arguments, as a tuple.
    VarPositional,
    /// `**kwargs`: the surplus keyword arguments, as a dict.
    VarKeyword,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub annotation: Option<Expr>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: String,
    pub params: Vec<Param>,
    /// `*args` / `**kwargs`, if present (kinds `VarPositional`/`VarKeyword`).
    pub vararg: Option<Param>,
    pub kwarg: Option<Param>,
    pub returns: Option<Expr>,
    pub decorators: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub is_async: bool,
    /// The first `yield` or `yield from` of its own body (not of a nested
    /// `def` or `lambda`): it is a generator function.
    pub first_yield: Option<Span>,
    /// Every `yield` (`false`) and `yield from` (`true`) of its own body, in
    /// source order: where each sits decides whether a generator compiles
    /// natively (`frontend/typeck/generator.rs`).
    pub yields: Vec<(Span, bool)>,
    /// Span of the `def` line's name, for diagnostics.
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
    MatMul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::MatMul => "@",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtE => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Name(String),
    /// An integer literal; `None` when it does not fit in 128 bits.
    Int(Option<i128>),
    Float(f64),
    /// An imaginary literal `3j` (its imaginary part).
    Imag(f64),
    Bool(bool),
    NoneLit,
    Str(String),
    Ellipsis,
    BinOp { left: Box<Expr>, op: BinOp, right: Box<Expr> },
    UnaryOp { op: UnaryOp, operand: Box<Expr> },
    BoolOp { op: BoolOp, values: Vec<Expr> },
    Compare { left: Box<Expr>, ops: Vec<CmpOp>, comparators: Vec<Expr> },
    Call { func: Box<Expr>, args: Vec<Expr>, keywords: Vec<Keyword> },
    IfExp { test: Box<Expr>, body: Box<Expr>, orelse: Box<Expr> },
    Attribute { value: Box<Expr>, attr: String },
    Subscript { value: Box<Expr>, index: Box<Expr> },
    Slice { lower: Option<Box<Expr>>, upper: Option<Box<Expr>>, step: Option<Box<Expr>> },
    Tuple(Vec<Expr>),
    Starred(Box<Expr>),
    Other(&'static str),
    /// An f-string: its literal parts and formatted values, in order.
    FString(Vec<FPart>),
    /// A list, set or dict comprehension or a generator expression
    /// (`value`: a dict comprehension's, `elt` then its key).
    Comp { kind: CompKind, elt: Box<Expr>, value: Option<Box<Expr>>, generators: Vec<CompFor> },
    List(Vec<Expr>),
    /// `{k: v, …}` (a `**` entry makes it `Other`).
    Dict(Vec<(Expr, Expr)>),
    Set(Vec<Expr>),
    /// `target := value` (PEP 572): binds `target` in the enclosing
    /// function, also from inside a comprehension.
    Named { target: String, value: Box<Expr> },
    /// `lambda params: body`, as a `def` named `<lambda>` whose body is
    /// `return body` (spans of the lambda).
    Lambda(Box<FunctionDef>),
    /// `yield value` or `yield from value` (kept for the names a nested
    /// generator uses; a function holding one stays Python).
    Yield(Option<Box<Expr>>),
}

#[derive(Debug, Clone)]
pub struct Keyword {
    /// `None` for `**kwargs`.
    pub name: Option<String>,
    pub value: Expr,
    pub span: Span,
}

/// How deep statements and expressions may nest. CPython 3.11 gives up
/// near 3,000 levels ("RecursionError: maximum recursion depth exceeded
/// during compilation"), so a file this deep does not run as Python either;
/// the bound keeps every recursive pass of ours within its stack.
pub const MAX_NESTING: u32 = 3000;

/// CPython's tokenizer refuses more than 200 open brackets.
const MAX_BRACKETS: u32 = 200;

thread_local! {
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    static TOO_DEEP: std::cell::Cell<Option<(usize, usize)>> = const { std::cell::Cell::new(None) };
    /// The first `yield` of the function whose body is being converted
    /// (`FunctionDef::first_yield`); each `def`/`lambda` saves its outer one.
    static FIRST_YIELD: std::cell::RefCell<Option<Span>> = const { std::cell::RefCell::new(None) };
    /// Every `yield` of that function likewise (`FunctionDef::yields`).
    static YIELDS: std::cell::RefCell<Vec<(Span, bool)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records a `yield` met while converting a function's body (the first one wins).
fn note_yield(sp: &Span, from: bool) {
    YIELDS.with(|y| y.borrow_mut().push((sp.clone(), from)));
    FIRST_YIELD.with(|y| {
        let mut y = y.borrow_mut();
        if y.is_none() {
            *y = Some(sp.clone());
        }
    });
}

/// One level of nesting while converting; `None` past `MAX_NESTING`, after
/// recording where.
struct Level;

impl Level {
    fn enter(sp: &Span) -> Option<Level> {
        let depth = NESTING.with(|d| d.get()) + 1;
        if depth > MAX_NESTING {
            // Only the first character: the rest of a 300k-character chain
            // is no help in a snippet.
            TOO_DEEP.with(|t| {
                if t.get().is_none() {
                    t.set(Some((sp.start, sp.start + 1.min(sp.len()))));
                }
            });
            return None;
        }
        NESTING.with(|d| d.set(depth));
        Some(Level)
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        NESTING.with(|d| d.set(d.get() - 1));
    }
}

/// The first bracket past CPython's limit, as CPython's tokenizer reports it.
fn too_many_brackets(source: &str) -> Option<Diagnostic> {
    use rustpython_parser::{lexer::lex, Tok};
    let mut depth = 0u32;
    for item in lex(source, rustpython_parser::Mode::Module) {
        let Ok((tok, range)) = item else { return None };
        match tok {
            Tok::Lpar | Tok::Lsqb | Tok::Lbrace => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    let at = usize::from(range.start());
                    return Some(
                        Diagnostic::error(at..at + 1, "too many nested parentheses")
                            .with_label("one bracket too many")
                            .with_hint("CPython refuses more than 200 nested brackets too; split the expression"),
                    );
                }
            }
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses a whole module. A syntax error becomes a diagnostic at its position.
pub fn parse_module(source: &str, path: &str) -> Result<Module, Diagnostic> {
    if let Some(d) = too_many_brackets(source) {
        return Err(d);
    }
    match rustpython_parser::parse(source, rustpython_parser::Mode::Module, path) {
        Ok(ast::Mod::Module(m)) => {
            NESTING.with(|d| d.set(0));
            TOO_DEEP.with(|t| t.set(None));
            let body = m.body.iter().map(stmt).collect();
            if let Some((start, end)) = TOO_DEEP.with(|t| t.take()) {
                return Err(Diagnostic::error(start..end, format!("statements and expressions nest more than {MAX_NESTING} levels deep"))
                    .with_label("this is nested too deeply")
                    .with_hint("CPython cannot compile this either (RecursionError during compilation); split it with intermediate variables"));
            }
            Ok(Module { body, classes: class_outlines(&m.body) })
        }
        Ok(_) => Err(Diagnostic::error(0..0, "expected a module")),
        Err(err) => {
            let at = usize::from(err.offset).min(source.len());
            let end = source.get(at..).and_then(|s| s.chars().next()).map_or(at, |c| at + c.len_utf8());
            Err(Diagnostic::error(at..end, format!("invalid syntax: {}", err.error))
                .with_label("the parser stopped here")
                .with_hint("pyc-aot accepts Python 3.11 syntax; fix the line so that `python3 -m py_compile` accepts it"))
        }
    }
}

fn class_outlines(body: &[ast::Stmt]) -> Vec<ClassOutline> {
    body.iter()
        .filter_map(|s| match s {
            ast::Stmt::ClassDef(c) => Some(ClassOutline {
                name: ident(&c.name),
                span: span(s),
                decorators: c.decorator_list.iter().map(expr).collect(),
                methods: c
                    .body
                    .iter()
                    .filter_map(|m| match m {
                        ast::Stmt::FunctionDef(f) => Some((ident(&f.name), span(m))),
                        ast::Stmt::AsyncFunctionDef(f) => Some((ident(&f.name), span(m))),
                        _ => None,
                    })
                    .collect(),
                bases: c.bases.len() + c.keywords.len(),
                base_names: c
                    .bases
                    .iter()
                    .filter_map(|b| match b {
                        ast::Expr::Name(n) => Some(ident(&n.id)),
                        _ => None,
                    })
                    .collect(),
                body: stmts(&c.body),
                nested_methods: nested_methods(&ident(&c.name), &c.body),
            }),
            _ => None,
        })
        .collect()
}

/// The methods of the classes nested in a class body `body` of the class
/// `outer` (see `ClassOutline::nested_methods`).
fn nested_methods(outer: &str, body: &[ast::Stmt]) -> Vec<(String, String, Span)> {
    let mut out = vec![];
    for s in body {
        let ast::Stmt::ClassDef(c) = s else { continue };
        let name = format!("{outer}.{}", ident(&c.name));
        for m in &c.body {
            match m {
                ast::Stmt::FunctionDef(f) => out.push((name.clone(), ident(&f.name), span(m))),
                ast::Stmt::AsyncFunctionDef(f) => out.push((name.clone(), ident(&f.name), span(m))),
                _ => {}
            }
        }
        out.extend(nested_methods(&name, &c.body));
    }
    out
}

fn span<T: Ranged>(r: &T) -> Span {
    let r = r.range();
    usize::from(r.start())..usize::from(r.end())
}

fn comp(kind: CompKind, elt: &ast::Expr, value: Option<&ast::Expr>, generators: &[ast::Comprehension]) -> ExprKind {
    if generators.iter().any(|g| g.is_async) {
        return ExprKind::Other("an asynchronous comprehension");
    }
    ExprKind::Comp {
        kind,
        elt: Box::new(expr(elt)),
        value: value.map(|v| Box::new(expr(v))),
        generators: generators.iter().map(|g| CompFor { target: expr(&g.target), iter: expr(&g.iter), ifs: g.ifs.iter().map(expr).collect() }).collect(),
    }
}

/// Whether the call `func(args…)` takes a generator expression as its first
/// argument itself, as `typeck/comprehension.rs` compiles it (a list, set
/// or dict comprehension, or the `any`/`all` loop): the builtins `list`,
/// `tuple`, `set`, `frozenset`, `any`, `all`, `sorted`, `sum` (and a
/// start), `min`, `max`, `dict` of `(key, value)` items and `"sep".join`.
/// Every other generator expression is a generator function
/// (`genexpr_function`).
fn consumes_genexpr(func: &ast::Expr, args: &[ast::Expr], keywords: &[ast::Keyword]) -> bool {
    let named = keywords.iter().all(|k| k.arg.is_some());
    match func {
        ast::Expr::Name(n) => match (n.id.as_str(), args) {
            ("list" | "tuple" | "set" | "frozenset" | "any" | "all", [_]) => keywords.is_empty(),
            ("dict", [ast::Expr::GeneratorExp(g)]) => keywords.is_empty() && matches!(g.elt.as_ref(), ast::Expr::Tuple(t) if t.elts.len() == 2),
            ("sorted", [_]) => true,
            ("min" | "max" | "sum", [_]) => named,
            ("sum", [_, start]) => named && !matches!(start, ast::Expr::Starred(_)),
            _ => false,
        },
        ast::Expr::Attribute(a) => {
            a.attr.as_str() == "join" && args.len() == 1 && keywords.is_empty() && matches!(a.value.as_ref(), ast::Expr::Constant(c) if matches!(c.value, ast::Constant::Str(_)))
        }
        _ => false,
    }
}

/// The hidden parameter of a generator expression's function (CPython's
/// `.0`, here a name the binders can spell and no program uses): the first
/// iterable's iterator.
pub const GENEXPR_PARAM: &str = "__pyc_aot_genexpr_iter";
pub const GENEXPR_NAME: &str = "<genexpr>";
/// The callee standing for the builtin `iter` there (typed as
/// `hir::ObjOp::GetIter`, so no `iter` the program binds is called).
pub const GENEXPR_ITER: &str = "__pyc_aot_genexpr_get_iter";

/// A generator expression as CPython runs it: a nested generator function
/// (`<genexpr>`, its body the loops, conditions and `yield` of the item)
/// called with `iter()` of the first iterable, which is evaluated where the
/// expression is; the other iterables and the conditions inside it.
fn genexpr_function(c: &ast::ExprGeneratorExp, sp: &Span) -> ExprKind {
    if c.generators.iter().any(|g| g.is_async) {
        return ExprKind::Other("an asynchronous comprehension");
    }
    let Some((first, _)) = c.generators.split_first() else { return ExprKind::Other("a generator expression without `for`") };
    let iter = expr(&first.iter);
    // The body's own `yield`s only: the enclosing function's are its own.
    let outer = FIRST_YIELD.with(|y| y.borrow_mut().take());
    let outer_yields = YIELDS.with(|y| std::mem::take(&mut *y.borrow_mut()));
    let stmt = |kind: StmtKind| Stmt { kind, span: sp.clone() };
    let mut body = vec![stmt(StmtKind::Expr(Expr { kind: ExprKind::Yield(Some(bx(&c.elt))), span: sp.clone() }))];
    for (k, g) in c.generators.iter().enumerate().rev() {
        for cond in g.ifs.iter().rev() {
            body = vec![stmt(StmtKind::If { test: expr(cond), body, orelse: vec![] })];
        }
        let it = if k == 0 { Expr { kind: ExprKind::Name(GENEXPR_PARAM.into()), span: iter.span.clone() } } else { expr(&g.iter) };
        body = vec![stmt(StmtKind::For { target: expr(&g.target), iter: it, body, orelse: vec![] })];
    }
    FIRST_YIELD.with(|y| *y.borrow_mut() = outer);
    YIELDS.with(|y| *y.borrow_mut() = outer_yields);
    let def = FunctionDef {
        name: GENEXPR_NAME.into(),
        params: vec![Param { name: GENEXPR_PARAM.into(), kind: ParamKind::PositionalOnly, annotation: None, default: None, span: iter.span.clone() }],
        vararg: None,
        kwarg: None,
        returns: None,
        decorators: vec![],
        body,
        is_async: false,
        first_yield: Some(sp.clone()),
        yields: vec![(sp.clone(), false)],
        name_span: sp.clone(),
    };
    let it_span = iter.span.clone();
    let get_iter = Expr { kind: ExprKind::Call { func: Box::new(Expr { kind: ExprKind::Name(GENEXPR_ITER.into()), span: it_span.clone() }), args: vec![iter], keywords: vec![] }, span: it_span };
    ExprKind::Call { func: Box::new(Expr { kind: ExprKind::Lambda(Box::new(def)), span: sp.clone() }), args: vec![get_iter], keywords: vec![] }
}

fn stmts(body: &[ast::Stmt]) -> Vec<Stmt> {
    body.iter().map(stmt).collect()
}

fn targets_names(e: &ast::Expr, out: &mut Vec<String>) {
    match e {
        ast::Expr::Name(n) => out.push(ident(&n.id)),
        ast::Expr::Tuple(t) => t.elts.iter().for_each(|e| targets_names(e, out)),
        ast::Expr::List(t) => t.elts.iter().for_each(|e| targets_names(e, out)),
        ast::Expr::Starred(s) => targets_names(&s.value, out),
        _ => {}
    }
}

fn stmt(s: &ast::Stmt) -> Stmt {
    let sp = span(s);
    let Some(_level) = Level::enter(&sp) else { return Stmt { kind: StmtKind::Pass, span: sp } };
    let other = |what: &'static str, binds: Vec<String>, body: Vec<Stmt>| StmtKind::Other { what, binds, body };
    let kind = match s {
        ast::Stmt::FunctionDef(f) => StmtKind::FunctionDef(Box::new(function_def(
            &f.name, &f.args, &f.returns, &f.decorator_list, &f.body, false, &sp,
        ))),
        ast::Stmt::AsyncFunctionDef(f) => StmtKind::FunctionDef(Box::new(function_def(
            &f.name, &f.args, &f.returns, &f.decorator_list, &f.body, true, &sp,
        ))),
        ast::Stmt::ClassDef(c) => other("a class definition", vec![ident(&c.name)], vec![]),
        ast::Stmt::Return(r) => StmtKind::Return(r.value.as_deref().map(expr)),
        ast::Stmt::Delete(d) => StmtKind::Delete(d.targets.iter().map(expr).collect()),
        ast::Stmt::Assign(a) => StmtKind::Assign {
            targets: a.targets.iter().map(expr).collect(),
            value: expr(&a.value),
        },
        ast::Stmt::AugAssign(a) => match binop(&a.op) {
            op => StmtKind::AugAssign { target: expr(&a.target), op, value: expr(&a.value) },
        },
        ast::Stmt::AnnAssign(a) => StmtKind::AnnAssign {
            target: expr(&a.target),
            annotation: expr(&a.annotation),
            value: a.value.as_deref().map(expr),
        },
        ast::Stmt::For(f) => StmtKind::For {
            target: expr(&f.target),
            iter: expr(&f.iter),
            body: stmts(&f.body),
            orelse: stmts(&f.orelse),
        },
        ast::Stmt::AsyncFor(f) => {
            let mut binds = vec![];
            targets_names(&f.target, &mut binds);
            other("`async for`", binds, stmts(&f.body))
        }
        ast::Stmt::While(w) => StmtKind::While {
            test: expr(&w.test),
            body: stmts(&w.body),
            orelse: stmts(&w.orelse),
        },
        ast::Stmt::If(i) => StmtKind::If { test: expr(&i.test), body: stmts(&i.body), orelse: stmts(&i.orelse) },
        ast::Stmt::With(w) => StmtKind::With {
            items: w.items.iter().map(|i| expr(&i.context_expr)).collect(),
            targets: w.items.iter().map(|i| i.optional_vars.as_deref().map(expr)).collect(),
            body: stmts(&w.body),
        },
        ast::Stmt::AsyncWith(w) => other("`async with`", vec![], stmts(&w.body)),
        ast::Stmt::Match(_) => other("a `match` statement", vec![], vec![]),
        ast::Stmt::Raise(r) => StmtKind::Raise {
            exc: r.exc.as_deref().map(expr),
            cause: r.cause.as_deref().map(expr),
        },
        ast::Stmt::Try(t) => StmtKind::Try {
            body: stmts(&t.body),
            handlers: t
                .handlers
                .iter()
                .map(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    ExceptHandler { types: h.type_.as_deref().map(expr), name: h.name.as_ref().map(ident), body: stmts(&h.body), span: usize::from(h.range.start())..usize::from(h.range.end()) }
                })
                .collect(),
            orelse: stmts(&t.orelse),
            finalbody: stmts(&t.finalbody),
            has_finally: !t.finalbody.is_empty(),
        },
        ast::Stmt::TryStar(_) => other("`try`/`except*`", vec![], vec![]),
        ast::Stmt::Assert(a) => StmtKind::Assert { test: expr(&a.test), msg: a.msg.as_deref().map(expr) },
        ast::Stmt::Import(i) => StmtKind::Import(i.names.iter().map(alias).collect()),
        ast::Stmt::ImportFrom(i) => StmtKind::ImportFrom {
            module: i.module.as_ref().map(ident),
            names: i.names.iter().map(alias).collect(),
            level: i.level.map_or(0, |l| l.to_u32()),
        },
        ast::Stmt::Global(g) => StmtKind::Global(g.names.iter().map(ident).collect()),
        ast::Stmt::Nonlocal(n) => StmtKind::Nonlocal(n.names.iter().map(ident).collect()),
        ast::Stmt::Expr(e) => StmtKind::Expr(expr(&e.value)),
        ast::Stmt::Pass(_) => StmtKind::Pass,
        ast::Stmt::Break(_) => StmtKind::Break,
        ast::Stmt::Continue(_) => StmtKind::Continue,
        ast::Stmt::TypeAlias(_) => other("a `type` alias", vec![], vec![]),
    };
    Stmt { kind, span: sp }
}

fn alias(a: &ast::Alias) -> Alias {
    Alias { name: ident(&a.name), asname: a.asname.as_ref().map(ident), span: span(a) }
}

fn function_def(
    name: &ast::Identifier,
    args: &ast::Arguments,
    returns: &Option<Box<ast::Expr>>,
    decorators: &[ast::Expr],
    body: &[ast::Stmt],
    is_async: bool,
    def_span: &Span,
) -> FunctionDef {
    let mut params = vec![];
    let groups = [
        (&args.posonlyargs, ParamKind::PositionalOnly),
        (&args.args, ParamKind::PositionalOrKeyword),
        (&args.kwonlyargs, ParamKind::KeywordOnly),
    ];
    for (group, kind) in groups {
        for a in group.iter() {
            params.push(Param {
                name: ident(&a.def.arg),
                kind,
                annotation: a.def.annotation.as_deref().map(expr),
                default: a.default.as_deref().map(expr),
                span: span(&a.def),
            });
        }
    }
    // The name sits after `def ` on the def line; find it for a precise caret.
    let name_span = def_span.clone();
    // Its own `yield`s only: a nested function's are its own.
    let outer = FIRST_YIELD.with(|y| y.borrow_mut().take());
    let outer_yields = YIELDS.with(|y| std::mem::take(&mut *y.borrow_mut()));
    let body = stmts(body);
    let first_yield = FIRST_YIELD.with(|y| std::mem::replace(&mut *y.borrow_mut(), outer));
    let yields = YIELDS.with(|y| std::mem::replace(&mut *y.borrow_mut(), outer_yields));
    FunctionDef {
        name: ident(name),
        params,
        vararg: args.vararg.as_deref().map(|a| var_param(a, ParamKind::VarPositional)),
        kwarg: args.kwarg.as_deref().map(|a| var_param(a, ParamKind::VarKeyword)),
        returns: returns.as_deref().map(expr),
        decorators: decorators.iter().map(expr).collect(),
        body,
        is_async,
        first_yield,
        yields,
        name_span,
    }
}

fn var_param(a: &ast::Arg, kind: ParamKind) -> Param {
    Param { name: ident(&a.arg), kind, annotation: a.annotation.as_deref().map(expr), default: None, span: span(a) }
}

fn binop(op: &ast::Operator) -> BinOp {
    match op {
        ast::Operator::Add => BinOp::Add,
        ast::Operator::Sub => BinOp::Sub,
        ast::Operator::Mult => BinOp::Mul,
        ast::Operator::MatMult => BinOp::MatMul,
        ast::Operator::Div => BinOp::Div,
        ast::Operator::Mod => BinOp::Mod,
        ast::Operator::Pow => BinOp::Pow,
        ast::Operator::LShift => BinOp::LShift,
        ast::Operator::RShift => BinOp::RShift,
        ast::Operator::BitOr => BinOp::BitOr,
        ast::Operator::BitXor => BinOp::BitXor,
        ast::Operator::BitAnd => BinOp::BitAnd,
        ast::Operator::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmpop(op: &ast::CmpOp) -> CmpOp {
    match op {
        ast::CmpOp::Eq => CmpOp::Eq,
        ast::CmpOp::NotEq => CmpOp::NotEq,
        ast::CmpOp::Lt => CmpOp::Lt,
        ast::CmpOp::LtE => CmpOp::LtE,
        ast::CmpOp::Gt => CmpOp::Gt,
        ast::CmpOp::GtE => CmpOp::GtE,
        ast::CmpOp::Is => CmpOp::Is,
        ast::CmpOp::IsNot => CmpOp::IsNot,
        ast::CmpOp::In => CmpOp::In,
        ast::CmpOp::NotIn => CmpOp::NotIn,
    }
}

fn bx(e: &ast::Expr) -> Box<Expr> {
    Box::new(expr(e))
}

fn expr(e: &ast::Expr) -> Expr {
    let sp = span(e);
    let Some(_level) = Level::enter(&sp) else { return Expr { kind: ExprKind::Other("too deep"), span: sp } };
    let kind = match e {
        ast::Expr::BoolOp(b) => ExprKind::BoolOp {
            op: match b.op {
                ast::BoolOp::And => BoolOp::And,
                ast::BoolOp::Or => BoolOp::Or,
            },
            values: b.values.iter().map(expr).collect(),
        },
        ast::Expr::NamedExpr(n) => match n.target.as_ref() {
            ast::Expr::Name(t) => ExprKind::Named { target: ident(&t.id), value: bx(&n.value) },
            _ => ExprKind::Other("an assignment expression (`:=`)"),
        },
        ast::Expr::BinOp(b) => ExprKind::BinOp { left: bx(&b.left), op: binop(&b.op), right: bx(&b.right) },
        ast::Expr::UnaryOp(u) => ExprKind::UnaryOp {
            op: match u.op {
                ast::UnaryOp::Not => UnaryOp::Not,
                ast::UnaryOp::USub => UnaryOp::Neg,
                ast::UnaryOp::UAdd => UnaryOp::Pos,
                ast::UnaryOp::Invert => UnaryOp::Invert,
            },
            operand: bx(&u.operand),
        },
        ast::Expr::Lambda(l) => {
            let body = [ast::Stmt::Return(ast::StmtReturn { range: l.body.range(), value: Some(l.body.clone()) })];
            ExprKind::Lambda(Box::new(function_def(&ast::Identifier::new("<lambda>"), &l.args, &None, &[], &body, false, &sp)))
        }
        ast::Expr::IfExp(i) => ExprKind::IfExp { test: bx(&i.test), body: bx(&i.body), orelse: bx(&i.orelse) },
        ast::Expr::Dict(d) if d.keys.iter().all(Option::is_some) => {
            ExprKind::Dict(d.keys.iter().flatten().zip(&d.values).map(|(k, v)| (expr(k), expr(v))).collect())
        }
        ast::Expr::Dict(_) => ExprKind::Other("a dict with `**`"),
        ast::Expr::Set(s) => ExprKind::Set(s.elts.iter().map(expr).collect()),
        ast::Expr::ListComp(c) => comp(CompKind::List, &c.elt, None, &c.generators),
        ast::Expr::SetComp(c) => comp(CompKind::Set, &c.elt, None, &c.generators),
        ast::Expr::DictComp(c) => comp(CompKind::Dict, &c.key, Some(&c.value), &c.generators),
        ast::Expr::GeneratorExp(c) => genexpr_function(c, &sp),
        ast::Expr::Await(_) => ExprKind::Other("`await`"),
        ast::Expr::Yield(y) => {
            note_yield(&sp, false);
            ExprKind::Yield(y.value.as_deref().map(bx))
        }
        ast::Expr::YieldFrom(y) => {
            note_yield(&sp, true);
            ExprKind::Yield(Some(bx(&y.value)))
        }
        ast::Expr::Compare(c) => ExprKind::Compare {
            left: bx(&c.left),
            ops: c.ops.iter().map(cmpop).collect(),
            comparators: c.comparators.iter().map(expr).collect(),
        },
        ast::Expr::Call(c) => ExprKind::Call {
            func: bx(&c.func),
            args: match c.args.as_slice() {
                [ast::Expr::GeneratorExp(g), rest @ ..] if consumes_genexpr(&c.func, &c.args, &c.keywords) => {
                    let first = Expr { kind: comp(CompKind::Gen, &g.elt, None, &g.generators), span: span(&c.args[0]) };
                    std::iter::once(first).chain(rest.iter().map(expr)).collect()
                }
                _ => c.args.iter().map(expr).collect(),
            },
            keywords: c
                .keywords
                .iter()
                .map(|k| Keyword { name: k.arg.as_ref().map(ident), value: expr(&k.value), span: span(k) })
                .collect(),
        },
        ast::Expr::JoinedStr(j) => {
            let mut parts = vec![];
            for v in &j.values {
                match v {
                    ast::Expr::Constant(c) => match &c.value {
                        ast::Constant::Str(s) => parts.push(FPart::Lit(s.clone())),
                        _ => return Expr { kind: ExprKind::Other("an f-string"), span: sp },
                    },
                    ast::Expr::FormattedValue(f) => parts.push(FPart::Value {
                        value: Box::new(expr(&f.value)),
                        conversion: f.conversion.to_byte().map(char::from),
                        spec: f.format_spec.as_deref().map(|s| Box::new(expr(s))),
                    }),
                    _ => return Expr { kind: ExprKind::Other("an f-string"), span: sp },
                }
            }
            ExprKind::FString(parts)
        }
        ast::Expr::FormattedValue(_) => ExprKind::Other("an f-string"),
        ast::Expr::Constant(c) => match &c.value {
            ast::Constant::None => ExprKind::NoneLit,
            ast::Constant::Bool(b) => ExprKind::Bool(*b),
            ast::Constant::Str(s) => ExprKind::Str(s.clone()),
            ast::Constant::Bytes(_) => ExprKind::Other("a bytes literal"),
            ast::Constant::Int(i) => ExprKind::Int(i.to_string().parse::<i128>().ok()),
            ast::Constant::Tuple(_) => ExprKind::Other("a tuple constant"),
            ast::Constant::Float(f) => ExprKind::Float(*f),
            // A literal's real part is always 0 (`2+3j` is a sum).
            ast::Constant::Complex { imag, .. } => ExprKind::Imag(*imag),
            ast::Constant::Ellipsis => ExprKind::Ellipsis,
        },
        ast::Expr::Attribute(a) => ExprKind::Attribute { value: bx(&a.value), attr: ident(&a.attr) },
        ast::Expr::Subscript(s) => ExprKind::Subscript { value: bx(&s.value), index: bx(&s.slice) },
        ast::Expr::Starred(s) => ExprKind::Starred(bx(&s.value)),
        ast::Expr::Name(n) => ExprKind::Name(ident(&n.id)),
        ast::Expr::List(l) => ExprKind::List(l.elts.iter().map(expr).collect()),
        ast::Expr::Tuple(t) => ExprKind::Tuple(t.elts.iter().map(expr).collect()),
        ast::Expr::Slice(s) => ExprKind::Slice {
            lower: s.lower.as_deref().map(bx),
            upper: s.upper.as_deref().map(bx),
            step: s.step.as_deref().map(bx),
        },
    };
    Expr { kind, span: sp }
}

/// The names read as attributes (`.name` tokens, not in strings or
/// comments) in `code`, with their byte offsets; up to the first token
/// the lexer rejects.
pub fn attribute_names(code: &str) -> Vec<(usize, String)> {
    use rustpython_parser::{lexer, Mode, Tok};
    let mut out = vec![];
    let mut after_dot = false;
    for tok in lexer::lex(code, Mode::Module) {
        let Ok((tok, range)) = tok else { break };
        if let (true, Tok::Name { name }) = (after_dot, &tok) {
            out.push((usize::from(range.start()), name.to_string()));
        }
        after_dot = tok == Tok::Dot;
    }
    out
}

/// The names read in `code` (name tokens not after a `.`, not a keyword
/// argument's name), with their byte offsets; up to the first token the
/// lexer rejects.
pub fn read_names(code: &str) -> Vec<(usize, String)> {
    use rustpython_parser::{lexer, Mode, Tok};
    let toks: Vec<(Tok, usize)> = lexer::lex(code, Mode::Module).map_while(Result::ok).map(|(t, r)| (t, usize::from(r.start()))).collect();
    let mut out = vec![];
    let mut depth = 0i32;
    for (k, (tok, start)) in toks.iter().enumerate() {
        match tok {
            Tok::Lpar | Tok::Lsqb | Tok::Lbrace => depth += 1,
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => depth -= 1,
            Tok::Name { name } => {
                let after_dot = k > 0 && toks[k - 1].0 == Tok::Dot;
                let keyword = depth > 0 && toks.get(k + 1).is_some_and(|t| t.0 == Tok::Equal);
                if !after_dot && !keyword {
                    out.push((*start, name.to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

/// Those of `names` whose every occurrence in the function `code` (its
/// `def` included) is a call (`name(…)`) or a plain assignment's target
/// (`name = …`), none when a function, lambda or class nested in it could
/// capture them. The function is lexed once for all of them.
pub fn only_called_or_assigned<'n>(code: &str, names: &[&'n str]) -> Vec<&'n str> {
    use rustpython_parser::{lexer, Mode, Tok};
    let Ok(toks) = lexer::lex(code, Mode::Module).map(|t| t.map(|(t, _)| t)).collect::<Result<Vec<Tok>, _>>() else { return vec![] };
    if toks.iter().filter(|t| matches!(t, Tok::Def | Tok::Lambda | Tok::Class)).count() > 1 {
        return vec![];
    }
    let mut other_use: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (k, t) in toks.iter().enumerate() {
        if let Tok::Name { name: n } = t {
            let attribute = k > 0 && toks[k - 1] == Tok::Dot;
            if !attribute && !matches!(toks.get(k + 1), Some(Tok::Lpar | Tok::Equal)) {
                other_use.insert(n.as_str());
            }
        }
    }
    names.iter().copied().filter(|n| !other_use.contains(n)).collect()
}

/// Names `global` statements declare in a function body (nested blocks
/// included, nested functions not).
pub fn global_names(body: &[Stmt], out: &mut Vec<String>) {
    for s in body {
        match &s.kind {
            StmtKind::Global(names) => out.extend(names.iter().cloned()),
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                global_names(body, out);
                global_names(orelse, out);
            }
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => global_names(body, out),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| global_names(b, out)),
            _ => {}
        }
    }
}

/// Names `del` statements unbind in a function body (nested blocks
/// included, nested functions not; the names in tuple and list targets too).
pub fn deleted_names(body: &[Stmt], out: &mut Vec<String>) {
    fn target(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Tuple(es) | ExprKind::List(es) => es.iter().for_each(|e| target(e, out)),
            _ => {}
        }
    }
    for s in body {
        match &s.kind {
            StmtKind::Delete(targets) => targets.iter().for_each(|t| target(t, out)),
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                deleted_names(body, out);
                deleted_names(orelse, out);
            }
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => deleted_names(body, out),
            StmtKind::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| deleted_names(b, out)),
            _ => {}
        }
    }
}

/// Names `global` statements declare in every function of `body`, nested
/// ones and methods too (names such a function may bind at module level).
pub fn global_names_anywhere(body: &[Stmt], out: &mut Vec<String>) {
    for s in body {
        let inner: Vec<&Vec<Stmt>> = match &s.kind {
            StmtKind::FunctionDef(f) => {
                global_names(&f.body, out);
                vec![&f.body]
            }
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => vec![body, orelse],
            StmtKind::With { body, .. } | StmtKind::Other { body, .. } => vec![body],
            StmtKind::Try { .. } => s.kind.try_blocks(),
            _ => vec![],
        };
        inner.into_iter().for_each(|b| global_names_anywhere(b, out));
    }
}

/// Names a statement binds at its own scope level (not inside nested functions).
pub fn bound_names(s: &Stmt, out: &mut Vec<String>) {
    fn target(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Tuple(es) | ExprKind::List(es) => es.iter().for_each(|e| target(e, out)),
            ExprKind::Starred(e) => target(e, out),
            _ => {}
        }
    }
    own_exprs(s).into_iter().for_each(|e| named_targets(e, out));
    match &s.kind {
        StmtKind::FunctionDef(f) => out.push(f.name.clone()),
        StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target(t, out)),
        StmtKind::AugAssign { target: t, .. } => target(t, out),
        StmtKind::AnnAssign { target: t, value, .. } => {
            // A bare annotation binds nothing at run time, but it does make the name local.
            let _ = value;
            target(t, out)
        }
        StmtKind::For { target: t, body, orelse, .. } => {
            target(t, out);
            body.iter().chain(orelse).for_each(|s| bound_names(s, out));
        }
        StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
            body.iter().chain(orelse).for_each(|s| bound_names(s, out))
        }
        StmtKind::With { targets, body, .. } => {
            targets.iter().flatten().for_each(|t| target(t, out));
            body.iter().for_each(|s| bound_names(s, out))
        }
        // `del x` makes `x` local, as an assignment does.
        StmtKind::Delete(targets) => targets.iter().for_each(|t| target(t, out)),
        StmtKind::Import(names) => {
            for a in names {
                out.push(a.asname.clone().unwrap_or_else(|| a.name.split('.').next().unwrap_or("").to_string()))
            }
        }
        StmtKind::ImportFrom { names, .. } => {
            for a in names {
                out.push(a.asname.clone().unwrap_or_else(|| a.name.clone()))
            }
        }
        StmtKind::Other { binds, body, .. } => {
            out.extend(binds.iter().cloned());
            body.iter().for_each(|s| bound_names(s, out));
        }
        StmtKind::Try { handlers, .. } => {
            out.extend(handlers.iter().filter_map(|h| h.name.clone()));
            s.kind.try_blocks().into_iter().flatten().for_each(|s| bound_names(s, out));
        }
        _ => {}
    }
}

/// A statement's own expressions (not those of its nested blocks).
pub fn own_exprs(s: &Stmt) -> Vec<&Expr> {
    match &s.kind {
        StmtKind::Return(Some(e)) | StmtKind::Expr(e) => vec![e],
        StmtKind::Assign { targets, value } => targets.iter().chain([value]).collect(),
        StmtKind::Delete(targets) => targets.iter().collect(),
        StmtKind::AugAssign { target, value, .. } => vec![target, value],
        StmtKind::AnnAssign { target, value, .. } => std::iter::once(target).chain(value).collect(),
        StmtKind::For { target, iter, .. } => vec![target, iter],
        StmtKind::While { test, .. } | StmtKind::If { test, .. } => vec![test],
        StmtKind::Raise { exc, cause } => exc.iter().chain(cause).collect(),
        StmtKind::Assert { test, msg } => std::iter::once(test).chain(msg).collect(),
        StmtKind::With { items, targets, .. } => items.iter().chain(targets.iter().flatten()).collect(),
        StmtKind::Try { handlers, .. } => handlers.iter().filter_map(|h| h.types.as_ref()).collect(),
        _ => vec![],
    }
}

/// The targets of the assignment expressions (`x := v`) in `e`, which bind
/// in the enclosing function also from inside a comprehension (PEP 572).
pub fn named_targets(e: &Expr, out: &mut Vec<String>) {
    let mut go = |x: &Expr| named_targets(x, out);
    match &e.kind {
        ExprKind::Named { target, value } => {
            named_targets(value, out);
            out.push(target.clone());
        }
        ExprKind::BinOp { left, right, .. } => [left, right].into_iter().for_each(|x| go(x)),
        ExprKind::UnaryOp { operand, .. } | ExprKind::Starred(operand) => go(operand),
        ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => values.iter().for_each(go),
        ExprKind::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
            go(k);
            go(v)
        }),
        ExprKind::Compare { left, comparators, .. } => std::iter::once(&**left).chain(comparators).for_each(go),
        ExprKind::Call { func, args, keywords } => std::iter::once(&**func).chain(args).chain(keywords.iter().map(|k| &k.value)).for_each(go),
        ExprKind::IfExp { test, body, orelse } => [test, body, orelse].into_iter().for_each(|x| go(x)),
        ExprKind::Attribute { value, .. } => go(value),
        ExprKind::Subscript { value, index } => [value, index].into_iter().for_each(|x| go(x)),
        ExprKind::Slice { lower, upper, step } => lower.iter().chain(upper).chain(step).for_each(|x| go(x)),
        ExprKind::Comp { elt, value, generators, .. } => {
            go(elt);
            value.iter().for_each(|x| go(x));
            generators.iter().for_each(|g| std::iter::once(&g.iter).chain(&g.ifs).for_each(&mut go));
        }
        ExprKind::FString(parts) => parts.iter().for_each(|p| {
            if let FPart::Value { value, spec, .. } = p {
                go(value);
                spec.iter().for_each(|x| go(x));
            }
        }),
        _ => {}
    }
}

/// An identifier as CPython's tokenizer reads it: non-ASCII names are NFKC
/// normalised (`ﬁb` is `fib`, a decomposed `é` the composed one), so the
/// names compiled code binds are the ones Python code looks up.
fn ident(name: &impl std::fmt::Display) -> String {
    use unicode_normalization::UnicodeNormalization;
    let text = name.to_string();
    if text.is_ascii() {
        text
    } else {
        text.nfkc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::only_called_or_assigned;

    #[test]
    fn only_called_or_assigned_answers_for_every_name_at_once() {
        let code = "def f(n):\n    a = add\n    b = mul\n    c = neg\n    a(1)\n    print(b)\n    x.c = 2\n    return c(n)\n";
        assert_eq!(only_called_or_assigned(code, &["a", "b", "c", "d"]), vec!["a", "c", "d"]);
        let nested = "def f():\n    a = add\n    g = lambda: a(1)\n    return a(2)\n";
        assert!(only_called_or_assigned(nested, &["a", "g"]).is_empty());
    }
}
