# PipeWatch in a container: docker build -t pipewatch . ; docker run --rm -v "$PWD:/work" pipewatch scan /work
# Both images are pinned by digest (update digest and tag together: docker buildx imagetools inspect <image>:<tag>).

# Build: the framework-dependent publish of the CLI, precompiled (ReadyToRun) for the runtime image.
FROM mcr.microsoft.com/dotnet/sdk:10.0@sha256:ea8bde36c11b6e7eec2656d0e59101d4462f6bd630730f2c8201ed0572b295d5 AS build
WORKDIR /src
# global.json is left out on purpose: the image's SDK is fixed by its digest.
COPY Directory.Build.props Directory.Packages.props README.md LICENSE THIRD-PARTY-NOTICES ./
COPY rules/ rules/
COPY src/ src/
RUN dotnet publish src/PipeWatch.Cli -c Release -o /app --nologo

# Run: the .NET runtime, git (scan reads histories with it), and nothing else; a user without root.
FROM mcr.microsoft.com/dotnet/runtime:10.0@sha256:58318ab0733b63d3ac0d7609c46f2718244e623a176f45991ee01fad46fbf880
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=build /app /opt/pipewatch
COPY LICENSE THIRD-PARTY-NOTICES /opt/pipewatch/
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
# serve's own files (its intake backlog and mirrors, serve.data-folder) live in /work/pipewatch-serve: made here, owned by
# the non-root user, so a volume mounted there starts writable.
RUN mkdir -p /work/pipewatch-serve && chown "$APP_UID" /work /work/pipewatch-serve
# The non-root user the .NET images define (APP_UID, 1654).
USER $APP_UID
WORKDIR /work
ENTRYPOINT ["/opt/pipewatch/pipewatch"]
