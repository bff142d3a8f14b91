//! Expressions typed into HIR: literals, names, operators (arithmetic, bits,
//! unary, comparisons, `and`/`or`), conditional expressions and attribute
//! reads.

use crate::frontend::vocab::{self, MathItem};
use crate::frontend::{error, fallback, Binding, Problem};
use crate::diag::Diagnostic;
use crate::hir::{self, ArithOp, CmpOp, Const, ExprKind as H, UnOp};
use crate::syntax::{self, BinOp, Expr, ExprKind, Span};
use crate::types::{Ty, F64};

use super::{Checker, R};
use super::convert::{convert, literal_join};
use super::literals::{const_of, fold_literals, exact_literal, wide_literal_operand};

impl<'c, 'a> Checker<'c, 'a> {
    pub(super) fn cond(&mut self, e: &Expr) -> R<hir::Expr> {
        if let Some(test) = self.object_chain_condition(e)? {
            return Ok(test);
        }
        if let ExprKind::BoolOp { op, values } = &e.kind {
            let mut vs = vec![];
            for v in values {
                vs.push(self.expr(v)?);
            }
            // Objects and pointers (`while p and p.x > 0:`): each operand's
            // truth value, as C's `&&`/`||` take a pointer's.
            if vs.iter().any(|v| v.ty == Ty::Object || v.ty.is_pointer()) {
                return self.object_condition(*op, vs, values, &e.span);
            }
            let v = self.bool_op(*op, vs, values, &e.span)?;
            return self.truthy(v, &e.span);
        }
        let v = self.expr(e)?;
        self.truthy(v, &e.span)
    }

    /// Types an operand, turning a string or None literal into a clear type error later.
    pub(super) fn operand(&mut self, e: &Expr) -> R<hir::Expr> {
        self.expr(e)
    }

    pub(super) fn expr(&mut self, e: &Expr) -> R<hir::Expr> {
        if let ExprKind::Attribute { value, .. } = &e.kind {
            self.super_attr_base = Some(value.span.start);
        }
        match &e.kind {
            ExprKind::Name(n) => self.name(n, &e.span),
            ExprKind::Int(Some(v)) => {
                if let Ok(v) = i64::try_from(*v) {
                    Ok(hir::Expr::konst(Const::Int(v), Ty::py_int()))
                } else if let Ok(v) = u64::try_from(*v) {
                    let t = crate::types::cython_scalar("ulonglong").unwrap_or(Ty::py_int());
                    Ok(hir::Expr::konst(Const::Int(v as i64), t))
                } else {
                    // A Python int, as in Python.
                    Ok(super::object::konst(hir::ObjConst::Int(*v)))
                }
            }
            ExprKind::Int(None) => fallback(&e.span, "it uses an integer literal wider than 64 bits"),
            ExprKind::Float(f) => Ok(hir::Expr::konst(Const::Float(*f), F64)),
            // `3j`: a C double complex, as Cython types the literal.
            ExprKind::Imag(f) => Ok(hir::Expr {
                kind: H::ComplexMake(Box::new(hir::Expr::konst(Const::Float(0.0), F64)), Box::new(hir::Expr::konst(Const::Float(*f), F64))),
                ty: Ty::Complex,
            }),
            ExprKind::Bool(b) => Ok(hir::Expr::konst(Const::Bool(*b), Ty::Bool)),
            ExprKind::NoneLit => Ok(super::object::konst(hir::ObjConst::None)),
            ExprKind::Str(s) => Ok(super::object::konst(hir::ObjConst::Str(s.clone()))),
            ExprKind::Ellipsis => fallback(&e.span, "it uses `...` as a value"),
            ExprKind::BinOp { left, op, right } => {
                if let (BinOp::Mod, ExprKind::Str(fmt), ExprKind::Tuple(items)) = (op, &left.kind, &right.kind) {
                    if let Some(joined) = self.percent_format(fmt, items)? {
                        return Ok(joined);
                    }
                }
                if let (BinOp::Mod, ExprKind::Str(_), ExprKind::Name(_)) = (op, &left.kind, &right.kind) {
                    if let Some(joined) = self.percent_of_one(left, right)? {
                        return Ok(joined);
                    }
                }
                self.check_str_operands(left, *op, right, &e.span)?;
                // Outside int64 the operations themselves raise OverflowError,
                // as a compiled `int` does for a result outside int64.
                if let Some(v) = exact_literal(e).filter(|v| i64::try_from(*v).is_ok()) {
                    return Ok(hir::Expr::konst(Const::Int(v as i64), Ty::py_int()));
                }
                // An operand of literals in [2**63, 2**64) is typed as that
                // literal written out would be, for `wide_literal_operand`.
                let mut operand = |x: &Expr| match exact_literal(x).and_then(|v| u64::try_from(v).ok()).filter(|v| *v > i64::MAX as u64) {
                    Some(_) if matches!(x.kind, ExprKind::Int(_)) => self.expr(x),
                    Some(v) => self.expr(&Expr { kind: ExprKind::Int(Some(v as i128)), span: x.span.clone() }),
                    None => self.expr(x),
                };
                let l = operand(left)?;
                let r = operand(right)?;
                match wide_literal_operand(*op, l, r, &e.span)? {
                    Ok(rewritten) => Ok(rewritten),
                    Err((l, r)) => self.binop(*op, l, r, &e.span),
                }
            }
            ExprKind::UnaryOp { op: syntax::UnaryOp::Neg, operand } if matches!(operand.kind, ExprKind::Int(Some(_))) => {
                // `-9223372036854775808` is one literal to a reader, not the negation of an overflowing one.
                match (&operand.kind, const_of(e)) {
                    (_, Some(Const::Int(v))) => Ok(hir::Expr::konst(Const::Int(v), Ty::py_int())),
                    (ExprKind::Int(Some(v)), _) if -*v == i64::MIN as i128 => Ok(hir::Expr::konst(Const::Int(i64::MIN), Ty::py_int())),
                    (ExprKind::Int(Some(v)), _) => Ok(super::object::konst(hir::ObjConst::Int(-*v))),
                    _ => fallback(&e.span, "it uses an integer literal wider than 64 bits"),
                }
            }
            ExprKind::UnaryOp { op, operand } => {
                if let Some(v) = exact_literal(e).filter(|v| i64::try_from(*v).is_ok()) {
                    return Ok(hir::Expr::konst(Const::Int(v as i64), Ty::py_int()));
                }
                let v = self.expr(operand)?;
                self.unary(*op, v, &e.span)
            }
            ExprKind::BoolOp { op, values } => {
                let mut vs = vec![];
                for v in values {
                    vs.push(self.expr(v)?);
                }
                self.bool_op(*op, vs, values, &e.span)
            }
            ExprKind::Compare { left, ops, comparators } => {
                // Python compares exactly with an int outside int64; natively
                // that literal cannot even be loaded, so such a test stays Python.
                let wide = std::iter::once(&**left).chain(comparators).find_map(|x| {
                    let v = exact_literal(x).or(match x.kind { ExprKind::Int(None) => Some(i128::MAX), _ => None })?;
                    i64::try_from(v).is_err().then_some(x)
                });
                if let Some(x) = wide {
                    return fallback(&x.span, "it compares with an integer literal outside int64");
                }
                self.compare(left, ops, comparators, &e.span)
            }
            ExprKind::Call { .. } if self.any_all_kind(e).is_some() => match self.any_all_kind(e) {
                Some(kind) => self.any_all_call(e, kind),
                None => fallback(&e.span, "it calls with a generator expression"),
            },
            ExprKind::Call { .. } if self.genexpr_call(e).is_some() => match self.genexpr_call(e) {
                Some(call) => self.expr(&call),
                None => fallback(&e.span, "it calls with a generator expression"),
            },
            ExprKind::Call { func, args, keywords } => self.call(e, func, args, keywords),
            ExprKind::IfExp { test, body, orelse } => {
                let cond = self.cond(test)?;
                let a = self.expr(body)?;
                let b = self.expr(orelse)?;
                // Types only: cloning the arms made conditional chains quadratic.
                let ty = match (a.ty, b.ty) {
                    // A function pointer and a `@cfunc`'s name: the name is
                    // its address (coerced, so its signature is checked).
                    (f @ Ty::FnPtr(_), Ty::Object) if matches!(orelse.kind, ExprKind::Name(_)) => f,
                    (Ty::Object, f @ Ty::FnPtr(_)) if matches!(body.kind, ExprKind::Name(_)) => f,
                    (a, b) => self.join_tys(&[a, b], &e.span)?,
                };
                let a = self.coerce(a, ty, &body.span, "operand")?;
                let b = self.coerce(b, ty, &orelse.span, "operand")?;
                Ok(hir::Expr { kind: H::IfExp { cond: Box::new(cond), then: Box::new(a), orelse: Box::new(b), select: false }, ty })
            }
            ExprKind::Attribute { value, attr } if matches!(attr.as_str(), "real" | "imag") && self.complex_local(value).is_some() => {
                let z = self.complex_local(value).ok_or_else(|| Problem::Fallback { span: e.span.clone(), reason: "a complex local".into() })?;
                Ok(hir::Expr { kind: H::ComplexPart(Box::new(z), attr == "imag"), ty: F64 })
            }
            ExprKind::Attribute { value, attr } if self.field_load(value, attr).is_some() => {
                self.field_load(value, attr).ok_or_else(|| Problem::Fallback { span: e.span.clone(), reason: "a cclass field".into() })
            }
            ExprKind::Attribute { value, attr } => match self.view_local(value) {
                Some((_, v)) => match attr.as_str() {
                    "ndim" => Ok(hir::Expr::konst(Const::Int(v.ndim as i64), Ty::py_int())),
                    _ => fallback(&e.span, format!("it uses the memoryview attribute `{attr}` as a value")),
                },
                None => match self.cx.binding_of(e) {
                    Some(Binding::CythonAttr(a)) if a == "compiled" => Ok(hir::Expr::konst(Const::Bool(true), Ty::Bool)),
                    Some(Binding::CythonAttr(a)) if a == "NULL" => Ok(Self::null()),
                    Some(Binding::MathAttr(a)) => match vocab::python_math(&a) {
                        Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                        Some(_) => fallback(&e.span, format!("it uses `math.{a}` as a value")),
                        None if vocab::is_python_math_name(&a) => fallback(&e.span, format!("it uses `math.{a}` as a value")),
                        // CPython raises AttributeError only when this runs.
                        None => fallback(&e.span, format!("`math.{a}` is not a name of `math`")),
                    },
                    Some(Binding::LibcMathAttr(a)) => match vocab::libc_math(&a) {
                        Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                        _ => fallback(&e.span, format!("it uses `{a}` from libc.math as a value")),
                    },
                    Some(Binding::CDecl(d)) => self.c_value(&d, self.cx.source_text(&e.span), &e.span),
                    _ => self.object_attribute(e, value, attr),
                },
            },
            ExprKind::Subscript { .. } if self.c_array_flat(e).is_some() => match self.c_array_flat(e) {
                Some(flat) => self.expr(&flat),
                None => fallback(&e.span, "it indexes a C array"),
            },
            ExprKind::Subscript { value, index } => match self.ptr_subscript(value, index, &e.span)? {
                Some(load) => Ok(load),
                None => self.subscript(e, value, index),
            },
            ExprKind::Slice { .. } => fallback(&e.span, "it uses a slice"),
            ExprKind::Tuple(items) => self.display(hir::ObjOp::Tuple, &items.iter().collect::<Vec<_>>()),
            ExprKind::List(items) => self.display(hir::ObjOp::List, &items.iter().collect::<Vec<_>>()),
            ExprKind::Set(items) => self.display(hir::ObjOp::Set, &items.iter().collect::<Vec<_>>()),
            ExprKind::Dict(pairs) => self.display(hir::ObjOp::Dict, &pairs.iter().flat_map(|(k, v)| [k, v]).collect::<Vec<_>>()),
            ExprKind::Starred(_) => fallback(&e.span, "it uses `*` unpacking"),
            ExprKind::Other(what) => fallback(&e.span, format!("it uses {what}")),
            ExprKind::Lambda(f) => self.make_function(f, &e.span),
            ExprKind::Yield(_) => fallback(&e.span, "it uses `yield`"),
            ExprKind::FString(parts) => self.fstring(parts, &e.span),
            ExprKind::Comp { kind, elt, value, generators } => self.comprehension(*kind, elt, value.as_deref(), generators, &e.span),
            ExprKind::Named { target, value } => self.named(target, value, &e.span),
        }
    }

    /// `a and b …` / `a or b …` of typed operands: the deciding operand's
    /// value, of the operands' joined type.
    fn bool_op(&mut self, op: syntax::BoolOp, vs: Vec<hir::Expr>, values: &[Expr], span: &Span) -> R<hir::Expr> {
        let ty = self.join_all(&vs, span)?;
        let mut vs: Vec<hir::Expr> =
            vs.into_iter().zip(values).map(|(v, s)| self.coerce(v, ty, &s.span, "operand")).collect::<R<_>>()?;
        let join = |a: hir::Expr, b: hir::Expr| {
            let kind = match op {
                syntax::BoolOp::And => H::And(Box::new(a), Box::new(b)),
                syntax::BoolOp::Or => H::Or(Box::new(a), Box::new(b)),
            };
            hir::Expr { kind, ty }
        };
        // `and`/`or` are associative (value and evaluation order), so
        // a long chain becomes a balanced tree: every later pass
        // recurses log2(n) deep instead of n (365,000 operands are
        // valid Python). Short chains keep the usual right nesting.
        const BALANCE_FROM: usize = 64;
        while vs.len() > BALANCE_FROM {
            let mut paired = Vec::with_capacity(vs.len() / 2 + 1);
            let mut it = vs.into_iter();
            while let Some(a) = it.next() {
                paired.push(match it.next() {
                    Some(b) => join(a, b),
                    None => a,
                });
            }
            vs = paired;
        }
        let Some(mut acc) = vs.pop() else {
            return fallback(span, "it has an `and`/`or` without operands");
        };
        while let Some(v) = vs.pop() {
            acc = join(v, acc);
        }
        Ok(acc)
    }

    /// `and`/`or` of operands some of which are objects, as a condition:
    /// each operand's truth value, in order, as far as Python evaluates them.
    fn object_condition(&mut self, op: syntax::BoolOp, vs: Vec<hir::Expr>, values: &[Expr], span: &Span) -> R<hir::Expr> {
        let tests: Vec<hir::Expr> = vs.into_iter().zip(values).map(|(v, s)| self.truthy(v, &s.span)).collect::<R<_>>()?;
        self.bool_op(op, tests, values, span)
    }

    /// `e` when it names a local typed C double complex (`z.real`, `z.imag`
    /// and `z.conjugate()` on its parts; on other complex values those box).
    pub(super) fn complex_local(&mut self, e: &Expr) -> Option<hir::Expr> {
        let ExprKind::Name(n) = &e.kind else { return None };
        if self.cells.contains_key(n) || !self.local_names.contains(n) || self.local_ty(n) != Some(Ty::Complex) {
            return None;
        }
        let id = self.local_id(n, Ty::Complex);
        Some(hir::Expr::local(id, Ty::Complex))
    }

    pub(super) fn name(&mut self, n: &str, span: &Span) -> R<hir::Expr> {
        if let Some(&cell) = self.cells.get(n).filter(|_| self.cell_reads.contains(n)) {
            return Ok(self.cell_get(n, cell));
        }
        if self.local_names.contains(n) {
            return match self.local_ty(n) {
                Some(t) => {
                    let id = self.local_id(n, t);
                    Ok(hir::Expr::local(id, t))
                }
                None if self.infer => Err(Problem::Pending),
                None => fallback(span, format!("the type of `{n}` could not be inferred")),
            };
        }
        if n == "__class__" {
            if let Some(class) = self.class_name_read() {
                return Ok(class);
            }
        }
        if let Some(b) = self.cx.bindings.get(n) {
            return match b {
                Binding::MathAttr(a) | Binding::LibcMathAttr(a) => {
                    let item = if matches!(b, Binding::MathAttr(_)) { vocab::python_math(a) } else { vocab::libc_math(a) };
                    match item {
                        Some(MathItem::Const(c)) => Ok(hir::Expr::konst(Const::Float(c), F64)),
                        _ => fallback(span, format!("it uses `{n}` as a value")),
                    }
                }
                Binding::Math => Ok(super::object::global(n)),
                Binding::CDecl(d) => self.c_value(&d.clone(), n, span),
                Binding::CythonAttr(a) if vocab::buffer_flag(a).is_some() => {
                    let v = vocab::buffer_flag(a).unwrap_or_default();
                    Ok(hir::Expr::konst(Const::Int(v), Ty::Int(crate::types::C_INT)))
                }
                _ => fallback(span, format!("it uses the module `{n}` as a value")),
            };
        }
        if let Some(&(c, t)) = self.cx.c_consts.get(n) {
            return Ok(hir::Expr::konst(c, t));
        }
        if let Some(&t) = self.cx.c_vars.get(n) {
            return Ok(hir::Expr { kind: hir::ExprKind::CGlobal(format!("{}{n}", hir::MODULE_CVAR)), ty: t });
        }
        // Functions (compiled ones too), module-level names and builtins
        // as objects: looked up in the module's dict, then the builtins.
        // The shim (`hir::SHIM_GLOBAL`), which the exec slot binds, for generated code.
        if self.ids.contains_key(n) || self.cx.module_names.contains(n) || vocab::is_python_builtin(n) || self.cx.star_import || n == hir::SHIM_GLOBAL {
            return Ok(super::object::global(n));
        }
        error(
            Diagnostic::error(span.clone(), format!("name `{n}` is not defined"))
                .with_label("not a local, a module-level name or a builtin")
                .with_hint("check the spelling, or assign it before use"),
        )
    }

    /// `"... %d" % i` of one C number (never a tuple or a mapping): the
    /// one-item tuple's formatting (`percent_format` takes C values only).
    /// Out of line: `expr`'s frame is on the stack once per level of a
    /// deeply nested expression.
    #[inline(never)]
    fn percent_of_one(&mut self, left: &Expr, right: &Expr) -> R<Option<hir::Expr>> {
        let ExprKind::Str(fmt) = &left.kind else { return Ok(None) };
        self.percent_format(fmt, std::slice::from_ref(right))
    }

    /// `1.0 + "a"` is a TypeError in Python too: report it instead of compiling it.
    fn check_str_operands(&mut self, left: &Expr, op: BinOp, right: &Expr, span: &Span) -> R<()> {
        let is_nonnum = |e: &Expr| matches!(e.kind, ExprKind::Str(_) | ExprKind::NoneLit);
        if !is_nonnum(left) && !is_nonnum(right) {
            return Ok(());
        }
        let other = if is_nonnum(left) { right } else { left };
        let ty = match self.expr(other) {
            Ok(v) if v.ty.is_numeric() => v.ty,
            _ => return Ok(()),
        };
        let pyname = |e: &Expr, t: Ty| match e.kind {
            ExprKind::Str(_) => "str",
            ExprKind::NoneLit => "NoneType",
            _ => match t {
                Ty::Int(_) => "int",
                Ty::Float(_) => "float",
                Ty::Bool => "bool",
                Ty::Void => "NoneType",
                Ty::View(_) => "memoryview",
                Ty::Object => "object",
                Ty::Ptr(_) | Ty::FnPtr(_) => "pointer",
                Ty::Complex => "complex",
            },
        };
        let str_repeat = op == BinOp::Mul && ty.is_int() && matches!(left.kind, ExprKind::Str(_)) != matches!(right.kind, ExprKind::Str(_));
        let str_format = op == BinOp::Mod && matches!(left.kind, ExprKind::Str(_));
        if str_repeat || str_format {
            return fallback(span, "it uses string operations");
        }
        error(
            Diagnostic::error(
                span.clone(),
                format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), pyname(left, ty), pyname(right, ty)),
            )
            .with_label("this raises TypeError in Python too")
            .with_hint("convert one side explicitly, e.g. str(x) or float(s)"),
        )
    }

    pub(super) fn join_all(&self, vs: &[hir::Expr], span: &Span) -> R<Ty> {
        self.join_tys(&vs.iter().map(|v| v.ty).collect::<Vec<_>>(), span)
    }

    fn join_tys(&self, tys: &[Ty], span: &Span) -> R<Ty> {
        let Some((&first, rest)) = tys.split_first() else {
            return fallback(span, "it has an operator without operands");
        };
        let mut ty = first;
        for &t in rest {
            ty = match Ty::value_join(ty, t) {
                Some(j) => j,
                None => return fallback(span, format!("it mixes {ty} and {t} in one expression")),
            };
        }
        if ty == Ty::Void {
            return fallback(span, "it uses the None result of a call as a value");
        }
        Ok(ty)
    }

    pub(super) fn numeric(&self, v: &hir::Expr, span: &Span) -> R<()> {
        match v.ty {
            Ty::Void => fallback(span, "it uses the None result of a call as a value"),
            Ty::View(_) => fallback(span, "it computes with a whole memoryview (only its elements are compiled)"),
            Ty::Ptr(_) => fallback(span, "it uses a C pointer as a number"),
            Ty::FnPtr(_) => error(
                Diagnostic::error(span.clone(), format!("a C function pointer ({}) is neither a number nor a Python object", v.ty))
                    .with_label("a function pointer")
                    .with_hint("call it, compare it, or pass it to a `@cython.cfunc` or a C function"),
            ),
            _ => Ok(()),
        }
    }

    pub(super) fn binop(&mut self, op: BinOp, l: hir::Expr, r: hir::Expr, span: &Span) -> R<hir::Expr> {
        if matches!(l.ty, Ty::Ptr(_)) || matches!(r.ty, Ty::Ptr(_)) {
            return self.pointer_arith(op, l, r, span);
        }
        if l.ty == Ty::Object || r.ty == Ty::Object {
            return self.object_binop(op, l, r, false, span);
        }
        self.numeric(&l, span)?;
        self.numeric(&r, span)?;
        if l.ty == Ty::Complex || r.ty == Ty::Complex {
            return match complex_op(op) {
                Some(aop) => {
                    let (l, r) = (convert(l, Ty::Complex), convert(r, Ty::Complex));
                    Ok(hir::Expr { kind: H::Binary(aop, Box::new(l), Box::new(r)), ty: Ty::Complex })
                }
                // `**`, `//`, `%`, bit operations: on the boxed values, as
                // Python computes (or refuses) them.
                None => self.object_binop(op, l, r, false, span),
            };
        }
        let bool_to_int = |v: hir::Expr| if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
        // Takes the operands by value: cloning them here made long sums quadratic.
        fn arith(op: ArithOp, l: hir::Expr, r: hir::Expr) -> R<hir::Expr> {
            if let Some(folded) = fold_literals(op, &l, &r) {
                return Ok(folded);
            }
            let t = literal_join(&l, &r);
            Ok(hir::Expr { kind: H::Binary(op, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
        }
        match op {
            BinOp::Add => arith(ArithOp::Add, l, r),
            BinOp::Sub => arith(ArithOp::Sub, l, r),
            BinOp::Mul => arith(ArithOp::Mul, l, r),
            BinOp::FloorDiv => arith(ArithOp::FloorDiv, l, r),
            BinOp::Mod => arith(ArithOp::Mod, l, r),
            BinOp::Div => {
                let t = literal_join(&l, &r);
                let result = if let Ty::Float(w) = t { Ty::Float(w) } else { F64 };
                Ok(hir::Expr { kind: H::Binary(ArithOp::Div, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: result })
            }
            BinOp::Pow => {
                let (l, r) = (bool_to_int(l), bool_to_int(r));
                match (l.ty, r.ty) {
                    (Ty::Int(_), Ty::Int(_)) => {
                        if matches!(r.as_const(), Some(Const::Int(v)) if v < 0) {
                            let kind = H::Binary(ArithOp::Pow, Box::new(convert(l, F64)), Box::new(convert(r, F64)));
                            return Ok(hir::Expr { kind, ty: F64 });
                        }
                        let t = literal_join(&l, &r);
                        Ok(hir::Expr { kind: H::Binary(ArithOp::Pow, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
                    }
                    _ => {
                        let t = literal_join(&l, &r);
                        Ok(hir::Expr { kind: H::Binary(ArithOp::Pow, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
                    }
                }
            }
            BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
                if l.ty.is_float() || r.ty.is_float() {
                    let name = |t: Ty| if t.is_float() { "float" } else { "int" };
                    return error(
                        Diagnostic::error(span.clone(), format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), name(l.ty), name(r.ty)))
                            .with_label("bit operations need integers")
                            .with_hint("convert with int(...)"),
                    );
                }
                let aop = match op {
                    BinOp::LShift => ArithOp::LShift,
                    BinOp::RShift => ArithOp::RShift,
                    BinOp::BitAnd => ArithOp::BitAnd,
                    BinOp::BitOr => ArithOp::BitOr,
                    _ => ArithOp::BitXor,
                };
                if let Some(folded) = fold_literals(aop, &l, &r) {
                    return Ok(folded);
                }
                if l.ty == Ty::Bool && r.ty == Ty::Bool && !matches!(op, BinOp::LShift | BinOp::RShift) {
                    return Ok(hir::Expr { kind: H::Binary(aop, Box::new(l), Box::new(r)), ty: Ty::Bool });
                }
                let (l, r) = (bool_to_int(l), bool_to_int(r));
                let t = if matches!(op, BinOp::LShift | BinOp::RShift) {
                    match l.ty {
                        Ty::Int(i) if !i.checked && i.bits < 32 => Ty::Int(crate::types::C_INT),
                        t if l.as_const().is_some() && r.ty.is_int() => literal_join(&l, &r).max_if_int(t),
                        t => t,
                    }
                } else {
                    literal_join(&l, &r)
                };
                Ok(hir::Expr { kind: H::Binary(aop, Box::new(convert(l, t)), Box::new(convert(r, t))), ty: t })
            }
            BinOp::MatMul => fallback(span, "it uses the `@` operator"),
        }
    }

    fn unary(&mut self, op: syntax::UnaryOp, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        if v.ty == Ty::Object {
            return self.object_unary(op, v, span);
        }
        if !(op == syntax::UnaryOp::Not && v.ty.is_pointer()) {
            self.numeric(&v, span)?;
        }
        if v.ty == Ty::Complex {
            return match op {
                syntax::UnaryOp::Not => {
                    let b = self.truthy(v, span)?;
                    Ok(hir::Expr { kind: H::Unary(UnOp::Not, Box::new(b)), ty: Ty::Bool })
                }
                syntax::UnaryOp::Pos => Ok(v),
                syntax::UnaryOp::Neg => Ok(hir::Expr { kind: H::Unary(UnOp::Neg, Box::new(v)), ty: Ty::Complex }),
                syntax::UnaryOp::Invert => fallback(span, "it uses `~` on a C double complex"),
            };
        }
        // C integer promotion: `-c` of a char is an int.
        let v = match v.ty {
            Ty::Int(t) if !t.checked && t.bits < 32 && op != syntax::UnaryOp::Not => convert(v, Ty::Int(crate::types::C_INT)),
            _ => v,
        };
        match op {
            syntax::UnaryOp::Not => {
                let b = self.truthy(v, span)?;
                Ok(hir::Expr { kind: H::Unary(UnOp::Not, Box::new(b)), ty: Ty::Bool })
            }
            syntax::UnaryOp::Pos => Ok(if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v }),
            syntax::UnaryOp::Neg => {
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                match v.as_const() {
                    Some(Const::Int(i)) if v.ty == Ty::py_int() && i != i64::MIN => Ok(hir::Expr::konst(Const::Int(-i), v.ty)),
                    Some(Const::Float(f)) => Ok(hir::Expr::konst(Const::Float(-f), v.ty)),
                    _ => {
                        let ty = v.ty;
                        Ok(hir::Expr { kind: H::Unary(UnOp::Neg, Box::new(v)), ty })
                    }
                }
            }
            syntax::UnaryOp::Invert => {
                if v.ty.is_float() {
                    return error(Diagnostic::error(span.clone(), "bad operand type for unary ~: 'float'").with_label("needs an integer"));
                }
                let v = if v.ty == Ty::Bool { convert(v, Ty::py_int()) } else { v };
                if let (Some(Const::Int(i)), true) = (v.as_const(), v.ty == Ty::py_int()) {
                    return Ok(hir::Expr::konst(Const::Int(!i), v.ty));
                }
                let ty = v.ty;
                Ok(hir::Expr { kind: H::Unary(UnOp::Invert, Box::new(v)), ty })
            }
        }
    }

    fn compare(&mut self, left: &Expr, ops: &[syntax::CmpOp], comparators: &[Expr], span: &Span) -> R<hir::Expr> {
        // `a is None` / `a is not None` on a memoryview that may be None.
        if let ([op @ (syntax::CmpOp::Is | syntax::CmpOp::IsNot)], [right]) = (ops, comparators) {
            let (view_side, none_side) = if matches!(right.kind, ExprKind::NoneLit) { (left, right) } else { (right, left) };
            if matches!(none_side.kind, ExprKind::NoneLit) {
                if let Some((id, _)) = self.view_local(view_side) {
                    let is_none = hir::Expr { kind: H::ViewIsNone(id), ty: Ty::Bool };
                    return Ok(if *op == syntax::CmpOp::Is {
                        is_none
                    } else {
                        hir::Expr { kind: H::Unary(UnOp::Not, Box::new(is_none)), ty: Ty::Bool }
                    });
                }
            }
        }
        let mut operands = vec![self.expr(left)?];
        for c in comparators {
            operands.push(self.expr(c)?);
        }
        self.cfunc_operands(&mut operands, span)?;
        // `p is cython.NULL` of C pointers compares their addresses, as in Cython.
        let pointers = operands.iter().all(|v| v.ty.is_pointer());
        let identity_or_membership =
            ops.iter().any(|op| matches!(op, syntax::CmpOp::In | syntax::CmpOp::NotIn) || (!pointers && matches!(op, syntax::CmpOp::Is | syntax::CmpOp::IsNot)));
        if identity_or_membership || operands.iter().any(|v| v.ty == Ty::Object) {
            return self.object_compare(operands, ops, span);
        }
        let mut hops = vec![];
        for op in ops {
            hops.push(match op {
                syntax::CmpOp::Eq | syntax::CmpOp::Is => CmpOp::Eq,
                syntax::CmpOp::NotEq | syntax::CmpOp::IsNot => CmpOp::Ne,
                syntax::CmpOp::Lt => CmpOp::Lt,
                syntax::CmpOp::LtE => CmpOp::Le,
                syntax::CmpOp::Gt => CmpOp::Gt,
                syntax::CmpOp::GtE => CmpOp::Ge,
                other => return fallback(span, format!("it uses the `{}` operator", other.symbol())),
            });
        }
        self.pointer_operands(&mut operands, span)?;
        for v in &operands {
            self.numeric(v, span)?;
        }
        if operands.iter().any(|v| v.ty == Ty::Complex) {
            return complex_compare(operands, hops, span);
        }
        // A double compared with an integer constant exact as a double
        // (`abs(z) < 2`): the constant as that double, the same comparison
        // as Python's exact one, without its run-time int/float steps.
        if operands.len() == 2 {
            let exact = |x: &hir::Expr| matches!((x.ty, x.as_const()), (Ty::Int(t), Some(Const::Int(c))) if t.signed && c.unsigned_abs() <= 1 << 53);
            for k in 0..2 {
                if operands[1 - k].ty == F64 && exact(&operands[k]) {
                    operands[k] = convert(operands[k].clone(), F64);
                }
            }
        }
        // An integer literal takes the type of the integer it is compared with.
        if operands.len() == 2 {
            let t = literal_join(&operands[0], &operands[1]);
            if t.is_int() {
                for v in operands.iter_mut() {
                    if v.as_const().is_some() && v.ty.is_int() {
                        *v = convert(v.clone(), t);
                    }
                }
            }
        }
        Ok(hir::Expr { kind: H::Compare { operands, ops: hops }, ty: Ty::Bool })
    }
}

/// The operators computed on C double complex values (the other operand
/// promoted to one): `+ - * /` as CPython's `_Py_c_sum`/`_Py_c_diff`/
/// `_Py_c_prod`/`_Py_c_quot` compute them (built in `mir/build/body/complex.rs`).
fn complex_op(op: BinOp) -> Option<ArithOp> {
    Some(match op {
        BinOp::Add => ArithOp::Add,
        BinOp::Sub => ArithOp::Sub,
        BinOp::Mul => ArithOp::Mul,
        BinOp::Div => ArithOp::Div,
        _ => return None,
    })
}

/// `a == b` / `a != b` with a C double complex operand: both parts equal.
/// A C integer operand other than a constant exact as a double stays Python
/// (Python compares it exactly; C would round it first).
fn complex_compare(mut operands: Vec<hir::Expr>, ops: Vec<CmpOp>, span: &Span) -> R<hir::Expr> {
    if operands.len() != 2 || !matches!(ops[0], CmpOp::Eq | CmpOp::Ne) {
        return fallback(span, "it orders C double complex values (only `==` and `!=` are defined)");
    }
    for v in operands.iter_mut() {
        let exact = match (v.ty, v.as_const()) {
            (Ty::Int(_), Some(Const::Int(c))) => c.unsigned_abs() <= 1 << 53,
            (Ty::Int(_), _) => false,
            _ => true,
        };
        if !exact {
            return fallback(span, "it compares a C double complex with a C integer");
        }
        *v = convert(v.clone(), Ty::Complex);
    }
    Ok(hir::Expr { kind: H::Compare { operands, ops }, ty: Ty::Bool })
}
