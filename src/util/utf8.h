/*
 * utf8.h — counting UTF-8 code points, the one helper every length rule
 * uses (varchar(n) limits, regex_mask's 65,536-character cap, value hints).
 */
#ifndef PRIVACI_UTIL_UTF8_H
#define PRIVACI_UTIL_UTF8_H

#include <stddef.h>

/* Number of UTF-8 code points in `len` bytes (invalid bytes count as one). */
size_t pv_utf8_codepoints(const void *s, size_t len);

#endif
