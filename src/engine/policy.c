/* After an exchange: deliver, resend, retry or follow (see policy.h). */
#include "engine/policy.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/urlref.h"
#include "util/mix64.h"

/* 206 is not among them: it is a success only as the answer to a range
 * this job asked for (policy_decide, rule 5). */
bool policy_status_is_success(int status)
{
    return status >= 200 && status <= 299 && status != 206;
}

bool policy_status_is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

uint64_t policy_url_hash(const char *url)
{
    uint64_t h = MIX64_GOLDEN;
    for (const char *p = url; *p; p++)
        h = mix64(h ^ (unsigned char)*p);
    return h;
}

/* A failure that may well not happen again. */
static bool policy_transient(const struct policy_facts *f, int status)
{
    switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504:
        return true;
    default:
        /* Any other answer is the answer, unless it is a 2xx whose body
         * did not arrive whole. */
        if (status && !policy_status_is_success(status))
            return false;
        break;
    }
    switch (f->err) {
    case -ECONNREFUSED: case -ECONNRESET: case -EPIPE: case -ETIMEDOUT:
    case RF_E_CONNECT_TIMEOUT: case RF_E_EMPTY_REPLY: case RF_E_TRUNCATED:
        return true;
    case RF_E_TIMEOUT: case RF_E_TLS_TIMEOUT:
        return true; /* silence, a hung handshake (a passed deadline stops retries before this) */
    default:
        return false;
    }
}

static int policy_parse_date(const char *s, int64_t *t)
{
    /* IMF-fixdate, then RFC 850's and asctime's forms (RFC 9110 5.6.7);
     * strptime reads English names in the C locale the programs run in. */
    static const char *const forms[] = {
        "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(s, forms[i], &tm);
        if (end && *end == '\0') {
            *t = (int64_t)timegm(&tm);
            return 0;
        }
    }
    return -EINVAL;
}

int policy_retry_after(const char *v, size_t len, int64_t now_wall_s, int64_t *delay_s)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -EINVAL;
    memcpy(buf, v, len);
    buf[len] = '\0';
    bool digits = true;
    for (size_t i = 0; i < len; i++)
        digits = digits && buf[i] >= '0' && buf[i] <= '9';
    if (digits) {
        int64_t n = 0;
        for (size_t i = 0; i < len && n < 1000000000; i++)
            n = n * 10 + (buf[i] - '0');
        *delay_s = n;
        return 0;
    }
    int64_t at;
    if (policy_parse_date(buf, &at) < 0)
        return -EINVAL;
    *delay_s = at > now_wall_s ? at - now_wall_s : 0;
    return 0;
}

static uint64_t policy_backoff(const struct policy_config *c, const struct policy_facts *f)
{
    if (f->retry_after) {
        int64_t s;
        if (policy_retry_after(f->retry_after, f->retry_after_len, f->now_wall_s, &s) == 0) {
            uint64_t ns = (uint64_t)s * 1000000000u;
            return ns < c->retry_max_delay_ns ? ns : c->retry_max_delay_ns;
        }
    }
    /* Exponential, then "equal jitter": half the delay fixed, half random,
     * so that items failing together do not come back together. */
    uint64_t d = c->retry_delay_ns;
    for (unsigned i = 0; i < f->retries_done && d < c->retry_max_delay_ns; i++)
        d *= 2;
    if (d > c->retry_max_delay_ns)
        d = c->retry_max_delay_ns;
    return d / 2 + (d / 2 ? f->random % (d / 2 + 1) : 0);
}

static bool policy_scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

static void policy_error(struct policy_verdict *v, int err, const char *detail)
{
    v->action = POLICY_DELIVER;
    v->outcome = RF_ERROR;
    v->err = err;
    v->detail = detail;
}

/* A redirect with following allowed: where to, or why not. */
static void policy_redirect(const struct policy_config *c, const struct policy_facts *f,
                            struct policy_verdict *v)
{
    if (!f->location) {
        v->action = POLICY_DELIVER;
        v->outcome = RF_ERROR;
        v->err = RF_E_HTTP_STATUS;
        v->detail = "a redirect without a Location";
        return;
    }
    if (f->redirects_done >= c->max_redirects) {
        policy_error(v, RF_E_REDIRECT, "too many redirects");
        return;
    }
    if (f->location_too_long ||
        urlref_resolve(f->url, f->location, f->location_len, v->next_url, sizeof v->next_url) < 0) {
        policy_error(v, RF_E_REDIRECT, "a Location that is not a usable URL");
        return;
    }
    bool to_https = policy_scheme_is(v->next_url, "https");
    if (!to_https && !policy_scheme_is(v->next_url, "http")) {
        policy_error(v, RF_E_REDIRECT, "a redirect to a scheme other than http and https");
        return;
    }
    if (!to_https && policy_scheme_is(f->url, "https") && !c->allow_downgrade) {
        policy_error(v, RF_E_REDIRECT, "a redirect from https to http (--allow-downgrade allows it)");
        return;
    }
    uint64_t h = policy_url_hash(v->next_url);
    for (unsigned i = 0; i < f->nvisited; i++)
        if (f->visited[i] == h) {
            policy_error(v, RF_E_REDIRECT, "a redirect loop");
            return;
        }
    v->action = POLICY_FOLLOW;
}

void policy_decide(const struct policy_config *c, const struct policy_facts *f, struct policy_verdict *v)
{
    v->action = POLICY_DELIVER;
    v->err = 0;
    v->detail = NULL;
    v->delay_ns = 0;
    v->next_url[0] = '\0';
    if (f->stopping && f->err == -ECANCELED) {
        v->outcome = RF_CANCELLED;
        v->err = f->err;
        return;
    }
    /* A requested range is a success like a whole body. */
    int status = f->ranged && f->status == 206 ? 200 : f->status;
    /* Never answered on a reused or pipelined connection (a load
     * generator counts those instead of resending them). */
    bool unanswered = f->resend_ok && f->sends == 1 && !f->kept;
    bool resend = unanswered && !c->no_resend;
    bool restart = f->ranged && !f->restarted && (f->status == 416 || f->err == RF_E_RESUME);
    bool follow = c->max_redirects && policy_status_is_redirect(f->status);
    bool retry = f->retries_done < c->retries && policy_transient(f, status);
    if (!f->stopping) {
        /* The further try this answer calls for, if any. Past the whole-
         * request limit an unanswered request counts even where it would
         * not be resent (a load generator's), so that it ends as timed out. */
        if (resend || (f->deadline && unanswered)) {
            v->action = POLICY_RESEND;
        } else if (restart) {
            v->action = POLICY_RESTART;
        } else if (follow) {
            policy_redirect(c, f, v);
            if (v->action != POLICY_FOLLOW)
                return; /* refused (no Location, a loop, too many): its own reason */
        } else if (retry) {
            v->action = POLICY_RETRY;
            v->delay_ns = policy_backoff(c, f);
        }
        if (v->action != POLICY_DELIVER && f->deadline) {
            /* Past the limit no further try of any kind goes out, and the
             * limit, not what this try ran into, is why the job ends. */
            v->action = POLICY_DELIVER;
            v->next_url[0] = '\0';
            v->delay_ns = 0;
            v->outcome = RF_ERROR;
            v->err = f->err == RF_E_CONNECT_TIMEOUT || f->err == RF_E_TLS_TIMEOUT ? f->err : RF_E_TIMEOUT;
            return;
        }
        if (v->action == POLICY_FOLLOW)
            return;
        if (v->action != POLICY_DELIVER) {
            v->outcome = RF_ERROR;
            v->err = f->err;
            return;
        }
    }
    /* A final status decides the class, whatever happened to the body after it. */
    if (status == 404) {
        v->outcome = RF_NOT_FOUND;
        v->err = f->err ? f->err : RF_E_HTTP_STATUS;
    } else if (status && !policy_status_is_success(status)) {
        v->outcome = RF_ERROR;
        v->err = RF_E_HTTP_STATUS;
    } else if (f->err) {
        v->outcome = RF_ERROR;
        v->err = f->err;
    } else {
        v->outcome = RF_OK;
    }
}
