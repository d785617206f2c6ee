/* Base64 (RFC 4648 section 4, with padding), for the Basic credentials of
 * a URL's userinfo. Encoding only: we never read base64. */
#ifndef RF_UTIL_BASE64_H
#define RF_UTIL_BASE64_H

#include <stddef.h>

/* Bytes base64_encode writes for n input bytes: 4 per 3, the last group
 * padded with '='. */
#define BASE64_ENCODED_BYTES(n) (((n) + 2) / 3 * 4)

/* Encode n bytes of in into out, which has room for BASE64_ENCODED_BYTES(n)
 * bytes (no NUL is written). Returns that length. */
size_t base64_encode(const void *in, size_t n, char *out);

#endif
