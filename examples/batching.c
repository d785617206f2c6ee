/* batching: fetch the same URLs (standard input, one a line) with windows of
 * 1, 4, 16 and 64 requests in flight, bodies discarded, and show from the
 * engine's counters (struct rf_stats) how many operations go to the kernel
 * per system call as the window grows.
 *
 *   cc batching.c $(pkg-config --cflags --libs ringfetch) -o batching
 *   ./batching < urls.txt
 *
 * With one request in flight, each step of a request (connect, send,
 * receive) is a system call of its own; with many, io_uring carries the
 * steps of every request in the same io_uring_enter, so sqes/enter rises
 * while the number of enters per request falls. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringfetch/engine.h>

#define MAX_URLS 10000

struct replay {
    char *urls[MAX_URLS];
    size_t n, next;
    unsigned failed;
};

static int next_job(void *ctx, struct rf_job *job)
{
    struct replay *r = ctx;
    if (r->next == r->n)
        return RF_JOB_NONE;
    memset(job, 0, sizeof *job);
    job->url = r->urls[r->next++];
    job->path = NULL; /* no file, and body_max 0: the body is counted and dropped */
    return RF_JOB_READY;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct replay *r = ctx;
    if (res->outcome != RF_OK)
        r->failed++;
}

int main(void)
{
    static struct replay r;
    char line[RF_URL_MAX_BYTES];
    while (r.n < MAX_URLS && fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && !(r.urls[r.n++] = strdup(line)))
            return 1;
    }
    if (!r.n) {
        fprintf(stderr, "usage: batching < URLS (one a line)\n");
        return 2;
    }
    printf("window  requests  enters  sqes  cqes  sqes/enter  enters/request  failed\n");
    static const unsigned windows[] = { 1, 4, 16, 64 };
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        struct rf_options opt;
        rf_options_default(&opt);
        opt.window = windows[i];
        struct rf_stats st;
        r.next = 0;
        r.failed = 0;
        int rc = rf_engine_run(&opt, next_job, on_result, &r, &st);
        if (rc < 0) {
            fprintf(stderr, "the run failed: %s (%s)\n", strerror(-rc), st.failed ? st.failed : "");
            return 1;
        }
        printf("%6u  %8llu  %6llu  %4llu  %4llu  %10.1f  %14.2f  %6u\n", st.window,
               (unsigned long long)st.jobs, (unsigned long long)st.enters,
               (unsigned long long)st.sqes, (unsigned long long)st.cqes,
               st.enters ? (double)st.sqes / st.enters : 0.0,
               st.jobs ? (double)st.enters / st.jobs : 0.0, r.failed);
    }
    for (size_t i = 0; i < r.n; i++)
        free(r.urls[i]);
    return 0;
}
