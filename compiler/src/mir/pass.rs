//! The passes over a built body, in their fixed order: definite
//! assignment, exception edges, then reference counts. With `verify` (tests, `PYC_AOT_VERIFY=1`) the verifier
//! checks the body after building and after every pass.

pub mod assign;
pub mod exceptions;
pub mod refcount;
pub mod suspend;

use super::{print, verify, Body};

/// The body as built and after each pass, for `--emit mir` and snapshots.
pub type Stages = Vec<(&'static str, String)>;

/// Runs every pass; `stages` (when given) collects the printed body before
/// and after each.
pub fn run(body: &mut Body, verify: bool, stages: Option<&mut Stages>) -> Result<(), String> {
    run_passes(body, verify, stages, false).map(|_| ())
}

/// `run` for a generator's resume body: the suspension pass
/// (`suspend`) between exception edges and reference counts; the frame's layout.
pub fn run_generator(body: &mut Body, verify: bool, stages: Option<&mut Stages>) -> Result<suspend::Layout, String> {
    run_passes(body, verify, stages, true)?.ok_or_else(|| "no generator layout".to_string())
}

fn run_passes(body: &mut Body, verify: bool, mut stages: Option<&mut Stages>, generator: bool) -> Result<Option<suspend::Layout>, String> {
    let mut record = |name: &'static str, body: &Body| {
        if let Some(s) = stages.as_deref_mut() {
            s.push((name, print::body(body)));
        }
    };
    record("built", body);
    if verify {
        verify::check(body, verify::Stage::Built)?;
    }
    // Errors inside a `try` go on to its handlers, where variables are
    // read too: definite assignment needs those edges, so such a body gets
    // them first (the pass runs again after it, for the checks it adds).
    if body.blocks.iter().any(|b| b.catches) {
        exceptions::run(body);
        record("exception edges (to the handlers, before definite assignment)", body);
    }
    // Shown only for a body with object variables: the others are unchanged.
    if assign::run(body)? {
        record("definite assignment", body);
    }
    if verify {
        verify::check(body, verify::Stage::Assigned)?;
    }
    exceptions::run(body);
    record("exception edges", body);
    if verify {
        verify::check(body, verify::Stage::Edges)?;
    }
    let layout = if generator {
        let layout = suspend::run(body)?;
        record("suspension", body);
        if verify {
            verify::check(body, verify::Stage::Edges)?;
        }
        Some(layout)
    } else {
        None
    };
    refcount::run(body)?;
    record("reference counts", body);
    if verify {
        verify::check(body, verify::Stage::Counted)?;
    }
    Ok(layout)
}
