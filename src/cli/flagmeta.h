/* flags3's metadata: the country name out of {base}/{cc}/metadata.json and
 * the file name the flag is saved under, "{Country}-{CC}.gif" (the book's
 * 1st-edition naming). Pure functions, no I/O; the JSON is parsed by json-c.
 *
 * Naming rule. Every ' ' (U+0020) becomes '_'; every other byte is kept as it
 * is, so "(", ",", "'", "-" and non-ASCII letters survive ("Côte d'Ivoire" ->
 * "Côte_d'Ivoire-CI.gif"). A country name that could not be written safely
 * is refused, never rewritten: '/' or '\\' (path separators here or on other
 * systems, as url_output_name() refuses them), a control character (C0, DEL,
 * or C1 U+0080..U+009F; NUL included), invalid UTF-8, a name that is "." or
 * ".." once changed, an empty name, or a file name too long to be created.
 * Shell-special characters ("*", "?", "|", "<", ">", ':', '"', '$') are legal
 * file-name bytes on Linux and are kept like "(" and "'": quoting is the
 * shell user's business, and a rewrite could make two countries collide. A
 * leading '.' or '-' is harmless because the name always ends "-CC.gif". */
#ifndef RF_CLI_FLAGMETA_H
#define RF_CLI_FLAGMETA_H

#include <stddef.h>

/* The longest file name we make: NAME_MAX of Linux file systems. The
 * engine's temporary file does not take its name from the final one, so the
 * whole 255 bytes are ours (as for url_output_name's URL_NAME_MAX). */
#define FLAGMETA_NAME_MAX 255

/* Parse metadata (len bytes; no NUL needed) and copy its "country" string
 * into country, NUL-terminated; *country_len gets its length in bytes (a
 * "\u0000" in the JSON is kept as a NUL byte inside that length, for
 * flagmeta_file_name to refuse). The JSON must be one object and nothing
 * else but blanks, in valid UTF-8 (json-c's strict mode).
 * Returns 0, or
 *   -EBADMSG       not valid JSON, or not an object
 *   -ENOENT        no "country" member
 *   -EINVAL        "country" is not a string
 *   -ENAMETOOLONG  the name does not fit in size - 1 bytes
 *   -ENOMEM        json-c could not allocate. */
int flagmeta_country(const char *metadata, size_t len, char *country, size_t size,
                     size_t *country_len);

/* Write "{country}-{cc}.gif" into out with the naming rule above (cc is
 * taken as given: the caller passes the upper-case code).
 * Returns the name's length, or
 *   -ENODATA       country is empty
 *   -EINVAL        '/', '\\', a control character, or "."/".." once changed
 *   -EILSEQ        country is not valid UTF-8
 *   -ENAMETOOLONG  the name would be over FLAGMETA_NAME_MAX bytes
 *   -ENOSPC        out is too small for it. */
int flagmeta_file_name(const char *country, size_t len, const char *cc, char *out, size_t size);

#endif
