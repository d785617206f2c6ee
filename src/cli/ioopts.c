/* --backend and --trace (see ioopts.h). */
#include "cli/ioopts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int ioopts_backend(struct ioopts *io, const char *value)
{
    int b = rf_backend_from_name(value);
    if (b < 0)
        return -EINVAL;
    io->backend = (enum rf_backend)b;
    return 0;
}

int ioopts_apply(const struct ioopts *io, struct rf_options *opt, const char *prog, FILE *err)
{
    opt->backend = io->backend;
    opt->trace_fd = 0;
    if (!io->trace)
        return 0;
    /* O_APPEND: several runs (ringload's threads) share the file, and
     * each chunk of records lands whole. */
    int fd = open(io->trace, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        fprintf(err, "%s: cannot write the trace %s: %s\n", prog, io->trace, strerror(e));
        return -e;
    }
    if (fd == 0) {
        /* 0 means "no trace" to the engine: never use stdin's number. */
        int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        if (fd2 < 0) {
            int e = errno;
            fprintf(err, "%s: cannot write the trace %s: %s\n", prog, io->trace, strerror(e));
            return -e;
        }
        fd = fd2;
    }
    opt->trace_fd = fd;
    return 0;
}

int ioopts_end(const struct ioopts *io, struct rf_options *opt, const struct rf_stats *st,
               const char *prog, FILE *err)
{
    if (opt->trace_fd <= 0)
        return 0;
    int ret = st ? st->trace_err : 0;
    if (close(opt->trace_fd) < 0 && ret == 0)
        ret = -errno;
    opt->trace_fd = 0;
    if (ret < 0)
        fprintf(err, "%s: the trace %s is incomplete: %s\n", prog, io->trace, strerror(-ret));
    return ret;
}
