/* See closeout.h. */
#include "cli/closeout.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define EXIT_OUTPUT_LOST 1   /* like a failed item: the run did not deliver everything */

/* Why the first failed write to stdout failed; 0 while none did. stdout is
 * process-wide, so this is too. */
static int stdout_errno;

void closeout_poll(void)
{
    if (stdout_errno == 0 && ferror(stdout))
        stdout_errno = errno ? errno : EIO;
}

void closeout_flush(void)
{
    fflush(stdout);
    closeout_poll();
}

int closeout_exit_status(const char *prog, int status)
{
    closeout_poll();
    /* A failed write may have left bytes in the buffer: the close tries them
     * again, and may fail for the first time now. */
    if (fclose(stdout) != 0 && stdout_errno == 0)
        stdout_errno = errno ? errno : EIO;
    bool lost = stdout_errno != 0;
    if (lost)
        fprintf(stderr, "%s: writing to standard output failed: %s\n", prog,
                strerror(stdout_errno));
    if (fflush(stderr) != 0 || ferror(stderr))
        lost = true;
    return status != 0 ? status : lost ? EXIT_OUTPUT_LOST : 0;
}
