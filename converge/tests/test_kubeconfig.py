"""The compact admin kubeconfig the bastion stores in SSM (k8slab_converge/kubeconfig.py): it keeps
every credential byte for byte, fits SSM's Standard tier with kubeadm's RSA-2048 credentials made by
openssl, and a failed store is a note, never a failed deploy. The put itself, against moto's SSM, is
in test_scenarios.py."""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from k8slab_converge import kubeconfig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "standins"))
import cluster_model  # noqa: E402


def parse(value):
    lines = value.splitlines()
    fields = {}
    for line in lines[2:]:
        name, rest = line.split(" ", 1)
        label, der = rest.rsplit(" ", 1)
        fields[name] = (label, base64.b64decode(der))
    return lines[:2], fields


def openssl_admin_conf(folder):
    """admin.conf as kubeadm writes it, with a CA, a client certificate (O=kubeadm:cluster-admins,
    CN=kubernetes-admin) and an RSA-2048 key in PKCS#1, made here by openssl: throwaway keys."""
    if shutil.which("openssl") is None:
        raise AssertionError("openssl is missing (Debian package openssl)")

    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
        "-subj", "/CN=kubernetes", "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "subjectAltName=DNS:kubernetes")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "admin.key", "-out", "admin.csr",
        "-subj", "/O=kubeadm:cluster-admins/CN=kubernetes-admin")
    with open(os.path.join(folder, "ext"), "w") as f:
        f.write("keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
                "basicConstraints=critical,CA:FALSE\nauthorityKeyIdentifier=keyid\n")
    run("x509", "-req", "-in", "admin.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "365",
        "-extfile", "ext", "-out", "admin.crt")
    run("rsa", "-in", "admin.key", "-traditional", "-out", "admin.rsa.key")  # kubeadm's PKCS#1 form

    def data(name):
        with open(os.path.join(folder, name), "rb") as f:
            return base64.b64encode(f.read()).decode()
    return (f"apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {data('ca.crt')}\n"
            f"    server: https://10.20.131.245:6443\n  name: cluster.local\ncontexts:\n- context:\n"
            f"    cluster: cluster.local\n    user: kubernetes-admin\n  name: kubernetes-admin@cluster.local\n"
            f"current-context: kubernetes-admin@cluster.local\nkind: Config\npreferences: {{}}\nusers:\n"
            f"- name: kubernetes-admin\n  user:\n    client-certificate-data: {data('admin.crt')}\n"
            f"    client-key-data: {data('admin.rsa.key')}\n")


class RecordingSsm:
    def __init__(self, error=None):
        self.puts, self.error = [], error

    def put_parameter(self, **kwargs):
        if self.error:
            raise self.error
        self.puts.append(kwargs)


class Compact(unittest.TestCase):
    def test_keeps_every_credential_and_the_server(self):
        head, fields = parse(kubeconfig.compact(cluster_model.admin_conf("10.0.1.7", "10.0.1.7")))
        self.assertEqual(["k8slab-kubeconfig 1", "server https://10.0.1.7:6443"], head)
        self.assertEqual({"ca": ("CERTIFICATE", cluster_model.der("10.0.1.7", "ca", 800)),
                          "cert": ("CERTIFICATE", cluster_model.der("10.0.1.7", "cert", 860)),
                          "key": ("RSA PRIVATE KEY", cluster_model.der("10.0.1.7", "key", 1191))}, fields)

    def test_kubeadms_rsa_credentials_fit_the_standard_tier(self):
        folder = tempfile.mkdtemp(prefix="k8slab-kubeconfig-")
        self.addCleanup(shutil.rmtree, folder)
        admin_conf = openssl_admin_conf(folder)
        value = kubeconfig.compact(admin_conf)
        self.assertGreater(len(admin_conf), 4096, "admin.conf itself does not fit")
        # Measured: 3,937 bytes with these (openssl's 20-byte serials; kubeadm's are 8 bytes shorter).
        self.assertLessEqual(len(value), 4096 - 100, f"{len(value)} bytes: under 100 bytes left in the Standard tier")
        _, fields = parse(value)
        with open(os.path.join(folder, "admin.rsa.key")) as f:
            label, der = fields["key"]
            self.assertEqual(f.read(), cluster_model.pem(label, der))


class Store(unittest.TestCase):
    def setUp(self):
        folder = tempfile.mkdtemp(prefix="k8slab-kubeconfig-")
        self.addCleanup(shutil.rmtree, folder)
        self.path = os.path.join(folder, "admin.conf")
        with open(self.path, "w") as f:
            f.write(cluster_model.admin_conf("10.0.1.7", "10.0.1.7"))
        self.logged = []

    def test_a_securestring_in_the_standard_tier_overwritten(self):
        ssm = RecordingSsm()
        self.assertIsNone(kubeconfig.store(ssm, "/k8slab/dev/kubeconfig", self.path, "dev", self.logged.append))
        (put,) = ssm.puts
        self.assertEqual(("/k8slab/dev/kubeconfig", "SecureString", "Standard", True),
                         (put["Name"], put["Type"], put["Tier"], put["Overwrite"]))
        self.assertEqual(kubeconfig.compact(cluster_model.admin_conf("10.0.1.7", "10.0.1.7")), put["Value"])

    def test_a_failed_put_is_a_note(self):
        note = kubeconfig.store(RecordingSsm(OSError("throttled")), "/k8slab/dev/kubeconfig", self.path, "dev", self.logged.append)
        self.assertEqual("admin kubeconfig not stored in /k8slab/dev/kubeconfig: OSError: throttled", note)

    def test_too_large_for_the_standard_tier_is_a_note_and_no_put(self):
        with open(self.path, "w") as f:
            f.write(cluster_model.admin_conf("10.0.1.7", "10.0.1.7").replace(
                base64.b64encode(cluster_model.pem("RSA PRIVATE KEY", cluster_model.der("10.0.1.7", "key", 1191)).encode()).decode(),
                base64.b64encode(cluster_model.pem("RSA PRIVATE KEY", cluster_model.der("10.0.1.7", "key", 2400)).encode()).decode()))
        ssm = RecordingSsm()
        note = kubeconfig.store(ssm, "/k8slab/dev/kubeconfig", self.path, "dev", self.logged.append)
        self.assertRegex(note, r"ValueError: \d+ bytes, over SSM's Standard tier \(4096\)")
        self.assertEqual([], ssm.puts)


if __name__ == "__main__":
    unittest.main()
