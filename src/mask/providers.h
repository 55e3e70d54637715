/*
 * providers.h — the built-in fake providers of masking.md §8.1.
 *
 * A provider maps (16-byte seed, NFC input text, params) to text; it never
 * allocates per call and never formats with printf: it appends to a
 * caller-owned pv_buf that the caller reuses. Which list each provider
 * draws from, and its length, comes from the selected library (§8.2).
 */
#ifndef PRIVACI_MASK_PROVIDERS_H
#define PRIVACI_MASK_PROVIDERS_H

#include "util/buf.h"
#include "mask/library.h"
#include "mask/seed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pv_provider {
    PV_PROV_FIRST_NAME,
    PV_PROV_LAST_NAME,
    PV_PROV_FULL_NAME,
    PV_PROV_EMAIL,
    PV_PROV_PHONE,
    PV_PROV_STREET,
    PV_PROV_CITY,
    PV_PROV_POSTCODE,
    PV_PROV_COUNTRY,
    PV_PROV_ADDRESS,
    PV_PROV_DOB,
    PV_PROV_IP_ADDRESS,
    PV_PROV_SSN,
    PV_PROV_CREDIT_CARD,
    PV_PROV_UUID,
    PV_PROV_COMPANY,
    PV_PROV_JOB_TITLE,
    PV_PROV_USERNAME,
    PV_PROV_PASSWORD,
    PV_PROV_COUNT,
} pv_provider;

/* The fixed `password` output (§8.1). */
#define PV_PASSWORD_PLACEHOLDER "privaci-test-pw"

/* The `dob` reference date (§8.1: fixed, not today) and default anchor. */
#define PV_DOB_REF_YEAR 2025
#define PV_DOB_ANCHOR   "1985-06-15"

/* The built-in provider called `name`, or -1. */
int pv_provider_find(const char *name);
const char *pv_provider_name(pv_provider p);

/* The one list a provider draws from as LIB[idx(s, len(LIB))] (a pv_list_id), or -1. */
int pv_provider_list(pv_provider p);

/* The only provider parameter (§8.1): email's `domain`, used when present (even empty). */
typedef struct pv_provider_params {
    bool has_domain;
    const char *domain;
    size_t domain_len;
} pv_provider_params;

/*
 * Appends provider p's output for seed `seed` and input `v` (the NFC input
 * text; only `phone` and `dob` read it) to `out`. `library` selects the
 * SSN formula (standard vs classic); `lib` supplies the lists.
 */
void pv_provider_generate(pv_provider p, pv_mask_library library, const pv_library *lib,
                          const uint8_t seed[PV_SEED_LEN], const uint8_t *v, size_t len,
                          const pv_provider_params *params, pv_buf *out);

#endif
