namespace PipeWatch.Tests.Support;

/// <summary>A standard output (or error) that fails on every write, as a closed pipe can: nothing the user typed is wrong.</summary>
internal sealed class BrokenWriter : StringWriter
{
    public override void Write(char value) => throw new IOException("stdout is gone");

    public override void Write(string? value) => throw new IOException("stdout is gone");

    public override void Write(char[] buffer, int index, int count) => throw new IOException("stdout is gone");

    public override void Write(ReadOnlySpan<char> buffer) => throw new IOException("stdout is gone");

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => throw new IOException("stdout is gone");

    public override void WriteLine(string? value) => throw new IOException("stdout is gone");

    public override Task WriteAsync(string? value) => throw new IOException("stdout is gone");

    public override Task WriteLineAsync(string? value) => throw new IOException("stdout is gone");
}
