/* cli/flagmeta.c: flags3's metadata parsing (json-c) and its file naming,
 * "{Country}-{CC}.gif"; and flags2's --flags3 option. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/flagmeta.h"
#include "cli/flags2_args.h"

static char name[FLAGMETA_NAME_MAX + 64];
static char country[512];
static size_t country_len;

/* flagmeta_file_name on a NUL-terminated country. */
static int make(const char *c, const char *cc)
{
    memset(name, 0x55, sizeof name);
    return flagmeta_file_name(c, strlen(c), cc, name, sizeof name);
}

static void assert_named(const char *c, const char *cc, const char *want)
{
    int n = make(c, cc);
    if (n < 0)
        fail_msg("'%s' refused: %d", c, n);
    assert_string_equal(name, want);
    assert_int_equal(n, (int)strlen(want));
}

static int parse(const char *json)
{
    memset(country, 0x55, sizeof country);
    country_len = 12345;
    return flagmeta_country(json, strlen(json), country, sizeof country, &country_len);
}

/* ---- naming: what is kept ---- */

static void test_name_is_country_dash_code_gif(void **state)
{
    (void)state;
    assert_named("Brazil", "BR", "Brazil-BR.gif");
}

static void test_spaces_become_underscores(void **state)
{
    (void)state;
    assert_named("United States", "US", "United_States-US.gif");
    assert_named("  two  spaces ", "XX", "__two__spaces_-XX.gif");
}

static void test_parentheses_are_kept(void **state)
{
    (void)state;
    assert_named("Iran (Islamic Republic of)", "IR", "Iran_(Islamic_Republic_of)-IR.gif");
}

static void test_commas_are_kept(void **state)
{
    (void)state;
    assert_named("Korea, Republic of", "KR", "Korea,_Republic_of-KR.gif");
}

static void test_apostrophe_and_non_ascii_are_kept(void **state)
{
    (void)state;
    assert_named("C\xc3\xb4te d'Ivoire", "CI", "C\xc3\xb4te_d'Ivoire-CI.gif");
}

static void test_multibyte_utf8_of_every_length_is_kept(void **state)
{
    (void)state;
    /* São Tomé (2 bytes), a CJK letter (3), an emoji (4). */
    assert_named("S\xc3\xa3o \xe4\xb8\xad\xf0\x9f\x8f\xb3", "ST",
                 "S\xc3\xa3o_\xe4\xb8\xad\xf0\x9f\x8f\xb3-ST.gif");
}

static void test_hyphen_and_shell_characters_are_kept(void **state)
{
    (void)state;
    assert_named("Guinea-Bissau", "GW", "Guinea-Bissau-GW.gif");
    assert_named("a*b?c|d<e>f:\"$", "XX", "a*b?c|d<e>f:\"$-XX.gif");
}

static void test_leading_dot_and_three_dots_are_kept(void **state)
{
    (void)state;
    assert_named(".hidden", "XX", ".hidden-XX.gif");
    assert_named("...", "XX", "...-XX.gif");
}

static void test_longest_name_fits(void **state)
{
    (void)state;
    char c[FLAGMETA_NAME_MAX];
    size_t len = FLAGMETA_NAME_MAX - strlen("-XX.gif");
    memset(c, 'a', len);
    c[len] = '\0';
    assert_int_equal(make(c, "XX"), FLAGMETA_NAME_MAX);
}

static void test_names_of_255_bytes_fit_256_do_not(void **state)
{
    (void)state;
    /* NAME_MAX itself, not NAME_MAX less a suffix: 248 + "-XX.gif" is 255 */
    char c[300];
    memset(c, 'a', 248);
    c[248] = '\0';
    assert_int_equal(make(c, "XX"), 255);
    assert_int_equal(strlen(name), 255);
    c[248] = 'a';
    c[249] = '\0';
    assert_int_equal(make(c, "XX"), -ENAMETOOLONG);
    /* bytes, not characters: 124 x "\xc3\xa9" is 248 bytes */
    for (int i = 0; i < 124; i++)
        memcpy(c + 2 * i, "\xc3\xa9", 2);
    c[248] = '\0';
    assert_int_equal(make(c, "XX"), 255);
}

/* ---- naming: what is refused ---- */

static void test_slash_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("a/b", "XX"), -EINVAL);
    assert_int_equal(make("/", "XX"), -EINVAL);
    assert_int_equal(make("../../etc", "XX"), -EINVAL);
}

static void test_backslash_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("a\\b", "XX"), -EINVAL);
}

static void test_empty_country_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("", "XX"), -ENODATA);
}

static void test_dot_and_dot_dot_are_refused(void **state)
{
    (void)state;
    assert_int_equal(make(".", "XX"), -EINVAL);
    assert_int_equal(make("..", "XX"), -EINVAL);
}

static void test_control_characters_are_refused(void **state)
{
    (void)state;
    assert_int_equal(make("a\tb", "XX"), -EINVAL);
    assert_int_equal(make("a\nb", "XX"), -EINVAL);
    assert_int_equal(make("a\x7f", "XX"), -EINVAL);
    assert_int_equal(make("\x1b[31mred", "XX"), -EINVAL);
}

static void test_c1_control_characters_are_refused(void **state)
{
    (void)state;
    assert_int_equal(make("a\xc2\x85" "b", "XX"), -EINVAL);   /* U+0085 NEL */
    assert_int_equal(make("\xc2\x9b" "31m", "XX"), -EINVAL);  /* U+009B CSI */
    assert_named("\xc2\xa0", "XX", "\xc2\xa0-XX.gif");         /* U+00A0 is not one */
}

static void test_nul_inside_the_name_is_refused(void **state)
{
    (void)state;
    assert_int_equal(flagmeta_file_name("ab\0cd", 5, "XX", name, sizeof name), -EINVAL);
}

static void test_invalid_utf8_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("\xff", "XX"), -EILSEQ);
    assert_int_equal(make("a\xc3", "XX"), -EILSEQ);            /* cut short */
    assert_int_equal(make("\xc0\xaf", "XX"), -EILSEQ);         /* overlong '/' */
    assert_int_equal(make("\xe0\x80\xaf", "XX"), -EILSEQ);     /* overlong '/' */
    assert_int_equal(make("\xed\xa0\x80", "XX"), -EILSEQ);     /* surrogate */
    assert_int_equal(make("\xf4\x90\x80\x80", "XX"), -EILSEQ); /* past U+10FFFF */
    assert_int_equal(make("\xc3\x28", "XX"), -EILSEQ);         /* bad continuation */
}

static void test_too_long_name_is_refused(void **state)
{
    (void)state;
    char c[FLAGMETA_NAME_MAX];
    size_t len = FLAGMETA_NAME_MAX - strlen("-XX.gif") + 1;
    memset(c, 'a', len);
    c[len] = '\0';
    assert_int_equal(make(c, "XX"), -ENAMETOOLONG);
}

static void test_small_buffer_is_enospc_and_untouched(void **state)
{
    (void)state;
    char small[13];  /* "Brazil-BR.gif" needs 14 */
    memset(small, 'Z', sizeof small);
    assert_int_equal(flagmeta_file_name("Brazil", 6, "BR", small, sizeof small), -ENOSPC);
    assert_int_equal(small[0], 'Z');
}

/* ---- metadata parsing ---- */

static void test_valid_metadata_gives_the_country(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"tld_cc\": \".br\", \"iso_cc\": \"BR\", "
                           "\"country\": \"Brazil\", \"gec_cc\": \"BR\"}"),
                     0);
    assert_string_equal(country, "Brazil");
    assert_int_equal(country_len, 6);
}

static void test_unicode_escapes_become_utf8(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": \"C\\u00f4te d'Ivoire\"}"), 0);
    assert_string_equal(country, "C\xc3\xb4te d'Ivoire");
}

static void test_raw_utf8_is_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": \"S\xc3\xa3o Tom\xc3\xa9\"}\n"), 0);
    assert_string_equal(country, "S\xc3\xa3o Tom\xc3\xa9");
}

static void test_escaped_nul_is_kept_in_the_length(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": \"a\\u0000b\"}"), 0);
    assert_int_equal(country_len, 3);
    assert_int_equal(flagmeta_file_name(country, country_len, "XX", name, sizeof name), -EINVAL);
}

static void test_only_len_bytes_are_read(void **state)
{
    (void)state;
    static const char buf[] = "{\"country\": \"Peru\"}GARBAGE";
    size_t len = strlen(buf) - strlen("GARBAGE");
    assert_int_equal(flagmeta_country(buf, len, country, sizeof country, &country_len), 0);
    assert_string_equal(country, "Peru");
}

static void test_invalid_json_is_ebadmsg(void **state)
{
    (void)state;
    assert_int_equal(parse("not json"), -EBADMSG);
    assert_int_equal(parse("{\"country\": \"Brazil\""), -EBADMSG);      /* cut short */
    assert_int_equal(parse("{\"country\": \"Brazil\",}"), -EBADMSG);    /* trailing comma */
    assert_int_equal(parse("{'country': 'Brazil'}"), -EBADMSG);         /* single quotes */
    assert_int_equal(parse("{\"country\": \"Brazil\"} x"), -EBADMSG);   /* trailing bytes */
    assert_int_equal(parse("{\"country\": \"Brazil\"}{}"), -EBADMSG);   /* two values */
    assert_int_equal(parse("<html>503</html>"), -EBADMSG);
}

static void test_invalid_utf8_in_json_is_ebadmsg(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": \"a\xff\"}"), -EBADMSG);
}

static void test_empty_body_is_ebadmsg(void **state)
{
    (void)state;
    assert_int_equal(flagmeta_country(NULL, 0, country, sizeof country, &country_len), -EBADMSG);
    assert_int_equal(parse(""), -EBADMSG);
    assert_int_equal(parse("   \n"), -EBADMSG);
}

static void test_json_that_is_not_an_object_is_ebadmsg(void **state)
{
    (void)state;
    assert_int_equal(parse("[\"country\", \"Brazil\"]"), -EBADMSG);
    assert_int_equal(parse("\"Brazil\""), -EBADMSG);
    assert_int_equal(parse("null"), -EBADMSG);
}

static void test_missing_country_is_enoent(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"tld_cc\": \".br\", \"iso_cc\": \"BR\"}"), -ENOENT);
    assert_int_equal(parse("{\"Country\": \"Brazil\"}"), -ENOENT);   /* keys are case-sensitive */
    assert_int_equal(parse("{}"), -ENOENT);
}

static void test_non_string_country_is_einval(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": 42}"), -EINVAL);
    assert_int_equal(parse("{\"country\": null}"), -EINVAL);
    assert_int_equal(parse("{\"country\": true}"), -EINVAL);
    assert_int_equal(parse("{\"country\": [\"Brazil\"]}"), -EINVAL);
    assert_int_equal(parse("{\"country\": {\"name\": \"Brazil\"}}"), -EINVAL);
}

static void test_empty_country_string_parses_and_naming_refuses_it(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"country\": \"\"}"), 0);
    assert_int_equal(country_len, 0);
    assert_int_equal(flagmeta_file_name(country, country_len, "XX", name, sizeof name), -ENODATA);
}

static void test_country_longer_than_buffer_is_enametoolong(void **state)
{
    (void)state;
    char small[5];
    const char *json = "{\"country\": \"Brazil\"}";
    assert_int_equal(flagmeta_country(json, strlen(json), small, sizeof small, &country_len),
                     -ENAMETOOLONG);
}

/* ---- flags2 --flags3 ---- */

static struct flags2_args args;

static int parse_args(int argc, char **argv, char *out, size_t out_size)
{
    FILE *o = fmemopen(out, out_size, "w");
    FILE *e = fopen("/dev/null", "w");
    assert_non_null(o);
    assert_non_null(e);
    int rc = flags2_args_parse(argc, argv, &args, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

static void test_flags3_option_selects_the_chain(void **state)
{
    (void)state;
    char out[256] = "";
    char *with[] = {"flags2", "--flags3", "BR", NULL};
    char *without[] = {"flags2", "BR", NULL};
    assert_int_equal(parse_args(3, with, out, sizeof out), FLAGS2_ARGS_RUN);
    assert_true(args.flags3);
    assert_int_equal(parse_args(2, without, out, sizeof out), FLAGS2_ARGS_RUN);
    assert_false(args.flags3);
}

static void test_help_documents_flags3_and_its_naming(void **state)
{
    (void)state;
    static char out[8192];
    char *argv[] = {"flags2", "-h", NULL};
    assert_int_equal(parse_args(2, argv, out, sizeof out), FLAGS2_ARGS_HELP);
    assert_non_null(strstr(out, "--flags3"));
    assert_non_null(strstr(out, "Country-CC.gif"));
}

static void test_flags3_base_url_leaves_room_for_metadata_json(void **state)
{
    (void)state;
    static char url[RF_URL_MAX_BYTES];
    char out[512] = "";
    /* Long enough for "/xx/xx.gif" but not for "/xx/metadata.json". */
    size_t n = RF_URL_MAX_BYTES - 12;
    memset(url, 'a', n);
    memcpy(url, "http://h/", 9);
    url[n] = '\0';
    char *flags2[] = {"flags2", "--url", url, NULL};
    char *flags3[] = {"flags2", "--url", url, "--flags3", NULL};
    assert_int_equal(parse_args(3, flags2, out, sizeof out), FLAGS2_ARGS_RUN);
    assert_int_equal(parse_args(4, flags3, out, sizeof out), -EINVAL);
    assert_non_null(strstr(out, "--url BASE is too long"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_is_country_dash_code_gif),
        cmocka_unit_test(test_spaces_become_underscores),
        cmocka_unit_test(test_parentheses_are_kept),
        cmocka_unit_test(test_commas_are_kept),
        cmocka_unit_test(test_apostrophe_and_non_ascii_are_kept),
        cmocka_unit_test(test_multibyte_utf8_of_every_length_is_kept),
        cmocka_unit_test(test_hyphen_and_shell_characters_are_kept),
        cmocka_unit_test(test_leading_dot_and_three_dots_are_kept),
        cmocka_unit_test(test_longest_name_fits),
        cmocka_unit_test(test_names_of_255_bytes_fit_256_do_not),
        cmocka_unit_test(test_slash_is_refused),
        cmocka_unit_test(test_backslash_is_refused),
        cmocka_unit_test(test_empty_country_is_refused),
        cmocka_unit_test(test_dot_and_dot_dot_are_refused),
        cmocka_unit_test(test_control_characters_are_refused),
        cmocka_unit_test(test_c1_control_characters_are_refused),
        cmocka_unit_test(test_nul_inside_the_name_is_refused),
        cmocka_unit_test(test_invalid_utf8_is_refused),
        cmocka_unit_test(test_too_long_name_is_refused),
        cmocka_unit_test(test_small_buffer_is_enospc_and_untouched),
        cmocka_unit_test(test_valid_metadata_gives_the_country),
        cmocka_unit_test(test_unicode_escapes_become_utf8),
        cmocka_unit_test(test_raw_utf8_is_accepted),
        cmocka_unit_test(test_escaped_nul_is_kept_in_the_length),
        cmocka_unit_test(test_only_len_bytes_are_read),
        cmocka_unit_test(test_invalid_json_is_ebadmsg),
        cmocka_unit_test(test_invalid_utf8_in_json_is_ebadmsg),
        cmocka_unit_test(test_empty_body_is_ebadmsg),
        cmocka_unit_test(test_json_that_is_not_an_object_is_ebadmsg),
        cmocka_unit_test(test_missing_country_is_enoent),
        cmocka_unit_test(test_non_string_country_is_einval),
        cmocka_unit_test(test_empty_country_string_parses_and_naming_refuses_it),
        cmocka_unit_test(test_country_longer_than_buffer_is_enametoolong),
        cmocka_unit_test(test_flags3_option_selects_the_chain),
        cmocka_unit_test(test_help_documents_flags3_and_its_naming),
        cmocka_unit_test(test_flags3_base_url_leaves_room_for_metadata_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
