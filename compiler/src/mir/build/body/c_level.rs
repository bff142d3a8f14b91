//! C-level expressions in a native body: calls of extern C functions and
//! through C function pointers (with the pointer type's exception test),
//! C variables' reads and stores, C string constants, cfuncs' C entries'
//! addresses, loads, stores and arithmetic through C pointers, an object's
//! memory as a pointer (`ObjectData`). Out of line from `expr`, which
//! recurses and keeps a small frame.

use super::{BodyBuilder, B};
use crate::hir::{Expr, ExprKind};
use crate::mir::body::BodyOp;
use crate::mir::Local;
use crate::types::{ExceptSpec, Ty};

impl BodyBuilder<'_, '_> {
    /// `e`'s value when it is a C-level expression; `None` (nothing built)
    /// otherwise.
    #[inline(never)]
    pub(super) fn c_level_expr(&mut self, e: &Expr) -> B<Option<Local>> {
        let ty = e.ty;
        Ok(Some(match &e.kind {
            ExprKind::CCall { symbol, args, except, variadic, by_value } => {
                let mut vals = vec![];
                for a in args {
                    vals.push(self.expr(a)?);
                }
                let params = args.iter().map(|a| a.ty).collect();
                let rt = if ty == Ty::Void { Ty::Bool } else { ty };
                self.value(rt, BodyOp::CCall { symbol: symbol.clone(), args: vals, params, ret: ty, except: *except, variadic: *variadic, by_value: *by_value })
            }
            ExprKind::CallPtr(xs) => {
                let mut vals = vec![];
                for a in xs {
                    vals.push(self.expr(a)?);
                }
                let params = xs.iter().skip(1).map(|a| a.ty).collect();
                let rt = if ty == Ty::Void { Ty::Bool } else { ty };
                let except = pointer_except(xs.first().map(|f| f.ty))?;
                self.value(rt, BodyOp::CallPtr { args: vals, params, ret: ty, except })
            }
            ExprKind::CGlobal(symbol) => self.value(ty, BodyOp::CGlobal { symbol: symbol.clone(), ty }),
            ExprKind::CGlobalStore { symbol, value } => {
                let v = self.expr(value)?;
                self.value(Ty::Bool, BodyOp::CGlobalStore { symbol: symbol.clone(), value: v, ty: value.ty })
            }
            ExprKind::CString(text) => self.value(ty, BodyOp::CString { text: text.clone() }),
            ExprKind::FuncAddr { func, params, ret, name, .. } => {
                self.value(ty, BodyOp::FuncAddr { func: *func, params: params.clone(), ret: *ret, name: name.clone() })
            }
            ExprKind::PtrLoad { ptr, index } => self.ptr_load(ty, ptr, index)?,
            ExprKind::PtrStore { ptr, index, value } => self.ptr_store(ptr, index, value)?,
            ExprKind::PtrOffset { ptr, offset, negate } => {
                // The pointer moved decides the step: the sum itself may have
                // been passed on as a `void*`.
                let Ty::Ptr(Some(elem)) = ptr.ty else { return Err(format!("arithmetic on {} reached the back end", ptr.ty)) };
                let p = self.expr(ptr)?;
                let i = self.expr(offset)?;
                self.value(ty, BodyOp::PtrOffset { ptr: p, index: i, elem: elem.ty(), negate: *negate })
            }
            ExprKind::ObjectData(obj) => {
                let o = self.expr(obj)?;
                self.value(ty, BodyOp::ObjectData { obj: o })
            }
            _ => return Ok(None),
        }))
    }
}

/// The exception specification of the function pointer type `t` a call
/// goes through.
fn pointer_except(t: Option<Ty>) -> B<ExceptSpec> {
    match t {
        Some(Ty::FnPtr(p)) => Ok(p.sig().except),
        _ => Err("a call through a pointer without its function pointer type".into()),
    }
}
