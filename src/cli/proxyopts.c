/* See proxyopts.h. */
#include "cli/proxyopts.h"

#include <errno.h>

int proxyopts_take(struct proxyopts *p, int opt, const char *arg, char *why, size_t size)
{
    char words[RF_URL_MAX_BYTES + 160];
    switch (opt) {
    case PROXYOPT_PROXY:
        /* "" is curl's way to say: no proxy, whatever the environment says. */
        if (*arg && rf_proxy_check(arg, words, sizeof words) < 0) {
            snprintf(why, size, "--proxy %s", words);
            return -EINVAL;
        }
        p->proxy = arg;
        return PROXYOPTS_TAKEN;
    case PROXYOPT_NOPROXY:
        if (rf_no_proxy_check(arg, words, sizeof words) < 0) {
            snprintf(why, size, "--noproxy %s", words);
            return -EINVAL;
        }
        p->noproxy = arg;
        return PROXYOPTS_TAKEN;
    default:
        return PROXYOPTS_NOT_OURS;
    }
}

const char *proxyopts_name(int opt)
{
    return opt == PROXYOPT_PROXY ? "--proxy" : opt == PROXYOPT_NOPROXY ? "--noproxy" : NULL;
}

/* The first of the variables that is set (an empty one counts as unset,
 * as curl reads them), with its name. */
static const char *proxyopts_env(char *(*env)(const char *), const char *lower, const char *upper,
                                 const char **name)
{
    const char *v = env(lower);
    *name = lower;
    if ((!v || !*v) && upper) {
        v = env(upper);
        *name = upper;
    }
    return v && *v ? v : NULL;
}

int proxyopts_apply(const struct proxyopts *p, struct rf_options *opt, const char *prog, FILE *err,
                    char *(*env)(const char *name))
{
    char words[RF_URL_MAX_BYTES + 160];
    const char *name;
    if (p->proxy) {
        opt->http_proxy = opt->https_proxy = *p->proxy ? p->proxy : NULL;
    } else {
        /* Never HTTP_PROXY: see proxyopts.h. */
        opt->http_proxy = proxyopts_env(env, "http_proxy", NULL, &name);
        if (opt->http_proxy && rf_proxy_check(opt->http_proxy, words, sizeof words) < 0)
            goto bad;
        opt->https_proxy = proxyopts_env(env, "https_proxy", "HTTPS_PROXY", &name);
        if (opt->https_proxy && rf_proxy_check(opt->https_proxy, words, sizeof words) < 0)
            goto bad;
    }
    if (p->noproxy) {
        opt->no_proxy = p->noproxy;
    } else {
        /* curl applies no_proxy to --proxy too. */
        opt->no_proxy = proxyopts_env(env, "no_proxy", "NO_PROXY", &name);
        if (opt->no_proxy && rf_no_proxy_check(opt->no_proxy, words, sizeof words) < 0)
            goto bad;
    }
    return 0;
bad:
    fprintf(err, "%s: %s %s (%s overrides the environment)\n", prog, name, words,
            name[0] == 'n' || name[0] == 'N' ? "--noproxy" : "--proxy");
    return -EINVAL;
}
