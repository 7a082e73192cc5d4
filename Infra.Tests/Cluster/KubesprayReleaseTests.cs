using K8sLab.Bootstrap;
using K8sLab.Cluster;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Cluster;

/// <summary>
/// The generated table of kubespray v2.31.0 (converge/contract/kubespray.txt): it names its source, agrees
/// with the pins, and its generator does what the header says (run here on a small git repository
/// laid out like kubespray's, since the real one is not part of this repository).
/// </summary>
public class KubesprayReleaseTests
{
    private static readonly KubesprayRelease Release = KubesprayRelease.Embedded;

    [Fact]
    public void The_table_is_of_the_pinned_release_and_its_default_is_the_bastions_kubernetes()
    {
        Assert.Equal(ControlHostVersions.Kubespray, Release.Tag);
        Assert.Equal(ControlHostVersions.Kubernetes, Release.Default);
        Assert.Equal(ControlHostVersions.Kubernetes, ClusterSpec.KubesprayDefault.Version);
        Assert.Matches("^[0-9a-f]{40}$", Release.Commit);
        Assert.Equal("1.33.0", Release.Minimum);
        Assert.All(Release.Versions, v => Assert.True(v.Version >= KubernetesVersion.Parse(Release.Minimum)));
    }

    [Fact]
    public void The_file_names_its_source_and_the_command_that_wrote_it()
    {
        var text = File.ReadAllText(Repo.PathOf("converge", "contract", "kubespray.txt"));
        Assert.Contains("# Generated; do not edit.", text);
        Assert.Contains("python3 scripts/kubespray-facts.py KUBESPRAY_GIT_DIR v2.31.0 > converge/contract/kubespray.txt", text);
        Assert.Contains($"https://github.com/kubernetes-sigs/kubespray at v2.31.0 (commit {Release.Commit})", text);
        Assert.Contains("roles/kubespray_defaults/vars/main/checksums.yml", text);
    }

    [Fact]
    public void The_kubectl_the_bastion_installs_is_one_kubespray_has_checksums_for_on_both_architectures()
    {
        var entry = Assert.Single(Release.Versions, v => v.Version.ToString() == ControlHostVersions.Kubernetes);
        Assert.Equal(new[] { "amd64", "arm64" }, entry.Architectures);
    }

    [Fact]
    public void Versions_are_described_by_minor_as_ranges_where_they_have_no_gap()
    {
        Assert.Equal("1.33.0 to 1.33.11, 1.34.0 to 1.34.7, 1.35.0 to 1.35.4", KubesprayRelease.Describe(Release.Versions.Select(v => v.Version)));
        Assert.Equal("1.34.1, 1.34.3, 1.35.0", KubesprayRelease.Describe(new[] { "1.35.0", "1.34.3", "1.34.1" }.Select(KubernetesVersion.Parse)));
    }

    [Fact]
    public void A_malformed_table_is_refused_naming_the_line()
    {
        var e = Assert.Throws<FormatException>(() => KubesprayRelease.Parse("release v1 abc\ndefault 1.35.4\nminimum 1.35.4\nversion 1.35.4 amd64\nvarible x y\n"));
        Assert.Contains("line 5", e.Message);
        Assert.Throws<FormatException>(() => KubesprayRelease.Parse("release v1 abc\ndefault 1.35.5\nminimum 1.35.4\nversion 1.35.4 amd64\n"));
    }

    [Fact]
    public void The_generator_reads_a_kubespray_tag_into_the_table()
    {
        using var repo = new FakeKubespray();
        repo.Commit("v9.0.0", kubeVersion: "\"{{ (kubelet_checksums['amd64'] | dict2items)[0].key }}\"");
        var result = Tool.Run("python3", new[] { Repo.PathOf("scripts", "kubespray-facts.py"), repo.GitDir, "v9.0.0" });
        Assert.True(result.ExitCode == 0, result.Output);

        var release = KubesprayRelease.Parse(result.StdOut);
        Assert.Equal(("v9.0.0", repo.Head, "1.35.1", "1.34.0"), (release.Tag, release.Commit, release.Default, release.Minimum));
        // 1.35.1: every binary on both; 1.35.0: no arm64 kubeadm; 1.34.0: amd64 only.
        Assert.Equal(new[] { "1.35.1 amd64 arm64", "1.35.0 amd64", "1.34.0 amd64" },
            release.Versions.Select(v => $"{v.Version} {string.Join(' ', v.Architectures)}"));
        Assert.Equal("4789", release.Variables["calico_vxlan_port"].Single().Default.ToString());
        Assert.Equal("roles/network_plugin/calico_defaults/defaults/main.yml", release.Variables["calico_vxlan_port"].Single().File);
        Assert.Null(release.Variables["kube_version"].Single().Default); // a template, not a value
        Assert.Equal(new[] { "helm_enabled" }, release.Variables.Keys.Intersect(new[] { "helm_enabled", "ingress_nginx_enabled" }));
        Assert.Equal(string.Concat(Enumerable.Repeat("ea", 32)), release.KubectlSha256[("1.35.1", "arm64")]);
        Assert.False(release.KubectlSha256.ContainsKey(("1.34.0", "arm64"))); // not installable there: not listed
        Assert.Equal(("2.17.0", "2.18.0", "2.17"), (release.Ansible.Min, release.Ansible.Max, release.AnsibleCoreSeries));
        Assert.Equal(new[] { "cluster.yml", "playbooks/ansible_version.yml", "playbooks/cluster.yml", "playbooks/facts.yml",
            "playbooks/remove_node.yml", "playbooks/reset.yml", "remove-node.yml", "reset.yml" }, release.Playbooks);
        // The extra variables the lab passes, each where the release defines or reads it for that playbook:
        // a condition of an imported playbook, an assert, a template, a vars_prompt, a role's defaults (a
        // role the play runs, or one it depends on). reset_nodes is read nowhere here: not recorded, noted.
        Assert.Equal(new[]
        {
            "cluster.yml kubeconfig_localhost roles/kubernetes/client/defaults/main.yml",
            "cluster.yml kubectl_localhost roles/kubespray_defaults/defaults/main/main.yml",
            "reset.yml reset_confirmation playbooks/reset.yml",
            "remove-node.yml node playbooks/remove_node.yml",
            "remove-node.yml skip_confirmation playbooks/remove_node.yml",
            "remove-node.yml allow_ungraceful_removal roles/remove_node/pre_remove/defaults/main.yml",
        }, release.ExtraVariables.Select(e => $"{e.Playbook} {e.Name} {e.File}"));
        Assert.Contains("# remove-node.yml: the lab passes reset_nodes, which v9.0.0 neither defines nor reads (not recorded)", result.StdOut);
        Assert.Contains("# upgrade-cluster.yml: the lab runs it, but v9.0.0 has no such playbook", result.StdOut);
        Assert.Contains("reset_nodes", result.StdErr);
    }

    [Fact]
    public void The_table_gives_each_playbook_the_lab_runs_the_extra_variables_the_lab_passes()
    {
        Assert.Contains("playbooks/facts.yml", Release.Playbooks);
        Assert.DoesNotContain("facts.yml", Release.Playbooks); // kubespray v2.31.0 has it in playbooks/ only
        var extras = Release.ExtraVariables.ToLookup(e => e.Playbook, e => e.Name);
        // ignore_assert_errors: every run while the etcd group is even (a member being added or removed).
        Assert.Equal(new[] { "kubeconfig_localhost", "kubectl_localhost", "ignore_assert_errors" }, extras["cluster.yml"]);
        Assert.Equal(new[] { "ignore_assert_errors" }, extras["scale.yml"]);
        Assert.Equal(new[] { "ignore_assert_errors" }, extras["playbooks/facts.yml"]);
        Assert.Equal(new[] { "reset_confirmation", "ignore_assert_errors" }, extras["reset.yml"]);
        Assert.Equal(new[] { "node", "skip_confirmation", "reset_nodes", "allow_ungraceful_removal", "drain_timeout", "ignore_assert_errors" },
            extras["remove-node.yml"]);
        Assert.Equal(new[] { "serial", "drain_timeout", "kubectl_localhost", "ignore_assert_errors" }, extras["upgrade-cluster.yml"]);
        Assert.All(Release.ExtraVariables, e => Assert.Contains(e.Playbook, Release.Playbooks));
    }

    [Fact]
    public void An_extra_variable_of_a_playbook_the_table_does_not_list_is_refused()
    {
        const string Head = "release v1 abc\ndefault 1.35.4\nminimum 1.35.4\nversion 1.35.4 amd64\nplaybook reset.yml\n";
        var release = KubesprayRelease.Parse(Head + "extra reset.yml reset_confirmation playbooks/reset.yml\n");
        Assert.Equal(new KubesprayExtraVariable("reset.yml", "reset_confirmation", "playbooks/reset.yml"), Assert.Single(release.ExtraVariables));
        var e = Assert.Throws<FormatException>(() => KubesprayRelease.Parse(Head + "extra facts.yml x playbooks/facts.yml\n"));
        Assert.Contains("facts.yml is not among the playbook lines", e.Message);
        Assert.Throws<FormatException>(() => KubesprayRelease.Parse(Head + "extra reset.yml reset_confirmation\n"));
    }

    [Fact]
    public void The_generator_refuses_a_default_version_it_cannot_evaluate()
    {
        using var repo = new FakeKubespray();
        repo.Commit("v9.0.1", kubeVersion: "\"{{ kube_version_from_somewhere }}\"");
        var result = Tool.Run("python3", new[] { Repo.PathOf("scripts", "kubespray-facts.py"), repo.GitDir, "v9.0.1" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot evaluate kube_version", result.StdErr);
    }

    /// <summary>A git repository with the files the generator reads, laid out as in kubespray.</summary>
    private sealed class FakeKubespray : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("k8slab-kubespray-").FullName;
        public string GitDir => Path.Combine(_dir, ".git");
        public string Head { get; private set; } = "";

        public void Commit(string tag, string kubeVersion)
        {
            Write("roles/kubespray_defaults/vars/main/checksums.yml", """
                kubelet_checksums:
                  arm64:
                    1.35.1: sha256:aa
                    1.35.0: sha256:ab
                  amd64:
                    1.35.1: sha256:ba
                    1.35.0: sha256:bb
                    1.34.0: sha256:bc
                kubeadm_checksums:
                  arm64:
                    1.35.1: sha256:ca
                  amd64:
                    1.35.1: sha256:da
                    1.35.0: sha256:db
                    1.34.0: sha256:dc
                kubectl_checksums:
                  arm64:
                    1.35.1: sha256:eaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaea
                    1.35.0: sha256:ebebebebebebebebebebebebebebebebebebebebebebebebebebebebebebebeb
                  amd64:
                    1.35.1: sha256:fafafafafafafafafafafafafafafafafafafafafafafafafafafafafafafafa
                    1.35.0: sha256:fbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfb
                    1.34.0: sha256:fcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfc
                """);
            Write("playbooks/ansible_version.yml", "- name: Check\n  hosts: all\n  vars:\n    minimal_ansible_version: 2.17.0\n    maximal_ansible_version: 2.18.0\n");
            Write("playbooks/facts.yml", "- name: Facts\n  hosts: all\n");
            Write("cluster.yml", "- name: Install\n  ansible.builtin.import_playbook: playbooks/cluster.yml\n");
            Write("playbooks/cluster.yml", "- name: Install\n  hosts: all\n  roles:\n    - { role: kubernetes/client }\n");
            // kubeconfig_localhost: in the client role's defaults; kubectl_localhost: in kubespray_defaults,
            // which the client role depends on (its meta), and not in the client role's own.
            Write("roles/kubernetes/client/defaults/main.yml", "kubeconfig_localhost: false\n");
            Write("roles/kubernetes/client/meta/main.yml", "dependencies:\n  - role: kubespray_defaults\n");
            Write("reset.yml", "- name: Reset\n  import_playbook: playbooks/reset.yml\n");
            Write("playbooks/reset.yml", """
                - name: Reset
                  hosts: all
                  vars_prompt:
                    - name: reset_confirmation
                      prompt: Sure?
                  pre_tasks:
                    - name: Check
                      fail:
                        msg: "Reset confirmation failed"
                      when: not skip_confirmation | default(false) | bool
                """);
            Write("remove-node.yml", "- name: Remove\n  ansible.builtin.import_playbook: playbooks/remove_node.yml\n");
            Write("playbooks/remove_node.yml", """
                - name: Validate
                  hosts: localhost
                  tasks:
                    - name: Nodes named
                      assert:
                        that:
                          - node is defined
                - name: Remove
                  hosts: "{{ node | default('reset_nodes') }}"
                  pre_tasks:
                    - name: Say
                      debug:
                        msg: "{{ 'skip_confirmation ' ~ skip_confirmation }}"
                  roles:
                    - { role: remove_node/pre_remove }
                """);
            Write("roles/remove_node/pre_remove/defaults/main.yml", "allow_ungraceful_removal: false\n");
            Write("galaxy.yml", "namespace: kubernetes_sigs\n"); // not a playbook
            Write("roles/kubespray_defaults/defaults/main/main.yml",
                $"kube_version: {kubeVersion}\nkube_version_min_required: \"{{{{ (kubelet_checksums['amd64'] | dict2items)[-1].key }}}}\"\nhelm_enabled: false\nkubectl_localhost: false\n");
            Write("roles/network_plugin/calico_defaults/defaults/main.yml", "calico_vxlan_port: 4789\n");
            Write("roles/network_plugin/cilium/defaults/main.yml", "cilium_tunnel_mode: vxlan\n");
            Write("roles/network_plugin/flannel/defaults/main.yml", "flannel_vxlan_port: 8472\n");
            Git("init", "-q");
            Git("add", "-A");
            Git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "example");
            Git("tag", tag);
            Head = Git("rev-parse", "HEAD").Trim();
        }

        private void Write(string path, string text)
        {
            var file = Path.Combine(_dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
        }

        private string Git(params string[] args)
        {
            var result = Tool.Run("git", args, _dir);
            Assert.True(result.ExitCode == 0, result.Output);
            return result.StdOut;
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
