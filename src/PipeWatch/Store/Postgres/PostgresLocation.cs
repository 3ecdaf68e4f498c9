using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace PipeWatch.Store.Postgres;

/// <summary>
/// A PostgreSQL store location, parsed: a <c>postgres://user@host:port/db</c> (or <c>postgresql://</c>) URI, or an Npgsql
/// connection string (<c>Host=…;Database=…</c>). The password never comes from the location: <c>PGPASSWORD</c>, a password file
/// (<c>PGPASSFILE</c>, <c>passfile=</c>, <c>~/.pgpass</c>) give it, as for libpq.
/// </summary>
internal sealed record PostgresLocation(string ConnectionString, string Display)
{
    /// <summary>URI options taken over, under their libpq names; anything else is refused by name.</summary>
    private static readonly Dictionary<string, string> UriOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["passfile"] = "Passfile",
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["options"] = "Options",
    };

    /// <summary>True when <paramref name="location"/> names a PostgreSQL store (a URI of its schemes, or a connection string with a host).</summary>
    public static bool Matches(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var trimmed = location.TrimStart();
        if (trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)) return true;
        if (!trimmed.Contains('=', StringComparison.Ordinal)) return false;
        try
        {
            var parts = new DbConnectionStringBuilder { ConnectionString = trimmed };
            return parts.ContainsKey("host") || parts.ContainsKey("server");
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Parses <paramref name="location"/>.</summary>
    /// <exception cref="StoreException">It carries a password, names an unknown option, or is malformed; the message never repeats a password.</exception>
    public static PostgresLocation Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var trimmed = location.Trim();
        var builder = trimmed.Contains("://", StringComparison.Ordinal) ? FromUri(trimmed) : FromConnectionString(trimmed);
        builder.Pooling = true;
        builder.ApplicationName ??= "pipewatch";
        var display = string.Create(
            CultureInfo.InvariantCulture,
            $"postgres://{(builder.Username is { } user ? System.Uri.EscapeDataString(user) + "@" : "")}{HostPart(builder.Host)}:{builder.Port}/{System.Uri.EscapeDataString(builder.Database ?? builder.Username ?? "")}");
        return new PostgresLocation(builder.ConnectionString, display);
    }

    private static NpgsqlConnectionStringBuilder FromUri(string location)
    {
        var schemeEnd = location.IndexOf("://", StringComparison.Ordinal);
        var authorityEnd = location.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
        var authority = authorityEnd < 0 ? location[(schemeEnd + 3)..] : location[(schemeEnd + 3)..authorityEnd];
        var at = authority.LastIndexOf('@');
        if (at >= 0 && authority[..at].Contains(':', StringComparison.Ordinal))
        {
            throw new StoreException(
                $"{location[..(schemeEnd + 3)]}{authority[..authority.IndexOf(':', StringComparison.Ordinal)]}:***@{location[(schemeEnd + 3 + at + 1)..]}: " +
                "the URI carries a password, which would show in process lists and shell history; give it in PGPASSWORD or a password file (PGPASSFILE, or ?passfile=PATH)");
        }

        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0)
        {
            throw new StoreException($"{location}: not a PostgreSQL URI (postgres://user@host:port/database)");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length == 0 ? "localhost" : uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
        };
        if (uri.UserInfo.Length > 0) builder.Username = Uri.UnescapeDataString(uri.UserInfo);
        var path = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (path.Contains('/', StringComparison.Ordinal)) throw new StoreException($"{location}: the URI's path names more than a database");
        if (path.Length > 0) builder.Database = path;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (name.Equals("password", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreException($"{Shown(uri)}: the URI carries a password option; give it in PGPASSWORD or a password file (PGPASSFILE, or ?passfile=PATH)");
            }

            if (!UriOptions.TryGetValue(name, out var key))
            {
                throw new StoreException($"{Shown(uri)}: unknown option '{name}' in the URI (known: {string.Join(", ", UriOptions.Keys.Order(StringComparer.Ordinal))})");
            }

            try
            {
                builder[key] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
            {
                throw new StoreException($"{Shown(uri)}: option '{name}' has a bad value ({ex.Message.TrimEnd('.')})", ex);
            }
        }

        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromConnectionString(string location)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(location);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // The parser's message may quote the string, which may hold a password.
            throw new StoreException("the PostgreSQL connection string cannot be read (check its keys and quoting)", ex);
        }

        if (builder.Password is not null)
        {
            builder.Password = null;
            throw new StoreException(
                $"{builder.ConnectionString}: the connection string carries a password, which would show in process lists and shell history; give it in PGPASSWORD or a password file (PGPASSFILE, or Passfile=PATH)");
        }

        return builder;
    }

    private static string HostPart(string? host) => host is null ? "localhost" : host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static string Shown(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}
