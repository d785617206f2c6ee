/* --log-json FILE: one JSON object per item, on a line of its own, written
 * as the item ends:
 *
 *   {"url": "http://h/a", "final_url": "http://h/b", "path": "out/a",
 *    "outcome": "ok", "http_status": 200, "bytes": 8192, "attempts": 1,
 *    "elapsed_ms": 12.345, "error": null, "proxy": null}
 *
 * outcome is one of "ok", "not_found", "error", "cancelled", "skipped",
 * "duplicate"; final_url, path, http_status and error are null when there is
 * none (an item refused before any request has no final_url and attempts 0);
 * proxy is the proxy its last request went through ("http://host:port",
 * never its credentials), null when it went direct.
 * A URL's password is shown as "***", as everywhere else. Strings are UTF-8:
 * a byte of a URL that is not UTF-8 is written %XX (the same request: such
 * bytes are sent percent-encoded anyway), a byte of a path or a message that
 * is not UTF-8 as the four characters \xNN (paths under -o never hold a
 * backslash of their own: names with one are refused).
 *
 * Lines are written whole: they are gathered in a buffer and written out
 * (write(2), whole lines only) when it fills, at least once a second, and at
 * the end, so a run killed even by SIGKILL leaves only whole lines. The
 * first write that fails (a full disk, an I/O error, a short write) is
 * remembered and nothing more is written; resultlog_close returns it and
 * the front end names the file and makes the exit status non-zero. */
#ifndef RF_CLI_RESULTLOG_H
#define RF_CLI_RESULTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes gathered before a write: many lines per system call. */
#define RESULTLOG_BUF_BYTES 65536
/* Gathered lines wait at most this long (seconds) before they are written,
 * so that someone following the log sees it move. */
#define RESULTLOG_FLUSH_S 1.0

struct resultlog {
    int fd;                   /* -1: no log */
    int err;                  /* the first write error, -errno; 0 while all is well */
    double last_flush_s;
    size_t len;
    char buf[RESULTLOG_BUF_BYTES];
};

struct resultlog_entry {
    const char *url;          /* as given (its password is masked here) */
    const char *final_url;    /* NULL: null */
    const char *path;         /* NULL: null */
    const char *outcome;
    int http_status;          /* 0: null */
    uint64_t bytes;
    unsigned attempts;
    double elapsed_ms;
    const char *error;        /* NULL: null */
    const char *proxy;        /* NULL: null (direct, or no request made) */
};

/* Create (or truncate) name for writing. Returns 0 or -errno. */
int resultlog_open(struct resultlog *l, const char *name);

/* Format one entry as a line of JSON into buf (size bytes, NUL-terminated;
 * a placeholder entry, never broken JSON, when it does not fit:
 * RESULTLOG_LINE_BYTES always fits). Returns the length, newline included. */
#define RESULTLOG_LINE_BYTES (160 * 1024)
size_t resultlog_format(char *buf, size_t size, const struct resultlog_entry *e);

/* Add an entry; now_s is the monotonic time in seconds (progress_now()). */
void resultlog_add(struct resultlog *l, const struct resultlog_entry *e, double now_s);

/* Write what is gathered and close. Returns 0, or the first write error
 * (-errno; -EIO for a short write that gave no reason). No-op without a log. */
int resultlog_close(struct resultlog *l);

#endif
