# Runs one libFuzzer binary for $ENV{MP_FUZZ_SECONDS} seconds (default 30).
# Called by ctest as: cmake -DFUZZER=... -DWORK_DIR=... -DSEED_DIRS=a|b -DMAX_LEN=n -P run_fuzzer.cmake
# The work directory collects the corpus libFuzzer grows (kept between runs,
# so each run starts where the last one stopped); crash files land there too.
set(seconds 30)
if(DEFINED ENV{MP_FUZZ_SECONDS} AND NOT "$ENV{MP_FUZZ_SECONDS}" STREQUAL "")
  set(seconds $ENV{MP_FUZZ_SECONDS})
endif()
if(NOT seconds MATCHES "^[0-9]+$")
  message(FATAL_ERROR "MP_FUZZ_SECONDS must be a whole number of seconds, not '${seconds}'")
endif()

file(MAKE_DIRECTORY ${WORK_DIR}/corpus)
string(REPLACE "|" ";" seeds "${SEED_DIRS}")
message(STATUS "fuzzing ${FUZZER} for ${seconds}s (seeds: ${seeds})")
execute_process(
  COMMAND ${FUZZER} -max_total_time=${seconds} -max_len=${MAX_LEN} -timeout=10
          -artifact_prefix=${WORK_DIR}/ -print_final_stats=1
          ${WORK_DIR}/corpus ${seeds}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); reproducer in ${WORK_DIR}/")
endif()
