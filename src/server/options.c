/* options: flagserver's command line. See options.h. */
#include "server/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/fs_tunables.h"

const char fs_options_usage[] =
    "usage: flagserver [--root DIR] [--port N] [--bind ADDR] [--http10]\n"
    "                  [--preset LOCAL|DELAY|ERROR | --presets]\n"
    "                  [--delay SECONDS|MIN:MAX] [--delay-rate P]\n"
    "                  [--error-rate P] [--error-status N]\n"
    "                  [--fault NAME[,NAME...]] [--fault-rate P] [--drip-ms MS]\n"
    "                  [--seed N] [--idle-timeout SECONDS] [-v] [-h] [--version]\n"
    "Serves /flags/{cc}/{cc}.gif and /flags/{cc}/metadata.json: files under DIR, or\n"
    "the synthetic corpus from memory when --root is not given.\n"
    "  --root DIR          document root (/x is DIR/x)\n"
    "  --port N            port, 0 for a free one (default 8001, or the preset's)\n"
    "  --bind ADDR         address to listen on (default 127.0.0.1)\n"
    "  --http10            answer HTTP/1.0 and close after every response\n"
    "  --preset NAME       LOCAL (8001, plain), DELAY (8002, 0.5 s on every response),\n"
    "                      ERROR (8003, 25% errors 500..503 then close, 50% delayed 0.5 s)\n"
    "  --presets           LOCAL, DELAY and ERROR in one process (with --port P:\n"
    "                      P, P+1, P+2; with --port 0: three free ports)\n"
    "  --delay S|MIN:MAX   delay responses S seconds, or uniformly MIN..MAX\n"
    "  --delay-rate P      fraction of responses delayed (default 1 with --delay)\n"
    "  --error-rate P      fraction answered with an error page, then close\n"
    "  --error-status N    that error's status (default: random 500..503;\n"
    "                      alone it implies --error-rate 1)\n"
    "  --fault LIST        faults to inject: reset, truncate, stall, drip, garbage,\n"
    "                      badchunk, hang, or all\n"
    "  --fault-rate P      fraction of requests given a fault (default 1 with --fault)\n"
    "  --drip-ms MS        interval between the bytes of `drip` (default 100)\n"
    "  --seed N            seed of every random choice (default 0); choices depend on\n"
    "                      the seed, the path and how often it was requested\n"
    "  --idle-timeout S    close a keep-alive connection that sends nothing for S\n"
    "                      seconds while a request is awaited (default 60; 0: never)\n"
    "  -v, --verbose       log one line per request on stderr\n"
    "  -h, --help          show this help and exit\n"
    "  --version           show the version, the libraries it was built with and\n"
    "                      the io_uring features of this kernel, and exit\n"
    "Prints `listening on ADDR:PORT` for each listener; SIGINT, SIGTERM or SIGHUP\n"
    "stop it.\n";

/* Which options the user gave, so presets only fill in the rest. */
struct given {
    bool port, delay, delay_rate, error_rate, error_status, faults, fault_rate, drip, seed;
    long port_value;
    uint32_t delay_min_ms, delay_max_ms;
    double delay_rate_value, error_rate_value, fault_rate_value;
    int error_status_value;
    unsigned faults_value;
    uint32_t drip_ms;
    uint64_t seed_value;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_rate(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= 0.0 && v <= 1.0))
        return -EINVAL;
    *out = v;
    return 0;
}

/* Seconds as a decimal, 0..3600, to milliseconds. */
static int parse_seconds(const char *s, uint32_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= 0.0 && v <= 3600.0))
        return -EINVAL;
    *ms = (uint32_t)llround(v * 1000.0);
    return 0;
}

static int parse_delay(const char *s, struct given *g)
{
    const char *colon = strchr(s, ':');
    if (!colon) {
        if (parse_seconds(s, &g->delay_min_ms) < 0)
            return -EINVAL;
        g->delay_max_ms = g->delay_min_ms;
        return 0;
    }
    char lo[64];
    size_t n = (size_t)(colon - s);
    if (n >= sizeof(lo))
        return -EINVAL;
    memcpy(lo, s, n);
    lo[n] = 0;
    if (parse_seconds(lo, &g->delay_min_ms) < 0 || parse_seconds(colon + 1, &g->delay_max_ms) < 0 ||
        g->delay_min_ms > g->delay_max_ms)
        return -EINVAL;
    return 0;
}

static int parse_faults(const char *s, unsigned *mask)
{
    *mask = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 3 && strncmp(s, "all", 3) == 0) {
            for (int f = FS_FAULT_NONE + 1; f < FS_FAULT_COUNT; f++)
                *mask |= 1u << f;
        } else {
            int f = fs_fault_parse(s, n);
            if (f < 0)
                return -EINVAL;
            *mask |= 1u << f;
        }
        s += n;
        if (*s == ',' && *++s == 0)
            return -EINVAL;
    }
    return *mask ? 0 : -EINVAL;
}

static const char *preset_name(const char *s)
{
    static const char *const names[] = { "LOCAL", "DELAY", "ERROR" };
    for (size_t i = 0; i < 3; i++)
        if (strcasecmp(s, names[i]) == 0)
            return names[i];
    return NULL;
}

/* The preset's site, then the explicit options on top. */
static void make_site(struct fs_site *site, const char *preset, const struct given *g)
{
    memset(site, 0, sizeof(*site));
    site->preset = preset;
    site->port = 8001;
    struct fs_behaviour *b = &site->behave;
    b->drip_interval_ms = FS_DRIP_INTERVAL_MS;
    if (preset && strcmp(preset, "DELAY") == 0) {
        site->port = 8002;
        b->delay_rate = 1.0;
        b->delay_min_ms = b->delay_max_ms = 500;
    } else if (preset && strcmp(preset, "ERROR") == 0) {
        site->port = 8003;
        b->error_rate = 0.25;
        b->delay_rate = 0.5;
        b->delay_min_ms = b->delay_max_ms = 500;
    }

    if (g->delay) {
        b->delay_min_ms = g->delay_min_ms;
        b->delay_max_ms = g->delay_max_ms;
        if (b->delay_rate == 0.0)
            b->delay_rate = 1.0;
    }
    if (g->delay_rate)
        b->delay_rate = g->delay_rate_value;
    if (g->error_status) {
        b->error_status = g->error_status_value;
        if (b->error_rate == 0.0)
            b->error_rate = 1.0;
    }
    if (g->error_rate)
        b->error_rate = g->error_rate_value;
    if (g->faults) {
        b->faults = g->faults_value;
        b->fault_rate = 1.0;
    }
    if (g->fault_rate)
        b->fault_rate = g->fault_rate_value;
    if (g->drip)
        b->drip_interval_ms = g->drip_ms;
    if (g->seed)
        b->seed = g->seed_value;
}

int fs_options_parse(int argc, char **argv, struct fs_options *o, char *err, size_t errlen)
{
    struct given g = { 0 };
    const char *preset = NULL;
    bool all_presets = false;

    memset(o, 0, sizeof(*o));
    o->bind = "127.0.0.1";
    o->idle_timeout_ms = FS_IDLE_TIMEOUT_MS;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        char name[32];

        /* --name=value is accepted as well as --name value. */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        if (eq && (size_t)(eq - arg) < sizeof(name)) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = 0;
            arg = name;
            val = eq + 1;
        }
#define FLAG(s) (strcmp(arg, (s)) == 0 && !val)
#define OPT(s) (strcmp(arg, (s)) == 0 && (val || (i + 1 < argc && (val = argv[++i]))))
        if (FLAG("-h") || FLAG("--help")) {
            o->help = true;
        } else if (FLAG("--version")) {
            o->version = true;
        } else if (FLAG("-v") || FLAG("--verbose")) {
            o->verbose = true;
        } else if (FLAG("--http10")) {
            o->http10 = true;
        } else if (FLAG("--presets")) {
            all_presets = true;
        } else if (OPT("--root")) {
            o->root = val;
        } else if (OPT("--bind")) {
            o->bind = val;
        } else if (OPT("--port")) {
            if (parse_long(val, 0, 65535, &g.port_value) < 0)
                return fail(err, errlen, "--port must be 0..65535, not '%s'", val);
            g.port = true;
        } else if (OPT("--preset")) {
            if (!(preset = preset_name(val)))
                return fail(err, errlen, "--preset must be one of LOCAL, DELAY, ERROR, not '%s'", val);
        } else if (OPT("--delay")) {
            if (parse_delay(val, &g) < 0)
                return fail(err, errlen, "--delay must be SECONDS or MIN:MAX (0..3600), not '%s'", val);
            g.delay = true;
        } else if (OPT("--delay-rate")) {
            if (parse_rate(val, &g.delay_rate_value) < 0)
                return fail(err, errlen, "--delay-rate must be a number from 0 to 1, not '%s'", val);
            g.delay_rate = true;
        } else if (OPT("--error-rate")) {
            if (parse_rate(val, &g.error_rate_value) < 0)
                return fail(err, errlen, "--error-rate must be a number from 0 to 1, not '%s'", val);
            g.error_rate = true;
        } else if (OPT("--error-status")) {
            long v;
            if (parse_long(val, 100, 599, &v) < 0)
                return fail(err, errlen, "--error-status must be 100..599, not '%s'", val);
            g.error_status = true;
            g.error_status_value = (int)v;
        } else if (OPT("--fault")) {
            if (parse_faults(val, &g.faults_value) < 0)
                return fail(err, errlen,
                            "--fault takes names from reset, truncate, stall, drip, garbage, "
                            "badchunk, hang, all; not '%s'", val);
            g.faults = true;
        } else if (OPT("--fault-rate")) {
            if (parse_rate(val, &g.fault_rate_value) < 0)
                return fail(err, errlen, "--fault-rate must be a number from 0 to 1, not '%s'", val);
            g.fault_rate = true;
        } else if (OPT("--drip-ms")) {
            long v;
            if (parse_long(val, 1, 60000, &v) < 0)
                return fail(err, errlen, "--drip-ms must be 1..60000, not '%s'", val);
            g.drip = true;
            g.drip_ms = (uint32_t)v;
        } else if (OPT("--idle-timeout")) {
            if (parse_seconds(val, &o->idle_timeout_ms) < 0)
                return fail(err, errlen, "--idle-timeout must be SECONDS (0..3600), not '%s'", val);
            if (o->idle_timeout_ms == 0 && strtod(val, NULL) > 0.0)
                o->idle_timeout_ms = 1; /* a tiny timeout, not "never" */
        } else if (OPT("--seed")) {
            char *end;
            errno = 0;
            g.seed_value = strtoull(val, &end, 10);
            if (!*val || *end || errno || *val == '-')
                return fail(err, errlen, "--seed must be a whole number, not '%s'", val);
            g.seed = true;
        } else if (arg[0] == '-') {
            return fail(err, errlen, "unknown option or missing value: %s", argv[i]);
        } else {
            return fail(err, errlen, "unexpected argument: %s", argv[i]);
        }
#undef FLAG
#undef OPT
    }
    if (o->help || o->version)
        return 0;
    if (all_presets && preset)
        return fail(err, errlen, "--preset and --presets exclude each other");

    static const char *const all[] = { "LOCAL", "DELAY", "ERROR" };
    o->nsites = all_presets ? 3 : 1;
    for (unsigned s = 0; s < o->nsites; s++) {
        make_site(&o->sites[s], all_presets ? all[s] : preset, &g);
        if (g.port) {
            long p = g.port_value == 0 ? 0 : g.port_value + s;
            if (p > 65535)
                return fail(err, errlen, "--port %ld leaves no room for three listeners", g.port_value);
            o->sites[s].port = (uint16_t)p;
        }
    }
    return 0;
}
