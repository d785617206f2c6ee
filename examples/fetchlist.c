/* fetchlist: download the URLs on standard input (one a line) into DIR with
 * the ringfetch engine, and print one line per result as each one ends.
 *
 *   cc fetchlist.c $(pkg-config --cflags --libs ringfetch) -o fetchlist
 *   printf '%s\n' http://127.0.0.1:8001/flags/br/br.gif | ./fetchlist /tmp/out
 *
 * The engine pulls a job from next_job() whenever a slot of its window is
 * free and calls on_result() once per job, in completion order; everything
 * in between (connections, requests, files) runs on one io_uring. */
#include <stdio.h>
#include <string.h>

#include <ringfetch/engine.h>
#include <ringfetch/url.h>

struct list {
    const char *dir;
    char url[RF_URL_MAX_BYTES];
    char path[RF_PATH_MAX_BYTES];
    unsigned failed;
};

/* The next URL of stdin, saved under the name the URL gives (url_output_name). */
static int next_job(void *ctx, struct rf_job *job)
{
    struct list *l = ctx;
    while (fgets(l->url, sizeof l->url, stdin)) {
        l->url[strcspn(l->url, "\r\n")] = '\0';
        struct url u;
        char name[URL_NAME_MAX + 1];
        int n;
        if (!l->url[0] || url_parse(l->url, &u) != URL_OK ||
            (n = url_output_name(&u, name, sizeof name, NULL)) < 0) {
            fprintf(stderr, "skipped: '%s' (not a URL to save)\n", l->url);
            l->failed++;
            continue;
        }
        snprintf(l->path, sizeof l->path, "%s/%.*s", l->dir, n, name);
        memset(job, 0, sizeof *job);
        job->url = l->url; /* copied by the engine: the buffers are ours again */
        job->path = l->path;
        return RF_JOB_READY;
    }
    return RF_JOB_NONE;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct list *l = ctx;
    char why[256];
    if (res->outcome == RF_OK) {
        printf("ok    %3d %8llu bytes %7.1f ms  %s -> %s\n", res->http_status,
               (unsigned long long)res->bytes, res->elapsed_us / 1000.0, res->url, res->path);
    } else {
        printf("%-5s %3d %s: %s\n", res->outcome == RF_NOT_FOUND ? "404" : "error",
               res->http_status, res->url, rf_result_message(res, why, sizeof why));
        l->failed++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR < URLS\n", argv[0]);
        return 2;
    }
    struct list l = { .dir = argv[1] };
    struct rf_options opt;
    rf_options_default(&opt);
    opt.window = 10; /* at most 10 requests in flight */
    opt.retries = 2;
    struct rf_stats st;
    int rc = rf_engine_run(&opt, next_job, on_result, &l, &st);
    if (rc < 0) {
        fprintf(stderr, "the run failed: %s (%s)\n", strerror(-rc),
                st.failed ? st.failed : "next_job");
        return 1;
    }
    printf("%llu fetched, %u failed\n", (unsigned long long)st.ok, l.failed);
    return l.failed ? 1 : 0;
}
