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
static int check_readable(int fd)
{
    struct stat st;
    char byte;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (S_ISREG(st.st_mode) && pread(fd, &byte, 1, 0) < 0)
        return -errno;
    return 0;
}

static int open_one(const char *name, FILE **out)
{
    int rc;

    if (strcmp(name, "-") == 0) {
        rc = check_readable(STDIN_FILENO);
        *out = stdin;
        return rc;
    }
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = check_readable(fd);
    if (rc == 0 && !(*out = fdopen(fd, "r")))
        rc = -errno;
    if (rc < 0)
        close(fd);
    return rc;
}

int lists_open(struct lists *l, const char *const *names, size_t n, size_t *bad)
{
    memset(l, 0, sizeof *l);
    if (n > RF_RINGFETCH_MAX_LISTS) {
        *bad = RF_RINGFETCH_MAX_LISTS;
        return -EMFILE;
    }
    l->names = names;
    for (size_t i = 0; i < n; i++) {
        int rc = open_one(names[i], &l->files[i]);
        if (rc < 0) {
            lists_close(l);
            *bad = i;
            return rc;
        }
        l->n = i + 1;
    }
    return 0;
}

FILE *lists_file(const struct lists *l)
{
    return l->cur < l->n ? l->files[l->cur] : NULL;
}

const char *lists_name(const struct lists *l)
{
    return l->cur < l->n ? l->names[l->cur] : NULL;
}

FILE *lists_next(struct lists *l)
{
    if (l->cur < l->n)
        l->cur++;
    return lists_file(l);
}

void lists_close(struct lists *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->files[i] && l->files[i] != stdin)
            fclose(l->files[i]);
    l->n = l->cur = 0;
}
