using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>Reads paths as git prints them: plain, or in double quotes with C-style escapes and octal bytes when they hold unusual characters.</summary>
internal static class GitPaths
{
    /// <summary>The path itself: <c>"sp ace \303\251.txt"</c> → <c>sp ace é.txt</c>; an unquoted path is returned as is.</summary>
    public static string Unquote(string path)
    {
        if (path.Length < 2 || path[0] != '"' || path[^1] != '"') return path;
        var bytes = new List<byte>(path.Length);
        for (var i = 1; i < path.Length - 1; i++)
        {
            var c = path[i];
            if (c != '\\' || i + 1 >= path.Length - 1)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            var next = path[++i];
            switch (next)
            {
                case >= '0' and <= '7' when i + 2 < path.Length - 1:
                    bytes.Add((byte)(((next - '0') << 6) | ((path[i + 1] - '0') << 3) | (path[i + 2] - '0')));
                    i += 2;
                    break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                default: bytes.Add((byte)next); break;
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
