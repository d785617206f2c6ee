/* cli/resultlog.c: --log-json's lines, and what happens when they cannot be written. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/resultlog.h"

static char line[RESULTLOG_LINE_BYTES];

static const char *fmt(const struct resultlog_entry *e)
{
    size_t n = resultlog_format(line, sizeof line, e);
    assert_int_equal(n, strlen(line));
    assert_true(n > 0 && line[n - 1] == '\n');
    return line;
}

static void test_an_ok_item_has_every_field_in_order(void **state)
{
    (void)state;
    struct resultlog_entry e = {
        .url = "http://h/a", .final_url = "http://h/b", .path = "out/a", .outcome = "ok",
        .http_status = 200, .bytes = 8192, .attempts = 2, .elapsed_ms = 12.3456, .error = NULL,
    };
    assert_string_equal(fmt(&e),
                        "{\"url\": \"http://h/a\", \"final_url\": \"http://h/b\", \"path\": \"out/a\", "
                        "\"outcome\": \"ok\", \"http_status\": 200, \"bytes\": 8192, \"attempts\": 2, "
                        "\"elapsed_ms\": 12.346, \"error\": null, \"proxy\": null}\n");
}

static void test_what_is_missing_is_null(void **state)
{
    (void)state;
    struct resultlog_entry e = { .url = "bad", .outcome = "error", .error = "bad URL 'bad': x" };
    assert_string_equal(fmt(&e),
                        "{\"url\": \"bad\", \"final_url\": null, \"path\": null, \"outcome\": \"error\", "
                        "\"http_status\": null, \"bytes\": 0, \"attempts\": 0, \"elapsed_ms\": 0.000, "
                        "\"error\": \"bad URL 'bad': x\", \"proxy\": null}\n");
}

static void test_the_proxy_is_named_when_there_was_one(void **state)
{
    (void)state;
    struct resultlog_entry e = { .url = "http://h/a", .final_url = "http://h/a", .outcome = "ok",
                                 .http_status = 200, .attempts = 1, .proxy = "http://127.0.0.1:3128" };
    fmt(&e);
    assert_non_null(strstr(line, ", \"error\": null, \"proxy\": \"http://127.0.0.1:3128\"}\n"));
}

static void test_passwords_are_masked_in_both_urls(void **state)
{
    (void)state;
    struct resultlog_entry e = { .url = "http://u:secret@h/a", .final_url = "http://v:other@g/b",
                                 .outcome = "ok" };
    fmt(&e);
    assert_non_null(strstr(line, "\"url\": \"http://u:***@h/a\""));
    assert_non_null(strstr(line, "\"final_url\": \"http://v:***@g/b\""));
    assert_null(strstr(line, "secret"));
    assert_null(strstr(line, "other"));
}

/* JSON strings are UTF-8: valid sequences pass, quotes and backslashes and
 * controls are escaped, other bytes become %XX in a URL, \xNN elsewhere. */
static void test_odd_bytes_stay_valid_json(void **state)
{
    (void)state;
    struct resultlog_entry e = {
        .url = "http://h/caf\xc3\xa9\xff\"\\", .path = "out/\xe2\x82\xac\xc0\x80", .outcome = "error",
        .error = "tab\there\x01 and \xed\xa0\x80",
    };
    fmt(&e);
    assert_non_null(strstr(line, "\"url\": \"http://h/caf\xc3\xa9%FF\\\"\\\\\""));
    /* an overlong encoding is not UTF-8 */
    assert_non_null(strstr(line, "\"path\": \"out/\xe2\x82\xac\\\\xc0\\\\x80\""));
    /* nor is a surrogate */
    assert_non_null(strstr(line, "\"error\": \"tab\\u0009here\\u0001 and \\\\xed\\\\xa0\\\\x80\""));
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_lines_are_written_whole_when_closed(void **state)
{
    (void)state;
    char path[] = "/tmp/rf-resultlog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static struct resultlog log;
    assert_int_equal(resultlog_open(&log, path), 0);
    struct resultlog_entry e = { .url = "http://h/a", .outcome = "ok", .http_status = 200 };
    for (int i = 0; i < 2000; i++)   /* more than one buffer's worth */
        resultlog_add(&log, &e, 1.0);
    assert_int_equal(resultlog_close(&log), 0);
    char *text = read_file(path);
    size_t lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2000);
    assert_int_equal(strlen(text), 2000 * strlen(fmt(&e)));
    unlink(path);
}

static void test_gathered_lines_go_out_within_a_second(void **state)
{
    (void)state;
    char path[] = "/tmp/rf-resultlog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static struct resultlog log;
    assert_int_equal(resultlog_open(&log, path), 0);
    struct resultlog_entry e = { .url = "http://h/a", .outcome = "ok" };
    resultlog_add(&log, &e, 10.0);
    assert_string_equal(read_file(path), "");
    resultlog_add(&log, &e, 10.5);
    assert_string_equal(read_file(path), "");
    resultlog_add(&log, &e, 11.0 + RESULTLOG_FLUSH_S);
    assert_int_equal(strlen(read_file(path)), 3 * strlen(fmt(&e)));
    assert_int_equal(resultlog_close(&log), 0);
    unlink(path);
}

static void test_a_full_disk_is_reported_and_writing_stops(void **state)
{
    (void)state;
    static struct resultlog log;
    assert_int_equal(resultlog_open(&log, "/dev/full"), 0);
    struct resultlog_entry e = { .url = "http://h/a", .outcome = "ok" };
    for (int i = 0; i < 2000; i++)
        resultlog_add(&log, &e, 1.0);
    assert_int_equal(log.err, -ENOSPC);   /* seen as soon as a buffer went out */
    assert_int_equal(resultlog_close(&log), -ENOSPC);
    /* a small log fails at the end, still */
    assert_int_equal(resultlog_open(&log, "/dev/full"), 0);
    resultlog_add(&log, &e, 1.0);
    assert_int_equal(log.err, 0);
    assert_int_equal(resultlog_close(&log), -ENOSPC);
}

static void test_no_log_is_a_no_op(void **state)
{
    (void)state;
    static struct resultlog log = { .fd = -1 };
    struct resultlog_entry e = { .url = "http://h/a", .outcome = "ok" };
    resultlog_add(&log, &e, 1.0);
    assert_int_equal(resultlog_close(&log), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_ok_item_has_every_field_in_order),
        cmocka_unit_test(test_what_is_missing_is_null),
        cmocka_unit_test(test_the_proxy_is_named_when_there_was_one),
        cmocka_unit_test(test_passwords_are_masked_in_both_urls),
        cmocka_unit_test(test_odd_bytes_stay_valid_json),
        cmocka_unit_test(test_lines_are_written_whole_when_closed),
        cmocka_unit_test(test_gathered_lines_go_out_within_a_second),
        cmocka_unit_test(test_a_full_disk_is_reported_and_writing_stops),
        cmocka_unit_test(test_no_log_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
