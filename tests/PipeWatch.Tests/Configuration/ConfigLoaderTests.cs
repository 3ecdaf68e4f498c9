using PipeWatch.Alerting;
using PipeWatch.Configuration;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Engine;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private const string File = "pipewatch.yml";
    private readonly TempFolder _temp = new();

    // Every documented key of every section, each to its own option: DocumentedSettingsTests.
    [Fact]
    public void Pipeline_sections_enabled_and_allow_entries_of_one_file_map_to_their_options()
    {
        var config = ConfigLoader.Parse(
            """
            min-samples: 20
            detectors:
              pipeline.long-duration:
                enabled: true
                min-samples: 15
                threshold: 5.5
                min-ratio: 2
                min-increase: 45s
              pipeline.step-order-changed:
                min-samples: 8
                adopt-after: 4
              pipeline.unexpected-failure:
                min-samples: 12
                max-failure-rate: 0.1
              pipeline.repeated-failures:
                streak: 5
                enabled: false
            allow:
              - reason: nightly job is slow by design
                rule: pipeline.long-duration
                repository: octo-org/*
                job: nightly
              - reason: the release bot reorders publishing
                category: pipeline.step-order-changed
                pipeline: Release
                step: Publish
                actor: release-bot
            """,
            File);

        Assert.Equal(File, config.File);
        Assert.Equal(
            new LongDurationOptions { MinimumSamples = 15, Threshold = 5.5, MinimumRatio = 2, MinimumIncrease = TimeSpan.FromSeconds(45) },
            config.Options<LongDurationOptions>());
        Assert.Equal(new StepOrderChangedOptions { MinimumSamples = 8, AdoptAfter = 4 }, config.Options<StepOrderChangedOptions>());
        Assert.Equal(new UnexpectedFailureOptions { MinimumSamples = 12, MaximumFailureRate = 0.1 }, config.Options<UnexpectedFailureOptions>());
        Assert.Equal(new RepeatedFailuresOptions { Streak = 5 }, config.Options<RepeatedFailuresOptions>());
        Assert.Equal(["pipeline.repeated-failures"], config.Disabled.Order());
        Assert.Equal(
            [
                new AllowEntry("nightly job is slow by design", Rule: "pipeline.long-duration", Repository: "octo-org/*", Job: "nightly"),
                new AllowEntry("the release bot reorders publishing", Category: "pipeline.step-order-changed", Pipeline: "Release", Step: "Publish", Actor: "release-bot"),
            ],
            config.Allow);
    }

    [Fact]
    public void Top_level_min_samples_applies_to_detectors_that_do_not_set_their_own()
    {
        var config = ConfigLoader.Parse(
            """
            min-samples: 20
            detectors:
              pipeline.long-duration:
                min-samples: 15
            """,
            File);

        Assert.Equal(15, config.Options<LongDurationOptions>().MinimumSamples);
        Assert.Equal(20, config.Options<StepOrderChangedOptions>().MinimumSamples);
        Assert.Equal(20, config.Options<UnexpectedFailureOptions>().MinimumSamples);
    }

    [Fact]
    public void Top_level_min_samples_is_capped_at_the_outcome_window_for_unexpected_failure()
    {
        var config = ConfigLoader.Parse("min-samples: 100", File);

        Assert.Equal(100, config.Options<LongDurationOptions>().MinimumSamples);
        Assert.Equal(100, config.Options<StepOrderChangedOptions>().MinimumSamples);
        Assert.Equal(64, config.Options<UnexpectedFailureOptions>().MinimumSamples);
    }

    [Fact]
    public void Unknown_key_names_file_line_and_full_key_path()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            min-samples: 10
            detectors:
              pipeline.long-duration:
                treshold: 5
            """,
            File));

        Assert.Equal(
            ["pipewatch.yml:4: unknown key 'detectors.pipeline.long-duration.treshold' (expected one of: enabled, min-samples, threshold, min-ratio, min-increase)"],
            error.Problems);
    }

    [Fact]
    public void Unknown_top_level_key_is_reported()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("min-sample: 10", File));

        Assert.Equal(["pipewatch.yml:1: unknown key 'min-sample' (expected one of: min-samples, detectors, allow, incidents, sigma, signals, serve, alerts, intel, secrets)"], error.Problems);
    }

    [Fact]
    public void Unknown_detector_id_is_reported_on_the_line_of_its_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              pipeline.long-durations:
                threshold: 5
            """,
            File));

        Assert.StartsWith("pipewatch.yml:2: unknown key 'detectors.pipeline.long-durations'", Assert.Single(error.Problems));
    }

    [Fact]
    public void Word_for_a_number_names_the_key_and_the_expected_range()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              pipeline.repeated-failures:
                streak: many
            """,
            File));

        Assert.Equal(["pipewatch.yml:3: detectors.pipeline.repeated-failures.streak: expected a whole number from 2 to 1000, got 'many'"], error.Problems);
    }

    [Fact]
    public void Rate_above_one_names_the_key_and_the_expected_range()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              pipeline.unexpected-failure:
                max-failure-rate: 2
            """,
            File));

        Assert.Equal(["pipewatch.yml:3: detectors.pipeline.unexpected-failure.max-failure-rate: expected a number from 0 to 1, got '2'"], error.Problems);
    }

    [Fact]
    public void Bad_duration_names_the_key_and_the_expected_form()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              pipeline.long-duration:
                min-increase: soon
            """,
            File));

        Assert.Equal(["pipewatch.yml:3: detectors.pipeline.long-duration.min-increase: expected a duration such as 30s, 5m or 1h, got 'soon'"], error.Problems);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            min-samples: 0
            detectors:
              pipeline.repeated-failures:
                streak: many
                enabled: maybe
              pipeline.unexpected-failure:
                max-failure-rate: 2
              pipeline.long-duration:
                treshold: 5
            """,
            File));

        Assert.Equal(
            [
                "pipewatch.yml:1: min-samples: expected a whole number from 1 to 100000, got '0'",
                "pipewatch.yml:4: detectors.pipeline.repeated-failures.streak: expected a whole number from 2 to 1000, got 'many'",
                "pipewatch.yml:5: detectors.pipeline.repeated-failures.enabled: expected true or false",
                "pipewatch.yml:7: detectors.pipeline.unexpected-failure.max-failure-rate: expected a number from 0 to 1, got '2'",
                "pipewatch.yml:9: unknown key 'detectors.pipeline.long-duration.treshold' (expected one of: enabled, min-samples, threshold, min-ratio, min-increase)",
            ],
            error.Problems);
        Assert.Equal(string.Join(Environment.NewLine, error.Problems), error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# nothing configured yet\n")]
    public void Empty_file_gives_the_defaults(string yaml)
    {
        var config = ConfigLoader.Parse(yaml, File);

        Assert.Equal(File, config.File);
        Assert.Equal(new LongDurationOptions(), config.Options<LongDurationOptions>());
        Assert.Equal(new StepOrderChangedOptions(), config.Options<StepOrderChangedOptions>());
        Assert.Equal(new UnexpectedFailureOptions(), config.Options<UnexpectedFailureOptions>());
        Assert.Equal(new RepeatedFailuresOptions(), config.Options<RepeatedFailuresOptions>());
        Assert.Empty(config.Disabled);
        Assert.Empty(config.Allow);
    }

    [Fact]
    public void Defaults_are_the_documented_values()
    {
        var config = PipeWatchConfig.Default;

        Assert.Equal((10, 4.0, 1.5, TimeSpan.FromSeconds(30)), (config.Options<LongDurationOptions>().MinimumSamples, config.Options<LongDurationOptions>().Threshold, config.Options<LongDurationOptions>().MinimumRatio, config.Options<LongDurationOptions>().MinimumIncrease));
        Assert.Equal((10, 3), (config.Options<StepOrderChangedOptions>().MinimumSamples, config.Options<StepOrderChangedOptions>().AdoptAfter));
        Assert.Equal((10, 0.05), (config.Options<UnexpectedFailureOptions>().MinimumSamples, config.Options<UnexpectedFailureOptions>().MaximumFailureRate));
        Assert.Equal(3, config.Options<RepeatedFailuresOptions>().Streak);
        Assert.Equal(TimeSpan.FromHours(1), config.Incidents.Window);
        Assert.Null(config.File);
    }

    [Fact]
    public void Incidents_window_sets_the_correlation_window()
    {
        var config = ConfigLoader.Parse(
            """
            incidents:
              window: 90m
            """,
            File);

        Assert.Equal(TimeSpan.FromMinutes(90), config.Incidents.Window);
    }

    [Fact]
    public void Bad_incidents_window_and_unknown_incidents_key_are_both_reported()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            incidents:
              window: 0s
              group-by: actor
            """,
            File));

        Assert.Equal(
            [
                "pipewatch.yml:2: incidents.window: expected a duration from 1s to 30d such as 30m or 2h, got '0s'",
                "pipewatch.yml:3: unknown key 'incidents.group-by' (expected one of: window)",
            ],
            error.Problems);
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_line()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            min-samples: 10
            detectors:
              pipeline.long-duration:
                threshold: [1, 2
            """,
            File));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("pipewatch.yml:5: invalid YAML (", problem);
    }

    [Fact]
    public void Top_level_that_is_not_a_mapping_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("- min-samples: 10", File));

        Assert.Equal(["pipewatch.yml:1: the top level: expected a mapping of keys to values"], error.Problems);
    }

    [Fact]
    public void Allow_entry_without_a_reason_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            allow:
              - rule: pipeline.long-duration
            """,
            File));

        Assert.Equal(["pipewatch.yml:2: allow[0]: missing 'reason' (say why this is allowed)"], error.Problems);
    }

    [Fact]
    public void Allow_entry_with_an_unknown_category_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            allow:
              - reason: known slow
                category: pipeline.slow
            """,
            File));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("pipewatch.yml:", problem);
        Assert.EndsWith(": allow[0].category: 'pipeline.slow' is not a category of the taxonomy", problem);
    }

    [Fact]
    public void Allow_entry_with_only_a_reason_is_an_error_because_it_matches_everything()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            allow:
              - reason: too noisy
            """,
            File));

        Assert.Equal(["pipewatch.yml:2: allow[0]: matches everything; give at least one of rule, category, repository, pipeline, job, step, actor, path"], error.Problems);
    }

    [Fact]
    public void Allow_that_is_not_a_list_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("allow: everything", File));

        Assert.Equal(["pipewatch.yml:1: allow: must be a list of entries"], error.Problems);
    }

    [Fact]
    public void Load_reads_pipewatch_yml_from_the_working_directory()
    {
        System.IO.File.WriteAllText(_temp.File(ConfigLoader.FileName), "detectors:\n  pipeline.repeated-failures:\n    streak: 7\n");

        var config = ConfigLoader.Load(null, _temp.Path);

        Assert.Equal(7, config.Options<RepeatedFailuresOptions>().Streak);
        Assert.Equal(_temp.File(ConfigLoader.FileName), config.File);
    }

    [Fact]
    public void Load_without_a_file_gives_the_defaults()
    {
        Assert.Same(PipeWatchConfig.Default, ConfigLoader.Load(null, _temp.Path));
    }

    [Fact]
    public void Load_of_a_named_missing_file_is_an_error()
    {
        var missing = _temp.File("other.yml");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(missing, _temp.Path));

        Assert.Equal([$"{missing}: no such config file"], error.Problems);
    }

    public void Dispose() => _temp.Dispose();
}
