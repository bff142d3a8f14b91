//! Fields of an extension type instance kept in locals across a loop: a
//! loop (with its `else`) that reads and writes C fields of one object
//! (`PtrLoad`/`PtrStore` through `ObjectData` of a local it never assigns,
//! a method's `self`) and does nothing else to memory, calls nothing and
//! cannot raise, loads each field into a local before the loop, uses the
//! locals inside, and stores the written ones back after it. Cranelift keeps
//! the locals in registers; without this it reloads every field after each
//! store (it cannot tell that no other store aliases it).
//!
//! Only operations that cannot fail qualify (float `+ - *`, wrapping C
//! integer arithmetic, comparisons, conversions to floats), so no error
//! leaves the loop with a field not yet written back; `break` and the
//! normal exit both reach the stores after the loop.

use crate::hir::{ArithOp, Const, Expr, ExprKind, Function, Local, LocalId, Stmt, StmtKind, UnOp};
use crate::types::{Elem, Ty};

/// A field: the object's local, its index in units of its type, its type.
type Key = (LocalId, i64, Ty);

pub fn keep_in_locals(f: &mut Function) {
    let mut body = std::mem::take(&mut f.body);
    block(&mut body, &mut f.locals);
    f.body = body;
}

fn block(body: &mut Vec<Stmt>, locals: &mut Vec<Local>) {
    let mut k = 0;
    while k < body.len() {
        if let Some(fields) = candidate(&body[k]) {
            let line = body[k].line;
            let temps: Vec<(Key, LocalId)> = fields
                .loaded
                .iter()
                .map(|&key| {
                    let id = LocalId(locals.len() as u32);
                    locals.push(Local { name: format!("<field {} line {line}>", key.1), ty: key.2, c_array: None });
                    (key, id)
                })
                .collect();
            rewrite_loop(&mut body[k], &temps);
            let pre: Vec<Stmt> = temps.iter().map(|&(key, id)| Stmt { kind: StmtKind::Assign(vec![(id, field_load(key))]), line }).collect();
            let post: Vec<Stmt> = temps
                .iter()
                .filter(|(key, _)| fields.stored.contains(key))
                .map(|&(key, id)| Stmt { kind: StmtKind::Expr(field_store(key, Expr::local(id, key.2))), line })
                .collect();
            let (n_pre, n_post) = (pre.len(), post.len());
            body.splice(k..k, pre);
            k += n_pre + 1;
            body.splice(k..k, post);
            k += n_post;
            continue;
        }
        for b in crate::hir::blocks_mut(&mut body[k]) {
            block(b, locals);
        }
        k += 1;
    }
}

#[derive(Default)]
struct Fields {
    /// Every field the loop reads or writes (each is loaded before it).
    loaded: Vec<Key>,
    stored: Vec<Key>,
    /// Locals the loop assigns (the object's must not be one).
    assigned: Vec<LocalId>,
}

impl Fields {
    fn add(&mut self, key: Key) {
        if !self.loaded.contains(&key) {
            self.loaded.push(key);
        }
    }
}

/// The fields of a loop this applies to.
fn candidate(s: &Stmt) -> Option<Fields> {
    let mut fs = Fields::default();
    match &s.kind {
        StmtKind::ForRange { var, body, orelse, .. } => {
            fs.assigned.push(*var);
            stmts_ok(body, &mut fs).then_some(())?;
            stmts_ok(orelse, &mut fs).then_some(())?;
        }
        StmtKind::While { cond, body, orelse } => {
            (expr_ok(cond, &mut fs) && stmts_ok(body, &mut fs) && stmts_ok(orelse, &mut fs)).then_some(())?;
        }
        _ => return None,
    }
    let objects_kept = fs.loaded.iter().all(|(obj, ..)| !fs.assigned.contains(obj));
    (!fs.loaded.is_empty() && objects_kept).then_some(fs)
}

fn stmts_ok(body: &[Stmt], fs: &mut Fields) -> bool {
    body.iter().all(|s| match &s.kind {
        StmtKind::Assign(pairs) => pairs.iter().all(|(id, e)| {
            fs.assigned.push(*id);
            e.ty != Ty::Object && expr_ok(e, fs)
        }),
        StmtKind::Expr(Expr { kind: ExprKind::PtrStore { ptr, index, value }, .. }) => match field_of(ptr, index) {
            Some((obj, i)) => {
                let key = (obj, i, value.ty);
                fs.add(key);
                if !fs.stored.contains(&key) {
                    fs.stored.push(key);
                }
                expr_ok(value, fs)
            }
            None => false,
        },
        StmtKind::If { cond, then, orelse } => expr_ok(cond, fs) && stmts_ok(then, fs) && stmts_ok(orelse, fs),
        StmtKind::While { cond, body, orelse } => expr_ok(cond, fs) && stmts_ok(body, fs) && stmts_ok(orelse, fs),
        StmtKind::ForRange { var, start, stop, step, body, orelse, .. } => {
            fs.assigned.push(*var);
            expr_ok(start, fs) && expr_ok(stop, fs) && expr_ok(step, fs) && stmts_ok(body, fs) && stmts_ok(orelse, fs)
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Pass => true,
        _ => false,
    })
}

/// `ObjectData(local)[constant]`: the object and the index.
fn field_of(ptr: &Expr, index: &Expr) -> Option<(LocalId, i64)> {
    let ExprKind::ObjectData(obj) = &ptr.kind else { return None };
    let ExprKind::Local(id) = obj.kind else { return None };
    let ExprKind::Const(Const::Int(i)) = index.kind else { return None };
    Some((id, i))
}

fn unchecked_int(t: Ty) -> bool {
    matches!(t, Ty::Int(i) if !i.checked)
}

/// Whether evaluating `e` can neither fail nor touch memory other than
/// fields (whose loads it records).
fn expr_ok(e: &Expr, fs: &mut Fields) -> bool {
    match &e.kind {
        ExprKind::Const(_) => true,
        ExprKind::Local(_) => e.ty != Ty::Object && !matches!(e.ty, Ty::View(_)),
        ExprKind::PtrLoad { ptr, index } => match field_of(ptr, index) {
            Some((obj, i)) => {
                fs.add((obj, i, e.ty));
                true
            }
            None => false,
        },
        ExprKind::Binary(op, a, b) | ExprKind::NoOverflow(op, a, b) => {
            let float_ok = matches!(e.ty, Ty::Float(_)) && a.ty == e.ty && b.ty == e.ty && matches!(op, ArithOp::Add | ArithOp::Sub | ArithOp::Mul);
            let int_ok = unchecked_int(e.ty) && a.ty == e.ty && b.ty == e.ty
                && matches!(op, ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::BitAnd | ArithOp::BitOr | ArithOp::BitXor);
            (float_ok || int_ok) && expr_ok(a, fs) && expr_ok(b, fs)
        }
        ExprKind::Unary(op, x) => {
            let ok = match op {
                UnOp::Neg => matches!(e.ty, Ty::Float(_)) || unchecked_int(e.ty),
                UnOp::Invert => unchecked_int(e.ty),
                UnOp::Not => e.ty == Ty::Bool,
            };
            ok && expr_ok(x, fs)
        }
        ExprKind::Convert(x) => {
            let ok = match (x.ty, e.ty) {
                (Ty::Int(_) | Ty::Float(_) | Ty::Bool, Ty::Float(_)) => true,
                (Ty::Int(_) | Ty::Bool, t) => unchecked_int(t),
                _ => false,
            };
            ok && expr_ok(x, fs)
        }
        ExprKind::Compare { operands, .. } => operands.iter().all(|x| x.ty != Ty::Object && expr_ok(x, fs)),
        ExprKind::Truthy(x) => matches!(x.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool) && expr_ok(x, fs),
        ExprKind::And(a, b) | ExprKind::Or(a, b) => e.ty != Ty::Object && expr_ok(a, fs) && expr_ok(b, fs),
        ExprKind::IfExp { cond, then, orelse, .. } => e.ty != Ty::Object && expr_ok(cond, fs) && expr_ok(then, fs) && expr_ok(orelse, fs),
        _ => false,
    }
}

fn field_load(key: Key) -> Expr {
    let (ptr, index) = address(key);
    Expr { kind: ExprKind::PtrLoad { ptr: Box::new(ptr), index: Box::new(index) }, ty: key.2 }
}

fn field_store(key: Key, value: Expr) -> Expr {
    let (ptr, index) = address(key);
    Expr { kind: ExprKind::PtrStore { ptr: Box::new(ptr), index: Box::new(index), value: Box::new(value) }, ty: Ty::Void }
}

fn address((obj, i, ty): Key) -> (Expr, Expr) {
    let ptr = Expr { kind: ExprKind::ObjectData(Box::new(Expr::local(obj, Ty::Object))), ty: Ty::Ptr(Elem::of(ty)) };
    let ssize = crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int());
    (ptr, Expr::konst(Const::Int(i), ssize))
}

fn temp_of(temps: &[(Key, LocalId)], key: Key) -> Option<LocalId> {
    temps.iter().find(|(k, _)| *k == key).map(|(_, id)| *id)
}

/// The loop's body (and a `while`'s condition) on the locals.
fn rewrite_loop(s: &mut Stmt, temps: &[(Key, LocalId)]) {
    match &mut s.kind {
        StmtKind::ForRange { body, orelse, .. } => {
            rewrite_block(body, temps);
            rewrite_block(orelse, temps);
        }
        StmtKind::While { cond, body, orelse } => {
            rewrite_expr(cond, temps);
            rewrite_block(body, temps);
            rewrite_block(orelse, temps);
        }
        _ => {}
    }
}

fn rewrite_block(body: &mut [Stmt], temps: &[(Key, LocalId)]) {
    for s in body.iter_mut() {
        if let StmtKind::Expr(Expr { kind: ExprKind::PtrStore { ptr, index, value }, .. }) = &mut s.kind {
            if let Some((obj, i)) = field_of(ptr, index) {
                if let Some(id) = temp_of(temps, (obj, i, value.ty)) {
                    let mut v = std::mem::replace(&mut **value, Expr::konst(Const::Int(0), Ty::Bool));
                    rewrite_expr(&mut v, temps);
                    s.kind = StmtKind::Assign(vec![(id, v)]);
                    continue;
                }
            }
        }
        for e in crate::hir::own_exprs_mut(s) {
            rewrite_expr(e, temps);
        }
        for b in crate::hir::blocks_mut(s) {
            rewrite_block(b, temps);
        }
    }
}

fn rewrite_expr(e: &mut Expr, temps: &[(Key, LocalId)]) {
    crate::hir::visit_expr_mut(e, &mut |x| {
        if let ExprKind::PtrLoad { ptr, index } = &x.kind {
            if let Some((obj, i)) = field_of(ptr, index) {
                if let Some(id) = temp_of(temps, (obj, i, x.ty)) {
                    *x = Expr::local(id, x.ty);
                }
            }
        }
    });
}
