using System.Text;

namespace K8sLab.Bootstrap;

/// <summary>
/// Python as it goes into the bastion's user data: without comments, docstrings and blank lines
/// (they stay in the repository), which EC2's 16 KB would otherwise spend on prose. A string that
/// stands alone as a statement (a docstring, or a no-op) becomes <c>""</c>, which keeps a body that
/// holds nothing else valid. A small scanner, not a parser: it knows strings, comments, brackets and
/// line continuations; Infra.Tests proves with Python's own parser that the result is the same program.
/// </summary>
public static class PythonSource
{
    public static string Compact(string source)
    {
        var output = new StringBuilder();
        var line = new StringBuilder();
        var depth = 0;
        var logicalStart = true; // only indentation so far on a line that starts a statement
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '#')
            {
                while (i < source.Length && source[i] != '\n') i++;
                continue;
            }
            if (c == '\n')
            {
                var text = line.ToString().TrimEnd();
                if (text.Length > 0) output.Append(text).Append('\n');
                line.Clear();
                logicalStart = depth == 0 && !text.EndsWith('\\');
                i++;
                continue;
            }
            var start = StringStart(source, i);
            if (start >= 0)
            {
                var end = StringEnd(source, start);
                var alone = logicalStart && depth == 0 && RestIsBlank(source, end);
                line.Append(alone ? "\"\"" : source[i..end]);
                logicalStart = false;
                i = end;
                continue;
            }
            if (c is '(' or '[' or '{') depth++;
            if (c is ')' or ']' or '}') depth--;
            if (!char.IsWhiteSpace(c)) logicalStart = false;
            line.Append(c);
            i++;
        }
        var last = line.ToString().TrimEnd();
        if (last.Length > 0) output.Append(last).Append('\n');
        return output.ToString();
    }

    /// <summary>Where the quote of a string literal that begins at <paramref name="i"/> is (after a prefix such as f or rb), or -1.</summary>
    private static int StringStart(string s, int i)
    {
        if (i > 0 && (char.IsLetterOrDigit(s[i - 1]) || s[i - 1] == '_')) return -1; // inside a name
        var j = i;
        while (j < s.Length && j - i < 2 && "rRbBfFuU".Contains(s[j])) j++;
        return j < s.Length && s[j] is '"' or '\'' ? j : -1;
    }

    /// <summary>The index just after the literal whose opening quote is at <paramref name="quote"/>.</summary>
    private static int StringEnd(string s, int quote)
    {
        var q = s[quote];
        var triple = quote + 2 < s.Length && s[quote + 1] == q && s[quote + 2] == q;
        var delimiter = triple ? new string(q, 3) : q.ToString();
        var j = quote + delimiter.Length;
        while (j < s.Length)
        {
            if (s[j] == '\\') { j += 2; continue; }
            if (string.CompareOrdinal(s, j, delimiter, 0, delimiter.Length) == 0) return j + delimiter.Length;
            if (!triple && s[j] == '\n') throw new FormatException($"unterminated string at offset {quote}");
            j++;
        }
        throw new FormatException($"unterminated string at offset {quote}");
    }

    private static bool RestIsBlank(string s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t') i++;
        return i >= s.Length || s[i] is '\n' or '#';
    }
}
