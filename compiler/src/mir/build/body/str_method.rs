//! `o.m(args)` with `m` one of str's methods (`mir::str_fast_method`), no
//! keywords, and an argument that is not `quiet` (a quiet call is already
//! a call by name, `CallMethod`, whose code takes str's C function on an
//! exact str). Python looks the method up before it evaluates the
//! arguments (`LoadMethod`); on an exact str that lookup can neither fail
//! (every name on the list exists from 3.9) nor run code, so the order
//! is unobservable and the call goes by name with the arguments evaluated
//! first. A str constant receiver is that call outright; any other
//! receiver is tested (`IsExactStr`): an exact str takes the call by name,
//! anything else the lookup first. The arguments are built in both
//! branches, so only when each is cheap to build twice (quiet, or a module
//! global's read).

use super::object::quiet;
use super::{BodyBuilder, B};
use crate::hir::{Expr, ExprKind, ObjConst, ObjOp};
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

/// An argument built once per branch: it makes no blocks of its own.
fn twice(e: &Expr) -> bool {
    quiet(e) || matches!(&e.kind, ExprKind::ObjOp { op: ObjOp::Global(_), operands } if operands.is_empty())
}

impl BodyBuilder<'_, '_> {
    /// The call's result, or `None` (nothing built) when its arguments
    /// are not all cheap to build twice and the receiver is no str constant.
    pub(super) fn str_method_call(&mut self, name: &str, receiver: &Expr, args: &[Expr]) -> B<Option<Local>> {
        let obj = LocalTy::Object;
        if matches!(receiver.kind, ExprKind::ObjConst(ObjConst::Str(_))) {
            let mut vals = vec![self.expr(receiver)?];
            for x in args {
                vals.push(self.expr(x)?);
            }
            return self.call_method(name, vals, &[]).map(Some);
        }
        if !args.iter().all(twice) {
            return Ok(None);
        }
        let recv = self.expr(receiver)?;
        let result = self.b.local(obj, Some(name));
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let exact = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactStr { obj: recv });
        self.terminate(Terminator::Branch { cond: exact, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        let mut vals = vec![recv];
        for x in args {
            vals.push(self.expr(x)?);
        }
        let r = self.call_method(name, vals, &[])?;
        self.b.op(vec![result], OpKind::Assign { src: r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(slow);
        self.reachable = true;
        let r = self.loaded_method_call(recv, name, args, &[])?;
        self.b.op(vec![result], OpKind::Assign { src: r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(Some(result))
    }
}
