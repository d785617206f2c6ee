/* After an exchange: deliver or resend (see policy.h). */
#include "engine/policy.h"

#include <errno.h>

bool policy_status_is_success(int status)
{
    return status >= 200 && status <= 299 && status != 206;
}

void policy_decide(const struct policy_facts *f, struct policy_verdict *v)
{
    v->action = POLICY_DELIVER;
    v->err = 0;
    if (f->resend_ok && f->sends == 1 && !f->kept && !f->stopping && !f->no_resend) {
        v->action = POLICY_RESEND;
        v->outcome = RF_ERROR;
        v->err = f->err;
        return;
    }
    if (f->stopping && f->err == -ECANCELED) {
        v->outcome = RF_CANCELLED;
        v->err = f->err;
        return;
    }
    /* A final status decides the class, whatever happened to the body after it. */
    if (f->status == 404) {
        v->outcome = RF_NOT_FOUND;
        v->err = f->err ? f->err : RF_E_HTTP_STATUS;
    } else if (f->status && !policy_status_is_success(f->status)) {
        v->outcome = RF_ERROR;
        v->err = RF_E_HTTP_STATUS;
    } else if (f->err) {
        v->outcome = RF_ERROR;
        v->err = f->err;
    } else {
        v->outcome = RF_OK;
    }
}
