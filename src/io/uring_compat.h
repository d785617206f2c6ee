/* io_uring ABI constants newer than Debian 12's liburing 2.3 headers.
 *
 * The kernel here (6.18) has features its liburing does not name. Each
 * constant below is the kernel's documented ABI value (include/uapi/linux/
 * io_uring.h of the version named), defined only when the headers lack it.
 * be_uring.c uses one only after a runtime probe says the kernel has it,
 * and every one has a fallback that RINGFETCH_RING_DISABLE forces in the
 * tests (tests/e2e/test_ring_fallbacks.py).
 *
 * Not used: recv bundles (6.10) and incremental buffer consumption (6.12).
 * On 10,000 x 8 KiB --stats shows 6 completions per file, one of them the
 * only receive, and big plain bodies go by splice: on those paths there is
 * no receive for a bundle to save. (TLS bodies might gain; not measured.)
 */
#ifndef RF_URING_COMPAT_H
#define RF_URING_COMPAT_H

#include <liburing.h>

/* Linux 6.12: io_uring_getevents_arg's former pad is min_wait_usec, the
 * batch window of an IORING_ENTER_EXT_ARG wait: the wait holds out for
 * wait_nr completions that long, then returns with at least one, or goes
 * on until the timeout for the first. Announced by this feature bit. */
#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)
#endif

/* Linux 6.9: ftruncate as an operation (fd, length in off). */
#ifndef IORING_OP_FTRUNCATE
#define IORING_OP_FTRUNCATE 55
#endif

/* Linux 5.18: the enter's fd is the registered ring's index. liburing 2.3
 * has it; kept here in case an older header is met. */
#ifndef IORING_ENTER_REGISTERED_RING
#define IORING_ENTER_REGISTERED_RING (1U << 4)
#endif

#endif
