/* See dirs.h. */
#include "util/dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The probe file's name when it needs one; mkstemp fills in the X's. */
#define PROBE_NAME ".ringfetch-probe-XXXXXX"

static int make_one(const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    int e = errno;
    if (e == EEXIST || e == EROFS || e == EACCES) {
        /* Existing (maybe read-only or not ours to create): fine if it is a folder. */
        if (stat(path, &st) == 0)
            return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    }
    return -e;
}

int dirs_make(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);

    if (len == 0)
        return -ENOENT;
    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    /* Parents first: cut at each '/' after a non-'/' character. */
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        int r = make_one(buf);
        buf[i] = '/';
        if (r < 0)
            return r;
    }
    return make_one(buf);
}

int dirs_probe_writable(const char *path)
{
    int fd = open(path, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);   /* unnamed: it is gone with its descriptor */
        return 0;
    }
    /* File systems without O_TMPFILE say EOPNOTSUPP (older kernels EISDIR or
     * EINVAL); every other error is the answer. */
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return -errno;

    char name[PATH_MAX];
    if ((size_t)snprintf(name, sizeof name, "%s/" PROBE_NAME, path) >= sizeof name)
        return -ENAMETOOLONG;
    fd = mkstemp(name);
    if (fd < 0)
        return -errno;
    int rc = unlink(name) < 0 ? -errno : 0;
    close(fd);
    return rc;
}
