/* cli/codes.c: the country-code lists and flags2's selection rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/codes.h"

static struct codes_set set;

/* Select with the given args; the call must succeed. */
static void select_ok(bool every, bool all, long long limit, size_t nargs, ...)
{
    char *args[32];
    va_list ap;
    va_start(ap, nargs);
    for (size_t i = 0; i < nargs; i++)
        args[i] = va_arg(ap, char *);
    va_end(ap);
    int rc = codes_select(every, all, args, nargs, limit, &set, NULL);
    if (rc != 0)
        fail_msg("codes_select = %d, expected 0", rc);
}

/* The selection joined with spaces. */
static const char *joined(void)
{
    static char buf[CODES_EVERY_COUNT * 3 + 1];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set.n; i++) {
        memcpy(buf + len, set.cc[i], 2);
        len += 2;
        buf[len++] = i + 1 < set.n ? ' ' : '\0';
    }
    return buf;
}

static void test_available_has_194_sorted_distinct_codes(void **state)
{
    (void)state;
    assert_int_equal(codes_available_count(), 194);
    assert_string_equal(codes_available(0), "AD");
    assert_string_equal(codes_available(193), "ZW");
    assert_null(codes_available(194));
    for (size_t i = 1; i < codes_available_count(); i++)
        assert_true(strcmp(codes_available(i - 1), codes_available(i)) < 0);
}

/* The compiled-in list is the book's data/country_codes.txt (checked when
 * the shared folder is around). */
static void test_available_matches_shared_country_codes_file(void **state)
{
    (void)state;
    const char *shared = getenv("RF_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/country_codes.txt", shared ? shared : "../shared");
    FILE *f = fopen(path, "r");
    if (!f)
        skip();
    char cc[8];
    size_t i = 0;
    while (fscanf(f, "%7s", cc) == 1) {
        assert_true(i < codes_available_count());
        assert_string_equal(codes_available(i), cc);
        i++;
    }
    fclose(f);
    assert_int_equal(i, codes_available_count());
}

static void test_top20_is_the_sorted_population_list(void **state)
{
    (void)state;
    assert_int_equal(codes_top20_count(), 20);
    select_ok(false, false, CODES_NO_LIMIT, 0);
    assert_string_equal(joined(), "BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN");
}

static void test_every_gives_all_676_codes_in_order(void **state)
{
    (void)state;
    select_ok(true, false, CODES_NO_LIMIT, 0);
    assert_int_equal(set.n, 676);
    assert_string_equal(set.cc[0], "AA");
    assert_string_equal(set.cc[1], "AB");
    assert_string_equal(set.cc[26], "BA");
    assert_string_equal(set.cc[675], "ZZ");
}

static void test_every_wins_over_all_and_args(void **state)
{
    (void)state;
    select_ok(true, true, CODES_NO_LIMIT, 2, "BR", "not-a-code");
    assert_int_equal(set.n, 676);
}

static void test_all_gives_the_194_available_codes(void **state)
{
    (void)state;
    select_ok(false, true, CODES_NO_LIMIT, 0);
    assert_int_equal(set.n, 194);
    for (size_t i = 0; i < set.n; i++)
        assert_string_equal(set.cc[i], codes_available(i));
}

static void test_all_ignores_args_even_invalid_ones(void **state)
{
    (void)state;
    select_ok(false, true, CODES_NO_LIMIT, 2, "123", "XX");
    assert_int_equal(set.n, 194);
}

static void test_one_letter_adds_its_26_codes(void **state)
{
    (void)state;
    select_ok(false, false, CODES_NO_LIMIT, 1, "B");
    assert_int_equal(set.n, 26);
    assert_string_equal(set.cc[0], "BA");
    assert_string_equal(set.cc[25], "BZ");
}

static void test_args_are_upper_cased(void **state)
{
    (void)state;
    select_ok(false, false, CODES_NO_LIMIT, 2, "br", "cN");
    assert_string_equal(joined(), "BR CN");
    select_ok(false, false, CODES_NO_LIMIT, 1, "z");
    assert_int_equal(set.n, 26);
    assert_string_equal(set.cc[0], "ZA");
}

static void test_two_letters_add_the_code_even_if_it_has_no_flag(void **state)
{
    (void)state;
    select_ok(false, false, CODES_NO_LIMIT, 1, "XX");
    assert_string_equal(joined(), "XX");
}

static void test_selection_is_deduplicated(void **state)
{
    (void)state;
    select_ok(false, false, CODES_NO_LIMIT, 4, "BR", "br", "B", "BZ");
    assert_int_equal(set.n, 26);
}

static void test_selection_is_sorted(void **state)
{
    (void)state;
    select_ok(false, false, CODES_NO_LIMIT, 4, "US", "BR", "CN", "AD");
    assert_string_equal(joined(), "AD BR CN US");
}

static void test_limit_keeps_the_first_n_after_sorting(void **state)
{
    (void)state;
    select_ok(false, false, 2, 3, "US", "CN", "BR");
    assert_string_equal(joined(), "BR CN");
    select_ok(false, true, 100, 0);
    assert_int_equal(set.n, 100);
    assert_string_equal(set.cc[99], codes_available(99));
}

static void test_limit_larger_than_the_set_keeps_all(void **state)
{
    (void)state;
    select_ok(false, false, 1000, 2, "US", "BR");
    assert_string_equal(joined(), "BR US");
}

static void test_limit_applies_to_the_default_list(void **state)
{
    (void)state;
    select_ok(false, false, 3, 0);
    assert_string_equal(joined(), "BD BR CD");
}

static void assert_bad_arg(const char *arg, size_t want_index)
{
    char *args[2] = {"BR", (char *)arg};
    size_t bad = 99;
    assert_int_equal(codes_select(false, false, args, 2, CODES_NO_LIMIT, &set, &bad), -EINVAL);
    assert_int_equal(bad, want_index);
}

static void test_args_other_than_one_or_two_letters_are_rejected(void **state)
{
    (void)state;
    assert_bad_arg("", 1);
    assert_bad_arg("1", 1);
    assert_bad_arg("BRA", 1);
    assert_bad_arg("B1", 1);
    assert_bad_arg("-B", 1);
    assert_bad_arg("\xc3\xa9", 1); /* é: two bytes, not letters */
    assert_bad_arg("B ", 1);
}

static void test_limit_below_one_is_rejected(void **state)
{
    (void)state;
    assert_int_equal(codes_select(false, true, NULL, 0, 0, &set, NULL), -EINVAL);
    assert_int_equal(codes_select(false, true, NULL, 0, -5, &set, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available_has_194_sorted_distinct_codes),
        cmocka_unit_test(test_available_matches_shared_country_codes_file),
        cmocka_unit_test(test_top20_is_the_sorted_population_list),
        cmocka_unit_test(test_every_gives_all_676_codes_in_order),
        cmocka_unit_test(test_every_wins_over_all_and_args),
        cmocka_unit_test(test_all_gives_the_194_available_codes),
        cmocka_unit_test(test_all_ignores_args_even_invalid_ones),
        cmocka_unit_test(test_one_letter_adds_its_26_codes),
        cmocka_unit_test(test_args_are_upper_cased),
        cmocka_unit_test(test_two_letters_add_the_code_even_if_it_has_no_flag),
        cmocka_unit_test(test_selection_is_deduplicated),
        cmocka_unit_test(test_selection_is_sorted),
        cmocka_unit_test(test_limit_keeps_the_first_n_after_sorting),
        cmocka_unit_test(test_limit_larger_than_the_set_keeps_all),
        cmocka_unit_test(test_limit_applies_to_the_default_list),
        cmocka_unit_test(test_args_other_than_one_or_two_letters_are_rejected),
        cmocka_unit_test(test_limit_below_one_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
