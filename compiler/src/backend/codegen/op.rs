//! `OpCx`: what a scalar operation's code generation emits into. An
//! operation that raises sets the exception in a cold block of its own and
//! jumps to its error exit; the caller decides where that exit leads (the
//! native body's traceback block, or an op's error edge), so the same code
//! serves every caller.

use super::super::outlined::Outlined;
use super::super::{FnCx, R};
use crate::hir::FuncId;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, Block, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;

/// Where an operation goes once it has set an exception.
#[derive(Clone, Copy)]
pub(crate) struct ErrorExit {
    pub block: Block,
    /// The source line passed to `block` (the traceback entry's line), if it takes one.
    pub line: Option<u32>,
}

pub(crate) use crate::mir::body::Directives;


pub(crate) struct OpCx<'c, 'a, 'b> {
    pub cx: &'c mut FnCx<'a, 'b>,
    pub exit: ErrorExit,
    pub directives: Directives,
    /// Whether anything jumped to the exit (so the caller emits it).
    pub raised: bool,
}

impl<'c, 'a, 'b> OpCx<'c, 'a, 'b> {
    pub fn new(cx: &'c mut FnCx<'a, 'b>, exit: ErrorExit, directives: Directives) -> Self {
        OpCx { cx, exit, directives, raised: false }
    }

    /// Starts emitting into a block whose predecessors are all known. Sealing
    /// early keeps SSA construction from threading every variable through
    /// block parameters, which would hide loop invariants from Cranelift's LICM.
    pub fn enter(&mut self, block: Block) {
        self.cx.b.switch_to_block(block);
        self.cx.b.seal_block(block);
    }

    pub fn call_c(&mut self, name: &str, params: &[ir::Type], rets: &[ir::Type], args: &[Value]) -> R<Vec<Value>> {
        self.cx.call_c(name, params, rets, args)
    }

    pub fn libm1(&mut self, name: &str, x: Value) -> R<Value> {
        Ok(self.call_c(name, &[types::F64], &[types::F64], &[x])?[0])
    }

    pub fn libm2(&mut self, name: &str, x: Value, y: Value) -> R<Value> {
        Ok(self.call_c(name, &[types::F64, types::F64], &[types::F64], &[x, y])?[0])
    }

    /// Leaves through the error exit (the exception is set).
    pub fn jump_to_error(&mut self) {
        self.raised = true;
        let ErrorExit { block, line } = self.exit;
        match line {
            Some(l) => {
                let line = self.cx.b.ins().iconst(types::I32, l as i64);
                self.cx.b.ins().jump(block, &[BlockArg::Value(line)]);
            }
            None => {
                self.cx.b.ins().jump(block, &[]);
            }
        }
    }

    /// Leaves through the error exit at the run-time `line` (when the exit
    /// takes one): an error passed on from a block that took the failing line.
    pub fn jump_to_error_at(&mut self, line: Value) {
        self.raised = true;
        let args = if self.exit.line.is_some() { vec![BlockArg::Value(line)] } else { vec![] };
        self.cx.b.ins().jump(self.exit.block, &args);
    }

    /// Runs `touch` (code that sets an exception or calls into the
    /// interpreter) holding the GIL: code that may run without it
    /// (`Directives::nogil`) takes it around, as Cython does.
    pub fn holding_gil(&mut self, touch: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        if !self.directives.nogil {
            return touch(self);
        }
        let state = self.call_c("PyGILState_Ensure", &[], &[types::I32], &[])?[0];
        touch(self)?;
        self.call_c("PyGILState_Release", &[types::I32], &[], &[state])?;
        Ok(())
    }

    /// Sets `exc(msg)` and leaves through the error exit.
    pub fn raise(&mut self, exc: &str, msg: Option<&str>) -> R<()> {
        self.holding_gil(|o| o.set_exception(exc, msg))?;
        self.jump_to_error();
        Ok(())
    }

    pub(crate) fn set_exception(&mut self, exc: &str, msg: Option<&str>) -> R<()> {
        let sym = self.cx.em.import_data(exc)?;
        let addr = self.cx.data_addr(sym);
        let p = self.cx.em.ptr;
        let ty = self.cx.b.ins().load(p, MemFlagsData::trusted(), addr, 0);
        match msg {
            Some(m) if !m.contains('\0') => {
                let m = self.cx.cstr(m)?;
                self.call_c("PyErr_SetString", &[p, p], &[], &[ty, m])?;
            }
            Some(m) => {
                // A NUL inside the message: decoded with its length, since
                // PyErr_SetString would stop at the NUL.
                let text = self.cx.text_addr(m)?;
                let len = self.cx.b.ins().iconst(types::I64, m.len() as i64);
                let obj = self.call_c("PyUnicode_FromStringAndSize", &[p, types::I64], &[p], &[text, len])?[0];
                let (set, done) = (self.cx.b.create_block(), self.cx.b.create_block());
                let null = self.cx.is_null(obj);
                self.cx.b.ins().brif(null, done, &[], set, &[]);
                self.enter(set);
                self.call_c("PyErr_SetObject", &[p, p], &[], &[ty, obj])?;
                self.cx.decref(obj)?;
                self.cx.b.ins().jump(done, &[]);
                self.enter(done);
            }
            None => {
                self.call_c("PyErr_SetNone", &[p], &[], &[ty])?;
            }
        }
        Ok(())
    }

    /// Raises `exc(msg)` in a cold block when `cond` holds.
    pub fn raise_if(&mut self, cond: Value, exc: &str, msg: Option<&str>) -> R<()> {
        let fail = self.cx.b.create_block();
        let cont = self.cx.b.create_block();
        self.cx.b.set_cold_block(fail);
        self.cx.b.ins().brif(cond, fail, &[], cont, &[]);
        self.enter(fail);
        self.raise(exc, msg)?;
        self.enter(cont);
        Ok(())
    }

    /// After a call that may have failed (its exception set): leave through
    /// the error exit if so.
    pub fn propagate_if(&mut self, failed: Value) {
        let fail = self.cx.b.create_block();
        let cont = self.cx.b.create_block();
        self.cx.b.set_cold_block(fail);
        self.cx.b.ins().brif(failed, fail, &[], cont, &[]);
        self.enter(fail);
        self.jump_to_error();
        self.enter(cont);
    }

    /// Calls one of the module's outlined helpers: `(f64, error flag)`.
    pub fn call_outlined(&mut self, kind: Outlined, a: Value, b: Value) -> R<(Value, Value)> {
        let id = self.cx.em.outlined(kind)?;
        let r = self.cx.func_ref(id);
        let mut results = vec![];
        // The helpers call into the interpreter.
        self.holding_gil(|o| {
            let inst = o.cx.b.ins().call(r, &[a, b]);
            results = o.cx.b.inst_results(inst).to_vec();
            Ok(())
        })?;
        match results[..] {
            [v, failed] => Ok((v, failed)),
            _ => Err("an outlined helper without its two results".into()),
        }
    }

    /// Calls the native function `id` with `args` (its parameters and the
    /// stack limit); its result (an `i8` dummy for a function returning
    /// None), leaving through the error exit when its flag is set.
    pub fn call_native(&mut self, id: FuncId, args: &[Value]) -> R<Value> {
        let callee = self.cx.em.native_id(id);
        let r = self.cx.func_ref(callee);
        let inst = self.cx.b.ins().call(r, args);
        self.native_results(inst)
    }

    /// A call through the table of the receiver `args[0]`: the entry `slot`
    /// of the table its pointer at byte `at` leads to, a native function
    /// with `id`'s signature.
    pub fn call_virtual(&mut self, id: FuncId, at: u32, slot: u32, args: &[Value]) -> R<Value> {
        let p = self.cx.em.ptr;
        let sig = cranelift_module::Module::declarations(&self.cx.em.module).get_function_decl(self.cx.em.native_id(id)).signature.clone();
        let sref = self.cx.b.import_signature(sig);
        let obj = *args.first().ok_or("a table call without a receiver")?;
        let table = self.cx.b.ins().load(p, MemFlagsData::trusted(), obj, at as i32);
        let entry = self.cx.b.ins().load(p, MemFlagsData::trusted().with_readonly(), table, (slot * 8) as i32);
        let inst = self.cx.b.ins().call_indirect(sref, entry, args);
        self.native_results(inst)
    }

    fn native_results(&mut self, inst: cranelift_codegen::ir::Inst) -> R<Value> {
        let results = self.cx.b.inst_results(inst).to_vec();
        if let [obj] = results[..] {
            if self.cx.b.func.dfg.value_type(obj) == self.cx.em.ptr {
                // A function returning an object returns NULL on error.
                let err = self.cx.b.ins().icmp_imm_u(IntCC::Equal, obj, 0);
                self.propagate_if(err);
                return Ok(obj);
            }
        }
        let err = *results.last().ok_or("native call without error flag")?;
        self.propagate_if(err);
        Ok(if results.len() == 2 { results[0] } else { self.cx.b.ins().iconst(types::I8, 0) })
    }

    /// UnboundLocalError for the local `name` unless its bound flag (an `i8`
    /// variable) is set.
    pub fn check_bound(&mut self, flag: Variable, name: &str) -> R<()> {
        let f = self.cx.b.use_var(flag);
        let unbound = self.cx.b.ins().icmp_imm_s(IntCC::Equal, f, 0);
        let msg = self.cx.em.py.unbound_local_message(name);
        self.raise_if(unbound, "PyExc_UnboundLocalError", Some(&msg))
    }
}
