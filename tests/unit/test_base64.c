/* util/base64.c: RFC 4648's test vectors and every byte value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/base64.h"

static void assert_encodes(const char *in, size_t n, const char *expect)
{
    char out[64];
    memset(out, '#', sizeof out);
    assert_int_equal(BASE64_ENCODED_BYTES(n), strlen(expect));
    assert_int_equal(base64_encode(in, n, out), strlen(expect));
    assert_memory_equal(out, expect, strlen(expect));
    assert_int_equal(out[strlen(expect)], '#'); /* nothing written past it */
}

static void test_rfc4648_section10_vectors(void **state)
{
    (void)state;
    assert_encodes("", 0, "");
    assert_encodes("f", 1, "Zg==");
    assert_encodes("fo", 2, "Zm8=");
    assert_encodes("foo", 3, "Zm9v");
    assert_encodes("foob", 4, "Zm9vYg==");
    assert_encodes("fooba", 5, "Zm9vYmE=");
    assert_encodes("foobar", 6, "Zm9vYmFy");
}

static void test_rfc7617_basic_example(void **state)
{
    (void)state;
    assert_encodes("Aladdin:open sesame", 19, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

static void test_high_bytes_and_nul_use_the_whole_alphabet(void **state)
{
    (void)state;
    assert_encodes("\xff\xff\xff", 3, "////");
    assert_encodes("\xfb\xef\xbe", 3, "++++");
    assert_encodes("\0\0\0", 3, "AAAA");
    assert_encodes("\xff", 1, "/w==");
    assert_encodes("\xff\xfe", 2, "//4=");
    /* 0x00 0x10 0x83 0x10 0x51 0x87 0x20 0x92 0x8b: digits 0..11 in order */
    assert_encodes("\x00\x10\x83\x10\x51\x87\x20\x92\x8b", 9, "ABCDEFGHIJKL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_section10_vectors),
        cmocka_unit_test(test_rfc7617_basic_example),
        cmocka_unit_test(test_high_bytes_and_nul_use_the_whole_alphabet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
