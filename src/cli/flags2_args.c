/* flags2's command line. See flags2_args.h. */
#include "cli/flags2_args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/outpath.h"
#include "cli/version.h"
#include "ringfetch/url.h"
#include "ringfetch/limits.h"

/* The servers of the book: flags2_common.py's SERVERS, sorted by label. */
static const struct {
    const char *label, *url;
} servers[] = {
    {"DELAY", "http://localhost:8002/flags"},
    {"ERROR", "http://localhost:8003/flags"},
    {"LOCAL", "http://localhost:8001/flags"},
    {"REMOTE", "http://flupy.org/data/flags"},
};
#define SERVER_LIST "DELAY, ERROR, LOCAL, REMOTE"

/* "/xx/xx.gif" appended to the base URL, "/xx.gif" to the folder. */
#define FLAG_URL_SUFFIX_BYTES 10
#define FLAG_PATH_SUFFIX_BYTES 7
/* --flags3 asks for "/xx/metadata.json" too; its flags' names are judged
 * one by one (an over-long one is an error for that code). */
#define FLAGS3_URL_SUFFIX_BYTES 17

/* A printf format: the timeout default comes from the tunables. */
static const char help_text[] =
    FLAGS2_USAGE
    "\n"
    "Download flags for country codes. Default: top 20 countries by population.\n"
    "\n"
    "positional arguments:\n"
    "  CC                    country code or 1st letter (eg. B for BA...BZ)\n"
    "\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  -a, --all             get all available flags (AD to ZW)\n"
    "  -e, --every           get flags for every possible code (AA...ZZ)\n"
    "  -l N, --limit N       limit to N first codes\n"
    "  -m CONCURRENT, --max_req CONCURRENT\n"
    "                        maximum concurrent requests (default=5)\n"
    "  -s LABEL, --server LABEL\n"
    "                        Server to hit; one of DELAY, ERROR, LOCAL, REMOTE\n"
    "                        (default=LOCAL)\n"
    "  -v, --verbose         output detailed progress info\n"
    "  --url BASE            base URL of the flags, instead of the server's\n"
    "                        (BASE/cc/cc.gif is fetched)\n"
    "  --dest DIR            folder for the flags, created when missing; it must\n"
    "                        take new files, checked before any request\n"
    "                        (default=downloads)\n"
    "  --timeout SECONDS     give up on a flag after SECONDS (default: %s)\n"
    TLSOPTS_HELP
    "  --stats               print engine statistics as JSON on stderr at the end\n"
    "  --flags3              flags3: fetch BASE/cc/metadata.json first, then save\n"
    "                        the flag as DIR/Country-CC.gif (spaces become _;\n"
    "                        other characters are kept as they are, but a name\n"
    "                        with '/', '\\', a control character or invalid UTF-8,\n"
    "                        or that is empty, '.' or '..', is an error for its\n"
    "                        code); a metadata 404 counts the code as not found,\n"
    "                        any other metadata failure as an error, and then\n"
    "                        the flag is not fetched\n"
    IOOPTS_HELP
    "  --version             show the version, the libraries it was built with\n"
    "                        and the io_uring features of this kernel, and exit\n"
    "\n"
    "Ctrl-C, SIGTERM or SIGHUP stops the run: the transfers in flight are\n"
    "cancelled and leave no file, and the report counts what finished.\n"
    "\n"
    "Exit status: 0 when no flag ended in error, 1 when some did (or output on\n"
    "stdout or stderr was lost), 2 for usage errors (a destination that cannot\n"
    "take files, an open-file limit too low for one request included), 128 + the signal when stopped (130 Ctrl-C, 143\n"
    "SIGTERM, 129 SIGHUP).\n";

enum { OPT_URL = 256, OPT_DEST, OPT_TIMEOUT, OPT_STATS, OPT_FLAGS3, OPT_BACKEND, OPT_TRACE,
       OPT_VERSION };

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"all", no_argument, NULL, 'a'},
    {"every", no_argument, NULL, 'e'},
    {"limit", required_argument, NULL, 'l'},
    {"max_req", required_argument, NULL, 'm'},
    {"server", required_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"url", required_argument, NULL, OPT_URL},
    {"dest", required_argument, NULL, OPT_DEST},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"stats", no_argument, NULL, OPT_STATS},
    {"flags3", no_argument, NULL, OPT_FLAGS3},
    TLSOPTS_LONG,
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* argparse's name for an option in its error messages. */
static const char *option_name(int opt)
{
    switch (opt) {
    case 'l': return "-l/--limit";
    case 'm': return "-m/--max_req";
    case 's': return "-s/--server";
    case OPT_URL: return "--url";
    case OPT_DEST: return "--dest";
    case OPT_TIMEOUT: return "--timeout";
    case TLSOPT_CACERT: return "--cacert";
    case TLSOPT_CAPATH: return "--capath";
    case OPT_BACKEND: return "--backend";
    case OPT_TRACE: return "--trace";
    default: return "?";
    }
}

/* What argparse itself rejects: usage line and message on stderr. */
static int parser_error(FILE *err, const char *fmt, const char *a, const char *b)
{
    fputs(FLAGS2_USAGE, err);
    fputs("flags2: error: ", err);
    fprintf(err, fmt, a, b);
    fputc('\n', err);
    return -EINVAL;
}

/* The spec's usage errors: message then usage line on stdout. */
static int usage_error(FILE *out, const char *msg)
{
    fprintf(out, "*** Usage error: %s\n", msg);
    fputs(FLAGS2_USAGE, out);
    return -EINVAL;
}

/* getopt said '?': an unknown short option (named by optopt), an unknown or
 * ambiguous long one (optopt 0; getopt has stepped over the word), or a
 * value given to a long flag ("--all=x": optopt is the flag's val). */
static int unknown_option(FILE *err, char **argv, int optopt_seen)
{
    if (optopt_seen == 0)
        return parser_error(err, "unrecognized arguments: %s%s", argv[optind - 1], "");
    const char *word = argv[optind - 1];
    const char *eq = strncmp(word, "--", 2) == 0 ? strchr(word, '=') : NULL;
    for (const struct option *o = long_options; eq && o->name; o++) {
        size_t len = (size_t)(eq - word - 2);
        if (o->val == optopt_seen && o->has_arg == no_argument && len > 0 &&
            strncmp(o->name, word + 2, len) == 0) {
            fputs(FLAGS2_USAGE, err);
            fprintf(err, "flags2: error: argument --%s: ignored explicit argument '%s'\n",
                    o->name, eq + 1);
            return -EINVAL;
        }
    }
    char shortopt[3] = {'-', (char)optopt_seen, '\0'};
    return parser_error(err, "unrecognized arguments: %s%s", shortopt, "");
}

static bool blank_tail(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        s++;
    return *s == '\0';
}

/* Python's int(): optional blanks around an optionally signed decimal
 * number. Values past long long are clamped, which compares the same. */
static bool parse_int(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    if (end == s || !blank_tail(end))
        return false;
    /* strtoll skips leading blanks but also accepts what int() refuses
     * ("0x" is not taken in base 10, so only the digit check matters). */
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
        p++;
    if (*p == '+' || *p == '-')
        p++;
    return *p >= '0' && *p <= '9';
}

static bool parse_float(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && blank_tail(end);
}

const char *flags2_timeout_default(void)
{
    static char text[128];
    if (RF_REQUEST_TIMEOUT_MS == 0)
        snprintf(text, sizeof text, "none;\n                        %u s of silence fails a flag anyway",
                 (unsigned)(RF_IDLE_TIMEOUT_MS / 1000));
    else
        snprintf(text, sizeof text, "%u", (unsigned)(RF_REQUEST_TIMEOUT_MS / 1000));
    return text;
}

const char *flags2_server_url(const char *label, const char **canonical)
{
    for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++) {
        if (strcasecmp(label, servers[i].label) == 0) {
            if (canonical)
                *canonical = servers[i].label;
            return servers[i].url;
        }
    }
    return NULL;
}

unsigned flags2_connections(long long max_req, size_t ncodes)
{
    long long c = max_req < FLAGS2_MAX_CONCUR_REQ ? max_req : FLAGS2_MAX_CONCUR_REQ;
    if ((long long)ncodes < c)
        c = (long long)ncodes;
    return c < 1 ? 1 : (unsigned)c;
}

int flags2_args_parse(int argc, char **argv, struct flags2_args *a, FILE *out, FILE *err)
{
    const char *server = FLAGS2_DEFAULT_SERVER, *url = NULL;
    bool timeout_given = false;
    int opt;

    memset(a, 0, sizeof *a);
    a->limit = CODES_NO_LIMIT;
    a->max_req = FLAGS2_DEFAULT_CONCUR_REQ;
    a->dest = FLAGS2_DEFAULT_DEST;

    /* optind = 0 makes glibc start afresh, so the parser can run twice (tests). */
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hael:m:s:vk", long_options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fprintf(out, help_text, flags2_timeout_default());
            return FLAGS2_ARGS_HELP;
        case OPT_VERSION:
            version_print(out, "flags2");
            return FLAGS2_ARGS_VERSION;
        case 'a': a->all = true; break;
        case 'e': a->every = true; break;
        case 'v': a->verbose = true; break;
        case OPT_STATS: a->stats = true; break;
        case OPT_FLAGS3: a->flags3 = true; break;
        case 's': server = optarg; break;
        case OPT_URL: url = optarg; break;
        case OPT_DEST: a->dest = optarg; break;
        case OPT_BACKEND:
            if (ioopts_backend(&a->io, optarg) < 0)
                return parser_error(err, "argument --backend: invalid choice: '%s' (choose from "
                                    "'uring', 'epoll')%s", optarg, "");
            break;
        case OPT_TRACE:
            if (optarg[0] == '\0')
                return usage_error(out, "--trace FILE must not be empty");
            a->io.trace = optarg;
            break;
        case 'l':
        case 'm':
            if (!parse_int(optarg, opt == 'l' ? &a->limit : &a->max_req))
                return parser_error(err, "argument %s: invalid int value: '%s'",
                                    option_name(opt), optarg);
            break;
        case OPT_TIMEOUT:
            if (!parse_float(optarg, &a->timeout_s))
                return parser_error(err, "argument %s: invalid float value: '%s'",
                                    option_name(opt), optarg);
            timeout_given = true;
            break;
        case ':':
            return parser_error(err, "argument %s: expected one argument%s",
                                option_name(optopt), "");
        default:
            if (tlsopts_take(&a->tls, opt, optarg))
                break;
            return unknown_option(err, argv, optopt);
        }
    }

    /* The book's checks, in its order. */
    if (a->max_req < 1)
        return usage_error(out, "--max_req CONCURRENT must be >= 1");
    if (a->limit < 1)
        return usage_error(out, "--limit N must be >= 1");
    a->base_url = flags2_server_url(server, &a->label);
    if (!a->base_url)
        return usage_error(out, "--server LABEL must be one of " SERVER_LIST);
    if (codes_select(a->every, a->all, argv + optind, (size_t)(argc - optind), a->limit,
                     &a->codes, NULL) < 0)
        return usage_error(out, "each CC argument must be A to Z or AA to ZZ.");

    /* Ours. */
    if (timeout_given && !(a->timeout_s > 0 && isfinite(a->timeout_s)))
        return usage_error(out, "--timeout SECONDS must be > 0");
    if (url) {
        size_t n = strlen(url);
        struct url parsed;
        while (n > 0 && url[n - 1] == '/')
            n--;
        size_t suffix = a->flags3 ? FLAGS3_URL_SUFFIX_BYTES : FLAG_URL_SUFFIX_BYTES;
        if (n + suffix >= RF_URL_MAX_BYTES || n >= sizeof a->url_buf)
            return usage_error(out, "--url BASE is too long");
        memcpy(a->url_buf, url, n);
        a->url_buf[n] = '\0';
        int bad = url_parse(a->url_buf, &parsed);
        if (bad != URL_OK) {
            char msg[256];
            snprintf(msg, sizeof msg, "--url BASE must be an http:// or https:// URL: %s",
                     outpath_url_problem(bad));
            return usage_error(out, msg);
        }
        a->base_url = a->url_buf;
    }
    if (a->dest[0] == '\0')
        return usage_error(out, "--dest DIR must not be empty");
    if (strlen(a->dest) + FLAG_PATH_SUFFIX_BYTES >= RF_PATH_MAX_BYTES)
        return usage_error(out, "--dest DIR is too long");
    return FLAGS2_ARGS_RUN;
}
