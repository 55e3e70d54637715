/*
 * snapshot.h — the two renderings of a catalog: the canonical snapshot
 * (catalog-and-schema.md §10) and the `catalog inspect` text (cli.md §3.13).
 */
#ifndef PRIVACI_CATALOG_SNAPSHOT_H
#define PRIVACI_CATALOG_SNAPSHOT_H

#include "catalog/catalog.h"

#include <jansson.h>

/*
 * The snapshot as a JSON object (new reference; caller json_decrefs).
 * Every list is already in its canonical order, so any key-sorting
 * serializer (pv_canonjson_dump, pv_json_pretty) yields stable text.
 */
json_t *pv_catalog_snapshot(const pv_catalog *cat);

/*
 * The canonical text stored in _privaci.runs.source_schema_snapshot:
 * sorted keys, compact, ASCII-only (util/canonjson.h). Caller frees.
 */
char *pv_catalog_snapshot_text(const pv_catalog *cat);

/* The `catalog inspect` human report, ending in a newline. Caller frees. */
char *pv_catalog_render_text(const pv_catalog *cat);

#endif
