# SPDX-License-Identifier: Apache-2.0
"""Credit must not tell a member what it may not see, black box.

A member learns how others used its data from GET /api/v1/credit. Attacks that must fail:
reading a sighting it cannot read (RED, not for it) as "sightings_by_others: 1"; reading a
copy of its object posted into a collection it cannot read as a correlation; reading an
exact count, or the points it earned, when fewer than k organisations are behind it (one
sighting by the only organisation that could see the object names that organisation). The
coordinator's view (?org= with its token, and `renkei credit show`) stays exact, and
`renkei credit show --member-view` prints what the member gets.

Standard fixture, plus one source organisation per test (finance, named) so that each test
reads a ledger of its own; the sighters are jr (railways), tokyo-gas (gas) and tepco (power).
A second class runs with sector_k 2, so that two organisations are enough to be shown.
"""
import unittest
import uuid

from harness import JSON, HubTestCase
from sharing_world import TLP2

TS = "2025-03-01T00:00:00.000Z"
FEWER = "fewer than k"


def sdo(typ, tlp="green", **props):
    o = {"type": typ, "spec_version": "2.1", "id": "%s--%s" % (typ, uuid.uuid4()),
         "created": TS, "modified": TS, "object_marking_refs": [TLP2[tlp]]}
    o.update(props)
    return o


def indicator():
    return sdo("indicator", name="watched", pattern_type="stix",
               pattern="[ipv4-addr:value = '198.51.100.%d']" % (uuid.uuid4().int % 250),
               valid_from="2025-03-01T00:00:00Z")


class CreditCase(HubTestCase):
    SOURCES = ()

    @classmethod
    def extra_setup(cls):
        cls.src = {}
        for name in cls.SOURCES:
            cls.hub.org_add(name, "finance")
            cls.src[name] = cls.hub.token_create(name, "contributor")
        cls.c_copies = cls.hub.collection_add("Copies", "all", "all")

    def post(self, cid, objs, token):
        final = self.post_ok(cid, objs, token)
        self.assertEqual(final.get("success_count"), len(objs), final)

    def credit(self, token, org=None):
        path = "/api/v1/credit" + ("?org=%s" % org if org else "")
        st, _, body = self.hub.req("GET", path, token=token, accept=JSON)
        self.assertEqual(st, 200, body)
        return body

    def contribute(self, source):
        x = indicator()
        self.post(self.fx.c_all, [x], self.src[source])
        return x

    def sight(self, x, token, tlp="green", cid=None):
        s = sdo("sighting", tlp=tlp, sighting_of_ref=x["id"])
        self.post(cid or self.fx.c_all, [s], token)
        return s


class TestAttackCredit(CreditCase):
    SOURCES = ("src-hidden", "src-single", "src-copied", "src-cli")

    def test_sighting_the_source_cannot_read_is_not_counted(self):
        x = self.contribute("src-hidden")
        self.sight(x, self.fx.rail_contrib, tlp="red")  # RED, no recipients: jr's alone
        got = self.credit(self.src["src-hidden"])
        self.assertEqual(got["sightings_by_others"], 0,
                         "a RED sighting the source cannot read was counted: %r" % got)
        self.assertEqual(got["points"], 1, "the hidden sighting's points were shown: %r" % got)
        self.assertEqual(got["used_by"]["organisations"], 0)
        self.assertEqual(got.get("view"), "member")
        exact = self.credit(self.fx.coord, "src-hidden")
        self.assertEqual(exact["sightings_by_others"], 1)
        self.assertEqual(exact["points"], 1 + 5)
        self.assertEqual(exact["used_by"]["organisations"], 1)
        self.assertEqual(exact.get("view"), "coordinator")

    def test_one_organisation_behind_a_count_is_not_singled_out(self):
        # Only jr can see x (AMBER+STRICT, jr named as recipient): a sighting count of 1
        # would say that jr sighted it. The sighting itself is readable by the source.
        x = dict(indicator(), object_marking_refs=[TLP2["amber+strict"]],
                 x_renkei_recipients=["jr-test"])
        self.post(self.fx.c_all, [x], self.src["src-single"])
        self.sight(x, self.fx.rail_contrib)
        got = self.credit(self.src["src-single"])
        self.assertEqual(got["sightings_by_others"], FEWER, got)
        self.assertEqual(got["used_by"]["organisations"], FEWER, got)
        self.assertEqual(got["used_by"]["sectors"], FEWER, got)
        self.assertEqual(got["points"], 1, "points tell the hidden count: %r" % got)
        self.assertEqual(self.credit(self.fx.coord, "src-single")["sightings_by_others"], 1)

    def test_copy_in_a_collection_the_source_cannot_read_is_not_counted(self):
        x = self.contribute("src-copied")
        self.post(self.fx.c_power, [x], self.fx.power_contrib)  # read by tepco only
        got = self.credit(self.src["src-copied"])
        self.assertEqual(got["correlations_by_others"], 0,
                         "a copy in a collection the source cannot read was counted: %r" % got)
        self.assertEqual(got["points"], 1)
        self.assertEqual(self.credit(self.fx.coord, "src-copied")["correlations_by_others"], 1)

    def test_cli_coordinator_view_exact_member_view_as_the_api(self):
        x = self.contribute("src-cli")
        self.sight(x, self.fx.gas_contrib)
        self.sight(x, self.fx.rail_contrib, tlp="red")
        exact = self.hub.cli("credit", "show", "--org", "src-cli")
        self.assertEqual(exact["sightings_by_others"], 2)
        self.assertEqual(exact["points"], 1 + 2 * 5)
        self.assertEqual(exact.get("view"), "coordinator")
        member = self.hub.cli("credit", "show", "--org", "src-cli", "--member-view")
        self.assertEqual(member, self.credit(self.src["src-cli"]))
        self.assertEqual(member["sightings_by_others"], FEWER)


class TestAttackCreditSmallK(CreditCase):
    """With sector_k 2, two organisations behind a count are enough to show it exactly; a
    sighting the source cannot read still does not count."""
    SOURCES = ("src-k",)

    @classmethod
    def extra_setup(cls):
        super().extra_setup()
        cls.hub.cli("policy", "set", "--sector-k", "2")

    def test_counts_shown_from_k_organisations_on(self):
        x = self.contribute("src-k")
        self.sight(x, self.fx.rail_contrib)
        self.sight(x, self.fx.gas_contrib)
        self.sight(x, self.fx.power_contrib, tlp="red")  # not for the source
        self.post(self.c_copies, [x], self.fx.gas_contrib)  # a correlation, by one org
        got = self.credit(self.src["src-k"])
        self.assertEqual(got["sightings_by_others"], 2, got)
        self.assertEqual(got["correlations_by_others"], FEWER, got)
        self.assertEqual(got["points"], 1 + 2 * 5, got)
        self.assertEqual(got["used_by"], {"organisations": 2, "sectors": 2}, got)
        exact = self.credit(self.fx.coord, "src-k")
        self.assertEqual(exact["sightings_by_others"], 3)
        self.assertEqual(exact["correlations_by_others"], 1)
        self.assertEqual(exact["points"], 1 + 3 * 5 + 2)


if __name__ == "__main__":
    unittest.main()
