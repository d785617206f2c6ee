/* cli/destdirs.c: folders under -o made one name at a time, never through a link. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/destdirs.h"

static char root[64], elsewhere[64];
static struct destdirs dd;

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/rf-destdirs-XXXXXX");
    strcpy(elsewhere, "/tmp/rf-destdirs-else-XXXXXX");
    assert_non_null(mkdtemp(root));
    assert_non_null(mkdtemp(elsewhere));
    return destdirs_open(&dd, root);
}

static int teardown(void **state)
{
    (void)state;
    destdirs_close(&dd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, elsewhere);
    return system(cmd) == 0 ? 0 : -1;
}

static bool is_dir(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int make(const char *sub, size_t *reached)
{
    return destdirs_make(&dd, sub, strlen(sub), reached);
}

static void test_missing_folders_are_made_and_the_last_is_kept_open(void **state)
{
    (void)state;
    size_t reached = 99;
    int fd = make("h:80/a/b", &reached);
    assert_true(fd >= 0);
    assert_true(is_dir("h:80") && is_dir("h:80/a") && is_dir("h:80/a/b"));
    /* the same folder again: the same descriptor, nothing made */
    assert_int_equal(make("h:80/a/b", &reached), fd);
    /* a file made through it lands there */
    int f = openat(fd, "x", O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(f >= 0);
    close(f);
    assert_true(destdirs_file_exists(fd, "x"));
    assert_false(destdirs_file_exists(fd, "y"));
    /* no folder: the root */
    assert_int_equal(destdirs_make(&dd, "", 0, &reached), dd.root);
}

static void test_a_link_in_the_tree_is_not_followed(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "%s/h", root);
    assert_int_equal(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/h/a", root);
    assert_int_equal(symlink(elsewhere, p), 0);
    size_t reached = 0;
    assert_int_equal(make("h/a/b", &reached), -ELOOP);
    assert_int_equal(reached, strlen("h/a"));
    snprintf(p, sizeof p, "%s/b", elsewhere);
    assert_int_equal(access(p, F_OK), -1);   /* nothing made over there */
    /* a link to a file is refused the same way */
    snprintf(p, sizeof p, "%s/h/f", root);
    assert_int_equal(symlink("/etc/hostname", p), 0);
    assert_int_equal(make("h/f", &reached), -ELOOP);
    assert_false(destdirs_file_exists(dd.root, "h/f"));
}

static void test_a_file_in_the_way_is_not_a_directory(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "%s/h", root);
    int f = open(p, O_WRONLY | O_CREAT, 0600);
    assert_true(f >= 0);
    close(f);
    size_t reached = 0;
    assert_int_equal(make("h/a", &reached), -ENOTDIR);
    assert_int_equal(reached, 1);
    /* a folder is not a file (for --skip-existing) */
    assert_true(make("d", &reached) >= 0);
    assert_false(destdirs_file_exists(dd.root, "d"));
    assert_true(destdirs_file_exists(dd.root, "h"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_folders_are_made_and_the_last_is_kept_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_link_in_the_tree_is_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_file_in_the_way_is_not_a_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
