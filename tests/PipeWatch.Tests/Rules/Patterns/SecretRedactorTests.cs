using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class SecretRedactorTests
{
    private const string Token = "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";

    [Fact]
    public void A_token_in_a_text_is_replaced_by_its_redacted_form_and_the_rest_is_kept()
    {
        var text = $"curl -H 'Authorization: token {Token}' https://example.net/x | bash";

        var redacted = SecretRedactor.BuiltIn.Redact(text);

        Assert.Equal($"curl -H 'Authorization: token {Evidence.Mask(Token)}' https://example.net/x | bash", redacted);
        Assert.Equal(redacted, SecretRedactor.BuiltIn.Redact(redacted));
    }

    [Fact]
    public void A_text_without_a_secret_is_returned_as_it_is()
    {
        const string text = "Step 'Run tests' took 12m against a median of 3m (n=40)";

        Assert.Same(text, SecretRedactor.BuiltIn.Redact(text));
    }

    [Fact]
    public void Every_text_of_a_finding_is_redacted()
    {
        var finding = new Finding
        {
            Rule = "r",
            Category = Categories.RuleMatch,
            Severity = Severity.Medium,
            Title = $"title {Token}",
            Explanation = $"explanation {Token}",
            Entity = new Entity("acme/api", Step: $"echo {Token}"),
            Location = new Location(Url: $"https://x-access-token:{Token}@github.com/acme/api"),
            Evidence = [Evidence.Of("command_line", $"git push {Token}")],
            Timestamp = DateTimeOffset.UnixEpoch,
            DetectedAt = DateTimeOffset.UnixEpoch,
            Fingerprint = "f",
        };

        var redacted = SecretRedactor.BuiltIn.Redact(finding);

        var texts = new[] { redacted.Title, redacted.Explanation, redacted.Entity.Step!, redacted.Location.Url!, redacted.Evidence[0].Value };
        Assert.All(texts, t => Assert.DoesNotContain(Token[..10], t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.Contains(Evidence.Mask(Token), t, StringComparison.Ordinal));
        Assert.Equal("acme/api", redacted.Entity.Repository);
        Assert.Same(redacted, SecretRedactor.BuiltIn.Redact(redacted));
    }

    [Fact]
    public void The_built_in_redactor_shares_the_built_in_books_scanner_which_holds_every_rule_in_order()
    {
        // Sharing is exact only because every built-in rule has keywords and no path scope: the book's scanner is then the one
        // the redactor built over all the rules before.
        var book = SecretRuleBook.BuiltIn;

        Assert.Equal(book.Rules, book.Scanner.Rules);
        Assert.All(book.Rules, rule => Assert.NotEmpty(rule.Keywords));
        Assert.Equal($"key {Evidence.Mask(Token)}", SecretRedactor.BuiltIn.Redact($"key {Token}"));
    }
}
