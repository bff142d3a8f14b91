//! Helper functions of the module for the native code's rare slow paths
//! through Python objects (`round(x, n)`, huge-int true division): MIR bodies
//! (`mir::build::outlined`), so the passes release every object they make on
//! every path. Code generation declares one on first use; each variant
//! defines the ones it used after its functions are generated.

use super::codegen::{self, Env};
use super::{Emitter, FnCx, Listing, HELPER_ROUND, R};
use crate::mir::build::outlined as build;
use crate::mir::{pass, print, Body};
use cranelift_codegen::ir::{self, types, AbiParam};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};

/// The helpers there are; each takes two scalars and returns `(f64, error flag)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outlined {
    RoundDigits,
    TrueDivide { signed: bool },
}

impl Outlined {
    fn symbol(self) -> &'static str {
        match self {
            Outlined::RoundDigits => "pyc_aot_round_digits",
            Outlined::TrueDivide { signed: true } => "pyc_aot_true_divide_i64",
            Outlined::TrueDivide { signed: false } => "pyc_aot_true_divide_u64",
        }
    }

    fn params(self) -> [ir::Type; 2] {
        match self {
            Outlined::RoundDigits => [types::F64, types::I64],
            Outlined::TrueDivide { .. } => [types::I64, types::I64],
        }
    }

    fn body(self) -> Body {
        match self {
            Outlined::RoundDigits => build::round_digits(HELPER_ROUND),
            Outlined::TrueDivide { signed } => build::true_divide(signed),
        }
    }
}

impl Emitter {
    /// The helper `kind` of the variant being emitted, declared on first use.
    pub(crate) fn outlined(&mut self, kind: Outlined) -> R<ClifFuncId> {
        if let Some((_, id)) = self.outlined.iter().find(|(k, _)| *k == kind) {
            return Ok(*id);
        }
        let mut sig = self.module.make_signature();
        sig.params.extend(kind.params().map(AbiParam::new));
        sig.returns.extend([AbiParam::new(types::F64), AbiParam::new(types::I8)]);
        let id = self.module.declare_function(&self.symbol(kind.symbol()), Linkage::Local, &sig).map_err(|e| e.to_string())?;
        self.outlined.push((kind, id));
        Ok(id)
    }
}

/// Defines the helpers the variant's code declared.
pub(crate) fn define_used(em: &mut Emitter) -> R<()> {
    for (k, (kind, id)) in std::mem::take(&mut em.outlined).into_iter().enumerate() {
        let mut body = kind.body();
        pass::run(&mut body, crate::target::verifier_wanted(), None)?;
        if em.listing_kind == Listing::Mir {
            em.listing.push_str(&format!("{}\n", print::body(&body)));
        }
        let sig = em.module.declarations().get_function_decl(id).signature.clone();
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(5, k as u32), sig);
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut cx = FnCx::new(em, FunctionBuilder::new(&mut func, &mut fctx));
            codegen::emit(&mut cx, &body, &Env { binder_path: None })?;
            let FnCx { em, mut b, .. } = cx;
            b.seal_all_blocks();
            b.finalize(em.module.isa().frontend_config());
        }
        em.define(id, func, &body.name)?;
    }
    Ok(())
}
