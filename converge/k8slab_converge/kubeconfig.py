"""The admin kubeconfig for the user's kubectl (scripts/kubeconfig.sh), stored in SSM as a
SecureString after each successful convergence. admin.conf (about 5.8 KB) exceeds the Standard
tier's 4 KB, so each credential is kept once as its PEM label and DER in base64 (about 3.9 KB):
"k8slab-kubeconfig 1", "server URL", then "ca|cert|key LABEL DER" (ca: certificate-authority-data)."""
import base64
import re

FIELDS = (("ca", "clusters", "cluster", "certificate-authority-data"), ("cert", "users", "user", "client-certificate-data"),
          ("key", "users", "user", "client-key-data"))
PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]+?)-----END \1-----")


def compact(admin_conf: str) -> str:
    import yaml  # PyYAML comes with the AWS CLI v1, whose venv runs this program

    doc = yaml.safe_load(admin_conf)
    lines = ["k8slab-kubeconfig 1", f"server {doc['clusters'][0]['cluster']['server']}"]
    for name, section, kind, key in FIELDS:
        label, body = PEM.search(base64.b64decode(doc[section][0][kind][key]).decode()).groups()
        lines.append(f"{name} {label} {''.join(body.split())}")
    return "\n".join(lines) + "\n"


def store(ssm, parameter: str, path: str, environment: str, log):
    """Overwrites the parameter; returns a note for the deploy's reason when it could not."""
    try:
        with open(path) as f:
            value = compact(f.read())
        if len(value) > 4096:
            raise ValueError(f"{len(value)} bytes, over SSM's Standard tier (4096)")
        ssm.put_parameter(Name=parameter, Value=value, Type="SecureString", Tier="Standard", Overwrite=True,
                          Description=f"K8sLab {environment}: admin credentials for scripts/kubeconfig.sh")
    except Exception as e:  # noqa: BLE001 - the cluster converged; only the user's kubectl waits
        return f"admin kubeconfig not stored in {parameter}: {type(e).__name__}: {e}"
    log(f"admin kubeconfig stored in {parameter} ({len(value)} bytes)")
    return None
