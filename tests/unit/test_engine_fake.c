/* The whole engine on the fake backend in auto mode: every job gets
 * exactly one result, whatever happens to the backend. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* rf_options.batch_wait_us is the longest a wait holds out for a batch
 * (ringload's --batch-us); 0 makes every wait return at the first completion. */
static unsigned batch_run(unsigned batch_wait_us, int64_t *max_batch_ns)
{
    struct fake_be *f = fake_be_new(128, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    struct run r = { .njobs = NJOBS };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.batch_wait_us = batch_wait_us;
    struct rf_stats st;
    struct fake_waits seen = { 0, 0 };
    f->waits_seen = &seen;
    assert_int_equal(engine_run_with(&f->b, 40, &opt, next_job, on_result, &r, &st), 0);
    assert_int_equal(r.ok, NJOBS);
    *max_batch_ns = seen.max_batch_ns;
    return seen.max_nr;
}

static void the_batch_window_is_the_options_and_zero_waits_for_one(void **state)
{
    (void)state;
    int64_t ns;
    struct rf_options def;
    rf_options_default(&def);
    assert_true(def.batch_wait_us > 0); /* the downloaders batch */
    assert_true(batch_run(250, &ns) > 1);
    assert_int_equal(ns, 250000);
    assert_int_equal(batch_run(0, &ns), 1);
    assert_int_equal(ns, 0);
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

/* Issue 8 item 7, errors at every step: an operation of one kind fails
 * every time. Each job ends once, with an error naming the cause, and the
 * run ends (nothing waits forever, nothing leaks: ASan checks). */
static char last_msg[256];
static char fail_paths[NJOBS][64];
/* The files' folder: a real one, since the sink opens its folder itself
 * (the fake backend only sees the operations on the files). */
static char fail_dir[] = "/tmp/rf-engine-fake-XXXXXX";

static void on_result_message(void *ctx, const struct rf_result *res)
{
    on_result(ctx, res);
    rf_result_message(res, last_msg, sizeof last_msg);
}

static int next_file_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    unsigned i = r->next;
    int rc = next_job(ctx, job);
    if (rc == RF_JOB_READY) {
        snprintf(fail_paths[i], sizeof fail_paths[i], "%s/f%u", fail_dir, i);
        job->path = fail_paths[i];
    }
    return rc;
}

static void run_with_a_failing(enum fake_op op, int err, bool files, const char *words)
{
    struct fake_be *f = fake_be_new(64, 4096);
    f->autopilot = true;
    f->reply = REPLY;
    f->fail_res[op] = err;
    struct run r = { .njobs = 12 };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.retries = 0;
    struct rf_stats st;
    last_msg[0] = '\0';
    assert_non_null(mkdtemp(fail_dir));
    assert_int_equal(engine_run_with(&f->b, 4, &opt, files ? next_file_job : next_job, on_result_message,
                                     &r, &st), 0);
    assert_int_equal(rmdir(fail_dir), 0); /* (nothing was made in it: the files are the fake's) */
    strcpy(fail_dir + strlen(fail_dir) - 6, "XXXXXX");
    assert_int_equal(r.next, 12);
    for (unsigned i = 0; i < r.next; i++)
        assert_int_equal(r.results[i], 1);
    assert_int_equal(r.ok, 0);
    assert_int_equal(r.errors, 12);
    assert_int_equal(r.last_err, err);
    if (!strstr(last_msg, words))
        fail_msg("the message '%s' does not say '%s'", last_msg, words);
}

static void a_failing_socket_ends_each_job_once_naming_it(void **state)
{
    (void)state;
    run_with_a_failing(FAKE_SOCKET, -EMFILE, false, "Too many open files");
}

static void a_failing_send_ends_each_job_once_naming_it(void **state)
{
    (void)state;
    run_with_a_failing(FAKE_SEND, -EPIPE, false, "Broken pipe");
}

static void a_file_that_cannot_be_opened_ends_each_job_once_naming_it(void **state)
{
    (void)state;
    run_with_a_failing(FAKE_OPENAT, -EACCES, true, "Permission denied");
    run_with_a_failing(FAKE_OPENAT, -ENOSPC, true, "No space left on device");
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
static char last_proxy[64];   /* rf_result.proxy lives as long as the run */

static void on_result_keep(void *ctx, const struct rf_result *res)
{
    on_result(ctx, res);
    last = *res;
    snprintf(last_final, sizeof last_final, "%s", res->final_url ? res->final_url : "");
    snprintf(last_proxy, sizeof last_proxy, "%s", res->proxy ? res->proxy : "(none)");
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

/* Jobs from a fixed list of URLs (run_urls). */
static const char *const *url_list;
static int next_listed(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    if (r->next == r->njobs)
        return RF_JOB_NONE;
    unsigned i = r->next++;
    job->url = url_list[i];
    job->path = NULL;
    job->user = (void *)(uintptr_t)i;
    return RF_JOB_READY;
}

static int run_urls(struct fake_be *f, struct rf_options *opt, const char *const *urls, unsigned n,
                    unsigned window, struct rf_stats *st, struct run *r)
{
    memset(r, 0, sizeof *r);
    r->njobs = n;
    url_list = urls;
    f->autopilot = true;
    return engine_run_with(&f->b, window, opt, next_listed, on_result_keep, r, st);
}

static bool connected_to(const struct fake_log *l, unsigned i, const char *addr, unsigned port)
{
    char got[INET_ADDRSTRLEN];
    if (i >= l->nconnects)
        return false;
    inet_ntop(AF_INET, &l->connects[i].sin_addr, got, sizeof got);
    return strcmp(got, addr) == 0 && ntohs(l->connects[i].sin_port) == port;
}

/* http:// through a proxy: requests in absolute form, with the proxy's
 * credentials, on connections to the proxy that serve every origin. */
static void http_through_a_proxy_shares_its_connections_across_origins(void **state)
{
    (void)state;
    static const char *const urls[] = { "http://127.0.0.1:9/a", "http://127.0.0.5:80/b" };
    static struct fake_log log;
    struct fake_be *f = fake_be_new(64, 4096);
    f->reply = REPLY;
    f->log = &log;
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.http_proxy = "http://u:p@127.0.0.2:3128";
    struct rf_stats st;
    struct run r;
    assert_int_equal(run_urls(f, &opt, urls, 2, 1, &st, &r), 0);
    assert_int_equal(r.ok, 2);
    assert_string_equal(last_proxy, "http://127.0.0.2:3128");
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.reused, 1);
    assert_int_equal(log.nconnects, 1);
    assert_true(connected_to(&log, 0, "127.0.0.2", 3128));
    const char *a = strstr(log.sent, "GET http://127.0.0.1:9/a HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"
                                        "Proxy-Authorization: Basic dTpw\r\n");
    const char *b = strstr(log.sent, "GET http://127.0.0.5/b HTTP/1.1\r\nHost: 127.0.0.5\r\n"
                                        "Proxy-Authorization: Basic dTpw\r\n");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_int_equal(st.dns_lookups, 0); /* an address: nothing to look up */
}

/* The proxy is chosen per request: a redirect to a no_proxy host goes
 * direct, in origin form, without the proxy's credentials. */
static void a_redirect_to_a_no_proxy_host_goes_direct(void **state)
{
    (void)state;
    static const char *const urls[] = { "http://127.0.0.1:9/f0" };
    static const char *const replies[] = {
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.3:9/direct\r\nContent-Length: 0\r\n\r\n",
        REPLY,
    };
    static struct fake_log log;
    struct fake_be *f = fake_be_new(64, 4096);
    f->replies = replies;
    f->nreplies = 2;
    f->log = &log;
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.max_redirects = 5;
    opt.http_proxy = "u:p@127.0.0.2:3128";
    opt.no_proxy = "localhost, 127.0.0.3";
    struct rf_stats st;
    struct run r;
    assert_int_equal(run_urls(f, &opt, urls, 1, 4, &st, &r), 0);
    assert_int_equal(r.ok, 1);
    assert_int_equal(last.redirects, 1);
    assert_string_equal(last_proxy, "(none)"); /* the last request went direct */
    assert_int_equal(log.nconnects, 2);
    assert_true(connected_to(&log, 0, "127.0.0.2", 3128));
    assert_true(connected_to(&log, 1, "127.0.0.3", 9));
    const char *second = strstr(log.sent, "GET /direct HTTP/1.1\r\nHost: 127.0.0.3:9\r\n");
    assert_non_null(second);
    assert_null(strstr(second, "Proxy-Authorization"));
    assert_non_null(strstr(log.sent, "GET http://127.0.0.1:9/f0 HTTP/1.1\r\n"));
}

/* A proxy the engine is handed unchecked is its front end's mistake: the
 * run does not start, and says why. */
static void bad_proxy_settings_stop_the_run_before_it_starts(void **state)
{
    (void)state;
    struct fake_be *f = fake_be_new(64, 4096);
    struct rf_options opt;
    rf_options_default(&opt);
    opt.tick_ms = 0;
    opt.https_proxy = "socks5://h:1";
    struct rf_stats st;
    struct run r = { .njobs = 1 };
    assert_int_equal(engine_run_with(&f->b, 1, &opt, next_job, on_result, &r, &st), -EINVAL);
    assert_string_equal(st.failed, "the proxy settings");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_job_ends_ok_on_a_healthy_backend),
        cmocka_unit_test(a_failing_wait_still_gives_every_job_one_result),
        cmocka_unit_test(the_batch_window_is_the_options_and_zero_waits_for_one),
        cmocka_unit_test(a_failing_socket_ends_each_job_once_naming_it),
        cmocka_unit_test(a_failing_send_ends_each_job_once_naming_it),
        cmocka_unit_test(a_file_that_cannot_be_opened_ends_each_job_once_naming_it),
        cmocka_unit_test(an_input_is_read_through_the_backend),
        cmocka_unit_test(later_with_a_wake_time_waits_for_it),
        cmocka_unit_test(rate_per_host_spaces_the_starts),
        cmocka_unit_test(transient_failures_are_retried_through_the_engine),
        cmocka_unit_test(redirects_are_followed_through_the_engine),
        cmocka_unit_test(pipelining_puts_several_requests_on_one_connection),
        cmocka_unit_test(http_through_a_proxy_shares_its_connections_across_origins),
        cmocka_unit_test(a_redirect_to_a_no_proxy_host_goes_direct),
        cmocka_unit_test(bad_proxy_settings_stop_the_run_before_it_starts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
