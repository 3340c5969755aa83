# SPDX-License-Identifier: Apache-2.0
"""test_alert_config.py: subscriptions and watchlists (POST/GET/DELETE /api/v1/subscriptions
and /api/v1/watchlist), black box.

Any member token manages its own organisation's alerts, the coordinator another's with
?org=; a metrics token is refused, an anonymous request is 401, another organisation's id is
404. What is refused names what is wrong: not JSON, an unknown member, a webhook URL that is
neither https:// nor http:// to loopback, a webhook without its secret, a bad address, a bad
watchlist entry (by index and value; nothing of that POST is kept). Watchlist entries are
normalised as the observable index normalises values (defanged, any case); the secret is never
shown again; the watchlist shows the organisation's registered own identifiers.
"""
import os
import re
import unittest

from harness import JSON, HubTestCase

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
SECRET = "s3cret-for-tests"


class AlertConfigTest(HubTestCase):
    @classmethod
    def extra_setup(cls):
        hub, fx = cls.hub, cls.fx
        path = os.path.join(hub.tmp, "own-ids.txt")
        with open(path, "w", encoding="utf-8") as f:
            # a comment and a name are own identifiers too, but no watchlist entry: not listed
            f.write("# ours\nrail-own.example.jp\nname:JR Test\n203.0.113.0/24\n")
        hub.cli("org", "set", fx.rail, "--own-identifiers", path)
        fx.metrics = hub.token_create(fx.bank, "metrics")

    def api(self, method, path, token, body=None, raw=None):
        kw = {}
        if body is not None or raw is not None:
            kw = {"body": raw if raw is not None else body, "content_type": JSON}
        st, _, got = self.hub.req(method, path, token=token, accept=JSON, **kw)
        return st, got

    def ok(self, method, path, token, body=None, status=None):
        st, got = self.api(method, path, token, body)
        want = status or {"POST": 201, "DELETE": 204}.get(method, 200)
        self.assertEqual(st, want, "%s %s: %s" % (method, path, got))
        return got

    def refused(self, method, path, token, body=None, status=400, says=None, raw=None):
        st, got = self.api(method, path, token, body, raw=raw)
        self.assertEqual(st, status, "%s %s %r: %s" % (method, path, body, got))
        self.assertIsInstance(got, dict, got)
        if says is not None:
            self.assertIn(says, got.get("error", ""), got)
        return got

    def subs(self, token, query=""):
        return self.ok("GET", "/api/v1/subscriptions" + query, token)["subscriptions"]

    # ---- subscriptions -----------------------------------------------------------------

    def test_subscription_crud(self):
        tok = self.fx.gas_reader
        body = {"filter": {"types": ["indicator"]}, "label": "SOC feed",
                "webhook": {"url": "https://soc.example.jp/hook", "secret": SECRET},
                "email": {"to": ["SOC@Gas.Example.JP"]}}
        sid = self.ok("POST", "/api/v1/subscriptions", tok, body)["id"]
        self.assertRegex(sid, UUID_RE)
        stream_only = self.ok("POST", "/api/v1/subscriptions", tok, {"filter": {}})["id"]
        listed = {s["id"]: s for s in self.subs(tok)}
        self.assertIn(sid, listed)
        self.assertIn(stream_only, listed)
        got = listed[sid]
        self.assertEqual(got["webhook"], {"url": "https://soc.example.jp/hook"})
        self.assertEqual(got["filter"], {"types": ["indicator"]})
        self.assertEqual(got["label"], "SOC feed")
        self.assertEqual(len(got["email"]["to"]), 1)
        self.assertIn("@gas.example.jp", got["email"]["to"][0])
        self.assertEqual(got["delivery"]["dead"], 0)
        self.assertEqual(got["delivery"]["delivered"], 0)
        self.assertIn("created", got)
        # the secret is kept to sign with, never shown
        self.assertNotIn(SECRET, self.hub.last_raw.decode())
        # another organisation sees none of them and cannot delete them
        self.assertEqual([s for s in self.subs(self.fx.rail_reader) if s["id"] == sid], [])
        self.refused("DELETE", "/api/v1/subscriptions/" + sid, self.fx.rail_reader, status=404)
        self.ok("DELETE", "/api/v1/subscriptions/" + sid, self.fx.gas_contrib)
        self.assertNotIn(sid, [s["id"] for s in self.subs(tok)])
        self.refused("DELETE", "/api/v1/subscriptions/" + sid, tok, status=404)
        self.refused("DELETE", "/api/v1/subscriptions/not-an-id", tok, status=404)
        self.ok("DELETE", "/api/v1/subscriptions/" + stream_only, tok)

    def test_subscription_refusals(self):
        tok, path = self.fx.power_reader, "/api/v1/subscriptions"
        hook = {"url": "https://x.example/h", "secret": SECRET}
        self.refused("POST", path, tok, raw="{not json", says="not JSON")
        self.refused("POST", path, tok, raw="[1]", says="JSON object")
        self.refused("POST", path, tok, {"filtre": {}}, says="filtre")
        self.refused("POST", path, tok, {"filter": []}, says="filter")
        for url in ("ftp://x.example/h", "x.example/h", "https://", "https://u:p@x.example/",
                    "https://x.example:99999/", "https://x.exa mple/"):
            self.refused("POST", path, tok, {"webhook": {"url": url, "secret": SECRET}},
                         says="webhook.url")
        for url in ("http://x.example/h", "http://10.0.0.1/h", "http://[2001:db8::1]/h",
                    "http://localhost.example/h"):
            self.refused("POST", path, tok, {"webhook": {"url": url, "secret": SECRET}},
                         says="loopback")
        self.refused("POST", path, tok, {"webhook": {"url": hook["url"]}}, says="webhook.secret")
        self.refused("POST", path, tok, {"webhook": {"url": hook["url"], "secret": "short"}},
                     says="webhook.secret")
        self.refused("POST", path, tok, {"webhook": "https://x.example/h"}, says="webhook")
        self.refused("POST", path, tok, {"email": {"to": ["not an address"]}}, says="email.to[0]")
        self.refused("POST", path, tok, {"email": {"to": ["a@b.example", "x"]}},
                     says="email.to[1]")
        self.refused("POST", path, tok, {"email": ["a@b.example"]}, says="email")
        self.refused("POST", path, tok, {"label": 7}, says="label")
        self.assertEqual(self.subs(tok), [])  # nothing of it was kept
        for url in ("http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h",
                    "http://127.1.2.3/h", "HTTPS://Example.JP/x?y=1"):
            sid = self.ok("POST", path, tok, {"webhook": {"url": url, "secret": SECRET}})["id"]
            self.ok("DELETE", path + "/" + sid, tok)

    def test_who_may_manage(self):
        path = "/api/v1/subscriptions"
        self.refused("GET", path, None, status=401)
        self.refused("POST", path, None, {"filter": {}}, status=401)
        self.refused("GET", "/api/v1/watchlist", None, status=401)
        self.refused("GET", path, self.fx.metrics, status=403)
        self.refused("POST", "/api/v1/watchlist", self.fx.metrics, {"entries": ["a.jp"]},
                     status=403)
        # a member cannot name another organisation, whether or not it exists
        self.refused("GET", path + "?org=" + self.fx.gas, self.fx.power_reader, status=403)
        self.refused("GET", path + "?org=nobody", self.fx.power_reader, status=403)
        # but may name itself
        self.ok("GET", path + "?org=" + self.fx.power, self.fx.power_reader)
        # the coordinator acts on any organisation's with ?org=
        coord, bank = self.fx.coord, "?org=" + self.fx.bank
        sid = self.ok("POST", path + bank, coord, {"filter": {}, "label": "by coord"})["id"]
        self.assertIn(sid, [s["id"] for s in self.subs(self.fx.bank_contrib)])
        self.assertNotIn(sid, [s["id"] for s in self.subs(coord)])
        self.refused("DELETE", "%s/%s" % (path, sid), coord, status=404)  # not its own
        self.ok("DELETE", "%s/%s%s" % (path, sid, bank), coord)
        self.refused("GET", path + "?org=no-such-org", coord, status=404)
        wid = self.ok("POST", "/api/v1/watchlist?org=" + self.fx.org_ids[self.fx.bank], coord,
                      {"entries": ["bank.example.jp"]})["entries"][0]["id"]
        self.assertIn(wid, [e["id"] for e in
                            self.ok("GET", "/api/v1/watchlist", self.fx.bank_contrib)["entries"]])
        self.ok("DELETE", "/api/v1/watchlist/%s%s" % (wid, bank), coord)

    # ---- watchlists --------------------------------------------------------------------

    def test_watchlist_normalised(self):
        tok = self.fx.power_contrib
        entries = ["WWW.Example[.]JP.", "192.0.2.0/24", "198.51.100.7", "AS64500",
                   "@Mail.Example.JP", "cpe:2.3:a:Fortinet:FortiOS:7.0.1", "product:Ivanti Connect",
                   "2001:DB8::/32", " hxxp-free.example.jp "]
        got = self.ok("POST", "/api/v1/watchlist", tok, {"entries": entries})["entries"]
        self.assertEqual([e["entry"] for e in got], entries)
        for e in got:
            self.assertRegex(e["id"], UUID_RE)
        keys = [(e["type"], e["key"]) for e in got]
        self.assertEqual(keys, [
            ("domain", "domain:www.example.jp"), ("cidr4", "cidr4:192.0.2.0/24"),
            ("ipv4", "ipv4:198.51.100.7"), ("asn", "asn:AS64500"),
            ("email-domain", "email-domain:mail.example.jp"),
            ("product", "cpe:2.3:a:fortinet:fortios:7.0.1"),
            ("product", "product:ivanti connect"), ("cidr6", "cidr6:2001:db8::/32"),
            ("domain", "domain:hxxp-free.example.jp")])
        # the same key again is the same entry, not a second one
        again = self.ok("POST", "/api/v1/watchlist", tok,
                        {"entries": ["www.example.jp", "WWW.EXAMPLE.JP"]})
        self.assertEqual([e["id"] for e in again["entries"]], [got[0]["id"]] * 2)
        self.assertEqual(again["added"], 0)
        listed = self.ok("GET", "/api/v1/watchlist", self.fx.power_reader)
        self.assertEqual(sorted(e["id"] for e in listed["entries"]),
                         sorted(e["id"] for e in got))
        self.assertEqual(listed["own_identifiers"], [])
        # other organisations see none of it and cannot delete it
        other = self.ok("GET", "/api/v1/watchlist", self.fx.gas_reader)["entries"]
        self.assertEqual(other, [])
        self.refused("DELETE", "/api/v1/watchlist/" + got[0]["id"], self.fx.gas_reader,
                     status=404)
        for e in got:
            self.ok("DELETE", "/api/v1/watchlist/" + e["id"], tok)
        self.assertEqual(self.ok("GET", "/api/v1/watchlist", tok)["entries"], [])
        self.refused("DELETE", "/api/v1/watchlist/" + got[0]["id"], tok, status=404)

    def test_watchlist_refusals(self):
        tok, path = self.fx.gas_contrib, "/api/v1/watchlist"
        self.refused("POST", path, tok, raw="nope", says="not JSON")
        self.refused("POST", path, tok, {}, says="entries")
        self.refused("POST", path, tok, {"entries": []}, says="entries")
        self.refused("POST", path, tok, {"entries": "a.jp"}, says="entries")
        self.refused("POST", path, tok, {"entries": ["a.jp"], "x": 1}, says="x")
        for i, bad in ((1, "exa mple"), (2, "http://a.example/x"), (1, "999.1.1.1"),
                       (1, "cpe:2.3:a"), (1, "product:"), (2, "44d88612fea8a8f36de82e1278abb02f"),
                       (1, "@not a domain"), (1, "")):
            entries = ["ok.example.jp", "ok2.example.jp"][:i] + [bad]
            got = self.refused("POST", path, tok, {"entries": entries})
            self.assertIn("entries[%d]" % i, got["error"])
            if bad:
                self.assertIn(bad.strip(), got["error"])
        self.refused("POST", path, tok, {"entries": ["a.jp", 7]}, says="entries[1]")
        self.refused("POST", path, tok, {"entries": ["x%d.example.jp" % i for i in range(1001)]},
                     says="1000")
        # all or nothing: the good entries before the bad one were not kept
        self.assertEqual(self.ok("GET", path, tok)["entries"], [])

    def test_watchlist_shows_own_identifiers(self):
        got = self.ok("GET", "/api/v1/watchlist", self.fx.rail_reader)
        self.assertEqual(got["own_identifiers"], ["rail-own.example.jp", "203.0.113.0/24"])
        self.assertEqual(self.ok("GET", "/api/v1/watchlist", self.fx.gas_reader)
                         ["own_identifiers"], [])

    def test_changes_are_audited(self):
        tok = self.fx.rail_contrib
        sid = self.ok("POST", "/api/v1/subscriptions", tok, {"filter": {}})["id"]
        self.ok("DELETE", "/api/v1/subscriptions/" + sid, tok)
        got = self.ok("GET", "/api/v1/audit?limit=10000", self.fx.coord)
        mine = [e for e in got["entries"] if e["action"] == "alert-config" and sid in
                str(e.get("detail"))]
        self.assertEqual(len(mine), 2, mine)


class AlertCliTest(HubTestCase):
    """`renkei alert` subscribe, subscriptions, unsubscribe, watch, watchlist, unwatch: the same
    routes through the command line, with --json and for people."""

    def alert(self, *args, expect=0, token=None):
        tok = token or self.fx.gas_reader
        return self.hub.cli("alert", args[0], self.hub.url(), "--token", tok, *args[1:],
                            data=False, expect=expect)

    def test_watch_list_unwatch(self):
        got = self.alert("watch", "Example[.]JP", "192.0.2.0/24", "AS64500")
        self.assertEqual([e["key"] for e in got["entries"]],
                         ["domain:example.jp", "cidr4:192.0.2.0/24", "asn:AS64500"])
        listed = self.alert("watchlist")
        self.assertEqual(len(listed["entries"]), 3)
        self.assertEqual(listed["own_identifiers"], [])
        p = self.hub.run_cli("alert", "watchlist", self.hub.url(), "--token", self.fx.gas_reader,
                             data=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("domain:example.jp", p.stdout)
        bad = self.alert("watch", "ok.example.jp", "exa mple", expect=1)
        self.assertIn("entries[1]", bad["error"])
        for e in got["entries"]:
            self.assertEqual(self.alert("unwatch", e["id"])["deleted"], True)
        self.assertEqual(self.alert("watchlist")["entries"], [])
        self.assertIn("404", self.alert("unwatch", got["entries"][0]["id"], expect=1)["error"])

    def test_subscribe_list_unsubscribe(self):
        got = self.alert("subscribe", "--webhook", "https://soc.example.jp/h", "--secret",
                         "0123456789abcdef", "--email", "soc@example.jp", "--email",
                         "duty@example.jp", "--filter", '{"types": ["indicator"]}',
                         "--label", "cli")
        sid = got["id"]
        subs = self.alert("subscriptions")["subscriptions"]
        mine = [s for s in subs if s["id"] == sid][0]
        self.assertEqual(mine["webhook"], {"url": "https://soc.example.jp/h"})
        self.assertEqual(len(mine["email"]["to"]), 2)
        self.assertEqual(mine["label"], "cli")
        p = self.hub.run_cli("alert", "subscriptions", self.hub.url(), "--token",
                             self.fx.gas_reader, data=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(sid, p.stdout)
        self.assertNotIn("0123456789abcdef", p.stdout)
        self.alert("unsubscribe", sid)
        self.assertNotIn(sid, [s["id"] for s in self.alert("subscriptions")["subscriptions"]])
        # the hub's refusal is shown; a usage problem is exit 2
        bad = self.alert("subscribe", "--webhook", "http://example.jp/h", "--secret", "x" * 16,
                         expect=1)
        self.assertIn("loopback", bad["error"])
        p = self.hub.run_cli("alert", "subscribe", self.hub.url(), "--webhook", "https://a.jp/",
                             data=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        p = self.hub.run_cli("alert", "watch", self.hub.url(), "--secret", "x", "a.jp",
                             data=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        p = self.hub.run_cli("alert", "nonsense", data=False)
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_coordinator_with_org(self):
        got = self.alert("watch", "coord-set.example.jp", "--org", self.fx.rail,
                         token=self.fx.coord)
        wid = got["entries"][0]["id"]
        self.assertIn(wid, [e["id"] for e in self.alert("watchlist",
                                                        token=self.fx.rail_reader)["entries"]])
        self.alert("unwatch", wid, "--org", self.fx.rail, token=self.fx.coord)


class AlertLimitsTest(HubTestCase):
    def test_watchlist_limit_per_organisation(self):
        tok, path = self.fx.bank_contrib, "/api/v1/watchlist"
        for k in range(10):
            st, _, got = self.hub.req("POST", path, token=tok, accept=JSON, content_type=JSON,
                                      body={"entries": ["h%d-%d.example.jp" % (k, i)
                                                        for i in range(1000)]})
            self.assertEqual(st, 201, got)
        st, _, got = self.hub.req("POST", path, token=tok, accept=JSON, content_type=JSON,
                                  body={"entries": ["one-more.example.jp"]})
        self.assertEqual(st, 409, got)
        self.assertIn("10000", got["error"])
        self.assertTrue(re.search(r"limit", got["error"]))

    def test_subscription_limit_per_organisation(self):
        tok, path = self.fx.rail_contrib, "/api/v1/subscriptions"
        for i in range(1000):
            st, _, got = self.hub.req("POST", path, token=tok, accept=JSON, content_type=JSON,
                                      body={"label": "n%d" % i})
            self.assertEqual(st, 201, got)
        st, _, got = self.hub.req("POST", path, token=tok, accept=JSON, content_type=JSON,
                                  body={"label": "one more"})
        self.assertEqual(st, 409, got)
        self.assertIn("1000", got["error"])
        # another organisation is not concerned
        st, _, got = self.hub.req("POST", path, token=self.fx.gas_contrib, accept=JSON,
                                  content_type=JSON, body={})
        self.assertEqual(st, 201, got)


if __name__ == "__main__":
    unittest.main()
