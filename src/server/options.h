/* options: flagserver's command line, presets included.
 *
 * A preset is a starting point: LOCAL (port 8001, plain), DELAY (8002, every
 * response delayed 0.5 s) and ERROR (8003, 25% of requests answered with a
 * random 500..503 then close, 50% delayed 0.5 s) are the servers of Fluent
 * Python's flags2 chapter. Options given explicitly override the preset's
 * values; --presets runs the three at once, each with the explicit options
 * applied on top. */
#ifndef RF_SERVER_OPTIONS_H
#define RF_SERVER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/behave.h"

#define FS_MAX_SITES 3

/* One listener: where it listens and how it behaves. */
struct fs_site {
    const char *preset;    /* "LOCAL", "DELAY", "ERROR", or NULL */
    uint16_t port;         /* 0: a free port */
    struct fs_behaviour behave;
};

struct fs_options {
    const char *root;      /* NULL: the in-memory synthetic corpus */
    const char *bind;      /* address to listen on */
    bool http10;           /* HTTP/1.0, close after every response */
    bool verbose;          /* one log line per request on stderr */
    uint32_t idle_timeout_ms; /* keep-alive connections idle this long are closed; 0: never */
    bool help;
    bool version;          /* --version: print the report (cli/version.h) and exit */
    unsigned nsites;
    struct fs_site sites[FS_MAX_SITES];
};

extern const char fs_options_usage[];

/* Parse argv (argv[0] is skipped). Returns 0, or -EINVAL with a one-line
 * reason in err. Strings in *o point into argv. */
int fs_options_parse(int argc, char **argv, struct fs_options *o, char *err, size_t errlen);

#endif
