using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class GitRepositoryTests : IDisposable
{
    private readonly TestRepository _repo = new();

    [Fact]
    public void Opened_from_a_subfolder_it_knows_its_root_its_origin_name_and_that_it_is_complete()
    {
        _repo.Write("src/app.py", "print(1)\n").Commit("app");
        _repo.Git("remote", "add", "origin", "https://github.com/octo-org/octo-repo.git");

        var repository = GitRepository.Open(Path.Combine(_repo.Path, "src"));

        Assert.Equal(Path.GetFullPath(_repo.Path), Path.GetFullPath(repository.Root));
        Assert.Equal("octo-org/octo-repo", repository.Name);
        Assert.False(repository.Shallow);
        Assert.Equal("https://github.com/octo-org/octo-repo.git", repository.OriginSetting("url"));
        Assert.Null(repository.OriginSetting("promisor"));
        Assert.Null(HistoryGaps.Describe(repository));
    }

    [Fact]
    public void Without_an_origin_the_name_is_the_folders()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");

        var repository = GitRepository.Open(_repo.Path);

        Assert.Equal(new DirectoryInfo(_repo.Path).Name, repository.Name);
        Assert.Null(repository.OriginSetting("url"));
    }

    [Fact]
    public void The_last_origin_url_wins_as_with_git_config_get()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        _repo.Git("config", "remote.origin.url", "https://gitlab.com/first/one.git");
        _repo.Git("config", "--add", "remote.origin.url", "https://gitlab.com/second/two.git");

        Assert.Equal("second/two", GitRepository.Open(_repo.Path).Name);
    }

    [Fact]
    public void A_partial_clone_is_read_from_the_origin_settings_and_stated()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        _repo.Git("remote", "add", "origin", "https://github.com/octo-org/octo-repo.git");
        _repo.Git("config", "remote.origin.promisor", "true");
        _repo.Git("config", "remote.origin.partialclonefilter", "blob:none");

        var repository = GitRepository.Open(_repo.Path);

        Assert.Equal("true", repository.OriginSetting("promisor"));
        Assert.Equal("blob:none", repository.OriginSetting("partialclonefilter"));
        Assert.StartsWith("this repository is a partial clone (filter blob:none): ", HistoryGaps.Describe(repository), StringComparison.Ordinal);
    }

    [Fact]
    public void A_shallow_clone_is_known_on_opening()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        _repo.Write("README.md", "# demo, again\n").Commit("docs again");
        using var clones = new TempFolder();
        var shallow = Path.Combine(clones.Path, "shallow");
        _repo.Git("clone", "-q", "--depth", "1", "file://" + _repo.Path, shallow);

        var repository = GitRepository.Open(shallow);

        Assert.True(repository.Shallow);
        Assert.StartsWith("this repository is a shallow clone: history ends at 1 grafted commit", HistoryGaps.Describe(repository), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_repository_opens_at_its_git_folder_and_is_asked_whether_shallow_later()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        using var clones = new TempFolder();
        var bare = Path.Combine(clones.Path, "bare.git");
        _repo.Git("clone", "-q", "--bare", _repo.Path, bare);

        var repository = GitRepository.Open(bare);

        Assert.Equal(Path.GetFullPath(bare), repository.Root);
        Assert.Null(repository.Shallow);
        Assert.Null(HistoryGaps.Describe(repository));
    }

    [Fact]
    public void A_folder_outside_any_repository_is_refused_by_name()
    {
        using var plain = new TempFolder();

        var error = Assert.Throws<GitException>(() => GitRepository.Open(plain.Path));

        Assert.Equal($"{plain.Path}: not a git repository (use --no-git to scan a plain folder)", error.Message);
    }

    public void Dispose() => _repo.Dispose();
}
