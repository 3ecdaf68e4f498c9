using System.Text.Json;
using PipeWatch.Sources;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources;

public sealed class PayloadFormatDetectionTests
{
    [Theory]
    [InlineData("gitlab-pipeline", "corpus", "gitlab-webhooks", "pipeline.json")]
    [InlineData("gitlab-job", "corpus", "gitlab-webhooks", "job.json")]
    [InlineData("gitlab-job", "corpus", "gitlab-webhooks", "build.json")]
    [InlineData("jenkins-build", "fixture", "Jenkins", "build-success.json")]
    [InlineData("jenkins-build", "fixture", "Jenkins", "build-failure-folder-job.json")]
    [InlineData("jenkins-build", "fixture", "Jenkins", "build-freestyle-in-progress.json")]
    [InlineData("jenkins-stages", "fixture", "Jenkins", "stages-success.json")]
    [InlineData("jenkins-stages", "fixture", "Jenkins", "stages-failed.json")]
    [InlineData("jenkins-stages", "fixture", "Jenkins", "stages-in-progress.json")]
    [InlineData("gitlab-deployment", "corpus", "gitlab-webhooks", "deployment.json")]
    [InlineData("github-deployment", "corpus", "github-webhooks", "deployment/gh-pages.payload.json")]
    [InlineData("github-deployment-status", "corpus", "github-webhooks", "deployment_status/gh-pages.payload.json")]
    [InlineData("github-deployment-review", "corpus", "github-webhooks", "deployment_review/requested.payload.json")]
    [InlineData("github-deployment-review", "fixture", "GitHub", "deployment-review-approved.json")]
    [InlineData("argocd-application", "fixture", "ArgoCd", "application-synced.json")]
    [InlineData("gitlab-push", "corpus", "gitlab-webhooks", "push.json")]
    [InlineData("github-push", "corpus", "github-webhooks", "push/with-new-branch.payload.json")]
    [InlineData("github-push", "corpus", "github-webhooks", "push/payload.json")]
    public void Auto_detection_picks_the_format_of_each_file(string expected, string where, string folder, string name)
    {
        var path = where == "corpus" ? Corpus.File(folder, name) : PayloadFiles.Fixture(folder, name);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));

        var format = PayloadFormats.All.FirstOrDefault(f => f.Recognizes(document.RootElement));

        Assert.Equal(expected, format?.Id);
    }

    [Theory]
    [InlineData("workflow_job", "in_progress.payload.json", "github-workflow-job")]
    [InlineData("workflow_job", "completed.success.with-organization.payload.json", "github-workflow-job")]
    [InlineData("workflow_run", "completed.payload.json", "github-workflow-run")]
    public void GitHub_payloads_are_still_detected_as_GitHub(string folder, string name, string expected)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Corpus.File("github-webhooks", folder, name)));

        Assert.Equal(expected, PayloadFormats.All.FirstOrDefault(f => f.Recognizes(document.RootElement))?.Id);
    }

    [Theory]
    [InlineData("merge_request.json")]
    [InlineData("tag_push.json")]
    public void Other_gitlab_hooks_are_recognized_by_no_format(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Corpus.File("gitlab-webhooks", name)));

        Assert.DoesNotContain(PayloadFormats.All, f => f.Recognizes(document.RootElement));
    }

    [Theory]
    [InlineData("gitlab-pipeline")]
    [InlineData("gitlab-job")]
    [InlineData("jenkins-build")]
    [InlineData("jenkins-stages")]
    public void Each_new_format_is_found_by_its_id(string id) => Assert.Equal(id, PayloadFormats.Find(id)?.Id);
}
