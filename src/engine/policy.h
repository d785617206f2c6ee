/* Policy: after an exchange ends, the one place that decides what happens
 * to its job next. Pure: it looks only at the facts given and answers with
 * a verdict, so each rule is unit-tested on its own.
 *
 * The rules, in order:
 * 1. Stopped by the user: cancelled. While stopping, rules 2 to 4 are
 *    skipped; past the whole-request limit (deadline) too, and when one of
 *    them would have applied the job ends as timed out (the connect or
 *    handshake limit's own words when that is what ended the try): the
 *    limit is why it ends.
 * 2. Resend once, at once, on a new connection, when the request never got
 *    a byte of answer on a connection that had served before (how a
 *    server's close of an idle keep-alive connection shows), or was queued
 *    behind a pipelined request on a connection that failed or closed, and
 *    nothing of the job was kept yet (unless the front end counts such
 *    failures: a load generator). This is not a retry: it costs nothing.
 * 2b. A resumed request (-c) whose answer does not continue the part (416,
 *    or a range that does not start at its end): start over at once,
 *    without a range. Not a retry either.
 * 3. Redirect (301, 302, 303, 307, 308, when max_redirects > 0): follow
 *    Location, resolved against the URL just requested, if it is http or
 *    https, not https -> http (unless allowed), not a URL already visited by
 *    this job, and within max_redirects hops; else an error naming why and
 *    the chain's length.
 * 4. Retry a transient failure (connect refused, reset or timed out, an
 *    empty reply, a truncated body, a server silent past idle_timeout_ms or
 *    a TLS handshake past connect_timeout_ms;
 *    408, 429, 500, 502, 503, 504) while retries remain: after an
 *    exponential backoff with jitter from retry_delay, capped at
 *    retry_max_delay; a Retry-After (seconds or an HTTP-date) replaces the
 *    backoff, up to the same cap. Nothing else is retried: 404 and the
 *    other 4xx, protocol errors, local failures, the whole-request limit.
 * 5. Deliver: 2xx with a complete body is ok, but 206 only as the answer
 *    to a range we asked for (a resumed request, -c, whose Content-Range
 *    continues the part: 2b): unasked for, a partial body under the final
 *    name is the truncated file we promise never to leave; 404 is "not found"; any other final status
 *    is an HTTP error whatever happened to its body; a transfer failure is
 *    an error.
 */
#ifndef RF_ENGINE_POLICY_H
#define RF_ENGINE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringfetch/engine.h"

/* How a run wants failures and redirects handled (from rf_options). */
struct policy_config {
    unsigned retries;           /* transient failures retried this many times at most */
    uint64_t retry_delay_ns;    /* the first backoff */
    uint64_t retry_max_delay_ns;/* no wait longer than this, Retry-After included */
    unsigned max_redirects;     /* 0: a redirect is an answer like any other */
    bool allow_downgrade;       /* follow https -> http */
    bool no_resend;             /* count failures rule 2 would resend */
};

struct policy_facts {
    int status;      /* final HTTP status, 0 when none was received */
    int err;         /* 0 when the response is complete, else -errno or enum rf_err */
    bool resend_ok;  /* the connection layer says the request may go again */
    unsigned sends;  /* how many times this attempt's request went out so far */
    bool kept;       /* something of the body was already handed to a consumer */
    bool stopping;   /* the run is being stopped */
    bool ranged;     /* the request asked for the rest of a part (resume) */
    bool restarted;  /* this job already started its part over once */
    bool deadline;   /* the whole-request limit passed: nothing is tried again */
    unsigned retries_done;   /* retries of this job so far */
    unsigned redirects_done; /* redirects followed so far */
    const char *url;         /* the URL just requested */
    const char *location;    /* the answer's Location (not NUL-terminated), or NULL */
    size_t location_len;
    bool location_too_long;
    const char *retry_after; /* the answer's Retry-After (not NUL-terminated), or NULL */
    size_t retry_after_len;
    int64_t now_wall_s;      /* seconds since the epoch, for an HTTP-date */
    uint64_t random;         /* a random value for the jitter */
    const uint64_t *visited; /* policy_url_hash of each URL this job requested */
    unsigned nvisited;
};

enum policy_action {
    POLICY_DELIVER, /* finish the body (keep it when outcome is RF_OK), then report */
    POLICY_RESEND,  /* send the request again on a new connection, now */
    POLICY_RETRY,   /* try again after delay_ns, holding no connection */
    POLICY_FOLLOW,  /* request next_url instead (a redirect) */
    POLICY_RESTART, /* (resume) start the part over: request the whole body, now */
};

struct policy_verdict {
    enum policy_action action;
    enum rf_outcome outcome; /* with POLICY_DELIVER */
    int err;                 /* with a non-ok outcome: the reason (enum rf_err or -errno) */
    const char *detail;      /* static words qualifying err, or NULL */
    uint64_t delay_ns;       /* with POLICY_RETRY */
    char next_url[RF_URL_MAX_BYTES]; /* with POLICY_FOLLOW */
};

void policy_decide(const struct policy_config *c, const struct policy_facts *f, struct policy_verdict *v);

/* A status whose body is worth saving. */
bool policy_status_is_success(int status);
/* A status that asks the client to go elsewhere (and that we follow). */
bool policy_status_is_redirect(int status);
/* The identity of a URL for loop detection. */
uint64_t policy_url_hash(const char *url);
/* Retry-After as a delay: delta-seconds, or an HTTP-date (IMF-fixdate, or
 * the two obsolete forms) minus now. Returns 0 and *delay_s, or -EINVAL. */
int policy_retry_after(const char *v, size_t len, int64_t now_wall_s, int64_t *delay_s);

#endif
