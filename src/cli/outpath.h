/* Where ringfetch saves a URL: DIR/NAME, NAME being url_output_name() of
 * the URL. A URL that cannot be fetched or saved safely never reaches the
 * engine: this says why, in words that name the URL. */
#ifndef RF_CLI_OUTPATH_H
#define RF_CLI_OUTPATH_H

#include <stddef.h>

#include "cli/nameset.h"

/* Make the destination path of url under dir into path (with dir NULL,
 * only check the URL: path is set to "" and no name is claimed). problem is the
 * urllist_item's (0, -E2BIG or -EILSEQ). The name is claimed in seen, so
 * the first URL with a given name wins and every later one is refused.
 * Returns 0, or a negative errno with a sentence (no trailing newline) in why:
 *   -EINVAL       "bad URL 'U': REASON" (not http://, malformed, too long,
 *                 NUL byte, no usable file name)
 *   -EEXIST       "duplicate output name 'N' for 'U'"
 *   -ENAMETOOLONG "output path too long for 'U'"
 *   -ENOMEM       the name set could not grow. */
int outpath_make(const char *dir, const char *url, int problem, struct nameset *seen,
                 char *path, size_t size, char *why, size_t why_size);

/* Copy s into buf for a message: printable ASCII as it is, other bytes as
 * \xNN, cut with "..." when it does not fit. Returns buf. */
char *outpath_quote(char *buf, size_t size, const char *s);

#endif
