/* Hashed set of output names. See nameset.h. */
#include "cli/nameset.h"

#include <errno.h>
#include <stdlib.h>

#include "util/mix64.h"

#define NAMESET_MIN_CAP 1024

/* FNV-1a, then a 64-bit finaliser (splitmix64's) so that the low bits
 * used for the slot index are well mixed. */
static uint64_t hash_name(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    h = mix64(h);
    return h ? h : 1;
}

void nameset_init(struct nameset *s)
{
    s->slots = NULL;
    s->cap = 0;
    s->count = 0;
}

void nameset_free(struct nameset *s)
{
    free(s->slots);
    nameset_init(s);
}

/* Linear probing: returns the slot holding h or the empty one where it goes. */
static uint64_t *find(uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] && slots[i] != h)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct nameset *s)
{
    size_t cap = s->cap ? s->cap * 2 : NAMESET_MIN_CAP;
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            *find(slots, cap, s->slots[i]) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int nameset_add(struct nameset *s, const char *name, size_t len)
{
    if ((s->count + 1) * 2 > s->cap) {
        int r = grow(s);
        if (r < 0)
            return r;
    }
    uint64_t h = hash_name(name, len);
    uint64_t *slot = find(s->slots, s->cap, h);
    if (*slot)
        return 0;
    *slot = h;
    s->count++;
    return 1;
}
