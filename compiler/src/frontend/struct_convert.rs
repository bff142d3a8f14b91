//! Where a struct or a ctuple meets Python objects, Cython converts it; this
//! file writes those conversions as syntax (so typing, reference counts and
//! exception edges are the ordinary ones), in the order and with the
//! messages of Cython 3's own conversion code (`Utility/CConvert.pyx`,
//! `FromPyCTupleUtility`):
//!
//! - a mapping to a struct: every key looked up first (`obj['x']`, a missing
//!   one `ValueError: No value specified for struct attribute 'x'`, raised
//!   after the lookups so no `KeyError` is its context), then each value
//!   converted to its field's type; anything without `__getitem__` is
//!   `TypeError: Expected a mapping, got T`;
//! - a sequence to a ctuple: an exact tuple or list of the right length
//!   read in place, else `Expected a sequence of size n, got T` (no
//!   `__getitem__`, or a dict) or `… got size m`, then items converted in order;
//! - a struct to a dict `{field: value}`, a ctuple to a tuple.
//!
//! The builtins named here are looked up as globals; `uses_builtins_freely`
//! says whether nothing in the module or the function rebinds them.

use crate::syntax::{BinOp, BoolOp, CmpOp, ExceptHandler, Expr, ExprKind, FunctionDef, Keyword, Span, Stmt, StmtKind, UnaryOp};
use std::collections::HashSet;

/// The builtins the conversions call or raise.
const BUILTINS: [&str; 12] = ["isinstance", "hasattr", "type", "dict", "tuple", "list", "len", "str", "repr", "KeyError", "ValueError", "TypeError"];

/// Whether neither the module nor the function binds any name the
/// conversions use as a builtin.
pub(super) fn uses_builtins_freely(module_names: &HashSet<String>, f: &FunctionDef) -> bool {
    let mut names: Vec<String> = f.params.iter().map(|p| p.name.clone()).collect();
    f.body.iter().for_each(|s| crate::syntax::bound_names(s, &mut names));
    !BUILTINS.iter().any(|b| module_names.contains(*b) || names.iter().any(|n| n == b))
}

/// Syntax made at one source span.
pub(super) struct At<'s>(pub &'s Span);

impl At<'_> {
    fn e(&self, kind: ExprKind) -> Expr {
        Expr { kind, span: self.0.clone() }
    }
    fn s(&self, kind: StmtKind) -> Stmt {
        Stmt { kind, span: self.0.clone() }
    }
    pub fn name(&self, n: &str) -> Expr {
        self.e(ExprKind::Name(n.to_string()))
    }
    pub fn str(&self, v: &str) -> Expr {
        self.e(ExprKind::Str(v.to_string()))
    }
    pub fn int(&self, v: i64) -> Expr {
        self.e(ExprKind::Int(Some(i128::from(v))))
    }
    pub fn call(&self, f: Expr, args: Vec<Expr>) -> Expr {
        self.e(ExprKind::Call { func: Box::new(f), args, keywords: Vec::<Keyword>::new() })
    }
    fn builtin(&self, f: &str, args: Vec<Expr>) -> Expr {
        self.call(self.name(f), args)
    }
    fn attr(&self, v: Expr, a: &str) -> Expr {
        self.e(ExprKind::Attribute { value: Box::new(v), attr: a.to_string() })
    }
    pub fn item(&self, v: Expr, i: Expr) -> Expr {
        self.e(ExprKind::Subscript { value: Box::new(v), index: Box::new(i) })
    }
    fn bin(&self, l: Expr, op: BinOp, r: Expr) -> Expr {
        self.e(ExprKind::BinOp { left: Box::new(l), op, right: Box::new(r) })
    }
    fn cmp(&self, l: Expr, op: CmpOp, r: Expr) -> Expr {
        self.e(ExprKind::Compare { left: Box::new(l), ops: vec![op], comparators: vec![r] })
    }
    fn bool(&self, op: BoolOp, values: Vec<Expr>) -> Expr {
        self.e(ExprKind::BoolOp { op, values })
    }
    fn not(&self, e: Expr) -> Expr {
        self.e(ExprKind::UnaryOp { op: UnaryOp::Not, operand: Box::new(e) })
    }
    pub fn assign(&self, t: Expr, v: Expr) -> Stmt {
        self.s(StmtKind::Assign { targets: vec![t], value: v })
    }
    pub fn declare(&self, t: &str, ty: Expr) -> Stmt {
        self.s(StmtKind::AnnAssign { target: self.name(t), annotation: ty, value: None })
    }
    fn if_(&self, test: Expr, body: Vec<Stmt>, orelse: Vec<Stmt>) -> Stmt {
        self.s(StmtKind::If { test, body, orelse })
    }
    fn raise(&self, cls: &str, msg: Expr) -> Stmt {
        self.s(StmtKind::Raise { exc: Some(self.builtin(cls, vec![msg])), cause: None })
    }
    pub fn ret(&self, v: Option<Expr>) -> Stmt {
        self.s(StmtKind::Return(v))
    }
    pub fn expr_stmt(&self, e: Expr) -> Stmt {
        self.s(StmtKind::Expr(e))
    }

    /// The name CPython's `tp_name` gives `type(o)` (Cython's messages use
    /// it): a class's `__name__`, a static type's `module.name` unless the
    /// module is `builtins`.
    fn type_name(&self, o: &Expr) -> Expr {
        let t = || self.builtin("type", vec![o.clone()]);
        let heap = self.bin(self.attr(t(), "__flags__"), BinOp::BitAnd, self.int(1 << 9));
        let builtin = self.cmp(self.attr(t(), "__module__"), CmpOp::Eq, self.str("builtins"));
        let dotted = self.bin(self.bin(self.attr(t(), "__module__"), BinOp::Add, self.str(".")), BinOp::Add, self.attr(t(), "__name__"));
        let test = self.bool(BoolOp::Or, vec![heap, builtin]);
        self.e(ExprKind::IfExp { test: Box::new(test), body: Box::new(self.attr(t(), "__name__")), orelse: Box::new(dotted) })
    }

    /// `type(o)` has `__getitem__` (CPython's mapping and sequence checks,
    /// as far as Python can see them).
    fn subscriptable(&self, o: &Expr) -> Expr {
        self.builtin("hasattr", vec![self.builtin("type", vec![o.clone()]), self.str("__getitem__")])
    }

    fn is_instance(&self, o: &Expr, t: &str) -> Expr {
        self.builtin("isinstance", vec![o.clone(), self.name(t)])
    }

    /// The statements looking up each of `fields` in mapping `src`, and the
    /// hidden locals (named from `tmp`) holding the values, to convert next.
    pub fn from_mapping(&self, src: &Expr, fields: &[String], tmp: &str) -> (Vec<Stmt>, Vec<Expr>) {
        let not_mapping = self.bool(BoolOp::And, vec![self.not(self.is_instance(src, "dict")), self.not(self.subscriptable(src))]);
        let msg = self.bin(self.str("Expected a mapping, got "), BinOp::Add, self.type_name(src));
        let (miss, key) = (format!("{tmp}.miss"), format!("{tmp}.key"));
        let value = |i: usize| format!("{tmp}.v{i}");
        let mut lookups = vec![];
        for (i, f) in fields.iter().enumerate() {
            lookups.push(self.assign(self.name(&key), self.int(i as i64)));
            lookups.push(self.assign(self.name(&value(i)), self.item(src.clone(), self.str(f))));
        }
        let handler = ExceptHandler { types: Some(self.name("KeyError")), name: None, body: vec![self.assign(self.name(&miss), self.e(ExprKind::Bool(true)))], span: self.0.clone() };
        let missing = |f: &str| self.raise("ValueError", self.str(&format!("No value specified for struct attribute '{f}'")));
        // The key that failed is the last one tried: one `if` per key but the last.
        let mut which = vec![];
        for (i, f) in fields.iter().enumerate().rev() {
            which = if which.is_empty() { vec![missing(f)] } else { vec![self.if_(self.cmp(self.name(&key), CmpOp::Eq, self.int(i as i64)), vec![missing(f)], which)] };
        }
        let out = vec![
            self.if_(not_mapping, vec![self.raise("TypeError", msg)], vec![]),
            self.assign(self.name(&miss), self.e(ExprKind::Bool(false))),
            self.s(StmtKind::Try { body: lookups, handlers: vec![handler], orelse: vec![], finalbody: vec![], has_finally: false }),
            self.if_(self.name(&miss), which, vec![]),
        ];
        (out, (0..fields.len()).map(|i| self.name(&value(i))).collect())
    }

    /// The statements storing the one value mapping `src` gives a union
    /// into its field's place, as Cython's `FromPyUnionUtility` does (its
    /// quirks too: a second key found, or keys left over once the fields
    /// are tried, is "More than one union attribute passed").
    pub fn from_union_mapping(&self, src: &Expr, fields: &[String], places: Vec<Expr>, tmp: &str) -> Vec<Stmt> {
        let not_mapping = self.bool(BoolOp::And, vec![self.not(self.is_instance(src, "dict")), self.not(self.subscriptable(src))]);
        let msg = self.bin(self.str("Expected a mapping, got "), BinOp::Add, self.type_name(src));
        let (last, repeated, length, done) = (format!("{tmp}.last"), format!("{tmp}.rep"), format!("{tmp}.len"), format!("{tmp}.done"));
        let mut out = vec![
            self.if_(not_mapping, vec![self.raise("TypeError", msg)], vec![]),
            self.assign(self.name(&last), self.e(ExprKind::NoneLit)),
            self.assign(self.name(&repeated), self.e(ExprKind::NoneLit)),
            self.assign(self.name(&length), self.builtin("len", vec![src.clone()])),
            self.assign(self.name(&done), self.e(ExprKind::Bool(false))),
        ];
        for (f, place) in fields.iter().zip(places) {
            let second = vec![self.assign(self.name(&repeated), self.str(f)), self.assign(self.name(&length), self.int(0))];
            let first = vec![
                self.assign(place, self.item(src.clone(), self.str(f))),
                self.assign(self.name(&length), self.bin(self.name(&length), BinOp::Sub, self.int(1))),
                self.if_(self.cmp(self.name(&length), CmpOp::Eq, self.int(0)), vec![self.assign(self.name(&done), self.e(ExprKind::Bool(true)))], vec![]),
                self.assign(self.name(&last), self.str(f)),
            ];
            let found = self.if_(self.cmp(self.name(&last), CmpOp::IsNot, self.e(ExprKind::NoneLit)), second, first);
            let present = self.if_(self.cmp(self.str(f), CmpOp::In, src.clone()), vec![found], vec![]);
            out.push(self.if_(self.cmp(self.name(&length), CmpOp::NotEq, self.int(0)), vec![present], vec![]));
        }
        let none = self.raise("ValueError", self.str(&format!("No value specified for any of the union attributes ({})", fields.join(", "))));
        let both = self.bin(
            self.bin(self.bin(self.str("More than one union attribute passed: "), BinOp::Add, self.builtin("repr", vec![self.name(&last)])), BinOp::Add, self.str(" and ")),
            BinOp::Add,
            self.builtin("repr", vec![self.name(&repeated)]),
        );
        let fail = self.if_(self.cmp(self.name(&last), CmpOp::Is, self.e(ExprKind::NoneLit)), vec![none], vec![self.raise("ValueError", both)]);
        out.push(self.if_(self.not(self.name(&done)), vec![fail], vec![]));
        out
    }

    /// The statements storing sequence `src`'s items into `places`.
    pub fn from_sequence(&self, src: &Expr, places: Vec<Expr>) -> Vec<Stmt> {
        let n = places.len() as i64;
        let exact = self.bool(BoolOp::Or, vec![self.is_instance(src, "tuple"), self.is_instance(src, "list")]);
        let len = || self.builtin("len", vec![src.clone()]);
        let fits = self.bool(BoolOp::And, vec![exact, self.cmp(len(), CmpOp::Eq, self.int(n))]);
        let not_seq = self.bool(BoolOp::Or, vec![self.is_instance(src, "dict"), self.not(self.subscriptable(src))]);
        let prefix = format!("Expected a sequence of size {n}, got ");
        let checks = vec![
            self.if_(not_seq, vec![self.raise("TypeError", self.bin(self.str(&prefix), BinOp::Add, self.type_name(src)))], vec![]),
            self.if_(
                self.cmp(len(), CmpOp::NotEq, self.int(n)),
                vec![self.raise("TypeError", self.bin(self.str(&format!("{prefix}size ")), BinOp::Add, self.builtin("str", vec![len()])))],
                vec![],
            ),
        ];
        let mut out = vec![self.if_(self.not(fits), checks, vec![])];
        out.extend(places.into_iter().enumerate().map(|(i, p)| self.assign(p, self.item(src.clone(), self.int(i as i64)))));
        out
    }

    /// `{field: value, …}`.
    pub fn dict(&self, fields: &[String], values: Vec<Expr>) -> Expr {
        self.e(ExprKind::Dict(fields.iter().map(|f| self.str(f)).zip(values).collect()))
    }

    /// `(value, …)`.
    pub fn tuple(&self, values: Vec<Expr>) -> Expr {
        self.e(ExprKind::Tuple(values))
    }
}
