/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_int.h: helpers shared by the files of src/policy and by its unit tests; not part
 * of the module's face (policy.h).
 */
#ifndef RK_POLICY_INT_H
#define RK_POLICY_INT_H

#include "policy/policy.h"

/* Initialises libsodium once per process, thread-safely. 0 or RK_E_INTERNAL. */
int policy_sodium_ready(struct rk_err *err);

/* Writes the hex BLAKE2b-256 of the token string into out (64 hex digits and a NUL). */
void policy_token_hash(const char *token, char out[65]);

/* Writes a fresh random token "rk_" + 64 hex into out. */
void policy_token_generate(char out[POLICY_TOKEN_LEN + 1]);

/* True if the len bytes at token are exactly "rk_" and 64 lower-case hex digits. */
bool policy_token_well_formed(const char *token, size_t len);

#endif /* RK_POLICY_INT_H */
