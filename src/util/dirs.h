/* Folders: made like mkdir -p (the front ends' output folders, the corpus trees). */
#ifndef RF_UTIL_DIRS_H
#define RF_UTIL_DIRS_H

/* Create path and its missing parents, like mkdir -p (mode 0777 less the
 * umask). Returns 0 when path is (now) a directory, else -errno (-ENOTDIR
 * when it exists as something else). */
int dirs_make(const char *path);

#endif
