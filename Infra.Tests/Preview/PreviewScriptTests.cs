using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>scripts/preview.sh: its refusals (instant), and once end to end on a scratch copy of this repository.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[RunsForMinutes(3)]
public class PreviewScriptTests
{
    private static ToolResult Preview(string folder, params string[] args) =>
        Tool.Run("bash", new[] { "scripts/preview.sh" }.Concat(args), folder, timeout: TimeSpan.FromMinutes(5));

    [Fact]
    public void The_script_passes_shellcheck()
    {
        var result = Tool.Run("shellcheck", new[] { Repo.PathOf("scripts", "preview.sh") });
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Theory]
    [InlineData(new string[0], 2, "usage: scripts/preview.sh ENVIRONMENT [GIT_REF]   (environments: cheap cilium dev prod spot; GIT_REF defaults to HEAD)")]
    [InlineData(new[] { "staging" }, 1, "preview: no environments/staging.yaml (environments: cheap cilium dev prod spot)")]
    [InlineData(new[] { "../dev" }, 1, "preview: no environments/../dev.yaml (environments: cheap cilium dev prod spot)")]
    [InlineData(new[] { "dev", "no-such-ref" }, 1, "preview: 'no-such-ref' is not a commit of this repository")]
    public void Mistakes_are_named_before_anything_is_built(string[] args, int exitCode, string message)
    {
        var result = Preview(Repo.Root, args);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(message, result.StdErr.Trim());
        Assert.Equal("", result.StdOut);
    }

    [Fact]
    public void Without_python3_the_script_names_it_before_anything_is_built()
    {
        // A PATH with what the script runs before its checks, and no python3.
        var bin = Directory.CreateTempSubdirectory("k8slab-nopython-").FullName;
        try
        {
            foreach (var tool in new[] { "dirname", "git" })
                File.CreateSymbolicLink(Path.Combine(bin, tool), Tool.Locate(tool));
            var result = Tool.Run("bash", new[] { "scripts/preview.sh", "dev" }, Repo.Root, new Dictionary<string, string> { ["PATH"] = bin });
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("preview: needs python3 (3.8 or later): it runs the bastion's own rules", result.StdErr.Trim());
            Assert.Equal("", result.StdOut);
        }
        finally { Directory.Delete(bin, recursive: true); }
    }

    /// <summary>
    /// A scratch repository holding this working tree as its last commit, with one more worker in
    /// dev.yaml on top: the script builds the working tree once and synthesizes both sides with that
    /// build (only environments/ differs), then, run again, reads the commit's side from its cache; with
    /// dev.yaml as committed and no cache, it synthesizes once for both sides; with a file git does not
    /// know, it builds the commit on its own (every case of that decision: <see cref="PreviewStateTests"/>).
    /// </summary>
    [Fact]
    public void One_more_worker_in_the_environment_file_previews_as_worker_3_added()
    {
        var scratch = Directory.CreateTempSubdirectory("k8slab-preview-test-").FullName;
        var copy = Path.Combine(scratch, "repo");
        var link = Path.Combine(copy, "node_modules");
        try
        {
            foreach (var file in Repo.Files())
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, file))!);
                File.Copy(Repo.PathOf(file), Path.Combine(copy, file));
            }
            foreach (var git in new[] { new[] { "init", "-q" }, new[] { "add", "-A" }, new[] { "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "as the working tree is" } })
                Assert.Equal(0, Tool.Run("git", git, copy).ExitCode);
            File.CreateSymbolicLink(link, Repo.PathOf("node_modules"));
            var dev = Path.Combine(copy, "environments", "dev.yaml");
            var yaml = File.ReadAllText(dev);
            Assert.Contains("workers:\n  count: 2", yaml);
            File.WriteAllText(dev, yaml.Replace("workers:\n  count: 2", "workers:\n  count: 3"));

            var cache = new Dictionary<string, string> { ["K8SLAB_PREVIEW_CACHE"] = Path.Combine(scratch, "cache") };
            var first = Tool.Run("bash", new[] { "scripts/preview.sh", "dev" }, copy, cache, TimeSpan.FromMinutes(5));
            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Matches(@"\n  added: worker-3 \(user data [0-9a-f]{6}\)\n", first.StdOut);
            Assert.DoesNotContain("replaced: worker", first.StdOut);
            Assert.Contains("preview: synthesizing the working tree...", first.StdErr);
            // Only dev.yaml differs: the working tree's build synthesizes the commit's side, no second build.
            Assert.Matches(@"preview: only environments/ differs from HEAD \([0-9a-f]{7}\): one build synthesizes both sides\n", first.StdErr);
            Assert.Contains("preview: synthesizing HEAD (", first.StdErr);

            var again = Tool.Run("bash", new[] { "scripts/preview.sh", "dev" }, copy, cache, TimeSpan.FromMinutes(5));
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.Equal(first.StdOut, again.StdOut);
            Assert.Matches(@"preview: HEAD \([0-9a-f]{7}\) from the cache", again.StdErr);
            Assert.DoesNotContain("synthesizing HEAD", again.StdErr);

            // The working tree as committed, and no cache: one synthesis serves both sides (and is not cached as the commit's).
            Assert.Equal(0, Tool.Run("git", new[] { "checkout", "-q", "--", "environments/dev.yaml" }, copy).ExitCode);
            var fresh = new Dictionary<string, string> { ["K8SLAB_PREVIEW_CACHE"] = Path.Combine(scratch, "cache2") };
            var unchanged = Tool.Run("bash", new[] { "scripts/preview.sh", "dev" }, copy, fresh, TimeSpan.FromMinutes(5));
            Assert.True(unchanged.ExitCode == 0, unchanged.Output);
            Assert.Contains("nothing changes", unchanged.StdOut);
            Assert.Matches(@"preview: the working tree is HEAD \([0-9a-f]{7}\) unchanged: one synthesis for both", unchanged.StdErr);
            Assert.DoesNotContain("synthesizing HEAD", unchanged.StdErr);
            Assert.False(Directory.Exists(Path.Combine(scratch, "cache2")) && Directory.EnumerateFileSystemEntries(Path.Combine(scratch, "cache2")).Any());

            // A file git does not know is a change of the app as far as the script can tell: the commit is built on
            // its own. (One the build does not read, so the working tree's build stays up to date; the ignored
            // files the app embeds are PreviewStateTests' cases.)
            File.WriteAllText(Path.Combine(copy, "notes.txt"), "x");
            var edited = Tool.Run("bash", new[] { "scripts/preview.sh", "dev" }, copy, fresh, TimeSpan.FromMinutes(5));
            Assert.True(edited.ExitCode == 0, edited.Output);
            Assert.Contains("preview: synthesizing HEAD (", edited.StdErr);
            Assert.DoesNotContain("only environments/ differs", edited.StdErr);
            Assert.Contains("nothing changes", edited.StdOut);   // the commit's own build makes the same templates
        }
        finally
        {
            // The link first, so that nothing can reach through it into the repository's node_modules.
            if (File.Exists(link) || Directory.Exists(link)) File.Delete(link);
            Directory.Delete(scratch, recursive: true);
        }
    }
}
