"""The AWS side: the request from SSM, the lab's instances from EC2, the wait condition's signal.
botocore is the AWS CLI's own library (the bastion's AWS CLI venv has it); its standard retry mode
retries throttling and transient errors with backoff."""
import json
import time
import urllib.parse
import urllib.request
from typing import Dict, List, Optional, Sequence, Tuple

from . import contract
from .model import ROLES, Instance

RETRIES = {"mode": "standard", "max_attempts": 10}
# The most parts a request has (the schema's maximum of the header's parts; test_request holds the
# two equal): here as a number, so a bastion without the schema file still reads and fails loudly.
MAX_PARTS = 20


def client(service: str, region: str):
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(service, region_name=region, config=Config(retries=RETRIES))


def read_request(ssm, name: str) -> Optional[Tuple[int, str, List[str]]]:
    """(header version, header text, part texts), or None when no Nodes stack has written one.
    A part that is missing comes back as "" (CloudFormation may be writing it)."""
    try:
        header = ssm.get_parameter(Name=name)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return None
    try:
        count = int(json.loads(header["Value"]).get("parts", 0))
    except (ValueError, TypeError, AttributeError):
        count = 0  # parse_request says what is wrong with the header
    count = max(0, min(count, MAX_PARTS))  # never more reads than a valid header has parts
    names = [f"{name}-{i}" for i in range(1, count + 1)]
    values: Dict[str, str] = {}
    for start in range(0, len(names), 10):  # GetParameters takes 10 names a call
        for parameter in ssm.get_parameters(Names=names[start:start + 10])["Parameters"]:
            values[parameter["Name"]] = parameter["Value"]
    return header["Version"], header["Value"], [values.get(n, "") for n in names]


def lab_instances(ec2, environment: str, ids: Sequence[str] = ()) -> Dict[str, Instance]:
    """Every node instance of the environment, in any state, by instance ID; or, when ids (of the
    lab's instances) are given, those alone, asked by ID: a filter rather than InstanceIds, so that an
    ID EC2 has forgotten is absent rather than an error."""
    result = {}
    filters = ([{"Name": "instance-id", "Values": list(ids)}] if ids
               else [{"Name": f"tag:{contract.tag('environment')}", "Values": [environment]}])
    pages = ec2.get_paginator("describe_instances").paginate(Filters=filters)
    for page in pages:
        for reservation in page["Reservations"]:
            for i in reservation["Instances"]:
                tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
                role, node = tags.get(contract.tag("role")), tags.get(contract.tag("node"))
                if role not in ROLES or node is None:
                    continue
                result[i["InstanceId"]] = Instance(i["InstanceId"], node, role,
                                                   i["State"]["Name"], i.get("PrivateIpAddress"))
    return result


def signal_hosts(region: str) -> List[str]:
    """The hosts of a wait condition handle's presigned URL in the region, as CloudFormation has
    written them over the years: S3's global, dashed and dotted regional endpoints."""
    suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
    bucket = f"cloudformation-waitcondition-{region}"
    return [f"{bucket}.s3.{region}{suffix}", f"{bucket}.s3-{region}{suffix}", f"{bucket}.s3{suffix}"]


def signal_allowed(url: str, hosts: Sequence[str]) -> bool:
    """Whether url is https to one of hosts (host or host:port, no user): the signal carries the log's
    last lines, so it goes to CloudFormation only, whatever a writer of the request parameter put there."""
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme == "https" and parsed.netloc.lower() in hosts


def signal(url: str, status: str, reason: str, data: str, log) -> bool:
    """Tells the wait condition. Retried: a lost signal leaves the deploy waiting for its timeout."""
    body = json.dumps({"Status": status, "Reason": reason[:3900], "UniqueId": "converge", "Data": data}).encode()
    for attempt in range(1, 6):
        request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            return True
        except OSError as e:
            log(f"signal {status}: attempt {attempt} failed: {e}")
            time.sleep(min(2 ** attempt, 20))
    log(f"could not signal {status} (the deploy that asked may be gone)")
    return False

