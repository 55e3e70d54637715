#include "util/strlist.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void pv_strlist_push(pv_strlist *list, const char *s)
{
    list->items = pv_xrealloc(list->items, (list->n + 1) * sizeof(*list->items));
    list->items[list->n++] = pv_xstrdup(s);
}

void pv_strlist_free(pv_strlist *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

bool pv_strlist_contains(const pv_strlist *list, const char *s)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i], s) == 0)
            return true;
    return false;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pv_strlist_sort(pv_strlist *list)
{
    if (list->n > 1)
        qsort(list->items, list->n, sizeof(*list->items), cmp_str_ptr);
}
