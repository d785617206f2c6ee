/* See dlopts.h. */
#include "cli/dlopts.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define STR(x) #x
#define XSTR(x) STR(x)

const char dlopts_help[] =
    "following and retrying:\n"
    "  --max-redirs N        follow at most N redirects (301, 302, 303, 307, 308)\n"
    "                        per URL, 0 to follow none (default=" XSTR(DLOPTS_DEFAULT_MAX_REDIRECTS) ");\n"
    "                        a file keeps the name of the URL in the list\n"
    "  --allow-downgrade     follow a redirect from https:// to http://\n"
    "  --retry N             try a URL again up to N times after a transient\n"
    "                        failure (refused, reset, timed out, silent for\n"
    "                        --read-timeout, cut short, 408, 429, 500, 502, 503,\n"
    "                        504), 0 never (default=" XSTR(DLOPTS_DEFAULT_RETRIES) ")\n"
    "  --retry-delay S       the first wait, doubled (with jitter) for each\n"
    "                        retry after it (default=1); Retry-After replaces it\n"
    "  --retry-max-delay S   no wait longer than S, Retry-After's included\n"
    "                        (default=60)\n"
    "politeness:\n"
    "  --max-per-host N      at most N connections to one host (host and port)\n"
    "                        at once, within -m (default: no cap but -m); hosts\n"
    "                        take turns, so URLs of other hosts further down the\n"
    "                        list start while a capped host is busy\n"
    "  --pipeline D          HTTP/1.1 pipelining: up to D requests in flight on\n"
    "                        a connection (1.." XSTR(RF_MAX_PIPELINE) "; off by default) once it has\n"
    "                        answered one as persistent HTTP/1.1, so -m N takes\n"
    "                        N/D connections per host (unless --max-per-host);\n"
    "                        requests a closed connection left unanswered are\n"
    "                        sent again on a new one\n"
    "requests:\n"
    "  -H, --header 'Name: value'  add this header to every request (repeat for\n"
    "                        more); one we send (Host, User-Agent, Accept,\n"
    "                        Authorization) is replaced, 'Name:' removes ours\n"
    "  -A, --user-agent UA   send User-Agent: UA ('' sends none)\n"
    "  --user USER:PASSWORD  Basic authorization for URLs without user:password@\n"
    "                        of their own; --user USER asks for the password on\n"
    "                        the terminal. Never printed; hidden from ps\n"
    "saving:\n"
    "  --skip-existing       count an item whose file already exists (a regular\n"
    "                        file) as skipped, without a request\n"
    "  -x, --force-directories  save under DIR/HOST[:PORT]/PATH/NAME, making the\n"
    "                        folders of the URL's path (each name checked like a\n"
    "                        file name)\n"
    "  --log-json FILE       one JSON object per item as it ends: url, final_url,\n"
    "                        path, outcome, http_status, bytes, attempts,\n"
    "                        elapsed_ms, error, proxy\n"
    "  --shard K/N           fetch only the items whose URL hashes to K of N\n"
    "                        (FNV-1a 64 mod N): N runs with K = 0..N-1 share a list\n"
    "progress:\n"
    "  --progress=TYPE       bar (on a terminal; dots elsewhere), bar:force,\n"
    "                        dot (one character per item), or none; by default\n"
    "                        a bar on a terminal and nothing elsewhere\n";

void dlopts_init(struct dlopts *d)
{
    memset(d, 0, sizeof *d);
    d->max_redirects = DLOPTS_DEFAULT_MAX_REDIRECTS;
    d->retries = DLOPTS_DEFAULT_RETRIES;
    d->retry_delay_ms = RF_RETRY_DELAY_MS;
    d->retry_max_delay_ms = RF_RETRY_MAX_DELAY_MS;
}

const char *dlopts_name(int opt)
{
    switch (opt) {
    case DLOPT_MAX_REDIRS: return "--max-redirs";
    case DLOPT_RETRY: return "--retry";
    case DLOPT_RETRY_DELAY: return "--retry-delay";
    case DLOPT_RETRY_MAX_DELAY: return "--retry-max-delay";
    case DLOPT_MAX_PER_HOST: return "--max-per-host";
    case DLOPT_PIPELINE: return "--pipeline";
    case 'H': return "-H";
    case 'A': return "-A";
    case DLOPT_USER: return "--user";
    case DLOPT_LOG_JSON: return "--log-json";
    case DLOPT_SHARD: return "--shard";
    case DLOPT_PROGRESS: return "--progress";
    default: return NULL;
    }
}

/* A whole number from lo to hi, nothing else around it. */
static int whole(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -EINVAL;  /* no sign, no blank */
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end || errno || n < lo || n > hi)
        return -EINVAL;
    *v = (unsigned)n;
    return 0;
}

/* Seconds (a decimal number) > 0 and at most RF_RINGFETCH_MAX_DELAY_S, to
 * whole milliseconds, at least one. */
static int seconds_ms(const char *s, unsigned *ms)
{
    char *end;
    if ((*s < '0' || *s > '9') && *s != '.')
        return -EINVAL;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || !(v > 0) || v > RF_RINGFETCH_MAX_DELAY_S)
        return -EINVAL;
    double m = v * 1000.0;
    *ms = m < 1 ? 1 : (unsigned)(m + 0.5);
    return 0;
}

static bool is_tchar(unsigned char c)
{
    /* RFC 9110 5.6.2: a field name is a token. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header line as curl's -H takes it: "Name: value" or "Name:" (removes
 * ours); no control character but tab in the value (CR or LF would start
 * another line of the request). Returns NULL or why not. */
static const char *header_problem(const char *h)
{
    size_t n = 0;
    while (is_tchar((unsigned char)h[n]))
        n++;
    if (n == 0)
        return "must start with a header name (letters, digits and !#$%&'*+-.^_`|~)";
    if (h[n] != ':')
        return "must be 'Name: value' (a ':' right after the name)";
    for (const unsigned char *p = (const unsigned char *)h + n + 1; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return "holds a control character (CR, LF...) in its value";
    return NULL;
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return true;
    return false;
}

int dlopts_take(struct dlopts *d, int opt, char *arg, char *why, size_t why_size)
{
    const char *problem;
    switch (opt) {
    /* following and retrying */
    case DLOPT_MAX_REDIRS:
        if (whole(arg, 0, RF_RINGFETCH_MAX_REDIRECTS, &d->max_redirects) < 0)
            goto bad_number;
        return DLOPTS_TAKEN;
    case DLOPT_ALLOW_DOWNGRADE:
        d->allow_downgrade = true;
        return DLOPTS_TAKEN;
    case DLOPT_RETRY:
        if (whole(arg, 0, RF_RINGFETCH_MAX_RETRIES, &d->retries) < 0)
            goto bad_number;
        return DLOPTS_TAKEN;
    case DLOPT_RETRY_DELAY:
        if (seconds_ms(arg, &d->retry_delay_ms) < 0)
            goto bad_seconds;
        return DLOPTS_TAKEN;
    case DLOPT_RETRY_MAX_DELAY:
        if (seconds_ms(arg, &d->retry_max_delay_ms) < 0)
            goto bad_seconds;
        d->retry_max_delay_given = true;
        return DLOPTS_TAKEN;

    /* politeness */
    case DLOPT_MAX_PER_HOST:
        if (whole(arg, 1, RF_MAX_WINDOW, &d->max_per_host) < 0)
            goto bad_number;
        return DLOPTS_TAKEN;
    case DLOPT_PIPELINE:
        if (whole(arg, 1, RF_MAX_PIPELINE, &d->pipeline) < 0)
            goto bad_number;
        return DLOPTS_TAKEN;

    /* requests */
    case 'H':
        if ((problem = header_problem(arg)) != NULL) {
            snprintf(why, why_size, "-H '%.200s' %s", arg, problem);
            return -EINVAL;
        }
        if (d->nheaders == RF_RINGFETCH_MAX_HEADERS) {
            snprintf(why, why_size, "-H can be given at most %u times",
                     (unsigned)RF_RINGFETCH_MAX_HEADERS);
            return -EINVAL;
        }
        d->header_bytes += strlen(arg) + 2;
        if (d->header_bytes > RF_RINGFETCH_MAX_HEADER_BYTES)
            goto too_many_bytes;
        d->headers[d->nheaders++] = arg;
        return DLOPTS_TAKEN;
    case 'A':
        if (has_control(arg)) {
            snprintf(why, why_size, "-A UA holds a control character (CR, LF...)");
            return -EINVAL;
        }
        if (arg[0] == '\0') {
            /* curl's -A '': no User-Agent at all, which -H 'User-Agent:' says to the engine. */
            static const char none[] = "User-Agent:";
            return dlopts_take(d, 'H', (char *)none, why, why_size);
        }
        if (d->user_agent)
            d->header_bytes -= strlen(d->user_agent) + 14;
        d->user_agent = arg;
        d->header_bytes += strlen(arg) + 14;
        if (d->header_bytes > RF_RINGFETCH_MAX_HEADER_BYTES)
            goto too_many_bytes;
        return DLOPTS_TAKEN;
    case DLOPT_USER: {
        /* Never echoed: the words below name the option, not its value. */
        size_t len = strlen(arg);
        char *colon = strchr(arg, ':');
        if (len >= sizeof d->credentials) {
            snprintf(why, why_size, "--user USER:PASSWORD is too long (at most %u bytes)",
                     (unsigned)sizeof d->credentials - 1);
            return -EINVAL;
        }
        if (len == 0 || colon == arg) {
            snprintf(why, why_size, "--user needs a user name before any ':'");
            return -EINVAL;
        }
        memcpy(d->credentials, arg, len + 1);
        d->have_user = true;
        d->ask_password = colon == NULL;
        d->password_arg = colon ? colon + 1 : NULL;
        return DLOPTS_TAKEN;
    }

    /* saving */
    case DLOPT_SKIP_EXISTING:
        d->skip_existing = true;
        return DLOPTS_TAKEN;
    case 'x':
        d->force_dirs = true;
        return DLOPTS_TAKEN;
    case DLOPT_LOG_JSON:
        if (arg[0] == '\0') {
            snprintf(why, why_size, "--log-json FILE must not be empty");
            return -EINVAL;
        }
        d->log_json = arg;
        return DLOPTS_TAKEN;
    case DLOPT_SHARD:
        if (shard_parse(arg, &d->shard) < 0) {
            snprintf(why, why_size, "--shard K/N needs whole numbers with 0 <= K < N <= %u, "
                     "not '%.200s'", (unsigned)SHARD_N_MAX, arg);
            return -EINVAL;
        }
        return DLOPTS_TAKEN;

    /* progress */
    case DLOPT_PROGRESS:
        if (strcmp(arg, "bar") == 0)
            d->progress = DLOPTS_PROGRESS_BAR;
        else if (strcmp(arg, "bar:force") == 0)
            d->progress = DLOPTS_PROGRESS_BAR_FORCE;
        else if (strcmp(arg, "dot") == 0)
            d->progress = DLOPTS_PROGRESS_DOT;
        else if (strcmp(arg, "none") == 0)
            d->progress = DLOPTS_PROGRESS_NONE;
        else {
            snprintf(why, why_size, "--progress must be bar, bar:force, dot or none, not '%.200s'",
                     arg);
            return -EINVAL;
        }
        return DLOPTS_TAKEN;
    default:
        return DLOPTS_NOT_MINE;
    }

bad_number:
    switch (opt) {
    case DLOPT_MAX_REDIRS:
        snprintf(why, why_size, "--max-redirs N must be a whole number from 0 to %u, not '%.200s'",
                 (unsigned)RF_RINGFETCH_MAX_REDIRECTS, arg);
        break;
    case DLOPT_RETRY:
        snprintf(why, why_size, "--retry N must be a whole number from 0 to %u, not '%.200s'",
                 (unsigned)RF_RINGFETCH_MAX_RETRIES, arg);
        break;
    case DLOPT_MAX_PER_HOST:
        snprintf(why, why_size, "--max-per-host N must be a whole number from 1 to %u, not '%.200s'",
                 (unsigned)RF_MAX_WINDOW, arg);
        break;
    default:
        snprintf(why, why_size, "--pipeline D must be a whole number from 1 to %u, not '%.200s'",
                 (unsigned)RF_MAX_PIPELINE, arg);
        break;
    }
    return -EINVAL;
bad_seconds:
    snprintf(why, why_size, "%s S must be a number of seconds > 0 and at most %u, not '%.200s'",
             dlopts_name(opt), (unsigned)RF_RINGFETCH_MAX_DELAY_S, arg);
    return -EINVAL;
too_many_bytes:
    snprintf(why, why_size, "-H and -A add more than %u bytes to every request",
             (unsigned)RF_RINGFETCH_MAX_HEADER_BYTES);
    return -EINVAL;
}

int dlopts_finish(struct dlopts *d, bool discard, char *why, size_t why_size)
{
    if (d->retry_delay_ms > d->retry_max_delay_ms) {
        if (d->retry_max_delay_given) {
            snprintf(why, why_size, "--retry-max-delay S must not be less than --retry-delay");
            return -EINVAL;
        }
        d->retry_max_delay_ms = d->retry_delay_ms; /* a long first wait raises the default cap */
    }
    if (discard && d->force_dirs) {
        snprintf(why, why_size, "--discard saves nothing: -x cannot go with it");
        return -EINVAL;
    }
    if (discard && d->skip_existing) {
        snprintf(why, why_size, "--discard saves nothing: --skip-existing cannot go with it");
        return -EINVAL;
    }
    return 0;
}

void dlopts_hide_password(struct dlopts *d)
{
    if (d->password_arg)
        memset(d->password_arg, '*', strlen(d->password_arg));
    d->password_arg = NULL;
}

int dlopts_ask_password(struct dlopts *d, const char *prog)
{
    if (!d->ask_password)
        return 0;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "%s: --user without ':PASSWORD' asks for the password on the terminal, "
                "and there is none (%s): give --user USER:PASSWORD\n", prog, strerror(e));
        return -e;
    }
    struct termios saved, quiet;
    bool echo_off = tcgetattr(fd, &saved) == 0;
    if (echo_off) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    size_t ulen = strlen(d->credentials);
    char prompt[DLOPTS_CREDENTIALS_BYTES + 64];
    int plen = snprintf(prompt, sizeof prompt, "Enter password for user '%s': ", d->credentials);
    if (write(fd, prompt, (size_t)plen) < 0) {
        /* The prompt is a courtesy: the answer is what matters. */
    }
    char *pw = d->credentials + ulen + 1;
    size_t room = sizeof d->credentials - ulen - 2, n = 0;
    int rc = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            rc = -EINTR;   /* Ctrl-C while asked: no run */
            break;
        }
        if (r <= 0 || c == '\n' || c == '\r')
            break;
        if (n < room)
            pw[n++] = c;
    }
    pw[n] = '\0';
    d->credentials[ulen] = ':';
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &saved);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    close(fd);
    d->ask_password = false;
    return rc;
}

void dlopts_apply(const struct dlopts *d, struct rf_options *opt)
{
    opt->max_redirects = d->max_redirects;
    opt->allow_downgrade = d->allow_downgrade;
    opt->retries = d->retries;
    opt->retry_delay_ms = d->retry_delay_ms;
    opt->retry_max_delay_ms = d->retry_max_delay_ms;
    opt->max_per_host = d->max_per_host;
    opt->pipeline = d->pipeline;
    /* Pipelined, the window rides on fewer connections, D requests each,
     * unless --max-per-host says how many. */
    if (d->pipeline > 1 && d->max_per_host == 0)
        opt->max_per_host = (opt->window + d->pipeline - 1) / d->pipeline;
    opt->headers = d->nheaders ? d->headers : NULL;
    opt->nheaders = d->nheaders;
    opt->user_agent = d->user_agent;
    opt->credentials = d->have_user ? d->credentials : NULL;
}

void dlopts_wipe(struct dlopts *d)
{
    explicit_bzero(d->credentials, sizeof d->credentials);
    d->have_user = false;
}
