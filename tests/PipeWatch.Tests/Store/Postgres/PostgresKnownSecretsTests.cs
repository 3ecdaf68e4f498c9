using System.Text;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>
/// Known secrets on PostgreSQL: a value learned into a real PostgreSQL is found in a job log as on SQLite (the same findings), and
/// no row of the database holds the value, an encoding of it, or any 8-character piece of either.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresKnownSecretsTests(PostgresServer server) : IDisposable
{
    private const string Value = "pw-Rk7/Tq2+Lx9vB4mN8cZ1sD6hJ3gF0yW5e";
    private const string Other = "pw-Hb3/Yu8+Ke4rT7qA2nC9xM5vL1jP6sG0d";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_secret_learned_into_PostgreSQL_is_found_as_on_SQLite_and_no_row_holds_a_piece_of_it()
    {
        using var stores = await StorePair.OpenAsync(server);
        var (sqlite, postgres, database) = (stores.Sqlite, stores.Postgres, stores.Database);
        KnownSecretLearning.Learn(sqlite, "DEPLOY_TOKEN", Value, Ingest.Now);
        KnownSecretLearning.Learn(postgres, "DEPLOY_TOKEN", Value, Ingest.Now);

        Assert.Equal(
            sqlite.ReadKnownSecrets().Select(f => (f.Name, f.Form, f.Alphabet, f.Length, f.LearnedAt)),
            postgres.ReadKnownSecrets().Select(f => (f.Name, f.Form, f.Alphabet, f.Length, f.LearnedAt)));
        Assert.Equal(32, postgres.KnownSecretKey().Length);
        Assert.Equal(postgres.KnownSecretKey().ToArray(), postgres.KnownSecretKey().ToArray());

        var log = WriteLog(Value, "leaked");
        var onPostgres = await IngestInto.FindingsAsync(postgres, [log]);
        Assert.Equal(
            ["plain", "base64", "hex"],
            onPostgres.Where(f => f.Rule == KnownSecretExposedDetector.Id).OrderBy(f => f.Location.Line).Select(f => f.Evidence.Single(e => e.Name == "encoding").Value));
        Assert.Equal(IngestInto.Described(await IngestInto.FindingsAsync(sqlite, [log])), IngestInto.Described(onPostgres));
        Assert.DoesNotContain(await IngestInto.FindingsAsync(postgres, [WriteLog(Other, "clean")]), f => f.Rule == KnownSecretExposedDetector.Id);

        // Every value of every row of the two tables, as the database returns it (text as UTF-8, bytea raw).
        var rows = await RowsAsync(database);
        Assert.Contains(Encoding.UTF8.GetBytes("DEPLOY_TOKEN"), rows);
        var forms = KnownSecretForms.Of(Value).Select(f => f.Text).Append(Value).ToList();
        foreach (var form in forms)
        {
            for (var at = 0; at + 8 <= form.Length; at++)
            {
                var piece = form.Substring(at, 8);
                foreach (var encoded in new[] { Encoding.UTF8.GetBytes(piece), Encoding.Unicode.GetBytes(piece), Encoding.UTF8.GetBytes(new string([.. piece.Reverse()])) })
                {
                    Assert.False(rows.Any(b => b.AsSpan().IndexOf(encoded) >= 0), $"a row holds '{piece}' of a form of the value");
                }
            }
        }

        Assert.True(postgres.RemoveKnownSecret("DEPLOY_TOKEN"));
        Assert.False(postgres.RemoveKnownSecret("DEPLOY_TOKEN"));
        Assert.Empty(postgres.ReadKnownSecrets());
    }

    private async Task<List<byte[]>> RowsAsync(string database)
    {
        var values = new List<byte[]>();
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        foreach (var table in new[] { "known_secrets", "known_secret_key" })
        {
            await using var command = new Npgsql.NpgsqlCommand($"SELECT * FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values.Add(reader.GetValue(i) switch
                    {
                        byte[] bytes => bytes,
                        var other => Encoding.UTF8.GetBytes(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
                    });
                }
            }
        }

        return values;
    }

    // A GitHub Actions job log (logs_<run>/<n>_<job>.txt) whose deploy step prints the value plain, as base64 and as hex.
    private string WriteLog(string value, string folder)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        string[] lines =
        [
            "Job defined at: acme/payments-api/.github/workflows/deploy.yml@refs/heads/main",
            "##[group]Run ./deploy.sh",
            "./deploy.sh --env production",
            "##[endgroup]",
            "Deploying with token " + value,
            "token (base64): " + Convert.ToBase64String(bytes),
            "signature input: " + Convert.ToHexStringLower(bytes),
            "Deployed 3 services in 41s",
        ];
        var dir = Path.Combine(_temp.Path, folder, "logs_777000111");
        Directory.CreateDirectory(dir);
        var start = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        File.WriteAllLines(Path.Combine(dir, "0_deploy.txt"), lines.Select((l, i) => $"{start.AddMilliseconds(i * 100):yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'} {l}"));
        return dir;
    }
}
