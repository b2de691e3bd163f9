# mp_test_tags(<file> <labels-var> <links-var>): what a test file says about
# itself. Every test file names its ctest labels on a line of its own
# header comment, and a C test the libraries it links:
#
#   /* ... ctest-labels: unit native       (C: `native` = not under Emscripten)
#    *     ctest-links: mpengine */         (C only; default mpcore)
#   # ctest-labels: integration             (Python)
#   // ctest-labels: e2e browser fixture    (JavaScript)
#
# The words are the file's ctest labels (docs/testing.md lists them all);
# the build reads them, so no CMakeLists keeps a list of files or infers a
# label from a name. A test file without the line stops the configure step.
function(mp_test_tags file labels_var links_var)
  file(STRINGS ${file} lines LIMIT_INPUT 8192 REGEX "ctest-(labels|links):")
  set(labels)
  set(links)
  foreach(line IN LISTS lines)
    if(line MATCHES "ctest-labels:[ \t]*([A-Za-z0-9_ \t-]*)")
      string(STRIP "${CMAKE_MATCH_1}" words)
      string(REGEX REPLACE "[ \t]+" ";" labels "${words}")
    elseif(line MATCHES "ctest-links:[ \t]*([A-Za-z0-9_:. \t-]*)")
      string(STRIP "${CMAKE_MATCH_1}" words)
      string(REGEX REPLACE "[ \t]+" ";" links "${words}")
    endif()
  endforeach()
  if(NOT labels)
    message(FATAL_ERROR "${file}: no 'ctest-labels:' line in its header (see docs/testing.md)")
  endif()
  # Editing the line re-runs the configure step.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  set(${labels_var} ${labels} PARENT_SCOPE)
  set(${links_var} ${links} PARENT_SCOPE)
endfunction()
