/*
 * xalloc.h — allocation that cannot fail. A batch engine that runs out of
 * memory has no useful way to continue, so these abort with a message
 * instead of pushing NULL checks into every caller.
 */
#ifndef PRIVACI_UTIL_XALLOC_H
#define PRIVACI_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *pv_xmalloc(size_t n);
void *pv_xcalloc(size_t count, size_t n);
void *pv_xrealloc(void *p, size_t n);
char *pv_xstrdup(const char *s);
char *pv_xstrndup(const char *s, size_t n);
char *pv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *pv_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Overwrites then frees a buffer that held a secret. NULL is fine. */
void pv_free_secret(char *s);

#endif
