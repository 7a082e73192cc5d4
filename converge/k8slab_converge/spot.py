"""A persistent spot request outlives its instance: when CloudFormation deletes a replaced or
removed node, EC2 launches another outside the stack. Before SUCCESS, cancel the requests of the
node instances the request no longer names, launched before it was written (a later one belongs to
a deploy still writing its request)."""
LIVE = ["open", "active", "disabled"]


def release(ec2, request, instances, written, log):
    """Returns notes for the deploy's reason on what could not be cancelled."""
    named = {n.instance_id for n in request.nodes}
    gone = sorted(i for i in instances if i not in named)
    notes = []
    for start in range(0, len(gone), 200):  # values per filter
        chunk = [{"Name": "instance-id", "Values": gone[start:start + 200]}]
        try:
            left = [i["InstanceId"] for page in ec2.get_paginator("describe_instances").paginate(Filters=chunk)
                    for r in page["Reservations"] for i in r["Instances"] if i["LaunchTime"] <= written]
            requests = [] if not left else [r for page in ec2.get_paginator("describe_spot_instance_requests").paginate(
                Filters=[{"Name": "instance-id", "Values": left}, {"Name": "state", "Values": LIVE}])
                for r in page["SpotInstanceRequests"]]
        except Exception as e:  # noqa: BLE001
            return notes + [f"spot requests of removed nodes not checked ({e}); scripts/lab.sh status shows open ones"]
        for r in requests:
            node = f"{instances[r['InstanceId']].host} ({r['InstanceId']})"
            try:
                ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[r["SpotInstanceRequestId"]])
                log(f"cancelled spot request {r['SpotInstanceRequestId']} of {node}: its instance leaves the stack")
            except Exception as e:  # noqa: BLE001
                notes.append(f"spot request {r['SpotInstanceRequestId']} of {node} not cancelled ({e}): "
                             "it may launch an instance after CloudFormation deletes this one")
    return notes
