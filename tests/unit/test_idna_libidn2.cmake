# The differential IDNA test also links libidn2 (a native library: the
# test is labelled `native`).
find_package(PkgConfig REQUIRED)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
target_link_libraries(${name} PRIVATE PkgConfig::IDN2)
