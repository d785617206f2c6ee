/* flags2: the seed's front end (see ../shared/flags2-spec.md). */
#include <stdio.h>

#include "cli/closeout.h"
#include "cli/flags2.h"
#include "cli/flags2_args.h"
#include "cli/flags3.h"
#include "cli/sigstop.h"

int main(int argc, char **argv)
{
    /* Large (676 codes and two URL-sized buffers): static, not on the stack. */
    static struct flags2_args args;

    int rc = flags2_args_parse(argc, argv, &args, stdout, stderr);
    if (rc == FLAGS2_ARGS_HELP || rc == FLAGS2_ARGS_VERSION)
        return 0;
    if (rc < 0)
        return 2;
    volatile sig_atomic_t *stop = sigstop_install();
    rc = args.flags3 ? flags3_run(&args, stop) : flags2_run(&args, stop);
    return closeout_exit_status("flags2", rc);
}
