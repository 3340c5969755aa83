/* SPDX-License-Identifier: Apache-2.0 */
/*
 * markings.c: what the hub can read in the markings of an object. Besides the standard TLP
 * ids (tlp.c) it reads the well-known aliases (OpenCTI's TLP:AMBER+STRICT, the coordinator's
 * marking_aliases) and the marking definitions an envelope carries (a "tlp" definition, the
 * TLP 2.0 extension, a name or statement that is a TLP label). Whatever it cannot read is
 * reported, so that the scope decision can fail closed: an unreadable marking never widens
 * access.
 */
#include "policy/policy_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define MARKS_MAX      1024 /* envelope definitions remembered; more are unreadable */

/* Marking ids of other tools that stand for a TLP level: docs/sharing.md has the table. */
static const struct {
    const char *id;
    int tlp;
} builtin_aliases[] = {
    /* OpenCTI's TLP:AMBER+STRICT (its CLEAR, GREEN, AMBER and RED are the TLP 1.0 ids). */
    {"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", POLICY_TLP_AMBER_STRICT},
};

/* The level of a TLP label: "TLP:AMBER+STRICT", "tlp:clear", "TLP: red", and without the
 * prefix when prefix_optional ("amber", as TLP 1.0 definitions write it). WHITE is CLEAR.
 * NONE when s is not such a label. */
static int tlp_label(const char *s, bool prefix_optional)
{
    static const struct {
        const char *word;
        int tlp;
    } words[] = {{"clear", POLICY_TLP_CLEAR},
                 {"white", POLICY_TLP_CLEAR},
                 {"green", POLICY_TLP_GREEN},
                 {"amber", POLICY_TLP_AMBER},
                 {"amber+strict", POLICY_TLP_AMBER_STRICT},
                 {"amber-strict", POLICY_TLP_AMBER_STRICT},
                 {"red", POLICY_TLP_RED}};
    size_t n;

    if (s == NULL)
        return POLICY_TLP_NONE;
    while (isspace((unsigned char)*s))
        s++;
    if (strncasecmp(s, "tlp", 3) == 0 && (s[3] == ':' || s[3] == ' ')) {
        s += 4;
        while (isspace((unsigned char)*s))
            s++;
    } else if (!prefix_optional) {
        return POLICY_TLP_NONE;
    }
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i].word) == n && strncasecmp(s, words[i].word, n) == 0)
            return words[i].tlp;
    return POLICY_TLP_NONE;
}

static int stricter(int a, int b)
{
    return a > b ? a : b;
}

/*
 * What one marking definition says: the strictest TLP any of its readable parts gives
 * (definition_type "tlp", the TLP 2.0 extension, OpenCTI's x_opencti_definition, a name or
 * statement that is exactly a TLP label), else POLICY_MARK_STATEMENT for any other statement,
 * else POLICY_MARK_UNREADABLE.
 */
static int definition_reading(const json_t *md)
{
    const char *dtype = json_string_value(json_object_get(md, "definition_type"));
    const json_t *def = json_object_get(md, "definition");
    const json_t *ext = json_object_get(json_object_get(md, "extensions"), TLP2_EXTENSION);
    int tlp = POLICY_TLP_NONE;
    bool statement = false;

    if (ext != NULL)
        tlp = stricter(tlp, tlp_label(json_string_value(json_object_get(ext, "tlp_2_0")), true));
    if (dtype != NULL && strcasecmp(dtype, "tlp") == 0) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)def, k, v) if (strcasecmp(k, "tlp") == 0) tlp =
            stricter(tlp, tlp_label(json_string_value(v), true));
    }
    if (dtype != NULL && strcasecmp(dtype, "statement") == 0) {
        const char *text = json_string_value(json_object_get(def, "statement"));
        int t = tlp_label(text, false);
        tlp = stricter(tlp, t);
        statement = t == POLICY_TLP_NONE;
    }
    tlp = stricter(tlp, tlp_label(json_string_value(json_object_get(md, "name")), false));
    tlp = stricter(
        tlp, tlp_label(json_string_value(json_object_get(md, "x_opencti_definition")), false));
    if (tlp != POLICY_TLP_NONE)
        return tlp;
    return statement ? POLICY_MARK_STATEMENT : POLICY_MARK_UNREADABLE;
}

/* Two definitions of one id (two versions in one envelope): unreadable if either is, else
 * the stricter TLP, else a statement. */
static int merge(int a, int b)
{
    if (a == POLICY_MARK_UNREADABLE || b == POLICY_MARK_UNREADABLE)
        return POLICY_MARK_UNREADABLE;
    if (a > POLICY_TLP_NONE || b > POLICY_TLP_NONE)
        return stricter(a, b);
    return POLICY_MARK_STATEMENT;
}

/* Writes id in lower case into out (STIX_ID_MAX + 1 bytes); false if it is too long. */
static bool lower_id(const char *id, char *out)
{
    size_t n = 0;
    for (; id[n] != '\0'; n++) {
        if (n == STIX_ID_MAX)
            return false;
        out[n] = (char)tolower((unsigned char)id[n]);
    }
    out[n] = '\0';
    return true;
}

void policy_marks_init(struct policy_marks *m, const struct policy_doc *doc)
{
    memset(m, 0, sizeof(*m));
    m->doc = doc;
}

void policy_marks_add_reading(struct policy_marks *m, const char *id, int reading)
{
    char low[STIX_ID_MAX + 1];
    if (id == NULL || !lower_id(id, low) || m->n >= MARKS_MAX)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].id, low) == 0) {
            m->v[i].reading = merge(m->v[i].reading, reading);
            return;
        }
    if (m->n == m->cap) {
        m->cap = m->cap == 0 ? 8 : m->cap * 2;
        m->v = rk_realloc(m->v, m->cap * sizeof(*m->v));
    }
    policy_copy_str(m->v[m->n].id, sizeof(m->v[m->n].id), low);
    m->v[m->n].reading = reading;
    m->n++;
}

void policy_marks_add(struct policy_marks *m, const json_t *md)
{
    policy_marks_add_reading(m, json_string_value(json_object_get(md, "id")),
                             definition_reading(md));
}

bool policy_marks_has(const struct policy_marks *m, const char *id)
{
    char low[STIX_ID_MAX + 1];
    if (m == NULL || id == NULL || !lower_id(id, low))
        return false;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].id, low) == 0)
            return true;
    return false;
}

void policy_marks_clear(struct policy_marks *m)
{
    if (m == NULL)
        return;
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* The reading of a non-standard id as written (ids here are kept in lower case). */
static int read_exact(const struct policy_marks *m, const char *id)
{
    for (size_t i = 0; i < sizeof(builtin_aliases) / sizeof(builtin_aliases[0]); i++)
        if (strcmp(id, builtin_aliases[i].id) == 0)
            return builtin_aliases[i].tlp;
    if (m == NULL)
        return POLICY_MARK_UNREADABLE;
    int tlp = policy_doc_marking_alias(m->doc, id);
    if (tlp >= 0)
        return tlp;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].id, id) == 0)
            return m->v[i].reading;
    return POLICY_MARK_UNREADABLE;
}

int policy_marking_read(const struct policy_marks *m, const char *id, bool *standard)
{
    char low[STIX_ID_MAX + 1];
    int tlp = policy_tlp_of_marking(id);

    *standard = tlp != POLICY_TLP_NONE;
    if (tlp != POLICY_TLP_NONE || id == NULL)
        return id == NULL ? POLICY_MARK_UNREADABLE : tlp;
    /* Ids are nearly always written in lower case, as the tables keep them: compared as
     * written first, folded only when that finds nothing. */
    tlp = read_exact(m, id);
    if (tlp != POLICY_MARK_UNREADABLE || !lower_id(id, low) || strcmp(low, id) == 0)
        return tlp;
    return read_exact(m, low);
}

/* Folds the reading of one marking reference into out. */
static void read_one(const struct policy_marks *m, const json_t *ref,
                     struct policy_tlp_reading *out)
{
    const char *id = json_string_value(ref);
    bool standard = false;
    int r = policy_marking_read(m, id, &standard);

    if (r == POLICY_MARK_UNREADABLE) {
        if (out->unreadable[0] == '\0')
            policy_copy_str(out->unreadable, sizeof(out->unreadable),
                            id != NULL ? id : "(a marking reference that is not a string)");
    } else if (r == POLICY_MARK_STATEMENT) {
        if (out->statement[0] == '\0')
            policy_copy_str(out->statement, sizeof(out->statement), id);
    } else if (r > out->tlp) {
        out->tlp = r;
        out->standard = standard;
        policy_copy_str(out->marking, sizeof(out->marking), id);
    } else if (r == out->tlp && standard) {
        out->standard = true; /* a standard id carries the level too */
    }
}

void policy_tlp_read(const json_t *obj, const struct policy_marks *m,
                     struct policy_tlp_reading *out)
{
    const json_t *refs = json_object_get(obj, "object_marking_refs");
    const json_t *granular = json_object_get(obj, "granular_markings");
    const json_t *v;
    size_t i;

    /* Not a memset: the three id buffers are most of the struct and need only be "". */
    out->tlp = POLICY_TLP_NONE;
    out->standard = false;
    out->marking[0] = out->unreadable[0] = out->statement[0] = '\0';
    if (json_is_array(refs))
        json_array_foreach(refs, i, v) read_one(m, v, out);
    if (json_is_array(granular))
        json_array_foreach(granular, i, v)
        {
            /* A granular marking may also carry a "lang" instead of a marking_ref. */
            const json_t *ref = json_object_get(v, "marking_ref");
            if (ref != NULL)
                read_one(m, ref, out);
        }
}
