/* The URL source for ringfetch. See urllist.h. */
#include "cli/urllist.h"

#include <errno.h>
#include <string.h>

#define URLLIST_BOM "\xef\xbb\xbf" /* U+FEFF in UTF-8 */

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

/* Only these start an option line: what aria2 writes before its options. */
static bool is_indent(int c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* ---- judging a whole line ------------------------------------------------ */

enum line_kind { LINE_SKIP, LINE_URL, LINE_OPTION };

/* What a whole line is, trimming it in place. number is its 1-based line
 * number (a BOM is skipped on line 1 only). A line with a NUL byte is
 * never skipped: what precedes the NUL may look blank. */
static void judge_line(struct urllist_line *ln, unsigned long number, struct urllist_parts *p)
{
    char *s = ln->buf, *end = ln->buf + ln->len;
    *end = '\0';
    if (number == 1 && ln->len >= 3 && memcmp(s, URLLIST_BOM, 3) == 0)
        s += 3;
    bool indented = s < end && is_indent((unsigned char)*s);
    while (s < end && is_blank((unsigned char)*s))
        s++;
    while (end > s && is_blank((unsigned char)end[-1]))
        end--;
    *end = '\0';
    p->s = s;
    p->len = (size_t)(end - s);
    p->name_len = 0;
    if (ln->problem != -EILSEQ && (s == end || *s == '#')) {
        p->kind = LINE_SKIP;
        return;
    }
    p->kind = LINE_URL;
    if (!indented)
        return;
    size_t n = 0;
    while (s + n < end && is_name_char((unsigned char)s[n]))
        n++;
    if (n > 0 && s + n < end && s[n] == '=' && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) {
        p->kind = LINE_OPTION;
        p->name_len = n;
    }
}

/* Take bytes of pending into ln, up to a newline. Returns true when the
 * line is whole (the newline was seen). */
static bool take_line(struct urllist *l, struct urllist_line *ln)
{
    while (l->start < l->end) {
        char c = l->pending[l->start++];
        if (c == '\n')
            return true;
        if (c == '\0')
            ln->problem = -EILSEQ;
        if (ln->len < URLLIST_LINE_MAX)
            ln->buf[ln->len++] = c;
        else if (ln->problem == 0)
            ln->problem = -E2BIG;
    }
    return false;
}

/* ---- the parser ------------------------------------------------------------ */

void urllist_init(struct urllist *l, char *const *args, size_t nargs, bool has_list)
{
    l->args = args;
    l->nargs = nargs;
    l->next_arg = 0;
    l->has_list = has_list;
    l->list_over = false;
    l->stream = false;
    l->list_err = 0;
    l->line = 0;
    l->start = l->end = 0;
    l->cur.len = 0;
    l->cur.problem = 0;
    l->cur_whole = false;
    l->held = false;
    l->attached = false;
}

void urllist_next_list(struct urllist *l)
{
    bool stream = l->stream;
    urllist_init(l, NULL, 0, true);
    l->stream = stream;
}

void urllist_stream(struct urllist *l, bool stream)
{
    l->stream = stream;
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

static int url_problem(const struct urllist_line *ln, size_t url_len)
{
    if (ln->problem == 0 && url_len >= RF_URL_MAX_BYTES)
        return -E2BIG;
    return ln->problem;
}

/* The held URL line becomes the item. */
static int give_held(struct urllist *l, struct urllist_item *it)
{
    l->held = false;
    it->url = l->held_url;
    it->url_len = l->held_url_len;
    it->from_list = true;
    it->index = l->held_index;
    it->problem = url_problem(&l->held_line, l->held_url_len);
    it->out = l->has_out ? l->out : NULL;
    it->dir = l->has_dir ? l->dir : NULL;
    it->opt_problem = l->opt_problem;
    it->opt_line = l->opt_line;
    memcpy(it->opt_name, l->opt_name, sizeof it->opt_name);
    return URLLIST_ITEM;
}

static void opt_fault(struct urllist *l, int problem, const char *name, size_t len)
{
    if (l->opt_problem)
        return; /* the first one is the one to fix first */
    l->opt_problem = problem;
    l->opt_line = l->cur_index;
    if (len > URLLIST_OPTION_NAME_MAX)
        len = URLLIST_OPTION_NAME_MAX;
    memcpy(l->opt_name, name, len);
    l->opt_name[len] = '\0';
}

/* An option line for the held URL. */
static void take_option(struct urllist *l, const struct urllist_parts *p)
{
    const char *name = p->s, *value = p->s + p->name_len + 1;
    size_t vlen = p->len - p->name_len - 1;
    char *dst = NULL;
    bool *seen = NULL;
    if (p->name_len == 3 && strncmp(name, "out", 3) == 0) {
        dst = l->out;
        seen = &l->has_out;
    } else if (p->name_len == 3 && strncmp(name, "dir", 3) == 0) {
        dst = l->dir;
        seen = &l->has_dir;
    }
    if (!dst) {
        opt_fault(l, URLLIST_OPT_UNKNOWN, name, p->name_len);
        return;
    }
    if (l->cur.problem) {
        opt_fault(l, URLLIST_OPT_LINE, name, p->name_len);
        return;
    }
    if (*seen) {
        opt_fault(l, URLLIST_OPT_TWICE, name, p->name_len);
        return;
    }
    memcpy(dst, value, vlen);
    dst[vlen] = '\0';
    *seen = true;
}

/* Hold a URL line: its option lines may follow. Its bytes are copied out,
 * since the next line is assembled where it was. */
static void hold(struct urllist *l, const struct urllist_parts *p)
{
    size_t off = (size_t)(p->s - l->cur.buf);
    memcpy(l->held_line.buf, l->cur.buf, l->cur.len + 1);
    l->held_line.len = l->cur.len;
    l->held_line.problem = l->cur.problem;
    l->held_url = l->held_line.buf + off;
    l->held_url_len = p->len;
    l->held_index = l->cur_index;
    l->held = true;
    l->has_out = l->has_dir = false;
    l->opt_problem = URLLIST_OPT_OK;
    l->opt_line = 0;
    l->opt_name[0] = '\0';
}

/* Whether the held URL line can be given out: the bytes after it show the
 * next line cannot be an option line (it does not start with a space or a
 * tab), or, on a stream, nothing after it has arrived yet. */
static bool held_is_complete(const struct urllist *l)
{
    if (l->cur.len > 0)
        return !is_indent((unsigned char)l->cur.buf[0]);
    if (l->start < l->end)
        return !is_indent((unsigned char)l->pending[l->start]);
    return l->stream && !l->list_over;
}

static void forget_cur(struct urllist *l)
{
    l->cur.len = 0;
    l->cur.problem = 0;
    l->cur_whole = false;
}

int urllist_next(struct urllist *l, struct urllist_item *it)
{
    if (l->next_arg < l->nargs) {
        const char *s = l->args[l->next_arg++];
        memset(it, 0, sizeof *it);
        it->url = s;
        it->url_len = strlen(s);
        it->from_list = false;
        it->index = l->next_arg;
        it->problem = it->url_len >= RF_URL_MAX_BYTES ? -E2BIG : 0;
        return URLLIST_ITEM;
    }
    if (!l->has_list)
        return URLLIST_END;
    for (;;) {
        if (!l->cur_whole) {
            if (l->held && held_is_complete(l))
                return give_held(l, it);
            if (!take_line(l, &l->cur)) {
                if (!l->list_over)
                    return URLLIST_MORE;
                if (l->held)
                    return give_held(l, it); /* the list ended (or failed) after it */
                if (l->list_err)
                    return l->list_err;
                if (l->cur.len == 0 && l->cur.problem == 0)
                    return URLLIST_END;
                /* The last line, without a newline. */
            }
            l->line++;
            l->cur_index = l->line;
            l->cur_whole = true;
            judge_line(&l->cur, l->cur_index, &l->cur_parts);
        }
        const struct urllist_parts p = l->cur_parts;
        switch (p.kind) {
        case LINE_SKIP:
            /* A comment or a blank line ends the held URL's options. */
            if (l->held)
                return give_held(l, it); /* the line stays parked, then is skipped */
            l->attached = false;
            forget_cur(l);
            continue;
        case LINE_OPTION:
            if (l->held) {
                take_option(l, &p);
                forget_cur(l);
                continue;
            }
            memset(it, 0, sizeof *it);
            it->url = p.s;
            it->url_len = p.len;
            it->from_list = true;
            it->index = l->cur_index;
            /* Right after a URL that is gone already (a stream), or not. */
            it->problem = l->attached ? URLLIST_P_LATE_OPTION : URLLIST_P_STRAY_OPTION;
            forget_cur(l);   /* its bytes stay in cur.buf until the next line starts */
            return URLLIST_ITEM;
        case LINE_URL:
            if (l->held)
                return give_held(l, it); /* parked: held in turn at the next call */
            hold(l, &p);
            l->attached = true;
            forget_cur(l);
            continue;
        }
    }
}

/* ---- counting ------------------------------------------------------------------ */

/* A whole line of the count: an item when it is a URL line, or an option
 * line with no URL line right before it (an error, but an item). */
static void count_line(struct urllist_counter *c)
{
    struct urllist_parts p;
    c->line++;
    judge_line(&c->cur, c->line, &p);
    bool item = p.kind == LINE_URL || (p.kind == LINE_OPTION && !c->attached);
    if (item && shard_keeps(&c->shard, p.s, p.len))
        c->urls++;
    /* Option lines attach to a URL line, or to option lines attached to one. */
    c->attached = p.kind == LINE_URL || (p.kind == LINE_OPTION && c->attached);
    c->cur.len = 0;
    c->cur.problem = 0;
}

void urllist_count(struct urllist_counter *c, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            count_line(c);
            continue;
        }
        if (ch == '\0')
            c->cur.problem = -EILSEQ;
        if (c->cur.len < URLLIST_LINE_MAX)
            c->cur.buf[c->cur.len++] = ch;
        else if (c->cur.problem == 0)
            c->cur.problem = -E2BIG;
    }
}

unsigned long urllist_count_end(struct urllist_counter *c)
{
    if (c->cur.len > 0 || c->cur.problem != 0)
        count_line(c); /* the last line, without a newline */
    c->line = 0;
    c->attached = false;
    return c->urls;
}
