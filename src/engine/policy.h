/* Policy: after an exchange ends, the one place that decides what happens
 * to its job next. Pure: it looks only at the facts given and answers with
 * a verdict, so each rule is unit-tested on its own.
 *
 * Today's rules:
 * - Resend once, at once, on a new connection, when the request never got
 *   a byte of answer on a connection that had served before (how a
 *   server's close of an idle keep-alive connection shows), or was queued
 *   behind a pipelined request on a connection that failed or closed, and
 *   nothing of the job was kept yet (unless the front end asked to count
 *   such failures: a load generator).
 * - Otherwise deliver: 2xx (but 206: we never ask for a range, and a
 *   partial body under the final name is the truncated file we promise
 *   never to leave) with a complete body is ok; 404 is "not found"; any
 *   other final status is an HTTP error whatever happened to its body; a
 *   transfer failure is an error; a job cut short by the user's stop is
 *   cancelled.
 * Retries with backoff and redirects are added here (the downloader issue).
 */
#ifndef RF_ENGINE_POLICY_H
#define RF_ENGINE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "ringfetch/engine.h"

struct policy_facts {
    int status;      /* final HTTP status, 0 when none was received */
    int err;         /* 0 when the response is complete, else -errno or enum rf_err */
    bool resend_ok;  /* the connection layer says the request may go again */
    unsigned sends;  /* how many times this job's request went out so far */
    bool kept;       /* something of the body was already handed to a consumer */
    bool stopping;   /* the run is being stopped */
    bool no_resend;  /* the front end counts such failures instead (rf_options.no_resend) */
};

enum policy_action {
    POLICY_DELIVER, /* finish the body (keep it when outcome is RF_OK), then report */
    POLICY_RESEND,  /* send the request again on a new connection, now */
};

struct policy_verdict {
    enum policy_action action;
    enum rf_outcome outcome; /* with POLICY_DELIVER */
    int err;                 /* with a non-ok outcome: the reason (enum rf_err or -errno) */
};

void policy_decide(const struct policy_facts *f, struct policy_verdict *v);

/* A status whose body is worth saving. */
bool policy_status_is_success(int status);

#endif
