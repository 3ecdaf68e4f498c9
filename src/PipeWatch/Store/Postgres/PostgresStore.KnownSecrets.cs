namespace PipeWatch.Store.Postgres;

/// <summary>The known-secret fingerprints on PostgreSQL (migration 5), through the SQL both stores speak (<see cref="SharedKnownSecrets"/>).</summary>
internal sealed partial class PostgresStore : IKnownSecretStore
{
    private SharedKnownSecrets KnownSecrets => new(this);

    public ReadOnlyMemory<byte> KnownSecretKey() => Guard("cannot read the known-secret key", () => KnownSecrets.KnownSecretKey());

    public IReadOnlyList<KnownSecretFingerprint> ReadKnownSecrets() => Guard("cannot read known secrets", () => KnownSecrets.ReadKnownSecrets());

    public void ReplaceKnownSecret(string name, IReadOnlyList<KnownSecretFingerprint> fingerprints) =>
        Guard("cannot store a known secret", () => { KnownSecrets.ReplaceKnownSecret(name, fingerprints); return true; });

    public bool RemoveKnownSecret(string name) => Guard("cannot remove a known secret", () => KnownSecrets.RemoveKnownSecret(name));
}
