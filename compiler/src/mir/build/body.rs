//! A native function's body as MIR: statements in order, expressions in
//! evaluation order, each HIR operation one `BodyOp` on locals, with no error
//! checks (the exception-edge pass adds the edges to the error exit, which
//! adds the function's traceback entry at the failing op's line).
//!
//! Blocks are made and entered in the order the code runs (`if`: test,
//! then, else, join; `while`: header, body, else, exit), which is the order
//! code generation lays them out in. Locals start zeroed in the entry block,
//! and a local that may be read before it is assigned (`hir::maybe_unbound`)
//! has a bound flag that each read checks.
//!
//! A call the back end inlines (`Plan::inlines`) builds the callee's body
//! here, in a frame of its own: fresh locals, its `return` a jump to a join
//! block with the value in a local, its ops' errors (`Op::handler`) to an
//! error block that adds the callee's traceback entry at the failing line
//! and propagates to the caller's handler at the call's line (a callee
//! with other directives than the function's has them on that block, for
//! its ops). A call of a function with a big frame checks the stack's room
//! first (`RoomFor`). A wrapper takes a body in place the same way
//! (`build_in_place`).
//!
//! `range` loops are built in `range` (plain, unrolled, versioned on unit
//! strides; a vector or partial-sum prelude as one composite op), a paired
//! reduction's trips in `pair`, memoryviews and C arrays in `view` (each is
//! its parts as locals).
//!
//! Every native function's body is built here (`backend::body` runs the
//! passes and code generation on it): what cannot be built is an internal
//! error. An inlined callee's memoryview parameters are bound to the
//! caller's parts; an expression function in a paired reduction's vector
//! part is evaluated in place, lane by lane, in a frame of its own.
//!
//! A value joining two paths (`and`/`or`, a conditional expression that
//! branches, an inlined callee's result, a comparison chain) is a local
//! assigned on each, which the jumps pass to the join block as its
//! parameter (`BasicBlock::passed`), as the walk passed it.

mod c_level;
mod call;
mod complex;
mod dict;
mod exception;
mod gil;
mod number;
mod object;
mod pair;
mod parallel;
mod range;
mod str_method;
mod text;
mod view;

use super::Builder;
use crate::hir::{self, ArithOp, Const, Expr, ExprKind, FuncId, LocalId, Stmt, StmtKind, UnOp};
use crate::mir::body::{BodyOp, Directives, SSIZE};
use crate::mir::{BlockId, Body, Local, LocalTy, OpKind, Returns, Terminator};
use crate::types::{IntTy, Ty, PY_INT};
use std::collections::{HashMap, HashSet};

/// What the back end decided that the body depends on.
pub struct Plan<'p> {
    pub m: &'p hir::Module,
    /// Whether a call of a function is inlined `depth` calls deep, with
    /// `inlined` HIR nodes taken in so far and `same` frames of it around
    /// the call (and whether it is the entry a table call found to be the
    /// static class's implementation): the HIR nodes it takes in when it is.
    pub inlines: &'p dyn Fn(FuncId, usize, usize, usize, bool) -> Option<usize>,
    /// Bytes of a callee's big frame: the stack room checked before calling it.
    pub big_frame: &'p dyn Fn(FuncId) -> Option<i64>,
    /// The function checks the stack on entry (it is recursive).
    pub stack_check: bool,
    /// The source file, for traceback entries.
    pub file: &'p str,
    /// The functions on a call-graph cycle (`hir::Lanes`: never evaluated
    /// in place, lane by lane).
    pub recursive: &'p HashSet<FuncId>,
}

/// What the builder cannot build is an internal error.
type B<T> = Result<T, String>;

struct LoopTargets {
    cont: BlockId,
    exit: BlockId,
    /// Whether anything jumped to `cont` / `exit`.
    continued: bool,
    broke: bool,
}

/// One function's part of the body: the built function's own, or a callee
/// inlined into it.
struct Frame<'m> {
    f: &'m hir::Function,
    locals: Vec<Local>,
    flags: HashMap<LocalId, Local>,
    loops: Vec<LoopTargets>,
    /// An inlined callee's `return`: the join block, and the local its
    /// value goes to.
    ret: Option<(BlockId, Local)>,
    /// The parts of each memoryview and C array local (see `view`).
    views: HashMap<LocalId, Vec<Local>>,
    /// Views whose last axis has unit stride here (a loop version taken
    /// after checking it): their elements are addressed by constant scaling.
    unit_stride: Vec<LocalId>,
    /// `(index, view, axis)`: `index` lies in `[0, view.shape[axis])` here
    /// (a loop version taken after testing it, `hir::InBoundsGuard`).
    in_bounds_here: Vec<(LocalId, LocalId, u8)>,
    /// `(var, counter)`: a narrow `range` variable the trip being built
    /// never assigns, and the 64-bit counter it was set from; the counter
    /// lies in the variable's type, so widening the variable gives the
    /// counter itself (no truncate-and-extend per use, as in `ps[i]`).
    wide_loop_vars: Vec<(LocalId, Local)>,
    /// The `with cython.nogil:`/`gil:` blocks open here, innermost last.
    gil: Vec<gil::GilRegion>,
    /// Object parameters never assigned: read in place, borrowed from the
    /// caller for the whole call (no variable, no reference of their own).
    borrowed_params: Vec<LocalId>,
    /// The parts of `try` statements open here, innermost last: what a
    /// `return`, `break` or `continue` crossing them runs (`exception`).
    unwind: Vec<exception::Open>,
    /// The `Py_buffer` of each memoryview local taken from an object
    /// (`v: T[:] = obj`; see `view`).
    bufs: HashMap<LocalId, Local>,
    /// Object locals that hold an exact list whenever bound
    /// (`hir::list_locals`): a `for` over one reads it by index alone.
    lists: std::collections::HashSet<LocalId>,
    /// Object locals that hold an exact dict whenever bound
    /// (`hir::dict_locals`; see `dict`).
    dicts: std::collections::HashSet<LocalId>,
}

struct BodyBuilder<'p, 'b> {
    b: &'b mut Builder,
    plan: &'p Plan<'p>,
    fr: Frame<'p>,
    /// The frames of the callers of the callee being inlined, innermost last.
    outer: Vec<Frame<'p>>,
    limit: Local,
    reachable: bool,
    /// HIR nodes inlined into this body so far (`Plan::inlines`).
    inlined: usize,
    /// The built function has GIL regions or a prange (`hir::keeps_own_frame`).
    root_keeps_frame: bool,
    /// Where an exception raised again as it is goes (`exception`): the
    /// enclosing `try`'s dispatch; `None`: the function's exit for those,
    /// `reraise_exit`, made when first needed.
    untraced: Option<BlockId>,
    reraise_exit: Option<BlockId>,
    /// A generator's resume body: the generator and the value sent in
    /// (its first parameters), and the `yield`s built so far.
    gen: Option<(Local, Local)>,
    yields: u32,
    /// C fields of local objects stored by the statements just before
    /// (`field_key`, the value stored and its type), read again without a
    /// load: only along a run of statements that store fields, assign C
    /// locals and compute from C values (`keeps_fields`). Cranelift keeps
    /// one "last store" for all of memory, so `self.v -= a; self.x +=
    /// self.v` reloaded `v`.
    known_fields: Vec<(FieldKey, Local, Ty)>,
}

/// A C field of a local's object: the frame's depth, the local, the
/// field's index (`self.x`).
type FieldKey = (usize, LocalId, i64);

/// The MIR of `f`'s body.
pub fn build<'p>(f: &'p hir::Function, plan: &'p Plan<'p>) -> Result<Body, String> {
    let returns = match f.ret {
        Ty::Void => Returns::Flag,
        Ty::View(_) => return Err(format!("{} returns a memoryview", f.name)),
        Ty::Object => Returns::Object,
        t => Returns::ScalarAndFlag(t),
    };
    if let Some(l) = f.locals.iter().find(|l| l.ty == Ty::Void) {
        return Err(format!("local `{}` of {} holds None", l.name, f.name));
    }
    let mut b = Builder::new(&f.name, returns);
    // A generator's body is its resume function's: the generator and the
    // value sent first (the suspension pass, `mir::pass::suspend`, makes the
    // function's own parameters loads from the generator's frame).
    let gen = f.generator.then(|| (b.param(LocalTy::Object, "generator"), b.param(LocalTy::Object, "sent")));
    let mut params: Vec<Option<Local>> = vec![None; f.locals.len()];
    let mut views = HashMap::new();
    for p in &f.params {
        let name = &f.locals[p.local.0 as usize].name;
        let l = match p.ty {
            Ty::View(v) => {
                let parts: Vec<Local> = view::part_names(name, v.ndim).iter().map(|n| b.param(SSIZE_LOCAL, n)).collect();
                views.insert(p.local, parts.clone());
                parts[0]
            }
            Ty::Object => b.param(LocalTy::Object, name),
            t => b.param(LocalTy::Scalar(t), name),
        };
        params[p.local.0 as usize] = Some(l);
    }
    let mut limit = b.param(LocalTy::Ptr, "stack limit");
    // Before the frame is set up: on error nothing of it exists.
    if plan.stack_check {
        limit = b.value(LocalTy::Ptr, OpKind::Body(BodyOp::StackCheck { limit }));
    }
    let fr = set_up_frame(&mut b, f, params, views, None, None, HashMap::new());
    let line = b.local(LocalTy::Scalar(Ty::Int(LINE)), Some("failing line"));
    let exit = b.error_exit_mut();
    exit.takes_line = Some(line);
    exit.ops.push(crate::mir::Op::new(vec![], OpKind::Body(BodyOp::AddTraceback { line, name: f.frame_name().to_string(), file: plan.file.to_string(), always: false })));
    let mut bb = BodyBuilder { b: &mut b, plan, fr, outer: vec![], limit, reachable: true, inlined: 0, root_keeps_frame: hir::keeps_own_frame(f), untraced: None, reraise_exit: None, gen, yields: 0, known_fields: vec![] };
    bb.stmts(&f.body)?;
    bb.fall_off_end()?;
    bb.finish_reraise_exit();
    b.finish_in_entry_order()
}

/// The create function of the generator function `f`: a new generator
/// (`OpKind::NewGenerator`) with each parameter stored in the frame slot
/// the suspension pass gave it (`layout`), returned.
pub fn build_generator_create(f: &hir::Function, layout: &crate::mir::pass::suspend::Layout) -> Result<Body, String> {
    let mut b = Builder::new(&f.name, Returns::Object);
    let mut params = vec![];
    for p in &f.params {
        let name = &f.locals[p.local.0 as usize].name;
        params.push(match p.ty {
            Ty::View(_) => return Err(format!("{} is a generator with a memoryview parameter", f.name)),
            Ty::Object => b.param(LocalTy::Object, name),
            t => b.param(LocalTy::Scalar(t), name),
        });
    }
    b.param(LocalTy::Ptr, "stack limit");
    if params.len() != layout.params.len() {
        return Err(format!("{}: {} parameters, {} frame slots for them", f.name, params.len(), layout.params.len()));
    }
    b.at_line(f.line);
    let gen = b.value(LocalTy::Object, OpKind::NewGenerator { func: f.id, words: layout.words });
    for (&value, &(offset, object)) in params.iter().zip(&layout.params) {
        b.op(vec![], OpKind::FrameStore { gen, offset, value, object });
    }
    b.terminate(Terminator::Return(gen));
    b.finish_in_entry_order()
}

/// `f`'s body built into a wrapper `b` is building, in place of a call
/// with `args`: its `return` goes to a join
/// block with the value in a local, its errors through an error block that
/// adds its traceback entry (always: the outermost compiled frame), then a
/// block where the error leaves compiled code and goes on to the wrapper's
/// handler. The value (a dummy bint for None).
pub fn build_in_place<'p>(b: &mut Builder, f: &'p hir::Function, plan: &'p Plan<'p>, args: Vec<Local>, limit: Local) -> Result<Local, String> {
    if matches!(f.ret, Ty::View(_)) {
        return Err(format!("{} returns a memoryview", f.name));
    }
    if args.len() != arg_count(f) {
        return Err(format!("{} called in place with {} arguments", f.name, args.len()));
    }
    let rt = if f.ret == Ty::Void { Ty::Bool } else { f.ret };
    let wrapper_handler = b.handler();
    let failed = b.block(true);
    let (fr, err) = enter_frame(b, f, args, &[], &[], rt);
    let (join, ret) = fr.ret.ok_or("a body in place without its join block")?;
    let gen = None;
    let mut bb = BodyBuilder { b: &mut *b, plan, fr, outer: vec![], limit, reachable: true, inlined: 0, root_keeps_frame: hir::keeps_own_frame(f), untraced: None, reraise_exit: None, gen, yields: 0, known_fields: vec![] };
    bb.stmts(&f.body)?;
    bb.fall_off_end()?;
    if bb.reraise_exit.is_some() {
        return Err(format!("{} raises again as it is in a wrapper's place", f.name));
    }
    b.set_handler(Some(failed));
    error_block(b, err, f, plan.file, true, 0);
    b.set_handler(wrapper_handler);
    b.switch_to(failed);
    b.op(vec![], OpKind::LeaveCompiledCode);
    b.terminate(Terminator::Unreachable);
    b.switch_to(join);
    let v = b.value(LocalTy::Scalar(rt), OpKind::Body(BodyOp::Copy { src: ret }));
    // The wrapper goes on in a block of its own, as after a call.
    let cont = b.block(false);
    b.terminate(Terminator::Goto(cont));
    b.switch_to(cont);
    Ok(v)
}

/// A traceback entry's line.
const LINE: IntTy = IntTy { bits: 32, signed: true, checked: false, cname: "int" };

/// A memoryview's part (data pointer, extent, stride) as a local.
const SSIZE_LOCAL: LocalTy = LocalTy::Scalar(Ty::Int(SSIZE));

/// `f`'s frame: its parameters (`params`, by local; a view parameter's
/// parts in `views`), the C arrays' storage and the other views' parts
/// (zeroed), every other local zeroed in order, then the bound flags
/// cleared. An inlined callee's locals are named after it (`prefix`).
fn set_up_frame<'m>(
    b: &mut Builder,
    f: &'m hir::Function,
    mut params: Vec<Option<Local>>,
    mut views: HashMap<LocalId, Vec<Local>>,
    prefix: Option<&str>,
    ret: Option<(BlockId, Local)>,
    mut param_bufs: HashMap<LocalId, Local>,
) -> Frame<'m> {
    let name = |n: &str| match prefix {
        Some(p) => format!("{p}.{n}"),
        None => n.to_string(),
    };
    for (i, decl) in f.locals.iter().enumerate() {
        let (id, Ty::View(v)) = (LocalId(i as u32), decl.ty) else { continue };
        if views.contains_key(&id) {
            continue;
        }
        let parts: Vec<Local> = view::part_names(&name(&decl.name), v.ndim).iter().map(|n| b.local(SSIZE_LOCAL, Some(n))).collect();
        match &decl.c_array {
            Some(dims) => b.op(parts.clone(), OpKind::Body(BodyOp::CArray { ty: v, dims: dims.clone() })),
            None => {
                let zero = b.value(SSIZE_LOCAL, OpKind::Body(BodyOp::Const { c: Const::Int(0), ty: Ty::Int(SSIZE) }));
                for part in &parts {
                    b.op(vec![*part], OpKind::Body(BodyOp::Copy { src: zero }));
                }
            }
        }
        params[i] = Some(parts[0]);
        views.insert(id, parts);
    }
    // A view parameter bound to the caller's view of a buffer holds that
    // buffer: the callee's reads of it (its data, its shape) are uses of
    // the caller's `Py_buffer`, which keeps it (and the object it was
    // taken from) until the callee's last read. One the callee assigns an
    // object takes a buffer of its own instead.
    let takers = view::buffer_takers(&f.body);
    param_bufs.retain(|id, _| !takers.contains(id));
    let seeds: Vec<LocalId> = param_bufs.keys().copied().collect();
    let mut bufs = param_bufs;
    for (id, holds) in view::buffer_owners(&f.body, &seeds) {
        if bufs.contains_key(&id) {
            continue;
        }
        let buf = match holds.and_then(|o| bufs.get(&o).copied()) {
            Some(buf) => buf,
            None => {
                let buf = b.local(LocalTy::PyBuffer, Some(&name(&format!("{}.buffer", f.locals[id.0 as usize].name))));
                b.op(vec![buf], OpKind::EmptyBuffer);
                buf
            }
        };
        bufs.insert(id, buf);
    }
    let mut locals = vec![];
    let mut borrowed_params = vec![];
    for (i, (decl, l)) in f.locals.iter().zip(params).enumerate() {
        let id = LocalId(i as u32);
        let l = match l {
            Some(arg) if decl.ty == Ty::Object && !hir::assigns(&f.body, id) => {
                borrowed_params.push(id);
                arg
            }
            // An object local is an object variable (NULL until assigned,
            // owning its value); an assigned parameter's starts with a
            // reference of its own to the argument.
            Some(arg) if decl.ty == Ty::Object => {
                let var = b.local(LocalTy::Object, Some(&name(&decl.name)));
                b.op(vec![var], OpKind::Assign { src: arg });
                var
            }
            None if decl.ty == Ty::Object => {
                let var = b.local(LocalTy::Object, Some(&name(&decl.name)));
                b.op(vec![var], OpKind::Unassigned);
                var
            }
            Some(l) => l,
            None => {
                let l = b.local(LocalTy::Scalar(decl.ty), Some(&name(&decl.name)));
                let zero = match decl.ty {
                    Ty::Float(_) => Const::Float(0.0),
                    Ty::Bool => Const::Bool(false),
                    _ => Const::Int(0),
                };
                b.op(vec![l], OpKind::Body(BodyOp::Const { c: zero, ty: decl.ty }));
                l
            }
        };
        locals.push(l);
    }
    // Object variables are checked by the definite-assignment pass instead.
    let mut unbound: Vec<LocalId> = hir::maybe_unbound(f).into_iter().filter(|id| f.locals[id.0 as usize].ty != Ty::Object).collect();
    unbound.sort();
    let mut flags = HashMap::new();
    for id in unbound {
        let flag = b.local(LocalTy::Scalar(Ty::Bool), Some(&name(&format!("{} bound", f.locals[id.0 as usize].name))));
        b.op(vec![flag], OpKind::Body(BodyOp::Const { c: Const::Bool(false), ty: Ty::Bool }));
        flags.insert(id, flag);
    }
    let lists = hir::list_locals(f);
    let dicts = hir::dict_locals(f);
    Frame { f, locals, flags, loops: vec![], ret, views, unit_stride: vec![], in_bounds_here: vec![], wide_loop_vars: vec![], gil: vec![], borrowed_params, unwind: vec![], bufs, lists, dicts }
}

/// The frame of `f` run in place of a call with `args` (its parameters
/// fresh locals bound to them), whose `return` goes to a join block passed
/// the value (`rt`); the errors of the ops added from here on go to its
/// error block, returned with it.
fn enter_frame<'m>(b: &mut Builder, f: &'m hir::Function, args: Vec<Local>, arg_bufs: &[Option<Local>], arg_vars: &[Option<Vec<Local>>], rt: Ty) -> (Frame<'m>, BlockId) {
    let join = b.block(false);
    let ret = b.local(LocalTy::Scalar(rt), Some(&format!("{} return value", f.name)));
    b.passes(join, ret);
    let err = b.block(true);
    b.set_handler(Some(err));
    // The frame's set-up belongs to no line (code generation makes its
    // error block once it is done, as the walk made it).
    b.at_line(0);
    let (params, views) = bind_params(b, f, args, arg_vars);
    let param_bufs = f.params.iter().zip(arg_bufs).filter_map(|(p, buf)| Some((p.local, (*buf)?))).collect();
    (set_up_frame(b, f, params, views, Some(&f.name), Some((join, ret)), param_bufs), err)
}

/// `f`'s parameters as fresh locals named after it, bound to `args` (a
/// memoryview's parts one by one, in the order the native call passes them).
/// A parameter `f` never rebinds whose argument is a C variable (or a view
/// variable) of the caller (`arg_vars`, by parameter) reads that variable
/// (its parts) itself: copies, defined on each call inside a loop, are
/// values of their own that the register allocator keeps in stack slots of
/// their own and moves between on every trip. The caller cannot change the
/// variable while the callee runs in its place.
fn bind_params(b: &mut Builder, f: &hir::Function, args: Vec<Local>, arg_vars: &[Option<Vec<Local>>]) -> (Vec<Option<Local>>, HashMap<LocalId, Vec<Local>>) {
    let mut params: Vec<Option<Local>> = vec![None; f.locals.len()];
    let mut views = HashMap::new();
    let mut args = args.into_iter();
    for (k, p) in f.params.iter().enumerate() {
        let name = format!("{}.{}", f.name, f.locals[p.local.0 as usize].name);
        let (names, ty) = match p.ty {
            Ty::View(v) => (view::part_names(&name, v.ndim), SSIZE_LOCAL),
            t => (vec![name], LocalTy::Scalar(t)),
        };
        // An object parameter is the argument itself: borrowed when the
        // callee never assigns it, else given a reference of its own
        // (`set_up_frame`).
        if p.ty == Ty::Object {
            params[p.local.0 as usize] = args.next();
            continue;
        }
        if let Some(Some(vars)) = arg_vars.get(k) {
            if vars.len() == names.len() && p.ty != Ty::Object && !hir::assigns(&f.body, p.local) {
                args.by_ref().take(names.len()).for_each(drop);
                params[p.local.0 as usize] = vars.first().copied();
                if matches!(p.ty, Ty::View(_)) {
                    views.insert(p.local, vars.clone());
                }
                continue;
            }
        }
        let mut parts = vec![];
        for (n, a) in names.iter().zip(args.by_ref()) {
            let l = b.local(ty, Some(n));
            b.op(vec![l], OpKind::Body(BodyOp::Copy { src: a }));
            parts.push(l);
        }
        params[p.local.0 as usize] = parts.first().copied();
        if matches!(p.ty, Ty::View(_)) {
            views.insert(p.local, parts);
        }
    }
    (params, views)
}

/// Whether `f` holds objects an inlined frame of it cannot: an object
/// result, object locals other than parameters it never assigns, or object
/// values other than those parameters read as they are (a cclass method's
/// `self` addressing its fields). Such a parameter is the caller's
/// argument, borrowed (`bind_params`).
fn holds_objects(f: &hir::Function) -> bool {
    if !f.has_objects() {
        return false;
    }
    if f.ret == Ty::Object {
        return true;
    }
    let param = |id: LocalId| f.params.iter().any(|p| p.local == id);
    if f.locals.iter().enumerate().any(|(i, l)| l.ty == Ty::Object && (!param(LocalId(i as u32)) || hir::assigns(&f.body, LocalId(i as u32)))) {
        return true;
    }
    let mut other = false;
    hir::visit_stmt_exprs(&f.body, &mut |e| hir::visit_expr(e, &mut |x| other |= x.ty == Ty::Object && !matches!(x.kind, ExprKind::Local(_))));
    other
}

/// Whether `s` leaves the C fields the statements before it stored as
/// they were, and changes no object local: a store of a C field of a
/// local's object, an assignment of C locals, of values computed from
/// constants, C locals and such fields only (`field_value`).
fn keeps_fields(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Pass => true,
        StmtKind::Expr(Expr { kind: ExprKind::PtrStore { ptr, index, value }, .. }) => is_field(ptr, index) && field_value(value),
        StmtKind::Assign(pairs) => pairs.iter().all(|(_, v)| matches!(v.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool) && field_value(v)),
        _ => false,
    }
}

/// `ptr[index]` is a C field of a local's object.
fn is_field(ptr: &Expr, index: &Expr) -> bool {
    matches!((&ptr.kind, &index.kind), (ExprKind::ObjectData(o), ExprKind::Const(_)) if matches!(o.kind, ExprKind::Local(_)))
}

/// A C value computed from constants, C locals and C fields of local
/// objects, with nothing stored or called.
fn field_value(e: &Expr) -> bool {
    let scalar = |x: &Expr| matches!(x.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool);
    scalar(e)
        && match &e.kind {
            ExprKind::Const(_) | ExprKind::Local(_) => true,
            ExprKind::Convert(x) | ExprKind::Unary(_, x) => field_value(x),
            ExprKind::Binary(_, a, b) | ExprKind::NoOverflow(_, a, b) => field_value(a) && field_value(b),
            ExprKind::Compare { operands, .. } => operands.iter().all(field_value),
            ExprKind::PtrLoad { ptr, index } => is_field(ptr, index),
            _ => false,
        }
}

/// The number of values a call of `f` passes (a memoryview as its parts).
fn arg_count(f: &hir::Function) -> usize {
    f.params.iter().map(|p| if let Ty::View(v) = p.ty { 1 + 2 * v.ndim as usize } else { 1 }).sum()
}

/// Fills `err`, the error block of `f`'s frame run in place: `f`'s
/// traceback entry at the failing line (`always`: the outermost compiled
/// frame), then on to the current handler, at `line` (the call's).
fn error_block(b: &mut Builder, err: BlockId, f: &hir::Function, file: &str, always: bool, line: u32) {
    b.switch_to(err);
    let failing = b.local(LocalTy::Scalar(Ty::Int(LINE)), Some(&format!("{} failing line", f.name)));
    b.takes_line(err, failing);
    b.at_line(0);
    b.op(vec![], OpKind::Body(BodyOp::AddTraceback { line: failing, name: f.frame_name().to_string(), file: file.to_string(), always }));
    b.at_line(line);
    b.op(vec![], OpKind::Body(BodyOp::Propagate));
    b.terminate(Terminator::Unreachable);
}

impl BodyBuilder<'_, '_> {
    fn op(&mut self, dests: Vec<Local>, op: BodyOp) {
        self.b.op(dests, OpKind::Body(op));
    }

    fn value(&mut self, ty: Ty, op: BodyOp) -> Local {
        let ty = if ty == Ty::Object { LocalTy::Object } else { LocalTy::Scalar(ty) };
        self.b.value(ty, OpKind::Body(op))
    }

    fn terminate(&mut self, t: Terminator) {
        self.b.terminate(t);
        self.reachable = false;
    }

    fn stmts(&mut self, body: &[Stmt]) -> B<()> {
        // A body may be entered from elsewhere than the code built before
        // it (a loop's other version, an `else`): it knows no field.
        self.known_fields.clear();
        for s in body {
            if !self.reachable {
                break;
            }
            self.b.at_line(s.line);
            if keeps_fields(s) {
                self.stmt(s)?;
            } else {
                self.known_fields.clear();
                self.stmt(s)?;
                self.known_fields.clear();
            }
        }
        self.known_fields.clear();
        Ok(())
    }

    /// `ptr[index]`, a field of a local's object stored just before read
    /// as the value stored (`known_fields`). (Out of `expr`, whose frame
    /// every nesting level pays.)
    #[inline(never)]
    fn ptr_load(&mut self, ty: Ty, ptr: &Expr, index: &Expr) -> B<Local> {
        let key = self.field_key(ptr, index);
        if let Some(&(_, v, _)) = self.known_fields.iter().find(|(k, _, t)| Some(*k) == key && *t == ty) {
            return Ok(self.value(ty, BodyOp::Copy { src: v }));
        }
        let p = self.expr(ptr)?;
        let i = self.expr(index)?;
        let in_object = matches!(ptr.kind, ExprKind::ObjectData(_));
        Ok(self.value(ty, BodyOp::PtrLoad { ptr: p, index: i, elem: ty, in_object }))
    }

    /// `ptr[index] = value`, recorded when a field of a local's object
    /// (`known_fields`). (Out of `expr`.)
    #[inline(never)]
    fn ptr_store(&mut self, ptr: &Expr, index: &Expr, value: &Expr) -> B<Local> {
        let p = self.expr(ptr)?;
        let i = self.expr(index)?;
        let v = self.expr(value)?;
        let in_object = matches!(ptr.kind, ExprKind::ObjectData(_));
        let done = self.value(Ty::Bool, BodyOp::PtrStore { ptr: p, index: i, value: v, elem: value.ty, in_object });
        // Another local may be the same object: only this one's other
        // fields stay known.
        match self.field_key(ptr, index) {
            Some(key) => {
                self.known_fields.retain(|(k, ..)| k.0 == key.0 && k.1 == key.1 && k.2 != key.2);
                self.known_fields.push((key, v, value.ty));
            }
            None => self.known_fields.clear(),
        }
        Ok(done)
    }

    /// `ptr[index]` as a C field of a local's object in this frame.
    fn field_key(&self, ptr: &Expr, index: &Expr) -> Option<FieldKey> {
        let (ExprKind::ObjectData(o), ExprKind::Const(Const::Int(k))) = (&ptr.kind, &index.kind) else { return None };
        let ExprKind::Local(id) = o.kind else { return None };
        Some((self.outer.len(), id, *k))
    }

    fn fall_off_end(&mut self) -> B<()> {
        if !self.reachable {
            return Ok(());
        }
        if matches!(self.fr.f.ret, Ty::Void | Ty::Object) {
            return self.return_(None);
        }
        let msg = format!("{}() reached its end without a return statement, but it is declared to return {}", self.fr.f.name, self.fr.f.ret);
        self.raise("PyExc_TypeError", Some(&msg));
        Ok(())
    }

    /// `return v` (`None`: from a function returning None): an inlined
    /// callee's goes to its join block with the value (a dummy bint for None).
    fn return_(&mut self, v: Option<Local>) -> B<()> {
        // The `finally` bodies it crosses run first (one may return instead).
        if !self.unwind(None)? {
            return Ok(());
        }
        self.leave_regions();
        match (self.fr.ret, v) {
            (Some((join, ret)), Some(v)) => {
                self.op(vec![ret], BodyOp::Copy { src: v });
                self.terminate(Terminator::Goto(join));
            }
            (Some((join, ret)), None) => {
                self.op(vec![ret], BodyOp::Const { c: Const::Bool(false), ty: Ty::Bool });
                self.terminate(Terminator::Goto(join));
            }
            (None, Some(v)) => self.terminate(Terminator::Return(v)),
            // A function returning an object returns None at its end or on a bare `return`.
            (None, None) if self.fr.f.ret == Ty::Object => {
                let none = self.b.value(LocalTy::Object, OpKind::NoneRef);
                self.terminate(Terminator::Return(none));
            }
            (None, None) => self.terminate(Terminator::ReturnNone),
        }
        Ok(())
    }

    /// The callee's body in place of a call: its locals fresh (its
    /// parameters bound to `args`), its `return` a jump to a join block with
    /// the value in a local, its errors through an error block of its own
    /// that adds its traceback entry at the failing line, then goes on to
    /// the caller's handler at the call's line.
    fn inline_call(&mut self, id: FuncId, args: Vec<Local>, arg_bufs: &[Option<Local>], arg_vars: &[Option<Vec<Local>>], rt: Ty) -> B<Local> {
        let callee = self.plan.m.functions.get(id.0 as usize).ok_or("a call of an unknown function".to_string())?;
        if args.len() != arg_count(callee) {
            return Err(format!("a call of {} with {} arguments reached the back end", callee.name, args.len()));
        }
        let (call_line, caller_handler) = (self.b.line(), self.b.handler());
        let (frame, err) = enter_frame(self.b, callee, args, arg_bufs, arg_vars, rt);
        let root = self.outer.first().unwrap_or(&self.fr).f;
        if Directives::of(callee) != Directives::of(root) {
            self.b.frame_directives(err, Directives::of(callee));
        }
        let (join, ret) = frame.ret.ok_or("a callee's frame without its join block".to_string())?;
        let caller = std::mem::replace(&mut self.fr, frame);
        self.outer.push(caller);
        self.stmts(&callee.body)?;
        self.fall_off_end()?;
        self.fr = self.outer.pop().ok_or("the inlined frames lost their caller".to_string())?;
        self.b.set_handler(caller_handler);
        error_block(self.b, err, callee, self.plan.file, false, call_line);
        // Reached even when the callee always raises, as in the walk.
        self.b.switch_to(join);
        self.reachable = true;
        Ok(self.value(rt, BodyOp::Copy { src: ret }))
    }

    fn raise(&mut self, exc: &str, msg: Option<&str>) {
        self.op(vec![], BodyOp::Raise { exc: exc.to_string(), msg: msg.map(str::to_string) });
        self.terminate(Terminator::Unreachable);
    }

    fn assign(&mut self, id: LocalId, v: Local) {
        let var = self.fr.locals[id.0 as usize];
        if self.fr.f.locals[id.0 as usize].ty == Ty::Object {
            self.b.op(vec![var], OpKind::Assign { src: v });
            return;
        }
        self.op(vec![var], BodyOp::Copy { src: v });
        self.mark_bound(id);
    }

    /// Sets the bound flag of `id`, if it has one.
    fn mark_bound(&mut self, id: LocalId) {
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            self.op(vec![flag], BodyOp::Const { c: Const::Bool(true), ty: Ty::Bool });
        }
    }

    /// UnboundLocalError unless `id` is assigned (when it may not be).
    fn check_bound(&mut self, id: LocalId) {
        if let Some(flag) = self.fr.flags.get(&id).copied() {
            let name = self.fr.f.locals[id.0 as usize].name.clone();
            self.op(vec![], BodyOp::CheckBound { flag, name });
        }
    }

    fn stmt(&mut self, s: &Stmt) -> B<()> {
        match &s.kind {
            StmtKind::Pass => Ok(()),
            StmtKind::Yield { value, target, from } => {
                let (gen, sent) = self.gen.ok_or("a `yield` outside a generator's body")?;
                let v = if *from {
                    // `yield from`: the iterator is the generator's delegate
                    // (a reference of the slot's own), which the generator
                    // type drives until it ends; the body yields None to
                    // tell it so, and resumes with the delegate's result.
                    let o = self.expr(value)?;
                    let it = self.b.value(LocalTy::Object, OpKind::CallC { prim: &crate::mir::primitives::PY_OBJECT_GET_ITER, args: vec![o] });
                    let offset = crate::mir::pass::suspend::GEN_DELEGATE;
                    self.b.op(vec![], OpKind::FrameStore { gen, offset, value: it, object: true });
                    self.b.value(LocalTy::Object, OpKind::LoadConst(hir::ObjConst::None))
                } else {
                    self.expr(value)?
                };
                // Inside `except` clauses (or a `finally` run for an
                // error): suspended, the caller's handled exception is put
                // back; resumed, the caller's (of this resumption) is taken
                // as the one to put back and the innermost clause's is
                // handled again (CPython's `gi_exc_state`).
                let handling = self.open_handlers();
                if let Some(&(_, caller)) = handling.first() {
                    self.b.op(vec![], OpKind::SetHandled { saved: caller });
                }
                self.yields += 1;
                let resume = self.b.block(false);
                self.b.op(vec![], OpKind::Yield { value: v, state: self.yields });
                self.terminate(Terminator::Goto(resume));
                self.b.switch_to(resume);
                self.reachable = true;
                if let (Some(&(_, caller)), Some(&(exc, _))) = (handling.first(), handling.last()) {
                    self.b.op(vec![caller], OpKind::ResumeHandled { exc, sent });
                }
                // A value thrown in raises here, at the `yield`'s line.
                let got = self.b.value(LocalTy::Object, OpKind::Sent { sent });
                if let Some(t) = target {
                    self.assign(*t, got);
                }
                Ok(())
            }
            StmtKind::Unbind(id) => {
                // Read first (checked when it may be unbound, as Python's
                // `del` of an unbound name raises), then unbound.
                self.read_local(*id);
                let var = self.fr.locals[id.0 as usize];
                self.b.op(vec![var], OpKind::Unassigned);
                Ok(())
            }
            StmtKind::Gil { release, body } => self.gil_block(*release, body),
            StmtKind::Prange(p) => self.prange(p),
            StmtKind::Assign(pairs) => {
                let mut vals = vec![];
                for (id, e) in pairs {
                    vals.push(match e.ty {
                        Ty::View(v) if view::takes_buffer(e) => self.take_buffer(*id, e, v)?,
                        Ty::View(_) => self.view_value(e)?,
                        _ => vec![self.expr(e)?],
                    });
                }
                for ((id, e), v) in pairs.iter().zip(vals) {
                    match v[..] {
                        // `x = x` of an object: the read checked that `x` is
                        // bound; storing its own reference back changes nothing.
                        [_] if matches!(e.kind, ExprKind::Local(l) if l == *id) && e.ty == Ty::Object => {}
                        [v] if !self.fr.views.contains_key(id) => self.assign(*id, v),
                        _ => self.assign_view(*id, v)?,
                    }
                }
                Ok(())
            }
            StmtKind::Expr(e) => self.expr(e).map(|_| ()),
            StmtKind::If { cond, then, orelse } => {
                let (tb, eb) = (self.b.block(false), self.b.block(false));
                self.branch_on(cond, tb, eb)?;
                let merge = self.b.block(false);
                self.arms_then_merge([tb, eb], merge, |bb, i| bb.stmts([then, orelse][i]))
            }
            StmtKind::While { cond, body, orelse } => {
                let (header, body_b, else_b, exit) = (self.b.block(false), self.b.block(false), self.b.block(false), self.b.block(false));
                self.terminate(Terminator::Goto(header));
                self.b.switch_to(header);
                self.reachable = true;
                let line = self.b.line();
                self.branch_on(cond, body_b, else_b)?;
                self.b.switch_to(body_b);
                self.reachable = true;
                self.loop_body(body, header, line, else_b, exit, orelse)
            }
            StmtKind::Break | StmtKind::Continue => {
                let brk = matches!(s.kind, StmtKind::Break);
                if !self.unwind(Some(self.fr.loops.len()))? {
                    return Ok(());
                }
                self.leave_loop_regions();
                let t = self.fr.loops.last_mut().ok_or("break outside loop reached the back end".to_string())?;
                let target = if brk {
                    t.broke = true;
                    t.exit
                } else {
                    t.continued = true;
                    t.cont
                };
                self.terminate(Terminator::Goto(target));
                Ok(())
            }
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                self.return_(v)
            }
            StmtKind::Raise { exc, msg } => {
                self.raise(exc, msg.as_deref());
                Ok(())
            }
            StmtKind::RaiseObject { exc, cause } => self.raise_object(exc.as_ref(), cause.as_ref()),
            StmtKind::Try(t) => self.try_stmt(t),
            StmtKind::Assert { cond, msg } => {
                let c = self.expr(cond)?;
                self.op(vec![], BodyOp::Assert { value: c, msg: msg.clone() });
                Ok(())
            }
            StmtKind::ForRange { var, start, stop, step, body, orelse, plan } => self.for_range(*var, [start, stop, step], body, orelse, plan),
            StmtKind::ForIter { item, iter, body, orelse } => self.for_iter(*item, iter, body, orelse),
            StmtKind::CopyView { dst, src } => self.copy_view(*dst, *src),
            StmtKind::Store { view, indices, value, in_bounds, checked_by_load } => self.store(*view, indices, value, in_bounds, *checked_by_load),
        }
    }

    /// Each of two blocks built by `arm` (given its index), then the block
    /// they fall through to, when either does.
    fn arms_then_merge(&mut self, arms: [BlockId; 2], merge: BlockId, mut arm: impl FnMut(&mut Self, usize) -> B<()>) -> B<()> {
        let mut merged = false;
        for (i, blk) in arms.into_iter().enumerate() {
            self.b.switch_to(blk);
            self.reachable = true;
            arm(self, i)?;
            if self.reachable {
                self.terminate(Terminator::Goto(merge));
                merged = true;
            }
        }
        self.reachable = merged;
        if merged {
            self.b.switch_to(merge);
        }
        Ok(())
    }

    /// A `while` or `for`-over-an-iterator body, in the current block, going
    /// back to `header` (what `continue` reaches), then the loop's `else`
    /// and exit at the loop's `line`.
    fn loop_body(&mut self, body: &[Stmt], header: BlockId, line: u32, else_b: BlockId, exit: BlockId, orelse: &[Stmt]) -> B<()> {
        self.fr.loops.push(LoopTargets { cont: header, exit, continued: false, broke: false });
        self.stmts(body)?;
        if self.reachable {
            self.terminate(Terminator::Goto(header));
        }
        let broke = self.fr.loops.pop().is_some_and(|t| t.broke);
        self.b.at_line(line);
        self.finish_loop(else_b, exit, orelse, broke)
    }

    /// A loop's `else` block and its exit, which `break` (`broke`) or the
    /// `else` falling through reaches.
    fn finish_loop(&mut self, else_b: BlockId, exit: BlockId, orelse: &[Stmt], broke: bool) -> B<()> {
        self.b.switch_to(else_b);
        self.reachable = true;
        self.stmts(orelse)?;
        let mut exit_used = broke;
        if self.reachable {
            self.terminate(Terminator::Goto(exit));
            exit_used = true;
        }
        self.reachable = exit_used;
        if exit_used {
            self.b.switch_to(exit);
        }
        Ok(())
    }

    /// Branches on a condition without materialising `and`/`or`/`not`.
    fn branch_on(&mut self, e: &Expr, yes: BlockId, no: BlockId) -> B<()> {
        match &e.kind {
            ExprKind::And(a, b) if e.ty == Ty::Bool => {
                let mid = self.b.block(false);
                self.branch_on(a, mid, no)?;
                self.b.switch_to(mid);
                self.reachable = true;
                self.branch_on(b, yes, no)
            }
            ExprKind::Or(a, b) if e.ty == Ty::Bool => {
                let mid = self.b.block(false);
                self.branch_on(a, yes, mid)?;
                self.b.switch_to(mid);
                self.reachable = true;
                self.branch_on(b, yes, no)
            }
            ExprKind::Unary(UnOp::Not, x) => self.branch_on(x, no, yes),
            _ if e.ty == Ty::Bool => {
                let c = self.expr(e)?;
                self.terminate(Terminator::Branch { cond: c, then: yes, otherwise: no });
                Ok(())
            }
            _ => Err(format!("a condition of type {} reached the back end", e.ty)),
        }
    }

    fn read_local(&mut self, id: LocalId) -> Local {
        let var = self.fr.locals[id.0 as usize];
        let ty = self.fr.f.locals[id.0 as usize].ty;
        if self.fr.borrowed_params.contains(&id) {
            return var;
        }
        if ty == Ty::Object {
            return self.b.value(LocalTy::Object, OpKind::ReadVar { var });
        }
        self.check_bound(id);
        self.value(ty, BodyOp::Copy { src: var })
    }

    /// `hir::ExprKind::NoOverflow`: `+ - *` unchecked, `//` and `%` truncating.
    /// (Out of `expr`, whose frame every nesting level pays.)
    #[inline(never)]
    fn no_overflow(&mut self, op: ArithOp, a: &Expr, b: &Expr, ty: Ty) -> B<Local> {
        let va = self.expr(a)?;
        let vb = self.expr(b)?;
        Ok(match (op, ty) {
            (ArithOp::Add | ArithOp::Sub | ArithOp::Mul, _) => self.value(ty, BodyOp::NoOverflow { op, a: va, b: vb }),
            (ArithOp::FloorDiv | ArithOp::Mod, Ty::Int(t)) => self.value(ty, BodyOp::TruncDiv { op, a: va, b: vb, t }),
            _ => return Err(format!("unchecked {op:?} on {ty} reached the back end")),
        })
    }

    fn expr(&mut self, e: &Expr) -> B<Local> {
        let ty = e.ty;
        if let Some(v) = self.object_expr(e)? {
            return Ok(v);
        }
        if let Some(v) = self.complex_expr(e)? {
            return Ok(v);
        }
        if let Some(v) = self.c_level_expr(e)? {
            return Ok(v);
        }
        if ty == Ty::Object && !matches!(e.kind, ExprKind::Local(_) | ExprKind::Call(..) | ExprKind::VirtualCall { .. } | ExprKind::NewInstance { .. }) {
            return Err(format!("an object expression the body builder does not build reached it: {:?}", e.kind));
        }
        Ok(match &e.kind {
            ExprKind::Const(c) => self.value(ty, BodyOp::Const { c: *c, ty }),
            ExprKind::Local(id) => self.read_local(*id),
            ExprKind::Convert(x) => {
                let counter = match (&x.kind, x.ty, ty) {
                    (ExprKind::Local(id), Ty::Int(from), Ty::Int(to)) if from.bits < 64 && to.bits == 64 => {
                        self.fr.wide_loop_vars.iter().rev().find(|(v, _)| v == id).map(|(_, c)| *c)
                    }
                    _ => None,
                };
                match counter {
                    Some(c) => self.value(ty, BodyOp::Convert { value: c, from: Ty::Int(SSIZE), to: ty }),
                    None => {
                        let v = self.expr(x)?;
                        self.value(ty, BodyOp::Convert { value: v, from: x.ty, to: ty })
                    }
                }
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x)?;
                self.value(ty, BodyOp::Unary { op: *op, value: v, ty })
            }
            ExprKind::Binary(op, a, b) => {
                let va = self.expr(a)?;
                let vb = self.expr(b)?;
                let op = match (a.ty, b.ty) {
                    (Ty::Float(_), _) | (_, Ty::Float(_)) => BodyOp::FloatBinary { op: *op, a: va, b: vb, ty, known: known_exponent(b) },
                    (Ty::Int(t), _) if *op == ArithOp::Div => BodyOp::IntTrueDiv { a: va, b: vb, t },
                    (Ty::Int(t), _) => BodyOp::IntBinary { op: *op, a: va, b: vb, t },
                    (Ty::Bool, _) => BodyOp::BoolBinary { op: *op, a: va, b: vb },
                    _ => return Err(format!("binary {op:?} on {} reached the back end", a.ty)),
                };
                self.value(ty, op)
            }
            ExprKind::NoOverflow(op, a, b) => self.no_overflow(*op, a, b, ty)?,
            ExprKind::Truthy(x) => {
                let v = self.expr(x)?;
                self.value(Ty::Bool, BodyOp::Truthy { value: v, ty: x.ty })
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let va = self.expr(a)?;
                let t = self.value(Ty::Bool, BodyOp::Truthy { value: va, ty: a.ty });
                let joined = self.b.local(LocalTy::Scalar(ty), Some(if is_and { "and value" } else { "or value" }));
                self.op(vec![joined], BodyOp::Copy { src: va });
                let (eval_b, merge) = (self.b.block(false), self.b.block(false));
                self.b.passes(merge, joined);
                let (then, otherwise) = if is_and { (eval_b, merge) } else { (merge, eval_b) };
                self.terminate(Terminator::Branch { cond: t, then, otherwise });
                self.b.switch_to(eval_b);
                self.reachable = true;
                let vb = self.expr(b)?;
                self.op(vec![joined], BodyOp::Copy { src: vb });
                self.terminate(Terminator::Goto(merge));
                self.b.switch_to(merge);
                self.reachable = true;
                self.value(ty, BodyOp::Copy { src: joined })
            }
            ExprKind::IfExp { cond, then, orelse, select: false } => {
                // Of calls returning None (a ccall's two ways): their dummy bint.
                let ty = if ty == Ty::Void { Ty::Bool } else { ty };
                let c = self.expr(cond)?;
                let (tb, eb, merge) = (self.b.block(false), self.b.block(false), self.b.block(false));
                let joined = self.b.local(LocalTy::Scalar(ty), Some("conditional value"));
                self.b.passes(merge, joined);
                self.terminate(Terminator::Branch { cond: c, then: tb, otherwise: eb });
                for (blk, x) in [(tb, then), (eb, orelse)] {
                    self.b.switch_to(blk);
                    self.reachable = true;
                    let v = self.expr(x)?;
                    self.op(vec![joined], BodyOp::Copy { src: v });
                    self.terminate(Terminator::Goto(merge));
                }
                self.b.switch_to(merge);
                self.reachable = true;
                self.value(ty, BodyOp::Copy { src: joined })
            }
            ExprKind::IfExp { cond, then, orelse, select: true } => {
                let c = self.expr(cond)?;
                let t = self.expr(then)?;
                let o = self.expr(orelse)?;
                self.value(ty, BodyOp::Select { cond: c, a: t, b: o })
            }
            ExprKind::Call(id, args) => self.call(ty, *id, args)?,
            ExprKind::VirtualCall { impls, slot, vtab_offset, args } => self.virtual_call(ty, impls, *slot, *vtab_offset, args)?,
            ExprKind::NewInstance { class, init, args, ret, cinit_args } => self.new_instance(class, *init, args, *ret, *cinit_args)?,
            ExprKind::Math(op, args) => {
                let mut vals = vec![];
                for a in args {
                    vals.push(self.expr(a)?);
                }
                self.value(ty, BodyOp::Math { op: *op, args: vals })
            }
            ExprKind::FieldStore { obj, offset, value } => {
                let o = self.expr(obj)?;
                let v = self.expr(value)?;
                let raw = obj.ty != Ty::Object;
                self.b.op(vec![], OpKind::StoreField { obj: o, offset: *offset as i32, value: v, raw });
                self.value(Ty::Bool, BodyOp::Const { c: crate::hir::Const::Bool(false), ty: Ty::Bool })
            }
            ExprKind::MinMax { is_max, args } => {
                let (first, rest) = args.split_first().ok_or("min/max without arguments reached the back end".to_string())?;
                let mut acc = self.expr(first)?;
                for a in rest {
                    let v = self.expr(a)?;
                    acc = self.value(ty, BodyOp::MinMax { is_max: *is_max, ty, v, acc });
                }
                acc
            }
            ExprKind::Abs(x) => {
                let v = self.expr(x)?;
                self.value(ty, BodyOp::Abs { value: v, ty })
            }
            ExprKind::ThreadId => self.value(ty, BodyOp::ThreadId),
            ExprKind::BitCount(x) => {
                let v = self.expr(x)?;
                self.value(ty, BodyOp::BitCount { value: v, ty: x.ty })
            }
            ExprKind::Round(x) => {
                let v = self.expr(x)?;
                self.value(Ty::Int(PY_INT), BodyOp::Round { value: v })
            }
            ExprKind::RoundDigits(x, n) => {
                let vx = self.expr(x)?;
                let vn = self.expr(n)?;
                self.value(ty, BodyOp::RoundDigits { x: vx, n: vn })
            }
            ExprKind::Index { view, indices, in_bounds } => self.load(*view, indices, in_bounds, ty, false)?,
            ExprKind::ElemAddr(x) => {
                let ExprKind::Index { view, indices, in_bounds } = &x.kind else { return Err("an address of something other than an element reached the back end".into()) };
                self.load(*view, indices, in_bounds, ty, true)?
            }
            ExprKind::ViewDim { view, dim, axis } => self.view_dim(*view, *dim, *axis, ty)?,
            ExprKind::ViewIsNone(view) => self.view_is_none(*view)?,
            ExprKind::Compare { operands, ops } => self.compare_chain(operands, ops)?,
            other => return Err(format!("{other:?} as a scalar value reached the back end")),
        })
    }
}

impl BodyBuilder<'_, '_> {
    /// `a < b < c …`: each operand evaluated once, in order, and the chain
    /// stops at the first link that fails. A failed link goes to a block
    /// shared by at most `FAIL_GROUP` links: Cranelift's passes edit a
    /// block's predecessor set at a cost that grows with its size, so one
    /// block reached from every link of a long chain made compile time
    /// quadratic (300,000 links: 255 s).
    fn compare_chain(&mut self, operands: &[Expr], ops: &[hir::CmpOp]) -> B<Local> {
        const FAIL_GROUP: usize = 64;
        let (Some(first), Some(last)) = (operands.first(), ops.len().checked_sub(1)) else {
            return Err("a comparison without operands reached the back end".into());
        };
        if operands.len() != ops.len() + 1 {
            return Err("a comparison chain with operands and operators that do not pair up reached the back end".into());
        }
        if last == 0 {
            if let Some(t) = self.cabs_compare(ops[0], first, &operands[1])? {
                return Ok(t);
            }
        }
        let mut left = self.expr(first)?;
        if last == 0 {
            let right = self.expr(&operands[1])?;
            return Ok(self.value(Ty::Bool, BodyOp::Compare { op: ops[0], a: left, ta: first.ty, b: right, tb: operands[1].ty }));
        }
        let joined = self.b.local(LocalTy::Scalar(Ty::Bool), Some("comparison value"));
        let done = self.b.block(false);
        self.b.passes(done, joined);
        let mut fails = vec![];
        for (i, op) in ops.iter().enumerate() {
            let right = self.expr(&operands[i + 1])?;
            let c = self.value(Ty::Bool, BodyOp::Compare { op: *op, a: left, ta: operands[i].ty, b: right, tb: operands[i + 1].ty });
            if i == last {
                self.op(vec![joined], BodyOp::Copy { src: c });
                self.terminate(Terminator::Goto(done));
            } else {
                if i % FAIL_GROUP == 0 {
                    fails.push(self.b.block(false));
                }
                let fail = *fails.last().ok_or("a comparison chain without a failure block".to_string())?;
                let next = self.b.block(false);
                self.terminate(Terminator::Branch { cond: c, then: next, otherwise: fail });
                self.b.switch_to(next);
                self.reachable = true;
            }
            left = right;
        }
        for fail in fails {
            self.b.switch_to(fail);
            self.op(vec![joined], BodyOp::Const { c: Const::Bool(false), ty: Ty::Bool });
            self.terminate(Terminator::Goto(done));
        }
        self.b.switch_to(done);
        self.reachable = true;
        Ok(self.value(Ty::Bool, BodyOp::Copy { src: joined }))
    }
}

/// A float operation's right operand when it is a literal (a power's
/// special cases are then decided at compile time).
fn known_exponent(rhs: &Expr) -> Option<f64> {
    match rhs.as_const() {
        Some(Const::Float(f)) => Some(f),
        Some(Const::Int(i)) => Some(i as f64),
        _ => None,
    }
}
