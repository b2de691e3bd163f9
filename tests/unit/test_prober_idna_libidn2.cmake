# The differential IDNA test links libidn2 (native only, like every
# test_prober_* program).
find_package(PkgConfig REQUIRED)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
target_link_libraries(${name} PRIVATE PkgConfig::IDN2)
