/* What a completion is about: the op kind and the generation of the slot
 * that submitted it, packed into the 64-bit user_data.
 *
 *   bits 63..56  op kind (enum op_kind)
 *   bits 55..32  generation of the slot (24 bits, wraps)
 *   bits 31..0   slot index (connection or transfer)
 *
 * A slot's generation changes every time it is reused, so a completion
 * that arrives for an earlier life of the slot is recognised and dropped.
 * Slots are only reused once their ops in flight reach zero, so in practice
 * the check is a guard against our own bugs. File writes are the exception:
 * each carries a pointer to its own write record in bits 55..0 (user-space
 * pointers fit in 47 bits on x86-64 and 56 on every Linux target), because
 * a record lives exactly as long as its one write.
 */
#ifndef RF_OPS_H
#define RF_OPS_H

#include <stdint.h>

enum op_kind {
    OP_NONE = 0,
    /* connection ops: slot = connection */
    OP_SOCKET, OP_CONNECT, OP_SEND, OP_RECV, OP_CANCEL, OP_CLOSE,
    /* file ops: slot = transfer (writes: pointer to the write record) */
    OP_FOPEN, OP_FWRITE, OP_FCLOSE, OP_FRENAME, OP_FUNLINK,
};

#define OPS_GEN_MASK 0xffffffu

static inline uint64_t ops_ud(enum op_kind kind, uint32_t gen, uint32_t idx)
{
    return (uint64_t)kind << 56 | (uint64_t)(gen & OPS_GEN_MASK) << 32 | idx;
}
static inline uint64_t ops_ud_ptr(enum op_kind kind, const void *p)
{
    return (uint64_t)kind << 56 | ((uint64_t)(uintptr_t)p & ((1ull << 56) - 1));
}
static inline enum op_kind ops_kind(uint64_t ud) { return (enum op_kind)(ud >> 56); }
static inline uint32_t ops_gen(uint64_t ud) { return (uint32_t)(ud >> 32) & OPS_GEN_MASK; }
static inline uint32_t ops_idx(uint64_t ud) { return (uint32_t)ud; }
static inline void *ops_ptr(uint64_t ud) { return (void *)(uintptr_t)(ud & ((1ull << 56) - 1)); }

#endif
