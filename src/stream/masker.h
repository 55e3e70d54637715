/*
 * masker.h — the masking stage of a streaming unit (spec/masking.md §2–§5,
 * §9; DESIGN.md "Type-aware actions").
 *
 * Per unit, once: pv_masker_new compiles every masked column — its codec,
 * the action's per-column state (fake/pseudonym column with its seed
 * midstate, hash midstate, HMAC state, §9.2 permutation, the static value
 * already encoded, the regex with its template) and a memo. The masker is
 * owned by the thread that streams the unit; nothing in it is shared.
 *
 * Per tuple: pv_masker_tuple appends the masked tuple in the unit's wire
 * format. A passthrough cell is copied as raw bytes, never decoded; a
 * masked cell is decoded to its input text (§2), goes through §3 (NULL and
 * `""`) and the action, and the output is encoded for the column type
 * (§4.1) — or, for the typed outputs of §4.2 and the permutation of §9.2,
 * produced in binary directly.
 *
 * In text COPY mode (streaming.md §4) the cells are COPY text: a masked
 * cell of a type with a codec is parsed through the codec so that its
 * input text is the same as in binary mode, and the output is printed in
 * the server's text output; a type without a codec uses PostgreSQL's text
 * output as its input text and the action's output as its input syntax.
 *
 * Errors name the column path and the kind of failure, never a value
 * (masking.md §5); they fail the unit (streaming.md §8.1).
 */
#ifndef PRIVACI_STREAM_MASKER_H
#define PRIVACI_STREAM_MASKER_H

#include "config/config.h"
#include "copy/codec.h"
#include "copy/copy.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

/* What the plan decided for one masked column (run/plan.h builds it). */
typedef struct pv_mask_spec {
    pv_action_kind kind;
    const pv_action *action;   /* parameters; NULL for null (and fk_inherited null) */
    const char *column_path;   /* "schema.table.column", the config table's id */
    const char *hash_path;     /* §7.1; NULL for null */
    const char *provider;      /* fake/pseudonym provider, for events; NULL otherwise */
    bool unique;               /* §9 */
    bool fpe;                  /* §9.2 applies */
    const pv_type_info *type;  /* the column type's codec facts, NULL when unknown */
    const char *declared_type; /* format_type, e.g. "character varying(80)" */
} pv_mask_spec;

/* The secrets and library every masked column of a run uses. */
typedef struct pv_mask_secrets {
    const char *salt;
    const char *key; /* pseudonym_key; NULL when no keyed action is configured */
    pv_faker_library library;
} pv_mask_secrets;

typedef struct pv_masker pv_masker;

/*
 * Whether a masked column needs the text fallback: its type has no codec
 * (streaming.md §4). A NULL spec is passthrough.
 */
bool pv_mask_spec_needs_text(const pv_mask_spec *spec);

/*
 * Builds the masker for `n` columns; specs[i] NULL means passthrough. Fails
 * (exit 1 or 2) when a column's action cannot be prepared (e.g. the faker
 * library cannot be loaded, a static value does not encode).
 */
pv_error *pv_masker_new(const pv_mask_spec *const *specs, int n, const pv_mask_secrets *secrets,
                        bool text_mode, pv_masker **out);
void pv_masker_free(pv_masker *m);

/*
 * Appends the masked tuple `t` (its cells as read) to `out`. In binary mode,
 * when t->raw is set, the cells must be views into t->raw as the COPY
 * reader makes them (each after its 4-byte length word): a run of
 * passthrough cells is then copied from t->raw in one piece. With t->raw
 * NULL every cell is copied on its own.
 */
pv_error *pv_masker_tuple(pv_masker *m, const pv_copy_tuple *t, pv_buf *out);

/* Non-NULL cells each masked column's action was applied to (§3). */
int64_t pv_masker_rows_affected(const pv_masker *m, int column);

#endif
