/* cli/progress.c: the tqdm-4 style line, ringfetch's bytes-and-errors postfix, and the
 * drawer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/dots.h"
#include "cli/progress.h"

static char line[PROGRESS_LINE_MAX];

static const char *fmt(uint64_t n, uint64_t total, double elapsed, double rate)
{
    int len = progress_format(line, sizeof line, n, total, elapsed, rate, NULL);
    assert_int_equal((size_t)len, strlen(line));
    return line;
}

static const char *fmt_post(uint64_t n, uint64_t total, double elapsed, double rate,
                            const char *postfix)
{
    int len = progress_format(line, sizeof line, n, total, elapsed, rate, postfix);
    assert_int_equal((size_t)len, strlen(line));
    return line;
}

static char post[PROGRESS_POSTFIX_MAX];

static const char *postfix_r(uint64_t bytes, double byte_rate, uint64_t errors, uint64_t retrying)
{
    int len = progress_postfix(post, sizeof post, bytes, byte_rate, errors, retrying);
    assert_int_equal((size_t)len, strlen(post));
    return post;
}

static const char *postfix(uint64_t bytes, double byte_rate, uint64_t errors)
{
    int len = progress_postfix(post, sizeof post, bytes, byte_rate, errors, 0);
    assert_int_equal((size_t)len, strlen(post));
    return post;
}

/* progress_update/finish with only items done (flags2's bar). */
static void upd(struct progress *p, uint64_t n, double now)
{
    struct progress_counts c = {.done = n};
    progress_update(p, &c, now);
}

static void fin(struct progress *p, uint64_t n, double now)
{
    struct progress_counts c = {.done = n};
    progress_finish(p, &c, now);
}

/* ---- the line ---- */

static void test_start_shows_zero_and_unknown_rate(void **state)
{
    (void)state;
    assert_string_equal(fmt(0, 100, 0, -1), "  0%|          | 0/100 [00:00<?, ?it/s]");
}

static void test_nothing_done_after_a_while_is_still_unknown_rate(void **state)
{
    (void)state;
    assert_string_equal(fmt(0, 20, 3.5, -1), "  0%|          | 0/20 [00:03<?, ?it/s]");
}

static void test_done_shows_full_bar_and_rate(void **state)
{
    (void)state;
    assert_string_equal(fmt(100, 100, 0.081, 1234.56),
                        "100%|\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
                        "| 100/100 [00:00<00:00, 1234.56it/s]");
}

static void test_negative_rate_means_the_average(void **state)
{
    (void)state;
    assert_string_equal(fmt(50, 100, 10, -1),
                        " 50%|\u2588\u2588\u2588\u2588\u2588     | 50/100 [00:10<00:10,  5.00it/s]");
}

static void test_partial_cell_uses_eighth_blocks(void **state)
{
    (void)state;
    /* 37% of 10 cells = 29.6 eighths: 3 full cells and 5/8 of the fourth. */
    assert_string_equal(fmt(37, 100, 1, 37),
                        " 37%|\u2588\u2588\u2588\u258B      | 37/100 [00:01<00:01, 37.00it/s]");
    /* 1/80 of the way: exactly one eighth. */
    assert_string_equal(fmt(1, 80, 1, 1), "  1%|\u258F         | 1/80 [00:01<01:19,  1.00it/s]");
}

static void test_bar_is_never_full_before_the_end(void **state)
{
    (void)state;
    /* 99.9%: 79 eighths (truncated), the last cell is 7/8, and the
     * percentage rounds to 100 like tqdm's. */
    assert_string_equal(fmt(999, 1000, 1, 999),
                        "100%|\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2589"
                        "| 999/1000 [00:01<00:00, 999.00it/s]");
}

static void test_percentage_rounds_like_python_format(void **state)
{
    (void)state;
    assert_memory_equal(fmt(1, 3, 1, 1), " 33%", 4);
    assert_memory_equal(fmt(2, 3, 1, 1), " 67%", 4);
    /* Exact halves round to even, as '{:3.0f}' does. */
    assert_memory_equal(fmt(1, 200, 1, 1), "  0%", 4);
    assert_memory_equal(fmt(3, 200, 1, 1), "  2%", 4);
}

static void test_elapsed_is_mm_ss_truncated(void **state)
{
    (void)state;
    assert_string_equal(fmt(10, 100, 61.9, 1), " 10%|\u2588         | 10/100 [01:01<01:30,  1.00it/s]");
}

static void test_elapsed_past_an_hour_is_h_mm_ss(void **state)
{
    (void)state;
    assert_string_equal(fmt(1, 2, 3725, 1), " 50%|\u2588\u2588\u2588\u2588\u2588     | 1/2 [1:02:05<00:01,  1.00it/s]");
}

static void test_remaining_is_what_is_left_at_the_rate(void **state)
{
    (void)state;
    /* 150 left at 2/s: 75 s. */
    assert_string_equal(fmt(50, 200, 25, 2),
                        " 25%|\u2588\u2588\u258C       | 50/200 [00:25<01:15,  2.00it/s]");
}

static void test_rate_below_one_per_second_is_inverted(void **state)
{
    (void)state;
    assert_string_equal(fmt(1, 10, 4, 0.25),
                        " 10%|\u2588         | 1/10 [00:04<00:36,  4.00s/it]");
}

static void test_rate_of_exactly_one_is_not_inverted(void **state)
{
    (void)state;
    assert_non_null(strstr(fmt(1, 10, 1, 1), " 1.00it/s]"));
}

static void test_rate_has_width_five_and_two_decimals(void **state)
{
    (void)state;
    assert_non_null(strstr(fmt(1, 10, 1, 5), ",  5.00it/s]"));
    assert_non_null(strstr(fmt(1, 10, 1, 12.345), ", 12.35it/s]"));
    assert_non_null(strstr(fmt(1, 10, 1, 81234.5), ", 81234.50it/s]"));
}

static void test_unknown_total_counts_up(void **state)
{
    (void)state;
    assert_string_equal(fmt(7, 0, 1.01, 6.93), "7it [00:01,  6.93it/s]");
    assert_string_equal(fmt(0, 0, 0, -1), "0it [00:00, ?it/s]");
}

static void test_format_truncates_to_the_buffer(void **state)
{
    (void)state;
    char small[8];
    int len = progress_format(small, sizeof small, 0, 100, 0, -1, NULL);
    assert_int_equal(len, (int)strlen("  0%|          | 0/100 [00:00<?, ?it/s]"));
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_empty_postfix_is_plain_tqdm(void **state)
{
    (void)state;
    assert_string_equal(fmt_post(7, 0, 1.01, 6.93, ""), "7it [00:01,  6.93it/s]");
}

/* ---- the bytes-and-errors postfix (ringfetch) ---- */

static void test_postfix_says_bytes_rate_and_errors(void **state)
{
    (void)state;
    assert_string_equal(postfix(152300000, 75100000, 0), "152.3 MB, 75.1 MB/s, 0 errors");
    assert_string_equal(postfix(512, 100, 1), "512 B, 100 B/s, 1 error");
    assert_string_equal(postfix(0, -1, 2), "0 B, ? B/s, 2 errors");
}

static void test_postfix_says_retries_waiting_only_when_there_are(void **state)
{
    (void)state;
    assert_string_equal(postfix_r(4000, 1000, 1, 2), "4.0 kB, 1.0 kB/s, 1 error, 2 retrying");
    assert_string_equal(postfix_r(4000, 1000, 0, 1), "4.0 kB, 1.0 kB/s, 0 errors, 1 retrying");
    assert_string_equal(postfix_r(4000, 1000, 0, 0), "4.0 kB, 1.0 kB/s, 0 errors");
    /* the widest postfix still fits */
    int len = progress_postfix(post, sizeof post, 999900000000ull, 999900000000.0, UINT64_MAX,
                               UINT64_MAX);
    assert_int_equal(len, (int)strlen(post));
}

static void test_one_big_file_shows_its_bytes_moving(void **state)
{
    (void)state;
    /* The "0/1 [00:02<?, ?it/s]" and nothing else, now with bytes. */
    assert_string_equal(fmt_post(0, 1, 2, -1, postfix(152300000, 75100000, 0)),
                        "  0%|          | 0/1 [00:02<?, ?it/s, 152.3 MB, 75.1 MB/s, 0 errors]");
}

static void test_unknown_total_carries_the_postfix_too(void **state)
{
    (void)state;
    assert_string_equal(fmt_post(812, 0, 3, 270.5, postfix(6700000, 2200000, 3)),
                        "812it [00:03, 270.50it/s, 6.7 MB, 2.2 MB/s, 3 errors]");
}

static void test_fit_cuts_at_a_column_not_inside_a_character(void **state)
{
    (void)state;
    char l[64];
    strcpy(l, " 50%|\u2588\u2588\u2588\u2588\u2588     | 1/2");
    assert_int_equal(progress_fit(l, 7), 7);
    assert_string_equal(l, " 50%|\u2588\u2588");
    strcpy(l, "short");
    assert_int_equal(progress_fit(l, 80), 5);
    assert_string_equal(l, "short");
}

/* ---- the drawer ---- */

struct capture {
    FILE *f;
    char *buf;
    size_t len;
};

static void capture_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static const char *capture_text(struct capture *c)
{
    fflush(c->f);
    return c->buf;
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->buf);
}

static void test_disabled_drawer_writes_nothing(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, false, false, 10, 100.0);
    upd(&p, 5, 100.5);
    progress_clear(&p);
    fin(&p, 10, 101.0);
    assert_string_equal(capture_text(&c), "");
    capture_close(&c);
}

static void test_start_draws_the_zero_line_after_a_carriage_return(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 10, 100.0);
    assert_string_equal(capture_text(&c), "\r  0%|          | 0/10 [00:00<?, ?it/s]");
    capture_close(&c);
}

static void test_update_redraws_in_place_with_elapsed_since_start(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 10, 100.0);
    upd(&p, 5, 102.0);
    const char *t = capture_text(&c);
    const char *second = strrchr(t, '\r');
    assert_string_equal(second, "\r 50%|\u2588\u2588\u2588\u2588\u2588     | 5/10 [00:02<00:02,  2.50it/s]");
    capture_close(&c);
}

static void test_update_smooths_the_rate_like_tqdm(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 100, 0.0);
    upd(&p, 10, 1.0);   /* 10 in 1 s */
    upd(&p, 40, 2.0);   /* 30 in 1 s */
    /* EMA from 0 with weight 0.3: dn = 0.3*30 + 0.7*0.3*10 = 11.1,
     * dt = 0.3*1 + 0.7*0.3*1 = 0.51: 21.76/s (the average would be 20). */
    assert_non_null(strstr(strrchr(capture_text(&c), '\r'), "21.76it/s]"));
    capture_close(&c);
}

static void test_update_without_progress_keeps_the_rate(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 100, 0.0);
    upd(&p, 10, 1.0);
    upd(&p, 10, 5.0);
    assert_string_equal(strrchr(capture_text(&c), '\r'),
                        "\r 10%|\u2588         | 10/100 [00:05<00:09, 10.00it/s]");
    capture_close(&c);
}

static void test_shorter_line_is_padded_over_the_longer_one(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 0, 0.0);          /* "0it [00:00, ?it/s]": 18 columns */
    upd(&p, 1000, 0.5);                 /* "1000it [00:00, 2000.00it/s]": 27 */
    progress_clear(&p);
    fprintf(c.f, "|");
    const char *t = capture_text(&c);
    /* Clearing writes blanks over the 27 columns and returns to column 0. */
    const char *want = "2000.00it/s]\r                           \r|";
    assert_true(strlen(t) > strlen(want));
    assert_string_equal(t + strlen(t) - strlen(want), want);
    capture_close(&c);
}

static void test_redraw_pads_when_the_line_shrinks(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 0, 0.0);
    upd(&p, 100000, 1.0);   /* "100000it [00:01, 100000.00it/s]" */
    upd(&p, 100001, 2.0);   /* rate drops: the line is shorter */
    /* Smoothed rate (0.3*1 + 0.7*30000) / (0.3*1 + 0.7*0.3) = 41177.06:
     * one column shorter, so one blank covers the old last column. */
    assert_string_equal(strrchr(capture_text(&c), '\r'), "\r100001it [00:02, 41177.06it/s] ");
    capture_close(&c);
}

static void test_finish_draws_the_last_line_and_a_newline(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 4, 10.0);
    fin(&p, 4, 12.0);
    /* No redraw happened: the average rate is shown. */
    assert_string_equal(strrchr(capture_text(&c), '\r'),
                        "\r100%|\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
                        "| 4/4 [00:02<00:00,  2.00it/s]\n");
    capture_close(&c);
}

static void test_bytes_start_line(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, true, 0, 100.0);
    assert_string_equal(capture_text(&c), "\r0it [00:00, ?it/s, 0 B, ? B/s, 0 errors]");
    capture_close(&c);
}

static void test_bytes_of_a_file_in_flight_move_the_line(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, true, 1, 0.0);
    struct progress_counts pc = {.done = 0, .errors = 0, .bytes = 150000000};
    progress_update(&p, &pc, 2.0);
    assert_string_equal(strrchr(capture_text(&c), '\r'),
                        "\r  0%|          | 0/1 [00:02<?, ?it/s, 150.0 MB, 75.0 MB/s, 0 errors]");
    capture_close(&c);
}

static void test_byte_rate_falls_when_a_transfer_stalls(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, true, 1, 0.0);
    struct progress_counts pc = {.bytes = 100000000};
    progress_update(&p, &pc, 2.0);
    progress_update(&p, &pc, 3.0);   /* nothing new in the last second */
    /* bytes 0.3*0 + 0.7*0.3*1e8 = 2.1e7, seconds 0.3*1 + 0.7*0.3*2 = 0.72: 29.2 MB/s. */
    assert_non_null(strstr(strrchr(capture_text(&c), '\r'), "100.0 MB, 29.2 MB/s, 0 errors]"));
    capture_close(&c);
}

static void test_errors_so_far_are_shown(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, true, 10, 0.0);
    struct progress_counts pc = {.done = 4, .errors = 1, .bytes = 4000};
    progress_update(&p, &pc, 1.0);
    assert_string_equal(strrchr(capture_text(&c), '\r'),
                        "\r 40%|\u2588\u2588\u2588\u2588      | 4/10 [00:01<00:01,  4.00it/s,"
                        " 4.0 kB, 4.0 kB/s, 1 error]");
    capture_close(&c);
}

static void test_total_set_after_the_start_gives_a_bar_and_an_eta(void **state)
{
    (void)state;
    struct capture c;
    struct progress p;
    capture_open(&c);
    progress_start(&p, c.f, true, false, 0, 0.0);
    upd(&p, 5, 1.0);
    assert_string_equal(strrchr(capture_text(&c), '\r'), "\r5it [00:01,  5.00it/s]");
    progress_set_total(&p, 10);
    upd(&p, 5, 1.0);
    assert_string_equal(strrchr(capture_text(&c), '\r'),
                        "\r 50%|\u2588\u2588\u2588\u2588\u2588     | 5/10 [00:01<00:01,  5.00it/s]");
    capture_close(&c);
}

static void test_memory_stream_is_not_a_terminal(void **state)
{
    (void)state;
    struct capture c;
    capture_open(&c);
    assert_false(progress_is_terminal(c.f));
    capture_close(&c);
}

static void test_clock_is_monotonic(void **state)
{
    (void)state;
    double a = progress_now(), b = progress_now();
    assert_true(a > 0 && b >= a);
}

/* ---- --progress=dot (dots.h) ---- */

static void test_dots_line_end_pads_to_a_full_line_then_counts(void **state)
{
    (void)state;
    char b[DOTS_LINE_END_MAX];
    struct progress_counts pc = {.done = 50, .errors = 1, .bytes = 409600};
    dots_line_end(b, sizeof b, 50, 1000, &pc, 0.5);
    assert_string_equal(b, "      50/1000   5%  409.6 kB  819.2 kB/s  1 error");
    /* a short last line is padded to where a full one ends */
    pc = (struct progress_counts){.done = 3, .bytes = 30, .retrying = 2};
    dots_line_end(b, sizeof b, 3, 0, &pc, 0);
    assert_int_equal(strspn(b, " "), (54 - 3) + 7);   /* to 54 columns of dots, then %8llu */
    assert_string_equal(b + strspn(b, " "), "3  30 B  ? B/s  0 errors  2 retrying");
}

static void test_dots_draw_groups_lines_and_counts(void **state)
{
    (void)state;
    struct capture cap;
    capture_open(&cap);
    struct dots d;
    dots_start(&d, cap.f, true, 0, 0.0);
    struct progress_counts pc = {0};
    for (int i = 0; i < 52; i++) {
        pc.done++;
        dots_item(&d, i == 12 ? '!' : '.', &pc, 1.0);
    }
    dots_finish(&d, &pc, 2.0);
    const char *t = capture_text(&cap);
    assert_string_equal(t, ".......... ..!....... .......... .......... .........."
                           "      50  0 B  0 B/s  0 errors\n"
                           "..                                                          52  0 B  0 B/s  0 errors\n");
    capture_close(&cap);
}

static void test_dots_go_on_below_an_interruption_at_their_column(void **state)
{
    (void)state;
    struct capture cap;
    capture_open(&cap);
    struct dots d;
    dots_start(&d, cap.f, true, 12, 0.0);
    struct progress_counts pc = {0};
    for (int i = 0; i < 12; i++) {
        if (i == 3 || i == 10) {
            dots_interrupt(&d);
            fputs("ERR x\n", cap.f);
        }
        pc.done++;
        dots_item(&d, '.', &pc, 1.0);
    }
    dots_finish(&d, &pc, 1.0);
    /* 11 columns (10 dots and a gap), 2 dots: 13 of the line's 54, then "%8llu/12". */
    char want[256];
    snprintf(want, sizeof want, "...\nERR x\n   .......\nERR x\n           ..%*s%8d/12 100%%  0 B  0 B/s  "
             "0 errors\n", 54 - 13, "", 12);
    assert_string_equal(capture_text(&cap), want);
    capture_close(&cap);
}

static void test_dots_disabled_or_with_nothing_after_a_full_line_add_nothing(void **state)
{
    (void)state;
    struct capture cap;
    capture_open(&cap);
    struct dots d;
    struct progress_counts pc = {.done = 1};
    dots_start(&d, cap.f, false, 0, 0.0);
    dots_item(&d, '.', &pc, 1.0);
    dots_interrupt(&d);
    dots_finish(&d, &pc, 1.0);
    assert_string_equal(capture_text(&cap) ? capture_text(&cap) : "", "");
    dots_start(&d, cap.f, true, 0, 0.0);
    for (pc.done = 1; pc.done <= 50; pc.done++)
        dots_item(&d, '.', &pc, 1.0);
    pc.done = 50;
    size_t before = strlen(capture_text(&cap));
    dots_finish(&d, &pc, 1.0);
    assert_int_equal(strlen(capture_text(&cap)), before);
    capture_close(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_shows_zero_and_unknown_rate),
        cmocka_unit_test(test_nothing_done_after_a_while_is_still_unknown_rate),
        cmocka_unit_test(test_done_shows_full_bar_and_rate),
        cmocka_unit_test(test_negative_rate_means_the_average),
        cmocka_unit_test(test_partial_cell_uses_eighth_blocks),
        cmocka_unit_test(test_bar_is_never_full_before_the_end),
        cmocka_unit_test(test_percentage_rounds_like_python_format),
        cmocka_unit_test(test_elapsed_is_mm_ss_truncated),
        cmocka_unit_test(test_elapsed_past_an_hour_is_h_mm_ss),
        cmocka_unit_test(test_remaining_is_what_is_left_at_the_rate),
        cmocka_unit_test(test_rate_below_one_per_second_is_inverted),
        cmocka_unit_test(test_rate_of_exactly_one_is_not_inverted),
        cmocka_unit_test(test_rate_has_width_five_and_two_decimals),
        cmocka_unit_test(test_unknown_total_counts_up),
        cmocka_unit_test(test_format_truncates_to_the_buffer),
        cmocka_unit_test(test_empty_postfix_is_plain_tqdm),
        cmocka_unit_test(test_postfix_says_bytes_rate_and_errors),
        cmocka_unit_test(test_postfix_says_retries_waiting_only_when_there_are),
        cmocka_unit_test(test_dots_line_end_pads_to_a_full_line_then_counts),
        cmocka_unit_test(test_dots_draw_groups_lines_and_counts),
        cmocka_unit_test(test_dots_go_on_below_an_interruption_at_their_column),
        cmocka_unit_test(test_dots_disabled_or_with_nothing_after_a_full_line_add_nothing),
        cmocka_unit_test(test_one_big_file_shows_its_bytes_moving),
        cmocka_unit_test(test_unknown_total_carries_the_postfix_too),
        cmocka_unit_test(test_fit_cuts_at_a_column_not_inside_a_character),
        cmocka_unit_test(test_disabled_drawer_writes_nothing),
        cmocka_unit_test(test_start_draws_the_zero_line_after_a_carriage_return),
        cmocka_unit_test(test_update_redraws_in_place_with_elapsed_since_start),
        cmocka_unit_test(test_update_smooths_the_rate_like_tqdm),
        cmocka_unit_test(test_update_without_progress_keeps_the_rate),
        cmocka_unit_test(test_shorter_line_is_padded_over_the_longer_one),
        cmocka_unit_test(test_redraw_pads_when_the_line_shrinks),
        cmocka_unit_test(test_finish_draws_the_last_line_and_a_newline),
        cmocka_unit_test(test_bytes_start_line),
        cmocka_unit_test(test_bytes_of_a_file_in_flight_move_the_line),
        cmocka_unit_test(test_byte_rate_falls_when_a_transfer_stalls),
        cmocka_unit_test(test_errors_so_far_are_shown),
        cmocka_unit_test(test_total_set_after_the_start_gives_a_bar_and_an_eta),
        cmocka_unit_test(test_memory_stream_is_not_a_terminal),
        cmocka_unit_test(test_clock_is_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
