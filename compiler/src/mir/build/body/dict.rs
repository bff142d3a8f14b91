//! Dicts in a native body. `o.get(key[, default])` of any object: an
//! exact dict's value by `DictItem`, anything else its `get` called.
//! Object locals that hold an exact dict whenever bound
//! (`hir::dict_locals`: every assignment a dict display or comprehension,
//! as Cython infers `dict`): `d[k]`, `d[k] = v`, `d.get(k[, default])` and
//! `k in d` on one go straight to the dict's C functions, with no type
//! test and no list fast path tried first. A key missing from `d[k]`
//! takes `PyObject_GetItem`, whose KeyError is the interpreter's own.

use super::object::STATUS;
use super::{BodyBuilder, B};
use crate::hir::{Expr, ExprKind, ObjConst, ObjOp};
use crate::mir::primitives as p;
use crate::mir::{BlockId, Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

impl BodyBuilder<'_, '_> {
    /// Whether `e` reads a local that always holds an exact dict.
    pub(super) fn is_dict_local(&self, e: &Expr) -> bool {
        matches!(e.kind, ExprKind::Local(id) if self.fr.dicts.contains(&id))
    }

    /// `op` of its evaluated operands when its object operand is a dict
    /// local (`operands` as the HIR gives them); `None` (nothing built)
    /// for every other operation. Not inlined: `expr` recurses through
    /// its caller, whose frame must stay small.
    #[inline(never)]
    pub(super) fn exact_dict_op(&mut self, op: &ObjOp, operands: &[Expr], vals: &[Local]) -> B<Option<Local>> {
        Ok(match (op, operands, vals) {
            (ObjOp::GetItem, [d, _], [o, k]) if self.is_dict_local(d) => Some(self.exact_dict_item(*o, *k)),
            (ObjOp::SetItem, [_, d, _], [v, o, k]) if self.is_dict_local(d) => {
                Some(self.b.value(LocalTy::Scalar(STATUS), OpKind::CallC { prim: &p::PY_DICT_SET_ITEM, args: vec![*o, *k, *v] }))
            }
            _ => None,
        })
    }

    /// `d[k]` of an exact dict: the value, or (the key not there)
    /// `PyObject_GetItem`'s KeyError.
    fn exact_dict_item(&mut self, d: Local, k: Local) -> Local {
        let (hit, miss, join) = (self.b.block(false), self.b.block(true), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("item"));
        let item = self.b.local(LocalTy::Object, None);
        let found = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![item, found], OpKind::DictItem { dict: d, key: k });
        self.terminate(Terminator::Branch { cond: found, then: hit, otherwise: miss });
        self.b.switch_to(hit);
        self.reachable = true;
        self.b.op(vec![result], OpKind::Assign { src: item });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(miss);
        self.reachable = true;
        self.b.op(vec![result], OpKind::CallC { prim: &p::PY_OBJECT_GET_ITEM, args: vec![d, k] });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        result
    }

    /// `d.get(key[, default])` of an exact dict (`args`: `d`, `key`,
    /// `default`): the value, or the default (None when not given).
    #[inline(never)]
    pub(super) fn exact_dict_get(&mut self, args: Vec<Local>) -> Local {
        let join = self.b.block(false);
        let result = self.b.local(LocalTy::Object, Some("get"));
        self.item_or_default(&args, result, join);
        self.b.switch_to(join);
        self.reachable = true;
        result
    }

    /// `o.get(key[, default])` (`args`: `o`, `key`, `default`): an exact
    /// dict's value by `PyDict_GetItemWithError`, or the default (None when
    /// not given) when the key is not there; anything else calls its `get`.
    pub(super) fn dict_get(&mut self, args: Vec<Local>) -> B<Local> {
        let (fast, slow, join) = (self.b.block(false), self.b.block(false), self.b.block(false));
        let result = self.b.local(LocalTy::Object, Some("get"));
        let exact = self.b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsExactDict { obj: args[0] });
        self.terminate(Terminator::Branch { cond: exact, then: fast, otherwise: slow });
        self.b.switch_to(fast);
        self.reachable = true;
        self.item_or_default(&args, result, join);
        self.b.switch_to(slow);
        self.reachable = true;
        let r = self.call_method("get", args, &[])?;
        self.b.op(vec![result], OpKind::Assign { src: r });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(join);
        self.reachable = true;
        Ok(result)
    }

    /// `args[0]`, an exact dict: its item at `args[1]`, or `args[2]` (None
    /// when not given), assigned to `result`, then on to `join`.
    fn item_or_default(&mut self, args: &[Local], result: Local, join: BlockId) {
        let (hit, miss) = (self.b.block(false), self.b.block(false));
        let item = self.b.local(LocalTy::Object, None);
        let found = self.b.local(LocalTy::Scalar(Ty::Bool), None);
        self.b.op(vec![item, found], OpKind::DictItem { dict: args[0], key: args[1] });
        self.terminate(Terminator::Branch { cond: found, then: hit, otherwise: miss });
        self.b.switch_to(hit);
        self.reachable = true;
        self.b.op(vec![result], OpKind::Assign { src: item });
        self.terminate(Terminator::Goto(join));
        self.b.switch_to(miss);
        self.reachable = true;
        let default = match args.get(2) {
            Some(d) => *d,
            None => self.b.value(LocalTy::Object, OpKind::LoadConst(ObjConst::None)),
        };
        self.b.op(vec![result], OpKind::Assign { src: default });
        self.terminate(Terminator::Goto(join));
    }
}
