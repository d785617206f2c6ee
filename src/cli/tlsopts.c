/* See tlsopts.h. */
#include "cli/tlsopts.h"

bool tlsopts_take(struct tlsopts *t, int opt, const char *arg)
{
    switch (opt) {
    case TLSOPT_CACERT: t->cacert = arg; return true;
    case TLSOPT_CAPATH: t->capath = arg; return true;
    case 'k': t->insecure = true; return true;
    default: return false;
    }
}

void tlsopts_apply(const struct tlsopts *t, struct rf_options *opt, const char *prog, FILE *err)
{
    opt->tls_cafile = t->cacert;
    opt->tls_capath = t->capath;
    opt->tls_insecure = t->insecure;
    /* Once per run, whatever -q says: the user must not forget it is on. */
    if (t->insecure)
        fprintf(err, "%s: warning: --insecure: https certificates and host names are not verified\n",
                prog);
}
