namespace PipeWatch.Tests.Intel;

/// <summary>The feed fixtures written from abuse.ch's documented columns and hand-made lists (the STIX and MISP ones are real, in the corpus).</summary>
internal static class IntelFixtures
{
    public static string File(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Intel", "Fixtures", name);
}
