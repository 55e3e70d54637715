/*
 * memo.c — see memo.h.
 *
 * Two-way set-associative: set = hash(input) mod 256, each set holding two
 * entries and the inputs' 64-bit hashes (compared first, so a miss rarely
 * touches the bytes); a put replaces the way not used last. Entries are
 * never wrong, only evicted: the mapping they cache cannot change during a
 * column's life.
 *
 * pv_memo32: one uint64 per slot, slot = key & 0xFFFF:
 *   bit 48 used | bits 32–47 key >> 16 | bits 0–31 value.
 */
#include "mask/memo.h"

#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* Adaptive switch-off: judge every WINDOW lookups; below 1/16 hits, sleep. */
#define WINDOW        4096
#define MIN_HIT_SHIFT 4
#define SLEEP_LOOKUPS 65536

typedef struct memo_entry {
    uint8_t key_len; /* 0 = empty (the empty string is never memoised) */
    uint8_t val_len;
    uint8_t key[PV_MEMO_KEY_MAX];
    uint8_t val[PV_MEMO_VAL_MAX];
} memo_entry;

#define MEMO_SETS (PV_MEMO_SLOTS / 2)

struct pv_memo {
    uint64_t tags[MEMO_SETS][2]; /* the input's hash | 1 (0: empty way) */
    uint8_t victim[MEMO_SETS];   /* the way a put replaces: the one not used last */
    memo_entry entries[MEMO_SETS][2];
    uint32_t window_lookups;
    uint32_t window_hits;
    uint32_t sleep_left; /* > 0: switched off for this many more lookups */
    uint64_t lookups;
    uint64_t hits;
};

pv_memo *pv_memo_new(void)
{
    return pv_xcalloc(1, sizeof(pv_memo));
}

/* Inputs are source values: do not leave them in freed memory. */
static void free_cleansed(void *p, size_t size)
{
    if (!p)
        return;
    OPENSSL_cleanse(p, size);
    free(p);
}

void pv_memo_free(pv_memo *memo)
{
    free_cleansed(memo, sizeof(*memo));
}

/* A fast 64-bit mix (not cryptographic: a bad distribution only costs hits). */
static uint64_t memo_hash(const uint8_t *p, size_t len)
{
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h = len * k;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    for (size_t j = 0; i + j < len; j++)
        tail |= (uint64_t)p[i + j] << (8 * j);
    h = (h ^ tail) * k;
    h ^= h >> 32;
    return h;
}

/* True while the memo is switched off; counts the lookup either way. */
static bool asleep(pv_memo *memo)
{
    memo->lookups++;
    if (memo->sleep_left) {
        memo->sleep_left--;
        return true;
    }
    return false;
}

static void judge_window(pv_memo *memo, bool hit)
{
    memo->window_lookups++;
    memo->window_hits += hit;
    if (memo->window_lookups < WINDOW)
        return;
    if (memo->window_hits < (WINDOW >> MIN_HIT_SHIFT))
        memo->sleep_left = SLEEP_LOOKUPS;
    memo->window_lookups = 0;
    memo->window_hits = 0;
}

bool pv_memo_get(pv_memo *memo, const uint8_t *in, size_t len, pv_buf *out)
{
    if (!memo || len == 0 || len > PV_MEMO_KEY_MAX || asleep(memo))
        return false;
    uint64_t h = memo_hash(in, len);
    size_t set = h & (MEMO_SETS - 1);
    const memo_entry *e = NULL;
    for (int w = 0; w < 2; w++) {
        const memo_entry *cand = &memo->entries[set][w];
        if (memo->tags[set][w] == (h | 1) && cand->key_len == len &&
            memcmp(cand->key, in, len) == 0) {
            e = cand;
            memo->victim[set] = (uint8_t)(1 - w);
            break;
        }
    }
    judge_window(memo, e != NULL);
    if (!e)
        return false;
    memo->hits++;
    /* A fixed-size copy (a few vector moves) and a shorter length beat a copy of val_len bytes. */
    pv_buf_reserve(out, PV_MEMO_VAL_MAX);
    memcpy(out->data + out->len, e->val, PV_MEMO_VAL_MAX);
    out->len += e->val_len;
    return true;
}

void pv_memo_put(pv_memo *memo, const uint8_t *in, size_t len, const uint8_t *out, size_t out_len)
{
    if (!memo || len == 0 || len > PV_MEMO_KEY_MAX || out_len > PV_MEMO_VAL_MAX || memo->sleep_left)
        return;
    uint64_t h = memo_hash(in, len);
    size_t set = h & (MEMO_SETS - 1);
    int w = memo->victim[set];
    memo_entry *e = &memo->entries[set][w];
    memo->tags[set][w] = h | 1;
    memo->victim[set] = (uint8_t)(1 - w);
    e->key_len = (uint8_t)len;
    e->val_len = (uint8_t)out_len;
    memcpy(e->key, in, len);
    if (out_len)
        memcpy(e->val, out, out_len);
}

void pv_memo_stats(const pv_memo *memo, uint64_t *lookups, uint64_t *hits)
{
    *lookups = memo ? memo->lookups : 0;
    *hits = memo ? memo->hits : 0;
}

/* ------------------------------------------------------------ pv_memo32 */

#define MEMO32_SLOTS (1u << 16)
#define MEMO32_USED  (1ULL << 48)

struct pv_memo32 {
    uint64_t slots[MEMO32_SLOTS];
    uint64_t lookups;
    uint64_t hits;
};

pv_memo32 *pv_memo32_new(void)
{
    return pv_xcalloc(1, sizeof(pv_memo32));
}

void pv_memo32_free(pv_memo32 *memo)
{
    free_cleansed(memo, sizeof(*memo));
}

static uint64_t memo32_tag(uint32_t key)
{
    return MEMO32_USED | (uint64_t)(key >> 16) << 32;
}

bool pv_memo32_get(pv_memo32 *memo, uint32_t key, uint32_t *val)
{
    if (!memo)
        return false;
    memo->lookups++;
    uint64_t s = memo->slots[key & (MEMO32_SLOTS - 1)];
    if ((s & ~(uint64_t)UINT32_MAX) != memo32_tag(key))
        return false;
    memo->hits++;
    *val = (uint32_t)s;
    return true;
}

void pv_memo32_prefetch(const pv_memo32 *memo, uint32_t key)
{
    __builtin_prefetch(&memo->slots[key & (MEMO32_SLOTS - 1)]);
}

void pv_memo32_put(pv_memo32 *memo, uint32_t key, uint32_t val)
{
    if (memo)
        memo->slots[key & (MEMO32_SLOTS - 1)] = memo32_tag(key) | val;
}

void pv_memo32_stats(const pv_memo32 *memo, uint64_t *lookups, uint64_t *hits)
{
    *lookups = memo ? memo->lookups : 0;
    *hits = memo ? memo->hits : 0;
}
