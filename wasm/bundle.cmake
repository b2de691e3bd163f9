# Makes the deployable files from the Emscripten output (cmake -P script).
# mailcheck.mjs is the hand-written API with the glue inlined in place of its
# `import ... from './mailcheck-glue.mjs'` line, so a site copies two files:
# mailcheck.mjs and mailcheck.wasm. Also lays out the npm package in NPM_DIR.
# In: GLUE (mailcheck-glue.mjs; its .wasm beside it), API, SOURCE_DIR, WEB_DIR, NPM_DIR.
get_filename_component(glue_dir ${GLUE} DIRECTORY)
get_filename_component(glue_name ${GLUE} NAME_WE)
file(READ ${GLUE} glue)
file(READ ${API} api)

set(export_line "export default createMailcheckModule;")
string(FIND "${glue}" "${export_line}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "bundle.cmake: '${export_line}' not found in ${GLUE} (Emscripten changed?)")
endif()
string(REPLACE "${export_line}" "" glue "${glue}")

set(import_line "import createMailcheckModule from './mailcheck-glue.mjs';")
string(FIND "${api}" "${import_line}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "bundle.cmake: '${import_line}' not found in ${API}")
endif()
string(REPLACE "${import_line}"
  "// ---- Emscripten glue (generated, inlined by wasm/bundle.cmake) ----\n${glue}\n// ---- end of the Emscripten glue ----"
  bundled "${api}")

foreach(dir ${WEB_DIR} ${NPM_DIR})
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/mailcheck.mjs "${bundled}")
  configure_file(${glue_dir}/${glue_name}.wasm ${dir}/mailcheck.wasm COPYONLY)
  configure_file(${SOURCE_DIR}/mailcheck.d.ts ${dir}/mailcheck.d.ts COPYONLY)
endforeach()
configure_file(${SOURCE_DIR}/package.json ${NPM_DIR}/package.json COPYONLY)
