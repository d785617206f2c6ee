/* The URL source for ringfetch. See urllist.h. */
#include "cli/urllist.h"

#include <errno.h>
#include <string.h>

#define URLLIST_BOM "\xef\xbb\xbf" /* U+FEFF in UTF-8 */

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

void urllist_init(struct urllist *l, char *const *args, size_t nargs, bool has_list)
{
    l->args = args;
    l->nargs = nargs;
    l->next_arg = 0;
    l->has_list = has_list;
    l->list_over = false;
    l->list_err = 0;
    l->line = 0;
    l->start = l->end = 0;
    l->len = 0;
    l->problem = 0;
    l->buf[0] = '\0';
}

void urllist_next_list(struct urllist *l)
{
    urllist_init(l, NULL, 0, true);
}

bool urllist_feed(struct urllist *l, const char *buf, long len)
{
    if (len <= 0) {
        l->list_over = true;
        l->list_err = len < 0 ? (int)len : 0;
        return false;
    }
    /* Make room at the end: what is parsed is dropped from the front. */
    if (l->start > 0) {
        memmove(l->pending, l->pending + l->start, l->end - l->start);
        l->end -= l->start;
        l->start = 0;
    }
    size_t n = (size_t)len;
    if (n > sizeof l->pending - l->end)
        n = sizeof l->pending - l->end; /* cannot happen within the contract (urllist.h) */
    memcpy(l->pending + l->end, buf, n);
    l->end += n;
    return l->end - l->start >= URLLIST_PENDING_BYTES;
}

/* Take bytes into the line being assembled, up to a newline. Returns true
 * when the line is whole (the newline was seen). */
static bool take_line(struct urllist *l)
{
    while (l->start < l->end) {
        char c = l->pending[l->start++];
        if (c == '\n')
            return true;
        if (c == '\0')
            l->problem = -EILSEQ;
        if (l->len < URLLIST_LINE_MAX)
            l->buf[l->len++] = c;
        else if (l->problem == 0)
            l->problem = -E2BIG;
    }
    return false;
}

int urllist_next(struct urllist *l, struct urllist_item *it)
{
    if (l->next_arg < l->nargs) {
        const char *s = l->args[l->next_arg++];
        it->url = s;
        it->from_list = false;
        it->index = l->next_arg;
        it->problem = strlen(s) >= RF_URL_MAX_BYTES ? -E2BIG : 0;
        return URLLIST_ITEM;
    }
    if (!l->has_list)
        return URLLIST_END;
    for (;;) {
        bool whole = take_line(l);
        if (!whole) {
            if (!l->list_over)
                return URLLIST_MORE;
            if (l->list_err)
                return l->list_err;
            if (l->len == 0 && l->problem == 0)
                return URLLIST_END;
            /* The last line, without a newline. */
        }
        size_t len = l->len;
        int problem = l->problem;
        l->len = 0;
        l->problem = 0;
        l->buf[len] = '\0';
        l->line++;
        /* A NUL hides the rest of the line from string functions: decide
         * on blank and comment lines only from what precedes it. */
        char *s = l->buf, *end = l->buf + len;
        if (l->line == 1 && len >= 3 && memcmp(s, URLLIST_BOM, 3) == 0)
            s += 3;
        while (s < end && is_blank((unsigned char)*s))
            s++;
        while (end > s && is_blank((unsigned char)end[-1]))
            end--;
        *end = '\0';
        if (problem != -EILSEQ && (s == end || *s == '#'))
            continue;
        if (problem == 0 && (size_t)(end - s) >= RF_URL_MAX_BYTES)
            problem = -E2BIG;
        it->url = s;
        it->from_list = true;
        it->index = l->line;
        it->problem = problem;
        return URLLIST_ITEM;
    }
}

enum { COUNT_BLANK, COUNT_URL, COUNT_COMMENT };

void urllist_count(struct urllist_counter *c, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++, c->bytes++) {
        unsigned char ch = (unsigned char)buf[i];
        if (c->bytes < 3 && ch == (unsigned char)URLLIST_BOM[c->bytes] && c->state == COUNT_BLANK)
            continue; /* the byte order mark, a blank for this purpose */
        if (ch == '\n') {
            c->urls += c->state == COUNT_URL;
            c->state = COUNT_BLANK;
        } else if (c->state == COUNT_BLANK && !is_blank(ch)) {
            c->state = ch == '#' ? COUNT_COMMENT : COUNT_URL;
        }
    }
}

unsigned long urllist_counted(const struct urllist_counter *c)
{
    return c->urls + (c->state == COUNT_URL);
}
