using PipeWatch.Cli.Rendering;
using PipeWatch.Server.Queue;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary>Starts a listening process (<c>serve</c>, <c>worker</c>): a start-up failure the user can fix is said on stderr, once, the same way for both.</summary>
internal static class ServerStartup
{
    /// <summary>What <paramref name="start"/> started, or null after saying why it could not (the queue, the store, or the address to listen on).</summary>
    public static async Task<T?> StartAsync<T>(CliHost host, string urls, Func<Task<T>> start)
        where T : class
    {
        try
        {
            return await start();
        }
        catch (QueueException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --queue: {ex.Message}"));
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException or InvalidOperationException || ex.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
        {
            // Kestrel could not bind (the port is taken, the address is not this machine's).
            await host.Error.WriteLineAsync($"pipewatch: cannot listen on {urls}: {ex.Message}");
        }

        return null;
    }
}
