/* Hashed set of output names. See nameset.h. */
#include "cli/nameset.h"

#include <errno.h>
#include <stdlib.h>

#include "util/mix64.h"

#define NAMESET_MIN_CAP 1024

/* FNV-1a, then a 64-bit finaliser (splitmix64's) so that the low bits
 * used for the slot index are well mixed. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return mix64(h);
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
static struct nameset_slot *find(struct nameset_slot *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].name && slots[i].name != h)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct nameset *s)
{
    size_t cap = s->cap ? s->cap * 2 : NAMESET_MIN_CAP;
    struct nameset_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].name)
            *find(slots, cap, s->slots[i].name) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int nameset_claim(struct nameset *s, const char *name, size_t name_len, const char *url,
                  size_t url_len, uint32_t where, uint32_t *first_where)
{
    if ((s->count + 1) * 2 > s->cap) {
        int r = grow(s);
        if (r < 0)
            return r;
    }
    uint64_t h = hash_bytes(name, name_len);
    if (h == 0)
        h = 1;
    /* The URL's 64-bit hash, folded: the name's hash already agrees when
     * this is consulted, so 32 bits of the URL's are enough. */
    uint64_t uh = hash_bytes(url, url_len);
    uint32_t u = (uint32_t)(uh ^ uh >> 32);
    struct nameset_slot *slot = find(s->slots, s->cap, h);
    if (slot->name) {
        if (slot->url != u)
            return NAMESET_TAKEN;
        if (first_where)
            *first_where = slot->where;
        return NAMESET_SAME_URL;
    }
    slot->name = h;
    slot->url = u;
    slot->where = where;
    s->count++;
    return NAMESET_NEW;
}
