/* ringfetch's proxy options, spelled as curl spells them, and the
 * environment variables curl and wget read:
 *   --proxy URL      every URL through this proxy ("" = none), whatever the
 *                    environment says
 *   --noproxy LIST   the hosts that go direct, instead of no_proxy
 *   http_proxy       the proxy for http:// URLs (lower case only: HTTP_PROXY
 *                    is ignored, as curl ignores it, because a CGI program
 *                    gets it from a request's "Proxy:" header: "httpoxy")
 *   https_proxy, HTTPS_PROXY   for https:// URLs (the lower-case one first)
 *   no_proxy, NO_PROXY         hosts that go direct (the lower-case one first)
 * A parser adds PROXYOPTS_LONG to its getopt table and hands the options it
 * does not know to proxyopts_take. */
#ifndef RF_CLI_PROXYOPTS_H
#define RF_CLI_PROXYOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ringfetch/engine.h"

struct proxyopts {
    const char *proxy;     /* --proxy, or NULL: the environment's */
    const char *noproxy;   /* --noproxy, or NULL: the environment's */
};

/* getopt values of the long-only ones (clear of the parsers' own and tlsopts'). */
enum { PROXYOPT_PROXY = 0x320, PROXYOPT_NOPROXY };

#define PROXYOPTS_LONG                                            \
    {"proxy", required_argument, NULL, PROXYOPT_PROXY},           \
    {"noproxy", required_argument, NULL, PROXYOPT_NOPROXY}

#define PROXYOPTS_HELP                                                               \
    "  --proxy URL           fetch through this HTTP proxy ([http://][user:pass@]\n" \
    "                        host[:port], port 1080 by default): http:// URLs as\n"  \
    "                        absolute requests, https:// ones through a CONNECT\n"   \
    "                        tunnel; '' for none. Without it: http_proxy,\n"         \
    "                        https_proxy (never HTTP_PROXY), as curl reads them\n"   \
    "  --noproxy LIST        hosts that go direct (a,.b.org,10.0.0.0/8,*),\n"        \
    "                        instead of no_proxy\n"

enum { PROXYOPTS_NOT_OURS = 0, PROXYOPTS_TAKEN = 1 };

/* If opt is one of ours, check its value and take it into p: PROXYOPTS_TAKEN,
 * or -EINVAL with words for a usage error in why (the option's name, the
 * value with its password hidden, the reason). PROXYOPTS_NOT_OURS else. */
int proxyopts_take(struct proxyopts *p, int opt, const char *arg, char *why, size_t size);

/* The option's name for "needs a value", or NULL when opt is not ours. */
const char *proxyopts_name(int opt);

/* Put the proxies of the run into *opt: the options', else the
 * environment's (through env: getenv, or a test's). A variable whose value
 * cannot be used is a usage error: said on err as "PROG: VARIABLE: 'value':
 * reason" (its password hidden), and -EINVAL returned. Returns 0 else. */
int proxyopts_apply(const struct proxyopts *p, struct rf_options *opt, const char *prog, FILE *err,
                    char *(*env)(const char *name));

#endif
