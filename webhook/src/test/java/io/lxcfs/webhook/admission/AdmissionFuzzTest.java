package io.lxcfs.webhook.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;

import io.fabric8.kubernetes.api.model.Pod;
import io.lxcfs.testing.HttpsClient.Reply;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.webhook.Fixtures;
import io.lxcfs.webhook.Reviews;
import io.lxcfs.webhook.tls.TlsManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Property test of {@code POST /mutate} over HTTPS with mutated AdmissionReview bodies from a seeded generator (Jazzer
 * does not resolve from this build's Maven mirror): wrong types, huge arrays, deep nesting, odd unicode and invalid
 * UTF-8, duplicate keys, missing fields, wrong kinds, byte flips and truncation, starting from real pod fixtures.
 * Properties: no 5xx; every 4xx is JSON with a message; every 200 is an allowed AdmissionReview response for the
 * request's uid whose patch, if any, applies (zjsonpatch) to the pod that was sent and leaves a valid pod; the heap
 * after the run is within {@link #HEAP_BOUND_MB} of the heap before. Case {@code i} is generated from
 * {@code seed + i} alone: a failure prints both, and {@code -Dlxcfs.fuzz.case=i} replays that case only.
 */
@QuarkusTest
class AdmissionFuzzTest {
    static final long SEED = Long.getLong("lxcfs.fuzz.seed", 20261201L);
    static final int CASES = Integer.getInteger("lxcfs.fuzz.cases", 1500);
    static final long BUDGET_MS = Long.getLong("lxcfs.fuzz.budget-ms", 30_000);
    static final long HEAP_BOUND_MB = 64;
    static final String[] PODS = { "deployment-pod.json", "bare-pod.json", "init-containers-pod.json",
            "own-meminfo-pod.json", "windows-pod.json" };

    @TestHTTPResource(value = "/", tls = true)
    URL base;
    @Inject
    TlsManager tls;
    HttpsClient https;

    @BeforeEach
    void client() throws Exception {
        https = new HttpsClient(Files.readString(tls.localDir().resolve("ca.crt")), URI.create(base.toString()));
    }

    @Test
    void mutatedAdmissionReviewsNeverGetA5xxAndEveryPatchApplies() {
        Integer only = Integer.getInteger("lxcfs.fuzz.case");
        long heapBefore = usedHeapAfterGc();
        long start = System.currentTimeMillis();
        int[] byStatus = new int[6];
        java.util.Map<String, Double> genMs = new java.util.TreeMap<>();
        java.util.Map<String, Double> postMs = new java.util.TreeMap<>();
        int patched = 0;
        int cases = 0;
        for (int i = only != null ? only : 0; i < (only != null ? only + 1 : CASES); i++) {
            if (only == null && System.currentTimeMillis() - start > BUDGET_MS) {
                break;
            }
            long g0 = System.nanoTime();
            Case c = generate(SEED + i);
            long g1 = System.nanoTime();
            Reply r;
            try {
                r = https.post("/mutate", "application/json", c.body);
            } catch (AssertionError e) {
                throw new AssertionError("case " + i + " (seed " + SEED + ", replay with -Dlxcfs.fuzz.case=" + i + "), mutation "
                        + c.what + ", body " + preview(c.body) + ": " + e.getMessage(), e);
            }
            long g2 = System.nanoTime();
            String kindOfCase = c.what.split(" ")[0];
            genMs.merge(kindOfCase, (g1 - g0) / 1e6, Double::sum);
            postMs.merge(kindOfCase, (g2 - g1) / 1e6, Double::sum);
            cases++;
            byStatus[r.status() / 100]++;
            try {
                patched += check(c, r) ? 1 : 0;
            } catch (AssertionError e) {
                fail("case " + i + " (seed " + SEED + ", replay with -Dlxcfs.fuzz.case=" + i + "), mutation " + c.what
                        + ", body " + preview(c.body) + "\nanswer " + r.status() + " " + preview(r.body().getBytes(StandardCharsets.UTF_8))
                        + "\n" + e.getMessage(), e);
            }
        }
        long heapGrowthMb = (usedHeapAfterGc() - heapBefore) >> 20;
        System.out.printf("admission fuzz: %d cases in %.1f s (seed %d): 2xx %d (%d with a patch, all applied), 4xx %d, 5xx %d; "
                + "heap growth after GC %d MiB (bound %d MiB)%n", cases, (System.currentTimeMillis() - start) / 1000.0, SEED,
                byStatus[2], patched, byStatus[4], byStatus[5], heapGrowthMb, HEAP_BOUND_MB);
        System.out.println("admission fuzz: ms generating by mutation " + genMs + "; ms answering " + postMs);
        assertEquals(0, byStatus[5], "5xx answers");
        assertTrue(only != null || cases >= 150, "too few cases ran in the budget: " + cases);
        assertTrue(heapGrowthMb <= HEAP_BOUND_MB, "heap grew by " + heapGrowthMb + " MiB");
    }

    /** @return true when the answer carried a patch (which was applied and checked) */
    private static boolean check(Case c, Reply r) {
        assertTrue(r.status() < 500, "5xx");
        JsonNode out = r.json();
        if (r.status() != 200) {
            assertTrue(r.status() >= 400, "status " + r.status());
            assertTrue(out.path("message").isTextual() && !out.path("message").asText().isBlank(), "4xx without a message");
            return false;
        }
        JsonNode sent = c.parsedAsServerSees();
        assertTrue(sent != null, "200 for a body that is not JSON");
        assertEquals("AdmissionReview", out.path("kind").asText());
        assertEquals("admission.k8s.io/v1", out.path("apiVersion").asText());
        assertEquals(sent.at("/request/uid").asText(), out.at("/response/uid").asText(), "uid");
        assertTrue(out.at("/response/allowed").asBoolean(false), "not allowed");
        JsonNode patch = Reviews.patchOf(out);
        if (patch == null) {
            return false;
        }
        assertEquals("JSONPatch", out.at("/response/patchType").asText());
        JsonNode podAfter;
        try {
            podAfter = JsonPatch.apply(patch, sent.at("/request/object"));
        } catch (RuntimeException e) {
            throw new AssertionError("patch does not apply to the pod sent: " + e + "\npatch " + patch, e);
        }
        // The webhook runs before the API server validates the pod, so the pod sent may already be invalid (a mount of a
        // volume the mutation removed, say): the patch must not add a violation of its own.
        List<String> before = violations(Fixtures.pod(sent.at("/request/object")));
        List<String> after = violations(Fixtures.pod(podAfter));
        after.removeAll(before);
        assertTrue(after.isEmpty(), "the patch made the pod invalid: " + after + "\npatch " + patch);
        return true;
    }

    /** What {@link Fixtures#assertValid} checks, as a list: duplicate volumes or mount paths, mounts of unknown volumes. */
    static List<String> violations(Pod pod) {
        List<String> out = new ArrayList<>();
        if (pod.getSpec() == null) {
            return out;
        }
        java.util.Set<String> volumes = new java.util.HashSet<>();
        for (var v : pod.getSpec().getVolumes()) {
            if (!volumes.add(v.getName())) {
                out.add("duplicate volume " + v.getName());
            }
        }
        List<io.fabric8.kubernetes.api.model.Container> all = new ArrayList<>(pod.getSpec().getContainers());
        all.addAll(pod.getSpec().getInitContainers());
        for (var c : all) {
            java.util.Set<String> paths = new java.util.HashSet<>();
            for (var m : c.getVolumeMounts()) {
                if (!paths.add(m.getMountPath())) {
                    out.add(c.getName() + ": duplicate mount path " + m.getMountPath());
                }
                if (!volumes.contains(m.getName())) {
                    out.add(c.getName() + ": mount of unknown volume " + m.getName());
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ the generator

    record Case(String what, byte[] body) {
        /** The body as the webhook reads it (Jackson: duplicate keys, last one wins), or null if it is not JSON. */
        JsonNode parsedAsServerSees() {
            try {
                return Fixtures.MAPPER.readTree(body);
            } catch (Exception e) {
                return null;
            }
        }
    }

    static Case generate(long seed) {
        Random rnd = new Random(seed);
        ObjectNode pod = Fixtures.json(PODS[rnd.nextInt(PODS.length)]);
        ObjectNode review = Reviews.podCreate(pod, rnd.nextBoolean() ? "shop" : "team-" + rnd.nextInt(5));
        ((ObjectNode) review.get("request")).put("uid", "fuzz-" + seed);
        int kind = rnd.nextInt(12);
        String what;
        switch (kind) {
            case 0 -> what = "wrong type at " + replaceRandom(review, rnd, randomValue(rnd, 0));
            case 1 -> what = "huge array at " + replaceRandom(review, rnd, hugeArray(rnd));
            case 2 -> what = "missing " + removeRandom(review, rnd);
            case 3 -> what = "wrong kind " + wrongKind(review, rnd);
            case 4 -> what = "odd unicode at " + replaceRandom(review, rnd, JsonNodeFactory.instance.textNode(oddString(rnd)));
            case 5 -> {
                int n = 1 + rnd.nextInt(4);
                StringBuilder sb = new StringBuilder("several: ");
                for (int j = 0; j < n; j++) {
                    sb.append(replaceRandom(review, rnd, randomValue(rnd, 0))).append(' ');
                }
                what = sb.toString();
            }
            case 6 -> {
                String json = review.toString();
                return new Case("deep nesting", deepNesting(json, rnd).getBytes(StandardCharsets.UTF_8));
            }
            case 7 -> {
                return new Case("duplicate keys", duplicateKeys(review.toString(), rnd).getBytes(StandardCharsets.UTF_8));
            }
            case 8 -> {
                return new Case("byte flips", flipBytes(review.toString().getBytes(StandardCharsets.UTF_8), rnd));
            }
            case 9 -> {
                byte[] b = review.toString().getBytes(StandardCharsets.UTF_8);
                return new Case("truncated", java.util.Arrays.copyOf(b, rnd.nextInt(b.length)));
            }
            case 10 -> {
                return new Case("invalid UTF-8", invalidUtf8(review.toString(), rnd));
            }
            default -> what = "valid";
        }
        return new Case(what, review.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces a node found by a random walk from the root (object fields and array items) with {@code value}. */
    static String replaceRandom(ObjectNode root, Random rnd, JsonNode value) {
        JsonNode parent = root;
        String path = "";
        JsonNode node = root;
        String lastKey = null;
        int lastIndex = -1;
        int depth = 1 + rnd.nextInt(8);
        for (int d = 0; d < depth && node.isContainerNode() && node.size() > 0; d++) {
            parent = node;
            if (node.isObject()) {
                List<String> names = new ArrayList<>();
                node.fieldNames().forEachRemaining(names::add);
                lastKey = names.get(rnd.nextInt(names.size()));
                lastIndex = -1;
                node = node.get(lastKey);
                path += "/" + lastKey;
            } else {
                lastIndex = rnd.nextInt(node.size());
                lastKey = null;
                node = node.get(lastIndex);
                path += "/" + lastIndex;
            }
        }
        if (parent instanceof ObjectNode o && lastKey != null) {
            o.set(lastKey, value);
        } else if (parent instanceof ArrayNode a && lastIndex >= 0) {
            a.set(lastIndex, value);
        }
        return path + "=" + abbreviate(value);
    }

    static String removeRandom(ObjectNode root, Random rnd) {
        String[] paths = { "/apiVersion", "/kind", "/request", "/request/uid", "/request/kind", "/request/kind/kind",
                "/request/object", "/request/object/spec", "/request/object/spec/containers", "/request/object/metadata",
                "/request/operation", "/request/namespace", "/request/object/spec/containers/0/name",
                "/request/object/metadata/annotations", "/request/object/spec/volumes" };
        String p = paths[rnd.nextInt(paths.length)];
        int slash = p.lastIndexOf('/');
        JsonNode parent = root.at(p.substring(0, slash));
        String last = p.substring(slash + 1);
        if (parent instanceof ObjectNode o) {
            o.remove(last);
        } else if (parent instanceof ArrayNode a && last.matches("\\d+") && a.size() > Integer.parseInt(last)) {
            a.remove(Integer.parseInt(last));
        }
        return p;
    }

    static String wrongKind(ObjectNode review, Random rnd) {
        String[][] choices = { { "/kind", "AdmissionResponse" }, { "/apiVersion", "admission.k8s.io/v1beta1" },
                { "/request/kind/kind", "Deployment" }, { "/request/kind/group", "apps" }, { "/request/operation", "UPDATE" },
                { "/request/operation", "DELETE" }, { "/request/subResource", "ephemeralcontainers" },
                { "/request/object/kind", "Service" }, { "/kind", "" }, { "/request/kind/kind", "pod" } };
        String[] c = choices[rnd.nextInt(choices.length)];
        int slash = c[0].lastIndexOf('/');
        JsonNode parent = review.at(c[0].substring(0, slash));
        if (parent instanceof ObjectNode o) {
            o.put(c[0].substring(slash + 1), c[1]);
        }
        return c[0] + "=" + c[1];
    }

    static JsonNode randomValue(Random rnd, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (rnd.nextInt(depth > 2 ? 8 : 10)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(rnd.nextBoolean());
            case 2 -> f.numberNode(rnd.nextLong());
            case 3 -> f.numberNode(new java.math.BigDecimal("1e" + (300 + rnd.nextInt(5000))));
            case 4 -> f.numberNode(-rnd.nextInt(1000));
            case 5 -> f.textNode(oddString(rnd));
            case 6 -> f.textNode("");
            case 7 -> f.numberNode(rnd.nextDouble());
            case 8 -> {
                ArrayNode a = f.arrayNode();
                for (int i = rnd.nextInt(5); i > 0; i--) {
                    a.add(randomValue(rnd, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = f.objectNode();
                for (int i = rnd.nextInt(5); i > 0; i--) {
                    o.set(oddString(rnd), randomValue(rnd, depth + 1));
                }
                yield o;
            }
        };
    }

    static JsonNode hugeArray(Random rnd) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        // Up to ~1.4 MB of array: bodies near the 3 MiB limit cost the generator more than the webhook.
        boolean large = rnd.nextInt(4) == 0;
        int n = 1000 + rnd.nextInt(large ? 200_000 : 20_000);
        JsonNode item = large || rnd.nextBoolean() ? JsonNodeFactory.instance.numberNode(7)
                : Fixtures.MAPPER.createObjectNode().put("name", "c").put("image", "busybox");
        for (int i = 0; i < n; i++) {
            a.add(item.deepCopy());
        }
        return a;
    }

    static String oddString(Random rnd) {
        String[] parts = { "\u0000", "\u202e", "\ud83d\ude00", "\ud800", "\udfff", "\ufeff", "\u00e9", "e\u0301", "/", "~1",
                "~0", "..", "\\", "\"", "\n", "lxcfs.io/enable", "true", "/proc/meminfo", "\uffff", "\u0085", "Ω" };
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(8); i >= 0; i--) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        if (rnd.nextInt(40) == 0) {
            sb.append("x".repeat(100_000 + rnd.nextInt(400_000)));
        }
        return sb.toString();
    }

    static String deepNesting(String json, Random rnd) {
        int depth = rnd.nextBoolean() ? 50 + rnd.nextInt(150) : 200 + rnd.nextInt(100_000);
        boolean arrays = rnd.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        // Somewhere a value may go: as the pod's labels, or the whole request.
        String[] anchors = { "\"labels\":", "\"request\":", "\"object\":", "\"containers\":" };
        String a = anchors[rnd.nextInt(anchors.length)];
        int at = json.indexOf(a);
        if (at < 0) {
            return nested;
        }
        int from = at + a.length();
        return json.substring(0, from) + nested + "," + "\"x\":" + json.substring(from);
    }

    static String duplicateKeys(String json, Random rnd) {
        String[] keys = { "\"uid\":", "\"kind\":", "\"apiVersion\":", "\"operation\":", "\"containers\":", "\"object\":",
                "\"name\":", "\"request\":", "\"annotations\":" };
        String k = keys[rnd.nextInt(keys.length)];
        int at = json.indexOf(k, rnd.nextInt(Math.max(1, json.length() / 2)));
        if (at < 0) {
            at = json.indexOf(k);
        }
        if (at < 0) {
            return json;
        }
        String dup = k + switch (rnd.nextInt(4)) {
            case 0 -> "\"dup\"";
            case 1 -> "null";
            case 2 -> "[]";
            default -> "{}";
        } + ",";
        return rnd.nextBoolean() ? json.substring(0, at) + dup + json.substring(at)
                : json.substring(0, at) + dup + dup + json.substring(at);
    }

    static byte[] flipBytes(byte[] b, Random rnd) {
        byte[] out = b.clone();
        for (int i = 1 + rnd.nextInt(8); i > 0; i--) {
            int at = rnd.nextInt(out.length);
            out[at] = switch (rnd.nextInt(4)) {
                case 0 -> (byte) rnd.nextInt(256);
                case 1 -> (byte) '"';
                case 2 -> (byte) (out[at] ^ (1 << rnd.nextInt(8)));
                default -> (byte) '{';
            };
        }
        return out;
    }

    static byte[] invalidUtf8(String json, Random rnd) {
        byte[][] bad = { { (byte) 0xc0, (byte) 0xaf }, { (byte) 0xed, (byte) 0xa0, (byte) 0x80 }, { (byte) 0xff },
                { (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80 }, { (byte) 0xe2, (byte) 0x82 } };
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        // Inside a string value: after the first quote of "generateName"/"name" values.
        int at = Math.max(0, json.indexOf("\"name\": \"") + 9);
        if (at < 9) {
            at = json.indexOf("\"uid\":\"") + 7;
        }
        byte[] ins = bad[rnd.nextInt(bad.length)];
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(b, at, out, at + ins.length, b.length - at);
        return out;
    }

    static String abbreviate(JsonNode v) {
        String s = v.isContainerNode() ? (v.isArray() ? "array[" + v.size() + "]" : "object{" + v.size() + "}") : v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "...(" + s.length() + ")" : s;
    }

    static String preview(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 400), StandardCharsets.UTF_8);
        return b.length > 400 ? s + "...(" + b.length + " bytes)" : s;
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
