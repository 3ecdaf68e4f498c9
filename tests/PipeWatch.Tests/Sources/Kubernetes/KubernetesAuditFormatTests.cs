using PipeWatch.Events;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Kubernetes;

public sealed class KubernetesAuditFormatTests
{
    [Fact]
    public async Task Workload_changes_become_deployments_and_everything_else_is_skipped_silently()
    {
        var (events, problems) = await ReadAsync(Fixture("Kubernetes", "audit.jsonl"));

        Assert.Empty(problems);
        Assert.Equal([2, 5], events.Select(e => e.Origin.Line!.Value));
    }

    [Fact]
    public async Task Patch_of_a_deployment_carries_namespace_target_user_and_client()
    {
        var (events, _) = await ReadAsync(Fixture("Kubernetes", "audit.jsonl"));
        var e = events[0];

        Assert.Equal("kubernetes:1c9e2b2a-7a55-4d2c-9b4b-2b8f1e6c0d11:ResponseComplete", e.Id);
        Assert.Equal(Utc("2026-03-02T10:15:00.16421Z"), e.Timestamp);
        Assert.Equal(new DeploymentInfo("payments", "payments/deployments/payments-api", "payments-api", null, "patch"), e.Deployment);
        Assert.Equal("alice@example.com", e.UserName);
        Assert.Equal(new Client("203.0.113.24", null, "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819"), e.Client);
        Assert.Equal(Outcome.Success, e.Outcome);
        Assert.Equal("kubernetes", e.Ci.Platform);
        Assert.Equal("kubernetes:1c9e2b2a-7a55-4d2c-9b4b-2b8f1e6c0d11", e.Fields[EventFields.DeploymentId]);
    }

    [Fact]
    public async Task Forbidden_daemonset_create_keeps_its_image_and_service_account()
    {
        var (events, _) = await ReadAsync(Fixture("Kubernetes", "audit.jsonl"));
        var e = events[1];

        Assert.Equal(new DeploymentInfo("kube-system", "kube-system/daemonsets/node-agent", "node-agent", "ghcr.io/evil/xmrig:latest", "create"), e.Deployment);
        Assert.Equal(Outcome.Failure, e.Outcome);
        Assert.Equal("403", e.Fields["http.response.status_code"]);
        Assert.Equal("service-account", e.Fields[EventFields.UserType]);
    }
}
