/* The splitmix64 finaliser, a bijection on 64 bits with good avalanche, and
 * its increment (2^64 / golden ratio): the deterministic randomness of the
 * corpus generator and flagserver (same seed, same bytes, any machine), and
 * the last step of the output-name set's hash. */
#ifndef RF_UTIL_MIX64_H
#define RF_UTIL_MIX64_H

#include <stdint.h>

#define MIX64_GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
