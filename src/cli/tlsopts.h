/* The TLS options both front ends take, spelled as curl spells them:
 *   --cacert FILE   trust the CAs in this PEM file instead of the system's
 *   --capath DIR    trust the CAs in this hashed directory instead
 *   -k, --insecure  verify neither the certificate chain nor the host name
 * Each parser adds TLSOPTS_LONG to its getopt table and "k" to its short
 * options, and hands the option it got to tlsopts_take. */
#ifndef RF_CLI_TLSOPTS_H
#define RF_CLI_TLSOPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "ringfetch/engine.h"

struct tlsopts {
    const char *cacert;
    const char *capath;
    bool insecure;
};

/* getopt values of the long-only ones (clear of both parsers' own). */
enum { TLSOPT_CACERT = 0x300, TLSOPT_CAPATH };

#define TLSOPTS_LONG                                              \
    {"cacert", required_argument, NULL, TLSOPT_CACERT},           \
    {"capath", required_argument, NULL, TLSOPT_CAPATH},           \
    {"insecure", no_argument, NULL, 'k'}

/* The help lines, for a front end's --help. */
#define TLSOPTS_HELP                                                               \
    "  --cacert FILE         https: trust the CA certificates in FILE (PEM)\n"     \
    "                        instead of the system's\n"                            \
    "  --capath DIR          https: trust the CA certificates in DIR (hashed,\n"   \
    "                        as c_rehash makes it) instead of the system's\n"      \
    "  -k, --insecure        https: do not verify certificates or host names\n"

/* If opt is one of ours, take it into t and return true. */
bool tlsopts_take(struct tlsopts *t, int opt, const char *arg);

/* Put t into the engine's options; with -k, say once on err (as
 * "PROG: warning: ...") that nothing is verified. */
void tlsopts_apply(const struct tlsopts *t, struct rf_options *opt, const char *prog, FILE *err);

#endif
