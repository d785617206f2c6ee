/* The front end's inputs (rf_options.inputs): read through the backend
 * like every other read, so a list on a slow pipe or a terminal never
 * holds up a transfer. One read in flight per input at most; a chunk goes
 * to the front end's on_data, which says whether to read on at once or to
 * wait until it runs dry (next_job answering RF_JOB_LATER). */
#include <errno.h>
#include <stdlib.h>

#include "engine/job.h"
#include "engine/opkind.h"
#include "engine/tunables.h"
#include "io/ud.h"

int engine_inputs_init(struct engine *e)
{
    e->ninputs = e->opt->inputs ? e->opt->ninputs : 0;
    if (e->ninputs == 0)
        return 0;
    e->inputs = calloc(e->ninputs, sizeof *e->inputs);
    if (!e->inputs)
        return -ENOMEM;
    for (unsigned i = 0; i < e->ninputs; i++) {
        e->inputs[i].in = &e->opt->inputs[i];
        e->inputs[i].buf = malloc(RF_INPUT_BUF_BYTES);
        if (!e->inputs[i].buf)
            return -ENOMEM;
    }
    return 0;
}

void engine_inputs_free(struct engine *e)
{
    for (unsigned i = 0; i < e->ninputs && e->inputs; i++)
        free(e->inputs[i].buf);
    free(e->inputs);
    e->inputs = NULL;
    e->ninputs = 0;
}

static void engine_input_deliver(struct engine *e, struct engine_input *in, long len)
{
    int answer = in->in->on_data(e->ctx, in->buf, len);
    if (len < 0 || (len == 0 && answer == RF_INPUT_MORE))
        in->over = true;
    in->paused = answer == RF_INPUT_PAUSE;
}

void engine_inputs_arm(struct engine *e, bool resume)
{
    for (unsigned i = 0; i < e->ninputs; i++) {
        struct engine_input *in = &e->inputs[i];
        if (in->over || in->busy || (in->paused && !resume))
            continue;
        in->paused = false;
        in->gen = ud_gen_next(in->gen);
        if (be_read(e->be, in->in->fd, in->buf, RF_INPUT_BUF_BYTES, -1, ud_pack(OP_IN_READ, in->gen, i)) < 0) {
            engine_input_deliver(e, in, -EBUSY);
            continue;
        }
        in->busy = true;
        e->inputs_busy++;
    }
}

void engine_input_complete(struct engine *e, const struct be_cqe *cqe)
{
    uint32_t i = ud_idx(cqe->ud);
    if (i >= e->ninputs)
        return;
    struct engine_input *in = &e->inputs[i];
    if (ud_kind(cqe->ud) == OP_IN_CANCEL)
        return;
    if (!in->busy || ud_gen(cqe->ud) != in->gen)
        return;
    in->busy = false;
    e->inputs_busy--;
    if (e->stopping) {
        in->over = true;
        return;
    }
    /* EAGAIN/EINTR from a terminal are not the end of the list. */
    if (cqe->res == -EINTR || cqe->res == -EAGAIN) {
        engine_inputs_arm(e, false);
        return;
    }
    engine_input_deliver(e, in, cqe->res);
    if (!in->over && !in->paused)
        engine_inputs_arm(e, false);
}

void engine_inputs_stop(struct engine *e)
{
    for (unsigned i = 0; i < e->ninputs; i++) {
        struct engine_input *in = &e->inputs[i];
        in->over = true;
        if (in->busy)
            be_cancel_fd(e->be, in->in->fd, ud_pack(OP_IN_CANCEL, in->gen, i));
    }
}

bool engine_inputs_open(const struct engine *e)
{
    for (unsigned i = 0; i < e->ninputs; i++)
        if (!e->inputs[i].over)
            return true;
    return false;
}
