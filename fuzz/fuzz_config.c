/*
 * fuzz_config.c — libFuzzer target for the mask-rules.yaml loader.
 *
 * Every input goes through the whole load-time pipeline of config.md §9.1
 * (YAML parse, structural validation with positions, regex compilation,
 * provider lookup). A config that loads is also rendered canonically and
 * hashed, and an error is rendered as the user would see it, so the code
 * that formats paths, positions and escapes runs on hostile input too.
 *
 * The buffer is not NUL-terminated on purpose: the loader must honour `size`.
 * Build and run: `make fuzz FUZZ_SECONDS=60` (fuzz/run.sh).
 */
#include "config/config.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg);
    if (err) {
        free(pv_error_render(err));
        pv_error_free(err);
    }
    if (cfg) {
        char hash[65];
        pv_config_hash(cfg, hash);
        pv_config_free(cfg);
    }
    return 0;
}
