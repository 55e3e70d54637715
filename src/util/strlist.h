/*
 * strlist.h — a list of owned strings, shared by the config and catalog
 * models (a table's key columns, regex flags, the implied-FK ignore list).
 */
#ifndef PRIVACI_UTIL_STRLIST_H
#define PRIVACI_UTIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pv_strlist {
    char **items;
    /* `n` and `count` name the same length: the catalog and config code
     * grew apart before the type was shared. */
    union {
        size_t n;
        size_t count;
    };
} pv_strlist;

void pv_strlist_push(pv_strlist *list, const char *s);
/* Frees every string and the array; the list is empty afterwards. */
void pv_strlist_free(pv_strlist *list);
bool pv_strlist_contains(const pv_strlist *list, const char *s);
/* Sorts by byte order (= code point order for UTF-8). */
void pv_strlist_sort(pv_strlist *list);

#endif
