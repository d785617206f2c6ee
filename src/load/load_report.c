/* ringload's report (see load_report.h). */
#include "load/load_report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The percentiles of the distribution and of the JSON. */
static const double PCTS[] = { 50, 75, 90, 99, 99.9, 99.99 };
#define NPCTS (sizeof PCTS / sizeof PCTS[0])

char *load_fmt_time(char *buf, size_t size, double us)
{
    if (us < 1000)
        snprintf(buf, size, "%.2fus", us);
    else if (us < 1e6)
        snprintf(buf, size, "%.2fms", us / 1e3);
    else if (us < 60e6)
        snprintf(buf, size, "%.2fs", us / 1e6);
    else
        snprintf(buf, size, "%.2fm", us / 60e6);
    return buf;
}

char *load_fmt_metric(char *buf, size_t size, double v)
{
    if (v < 1e3)
        snprintf(buf, size, "%.2f", v);
    else if (v < 1e6)
        snprintf(buf, size, "%.2fk", v / 1e3);
    else if (v < 1e9)
        snprintf(buf, size, "%.2fM", v / 1e6);
    else
        snprintf(buf, size, "%.2fG", v / 1e9);
    return buf;
}

char *load_fmt_bytes(char *buf, size_t size, double b)
{
    if (b < 1024)
        snprintf(buf, size, "%.2fB", b);
    else if (b < 1024.0 * 1024)
        snprintf(buf, size, "%.2fKB", b / 1024);
    else if (b < 1024.0 * 1024 * 1024)
        snprintf(buf, size, "%.2fMB", b / (1024.0 * 1024));
    else
        snprintf(buf, size, "%.2fGB", b / (1024.0 * 1024 * 1024));
    return buf;
}

/* "name N name N ..." summed into names/counts. */
#define MAX_CALL_NAMES 32
struct calls {
    char name[MAX_CALL_NAMES][24];
    uint64_t n[MAX_CALL_NAMES];
    unsigned k;
};

static void calls_add(struct calls *c, const char *text)
{
    char name[24];
    unsigned long long n;
    int used;
    while (sscanf(text, "%23s %llu%n", name, &n, &used) == 2) {
        text += used;
        unsigned i = 0;
        while (i < c->k && strcmp(c->name[i], name) != 0)
            i++;
        if (i == c->k) {
            if (c->k == MAX_CALL_NAMES)
                continue;
            snprintf(c->name[c->k++], sizeof c->name[0], "%s", name);
            c->n[i] = 0;
        }
        c->n[i] += n;
    }
}

void load_summarise(struct load_summary *s, const struct load_args *a, char **urls, size_t nurls,
                    const struct load_plan *p, const struct load_thread *th, unsigned nthreads)
{
    static struct calls calls;
    memset(&calls, 0, sizeof calls);
    memset(s, 0, sizeof *s);
    s->a = a;
    s->urls = urls;
    s->nurls = nurls;
    s->threads = nthreads;
    hist_init(&s->lat);
    hist_init(&s->lat_u);
    uint64_t t_end = p->warm_end;
    double sum = 0, sumsq = 0;
    size_t nsamples = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        const struct load_thread *t = &th[i];
        hist_merge(&s->lat, &t->lat);
        hist_merge(&s->lat_u, &t->lat_u);
        s->results += t->results;
        s->c.responses += t->c.responses;
        s->c.body_bytes += t->c.body_bytes;
        s->c.rx_bytes += t->c.rx_bytes;
        for (int k = 0; k < 6; k++)
            s->c.status[k] += t->c.status[k];
        for (int k = 0; k < LE_COUNT; k++)
            s->c.errors[k] += t->c.errors[k];
        if (t->t_done > t_end)
            t_end = t->t_done;
        for (size_t k = 0; k < t->nsamples; k++) {
            sum += t->samples[k];
            sumsq += t->samples[k] * t->samples[k];
            if (t->samples[k] > s->rs_max)
                s->rs_max = t->samples[k];
        }
        nsamples += t->nsamples;
        const struct rf_stats *st = &t->stats;
        if (st->backend)
            s->backend = st->backend;
        s->requests_made += st->jobs;
        s->enters += st->enters;
        s->syscalls += st->syscalls;
        s->sqes += st->sqes;
        s->cqes += st->cqes;
        s->connects += st->connects;
        s->pipelined += st->pipelined;
        calls_add(&calls, st->calls);
        if (t->stop && atomic_load(p->stop_all))
            s->interrupted = true;
    }
    if (!s->backend)
        s->backend = rf_backend_name(a->backend);
    s->elapsed_s = (double)(t_end - p->warm_end) / 1e9;
    if (nsamples) {
        s->rs_mean = sum / (double)nsamples;
        double var = nsamples > 1 ? (sumsq - sum * sum / (double)nsamples) / (double)(nsamples - 1) : 0;
        s->rs_stdev = var > 0 ? sqrt(var) : 0;
        size_t in = 0;
        for (unsigned i = 0; i < nthreads; i++)
            for (size_t k = 0; k < th[i].nsamples; k++)
                in += fabs(th[i].samples[k] - s->rs_mean) <= s->rs_stdev;
        s->rs_within = (double)in / (double)nsamples;
    }
    size_t at = 0;
    for (unsigned i = 0; i < calls.k && at < sizeof s->calls; i++) {
        int w = snprintf(s->calls + at, sizeof s->calls - at, "%s%s %" PRIu64, at ? " " : "",
                         calls.name[i], calls.n[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        s->cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
        s->cpu_sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        s->peak_rss_kib = ru.ru_maxrss;
    }
}

static double per(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static void print_distribution(FILE *out, const char *title, const struct hist *h)
{
    char v[32];
    fprintf(out, "  %s\n", title);
    for (size_t i = 0; i < NPCTS; i++) {
        char label[16];
        snprintf(label, sizeof label, "%g%%", PCTS[i]);
        fprintf(out, "  %7s %9s\n", label, load_fmt_time(v, sizeof v, (double)hist_percentile(h, PCTS[i]) / 1e3));
    }
    fprintf(out, "  %7s %9s\n", "max", load_fmt_time(v, sizeof v, (double)h->max / 1e3));
}

void load_report_text(FILE *out, const struct load_summary *s)
{
    const struct load_args *a = s->a;
    char b1[32], b2[32], b3[32];

    if (a->requests)
        fprintf(out, "Running %" PRIu64 " requests", a->requests);
    else if (a->duration_s >= 1 && a->duration_s == floor(a->duration_s))
        fprintf(out, "Running %.0fs test", a->duration_s); /* wrk's "Running 10s test" */
    else
        fprintf(out, "Running %s test", load_fmt_time(b1, sizeof b1, a->duration_s * 1e6));
    fprintf(out, " @ %s", s->nurls ? s->urls[0] : "");
    if (s->nurls > 1)
        fprintf(out, " and %zu more URL%s", s->nurls - 1, s->nurls > 2 ? "s" : "");
    fputc('\n', out);
    fprintf(out, "  %u thread%s and %u connection%s", s->threads, s->threads == 1 ? "" : "s", a->conns,
            a->conns == 1 ? "" : "s");
    if (a->pipeline > 1)
        fprintf(out, ", pipeline depth %u", a->pipeline);
    if (a->rate > 0)
        fprintf(out, ", %s requests/s", load_fmt_metric(b1, sizeof b1, a->rate));
    if (a->warmup_s > 0)
        fprintf(out, ", after a %s warm-up", load_fmt_time(b1, sizeof b1, a->warmup_s * 1e6));
    fprintf(out, ", %s backend\n", s->backend);

    fprintf(out, "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
    double mean = hist_mean(&s->lat), sd = hist_stdev(&s->lat);
    fprintf(out, "    Latency   %8s  %8s  %8s  %7.2f%%\n", load_fmt_time(b1, sizeof b1, mean / 1e3),
            load_fmt_time(b2, sizeof b2, sd / 1e3), load_fmt_time(b3, sizeof b3, (double)s->lat.max / 1e3),
            100.0 * hist_within(&s->lat, mean - sd, mean + sd));
    fprintf(out, "    Req/Sec   %8s  %8s  %8s  %7.2f%%\n", load_fmt_metric(b1, sizeof b1, s->rs_mean),
            load_fmt_metric(b2, sizeof b2, s->rs_stdev), load_fmt_metric(b3, sizeof b3, s->rs_max),
            100.0 * s->rs_within);
    if (a->latency)
        print_distribution(out, a->rate > 0 ? "Latency Distribution (corrected for coordinated omission)"
                                            : "Latency Distribution",
                           &s->lat);
    if (a->uncorrected)
        print_distribution(out, "Uncorrected Latency Distribution (from the real send)", &s->lat_u);
    fprintf(out, "  %" PRIu64 " requests in %.2fs, %s read\n", s->c.responses, s->elapsed_s,
            load_fmt_bytes(b1, sizeof b1, (double)s->c.rx_bytes));
    fprintf(out, "Requests/sec: %10.2f\n", per((double)s->c.responses, s->elapsed_s));
    fprintf(out, "Transfer/sec: %10s\n", load_fmt_bytes(b1, sizeof b1, per((double)s->c.rx_bytes, s->elapsed_s)));

    fprintf(out, "  Status: 1xx %" PRIu64 ", 2xx %" PRIu64 ", 3xx %" PRIu64 ", 4xx %" PRIu64
                 ", 5xx %" PRIu64 ", other %" PRIu64 "\n",
            s->c.status[1], s->c.status[2], s->c.status[3], s->c.status[4], s->c.status[5], s->c.status[0]);
    fprintf(out, "  Errors:");
    for (int k = 0; k < LE_COUNT; k++)
        fprintf(out, "%s %s %" PRIu64, k ? "," : "", load_err_names[k], s->c.errors[k]);
    fputc('\n', out);
    double reqs = (double)s->requests_made;
    if (strcmp(s->backend, "uring") == 0)
        fprintf(out, "  Syscalls: %.3f io_uring_enter/request, %.2f SQEs/enter, %.3f syscalls/request in all\n",
                per((double)s->enters, reqs), per((double)s->sqes, (double)s->enters), per((double)s->syscalls, reqs));
    else
        fprintf(out, "  Syscalls: %.3f epoll_wait/request, %.3f syscalls/request in all\n",
                per((double)s->enters, reqs), per((double)s->syscalls, reqs));
    fprintf(out, "    (%s)\n", s->calls);
    if (s->interrupted)
        fprintf(out, "  Interrupted: the figures cover the run until Ctrl-C.\n");
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_latency(FILE *out, const struct hist *h)
{
    fprintf(out, "{\"count\": %" PRIu64 ", \"mean\": %.3f, \"stdev\": %.3f, \"min\": %.3f, \"max\": %.3f",
            h->count, hist_mean(h) / 1e3, hist_stdev(h) / 1e3, h->count ? (double)h->min / 1e3 : 0.0,
            (double)h->max / 1e3);
    for (size_t i = 0; i < NPCTS; i++)
        fprintf(out, ", \"p%g\": %.3f", PCTS[i], (double)hist_percentile(h, PCTS[i]) / 1e3);
    fputc('}', out);
}

void load_report_json(FILE *out, const struct load_summary *s)
{
    const struct load_args *a = s->a;
    fprintf(out, "{\"urls\": [");
    for (size_t i = 0; i < s->nurls; i++) {
        if (i)
            fputs(", ", out);
        json_string(out, s->urls[i]);
    }
    fprintf(out, "], \"threads\": %u, \"connections\": %u, \"pipeline\": %u, \"batch_us\": %u"
                 ", \"rate\": %.3f, \"duration_s\": %.6f, \"warmup_s\": %.3f, \"requests_asked\": %" PRIu64,
            s->threads, a->conns, a->pipeline, a->batch_wait_us, a->rate, s->elapsed_s, a->warmup_s,
            a->requests);
    fprintf(out, ", \"requests\": %" PRIu64 ", \"results\": %" PRIu64 ", \"requests_per_s\": %.3f"
                 ", \"bytes\": %" PRIu64 ", \"body_bytes\": %" PRIu64 ", \"bytes_per_s\": %.3f",
            s->c.responses, s->results, per((double)s->c.responses, s->elapsed_s), s->c.rx_bytes,
            s->c.body_bytes, per((double)s->c.rx_bytes, s->elapsed_s));
    fprintf(out, ", \"latency_us\": ");
    json_latency(out, &s->lat);
    if (a->rate > 0) {
        fprintf(out, ", \"latency_corrected\": true, \"latency_uncorrected_us\": ");
        json_latency(out, &s->lat_u);
    } else {
        fprintf(out, ", \"latency_corrected\": false");
    }
    fprintf(out, ", \"req_per_s_per_thread\": {\"mean\": %.3f, \"stdev\": %.3f, \"max\": %.3f, \"within_stdev\": %.4f}",
            s->rs_mean, s->rs_stdev, s->rs_max, s->rs_within);
    fprintf(out, ", \"status\": {\"1xx\": %" PRIu64 ", \"2xx\": %" PRIu64 ", \"3xx\": %" PRIu64
                 ", \"4xx\": %" PRIu64 ", \"5xx\": %" PRIu64 ", \"other\": %" PRIu64 "}",
            s->c.status[1], s->c.status[2], s->c.status[3], s->c.status[4], s->c.status[5], s->c.status[0]);
    fprintf(out, ", \"errors\": {");
    uint64_t errs = 0;
    for (int k = 0; k < LE_COUNT; k++) {
        fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", load_err_names[k], s->c.errors[k]);
        errs += s->c.errors[k];
    }
    fprintf(out, ", \"total\": %" PRIu64 "}", errs);
    double reqs = (double)s->requests_made;
    fprintf(out, ", \"syscalls\": {\"backend\": ");
    json_string(out, s->backend);
    fprintf(out, ", \"requests_made\": %" PRIu64 ", \"enters\": %" PRIu64 ", \"syscalls\": %" PRIu64
                 ", \"sqes\": %" PRIu64 ", \"cqes\": %" PRIu64 ", \"enters_per_request\": %.4f"
                 ", \"sqes_per_enter\": %.3f, \"syscalls_per_request\": %.4f, \"calls\": ",
            s->requests_made, s->enters, s->syscalls, s->sqes, s->cqes, per((double)s->enters, reqs),
            per((double)s->sqes, (double)s->enters), per((double)s->syscalls, reqs));
    json_string(out, s->calls);
    fprintf(out, "}, \"connects\": %" PRIu64 ", \"pipelined\": %" PRIu64, s->connects, s->pipelined);
    double cpu = s->cpu_user_s + s->cpu_sys_s;
    fprintf(out, ", \"cpu\": {\"user_s\": %.3f, \"sys_s\": %.3f, \"us_per_request\": %.3f}"
                 ", \"peak_rss_kib\": %ld, \"interrupted\": %s}\n",
            s->cpu_user_s, s->cpu_sys_s, per(cpu * 1e6, reqs), s->peak_rss_kib,
            s->interrupted ? "true" : "false");
}
