/* Words for results. The engine itself only deals in codes; front ends call
 * these at the edge, when they print. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http/status.h"
#include "ringfetch/engine.h"

const char *rf_status_reason(int status)
{
    return http_status_reason(status);
}

/* Whether err is the output file's failure rather than the connection's.
 * The file is opened only once a 2xx status is in, and after that a socket
 * can fail only in ways of its own (reset, timeout): so with a 2xx status
 * and a path, the errors a file operation gives are the file's. */
static bool is_file_error(const struct rf_result *res)
{
    if (!res->path || res->http_status < 200 || res->http_status > 299)
        return false;
    switch (-res->err) {
    case ENOSPC: case EDQUOT: case EROFS: case EACCES: case EPERM: case EIO: case EFBIG:
    case EISDIR: case ENOTDIR: case ENAMETOOLONG: case ELOOP: case EEXIST: case EXDEV:
    case ENOTEMPTY: case EBUSY: case ETXTBSY: case EMFILE: case ENFILE: case ENOENT:
        return true;
    default:
        return false;
    }
}

/* A failure that is the proxy's own (reaching it, its name, its refusal),
 * in words that name it; false for any other, which then says it went
 * through the proxy. Every connection of a proxied item is to the proxy,
 * so a connect error or a failed lookup is always its. */
static bool proxy_message(const struct rf_result *res, char *buf, size_t size)
{
    const char *d = res->detail;
    switch (res->err) {
    case RF_E_PROXY:
        snprintf(buf, size, "proxy %s %s", res->proxy, d ? d : "refused");
        return true;
    case RF_E_RESOLVE:
        snprintf(buf, size, "could not resolve proxy %s%s%s%s", res->proxy, d ? " (" : "", d ? d : "",
                 d ? ")" : "");
        return true;
    case RF_E_CONNECT_TIMEOUT:
        snprintf(buf, size, "timed out connecting to proxy %s", res->proxy);
        return true;
    case RF_E_HTTP_STATUS:
        if (res->http_status != 407)
            return false;
        snprintf(buf, size, "proxy %s refused the request: 407 %s", res->proxy, rf_status_reason(407));
        return true;
    case -ECONNREFUSED: case -ENETUNREACH: case -EHOSTUNREACH: case -EADDRNOTAVAIL: case -ETIMEDOUT:
        if (res->http_status)
            return false;
        snprintf(buf, size, "proxy %s: %s", res->proxy, strerror(-res->err));
        return true;
    default:
        return false;
    }
}

char *rf_result_message(const struct rf_result *res, char *buf, size_t size)
{
    const char *host = res->host ? res->host : "?";
    if (res->outcome == RF_OK) {
        snprintf(buf, size, "OK");
        return buf;
    }
    if (res->outcome == RF_CANCELLED) {
        snprintf(buf, size, "cancelled");
        return buf;
    }
    if (res->proxy && proxy_message(res, buf, size))
        goto attempts;
    switch (res->err) {
    case RF_E_PROXY:
        snprintf(buf, size, "proxy %s", res->detail ? res->detail : "refused");
        break;
    case RF_E_HTTP_STATUS: {
        const char *reason = rf_status_reason(res->http_status);
        snprintf(buf, size, "HTTP error %d%s%s%s%s%s", res->http_status, *reason ? " - " : "", reason,
                 res->detail ? " (" : "", res->detail ? res->detail : "", res->detail ? ")" : "");
        break;
    }
    case RF_E_PART:
        snprintf(buf, size, "cannot resume into %s.part: %s", res->path ? res->path : "?",
                 res->detail ? res->detail : "unusable");
        break;
    case RF_E_DEST_LINK:
        snprintf(buf, size, "cannot save %s: a folder on its way is a symbolic link (not followed)",
                 res->path ? res->path : "the file");
        break;
    case RF_E_RESUME:
        snprintf(buf, size, "the answer does not continue the part (a range not at its end)");
        break;
    case RF_E_REDIRECT:
        snprintf(buf, size, "redirect not followed: %s (after %u redirect%s)",
                 res->detail ? res->detail : "?", res->redirects, res->redirects == 1 ? "" : "s");
        break;
    case RF_E_RESOLVE:
        snprintf(buf, size, "could not resolve host %s%s%s%s", host, res->detail ? " (" : "",
                 res->detail ? res->detail : "", res->detail ? ")" : "");
        break;
    case RF_E_PROTOCOL:
        snprintf(buf, size, "invalid response: %s", res->detail ? res->detail : "parse error");
        break;
    case RF_E_TRUNCATED:
        /* No status means the header section never ended: there was no body
         * to be cut, and "after 0 body bytes" would say there was. */
        if (res->http_status == 0)
            snprintf(buf, size,
                     "truncated response: connection closed before the headers were complete");
        else
            snprintf(buf, size, "truncated body: connection closed after %llu body bytes",
                     (unsigned long long)res->bytes);
        break;
    case RF_E_BAD_URL:
        snprintf(buf, size, "bad URL");
        break;
    case RF_E_CODING:
        /* We send no TE header: chunked is the only coding a server may use. */
        snprintf(buf, size, "invalid response: unsupported transfer coding '%s' (not requested)",
                 res->detail ? res->detail : "?");
        break;
    case RF_E_TOO_LARGE:
        if (res->http_status)
            snprintf(buf, size, "body larger than this item allows");
        else
            snprintf(buf, size, "invalid response: header section too large");
        break;
    case RF_E_CONNECT_TIMEOUT:
        snprintf(buf, size, "timed out connecting to %s", host);
        break;
    case RF_E_TIMEOUT:
        if (res->detail)
            snprintf(buf, size, "timed out: %s", res->detail);
        else
            snprintf(buf, size, "timed out");
        break;
    case RF_E_TLS_CERT:
        snprintf(buf, size, "certificate verify failed: %s", res->detail ? res->detail : "?");
        break;
    case RF_E_TLS_HOST:
        snprintf(buf, size, "certificate is for %s, not %s", res->detail ? res->detail : "other names",
                 host);
        break;
    case RF_E_TLS_HANDSHAKE:
        snprintf(buf, size, "TLS handshake failed: %s", res->detail ? res->detail : "?");
        break;
    case RF_E_TLS_ALERT:
        snprintf(buf, size, "TLS alert: %s", res->detail ? res->detail : "?");
        break;
    case RF_E_TLS:
        snprintf(buf, size, "TLS error: %s", res->detail ? res->detail : "?");
        break;
    case RF_E_TLS_TIMEOUT:
        snprintf(buf, size, "timed out during TLS handshake");
        break;
    case RF_E_TLS_TRUNCATED:
        snprintf(buf, size, "truncated body: connection closed without TLS close_notify after %llu body bytes",
                 (unsigned long long)res->bytes);
        break;
    case RF_E_TLS_SETUP:
        snprintf(buf, size, "TLS setup failed: %s", res->detail ? res->detail : "?");
        break;
    case RF_E_EMPTY_REPLY:
        snprintf(buf, size, "empty reply from server");
        break;
    case -ECONNRESET:
        snprintf(buf, size, "connection reset by peer");
        break;
    case 0:
        snprintf(buf, size, "error");
        break;
    default:
        if (res->err < 0 && res->err > -4000 && is_file_error(res))
            snprintf(buf, size, "cannot write %s: %s", res->path, strerror(-res->err));
        else if (res->err < 0 && res->err > -4000)
            snprintf(buf, size, "%s", strerror(-res->err));
        else
            snprintf(buf, size, "error %d", res->err);
        break;
    }
    if (res->proxy) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " (through proxy %s)", res->proxy);
    }
attempts:
    if (res->attempts > 1) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " (%u attempts)", res->attempts);
    }
    return buf;
}
