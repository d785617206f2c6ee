/* content: document root or in-memory corpus. See content.h. */
#include "server/content.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus/corpus.h"

struct fs_mem_file {
    char path[32];   /* "/flags/br/metadata.json" is the longest */
    unsigned char *data;
    size_t len;
};

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    { "gif", "image/gif" },
    { "json", "application/json" },
    { "html", "text/html; charset=utf-8" },
    { "htm", "text/html; charset=utf-8" },
    { "txt", "text/plain; charset=utf-8" },
    { "css", "text/css" },
    { "js", "text/javascript" },
    { "png", "image/png" },
    { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" },
    { "svg", "image/svg+xml" },
};

const char *fs_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct fs_mem_file *)a)->path, ((const struct fs_mem_file *)b)->path);
}

int fs_content_open_memory(struct fs_content *c)
{
    memset(c, 0, sizeof(*c));
    c->root_fd = -1;
    c->files = calloc(2 * CORPUS_NCODES, sizeof(*c->files));
    if (!c->files)
        return -ENOMEM;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        char cc[3] = { (char)(corpus_codes[i][0] | 0x20), (char)(corpus_codes[i][1] | 0x20), 0 };
        struct fs_mem_file *gif = &c->files[c->nfiles++];
        snprintf(gif->path, sizeof(gif->path), "/flags/%s/%s.gif", cc, cc);
        gif->len = corpus_gif_size(i);
        if (!(gif->data = malloc(gif->len)) || corpus_gif(i, gif->data, gif->len) < 0)
            goto fail;
        struct fs_mem_file *meta = &c->files[c->nfiles++];
        snprintf(meta->path, sizeof(meta->path), "/flags/%s/metadata.json", cc);
        char json[CORPUS_METADATA_MAX_BYTES];
        int n = corpus_metadata_json(i, json, sizeof(json));
        if (n < 0 || !(meta->data = malloc((size_t)n)))
            goto fail;
        memcpy(meta->data, json, (size_t)n);
        meta->len = (size_t)n;
    }
    qsort(c->files, c->nfiles, sizeof(*c->files), cmp_file);
    return 0;
fail:
    fs_content_close(c);
    return -ENOMEM;
}

int fs_content_open_root(struct fs_content *c, const char *dir)
{
    memset(c, 0, sizeof(*c));
    c->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return c->root_fd < 0 ? -errno : 0;
}

void fs_content_close(struct fs_content *c)
{
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i].data);
    free(c->files);
    c->files = NULL;
    c->nfiles = 0;
    if (c->root_fd >= 0)
        close(c->root_fd);
    c->root_fd = -1;
}

int fs_content_lookup(const struct fs_content *c, const char *path, struct fs_body *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    out->content_type = fs_content_type(path);
    if (c->root_fd < 0) {
        struct fs_mem_file key;
        if (strlen(path) >= sizeof(key.path))
            return -ENOENT;
        strcpy(key.path, path);
        const struct fs_mem_file *f = bsearch(&key, c->files, c->nfiles, sizeof(*f), cmp_file);
        if (!f)
            return -ENOENT;
        out->data = f->data;
        out->len = f->len;
        return 0;
    }

    /* Relative to the root: skip the leading slashes. */
    while (*path == '/')
        path++;
    if (!*path)
        return -ENOENT;
    int fd = openat(c->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG ? -ENOENT : -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    out->fd = fd;
    out->len = (uint64_t)st.st_size;
    return 0;
}
