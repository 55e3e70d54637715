#include "state/uuid7.h"

#include "util/hash.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define COUNTER_MAX 0x0fffu
/*
 * A new millisecond seeds the counter with 11 random bits (top bit clear),
 * leaving at least 2048 increments before it would have to borrow from the
 * timestamp (RFC 9562 §6.2, method 1).
 */
#define COUNTER_SEED_MASK 0x07ffu

static pthread_mutex_t generator_lock = PTHREAD_MUTEX_INITIALIZER;
static pv_uuid7_state generator;

void pv_uuid7_next(pv_uuid7_state *st, uint64_t now_ms, const uint8_t random[10],
                   uint8_t out[PV_UUID_LEN])
{
    uint64_t ms;
    uint16_t counter;
    if (!st->started || now_ms > st->last_ms) {
        ms = now_ms;
        counter = (uint16_t)(((random[0] << 8) | random[1]) & COUNTER_SEED_MASK);
    } else if (st->last_counter < COUNTER_MAX) {
        /* Same millisecond, or the clock stepped back: stay on the last one. */
        ms = st->last_ms;
        counter = (uint16_t)(st->last_counter + 1);
    } else {
        /* Counter exhausted: borrow the next millisecond. */
        ms = st->last_ms + 1;
        counter = 0;
    }
    st->started = 1;
    st->last_ms = ms;
    st->last_counter = counter;

    ms &= 0xffffffffffffull; /* 48 bits */
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)(ms >> (8 * (5 - i)));
    out[6] = (uint8_t)(0x70 | ((counter >> 8) & 0x0f));
    out[7] = (uint8_t)(counter & 0xff);
    memcpy(out + 8, random + 2, 8);
    out[8] = (uint8_t)(0x80 | (out[8] & 0x3f));
}

void pv_uuid_format(const uint8_t uuid[PV_UUID_LEN], char out[PV_UUID_TEXT_LEN])
{
    char hex[2 * PV_UUID_LEN + 1];
    pv_hex_encode(uuid, PV_UUID_LEN, hex);
    snprintf(out, PV_UUID_TEXT_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
}

static uint64_t wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int pv_uuid7_generate(char out[PV_UUID_TEXT_LEN])
{
    uint8_t random[10], uuid[PV_UUID_LEN];
    out[0] = '\0';
    if (pv_random_bytes(random, sizeof(random)) != 0)
        return -1;
    pthread_mutex_lock(&generator_lock);
    pv_uuid7_next(&generator, wall_clock_ms(), random, uuid);
    pthread_mutex_unlock(&generator_lock);
    pv_uuid_format(uuid, out);
    return 0;
}
