"""Where etcd snapshots live: the lab's bucket (the request's snapshotBucket, under ENV/etcd/), and the
bastion's last three (state/snapshots), which serve when the request names no bucket. A snapshot is
one archive: etcd's snapshot and the keys kubeadm signs with (playbooks/snapshot.yml). Names sort by
time (YYYYmmddTHHMMSSZ-REQUEST.tar.gz), so the newest is the last."""
import calendar
import os
import time
from typing import Optional

from . import aws

KEEP_ON_BASTION = 3


def folder(state: str) -> str:
    path = os.path.join(state, "snapshots")
    os.makedirs(path, exist_ok=True)
    return path


def new_name(request_id: str) -> str:
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{request_id}.tar.gz"


def bucket_of(request) -> str:
    return getattr(request, "snapshot_bucket", "") or ""


def prefix(environment: str) -> str:
    return f"{environment}/etcd/"


def keep(state: str, path: str, request, region: str, environment: str) -> str:
    """Stores a snapshot taken to path; returns where it is kept."""
    for old in sorted(os.listdir(folder(state)))[:-KEEP_ON_BASTION]:
        os.remove(os.path.join(folder(state), old))
    bucket = bucket_of(request)
    if not bucket:
        return f"{path} (on the bastion only: the request names no bucket)"
    key = prefix(environment) + os.path.basename(path)
    with open(path, "rb") as f:
        aws.client("s3", region).put_object(Bucket=bucket, Key=key, Body=f)
    return f"s3://{bucket}/{key}"


def latest(state: str, request, region: str, environment: str) -> Optional[str]:
    """The newest snapshot: an s3:// address in the lab's bucket, or a path on the bastion; None if none."""
    bucket = bucket_of(request)
    if bucket:
        s3 = aws.client("s3", region)
        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix(environment))
                for o in page.get("Contents", [])]
        return f"s3://{bucket}/{max(keys)}" if keys else None
    local = sorted(os.listdir(folder(state)))
    return os.path.join(folder(state), local[-1]) if local else None


def age_hours(ref: str) -> float:
    """How old a snapshot is, from its name."""
    stamp = os.path.basename(ref).split("-", 1)[0]
    taken = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    return (time.time() - taken) / 3600


def fetch(state: str, ref: str, region: str) -> str:
    """A local path of the snapshot ref names (downloaded from the bucket when it is there)."""
    if not ref.startswith("s3://"):
        return ref
    bucket, key = ref[len("s3://"):].split("/", 1)
    dest = os.path.join(folder(state), os.path.basename(key))
    if not os.path.exists(dest):
        # botocore, not boto3 (the bastion's AWS CLI venv has botocore only): no download_file.
        body = aws.client("s3", region).get_object(Bucket=bucket, Key=key)["Body"]
        with open(dest + ".part", "wb") as f:
            for chunk in iter(lambda: body.read(1 << 20), b""):
                f.write(chunk)
        os.replace(dest + ".part", dest)
    return dest
