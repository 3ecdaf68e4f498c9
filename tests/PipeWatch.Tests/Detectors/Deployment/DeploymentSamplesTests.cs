using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Detectors.Deployment;

public sealed class DeploymentSamplesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Every_deployment_sample_is_read_without_problems_and_raises_nothing_on_its_own()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"),
        [
            Corpus.File("github-webhooks", "deployment"),
            Corpus.File("github-webhooks", "deployment_status"),
            Corpus.File("github-webhooks", "deployment_review"),
            Corpus.File("gitlab-webhooks", "deployment.json"),
            Fixture("GitHub", "deployment-review-approved.json"),
            Fixture("JsonLines", "deployments.jsonl"),
            Fixture("Kubernetes", "audit.jsonl"),
            Fixture("ArgoCd", "application-synced.json"),
            Fixture("ArgoCd", "application-auto-sync-failed.json"),
        ]);

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
        Assert.Equal(16, result.Summary.Events);
    }

    public void Dispose() => _temp.Dispose();
}
