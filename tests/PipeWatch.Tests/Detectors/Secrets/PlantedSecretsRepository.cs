using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets;

/// <summary>
/// One real repository for the whole test class: a commit per built-in rule example, each in its own file after two lines of
/// ordinary config — every <c>match</c> example under <c>planted/</c>, every <c>no-match</c> example under <c>clean/</c> — scanned once.
/// </summary>
public sealed class PlantedSecretsRepository : IAsyncLifetime
{
    private const int Preamble = 2;
    private readonly TestRepository _repo = new();
    private readonly Dictionary<(string Rule, int Index), (string Commit, string Path, int Line)> _planted = [];

    public IReadOnlyList<Finding> Findings { get; private set; } = [];

    public static IReadOnlyList<SecretRule> Rules => SecretRuleBook.BuiltIn.Rules;

    /// <summary>Where the match example was planted: its commit, file and the line its secret starts on.</summary>
    public (string Commit, string Path, int Line) Planted(string rule, int index) => _planted[(rule, index)];

    public static string CleanPath(string rule, int index) => $"clean/{rule}-{index}.txt";

    public async ValueTask InitializeAsync()
    {
        // The preamble is numbered so that no two files are the same blob, and names no rule (a rule id can be a keyword).
        var n = 0;
        foreach (var rule in Rules)
        {
            for (var i = 0; i < rule.MatchExamples.Count; i++)
            {
                var example = rule.MatchExamples[i];
                var path = $"planted/{rule.Id}-{i}.txt";

                // The line of the secret inside the example, as the rule alone sees it.
                var within = new SecretScanner([rule]).Scan(example)[0].Line;
                var commit = _repo.Write(path, $"# settings {n++}\nregion: eu-west-1\n{example}\n").Commit($"add {path}");
                _planted[(rule.Id, i)] = (commit, path, Preamble + within);
            }

            for (var i = 0; i < rule.NoMatchExamples.Count; i++)
            {
                _repo.Write(CleanPath(rule.Id, i), $"# settings {n++}\nregion: eu-west-1\n{rule.NoMatchExamples[i]}\n");
            }

            _repo.Commit($"no-match examples of {rule.Id}");
        }

        Findings = (await Scan.RunAsync(_repo.Path)).Findings;
    }

    public ValueTask DisposeAsync()
    {
        _repo.Dispose();
        return ValueTask.CompletedTask;
    }
}
