/* corpus: a deterministic synthetic stand-in for the book's flag corpus.
 *
 * The real corpus (../shared/data/flags) is 194 GIFs of 1,193 to 36,332
 * bytes, median about 9.9 KB, each with a metadata.json. Tests and the
 * embedded flagserver need the same shape without that directory, so this
 * module generates it: every GIF is a valid GIF89a (global colour table,
 * one LZW-coded image, trailer) whose exact size is a function of the code
 * alone, and the sizes of the 194 follow the real set's distribution. The
 * same code always gives the same bytes, on every machine.
 *
 * Bulk files (for throughput runs) are pseudo-random bytes keyed by a file
 * index, so no two files of 8 bytes or more are equal.
 *
 * Everything here is pure computation except corpus_write_flags() and
 * corpus_write_bulk(), which write a tree to disk. Errors are -errno. */
#ifndef RF_CORPUS_CORPUS_H
#define RF_CORPUS_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/codes.h"   /* the 194 codes and their index */

/* Bounds of the generated GIF sizes: the real corpus's smallest and largest. */
#define CORPUS_GIF_MIN_BYTES   1193
#define CORPUS_GIF_MAX_BYTES   36332
/* Enough for any metadata.json this module produces (longest name escaped). */
#define CORPUS_METADATA_MAX_BYTES 256

/* Country name of an index, UTF-8 (e.g. "Côte d'Ivoire", "Korea, Republic of");
 * NULL for an index out of range. */
const char *corpus_country(int index);

/* Exact size in bytes of the GIF of an index; 0 for an index out of range. */
size_t corpus_gif_size(int index);

/* Write the GIF of an index into buf. Returns the number of bytes written
 * (== corpus_gif_size(index)), -EINVAL for a bad index, -ENOSPC if cap is
 * smaller than the size, -ENOMEM. Deterministic; costs about a millisecond
 * (it encodes twice: once to choose the height, once for real). */
int corpus_gif(int index, unsigned char *buf, size_t cap);

/* Write the metadata.json of an index into buf, NUL-terminated, in the
 * real files' form: {"tld_cc": ".br", "iso_cc": "BR", "country": "Brazil",
 * "gec_cc": "BR"} with non-ASCII escaped as \uXXXX (as Python's json does).
 * Returns the length without the NUL, -EINVAL, or -ENOSPC. */
int corpus_metadata_json(int index, char *buf, size_t cap);

/* Fill buf with bytes [0, size) of bulk file number index. */
void corpus_bulk_fill(unsigned char *buf, size_t size, uint64_t index);

/* Fill buf with bytes [offset, offset + len) of bulk file number index, so a
 * large file can be produced in pieces; the pieces join to exactly what
 * corpus_bulk_fill gives. The first 8 bytes of a file are a bijection of its
 * index, which is what makes files distinct. */
void corpus_bulk_fill_at(unsigned char *buf, size_t len, uint64_t index, uint64_t offset);

/* Write DIR/flags/{cc}/{cc}.gif and DIR/flags/{cc}/metadata.json for the 194
 * codes (cc lower case), creating directories as needed. 0 or -errno. */
int corpus_write_flags(const char *dir);

/* Write DIR/f000000.bin ... (count files of bytes bytes each). 0 or -errno. */
int corpus_write_bulk(const char *dir, unsigned long count, uint64_t bytes);

#endif
