using K8sLab.Bootstrap;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Bootstrap;

/// <summary>
/// The convergence program as the bastion gets it (<see cref="PythonSource.Compact"/>): Python's own
/// parser finds the same program as in the repository, with every lone string statement (docstrings)
/// emptied and comments gone.
/// </summary>
public class PythonSourceTests
{
    // The program's syntax tree with every string statement emptied, against the compacted text's.
    private const string SameProgram = """
        import ast, sys
        class Blank(ast.NodeTransformer):
            def visit_Expr(self, node):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    node.value = ast.Constant("")
                return node
        pairs = sys.argv[1:]
        bad = [o for o, c in zip(pairs[::2], pairs[1::2])
               if ast.dump(Blank().visit(ast.parse(open(o).read()))) != ast.dump(ast.parse(open(c).read()))]
        print("different: " + " ".join(bad) if bad else "same")
        sys.exit(1 if bad else 0)
        """;

    private static ToolResult Compare(IEnumerable<(string Name, string Original, string Compacted)> files)
    {
        var dir = Directory.CreateTempSubdirectory("k8slab-python-").FullName;
        try
        {
            var args = new List<string> { "-c", SameProgram };
            foreach (var (name, original, compacted) in files)
            {
                var (o, c) = (Path.Combine(dir, name.Replace('/', '_')), Path.Combine(dir, name.Replace('/', '_') + ".compact"));
                File.WriteAllText(o, original);
                File.WriteAllText(c, compacted);
                args.AddRange(new[] { o, c });
            }
            return Tool.Run("python3", args);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_bastions_program_is_the_repositorys_without_comments_and_docstrings()
    {
        var program = EmbeddedFiles.Under("k8slab_converge/").Where(r => r.Name.EndsWith(".py", StringComparison.Ordinal)).ToList();
        Assert.Contains(program, r => r.Name == "k8slab_converge/planner.py");
        var files = ControlHost.Files.ToDictionary(f => f.Path, f => f.Content);
        var result = Compare(program.Select(r => (r.Name, r.Text, files[$"{ControlHost.LibraryDir}/{r.Name}"])));
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var (_, text) in program)
            Assert.DoesNotContain("\"\"\"", PythonSource.Compact(text));
    }

    [Fact]
    public void Strings_comments_brackets_and_continuations()
    {
        const string source = """"
            '''Module doc.'''
            import re  # a comment


            class Empty(Exception):
                """Only a docstring: the body must stay valid."""


            def f(x):
                r'''Raw doc with a # that is no comment.'''
                text = """a value, kept
            # not a comment: inside the string
            """
                message = ("first part "
                           "second part # kept"
                           f"{x['k']} \" quote")
                total = 1 + \
                    2
                return re.sub("#", "", text), message, total  # trailing
            """";
        var compact = PythonSource.Compact(source);
        var result = Compare(new[] { ("sample.py", source, compact) });
        Assert.True(result.ExitCode == 0, result.Output + compact);
        Assert.Contains("# not a comment: inside the string", compact);
        Assert.Contains("\"second part # kept\"", compact);
        Assert.DoesNotContain("# a comment", compact);
        Assert.DoesNotContain("trailing", compact);
        Assert.DoesNotContain("\n\n", compact);
        Assert.Contains("class Empty(Exception):\n    \"\"\n", compact);
    }

    [Fact]
    public void An_unterminated_string_is_an_error_not_a_guess()
    {
        Assert.Throws<FormatException>(() => PythonSource.Compact("x = 'open\n"));
    }
}
