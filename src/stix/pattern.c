/* SPDX-License-Identifier: Apache-2.0 */
/* pattern.c: STIX patterning grammar. Being written; until then every pattern is refused so
 * that nothing unchecked is ever stored. */
#include "stix/stix.h"

int stix_pattern_validate(const char *pattern, struct rk_err *err)
{
    (void)pattern;
    return rk_err_set(err, RK_E_INTERNAL, "pattern validation is not built yet");
}
