//! Structs and unions cimported from a `.pxd` (`ctypedef struct P:` in an
//! extern block, `cdef struct P:`), as struct types of the module: each
//! field's type spelt as the module would spell it in `cython.struct(…)`,
//! so locals, C arrays, pointers into C memory and conversions treat them
//! as structs declared in the `.py` file.

use super::StructDef;
use crate::frontend::pxd::{cython_name, Decl, Field};
use crate::frontend::{Binding, ModuleCx};
use crate::syntax::{self, Expr, ExprKind};
use crate::types::{Elem, Ty};

/// The cimported structs bound once in the module (by `from
/// cython.cimports.m import P [as Q]`), and the ones they hold by value
/// An extern function cimported once that passes structs by value: its
/// bound name, each parameter's struct key (`None` for others), and its
/// result's.
pub(super) type ExternByValue = (String, Vec<Option<String>>, Option<String>);

/// The cimported structs bound once in the module (by `from
/// cython.cimports.m import P [as Q]`), and the ones they hold by value
/// under hidden keys (`#pxd.Name`, a name no source can spell); also the
/// structs extern functions the module binds pass by value (under
/// hidden keys when the module binds them nowhere), and those functions.
pub(super) fn pxd_structs_and_externs(cx: &ModuleCx, names: &[String]) -> (Vec<(String, StructDef)>, Vec<ExternByValue>) {
    let mut ms: Vec<&String> = cx.bindings.iter().filter(|(_, b)| **b == Binding::Cython).map(|(n, _)| n).collect();
    ms.sort();
    let Some(m) = ms.first() else { return (vec![], vec![]) };
    let mut bound: Vec<(&String, &String, &Vec<(String, Field)>, bool)> = cx
        .bindings
        .iter()
        .filter_map(|(n, b)| match b {
            Binding::CDecl(Decl::Struct { name, fields, union }) => Some((n, name, fields, *union)),
            _ => None,
        })
        .filter(|(n, ..)| names.iter().filter(|m| m == n).count() <= 1)
        .collect();
    bound.sort_by(|a, b| a.0.cmp(b.0));
    let spell = Spell { m: name((*m).clone()), bound: bound.iter().map(|(n, pxd_name, ..)| ((*pxd_name).clone(), (*n).clone())).collect() };
    let mut out = vec![];
    for (n, _, fields, union) in &bound {
        spell.def((*n).clone(), fields, *union, &mut out);
    }
    let mut funcs: Vec<(&String, &crate::frontend::pxd::CFunc)> = cx
        .bindings
        .iter()
        .filter_map(|(n, b)| match b {
            Binding::CDecl(Decl::Func(f)) if f.by_value.is_some() => Some((n, f)),
            _ => None,
        })
        .filter(|(n, _)| names.iter().filter(|m| m == n).count() <= 1)
        .collect();
    funcs.sort_by(|a, b| a.0.cmp(b.0));
    let mut externs = vec![];
    for (n, f) in funcs {
        let mut key = |field: &Field| -> Option<String> {
            let Field::Struct { name: s, fields, union } = field else { return None };
            let k = match spell.bound.iter().find(|(p, _)| p == s) {
                Some((_, b)) => b.clone(),
                None => format!("#pxd.{s}"),
            };
            spell.def(k.clone(), fields, *union, &mut out);
            Some(k)
        };
        let params = (0..f.params.len()).map(|i| f.struct_params.iter().find(|(k, _)| *k == i).and_then(|(_, s)| key(s))).collect();
        let ret = f.struct_ret.as_ref().and_then(&mut key);
        externs.push((n.clone(), params, ret));
    }
    (out, externs)
}

struct Spell {
    /// The expression naming the `cython` module.
    m: Expr,
    /// Each bound struct's `.pxd` name and the name the module binds it to.
    bound: Vec<(String, String)>,
}

impl Spell {
    fn attr(&self, a: &str) -> Expr {
        Expr { kind: ExprKind::Attribute { value: Box::new(self.m.clone()), attr: a.to_string() }, span: syntax::Span::default() }
    }

    fn pointer(&self, to: Expr) -> Expr {
        Expr { kind: ExprKind::Call { func: Box::new(self.attr("pointer")), args: vec![to], keywords: vec![] }, span: syntax::Span::default() }
    }

    /// `key`'s definition, after those of the structs it holds by value.
    fn def(&self, key: String, fields: &[(String, Field)], union: bool, out: &mut Vec<(String, StructDef)>) {
        if out.iter().any(|(k, _)| *k == key) {
            return;
        }
        let mut spelt = vec![];
        for (f, t) in fields {
            let e = match t {
                Field::Scalar(t) => self.scalar(*t),
                // A pointer to a struct the module does not bind: its address only.
                Field::StructPtr(s) => match self.bound.iter().find(|(p, _)| p == s) {
                    Some((_, n)) => self.pointer(name(n.clone())),
                    None => self.pointer(self.attr("char")),
                },
                Field::Struct { name: s, fields, union } => {
                    let inner = match self.bound.iter().find(|(p, _)| p == s) {
                        Some((_, n)) => n.clone(),
                        None => format!("#pxd.{s}"),
                    };
                    self.def(inner.clone(), fields, *union, out);
                    name(inner)
                }
            };
            spelt.push((f.clone(), e));
        }
        out.push((key, StructDef { fields: spelt, union, ctuple: false, py_buffer: false }));
    }

    fn scalar(&self, t: Ty) -> Expr {
        match t {
            Ty::Ptr(None) => self.attr("p_void"),
            Ty::Ptr(Some(Elem::VoidPtr)) => self.attr("pp_void"),
            Ty::Ptr(Some(e)) => self.pointer(self.scalar(e.ty())),
            Ty::FnPtr(p) => self.attr(&format!("{}{}", super::FN_POINTER_TYPE, p.index())),
            t => self.attr(cython_name(t)),
        }
    }
}

fn name(n: String) -> Expr {
    Expr { kind: ExprKind::Name(n), span: syntax::Span::default() }
}
