/* HTTP status codes in words: the one table of reason phrases, for the
 * client's messages ("HTTP error 503 - Service Unavailable") and the test
 * server's status lines alike. */
#ifndef RF_HTTP_STATUS_H
#define RF_HTTP_STATUS_H

/* The reason phrase of a status (RFC 9110's, e.g. "Not Found"); "" for a
 * code we do not name. Static text. */
const char *http_status_reason(int status);

#endif
