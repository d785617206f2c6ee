/* Test helper: what a function under test prints, captured in memory, and
 * argv built from a list (for command-line parsers). Linked into every unit
 * test program, like every non-test_*.c file in tests/unit. */
#ifndef RF_TEST_CAPTURE_H
#define RF_TEST_CAPTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct capture {
    FILE *out, *err;          /* hand these to the code under test */
    char *out_text, *err_text;
    size_t out_len, err_len;
};

/* Open both streams; 0, or -1 when memory ran out. */
int capture_open(struct capture *c);
void capture_close(struct capture *c);
/* Everything printed so far ("" when nothing). */
const char *capture_out(struct capture *c);
const char *capture_err(struct capture *c);
/* argv = prog, then the arguments of ap up to a NULL, then NULL; at most
 * max entries in all. Returns argc. */
int capture_argv(char **argv, size_t max, const char *prog, const char *first, va_list ap);

#endif
