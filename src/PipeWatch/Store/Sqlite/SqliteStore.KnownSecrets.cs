namespace PipeWatch.Store.Sqlite;

/// <summary>The known-secret fingerprints of migration 15 (the store's HMAC key, and each learned secret's form hashes), through <see cref="SharedKnownSecrets"/>.</summary>
public sealed partial class SqliteStore : IKnownSecretStore
{
    private SharedKnownSecrets KnownSecrets => new(this);

    public ReadOnlyMemory<byte> KnownSecretKey() => KnownSecrets.KnownSecretKey();

    public IReadOnlyList<KnownSecretFingerprint> ReadKnownSecrets() => KnownSecrets.ReadKnownSecrets();

    public void ReplaceKnownSecret(string name, IReadOnlyList<KnownSecretFingerprint> fingerprints) => KnownSecrets.ReplaceKnownSecret(name, fingerprints);

    public bool RemoveKnownSecret(string name) => KnownSecrets.RemoveKnownSecret(name);
}
