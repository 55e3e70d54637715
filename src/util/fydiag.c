#include "util/fydiag.h"

#include <stddef.h>

static void discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

struct fy_diag *pv_fy_silent_diag(bool collect)
{
    struct fy_diag_cfg cfg;
    fy_diag_cfg_default(&cfg);
    cfg.fp = NULL;
    cfg.output_fn = discard;
    struct fy_diag *diag = fy_diag_create(&cfg);
    if (diag && collect)
        fy_diag_set_collect_errors(diag, true);
    return diag;
}
