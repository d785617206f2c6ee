/* behave: what flagserver does to each request besides answering it — delay,
 * error, fault — drawn from a seeded generator.
 *
 * Reproducibility under concurrency: one shared random stream would make the
 * outcome of a request depend on the order in which requests happen to
 * arrive. Instead every draw is a hash of (seed, path, n) where n counts the
 * earlier requests for the same path on the same listener. A run of
 * `flags2 -s ERROR -a` with a given --seed therefore fails the same codes
 * whatever -m is; a retry of a path (n = 1, 2, ...) draws afresh. */
#ifndef RF_SERVER_BEHAVE_H
#define RF_SERVER_BEHAVE_H

#include <stddef.h>
#include <stdint.h>

/* Faults for our own tests. Each leaves the client a distinct symptom. */
enum fs_fault {
    FS_FAULT_NONE = 0,
    FS_FAULT_RESET,    /* headers and half the body, then RST */
    FS_FAULT_TRUNCATE, /* headers and half the body, then FIN (short of Content-Length) */
    FS_FAULT_STALL,    /* headers, then silence with the connection open */
    FS_FAULT_DRIP,     /* the whole response, one byte per drip interval */
    FS_FAULT_GARBAGE,  /* an invalid status line, then close */
    FS_FAULT_BADCHUNK, /* chunked framing with an invalid chunk size, then close */
    FS_FAULT_HANG,     /* never answer; the connection stays open */
    FS_FAULT_COUNT
};

/* Settings of one listener. Rates are probabilities in [0, 1]. */
struct fs_behaviour {
    uint64_t seed;
    double delay_rate;
    uint32_t delay_min_ms, delay_max_ms; /* uniform in [min, max] */
    double error_rate;
    int error_status;                    /* 0: a random one of 500..503 */
    double fault_rate;
    unsigned faults;                     /* bit (1 << fs_fault) per enabled fault */
    uint32_t drip_interval_ms;
};

/* The outcome for one request. */
struct fs_decision {
    uint32_t delay_ms;   /* 0: answer at once */
    int error_status;    /* 0: no injected error */
    enum fs_fault fault; /* a fault wins over an error */
};

/* Per-listener state: the settings and the per-path request counts. */
struct fs_behave {
    struct fs_behaviour cfg;
    uint64_t *keys;   /* open addressing on a path hash; 0 = empty slot */
    uint32_t *counts;
    size_t cap, used;
};

void fs_behave_init(struct fs_behave *b, const struct fs_behaviour *cfg);
void fs_behave_free(struct fs_behave *b);

/* Decide for the next request of path (bytes, not necessarily
 * NUL-terminated). Never fails: if the count table cannot grow, the
 * request is decided as if it were the path's first. */
void fs_behave_next(struct fs_behave *b, const char *path, size_t len, struct fs_decision *out);

/* Name of a fault ("reset", ...), or NULL for FS_FAULT_NONE/out of range. */
const char *fs_fault_name(enum fs_fault f);
/* Fault by name; -EINVAL for an unknown name. */
int fs_fault_parse(const char *name, size_t len);

#endif
