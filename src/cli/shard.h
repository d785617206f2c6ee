/* --shard K/N: which items of a list this run keeps, so that N runs given
 * the same list (on N machines, or N processes of one) fetch disjoint parts
 * whose union is the list.
 *
 * An item belongs to shard mix64(FNV-1a-64(URL)) mod N: FNV-1a, 64 bits
 * (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over the bytes of
 * the URL as written (a list line with the blanks around it trimmed, or a
 * URL argument as given), then splitmix64's finaliser (util/mix64.h). Both
 * are published, fixed functions, so any tool can compute the same split:
 * a few lines of Python do (docs/scale-out.md). The finaliser is there
 * because FNV-1a's low bits follow its input's too closely: over URLs that
 * differ in a counter, "FNV-1a mod 2" alternates exactly and mod 3 or 7
 * leaves shards 20% apart; mixed, they are as even as chance. Nothing else
 * counts: not the machine, the run, the list's other lines or the order of
 * the items. Two spellings of one URL ("http://H/a" and "http://h/a") may
 * land in different shards: they are the same item only within one run
 * (outpath.h). */
#ifndef RF_CLI_SHARD_H
#define RF_CLI_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHARD_FNV_OFFSET 0xcbf29ce484222325ULL
#define SHARD_FNV_PRIME  0x100000001b3ULL
/* Most shards a run can be one of: far beyond any fleet, and small enough
 * that K and N print and parse as plain numbers everywhere. */
#define SHARD_N_MAX 1000000u

struct shard {
    uint32_t k, n;   /* this run keeps shard k of n; n == 0: no sharding, keep all */
};

/* FNV-1a 64 of len bytes of s. */
uint64_t shard_fnv1a(const char *s, size_t len);
/* The shard hash: mix64(shard_fnv1a(s, len)). */
uint64_t shard_hash(const char *s, size_t len);

/* Parse "K/N" (decimal, 0 <= K < N <= SHARD_N_MAX, nothing else). Returns 0
 * or -EINVAL. */
int shard_parse(const char *text, struct shard *s);

/* Whether this run keeps the item whose URL is s (len bytes). */
bool shard_keeps(const struct shard *s, const char *url, size_t len);

#endif
