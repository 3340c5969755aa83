/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modules.h: the capabilities `renkei serve` runs, in the order their routes are tabled,
 * their start is called and (reversed) their stop.
 */
#ifndef RK_CLI_MODULES_H
#define RK_CLI_MODULES_H

#include <stddef.h>

#include "module/module.h"

extern const struct module *const cli_modules[];
extern const size_t cli_n_modules;

/* Registers the capabilities' sections of the policy document (analyze's severity criteria)
 * before any command reads or changes the policy. */
int cli_policy_sections_add(struct rk_err *err);

#endif /* RK_CLI_MODULES_H */
