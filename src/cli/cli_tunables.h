/* The front ends' compile-time sizes, units in the names. */
#ifndef RF_CLI_TUNABLES_H
#define RF_CLI_TUNABLES_H

/* flags3: the largest metadata.json kept in memory (real ones are ~80 bytes);
 * a bigger body makes the item an error instead of growing without bound. */
#define RF_FLAGS3_METADATA_MAX_BYTES 4096

/* ringfetch: most -i lists in one run. Each is opened before the first
 * request and holds a descriptor for the whole run, which the open-file
 * budget counts (rf_window_fit) and the window then does without; more
 * lists can always be joined with cat. */
#define RF_RINGFETCH_MAX_LISTS 16

/* ringfetch: --resolve entries (curl's spelling) one run may give: enough
 * for any test or any handful of pinned hosts; a longer list belongs in
 * /etc/hosts or a DNS server. */
#define RF_RINGFETCH_MAX_RESOLVE     64

/* ringfetch's limits on its downloader options (usage errors past them). */
#define RF_RINGFETCH_MAX_RETRIES 1000        /* --retry: curl's is unbounded, but 1000
                                                tries of one URL is already a loop */
#define RF_RINGFETCH_MAX_REDIRECTS 1000      /* --max-redirs: each hop costs the job
                                                8 bytes for loop detection */
#define RF_RINGFETCH_MAX_DELAY_S 86400       /* --retry-delay, --retry-max-delay: a day */
#define RF_RINGFETCH_MAX_HEADERS 64          /* -H given this many times at most */
/* -H and -A together, in bytes: they go into every request, which the engine
 * builds in RF_REQUEST_BUF_BYTES (8 KiB) with the request line and the
 * fixed headers; half of it leaves room for a long request-target. */
#define RF_RINGFETCH_MAX_HEADER_BYTES 4096

/* ringfetch --progress=dot: characters per group and per line (wget's dot
 * style draws 10 per group, 50 per line). */
#define RF_DOTS_PER_GROUP 10
#define RF_DOTS_PER_LINE 50

#endif
