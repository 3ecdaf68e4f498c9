using System.Security.Cryptography;

namespace PipeWatch.Store.Sqlite;

/// <summary>The known-secret fingerprints of migration 15: the store's HMAC key, and each learned secret's form hashes.</summary>
public sealed partial class SqliteStore : IKnownSecretStore
{
    public ReadOnlyMemory<byte> KnownSecretKey()
    {
        if (ReadKey() is { } key) return key;
        using (var insert = _connection.CreateCommand())
        {
            insert.CommandText = "INSERT OR IGNORE INTO known_secret_key (id, key) VALUES (1, $key)";
            insert.Parameters.AddWithValue("$key", RandomNumberGenerator.GetBytes(32));
            insert.ExecuteNonQuery();
        }

        return ReadKey() ?? throw new StoreException($"{Path}: the known-secret key could not be stored");
    }

    public IReadOnlyList<KnownSecretFingerprint> ReadKnownSecrets()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, form, alphabet, length, hash, learned_at FROM known_secrets ORDER BY name, form";
        using var reader = command.ExecuteReader();
        var list = new List<KnownSecretFingerprint>();
        while (reader.Read())
        {
            list.Add(new KnownSecretFingerprint(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), (byte[])reader.GetValue(4), ParseIso(reader.GetString(5))));
        }

        return list;
    }

    public void ReplaceKnownSecret(string name, IReadOnlyList<KnownSecretFingerprint> fingerprints)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(fingerprints);
        using var transaction = _connection.BeginTransaction();
        using (var delete = Command("DELETE FROM known_secrets WHERE name = $name", transaction, "$name"))
        {
            delete.Parameters["$name"].Value = name;
            delete.ExecuteNonQuery();
        }

        using (var insert = Command(
            "INSERT INTO known_secrets (name, form, alphabet, length, hash, learned_at) VALUES ($name, $form, $alphabet, $length, $hash, $at)",
            transaction, "$name", "$form", "$alphabet", "$length", "$hash", "$at"))
        {
            foreach (var f in fingerprints)
            {
                insert.Parameters["$name"].Value = name;
                insert.Parameters["$form"].Value = f.Form;
                insert.Parameters["$alphabet"].Value = f.Alphabet;
                insert.Parameters["$length"].Value = f.Length;
                insert.Parameters["$hash"].Value = f.Hash.ToArray();
                insert.Parameters["$at"].Value = Iso(f.LearnedAt);
                insert.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    public bool RemoveKnownSecret(string name)
    {
        using var delete = _connection.CreateCommand();
        delete.CommandText = "DELETE FROM known_secrets WHERE name = $name";
        delete.Parameters.AddWithValue("$name", name);
        return delete.ExecuteNonQuery() > 0;
    }

    private byte[]? ReadKey()
    {
        using var select = _connection.CreateCommand();
        select.CommandText = "SELECT key FROM known_secret_key WHERE id = 1";
        return select.ExecuteScalar() as byte[];
    }
}
