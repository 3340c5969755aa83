/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backends.h: the backends built into the store and how store_open (store.c) opens each.
 * Included by store.c and by each backend's own code, nothing else: the layers above open a
 * store by its location (store.h).
 */
#ifndef RK_STORE_BACKENDS_H
#define RK_STORE_BACKENDS_H

#include "store/store.h"

/*
 * Opens (creating and migrating if needed) the SQLite store in file path (the part of the
 * location after "sqlite:"). Returns 0 and *out, or an error with err set.
 */
int store_sqlite_open(const char *path, struct store **out, struct rk_err *err);

#endif /* RK_STORE_BACKENDS_H */
