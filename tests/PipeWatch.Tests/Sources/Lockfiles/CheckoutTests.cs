using PipeWatch.Sources.Lockfiles;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Lockfiles;

/// <summary>The checkout a dependency file belongs to, read from real repositories made with the git CLI.</summary>
public sealed class CheckoutTests
{
    [Fact]
    public void A_file_in_a_clone_is_named_after_its_origin_remote()
    {
        using var repo = new TestRepository();
        repo.Git("remote", "add", "origin", "git@github.com:acme/shop.git");
        repo.Write("web/package-lock.json", "{}");

        var checkout = Checkout.Containing(Path.Combine(repo.Path, "web", "package-lock.json"));

        Assert.Equal((repo.Path, "acme/shop"), (checkout!.Root, checkout.Name));
    }

    [Fact]
    public void A_worktree_reads_the_remote_from_its_main_repository_and_a_repository_without_one_is_its_folder()
    {
        using var repo = new TestRepository();
        repo.Write("README.md", "shop\n").Commit("first");
        using var temp = new TempFolder();
        var tree = Path.Combine(temp.Path, "feature");
        repo.Git("worktree", "add", "-q", tree);

        Assert.Equal(new DirectoryInfo(repo.Path).Name, Checkout.Containing(Path.Combine(repo.Path, "README.md"))!.Name);
        repo.Git("remote", "add", "origin", "https://gitlab.example.com/group/sub/shop.git");
        Assert.Equal((tree, "group/sub/shop"), (Checkout.Containing(Path.Combine(tree, "README.md"))!.Root, Checkout.Containing(Path.Combine(tree, "README.md"))!.Name));
    }

    [Fact]
    public void A_file_in_no_repository_has_no_checkout()
    {
        using var temp = new TempFolder();

        Assert.Null(Checkout.Containing(temp.File("package-lock.json")));
        Assert.False(Checkout.IsRoot(temp.Path));
    }
}
