namespace PipeWatch.Configuration;

/// <summary>pipewatch.yml could not be used; <see cref="Problems"/> lists every problem, each naming file, line and key.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
