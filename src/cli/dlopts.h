/* ringfetch's downloader options (issue 11), one group of the command line:
 *
 *   following and retrying  --max-redirs N, --allow-downgrade, --retry N,
 *                           --retry-delay S, --retry-max-delay S
 *   politeness              --max-per-host N, --pipeline D
 *   requests                -H/--header 'Name: value', -A/--user-agent UA,
 *                           --user USER[:PASSWORD]
 *   saving                  --skip-existing, -x/--force-directories,
 *                           --log-json FILE, --shard K/N
 *   progress                --progress=bar|bar:force|dot|none
 *
 * The parser adds DLOPTS_LONG to its getopt table and DLOPTS_SHORT to its
 * short options, and hands every option it does not know to dlopts_take.
 * Values are checked here; a bad one is a usage error naming the option.
 * A password never appears in any message: dlopts_hide_password blanks it
 * in argv too (what ps shows), as curl does. */
#ifndef RF_CLI_DLOPTS_H
#define RF_CLI_DLOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_tunables.h"
#include "cli/shard.h"
#include "ringfetch/engine.h"

/* ringfetch's defaults (flags2 keeps the engine's: the book's behaviour). */
#define DLOPTS_DEFAULT_MAX_REDIRECTS 10   /* curl -L stops at 50, wget at 20; 10 hops is
                                             already a misconfigured site */
#define DLOPTS_DEFAULT_RETRIES 3          /* a transient failure rarely survives three waits */

/* Room for --user's "user:password" (each part as typed, not encoded). */
#define DLOPTS_CREDENTIALS_BYTES 1024

enum dlopts_progress {
    DLOPTS_PROGRESS_AUTO = 0,   /* a bar on a terminal, nothing elsewhere */
    DLOPTS_PROGRESS_BAR,        /* a bar on a terminal, dots elsewhere (wget's fallback) */
    DLOPTS_PROGRESS_BAR_FORCE,  /* a bar even off a terminal */
    DLOPTS_PROGRESS_DOT,        /* dots (dots.h) */
    DLOPTS_PROGRESS_NONE,       /* nothing but errors and the summary */
};

struct dlopts {
    /* following and retrying */
    unsigned max_redirects;
    bool allow_downgrade;
    unsigned retries;
    unsigned retry_delay_ms, retry_max_delay_ms;
    bool retry_max_delay_given;
    /* politeness */
    unsigned max_per_host;      /* 0: no cap beyond -m */
    unsigned pipeline;          /* 0: none */
    /* requests */
    const char *headers[RF_RINGFETCH_MAX_HEADERS];
    unsigned nheaders;
    size_t header_bytes;        /* -H and -A together */
    const char *user_agent;     /* NULL: the engine's */
    bool have_user;
    bool ask_password;          /* --user USER: ask on the terminal before the run */
    char credentials[DLOPTS_CREDENTIALS_BYTES]; /* "user:password", or "user" to ask */
    char *password_arg;         /* the password's bytes in argv, for dlopts_hide_password */
    /* saving */
    bool skip_existing;
    bool force_dirs;
    const char *log_json;
    struct shard shard;
    enum dlopts_progress progress;
};

/* getopt values of the long-only options (clear of the parsers' own and of
 * the other groups'). */
enum {
    DLOPT_MAX_REDIRS = 0x400, DLOPT_ALLOW_DOWNGRADE, DLOPT_RETRY, DLOPT_RETRY_DELAY,
    DLOPT_RETRY_MAX_DELAY, DLOPT_MAX_PER_HOST, DLOPT_PIPELINE, DLOPT_USER, DLOPT_SKIP_EXISTING,
    DLOPT_LOG_JSON, DLOPT_SHARD, DLOPT_PROGRESS,
};

#define DLOPTS_SHORT "H:A:x"

#define DLOPTS_LONG                                                       \
    {"max-redirs", required_argument, NULL, DLOPT_MAX_REDIRS},            \
    {"allow-downgrade", no_argument, NULL, DLOPT_ALLOW_DOWNGRADE},        \
    {"retry", required_argument, NULL, DLOPT_RETRY},                      \
    {"retry-delay", required_argument, NULL, DLOPT_RETRY_DELAY},          \
    {"retry-max-delay", required_argument, NULL, DLOPT_RETRY_MAX_DELAY},  \
    {"max-per-host", required_argument, NULL, DLOPT_MAX_PER_HOST},        \
    {"pipeline", required_argument, NULL, DLOPT_PIPELINE},                \
    {"header", required_argument, NULL, 'H'},                             \
    {"user-agent", required_argument, NULL, 'A'},                         \
    {"user", required_argument, NULL, DLOPT_USER},                        \
    {"skip-existing", no_argument, NULL, DLOPT_SKIP_EXISTING},            \
    {"force-directories", no_argument, NULL, 'x'},                        \
    {"log-json", required_argument, NULL, DLOPT_LOG_JSON},                \
    {"shard", required_argument, NULL, DLOPT_SHARD},                      \
    {"progress", required_argument, NULL, DLOPT_PROGRESS}

/* The help lines, for --help. */
extern const char dlopts_help[];

/* The defaults. */
void dlopts_init(struct dlopts *d);

/* dlopts_take's answers besides -EINVAL. */
enum dlopts_answer {
    DLOPTS_NOT_MINE = 0,
    DLOPTS_TAKEN = 1,
};

/* If opt is one of ours, take arg into d. Returns an enum dlopts_answer, or
 * -EINVAL with a sentence in why naming the option ("--retry N must be a
 * whole number from 0 to 1000, not 'x'"; never a password). */
int dlopts_take(struct dlopts *d, int opt, char *arg, char *why, size_t why_size);

/* Checks between options, once all are in (--retry-max-delay below
 * --retry-delay...; --discard with -x or --skip-existing). Returns 0 or
 * -EINVAL with a sentence in why. */
int dlopts_finish(struct dlopts *d, bool discard, char *why, size_t why_size);

/* The option's spelling for "OPTION needs a value", or NULL when it is not ours. */
const char *dlopts_name(int opt);

/* Overwrite the password given with --user in argv with '*', so that ps
 * and /proc/PID/cmdline no longer show it (the copy in d stays). */
void dlopts_hide_password(struct dlopts *d);

/* --user USER without a password: ask for it on the terminal (/dev/tty,
 * echo off), as curl does. Returns 0 (nothing to ask, or it was read) or
 * -errno after saying why on stderr (no terminal to ask on). */
int dlopts_ask_password(struct dlopts *d, const char *prog);

/* Put d into the engine's options (opt->window set: --pipeline without
 * --max-per-host caps each host at ceil(window / D) connections). */
void dlopts_apply(const struct dlopts *d, struct rf_options *opt);

/* Forget the credentials (after the run). */
void dlopts_wipe(struct dlopts *d);

#endif
