/* Words for results. The engine itself only deals in codes; front ends call
 * these at the edge, when they print. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ringfetch/engine.h"

const char *rf_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 418: return "I'm a Teapot";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
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
    switch (res->err) {
    case RF_E_HTTP_STATUS: {
        const char *reason = rf_status_reason(res->http_status);
        snprintf(buf, size, "HTTP error %d%s%s", res->http_status, *reason ? " - " : "", reason);
        break;
    }
    case RF_E_RESOLVE:
        snprintf(buf, size, "could not resolve host %s", host);
        break;
    case RF_E_PROTOCOL:
        snprintf(buf, size, "invalid response: %s", res->detail ? res->detail : "parse error");
        break;
    case RF_E_TRUNCATED:
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
        if (res->err < 0 && res->err > -4000)
            snprintf(buf, size, "%s", strerror(-res->err));
        else
            snprintf(buf, size, "error %d", res->err);
        break;
    }
    return buf;
}
