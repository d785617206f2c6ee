/* ringload's report: wrk's text layout, then our counts, or one JSON object. */
#ifndef RF_LOAD_REPORT_H
#define RF_LOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "load/hist.h"
#include "load/load_args.h"
#include "load/load_run.h"

/* Everything a report says, merged over the threads. */
struct load_summary {
    const struct load_args *a;
    char **urls;
    size_t nurls;
    unsigned threads;
    double elapsed_s;         /* the measured time: warm-up end to the last result or deadline */
    struct load_counts c;
    struct hist lat, lat_u;   /* lat_u only with -R */
    uint64_t results;         /* responses + errors */
    double rs_mean, rs_stdev, rs_max, rs_within; /* Req/Sec per thread, from the samples */
    const char *backend;
    uint64_t requests_made;   /* every request the run made, warm-up and cancelled included */
    uint64_t enters, syscalls, sqes, cqes, connects, pipelined;
    char calls[512];          /* system calls by name, summed over the threads */
    double cpu_user_s, cpu_sys_s;
    long peak_rss_kib;
    bool interrupted;
};

/* Fill s from the threads (after load_run). */
void load_summarise(struct load_summary *s, const struct load_args *a, char **urls, size_t nurls,
                    const struct load_plan *p, const struct load_thread *th, unsigned nthreads);
void load_report_text(FILE *out, const struct load_summary *s);
void load_report_json(FILE *out, const struct load_summary *s);

/* Units as wrk prints them: "245.12us", "3.21ms", "1.02s"; "10.12k"; "12.34MB". */
char *load_fmt_time(char *buf, size_t size, double us);
char *load_fmt_metric(char *buf, size_t size, double v);
char *load_fmt_bytes(char *buf, size_t size, double bytes);

#endif
