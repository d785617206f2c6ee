/* tqdm-4 style progress bar. See progress.h. */
#include "cli/progress.h"

#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/report.h"

#define EMA_WEIGHT 0.3   /* tqdm's default smoothing */

/* tqdm's UTF-8 charset: blank, then eighths of a block up to the full one. */
static const char *const eighths[9] = {
    " ", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B", "\u258A", "\u2589", "\u2588",
};

/* tqdm's format_interval: whole seconds, truncated. */
static void format_interval(char *buf, size_t size, double t)
{
    if (!(t >= 0))
        t = 0;
    if (t > 1e12)
        t = 1e12;
    unsigned long long secs = (unsigned long long)t;
    unsigned long long m = secs / 60, s = secs % 60, h = m / 60;
    m %= 60;
    if (h)
        snprintf(buf, size, "%llu:%02llu:%02llu", h, m, s);
    else
        snprintf(buf, size, "%02llu:%02llu", m, s);
}

/* tqdm: "{:5.2f}it/s", or "{:5.2f}s/it" when that is > 1, or "?it/s". */
static void format_rate(char *buf, size_t size, double rate)
{
    if (!(rate > 0))
        snprintf(buf, size, "?it/s");
    else if (1.0 / rate > 1.0)
        snprintf(buf, size, "%5.2fs/it", 1.0 / rate);
    else
        snprintf(buf, size, "%5.2fit/s", rate);
}

/* The bar's cells: full blocks, one partial eighth, blanks. Like tqdm, the
 * number of eighths is truncated, so 100% is reached only at n == total. */
static size_t format_bar(char *buf, size_t size, double frac)
{
    const int nsyms = 8;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int eighths_total = (int)(frac * PROGRESS_BAR_CELLS * nsyms);
    int full = eighths_total / nsyms, part = eighths_total % nsyms;
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < PROGRESS_BAR_CELLS; i++) {
        const char *sym = i < full ? eighths[8] : i == full ? eighths[part] : eighths[0];
        size_t l = strlen(sym);
        if (len + l + 1 > size)
            break;
        memcpy(buf + len, sym, l + 1);
        len += l;
    }
    return len;
}

int progress_format(char *buf, size_t size, uint64_t n, uint64_t total,
                    double elapsed_s, double rate, const char *postfix)
{
    char el[32], rem[32], rt[32];
    const char *sep = postfix && *postfix ? ", " : "";

    if (!postfix)
        postfix = "";
    if (rate < 0)
        rate = elapsed_s > 0 ? (double)n / elapsed_s : 0;
    format_interval(el, sizeof el, elapsed_s);
    format_rate(rt, sizeof rt, rate);
    if (total == 0)
        return snprintf(buf, size, "%lluit [%s, %s%s%s]", (unsigned long long)n, el, rt, sep,
                        postfix);

    if (rate > 0)
        format_interval(rem, sizeof rem, n < total ? (double)(total - n) / rate : 0);
    else
        snprintf(rem, sizeof rem, "?");
    double frac = (double)n / (double)total;
    char bar[PROGRESS_BAR_CELLS * 4 + 1];
    format_bar(bar, sizeof bar, frac);
    return snprintf(buf, size, "%3.0f%%|%s| %llu/%llu [%s<%s, %s%s%s]", frac * 100.0, bar,
                    (unsigned long long)n, (unsigned long long)total, el, rem, rt, sep, postfix);
}

int progress_postfix(char *buf, size_t size, uint64_t bytes, double byte_rate,
                     uint64_t errors, uint64_t retrying)
{
    char sz[32], rt[32], retry[40] = "";
    report_size(sz, sizeof sz, (double)bytes);
    if (byte_rate < 0)
        snprintf(rt, sizeof rt, "? B");
    else
        report_size(rt, sizeof rt, byte_rate);
    if (retrying)
        snprintf(retry, sizeof retry, ", %llu retrying", (unsigned long long)retrying);
    return snprintf(buf, size, "%s, %s/s, %llu error%s%s", sz, rt, (unsigned long long)errors,
                    errors == 1 ? "" : "s", retry);
}

/* Columns on screen: every UTF-8 sequence we emit is one column wide. */
static size_t columns(const char *s)
{
    size_t c = 0;
    for (; *s; s++)
        c += ((unsigned char)*s & 0xC0) != 0x80;
    return c;
}

size_t progress_fit(char *line, size_t max_columns)
{
    size_t c = 0;
    for (char *s = line; *s; s++) {
        if (((unsigned char)*s & 0xC0) == 0x80)
            continue;   /* the rest of a character already counted */
        if (c == max_columns) {
            *s = '\0';
            return c;
        }
        c++;
    }
    return c;
}

/* The terminal's width, or 0 when out is not one (or does not say). */
static size_t terminal_columns(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) < 0)
        return 0;
    return ws.ws_col;
}

static void draw(struct progress *p, const struct progress_counts *c, double now_s, double rate)
{
    char line[PROGRESS_LINE_MAX], postfix[PROGRESS_POSTFIX_MAX] = "";
    double elapsed = now_s - p->start_s;

    if (p->with_bytes) {
        double byte_rate = p->have_byte_ema && p->ema_dbt > 0 ? p->ema_db / p->ema_dbt
                           : elapsed > 0 ? (double)c->bytes / elapsed : -1;
        progress_postfix(postfix, sizeof postfix, c->bytes, byte_rate, c->errors, c->retrying);
    }
    progress_format(line, sizeof line, c->done, p->total, elapsed, rate, postfix);
    /* A line as wide as the terminal wraps, and '\r' then returns to the
     * wrong row: keep it one column short. */
    size_t cols = terminal_columns(p->out);
    size_t w = cols > 1 ? progress_fit(line, cols - 1) : columns(line);
    /* Like tqdm: overwrite in place, padding with blanks when the new line
     * is shorter than the one it replaces. */
    fprintf(p->out, "\r%s%*s", line, p->last_width > w ? (int)(p->last_width - w) : 0, "");
    fflush(p->out);
    p->last_width = w;
}

static double shown_rate(const struct progress *p)
{
    return p->have_ema && p->ema_dt > 0 ? p->ema_dn / p->ema_dt : -1;
}

void progress_start(struct progress *p, FILE *out, bool enabled, bool with_bytes,
                    uint64_t total, double now_s)
{
    static const struct progress_counts none = {0, 0, 0, 0};
    memset(p, 0, sizeof *p);
    p->out = out;
    p->enabled = enabled;
    p->with_bytes = with_bytes;
    p->total = total;
    p->start_s = p->last_s = p->last_bytes_s = now_s;
    if (enabled)
        draw(p, &none, now_s, 0);
}

void progress_set_total(struct progress *p, uint64_t total)
{
    p->total = total;
}

void progress_update(struct progress *p, const struct progress_counts *c, double now_s)
{
    if (!p->enabled)
        return;
    double dt = now_s - p->last_s;
    if (c->done > p->last_n && dt > 0) {
        double dn = (double)(c->done - p->last_n);
        /* tqdm's EMA starts from 0; its bias correction divides both
         * averages by the same factor, so the ratio needs none. */
        p->ema_dn = EMA_WEIGHT * dn + (1 - EMA_WEIGHT) * p->ema_dn;
        p->ema_dt = EMA_WEIGHT * dt + (1 - EMA_WEIGHT) * p->ema_dt;
        p->have_ema = true;
        p->last_n = c->done;
        p->last_s = now_s;
    }
    double dbt = now_s - p->last_bytes_s;
    if (dbt > 0 && c->bytes >= p->last_bytes) {
        p->ema_db = EMA_WEIGHT * (double)(c->bytes - p->last_bytes) + (1 - EMA_WEIGHT) * p->ema_db;
        p->ema_dbt = EMA_WEIGHT * dbt + (1 - EMA_WEIGHT) * p->ema_dbt;
        p->have_byte_ema = true;
        p->last_bytes = c->bytes;
        p->last_bytes_s = now_s;
    }
    draw(p, c, now_s, shown_rate(p));
}

void progress_clear(struct progress *p)
{
    if (!p->enabled || p->last_width == 0)
        return;
    fprintf(p->out, "\r%*s\r", (int)p->last_width, "");
    fflush(p->out);
    p->last_width = 0;
}

void progress_finish(struct progress *p, const struct progress_counts *c, double now_s)
{
    if (!p->enabled)
        return;
    /* tqdm's close() shows the smoothed rate of the last redraws, or the
     * average when the run was too short for any. */
    draw(p, c, now_s, shown_rate(p));
    fputc('\n', p->out);
    fflush(p->out);
    p->last_width = 0;
}

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool progress_is_terminal(FILE *f)
{
    return isatty(fileno(f)) == 1;
}
