//! Cython's `auto_pickle` for a `@cython.cclass`: the methods
//! `__reduce_cython__` and `__setstate_cython__` Cython 3.3.1 adds to a
//! class (its `ParseTreeTransforms._inject_pickle_methods`), written as
//! Python source and parsed here, so they compile as any other method and
//! read and write the fields (private ones too) natively.
//!
//! The module function `__pyx_unpickle_<Class>` and the renaming of the two
//! methods to `__reduce__`/`__setstate__` (Cython's `__Pyx_setup_reduce`)
//! happen where the type is bound, by the shim's `__pyc_aot_auto_pickle`
//! (`hir::AutoPickle` says what it gets).

use super::cclass::Layout;
use crate::hir::AutoPickle;
use crate::syntax::{self, FunctionDef, Span, StmtKind};
use crate::types::Ty;
use sha2::{Digest, Sha256};

/// What Cython generates for the class: `None` when it generates nothing
/// (`auto_pickle=False`, or the class or a base of the module defines
/// `__reduce__`/`__reduce_ex__`); an error (a fallback: Cython refuses to
/// compile it) for `@cython.auto_pickle(True)` on a class it cannot pickle.
/// `own`: the names of the class's own methods; `directive`: the class's
/// `@cython.auto_pickle`, else the module's.
pub(crate) fn decide(layout: &Layout, own: &[&str], directive: Option<bool>) -> Result<Option<AutoPickle>, String> {
    if directive == Some(false) {
        return Ok(None);
    }
    let defines = |n: &str| own.contains(&n) || layout.base.as_ref().is_some_and(|b| b.py_methods.iter().any(|m| m == n));
    if defines("__reduce__") || defines("__reduce_ex__") {
        return Ok(None);
    }
    let mut all: Vec<&crate::hir::Field> = layout.fields.iter().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    // C numbers, bint and objects convert both ways; a pointer does not
    // (`frontend/cclass.rs` leaves such a class to Python yet).
    let non_py: Vec<String> = all.iter().filter(|f| !matches!(f.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Object)).map(|f| format!("self.{}", f.name)).collect();
    let refusal = if defines("__cinit__") {
        Some("no default __reduce__ due to non-trivial __cinit__".to_string())
    } else if !non_py.is_empty() {
        Some(format!("{} cannot be converted to a Python object for pickling", non_py.join(",")))
    } else {
        None
    };
    if let Some(msg) = refusal {
        if directive == Some(true) {
            return Err(format!("`@cython.auto_pickle(True)` on a class Cython cannot pickle ({msg}); Cython refuses to compile it"));
        }
        return Ok(Some(AutoPickle::Refused(msg)));
    }
    Ok(Some(AutoPickle::Fields(all.iter().map(|f| f.name.clone()).collect())))
}

/// Cython's checksum of the members (sorted names): the first 28 bits of
/// the SHA-256 of the names joined by spaces (its `_calculate_pickle_checksums`).
pub(crate) fn checksum(members: &[String]) -> u32 {
    let digest = Sha256::digest(members.join(" ").as_bytes());
    (u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])) >> 4
}

/// The name of the module function that rebuilds an instance.
pub(crate) fn unpickle_name(class: &str) -> String {
    format!("__pyx_unpickle_{class}")
}

/// The two methods' source, as Cython writes them (its `TreeFragment`s).
fn source(layout: &Layout, what: &AutoPickle) -> String {
    match what {
        AutoPickle::Refused(msg) => format!(
            "def __reduce_cython__(self):\n    raise TypeError({msg:?})\ndef __setstate_cython__(self, __pyx_state):\n    raise TypeError({msg:?})\n"
        ),
        AutoPickle::Fields(members) => {
            let n = members.len();
            let state = match n {
                0 => "()".to_string(),
                _ => format!("({},)", members.iter().map(|m| format!("self.{m}")).collect::<Vec<_>>().join(", ")),
            };
            // The instance needs `__setstate__` when an object field is
            // set (Cython's test, so pickle memoizes it before its state).
            let objects: Vec<String> = members
                .iter()
                .filter(|m| layout.field(m).is_some_and(|f| f.ty == Ty::Object))
                .map(|m| format!("self.{m} is not None"))
                .collect();
            let any_object = if objects.is_empty() { "False".to_string() } else { objects.join(" or ") };
            let (unpickle, check) = (unpickle_name(&layout.name), checksum(members));
            let assignments: String = members.iter().enumerate().map(|(k, m)| format!("    self.{m} = __pyx_state[{k}]\n")).collect();
            format!(
                "def __reduce_cython__(self):
    state = {state}
    _dict = getattr(self, '__dict__', None)
    if _dict is not None and _dict:
        state += (_dict,)
        use_setstate = True
    else:
        use_setstate = {any_object}
    if use_setstate:
        return {unpickle}, (type(self), {check:#x}, None), state
    else:
        return {unpickle}, (type(self), {check:#x}, state)
def __setstate_cython__(self, __pyx_state):
    if __pyx_state is None:
        raise TypeError(\"cannot pass None into a C function argument that is declared 'not None'\")
    if type(__pyx_state) is not tuple:
        raise TypeError('Expected tuple, got ' + type(__pyx_state).__name__)
{assignments}    if len(__pyx_state) > {n} and __pyx_state[{n}]:
        self.__dict__.update(__pyx_state[{n}])
"
            )
        }
    }
}

/// The two methods parsed, each with the span it is typed under. The text
/// is parsed as if it stood at `at` (the class statement's offset), so the
/// lines of its code are those of the class, never past the file.
pub(crate) fn methods(layout: &Layout, what: &AutoPickle, at: &Span) -> Result<Vec<(String, FunctionDef, Span)>, String> {
    parse_at(&source(layout, what), at).map_err(|why| format!("its pickling methods do not parse ({why})"))
}

/// The `def`s of `text` parsed as if it stood at `at`, each with `at`.
pub(crate) fn parse_at(text: &str, at: &Span) -> Result<Vec<(String, FunctionDef, Span)>, String> {
    let pad = match at.start {
        0 => String::new(),
        1 => "\n".to_string(),
        k => format!("#{}\n", " ".repeat(k - 2)),
    };
    let text = pad + text;
    let module = syntax::parse_module(&text, "<auto_pickle>").map_err(|d| d.message)?;
    Ok(module
        .body
        .into_iter()
        .filter_map(|s| match s.kind {
            StmtKind::FunctionDef(f) => Some((f.name.clone(), *f, at.clone())),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cython_checksums() {
        // Cython 3.3.1: `hashlib.sha256(b"a b").hexdigest()[:7]`, etc.
        assert_eq!(checksum(&["a".into(), "b".into()]), 0xc8687a0);
        assert_eq!(checksum(&[]), 0xe3b0c44);
    }

    fn layout(fields: &[(&str, Ty)]) -> Layout {
        let fields = fields
            .iter()
            .enumerate()
            .map(|(k, (n, ty))| crate::hir::Field { name: n.to_string(), ty: *ty, offset: 16 + 8 * k as u32, visibility: crate::hir::Visibility::Private, class: None, builtin: None })
            .collect();
        Layout { name: "C".into(), fields, basicsize: 64, cfuncs: vec![], ccalls: vec![], base: None, is_final: false, freelist: 0, weaklist: None, vtab_offset: None, vtable: vec![], overridden: vec![], py_methods: vec![], own_methods: vec![], statics: vec![], dataclass: None }
    }

    #[test]
    fn cython_decisions() {
        let l = layout(&[("z", Ty::Object), ("a", Ty::Float(64)), ("q", Ty::Ptr(None)), ("p", Ty::Ptr(None))]);
        let refused = |m: &str| Ok(Some(AutoPickle::Refused(m.to_string())));
        assert_eq!(decide(&l, &[], None), refused("self.p,self.q cannot be converted to a Python object for pickling"));
        assert_eq!(decide(&l, &["__cinit__"], None), refused("no default __reduce__ due to non-trivial __cinit__"));
        assert!(decide(&l, &[], Some(true)).is_err());
        assert_eq!(decide(&l, &[], Some(false)), Ok(None));
        assert_eq!(decide(&l, &["__reduce_ex__"], None), Ok(None));
        let ok = layout(&[("z", Ty::Object), ("a", Ty::Float(64))]);
        assert_eq!(decide(&ok, &[], None), Ok(Some(AutoPickle::Fields(vec!["a".into(), "z".into()]))));
    }
}
