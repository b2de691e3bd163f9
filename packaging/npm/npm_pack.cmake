# Packs the npm package (cmake -P script): stages the module files that the
# WebAssembly build left in NPM_DIR (mailcheck.mjs, .wasm, and .d.ts as
# mailcheck.d.mts), the widget
# from web/ (widget.js, its types, and api.js, which it imports for
# verification), README, LICENSE and the data licences, writes package.json
# with VERSION, and runs `npm pack` into OUT_DIR:
# mailprobe-mailcheck-VERSION.tgz.
# In: NPM, NPM_DIR, WEB_SOURCE_DIR, PACKAGING_DIR, SOURCE_DIR, STAGE, OUT_DIR, VERSION.
file(REMOVE_RECURSE ${STAGE})
file(MAKE_DIRECTORY ${STAGE} ${STAGE}/licenses ${OUT_DIR})
foreach(f mailcheck.mjs mailcheck.wasm mailcheck.d.ts)
  if(NOT EXISTS ${NPM_DIR}/${f})
    message(FATAL_ERROR "mailprobe: ${NPM_DIR}/${f} is missing: build the WebAssembly module first (make build)")
  endif()
endforeach()
file(COPY ${NPM_DIR}/mailcheck.mjs ${NPM_DIR}/mailcheck.wasm DESTINATION ${STAGE}
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# The declarations of a .mjs file are a .d.mts for TypeScript: widget.d.ts's
# `import type … from './mailcheck.mjs'` finds them only by that name.
configure_file(${NPM_DIR}/mailcheck.d.ts ${STAGE}/mailcheck.d.mts COPYONLY)
file(COPY ${WEB_SOURCE_DIR}/widget.js ${WEB_SOURCE_DIR}/widget.d.ts ${WEB_SOURCE_DIR}/api.js
  ${PACKAGING_DIR}/npm/README.md ${SOURCE_DIR}/LICENSE DESTINATION ${STAGE})
file(GLOB licences ${PACKAGING_DIR}/licenses/*)
file(COPY ${licences} DESTINATION ${STAGE}/licenses)
set(PROJECT_VERSION ${VERSION})
configure_file(${PACKAGING_DIR}/npm/package.json.in ${STAGE}/package.json @ONLY)

# No registry involved: the package has no dependencies and no scripts.
execute_process(COMMAND ${NPM} pack --ignore-scripts --pack-destination ${OUT_DIR} --loglevel=error
  WORKING_DIRECTORY ${STAGE} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
string(STRIP "${out}" out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "mailprobe-mailcheck-${VERSION}.tgz")
  message(FATAL_ERROR "mailprobe: npm pack failed (${rc}): ${out}")
endif()
