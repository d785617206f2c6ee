/* behave: seeded per-request decisions. See behave.h. */
#include "server/behave.h"
#include "util/mix64.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_names[FS_FAULT_COUNT] = {
    [FS_FAULT_RESET] = "reset",       [FS_FAULT_TRUNCATE] = "truncate",
    [FS_FAULT_STALL] = "stall",       [FS_FAULT_DRIP] = "drip",
    [FS_FAULT_GARBAGE] = "garbage",   [FS_FAULT_BADCHUNK] = "badchunk",
    [FS_FAULT_HANG] = "hang",
};

const char *fs_fault_name(enum fs_fault f)
{
    return f > FS_FAULT_NONE && f < FS_FAULT_COUNT ? fault_names[f] : NULL;
}

int fs_fault_parse(const char *name, size_t len)
{
    for (int f = FS_FAULT_NONE + 1; f < FS_FAULT_COUNT; f++)
        if (strlen(fault_names[f]) == len && memcmp(fault_names[f], name, len) == 0)
            return f;
    return -EINVAL;
}

#define GOLDEN MIX64_GOLDEN

static uint64_t path_hash(const char *path, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then mixed */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)path[i]) * 0x100000001b3ULL;
    h = mix64(h);
    return h ? h : 1; /* 0 marks an empty slot */
}

void fs_behave_init(struct fs_behave *b, const struct fs_behaviour *cfg)
{
    memset(b, 0, sizeof(*b));
    b->cfg = *cfg;
}

void fs_behave_free(struct fs_behave *b)
{
    free(b->keys);
    free(b->counts);
    b->keys = NULL;
    b->counts = NULL;
    b->cap = b->used = 0;
}

/* Slot of key: where it is, or the empty slot where it belongs. cap is a
 * power of two and the table is never full. */
static size_t slot_of(const struct fs_behave *b, uint64_t key)
{
    size_t i = (size_t)key & (b->cap - 1);
    while (b->keys[i] && b->keys[i] != key)
        i = (i + 1) & (b->cap - 1);
    return i;
}

static int grow(struct fs_behave *b)
{
    size_t cap = b->cap ? b->cap * 2 : 1024;
    struct fs_behave n = { .cap = cap };
    n.keys = calloc(cap, sizeof(*n.keys));
    n.counts = calloc(cap, sizeof(*n.counts));
    if (!n.keys || !n.counts) {
        free(n.keys);
        free(n.counts);
        return -ENOMEM;
    }
    for (size_t i = 0; i < b->cap; i++) {
        if (!b->keys[i])
            continue;
        size_t j = slot_of(&n, b->keys[i]);
        n.keys[j] = b->keys[i];
        n.counts[j] = b->counts[i];
    }
    free(b->keys);
    free(b->counts);
    b->keys = n.keys;
    b->counts = n.counts;
    b->cap = cap;
    return 0;
}

/* How many requests for key came before this one; counts this one. */
static uint32_t take_count(struct fs_behave *b, uint64_t key)
{
    if ((b->used + 1) * 4 > b->cap * 3 && grow(b) < 0 && b->used + 1 >= b->cap)
        return 0;
    size_t i = slot_of(b, key);
    if (!b->keys[i]) {
        b->keys[i] = key;
        b->used++;
    }
    return b->counts[i]++;
}

/* Draw number k of a request, uniform in [0, 1). */
static double draw(uint64_t base, unsigned k)
{
    return (double)(mix64(base + k * GOLDEN) >> 11) * 0x1.0p-53;
}

void fs_behave_next(struct fs_behave *b, const char *path, size_t len, struct fs_decision *out)
{
    const struct fs_behaviour *c = &b->cfg;
    uint64_t key = path_hash(path, len);
    uint64_t n = take_count(b, key);
    uint64_t base = mix64(c->seed ^ mix64(key + n * GOLDEN));

    memset(out, 0, sizeof(*out));
    if (c->faults && draw(base, 0) < c->fault_rate) {
        int enabled[FS_FAULT_COUNT], count = 0;
        for (int f = FS_FAULT_NONE + 1; f < FS_FAULT_COUNT; f++)
            if (c->faults & (1u << f))
                enabled[count++] = f;
        if (count > 0)
            out->fault = (enum fs_fault)enabled[(int)(draw(base, 1) * count)];
    }
    if (out->fault == FS_FAULT_NONE && draw(base, 2) < c->error_rate)
        out->error_status = c->error_status ? c->error_status : 500 + (int)(draw(base, 3) * 4);
    if (draw(base, 4) < c->delay_rate) {
        uint32_t span = c->delay_max_ms - c->delay_min_ms;
        out->delay_ms = c->delay_min_ms + (uint32_t)(draw(base, 5) * (span + 1));
        if (out->delay_ms > c->delay_max_ms)
            out->delay_ms = c->delay_max_ms;
    }
}
