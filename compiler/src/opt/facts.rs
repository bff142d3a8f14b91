//! Facts about values, learnt walking a function in the order its code runs,
//! and the checks they make unnecessary:
//!
//! - inside the body of `for i in range(view.shape[axis])` (start >= 0,
//!   positive constant step, the body assigning neither `i` nor `view`) `i`
//!   lies in `[0, view.shape[axis])`: indexing that axis with `i` needs no
//!   wrap-around and no bounds check (`Index`/`Store` `in_bounds`). Not in
//!   its `else` clause, which also runs when the loop never ran and `i` still
//!   holds whatever it held before;
//!   The same holds in an outlined `prange` body's loop over a chunk of such
//!   a range (`Function::chunk_in_axis`);
//! - inside the body of any `for i in range(start, stop, step)` with a
//!   constant `start >= 0` and a positive constant `step`, the body not
//!   assigning `i`, `i >= 0`: indexing any axis with `i` needs no wrap-around,
//!   only the bounds check (`axis | hir::NONNEG` in `in_bounds`; what Cython
//!   leaves to the C compiler's value ranges); the same for a local assigned
//!   such a value (the hidden index locals of `view[i, j] += x`) until it
//!   may be assigned again, within the block that learnt it;
//! - `view[i] = … view[i] …` (what `view[i] += x` becomes): the load checked
//!   the very indices the store uses (`Store` `checked_by_load`);
//! - after `if n < k: <leaves the block>`, `n >= k` holds until `n` may be
//!   assigned (loops: anywhere inside them, before their header runs again),
//!   within the block that learnt it: a checked `n - c` whose result cannot
//!   go below `i64::MIN` needs no overflow check (`NoOverflow`);
//! - a checked `+ - *` whose operands' value ranges (constants, bints and
//!   narrower integers converted, sums, differences and products of them:
//!   `value_range`) keep the result in 64 bits needs no overflow check
//!   either (`NoOverflow`): `(x > y) - (x < y)`. Range loop variables (and
//!   their copies) known `>= 0` count from 0: `cast(long, i) * i` of a
//!   `range` variable `i` of a C int is `>= 0` and fits 64 bits;
//! - a signed `//` or `%` whose operands' value ranges are both `>= 0`
//!   (`i * i % 1009`), or a `%` whose result is only compared with zero
//!   (`x % k == 0`, `if x % k:`), is C's truncating division (`NoOverflow`:
//!   no sign fix-up, no `MIN // -1` test; the zero test stays), as gcc
//!   makes of Cython's Python-semantics division when it proves the same.
//!
//! The walk follows the back end's emission order exactly (a fact forgotten
//! in one branch stays forgotten in the next), so the decisions are those the
//! back end made when it learnt the facts itself.

use crate::hir::{self, assigns, index_local, ArithOp, CmpOp, Const, Expr, ExprKind, Function, LocalId, Stmt, StmtKind};
use crate::types::Ty;

pub fn mark(f: &mut Function) {
    let mut body = std::mem::take(&mut f.body);
    let mut walk = Walk { f, in_bounds: vec![], nonneg: vec![], nonneg_copies: vec![], lower_bounds: vec![] };
    walk.block(&mut body);
    f.body = body;
}

struct Walk<'f> {
    f: &'f Function,
    /// `(i, view, axis)`: `i` lies in `[0, view.shape[axis])` here.
    in_bounds: Vec<(LocalId, LocalId, u8)>,
    /// Locals `>= 0` here (range loop variables).
    nonneg: Vec<LocalId>,
    /// Locals assigned a value `>= 0` (a local of `nonneg` or a constant) here.
    nonneg_copies: Vec<LocalId>,
    /// `(n, k)`: `n >= k` here.
    lower_bounds: Vec<(LocalId, i64)>,
}

impl Walk<'_> {
    fn block(&mut self, body: &mut [Stmt]) {
        let facts = self.lower_bounds.len();
        let copies = self.nonneg_copies.len();
        for s in body.iter_mut() {
            // A loop's header is re-entered after its body's assignments: forget
            // those first. A plain assignment still reads the old value: after.
            let is_loop = matches!(s.kind, StmtKind::While { .. } | StmtKind::ForRange { .. });
            if is_loop {
                self.forget_assigned(s);
            }
            self.stmt(s);
            if !is_loop {
                self.forget_assigned(s);
                if let StmtKind::Assign(pairs) = &s.kind {
                    // Values are read before any target is assigned, and each target was just forgotten.
                    let learnt: Vec<LocalId> = pairs.iter().filter(|(_, e)| self.is_nonneg(e)).map(|(t, _)| *t).collect();
                    self.nonneg_copies.extend(learnt);
                }
            }
            if let StmtKind::If { cond, then, .. } = &s.kind {
                if !falls_through(then) {
                    // Only if neither branch reassigns the variable.
                    if let Some(fact) = lower_bound_from(cond).filter(|(n, _)| !assigns(std::slice::from_ref(s), *n)) {
                        self.lower_bounds.push(fact);
                    }
                }
            }
        }
        // Facts learnt in a block hold only inside it.
        self.lower_bounds.truncate(facts.min(self.lower_bounds.len()));
        self.nonneg_copies.truncate(copies.min(self.nonneg_copies.len()));
    }

    /// Drops bounds on locals the statement may assign (loops: anywhere inside).
    fn forget_assigned(&mut self, s: &Stmt) {
        self.lower_bounds.retain(|(l, _)| !assigns(std::slice::from_ref(s), *l));
        self.nonneg_copies.retain(|l| !assigns(std::slice::from_ref(s), *l));
    }

    /// Whether an integer index expression is known `>= 0` here.
    fn is_nonneg(&self, e: &Expr) -> bool {
        if let Some(Const::Int(v)) = e.as_const() {
            return v >= 0 && matches!(e.ty, Ty::Int(_));
        }
        nonneg_index_local(e).is_some_and(|l| self.nonneg.contains(&l) || self.nonneg_copies.contains(&l))
    }

    fn stmt(&mut self, s: &mut Stmt) {
        let axis_fact = match &s.kind {
            StmtKind::ForRange { var, start, stop, step, body, .. } => range_over_axis(*var, start, stop, step, body, self.f)
                .or(self.f.chunk_in_axis.filter(|(v, view, _)| v == var && !assigns(body, *var) && !assigns(body, *view))),
            _ => None,
        };
        let nonneg_fact = match &s.kind {
            StmtKind::ForRange { var, start, step, body, .. } => nonneg_range_var(*var, start, step, body, self.f),
            _ => None,
        };
        if let StmtKind::Store { view, indices, value, in_bounds, checked_by_load } = &mut s.kind {
            *in_bounds = self.proven_axes(*view, indices);
            *checked_by_load = loads_same_element(*view, indices, value);
        }
        for e in hir::own_exprs_mut(s) {
            self.expr(e);
        }
        for (k, b) in hir::blocks_mut(s).into_iter().enumerate() {
            // A range loop's blocks are its body, then its `else`.
            let fact = axis_fact.filter(|_| k == 0);
            if let Some(fact) = fact {
                self.in_bounds.push(fact);
            }
            let nonneg = nonneg_fact.filter(|_| k == 0);
            if let Some(var) = nonneg {
                self.nonneg.push(var);
            }
            self.block(b);
            if fact.is_some() {
                self.in_bounds.pop();
            }
            if nonneg.is_some() {
                self.nonneg.pop();
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        // The visits recurse once per nesting level: each node's work is out
        // of line (`mark`, `mark_zero_tested`) to keep that frame small.
        hir::visit_expr_mut(e, &mut |x| self.mark(x));
        // A remainder whose only reader asks whether it is zero: C's is zero exactly when Python's is.
        hir::visit_expr_mut(e, &mut mark_zero_tested);
    }

    /// One node: arithmetic proven unchecked (or no longer), indices proven in bounds.
    #[inline(never)]
    fn mark(&self, x: &mut Expr) {
        let known = &|l: LocalId| self.nonneg.contains(&l) || self.nonneg_copies.contains(&l);
        if let ExprKind::PtrLoad { index, .. } | ExprKind::PtrStore { index, .. } | ExprKind::PtrOffset { offset: index, .. } = &mut x.kind {
            widen_index(index, known);
        }
        let no_overflow = match &x.kind {
            ExprKind::Binary(op @ (ArithOp::Add | ArithOp::Sub | ArithOp::Mul), a, b)
            | ExprKind::NoOverflow(op @ (ArithOp::Add | ArithOp::Sub | ArithOp::Mul), a, b) => {
                let checked = matches!((a.ty, b.ty), (Ty::Int(t), bt) if t.checked && !matches!(bt, Ty::Float(_)));
                let bounded = operands_bound(*op, a, b, x.ty, known);
                Some(checked && (bounded || (*op == ArithOp::Sub && self.sub_cannot_overflow(a, b))))
            }
            ExprKind::Binary(ArithOp::FloorDiv | ArithOp::Mod, a, b) | ExprKind::NoOverflow(ArithOp::FloorDiv | ArithOp::Mod, a, b) => {
                let signed = matches!(x.ty, Ty::Int(t) if t.signed) && a.ty == x.ty && b.ty == x.ty;
                let nonneg = |v: &Expr| value_range(v, known).is_some_and(|(lo, _)| lo >= 0);
                Some(signed && nonneg(a) && nonneg(b))
            }
            _ => None,
        };
        let kind = std::mem::replace(&mut x.kind, ExprKind::NoneView);
        x.kind = match (kind, no_overflow) {
            (ExprKind::Binary(op, a, b) | ExprKind::NoOverflow(op, a, b), Some(true)) => ExprKind::NoOverflow(op, a, b),
            (ExprKind::Binary(op, a, b) | ExprKind::NoOverflow(op, a, b), Some(false)) => ExprKind::Binary(op, a, b),
            (ExprKind::Index { view, indices, .. }, _) => {
                let in_bounds = self.proven_axes(view, &indices);
                ExprKind::Index { view, indices, in_bounds }
            }
            (other, _) => other,
        };
    }

    /// The axes of `view[indices]` whose index is a range variable over that
    /// very axis, then as `axis | NONNEG` the others whose index is a local known `>= 0`.
    fn proven_axes(&self, view: LocalId, indices: &[Expr]) -> Vec<u8> {
        let proven = |k: usize| index_local(&indices[k]).is_some_and(|l| self.in_bounds.contains(&(l, view, k as u8)));
        let nonneg = |k: usize| nonneg_index_local(&indices[k]).is_some() && self.is_nonneg(&indices[k]);
        let mut axes: Vec<u8> = (0..indices.len()).filter(|&k| proven(k)).map(|k| k as u8).collect();
        axes.extend((0..indices.len()).filter(|&k| !proven(k) && nonneg(k)).map(|k| k as u8 | hir::NONNEG));
        axes
    }

    /// `n - k` with `n >= L` known and `0 <= k`, `L - k` representable: no overflow.
    fn sub_cannot_overflow(&self, a: &Expr, b: &Expr) -> bool {
        let (ExprKind::Local(n), Some(Const::Int(k))) = (&a.kind, b.as_const()) else { return false };
        k >= 0 && self.lower_bounds.iter().any(|(l, low)| l == n && low.checked_sub(k).is_some())
    }
}

/// A C pointer's index `(Py_ssize_t)(i - 1)` of narrower C integers whose
/// operands' ranges keep the narrow `+`/`-` from wrapping: the same value
/// as `(Py_ssize_t)i - 1`, which reads a narrow loop variable's 64-bit
/// counter and folds into the access's addressing (`-8(p, i, 8)`).
fn widen_index(index: &mut Expr, known: &dyn Fn(LocalId) -> bool) {
    let Ty::Int(wide) = index.ty else { return };
    let ExprKind::Convert(x) = &index.kind else { return };
    let (ExprKind::Binary(op @ (ArithOp::Add | ArithOp::Sub), a, b) | ExprKind::NoOverflow(op @ (ArithOp::Add | ArithOp::Sub), a, b)) = &x.kind else { return };
    let Ty::Int(narrow) = x.ty else { return };
    if wide.bits != 64 || wide.checked || narrow.bits >= 64 || narrow.checked || a.ty != x.ty || b.ty != x.ty || !operands_bound(*op, a, b, x.ty, known) {
        return;
    }
    let widened = |e: &Expr| match e.as_const() {
        Some(c) => Expr::konst(c, index.ty),
        None => Expr { kind: ExprKind::Convert(Box::new(e.clone())), ty: index.ty },
    };
    *index = Expr { kind: ExprKind::Binary(*op, Box::new(widened(a)), Box::new(widened(b))), ty: index.ty };
}

/// `x % k == 0`, `0 != x % k`, `if x % k:`: the remainder truncating.
#[inline(never)]
fn mark_zero_tested(x: &mut Expr) {
    let read = match &mut x.kind {
        ExprKind::Compare { operands, ops } if matches!(ops.as_slice(), [CmpOp::Eq | CmpOp::Ne]) => match operands.as_mut_slice() {
            [m, z] | [z, m] if is_zero(z) && is_zero_tested_mod(m) => Some(m),
            _ => None,
        },
        ExprKind::Truthy(m) if is_zero_tested_mod(m) => Some(&mut **m),
        _ => None,
    };
    if let Some(m) = read {
        if let ExprKind::Binary(ArithOp::Mod, a, b) = std::mem::replace(&mut m.kind, ExprKind::NoneView) {
            m.kind = ExprKind::NoOverflow(ArithOp::Mod, a, b);
        }
    }
}

/// `0 == x` of an integer zero.
fn is_zero(e: &Expr) -> bool {
    matches!(e.as_const(), Some(Const::Int(0))) && matches!(e.ty, Ty::Int(_))
}

/// A signed integer `%` (not yet proven truncating) whose zero-ness alone may be read.
fn is_zero_tested_mod(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Binary(ArithOp::Mod, a, b) if matches!(e.ty, Ty::Int(t) if t.signed) && a.ty == e.ty && b.ty == e.ty)
}

/// The values an integer (or bint) expression can take: its type's range,
/// narrowed by constants, by locals `known` to be `>= 0`, by conversions
/// from narrower types (a bint converted to `int` is 0 or 1), by `+ - *` of
/// such values whose result fits the operation's type, and by Python's `%`
/// and `//` by a positive divisor. A checked `int` operation whose operands'
/// ranges keep the result in 64 bits cannot overflow: `(x > y) - (x < y)`,
/// which Cython computes as a C `int`, needs no check.
fn value_range(e: &Expr, known: &dyn Fn(LocalId) -> bool) -> Option<(i128, i128)> {
    range_within(e, known, RANGE_DEPTH)
}

/// How deep `value_range` looks into an expression: deeper operands count
/// as their type's range (nested sums thousands deep would otherwise cost
/// stack and quadratic time).
const RANGE_DEPTH: u32 = 24;

fn range_within(e: &Expr, known: &dyn Fn(LocalId) -> bool, depth: u32) -> Option<(i128, i128)> {
    let own = type_range(e.ty)?;
    if let Some(Const::Int(v)) = e.as_const() {
        return Some((i128::from(v), i128::from(v)));
    }
    if depth == 0 {
        return Some(own);
    }
    let d = depth - 1;
    let narrowed = match &e.kind {
        ExprKind::Local(l) if known(*l) => Some((0, own.1)),
        ExprKind::Convert(x) => range_within(x, known, d),
        ExprKind::Binary(op @ (ArithOp::Add | ArithOp::Sub | ArithOp::Mul), a, b)
        | ExprKind::NoOverflow(op @ (ArithOp::Add | ArithOp::Sub | ArithOp::Mul), a, b) => combined_range(*op, a, b, known, d),
        ExprKind::Binary(op @ (ArithOp::FloorDiv | ArithOp::Mod), a, b) => division_range(*op, a, b, true, known, d),
        // Truncating: as Python's only with both operands >= 0 (a remainder read only
        // against zero may be negative).
        ExprKind::NoOverflow(op @ (ArithOp::FloorDiv | ArithOp::Mod), a, b) => division_range(*op, a, b, false, known, d),
        _ => None,
    };
    // Outside the type's range the value raised or wrapped: only the type's range is known.
    Some(narrowed.filter(|&(lo, hi)| own.0 <= lo && hi <= own.1).unwrap_or(own))
}

/// `a // b` or `a % b` by a divisor known `>= 1`: Python's remainder lies in
/// `[0, b)` whatever `a`'s sign (`python`), C's only when `a >= 0`; the
/// quotient of `a >= 0` in `[alo / bhi, ahi / blo]`.
fn division_range(op: ArithOp, a: &Expr, b: &Expr, python: bool, known: &dyn Fn(LocalId) -> bool, depth: u32) -> Option<(i128, i128)> {
    let ((alo, ahi), (blo, bhi)) = (range_within(a, known, depth)?, range_within(b, known, depth)?);
    if blo < 1 {
        return None;
    }
    match op {
        ArithOp::Mod if alo >= 0 => Some((0, ahi.min(bhi - 1))),
        ArithOp::Mod if python => Some((0, bhi - 1)),
        ArithOp::FloorDiv if alo >= 0 => Some((alo / bhi, ahi / blo)),
        _ => None,
    }
}

/// `a op b`'s range from its operands' (integers or bints), exactly in i128.
fn combined_range(op: ArithOp, a: &Expr, b: &Expr, known: &dyn Fn(LocalId) -> bool, depth: u32) -> Option<(i128, i128)> {
    let ((alo, ahi), (blo, bhi)) = (range_within(a, known, depth)?, range_within(b, known, depth)?);
    let ends: Vec<i128> = match op {
        ArithOp::Add => vec![alo + blo, ahi + bhi],
        ArithOp::Sub => vec![alo - bhi, ahi - blo],
        ArithOp::Mul => vec![alo * blo, alo * bhi, ahi * blo, ahi * bhi],
        _ => return None,
    };
    Some((*ends.iter().min()?, *ends.iter().max()?))
}

/// Whether `a op b`'s operands' ranges keep its result inside `ty`'s range.
fn operands_bound(op: ArithOp, a: &Expr, b: &Expr, ty: Ty, known: &dyn Fn(LocalId) -> bool) -> bool {
    match (combined_range(op, a, b, known, RANGE_DEPTH), type_range(ty)) {
        (Some((lo, hi)), Some((tlo, thi))) => tlo <= lo && hi <= thi,
        _ => false,
    }
}

/// The values of a C integer type (a bint: 0 and 1).
fn type_range(t: Ty) -> Option<(i128, i128)> {
    match t {
        Ty::Bool => Some((0, 1)),
        Ty::Int(i) if i.signed => Some((-(1i128 << (i.bits - 1)), (1i128 << (i.bits - 1)) - 1)),
        Ty::Int(i) => Some((0, (1i128 << i.bits) - 1)),
        _ => None,
    }
}

/// `view[indices] = value` where `value` loads `view` at the same plain locals.
fn loads_same_element(view: LocalId, indices: &[Expr], value: &Expr) -> bool {
    indices.iter().all(|i| matches!(i.kind, ExprKind::Local(_))) && {
        let mut found = false;
        hir::visit_expr(value, &mut |x| {
            if let ExprKind::Index { view: v2, indices: i2, .. } = &x.kind {
                let locals = |ix: &[Expr]| ix.iter().map(index_local).collect::<Vec<_>>();
                found |= *v2 == view && locals(i2) == locals(indices);
            }
        });
        found
    }
}

/// `for i in range(view.shape[axis])` (start >= 0, positive constant step)
/// where the body assigns neither `i` nor `view`: `i` stays inside the axis.
pub(super) fn range_over_axis(var: LocalId, start: &Expr, stop: &Expr, step: &Expr, body: &[Stmt], f: &Function) -> Option<(LocalId, LocalId, u8)> {
    let var_is_64 = matches!(f.locals[var.0 as usize].ty, Ty::Int(t) if t.bits == 64);
    let nonneg_start = matches!(start.as_const(), Some(Const::Int(v)) if v >= 0);
    let pos_step = matches!(step.as_const(), Some(Const::Int(v)) if v > 0);
    let mut stop = stop;
    while let ExprKind::Convert(x) = &stop.kind {
        if !matches!(x.ty, Ty::Int(t) if t.bits == 64) {
            return None;
        }
        stop = x;
    }
    let ExprKind::ViewDim { view, dim: hir::Dim::Shape, axis } = stop.kind else { return None };
    if !(var_is_64 && nonneg_start && pos_step) || assigns(body, var) || assigns(body, view) {
        return None;
    }
    Some((var, view, axis))
}

/// `for var in range(start, …, step)` with a constant `start >= 0` and a
/// positive constant `step`, the body not assigning `var`: `var >= 0` in the
/// body (every value it takes lies in `[start, stop)`; a narrow variable's
/// range is cut where its type ends, never wrapped).
fn nonneg_range_var(var: LocalId, start: &Expr, step: &Expr, body: &[Stmt], f: &Function) -> Option<LocalId> {
    let int_var = matches!(f.locals[var.0 as usize].ty, Ty::Int(_));
    let nonneg_start = matches!(start.as_const(), Some(Const::Int(v)) if v >= 0);
    let pos_step = matches!(step.as_const(), Some(Const::Int(v)) if v > 0);
    (int_var && nonneg_start && pos_step && !assigns(body, var)).then_some(var)
}

/// The local an index reads, through conversions that keep a value `>= 0`
/// as it is (to 64 bits from a signed or narrower unsigned integer).
fn nonneg_index_local(e: &Expr) -> Option<LocalId> {
    match &e.kind {
        ExprKind::Local(l) => Some(*l),
        ExprKind::Convert(x) => match (x.ty, e.ty) {
            (Ty::Int(from), Ty::Int(to)) if to.bits == 64 && to.signed && (from.signed || from.bits < 64) => nonneg_index_local(x),
            _ => None,
        },
        _ => None,
    }
}

/// Whether control can reach the end of a block (no return/raise/break/continue on every path).
fn falls_through(body: &[Stmt]) -> bool {
    match body.last().map(|s| &s.kind) {
        None => true,
        Some(StmtKind::Return(_) | StmtKind::Raise { .. } | StmtKind::Break | StmtKind::Continue) => false,
        Some(StmtKind::If { then, orelse, .. }) => falls_through(then) || falls_through(orelse),
        Some(_) => true,
    }
}

/// `n < k` (or `n <= k - 1`) on a signed integer local: false means `n >= k`.
fn lower_bound_from(cond: &Expr) -> Option<(LocalId, i64)> {
    let ExprKind::Compare { operands, ops } = &cond.kind else { return None };
    let ([a, b], [op]) = (operands.as_slice(), ops.as_slice()) else { return None };
    let (ExprKind::Local(n), Some(Const::Int(k)), Ty::Int(t)) = (&a.kind, b.as_const(), a.ty) else { return None };
    if !t.signed || b.ty != a.ty {
        return None;
    }
    match op {
        CmpOp::Lt => Some((*n, k)),
        CmpOp::Le => k.checked_add(1).map(|k1| (*n, k1)),
        _ => None,
    }
}
