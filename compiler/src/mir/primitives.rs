//! The C-API functions generated code calls, each declared once: C name,
//! argument and result types, how it reports an error, whether its object
//! result is a new or a borrowed reference, and which arguments it steals
//! (mypyc's `primitives/registry.py`). Code generation calls them through
//! `FnCx::call_prim`; MIR calls them with `OpKind::CallC`.

use super::{ErrorKind, RefKind};

/// A C type at the ABI level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CTy {
    /// `PyObject*`.
    Object,
    /// Any other pointer, or `Py_ssize_t`.
    Ptr,
    I32,
    I64,
    F64,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Primitive {
    pub name: &'static str,
    pub args: &'static [CTy],
    pub ret: Option<CTy>,
    pub error: ErrorKind,
    /// For an `Object` result.
    pub result: RefKind,
    /// Indices of arguments whose reference the call takes over.
    pub steals: &'static [usize],
}

use CTy::*;
use ErrorKind::{ErrorValueAndOccurred, Negative, Never, Null};
use RefKind::{Borrowed, New};

macro_rules! primitive {
    ($(#[$m:meta])* $id:ident = $name:literal ($($arg:expr),*) -> $ret:expr, $err:expr, $rk:expr $(, steals $($s:literal),*)?) => {
        $(#[$m])*
        pub static $id: Primitive = Primitive {
            name: $name,
            args: &[$($arg),*],
            ret: $ret,
            error: $err,
            result: $rk,
            steals: &[$($($s),*)?],
        };
    };
}

// Reference counts and errors.
primitive!(PY_INCREF = "Py_IncRef"(Object) -> None, Never, Borrowed);
primitive!(PY_DECREF = "Py_DecRef"(Object) -> None, Never, Borrowed, steals 0);
// The deallocation an inline decrement reaching zero calls (exported 3.8+).
primitive!(PY_DEALLOC = "_Py_Dealloc"(Object) -> None, Never, Borrowed, steals 0);
primitive!(PY_ERR_OCCURRED = "PyErr_Occurred"() -> Some(Object), Never, Borrowed);
primitive!(PY_ERR_SET_STRING = "PyErr_SetString"(Object, Ptr) -> None, Never, Borrowed);
primitive!(PY_ERR_CLEAR = "PyErr_Clear"() -> None, Never, Borrowed);

// Numbers.
primitive!(PY_FLOAT_FROM_DOUBLE = "PyFloat_FromDouble"(F64) -> Some(Object), Null, New);
primitive!(PY_COMPLEX_FROM_DOUBLES = "PyComplex_FromDoubles"(F64, F64) -> Some(Object), Null, New);
primitive!(PY_FLOAT_AS_DOUBLE = "PyFloat_AsDouble"(Object) -> Some(F64), ErrorValueAndOccurred, Borrowed);
primitive!(PY_LONG_AS_DOUBLE = "PyLong_AsDouble"(Object) -> Some(F64), ErrorValueAndOccurred, Borrowed);
primitive!(PY_LONG_FROM_LONG_LONG = "PyLong_FromLongLong"(I64) -> Some(Object), Null, New);
primitive!(PY_LONG_FROM_UNSIGNED_LONG_LONG = "PyLong_FromUnsignedLongLong"(I64) -> Some(Object), Null, New);
primitive!(PY_LONG_AS_LONG_LONG = "PyLong_AsLongLong"(Object) -> Some(I64), ErrorValueAndOccurred, Borrowed);
primitive!(PY_LONG_AS_UNSIGNED_LONG_LONG = "PyLong_AsUnsignedLongLong"(Object) -> Some(I64), ErrorValueAndOccurred, Borrowed);
primitive!(PY_NUMBER_TRUE_DIVIDE = "PyNumber_TrueDivide"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_INDEX = "PyNumber_Index"(Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_IS_TRUE = "PyObject_IsTrue"(Object) -> Some(I32), Negative, Borrowed);

// Operators on objects.
primitive!(PY_NUMBER_ADD = "PyNumber_Add"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_SUBTRACT = "PyNumber_Subtract"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_MULTIPLY = "PyNumber_Multiply"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_FLOOR_DIVIDE = "PyNumber_FloorDivide"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_REMAINDER = "PyNumber_Remainder"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_POWER = "PyNumber_Power"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_LSHIFT = "PyNumber_Lshift"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_RSHIFT = "PyNumber_Rshift"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_AND = "PyNumber_And"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_OR = "PyNumber_Or"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_XOR = "PyNumber_Xor"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_MATRIX_MULTIPLY = "PyNumber_MatrixMultiply"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_ADD = "PyNumber_InPlaceAdd"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_SUBTRACT = "PyNumber_InPlaceSubtract"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_MULTIPLY = "PyNumber_InPlaceMultiply"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_TRUE_DIVIDE = "PyNumber_InPlaceTrueDivide"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_FLOOR_DIVIDE = "PyNumber_InPlaceFloorDivide"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_REMAINDER = "PyNumber_InPlaceRemainder"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_POWER = "PyNumber_InPlacePower"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_LSHIFT = "PyNumber_InPlaceLshift"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_RSHIFT = "PyNumber_InPlaceRshift"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_AND = "PyNumber_InPlaceAnd"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_OR = "PyNumber_InPlaceOr"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_XOR = "PyNumber_InPlaceXor"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_IN_PLACE_MATRIX_MULTIPLY = "PyNumber_InPlaceMatrixMultiply"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_NEGATIVE = "PyNumber_Negative"(Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_POSITIVE = "PyNumber_Positive"(Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_INVERT = "PyNumber_Invert"(Object) -> Some(Object), Null, New);
primitive!(PY_NUMBER_ABSOLUTE = "PyNumber_Absolute"(Object) -> Some(Object), Null, New);
primitive!(
    /// The third argument is the comparison (`Py_LT` … `Py_GE`).
    PY_OBJECT_RICH_COMPARE = "PyObject_RichCompare"(Object, Object, I32) -> Some(Object), Null, New
);
primitive!(PY_OBJECT_GET_ATTR = "PyObject_GetAttr"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_SET_ATTR = "PyObject_SetAttr"(Object, Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_TYPE_IS_SUBTYPE = "PyType_IsSubtype"(Object, Object) -> Some(I32), Never, Borrowed);
primitive!(PY_OBJECT_GET_ITEM = "PyObject_GetItem"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_SET_ITEM = "PyObject_SetItem"(Object, Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_OBJECT_DEL_ITEM = "PyObject_DelItem"(Object, Object) -> Some(I32), Negative, Borrowed);
// `PyObject_DelAttr` is a macro before 3.13: the setter with a NULL value (a zero).
primitive!(PY_OBJECT_DEL_ATTR = "PyObject_SetAttr"(Object, Object, I64) -> Some(I32), Negative, Borrowed);
primitive!(PY_OBJECT_SIZE = "PyObject_Size"(Object) -> Some(I64), Negative, Borrowed);
primitive!(PY_TUPLE_NEW = "PyTuple_New"(I64) -> Some(Object), Null, New);
primitive!(PY_TUPLE_SET_ITEM = "PyTuple_SetItem"(Object, I64, Object) -> Some(I32), Negative, Borrowed, steals 2);
primitive!(PY_LIST_NEW = "PyList_New"(I64) -> Some(Object), Null, New);
primitive!(PY_LIST_SET_ITEM = "PyList_SetItem"(Object, I64, Object) -> Some(I32), Negative, Borrowed, steals 2);
primitive!(PY_DICT_SET_ITEM = "PyDict_SetItem"(Object, Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(
    /// NULL without an exception set when the key is missing (code generation tells the two apart).
    PY_DICT_GET_ITEM_WITH_ERROR = "PyDict_GetItemWithError"(Object, Object) -> Some(Object), Never, Borrowed
);
primitive!(PY_ERR_SET_OBJECT = "PyErr_SetObject"(Object, Object) -> None, Never, Borrowed);
primitive!(PY_OBJECT_GET_ITER = "PyObject_GetIter"(Object) -> Some(Object), Null, New);
primitive!(
    /// NULL at the end too, without an exception set (`OpKind::IterNext` tells the two apart).
    PY_ITER_NEXT = "PyIter_Next"(Object) -> Some(Object), Never, New
);
primitive!(PY_CELL_NEW = "PyCell_New"(Object) -> Some(Object), Null, New);
primitive!(
    /// An empty cell (its argument NULL).
    PY_CELL_NEW_EMPTY = "PyCell_New"(I64) -> Some(Object), Null, New
);
primitive!(PY_CELL_SET = "PyCell_Set"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_FUNCTION_NEW_WITH_QUALNAME = "PyFunction_NewWithQualName"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(PY_FUNCTION_SET_CLOSURE = "PyFunction_SetClosure"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_FUNCTION_SET_DEFAULTS = "PyFunction_SetDefaults"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_FUNCTION_SET_KW_DEFAULTS = "PyFunction_SetKwDefaults"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_FUNCTION_SET_ANNOTATIONS = "PyFunction_SetAnnotations"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_SLICE_NEW = "PySlice_New"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(
    /// Its argument is the iterable to fill it from: always NULL here, passed as a zero `Py_ssize_t`.
    PY_SET_NEW = "PySet_New"(I64) -> Some(Object), Null, New
);
primitive!(PY_SET_ADD = "PySet_Add"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_SEQUENCE_CONTAINS = "PySequence_Contains"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_DICT_CONTAINS = "PyDict_Contains"(Object, Object) -> Some(I32), Negative, Borrowed);

// Calls.
primitive!(PY_OBJECT_VECTORCALL = "PyObject_Vectorcall"(Object, Ptr, Ptr, Object) -> Some(Object), Null, New);
primitive!(
    /// 3.9 and 3.10, where `PyObject_Vectorcall` is inline only.
    PY_OBJECT_MAKE_TP_CALL = "_PyObject_MakeTpCall"(Ptr, Object, Ptr, Ptr, Object) -> Some(Object), Null, New
);
primitive!(
    /// `args[0]` is the receiver; exported from 3.9.
    PY_OBJECT_VECTORCALL_METHOD = "PyObject_VectorcallMethod"(Object, Ptr, Ptr, Object) -> Some(Object), Null, New
);
primitive!(PY_THREAD_STATE_GET = "PyThreadState_Get"() -> Some(Ptr), Never, Borrowed);
primitive!(PY_OBJECT_CALL_ONE_ARG = "PyObject_CallOneArg"(Object, Object) -> Some(Object), Null, New);
primitive!(
    /// `PyObject_Call` without keywords: the NULL dict a zero `Py_ssize_t`.
    PY_OBJECT_CALL_POSITIONAL = "PyObject_Call"(Object, Object, I64) -> Some(Object), Null, New
);
primitive!(PY_SEQUENCE_TUPLE = "PySequence_Tuple"(Object) -> Some(Object), Null, New);
primitive!(PY_SEQUENCE_CONCAT = "PySequence_Concat"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_DICT_COPY = "PyDict_Copy"(Object) -> Some(Object), Null, New);
primitive!(
    /// 1 when every key is a str, else 0 with a TypeError set (cleared
    /// where it is only a test: `PyErr_Clear`).
    PY_ARG_VALIDATE_KEYWORD_ARGUMENTS = "PyArg_ValidateKeywordArguments"(Object) -> Some(I32), Never, Borrowed
);

// Buffers.
primitive!(PY_OBJECT_GET_BUFFER = "PyObject_GetBuffer"(Object, Ptr, I32) -> Some(I32), Negative, Borrowed);
primitive!(PY_BUFFER_RELEASE = "PyBuffer_Release"(Ptr) -> None, Never, Borrowed);

// Strings, bytes, dicts, modules, code.
primitive!(PY_UNICODE_FROM_STRING = "PyUnicode_FromString"(Ptr) -> Some(Object), Null, New);
primitive!(PY_BYTES_FROM_STRING_AND_SIZE = "PyBytes_FromStringAndSize"(Ptr, Ptr) -> Some(Object), Null, New);
primitive!(PY_BYTES_AS_STRING = "PyBytes_AsString"(Object) -> Some(Ptr), Null, Borrowed);
primitive!(PY_BYTEARRAY_AS_STRING = "PyByteArray_AsString"(Object) -> Some(Ptr), Never, Borrowed);
primitive!(PY_BYTES_SIZE = "PyBytes_Size"(Object) -> Some(Ptr), Negative, Borrowed);
primitive!(PY_DICT_NEW = "PyDict_New"() -> Some(Object), Null, New);
primitive!(PY_DICT_SET_ITEM_STRING = "PyDict_SetItemString"(Object, Ptr, Object) -> Some(I32), Negative, Borrowed);
primitive!(PY_DICT_GET_ITEM_STRING = "PyDict_GetItemString"(Object, Ptr) -> Some(Object), Never, Borrowed);
primitive!(PY_DICT_DEL_ITEM_STRING = "PyDict_DelItemString"(Object, Ptr) -> Some(I32), Negative, Borrowed);
primitive!(PY_OBJECT_GET_ATTR_STRING = "PyObject_GetAttrString"(Object, Ptr) -> Some(Object), Null, New);
primitive!(PY_EVAL_GET_BUILTINS = "PyEval_GetBuiltins"() -> Some(Object), Never, Borrowed);
primitive!(PY_IMPORT_GET_MODULE_DICT = "PyImport_GetModuleDict"() -> Some(Object), Never, Borrowed);
primitive!(PY_IMPORT_IMPORT_MODULE = "PyImport_ImportModule"(Ptr) -> Some(Object), Null, New);
primitive!(PY_MODULE_NEW = "PyModule_New"(Ptr) -> Some(Object), Null, New);
primitive!(PY_MODULE_GET_DICT = "PyModule_GetDict"(Object) -> Some(Object), Never, Borrowed);
primitive!(PY_MODULE_GET_NAME_OBJECT = "PyModule_GetNameObject"(Object) -> Some(Object), Null, New);
primitive!(PY_MODULE_DEF_INIT = "PyModuleDef_Init"(Ptr) -> Some(Object), Null, Borrowed);
primitive!(PY_TYPE_GET_SLOT = "PyType_GetSlot"(Object, I32) -> Some(Ptr), Never, Borrowed);
primitive!(PY_TYPE_FROM_MODULE_AND_SPEC = "PyType_FromModuleAndSpec"(Object, Ptr, Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_CALL = "PyObject_Call"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_GC_UNTRACK = "PyObject_GC_UnTrack"(Object) -> None, Never, Borrowed);
primitive!(PY_METHOD_NEW = "PyMethod_New"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_TYPE_GENERIC_ALLOC = "PyType_GenericAlloc"(Object, Ptr) -> Some(Object), Null, New);
primitive!(PY_CFUNCTION_NEW_EX = "PyCFunction_NewEx"(Ptr, Object, Object) -> Some(Object), Null, New);
primitive!(PY_COMPILE_STRING = "Py_CompileString"(Ptr, Ptr, I32) -> Some(Object), Null, New);
primitive!(PY_EVAL_EVAL_CODE = "PyEval_EvalCode"(Object, Object, Object) -> Some(Object), Null, New);
primitive!(PY_MARSHAL_READ_OBJECT_FROM_STRING = "PyMarshal_ReadObjectFromString"(Ptr, Ptr) -> Some(Object), Null, New);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_results_say_who_owns_them() {
        // A NULL-on-error primitive returning an object is a new reference
        // unless it is one of the few documented borrowed ones.
        for p in [&PY_FLOAT_FROM_DOUBLE, &PY_NUMBER_INDEX, &PY_OBJECT_VECTORCALL, &PY_DICT_NEW] {
            assert_eq!((p.ret, p.error, p.result), (Some(Object), Null, New), "{}", p.name);
        }
        for p in [&PY_DICT_GET_ITEM_STRING, &PY_MODULE_GET_DICT, &PY_EVAL_GET_BUILTINS] {
            assert_eq!(p.result, Borrowed, "{}", p.name);
        }
        assert_eq!(PY_DECREF.steals, &[0]);
    }
}

// Comprehensions.
primitive!(PY_LIST_APPEND = "PyList_Append"(Object, Object) -> Some(I32), Negative, Borrowed);

// f-strings.
primitive!(PY_OBJECT_FORMAT = "PyObject_Format"(Object, Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_REPR = "PyObject_Repr"(Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_STR = "PyObject_Str"(Object) -> Some(Object), Null, New);
primitive!(PY_OBJECT_ASCII = "PyObject_ASCII"(Object) -> Some(Object), Null, New);
primitive!(PY_UNICODE_JOIN = "PyUnicode_Join"(Object, Object) -> Some(Object), Null, New);
// `str(n)` of a C integer, written by the back end in place (no int object);
// not a C function of that name (`codegen/object.rs`, `call_c_inline`).
primitive!(PYC_INT_STR = "pyc_aot_int_str"(I64) -> Some(Object), Null, New);
// `repr(x)` (= `str(x)`) of a C double as float's repr writes it, in place
// (no float object); not a C function of that name.
primitive!(PYC_DOUBLE_REPR = "pyc_aot_double_repr"(F64) -> Some(Object), Null, New);

// Exceptions: `raise`, `try`/`except`/`finally` (`backend/codegen/exception.rs`).
primitive!(PY_TYPE_GET_FLAGS = "PyType_GetFlags"(Object) -> Some(I64), Never, Borrowed);
primitive!(PY_OBJECT_CALL_NO_ARGS = "PyObject_CallNoArgs"(Object) -> Some(Object), Null, New);
primitive!(
    /// Steals the cause (NULL: `from None`).
    PY_EXCEPTION_SET_CAUSE = "PyException_SetCause"(Object, Object) -> None, Never, Borrowed, steals 1
);
primitive!(PY_EXCEPTION_GET_TRACEBACK = "PyException_GetTraceback"(Object) -> Some(Object), Never, New);
primitive!(PY_EXCEPTION_SET_TRACEBACK = "PyException_SetTraceback"(Object, Object) -> Some(I32), Negative, Borrowed);
primitive!(
    /// Out-parameters: three `PyObject**`, each given a new reference or NULL.
    PY_ERR_FETCH = "PyErr_Fetch"(Ptr, Ptr, Ptr) -> None, Never, Borrowed
);
primitive!(PY_ERR_NORMALIZE_EXCEPTION = "PyErr_NormalizeException"(Ptr, Ptr, Ptr) -> None, Never, Borrowed);
primitive!(PY_ERR_RESTORE = "PyErr_Restore"(Object, Object, Object) -> None, Never, Borrowed, steals 0, 1, 2);
primitive!(PY_ERR_GET_EXC_INFO = "PyErr_GetExcInfo"(Ptr, Ptr, Ptr) -> None, Never, Borrowed);
primitive!(PY_ERR_SET_EXC_INFO = "PyErr_SetExcInfo"(Object, Object, Object) -> None, Never, Borrowed, steals 0, 1, 2);
primitive!(PY_ERR_GIVEN_EXCEPTION_MATCHES = "PyErr_GivenExceptionMatches"(Object, Object) -> Some(I32), Never, Borrowed);
primitive!(
    /// `LOAD_METHOD`'s lookup (exported 3.7-3.13): 1 and the type's
    /// function or method descriptor when the call passes `obj` first,
    /// else 0 and the attribute's value; the out-parameter holds a new
    /// reference, or NULL with the lookup's error set.
    PY_OBJECT_GET_METHOD = "_PyObject_GetMethod"(Object, Object, Ptr) -> Some(I32), Never, Borrowed
);
// The type's attribute through its MRO, no instance dict, no descriptor
// call (the special-method lookup's first step; NULL without an error
// when missing).
primitive!(PY_TYPE_LOOKUP = "_PyType_Lookup"(Object, Object) -> Some(Object), Never, Borrowed);
primitive!(PY_OBJECT_TYPE = "PyObject_Type"(Object) -> Some(Object), Null, New);
