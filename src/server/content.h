/* content: what flagserver serves — a document root on disk, or the
 * synthetic flag corpus held in memory.
 *
 * In memory (no --root) the corpus is generated once at start:
 * /flags/{cc}/{cc}.gif and /flags/{cc}/metadata.json for the 194 codes, the
 * same bytes `mkcorpus flags` writes. Under a root, a path is opened below
 * the root directory at each request (open and fstat are cheap next to the
 * network; the body itself is read through the ring). */
#ifndef RF_SERVER_CONTENT_H
#define RF_SERVER_CONTENT_H

#include <stddef.h>
#include <stdint.h>

struct fs_mem_file;

struct fs_content {
    int root_fd;                 /* -1 when serving from memory */
    struct fs_mem_file *files;   /* sorted by path (memory mode) */
    size_t nfiles;
};

/* A found document. Exactly one of data / fd is set; the caller owns fd
 * (close it) but not data (it lives as long as the content). */
struct fs_body {
    const unsigned char *data;
    int fd;                      /* -1 unless served from disk */
    uint64_t len;
    const char *content_type;
};

/* Serve the synthetic corpus. 0 or -ENOMEM. */
int fs_content_open_memory(struct fs_content *c);
/* Serve files under dir. 0 or -errno (dir must be a directory). */
int fs_content_open_root(struct fs_content *c, const char *dir);
void fs_content_close(struct fs_content *c);

/* Look up a decoded path (from fs_req_path, so without ".." segments).
 * 0 and *out filled, -ENOENT (also for directories and non-regular files),
 * -EACCES, or another -errno. */
int fs_content_lookup(const struct fs_content *c, const char *path, struct fs_body *out);

/* Content-Type for a path, from its extension. */
const char *fs_content_type(const char *path);

#endif
