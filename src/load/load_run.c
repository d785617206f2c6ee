/* The load threads (see load_run.h). */
#include "load/load_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load/load_tunables.h"

const char *const load_err_names[LE_COUNT] = {
    "connect", "read", "write", "timeout", "protocol", "other",
};

enum load_err load_err_kind(int err)
{
    switch (err) {
    case -ECONNREFUSED: case -ENETUNREACH: case -EHOSTUNREACH: case -EADDRNOTAVAIL:
    case -EAFNOSUPPORT: case -ETIMEDOUT: case -EMFILE: case -ENFILE:
    case RF_E_CONNECT_TIMEOUT: case RF_E_RESOLVE:
        return LE_CONNECT;
    case -ECONNRESET: case RF_E_TRUNCATED: case RF_E_EMPTY_REPLY: case -EIO:
        return LE_READ;
    case -EPIPE:
        return LE_WRITE;
    case RF_E_TIMEOUT:
        return LE_TIMEOUT;
    case RF_E_PROTOCOL: case RF_E_TOO_LARGE: case RF_E_CODING: case RF_E_BAD_URL:
        return LE_PROTOCOL;
    default:
        return LE_OTHER;
    }
}

/* A job in the engine: when it was due and when it really went. */
struct load_slot {
    uint64_t due, sent;
    bool counted;
    struct load_slot *next_free;
};

static struct load_slot *slot_take(struct load_thread *t)
{
    struct load_slot *s = t->free_slots;
    if (s)
        t->free_slots = s->next_free;
    return s;
}

static void slot_put(struct load_thread *t, struct load_slot *s)
{
    s->next_free = t->free_slots;
    t->free_slots = s;
}

static int next_job(void *ctx, struct rf_job *job)
{
    struct load_thread *t = ctx;
    const struct load_plan *p = t->plan;
    uint64_t now = rf_now_ns();
    if (now >= p->deadline && !t->stop) {
        /* Time is up: what is in flight is cancelled, as wrk drops it. */
        t->stop = 1;
        t->t_done = p->deadline;
    }
    if (t->stop || (t->limited && t->counted_out >= t->quota))
        return RF_JOB_NONE;
    uint64_t due = now;
    if (p->interval_ns > 0) {
        /* Thread i's k-th request is the (i + k * threads)-th of the whole run. */
        due = p->t0 + (uint64_t)(((double)t->id + (double)t->k * p->threads) * p->interval_ns);
        if (due > now) {
            job->wake_ns = due;
            return RF_JOB_LATER;
        }
    }
    struct load_slot *s = slot_take(t);
    if (!s) {
        /* Cannot happen: the engine holds at most RF_JOBS_PER_WINDOW jobs
         * per unit of window, and there are that many slots and one more. */
        job->wake_ns = now + 1000000;
        return RF_JOB_LATER;
    }
    s->due = due;
    s->sent = now;
    s->counted = due >= p->warm_end;
    if (s->counted)
        t->counted_out++;
    t->k++;
    job->url = p->urls[t->url_next];
    if (++t->url_next == p->nurls)
        t->url_next = 0;
    job->path = NULL;
    job->body_max = 0;
    job->user = s;
    return RF_JOB_READY;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct load_thread *t = ctx;
    struct load_slot *s = res->user;
    bool counted = s->counted && res->outcome != RF_CANCELLED;
    uint64_t due = s->due, sent = s->sent;
    slot_put(t, s);
    if (!counted)
        return;
    uint64_t now = rf_now_ns();
    if (now > t->plan->deadline)
        return; /* after the time: the figures cover [warm-up end, deadline] */
    t->results++;
    t->t_done = now;
    if (res->http_status && (res->err == 0 || res->err == RF_E_HTTP_STATUS)) {
        int cls = res->http_status / 100;
        t->c.status[cls >= 1 && cls <= 5 ? cls : 0]++;
        t->c.responses++;
        t->c.body_bytes += res->bytes;
        hist_record(&t->lat, now - due);
        if (t->plan->interval_ns > 0)
            hist_record(&t->lat_u, now - sent);
        return;
    }
    t->c.errors[load_err_kind(res->err)]++;
}

static void sample_push(struct load_thread *t, double v)
{
    if (t->nsamples == t->samples_cap) {
        size_t cap = t->samples_cap ? 2 * t->samples_cap : 256;
        double *n = realloc(t->samples, cap * sizeof *n);
        if (!n)
            return; /* the Req/Sec row loses a sample; nothing else does */
        t->samples = n;
        t->samples_cap = cap;
    }
    t->samples[t->nsamples++] = v;
}

/* Every LOAD_TICK_MS: stop when the time is up or Ctrl-C came; sample the rate. */
static void on_tick(void *ctx, const struct rf_stats *st)
{
    struct load_thread *t = ctx;
    const struct load_plan *p = t->plan;
    uint64_t now = rf_now_ns();
    if (!t->stop && (now >= p->deadline || atomic_load_explicit(p->stop_all, memory_order_relaxed))) {
        t->stop = 1;
        if (now >= p->deadline)
            t->t_done = p->deadline;
        else
            t->t_done = now;
    }
    if (now < p->warm_end)
        return;
    if (!t->rx_base_set) {
        t->rx_base = st->net_rx_bytes;
        t->rx_base_set = true;
        t->next_sample = now + (uint64_t)LOAD_SAMPLE_MS * 1000000u;
        t->sample_base = t->c.responses;
        return;
    }
    if (now >= t->next_sample) {
        double secs = (double)(now - t->next_sample + (uint64_t)LOAD_SAMPLE_MS * 1000000u) / 1e9;
        sample_push(t, (double)(t->c.responses - t->sample_base) / secs);
        t->sample_base = t->c.responses;
        t->next_sample = now + (uint64_t)LOAD_SAMPLE_MS * 1000000u;
    }
}

static void *load_thread_main(void *arg)
{
    struct load_thread *t = arg;
    const struct load_plan *p = t->plan;
    const struct load_args *a = p->a;
    struct rf_options *o = &t->opt;

    rf_options_default(o);
    unsigned depth = a->pipeline > 1 ? a->pipeline : 1;
    unsigned long long window = (unsigned long long)t->conns * depth;
    o->window = window > RF_MAX_WINDOW ? RF_MAX_WINDOW : (unsigned)window;
    o->window_fitted = true;
    o->recv_buffers = LOAD_RECV_BUFFERS;
    o->max_per_host = t->conns;
    o->pipeline = depth > 1 ? depth : 0;
    o->no_resend = true;
    o->stop = &t->stop;
    o->tick = on_tick;
    o->tick_ms = LOAD_TICK_MS;
    o->backend = a->backend;
    o->batch_wait_us = a->batch_wait_us;
    o->trace_fd = p->trace_fd;
    o->trace_lane = t->id;
    o->headers = a->header_lines;
    o->nheaders = a->nheaders;
    o->user_agent = "ringload/" RF_VERSION;
    double ms = a->timeout_s * 1000.0;
    o->request_timeout_ms = ms < 1 ? 1 : ms > 4e9 ? 4000000000u : (unsigned)ms;
    if (o->connect_timeout_ms > o->request_timeout_ms)
        o->connect_timeout_ms = o->request_timeout_ms;
    if (o->idle_timeout_ms > o->request_timeout_ms)
        o->idle_timeout_ms = o->request_timeout_ms;

    size_t nslots = (size_t)RF_JOBS_PER_WINDOW * o->window + 1;
    t->slots = calloc(nslots, sizeof *t->slots);
    if (!t->slots) {
        t->rc = -ENOMEM;
        return NULL;
    }
    for (size_t i = nslots; i-- > 0;)
        slot_put(t, &t->slots[i]);
    hist_init(&t->lat);
    hist_init(&t->lat_u);
    if (p->warm_end <= p->t0) {
        /* No warm-up: everything read counts, and sampling starts now. */
        t->rx_base_set = true;
        t->rx_base = 0;
        t->next_sample = p->t0 + (uint64_t)LOAD_SAMPLE_MS * 1000000u;
    }
    t->rc = rf_engine_run(o, next_job, on_result, t, &t->stats);
    if (t->t_done == 0)
        t->t_done = rf_now_ns();
    /* The bytes of the last tick interval: what the run read, less the warm-up's. */
    t->c.rx_bytes = t->stats.net_rx_bytes - (t->rx_base_set ? t->rx_base : t->stats.net_rx_bytes);
    free(t->slots);
    t->slots = t->free_slots = NULL;
    return NULL;
}

int load_run(const struct load_plan *plan, struct load_thread *th)
{
    const struct load_args *a = plan->a;
    unsigned started = 0;
    int ret = 0;
    for (unsigned i = 0; i < plan->threads; i++) {
        struct load_thread *t = &th[i];
        t->id = i;
        t->plan = plan;
        t->conns = a->conns / plan->threads + (i < a->conns % plan->threads ? 1 : 0);
        t->limited = a->requests > 0;
        if (a->requests)
            t->quota = a->requests / plan->threads + (i < a->requests % plan->threads ? 1 : 0);
        int e = pthread_create(&t->th, NULL, load_thread_main, t);
        if (e != 0) {
            ret = -e;
            atomic_store(plan->stop_all, 1);
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i].th, NULL);
    return ret;
}
