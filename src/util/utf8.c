#include "util/utf8.h"

#include <stdint.h>

size_t pv_utf8_codepoints(const void *s, size_t len)
{
    const uint8_t *p = s;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += (p[i] & 0xC0) != 0x80;
    return n;
}
