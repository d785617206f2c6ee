/* Lazy URL source for ringfetch. See urllist.h. */
#include "cli/urllist.h"

#include <errno.h>
#include <string.h>

#define URLLIST_BOM "\xef\xbb\xbf" /* U+FEFF in UTF-8 */

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

void urllist_init(struct urllist *l, char *const *args, size_t nargs, FILE *list)
{
    l->args = args;
    l->nargs = nargs;
    l->next_arg = 0;
    l->list = list;
    l->line = 0;
    l->buf[0] = '\0';
}

/* One line of l->list into l->buf, at most URLLIST_LINE_MAX bytes kept; the
 * rest of an overlong line is read and dropped. Returns the kept length, or
 * -1 at the end of the file; *problem gets what was wrong with the line (0,
 * -EILSEQ for a NUL byte, -E2BIG when bytes were dropped). */
static long read_line(struct urllist *l, int *problem)
{
    size_t len = 0;
    int c;
    bool any = false;

    *problem = 0;
    while ((c = getc_unlocked(l->list)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == '\0')
            *problem = -EILSEQ;
        if (len < URLLIST_LINE_MAX)
            l->buf[len++] = (char)c;
        else if (*problem == 0)
            *problem = -E2BIG;
    }
    l->buf[len] = '\0';
    return any ? (long)len : -1;
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
    if (!l->list)
        return URLLIST_END;
    for (;;) {
        int problem;
        long len = read_line(l, &problem);
        if (len < 0)
            return ferror(l->list) ? -EIO : URLLIST_END;
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
