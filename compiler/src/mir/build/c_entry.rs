//! The MIR of a cfunc's C-ABI entry: what C code (`qsort`) calls through a
//! function pointer. Its parameters are the cfunc's C values; the function
//! runs with a wrapper's soft stack limit, its body in place (so a small
//! comparator is one C function, as Cython's is) or as a native call. Its
//! error exit returns the cfunc's exception value with the exception set
//! (`except v`, `except? v`; 0 for `except *`), or, for a `noexcept` cfunc
//! whose C caller cannot see an error, writes the exception as unraisable
//! under the cfunc's name and returns 0, as Cython's functions do. A void
//! cfunc's entry returns nothing: with the exception set for `except *`
//! (its caller asks `PyErr_Occurred()`), written as unraisable for
//! `noexcept`.

use super::{body, Builder};
use crate::hir::Function;
use crate::mir::{Body, Local, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::{ExceptSpec, Ty};

/// How the entry runs the function.
pub enum Run<'p> {
    /// Its body built here as MIR.
    InPlace(&'p body::Plan<'p>),
    /// A native call (`big_frame`: bytes of a big frame to check room for).
    Call { big_frame: Option<i64> },
}

/// `f`'s C entry, signalling an exception as `except` says (a `noexcept`
/// one's written as unraisable under `name`).
pub fn build(f: &Function, name: &str, except: ExceptSpec, run: Run) -> Result<Body, String> {
    if matches!(f.ret, Ty::Object | Ty::View(_)) || f.params.iter().any(|p| matches!(p.ty, Ty::Object | Ty::View(_))) {
        return Err(format!("{} has no C signature for a C entry", f.name));
    }
    let void = f.ret == Ty::Void;
    if void && matches!(except, ExceptSpec::Value { .. }) {
        return Err(format!("{} returns void but has an exception value", f.name));
    }
    let mut b = Builder::new(&format!("C entry of {}", f.name), Returns::C(f.ret, except));
    let args: Vec<Local> = f.params.iter().map(|p| b.param(LocalTy::Scalar(p.ty), &p.name)).collect();
    if except == ExceptSpec::NoExcept {
        b.error_exit_mut().ops.push(Op::new(vec![], OpKind::WriteUnraisable { name: name.to_string() }));
    }
    let frame = match run {
        Run::InPlace(_) => None,
        Run::Call { big_frame } => big_frame,
    };
    let limit = b.value(LocalTy::Ptr, OpKind::StackLimit { frame });
    let result = match run {
        // A void body in place gives a dummy bint, which the entry drops.
        Run::InPlace(plan) => Some(body::build_in_place(&mut b, f, plan, args, limit)?).filter(|_| !void),
        Run::Call { .. } if void => {
            b.op(vec![], OpKind::CallNative { func: f.id, args, limit });
            None
        }
        Run::Call { .. } => {
            let r = b.local(LocalTy::Scalar(f.ret), None);
            b.op(vec![r], OpKind::CallNative { func: f.id, args, limit });
            Some(r)
        }
    };
    b.terminate(result.map_or(Terminator::ReturnNone, Terminator::Return));
    match run {
        Run::InPlace(_) => b.finish_in_entry_order(),
        Run::Call { .. } => Ok(b.finish()),
    }
}
