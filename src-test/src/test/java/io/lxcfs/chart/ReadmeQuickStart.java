package io.lxcfs.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The README's Kubernetes quick start (the first {@code sh} block of its "## Kubernetes" section), split into commands
 * (backslash continuations and a quoted argument spanning lines joined), so that tests can run or check each one.
 */
final class ReadmeQuickStart {
    final List<String> commands;

    private ReadmeQuickStart(List<String> commands) {
        this.commands = commands;
    }

    static ReadmeQuickStart read() {
        try {
            return parse(Files.readString(Chart.dir().getParent().resolve("README.md")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ReadmeQuickStart parse(String readme) {
        int section = readme.indexOf("\n## Kubernetes\n");
        if (section < 0) {
            throw new IllegalStateException("README has no \"## Kubernetes\" section");
        }
        int start = readme.indexOf("```sh\n", section);
        int end = readme.indexOf("\n```", start + 6);
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : readme.substring(start + 6, end).split("\n")) {
            String text = current.length() == 0 ? stripComment(line) : line;
            if (current.length() == 0 && text.isBlank()) {
                continue;
            }
            if (text.endsWith("\\")) {
                current.append(text, 0, text.length() - 1).append(' ');
                continue;
            }
            current.append(text);
            if (count(current, '\'') % 2 == 1) { // a quoted argument goes on on the next line
                current.append(' ');
                continue;
            }
            commands.add(stripComment(current.toString()).strip());
            current.setLength(0);
        }
        return new ReadmeQuickStart(commands);
    }

    Optional<String> first(String prefix) {
        return commands.stream().filter(c -> c.startsWith(prefix)).findFirst();
    }

    String require(String prefix) {
        return first(prefix).orElseThrow(() -> new AssertionError("README quick start has no command starting with \""
                + prefix + "\": " + commands));
    }

    /** {@code kubectl run NAME --image=... --restart=Never --annotations=k=v --overrides='{json}'} as the Pod it creates. */
    ObjectNode demoPod() throws IOException {
        String run = require("kubectl run ");
        Matcher name = Pattern.compile("^kubectl run (\\S+)").matcher(run);
        name.find();
        ObjectNode pod = Chart.JSON.createObjectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", name.group(1));
        ObjectNode annotations = meta.putObject("annotations");
        Matcher a = Pattern.compile("--annotations=(\\S+?)=(\\S+)").matcher(run);
        while (a.find()) {
            annotations.put(a.group(1), a.group(2));
        }
        ObjectNode spec = pod.putObject("spec");
        Matcher restart = Pattern.compile("--restart=(\\S+)").matcher(run);
        spec.put("restartPolicy", restart.find() ? restart.group(1) : "Always");
        Matcher overrides = Pattern.compile("--overrides='([^']*)'").matcher(run);
        if (overrides.find()) {
            JsonNode o = Chart.JSON.readTree(overrides.group(1));
            Chart.merge(pod, o);
        }
        return pod;
    }

    private static String stripComment(String line) {
        // a " # " outside single quotes starts a comment
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '#' && !quoted && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line;
    }

    private static int count(CharSequence s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
