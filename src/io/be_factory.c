/* Choosing a backend, and what every backend answers the same way. */
#include "io/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

int be_create(enum be_kind kind, struct be **out, const struct be_config *cfg)
{
    *out = NULL;
    switch (kind) {
    case BE_KIND_URING: return be_uring_create(out, cfg);
    case BE_KIND_EPOLL: return be_epoll_create(out, cfg);
    }
    return -EINVAL;
}

void be_describe_calls(const struct be *b, char *buf, size_t size)
{
    if (b->ops->describe_calls) {
        b->ops->describe_calls(b, buf, size);
        return;
    }
    /* A backend whose only system call for I/O is its enter. */
    snprintf(buf, size, "%s %" PRIu64, b->ops->name, b->n.syscalls);
}
