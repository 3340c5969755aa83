/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h: the whole face of the policy layer, for callers that use several parts of it:
 * who is asking and what they may do. Each part has a header of its own, and a caller that
 * needs one part includes that one (docs/internals/policy.md, "Faces"):
 *  - policy/hub.h     the hub context (struct rk_hub) every capability receives;
 *  - policy/auth.h    principals, roles, authentication and tokens;
 *  - policy/access.h  audiences, and the one door for reads of object data (policy_query,
 *                     policy_hub_query), access-checked and audited;
 *  - policy/scope.h   TLP levels, markings, the policy document, automatic scope;
 *  - policy/admin.h   managing the hub: organisations, collections, sectors, the document;
 *  - policy/ledger.h  the audit log, the credit ledger, provenance reads;
 *  - policy/ingest.h  the ingest pipeline;
 *  - policy/cache.h   the entity cache of a long-running server.
 */
#ifndef RK_POLICY_H
#define RK_POLICY_H

#include "policy/access.h"
#include "policy/admin.h"
#include "policy/auth.h"
#include "policy/cache.h"
#include "policy/hub.h"
#include "policy/ingest.h"
#include "policy/ledger.h"
#include "policy/scope.h"

#endif /* RK_POLICY_H */
