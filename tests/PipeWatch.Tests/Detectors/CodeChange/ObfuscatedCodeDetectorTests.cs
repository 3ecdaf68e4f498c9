using System.Security.Cryptography;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The obfuscated-code detector over added lines: each trick planted in ordinary code is reported at its line; ordinary code is not.</summary>
public sealed class ObfuscatedCodeDetectorTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 10, 0, 0, TimeSpan.FromHours(1));

    private const string App = """
        import { readFile } from "node:fs/promises";

        // Чтение конфигурации: a comment in Russian is not a homoglyph.
        export async function loadConfig(path) {
          const text = await readFile(path, "utf8");
          const greeting = "Deploy done 👩‍💻 ✔️";
          return { ...JSON.parse(text), greeting };
        }

        """;

    private static readonly string Base64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(150));

    private readonly CommitBench _bench = new();
    private readonly ObfuscatedCodeDetector _detector = new();

    [Fact]
    public void Ordinary_code_with_emoji_sequences_foreign_comments_and_a_base64_blob_in_docs_raises_nothing()
    {
        Run(("src/config.js", App), ("docs/encoding.md", $"An example blob:\n\n    {Base64}\n"), ("dist/app.js", new string('x', 3000) + "\n"));

        Assert.Empty(_bench.Findings);
    }

    [Theory]
    [InlineData("src/loader.js", "eval(atob(\"ZG9jdW1lbnQud3JpdGUoJ2hpJyk=\"));")]
    [InlineData("src/loader.js", "const run = new Function(payload);")]
    [InlineData("setup.py", "exec(base64.b64decode('cHJpbnQoMSk='))")]
    [InlineData("build.ps1", "powershell.exe -NoProfile -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=")]
    [InlineData("install.sh", "echo Y3VybCBodHRwOi8vZXhhbXBsZS5jb20K | base64 -d | sh")]
    public void Encoded_code_that_is_decoded_and_executed_is_reported_at_its_line(string path, string line)
    {
        Run((path, "# header\n" + line + "\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal((Categories.ObfuscatedCode, "obfuscated-code.decode-and-execute", Severity.High), (finding.Category, finding.Rule, finding.Severity));
        Assert.Equal((path, 2), (finding.Location.File, finding.Location.Line));
    }

    [Theory]
    [InlineData("include/llvm/IR/Function.h", "    return new Function(Ty, Linkage, AddrSpace, N, M);")]
    [InlineData("src/main/java/Calc.java", "Function square = new Function (\"x * x\", variables);")]
    [InlineData("src/Rules.cs", "var rule = new Function(name, arity);")]
    public void A_constructor_named_Function_outside_JavaScript_is_not_code_from_a_string(string path, string line)
    {
        Run((path, "// header\n" + line + "\n"));

        Assert.Empty(_bench.Findings);
    }

    [Fact]
    public void Outside_JavaScript_a_decoded_eval_on_the_same_line_as_a_constructor_is_still_reported()
    {
        Run(("tools/gen.php", "$f = new Function($name); eval(base64_decode($blob));\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.decode-and-execute", 1), (finding.Rule, finding.Location.Line));
        Assert.StartsWith("Encoded code is decoded and executed in tools/gen.php: eval(base64_decode(", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_right_to_left_override_in_source_is_trojan_source()
    {
        Run(("src/config.js", App.Replace("return {", "if (role !== \"user\u202E \u2066// admin\u2069 \u2066\") {}\n  return {", StringComparison.Ordinal)));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.hidden-unicode", 7), (finding.Rule, finding.Location.Line));
        Assert.Contains("U+202E, U+2066, U+2069", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_width_space_inside_an_identifier_is_reported()
    {
        Run(("src/auth.ts", "export const isAdmin\u200B = (user) => user.role === 'admin';\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.hidden-unicode", 1), (finding.Rule, finding.Location.Line));
        Assert.Equal("1 invisible character(s) in src/auth.ts:1", finding.Title);
    }

    [Theory]
    [InlineData("    print(\"\u2139\uFE0F  Using cached wheels from $PIP_CACHE_DIR\")")]
    [InlineData("    log.info(\"\u26A0\uFE0F deprecated: use --output instead\")")]
    [InlineData("    steps = [\"1\uFE0F\u20E3 build\", \"2\uFE0F\u20E3 test\", \"\u00A9\uFE0F 2024\", \"\u2764\uFE0F\u200D\U0001F525\"]")]
    [InlineData("    name = \"\u845B\U000E0100\u57CE\"  # an ideographic variation sequence in a Japanese surname")]
    public void Emoji_and_ideographic_variation_selectors_after_their_base_are_presentation_not_hidden(string line)
    {
        // tox's and rich's output strings: "ℹ️" is U+2139 (a letterlike sign, category Ll) then U+FE0F, the emoji presentation selector.
        Run(("src/cli.py", "def banner():\n" + line + "\n"));

        Assert.Empty(_bench.Findings);
    }

    [Theory]
    [InlineData("const key\uFE0F = 1;", "U+FE0F")]
    [InlineData("const total = 1\uFE0F;", "U+FE0F")]
    [InlineData("const s = \"\u2139\uFE0F\uFE0F\uFE0F\";", "U+FE0F")]
    [InlineData("const s = \"a\U000E0100\U000E0101\";", "U+E0100, U+E0101")]
    public void A_selector_after_a_letter_or_a_run_of_selectors_is_still_hidden(string line, string named)
    {
        Run(("src/payload.js", line + "\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.hidden-unicode", 1), (finding.Rule, finding.Location.Line));
        Assert.Contains("(" + named + ")", finding.Explanation, StringComparison.Ordinal);
    }

    // The opening of the jQuery copy Sphinx bundles in _static/, and of the underscore.js beside it: both construct functions from strings.
    private const string JQuery = """
        /*!
         * jQuery JavaScript Library v3.6.0
         * https://jquery.com/
         *
         * Copyright OpenJS Foundation and other contributors
         * Released under the MIT license
         */
        ( function( global, factory ) {
        	"use strict";
        	var fn = new Function( "return " + data )();
        } );

        """;

    [Theory]
    [InlineData("docs/_static/jquery-3.6.0.js")]
    [InlineData("src/web/assets/jquery.js")]
    [InlineData("third_party/jquery/jquery.js")]
    public void A_bundled_library_added_by_path_or_by_its_licence_header_raises_nothing(string path)
    {
        Run((path, JQuery));

        Assert.Empty(_bench.Findings);
    }

    [Fact]
    public void Files_gitattributes_marks_vendored_or_generated_raise_nothing_and_others_still_do()
    {
        Run((".gitattributes", "*.py text\nsrc/parsers/** linguist-generated=true\nassets/legacy.js linguist-vendored\n"));

        Run(("src/parsers/expr.js", "const f = new Function(code);\n"), ("assets/legacy.js", "eval(atob(s));\n"), ("src/app.js", "eval(atob(s));\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.decode-and-execute", "src/app.js"), (finding.Rule, finding.Location.File));
    }

    [Fact]
    public void Looking_for_a_library_banner_takes_linear_time_on_a_file_that_begins_with_blank_lines()
    {
        // httpx's history held such a file: the banner regex of the first version backtracked for minutes over its blank head.
        var head = string.Concat(Enumerable.Repeat("  \t \n \n", 4000));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Run(("src/loader.js", head + "eval(atob(s));\n"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal("obfuscated-code.decode-and-execute", Assert.Single(_bench.Findings).Rule);
    }

    [Fact]
    public void An_in_place_edit_of_a_bundled_library_is_reported_and_an_upgrade_is_not()
    {
        var upgraded = JQuery.Replace("v3.6.0", "v3.7.1", StringComparison.Ordinal).Replace("\"return \"", "\"return  \"", StringComparison.Ordinal);
        Run(("docs/_static/jquery.js", JQuery));
        Run(("docs/_static/jquery.js", upgraded));
        Assert.Empty(_bench.Findings);

        // Same release, one line changed: someone edited a file no reviewer reads (the xz lesson).
        Run(("docs/_static/jquery.js", upgraded.Replace("} );", "eval(atob(window.name));\n} );", StringComparison.Ordinal)));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.decode-and-execute", "docs/_static/jquery.js"), (finding.Rule, finding.Location.File));
    }

    // What vfsgen writes (urfave/cli's flag-gen/assets_vfsdata.go): Go's generated-code marker, then each asset gzip-compressed
    // into one string literal of \x escapes, a line thousands of characters long among short ones.
    private static string VfsgenAssets(string template)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(template));
        }

        var escaped = string.Concat(buffer.ToArray().Select(b => $"\\x{b:x2}"));
        return $$"""
            // Code generated by vfsgen; DO NOT EDIT.

            package main

            import (
            	"bytes"
            	"compress/gzip"
            	"net/http"
            	"time"
            )

            // assets statically implements the virtual filesystem provided to vfsgen.
            var assets = func() http.FileSystem {
            	fs := vfsgen۰FS{
            		"/templates/cli_flags_generated.gotpl": &vfsgen۰CompressedFileInfo{
            			name:             "cli_flags_generated.gotpl",
            			modTime:          time.Time{},
            			uncompressedSize: {{template.Length}},

            			compressedContent: []byte("{{escaped}}"),
            		},
            	}
            	return fs
            }()

            """;
    }

    private static string FlagTemplate(int variant) => string.Concat(Enumerable.Range(0, 60).Select(i =>
        $"// {{{{.Name}}}}Flag{i} is a flag with type {{{{.Type}}}} (variant {variant})\ntype {{{{.Name}}}}Flag{i} struct {{ Name string; Usage string; Value {{{{.Type}}}} }}\n"));

    [Fact]
    public void A_generated_file_written_again_by_its_generator_raises_nothing()
    {
        Run(("flag-gen/assets_vfsdata.go", VfsgenAssets(FlagTemplate(1))));
        Run(("flag-gen/assets_vfsdata.go", VfsgenAssets(FlagTemplate(2))), ("flag-gen/templates/cli_flags_generated.gotpl", FlagTemplate(2)));

        Assert.Empty(_bench.Findings);
    }

    [Fact]
    public void A_hand_written_file_that_gains_a_generated_marker_with_a_payload_is_still_reported()
    {
        var generated = VfsgenAssets(FlagTemplate(1));
        var handWritten = generated.Replace("// Code generated by vfsgen; DO NOT EDIT.\n", "// Package main holds the flag templates.\n", StringComparison.Ordinal);
        Run(("flag-gen/assets.go", handWritten.Replace(generated.Split('\n').First(l => l.Contains("compressedContent", StringComparison.Ordinal)), "\t\t\tcompressedContent: nil,", StringComparison.Ordinal)));
        Run(("flag-gen/assets.go", generated));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.minified-payload", "flag-gen/assets.go", 20), (finding.Rule, finding.Location.File, finding.Location.Line));
    }

    [Fact]
    public void An_in_place_edit_of_a_vendored_generated_file_that_adds_a_payload_is_still_reported()
    {
        const string Parser = """
            // Code generated by peggy 3.0.2; DO NOT EDIT.
            "use strict";
            function peg$parse(input) {
              return input.split(",");
            }
            module.exports = { parse: peg$parse };

            """;
        Run(("deps/query-parser/parser.js", Parser));
        Run(("deps/query-parser/parser.js", Parser.Replace("  return input", "  eval(atob(input.slice(64)));\n  return input", StringComparison.Ordinal)));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.decode-and-execute", "deps/query-parser/parser.js", 4), (finding.Rule, finding.Location.File, finding.Location.Line));
    }

    [Fact]
    public void An_identifier_with_a_cyrillic_letter_among_latin_ones_is_a_homoglyph()
    {
        Run(("src/auth.js", "function check(user) {\n  if (user.isАdmin) return true;\n}\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.homoglyph-identifier", 2), (finding.Rule, finding.Location.Line));
        Assert.Contains("'А' (U+0410, Cyrillic)", finding.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    0x1fbe: (0x0345, 0x03b9), # 'ι': '\\u0345ι'")]
    [InlineData("label = \"\\u{1F600}ι\\x41α\\N{GREEK SMALL LETTER IOTA}ι\"")]
    [InlineData("s = '\\nιοτα'")]
    public void Escape_sequences_are_not_part_of_an_identifier(string line)
    {
        // Python's re/_casefix.py line 95: the escape \u0345 before a Greek iota is not an identifier "u0345ι" mixing scripts.
        Run(("re/_casefix.py", "_EXTRA_CASES = {\n" + line + "\n}\n"));

        Assert.Empty(_bench.Findings);
    }

    [Fact]
    public void A_cyrillic_homoglyph_right_after_an_escape_is_still_reported()
    {
        Run(("src/auth.py", "if user == \"\\nrоot\":\n    grant()\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.homoglyph-identifier", 1), (finding.Rule, finding.Location.Line));
        Assert.Contains("Identifier 'rоot'", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bundlers_hashed_asset_and_a_timestamped_config_bundle_are_build_output_and_a_look_alike_name_is_not()
    {
        // vitest's HTML-reporter fixture (Vite writes assets/[name]-[hash].js) and Vite's bundled config left behind
        // (vitest.config.ts.timestamp-<ms>-<hex>.mjs); the same line in a hand-written file is still reported.
        var payload = "var _0x1=[" + string.Join(",", Enumerable.Range(0, 120).Select(i => $"'\\x{i:x2}'")) + "];(function(a){return a.map(function(b){return b;});})(_0x1);";
        Run(
            ("test/fixtures/reporters/html/assets/index-BUCFJtth.js", App + payload + "\n"),
            ("test/fixtures/inspect/vitest.config.ts.timestamp-1713887058308-b154731a64b17.mjs", App + payload + "\n"),
            ("src/assets/index-helpers.js", App + payload + "\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.minified-payload", "src/assets/index-helpers.js"), (finding.Rule, finding.Location.File));
    }

    [Fact]
    public void A_minified_line_appended_to_a_hand_written_file_is_reported_but_not_in_a_min_file()
    {
        var payload = "var _0x1=[" + string.Join(",", Enumerable.Range(0, 120).Select(i => $"'\\x{i:x2}'")) + "];(function(a){return a.map(function(b){return b;});})(_0x1);";
        Run(("src/config.js", App + payload + "\n"), ("public/vendor.min.js", payload + "\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.minified-payload", "src/config.js", 9), (finding.Rule, finding.Location.File, finding.Location.Line));
    }

    [Fact]
    public void A_high_entropy_blob_added_to_a_build_script_is_reported_but_not_in_other_files()
    {
        var manifest = $$"""
            {
              "name": "demo",
              "scripts": {
                "postinstall": "node -e \"require('child_process').exec(Buffer.from('{{Base64}}','base64').toString())\""
              }
            }

            """;
        Run(("package.json", manifest), ("src/fixtures.txt", Base64 + "\n"));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("obfuscated-code.build-script-blob", "package.json", 4), (finding.Rule, finding.Location.File, finding.Location.Line));
    }

    [Fact]
    public void Commits_before_the_scanned_range_report_nothing()
    {
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), ("src/x.js", "eval(atob('eA=='));\n")), learnOnly: true);

        Assert.Empty(_bench.Findings);
    }

    private void Run(params (string Path, string? Text)[] files) =>
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), files));
}
