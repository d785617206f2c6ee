/* The folders under -o that -x and the list's dir= lines ask for, made one
 * name at a time from a descriptor of -o and never through a symbolic link
 * (each is opened with O_NOFOLLOW | O_DIRECTORY): a link planted in the
 * tree (out/host -> /etc) makes that item an error, it never sends a file
 * elsewhere. -o itself is the user's choice and may be a link. (This is
 * the front end's check, made before the request; the engine's sink opens
 * the folder again beneath -o, never through a link, when the file is
 * made: a link swapped in between makes the item an error too, sink.h.)
 *
 * The folder last made is kept open, since a list's items of one folder
 * tend to come together; --skip-existing looks for the item's file from it
 * (fstatat, not following a link). */
#ifndef RF_CLI_DESTDIRS_H
#define RF_CLI_DESTDIRS_H

#include <stdbool.h>
#include <stddef.h>

#include "ringfetch/limits.h"

struct destdirs {
    int root;                         /* -o, opened once; -1 when closed */
    int last_fd;                      /* the folder last made (SUB below), or -1 */
    char last[RF_PATH_MAX_BYTES];
    size_t last_len;
};

/* Open the output folder (it exists: runopts_dest made it). Returns 0 or -errno. */
int destdirs_open(struct destdirs *d, const char *root);

/* Make sure SUB (sub_len bytes: names separated by '/', already checked by
 * outpath_make) is a folder under the root, making what is missing (mode
 * 0777 less the umask). Returns a descriptor of it, owned by d and valid
 * until the next call (the root's when sub_len is 0), or -errno with
 * *reached set to the length of SUB's prefix that failed (for the message):
 * -ELOOP when that name is a symbolic link, -ENOTDIR when it is something
 * else that is not a folder, or mkdirat's and openat's own errors. */
int destdirs_make(struct destdirs *d, const char *sub, size_t sub_len, size_t *reached);

/* Whether NAME is a regular file in the folder fd (fstatat without
 * following a link: a link, a folder or nothing is "no"). */
bool destdirs_file_exists(int fd, const char *name);

void destdirs_close(struct destdirs *d);

#endif
