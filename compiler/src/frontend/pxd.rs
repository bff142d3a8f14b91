//! `.pxd` declaration files: the subset Cython's `cdef extern from` blocks
//! hold (functions and variables of C scalar and pointer types, structs and
//! unions of such fields, opaque structs behind pointers, enums, `ctypedef`s
//! of scalars) and `cdef` declarations of cfuncs. Whatever else a `.pxd` may
//! say (function pointers, arrays, classes) is an error naming its line,
//! never skipped: a declaration read wrongly would call C wrongly.

use crate::diag::Diagnostic;
use crate::types::{IntTy, Ty};
use std::collections::HashMap;
use std::ops::Range;

/// A C function declared in an extern block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CFunc {
    /// The C symbol (the declared name: pyc-aot reads no `"cname"` strings).
    pub symbol: String,
    pub params: Vec<(String, Ty)>,
    pub ret: Ty,
    /// Declared `nogil` (itself or by its block): callable without the GIL.
    pub nogil: bool,
    /// The parameters that are C function pointers (their `Ty` a `void*`):
    /// index and the pointer's signature.
    pub callbacks: Vec<(usize, FnSig)>,
    /// Its exception clause: `noexcept` unless declared (Cython 3's rule in
    /// extern blocks); a call of it tests what the clause says.
    pub except: ExceptSpec,
    /// Declared with `...` after its parameters (`printf`): a call passes
    /// more arguments, C's default argument promotions applied.
    pub variadic: bool,
    /// The parameters that are structs or unions passed by value (their
    /// `Ty` the `char*` of `STRUCT_POINTER`, never used as such: a call
    /// passes the struct's values, `frontend/structs`): index and struct.
    pub struct_params: Vec<(usize, Field)>,
    /// The struct or union it returns by value (its `ret` then void: a call
    /// passes where to write its values).
    pub struct_ret: Option<Field>,
    /// C's layout of those structs, for the back end (`types::StructAbi`).
    pub by_value: Option<crate::types::StructAbiId>,
}

pub(crate) use crate::types::FnSig;
use crate::types::{ExceptSpec, ExceptValue};

/// What a name of a `.pxd` declares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decl {
    Func(CFunc),
    /// A C variable (`int X`, `const double Y`): read from its symbol.
    Var { symbol: String, ty: Ty },
    /// An enum member: a C `int` known here.
    Enum(i64),
    /// `cdef` function of the module the `.pxd` belongs to (a cfunc shared
    /// between modules): its C signature.
    ModuleFunc(crate::types::FnSig),
    /// A `ctypedef` name.
    Type(Ty),
    /// `ctypedef struct P:` / `cdef struct P:` (or `union`) with its fields
    /// in order; `name` is the `.pxd`'s own name for it.
    Struct { name: String, fields: Vec<(String, Field)>, union: bool },
    /// A struct declared without fields (`ctypedef struct FILE`): only
    /// pointers to it exist (as `void*`).
    Opaque,
    /// `ctypedef double (*unary)(double) noexcept nogil`: a function
    /// pointer type, for the parameters of extern functions.
    FnType(FnSig),
}

/// The type of a struct's field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// A C scalar or a pointer to one.
    Scalar(Ty),
    /// A pointer to a struct of the `.pxd` (by its `.pxd` name).
    StructPtr(String),
    /// A struct of the `.pxd` held by value: its `.pxd` name and fields.
    Struct { name: String, fields: Vec<(String, Field)>, union: bool },
}

/// A C type as a `.pxd` spells it.
#[derive(Debug, Clone, PartialEq)]
enum CType {
    Scalar(Ty),
    StructPtr(String),
    Struct(String),
}

/// How a pointer to a struct crosses a C function's signature: as the
/// `char*` a struct pointer local is once its fields are addressed
/// (`frontend/structs`), or, for an opaque struct, as a `void*`.
pub(crate) const STRUCT_POINTER: Ty = Ty::Ptr(Some(crate::types::Elem::Int(IntTy { bits: 8, signed: true, checked: false, cname: "char" })));

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Pxd {
    /// Each name with the byte offset of its declaration.
    pub names: HashMap<String, (Decl, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Str,
    Punct(char),
    Ellipsis,
}

#[derive(Debug)]
struct Line {
    indent: usize,
    toks: Vec<(Tok, Range<usize>)>,
    end: usize,
}

type R<T> = Result<T, Diagnostic>;

fn unsupported<T>(span: Range<usize>, what: &str) -> R<T> {
    Err(Diagnostic::error(span, format!("{what} in a .pxd are not supported yet"))
        .with_label("not supported")
        .with_hint("pyc-aot reads extern functions and variables of C scalar and pointer types, structs, unions, opaque structs, enums and `ctypedef`s of scalars"))
}

/// Reads a `.pxd` file's text.
pub(crate) fn parse(text: &str) -> R<Pxd> {
    let lines = logical_lines(text)?;
    let mut p = Parser { lines, at: 0, pxd: Pxd::default(), typedefs: HashMap::new(), structs: HashMap::new(), fn_types: HashMap::new(), in_extern: false };
    while p.at < p.lines.len() {
        let indent = p.lines[p.at].indent;
        if indent != 0 {
            let span = p.lines[p.at].toks[0].1.clone();
            return Err(Diagnostic::error(span, "unexpected indentation").with_label("indented outside a block"));
        }
        p.top_level()?;
    }
    Ok(p.pxd)
}

/// The text cut into logical lines of tokens: comments dropped, lines joined
/// inside brackets and after a backslash, blank lines skipped.
fn logical_lines(text: &str) -> R<Vec<Line>> {
    let bytes = text.as_bytes();
    let mut lines = vec![];
    let mut i = 0;
    let mut current: Option<Line> = None;
    let mut depth = 0usize;
    let mut line_start = true;
    let mut indent = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if line_start {
            indent = 0;
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                indent += if bytes[i] == b'\t' { 8 - indent % 8 } else { 1 };
                i += 1;
            }
            line_start = false;
            continue;
        }
        match c {
            b'\n' => {
                i += 1;
                line_start = true;
                if depth == 0 {
                    if let Some(l) = current.take() {
                        lines.push(l);
                    }
                }
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                let (tok, len) = token(text, i)?;
                match tok {
                    Tok::Punct('(' | '[') => depth += 1,
                    Tok::Punct(')' | ']') => depth = depth.saturating_sub(1),
                    _ => {}
                }
                let l = current.get_or_insert_with(|| Line { indent, toks: vec![], end: i });
                l.toks.push((tok, i..i + len));
                l.end = i + len;
                i += len;
            }
        }
    }
    if let Some(l) = current.take() {
        lines.push(l);
    }
    Ok(lines)
}

fn token(text: &str, i: usize) -> R<(Tok, usize)> {
    let rest = &text[i..];
    let c = rest.chars().next().unwrap_or(' ');
    if c.is_alphabetic() || c == '_' {
        let len = rest.find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).unwrap_or(rest.len());
        return Ok((Tok::Ident(rest[..len].to_string()), len));
    }
    if c.is_ascii_digit() {
        let len = rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).unwrap_or(rest.len());
        let digits = rest[..len].replace('_', "");
        let digits = digits.trim_end_matches(['u', 'U', 'l', 'L']);
        let value = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
            Some(hex) => i64::from_str_radix(hex, 16).ok(),
            None => digits.parse::<i64>().ok(),
        };
        return match value {
            Some(v) => Ok((Tok::Int(v), len)),
            None => Err(Diagnostic::error(i..i + len, format!("`{}` is not an integer pyc-aot reads", &rest[..len])).with_label("here")),
        };
    }
    if c == '"' || c == '\'' {
        let end = rest[1..].find([c, '\n']).filter(|&e| rest[1 + e..].starts_with(c));
        return match end {
            Some(e) => Ok((Tok::Str, e + 2)),
            None => Err(Diagnostic::error(i..i + 1, "unterminated string").with_label("this string does not end on its line")),
        };
    }
    if rest.starts_with("...") {
        return Ok((Tok::Ellipsis, 3));
    }
    if "()[],:=*&.-+<>{}?".contains(c) {
        return Ok((Tok::Punct(c), 1));
    }
    Err(Diagnostic::error(i..i + c.len_utf8(), format!("unexpected character `{c}`")).with_label("not part of a declaration"))
}

struct Parser {
    lines: Vec<Line>,
    at: usize,
    pxd: Pxd,
    typedefs: HashMap<String, Ty>,
    /// Struct and union names declared so far: whether each is opaque.
    structs: HashMap<String, bool>,
    /// Function pointer types declared so far.
    fn_types: HashMap<String, FnSig>,
    /// Inside a `cdef extern from` block: a function pointer type without
    /// an exception clause is `noexcept` there (C code never raises), and
    /// `except *` elsewhere (Cython 3's defaults).
    in_extern: bool,
}

/// One logical line's tokens, read left to right.
struct Cursor<'l> {
    toks: &'l [(Tok, Range<usize>)],
    at: usize,
    end: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }

    fn span(&self) -> Range<usize> {
        self.toks.get(self.at).map_or(self.end..self.end, |t| t.1.clone())
    }

    fn is(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn eat(&mut self, word: &str) -> bool {
        let yes = self.is(word);
        self.at += yes as usize;
        yes
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let yes = self.is_punct(c);
        self.at += yes as usize;
        yes
    }

    fn ident(&mut self, what: &str) -> R<(String, usize)> {
        match self.toks.get(self.at) {
            Some((Tok::Ident(w), span)) => {
                self.at += 1;
                Ok((w.clone(), span.start))
            }
            _ => Err(Diagnostic::error(self.span(), format!("expected {what}")).with_label("here")),
        }
    }

    fn expect_punct(&mut self, c: char) -> R<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(Diagnostic::error(self.span(), format!("expected `{c}`")).with_label("here"))
        }
    }

    fn done(&self) -> R<()> {
        match self.toks.get(self.at) {
            None => Ok(()),
            Some((_, span)) => Err(Diagnostic::error(span.clone(), "unexpected text after the declaration").with_label("not understood")),
        }
    }
}

/// Words that start a declaration pyc-aot does not read yet.
fn unsupported_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "packed" => "packed structs",
        "class" | "cppclass" => "classes",
        "fused" => "fused types",
        "cimport" | "from" | "include" => "cimports",
        _ => return None,
    })
}

impl Parser {
    /// The current line's tokens (a copy: reading them declares names).
    fn line(&self) -> (Vec<(Tok, Range<usize>)>, usize) {
        let l = &self.lines[self.at];
        (l.toks.clone(), l.end)
    }

    /// The lines of the block a header line opens (more indented than it).
    fn block_end(&self) -> usize {
        let indent = self.lines[self.at].indent;
        let mut end = self.at + 1;
        while end < self.lines.len() && self.lines[end].indent > indent {
            end += 1;
        }
        end
    }

    fn declare(&mut self, name: String, decl: Decl, at: usize) -> R<()> {
        if self.pxd.names.contains_key(&name) {
            return Err(Diagnostic::error(at..at + name.len(), format!("`{name}` is declared twice")).with_label("declared again here"));
        }
        self.pxd.names.insert(name, (decl, at));
        Ok(())
    }

    fn top_level(&mut self) -> R<()> {
        let (toks, end) = self.line();
        let mut c = Cursor { toks: &toks, at: 0, end };
        let header_end = self.block_end();
        if c.eat("pass") {
            c.done()?;
            self.at += 1;
            return Ok(());
        }
        if c.eat("ctypedef") {
            return self.ctypedef(header_end);
        }
        if !(c.eat("cdef") || c.eat("cpdef")) {
            let word = match c.peek() {
                Some(Tok::Ident(w)) => w.clone(),
                _ => String::new(),
            };
            if let Some(what) = unsupported_word(&word) {
                return unsupported(c.span(), what);
            }
            return Err(Diagnostic::error(c.span(), "expected a `cdef extern from` block, a `cdef` or `ctypedef` declaration")
                .with_label("not a declaration pyc-aot reads"));
        }
        if c.eat("extern") {
            if !c.eat("from") {
                return Err(Diagnostic::error(c.span(), "expected `from` after `cdef extern`").with_label("here"));
            }
            if !(c.eat_punct('*') || matches!(c.peek(), Some(Tok::Str))) {
                return Err(Diagnostic::error(c.span(), "expected a header name in quotes or `*`").with_label("here"));
            }
            c.at += (c.peek() == Some(&Tok::Str)) as usize;
            let mut nogil = false;
            while c.eat("nogil") || c.eat("noexcept") {
                nogil |= c.toks[c.at - 1].0 == Tok::Ident("nogil".into());
            }
            if c.is("namespace") {
                return unsupported(c.span(), "C++ namespaces");
            }
            c.expect_punct(':')?;
            if c.peek().is_some() {
                // `cdef extern from "h.h": double f(int)`: one declaration on the header line.
                let (toks, at) = (c.toks, c.at);
                self.at += 1;
                return self.extern_decl(toks, at, nogil);
            }
            let end = header_end;
            self.at += 1;
            if self.at == end {
                let span = self.lines[self.at - 1].toks[0].1.clone();
                return Err(Diagnostic::error(span, "an extern block needs an indented body (or `pass`)").with_label("empty block"));
            }
            self.in_extern = true;
            while self.at < end {
                let item = self.block_item(end, nogil);
                if item.is_err() {
                    self.in_extern = false;
                }
                item?;
            }
            self.in_extern = false;
            return Ok(());
        }
        if c.is("enum") {
            return self.enumeration(header_end, false);
        }
        if c.is("struct") || c.is("union") {
            return self.structure(header_end);
        }
        if let Some(Tok::Ident(w)) = c.peek() {
            if let Some(what) = unsupported_word(w) {
                return unsupported(c.span(), what);
            }
        }
        // `cdef double f(int x)`: a cfunc of the module this `.pxd` declares.
        let (toks, at) = (c.toks, c.at);
        self.at += 1;
        self.declaration(toks, at, false, true)
    }

    /// One item of an extern block (a line, or an enum with its body).
    fn block_item(&mut self, end: usize, nogil: bool) -> R<()> {
        let (toks, line_end) = self.line();
        let mut c = Cursor { toks: &toks, at: 0, end: line_end };
        if c.eat("pass") {
            c.done()?;
            self.at += 1;
            return Ok(());
        }
        if c.eat("ctypedef") {
            return self.ctypedef(self.block_end().min(end));
        }
        let at = c.at + c.is("cdef") as usize;
        if matches!(c.toks.get(at), Some((Tok::Ident(w), _)) if w == "enum") {
            return self.enumeration(self.block_end().min(end), true);
        }
        if matches!(c.toks.get(at), Some((Tok::Ident(w), _)) if w == "struct" || w == "union") {
            return self.structure(self.block_end().min(end));
        }
        let toks = c.toks;
        self.at += 1;
        self.extern_decl(toks, at, nogil)
    }

    fn extern_decl(&mut self, toks: &[(Tok, Range<usize>)], at: usize, nogil: bool) -> R<()> {
        if let Some((Tok::Ident(w), span)) = toks.get(at) {
            if let Some(what) = unsupported_word(w) {
                return unsupported(span.clone(), what);
            }
        }
        self.declaration(toks, at, nogil, false)
    }

    /// `[const] type name(params) [nogil] [noexcept]` or `[const] type name[, name…]`.
    fn declaration(&mut self, toks: &[(Tok, Range<usize>)], at: usize, block_nogil: bool, module_cdef: bool) -> R<()> {
        let end = toks.last().map_or(0, |t| t.1.end);
        let mut c = Cursor { toks, at, end };
        let (ty, ret_struct) = self.ty_or_struct(&mut c)?;
        if let Some((name, span)) = &ret_struct {
            // A struct result only of an extern function (not of a variable,
            // a function pointer or a shared cfunc).
            let function = matches!(c.peek(), Some(Tok::Ident(_))) && c.toks.get(c.at + 1).map(|t| &t.0) == Some(&Tok::Punct('('));
            if module_cdef || !function {
                return Self::struct_by_value_error(name, span.clone());
            }
        }
        if Self::at_fn_pointer(&c) {
            // `double (*cb)(double) noexcept`: a C variable holding a function pointer.
            let named = matches!(c.toks.get(c.at + 2), Some((Tok::Ident(_), _)));
            if module_cdef || !named || c.toks.get(c.at + 3).map(|t| &t.0) != Some(&Tok::Punct(')')) {
                return unsupported(c.span(), "function pointer results and `cdef` function pointer variables (declare a `ctypedef` of the pointer type)");
            }
            let at = c.toks[c.at + 2].1.start;
            let (name, sig) = self.fn_declarator(&mut c, ty)?;
            c.done()?;
            let name = name.unwrap_or_default();
            self.check_fn_result(ty, at..at + name.len())?;
            return self.declare(name.clone(), Decl::Var { symbol: name, ty: Ty::FnPtr(crate::types::FnPtrTy::of(&sig)) }, at);
        }
        loop {
            let (name, name_at) = c.ident("a name")?;
            if c.is_punct('[') {
                return unsupported(c.span(), "C arrays");
            }
            if c.eat_punct('(') {
                let (params, callbacks, variadic, struct_params) = self.params(&mut c, !module_cdef)?;
                let mut nogil = block_nogil;
                let mut except = None;
                loop {
                    let at = c.span();
                    if c.eat("nogil") {
                        nogil = true;
                    } else if c.is("noexcept") || c.is("except") {
                        if ret_struct.is_some() && c.is("except") && c.toks.get(c.at + 1).map(|t| &t.0) != Some(&Tok::Punct('*')) {
                            return Err(Diagnostic::error(at, "a function returning a struct cannot have an exception value")
                                .with_label("a struct result")
                                .with_hint("declare it `except *` (the caller tests `PyErr_Occurred()`) or `noexcept`"));
                        }
                        let spec = Self::except_clause(&mut c, if ret_struct.is_some() { Ty::Void } else { ty })?;
                        if except.replace(spec).is_some() {
                            return Err(Diagnostic::error(at, "a second exception clause").with_label("here").with_hint("write one of `noexcept`, `except v`, `except? v`, `except *`"));
                        }
                    } else {
                        break;
                    }
                }
                c.done()?;
                if variadic && (ret_struct.is_some() || !struct_params.is_empty()) {
                    return unsupported(name_at..name_at + name.len(), "variadic functions passing structs by value");
                }
                if module_cdef && (variadic || !callbacks.is_empty()) {
                    return unsupported(name_at..name_at + name.len(), "shared cfuncs taking function pointers or `...`");
                }
                // A cfunc's own default (`typeck::signature`'s `except_spec`, Cython 3's).
                let own_default = match ty {
                    Ty::Int(_) | Ty::Float(_) | Ty::Bool => ExceptSpec::Value { value: crate::types::ExceptValue::Int(-1), check: true },
                    _ => ExceptSpec::Star,
                };
                let except = except.unwrap_or(if module_cdef { own_default } else { ExceptSpec::NoExcept });
                let decl = if module_cdef {
                    Decl::ModuleFunc(crate::types::FnSig { params: params.into_iter().map(|p| p.1).collect(), ret: ty, nogil, except })
                } else {
                    let struct_params: Vec<(usize, Field)> = struct_params.into_iter().map(|(i, s)| (i, self.struct_field(&s))).collect();
                    let struct_ret = ret_struct.as_ref().map(|(s, _)| self.struct_field(s));
                    let by_value = (!struct_params.is_empty() || struct_ret.is_some()).then(|| {
                        let params = (0..params.len()).map(|i| struct_params.iter().find(|(k, _)| *k == i).map(|(_, f)| c_struct(f))).collect();
                        crate::types::StructAbiId::of(&crate::types::StructAbi { params, ret: struct_ret.as_ref().map(c_struct) })
                    });
                    Decl::Func(CFunc { symbol: name.clone(), params, ret: if struct_ret.is_some() { Ty::Void } else { ty }, nogil, callbacks, except, variadic, struct_params, struct_ret, by_value })
                };
                return self.declare(name, decl, name_at);
            }
            if module_cdef {
                return Err(Diagnostic::error(name_at..name_at + name.len(), "module-level variables in a .pxd are not supported yet")
                    .with_label("a `cdef` variable")
                    .with_hint("declare C variables inside a `cdef extern from` block"));
            }
            if ty == Ty::Void {
                return Err(Diagnostic::error(name_at..name_at + name.len(), format!("variable `{name}` cannot be void")).with_label("void"));
            }
            self.declare(name.clone(), Decl::Var { symbol: name, ty }, name_at)?;
            if !c.eat_punct(',') {
                return c.done();
            }
        }
    }

    /// A parameter list after its `(`, to the `)`: each parameter's name
    /// and type, and which are function pointers (`double (*f)(double)`, or
    /// a `ctypedef`'d function pointer type).
    /// With `structs` (an extern function's), a struct or union parameter
    /// passed by value is read too: its index and name.
    #[allow(clippy::type_complexity)]
    fn params(&mut self, c: &mut Cursor, structs: bool) -> R<(Vec<(String, Ty)>, Vec<(usize, FnSig)>, bool, Vec<(usize, String)>)> {
        let (mut params, mut callbacks, mut by_value) = (vec![], vec![], vec![]);
        if c.eat_punct(')') {
            return Ok((params, callbacks, false, by_value));
        }
        if c.is("void") && c.toks.get(c.at + 1).map(|t| &t.0) == Some(&Tok::Punct(')')) {
            c.at += 2;
            return Ok((params, callbacks, false, by_value));
        }
        loop {
            if c.peek() == Some(&Tok::Ellipsis) {
                // `...` ends the list, after at least one named parameter (C's rule).
                if params.is_empty() {
                    return Err(Diagnostic::error(c.span(), "`...` without a parameter before it").with_label("here").with_hint("a variadic C function names its first parameter: `int printf(const char *fmt, ...)`"));
                }
                c.at += 1;
                c.expect_punct(')')?;
                return Ok((params, callbacks, true, by_value));
            }
            let ty_at = c.span();
            let fn_type = match c.peek() {
                Some(Tok::Ident(w)) => self.fn_types.get(w).cloned(),
                _ => None,
            };
            let (ty, declarator_name) = if let Some(sig) = fn_type {
                c.at += 1;
                callbacks.push((params.len(), sig));
                (Ty::Ptr(None), None)
            } else {
                let (ty, held) = self.ty_or_struct(c)?;
                if let Some((s, span)) = held {
                    if !structs || Self::at_fn_pointer(c) {
                        return Self::struct_by_value_error(&s, span);
                    }
                    by_value.push((params.len(), s));
                }
                if Self::at_fn_pointer(c) {
                    let (name, sig) = self.fn_declarator(c, ty)?;
                    callbacks.push((params.len(), sig));
                    (Ty::Ptr(None), Some(name))
                } else {
                    (ty, None)
                }
            };
            if ty == Ty::Void {
                return Err(Diagnostic::error(ty_at, "a parameter cannot be void").with_label("void"));
            }
            let name = match (declarator_name, c.peek()) {
                (Some(Some(n)), _) => n,
                (Some(None), _) => format!("arg{}", params.len()),
                (None, Some(Tok::Ident(_))) => c.ident("a parameter name")?.0,
                (None, _) => format!("arg{}", params.len()),
            };
            if c.is_punct('[') {
                return unsupported(c.span(), "array parameters");
            }
            if c.is_punct('=') {
                return unsupported(c.span(), "default arguments");
            }
            params.push((name, ty));
            if c.eat_punct(')') {
                return Ok((params, callbacks, false, by_value));
            }
            c.expect_punct(',')?;
        }
    }

    /// Whether a function pointer declarator, `(*`, comes next.
    fn at_fn_pointer(c: &Cursor) -> bool {
        c.is_punct('(') && c.toks.get(c.at + 1).map(|t| &t.0) == Some(&Tok::Punct('*'))
    }

    /// `(*name)(params) [noexcept] [nogil]` after the result type `ret`: the
    /// declared name (if any) and the pointer's signature.
    fn fn_declarator(&mut self, c: &mut Cursor, ret: Ty) -> R<(Option<String>, FnSig)> {
        c.expect_punct('(')?;
        c.expect_punct('*')?;
        if c.is_punct('*') {
            return unsupported(c.span(), "pointers to function pointers");
        }
        let name = match c.peek() {
            Some(Tok::Ident(_)) => Some(c.ident("a name")?.0),
            _ => None,
        };
        c.expect_punct(')')?;
        let params_at = c.span();
        c.expect_punct('(')?;
        let (params, inner, variadic, _) = self.params(c, false)?;
        if !inner.is_empty() {
            return unsupported(params_at, "function pointers taking function pointers");
        }
        if variadic {
            return unsupported(params_at, "variadic function pointer types (`...`)");
        }
        let mut nogil = false;
        let mut except = None;
        loop {
            if c.eat("nogil") {
                nogil = true;
            } else if c.is("noexcept") || c.is("except") {
                let at = c.span();
                let spec = Self::except_clause(c, ret)?;
                if except.replace(spec).is_some() {
                    return Err(Diagnostic::error(at, "a second exception clause").with_label("here").with_hint("write one of `noexcept`, `except v`, `except? v`, `except *`"));
                }
            } else {
                break;
            }
        }
        let default = if self.in_extern { ExceptSpec::NoExcept } else { ExceptSpec::Star };
        Ok((name, FnSig { params: params.into_iter().map(|p| p.1).collect(), ret, nogil, except: except.unwrap_or(default) }))
    }

    /// `noexcept`, `except v`, `except? v` or `except *` of a function
    /// pointer type returning `ret` (`v` an integer, or a float for a
    /// floating result; `except +` is C++'s).
    fn except_clause(c: &mut Cursor, ret: Ty) -> R<ExceptSpec> {
        if c.eat("noexcept") {
            return Ok(ExceptSpec::NoExcept);
        }
        let start = c.span().start;
        c.at += 1;
        if c.eat_punct('*') {
            return Ok(ExceptSpec::Star);
        }
        if c.is_punct('+') {
            return unsupported(c.span(), "C++ exception clauses (`except +`)");
        }
        let check = c.eat_punct('?');
        let negative = c.eat_punct('-');
        let bad = |c: &Cursor| {
            let end = c.span().end.max(start);
            Err(Diagnostic::error(start..end, "an exception value pyc-aot does not read")
                .with_label("here")
                .with_hint("write an integer (`except -1`, `except? 0`), a float for a floating result (`except? -1.0`), or `except *`"))
        };
        let Some(Tok::Int(whole)) = c.peek().cloned() else { return bad(c) };
        c.at += 1;
        let value = if c.is_punct('.') {
            c.at += 1;
            let (frac, digits) = match c.toks.get(c.at) {
                Some((Tok::Int(f), span)) => (*f, span.len() as i32),
                _ => return bad(c),
            };
            c.at += 1;
            if !matches!(ret, Ty::Float(_)) {
                return bad(c);
            }
            let v = whole as f64 + frac as f64 / 10f64.powi(digits);
            ExceptValue::Float((if negative { -v } else { v }).to_bits())
        } else {
            ExceptValue::Int(if negative { -whole } else { whole })
        };
        if matches!(ret, Ty::Void | Ty::Ptr(_) | Ty::FnPtr(_)) {
            return Err(Diagnostic::error(start..c.span().start, format!("an exception value for a function returning {}", crate::types::c_spelling(ret)))
                .with_label("here")
                .with_hint("a function returning void or a pointer takes `except *` or `noexcept`"));
        }
        Ok(ExceptSpec::Value { value, check })
    }

    /// A C type in a function's signature or a variable's declaration: a
    /// scalar, a pointer to one, or a pointer to a struct (as the `char*`
    /// struct pointer locals are, `STRUCT_POINTER`).
    fn ty(&mut self, c: &mut Cursor) -> R<Ty> {
        match self.ty_or_struct(c)? {
            (_, Some((name, span))) => Self::struct_by_value_error(&name, span),
            (t, None) => Ok(t),
        }
    }

    /// A C type as `ty` reads it, or a struct or union by value: its name
    /// and span, with `STRUCT_POINTER` as the type, which is what a
    /// signature's parameter or result slot holds for a struct passed by
    /// value (`CFunc::by_value` says which slots those are).
    fn ty_or_struct(&mut self, c: &mut Cursor) -> R<(Ty, Option<(String, Range<usize>)>)> {
        let start = c.span().start;
        match self.ctype(c)? {
            CType::Scalar(t) => Ok((t, None)),
            CType::StructPtr(_) => Ok((STRUCT_POINTER, None)),
            CType::Struct(name) => {
                let end = c.toks.get(c.at.saturating_sub(1)).map_or(start, |t| t.1.end);
                Ok((STRUCT_POINTER, Some((name, start..end))))
            }
        }
    }

    fn struct_by_value_error<T>(name: &str, span: Range<usize>) -> R<T> {
        Err(Diagnostic::error(span, format!("the struct `{name}` by value is not supported here yet"))
            .with_label("a struct by value")
            .with_hint(format!("pass and return a pointer (`{name} *`): structs by value are read as fields of other structs and as parameters and results of extern functions")))
    }

    /// The struct or union `name` (declared with fields above) as a field
    /// type, with its fields.
    fn struct_field(&self, name: &str) -> Field {
        match self.pxd.names.get(name) {
            Some((Decl::Struct { fields, union, .. }, _)) => Field::Struct { name: name.to_string(), fields: fields.clone(), union: *union },
            _ => Field::Struct { name: name.to_string(), fields: vec![], union: false },
        }
    }

    /// A C type: modifiers and a base name, a `ctypedef` name or a struct's
    /// name, then `*`s (`void**` the only pointer to a pointer).
    fn ctype(&mut self, c: &mut Cursor) -> R<CType> {
        let start = c.span().start;
        while c.eat("const") {}
        if let Some(Tok::Ident(w)) = c.peek() {
            if let Some(&opaque) = self.structs.get(w) {
                let name = w.clone();
                c.at += 1;
                while c.eat("const") {}
                let span = start..c.toks.get(c.at.saturating_sub(1)).map_or(start, |t| t.1.end);
                return match (Self::stars(c)?, opaque) {
                    (0, true) => Err(Diagnostic::error(span, format!("`{name}` is an opaque struct: only pointers to it can be declared"))
                        .with_label("declared without fields")
                        .with_hint(format!("write `{name} *`, or declare its fields (`ctypedef struct {name}:` and an indented block)"))),
                    (0, false) => Ok(CType::Struct(name)),
                    (1, true) => Ok(CType::Scalar(Ty::Ptr(None))),
                    (1, false) => Ok(CType::StructPtr(name)),
                    _ => unsupported(span, "pointers to pointers to structs"),
                };
            }
        }
        let mut words: Vec<String> = vec![];
        let is_modifier = |w: &str| matches!(w, "signed" | "unsigned" | "long" | "short");
        while let Some(Tok::Ident(w)) = c.peek() {
            let w = w.clone();
            // After modifiers only `int`, `char` or `double` continue the
            // type; any other word is the declared name (`unsigned n`).
            let continues = words.is_empty() || is_modifier(&w) || matches!(w.as_str(), "int" | "char" | "double");
            if !continues {
                break;
            }
            c.at += 1;
            let base = !is_modifier(&w);
            words.push(w);
            if base {
                break;
            }
        }
        while c.eat("const") {}
        let span = start..c.toks.get(c.at.saturating_sub(1)).map_or(start, |t| t.1.end);
        if words.is_empty() {
            return Err(Diagnostic::error(c.span(), "expected a type").with_label("here"));
        }
        let spelled = words.join(" ");
        let base = match scalar(&spelled).or_else(|| self.typedefs.get(&spelled).copied()) {
            Some(t) => t,
            None if spelled == "long double" => {
                return Err(Diagnostic::error(span, "`long double` is not supported").with_label("no native type").with_hint("declare it `double` in a C wrapper function"))
            }
            None => {
                return Err(Diagnostic::error(span, format!("unknown type `{spelled}`"))
                    .with_label("not a C scalar type, a struct or a `ctypedef` of this file declared above")
                    .with_hint("pyc-aot knows char, short, int, long, long long (signed and unsigned), size_t, Py_ssize_t, float, double, bint and void, pointers to them, and the structs a .pxd declares"))
            }
        };
        let stars_at = c.span();
        Ok(CType::Scalar(match (Self::stars(c)?, base) {
            (0, t) => t,
            (1, Ty::Void) => Ty::Ptr(None),
            (2, Ty::Void) => Ty::Ptr(Some(crate::types::Elem::VoidPtr)),
            (1, Ty::Bool) => return unsupported(stars_at, "pointers to bint"),
            (1, t) => match crate::types::Elem::of(t) {
                Some(e) => Ty::Ptr(Some(e)),
                None => return unsupported(stars_at, &format!("pointers to {t}")),
            },
            _ => return unsupported(stars_at, "pointers to pointers (other than `void**`)"),
        }))
    }

    /// The `*`s after a base type (each may be followed by `const`).
    fn stars(c: &mut Cursor) -> R<usize> {
        let mut n = 0;
        while c.eat_punct('*') {
            n += 1;
            while c.eat("const") {}
        }
        if c.is_punct('&') {
            return unsupported(c.span(), "C++ references");
        }
        Ok(n)
    }

    /// `[cdef|ctypedef] struct|union Name:` and its fields, one declaration
    /// a line (`int x`, `double a, b`, `Name *next`, `Other inner`); without
    /// the `:` an opaque struct.
    fn structure(&mut self, end: usize) -> R<()> {
        let toks = self.lines[self.at].toks.clone();
        let line_end = self.lines[self.at].end;
        let mut c = Cursor { toks: &toks, at: 0, end: line_end };
        while c.eat("cdef") || c.eat("ctypedef") {}
        let union = c.is("union");
        c.at += 1;
        let (name, at) = c.ident("the struct's name")?;
        self.at += 1;
        if !c.eat_punct(':') {
            c.done()?;
            if self.at < end {
                let span = self.lines[self.at].toks[0].1.clone();
                return Err(Diagnostic::error(span, "unexpected indentation").with_label("a struct declared without `:` has no fields"));
            }
            self.structs.insert(name.clone(), true);
            return self.declare(name, Decl::Opaque, at);
        }
        if c.peek().is_some() {
            return Err(Diagnostic::error(c.span(), "a struct's fields go on indented lines of their own").with_label("after the `:`"));
        }
        if self.at == end {
            return Err(Diagnostic::error(at..at + name.len(), format!("`{name}` needs an indented block of fields")).with_label("no fields"));
        }
        // Declared before its fields, so a field may point to it (`Node *next`).
        self.structs.insert(name.clone(), false);
        let mut fields: Vec<(String, Field)> = vec![];
        while self.at < end {
            let (toks, line_end) = self.line();
            let mut c = Cursor { toks: &toks, at: 0, end: line_end };
            self.at += 1;
            if c.eat("pass") {
                c.done()?;
                continue;
            }
            let ty_at = c.span();
            let field_ty = self.ctype(&mut c)?;
            if Self::at_fn_pointer(&c) {
                // `double (*op)(double, double) noexcept`: one field of that type.
                let CType::Scalar(ret) = field_ty else { return unsupported(ty_at, "function pointer fields returning structs or struct pointers") };
                let at = c.span();
                let (f, sig) = self.fn_declarator(&mut c, ret)?;
                c.done()?;
                let Some(f) = f else { return Err(Diagnostic::error(at, "a function pointer field needs a name").with_label("here: `(*name)`")) };
                self.check_fn_result(ret, at.clone())?;
                if fields.iter().any(|(g, _)| *g == f) {
                    return Err(Diagnostic::error(at, format!("`{name}` has two fields named `{f}`")).with_label("declared again here"));
                }
                fields.push((f, Field::Scalar(Ty::FnPtr(crate::types::FnPtrTy::of(&sig)))));
                continue;
            }
            let field = match field_ty {
                CType::Scalar(Ty::Void) => return Err(Diagnostic::error(ty_at, "a field cannot be void").with_label("void")),
                CType::Scalar(t) => Field::Scalar(t),
                CType::StructPtr(s) => Field::StructPtr(s),
                CType::Struct(s) if s == name => {
                    return Err(Diagnostic::error(ty_at, format!("`{name}` cannot hold itself")).with_label("by value").with_hint(format!("hold a pointer: `{name} *`")))
                }
                CType::Struct(s) => match self.pxd.names.get(&s) {
                    Some((Decl::Struct { fields, union, .. }, _)) => Field::Struct { name: s, fields: fields.clone(), union: *union },
                    _ => return Err(Diagnostic::error(ty_at, format!("`{s}` is used by value before its fields are declared")).with_label("incomplete").with_hint("declare it above, with its fields")),
                },
            };
            loop {
                let (f, f_at) = c.ident("a field name")?;
                if c.is_punct('[') {
                    return unsupported(c.span(), "array fields");
                }
                if c.is_punct('(') {
                    return unsupported(c.span(), "function fields");
                }
                if fields.iter().any(|(g, _)| *g == f) {
                    return Err(Diagnostic::error(f_at..f_at + f.len(), format!("`{name}` has two fields named `{f}`")).with_label("declared again here"));
                }
                fields.push((f, field.clone()));
                if !c.eat_punct(',') {
                    c.done()?;
                    break;
                }
                if c.is_punct('*') {
                    return Err(Diagnostic::error(c.span(), "declare each pointer field on a line of its own")
                        .with_label("a `*` after a `,`")
                        .with_hint("C reads `int *a, *b` and `int *a, b` differently; one field a line says which"));
                }
            }
        }
        if fields.is_empty() {
            return Err(Diagnostic::error(at..at + name.len(), format!("`{name}` has no fields")).with_label("only `pass`"));
        }
        self.declare(name.clone(), Decl::Struct { name, fields, union }, at)
    }

    fn ctypedef(&mut self, end: usize) -> R<()> {
        let toks = self.lines[self.at].toks.clone();
        let line_end = self.lines[self.at].end;
        let mut c = Cursor { toks: &toks, at: 1, end: line_end };
        if c.is("enum") {
            // `ctypedef enum Name:`: members are constants, `Name` an int type.
            return self.enumeration(end, false);
        }
        if c.is("struct") || c.is("union") {
            return self.structure(end);
        }
        if let Some(Tok::Ident(w)) = c.peek() {
            if let Some(what) = unsupported_word(w) {
                return unsupported(c.span(), what);
            }
        }
        let ty = self.ty(&mut c)?;
        if Self::at_fn_pointer(&c) {
            // `ctypedef double (*unary)(double) noexcept nogil`
            let at = c.toks.get(c.at + 2).map_or(c.end, |t| t.1.start);
            let (name, sig) = self.fn_declarator(&mut c, ty)?;
            c.done()?;
            self.at += 1;
            let Some(name) = name else {
                return Err(Diagnostic::error(at..at, "a function pointer `ctypedef` needs a name").with_label("here: `(*name)`"));
            };
            self.check_fn_result(ty, at..at + name.len())?;
            self.fn_types.insert(name.clone(), sig.clone());
            // Also a type of variables and results (`binop_t op`, `binop_t pick(int)`).
            self.typedefs.insert(name.clone(), Ty::FnPtr(crate::types::FnPtrTy::of(&sig)));
            return self.declare(name, Decl::FnType(sig), at);
        }
        let (name, at) = c.ident("the new type's name")?;
        c.done()?;
        self.at += 1;
        self.typedefs.insert(name.clone(), ty);
        self.declare(name, Decl::Type(ty), at)
    }

    /// A function pointer's result: a C scalar, a pointer or void.
    fn check_fn_result(&self, ty: Ty, at: Range<usize>) -> R<()> {
        if ty != Ty::Void && crate::types::Elem::of(ty).is_none() && !matches!(ty, Ty::Ptr(_)) {
            return unsupported(at, &format!("function pointers returning {ty}"));
        }
        Ok(())
    }

    /// `[cdef|cpdef|ctypedef] enum [Name]:` and its members, `A`, `B = 2`, `C, D`.
    fn enumeration(&mut self, end: usize, in_extern: bool) -> R<()> {
        let toks = self.lines[self.at].toks.clone();
        let line_end = self.lines[self.at].end;
        let mut c = Cursor { toks: &toks, at: 0, end: line_end };
        while c.eat("cdef") || c.eat("cpdef") || c.eat("ctypedef") {}
        c.eat("enum");
        let type_name = match c.peek() {
            Some(Tok::Ident(_)) => Some(c.ident("the enum's name")?),
            _ => None,
        };
        c.expect_punct(':')?;
        if let Some((name, at)) = type_name {
            let int = Ty::Int(IntTy { bits: 32, signed: true, checked: false, cname: "int" });
            self.typedefs.insert(name.clone(), int);
            self.declare(name, Decl::Type(int), at)?;
        }
        self.at += 1;
        let mut next = 0i64;
        if c.peek().is_some() {
            // `enum: A = 1, B = 2` on the header line.
            return self.members(&mut c, in_extern, &mut next);
        }
        while self.at < end {
            let toks = self.lines[self.at].toks.clone();
            let line_end = self.lines[self.at].end;
            let mut c = Cursor { toks: &toks, at: 0, end: line_end };
            self.at += 1;
            if c.eat("pass") {
                c.done()?;
                continue;
            }
            self.members(&mut c, in_extern, &mut next)?;
        }
        Ok(())
    }

    /// `A`, `B = 2`, `C = B, D` to the end of the line; `next` is the value
    /// of a member without one (outside extern blocks).
    fn members(&mut self, c: &mut Cursor, in_extern: bool, next: &mut i64) -> R<()> {
        loop {
            let (name, at) = c.ident("an enum member")?;
            let value = if c.eat_punct('=') {
                let negative = c.eat_punct('-');
                match c.toks.get(c.at) {
                    Some((Tok::Int(v), _)) => {
                        c.at += 1;
                        if negative { -v } else { *v }
                    }
                    Some((Tok::Ident(other), span)) => match self.pxd.names.get(other) {
                        Some((Decl::Enum(v), _)) => {
                            c.at += 1;
                            if negative { -v } else { *v }
                        }
                        _ => return Err(Diagnostic::error(span.clone(), format!("`{other}` is not an enum member declared before")).with_label("not a known constant")),
                    },
                    _ => return Err(Diagnostic::error(c.span(), "expected an integer").with_label("here")),
                }
            } else if in_extern {
                return Err(Diagnostic::error(at..at + name.len(), format!("the value of `{name}` is in the C header, which pyc-aot does not read"))
                    .with_label("no value given")
                    .with_hint(format!("write the header's value in the .pxd: `{name} = …`")));
            } else {
                *next
            };
            if i32::try_from(value).is_err() {
                return Err(Diagnostic::error(at..at + name.len(), format!("the value of `{name}` does not fit a C int")).with_label("out of range"));
            }
            *next = value + 1;
            self.declare(name, Decl::Enum(value), at)?;
            if !c.eat_punct(',') || c.peek().is_none() {
                return c.done();
            }
        }
    }
}

/// C's layout of a struct or union held by value (`Field::Struct`; the
/// x86-64 and aarch64 ABIs agree: a scalar aligned to its size, an
/// aggregate to its widest member, its size a multiple of that), as
/// `frontend/structs` passes it: its values in field order (a union's
/// storage words), and every scalar member at its offset.
pub(crate) fn c_struct(f: &Field) -> crate::types::CStruct {
    let mut out = crate::types::CStruct { size: 0, align: 1, values: vec![], members: vec![] };
    let (size, align) = lay_out(f, 0, &mut out.values, &mut out.members);
    out.size = size;
    out.align = align;
    out
}

/// Lays `f` out at `base`: its size and alignment.
fn lay_out(f: &Field, base: u32, values: &mut Vec<(u32, Ty)>, members: &mut Vec<(u32, Ty)>) -> (u32, u32) {
    let scalar = |t: Ty| match t {
        Ty::Int(i) => u32::from(i.bits / 8).max(1),
        Ty::Float(w) => u32::from(w / 8),
        Ty::Bool => 4,
        _ => 8,
    };
    match f {
        Field::Scalar(t) => {
            values.push((base, *t));
            members.push((base, *t));
            (scalar(*t), scalar(*t))
        }
        Field::StructPtr(_) => {
            values.push((base, STRUCT_POINTER));
            members.push((base, STRUCT_POINTER));
            (8, 8)
        }
        Field::Struct { fields, union, .. } => {
            let (mut offset, mut align, mut size) = (0u32, 1u32, 0u32);
            let mut inner_values = vec![];
            for (_, g) in fields {
                // Laid out at 0 to learn its size and alignment, then moved.
                let (mut v, mut m) = (vec![], vec![]);
                let (n, a) = lay_out(g, 0, &mut v, &mut m);
                let at = if *union { 0 } else { offset.div_ceil(a) * a };
                inner_values.extend(v.into_iter().map(|(o, t)| (base + at + o, t)));
                members.extend(m.into_iter().map(|(o, t)| (base + at + o, t)));
                offset = at + n;
                size = size.max(offset);
                align = align.max(a);
            }
            let size = size.div_ceil(align) * align;
            if *union {
                // Its storage: `long long` words enough for it.
                let word = crate::types::cython_scalar("longlong").unwrap_or(Ty::Void);
                values.extend((0..size.div_ceil(8)).map(|w| (base + 8 * w, word)));
            } else {
                values.extend(inner_values);
            }
            (size, align)
        }
    }
}

/// The `cython` module's name of a scalar type a `.pxd` declares.
pub(crate) fn cython_name(t: Ty) -> &'static str {
    match t {
        Ty::Int(i) => match i.cname {
            "unsigned char" => "uchar",
            "short" => "short",
            "unsigned short" => "ushort",
            "int" => "int",
            "unsigned int" => "uint",
            "long" => "long",
            "unsigned long" => "ulong",
            "long long" => "longlong",
            "unsigned long long" => "ulonglong",
            "Py_ssize_t" => "Py_ssize_t",
            "size_t" => "size_t",
            _ => "char",
        },
        Ty::Float(32) => "float",
        Ty::Bool => "bint",
        _ => "double",
    }
}

/// The C spellings of the scalar types (C `long` is 64 bits on the LP64
/// targets pyc-aot builds for).
fn scalar(spelled: &str) -> Option<Ty> {
    let name = match spelled {
        "char" | "signed char" => "char",
        "unsigned char" => "uchar",
        "short" | "short int" | "signed short" | "signed short int" => "short",
        "unsigned short" | "unsigned short int" => "ushort",
        "int" | "signed" | "signed int" => "int",
        "unsigned" | "unsigned int" => "uint",
        "long" | "long int" | "signed long" | "signed long int" => "long",
        "unsigned long" | "unsigned long int" => "ulong",
        "long long" | "long long int" | "signed long long" | "signed long long int" => "longlong",
        "unsigned long long" | "unsigned long long int" => "ulonglong",
        "size_t" => "size_t",
        "Py_ssize_t" | "ssize_t" => "Py_ssize_t",
        "float" => "float",
        "double" => "double",
        "bint" => "bint",
        "void" => "void",
        _ => return None,
    };
    crate::types::cython_scalar(name)
}

#[cfg(test)]
mod tests;
