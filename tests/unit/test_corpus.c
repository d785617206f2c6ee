/* corpus.c: the synthetic flag corpus (GIF validity, sizes, determinism,
 * metadata) and the bulk files. The GIFs are checked with a strict decoder
 * written here, independent of the encoder. */
#include <errno.h>
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

#include "corpus/corpus.h"

static unsigned char *gif_of(int index, size_t *len)
{
    unsigned char *buf = malloc(CORPUS_GIF_MAX_BYTES);
    assert_non_null(buf);
    int n = corpus_gif(index, buf, CORPUS_GIF_MAX_BYTES);
    if (n < 0)
        fail_msg("corpus_gif(%s) = %d", corpus_codes[index], n);
    *len = (size_t)n;
    return buf;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* ---- a strict GIF89a decoder ---- */

struct decoded {
    int width, height;
    long pixels;     /* pixels the LZW stream produced */
    int comments;    /* comment extensions seen */
};

/* LSB-first code reader over the concatenated sub-blocks. */
struct bitreader {
    const unsigned char *data;
    size_t len, bitpos;
};

static int read_code(struct bitreader *r, int bits)
{
    if (r->bitpos + (size_t)bits > r->len * 8)
        return -1;
    int code = 0;
    for (int i = 0; i < bits; i++, r->bitpos++)
        code |= ((r->data[r->bitpos / 8] >> (r->bitpos % 8)) & 1) << i;
    return code;
}

/* The textbook GIF LZW decoder. Returns the number of pixels, or a negative
 * number naming the defect: -1 ran out of data before EOI, -2 a code beyond
 * the table, -3 more than one byte of padding after EOI. */
static long lzw_decode(const unsigned char *data, size_t len, int min_bits, long max_pixels)
{
    /* Only lengths are needed, so an entry keeps its prefix and first pixel. */
    static uint16_t prefix[4096];
    static uint8_t first[4096];
    struct bitreader r = { data, len, 0 };
    int clear = 1 << min_bits, eoi = clear + 1;
    int bits = min_bits + 1, avail = eoi + 1, old = -1;
    long pixels = 0;

    for (int c = 0; c < clear; c++)
        first[c] = (uint8_t)c;
    for (;;) {
        int code = read_code(&r, bits);
        if (code < 0)
            return -1;
        if (code == clear) {
            bits = min_bits + 1;
            avail = eoi + 1;
            old = -1;
            continue;
        }
        if (code == eoi)
            break;
        if (old < 0) {
            if (code >= clear)
                return -2;
            pixels++;
            old = code;
            continue;
        }
        if (code > avail)
            return -2;
        /* code == avail is the KwKwK case: string(old) + its first pixel. */
        int known = code < avail;
        long n = known ? 1 : 2;
        for (int c = known ? code : old; c > eoi; c = prefix[c])
            n++;
        pixels += n;
        if (avail < 4096) {
            prefix[avail] = (uint16_t)old;
            first[avail] = first[old];
            avail++;
            if (avail >= (1 << bits) && bits < 12)
                bits++;
        }
        old = code;
        if (pixels > max_pixels)
            return pixels;
    }
    if (r.len * 8 - r.bitpos >= 8)
        return -3;
    return pixels;
}

/* Position after the sub-blocks starting at pos and their terminator. */
static size_t skip_sub_blocks(const unsigned char *g, size_t len, size_t pos)
{
    for (;;) {
        assert_true(pos < len);
        if (g[pos] == 0)
            return pos + 1;
        pos += 1 + g[pos];
    }
}

/* Decode a whole file; fails the test on any structural defect. */
static struct decoded decode_gif(const unsigned char *g, size_t len)
{
    struct decoded d = { 0 };
    assert_true(len > 13 + 1);
    assert_memory_equal(g, "GIF89a", 6);
    d.width = g[6] | g[7] << 8;
    d.height = g[8] | g[9] << 8;
    size_t pos = 13;
    if (g[10] & 0x80)
        pos += 3u << ((g[10] & 7) + 1);
    for (;;) {
        assert_true(pos < len);
        unsigned char b = g[pos++];
        if (b == 0x3b) {
            assert_int_equal(pos, len); /* the trailer is the last byte */
            break;
        }
        if (b == 0x21) {
            assert_true(pos < len);
            if (g[pos] == 0xfe)
                d.comments++;
            pos++;
            pos = skip_sub_blocks(g, len, pos);
            continue;
        }
        assert_int_equal(b, 0x2c);
        assert_true(pos + 10 <= len);
        int w = g[pos + 4] | g[pos + 5] << 8, h = g[pos + 6] | g[pos + 7] << 8;
        assert_int_equal(w, d.width);
        assert_int_equal(h, d.height);
        assert_int_equal(g[pos + 8] & 0x80, 0); /* no local table */
        int min_bits = g[pos + 9];
        pos += 10;
        unsigned char *stream = malloc(len);
        size_t n = 0;
        for (;;) {
            assert_true(pos < len);
            if (g[pos] == 0)
                break;
            size_t blk = g[pos];
            assert_true(pos + 1 + blk <= len);
            memcpy(stream + n, g + pos + 1, blk);
            n += blk;
            pos += 1 + blk;
        }
        pos++;
        d.pixels = lzw_decode(stream, n, min_bits, (long)w * h);
        free(stream);
    }
    return d;
}

/* ---- codes ---- */

static void test_codes_are_194_sorted_distinct_upper_case_pairs(void **state)
{
    (void)state;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        const char *c = corpus_codes[i];
        assert_true(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] == 0);
        if (i > 0)
            assert_true(strcmp(corpus_codes[i - 1], c) < 0);
    }
    assert_string_equal(corpus_codes[0], "AD");
    assert_string_equal(corpus_codes[CORPUS_NCODES - 1], "ZW");
}

static void test_index_finds_codes_in_either_case(void **state)
{
    (void)state;
    int br = corpus_index("BR");
    assert_true(br >= 0);
    assert_string_equal(corpus_codes[br], "BR");
    assert_int_equal(corpus_index("br"), br);
    assert_int_equal(corpus_index("bR"), br);
    for (int i = 0; i < CORPUS_NCODES; i++)
        assert_int_equal(corpus_index(corpus_codes[i]), i);
}

static void test_index_rejects_unknown_codes(void **state)
{
    (void)state;
    assert_int_equal(corpus_index("XX"), -ENOENT);
    assert_int_equal(corpus_index("B"), -ENOENT);
    assert_int_equal(corpus_index("BRA"), -ENOENT);
    assert_int_equal(corpus_index(""), -ENOENT);
    assert_int_equal(corpus_index(NULL), -ENOENT);
}

/* ---- GIFs ---- */

static void test_every_gif_starts_with_gif89a_and_ends_with_trailer(void **state)
{
    (void)state;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        size_t len;
        unsigned char *g = gif_of(i, &len);
        assert_memory_equal(g, "GIF89a", 6);
        assert_int_equal(g[len - 1], 0x3b);
        free(g);
    }
}

static void test_every_gif_has_the_size_corpus_gif_size_promises(void **state)
{
    (void)state;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        size_t len;
        unsigned char *g = gif_of(i, &len);
        assert_int_equal(len, corpus_gif_size(i));
        free(g);
    }
}

static void test_every_gif_decodes_to_its_declared_pixels(void **state)
{
    (void)state;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        size_t len;
        unsigned char *g = gif_of(i, &len);
        struct decoded d = decode_gif(g, len);
        if (d.pixels != (long)d.width * d.height)
            fail_msg("%s: %dx%d image decodes to %ld pixels", corpus_codes[i], d.width, d.height,
                     d.pixels);
        assert_true(d.width >= 16 && d.height >= 8);
        free(g);
    }
}

static void test_sizes_span_the_real_corpus_range(void **state)
{
    (void)state;
    size_t lo = SIZE_MAX, hi = 0;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        size_t s = corpus_gif_size(i);
        lo = s < lo ? s : lo;
        hi = s > hi ? s : hi;
    }
    assert_int_equal(lo, 1193);
    assert_int_equal(hi, 36332);
}

static void test_median_size_is_near_9_9_kb_and_total_near_2_35_mb(void **state)
{
    (void)state;
    size_t sizes[CORPUS_NCODES], total = 0;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        sizes[i] = corpus_gif_size(i);
        total += sizes[i];
    }
    qsort(sizes, CORPUS_NCODES, sizeof(sizes[0]), cmp_size);
    size_t median = (sizes[96] + sizes[97]) / 2;
    assert_in_range(median, 9600, 10200);
    assert_in_range(total, 2250000, 2450000);
}

static void test_gifs_are_deterministic(void **state)
{
    (void)state;
    int idx[] = { corpus_index("BR"), corpus_index("AD"), corpus_index("ZW"), corpus_index("US") };
    for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
        size_t l1, l2;
        unsigned char *a = gif_of(idx[k], &l1), *b = gif_of(idx[k], &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(a, b, l1);
        free(a);
        free(b);
    }
}

static void test_gifs_of_different_codes_differ(void **state)
{
    (void)state;
    size_t la, lb;
    unsigned char *prev = gif_of(0, &la);
    for (int i = 1; i < CORPUS_NCODES; i++) {
        unsigned char *cur = gif_of(i, &lb);
        assert_true(la != lb || memcmp(prev, cur, la) != 0);
        free(prev);
        prev = cur;
        la = lb;
    }
    free(prev);
}

static void test_gif_refuses_small_buffers_and_bad_indexes(void **state)
{
    (void)state;
    unsigned char buf[64];
    assert_int_equal(corpus_gif(0, buf, sizeof(buf)), -ENOSPC);
    assert_int_equal(corpus_gif(-1, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(corpus_gif(CORPUS_NCODES, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(corpus_gif_size(CORPUS_NCODES), 0);
}

/* ---- metadata ---- */

static void test_metadata_has_the_real_files_format(void **state)
{
    (void)state;
    char buf[CORPUS_METADATA_MAX_BYTES];
    const char *want = "{\"tld_cc\": \".br\", \"iso_cc\": \"BR\", \"country\": \"Brazil\", \"gec_cc\": \"BR\"}";
    assert_int_equal(corpus_metadata_json(corpus_index("BR"), buf, sizeof(buf)), strlen(want));
    assert_string_equal(buf, want);
    corpus_metadata_json(corpus_index("GB"), buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"tld_cc\": \".uk\""));
}

static void test_metadata_escapes_non_ascii_like_python_json(void **state)
{
    (void)state;
    char buf[CORPUS_METADATA_MAX_BYTES];
    corpus_metadata_json(corpus_index("CI"), buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"country\": \"C\\u00f4te d'Ivoire\""));
    assert_string_equal(corpus_country(corpus_index("CI")), "C\xc3\xb4te d'Ivoire");
}

static void test_metadata_fits_the_documented_maximum_for_every_code(void **state)
{
    (void)state;
    char buf[CORPUS_METADATA_MAX_BYTES];
    for (int i = 0; i < CORPUS_NCODES; i++)
        assert_true(corpus_metadata_json(i, buf, sizeof(buf)) > 0);
    assert_int_equal(corpus_metadata_json(0, buf, 10), -ENOSPC);
}

static void test_country_names_include_awkward_characters(void **state)
{
    (void)state;
    int paren = 0, comma = 0, apos = 0, non_ascii = 0;
    for (int i = 0; i < CORPUS_NCODES; i++) {
        const char *n = corpus_country(i);
        assert_non_null(n);
        assert_true(n[0] != 0);
        assert_null(strchr(n, '/'));
        paren += strchr(n, '(') != NULL;
        comma += strchr(n, ',') != NULL;
        apos += strchr(n, '\'') != NULL;
        for (const char *p = n; *p; p++)
            if ((unsigned char)*p >= 0x80) {
                non_ascii++;
                break;
            }
    }
    assert_true(paren > 0 && comma > 0 && apos > 0 && non_ascii > 0);
    assert_string_equal(corpus_country(corpus_index("FM")), "Micronesia (Federated States of)");
    assert_string_equal(corpus_country(corpus_index("KR")), "Korea, Republic of");
}

/* ---- bulk ---- */

static void test_bulk_files_are_deterministic_and_distinct(void **state)
{
    (void)state;
    unsigned char a[100], b[100], c[100];
    corpus_bulk_fill(a, sizeof(a), 7);
    corpus_bulk_fill(b, sizeof(b), 7);
    corpus_bulk_fill(c, sizeof(c), 8);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
    /* The first 8 bytes alone distinguish files. */
    unsigned char seen[1000][8];
    for (int i = 0; i < 1000; i++) {
        corpus_bulk_fill(seen[i], 8, (uint64_t)i);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(seen[i], seen[j], 8);
    }
}

static void test_bulk_pieces_join_to_the_whole_file(void **state)
{
    (void)state;
    unsigned char whole[1000], pieces[1000];
    corpus_bulk_fill(whole, sizeof(whole), 42);
    size_t cuts[] = { 0, 3, 8, 13, 500, 501, 999, 1000 };
    for (size_t k = 0; k + 1 < sizeof(cuts) / sizeof(cuts[0]); k++)
        corpus_bulk_fill_at(pieces + cuts[k], cuts[k + 1] - cuts[k], 42, cuts[k]);
    assert_memory_equal(whole, pieces, sizeof(whole));
}

/* ---- writing to disk ---- */

static void test_write_flags_writes_the_in_memory_bytes(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_corpus_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(corpus_write_flags(dir), 0);

    char path[256];
    snprintf(path, sizeof(path), "%s/flags/br/br.gif", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *disk = malloc(CORPUS_GIF_MAX_BYTES);
    size_t n = fread(disk, 1, CORPUS_GIF_MAX_BYTES, f);
    fclose(f);
    size_t len;
    unsigned char *mem = gif_of(corpus_index("BR"), &len);
    assert_int_equal(n, len);
    assert_memory_equal(disk, mem, len);

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "test $(ls %s/flags | wc -l) = 194 && test -s %s/flags/zw/metadata.json",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(disk);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_194_sorted_distinct_upper_case_pairs),
        cmocka_unit_test(test_index_finds_codes_in_either_case),
        cmocka_unit_test(test_index_rejects_unknown_codes),
        cmocka_unit_test(test_every_gif_starts_with_gif89a_and_ends_with_trailer),
        cmocka_unit_test(test_every_gif_has_the_size_corpus_gif_size_promises),
        cmocka_unit_test(test_every_gif_decodes_to_its_declared_pixels),
        cmocka_unit_test(test_sizes_span_the_real_corpus_range),
        cmocka_unit_test(test_median_size_is_near_9_9_kb_and_total_near_2_35_mb),
        cmocka_unit_test(test_gifs_are_deterministic),
        cmocka_unit_test(test_gifs_of_different_codes_differ),
        cmocka_unit_test(test_gif_refuses_small_buffers_and_bad_indexes),
        cmocka_unit_test(test_metadata_has_the_real_files_format),
        cmocka_unit_test(test_metadata_escapes_non_ascii_like_python_json),
        cmocka_unit_test(test_metadata_fits_the_documented_maximum_for_every_code),
        cmocka_unit_test(test_country_names_include_awkward_characters),
        cmocka_unit_test(test_bulk_files_are_deterministic_and_distinct),
        cmocka_unit_test(test_bulk_pieces_join_to_the_whole_file),
        cmocka_unit_test(test_write_flags_writes_the_in_memory_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
