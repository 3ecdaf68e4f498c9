using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Postgres;

/// <summary>The advisory index on PostgreSQL (migration 3), through the SQL both stores speak (<see cref="SharedAdvisories"/>).</summary>
internal sealed partial class PostgresStore : IAdvisoryStore
{
    private SharedAdvisories Advisories => new(this);

    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct) =>
        Guard("cannot import advisories", () => Advisories.ImportAdvisories(advisories, ct));

    public long AdvisoryCount() => Guard("cannot count advisories", () => Advisories.AdvisoryCount());

    public string AdvisoryState() => Guard("cannot read the advisories' state", () => Advisories.AdvisoryState());

    public IAdvisoryIndex OpenAdvisoryIndex() => Guard("cannot open the advisory index", () => Advisories.OpenAdvisoryIndex());

    /// <summary>Per ecosystem, its packages and advisories (<c>vulndb list</c>).</summary>
    public IReadOnlyList<AdvisoryEcosystem> AdvisoryEcosystems() => Guard("cannot list advisories", () => Advisories.AdvisoryEcosystems());
}
