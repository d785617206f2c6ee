/* mkcorpus: write the synthetic corpora to disk.
 *
 *   mkcorpus flags DIR               DIR/flags/{cc}/{cc}.gif + metadata.json (194 codes)
 *   mkcorpus bulk DIR COUNT BYTES    DIR/f000000.bin ... (COUNT files of BYTES bytes)
 *
 * Exit status: 0 done, 1 an I/O error, 2 usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus.h"

static const char usage[] =
    "usage: mkcorpus flags DIR\n"
    "       mkcorpus bulk DIR COUNT BYTES\n"
    "  flags  write DIR/flags/{cc}/{cc}.gif and metadata.json for the 194 country codes\n"
    "  bulk   write DIR/f000000.bin ... : COUNT files of BYTES bytes, distinct content\n";

static int usage_error(const char *msg)
{
    fprintf(stderr, "mkcorpus: %s\n%s", msg, usage);
    return 2;
}

/* A whole decimal number, no sign, no suffix; -1 if it is not one. */
static int parse_count(const char *s, unsigned long long *out)
{
    if (!s[0] || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    *out = strtoull(s, NULL, 10);
    return errno ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2)
        return usage_error("missing command");

    int rc;
    if (!strcmp(argv[1], "flags")) {
        if (argc != 3)
            return usage_error("flags takes exactly one argument, DIR");
        rc = corpus_write_flags(argv[2]);
    } else if (!strcmp(argv[1], "bulk")) {
        unsigned long long count, bytes;
        if (argc != 5)
            return usage_error("bulk takes exactly three arguments, DIR COUNT BYTES");
        if (parse_count(argv[3], &count) < 0 || count > 1000000)
            return usage_error("COUNT must be a whole number from 0 to 1000000");
        if (parse_count(argv[4], &bytes) < 0)
            return usage_error("BYTES must be a whole number");
        rc = corpus_write_bulk(argv[2], (unsigned long)count, bytes);
    } else {
        return usage_error("unknown command (expected flags or bulk)");
    }
    if (rc < 0) {
        fprintf(stderr, "mkcorpus: %s: %s\n", argv[2], strerror(-rc));
        return 1;
    }
    return 0;
}
