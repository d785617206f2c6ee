/* See destdirs.h. */
#include "cli/destdirs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int destdirs_open(struct destdirs *d, const char *root)
{
    d->last_fd = -1;
    d->last_len = 0;
    d->root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return d->root < 0 ? -errno : 0;
}

/* One name under the folder at, made when missing; a new descriptor of it. */
static int step(int at, const char *name)
{
    int fd = openat(at, name, DIR_FLAGS);
    if (fd >= 0 || errno != ENOENT)
        goto opened;
    if (mkdirat(at, name, 0777) < 0 && errno != EEXIST)
        return -errno;
    fd = openat(at, name, DIR_FLAGS);
opened:
    if (fd >= 0)
        return fd;
    int e = errno;
    /* O_NOFOLLOW says ELOOP for a link; O_DIRECTORY ENOTDIR for the rest. */
    if (e == ENOTDIR) {
        struct stat st;
        if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            e = ELOOP;
    }
    return -e;
}

int destdirs_make(struct destdirs *d, const char *sub, size_t sub_len, size_t *reached)
{
    char name[RF_PATH_MAX_BYTES];
    *reached = 0;
    if (sub_len == 0)
        return d->root;
    if (d->last_fd >= 0 && d->last_len == sub_len && memcmp(d->last, sub, sub_len) == 0)
        return d->last_fd;
    if (d->last_fd >= 0)
        close(d->last_fd);
    d->last_fd = -1;
    if (sub_len >= sizeof name)
        return -ENAMETOOLONG;

    int at = d->root;
    size_t pos = 0;
    while (pos < sub_len) {
        const char *slash = memchr(sub + pos, '/', sub_len - pos);
        size_t end = slash ? (size_t)(slash - sub) : sub_len;
        memcpy(name, sub + pos, end - pos);
        name[end - pos] = '\0';
        int fd = step(at, name);
        if (at != d->root)
            close(at);
        if (fd < 0) {
            *reached = end;
            return fd;
        }
        at = fd;
        pos = end + 1;
    }
    memcpy(d->last, sub, sub_len);
    d->last_len = sub_len;
    d->last_fd = at;
    return at;
}

bool destdirs_file_exists(int fd, const char *name)
{
    struct stat st;
    return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

void destdirs_close(struct destdirs *d)
{
    if (d->last_fd >= 0)
        close(d->last_fd);
    if (d->root >= 0)
        close(d->root);
    d->last_fd = d->root = -1;
}
