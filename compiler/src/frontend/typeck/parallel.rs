//! `for i in cython.parallel.prange(...)` and `with
//! cython.parallel.parallel():` (a `prange` whose team's threads each run
//! the body once): their options read, and Cython's
//! variable rules applied to the typed body: the loop variable is
//! lastprivate, a local the body assigns is private, a local it only updates
//! in place (`s += …`, `-=`, `*=`, `&=`, `|=`, `^=`, one operator per
//! variable) is a reduction (reading it otherwise is an error, as is an
//! in-place update Cython cannot reduce), the locals it only reads are
//! shared. A body may leave the loop (`break`, `return`): the first thread
//! to leave stops the others' later trips, as in Cython. A `prange` runs on
//! a thread team only without the GIL (`nogil=True`, or inside `with
//! cython.nogil:`); with the GIL held it runs serially, as before (Cython
//! refuses it). What this slice does not run in parallel also runs
//! serially: a `break` or `return` in a body holding another `prange`, a
//! `return` of a value without a C type. An `else:` clause runs after the
//! loop unless a trip broke (a hidden `|=` reduction counts the `break`s).
//! A parallel block is cut after each loop whose reduction it reads later
//! (each part a block of its own), and a thread's `break`/`continue` of the
//! loop around it or `return` ends its own run of the block. A module-level
//! C variable a `prange` body only updates in place is a reduction too
//! (Cython's OpenMP reduction on the C global), stored to the variable
//! after the loop.

use super::{Checker, R};
use crate::diag::Diagnostic;
use crate::frontend::{error, fallback, Binding, Problem};
use crate::hir::{self, ArithOp, Expr as HExpr, ExprKind as H, LocalId, PrangeBody, Schedule, StmtKind as S};
use crate::syntax::{self, ExprKind, Span};
use crate::types::{Elem, IntTy, Ty};
use std::collections::HashSet;

/// A `prange`'s keyword options, typed.
pub(super) struct Options {
    /// Whether the loop runs without the GIL (so on a thread team).
    pub parallel: bool,
    pub schedule: Schedule,
    pub chunksize: Option<HExpr>,
    pub num_threads: Option<HExpr>,
}

impl Checker<'_, '_> {
    pub(super) fn prange_options(&mut self, keywords: &[syntax::Keyword]) -> R<Options> {
        let mut o = Options { parallel: self.nogil, schedule: Schedule::Static, chunksize: None, num_threads: None };
        for k in keywords {
            let v = &k.value;
            match k.name.as_deref() {
                Some("nogil") => match &v.kind {
                    ExprKind::Bool(b) => o.parallel |= *b,
                    _ => return fallback(&v.span, "prange() with a `nogil=` other than True or False"),
                },
                Some("schedule") => {
                    o.schedule = match &v.kind {
                        ExprKind::Str(s) if s == "static" => Schedule::Static,
                        ExprKind::Str(s) if s == "dynamic" => Schedule::Dynamic,
                        ExprKind::Str(s) if s == "guided" => Schedule::Guided,
                        _ => {
                            return error(
                                Diagnostic::error(v.span.clone(), format!("prange() schedule `{}` is not supported", self.cx.source_text(&v.span)))
                                    .with_hint("write schedule='static', 'dynamic' or 'guided'"),
                            )
                        }
                    }
                }
                Some("use_threads_if") => {
                    let c = self.cond(v)?;
                    o.num_threads = Some(one_thread_unless(c, o.num_threads.take()));
                }
                Some(name @ ("chunksize" | "num_threads")) => {
                    let e = self.expr(v)?;
                    if !e.ty.is_int() {
                        return error(Diagnostic::error(v.span.clone(), format!("prange() `{name}` must be an integer")).with_label(format!("this is {}", e.ty)));
                    }
                    let e = self.coerce(e, Ty::py_int(), &v.span, name)?;
                    if name == "chunksize" {
                        o.chunksize = Some(e);
                    } else {
                        // After `use_threads_if=`, its condition still decides.
                        o.num_threads = Some(match o.num_threads.take() {
                            Some(HExpr { kind: H::IfExp { cond, .. }, .. }) => one_thread_unless(*cond, Some(e)),
                            _ => e,
                        });
                    }
                }
                _ => return fallback(&k.span, format!("prange() with the keyword argument `{}`", k.name.as_deref().unwrap_or("**"))),
            }
        }
        Ok(o)
    }

    /// The typed loop as a `Prange`, or as the serial `ForRange` when it
    /// does not run on a thread team.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn prange(&mut self, var: LocalId, range: [HExpr; 3], src: &[syntax::Stmt], body: Vec<hir::Stmt>, orelse: Vec<hir::Stmt>, o: Options, span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        let [start, stop, step] = range;
        let (leaves, breaks) = (leaves_loop(&body, true), leaves_loop(&body, false));
        // A `return` passes its value through a slot of the function's type.
        let has_return = has_return(&body);
        let ret = self.me.declared_ret.or_else(|| self.rets.get(&self.me.name).copied());
        let no_slot = has_return && ret != Some(Ty::Void) && ret.and_then(Elem::of).is_none();
        let why = if !o.parallel {
            Some("the GIL is held here (Cython refuses this)")
        } else if no_slot {
            Some("a `return` in it passes an object")
        } else if leaves && has_prange(&body) {
            Some("it leaves the loop from a body holding another prange")
        } else {
            None
        };
        if let (Some(why), false) = (why, self.infer) {
            let hint = if o.parallel { "see docs/semantics.md, \"Parallelism\"" } else { "pass nogil=True, or put the loop inside `with cython.nogil:`" };
            self.notes.push(Diagnostic::warning(span.clone(), format!("this prange runs serially: {why}")).with_hint(hint));
        }
        let serial = why.is_some();
        // Cython makes `g += v` of a module-level C variable a reduction
        // (OpenMP's on the C global: each thread's partial from the
        // identity, combined into the variable after the loop): here a
        // hidden local reduced as a local is, starting from the variable's
        // value, whose combined value the loop stores to the variable (also
        // when it raises). Run serially, the loop updates the variable itself.
        let (body, before, stores) = if serial { (body, vec![], vec![]) } else { self.cvar_reductions(body, span, line)? };
        // `else:` with a `break`: every `break` of the loop first ORs 1 into a
        // hidden reduction, and the clause runs when it is still 0 after the
        // loop (no trip broke), as Python's and Cython's `else:`.
        let (body, broke) = if !serial && breaks && !orelse.is_empty() {
            let long = Ty::Int(IntTy { bits: 64, signed: true, checked: false, cname: "long" });
            let b = self.local_id(&format!("<broke {line}>"), long);
            (mark_breaks(body, b, long, false), Some((b, long)))
        } else {
            (body, None)
        };
        // Cython's rule: a local the body assigns with `=` is (last)private,
        // also when the assignment reads it (`s = s + x`): only an in-place
        // operator makes a reduction. Reading such a local before the trip
        // assigns it would read another trip's value (Cython's copy of the
        // thread's previous trip, or the value before the loop): an error.
        // (A module-level name after `global` has rules of its own, `cvar_reductions`.)
        let mut plain = if serial { HashSet::new() } else { plain_assigned(src, &self.locals[var.0 as usize].name) };
        plain.retain(|n| !self.globals.contains(n));
        if !serial {
            if let Some((read, stmt)) = read_before_assignment(src, &plain) {
                return error(private_read_error(read, stmt));
            }
        }
        let classes = if serial {
            None
        } else {
            let plain_local = |id: LocalId| plain.contains(&self.locals[id.0 as usize].name);
            Some(classify(&body, var, span, |id| self.locals[id.0 as usize].name.clone(), |id| self.locals[id.0 as usize].ty, plain_local)?)
        };
        if let Some((_, reductions)) = &classes {
            if let Some((h, _)) = stores.iter().find(|(h, _)| !reductions.iter().any(|r| r.0 == *h)) {
                let name = self.locals[h.0 as usize].name.clone();
                return error(
                    Diagnostic::error(span.clone(), format!("this prange assigns the module-level C variable `{name}` both from its own value and otherwise"))
                        .with_label("Cython makes it private to each thread then; pyc-aot reduces one only updated in place (`+=`, `*=`, ...)")
                        .with_hint(format!("assign a local in the loop and `{name}` after it")),
                );
            }
        }
        let Some((shared, reductions)) = classes else {
            return Ok(vec![hir::Stmt { kind: S::ForRange { var, start, stop, step, body, orelse, plan: Default::default() }, line }]);
        };
        let leaves = leaves.then_some(has_return);
        // Cython's lastprivate: the C numbers the body assigns (not the
        // hidden locals of the front end's rewrites). A loop sharing a
        // parallel block's team keeps them private to the block's threads.
        let lastprivate = if self.in_team { vec![] } else { lastprivate_of(&body, var, &shared, &reductions, |id| &self.locals[id.0 as usize]) };
        let p = hir::Prange {
            var,
            start,
            stop,
            step,
            body: PrangeBody::Inline(body),
            shared,
            reductions,
            stores,
            lastprivate,
            leaves,
            in_team: self.in_team,
            schedule: o.schedule,
            chunksize: o.chunksize,
            num_threads: o.num_threads,
        };
        let prange = hir::Stmt { kind: S::Prange(Box::new(p)), line };
        let mut out = before;
        if let Some((b, long)) = broke {
            let zero = || HExpr { kind: H::Const(hir::Const::Int(0)), ty: long };
            let none = HExpr { kind: H::Compare { operands: vec![HExpr { kind: H::Local(b), ty: long }, zero()], ops: vec![hir::CmpOp::Eq] }, ty: Ty::Bool };
            let reset = hir::Stmt { kind: S::Assign(vec![(b, zero())]), line };
            out.extend([reset, prange, hir::Stmt { kind: S::If { cond: none, then: orelse, orelse: vec![] }, line }]);
            return Ok(out);
        }
        // Without a `break`, the `else:` clause runs whenever the loop ends
        // (a `return` leaves the function, an exception propagates).
        out.push(prange);
        out.extend(orelse);
        Ok(out)
    }

    /// `cython.parallel.parallel(...)`'s arguments, when `e` is that call.
    pub(super) fn parallel_call<'e>(&self, e: &'e syntax::Expr) -> Option<(&'e [syntax::Expr], &'e [syntax::Keyword])> {
        match &e.kind {
            ExprKind::Call { func, args, keywords } if self.cx.binding_of(func) == Some(Binding::CythonAttr("parallel.parallel".into())) => Some((args, keywords)),
            _ => None,
        }
    }

    /// `with cython.parallel.parallel(num_threads=…):`: the body run once
    /// by each thread of a team, as a `prange` whose hidden variable is the
    /// thread's number (`Schedule::Team`); the variable rules are the same
    /// (a local assigned in the block is private to its thread).
    pub(super) fn parallel_block(&mut self, args: &[syntax::Expr], keywords: &[syntax::Keyword], body: &[syntax::Stmt], span: &Span, line: u32) -> R<Vec<hir::Stmt>> {
        if let Some(a) = args.first() {
            return fallback(&a.span, "it passes `cython.parallel.parallel()` a positional argument");
        }
        let (mut num_threads, mut use_threads_if) = (None, None);
        for k in keywords {
            match k.name.as_deref() {
                Some("num_threads") => {
                    let e = self.expr(&k.value)?;
                    if !e.ty.is_int() {
                        return error(Diagnostic::error(k.value.span.clone(), "parallel() `num_threads` must be an integer").with_label(format!("this is {}", e.ty)));
                    }
                    num_threads = Some(self.coerce(e, Ty::py_int(), &k.value.span, "num_threads")?);
                }
                Some("use_threads_if") => use_threads_if = Some(self.cond(&k.value)?),
                _ => return fallback(&k.span, format!("parallel() with the keyword argument `{}`", k.name.as_deref().unwrap_or("**"))),
            }
        }
        if let Some(c) = use_threads_if {
            num_threads = Some(one_thread_unless(c, num_threads));
        }
        if !self.nogil {
            return error(
                Diagnostic::error(span.clone(), "cython.parallel.parallel() can only be used without the GIL")
                    .with_label("the GIL is held here")
                    .with_hint("write `with cython.nogil, cython.parallel.parallel():`"),
            );
        }
        let in_team = std::mem::replace(&mut self.in_team, true);
        let body = self.block(body);
        self.in_team = in_team;
        let body = body?;
        let mut updated = None;
        hir::visit_stmt_exprs(&body, &mut |e| {
            hir::visit_expr(e, &mut |x| {
                if let H::CGlobalStore { symbol, value } = &x.kind {
                    hir::visit_expr(value, &mut |y| {
                        if matches!(&y.kind, H::CGlobal(s) if s == symbol) {
                            updated = updated.clone().or(Some(symbol.trim_start_matches(hir::MODULE_CVAR).to_string()));
                        }
                    });
                }
            })
        });
        if let Some(name) = updated {
            return error(
                Diagnostic::error(span.clone(), "Reductions not allowed for parallel blocks")
                    .with_label(format!("the block updates the module-level C variable `{name}` from its own value (Cython's error)"))
                    .with_hint("reduce in a prange loop, or into a local after the block"),
            );
        }
        // A local a loop sharing the block's team assigns (its variable too)
        // and nothing else in the block does is Cython's OpenMP lastprivate
        // of that loop on the function's own variable: after the block it
        // holds the value of the range's last trip. Here the block's threads
        // keep it private: a function reading it outside the block stays Python.
        if let Some(name) = self.loop_lastprivate_read_outside(&body, span) {
            let why = format!("it reads `{name}` outside a `with cython.parallel.parallel():` block whose `prange` assigns it (Cython gives it the value of the loop's last trip), which is not compiled yet");
            return fallback(span, why);
        }
        let ssize = Ty::Int(IntTy { bits: 64, signed: true, checked: false, cname: "Py_ssize_t" });
        let var = self.local_id("<parallel thread>", ssize);
        // Leaving the block: a thread's `break` or `continue` of the loop
        // around the block ends its own run of the block (a `continue` of the
        // block's hidden loop) after marking a hidden `|=` reduction, and the
        // loop around breaks or continues after the block when a thread
        // marked it (`break` first); a `return` reports through the block's
        // exit slots, the first thread's (in thread order) returned after it.
        let (breaks, conts, returns) = (leaves_loop(&body, false), continues(&body), has_return(&body));
        let ret = self.me.declared_ret.or_else(|| self.rets.get(&self.me.name).copied());
        let why = if returns && ret != Some(Ty::Void) && ret.and_then(Elem::of).is_none() {
            Some("it returns a value without a C type from a `with cython.parallel.parallel():` block")
        } else if (breaks || conts || returns) && has_prange(&body) {
            Some("it leaves a `with cython.parallel.parallel():` block holding a prange by `break`, `continue` or `return`")
        } else {
            None
        };
        if let Some(why) = why {
            return fallback(span, why);
        }
        let long = Ty::Int(IntTy { bits: 64, signed: true, checked: false, cname: "long" });
        let mut marks = [None, None];
        for (k, (on, what)) in [(breaks, "broke"), (conts, "continued")].into_iter().enumerate() {
            if on {
                marks[k] = Some(self.local_id(&format!("<block {what} {line}>"), long));
            }
        }
        let body = if marks.iter().any(Option::is_some) { mark_block_exits(body, marks, long) } else { body };
        let mut after = vec![];
        let zero = || HExpr { kind: H::Const(hir::Const::Int(0)), ty: long };
        for (mark, exit) in marks.iter().zip([S::Break, S::Continue]) {
            if let Some(b) = *mark {
                let marked = HExpr { kind: H::Compare { operands: vec![HExpr { kind: H::Local(b), ty: long }, zero()], ops: vec![hir::CmpOp::Ne] }, ty: Ty::Bool };
                after.push(hir::Stmt { kind: S::If { cond: marked, then: vec![hir::Stmt { kind: exit, line }], orelse: vec![] }, line });
            }
        }
        let leaves = returns.then_some(true);
        // A loop sharing the block's team whose reduction the block reads
        // after it ends the block there (see `split_after_reduced_reads`).
        let parts = split_after_reduced_reads(body);
        if parts.len() > 1 && (breaks || conts || returns) {
            return fallback(span, "it leaves a `with cython.parallel.parallel():` block that reads a loop's reduction after the loop");
        }
        let mut out: Vec<hir::Stmt> = marks.iter().flatten().map(|&b| hir::Stmt { kind: S::Assign(vec![(b, zero())]), line }).collect();
        if parts.len() > 1 {
            // Each part starts a team of the same size: the size evaluated once.
            if let Some(e) = num_threads.take() {
                let t = self.local_id(&format!("<parallel threads {line}>"), e.ty);
                let ty = e.ty;
                out.push(hir::Stmt { kind: S::Assign(vec![(t, e)]), line });
                num_threads = Some(HExpr { kind: H::Local(t), ty });
            }
        }
        let count = parts.len();
        let mut before: Vec<(HashSet<LocalId>, HashSet<LocalId>)> = vec![];
        for (k, mut body) in parts.into_iter().enumerate() {
            // A local the part reduces, read before the part first updates
            // it, is read from a copy of the function's value (the block's
            // threads other than the first start its partial from the
            // identity, but every thread reads the value before the block,
            // or the total of the loop before the cut).
            for x in assigned_of(&body) {
                if !matches!(update_of(&body, x), Some(Update::InPlace(_))) {
                    continue;
                }
                let first = body.iter().position(|s| assigned_of(std::slice::from_ref(s)).contains(&x) || matches!(&s.kind, S::Prange(p) if p.reductions.iter().any(|r| r.0 == x)));
                let first = first.unwrap_or(body.len());
                if !reads_of(&body[..first]).contains(&x) {
                    continue;
                }
                let ty = self.locals[x.0 as usize].ty;
                let name = format!("<{} before {line}.{k}>", self.locals[x.0 as usize].name);
                let copy = self.local_id(&name, ty);
                out.push(hir::Stmt { kind: S::Assign(vec![(copy, HExpr { kind: H::Local(x), ty })]), line });
                substitute_local(&mut body[..first], x, copy);
            }
            let (shared, reductions) = match classify(&body, var, span, |id| self.locals[id.0 as usize].name.clone(), |id| self.locals[id.0 as usize].ty, |_| false) {
                Err(Problem::Error(d)) => {
                    let why = format!("its `with cython.parallel.parallel():` block reads a variable a loop in it reduces other than after that loop, at the block's top level, which is not compiled yet ({})", d.message);
                    return fallback(span, why);
                }
                other => other?,
            };
            // A private of an earlier part is not this part's: reading it here
            // without assigning it would read the function's own.
            if let Some(x) = before.iter().flat_map(|(assigned, reduced)| assigned.difference(reduced)).find(|x| shared.contains(x)) {
                let why = format!("its `with cython.parallel.parallel():` block reads the private `{}` assigned before a loop whose reduction the block reads after it, which is not compiled yet", self.locals[x.0 as usize].name);
                return fallback(span, why);
            }
            before.push((assigned_of(&body), reductions.iter().map(|r| r.0).collect()));
            let k_ = |v: i64| HExpr::konst(hir::Const::Int(v), ssize);
            let num_threads = if k + 1 == count { num_threads.take() } else { num_threads.clone() };
            let p = hir::Prange { var, start: k_(0), stop: k_(1), step: k_(1), body: PrangeBody::Inline(body), shared, reductions, stores: vec![], lastprivate: vec![], leaves, in_team: false, schedule: Schedule::Team, chunksize: None, num_threads };
            out.push(hir::Stmt { kind: S::Prange(Box::new(p)), line });
        }
        out.extend(after);
        Ok(out)
    }

    /// A named local that a `prange` sharing the block's team assigns (in
    /// `body`, the block typed) and nothing else in the block assigns, whose
    /// name the function reads outside the block (`span`, its `parallel()`
    /// item): the first such name.
    fn loop_lastprivate_read_outside(&self, body: &[hir::Stmt], span: &Span) -> Option<String> {
        fn assigned(body: &[hir::Stmt], in_loop: bool, loops: &mut HashSet<LocalId>, others: &mut HashSet<LocalId>) {
            for s in body {
                let ids: Vec<LocalId> = match &s.kind {
                    S::Assign(pairs) => pairs.iter().map(|p| p.0).collect(),
                    S::ForRange { var, .. } => vec![*var],
                    S::Prange(p) => vec![p.var],
                    _ => vec![],
                };
                let shared_loop = matches!(&s.kind, S::Prange(p) if p.in_team);
                if let S::Prange(p) = &s.kind {
                    // A reduction is the block's, combined after it.
                    others.extend(p.reductions.iter().map(|r| r.0));
                }
                if in_loop || shared_loop { loops.extend(ids) } else { others.extend(ids) }
                let mut s = s.clone();
                for b in hir::blocks_mut(&mut s) {
                    assigned(b, in_loop || shared_loop, loops, others);
                }
            }
        }
        let (mut loops, mut others) = (HashSet::new(), HashSet::new());
        assigned(body, false, &mut loops, &mut others);
        let names: HashSet<&str> = loops.difference(&others).map(|id| self.locals[id.0 as usize].name.as_str()).filter(|n| !n.starts_with('<')).collect();
        if names.is_empty() {
            return None;
        }
        // Names read by the function's statements other than the block's.
        fn reads(body: &[syntax::Stmt], skip: &Span, out: &mut Vec<String>) {
            use syntax::StmtKind as K;
            for s in body {
                if matches!(&s.kind, K::With { items, .. } if items.iter().any(|i| i.span == *skip)) {
                    continue;
                }
                let exprs: Vec<&syntax::Expr> = match &s.kind {
                    K::Assign { value, .. } => vec![value],
                    K::AnnAssign { value, .. } => value.iter().collect(),
                    K::For { iter, .. } => vec![iter],
                    K::Delete(_) => vec![],
                    _ => syntax::own_exprs(s),
                };
                for e in exprs {
                    crate::frontend::structs::walk_expr(e, &mut |x| {
                        if let ExprKind::Name(n) = &x.kind {
                            out.push(n.clone());
                        }
                    });
                }
                match &s.kind {
                    K::For { body, orelse, .. } | K::While { body, orelse, .. } | K::If { body, orelse, .. } => {
                        reads(body, skip, out);
                        reads(orelse, skip, out);
                    }
                    K::With { body, .. } | K::Other { body, .. } => reads(body, skip, out),
                    K::Try { .. } => s.kind.try_blocks().into_iter().for_each(|b| reads(b, skip, out)),
                    _ => {}
                }
            }
        }
        let mut read = vec![];
        reads(&self.me.def.body, span, &mut read);
        read.into_iter().find(|n| names.contains(n.as_str()))
    }

    /// The module-level C variables the body updates from their own values,
    /// each replaced in the body by a hidden local of its name (its updates
    /// assignments of the local, its reads the local's), with the
    /// statements giving the locals the variables' values before the loop
    /// and the pairs of locals and symbols for `hir::Prange::stores`.
    #[allow(clippy::type_complexity)]
    fn cvar_reductions(&mut self, mut body: Vec<hir::Stmt>, span: &Span, line: u32) -> R<(Vec<hir::Stmt>, Vec<hir::Stmt>, Vec<(LocalId, String)>)> {
        let mut updated: Vec<(String, Ty)> = vec![];
        hir::visit_stmt_exprs(&body, &mut |e| {
            hir::visit_expr(e, &mut |x| {
                if let H::CGlobalStore { symbol, value } = &x.kind {
                    let mut reads = false;
                    hir::visit_expr(value, &mut |y| reads |= matches!(&y.kind, H::CGlobal(s) if s == symbol));
                    if reads && !updated.iter().any(|(s, _)| s == symbol) {
                        updated.push((symbol.clone(), value.ty));
                    }
                }
            })
        });
        if updated.is_empty() {
            return Ok((body, vec![], vec![]));
        }
        let name = |symbol: &str| symbol.trim_start_matches(hir::MODULE_CVAR).to_string();
        if self.in_team {
            return error(
                Diagnostic::error(span.clone(), format!("this prange inside a parallel block updates the module-level C variable `{}` from its own value", name(&updated[0].0)))
                    .with_label("a reduction of a module-level C variable in a parallel block's loop is not compiled")
                    .with_hint("reduce into a local of the block and add it to the variable after the block"),
            );
        }
        let mut nested = false;
        hir::visit_stmts(&body, &mut |s| nested |= matches!(&s.kind, S::Prange(p) if !p.stores.is_empty()));
        if nested {
            return error(
                Diagnostic::error(span.clone(), "a prange in this prange's body reduces a module-level C variable")
                    .with_label("a reduction of a module-level C variable in a nested parallel loop is not compiled")
                    .with_hint("reduce into a local and add it to the variable after the outer loop"),
            );
        }
        let (mut before, mut stores) = (vec![], vec![]);
        for (symbol, ty) in updated {
            if matches!(ty, Ty::Int(t) if t.checked) {
                return error(Diagnostic::error(span.clone(), format!("the module-level C variable `{}` has a checked integer type, which a reduction does not combine", name(&symbol))));
            }
            // Not named in the function's table of locals: the name is
            // the variable's, for the messages.
            let h = LocalId(self.locals.len() as u32);
            self.locals.push(hir::Local { name: name(&symbol), ty, c_array: None });
            replace_cvar(&mut body, &symbol, h, ty);
            let mut left = false;
            hir::visit_stmt_exprs(&body, &mut |e| hir::visit_expr(e, &mut |x| left |= matches!(&x.kind, H::CGlobalStore { symbol: s, .. } if *s == symbol)));
            if left {
                return error(Diagnostic::error(span.clone(), format!("this prange assigns the module-level C variable `{}` inside an expression", name(&symbol))).with_label("its reduction is updated by statements only"));
            }
            before.push(hir::Stmt { kind: S::Assign(vec![(h, HExpr { kind: H::CGlobal(symbol.clone()), ty })]), line });
            stores.push((h, symbol));
        }
        Ok((body, before, stores))
    }

    /// Whether `e` is `cython.parallel.prange`.
    pub(super) fn is_prange(&self, e: &syntax::Expr) -> bool {
        self.cx.binding_of(e) == Some(Binding::CythonAttr("parallel.prange".into()))
    }
}

/// Whether the body leaves the loop other than by finishing a trip: a
/// `break` of this loop, or (`returns`) a `return` anywhere.
fn leaves_loop(body: &[hir::Stmt], returns: bool) -> bool {
    fn walk(body: &[hir::Stmt], in_inner: bool, returns: bool) -> bool {
        body.iter().any(|s| match &s.kind {
            S::Return(_) => returns,
            S::Break => !in_inner,
            S::If { then, orelse, .. } => walk(then, in_inner, returns) || walk(orelse, in_inner, returns),
            S::Gil { body, .. } => walk(body, in_inner, returns),
            S::While { body, orelse, .. } | S::ForRange { body, orelse, .. } => walk(body, true, returns) || walk(orelse, in_inner, returns),
            S::Prange(p) => matches!(&p.body, PrangeBody::Inline(b) if walk(b, true, returns)),
            _ => false,
        })
    }
    walk(body, false, returns)
}

/// `body` with `b |= 1` before each `break` of the prange loop itself.
fn mark_breaks(body: Vec<hir::Stmt>, b: LocalId, ty: Ty, in_inner: bool) -> Vec<hir::Stmt> {
    let mut out = vec![];
    for mut s in body {
        match &mut s.kind {
            S::Break if !in_inner => {
                let one = HExpr { kind: H::Const(hir::Const::Int(1)), ty };
                let or = HExpr { kind: H::Binary(ArithOp::BitOr, Box::new(HExpr { kind: H::Local(b), ty }), Box::new(one)), ty };
                out.push(hir::Stmt { kind: S::Assign(vec![(b, or)]), line: s.line });
            }
            S::If { then, orelse, .. } => {
                *then = mark_breaks(std::mem::take(then), b, ty, in_inner);
                *orelse = mark_breaks(std::mem::take(orelse), b, ty, in_inner);
            }
            S::Gil { body, .. } => *body = mark_breaks(std::mem::take(body), b, ty, in_inner),
            S::While { body, orelse, .. } | S::ForRange { body, orelse, .. } => {
                *body = mark_breaks(std::mem::take(body), b, ty, true);
                *orelse = mark_breaks(std::mem::take(orelse), b, ty, in_inner);
            }
            _ => {}
        }
        out.push(s);
    }
    out
}

/// A parallel block's body cut after each of its top-level loops sharing
/// the team whose reductions a later statement of the block reads. Each
/// part runs as a block of its own, so the reductions are combined across
/// the team (in thread order) when the loop ends and every thread reads the
/// total after it: what Cython's tutorial (`normalize`) means, and what the
/// team barrier after an OpenMP worksharing loop with a reduction gives;
/// starting the team again is that barrier. The parts are the block's
/// statements in order, on teams of the same size.
fn split_after_reduced_reads(body: Vec<hir::Stmt>) -> Vec<Vec<hir::Stmt>> {
    let cut: Vec<bool> = (0..body.len())
        .map(|j| match &body[j].kind {
            S::Prange(p) if p.in_team && !p.reductions.is_empty() => {
                let later = reads_of(&body[j + 1..]);
                p.reductions.iter().any(|r| later.contains(&r.0))
            }
            _ => false,
        })
        .collect();
    let mut parts = vec![];
    let mut cur = vec![];
    for (s, cut) in body.into_iter().zip(cut) {
        cur.push(s);
        if cut {
            parts.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() || parts.is_empty() {
        parts.push(cur);
    }
    parts
}

/// The locals statements read (views stored into and copied count as read).
fn reads_of(body: &[hir::Stmt]) -> HashSet<LocalId> {
    let mut reads = HashSet::new();
    hir::visit_stmts(body, &mut |s| match &s.kind {
        S::Prange(p) => reads.extend(p.shared.iter().copied()),
        S::Store { view, .. } => {
            reads.insert(*view);
        }
        S::CopyView { dst, src } => reads.extend([*dst, *src]),
        _ => {}
    });
    hir::visit_stmt_exprs(body, &mut |e| hir::visit_locals(e, &mut |id| {
        reads.insert(id);
    }));
    reads
}

/// `body` reading `to` wherever it read `from`.
fn substitute_local(body: &mut [hir::Stmt], from: LocalId, to: LocalId) {
    for s in body.iter_mut() {
        if let S::Prange(p) = &mut s.kind {
            for id in p.shared.iter_mut().filter(|id| **id == from) {
                *id = to;
            }
        }
        match &mut s.kind {
            S::Store { view, .. } if *view == from => *view = to,
            S::CopyView { dst, src } => {
                for v in [dst, src] {
                    if *v == from {
                        *v = to;
                    }
                }
            }
            _ => {}
        }
        for e in hir::own_exprs_mut(s) {
            hir::visit_expr_mut(e, &mut |x| {
                if matches!(x.kind, H::Local(id) if id == from) {
                    x.kind = H::Local(to);
                }
            });
        }
        for b in hir::blocks_mut(s) {
            substitute_local(b, from, to);
        }
    }
}

/// `body` with each statement `symbol = v` an assignment of `h` and each
/// read of `symbol` a read of `h` (nested loops' bodies included).
fn replace_cvar(body: &mut [hir::Stmt], symbol: &str, h: LocalId, ty: Ty) {
    for s in body.iter_mut() {
        if let S::Expr(HExpr { kind: H::CGlobalStore { symbol: sym, value }, .. }) = &mut s.kind {
            if sym == symbol {
                let value = std::mem::replace(value.as_mut(), HExpr { kind: H::Local(h), ty });
                s.kind = S::Assign(vec![(h, value)]);
            }
        }
        for e in hir::own_exprs_mut(s) {
            hir::visit_expr_mut(e, &mut |x| {
                if matches!(&x.kind, H::CGlobal(sym) if sym == symbol) {
                    x.kind = H::Local(h);
                }
            });
        }
        for b in hir::blocks_mut(s) {
            replace_cvar(b, symbol, h, ty);
        }
    }
}

/// The locals statements assign with `=` (or in place).
fn assigned_of(body: &[hir::Stmt]) -> HashSet<LocalId> {
    let mut out = HashSet::new();
    hir::visit_stmts(body, &mut |s| {
        if let S::Assign(pairs) = &s.kind {
            out.extend(pairs.iter().map(|p| p.0));
        }
    });
    out
}

/// A parallel block's body with each `break` and `continue` of the loop
/// around the block (not inside a loop of the block) marking its hidden
/// reduction (`marks`: for `break`, for `continue`) and then ending the
/// thread's run of the block.
fn mark_block_exits(body: Vec<hir::Stmt>, marks: [Option<LocalId>; 2], ty: Ty) -> Vec<hir::Stmt> {
    let mut out = vec![];
    for mut s in body {
        let mark = match &mut s.kind {
            S::Break => marks[0],
            S::Continue => marks[1],
            S::If { then, orelse, .. } => {
                *then = mark_block_exits(std::mem::take(then), marks, ty);
                *orelse = mark_block_exits(std::mem::take(orelse), marks, ty);
                None
            }
            S::Gil { body, .. } => {
                *body = mark_block_exits(std::mem::take(body), marks, ty);
                None
            }
            S::While { orelse, .. } | S::ForRange { orelse, .. } => {
                *orelse = mark_block_exits(std::mem::take(orelse), marks, ty);
                None
            }
            _ => None,
        };
        if let Some(b) = mark {
            let one = HExpr { kind: H::Const(hir::Const::Int(1)), ty };
            let or = HExpr { kind: H::Binary(ArithOp::BitOr, Box::new(HExpr { kind: H::Local(b), ty }), Box::new(one)), ty };
            out.push(hir::Stmt { kind: S::Assign(vec![(b, or)]), line: s.line });
            out.push(hir::Stmt { kind: S::Continue, line: s.line });
            continue;
        }
        out.push(s);
    }
    out
}

/// Whether a `continue` of an enclosing loop is in the body.
fn continues(body: &[hir::Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        S::Continue => true,
        S::If { then, orelse, .. } => continues(then) || continues(orelse),
        S::Gil { body, .. } => continues(body),
        S::While { orelse, .. } | S::ForRange { orelse, .. } => continues(orelse),
        _ => false,
    })
}

fn has_return(body: &[hir::Stmt]) -> bool {
    let mut found = false;
    hir::visit_stmts(body, &mut |s| found |= matches!(s.kind, S::Return(_)));
    found
}

/// Whether the body holds another `prange` (a `return` there would leave
/// its own outlined body).
fn has_prange(body: &[hir::Stmt]) -> bool {
    let mut found = false;
    hir::visit_stmts(body, &mut |s| found |= matches!(s.kind, S::Prange(_)));
    found
}

/// The shared locals and the reductions of a parallel body; an error when a
/// reduction variable is read in the body or updated in a way no reduction
/// combines.
/// `plain`: the locals the source assigns with `=` (private, never reductions).
fn classify(body: &[hir::Stmt], var: LocalId, span: &Span, name: impl Fn(LocalId) -> String, ty: impl Fn(LocalId) -> Ty, plain: impl Fn(LocalId) -> bool) -> R<(Vec<LocalId>, Vec<(LocalId, ArithOp)>)> {
    // The team's environment, partial slots and private copies hold
    // 8-byte values: a C double complex (16 bytes) crosses none of them yet.
    let mut complex = None;
    hir::visit_stmts(body, &mut |s| {
        if let S::Assign(pairs) = &s.kind {
            complex = complex.or(pairs.iter().map(|p| p.0).find(|id| ty(*id) == Ty::Complex));
        }
    });
    hir::visit_stmt_exprs(body, &mut |e| {
        hir::visit_locals(e, &mut |id| {
            if ty(id) == Ty::Complex {
                complex = complex.or(Some(id));
            }
        })
    });
    if let Some(id) = complex {
        return fallback(span, format!("it uses the C double complex `{}` in a parallel loop (not compiled yet)", name(id)));
    }
    let mut assigned: Vec<LocalId> = vec![];
    let mut reads: Vec<LocalId> = vec![];
    hir::visit_stmts(body, &mut |s| match &s.kind {
        S::Assign(pairs) => assigned.extend(pairs.iter().map(|p| p.0)),
        S::ForRange { var, .. } => assigned.push(*var),
        S::Prange(p) => {
            assigned.push(p.var);
            reads.extend(p.shared.iter().copied());
            // An inner loop's reduction is updated in place by its body,
            // whose statements are counted below.
            assigned.extend(p.reductions.iter().map(|r| r.0));
        }
        S::Store { view, .. } => reads.push(*view),
        S::CopyView { dst, src } => reads.extend([*dst, *src]),
        _ => {}
    });
    hir::visit_stmt_exprs(body, &mut |e| hir::visit_locals(e, &mut |id| reads.push(id)));
    let assigned_set: HashSet<LocalId> = assigned.iter().copied().collect();
    let mut reductions = vec![];
    let mut seen = HashSet::new();
    for &x in &assigned {
        if x == var || !seen.insert(x) || plain(x) {
            continue;
        }
        let op = match update_of(body, x) {
            Some(Update::InPlace(op)) => op,
            Some(Update::Unreducible(op)) => {
                return error(
                    Diagnostic::error(span.clone(), format!("`{}` is updated in place with `{}` inside the prange loop, which no reduction combines", name(x), op_symbol(op)))
                        .with_label("Cython reduces only `+=`, `-=`, `*=`, `&=`, `|=` and `^=`, one kind per variable")
                        .with_hint("assign it with `=` to make it private, or compute it after the loop"),
                )
            }
            _ => continue,
        };
        if ty(x) == Ty::Bool {
            return error(
                Diagnostic::error(span.clone(), format!("the reduction variable `{}` is a bint", name(x)))
                    .with_label("its partials would be combined as integers")
                    .with_hint("declare it with an integer type"),
            );
        }
        let updates = count_assignments(body, x);
        let read_count = reads.iter().filter(|r| **r == x).count();
        if read_count > updates {
            return error(
                Diagnostic::error(span.clone(), format!("the reduction variable `{}` is read inside the prange loop", name(x)))
                    .with_label(format!("`{}` is updated in place here, so each thread has its own partial value", name(x)))
                    .with_hint("read it after the loop, or assign it (not in place) to make it private"),
            );
        }
        reductions.push((x, op));
    }
    let mut shared = vec![];
    for id in reads {
        if id != var && !assigned_set.contains(&id) && !shared.contains(&id) {
            shared.push(id);
        }
    }
    Ok((shared, reductions))
}

/// The names a prange body's source assigns with `=` (also as an annotated
/// assignment with a value, a `for` target or `:=`), but not `var`.
fn plain_assigned(body: &[syntax::Stmt], var: &str) -> HashSet<String> {
    fn targets(e: &syntax::Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Tuple(es) | ExprKind::List(es) => es.iter().for_each(|e| targets(e, out)),
            ExprKind::Starred(e) => targets(e, out),
            _ => {}
        }
    }
    fn walk(body: &[syntax::Stmt], out: &mut Vec<String>) {
        use syntax::StmtKind as K;
        for s in body {
            syntax::own_exprs(s).into_iter().for_each(|e| syntax::named_targets(e, out));
            match &s.kind {
                K::Assign { targets: ts, .. } => ts.iter().for_each(|t| targets(t, out)),
                K::AnnAssign { target, value: Some(_), .. } => targets(target, out),
                K::For { target, body, orelse, .. } => {
                    targets(target, out);
                    walk(body, out);
                    walk(orelse, out);
                }
                K::While { body, orelse, .. } | K::If { body, orelse, .. } => {
                    walk(body, out);
                    walk(orelse, out);
                }
                K::With { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out = vec![];
    walk(body, &mut out);
    out.into_iter().filter(|n| n != var).collect()
}

/// The first read, in a prange body's source, of a name in `plain` where no
/// path through the trip so far has assigned it, with its statement.
fn read_before_assignment<'a>(body: &'a [syntax::Stmt], plain: &HashSet<String>) -> Option<(&'a syntax::Expr, &'a syntax::Stmt)> {
    use syntax::StmtKind as K;
    type Found<'a> = Option<(&'a syntax::Expr, &'a syntax::Stmt)>;
    fn reads<'a>(e: &'a syntax::Expr, s: &'a syntax::Stmt, assigned: &HashSet<String>, plain: &HashSet<String>, found: &mut Found<'a>) {
        fn go<'a>(e: &'a syntax::Expr, s: &'a syntax::Stmt, assigned: &HashSet<String>, plain: &HashSet<String>, found: &mut Found<'a>) {
            if found.is_some() {
                return;
            }
            if let ExprKind::Name(n) = &e.kind {
                if plain.contains(n) && !assigned.contains(n) {
                    *found = Some((e, s));
                }
                return;
            }
            // The sub-expressions, in evaluation order where it matters (a
            // read of a name a `:=` binds earlier in the expression is rare
            // enough to be treated as any other).
            let mut subs: Vec<&'a syntax::Expr> = vec![];
            match &e.kind {
                ExprKind::BinOp { left, right, .. } => subs.extend([&**left, &**right]),
                ExprKind::UnaryOp { operand, .. } | ExprKind::Starred(operand) => subs.push(operand),
                ExprKind::BoolOp { values, .. } | ExprKind::Tuple(values) | ExprKind::List(values) | ExprKind::Set(values) => subs.extend(values),
                ExprKind::Compare { left, comparators, .. } => subs.extend(std::iter::once(&**left).chain(comparators)),
                ExprKind::Call { func, args, keywords } => subs.extend(std::iter::once(&**func).chain(args).chain(keywords.iter().map(|k| &k.value))),
                ExprKind::IfExp { test, body, orelse } => subs.extend([&**test, &**body, &**orelse]),
                ExprKind::Attribute { value, .. } | ExprKind::Named { value, .. } => subs.push(value),
                ExprKind::Subscript { value, index } => subs.extend([&**value, &**index]),
                ExprKind::Slice { lower, upper, step } => subs.extend(lower.iter().chain(upper).chain(step).map(|x| &**x)),
                _ => {}
            }
            subs.into_iter().for_each(|x| go(x, s, assigned, plain, found));
        }
        go(e, s, assigned, plain, found)
    }
    fn bound(body: &[syntax::Stmt]) -> HashSet<String> {
        let mut out = vec![];
        body.iter().for_each(|s| syntax::bound_names(s, &mut out));
        out.into_iter().collect()
    }
    fn walk<'a>(body: &'a [syntax::Stmt], assigned: &mut HashSet<String>, plain: &HashSet<String>, found: &mut Found<'a>) {
        for s in body {
            if found.is_some() {
                return;
            }
            match &s.kind {
                K::Assign { targets, value } => {
                    reads(value, s, assigned, plain, found);
                    // A target's own parts (`a[x] = v`) are read; a name is not.
                    for t in targets.iter().filter(|t| !matches!(t.kind, ExprKind::Name(_) | ExprKind::Tuple(_) | ExprKind::List(_))) {
                        reads(t, s, assigned, plain, found);
                    }
                }
                K::AugAssign { target, value, .. } => {
                    reads(target, s, assigned, plain, found);
                    reads(value, s, assigned, plain, found);
                }
                K::AnnAssign { value, .. } => value.iter().for_each(|v| reads(v, s, assigned, plain, found)),
                K::If { test, body, orelse } => {
                    reads(test, s, assigned, plain, found);
                    let (mut a, mut b) = (assigned.clone(), assigned.clone());
                    walk(body, &mut a, plain, found);
                    walk(orelse, &mut b, plain, found);
                    assigned.extend(a.into_iter().chain(b));
                    continue;
                }
                K::While { test, body, orelse } | K::For { iter: test, body, orelse, .. } => {
                    reads(test, s, assigned, plain, found);
                    // A later trip of the inner loop sees what an earlier one assigned.
                    let mut inner: HashSet<String> = assigned.iter().cloned().chain(bound(body)).chain(bound(std::slice::from_ref(s))).collect();
                    walk(body, &mut inner, plain, found);
                    walk(orelse, &mut inner, plain, found);
                    assigned.extend(inner);
                    continue;
                }
                K::With { items, body, .. } => {
                    items.iter().for_each(|e| reads(e, s, assigned, plain, found));
                    walk(body, assigned, plain, found);
                    continue;
                }
                K::Try { .. } | K::FunctionDef(_) | K::Other { .. } => {}
                _ => syntax::own_exprs(s).into_iter().for_each(|e| reads(e, s, assigned, plain, found)),
            }
            let mut out = vec![];
            syntax::bound_names(s, &mut out);
            assigned.extend(out);
        }
    }
    let mut found = None;
    walk(body, &mut HashSet::new(), plain, &mut found);
    found
}

/// The error for `read` of a private local in `stmt` before the trip assigns it.
fn private_read_error(read: &syntax::Expr, stmt: &syntax::Stmt) -> Diagnostic {
    let ExprKind::Name(x) = &read.kind else { return Diagnostic::error(read.span.clone(), "a private variable is read before the trip assigns it") };
    let d = Diagnostic::error(read.span.clone(), format!("`{x}` is read in the prange body before the trip assigns it"))
        .with_label(format!("`{x}` is assigned with `=` in the loop, so each thread has a private copy (lastprivate): here it would hold another trip's value, which depends on the schedule and the thread count"));
    // `x = x op e`: the in-place operator makes it a reduction.
    if let syntax::StmtKind::Assign { targets, value } = &stmt.kind {
        if let ([syntax::Expr { kind: ExprKind::Name(t), .. }], ExprKind::BinOp { left, op, .. }) = (targets.as_slice(), &value.kind) {
            let reducible = matches!(op.symbol(), "+" | "-" | "*" | "&" | "|" | "^");
            if t == x && reducible && matches!(&left.kind, ExprKind::Name(l) if l == x) {
                return d.with_hint(format!("write `{x} {}= ...` to make `{x}` a reduction: each thread adds into its own partial, and the partials are combined after the loop", op.symbol()));
            }
        }
    }
    d.with_hint(format!("assign `{x}` earlier in the trip, or use an in-place operator (`{x} += ...`) for a reduction"))
}

/// The locals of C number types the body assigns that are neither the loop
/// variable nor a reduction, in the order of their first assignment.
fn lastprivate_of<'l>(body: &[hir::Stmt], var: LocalId, shared: &[LocalId], reductions: &[(LocalId, ArithOp)], local: impl Fn(LocalId) -> &'l hir::Local) -> Vec<LocalId> {
    let mut out: Vec<LocalId> = vec![];
    hir::visit_stmts(body, &mut |s| {
        let ids: Vec<LocalId> = match &s.kind {
            S::Assign(pairs) => pairs.iter().map(|p| p.0).collect(),
            S::ForRange { var, .. } => vec![*var],
            S::Prange(p) => vec![p.var],
            _ => vec![],
        };
        for id in ids {
            let l = local(id);
            // C numbers and data pointers (Cython's `lastprivate` takes any C scalar).
            let number = matches!(l.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Ptr(_)) && l.c_array.is_none();
            if id != var && number && !l.name.starts_with('<') && !shared.contains(&id) && !reductions.iter().any(|r| r.0 == id) && !out.contains(&id) {
                out.push(id);
            }
        }
    });
    out
}

/// How the body updates a local it assigns.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Update {
    /// Every assignment is `x = x op e` with one operator (`e` not reading
    /// `x`; `+` and `-` count as one, both combined by `+`).
    InPlace(ArithOp),
    /// Every assignment is in place, but with operators no reduction combines.
    Unreducible(ArithOp),
    /// Some assignment is not in place: a private local.
    Assigned,
}

/// How every assignment to `x` in the body updates it (`None`: never assigned).
fn update_of(body: &[hir::Stmt], x: LocalId) -> Option<Update> {
    let mut found: Option<Update> = None;
    hir::visit_stmts(body, &mut |s| {
        let pairs: &[(LocalId, HExpr)] = match &s.kind {
            S::Assign(pairs) => pairs,
            S::ForRange { var, .. } if *var == x => {
                found = Some(Update::Assigned);
                return;
            }
            _ => return,
        };
        for (id, e) in pairs {
            if *id != x {
                continue;
            }
            // A narrow type's update is converted back to it: the partials
            // are combined in that type, as the C compiler combines Cython's.
            let this = match &peel(e).kind {
                H::Binary(o, a, b) if matches!(peel(a).kind, H::Local(l) if l == x) && !reads_local(b, x) => match o {
                    ArithOp::Add | ArithOp::Sub => Update::InPlace(ArithOp::Add),
                    ArithOp::Mul | ArithOp::BitAnd | ArithOp::BitOr | ArithOp::BitXor => Update::InPlace(*o),
                    other => Update::Unreducible(*other),
                },
                _ => Update::Assigned,
            };
            found = Some(match (found, this) {
                (None, t) => t,
                (Some(Update::Assigned), _) | (_, Update::Assigned) => Update::Assigned,
                (Some(Update::InPlace(a)), Update::InPlace(b)) if a == b => this,
                (Some(Update::InPlace(a) | Update::Unreducible(a)), Update::InPlace(b) | Update::Unreducible(b)) => Update::Unreducible(if a == b { a } else { b }),
            });
        }
    });
    found
}

fn count_assignments(body: &[hir::Stmt], x: LocalId) -> usize {
    let mut n = 0;
    hir::visit_stmts(body, &mut |s| {
        if let S::Assign(pairs) = &s.kind {
            n += pairs.iter().filter(|p| p.0 == x).count();
        }
    });
    n
}

fn reads_local(e: &HExpr, x: LocalId) -> bool {
    let mut found = false;
    hir::visit_locals(e, &mut |id| found |= id == x);
    found
}

/// `e` seen through conversions.
fn peel(e: &HExpr) -> &HExpr {
    match &e.kind {
        H::Convert(inner) => peel(inner),
        _ => e,
    }
}

fn op_symbol(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "+",
        ArithOp::Sub => "-",
        ArithOp::Mul => "*",
        ArithOp::Div => "/",
        ArithOp::FloorDiv => "//",
        ArithOp::Mod => "%",
        ArithOp::Pow => "**",
        ArithOp::LShift => "<<",
        ArithOp::RShift => ">>",
        ArithOp::BitAnd => "&",
        ArithOp::BitOr => "|",
        ArithOp::BitXor => "^",
    }
}

/// `num_threads` under `use_threads_if=cond`: one thread unless `cond` holds
/// (then `threads`, or OpenMP's default when absent).
fn one_thread_unless(cond: HExpr, threads: Option<HExpr>) -> HExpr {
    let k = |v: i64| HExpr::konst(hir::Const::Int(v), Ty::py_int());
    let then = Box::new(threads.unwrap_or_else(|| k(0)));
    HExpr { kind: H::IfExp { cond: Box::new(cond), then, orelse: Box::new(k(1)), select: false }, ty: Ty::py_int() }
}
