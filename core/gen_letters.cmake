# Letters, marks and digits for non-ASCII local parts: core/tools/gen_letters.py
# compiles core/data/letters.txt into varint steps (letters_data.c, read by
# core/src/letters.c) and plain pairs for the unit test (letters_pairs.h).
# Included by core/CMakeLists.txt, natively and under emcmake.
set(MP_LETTERS_C ${MP_GEN_DIR}/letters_data.c)
set(MP_LETTERS_PAIRS ${MP_GEN_DIR}/letters_pairs.h)
add_custom_command(
  OUTPUT ${MP_LETTERS_C} ${MP_LETTERS_PAIRS}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_letters.py
          ${CMAKE_CURRENT_SOURCE_DIR}/data/letters.txt ${CMAKE_CURRENT_SOURCE_DIR}/data/nfc-growth.txt
          ${MP_LETTERS_C} ${MP_LETTERS_PAIRS}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_letters.py ${CMAKE_CURRENT_SOURCE_DIR}/data/letters.txt
          ${CMAKE_CURRENT_SOURCE_DIR}/data/nfc-growth.txt
  COMMENT "Generating the letter/mark/digit ranges"
  VERBATIM)
list(APPEND MP_CORE_GENERATED ${MP_LETTERS_C})
