# Name lists: core/tools/gen_lists.py compiles the vendored text lists in
# core/data (disposable, allowlist, free, role, popular) into constant C
# tables at build time (see core/src/lists.h). Included by
# core/CMakeLists.txt; works natively and under emcmake (the generator runs
# on the host Python either way).
# The encoding (Rice-coded hash values, false positive 2^-19 a lookup) has
# no knobs on purpose: native and WebAssembly builds compile the same
# generated file from the same lists, so they cannot disagree on a domain.
set(MP_LISTS_DATA_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(MP_LISTS_C ${MP_GEN_DIR}/lists_data.c)

add_custom_command(
  OUTPUT ${MP_LISTS_C}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_lists.py
          ${MP_LISTS_DATA_DIR} ${MP_LISTS_C}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_lists.py
          ${MP_LISTS_DATA_DIR}/disposable.txt
          ${MP_LISTS_DATA_DIR}/disposable-allowlist.txt
          ${MP_LISTS_DATA_DIR}/free.txt
          ${MP_LISTS_DATA_DIR}/role.txt
          ${MP_LISTS_DATA_DIR}/popular.txt
  COMMENT "Generating list tables (disposable, free, role, popular)"
  VERBATIM)

list(APPEND MP_CORE_GENERATED ${MP_LISTS_C})
