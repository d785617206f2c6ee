/* See base64.h. */
#include "util/base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const void *in, size_t n, char *out)
{
    const unsigned char *s = in;
    size_t len = 0;

    /* Three bytes make 24 bits, four digits of 6 bits each. */
    for (; n >= 3; s += 3, n -= 3) {
        unsigned long v = (unsigned long)s[0] << 16 | (unsigned long)s[1] << 8 | s[2];
        out[len++] = base64_alphabet[v >> 18 & 63];
        out[len++] = base64_alphabet[v >> 12 & 63];
        out[len++] = base64_alphabet[v >> 6 & 63];
        out[len++] = base64_alphabet[v & 63];
    }
    /* One or two bytes left: their bits, zero-filled, then '=' for each
     * missing byte. */
    if (n > 0) {
        unsigned long v = (unsigned long)s[0] << 16 | (n == 2 ? (unsigned long)s[1] << 8 : 0);
        out[len++] = base64_alphabet[v >> 18 & 63];
        out[len++] = base64_alphabet[v >> 12 & 63];
        out[len++] = n == 2 ? base64_alphabet[v >> 6 & 63] : '=';
        out[len++] = '=';
    }
    return len;
}
