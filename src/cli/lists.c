/* See lists.h. */
#include "cli/lists.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A list is read as lines of text: a directory cannot be one, and a regular
 * file must give its first byte. Pipes, terminals and devices are read as
 * they come. */
static int check_readable(int fd, bool *regular)
{
    struct stat st;
    char byte;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    *regular = S_ISREG(st.st_mode);
    if (*regular && pread(fd, &byte, 1, 0) < 0)
        return -errno;
    return 0;
}

static int open_one(const char *name, int *out, bool *regular)
{
    int rc;

    if (strcmp(name, "-") == 0) {
        *out = STDIN_FILENO;
        return check_readable(STDIN_FILENO, regular);
    }
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = check_readable(fd, regular);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

int lists_open(struct lists *l, const char *const *names, size_t n, size_t *bad)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < RF_RINGFETCH_MAX_LISTS; i++)
        l->fds[i] = l->count_fds[i] = -1;
    if (n > RF_RINGFETCH_MAX_LISTS) {
        *bad = RF_RINGFETCH_MAX_LISTS;
        return -EMFILE;
    }
    l->names = names;
    l->countable = n > 0;
    for (size_t i = 0; i < n; i++) {
        bool regular = false;
        int rc = open_one(names[i], &l->fds[i], &regular);
        if (rc < 0) {
            lists_close(l);
            *bad = i;
            return rc;
        }
        l->n = i + 1;
        l->countable = l->countable && regular;
    }
    /* Counting reads each file once more, through its own descriptor (its
     * own offset); a list that cannot be opened again is simply not
     * counted: the bar then has no total. */
    for (size_t i = 0; l->countable && i < n; i++) {
        l->count_fds[i] = open(names[i], O_RDONLY | O_CLOEXEC);
        if (l->count_fds[i] < 0)
            l->countable = false;
    }
    return 0;
}

int lists_fd(const struct lists *l)
{
    return l->cur < l->n ? l->fds[l->cur] : -1;
}

const char *lists_name(const struct lists *l)
{
    return l->cur < l->n ? l->names[l->cur] : NULL;
}

int lists_next(struct lists *l)
{
    if (l->cur < l->n)
        l->cur++;
    return lists_fd(l);
}

int lists_count_fd(const struct lists *l)
{
    return l->countable && l->count_cur < l->n ? l->count_fds[l->count_cur] : -1;
}

int lists_count_next(struct lists *l)
{
    if (l->count_cur < l->n)
        l->count_cur++;
    return lists_count_fd(l);
}

void lists_close(struct lists *l)
{
    for (size_t i = 0; i < RF_RINGFETCH_MAX_LISTS; i++) {
        bool is_stdin = i < l->n && strcmp(l->names[i], "-") == 0;
        if (l->fds[i] >= 0 && !is_stdin)
            close(l->fds[i]);
        if (l->count_fds[i] >= 0)
            close(l->count_fds[i]);
        l->fds[i] = l->count_fds[i] = -1;
    }
    l->n = l->cur = l->count_cur = 0;
}
