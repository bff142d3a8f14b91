//! Fields of structs in C memory kept in locals through a loop body: a
//! `for i` body that touches C memory only as `ps[i]`'s fields reads each
//! field once and writes through, where Cranelift (which cannot tell one
//! field's store from another field's load) would load it again after every
//! store.

use super::{syntax, walk_expr, walk_stmt_exprs, Lower, R};
use crate::frontend::struct_convert::At;
use crate::syntax::{Expr, ExprKind, Stmt, StmtKind};

impl Lower<'_, '_> {
    /// `ps[i].f`'s key in `cached`: pointer and index plain names.
    pub(super) fn cache_key(p: &Expr, i: &Expr, f: &str) -> Option<(String, String, String)> {
        match (&p.kind, &i.kind) {
            (ExprKind::Name(p), ExprKind::Name(i)) => Some((p.clone(), i.clone(), f.to_string())),
            _ => None,
        }
    }

    /// A `for i in …` body, lowered. When it touches C memory only as
    /// fields of `ps[i]` (one pointer, the loop's variable, neither rebound),
    /// writes nothing but locals and those fields, calls nothing, holds no
    /// loop or `try`, and reaches `ps[i]` unconditionally, the fields it reads
    /// are loaded once at its start into hidden locals and every store
    /// writes through them: a store to one field would otherwise make
    /// Cranelift load the others again (it cannot tell the fields apart),
    /// where C's alias analysis keeps them in registers. Memory is written
    /// in the same order either way; nothing else can write it meanwhile.
    pub(super) fn loop_body(&mut self, target: &Expr, body: &[Stmt]) -> R<Vec<Stmt>> {
        let Some(plan) = self.cache_plan(target, body) else { return self.block(body) };
        let (p, i, fields) = plan;
        let base = self.hidden("c");
        let sp = &target.span;
        let at = At(sp);
        let (_, layout) = self.layout(&self.pointers[&p].0, sp)?;
        let mut pre = vec![];
        for (f, _, t, is_ptr) in layout {
            if is_ptr || !fields.contains(&f) {
                continue;
            }
            let c = format!("{base}.{f}");
            self.temps.borrow_mut().1.push(at.declare(&c, t));
            let field = Expr { kind: ExprKind::Attribute { value: Box::new(at.item(at.name(&p), at.name(&i))), attr: f.clone() }, span: sp.clone() };
            pre.push(at.assign(at.name(&c), self.expr(&field)?));
            self.cached.insert((p.clone(), i.clone(), f), c);
        }
        let lowered = self.block(body);
        self.cached.clear();
        pre.extend(lowered?);
        Ok(pre)
    }

    /// Whether `loop_body` may cache: the pointer, the index and the fields read.
    pub(super) fn cache_plan(&self, target: &Expr, body: &[Stmt]) -> Option<(String, String, Vec<String>)> {
        let ExprKind::Name(i) = &target.kind else { return None };
        if !self.cached.is_empty() {
            return None;
        }
        let mut bound = vec![];
        body.iter().for_each(|s| syntax::bound_names(s, &mut bound));
        let mut pointer: Option<String> = None;
        let mut read: Vec<String> = vec![];
        let mut ok = true;
        let mut unconditional = false;
        // Every expression: fields of `ps[i]` only, no other C memory written, no calls.
        let see = |e: &Expr, ok: &mut bool, pointer: &mut Option<String>, read: &mut Vec<String>| {
            walk_expr(e, &mut |x| match &x.kind {
                ExprKind::Attribute { .. } if self.pointer_field(x).is_some() => {
                    let Some((p, idx, f)) = self.pointer_field(x) else { return };
                    match (&p.kind, &idx.kind) {
                        (ExprKind::Name(pn), ExprKind::Name(iv)) if iv == i && pointer.as_ref().map_or(true, |q| q == pn) => {
                            *pointer = Some(pn.clone());
                            if !read.contains(&f) {
                                read.push(f);
                            }
                        }
                        _ => *ok = false,
                    }
                }
                ExprKind::Call { func, .. } => {
                    *ok &= matches!(&func.kind, ExprKind::Name(n) if ["abs", "min", "max"].contains(&n.as_str()) && !self.cx.module_names.contains(n));
                }
                ExprKind::Comp { .. } | ExprKind::Other(_) => *ok = false,
                _ => {}
            })
        };
        for s in body {
            let mut stmts = vec![s];
            while let Some(s) = stmts.pop() {
                match &s.kind {
                    StmtKind::Assign { targets, value } => {
                        if targets.len() != 1 {
                            ok = false;
                        }
                        for t in targets {
                            match &t.kind {
                                ExprKind::Name(_) => {}
                                ExprKind::Attribute { value: v, .. } if self.pointer_field(t).is_none() && self.struct_local(v).is_some() => {}
                                // A whole struct stored bypasses the hidden locals.
                                ExprKind::Attribute { .. } if self.mem_place(t).is_some() => ok = false,
                                ExprKind::Attribute { .. } if self.pointer_field(t).is_some() => {
                                    // A store alone reads nothing; its pointer and index still count.
                                    let Some((p, idx, _)) = self.pointer_field(t) else { continue };
                                    match (&p.kind, &idx.kind) {
                                        (ExprKind::Name(pn), ExprKind::Name(iv)) if iv == i && pointer.as_ref().map_or(true, |q| q == pn) => pointer = Some(pn.clone()),
                                        _ => ok = false,
                                    }
                                }
                                _ => ok = false,
                            }
                        }
                        see(value, &mut ok, &mut pointer, &mut read);
                    }
                    StmtKind::AugAssign { target: t, value, .. } => {
                        match &t.kind {
                            ExprKind::Name(_) => {}
                            ExprKind::Attribute { .. } if self.pointer_field(t).is_some() => see(t, &mut ok, &mut pointer, &mut read),
                            _ => ok = false,
                        }
                        see(value, &mut ok, &mut pointer, &mut read);
                    }
                    StmtKind::If { test, body, orelse } => {
                        see(test, &mut ok, &mut pointer, &mut read);
                        stmts.extend(body.iter().chain(orelse));
                    }
                    StmtKind::Expr(e) => see(e, &mut ok, &mut pointer, &mut read),
                    StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
                    _ => ok = false,
                }
            }
            // `ps[i]` reached on every trip: loading its other fields early reads the same struct.
            if matches!(s.kind, StmtKind::Assign { .. } | StmtKind::AugAssign { .. } | StmtKind::Expr(_)) {
                let mut touches = false;
                walk_stmt_exprs(s, &mut |e| walk_expr(e, &mut |x| touches |= self.pointer_field(x).is_some()));
                unconditional |= touches;
            }
        }
        let p = pointer?;
        (ok && unconditional && !read.is_empty() && !bound.iter().any(|b| *b == p || b == i)).then_some((p, i.clone(), read))
    }
}
