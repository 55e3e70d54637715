/*
 * uuid7.h — UUIDv7 ids for _privaci rows (state.md §4, RFC 9562).
 *
 * Layout: 48-bit Unix time in milliseconds ‖ version 0111 ‖ 12-bit counter
 * ‖ variant 10 ‖ 62 random bits. When the millisecond repeats (or the clock
 * steps back) the 12-bit field counts up, so ids are strictly increasing
 * within one process and rows sort by creation time.
 */
#ifndef PRIVACI_STATE_UUID7_H
#define PRIVACI_STATE_UUID7_H

#include <stdint.h>

#define PV_UUID_LEN      16
#define PV_UUID_TEXT_LEN 37 /* 36 characters and the NUL */

/* The generator's memory: the last timestamp and counter it handed out. */
typedef struct pv_uuid7_state {
    uint64_t last_ms;
    uint16_t last_counter;
    int started;
} pv_uuid7_state;

/*
 * The pure step (exposed for tests): the next id after `st` at time `now_ms`,
 * with `random` (10 CSPRNG bytes) filling the counter seed and the 62
 * random bits. Updates `st`.
 */
void pv_uuid7_next(pv_uuid7_state *st, uint64_t now_ms, const uint8_t random[10],
                   uint8_t out[PV_UUID_LEN]);

/* Lowercase 8-4-4-4-12 text. */
void pv_uuid_format(const uint8_t uuid[PV_UUID_LEN], char out[PV_UUID_TEXT_LEN]);

/*
 * A fresh id from the wall clock and the OS CSPRNG, as text. Thread-safe.
 * Returns 0, or -1 when the CSPRNG failed (out is then "").
 */
int pv_uuid7_generate(char out[PV_UUID_TEXT_LEN]);

#endif
