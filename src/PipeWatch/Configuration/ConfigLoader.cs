using System.Globalization;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.Admin;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Findings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>Reads pipewatch.yml into a <see cref="PipeWatchConfig"/>: parse, validate every key (collecting all problems), then freeze.</summary>
public static partial class ConfigLoader
{
    /// <summary>The file name looked for in the working directory.</summary>
    public const string FileName = "pipewatch.yml";

    /// <summary>Loads <paramref name="path"/>, or <c>pipewatch.yml</c> in <paramref name="workingDirectory"/> when present, else the defaults.</summary>
    /// <exception cref="ConfigException">The file is missing (when named), unreadable or invalid.</exception>
    public static PipeWatchConfig Load(string? path, string workingDirectory)
    {
        if (path is null)
        {
            var local = Path.Combine(workingDirectory, FileName);
            return File.Exists(local) ? LoadFile(local) : PipeWatchConfig.Default;
        }

        return File.Exists(path) ? LoadFile(path) : throw new ConfigException([$"{path}: no such config file"]);
    }

    public static PipeWatchConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot read ({ex.Message})"]);
        }

        return Parse(text, path);
    }

    /// <summary>Parses YAML text; <paramref name="file"/> names it in problems.</summary>
    public static PipeWatchConfig Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ConfigException([$"{file}:{ex.Start.Line}: invalid YAML ({ex.Message})"]);
        }

        var reader = new Reader(file);
        var config = stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }
            ? PipeWatchConfig.Default with { File = file }
            : reader.Root(stream.Documents[0].RootNode);
        return reader.Problems.Count > 0 ? throw new ConfigException(reader.Problems) : config;
    }

    /// <summary>Walks the YAML tree, recording each problem and carrying on.</summary>
    private sealed partial class Reader(string file)
    {
        // The key node of each value seen, so a problem with a key is reported on the key's own line.
        private readonly Dictionary<YamlNode, YamlNode> _keyNodes = new(ReferenceEqualityComparer.Instance);

        public List<string> Problems { get; } = [];

        public PipeWatchConfig Root(YamlNode node)
        {
            var config = new PipeWatchConfig { File = file };
            if (!IsMapping(node, "the top level", out var root)) return config;
            int? minimumSamples = null;
            foreach (var (key, value) in Entries(root))
            {
                switch (key)
                {
                    case "min-samples": minimumSamples = Int(value, key, 1, 100_000); break;
                    case "detectors": config = Detectors(value, config); break;
                    case "allow": config = config with { Allow = Allow(value) }; break;
                    case "incidents": config = config with { Incidents = Incidents(value, config.Incidents) }; break;
                    default: Unknown(value, key, "min-samples, detectors, allow, incidents"); break;
                }
            }

            // A top-level min-samples is the default for every detector that did not set its own.
            if (minimumSamples is { } samples && Problems.Count == 0)
            {
                config = ApplyDefaultSamples(config, samples, root);
            }

            return config;
        }

        private PipeWatchConfig ApplyDefaultSamples(PipeWatchConfig config, int samples, YamlMappingNode root)
        {
            var detectors = root.Children.FirstOrDefault(p => Key(p.Key) == "detectors").Value as YamlMappingNode;
            bool Sets(string id) => detectors?.Children.FirstOrDefault(p => Key(p.Key) == id).Value is YamlMappingNode d
                && d.Children.Any(p => Key(p.Key) == "min-samples");
            return config with
            {
                LongDuration = Sets("pipeline.long-duration") ? config.LongDuration : config.LongDuration with { MinimumSamples = samples },
                StepOrderChanged = Sets("pipeline.step-order-changed") ? config.StepOrderChanged : config.StepOrderChanged with { MinimumSamples = samples },
                // Its outcome window holds 64 runs: a larger minimum could never be met.
                UnexpectedFailure = Sets("pipeline.unexpected-failure")
                    ? config.UnexpectedFailure
                    : config.UnexpectedFailure with { MinimumSamples = Math.Min(samples, Baselines.OutcomeHistory.Capacity) },
                UnauthorizedSecretAccess = Sets("secrets.unauthorized-access") ? config.UnauthorizedSecretAccess : config.UnauthorizedSecretAccess with { MinimumSamples = samples },
                SuspiciousLogin = Sets("access.suspicious-login") ? config.SuspiciousLogin : config.SuspiciousLogin with { MinimumSamples = samples },
                UnapprovedTarget = Sets("deployment.unapproved-target") ? config.UnapprovedTarget : config.UnapprovedTarget with { MinimumSamples = samples },
                UnusualDeployActor = Sets("deployment.unusual-actor") ? config.UnusualDeployActor : config.UnusualDeployActor with { MinimumSamples = samples },
            };
        }

        private PipeWatchConfig Detectors(YamlNode node, PipeWatchConfig config)
        {
            if (!IsMapping(node, "detectors", out var detectors)) return config;
            var disabled = new HashSet<string>(config.Disabled, StringComparer.Ordinal);
            foreach (var (id, value) in Entries(detectors))
            {
                var path = $"detectors.{id}";
                if (!IsMapping(value, path, out var settings)) continue;
                switch (id)
                {
                    case "pipeline.long-duration":
                        config = config with { LongDuration = LongDuration(settings, path, config.LongDuration, disabled) };
                        break;
                    case "pipeline.step-order-changed":
                        config = config with { StepOrderChanged = StepOrder(settings, path, config.StepOrderChanged, disabled) };
                        break;
                    case "pipeline.unexpected-failure":
                        config = config with { UnexpectedFailure = UnexpectedFailure(settings, path, config.UnexpectedFailure, disabled) };
                        break;
                    case "pipeline.repeated-failures":
                        config = config with { RepeatedFailures = RepeatedFailures(settings, path, config.RepeatedFailures, disabled) };
                        break;
                    case "secrets.unauthorized-access":
                        config = config with { UnauthorizedSecretAccess = SecretAccess(settings, path, config.UnauthorizedSecretAccess, disabled) };
                        break;
                    case "access.suspicious-login":
                        config = config with { SuspiciousLogin = SuspiciousLogin(settings, path, config.SuspiciousLogin, disabled) };
                        break;
                    case "access.permission-widened":
                        config = config with { AdminChange = AdminChange(settings, path, config.AdminChange, disabled) };
                        break;
                    case "deployment.unapproved-target":
                        config = config with { UnapprovedTarget = UnapprovedTarget(settings, path, config.UnapprovedTarget, disabled) };
                        break;
                    case "deployment.excessive-frequency":
                        config = config with { ExcessiveFrequency = ExcessiveFrequency(settings, path, config.ExcessiveFrequency, disabled) };
                        break;
                    case "deployment.unusual-actor":
                        config = config with { UnusualDeployActor = UnusualDeployActor(settings, path, config.UnusualDeployActor, disabled) };
                        break;
                    default:
                        Unknown(value, path, "pipeline.long-duration, pipeline.step-order-changed, pipeline.unexpected-failure, pipeline.repeated-failures, " +
                            "secrets.unauthorized-access, access.suspicious-login, access.permission-widened, " +
                            "deployment.unapproved-target, deployment.excessive-frequency, deployment.unusual-actor");
                        break;
                }
            }

            return config with { Disabled = disabled };
        }

        private LongDurationOptions LongDuration(YamlMappingNode settings, string path, LongDurationOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "pipeline.long-duration", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "threshold" => options with { Threshold = Number(value, at, 0.5, 1000) ?? options.Threshold },
                    "min-ratio" => options with { MinimumRatio = Number(value, at, 1, 1000) ?? options.MinimumRatio },
                    "min-increase" => options with { MinimumIncrease = Duration(value, at) ?? options.MinimumIncrease },
                    _ => Unknown(value, at, "enabled, min-samples, threshold, min-ratio, min-increase", options),
                };
            }

            return options;
        }

        private StepOrderChangedOptions StepOrder(YamlMappingNode settings, string path, StepOrderChangedOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "pipeline.step-order-changed", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "adopt-after" => options with { AdoptAfter = Int(value, at, 1, 1000) ?? options.AdoptAfter },
                    _ => Unknown(value, at, "enabled, min-samples, adopt-after", options),
                };
            }

            return options;
        }

        private UnexpectedFailureOptions UnexpectedFailure(YamlMappingNode settings, string path, UnexpectedFailureOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "pipeline.unexpected-failure", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, Baselines.OutcomeHistory.Capacity) ?? options.MinimumSamples },
                    "max-failure-rate" => options with { MaximumFailureRate = Number(value, at, 0, 1) ?? options.MaximumFailureRate },
                    _ => Unknown(value, at, "enabled, min-samples (at most 64), max-failure-rate", options),
                };
            }

            return options;
        }

        private RepeatedFailuresOptions RepeatedFailures(YamlMappingNode settings, string path, RepeatedFailuresOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "pipeline.repeated-failures", disabled, options),
                    "streak" => options with { Streak = Int(value, at, 2, 1000) ?? options.Streak },
                    _ => Unknown(value, at, "enabled, streak", options),
                };
            }

            return options;
        }

        private IncidentOptions Incidents(YamlNode node, IncidentOptions options)
        {
            if (!IsMapping(node, "incidents", out var settings)) return options;
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"incidents.{key}";
                options = key switch
                {
                    "window" => options with { Window = Duration(value, at, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)) ?? options.Window },
                    _ => Unknown(value, at, "window", options),
                };
            }

            return options;
        }

        private UnauthorizedSecretAccessOptions SecretAccess(YamlMappingNode settings, string path, UnauthorizedSecretAccessOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "secrets.unauthorized-access", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "broad-scopes" => options with { BroadScopes = Strings(value, at) ?? options.BroadScopes },
                    _ => Unknown(value, at, "enabled, min-samples, broad-scopes", options),
                };
            }

            return options;
        }

        private SuspiciousLoginOptions SuspiciousLogin(YamlMappingNode settings, string path, SuspiciousLoginOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "access.suspicious-login", disabled, options),
                    "failure-burst" => options with { FailureBurst = Int(value, at, 2, 10_000) ?? options.FailureBurst },
                    "failure-window" => options with { FailureWindow = Duration(value, at) ?? options.FailureWindow },
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "report-new-ip" => options with { ReportNewIp = Bool(value, at) ?? options.ReportNewIp },
                    "max-speed-kmh" => options with { MaximumSpeedKmh = Number(value, at, 100, 100_000) ?? options.MaximumSpeedKmh },
                    "min-distance-km" => options with { MinimumDistanceKm = Number(value, at, 0, 20_000) ?? options.MinimumDistanceKm },
                    "min-hour-samples" => options with { MinimumHourSamples = Int(value, at, 1, 1_000_000) ?? options.MinimumHourSamples },
                    "max-hour-share" => options with { MaximumHourShare = Number(value, at, 0, 1) ?? options.MaximumHourShare },
                    _ => Unknown(value, at, "enabled, failure-burst, failure-window, min-samples, report-new-ip, max-speed-kmh, min-distance-km, min-hour-samples, max-hour-share", options),
                };
            }

            return options;
        }

        private AdminChangeOptions AdminChange(YamlMappingNode settings, string path, AdminChangeOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "access.permission-widened", disabled, options),
                    "webhook-domains" => options with { WebhookDomains = Strings(value, at) ?? options.WebhookDomains },
                    _ => Unknown(value, at, "enabled, webhook-domains", options),
                };
            }

            return options;
        }

        private bool? Bool(YamlNode node, string at)
        {
            switch (Scalar(node, at)?.ToLowerInvariant())
            {
                case "true": return true;
                case "false": return false;
                case null: return null;
                default: Problem(node, $"{at}: expected true or false"); return null;
            }
        }

        private List<AllowEntry> Allow(YamlNode node)
        {
            var entries = new List<AllowEntry>();
            if (node is not YamlSequenceNode list)
            {
                Problem(node, "allow: must be a list of entries");
                return entries;
            }

            var index = 0;
            foreach (var item in list.Children)
            {
                var path = $"allow[{index++}]";
                if (!IsMapping(item, path, out var map)) continue;
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in Entries(map))
                {
                    if (key is "reason" or "rule" or "category" or "repository" or "pipeline" or "job" or "step" or "actor")
                    {
                        if (String(value, $"{path}.{key}") is { } text) fields[key] = text;
                    }
                    else
                    {
                        Unknown(value, $"{path}.{key}", "reason, rule, category, repository, pipeline, job, step, actor");
                    }
                }

                if (fields.TryGetValue("category", out var category) && !Categories.IsKnown(category))
                {
                    var categoryKey = map.Children.First(p => Key(p.Key) == "category").Key;
                    Problem(categoryKey, $"{path}.category: '{category}' is not a category of the taxonomy");
                }

                if (!fields.ContainsKey("reason"))
                {
                    Problem(item, $"{path}: missing 'reason' (say why this is allowed)");
                }

                if (fields.Keys.All(k => k == "reason"))
                {
                    Problem(item, $"{path}: matches everything; give at least one of rule, category, repository, pipeline, job, step, actor");
                    continue;
                }

                entries.Add(new AllowEntry(
                    fields.GetValueOrDefault("reason") ?? string.Empty,
                    fields.GetValueOrDefault("rule"),
                    fields.GetValueOrDefault("category"),
                    fields.GetValueOrDefault("repository"),
                    fields.GetValueOrDefault("pipeline"),
                    fields.GetValueOrDefault("job"),
                    fields.GetValueOrDefault("step"),
                    fields.GetValueOrDefault("actor")));
            }

            return entries;
        }

        private T Enabled<T>(YamlNode value, string at, string id, HashSet<string> disabled, T options)
        {
            switch (Scalar(value, at)?.ToLowerInvariant())
            {
                case "true": disabled.Remove(id); break;
                case "false": disabled.Add(id); break;
                case null: break;
                default: Problem(value, $"{at}: expected true or false"); break;
            }

            return options;
        }

        private int? Int(YamlNode node, string at, int min, int max)
        {
            var text = Scalar(node, at);
            if (text is null) return null;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            Problem(node, $"{at}: expected a whole number from {min} to {max}, got '{text}'");
            return null;
        }

        private double? Number(YamlNode node, string at, double min, double max)
        {
            var text = Scalar(node, at);
            if (text is null) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            Problem(node, $"{at}: expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
            return null;
        }

        private TimeSpan? Duration(YamlNode node, string at)
        {
            var text = Scalar(node, at);
            if (text is null) return null;
            if (DurationText.TryParse(text, out var value)) return value;
            Problem(node, $"{at}: expected a duration such as 30s, 5m or 1h, got '{text}'");
            return null;
        }

        private TimeSpan? Duration(YamlNode node, string at, TimeSpan min, TimeSpan max)
        {
            var text = Scalar(node, at);
            if (text is null) return null;
            if (DurationText.TryParse(text, out var value) && value >= min && value <= max) return value;
            Problem(node, $"{at}: expected a duration from 1s to 30d such as 30m or 2h, got '{text}'");
            return null;
        }

        private string? String(YamlNode node, string at)
        {
            var text = Scalar(node, at);
            if (text is { Length: 0 }) Problem(node, $"{at}: must not be empty");
            return string.IsNullOrEmpty(text) ? null : text;
        }

        private string? Scalar(YamlNode node, string at)
        {
            if (node is YamlScalarNode scalar) return scalar.Value ?? string.Empty;
            Problem(node, $"{at}: expected a single value");
            return null;
        }

        private bool IsMapping(YamlNode node, string at, out YamlMappingNode mapping)
        {
            if (node is YamlMappingNode map)
            {
                mapping = map;
                return true;
            }

            mapping = new YamlMappingNode();
            Problem(node, $"{at}: expected a mapping of keys to values");
            return false;
        }

        private IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping)
        {
            foreach (var pair in mapping.Children)
            {
                _keyNodes[pair.Value] = pair.Key;
                yield return (Key(pair.Key), pair.Value);
            }
        }

        private static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? node.ToString();

        private void Unknown(YamlNode node, string at, string expected) =>
            Problem(_keyNodes.GetValueOrDefault(node) ?? node, $"unknown key '{at}' (expected one of: {expected})");

        private T Unknown<T>(YamlNode node, string at, string expected, T options)
        {
            Unknown(node, at, expected);
            return options;
        }

        private void Problem(YamlNode node, string message) => Problems.Add($"{file}:{node.Start.Line}: {message}");
    }
}
