#include "util/buf.h"

#include "util/xalloc.h"

#include <stdlib.h>

void pv_buf_grow(pv_buf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need < b->len)
        need = SIZE_MAX; /* overflow: pv_xrealloc aborts below */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need && cap < SIZE_MAX / 2)
        cap *= 2;
    if (cap < need)
        cap = need;
    b->data = pv_xrealloc(b->data, cap);
    b->cap = cap;
}

void pv_buf_free(pv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
