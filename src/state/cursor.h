/*
 * cursor.h — encrypted checkpoint cursors (streaming.md §6.1).
 *
 * When a unit's primary-key column is masked, its checkpoint cursor (the
 * source value of the batch's last key, PostgreSQL text output) is stored
 * as
 *     "enc1:" + base64url(nonce ‖ AES-256-GCM ciphertext ‖ tag)
 * with key K = HMAC-SHA256(key = u8(salt), "privaci-checkpoint-cursor-v1"),
 * a fresh 12-byte random nonce per seal, a 16-byte tag and no additional
 * data. Whether a cursor is sealed is decided by the key column's resolved
 * action, never by this prefix: the functions here only transform text.
 *
 * Neither function prints, logs or keeps the clear text, the salt or K;
 * K and intermediate plaintext are wiped with OPENSSL_cleanse. A NULL salt
 * is a caller bug and aborts.
 */
#ifndef PRIVACI_STATE_CURSOR_H
#define PRIVACI_STATE_CURSOR_H

#include <stdbool.h>

#define PV_CURSOR_PREFIX    "enc1:"
#define PV_CURSOR_NONCE_LEN 12
#define PV_CURSOR_TAG_LEN   16

/*
 * The stored text of the clear cursor `clear` (malloc'd "enc1:…"). Aborts
 * when the CSPRNG or the cipher fails: there is no safe fallback.
 */
char *pv_cursor_seal(const char *clear, const char *salt);

/*
 * Opens a sealed cursor: true with *clear (malloc'd) set, or false with
 * *clear NULL for a missing prefix, invalid base64url, a payload shorter
 * than nonce and tag, a failed authentication (a wrong salt, any changed
 * byte) or a clear text holding a NUL byte.
 */
bool pv_cursor_unseal(const char *stored, const char *salt, char **clear);

#endif
