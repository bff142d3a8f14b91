//! What the generated code may assume about the target interpreter: object
//! layouts and which C-API entry points are real symbols, per CPython
//! version (64-bit GIL builds). Every inline fast path asks this module;
//! no call site knows a version number or an offset of a version-dependent
//! field.
//!
//! Checked against the headers and `nm -D libpython3.X.so` of CPython 3.9.18,
//! 3.10.13, 3.11.7, 3.12.1 and 3.13.0. A version outside that range gets no
//! inline fast paths, only C-API calls, which every version ≥ 3.9 exports.

// Layouts the same in every 64-bit GIL build from 3.9 to 3.13.

/// `PyObject.ob_refcnt` (3.12+: only its low 32 bits count; see `Incref`).
pub const OB_REFCNT: i32 = 0;
/// `PyObject.ob_type`.
pub const OB_TYPE: i32 = 8;
/// `PyCellObject.ob_ref`: a cell's value (NULL when empty).
pub const CELL_REF: i32 = 16;
/// `PyBytesObject.ob_sval`: a bytes object's characters, NUL-terminated
/// (after the variable-size header and `ob_shash`, 3.9–3.13).
pub const BYTES_SVAL: i64 = 32;
/// `PyFloatObject.ob_fval`.
pub const FLOAT_VALUE: i32 = 16;
/// `PyTupleObject.ob_item`.
pub const TUPLE_ITEMS: i64 = 24;
/// `PyVarObject.ob_size` (a list's or tuple's length).
pub const VAR_SIZE: i32 = 16;
/// `PyListObject.ob_item` (the pointer to the items).
pub const LIST_ITEMS: i32 = 24;
/// `PyCFunctionObject.m_self` (after the object header and `m_ml`).
pub const CFUNCTION_SELF: i32 = 24;
/// `PyTypeObject.tp_vectorcall_offset`.
pub const TP_VECTORCALL_OFFSET: i32 = 56;
/// `PyTypeObject.tp_getattro` and `tp_setattro` (3.9–3.13).
pub const TP_GETATTRO: i32 = 144;
/// `PyTypeObject.tp_base` (3.9-3.13 alike).
pub const TP_BASE: i32 = 256;
/// `PyTypeObject.tp_new` (3.9–3.13).
pub const TP_NEW: i32 = 312;
/// `PyTypeObject.tp_descr_get`, the descriptor protocol's `__get__`.
pub const TP_DESCR_GET: i32 = 272;
/// `PyTypeObject.tp_flags` (an `unsigned long`) and its
/// `Py_TPFLAGS_METHOD_DESCRIPTOR` bit (3.8+): calling such a descriptor
/// with the instance first is the same as calling what it binds to.
pub const TP_FLAGS: i32 = 168;
pub const TPFLAGS_METHOD_DESCRIPTOR: i64 = 1 << 17;
pub const TP_SETATTRO: i32 = 152;
/// `PyMethodDescrObject.d_method` (after the object header and
/// `PyDescr_COMMON`'s `d_type`, `d_name`, `d_qualname`): the descriptor's
/// `PyMethodDef`.
pub const METHOD_DESCR_METHOD: i32 = 40;
/// `PyMethodDef.ml_flags`' calling conventions (`METH_COEXIST` aside).
pub const METH_NOARGS: i64 = 0x4;
pub const METH_O: i64 = 0x8;
pub const METH_FASTCALL: i64 = 0x80;
pub const METH_KEYWORDS: i64 = 0x2;
pub const METH_COEXIST: i64 = 0x40;
/// `PyASCIIObject.length`: a str's length in code points (a ready one's,
/// see `TargetPython::str_ready_bit`).
pub const STR_LENGTH: i32 = 16;
/// `PyASCIIObject.state`, the bit-field word after `length` and `hash`.
pub const STR_STATE: i32 = 32;
/// The `compact` and `ascii` bits of `state` (after `interned:2, kind:3`;
/// the same on 3.9–3.13): the characters follow the header, one byte each.
pub const STR_COMPACT_ASCII: i64 = (1 << 5) | (1 << 6);

/// `Py_buffer`'s fields: `buf`, `obj`, `itemsize`, `readonly`, `ndim`,
/// `format`, `shape`, `strides`.
pub const BUFFER_BUF: i32 = 0;
pub const BUFFER_OBJ: i32 = 8;
pub const BUFFER_ITEMSIZE: i32 = 24;
pub const BUFFER_READONLY: i32 = 32;
pub const BUFFER_NDIM: i32 = 36;
pub const BUFFER_FORMAT: i32 = 40;
pub const BUFFER_SHAPE: i32 = 48;
pub const BUFFER_STRIDES: i32 = 56;

/// `PyModuleDef`: its size, and `m_name`, `m_methods`, `m_slots` (after the
/// 40-byte `m_base`, whose refcount is 1 in a static definition).
pub const MODULE_DEF_BYTES: usize = 104;
pub const MODULE_DEF_NAME: u32 = 40;
pub const MODULE_DEF_METHODS: u32 = 64;
pub const MODULE_DEF_SLOTS: u32 = 72;
/// `PyMethodDef`: `{ml_name, ml_meth, ml_flags, ml_doc}`.
pub const METHOD_DEF_BYTES: usize = 32;
pub const METHOD_DEF_METH: usize = 8;
pub const METHOD_DEF_FLAGS: usize = 16;
pub const METHOD_DEF_DOC: usize = 24;
/// `PyModuleDef_Slot`: `{slot, value}`.
pub const MODULE_SLOT_BYTES: usize = 16;
pub const MODULE_SLOT_VALUE: u32 = 8;

/// The interpreter a module is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetPython {
    /// The `3.x` minor version.
    pub minor: u32,
}

/// How an exact `int` stores a value that fits one 30-bit digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmallInt {
    /// 3.9–3.11: `ob_size` (signed digit count, sign of the value) at
    /// `size`, the digits at `digits`; one digit when `-1 <= ob_size <= 1`.
    SignedSize { size: i32, digits: i32 },
    /// 3.12+: `lv_tag = ndigits << 3 | sign` (sign 0 positive, 1 zero,
    /// 2 negative) at `tag`; compact (at most one digit) when `lv_tag < 16`,
    /// value `(1 - (lv_tag & 3)) * digit[0]`.
    Tagged { tag: i32, digits: i32 },
}

/// How to add a reference inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incref {
    /// 3.9–3.11: `ob_refcnt` (64-bit) at 0, plus one.
    Plain,
    /// 3.12+: only the low 32 bits of `ob_refcnt` count; an immortal object
    /// has them all set and is left alone (its increment would wrap to 0).
    /// `None`, `True` and `False` are immortal, so they need no increment.
    Immortal32,
}

impl TargetPython {
    pub fn new(minor: u32) -> Self {
        TargetPython { minor }
    }

    fn known(self) -> bool {
        (9..=13).contains(&self.minor)
    }

    /// The inline small-int read, or `None` to go through `PyLong_As*`.
    pub fn small_int(self) -> Option<SmallInt> {
        match self.minor {
            9..=11 => Some(SmallInt::SignedSize { size: 16, digits: 24 }),
            12 | 13 => Some(SmallInt::Tagged { tag: 16, digits: 24 }),
            _ => None,
        }
    }

    /// The offset of a dict's `ma_version_tag` (3.9–3.13: a `uint64_t`
    /// after `ma_used`, changed by every mutation to a value no dict of the
    /// interpreter had before, never 0; deprecated from 3.12 but still
    /// maintained, the low bits then holding the dict's watchers), or `None`
    /// to look globals up every time.
    pub fn dict_version_tag(self) -> Option<i32> {
        match self.minor {
            9..=13 => Some(24),
            _ => None,
        }
    }

    /// The inline increment, or `None` to call `Py_IncRef`.
    pub fn incref(self) -> Option<Incref> {
        match self.minor {
            9..=11 => Some(Incref::Plain),
            12 | 13 => Some(Incref::Immortal32),
            _ => None,
        }
    }

    /// The `ready` bit of a str's `state` word (3.9–3.11, where a string
    /// made by the deprecated `Py_UNICODE` API has its `length` only once
    /// ready); `None` from 3.12, where every str is ready. Unknown
    /// versions get no inline read of `length` (`str_length_inline`).
    pub fn str_ready_bit(self) -> Option<i64> {
        match self.minor {
            9..=11 => Some(1 << 7),
            _ => None,
        }
    }

    /// Where a compact ASCII str's characters start (`sizeof(PyASCIIObject)`:
    /// 3.12 dropped its `wstr` pointer); `None` for an unknown layout.
    pub fn ascii_data_offset(self) -> Option<i32> {
        match self.minor {
            9..=11 => Some(48),
            12 | 13 => Some(40),
            _ => None,
        }
    }

    /// `PyFrameObject.f_back` (after `PyObject_VAR_HEAD`) where
    /// `PyFrame_New` links a new frame to the running one (3.9, 3.10);
    /// `None` from 3.11, where a frame it makes has no `f_back`.
    pub fn linked_frame_back(self) -> Option<i32> {
        match self.minor {
            9 | 10 => Some(24),
            _ => None,
        }
    }

    /// `PyErr_GetHandledException`/`PyErr_SetHandledException` (3.11+):
    /// the exception being handled as one object, where `PyErr_GetExcInfo`
    /// and `SetExcInfo` make and take apart a triple around it.
    pub fn handled_exception_api(self) -> bool {
        self.minor >= 11
    }

    /// `PyASCIIObject.length` and `state` at `STR_LENGTH`/`STR_STATE`.
    pub fn str_length_inline(self) -> bool {
        self.known()
    }

    /// `None`/`True`/`False` are immortal: returning one needs no increment.
    pub fn singletons_immortal(self) -> bool {
        self.known() && self.minor >= 12
    }

    /// `PyCFunctionObject` has a `vectorcall` slot and `PyTypeObject` keeps
    /// `tp_vectorcall_offset` at byte 56 (3.8+ GIL builds).
    pub fn cfunction_vectorcall(self) -> bool {
        self.known()
    }

    /// `PyObject_Vectorcall` and `PyObject_CallOneArg` are exported
    /// functions from 3.11; before, they are `static inline` in the headers
    /// and have no symbol, so calls go through `_PyObject_MakeTpCall`
    /// (exported, with this signature, in 3.9 and 3.10).
    pub fn has_vectorcall_symbol(self) -> bool {
        self.minor >= 11
    }

    // Messages and corner cases the interpreter itself changed between
    // versions: the module behaves as the interpreter it is built for.

    /// `UnboundLocalError` (3.11 reworded it).
    pub fn unbound_local_message(self, name: &str) -> String {
        if self.minor <= 10 {
            format!("local variable '{name}' referenced before assignment")
        } else {
            format!("cannot access local variable '{name}' where it is not associated with a value")
        }
    }

    /// NameError of a free variable read from an empty cell.
    pub fn free_var_message(self, name: &str) -> String {
        if self.minor <= 10 {
            format!("free variable '{name}' referenced before assignment in enclosing scope")
        } else {
            format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope")
        }
    }

    /// `int % 0` (3.11 split it from `//`'s message).
    pub fn int_mod_zero_message(self) -> &'static str {
        if self.minor <= 10 {
            "integer division or modulo by zero"
        } else {
            "integer modulo by zero"
        }
    }

    /// `float % 0.0` (3.13 completed it).
    pub fn float_mod_zero_message(self) -> &'static str {
        if self.minor <= 12 {
            "float modulo"
        } else {
            "float modulo by zero"
        }
    }

    /// `PyLong_AsLongLong` falls back to `__int__` (3.9: a float argument is
    /// truncated with a DeprecationWarning); from 3.10 it takes only
    /// `__index__`, which is what an `int` parameter means.
    pub fn as_long_accepts_int_method(self) -> bool {
        self.minor <= 9
    }

    /// `math.pow(0.0, -inf)`: ValueError up to 3.10, `inf` from 3.11.
    pub fn pow_zero_to_minus_inf_raises(self) -> bool {
        self.minor <= 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_version_has_its_fast_paths() {
        for minor in 9..=13 {
            let py = TargetPython::new(minor);
            assert!(py.small_int().is_some() && py.incref().is_some() && py.cfunction_vectorcall());
            assert_eq!(py.has_vectorcall_symbol(), minor >= 11);
            assert_eq!(py.singletons_immortal(), minor >= 12);
            assert_eq!(py.unbound_local_message("i").starts_with("local variable 'i'"), minor <= 10);
        }
        let future = TargetPython::new(20);
        assert!(future.small_int().is_none() && future.incref().is_none() && !future.cfunction_vectorcall());
        assert!(future.has_vectorcall_symbol());
    }
}

/// The numbers a `PyType_Spec` is written with (stable ABI: `typeslots.h`'s
/// slot ids, `Py_TPFLAGS_*`, `structmember.h`'s member types and flags, the
/// sizes of `PyMemberDef` and `PyGetSetDef`), shared by the module's own types.
pub mod type_spec {
    pub const PY_TP_CALL: i32 = 50;
    pub const PY_TP_CLEAR: i32 = 51;
    pub const PY_TP_DEALLOC: i32 = 52;
    pub const PY_TP_DESCR_GET: i32 = 54;
    pub const PY_TP_DOC: i32 = 56;
    pub const PY_TP_HASH: i32 = 59;
    pub const PY_TP_INIT: i32 = 60;
    pub const PY_TP_ITER: i32 = 62;
    pub const PY_TP_ITERNEXT: i32 = 63;
    pub const PY_TP_METHODS: i32 = 64;
    pub const PY_TP_NEW: i32 = 65;
    pub const PY_TP_REPR: i32 = 66;
    pub const PY_TP_RICHCOMPARE: i32 = 67;
    pub const PY_TP_STR: i32 = 70;
    pub const PY_TP_TRAVERSE: i32 = 71;
    pub const PY_TP_MEMBERS: i32 = 72;
    pub const PY_TP_GETSET: i32 = 73;
    pub const PY_TP_FREE: i32 = 74;
    pub const PY_TP_FINALIZE: i32 = 80;
    pub const TPFLAGS_DISALLOW_INSTANTIATION: u32 = 1 << 7;
    /// 3.10+.
    pub const TPFLAGS_IMMUTABLETYPE: i64 = 1 << 8;
    pub const TPFLAGS_BASETYPE: u32 = 1 << 10;
    pub const TPFLAGS_HAVE_VECTORCALL: u32 = 1 << 11;
    pub const TPFLAGS_HAVE_GC: u32 = 1 << 14;
    pub const TPFLAGS_METHOD_DESCRIPTOR: u32 = 1 << 17;
    pub const TPFLAGS_DEFAULT: u32 = 1 << 18;
    pub const TPFLAGS_LONG_SUBCLASS: i64 = 1 << 24;
    pub const READONLY: i32 = 1;
    pub const T_OBJECT: i32 = 6;
    pub const T_BOOL: i32 = 14;
    pub const T_OBJECT_EX: i32 = 16;
    pub const T_PYSSIZET: i32 = 19;
    pub const GETSET_DEF_BYTES: usize = 40;
    pub const MEMBER_DEF_BYTES: usize = 40;
}
