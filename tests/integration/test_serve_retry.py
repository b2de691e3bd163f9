# ctest-labels: integration fixture
# ctest-stores: sqlite postgresql
"""Background re-verification (issue 13): a job's temporary answers are not
final. Greylisted addresses at the fixture's grey.mptest (postgrey, 3 s)
end `deliverable` / `undeliverable` on the retry schedule without any
option asking for it (only the schedule's waits shortened to seconds), also
across a kill -9 and restart in the middle of the wait; meanwhile the job
says `retrying` with how many wait and when the next is due, in GET and in
the event stream; an address is final `unknown` only when its schedule is
used up."""
import signal
import threading
import time

import mptest
from mpserve import Server, metric
from mptest import check, check_eq, test

SCHEDULE = "5s,5s"  # postgrey lets a triplet through after 3 s
GREY = ["alice@grey.mptest", "bob@grey.mptest", "zed@grey.mptest"]
WANT = {"alice@grey.mptest": "deliverable", "bob@grey.mptest": "deliverable", "zed@grey.mptest": "undeliverable"}


def server(*args):
    sender = "%s@fixture-test.mptest" % mptest.unique("retry")  # a fresh greylisting triplet
    return Server("--from", sender, "--no-access-log", *args)


def statuses(s, job_id):
    status, _, data = s.request("GET", "/v1/jobs/%s/results" % job_id)
    check_eq(status, 200, "results")
    return {r["email"]: (r["status"], r["reason"]) for r in mptest.parse_ndjson(data.decode())}


def wait_state(s, job_id, state, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = s.json("GET", "/v1/jobs/" + job_id)
        if job["state"] == state:
            return job
        time.sleep(0.1)
    raise AssertionError("job never %s: %r" % (state, job))


def events(s, job_id, out):
    out.extend(mptest.job_events("127.0.0.1", s.port, job_id, 60)[0])


@test
def greylisted_addresses_end_with_their_verdict_on_the_schedule():
    s = server("--retry-schedule", SCHEDULE)
    try:
        job = s.json("POST", "/v1/jobs", {"emails": GREY}, expect=202)
        seen = []
        t = threading.Thread(target=events, args=(s, job["id"], seen))
        t.start()
        waiting = wait_state(s, job["id"], "retrying")
        check_eq((waiting["retrying"], waiting["done"]), (3, 0), "all three wait, none final")
        check(waiting["next_retry_at"] and waiting["next_retry_at"] > time.time() - 1, "the next attempt's time")
        final = s.wait_job(job["id"], timeout=60)
        t.join(30)
        check_eq(final["state"], "done", "done")
        check_eq((final["retrying"], final["next_retry_at"]), (0, None), "nothing waits any more")
        got = statuses(s, job["id"])
        check_eq({e: v[0] for e, v in got.items()}, WANT, "verdicts after the wait")
        check_eq(got["alice@grey.mptest"][1], "accepted", "alice's reason")
        check(any(e.get("state") == "retrying" and e.get("retrying") == 3 for e in seen),
              "the event stream said retrying: %r" % seen[:3])
        check(metric(s, "mailprobe_job_retries_scheduled_total") >= 3, "retries counted in /metrics")
    finally:
        s.stop()


@test
def a_kill_9_in_the_middle_of_the_wait_loses_nothing():
    s = server("--retry-schedule", "8s")
    try:
        job = s.json("POST", "/v1/jobs", {"emails": GREY}, expect=202)
        wait_state(s, job["id"], "retrying")
        s.stop(signal.SIGKILL, keep_dir=True)
        time.sleep(1)
        s.start()
        check_eq(s.json("GET", "/v1/jobs/" + job["id"])["state"], "retrying", "still waiting after the restart")
        final = s.wait_job(job["id"], timeout=60)
        check_eq(final["state"], "done", "done after the restart")
        check_eq({e: v[0] for e, v in statuses(s, job["id"]).items()}, WANT, "verdicts")
    finally:
        s.stop()


@test
def an_answer_is_final_unknown_only_when_the_schedule_is_used_up():
    # One retry after 1 s: postgrey still says 450 (it waits 3 s), and no
    # wait is left, so that answer is the result.
    s = server("--retry-schedule", "1s")
    try:
        started = time.monotonic()
        job = s.json("POST", "/v1/jobs", {"emails": GREY[:1]}, expect=202)
        final = s.wait_job(job["id"], timeout=30)
        check_eq(statuses(s, job["id"]), {GREY[0]: ("unknown", "greylisted")}, "final after the schedule")
        check(time.monotonic() - started >= 1, "after one retry")
        check(metric(s, "mailprobe_job_retries_scheduled_total") == 1, "exactly one retry")
        check_eq(final["retrying"], 0, "not retrying once final")
    finally:
        s.stop()


@test
def with_the_schedule_off_a_temporary_answer_is_final_at_once():
    s = server("--retry-schedule", "off")
    try:
        job = s.json("POST", "/v1/jobs", {"emails": GREY[:1]}, expect=202)
        s.wait_job(job["id"], timeout=30)
        check_eq(statuses(s, job["id"]), {GREY[0]: ("unknown", "greylisted")}, "final at once")
        check_eq(metric(s, "mailprobe_job_retries_scheduled_total"), 0, "no retry")
    finally:
        s.stop()


@test
def serve_refuses_greylist_wait_and_bad_schedules():
    import subprocess
    for args, words in ((["--greylist-wait", "5"], "--retry-schedule"), (["--retry-schedule", "5m,,1h"], "empty wait"),
                        (["--retry-schedule", "500ms"], "retry schedule")):
        out = subprocess.run([mptest.MAILPROBE, "serve", *args], capture_output=True, text=True, timeout=10)
        check_eq(out.returncode, 2, "exit status for %s" % args)
        check(words in out.stderr, "%s: %r" % (args, out.stderr))


if __name__ == "__main__":
    mptest.main()
