using System.Text.RegularExpressions;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds a long high-entropy blob (base64 or hex) added to a build script: install scripts, Makefiles, build files, Dockerfiles, package manifests.</summary>
internal sealed partial class BuildScriptBlobCheck : ILineCheck
{
    public const string Rule = "obfuscated-code.build-script-blob";

    /// <summary>Characters a blob must have.</summary>
    public const int MinimumLength = 100;

    private static readonly HashSet<string> BuildFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "Makefile", "GNUmakefile", "CMakeLists.txt", "Dockerfile", "Containerfile", "package.json", "setup.py", "setup.cfg", "pyproject.toml",
        "build.gradle", "build.gradle.kts", "settings.gradle", "pom.xml", "build.rs", "Cargo.toml", "Rakefile", "Gemfile", "Jenkinsfile",
        "gulpfile.js", "Gruntfile.js", "webpack.config.js", "rollup.config.js", "vite.config.js", "vite.config.ts", "build.sh", "install.sh",
        "Directory.Build.props", "Directory.Build.targets", "build.cake", "build.ps1", "justfile", "Taskfile.yml", "meson.build", "conanfile.py",
    };

    public IEnumerable<LineIssue> Check(AddedFile file)
    {
        if (!IsBuildScript(file)) yield break;
        foreach (var line in file.Lines)
        {
            foreach (Match m in Blob().Matches(line.Text))
            {
                var hex = m.Value.All(char.IsAsciiHexDigit);
                var entropy = ShannonEntropy.Of(m.Value);
                if (entropy < (hex ? 3.5 : 4.5)) continue;
                yield return new LineIssue(
                    Rule, Severity.Medium, line.Number, m.Value[..Math.Min(32, m.Value.Length)],
                    $"A {m.Value.Length}-character {(hex ? "hex" : "base64")} blob was added to build script {file.Path}",
                    $"Line {line.Number} adds a {m.Value.Length}-character {(hex ? "hex" : "base64")} string with {entropy:0.00} bits of entropy per character to a file that runs at build or install time: encoded payloads in build scripts run on every developer machine and CI runner that builds the project.");
            }
        }
    }

    private static bool IsBuildScript(AddedFile file) =>
        BuildFiles.Contains(file.Name) || file.Extension is ".sh" or ".ps1" or ".mk" or ".cmake" or ".gradle" or ".targets" or ".props" or ".csproj"
        || file.Path.StartsWith("scripts/", StringComparison.Ordinal) || file.Path.StartsWith("build/", StringComparison.Ordinal)
        || Workflows.CiDefinitionParser.Classify(file.Path) is not null;

    [GeneratedRegex(@"[A-Za-z0-9+/_\-]{100,}={0,2}")]
    private static partial Regex Blob();
}
