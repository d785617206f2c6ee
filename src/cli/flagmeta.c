/* See flagmeta.h. */
#include "cli/flagmeta.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

int flagmeta_country(const char *metadata, size_t len, char *country, size_t size,
                     size_t *country_len)
{
    struct json_tokener *tok;
    struct json_object *root, *value;
    int ret;

    if (!metadata || len == 0 || len > INT_MAX)
        return -EBADMSG;
    tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    /* Strict: no single quotes, comments or trailing commas, nothing but
     * blanks after the object (json-c refuses trailing bytes in strict mode
     * unless told otherwise), and the bytes must be UTF-8. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tok, metadata, (int)len);
    /* An incomplete document leaves the tokener waiting for more
     * (json_tokener_continue) with no object: that is invalid too. */
    bool complete = root && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!complete || !json_object_is_type(root, json_type_object)) {
        ret = -EBADMSG;
        goto out;
    }
    if (!json_object_object_get_ex(root, "country", &value)) {
        ret = -ENOENT;
        goto out;
    }
    if (!json_object_is_type(value, json_type_string)) {
        ret = -EINVAL;
        goto out;
    }
    int n = json_object_get_string_len(value);
    if (n < 0 || (size_t)n >= size) {
        ret = -ENAMETOOLONG;
        goto out;
    }
    memcpy(country, json_object_get_string(value), (size_t)n);
    country[n] = '\0';
    *country_len = (size_t)n;
    ret = 0;
out:
    json_object_put(root);
    return ret;
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0 when
 * it is not one: no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;   /* overlong */
        else if (c == 0xed)
            hi = 0x9f;   /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;   /* overlong */
        else if (c == 0xf4)
            hi = 0x8f;   /* past U+10FFFF */
    } else {
        return 0;
    }
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

int flagmeta_file_name(const char *country, size_t len, const char *cc, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)country;
    size_t cc_len = strlen(cc);

    if (len == 0)
        return -ENODATA;
    /* Judge every byte before writing any: the verdict must not depend on
     * the size of out. */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return -EINVAL;
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0)
            return -EILSEQ;
        if (n == 2 && c == 0xc2 && s[i + 1] <= 0x9f)
            return -EINVAL;  /* C1 control U+0080..U+009F */
        i += n;
    }
    /* Spaces become '_', so only a literal "." or ".." can be one. */
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return -EINVAL;
    size_t total = len + 1 + cc_len + 4;   /* "-" cc ".gif" */
    if (total > FLAGMETA_NAME_MAX)
        return -ENAMETOOLONG;
    if (total + 1 > size)
        return -ENOSPC;
    for (size_t i = 0; i < len; i++)
        out[i] = country[i] == ' ' ? '_' : country[i];
    out[len] = '-';
    memcpy(out + len + 1, cc, cc_len);
    memcpy(out + len + 1 + cc_len, ".gif", sizeof ".gif");
    return (int)total;
}
