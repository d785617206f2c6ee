/* The whole engine on the fake backend in auto mode: every job gets
 * exactly one result, whatever happens to the backend. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/job.h"
#include "fake_be.h"

#define NJOBS 50

struct run {
    unsigned next;
    unsigned njobs;
    unsigned results[NJOBS];
    unsigned ok, errors;
    int last_err;
    char urls[NJOBS][64];
    /* inputs */
    unsigned chunks;
    bool input_over;
};

static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    if (r->next == r->njobs)
        return RF_JOB_NONE;
    unsigned i = r->next++;
    snprintf(r->urls[i], sizeof r->urls[i], "http://127.0.0.1:9/f%u", i);
    job->url = r->urls[i];
    job->path = NULL;
    job->user = (void *)(uintptr_t)i;
    return RF_JOB_READY;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    unsigned i = (unsigned)(uintptr_t)res->user;
    r->results[i]++;
    if (res->outcome == RF_OK)
        r->ok++;
    else
        r->errors++;
    r->last_err = res->err;
}

static const char REPLY[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";

static void every_job_ends_ok_on_a_healthy_backend(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    struct run r = { .njobs = NJOBS };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    struct rf_stats st;
    assert_int_equal(engine_run_with(&f->b, 8, &opt, next_job, on_result, &r, &st), 0);
    assert_int_equal(r.ok, NJOBS);
    for (unsigned i = 0; i < NJOBS; i++)
        assert_int_equal(r.results[i], 1);
    assert_int_equal(st.peak_inflight, 8);
    assert_true(st.reused > 0);
}

/* Issue 8: a fatal error from the wait dropped the jobs in flight without
 * a result and leaked their memory. Every job pulled gets one result. */
static void a_failing_wait_still_gives_every_job_one_result(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    f->wait_fail_after = 3;
    f->wait_fail_err = -EFAULT;
    struct run r = { .njobs = NJOBS };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    struct rf_stats st;
    assert_int_equal(engine_run_with(&f->b, 8, &opt, next_job, on_result, &r, &st), -EFAULT);
    assert_true(r.next > 0);
    for (unsigned i = 0; i < r.next; i++)
        assert_int_equal(r.results[i], 1);
    assert_true(r.errors > 0);
    assert_int_equal(r.ok + r.errors, r.next);
    assert_int_equal(r.last_err, -EFAULT);
    assert_non_null(st.failed);
    /* (ASan's leak check runs over this too: nothing of the jobs may leak.) */
}

/* A list read through the backend: next_job says LATER until the input
 * brings a line; the run does not end while the input is open. */
static char input_lines[2][64];
static unsigned input_ready;

static int on_input(void *ctx, const char *buf, long len)
{
    struct run *r = ctx;
    (void)buf;
    if (len <= 0) {
        r->input_over = true;
        return RF_INPUT_MORE;
    }
    r->chunks++;
    input_ready++;
    return RF_INPUT_PAUSE;
}

static int next_from_input(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    if (input_ready == 0)
        return r->input_over ? RF_JOB_NONE : RF_JOB_LATER;
    input_ready--;
    unsigned i = r->next++;
    snprintf(input_lines[i % 2], sizeof input_lines[0], "http://127.0.0.1:9/in%u", i);
    job->url = input_lines[i % 2];
    job->user = (void *)(uintptr_t)i;
    return RF_JOB_READY;
}

static void an_input_is_read_through_the_backend(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->reply = REPLY;
    struct run r = { .njobs = 0 };
    struct rf_input in = { .fd = 5, .on_data = on_input };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.inputs = &in;
    opt.ninputs = 1;
    input_ready = 0;
    /* Drive by hand: the engine's loop runs inside engine_run_with, so the
     * autopilot answers everything but the input's reads, which this test
     * answers through the wait hook below. */
    f->autopilot = true;
    f->input_script = (const long[]){ 10, 10, 0 };
    f->input_fd = 5;
    struct rf_stats st;
    assert_int_equal(engine_run_with(&f->b, 4, &opt, next_from_input, on_result, &r, &st), 0);
    assert_int_equal(r.chunks, 2);
    assert_true(r.input_over);
    assert_int_equal(r.ok, 2);
}

/* RF_JOB_LATER with a wake time: nothing in flight, no input, and yet the
 * run waits for that time instead of ending. */
static uint64_t wake_at;
static unsigned wake_asks;

static int next_after_a_while(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    wake_asks++;
    if (r->next == 1)
        return RF_JOB_NONE;
    if (rf_now_ns() < wake_at) {
        job->wake_ns = wake_at;
        return RF_JOB_LATER;
    }
    return next_job(ctx, job);
}

static void later_with_a_wake_time_waits_for_it(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    struct run r = { .njobs = 1 };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    struct rf_stats st;
    wake_at = rf_now_ns() + 50000000;
    wake_asks = 0;
    assert_int_equal(engine_run_with(&f->b, 4, &opt, next_after_a_while, on_result, &r, &st), 0);
    assert_true(rf_now_ns() >= wake_at);
    assert_int_equal(r.ok, 1);
    /* Asked again when the timer said so, not in a busy loop. */
    assert_true(wake_asks >= 2 && wake_asks <= 5);
}

/* --rate: starts to one origin are spaced 1/rate apart. */
static void rate_per_host_spaces_the_starts(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    struct run r = { .njobs = 6 };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.rate_per_host = 20; /* 50 ms apart: 5 gaps */
    struct rf_stats st;
    uint64_t t0 = rf_now_ns();
    assert_int_equal(engine_run_with(&f->b, 8, &opt, next_job, on_result, &r, &st), 0);
    uint64_t took = rf_now_ns() - t0;
    assert_int_equal(r.ok, 6);
    assert_true(took >= 250000000ull);
    assert_true(took < 2000000000ull);
}

static struct rf_result last;
static char last_final[128];

static void on_result_keep(void *ctx, const struct rf_result *res)
{
    on_result(ctx, res);
    last = *res;
    snprintf(last_final, sizeof last_final, "%s", res->final_url ? res->final_url : "");
}

static int run_one(struct fake_be *f, struct rf_options *opt, unsigned njobs, struct rf_stats *st, struct run *r)
{
    memset(r, 0, sizeof *r);
    r->njobs = njobs;
    f->autopilot = true;
    return engine_run_with(&f->b, 8, opt, next_job, on_result_keep, r, st);
}

/* Retries reach the engine: two 503s, then the file. */
static void transient_failures_are_retried_through_the_engine(void **state)
{
    (void)state;
    static const char *const replies[] = {
        "HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n",
        REPLY,
    };
    struct fake_be *f = fake_be_new(64, 4096);
    f->replies = replies;
    f->nreplies = 3;
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.retries = 3;
    struct rf_stats st;
    struct run r;
    assert_int_equal(run_one(f, &opt, 1, &st, &r), 0);
    assert_int_equal(r.ok, 1);
    assert_int_equal(last.attempts, 3);
    assert_int_equal(st.retries, 2);
}

/* Redirects reach the engine: a 301 to a relative Location, then the file. */
static void redirects_are_followed_through_the_engine(void **state)
{
    (void)state;
    static const char *const replies[] = {
        "HTTP/1.1 301 Moved\r\nLocation: /moved/here\r\nContent-Length: 0\r\n\r\n",
        REPLY,
    };
    struct fake_be *f = fake_be_new(64, 4096);
    f->replies = replies;
    f->nreplies = 2;
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.max_redirects = 5;
    struct rf_stats st;
    struct run r;
    assert_int_equal(run_one(f, &opt, 1, &st, &r), 0);
    assert_int_equal(r.ok, 1);
    assert_int_equal(last.redirects, 1);
    assert_string_equal(last_final, "http://127.0.0.1:9/moved/here");
    assert_int_equal(st.redirects, 1);
}

/* Pipelining reaches the engine: one connection (the cap), several
 * requests on it at once. */
static void pipelining_puts_several_requests_on_one_connection(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    f->reply = REPLY;
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.pipeline = 4;
    opt.max_per_host = 1;
    struct rf_stats st;
    struct run r;
    assert_int_equal(run_one(f, &opt, 20, &st, &r), 0);
    assert_int_equal(r.ok, 20);
    assert_int_equal(st.connects, 1);
    assert_true(st.pipelined > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_job_ends_ok_on_a_healthy_backend),
        cmocka_unit_test(a_failing_wait_still_gives_every_job_one_result),
        cmocka_unit_test(an_input_is_read_through_the_backend),
        cmocka_unit_test(later_with_a_wake_time_waits_for_it),
        cmocka_unit_test(rate_per_host_spaces_the_starts),
        cmocka_unit_test(transient_failures_are_retried_through_the_engine),
        cmocka_unit_test(redirects_are_followed_through_the_engine),
        cmocka_unit_test(pipelining_puts_several_requests_on_one_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
