# Lays out the deployable files (cmake -P script): mailcheck.mjs (the
# hand-written API; it instantiates the module itself, there is no glue)
# and mailcheck.wasm into WEB_DIR, so a site copies two files; and the npm
# package (plus mailcheck.d.ts and package.json) into NPM_DIR.
# Full-line // comments are dropped from the copies: they are for readers of
# wasm/mailcheck.mjs, and cost ~1 KiB of the 64 KiB gzipped budget.
# In: WASM, API, SOURCE_DIR, WEB_DIR, NPM_DIR.
file(READ ${API} api)
# A comment line is a newline, blanks, //, anything but a newline.
string(REGEX REPLACE "\n[ \t]*//[^\n]*" "" api "${api}")
string(REGEX REPLACE "^//[^\n]*\n" "" api "${api}")
foreach(dir ${WEB_DIR} ${NPM_DIR})
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/mailcheck.mjs "// mailcheck.mjs: mailprobe's core as WebAssembly. Source, docs and licence:\n// wasm/mailcheck.mjs and docs/wasm.md in the mailprobe repository.\n${api}")
  configure_file(${WASM} ${dir}/mailcheck.wasm COPYONLY)
  configure_file(${SOURCE_DIR}/mailcheck.d.ts ${dir}/mailcheck.d.ts COPYONLY)
endforeach()
configure_file(${SOURCE_DIR}/package.json ${NPM_DIR}/package.json COPYONLY)
