using PipeWatch.Dependencies;

namespace PipeWatch.Events;

/// <summary>The packages one dependency file pins as it is now: a lockfile, a manifest, a workflow, a Dockerfile or a plugin list.</summary>
/// <param name="Path">The file as findings name it: relative to its checkout's root when it is in one, else as given.</param>
/// <param name="Format">The parser's format id (<c>npm-package-lock</c>, <c>github-workflow</c>…).</param>
/// <param name="Packages">Every package entry of the file, in file order.</param>
public sealed record DependencyFile(string Path, string Format, IReadOnlyList<Dependency> Packages);
