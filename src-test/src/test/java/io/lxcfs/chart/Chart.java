package io.lxcfs.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;

/**
 * The chart under test (../chart from this module), rendered with helm-java's bundled Helm library (no helm binary, no
 * cluster) and parsed into fabric8 model objects.
 */
final class Chart {
    static final String RELEASE = "lxcfs";
    static final String NAMESPACE = "lxcfs-system";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        SERIALIZATION.registerKubernetesResource(ProcViewPolicy.class);
    }

    private Chart() {
    }

    static Path dir() {
        Path p = Path.of(System.getProperty("lxcfs.chart.dir", "../chart")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + p + " (set -Dlxcfs.chart.dir)");
        }
        return p;
    }

    /** Values as YAML/JSON text → map (for readable test cases). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> values(String yaml) {
        try {
            Object v = YAML.readValue(yaml, Object.class);
            return v == null ? new LinkedHashMap<>() : (Map<String, Object>) v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code helm template} with these values on top of values.yaml; throws what Helm reports. */
    static Rendered render(Map<String, Object> values) {
        Path file = writeTemp("values", values);
        try {
            String out = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(file).call();
            return new Rendered(out);
        } finally {
            delete(file);
        }
    }

    static Rendered render(String valuesYaml) {
        return render(values(valuesYaml));
    }

    /**
     * {@code helm lint --strict} with these values. helm-java's lint takes no values file, so this lints a copy of the
     * chart whose values.yaml has the overrides merged in.
     */
    static LintResult lint(Map<String, Object> overrides) {
        Path copy = null;
        try {
            copy = Files.createTempDirectory("lxcfs-chart-lint");
            Path chart = copy.resolve("lxcfs-k8s");
            copyTree(dir(), chart);
            ObjectNode defaults = (ObjectNode) YAML.readTree(chart.resolve("values.yaml").toFile());
            merge(defaults, JSON.valueToTree(overrides));
            YAML.writeValue(chart.resolve("values.yaml").toFile(), defaults);
            return new Helm(chart).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (copy != null) {
                delete(copy);
            }
        }
    }

    /**
     * NOTES.txt as {@code helm install} would print it. helm-java's template leaves NOTES out and its dry-run install
     * needs a cluster, so a copy of the chart renders the notes through {@code tpl} into a ConfigMap.
     */
    static String notes(Map<String, Object> values) {
        Path copy = null;
        Path file = writeTemp("values", values);
        try {
            copy = Files.createTempDirectory("lxcfs-chart-notes");
            Path chart = copy.resolve("lxcfs-k8s");
            copyTree(dir(), chart);
            // .Files cannot read templates/, so the notes go next to Chart.yaml
            Files.copy(chart.resolve("templates/NOTES.txt"), chart.resolve("notes-under-test.txt"));
            Files.writeString(chart.resolve("templates/zz-notes-under-test.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: notes-under-test
                    data:
                      notes: {{ tpl (.Files.Get "notes-under-test.txt") . | quote }}
                    """);
            String out = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(file).call();
            return new Rendered(out).named(io.fabric8.kubernetes.api.model.ConfigMap.class, "notes-under-test")
                    .orElseThrow().getData().get("notes");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(file);
            if (copy != null) {
                delete(copy);
            }
        }
    }

    /** Helm's merge rule for values: maps merge recursively, anything else replaces. */
    static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    private static Path writeTemp(String prefix, Object content) {
        try {
            Path f = Files.createTempFile(prefix, ".yaml");
            YAML.writeValue(f.toFile(), content);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static void delete(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // temp files
        }
    }

    /** The objects of one {@code helm template} run, both as parsed trees and as fabric8 objects. */
    static final class Rendered {
        final String text;
        final List<JsonNode> trees = new ArrayList<>();
        final List<HasMetadata> objects = new ArrayList<>();

        Rendered(String text) {
            this.text = text;
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    if (n == null || n.isNull() || n.isMissingNode() || n.isEmpty()) {
                        continue;
                    }
                    trees.add(n);
                    objects.add(SERIALIZATION.unmarshal(JSON.writeValueAsString(n), HasMetadata.class));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("helm template output is not YAML:\n" + text, e);
            }
        }

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type) {
            List<T> l = all(type);
            if (l.size() != 1) {
                throw new AssertionError("expected one " + type.getSimpleName() + ", got " + l.size());
            }
            return l.get(0);
        }

        <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
            return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
        }

        List<GenericKubernetesResource> generic(String kind) {
            return all(GenericKubernetesResource.class).stream().filter(g -> kind.equals(g.getKind())).toList();
        }
    }

    /** Paths of fields (and values) of {@code expected} that {@code actual} lacks or has with another value. */
    static List<String> missingFrom(JsonNode expected, JsonNode actual, String path) {
        List<String> out = new ArrayList<>();
        if (expected.isObject() && actual != null && actual.isObject()) {
            expected.fields().forEachRemaining(e -> out.addAll(missingFrom(e.getValue(), actual.get(e.getKey()),
                    path + "." + e.getKey())));
        } else if (!expected.equals(actual)) {
            out.add(path + ": " + expected + " became " + actual);
        }
        return out;
    }

    // ---- strictness: no field the Kubernetes model does not know --------------------------------------------------

    /**
     * Paths of fields that fabric8's model did not recognise (they land in additionalProperties). Generic resources
     * (cert-manager, prometheus-operator kinds) have no model and are skipped.
     */
    static List<String> unknownFields(Object o) {
        List<String> problems = new ArrayList<>();
        walk(o, o instanceof HasMetadata h ? h.getKind() + "/" + h.getMetadata().getName() : "", problems);
        return problems;
    }

    private static void walk(Object o, String path, List<String> problems) {
        if (o == null || o instanceof GenericKubernetesResource) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, problems));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", problems);
            }
            return;
        }
        String cls = o.getClass().getName();
        if (!cls.startsWith("io.fabric8.kubernetes.api.model.") && !cls.startsWith("io.lxcfs.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown fields " + extra.keySet());
                }
                continue;
            }
            if (v != null && v != o) {
                String name = m.getName().substring(3);
                walk(v, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems);
            }
        }
    }
}
