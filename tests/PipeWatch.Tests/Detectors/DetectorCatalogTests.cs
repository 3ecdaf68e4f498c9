using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Detectors;

public sealed class DetectorCatalogTests
{
    [Fact]
    public void Every_registered_detector_and_secret_rule_is_in_the_catalog_once_with_its_modes()
    {
        var catalog = DetectorCatalog.BuiltIn.ToDictionary(e => e.Id);

        Assert.Equal(catalog.Count, DetectorCatalog.BuiltIn.Count);
        Assert.All(BuiltInDetectors.Create(PipeWatchConfig.Default), d => Assert.True(catalog[d.Info.Id].Modes.HasFlag(DetectorModes.Ingest | DetectorModes.Serve)));
        Assert.All(BuiltInDetectors.ForScan(PipeWatchConfig.Default, SecretRuleBook.BuiltIn), a => Assert.True(catalog[a.Info.Id].Modes.HasFlag(DetectorModes.Scan)));
        Assert.All(SecretRuleBook.BuiltIn.Rules, r => Assert.Equal(Categories.HardcodedSecret, catalog[r.Id].Category));
        Assert.All(catalog.Values, e => Assert.True(Categories.IsKnown(e.Category), e.Id));
    }

    [Fact]
    public void A_detector_that_runs_on_events_and_on_commits_is_one_entry_with_both_modes()
    {
        var largeDeletion = Assert.Single(DetectorCatalog.BuiltIn, e => e.Id == "code-change.large-deletion");

        Assert.Equal(DetectorModes.Scan | DetectorModes.Ingest | DetectorModes.Serve, largeDeletion.Modes);
        Assert.Equal(Categories.LargeDeletion, largeDeletion.Category);
    }
}
