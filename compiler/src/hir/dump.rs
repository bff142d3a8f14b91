//! The HIR printed: a stable, readable dump for `--emit hir` and the
//! snapshot tests, with the decisions of `opt` (in-bounds axes, loop
//! plans) shown where they apply.

use super::*;
use std::fmt::Write;

/// A stable, readable dump of the HIR, for `--emit hir` and snapshot tests.
pub fn dump(module: &Module) -> String {
    let mut out = String::new();
    for f in &module.functions {
        dump_function(module, f, &mut out);
        out.push('\n');
    }
    out
}

fn dump_function(module: &Module, f: &Function, out: &mut String) {
    let params: Vec<String> = f.params.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect();
    let _ = writeln!(
        out,
        "{}fn {}({}) -> {}  # line {}",
        if f.exported { "" } else { "cfunc " },
        f.name,
        params.join(", "),
        f.ret,
        f.line
    );
    for (i, l) in f.locals.iter().enumerate() {
        let _ = writeln!(out, "  local %{i} {}: {}", l.name, l.ty);
    }
    dump_block(module, f, &f.body, 1, out);
}

fn dump_block(module: &Module, f: &Function, body: &[Stmt], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for s in body {
        match &s.kind {
            StmtKind::Assign(pairs) => {
                let lhs: Vec<String> = pairs.iter().map(|(l, _)| f.locals[l.0 as usize].name.clone()).collect();
                let rhs: Vec<String> = pairs.iter().map(|(_, e)| dump_expr(module, f, e)).collect();
                let _ = writeln!(out, "{pad}{} = {}", lhs.join(", "), rhs.join(", "));
            }
            StmtKind::Expr(e) => {
                let _ = writeln!(out, "{pad}{}", dump_expr(module, f, e));
            }
            StmtKind::ForIter { item, iter, body, orelse } => {
                let _ = writeln!(out, "{pad}for {} in {}:", f.locals[item.0 as usize].name, dump_expr(module, f, iter));
                dump_block(module, f, body, depth + 1, out);
                if !orelse.is_empty() {
                    let _ = writeln!(out, "{pad}else:");
                    dump_block(module, f, orelse, depth + 1, out);
                }
            }
            StmtKind::If { cond, then, orelse } => {
                let _ = writeln!(out, "{pad}if {}:", dump_expr(module, f, cond));
                dump_block(module, f, then, depth + 1, out);
                if !orelse.is_empty() {
                    let _ = writeln!(out, "{pad}else:");
                    dump_block(module, f, orelse, depth + 1, out);
                }
            }
            StmtKind::While { cond, body, orelse } => {
                let _ = writeln!(out, "{pad}while {}:", dump_expr(module, f, cond));
                dump_block(module, f, body, depth + 1, out);
                if !orelse.is_empty() {
                    let _ = writeln!(out, "{pad}else:");
                    dump_block(module, f, orelse, depth + 1, out);
                }
            }
            StmtKind::ForRange { var, start, stop, step, body, orelse, plan } => {
                let _ = writeln!(
                    out,
                    "{pad}for {} in range({}, {}, {}):{}",
                    f.locals[var.0 as usize].name,
                    dump_expr(module, f, start),
                    dump_expr(module, f, stop),
                    dump_expr(module, f, step),
                    dump_plan(module, f, *var, plan)
                );
                dump_block(module, f, body, depth + 1, out);
                if !orelse.is_empty() {
                    let _ = writeln!(out, "{pad}else:");
                    dump_block(module, f, orelse, depth + 1, out);
                }
            }
            StmtKind::Break => out.push_str(&format!("{pad}break\n")),
            StmtKind::Continue => out.push_str(&format!("{pad}continue\n")),
            StmtKind::Return(e) => {
                let v = e.as_ref().map_or(String::new(), |e| format!(" {}", dump_expr(module, f, e)));
                let _ = writeln!(out, "{pad}return{v}");
            }
            StmtKind::Raise { exc, msg } => {
                let _ = writeln!(out, "{pad}raise {exc}({:?})", msg.as_deref().unwrap_or(""));
            }
            StmtKind::RaiseObject { exc, cause } => {
                let e = exc.as_ref().map_or(String::new(), |e| format!(" {}", dump_expr(module, f, e)));
                let c = cause.as_ref().map_or(String::new(), |c| format!(" from {}", dump_expr(module, f, c)));
                let _ = writeln!(out, "{pad}raise{e}{c}");
            }
            StmtKind::Try(t) => {
                let _ = writeln!(out, "{pad}try:");
                dump_block(module, f, &t.body, depth + 1, out);
                for h in &t.handlers {
                    let ty = h.types.as_ref().map_or(String::new(), |e| format!(" {}", dump_expr(module, f, e)));
                    let name = h.name.map_or(String::new(), |id| format!(" as {}", f.locals[id.0 as usize].name));
                    let _ = writeln!(out, "{pad}except{ty}{name}:");
                    dump_block(module, f, &h.body, depth + 1, out);
                }
                if !t.orelse.is_empty() {
                    let _ = writeln!(out, "{pad}else:");
                    dump_block(module, f, &t.orelse, depth + 1, out);
                }
                if let Some(fin) = &t.finalbody {
                    let _ = writeln!(out, "{pad}finally:");
                    dump_block(module, f, fin, depth + 1, out);
                }
            }
            StmtKind::Assert { cond, msg } => {
                let _ = writeln!(out, "{pad}assert {}, {:?}", dump_expr(module, f, cond), msg);
            }
            StmtKind::Pass => out.push_str(&format!("{pad}pass\n")),
            StmtKind::Yield { value, target, from } => {
                let to = target.map_or(String::new(), |id| format!("{} = ", f.locals[id.0 as usize].name));
                let from = if *from { "from " } else { "" };
                let _ = writeln!(out, "{pad}{to}yield {from}{}", dump_expr(module, f, value));
            }
            StmtKind::Unbind(id) => out.push_str(&format!("{pad}del {}\n", f.locals[id.0 as usize].name)),
            StmtKind::Gil { release, body } => {
                let _ = writeln!(out, "{pad}with {}:", if *release { "nogil" } else { "gil" });
                dump_block(module, f, body, depth + 1, out);
            }
            StmtKind::Prange(p) => {
                let name = |id: &LocalId| f.locals[id.0 as usize].name.clone();
                let shared: Vec<String> = p.shared.iter().map(name).collect();
                let mut red: String = p.reductions.iter().map(|(id, op)| format!(", reduction {} {op:?}", name(id))).collect();
                red += &p.lastprivate.iter().map(|id| format!(", lastprivate {}", name(id))).collect::<String>();
                red += if p.in_team { ", in the block's team" } else { "" };
                red += match p.leaves {
                    Some(true) => ", leaves (break/return)",
                    Some(false) => ", leaves (break)",
                    None => "",
                };
                let opt = |e: &Option<Expr>| e.as_ref().map_or("-".to_string(), |e| dump_expr(module, f, e));
                let _ = writeln!(
                    out,
                    "{pad}for {} in prange({}, {}, {}): # {:?}, chunksize {}, num_threads {}, shared [{}]{red}",
                    name(&p.var),
                    dump_expr(module, f, &p.start),
                    dump_expr(module, f, &p.stop),
                    dump_expr(module, f, &p.step),
                    p.schedule,
                    opt(&p.chunksize),
                    opt(&p.num_threads),
                    shared.join(", ")
                );
                match &p.body {
                    PrangeBody::Inline(body) => dump_block(module, f, body, depth + 1, out),
                    PrangeBody::Outlined(id) => {
                        let _ = writeln!(out, "{pad}    outlined into {}", module.function(*id).name);
                    }
                }
            }
            StmtKind::CopyView { dst, src } => {
                let _ = writeln!(out, "{pad}{}[...] = {} (copy)", f.locals[dst.0 as usize].name, f.locals[src.0 as usize].name);
            }
            StmtKind::Store { view, indices, value, in_bounds, checked_by_load } => {
                let by_load = if *checked_by_load { "  # checked by its load" } else { "" };
                let _ = writeln!(
                    out,
                    "{pad}{}[{}] = {}{by_load}",
                    f.locals[view.0 as usize].name,
                    dump_indices(module, f, indices, in_bounds),
                    dump_expr(module, f, value)
                );
            }
        }
    }
}

fn dump_expr(module: &Module, f: &Function, e: &Expr) -> String {
    let d = |e: &Expr| dump_expr(module, f, e);
    let body = match &e.kind {
        ExprKind::Const(Const::Int(i)) => i.to_string(),
        ExprKind::Const(Const::Float(x)) => format!("{x:?}"),
        ExprKind::Const(Const::Bool(b)) => b.to_string(),
        ExprKind::Local(l) => f.locals[l.0 as usize].name.clone(),
        ExprKind::ThreadId => "threadid()".to_string(),
        ExprKind::Convert(x) => format!("({} as {})", d(x), e.ty),
        ExprKind::Unary(op, x) => format!("{op:?}({})", d(x)),
        ExprKind::Binary(op, a, b) => format!("{op:?}({}, {})", d(a), d(b)),
        ExprKind::NoOverflow(op, a, b) => format!("{op:?}_no_overflow({}, {})", d(a), d(b)),
        ExprKind::Compare { operands, ops } => {
            let mut s = d(&operands[0]);
            for (op, x) in ops.iter().zip(&operands[1..]) {
                s.push_str(&format!(" {op:?} {}", d(x)));
            }
            format!("({s})")
        }
        ExprKind::Truthy(x) => format!("truthy({})", d(x)),
        ExprKind::ComplexMake(a, b) => format!("complex({}, {})", d(a), d(b)),
        ExprKind::ComplexPart(x, imag) => format!("{}.{}", d(x), if *imag { "imag" } else { "real" }),
        ExprKind::And(a, b) => format!("({} and {})", d(a), d(b)),
        ExprKind::Or(a, b) => format!("({} or {})", d(a), d(b)),
        ExprKind::IfExp { cond, then, orelse, select: false } => format!("({} if {} else {})", d(then), d(cond), d(orelse)),
        ExprKind::IfExp { cond, then, orelse, select: true } => format!("select({}, {}, {})", d(cond), d(then), d(orelse)),
        ExprKind::Call(id, args) => {
            let a: Vec<String> = args.iter().map(d).collect();
            format!("{}({})", module.function(*id).name, a.join(", "))
        }
        ExprKind::NewInstance { class, init, args, .. } => {
            let a: Vec<String> = args.iter().map(d).collect();
            format!("new {class} then {}(self, {})", module.function(*init).name, a.join(", "))
        }
        ExprKind::VirtualCall { impls, slot, args, .. } => {
            let a: Vec<String> = args.iter().map(d).collect();
            let f = impls.first().map_or("?".to_string(), |id| module.function(*id).name.clone());
            format!("vtable[{slot}] {f}({})", a.join(", "))
        }
        ExprKind::Math(op, args) => {
            let a: Vec<String> = args.iter().map(d).collect();
            format!("{op:?}({})", a.join(", "))
        }
        ExprKind::CCall { symbol, args, .. } => {
            let a: Vec<String> = args.iter().map(d).collect();
            format!("extern {symbol}({})", a.join(", "))
        }
        ExprKind::CallPtr(xs) => {
            let a: Vec<String> = xs.iter().skip(1).map(d).collect();
            format!("(*{})({})", xs.first().map(d).unwrap_or_default(), a.join(", "))
        }
        ExprKind::CGlobal(symbol) => format!("extern {symbol}"),
        ExprKind::CGlobalStore { symbol, value } => format!("extern {symbol} = {}", d(value)),
        ExprKind::FuncAddr { func, name, .. } => format!("&centry f{}({name})", func.0),
        ExprKind::CString(s) => format!("c{s:?}"),
        ExprKind::PtrLoad { ptr, index } => format!("{}[{}]", d(ptr), d(index)),
        ExprKind::PtrStore { ptr, index, value } => format!("{}[{}] = {}", d(ptr), d(index), d(value)),
        ExprKind::PtrOffset { ptr, offset, negate } => format!("({} {} {})", d(ptr), if *negate { "-" } else { "+" }, d(offset)),
        ExprKind::ObjectData(x) => format!("data({})", d(x)),
        ExprKind::FieldLoad { obj, offset } => format!("{}.field@{offset}", d(obj)),
        ExprKind::FieldStore { obj, offset, value } => format!("{}.field@{offset} = {}", d(obj), d(value)),
        ExprKind::TypeTest { obj, class, .. } => format!("({} as {class})", d(obj)),
        ExprKind::IsClassInstance { obj, class, inherits: Some(m), .. } => format!("(type({}).{m} is {class}.{m})", d(obj)),
        ExprKind::IsClassInstance { obj, class, exact: false, .. } => format!("isinstance({}, {class})", d(obj)),
        ExprKind::IsClassInstance { obj, class, exact: true, .. } => format!("(type({}) is {class})", d(obj)),
        ExprKind::NoneGuard { obj, .. } => format!("({} not None)", d(obj)),
        ExprKind::MinMax { is_max, args } => {
            let a: Vec<String> = args.iter().map(d).collect();
            format!("{}({})", if *is_max { "max" } else { "min" }, a.join(", "))
        }
        ExprKind::Abs(x) => format!("abs({})", d(x)),
        ExprKind::Round(x) => format!("round({})", d(x)),
        ExprKind::BitCount(x) => format!("{}.bit_count()", d(x)),
        ExprKind::RoundDigits(x, n) => format!("round({}, {})", d(x), d(n)),
        ExprKind::Index { view, indices, in_bounds } => format!("{}[{}]", f.locals[view.0 as usize].name, dump_indices(module, f, indices, in_bounds)),
        ExprKind::ElemAddr(x) => format!("&{}", d(x)),
        ExprKind::ViewDim { view, dim, axis } => {
            let what = if *dim == Dim::Shape { "shape" } else { "strides" };
            format!("{}.{what}[{axis}]", f.locals[view.0 as usize].name)
        }
        ExprKind::ViewIsNone(view) => format!("({} is None)", f.locals[view.0 as usize].name),
        ExprKind::NoneView => "None".to_string(),
        ExprKind::ObjConst(c) => c.python_literal(),
        ExprKind::ObjBinary { op, a, b, inplace } => format!("{op:?}{}({}, {})", if *inplace { "_inplace" } else { "" }, d(a), d(b)),
        ExprKind::ObjUnary(op, x) => format!("{op:?}({})", d(x)),
        ExprKind::ObjCompare(op, a, b) => format!("({} {op:?} {})", d(a), d(b)),
        ExprKind::ObjIs(a, b) => format!("({} is {})", d(a), d(b)),
        ExprKind::ObjContains { item, container } => format!("({} in {})", d(item), d(container)),
        ExprKind::ObjOp { op, operands } => {
            let a: Vec<String> = operands.iter().map(d).collect();
            format!("{op:?}({})", a.join(", "))
        }
        ExprKind::Comprehension(c) => {
            let item = match &c.value {
                Some(v) => format!("{}: {}", d(&c.elt), d(v)),
                None => d(&c.elt),
            };
            let gens: String = c
                .generators
                .iter()
                .map(|g| {
                    let conds: String = g.conds.iter().map(|x| format!(" if {}", d(x))).collect();
                    format!(" for {} in {}{conds}", f.locals[g.target.0 as usize].name, d(&g.iter))
                })
                .collect();
            format!("{:?}[{item}{gens}]", c.kind)
        }
        ExprKind::AssignLocal { local, value } => format!("({} := {})", f.locals[local.0 as usize].name, d(value)),
        ExprKind::SliceView { view, axes } => {
            let opt = |x: &Option<Box<Expr>>| x.as_ref().map_or(String::new(), |x| d(x));
            let a: Vec<String> = axes
                .iter()
                .map(|a| match a {
                    Axis::At(x) => d(x),
                    Axis::Range(s, e, st) => format!("{}:{}:{}", opt(s), opt(e), opt(st)),
                })
                .collect();
            format!("{}[{}]", f.locals[view.0 as usize].name, a.join(", "))
        }
    };
    format!("{body}:{}", e.ty)
}

/// Indices, those proven in bounds as `in_bounds(i)`, those proven `>= 0` as `nonneg(i)`.
fn dump_indices(module: &Module, f: &Function, indices: &[Expr], in_bounds: &[u8]) -> String {
    let idx: Vec<String> = indices
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let s = dump_expr(module, f, e);
            if in_bounds.contains(&(k as u8)) {
                format!("in_bounds({s})")
            } else if in_bounds.contains(&(k as u8 | NONNEG)) {
                format!("nonneg({s})")
            } else {
                s
            }
        })
        .collect();
    idx.join(", ")
}

/// A range loop's plan as a trailing comment (nothing for a plain loop).
fn dump_plan(module: &Module, f: &Function, var: LocalId, plan: &LoopPlan) -> String {
    let name = |l: &LocalId| f.locals[l.0 as usize].name.clone();
    let access = |a: &Access| {
        let mut ix: Vec<String> = a.leading.iter().map(name).collect();
        ix.push(name(&var));
        format!("{}[{}]", name(&a.view), ix.join(", "))
    };
    let accesses = |xs: &[Access]| xs.iter().map(access).collect::<Vec<_>>().join(", ");
    let mut parts = vec![];
    if !plan.version_on_unit_stride.is_empty() {
        let views: Vec<String> = plan.version_on_unit_stride.iter().map(name).collect();
        parts.push(format!("versioned on unit stride of {}", views.join(", ")));
    }
    if !plan.version_in_bounds.is_empty() {
        let guards: Vec<String> = plan.version_in_bounds.iter().map(|g| format!("{}{} in axis {} of {}", name(&g.index), if g.by_stop { " (by its stop)" } else { "" }, g.axis, name(&g.view))).collect();
        parts.push(format!("versioned on {}", guards.join(", ")));
    }
    if plan.unroll {
        parts.push("unrolled x2".to_string());
    }
    if let Some(p) = &plan.paired {
        parts.push(format!("trips paired on f64x2: {} += {}", name(&p.acc), dump_expr(module, f, &p.value)));
    }
    if let Some(v) = &plan.vector {
        parts.push(format!(
            "vectorised f{}: {} = {} reading {}",
            v.elem,
            access(&v.out),
            dump_expr(module, f, &v.value),
            accesses(&v.inputs)
        ));
    }
    if let Some(s) = &plan.sum {
        parts.push(format!("partial sums f{}: {} += {} reading {}", s.elem, name(&s.acc), dump_expr(module, f, &s.value), accesses(&s.inputs)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  # {}", parts.join("; "))
    }
}
