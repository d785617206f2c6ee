/* Output text of the front ends. See report.h. */
#include "cli/report.h"

#include <inttypes.h>

#include "cli/outpath.h"

#define JOIN_MAX_CODES 10   /* flags2 lists the codes themselves up to this many */

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

uint64_t report_items(const struct report_counts *c)
{
    return c->ok + c->not_found + c->errors + c->cancelled + c->skipped;
}

void report_count(struct report_counts *c, enum rf_outcome outcome, uint64_t bytes)
{
    switch (outcome) {
    case RF_OK:
        c->ok++;
        c->bytes += bytes;
        break;
    case RF_NOT_FOUND: c->not_found++; break;
    case RF_ERROR: c->errors++; break;
    case RF_CANCELLED: c->cancelled++; break;
    }
}

void report_count_result(struct report_counts *c, const struct rf_result *res)
{
    report_count(c, res->outcome, res->bytes);
    c->results++;
    c->attempts += res->attempts;
    c->redirects += res->redirects;
}

const char *report_outcome_name(enum rf_outcome outcome)
{
    switch (outcome) {
    case RF_OK: return "ok";
    case RF_NOT_FOUND: return "not_found";
    case RF_ERROR: return "error";
    case RF_CANCELLED: return "cancelled";
    }
    return "error";
}

void report_flags2_header(FILE *out, const char *label, const char *url,
                          const struct codes_set *codes, unsigned connections)
{
    char shown[OUTPATH_URL_QUOTE_BYTES];
    fprintf(out, "%s site: %s\n", label, outpath_quote_url(shown, sizeof shown, url));
    fprintf(out, "Searching for %zu flag%s: ", codes->n, plural(codes->n));
    if (codes->n <= JOIN_MAX_CODES) {
        for (size_t i = 0; i < codes->n; i++)
            fprintf(out, "%s%s", i ? ", " : "", codes->cc[i]);
    } else {
        fprintf(out, "from %s to %s", codes->cc[0], codes->cc[codes->n - 1]);
    }
    fputc('\n', out);
    fprintf(out, "%u concurrent connection%s will be used.\n", connections, plural(connections));
}

void report_flags2_item(FILE *out, const char *cc, enum rf_outcome outcome, const char *message)
{
    switch (outcome) {
    case RF_OK:
        fprintf(out, "%s OK\n", cc);
        break;
    case RF_NOT_FOUND:
        fprintf(out, "%s not found\n", cc);
        break;
    case RF_ERROR:
        fprintf(out, "*** Error for %s: %s\n", cc, message ? message : "unknown error");
        break;
    case RF_CANCELLED:
        break;
    }
}

void report_flags2_final(FILE *out, const struct report_counts *c, uint64_t requested,
                         double elapsed_s, bool interrupted)
{
    fprintf(out, "--------------------\n");
    fprintf(out, "%" PRIu64 " flag%s downloaded.\n", c->ok, plural(c->ok));
    if (c->not_found)
        fprintf(out, "%" PRIu64 " not found.\n", c->not_found);
    if (c->errors)
        fprintf(out, "%" PRIu64 " error%s.\n", c->errors, plural(c->errors));
    if (interrupted) {
        uint64_t done = c->ok + c->not_found + c->errors;
        fprintf(out, "*** Interrupted: %" PRIu64 " of %" PRIu64 " codes not done.\n",
                requested > done ? requested - done : 0, requested);
    }
    fprintf(out, "Elapsed time: %.2fs\n", elapsed_s);
}

char *report_size(char *buf, size_t size, double bytes)
{
    if (bytes < 1e3)
        snprintf(buf, size, "%.0f B", bytes);
    else if (bytes < 1e6)
        snprintf(buf, size, "%.1f kB", bytes / 1e3);
    else if (bytes < 1e9)
        snprintf(buf, size, "%.1f MB", bytes / 1e6);
    else
        snprintf(buf, size, "%.1f GB", bytes / 1e9);
    return buf;
}

void report_summary(FILE *out, const struct report_counts *c, double elapsed_s)
{
    char size[32], rate[32];
    uint64_t files = report_items(c);
    /* A run too short to time still gets finite rates. */
    double secs = elapsed_s > 1e-6 ? elapsed_s : 1e-6;

    fprintf(out, "%" PRIu64 " file%s, %s", files, plural(files),
            report_size(size, sizeof size, (double)c->bytes));
    if (c->not_found)
        fprintf(out, ", %" PRIu64 " not found", c->not_found);
    if (c->cancelled)
        fprintf(out, ", %" PRIu64 " cancelled", c->cancelled);
    if (c->skipped)
        fprintf(out, ", %" PRIu64 " skipped", c->skipped);
    if (c->duplicates)
        fprintf(out, ", %" PRIu64 " duplicate%s", c->duplicates, plural(c->duplicates));
    uint64_t retries = c->attempts > c->results ? c->attempts - c->results : 0;
    if (retries)
        fprintf(out, ", %" PRIu64 " retr%s", retries, retries == 1 ? "y" : "ies");
    if (c->redirects)
        fprintf(out, ", %" PRIu64 " redirect%s", c->redirects, plural(c->redirects));
    report_size(rate, sizeof rate, (double)c->bytes / secs);
    fprintf(out, ", %" PRIu64 " error%s in %.2fs (%.1f files/s, %s/s)\n", c->errors,
            plural(c->errors), elapsed_s, (double)files / secs, rate);
}

void report_stats_json(FILE *out, const struct report_counts *c, double elapsed_s,
                       const struct rf_stats *st)
{
    fprintf(out,
            "{\"files\": %" PRIu64 ", \"ok\": %" PRIu64 ", \"not_found\": %" PRIu64
            ", \"errors\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"elapsed_s\": %.6f"
            ", \"enters\": %" PRIu64 ", \"sqes\": %" PRIu64 ", \"cqes\": %" PRIu64
            ", \"peak_inflight\": %" PRIu32 ", \"enobufs\": %" PRIu64
            ", \"connects\": %" PRIu64 ", \"reused\": %" PRIu64 ", \"window\": %" PRIu32
            ", \"files_tmpfile\": %" PRIu64 ", \"files_named\": %" PRIu64
            ", \"retries\": %" PRIu64 ", \"redirects\": %" PRIu64 ", \"dns_lookups\": %" PRIu64
            ", \"tls_handshakes\": %" PRIu64 ", \"tls_resumed\": %" PRIu64
            ", \"tls_bytes_in\": %" PRIu64 ", \"tls_bytes_out\": %" PRIu64
            ", \"features\": \"%s\", \"backend\": \"%s\", \"syscalls\": %" PRIu64
            ", \"calls\": \"%s\", \"pipelined\": %" PRIu64
            ", \"direct_bodies\": %" PRIu64 ", \"spliced_bytes\": %" PRIu64 ", \"preallocated\": %" PRIu64
            ", \"file_workers\": %" PRIu32 ", \"inline_file_ops\": %" PRIu64,
            report_items(c), c->ok, c->not_found, c->errors, c->bytes, elapsed_s, st->enters,
            st->sqes, st->cqes, st->peak_inflight, st->enobufs, st->connects, st->reused,
            st->window, st->files_tmpfile, st->files_named, st->retries, st->redirects, st->dns_lookups,
            st->tls_handshakes, st->tls_resumed, st->tls_bytes_in, st->tls_bytes_out, st->features,
            st->backend ? st->backend : "", st->syscalls, st->calls, st->pipelined, st->direct_bodies,
            st->spliced_bytes, st->preallocated, st->file_workers, st->inline_file_ops);
    /* ringfetch's downloader counters (issue 11). */
    fprintf(out,
            ", \"skipped\": %" PRIu64 ", \"cancelled\": %" PRIu64 ", \"duplicates\": %" PRIu64
            ", \"attempts\": %" PRIu64 "}\n",
            c->skipped, c->cancelled, c->duplicates, c->attempts);
}
