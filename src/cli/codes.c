/* Country-code selection for flags2. See codes.h. */
#include "cli/codes.h"

#include <errno.h>
#include <stdint.h>

/* Code i of a list starts at byte 3 * i and is NUL-terminated, so the
 * accessors hand out views into these constants. */
#define CODE_BYTES 3

/* data/country_codes.txt of the book, compiled in so that flags2 -a does not
 * depend on the working directory. */
static const char available[] =
    "AD\0AE\0AF\0AG\0AL\0AM\0AO\0AR\0AT\0AU\0AZ\0BA\0BB\0BD\0BE\0BF\0"
    "BG\0BH\0BI\0BJ\0BN\0BO\0BR\0BS\0BT\0BW\0BY\0BZ\0CA\0CD\0CF\0CG\0"
    "CH\0CI\0CL\0CM\0CN\0CO\0CR\0CU\0CV\0CY\0CZ\0DE\0DJ\0DK\0DM\0DZ\0"
    "EC\0EE\0EG\0ER\0ES\0ET\0FI\0FJ\0FM\0FR\0GA\0GB\0GD\0GE\0GH\0GM\0"
    "GN\0GQ\0GR\0GT\0GW\0GY\0HN\0HR\0HT\0HU\0ID\0IE\0IL\0IN\0IQ\0IR\0"
    "IS\0IT\0JM\0JO\0JP\0KE\0KG\0KH\0KI\0KM\0KN\0KP\0KR\0KW\0KZ\0LA\0"
    "LB\0LC\0LI\0LK\0LR\0LS\0LT\0LU\0LV\0LY\0MA\0MC\0MD\0ME\0MG\0MH\0"
    "MK\0ML\0MM\0MN\0MR\0MT\0MU\0MV\0MW\0MX\0MY\0MZ\0NA\0NE\0NG\0NI\0"
    "NL\0NO\0NP\0NR\0NZ\0OM\0PA\0PE\0PG\0PH\0PK\0PL\0PT\0PW\0PY\0QA\0"
    "RO\0RS\0RU\0RW\0SA\0SB\0SC\0SD\0SE\0SG\0SI\0SK\0SL\0SM\0SN\0SO\0"
    "SR\0SS\0ST\0SV\0SY\0SZ\0TD\0TG\0TH\0TJ\0TL\0TM\0TN\0TO\0TR\0TT\0"
    "TV\0TW\0TZ\0UA\0UG\0US\0UY\0UZ\0VA\0VC\0VE\0VN\0VU\0WS\0YE\0ZA\0"
    "ZM\0ZW\0";

/* POP20_CC of flags2_common.py, sorted. */
static const char top20[] =
    "BD\0BR\0CD\0CN\0DE\0EG\0ET\0FR\0ID\0IN\0"
    "IR\0JP\0MX\0NG\0PH\0PK\0RU\0TR\0US\0VN\0";

#define LIST_COUNT(s) ((sizeof(s) - 1) / CODE_BYTES)

size_t codes_available_count(void) { return LIST_COUNT(available); }

const char *codes_available(size_t i)
{
    return i < LIST_COUNT(available) ? available + CODE_BYTES * i : NULL;
}

size_t codes_top20_count(void) { return LIST_COUNT(top20); }

const char *codes_top20(size_t i)
{
    return i < LIST_COUNT(top20) ? top20 + CODE_BYTES * i : NULL;
}

static bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int letter_index(char c) { return (c >= 'a' ? c - 'a' : c - 'A'); }

/* Index of a code in AA..ZZ: alphabetical order, so a set walked in index
 * order comes out sorted. */
static int code_index(const char *cc) { return letter_index(cc[0]) * 26 + letter_index(cc[1]); }

static void add_list(uint8_t *set, const char *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        set[code_index(list + CODE_BYTES * i)] = 1;
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
        add_list(set, available, LIST_COUNT(available));
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
        add_list(set, top20, LIST_COUNT(top20));

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
