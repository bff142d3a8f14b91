//! What `break`, `continue` and `return` do where they stand: a stack of
//! nonlocal-control entries per frame, innermost last, each asked in turn
//! until one handles the jump (mypyc's `irbuild/nonlocalcontrol.py`). The
//! bottom entry is the function's own; an entry for `try`/`finally` would
//! intercept the jumps that cross it.

use super::*;

pub(super) enum Nonlocal {
    /// The native function itself: `return` leaves it with the error flag clear.
    Function,
    /// A callee lowered in place: `return` jumps to `merge` with its value.
    InPlace { merge: Block },
    /// A loop: `break` leaves it, `continue` starts its next trip.
    Loop(LoopTargets),
}

pub(super) struct LoopTargets {
    pub cont: Block,
    pub exit: Block,
    /// Whether anything jumped to `cont` / `exit`.
    pub continued: bool,
    pub broke: bool,
}

impl Nonlocal {
    pub(super) fn for_call(ret_block: Option<Block>) -> Self {
        match ret_block {
            Some(merge) => Nonlocal::InPlace { merge },
            None => Nonlocal::Function,
        }
    }
}

impl<'m> Lower<'m, '_, '_, '_> {
    /// Runs `body` as the body of a loop that continues at `cont` and exits
    /// at `exit`; what jumped to either.
    pub(super) fn in_loop(&mut self, cont: Block, exit: Block, body: impl FnOnce(&mut Self) -> R<()>) -> R<LoopTargets> {
        self.fr.control.push(Nonlocal::Loop(LoopTargets { cont, exit, continued: false, broke: false }));
        let r = body(self);
        match self.fr.control.pop() {
            Some(Nonlocal::Loop(t)) => r.map(|()| t),
            _ => Err("the nonlocal-control stack lost its loop".into()),
        }
    }

    pub(super) fn break_or_continue(&mut self, brk: bool) -> R<()> {
        let t = self
            .fr
            .control
            .iter_mut()
            .rev()
            .find_map(|c| match c {
                Nonlocal::Loop(t) => Some(t),
                _ => None,
            })
            .ok_or("break outside loop reached the back end")?;
        let target = if brk {
            t.broke = true;
            t.exit
        } else {
            t.continued = true;
            t.cont
        };
        self.cx.b.ins().jump(target, &[]);
        self.reachable = false;
        Ok(())
    }

    /// `return value` (an `i8` dummy for a function returning None).
    pub(super) fn return_(&mut self, value: Option<Value>) -> R<()> {
        let merge = self
            .fr
            .control
            .iter()
            .rev()
            .find_map(|c| match c {
                Nonlocal::Loop(_) => None,
                Nonlocal::Function => Some(None),
                Nonlocal::InPlace { merge } => Some(Some(*merge)),
            })
            .ok_or("a return outside any function reached the back end")?;
        match merge {
            Some(merge) => {
                let v = match value {
                    Some(v) => v,
                    None => self.cx.b.ins().iconst(types::I8, 0),
                };
                self.cx.b.ins().jump(merge, &[BlockArg::Value(v)]);
            }
            None => {
                let mut rets: Vec<Value> = value.into_iter().collect();
                rets.push(self.cx.b.ins().iconst(types::I8, 0));
                self.cx.b.ins().return_(&rets);
            }
        }
        self.reachable = false;
        Ok(())
    }
}
