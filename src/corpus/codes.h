/* The 194 country codes of the book's flag set (its data/country_codes.txt),
 * compiled in: flags2 -a asks for these, and the synthetic corpus draws a
 * flag for each. This is the one copy of the list. */
#ifndef RF_CORPUS_CODES_H
#define RF_CORPUS_CODES_H

#define CORPUS_NCODES          194

/* UPPER case, NUL-terminated, sorted; the index into this array is the
 * "index" the corpus functions take. */
extern const char corpus_codes[CORPUS_NCODES][3];

/* Index of a two-letter code, either case; -ENOENT if it is not one of the 194
 * (or not two letters). */
int corpus_index(const char *cc);

#endif
