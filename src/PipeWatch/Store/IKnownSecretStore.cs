namespace PipeWatch.Store;

/// <summary>Where the fingerprints of known secrets (<c>pipewatch secrets learn</c>) are kept: keyed hashes of each value's forms, never a value.</summary>
/// <remarks>
/// Each fingerprint is HMAC-SHA256 under the store's own random key (<see cref="KnownSecretKey"/>), so a fingerprint says nothing
/// without the store and cannot be matched against tables made for other stores. One writer at a time; owned by the host.
/// </remarks>
public interface IKnownSecretStore
{
    /// <summary>The store's fingerprint key: 32 random bytes made on first use and kept for the store's life.</summary>
    ReadOnlyMemory<byte> KnownSecretKey();

    /// <summary>Every fingerprint of every known secret.</summary>
    IReadOnlyList<KnownSecretFingerprint> ReadKnownSecrets();

    /// <summary>Replaces the fingerprints of the secret <paramref name="name"/> by <paramref name="fingerprints"/> in one transaction: a rotated value's old forms stop matching.</summary>
    void ReplaceKnownSecret(string name, IReadOnlyList<KnownSecretFingerprint> fingerprints);

    /// <summary>Removes the fingerprints of <paramref name="name"/>; false when there were none.</summary>
    bool RemoveKnownSecret(string name);
}

/// <summary>The keyed hash of one form of a known secret, with what is needed to cut candidates of it out of a text.</summary>
/// <param name="Name">The secret variable (<c>GH_TOKEN</c>).</param>
/// <param name="Form">The form: <c>plain</c>, <c>base64</c>, <c>base64@1</c>, <c>hex</c>, <c>url</c>, <c>reversed</c>, <c>json</c>, <c>prefix-half</c>…</param>
/// <param name="Alphabet">The characters besides ASCII letters and digits the form is made of (a candidate is a run of them).</param>
/// <param name="Length">The form's length in characters.</param>
/// <param name="Hash">HMAC-SHA256 of the form's UTF-8 bytes under the store's key.</param>
/// <param name="LearnedAt">When the value was learned.</param>
public sealed record KnownSecretFingerprint(string Name, string Form, string Alphabet, int Length, ReadOnlyMemory<byte> Hash, DateTimeOffset LearnedAt);
