package io.lxcfs.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The documentation stands on its own in a clone: every relative link of README.md and docs/*.md names a file or
 * directory of the repository, and no tracked file points at the contract documents outside it.
 */
class DocLinksTest {

    /** {@code [text](target)} and {@code [text](target "title")}, after inline code spans are removed. */
    private static final Pattern INLINE_LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target} reference definitions. */
    private static final Pattern REFERENCE_LINK = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`\n]*`");
    private static final Pattern EXTERNAL = Pattern.compile("^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|#|//)");

    /** Written in pieces so that this file does not name them itself. */
    private static final List<String> OUTSIDE_REFERENCES = List.of(
            "..".concat("/shared"), "proc-view".concat("-spec"), "kubernetes".concat("-spec"));

    private static final Path ROOT = repositoryRoot();

    @Test
    void everyRelativeLinkOfTheDocsResolvesInsideTheRepository() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertTrue(pages.size() > 5, "README.md and the pages of docs/ were found: " + pages);

        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String target : relativeLinks(Files.readString(page))) {
                checked++;
                String file = target.replaceFirst("[#?].*$", "");
                Path resolved = page.getParent().resolve(decode(file)).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(page) + " -> " + target);
                }
            }
        }
        assertTrue(checked > 10, "the pages link to each other (" + checked + " links found)");
        assertEquals(List.of(), broken, "links that do not resolve to a file of the repository");
    }

    @Test
    void noTrackedFileOutsideCiPointsAtDocumentsOutsideTheRepository() throws IOException, InterruptedException {
        List<String> offenders = new ArrayList<>();
        for (String name : trackedFiles()) {
            Path file = ROOT.resolve(name);
            if (name.startsWith(".ci/") || !Files.isRegularFile(file)) {
                continue;
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String reference : OUTSIDE_REFERENCES) {
                if (text.contains(reference)) {
                    offenders.add(name + " mentions " + reference);
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void theLinkPatternFindsWhatMarkdownRendersAsLinks() {
        String page = """
                See [the view](docs/proc-view.md#1-whose-numbers) and [`examples/pod.yaml`](examples/pod.yaml "a pod").
                Not links: [home](https://example.com), [up](#top), `[code](not/a/link.md)`.
                ```sh
                cat [x](inside/a/fence.md)
                ```
                [ref]: docs/chart.md
                """;
        assertEquals(List.of("docs/proc-view.md#1-whose-numbers", "examples/pod.yaml", "docs/chart.md"),
                relativeLinks(page));
    }

    static List<String> relativeLinks(String markdown) {
        List<String> targets = new ArrayList<>();
        boolean inFence = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.trim().startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            Matcher inline = INLINE_LINK.matcher(text);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher reference = REFERENCE_LINK.matcher(text);
            if (reference.matches()) {
                targets.add(reference.group(1));
            }
        }
        targets.removeIf(t -> EXTERNAL.matcher(t).find());
        return targets;
    }

    private static String decode(String link) {
        return java.net.URLDecoder.decode(link.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static List<String> trackedFiles() throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "-C", ROOT.toString(), "ls-files", "-z")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = git.getInputStream().readAllBytes();
        assertEquals(0, git.waitFor(), "git ls-files in " + ROOT);
        List<String> names = List.of(new String(out, StandardCharsets.UTF_8).split("\0"));
        assertFalse(names.isEmpty(), "git lists the tracked files");
        return names;
    }

    private static Path repositoryRoot() {
        String configured = System.getProperty("lxcfs.repo.root");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))
                    && Files.isDirectory(p.resolve("src-test"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
    }
}
