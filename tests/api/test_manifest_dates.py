# SPDX-License-Identifier: Apache-2.0
"""Manifest timestamps, black box: read.c writes a page's date_added and version values
through a memo of the last second and form formatted (only the fraction is rewritten), so
each entry is checked against what the server formats on its own, one entry per page: the
X-TAXII-Date-Added-First/Last headers (date_added) and the object's own modified (version,
written exactly as the object writes it). Objects are posted in envelopes of several, so
that many share their second of date_added, with versions that share seconds in different
forms, cross them and fall on a whole second.
"""
import unittest

from harness import API_ROOT, HubTestCase, indicator


class TestManifestDates(HubTestCase):
    def test_every_entry_matches_the_plain_formatter(self):
        mods = ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000001Z",
                "2024-01-01T00:00:00.999999Z", "2024-01-01T00:00:01.000Z",
                "2024-01-01T00:00:01.500Z", "2024-01-01T00:00:01.5000Z",
                "2024-01-01T00:00:01.123456789Z", "2024-01-01T00:00:01.123456780Z",
                "2024-01-01T00:00:59.999999Z", "2024-01-01T00:00:00.000001Z",
                "2099-12-31T23:59:59.123456Z"]
        posted = {}
        for batch in range(3):
            objs = [indicator(batch * 10 + i, modified=m) for i, m in enumerate(mods)]
            self.hub.post_complete(self.fx.c_all, objs, self.fx.power_contrib)
            posted.update({o["id"]: o["modified"] for o in objs})
        paged, nxt = {}, None
        for _ in range(1000):
            q = "limit=1" + ("&next=%s" % nxt if nxt else "")
            st, hdrs, body = self.hub.req("GET", "%scollections/%s/manifest/?%s" % (
                API_ROOT, self.fx.c_all, q), token=self.fx.power_reader)
            self.assertEqual(st, 200, body)
            (entry,) = body["objects"]
            self.assertEqual(entry["date_added"], hdrs.get("X-TAXII-Date-Added-First"))
            self.assertEqual(entry["date_added"], hdrs.get("X-TAXII-Date-Added-Last"))
            paged[entry["id"]] = (entry["date_added"], entry["version"])
            if not body.get("more"):
                break
            nxt = body["next"]
        for oid, mod in posted.items():
            self.assertEqual(paged[oid][1], mod, oid)
        # The same entries on one page, where the memo carries from row to row.
        st, _, body = self.hub.req("GET", "%scollections/%s/manifest/?limit=1000" % (
            API_ROOT, self.fx.c_all), token=self.fx.power_reader)
        self.assertEqual(st, 200, body)
        one = {e["id"]: (e["date_added"], e["version"]) for e in body["objects"]}
        self.assertEqual(one, paged)
        added = [e["date_added"] for e in body["objects"]]
        self.assertEqual(added, sorted(added))
        self.assertEqual(len(set(added)), len(added))


if __name__ == "__main__":
    unittest.main()
