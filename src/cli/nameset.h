/* The output names already used in a ringfetch run, to refuse a second
 * URL that would overwrite the first one's file.
 *
 * Only a 64-bit hash of each name is kept (open addressing, at most half
 * full): 8 to 32 bytes per distinct name instead of the name itself, so two
 * million URLs cost at most 64 MB. The price is a false "duplicate" when two
 * different names share a hash: about n^2 / 2^65, one in 10^7 runs for two
 * million names. */
#ifndef RF_CLI_NAMESET_H
#define RF_CLI_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct nameset {
    uint64_t *slots;   /* 0 = empty; a hash of 0 is stored as 1 */
    size_t cap;        /* a power of two, or 0 before the first add */
    size_t count;
};

void nameset_init(struct nameset *s);
void nameset_free(struct nameset *s);

/* Add name (len bytes). Returns 1 when it was new, 0 when it was already
 * there, -ENOMEM when the table could not grow. */
int nameset_add(struct nameset *s, const char *name, size_t len);

#endif
