//! Our own AST: the part of Python the compiler reasons about, with byte spans.
//!
//! rustpython-parser is unmaintained upstream, so nothing outside this file
//! may name its types. Constructs the compiler never compiles natively are kept
//! as `Other` with a description, so a function using them can be left to Python
//! with a precise reason.

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
    Expr(Expr),
    Pass,
    Break,
    Continue,
    /// `with a, b: body` without `as` targets.
    With { items: Vec<Expr>, body: Vec<Stmt> },
    /// A statement outside what the compiler models; `names` are the names it binds.
    Other { what: &'static str, binds: Vec<String>, body: Vec<Stmt> },
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
    /// `*args` / `**kwargs` spans, if present.
    pub vararg: Option<Span>,
    pub kwarg: Option<Span>,
    pub returns: Option<Expr>,
    pub decorators: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub is_async: bool,
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
}

#[derive(Debug, Clone)]
pub struct Keyword {
    /// `None` for `**kwargs`.
    pub name: Option<String>,
    pub value: Expr,
    pub span: Span,
}

/// What `decode_source` makes of a file's bytes.
#[derive(Debug, PartialEq)]
pub enum Decoded {
    /// The text, newlines not yet translated.
    Text(String),
    /// A codec only Python's codec registry can apply exactly: the target
    /// interpreter decodes `bytes[body..]` with `codec` (as declared at
    /// byte `declared_at`), its newlines translated first as CPython's
    /// tokenizer does (`translate_newlines`).
    Interpreter { codec: String, body: usize, declared_at: usize },
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// A source file's bytes as CPython's import reads them (`compile(bytes)`):
/// a UTF-8 BOM, else a PEP 263 `coding` declaration on line 1 or 2, else
/// UTF-8. Decoded here only where the result is provably CPython's: UTF-8
/// (undeclared, or a name CPython's tokenizer itself reads as `utf-8`), and
/// the names `PyUnicode_Decode` decodes without the codec registry (UTF-8,
/// Latin-1, ASCII) when they decode; anything else is left to the
/// interpreter. On failure, the byte offset of the culprit in `bytes` and
/// CPython's message.
pub fn decode_source(bytes: &[u8]) -> Result<Decoded, (usize, String)> {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, bytes),
    };
    let Some((at, name)) = coding_declaration(body) else {
        return tokenizer_utf8(body, bom > 0).map(Decoded::Text).map_err(|(i, m)| (bom + i, m));
    };
    let normal = tokenizer_normal_name(&name);
    if normal == "utf-8" {
        return tokenizer_utf8(body, true).map(Decoded::Text).map_err(|(i, m)| (bom + i, m));
    }
    if bom > 0 {
        // Tokenizer.c compares the normalised name with the BOM's "utf-8".
        return Err((bom + at, format!("encoding problem: {normal} with BOM")));
    }
    let lower = normal.to_ascii_lowercase().replace('-', "_");
    let text = match lower.as_str() {
        "iso_8859_1" | "iso8859_1" | "latin1" => Some(body.iter().map(|&b| b as char).collect()),
        "ascii" | "us_ascii" if body.is_ascii() => Some(body.iter().map(|&b| b as char).collect()),
        "utf8" => std::str::from_utf8(body).ok().map(str::to_string),
        _ => None,
    };
    // CPython reads the bytes as a C string: a NUL (which UTF-16 and -32
    // have in every ASCII character) is refused before any codec runs.
    if let Some(nul) = body.iter().position(|&b| b == 0) {
        return Err((bom + nul, "source code cannot contain null bytes".into()));
    }
    // Failures too go to the interpreter, whose message is the one to give.
    Ok(text.map_or_else(|| Decoded::Interpreter { codec: normal, body: bom, declared_at: at }, Decoded::Text))
}

/// The name CPython's tokenizer (`get_normal_name`) gives a declared
/// encoding: its first 12 characters lower-cased with `_` as `-` decide
/// whether it is `utf-8` or `iso-8859-1`; any other name is kept as written.
fn tokenizer_normal_name(name: &str) -> String {
    let buf: String = name.chars().take(12).map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    if buf == "utf-8" || buf.starts_with("utf-8-") {
        "utf-8".into()
    } else if ["latin-1", "iso-8859-1", "iso-latin-1"].iter().any(|l| buf == *l || buf.starts_with(&format!("{l}-"))) {
        "iso-8859-1".into()
    } else {
        name.to_string()
    }
}

/// The offset in `raw` of the byte at offset `translated` once `\r\n` and a
/// lone `\r` are `\n` (how CPython's positions in a decoding error count).
pub fn raw_offset(raw: &[u8], translated: usize) -> usize {
    let (mut i, mut t) = (0, 0);
    while i < raw.len() && t < translated {
        i += if raw[i..].starts_with(b"\r\n") { 2 } else { 1 };
        t += 1;
    }
    i
}

/// `\r\n` and a lone `\r` end a line as `\n` does, as in CPython's tokenizer
/// (which also translates them inside string literals).
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// UTF-8 as CPython's tokenizer checks it. Undeclared, CPython names the
/// line (counted with `\r\n` and `\r` as line ends); with a BOM or a
/// `utf-8` declaration it reports the codec's error (its "position" counts
/// from the token, which we do not know: the diagnostic's column says where).
fn tokenizer_utf8(body: &[u8], declared: bool) -> Result<String, (usize, String)> {
    std::str::from_utf8(body).map(str::to_string).map_err(|e| {
        let at = e.valid_up_to();
        if declared {
            let reason = match (e.error_len(), body[at]) {
                (None, _) => "unexpected end of data",
                (Some(_), 0x80..=0xc1 | 0xf5..=0xff) => "invalid start byte",
                (Some(_), _) => "invalid continuation byte",
            };
            return (at, format!("(unicode error) 'utf-8' codec can't decode byte 0x{:02x}: {reason}", body[at]));
        }
        let before = &body[..at];
        let line = 1 + before.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n'))).count();
        (at, format!("Non-UTF-8 code starting with '\\x{:02x}' on line {line}, but no encoding declared; see https://peps.python.org/pep-0263/", body[at]))
    })
}

/// The PEP 263 declaration (its byte offset and name): `coding[:=]name` in
/// a comment on line 1, or on line 2 when line 1 is blank or a comment.
pub fn coding_declaration(body: &[u8]) -> Option<(usize, String)> {
    let mut start = 0;
    for _ in 0..2 {
        let end = body[start..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(body.len(), |i| start + i);
        let line = &body[start..end];
        let indent = line.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\x0c')).count();
        let rest = &line[indent..];
        if rest.first() == Some(&b'#') {
            if let Some(found) = coding_in_comment(rest) {
                return Some((start + indent, found));
            }
        } else if !rest.is_empty() {
            return None;
        }
        start = end + usize::from(end < body.len());
        if body.get(end) == Some(&b'\r') && body.get(start) == Some(&b'\n') {
            start += 1;
        }
    }
    None
}

fn coding_in_comment(comment: &[u8]) -> Option<String> {
    let mut i = 0;
    while let Some(j) = comment[i..].windows(6).position(|w| w == b"coding") {
        let after = i + j + 6;
        if matches!(comment.get(after), Some(b':' | b'=')) {
            let value = &comment[after + 1..];
            let value = &value[value.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
            let len = value.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')).count();
            if len > 0 {
                return Some(String::from_utf8_lossy(&value[..len]).into_owned());
            }
        }
        i = after;
    }
    None
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
            }),
            _ => None,
        })
        .collect()
}

fn span<T: Ranged>(r: &T) -> Span {
    let r = r.range();
    usize::from(r.start())..usize::from(r.end())
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
        ast::Stmt::Delete(_) => other("`del`", vec![], vec![]),
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
        ast::Stmt::With(w) if w.items.iter().all(|i| i.optional_vars.is_none()) => StmtKind::With {
            items: w.items.iter().map(|i| expr(&i.context_expr)).collect(),
            body: stmts(&w.body),
        },
        ast::Stmt::With(w) => {
            let mut binds = vec![];
            for item in &w.items {
                if let Some(v) = &item.optional_vars {
                    targets_names(v, &mut binds);
                }
            }
            other("a `with … as` statement", binds, stmts(&w.body))
        }
        ast::Stmt::AsyncWith(w) => other("`async with`", vec![], stmts(&w.body)),
        ast::Stmt::Match(_) => other("a `match` statement", vec![], vec![]),
        ast::Stmt::Raise(r) => StmtKind::Raise {
            exc: r.exc.as_deref().map(expr),
            cause: r.cause.as_deref().map(expr),
        },
        ast::Stmt::Try(t) => {
            let mut body = stmts(&t.body);
            body.extend(stmts(&t.orelse));
            body.extend(stmts(&t.finalbody));
            let mut binds = vec![];
            for h in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                if let Some(n) = &h.name {
                    binds.push(ident(n));
                }
                body.extend(stmts(&h.body));
            }
            other("a `try` statement", binds, body)
        }
        ast::Stmt::TryStar(_) => other("`try`/`except*`", vec![], vec![]),
        ast::Stmt::Assert(a) => StmtKind::Assert { test: expr(&a.test), msg: a.msg.as_deref().map(expr) },
        ast::Stmt::Import(i) => StmtKind::Import(i.names.iter().map(alias).collect()),
        ast::Stmt::ImportFrom(i) => StmtKind::ImportFrom {
            module: i.module.as_ref().map(ident),
            names: i.names.iter().map(alias).collect(),
            level: i.level.map_or(0, |l| l.to_u32()),
        },
        ast::Stmt::Global(g) => StmtKind::Global(g.names.iter().map(ident).collect()),
        ast::Stmt::Nonlocal(_) => other("`nonlocal`", vec![], vec![]),
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
    FunctionDef {
        name: ident(name),
        params,
        vararg: args.vararg.as_deref().map(|a| span(a)),
        kwarg: args.kwarg.as_deref().map(|a| span(a)),
        returns: returns.as_deref().map(expr),
        decorators: decorators.iter().map(expr).collect(),
        body: stmts(body),
        is_async,
        name_span,
    }
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
        ast::Expr::NamedExpr(_) => ExprKind::Other("an assignment expression (`:=`)"),
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
        ast::Expr::Lambda(_) => ExprKind::Other("a lambda"),
        ast::Expr::IfExp(i) => ExprKind::IfExp { test: bx(&i.test), body: bx(&i.body), orelse: bx(&i.orelse) },
        ast::Expr::Dict(_) => ExprKind::Other("a dict"),
        ast::Expr::Set(_) => ExprKind::Other("a set"),
        ast::Expr::ListComp(_) => ExprKind::Other("a list comprehension"),
        ast::Expr::SetComp(_) => ExprKind::Other("a set comprehension"),
        ast::Expr::DictComp(_) => ExprKind::Other("a dict comprehension"),
        ast::Expr::GeneratorExp(_) => ExprKind::Other("a generator expression"),
        ast::Expr::Await(_) => ExprKind::Other("`await`"),
        ast::Expr::Yield(_) | ast::Expr::YieldFrom(_) => ExprKind::Other("`yield`"),
        ast::Expr::Compare(c) => ExprKind::Compare {
            left: bx(&c.left),
            ops: c.ops.iter().map(cmpop).collect(),
            comparators: c.comparators.iter().map(expr).collect(),
        },
        ast::Expr::Call(c) => ExprKind::Call {
            func: bx(&c.func),
            args: c.args.iter().map(expr).collect(),
            keywords: c
                .keywords
                .iter()
                .map(|k| Keyword { name: k.arg.as_ref().map(ident), value: expr(&k.value), span: span(k) })
                .collect(),
        },
        ast::Expr::FormattedValue(_) | ast::Expr::JoinedStr(_) => ExprKind::Other("an f-string"),
        ast::Expr::Constant(c) => match &c.value {
            ast::Constant::None => ExprKind::NoneLit,
            ast::Constant::Bool(b) => ExprKind::Bool(*b),
            ast::Constant::Str(s) => ExprKind::Str(s.clone()),
            ast::Constant::Bytes(_) => ExprKind::Other("a bytes literal"),
            ast::Constant::Int(i) => ExprKind::Int(i.to_string().parse::<i128>().ok()),
            ast::Constant::Tuple(_) => ExprKind::Other("a tuple constant"),
            ast::Constant::Float(f) => ExprKind::Float(*f),
            ast::Constant::Complex { .. } => ExprKind::Other("a complex number"),
            ast::Constant::Ellipsis => ExprKind::Ellipsis,
        },
        ast::Expr::Attribute(a) => ExprKind::Attribute { value: bx(&a.value), attr: ident(&a.attr) },
        ast::Expr::Subscript(s) => ExprKind::Subscript { value: bx(&s.value), index: bx(&s.slice) },
        ast::Expr::Starred(s) => ExprKind::Starred(bx(&s.value)),
        ast::Expr::Name(n) => ExprKind::Name(ident(&n.id)),
        ast::Expr::List(_) => ExprKind::Other("a list"),
        ast::Expr::Tuple(t) => ExprKind::Tuple(t.elts.iter().map(expr).collect()),
        ast::Expr::Slice(s) => ExprKind::Slice {
            lower: s.lower.as_deref().map(bx),
            upper: s.upper.as_deref().map(bx),
            step: s.step.as_deref().map(bx),
        },
    };
    Expr { kind, span: sp }
}

/// Names a statement binds at its own scope level (not inside nested functions).
pub fn bound_names(s: &Stmt, out: &mut Vec<String>) {
    fn target(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Tuple(es) => es.iter().for_each(|e| target(e, out)),
            ExprKind::Starred(e) => target(e, out),
            _ => {}
        }
    }
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
        StmtKind::With { body, .. } => body.iter().for_each(|s| bound_names(s, out)),
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
    use super::*;

    fn interp(codec: &str, body: usize, declared_at: usize) -> Result<Decoded, (usize, String)> {
        Ok(Decoded::Interpreter { codec: codec.into(), body, declared_at })
    }

    /// Only UTF-8, Latin-1 and ASCII under names CPython itself resolves
    /// without its codec registry are decoded here; WHATWG labels mean
    /// nothing (issue 13: `iso-8859-9` was read as windows-1254).
    #[test]
    fn declared_names_decoded_here_or_left_to_the_interpreter() {
        let text = |s: &str| Ok(Decoded::Text(s.into()));
        assert_eq!(decode_source(b"# coding: Latin_1-foo\nx = '\xe9'\n"), text("# coding: Latin_1-foo\nx = '\u{e9}'\n"));
        assert_eq!(decode_source(b"# coding: iso8859-1\n\x80"), text("# coding: iso8859-1\n\u{80}"));
        assert_eq!(decode_source(b"# coding: US-ASCII\nx\n"), text("# coding: US-ASCII\nx\n"));
        assert_eq!(decode_source(b"# coding: utf8\n\xc3\xa9"), text("# coding: utf8\n\u{e9}"));
        assert_eq!(decode_source(b"# coding: iso-8859-9\n\x80"), interp("iso-8859-9", 0, 0));
        assert_eq!(decode_source(b"#!py\n  # coding=x-user-defined\n"), interp("x-user-defined", 0, 7));
        assert_eq!(decode_source(b"# coding: l1\n"), interp("l1", 0, 0));
        // Failing fast paths get the interpreter's message.
        assert_eq!(decode_source(b"# coding: ascii\n\xe9"), interp("ascii", 0, 0));
        assert_eq!(decode_source(b"# coding: utf8\n\xff"), interp("utf8", 0, 0));
        assert_eq!(decode_source(b"# coding: utf-16\n\0"), Err((17, "source code cannot contain null bytes".into())));
    }

    #[test]
    fn a_bom_goes_with_names_the_tokenizer_reads_as_utf_8_only() {
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: UTF_8-sig\nx"), Ok(Decoded::Text("# coding: UTF_8-sig\nx".into())));
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: utf8\n"), Err((3, "encoding problem: utf8 with BOM".into())));
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: latin-1\n"), Err((3, "encoding problem: iso-8859-1 with BOM".into())));
    }

    /// Offsets are in the raw bytes (BOM included) and lines count `\r`.
    #[test]
    fn utf8_errors_are_located_in_the_raw_bytes() {
        let (at, msg) = decode_source(b"\xef\xbb\xbfab\nx = \xff\n").unwrap_err();
        assert_eq!(at, 10);
        assert_eq!(msg, "(unicode error) 'utf-8' codec can't decode byte 0xff: invalid start byte");
        let (at, msg) = decode_source(b"\r\r\r\xff").unwrap_err();
        assert_eq!(at, 3);
        assert!(msg.starts_with("Non-UTF-8 code starting with '\\xff' on line 4,"), "{msg}");
        let (_, msg) = decode_source(b"\r\n\r\n\xe2\x82x").unwrap_err();
        assert!(msg.contains("on line 3,"), "{msg}");
        let (at, msg) = decode_source(b"# coding: utf-8\n'\xe2\x82").unwrap_err();
        assert_eq!((at, msg.as_str()), (17, "(unicode error) 'utf-8' codec can't decode byte 0xe2: unexpected end of data"));
    }

    #[test]
    fn raw_offsets_undo_newline_translation() {
        assert_eq!(raw_offset(b"a\r\nb\rc", 0), 0);
        assert_eq!(raw_offset(b"a\r\nb\rc", 2), 3);
        assert_eq!(raw_offset(b"a\r\nb\rc", 4), 5);
        assert_eq!(raw_offset(b"a\r\nb\rc", 9), 6);
    }
}
