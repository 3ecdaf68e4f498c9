using PipeWatch.Detectors.Deployment;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

// The detectors.deployment.* settings of pipewatch.yml.
public static partial class ConfigLoader
{
    private sealed partial class Reader
    {
        private UnapprovedTargetOptions UnapprovedTarget(YamlMappingNode settings, string path, UnapprovedTargetOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "deployment.unapproved-target", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "approved" => options with { Approved = Approved(value, at) },
                    _ => Unknown(value, at, "enabled, min-samples, approved", options),
                };
            }

            return options;
        }

        private ExcessiveFrequencyOptions ExcessiveFrequency(YamlMappingNode settings, string path, ExcessiveFrequencyOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "deployment.excessive-frequency", disabled, options),
                    "weeks" => options with { Weeks = Int(value, at, 1, HourlyDeployCounts.MaximumWeeks - 1) ?? options.Weeks },
                    "min-weeks" => options with { MinimumWeeks = Int(value, at, 1, HourlyDeployCounts.MaximumWeeks - 1) ?? options.MinimumWeeks },
                    "min-count" => options with { MinimumCount = Int(value, at, 1, 10_000) ?? options.MinimumCount },
                    "probability" => options with { Probability = Number(value, at, 1e-9, 0.5) ?? options.Probability },
                    "burst-count" => options with { BurstCount = Int(value, at, 2, 1000) ?? options.BurstCount },
                    "burst-window" => options with { BurstWindow = Duration(value, at) ?? options.BurstWindow },
                    _ => Unknown(value, at, "enabled, weeks, min-weeks, min-count, probability, burst-count, burst-window", options),
                };
            }

            if (options.MinimumWeeks > options.Weeks)
            {
                Problem(settings, $"{path}: min-weeks ({options.MinimumWeeks}) cannot exceed weeks ({options.Weeks}): the hourly rule could never fire");
            }

            return options;
        }

        private UnusualDeployActorOptions UnusualDeployActor(YamlMappingNode settings, string path, UnusualDeployActorOptions options, HashSet<string> disabled)
        {
            foreach (var (key, value) in Entries(settings))
            {
                var at = $"{path}.{key}";
                options = key switch
                {
                    "enabled" => Enabled(value, at, "deployment.unusual-actor", disabled, options),
                    "min-samples" => options with { MinimumSamples = Int(value, at, 1, 100_000) ?? options.MinimumSamples },
                    "bots" => options with { Bots = Strings(value, at) },
                    _ => Unknown(value, at, "enabled, min-samples, bots", options),
                };
            }

            return options;
        }

        private List<ApprovedTargets> Approved(YamlNode node, string at)
        {
            var entries = new List<ApprovedTargets>();
            if (node is not YamlSequenceNode list)
            {
                Problem(node, $"{at}: must be a list of entries with repository, environments, targets");
                return entries;
            }

            var index = 0;
            foreach (var item in list.Children)
            {
                var path = $"{at}[{index++}]";
                if (!IsMapping(item, path, out var map)) continue;
                string? repository = null;
                IReadOnlyList<string> environments = [];
                IReadOnlyList<string> targets = [];
                foreach (var (key, value) in Entries(map))
                {
                    switch (key)
                    {
                        case "repository": repository = String(value, $"{path}.{key}"); break;
                        case "environments": environments = Strings(value, $"{path}.{key}"); break;
                        case "targets": targets = Strings(value, $"{path}.{key}"); break;
                        default: Unknown(value, $"{path}.{key}", "repository, environments, targets"); break;
                    }
                }

                if (repository is null)
                {
                    Problem(item, $"{path}: missing 'repository' (a glob such as 'octo-org/*')");
                    continue;
                }

                if (environments.Count == 0 && targets.Count == 0)
                {
                    Problem(item, $"{path}: approves everything; give 'environments', 'targets' or both");
                    continue;
                }

                entries.Add(new ApprovedTargets(repository, environments, targets));
            }

            return entries;
        }

        /// <summary>A list of non-empty strings (a single value is a list of one).</summary>
        private List<string> Strings(YamlNode node, string at)
        {
            if (node is YamlScalarNode) return String(node, at) is { } one ? [one] : [];
            if (node is not YamlSequenceNode list)
            {
                Problem(node, $"{at}: expected a list of values");
                return [];
            }

            var values = new List<string>();
            var index = 0;
            foreach (var item in list.Children)
            {
                if (String(item, $"{at}[{index++}]") is { } text) values.Add(text);
            }

            return values;
        }
    }
}
