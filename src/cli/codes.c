/* Country-code selection for flags2. See codes.h. */
#include "cli/codes.h"

#include <errno.h>
#include <stdint.h>

#include "corpus/codes.h"

/* POP20_CC of flags2_common.py, sorted. */
static const char top20[][3] = {
    "BD", "BR", "CD", "CN", "DE", "EG", "ET", "FR", "ID", "IN",
    "IR", "JP", "MX", "NG", "PH", "PK", "RU", "TR", "US", "VN",
};

#define TOP20_COUNT (sizeof top20 / sizeof top20[0])

/* The available codes are the book's data/country_codes.txt, compiled in
 * (corpus/codes.h), so that flags2 -a does not depend on the working
 * directory. */
size_t codes_available_count(void) { return CORPUS_NCODES; }

const char *codes_available(size_t i)
{
    return i < CORPUS_NCODES ? corpus_codes[i] : NULL;
}

size_t codes_top20_count(void) { return TOP20_COUNT; }

const char *codes_top20(size_t i)
{
    return i < TOP20_COUNT ? top20[i] : NULL;
}

static bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int letter_index(char c) { return (c >= 'a' ? c - 'a' : c - 'A'); }

/* Index of a code in AA..ZZ: alphabetical order, so a set walked in index
 * order comes out sorted. */
static int code_index(const char *cc) { return letter_index(cc[0]) * 26 + letter_index(cc[1]); }

static void add_list(uint8_t *set, const char (*list)[3], size_t count)
{
    for (size_t i = 0; i < count; i++)
        set[code_index(list[i])] = 1;
}

int codes_select(bool every, bool all, char *const *args, size_t nargs,
                 long long limit, struct codes_set *out, size_t *bad)
{
    uint8_t set[CODES_EVERY_COUNT] = {0};
    size_t any = 0;

    out->n = 0;
    if (limit < 1)
        return -EINVAL;
    if (every) {
        for (size_t i = 0; i < CODES_EVERY_COUNT; i++)
            set[i] = 1;
        any = 1;
    } else if (all) {
        add_list(set, corpus_codes, CORPUS_NCODES);
        any = 1;
    } else {
        for (size_t a = 0; a < nargs; a++) {
            const char *s = args[a];
            if (s[0] && is_letter(s[0]) && s[1] == '\0') {
                for (int j = 0; j < 26; j++)
                    set[letter_index(s[0]) * 26 + j] = 1;
            } else if (s[0] && is_letter(s[0]) && is_letter(s[1]) && s[2] == '\0') {
                set[code_index(s)] = 1;
            } else {
                if (bad)
                    *bad = a;
                return -EINVAL;
            }
            any = 1;
        }
    }
    if (!any)
        add_list(set, top20, TOP20_COUNT);

    for (int i = 0; i < CODES_EVERY_COUNT && (long long)out->n < limit; i++) {
        if (!set[i])
            continue;
        out->cc[out->n][0] = (char)('A' + i / 26);
        out->cc[out->n][1] = (char)('A' + i % 26);
        out->cc[out->n][2] = '\0';
        out->n++;
    }
    return 0;
}
