# Lays out the deployable files (cmake -P script): mailcheck.mjs (the
# hand-written API; it instantiates the module itself, there is no glue)
# and mailcheck.wasm into WEB_DIR, so a site copies two files; and the same
# plus mailcheck.d.ts into NPM_DIR, which packaging/ turns into the npm package.
# The copies of mailcheck.mjs are minified (minify.mjs, with Debian's
# node-terser): comments and long names are for readers of wasm/mailcheck.mjs.
# In: WASM, API, NODE, SOURCE_DIR, WEB_DIR, NPM_DIR.
foreach(dir ${WEB_DIR} ${NPM_DIR})
  file(MAKE_DIRECTORY ${dir})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
      ${NODE} ${SOURCE_DIR}/minify.mjs ${API} ${dir}/mailcheck.mjs
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mailprobe: minify.mjs could not write ${dir}/mailcheck.mjs (see above)")
  endif()
  configure_file(${WASM} ${dir}/mailcheck.wasm COPYONLY)
  configure_file(${SOURCE_DIR}/mailcheck.d.ts ${dir}/mailcheck.d.ts COPYONLY)
endforeach()
