using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>
/// scripts/preview-state.sh, which decides what a preview builds: a working tree that differs from
/// the commit in environment files only is synthesized by one build for both sides; anything else
/// that could change the app (a tracked file outside environments/, an untracked one, an ignored file
/// in converge/ that the app would embed) builds the commit on its own. Each case is one change in a
/// small scratch repository.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PreviewStateTests
{
    [Theory]
    [InlineData("", "unchanged")]
    [InlineData("echo '  count: 3' >> environments/dev.yaml", "environments")]
    [InlineData("echo 'region: eu-west-1' > environments/new.yaml", "environments")]
    [InlineData("rm environments/dev.yaml", "environments")]
    [InlineData("echo more >> README.md", "changed")]
    [InlineData("echo more >> README.md; echo '  count: 3' >> environments/dev.yaml", "changed")]
    [InlineData("echo note > notes.txt", "changed")]
    [InlineData("echo x > converge/k8slab_converge/.main.py.swp", "changed")]
    [InlineData("mkdir -p converge/k8slab_converge/__pycache__ && echo x > converge/k8slab_converge/__pycache__/main.cpython-311.pyc", "unchanged")]
    [InlineData("echo x > converge/tests/.t.py.swp", "unchanged")]
    [InlineData("mkdir -p Infra/bin && echo x > Infra/bin/K8sLab.dll", "unchanged")]
    [InlineData("mkdir -p Infra/Nodes/bin && echo 'class X {}' > Infra/Nodes/bin/X.cs", "changed")]
    public void The_state_names_what_differs_from_the_commit(string change, string expected)
    {
        var repo = Directory.CreateTempSubdirectory("k8slab-preview-state-").FullName;
        try
        {
            var script = $$"""
                set -e
                mkdir -p converge/k8slab_converge converge/tests environments Infra
                printf '*.swp\n__pycache__/\nbin/\n' > .gitignore
                echo 'print(1)' > converge/k8slab_converge/main.py
                echo 'pass' > converge/tests/t.py
                printf 'workers:\n  count: 2\n' > environments/dev.yaml
                echo readme > README.md
                git init -q && git add -A && git -c user.name=test -c user.email=test@example.com commit -qm base
                {{change}}
                . '{{Repo.PathOf("scripts", "preview-state.sh")}}'
                app_state HEAD
                """;
            var result = Tool.Run("bash", new[] { "-c", script }, repo);
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Equal(expected, result.StdOut.Trim());
        }
        finally { Directory.Delete(repo, recursive: true); }
    }
}
