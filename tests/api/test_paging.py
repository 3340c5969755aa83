# SPDX-License-Identifier: Apache-2.0
"""Paging through 2500 objects: server limit 1000, next, added_after, client limits."""
import unittest

from harness import API_ROOT, TS6_RE, HubTestCase, indicator, ts_us

N = 2500


class TestPaging(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.c_big = cls.hub.collection_add("big", "all", "all")

    @classmethod
    def after_start(cls):
        cls.objects = [indicator(i) for i in range(N)]
        for start in range(0, N, 1000):
            cls.hub.post_complete(cls.c_big, cls.objects[start:start + 1000],
                                  cls.fx.power_contrib)
        cls.order = [o["id"] for o in cls.objects]

    def page(self, query, path="objects/"):
        st, hdrs, body = self.hub.req("GET", API_ROOT + "collections/%s/%s?%s"
                                      % (self.c_big, path, query), token=self.fx.rail_reader)
        self.assertEqual(st, 200, body)
        return hdrs, body

    def assertComplete(self, ids):
        """Every posted object exactly once (no repeats, no gaps)."""
        self.assertEqual(len(ids), len(set(ids)), "repeated objects across pages")
        self.assertEqual(set(ids), set(self.order))

    def walk(self, extra="", use_next=True, path="objects/", per_page=None):
        """Follows the pages; returns (list of ids in order, number of pages)."""
        ids, pages, cursor = [], 0, None
        while True:
            q = extra
            if cursor is not None:
                q += ("&" if q else "") + (("next=" if use_next else "added_after=") + cursor)
            hdrs, body = self.page(q, path)
            pages += 1
            objs = body.get("objects", [])
            if per_page is not None and body.get("more"):
                self.assertEqual(len(objs), per_page)
            ids.extend(o["id"] for o in objs)
            if objs:
                self.assertRegex(hdrs.get("X-TAXII-Date-Added-Last", ""), TS6_RE)
            if not body.get("more"):
                return ids, pages
            self.assertTrue(objs, "more=true with an empty page")
            cursor = body.get("next") if use_next else hdrs["X-TAXII-Date-Added-Last"]
            self.assertTrue(cursor, "more=true without next")
            self.assertLess(pages, 100, "paging does not end")

    def test_default_page_is_server_limit(self):
        hdrs, body = self.page("")
        self.assertEqual(len(body["objects"]), 1000)
        self.assertIs(body["more"], True)
        self.assertEqual(len({o["id"] for o in body["objects"]}), 1000)

    def test_next_pages_without_repeats_or_gaps(self):
        ids, pages = self.walk(per_page=1000)
        self.assertEqual(pages, 3)
        self.assertComplete(ids)

    def test_next_is_decimal_date_added(self):
        hdrs, body = self.page("limit=10")
        self.assertRegex(body["next"], r"^\d+$")
        self.assertEqual(int(body["next"]), ts_us(hdrs["X-TAXII-Date-Added-Last"]))

    def test_added_after_paging(self):
        ids, pages = self.walk("limit=700", use_next=False, per_page=700)
        self.assertEqual(pages, 4)
        self.assertComplete(ids)

    def test_small_client_limit_with_next(self):
        ids, pages = self.walk("limit=900", per_page=900)
        self.assertEqual(pages, 3)
        self.assertComplete(ids)

    def test_client_limit_above_server_limit_is_clamped(self):
        hdrs, body = self.page("limit=5000")
        self.assertEqual(len(body["objects"]), 1000)
        self.assertIs(body["more"], True)

    def test_manifest_pages(self):
        ids, pages = self.walk("limit=1000", path="manifest/")
        self.assertComplete(ids)

    def test_next_with_filters(self):
        wanted = self.order[10:15]
        ids, pages = self.walk("limit=2&match[id]=" + ",".join(wanted))
        self.assertEqual(sorted(ids), sorted(wanted))
        self.assertEqual(pages, 3)

    def test_last_page_has_no_more(self):
        hdrs, body = self.page("limit=1000")
        hdrs2, body2 = self.page("limit=1000&next=" + body["next"])
        hdrs3, body3 = self.page("limit=1000&next=" + body2["next"])
        self.assertEqual(len(body3["objects"]), 500)
        self.assertFalse(body3.get("more", False))


if __name__ == "__main__":
    unittest.main()
