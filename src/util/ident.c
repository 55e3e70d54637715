#include "util/ident.h"

#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define QUOTING_CONTEXT "Quoting a SQL identifier"

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/*
 * The name as shown inside the error: control characters become \xNN so
 * the Context/Cause/Remediation block stays one line per field and a
 * terminal never interprets them.
 */
static char *printable_name(const char *name)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (is_control(*p))
            pv_strbuf_appendf(&sb, "\\x%02x", *p);
        else
            pv_strbuf_append_char(&sb, (char)*p);
    }
    return pv_strbuf_take(&sb);
}

pv_error *pv_ident_check(const char *name)
{
    if (!name || !*name)
        return pv_error_new(PV_EXIT_PREFLIGHT, QUOTING_CONTEXT,
                            "Verify the source schema; report this if it persists.",
                            "Encountered an empty identifier from the catalog.");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (!is_control(*p))
            continue;
        char *shown = printable_name(name);
        pv_error *err = pv_error_new(PV_EXIT_PREFLIGHT, QUOTING_CONTEXT,
                                     "Rename the offending object in the source database.",
                                     "Identifier '%s' contains a control character.", shown);
        free(shown);
        return err;
    }
    return NULL;
}

void pv_ident_append(pv_strbuf *sb, const char *name)
{
    pv_strbuf_append_char(sb, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            pv_strbuf_append_char(sb, '"');
        pv_strbuf_append_char(sb, *p);
    }
    pv_strbuf_append_char(sb, '"');
}

void pv_ident_append_qualified(pv_strbuf *sb, const char *schema, const char *name)
{
    pv_ident_append(sb, schema);
    pv_strbuf_append_char(sb, '.');
    pv_ident_append(sb, name);
}

pv_error *pv_ident_quote(const char *name, char **out)
{
    *out = NULL;
    pv_error *err = pv_ident_check(name);
    if (err)
        return err;
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_ident_append(&sb, name);
    *out = pv_strbuf_take(&sb);
    return NULL;
}

pv_error *pv_ident_quote_qualified(const char *schema, const char *name, char **out)
{
    *out = NULL;
    pv_error *err = pv_ident_check(schema);
    if (!err)
        err = pv_ident_check(name);
    if (err)
        return err;
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_ident_append_qualified(&sb, schema, name);
    *out = pv_strbuf_take(&sb);
    return NULL;
}
