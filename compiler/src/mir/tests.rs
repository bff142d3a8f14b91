//! The passes and the verifier on hand-built bodies: what the refcount pass
//! releases where, and what the verifier refuses.

use super::build::Builder;
use super::primitives::{PY_FLOAT_FROM_DOUBLE, PY_NUMBER_INDEX};
use super::verify::{check, Stage};
use super::{pass, print, LocalTy, Op, OpKind, Returns, Terminator};
use crate::types::Ty;

/// `index = PyNumber_Index(arg); x = float(...)`: an owned object that dies
/// before a second op that can fail.
fn two_failures() -> super::Body {
    let mut b = Builder::new("two failures", Returns::Object);
    let arg = b.param(LocalTy::Object, "arg");
    let index = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_NUMBER_INDEX, args: vec![arg] });
    let v = b.value(LocalTy::Scalar(Ty::py_int()), OpKind::Unbox { obj: index, ty: Ty::py_int() });
    let f = b.value(LocalTy::Scalar(Ty::Float(64)), OpKind::Widen { value: v, to: Ty::Float(64) });
    let boxed = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_FLOAT_FROM_DOUBLE, args: vec![f] });
    b.terminate(Terminator::Return(boxed));
    b.finish()
}

#[test]
fn owned_values_are_released_on_both_edges_of_their_last_use() {
    let mut body = two_failures();
    pass::run(&mut body, true, None).unwrap();
    let text = print::body(&body);
    // The index dies at the unbox: released after it on success and on failure.
    assert_eq!(text.matches("dec_ref r1").count(), 2, "{text}");
    assert!(!text.contains("inc_ref"), "{text}");
}

#[test]
fn a_returned_borrowed_object_gets_its_own_reference() {
    let mut b = Builder::new("identity", Returns::Object);
    let arg = b.param(LocalTy::Object, "arg");
    b.terminate(Terminator::Return(arg));
    let mut body = b.finish();
    pass::run(&mut body, true, None).unwrap();
    assert!(print::body(&body).contains("inc_ref r0\n    return r0"));
}

#[test]
fn the_verifier_finds_leaks_double_releases_and_missing_edges() {
    let mut body = two_failures();
    assert!(check(&body, Stage::Edges).unwrap_err().contains("no error edge"));
    pass::exceptions::run(&mut body);
    // Without the refcount pass the index leaks on every path.
    let err = check(&body, Stage::Counted).unwrap_err();
    assert!(err.contains("r1 holds 1 reference") || err.contains("r1: 1"), "{err}");
    pass::refcount::run(&mut body).unwrap();
    check(&body, Stage::Counted).unwrap();
    let b = body.blocks.indices().find(|b| body.blocks[*b].ops.iter().any(|op| matches!(op.kind, OpKind::DecRef { .. }))).unwrap();
    body.blocks[b].ops.push(Op::new(vec![], OpKind::DecRef { obj: super::Local::from_usize_const(1), maybe_null: false }));
    assert!(check(&body, Stage::Counted).unwrap_err().contains("without a reference held"));
}

#[test]
fn the_verifier_finds_reads_before_definitions_and_bad_types() {
    let mut b = Builder::new("bad", Returns::Object);
    let arg = b.param(LocalTy::Object, "arg");
    let never = b.local(LocalTy::Object, None);
    let then = b.block(false);
    let cond = b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: arg });
    b.terminate(Terminator::Branch { cond, then, otherwise: then });
    b.switch_to(then);
    b.terminate(Terminator::Return(never));
    assert!(check(&b.finish(), Stage::Built).unwrap_err().contains("before it is defined"));

    let mut b = Builder::new("bad type", Returns::Object);
    let arg = b.param(LocalTy::Object, "arg");
    let f = b.value(LocalTy::Object, OpKind::CallC { prim: &PY_FLOAT_FROM_DOUBLE, args: vec![arg] });
    b.terminate(Terminator::Return(f));
    assert!(check(&b.finish(), Stage::Built).unwrap_err().contains("F64 argument of PyFloat_FromDouble"));
}

/// `x` set in one arm of a diamond, or in both, or by an op that failed.
#[test]
fn the_verifier_needs_a_definition_on_every_path() {
    let diamond = |both: bool| {
        let mut b = Builder::new("diamond", Returns::Object);
        let arg = b.param(LocalTy::Object, "arg");
        let x = b.local(LocalTy::Object, Some("x"));
        let (left, right, join) = (b.block(false), b.block(false), b.block(false));
        let cond = b.value(LocalTy::Scalar(Ty::Bool), OpKind::IsNull { value: arg });
        b.terminate(Terminator::Branch { cond, then: left, otherwise: right });
        b.switch_to(left);
        b.op(vec![x], OpKind::NoneRef);
        b.terminate(Terminator::Goto(join));
        b.switch_to(right);
        if both {
            b.op(vec![x], OpKind::NoneRef);
        }
        b.terminate(Terminator::Goto(join));
        b.switch_to(join);
        b.terminate(Terminator::Return(x));
        b.finish()
    };
    assert!(check(&diamond(false), Stage::Built).unwrap_err().contains("terminator reads r1 before it is defined"));
    check(&diamond(true), Stage::Built).unwrap();

    // The index made by a failing call is not there on its error edge.
    let mut body = two_failures();
    pass::exceptions::run(&mut body);
    check(&body, Stage::Edges).unwrap();
    let failing = body.blocks.indices().find(|b| body.blocks[*b].ops.iter().any(|op| matches!(op.kind, OpKind::CallC { .. }))).unwrap();
    let Some(Terminator::Try { err, .. }) = body.blocks[failing].term else { panic!("no error edge after the call") };
    body.blocks[err].ops.insert(0, Op::new(vec![], OpKind::IncRef { obj: super::Local::from_usize_const(1) }));
    assert!(check(&body, Stage::Edges).unwrap_err().contains("reads r1 before it is defined"));
}

/// `x = None if c` (a loop's body when `looped`), then `return x`: an
/// object variable that may be unassigned where it is read.
fn object_variable(looped: bool) -> super::Body {
    let mut b = Builder::new("maybe assigned", Returns::Object);
    let c = b.param(LocalTy::Scalar(Ty::Bool), "c");
    let x = b.local(LocalTy::Object, Some("x"));
    b.op(vec![x], OpKind::Unassigned);
    let (head, assign, exit) = (b.block(false), b.block(false), b.block(false));
    b.terminate(Terminator::Goto(head));
    b.switch_to(head);
    b.terminate(Terminator::Branch { cond: c, then: assign, otherwise: exit });
    b.switch_to(assign);
    let none = b.value(LocalTy::Object, OpKind::NoneRef);
    b.op(vec![x], OpKind::Assign { src: none });
    b.terminate(Terminator::Goto(if looped { head } else { exit }));
    b.switch_to(exit);
    let r = b.value(LocalTy::Object, OpKind::ReadVar { var: x });
    b.terminate(Terminator::Return(r));
    b.finish()
}

#[test]
fn an_object_variable_is_checked_where_it_may_be_unassigned_and_released_if_assigned() {
    for looped in [false, true] {
        let mut body = object_variable(looped);
        pass::run(&mut body, true, None).unwrap();
        let text = print::body(&body);
        assert_eq!(text.matches("check_assigned 'x' r1").count(), 1, "{text}");
        // Returned borrowed from the variable: a reference of its own, and
        // the variable released (NULL-tolerant: it may be unassigned on the
        // error edge of the check).
        assert!(text.contains("inc_ref r") && text.contains("xdec_ref r1"), "{text}");
        assert!(!text.contains("dec_ref r1\n") || text.contains("xdec_ref r1"), "{text}");
    }
    // In the loop the previous value is released before the next assignment.
    let mut body = object_variable(true);
    pass::run(&mut body, true, None).unwrap();
    let text = print::body(&body);
    assert!(text.matches("xdec_ref r1").count() >= 2, "{text}");
}

#[test]
fn the_verifier_refuses_an_object_variable_used_or_released_where_it_may_be_unassigned() {
    // Read without the check.
    let mut body = object_variable(false);
    pass::assign::run(&mut body).unwrap();
    for b in body.blocks.indices() {
        body.blocks[b].ops.retain(|op| !matches!(op.kind, OpKind::CheckAssigned { .. }));
    }
    pass::exceptions::run(&mut body);
    let err = pass::refcount::run(&mut body).and_then(|()| check(&body, Stage::Counted)).unwrap_err();
    assert!(err.contains("may be unassigned"), "{err}");

    // Released as if it were always assigned.
    let mut body = object_variable(false);
    pass::run(&mut body, false, None).unwrap();
    for b in body.blocks.indices() {
        for op in body.blocks[b].ops.iter_mut() {
            if let OpKind::DecRef { maybe_null, .. } = &mut op.kind {
                *maybe_null = false;
            }
        }
    }
    let err = check(&body, Stage::Counted).unwrap_err();
    assert!(err.contains("may be unassigned"), "{err}");
}
