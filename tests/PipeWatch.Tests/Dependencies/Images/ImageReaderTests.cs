using PipeWatch.Dependencies.Images;
using PipeWatch.Diagnostics;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Images;

/// <summary>Images built in the test from the corpus's real package databases, written as an OCI layout, an OCI tar and a <c>docker save</c> archive: the exact packages, each with its layer.</summary>
public sealed class ImageReaderTests : IDisposable
{
    private static readonly string Dpkg = Corpus.File("os-packages", "osv-scalibr", "dpkg", "testdata", "dpkg");
    private static readonly string Apk = Corpus.File("os-packages", "osv-scalibr", "apk", "testdata");
    private static readonly string Rpm = Corpus.File("os-packages", "osv-scalibr", "rpm", "testdata");

    private const string DebianRelease = """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION="12 (bookworm)"
        VERSION_CODENAME=bookworm
        ID=debian
        HOME_URL="https://www.debian.org/"
        """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The base layer: Debian 12 (os-release linked as Debian ships it), the corpus's dpkg status and a status.d entry, npm installed globally.</summary>
    internal static byte[] BaseLayer() => TestImages.Tar(
    [
        LayerEntry.Symlink("etc/os-release", "../usr/lib/os-release"),
        LayerEntry.File("usr/lib/os-release", DebianRelease),
        LayerEntry.File("var/lib/dpkg/status", File.ReadAllBytes(Path.Combine(Dpkg, "valid"))),
        LayerEntry.File("var/lib/dpkg/status.d/foo", File.ReadAllBytes(Path.Combine(Dpkg, "status.d", "foo"))),
        LayerEntry.File("usr/lib/node_modules/npm/package.json", """{ "name": "npm", "version": "9.8.1" }"""),
        LayerEntry.File("usr/lib/node_modules/npm/node_modules/semver/package.json", """{ "name": "semver", "version": "7.5.4" }"""),
    ]);

    /// <summary>The build's layer: dpkg status rewritten with one more package, whiteouts deleting the status.d entry and global npm, an app's packages.</summary>
    internal static byte[] BuildLayer() => TestImages.Tar(
    [
        LayerEntry.File("var/lib/dpkg/status", [.. File.ReadAllBytes(Path.Combine(Dpkg, "valid")), .. "\n"u8, .. File.ReadAllBytes(Path.Combine(Dpkg, "transitional"))]),
        LayerEntry.Whiteout("var/lib/dpkg/status.d/.wh.foo"),
        LayerEntry.Whiteout("usr/lib/node_modules/.wh.npm"),
        LayerEntry.File("app/node_modules/lodash/package.json", """{ "name": "lodash", "version": "4.17.20", "main": "lodash.js" }"""),
        LayerEntry.File("app/node_modules/lodash/fp/package.json", """{ "main": "../fp.js" }"""),
        LayerEntry.File("app/node_modules/@babel/core/package.json", """{ "name": "@babel/core", "version": "7.22.0" }"""),
        LayerEntry.File("usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: Python HTTP for Humans.\n\nRequests is an HTTP library.\nVersion: 9.9.9\n"),
        LayerEntry.File("app/App.deps.json", """
            {
              "runtimeTarget": { "name": ".NETCoreApp,Version=v8.0" },
              "targets": { ".NETCoreApp,Version=v8.0": { "App/1.0.0": { "dependencies": { "Newtonsoft.Json": "13.0.1" } }, "Newtonsoft.Json/13.0.1": {} } },
              "libraries": {
                "App/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
                "Newtonsoft.Json/13.0.1": { "type": "package", "serviceable": true, "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==", "path": "newtonsoft.json/13.0.1" }
              }
            }
            """),
    ]);

    /// <summary>What the two layers hold once applied: ecosystem, name, version, source, layer, evidence file.</summary>
    internal static readonly string[] Expected =
    [
        "Debian:12|accountsservice|22.08.8-6||0|/var/lib/dpkg/status",
        "Debian:12|acl|2.3.1-3||0|/var/lib/dpkg/status",
        "Debian:12|adduser|3.131||0|/var/lib/dpkg/status",
        "Debian:12|admin-session|2023.06.26.c543406313-00||0|/var/lib/dpkg/status",
        "Debian:12|attr|1:2.5.1-4||0|/var/lib/dpkg/status",
        "Debian:12|iceweasel|78.13.0esr-1~deb10u1|firefox-esr|1|/var/lib/dpkg/status",
        "Debian:12|libacl1|2.3.1-3|acl|0|/var/lib/dpkg/status",
        "Debian:12|util-linux-extra|2.38.1-5+b1|util-linux 2.38.1-5|0|/var/lib/dpkg/status",
        "NuGet|Newtonsoft.Json|13.0.1||1|/app/App.deps.json",
        "PyPI|requests|2.31.0||1|/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
        "npm|@babel/core|7.22.0||1|/app/node_modules/@babel/core/package.json",
        "npm|lodash|4.17.20||1|/app/node_modules/lodash/package.json",
    ];

    [Fact]
    public void An_oci_layout_yields_each_package_with_the_layer_that_installed_it()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, layers, "registry.example/app:1.4");

        var (image, problems) = ReadOne(folder);

        Assert.Empty(problems);
        Assert.Equal("registry.example/app:1.4", image.Reference);
        Assert.Equal(("debian", "12", "Debian:12"), (image.Os!.Id, image.Os.VersionId, image.Os.Ecosystem));
        Assert.Equal([TestImages.Digest(TestImages.Gzip(layers[0])), TestImages.Digest(TestImages.Gzip(layers[1]))], image.Layers.Select(l => l.Digest));
        Assert.Equal(layers.Select(TestImages.Digest), image.Layers.Select(l => l.DiffId));
        Assert.Equal(Expected, Lines(image));
        Assert.All(image.Packages, p => Assert.Same(image.Layers[p.Layer.Index], p.Layer));
    }

    [Fact]
    public void An_oci_layout_with_zstd_compressed_layers_yields_the_same_packages()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var folder = Path.Combine(_temp.Path, "layout");
        var blobs = new List<byte[]>();
        TestImages.WriteOciLayout(folder, layers, "registry.example/app:1.4", zstd: layer =>
        {
            var blob = TestImages.Zstd(layer);
            blobs.Add(blob);
            return blob;
        });

        var (image, problems) = ReadOne(folder);

        // The blobs are zstd frames (RFC 8878's magic), not gzip or plain tar.
        Assert.All(blobs, b => Assert.Equal(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, b[..4]));
        Assert.Empty(problems);
        Assert.Equal(blobs.Select(TestImages.Digest), image.Layers.Select(l => l.Digest));
        Assert.Equal(layers.Select(TestImages.Digest), image.Layers.Select(l => l.DiffId));
        Assert.Equal(Expected, Lines(image));
    }

    [Fact]
    public void A_truncated_zstd_layer_is_a_problem_naming_the_layer_and_the_other_layer_is_still_read()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var folder = Path.Combine(_temp.Path, "layout");
        var index = 0;
        TestImages.WriteOciLayout(folder, layers, "registry.example/app:1.4", zstd: layer =>
        {
            var blob = TestImages.Zstd(layer);
            return index++ == 1 ? blob[..(blob.Length / 2)] : blob;
        });

        var (image, problems) = ReadOne(folder);

        Assert.Contains(problems, p => p.ToString().Contains("the rest of the layer is not read", StringComparison.Ordinal));
        Assert.Contains(image.Packages, p => p.Name == "accountsservice");
    }

    [Fact]
    public void A_docker_save_archive_yields_the_same_packages_with_the_uncompressed_layer_digests()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var archive = _temp.File("app.tar");
        TestImages.WriteDockerSave(archive, layers, "app:1.4");

        var (image, problems) = ReadOne(archive);

        Assert.Empty(problems);
        Assert.Equal(("app:1.4", (string?)null), (image.Reference, image.ManifestDigest));
        Assert.Equal(layers.Select(TestImages.Digest), image.Layers.Select(l => l.Digest));
        Assert.Equal(Expected, Lines(image));
    }

    [Fact]
    public void An_oci_layout_in_a_gzip_tar_with_plain_layers_yields_the_same_packages()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, layers, "app:1.4", gzip: false);
        var archive = _temp.File("app.oci.tar.gz");
        TestImages.WriteTarOf(folder, archive, gzip: true);

        var (image, problems) = ReadOne(archive);

        Assert.Empty(problems);
        Assert.Equal(Expected, Lines(image));
    }

    [Fact]
    public void A_base_image_tells_its_layers_from_the_builds()
    {
        byte[][] layers = [BaseLayer(), BuildLayer()];
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, layers, "app:1.4");

        var images = ImageReader.Read(folder, new ProblemLog(), new ImageReadOptions(BaseDiffIds: [TestImages.Digest(layers[0])]), TestContext.Current.CancellationToken);

        Assert.Equal([true, false], Assert.Single(images).Layers.Select(l => l.FromBase));
        Assert.Equal([null, null], ReadOne(folder).Image.Layers.Select(l => l.FromBase));
    }

    [Fact]
    public void Distroless_status_d_lists_its_installed_packages_only()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [TestImages.Tar([LayerEntry.File("etc/os-release", DebianRelease), LayerEntry.File("var/lib/dpkg/status.d/foo", File.ReadAllBytes(Path.Combine(Dpkg, "status.d", "foo"))), LayerEntry.File("var/lib/dpkg/status.d/foo.md5sums", File.ReadAllBytes(Path.Combine(Dpkg, "status.d", "foo.md5sums")))])], "distroless");

        var (image, problems) = ReadOne(folder);

        Assert.Empty(problems);
        Assert.Equal(["Debian:12|foo|1.2.3||0|/var/lib/dpkg/status.d/foo"], Lines(image));
    }

    [Fact]
    public void An_alpine_image_yields_its_apk_packages_with_their_origins()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [TestImages.Tar(
        [
            LayerEntry.File("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n"),
            LayerEntry.File("lib/apk/db/installed", File.ReadAllBytes(Path.Combine(Apk, "installed"))),
        ])], "alpine:3.18");

        var (image, problems) = ReadOne(folder);

        Assert.Empty(problems);
        var lines = Lines(image);
        Assert.Equal(15, lines.Count);
        Assert.Contains("Alpine:v3.18|libssl3|3.1.0-r4|openssl|0|/lib/apk/db/installed", lines);
        Assert.Contains("Alpine:v3.18|busybox|1.36.0-r9||0|/lib/apk/db/installed", lines);
        Assert.Contains("Alpine:v3.18|libc-utils|0.7.2-r5|libc-dev|0|/lib/apk/db/installed", lines);
    }

    [Fact]
    public void An_rpm_berkeley_db_and_the_same_headers_in_rpmdb_sqlite_yield_name_epoch_version_release()
    {
        var packages = File.ReadAllBytes(Path.Combine(Rpm, "Packages_epoch"));
        var blobs = BerkeleyDbHash.Values(packages, out var reason) ?? throw new InvalidOperationException(reason);
        var sqlite = _temp.File("rpmdb.sqlite");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={sqlite};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            // The table rpm's sqlite backend creates.
            create.CommandText = "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)";
            create.ExecuteNonQuery();
            // Not the 4-byte instance counter rpm keeps under key 0: only the headers, as rpm's sqlite backend stores them.
            foreach (var blob in blobs.Where(b => b.Length != 4))
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO Packages (blob) VALUES ($b)";
                insert.Parameters.AddWithValue("$b", blob);
                insert.ExecuteNonQuery();
            }
        }

        const string Rocky = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n";
        var bdb = Path.Combine(_temp.Path, "bdb");
        TestImages.WriteOciLayout(bdb, [TestImages.Tar([LayerEntry.File("etc/os-release", Rocky), LayerEntry.File("var/lib/rpm/Packages", packages)])], "rocky-bdb");
        var lite = Path.Combine(_temp.Path, "sqlite");
        TestImages.WriteOciLayout(lite, [TestImages.Tar([LayerEntry.File("etc/os-release", Rocky), LayerEntry.File("usr/lib/sysimage/rpm/rpmdb.sqlite", File.ReadAllBytes(sqlite))])], "rocky-sqlite");

        var (fromBdb, bdbProblems) = ReadOne(bdb);
        var (fromSqlite, sqliteProblems) = ReadOne(lite);

        Assert.Empty(bdbProblems);
        Assert.Empty(sqliteProblems);
        // The file's one live header; dive's header bytes are left over on a free page, which rpm (and this reader) does not list.
        string[] expected = ["Rocky Linux:9|hello|1:0.0.1-rls||0|"];
        Assert.Equal(expected, Lines(fromBdb).Select(l => l[..(l.LastIndexOf('|') + 1)]));
        Assert.Equal(expected, Lines(fromSqlite).Select(l => l[..(l.LastIndexOf('|') + 1)]));
    }

    [Fact]
    public void An_invalid_rpm_database_and_an_ndb_one_are_reported_by_name()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [TestImages.Tar(
        [
            LayerEntry.File("var/lib/rpm/Packages", File.ReadAllBytes(Path.Combine(Rpm, "invalid"))),
            LayerEntry.File("usr/lib/sysimage/rpm/Packages.db", new byte[4096]),
        ])], "broken");

        var (image, problems) = ReadOne(folder);

        Assert.Empty(image.Packages);
        Assert.Equal(
            [
                "broken: no /etc/os-release: the distribution's release is unknown, so its packages are matched only against advisories that name no release",
                "broken: /usr/lib/sysimage/rpm/Packages.db: an rpm NDB database (SUSE), which PipeWatch does not read; its packages are not listed",
                "broken: /var/lib/rpm/Packages: not a Berkeley DB file (too short)",
            ],
            problems.Select(p => p.Reason));
    }

    [Fact]
    public void Hostile_entries_are_refused_and_the_rest_of_the_layer_is_read()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [TestImages.Tar(
        [
            LayerEntry.File("../../../etc/os-release", "ID=alpine\nVERSION_ID=3.18.0\n"),
            LayerEntry.File("/etc/os-release", DebianRelease),
            LayerEntry.File(string.Join('/', Enumerable.Repeat("d", 200)) + "/node_modules/x/package.json", """{ "name": "x", "version": "1.0.0" }"""),
            LayerEntry.File("var/lib/dpkg/status", File.ReadAllBytes(Path.Combine(Dpkg, "single"))),
        ])], "hostile");

        var (image, problems) = ReadOne(folder);

        // An absolute name is read relative to the layer's root, as tar -x does.
        Assert.Equal(["Debian:12|acl|2.3.1-3||0|/var/lib/dpkg/status"], Lines(image));
        Assert.Equal(
            [
                $"hostile: layer {image.Layers[0].Digest}: 1 entry with an absolute path or '..' refused",
                $"hostile: layer {image.Layers[0].Digest}: 75 entries deeper than 128 folders or longer than 4096 characters skipped",
            ],
            problems.Select(p => p.Reason));
    }

    [Fact]
    public void A_digest_that_names_a_path_outside_the_layout_is_refused()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [BaseLayer()], "app");
        var index = Path.Combine(folder, "index.json");
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"digest\":\"sha256:", "\"digest\":\"sha256:../../", StringComparison.Ordinal));

        var images = ImageReader.Read(folder, new ProblemLog(), null, TestContext.Current.CancellationToken);
        var problems = new ProblemLog();
        ImageReader.Read(folder, problems, null, TestContext.Current.CancellationToken);

        Assert.Empty(images);
        Assert.StartsWith("index: a manifest digest 'sha256:../../", Assert.Single(problems.Problems).Reason);
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_one_problem()
    {
        var file = _temp.File("notes.txt");
        File.WriteAllText(file, "not an image");
        var problems = new ProblemLog();

        Assert.Empty(ImageReader.Read(file, problems, null, TestContext.Current.CancellationToken));
        Assert.Equal($"{file}: cannot read the image: not a tar archive (nor a gzip-compressed one) or an image layout folder", Assert.Single(problems.Problems).ToString());
    }

    [Fact]
    public void A_layer_over_the_entry_limit_is_read_up_to_it_and_says_so()
    {
        var folder = Path.Combine(_temp.Path, "layout");
        TestImages.WriteOciLayout(folder, [BaseLayer()], "app");
        var problems = new ProblemLog();

        var image = Assert.Single(ImageReader.Read(folder, problems, new ImageReadOptions(new ImageLimits { MaxLayerEntries = 3 }), TestContext.Current.CancellationToken));

        Assert.Empty(image.Packages);
        Assert.Contains(problems.Problems, p => p.Reason.EndsWith("more than 3 entries; the rest of the layer is not read", StringComparison.Ordinal));
    }

    internal static (ImageContents Image, IReadOnlyList<Problem> Problems) ReadOne(string path)
    {
        var problems = new ProblemLog();
        var images = ImageReader.Read(path, problems, null, TestContext.Current.CancellationToken);
        Assert.True(images.Count == 1, string.Join("\n", problems.Problems));
        return (images[0], problems.Problems);
    }

    internal static List<string> Lines(ImageContents image) =>
    [
        .. image.Packages
            .Select(p => $"{p.Ecosystem}|{p.Name}|{p.Version}|{p.SourceName}{(p.SourceVersion is { } v ? " " + v : "")}|{p.Layer.Index}|{p.EvidencePath}")
            .Order(StringComparer.Ordinal),
    ];
}
