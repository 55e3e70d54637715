/*
 * ident.h — the one SQL identifier-quoting helper (catalog-and-schema.md §1).
 *
 * Every schema, table and column name that reaches SQL text goes through
 * here. Quoting needs no connection: wrap in double quotes and double every
 * embedded quote, exactly what PQescapeIdentifier does for a UTF-8 client.
 * Names from the catalog are untrusted, so the checked variants reject an
 * empty name or one containing a control character (exit 2).
 */
#ifndef PRIVACI_UTIL_IDENT_H
#define PRIVACI_UTIL_IDENT_H

#include "util/error.h"
#include "util/strbuf.h"

/*
 * NULL when `name` is a safe identifier; otherwise the errors.md §3.2 error
 * (Context "Quoting a SQL identifier"). Caller frees the error.
 */
pv_error *pv_ident_check(const char *name);

/*
 * Appends "name" (embedded quotes doubled) to `sb`. No validation: for
 * names already checked with pv_ident_check.
 */
void pv_ident_append(pv_strbuf *sb, const char *name);

/* Appends "schema"."name". No validation. */
void pv_ident_append_qualified(pv_strbuf *sb, const char *schema, const char *name);

/*
 * Checked quoting: on success *out is the quoted identifier (caller frees);
 * on failure *out is NULL and the error is returned.
 */
pv_error *pv_ident_quote(const char *name, char **out);

/* Checked "schema"."name". Same ownership rules as pv_ident_quote. */
pv_error *pv_ident_quote_qualified(const char *schema, const char *name, char **out);

#endif
