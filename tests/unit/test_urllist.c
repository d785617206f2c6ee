/* cli/urllist.c: URLs from the arguments, then the list file, one at a time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/urllist.h"

static struct urllist list;
static struct urllist_item it;

/* The list's bytes, fed to urllist in chunks of `chunk` bytes whenever it
 * asks for more, as the engine's reads would bring them. Every test runs
 * with several chunk sizes (main). */
static struct {
    const char *text;
    size_t len, pos;
    bool active;
} src;
static size_t chunk;

static void open_list(const char *text, size_t len)
{
    src.text = text;
    src.len = len;
    src.pos = 0;
    src.active = true;
}

/* urllist_next, feeding chunks (then the end) while it says URLLIST_MORE. */
static int next_item(void)
{
    int rc;
    while ((rc = urllist_next(&list, &it)) == URLLIST_MORE) {
        size_t n = src.len - src.pos < chunk ? src.len - src.pos : chunk;
        urllist_feed(&list, src.text + src.pos, (long)n);
        src.pos += n;
    }
    return rc;
}

static void expect(int rc, const char *url, bool from_list, unsigned long index, int problem)
{
    assert_int_equal(next_item(), rc);
    if (rc != URLLIST_ITEM)
        return;
    assert_string_equal(it.url, url);
    assert_int_equal(it.from_list, from_list);
    assert_int_equal(it.index, index);
    assert_int_equal(it.problem, problem);
}

static int close_list(void **state)
{
    (void)state;
    src.active = false;
    return 0;
}

static void test_arguments_come_first_then_the_list(void **state)
{
    (void)state;
    char *args[] = {"http://a/1", "http://a/2"};
    static const char text[] = "http://b/1\nhttp://b/2\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, args, 2, src.active);
    expect(URLLIST_ITEM, "http://a/1", false, 1, 0);
    expect(URLLIST_ITEM, "http://a/2", false, 2, 0);
    expect(URLLIST_ITEM, "http://b/1", true, 1, 0);
    expect(URLLIST_ITEM, "http://b/2", true, 2, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_no_list_ends_after_the_arguments(void **state)
{
    (void)state;
    char *args[] = {"http://a/1"};
    urllist_init(&list, args, 1, false);
    expect(URLLIST_ITEM, "http://a/1", false, 1, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_blank_and_comment_lines_are_skipped_but_counted(void **state)
{
    (void)state;
    static const char text[] = "# header\n\n   \t\n  # indented comment\nhttp://x/a\n\nhttp://x/b\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 5, 0);
    expect(URLLIST_ITEM, "http://x/b", true, 7, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_surrounding_blanks_and_crlf_are_trimmed(void **state)
{
    (void)state;
    static const char text[] = "  \thttp://x/a \t\r\nhttp://x/b\r\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    expect(URLLIST_ITEM, "http://x/b", true, 2, 0);
}

static void test_hash_inside_a_url_is_kept(void **state)
{
    (void)state;
    static const char text[] = "http://x/a#frag\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a#frag", true, 1, 0);
}

static void test_last_line_without_newline_counts(void **state)
{
    (void)state;
    static const char text[] = "http://x/a\nhttp://x/b";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    expect(URLLIST_ITEM, "http://x/b", true, 2, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_empty_list_gives_nothing(void **state)
{
    (void)state;
    static const char text[] = "\n";
    open_list(text, 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_overlong_line_is_flagged_and_the_next_line_is_intact(void **state)
{
    (void)state;
    size_t big = 3 * URLLIST_LINE_MAX;
    char *text = malloc(big + 32);
    memcpy(text, "http://x/", 9);
    memset(text + 9, 'a', big - 9);
    strcpy(text + big, "\nhttp://x/b\n");
    open_list(text, strlen(text));
    urllist_init(&list, NULL, 0, src.active);
    assert_int_equal(next_item(), URLLIST_ITEM);
    assert_int_equal(it.problem, -E2BIG);
    assert_int_equal(it.index, 1);
    assert_true(strlen(it.url) <= URLLIST_LINE_MAX);
    assert_memory_equal(it.url, "http://x/aaa", 12);
    expect(URLLIST_ITEM, "http://x/b", true, 2, 0);
    free(text);
}

static void test_url_of_the_maximum_length_is_fine_one_more_is_too_long(void **state)
{
    (void)state;
    size_t n = RF_URL_MAX_BYTES - 1;
    char *text = malloc(2 * n + 8);
    memset(text, 'a', n);
    text[n] = '\n';
    memset(text + n + 1, 'b', n + 1);
    text[2 * n + 2] = '\n';
    open_list(text, 2 * n + 3);
    urllist_init(&list, NULL, 0, src.active);
    assert_int_equal(next_item(), URLLIST_ITEM);
    assert_int_equal(it.problem, 0);
    assert_int_equal(strlen(it.url), n);
    assert_int_equal(next_item(), URLLIST_ITEM);
    assert_int_equal(it.problem, -E2BIG);
    free(text);
}

static void test_long_argument_is_flagged(void **state)
{
    (void)state;
    char *arg = malloc(RF_URL_MAX_BYTES + 1);
    memset(arg, 'a', RF_URL_MAX_BYTES);
    arg[RF_URL_MAX_BYTES] = '\0';
    char *args[] = {arg};
    urllist_init(&list, args, 1, false);
    assert_int_equal(next_item(), URLLIST_ITEM);
    assert_int_equal(it.problem, -E2BIG);
    free(arg);
}

static void test_nul_byte_in_a_line_is_flagged(void **state)
{
    (void)state;
    static const char text[] = "http://x/a\0evil\nhttp://x/b\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    assert_int_equal(next_item(), URLLIST_ITEM);
    assert_int_equal(it.problem, -EILSEQ);
    assert_int_equal(it.index, 1);
    expect(URLLIST_ITEM, "http://x/b", true, 2, 0);
}

/* On a pipe or a terminal a line is given out as soon as its newline is
 * fed, and no sooner: a URL typed there is fetched when its line ends, not
 * at the next. */
static void test_a_line_waits_for_its_newline_and_no_longer(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_stream(&list, true);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "http://x/a\nhttp://x/", 20);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/a");
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "b\n", 2);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/b");
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "", 0);
    assert_int_equal(urllist_next(&list, &it), URLLIST_END);
}

/* Feeding asks to pause once a chunk's worth waits; memory stays bounded. */
static void test_feeding_pauses_when_a_chunk_is_waiting(void **state)
{
    (void)state;
    static char block[URLLIST_PENDING_BYTES / 2];
    memset(block, 'a', sizeof block);
    urllist_init(&list, NULL, 0, true);
    assert_false(urllist_feed(&list, block, sizeof block));
    assert_true(urllist_feed(&list, block, sizeof block));
}

/* A read error after some lines: those lines first, then the error. */
static void test_a_read_error_comes_after_the_lines_before_it(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_feed(&list, "http://x/a\nhttp://x/b", 21);
    urllist_feed(&list, NULL, -EIO);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/a");
    assert_int_equal(urllist_next(&list, &it), -EIO);
}

/* The next list counts its lines from 1 again. */
static void test_the_next_list_starts_at_line_one(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_feed(&list, "http://x/a\n", 11);
    urllist_feed(&list, "", 0);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_int_equal(urllist_next(&list, &it), URLLIST_END);
    urllist_next_list(&list);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "# c\nhttp://y/b\n", 15);
    urllist_feed(&list, "", 0);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://y/b");
    assert_int_equal(it.index, 2);
}

/* Counting for the bar's total: the same rules, whatever the chunks. */
static void test_counting_follows_the_same_rules(void **state)
{
    (void)state;
    static const char text[] = "\xef\xbb\xbf# head\n\nhttp://a\n  # c\n  http://b \r\nhttp://c";
    for (size_t step = 1; step <= sizeof text; step++) {
        static struct urllist_counter c;
        memset(&c, 0, sizeof c);
        for (size_t off = 0; off < sizeof text - 1; off += step)
            urllist_count(&c, text + off, sizeof text - 1 - off < step ? sizeof text - 1 - off : step);
        assert_int_equal(urllist_count_end(&c), 3);
    }
}

static void test_a_bom_at_the_start_of_the_list_is_skipped(void **state)
{
    (void)state;
    static const char text[] = "\xef\xbb\xbfhttp://x/a\n\xef\xbb\xbfhttp://x/b\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    /* only at the start of the list: elsewhere it is part of the line */
    expect(URLLIST_ITEM, "\xef\xbb\xbfhttp://x/b", true, 2, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_a_bom_before_a_comment_or_blanks_is_skipped_too(void **state)
{
    (void)state;
    static const char text[] = "\xef\xbb\xbf# urls\r\n  http://x/a\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 2, 0);
    static const char blank[] = "\xef\xbb\xbf  http://x/b \n";
    open_list(blank, sizeof blank - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/b", true, 1, 0);
}

static void test_arguments_are_not_bom_stripped(void **state)
{
    (void)state;
    char *args[] = {"\xef\xbb\xbfhttp://x/a"};
    urllist_init(&list, args, 1, false);
    expect(URLLIST_ITEM, "\xef\xbb\xbfhttp://x/a", false, 1, 0);
    expect(URLLIST_END, NULL, false, 0, 0);
}


/* Elsewhere a URL line waits for the first byte of the next line, which
 * says whether option lines follow, or for the end of the list. */
static void test_a_url_line_waits_for_the_next_lines_first_byte(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_feed(&list, "http://x/a\n", 11);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "h", 1);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/a");
    assert_null(it.out);
    urllist_feed(&list, "ttp://x/b\n", 10);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    /* an indented line may be an option: it must be whole */
    urllist_feed(&list, "  ou", 4);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "t=b.bin\n", 8);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, "", 0);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/b");
    assert_string_equal(it.out, "b.bin");
    assert_int_equal(it.index, 2);
    assert_int_equal(urllist_next(&list, &it), URLLIST_END);
}

/* aria2's input file: indented NAME=VALUE lines belong to the URL above. */
static void test_option_lines_go_with_their_url(void **state)
{
    (void)state;
    static const char text[] =
        "http://x/a\n"
        "  out=first.bin\n"
        "\tdir=sub/dir \n"
        "http://x/b\n"
        "http://x/c\r\n"
        " dir=only\r\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    assert_string_equal(it.out, "first.bin");
    assert_string_equal(it.dir, "sub/dir");
    assert_int_equal(it.opt_problem, URLLIST_OPT_OK);
    expect(URLLIST_ITEM, "http://x/b", true, 4, 0);
    assert_null(it.out);
    assert_null(it.dir);
    expect(URLLIST_ITEM, "http://x/c", true, 5, 0);
    assert_null(it.out);
    assert_string_equal(it.dir, "only");
    expect(URLLIST_END, NULL, false, 0, 0);
}

/* An indented line that is not NAME=VALUE is a URL line, as it always was. */
static void test_an_indented_url_is_still_a_url(void **state)
{
    (void)state;
    static const char text[] = "http://x/a\n  http://x/b?q=1\n\t#comment\n  x=1\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    assert_null(it.out);
    expect(URLLIST_ITEM, "http://x/b?q=1", true, 2, 0);
    assert_int_equal(it.opt_problem, URLLIST_OPT_OK);
    /* after a comment an option line has no URL to go with */
    expect(URLLIST_ITEM, "x=1", true, 4, URLLIST_P_STRAY_OPTION);
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_unknown_and_repeated_options_are_the_urls_problem(void **state)
{
    (void)state;
    static const char text[] =
        "http://x/a\n  split=4\n  out=a\n"
        "http://x/b\n  out=b1\n  out=b2\n"
        "http://x/c\n  out=\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    assert_int_equal(it.opt_problem, URLLIST_OPT_UNKNOWN);
    assert_int_equal(it.opt_line, 2);
    assert_string_equal(it.opt_name, "split");
    expect(URLLIST_ITEM, "http://x/b", true, 4, 0);
    assert_int_equal(it.opt_problem, URLLIST_OPT_TWICE);
    assert_int_equal(it.opt_line, 6);
    assert_string_equal(it.opt_name, "out");
    assert_string_equal(it.out, "b1");
    /* an empty value is given as it is: outpath refuses the name */
    expect(URLLIST_ITEM, "http://x/c", true, 7, 0);
    assert_string_equal(it.out, "");
    expect(URLLIST_END, NULL, false, 0, 0);
}

static void test_an_option_line_first_is_stray(void **state)
{
    (void)state;
    static const char text[] = "  out=a\nhttp://x/a\n  out=b\n";
    open_list(text, sizeof text - 1);
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "out=a", true, 1, URLLIST_P_STRAY_OPTION);
    expect(URLLIST_ITEM, "http://x/a", true, 2, 0);
    assert_string_equal(it.out, "b");
}

/* A stream: what arrived with the URL line goes with it; an option line
 * that arrives after the URL was given out is late, and says so. */
static void test_on_a_stream_options_must_come_with_their_url(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_stream(&list, true);
    urllist_feed(&list, "http://x/a\n  out=a.bin\nhttp://x/b\n", 34);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/a");
    assert_string_equal(it.out, "a.bin");
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/b");
    assert_null(it.out);
    urllist_feed(&list, "  out=late\n", 11);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "out=late");
    assert_int_equal(it.problem, URLLIST_P_LATE_OPTION);
    assert_int_equal(it.index, 4);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
}

static void test_a_held_url_comes_before_a_read_error(void **state)
{
    (void)state;
    urllist_init(&list, NULL, 0, true);
    urllist_feed(&list, "http://x/a\n", 11);
    assert_int_equal(urllist_next(&list, &it), URLLIST_MORE);
    urllist_feed(&list, NULL, -EIO);
    assert_int_equal(urllist_next(&list, &it), URLLIST_ITEM);
    assert_string_equal(it.url, "http://x/a");
    assert_int_equal(urllist_next(&list, &it), -EIO);
}

static void test_an_overlong_option_line_is_the_urls_problem(void **state)
{
    (void)state;
    size_t big = 2 * URLLIST_LINE_MAX;
    char *text = malloc(big + 64);
    strcpy(text, "http://x/a\n  out=");
    size_t n = strlen(text);
    memset(text + n, 'n', big);
    strcpy(text + n + big, "\nhttp://x/b\n");
    open_list(text, strlen(text));
    urllist_init(&list, NULL, 0, src.active);
    expect(URLLIST_ITEM, "http://x/a", true, 1, 0);
    assert_int_equal(it.opt_problem, URLLIST_OPT_LINE);
    assert_int_equal(it.opt_line, 2);
    expect(URLLIST_ITEM, "http://x/b", true, 3, 0);
    free(text);
}

/* The count skips option lines, counts stray ones (each is an error item),
 * and keeps only the items of a shard. */
static void test_counting_knows_option_lines_and_shards(void **state)
{
    (void)state;
    static const char text[] = "http://a\n  out=x\n  dir=y\n# c\n  out=z\nhttp://b\n";
    static struct urllist_counter c;
    memset(&c, 0, sizeof c);
    urllist_count(&c, text, sizeof text - 1);
    assert_int_equal(urllist_count_end(&c), 3);
    /* the same list twice (the next list starts from line 1, no BOM state) */
    urllist_count(&c, text, sizeof text - 1);
    assert_int_equal(urllist_count_end(&c), 6);

    unsigned long sum = 0;
    for (uint32_t k = 0; k < 3; k++) {
        memset(&c, 0, sizeof c);
        c.shard = (struct shard){ .k = k, .n = 3 };
        urllist_count(&c, text, sizeof text - 1);
        unsigned long n = urllist_count_end(&c);
        unsigned long want = shard_keeps(&c.shard, "http://a", 8) + shard_keeps(&c.shard, "out=z", 5) +
                             shard_keeps(&c.shard, "http://b", 8);
        assert_int_equal(n, want);
        sum += n;
    }
    assert_int_equal(sum, 3);
}

#define T(name) cmocka_unit_test_teardown(name, close_list)

int main(void)
{
    static const size_t chunks[] = { 1, 7, 100000 };
    int failed = 0;
    const struct CMUnitTest tests[] = {
        T(test_a_line_waits_for_its_newline_and_no_longer),
        T(test_feeding_pauses_when_a_chunk_is_waiting),
        T(test_a_read_error_comes_after_the_lines_before_it),
        T(test_the_next_list_starts_at_line_one),
        T(test_counting_follows_the_same_rules),
        T(test_arguments_come_first_then_the_list),
        T(test_no_list_ends_after_the_arguments),
        T(test_blank_and_comment_lines_are_skipped_but_counted),
        T(test_surrounding_blanks_and_crlf_are_trimmed),
        T(test_hash_inside_a_url_is_kept),
        T(test_last_line_without_newline_counts),
        T(test_empty_list_gives_nothing),
        T(test_overlong_line_is_flagged_and_the_next_line_is_intact),
        T(test_url_of_the_maximum_length_is_fine_one_more_is_too_long),
        T(test_long_argument_is_flagged),
        T(test_nul_byte_in_a_line_is_flagged),
        T(test_a_bom_at_the_start_of_the_list_is_skipped),
        T(test_a_bom_before_a_comment_or_blanks_is_skipped_too),
        T(test_arguments_are_not_bom_stripped),
        T(test_a_url_line_waits_for_the_next_lines_first_byte),
        T(test_option_lines_go_with_their_url),
        T(test_an_indented_url_is_still_a_url),
        T(test_unknown_and_repeated_options_are_the_urls_problem),
        T(test_an_option_line_first_is_stray),
        T(test_on_a_stream_options_must_come_with_their_url),
        T(test_a_held_url_comes_before_a_read_error),
        T(test_an_overlong_option_line_is_the_urls_problem),
        T(test_counting_knows_option_lines_and_shards),
    };
    /* Every test with the list arriving a byte at a time, in odd pieces,
     * and all at once. */
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        chunk = chunks[i];
        failed += cmocka_run_group_tests(tests, NULL, NULL);
    }
    return failed;
}
