/* The HTTP layer's limits, units in the names. */
#ifndef RF_HTTP_TUNABLES_H
#define RF_HTTP_TUNABLES_H

/* Response limits: a header section larger than this is an error, not a reason
 * to grow memory without bound. */
#define RF_MAX_HEADER_BYTES          65536

#endif
