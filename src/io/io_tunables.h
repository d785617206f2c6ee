/* The backends' compile-time sizes, units in the names. */
#ifndef RF_IO_TUNABLES_H
#define RF_IO_TUNABLES_H

/* SQ entries: an SQ that fills is flushed without waiting, so this only
 * bounds how much one flush submits; 1024 covers a window of 100 jobs'
 * whole burst in one enter. */
#define IO_URING_SQ_ENTRIES          1024
/* The kernel's CQ limit is far higher; past this a window is better served
 * by batching than by a bigger CQ. */
#define IO_URING_MAX_CQ_ENTRIES      65536
/* Buffer ids are 16 bits. */
#define IO_URING_MAX_BUFS            32768

#endif
