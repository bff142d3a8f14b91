//! MIR as text (`--emit mir`, snapshots), in the manner of mypyc's IR dumps:
//! the locals with their types, then each block's ops and terminator.

use super::{Body, ErrorKind, LocalTy, Op, OpKind, Returns, Terminator};
use std::fmt::Write;

pub fn body(body: &Body) -> String {
    let mut out = String::new();
    let params: Vec<String> = body
        .params
        .iter()
        .map(|p| match &body.locals[*p].name {
            Some(n) => format!("{p} {n}: {}", ty(body.ty(*p))),
            None => format!("{p}: {}", ty(body.ty(*p))),
        })
        .collect();
    let returns = match body.returns {
        Returns::Object => "object".to_string(),
        Returns::ScalarAndFlag(t) => format!("({t}, error flag)"),
        Returns::Flag => "error flag".to_string(),
        Returns::C(t, spec) => {
            let t = if t == crate::types::Ty::Void { "void".to_string() } else { t.to_string() };
            match spec {
                crate::types::ExceptSpec::NoExcept => format!("{t} (C, errors unraisable)"),
                spec => format!("{t} (C, {spec})"),
            }
        }
    };
    let _ = writeln!(out, "def {}({}) -> {returns}:", body.name, params.join(", "));
    for (l, decl) in body.locals.iter_enumerated() {
        if body.params.contains(&l) {
            continue;
        }
        let name = decl.name.as_deref().map(|n| format!("  # {n}")).unwrap_or_default();
        let _ = writeln!(out, "    {l} :: {}{name}", ty(decl.ty));
    }
    for (b, block) in body.blocks.iter_enumerated() {
        let mut notes = vec![];
        if block.cold {
            notes.push("cold".to_string());
        }
        if b == body.error_exit {
            notes.push("error exit".to_string());
        }
        if let Some(l) = block.takes_line {
            notes.push(format!("the failing line in {l}"));
        }
        if let Some(l) = block.passed {
            notes.push(format!("{l} passed"));
        }
        if block.catches {
            notes.push("catches".to_string());
        }
        if let Some(d) = block.directives {
            notes.push(format!("{d:?}"));
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
        let _ = writeln!(out, "{b}:{notes}");
        for op in &block.ops {
            let _ = writeln!(out, "    {}", self::op(op));
        }
        let term = match &block.term {
            None => "<unterminated>".to_string(),
            Some(Terminator::Goto(t)) => format!("goto {t}"),
            Some(Terminator::Branch { cond, then, otherwise }) => format!("if {cond} goto {then} else goto {otherwise}"),
            Some(Terminator::Try { ok, err }) => format!("goto {ok} (on error {err})"),
            Some(Terminator::Return(v)) => format!("return {v}"),
            Some(Terminator::ReturnError) => "return error".to_string(),
            Some(Terminator::ReturnNone) if matches!(body.returns, Returns::C(..)) => "return".to_string(),
            Some(Terminator::ReturnNone) => "return None".to_string(),
            Some(Terminator::Unreachable) => "unreachable".to_string(),
        };
        let _ = writeln!(out, "    {term}");
    }
    out
}

fn ty(t: LocalTy) -> String {
    match t {
        LocalTy::Scalar(t) => t.to_string(),
        LocalTy::Object => "object".into(),
        LocalTy::PyBuffer => "Py_buffer".into(),
        LocalTy::Ptr => "ptr".into(),
        LocalTy::F64x2 => "f64x2".into(),
    }
}

fn list(ls: &[super::Local]) -> String {
    ls.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
}

fn op(op: &Op) -> String {
    use OpKind::*;
    let rhs = match &op.kind {
        ArgItem { argv, index } => format!("{argv}[{index}]"),
        TupleItems { tuple } => format!("tuple_items {tuple}"),
        CallBinder { slot, args, nargs, kwnames, bound: None } => format!("call_binder helpers[{slot}]({args}, {nargs}, {kwnames})"),
        CallBinder { slot, args, nargs, kwnames, bound: Some(s) } => format!("call_binder helpers[{slot}] bound to {s} ({args}, {nargs}, {kwnames})"),
        CallBinderPath { args } => format!("call_binder_path({})", list(args)),
        Unbox { obj, ty } => format!("unbox[{ty}] {obj}"),
        LoadField { obj, offset } => format!("load_field {obj}@{offset}"),
        PeekField { obj, offset } => format!("peek_field {obj}@{offset}"),
        StoreField { obj, offset, value, raw: false } => format!("store_field {obj}@{offset} = {value}"),
        StoreField { obj, offset, value, raw: true } => format!("store_field raw {obj}@{offset} = {value}"),
        StoreItemInPlace { obj, index, value } => format!("store_item_in_place {obj}[{index}] = {value}"),
        AcquireBuffer { obj, view, name, writable, accepts_none } => {
            let mut flags = vec![format!("{}", crate::types::Ty::View(*view)), format!("'{name}'")];
            if *writable {
                flags.push("writable".into());
            }
            if *accepts_none {
                flags.push("None ok".into());
            }
            format!("acquire_buffer[{}] {obj}", flags.join(", "))
        }
        StackLimit { frame: None } => "stack_limit".into(),
        StackLimit { frame: Some(n) } => format!("stack_limit(room for {n} bytes)"),
        CallNative { func, args, limit } => format!("call_native f{}({}; limit {limit})", func.0, list(args)),
        LeaveCompiledCode => "leave_compiled_code".into(),
        WriteUnraisable { name } => format!("write_unraisable({name:?})"),
        CallC { prim, args } => format!("{}({})", prim.name, list(args)),
        CallHelper { slot, args } => format!("call_helper helpers[{slot}]({})", list(args)),
        Widen { value, to } => format!("widen[{to}] {value}"),
        ComplexPart { value, imag } => format!("{value}.{}", if *imag { "imag" } else { "real" }),
        NoneRef => "None".into(),
        BoxBool { value } => format!("box_bool {value}"),
        IsNull { value } => format!("is_null {value}"),
        EqConst { value, imm } => format!("{value} == {imm}"),
        IncRef { obj } => format!("inc_ref {obj}"),
        DecRef { obj, maybe_null: false } => format!("dec_ref {obj}"),
        DecRef { obj, maybe_null: true } => format!("xdec_ref {obj}"),
        Unassigned => "unassigned".into(),
        ReadVar { var } => format!("read_var {var}"),
        Assign { src } => format!("assign {src}"),
        Borrow { var } => format!("borrow {var}"),
        CheckAssigned { var, name } => format!("check_assigned '{name}' {var}"),
        ReleaseBuffer { buf } => format!("release_buffer {buf}"),
        EmptyBuffer => "empty_buffer".to_string(),
        HoldBuffer { buf } => format!("hold_buffer {buf}"),
        Body(b) => b.show(),
        LoadConst(c) => format!("const_object {c}"),
        ModuleDict => "module_dict".to_string(),
        SameObject { a, b } => format!("{a} is {b}"),
        CallObject { func, args, kwnames: None, .. } => format!("call_object {func}({})", list(args)),
        JoinStr { parts } => format!("join_str({})", list(parts)),
        CallObject { func, args, kwnames: Some(k), .. } => format!("call_object {func}({}; kwnames {k})", list(args)),
        CallMethod { name, args, kwnames: None, str_method: Some(_), .. } => format!("call_method[str] {name}({})", list(args)),
        CallMethod { name, args, kwnames: None, .. } => format!("call_method {name}({})", list(args)),
        CallMethod { name, args, kwnames: Some(k), .. } => format!("call_method {name}({}; kwnames {k})", list(args)),
        LoadGlobal { name } => format!("global '{name}'"),
        NewInstance { class, args: None } => format!("new_instance of class '{class}'"),
        NewInstance { class, args: Some(xs) } => format!("new_instance of class '{class}' args ({})", xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
        Yield { value, state } => format!("yield {value} (state {state})"),
        Sent { sent } => format!("sent {sent}"),
        GenState { gen } => format!("gen_state {gen}"),
        SetGenState { gen, state } => format!("set_gen_state {gen} = {state}"),
        FrameLoad { gen, offset, owned: true, .. } => format!("frame_take {gen}@{offset}"),
        FrameLoad { gen, offset, owned: false, owner: Some(o) } => format!("frame_load {gen}@{offset} (borrowed from {o})"),
        FrameLoad { gen, offset, owned: false, owner: None } => format!("frame_load {gen}@{offset}"),
        FrameStore { gen, offset, value, object: true } => format!("frame_store {gen}@{offset} = {value} (own reference)"),
        FrameStore { gen, offset, value, object: false } => format!("frame_store {gen}@{offset} = {value}"),
        NewGenerator { func, words } => format!("new_generator of f{} ({words} frame words)", func.0),
        DefiningClass(c) => format!("defining_class {c:?}"),
        CellGet { cell, name } => format!("cell_get '{name}' {cell}"),
        ItemInPlace { obj, index } => format!("item_in_place {obj}[{index}]"),
        IterNext { iter } => format!("iter_next {iter}"),
        LoadMethod { obj, name } => format!("load_method {obj}.{name}"),
        LoadSpecial { obj, name } => format!("load_special {obj}.{name}"),
        CallLoadedMethod { method, unbound, args, kwnames: None, .. } => format!("call_loaded_method {method}(unbound {unbound}: {})", list(args)),
        CallLoadedMethod { method, unbound, args, kwnames: Some(k), .. } => format!("call_loaded_method {method}(unbound {unbound}: {}; kwnames {k})", list(args)),
        IsExactDict { obj } => format!("is_exact_dict {obj}"),
        IsExactFloat { obj } => format!("is_exact_float {obj}"),
        IsExactInt { obj } => format!("is_exact_int {obj}"),
        IsExactComplex { obj } => format!("is_exact_complex {obj}"),
        IsExactTuple { obj } => format!("is_exact_tuple {obj}"),
        IsExactList { obj } => format!("is_exact_list {obj}"),
        IsExactStr { obj } => format!("is_exact_str {obj}"),
        IsClassInstance { obj, class, inherits: Some(m), .. } => format!("inherits {obj} '{m}' of class '{class}'"),
        IsClassInstance { obj, class, exact: false, .. } => format!("is_instance {obj} of class '{class}'"),
        IsClassInstance { obj, class, exact: true, .. } => format!("is_exact {obj} of class '{class}'"),
        DictItem { dict, key } => format!("dict_item {dict}[{key}]"),
        SmallInt { obj } => format!("small_int {obj}"),
        StrLen { obj } => format!("str_len {obj}"),
        IterStart { obj } => format!("iter_start {obj}"),
        SeqLen { seq } => format!("seq_len {seq}"),
        SeqItem { seq, index, list: false } => format!("seq_item {seq}[{index}]"),
        SeqItem { seq, index, list: true } => format!("list_item {seq}[{index}]"),
        SmallIntArith { op, a, b } => format!("small_int_{op:?} {a}, {b}"),
        RaiseObject { exc, cause: None } => format!("raise {exc}"),
        RaiseObject { exc, cause: Some(c) } => format!("raise {exc} from {c}"),
        Reraise => "reraise".into(),
        IsHandling => "is_handling".into(),
        CatchException => "catch_exception".into(),
        ResumeHandled { exc, sent } => format!("resume_handled {exc} {sent}"),
        SetHandled { saved } => format!("set_handled {saved}"),
        ExceptionMatches { exc, types } => format!("exception_matches {exc}, {types}"),
        RestoreError { exc } => format!("restore_error {exc}"),
    };
    let fails = match (op.error_kind(), op.handler) {
        (ErrorKind::Never, _) => String::new(),
        (k, None) => format!("  ; fails: {k:?}"),
        (k, Some(h)) => format!("  ; fails: {k:?} to {h}"),
    };
    let line = if op.line == 0 { String::new() } else { format!("  @{}", op.line) };
    if op.dests.is_empty() {
        format!("{rhs}{fails}{line}")
    } else {
        format!("{} = {rhs}{fails}{line}", list(&op.dests))
    }
}
