/* The text both front ends print: flags2's header, per-item and final
 * report lines (flags2-spec.md, "Output"), ringfetch's item lines and
 * summary, and the --stats JSON object. Pure formatting onto a FILE *. */
#ifndef RF_CLI_REPORT_H
#define RF_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/codes.h"
#include "ringfetch/engine.h"

/* What a run counted. Every item lands in exactly one of the five
 * counters (skipped: ringfetch --skip-existing found its file, nothing was
 * fetched), or — a URL that came earlier in the run, fetched once — in
 * duplicates, which is not an item (report_items leaves it out); bytes are
 * the body bytes of the ok items. attempts and redirects add up the
 * engine's results (report_count_result): attempts minus results is the
 * number of retries. */
struct report_counts {
    uint64_t ok, not_found, errors, cancelled, skipped;
    uint64_t bytes;
    uint64_t duplicates;
    uint64_t results, attempts, redirects;
};

uint64_t report_items(const struct report_counts *c);

/* Count one item by how it ended; bytes (its body) count only when it is
 * RF_OK. The one place an outcome becomes a counter, for every front end. */
void report_count(struct report_counts *c, enum rf_outcome outcome, uint64_t bytes);
/* report_count of an engine result, adding its attempts and redirects. */
void report_count_result(struct report_counts *c, const struct rf_result *res);

/* The word for an outcome in machine-read output (--log-json): "ok",
 * "not_found", "error", "cancelled". */
const char *report_outcome_name(enum rf_outcome outcome);

/* flags2's three lines before the run:
 *   "LABEL site: URL" / "Searching for N flag(s): CODES" / "N concurrent connection(s) will be used."
 * Codes are joined with ", " when there are 10 or fewer, else "from X to Y". */
void report_flags2_header(FILE *out, const char *label, const char *url,
                          const struct codes_set *codes, unsigned connections);

/* flags2 -v, one line per item: "BR OK", "XX not found", "*** Error for BR: MESSAGE".
 * Cancelled items print nothing. */
void report_flags2_item(FILE *out, const char *cc, enum rf_outcome outcome, const char *message);

/* flags2's report after the run: 20 dashes, "N flag(s) downloaded.",
 * "N not found." when > 0, "N error(s)." when > 0, then — only when the run
 * was interrupted — "*** Interrupted: N of M codes not done.", and
 * "Elapsed time: X.XXs". requested is the number of codes asked for. */
void report_flags2_final(FILE *out, const struct report_counts *c, uint64_t requested,
                         double elapsed_s, bool interrupted);

/* ringfetch's summary line, e.g.
 *   "10000 files, 81.9 MB, 0 errors in 1.23s (8130.1 files/s, 66.6 MB/s)"
 * with ", N not found", ", N cancelled", ", N skipped", ", N duplicate(s)",
 * ", N retr(y|ies)" (attempts after a first one, over the items that
 * ended) and ", N redirect(s)" after the size when > 0. Sizes are decimal:
 * B, kB, MB, GB. */
void report_summary(FILE *out, const struct report_counts *c, double elapsed_s);

/* Decimal size with one decimal: "512 B", "1.5 kB", "81.9 MB", "2.1 GB".
 * Returns buf. */
char *report_size(char *buf, size_t size, double bytes);

/* One JSON object and a newline: files, ok, not_found, errors, bytes,
 * elapsed_s, then the engine's counters (enters, sqes, cqes, peak_inflight,
 * enobufs, connects, reused, window, files_tmpfile, files_named, retries and
 * redirects: all tries after a first one, all hops followed; dns_lookups,
 * the tls_ ones, features, backend, syscalls, calls, pipelined); then the
 * downloader's skipped, cancelled, duplicates and attempts (the tries of the
 * items that ended). */
void report_stats_json(FILE *out, const struct report_counts *c, double elapsed_s,
                       const struct rf_stats *st);

#endif
