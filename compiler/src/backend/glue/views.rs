//! Which memoryview parameters the code writes through (directly, through a
//! view sliced from them, by passing them to a function that does, or by
//! taking an element's address, which C code may store through): their
//! wrappers ask for a writable buffer.

use crate::hir::{self, FuncId, Function};
use crate::types::Ty;
use std::collections::HashSet;

/// Parameters (function, index) whose memoryview the code writes to, directly
/// or by passing it on to a function that does: those need a writable buffer.
pub(super) fn written_views(m: &hir::Module) -> HashSet<(FuncId, usize)> {
    let mut written = HashSet::new();
    loop {
        let before = written.len();
        for f in &m.functions {
            for (i, p) in f.params.iter().enumerate() {
                if !matches!(p.ty, Ty::View(_)) || written.contains(&(f.id, i)) {
                    continue;
                }
                let roots = view_roots(f);
                let root = |v: hir::LocalId| roots.get(&v).copied().unwrap_or(v);
                let mut writes = false;
                visit_stores_and_calls(&f.body, &mut |kind| match kind {
                    ViewUse::Store(v) => writes |= root(v) == p.local,
                    ViewUse::Pass(callee, k, v) => writes |= root(v) == p.local && written.contains(&(callee, k)),
                });
                if writes {
                    written.insert((f.id, i));
                }
            }
        }
        if written.len() == before {
            return written;
        }
    }
}

/// For each memoryview local, the local it was (transitively) sliced or
/// copied from, so a store through `row = m[i]` counts as a store to `m`.
fn view_roots(f: &Function) -> std::collections::HashMap<hir::LocalId, hir::LocalId> {
    let mut roots = std::collections::HashMap::new();
    // A view may be re-pointed in a loop before being written: iterate to a fixpoint.
    for _ in 0..4 {
        hir::visit_stmts(&f.body, &mut |s| {
            let hir::StmtKind::Assign(pairs) = &s.kind else { return };
            for (dst, e) in pairs {
                let src = match &e.kind {
                    hir::ExprKind::Local(v) if matches!(e.ty, Ty::View(_)) => Some(*v),
                    hir::ExprKind::SliceView { view, .. } => Some(*view),
                    _ => None,
                };
                if let Some(src) = src {
                    let r = roots.get(&src).copied().unwrap_or(src);
                    roots.insert(*dst, r);
                }
            }
        });
    }
    roots
}

enum ViewUse {
    Store(hir::LocalId),
    Pass(FuncId, usize, hir::LocalId),
}

fn visit_stores_and_calls(body: &[hir::Stmt], f: &mut impl FnMut(ViewUse)) {
    hir::visit_stmts(body, &mut |s| {
        if let hir::StmtKind::Store { view, .. } | hir::StmtKind::CopyView { dst: view, .. } = &s.kind {
            f(ViewUse::Store(*view))
        }
    });
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_expr(e, &mut |x| {
            if let hir::ExprKind::ElemAddr(elem) = &x.kind {
                if let hir::ExprKind::Index { view, .. } = &elem.kind {
                    f(ViewUse::Store(*view))
                }
            }
            if let hir::ExprKind::Call(callee, args) = &x.kind {
                for (k, a) in args.iter().enumerate() {
                    match (&a.kind, a.ty) {
                        (hir::ExprKind::Local(v), Ty::View(_)) => f(ViewUse::Pass(*callee, k, *v)),
                        (hir::ExprKind::SliceView { view, .. }, _) => f(ViewUse::Pass(*callee, k, *view)),
                        _ => {}
                    }
                }
            }
        })
    });
}

