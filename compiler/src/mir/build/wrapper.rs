//! The MIR of a compiled function's CPython wrapper: take the arguments
//! (from the caller's vector, or from the tuple the binder returns), unbox
//! the scalars, acquire the buffers, run the function (a native call, or its
//! body in place, built by `body::build_in_place`) and box the result.

use super::{body, Builder};
use crate::hir::Function;
use crate::mir::primitives::{PY_FLOAT_FROM_DOUBLE, PY_LONG_FROM_LONG_LONG, PY_LONG_FROM_UNSIGNED_LONG_LONG};
use crate::mir::{Body, Local, LocalTy, OpKind, Returns, Terminator};
use crate::types::{ExceptSpec, ExceptValue, IntTy, Ty};

/// The calling convention of the function being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// `METH_NOARGS`: `(module, NULL)`.
    NoArgs,
    /// `METH_O`: `(module, arg)`.
    O,
    /// `METH_FASTCALL | METH_KEYWORDS`, `(module, args, nargs, kwnames)`:
    /// exact positional calls run here, the rest go to the binder path.
    FastCall,
    /// The binder path of a wrapper (same arguments as `FastCall`): the
    /// binder sorts out keywords and defaults and returns a tuple.
    BinderPath { slot: usize },
    /// A cclass method's `METH_FASTCALL | METH_KEYWORDS` descriptor entry,
    /// `(self, args, nargs, kwnames)`: `self` is the first parameter.
    Method,
    /// The binder path of a method: its binder is called bound to `self`.
    MethodBinderPath { slot: usize },
    /// The binder path of a native nested function (its entry is a
    /// `Method`'s, the function object first): its binder, which takes
    /// the other parameters, called unbound, the function object put
    /// before the tuple's items.
    ClosureBinderPath { slot: usize },
    /// A cclass field's `PyGetSetDef` getter, `(self, closure)`: `self`
    /// is the one parameter (CPython's descriptor checked its type).
    Getter,
}

/// What the back end decided about running the function.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub convention: Convention,
    /// Its body is built into the wrapper instead of called.
    pub in_place: bool,
    /// Bytes of a big frame to check stack room for before the call.
    pub big_frame: Option<i64>,
}

/// A wrapper's MIR.
pub struct Built {
    pub body: Body,
    /// The function's body is in it as MIR (its blocks numbered in the order
    /// they were entered, as a native body's).
    pub body_in_place: bool,
}

/// How the wrapper runs the function.
#[derive(Clone, Copy)]
enum Run<'p> {
    /// `Plan::in_place` false: a native call.
    Call,
    /// The body built here as MIR.
    Mir(&'p body::Plan<'p>),
}

/// `writable(i)`: whether parameter `i`'s memoryview is written through;
/// `body`: how to build the function's body, to take it in place as MIR.
pub fn build(f: &Function, plan: Plan, writable: &dyn Fn(usize) -> bool, body: &body::Plan) -> Result<Built, String> {
    let run = if plan.in_place { Run::Mir(body) } else { Run::Call };
    let body = build_with(f, plan, writable, run)?;
    Ok(Built { body, body_in_place: plan.in_place })
}

fn build_with(f: &Function, plan: Plan, writable: &dyn Fn(usize) -> bool, run: Run) -> Result<Body, String> {
    let title = match plan.convention {
        Convention::BinderPath { .. } | Convention::MethodBinderPath { .. } | Convention::ClosureBinderPath { .. } => format!("binder path of {}", f.name),
        _ => format!("wrapper of {}", f.name),
    };
    let mut b = Builder::new(&title, Returns::Object);
    let module = b.param(LocalTy::Object, "module");
    match plan.convention {
        Convention::NoArgs => {
            b.param(LocalTy::Object, "null");
            call_path(&mut b, f, plan, Args::Vector(None), writable, run)?;
        }
        Convention::O => {
            let arg = b.param(LocalTy::Object, "arg");
            call_path(&mut b, f, plan, Args::Single(arg), writable, run)?;
        }
        Convention::Getter => {
            b.param(LocalTy::Ptr, "closure");
            call_path(&mut b, f, plan, Args::Single(module), writable, run)?;
        }
        Convention::FastCall => {
            let args = b.param(LocalTy::Ptr, "args");
            let nargs = b.param(LocalTy::Ptr, "nargs");
            let kwnames = b.param(LocalTy::Object, "kwnames");
            let slow = b.block(true);
            if f.params.iter().any(|p| p.kind.bound_by_binder()) {
                b.terminate(Terminator::Goto(slow));
            } else {
                // Two compare-and-branch pairs: cheaper than combining the flags.
                let exact = b.value(LocalTy::Scalar(Ty::Bool), OpKind::EqConst { value: nargs, imm: f.params.len() as i64 });
                let (positional, fast) = (b.block(false), b.block(false));
                b.terminate(Terminator::Branch { cond: exact, then: positional, otherwise: slow });
                b.switch_to(positional);
                let no_kw = b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: kwnames });
                b.terminate(Terminator::Branch { cond: no_kw, then: fast, otherwise: slow });
                b.switch_to(fast);
                call_path(&mut b, f, plan, Args::Vector(Some(args)), writable, run)?;
            }
            b.switch_to(slow);
            let r = b.value(LocalTy::Object, OpKind::CallBinderPath { args: vec![module, args, nargs, kwnames] });
            b.terminate(Terminator::Return(r));
        }
        Convention::Method => {
            let this = module;
            let args = b.param(LocalTy::Ptr, "args");
            let nargs = b.param(LocalTy::Ptr, "nargs");
            let kwnames = b.param(LocalTy::Object, "kwnames");
            let slow = b.block(true);
            if f.params.iter().any(|p| p.kind.bound_by_binder()) {
                b.terminate(Terminator::Goto(slow));
            } else {
                let expected = f.params.len().saturating_sub(1) as i64;
                let exact = b.value(LocalTy::Scalar(Ty::Bool), OpKind::EqConst { value: nargs, imm: expected });
                let (positional, fast) = (b.block(false), b.block(false));
                b.terminate(Terminator::Branch { cond: exact, then: positional, otherwise: slow });
                b.switch_to(positional);
                let no_kw = b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: kwnames });
                b.terminate(Terminator::Branch { cond: no_kw, then: fast, otherwise: slow });
                b.switch_to(fast);
                call_path(&mut b, f, plan, Args::Method(this, args), writable, run)?;
            }
            b.switch_to(slow);
            let r = b.value(LocalTy::Object, OpKind::CallBinderPath { args: vec![this, args, nargs, kwnames] });
            b.terminate(Terminator::Return(r));
        }
        Convention::MethodBinderPath { slot } => {
            let args = b.param(LocalTy::Ptr, "args");
            let nargs = b.param(LocalTy::Ptr, "nargs");
            let kwnames = b.param(LocalTy::Object, "kwnames");
            let tuple = b.value(LocalTy::Object, OpKind::CallBinder { slot, args, nargs, kwnames, bound: Some(module) });
            let items = b.value(LocalTy::Ptr, OpKind::TupleItems { tuple });
            call_path(&mut b, f, plan, Args::Vector(Some(items)), writable, run)?;
        }
        Convention::ClosureBinderPath { slot } => {
            let args = b.param(LocalTy::Ptr, "args");
            let nargs = b.param(LocalTy::Ptr, "nargs");
            let kwnames = b.param(LocalTy::Object, "kwnames");
            let tuple = b.value(LocalTy::Object, OpKind::CallBinder { slot, args, nargs, kwnames, bound: None });
            let items = b.value(LocalTy::Ptr, OpKind::TupleItems { tuple });
            call_path(&mut b, f, plan, Args::Method(module, items), writable, run)?;
        }
        Convention::BinderPath { slot } => {
            let args = b.param(LocalTy::Ptr, "args");
            let nargs = b.param(LocalTy::Ptr, "nargs");
            let kwnames = b.param(LocalTy::Object, "kwnames");
            let tuple = b.value(LocalTy::Object, OpKind::CallBinder { slot, args, nargs, kwnames, bound: None });
            let items = b.value(LocalTy::Ptr, OpKind::TupleItems { tuple });
            call_path(&mut b, f, plan, Args::Vector(Some(items)), writable, run)?;
        }
    }
    match run {
        Run::Mir(_) => b.finish_in_entry_order(),
        Run::Call => Ok(b.finish()),
    }
}

/// A cclass field's `PyGetSetDef` setter, `int (self, value, closure)`:
/// `value` NULL (`del`) calls the native `delete(self)`, else the native
/// `set(self, value)`; 0, or -1 with the exception set. Both functions take
/// objects only (CPython's descriptor checked `self`'s type).
pub fn build_setter(set: &Function, delete: &Function, big_frame: Option<i64>) -> Result<Body, String> {
    let status = Ty::Int(crate::types::C_INT);
    let except = ExceptSpec::Value { value: ExceptValue::Int(-1), check: false };
    let mut b = Builder::new(&format!("setter of {}", set.name), Returns::C(status, except));
    let this = b.param(LocalTy::Object, "self");
    let value = b.param(LocalTy::Object, "value");
    b.param(LocalTy::Ptr, "closure");
    let deleting = b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value });
    let (store, del) = (b.block(false), b.block(true));
    b.terminate(Terminator::Branch { cond: deleting, then: del, otherwise: store });
    for (block, f, args) in [(store, set, vec![this, value]), (del, delete, vec![this])] {
        b.switch_to(block);
        if f.params.len() != args.len() || f.params.iter().any(|p| p.ty != Ty::Object) {
            return Err(format!("{} does not take objects only as a field's accessor", f.name));
        }
        let limit = b.value(LocalTy::Ptr, OpKind::StackLimit { frame: big_frame });
        let result = match f.ret {
            Ty::Void => vec![],
            Ty::Object => vec![b.local(LocalTy::Object, None)],
            t => vec![b.local(LocalTy::Scalar(t), None)],
        };
        b.op(result, OpKind::CallNative { func: f.id, args, limit });
        let zero = b.value(LocalTy::Scalar(status), OpKind::Body(crate::mir::body::BodyOp::Const { c: crate::hir::Const::Int(0), ty: status }));
        b.terminate(Terminator::Return(zero));
    }
    Ok(b.finish())
}

/// Where the arguments are.
#[derive(Clone, Copy)]
enum Args {
    /// An argument vector (`None` for a function without parameters).
    Vector(Option<Local>),
    /// `METH_O`'s one object.
    Single(Local),
    /// A method's `self`, then the vector of the other arguments.
    Method(Local, Local),
}

fn argument(b: &mut Builder, args: Args, index: usize, name: &str) -> Result<Local, String> {
    match args {
        Args::Single(obj) | Args::Method(obj, _) if index == 0 => Ok(obj),
        Args::Method(_, argv) => {
            let l = b.local(LocalTy::Object, Some(name));
            b.op(vec![l], OpKind::ArgItem { argv, index: index - 1 });
            Ok(l)
        }
        Args::Vector(Some(argv)) => {
            let l = b.local(LocalTy::Object, Some(name));
            b.op(vec![l], OpKind::ArgItem { argv, index });
            Ok(l)
        }
        _ => Err(format!("no argument {index} in this calling convention")),
    }
}

/// The arguments converted, the function run, its result boxed.
fn call_path(b: &mut Builder, f: &Function, plan: Plan, args: Args, writable: &dyn Fn(usize) -> bool, run: Run) -> Result<(), String> {
    // Scalars first: a failure there has no buffer to release yet.
    let mut scalars = vec![];
    for (i, p) in f.params.iter().enumerate() {
        if matches!(p.ty, Ty::View(_)) {
            scalars.push(None);
            continue;
        }
        let obj = argument(b, args, i, &p.name)?;
        if p.ty == Ty::Object {
            // Passed through, borrowed from the caller.
            scalars.push(Some(obj));
            continue;
        }
        let v = b.local(LocalTy::Scalar(p.ty), Some(&p.name));
        b.op(vec![v], OpKind::Unbox { obj, ty: p.ty });
        scalars.push(Some(v));
    }
    let mut values = vec![];
    for (i, p) in f.params.iter().enumerate() {
        match (p.ty, scalars[i]) {
            (Ty::View(view), _) => {
                let obj = argument(b, args, i, &p.name)?;
                let buf = b.local(LocalTy::PyBuffer, Some(&p.name));
                let mut dests = vec![buf];
                for _ in 0..1 + 2 * view.ndim as usize {
                    dests.push(b.local(LocalTy::Ptr, None));
                }
                values.extend_from_slice(&dests[1..]);
                let kind = OpKind::AcquireBuffer { obj, view, name: p.name.clone(), writable: writable(i), accepts_none: p.accepts_none };
                b.op(dests, kind);
            }
            (_, Some(v)) => values.push(v),
            _ => return Err("parameter without a value".into()),
        }
    }
    let limit = b.value(LocalTy::Ptr, OpKind::StackLimit { frame: plan.big_frame });
    let result = match run {
        Run::Mir(p) => {
            let v = body::build_in_place(b, f, p, values, limit)?;
            (f.ret != Ty::Void).then_some(v)
        }
        Run::Call => {
            let ty = if f.ret == Ty::Object { LocalTy::Object } else { LocalTy::Scalar(f.ret) };
            let result = (f.ret != Ty::Void).then(|| b.local(ty, None));
            let dests: Vec<Local> = result.into_iter().collect();
            b.op(dests, OpKind::CallNative { func: f.id, args: values, limit });
            result
        }
    };
    let boxed = boxed(b, result, f.ret)?;
    b.terminate(Terminator::Return(boxed));
    Ok(())
}

/// `v` of type `ty` as a new object (None for `Void`).
pub(crate) fn boxed(b: &mut Builder, v: Option<Local>, ty: Ty) -> Result<Local, String> {
    let obj = LocalTy::Object;
    Ok(match (ty, v) {
        (Ty::Void, _) => b.value(obj, OpKind::NoneRef),
        (Ty::Object, Some(v)) => v,
        (Ty::Float(bits), Some(v)) => {
            let v = if bits == 32 { b.value(LocalTy::Scalar(Ty::Float(64)), OpKind::Widen { value: v, to: Ty::Float(64) }) } else { v };
            b.value(obj, OpKind::CallC { prim: &PY_FLOAT_FROM_DOUBLE, args: vec![v] })
        }
        (Ty::Bool, Some(v)) => b.value(obj, OpKind::BoxBool { value: v }),
        (Ty::Complex, Some(v)) => {
            let part = |b: &mut Builder, imag: bool| b.value(LocalTy::Scalar(crate::types::F64), OpKind::ComplexPart { value: v, imag });
            let (re, im) = (part(b, false), part(b, true));
            b.value(obj, OpKind::CallC { prim: &crate::mir::primitives::PY_COMPLEX_FROM_DOUBLES, args: vec![re, im] })
        }
        (Ty::Int(t), Some(v)) => {
            let wide = Ty::Int(IntTy { bits: 64, ..t });
            let v = if t.bits < 64 { b.value(LocalTy::Scalar(wide), OpKind::Widen { value: v, to: wide }) } else { v };
            let prim = if t.signed { &PY_LONG_FROM_LONG_LONG } else { &PY_LONG_FROM_UNSIGNED_LONG_LONG };
            b.value(obj, OpKind::CallC { prim, args: vec![v] })
        }
        _ => return Err("missing return value in wrapper".into()),
    })
}
