/* Folders: made like mkdir -p (the front ends' output folders, the corpus trees). */
#ifndef RF_UTIL_DIRS_H
#define RF_UTIL_DIRS_H

/* Create path and its missing parents, like mkdir -p (mode 0777 less the
 * umask). Returns 0 when path is (now) a directory, else -errno (-ENOTDIR
 * when it exists as something else). */
int dirs_make(const char *path);

/* Whether files can be created in the directory path, found by creating
 * one and removing it again: an unnamed O_TMPFILE where the file system
 * has them, else a fresh name made with mkstemp (O_EXCL, so it can never
 * be one of the user's files). This needs write and search permission on
 * path and a writable file system. Returns 0, or -errno (-EACCES, -EROFS,
 * -ENOSPC, -EDQUOT, ...). */
int dirs_probe_writable(const char *path);

#endif
