/* The output names already used in a ringfetch run, and which URL took
 * each: a second URL with a taken name would overwrite the first one's
 * file, and is refused; the same URL again is only a repeat, fetched once.
 *
 * Only hashes are kept (open addressing, at most half full): per distinct
 * name a 64-bit hash of the name, a 32-bit hash of the URL that took it and
 * the caller's 32-bit note of where that URL came from; 16 bytes a slot, 32
 * to 64 bytes a name, so two million URLs cost at most 128 MB whatever their
 * length. The price is a false "duplicate name" when two different names
 * share a hash (about n^2 / 2^65: one in 10^7 runs for two million names),
 * and a different URL with the same name taken for a repeat of the first one
 * when their URL hashes also agree (one in 2^32 such pairs). */
#ifndef RF_CLI_NAMESET_H
#define RF_CLI_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct nameset_slot {
    uint64_t name;     /* hash of the name; 0 = empty slot (a hash of 0 is stored as 1) */
    uint32_t url;      /* hash of the URL that claimed it */
    uint32_t where;    /* the claimer's note (nameset_claim's where) */
};

struct nameset {
    struct nameset_slot *slots;
    size_t cap;        /* a power of two, or 0 before the first claim */
    size_t count;
};

/* nameset_claim's answers besides -ENOMEM. */
enum nameset_answer {
    NAMESET_NEW = 0,       /* the name was free: it is now url's */
    NAMESET_SAME_URL = 1,  /* url claimed it before: *first_where is its note */
    NAMESET_TAKEN = 2,     /* another URL claimed it before */
};

void nameset_init(struct nameset *s);
void nameset_free(struct nameset *s);

/* Claim name (name_len bytes) for url (url_len bytes, the caller's
 * canonical form of it), noting where. Returns an enum nameset_answer, or
 * -ENOMEM when the table could not grow. first_where may be NULL. */
int nameset_claim(struct nameset *s, const char *name, size_t name_len, const char *url,
                  size_t url_len, uint32_t where, uint32_t *first_where);

#endif
