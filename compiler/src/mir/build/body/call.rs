//! Calls of the module's compiled functions in a native body: a direct
//! call or the callee inlined in a frame of its own (`Plan`'s decision), a
//! cfunc called through the receiver's class table (the exact class's own
//! implementation inlined behind a type test when small, the table call
//! for anything else, None checked as Cython checks it), and new instances
//! of the module's cclasses (`tp_new` with `__cinit__`'s arguments, then
//! the native `__init__`).

use super::{holds_objects, BodyBuilder, B};
use crate::hir::{self, Const, Expr, ExprKind, FuncId};
use crate::mir::body::BodyOp;
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

impl BodyBuilder<'_, '_> {
    /// A call of a compiled function: inlined, or a direct call. (Out of
    /// `expr`, whose frame every nesting level pays.)
    #[inline(never)]
    pub(super) fn call(&mut self, ty: Ty, id: FuncId, args: &[Expr]) -> B<Local> {
        let mut vals = vec![];
        // Per parameter, the buffer its view argument is read
        // from (an inlined callee's reads of it hold that buffer).
        let mut arg_bufs = vec![];
        // Per parameter, the caller's variable passed as it is (a
        // view's parts; `bind_params`).
        let mut arg_vars = vec![];
        for a in args {
            match a.ty {
                Ty::View(_) => {
                    vals.extend(self.view_value(a)?);
                    arg_bufs.push(self.view_buffer(a));
                    arg_vars.push(match a.kind {
                        ExprKind::Local(id) => self.fr.views.get(&id).cloned(),
                        _ => None,
                    });
                }
                _ => {
                    vals.push(self.expr(a)?);
                    arg_bufs.push(None);
                    arg_vars.push(match a.kind {
                        ExprKind::Local(id) if a.ty != Ty::Object => self.fr.locals.get(id.0 as usize).map(|&l| vec![l]),
                        _ => None,
                    });
                }
            }
        }
        // A call returning None gives a dummy bint.
        let rt = if ty == Ty::Void { Ty::Bool } else { ty };
        if let Some(size) = self.inlines(id, false) {
            self.inlined += size;
            return self.inline_call(id, vals, &arg_bufs, &arg_vars, rt);
        }
        let limit = match (self.plan.big_frame)(id) {
            Some(bytes) => self.b.value(LocalTy::Ptr, OpKind::Body(BodyOp::RoomFor { bytes, limit: self.limit })),
            None => self.limit,
        };
        Ok(self.value(rt, BodyOp::Call { func: id, args: vals, limit, virt: None }))
    }

    /// Whether a call of `id` is inlined here (`table`: the known entry of
    /// a table call), and the HIR nodes it takes in. A function with GIL
    /// regions or a prange is called, and so is a callee with views of
    /// such a function (inlining them into a GIL region is not tested
    /// yet); a function holding objects other than object parameters it
    /// reads as they are is called too (`holds_objects`). Asked only of a
    /// callee that would be inlined (small), so no call site walks a big
    /// body.
    fn inlines(&self, id: FuncId, table: bool) -> Option<usize> {
        let same = self.outer.iter().chain([&self.fr]).filter(|fr| fr.f.id == id).count();
        let root_keeps_frame = self.root_keeps_frame;
        let called = |c: &hir::Function| {
            let has_views = || c.locals.iter().any(|l| matches!(l.ty, Ty::View(_)));
            holds_objects(c) || c.reraises() || (root_keeps_frame && has_views()) || hir::keeps_own_frame(c)
        };
        (self.plan.inlines)(id, self.outer.len(), self.inlined, same, table).filter(|_| !self.plan.m.functions.get(id.0 as usize).is_some_and(called))
    }

    /// A cfunc called through the receiver's table, with room for the
    /// biggest frame of the implementations. When the static class's
    /// implementation would be inlined (`inlines`, with the table's size
    /// limit) and takes no views: a receiver of exactly the class defining
    /// it (whose table holds it in that slot; a Python subclass's instance
    /// is not exactly of it) runs it in place, tested before the receiver's
    /// None check (None is not of the class); any other is checked, then
    /// called through its table. The other arguments are evaluated in each
    /// way, after the receiver as before. (Out of `expr`, whose frame every
    /// nesting level pays.)
    #[inline(never)]
    pub(super) fn virtual_call(&mut self, ty: Ty, impls: &[hir::FuncId], slot: u32, vtab_offset: u32, args: &[Expr]) -> B<Local> {
        let rt = if ty == Ty::Void { Ty::Bool } else { ty };
        let func = *impls.first().ok_or("a table call without an implementation")?;
        let (first, rest) = args.split_first().ok_or("a table call without a receiver")?;
        let no_views = self.plan.m.functions.get(func.0 as usize).is_some_and(|c| !c.locals.iter().any(|l| matches!(l.ty, Ty::View(_))));
        let holds_it = |c: &&hir::ExtClass| c.vtable.get(slot as usize) == Some(&func);
        let class = self.plan.m.classes.iter().filter(holds_it).find(|c| c.c_methods.contains(&func) || c.methods.iter().any(|m| m.1 == func));
        let known = match (no_views, class) {
            (true, Some(c)) => self.inlines(func, true).map(|size| (c.name.clone(), size)),
            _ => None,
        };
        let Some((class, size)) = known else {
            let vals = args.iter().map(|a| self.expr(a)).collect::<B<Vec<_>>>()?;
            return Ok(self.table_call(rt, impls, func, vals, slot, vtab_offset));
        };
        let (recv, guard) = match &first.kind {
            ExprKind::NoneGuard { obj, attr, store } => (&**obj, Some((attr, *store))),
            _ => (first, None),
        };
        let obj = self.expr(recv)?;
        let exact = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsClassInstance { obj, class, exact: true, inherits: None });
        let (known_b, table_b, merge) = (self.b.block(false), self.b.block(false), self.b.block(false));
        // A call returning None joins nothing: its dummy bint is made after.
        let joined = (ty != Ty::Void).then(|| self.b.local(LocalTy::Scalar(rt), Some("table call value")));
        if let Some(j) = joined {
            self.b.passes(merge, j);
        }
        self.terminate(Terminator::Branch { cond: exact, then: known_b, otherwise: table_b });
        self.b.switch_to(known_b);
        self.reachable = true;
        let mut vals = vec![obj];
        for a in rest {
            vals.push(self.expr(a)?);
        }
        // A C local passed as it is is read in place (`bind_params`).
        let arg_vars: Vec<Option<Vec<Local>>> = args
            .iter()
            .map(|a| match a.kind {
                ExprKind::Local(id) if a.ty != Ty::Object => self.fr.locals.get(id.0 as usize).map(|&l| vec![l]),
                _ => None,
            })
            .collect();
        self.inlined += size;
        let v = self.inline_call(func, vals, &vec![None; args.len()], &arg_vars, rt)?;
        if let Some(j) = joined {
            self.op(vec![j], BodyOp::Copy { src: v });
        }
        self.terminate(Terminator::Goto(merge));
        self.b.switch_to(table_b);
        self.reachable = true;
        let obj = match guard {
            Some((attr, store)) => self.none_guard(obj, attr, store),
            None => obj,
        };
        let mut vals = vec![obj];
        for a in rest {
            vals.push(self.expr(a)?);
        }
        let v = self.table_call(rt, impls, func, vals, slot, vtab_offset);
        if let Some(j) = joined {
            self.op(vec![j], BodyOp::Copy { src: v });
        }
        self.terminate(Terminator::Goto(merge));
        self.b.switch_to(merge);
        self.reachable = true;
        Ok(match joined {
            Some(j) => self.value(rt, BodyOp::Copy { src: j }),
            None => self.value(rt, BodyOp::Const { c: Const::Bool(false), ty: Ty::Bool }),
        })
    }

    /// The call through the receiver's table itself.
    fn table_call(&mut self, rt: Ty, impls: &[hir::FuncId], func: FuncId, vals: Vec<Local>, slot: u32, vtab_offset: u32) -> Local {
        let limit = match impls.iter().filter_map(|id| (self.plan.big_frame)(*id)).max() {
            Some(bytes) => self.b.value(LocalTy::Ptr, OpKind::Body(BodyOp::RoomFor { bytes, limit: self.limit })),
            None => self.limit,
        };
        self.value(rt, BodyOp::Call { func, args: vals, limit, virt: Some((vtab_offset, slot)) })
    }

    /// `Class(args)` made directly: the arguments, then the instance
    /// (`tp_new`), then the native `__init__` on it (its error releases the
    /// instance through the passes); the instance. (Out of `expr`, whose
    /// frame every nesting level pays.)
    #[inline(never)]
    pub(super) fn new_instance(&mut self, class: &str, init: hir::FuncId, args: &[Expr], ret: Ty, cinit_args: Option<u32>) -> B<Local> {
        let vals = args.iter().map(|a| self.expr(a)).collect::<B<Vec<_>>>()?;
        // A `__cinit__` taking arguments: `tp_new` gets those given, boxed.
        let tuple = match cinit_args {
            Some(n) => {
                let mut boxed = vec![];
                for (v, a) in vals.iter().zip(args).take(n as usize) {
                    // A number constant as the module's constant object.
                    let konst = match (&a.kind, a.ty) {
                        (ExprKind::Const(hir::Const::Float(x)), Ty::Float(64)) => Some(hir::ObjConst::Float(*x)),
                        (ExprKind::Const(hir::Const::Int(i)), Ty::Int(t)) if t.signed => Some(hir::ObjConst::Int(i128::from(*i))),
                        _ => None,
                    };
                    boxed.push(match konst {
                        Some(c) => self.b.value(LocalTy::Object, OpKind::LoadConst(c)),
                        None => crate::mir::build::wrapper::boxed(self.b, Some(*v), a.ty)?,
                    });
                }
                Some(boxed)
            }
            None => None,
        };
        let obj = self.b.value(LocalTy::Object, OpKind::NewInstance { class: class.to_string(), args: tuple });
        let rt = if ret == Ty::Void { Ty::Bool } else { ret };
        let limit = match (self.plan.big_frame)(init) {
            Some(bytes) => self.b.value(LocalTy::Ptr, OpKind::Body(BodyOp::RoomFor { bytes, limit: self.limit })),
            None => self.limit,
        };
        let all = std::iter::once(obj).chain(vals).collect();
        self.value(rt, BodyOp::Call { func: init, args: all, limit, virt: None });
        Ok(obj)
    }
}
