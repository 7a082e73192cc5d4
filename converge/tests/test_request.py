"""The request as the bastion reads it: parse_request holds the header and every part to the request
schema (contract/request.schema.json) before it builds a Request. An incomplete request (a part
missing or of another deploy) is a RequestError, read again; a request the schema refuses is an
InvalidRequest naming the field, which fails the run at once."""
import json
import unittest

from k8slab_converge import aws, contract
from k8slab_converge.model import ROLES, InvalidRequest, RequestError, parse_request
from lab import ADDON_SWITCHES, DEFAULTS, group_vars, render_request, with_group_vars

ID = "0123456789ab"
SIGNAL = "https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/example?X-Amz-Signature=0a1b"
NODES = {"cp-1": ("control-plane", "i-0123456789abcdef0"), "worker-1": ("worker", "i-0123456789abcdef1"),
         "worker-2": ("worker", "i-89abcdef")}


def texts(nodes=None, **settings):
    """A valid request, as lab.py writes it (held to the schema there)."""
    return render_request(ID, SIGNAL, nodes or NODES, with_group_vars(dict(DEFAULTS, **settings)))


def changed(text, change):
    """The JSON text after change(document): a request the app would not write."""
    document = json.loads(text)
    change(document)
    return json.dumps(document)


class ValidRequests(unittest.TestCase):
    def test_a_valid_request_parses(self):
        header, parts = texts(maxSurge=2, forks=9, addons=["helm", "metricsServer"])
        r = parse_request(header, parts)
        self.assertEqual((ID, SIGNAL, "v2.31.0", "1.35.4", 2, 9), (r.id, r.signal, r.kubespray, r.kubernetes, r.max_surge, r.forks))
        self.assertEqual([("cp-1", "control-plane", "i-0123456789abcdef0"), ("worker-1", "worker", "i-0123456789abcdef1"),
                          ("worker-2", "worker", "i-89abcdef")], [(n.name, n.role, n.instance_id) for n in r.nodes])
        self.assertEqual(("helm", "metricsServer"), r.addons)
        self.assertEqual(json.loads(header)["settings"]["groupVars"], r.group_vars)

    def test_parts_join_into_one_node_set(self):
        nodes = dict(NODES, **{f"worker-{i}": ("worker", f"i-{i:017x}") for i in range(1, 301)})
        header, parts = texts(nodes)
        self.assertGreater(len(parts), 1, "300 workers take more than one 4 KB part")
        self.assertEqual([(name, role, instance) for name, (role, instance) in nodes.items()],
                         [(n.name, n.role, n.instance_id) for n in parse_request(header, parts).nodes])

    def test_the_kubernetes_settings(self):
        settings = dict(networkPlugin="cilium", kubernetes="1.34.6", podCidr="10.100.0.0/16", serviceCidr="10.101.0.0/18",
                        nodePrefix=25, addons=["metricsServer", "helm"], allowRebuild=True)
        r = parse_request(*texts(**settings))
        self.assertEqual(("cilium", "10.101.0.0/18", ("helm", "metricsServer"), True), (r.network_plugin, r.service_cidr, r.addons, r.allow_rebuild))
        self.assertEqual(group_vars("1.34.6", "cilium", ("helm", "metricsServer"), "10.100.0.0/16", "10.101.0.0/18", 25), r.group_vars)
        self.assertEqual({"networkPlugin": "cilium", "podCidr": "10.100.0.0/16", "serviceCidr": "10.101.0.0/18", "nodePrefix": "25"}, r.network)

    def test_the_snapshot_settings(self):
        r = parse_request(*texts(snapshotBucket="k8slab-prod-security-snapshotbucket1-abc", snapshotHours=24, snapshotDays=365))
        self.assertEqual(("k8slab-prod-security-snapshotbucket1-abc", 24, 365), (r.snapshot_bucket, r.snapshot_hours, r.snapshot_days))


class Versions(unittest.TestCase):
    def test_the_version_is_the_schemas_and_lab_py_writes_it(self):
        self.assertEqual(2, contract.schema_version())
        self.assertEqual(2, json.loads(texts()[0])["schemaVersion"])

    def test_a_newer_request_is_refused_naming_both_versions(self):
        header, parts = texts()
        with self.assertRaisesRegex(InvalidRequest, "^the request is schema version 3, this bastion reads version 2: "
                                                    "deploy the Bastion stack first"):
            parse_request(changed(header, lambda h: h.update(schemaVersion=3, newField=True)), parts)

    def test_an_older_request_is_refused_naming_both_versions(self):
        header, parts = texts()
        with self.assertRaisesRegex(InvalidRequest, "the request is schema version 0, this bastion reads version 2: deploy the Nodes stack"):
            parse_request(changed(header, lambda h: h.update(schemaVersion=0)), parts)
        with self.assertRaisesRegex(InvalidRequest, "the request is schema version none, this bastion reads version 2: deploy the Nodes stack"):
            parse_request(changed(header, lambda h: h.pop("schemaVersion")), parts)

    def test_a_version_of_another_type_is_a_schema_problem(self):
        header, parts = texts()
        with self.assertRaisesRegex(InvalidRequest, r"header is invalid: \$\.schemaVersion: '1' is not of type 'integer'"):
            parse_request(changed(header, lambda h: h.update(schemaVersion="1")), parts)


class InvalidRequests(unittest.TestCase):
    """Each refusal names the document, the field's JSON path and the problem."""

    def refused(self, pattern, header_change=None, part_change=None):
        header, parts = texts()
        if header_change:
            header = changed(header, header_change)
        if part_change:
            parts = [changed(parts[0], part_change)] + parts[1:]
        with self.assertRaises(InvalidRequest) as caught:
            parse_request(header, parts)
        self.assertRegex(str(caught.exception), pattern)
        self.assertNotIsInstance(caught.exception, RequestError, "an invalid request is not read again")

    def test_an_unknown_settings_key(self):
        self.refused(r"^the request's header is invalid: \$\.settings: Additional properties are not allowed \('maxSurges' was unexpected\)$",
                     lambda h: h["settings"].update(maxSurges=2))

    def test_an_unknown_header_key(self):
        self.refused(r"header is invalid: \$: Additional properties are not allowed \('extra' was unexpected\)",
                     lambda h: h.update(extra=1))

    def test_a_missing_setting(self):
        self.refused(r"header is invalid: \$\.settings: 'drainSeconds' is a required property", lambda h: h["settings"].pop("drainSeconds"))

    def test_a_setting_of_the_wrong_type_or_out_of_bounds(self):
        self.refused(r"\$\.settings\.maxSurge: '2' is not of type 'integer'", lambda h: h["settings"].update(maxSurge="2"))
        self.refused(r"\$\.settings\.drainSeconds: 3601 is greater than the maximum of 3600", lambda h: h["settings"].update(drainSeconds=3601))
        self.refused(r"\$\.settings\.networkPlugin: 'weave' is not one of", lambda h: h["settings"].update(networkPlugin="weave"))
        self.refused(r"\$\.settings\.groupVars\.kube_version: \['1'\] is not of type 'string'",
                     lambda h: h["settings"]["groupVars"].update(kube_version=["1"]))

    def test_snapshot_settings_out_of_bounds_or_missing(self):
        self.refused(r"\$\.settings\.snapshotHours: 25 is greater than the maximum of 24", lambda h: h["settings"].update(snapshotHours=25))
        self.refused(r"\$\.settings\.snapshotDays: 0 is less than the minimum of 1", lambda h: h["settings"].update(snapshotDays=0))
        self.refused(r"\$\.settings\.snapshotBucket: 'Snapshots_Of_The_Lab' does not match",
                     lambda h: h["settings"].update(snapshotBucket="Snapshots_Of_The_Lab"))
        self.refused(r"\$\.settings\.snapshotBucket: 64 characters, more than the 63 allowed",
                     lambda h: h["settings"].update(snapshotBucket="a" * 64))
        self.refused(r"header is invalid: \$\.settings: 'snapshotBucket' is a required property", lambda h: h["settings"].pop("snapshotBucket"))

    def test_a_group_variable_the_app_does_not_write_is_refused_by_its_name(self):
        # ansible reads connection variables from group_vars too: this one would run a command on the bastion.
        self.refused(r"\$\.settings\.groupVars: 'ansible_ssh_common_args' is not one of the 21 names allowed there",
                     lambda h: h["settings"]["groupVars"].update(ansible_ssh_common_args="-o ProxyCommand='sh -c id'"))
        # Only the names GroupVars.cs renders: another of kubespray's own variables is refused as well.
        self.refused(r"\$\.settings\.groupVars: 'kube_proxy_mode' is not one of the 21 names allowed there",
                     lambda h: h["settings"]["groupVars"].update(kube_proxy_mode="ipvs"))

    def test_a_template_in_a_group_variable(self):
        # ansible templates strings from group_vars, and a lookup runs on the bastion: no string is free.
        template = "{{ lookup('pipe', 'id') }}"
        self.refused(r"^the request's header is invalid: \$\.settings\.groupVars\.calico_network_backend: 'vxlan' was expected$",
                     lambda h: h["settings"]["groupVars"].update(calico_network_backend=template))
        self.refused(r"\$\.settings\.groupVars\.kube_version: .* does not match",
                     lambda h: h["settings"]["groupVars"].update(kube_version=template))
        self.refused(r"\$\.settings\.groupVars\.kube_pods_subnet: .* does not match",
                     lambda h: h["settings"]["groupVars"].update(kube_pods_subnet=template))

    def test_more_group_variables_than_one_rendering_has(self):
        self.refused(r"^the request's header is invalid: \$\.settings\.groupVars: 19 properties, more than the 15 allowed$",
                     lambda h: h["settings"]["groupVars"].update(group_vars(plugin="cilium")))

    def test_a_string_past_its_bound_is_refused_by_its_length(self):
        self.refused(r"^the request's header is invalid: \$\.settings\.kubernetes: 25 characters, more than the 14 allowed",
                     lambda h: h["settings"].update(kubernetes="1.35." + "4" * 20))
        self.refused(r"\$\.settings\.kubespray: 16 characters, more than the 15 allowed",
                     lambda h: h["settings"].update(kubespray="v10000.0.0000000"))
        self.refused(r"\$\.settings\.podCidr: 18 characters, more than the 16 allowed",
                     lambda h: h["settings"].update(podCidr="255.255.255.255/24"))

    def test_a_signal_that_is_not_https(self):
        self.refused(r"\$\.signal: 'http://example' does not match", lambda h: h.update(signal="http://example"))

    def test_a_bad_node_name(self):
        self.refused(r"^the request's part 1 is invalid: \$\.worker: 'worker-0' does not match any of the regexes",
                     part_change=lambda p: p["worker"].update({"worker-0": "i-0123456789abcdef2"}))
        self.refused(r"part 1 is invalid: \$\.control-plane: 'worker-9' does not match any of the regexes: '\^cp-\[1-7\]\$'",
                     part_change=lambda p: p["control-plane"].update({"worker-9": "i-0123456789abcdef2"}))

    def test_a_node_or_instance_named_in_two_parts(self):
        # Each part passes the schema alone; the bastion sees the whole request.
        nodes = dict(NODES, **{f"worker-{i}": ("worker", f"i-{i:017x}") for i in range(3, 301)})
        header, parts = texts(nodes)
        twice = changed(parts[-1], lambda p: p["worker"].update({"worker-1": "i-0123456789abcdef9"}))
        with self.assertRaisesRegex(InvalidRequest, f"^the request names worker-1 twice: for worker-1 in part 1 and for worker-1 in part {len(parts)}$"):
            parse_request(header, parts[:-1] + [twice])
        shared = changed(parts[-1], lambda p: p["worker"].update({"worker-999": "i-0123456789abcdef1"}))
        with self.assertRaisesRegex(InvalidRequest, f"^the request names i-0123456789abcdef1 twice: for worker-1 in part 1 and for worker-999 in part {len(parts)}$"):
            parse_request(header, parts[:-1] + [shared])

    def test_a_bad_instance_id(self):
        self.refused(r"^the request's part 1 is invalid: \$\.control-plane\.cp-1: 'i-1' does not match",
                     part_change=lambda p: p["control-plane"].update({"cp-1": "i-1"}))

    def test_an_unknown_role(self):
        self.refused(r"part 1 is invalid: \$: Additional properties are not allowed \('bastion' was unexpected\)",
                     part_change=lambda p: p.update(bastion={"bastion": "i-0123456789abcdef2"}))

    def test_problems_are_listed_in_document_order(self):
        self.refused(r"\$\.id: .*; \$\.settings\.forks: .*; \$\.signal: ",
                     lambda h: (h.update(id="abc", signal="ftp://x"), h["settings"].update(forks=4)))

    def test_group_vars_that_disagree_with_the_settings(self):
        self.refused(r"groupVars disagree with its settings: kube_version '1.34.6' \(settings: '1.35.4'\)",
                     lambda h: h["settings"].update(groupVars=group_vars("1.34.6")))


class IncompleteRequests(unittest.TestCase):
    """CloudFormation writes the parts, then the header: until then, a read is retried."""

    def test_a_part_of_another_deploy(self):
        header, parts = texts()
        with self.assertRaisesRegex(RequestError, "part 1 belongs to request 0123456789ac, not 0123456789ab"):
            parse_request(header, [changed(parts[0], lambda p: p.update(id="0123456789ac"))])

    def test_a_part_not_yet_written(self):
        header, _ = texts()
        with self.assertRaisesRegex(RequestError, "not JSON"):
            parse_request(header, [""])

    def test_fewer_parts_than_the_header_says(self):
        header, parts = texts()
        with self.assertRaisesRegex(RequestError, "the request has 2 parts, 1 were read"):
            parse_request(changed(header, lambda h: h.update(parts=2)), parts)


class TheSchema(unittest.TestCase):
    def test_its_role_keys_are_lab_jsons_role_tags_and_the_programs(self):
        part = contract.request_schema()["$defs"]["part"]["properties"]
        roles = contract.facts()["roles"]
        self.assertEqual({roles["controlPlane"]["tag"], roles["worker"]["tag"]}, set(part) - {"id"})
        self.assertEqual(set(ROLES), set(part) - {"id"})
        for key in ("controlPlane", "worker"):
            (pattern,) = part[roles[key]["tag"]]["patternProperties"]
            self.assertTrue(pattern.startswith("^" + roles[key]["namePrefix"]), pattern)

    def test_its_group_variable_names_are_every_rendering_of_lab_pys_copy_of_group_vars(self):
        # The C# tests hold the names to GroupVars.cs itself, and lab.py's copy to GroupVars.cs.
        settings = contract.request_schema()["$defs"]["settings"]["properties"]
        names = settings["groupVars"]["propertyNames"]["enum"]
        addon_sets = [[a for i, a in enumerate(ADDON_SWITCHES) if mask >> i & 1] for mask in range(1 << len(ADDON_SWITCHES))]
        renderings = [group_vars(plugin=plugin, addons=addons) for plugin in settings["networkPlugin"]["enum"] for addons in addon_sets]
        self.assertEqual(sorted(names), sorted({name for r in renderings for name in r}))
        self.assertEqual(sorted(names), sorted(settings["groupVars"]["properties"]))
        self.assertEqual(max(len(r) for r in renderings), settings["groupVars"]["maxProperties"])
        header = json.loads(texts()[0])
        for r in renderings:
            header["settings"]["groupVars"] = r
            self.assertEqual([], contract.request_problems("header", header))

    def test_the_reader_reads_no_more_parts_than_it_allows(self):
        self.assertEqual(aws.MAX_PARTS, contract.request_schema()["$defs"]["header"]["properties"]["parts"]["maximum"])

    def test_it_is_a_valid_draft_2020_12_schema(self):
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(contract.request_schema())
        self.assertEqual("https://json-schema.org/draft/2020-12/schema", contract.request_schema()["$schema"])


class SignalUrl(unittest.TestCase):
    def test_only_the_regions_wait_condition_hosts(self):
        hosts = aws.signal_hosts("eu-west-1")
        for url in ("https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/arn%3Aaws%3Acloudformation?X=1",
                    "https://cloudformation-waitcondition-eu-west-1.s3-eu-west-1.amazonaws.com/a",
                    "https://cloudformation-waitcondition-eu-west-1.s3.amazonaws.com/a"):
            self.assertTrue(aws.signal_allowed(url, hosts), url)
        for url in ("https://attacker.example/a", "http://cloudformation-waitcondition-eu-west-1.s3.amazonaws.com/a",
                    "https://cloudformation-waitcondition-eu-west-1.s3.amazonaws.com.attacker.example/a",
                    "https://x@cloudformation-waitcondition-eu-west-1.s3.amazonaws.com/a",
                    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/a"):
            self.assertFalse(aws.signal_allowed(url, hosts), url)
        self.assertTrue(aws.signal_hosts("cn-north-1")[0].endswith(".amazonaws.com.cn"))


if __name__ == "__main__":
    unittest.main()
