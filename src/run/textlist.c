#include "run/textlist.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void pv_textlist_take(pv_textlist *list, char *s)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? 2 * list->cap : 8;
        list->items = pv_xrealloc(list->items, list->cap * sizeof(*list->items));
    }
    list->items[list->n++] = s;
}

bool pv_textlist_contains(const pv_textlist *list, const char *s)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i], s) == 0)
            return true;
    return false;
}

void pv_textlist_add_unique(pv_textlist *list, const char *s)
{
    if (!pv_textlist_contains(list, s))
        pv_textlist_take(list, pv_xstrdup(s));
}

static int compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pv_textlist_sort(pv_textlist *list)
{
    if (list->n > 1)
        qsort(list->items, list->n, sizeof(*list->items), compare);
}

char *pv_textlist_join(const pv_textlist *list, const char *sep)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            pv_strbuf_append(&sb, sep);
        pv_strbuf_append(&sb, list->items[i]);
    }
    return pv_strbuf_take(&sb);
}

void pv_textlist_free(pv_textlist *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = list->cap = 0;
}
