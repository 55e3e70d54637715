/*
 * date.h — proleptic Gregorian dates as day numbers (private to src/mask),
 * for `dob` (masking.md §8.1) and the date rule of §9.1. The range is
 * Python's `date`: 0001-01-01 to 9999-12-31.
 */
#ifndef PRIVACI_MASK_DATE_H
#define PRIVACI_MASK_DATE_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a valid civil date. */
int64_t pv_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Day numbers of 0001-01-01 and 9999-12-31. */
#define PV_DATE_MIN_DAYS (-719162)
#define PV_DATE_MAX_DAYS 2932896

/* `^\d{4}-\d{2}-\d{2}$` with ASCII digits, forming a valid date in range. */
bool pv_parse_iso_date(const uint8_t *s, size_t len, int64_t *days);

/* Appends `YYYY-MM-DD`; `days` must be within [PV_DATE_MIN_DAYS, PV_DATE_MAX_DAYS]. */
void pv_buf_iso_date(pv_buf *out, int64_t days);

#endif
