/* Resolving a URI reference against a base URL (RFC 3986 section 5.2): what
 * a redirect's Location means. Pure string work, no allocation; fragments
 * are dropped (they are never sent). */
#ifndef RF_HTTP_URLREF_H
#define RF_HTTP_URLREF_H

#include <stddef.h>

/* Resolve ref (ref_len bytes; it need not be NUL-terminated) against the
 * absolute URL base into out, NUL-terminated. Returns the length, -EINVAL
 * when base has no scheme, or -ENOSPC when the result does not fit. */
int urlref_resolve(const char *base, const char *ref, size_t ref_len, char *out, size_t size);

#endif
