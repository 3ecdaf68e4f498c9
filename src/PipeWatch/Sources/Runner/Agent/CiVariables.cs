namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The <c>ci.*</c> fields of the run the agent watches, read from the CI platform's variables (GitHub Actions, GitLab CI, Jenkins).</summary>
/// <param name="Platform">github, gitlab or jenkins; null when no platform's variables are set.</param>
public sealed record CiVariables(string? Platform, string? Repository, string? Pipeline, string? RunId, string? RunAttempt, string? Job, string? Branch, string? Commit, string? Actor)
{
    /// <summary>The fields from a set of variables (the process environment in the agent, a dictionary in tests).</summary>
    public static CiVariables From(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        if (get("GITHUB_ACTIONS") == "true")
        {
            return new("github", get("GITHUB_REPOSITORY"), get("GITHUB_WORKFLOW"), get("GITHUB_RUN_ID"), get("GITHUB_RUN_ATTEMPT"), get("GITHUB_JOB"),
                get("GITHUB_REF_NAME"), get("GITHUB_SHA"), get("GITHUB_ACTOR"));
        }

        if (get("GITLAB_CI") == "true")
        {
            return new("gitlab", get("CI_PROJECT_PATH"), get("CI_PIPELINE_NAME") ?? "pipeline",
                get("CI_PIPELINE_ID"), "1", get("CI_JOB_NAME"), get("CI_COMMIT_REF_NAME"), get("CI_COMMIT_SHA"), get("GITLAB_USER_LOGIN"));
        }

        if (get("JENKINS_URL") is not null && get("BUILD_NUMBER") is not null)
        {
            return new("jenkins", get("GIT_URL") ?? get("JOB_NAME"), get("JOB_NAME"), get("BUILD_NUMBER"), "1", get("STAGE_NAME") ?? get("JOB_BASE_NAME"),
                get("GIT_BRANCH") ?? get("BRANCH_NAME"), get("GIT_COMMIT"), get("BUILD_USER_ID"));
        }

        return new(null, null, null, null, null, null, null, null, null);
    }

    /// <summary>These values with the ones given explicitly (command-line options) taking precedence.</summary>
    public CiVariables With(string? repository = null, string? pipeline = null, string? runId = null, string? job = null) => this with
    {
        Repository = repository ?? Repository,
        Pipeline = pipeline ?? Pipeline,
        RunId = runId ?? RunId,
        Job = job ?? Job,
    };
}
