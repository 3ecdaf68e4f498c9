using PipeWatch.Store;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Learns secret values as fingerprints (<c>pipewatch secrets learn</c>), so later logs and telemetry are searched for them without the value being kept.</summary>
public static class KnownSecretLearning
{
    /// <summary>The shortest value learned.</summary>
    public const int MinimumLength = KnownSecretForms.MinimumLength;

    /// <summary>The longest value learned.</summary>
    public const int MaximumLength = KnownSecretForms.MaximumLength;

    /// <summary>Why <paramref name="value"/> cannot be learned, or null when it can.</summary>
    public static string? Refusal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0) return "it is empty";
        if (value.Length < MinimumLength) return $"it is shorter than {MinimumLength} characters (too short to search for without false alarms, and guessable from its fingerprint)";
        if (value.Length > MaximumLength) return $"it is longer than {MaximumLength} characters";
        if (value.Contains('\n') || value.Contains('\r')) return "it spans several lines (learn single-line values)";
        return null;
    }

    /// <summary>Stores the fingerprints of <paramref name="value"/>'s forms under <paramref name="name"/>, replacing those of its previous value.</summary>
    /// <exception cref="ArgumentException">The value cannot be learned (<see cref="Refusal"/>).</exception>
    public static KnownSecretLearned Learn(IKnownSecretStore store, string name, string value, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Refusal(value) is { } refusal) throw new ArgumentException($"{name}: {refusal}", nameof(value));
        var key = store.KnownSecretKey();
        var fingerprints = KnownSecretForms.Of(value)
            .Select(f => new KnownSecretFingerprint(name, f.Form, KnownSecretForms.Alphabet(f.Text), f.Text.Length, KnownSecretForms.Hash(key.Span, f.Text), now))
            .ToList();
        var before = store.ReadKnownSecrets().Where(f => f.Name == name).ToList();
        var plain = fingerprints[0].Hash;
        var change = before.Count == 0 ? KnownSecretChange.New
            : before.Any(f => f.Form == "plain" && f.Hash.Span.SequenceEqual(plain.Span)) ? KnownSecretChange.Unchanged
            : KnownSecretChange.Rotated;
        store.ReplaceKnownSecret(name, fingerprints);
        return new KnownSecretLearned(name, change, fingerprints.Count, KnownSecretForms.GuessBits(value, value.Length) < 64);
    }
}

/// <summary>What learning a value did.</summary>
/// <param name="Name">The secret variable.</param>
/// <param name="Change">New, the same value again, or a new value replacing the old one's fingerprints.</param>
/// <param name="Forms">How many forms were fingerprinted.</param>
/// <param name="Guessable">True when the value is short or simple enough that whoever reads the store could guess it from its fingerprint.</param>
public sealed record KnownSecretLearned(string Name, KnownSecretChange Change, int Forms, bool Guessable);

/// <summary>How a learned value relates to what the store held under its name.</summary>
public enum KnownSecretChange
{
    /// <summary>The name was not known.</summary>
    New,

    /// <summary>The same value as before.</summary>
    Unchanged,

    /// <summary>A different value: the old fingerprints are gone.</summary>
    Rotated,
}
