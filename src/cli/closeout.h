/* Making sure what a front end printed on stdout got out. stdout is
 * buffered, so a full disk, a closed pipe or /dev/full shows only when a
 * buffer is flushed, and stdio then keeps a flag but not the reason; a
 * program that does not look exits 0 with its report lost. */
#ifndef RF_CLI_CLOSEOUT_H
#define RF_CLI_CLOSEOUT_H

/* Call right after writing to stdout: if that write failed, remember why
 * (errno still says it) for closeout_exit_status. */
void closeout_poll(void);

/* fflush(stdout), then closeout_poll(). */
void closeout_flush(void);

/* The front end's last call: close stdout and flush stderr. When a write to
 * stdout failed (earlier, or in this close), say so on stderr as "PROG:
 * writing to standard output failed: REASON"; a failed stderr cannot be
 * reported anywhere, but still counts. Returns the exit status to use:
 * `status` when it is already non-zero, else 1 when output was lost, else 0. */
int closeout_exit_status(const char *prog, int status);

#endif
