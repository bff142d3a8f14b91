#!/usr/bin/env bash
# The project's single test command: Rust tests, release build, the
# end-to-end differential suite (all of it on the default Python, a subset on
# every other CPython >= 3.9 the machine has), then the Python package's tests.
# Every part runs even when an earlier one failed; the exit status is 1 if
# any failed, and the summary at the end names them.
#
#   PYTHON=python3.X      the interpreter of the full suite (default python3)
#   PYC_AOT_PYTHONS="3.9 3.12"  the other versions to try (default 3.9–3.13)
#   PYC_AOT_TEST_CPUINFO=tests/cpuinfo/<cpu>.txt   behave as that CPU (see there)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

FAILED=()
NOTES=()
part() {  # part NAME CMD...: run one part, remember a failure, go on
    local name="$1"; shift
    echo "=== $name"
    if ! "$@"; then
        FAILED+=("$name")
        echo "=== FAILED: $name"
    fi
}

# The Cranelift verifier checks every function the suite compiles (release
# builds otherwise skip it).
export PYC_AOT_VERIFY=1

part "cargo test" cargo test --workspace --release
part "cargo build" cargo build --release

PY="${PYTHON:-python3}"
venv_with() {  # venv_with DIR PYTHON PACKAGES...: a venv that has the packages
    local dir="$1" py="$2"; shift 2
    if [ ! -x "$dir/bin/python" ]; then
        "$py" -m venv "$dir" || return 1
    fi
    local mods; mods=$(printf '%s,' "$@"); mods="${mods%,}"
    if ! "$dir/bin/python" -c "import $mods" 2>/dev/null; then
        "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || return 1
    fi
}

export PYC_AOT_BIN="${PYC_AOT_BIN:-$ROOT/target/release/pyc-aot}"
# playwright drives Debian's chromium for the annotate report's tests (it
# never downloads a browser of its own); ipython runs the notebook magic's.
if venv_with .venv "$PY" pytest numpy playwright IPython; then
    part "pytest (full suite, $(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'))" \
        .venv/bin/python -m pytest tests examples/arrays -q "$@"
else
    FAILED+=("venv for $PY")
fi

# The other CPython versions: the tests of every construct's semantics, the
# wrappers and reference counts, Python objects (their layouts and C-API differ
# between versions), targets, and memoryviews when NumPy installs.
SUBSET=(tests/test_arith.py tests/test_bytes_char_pointer.py tests/test_function_pointer_except.py tests/test_extern_except.py tests/test_extern_struct_by_value.py tests/test_dict_locals.py tests/test_module_cvars.py tests/test_control.py tests/test_logic.py tests/test_wrappers.py
        tests/test_struct_fn_pointer_fields.py tests/test_struct_inference.py tests/test_c_level_probe.py tests/test_fn_pointer_inference.py tests/test_shared_cfuncs.py tests/test_void_cfunc_entries.py tests/test_cclass_dataclass.py
        tests/test_capi_cython_names.py tests/test_c_array_init.py
        tests/test_refcounts.py tests/test_semantics.py tests/test_math.py tests/test_builtins.py
        tests/test_recursion.py tests/test_targets.py tests/test_pythons.py tests/test_leaks.py
        tests/test_objects.py tests/test_object_ops.py tests/test_object_fast.py tests/test_object_control.py tests/test_cclass.py
        tests/test_object_sig.py tests/test_pyclass.py tests/test_pyclass_defaults.py tests/test_percent_append.py tests/test_number_text.py tests/test_self_assign.py tests/test_cclass_inherit.py tests/test_cclass_special.py
        tests/test_struct_dict.py tests/test_ctuples.py tests/test_pxd_types.py tests/test_struct_memory.py tests/test_function_pointers.py
        tests/test_cclass_methods.py tests/test_cclass_pickle.py tests/test_cclass_calls.py
        tests/test_object_stmt.py tests/test_closures.py tests/test_ccomplex.py
        tests/test_examples_debug_malloc.py tests/test_buffer_export.py
        tests/test_super.py tests/test_object_str.py tests/test_frame_builtins.py tests/test_nested_native.py
        tests/test_generators_native.py tests/test_generators_more.py tests/test_generators.py tests/test_generators_expr.py tests/test_range_object_bounds.py
        tests/test_cclass_defaults.py tests/test_cclass_builtin_fields.py tests/test_cclass_cinit_args.py tests/test_range_step_version.py
        tests/test_pointer_induction.py tests/test_prange_lastprivate.py tests/test_prange_rules.py tests/test_matmul_prange.py tests/test_cclass_field_types.py tests/test_cclass_getset.py
        tests/test_cclass_devirt.py)
find_python() {  # find_python 3.X: an interpreter of that version, or nothing
    local v="$1" c
    for c in "python$v" "$(pyenv root 2>/dev/null)"/versions/"$v".*/bin/"python$v"; do
        if command -v "$c" >/dev/null 2>&1 \
            && [ "$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ]; then
            command -v "$c"; return
        fi
    done
}
main_version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
for v in ${PYC_AOT_PYTHONS:-3.9 3.10 3.11 3.12 3.13}; do
    [ "$v" = "$main_version" ] && continue
    py=$(find_python "$v")
    if [ -z "$py" ]; then
        NOTES+=("SKIPPED CPython $v: not installed on this machine")
        echo "=== SKIPPED CPython $v: not installed on this machine"
        continue
    fi
    dir=".venv-$v"
    if ! venv_with "$dir" "$py" pytest; then
        FAILED+=("venv for CPython $v"); continue
    fi
    tests=("${SUBSET[@]}")
    # NumPy only if a wheel installs: the memoryview tests need it, nothing else.
    if "$dir/bin/python" -c 'import numpy' 2>/dev/null \
        || "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: numpy 2>/dev/null; then
        tests+=(tests/test_memoryview.py)
    else
        NOTES+=("CPython $v: no NumPy wheel, memoryview tests not run")
    fi
    part "pytest (subset, CPython $v)" "$dir/bin/python" -m pytest "${tests[@]}" -q -p no:cacheprovider
done

# The Python package: maturin build, setuptools hook, import hook. Its modules
# are built for this machine's real CPU, so a faked one does not apply there.
part "runtime/run_tests.sh" env -u PYC_AOT_TEST_CPUINFO bash runtime/run_tests.sh

echo
for n in "${NOTES[@]}"; do echo "$n"; done
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "FAILED parts: ${FAILED[*]}"
    exit 1
fi
echo "all parts passed"
