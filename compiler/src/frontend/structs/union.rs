//! Unions (`cython.union(d=cython.double, i=cython.longlong)`): a union
//! local is one C `long long` array (enough words for its largest field),
//! each field a cast load or store of its first word, as C reads it. A C
//! array of unions (`us: U[n][m]`) is one C `long long` array with the
//! words as its last axis (`us.#mem: longlong[n][m][words]`), `us[i][j].d`
//! the same cast at `us.#mem[i, j, 0]`.

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
        self.declare_union_array(p, key, &[], sp)
    }

    /// The declaration of the storage of union local `p`, or of the C array
    /// of unions `p` with dimensions `dims`: the words its last axis.
    pub(super) fn declare_union_array(&self, p: &str, key: &str, dims: &[Expr], sp: &syntax::Span) -> R<Stmt> {
        let words = self.union_words(key, sp)?;
        let m = self.cython_module(sp)?;
        let at = At(sp);
        let ty = dims.iter().chain(std::iter::once(&at.int(words))).fold(Self::cython_name(&m, "longlong", sp), |acc, d| at.item(acc, d.clone()));
        Ok(at.declare(&Self::union_memory(p), ty))
    }

    /// Field `f` of element `subs` of the C array of unions `p`:
    /// `cython.cast(cython.pointer(T), cython.address(p.#mem[i, …, 0]))[0]`.
    pub(super) fn union_element_field(&self, p: &str, key: &str, subs: &[Expr], f: &str, sp: &syntax::Span) -> Option<Expr> {
        let (_, t) = self.fields(key).iter().find(|(g, _)| g == f)?;
        let m = self.cython_module(sp).ok()?;
        let at = At(sp);
        let index = Expr { kind: syntax::ExprKind::Tuple(subs.iter().cloned().chain([at.int(0)]).collect()), span: sp.clone() };
        let word = at.item(at.name(&Self::union_memory(p)), index);
        let addr = at.call(Self::cython_name(&m, "address", sp), vec![word]);
        let ty = at.call(Self::cython_name(&m, "pointer", sp), vec![t.clone()]);
        Some(at.item(at.call(Self::cython_name(&m, "cast", sp), vec![ty, addr]), at.int(0)))
    }

    /// The storage words of a whole-union place: a union local's, or an
    /// element's (`us[i]`) of a 1-d array of them.
    pub(super) fn union_place_words(&self, e: &Expr, sp: &syntax::Span) -> R<Option<Vec<Expr>>> {
        let at = At(sp);
        let (p, ty, sub) = match (self.struct_local(e), self.struct_element(e)) {
            (Some((p, l)), _) if l.dims.is_empty() => (p, l.ty, None),
            (_, Some((p, l, i))) => (p, l.ty, Some(i.clone())),
            _ => return Ok(None),
        };
        let words = self.union_words(&ty, sp)?;
        Ok(Some((0..words).map(|w| {
            let base = at.name(&Self::union_memory(&p));
            match &sub {
                Some(i) => at.item(base, Expr { kind: syntax::ExprKind::Tuple(vec![i.clone(), at.int(w)]), span: sp.clone() }),
                None => at.item(base, at.int(w)),
            }
        }).collect()))
    }
}
