using System.Data.Common;
using System.Security.Cryptography;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The known-secret fingerprints (tables <c>known_secret_key</c> and <c>known_secrets</c>) on any <see cref="ISharedTables"/> store, in
/// SQL both dialects speak (SQLite's migration 15, PostgreSQL's 5): the store's HMAC key and each learned secret's form hashes.
/// </summary>
/// <remarks>No value and no encoding of one is written: only the names, forms, alphabets, lengths and keyed hashes. Each call opens a connection of its own.</remarks>
internal sealed class SharedKnownSecrets(ISharedTables tables) : IKnownSecretStore
{
    public ReadOnlyMemory<byte> KnownSecretKey()
    {
        using var connection = tables.OpenConnection();
        if (ReadKey(connection) is { } key) return key;
        using (var insert = connection.CreateCommand())
        {
            // Two processes may make one at once: the first row wins and both read it back.
            insert.CommandText = "INSERT INTO known_secret_key (id, key) VALUES (1, @key) ON CONFLICT (id) DO NOTHING";
            insert.AddParameter("@key", RandomNumberGenerator.GetBytes(32));
            insert.ExecuteNonQuery();
        }

        return ReadKey(connection) ?? throw new StoreException($"{tables.Display}: the known-secret key could not be stored");
    }

    public IReadOnlyList<KnownSecretFingerprint> ReadKnownSecrets()
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, form, alphabet, length, hash, learned_at FROM known_secrets ORDER BY name, form";
        using var reader = command.ExecuteReader();
        var list = new List<KnownSecretFingerprint>();
        while (reader.Read())
        {
            list.Add(new KnownSecretFingerprint(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), (byte[])reader.GetValue(4), SqliteStore.ParseIso(reader.GetString(5))));
        }

        return list;
    }

    public void ReplaceKnownSecret(string name, IReadOnlyList<KnownSecretFingerprint> fingerprints)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(fingerprints);
        using var connection = tables.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM known_secrets WHERE name = @name";
            delete.AddParameter("@name", name);
            delete.ExecuteNonQuery();
        }

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO known_secrets (name, form, alphabet, length, hash, learned_at) VALUES (@name, @form, @alphabet, @length, @hash, @at)";
            DbParameter[] p =
            [
                insert.AddParameter("@name", name), insert.AddParameter("@form", string.Empty), insert.AddParameter("@alphabet", string.Empty),
                insert.AddParameter("@length", 0), insert.AddParameter("@hash", Array.Empty<byte>()), insert.AddParameter("@at", string.Empty),
            ];
            foreach (var f in fingerprints)
            {
                p[1].Value = f.Form;
                p[2].Value = f.Alphabet;
                p[3].Value = f.Length;
                p[4].Value = f.Hash.ToArray();
                p[5].Value = SqliteStore.Iso(f.LearnedAt);
                insert.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    public bool RemoveKnownSecret(string name)
    {
        using var connection = tables.OpenConnection();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM known_secrets WHERE name = @name";
        delete.AddParameter("@name", name);
        return delete.ExecuteNonQuery() > 0;
    }

    private static byte[]? ReadKey(DbConnection connection)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT key FROM known_secret_key WHERE id = 1";
        return select.ExecuteScalar() as byte[];
    }
}
