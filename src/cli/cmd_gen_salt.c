/* privaci gen-salt — 32 bytes from the OS CSPRNG as 64 lowercase hex. */
#include "cli/cli.h"

#include "util/hash.h"

#include <openssl/crypto.h>
#include <stdio.h>

int pv_cmd_gen_salt(const pv_command *cmd, const pv_args *args)
{
    uint8_t bytes[32];
    char hex[2 * sizeof(bytes) + 1];
    if (pv_random_bytes(bytes, sizeof(bytes)) != 0)
        return pv_cli_fail(cmd, pv_error_new(PV_EXIT_GENERIC, "Generating a salt",
                                             "Check that the OS random source is available.",
                                             "The operating system's random generator failed."));
    pv_hex_encode(bytes, sizeof(bytes), hex);
    /* The salt is the command's only output: it never goes through the
     * redactor, and its bytes are wiped right after printing. */
    printf("%s\n", hex);
    fflush(stdout);
    OPENSSL_cleanse(bytes, sizeof(bytes));
    OPENSSL_cleanse(hex, sizeof(hex));
    return PV_EXIT_OK;
}
