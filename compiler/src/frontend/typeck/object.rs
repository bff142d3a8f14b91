//! Operations on objects typed into HIR: constant objects, C values boxed
//! where they meet objects (Cython's rule: the result is an object), the
//! operators through the C-API, truth values and conversions to C types.

use crate::frontend::{fallback, Problem};
use crate::hir::{self, CmpOp, Const, ExprKind as H, ObjBinOp, ObjConst, ObjOp, ObjUnOp, UnOp};
use crate::syntax::{self, BinOp, Expr, ExprKind, Span};
use crate::types::Ty;

use super::{Checker, R};

/// A C value as an object: a constant folds to a constant object.
pub(super) fn boxed(v: hir::Expr) -> hir::Expr {
    if v.ty == Ty::Object {
        return v;
    }
    let c = match (v.as_const(), v.ty) {
        (Some(Const::Bool(b)), _) => Some(ObjConst::Bool(b)),
        (Some(Const::Float(f)), _) => Some(ObjConst::Float(f)),
        // An unsigned 64-bit constant is stored as its bit pattern.
        (Some(Const::Int(i)), Ty::Int(t)) if !t.signed => Some(ObjConst::Int(i128::from(i as u64))),
        (Some(Const::Int(i)), _) => Some(ObjConst::Int(i128::from(i))),
        _ => None,
    };
    match c {
        Some(c) => konst(c),
        None => hir::Expr { kind: H::Convert(Box::new(v)), ty: Ty::Object },
    }
}

pub(super) fn konst(c: ObjConst) -> hir::Expr {
    hir::Expr { kind: H::ObjConst(c), ty: Ty::Object }
}

fn obj(kind: H) -> hir::Expr {
    hir::Expr { kind, ty: Ty::Object }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// `l op r` where one side is an object.
    pub(super) fn object_binop(&mut self, op: BinOp, l: hir::Expr, r: hir::Expr, inplace: bool, span: &Span) -> R<hir::Expr> {
        for v in [&l, &r] {
            if !matches!(v.ty, Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex) {
                return fallback(span, format!("it computes with {} and an object", v.ty));
            }
        }
        let op = match op {
            BinOp::Add => ObjBinOp::Add,
            BinOp::Sub => ObjBinOp::Sub,
            BinOp::Mul => ObjBinOp::Mul,
            BinOp::Div => ObjBinOp::TrueDiv,
            BinOp::FloorDiv => ObjBinOp::FloorDiv,
            BinOp::Mod => ObjBinOp::Mod,
            BinOp::Pow => ObjBinOp::Pow,
            BinOp::LShift => ObjBinOp::LShift,
            BinOp::RShift => ObjBinOp::RShift,
            BinOp::BitAnd => ObjBinOp::And,
            BinOp::BitOr => ObjBinOp::Or,
            BinOp::BitXor => ObjBinOp::Xor,
            BinOp::MatMul => ObjBinOp::MatMul,
        };
        Ok(obj(H::ObjBinary { op, a: Box::new(boxed(l)), b: Box::new(boxed(r)), inplace }))
    }

    /// `-o`, `+o`, `~o` of an object (`not` is a truth value).
    pub(super) fn object_unary(&mut self, op: syntax::UnaryOp, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        let op = match op {
            syntax::UnaryOp::Neg => ObjUnOp::Neg,
            syntax::UnaryOp::Pos => ObjUnOp::Pos,
            syntax::UnaryOp::Invert => ObjUnOp::Invert,
            syntax::UnaryOp::Not => {
                let t = self.truthy(v, span)?;
                return Ok(hir::Expr { kind: H::Unary(UnOp::Not, Box::new(t)), ty: Ty::Bool });
            }
        };
        Ok(obj(H::ObjUnary(op, Box::new(v))))
    }

    /// A comparison with an object operand, or `is`/`in` of any operands.
    pub(super) fn object_compare(&mut self, operands: Vec<hir::Expr>, ops: &[syntax::CmpOp], span: &Span) -> R<hir::Expr> {
        if let Some(v) = operands.iter().find(|v| !matches!(v.ty, Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex)) {
            return fallback(span, format!("it compares {} with an object", v.ty));
        }
        let mut it = operands.into_iter();
        let (Some(a), Some(b), None, [op]) = (it.next(), it.next(), it.next(), ops) else {
            return fallback(span, "it chains comparisons of objects");
        };
        let (a, b) = (Box::new(boxed(a)), Box::new(boxed(b)));
        let not = |e: hir::Expr| hir::Expr { kind: H::Unary(UnOp::Not, Box::new(e)), ty: Ty::Bool };
        let test = |kind: H| hir::Expr { kind, ty: Ty::Bool };
        Ok(match op {
            syntax::CmpOp::Is => test(H::ObjIs(a, b)),
            syntax::CmpOp::IsNot => not(test(H::ObjIs(a, b))),
            syntax::CmpOp::In => test(H::ObjContains { item: a, container: b }),
            syntax::CmpOp::NotIn => not(test(H::ObjContains { item: a, container: b })),
            syntax::CmpOp::Eq => obj(H::ObjCompare(CmpOp::Eq, a, b)),
            syntax::CmpOp::NotEq => obj(H::ObjCompare(CmpOp::Ne, a, b)),
            syntax::CmpOp::Lt => obj(H::ObjCompare(CmpOp::Lt, a, b)),
            syntax::CmpOp::LtE => obj(H::ObjCompare(CmpOp::Le, a, b)),
            syntax::CmpOp::Gt => obj(H::ObjCompare(CmpOp::Gt, a, b)),
            syntax::CmpOp::GtE => obj(H::ObjCompare(CmpOp::Ge, a, b)),
        })
    }
}

/// The line of the first statement of `body` that touches an object where
/// the GIL is released (`nogil`: released where `body` starts); reference
/// counts and the C-API need the GIL.
pub(super) fn objects_without_gil(body: &mut [hir::Stmt], nogil: bool) -> Option<u32> {
    for s in body.iter_mut() {
        if nogil {
            let mut found = false;
            for e in hir::own_exprs_mut(s) {
                hir::visit_expr(e, &mut |x| found |= x.ty == Ty::Object);
            }
            if found {
                return Some(s.line);
            }
        }
        let inner = match &s.kind {
            hir::StmtKind::Gil { release, .. } => *release,
            hir::StmtKind::Prange(_) => true,
            _ => nogil,
        };
        if let Some(line) = hir::blocks_mut(s).into_iter().find_map(|b| objects_without_gil(b, inner)) {
            return Some(line);
        }
    }
    None
}

fn op(op: ObjOp, operands: Vec<hir::Expr>, ty: Ty) -> hir::Expr {
    hir::Expr { kind: H::ObjOp { op, operands }, ty }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// `value` typed, when it is an object (`None` otherwise: the caller
    /// goes on as it would without objects).
    pub(super) fn object_value(&mut self, value: &Expr) -> R<Option<hir::Expr>> {
        match self.expr(value) {
            Ok(v) if v.ty == Ty::Object => Ok(Some(v)),
            Err(Problem::Pending) => Err(Problem::Pending),
            _ => Ok(None),
        }
    }

    /// `e` typed and boxed: an operand an object operation takes.
    /// `e` typed and boxed when it is a C number (an object for unpacking).
    pub(super) fn boxed_value(&mut self, e: &Expr) -> R<hir::Expr> {
        self.boxed_operand(e)
    }

    fn boxed_operand(&mut self, e: &Expr) -> R<hir::Expr> {
        let v = self.expr(e)?;
        match v.ty {
            Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => Ok(boxed(v)),
            t => fallback(&e.span, format!("it passes {t} where an object is needed")),
        }
    }

    /// A tuple, list or dict display.
    pub(super) fn display(&mut self, kind: ObjOp, items: &[&Expr]) -> R<hir::Expr> {
        let mut operands = vec![];
        for x in items {
            operands.push(self.boxed_operand(x)?);
        }
        Ok(op(kind, operands, Ty::Object))
    }

    /// `value.attr` of an object.
    pub(super) fn object_attribute(&mut self, e: &Expr, value: &Expr, attr: &str) -> R<hir::Expr> {
        match self.object_value(value)? {
            Some(o) => Ok(op(ObjOp::GetAttr(attr.to_string()), vec![o], Ty::Object)),
            None => fallback(&e.span, format!("it reads the attribute `{}`", self.cx.source_text(&e.span))),
        }
    }

    /// `value[index]` of an object; `None` when `value` is not one.
    pub(super) fn object_subscript(&mut self, value: &Expr, index: &Expr) -> R<Option<hir::Expr>> {
        let Some(o) = self.object_value(value)? else { return Ok(None) };
        self.object_item(o, index).map(Some)
    }

    /// `o[index]` of the object `o`, already typed.
    pub(super) fn object_item(&mut self, o: hir::Expr, index: &Expr) -> R<hir::Expr> {
        if let Some(slice) = self.slice_key(index)? {
            return Ok(op(ObjOp::GetItem, vec![o, slice], Ty::Object));
        }
        let k = self.expr(index)?;
        // A C integer that fits `Py_ssize_t` indexes without being boxed.
        if let Ty::Int(t) = k.ty {
            if t.signed || t.bits < 64 {
                let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                return Ok(op(ObjOp::GetItemInt, vec![o, super::convert::convert(k, ssize)], Ty::Object));
            }
        }
        let k = match k.ty {
            Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => boxed(k),
            t => return fallback(&index.span, format!("it indexes an object with {t}")),
        };
        Ok(op(ObjOp::GetItem, vec![o, k], Ty::Object))
    }

    /// `lower:upper:step` as a slice object (None for a part left out), or
    /// `None` when `index` is no slice.
    pub(super) fn slice_key(&mut self, index: &Expr) -> R<Option<hir::Expr>> {
        let ExprKind::Slice { lower, upper, step } = &index.kind else { return Ok(None) };
        let mut parts = vec![];
        for part in [lower, upper, step] {
            parts.push(match part {
                Some(x) => self.boxed_operand(x)?,
                None => konst(ObjConst::None),
            });
        }
        Ok(Some(op(ObjOp::Slice, parts, Ty::Object)))
    }

    /// `target = value` where the target is an object's item or attribute;
    /// `None` when it is neither.
    pub(super) fn object_store(&mut self, target: &Expr, value: &Expr) -> R<Option<hir::Expr>> {
        match &target.kind {
            ExprKind::Subscript { value: base, index } => {
                let v = self.boxed_operand(value)?;
                self.object_store_of(v, base, index)
            }
            ExprKind::Attribute { value: base, attr } if self.cx.binding_of(target).is_none() => {
                let v = self.boxed_operand(value)?;
                let Some(o) = self.object_value(base)? else { return Ok(None) };
                Ok(Some(op(ObjOp::SetAttr(attr.clone()), vec![v, o], Ty::Void)))
            }
            _ => Ok(None),
        }
    }

    /// `base[index] = v` of an object `base` (`v` evaluated already; a
    /// slice's parts evaluated after `base`, as Python does); `None` when
    /// `base` is not an object.
    pub(super) fn object_store_of(&mut self, v: hir::Expr, base: &Expr, index: &Expr) -> R<Option<hir::Expr>> {
        let Some(o) = self.object_value(base)? else { return Ok(None) };
        if let Some(slice) = self.slice_key(index)? {
            return Ok(Some(op(ObjOp::SetItem, vec![v, o, slice], Ty::Void)));
        }
        let k = self.expr(index)?;
        // A C integer that fits `Py_ssize_t` stores in place without being boxed.
        if let Ty::Int(t) = k.ty {
            if t.signed || t.bits < 64 {
                let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                return Ok(Some(op(ObjOp::SetItemInt, vec![v, o, super::convert::convert(k, ssize)], Ty::Void)));
            }
        }
        let k = match k.ty {
            Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => boxed(k),
            t => return fallback(&index.span, format!("it indexes an object with {t}")),
        };
        Ok(Some(op(ObjOp::SetItem, vec![v, o, k], Ty::Void)))
    }

    /// `base[index] op= value` or `base.attr op= value` on an object (`None`
    /// when `base` is not one): the object and the key evaluated once into
    /// hidden locals, the item or attribute read, updated in place
    /// (`PyNumber_InPlace*`), and stored back, in Python's order.
    pub(super) fn object_aug_store(&mut self, target: &Expr, op_: BinOp, value: &Expr, line: u32) -> R<Option<Vec<hir::Stmt>>> {
        let (base, index, attr) = match &target.kind {
            ExprKind::Subscript { value: base, index } => (base, Some(index), None),
            ExprKind::Attribute { value: base, attr } if self.cx.binding_of(target).is_none() => (base, None, Some(attr)),
            _ => return Ok(None),
        };
        let Some(o) = self.object_value(base)? else { return Ok(None) };
        let at = target.span.start;
        let obj = self.local_id(&format!("<augmented object line {line} at {at}>"), Ty::Object);
        let mut pairs = vec![(obj, o)];
        let o = || hir::Expr::local(obj, Ty::Object);
        let (cur, store_key) = match (index, attr) {
            (Some(index), _) => {
                let k = match self.slice_key(index)? {
                    Some(slice) => slice,
                    None => self.expr(index)?,
                };
                let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
                match k.ty {
                    // A C integer indexes in place, boxed only to store.
                    Ty::Int(t) if t.signed || t.bits < 64 => {
                        let key = self.local_id(&format!("<augmented index line {line} at {at}>"), ssize);
                        pairs.push((key, super::convert::convert(k, ssize)));
                        let key = hir::Expr::local(key, ssize);
                        (op(ObjOp::GetItemInt, vec![o(), key.clone()], Ty::Object), Some((ObjOp::SetItemInt, key)))
                    }
                    Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => {
                        let key = self.local_id(&format!("<augmented key line {line} at {at}>"), Ty::Object);
                        pairs.push((key, boxed(k)));
                        let key = hir::Expr::local(key, Ty::Object);
                        (op(ObjOp::GetItem, vec![o(), key.clone()], Ty::Object), Some((ObjOp::SetItem, key)))
                    }
                    t => return fallback(&index.span, format!("it indexes an object with {t}")),
                }
            }
            (None, Some(attr)) => (op(ObjOp::GetAttr(attr.clone()), vec![o()], Ty::Object), None),
            (None, None) => return Ok(None),
        };
        let rhs = self.operand(value)?;
        let new = self.object_binop(op_, cur, rhs, true, &target.span)?;
        let store = match (store_key, attr) {
            (Some((set, key)), _) => op(set, vec![new, o(), key], Ty::Void),
            (None, Some(attr)) => op(ObjOp::SetAttr(attr.clone()), vec![new, o()], Ty::Void),
            (None, None) => return Ok(None),
        };
        Ok(Some(vec![hir::Stmt { kind: hir::StmtKind::Assign(pairs), line }, hir::Stmt { kind: hir::StmtKind::Expr(store), line }]))
    }

    /// A call of an object (`f` already typed) with positional and keyword
    /// arguments.
    /// (`call` has refused `*` and `**` unpacking.)
    pub(super) fn object_call(&mut self, f: hir::Expr, args: &[Expr], keywords: &[syntax::Keyword]) -> R<hir::Expr> {
        let mut operands = vec![f];
        for a in args {
            operands.push(self.boxed_operand(a)?);
        }
        let mut names = vec![];
        for k in keywords {
            let Some(name) = &k.name else { return fallback(&k.span, "it calls an object with `**` unpacking") };
            if names.contains(name) {
                return fallback(&k.span, format!("it repeats the keyword `{name}`"));
            }
            names.push(name.clone());
            operands.push(self.boxed_operand(&k.value)?);
        }
        Ok(op(ObjOp::Call { keywords: names }, operands, Ty::Object))
    }

    /// `value.attr(args…)` where `value` is an object; `None` when it is not.
    pub(super) fn method_call(&mut self, value: &Expr, attr: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        if attr == "conjugate" && args.is_empty() && keywords.is_empty() {
            if let Some(z) = self.complex_local(value) {
                let part = |imag: bool| hir::Expr { kind: H::ComplexPart(Box::new(z.clone()), imag), ty: crate::types::F64 };
                let im = hir::Expr { kind: H::Unary(hir::UnOp::Neg, Box::new(part(true))), ty: crate::types::F64 };
                return Ok(Some(hir::Expr { kind: H::ComplexMake(Box::new(part(false)), Box::new(im)), ty: Ty::Complex }));
            }
        }
        let Some(o) = self.object_value(value)? else { return Ok(None) };
        let m = op(ObjOp::GetAttr(attr.to_string()), vec![o], Ty::Object);
        self.object_call(m, args, keywords).map(Some)
    }

    /// `a < b < c …` with an object operand, as a condition: each link's
    /// truth value, in order, while they hold (`None`: not such a chain).
    /// Only a chain whose inner operands are names or literals: each is read
    /// once per link it belongs to, which is the same when reading has no
    /// effect.
    pub(super) fn object_chain_condition(&mut self, e: &Expr) -> R<Option<hir::Expr>> {
        let ExprKind::Compare { left, ops, comparators } = &e.kind else { return Ok(None) };
        let plain = |x: &Expr| matches!(x.kind, ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::NoneLit);
        // (A long chain stays Python: its links would nest as deep as it is long.)
        if !(2..=64).contains(&ops.len()) {
            return Ok(None);
        }
        let operands: Vec<&Expr> = std::iter::once(&**left).chain(comparators).collect();
        let mut typed = vec![];
        for x in &operands {
            typed.push(self.expr(x)?);
        }
        if !typed.iter().any(|v| v.ty == Ty::Object) {
            return Ok(None);
        }
        // A middle operand is read by two links but evaluated once, as
        // Python evaluates it: one that is no name or literal is assigned
        // (boxed) to a hidden object local by the first link, which the
        // second reads (`n == len(a) == len(b)`).
        let mut second = typed.clone();
        for k in 1..operands.len() - 1 {
            if !plain(operands[k]) {
                let hidden = self.local_id(&format!("<chain operand {} {k}>", e.span.start), Ty::Object);
                let value = match typed[k].ty {
                    Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => boxed(typed[k].clone()),
                    t => return fallback(&operands[k].span, format!("it chains comparisons of {t} with objects")),
                };
                typed[k] = hir::Expr { kind: H::AssignLocal { local: hidden, value: Box::new(value) }, ty: Ty::Object };
                second[k] = hir::Expr::local(hidden, Ty::Object);
            }
        }
        let mut tests = vec![];
        for (k, op) in ops.iter().enumerate() {
            let link = self.object_compare(vec![second[k].clone(), typed[k + 1].clone()], std::slice::from_ref(op), &e.span)?;
            tests.push(self.truthy(link, &e.span)?);
        }
        let mut tests = tests.into_iter().rev();
        let Some(mut acc) = tests.next() else { return Ok(None) };
        for t in tests {
            acc = hir::Expr { kind: H::And(Box::new(t), Box::new(acc)), ty: Ty::Bool };
        }
        Ok(Some(acc))
    }

    /// `for var in iter` over anything but `range`: the iterator's items
    /// through a hidden object local, assigned to `var` (unboxed if it is
    /// C-typed) first thing in the body.
    pub(super) fn for_iter(&mut self, target: &Expr, iter: &Expr, body: &[syntax::Stmt], orelse: &[syntax::Stmt], line: u32) -> R<Vec<hir::Stmt>> {
        let it = self.boxed_operand(iter)?;
        let item = self.local_id(&format!("<item line {line}>"), Ty::Object);
        // The target (a name, or a pattern unpacked) first.
        let mut stmts = self.unpack_target(target, hir::Expr::local(item, Ty::Object), &format!("for line {line}"), line)?;
        self.loop_depth += 1;
        let b = self.block(body);
        self.loop_depth -= 1;
        stmts.extend(b?);
        let orelse = self.block(orelse)?;
        Ok(vec![hir::Stmt { kind: hir::StmtKind::ForIter { item, iter: it, body: stmts, orelse }, line }])
    }

    /// `len(x)` of an object (`None` when `x` is not one): a `Py_ssize_t`.
    pub(super) fn object_len(&mut self, x: &Expr) -> R<Option<hir::Expr>> {
        let Some(o) = self.object_value(x)? else { return Ok(None) };
        let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
        Ok(Some(op(ObjOp::Len, vec![o], ssize)))
    }
}

/// `name = value` of the module global `name` (`global name`).
pub(super) fn set_global(name: &str, value: hir::Expr) -> hir::Expr {
    op(ObjOp::SetGlobal(name.to_string()), vec![value], Ty::Void)
}

/// The module global (or builtin) `name`, read when the code runs.
pub(super) fn global(name: &str) -> hir::Expr {
    op(ObjOp::Global(name.to_string()), vec![], Ty::Object)
}
