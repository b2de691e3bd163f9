# ctest-labels: integration fixture
# ctest-stores: sqlite postgresql
"""`mailprobe serve` crash recovery: a job killed with SIGKILL half-way
resumes when the server restarts, and every address ends with exactly one
result, in input order — nothing lost, nothing duplicated. Also a clean
SIGTERM mid-job resumes the same way."""
import signal
import time

import mptest
from mptest import check, check_eq, test
from mpserve import Server

del mptest._tests[:]  # importing test_serve registered its tests; run only ours

# Mixed outcomes at the fixture's Postfix; one SMTP session per address at
# 10 new sessions per second makes 150 addresses take ~15 s, so the kill
# lands in the middle of the job.
N = 150
USERS = ["alice", "bob", "carol", "zed", "info"]
EMAILS = ["%s@known.mptest" % USERS[i % len(USERS)] if i % 7 else "nobody%d@known.mptest" % i for i in range(N)]
SLOW = ["--max-rcpt-per-session", "1", "--per-host-rate", "10", "--per-host-connections", "2",
        "--job-in-flight", "8", "--no-catch-all"]


def db_counts(server, job_id):
    rows = server.db_query("SELECT count(*), sum(CASE WHEN done THEN 1 ELSE 0 END), count(result) FROM job_items "
                           "WHERE job_id = ?", job_id)[0]
    job_done = server.db_query("SELECT done FROM jobs WHERE id = ?", job_id)[0][0]
    return rows, job_done


def run_interrupted(sig):
    s = Server(*SLOW)
    try:
        job = s.json("POST", "/v1/jobs", {"emails": EMAILS}, expect=202)
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline:
            done = s.json("GET", "/v1/jobs/" + job["id"])["done"]
            if done >= N // 4:
                break
            time.sleep(0.1)
        check(N // 4 <= done < N, "interrupted mid-way (done=%d)" % done)
        s.stop(sig, keep_dir=True)
        (total, done_rows, with_result), job_done = db_counts(s, job["id"])
        check_eq(total, N, "all addresses stored")
        check_eq(done_rows, with_result, "a row is done exactly when it has its result")
        check_eq(job_done, done_rows, "job counter matches rows")
        check(done_rows < N, "work left for the restart")
        # restart on the same database: the job resumes by itself
        s.start()
        final = s.wait_job(job["id"], timeout=120)
        check_eq(final["state"], "done", "state")
        check_eq(final["done"], N, "done count")
        check_eq(sum(final["counts"].values()), N, "counts add up")
        status, _, data = s.request("GET", "/v1/jobs/%s/results" % job["id"])
        rows = mptest.parse_ndjson(data.decode())
        check_eq(len(rows), N, "exactly one result per address")
        check_eq([r["email"] for r in rows], EMAILS, "input order")
        for email, r in zip(EMAILS, rows):
            want = "deliverable" if email.split("@")[0] in ("alice", "bob", "carol", "info") else "undeliverable"
            check_eq(r["status"], want, email)
        (total, done_rows, with_result), job_done = db_counts(s, job["id"])
        check_eq((total, done_rows, with_result, job_done), (N, N, N, N), "database after resume")
        check("resumed_jobs\":1" in s.stderr(), "the restart reported the resumed job")
    finally:
        s.stop()


@test
def job_killed_with_sigkill_resumes_with_exact_results():
    run_interrupted(signal.SIGKILL)


@test
def job_stopped_with_sigterm_resumes_with_exact_results():
    run_interrupted(signal.SIGTERM)


if __name__ == "__main__":
    mptest.main()
