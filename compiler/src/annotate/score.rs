//! How much Python interaction a line's compiled code does, read from the
//! symbols it calls: the interpreter's C-API, boxing and unboxing, reference
//! counts, raising and checking exceptions. Native arithmetic, libm and calls
//! between compiled functions cost nothing here (white, as in `cython -a`).

/// What a call is, for the shading and the line's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Any other C-API function: attribute lookups, calls into Python …
    CApi,
    /// A C value into a Python object.
    Box,
    /// A Python object (or buffer) into C values.
    Unbox,
    /// Reference-count work that left inline code (`Py_DecRef`, deallocation).
    Refcount,
    /// Setting, checking or annotating an exception (error paths).
    Exception,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::CApi, Kind::Box, Kind::Unbox, Kind::Refcount, Kind::Exception];

    pub fn label(self) -> &'static str {
        match self {
            Kind::CApi => "C-API calls",
            Kind::Box => "boxing",
            Kind::Unbox => "unboxing",
            Kind::Refcount => "reference counts",
            Kind::Exception => "exception checks and raises",
        }
    }

    /// Relative cost: a general C-API call usually means dynamic dispatch in
    /// the interpreter; error paths run only when something fails.
    fn weight(self) -> u32 {
        match self {
            Kind::CApi => 5,
            Kind::Box | Kind::Unbox => 3,
            Kind::Refcount => 2,
            Kind::Exception => 1,
        }
    }
}

/// The kind of a call to `symbol`, or `None` for native code (libm, compiled
/// functions, pyc-aot's own helpers).
pub fn classify(symbol: &str) -> Option<Kind> {
    const EXCEPTION: [&str; 4] = ["PyErr_", "_PyErr_", "_PyTraceback_", "PyTraceBack_"];
    const BOX: [&str; 4] = ["PyLong_From", "PyFloat_From", "PyBool_From", "_PyLong_From"];
    const UNBOX: [&str; 5] = ["PyLong_As", "_PyLong_As", "PyFloat_AsDouble", "PyObject_GetBuffer", "PyBuffer_Release"];
    const REFCOUNT: [&str; 5] = ["Py_DecRef", "Py_IncRef", "Py_XDecRef", "_Py_Dealloc", "Py_Dealloc"];
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| symbol.starts_with(p));
    if starts(&EXCEPTION) {
        Some(Kind::Exception)
    } else if starts(&BOX) {
        Some(Kind::Box)
    } else if starts(&UNBOX) {
        Some(Kind::Unbox)
    } else if starts(&REFCOUNT) {
        Some(Kind::Refcount)
    } else if symbol.starts_with("Py") || symbol.starts_with("_Py") {
        Some(Kind::CApi)
    } else {
        None
    }
}

/// A line's calls counted by kind, and its score.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub counts: [u32; 5],
    pub score: u32,
}

pub fn tally<'a>(calls: impl IntoIterator<Item = &'a String>) -> Tally {
    let mut t = Tally::default();
    for kind in calls.into_iter().filter_map(|c| classify(c)) {
        t.counts[kind as usize] += 1;
        t.score += kind.weight();
    }
    t
}

/// Shade 0 (white) to 9 (deepest yellow), logarithmic in the score so one
/// boxing call shows and a whole wrapper does not drown everything else.
pub fn shade(score: u32) -> u32 {
    match score {
        0 => 0,
        s => (1 + 2 * s.ilog2()).min(9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_sorted_into_kinds() {
        assert_eq!(classify("PyLong_FromLong"), Some(Kind::Box));
        assert_eq!(classify("PyFloat_AsDouble"), Some(Kind::Unbox));
        assert_eq!(classify("_Py_Dealloc"), Some(Kind::Refcount));
        assert_eq!(classify("PyErr_SetString"), Some(Kind::Exception));
        assert_eq!(classify("PyObject_Vectorcall"), Some(Kind::CApi));
        assert_eq!(classify("sin"), None);
        assert_eq!(classify("pyc_aot_native_fib"), None);
    }

    #[test]
    fn shades_grow_with_the_score_and_stop_at_nine() {
        assert_eq!(shade(0), 0);
        assert!(shade(1) > 0 && shade(1) < shade(8));
        assert_eq!(shade(10_000), 9);
    }
}
