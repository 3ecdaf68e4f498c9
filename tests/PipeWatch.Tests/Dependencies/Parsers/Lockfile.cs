using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>Reads corpus lockfiles (<c>lockfiles/osv-scalibr/&lt;language&gt;/&lt;format&gt;/…</c>) through a parser.</summary>
internal static class Lockfile
{
    public static LockfileParse Read(ILockfileParser parser, params string[] parts)
    {
        var path = Corpus.File(["lockfiles", "osv-scalibr", .. parts]);
        return parser.Parse(path, File.ReadAllText(path));
    }

    /// <summary>The packages of a file that must parse without problems.</summary>
    public static IReadOnlyList<Dependency> Packages(ILockfileParser parser, params string[] parts)
    {
        var parse = Read(parser, parts);
        Assert.Empty(parse.Problems);
        return parse.Dependencies;
    }

    /// <summary>The one package of that name and version.</summary>
    public static Dependency Single(this IReadOnlyList<Dependency> packages, string name, string version) =>
        Assert.Single(packages, p => p.Name == name && p.Version == version);

    /// <summary>Asserts a file is refused with a problem naming it, and no packages.</summary>
    public static PipeWatch.Diagnostics.Problem Refused(ILockfileParser parser, params string[] parts)
    {
        var parse = Read(parser, parts);
        Assert.Empty(parse.Dependencies);
        var problem = Assert.Single(parse.Problems);
        Assert.EndsWith(parts[^1], problem.File, StringComparison.Ordinal);
        return problem;
    }
}
