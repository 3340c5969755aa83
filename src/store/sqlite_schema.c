/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_schema.c: the SQLite schema and its migrations. PRAGMA user_version counts the
 * migrations applied; each runs once, in its own transaction, in order.
 */
#include "sqlite_int.h"

#include <stdio.h>

/*
 * Objects (since migration 3) are clustered by pos = coll << 40 | is_last << 39 | seq, the
 * rowid, where seq numbers a collection's rows in date_added order (unique and strictly
 * increasing across the hub). The latest versions of a collection are thus one contiguous
 * range of the table, so the default page (match[version]=last) is a range scan of the
 * table; with one match[type] it walks the partial index objects_last_type (on tkey since
 * migration 10). is_first/is_last mark the earliest/latest version of each (coll, id).
 * Every index costs ingest speed, so the rarer shapes (version=first/all or specific, with
 * or without a type) read the two ranges of the collection merged by seq and test the flag
 * or the type on each row: cheap while most objects have few versions and the type is
 * common (migration 9). Collections are referred to by a small integer key (coll_keys) to
 * keep indexes compact.
 */
static const char *const migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE coll_keys("
    "  k INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE);"
    "CREATE TABLE objects("
    "  date_added INTEGER PRIMARY KEY,"
    "  coll INTEGER NOT NULL REFERENCES coll_keys(k),"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  spec_version TEXT NOT NULL,"
    "  is_first INTEGER NOT NULL,"
    "  is_last INTEGER NOT NULL,"
    "  json BLOB NOT NULL);"
    "CREATE UNIQUE INDEX objects_version ON objects(coll, id, version);"
    "CREATE INDEX objects_added ON objects(coll);"
    "CREATE INDEX objects_last ON objects(coll) WHERE is_last = 1;"
    "CREATE INDEX objects_last_type ON objects(coll, type) WHERE is_last = 1;"
    "CREATE TABLE orgs("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  sector TEXT NOT NULL,"
    "  identity_id TEXT NOT NULL,"
    "  anonymity INTEGER NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE tokens("
    "  hash TEXT PRIMARY KEY,"
    "  org_id TEXT NOT NULL REFERENCES orgs(id),"
    "  role INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX tokens_org ON tokens(org_id);"
    "CREATE TABLE collections("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  alias TEXT NOT NULL,"
    "  read_spec TEXT NOT NULL,"
    "  write_spec TEXT NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE statuses("
    "  id TEXT PRIMARY KEY,"
    "  org_id TEXT NOT NULL,"
    "  json TEXT NOT NULL);"
    "CREATE TABLE settings("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);",

    /* 2: the sharing policy (issue 3): access metadata per object version, the provenance
     * vault, the audit log (hash chain), the credit ledger, own identifiers, token
     * anonymity and collection default TLP. No new index on objects (each one costs ingest
     * speed): find_object walks coll_keys into objects_version, credit_sum reads
     * the credit ledger through credit_org. */
    "ALTER TABLE objects ADD COLUMN tlp INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE objects ADD COLUMN source_org TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN source_sector TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN scope TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN recipients TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN joins TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN rule TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE provenance("
    "  date_added INTEGER PRIMARY KEY,"
    "  coll_uuid TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  org_id TEXT NOT NULL,"
    "  token_hash TEXT NOT NULL,"
    "  anonymity INTEGER NOT NULL,"
    "  received INTEGER NOT NULL,"
    "  original BLOB NOT NULL,"
    "  actions TEXT NOT NULL);"
    "CREATE INDEX provenance_id ON provenance(id);"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  org_id TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  route TEXT NOT NULL,"
    "  collection TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE INDEX audit_org ON audit(org_id, seq);"
    "CREATE TABLE credit("
    "  seq INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  org_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  object_id TEXT NOT NULL,"
    "  points INTEGER NOT NULL,"
    "  by_org TEXT NOT NULL,"
    "  by_sector TEXT NOT NULL);"
    "CREATE INDEX credit_org ON credit(org_id, seq);"
    "ALTER TABLE orgs ADD COLUMN own_identifiers TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE tokens ADD COLUMN anonymity INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE collections ADD COLUMN default_tlp INTEGER NOT NULL DEFAULT 2;",

    /* 3: objects clustered by collection. The rowid becomes pos =
     * coll << 40 | is_last << 39 | seq, seq counting a collection's rows in date_added order
     * (1, 2...), so the latest versions of a collection are one contiguous range of the
     * table in date_added order and a default page is a range scan without a seek per row.
     * date_added becomes a plain column; objects_added (coll, date_added) orders the other
     * version selections and turns an added_after cursor into a seq. objects_last is gone
     * (the table is that index now). The rebuild keeps every row, its date_added and order;
     * provenance stays keyed by date_added. */
    "CREATE TABLE objects_v3("
    "  pos INTEGER PRIMARY KEY,"
    "  date_added INTEGER NOT NULL,"
    "  coll INTEGER NOT NULL REFERENCES coll_keys(k),"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  spec_version TEXT NOT NULL,"
    "  is_first INTEGER NOT NULL,"
    "  is_last INTEGER NOT NULL,"
    "  tlp INTEGER NOT NULL DEFAULT 1,"
    "  source_org TEXT NOT NULL DEFAULT '',"
    "  source_sector TEXT NOT NULL DEFAULT '',"
    "  scope TEXT NOT NULL DEFAULT '',"
    "  recipients TEXT NOT NULL DEFAULT '',"
    "  joins TEXT NOT NULL DEFAULT '',"
    "  rule TEXT NOT NULL DEFAULT '',"
    "  json BLOB NOT NULL);"
    "INSERT INTO objects_v3(pos, date_added, coll, id, version, type, spec_version, is_first,"
    "  is_last, tlp, source_org, source_sector, scope, recipients, joins, rule, json) "
    "SELECT (coll << 40) | (is_last << 39) | "
    "  row_number() OVER (PARTITION BY coll ORDER BY date_added), date_added, coll, id,"
    "  version, type, spec_version, is_first, is_last, tlp, source_org, source_sector, scope,"
    "  recipients, joins, rule, json FROM objects ORDER BY 1;"
    "DROP TABLE objects;"
    "ALTER TABLE objects_v3 RENAME TO objects;"
    "CREATE UNIQUE INDEX objects_version ON objects(coll, id, version);"
    "CREATE INDEX objects_added ON objects(coll, date_added);"
    "CREATE INDEX objects_last_type ON objects(coll, type) WHERE is_last = 1;",

    /* 4: provenance originals derived from the object row. Most originals are the stored
     * json itself, or it minus the one run of bytes the hub's TLP marking spliced in: such a
     * row has derived = 1, an empty original and the cut (json minus [cut_off, cut_off +
     * cut_len) is the original), so the object is not written twice. Readers rebuild it
     * from the objects row of the same (collection, date_added); delete_object writes it
     * out (derived = 0) before deleting that row. Existing rows keep derived = 0. */
    "ALTER TABLE provenance ADD COLUMN derived INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE provenance ADD COLUMN cut_off INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE provenance ADD COLUMN cut_len INTEGER NOT NULL DEFAULT 0;",

    /* 5: no index of provenance by STIX id. provenance_id took one insert at a random place
     * per stored object, and so rewrote most of its leaf pages at every commit. A row whose
     * object version exists is found from that version (objects_version, date_added, then
     * provenance by its key); provenance_gone (id, date_added) lists the rows whose version
     * was deleted: delete_object fills it, and here the rows that already lack their
     * objects row (same collection, date_added and id) get their entry. */
    "CREATE TABLE provenance_gone("
    "  id TEXT NOT NULL,"
    "  date_added INTEGER NOT NULL,"
    "  PRIMARY KEY(id, date_added)) WITHOUT ROWID;"
    "INSERT INTO provenance_gone(id, date_added) "
    "SELECT p.id, p.date_added FROM provenance p WHERE NOT EXISTS (SELECT 1 FROM coll_keys k "
    "  JOIN objects o ON o.coll = k.k AND o.date_added = p.date_added "
    "  WHERE k.uuid = p.coll_uuid AND o.id = p.id);"
    "DROP INDEX provenance_id;",

    /* 6: objects_version keyed by a 64-bit hash of the id (store_sq_id_hash, stored in
     * idh) instead of the id's text. The index is the one whose inserts land at random, so
     * an envelope rewrote most of its leaf pages; an integer key is a third of the size
     * and compares in one step. Not UNIQUE any more: two ids may share a hash, so every
     * lookup matches idh and id, and puts keep (coll, id, version) unique themselves
     * (under the write lock, as they always checked before inserting). */
    "ALTER TABLE objects ADD COLUMN idh INTEGER NOT NULL DEFAULT 0;"
    "UPDATE objects SET idh = rk_idh(id);"
    "DROP INDEX objects_version;"
    "CREATE INDEX objects_version ON objects(coll, idh, version);",

    /* 7: provenance carried in the object row. A new version whose original is derived
     * (migration 4) no longer gets a provenance row: its objects row has prov = 1 and what
     * the object row does not already say: the token's hash (32 bytes, prov_token), the
     * anonymity, the actions and the cut. The provenance row was one more insert, under
     * the write lock, per stored object. org_id is the row's source_org, coll_uuid its
     * collection's, received its date_added. delete_object writes such a row's provenance
     * out (a provenance row, derived = 0) before deleting it. Existing rows keep prov = 0
     * and their provenance rows. */
    "ALTER TABLE objects ADD COLUMN prov INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE objects ADD COLUMN prov_token BLOB NOT NULL DEFAULT X'';"
    "ALTER TABLE objects ADD COLUMN prov_anonymity INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE objects ADD COLUMN prov_actions TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE objects ADD COLUMN prov_cut_off INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE objects ADD COLUMN prov_cut_len INTEGER NOT NULL DEFAULT 0;",

    /* 8: objects_version led by idh, (idh, coll, version). Every lookup gives both idh and
     * coll, so the same probes apply; but with a hub's few collections a key that starts
     * with coll compares equal on its first field at every step of every seek and falls to
     * SQLite's general record comparison, while a leading 64-bit hash settles almost every
     * step with one integer compare (SQLite's vdbeRecordCompareInt): 1,600 instructions
     * fewer per stored object under the write lock (callgrind, real data). Nothing lists a
     * whole collection through this index. */
    "DROP INDEX objects_version;"
    "CREATE INDEX objects_version ON objects(idh, coll, version);",

    /* 9: objects_added (coll, date_added) gives way to objects_marks, the same key for one
     * row in 64 (seq a multiple of 64, STORE_SQ_MARK_AT_SQL; a row keeps its seq when it moves
     * between the ranges). objects_added took one index insert per stored object, 5,100
     * instructions under the write lock (callgrind, real data), and what it answered follows
     * from seq order being date_added order: a collection's newest row is the one with the
     * largest seq (one rowid seek per range), the seq of an added_after cursor is found from
     * the mark before it and at most a few dozen rows after, and every selection without ids
     * reads the two ranges merged by seq as version=all already did. */
    "DROP INDEX objects_added;"
    "CREATE INDEX objects_marks ON objects(coll, date_added) WHERE (pos & 63) = 0;",

    /* 10: objects_last_type keyed by one integer, tkey = coll << 32 | the low 32 bits of
     * store_sq_id_hash(type) (STORE_SQ_TKEY_SQL), instead of (coll, type). With a hub's few
     * collections and a feed's few types the old key compared equal on coll and then on the
     * type's text at almost every step of every insert's seek, through SQLite's general
     * record comparison; an integer settles each step at once, and the entries are half the
     * size: 1,000 instructions fewer per stored object under the write lock (callgrind, real
     * data). Two types may share a hash: a query still tests type. */
    // clang-format off
    "ALTER TABLE objects ADD COLUMN tkey INTEGER NOT NULL DEFAULT 0;"
    "UPDATE objects SET tkey = " STORE_SQ_TKEY_SQL("coll", "type") ";"
    "DROP INDEX objects_last_type;"
    "CREATE INDEX objects_last_type ON objects(tkey) WHERE is_last = 1;",
    // clang-format on

    /* 11: who created each token: the creator's organisation and the token it used (its
     * hash; "" when none was, as for a local command). Rows created before keep "" in both:
     * the store does not know who made them. */
    "ALTER TABLE tokens ADD COLUMN creator_org TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE tokens ADD COLUMN creator_token TEXT NOT NULL DEFAULT '';",

    /* 12: each joined id once per row. The access check reads every id of a row's joins on
     * every read of it; ingest now stores each id once (and at most 100 of them), and rows
     * stored before could repeat one id without bound (a sighting cycling over 40
     * identities two million times). rk_joins_distinct (sqlite_joins.c) keeps the first of
     * each, in order; only rows with two ids or more are read, and only changed ones are
     * written. */
    "UPDATE objects SET joins = rk_joins_distinct(joins) "
    "WHERE instr(joins, ' ') > 0 AND rk_joins_distinct(joins) <> joins;",

    /* 13: stored status resources without empty lists (TAXII 2.1 section 2.1 prohibits
     * them). Status resources were written with "successes", "failures" and "pendings"
     * always present, [] when there was nothing to list; now a list with nothing in it is
     * left out. The three members are taken out as the hub wrote them: inside a JSON string
     * a quote is escaped, so these bytes can only be the members themselves. */
    "UPDATE statuses SET json = replace(replace(replace(json, ',\"successes\":[]', ''), "
    "',\"failures\":[]', ''), ',\"pendings\":[]', '') WHERE instr(json, ':[]') > 0;",

    /* 14: collection aliases unique. TAXII clients may name a collection by its alias in
     * URLs, so two collections must not share one (TAXII 2.1: unique within the API root).
     * Aliases were not checked before: where several collections share one, the oldest
     * keeps it and the others lose it (their alias becomes ""). */
    "UPDATE collections SET alias = '' WHERE alias <> '' AND EXISTS (SELECT 1 FROM collections "
    "AS o WHERE o.alias = collections.alias AND o.seq < collections.seq);"
    "CREATE UNIQUE INDEX collections_alias ON collections(alias) WHERE alias <> '';",

    /* 15: each version as its object writes it. TAXII answers a version in manifests and
     * version lists, where it must be the text of the object's modified (or created): the
     * same instant in six fraction digits is another string to a client that compares
     * them. vform is rk_time_form of that text (core.h: fraction digits, those past the
     * sixth, a leap second), so that a manifest formats the version without reading the
     * JSON; 6 (RK_TIME_FORM_US) for a version the store assigned. The table is rebuilt (as
     * in migration 3: every row, pos and index kept) to put vform beside version: a column
     * added at the end lies past json and seven more in each record, and a manifest then
     * paid about 300 instructions a row to walk their headers (callgrind, ATT&CK pages).
     * Each row's vform comes from its JSON's modified, else created, when the row's version
     * is that instant (rk_time_form, rk_time_us: sqlite_time.c), else 6. The hub's own
     * identity objects (the stand-ins) were stored with their date_added as version: they
     * get their modified, when they are the only version of their id in their collection
     * (they always were: the stand-in's later puts found that row). */
    "CREATE TABLE objects_v15("
    "  pos INTEGER PRIMARY KEY,"
    "  date_added INTEGER NOT NULL,"
    "  coll INTEGER NOT NULL REFERENCES coll_keys(k),"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  vform INTEGER NOT NULL DEFAULT 6,"
    "  type TEXT NOT NULL,"
    "  spec_version TEXT NOT NULL,"
    "  is_first INTEGER NOT NULL,"
    "  is_last INTEGER NOT NULL,"
    "  tlp INTEGER NOT NULL DEFAULT 1,"
    "  source_org TEXT NOT NULL DEFAULT '',"
    "  source_sector TEXT NOT NULL DEFAULT '',"
    "  scope TEXT NOT NULL DEFAULT '',"
    "  recipients TEXT NOT NULL DEFAULT '',"
    "  joins TEXT NOT NULL DEFAULT '',"
    "  rule TEXT NOT NULL DEFAULT '',"
    "  json BLOB NOT NULL,"
    "  idh INTEGER NOT NULL DEFAULT 0,"
    "  prov INTEGER NOT NULL DEFAULT 0,"
    "  prov_token BLOB NOT NULL DEFAULT X'',"
    "  prov_anonymity INTEGER NOT NULL DEFAULT 0,"
    "  prov_actions TEXT NOT NULL DEFAULT '',"
    "  prov_cut_off INTEGER NOT NULL DEFAULT 0,"
    "  prov_cut_len INTEGER NOT NULL DEFAULT 0,"
    "  tkey INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO objects_v15(pos, date_added, coll, id, version, vform, type, spec_version,"
    "  is_first, is_last, tlp, source_org, source_sector, scope, recipients, joins, rule, json,"
    "  idh, prov, prov_token, prov_anonymity, prov_actions, prov_cut_off, prov_cut_len, tkey) "
    "SELECT pos, date_added, coll, id, v, CASE WHEN rk_time_us(t) = v THEN rk_time_form(t) "
    "  ELSE 6 END, type, spec_version, is_first, is_last, tlp, source_org, source_sector,"
    "  scope, recipients, joins, rule, json, idh, prov, prov_token, prov_anonymity,"
    "  prov_actions, prov_cut_off, prov_cut_len, tkey "
    "FROM (SELECT *, CASE WHEN type = 'identity' AND version = date_added AND"
    "  rk_time_us(m) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE"
    "  n.idh = o.idh AND n.coll = o.coll AND n.id = o.id AND n.pos <> o.pos) THEN rk_time_us(m)"
    "  ELSE version END AS v FROM (SELECT *, coalesce(m, c) AS t FROM (SELECT *, CASE WHEN"
    "  json_valid(CAST(json AS TEXT)) THEN json_extract(CAST(json AS TEXT), '$.modified') END"
    "  AS m, CASE WHEN json_valid(CAST(json AS TEXT)) THEN json_extract(CAST(json AS TEXT),"
    "  '$.created') END AS c FROM objects)) AS o) ORDER BY pos;"
    "DROP TABLE objects;"
    "ALTER TABLE objects_v15 RENAME TO objects;"
    "CREATE INDEX objects_version ON objects(idh, coll, version);"
    "CREATE INDEX objects_marks ON objects(coll, date_added) WHERE (pos & 63) = 0;"
    "CREATE INDEX objects_last_type ON objects(tkey) WHERE is_last = 1;",

    /* 16: organisations can be disabled (one that leaves the hub keeps its row, its
     * identity and everything it posted); every existing organisation stays enabled. A
     * removed collection's key is marked removed (collection_remove), so that no put stores
     * into it again; keys are never deleted or reused. */
    "ALTER TABLE orgs ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE coll_keys ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;",

    /* 17: relay collections, whose objects the hub stores as posted (third-party content it
     * relays: no marking written in, no author rewritten); every existing collection is not
     * one. */
    "ALTER TABLE collections ADD COLUMN relay INTEGER NOT NULL DEFAULT 0;",

    /* 18: the observable index (store_put.observables, sqlite_observables.c), written with
     * each new object version in its transaction. seq numbers the rows in insert order and
     * is never reused (AUTOINCREMENT), so a reader that follows the index by seq
     * (observable_since) misses nothing after a delete. kh is store_sq_id_hash(key):
     * observables_key is keyed by one integer, as objects_version is (migration 6), and every
     * lookup matches kh and key. An address or CIDR has lo and hi (16 bytes, IPv4 mapped, so
     * that ranges compare as blobs) and plen (its prefix over 128 bits); observables_range
     * (lo, plen) finds the ranges inside a range (lo between its ends) and, one seek per
     * shorter prefix, those holding it. opos is the objects row's pos without its is_last
     * bit (a row keeps its seq when the bit moves): the row is at opos or opos | 1 << 39,
     * with this date_added. A version's rows go when it is deleted. Existing objects are not
     * indexed (a hub is indexed from the version that has this migration on). */
    "CREATE TABLE observables("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kh INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  lo BLOB,"
    "  hi BLOB,"
    "  plen INTEGER,"
    "  date_added INTEGER NOT NULL,"
    "  coll INTEGER NOT NULL,"
    "  opos INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  source_org TEXT NOT NULL,"
    "  source_sector TEXT NOT NULL,"
    "  tlp INTEGER NOT NULL);"
    "CREATE INDEX observables_key ON observables(kh, date_added);"
    "CREATE INDEX observables_range ON observables(lo, plen) WHERE lo IS NOT NULL;",

    /* 19: what capabilities keep beside the objects (sqlite_records.c): records, small JSON
     * documents keyed by (kind, id) with an owning organisation (alert subscriptions,
     * watchlist entries, webhook delivery state, hotline alerts), and the event log each
     * organisation's alerts are delivered from, numbered per organisation without gaps. */
    "CREATE TABLE records("
    "  kind TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  org_id TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, id)) WITHOUT ROWID;"
    "CREATE INDEX records_org ON records(kind, org_id, created);"
    "CREATE TABLE events("
    "  org_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY(org_id, seq));",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

const char *store_sq_migration_sql(int version)
{
    if (version < 1 || version > N_MIGRATIONS)
        return NULL;
    return migrations[version - 1];
}

static int read_user_version(struct store_sq_conn *c, int *out, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, "PRAGMA user_version", &st, err);
    if (rc != 0)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = 0;
    } else {
        rc = store_sq_err(err, c->db, src, "reading the schema version");
    }
    store_sq_release(c, st);
    return rc;
}

int store_sq_schema_migrate(struct store_sq_conn *c, struct rk_err *err)
{
    int version = 0;
    int rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        return rc;
    rc = read_user_version(c, &version, err);
    if (rc != 0)
        goto out;
    if (version > N_MIGRATIONS) {
        rc =
            rk_err_set(err, RK_E_DB, "store schema version %d is newer than this renkei knows (%d)",
                       version, N_MIGRATIONS);
        goto out;
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        rc = store_sq_exec(c, migrations[v], err);
        if (rc != 0)
            goto out;
    }
    if (version < N_MIGRATIONS) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", N_MIGRATIONS);
        rc = store_sq_exec(c, sql, err);
        if (rc != 0)
            goto out;
    }
    rc = store_sq_exec(c, "COMMIT", err);
out:
    if (rc != 0)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
