/* user_data: what a completion is about, packed into the 64 bits every
 * backend operation carries. The one place the packing is defined; the
 * client engine and flagserver each name their own kinds.
 *
 *   bits 63..56  op kind (the caller's enum, 1..254; 0 is never used and
 *                255 is the backend's own, never delivered)
 *   bits 55..32  generation of the slot that submitted it (24 bits, wraps)
 *   bits 31..0   slot index
 *
 * A slot's generation changes every time it is reused, so a completion
 * that arrives for an earlier life of the slot is recognised and dropped
 * (its lent buffer still given back). Slots are reused only once their
 * operations in flight are back, so the check guards against our own bugs.
 */
#ifndef RF_IO_UD_H
#define RF_IO_UD_H

#include <stdint.h>

#define UD_GEN_MASK 0xffffffu

static inline uint64_t ud_pack(unsigned kind, uint32_t gen, uint32_t idx)
{
    return (uint64_t)(kind & 0xffu) << 56 | (uint64_t)(gen & UD_GEN_MASK) << 32 | idx;
}
static inline unsigned ud_kind(uint64_t ud) { return (unsigned)(ud >> 56); }
static inline uint32_t ud_gen(uint64_t ud) { return (uint32_t)(ud >> 32) & UD_GEN_MASK; }
static inline uint32_t ud_idx(uint64_t ud) { return (uint32_t)ud; }
/* The next generation of a slot. */
static inline uint32_t ud_gen_next(uint32_t gen) { return (gen + 1) & UD_GEN_MASK; }

#endif
