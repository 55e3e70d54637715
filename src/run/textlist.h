/*
 * textlist.h — private to src/run: a growable list of owned strings, for
 * the sorted, ", "-joined lists error texts are made of.
 */
#ifndef PRIVACI_RUN_TEXTLIST_H
#define PRIVACI_RUN_TEXTLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pv_textlist {
    char **items;
    size_t n;
    size_t cap;
} pv_textlist;

#define PV_TEXTLIST_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Takes ownership of `s`. */
void pv_textlist_take(pv_textlist *list, char *s);
/* Adds a copy of `s` unless it is already there. */
void pv_textlist_add_unique(pv_textlist *list, const char *s);
bool pv_textlist_contains(const pv_textlist *list, const char *s);
/* Byte order (strcmp). */
void pv_textlist_sort(pv_textlist *list);
/* The items joined by `sep` ("" when empty). Caller frees. */
char *pv_textlist_join(const pv_textlist *list, const char *sep);
void pv_textlist_free(pv_textlist *list);

#endif
