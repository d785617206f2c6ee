/* reply: response heads and error pages. See reply.h. */
#include "server/reply.h"
#include "http/status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *fs_reply_reason(int status)
{
    const char *reason = http_status_reason(status);
    return *reason ? reason : "Error";
}

int fs_reply_head(char *buf, size_t cap, bool http10, int status, const char *content_type,
                  int64_t content_length, bool keep_alive, const char *extra)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));

    char length[48] = "";
    if (content_length >= 0)
        snprintf(length, sizeof(length), "Content-Length: %" PRId64 "\r\n", content_length);
    int n = snprintf(buf, cap,
                     "HTTP/1.%d %d %s\r\n"
                     "Server: flagserver\r\n"
                     "Date: %s\r\n"
                     "Content-Type: %s\r\n"
                     "%s"
                     "Connection: %s\r\n"
                     "%s"
                     "\r\n",
                     http10 ? 0 : 1, status, fs_reply_reason(status), date, content_type, length,
                     keep_alive ? "keep-alive" : "close", extra ? extra : "");
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int fs_reply_error(char *buf, size_t cap, bool http10, int status, bool keep_alive, bool with_body)
{
    char page[256];
    const char *reason = fs_reply_reason(status);
    int plen = snprintf(page, sizeof(page),
                        "<html>\r\n<head><title>%d %s</title></head>\r\n"
                        "<body>\r\n<center><h1>%d %s</h1></center>\r\n"
                        "<hr><center>flagserver</center>\r\n</body>\r\n</html>\r\n",
                        status, reason, status, reason);
    if (plen < 0 || (size_t)plen >= sizeof(page))
        return -ENOSPC;
    const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : NULL;
    int n = fs_reply_head(buf, cap, http10, status, "text/html; charset=utf-8", plen, keep_alive, extra);
    if (n < 0)
        return n;
    if (!with_body)
        return n;
    if ((size_t)n + (size_t)plen >= cap)
        return -ENOSPC;
    memcpy(buf + n, page, (size_t)plen);
    return n + plen;
}
