using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class NuGetPackagesLockParserTests
{
    private static readonly NuGetPackagesLockParser Parser = new();

    [Fact]
    public void Reads_each_package_once_with_type_version_and_content_hash()
    {
        var packages = Lockfile.Packages(Parser, "dotnet", "packageslockjson", "valid", "packages.lock.json");

        Assert.Equal(8, packages.Count);
        var core = packages.Single("Core.Dep", "1.24.0");
        Assert.True(core.Direct);
        Assert.Equal("+/qI1j2oU1S4/nvxb2k/wDsol00iGf1AyJX5g3epV7eOpQEP/2xcgh/cxgKMeFgn3U2fmgSiBnQZdkV+l5y0Uw==", core.Integrity);
        Assert.Equal(7, core.Requires.Count);
        var four = packages.Single("Some.Dep.Four", "4.5.0");
        Assert.False(four.Direct);
        Assert.Equal(39, four.Line);
        Assert.All(packages, p => Assert.Equal(Ecosystems.NuGet, p.Ecosystem));
    }

    [Fact]
    public void Text_that_is_not_json_is_a_problem_with_its_line()
    {
        var problem = Lockfile.Refused(Parser, "dotnet", "packageslockjson", "invalid", "invalid");

        Assert.Equal(1, problem.Line);
    }
}
