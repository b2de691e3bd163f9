/* The job runner's contract that needs no prober (jobs.h): its errors have
 * names. Jobs end to end: tests/integration/test_serve*.py.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include "jobs.h"
#include "test.h"

TEST(job_errors_have_names)
{
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_OK), "ok");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_TOO_MANY), "too_many");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_BUSY), "busy");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_STORE), "store");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_ERROR_COUNT), "?");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_CANCELLED), "cancelled");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_DELETED), "deleted");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_NOT_FOUND), "not_found");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_STORE), "store");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_COUNT), "?");
}

int main(void)
{
    RUN(job_errors_have_names);
    return test_report();
}
