#include "capture.h"

#include <stdlib.h>

int capture_open(struct capture *c)
{
    c->out_text = c->err_text = NULL;
    c->out = open_memstream(&c->out_text, &c->out_len);
    c->err = open_memstream(&c->err_text, &c->err_len);
    return c->out && c->err ? 0 : -1;
}

void capture_close(struct capture *c)
{
    if (c->out)
        fclose(c->out);
    if (c->err)
        fclose(c->err);
    free(c->out_text);
    free(c->err_text);
    c->out = c->err = NULL;
    c->out_text = c->err_text = NULL;
}

const char *capture_out(struct capture *c)
{
    fflush(c->out);
    return c->out_text ? c->out_text : "";
}

const char *capture_err(struct capture *c)
{
    fflush(c->err);
    return c->err_text ? c->err_text : "";
}

int capture_argv(char **argv, size_t max, const char *prog, const char *first, va_list ap)
{
    size_t argc = 0;
    argv[argc++] = (char *)prog;
    for (const char *a = first; a && argc + 1 < max; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    argv[argc] = NULL;
    return (int)argc;
}
