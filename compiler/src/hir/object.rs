//! The HIR's vocabulary for operations on Python objects: constant objects
//! (made once when the module runs, then loaded borrowed) and the operators
//! that go through the C-API.

use std::fmt;

/// A constant object. `None`, `True` and `False` are the interpreter's
/// statics; the others live in the module's constant table.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjConst {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// A tuple of names: a call's keywords (vectorcall's `kwnames`).
    Names(Vec<String>),
    /// A builtin type (`int`, `float`, …) by its builtin name.
    BuiltinType(String),
    /// The code object of a nested `def` or `lambda`, compiled when the
    /// module runs by the interpreter from `source` (the nested function
    /// inside headers that rebuild its enclosing scopes, lines unchanged:
    /// `frontend/closure.rs`); `freevars` its cells' names, checked.
    Code(NestedCode),
    /// The maker of the natively compiled nested function `FuncId(k)`
    /// (`PlainMethod::nested`): a builtin function the exec slot makes,
    /// called with the closure, defaults and keyword-only defaults (each
    /// None when absent) for a new function object of the module's
    /// function type. The helpers' tuple holds a marker `(None, k)` at its
    /// table slot, which the exec slot overwrites with the maker.
    NativeFunction(u32),
}

/// Where the module's function type keeps a nested function's closure (a
/// tuple of cells, in `co_freevars` order): a native nested body reads its
/// cells from its hidden first parameter, the function object, there.
pub const FUNCTION_CLOSURE_OFFSET: u32 = 64;

/// `ObjOp::CellGet`'s name for a native nested function's free variable
/// (this prefix, then the name): an empty cell raises CPython's NameError
/// for a free variable, not UnboundLocalError.
pub const FREE_VAR_PREFIX: &str = "<free>";

/// What makes a nested function's code object (`ObjConst::Code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedCode {
    pub source: String,
    pub path: String,
    pub future_annotations: bool,
    pub freevars: Vec<String>,
    /// How many scopes down from the module its code is (classes, the
    /// compiled function, itself).
    pub depth: usize,
}

impl ObjConst {
    /// Whether it is one of the interpreter's static objects (no table slot).
    pub fn is_static(&self) -> bool {
        matches!(self, ObjConst::None | ObjConst::Bool(_))
    }

    /// The constant as a Python literal that evaluates to an equal object of
    /// the same type (also its identity in the module's table: `1`, `1.0`
    /// and `-0.0` stay apart).
    pub fn python_literal(&self) -> String {
        match self {
            ObjConst::None => "None".into(),
            ObjConst::Bool(b) => if *b { "True" } else { "False" }.into(),
            ObjConst::Int(i) => i.to_string(),
            ObjConst::Float(f) if f.is_nan() => "float('nan')".into(),
            ObjConst::Float(f) if f.is_infinite() => if *f > 0.0 { "float('inf')" } else { "float('-inf')" }.into(),
            // Rust's shortest round-trip form is valid Python (`1e100`, `0.1`, `-0.0`).
            ObjConst::Float(f) => format!("{f:?}"),
            ObjConst::Str(s) => python_str(s),
            ObjConst::Names(names) => format!("({})", names.iter().map(|n| python_str(n) + ",").collect::<String>()),
            // The helpers' namespace binds no builtin's name: the builtin.
            ObjConst::BuiltinType(name) => name.clone(),
            // A marker the exec slot overwrites, distinct per function (the table is keyed by literal).
            ObjConst::NativeFunction(k) => format!("(None, {k})"),
            ObjConst::Code(NestedCode { source, path, future_annotations, freevars, depth }) => format!(
                "{CODE_HELPER}({}, {}, {}, {depth}, ({}))",
                python_str(source),
                python_str(path),
                if *future_annotations { "True" } else { "False" },
                freevars.iter().map(|n| python_str(n) + ",").collect::<String>()
            ),
        }
    }
}

/// The module helper that makes a nested function's code object
/// (`ObjConst::Code`): its source compiled, the innermost scope's last code
/// constant taken (the nested function's own code is made after its
/// defaults' and decorators' lambdas), `depth` scopes down, its free variables checked.
pub const CODE_HELPER: &str = "__pyc_aot_code";

/// The Python of `CODE_HELPER`, defined before the constants are made.
pub const CODE_HELPER_SOURCE: &str = "
def __pyc_aot_code(source, path, future_annotations, depth, freevars):
    flags = __import__('__future__').annotations.compiler_flag if future_annotations else 0
    code = compile(source, path, 'exec', flags, True)
    for _ in range(depth):
        code = [c for c in code.co_consts if type(c) is type(code)][-1]
    if code.co_freevars != freevars:
        raise SystemError('pyc-aot: the nested function %s of %s has free variables %r, not %r' % (code.co_name, path, code.co_freevars, freevars))
    return code
";

/// `text` as a Python string literal, ASCII only. Rust's `{:?}` is not one:
/// it writes `\u{301}`, a SyntaxError in Python.
pub fn python_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('\'');
    out
}

/// Binary operators on objects (`PyNumber_*`, in place for augmented assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjBinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    And,
    Or,
    Xor,
    MatMul,
}

/// Other operations on objects, each of `ExprKind::ObjOp`'s operands in
/// the order Python evaluates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjOp {
    /// `[obj]`: `obj.name`.
    GetAttr(String),
    /// `[value, obj]`: `obj.name = value` (type `Void`).
    SetAttr(String),
    /// `[obj, key]`: `obj[key]`.
    GetItem,
    /// `[start, stop, step]`: a slice object (`start:stop:step`, None for
    /// what is left out).
    Slice,
    /// `[obj, index]`: `obj[index]` by a C integer (`Py_ssize_t`): a list's
    /// or tuple's item read in place.
    GetItemInt,
    /// `[value, obj, key]`: `obj[key] = value` (type `Void`).
    SetItem,
    /// `[value, obj, index]`: `obj[index] = value` by a C integer
    /// (`Py_ssize_t`): an exact list's item replaced in place (type `Void`).
    SetItemInt,
    /// `[callable, args…, keyword values…]`: a call, the last operands
    /// passed by the keywords named.
    Call { keywords: Vec<String> },
    /// Displays of their items (a dict's: key, value, key, value, …).
    Tuple,
    List,
    Dict,
    Set,
    /// `[obj]`: `len(obj)` (type `Py_ssize_t`).
    Len,
    /// `[obj]`: `iter(obj)` of the builtin (a generator expression's first
    /// iterator, whatever `iter` names where it is).
    GetIter,
    /// `[]`: a module global or, failing that, a builtin, read when it runs
    /// (NameError when neither is bound).
    Global(String),
    /// `[value]`: the module global `name` assigned (`global name` in the
    /// function), in the module's dict (type `Void`).
    SetGlobal(String),
    /// `[value]` or `[value, spec]`: an f-string's `{value!conversion:spec}`
    /// (`conversion` `r`, `s` or `a`; the spec a str).
    Format { conversion: Option<char> },
    /// `[parts…]`: the str parts of an f-string joined.
    JoinStr,
    /// `[value]`: `value` unpacked into `before + after` targets (with
    /// `star`, a list of the rest between them): an exact tuple or list of
    /// exactly that many items, read by index (`value` itself when it is
    /// one, else a tuple the module's helper makes by Python's own
    /// unpacking, with its TypeError/ValueError messages).
    Unpack { before: usize, star: bool, after: usize },
    /// `[callable, values…]`: a call with `*`/`**` unpacking, the values
    /// in the order Python evaluates them, `shape` the call as Python
    /// spells it, each value an `@` (`@`, `*@`, `name=@`, `**@`, joined by
    /// commas), made by the module's helper as Python's own call of that
    /// shape (`mir::HELPER_CALL`).
    CallShaped { shape: String },
    /// `[obj, key]`: `del obj[key]` (type `Void`).
    DelItem,
    /// `[obj]`: `del obj.name` (type `Void`).
    DelAttr(String),
    /// `[mgr]`: `mgr.__enter__()` as `with` calls it: `__enter__` then
    /// `__exit__` looked up on the type (`_PyObject_LookupSpecial`),
    /// `__exit__` assigned to the object local `exit` (a function of the
    /// class left unbound: the bint local `unbound` says so), then
    /// `__enter__` called (a function of the class with `mgr` first: no
    /// bound method either way); a missing one raises the interpreter's
    /// own error (`mir::HELPER_WITH_ERROR`).
    WithEnter { exit: super::LocalId, unbound: super::LocalId },
    /// `[exit, unbound, mgr, args…]`: what `WithEnter` put in `exit` called
    /// with `args` (`mgr` first when `unbound`).
    CallExit,
    /// `[obj]`: `type(obj)`.
    Type,
    /// `[]` or `[value]`: a new cell, empty or holding `value`, for a
    /// variable nested functions capture (`frontend/closure.rs`).
    CellNew,
    /// `[cell]`: the cell's value, UnboundLocalError for the variable
    /// `name` when it is empty.
    CellGet(String),
    /// `[value, cell]`: the cell's value replaced (type `Void`).
    CellSet,
    /// A nested `def` or `lambda` made: `PyFunction_NewWithQualName` of the
    /// code constant in the module's globals, then the operands present, in
    /// this order: the closure (a tuple of cells), the defaults (a tuple),
    /// the keyword-only defaults (a dict), the annotations (a dict).
    MakeFunction { code: NestedCode, qualname: String, closure: bool, defaults: bool, kwdefaults: bool, annotations: bool },
    /// `[]`: the class the method was defined in, what zero-argument
    /// `super()` and `__class__` read (a new reference).
    DefiningClass(ClassRef),
}

/// What reads a plain method's `__class__` cell, which decides CPython's
/// error when the cell is still empty (the method called while its class
/// body runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassRead {
    /// `__class__`: NameError for the free variable.
    Name,
    /// `super()`: `RuntimeError: super(): empty __class__ cell`.
    Super,
    /// `super().attr` or `super().m(…)`: Python 3.12+ reads the cell
    /// itself first (`LOAD_SUPER_ATTR`), a NameError; earlier ones as `Super`.
    SuperAttr,
}

/// Where a compiled function finds its defining class (`ObjOp::DefiningClass`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassRef {
    /// The module's extension type of that name, from its slot.
    Ext(String),
    /// A plain class's compiled method `qualname`: the `__class__` cell its
    /// class body made (as for the Python methods there), which the
    /// residual's binding line stores in the holder cell the module keeps
    /// for the method (`PlainMethod::class_cell`); `read` says which error
    /// an empty cell raises.
    Plain { qualname: String, read: ClassRead },
    /// No defining class: RuntimeError with CPython's message for
    /// `super()` there (`super(): no arguments`, `super(): __class__ cell not found`).
    Missing(String),
}

/// A list, set or dict comprehension (`mir/build/body/object.rs` builds
/// it as loops appending to the new container).
#[derive(Debug, Clone)]
pub struct Comprehension {
    pub kind: CompKind,
    pub generators: Vec<CompFor>,
    /// The item (a dict's key), then a dict's value; objects.
    pub elt: super::Expr,
    pub value: Option<super::Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    /// `any(…)`/`all(…)` of a generator expression: the item is a `bint`
    /// condition; the loops stop at the first true (`any`) or false
    /// (`all`) one, and the result is True or False.
    Any,
    All,
}

/// `for target in iter if conds…`: `target` an object local of the
/// comprehension's own (not the function's variable of that name), the
/// conditions bints.
#[derive(Debug, Clone)]
pub struct CompFor {
    pub target: super::LocalId,
    /// A pattern target's unpacking of `target` into the comprehension's
    /// own locals (empty for one name), run before the conditions.
    pub unpack: Vec<super::Stmt>,
    pub iter: super::Expr,
    pub conds: Vec<super::Expr>,
}

impl Comprehension {
    /// Its expressions in the order they are evaluated (each generator's
    /// iterable, then its conditions; the item, the value).
    pub fn exprs(&self) -> Vec<&super::Expr> {
        let mut v = vec![];
        for g in &self.generators {
            v.push(&g.iter);
            for s in &g.unpack {
                if let super::StmtKind::Assign(pairs) = &s.kind {
                    v.extend(pairs.iter().map(|(_, e)| e));
                }
            }
            v.extend(&g.conds);
        }
        v.push(&self.elt);
        v.extend(self.value.as_ref());
        v
    }

    pub fn exprs_mut(&mut self) -> Vec<&mut super::Expr> {
        let mut v = vec![];
        for g in &mut self.generators {
            v.push(&mut g.iter);
            for s in &mut g.unpack {
                if let super::StmtKind::Assign(pairs) = &mut s.kind {
                    v.extend(pairs.iter_mut().map(|(_, e)| e));
                }
            }
            v.extend(g.conds.iter_mut());
        }
        v.push(&mut self.elt);
        v.extend(self.value.as_mut());
        v
    }
}

/// `try` with its `except` clauses, `else` and `finally`
/// (`mir/build/body/exception.rs` builds it).
#[derive(Debug, Clone)]
pub struct Try {
    pub body: Vec<super::Stmt>,
    pub handlers: Vec<Handler>,
    pub orelse: Vec<super::Stmt>,
    /// `None`: no `finally` clause.
    pub finalbody: Option<Vec<super::Stmt>>,
}

/// `except types as name:` (`types` absent: a bare `except:`).
#[derive(Debug, Clone)]
pub struct Handler {
    /// An object: a class or a tuple of classes.
    pub types: Option<super::Expr>,
    /// The object local `as name` binds (unbound again when the clause ends).
    pub name: Option<super::LocalId>,
    pub body: Vec<super::Stmt>,
    pub line: u32,
}

impl Try {
    /// Its blocks in the order they appear.
    pub fn blocks(&self) -> Vec<&Vec<super::Stmt>> {
        let mut v = vec![&self.body];
        v.extend(self.handlers.iter().map(|h| &h.body));
        v.push(&self.orelse);
        v.extend(self.finalbody.as_ref());
        v
    }

    pub fn blocks_mut(&mut self) -> Vec<&mut Vec<super::Stmt>> {
        let mut v = vec![&mut self.body];
        v.extend(self.handlers.iter_mut().map(|h| &mut h.body));
        v.push(&mut self.orelse);
        v.extend(self.finalbody.as_mut());
        v
    }
}

/// Unary operators on objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjUnOp {
    Neg,
    Pos,
    Invert,
    /// `abs(o)` of an object (the builtin, not shadowed).
    Abs,
}

impl fmt::Display for ObjConst {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.python_literal())
    }
}

#[cfg(test)]
mod tests {
    use super::ObjConst;

    #[test]
    fn literals_keep_type_and_value() {
        assert_eq!(ObjConst::Int(-(1i128 << 100)).python_literal(), "-1267650600228229401496703205376");
        assert_eq!(ObjConst::Float(1.0).python_literal(), "1.0");
        assert_eq!(ObjConst::Float(-0.0).python_literal(), "-0.0");
        assert_eq!(ObjConst::Float(1e100).python_literal(), "1e100");
        assert_eq!(ObjConst::Float(f64::NEG_INFINITY).python_literal(), "float('-inf')");
        assert_eq!(ObjConst::Str("it's\n\u{e9}".into()).python_literal(), "'it\\'s\\x0a\\xe9'");
        assert_eq!(ObjConst::Names(vec!["a".into()]).python_literal(), "('a',)");
    }
}
