//! `with cython.nogil:` and `with cython.gil:` blocks: the GIL released
//! (`PyEval_SaveThread`) or taken (`PyGILState_Ensure`, whoever holds it)
//! around the body, and put back as it was on every way out: falling off the
//! end, `break`/`continue` to a loop outside it, `return`, and an error,
//! which goes through a block of the region's own that puts the GIL back and
//! passes the failing line on to the outer handler. The ops of a `nogil`
//! region set their exceptions holding the GIL (`Directives::nogil` on that
//! block), as Cython's do.

use super::{BodyBuilder, B, LINE};
use crate::hir::Stmt;
use crate::mir::body::{BodyOp, Directives};
use crate::mir::{Local, LocalTy, OpKind, Terminator};
use crate::types::Ty;

/// A region open in a frame.
#[derive(Clone, Copy)]
pub(super) struct GilRegion {
    release: bool,
    /// The thread state to restore, or the `PyGILState` to release.
    state: Local,
    /// How many of the frame's loops are open around it.
    loops: usize,
}

impl BodyBuilder<'_, '_> {
    pub(super) fn gil_block(&mut self, release: bool, body: &[Stmt]) -> B<()> {
        let state = if release {
            self.b.value(LocalTy::Ptr, OpKind::Body(BodyOp::SaveThread))
        } else {
            self.b.value(LocalTy::Scalar(Ty::Int(LINE)), OpKind::Body(BodyOp::GilEnsure))
        };
        let region = GilRegion { release, state, loops: self.fr.loops.len() };
        let outer = self.b.handler();
        let after = self.b.block(false);
        let put_back = self.b.block(true);
        let failing = self.b.local(LocalTy::Scalar(Ty::Int(LINE)), Some("failing line"));
        self.b.takes_line(put_back, failing);
        self.b.frame_directives(put_back, Directives { nogil: release, ..Directives::of(self.fr.f) });
        self.b.set_handler(Some(put_back));
        self.fr.gil.push(region);
        let built = self.stmts(body);
        self.fr.gil.pop();
        self.b.set_handler(outer);
        built?;
        let reachable = self.reachable;
        if reachable {
            self.leave_region(region);
            self.terminate(Terminator::Goto(after));
        }
        self.b.switch_to(put_back);
        self.leave_region(region);
        self.op(vec![], BodyOp::PropagateLine { line: failing });
        self.terminate(Terminator::Unreachable);
        self.reachable = reachable;
        if reachable {
            self.b.switch_to(after);
        }
        Ok(())
    }

    /// Puts the GIL back as it was before `r`.
    fn leave_region(&mut self, r: GilRegion) {
        let op = if r.release { BodyOp::RestoreThread { state: r.state } } else { BodyOp::GilRelease { state: r.state } };
        self.op(vec![], op);
    }

    /// Before a `return` of the frame: every region of it left, innermost first.
    pub(super) fn leave_regions(&mut self) {
        for r in self.fr.gil.clone().into_iter().rev() {
            self.leave_region(r);
        }
    }

    /// Before a `break`/`continue`: the regions opened inside the innermost loop left.
    pub(super) fn leave_loop_regions(&mut self) {
        let loops = self.fr.loops.len();
        for r in self.fr.gil.clone().into_iter().rev().filter(|r| r.loops >= loops) {
            self.leave_region(r);
        }
    }
}
