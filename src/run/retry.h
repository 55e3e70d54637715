/*
 * retry.h — the retries of streaming.md §7 around one streaming unit.
 *
 * A unit whose source or target connection was lost (or whose server
 * reported a transient SQLSTATE) gets 3 attempts in total per incident,
 * 0.5 s then 1.0 s apart, each on fresh connections and from the last
 * committed checkpoint: the cursor is read back from the target's
 * checkpoint row, never taken from memory — a COMMIT whose answer was lost
 * with the connection may or may not have happened, and only the row
 * (committed with the batch it describes) knows. The exported snapshot is
 * re-imported; when it is gone the unit continues on a fresh one with a
 * `snapshot_lost` warning. An attempt that commits a batch ends its
 * incident, so a later failure gets 3 attempts of its own. Data errors
 * fail the unit at the first attempt.
 */
#ifndef PRIVACI_RUN_RETRY_H
#define PRIVACI_RUN_RETRY_H

#include "stream/stream.h"

#include <stdbool.h>

#define PV_RETRY_ATTEMPTS     3
#define PV_RETRY_BASE_DELAY_S 0.5

/*
 * Streams `unit` with retries. `total` sums the rows and batches committed
 * by every attempt. On failure returns the unit's error: the data error as
 * the stream reported it, or — after the last failed attempt, with
 * *exhausted set — Context "Streaming <schema.table>", Cause "Retries
 * exhausted after 3 attempts (<SQLSTATE or I/O error>, batch <b>,
 * rows_processed <n>)." (errors.md §3.1). A stop request during the
 * back-off ends the unit as stopped, without an error. A retry re-reads
 * the unit's checkpoint cursor (opened with unit->cursor_encrypted and
 * ctx->secrets->salt); one that does not open is a unit error, not retried.
 */
pv_error *pv_stream_with_retries(const pv_stream_ctx *ctx, const pv_stream_unit *unit,
                                 pv_stream_result *total, bool *exhausted);

/*
 * streaming.md §6.1: whether a unit's checkpoint cursor is stored
 * encrypted (`enc1:`, state/cursor.h) is decided by its PK column's
 * resolved action — passthrough keeps it in clear text — never by the
 * stored text's prefix. Turns a stored cursor into the clear text the
 * stream continues after (*clear owned; NULL for a NULL cursor): a copy
 * when `encrypted` is false, else the cursor unsealed with the run's
 * `salt`. A sealed cursor that does not open (no `enc1:` prefix, bad
 * base64url, wrong length, failed authentication) is an error naming
 * `unit_id` and never the stored text; since the resume gate has already
 * matched the salt's fingerprint, it means the row was corrupted. Resume
 * treats it like any unparsable cursor (truncate, restart the unit).
 */
pv_error *pv_cursor_open(const char *stored, bool encrypted, const char *salt, const char *unit_id,
                         char **clear);

#endif
