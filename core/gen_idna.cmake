# IDNA tables: core/tools/gen_idna.py turns the vendored UTS #46 mapping
# table and the derived UCD properties (core/data/idna/) into C range tables
# at build time. Included by core/CMakeLists.txt; works natively and under
# emcmake (the generator runs on the host Python either way).
set(MP_IDNA_DATA_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data/idna)
set(MP_IDNA_TABLES_C ${MP_GEN_DIR}/idna_tables.c)
set(MP_IDNA_TABLES_H ${MP_GEN_DIR}/idna_tables.h)

add_custom_command(
  OUTPUT ${MP_IDNA_TABLES_C} ${MP_IDNA_TABLES_H}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_idna.py generate
          --data ${MP_IDNA_DATA_DIR}
          --out-c ${MP_IDNA_TABLES_C} --out-h ${MP_IDNA_TABLES_H}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_idna.py
          ${MP_IDNA_DATA_DIR}/mappingTable.json
          ${MP_IDNA_DATA_DIR}/ucd-idna-15.0.0.txt
  COMMENT "Generating IDNA tables (UTS #46, IDNA2008, NFC)"
  VERBATIM)

list(APPEND MP_CORE_GENERATED ${MP_IDNA_TABLES_C} ${MP_IDNA_TABLES_H})
