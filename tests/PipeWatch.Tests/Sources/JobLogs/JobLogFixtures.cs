namespace PipeWatch.Tests.Sources.JobLogs;

/// <summary>The job log fixtures: real-format logs of GitHub Actions, GitLab and Jenkins with the secrets they print.</summary>
internal static class JobLogFixtures
{
    /// <summary>A GitHub Actions job log as downloaded from run 13848234567, whose tj-actions/changed-files step prints a double-base64 dump of runner secrets on line 56.</summary>
    public static string GitHubLog => Path("logs_13848234567", "0_build.txt");

    /// <summary>The same log as GitHub would show it had the values been masked: every secret is <c>***</c>.</summary>
    public static string GitHubMaskedLog => Path("masked", "logs_13848234567", "0_build.txt");

    /// <summary>A GitLab job trace (job 9412345678) whose <c>step_script</c> section echoes a GitLab token on line 20.</summary>
    public static string GitLabTrace => Path("9412345678.log");

    /// <summary>A Jenkins build log (payments-deploy #57) whose Publish stage echoes a GitHub token on lines 35 and 36.</summary>
    public static string JenkinsLog => Path("jenkins", "jobs", "payments-deploy", "builds", "57", "log");

    public const string DumpedGitHubToken = "ghs_OCN5K05cZchkuLmxUy0FXGfxtmjssZ3nMCOy";
    public const string DumpedNpmToken = "npm_n6GytPRc1GSCaDJKttRCeYfpJHdrhU4x6M57";
    public const string DumpedAwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string GitLabToken = "glpat-F38UwH7_joGy6oCagEV0";
    public const string JenkinsToken = "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";

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Sources", "JobLogs", "Fixtures", .. parts]);
}
