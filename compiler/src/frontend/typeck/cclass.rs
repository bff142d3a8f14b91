//! A cclass method's `self.x`, and `p.x` of a variable typed as a cclass
//! (`p: Body`): a load or store at the field's offset in the instance
//! (`ObjectData` addressed as a C pointer), with the conversions (and
//! TypeErrors) of an assignment to a typed variable; a typed variable
//! holding None raises Python's AttributeError. Assignments to typed
//! variables, typed parameters and `-> Body` results check the type
//! (`TypeTest`).

use super::{fallback, Checker, R};
use crate::frontend::cclass::Layout;
use crate::frontend::ModuleCx;
use crate::hir::{self, Const, ExprKind as H, Field};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::types::{Elem, Ty};
use std::collections::HashMap;
use std::sync::Arc;

/// The cclass a variable's annotation names, if any (`Node`, `'Node'`,
/// `Optional[Node]`: each holds an instance or None, as in Cython).
fn annotated_class(cx: &ModuleCx, ann: &Expr) -> Option<String> {
    let ann = crate::frontend::cclass::optional_inner(cx, ann).unwrap_or(ann);
    match &ann.kind {
        ExprKind::Name(n) | ExprKind::Str(n) if cx.cclass_names.contains(n) => Some(n.clone()),
        _ => None,
    }
}

/// The parameters and locals a function annotates as a cclass (a name
/// bound once at module level to the class): each holds an instance or
/// None. `Err`: one names a cclass that stays Python.
pub(super) fn typed_variables(cx: &ModuleCx, def: &syntax::FunctionDef) -> Result<HashMap<String, Arc<Layout>>, (Span, String)> {
    let live = cx.cclasses.borrow();
    let mut out = HashMap::new();
    let mut found = |name: &str, ann: &Expr| -> Result<(), (Span, String)> {
        let Some(c) = annotated_class(cx, ann) else { return Ok(()) };
        match live.get(&c) {
            Some(l) => {
                out.insert(name.to_string(), l.clone());
                Ok(())
            }
            None => Err((ann.span.clone(), format!("`{c}` is not a native type (its `@cython.cclass` stays Python)"))),
        }
    };
    for (name, ann) in crate::frontend::cclass::annotated_names(def) {
        found(name, ann)?;
    }
    // A local never declared whose every binding builds one native cclass
    // (`other = C()`) holds one, as Cython infers.
    let mut bound = vec![];
    def.body.iter().for_each(|s| syntax::bound_names(s, &mut bound));
    bound.extend(def.params.iter().map(|p| p.name.clone()));
    for (name, values, _) in crate::frontend::structs::plain_bindings(cx, def) {
        let class = |v: &Expr| match &v.kind {
            ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(c) if !bound.contains(c)) => annotated_class(cx, func),
            _ => None,
        };
        let Some(c) = values.first().and_then(class) else { continue };
        if out.contains_key(&name) || !values.iter().all(|v| class(v).as_ref() == Some(&c)) {
            continue;
        }
        if let Some(l) = live.get(&c) {
            out.insert(name, l.clone());
        }
    }
    Ok(out)
}

/// The class a function's return annotation names (`-> Body`), if any.
pub(super) fn returned_class(cx: &ModuleCx, def: &syntax::FunctionDef) -> Option<Arc<Layout>> {
    let c = annotated_class(cx, def.returns.as_ref()?)?;
    cx.cclasses.borrow().get(&c).cloned()
}

/// A typed receiver: its object (a local, or a typed object field of
/// another receiver, loaded), the class, and whether it is the method's
/// `self` (never None).
struct Receiver {
    obj: hir::Expr,
    layout: Arc<Layout>,
    is_self: bool,
}

impl<'c, 'a> Checker<'c, 'a> {
    fn receiver(&self, base: &Expr) -> Option<Receiver> {
        if let ExprKind::Attribute { value, attr } = &base.kind {
            // `a.b.x`: `a.b` a field typed as a (native) cclass.
            let (r, field) = self.typed_field(value, attr)?;
            let layout = self.cx.cclasses.borrow().get(field.class.as_ref()?).cloned()?;
            return Some(Receiver { obj: load(receiver_value(&r, attr, false), &field), layout, is_self: false });
        }
        let ExprKind::Name(n) = &base.kind else { return None };
        let id = *self.local_ids.get(n)?;
        let obj = hir::Expr::local(id, Ty::Object);
        if let Some(layout) = &self.me.class {
            if self.me.params.first().map(|p| &p.name) == Some(n) {
                return Some(Receiver { obj, layout: layout.clone(), is_self: true });
            }
        }
        let layout = self.classes.get(n)?.clone();
        Some(Receiver { obj, layout, is_self: false })
    }

    /// The field `base.attr` names when `base` is the method's `self` or a
    /// variable typed as a cclass.
    fn typed_field(&self, base: &Expr, attr: &str) -> Option<(Receiver, Field)> {
        let r = self.receiver(base)?;
        let field = r.layout.field(attr)?.clone();
        Some((r, field))
    }

    /// `r.m(...)` of a `@cython.cfunc` method `m` (own or inherited) of the
    /// class of `r`: the method's `self`, a variable typed as a cclass
    /// (None: Python's AttributeError, before the arguments), or a new
    /// instance `Class(...)` (its exact type known). A direct call of the
    /// implementation, or a call through the instance's table when a
    /// cclass of the module below the receiver's class overrides it.
    /// `Base.m(self, ...)`: the base's implementation, directly (Cython's
    /// non-virtual call). `None`: not a cfunc call.
    #[inline(never)]
    pub(super) fn cfunc_call(&mut self, e: &Expr, value: &Expr, attr: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        if let Some(call) = self.base_cfunc_call(e, value, attr, args, keywords)? {
            return Ok(Some(call));
        }
        if let Some(call) = self.static_call(e, value, attr, args, keywords)? {
            return Ok(Some(call));
        }
        // A receiver evaluated once (a call's result, a cast), kept in a
        // hidden local when a ccall's dispatch reads it again.
        let mut evaluated = None;
        let (layout, guard, exact) = match self.receiver(value) {
            Some(r) => (r.layout.clone(), !r.is_self, false),
            None => match &value.kind {
                ExprKind::Call { func, .. } => match &func.kind {
                    ExprKind::Name(n) if !self.local_names.contains(n) && self.cx.binding_of(func).is_none() && self.cx.cclasses.borrow().contains_key(n) => {
                        (self.cx.cclasses.borrow().get(n).cloned().ok_or_else(|| super::Problem::Pending)?, false, true)
                    }
                    _ => match self.class_valued(value)? {
                        Some((l, v)) => {
                            evaluated = Some(v);
                            (l, true, false)
                        }
                        None => return Ok(None),
                    },
                },
                _ => return Ok(None),
            },
        };
        let Some((slot, owner)) = layout.cfunc(attr) else { return Ok(None) };
        let Some(&id) = self.ids.get(&crate::frontend::cclass::method_function_name(owner, attr)) else { return Ok(None) };
        // `r.m(a, b)` is `Owner.m(r, a, b)`.
        let all: Vec<Expr> = std::iter::once(value.clone()).chain(args.iter().cloned()).collect();
        let mut call = self.native_call(e, id, &all, keywords)?;
        let H::Call(_, hargs) = &mut call.kind else { return Ok(Some(call)) };
        if let (Some(v), Some(first)) = (evaluated, hargs.first_mut()) {
            *first = if layout.ccalls.iter().any(|m| m == attr) {
                let tmp = self.local_id(&format!("<receiver of {attr} at {}>", value.span.start), Ty::Object);
                hir::Expr { kind: H::AssignLocal { local: tmp, value: Box::new(v) }, ty: Ty::Object }
            } else {
                v
            };
        }
        if guard {
            if let Some(first) = hargs.first_mut() {
                let obj = std::mem::replace(first, hir::Expr::konst(Const::Bool(false), Ty::Bool));
                *first = hir::Expr { kind: H::NoneGuard { obj: Box::new(obj), attr: attr.to_string(), store: false }, ty: Ty::Object };
            }
        }
        // A final class has no Python subclass whose override to look for.
        let ccall = layout.ccalls.iter().any(|m| m == attr) && !layout.is_final;
        if exact || !layout.dispatched(attr) {
            return if ccall && !exact { self.ccall_dispatch(e, &layout, attr, call).map(Some) } else { Ok(Some(call)) };
        }
        let Some(vtab_offset) = layout.vtab_offset else { return Ok(Some(call)) };
        // Every implementation the entry may hold: the static class's first.
        let mut impls = vec![id];
        for l in self.cx.cclasses.borrow().values().filter(|l| l.extends(&layout.name)) {
            if let Some((_, o)) = l.cfunc(attr) {
                if let Some(&f) = self.ids.get(&crate::frontend::cclass::method_function_name(o, attr)) {
                    if !impls.contains(&f) {
                        impls.push(f);
                    }
                }
            }
        }
        let H::Call(_, hargs) = call.kind else { return Ok(None) };
        let virt = hir::Expr { kind: H::VirtualCall { impls, slot, vtab_offset, args: hargs }, ty: call.ty };
        if ccall {
            return self.ccall_dispatch(e, &layout, attr, virt).map(Some);
        }
        Ok(Some(virt))
    }

    /// `C.m(...)`, `self.m(...)` or `r.m(...)` of a `@staticmethod` or
    /// `@classmethod` `m` of a module cclass (own or inherited), with
    /// arguments that bind to its parameters: the compiled function called
    /// directly (a class method with the class: `C`, or the receiver's
    /// type). The class's methods cannot be rebound (its type is immutable,
    /// `exec.rs`), so `C.m` is known; an instance's type may be a Python
    /// subclass overriding `m` (or an instance attribute may shadow it), so
    /// on a receiver the direct call is taken when its type is exactly one
    /// of the module's classes finding this `m`, else Python's lookup is
    /// called with the arguments boxed, its result converted. `None`: not
    /// such a call, or one the generic call makes (and raises CPython's
    /// errors for: bad keywords, missing arguments).
    #[inline(never)]
    fn static_call(&mut self, e: &Expr, value: &Expr, attr: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        if self.nogil {
            return Ok(None);
        }
        let (layout, on_class) = match &value.kind {
            ExprKind::Name(n) if !self.local_names.contains(n) && self.cx.binding_of(value).is_none() && self.cx.cclasses.borrow().contains_key(n) => {
                (self.cx.cclasses.borrow().get(n).cloned(), true)
            }
            _ => (self.receiver(value).map(|r| r.layout), false),
        };
        let Some(layout) = layout else { return Ok(None) };
        let Some((owner, is_class)) = layout.py_static(attr) else { return Ok(None) };
        let owner = owner.to_string();
        let Some(&id) = self.ids.get(&crate::frontend::cclass::method_function_name(&owner, attr)) else { return Ok(None) };
        let params = &self.set[id.0 as usize].params;
        let params = if is_class { params.get(1..).unwrap_or(&[]) } else { &params[..] };
        if !binds(params, args.len(), keywords) {
            return Ok(None);
        }
        // A class method's first argument: the receiver here, the class below.
        let all: Vec<Expr> = if is_class { std::iter::once(value.clone()).chain(args.iter().cloned()).collect() } else { args.to_vec() };
        let call = self.native_call(e, id, &all, keywords)?;
        let ty = call.ty;
        let H::Call(_, mut hargs) = call.kind else { return Ok(None) };
        if on_class {
            if is_class {
                hargs[0] = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::DefiningClass(hir::ClassRef::Ext(layout.name.clone())), operands: vec![] }, ty: Ty::Object };
            }
            return Ok(Some(hir::Expr { kind: H::Call(id, hargs), ty }));
        }
        // On an instance: the receiver, read again by each way.
        let Some(r) = self.receiver(value) else { return Ok(None) };
        if !matches!(r.obj.kind, H::Local(_) | H::FieldLoad { .. }) {
            return Ok(None);
        }
        let recv = r.obj;
        let given = if is_class { &hargs[1..] } else { &hargs[..] };
        let mut operands = vec![hir::Expr { kind: H::ObjOp { op: hir::ObjOp::GetAttr(attr.to_string()), operands: vec![recv.clone()] }, ty: Ty::Object }];
        // Python's lookup is called with every parameter by position (the
        // defaults filled in): only parameters that take a position.
        for (a, p) in given.iter().zip(params) {
            if !matches!(p.kind, syntax::ParamKind::PositionalOrKeyword | syntax::ParamKind::PositionalOnly) {
                return Ok(None);
            }
            match a.ty {
                Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => operands.push(super::object::boxed(a.clone())),
                _ => return Ok(None),
            }
        }
        if is_class {
            hargs[0] = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::Type, operands: vec![recv.clone()] }, ty: Ty::Object };
        }
        let native = hir::Expr { kind: H::Call(id, hargs), ty };
        let py = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::Call { keywords: vec![] }, operands }, ty: Ty::Object };
        let py = match ty {
            Ty::Void => hir::Expr { kind: H::ObjIs(Box::new(py), Box::new(hir::Expr { kind: H::ObjConst(hir::ObjConst::None), ty: Ty::Object })), ty: Ty::Bool },
            t => self.coerce(py, t, &e.span, "result")?,
        };
        // The classes whose instances find this `m`: no instance dict, so
        // the type's lookup is the attribute.
        let mut family: Vec<String> = self
            .cx
            .cclasses
            .borrow()
            .values()
            .filter(|l| l.extends(&layout.name) && l.py_static(attr).is_some_and(|(o, c)| o == owner && c == is_class))
            .map(|l| l.name.clone())
            .collect();
        family.sort_by_key(|c| (*c != layout.name, c.clone()));
        let test = |class: &str| hir::Expr { kind: H::IsClassInstance { obj: Box::new(recv.clone()), class: class.to_string(), exact: true, inherits: None }, ty: Ty::Bool };
        let Some(first) = family.first() else { return Ok(None) };
        let mut cond = test(first);
        for c in &family[1..] {
            cond = hir::Expr { kind: H::Or(Box::new(cond), Box::new(test(c))), ty: Ty::Bool };
        }
        Ok(Some(hir::Expr { kind: H::IfExp { cond: Box::new(cond), then: Box::new(native), orelse: Box::new(py), select: false }, ty }))
    }

    /// A receiver whose class is known though it is no variable: a call
    /// of a compiled function declared to return a cclass (`-> Body`: its
    /// result checked by the callee), or `cython.cast(Body, x)` (Cython's
    /// unchecked cast, here checked: Cython's TypeError where Cython would
    /// read another object's memory). Its value, an instance or None.
    fn class_valued(&mut self, value: &Expr) -> R<Option<(Arc<Layout>, hir::Expr)>> {
        let ExprKind::Call { func, args, keywords } = &value.kind else { return Ok(None) };
        if let Some(crate::frontend::Binding::CythonAttr(c)) = self.cx.binding_of(func) {
            let typecheck = |k: &syntax::Keyword| k.name.as_deref() == Some("typecheck") && matches!(k.value.kind, ExprKind::Bool(_));
            let [Expr { kind: ExprKind::Name(n), .. }, x] = args.as_slice() else { return Ok(None) };
            if c != "cast" || !keywords.iter().all(typecheck) {
                return Ok(None);
            }
            let Some(l) = self.cx.cclasses.borrow().get(n).cloned() else { return Ok(None) };
            let v = self.expr(x)?;
            if v.ty != Ty::Object {
                return Ok(None);
            }
            let v = if self.static_class(&v).is_some_and(|c| self.cx.cclasses.borrow().get(&c).is_some_and(|k| k.extends(&l.name))) { v } else { self.type_test(&l, v, None) };
            return Ok(Some((l, v)));
        }
        let ExprKind::Name(f) = &func.kind else { return Ok(None) };
        if self.local_names.contains(f) || self.cx.binding_of(func).is_some() {
            return Ok(None);
        }
        let Some(&id) = self.ids.get(f) else { return Ok(None) };
        let Some(l) = returned_class(self.cx, self.set[id.0 as usize].def) else { return Ok(None) };
        let v = self.expr(value)?;
        if v.ty != Ty::Object || !matches!(v.kind, H::Call(..)) {
            return Ok(None);
        }
        Ok(Some((l, v)))
    }

    /// `C(args)` of a module cclass `C` (a name bound once at module level
    /// to the class; Cython takes such names as constant) whose line has no
    /// `__cinit__` taking arguments, with positional and keyword arguments
    /// its `__init__` (own or inherited) binds: the instance made by the
    /// type's `tp_new` (which runs the `__cinit__`s) and the native
    /// `__init__` called with the arguments bound at compile time as its C
    /// parameters, with no global lookup, boxing or generic call.
    /// `None`: the generic call (`type.__call__`), which binds and converts
    /// at run time (and raises CPython's errors for arguments that do not
    /// bind).
    #[inline(never)]
    pub(super) fn new_instance(&mut self, e: &Expr, func: &Expr, n: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        if self.nogil || self.local_names.contains(n) || self.cx.binding_of(func).is_some() {
            return Ok(None);
        }
        let Some(layout) = self.cx.cclasses.borrow().get(n).cloned() else { return Ok(None) };
        let lifecycle = layout.py_methods.iter().any(|m| m == "__cinit__" || m == "__dealloc__");
        let mut at = Some(layout);
        let mut init = None;
        let mut cinit_args = false;
        while let Some(c) = at {
            // A `__cinit__` wanting arguments gets them from `tp_new`,
            // boxed: positional ones only (else the generic call).
            if let Some(&id) = self.ids.get(&crate::frontend::cclass::method_function_name(&c.name, "__cinit__")) {
                if self.set[id.0 as usize].params.len() > 1 {
                    if !keywords.is_empty() {
                        return Ok(None);
                    }
                    cinit_args = true;
                }
            }
            if init.is_none() {
                init = self.ids.get(&crate::frontend::cclass::method_function_name(&c.name, "__init__")).copied();
            }
            at = c.base.clone();
        }
        let Some(init) = init else { return Ok(None) };
        let callee = &self.set[init.0 as usize];
        let Some((_, params)) = callee.params.split_first() else { return Ok(None) };
        // Only parameters of numbers and objects, which the arguments bind
        // to: anything else is bound by the generic call.
        if !params.iter().all(|p| matches!(p.ty, Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex)) || !binds(params, args.len(), keywords) {
            return Ok(None);
        }
        if args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
            return Ok(None);
        }
        let all: Vec<Expr> = std::iter::once(func.clone()).chain(args.iter().cloned()).collect();
        let call = self.native_call(e, init, &all, keywords)?;
        let H::Call(_, mut hargs) = call.kind else { return Ok(None) };
        if hargs.is_empty() {
            return Ok(None);
        }
        hargs.remove(0);
        // The generic call runs `__cinit__` before `__init__`'s wrapper
        // converts the arguments (and `__dealloc__` after a failure): with
        // either in the line, only arguments whose conversion cannot fail.
        let fallible = |a: &hir::Expr| a.ty != Ty::Object && matches!(&a.kind, H::Convert(x) | H::Truthy(x) if x.ty == Ty::Object);
        if lifecycle && hargs.iter().any(fallible) {
            return Ok(None);
        }
        // The `__cinit__`s see each argument boxed as the generic call
        // passes it: an object, or a C value of its own type (not one
        // converted to the parameter's type, nor a number literal of
        // another type than the parameter's).
        let as_given = |(h, a): (&hir::Expr, &Expr)| {
            h.ty == Ty::Object
                || (!matches!(h.kind, H::Convert(_) | H::Truthy(_))
                    && match &a.kind {
                        ExprKind::Int(_) => matches!(h.ty, Ty::Int(_)),
                        ExprKind::Float(_) => matches!(h.ty, Ty::Float(64)),
                        ExprKind::Imag(_) => h.ty == Ty::Complex,
                        ExprKind::Bool(_) => h.ty == Ty::Bool,
                        ExprKind::UnaryOp { .. } => false,
                        _ => true,
                    })
        };
        if cinit_args && !hargs.iter().zip(args).all(as_given) {
            return Ok(None);
        }
        let cinit_args = cinit_args.then_some(args.len() as u32);
        Ok(Some(hir::Expr { kind: H::NewInstance { class: n.to_string(), init, args: hargs, ret: call.ty, cinit_args }, ty: Ty::Object }))
    }

    /// A `@cython.ccall` method called on a receiver that may be an
    /// instance of a Python subclass: the native call (`call`, its first
    /// argument the receiver) when the receiver's type is exactly one of
    /// the module's compiled classes at or below `layout` (their `m` is the
    /// compiled one, as Cython's check finds); otherwise Python's lookup of
    /// `m` on the receiver called with the converted arguments boxed, and
    /// its result converted to the method's type (a Python override, or
    /// the method's own wrapper, which runs the same body).
    fn ccall_dispatch(&mut self, e: &Expr, layout: &Layout, attr: &str, call: hir::Expr) -> R<hir::Expr> {
        let ty = call.ty;
        let (H::Call(_, args) | H::VirtualCall { args, .. }) = &call.kind else { return Ok(call) };
        let Some(first) = args.first() else { return Ok(call) };
        // The receiver: a local or a field of one (reading it again reads
        // the same object); None is refused by the first test.
        let plain = |x: &hir::Expr| match &x.kind {
            H::NoneGuard { obj, .. } => (**obj).clone(),
            _ => x.clone(),
        };
        let recv = match plain(first).kind {
            // A receiver evaluated once: its hidden local, after the first test.
            H::AssignLocal { local, .. } => hir::Expr::local(local, Ty::Object),
            _ => plain(first),
        };
        if !matches!(recv.kind, H::Local(_) | H::FieldLoad { .. }) {
            return fallback(&e.span, format!("it calls the `ccall` `{attr}` on a receiver that is not a variable or field"));
        }
        let mut family: Vec<String> = vec![layout.name.clone()];
        let mut below: Vec<String> = self.cx.cclasses.borrow().values().filter(|l| l.name != layout.name && l.extends(&layout.name)).map(|l| l.name.clone()).collect();
        below.sort();
        family.extend(below);
        let test = |obj: hir::Expr, class: &str, inherits: Option<String>| hir::Expr { kind: H::IsClassInstance { obj: Box::new(obj), class: class.to_string(), exact: true, inherits }, ty: Ty::Bool };
        let mut cond = test(first.clone(), &family[0], None);
        for c in &family[1..] {
            cond = hir::Expr { kind: H::Or(Box::new(cond), Box::new(test(recv.clone(), c, None))), ty: Ty::Bool };
        }
        // Else a type whose lookup finds the class's own method (a Python
        // subclass not overriding it), as Cython compares: tested apart, so
        // the exact instances' way stays one test.
        let inherits = test(recv.clone(), &layout.name, Some(attr.to_string()));
        let mut operands = vec![hir::Expr { kind: H::ObjOp { op: hir::ObjOp::GetAttr(attr.to_string()), operands: vec![recv.clone()] }, ty: Ty::Object }];
        for a in &args[1..] {
            match a.ty {
                Ty::Object | Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Complex => operands.push(super::object::boxed(a.clone())),
                t => return fallback(&e.span, format!("it calls the `ccall` `{attr}`, which takes {t}, on a receiver that may be a Python subclass's")),
            }
        }
        let py = hir::Expr { kind: H::ObjOp { op: hir::ObjOp::Call { keywords: vec![] }, operands }, ty: Ty::Object };
        let py = match ty {
            // Its result is dropped as the native call's is.
            Ty::Void => hir::Expr { kind: H::ObjIs(Box::new(py), Box::new(hir::Expr { kind: H::ObjConst(hir::ObjConst::None), ty: Ty::Object })), ty: Ty::Bool },
            t => self.coerce(py, t, &e.span, "result")?,
        };
        let mut native = call;
        if let H::Call(_, a) | H::VirtualCall { args: a, .. } = &mut native.kind {
            a[0] = recv;
        }
        let slow = hir::Expr { kind: H::IfExp { cond: Box::new(inherits), then: Box::new(native.clone()), orelse: Box::new(py), select: false }, ty };
        Ok(hir::Expr { kind: H::IfExp { cond: Box::new(cond), then: Box::new(native), orelse: Box::new(slow), select: false }, ty })
    }

    /// `Base.m(self, ...)` in a method of `Base` or of a class below it,
    /// `m` a cfunc of `Base`: its implementation for `Base`, directly.
    #[inline(never)]
    fn base_cfunc_call(&mut self, e: &Expr, value: &Expr, attr: &str, args: &[Expr], keywords: &[syntax::Keyword]) -> R<Option<hir::Expr>> {
        let ExprKind::Name(n) = &value.kind else { return Ok(None) };
        if self.local_names.contains(n) || self.cx.binding_of(value).is_some() {
            return Ok(None);
        }
        let Some(base) = self.cx.cclasses.borrow().get(n).cloned() else { return Ok(None) };
        let Some((_, owner)) = base.cfunc(attr) else { return Ok(None) };
        let on_self = match (&self.me.class, args.first(), self.me.params.first()) {
            (Some(me), Some(Expr { kind: ExprKind::Name(a), .. }), Some(p)) => *a == p.name && me.extends(&base.name),
            _ => false,
        };
        if !on_self {
            return fallback(&e.span, format!("it calls the `cfunc` `{n}.{attr}` on other than the `self` of a method of `{n}` or a subclass"));
        }
        let Some(&id) = self.ids.get(&crate::frontend::cclass::method_function_name(owner, attr)) else { return Ok(None) };
        self.native_call(e, id, args, keywords).map(Some)
    }

    /// `base.x` of a field: its value, loaded in place. A typed variable
    /// holding None raises Python's AttributeError (the attribute looked
    /// up on None) where Cython without `nonecheck` would crash.
    pub(super) fn field_load(&self, base: &Expr, attr: &str) -> Option<hir::Expr> {
        let (r, field) = self.typed_field(base, attr)?;
        Some(load(receiver_value(&r, attr, false), &field))
    }

    /// Whether `base.attr` is an object field.
    fn object_field(&self, base: &Expr, attr: &str) -> bool {
        self.typed_field(base, attr).is_some_and(|(_, f)| f.ty == Ty::Object)
    }

    /// `base.x = value` of a field: the value converted to the field's
    /// type as an assignment converts it, then stored (on a typed
    /// variable: the value first, then None's AttributeError, as Python).
    pub(super) fn field_store(&mut self, base: &Expr, attr: &str, value: &Expr, span: &Span, line: u32) -> R<Option<Vec<hir::Stmt>>> {
        let Some((r, field)) = self.typed_field(base, attr) else { return Ok(None) };
        let v = self.expr(value)?;
        let v = self.coerce(v, field.ty, span, "attribute")?;
        let v = self.field_class_checked(&field, v, span)?;
        if r.is_self {
            return Ok(Some(vec![store(receiver_value(&r, attr, true), &field, v, line)]));
        }
        // Python evaluates the value before it finds the receiver None.
        let tmp = self.local_id(&format!("<{attr} value line {line}>"), field.ty);
        let set = hir::Stmt { kind: hir::StmtKind::Assign(vec![(tmp, v)]), line };
        let stored = store(receiver_value(&r, attr, true), &field, hir::Expr::local(tmp, field.ty), line);
        Ok(Some(vec![set, stored]))
    }

    /// `self.x = v` in a method of a cclass whose instances have no `x`
    /// (no field, no property or method of that name): Cython refuses to
    /// compile it (declared in a `.pxd`, which pyc-aot does not read for
    /// classes, it is a field), and the instance has no `__dict__`.
    pub(super) fn undeclared_store(&self, base: &Expr, attr: &str, span: &Span) -> R<()> {
        match self.receiver(base) {
            Some(r) if r.is_self && r.layout.field(attr).is_none() && !r.layout.py_methods.iter().any(|m| m == attr) => {
                fallback(span, format!("it assigns `{}.{attr}`, an attribute the class does not declare", self.cx.source_text(&base.span)))
            }
            _ => Ok(()),
        }
    }

    /// `base.x op= value` of a field (`base` a local: reading it twice
    /// reads the same object).
    pub(super) fn field_aug_store(&mut self, base: &Expr, attr: &str, op: syntax::BinOp, value: &Expr, span: &Span, line: u32) -> R<Option<Vec<hir::Stmt>>> {
        let Some((r, field)) = self.typed_field(base, attr) else { return Ok(None) };
        let cur = load(receiver_value(&r, attr, false), &field);
        let rhs = self.operand(value)?;
        let new = if self.object_field(base, attr) { self.object_binop(op, cur, rhs, true, span)? } else { self.binop(op, cur, rhs, span)? };
        let new = self.coerce(new, field.ty, span, "attribute")?;
        let new = self.field_class_checked(&field, new, span)?;
        // The load checked the receiver.
        let obj = r.obj;
        Ok(Some(vec![store(obj, &field, new, line)]))
    }

    /// A value stored in a field typed as a cclass, checked to be an
    /// instance or None (Cython's "Cannot convert" TypeError); the class
    /// must be native for that.
    fn field_class_checked(&self, field: &Field, v: hir::Expr, span: &Span) -> R<hir::Expr> {
        if let Some(b) = &field.builtin {
            return Ok(builtin_checked(b, v));
        }
        let Some(class) = &field.class else { return Ok(v) };
        let live = self.cx.cclasses.borrow().get(class).cloned();
        match live {
            Some(l) => Ok(self.type_test(&l, v, None)),
            None => fallback(span, format!("it stores into an attribute typed as `{class}`, which is not a native type (its `@cython.cclass` stays Python)")),
        }
    }

    /// `v` (an object) checked to be an instance of the class `name` is
    /// typed as, or None: Cython's TypeError otherwise.
    pub(super) fn class_checked(&self, name: &str, v: hir::Expr) -> hir::Expr {
        match self.classes.get(name) {
            Some(l) if v.ty == Ty::Object && self.static_class(&v).as_deref() != Some(l.name.as_str()) => self.type_test(l, v, None),
            _ => v,
        }
    }

    /// The cclass a value is known to be an instance of (or None) without
    /// a check: `self`, a variable typed as the class, a checked value, a
    /// new instance, a compiled function's result declared as the class, or
    /// a field typed as a cclass of one of these (its stores are checked).
    fn static_class(&self, v: &hir::Expr) -> Option<String> {
        match &v.kind {
            H::Local(id) => {
                if id.0 == 0 {
                    if let Some(l) = &self.me.class {
                        return Some(l.name.clone());
                    }
                }
                let name = &self.locals.get(id.0 as usize)?.name;
                Some(self.classes.get(name)?.name.clone())
            }
            H::NoneGuard { obj, .. } => self.static_class(obj),
            H::TypeTest { class, builtin: false, .. } | H::NewInstance { class, .. } => Some(class.clone()),
            // A compiled function's `-> C` result, which it checks.
            H::Call(id, _) => Some(returned_class(self.cx, self.set.get(id.0 as usize)?.def)?.name.clone()),
            H::FieldLoad { obj, offset } => {
                let owner = self.static_class(obj)?;
                let layout = self.cx.cclasses.borrow().get(&owner).cloned()?;
                let field = layout.fields.iter().find(|f| f.offset == *offset && f.ty == Ty::Object)?;
                field.class.clone()
            }
            _ => None,
        }
    }

    pub(super) fn type_test(&self, l: &Layout, v: hir::Expr, arg: Option<String>) -> hir::Expr {
        let qualified = format!("{}.{}", self.cx.module_name, l.name);
        hir::Expr { kind: H::TypeTest { obj: Box::new(v), class: l.name.clone(), qualified, arg, builtin: false }, ty: Ty::Object }
    }

    /// The checks of the parameters typed as a cclass, first thing in the
    /// body (a compiled caller passes any object): Cython's "Argument 'a'
    /// has incorrect type".
    pub(super) fn parameter_checks(&self) -> Vec<hir::Stmt> {
        let mut out = vec![];
        for (i, p) in self.me.params.iter().enumerate() {
            if i == 0 && self.me.class.is_some() {
                continue;
            }
            if let Some(l) = self.classes.get(&p.name) {
                let v = hir::Expr::local(hir::LocalId(i as u32), Ty::Object);
                let e = self.type_test(l, v, Some(p.name.clone()));
                out.push(hir::Stmt { kind: hir::StmtKind::Expr(e), line: self.me.line });
            }
        }
        out
    }
}

/// `v` (an object) checked to be None or exactly of the builtin type `b`
/// (a field typed `list`, `str`, …): Cython's "Expected list, got T"
/// otherwise. A value known to be of that type (a display of it, or a
/// load of a field typed so) needs no test.
fn builtin_checked(b: &str, v: hir::Expr) -> hir::Expr {
    let known = match &v.kind {
        H::ObjOp { op: hir::ObjOp::List, .. } => b == "list",
        H::ObjOp { op: hir::ObjOp::Tuple, .. } => b == "tuple",
        H::ObjOp { op: hir::ObjOp::Dict, .. } => b == "dict",
        H::ObjOp { op: hir::ObjOp::Set, .. } => b == "set",
        H::ObjConst(hir::ObjConst::None) => true,
        H::ObjConst(hir::ObjConst::Str(_)) => b == "str",
        H::TypeTest { class, builtin: true, .. } => class == b,
        _ => false,
    };
    if known || v.ty != Ty::Object {
        return v;
    }
    hir::Expr { kind: H::TypeTest { obj: Box::new(v), class: b.to_string(), qualified: b.to_string(), arg: None, builtin: true }, ty: Ty::Object }
}

/// The receiver's object: `self` as it is, a typed variable checked not
/// to be None (Python's AttributeError for `attr`, where Cython without
/// `nonecheck` would crash; a store's message is CPython's for setting an
/// attribute, which 3.13 words differently).
fn receiver_value(r: &Receiver, attr: &str, store: bool) -> hir::Expr {
    let v = r.obj.clone();
    if r.is_self {
        return v;
    }
    hir::Expr { kind: H::NoneGuard { obj: Box::new(v), attr: attr.to_string(), store }, ty: Ty::Object }
}

/// The instance's memory as a pointer to the field's type, and the field's
/// index in units of that type (fields are aligned to their size).
fn address(obj: hir::Expr, field: &Field) -> (hir::Expr, hir::Expr) {
    // A pointer field is a `void*` slot, read and written retyped.
    let elem = if field.ty.is_pointer() { Some(Elem::VoidPtr) } else { Elem::of(field.ty) };
    let size = elem.map_or(1, |e| u32::from(e.size()));
    let ptr = hir::Expr { kind: H::ObjectData(Box::new(obj)), ty: Ty::Ptr(elem) };
    let index = hir::Expr::konst(Const::Int(i64::from(field.offset / size.max(1))), ssize_t());
    (ptr, index)
}

fn load(obj: hir::Expr, field: &Field) -> hir::Expr {
    if field.ty == Ty::Object {
        let obj = Box::new(obj);
        return hir::Expr { kind: H::FieldLoad { obj, offset: field.offset }, ty: Ty::Object };
    }
    let (ptr, index) = address(obj, field);
    hir::Expr { kind: H::PtrLoad { ptr: Box::new(ptr), index: Box::new(index) }, ty: field.ty }
}

/// A pointer stored to a pointer field: retyped to the slot's `void*`.
fn slot_value(field: &Field, v: hir::Expr) -> hir::Expr {
    match (field.ty, v.ty) {
        (Ty::Ptr(_) | Ty::FnPtr(_), Ty::Ptr(_) | Ty::FnPtr(_)) => hir::Expr { kind: v.kind, ty: Ty::Ptr(None) },
        _ => v,
    }
}

fn store(obj: hir::Expr, field: &Field, v: hir::Expr, line: u32) -> hir::Stmt {
    if field.ty == Ty::Object {
        let obj = Box::new(obj);
        let e = hir::Expr { kind: H::FieldStore { obj, offset: field.offset, value: Box::new(v) }, ty: Ty::Void };
        return hir::Stmt { kind: hir::StmtKind::Expr(e), line };
    }
    let (ptr, index) = address(obj, field);
    let v = slot_value(field, v);
    let e = hir::Expr { kind: H::PtrStore { ptr: Box::new(ptr), index: Box::new(index), value: Box::new(v) }, ty: Ty::Void };
    hir::Stmt { kind: hir::StmtKind::Expr(e), line }
}

fn ssize_t() -> Ty {
    crate::types::cython_scalar("Py_ssize_t").unwrap_or(Ty::py_int())
}

/// Whether `nargs` positional arguments and `keywords` bind to `params` as
/// Python binds them (no `*args`/`**kwargs` parameter): no unknown,
/// positional-only or repeated keyword, none missing.
fn binds(params: &[super::signature::SigParam], nargs: usize, keywords: &[syntax::Keyword]) -> bool {
    use syntax::ParamKind as K;
    if params.iter().any(|p| matches!(p.kind, K::VarPositional | K::VarKeyword)) {
        return false;
    }
    let positional: Vec<usize> = params.iter().enumerate().filter(|(_, p)| p.kind != K::KeywordOnly).map(|(i, _)| i).collect();
    if nargs > positional.len() {
        return false;
    }
    let mut filled = vec![false; params.len()];
    for &i in &positional[..nargs] {
        filled[i] = true;
    }
    for k in keywords {
        let Some(name) = k.name.as_deref() else { return false };
        match params.iter().position(|p| p.name == name && p.kind != K::PositionalOnly) {
            Some(i) if !filled[i] => filled[i] = true,
            _ => return false,
        }
    }
    params.iter().zip(&filled).all(|(p, f)| *f || p.default.is_some() || p.accepts_none || p.stored_default())
}
