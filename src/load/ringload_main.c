/* ringload: a wrk-class HTTP/1.1 load generator on the ringfetch engine.
 * The command line is load_args.h's; the threads are load_run.h's; the
 * report is load_report.h's. This file gathers the URLs, checks what the
 * open-file limit allows, and puts the pieces together. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "load/load_args.h"
#include "load/load_report.h"
#include "load/load_run.h"
#include "load/load_tunables.h"
#include "ringfetch/engine.h"
#include "ringfetch/url.h"

static atomic_int stop_all;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_all, 1);
}

/* Why url_parse refused a URL, in a few words. */
static const char *url_problem(int status)
{
    switch (status) {
    case URL_E_NOT_URL: return "not a URL (it must start with http://)";
    case URL_E_HTTPS: return "only http:// URLs are supported";
    case URL_E_SCHEME: return "unknown scheme: only http:// URLs are supported";
    case URL_E_EMPTY_HOST: return "no host name";
    case URL_E_PORT_RANGE: return "port out of range (1 to 65535)";
    case URL_E_PORT_NOT_NUMBER: return "the port is not a number";
    default: return "it cannot be parsed as an http:// URL";
    }
}

struct urls {
    char **v;
    size_t n, cap;
};

static int urls_add(struct urls *u, char *s, const char *where)
{
    struct url parsed;
    if (strlen(s) >= RF_URL_MAX_BYTES) {
        fprintf(stderr, "ringload: %s: URL longer than %d bytes\n", where, RF_URL_MAX_BYTES - 1);
        return -EINVAL;
    }
    int r = url_parse(s, &parsed);
    if (r != URL_OK) {
        fprintf(stderr, "ringload: %s: bad URL '%s': %s\n", where, s, url_problem(r));
        return -EINVAL;
    }
    if (u->n == LOAD_MAX_URLS) {
        fprintf(stderr, "ringload: %s: more than %d URLs\n", where, LOAD_MAX_URLS);
        return -EINVAL;
    }
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 16;
        char **v = realloc(u->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        u->v = v;
        u->cap = cap;
    }
    u->v[u->n++] = s;
    return 0;
}

/* -i FILE: one URL a line, blanks around it ignored, blank and '#' lines skipped. */
static int urls_read_list(struct urls *u, const char *path, char **keep)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        int err = errno;
        fprintf(stderr, "ringload: -i %s: cannot open: %s\n", path, strerror(err));
        return -err;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[65536];
    size_t n;
    errno = 0;
    while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    int bad = ferror(f) ? (errno ? errno : EIO) : 0;
    if (f != stdin)
        fclose(f);
    if (!mem || fclose(mem) != 0 || bad) {
        int err = bad ? bad : ENOMEM;
        fprintf(stderr, "ringload: -i %s: reading failed: %s\n", path, strerror(err));
        free(buf);
        return -err;
    }
    *keep = buf;
    size_t line = 0;
    for (char *p = buf, *next; p && *p; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        char *end = p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        if (*p == '\0' || *p == '#')
            continue;
        char where[64];
        snprintf(where, sizeof where, "-i %s line %zu", path, line);
        int r = urls_add(u, p, where);
        if (r < 0)
            return r;
    }
    return 0;
}

/* The connections need a descriptor each: raise the soft limit as far as
 * it goes, and say so when it is not far enough. */
static int fit_fd_limit(unsigned conns)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    rlim_t need = (rlim_t)conns + LOAD_FDS_RESERVED;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) {
        /* Room in the descriptor table now, before the threads share it. */
        (void)rf_fd_table_reserve((unsigned long)need);
        return 0;
    }
    unsigned long long could = rl.rlim_cur > LOAD_FDS_RESERVED ? rl.rlim_cur - LOAD_FDS_RESERVED : 0;
    fprintf(stderr,
            "ringload: -c %u needs %llu open files, but the limit is %llu (ulimit -n, hard limit "
            "%llu): it could open at most %llu connections\n",
            conns, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
            (unsigned long long)rl.rlim_max, could);
    return -EMFILE;
}

static int open_trace(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd == 0) {
        /* 0 means "no trace" to the engine. */
        int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = fd2;
    }
    if (fd < 0)
        fprintf(stderr, "ringload: cannot write the trace %s: %s\n", path, strerror(errno));
    return fd;
}

int main(int argc, char **argv)
{
    static struct load_args a;
    static struct load_plan plan;
    struct urls urls = { 0 };
    char *list_text = NULL;
    struct load_thread *th = NULL;
    int status = 1;

    int r = load_args_parse(argc, argv, &a, stdout, stderr);
    if (r == LOAD_ARGS_EXIT)
        return 0;
    if (r < 0)
        return 2;
    for (size_t i = 0; i < a.nurls; i++) {
        char where[32];
        snprintf(where, sizeof where, "argument %zu", i + 1);
        if (urls_add(&urls, a.urls[i], where) < 0)
            return 2;
    }
    /* A list that cannot be read or holds a bad URL is bad input, like a
     * bad URL argument: a usage error (2). */
    if (a.list && urls_read_list(&urls, a.list, &list_text) < 0) {
        status = 2;
        goto out;
    }
    if (urls.n == 0) {
        fprintf(stderr, "ringload: -i %s holds no URL\n", a.list);
        status = 2;
        goto out;
    }
    if (fit_fd_limit(a.conns) < 0)
        goto out;
    int trace_fd = 0;
    if (a.trace && (trace_fd = open_trace(a.trace)) < 0)
        goto out;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    th = calloc(a.threads, sizeof *th);
    if (!th) {
        fprintf(stderr, "ringload: out of memory\n");
        goto close_trace;
    }
    plan.a = &a;
    plan.urls = urls.v;
    plan.nurls = urls.n;
    plan.threads = a.threads;
    plan.t0 = rf_now_ns();
    plan.warm_end = plan.t0 + (uint64_t)(a.warmup_s * 1e9);
    plan.deadline = a.duration_s > 0 ? plan.warm_end + (uint64_t)(a.duration_s * 1e9) : UINT64_MAX;
    plan.interval_ns = a.rate > 0 ? 1e9 / a.rate : 0;
    plan.trace_fd = trace_fd;
    plan.stop_all = &stop_all;

    r = load_run(&plan, th);
    if (r < 0) {
        fprintf(stderr, "ringload: cannot start a thread: %s\n", strerror(-r));
        goto free_threads;
    }
    bool failed = false;
    for (unsigned i = 0; i < a.threads; i++) {
        if (th[i].rc < 0 && th[i].rc != -EINTR) {
            fprintf(stderr, "ringload: thread %u: %s failed: %s\n", i,
                    th[i].stats.failed ? th[i].stats.failed : "the engine", strerror(-th[i].rc));
            failed = true;
        }
        if (th[i].stats.trace_err)
            fprintf(stderr, "ringload: the trace %s is incomplete: %s\n", a.trace,
                    strerror(-th[i].stats.trace_err));
    }
    static struct load_summary sum;
    load_summarise(&sum, &a, urls.v, urls.n, &plan, th, a.threads);
    if (a.json)
        load_report_json(stdout, &sum);
    else
        load_report_text(stdout, &sum);
    fflush(stdout);
    status = failed ? 1 : 0;

free_threads:
    for (unsigned i = 0; th && i < a.threads; i++)
        free(th[i].samples);
    free(th);
close_trace:
    if (trace_fd > 0)
        close(trace_fd);
out:
    free(urls.v);
    free(list_text);
    return status;
}
