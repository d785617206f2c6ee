/* The front ends' compile-time sizes, units in the names. */
#ifndef RF_CLI_TUNABLES_H
#define RF_CLI_TUNABLES_H

/* flags3: the largest metadata.json kept in memory (real ones are ~80 bytes);
 * a bigger body makes the item an error instead of growing without bound. */
#define RF_FLAGS3_METADATA_MAX_BYTES 4096

/* ringfetch: most -i lists in one run. Each is opened before the first
 * request and holds a descriptor for the whole run, out of the few the
 * open-file budget keeps besides the window (RF_FDS_RESERVED); more lists
 * can always be joined with cat. */
#define RF_RINGFETCH_MAX_LISTS 16

/* ringfetch: --resolve entries (curl's spelling) one run may give: enough
 * for any test or any handful of pinned hosts; a longer list belongs in
 * /etc/hosts or a DNS server. */
#define RF_RINGFETCH_MAX_RESOLVE     64

#endif
