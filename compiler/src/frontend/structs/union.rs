//! Unions (`cython.union(d=cython.double, i=cython.longlong)`): a union
//! local is one C `long long` array (enough words for its largest field),
//! each field a cast load or store of its first word, as C reads it.

use super::{fallback, Lower, R};
use crate::frontend::struct_convert::At;
use crate::syntax::{self, Expr, Stmt};

impl Lower<'_, '_> {
    /// A union's storage: C `long long`s enough for its largest field
    /// (aligned as any of them), and their count.
    pub(super) fn union_words(&self, key: &str, sp: &syntax::Span) -> R<i64> {
        let mut size = 1;
        for (f, t) in self.fields(key) {
            size = size.max(match self.cx.resolve_type(t) {
                Ok(crate::types::Ty::Int(i)) => i64::from(i.bits / 8),
                Ok(crate::types::Ty::Float(w)) => i64::from(w / 8),
                _ => return fallback(sp, format!("the field `{f}` of the union `{key}` is no C number")),
            });
        }
        Ok((size + 7) / 8)
    }

    /// The storage local of union local `p`.
    pub(super) fn union_memory(p: &str) -> String {
        format!("{p}.#mem")
    }

    /// Field `f` of union local `p`, its storage read as C reads it:
    /// `cython.cast(cython.pointer(T), cython.address(p.#mem[0]))[0]`.
    pub(super) fn union_field(&self, p: &str, key: &str, f: &str, sp: &syntax::Span) -> Option<Expr> {
        let (_, t) = self.fields(key).iter().find(|(g, _)| g == f)?;
        let m = self.cython_module(sp).ok()?;
        let at = At(sp);
        let word = at.item(at.name(&Self::union_memory(p)), at.int(0));
        let addr = at.call(Self::cython_name(&m, "address", sp), vec![word]);
        let ty = at.call(Self::cython_name(&m, "pointer", sp), vec![t.clone()]);
        Some(at.item(at.call(Self::cython_name(&m, "cast", sp), vec![ty, addr]), at.int(0)))
    }

    /// The declaration of union local `p`'s storage.
    pub(super) fn declare_union(&self, p: &str, key: &str, sp: &syntax::Span) -> R<Stmt> {
        let words = self.union_words(key, sp)?;
        let m = self.cython_module(sp)?;
        let at = At(sp);
        Ok(at.declare(&Self::union_memory(p), at.item(Self::cython_name(&m, "longlong", sp), at.int(words))))
    }
}
