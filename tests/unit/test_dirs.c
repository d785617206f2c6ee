/* util/dirs.c: creating folders like mkdir -p, and probing them for writing. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/dirs.h"

static char root[64];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/rf-test-dirs-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_creates_missing_parents(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/a/b/c", root);
    assert_int_equal(dirs_make(p), 0);
    assert_true(is_dir(p));
}

static void test_existing_folder_is_fine(void **state)
{
    (void)state;
    assert_int_equal(dirs_make(root), 0);
}

static void test_trailing_and_doubled_slashes_are_fine(void **state)
{
    (void)state;
    char p[128], q[128];
    snprintf(p, sizeof p, "%s//x///y/", root);
    snprintf(q, sizeof q, "%s/x/y", root);
    assert_int_equal(dirs_make(p), 0);
    assert_true(is_dir(q));
}

static void test_file_in_the_way_is_not_a_folder(void **state)
{
    (void)state;
    char p[128], q[160];
    snprintf(p, sizeof p, "%s/file", root);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(dirs_make(p), -ENOTDIR);
    snprintf(q, sizeof q, "%s/sub", p);
    assert_int_equal(dirs_make(q), -ENOTDIR);
}

static void test_empty_path_is_refused(void **state)
{
    (void)state;
    assert_int_equal(dirs_make(""), -ENOENT);
}

static int entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_probe_of_a_writable_folder_succeeds_and_leaves_nothing(void **state)
{
    (void)state;
    assert_int_equal(dirs_probe_writable(root), 0);
    assert_int_equal(entries(root), 0);
}

static void test_probe_of_a_file_or_a_missing_folder_fails(void **state)
{
    (void)state;
    char p[128], q[160];
    snprintf(p, sizeof p, "%s/file", root);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(dirs_probe_writable(p), -ENOTDIR);
    snprintf(q, sizeof q, "%s/missing", root);
    assert_int_equal(dirs_probe_writable(q), -ENOENT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_creates_missing_parents),
        T(test_existing_folder_is_fine),
        T(test_trailing_and_doubled_slashes_are_fine),
        T(test_file_in_the_way_is_not_a_folder),
        T(test_empty_path_is_refused),
        T(test_probe_of_a_writable_folder_succeeds_and_leaves_nothing),
        T(test_probe_of_a_file_or_a_missing_folder_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
