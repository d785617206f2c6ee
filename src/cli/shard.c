/* See shard.h. */
#include "cli/shard.h"

#include <errno.h>
#include <stdlib.h>

#include "util/mix64.h"

uint64_t shard_fnv1a(const char *s, size_t len)
{
    uint64_t h = SHARD_FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= SHARD_FNV_PRIME;
    }
    return h;
}

uint64_t shard_hash(const char *s, size_t len)
{
    return mix64(shard_fnv1a(s, len));
}

/* A decimal number of at most 7 digits (SHARD_N_MAX has 7), no sign, no
 * blanks; *end is where it stopped. */
static int parse_number(const char *p, const char **end, uint32_t *v)
{
    uint32_t n = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 7)
            return -EINVAL;
        n = n * 10 + (uint32_t)(*p++ - '0');
    }
    if (digits == 0)
        return -EINVAL;
    *end = p;
    *v = n;
    return 0;
}

int shard_parse(const char *text, struct shard *s)
{
    const char *p;
    uint32_t k, n;
    if (parse_number(text, &p, &k) < 0 || *p != '/')
        return -EINVAL;
    if (parse_number(p + 1, &p, &n) < 0 || *p != '\0')
        return -EINVAL;
    if (n == 0 || n > SHARD_N_MAX || k >= n)
        return -EINVAL;
    s->k = k;
    s->n = n;
    return 0;
}

bool shard_keeps(const struct shard *s, const char *url, size_t len)
{
    if (s->n <= 1)
        return true;
    return shard_hash(url, len) % s->n == s->k;
}
