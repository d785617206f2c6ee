/* The value of one hex digit, for percent-decoding (client URLs, server
 * request targets). */
#ifndef RF_UTIL_HEXDIGIT_H
#define RF_UTIL_HEXDIGIT_H

/* 0..15, or -1 when c is not a hex digit. */
static inline int hexdigit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
