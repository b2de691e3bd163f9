# test_serve_store is the store's conformance suite: SQLite as registered
# by the loop in CMakeLists.txt, and again against the private PostgreSQL
# server of tests/fixture/postgres.sh (FIXTURES_REQUIRED mp_postgres, see
# tests/CMakeLists.txt) as test_serve_store_pg.
target_compile_definitions(test_serve_store PRIVATE MP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME test_serve_store_pg COMMAND test_serve_store)
set_tests_properties(test_serve_store_pg PROPERTIES
  LABELS "postgres;native"
  FIXTURES_REQUIRED mp_postgres
  TIMEOUT 300
  ENVIRONMENT "MP_TEST_PG_RUN=${MP_PG_RUN_DIR}")
