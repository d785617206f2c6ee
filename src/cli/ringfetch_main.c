/* ringfetch: fetch many http:// URLs over one io_uring (see --help). */
#include "cli/closeout.h"
#include "cli/ringfetch.h"
#include "cli/ringfetch_args.h"
#include "cli/sigstop.h"

int main(int argc, char **argv)
{
    struct ringfetch_args args;

    int rc = ringfetch_args_parse(argc, argv, &args, stdout, stderr);
    if (rc == RINGFETCH_ARGS_EXIT)
        return 0;
    if (rc < 0)
        return 2;
    dlopts_hide_password(&args.dl);
    return closeout_exit_status("ringfetch", ringfetch_run(&args, sigstop_install()));
}
