/* Country-code lists for flags2 (flags2-spec.md, "Which codes").
 *
 * A selection is always de-duplicated and sorted: it is kept as the set of
 * the 676 possible codes AA..ZZ, whose index order is alphabetical order.
 * No allocation, no I/O. */
#ifndef RF_CLI_CODES_H
#define RF_CLI_CODES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define CODES_EVERY_COUNT 676       /* AA..ZZ */
#define CODES_NO_LIMIT LLONG_MAX   /* "-l" not given */

/* A sorted list of distinct upper-case codes, each NUL-terminated. */
struct codes_set {
    size_t n;
    char cc[CODES_EVERY_COUNT][3];
};

/* The codes that have a flag (data/country_codes.txt, compiled in): 194. */
size_t codes_available_count(void);
const char *codes_available(size_t i);

/* The default list, top 20 countries by population, sorted: 20. */
size_t codes_top20_count(void);
const char *codes_top20(size_t i);

/* Apply the spec's selection rules: every (-e) wins with AA..ZZ; else all
 * (-a) gives the available codes; else each argument, upper-cased, adds
 * XA..XZ when it is one letter X or itself when it is two letters. Args are
 * not looked at when every or all is set. An empty result becomes the top-20
 * list. The set is then cut to its first `limit` codes (limit >= 1, or
 * CODES_NO_LIMIT).
 * Returns 0, or -EINVAL when an argument is neither A..Z nor AA..ZZ (then
 * *bad, if not NULL, is its index in args) or limit < 1. */
int codes_select(bool every, bool all, char *const *args, size_t nargs,
                 long long limit, struct codes_set *out, size_t *bad);

#endif
