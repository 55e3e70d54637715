/*
 * text.h — the per-thread scratch space of the masking core and the text
 * helpers every action needs: NFC normalisation (masking.md §6), Python's
 * str.strip() and Unicode decimal digits (§8.1 `phone`, `dob`).
 *
 * A pv_mask_scratch belongs to one thread (one masker) and is reused for
 * every cell of every column that thread masks, so after warm-up no cell
 * allocates.
 */
#ifndef PRIVACI_MASK_TEXT_H
#define PRIVACI_MASK_TEXT_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pv_mask_scratch {
    int32_t *cps; /* NFC working space: code points, then the re-encoded UTF-8 */
    size_t cps_cap;
    pv_buf base; /* a provider's output before uniqueness processing */
} pv_mask_scratch;

void pv_mask_scratch_init(pv_mask_scratch *s);
void pv_mask_scratch_free(pv_mask_scratch *s);

/*
 * nfc(v): points *out at the NFC form of v — v itself when v is ASCII or
 * only holds code points below U+0300 (NFC is then the identity and nothing
 * is copied), else bytes inside the
 * scratch, valid until its next use. Returns false when v is not valid
 * UTF-8.
 */
bool pv_nfc(pv_mask_scratch *s, const uint8_t *v, size_t len, const uint8_t **out, size_t *out_len);

/* True when every byte is < 0x80. */
bool pv_is_ascii(const uint8_t *v, size_t len);

/*
 * Python's str.strip(): the span of v without leading and trailing
 * whitespace (general category Zs, or bidi class WS, B or S). v is valid
 * UTF-8.
 */
void pv_text_strip(const uint8_t *v, size_t len, size_t *start, size_t *end);

/*
 * If a Unicode decimal digit (category Nd, as Python's `\d`) starts at
 * v[i], returns its byte length, else 0.
 */
size_t pv_text_digit_at(const uint8_t *v, size_t len, size_t i);

#endif
