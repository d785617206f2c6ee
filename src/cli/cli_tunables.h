/* The front ends' compile-time sizes, units in the names. */
#ifndef RF_CLI_TUNABLES_H
#define RF_CLI_TUNABLES_H

/* flags3: the largest metadata.json kept in memory (real ones are ~80 bytes);
 * a bigger body makes the item an error instead of growing without bound. */
#define RF_FLAGS3_METADATA_MAX_BYTES 4096

#endif
