# Name lists: core/tools/gen_lists.py compiles the vendored text lists in
# core/data (disposable, allowlist, free, role, popular, tlds) into constant C
# tables at build time (see core/src/lists.h). Included by
# core/CMakeLists.txt; works natively and under emcmake (the generator runs
# on the host Python either way).
# The encoding (Rice-coded hash values, lists.h) has no knobs on purpose: native and WebAssembly builds compile the same
# generated file from the same lists, so they cannot disagree on a domain.
set(MP_LISTS_DATA_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(MP_LISTS_C ${MP_GEN_DIR}/lists_data.c)
# The TLD names themselves, for tests/unit/test_tlds.c only.
set(MP_TLD_NAMES_H ${MP_GEN_DIR}/tld_names.h)

add_custom_command(
  OUTPUT ${MP_LISTS_C} ${MP_TLD_NAMES_H}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_lists.py
          ${MP_LISTS_DATA_DIR} ${MP_LISTS_C} ${MP_TLD_NAMES_H}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_lists.py
          ${MP_LISTS_DATA_DIR}/disposable.txt
          ${MP_LISTS_DATA_DIR}/disposable-allowlist.txt
          ${MP_LISTS_DATA_DIR}/free.txt
          ${MP_LISTS_DATA_DIR}/role.txt
          ${MP_LISTS_DATA_DIR}/popular.txt
          ${MP_LISTS_DATA_DIR}/tlds.txt
  COMMENT "Generating list tables (disposable, free, role, popular, tlds)"
  VERBATIM)

list(APPEND MP_CORE_GENERATED ${MP_LISTS_C})
